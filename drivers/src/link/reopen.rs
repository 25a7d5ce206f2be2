//! A link that opens itself again after it broke: a printer unplugged mid-job or rebooted between
//! receipts, a scale power-cycled, a terminal's cable pulled. The address is kept; the first try
//! after a break is at once (a device that rebooted is usually back), then the pauses grow so that a
//! device that stays away costs the till nothing but a refusal that says when the next try is.

use std::time::{Duration, Instant};

use super::{Address, BackChannel, LineSettings, Link, LinkError};

/// Pauses between tries to open a link: none before the first, then `first`, doubling up to `max`.
#[derive(Clone, Debug)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
    until: Option<Instant>,
}

impl Backoff {
    /// Pauses from `first` doubling up to `max`.
    pub fn new(first: Duration, max: Duration) -> Backoff {
        Backoff { first, max: max.max(first), next: first, until: None }
    }

    /// Whether a try may be made at `now`.
    pub fn ready(&self, now: Instant) -> bool {
        self.until.is_none_or(|u| now >= u)
    }

    /// How long until the next try may be made.
    pub fn left(&self, now: Instant) -> Duration {
        self.until.map_or(Duration::ZERO, |u| u.saturating_duration_since(now))
    }

    /// A try failed at `now`: the next one waits.
    pub fn failed(&mut self, now: Instant) {
        self.until = Some(now + self.next);
        self.next = (self.next * 2).min(self.max);
    }

    /// A try succeeded: the next break is tried again at once.
    pub fn succeeded(&mut self) {
        self.until = None;
        self.next = self.first;
    }
}

/// A link to an address, opened when first used and opened again after it broke.
pub struct Reopening {
    address: Address,
    line: LineSettings,
    connect: Duration,
    link: Option<Box<dyn Link>>,
    backoff: Backoff,
    last_error: Option<String>,
    opens: u32,
    line_errors: u64,
}

impl Reopening {
    /// A link to `address` (a serial line with `line` where the address says nothing), pausing
    /// between failed opens as `backoff` says. Nothing is opened yet.
    pub fn new(address: Address, line: LineSettings, backoff: Backoff) -> Reopening {
        Reopening {
            address,
            line,
            connect: Duration::from_secs(2),
            link: None,
            backoff,
            last_error: None,
            opens: 0,
            line_errors: 0,
        }
    }

    /// The address it opens.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// Whether the link is open now.
    pub fn is_open(&self) -> bool {
        self.link.is_some()
    }

    /// How many times the link was opened.
    pub fn opens(&self) -> u32 {
        self.opens
    }

    /// Opens the link now if it is not open, whatever the pause says (a technician's test, a drawer
    /// that must open now).
    pub fn open_now(&mut self) -> Result<(), LinkError> {
        self.backoff.succeeded();
        self.link().map(|_| ())
    }

    fn link(&mut self) -> Result<&mut Box<dyn Link>, LinkError> {
        if self.link.is_none() {
            let now = Instant::now();
            if !self.backoff.ready(now) {
                return Err(LinkError::Disconnected(format!(
                    "{} ({}): trying again in {:.1} s",
                    self.address,
                    self.last_error.as_deref().unwrap_or("not reachable"),
                    self.backoff.left(now).as_secs_f64()
                )));
            }
            match self.address.open_within(self.line, self.connect) {
                Ok(link) => {
                    if self.opens > 0 {
                        tracing::info!(address = %self.address, "the link is back");
                    }
                    self.backoff.succeeded();
                    self.last_error = None;
                    self.opens += 1;
                    self.link = Some(link);
                }
                Err(e) => {
                    self.backoff.failed(now);
                    tracing::warn!(address = %self.address, "cannot open the link, trying again in {:.1} s: {e}", self.backoff.left(now).as_secs_f64());
                    self.last_error = Some(e.to_string());
                    return Err(e);
                }
            }
        }
        self.link.as_mut().ok_or_else(|| LinkError::Disconnected(format!("{} is not open", self.address)))
    }

    /// Forgets a link that broke: the next use opens it again.
    fn check<T>(&mut self, r: Result<T, LinkError>) -> Result<T, LinkError> {
        if let Err(LinkError::Disconnected(m)) = &r {
            if self.link.is_some() {
                tracing::warn!(address = %self.address, "the link broke: {m}");
            }
            if let Some(old) = self.link.take() {
                self.line_errors += old.line_errors();
            }
            self.last_error = Some(m.clone());
        }
        r
    }
}

impl Link for Reopening {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let r = self.link().and_then(|l| l.send(bytes));
        self.check(r)
    }

    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        let r = self.link().and_then(|l| l.receive(buf, timeout));
        self.check(r)
    }

    fn describe(&self) -> String {
        self.address.to_string()
    }

    fn discard_input(&mut self) {
        if let Some(l) = self.link.as_mut() {
            l.discard_input();
        }
    }

    fn line_errors(&self) -> u64 {
        self.line_errors + self.link.as_ref().map_or(0, |l| l.line_errors())
    }

    fn back_channel(&self) -> BackChannel {
        match (&self.link, &self.address) {
            (Some(l), _) => l.back_channel(),
            (None, Address::Lp(_)) => BackChannel::Unknown,
            (None, _) => BackChannel::Yes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_maximum_and_reset_on_success() {
        let mut b = Backoff::new(Duration::from_millis(250), Duration::from_secs(1));
        let t0 = Instant::now();
        assert!(b.ready(t0));
        b.failed(t0);
        assert!(!b.ready(t0 + Duration::from_millis(249)));
        assert!(b.ready(t0 + Duration::from_millis(250)));
        b.failed(t0);
        assert_eq!(b.left(t0), Duration::from_millis(500));
        b.failed(t0);
        b.failed(t0);
        assert_eq!(b.left(t0), Duration::from_secs(1), "never more than the maximum");
        b.succeeded();
        assert!(b.ready(t0));
        b.failed(t0);
        assert_eq!(b.left(t0), Duration::from_millis(250));
    }

    #[test]
    fn a_device_that_is_not_there_is_refused_at_once_until_the_pause_is_over() {
        let mut link = Reopening::new(
            Address::parse("serial:/nonexistent/ttyUSB9").unwrap(),
            LineSettings::B9600_8N1,
            Backoff::new(Duration::from_secs(60), Duration::from_secs(60)),
        );
        let first = link.send(b"x").unwrap_err().to_string();
        assert!(first.contains("cannot be opened"), "{first}");
        let second = link.send(b"x").unwrap_err().to_string();
        assert!(second.contains("trying again in"), "{second}");
        assert_eq!(link.opens(), 0);
    }
}
