//! Concert messages: framing (`STX … ETX LRC`), the 34-character request and the 25- or
//! 80-character answer.

pub use crate::ascii::{ETX, STX};

/// Length of a request.
pub const REQUEST_LEN: usize = 34;
/// Length of a short answer.
pub const SHORT_ANSWER_LEN: usize = 25;
/// Length of a full answer (with the 55-character report).
pub const FULL_ANSWER_LEN: usize = 80;
/// The largest amount the request's eight digits hold, in cents (999,999.99 €).
pub const MAX_CENTS: u64 = 99_999_999;
/// The mode of a card payment.
pub const MODE_CARD: u8 = b'1';

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

/// Which answer the till asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerForm {
    /// `1`: the 80-character answer, with the card number and authorisation.
    Full,
    /// `0`: the 25-character answer.
    Short,
}

/// A Concert request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Till number, 0–99.
    pub pos: u8,
    /// Amount in cents, at most [`MAX_CENTS`].
    pub cents: u64,
    /// The answer asked for.
    pub answer: AnswerForm,
    /// Payment mode (`1` card).
    pub mode: u8,
    /// Payment or refund.
    pub operation: Operation,
    /// Up to ten characters the terminal may echo in its answer.
    pub private: String,
}

impl Request {
    /// The 34 characters; `None` when a field does not fit (a till number above 99, an amount above
    /// [`MAX_CENTS`], a private field longer than ten ASCII characters): nothing is cut or wrapped.
    pub fn encode(&self) -> Option<String> {
        if self.pos > 99
            || self.cents > MAX_CENTS
            || self.private.len() > 10
            || !self.private.bytes().all(|b| b.is_ascii_graphic())
            || !self.mode.is_ascii_alphanumeric()
        {
            return None;
        }
        Some(format!(
            "{:02}{:08}{}{}{}978{:>10}A010B010",
            self.pos,
            self.cents,
            match self.answer {
                AnswerForm::Full => '1',
                AnswerForm::Short => '0',
            },
            char::from(self.mode),
            match self.operation {
                Operation::Payment => '0',
                Operation::Refund => '1',
            },
            self.private
        ))
    }

    /// Reads 34 characters back (the simulator's side).
    pub fn decode(s: &str) -> Option<Request> {
        if s.len() != REQUEST_LEN || !s.is_ascii() {
            return None;
        }
        let b = s.as_bytes();
        let answer = match b[10] {
            b'1' => AnswerForm::Full,
            b'0' => AnswerForm::Short,
            _ => return None,
        };
        let operation = match b[12] {
            b'0' => Operation::Payment,
            b'1' => Operation::Refund,
            _ => return None,
        };
        if &s[13..16] != "978" || !s[0..10].bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(Request {
            pos: s[0..2].parse().ok()?,
            cents: s[2..10].parse().ok()?,
            answer,
            mode: b[11],
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
    /// Payment mode.
    pub mode: u8,
    /// Masked card number and authorisation (full answers).
    pub report: Option<(String, String)>,
    /// The private field: the request's, echoed; blank; or one the terminal filled itself.
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
        format!(
            "{:02}{result}{:08}{}{report}978{:>10.10}",
            self.pos % 100,
            self.cents.min(MAX_CENTS),
            char::from(self.mode),
            self.private
        )
    }

    /// Reads an answer, short or full.
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
        if &rest[0..3] != "978" || !s[0..2].bytes().chain(s[3..11].bytes()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(Answer {
            pos: s[0..2].parse().ok()?,
            result,
            cents: s[3..11].parse().ok()?,
            mode: s.as_bytes()[11],
            report: full.then(|| (s[12..31].trim().to_owned(), s[31..37].trim().to_owned())),
            private: rest[3..13].trim().to_owned(),
        })
    }
}

/// The private field for a till's payment reference: its last ten characters.
pub fn private_of(reference: &str) -> String {
    let chars: Vec<char> = reference.chars().filter(char::is_ascii_graphic).collect();
    chars[chars.len().saturating_sub(10)..].iter().collect()
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

    fn request(cents: u64) -> Request {
        Request {
            pos: 1,
            cents,
            answer: AnswerForm::Full,
            mode: MODE_CARD,
            operation: Operation::Refund,
            private: "01-P000042".into(),
        }
    }

    #[test]
    fn requests_and_answers_have_their_fixed_lengths_and_read_back() {
        let r = request(1250);
        let s = r.encode().unwrap();
        assert_eq!(s.len(), REQUEST_LEN);
        assert_eq!(s, "010000125011197801-P000042A010B010");
        assert_eq!(Request::decode(&s), Some(r));
        let short_request = Request { answer: AnswerForm::Short, ..request(5) };
        assert_eq!(Request::decode(&short_request.encode().unwrap()), Some(short_request));
        let full = Answer {
            pos: 1,
            result: Verdict::Accepted,
            cents: 1250,
            mode: MODE_CARD,
            // A masked card number, as a terminal reports it, and an authorisation code.
            report: Some(("XXXXXXXXXXXX4242".into(), "A1B2C3".into())),
            private: "01-P000042".into(),
        };
        assert_eq!(full.encode().len(), FULL_ANSWER_LEN);
        assert_eq!(Answer::decode(&full.encode()), Some(full));
        let short = Answer {
            pos: 1,
            result: Verdict::Refused,
            cents: 1250,
            mode: MODE_CARD,
            report: None,
            private: "P42".into(),
        };
        assert_eq!(short.encode().len(), SHORT_ANSWER_LEN);
        assert_eq!(Answer::decode(&short.encode()), Some(short));
        assert_eq!(private_of("LYO-01-P000042"), "01-P000042");
    }

    #[test]
    fn a_field_that_does_not_fit_is_refused_not_cut() {
        assert!(request(MAX_CENTS).encode().is_some());
        assert_eq!(request(MAX_CENTS + 1).encode(), None, "nine digits would shift every field");
        assert_eq!(Request { pos: 100, ..request(1) }.encode(), None);
        assert_eq!(Request { private: "ELEVEN-CHARS".into(), ..request(1) }.encode(), None);
        assert_eq!(Answer::decode("0100000125X1978P000000042"), None, "an amount that is not digits");
    }
}
