//! The till engine: one struct, [`Till`], whose methods are the actions of the day at the counter.
//!
//! Every action checks what it can before writing anything; a refused action changes nothing (a wrong
//! PIN is the exception the law wants: it is journaled). What an action changes is one or more journal
//! records, appended with their projections in one transaction ([`Till::commit`]); the in-memory
//! [`State`] is itself a projection ([`crate::projection`]), stored beside the journal and made again
//! from it by [`Till::rebuild`].
//!
//! The actions live in rooms: `staff` (PINs, approvals, lockouts), `sale` (the register and the
//! basket), `pricing`, `returns`, `payment` (cards, tickets, voids, reprints), `manage` (the drawer,
//! training, settings, devices), `closing` (Z, counts, periodic closures, archives, status) and
//! `guard` (the start, rebuilding the tables, accepting the head, replacing the key).

use pos_journal::body::{
    Closure, DiscountSpec, Entry, LineMeasure, LineSpec, LoginFailure, TenderLine, Ticket, TicketLine,
    VatLine,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use pos_core::basket::{
    Basket, BasketLine, DiscountKind, DiscountSource, LineItem, ManualDiscount, Measure, PricedTicket,
    PricingRules, SaleContext, SoldLine, VatPart, price,
};
use pos_core::catalogue::{ProductKind, Sku};
use pos_core::chain::{Customer, Role};
use pos_core::load::Settings;
use pos_core::money::{Money, Quantity, Weight};
use pos_core::pricing::Segment;
use pos_core::tender::{Tender, TenderKind, settle};
use pos_core::vat::{PriceBasis, VatCategory};
use pos_drivers::printer::ReceiptPrinter;
use pos_drivers::terminal::{PaymentOutcome, PaymentRequest, PaymentTerminal};
use pos_journal::{ChainName, Header, Kind, hex};
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::anchor::{self, HeadFile};
pub use crate::answer::DeviceHealth;
use crate::catalogue::{self, Scanned};
pub use crate::clock::Clock;
use crate::clock::TillClock;
use crate::error::{Amounted, ErrorKind, ErrorView, Reason, Task, TillError};
use crate::inspect::{self, Block};
use crate::limits::{self, Limits};
use crate::projection::{self, Seal, add};
pub use crate::projection::{BasketState, CardPayment, Register, State};
use crate::receipt;
use crate::store::{self, Heads, Identity};
use pos_journal::keys::KeyRing;
use pos_journal::signature::RecordSigner;
pub use receipts::{Receipt, check_address};

mod catalogue_version;
mod closing;
mod customers;
mod foreign_return;
mod guard;
mod manage;
mod payment;
mod pickup;
mod pricing;
mod receipts;
mod returns;
mod rights;
mod sale;
mod serials;
mod staff;
mod web_return;

/// Stock movements of each basket line: SKU and quantity.
type StockMoves = BTreeMap<u32, Vec<(String, Quantity)>>;

/// The software version written into records and receipts.
pub const SOFTWARE: &str = concat!("pos-till ", env!("CARGO_PKG_VERSION"));

/// Wrong PINs in a row before an account locks.
pub const MAX_PIN_FAILURES: u32 = 5;
/// How long a locked account stays locked, measured in time that passed while the till ran.
pub const LOCKOUT_MINUTES: i64 = 15;
/// The wall clock moving this far from the time that passed while the till ran is journaled as a
/// clock moved (`clock_forward` or `clock_back`).
pub const CLOCK_MOVED_MINUTES: i64 = 5;

/// Tenders on one ticket at most.
pub const MAX_TENDERS: usize = 20;

/// A manager's approval: their id and PIN, typed on this till.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Staff id.
    pub staff: String,
    /// PIN.
    pub pin: String,
}

/// A tender as asked at payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderSpec {
    /// Cash given (or paid out, negative).
    Cash(i64),
    /// Card through the terminal (negative: refund to card).
    Card(i64),
    /// Gift card: number and amount (negative: credited back).
    GiftCard {
        /// Card number.
        card: String,
        /// Amount.
        cents: i64,
    },
    /// Store credit: spend a note (positive) or issue a new one (negative, no number).
    StoreCredit {
        /// Note number (spending).
        #[serde(default)]
        note: String,
        /// Amount.
        cents: i64,
    },
    /// Loyalty points spent.
    Points(u32),
}

