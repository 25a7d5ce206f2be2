//! Loyalty points under escrow: earning is never blocked (the till that gives points holds their
//! rights), spending needs rights (online, head office grants them from what it holds; offline,
//! only the points this till gave since its last sync), and at every step each customer's points
//! are held by one party only.

use pos_sync::rights::points_account;
use pos_till::engine::{TenderSpec, Till};
use pos_till::sync;

use super::{Backend, Server, enrol, fixtures, new_till, open_till, verify};

const CUSTOMER: &str = "C00001"; // Marie Thomas, silver, 1,202 points in the chain's files
const OPENING: i64 = 1_202;
const PROP: &str = "3762200151285"; // 3.90
const PLANE: &str = "3761100080190"; // 249.00
const LYON: (&str, &str) = ("S007", "2468");
const PARIS: (&str, &str) = ("S002", "1937");

/// Head office's points of the customer, who holds their rights, and the rights pending; checks
/// that every point is held by one party.
fn at_head_office(server: &Server) -> (i64, Vec<(String, i64)>, i64) {
    let (rt, s) = server.storage();
    let b = rt.block_on(s.balance(&points_account(CUSTOMER))).unwrap().expect("head office knows the points");
    let held: i64 = b.holders.iter().map(|(_, c)| c).sum();
    assert_eq!(b.balance, held + b.pending, "every point is held by one party: {b:?}");
    (b.balance, b.holders, b.pending)
}

fn till_at(dir: &std::path::Path, when: &str, staff: (&str, &str)) -> Till {
    let mut till = open_till(dir, when);
    till.login(staff.0, staff.1).unwrap();
    super::open_register(&mut till);
    till
}

/// Sells `n` propellers to the customer (and a plane when more than 100 points are paid), `points` of them paid in points (the rest in cash);
/// the points the customer has after it, or the refusal in words.
fn sell(till: &mut Till, n: u32, points: u32) -> Result<i64, String> {
    till.attach_customer(CUSTOMER).unwrap();
    till.scan(PROP, n, None, None, None).unwrap();
    if points > 100 {
        till.scan(PLANE, 1, None, None, None).unwrap();
    }
    let total = pos_till::script::cents(till.basket_view().unwrap()["total"].as_str().unwrap()).unwrap();
    let worth = i64::from(points) * 5;
    assert!(worth <= total, "a basket worth the points");
    let mut tenders = vec![TenderSpec::Cash(total - worth)];
    if points > 0 {
        tenders.push(TenderSpec::Points(points));
    }
    match till.pay(&tenders, None) {
        Ok(_) => Ok(till.attach_customer(CUSTOMER).unwrap()["points"].as_i64().unwrap()),
        Err(e) => {
            till.cancel_basket().unwrap();
            Err(e.to_string())
        }
    }
    .inspect(|_| {
        till.attach_customer("").unwrap();
    })
}

fn points_spent_across_stores(backend: Backend) {
    let mut server = Server::start(backend, "points");
    {
        let chain =
            pos_core::load::load_chain(|f| std::fs::read(fixtures().join(f)).map_err(|e| e.to_string()))
                .unwrap();
        let opening = chain.customers.iter().map(|c| (c.id.clone(), i64::from(c.points))).collect::<Vec<_>>();
        let (rt, s) = server.storage();
        assert_eq!(rt.block_on(s.open_points(opening.clone())).unwrap(), opening.len());
        assert_eq!(rt.block_on(s.open_points(opening)).unwrap(), 0, "opened once, whatever the imports");
    }
    assert_eq!(at_head_office(&server), (OPENING, vec![("HO".into(), OPENING)], 0));
    let paris = new_till("PAR", 1, "points-par");
    let lyon = new_till("LYO", 1, "points-lyo");
    enrol(&server, &paris);
    enrol(&server, &lyon);

    // Paris gives points (never blocked) and spends 1,000 online: head office grants what Paris
    // lacks beyond the points it gave.
    let mut till = till_at(&paris, "2026-12-01T10:00:00+01:00", PARIS);
    sell(&mut till, 3, 0).unwrap();
    let given = till.rights_held(&points_account(CUSTOMER));
    assert!(given > 0, "the till that gave points holds their rights");
    let left = sell(&mut till, 14, 1_000).unwrap();
    let (_, holders, pending) = at_head_office(&server);
    assert_eq!(pending, 1_000 - given, "granted, pending until Paris's records arrive");
    assert_eq!(holders, vec![("HO".into(), OPENING - (1_000 - given))]);
    till.stop().unwrap();

    // Lyon, online, cannot have more than head office holds; offline, only the points it gave.
    let mut till = till_at(&lyon, "2026-12-01T11:00:00+01:00", LYON);
    let e = sell(&mut till, 60, 1_000).unwrap_err();
    assert!(e.contains("other tills hold the rest"), "{e}");
    let first = sell(&mut till, 10, 100).unwrap();
    // Again before Lyon syncs: head office's balance does not count Lyon's first sale yet; the
    // till adds its own moves head office has not seen, so the count stays exact.
    let second = sell(&mut till, 4, 60).unwrap();
    let conn = pos_till::store::open_db(&lyon).unwrap();
    let last =
        pos_till::store::records_of_kind(&conn, pos_journal::ChainName::Live, pos_journal::Kind::Ticket)
            .unwrap()
            .pop()
            .unwrap();
    let pos_journal::body::Entry::Ticket(t) = last.entry else { panic!("a ticket") };
    assert_eq!(second, first + t.points_earned - 60, "Lyon's own first sale counted");
    server.kill();
    let e = sell(&mut till, 20, 300).unwrap_err();
    assert!(e.contains("head office is unreachable"), "{e}");
    sell(&mut till, 4, 0).unwrap();
    let own = till.rights_held(&points_account(CUSTOMER));
    assert!(own > 0, "earning offline is never blocked");
    sell(&mut till, 4, u32::try_from(own).unwrap()).unwrap();
    let e = sell(&mut till, 20, 300).unwrap_err();
    assert!(e.contains("head office is unreachable"), "{e}");
    till.stop().unwrap();

    // Back online: every record arrives; the points are what was opened, given and spent, held by
    // one party each, and the tills see head office's word when it granted.
    let server = server.restart();
    for dir in [&paris, &lyon] {
        let r = sync::round(dir).unwrap();
        assert_eq!(r.waiting(), 0, "{r:?}");
        let (ok, lines) = verify(dir);
        assert!(ok, "{lines}");
    }
    let (balance, holders, pending) = at_head_office(&server);
    assert_eq!(pending, 0);
    assert!(holders.iter().all(|(_, h)| *h >= 0), "{holders:?}");
    assert!(balance > 0 && balance < OPENING, "{balance}");
    assert!(left < OPENING, "{left}");
    let mut till = till_at(&lyon, "2026-12-01T16:00:00+01:00", LYON);
    till.return_rights().unwrap();
    till.stop().unwrap();
    sync::round(&lyon).unwrap();
    let (after, holders, _) = at_head_office(&server);
    assert_eq!(after, balance);
    assert!(holders.iter().all(|(h, _)| h != "LYO-1"), "Lyon handed its points back: {holders:?}");
}

#[test]
fn sqlite_points_spent_across_stores() {
    points_spent_across_stores(Backend::Sqlite);
}

#[test]
fn postgres_points_spent_across_stores() {
    points_spent_across_stores(Backend::Postgres);
}
