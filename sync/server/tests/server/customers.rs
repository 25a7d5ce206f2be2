//! Customers created and edited offline at several tills merge at head office without losing an
//! edit (each field's latest edit wins, whatever order the tills sync in), reach every till, and an
//! erasure at head office wins over any edit and removes the customer from the tills.

use pos_sync::customers::{CustomerEdit, CustomerEdits, Field, Stamp};
use pos_sync::wire::{self, ErrorCode};
use pos_till::engine::Till;
use pos_till::sync;
use serde_json::Value;

use super::{Backend, Server, enrol, new_till, open_till};

const LYON: (&str, &str) = ("S007", "2468");
const PARIS: (&str, &str) = ("S002", "1937");

fn till_at(dir: &std::path::Path, when: &str, staff: (&str, &str)) -> Till {
    let mut till = open_till(dir, when);
    till.login(staff.0, staff.1).unwrap();
    till
}

fn edit(dir: &std::path::Path, when: &str, staff: (&str, &str), id: &str, fields: &[(Field, &str)]) -> Value {
    let mut till = till_at(dir, when, staff);
    let fields: Vec<(Field, String)> = fields.iter().map(|(f, v)| (*f, (*v).to_owned())).collect();
    let v = till.edit_customer(id, &fields).unwrap();
    till.stop().unwrap();
    v
}

/// The customers a till finds for `text`: (id, name, e-mail, telephone, town).
fn found(
    dir: &std::path::Path,
    staff: (&str, &str),
    text: &str,
) -> Vec<(String, String, String, String, String)> {
    let till = till_at(dir, "2026-12-01T18:00:00+01:00", staff);
    let v = till.find_customers(text).unwrap();
    till.stop().unwrap();
    let s = |c: &Value, k: &str| c[k].as_str().unwrap_or_default().to_owned();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| (s(c, "id"), s(c, "name"), s(c, "email"), s(c, "phone"), s(c, "town")))
        .collect()
}

