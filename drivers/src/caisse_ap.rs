//! Caisse-AP over IP: the French vendor-independent till-to-terminal protocol (version 3), over a
//! raw TCP connection, one connection per transaction.
//!
//! A message is a run of fields, each `TAG` (2 characters) + `LEN` (3 digits) + `VALUE` (1–999
//! ASCII characters), `CZ` (protocol version) first. The till sends `CZ` `0300`, `CJ` (the Concert
//! protocol identifier, 12 digits), `CA` (till number, 2 digits), `CB` (amount in cents, 2–12
//! digits), `CD` (`0` payment, `1` refund), `CE` (currency, `978`) and `BA` `0` (answer at the end
//! of the transaction). The terminal answers with the same fields and `AE`: `10` done, `01` not done
//! (then `AF` says why: `04` refused, `05` forbidden, `08` timed out, `11` abandoned, `09` a field
//! missing); when done, `AC` (authorisation number), `AA` (card number, masked), `CC` (payment
//! mode) and more this driver does not need.
//!
//! There is no length for the whole message: a message is complete when its fields end on a
//! boundary, it carries what it must, and nothing more comes for a moment.
//!
//! After a crash the connection is gone, and with it the answer. The driver logs (fsynced) `sent
//! <reference> <cents>` before the request leaves and the answer when it comes; [`PaymentTerminal::status`]
//! reads that log and otherwise says the outcome is unknown, for a manager to check the terminal.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::link::Link;
use crate::link::{LinkError, TcpLink};
use crate::terminal::{
    PaymentOutcome, PaymentRequest, PaymentTerminal, TerminalError, TerminalErrorKind, err,
};

/// Encodes fields, `CZ` first when present.
pub fn encode(fields: &[(&str, String)]) -> String {
    let mut out = String::new();
    let ordered = fields.iter().filter(|f| f.0 == "CZ").chain(fields.iter().filter(|f| f.0 != "CZ"));
    for (tag, value) in ordered {
        out.push_str(tag);
        out.push_str(&format!("{:03}", value.len()));
        out.push_str(value);
    }
    out
}

/// Parses a whole message; `None` if the bytes do not end on a field boundary or are not fields.
pub fn decode(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(bytes).ok()?;
    if !text.is_ascii() {
        return None;
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let tag = text.get(at..at + 2)?;
        let len: usize = text.get(at + 2..at + 5)?.parse().ok()?;
        if !tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) || len == 0 {
            return None;
        }
        let value = text.get(at + 5..at + 5 + len)?;
        out.push((tag.to_owned(), value.to_owned()));
        at += 5 + len;
    }
    Some(out)
}

/// The value of `tag`.
pub fn field<'a>(fields: &'a [(String, String)], tag: &str) -> Option<&'a str> {
    fields.iter().find(|f| f.0 == tag).map(|f| f.1.as_str())
}

/// Reads one message from `link`: until the fields are whole, hold `required`, and `quiet` passes
/// with nothing more (or the peer closes). Gives up at `deadline`, or when `cancel` is set.
pub fn read_message(
    link: &mut dyn Link,
    required: &[&str],
    deadline: Instant,
    quiet: Duration,
    cancel: Option<&AtomicBool>,
) -> Result<Vec<(String, String)>, LinkError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
            return Err(LinkError::Disconnected("cancelled".into()));
        }
        let whole = decode(&buf).filter(|f| required.iter().all(|t| field(f, t).is_some()));
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return whole.ok_or(LinkError::Timeout(Duration::ZERO));
        }
        let wait = if whole.is_some() { quiet } else { left.min(Duration::from_millis(100)) };
        match link.receive(&mut chunk, wait) {
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(LinkError::Timeout(_)) => {
                if let Some(f) = whole {
                    return Ok(f);
                }
            }
            Err(e) => return whole.ok_or(e),
        }
    }
}

/// A Caisse-AP terminal at a TCP address.
pub struct CaisseAp {
    address: String,
    pos: u8,
    log: PathBuf,
    payment_timeout: Duration,
    cancel: Arc<AtomicBool>,
}

