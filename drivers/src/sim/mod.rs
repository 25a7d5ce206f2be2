//! Simulators: each device played on the far side of a real OS interface (a pseudo-terminal or a
//! TCP socket), for tests, the demo and `pos-sim`. A simulator serves one [`Link`] at a time and is
//! steered while it runs through its control handle (paper out, a weight on the scale, the next
//! payment's outcome, faults to inject).
//!
//! On a serial line a simulator is the device at the end of the cable: [`Wire`] gives it the line's
//! frame (a 7E1 terminal sends its parity in the eighth bit and ignores characters whose parity is
//! wrong, as a UART set to 7E1 would make of an 8N1 till), and [`Stop::hang_up`] pulls the cable:
//! the pseudo-terminal is closed (the till's side reads and writes fail, as when a USB adapter is
//! unplugged) and a new one is put at the same path when the device is back.

pub mod caisse_ap;
pub mod concert;
pub mod printer;
pub mod scale;
pub mod scanner;
mod wire;

pub use wire::Wire;

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
    /// The symbolic link made to it, if any.
    link: Option<std::path::PathBuf>,
}

impl Pty {
    /// Opens a new pseudo-terminal; with `link`, also makes `link` a symbolic link to its device
    /// path (what `pos-sim --pty PATH` gives the technician). Only a symbolic link (or nothing) is
    /// replaced at `link`: a file or a folder there is an error, left as it is.
    pub fn open(link: Option<&Path>) -> Result<Pty, LinkError> {
        let (master, slave) = TTYPort::pair()
            .map_err(|e| LinkError::Disconnected(format!("cannot open a pseudo-terminal: {e}")))?;
        let path =
            slave.name().ok_or_else(|| LinkError::Disconnected("the pseudo-terminal has no name".into()))?;
        // The till opens the device itself, with its own (exclusive) lock.
        drop(slave);
        if let Some(link) = link {
            match std::fs::symlink_metadata(link) {
                Ok(m) if m.file_type().is_symlink() => {
                    std::fs::remove_file(link).map_err(|e| {
                        LinkError::Disconnected(format!("cannot replace the link {}: {e}", link.display()))
                    })?;
                }
                Ok(_) => {
                    return Err(LinkError::Disconnected(format!(
                        "{} exists and is not a symbolic link: choose another path (nothing was removed)",
                        link.display()
                    )));
                }
                Err(_) => {}
            }
            std::os::unix::fs::symlink(&path, link).map_err(|e| {
                LinkError::Disconnected(format!("cannot link {} to {path}: {e}", link.display()))
            })?;
        }
        Ok(Pty { master, path, link: link.map(Path::to_owned) })
    }

    /// The cable pulled and put back: this pseudo-terminal is closed (the other side's reads and
    /// writes fail) and a new one takes its place, at the same symbolic link, after `off`.
    pub fn replug(self, off: Duration) -> Result<Pty, LinkError> {
        let link = self.link.clone();
        drop(self);
        std::thread::sleep(off);
        Pty::open(link.as_deref())
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
        self.port.set_timeout(timeout.max(Duration::from_millis(1))).map_err(|e| {
            LinkError::Disconnected(format!("pty {}: cannot set the read timeout ({e})", self.name))
        })?;
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
    /// simulator waits for it to open it again; when the device hangs up ([`Stop::hang_up`]) the
    /// pseudo-terminal is replaced by a new one at the same path after the time asked.
    pub fn serve_in_background(
        self,
        stop: &Stop,
        serve: impl Fn(&mut dyn Link, &Stop) + Send + 'static,
    ) -> std::thread::JoinHandle<()> {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut pty = self;
            while !stop.stopped_for_good() {
                match pty.link() {
                    Ok(mut link) => serve(&mut link, &stop),
                    Err(_) => return,
                }
                if let Some(off) = stop.take_hang_up() {
                    pty = match pty.replug(off) {
                        Ok(p) => p,
                        Err(_) => return,
                    };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    }
}

/// Flags that stop a simulator's loop for good, or for a while (the device hangs up: a cable
/// pulled, a power cycle).
#[derive(Clone, Debug, Default)]
pub struct Stop {
    stop: Arc<AtomicBool>,
    hang_up: Arc<std::sync::Mutex<Option<Duration>>>,
}

impl Stop {
    /// Asks the loop to stop.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Asks the device to hang up and come back after `off`.
    pub fn hang_up(&self, off: Duration) {
        *self.hang_up.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(off);
    }

    /// Whether the current connection should end (stop or hang-up).
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
            || self.hang_up.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some()
    }

    /// Whether the loop was asked to stop for good.
    pub fn stopped_for_good(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The hang-up asked, if any, now being carried out.
    pub fn take_hang_up(&self) -> Option<Duration> {
        self.hang_up.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
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

/// Serves connections to `listener` one at a time with `serve` on a thread until `stop`. When the
/// device hangs up ([`Stop::hang_up`]) the connection is closed and the port stops listening (a
/// till's connection is refused, as by a device switched off) until the device is back.
pub fn serve_tcp(
    listener: std::net::TcpListener,
    stop: &Stop,
    serve: impl Fn(&mut dyn Link, &Stop) + Send + 'static,
) -> std::thread::JoinHandle<()> {
    let stop = stop.clone();
    std::thread::spawn(move || {
        let Ok(addr) = listener.local_addr() else { return };
        let mut listener = Some(listener);
        while !stop.stopped_for_good() {
            let Some(l) = listener.as_ref() else { return };
            let _ = l.set_nonblocking(true);
            match l.accept() {
                Ok((stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    serve(&mut crate::link::TcpLink::from_stream(stream), &stop);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
            if let Some(off) = stop.take_hang_up() {
                listener = None;
                std::thread::sleep(off);
                // The port is taken again; a few tries while the old socket is let go.
                for _ in 0..50 {
                    if let Ok(l) = std::net::TcpListener::bind(addr) {
                        listener = Some(l);
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    })
}
