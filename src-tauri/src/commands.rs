//! The commands the window may call. Each answers JSON, or an error sentence for the cashier.
//! They are `async`: Tauri runs them off the window's thread, so a card payment that waits for the
//! customer never freezes the window.

use serde_json::Value;
use tauri::State;

use crate::AppState;

fn with_till<T>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut pos_till::engine::Till) -> Result<T, pos_till::TillError>,
) -> Result<T, String> {
    let mut till = state.till.lock().map_err(|_| "the till stopped after an error: restart it".to_owned())?;
    f(&mut till).map_err(|e| e.to_string())
}

/// The till's identity and state (store, till, operator, training, register, basket size, ...).
#[tauri::command]
pub async fn till_status(state: State<'_, AppState>) -> Result<Value, String> {
    with_till(&state, |t| t.status())
}

/// Logs a member of staff in with their PIN.
#[tauri::command]
pub async fn login(state: State<'_, AppState>, staff: String, pin: String) -> Result<Value, String> {
    with_till(&state, |t| t.login(&staff, &pin))
}
