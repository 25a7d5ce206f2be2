//! The receipt spool: receipts wait for the printer in the till's database and print, once, when it
//! is ready, from a thread of their own.
//!
//! A receipt handed to the spool is stored (`print_job`, written with `synchronous=NORMAL`: it
//! survives a killed till, not a power cut, and costs the sale no disk sync) and printed in order by
//! the spool's thread, which owns the printer. The till waits for the outcome of that receipt only
//! (a few milliseconds on a ready printer), so that the cashier is told at once when the paper is
//! out; a receipt behind others that wait, or a printer slow to answer, does not hold the sale. A
//! receipt is deleted once the printer said it printed, or once it reached a printer that then said
//! nothing sensible (printing it again could make a second ORIGINAL: the cashier is told to reprint
//! a duplicate if it did not come out). One that did not print (paper out, cover open, off line, the
//! cable pulled) stays and is tried again every [`RETRY_EVERY`]; the printer's link is opened again
//! at its address as it comes back ([`pos_drivers::link::Reopening`]).
//!
//! A receipt being printed when the till stopped is not printed again at the next start (it may
//! have come out): it is dropped, and the status bar says which, for the cashier to check.
//!
//! The cash drawer opens at once, through the same thread, whatever waits.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use pos_drivers::printer::{Printed, PrinterError, PrinterErrorKind, PrinterStatus, ReceiptPrinter};
use pos_drivers::receipt::{Block, Receipt};
use rusqlite::{Connection, params};

use crate::error::TillError;

/// How often receipts that wait are tried again.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);

/// How long the till waits for the outcome of a receipt it just handed over.
const WAIT_FOR_OUTCOME: Duration = Duration::from_secs(8);

/// What the spool's thread last knew of the printer, for the status bar.
#[derive(Clone, Debug, Default)]
pub struct SpoolHealth {
    /// The last outcome: `Ok(what printed)` or `Err(why not)`.
    pub last: Option<Result<String, PrinterError>>,
    /// Receipts being printed when the till last stopped, dropped rather than printed twice.
    pub interrupted: Vec<String>,
}

type Reply<T> = Sender<Result<T, PrinterError>>;

enum Command {
    Print { label: String, layout: Receipt, reply: Reply<Printed> },
    Retry(Reply<()>),
    Drawer(Reply<()>),
    Test(Receipt, Reply<(Printed, Option<PrinterStatus>)>),
    Stop,
}

/// The spool and its thread.
pub struct Spool {
    tx: Sender<Command>,
    health: Arc<Mutex<SpoolHealth>>,
    worker: Option<std::thread::JoinHandle<()>>,
}

fn lost(what: &str) -> PrinterError {
    PrinterError {
        kind: PrinterErrorKind::Other,
        message: format!("the printing thread stopped before {what}: restart the till"),
        again: true,
    }
}

