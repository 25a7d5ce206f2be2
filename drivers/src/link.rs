//! Links: the byte pipes between the till and a device — a TCP socket, a serial port (or the
//! pseudo-terminal a USB-serial adapter is to the OS), the kernel's USB printer character device
//! `/dev/usb/lp*`, or a USB bulk endpoint pair (see [`crate::usb`]).
//!
//! A device is configured by an address:
//!
//! | address | link |
//! |---|---|
//! | `tcp:HOST:PORT` | TCP (a receipt printer on port 9100, a card terminal) |
//! | `serial:PATH` or `serial:PATH@BAUD` | serial port, 8N1 unless the device's protocol says otherwise |
//! | `lp:PATH` | the kernel's USB printer device, e.g. `lp:/dev/usb/lp0` |
//! | `usb:VID:PID` | a USB device's bulk endpoints, hexadecimal ids, e.g. `usb:04b8:0e28` |
//!
//! Serial settings (baud, data bits, parity) belong to the device's protocol; the driver passes
//! them when it opens the link. Pseudo-terminals ignore them.

use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

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

/// Serial line settings a protocol asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SerialSettings {
    /// Baud rate (the address may override it).
    pub baud: u32,
    /// 7 or 8 data bits.
    pub data_bits: u8,
    /// Parity.
    pub parity: Parity,
}

/// Parity of a serial line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parity {
    /// None.
    None,
    /// Even.
    Even,
    /// Odd.
    Odd,
}

impl SerialSettings {
    /// 9600 baud, 8 data bits, no parity.
    pub const B9600_8N1: SerialSettings = SerialSettings { baud: 9600, data_bits: 8, parity: Parity::None };
}

/// A parsed device address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// `tcp:HOST:PORT`.
    Tcp(String),
    /// `serial:PATH[@BAUD]`.
    Serial {
        /// Device path.
        path: String,
        /// Baud rate given in the address.
        baud: Option<u32>,
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
        let bad = || {
            LinkError::BadAddress(format!(
                "`{text}` is not a device address: write tcp:HOST:PORT, serial:PATH[@BAUD], lp:PATH or usb:VID:PID"
            ))
        };
        let (scheme, rest) = text.split_once(':').ok_or_else(bad)?;
        match scheme {
            "tcp"
                if rest.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()) =>
            {
                Ok(Address::Tcp(rest.to_owned()))
            }
            "serial" if !rest.is_empty() => match rest.rsplit_once('@') {
                Some((path, baud)) => {
                    let baud = baud.parse().map_err(|_| bad())?;
                    Ok(Address::Serial { path: path.to_owned(), baud: Some(baud) })
                }
                None => Ok(Address::Serial { path: rest.to_owned(), baud: None }),
            },
            "lp" if !rest.is_empty() => Ok(Address::Lp(rest.to_owned())),
            "usb" => {
                let (v, p) = rest.split_once(':').ok_or_else(bad)?;
                let vendor = u16::from_str_radix(v, 16).map_err(|_| bad())?;
                let product = u16::from_str_radix(p, 16).map_err(|_| bad())?;
                Ok(Address::Usb { vendor, product })
            }
            _ => Err(bad()),
        }
    }

    /// Opens the link, with `serial` settings where the link is a serial line.
    pub fn open(&self, serial: SerialSettings) -> Result<Box<dyn Link>, LinkError> {
        match self {
            Address::Tcp(addr) => Ok(Box::new(TcpLink::connect(addr, Duration::from_secs(3))?)),
            Address::Serial { path, baud } => Ok(Box::new(SerialLink::open(
                path,
                SerialSettings { baud: baud.unwrap_or(serial.baud), ..serial },
            )?)),
            Address::Lp(path) => Ok(Box::new(LpLink::open(path)?)),
            Address::Usb { vendor, product } => crate::usb::open(*vendor, *product),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(a) => write!(f, "tcp:{a}"),
            Address::Serial { path, baud: Some(b) } => write!(f, "serial:{path}@{b}"),
            Address::Serial { path, baud: None } => write!(f, "serial:{path}"),
            Address::Lp(p) => write!(f, "lp:{p}"),
            Address::Usb { vendor, product } => write!(f, "usb:{vendor:04x}:{product:04x}"),
        }
    }
}

