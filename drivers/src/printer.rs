//! Receipt printers and the cash drawer they drive.

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::escpos::{self, status};
use crate::link::{BackChannel, Link, LinkError};
use crate::receipt::{Block, Receipt};

/// What a caller can do about a printer error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum PrinterErrorKind {
    /// Not connected or gone: check the cable or the network.
    Disconnected,
    /// Out of paper: load a roll.
    PaperOut,
    /// The cover is open: close it.
    CoverOpen,
    /// Off line (its on-line button, or a fault it reports).
    Offline,
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
    /// Whether the receipt is to be printed again, whole, once the printer is ready: true when it
    /// did not print (the printer was not ready, stopped during it, or its line broke); false when
    /// it reached a printer that then said nothing sensible, so that printing it again could make a
    /// second ORIGINAL.
    pub again: bool,
}

impl PrinterError {
    /// What a caller can act on.
    pub fn kind(&self) -> PrinterErrorKind {
        self.kind
    }

    fn new(kind: PrinterErrorKind, message: impl Into<String>) -> PrinterError {
        PrinterError { kind, message: message.into(), again: true }
    }
}

/// How a receipt was printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printed {
    /// The printer said it was ready before and after.
    Checked,
    /// Sent to a printer that gives no status (a one-way USB printer): whether the paper came out
    /// is not known.
    Unchecked,
}

/// A receipt printer with its cash drawer. `Send`: the till drives it from a thread of its own.
/// The printer keeps nothing back: a receipt that cannot print now is the caller's to keep (the
/// till keeps it in its database) and to print again when [`PrinterError::again`] says so.
pub trait ReceiptPrinter: Send {
    /// Prints one receipt, whole.
    fn print(&mut self, receipt: &Receipt) -> Result<Printed, PrinterError>;
    /// Opens the cash drawer.
    fn open_drawer(&mut self) -> Result<(), PrinterError>;
    /// What the printer says of itself (`None`: it gives no status).
    fn check(&mut self) -> Result<Option<PrinterStatus>, PrinterError>;
}

/// What the printer says of itself, read with `DLE EOT` queries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrinterStatus {
    /// Off line (`DLE EOT 1`, bit 3).
    pub offline: bool,
    /// The cover is open.
    pub cover_open: bool,
    /// The roll is out of paper.
    pub paper_out: bool,
    /// The roll is nearly out.
    pub paper_near_end: bool,
    /// The printer reports an error (a jam, the cutter).
    pub error: bool,
    /// The drawer's sensor (`DLE EOT 1`, bit 2): high with most drawers when open.
    pub drawer_high: bool,
}

impl PrinterStatus {
    /// The status in words, for the technician's screen.
    pub fn words(&self) -> String {
        let mut out = vec![if self.offline { "off line" } else { "on line" }];
        out.push(if self.cover_open { "cover open" } else { "cover closed" });
        out.push(if self.paper_out {
            "out of paper"
        } else if self.paper_near_end {
            "paper nearly out"
        } else {
            "paper loaded"
        });
        if self.error {
            out.push("reports an error (jam or cutter)");
        }
        out.push(if self.drawer_high { "drawer sensor high" } else { "drawer sensor low" });
        out.join(", ")
    }
}

/// An ESC/POS printer on a [`Link`] (TCP 9100, serial, `/dev/usb/lp*`, USB), usually a
/// [`crate::link::Reopening`] one, so that a printer unplugged or rebooted is found again.
///
/// Each receipt is one job. Before a job the printer's status is asked (`DLE EOT 1`, `2`, `4`); a
/// job is sent only to a ready printer, and the status is asked again after it: a job the printer
/// could not finish (the paper ran out, the cover opened or it went off line during it), or whose
/// line broke, is to be printed again, whole. On a link with no way back (a USB printer without
/// an IN endpoint), or an `lp` device that never answered a status query, receipts are sent
/// without status. A drawer kick is sent at once.
pub struct EscPosPrinter {
    link: Box<dyn Link>,
    timeout: Duration,
    /// A status answer was ever read on this link.
    answered: bool,
}

impl EscPosPrinter {
    /// A printer on `link`, answering status queries within `timeout`.
    pub fn new(link: Box<dyn Link>, timeout: Duration) -> EscPosPrinter {
        EscPosPrinter { link, timeout, answered: false }
    }

    fn link_error(&self, e: LinkError) -> PrinterError {
        match e {
            LinkError::Timeout(_) => PrinterError::new(
                PrinterErrorKind::Timeout,
                format!("{} does not answer: check it is on and on line", self.link.describe()),
            ),
            LinkError::Disconnected(m) | LinkError::BadAddress(m) => PrinterError::new(
                PrinterErrorKind::Disconnected,
                format!("{m}: check its cable and that it is on"),
            ),
        }
    }

    fn ask(&mut self, n: u8) -> Result<u8, PrinterError> {
        self.link.send(&escpos::status_query(n)).map_err(|e| self.link_error(e))?;
        let mut b = [0u8; 1];
        self.link.receive_exact(&mut b, self.timeout).map_err(|e| self.link_error(e))?;
        if b[0] & 0b1001_0011 != status::FIXED {
            return Err(PrinterError::new(
                PrinterErrorKind::Protocol,
                format!(
                    "{} answered 0x{:02x} to a status query, which no ESC/POS printer says: check the device and its speed",
                    self.link.describe(),
                    b[0]
                ),
            ));
        }
        self.answered = true;
        Ok(b[0])
    }

