//! Payment terminals.
//!
//! The till gives each payment a unique reference and journals its intent before asking the terminal;
//! after a crash it asks the terminal what became of that reference ([`PaymentTerminal::status`]), so a
//! customer is never charged twice.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A payment (positive cents) or a refund (negative cents) to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Unique reference chosen by the till.
    pub reference: String,
    /// Amount in cents; negative for a refund.
    pub cents: i64,
}

/// What the terminal answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Accepted.
    Approved {
        /// Authorisation code.
        authorisation: String,
        /// The card number as printed on the ticket (`**** 1234`).
        card: String,
    },
    /// Refused by the card's bank or the terminal.
    Declined {
        /// Why, for the window to word in its language.
        kind: DeclineKind,
        /// Why, as the terminal said it (the journal keeps these words).
        reason: String,
    },
}

/// Why a terminal declined a payment: the protocols' codes, for the window to word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DeclineKind {
    /// The card's bank refused it.
    Bank,
    /// This card is not accepted here.
    NotAccepted,
    /// The terminal waited too long for the card.
    CardTimeout,
    /// Abandoned on the terminal (the customer or the cashier pressed cancel there).
    Abandoned,
    /// The terminal found the request incomplete.
    Incomplete,
    /// Not made: cancelled on the terminal or the card taken out, without a finer code.
    NotMade,
    /// The terminal's own words, with no code (see `reason`).
    Other,
}

/// What a caller can do about a terminal error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminalErrorKind {
    /// The terminal cannot be reached: check its cable or network, or take another tender.
    Unreachable,
    /// No answer in time: the outcome is unknown until asked again.
    Timeout,
    /// The cashier or the customer cancelled.
    Cancelled,
    /// Busy with another transaction.
    Busy,
    /// The terminal answered something that makes no sense.
    Protocol,
}

/// A terminal error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("card terminal: {message}")]
pub struct TerminalError {
    /// What kind.
    pub kind: TerminalErrorKind,
    /// For people.
    pub message: String,
}

impl TerminalError {
    /// What a caller can act on.
    pub fn kind(&self) -> TerminalErrorKind {
        self.kind
    }
}

/// A terminal error of `kind` saying `message`.
pub(crate) fn err(kind: TerminalErrorKind, message: impl Into<String>) -> TerminalError {
    TerminalError { kind, message: message.into() }
}

/// Appends `line` to a terminal driver's transaction log and syncs it: what the driver knows must
/// outlive a crash of the till.
pub(crate) fn append_log(log: &std::path::Path, line: &str) -> Result<(), TerminalError> {
    let fail = |e: std::io::Error| TerminalError {
        kind: TerminalErrorKind::Protocol,
        message: format!("cannot write {}: {e}", log.display()),
    };
    if let Some(dir) = log.parent() {
        fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut f = OpenOptions::new().create(true).append(true).open(log).map_err(fail)?;
    f.write_all(format!("{line}\n").as_bytes()).map_err(fail)?;
    f.sync_data().map_err(fail)
}

/// One line of a terminal driver's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LogLine {
    /// `sent <key> <cents>`: a request left for the terminal.
    Sent {
        /// The payment's key in the protocol.
        key: String,
        /// The amount asked.
        cents: u64,
    },
    /// `answer …`: an answer as it was taken.
    Answer(String),
}

/// A terminal driver's log, read back in order. A log that exists but cannot be read is an error
/// (an unknown outcome), never an empty log: that would say "never sent".
pub(crate) fn log_lines(log: &std::path::Path) -> Result<Vec<LogLine>, TerminalError> {
    let text = match fs::read_to_string(log) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(TerminalError {
                kind: TerminalErrorKind::Timeout,
                message: format!(
                    "cannot read {} ({e}): whether the terminal was asked is unknown",
                    log.display()
                ),
            });
        }
    };
    Ok(text
        .lines()
        .filter_map(|line| {
            if let Some(rest) = line.strip_prefix("sent ") {
                let (key, cents) = rest.split_once(' ').unwrap_or((rest, ""));
                Some(LogLine::Sent { key: key.to_owned(), cents: cents.parse().unwrap_or(0) })
            } else {
                line.strip_prefix("answer ").map(|rest| LogLine::Answer(rest.to_owned()))
            }
        })
        .collect())
}

/// The log read for `key`: the cents asked if its request went out, and every answer logged
/// after that request.
pub(crate) fn read_log(
    log: &std::path::Path,
    key: &str,
) -> Result<(Option<u64>, Vec<String>), TerminalError> {
    let lines = log_lines(log)?;
    let Some(at) = lines.iter().rposition(|l| matches!(l, LogLine::Sent { key: k, .. } if k == key)) else {
        return Ok((None, Vec::new()));
    };
    let LogLine::Sent { cents, .. } = &lines[at] else { return Ok((None, Vec::new())) };
    let answers = lines[at + 1..]
        .iter()
        .filter_map(|l| match l {
            LogLine::Answer(a) => Some(a.clone()),
            LogLine::Sent { .. } => None,
        })
        .collect();
    Ok((Some(*cents), answers))
}

