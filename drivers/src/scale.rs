//! Scales: Mettler Toledo 8217 and Dialog 06, over serial.
//!
//! Only a stable weight is ever returned: motion, over capacity and under zero are errors whose
//! [`ScaleErrorKind`] the till shows as "wait for the scale to settle", "too heavy for the scale",
//! "zero the scale". Weights are whole grams; `drivers` knows no money beyond the unit price a
//! price-computing scale displays.
//!
//! ## Toledo 8217 (9600 baud, 7 data bits, even parity)
//! The till sends one letter. `W` asks for the weight: the scale answers `STX WW.WWW CR` (kilograms,
//! gross), `STX WW.WWWN CR` (net of a tare), or `STX ? s CR` where `s` is a status byte: bit 0
//! motion, bit 1 over capacity, bit 2 under zero, bit 3 outside the zero capture range, bit 4 centre
//! of zero, bit 5 net, bit 6 set by most scales (not all: it is not relied on). `T` takes the tare,
//! `C` clears it, `Z` zeroes: each answered with a status; other letters are answered with the
//! status too. `E` puts the scale in echo mode (every character sent back until `F`): the driver
//! never sends it (the technician's test asks for the weight), and a scale found echoing (left so
//! by another program) is told `F` before the driver asks again.
//!
//! ## Dialog 06 (9600 baud, 7 data bits, odd parity)
//! Records are framed `EOT STX nn ESC field ESC … ETX`. The till sends the unit price (record `01`,
//! six digits in cents per kilogram), which the scale acknowledges (`ACK`) or refuses (`NAK`), then
//! asks for the result with `EOT ENQ`. The scale answers record `02`: status digit, weight (five
//! digits, grams), unit price (six), total price (six); or record `09` with a two-digit status: `10`
//! no valid unit price, `20` weight not stable, `21` under zero, `22` under the minimum weight, `30`
//! over capacity. (Models differ in the status numbers they use beyond these; others read as a
//! protocol error.) The unit price the scale read back must be the one sent; the total it shows is
//! returned for the till to compare with its own.

use std::time::Duration;

use crate::link::{LineSettings, Link, LinkError};

use crate::ascii::{ACK, CR, ENQ, EOT, ESC, ETX, NAK, STX};

/// Which scale protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleProtocol {
    /// Mettler Toledo 8217.
    Toledo8217,
    /// Dialog 06.
    Dialog06,
}

impl ScaleProtocol {
    /// Parses `toledo8217` or `dialog06`.
    pub fn parse(s: &str) -> Option<ScaleProtocol> {
        match s {
            "toledo8217" => Some(ScaleProtocol::Toledo8217),
            "dialog06" => Some(ScaleProtocol::Dialog06),
            _ => None,
        }
    }

    /// Its name in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            ScaleProtocol::Toledo8217 => "toledo8217",
            ScaleProtocol::Dialog06 => "dialog06",
        }
    }

    /// The serial line the protocol usually runs on.
    pub fn serial(self) -> LineSettings {
        match self {
            ScaleProtocol::Toledo8217 => LineSettings::B9600_7E1,
            ScaleProtocol::Dialog06 => LineSettings::B9600_7O1,
        }
    }
}

/// What a caller can do about a scale error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ScaleErrorKind {
    /// The weight is moving: wait and read again.
    Motion,
    /// Over capacity: take the item off.
    Overload,
    /// Under zero (or under the minimum): zero the scale, or the item is too light to sell by weight.
    UnderZero,
    /// The scale refused the unit price (Dialog 06).
    Refused,
    /// The scale is not connected.
    Disconnected,
    /// The scale did not answer in time.
    Timeout,
    /// The scale answered something outside its protocol.
    Protocol,
    /// The scale does not do this from the till.
    Unsupported,
}

/// A scale error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("scale: {message}")]
pub struct ScaleError {
    /// What kind.
    pub kind: ScaleErrorKind,
    /// For people.
    pub message: String,
}

impl ScaleError {
    /// What a caller can act on.
    pub fn kind(&self) -> ScaleErrorKind {
        self.kind
    }

    fn new(kind: ScaleErrorKind, message: impl Into<String>) -> ScaleError {
        ScaleError { kind, message: message.into() }
    }
}

/// A stable weighing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weighing {
    /// Net weight in grams.
    pub grams: u32,
    /// Whether a tare was taken off.
    pub net: bool,
    /// The total the scale computed and displays (price-computing scales), in cents.
    pub total_cents: Option<u64>,
    /// The unit price per kilogram the scale displays (price-computing scales), in cents.
    pub unit_price_cents: Option<u64>,
}

