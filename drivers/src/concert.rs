//! Concert: the French protocol between a till and a card terminal, over serial or TCP.
//!
//! ## Exchange
//! 1. The till sends `ENQ`; the terminal answers `ACK` (up to three tries).
//! 2. The till sends `STX` + 34 characters + `ETX` + LRC (the XOR of every byte after `STX`,
//!    `ETX` included); the terminal answers `ACK`, or `NAK` when the LRC is wrong (the frame is sent
//!    again, up to three times). The till ends with `EOT`.
//! 3. The customer pays on the terminal. The terminal sends `ENQ`, the till `ACK`; the terminal sends
//!    its answer frame, the till checks its LRC and answers `ACK` (or `NAK`: the terminal sends it
//!    again); the terminal ends with `EOT`.
//!
//! Request (34 characters): till number (2), amount in cents (8), answer flag (1: `1` asks for the
//! full answer with its report), mode (1: `1` card), type (1: `0` payment, `1` refund), currency (3:
//! `978`, euro), private field (10, echoed in the answer), delay (4: `A010`, answer at the end of
//! the transaction), authorisation (4: `B010`, the terminal decides whether to call the bank).
//!
//! Answer: till number (2), result (1: `0` accepted, `7` refused, `9` not verified: cancelled on the
//! terminal or the card taken out), amount (8), mode (1), report (55, full answer only), currency
//! (3), private field (10). This implementation reads the report as the masked card number (19) and
//! the authorisation number (6) followed by terminal-specific data; a terminal set up otherwise
//! prints its own slip and the till's ticket shows the card as `****`.
//!
//! ## A payment in flight at a crash
//! The private field carries the last ten characters of the till's payment reference. Before the
//! request frame goes out the driver writes `sent <private> <cents>` to its log (`concert.log` beside the till's
//! database, fsynced), and each answer as soon as it has it. After a crash, [`Concert::status`]
//! reads the log: an answer there is the outcome; no `sent` line means the terminal never had the
//! request; otherwise it listens a few seconds for the terminal offering its answer again (a
//! terminal whose `ENQ` went unanswered keeps offering it), and failing that says it cannot know,
//! so that a manager checks the terminal's own journal. A payment is never sent twice.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::link::{Link, LinkError};
use crate::terminal::{
    PaymentOutcome, PaymentRequest, PaymentTerminal, TerminalError, TerminalErrorKind, err,
};

pub use crate::ascii::{ACK, ENQ, EOT, ETX, NAK, STX};

/// Length of a request.
pub const REQUEST_LEN: usize = 34;
/// Length of a short answer.
pub const SHORT_ANSWER_LEN: usize = 25;
/// Length of a full answer (with the 55-character report).
pub const FULL_ANSWER_LEN: usize = 80;

/// XOR of `bytes` (what follows `STX`, `ETX` included).
pub fn lrc(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

/// `STX payload ETX LRC`.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 3);
    out.push(STX);
    out.extend_from_slice(payload);
    out.push(ETX);
    out.push(lrc(&out[1..]));
    out
}

/// Why a frame was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// No `STX` or `ETX` where expected.
    Malformed,
    /// The LRC does not match.
    BadLrc,
}

/// The payload of `STX payload ETX LRC`.
pub fn unframe(bytes: &[u8]) -> Result<Vec<u8>, FrameError> {
    if bytes.len() < 3 || bytes[0] != STX || bytes[bytes.len() - 2] != ETX {
        return Err(FrameError::Malformed);
    }
    if lrc(&bytes[1..bytes.len() - 1]) != bytes[bytes.len() - 1] {
        return Err(FrameError::BadLrc);
    }
    Ok(bytes[1..bytes.len() - 2].to_vec())
}

/// Payment or refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// A payment (`0`).
    Payment,
    /// A refund (`1`).
    Refund,
}

/// A Concert request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Till number, 0–99.
    pub pos: u8,
    /// Amount in cents.
    pub cents: u64,
    /// Payment or refund.
    pub operation: Operation,
    /// Ten characters echoed in the answer.
    pub private: String,
}

impl Request {
    /// The 34 characters.
    pub fn encode(&self) -> String {
        format!(
            "{:02}{:08}11{}978{:>10}A010B010",
            self.pos % 100,
            self.cents,
            match self.operation {
                Operation::Payment => '0',
                Operation::Refund => '1',
            },
            self.private
        )
    }

    /// Reads 34 characters back (the simulator's side).
    pub fn decode(s: &str) -> Option<Request> {
        if s.len() != REQUEST_LEN || !s.is_ascii() {
            return None;
        }
        let operation = match &s[12..13] {
            "0" => Operation::Payment,
            "1" => Operation::Refund,
            _ => return None,
        };
        if &s[13..16] != "978" {
            return None;
        }
        Some(Request {
            pos: s[0..2].parse().ok()?,
            cents: s[2..10].parse().ok()?,
            operation,
            private: s[16..26].trim_start().to_owned(),
        })
    }
}