/// A card number as the ticket prints it: `**** 1234` (`**** ****` when the terminal gave none).
pub(crate) fn masked(card: &str) -> String {
    let digits: Vec<char> = card.chars().filter(char::is_ascii_digit).collect();
    let last4: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("**** {}", if last4.len() == 4 { last4.as_str() } else { "****" })
}

/// A card payment terminal. `Send`: the till may run on a thread of its own.
pub trait PaymentTerminal: Send {
    /// Runs a payment or a refund.
    fn pay(&mut self, request: &PaymentRequest) -> Result<PaymentOutcome, TerminalError>;
    /// What became of the transaction `reference`: `None` if the terminal never ran it.
    fn status(&mut self, reference: &str) -> Result<Option<PaymentOutcome>, TerminalError>;
    /// A flag another thread sets (the cashier's cancel button) to make a running [`Self::pay`]
    /// stop waiting and return [`TerminalErrorKind::Cancelled`]; `None` if the terminal cannot be
    /// interrupted from the till. What the terminal did is then asked with [`Self::status`].
    fn canceller(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicBool>> {
        None
    }
}

/// What the simulated terminal does with the next payments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimBehaviour {
    /// Approve.
    Accept,
    /// Decline with this reason.
    Decline(String),
    /// Answer nothing (a timeout); the transaction is not run.
    Timeout,
    /// Unreachable.
    Unplugged,
}

#[derive(Debug)]
struct SimState {
    behaviour: SimBehaviour,
    log: PathBuf,
}

/// A simulated terminal that keeps its transaction log in a file (fsynced per transaction), as a real
/// terminal keeps its own journal: a till restarted after a crash finds out what the terminal did.
#[derive(Clone, Debug)]
pub struct SimTerminal {
    state: Arc<Mutex<SimState>>,
}

impl SimTerminal {
    /// A terminal whose log is `log` (created when first used).
    pub fn new(log: impl Into<PathBuf>) -> Self {
        SimTerminal {
            state: Arc::new(Mutex::new(SimState { behaviour: SimBehaviour::Accept, log: log.into() })),
        }
    }

    /// Sets what the next payments do. Clones of this terminal share it.
    pub fn set_behaviour(&self, behaviour: SimBehaviour) {
        self.lock().behaviour = behaviour;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read_log(log: &PathBuf) -> Result<Vec<(String, PaymentOutcome)>, TerminalError> {
        let text = match fs::read_to_string(log) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(unreachable(format!("cannot read its log {}: {e}", log.display()))),
        };
        let mut out = Vec::new();
        // A torn last line (the terminal lost power while writing) is ignored: it was not answered.
        for line in text.lines().filter(|l| l.ends_with(";end")) {
            let f: Vec<&str> = line.split(';').collect();
            let outcome = match f.as_slice() {
                [r, "approved", auth, card, "end"] => (
                    r.to_string(),
                    PaymentOutcome::Approved { authorisation: auth.to_string(), card: card.to_string() },
                ),
                [r, "declined", reason, "end"] => (
                    r.to_string(),
                    PaymentOutcome::Declined { kind: DeclineKind::Other, reason: reason.to_string() },
                ),
                _ => continue,
            };
            out.push(outcome);
        }
        Ok(out)
    }
}

fn unreachable(message: String) -> TerminalError {
    TerminalError { kind: TerminalErrorKind::Unreachable, message }
}

impl PaymentTerminal for SimTerminal {
    fn pay(&mut self, request: &PaymentRequest) -> Result<PaymentOutcome, TerminalError> {
        let state = self.lock();
        let previous = Self::read_log(&state.log)?;
        if let Some((_, o)) = previous.iter().find(|(r, _)| *r == request.reference) {
            // The same reference twice is the same transaction: answer it again, charge nothing more.
            return Ok(o.clone());
        }
        let outcome = match &state.behaviour {
            SimBehaviour::Accept => PaymentOutcome::Approved {
                authorisation: format!("A{:05}", previous.len() + 1),
                card: "**** 4242".into(),
            },
            SimBehaviour::Decline(reason) => {
                PaymentOutcome::Declined { kind: DeclineKind::Other, reason: reason.clone() }
            }
            SimBehaviour::Timeout => {
                return Err(TerminalError {
                    kind: TerminalErrorKind::Timeout,
                    message: "no answer in time".into(),
                });
            }
            SimBehaviour::Unplugged => return Err(unreachable("not connected".into())),
        };
        let line = match &outcome {
            PaymentOutcome::Approved { authorisation, card } => {
                format!("{};approved;{authorisation};{card};end\n", request.reference)
            }
            PaymentOutcome::Declined { reason, .. } => {
                format!("{};declined;{};end\n", request.reference, reason.replace(';', ","))
            }
        };
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&state.log)
            .map_err(|e| unreachable(format!("cannot write its log: {e}")))?;
        f.write_all(line.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| unreachable(format!("cannot write its log: {e}")))?;
        Ok(outcome)
    }

    fn status(&mut self, reference: &str) -> Result<Option<PaymentOutcome>, TerminalError> {
        let state = self.lock();
        if state.behaviour == SimBehaviour::Unplugged {
            return Err(unreachable("not connected".into()));
        }
        Ok(Self::read_log(&state.log)?.into_iter().find(|(r, _)| r == reference).map(|(_, o)| o))
    }
}