impl Weighing {
    /// The weight in words: `1.234 kg (net)`.
    pub fn words(&self) -> String {
        let mut out = format!("{}.{:03} kg", self.grams / 1000, self.grams % 1000);
        if self.net {
            out.push_str(" (net)");
        }
        if let (Some(unit), Some(total)) = (self.unit_price_cents, self.total_cents) {
            out.push_str(&format!(
                ", {}.{:02} €/kg, {}.{:02} € shown on the scale",
                unit / 100,
                unit % 100,
                total / 100,
                total % 100
            ));
        }
        out
    }
}

/// A scale.
pub trait Scale: Send {
    /// Reads a stable weight; `unit_price_cents` (per kilogram) is sent to price-computing scales,
    /// which show it with the total.
    fn weigh(&mut self, unit_price_cents: Option<u64>) -> Result<Weighing, ScaleError>;
    /// Takes the tare (what is on the scale now).
    fn tare(&mut self) -> Result<(), ScaleError>;
    /// Checks the scale is there and speaks its protocol.
    fn probe(&mut self) -> Result<(), ScaleError>;
}

fn link_error(link: &dyn Link, e: LinkError) -> ScaleError {
    match e {
        LinkError::Timeout(_) if link.line_errors() > 0 => ScaleError::new(
            ScaleErrorKind::Timeout,
            format!(
                "{} answers only characters of the wrong parity ({}): set the scale and the till to the same line (speed, data bits, parity)",
                link.describe(),
                link.line_errors()
            ),
        ),
        LinkError::Timeout(_) => ScaleError::new(
            ScaleErrorKind::Timeout,
            format!(
                "{} does not answer: check the scale is on, its cable, and its line setting (speed, data bits, parity) against the till's",
                link.describe()
            ),
        ),
        LinkError::Disconnected(m) | LinkError::BadAddress(m) => {
            ScaleError::new(ScaleErrorKind::Disconnected, m)
        }
    }
}

/// Reads bytes until `end`, within `timeout`; the frame without `end`.
fn read_until(link: &mut dyn Link, end: u8, timeout: Duration, max: usize) -> Result<Vec<u8>, ScaleError> {
    let deadline = std::time::Instant::now() + timeout;
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(if out.is_empty() {
                link_error(link, LinkError::Timeout(timeout))
            } else {
                ScaleError::new(
                    ScaleErrorKind::Protocol,
                    format!(
                        "{} sent an incomplete answer ({} bytes): check the cable",
                        link.describe(),
                        out.len()
                    ),
                )
            });
        }
        match link.receive(&mut b, left) {
            Ok(_) => {
                // Parity bit stripped: a pty passes 8 bits, a real 7-bit line may too.
                let c = b[0] & 0x7f;
                if c == end {
                    return Ok(out);
                }
                out.push(c);
                if out.len() > max {
                    return Err(ScaleError::new(
                        ScaleErrorKind::Protocol,
                        format!(
                            "{} sent {} bytes without an end of frame: is this a scale, at 9600 baud?",
                            link.describe(),
                            out.len()
                        ),
                    ));
                }
            }
            Err(LinkError::Timeout(_)) => {}
            Err(e) => return Err(link_error(link, e)),
        }
    }
}

/// Mettler Toledo 8217.
pub struct Toledo8217 {
    link: Box<dyn Link>,
    timeout: Duration,
}

/// The bits of a Toledo status byte.
pub mod toledo_status {
    /// Weight in motion.
    pub const MOTION: u8 = 1;
    /// Over capacity.
    pub const OVER: u8 = 1 << 1;
    /// Under zero.
    pub const UNDER: u8 = 1 << 2;
    /// Outside the zero capture range.
    pub const OUTSIDE_ZERO: u8 = 1 << 3;
    /// At the centre of zero.
    pub const CENTRE_ZERO: u8 = 1 << 4;
    /// Net weight (a tare is taken).
    pub const NET: u8 = 1 << 5;
    /// Always set.
    pub const ALWAYS: u8 = 1 << 6;
}

impl Toledo8217 {
    /// A Toledo 8217 on `link`.
    pub fn new(link: Box<dyn Link>, timeout: Duration) -> Toledo8217 {
        Toledo8217 { link, timeout }
    }

    fn ask(&mut self, command: u8) -> Result<Vec<u8>, ScaleError> {
        let mut left_echo = false;
        loop {
            self.link.discard_input();
            self.link.send(&[command]).map_err(|e| link_error(&*self.link, e))?;
            let mut first = [0u8; 1];
            self.link.receive_exact(&mut first, self.timeout).map_err(|e| link_error(&*self.link, e))?;
            let first = first[0] & 0x7f;
            if first == command && !left_echo {
                // The letter came back alone: the scale is echoing (someone sent it `E`). `F`
                // ends that; then the question is asked again.
                left_echo = true;
                self.link.send(b"F").map_err(|e| link_error(&*self.link, e))?;
                let _ = read_until(&mut *self.link, CR, self.timeout, 16);
                continue;
            }
            let mut frame = vec![first];
            if first != CR {
                frame.extend(read_until(&mut *self.link, CR, self.timeout, 16)?);
            }
            return match frame.iter().position(|&b| b == STX) {
                Some(i) => Ok(frame[i + 1..].to_vec()),
                None => Err(self.garbage(&frame)),
            };
        }
    }