    /// Whether this printer gives no status: a link with no way back, or an `lp` device that has
    /// never answered and does not answer now.
    fn blind(&mut self) -> Result<bool, PrinterError> {
        match self.link.back_channel() {
            BackChannel::Yes => Ok(false),
            BackChannel::No => Ok(true),
            BackChannel::Unknown if self.answered => Ok(false),
            BackChannel::Unknown => match self.status() {
                Ok(_) => Ok(false),
                Err(e) if e.kind == PrinterErrorKind::Timeout => Ok(true),
                Err(e) => Err(e),
            },
        }
    }

    /// Asks the printer how it is.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        self.link.discard_input();
        let printer = self.ask(status::PRINTER)?;
        let offline = self.ask(status::OFFLINE)?;
        let paper = self.ask(status::PAPER)?;
        Ok(PrinterStatus {
            offline: printer & status::OFFLINE_BIT != 0,
            cover_open: offline & status::COVER_OPEN != 0,
            paper_out: paper & status::PAPER_END != 0 || offline & status::STOPPED_NO_PAPER != 0,
            paper_near_end: paper & status::PAPER_NEAR_END != 0,
            error: offline & status::ERROR != 0,
            drawer_high: printer & status::DRAWER_PIN != 0,
        })
    }

    fn ready(&mut self) -> Result<(), PrinterError> {
        let s = self.status()?;
        if s.cover_open {
            return Err(PrinterError::new(
                PrinterErrorKind::CoverOpen,
                "the printer's cover is open: close it",
            ));
        }
        if s.paper_out {
            return Err(PrinterError::new(
                PrinterErrorKind::PaperOut,
                "the printer is out of paper: load a roll",
            ));
        }
        if s.error {
            return Err(PrinterError::new(
                PrinterErrorKind::Other,
                "the printer reports an error (a paper jam or the cutter): clear it, close the cover, press its feed button",
            ));
        }
        if s.offline {
            return Err(PrinterError::new(
                PrinterErrorKind::Offline,
                "the printer is off line: press its on-line button",
            ));
        }
        Ok(())
    }
}

impl ReceiptPrinter for EscPosPrinter {
    fn print(&mut self, receipt: &Receipt) -> Result<Printed, PrinterError> {
        // The drawer opens now, paper or not (the cashier gives change whatever the printer says).
        let kick = receipt.blocks.iter().any(|b| matches!(b, Block::Drawer));
        let job = if kick {
            let mut r = receipt.clone();
            r.blocks.retain(|b| !matches!(b, Block::Drawer));
            escpos::encode(&r)
        } else {
            escpos::encode(receipt)
        };
        if kick {
            self.open_drawer()?;
        }
        if self.blind()? {
            self.link.send(&job).map_err(|e| self.link_error(e))?;
            return Ok(Printed::Unchecked);
        }
        self.ready()?;
        self.link.send(&job).map_err(|e| self.link_error(e))?;
        match self.ready() {
            Ok(()) => Ok(Printed::Checked),
            // The printer stopped during the job, or the line broke (a printer that vanishes loses
            // what it had not printed): it prints again, whole.
            Err(e)
                if matches!(
                    e.kind,
                    PrinterErrorKind::PaperOut
                        | PrinterErrorKind::CoverOpen
                        | PrinterErrorKind::Offline
                        | PrinterErrorKind::Disconnected
                ) =>
            {
                Err(e)
            }
            // The job was delivered and the printer, still there, does not answer sensibly:
            // printing it again could make a second ORIGINAL.
            Err(e) => Err(PrinterError {
                message: format!(
                    "{}; the receipt was sent: reprint a duplicate if it did not come out",
                    e.message
                ),
                again: false,
                ..e
            }),
        }
    }

    fn open_drawer(&mut self) -> Result<(), PrinterError> {
        self.link.send(&escpos::DRAWER_KICK).map_err(|e| self.link_error(e))
    }

    fn check(&mut self) -> Result<Option<PrinterStatus>, PrinterError> {
        if self.blind()? {
            // A one-way printer: what can be checked is that the line takes bytes.
            self.link.send(&[]).map_err(|e| self.link_error(e))?;
            return Ok(None);
        }
        self.status().map(Some)
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
        fs::create_dir_all(&dir).map_err(|e| {
            PrinterError::new(PrinterErrorKind::Disconnected, format!("cannot create {}: {e}", dir.display()))
        })?;
        Ok(FolderPrinter { dir })
    }

    fn write(&mut self, text: &str) -> Result<(), PrinterError> {
        let err = |e: std::io::Error| {
            PrinterError::new(
                PrinterErrorKind::Disconnected,
                format!("cannot write into {}: {e}", self.dir.display()),
            )
        };
        let next = fs::read_dir(&self.dir).map_err(err)?.count() + 1;
        let path = self.dir.join(format!("{next:06}.txt"));
        let mut f = fs::File::create(&path).map_err(err)?;
        f.write_all(text.as_bytes()).map_err(err)?;
        Ok(())
    }
}

impl ReceiptPrinter for FolderPrinter {
    fn print(&mut self, receipt: &Receipt) -> Result<Printed, PrinterError> {
        self.write(&receipt.to_text()).map(|()| Printed::Checked)
    }

    fn open_drawer(&mut self) -> Result<(), PrinterError> {
        self.write("[DRAWER]\n")
    }

    fn check(&mut self) -> Result<Option<PrinterStatus>, PrinterError> {
        fs::read_dir(&self.dir).map_err(|e| {
            PrinterError::new(
                PrinterErrorKind::Disconnected,
                format!("cannot read {}: {e}", self.dir.display()),
            )
        })?;
        Ok(None)
    }
}
