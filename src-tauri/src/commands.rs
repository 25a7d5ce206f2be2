//! The commands the window may call, one per thing a person at the counter does. Each takes the
//! fields of the matching till-script action (`docs/till-script.md`: amounts as euro strings,
//! `approval` as a manager's id and PIN) and answers its JSON, so the window and the scripts drive
//! the engine through the very same code. Actions that change the basket answer the basket as well,
//! so the window repaints from one round trip.
//!
//! Each runs on a blocking thread of its own, so a card payment that waits for the customer never
//! freezes the window nor holds one of Tauri's workers, and [`cancel_card`] (which takes no lock)
//! can stop it.

use std::sync::Arc;

use pos_till::TillError;
use pos_till::error::ErrorView;
use pos_till::reason::Reason;
use serde_json::{Map, Value, json};
use tauri::State;

use crate::AppState;

/// An error as the window receives it: its kind, its code with the values to word it, and the
/// English sentence (`ui/src/generated/till.ts` declares it).
pub type AppError = ErrorView;

fn app_error(e: TillError) -> AppError {
    ErrorView::from(&e)
}

type Answer = Result<Value, AppError>;

/// Fields the window may not set: `do` is the command's own; `at` and `clock` (time passing, the
/// clock moved) are for scripts only.
const RESERVED: &[&str] = &["do", "at", "clock"];

/// Runs `f` on a thread of its own: the engine waits on disks and devices (a card payment waits for
/// the customer), and Tauri's async workers stay free for the cancel button and the window.
async fn blocking(state: &Arc<AppState>, f: impl FnOnce(&AppState) -> Answer + Send + 'static) -> Answer {
    let state = Arc::clone(state);
    tauri::async_runtime::spawn_blocking(move || f(&state)).await.map_err(|e| stopped(&e))?
}

/// A command that panicked (the engine's transaction rolled back): nothing more is done until the
/// app is started again, which recovers from the journal.
fn stopped(what: &dyn std::fmt::Display) -> AppError {
    app_error(TillError::storage(format!(
        "the till stopped after an internal error ({what}): close the window and start it again"
    )))
}

fn lock(state: &AppState) -> Result<std::sync::MutexGuard<'_, pos_till::engine::Till>, AppError> {
    state.till.lock().map_err(|_| stopped(&"an earlier action failed"))
}

fn run(state: &AppState, action: &str, args: Option<Map<String, Value>>, with_basket: bool) -> Answer {
    let mut till = lock(state)?;
    let mut a = args.unwrap_or_default();
    for k in RESERVED {
        a.remove(*k);
    }
    a.insert("do".into(), json!(action));
    let to_app = app_error;
    let result = pos_till::script::action(&mut till, None, &a).map_err(to_app)?;
    if with_basket {
        let basket = till.basket_view().map_err(to_app)?;
        Ok(json!({"result": result, "basket": basket}))
    } else {
        Ok(result)
    }
}

