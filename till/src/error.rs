//! The till's errors: each says what was wrong and what to do.

/// Why an action did not happen. A refused action changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum TillError {
    /// The action is not allowed now or with these inputs; the message says what to do.
    #[error("{0}")]
    Refused(String),
    /// A manager must approve (type their PIN).
    #[error("{0}: a manager must approve (manager's PIN)")]
    NeedsManager(String),
    /// The till will not sell until a manager deals with what it found at start (projections not
    /// made from its journal, a journal that does not reach its head); the message says what.
    #[error("{0}")]
    Blocked(String),
    /// The database or a file could not be used.
    #[error("storage: {0}")]
    Storage(String),
    /// A device failed.
    #[error("{0}")]
    Device(String),
}

impl From<rusqlite::Error> for TillError {
    fn from(e: rusqlite::Error) -> Self {
        TillError::Storage(e.to_string())
    }
}

impl TillError {
    /// A short machine-readable code for scripts and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            TillError::Refused(_) => "refused",
            TillError::NeedsManager(_) => "needs_manager",
            TillError::Blocked(_) => "blocked",
            TillError::Storage(_) => "storage",
            TillError::Device(_) => "device",
        }
    }
}
