//! The serial scanner simulator: sends each code it is given, with the configured prefix, suffix
//! and terminator, as a scanner behind a USB-serial adapter does.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use crate::link::{Link, LinkError};
use crate::sim::Stop;

/// A simulated serial scanner.
pub struct ScannerSim {
    prefix: String,
    suffix: String,
    terminator: &'static [u8],
    codes: Mutex<Receiver<Vec<u8>>>,
    sender: Sender<Vec<u8>>,
}

/// A handle to give the simulated scanner codes to scan.
#[derive(Clone, Debug)]
pub struct ScannerControl(Sender<Vec<u8>>);

impl ScannerControl {
    /// Scans `code`.
    pub fn scan(&self, code: &str) {
        let _ = self.0.send(code.as_bytes().to_vec());
    }

    /// Sends raw bytes as if they were a scan (noise, a wrong speed).
    pub fn raw(&self, bytes: &[u8]) {
        let _ = self.0.send(bytes.to_vec());
    }
}

impl ScannerSim {
    /// A scanner adding `prefix` and `suffix` to each code, ending it with CR LF (`crlf`) or CR.
    pub fn new(prefix: &str, suffix: &str, crlf: bool) -> ScannerSim {
        let (sender, receiver) = channel();
        ScannerSim {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
            terminator: if crlf { b"\r\n" } else { b"\r" },
            codes: Mutex::new(receiver),
            sender,
        }
    }

    /// Its control handle.
    pub fn control(&self) -> ScannerControl {
        ScannerControl(self.sender.clone())
    }

    /// Sends the codes given to it until `stop` is set.
    pub fn serve(&self, link: &mut dyn Link, stop: &Stop) -> Result<(), LinkError> {
        let codes = self.codes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while !stop.stopped() {
            let Ok(code) = codes.recv_timeout(Duration::from_millis(20)) else { continue };
            let mut frame = self.prefix.as_bytes().to_vec();
            frame.extend_from_slice(&code);
            frame.extend_from_slice(self.suffix.as_bytes());
            frame.extend_from_slice(self.terminator);
            link.send(&frame)?;
        }
        Ok(())
    }
}

/// A scanner inside the process: codes given to its [`ScannerControl`] come out of
/// [`crate::scanner::Scanner::next_code`], as from a serial scanner.
pub struct LocalScanner {
    codes: Receiver<Vec<u8>>,
    sender: Sender<Vec<u8>>,
}

impl Default for LocalScanner {
    fn default() -> Self {
        let (sender, codes) = channel();
        LocalScanner { codes, sender }
    }
}

impl LocalScanner {
    /// Its control handle.
    pub fn control(&self) -> ScannerControl {
        ScannerControl(self.sender.clone())
    }
}

impl crate::scanner::Scanner for LocalScanner {
    fn next_code(&mut self, timeout: Duration) -> Result<Option<String>, crate::scanner::ScannerError> {
        match self.codes.recv_timeout(timeout) {
            Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| crate::scanner::ScannerError {
                kind: crate::scanner::ScannerErrorKind::Protocol,
                message: "the scan is not text".into(),
            }),
            Err(_) => Ok(None),
        }
    }
}