/// The till engine.
pub struct Till {
    dir: PathBuf,
    conn: Connection,
    signer: RecordSigner,
    /// Seals the state row (derived from the signing key).
    seal: Seal,
    identity: Identity,
    /// The till's keys over its life, from its journal.
    ring: KeyRing,
    settings: Settings,
    tz: Tz,
    heads: Heads,
    state: State,
    clock: TillClock,
    /// Why the till will not sell now (found at start), until a manager acts.
    blocks: Vec<Block>,
    /// How far the wall clock was from the time passing at the last clock check.
    drift_base: Duration,
    /// When each lockout began, in time passed (lockouts found at start count from the start).
    lock_started: BTreeMap<String, DateTime<Utc>>,
    /// The time passed when the till opened.
    opened_passed: DateTime<Utc>,
    terminal: Box<dyn PaymentTerminal>,
    /// The scale, when one is configured: read when a product sold by weight is scanned.
    scale: Option<Box<dyn pos_drivers::scale::Scale>>,
    /// Characters per line of the receipt printer.
    receipt_width: usize,
    /// Whether the connection is set to `synchronous=FULL` now (it is at open).
    sync_full: bool,
    /// Products parsed so far.
    cache: std::cell::RefCell<catalogue::Cache>,
    /// When each parked basket was parked, once read from the journal (forgotten when resumed).
    parked_at: std::cell::RefCell<BTreeMap<u32, String>>,
    /// Fiscal commits since the last WAL checkpoint.
    since_checkpoint: u32,
    /// What each device last answered (printer, terminal, scale, scanner, the head's copy): the
    /// window's status bar. Not journaled (a failed test is, as `DeviceTested`); a restart forgets it.
    health: BTreeMap<String, DeviceHealth>,
    /// The last receipt or Z handed to the printer, as text (shown on screen on request).
    last_receipt: Option<String>,
    /// The ticket just paid whose customer took no paper receipt yet: asked for now, its ORIGINAL
    /// prints (any other paper copy is a DUPLICATA).
    unprinted: Option<(Ticket, Header)>,
    /// Receipts waiting for the printer, printed on a thread of its own. Declared before the lock,
    /// so that it stops while the folder is still held.
    spool: crate::printing::Spool,
    /// Writes the head outside the database on a thread of its own. Declared before the lock, so
    /// that it is dropped (its last head written) while the folder is still held.
    head_writer: anchor::HeadWriter,
    /// No other process writes this till while this one lives.
    _lock: store::FolderLock,
}

/// Fiscal commits between WAL checkpoints. SQLite's automatic checkpoint would fall on whichever
/// commit crosses 1,000 pages, often a scan; the till checkpoints after a fiscal commit instead, so a
/// scan never waits for one.
const CHECKPOINT_EVERY: u32 = 100;

fn refused(r: Reason) -> TillError {
    TillError::Refused(r)
}

/// An amount within the ceiling, or the refusal that says so.
fn ceiling(cents: i64, of: Amounted) -> Result<i64, TillError> {
    limits::within_ceiling(cents, of).map_err(TillError::Refused)
}

fn euros(c: i64) -> String {
    format!("{}", Money::from_cents(c))
}

fn rate_str(r: Decimal) -> String {
    r.normalize().to_string()
}

/// The settings stored in the till in `dir`, read without opening it (its devices are opened
/// first, from them). A state that cannot be read gives no settings: the till then opens with its
/// default devices and refuses to sell until a manager rebuilds it.
pub fn stored_config(dir: &Path) -> Result<BTreeMap<String, String>, TillError> {
    let conn = store::open_existing(dir)?;
    Ok(projection::load_state(&conn)?.map(|s| s.config).unwrap_or_default())
}

