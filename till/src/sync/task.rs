//! The sync in the background: a thread that runs a round, then waits — the interval after a round
//! that reached head office, a growing wait with jitter after one that did not (so that a thousand
//! tills coming back after a cut do not all knock at once) — until told to stop. It never touches
//! the engine: a sale is never held by it, and a till offline for days just has more to push.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{SyncError, round};

/// When rounds run.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// The wait after a round that reached head office.
    pub every: Duration,
    /// The first wait after a round that did not; doubled at each failure...
    pub backoff_from: Duration,
    /// ...up to this.
    pub backoff_to: Duration,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            every: Duration::from_secs(30),
            backoff_from: Duration::from_secs(5),
            backoff_to: Duration::from_secs(300),
        }
    }
}

impl Schedule {
    /// The wait after `failures` failed rounds in a row (0: the last one reached head office),
    /// spread by ±20 % with `jitter` (0 to 1).
    pub fn wait(&self, failures: u32, jitter: f32) -> Duration {
        let base = if failures == 0 {
            self.every
        } else {
            self.backoff_from.saturating_mul(1 << failures.saturating_sub(1).min(16)).min(self.backoff_to)
        };
        #[allow(clippy::float_arithmetic)] // a spread of waits, not money
        base.mul_f32(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
    }
}

fn jitter() -> f32 {
    let mut b = [0u8; 2];
    // Without randomness the waits are not spread; they still run.
    let _ = getrandom::fill(&mut b);
    #[allow(clippy::float_arithmetic)]
    let j = f32::from(u16::from_le_bytes(b)) / f32::from(u16::MAX);
    j
}

/// The background sync of the till in `dir`, until `stop` is set.
pub fn start(
    dir: PathBuf,
    schedule: Schedule,
    stop: Arc<AtomicBool>,
    after_round: impl Fn(&super::Round) + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("head office sync".into()).spawn(move || {
        let mut failures = 0u32;
        while !stop.load(Ordering::SeqCst) {
            match round(&dir) {
                Ok(r) => {
                    failures = 0;
                    tracing::debug!(waiting = r.waiting(), "sync round done");
                    after_round(&r);
                }
                Err(SyncError::NotEnrolled) => failures = 0,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::info!(failures, "sync round: {e}");
                }
            }
            let until = Instant::now() + schedule.wait(failures, jitter());
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(
                    Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())),
                );
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_failures_and_stay_spread() {
        let s = Schedule::default();
        assert_eq!(s.wait(0, 0.5), Duration::from_secs(30));
        assert_eq!(s.wait(1, 0.5), Duration::from_secs(5));
        assert_eq!(s.wait(2, 0.5), Duration::from_secs(10));
        assert_eq!(s.wait(30, 0.5), Duration::from_secs(300), "capped");
        assert_eq!(s.wait(u32::MAX, 0.5), Duration::from_secs(300));
        assert_eq!(s.wait(1, 0.0), Duration::from_secs(4));
        assert_eq!(s.wait(1, 1.0), Duration::from_secs(6));
    }
}
