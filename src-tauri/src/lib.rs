//! # pos-till-app: the desktop till
//!
//! A thin Tauri command layer over `pos-till`: the window (`ui/`) reaches the engine only through
//! the commands in [`commands`]. The engine lives behind a mutex in the app's state; a card payment's
//! cancel button uses the terminal's cancel flag, which is held outside the lock.

pub mod commands;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use pos_till::TillError;
use pos_till::engine::{Clock, Till};
use tauri::Runtime;

/// What the commands share: the till, and the flag that stops a card payment from waiting.
pub struct AppState {
    /// The engine.
    pub till: Mutex<Till>,
    /// Set by the cancel button while a card payment runs.
    pub card_cancel: Option<Arc<AtomicBool>>,
}

impl AppState {
    /// Opens the till in `dir` with its configured devices.
    pub fn open(dir: &Path, clock: Clock) -> Result<AppState, TillError> {
        let (till, _) = pos_till::devices::open_till(dir, clock, false)?;
        let card_cancel = till.card_canceller();
        Ok(AppState { till: Mutex::new(till), card_cancel })
    }
}

/// The app on a builder of any Tauri runtime (`tauri::Builder::default()`, or the mock one in tests).
pub fn builder<R: Runtime>(base: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    base.manage(state).invoke_handler(tauri::generate_handler![commands::till_status, commands::login])
}

/// `pos-till-app --data DIR`.
pub fn data_dir(args: &[String]) -> Result<PathBuf, String> {
    args.iter().position(|a| a == "--data").and_then(|i| args.get(i + 1)).map(PathBuf::from).ok_or_else(
        || "usage: pos-till-app --data DIR (the folder of a till made with `pos-till init`)".to_owned(),
    )
}

/// Runs the app.
pub fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = data_dir(&args)?;
    let state = AppState::open(&dir, Clock::System).map_err(|e| e.to_string())?;
    builder(tauri::Builder::default(), state)
        .run(tauri::generate_context!())
        .map_err(|e| format!("the window could not start: {e}"))
}
