//! Scripted sessions: a JSON list of actions run against the engine, one JSON result line per action.
//! The format is documented in `docs/till-script.md`. Each action is a typed [`Action`] (read and
//! run by [`crate::action`]); the window sends the same actions, so this is the till's one door for
//! what people type.
//!
//! Nothing typed is coerced: a field an action does not know, a number written as text, a fraction
//! where units are counted, a negative count, an amount with more than two decimals or beyond the
//! till's ceiling is refused with a sentence that names the field and what it takes.

use std::io::Write;

use chrono::{DateTime, Utc};
use pos_drivers::terminal::SimTerminal;
use serde_json::{Map, Value, json};

use crate::action::{self, Action};
use crate::engine::{Clock, Till};
use crate::error::TillError;

pub use crate::action::cents;

/// A script: an optional start time and the actions.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// Sets the clock (RFC 3339) before the first action; without it the system clock is used.
    #[serde(default)]
    pub start: Option<String>,
    /// The actions.
    pub actions: Vec<Map<String, Value>>,
}

fn bad(msg: impl Into<String>) -> TillError {
    TillError::refused(msg)
}

/// Fields a script's action may carry besides the action's own: the time (`at`: time passes to it;
/// `clock`: the wall clock is moved to it, no time passing), and `expect` (for the tests' own use).
const COMMON: &[&str] = &["at", "clock", "expect"];

fn time(a: &Map<String, Value>, k: &str) -> Result<Option<DateTime<Utc>>, TillError> {
    match a.get(k) {
        None => Ok(None),
        Some(Value::String(t)) => DateTime::parse_from_rfc3339(t)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| bad(format!("`{k}` {t}: {e}"))),
        Some(other) => Err(bad(format!("`{k}` is a time (RFC 3339) as text, not {other}"))),
    }
}

/// Runs one action of a script: its time fields first, then the action.
pub fn action(
    till: &mut Till,
    terminal: Option<&SimTerminal>,
    a: &Map<String, Value>,
) -> Result<Value, TillError> {
    let mut fields = a.clone();
    fields.retain(|k, _| !COMMON.contains(&k.as_str()));
    let what = a.get("do").and_then(Value::as_str).unwrap_or("?").to_owned();
    let outcome = (|| {
        let act: Action = action::read(&fields)?;
        if let Some(t) = time(a, "at")? {
            till.set_clock(Clock::Set(t));
        }
        if let Some(t) = time(a, "clock")? {
            till.move_clock(t);
        }
        act.run(till, terminal)
    })();
    // What was asked and how it ended (never the fields: a PIN is one of them).
    match &outcome {
        Ok(_) => tracing::debug!(action = what, "done"),
        Err(e @ (TillError::Storage { .. } | TillError::Device(_))) => {
            tracing::error!(action = what, code = e.code(), "{e}");
        }
        Err(e) => tracing::info!(action = what, code = e.code(), "refused: {e}"),
    }
    outcome
}

/// Runs a whole script, writing one JSON line per action to `out` (flushed each time, so a reader
/// sees every acknowledged action even if the process is killed). Returns the number of refused actions.
pub fn run(
    till: &mut Till,
    terminal: Option<&SimTerminal>,
    script: &Script,
    out: &mut impl Write,
) -> Result<usize, TillError> {
    if let Some(start) = &script.start {
        let t = DateTime::parse_from_rfc3339(start).map_err(|e| bad(format!("`start` {start}: {e}")))?;
        till.set_clock(Clock::Set(t.with_timezone(&Utc)));
    }
    let mut refused = 0;
    for (n, a) in script.actions.iter().enumerate() {
        let what = a.get("do").cloned().unwrap_or(Value::Null);
        let line = match action(till, terminal, a) {
            Ok(result) => json!({"n": n + 1, "do": what, "ok": true, "result": result}),
            Err(e) => {
                refused += 1;
                json!({"n": n + 1, "do": what, "ok": false, "error": e.code(), "reason": e.reason(), "message": e.to_string()})
            }
        };
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| TillError::storage(format!("output: {e}")))?;
    }
    Ok(refused)
}
