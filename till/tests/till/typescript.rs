//! The window's TypeScript types are the till's Rust types: the committed file is what the types
//! generate, and every refusal serialises with its code.

use std::path::PathBuf;

use pos_till::TillError;
use pos_till::error::ErrorView;
use pos_till::reason::{Amounted, Reason, Task};

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(pos_till::typescript::FILE)
}

#[test]
fn typescript_of_the_window_is_generated_from_the_till() {
    let made = pos_till::typescript::declarations();
    let path = committed();
    if std::env::var_os("POS_WRITE_TS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &made).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == made,
        "{} is not what the till's types generate: run `POS_WRITE_TS=1 cargo test -p pos-till --test till \
         typescript` and commit it",
        path.display()
    );
    // Every code the window is given is declared there.
    for code in ["wrong_pin", "unknown_barcode", "line", "voucher_short", "head_not_reached", "printer"] {
        assert!(made.contains(&format!("\"code\": \"{code}\"")), "{code} is not declared");
    }
    assert!(made.contains("\"problem\": \"serial_needed\""));
    assert!(
        made.contains("export type Action = { \"do\": \"login\", staff: string, pin: string, }"),
        "actions are declared"
    );
}

#[test]
fn a_refusal_reaches_the_window_as_a_code_with_its_values() {
    let e = TillError::Refused(Reason::VoucherShort { number: "GC-1".into(), left: 1250, wanted: 2000 });
    let view = serde_json::to_value(ErrorView::from(&e)).unwrap();
    assert_eq!(view["kind"], "refused");
    assert_eq!(view["reason"]["code"], "voucher_short");
    assert_eq!(view["reason"]["left"], 1250);
    assert_eq!(view["message"], "GC-1 has 12.50 left, not 20.00: take the rest by another tender");

    let e = TillError::NeedsManager {
        task: Task::Amount { of: Amounted::Ticket, cents: 2_500_000, max: 2_000_000 },
        not_manager: None,
    };
    let view = serde_json::to_value(ErrorView::from(&e)).unwrap();
    assert_eq!(view["kind"], "needs_manager");
    assert_eq!(view["reason"]["task"]["task"], "amount");
    assert_eq!(view["reason"]["task"]["of"], "ticket");
    assert_eq!(
        view["message"],
        "a ticket of 25000.00 € (above the 20000.00 € maximum): a manager must approve (manager's PIN)"
    );

    // A storage error keeps what failed underneath.
    let sql = rusqlite::Connection::open_in_memory().unwrap().execute("NOT SQL", []).unwrap_err();
    let e = TillError::from(sql);
    assert!(std::error::Error::source(&e).is_some(), "the rusqlite error is kept as the source");
    assert_eq!(
        ErrorView::from(&e).reason.clone(),
        Reason::Storage { message: e.to_string()["storage: ".len()..].to_owned() }
    );
}