/// Records a till may still write while it refuses to sell: people logging in and out (a manager
/// comes to deal with it), the till starting and stopping, the clock, and what puts it right.
fn allowed_while_blocked(e: &Entry) -> bool {
    matches!(
        e,
        Entry::Started { .. }
            | Entry::Stopped
            | Entry::Login { .. }
            | Entry::Logout { .. }
            | Entry::LoginFailed { .. }
            | Entry::LockedOut { .. }
            | Entry::ClockBack { .. }
            | Entry::ClockForward { .. }
            | Entry::ProjectionsRebuilt { .. }
            | Entry::HeadAccepted { .. }
    )
}

impl Till {
    /// Sets up a new till in `dir` for `store`, number `number`, from the chain's files in `fixtures`.
    pub fn init(
        dir: &Path,
        store_code: &str,
        number: u32,
        fixtures: &Path,
        now: DateTime<Utc>,
    ) -> Result<(), TillError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| TillError::storage(format!("cannot create {}: {e}", dir.display())))?;
        if dir.join(store::DB_FILE).exists() {
            return Err(TillError::refused(format!(
                "{} already holds a till; use another --data folder",
                dir.display()
            )));
        }
        let _lock = store::lock_folder(dir)?;
        let key = store::create_key(dir)?;
        let result = (|| {
            let mut conn = store::open_db(dir)?;
            let tx = conn.transaction()?;
            let chain = catalogue::import(&tx, fixtures)?;
            let location = chain
                .location(store_code)
                .filter(|l| l.kind == pos_core::chain::LocationKind::Store)
                .ok_or_else(|| {
                    TillError::refused(format!(
                        "{store_code} is not a store of the chain (see locations.csv)"
                    ))
                })?;
            let tz: Tz = location
                .time_zone
                .parse()
                .map_err(|_| TillError::refused(format!("unknown time zone {}", location.time_zone)))?;
            let till = format!("{store_code}-{number}");
            let public = key.verifying_key().to_bytes();
            tx.execute(
                "INSERT INTO identity (id, till, store, number, public_key, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                params![till, store_code, number, &public[..], now.to_rfc3339()],
            )?;
            for s in &chain.staff {
                tx.execute(
                    "INSERT INTO staff (id, name, role, pin_hash) VALUES (?1, ?2, ?3, ?4)",
                    params![s.id, s.name, role_str(s.role), crate::pin::hash(&s.pin)?],
                )?;
            }
            projection::seed_loyalty(&tx, &chain.customers)?;
            let mut heads = Heads::default();
            let mut state = State::default();
            let at = now.with_timezone(&tz).to_rfc3339();
            let signer = RecordSigner::new(key);
            for entry in [
                Entry::Initialised {
                    store: store_code.into(),
                    till: till.clone(),
                    public_key: hex(&public),
                    software: SOFTWARE.into(),
                },
                Entry::HeadStarted { reason: "a new till".into() },
            ] {
                let (header, hash) =
                    store::append(&tx, &mut heads, &signer, &till, ChainName::Live, &at, &entry)?;
                projection::apply(&tx, &mut state, &header, &entry)?;
                projection::stamp(&mut state, ChainName::Live, header.seq, &hash);
            }
            projection::save_state(&tx, &state, &Seal::of(signer.key()))?;
            tx.commit()?;
            if let Some(head) = HeadFile::of(&till, &heads) {
                anchor::write(dir, None, &head).map_err(TillError::storage)?;
            }
            Ok(())
        })();
        if result.is_err() {
            // Nothing committed: leave the folder as it was so init can be run again.
            for f in [store::KEY_FILE, store::DB_FILE, "till.db-wal", "till.db-shm", anchor::HEAD_FILE] {
                match std::fs::remove_file(dir.join(f)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => tracing::warn!("the failed set-up left {} behind: {e}", dir.join(f).display()),
                }
            }
        }
        result
    }

    /// Opens the till in `dir`, journals the start, and recovers from a crash if the last run did
    /// not stop. A till that finds its tables not made from its journal, or its journal older than
    /// its head, opens but refuses to sell ([`Till::blocked`]) until a manager acts.
    pub fn open(
        dir: &Path,
        clock: Clock,
        printer: Box<dyn ReceiptPrinter>,
        terminal: Box<dyn PaymentTerminal>,
    ) -> Result<Till, TillError> {
        let mut till = Self::open_quiet(dir, clock, printer, terminal)?;
        till.start()?;
        Ok(till)
    }

    /// Opens the till without journaling anything (device settings and tests, benchmarks). It holds
    /// the folder: a second process opening it is refused.
    pub fn open_quiet(
        dir: &Path,
        clock: Clock,
        printer: Box<dyn ReceiptPrinter>,
        terminal: Box<dyn PaymentTerminal>,
    ) -> Result<Till, TillError> {
        // Said before anything is created in a folder that holds no till.
        drop(store::open_existing(dir)?);
        let lock = store::lock_folder(dir)?;
        let conn = store::open_existing(dir)?;
        let identity = store::identity(&conn)?;
        let ring = crate::keys::load(&conn)?;
        guard::finish_key_change(dir, &ring)?;
        let key = store::read_key(dir)?;
        if key.verifying_key().to_bytes() != ring.current().key {
            return Err(TillError::storage(format!(
                "{} is not the key of this till's journal (key {} is in force); restore the till's own \
                 key file",
                dir.join(store::KEY_FILE).display(),
                ring.current().fingerprint()
            )));
        }
        let settings = catalogue::settings(&conn)?;
        let tz = settings
            .locations
            .iter()
            .find(|l| l.code == identity.store)
            .and_then(|l| l.time_zone.parse().ok())
            .unwrap_or(chrono_tz::Europe::Paris);
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let heads = Heads::load(&conn)?;
        let seal = Seal::of(&key);
        let (stored, sealed) = match projection::load_sealed(&conn, &seal)? {
            projection::Stored::Sealed(s) => (Some(s), true),
            projection::Stored::Unsealed(s) => (Some(s), false),
            projection::Stored::Unreadable => (None, true),
        };
        let mut blocks = inspect::start_checks(&conn, dir, &identity, &ring, stored.as_ref(), &heads)?;
        if !sealed && !blocks.iter().any(|b| matches!(b, Block::Projections(_) | Block::Unstamped)) {
            blocks.insert(
                0,
                Block::Projections(
                    "the state row was changed outside the till: its seal does not match".into(),
                ),
            );
        }
        for b in &blocks {
            tracing::warn!("the till will not sell: {}", b.reason());
        }
        let clock = TillClock::new(clock);
        let opened_passed = clock.passed();
        let drift_base = clock.drift();
        Ok(Till {
            dir: dir.to_owned(),
            conn,
            signer: RecordSigner::new(key),
            seal,
            identity,
            ring,
            settings,
            tz,
            heads,
            state: stored.unwrap_or_default(),
            clock,
            blocks,
            drift_base,
            lock_started: BTreeMap::new(),
            opened_passed,
            terminal,
            scale: None,
            receipt_width: receipt::WIDTH,
            health: BTreeMap::new(),
            last_receipt: None,
            unprinted: None,
            sync_full: true,
            cache: std::cell::RefCell::default(),
            parked_at: std::cell::RefCell::default(),
            since_checkpoint: 0,
            spool: crate::printing::Spool::start(dir, printer)?,
            head_writer: anchor::HeadWriter::new(dir),
            _lock: lock,
        })
    }

    /// Journals a clean stop.
    pub fn stop(mut self) -> Result<(), TillError> {
        self.commit(vec![Entry::Stopped])?;
        Ok(())
    }

    /// Who the till is.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The database connection (reports, tests).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The till's keys.
    pub fn keys(&self) -> &KeyRing {
        &self.ring
    }

    /// Sets the clock: time passes to the new clock's time.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock.set(clock);
        self.drift_base = self.clock.drift();
    }

    /// Moves a set clock's wall time to `to` while no time passes (a person setting the clock): what
    /// the till must notice.
    pub fn move_clock(&mut self, to: DateTime<Utc>) {
        self.clock.move_to(to);
    }

    fn now(&mut self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    /// The maximums in force.
    fn limits(&self) -> Limits {
        Limits::from_config(&self.state.config)
    }

    // ------------------------------------------------------------------ commit

    /// The clock events due before records dated `now`: a clock gone back before the last record, a
    /// record far after the last one, or the wall clock moved away from the time passing.
    fn clock_events(&mut self, now: DateTime<Utc>, at: &str) -> Vec<Entry> {
        let Some(last) = self.heads.last_at(ChainName::Live).map(str::to_owned) else { return Vec::new() };
        let Ok(last_t) = DateTime::parse_from_rfc3339(&last).map(|t| t.with_timezone(&Utc)) else {
            return Vec::new();
        };
        let mut drift = self.clock.drift();
        let mut moved = drift - self.drift_base;
        if moved.abs() > Duration::minutes(CLOCK_MOVED_MINUTES)
            && let Some(asleep) = self.clock.drift_awake_or_asleep()
            && asleep.abs() <= Duration::minutes(CLOCK_MOVED_MINUTES)
        {
            // The machine slept: the monotonic clock stopped, the wall clock did not move.
            drift = self.clock.drift();
            self.drift_base = drift;
            moved = Duration::zero();
        }
        let margin = Duration::days(self.limits().clock_forward_days);
        let event = if now < last_t - Duration::seconds(1) {
            Some(Entry::ClockBack { last, now: at.to_owned() })
        } else if now > last_t + margin || moved > Duration::minutes(CLOCK_MOVED_MINUTES) {
            Some(Entry::ClockForward { last, now: at.to_owned() })
        } else if moved < -Duration::minutes(CLOCK_MOVED_MINUTES) {
            Some(Entry::ClockBack { last, now: at.to_owned() })
        } else {
            None
        };
        if event.is_some() {
            self.drift_base = drift;
        }
        event.into_iter().collect()
    }

    /// Appends `entries` and applies them, in one transaction; nothing of it if any part fails.
    /// After a fiscal commit, the head is written outside the database.
    pub fn commit(&mut self, entries: Vec<Entry>) -> Result<Vec<Header>, TillError> {
        if self.blocks.contains(&Block::Unstamped) {
            // Tables written by a version that did not stamp them: made again before anything else.
            self.blocks.retain(|b| *b != Block::Unstamped);
            self.rebuild_as("till", "the tables were written by a version that did not stamp them")?;
        }
        if let Some(b) = self.blocks.first()
            && !entries.iter().all(allowed_while_blocked)
        {
            return Err(TillError::Blocked(b.reason()));
        }
        // Tables not made from the journal are not written: `rebuild` makes them again from it. The
        // records a blocked till may write (people logging in and out, the start, the clock) change
        // only the state in memory.
        let project = !self.blocks.iter().any(|b| matches!(b, Block::Projections(_)));
        let head_held = self.blocks.iter().any(|b| matches!(b, Block::Head { .. }));
        let now = self.now();
        let at = now.with_timezone(&self.tz).to_rfc3339();
        let drift_base = self.drift_base;
        let mut clock = self.clock_events(now, &at);
        let added = clock.len();
        clock.extend(entries);
        let entries = clock;
        // Card intents and answers are synced like fiscal records: after a power cut, recovery must
        // still know which payments the terminal may have run.
        let fiscal = entries.iter().any(|e| {
            e.kind() != Kind::Operation || matches!(e, Entry::CardIntent { .. } | Entry::CardResult { .. })
        });
        if fiscal != self.sync_full {
            self.conn.pragma_update(None, "synchronous", if fiscal { "FULL" } else { "NORMAL" })?;
            self.sync_full = fiscal;
        }
        let mut heads = self.heads.clone();
        let mut state = self.state.clone();
        let result = (|| {
            let tx = self.conn.transaction()?;
            let mut headers = Vec::new();
            for entry in &entries {
                let chain = if state.training
                    && matches!(entry.kind(), Kind::Ticket | Kind::Operation | Kind::Duplicate)
                {
                    ChainName::Training
                } else {
                    ChainName::Live
                };
                let (header, _) =
                    store::append(&tx, &mut heads, &self.signer, &self.identity.till, chain, &at, entry)?;
                if let Some(breach) = projection::apply(&tx, &mut state, &header, entry)?.into_iter().next() {
                    return Err(refused(Reason::Breach { message: breach.to_string() }));
                }
                headers.push(header);
            }
            for (chain, mark) in heads.marks() {
                if let Some((seq, hash)) = mark
                    && state.made_from.as_ref().and_then(|s| s.get(chain)).is_none_or(|m| m.seq != seq)
                {
                    projection::stamp(&mut state, chain, seq, &hash);
                }
            }
            if project {
                projection::save_state(&tx, &state, &self.seal)?;
            }
            tx.commit()?;
            Ok::<_, TillError>(headers)
        })();
        let mut headers = match result {
            Ok(h) => h,
            Err(e) => {
                self.drift_base = drift_base;
                tracing::warn!(code = e.code(), "nothing recorded: {e}");
                return Err(e);
            }
        };
        for (header, entry) in headers.iter().zip(&entries) {
            log_record(header, entry);
        }
        headers.drain(..added);
        self.heads = heads;
        self.state = state;
        for e in &entries {
            if let Entry::LockedOut { staff, .. } = e {
                self.lock_started.insert(staff.clone(), self.clock.passed());
            }
        }
        if fiscal {
            if !head_held {
                self.write_head();
            }
            self.since_checkpoint += 1;
            if self.since_checkpoint >= CHECKPOINT_EVERY {
                self.since_checkpoint = 0;
                // Passive: copies what it can without waiting; a failure only postpones it.
                if let Err(e) = self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!("the journal's checkpoint is postponed: {e}");
                }
            }
        }
        Ok(headers)
    }

    /// Hands the head over to its writer (beside the database and into its copy); what the last
    /// write said is shown in the device status (a commit is made whatever it says: the head
    /// follows at the next one).
    fn write_head(&mut self) {
        let Some(head) = HeadFile::of(&self.identity.till, &self.heads) else { return };
        let copy = self.state.config.get("head_copy").filter(|c| !c.is_empty()).map(PathBuf::from);
        let shown = copy.is_some();
        self.head_writer.submit(head, copy);
        if let Some(last) = self.head_writer.last()
            && (shown || last.is_err())
        {
            self.note("head", last.as_ref().map(|()| "head written").map_err(Clone::clone));
        }
    }

    /// Waits until the head of the last commit is written (the head writer works on a thread of
    /// its own); what the write said.
    pub fn flush_head(&self) -> Option<Result<(), String>> {
        self.head_writer.flush()
    }

    /// Why the till refuses to sell now, when it does.
    pub fn blocked(&self) -> Vec<Reason> {
        self.blocks.iter().map(Block::reason).collect()
    }
}

