//! Receipts on request: nothing printed unasked; the offer (paper for a serial number, else the
//! store's `receipt_default`); the ORIGINAL printed once when asked for after payment, a DUPLICATA
//! after it; an e-mail queued in the journal with the receipt as the customer reads it.

use super::*;

fn act(till: &mut Till, a: Value) -> Result<Value, (String, String)> {
    pos_till::script::action(till, None, a.as_object().unwrap())
        .map_err(|e| (e.code().to_owned(), e.to_string()))
}

fn printed(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("receipts"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect()
}

#[test]
fn a_receipt_is_given_as_the_customer_asks() {
    let dir = new_till("receipts");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.open_register(10_000, None).unwrap();

    // The offer: the law's default (none), paper for a serial number, the store's setting.
    act(&mut till, json!({"do": "scan", "code": PROP})).unwrap();
    assert_eq!(till.basket_view().unwrap()["receipt_offer"], "none");
    act(&mut till, json!({"do": "scan", "code": CHARGER, "serial": "B6N-R-1"})).unwrap();
    assert_eq!(till.basket_view().unwrap()["receipt_offer"], "paper");
    let e = till.configure("receipt_default", "sometimes").unwrap_err().to_string();
    assert!(e.contains("must be none, paper or email"), "{e}");

    // Paid with the offer taken (none asked): nothing printed; asked for next, the ORIGINAL once.
    let total = cents(&till.basket_view().unwrap()["total"]);
    let paid =
        act(&mut till, json!({"do": "pay", "tenders": [{"cash": euros(total)}], "receipt": "none"})).unwrap();
    let ticket =
        paid["result"]["ticket"].as_str().unwrap_or_else(|| paid["ticket"].as_str().unwrap()).to_owned();
    assert!(printed(&dir).iter().all(|r| !r.contains(&ticket)), "printed unasked");
    assert_eq!(
        printed(&dir).iter().filter(|r| *r == "[DRAWER]\n").count(),
        1,
        "the cash sale opened the drawer"
    );
    till.print_receipt(&ticket).unwrap();
    let first = printed(&dir);
    let original = first.iter().filter(|r| r.contains(&ticket)).collect::<Vec<_>>();
    assert_eq!(original.len(), 1);
    assert!(original[0].contains("ORIGINAL"), "{}", original[0]);
    assert!(!original[0].contains("[DRAWER]"), "the ORIGINAL printed after does not open the drawer again");
    till.print_receipt(&ticket).unwrap();
    let again = printed(&dir);
    assert!(
        again.iter().any(|r| r.contains(&ticket) && r.contains("DUPLICATA 1")),
        "the second is a duplicate"
    );

    // The store offers e-mail: an address is needed (typed, or the attached customer's).
    till.configure("receipt_default", "email").unwrap();
    act(&mut till, json!({"do": "scan", "code": PROP})).unwrap();
    assert_eq!(till.basket_view().unwrap()["receipt_offer"], "email");
    let journal = records(&dir);
    let (code, said) = act(&mut till, json!({"do": "pay", "tenders": [{"cash": "3.90"}]})).unwrap_err();
    assert_eq!(code, "refused");
    assert!(said.contains("needs the customer's address"), "{said}");
    let (_, said) =
        act(&mut till, json!({"do": "pay", "tenders": [{"cash": "3.90"}], "email": "paul(at)example.org"}))
            .unwrap_err();
    assert!(said.contains("is not an e-mail address"), "{said}");
    assert_eq!(records(&dir), journal, "nothing journaled");
    let paid =
        act(&mut till, json!({"do": "pay", "tenders": [{"cash": "3.90"}], "email": "paul@example.org"}))
            .unwrap();
    let second = paid["ticket"].as_str().unwrap().to_owned();
    assert!(printed(&dir).iter().all(|r| !r.contains(&second)));
    let mails = store::records_of_kind(till.conn(), pos_journal::ChainName::Live, pos_journal::Kind::Event)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.entry {
            pos_journal::body::Entry::ReceiptEmailed { ticket, to, text, .. } => Some((ticket, to, text)),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert_eq!(mails.len(), 1);
    assert_eq!((mails[0].0.as_str(), mails[0].1.as_str()), (second.as_str(), "paul@example.org"));
    assert!(
        mails[0].2.contains(&format!("Ticket {second}")) && mails[0].2.contains("ORIGINAL"),
        "{}",
        mails[0].2
    );
    assert!(
        !mails[0].2.contains("[CUT]") && !mails[0].2.contains("[DRAWER]"),
        "no device command in an e-mail"
    );
    assert!(mails[0].2.contains("Code du ticket : "), "{}", mails[0].2);
    // Asked for on paper after all: the ORIGINAL went by e-mail, this is DUPLICATA 1; e-mailed
    // again later, DUPLICATA 2, journaled like the paper ones.
    till.print_receipt(&second).unwrap();
    assert!(printed(&dir).iter().any(|r| r.contains(&second) && r.contains("DUPLICATA 1")));
    assert!(!printed(&dir).iter().any(|r| r.contains(&second) && r.contains("ORIGINAL")));
    till.email_receipt(&second, "paul@example.org").unwrap();
    let again = store::records_of_kind(till.conn(), pos_journal::ChainName::Live, pos_journal::Kind::Event)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.entry {
            pos_journal::body::Entry::ReceiptEmailed { text, .. } => Some(text),
            _ => None,
        })
        .next_back()
        .unwrap();
    assert!(again.contains("DUPLICATA 2") && !again.contains("ORIGINAL"), "{again}");
    for bad in ["a..b@example.fr", "a@b..fr", "\"a\"@example.fr", "élise@example.fr", "a@-b.fr", "a@b.fr-"] {
        let e = till.email_receipt(&second, bad).unwrap_err().to_string();
        assert!(e.contains("is not an e-mail address"), "{bad}: {e}");
    }

    // Training mode sends nobody an e-mail, not even paying.
    till.training(true, Some(&manager())).unwrap();
    let e = till.email_receipt(&second, "paul@example.org").unwrap_err().to_string();
    assert!(e.contains("training"), "{e}");
    act(&mut till, json!({"do": "scan", "code": PROP})).unwrap();
    let (_, said) =
        act(&mut till, json!({"do": "pay", "tenders": [{"cash": "3.90"}], "email": "paul@example.org"}))
            .unwrap_err();
    assert!(said.contains("training"), "{said}");
    act(&mut till, json!({"do": "cancel"})).unwrap();
    till.training(false, Some(&manager())).unwrap();
    till.stop().unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
}

fn euros(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}