impl CaisseAp {
    /// A terminal at `address` (`host:port`) for till number `pos`, logging to `log`.
    pub fn new(address: &str, pos: u8, log: impl Into<PathBuf>, payment_timeout: Duration) -> CaisseAp {
        CaisseAp {
            address: address.to_owned(),
            pos,
            log: log.into(),
            payment_timeout,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A flag the till sets to stop waiting; the outcome is then unknown until a manager checks.
    pub fn canceller(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    fn write_log(&self, line: &str) -> Result<(), TerminalError> {
        crate::terminal::append_log(&self.log, line)
    }

    fn outcome(fields: &[(String, String)]) -> Result<PaymentOutcome, TerminalError> {
        match (field(fields, "AE"), field(fields, "AF")) {
            (Some("10"), _) => Ok(PaymentOutcome::Approved {
                authorisation: field(fields, "AC").unwrap_or("-").to_owned(),
                card: crate::terminal::masked(field(fields, "AA").unwrap_or("")),
            }),
            (Some("01"), why) => {
                use crate::terminal::DeclineKind as K;
                let (kind, reason) = match why {
                    Some("04") => (K::Bank, "refused by the card's bank"),
                    Some("05") => (K::NotAccepted, "card not accepted here"),
                    Some("08") => (K::CardTimeout, "the terminal timed out waiting for the card"),
                    Some("11") => (K::Abandoned, "abandoned on the terminal"),
                    Some("09") => (K::Incomplete, "the terminal says the request was incomplete"),
                    _ => (K::NotMade, "not made"),
                };
                Ok(PaymentOutcome::Declined { kind, reason: reason.into() })
            }
            (other, _) => Err(err(
                TerminalErrorKind::Protocol,
                format!("the terminal answered AE={other:?}, which is not Caisse-AP"),
            )),
        }
    }
}

impl PaymentTerminal for CaisseAp {
    fn canceller(&self) -> Option<Arc<AtomicBool>> {
        Some(CaisseAp::canceller(self))
    }

    fn pay(&mut self, request: &PaymentRequest) -> Result<PaymentOutcome, TerminalError> {
        self.cancel.store(false, Ordering::SeqCst);
        let mut link = TcpLink::connect(&self.address, Duration::from_secs(3)).map_err(|e| {
            err(
                TerminalErrorKind::Unreachable,
                format!("{e}: check the terminal's network, or take another tender"),
            )
        })?;
        let cents = request.cents.unsigned_abs();
        let message = encode(&[
            ("CZ", "0300".into()),
            ("CJ", "012345678901".into()),
            ("CA", format!("{:02}", self.pos % 100)),
            ("CB", format!("{cents:02}")),
            ("CD", if request.cents < 0 { "1".into() } else { "0".into() }),
            ("CE", "978".into()),
            ("BA", "0".into()),
        ]);
        self.write_log(&format!("sent {} {cents}", request.reference))?;
        link.send(message.as_bytes()).map_err(|e| err(TerminalErrorKind::Unreachable, e.to_string()))?;
        let deadline = Instant::now() + self.payment_timeout;
        let answer =
            read_message(&mut link, &["AE"], deadline, Duration::from_millis(50), Some(&self.cancel))
                .map_err(|e| {
                    if self.cancel.swap(false, Ordering::SeqCst) {
                        return err(
                            TerminalErrorKind::Cancelled,
                            "cancelled at the till: a manager checks the terminal for the outcome",
                        );
                    }
                    match e {
                        LinkError::Timeout(_) => {
                            err(TerminalErrorKind::Timeout, "the terminal did not give its answer in time")
                        }
                        other => err(
                            TerminalErrorKind::Protocol,
                            format!("the terminal's answer was lost ({other})"),
                        ),
                    }
                })?;
        self.write_log(&format!(
            "answer {} {}",
            request.reference,
            encode(&answer.iter().map(|(t, v)| (t.as_str(), v.clone())).collect::<Vec<_>>())
        ))?;
        if field(&answer, "AE") == Some("10")
            && field(&answer, "CB").is_some_and(|cb| cb.parse::<u64>().ok() != Some(cents))
        {
            return Err(err(
                TerminalErrorKind::Protocol,
                "the terminal accepted another amount: check the terminal's journal",
            ));
        }
        Self::outcome(&answer)
    }

    fn status(&mut self, reference: &str) -> Result<Option<PaymentOutcome>, TerminalError> {
        let (sent, answers) = crate::terminal::read_log(&self.log, reference)?;
        let answer = answers
            .iter()
            .rev()
            .filter_map(|a| a.split_once(' '))
            .filter(|(r, _)| *r == reference)
            .find_map(|(_, message)| decode(message.as_bytes()));
        match (sent, answer) {
            (Some(asked), Some(fields)) => {
                if field(&fields, "AE") == Some("10")
                    && field(&fields, "CB").is_some_and(|cb| cb.parse::<u64>().ok() != Some(asked))
                {
                    return Err(err(
                        TerminalErrorKind::Protocol,
                        "the terminal accepted another amount: check the terminal's journal",
                    ));
                }
                Self::outcome(&fields).map(Some)
            }
            (None, _) => Ok(None),
            (Some(_), None) => Err(err(
                TerminalErrorKind::Timeout,
                format!(
                    "the outcome of {reference} is unknown (the connection to the terminal was lost): check the terminal's journal"
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_tag_length_value_with_the_version_first() {
        let m = encode(&[("CA", "01".into()), ("CZ", "0300".into()), ("CB", "1250".into())]);
        assert_eq!(m, "CZ0040300CA00201CB0041250");
        let f = decode(m.as_bytes()).unwrap();
        assert_eq!(field(&f, "CB"), Some("1250"));
        assert_eq!(decode(b"CZ0040300CA0020"), None, "cut in the middle of a value");
        assert_eq!(decode(b"CZ0x40300"), None);
    }
}
