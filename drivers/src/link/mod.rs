//! Links: the byte pipes between the till and a device — a TCP socket, a serial port (or the
//! pseudo-terminal a USB-serial adapter is to the OS), the kernel's USB printer character device
//! `/dev/usb/lp*`, or a USB bulk endpoint pair (see [`crate::usb`]).
//!
//! A device is configured by an address:
//!
//! | address | link |
//! |---|---|
//! | `tcp:HOST:PORT` | TCP (a receipt printer on port 9100, a card terminal) |
//! | `serial:PATH`, `serial:PATH@9600`, `serial:PATH@9600,7E1`, `serial:PATH@7E1` | serial port; what the address leaves out is the device protocol's usual setting |
//! | `lp:PATH` | the kernel's USB printer device, e.g. `lp:/dev/usb/lp0` |
//! | `usb:VID:PID` | a USB device's bulk endpoints, hexadecimal ids, e.g. `usb:04b8:0e28` |
//!
//! A link that breaks (a cable pulled, a device rebooted) is opened again by [`Reopening`], at the
//! same address, with a growing pause between tries.

mod found;
mod line;
mod lp;
mod reopen;
mod serial;
mod tcp;

use std::fmt;
use std::time::{Duration, Instant};

pub use found::{FoundKind, FoundPort, found};
pub use line::{
    BAUDS, DataBits, Frame, LineSettings, Parity, StopBits, check_parity, parse_baud, with_parity,
};
pub use lp::LpLink;
pub use reopen::{Backoff, Reopening};
pub use serial::SerialLink;
pub use tcp::TcpLink;

/// How a link failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The device cannot be reached, or went away.
    #[error("{0}")]
    Disconnected(String),
    /// Nothing arrived in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The address is not one of the forms above.
    #[error("{0}")]
    BadAddress(String),
}

/// Whether what a device says can come back over a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackChannel {
    /// It can (serial, TCP, USB with a bulk IN endpoint).
    Yes,
    /// It cannot (a USB printer with no IN endpoint): a printer on it prints without status.
    No,
    /// It depends on the device (the kernel's `usblp` reads only from bidirectional printers).
    Unknown,
}

/// A byte pipe to a device.
pub trait Link: Send {
    /// Sends all of `bytes`.
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError>;
    /// Waits up to `timeout` for bytes; returns how many were read (at least one).
    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError>;
    /// What this link is, for messages ("tcp:10.0.0.5:9100").
    fn describe(&self) -> String;

    /// Throws away whatever the device sent that nobody read (a late answer, line noise).
    fn discard_input(&mut self) {
        let mut buf = [0u8; 256];
        while let Ok(n) = self.receive(&mut buf, Duration::from_millis(1)) {
            if n == 0 {
                break;
            }
        }
    }

    /// Characters received with a wrong parity bit since the link was opened (a device set to
    /// another frame than the link's).
    fn line_errors(&self) -> u64 {
        0
    }

    /// Whether the device can answer over this link.
    fn back_channel(&self) -> BackChannel {
        BackChannel::Yes
    }

    /// Reads exactly `buf.len()` bytes, all within `timeout`.
    fn receive_exact(&mut self, buf: &mut [u8], timeout: Duration) -> Result<(), LinkError> {
        let deadline = Instant::now() + timeout;
        let mut got = 0;
        while got < buf.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(LinkError::Timeout(timeout));
            }
            got += self.receive(&mut buf[got..], left)?;
        }
        Ok(())
    }
}

/// A parsed device address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    /// `tcp:HOST:PORT`.
    Tcp(String),
    /// `serial:PATH[@BAUD][,FRAME]`.
    Serial {
        /// Device path.
        path: String,
        /// Speed given in the address (else the protocol's).
        baud: Option<u32>,
        /// Frame given in the address (else the protocol's).
        frame: Option<Frame>,
    },
    /// `lp:PATH`.
    Lp(String),
    /// `usb:VID:PID`.
    Usb {
        /// Vendor id.
        vendor: u16,
        /// Product id.
        product: u16,
    },
}