fn io_to_link(what: &str, e: &std::io::Error, timeout: Duration) -> LinkError {
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => LinkError::Timeout(timeout),
        _ => LinkError::Disconnected(format!("{what}: {e}")),
    }
}

/// A TCP connection.
#[derive(Debug)]
pub struct TcpLink {
    stream: TcpStream,
    name: String,
}

impl TcpLink {
    /// Connects to `addr` (`host:port`), giving up after `timeout`.
    pub fn connect(addr: &str, timeout: Duration) -> Result<TcpLink, LinkError> {
        let name = format!("tcp:{addr}");
        let unreachable = |e: String| {
            LinkError::Disconnected(format!(
                "{name} cannot be reached ({e}): check the device is on and its address"
            ))
        };
        let target = addr
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .next()
            .ok_or_else(|| unreachable("no address".into()))?;
        let stream = TcpStream::connect_timeout(&target, timeout).map_err(|e| unreachable(e.to_string()))?;
        let _ = stream.set_nodelay(true);
        Ok(TcpLink { stream, name })
    }

    /// Wraps an accepted or connected stream.
    pub fn from_stream(stream: TcpStream) -> TcpLink {
        let name = stream.peer_addr().map_or_else(|_| "tcp".to_owned(), |a| format!("tcp:{a}"));
        let _ = stream.set_nodelay(true);
        TcpLink { stream, name }
    }
}

impl Link for TcpLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.stream.write_all(bytes).map_err(|e| io_to_link(&self.name, &e, Duration::ZERO))
    }

    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        let _ = self.stream.set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
        match self.stream.read(buf) {
            Ok(0) => Err(LinkError::Disconnected(format!("{} closed the connection", self.name))),
            Ok(n) => Ok(n),
            Err(e) => Err(io_to_link(&self.name, &e, timeout)),
        }
    }

    fn describe(&self) -> String {
        self.name.clone()
    }

    fn discard_input(&mut self) {
        if self.stream.set_nonblocking(true).is_ok() {
            let mut buf = [0u8; 256];
            while matches!(self.stream.read(&mut buf), Ok(n) if n > 0) {}
            let _ = self.stream.set_nonblocking(false);
        }
    }
}

/// A serial port (or pseudo-terminal).
pub struct SerialLink {
    port: Box<dyn serialport::SerialPort>,
    name: String,
}

impl fmt::Debug for SerialLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SerialLink").field("name", &self.name).finish()
    }
}

impl SerialLink {
    /// Opens `path` with `settings`.
    pub fn open(path: &str, settings: SerialSettings) -> Result<SerialLink, LinkError> {
        let name = format!("serial:{path}");
        let builder = serialport::new(path, settings.baud)
            .data_bits(if settings.data_bits == 7 {
                serialport::DataBits::Seven
            } else {
                serialport::DataBits::Eight
            })
            .parity(match settings.parity {
                Parity::None => serialport::Parity::None,
                Parity::Even => serialport::Parity::Even,
                Parity::Odd => serialport::Parity::Odd,
            })
            .timeout(Duration::from_millis(100));
        // A line closed a moment ago is still hanging up (Linux answers EIO), as is a USB adapter
        // being enumerated again: a few tries over half a second.
        let mut tries = 0;
        let port = loop {
            match builder.clone().open() {
                Ok(port) => break port,
                Err(e)
                    if tries < 10
                        && !matches!(e.kind(), serialport::ErrorKind::NoDevice)
                        && !matches!(e.kind(), serialport::ErrorKind::Io(ErrorKind::NotFound)) =>
                {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) if e.to_string().contains("exclusive lock") => {
                    return Err(LinkError::Disconnected(format!(
                        "{name} is in use by another program (the till itself?): close it first"
                    )));
                }
                Err(e) => {
                    return Err(LinkError::Disconnected(format!(
                        "{name} cannot be opened ({e}): check the cable and the path"
                    )));
                }
            }
        };
        Ok(SerialLink { port, name })
    }