impl Spool {
    /// Starts the spool of the till in `dir`, printing on `printer`.
    pub fn start(dir: &Path, printer: Box<dyn ReceiptPrinter>) -> Result<Spool, TillError> {
        let conn = crate::store::open_existing(dir)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let health = Arc::new(Mutex::new(SpoolHealth::default()));
        let interrupted: Vec<String> = conn
            .prepare("SELECT label FROM print_job WHERE state = 'sending' ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        conn.execute("DELETE FROM print_job WHERE state = 'sending'", [])?;
        health.lock().unwrap_or_else(PoisonError::into_inner).interrupted = interrupted;
        let (tx, rx) = channel();
        let worker = Worker {
            conn,
            printer,
            health: Arc::clone(&health),
            replies: BTreeMap::new(),
            finished: Default::default(),
        };
        let thread = std::thread::Builder::new()
            .name("receipt spool".into())
            .spawn(move || worker.run(&rx))
            .map_err(|e| TillError::storage_from("cannot start the printing thread", e))?;
        Ok(Spool { tx, health, worker: Some(thread) })
    }

    fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command, what: &str) -> Result<T, PrinterError> {
        let (reply, answer) = channel();
        self.tx.send(make(reply)).map_err(|_| lost(what))?;
        match answer.recv_timeout(WAIT_FOR_OUTCOME) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => Err(PrinterError {
                kind: PrinterErrorKind::Timeout,
                message: format!("the printer is slow to answer ({what} goes on in the background)"),
                again: true,
            }),
            Err(RecvTimeoutError::Disconnected) => Err(lost(what)),
        }
    }

    /// Stores `layout` (without its drawer kick, which is sent at once) and waits for it to print.
    pub fn print(&self, label: &str, layout: &Receipt) -> Result<Printed, PrinterError> {
        let kick = layout.blocks.iter().any(|b| matches!(b, Block::Drawer));
        let drawer = if kick { self.open_drawer() } else { Ok(()) };
        let mut layout = layout.clone();
        layout.blocks.retain(|b| !matches!(b, Block::Drawer));
        let printed = self.ask(|reply| Command::Print { label: label.to_owned(), layout, reply }, "printing");
        drawer.and(printed)
    }

    /// Prints what waits, now.
    pub fn retry(&self) -> Result<(), PrinterError> {
        self.ask(Command::Retry, "printing what waits")
    }

    /// Opens the cash drawer now.
    pub fn open_drawer(&self) -> Result<(), PrinterError> {
        self.ask(Command::Drawer, "opening the drawer")
    }

    /// Prints `receipt` now, ahead of what waits and without keeping it, and reads the printer's
    /// status (the technician's test).
    pub fn test(&self, receipt: &Receipt) -> Result<(Printed, Option<PrinterStatus>), PrinterError> {
        self.ask(|reply| Command::Test(receipt.clone(), reply), "the test")
    }

    /// What the spool's thread last knew.
    pub fn health(&self) -> SpoolHealth {
        self.health.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = self.tx.send(Command::Stop);
        if let Some(t) = self.worker.take()
            && t.join().is_err()
        {
            tracing::error!("the printer's thread stopped on a panic: receipts waiting stay in print_job");
        }
    }
}

/// Receipts waiting in the database of `conn`.
pub fn waiting(conn: &Connection) -> Result<usize, TillError> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM print_job", [], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

struct Worker {
    conn: Connection,
    printer: Box<dyn ReceiptPrinter>,
    health: Arc<Mutex<SpoolHealth>>,
    /// Tills waiting for the outcome of a receipt, by job.
    replies: BTreeMap<i64, Reply<Printed>>,
    /// Jobs that printed but could not be deleted yet (the database busy): never printed again.
    finished: std::collections::BTreeSet<i64>,
}

impl Worker {
    fn run(mut self, rx: &Receiver<Command>) {
        let mut next_try = Some(Instant::now());
        loop {
            let wait =
                next_try.map_or(Duration::from_secs(3600), |t| t.saturating_duration_since(Instant::now()));
            let command = match rx.recv_timeout(wait) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            match command {
                Some(Command::Stop) => return,
                Some(Command::Print { label, layout, reply }) => match self.store(&label, &layout) {
                    Ok(id) => {
                        self.replies.insert(id, reply);
                        next_try = self.drain();
                    }
                    Err(e) => {
                        let _ = reply.send(Err(PrinterError {
                            kind: PrinterErrorKind::Other,
                            message: format!(
                                "the receipt could not be kept for the printer ({e}): reprint it"
                            ),
                            again: false,
                        }));
                    }
                },
                Some(Command::Retry(reply)) => {
                    next_try = self.drain();
                    let _ = reply.send(match &self.health().last {
                        Some(Err(e)) if next_try.is_some() => Err(PrinterError { again: true, ..e.clone() }),
                        _ => Ok(()),
                    });
                }
                Some(Command::Drawer(reply)) => {
                    let _ = reply.send(self.printer.open_drawer());
                }
                Some(Command::Test(receipt, reply)) => {
                    let r = self.printer.print(&receipt).and_then(|p| self.printer.check().map(|s| (p, s)));
                    self.note(r.as_ref().map(|_| "test receipt printed".to_owned()).map_err(Clone::clone));
                    let _ = reply.send(r);
                }
                None => next_try = self.drain(),
            }
        }
    }

