//! The commands the window may call. The till's own is [`act`]: it takes one typed action
//! (`pos_till::action::Action`, the very type scripts and tests use; `ui/src/generated/till.ts`
//! declares it for the window) and answers its JSON; actions that change the basket answer the
//! basket as well, so the window repaints from one round trip. The others are the app's: the last
//! receipt, the cancel button of a card payment, the scanner's next code, the app's version.
//!
//! Each runs on a blocking thread of its own, so a card payment that waits for the customer never
//! freezes the window nor holds one of Tauri's workers, and [`cancel_card`] (which takes no lock)
//! can stop it.

use std::sync::Arc;

use pos_till::TillError;
use pos_till::action::{self, Action};
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

/// One action from the window, run as a script would run it. The clock is the system's: the
/// window never sets it (scripts' `at` and `clock` are no action's fields), and the simulated
/// terminal of scripts is not the window's.
fn run(state: &AppState, fields: Map<String, Value>) -> Answer {
    let action = action::read(&fields).map_err(app_error)?;
    if matches!(action, Action::Terminal { .. }) {
        return Err(app_error(TillError::refused(
            "`terminal` is for scripts: the window has its real terminal",
        )));
    }
    // The serial scanner is not waited for (the till would be held meanwhile): its reading thread
    // says at once whether its port is open and what it read last.
    if let Action::TestDevice { device } = &action
        && device == "scanner"
        && state.scans.is_some()
    {
        let watch = state.scanner.lock().map_err(|_| stopped(&"the scanner's reader failed"))?.clone();
        return lock(state)?.record_device_test("scanner", watch.test()).map_err(app_error);
    }
    let mut till = lock(state)?;
    let result = action.run(&mut till, None).map_err(app_error)?;
    if action.changes_basket() {
        let basket = till.basket_view().map_err(app_error)?;
        Ok(json!({"result": result, "basket": basket}))
    } else {
        Ok(result)
    }
}

/// Runs an action of the till (`{"do": "scan", "code": ...}`, see `docs/till-script.md`).
#[tauri::command]
pub async fn act(state: State<'_, Arc<AppState>>, action: Map<String, Value>) -> Answer {
    blocking(&state, move |s| run(s, action)).await
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
