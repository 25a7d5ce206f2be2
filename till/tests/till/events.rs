//! Events the law expects in the journal: refused logins of every kind, a clock moved forward, and
//! training that never touches the live drawer.

use super::*;

fn login_failures(till: &Till) -> Vec<(String, LoginFailure)> {
    store::records_of_kind(till.conn(), ChainName::Live, Kind::Event)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.entry {
            Entry::LoginFailed { staff, reason, .. } => Some((staff, reason)),
            _ => None,
        })
        .collect()
}

/// A login with an id nobody has, and every attempt while an account is locked, are journaled;
/// during a lockout the PIN is not even checked.
#[test]
fn unknown_ids_and_attempts_during_a_lockout_are_journaled() {
    let dir = new_till("logins");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    let e = till.login("S999", "1234").unwrap_err().to_string();
    assert_eq!(e, "no staff member S999 at this till");
    let long = "X".repeat(100);
    assert!(till.login(&long, "1").is_err());
    for _ in 0..5 {
        assert!(till.login("S008", "0000").is_err());
    }
    for pin in ["813579", "0000"] {
        let e = till.login("S008", pin).unwrap_err().to_string();
        assert!(e.contains("locked") && e.contains("more minute"), "{e}");
    }
    let failures = login_failures(&till);
    assert_eq!(failures[0], ("S999".to_owned(), LoginFailure::UnknownStaff));
    assert_eq!(
        failures[1],
        ("X".repeat(32), LoginFailure::UnknownStaff),
        "an id is journaled at most 32 long"
    );
    assert_eq!(failures.iter().filter(|f| f.1 == LoginFailure::WrongPin).count(), 5);
    assert_eq!(failures.iter().filter(|f| f.1 == LoginFailure::Locked).count(), 2);
    // An approval asked of a locked manager's id is journaled the same way.
    till.stop().unwrap();
    assert!(verify_cli(&dir).0);
}

/// A clock moved forward while the till runs, or a record dated long after the last one, is journaled
/// as `clock_forward`; moving the clock does not lift a lockout, time passing does.
#[test]
fn a_clock_moved_forward_is_journaled_and_lifts_no_lockout() {
    let dir = new_till("forward");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    for _ in 0..5 {
        assert!(till.login("S008", "0000").is_err());
    }
    // Someone sets the clock an hour ahead to get past the lockout.
    till.move_clock(at("2026-12-05T10:00:00+01:00"));
    let e = till.login("S008", "813579").unwrap_err().to_string();
    assert!(e.contains("locked"), "{e}");
    let forward = |till: &Till| {
        store::records_of_kind(till.conn(), ChainName::Live, Kind::Event)
            .unwrap()
            .into_iter()
            .filter(|r| matches!(r.entry, Entry::ClockForward { .. }))
            .count()
    };
    assert_eq!(forward(&till), 1, "the clock moved forward is journaled");
    // A restart does not lift it either: the wait starts again with the till.
    till.stop().unwrap();
    let (mut till, _) = open(&dir, "2026-12-05T10:01:00+01:00");
    assert!(till.login("S008", "813579").unwrap_err().to_string().contains("locked"));
    // Fifteen minutes that pass while the till runs lift it.
    till.set_clock(Clock::Set(at("2026-12-05T10:17:00+01:00")));
    till.login("S008", "813579").unwrap();
    // A till that opens long after its last record journals it too (a clock set months ahead).
    till.stop().unwrap();
    let (till, _) = open(&dir, "2027-03-01T10:00:00+01:00");
    assert_eq!(forward(&till), 2);
    till.stop().unwrap();
    assert!(verify_cli(&dir).0);
}

/// Voiding a live ticket in training mode hands back no real cash: no drawer opens, the live drawer's
/// expected cash does not move, and the live ticket stays returnable.
#[test]
fn training_never_opens_or_moves_the_live_drawer() {
    let dir = new_till("training-drawer");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    till.scan(PROP, 1, None, None, None).unwrap();
    let live = till.pay(&[TenderSpec::Cash(500)], None).unwrap();
    let drawers = |dir: &Path| {
        std::fs::read_dir(dir.join("receipts"))
            .unwrap()
            .filter(|e| std::fs::read_to_string(e.as_ref().unwrap().path()).unwrap().contains("[DRAWER]"))
            .count()
    };
    let before = drawers(&dir);
    let expected = till.state().register.as_ref().unwrap().expected().unwrap();
    till.training(true, Some(&manager())).unwrap();
    let voided = till.void_ticket(live["ticket"].as_str().unwrap(), Some(&manager())).unwrap();
    assert!(voided["ticket"].as_str().unwrap().contains("-F"), "a training ticket: {voided}");
    assert_eq!(drawers(&dir), before, "training opened no drawer");
    till.training(false, Some(&manager())).unwrap();
    assert_eq!(till.state().register.as_ref().unwrap().expected().unwrap(), expected);
    let view = till.ticket_view(live["ticket"].as_str().unwrap()).unwrap();
    assert_eq!(view["lines"][0]["returnable"], 1, "the live ticket was not returned");
    till.stop().unwrap();
    assert!(verify_cli(&dir).0);
}