    fn garbage(&self, frame: &[u8]) -> ScaleError {
        ScaleError::new(
            ScaleErrorKind::Protocol,
            format!(
                "{} answered {:?}, which is not Toledo 8217: check the protocol setting and the speed (9600 7E1)",
                self.link.describe(),
                String::from_utf8_lossy(frame)
            ),
        )
    }

    /// What a status byte says is in the way of a weight. Bit 6 is not required: scales differ.
    fn status_error(&self, s: u8) -> Option<ScaleError> {
        use toledo_status::*;
        if s & OVER != 0 {
            return Some(ScaleError::new(
                ScaleErrorKind::Overload,
                "over the scale's capacity: take the item off",
            ));
        }
        if s & UNDER != 0 {
            return Some(ScaleError::new(
                ScaleErrorKind::UnderZero,
                "the scale reads under zero: empty it and zero it",
            ));
        }
        if s & MOTION != 0 {
            return Some(ScaleError::new(
                ScaleErrorKind::Motion,
                "the weight is not stable: wait for the scale to settle",
            ));
        }
        None
    }
}

impl Scale for Toledo8217 {
    fn weigh(&mut self, _unit_price_cents: Option<u64>) -> Result<Weighing, ScaleError> {
        let body = self.ask(b'W')?;
        if let [b'?', s] = body[..] {
            return Err(self.status_error(s).unwrap_or_else(|| {
                ScaleError::new(ScaleErrorKind::UnderZero, "the scale is outside its zero range: zero it")
            }));
        }
        let (digits, net) = match body.strip_suffix(b"N") {
            Some(d) => (d, true),
            None => (&body[..], false),
        };
        // WW.WWW: kilograms with three decimals.
        let text = std::str::from_utf8(digits).map_err(|_| self.garbage(&body))?;
        let Some((kg, g)) = text.split_once('.') else {
            return Err(self.garbage(&body));
        };
        if g.len() != 3 || kg.is_empty() || !kg.bytes().chain(g.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(if g.len() == 2 {
                ScaleError::new(ScaleErrorKind::Protocol, "the scale weighs in pounds: set it to kilograms")
            } else {
                self.garbage(&body)
            });
        }
        // A weight no u32 of grams holds is garbage, not a wrapped number.
        let grams = kg
            .parse::<u32>()
            .ok()
            .and_then(|kg| kg.checked_mul(1000))
            .and_then(|whole| g.parse::<u32>().ok().and_then(|g| whole.checked_add(g)))
            .ok_or_else(|| self.garbage(&body))?;
        Ok(Weighing { grams, net, total_cents: None, unit_price_cents: None })
    }

    fn tare(&mut self) -> Result<(), ScaleError> {
        let body = self.ask(b'T')?;
        match body[..] {
            [b'?', s] => self.status_error(s).map_or(Ok(()), Err),
            _ => Err(self.garbage(&body)),
        }
    }

