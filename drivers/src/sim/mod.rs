//! Simulators: each device played on the far side of a real OS interface (a pseudo-terminal or a
//! TCP socket), for tests, the demo and `pos-sim`. A simulator serves one [`Link`] at a time and is
//! steered while it runs through its control handle (paper out, a weight on the scale, the next
//! payment's outcome, faults to inject).

pub mod caisse_ap;
pub mod concert;
pub mod printer;
pub mod scale;
pub mod scanner;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

use crate::link::{Link, LinkError};

/// A pseudo-terminal: the simulator keeps the master; the device path (`/dev/pts/N`) is what the
/// till opens, as it would open `/dev/ttyUSB0`. While nobody has the device open, the master reads
/// as "nothing yet" (Linux says EIO), so a simulator can wait for the till to come.
pub struct Pty {
    master: TTYPort,
    /// The path the till opens.
    pub path: String,
}

impl Pty {
    /// Opens a new pseudo-terminal; with `link`, also makes `link` a symbolic link to its device
    /// path (what `pos-sim --pty PATH` gives the technician).
    pub fn open(link: Option<&Path>) -> Result<Pty, LinkError> {
        let (master, slave) = TTYPort::pair()
            .map_err(|e| LinkError::Disconnected(format!("cannot open a pseudo-terminal: {e}")))?;
        let path =
            slave.name().ok_or_else(|| LinkError::Disconnected("the pseudo-terminal has no name".into()))?;
        // The till opens the device itself, with its own (exclusive) lock.
        drop(slave);
        if let Some(link) = link {
            let _ = std::fs::remove_file(link);
            std::os::unix::fs::symlink(&path, link).map_err(|e| {
                LinkError::Disconnected(format!("cannot link {} to {path}: {e}", link.display()))
            })?;
        }
        Ok(Pty { master, path })
    }

    /// The simulator's side as a link.
    pub fn link(&self) -> Result<MasterLink, LinkError> {
        let port = self
            .master
            .try_clone_native()
            .map_err(|e| LinkError::Disconnected(format!("cannot use the pseudo-terminal: {e}")))?;
        Ok(MasterLink { port, name: self.path.clone() })
    }
}

/// The master side of a [`Pty`].
pub struct MasterLink {
    port: TTYPort,
    name: String,
}

/// Linux's answer when the other side of a pseudo-terminal is not open.
const EIO: i32 = 5;

impl Link for MasterLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        match self.port.write_all(bytes) {
            Ok(()) => Ok(()),
            // Nobody listening: what a device says to an unplugged cable goes nowhere.
            Err(e) if e.raw_os_error() == Some(EIO) => Ok(()),
            Err(e) => Err(LinkError::Disconnected(format!("pty {}: {e}", self.name))),
        }
    }

    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        let _ = self.port.set_timeout(timeout.max(Duration::from_millis(1)));
        match self.port.read(buf) {
            Ok(0) => Err(LinkError::Timeout(timeout)),
            Ok(n) => Ok(n),
            // Nobody has the device open: Linux says EIO to a read, POLLHUP to a poll.
            Err(e)
                if e.raw_os_error() == Some(EIO)
                    || matches!(e.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::Other) =>
            {
                std::thread::sleep(timeout.min(Duration::from_millis(20)));
                Err(LinkError::Timeout(timeout))
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) => {
                Err(LinkError::Timeout(timeout))
            }
            Err(e) => Err(LinkError::Disconnected(format!("pty {}: {e}", self.name))),
        }
    }

    fn describe(&self) -> String {
        format!("pty:{}", self.name)
    }
}

impl Pty {
    /// Serves this pty with `serve` on a thread until `stop`: when the till closes its side, the
    /// simulator waits for it to open it again.
    pub fn serve_in_background(
        self,
        stop: &Stop,
        serve: impl Fn(&mut dyn Link, &Stop) + Send + 'static,
    ) -> std::thread::JoinHandle<()> {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.stopped() {
                match self.link() {
                    Ok(mut link) => serve(&mut link, &stop),
                    Err(_) => return,
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    }
}

/// A flag that stops a simulator's loop.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Asks the loop to stop.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether it was asked.
    pub fn stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Receives, treating "nothing yet" as `Ok(0)`.
pub(crate) fn poll(link: &mut dyn Link, buf: &mut [u8]) -> Result<usize, LinkError> {
    match link.receive(buf, std::time::Duration::from_millis(20)) {
        Ok(n) => Ok(n),
        Err(LinkError::Timeout(_)) => Ok(0),
        Err(e) => Err(e),
    }
}
