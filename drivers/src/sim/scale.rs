//! The scale simulator: Toledo 8217 or Dialog 06 on the far side of a link, with a weight that can
//! be changed while it runs, motion, a tare, and faults (garbage, silence, a frame cut short).
//!
//! It behaves like the scales in shops rather than like the till's driver expects: a Toledo 8217
//! takes `E` as "echo every character until `F`" (and stays so until told `F`, whoever asks next),
//! answers any other unknown letter with its status, and may leave bit 6 of its status byte clear;
//! a Dialog 06 computes the total with its own rounding; on a serial line each is set to its frame
//! (7E1, 7O1).

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::link::{Frame, Link, LinkError};
use crate::scale::{ScaleProtocol, dialog_fields, toledo_status};
use crate::sim::{Stop, Wire, poll};

/// How a price-computing scale rounds the total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// To the nearest cent, halves up (the legal rounding).
    HalfUp,
    /// Down to the cent (a scale set otherwise).
    Down,
}

use crate::ascii::{ACK, CR, ENQ, EOT, ESC, ETX, NAK, STX};

/// What is on the simulated scale.
#[derive(Clone, Debug)]
pub struct ScaleState {
    /// Gross weight in grams (negative: under zero).
    pub grams: i64,
    /// The weight is moving.
    pub motion: bool,
    /// Capacity in grams.
    pub capacity: i64,
    /// Minimum weight for sale by weight, in grams (Dialog 06).
    pub minimum: i64,
    /// Tare taken, in grams.
    pub tare: i64,
    /// Answer with bytes outside the protocol.
    pub garbage: bool,
    /// Answer nothing.
    pub silent: bool,
    /// Send only the first half of the next answer.
    pub cut_next_answer: bool,
    /// Last unit price received (Dialog 06), cents.
    pub unit_price: Option<u64>,
    /// Requests answered.
    pub requests: usize,
    /// Toledo: echoing every character until `F` (entered with `E`).
    pub echo_mode: bool,
    /// Toledo: bit 6 of the status byte set, as the protocol says (some scales leave it clear).
    pub status_bit6: bool,
    /// Dialog 06: how the total is rounded.
    pub rounding: Rounding,
    /// The frame of its serial line.
    pub line: Frame,
    /// Characters dropped for a wrong parity.
    pub line_errors: Arc<AtomicU64>,
}

impl Default for ScaleState {
    fn default() -> Self {
        ScaleState {
            grams: 0,
            motion: false,
            capacity: 15_000,
            minimum: 20,
            tare: 0,
            garbage: false,
            silent: false,
            cut_next_answer: false,
            unit_price: None,
            requests: 0,
            echo_mode: false,
            status_bit6: true,
            rounding: Rounding::HalfUp,
            line: Frame::F7E1,
            line_errors: Arc::new(AtomicU64::new(0)),
        }
    }
}

/// A handle on a running simulated scale.
#[derive(Clone, Debug, Default)]
pub struct ScaleControl(Arc<Mutex<ScaleState>>);

impl ScaleControl {
    /// The state, to read or change.
    pub fn state(&self) -> MutexGuard<'_, ScaleState> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts `grams` on the scale, settled.
    pub fn set_weight(&self, grams: i64) {
        let mut s = self.state();
        s.grams = grams;
        s.motion = false;
    }
}

/// A simulated scale.
#[derive(Debug)]
pub struct ScaleSim {
    protocol: ScaleProtocol,
    /// Its control handle.
    pub control: ScaleControl,
}

impl ScaleSim {
    /// A scale speaking `protocol`, its line set to the protocol's frame.
    pub fn new(protocol: ScaleProtocol) -> ScaleSim {
        let control = ScaleControl::default();
        control.state().line = protocol.serial().frame;
        ScaleSim { protocol, control }
    }