    /// Wraps an open port (a pseudo-terminal in tests).
    pub fn from_port(port: Box<dyn serialport::SerialPort>, name: &str) -> SerialLink {
        SerialLink { port, name: format!("serial:{name}") }
    }
}

impl Link for SerialLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.port.write_all(bytes).map_err(|e| io_to_link(&self.name, &e, Duration::ZERO))?;
        self.port.flush().map_err(|e| io_to_link(&self.name, &e, Duration::ZERO))
    }

    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        let _ = self.port.set_timeout(timeout.max(Duration::from_millis(1)));
        match self.port.read(buf) {
            Ok(0) => Err(LinkError::Timeout(timeout)),
            Ok(n) => Ok(n),
            Err(e) => Err(io_to_link(&self.name, &e, timeout)),
        }
    }

    fn describe(&self) -> String {
        self.name.clone()
    }

    fn discard_input(&mut self) {
        let _ = self.port.clear(serialport::ClearBuffer::Input);
    }
}

/// The kernel's USB printer character device (`usblp`): writes go to the bulk OUT endpoint, reads
/// come from the bulk IN endpoint of a bidirectional printer.
#[derive(Debug)]
pub struct LpLink {
    file: std::fs::File,
    name: String,
}

/// `O_NONBLOCK` on Linux: reads that would wait return at once, so that a read can time out.
const O_NONBLOCK: i32 = 0o4000;

impl LpLink {
    /// Opens `path` (e.g. `/dev/usb/lp0`).
    pub fn open(path: &str) -> Result<LpLink, LinkError> {
        use std::os::unix::fs::OpenOptionsExt;
        let name = format!("lp:{path}");
        let file =
            std::fs::OpenOptions::new().read(true).write(true).custom_flags(O_NONBLOCK).open(path).map_err(
                |e| {
                    LinkError::Disconnected(format!(
                        "{name} cannot be opened ({e}): is the printer plugged in and on?"
                    ))
                },
            )?;
        Ok(LpLink { file, name })
    }
}

impl Link for LpLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let mut rest = bytes;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !rest.is_empty() {
            match self.file.write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(io_to_link(&self.name, &e, Duration::from_secs(10))),
            }
        }
        Ok(())
    }

    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.file.read(buf) {
                Ok(n) if n > 0 => return Ok(n),
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => return Err(io_to_link(&self.name, &e, timeout)),
            }
            if Instant::now() >= deadline {
                return Err(LinkError::Timeout(timeout));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

/// Serial ports the system lists, and the kernel's USB printer devices, as addresses.
/// (Pseudo-terminals are not listed: configure them by path.)
pub fn found() -> Vec<String> {
    let mut out: Vec<String> = serialport::available_ports()
        .map(|ports| ports.into_iter().map(|p| format!("serial:{}", p.port_name)).collect())
        .unwrap_or_default();
    if let Ok(entries) = std::fs::read_dir("/dev/usb") {
        let mut lp: Vec<String> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("lp")))
            .map(|p| format!("lp:{}", p.display()))
            .collect();
        lp.sort();
        out.extend(lp);
    }
    out
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
            "lp:/dev/usb/lp0",
            "usb:04b8:0e28",
        ] {
            assert_eq!(Address::parse(text).unwrap().to_string(), text);
        }
        for bad in ["9100", "tcp:nohost", "tcp::9100", "serial:", "usb:zz:1", "bluetooth:x"] {
            let e = Address::parse(bad).unwrap_err();
            assert!(e.to_string().contains("tcp:HOST:PORT"), "{e}");
        }
    }
}
