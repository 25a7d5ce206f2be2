//! Register sessions: several in one day, each with its own count; the law's daily closure covers
//! them all; a day closed by mistake opens again with a manager, and a day whose sessions all ended
//! is closed by the till the next morning with nothing left to count.

use super::*;

fn sell(till: &mut Till, code: &str, cash: i64) {
    till.scan(code, 1, None, None, None).unwrap();
    till.pay(&[TenderSpec::Cash(cash)], None).unwrap();
}

fn status(till: &Till) -> Value {
    till.status().unwrap()
}

#[test]
fn shifts_each_count_their_cash_and_one_z_covers_the_day() {
    let dir = new_till("sessions");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    sell(&mut till, PROP, 390);

    // The morning shift ends: its count, its difference, no Z, and the register free to open.
    let e = till.end_shift(&[("100.00".to_owned(), 1)].into(), None).unwrap_err();
    assert!(e.to_string().contains("closing the register"), "a cashier needs a manager: {e}");
    let morning = till.end_shift(&[("100.00".to_owned(), 1)].into(), Some(&manager())).unwrap();
    assert_eq!(morning["expected"], "103.90");
    assert_eq!(morning["difference"], "-3.90");
    assert!(morning["z"].is_null(), "{morning}");
    assert!(status(&till)["register"].is_null());
    assert!(till.scan(PROP, 1, None, None, None).unwrap_err().to_string().contains("register"));

    // The afternoon shift, the same day, needs no manager: the day is not closed.
    till.set_clock(Clock::Set(at("2026-12-05T14:00:00+01:00")));
    till.open_register(5_000, None).unwrap();
    sell(&mut till, PROP, 390);
    let evening = till.close_register(&[("50.00".to_owned(), 1)].into(), Some(&manager()));
    let evening = evening.unwrap();
    assert_eq!(evening["expected"], "53.90", "the afternoon's drawer only");
    let z = &evening["z"];
    assert_eq!(z["totals"]["tickets"], 2, "the Z covers both sessions: {z}");
    assert_eq!(z["totals"]["total"], 780);
    assert_eq!(z["key"], "2026-12-05");

    // A Z made too early: the day opens again, with a manager, and its tickets get a Z of their own.
    till.set_clock(Clock::Set(at("2026-12-05T18:30:00+01:00")));
    let e = till.open_register(5_000, None).unwrap_err();
    assert!(e.to_string().contains("opening the register again on a day already closed"), "{e}");
    assert_eq!(e.code(), "needs_manager");
    till.open_register(5_000, Some(&manager())).unwrap();
    sell(&mut till, PROP, 390);
    let late = till.close_register(&[("50.00".to_owned(), 1)].into(), Some(&manager())).unwrap();
    assert_eq!(late["z"]["totals"]["tickets"], 1, "{late}");
    assert_eq!(late["z"]["key"], "2026-12-05");
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "two closures of one reopened day are the journal's truth: {out}");

    // The month adds the day's closures up: three tickets.
    till.set_clock(Clock::Set(at("2027-01-02T09:00:00+01:00")));
    till.login("S006", "90517").unwrap();
    let month = till.close_period("2026-12").unwrap();
    assert_eq!(month["totals"]["tickets"], 3, "{month}");
    assert_eq!(month["totals"]["total"], 1170);
    till.stop().unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
}

#[test]
fn a_day_whose_sessions_all_ended_is_closed_the_next_morning_with_nothing_to_count() {
    let dir = new_till("sessions-ended");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.open_register(10_000, None).unwrap();
    sell(&mut till, PROP, 390);
    till.end_shift(&[("100.00".to_owned(), 1)].into(), None).unwrap();
    // A session cannot end twice, nor end what is not open.
    let e = till.end_shift(&BTreeMap::new(), None).unwrap_err();
    assert!(e.to_string().contains("register"), "{e}");

    // A clock gone back opens no earlier day over it, and its month does not close without it.
    till.set_clock(Clock::Set(at("2026-12-04T09:00:00+01:00")));
    let e = till.open_register(10_000, None).unwrap_err().to_string();
    assert!(e.contains("set the clock right"), "{e}");
    till.set_clock(Clock::Set(at("2027-01-02T09:00:00+01:00")));
    let e = till.close_period("2026-12").unwrap_err().to_string();
    assert!(e.contains("2026-12-05"), "{e}");

    till.set_clock(Clock::Set(at("2026-12-06T09:00:00+01:00")));
    till.open_register(10_000, None).unwrap();
    let s = status(&till);
    assert_eq!(s["uncounted_days"], json!([]), "the shift's count was the day's: {s}");
    let day = till.day_closure("2026-12-05", "S006").unwrap();
    assert_eq!(day.tickets_from, 0, "the 5th is closed: nothing after its closure");
    let closures =
        store::records_of_kind(till.conn(), pos_journal::ChainName::Live, pos_journal::Kind::Closure)
            .unwrap()
            .into_iter()
            .filter_map(|r| match r.entry {
                pos_journal::body::Entry::Closure(c) => Some(c),
                _ => None,
            })
            .collect::<Vec<_>>();
    assert_eq!(closures.len(), 1);
    assert!(closures[0].automatic);
    assert_eq!(closures[0].key, "2026-12-05");
    assert_eq!(closures[0].totals.tickets, 1);
    assert_eq!(closures[0].cash_expected, 0, "no drawer was left open");
    till.stop().unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
}