macro_rules! commands {
    ($($(#[$doc:meta])* $name:ident => $action:literal, basket: $basket:literal;)*) => {
        $(
            $(#[$doc])*
            #[tauri::command]
            pub async fn $name(state: State<'_, Arc<AppState>>, args: Option<Map<String, Value>>) -> Answer {
                blocking(&state, move |s| run(s, $action, args, $basket)).await
            }
        )*
        /// Every command's name, for the handler and the permissions (`build.rs` keeps its own copy).
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

commands! {
    /// The till's identity and state: store, till, operator, training, register, devices.
    till_status => "status", basket: false;
    /// Logs a member of staff in with their PIN (also the quick switch and the unlock).
    login => "login", basket: false;
    /// Logs out.
    logout => "logout", basket: false;
    /// Opens the register with the counted float (`float`).
    open_register => "open_register", basket: false;
    /// Cash put into the drawer (`amount`, `reason`).
    cash_in => "cash_in", basket: false;
    /// Cash taken out of the drawer (`amount`, `reason`).
    cash_out => "cash_out", basket: false;
    /// A scanned or typed code (`code`, `quantity`?, `grams`?, `serial`?).
    scan => "scan", basket: true;
    /// Sells or tops up a gift card (`card`, `amount`).
    sell_gift_card => "gift_card", basket: true;
    /// Removes a line (`line`).
    remove_line => "remove_line", basket: true;
    /// A line or basket discount (`line`?, `percent` or `amount`, `reason`, `approval`?).
    discount => "discount", basket: true;
    /// A lower unit price (`line`, `price`, `approval`).
    override_price => "override_price", basket: true;
    /// Attaches a customer (`id`; empty detaches).
    attach_customer => "customer", basket: true;
    /// Customers by id, name or e-mail (`text`).
    find_customer => "find_customer", basket: false;
    /// Parks the basket.
    park => "park", basket: true;
    /// Resumes a parked basket (`slot`).
    resume => "resume", basket: true;
    /// Abandons the basket.
    cancel_basket => "cancel", basket: true;
    /// Accessories that fit what is in the basket.
    suggestions => "suggest", basket: false;
    /// Product search (`text`).
    search => "search", basket: false;
    /// The basket as priced now.
    basket => "basket", basket: false;
    /// A ticket of this till with what each line can still bring back (`ticket`).
    find_ticket => "ticket", basket: false;
    /// Brings back lines of a ticket (`ticket`, `lines`?).
    return_ticket => "return", basket: true;
    /// A return without a receipt (`code`, `units`, `approval`).
    return_without_receipt => "return_without_receipt", basket: true;
    /// Pays the basket (`tenders`); prints the receipt.
    pay => "pay", basket: true;
    /// Voids a ticket (`ticket`, `approval`).
    void_ticket => "void", basket: false;
    /// Reprints a ticket as DUPLICATA (`ticket`).
    reprint => "reprint", basket: false;
    /// Opens the drawer without a sale (`reason`, `approval`).
    no_sale => "no_sale", basket: false;
    /// Training mode on or off (`on`, `approval`).
    training => "training", basket: false;
    /// Closes the register (`counted`, `approval`?): the difference and the Z.
    close_register => "close", basket: false;
    /// Counts the cash of a day the till closed itself (`day`, `counted`).
    count_cash => "count_cash", basket: false;
    /// Settles a card payment a crash left unknown (`reference`, `approved`, `approval`).
    resolve_card => "resolve_card", basket: false;
    /// A monthly or yearly closure from the closures below it (`key`: `2026-12` or `2026`).
    close_period => "close_period", basket: false;
    /// A signed archive of a month into the till's `archives/` folder (`period`).
    archive => "archive", basket: false;
    /// A gift card's or credit note's balance (`number`).
    balance => "balance", basket: false;
    /// Each device's setting and what it last answered.
    devices => "devices", basket: false;
    /// The technician's forms: each device's setting as fields, the ports found (no arguments).
    device_forms => "device_forms", basket: false;
    /// Sets a device from its form (`device`, `setup`).
    set_device => "set_device", basket: false;
    /// Prints the receipts the printer kept back.
    retry_printer => "retry_printer", basket: false;
    /// Changes a setting (`key`, `value`): manager or technician.
    configure => "config", basket: false;
    /// A manager makes the till's tables again from its journal (`approval`), when the till found
    /// them not made from it.
    rebuild => "rebuild", basket: false;
    /// A manager accepts a journal that does not reach its head (`approval`).
    accept_head => "accept_head", basket: false;
}

/// Tries a device (`device`) and says what it answered. The serial scanner is not waited for (the
/// till would be held meanwhile): its reading thread says at once whether its port is open and
/// what it read last, and the window shows each code as it comes.
#[tauri::command]
pub async fn test_device(state: State<'_, Arc<AppState>>, args: Option<Map<String, Value>>) -> Answer {
    blocking(&state, move |s| {
        let scanner = args.as_ref().and_then(|a| a.get("device")).and_then(Value::as_str) == Some("scanner");
        if scanner && s.scans.is_some() {
            let watch = s.scanner.lock().map_err(|_| stopped(&"the scanner's reader failed"))?.clone();
            let mut till = lock(s)?;
            return till.record_device_test("scanner", watch.test()).map_err(app_error);
        }
        run(s, "test_device", args, false)
    })
    .await
}

/// The last receipt or Z report handed to the printer, as text (`null` before the first).
#[tauri::command]
pub async fn last_receipt(state: State<'_, Arc<AppState>>) -> Answer {
    blocking(&state, |s| Ok(json!(lock(s)?.last_receipt()))).await
}

/// The cancel button of a card payment: asks the terminal to stop waiting. Takes no lock (the
/// payment holds it); the engine then journals the payment as not made, or as approved if the
/// customer had already paid.
#[tauri::command]
pub async fn cancel_card(state: State<'_, Arc<AppState>>) -> Answer {
    match &state.card_cancel {
        Some(flag) => {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(json!({"cancel": "asked"}))
        }
        None => Err(app_error(TillError::Device(Reason::TerminalNotStoppable))),
    }
}

/// The next code the serial scanner reads, waiting up to 20 s (`null` when none came); answers at
/// once `{"scanner": "none"}` when no serial scanner is configured. The window keeps one waiting.
#[tauri::command]
pub async fn next_scan(state: State<'_, Arc<AppState>>) -> Answer {
    blocking(&state, |s| match &s.scans {
        None => Ok(json!({"scanner": "none"})),
        Some(scans) => {
            let scans = scans.lock().map_err(|_| stopped(&"the scanner's reader failed"))?;
            Ok(scans.recv_timeout(std::time::Duration::from_secs(20)).map_or(Value::Null, Value::String))
        }
    })
    .await
}

/// The app's version, its till's identity and settings, and the device ports the system lists
/// (serial ports, USB printers), for the settings screen.
#[tauri::command]
pub async fn about(state: State<'_, Arc<AppState>>) -> Answer {
    blocking(&state, |s| {
        let till = lock(s)?;
        let id = till.identity();
        Ok(json!({
            "version": env!("CARGO_PKG_VERSION"),
            "store": id.store,
            "till": id.till,
            "data": till.dir().display().to_string(),
            "config": till.config(),
            "found": pos_drivers::link::found(),
        }))
    })
    .await
}
