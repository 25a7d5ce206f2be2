//! Concert: the French protocol between a till and a card terminal, over serial or TCP.
//!
//! ## Exchange
//! 1. The till sends `ENQ`; the terminal answers `ACK` (up to three tries), or `NAK` when it is
//!    busy with another transaction.
//! 2. The till sends `STX` + 34 characters + `ETX` + LRC (the XOR of every byte after `STX`,
//!    `ETX` included); the terminal answers `ACK`, or `NAK` when the LRC is wrong (the frame is sent
//!    again, up to three times). The till ends with `EOT`.
//! 3. The customer pays on the terminal. The terminal sends `ENQ`, the till `ACK`; the terminal sends
//!    its answer frame, the till checks its LRC and answers `ACK` (or `NAK`: the terminal sends it
//!    again); the terminal ends with `EOT`. A terminal that does not send its frame after the
//!    till's `ACK` offers it again later: the till goes back to waiting for its `ENQ`.
//!
//! Request (34 characters): till number (2), amount in cents (8, so at most 999,999.99 €), answer
//! flag (1: `1` the full answer with its report, `0` the short one), mode (1: `1` card), type (1: `0`
//! payment, `1` refund), currency (3: `978`, euro), private field (10), delay (4: `A010`, answer at
//! the end of the transaction), authorisation (4: `B010`, the terminal decides whether to call the
//! bank).
//!
//! Answer: till number (2), result (1: `0` accepted, `7` refused, `9` not verified: cancelled on the
//! terminal or the card taken out), amount (8), mode (1), report (55, full answer only), currency
//! (3), private field (10). This implementation reads the report as the masked card number (19) and
//! the authorisation number (6) followed by terminal-specific data; a terminal set up otherwise
//! prints its own slip and the till's ticket shows the card as `****`.
//!
//! ## Which payment an answer is for
//! Terminals differ over the private field: most echo the request's, some leave it blank, and some
//! write their own transaction number into it. An answer is therefore taken as this payment's by
//! what identifies the payment: the till number, the mode and the currency (the amount is checked
//! against what was asked once the answer is taken: an approval for another amount is never
//! booked). The private field decides only when it echoes the key of *another* payment this driver
//! sent (an answer offered late, after a crash): that answer is logged for that payment, and the
//! driver keeps waiting for its own.
//!
//! ## A payment in flight at a crash
//! The private field carries the last ten characters of the till's payment reference. Before the
//! request frame goes out the driver writes `sent <private> <cents>` to its log (`concert.log` beside
//! the till's database, fsynced), and each answer as soon as it has it. After a crash,
//! [`Concert::status`] reads the log: an answer logged after the payment's `sent` line (its own
//! echo, or the first that follows it and is not another payment's) is the outcome; no `sent` line
//! means the terminal never had the request; otherwise it listens a few seconds for the terminal
//! offering its answer again (a terminal whose `ENQ` went unanswered keeps offering it), and
//! failing that says it cannot know, so that a manager checks the terminal's own journal. A
//! payment is never sent twice.

mod message;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub use message::{
    Answer, AnswerForm, FULL_ANSWER_LEN, FrameError, MAX_CENTS, MODE_CARD, Operation, REQUEST_LEN, Request,
    SHORT_ANSWER_LEN, Verdict, frame, lrc, private_of, unframe,
};

use crate::link::{Link, LinkError};
use crate::terminal::{
    LogLine, PaymentOutcome, PaymentRequest, PaymentTerminal, TerminalError, TerminalErrorKind, err,
};

pub use crate::ascii::{ACK, ENQ, EOT, ETX, NAK, STX};

/// How long each step may take.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// For an `ACK` to `ENQ` or to a frame.
    pub handshake: Duration,
    /// For the answer frame once the till acknowledged the terminal's `ENQ`.
    pub frame: Duration,
    /// For the customer to pay (from the request to the terminal's `ENQ`).
    pub payment: Duration,
    /// After a crash, for the terminal to offer its answer again.
    pub late_answer: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            handshake: Duration::from_secs(2),
            frame: Duration::from_secs(3),
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

/// An answer taken from the terminal, for this payment or for another the log knows.
enum Taken {
    Ours(Answer),
    Another,
}

impl Concert {
    /// A terminal on `link` for till number `pos` (0–99), logging to `log`.
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

