//! Receipt printers and the cash drawer they drive.

use std::collections::VecDeque;
use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::escpos::{self, status};
use crate::link::{Link, LinkError};
use crate::receipt::{Block, Receipt};

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
    /// The printer answered something that is not its protocol (wrong device, wrong speed, noise).
    Protocol,
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

/// A receipt printer with its cash drawer. `Send`: the till may run on a thread of its own.
pub trait ReceiptPrinter: Send {
    /// Prints one receipt. When the printer cannot print it now (paper out, cover open), the error
    /// says why and the receipt is kept: it prints, once, at the next call that finds the printer
    /// ready ([`ReceiptPrinter::retry`] or another receipt).
    fn print(&mut self, receipt: &Receipt) -> Result<(), PrinterError>;
    /// Opens the cash drawer.
    fn open_drawer(&mut self) -> Result<(), PrinterError>;
    /// Prints the receipts kept back, if the printer is ready now.
    fn retry(&mut self) -> Result<(), PrinterError> {
        Ok(())
    }
    /// Receipts kept back, waiting for the printer.
    fn waiting(&self) -> usize {
        0
    }
}

/// What the printer says of itself, read with `DLE EOT` queries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrinterStatus {
    /// The cover is open.
    pub cover_open: bool,
    /// The roll is out of paper.
    pub paper_out: bool,
    /// The roll is nearly out.
    pub paper_near_end: bool,
    /// The printer reports an error (a jam, the cutter).
    pub error: bool,
}

/// An ESC/POS printer on a [`Link`] (TCP 9100, serial, `/dev/usb/lp*`, USB).
///
/// Each receipt is one job. Before a job the printer's status is asked (`DLE EOT 2`, `DLE EOT 4`); a
/// job is sent only to a ready printer, and asked again after: a job the printer could not finish
/// (the paper ran out or the cover opened during it) stays in the queue and is sent again, whole,
/// once the printer is ready; so does a job whose line broke. A job delivered to a printer that
/// then answers nothing or garbage leaves the queue (sending it again could print a second
/// ORIGINAL; the cashier reprints a DUPLICATA if nothing came out). A drawer kick is sent at once, never
/// queued.
pub struct EscPosPrinter {
    link: Box<dyn Link>,
    queue: VecDeque<Vec<u8>>,
    timeout: Duration,
}

impl EscPosPrinter {
    /// A printer on `link`, answering status queries within `timeout`.
    pub fn new(link: Box<dyn Link>, timeout: Duration) -> EscPosPrinter {
        EscPosPrinter { link, queue: VecDeque::new(), timeout }
    }

    fn link_error(&self, e: LinkError) -> PrinterError {
        match e {
            LinkError::Timeout(_) => PrinterError {
                kind: PrinterErrorKind::Timeout,
                message: format!(
                    "{} does not answer: check it is on and online (the receipt is kept)",
                    self.link.describe()
                ),
            },
            LinkError::Disconnected(m) | LinkError::BadAddress(m) => PrinterError {
                kind: PrinterErrorKind::Disconnected,
                message: format!("{m} (the receipt is kept)"),
            },
        }
    }

    fn ask(&mut self, n: u8) -> Result<u8, PrinterError> {
        self.link.send(&escpos::status_query(n)).map_err(|e| self.link_error(e))?;
        let mut b = [0u8; 1];
        self.link.receive_exact(&mut b, self.timeout).map_err(|e| self.link_error(e))?;
        if b[0] & 0b1001_0011 != status::FIXED {
            return Err(PrinterError {
                kind: PrinterErrorKind::Protocol,
                message: format!(
                    "{} answered 0x{:02x} to a status query, which no ESC/POS printer says: check the device and its speed",
                    self.link.describe(),
                    b[0]
                ),
            });
        }
        Ok(b[0])
    }

    /// Asks the printer how it is.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        self.link.discard_input();
        let offline = self.ask(status::OFFLINE)?;
        let paper = self.ask(status::PAPER)?;
        Ok(PrinterStatus {
            cover_open: offline & status::COVER_OPEN != 0,
            paper_out: paper & status::PAPER_END != 0 || offline & status::STOPPED_NO_PAPER != 0,
            paper_near_end: paper & status::PAPER_NEAR_END != 0,
            error: offline & status::ERROR != 0,
        })
    }

    fn ready(&mut self) -> Result<(), PrinterError> {
        let s = self.status()?;
        let waiting = self.queue.len();
        if s.cover_open {
            return Err(PrinterError {
                kind: PrinterErrorKind::CoverOpen,
                message: format!("the printer's cover is open: close it ({waiting} receipt(s) waiting)"),
            });
        }
        if s.paper_out {
            return Err(PrinterError {
                kind: PrinterErrorKind::PaperOut,
                message: format!("the printer is out of paper: load a roll ({waiting} receipt(s) waiting)"),
            });
        }
        if s.error {
            return Err(PrinterError {
                kind: PrinterErrorKind::Other,
                message: format!(
                    "the printer reports an error (a paper jam or the cutter): clear it, close the cover, press its feed button ({waiting} receipt(s) waiting)"
                ),
            });
        }
        Ok(())
    }

    fn drain(&mut self) -> Result<(), PrinterError> {
        while let Some(job) = self.queue.front().cloned() {
            self.ready()?;
            self.link.send(&job).map_err(|e| self.link_error(e))?;
            match self.ready() {
                Ok(()) => {
                    self.queue.pop_front();
                }
                // The printer stopped during the job, or the line broke (a printer that vanishes
                // loses what it had not printed): it prints again, whole.
                Err(e)
                    if matches!(
                        e.kind,
                        PrinterErrorKind::PaperOut
                            | PrinterErrorKind::CoverOpen
                            | PrinterErrorKind::Disconnected
                    ) =>
                {
                    return Err(e);
                }
                // The job was delivered and the printer, still there, does not answer sensibly:
                // printing it again could make a second ORIGINAL.
                Err(e) => {
                    self.queue.pop_front();
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

impl ReceiptPrinter for EscPosPrinter {
    fn print(&mut self, receipt: &Receipt) -> Result<(), PrinterError> {
        // The drawer opens now, paper or not, and once: it does not wait in the queue with the
        // receipt (the cashier gives change whatever the printer says).
        let kick = receipt.blocks.iter().any(|b| matches!(b, Block::Drawer));
        let job = if kick {
            let mut r = receipt.clone();
            r.blocks.retain(|b| !matches!(b, Block::Drawer));
            escpos::encode(&r)
        } else {
            escpos::encode(receipt)
        };
        self.queue.push_back(job);
        let drawer = if kick { self.open_drawer() } else { Ok(()) };
        self.drain().and(drawer)
    }

    fn open_drawer(&mut self) -> Result<(), PrinterError> {
        self.link.send(&escpos::DRAWER_KICK).map_err(|e| self.link_error(e))
    }

    fn retry(&mut self) -> Result<(), PrinterError> {
        self.drain()
    }

    fn waiting(&self) -> usize {
        self.queue.len()
    }
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
