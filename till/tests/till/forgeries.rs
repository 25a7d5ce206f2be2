//! The second round of attacks on the journal: records signed with the till's own key that say what
//! did not happen (a sale hidden in training, a basket that was never scanned, a card spent beyond its
//! balance), state rows edited by hand, and the figures a Z or a refund could get wrong.

use super::*;

/// The first ticket of the journal, and the key that signs it.
fn first_ticket(dir: &Path) -> pos_journal::body::Ticket {
    let conn = Connection::open(dir.join("till.db")).unwrap();
    match store::records_of_kind(&conn, ChainName::Live, Kind::Ticket).unwrap().remove(0).entry {
        Entry::Ticket(t) => t,
        _ => unreachable!(),
    }
}

/// Appends `entries` on `chain` with the till's own key, as an owner holding `till.key` could.
fn forge(dir: &Path, chain: ChainName, entries: &[Entry]) -> u64 {
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let signer = pos_journal::signature::RecordSigner::new(store::read_key(dir).unwrap());
    let mut heads = store::Heads::load(&conn).unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    let mut last = 0;
    for e in entries {
        last = store::append(&tx, &mut heads, &signer, "LYO-1", chain, "2026-12-05T19:00:00+01:00", e)
            .unwrap()
            .0
            .seq;
    }
    tx.commit().unwrap();
    last
}

/// The basket steps that add `t`'s lines.
fn steps_of(t: &pos_journal::body::Ticket) -> Vec<Entry> {
    t.lines
        .iter()
        .map(|l| Entry::LineAdded {
            id: l.id,
            line: LineSpec::Units {
                sku: l.sku.clone(),
                quantity: u32::try_from(l.quantity).unwrap(),
                serial: None,
            },
            approved_by: None,
        })
        .collect()
}

/// A sale signed on the training chain while training mode was never switched on: kept out of the
/// totals, and named by `verify`.
#[test]
fn a_sale_hidden_in_training_is_named() {
    let dir = small_day("hidden-training");
    let mut t = first_ticket(&dir);
    t.reference = "LYO-1-F000001".into();
    let mut entries = steps_of(&t);
    entries.push(Entry::Ticket(t));
    let seq = forge(&dir, ChainName::Training, &entries);
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert_eq!(
        first(&out),
        format!(
            "BROKEN training record {seq}: training ticket LYO-1-F000001 names no record that switched training \
             mode on: a sale kept out of the totals"
        )
    );
}

/// A ticket that sells what no basket step added, or with a discount nobody gave.
#[test]
fn a_ticket_unlike_its_journaled_basket_is_named() {
    let dir = small_day("unlike-basket");
    let t = first_ticket(&dir);
    let seq = forge(&dir, ChainName::Live, &[Entry::Ticket(t.clone())]);
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert_eq!(
        first(&out),
        format!(
            "BROKEN live record {seq}: ticket {} has 1 line(s); the basket journaled before it has 0",
            t.reference
        )
    );
    let dir = small_day("unlike-discount");
    let mut t = first_ticket(&dir);
    t.lines[0].discounts.push(("friends and family".into(), 100));
    let mut entries = steps_of(&t);
    entries.push(Entry::Ticket(t.clone()));
    let seq = forge(&dir, ChainName::Live, &entries);
    let (_, out) = verify_cli(&dir);
    assert_eq!(
        first(&out),
        format!(
            "BROKEN live record {seq}: ticket {} gives line 1 a discount \"friends and family\", neither a promotion \
             nor journaled",
            t.reference
        )
    );
}