    fn health(&self) -> SpoolHealth {
        self.health.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn note(&self, last: Result<String, PrinterError>) {
        match &last {
            Ok(m) => tracing::info!("printer: {m}"),
            Err(e) => tracing::warn!("printer: {}", e.message),
        }
        self.health.lock().unwrap_or_else(PoisonError::into_inner).last = Some(last);
    }

    fn store(&self, label: &str, layout: &Receipt) -> Result<i64, TillError> {
        let json = serde_json::to_string(layout)
            .map_err(|e| TillError::storage_from("cannot encode a receipt", e))?;
        self.conn.execute(
            "INSERT INTO print_job (label, layout, made_at) VALUES (?1, ?2, datetime('now'))",
            params![label, json],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn answer(&mut self, id: i64, r: Result<Printed, PrinterError>) {
        if let Some(reply) = self.replies.remove(&id) {
            let _ = reply.send(r);
        }
    }

    /// Deletes a job that reached the printer; one the database will not delete now is
    /// remembered, so that it is not printed twice.
    fn forget(&mut self, id: i64) {
        if self.conn.execute("DELETE FROM print_job WHERE id = ?1", [id]).is_err() {
            self.finished.insert(id);
        }
    }

    /// Prints what waits, in order; when to try again (`None`: nothing waits).
    fn drain(&mut self) -> Option<Instant> {
        loop {
            let next: Option<(i64, String, String)> = match self
                .conn
                .query_row("SELECT id, label, layout FROM print_job ORDER BY id LIMIT 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map(Some)
                .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })
            {
                Ok(n) => n,
                Err(e) => {
                    self.note(Err(other(format!("the receipts waiting cannot be read: {e}"))));
                    return Some(Instant::now() + RETRY_EVERY);
                }
            };
            let (id, label, layout) = next?;
            if self.finished.contains(&id) {
                if self.conn.execute("DELETE FROM print_job WHERE id = ?1", [id]).is_err() {
                    return Some(Instant::now() + RETRY_EVERY);
                }
                self.finished.remove(&id);
                continue;
            }
            let layout: Receipt = match serde_json::from_str(&layout) {
                Ok(l) => l,
                Err(e) => {
                    self.forget(id);
                    self.note(Err(other(format!("{label} could not be read back ({e}): reprint it"))));
                    continue;
                }
            };
            if self.conn.execute("UPDATE print_job SET state = 'sending' WHERE id = ?1", [id]).is_err() {
                return Some(Instant::now() + RETRY_EVERY);
            }
            match self.printer.print(&layout) {
                Ok(printed) => {
                    self.forget(id);
                    self.note(Ok(format!("{label} printed")));
                    self.answer(id, Ok(printed));
                }
                Err(e) if e.again => {
                    if let Err(db) = self.conn.execute(
                        "UPDATE print_job SET state = 'waiting', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                        params![id, e.message],
                    ) {
                        tracing::warn!("{label}: cannot note the failed try in print_job ({db}); it is tried again");
                    }
                    self.note(Err(e.clone()));
                    // Every till waiting for a receipt behind this one hears why it waits.
                    let ids: Vec<i64> = self.replies.keys().copied().collect();
                    for waiting in ids {
                        self.answer(waiting, Err(e.clone()));
                    }
                    return Some(Instant::now() + RETRY_EVERY);
                }
                Err(e) => {
                    self.forget(id);
                    self.note(Err(PrinterError { message: format!("{label}: {}", e.message), ..e.clone() }));
                    self.answer(id, Err(e));
                }
            }
        }
    }
}

/// A printer error of no particular kind, saying `message`.
fn other(message: String) -> PrinterError {
    PrinterError { kind: PrinterErrorKind::Other, message, again: false }
}