fn manual(d: &DiscountSpec) -> Result<ManualDiscount, TillError> {
    let kind = match (&d.percent, d.cents) {
        (Some(p), _) => DiscountKind::Percent(
            Decimal::from_str(p).map_err(|_| refused(Reason::BadPercent { typed: p.to_owned() }))?,
        ),
        (None, Some(c)) => DiscountKind::Amount(Money::from_cents(c)),
        (None, None) => return Err(refused(Reason::DiscountEither)),
    };
    Ok(ManualDiscount { reason: d.reason.clone(), kind })
}

fn label(source: &DiscountSource) -> String {
    match source {
        DiscountSource::Promotion { name, .. } => name.to_string(),
        DiscountSource::Manual { reason } => reason.to_string(),
    }
}

/// How a line is measured, as tickets record it, and its quantity: units, grams (`weight`), one
/// priced label, or units brought back (negative).
fn measure_of(m: &Measure) -> (LineMeasure, i64) {
    match *m {
        Measure::Units(n) => (LineMeasure::Units, i64::from(n)),
        Measure::Weight(w) => {
            (LineMeasure::Weight, (w.kilograms() * Decimal::ONE_THOUSAND).round().try_into().unwrap_or(0))
        }
        Measure::Label => (LineMeasure::Label, 1),
        Measure::Returned(n) => (LineMeasure::Returned, -i64::from(n)),
    }
}

