//! The till's log: one file a day in the till's folder (`logs/till.2026-12-05.log`), kept 90 days.
//!
//! What the log is for: the technician and the support desk reading what happened around a
//! problem. It is not fiscal (the journal is) and holds no PIN. Each line that concerns a record
//! names it (`chain`, `seq`, `kind`, `no`, the ticket's reference); refusals carry their code; a
//! failure the till goes on past (a checkpoint, a device's clean-up, a file left behind) is written
//! here instead of being dropped. The level is `info` unless `POS_LOG` says `error`, `warn`,
//! `debug` or `trace`.

use std::path::Path;

use tracing_subscriber::filter::LevelFilter;

use crate::error::TillError;

/// Days of log kept.
pub const KEEP_DAYS: usize = 90;

/// Keeps the log writing; the last lines are written out when it is dropped.
#[must_use = "the log stops when this is dropped"]
pub struct LogGuard {
    _writer: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// The level `POS_LOG` names (`info` when unset or unknown).
pub fn level(var: Option<&str>) -> LevelFilter {
    match var.map(str::trim).map(str::to_ascii_lowercase).as_deref() {
        Some("error") => LevelFilter::ERROR,
        Some("warn") => LevelFilter::WARN,
        Some("debug") => LevelFilter::DEBUG,
        Some("trace") => LevelFilter::TRACE,
        Some("off") => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}

/// Starts the log of the till in `dir` for this process. A process that already logs (a second
/// till in the same process, in tests) keeps its log.
pub fn start(dir: &Path) -> Result<LogGuard, TillError> {
    let folder = dir.join("logs");
    // Made first: the appender looks for old files to prune before it makes the folder.
    std::fs::create_dir_all(&folder)
        .map_err(|e| TillError::storage(format!("cannot make the log folder {}: {e}", folder.display())))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("till")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(&folder)
        .map_err(|e| TillError::storage(format!("cannot write the log in {}: {e}", folder.display())))?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let subscriber = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(level(std::env::var("POS_LOG").ok().as_deref()))
        .finish();
    match tracing::subscriber::set_global_default(subscriber) {
        Ok(()) => Ok(LogGuard { _writer: Some(guard) }),
        Err(_) => Ok(LogGuard { _writer: None }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_is_info_unless_said() {
        assert_eq!(level(None), LevelFilter::INFO);
        assert_eq!(level(Some(" Debug ")), LevelFilter::DEBUG);
        assert_eq!(level(Some("loud")), LevelFilter::INFO);
        assert_eq!(level(Some("off")), LevelFilter::OFF);
    }
}
