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
    /// System clock: when the till opened, on the monotonic clock and on the wall.
    opened: Instant,
    opened_wall: DateTime<Utc>,
}

impl TillClock {
    /// A clock starting now.
    pub fn new(source: Clock) -> TillClock {
        let opened_wall = match &source {
            Clock::System => Utc::now(),
            Clock::Set(t) => *t,
        };
        TillClock { source, skew: Duration::zero(), opened: Instant::now(), opened_wall }
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