/// A line of a ticket that can be brought back (not itself a return, not a gift card).
fn returnable(l: &TicketLine) -> bool {
    l.measure != LineMeasure::Returned && !l.gift_card
}

/// Units a ticket line sold (a weighed or labelled line is one).
fn sold_units(l: &TicketLine) -> u32 {
    if l.measure == LineMeasure::Units { u32::try_from(l.quantity).unwrap_or(1) } else { 1 }
}

/// A customer as the window shows them.
fn customer_view(c: &Customer) -> crate::answer::CustomerView {
    crate::answer::CustomerView {
        id: c.id.clone(),
        name: c.name.clone(),
        segment: c.segment.as_str().to_owned(),
        tier: c.tier.as_str().to_owned(),
    }
}

fn ticket_line(l: &pos_core::basket::PricedLine, spec: Option<&LineSpec>) -> TicketLine {
    let (measure, quantity) = measure_of(&l.measure);
    TicketLine {
        id: l.id,
        sku: l.sku.to_string(),
        name: l.name.to_string(),
        family: l.family.as_ref().map(|f| f.0.to_string()).unwrap_or_default(),
        measure,
        quantity,
        reference: match spec {
            Some(LineSpec::Return { ticket, line, .. }) => format!("{ticket}#{line}"),
            _ => l.reference.clone().unwrap_or_default(),
        },
        unit_price: l.unit_price.cents(),
        gross: l.gross.cents(),
        eco: l.eco.cents(),
        discounts: l.discounts.iter().map(|d| (label(&d.source), d.amount.cents())).collect(),
        basket_share: l.basket_share.cents(),
        net: l.net.cents(),
        vat: l
            .vat
            .iter()
            .map(|v| (v.category.as_str().to_owned(), rate_str(v.rate), v.amount.cents()))
            .collect(),
        gift_card: matches!(spec, Some(LineSpec::GiftCard { .. })),
        returned_after: 0,
    }
}