/// A card spent beyond its balance by a signed ticket: `verify` names it, and a rebuild still makes
/// the tables from the journal (the balance below zero, as the journal says) rather than leave the
/// till unable to sell.
#[test]
fn a_card_overspent_in_the_journal_is_named_and_the_till_is_not_bricked() {
    let dir = small_day("overspent");
    let mut t = first_ticket(&dir);
    t.tenders = vec![pos_journal::body::TenderLine {
        kind: pos_journal::body::TenderMethod::GiftCard,
        reference: "GC-NEVER-SOLD".into(),
        cents: t.total,
        points: 0,
    }];
    t.change = 0;
    let mut entries = steps_of(&t);
    entries.push(Entry::Ticket(t.clone()));
    let seq = forge(&dir, ChainName::Live, &entries);
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(first(&out).starts_with(&format!("BROKEN live record {seq}: GC-NEVER-SOLD falls to -")), "{out}");
    let d = dir.to_str().unwrap();
    let (ok, out, err) = cli(&["rebuild", "--data", d, "--staff", "S006", "--pin", "90517"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("GC-NEVER-SOLD falls to -"), "the rebuild says what it found: {out}");
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let balance: i64 = conn
        .query_row("SELECT balance FROM voucher WHERE number = 'GC-NEVER-SOLD'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(balance, -t.total, "the journal's balance, below zero");
}

/// The state row edited by hand (someone logged in, training switched, a maximum raised) does not
/// open: its seal no longer matches.
#[test]
fn a_state_row_edited_by_hand_does_not_open() {
    let dir = small_day("sealed");
    for edit in [
        "UPDATE state SET json = json_set(json, '$.operator', 'S006')",
        "UPDATE state SET json = json_set(json, '$.training', json('true'))",
        "UPDATE state SET json = json_set(json, '$.config.max_ticket', '10000000.00')",
    ] {
        let copy = scratch("sealed-copy");
        std::fs::create_dir_all(&copy).unwrap();
        for f in ["till.db", "till.key", "till.head"] {
            std::fs::copy(dir.join(f), copy.join(f)).unwrap();
        }
        Connection::open(copy.join("till.db")).unwrap().execute_batch(edit).unwrap();
        let (mut till, _) = open(&copy, "2026-12-05T19:00:00+01:00");
        assert!(
            till.blocked().iter().any(|b| b.to_string().contains("its seal does not match")),
            "{edit}: {:?}",
            till.blocked()
        );
        till.login("S007", "2468").unwrap();
        let e = till.scan(PROP, 1, None, None, None).unwrap_err();
        assert_eq!(e.code(), "blocked", "{edit}");
        till.rebuild(Some(&manager())).unwrap();
        assert!(till.blocked().is_empty());
        assert_eq!(till.state().operator, Some("S007".to_owned()), "logged in again, with a PIN");
        assert!(!till.state().training);
        till.stop().unwrap();
        assert!(verify_cli(&copy).0);
    }
}

/// A ticket paid with two cash tenders counts its change once in the Z.
#[test]
fn change_comes_out_of_the_cash_once_however_it_was_tendered() {
    let dir = new_till("two-cash");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.open_register(10_000, None).unwrap();
    till.scan(PROP, 1, None, None, None).unwrap();
    let paid = till.pay(&[TenderSpec::Cash(200), TenderSpec::Cash(500)], None).unwrap();
    assert_eq!(paid["change"], "3.10");
    let z = till
        .close_register(
            &[("100.00".to_owned(), 1), ("2.00".to_owned(), 1), ("1.00".to_owned(), 1)].into(),
            None,
        )
        .unwrap();
    assert_eq!(z["z"]["totals"]["tenders"]["cash"], 390);
    assert_eq!(z["expected"], "103.90");
    assert_eq!(z["difference"], "-0.90");
    till.stop().unwrap();
    assert!(verify_cli(&dir).0);
}

/// A line brought back a unit at a time refunds, in all, exactly what was paid for it.
#[test]
fn a_line_returned_a_unit_at_a_time_refunds_what_was_paid() {
    let dir = new_till("unit-at-a-time");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    till.scan(LIPO, 2, None, None, None).unwrap();
    till.discount(Some(1), "scratched box", None, Some(1), None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    assert_eq!(total % 2, 1, "an odd number of cents: {total}");
    let sold = till.pay(&[TenderSpec::Cash(total)], None).unwrap()["ticket"].as_str().unwrap().to_owned();
    let mut refunded = 0;
    for _ in 0..2 {
        till.return_lines(&sold, &[(1, 1)]).unwrap();
        let refund = cents(&till.basket_view().unwrap()["total"]);
        till.pay(&[TenderSpec::Cash(refund)], None).unwrap();
        refunded -= refund;
    }
    assert_eq!(refunded, total);
    let e = till.return_lines(&sold, &[]).unwrap_err().to_string();
    assert!(e.contains("already returned"), "{e}");
    till.stop().unwrap();
    assert!(verify_cli(&dir).0);
}

/// A clock set back before the last closed day opens no register on that day; tenders and counts
/// have the ceiling too.
#[test]
fn no_day_before_the_last_closed_and_no_amount_beyond_the_ceiling() {
    let dir = small_day("backdated");
    let (mut till, _) = open(&dir, "2026-12-05T19:00:00+01:00");
    till.login("S006", "90517").unwrap();
    let e = till.close_register(&[("500.00".to_owned(), 100_000)].into(), None).unwrap_err().to_string();
    assert!(e.contains("a cash count of 50000000.00 €: no amount above 10000000.00 €"), "{e}");
    till.close_register(&BTreeMap::new(), None).unwrap();
    till.set_clock(Clock::Set(at("2026-12-04T09:00:00+01:00")));
    let e = till.open_register(10_000, None).unwrap_err().to_string();
    assert!(e.contains("before 2026-12-05 which is already closed: set the clock right"), "{e}");
    till.set_clock(Clock::Set(at("2026-12-06T09:00:00+01:00")));
    till.open_register(10_000, None).unwrap();
    till.scan(PROP, 1, None, None, None).unwrap();
    let e = till
        .pay(&[TenderSpec::Cash(999_999_999), TenderSpec::Cash(999_999_999)], None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("the tenders of 19999999.98 €: no amount above"), "{e}");
    till.cancel_basket().unwrap();
    till.stop().unwrap();
}

/// A credit note is not a gift card; a receipt's code must carry its ticket's signature; a scale's
/// label carries its own weight; a null is not "left out"; a customer's deleted points row blocks.
#[test]
fn what_a_number_names_is_checked() {
    let (dir, mut till) = {
        let dir = new_till("names");
        let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
        till.login("S007", "2468").unwrap();
        till.open_register(10_000, None).unwrap();
        (dir, till)
    };
    till.scan(PROP, 1, None, None, None).unwrap();
    let sold = till.pay(&[TenderSpec::Cash(390)], None).unwrap()["ticket"].as_str().unwrap().to_owned();
    till.return_lines(&sold, &[]).unwrap();
    let refund = till.pay(&[TenderSpec::StoreCredit { note: String::new(), cents: -390 }], None).unwrap();
    let note = refund["credit_notes"][0]["note"].as_str().unwrap().to_owned();
    let e = till.sell_gift_card(&note, 5_000, None).unwrap_err().to_string();
    assert!(e.contains("is a credit note, not a gift card"), "{e}");
    till.scan(PROP, 1, None, None, None).unwrap();
    let e =
        till.pay(&[TenderSpec::GiftCard { card: note.clone(), cents: 390 }], None).unwrap_err().to_string();
    assert!(e.contains("is a credit note: take it as such"), "{e}");
    till.pay(&[TenderSpec::StoreCredit { note, cents: 390 }], None).unwrap();
    let e = till.scan(BALSA_455G, 1, Some(455), None, None).unwrap_err().to_string();
    assert!(e.contains("carries its own weight or price"), "{e}");
    let e = pos_till::script::action(
        &mut till,
        None,
        json!({"do": "scan", "code": PROP, "quantity": null}).as_object().unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "`quantity` is null: leave it out, or give it a value");
    till.stop().unwrap();
    Connection::open(dir.join("till.db"))
        .unwrap()
        .execute_batch("DELETE FROM loyalty WHERE customer = 'C00001'")
        .unwrap();
    let (mut till, _) = open(&dir, "2026-12-05T10:00:00+01:00");
    till.login("S007", "2468").unwrap();
    let e = till.attach_customer("C00001").unwrap_err();
    assert_eq!(e.code(), "blocked", "{e}");
    till.stop().unwrap();
}

/// What an inspector should see is pointed out: tables rebuilt, a head accepted after a loss.
#[test]
fn verify_points_out_rebuilds_and_accepted_heads() {
    let dir = small_day("notable");
    let d = dir.to_str().unwrap();
    assert!(cli(&["rebuild", "--data", d, "--staff", "S006", "--pin", "90517"]).0);
    std::fs::remove_file(dir.join("till.head")).unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(!ok && first(&out).contains("keeps a head outside the database but there is none"), "{out}");
    let (ok, out, err) = cli(&["accept-head", "--data", d, "--staff", "S006", "--pin", "90517"]);
    assert!(ok, "{out}{err}");
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
    assert!(out.contains("tables rebuilt from the journal by S006: asked by a manager"), "{out}");
    assert!(out.contains("S006 accepted a journal that did not reach its head: it was a head file"), "{out}");
}
