//! A serial port, or the pseudo-terminal that stands for one.

use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::time::Duration;

use super::{
    DataBits, LineSettings, Link, LinkError, Parity, StopBits, check_parity, io_to_link, with_parity,
};

/// A serial port (or pseudo-terminal).
pub struct SerialLink {
    port: Box<dyn serialport::SerialPort>,
    name: String,
    /// The parity this link puts into the eighth bit itself (7-bit lines with parity).
    parity: Option<Parity>,
    parity_errors: u64,
}

impl fmt::Debug for SerialLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SerialLink").field("name", &self.name).finish()
    }
}

impl SerialLink {
    /// Opens `path` with `settings`. A 7-bit line with parity is run as an 8-bit line carrying the
    /// parity in its eighth bit (see [`crate::link`]'s `line` module).
    pub fn open(path: &str, settings: LineSettings) -> Result<SerialLink, LinkError> {
        let name = format!("serial:{path}");
        let frame = settings.frame;
        let parity = frame.software_parity();
        let (data_bits, uart_parity) = match (parity, frame.data_bits) {
            // Seven bits and parity: eight bits on the UART, the eighth being the parity.
            (Some(_), _) => (serialport::DataBits::Eight, Parity::None),
            (None, DataBits::Eight) => (serialport::DataBits::Eight, frame.parity),
            (None, DataBits::Seven) => (serialport::DataBits::Seven, Parity::None),
        };
        let builder = serialport::new(path, settings.baud)
            .data_bits(data_bits)
            .parity(match uart_parity {
                Parity::None => serialport::Parity::None,
                Parity::Even => serialport::Parity::Even,
                Parity::Odd => serialport::Parity::Odd,
            })
            .stop_bits(match frame.stop_bits {
                StopBits::One => serialport::StopBits::One,
                StopBits::Two => serialport::StopBits::Two,
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
                    let holder = lock_holder(path).map_or_else(
                        || "another program (the till itself?)".to_owned(),
                        |(pid, program)| format!("{program} (process {pid})"),
                    );
                    return Err(LinkError::Disconnected(format!(
                        "{name} is in use by {holder}: close it first"
                    )));
                }
                Err(e) => {
                    return Err(LinkError::Disconnected(format!(
                        "{name} cannot be opened ({e}): check the cable and the path"
                    )));
                }
            }
        };
        Ok(SerialLink { port, name, parity, parity_errors: 0 })
    }

    /// Wraps an open port (a pseudo-terminal in tests), 8N1.
    pub fn from_port(port: Box<dyn serialport::SerialPort>, name: &str) -> SerialLink {
        SerialLink { port, name: format!("serial:{name}"), parity: None, parity_errors: 0 }
    }
}

/// The process holding the lock on the device at `path`, and its program's name, from
/// `/proc/locks` (Linux; `None` elsewhere or when nobody is found).
fn lock_holder(path: &str) -> Option<(u32, String)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        let dev = meta.dev();
        // The file system's device as `/proc/locks` writes it (major:minor in hex) and the inode.
        let file_id = format!(
            "{:02x}:{:02x}:{}",
            ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff),
            (dev & 0xff) | ((dev >> 12) & !0xff),
            meta.ino()
        );
        let locks = std::fs::read_to_string("/proc/locks").ok()?;
        locks.lines().find_map(|line| {
            // `1: FLOCK  ADVISORY  WRITE 1234 00:1a:5 0 EOF`; lines of waiters carry `->`.
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.get(1) != Some(&"FLOCK") {
                return None;
            }
            let (pid, file) = (fields.get(4)?, fields.get(5)?);
            if *file != file_id {
                return None;
            }
            let pid: u32 = pid.parse().ok()?;
            let program = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            Some((pid, program.trim().to_owned()))
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

impl Link for SerialLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let framed: Vec<u8>;
        let bytes = match self.parity {
            Some(p) => {
                framed = bytes.iter().map(|&b| with_parity(b, p)).collect();
                &framed[..]
            }
            None => bytes,
        };
        self.port.write_all(bytes).map_err(|e| io_to_link(&self.name, &e, Duration::ZERO))?;
        self.port.flush().map_err(|e| io_to_link(&self.name, &e, Duration::ZERO))
    }

    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        self.port.set_timeout(timeout.max(Duration::from_millis(1))).map_err(|e| {
            LinkError::Disconnected(format!("{}: cannot set the read timeout ({e})", self.name))
        })?;
        let n = match self.port.read(buf) {
            Ok(0) => return Err(LinkError::Timeout(timeout)),
            Ok(n) => n,
            Err(e) => return Err(io_to_link(&self.name, &e, timeout)),
        };
        if let Some(p) = self.parity {
            for b in &mut buf[..n] {
                let (c, ok) = check_parity(*b, p);
                *b = c;
                if !ok {
                    self.parity_errors += 1;
                }
            }
        }
        Ok(n)
    }

    fn describe(&self) -> String {
        self.name.clone()
    }

    fn discard_input(&mut self) {
        let _ = self.port.clear(serialport::ClearBuffer::Input);
    }

    fn line_errors(&self) -> u64 {
        self.parity_errors
    }
}