    /// Serves one connection of a serial line, set to the frame of [`ScaleState::line`]. A scale
    /// that hangs up (a power cycle) comes back with its power-on state: no tare, no echo.
    pub fn serve_serial(&self, link: &mut dyn Link, stop: &Stop) -> Result<(), LinkError> {
        let (frame, errors) = {
            let s = self.control.state();
            (s.line, Arc::clone(&s.line_errors))
        };
        let served = self.serve(&mut Wire::new(link, frame, errors), stop);
        if stop.stopped() && !stop.stopped_for_good() {
            let mut s = self.control.state();
            s.echo_mode = false;
            s.tare = 0;
        }
        served
    }

    fn reply(&self, link: &mut dyn Link, bytes: &[u8]) -> Result<(), LinkError> {
        let mut s = self.control.state();
        s.requests += 1;
        if s.silent {
            return Ok(());
        }
        if s.garbage {
            return link.send(b"\xff\x13garbage\x7f");
        }
        if s.cut_next_answer {
            s.cut_next_answer = false;
            return link.send(&bytes[..bytes.len() / 2]);
        }
        drop(s);
        link.send(bytes)
    }

    fn toledo(&self, link: &mut dyn Link, command: u8) -> Result<(), LinkError> {
        use toledo_status::*;
        let (status, answer) = {
            let mut s = self.control.state();
            let net = s.grams - s.tare;
            let mut status = if s.status_bit6 { ALWAYS } else { 0 };
            if s.motion {
                status |= MOTION;
            }
            if s.grams > s.capacity {
                status |= OVER;
            }
            if net < 0 {
                status |= UNDER;
            }
            if s.tare != 0 {
                status |= NET;
            }
            if s.grams == 0 {
                status |= CENTRE_ZERO;
            }
            let stable = status & (MOTION | OVER | UNDER) == 0;
            match command {
                b'T' if stable && s.grams > 0 => s.tare = s.grams,
                b'C' if !s.motion => s.tare = 0,
                b'Z' if stable && s.tare == 0 && s.grams.abs() < 200 => s.grams = 0,
                _ => {}
            }
            let answer = if command == b'W' && stable {
                format!("{:02}.{:03}{}", net / 1000, net % 1000, if s.tare != 0 { "N" } else { "" })
            } else {
                String::new()
            };
            (status, answer)
        };
        let mut frame = vec![STX];
        match command {
            b'W' if !answer.is_empty() => frame.extend_from_slice(answer.as_bytes()),
            // `E` starts echoing (left with `F`), `F` ends it: each answers with its letter.
            b'E' | b'F' => {
                self.control.state().echo_mode = command == b'E';
                frame.push(command);
            }
            _ => frame.extend_from_slice(&[b'?', status]),
        }
        frame.push(CR);
        self.reply(link, &frame)
    }

    fn dialog(&self, link: &mut dyn Link, record: &[u8]) -> Result<(), LinkError> {
        let Some((number, fields)) = dialog_fields(record) else {
            return self.reply(link, &[NAK]);
        };
        match (number.as_str(), &fields[..]) {
            ("01", [price]) if price.len() == 6 && price.bytes().all(|b| b.is_ascii_digit()) => {
                self.control.state().unit_price = price.parse().ok();
                self.reply(link, &[ACK])
            }
            _ => self.reply(link, &[NAK]),
        }
    }

    fn dialog_result(&self, link: &mut dyn Link) -> Result<(), LinkError> {
        let frame = {
            let s = self.control.state();
            let net = s.grams - s.tare;
            let status = match s.unit_price {
                None => Some("10"),
                Some(_) if s.grams > s.capacity => Some("30"),
                Some(_) if s.motion => Some("20"),
                Some(_) if net < 0 => Some("21"),
                Some(_) if net < s.minimum => Some("22"),
                Some(_) => None,
            };
            let mut f = vec![STX];
            match status {
                Some(code) => {
                    f.extend_from_slice(b"09");
                    f.push(ESC);
                    f.extend_from_slice(code.as_bytes());
                }
                None => {
                    let price = s.unit_price.unwrap_or(0);
                    let grams_times_price = u64::try_from(net).unwrap_or(0) * price;
                    let total = match s.rounding {
                        Rounding::HalfUp => (grams_times_price + 500) / 1000,
                        Rounding::Down => grams_times_price / 1000,
                    };
                    let fields = [
                        if s.tare != 0 { "1".to_owned() } else { "0".to_owned() },
                        format!("{net:05}"),
                        format!("{price:06}"),
                        format!("{total:06}"),
                    ];
                    f.extend_from_slice(b"02");
                    for field in fields {
                        f.push(ESC);
                        f.extend_from_slice(field.as_bytes());
                    }
                }
            }
            f.push(ESC);
            f.push(ETX);
            f
        };
        self.reply(link, &frame)
    }

