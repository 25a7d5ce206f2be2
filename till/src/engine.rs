//! The till engine: one struct, [`Till`], whose methods are the actions of the day at the counter.
//!
//! Every action checks what it can before writing anything; a refused action changes nothing (a wrong
//! PIN is the exception the law wants: it is journaled). What an action changes is one or more journal
//! records, appended with their projections in one transaction ([`Till::commit`]); the in-memory
//! [`State`] is itself a projection, stored beside the journal and rebuilt from it by
//! [`crate::rebuild`].

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
use pos_core::journal::{ChainName, Header, Kind, hex};
use pos_core::load::Settings;
use pos_core::money::{Money, Quantity, Weight};
use pos_core::pricing::Segment;
use pos_core::tender::{Tender, TenderKind, settle};
use pos_core::vat::{PriceBasis, VatCategory};
use pos_drivers::printer::ReceiptPrinter;
use pos_drivers::terminal::{PaymentOutcome, PaymentRequest, PaymentTerminal};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalogue::{self, Scanned};
use crate::entry::{Closure, DiscountSpec, Entry, LineSpec, TenderLine, Ticket, TicketLine, Totals, VatLine};
use crate::error::TillError;
use crate::receipt;
use crate::signer::RecordSigner;
use crate::store::{self, Heads, Identity};

/// Stock movements of each basket line: SKU and quantity.
type StockMoves = BTreeMap<u32, Vec<(String, Quantity)>>;

/// The software version written into records and receipts.
pub const SOFTWARE: &str = concat!("pos-till ", env!("CARGO_PKG_VERSION"));

/// Wrong PINs in a row before an account locks.
pub const MAX_PIN_FAILURES: u32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT_MINUTES: i64 = 15;

/// Where the time comes from: the system clock, or a clock a script sets (tests, replays).
#[derive(Clone, Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// A set time, advanced one second per read.
    Set(DateTime<Utc>),
}

/// The open basket (or a parked one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasketState {
    /// Lines by id.
    pub lines: BTreeMap<u32, LineSpec>,
    /// Line discounts.
    pub discounts: BTreeMap<u32, DiscountSpec>,
    /// Basket discount.
    pub discount: Option<DiscountSpec>,
    /// Customer id.
    pub customer: String,
    /// Next line id.
    pub next_id: u32,
    /// Card payments asked for this basket.
    pub cards: Vec<CardPayment>,
}

/// A card payment of the open basket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPayment {
    /// Reference given to the terminal.
    pub reference: String,
    /// Amount.
    pub cents: i64,
    /// `pending` (asked, no answer journaled), `approved`, `declined`, `not_made`, `unresolved`.
    pub state: String,
    /// Authorisation code and card, when approved.
    pub detail: String,
}

/// The register session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    /// Business day.
    pub day: String,
    /// Float counted at opening.
    pub float: i64,
    /// Cash from sales (cash tendered less change; negative for cash refunds).
    pub cash_sales: i64,
    /// Cash in.
    pub cash_in: i64,
    /// Cash out.
    pub cash_out: i64,
    /// Who opened.
    pub opened_by: String,
}

impl Register {
    /// Cash that should be in the drawer.
    pub fn expected(&self) -> i64 {
        self.float + self.cash_sales + self.cash_in - self.cash_out
    }
}

/// The till's state: a projection of the journal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Started and not stopped (true at open means the last run crashed).
    pub running: bool,
    /// Logged-in staff.
    pub operator: Option<String>,
    /// Training mode.
    pub training: bool,
    /// The register session.
    pub register: Option<Register>,
    /// The live basket.
    pub basket: BasketState,
    /// The training basket.
    pub training_basket: BasketState,
    /// Parked baskets.
    pub parked: BTreeMap<u32, BasketState>,
    /// Next parking slot.
    pub next_slot: u32,
    /// Wrong PINs in a row, by staff.
    pub failures: BTreeMap<String, u32>,
    /// Locked accounts: until when (RFC 3339).
    pub locked: BTreeMap<String, String>,
    /// Perpetual grand total.
    pub grand_total: i64,
    /// Perpetual grand total of absolute values.
    pub grand_total_abs: i64,
    /// Days the till closed itself whose cash is still to count.
    pub uncounted: BTreeSet<String>,
    /// Days closed.
    pub closed_days: BTreeSet<String>,
    /// Months closed.
    pub closed_months: BTreeSet<String>,
    /// Seq of the last daily closure.
    pub last_closure_seq: u64,
    /// Configuration.
    pub config: BTreeMap<String, String>,
    /// Duplicates printed, by ticket.
    pub duplicates: BTreeMap<String, u32>,
    /// Card payments the manager must resolve.
    pub unresolved_cards: BTreeSet<String>,
    /// Tickets (live).
    pub tickets: u64,
}

/// A manager's approval: their id and PIN, typed on this till.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    identity: Identity,
    settings: Settings,
    tz: Tz,
    heads: Heads,
    state: State,
    clock: Clock,
    printer: Box<dyn ReceiptPrinter>,
    terminal: Box<dyn PaymentTerminal>,
    /// The scale, when one is configured: read when a product sold by weight is scanned.
    scale: Option<Box<dyn pos_drivers::scale::Scale>>,
    /// Characters per line of the receipt printer.
    receipt_width: usize,
    /// Whether the connection is set to `synchronous=FULL` now (it is at open).
    sync_full: bool,
    /// Products parsed so far.
    cache: std::cell::RefCell<catalogue::Cache>,
    /// Fiscal commits since the last WAL checkpoint.
    since_checkpoint: u32,
    /// What each device last answered (printer, terminal, scale, scanner): the window's status bar.
    /// Not journaled (a failed test is, as `DeviceTested`); a restart forgets it.
    health: BTreeMap<String, DeviceHealth>,
    /// The last receipt or Z handed to the printer, as text (shown on screen on request).
    last_receipt: Option<String>,
}

/// What a device last answered.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceHealth {
    /// It worked.
    pub ok: bool,
    /// What it said (the error when it failed).
    pub message: String,
}

/// Fiscal commits between WAL checkpoints. SQLite's automatic checkpoint would fall on whichever
/// commit crosses 1,000 pages, often a scan; the till checkpoints after a fiscal commit instead, so a
/// scan never waits for one.
const CHECKPOINT_EVERY: u32 = 100;

fn refused(s: impl Into<String>) -> TillError {
    TillError::Refused(s.into())
}

fn euros(c: i64) -> String {
    format!("{}", Money::from_cents(c))
}

fn rate_str(r: Decimal) -> String {
    r.normalize().to_string()
}