    /// The link, to read its line errors.
    pub fn link(&self) -> &dyn Link {
        &*self.link
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
        let (mut tries, mut offers, mut garbled) = (0, 0, 0);
        while tries < 3 {
            tries += 1;
            self.link.send(&[ENQ]).map_err(|e| self.link_error(e))?;
            match self.read_byte(self.timeouts.handshake) {
                Ok(ACK) => {
                    ready = true;
                    break;
                }
                // The terminal has an answer to give (a payment left in flight): it is taken and
                // logged first (the terminal forgets it once acknowledged), then the request goes.
                Ok(ENQ) if offers < 3 => {
                    offers += 1;
                    tries -= 1;
                    if let Some(answer) = self.after_enq(&mut garbled)? {
                        self.write_log(&format!("answer {}", answer.encode()))?;
                    }
                }
                Ok(NAK) => {
                    return Err(err(
                        TerminalErrorKind::Busy,
                        "the terminal is busy with another transaction: finish it on the terminal, then try again",
                    ));
                }
                Ok(_) | Err(TerminalError { kind: TerminalErrorKind::Timeout, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if !ready {
            let noise = self.link.line_errors();
            return Err(err(
                TerminalErrorKind::Unreachable,
                if noise > 0 {
                    format!(
                        "{} answers with {noise} character(s) of the wrong parity: set the terminal and the till to the same line (9600 7E1 is usual), or take another tender",
                        self.link.describe()
                    )
                } else {
                    format!(
                        "{} does not answer: check it is on and connected, or take another tender",
                        self.link.describe()
                    )
                },
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
        let mut garbled = 0;
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
            if let Some(answer) = self.after_enq(&mut garbled)? {
                return Ok(answer);
            }
            if garbled >= 3 {
                return Err(err(
                    TerminalErrorKind::Protocol,
                    "the terminal's answer was garbled three times",
                ));
            }
        }
    }

    /// The terminal sent `ENQ`: acknowledges it and takes its frame, asking again (NAK) for a
    /// garbled one, up to three times. `None` when the terminal sent no frame (it offers it again
    /// later).
    fn after_enq(&mut self, garbled: &mut u32) -> Result<Option<Answer>, TerminalError> {
        self.link.send(&[ACK]).map_err(|e| self.link_error(e))?;
        for _ in 0..3 {
            let Some(got) = self.read_frame()? else { return Ok(None) };
            match unframe(&got) {
                Ok(payload) => {
                    self.link.send(&[ACK]).map_err(|e| self.link_error(e))?;
                    // The terminal ends the exchange with EOT. A terminal that leaves it out (or is
                    // cut after ACKing) has still answered, and the answer stands: said, not dropped.
                    match self.read_byte(Duration::from_millis(200)) {
                        Ok(EOT) => {}
                        Ok(b) => tracing::debug!("concert: {b:#04x} after the answer where EOT belongs"),
                        Err(e) => tracing::debug!("concert: no EOT after the answer ({e})"),
                    }
                    let text = String::from_utf8_lossy(&payload).into_owned();
                    return Answer::decode(&text).map(Some).ok_or_else(|| {
                        err(
                            TerminalErrorKind::Protocol,
                            format!("the terminal's answer {text:?} is not Concert"),
                        )
                    });
                }
                Err(_) => {
                    *garbled += 1;
                    self.link.send(&[NAK]).map_err(|e| self.link_error(e))?;
                }
            }
        }
        Ok(None)
    }

    /// Reads `STX … ETX LRC`; `None` when no frame began in time.
    fn read_frame(&mut self) -> Result<Option<Vec<u8>>, TerminalError> {
        let mut out = Vec::new();
        let deadline = Instant::now() + self.timeouts.frame;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                // Half a frame is a frame to ask again (NAK); none is an answer offered later.
                return Ok((!out.is_empty()).then_some(out));
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
                return Ok(Some(out));
            }
            if out.len() > FULL_ANSWER_LEN + 8 {
                return Ok(Some(out)); // refused by unframe: asked again
            }
        }
    }

    /// Takes answers until one is this payment's (`private`, `cents`); answers echoing another
    /// payment's key are logged for it and passed over.
    fn take_answer(
        &mut self,
        private: &str,
        wait: Duration,
        cancellable: bool,
    ) -> Result<Answer, TerminalError> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let answer = self.receive_answer(left, cancellable)?;
            // Every answer taken is logged first: the terminal forgets it once acknowledged.
            self.write_log(&format!("answer {}", answer.encode()))?;
            match self.which(&answer, private)? {
                Taken::Ours(a) => return Ok(a),
                Taken::Another => {}
            }
        }
    }

    /// Whose answer `answer` is.
    fn which(&self, answer: &Answer, private: &str) -> Result<Taken, TerminalError> {
        if !answer.private.is_empty()
            && answer.private != private
            && self.logged_keys()?.contains(&answer.private)
        {
            return Ok(Taken::Another);
        }
        if answer.pos != self.pos {
            return Err(err(
                TerminalErrorKind::Protocol,
                format!(
                    "the terminal answered for till {} where this till is {}: set the till number on the terminal; the outcome is unknown, check the terminal's journal",
                    answer.pos, self.pos
                ),
            ));
        }
        if answer.mode != MODE_CARD {
            return Err(err(
                TerminalErrorKind::Protocol,
                format!(
                    "the terminal answered for payment mode {:?}, not a card: the outcome is unknown, check the terminal's journal",
                    char::from(answer.mode)
                ),
            ));
        }
        Ok(Taken::Ours(answer.clone()))
    }

    fn logged_keys(&self) -> Result<Vec<String>, TerminalError> {
        Ok(crate::terminal::log_lines(&self.log)?
            .into_iter()
            .filter_map(|l| match l {
                LogLine::Sent { key, .. } => Some(key),
                LogLine::Answer(_) => None,
            })
            .collect())
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
            Verdict::Refused => PaymentOutcome::Declined {
                kind: crate::terminal::DeclineKind::Bank,
                reason: "refused by the card's bank".into(),
            },
            Verdict::NotVerified => PaymentOutcome::Declined {
                kind: crate::terminal::DeclineKind::NotMade,
                reason: "not made: cancelled on the terminal or the card taken out".into(),
            },
        })
    }