    /// Asks for the weight, the protocol's own question: a weight or a status is a scale that is
    /// there.
    fn probe(&mut self) -> Result<(), ScaleError> {
        match self.weigh(None) {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.kind,
                    ScaleErrorKind::Motion | ScaleErrorKind::Overload | ScaleErrorKind::UnderZero
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// Dialog 06.
pub struct Dialog06 {
    link: Box<dyn Link>,
    timeout: Duration,
}

/// Builds a Dialog 06 record: `EOT STX nn ESC f1 ESC f2 … ESC ETX`.
pub fn dialog_record(number: &str, fields: &[&str]) -> Vec<u8> {
    let mut out = vec![EOT, STX];
    out.extend_from_slice(number.as_bytes());
    for f in fields {
        out.push(ESC);
        out.extend_from_slice(f.as_bytes());
    }
    out.push(ESC);
    out.push(ETX);
    out
}

/// Reads a Dialog 06 record's number and fields from the bytes between `STX` and `ETX`.
pub fn dialog_fields(frame: &[u8]) -> Option<(String, Vec<String>)> {
    let start = frame.iter().position(|&b| b == STX)?;
    let rest = &frame[start + 1..];
    let body =
        std::str::from_utf8(&rest[..rest.iter().position(|&b| b == ETX).unwrap_or(rest.len())]).ok()?;
    let mut parts = body.split('\u{1b}');
    let number = parts.next()?.to_owned();
    let fields: Vec<String> = parts.filter(|p| !p.is_empty()).map(str::to_owned).collect();
    Some((number, fields))
}

impl Dialog06 {
    /// A Dialog 06 scale on `link`.
    pub fn new(link: Box<dyn Link>, timeout: Duration) -> Dialog06 {
        Dialog06 { link, timeout }
    }

    fn garbage(&self, what: &[u8]) -> ScaleError {
        ScaleError::new(
            ScaleErrorKind::Protocol,
            format!(
                "{} answered {:?}, which is not Dialog 06: check the protocol setting and the speed (9600 7O1)",
                self.link.describe(),
                String::from_utf8_lossy(what)
            ),
        )
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), ScaleError> {
        self.link.send(bytes).map_err(|e| link_error(&*self.link, e))
    }

    fn read_byte(&mut self) -> Result<u8, ScaleError> {
        let mut b = [0u8; 1];
        self.link.receive_exact(&mut b, self.timeout).map_err(|e| link_error(&*self.link, e))?;
        Ok(b[0] & 0x7f)
    }
}

impl Scale for Dialog06 {
    fn weigh(&mut self, unit_price_cents: Option<u64>) -> Result<Weighing, ScaleError> {
        self.link.discard_input();
        let price = unit_price_cents.unwrap_or(0);
        if price > 999_999 {
            return Err(ScaleError::new(
                ScaleErrorKind::Refused,
                "a unit price above 9,999.99 cannot be sent to the scale",
            ));
        }
        self.send(&dialog_record("01", &[&format!("{price:06}")]))?;
        match self.read_byte()? {
            ACK => {}
            NAK => return Err(ScaleError::new(ScaleErrorKind::Refused, "the scale refused the unit price")),
            other => return Err(self.garbage(&[other])),
        }
        self.send(&[EOT, ENQ])?;
        let frame = read_until(&mut *self.link, ETX, self.timeout, 64)?;
        let Some((number, fields)) = dialog_fields(&frame) else {
            return Err(self.garbage(&frame));
        };
        match (number.as_str(), &fields[..]) {
            ("02", [status, weight, unit, total]) => {
                let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
                if !digits(status, 1) || !digits(weight, 5) || !digits(unit, 6) || !digits(total, 6) {
                    return Err(self.garbage(&frame));
                }
                let shown: u64 = unit.parse().map_err(|_| self.garbage(&frame))?;
                if shown != price {
                    return Err(ScaleError::new(
                        ScaleErrorKind::Refused,
                        format!(
                            "the scale shows a unit price of {}.{:02} €/kg where the till sent {}.{:02} €/kg: weigh again",
                            shown / 100,
                            shown % 100,
                            price / 100,
                            price % 100
                        ),
                    ));
                }
                Ok(Weighing {
                    grams: weight.parse().map_err(|_| self.garbage(&frame))?,
                    net: status != "0",
                    total_cents: Some(total.parse().map_err(|_| self.garbage(&frame))?),
                    unit_price_cents: Some(shown),
                })
            }
            ("09", [code]) => Err(match code.as_str() {
                "10" => ScaleError::new(ScaleErrorKind::Refused, "the scale has no valid unit price"),
                "20" => ScaleError::new(
                    ScaleErrorKind::Motion,
                    "the weight is not stable: wait for the scale to settle",
                ),
                "21" => ScaleError::new(
                    ScaleErrorKind::UnderZero,
                    "the scale reads under zero: empty it and zero it",
                ),
                "22" => ScaleError::new(
                    ScaleErrorKind::UnderZero,
                    "under the scale's minimum weight: this cannot be sold by weight",
                ),
                "30" => {
                    ScaleError::new(ScaleErrorKind::Overload, "over the scale's capacity: take the item off")
                }
                _ => self.garbage(&frame),
            }),
            _ => Err(self.garbage(&frame)),
        }
    }

    fn tare(&mut self) -> Result<(), ScaleError> {
        Err(ScaleError::new(ScaleErrorKind::Unsupported, "a Dialog 06 scale takes the tare on its own key"))
    }

    fn probe(&mut self) -> Result<(), ScaleError> {
        self.weigh(None).map(|_| ()).or_else(|e| match e.kind {
            // An answer in the protocol, even "nothing to weigh", is a scale that is there.
            ScaleErrorKind::Motion
            | ScaleErrorKind::UnderZero
            | ScaleErrorKind::Overload
            | ScaleErrorKind::Refused => Ok(()),
            _ => Err(e),
        })
    }
}

/// Opens a scale of `protocol` on `link`.
pub fn open(protocol: ScaleProtocol, link: Box<dyn Link>, timeout: Duration) -> Box<dyn Scale> {
    match protocol {
        ScaleProtocol::Toledo8217 => Box::new(Toledo8217::new(link, timeout)),
        ScaleProtocol::Dialog06 => Box::new(Dialog06::new(link, timeout)),
    }
}