    /// Serves one connection until it fails or `stop` is set.
    pub fn serve(&self, link: &mut dyn Link, stop: &Stop) -> Result<(), LinkError> {
        let mut buf = [0u8; 256];
        let mut pending: Vec<u8> = Vec::new();
        while !stop.stopped() {
            let n = poll(link, &mut buf)?;
            pending.extend_from_slice(&buf[..n]);
            loop {
                match self.protocol {
                    ScaleProtocol::Toledo8217 => {
                        let Some(&c) = pending.first() else { break };
                        pending.remove(0);
                        if self.control.state().echo_mode && c != b'F' {
                            self.reply(link, &[c])?;
                        } else if c.is_ascii_uppercase() {
                            self.toledo(link, c)?;
                        }
                    }
                    ScaleProtocol::Dialog06 => {
                        // Skip to a record start.
                        let Some(start) = pending.iter().position(|&b| b == EOT) else {
                            pending.clear();
                            break;
                        };
                        pending.drain(..start);
                        match pending.get(1) {
                            None => break,
                            Some(&ENQ) => {
                                pending.drain(..2);
                                self.dialog_result(link)?;
                            }
                            Some(&STX) => {
                                let Some(end) = pending.iter().position(|&b| b == ETX) else { break };
                                let record: Vec<u8> = pending.drain(..=end).collect();
                                self.dialog(link, &record)?;
                            }
                            Some(_) => {
                                pending.remove(0);
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A scale inside the process (no line, no protocol): the demo and the window's tests put weights
/// on it through its [`ScaleControl`]. It follows the same rules as a real scale: only a stable
/// weight is given.
#[derive(Clone, Debug, Default)]
pub struct LocalScale {
    /// Its control handle.
    pub control: ScaleControl,
}

impl crate::scale::Scale for LocalScale {
    fn weigh(
        &mut self,
        unit_price_cents: Option<u64>,
    ) -> Result<crate::scale::Weighing, crate::scale::ScaleError> {
        use crate::scale::{ScaleError, ScaleErrorKind, Weighing};
        let s = self.control.state();
        let error = |kind, message: &str| Err(ScaleError { kind, message: message.to_owned() });
        if s.silent {
            return error(
                ScaleErrorKind::Timeout,
                "the scale does not answer: check the scale is on and its cable",
            );
        }
        if s.grams > s.capacity {
            return error(ScaleErrorKind::Overload, "over the scale's capacity: take the item off");
        }
        if s.motion {
            return error(ScaleErrorKind::Motion, "the weight is not stable: wait for the scale to settle");
        }
        let net = s.grams - s.tare;
        if net < 0 {
            return error(ScaleErrorKind::UnderZero, "the scale reads under zero: empty it and zero it");
        }
        let grams = u32::try_from(net).unwrap_or(u32::MAX);
        Ok(Weighing {
            grams,
            net: s.tare != 0,
            total_cents: unit_price_cents.map(|p| (u64::from(grams) * p + 500) / 1000),
            unit_price_cents,
        })
    }

    fn tare(&mut self) -> Result<(), crate::scale::ScaleError> {
        let mut s = self.control.state();
        if !s.motion && s.grams > 0 {
            s.tare = s.grams;
        }
        Ok(())
    }

    fn probe(&mut self) -> Result<(), crate::scale::ScaleError> {
        self.weigh(None).map(|_| ())
    }
}