fn line_sku(l: &LineSpec) -> Option<String> {
    Some(match l {
        LineSpec::Units { sku, .. }
        | LineSpec::Weighed { sku, .. }
        | LineSpec::Label { sku, .. }
        | LineSpec::GiftCard { sku, .. }
        | LineSpec::Return { sku, .. } => sku.clone(),
    })
}

fn role_str(r: Role) -> &'static str {
    match r {
        Role::Cashier => "cashier",
        Role::Manager => "manager",
        Role::Technician => "technician",
    }
}

fn parse_role(s: &str) -> Role {
    match s {
        "manager" => Role::Manager,
        "technician" => Role::Technician,
        _ => Role::Cashier,
    }
}

/// Lower case without the French accents, for look-ups typed at the counter.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// A line of the log for a record committed: fiscal records at `info`, basket operations at
/// `debug`; each names its chain, seq, kind and number (and a ticket's reference and total).
fn log_record(header: &Header, entry: &Entry) {
    let level_on = if header.kind == Kind::Operation {
        tracing::enabled!(tracing::Level::DEBUG)
    } else {
        tracing::enabled!(tracing::Level::INFO)
    };
    if !level_on {
        return;
    }
    let what = serde_json::to_value(entry)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let (chain, seq, kind, no) = (header.chain.as_str(), header.seq, header.kind.as_str(), header.no);
    match entry {
        Entry::Ticket(t) => {
            tracing::info!(chain, seq, kind, no, ticket = %t.reference, total = t.total, "ticket recorded");
        }
        Entry::Closure(c) => {
            tracing::info!(chain, seq, kind, no, period = c.period.as_str(), key = %c.key, "closure recorded");
        }
        _ if header.kind == Kind::Operation => tracing::debug!(chain, seq, kind, no, "{what}"),
        _ => tracing::info!(chain, seq, kind, no, "{what}"),
    }
}
