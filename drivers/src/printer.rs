//! Receipt printers and the cash drawer they drive.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use crate::receipt::Receipt;

/// What a caller can do about a printer error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrinterErrorKind {
    /// Not connected or gone: check the cable or the network.
    Disconnected,
    /// Out of paper: load a roll.
    PaperOut,
    /// The cover is open: close it.
    CoverOpen,
    /// The printer did not answer in time.
    Timeout,
    /// Anything else the printer said.
    Other,
}

/// A printer error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("printer: {message}")]
pub struct PrinterError {
    /// What kind.
    pub kind: PrinterErrorKind,
    /// For people.
    pub message: String,
}

impl PrinterError {
    /// What a caller can act on.
    pub fn kind(&self) -> PrinterErrorKind {
        self.kind
    }
}

/// A receipt printer with its cash drawer.
pub trait ReceiptPrinter {
    /// Prints one receipt.
    fn print(&mut self, receipt: &Receipt) -> Result<(), PrinterError>;
    /// Opens the cash drawer.
    fn open_drawer(&mut self) -> Result<(), PrinterError>;
}

/// A printer that writes each receipt as text (see [`Receipt::to_text`]) into a folder, numbered in
/// order: `000001.txt`, `000002.txt` ... Drawer openings are written as `[DRAWER]` files of their own.
#[derive(Debug)]
pub struct FolderPrinter {
    dir: PathBuf,
}

impl FolderPrinter {
    /// Prints into `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, PrinterError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|e| PrinterError {
            kind: PrinterErrorKind::Disconnected,
            message: format!("cannot create {}: {e}", dir.display()),
        })?;
        Ok(FolderPrinter { dir })
    }

    fn write(&mut self, text: &str) -> Result<(), PrinterError> {
        let err = |e: std::io::Error| PrinterError {
            kind: PrinterErrorKind::Disconnected,
            message: format!("cannot write into {}: {e}", self.dir.display()),
        };
        let next = fs::read_dir(&self.dir).map_err(err)?.count() + 1;
        let path = self.dir.join(format!("{next:06}.txt"));
        let mut f = fs::File::create(&path).map_err(err)?;
        f.write_all(text.as_bytes()).map_err(err)?;
        Ok(())
    }
}

impl ReceiptPrinter for FolderPrinter {
    fn print(&mut self, receipt: &Receipt) -> Result<(), PrinterError> {
        self.write(&receipt.to_text())
    }

    fn open_drawer(&mut self) -> Result<(), PrinterError> {
        self.write("[DRAWER]\n")
    }
}