fn customers_merged_across_tills(backend: Backend) {
    let server = Server::start(backend, "customers");
    let lyon = new_till("LYO", 1, "customers-lyo");
    let paris = new_till("PAR", 1, "customers-par");
    enrol(&server, &lyon);
    enrol(&server, &paris);

    // Offline, both tills edit Marie Thomas (C00001): Paris first (its e-mail), Lyon later (its
    // e-mail too), Paris later still (her telephone). Lyon creates a customer.
    edit(&paris, "2026-12-01T09:00:00+01:00", PARIS, "C00001", &[(Field::Email, "marie@paris.example")]);
    edit(&lyon, "2026-12-01T10:00:00+01:00", LYON, "C00001", &[(Field::Email, "marie@lyon.example")]);
    edit(&paris, "2026-12-01T11:00:00+01:00", PARIS, "C00001", &[(Field::Phone, "06 01 02 03 04")]);
    let created = edit(
        &lyon,
        "2026-12-01T10:05:00+01:00",
        LYON,
        "",
        &[(Field::Name, "Jean Dupont"), (Field::Phone, "0478000000"), (Field::Town, "Villeurbanne")],
    );
    assert_eq!(created["id"], "LYO-1-C0001");
    {
        let mut till = till_at(&lyon, "2026-12-01T10:06:00+01:00", LYON);
        let e = till.edit_customer("", &[(Field::Email, "jean@example.org".into())]).unwrap_err().to_string();
        assert!(e.contains("needs a name"), "{e}");
        let e =
            till.edit_customer("C00001", &[(Field::Email, "not an address".into())]).unwrap_err().to_string();
        assert!(e.contains("is not an address"), "{e}");
        let e = till.edit_customer("C99999", &[(Field::Town, "Lyon".into())]).unwrap_err().to_string();
        assert!(e.contains("no customer C99999"), "{e}");
        till.stop().unwrap();
    }
    // Each till sees its own edits at once.
    assert_eq!(found(&paris, PARIS, "C00001")[0].2, "marie@paris.example");
    assert_eq!(found(&lyon, LYON, "C00001")[0].2, "marie@lyon.example");

    // The tills sync in an order unlike their edits', twice: every edit kept, the latest of each
    // field winning, the same customer everywhere.
    for dir in [&lyon, &paris, &lyon, &paris] {
        sync::round(dir).unwrap();
    }
    let marie = (
        "C00001".to_owned(),
        "Marie Thomas".to_owned(),
        "marie@lyon.example".to_owned(),
        "06 01 02 03 04".to_owned(),
        String::new(),
    );
    let jean = (
        "LYO-1-C0001".to_owned(),
        "Jean Dupont".to_owned(),
        String::new(),
        "0478000000".to_owned(),
        "Villeurbanne".to_owned(),
    );
    for (dir, staff) in [(&lyon, LYON), (&paris, PARIS)] {
        assert_eq!(found(dir, staff, "C00001"), vec![marie.clone()]);
        assert_eq!(found(dir, staff, "jean dupont"), vec![jean.clone()], "found by name");
        assert_eq!(found(dir, staff, "04780000"), vec![jean.clone()], "found by telephone");
    }
    let shown: Value =
        serde_json::from_str(&server.cli_ok(&["customers", "show", "C00001", "--json"])).unwrap();
    assert_eq!(shown["fields"]["email"]["val"], "marie@lyon.example", "{shown}");
    assert_eq!(shown["fields"]["phone"]["marker"]["till"], "PAR-1", "{shown}");
    {
        let mut till = till_at(&paris, "2026-12-01T12:00:00+01:00", PARIS);
        super::open_register(&mut till);
        till.attach_customer("LYO-1-C0001").unwrap();
        till.attach_customer("").unwrap();
        till.stop().unwrap();
    }

    // A till sends only its own edits, each checked.
    let key = pos_till::store::read_key(&lyon).unwrap();
    let ho = pos_till::sync::client::HeadOffice::new(&server.url, None).unwrap();
    let forged = CustomerEdits {
        edits: vec![CustomerEdit {
            customer: "C00001".into(),
            field: Field::Email,
            value: "x@y.z".into(),
            stamp: Stamp { at_ms: i64::MAX, till: "PAR-1".into(), n: 1 },
        }],
    };
    let e = ho.signed(
        &key,
        "LYO-1",
        reqwest::Method::POST,
        wire::CUSTOMERS,
        serde_json::to_vec(&forged).unwrap(),
    );
    assert!(
        matches!(&e, Err(sync::SyncError::Refused { code: Some(ErrorCode::InvalidCustomerEdit), .. })),
        "{e:?}"
    );

    // Head office erases Marie Thomas; Lyon, offline, edits her again: the erasure wins, at head
    // office and at both tills, and Lyon keeps nothing of her edits.
    server.cli_ok(&["customers", "erase", "C00001"]);
    edit(&lyon, "2026-12-01T13:00:00+01:00", LYON, "C00001", &[(Field::Town, "Lyon")]);
    for dir in [&lyon, &paris] {
        sync::round(dir).unwrap();
    }
    for (dir, staff) in [(&lyon, LYON), (&paris, PARIS)] {
        assert!(found(dir, staff, "Marie Thomas").is_empty(), "erased");
        let mut till = till_at(dir, "2026-12-01T14:00:00+01:00", staff);
        super::open_register(&mut till);
        let e = till.attach_customer("C00001").unwrap_err().to_string();
        assert!(e.contains("no customer C00001"), "{e}");
        till.stop().unwrap();
        let conn = pos_till::store::open_db(dir).unwrap();
        let kept: String =
            conn.query_row("SELECT json FROM customer_known WHERE id = 'C00001'", [], |r| r.get(0)).unwrap();
        assert!(!kept.contains("marie") && !kept.contains("Lyon"), "{kept}");
        let edits: i64 = conn.query_row("SELECT COUNT(*) FROM customer_edit", [], |r| r.get(0)).unwrap();
        assert_eq!(edits, 0);
    }
    let shown: Value =
        serde_json::from_str(&server.cli_ok(&["customers", "show", "C00001", "--json"])).unwrap();
    assert!(shown["erased"].is_object() && shown["fields"].as_object().unwrap().is_empty(), "{shown}");
}

#[test]
fn sqlite_customers_merged_across_tills() {
    customers_merged_across_tills(Backend::Sqlite);
}

#[test]
fn postgres_customers_merged_across_tills() {
    customers_merged_across_tills(Backend::Postgres);
}
