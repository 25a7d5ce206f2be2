//! The till's errors: each has a stable code and the values the window needs to word it, and says
//! in English (scripts, the command line, the log) what was wrong and what to do.
//!
//! The codes are the till's contract with the window (`ui/src/generated/`, translated by code in
//! `ui/src/i18n.ts`) and with scripts: a code, once shipped, keeps its meaning and its fields. Amounts
//! travel as cents, weights as grams.

use std::fmt;

pub use crate::reason::{Amounted, Reason, Task};

/// Why an action did not happen. A refused action changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum TillError {
    /// The action is not allowed now or with these inputs.
    #[error("{0}")]
    Refused(Reason),
    /// A manager must approve (type their PIN): `task` says what; `not_manager` is the staff
    /// member whose PIN was given but who is not a manager.
    #[error("{}", needs_manager(task, not_manager.as_deref()))]
    NeedsManager {
        /// What needs approval.
        task: Task,
        /// Who approved without being a manager.
        not_manager: Option<String>,
    },
    /// The till will not sell until a manager deals with what it found at start (projections not
    /// made from its journal, a journal that does not reach its head).
    #[error("{0}")]
    Blocked(Reason),
    /// The database or a file could not be used; `source` is the error underneath, when there is one.
    #[error("storage: {message}")]
    Storage {
        /// What could not be done.
        message: String,
        /// What failed underneath.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A device failed.
    #[error("{0}")]
    Device(Reason),
}

fn needs_manager(task: &Task, not_manager: Option<&str>) -> String {
    match not_manager {
        Some(staff) => format!("{task}: {staff} is not a manager: a manager must approve (manager's PIN)"),
        None => format!("{task}: a manager must approve (manager's PIN)"),
    }
}

impl From<rusqlite::Error> for TillError {
    fn from(e: rusqlite::Error) -> Self {
        TillError::Storage { message: e.to_string(), source: Some(Box::new(e)) }
    }
}

impl TillError {
    /// A storage error saying `message`, with nothing underneath.
    pub fn storage(message: impl fmt::Display) -> TillError {
        TillError::Storage { message: message.to_string(), source: None }
    }

    /// A storage error saying `message`, caused by `source`.
    pub fn storage_from(
        message: impl fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> TillError {
        TillError::Storage { message: format!("{message}: {source}"), source: Some(Box::new(source)) }
    }

    /// An action refused for a reason only worded in English (command-line and set-up refusals).
    pub fn refused(message: impl Into<String>) -> TillError {
        TillError::Refused(Reason::Other { message: message.into() })
    }

    /// The error's kind, which chooses the window's headline: `refused`, `needs_manager`,
    /// `blocked`, `storage` or `device`.
    pub fn kind(&self) -> ErrorKind {
        match self {
            TillError::Refused(_) => ErrorKind::Refused,
            TillError::NeedsManager { .. } => ErrorKind::NeedsManager,
            TillError::Blocked(_) => ErrorKind::Blocked,
            TillError::Storage { .. } => ErrorKind::Storage,
            TillError::Device(_) => ErrorKind::Device,
        }
    }

    /// The reason with its code and values (`storage` and `needs_manager` make one).
    pub fn reason(&self) -> Reason {
        match self {
            TillError::Refused(r) | TillError::Blocked(r) | TillError::Device(r) => r.clone(),
            TillError::NeedsManager { task, not_manager } => {
                Reason::NeedsManager { task: task.clone(), not_manager: not_manager.clone() }
            }
            TillError::Storage { message, .. } => Reason::Storage { message: message.clone() },
        }
    }

    /// The kind's code, for scripts and logs.
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }
}

/// The kinds of error, which choose the window's headline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Not allowed now or with these inputs.
    Refused,
    /// A manager must approve.
    NeedsManager,
    /// The till will not sell until a manager acts.
    Blocked,
    /// The database or a file failed.
    Storage,
    /// A device failed.
    Device,
}

impl ErrorKind {
    /// The code, as serialised.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Refused => "refused",
            ErrorKind::NeedsManager => "needs_manager",
            ErrorKind::Blocked => "blocked",
            ErrorKind::Storage => "storage",
            ErrorKind::Device => "device",
        }
    }
}

/// An error as the window receives it: `kind` chooses the headline, `reason` carries the code and
/// the values the window words in its language, `message` is the English sentence (for the log and
/// for a code the window does not know yet).
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct ErrorView {
    /// Which headline.
    pub kind: ErrorKind,
    /// The code and its values.
    pub reason: Reason,
    /// In English.
    pub message: String,
}

impl ErrorView {
    /// `reason` under `kind`, worded in English by the reason itself.
    pub fn of(kind: ErrorKind, reason: Reason) -> ErrorView {
        ErrorView { kind, message: reason.to_string(), reason }
    }
}

impl From<&TillError> for ErrorView {
    fn from(e: &TillError) -> ErrorView {
        ErrorView { kind: e.kind(), reason: e.reason(), message: e.to_string() }
    }
}