/// The settings stored in the till in `dir`, read without opening it (its devices are opened
/// first, from them).
pub fn stored_config(dir: &Path) -> Result<BTreeMap<String, String>, TillError> {
    let conn = store::open_existing(dir)?;
    let json: String = conn.query_row("SELECT json FROM state WHERE id = 1", [], |r| r.get(0))?;
    let state: State = serde_json::from_str(&json)
        .map_err(|e| TillError::Storage(format!("stored state: {e}; run `pos-till rebuild`")))?;
    Ok(state.config)
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
            .map_err(|e| TillError::Storage(format!("cannot create {}: {e}", dir.display())))?;
        if dir.join(store::DB_FILE).exists() {
            return Err(refused(format!(
                "{} already holds a till; use another --data folder",
                dir.display()
            )));
        }
        let key = store::create_key(dir)?;
        let result = (|| {
            let mut conn = store::open_db(dir)?;
            let tx = conn.transaction()?;
            let chain = catalogue::import(&tx, fixtures)?;
            let location = chain
                .location(store_code)
                .filter(|l| l.kind == pos_core::chain::LocationKind::Store)
                .ok_or_else(|| {
                    refused(format!("{store_code} is not a store of the chain (see locations.csv)"))
                })?;
            let tz: Tz = location
                .time_zone
                .parse()
                .map_err(|_| refused(format!("unknown time zone {}", location.time_zone)))?;
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
            seed_loyalty(&tx, &chain.customers)?;
            let mut heads = Heads::default();
            let at = now.with_timezone(&tz).to_rfc3339();
            let entry = Entry::Initialised {
                store: store_code.into(),
                till: till.clone(),
                public_key: hex(&public),
                software: SOFTWARE.into(),
            };
            store::append(&tx, &mut heads, &RecordSigner::new(key), &till, ChainName::Live, &at, &entry)?;
            tx.execute(
                "INSERT INTO state (id, json) VALUES (1, ?1)",
                [serde_json::to_string(&State::default()).unwrap_or_default()],
            )?;
            tx.commit()?;
            Ok(())
        })();
        if result.is_err() {
            // Nothing committed: leave the folder as it was so init can be run again.
            let _ = std::fs::remove_file(dir.join(store::KEY_FILE));
            for f in [store::DB_FILE, "till.db-wal", "till.db-shm"] {
                let _ = std::fs::remove_file(dir.join(f));
            }
        }
        result
    }

    /// Opens the till in `dir`, journals the start, and recovers from a crash if the last run did not stop.
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

    /// Opens the till without journaling anything (reports, status, verification).
    pub fn open_quiet(
        dir: &Path,
        clock: Clock,
        printer: Box<dyn ReceiptPrinter>,
        terminal: Box<dyn PaymentTerminal>,
    ) -> Result<Till, TillError> {
        let conn = store::open_existing(dir)?;
        let identity = store::identity(&conn)?;
        let key = store::read_key(dir)?;
        if key.verifying_key().to_bytes() != identity.public_key {
            return Err(TillError::Storage(format!(
                "{} is not this till's key; restore the till's own key file",
                dir.join(store::KEY_FILE).display()
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
        let json: String = conn.query_row("SELECT json FROM state WHERE id = 1", [], |r| r.get(0))?;
        let state: State = serde_json::from_str(&json)
            .map_err(|e| TillError::Storage(format!("stored state: {e}; run `pos-till rebuild`")))?;
        Ok(Till {
            dir: dir.to_owned(),
            conn,
            signer: RecordSigner::new(key),
            identity,
            settings,
            tz,
            heads,
            state,
            clock,
            printer,
            terminal,
            scale: None,
            receipt_width: receipt::WIDTH,
            health: BTreeMap::new(),
            last_receipt: None,
            sync_full: true,
            cache: std::cell::RefCell::default(),
            since_checkpoint: 0,
        })
    }

    fn start(&mut self) -> Result<(), TillError> {
        let crashed = self.state.running;
        self.commit(vec![Entry::Started { software: SOFTWARE.into() }])?;
        if crashed {
            let in_flight: Vec<CardPayment> =
                self.state.basket.cards.iter().filter(|c| c.state == "pending").cloned().collect();
            self.commit(vec![Entry::Recovered {
                basket_lines: self.state.basket.lines.len(),
                cards_in_flight: in_flight.iter().map(|c| c.reference.clone()).collect(),
            }])?;
            for card in in_flight {
                let entry = match self.terminal.status(&card.reference) {
                    Ok(Some(PaymentOutcome::Approved { authorisation, card: number })) => Entry::CardResult {
                        reference: card.reference,
                        outcome: "approved".into(),
                        detail: format!("{authorisation} {number}"),
                    },
                    Ok(Some(PaymentOutcome::Declined { reason })) => Entry::CardResult {
                        reference: card.reference,
                        outcome: "declined".into(),
                        detail: reason,
                    },
                    Ok(None) => Entry::CardResult {
                        reference: card.reference,
                        outcome: "not_made".into(),
                        detail: "the terminal never ran it".into(),
                    },
                    Err(e) => Entry::CardUnresolved {
                        reference: card.reference,
                        cents: card.cents,
                        detail: e.to_string(),
                    },
                };
                self.commit(vec![entry])?;
            }
        }
        Ok(())
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

    /// Sets the clock.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    fn now(&mut self) -> DateTime<Utc> {
        match &mut self.clock {
            Clock::System => Utc::now(),
            Clock::Set(t) => {
                let now = *t;
                *t += Duration::seconds(1);
                now
            }
        }
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    // ------------------------------------------------------------------ commit

    /// Appends `entries` and applies them, in one transaction; nothing of it if any part fails.
    pub fn commit(&mut self, entries: Vec<Entry>) -> Result<Vec<Header>, TillError> {
        let now = self.now();
        let at = now.with_timezone(&self.tz).to_rfc3339();
        let mut entries = entries;
        let mut clock_back = false;
        if let Some(last) = self.heads.last_at(ChainName::Live)
            && let Ok(last_t) = DateTime::parse_from_rfc3339(last)
            && now < last_t.with_timezone(&Utc) - Duration::seconds(1)
        {
            entries.insert(0, Entry::ClockBack { last: last.to_owned(), now: at.clone() });
            clock_back = true;
        }
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
            let header =
                store::append(&tx, &mut heads, &self.signer, &self.identity.till, chain, &at, entry)?;
            apply(&tx, &mut state, &header, entry)?;
            headers.push(header);
        }
        save_state(&tx, &state)?;
        tx.commit()?;
        if clock_back {
            headers.remove(0);
        }
        self.heads = heads;
        self.state = state;
        if fiscal {
            self.since_checkpoint += 1;
            if self.since_checkpoint >= CHECKPOINT_EVERY {
                self.since_checkpoint = 0;
                // Passive: copies what it can without waiting; a failure only postpones it.
                let _ = self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
        }
        Ok(headers)
    }

    // ------------------------------------------------------------------ staff

    fn staff_row(&self, id: &str) -> Result<(String, Role, String), TillError> {
        let row: Option<(String, String, String)> = self
            .conn
            .query_row("SELECT name, role, pin_hash FROM staff WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let (name, role, hash) = row.ok_or_else(|| refused(format!("no staff member {id} at this till")))?;
        Ok((name, parse_role(&role), hash))
    }

    /// Checks a PIN, journaling failures and locking the account after [`MAX_PIN_FAILURES`].
    fn check_pin(&mut self, staff: &str, pin: &str, during: &str) -> Result<Role, TillError> {
        let (name, role, hash) = self.staff_row(staff)?;
        let now = self.now();
        if let Some(until) = self.state.locked.get(staff)
            && DateTime::parse_from_rfc3339(until).is_ok_and(|u| now < u.with_timezone(&Utc))
        {
            return Err(refused(format!(
                "{name}'s account is locked after {MAX_PIN_FAILURES} wrong PINs until {until}; wait or ask a manager"
            )));
        }
        if crate::pin::verify(pin, &hash) {
            return Ok(role);
        }
        let failures = self.state.failures.get(staff).copied().unwrap_or(0) + 1;
        let mut entries = vec![Entry::LoginFailed { staff: staff.into(), failures, during: during.into() }];
        if failures >= MAX_PIN_FAILURES {
            let until = (now + Duration::minutes(LOCKOUT_MINUTES)).with_timezone(&self.tz).to_rfc3339();
            entries.push(Entry::LockedOut { staff: staff.into(), until });
        }
        self.commit(entries)?;
        Err(refused(format!(
            "wrong PIN for {name} ({failures} in a row; {MAX_PIN_FAILURES} lock the account)"
        )))
    }

    /// Logs a member of staff in.
    pub fn login(&mut self, staff: &str, pin: &str) -> Result<Value, TillError> {
        let role = self.check_pin(staff, pin, "login")?;
        let mut entries = Vec::new();
        if let Some(previous) = self.state.operator.clone() {
            entries.push(Entry::Logout { staff: previous });
        }
        entries.push(Entry::Login { staff: staff.into() });
        self.commit(entries)?;
        let name = self.staff_row(staff).map(|(name, _, _)| name).unwrap_or_default();
        Ok(json!({"staff": staff, "name": name, "role": role_str(role)}))
    }

    /// Logs out.
    pub fn logout(&mut self) -> Result<Value, TillError> {
        let staff = self.operator()?;
        self.commit(vec![Entry::Logout { staff: staff.clone() }])?;
        Ok(json!({"staff": staff}))
    }

    fn operator(&self) -> Result<String, TillError> {
        self.state.operator.clone().ok_or_else(|| refused("nobody is logged in: log in with your PIN"))
    }

    fn operator_role(&self) -> Result<Role, TillError> {
        let op = self.operator()?;
        Ok(self.staff_row(&op)?.1)
    }

    /// A manager's approval of `what`: the logged-in manager, or the manager whose PIN is given.
    fn approve(&mut self, approval: Option<&Approval>, what: &str) -> Result<String, TillError> {
        match approval {
            Some(a) => {
                let role = self.check_pin(&a.staff, &a.pin, what)?;
                if role != Role::Manager {
                    return Err(TillError::NeedsManager(format!("{what}: {} is not a manager", a.staff)));
                }
                Ok(a.staff.clone())
            }
            None => Err(TillError::NeedsManager(what.to_owned())),
        }
    }

    // ------------------------------------------------------------------ register

    /// Makes sure the register is open on today's business day, closing a forgotten day first.
    fn ensure_day(&mut self) -> Result<(), TillError> {
        let now = self.now();
        let today = self.today(now).to_string();
        let Some(reg) = self.state.register.clone() else {
            return Err(refused("the register is not open: open it with the counted float"));
        };
        // Only a later day closes the register's day; a clock gone back keeps selling on the open day.
        if today <= reg.day {
            return Ok(());
        }
        let by = self.state.operator.clone().unwrap_or_else(|| "till".into());
        let mut closure = self.day_closure(&reg.day, &by)?;
        closure.automatic = true;
        let what = format!("day {} (closed by the till)", reg.day);
        self.commit(vec![
            Entry::Closure(closure),
            Entry::ClosureMade { what },
            Entry::RegisterOpened { day: today, float: reg.expected(), by, carried: true },
        ])?;
        Ok(())
    }

    /// Opens the register with the counted float.
    pub fn open_register(&mut self, float: i64) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training("opening the register")?;
        if float < 0 {
            return Err(refused("the float cannot be negative: count the drawer again"));
        }
        let today = {
            let now = self.now();
            self.today(now).to_string()
        };
        if self.state.closed_days.contains(&today) {
            return Err(refused(format!("{today} is already closed; selling resumes tomorrow")));
        }
        if let Some(reg) = self.state.register.clone() {
            if reg.day >= today {
                return Err(refused(format!("the register is already open for {}", reg.day)));
            }
            let mut closure = self.day_closure(&reg.day, &by)?;
            closure.automatic = true;
            self.commit(vec![
                Entry::Closure(closure),
                Entry::ClosureMade { what: format!("day {} (closed by the till)", reg.day) },
            ])?;
        }
        if self.state.closed_days.contains(&today) {
            return Err(refused(format!("{today} is already closed; selling resumes tomorrow")));
        }
        self.commit(vec![Entry::RegisterOpened { day: today.clone(), float, by, carried: false }])?;
        Ok(json!({"day": today, "float": euros(float)}))
    }

    /// Cash put into or taken out of the drawer, with a reason.
    pub fn cash_move(&mut self, cents: i64, reason: &str, out: bool) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training("moving cash")?;
        self.ensure_day()?;
        if cents <= 0 {
            return Err(refused("the amount must be above zero"));
        }
        if reason.trim().is_empty() {
            return Err(refused("give a reason for the cash movement"));
        }
        if out && self.state.register.as_ref().is_some_and(|r| r.expected() < cents) {
            return Err(refused("there is not that much cash in the drawer"));
        }
        let reason = reason.to_owned();
        let entry =
            if out { Entry::CashOut { cents, reason, by } } else { Entry::CashIn { cents, reason, by } };
        self.commit(vec![entry])?;
        Ok(json!({"expected_cash": euros(self.state.register.as_ref().map_or(0, Register::expected))}))
    }

    // ------------------------------------------------------------------ basket

    fn not_in_training(&self, what: &str) -> Result<(), TillError> {
        if self.state.training {
            return Err(refused(format!("leave training mode before {what}")));
        }
        Ok(())
    }

    fn basket(&self) -> &BasketState {
        if self.state.training { &self.state.training_basket } else { &self.state.basket }
    }

    fn sale_ready(&mut self) -> Result<(), TillError> {
        self.operator()?;
        self.ensure_day()
    }

    fn next_line_id(&self) -> u32 {
        self.basket().next_id.max(1)
    }

    /// Adds what a scanned or typed code designates. `grams` is the scale's stable weight for a weighed
    /// item with an ordinary barcode; `serial` the serial number of a serial-tracked item.
    pub fn scan(
        &mut self,
        code: &str,
        quantity: u32,
        grams: Option<i64>,
        serial: Option<String>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let scanned = catalogue::scan(&self.conn, &self.settings, code)?;
        let spec = match scanned {
            Scanned::Weighed(sku, g) => LineSpec::Weighed { sku: sku.to_string(), grams: g },
            Scanned::Priced(sku, c) => LineSpec::Label { sku: sku.to_string(), cents: c },
            Scanned::Item(sku) => {
                let kind = self.product_kind(&sku)?;
                match (kind, grams) {
                    (ProductKind::Weighed { .. }, Some(g)) => {
                        LineSpec::Weighed { sku: sku.to_string(), grams: g }
                    }
                    (ProductKind::Weighed { .. }, None) => {
                        let Some(scale) = self.scale.as_mut() else {
                            return Err(refused(format!(
                                "{sku} is sold by weight and no scale answers here: type its weight in grams"
                            )));
                        };
                        // Only a stable weight is sold; anything else changes nothing.
                        let w = scale.weigh(None).map_err(|e| refused(format!("{sku}: {}", e.message)))?;
                        if w.grams == 0 {
                            return Err(refused(format!("{sku} is sold by weight: put it on the scale")));
                        }
                        LineSpec::Weighed { sku: sku.to_string(), grams: i64::from(w.grams) }
                    }
                    (ProductKind::GiftCard, _) => {
                        return Err(refused(format!(
                            "{sku} is a gift card: scan the card and enter its amount"
                        )));
                    }
                    _ => LineSpec::Units { sku: sku.to_string(), quantity, serial },
                }
            }
        };
        self.add_line(spec)
    }

    fn product_kind(&self, sku: &Sku) -> Result<ProductKind, TillError> {
        let set: BTreeSet<String> = [sku.to_string()].into();
        let (cat, _) =
            catalogue::basket_catalogue(&self.conn, &self.settings, &mut self.cache.borrow_mut(), &set)?;
        Ok(cat.product(sku).map(|p| p.kind.clone()).unwrap_or(ProductKind::Standard))
    }

    /// Sells or tops up a gift card.
    pub fn sell_gift_card(&mut self, card: &str, cents: i64) -> Result<Value, TillError> {
        self.sale_ready()?;
        let sku: Option<String> = self
            .conn
            .query_row("SELECT sku FROM product WHERE row LIKE '%,gift_card,%' LIMIT 1", [], |r| r.get(0))
            .optional()?;
        let sku = sku.ok_or_else(|| refused("the catalogue has no gift card product"))?;
        self.add_line(LineSpec::GiftCard { sku, card: card.trim().to_owned(), cents })
    }

    fn add_line(&mut self, spec: LineSpec) -> Result<Value, TillError> {
        let id = self.next_line_id();
        let mut trial = self.basket().clone();
        trial.lines.insert(id, spec.clone());
        trial.next_id = id + 1;
        // Price the basket with the new line before journaling it: a line that cannot be sold is refused.
        let priced = self.price(&trial)?;
        self.commit(vec![Entry::LineAdded { id, line: spec }])?;
        let line = priced.0.lines.iter().find(|l| l.id == id);
        Ok(json!({
            "line": id,
            "name": line.map(|l| l.name.to_string()),
            "net": line.map(|l| euros(l.net.cents())),
            "total": euros(priced.0.total.cents()),
        }))
    }

    /// Removes a line.
    pub fn remove_line(&mut self, id: u32) -> Result<Value, TillError> {
        self.sale_ready()?;
        if !self.basket().lines.contains_key(&id) {
            return Err(refused(format!("there is no line {id} in the basket")));
        }
        self.commit(vec![Entry::LineRemoved { id }])?;
        self.basket_view()
    }

    fn discount_spec(
        &self,
        reason: &str,
        percent: Option<&str>,
        cents: Option<i64>,
    ) -> Result<(DiscountSpec, DiscountKind), TillError> {
        let kind = match (percent, cents) {
            (Some(p), None) => DiscountKind::Percent(
                Decimal::from_str(p).map_err(|_| refused(format!("`{p}` is not a percentage")))?,
            ),
            (None, Some(c)) => DiscountKind::Amount(Money::from_cents(c)),
            _ => return Err(refused("give either a percent or an amount")),
        };
        Ok((
            DiscountSpec {
                reason: reason.to_owned(),
                percent: percent.map(str::to_owned),
                cents,
                approved_by: None,
            },
            kind,
        ))
    }

    fn max_discount_percent(&self) -> Decimal {
        self.state
            .config
            .get("max_discount_percent")
            .and_then(|v| Decimal::from_str(v).ok())
            .unwrap_or(Decimal::TEN)
    }

    /// A discount on a line (`id`) or on the whole basket (`None`); above the configured threshold
    /// (`max_discount_percent`, 10 % by default) a manager approves.
    pub fn discount(
        &mut self,
        id: Option<u32>,
        reason: &str,
        percent: Option<&str>,
        cents: Option<i64>,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let (mut spec, kind) = self.discount_spec(reason, percent, cents)?;
        let mut trial = self.basket().clone();
        let (before, _) = self.price(&trial)?;
        let base = match id {
            Some(i) => before
                .lines
                .iter()
                .find(|l| l.id == i)
                .map(|l| l.gross)
                .ok_or_else(|| refused(format!("there is no line {i}")))?,
            None => before.gross,
        };
        let share = match kind {
            DiscountKind::Percent(p) => p,
            DiscountKind::Amount(a) if !base.is_zero() => a.euros() * Decimal::ONE_HUNDRED / base.euros(),
            DiscountKind::Amount(_) => Decimal::ONE_HUNDRED,
        };
        if share > self.max_discount_percent() {
            spec.approved_by =
                Some(self.approve(approval, &format!("a discount of {}%", share.round_dp(1)))?);
        }
        match id {
            Some(i) => {
                trial.discounts.insert(i, spec.clone());
            }
            None => trial.discount = Some(spec.clone()),
        }
        self.price(&trial)?;
        let entry = match id {
            Some(i) => Entry::LineDiscount { id: i, discount: spec },
            None => Entry::BasketDiscount { discount: spec },
        };
        self.commit(vec![entry])?;
        self.basket_view()
    }

    /// Overrides a line's unit price (down): a manager approves; journaled as a line discount.
    pub fn override_price(
        &mut self,
        id: u32,
        unit_cents: i64,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let (priced, _) = self.price(&self.basket().clone())?;
        let line = priced
            .lines
            .iter()
            .find(|l| l.id == id)
            .ok_or_else(|| refused(format!("there is no line {id}")))?;
        let units = match line.measure {
            Measure::Units(n) => i64::from(n),
            _ => 1,
        };
        let new_total = unit_cents * units;
        let off = line.gross.cents() - new_total;
        if unit_cents < 0 || off <= 0 {
            return Err(refused(
                "a price override lowers the price to zero or more; to charge more, change the catalogue",
            ));
        }
        let by = self.approve(approval, "a price override")?;
        let spec = DiscountSpec {
            reason: "price override".into(),
            percent: None,
            cents: Some(off),
            approved_by: Some(by),
        };
        let mut trial = self.basket().clone();
        trial.discounts.insert(id, spec.clone());
        self.price(&trial)?;
        self.commit(vec![Entry::LineDiscount { id, discount: spec }])?;
        self.basket_view()
    }

    /// Attaches a customer (their price list and loyalty apply); an empty id detaches.
    pub fn attach_customer(&mut self, id: &str) -> Result<Value, TillError> {
        self.sale_ready()?;
        if !id.is_empty() && self.customer(id).is_none() {
            return Err(refused(format!("no customer {id}; check the card or search by name")));
        }
        let mut trial = self.basket().clone();
        trial.customer = id.to_owned();
        self.price(&trial)?;
        self.commit(vec![Entry::CustomerAttached { customer: id.to_owned() }])?;
        let points = self.points(id)?;
        let mut view = self.basket_view()?;
        view["points"] = json!(points);
        Ok(view)
    }

    /// Customers whose id, name or e-mail contains `text` (case and accents ignored), at most 20,
    /// with their loyalty points as the journal has them now.
    pub fn find_customers(&self, text: &str) -> Result<Value, TillError> {
        let wanted = fold(text.trim());
        if wanted.is_empty() {
            return Ok(json!([]));
        }
        let mut found = Vec::new();
        for c in &self.settings.customers {
            if [&c.id, &c.name, &c.email].iter().any(|f| fold(f).contains(&wanted)) {
                let mut view = customer_view(c);
                view["points"] = json!(self.points(&c.id)?);
                view["home"] = json!(c.home_location);
                found.push(view);
                if found.len() == 20 {
                    break;
                }
            }
        }
        Ok(Value::Array(found))
    }

    fn customer(&self, id: &str) -> Option<&Customer> {
        self.settings.customers.iter().find(|c| c.id == id)
    }

    fn points(&self, customer: &str) -> Result<i64, TillError> {
        Ok(self
            .conn
            .query_row("SELECT points FROM loyalty WHERE customer = ?1", [customer], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// A gift card's or credit note's balance.
    pub fn balance(&self, number: &str) -> Result<Option<i64>, TillError> {
        Ok(self
            .conn
            .query_row("SELECT balance FROM voucher WHERE number = ?1", [number], |r| r.get(0))
            .optional()?)
    }

    /// Parks the open basket.
    pub fn park(&mut self) -> Result<Value, TillError> {
        self.sale_ready()?;
        if self.state.training {
            return Err(refused("leave training mode to park a basket"));
        }
        if self.basket().lines.is_empty() {
            return Err(refused("the basket is empty: nothing to park"));
        }
        if self
            .basket()
            .cards
            .iter()
            .any(|c| matches!(c.state.as_str(), "approved" | "pending" | "unresolved"))
        {
            return Err(refused(
                "a card payment is already made or in doubt on this basket: finish the sale",
            ));
        }
        let slot = self.state.next_slot.max(1);
        self.commit(vec![Entry::Parked { slot }])?;
        Ok(json!({"slot": slot}))
    }

    /// Resumes a parked basket.
    pub fn resume(&mut self, slot: u32) -> Result<Value, TillError> {
        self.sale_ready()?;
        self.not_in_training("resuming a parked basket")?;
        if !self.state.parked.contains_key(&slot) {
            return Err(refused(format!("no parked basket {slot}")));
        }
        if *self.basket() != BasketState::default() {
            return Err(refused("finish, park or cancel the current basket first"));
        }
        self.commit(vec![Entry::Resumed { slot }])?;
        self.basket_view()
    }

    /// Abandons the open basket; card payments already approved on it are refunded first.
    pub fn cancel_basket(&mut self) -> Result<Value, TillError> {
        self.sale_ready()?;
        if self.basket().cards.iter().any(|c| matches!(c.state.as_str(), "pending" | "unresolved")) {
            return Err(refused(
                "a card payment on this basket is in doubt: a manager must resolve it first",
            ));
        }
        // Only payments still standing are refunded; a refund already made is not made again.
        let approved: Vec<CardPayment> =
            self.basket().cards.iter().filter(|c| c.state == "approved" && c.cents > 0).cloned().collect();
        for c in approved {
            self.run_card(-c.cents)?;
        }
        self.commit(vec![Entry::BasketCancelled])?;
        Ok(json!({"cancelled": true}))
    }

    /// Compatible accessories for what is in the basket.
    pub fn suggestions(&self) -> Result<Value, TillError> {
        let skus: BTreeSet<String> = self.basket().lines.values().filter_map(line_sku).collect();
        Ok(serde_json::to_value(catalogue::accessories(&self.conn, &skus)?).unwrap_or_default())
    }

    /// Product search by name, reference or what it fits.
    pub fn search(&self, text: &str) -> Result<Value, TillError> {
        Ok(serde_json::to_value(catalogue::search(&self.conn, text, 20)?).unwrap_or_default())
    }

    /// The basket as priced now.
    pub fn basket_view(&self) -> Result<Value, TillError> {
        let b = self.basket().clone();
        let (p, _) = self.price(&b)?;
        let discounts = |d: &[pos_core::basket::AppliedDiscount]| -> Vec<Value> {
            d.iter().map(|d| json!({"label": label(&d.source), "amount": euros(d.amount.cents())})).collect()
        };
        let lines: Vec<Value> = p
            .lines
            .iter()
            .map(|l| {
                let (measure, quantity) = measure_of(&l.measure);
                let serial = match b.lines.get(&l.id) {
                    Some(LineSpec::Units { serial, .. }) => serial.clone(),
                    _ => None,
                };
                json!({
                    "line": l.id,
                    "sku": l.sku.as_str(),
                    "name": &*l.name,
                    "measure": measure,
                    "quantity": quantity,
                    "unit_price": euros(l.unit_price.cents()),
                    "gross": euros(l.gross.cents()),
                    "eco": euros(l.eco.cents()),
                    "discounts": discounts(&l.discounts),
                    "serial": serial,
                    "net": euros(l.net.cents()),
                })
            })
            .collect();
        let customer = self.customer(&b.customer).map(customer_view);
        Ok(json!({
            "lines": lines,
            "basket_discounts": discounts(&p.basket_discounts),
            "gross": euros(p.gross.cents()),
            "discounts": euros(p.discounts.cents()),
            "eco": euros(p.eco.cents()),
            "total": euros(p.total.cents()),
            "customer": b.customer,
            "customer_detail": customer,
            "points": if b.customer.is_empty() { None } else { Some(self.points(&b.customer)?) },
            "point_value": euros(self.settings.loyalty.point_value.cents()),
            "cards_paid": euros(b.cards.iter().filter(|c| c.state == "approved").map(|c| c.cents).sum()),
            "cards_approved": b.cards.iter().filter(|c| c.state == "approved" && c.cents > 0).map(|c| euros(c.cents)).collect::<Vec<_>>(),
        }))
    }

    // ------------------------------------------------------------------ pricing

    fn price(&self, b: &BasketState) -> Result<(PricedTicket, StockMoves), TillError> {
        let skus: BTreeSet<String> = b.lines.values().filter_map(line_sku).collect();
        let (cat, prices) =
            catalogue::basket_catalogue(&self.conn, &self.settings, &mut self.cache.borrow_mut(), &skus)?;
        let sku = |s: &str| Sku::parse(s).map_err(TillError::Storage);
        let mut lines = Vec::new();
        for (&id, spec) in &b.lines {
            let item = match spec {
                LineSpec::Units { sku: s, quantity, serial } => {
                    LineItem::Units { sku: sku(s)?, quantity: *quantity, serial: serial.clone() }
                }
                LineSpec::Weighed { sku: s, grams } => {
                    LineItem::Weighed { sku: sku(s)?, weight: Weight::grams(*grams) }
                }
                LineSpec::Label { sku: s, cents } => {
                    LineItem::PricedLabel { sku: sku(s)?, price: Money::from_cents(*cents) }
                }
                LineSpec::GiftCard { sku: s, card, cents } => {
                    LineItem::GiftCard { sku: sku(s)?, card: card.clone(), amount: Money::from_cents(*cents) }
                }
                LineSpec::Return { ticket, line, sku: s, name, units, sold_units, net, eco, vat, basis } => {
                    LineItem::Return {
                        sold: SoldLine {
                            ticket: ticket.clone(),
                            line: *line,
                            sku: sku(s)?,
                            name: name.as_str().into(),
                            units: *sold_units,
                            net: Money::from_cents(*net),
                            eco: Money::from_cents(*eco),
                            vat: vat
                                .iter()
                                .map(|(c, r, a)| {
                                    Ok(VatPart {
                                        category: VatCategory::parse(c)
                                            .ok_or_else(|| TillError::Storage(format!("VAT category {c}")))?,
                                        rate: Decimal::from_str(r)
                                            .map_err(|e| TillError::Storage(e.to_string()))?,
                                        amount: Money::from_cents(*a),
                                    })
                                })
                                .collect::<Result<_, TillError>>()?,
                            basis: if basis == "ht" {
                                PriceBasis::TaxExcluded
                            } else {
                                PriceBasis::TaxIncluded
                            },
                        },
                        units: *units,
                    }
                }
            };
            let discount = b.discounts.get(&id).map(manual).transpose()?;
            lines.push(BasketLine { id, item, discount });
        }
        let basket = Basket { lines, discount: b.discount.as_ref().map(manual).transpose()? };
        let segment = if b.customer.is_empty() {
            Segment::Retail
        } else {
            self.customer(&b.customer).map_or(Segment::Retail, |c| c.segment)
        };
        let now = match &self.clock {
            Clock::System => Utc::now(),
            Clock::Set(t) => *t,
        };
        let ctx = SaleContext { date: self.today(now), location: self.identity.store.clone(), segment };
        let rules = PricingRules {
            catalogue: &cat,
            vat: &self.settings.vat,
            prices: &prices,
            promotions: &self.settings.promotions,
        };
        let priced = price(&basket, &ctx, &rules).map_err(|e| refused(format!("{e}")))?;
        let mut moves = BTreeMap::new();
        for (&id, spec) in &b.lines {
            let m = match spec {
                LineSpec::Units { sku: s, quantity, .. } => {
                    cat.stock_moves(&sku(s)?, Quantity::units(i64::from(*quantity)))
                }
                LineSpec::Weighed { sku: s, grams } => {
                    vec![(sku(s)?, Quantity::new(Weight::grams(*grams).kilograms()))]
                }
                LineSpec::Label { sku: s, .. } => cat.stock_moves(&sku(s)?, Quantity::ONE),
                LineSpec::GiftCard { .. } => Vec::new(),
                LineSpec::Return { sku: s, units, .. } => cat
                    .stock_moves(&sku(s)?, Quantity::units(i64::from(*units)))
                    .into_iter()
                    .map(|(k, q)| (k, Quantity::new(-q.value())))
                    .collect(),
            };
            moves.insert(id, m.into_iter().map(|(k, q)| (k.to_string(), q)).collect());
        }
        Ok((priced, moves))
    }

    // ------------------------------------------------------------------ returns

    /// A ticket of this till found by its number or its receipt's QR code, with what each line can
    /// still bring back (the returns screen ticks lines from it).
    pub fn ticket_view(&self, reference: &str) -> Result<Value, TillError> {
        let (ticket, _) = self.find_ticket(reference)?;
        let mut lines = Vec::new();
        for l in &ticket.lines {
            let left = if returnable(l) {
                sold_units(l).saturating_sub(self.returned_units(&ticket.reference, l.id)?)
            } else {
                0
            };
            lines.push(json!({
                "line": l.id,
                "sku": l.sku,
                "name": l.name,
                "measure": l.measure,
                "quantity": l.quantity,
                "net": euros(l.net),
                "returnable": left,
            }));
        }
        Ok(json!({
            "ticket": ticket.reference,
            "day": ticket.day,
            "customer": ticket.customer,
            "total": euros(ticket.total),
            "tenders": serde_json::to_value(&ticket.tenders).unwrap_or_default(),
            "lines": lines,
        }))
    }

    fn find_ticket(&self, reference: &str) -> Result<(Ticket, u64), TillError> {
        // A receipt's QR code reads `reference|signature`; a number typed in is the reference alone.
        let reference = reference.split('|').next().unwrap_or_default().trim();
        let pattern = format!("%\"reference\":\"{}\"%", reference.replace(['%', '_'], ""));
        let row: Option<(String, u64)> = self
            .conn
            .query_row(
                "SELECT chain, seq FROM journal WHERE kind = 'ticket' AND chain = 'live' AND CAST(bytes AS TEXT) LIKE ?1 LIMIT 1",
                [pattern],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (_, seq) = row.ok_or_else(|| {
            refused(format!("no ticket {reference} at this till; check the number on the receipt"))
        })?;
        let rec = store::read_records(&self.conn, ChainName::Live, seq, seq)?;
        match rec.into_iter().next().map(|r| r.entry) {
            Some(Entry::Ticket(t)) => Ok((t, seq)),
            _ => Err(TillError::Storage(format!("ticket {reference} is unreadable"))),
        }
    }

    fn returned_units(&self, ticket: &str, line: u32) -> Result<u32, TillError> {
        Ok(self
            .conn
            .query_row(
                "SELECT units FROM returned WHERE ticket = ?1 AND line = ?2",
                params![ticket, line],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Brings back units of lines of an earlier ticket (found by its number or the receipt's code).
    /// `lines` empty: everything still returnable.
    pub fn return_lines(&mut self, reference: &str, lines: &[(u32, u32)]) -> Result<Value, TillError> {
        self.sale_ready()?;
        let (ticket, _) = self.find_ticket(reference)?;
        let wanted: Vec<(u32, u32)> = if lines.is_empty() {
            ticket.lines.iter().filter(|l| returnable(l)).map(|l| (l.id, u32::MAX)).collect()
        } else {
            lines.to_vec()
        };
        let mut specs = Vec::new();
        for (line_id, units) in wanted {
            let l = ticket
                .lines
                .iter()
                .find(|l| l.id == line_id)
                .ok_or_else(|| refused(format!("ticket {reference} has no line {line_id}")))?;
            if !returnable(l) {
                return Err(refused(format!(
                    "line {line_id} of {reference} cannot be returned (a return or a gift card)"
                )));
            }
            let sold_units = sold_units(l);
            let pending: u32 = std::iter::once(self.basket())
                .chain(self.state.parked.values())
                .flat_map(|b| b.lines.values())
                .filter_map(|s| match s {
                    LineSpec::Return { ticket: t, line, units, .. }
                        if *t == ticket.reference && *line == line_id =>
                    {
                        Some(*units)
                    }
                    _ => None,
                })
                .sum();
            let left = sold_units.saturating_sub(self.returned_units(&ticket.reference, line_id)? + pending);
            let units = if units == u32::MAX { left } else { units };
            if units == 0 || units > left {
                return Err(refused(format!(
                    "line {line_id} of {reference}: {left} unit(s) can still be returned"
                )));
            }
            specs.push(LineSpec::Return {
                ticket: ticket.reference.clone(),
                line: line_id,
                sku: l.sku.clone(),
                name: l.name.clone(),
                units,
                sold_units,
                net: l.net,
                eco: l.eco,
                vat: l.vat.clone(),
                basis: ticket.basis.clone(),
            });
        }
        if specs.is_empty() {
            return Err(refused(format!("everything on {reference} was already returned")));
        }
        let mut trial = self.basket().clone();
        let mut entries = Vec::new();
        if trial.customer.is_empty() && !ticket.customer.is_empty() {
            trial.customer = ticket.customer.clone();
            entries.push(Entry::CustomerAttached { customer: ticket.customer.clone() });
        }
        for spec in specs {
            let id = trial.next_id.max(1);
            trial.lines.insert(id, spec.clone());
            trial.next_id = id + 1;
            entries.push(Entry::LineAdded { id, line: spec });
        }
        self.price(&trial)?;
        self.commit(entries)?;
        self.basket_view()
    }

    /// A return without a receipt, at today's price: a manager approves.
    pub fn return_without_receipt(
        &mut self,
        code: &str,
        units: u32,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let sku = match catalogue::scan(&self.conn, &self.settings, code)? {
            Scanned::Item(s) => s,
            _ => return Err(refused("weighed and labelled items are not taken back without a receipt")),
        };
        if units == 0 {
            return Err(refused("return at least one unit"));
        }
        let by = self.approve(approval, "a return without a receipt")?;
        // Priced as a sale of the same units today, then turned into a return of that sale.
        let probe = BasketState {
            lines: [(1, LineSpec::Units { sku: sku.to_string(), quantity: units, serial: None })].into(),
            customer: self.basket().customer.clone(),
            next_id: 2,
            ..BasketState::default()
        };
        let (p, _) = self
            .price(&probe)
            .map_err(|e| refused(format!("{e} (serial-tracked items need their receipt)")))?;
        let l = &p.lines[0];
        let spec = LineSpec::Return {
            ticket: format!("NO-RECEIPT/{by}"),
            line: 0,
            sku: sku.to_string(),
            name: l.name.to_string(),
            units,
            sold_units: units,
            net: l.net.cents(),
            eco: l.eco.cents(),
            vat: l
                .vat
                .iter()
                .map(|v| (v.category.as_str().to_owned(), rate_str(v.rate), v.amount.cents()))
                .collect(),
            basis: if p.basis == PriceBasis::TaxExcluded { "ht".into() } else { "ttc".into() },
        };
        self.add_line(spec)
    }

    // ------------------------------------------------------------------ payment

    fn new_reference(&self, prefix: char) -> String {
        format!("{}-{prefix}{:06}", self.identity.till, self.heads.len(ChainName::Live) + 1)
    }

    /// Runs one card payment (or refund) through the terminal, journaling the intent first and the
    /// answer after; returns the approved payment.
    fn run_card(&mut self, cents: i64) -> Result<CardPayment, TillError> {
        let reference = self.new_reference('P');
        if self.state.training {
            // Training never reaches the terminal: nobody's card is charged to learn the till.
            return Ok(CardPayment {
                reference,
                cents,
                state: "approved".into(),
                detail: "FORMATION".into(),
            });
        }
        self.commit(vec![Entry::CardIntent { reference: reference.clone(), cents }])?;
        let answer = self.terminal.pay(&PaymentRequest { reference: reference.clone(), cents });
        self.note("terminal", answer.as_ref().map(|_| "answered").map_err(ToString::to_string));
        let answer = match answer {
            Ok(a) => Ok(a),
            Err(e) => match self.terminal.status(&reference) {
                Ok(Some(a)) => Ok(a),
                Ok(None) => Err(e),
                Err(_) => {
                    self.commit(vec![Entry::CardUnresolved {
                        reference: reference.clone(),
                        cents,
                        detail: e.to_string(),
                    }])?;
                    return Err(TillError::Device(format!(
                        "{e}; the payment's outcome is unknown: a manager must check the terminal before taking another tender"
                    )));
                }
            },
        };
        match answer {
            Ok(PaymentOutcome::Approved { authorisation, card }) => {
                let detail = format!("{authorisation} {card}");
                self.commit(vec![Entry::CardResult {
                    reference: reference.clone(),
                    outcome: "approved".into(),
                    detail: detail.clone(),
                }])?;
                Ok(CardPayment { reference, cents, state: "approved".into(), detail })
            }
            Ok(PaymentOutcome::Declined { reason }) => {
                self.commit(vec![Entry::CardResult {
                    reference,
                    outcome: "declined".into(),
                    detail: reason.clone(),
                }])?;
                Err(TillError::Device(format!(
                    "card declined ({reason}): ask for another card or another tender"
                )))
            }
            Err(e) => {
                self.commit(vec![Entry::CardResult {
                    reference,
                    outcome: "not_made".into(),
                    detail: e.to_string(),
                }])?;
                Err(TillError::Device(format!(
                    "{e}: the card was not charged; try again or take another tender"
                )))
            }
        }
    }

    /// Pays the open basket with `tenders` and journals the ticket; prints the receipt.
    pub fn pay(&mut self, tenders: &[TenderSpec]) -> Result<Value, TillError> {
        self.pay_ticket(tenders, None)
    }

    /// Pays the basket; `voids` names the ticket this one voids and the manager who approved it.
    fn pay_ticket(
        &mut self,
        tenders: &[TenderSpec],
        voids: Option<(&str, &str)>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let operator = self.operator()?;
        let basket = self.basket().clone();
        if basket.lines.is_empty() {
            return Err(refused("the basket is empty: scan something first"));
        }
        if !self.state.unresolved_cards.is_empty() {
            return Err(refused(
                "a card payment from before a crash is unresolved: a manager must resolve it first",
            ));
        }
        let (priced, moves) = self.price(&basket)?;
        let point_value = self.settings.loyalty.point_value;
        let mut core = Vec::new();
        for t in tenders {
            let (kind, cents) = match t {
                TenderSpec::Cash(c) => (TenderKind::Cash, *c),
                TenderSpec::Card(c) => (TenderKind::Card, *c),
                TenderSpec::GiftCard { card, cents } => (TenderKind::GiftCard { card: card.clone() }, *cents),
                TenderSpec::StoreCredit { note, cents } => {
                    (TenderKind::StoreCredit { note: note.clone() }, *cents)
                }
                TenderSpec::Points(p) => {
                    let worth = self.settings.loyalty.value_of(*p);
                    let signed = if priced.total.is_negative() { -worth.cents() } else { worth.cents() };
                    (TenderKind::Loyalty { points: *p }, signed)
                }
            };
            core.push(Tender { kind, amount: Money::from_cents(cents) });
        }
        let settlement = settle(priced.total, priced.out_of_scope, &core, point_value)
            .map_err(|e| refused(format!("{e}")))?;
        // Balances, checked before anything is charged.
        let mut spend: BTreeMap<String, i64> = BTreeMap::new();
        let mut points_spent = 0i64;
        for t in tenders {
            match t {
                TenderSpec::GiftCard { card, cents } => *spend.entry(card.clone()).or_default() += cents,
                TenderSpec::StoreCredit { note, cents } if *cents > 0 => {
                    *spend.entry(note.clone()).or_default() += cents
                }
                TenderSpec::Points(p) => points_spent += i64::from(*p),
                _ => {}
            }
        }
        for (number, cents) in &spend {
            let balance = self.balance(number)?;
            match balance {
                None => {
                    return Err(refused(format!("no gift card or credit note {number}; check the number")));
                }
                Some(b) if *cents > 0 && b < *cents => {
                    return Err(refused(format!(
                        "{number} has {} left, not {}: take the rest by another tender",
                        euros(b),
                        euros(*cents)
                    )));
                }
                _ => {}
            }
        }
        if points_spent > 0 {
            if basket.customer.is_empty() {
                return Err(refused("attach the customer to spend their points"));
            }
            if priced.total.is_negative() {
                return Err(refused("points are not paid out on a refund"));
            }
            let have = self.points(&basket.customer)?;
            if have < points_spent {
                return Err(refused(format!("the customer has {have} points, not {points_spent}")));
            }
        }
        // Returned units, again at payment: a parked basket may have returned the same line meanwhile.
        let mut returning: BTreeMap<(String, u32), (u32, u32)> = BTreeMap::new();
        for l in basket.lines.values() {
            if let LineSpec::Return { ticket, line, units, sold_units, .. } = l
                && !ticket.starts_with("NO-RECEIPT/")
            {
                let e = returning.entry((ticket.clone(), *line)).or_insert((0, *sold_units));
                e.0 += units;
            }
        }
        for ((ticket, line), (units, sold)) in &returning {
            if self.returned_units(ticket, *line)? + units > *sold {
                return Err(refused(format!(
                    "line {line} of {ticket} was already returned; remove it from the basket"
                )));
            }
        }
        // Every card payment still standing on the basket must be among the tenders: it is reused,
        // never lost and never charged again.
        let mut card_amounts: Vec<i64> = tenders
            .iter()
            .filter_map(|t| if let TenderSpec::Card(c) = t { Some(*c) } else { None })
            .collect();
        for p in basket.cards.iter().filter(|p| p.state == "approved" && p.cents > 0) {
            match card_amounts.iter().position(|c| *c == p.cents) {
                Some(i) => {
                    card_amounts.remove(i);
                }
                None => {
                    return Err(refused(format!(
                        "a card payment of {} is already approved on this basket: include it in the tenders, or cancel the basket to refund it",
                        euros(p.cents)
                    )));
                }
            }
        }
        // Cards: reuse a payment approved on this basket (after a crash or a declined second card).
        let mut used: Vec<String> = Vec::new();
        let mut card_lines = Vec::new();
        for t in tenders {
            if let TenderSpec::Card(c) = t {
                let existing = self
                    .basket()
                    .cards
                    .iter()
                    .find(|p| p.state == "approved" && p.cents == *c && !used.contains(&p.reference))
                    .cloned();
                let payment = match existing {
                    Some(p) => p,
                    None => self.run_card(*c)?,
                };
                used.push(payment.reference.clone());
                card_lines.push(payment);
            }
        }
        let tier =
            if basket.customer.is_empty() { None } else { self.customer(&basket.customer).map(|c| c.tier) };
        let points_earned = tier.map_or(0, |t| self.settings.loyalty.points_earned(t, &priced, &core));
        let training = self.state.training;
        let no =
            self.heads.next_no(if training { ChainName::Training } else { ChainName::Live }, Kind::Ticket);
        let reference = format!("{}-{}{no:06}", self.identity.till, if training { 'F' } else { 'T' });
        let mut tender_lines = Vec::new();
        let mut credit_notes = Vec::new();
        let mut cards = card_lines.into_iter();
        for (t, c) in tenders.iter().zip(&core) {
            let (kind, reference_t, points) = match t {
                TenderSpec::Cash(_) => ("cash", String::new(), 0),
                TenderSpec::Card(_) => (
                    "card",
                    cards.next().map(|p| format!("{} {}", p.reference, p.detail)).unwrap_or_default(),
                    0,
                ),
                TenderSpec::GiftCard { card, .. } => ("gift_card", card.clone(), 0),
                TenderSpec::StoreCredit { note, cents } => {
                    if *cents < 0 {
                        let number = format!("AV-{reference}-{}", credit_notes.len() + 1);
                        credit_notes.push((number.clone(), -cents));
                        ("store_credit", number, 0)
                    } else {
                        ("store_credit", note.clone(), 0)
                    }
                }
                TenderSpec::Points(p) => ("loyalty", String::new(), i64::from(*p)),
            };
            tender_lines.push(TenderLine {
                kind: kind.into(),
                reference: reference_t,
                cents: c.amount.cents(),
                points,
            });
        }
        // The register's business day, not the clock's: a ticket paid just after midnight belongs to
        // the day its register was open for, and to that day's Z.
        let day = self.state.register.as_ref().map(|r| r.day.clone()).unwrap_or_default();
        let ticket = Ticket {
            reference: reference.clone(),
            day,
            operator,
            customer: basket.customer.clone(),
            basis: if priced.basis == PriceBasis::TaxExcluded { "ht".into() } else { "ttc".into() },
            lines: priced.lines.iter().map(|l| ticket_line(l, basket.lines.get(&l.id))).collect(),
            basket_discounts: priced
                .basket_discounts
                .iter()
                .map(|d| (label(&d.source), d.amount.cents()))
                .collect(),
            gross: priced.gross.cents(),
            discounts: priced.discounts.cents(),
            eco: priced.eco.cents(),
            vat: priced
                .vat
                .rates
                .iter()
                .map(|r| VatLine {
                    rate: rate_str(r.rate),
                    base: r.base.cents(),
                    vat: r.vat.cents(),
                    total: r.total.cents(),
                })
                .collect(),
            out_of_scope: priced.out_of_scope.cents(),
            total: priced.total.cents(),
            tenders: tender_lines,
            change: settlement.change.cents(),
            points_earned,
            credit_notes,
            approvals: basket
                .discounts
                .values()
                .chain(basket.discount.iter())
                .filter_map(|d| d.approved_by.clone().map(|by| (d.reason.clone(), by)))
                .chain(voids.map(|(_, by)| ("void".to_owned(), by.to_owned())))
                .chain(basket.lines.values().filter_map(|l| match l {
                    LineSpec::Return { ticket, .. } if ticket.starts_with("NO-RECEIPT/") => Some((
                        "return without receipt".to_owned(),
                        ticket.trim_start_matches("NO-RECEIPT/").to_owned(),
                    )),
                    _ => None,
                }))
                .collect(),
            voids: voids.map(|(t, _)| t.to_owned()).unwrap_or_default(),
            stock_moves: moves.values().flatten().map(|(s, q)| (s.clone(), q.to_string())).collect(),
        };
        let headers = self.commit(vec![Entry::Ticket(ticket.clone())])?;
        let printed = self.print_ticket(&ticket, &headers[0], None);
        let mut out = json!({
            "ticket": reference,
            "total": euros(ticket.total),
            "change": euros(ticket.change),
            "points_earned": points_earned,
            "credit_notes": ticket.credit_notes.iter().map(|(n, c)| json!({"note": n, "amount": euros(*c)})).collect::<Vec<_>>(),
            "lines": ticket.lines.len(),
        });
        if let Err(e) = printed {
            out["printer"] = json!(if self.printer.waiting() > 0 {
                format!("{e}: the ticket is saved and its receipt prints once the printer is back")
            } else {
                format!("{e}: the ticket is saved; reprint it when the printer is back")
            });
        }
        Ok(out)
    }

    fn print_ticket(
        &mut self,
        ticket: &Ticket,
        header: &Header,
        duplicate: Option<u32>,
    ) -> Result<(), TillError> {
        let sig: Vec<u8> = self.conn.query_row(
            "SELECT sig FROM journal WHERE chain = ?1 AND seq = ?2",
            params![header.chain.as_str(), header.seq],
            |r| r.get(0),
        )?;
        let location = self.settings.locations.iter().find(|l| l.code == self.identity.store).cloned();
        let layout = receipt::ticket(
            &receipt::Context {
                company: &self.settings.name,
                siren: &self.settings.siren,
                location: location.as_ref(),
                till: &self.identity.till,
                software: SOFTWARE,
                at: &header.at,
                signature: &hex(&sig),
                training: header.chain == ChainName::Training,
                width: self.receipt_width,
            },
            ticket,
            duplicate,
        );
        self.last_receipt = Some(layout.to_text());
        let printed = self.printer.print(&layout);
        self.note("printer", printed.as_ref().map(|()| "receipt printed").map_err(ToString::to_string));
        printed.map_err(|e| TillError::Device(e.to_string()))
    }

    /// Voids a ticket: a new ticket returning all its lines, refunded to its own tenders. A manager approves.
    pub fn void_ticket(&mut self, reference: &str, approval: Option<&Approval>) -> Result<Value, TillError> {
        self.sale_ready()?;
        if !self.basket().lines.is_empty() {
            return Err(refused("finish or park the current basket first"));
        }
        let (ticket, _) = self.find_ticket(reference)?;
        if ticket.lines.iter().any(|l| l.measure == "returned")
            || ticket.tenders.iter().any(|t| t.kind == "loyalty")
        {
            return Err(refused("this ticket holds returns or points: return its lines instead"));
        }
        if ticket.lines.iter().any(|l| l.gift_card) {
            return Err(refused(
                "a ticket that sold a gift card cannot be voided: the card may have been used",
            ));
        }
        for l in &ticket.lines {
            if self.returned_units(&ticket.reference, l.id)? > 0 {
                return Err(refused("part of this ticket was already returned: return the rest instead"));
            }
        }
        if !self.state.unresolved_cards.is_empty() {
            return Err(refused(
                "a card payment from before a crash is unresolved: a manager must resolve it first",
            ));
        }
        let by = self.approve(approval, "voiding a ticket")?;
        // Each tender refunded as it was paid; cash as one payout, net of the change given.
        let cash: i64 =
            ticket.tenders.iter().filter(|t| t.kind == "cash").map(|t| t.cents).sum::<i64>() - ticket.change;
        let mut tenders: Vec<TenderSpec> = ticket
            .tenders
            .iter()
            .filter(|t| t.kind != "cash")
            .map(|t| match t.kind.as_str() {
                "card" => TenderSpec::Card(-t.cents),
                "gift_card" => TenderSpec::GiftCard { card: t.reference.clone(), cents: -t.cents },
                _ => TenderSpec::StoreCredit { note: String::new(), cents: -t.cents },
            })
            .collect();
        if cash != 0 {
            tenders.push(TenderSpec::Cash(-cash));
        }
        let refund: i64 = -ticket.total;
        let paid_out: i64 = tenders
            .iter()
            .map(|t| match t {
                TenderSpec::Card(c) | TenderSpec::Cash(c) => *c,
                TenderSpec::GiftCard { cents, .. } | TenderSpec::StoreCredit { cents, .. } => *cents,
                TenderSpec::Points(_) => 0,
            })
            .sum();
        if paid_out != refund {
            return Err(refused(
                "this ticket's tenders do not add up to its total; return its lines instead",
            ));
        }
        self.return_lines(reference, &[])?;
        match self.pay_ticket(&tenders, Some((&ticket.reference, &by))) {
            Ok(mut v) => {
                v["voids"] = json!(ticket.reference);
                v["approved_by"] = json!(by);
                Ok(v)
            }
            Err(e) => {
                // A card refund already made stays on the basket, so the void can be retried; otherwise
                // the basket is abandoned.
                if !self.basket().cards.iter().any(|c| c.state == "refund" || c.state == "approved") {
                    self.commit(vec![Entry::BasketCancelled])?;
                }
                Err(e)
            }
        }
    }

    /// Reprints a receipt, marked DUPLICATA n, and journals it.
    pub fn reprint(&mut self, reference: &str) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training("reprinting a real ticket")?;
        let (ticket, seq) = self.find_ticket(reference)?;
        let copy = self.state.duplicates.get(&ticket.reference).copied().unwrap_or(0) + 1;
        self.commit(vec![Entry::Duplicate { ticket: ticket.reference.clone(), copy, by }])?;
        let header = store::read_records(&self.conn, ChainName::Live, seq, seq)?.remove(0).header;
        self.print_ticket(&ticket, &header, Some(copy))?;
        Ok(json!({"ticket": ticket.reference, "duplicate": copy}))
    }

    /// Opens the drawer with no sale: a manager approves.
    pub fn no_sale(&mut self, reason: &str, approval: Option<&Approval>) -> Result<Value, TillError> {
        self.operator()?;
        self.not_in_training("opening the drawer")?;
        if reason.trim().is_empty() {
            return Err(refused("give a reason for opening the drawer"));
        }
        let by = self.approve(approval, "opening the drawer without a sale")?;
        self.commit(vec![Entry::NoSale { reason: reason.into(), approved_by: by }])?;
        let opened = self.printer.open_drawer();
        self.note("printer", opened.as_ref().map(|()| "drawer opened").map_err(ToString::to_string));
        opened.map_err(|e| TillError::Device(e.to_string()))?;
        Ok(json!({"drawer": "open"}))
    }

    /// Training mode on or off: a manager approves.
    pub fn training(&mut self, on: bool, approval: Option<&Approval>) -> Result<Value, TillError> {
        self.operator()?;
        if !self.basket().lines.is_empty() {
            return Err(refused("finish or cancel the basket before switching training mode"));
        }
        let by = self.approve(approval, "switching training mode")?;
        self.commit(vec![Entry::Training { on, by }])?;
        Ok(json!({"training": on}))
    }

    /// Changes a setting (manager or technician).
    pub fn configure(&mut self, key: &str, value: &str) -> Result<Value, TillError> {
        let by = self.operator()?;
        if self.operator_role()? == Role::Cashier {
            return Err(refused("only a manager or a technician changes settings"));
        }
        match key {
            "max_discount_percent" => {
                Decimal::from_str(value).map_err(|_| refused(format!("`{value}` is not a percentage")))?;
            }
            k if k.starts_with("device.") => {
                crate::devices::parse(&k["device.".len()..], value).map_err(refused)?;
            }
            _ => return Err(refused(format!("unknown setting `{key}` (max_discount_percent, device.*)"))),
        }
        self.commit(vec![Entry::ConfigChanged { key: key.into(), value: value.into(), by }])?;
        Ok(json!({key: value}))
    }

    /// Sets the receipt printer's characters per line (42 or 48).
    pub fn set_receipt_width(&mut self, width: usize) {
        self.receipt_width = if width == 48 { 48 } else { receipt::WIDTH };
    }

    /// The flag that stops a running card payment from waiting (the cashier's cancel button, pressed
    /// while [`Till::pay`] runs on another thread); `None` when the terminal cannot be interrupted.
    /// The payment's outcome is then asked of the terminal: a customer who paid is never lost.
    pub fn card_canceller(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicBool>> {
        self.terminal.canceller()
    }

    /// Gives the till its scale (or takes it away).
    pub fn set_scale(&mut self, scale: Option<Box<dyn pos_drivers::scale::Scale>>) {
        self.scale = scale;
    }

    /// The last receipt or Z report handed to the printer, as text.
    pub fn last_receipt(&self) -> Option<&str> {
        self.last_receipt.as_deref()
    }

    /// Keeps what device `name` last answered.
    fn note(&mut self, name: &str, outcome: Result<&str, String>) {
        let (ok, message) = match outcome {
            Ok(m) => (true, m.to_owned()),
            Err(e) => (false, e),
        };
        self.health.insert(name.to_owned(), DeviceHealth { ok, message });
    }

    /// Each device: configured or not, what it last answered, receipts the printer keeps back.
    pub fn devices(&self) -> Value {
        let mut out = serde_json::Map::new();
        for name in crate::devices::NAMES {
            let configured = self.state.config.get(&format!("device.{name}"));
            out.insert(
                (*name).to_owned(),
                json!({
                    "configured": configured,
                    "last": self.health.get(*name),
                }),
            );
        }
        out.insert("printer_waiting".into(), json!(self.printer.waiting()));
        Value::Object(out)
    }

    /// The settings (devices included) as they stand.
    pub fn config(&self) -> &BTreeMap<String, String> {
        &self.state.config
    }

    /// Tries device `name` as configured (manager or technician): the printer prints a test receipt
    /// and opens the drawer, the scale is read, the terminal runs a 0.01 € payment, the scanner waits
    /// ten seconds for a scan. The outcome is journaled; a device that fails is an answer, not an
    /// error.
    pub fn test_device(&mut self, name: &str) -> Result<Value, TillError> {
        let by = self.operator()?;
        if self.operator_role()? == Role::Cashier {
            return Err(refused("only a manager or a technician tests devices"));
        }
        let spec = match self.state.config.get(&format!("device.{name}")) {
            Some(v) => Some(crate::devices::parse(name, v).map_err(refused)?),
            None if crate::devices::NAMES.contains(&name) => None,
            None => {
                return Err(refused(format!(
                    "no device `{name}`: the devices are {}",
                    crate::devices::NAMES.join(", ")
                )));
            }
        };
        let result: Result<String, String> = match name {
            "printer" => {
                let mut r = pos_drivers::receipt::Receipt::new(self.receipt_width);
                r.styled("TEST IMPRIMANTE", true, true, pos_drivers::receipt::Align::Centre);
                r.line(format!("Caisse {}", self.identity.till));
                r.line("Accents : é è ê à ç ù ô « » °");
                r.pair("Euro", "12,50 €");
                r.push(pos_drivers::receipt::Block::Ean13("3761100080190".into()));
                r.push(pos_drivers::receipt::Block::Qr(format!("{}|TEST", self.identity.till)));
                r.push(pos_drivers::receipt::Block::Cut);
                self.printer
                    .print(&r)
                    .and_then(|()| self.printer.open_drawer())
                    .map(|()| "test receipt printed, drawer opened".to_owned())
                    .map_err(|e| e.to_string())
            }
            "terminal" => {
                let reference = self.new_reference('T');
                self.terminal
                    .pay(&PaymentRequest { reference, cents: 1 })
                    .map(|o| match o {
                        PaymentOutcome::Approved { authorisation, card } => {
                            format!("0.01 EUR approved {authorisation} {card}")
                        }
                        PaymentOutcome::Declined { reason } => format!("0.01 EUR declined: {reason}"),
                    })
                    .map_err(|e| e.to_string())
            }
            "scale" => {
                let opened = match (self.scale.is_some(), spec.as_ref()) {
                    (true, _) => Ok(None),
                    (false, None) => Err("no scale is configured".to_owned()),
                    (false, Some(s)) => crate::devices::scale(s).map(Some).map_err(|e| e.to_string()),
                };
                opened.and_then(|mut own| {
                    let scale = match own.as_mut() {
                        Some(s) => s,
                        None => self.scale.as_mut().ok_or("no scale is configured")?,
                    };
                    scale.probe().map_err(|e| e.to_string())?;
                    scale
                        .weigh(None)
                        .map(|w| format!("{}.{:03} kg", w.grams / 1000, w.grams % 1000))
                        .map_err(|e| e.to_string())
                })
            }
            _ => match spec.as_ref() {
                None => {
                    Err("no serial scanner is configured (a keyboard-wedge scanner needs none)".to_owned())
                }
                Some(s) => crate::devices::scanner(s).map_err(|e| e.to_string()).and_then(|mut sc| match sc
                    .next_code(std::time::Duration::from_secs(10))
                {
                    Ok(Some(code)) => Ok(format!("read {code}")),
                    Ok(None) => Err("no scan within 10 seconds".to_owned()),
                    Err(e) => Err(e.to_string()),
                }),
            },
        };
        self.note(name, result.as_ref().map(String::as_str).map_err(Clone::clone));
        let (ok, text) = match result {
            Ok(t) => (true, t),
            Err(t) => (false, t),
        };
        self.commit(vec![Entry::DeviceTested { device: name.into(), result: text.clone(), by }])?;
        Ok(json!({"device": name, "ok": ok, "result": text}))
    }

    /// Prints the receipts the printer kept back (paper was out, the cover open).
    pub fn retry_printer(&mut self) -> Result<Value, TillError> {
        let retried = self.printer.retry();
        self.note("printer", retried.as_ref().map(|()| "receipts printed").map_err(ToString::to_string));
        retried.map_err(|e| TillError::Device(e.to_string()))?;
        Ok(json!({"waiting": self.printer.waiting()}))
    }

    /// A manager settles a card payment left unresolved by a crash, after checking the terminal's own report.
    pub fn resolve_card(
        &mut self,
        reference: &str,
        approved: bool,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        if !self.state.unresolved_cards.contains(reference) {
            return Err(refused(format!("no unresolved card payment {reference}")));
        }
        let by = self.approve(approval, "resolving a card payment")?;
        let outcome = if approved { "approved" } else { "not_made" };
        self.commit(vec![Entry::CardResult {
            reference: reference.into(),
            outcome: outcome.into(),
            detail: format!("resolved by {by}"),
        }])?;
        Ok(json!({"reference": reference, "outcome": outcome}))
    }

    // ------------------------------------------------------------------ closures

    fn tickets_since(&self, after_seq: u64) -> Result<Vec<(u64, Ticket)>, TillError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq FROM journal WHERE chain = 'live' AND kind = 'ticket' AND seq > ?1 ORDER BY seq",
        )?;
        let seqs: Vec<u64> = stmt.query_map([after_seq], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for s in seqs {
            if let Some(r) = store::read_records(&self.conn, ChainName::Live, s, s)?.pop()
                && let Entry::Ticket(t) = r.entry
            {
                out.push((r.header.no, t));
            }
        }
        Ok(out)
    }

    /// The daily closure of `day` as it would be made now.
    pub fn day_closure(&self, day: &str, by: &str) -> Result<Closure, TillError> {
        let tickets: Vec<(u64, Ticket)> = self
            .tickets_since(self.state.last_closure_seq)?
            .into_iter()
            // Every ticket since the last daily closure is this day's (their `day` is the register's).
            .collect();
        let totals = totals(tickets.iter().map(|(_, t)| t));
        Ok(Closure {
            period: "day".into(),
            key: day.into(),
            totals,
            grand_total: self.state.grand_total,
            grand_total_abs: self.state.grand_total_abs,
            tickets_from: tickets.first().map_or(0, |t| t.0),
            tickets_to: tickets.last().map_or(0, |t| t.0),
            includes: Vec::new(),
            cash_expected: self
                .state
                .register
                .as_ref()
                .filter(|r| r.day == day)
                .map_or(0, Register::expected),
            automatic: false,
            by: by.into(),
        })
    }

    /// Closes the register: the cash counted by denomination (cents → pieces), the difference, the Z.
    pub fn close_register(
        &mut self,
        counted: &BTreeMap<String, i64>,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        let op = self.operator()?;
        self.not_in_training("closing the register")?;
        let by = if self.operator_role()? == Role::Manager {
            op
        } else {
            self.approve(approval, "closing the register")?
        };
        let Some(reg) = self.state.register.clone() else {
            return Err(refused("the register is not open"));
        };
        if !self.state.basket.lines.is_empty() {
            return Err(refused("a basket is open: pay, park or cancel it before closing"));
        }
        let total = count_total(counted)?;
        let closure = self.day_closure(&reg.day, &by)?;
        let expected = reg.expected();
        let entries = vec![
            Entry::CashCounted {
                day: reg.day.clone(),
                counted: counted.clone(),
                total,
                expected,
                difference: total - expected,
                by: by.clone(),
            },
            Entry::Closure(closure.clone()),
            Entry::ClosureMade { what: format!("day {}", reg.day) },
        ];
        let headers = self.commit(entries)?;
        let printed = self.print_closure(&closure, &headers[1], Some((total, expected)));
        let mut out = json!({
            "day": reg.day,
            "expected": euros(expected),
            "counted": euros(total),
            "difference": euros(total - expected),
            "z": serde_json::to_value(&closure).unwrap_or_default(),
        });
        if let Err(e) = printed {
            out["printer"] = json!(e.to_string());
        }
        Ok(out)
    }

    fn print_closure(
        &mut self,
        closure: &Closure,
        header: &Header,
        cash: Option<(i64, i64)>,
    ) -> Result<(), TillError> {
        let layout =
            receipt::closure(&self.identity.till, &header.at, header.no, closure, cash, self.receipt_width);
        self.last_receipt = Some(layout.to_text());
        let printed = self.printer.print(&layout);
        self.note("printer", printed.as_ref().map(|()| "Z printed").map_err(ToString::to_string));
        printed.map_err(|e| TillError::Device(e.to_string()))
    }

    /// Counts the cash of a day the till closed itself.
    pub fn count_cash(&mut self, day: &str, counted: &BTreeMap<String, i64>) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training("counting cash")?;
        if !self.state.uncounted.contains(day) {
            return Err(refused(format!("{day} has no cash count waiting")));
        }
        let closure = store::records_of_kind(&self.conn, ChainName::Live, Kind::Closure)?
            .into_iter()
            .filter_map(|r| match r.entry {
                Entry::Closure(c) if c.period == "day" && c.key == day => Some(c),
                _ => None,
            })
            .next_back()
            .ok_or_else(|| TillError::Storage(format!("no closure for {day}")))?;
        let total = count_total(counted)?;
        let expected = closure.cash_expected;
        self.commit(vec![Entry::CashCounted {
            day: day.into(),
            counted: counted.clone(),
            total,
            expected,
            difference: total - expected,
            by,
        }])?;
        Ok(
            json!({"day": day, "expected": euros(expected), "counted": euros(total), "difference": euros(total - expected)}),
        )
    }

    /// Closes a month (`2026-12`) or a year (`2026`) from the closures below it.
    pub fn close_period(&mut self, key: &str) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training("a closure")?;
        let current = {
            let now = self.now();
            self.today(now).to_string()
        };
        if current.get(..key.len()).is_some_and(|c| c <= key) {
            return Err(refused(format!("{key} is not over yet: close it once it has ended")));
        }
        if self.operator_role()? != Role::Manager {
            return Err(TillError::NeedsManager("a periodic closure".into()));
        }
        let (period, below) = match key.len() {
            7 => ("month", "day"),
            4 => ("year", "month"),
            _ => return Err(refused(format!("`{key}` is neither a month (YYYY-MM) nor a year (YYYY)"))),
        };
        if self.state.register.as_ref().is_some_and(|r| r.day.starts_with(key)) {
            return Err(refused(format!(
                "the register is still open on {}: close the day first",
                self.state.register.as_ref().map_or("", |r| &r.day)
            )));
        }
        let closures = store::records_of_kind(&self.conn, ChainName::Live, Kind::Closure)?;
        if closures
            .iter()
            .any(|r| matches!(&r.entry, Entry::Closure(c) if c.period == period && c.key == key))
        {
            return Err(refused(format!("{key} is already closed")));
        }
        let parts: Vec<Closure> = closures
            .into_iter()
            .filter_map(|r| match r.entry {
                Entry::Closure(c) if c.period == below && c.key.starts_with(key) => Some(c),
                _ => None,
            })
            .collect();
        if parts.is_empty() {
            return Err(refused(format!("no {below} of {key} is closed yet")));
        }
        if period == "year" {
            // Every month that had a day closed must itself be closed before its year.
            let months: BTreeSet<&str> = self
                .state
                .closed_days
                .iter()
                .filter(|d| d.starts_with(key))
                .filter_map(|d| d.get(..7))
                .collect();
            if let Some(open) = months.iter().find(|m| !self.state.closed_months.contains(**m)) {
                return Err(refused(format!("month {open} is not closed yet: close it before the year")));
            }
        }
        let mut totals = Totals::default();
        for p in &parts {
            add_totals(&mut totals, &p.totals);
        }
        finish_totals(&mut totals);
        let closure = Closure {
            period: period.into(),
            key: key.into(),
            totals,
            grand_total: self.state.grand_total,
            grand_total_abs: self.state.grand_total_abs,
            tickets_from: parts.iter().map(|p| p.tickets_from).filter(|&n| n > 0).min().unwrap_or(0),
            tickets_to: parts.iter().map(|p| p.tickets_to).max().unwrap_or(0),
            includes: parts.iter().map(|p| p.key.clone()).collect(),
            cash_expected: 0,
            automatic: false,
            by,
        };
        let headers = self.commit(vec![
            Entry::Closure(closure.clone()),
            Entry::ClosureMade { what: format!("{period} {key}") },
        ])?;
        let _ = self.print_closure(&closure, &headers[0], None);
        Ok(serde_json::to_value(&closure).unwrap_or_default())
    }

    /// Writes the signed archive of a month into the data folder's `archives/` and journals it.
    pub fn archive(&mut self, period: &str) -> Result<Value, TillError> {
        let file = crate::archive::write(&self.conn, self.signer.key(), &self.dir, period)?;
        self.commit(vec![
            Entry::Archive {
                period: period.into(),
                from_seq: file.from_seq,
                to_seq: file.to_seq,
                digest: file.digest.clone(),
            },
            Entry::Archived { period: period.into(), file: file.path.display().to_string() },
        ])?;
        Ok(
            json!({"file": file.path.display().to_string(), "records": file.to_seq + 1 - file.from_seq, "digest": file.digest}),
        )
    }

    /// What the till is doing.
    pub fn status(&self) -> Result<Value, TillError> {
        let b = self.basket();
        Ok(json!({
            "till": self.identity.till,
            "store": self.identity.store,
            "operator": self.state.operator,
            "training": self.state.training,
            "register": self.state.register.as_ref().map(|r| json!({"day": r.day, "float": euros(r.float), "expected_cash": euros(r.expected())})),
            "basket_lines": b.lines.len(),
            "parked": self.state.parked.keys().collect::<Vec<_>>(),
            "records": self.heads.len(ChainName::Live),
            "training_records": self.heads.len(ChainName::Training),
            "tickets": self.state.tickets,
            "grand_total": euros(self.state.grand_total),
            "grand_total_abs": euros(self.state.grand_total_abs),
            "uncounted_days": self.state.uncounted,
            "unresolved_cards": self.state.unresolved_cards,
            "cards_on_basket": b.cards,
            "devices": self.devices(),
        }))
    }
}

fn count_total(counted: &BTreeMap<String, i64>) -> Result<i64, TillError> {
    const DENOMINATIONS: [i64; 15] =
        [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1];
    let mut total = 0;
    for (d, n) in counted {
        let cents =
            Money::from_str(d).map(Money::cents).map_err(|_| refused(format!("`{d}` is not an amount")))?;
        if !DENOMINATIONS.contains(&cents) {
            return Err(refused(format!("{d} is not a euro note or coin")));
        }
        if *n < 0 {
            return Err(refused(format!("a negative count of {d}")));
        }
        total += cents * n;
    }
    Ok(total)
}

fn manual(d: &DiscountSpec) -> Result<ManualDiscount, TillError> {
    let kind = match (&d.percent, d.cents) {
        (Some(p), _) => DiscountKind::Percent(
            Decimal::from_str(p).map_err(|_| refused(format!("`{p}` is not a percentage")))?,
        ),
        (None, Some(c)) => DiscountKind::Amount(Money::from_cents(c)),
        (None, None) => return Err(refused("a discount needs a percent or an amount")),
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
fn measure_of(m: &Measure) -> (&'static str, i64) {
    match *m {
        Measure::Units(n) => ("units", i64::from(n)),
        Measure::Weight(w) => {
            ("weight", (w.kilograms() * Decimal::ONE_THOUSAND).round().try_into().unwrap_or(0))
        }
        Measure::Label => ("label", 1),
        Measure::Returned(n) => ("returned", -i64::from(n)),
    }
}

/// A line of a ticket that can be brought back (not itself a return, not a gift card).
fn returnable(l: &TicketLine) -> bool {
    l.measure != "returned" && !l.gift_card
}

/// Units a ticket line sold (a weighed or labelled line is one).
fn sold_units(l: &TicketLine) -> u32 {
    if l.measure == "units" { u32::try_from(l.quantity).unwrap_or(1) } else { 1 }
}

/// A customer as the window shows them.
fn customer_view(c: &Customer) -> Value {
    json!({"id": c.id, "name": c.name, "segment": c.segment.as_str(), "tier": c.tier.as_str()})
}

fn ticket_line(l: &pos_core::basket::PricedLine, spec: Option<&LineSpec>) -> TicketLine {
    let (measure, quantity) = measure_of(&l.measure);
    TicketLine {
        id: l.id,
        sku: l.sku.to_string(),
        name: l.name.to_string(),
        family: l.family.as_ref().map(|f| f.0.to_string()).unwrap_or_default(),
        measure: measure.into(),
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

/// Totals of some tickets.
pub fn totals<'a>(tickets: impl IntoIterator<Item = &'a Ticket>) -> Totals {
    let mut t = Totals::default();
    let mut sales_tickets = 0i64;
    for k in tickets {
        t.tickets += 1;
        t.total += k.total;
        if k.total > 0 {
            t.sales += k.total;
            sales_tickets += 1;
        } else {
            t.refunds -= k.total;
        }
        t.discounts += k.discounts;
        t.eco += k.eco;
        t.gift_cards_sold += k.out_of_scope;
        for l in &k.lines {
            if l.measure == "returned" {
                t.returns -= l.net;
            }
            if !l.gift_card {
                *t.families.entry(l.family.clone()).or_default() += l.net;
            }
        }
        for tender in &k.tenders {
            let amount = if tender.kind == "cash" { tender.cents - k.change } else { tender.cents };
            *t.tenders.entry(tender.kind.clone()).or_default() += amount;
        }
        for v in &k.vat {
            add_vat(&mut t.vat, v);
        }
    }
    t.sales_tickets = sales_tickets;
    t.average_basket = if sales_tickets > 0 { round_div(t.sales, sales_tickets) } else { 0 };
    t
}

fn round_div(a: i64, b: i64) -> i64 {
    (Money::from_cents(a).euros() / Decimal::from(b) * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .try_into()
        .unwrap_or(0)
}

fn add_totals(into: &mut Totals, t: &Totals) {
    into.tickets += t.tickets;
    into.total += t.total;
    into.sales += t.sales;
    into.refunds += t.refunds;
    into.returns += t.returns;
    into.discounts += t.discounts;
    into.eco += t.eco;
    into.gift_cards_sold += t.gift_cards_sold;
    for (k, v) in &t.tenders {
        *into.tenders.entry(k.clone()).or_default() += v;
    }
    for (k, v) in &t.families {
        *into.families.entry(k.clone()).or_default() += v;
    }
    for v in t.vat.values() {
        add_vat(&mut into.vat, v);
    }
    into.sales_tickets += t.sales_tickets;
}

/// Adds one rate's base, VAT and total into a per-rate table.
fn add_vat(table: &mut BTreeMap<String, VatLine>, v: &VatLine) {
    let e = table.entry(v.rate.clone()).or_insert_with(|| VatLine {
        rate: v.rate.clone(),
        base: 0,
        vat: 0,
        total: 0,
    });
    e.base += v.base;
    e.vat += v.vat;
    e.total += v.total;
}

fn finish_totals(t: &mut Totals) {
    t.average_basket = if t.sales_tickets > 0 { round_div(t.sales, t.sales_tickets) } else { 0 };
}

fn save_state(tx: &Transaction<'_>, state: &State) -> Result<(), TillError> {
    let json = serde_json::to_string(state).map_err(|e| TillError::Storage(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO state (id, json) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET json = excluded.json",
    )?
    .execute([json])?;
    Ok(())
}

/// Seeds the loyalty projection with the customers' balances from the chain's files.
pub fn seed_loyalty(tx: &Transaction<'_>, customers: &[Customer]) -> Result<(), TillError> {
    let mut ins = tx.prepare(
        "INSERT INTO loyalty (customer, points) VALUES (?1, ?2) ON CONFLICT (customer) DO NOTHING",
    )?;
    for c in customers {
        ins.execute(params![c.id, c.points])?;
    }
    Ok(())
}

/// Applies one record to the state and the projection tables. The same function serves live commits
/// and [`crate::rebuild`], so a rebuilt till is the till that was.
pub fn apply(
    tx: &Transaction<'_>,
    state: &mut State,
    header: &Header,
    entry: &Entry,
) -> Result<(), TillError> {
    let training = header.chain == ChainName::Training;
    let basket = if training { &mut state.training_basket } else { &mut state.basket };
    match entry {
        Entry::Started { .. } => state.running = true,
        Entry::Stopped => {
            state.running = false;
            state.operator = None;
        }
        Entry::Login { staff } => {
            state.operator = Some(staff.clone());
            state.failures.remove(staff);
            state.locked.remove(staff);
        }
        Entry::Logout { .. } => state.operator = None,
        Entry::LoginFailed { staff, failures, .. } => {
            state.failures.insert(staff.clone(), *failures);
        }
        Entry::LockedOut { staff, until } => {
            state.locked.insert(staff.clone(), until.clone());
            state.failures.remove(staff);
        }
        Entry::Training { on, .. } => state.training = *on,
        Entry::ConfigChanged { key, value, .. } => {
            state.config.insert(key.clone(), value.clone());
        }
        Entry::CardUnresolved { reference, cents, detail } => {
            state.unresolved_cards.insert(reference.clone());
            if let Some(c) = state.basket.cards.iter_mut().find(|c| c.reference == *reference) {
                c.state = "unresolved".into();
            } else {
                state.basket.cards.push(CardPayment {
                    reference: reference.clone(),
                    cents: *cents,
                    state: "unresolved".into(),
                    detail: detail.clone(),
                });
            }
        }
        Entry::LineAdded { id, line } => {
            basket.lines.insert(*id, line.clone());
            basket.next_id = basket.next_id.max(id + 1);
        }
        Entry::LineRemoved { id } => {
            basket.lines.remove(id);
            basket.discounts.remove(id);
        }
        Entry::LineDiscount { id, discount } => {
            basket.discounts.insert(*id, discount.clone());
        }
        Entry::BasketDiscount { discount } => basket.discount = Some(discount.clone()),
        Entry::CustomerAttached { customer } => basket.customer = customer.clone(),
        Entry::Parked { slot } => {
            let parked = std::mem::take(basket);
            state.parked.insert(*slot, parked);
            state.next_slot = slot + 1;
        }
        Entry::Resumed { slot } => {
            if let Some(b) = state.parked.remove(slot) {
                *basket = b;
            }
        }
        Entry::BasketCancelled => *basket = BasketState::default(),
        Entry::CardIntent { reference, cents } => {
            basket.cards.push(CardPayment {
                reference: reference.clone(),
                cents: *cents,
                state: "pending".into(),
                detail: String::new(),
            });
        }
        Entry::CardResult { reference, outcome, detail } => {
            state.unresolved_cards.remove(reference);
            let basket = if training { &mut state.training_basket } else { &mut state.basket };
            if let Some(c) = basket.cards.iter_mut().find(|c| c.reference == *reference) {
                c.state = outcome.clone();
                c.detail = detail.clone();
            }
            // A refund that cancels an approved payment takes it off the basket.
            if outcome == "approved"
                && let Some(refund) = basket.cards.iter().find(|c| c.reference == *reference).cloned()
                && refund.cents < 0
                && let Some(paid) =
                    basket.cards.iter_mut().find(|c| c.state == "approved" && c.cents == -refund.cents)
            {
                paid.state = "refunded".into();
                if let Some(r) = basket.cards.iter_mut().find(|c| c.reference == *reference) {
                    r.state = "refund".into();
                }
            }
        }
        Entry::RegisterOpened { day, float, by, .. } => {
            state.register = Some(Register {
                day: day.clone(),
                float: *float,
                cash_sales: 0,
                cash_in: 0,
                cash_out: 0,
                opened_by: by.clone(),
            });
        }
        Entry::CashIn { cents, .. } => {
            if let Some(r) = state.register.as_mut() {
                r.cash_in += cents;
            }
        }
        Entry::CashOut { cents, .. } => {
            if let Some(r) = state.register.as_mut() {
                r.cash_out += cents;
            }
        }
        Entry::CashCounted { day, .. } => {
            state.uncounted.remove(day);
        }
        Entry::Ticket(t) => {
            *basket = BasketState::default();
            if !training {
                apply_ticket(tx, state, t)?;
            }
        }
        Entry::Duplicate { ticket, copy, .. } => {
            if !training {
                state.duplicates.insert(ticket.clone(), *copy);
            }
        }
        Entry::Closure(c) => match c.period.as_str() {
            "day" => {
                state.closed_days.insert(c.key.clone());
                state.last_closure_seq = header.seq;
                if state.register.as_ref().is_some_and(|r| r.day == c.key) {
                    state.register = None;
                }
                if c.automatic {
                    state.uncounted.insert(c.key.clone());
                }
            }
            "month" => {
                state.closed_months.insert(c.key.clone());
            }
            _ => {}
        },
        Entry::Initialised { .. }
        | Entry::Recovered { .. }
        | Entry::ClockBack { .. }
        | Entry::NoSale { .. }
        | Entry::DeviceTested { .. }
        | Entry::ClosureMade { .. }
        | Entry::Archived { .. }
        | Entry::Archive { .. } => {}
    }
    Ok(())
}

fn apply_ticket(tx: &Transaction<'_>, state: &mut State, t: &Ticket) -> Result<(), TillError> {
    state.tickets += 1;
    state.grand_total += t.total;
    state.grand_total_abs += t.total.abs();
    if let Some(r) = state.register.as_mut() {
        let cash: i64 = t.tenders.iter().filter(|x| x.kind == "cash").map(|x| x.cents).sum();
        r.cash_sales += cash - t.change;
    }
    let voucher = |number: &str, kind: &str, delta: i64| -> Result<(), TillError> {
        let below = |e: rusqlite::Error| {
            TillError::Refused(format!("{number}: the balance cannot go below zero ({e})"))
        };
        let changed = tx
            .prepare_cached("UPDATE voucher SET balance = balance + ?2 WHERE number = ?1")
            .and_then(|mut s| s.execute(params![number, delta]))
            .map_err(below)?;
        if changed == 0 {
            exec(
                tx,
                "INSERT INTO voucher (number, kind, balance) VALUES (?1, ?2, ?3)",
                params![number, kind, delta],
            )
            .map_err(below)?;
        }
        Ok(())
    };
    for l in &t.lines {
        if l.gift_card {
            voucher(&l.reference, "gift_card", l.net)?;
        }
    }
    for x in &t.tenders {
        match x.kind.as_str() {
            "gift_card" => voucher(&x.reference, "gift_card", -x.cents)?,
            "store_credit" => voucher(&x.reference, "store_credit", -x.cents)?,
            _ => {}
        }
    }
    if !t.customer.is_empty() {
        let spent: i64 = t.tenders.iter().map(|x| x.points).sum();
        exec(
            tx,
            "INSERT INTO loyalty (customer, points) VALUES (?1, MAX(0, ?2))
             ON CONFLICT (customer) DO UPDATE SET points = MAX(0, points + ?2)",
            params![t.customer, t.points_earned - spent],
        )?;
    }
    for (sku, q) in &t.stock_moves {
        let current: Option<String> = tx
            .prepare_cached("SELECT delta FROM stock_delta WHERE sku = ?1")?
            .query_row([sku], |r| r.get(0))
            .optional()?;
        let now = current.and_then(|c| Decimal::from_str(&c).ok()).unwrap_or_default()
            - Decimal::from_str(q).unwrap_or_default();
        exec(
            tx,
            "INSERT INTO stock_delta (sku, delta) VALUES (?1, ?2) ON CONFLICT (sku) DO UPDATE SET delta = excluded.delta",
            params![sku, now.normalize().to_string()],
        )?;
    }
    for l in &t.lines {
        if l.measure == "returned" && !l.reference.starts_with("NO-RECEIPT/") {
            // The original line number is kept in the return line's discounts-free reference: ticket#line.
            if let Some((ticket, line)) = l.reference.rsplit_once('#') {
                exec(
                    tx,
                    "INSERT INTO returned (ticket, line, units) VALUES (?1, ?2, ?3)
                     ON CONFLICT (ticket, line) DO UPDATE SET units = units + excluded.units",
                    params![ticket, line.parse::<u32>().unwrap_or(0), -l.quantity],
                )?;
            }
        }
    }
    Ok(())
}

/// Runs a statement through the connection's statement cache (the commit path runs the same few).
fn exec(tx: &Transaction<'_>, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(params)
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