/// What the terminal made of the payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `0`.
    Accepted,
    /// `7`.
    Refused,
    /// `9`.
    NotVerified,
}

/// A Concert answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Till number.
    pub pos: u8,
    /// Outcome.
    pub result: Verdict,
    /// Amount in cents.
    pub cents: u64,
    /// Masked card number and authorisation (full answers).
    pub report: Option<(String, String)>,
    /// The request's private field.
    pub private: String,
}

impl Answer {
    /// The characters of the answer (80 with a report, 25 without).
    pub fn encode(&self) -> String {
        let result = match self.result {
            Verdict::Accepted => '0',
            Verdict::Refused => '7',
            Verdict::NotVerified => '9',
        };
        let report = self
            .report
            .as_ref()
            .map_or(String::new(), |(card, auth)| format!("{card:<19.19}{auth:<6.6}{:30}", ""));
        format!("{:02}{result}{:08}1{report}978{:>10}", self.pos % 100, self.cents, self.private)
    }

    /// Reads an answer.
    pub fn decode(s: &str) -> Option<Answer> {
        if !s.is_ascii() || !(s.len() == SHORT_ANSWER_LEN || s.len() == FULL_ANSWER_LEN) {
            return None;
        }
        let result = match &s[2..3] {
            "0" => Verdict::Accepted,
            "7" => Verdict::Refused,
            "9" => Verdict::NotVerified,
            _ => return None,
        };
        let full = s.len() == FULL_ANSWER_LEN;
        let rest = if full { &s[67..] } else { &s[12..] };
        if &rest[0..3] != "978" {
            return None;
        }
        Some(Answer {
            pos: s[0..2].parse().ok()?,
            result,
            cents: s[3..11].parse().ok()?,
            report: full.then(|| (s[12..31].trim().to_owned(), s[31..37].trim().to_owned())),
            private: rest[3..13].trim_start().to_owned(),
        })
    }
}

/// The private field for a till's payment reference: its last ten characters.
pub fn private_of(reference: &str) -> String {
    let chars: Vec<char> = reference.chars().filter(char::is_ascii_graphic).collect();
    chars[chars.len().saturating_sub(10)..].iter().collect()
}

/// How long each step may take.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// For an `ACK` to `ENQ` or to a frame.
    pub handshake: Duration,
    /// For the customer to pay (from the request to the terminal's `ENQ`).
    pub payment: Duration,
    /// After a crash, for the terminal to offer its answer again.
    pub late_answer: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            handshake: Duration::from_secs(2),
            payment: Duration::from_secs(180),
            late_answer: Duration::from_secs(5),
        }
    }
}

/// A Concert terminal on a link.
pub struct Concert {
    link: Box<dyn Link>,
    pos: u8,
    log: PathBuf,
    timeouts: Timeouts,
    cancel: Arc<AtomicBool>,
}

impl Concert {
    /// A terminal on `link` for till number `pos`, logging to `log`.
    pub fn new(link: Box<dyn Link>, pos: u8, log: impl Into<PathBuf>, timeouts: Timeouts) -> Concert {
        Concert { link, pos, log: log.into(), timeouts, cancel: Arc::new(AtomicBool::new(false)) }
    }

    /// The same terminal answering to `cancel` (a flag handed out before the terminal could be
    /// reached, kept when it is opened later).
    pub fn with_canceller(mut self, cancel: Arc<AtomicBool>) -> Concert {
        self.cancel = cancel;
        self
    }

