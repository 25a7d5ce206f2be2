//! Bar code scanners: serial scanners, and the keyboard-wedge case as a pure classifier.
//!
//! A serial scanner sends each code followed by CR, LF or CR LF, possibly with a prefix and a suffix
//! set in the scanner (an AIM identifier such as `]E0`, a store-specific marker). [`SerialScanner`]
//! strips what is configured and hands over the code as read, group separators ([`GS`]) included. Decoding GS1 weighed and priced codes
//! (prefixes 20–29) is the engine's: the layouts are the chain's settings and `pos-core` applies them
//! to every code whatever device it came from (`drivers` knows no prices).
//!
//! A keyboard-wedge scanner types the code as keystrokes. [`WedgeClassifier`] is fed each key with
//! its time and tells a scan (a fast burst ending in Enter) from a person typing.

use std::time::Duration;

use crate::link::{Link, LinkError};

/// Group separator: a GS1-128 scan carries it between variable-length fields (FNC1). It is part
/// of the code, not line noise.
pub const GS: char = '\u{1d}';

/// What a caller can do about a scanner error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScannerErrorKind {
    /// Not connected.
    Disconnected,
    /// What arrived is not a code (wrong speed, noise).
    Protocol,
}

/// A scanner error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("scanner: {message}")]
pub struct ScannerError {
    /// What kind.
    pub kind: ScannerErrorKind,
    /// For people.
    pub message: String,
}

impl ScannerError {
    /// What a caller can act on.
    pub fn kind(&self) -> ScannerErrorKind {
        self.kind
    }
}

/// A scanner that delivers codes.
pub trait Scanner: Send {
    /// The next code read within `timeout`, or `None`.
    fn next_code(&mut self, timeout: Duration) -> Result<Option<String>, ScannerError>;
}

/// A serial scanner.
pub struct SerialScanner {
    link: Box<dyn Link>,
    prefix: String,
    suffix: String,
    line: Vec<u8>,
    ready: std::collections::VecDeque<Result<String, ScannerError>>,
}

impl SerialScanner {
    /// A scanner on `link` whose codes carry `prefix` and `suffix` (empty if none).
    pub fn new(link: Box<dyn Link>, prefix: &str, suffix: &str) -> SerialScanner {
        SerialScanner {
            link,
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
            line: Vec::new(),
            ready: std::collections::VecDeque::new(),
        }
    }

    fn take_line(&mut self) {
        let raw = std::mem::take(&mut self.line);
        if raw.is_empty() {
            return; // the LF of a CR LF
        }
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let readable = std::str::from_utf8(&raw).is_ok_and(|s| s.chars().all(|c| !c.is_control() || c == GS));
        if !readable {
            self.ready.push_back(Err(ScannerError {
                kind: ScannerErrorKind::Protocol,
                message: format!(
                    "{} sent {shown:?}, which is not a code: check the scanner's speed and interface settings",
                    self.link.describe()
                ),
            }));
            return;
        }
        let code = shown;
        let code = code.strip_prefix(self.prefix.as_str()).unwrap_or(&code);
        let code = code.strip_suffix(self.suffix.as_str()).unwrap_or(code);
        self.ready.push_back(Ok(code.to_owned()));
    }
}

impl Scanner for SerialScanner {
    fn next_code(&mut self, timeout: Duration) -> Result<Option<String>, ScannerError> {
        let deadline = std::time::Instant::now() + timeout;
        let mut buf = [0u8; 256];
        loop {
            if let Some(r) = self.ready.pop_front() {
                return r.map(Some);
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            match self.link.receive(&mut buf, left) {
                Ok(n) => {
                    for &b in &buf[..n] {
                        if b == b'\r' || b == b'\n' {
                            self.take_line();
                        } else {
                            self.line.push(b);
                        }
                    }
                }
                Err(LinkError::Timeout(_)) => {}
                Err(e) => {
                    return Err(ScannerError {
                        kind: ScannerErrorKind::Disconnected,
                        message: e.to_string(),
                    });
                }
            }
        }
    }
}

/// A key from the keyboard, as the window sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// Enter.
    Enter,
}

/// What the classifier makes of the keys so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wedge {
    /// A scanned code: the window does not type it anywhere.
    Scan(String),
    /// Keys a person typed: the window delivers them where the cursor is (Enter included if it
    /// ended them).
    Typed(String, bool),
}

