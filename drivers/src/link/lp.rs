//! The kernel's USB printer character device (`usblp`, `/dev/usb/lp*`).

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use super::{BackChannel, Link, LinkError, io_to_link};

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

    fn back_channel(&self) -> BackChannel {
        // `usblp` reads from the printer's IN endpoint only when the printer has one and speaks
        // the bidirectional protocol: a printer on this link may give no status.
        BackChannel::Unknown
    }
}