    /// A flag the till sets (from another thread: the cashier's cancel button) to stop waiting for the
    /// customer. The terminal may still have taken the card: the outcome is then resolved as after
    /// a crash.
    pub fn canceller(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    fn link_error(&self, e: LinkError) -> TerminalError {
        match e {
            LinkError::Timeout(_) => {
                err(TerminalErrorKind::Timeout, format!("{} does not answer", self.link.describe()))
            }
            LinkError::Disconnected(m) | LinkError::BadAddress(m) => err(
                TerminalErrorKind::Unreachable,
                format!("{m}: check the terminal's cable or network, or take another tender"),
            ),
        }
    }

    fn write_log(&self, line: &str) -> Result<(), TerminalError> {
        crate::terminal::append_log(&self.log, line)
    }

    fn read_byte(&mut self, timeout: Duration) -> Result<u8, TerminalError> {
        let mut b = [0u8; 1];
        self.link.receive_exact(&mut b, timeout).map_err(|e| self.link_error(e))?;
        Ok(b[0])
    }

    /// Sends the request, with the `ENQ`/`ACK` handshake and retries; `sent` is logged once the
    /// terminal is ready and before the request can reach it.
    fn send_request(&mut self, payload: &[u8], sent: &str) -> Result<(), TerminalError> {
        self.link.discard_input();
        let mut ready = false;
        for _ in 0..3 {
            self.link.send(&[ENQ]).map_err(|e| self.link_error(e))?;
            match self.read_byte(self.timeouts.handshake) {
                Ok(ACK) => {
                    ready = true;
                    break;
                }
                Ok(_) | Err(TerminalError { kind: TerminalErrorKind::Timeout, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if !ready {
            return Err(err(
                TerminalErrorKind::Unreachable,
                format!(
                    "{} does not answer: check it is on and connected, or take another tender",
                    self.link.describe()
                ),
            ));
        }
        self.write_log(sent)?;
        let bytes = frame(payload);
        for _ in 0..3 {
            self.link.send(&bytes).map_err(|e| self.link_error(e))?;
            match self.read_byte(self.timeouts.handshake)? {
                ACK => {
                    self.link.send(&[EOT]).map_err(|e| self.link_error(e))?;
                    return Ok(());
                }
                NAK => {}
                other => {
                    return Err(err(
                        TerminalErrorKind::Protocol,
                        format!("the terminal answered 0x{other:02x} to the request"),
                    ));
                }
            }
        }
        Err(err(TerminalErrorKind::Protocol, "the terminal refused the request three times (line noise?)"))
    }

    /// Waits up to `wait` for the terminal to offer an answer, and takes it.
    fn receive_answer(&mut self, wait: Duration, cancellable: bool) -> Result<Answer, TerminalError> {
        let deadline = Instant::now() + wait;
        loop {
            if cancellable && self.cancel.swap(false, Ordering::SeqCst) {
                return Err(err(TerminalErrorKind::Cancelled, "cancelled at the till"));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(err(TerminalErrorKind::Timeout, "the terminal did not give its answer in time"));
            }
            match self.read_byte(left.min(Duration::from_millis(100))) {
                Ok(ENQ) => {}
                Ok(_) => continue,
                Err(TerminalError { kind: TerminalErrorKind::Timeout, .. }) => continue,
                Err(e) => return Err(e),
            }
            self.link.send(&[ACK]).map_err(|e| self.link_error(e))?;
            for _ in 0..3 {
                let got = self.read_frame()?;
                match unframe(&got) {
                    Ok(payload) => {
                        self.link.send(&[ACK]).map_err(|e| self.link_error(e))?;
                        let _ = self.read_byte(Duration::from_millis(200)); // EOT
                        let text = String::from_utf8_lossy(&payload).into_owned();
                        return Answer::decode(&text).ok_or_else(|| {
                            err(
                                TerminalErrorKind::Protocol,
                                format!("the terminal's answer {text:?} is not Concert"),
                            )
                        });
                    }
                    Err(_) => self.link.send(&[NAK]).map_err(|e| self.link_error(e))?,
                }
            }
            return Err(err(TerminalErrorKind::Protocol, "the terminal's answer was garbled three times"));
        }
    }

    /// Reads `STX … ETX LRC`.
    fn read_frame(&mut self) -> Result<Vec<u8>, TerminalError> {
        let mut out = Vec::new();
        let deadline = Instant::now() + self.timeouts.handshake;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(err(
                    TerminalErrorKind::Protocol,
                    format!("the terminal's answer stopped after {} bytes", out.len()),
                ));
            }
            let b = match self.read_byte(left) {
                Ok(b) => b,
                Err(TerminalError { kind: TerminalErrorKind::Timeout, .. }) => continue,
                Err(e) => return Err(e),
            };
            if out.is_empty() && b != STX {
                continue;
            }
            out.push(b);
            if out.len() >= 2 && out[out.len() - 2] == ETX {
                return Ok(out);
            }
            if out.len() > FULL_ANSWER_LEN + 8 {
                return Ok(out); // refused by unframe: asked again
            }
        }
    }

    fn outcome(&self, answer: &Answer, cents: u64) -> Result<PaymentOutcome, TerminalError> {
        if answer.cents != cents && answer.result == Verdict::Accepted {
            return Err(err(
                TerminalErrorKind::Protocol,
                format!(
                    "the terminal accepted {} cents where {cents} were asked: check the terminal's journal",
                    answer.cents
                ),
            ));
        }
        Ok(match answer.result {
            Verdict::Accepted => {
                let (card, authorisation) = answer.report.clone().unwrap_or_default();
                PaymentOutcome::Approved {
                    authorisation: if authorisation.is_empty() { "-".into() } else { authorisation },
                    card: crate::terminal::masked(&card),
                }
            }
            Verdict::Refused => PaymentOutcome::Declined { reason: "refused by the card's bank".into() },
            Verdict::NotVerified => PaymentOutcome::Declined {
                reason: "not made: cancelled on the terminal or the card taken out".into(),
            },
        })
    }

    /// Whether the payment `reference` was ever sent to a terminal logging into `log` (a till that
    /// could not reach its terminal knows, without it, that nobody was charged).
    pub fn was_sent(log: &std::path::Path, reference: &str) -> Result<bool, TerminalError> {
        Ok(crate::terminal::read_log(log, &private_of(reference))?.0.is_some())
    }

    /// What the log says of `private`: the cents asked if the request went out, and the answer if
    /// one came. A log that exists but cannot be read is an unknown outcome, never "not sent".
    fn logged(&self, private: &str) -> Result<(Option<u64>, Option<Answer>), TerminalError> {
        let (sent, answers) = crate::terminal::read_log(&self.log, private)?;
        let answer = answers.iter().rev().filter_map(|a| Answer::decode(a)).find(|a| a.private == private);
        Ok((sent, answer))
    }
}

impl PaymentTerminal for Concert {
    fn canceller(&self) -> Option<Arc<AtomicBool>> {
        Some(Concert::canceller(self))
    }

    fn pay(&mut self, request: &PaymentRequest) -> Result<PaymentOutcome, TerminalError> {
        self.cancel.store(false, Ordering::SeqCst);
        let private = private_of(&request.reference);
        let req = Request {
            pos: self.pos,
            cents: request.cents.unsigned_abs(),
            operation: if request.cents < 0 { Operation::Refund } else { Operation::Payment },
            private: private.clone(),
        };
        self.send_request(req.encode().as_bytes(), &format!("sent {private} {}", req.cents))?;
        let answer = self.receive_answer(self.timeouts.payment, true)?;
        self.write_log(&format!("answer {}", answer.encode()))?;
        if answer.private != private {
            return Err(err(
                TerminalErrorKind::Protocol,
                format!("the terminal answered for another payment ({})", answer.private),
            ));
        }
        self.outcome(&answer, req.cents)
    }

    fn status(&mut self, reference: &str) -> Result<Option<PaymentOutcome>, TerminalError> {
        let private = private_of(reference);
        let (sent, answer) = self.logged(&private)?;
        let Some(asked) = sent else {
            return Ok(None);
        };
        if let Some(a) = answer {
            return self.outcome(&a, asked).map(Some);
        }
        match self.receive_answer(self.timeouts.late_answer, false) {
            Ok(a) => {
                // Every answer taken is logged first: the terminal forgets it once acknowledged.
                self.write_log(&format!("answer {}", a.encode()))?;
                if a.private == private {
                    self.outcome(&a, asked).map(Some)
                } else {
                    Err(err(
                        TerminalErrorKind::Protocol,
                        format!("the terminal offered the answer of another payment ({})", a.private),
                    ))
                }
            }
            Err(e) => Err(err(
                e.kind,
                format!(
                    "the outcome of {reference} is unknown ({}): check the terminal's journal",
                    e.message
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_an_lrc_over_payload_and_etx() {
        let f = frame(b"0100001250110978 P000000042A010B010");
        assert_eq!(f[0], STX);
        assert_eq!(unframe(&f).unwrap(), b"0100001250110978 P000000042A010B010");
        let mut bad = f.clone();
        bad[5] ^= 1;
        assert_eq!(unframe(&bad), Err(FrameError::BadLrc));
        assert_eq!(unframe(&f[..f.len() - 2]), Err(FrameError::Malformed));
        // By hand: XOR of "A" (0x41), ETX (0x03) = 0x42.
        assert_eq!(frame(b"A"), vec![STX, b'A', ETX, 0x42]);
    }

    #[test]
    fn requests_and_answers_have_their_fixed_lengths_and_read_back() {
        let r = Request { pos: 1, cents: 1250, operation: Operation::Refund, private: "01-P000042".into() };
        let s = r.encode();
        assert_eq!(s.len(), REQUEST_LEN);
        assert_eq!(s, "010000125011197801-P000042A010B010");
        assert_eq!(Request::decode(&s), Some(r));
        let full = Answer {
            pos: 1,
            result: Verdict::Accepted,
            cents: 1250,
            report: Some(("XXXXXXXXXXXX4242".into(), "A1B2C3".into())),
            private: "01-P000042".into(),
        };
        assert_eq!(full.encode().len(), FULL_ANSWER_LEN);
        assert_eq!(Answer::decode(&full.encode()), Some(full));
        let short =
            Answer { pos: 1, result: Verdict::Refused, cents: 1250, report: None, private: "P42".into() };
        assert_eq!(short.encode().len(), SHORT_ANSWER_LEN);
        assert_eq!(Answer::decode(&short.encode()), Some(short));
        assert_eq!(private_of("LYO-01-P000042"), "01-P000042");
    }
}
