//! Every number a cashier can type: checked, never coerced, never wrapped; maximums a manager approves
//! past, ceilings nobody does; loyalty points that are always what the journal says.

use super::*;

/// A till logged in with its register open, and a way to run script actions on it.
fn counter(name: &str) -> (PathBuf, Till) {
    let dir = new_till(name);
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    (dir, till)
}

fn act(till: &mut Till, a: Value) -> Result<Value, (String, String)> {
    pos_till::script::action(till, None, a.as_object().unwrap())
        .map_err(|e| (e.code().to_owned(), e.to_string()))
}

fn refused(till: &mut Till, a: Value) -> String {
    let before = till.conn().query_row("SELECT COUNT(*) FROM journal", [], |r| r.get::<_, i64>(0)).unwrap();
    let (code, message) = act(till, a.clone()).expect_err(&format!("{a} must be refused"));
    assert_eq!(code, "refused", "{a}: {message}");
    let after = till.conn().query_row("SELECT COUNT(*) FROM journal", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(before, after, "{a} wrote nothing");
    message
}

/// −5, "3", 2.5 and 0 units, −2 units returned, a misspelt field, an approval that is not one: each
/// refused with a sentence naming the field, and nothing journaled.
#[test]
fn counts_are_whole_numbers_never_coerced() {
    let (_dir, mut till) = counter("counts");
    for (q, said) in [
        (json!(-5), "`quantity` must be a whole number from 1 to 100000"),
        (json!("3"), "`quantity` must be a number, not the text \"3\""),
        (json!(2.5), "`quantity` must be a whole number, not 2.5"),
        (json!(0), "`quantity` must be a whole number from 1 to 100000"),
        (json!(9_223_372_036_854_775_807_i64), "`quantity` must be a whole number from 1 to 100000"),
    ] {
        let m = refused(&mut till, json!({"do": "scan", "code": PROP, "quantity": q}));
        assert_eq!(m, said);
    }
    let m = refused(&mut till, json!({"do": "scan", "code": PROP, "quantiy": 3}));
    assert_eq!(
        m,
        "unknown field `quantiy`, expected one of `code`, `quantity`, `grams`, `serial`, `approval`"
    );
    let m =
        refused(&mut till, json!({"do": "cash_in", "amount": "10.00", "reason": "x", "approval": "S006"}));
    assert!(m.starts_with("`approval` is a manager's id and PIN"), "{m}");
    let m = refused(&mut till, json!({"do": "cash_in", "amount": 10, "reason": "x"}));
    assert!(m.contains("written as text in euros"), "{m}");
    let m = refused(&mut till, json!({"do": "training", "on": "yes"}));
    assert_eq!(m, "`on` must be true or false, not \"yes\"");
    act(&mut till, json!({"do": "scan", "code": PROP, "quantity": 3})).unwrap();
    let paid = act(&mut till, json!({"do": "pay", "tenders": [{"cash": "11.70"}]})).unwrap();
    let ticket = paid["ticket"].as_str().unwrap();
    for (units, said) in [
        (json!(-2), "`units` must be a whole number from 1 to 100000"),
        (json!(1.5), "`units` must be a whole number, not 1.5"),
        (json!("1"), "`units` must be a number, not the text \"1\""),
    ] {
        let m = refused(
            &mut till,
            json!({"do": "return", "ticket": ticket, "lines": [{"line": 1, "units": units}]}),
        );
        assert_eq!(m, said);
    }
    let m = refused(&mut till, json!({"do": "return", "ticket": ticket, "lines": [{"line": 1, "units": 4}]}));
    assert!(m.contains("3 unit(s) can still be returned"), "{m}");
    for (count, said) in [
        (json!(-3), "must be a whole number from 0 to 100000"),
        (json!(2.5), "must be a whole number, not 2.5"),
        (json!("4a"), "must be a number, not the text \"4a\""),
        (json!(9_223_372_036_854_775_807_i64), "must be a whole number from 0 to 100000"),
    ] {
        let m = refused(&mut till, json!({"do": "close", "counted": {"50.00": count}}));
        assert!(m.starts_with("the count of `50.00`") && m.ends_with(said), "{m}");
    }
    let m = refused(&mut till, json!({"do": "close", "counted": {"0.03": 1}}));
    assert_eq!(m, "0.03 is not a euro note or coin");
    till.stop().unwrap();
}

/// One unit, one serial number: the same number twice in a basket, or a number sold and not
/// brought back, is refused; once the unit is returned its number sells again.
#[test]
fn a_serial_number_is_sold_once_until_it_comes_back() {
    let (_dir, mut till) = counter("serials");
    let charger = |serial: &str| json!({"do": "scan", "code": CHARGER, "serial": serial});
    let pay = json!({"do": "pay", "tenders": [{"cash": "500.00"}]});
    act(&mut till, charger("B6N-7")).unwrap();
    let m = refused(&mut till, charger("B6N-7"));
    assert!(m.contains("B6N-7 is already in this basket"), "{m}");
    let first = act(&mut till, pay.clone()).unwrap()["ticket"].as_str().unwrap().to_owned();
    act(&mut till, charger("B6N-8")).unwrap();
    act(&mut till, pay.clone()).unwrap();
    // Sold: the same number again is a typing error or a copied label.
    let m = refused(&mut till, charger(" B6N-7"));
    assert!(m.contains(&format!("B6N-7 was sold on {first} and not brought back")), "{m}");
    // The owner's sqlite3 cannot bring the unit back by writing the table: the journal says no.
    till.conn()
        .execute("INSERT INTO returned (ticket, line, units, seq) VALUES (?1, 1, 1, 1)", [&first])
        .unwrap();
    let (_, m) = act(&mut till, charger("B6N-7")).expect_err("a forged return row sells the number again");
    assert!(m.contains(&format!("{first}#1")), "{m}");
    till.conn().execute("DELETE FROM returned WHERE ticket = ?1", [&first]).unwrap();
    // A number with LIKE's wildcards finds nothing it should not.
    act(&mut till, charger("B6N-%")).unwrap();
    act(&mut till, json!({"do": "cancel"})).unwrap();
    // Brought back, it sells again; its neighbour, still out, does not.
    act(&mut till, json!({"do": "return", "ticket": first, "lines": [{"line": 1, "units": 1}]})).unwrap();
    let refund = till.basket_view().unwrap()["total"].as_str().unwrap().to_owned();
    act(&mut till, json!({"do": "pay", "tenders": [{"cash": refund}]})).unwrap();
    act(&mut till, charger("B6N-7")).unwrap();
    let m = refused(&mut till, charger("B6N-8"));
    assert!(m.contains("B6N-8 was sold on"), "{m}");
    till.stop().unwrap();
}

/// The same item scanned again adds to its line; a line's units change in place (a manager
/// approves past the maximum); a serial-tracked or discounted line keeps its units.
#[test]
fn scanning_an_item_again_adds_to_its_line_and_a_line_takes_new_units() {
    let (_dir, mut till) = counter("quantities");
    let lines = |till: &Till| till.basket_view().unwrap()["lines"].as_array().unwrap().clone();
    act(&mut till, json!({"do": "scan", "code": PROP})).unwrap();
    act(&mut till, json!({"do": "scan", "code": PROP, "quantity": 2})).unwrap();
    let l = lines(&till);
    assert_eq!((l.len(), l[0]["quantity"].as_i64()), (1, Some(3)), "{l:?}");
    let id = l[0]["line"].as_u64().unwrap();
    act(&mut till, json!({"do": "quantity", "line": id, "quantity": 5})).unwrap();
    let l = lines(&till);
    assert_eq!((l.len(), l[0]["quantity"].as_i64()), (1, Some(5)), "{l:?}");
    // Five propellers, three for the price of two (P002): 4 x 3.90.
    assert_eq!(till.basket_view().unwrap()["total"], "15.60");
    let id = l[0]["line"].as_u64().unwrap();
    let m = refused(&mut till, json!({"do": "quantity", "line": id, "quantity": 0}));
    assert!(m.contains("`quantity` must be a whole number from 1"), "{m}");
    let (code, _) = act(&mut till, json!({"do": "quantity", "line": id, "quantity": 1000})).unwrap_err();
    assert_eq!(code, "needs_manager");
    let m = refused(&mut till, json!({"do": "quantity", "line": 99, "quantity": 2}));
    assert!(m.contains("no line 99"), "{m}");
    // One serial number, one unit.
    act(&mut till, json!({"do": "scan", "code": CHARGER, "serial": "Q-1"})).unwrap();
    let charger = lines(&till).iter().find(|l| l["sku"] == "CHG-B6-NEO").unwrap()["line"].as_u64().unwrap();
    let m = refused(&mut till, json!({"do": "quantity", "line": charger, "quantity": 2}));
    assert!(m.contains("has a serial number"), "{m}");
    // A discounted line keeps the units it was given: the next one is a line of its own.
    act(&mut till, json!({"do": "discount", "line": id, "percent": "10", "reason": "geste"})).unwrap();
    act(&mut till, json!({"do": "scan", "code": PROP})).unwrap();
    let props: Vec<i64> = lines(&till)
        .iter()
        .filter(|l| l["sku"] == "PROP-1060")
        .map(|l| l["quantity"].as_i64().unwrap())
        .collect();
    assert_eq!(props, [5, 1]);
    till.stop().unwrap();
}

/// Amounts beyond the ceiling are refused whoever approves; above a store's maximum a manager
/// approves, and the approval is journaled with what it approved.
#[test]
fn amounts_have_ceilings_and_maximums_a_manager_approves_past() {
    let (dir, mut till) = counter("amounts");
    let m = refused(&mut till, json!({"do": "cash_in", "amount": "1000000000000.00", "reason": "float"}));
    assert_eq!(m, "1000000000000.00 €: no amount above 10000000.00 € is accepted; check what was typed");
    let m = refused(&mut till, json!({"do": "gift_card", "card": "GC-BIG", "amount": "1000000000000.00"}));
    assert!(m.contains("no amount above 10000000.00 €"), "{m}");
    let m = refused(&mut till, json!({"do": "cash_in", "amount": "92233720368547758.07", "reason": "x"}));
    assert!(m.contains("no amount above"), "{m}");
    let m = refused(&mut till, json!({"do": "cash_in", "amount": "12.345", "reason": "x"}));
    assert!(m.contains("to the cent") || m.contains("two decimals"), "{m}");
    let m =
        refused(&mut till, json!({"do": "scan", "code": "3761000001004", "grams": 1_000_000_000_000_i64}));
    assert_eq!(m, "`grams` must be a whole number from 1 to 10000000");
    let m = refused(&mut till, json!({"do": "scan", "code": "3761000001004", "grams": 0}));
    assert_eq!(m, "`grams` must be a whole number from 1 to 10000000");
    let m = refused(&mut till, json!({"do": "gift_card", "card": "GC-NEG", "amount": "-5.00"}));
    assert_eq!(m, "a gift card is loaded with an amount above zero");
    let m = refused(&mut till, json!({"do": "scan", "code": PROP, "quantity": 100_001}));
    assert_eq!(m, "`quantity` must be a whole number from 1 to 100000");

    // Above the maximums: a manager.
    let needs = |till: &mut Till, a: Value| {
        let (code, message) = act(till, a.clone()).expect_err("above the maximum");
        assert_eq!(code, "needs_manager", "{a}: {message}");
        message
    };
    let m = needs(&mut till, json!({"do": "cash_in", "amount": "6000.00", "reason": "safe"}));
    assert_eq!(
        m,
        "cash put in of 6000.00 € (above the 5000.00 € maximum): a manager must approve (manager's PIN)"
    );
    act(&mut till, json!({"do": "cash_in", "amount": "6000.00", "reason": "safe", "approval": {"staff": "S006", "pin": "90517"}}))
        .unwrap();
    let m = needs(&mut till, json!({"do": "gift_card", "card": "GC-2000", "amount": "2000.00"}));
    assert!(m.starts_with("a gift card load of 2000.00 €"), "{m}");
    let m = needs(&mut till, json!({"do": "scan", "code": "3761000001004", "grams": 31_000}));
    assert!(m.starts_with("a weight of 31000 g (above the scale's 30000 g)"), "{m}");
    let m = needs(&mut till, json!({"do": "scan", "code": PROP, "quantity": 1000}));
    assert!(m.starts_with("1000 units on one line"), "{m}");
    act(
        &mut till,
        json!({"do": "scan", "code": PROP, "quantity": 1000, "approval": {"staff": "S006", "pin": "90517"}}),
    )
    .unwrap();
    let m = needs(&mut till, json!({"do": "scan", "code": PLANE, "quantity": 100}));
    assert!(m.starts_with("a line of ") && m.contains("(above the 10000.00 € maximum)"), "{m}");
    act(
        &mut till,
        json!({"do": "scan", "code": PLANE, "quantity": 100, "approval": {"staff": "S006", "pin": "90517"}}),
    )
    .unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let m = needs(
        &mut till,
        json!({"do": "pay", "tenders": [{"card": pos_core::money::Money::from_cents(total).to_string()}]}),
    );
    assert!(m.starts_with("a ticket of ") && m.contains("(above the 20000.00 € maximum)"), "{m}");
    // A manager raises the maximums; a cashier cannot.
    let e = till.configure("max_ticket", "50000.00").unwrap_err().to_string();
    assert!(e.contains("only a manager"), "{e}");
    till.login("S006", "90517").unwrap();
    let e = till.configure("max_ticket", "-1").unwrap_err().to_string();
    assert!(e.contains("must be an amount above 0"), "{e}");
    till.configure("max_ticket", "50000.00").unwrap();
    let paid = till.pay(&[TenderSpec::Card(cents(&till.basket_view().unwrap()["total"]))], None).unwrap();
    let conn = till.conn();
    let t = store::records_of_kind(conn, ChainName::Live, Kind::Ticket).unwrap().pop().unwrap();
    let Entry::Ticket(t) = t.entry else { panic!() };
    assert_eq!(t.reference, paid["ticket"]);
    assert_eq!(
        t.approvals.iter().filter(|(what, by)| what.contains("above a maximum") && by == "S006").count(),
        2
    );
    till.stop().unwrap();
    assert!(verify_cli(&dir).0);
}

/// Points a customer spent and then brings back the sale that earned them: the balance goes below
/// zero as the journal says (the rule: the customer earns them back before spending again); it is
/// never clamped, and never spent below zero.
#[test]
fn loyalty_points_are_always_what_the_journal_says() {
    let (dir, mut till) = counter("points");
    till.attach_customer("C00003").unwrap();
    let start = till.attach_customer("C00003").unwrap()["points"].as_i64().unwrap();
    till.scan(PLANE, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let sale = till.pay(&[TenderSpec::Card(total)], None).unwrap();
    let earned = sale["points_earned"].as_i64().unwrap();
    assert!(earned > 0);
    let have = start + earned;
    // Everything spent on a second sale.
    till.attach_customer("C00003").unwrap();
    till.scan(PLANE, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let spend = u32::try_from(have.min(total / 5)).unwrap();
    let rest = total - i64::from(spend) * 5;
    let mut tenders = vec![TenderSpec::Points(spend)];
    if rest > 0 {
        tenders.push(TenderSpec::Card(rest));
    }
    till.pay(&tenders, None).unwrap();
    let after_spend = till.attach_customer("C00003").unwrap()["points"].as_i64().unwrap();
    till.cancel_basket().unwrap();
    // The first sale comes back: its points are taken back in full.
    till.return_lines(sale["ticket"].as_str().unwrap(), &[]).unwrap();
    let refund = cents(&till.basket_view().unwrap()["total"]);
    let back = till.pay(&[TenderSpec::Card(refund)], None).unwrap();
    assert_eq!(back["points_earned"], -earned);
    let now = till.attach_customer("C00003").unwrap()["points"].as_i64().unwrap();
    assert_eq!(now, after_spend - earned, "the balance fell by what the journal says");
    assert!(now < 0, "below zero: the points spent cannot be taken back ({now})");
    let e = till.pay(&[TenderSpec::Points(1)], None).unwrap_err().to_string();
    assert!(e.contains("empty") || e.contains("points"), "{e}");
    till.scan(PROP, 1, None, None, None).unwrap();
    let e = till.pay(&[TenderSpec::Points(1), TenderSpec::Cash(385)], None).unwrap_err().to_string();
    assert!(e.contains(&format!("the customer has {now} points")), "{e}");
    till.cancel_basket().unwrap();
    till.stop().unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
}

/// A tender, a return line and an action that are not what they say: each refused with the field
/// named, nothing journaled.
#[test]
fn typed_actions_name_the_field_that_is_wrong() {
    let (_dir, mut till) = counter("typed");
    act(&mut till, json!({"do": "scan", "code": PROP})).unwrap();
    let m = refused(&mut till, json!({"do": "pay", "tenders": [{"cash": 20}]}));
    assert_eq!(m, "`cash` is written as text in euros (\"20\"), not as a number");
    let m = refused(&mut till, json!({"do": "pay", "tenders": [{"cash": "3.90", "card": "1.00"}]}));
    assert!(m.starts_with("a tender is exactly one of"), "{m}");
    let m = refused(&mut till, json!({"do": "pay", "tenders": [{"cheque": "3.90"}]}));
    assert!(m.contains("unknown field `cheque`"), "{m}");
    let m = refused(&mut till, json!({"do": "sell_everything"}));
    assert!(m.starts_with("unknown variant `sell_everything`"), "{m}");
    let m = refused(&mut till, json!({"code": PROP}));
    assert!(m.contains("missing field `do`"), "{m}");
    let m = refused(&mut till, json!({"do": "resume", "slot": -1}));
    assert_eq!(m, format!("`slot` must be a whole number from 1 to {}", u32::MAX));
    let m = refused(&mut till, json!({"do": "training", "on": 1}));
    assert_eq!(m, "`on` must be true or false, not 1");
    act(&mut till, json!({"do": "pay", "tenders": [{"cash": "3.90"}]})).unwrap();
    till.stop().unwrap();
}
