//! The receipt printer simulator: decodes each ESC/POS job it receives into text and writes it to
//! an output folder (`000001.txt`, `000002.txt` …; a drawer kick outside a receipt gets a file of its
//! own), answers `DLE EOT` status queries in real time, and can be told to run out of paper, have
//! its cover opened, go off line, answer garbage or nothing, give no status at all (a USB printer
//! with no IN endpoint), or vanish mid-job: its cable is pulled (the connection or the
//! pseudo-terminal closes) and it comes back after a while, having lost what it had not printed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::escpos::{Decoder, Event, status};
use crate::link::{Link, LinkError};
use crate::sim::{Stop, poll};

/// What the simulated printer is like now; changed through [`PrinterControl`].
#[derive(Clone, Debug, Default)]
pub struct PrinterState {
    /// Out of paper: jobs are received but not printed, status says paper end.
    pub paper_out: bool,
    /// Cover open: as paper out, status says cover open.
    pub cover_open: bool,
    /// Answer status queries with bytes no printer sends.
    pub garbage: bool,
    /// Answer nothing.
    pub silent: bool,
    /// Off line (its button, or a fault): jobs are received but not printed.
    pub offline: bool,
    /// No status channel: status queries are never answered, jobs print.
    pub no_status: bool,
    /// How long it stays away after vanishing.
    pub away_for: std::time::Duration,
    /// The roll runs out while the next receipt prints: that receipt is not finished.
    pub run_out_in_next_job: bool,
    /// Drop the connection after this many more bytes of a job.
    pub vanish_after: Option<usize>,
    /// Receipts written so far.
    pub printed: usize,
    /// Jobs received while out of paper or with the cover open (not printed).
    pub discarded: usize,
    /// Drawer kicks received.
    pub drawer_kicks: usize,
}

/// A handle on a running simulated printer.
#[derive(Clone, Debug, Default)]
pub struct PrinterControl(Arc<Mutex<PrinterState>>);

impl PrinterControl {
    /// The state, to read or change.
    pub fn state(&self) -> MutexGuard<'_, PrinterState> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A simulated ESC/POS printer writing into a folder.
#[derive(Debug)]
pub struct PrinterSim {
    out: PathBuf,
    width: usize,
    /// Its control handle.
    pub control: PrinterControl,
}

impl PrinterSim {
    /// A printer of `width` columns writing into `out` (created).
    pub fn new(out: &Path, width: usize) -> std::io::Result<PrinterSim> {
        fs::create_dir_all(out)?;
        Ok(PrinterSim { out: out.to_owned(), width, control: PrinterControl::default() })
    }

    fn answer(&self, n: u8) -> Option<u8> {
        let s = self.control.state();
        if s.silent || s.no_status {
            return None;
        }
        if s.garbage {
            return Some(0xff);
        }
        let mut byte = status::FIXED;
        let stopped = s.paper_out || s.cover_open || s.offline;
        byte |= match n {
            status::OFFLINE => {
                (if s.cover_open { status::COVER_OPEN } else { 0 })
                    | (if s.paper_out { status::STOPPED_NO_PAPER } else { 0 })
            }
            status::PAPER if s.paper_out => status::PAPER_END,
            status::PRINTER if stopped => status::OFFLINE_BIT,
            _ => 0,
        };
        Some(byte)
    }

    fn write(&self, text: &str) -> std::io::Result<PathBuf> {
        let next = fs::read_dir(&self.out)?
            .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "txt")))
            .count()
            + 1;
        let path = self.out.join(format!("{next:06}.txt"));
        let tmp = self.out.join(format!(".{next:06}.part"));
        fs::write(&tmp, text)?;
        fs::rename(&tmp, &path)?;
        Ok(path)
    }

    /// Serves one connection until it closes, vanishes on purpose, or `stop` is set.
    pub fn serve(&self, link: &mut dyn Link, stop: &Stop) -> Result<(), LinkError> {
        let mut decoder = Decoder::new(self.width);
        let mut buf = [0u8; 4096];
        while !stop.stopped() {
            let mut n = poll(link, &mut buf)?;
            if n == 0 {
                continue;
            }
            {
                let mut s = self.control.state();
                if let Some(left) = s.vanish_after {
                    if n >= left {
                        s.vanish_after = None;
                        let away = s.away_for;
                        n = left;
                        drop(s);
                        decoder.feed(&buf[..n]);
                        // The cable is pulled: the till's side breaks, what was half printed is lost.
                        stop.hang_up(away);
                        return Err(LinkError::Disconnected("the printer vanished".into()));
                    }
                    s.vanish_after = Some(left - n);
                }
            }
            for event in decoder.feed(&buf[..n]) {
                match event {
                    Event::Status(q) => {
                        if let Some(b) = self.answer(q) {
                            link.send(&[b])?;
                        }
                    }
                    Event::Cut(text) => {
                        let mut s = self.control.state();
                        if s.run_out_in_next_job {
                            s.run_out_in_next_job = false;
                            s.paper_out = true;
                        }
                        if s.paper_out || s.cover_open || s.offline {
                            s.discarded += 1;
                        } else {
                            s.printed += 1;
                            drop(s);
                            self.write(&text).map_err(|e| {
                                LinkError::Disconnected(format!("cannot write the receipt: {e}"))
                            })?;
                        }
                    }
                    Event::Drawer(alone) => {
                        self.control.state().drawer_kicks += 1;
                        if let Some(text) = alone {
                            self.write(&text).map_err(|e| {
                                LinkError::Disconnected(format!("cannot write the drawer kick: {e}"))
                            })?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