/// Tells a keyboard-wedge scan from typing by the time between keys.
///
/// A scanner types a whole code in a burst, a few milliseconds per key, and ends it with Enter; the
/// fastest typist leaves 50 ms and more between keys, and nobody types twelve keys without a slower
/// gap. A burst of at least `min_len` keys, each within `max_gap` of the previous one, ended by an
/// Enter within `max_gap`, is a scan. Keys are held back only while they could still be a scan:
/// as soon as a gap is too long, what was held is released as typed.
#[derive(Clone, Debug)]
pub struct WedgeClassifier {
    max_gap_ms: u64,
    min_len: usize,
    held: String,
    last_ms: Option<u64>,
}

impl Default for WedgeClassifier {
    fn default() -> Self {
        WedgeClassifier::new(30, 6)
    }
}

impl WedgeClassifier {
    /// Scans are bursts of `min_len` keys or more, at most `max_gap_ms` apart.
    pub fn new(max_gap_ms: u64, min_len: usize) -> WedgeClassifier {
        WedgeClassifier { max_gap_ms, min_len, held: String::new(), last_ms: None }
    }

    /// Feeds one key pressed at `at_ms` (a monotonic clock in milliseconds); returns what can be
    /// decided now.
    pub fn key(&mut self, key: Key, at_ms: u64) -> Vec<Wedge> {
        let mut out = Vec::new();
        let fast = self.last_ms.is_some_and(|last| at_ms.saturating_sub(last) <= self.max_gap_ms);
        if !fast && !self.held.is_empty() {
            out.push(Wedge::Typed(std::mem::take(&mut self.held), false));
        }
        self.last_ms = Some(at_ms);
        match key {
            Key::Char(c) => self.held.push(c),
            Key::Enter => {
                let held = std::mem::take(&mut self.held);
                if fast && held.chars().count() >= self.min_len {
                    out.push(Wedge::Scan(held));
                } else {
                    out.push(Wedge::Typed(held, true));
                }
                self.last_ms = None;
            }
        }
        out
    }

    /// Called when no key came for a while (the window's timer): releases what was held.
    pub fn idle(&mut self, at_ms: u64) -> Option<Wedge> {
        let stale = self.last_ms.is_some_and(|last| at_ms.saturating_sub(last) > self.max_gap_ms);
        (stale && !self.held.is_empty()).then(|| {
            self.last_ms = None;
            Wedge::Typed(std::mem::take(&mut self.held), false)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(c: &mut WedgeClassifier, text: &str, start: u64, gap: u64) -> Vec<Wedge> {
        let mut out = Vec::new();
        let mut t = start;
        for ch in text.chars() {
            out.extend(c.key(Key::Char(ch), t));
            t += gap;
        }
        out.extend(c.key(Key::Enter, t));
        out
    }

    #[test]
    fn a_fast_burst_ending_in_enter_is_a_scan_and_typing_is_not() {
        let mut c = WedgeClassifier::default();
        assert_eq!(feed(&mut c, "3761100080190", 1_000, 8), vec![Wedge::Scan("3761100080190".into())]);
        // A quick typist: 60 ms between keys.
        let typed = feed(&mut c, "LIPO", 5_000, 60);
        let text: String = typed
            .iter()
            .map(|w| match w {
                Wedge::Typed(s, _) => s.clone(),
                Wedge::Scan(s) => panic!("typing taken for a scan: {s}"),
            })
            .collect();
        assert_eq!(text, "LIPO");
        assert!(matches!(typed.last(), Some(Wedge::Typed(_, true))));
        // A short fast burst (a key held down, a PIN) is not a scan either.
        assert_eq!(feed(&mut c, "1234", 9_000, 5), vec![Wedge::Typed("1234".into(), true)]);
        // Typing, then a scan right after: both come out right.
        let mut out = feed(&mut c, "ab", 12_000, 200);
        out.extend(feed(&mut c, "9771629871128", 13_000, 5));
        assert_eq!(out.last(), Some(&Wedge::Scan("9771629871128".into())));
    }

    #[test]
    fn held_keys_are_released_when_the_burst_stops() {
        let mut c = WedgeClassifier::default();
        assert!(c.key(Key::Char('x'), 100).is_empty());
        assert_eq!(c.idle(110), None);
        assert_eq!(c.idle(200), Some(Wedge::Typed("x".into(), false)));
    }
}