impl Address {
    /// Parses an address; the error says which forms are accepted.
    pub fn parse(text: &str) -> Result<Address, LinkError> {
        let bad = |why: &str| {
            LinkError::BadAddress(format!(
                "`{text}` is not a device address{why}: write tcp:HOST:PORT, serial:PATH[@BAUD][,FRAME] (e.g. serial:/dev/ttyUSB0@9600,7E1), lp:PATH or usb:VID:PID"
            ))
        };
        let (scheme, rest) = text.split_once(':').ok_or_else(|| bad(""))?;
        match scheme {
            "tcp"
                if rest.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()) =>
            {
                Ok(Address::Tcp(rest.to_owned()))
            }
            "serial" if !rest.is_empty() => {
                let Some((path, line)) = rest.rsplit_once('@') else {
                    return Ok(Address::Serial { path: rest.to_owned(), baud: None, frame: None });
                };
                if path.is_empty() {
                    return Err(bad(" (no path)"));
                }
                let (mut baud, mut frame) = (None, None);
                for part in line.split(',') {
                    if let Some(b) = parse_baud(part).filter(|_| baud.is_none()) {
                        baud = Some(b);
                    } else if let Some(f) = Frame::parse(part).filter(|_| frame.is_none()) {
                        frame = Some(f);
                    } else {
                        let speeds: Vec<String> = BAUDS.iter().map(u32::to_string).collect();
                        return Err(bad(&format!(
                            " (`{part}` is neither a speed, {}, nor a frame such as 8N1 or 7E1)",
                            speeds.join(", ")
                        )));
                    }
                }
                Ok(Address::Serial { path: path.to_owned(), baud, frame })
            }
            "lp" if !rest.is_empty() => Ok(Address::Lp(rest.to_owned())),
            "usb" => {
                let (v, p) = rest.split_once(':').ok_or_else(|| bad(""))?;
                let vendor = u16::from_str_radix(v, 16).map_err(|_| bad(""))?;
                let product = u16::from_str_radix(p, 16).map_err(|_| bad(""))?;
                Ok(Address::Usb { vendor, product })
            }
            _ => Err(bad("")),
        }
    }

    /// The line a serial address gives, with `defaults` (the protocol's) for what it leaves out.
    pub fn line(&self, defaults: LineSettings) -> LineSettings {
        match self {
            Address::Serial { baud, frame, .. } => {
                LineSettings { baud: baud.unwrap_or(defaults.baud), frame: frame.unwrap_or(defaults.frame) }
            }
            _ => defaults,
        }
    }

    /// Opens the link; a serial line with the address's settings, else `defaults`.
    pub fn open(&self, defaults: LineSettings) -> Result<Box<dyn Link>, LinkError> {
        self.open_within(defaults, Duration::from_secs(3))
    }

    /// Opens the link, giving a TCP connection `connect` to be made.
    pub fn open_within(&self, defaults: LineSettings, connect: Duration) -> Result<Box<dyn Link>, LinkError> {
        match self {
            Address::Tcp(addr) => Ok(Box::new(TcpLink::connect(addr, connect)?)),
            Address::Serial { path, .. } => Ok(Box::new(SerialLink::open(path, self.line(defaults))?)),
            Address::Lp(path) => Ok(Box::new(LpLink::open(path)?)),
            Address::Usb { vendor, product } => crate::usb::open(*vendor, *product),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(a) => write!(f, "tcp:{a}"),
            Address::Serial { path, baud, frame } => {
                write!(f, "serial:{path}")?;
                match (baud, frame) {
                    (Some(b), Some(fr)) => write!(f, "@{b},{fr}"),
                    (Some(b), None) => write!(f, "@{b}"),
                    (None, Some(fr)) => write!(f, "@{fr}"),
                    (None, None) => Ok(()),
                }
            }
            Address::Lp(p) => write!(f, "lp:{p}"),
            Address::Usb { vendor, product } => write!(f, "usb:{vendor:04x}:{product:04x}"),
        }
    }
}

fn io_to_link(what: &str, e: &std::io::Error, timeout: Duration) -> LinkError {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => LinkError::Timeout(timeout),
        _ => LinkError::Disconnected(format!("{what}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_print_back() {
        for text in [
            "tcp:127.0.0.1:9100",
            "serial:/dev/ttyUSB0",
            "serial:/dev/ttyS1@19200",
            "serial:/dev/ttyS1@9600,7E1",
            "serial:/dev/ttyS1@7O1",
            "lp:/dev/usb/lp0",
            "usb:04b8:0e28",
        ] {
            assert_eq!(Address::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            Address::parse("serial:/dev/ttyS1@7E1,4800").unwrap().to_string(),
            "serial:/dev/ttyS1@4800,7E1"
        );
        for bad in [
            "9100",
            "tcp:nohost",
            "tcp::9100",
            "serial:",
            "serial:@9600",
            "serial:/dev/ttyS0@9601",
            "serial:/dev/ttyS0@9600,9600",
            "serial:/dev/ttyS0@9600,7X1",
            "usb:zz:1",
            "bluetooth:x",
        ] {
            let e = Address::parse(bad).unwrap_err();
            assert!(e.to_string().contains("tcp:HOST:PORT"), "{e}");
        }
        let e = Address::parse("serial:/dev/ttyS0@9601").unwrap_err().to_string();
        assert!(e.contains("`9601` is neither a speed") && e.contains("115200"), "{e}");
    }

    #[test]
    fn what_a_serial_address_leaves_out_is_the_protocols() {
        let a = Address::parse("serial:/dev/ttyS0@19200").unwrap();
        assert_eq!(a.line(LineSettings::B9600_7E1), LineSettings { baud: 19200, frame: Frame::F7E1 });
        let a = Address::parse("serial:/dev/ttyS0@8N1").unwrap();
        assert_eq!(a.line(LineSettings::B9600_7E1), LineSettings::B9600_8N1);
    }
}