    /// Whether the payment `reference` was ever sent to a terminal logging into `log` (a till that
    /// could not reach its terminal knows, without it, that nobody was charged).
    pub fn was_sent(log: &std::path::Path, reference: &str) -> Result<bool, TerminalError> {
        Ok(crate::terminal::read_log(log, &private_of(reference))?.0.is_some())
    }

    /// What the log says of `private`: the cents asked if the request went out, and its answer if
    /// one came: the one echoing `private`, else the first after its `sent` line (before the next
    /// request) that is not another payment's. A log that exists but cannot be read is an unknown
    /// outcome, never "not sent".
    fn logged(&self, private: &str) -> Result<(Option<u64>, Option<Answer>), TerminalError> {
        let lines = crate::terminal::log_lines(&self.log)?;
        let Some(at) = lines.iter().rposition(|l| matches!(l, LogLine::Sent { key, .. } if key == private))
        else {
            return Ok((None, None));
        };
        let LogLine::Sent { cents, .. } = &lines[at] else { return Ok((None, None)) };
        let keys: Vec<&str> = lines
            .iter()
            .filter_map(|l| match l {
                LogLine::Sent { key, .. } => Some(key.as_str()),
                LogLine::Answer(_) => None,
            })
            .collect();
        let after: Vec<(usize, Answer)> = lines[at + 1..]
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match l {
                LogLine::Answer(a) => Answer::decode(a).map(|a| (i, a)),
                LogLine::Sent { .. } => None,
            })
            .collect();
        let next_request = lines[at + 1..].iter().position(|l| matches!(l, LogLine::Sent { .. }));
        let echoed = after.iter().find(|(_, a)| a.private == private);
        let following = || {
            after.iter().find(|(i, a)| {
                next_request.is_none_or(|n| *i < n)
                    && (a.private.is_empty() || !keys.contains(&a.private.as_str()))
                    && a.pos == self.pos
            })
        };
        Ok((Some(*cents), echoed.or_else(following).map(|(_, a)| a.clone())))
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
            answer: AnswerForm::Full,
            mode: MODE_CARD,
            operation: if request.cents < 0 { Operation::Refund } else { Operation::Payment },
            private: private.clone(),
        };
        let Some(payload) = req.encode() else {
            return Err(err(
                TerminalErrorKind::Protocol,
                if req.cents > MAX_CENTS {
                    format!(
                        "{} cents is more than a Concert terminal takes (at most 999,999.99 €): split the payment",
                        req.cents
                    )
                } else {
                    format!("till number {} does not fit a Concert request (0 to 99)", self.pos)
                },
            ));
        };
        self.send_request(payload.as_bytes(), &format!("sent {private} {}", req.cents))?;
        let answer = self.take_answer(&private, self.timeouts.payment, true)?;
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
        // Whatever half-read bytes the line holds are stale: listen for a fresh offer.
        self.link.discard_input();
        match self.take_answer(&private, self.timeouts.late_answer, false) {
            Ok(a) => self.outcome(&a, asked).map(Some),
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
