//! The till's time. Records are dated by the wall clock, which a person can set; how long things
//! last (a lockout) is measured by the time that actually passed while the till ran, which nobody
//! can set. The gap between the two tells a clock moved while the till ran.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

/// Where the time comes from: the system clock, or a clock a script sets (tests, replays).
#[derive(Clone, Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// A set time, advanced one second per read. Setting it again ([`crate::engine::Till::set_clock`])
    /// is time passing; [`crate::engine::Till::move_clock`] is the clock being moved.
    Set(DateTime<Utc>),
}

/// The till's two times.
#[derive(Debug)]
pub struct TillClock {
    source: Clock,
    /// Set clocks: how far the wall clock was moved away from the time passing.
    skew: Duration,
    /// System clock: when the till opened, on the monotonic clock, on the wall, and on the boot clock.
    opened: Instant,
    opened_wall: DateTime<Utc>,
    opened_uptime: Option<Duration>,
}

/// The time since the machine booted, the time it slept included (`/proc/uptime`, in hundredths).
fn uptime() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/uptime").ok()?;
    let first = text.split_whitespace().next()?;
    let (secs, hundredths) = first.split_once('.')?;
    let secs: i64 = secs.parse().ok()?;
    let hundredths: i64 = hundredths.get(..2)?.parse().ok()?;
    Some(Duration::seconds(secs) + Duration::milliseconds(hundredths * 10))
}

impl TillClock {
    /// A clock starting now.
    pub fn new(source: Clock) -> TillClock {
        let opened_wall = match &source {
            Clock::System => Utc::now(),
            Clock::Set(t) => *t,
        };
        let opened_uptime = matches!(source, Clock::System).then(uptime).flatten();
        TillClock { source, skew: Duration::zero(), opened: Instant::now(), opened_wall, opened_uptime }
    }

    /// The wall clock, advancing a set clock by a second.
    pub fn now(&mut self) -> DateTime<Utc> {
        match &mut self.source {
            Clock::System => Utc::now(),
            Clock::Set(t) => {
                let now = *t + self.skew;
                *t += Duration::seconds(1);
                now
            }
        }
    }

    /// The wall clock, without advancing it.
    pub fn peek(&self) -> DateTime<Utc> {
        match &self.source {
            Clock::System => Utc::now(),
            Clock::Set(t) => *t + self.skew,
        }
    }

    /// The time that passed, as a date: the wall time at opening plus the time elapsed since (for a
    /// set clock, its time without the moves).
    pub fn passed(&self) -> DateTime<Utc> {
        match &self.source {
            Clock::System => {
                self.opened_wall
                    + Duration::from_std(self.opened.elapsed()).unwrap_or_else(|_| Duration::zero())
            }
            Clock::Set(t) => *t,
        }
    }

    /// How far the wall clock is from the time that passed.
    pub fn drift(&self) -> Duration {
        self.peek() - self.passed()
    }

    /// How far the wall clock is from the time that passed, the time the machine slept included
    /// (the monotonic clock stops while it sleeps; the boot clock, read from `/proc/uptime`, does
    /// not). `None` for a set clock, or where the boot clock cannot be read.
    pub fn drift_awake_or_asleep(&self) -> Option<Duration> {
        let Clock::System = self.source else { return None };
        let (now, then) = (uptime()?, self.opened_uptime?);
        Some(self.peek() - (self.opened_wall + (now - then)))
    }

    /// Time passes to `clock`'s.
    pub fn set(&mut self, clock: Clock) {
        self.source = clock;
        self.skew = Duration::zero();
    }

    /// The wall clock is moved to `to` while no time passes (a set clock; the system's is moved by
    /// the system).
    pub fn move_to(&mut self, to: DateTime<Utc>) {
        if let Clock::Set(t) = &self.source {
            self.skew = to - *t;
        }
    }
}
