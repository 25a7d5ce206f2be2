//! A ticket of another till brought back: Lyon takes back units of a Paris ticket through head
//! office, at the price and VAT Paris signed; the units are counted across the chain (Paris, once
//! online, sees Lyon's return and refunds no unit twice, nor voids a ticket partly brought back
//! elsewhere); offline, a foreign ticket is refused with a word; both journals verify.

use pos_till::engine::TenderSpec;
use pos_till::sync;

use super::{Backend, PROP, Server, enrol, new_till, returnable, till_at, verify};

const LYON: (&str, &str) = ("S007", "2468");
const PARIS: (&str, &str) = ("S002", "1937");

fn another_tills_ticket(backend: Backend) {
    let server = Server::start(backend, "ticket-return");
    let lyon = new_till("LYO", 1, "ticket-return-lyo");
    let paris = new_till("PAR", 1, "ticket-return-par");
    enrol(&server, &paris);

    // Three propellers sold in Paris.
    let mut till = till_at(&paris, "2026-12-01T10:00:00+01:00", PARIS);
    till.scan(PROP, 3, None, None, None).unwrap();
    let sold = till.pay(&[TenderSpec::Cash(1170)], None).unwrap();
    let reference = sold["ticket"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("PAR-1-T"), "{reference}");
    till.stop().unwrap();

    // Lyon, not enrolled yet: another till's ticket needs head office.
    let till = till_at(&lyon, "2026-12-01T11:00:00+01:00", LYON);
    let e = till.ticket_view(&reference).unwrap_err().to_string();
    assert!(e.contains("another till's and head office cannot be asked now"), "{e}");
    till.stop().unwrap();
    enrol(&server, &lyon);
    let till = till_at(&lyon, "2026-12-01T11:00:00+01:00", LYON);
    let e = till.ticket_view(&reference).unwrap_err().to_string();
    assert!(e.contains(&reference), "Paris has not synced: {e}");
    till.stop().unwrap();
    sync::round(&paris).unwrap();

    // Two units back in Lyon, at Paris's price; the third still returnable.
    let mut till = till_at(&lyon, "2026-12-01T11:30:00+01:00", LYON);
    assert_eq!(returnable(&till, &reference), vec![3]);
    let view = till.ticket_view(&reference).unwrap();
    let paid = pos_till::script::cents(view["lines"][0]["net"].as_str().unwrap()).unwrap();
    let basket = till.return_lines(&reference, &[(1, 2)]).unwrap();
    let back = pos_till::script::cents(basket["total"].as_str().unwrap()).unwrap();
    assert_eq!(back, -(paid * 2 / 3), "two thirds of the line Paris signed: {basket}");
    assert_eq!(returnable(&till, &reference), vec![1], "the basket's return counts at once");
    let e = till.return_lines(&reference, &[(1, 2)]).unwrap_err().to_string();
    assert!(e.contains('1'), "{e}");
    till.pay(&[TenderSpec::Cash(back)], None).unwrap();
    assert_eq!(returnable(&till, &reference), vec![1], "its own return counts before any sync");
    till.stop().unwrap();
    sync::round(&lyon).unwrap();

    // Paris, online, knows of Lyon's return: one unit left, and no void of a ticket partly back.
    let mut till = till_at(&paris, "2026-12-01T12:00:00+01:00", PARIS);
    assert_eq!(returnable(&till, &reference), vec![1]);
    let e = till
        .void_ticket(
            &reference,
            Some(&pos_till::engine::Approval { staff: "S001".into(), pin: "48213".into() }),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("already returned"), "{e}");
    let e = till.return_lines(&reference, &[(1, 2)]).unwrap_err().to_string();
    assert!(e.contains('1'), "{e}");
    let last = till.return_lines(&reference, &[]).unwrap();
    let last = pos_till::script::cents(last["total"].as_str().unwrap()).unwrap();
    assert_eq!(last + back, -paid, "the whole line back, to the cent");
    till.pay(&[TenderSpec::Cash(last)], None).unwrap();
    till.stop().unwrap();
    sync::round(&paris).unwrap();
    let till = till_at(&lyon, "2026-12-01T13:00:00+01:00", LYON);
    assert_eq!(returnable(&till, &reference), vec![0], "all three back across the chain");
    till.stop().unwrap();
    for dir in [&lyon, &paris] {
        let r = sync::round(dir).unwrap();
        assert_eq!(r.waiting(), 0, "{r:?}");
        let (ok, lines) = verify(dir);
        assert!(ok, "{lines}");
    }
    drop(server);
}

#[test]
fn sqlite_another_tills_ticket() {
    another_tills_ticket(Backend::Sqlite);
}

#[test]
fn postgres_another_tills_ticket() {
    another_tills_ticket(Backend::Postgres);
}
