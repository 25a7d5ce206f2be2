//! The projections: what the till keeps beside its journal so that an action does not read the whole
//! journal. The in-memory [`State`] (stored as the `state` row), gift card and credit note balances
//! (`voucher`), loyalty points (`loyalty`), stock deltas (`stock_delta`) and units returned per sold
//! line (`returned`).
//!
//! They are caches of the journal, never a source of what is signed:
//!
//! - [`apply`] is the only function that changes them, live (in the commit's transaction) and in a
//!   replay ([`crate::replay`]), so a replayed till is the till that was; `pos-till verify` replays
//!   the journal and compares every row.
//! - The state carries a stamp ([`Stamp`], set by [`stamp`]): the seq and hash of the last record
//!   applied on each chain. At start the till compares it with its journal and refuses to sell on a
//!   mismatch.
//! - Rows that let money out (a voucher's balance, a customer's points, the units already returned
//!   on a sold line) name the record that last set them (`seq`), and that record states the value
//!   (a ticket's `balances`, `points_balance`, a return line's `returned_after`): the engine reads it
//!   back before letting the row pay ([`checked_balance`], [`checked_points`], [`checked_returned`]).
//! - Every sum is checked: an overflow is an error, never a wrap.

use pos_journal::body::{CardOutcome, ClosurePeriod, DiscountSpec, Entry, LineSpec, TenderMethod, Ticket};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use pos_core::chain::Customer;
use pos_journal::{ChainName, Header, hex};
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::TillError;

mod checked;
pub use checked::{checked_balance, checked_points, checked_returned};

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
    /// Lines a manager approved above a maximum: line id, who.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub approvals: BTreeMap<u32, String>,
}

/// Where a card payment of the open basket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CardState {
    /// Asked of the terminal, no answer journaled yet.
    Pending,
    /// Approved: the customer paid.
    Approved,
    /// Declined.
    Declined,
    /// Not made.
    NotMade,
    /// In flight at a crash, and the terminal could not confirm it: for a manager.
    Unresolved,
    /// An approved payment a later refund cancelled.
    Refunded,
    /// The refund that cancelled an approved payment.
    Refund,
}

impl From<CardOutcome> for CardState {
    fn from(o: CardOutcome) -> CardState {
        match o {
            CardOutcome::Approved => CardState::Approved,
            CardOutcome::Declined => CardState::Declined,
            CardOutcome::NotMade => CardState::NotMade,
        }
    }
}

impl CardState {
    /// The customer may have paid (approved) or may yet (asked, or not known): the basket holds on.
    pub fn holds_money(self) -> bool {
        matches!(self, CardState::Approved | CardState::Pending | CardState::Unresolved)
    }

    /// An answer is still awaited (asked, or not known after a crash).
    pub fn awaiting(self) -> bool {
        matches!(self, CardState::Pending | CardState::Unresolved)
    }
}

/// A card payment of the open basket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CardPayment {
    /// Reference given to the terminal.
    pub reference: String,
    /// Amount.
    pub cents: i64,
    /// Where it stands.
    pub state: CardState,
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
    pub fn expected(&self) -> Result<i64, TillError> {
        self.float
            .checked_add(self.cash_sales)
            .and_then(|x| x.checked_add(self.cash_in))
            .and_then(|x| x.checked_sub(self.cash_out))
            .ok_or_else(|| overflow("the cash expected in the drawer"))
    }
}

/// Where a projection was made from: the last record applied on a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Its seq.
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
}

/// The last record applied on each chain: what the projections were made from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Live chain.
    pub live: Option<Mark>,
    /// Training chain.
    pub training: Option<Mark>,
}

impl Stamp {
    /// The mark of `chain`.
    pub fn get(&self, chain: ChainName) -> Option<&Mark> {
        match chain {
            ChainName::Live => self.live.as_ref(),
            ChainName::Training => self.training.as_ref(),
        }
    }
}

/// The till's state: a projection of the journal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// What the projections were made from. Absent in a state written before stamps existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_from: Option<Stamp>,
    /// Started and not stopped (true at open means the last run crashed).
    pub running: bool,
    /// Logged-in staff.
    pub operator: Option<String>,
    /// Training mode.
    pub training: bool,
    /// The live record that switched training mode on (0 when it is off).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub training_since: u64,
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
    /// Seq of the last daily closure.
    pub last_closure_seq: u64,
    /// Configuration.
    pub config: BTreeMap<String, String>,
    /// Card payments the manager must resolve.
    pub unresolved_cards: BTreeSet<String>,
    /// Tickets (live).
    pub tickets: u64,
    /// The spending rights this till holds, per gift card and credit note, cents (escrow, DESIGN
    /// §6): what it loaded or issued and what head office granted it, less what it spent and handed
    /// back. Sealed with the rest of the state; entries at zero are dropped.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rights: BTreeMap<String, i64>,
    /// Head office's catalogue version in use (0: the files the till was set up with).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub catalogue_version: u64,
}

/// Moves this till's rights to spend `number` by `delta`; below zero is a breach (spent rights the
/// till did not hold).
fn rights_move(
    state: &mut State,
    number: &str,
    delta: i64,
    breaches: &mut Breaches,
) -> Result<(), TillError> {
    let was = state.rights.get(number).copied().unwrap_or(0);
    let now = add(was, delta, "a balance's spending rights")?;
    if now < 0 {
        breaches.push(format!(
            "{number}: {} spent beyond the rights this till held ({})",
            pos_core::money::Money::from_cents(-delta),
            pos_core::money::Money::from_cents(was)
        ));
    }
    if now == 0 {
        state.rights.remove(number);
    } else {
        state.rights.insert(number.to_owned(), now);
    }
    Ok(())
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Notes a period closed by the closure at `seq`: a row of its own, so that the state does not
/// grow with the till's age.
fn closed(conn: &Connection, period: ClosurePeriod, key: &str, seq: u64) -> Result<(), TillError> {
    conn.prepare_cached("INSERT OR REPLACE INTO closed_period (period, key, seq) VALUES (?1, ?2, ?3)")?
        .execute(params![period.to_string(), key, seq])?;
    Ok(())
}

/// Whether `period` `key` (a day `2026-12-05`, a month, a year) is closed.
pub fn is_closed(conn: &Connection, period: ClosurePeriod, key: &str) -> Result<bool, TillError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM closed_period WHERE period = ?1 AND key = ?2)")?
        .query_row(params![period.to_string(), key], |r| r.get(0))?)
}

/// The error of a sum that does not fit: refused, never wrapped.
pub fn overflow(what: &str) -> TillError {
    TillError::Refused(crate::reason::Reason::Overflow { what: what.to_owned() })
}

/// `a + b`, or an error naming `what`.
pub fn add(a: i64, b: i64, what: &str) -> Result<i64, TillError> {
    a.checked_add(b).ok_or_else(|| overflow(what))
}

/// The key that seals the state row, derived from the till's signing key: the till refuses at start
/// a state row whose seal does not match (an edit with `sqlite3`). Whoever holds `till.key` can
/// reseal; `verify` (which needs no key) replays and compares instead.
#[derive(Clone)]
pub struct Seal([u8; 32]);

impl Seal {
    /// The seal of the till whose signing key is `key`.
    pub fn of(key: &ed25519_dalek::SigningKey) -> Seal {
        let mut input = b"pos-till state seal/1".to_vec();
        input.extend_from_slice(key.as_bytes());
        Seal(pos_journal::sha256(&input))
    }

    /// The seal of `json`.
    pub fn mac(&self, json: &[u8]) -> [u8; 32] {
        use hmac::Mac;
        let mut m = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| {
            // HMAC takes a key of any length.
            unreachable!("HMAC accepts a 32-byte key")
        });
        m.update(json);
        m.finalize().into_bytes().into()
    }
}

/// Writes the state row with its seal.
pub fn save_state(conn: &Connection, state: &State, seal: &Seal) -> Result<(), TillError> {
    let json = serde_json::to_string(state).map_err(|e| TillError::storage(e.to_string()))?;
    let mac = seal.mac(json.as_bytes());
    conn.prepare_cached(
        "INSERT INTO state (id, json, seal) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json, seal = excluded.seal",
    )?
    .execute(params![json, &mac[..]])?;
    Ok(())
}

/// Reads the state row; `Ok(None)` when there is none or it cannot be read as a state.
pub fn load_state(conn: &Connection) -> Result<Option<State>, TillError> {
    let json: Option<String> =
        conn.query_row("SELECT json FROM state WHERE id = 1", [], |r| r.get(0)).optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// What the state row holds, read with its seal.
pub enum Stored {
    /// A state, sealed by this till.
    Sealed(State),
    /// A state whose seal is missing or does not match: changed outside the till.
    Unsealed(State),
    /// Nothing that reads as a state.
    Unreadable,
}

/// Reads the state row and checks its seal.
pub fn load_sealed(conn: &Connection, seal: &Seal) -> Result<Stored, TillError> {
    let row: Option<(String, Option<Vec<u8>>)> = conn
        .query_row("SELECT json, seal FROM state WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((json, mac)) = row else { return Ok(Stored::Unreadable) };
    let Ok(state) = serde_json::from_str::<State>(&json) else { return Ok(Stored::Unreadable) };
    Ok(if mac.as_deref() == Some(&seal.mac(json.as_bytes())[..]) {
        Stored::Sealed(state)
    } else {
        Stored::Unsealed(state)
    })
}

/// Seeds the loyalty projection with the customers' balances from the chain's files.
pub fn seed_loyalty(conn: &Connection, customers: &[Customer]) -> Result<(), TillError> {
    let mut ins = conn.prepare(
        "INSERT INTO loyalty (customer, points, seq) VALUES (?1, ?2, 0) ON CONFLICT (customer) DO NOTHING",
    )?;
    for c in customers {
        ins.execute(params![c.id, c.points])?;
    }
    Ok(())
}

/// Marks the state as made from the records up to `seq` (hash `hash`) of `chain`: the stamp the
/// till compares with its journal at start. Set once per commit and at the end of a replay.
pub fn stamp(state: &mut State, chain: ChainName, seq: u64, hash: &[u8; 32]) {
    let mark = Some(Mark { seq, hash: hex(hash) });
    let stamp = state.made_from.get_or_insert_with(Stamp::default);
    match chain {
        ChainName::Live => stamp.live = mark,
        ChainName::Training => stamp.training = mark,
    }
}

/// What a record says that cannot be: a balance spent below zero, points spent that were not held, a
/// figure it states that the journal does not make. The projections follow the journal all the
/// same (a replay goes on, and says so); a live commit with a breach is refused and rolled back.
pub type Breaches = Vec<String>;

/// Applies one record (its header and body) to the state and the projection tables. The same
/// function serves live commits and replays, so a replayed till is the till that was. It answers
/// what the record says that cannot be ([`Breaches`]); an error is a sum that overflows or a
/// database that fails, after which nothing more can be applied.
pub fn apply(
    conn: &Connection,
    state: &mut State,
    header: &Header,
    entry: &Entry,
) -> Result<Breaches, TillError> {
    let mut breaches = Vec::new();
    let training = header.chain == ChainName::Training;
    let basket = if training { &mut state.training_basket } else { &mut state.basket };
    match entry {
        Entry::Started { .. } => {
            // Whoever was logged in before the till started logs in again (with their PIN).
            state.running = true;
            state.operator = None;
        }
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
        Entry::LoginFailed { staff, failures, reason, .. } => {
            if *reason == pos_journal::body::LoginFailure::WrongPin {
                state.failures.insert(staff.clone(), *failures);
            }
        }
        Entry::LockedOut { staff, until } => {
            state.locked.insert(staff.clone(), until.clone());
            state.failures.remove(staff);
        }
        Entry::Training { on, .. } => {
            state.training = *on;
            state.training_since = if *on { header.seq } else { 0 };
        }
        Entry::ConfigChanged { key, value, .. } => {
            state.config.insert(key.clone(), value.clone());
        }
        Entry::CardUnresolved { reference, cents, detail } => {
            state.unresolved_cards.insert(reference.clone());
            if let Some(c) = state.basket.cards.iter_mut().find(|c| c.reference == *reference) {
                c.state = CardState::Unresolved;
            } else {
                state.basket.cards.push(CardPayment {
                    reference: reference.clone(),
                    cents: *cents,
                    state: CardState::Unresolved,
                    detail: detail.clone(),
                });
            }
        }
        Entry::LineAdded { id, line, approved_by } => {
            basket.lines.insert(*id, line.clone());
            if let Some(by) = approved_by {
                basket.approvals.insert(*id, by.clone());
            }
            basket.next_id = basket.next_id.max(id.saturating_add(1));
        }
        Entry::LineRemoved { id } => {
            basket.lines.remove(id);
            basket.discounts.remove(id);
            basket.approvals.remove(id);
        }
        Entry::LineDiscount { id, discount } => {
            basket.discounts.insert(*id, discount.clone());
        }
        Entry::BasketDiscount { discount } => basket.discount = Some(discount.clone()),
        Entry::CustomerAttached { customer } => basket.customer = customer.clone(),
        Entry::Parked { slot } => {
            let parked = std::mem::take(basket);
            state.parked.insert(*slot, parked);
            state.next_slot = slot.saturating_add(1);
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
                state: CardState::Pending,
                detail: String::new(),
            });
        }
        Entry::CardResult { reference, outcome, detail } => {
            state.unresolved_cards.remove(reference);
            let basket = if training { &mut state.training_basket } else { &mut state.basket };
            if let Some(c) = basket.cards.iter_mut().find(|c| c.reference == *reference) {
                c.state = CardState::from(*outcome);
                c.detail = detail.clone();
            }
            // A refund that cancels an approved payment takes it off the basket.
            if *outcome == CardOutcome::Approved
                && let Some(refund) = basket.cards.iter().find(|c| c.reference == *reference).cloned()
                && refund.cents < 0
                && let Some(paid) = basket
                    .cards
                    .iter_mut()
                    .find(|c| c.state == CardState::Approved && c.cents == -refund.cents)
            {
                paid.state = CardState::Refunded;
                if let Some(r) = basket.cards.iter_mut().find(|c| c.reference == *reference) {
                    r.state = CardState::Refund;
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
                r.cash_in = add(r.cash_in, *cents, "the cash put into the drawer")?;
            }
        }
        Entry::CashOut { cents, .. } => {
            if let Some(r) = state.register.as_mut() {
                r.cash_out = add(r.cash_out, *cents, "the cash taken out of the drawer")?;
            }
        }
        Entry::CashCounted { day, .. } => {
            state.uncounted.remove(day);
        }
        Entry::RegisterClosed { day, .. } => {
            if state.register.as_ref().is_some_and(|r| r.day == *day) {
                state.register = None;
            }
        }
        Entry::Ticket(t) => {
            *basket = BasketState::default();
            if !training {
                apply_ticket(conn, state, header.seq, t, &mut breaches)?;
            }
        }
        Entry::Duplicate { ticket, copy, .. } => {
            if !training {
                conn.prepare_cached(
                    "INSERT INTO duplicate (ticket, copies, seq) VALUES (?1, ?2, ?3)
                     ON CONFLICT (ticket) DO UPDATE SET copies = excluded.copies, seq = excluded.seq",
                )?
                .execute(params![ticket, copy, header.seq])?;
            }
        }
        Entry::Closure(c) => match c.period {
            ClosurePeriod::Day => {
                closed(conn, c.period, &c.key, header.seq)?;
                state.last_closure_seq = header.seq;
                let drawer_open = state.register.as_ref().is_some_and(|r| r.day == c.key);
                if drawer_open {
                    state.register = None;
                }
                // A day whose last session was counted at its end has no cash left to count.
                if c.automatic && drawer_open {
                    state.uncounted.insert(c.key.clone());
                }
            }
            ClosurePeriod::Month | ClosurePeriod::Year => closed(conn, c.period, &c.key, header.seq)?,
        },
        Entry::RightsGranted { number, amount, balance, .. }
            if !training && pos_sync::rights::points_customer(number).is_some() =>
        {
            rights_move(state, number, *amount, &mut breaches)?;
            // Head office's word of the customer's points, given at every till of the chain.
            let customer = pos_sync::rights::points_customer(number).unwrap_or_default();
            conn.prepare_cached(
                "INSERT INTO loyalty (customer, points, seq) VALUES (?1, ?2, ?3)
                 ON CONFLICT (customer) DO UPDATE SET points = excluded.points, seq = excluded.seq",
            )?
            .execute(params![customer, balance, header.seq])?;
        }
        Entry::RightsGranted { number, voucher, amount, balance, .. } if !training => {
            rights_move(state, number, *amount, &mut breaches)?;
            // Head office's word of the balance: the till may not have known the card at all.
            conn.prepare_cached(
                "INSERT INTO voucher (number, kind, balance, seq) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (number) DO UPDATE SET balance = excluded.balance, seq = excluded.seq",
            )?
            .execute(params![number, voucher, balance, header.seq])?;
        }
        Entry::RightsReturned { rights } if !training => {
            for (number, amount) in rights {
                let back = amount.checked_neg().ok_or_else(|| overflow("rights handed back"))?;
                rights_move(state, number, back, &mut breaches)?;
            }
        }
        Entry::RightsGranted { .. } | Entry::RightsReturned { .. } | Entry::RightsAbandoned { .. } => {}
        Entry::CatalogueApplied { version, .. } => {
            if !training {
                state.catalogue_version = *version;
            }
        }
        Entry::PickupHandedOver { order, stock_moves, .. } => {
            move_stock(conn, stock_moves, &format!("click & collect order {order}"))?;
        }
        Entry::Initialised { .. }
        | Entry::Recovered { .. }
        | Entry::ClockBack { .. }
        | Entry::ClockForward { .. }
        | Entry::NoSale { .. }
        | Entry::DeviceTested { .. }
        | Entry::ClosureMade { .. }
        | Entry::ProjectionsRebuilt { .. }
        | Entry::HeadStarted { .. }
        | Entry::HeadAccepted { .. }
        | Entry::KeyChanged { .. }
        | Entry::Archived { .. }
        | Entry::ReceiptEmailed { .. }
        | Entry::Archive { .. } => {}
    }
    Ok(breaches)
}

/// Moves the till's stock deltas by `moves` (out; negative: back in), said to be `what`'s.
fn move_stock(conn: &Connection, moves: &[(String, String)], what: &str) -> Result<(), TillError> {
    for (sku, q) in moves {
        let current: Option<String> = conn
            .prepare_cached("SELECT delta FROM stock_delta WHERE sku = ?1")?
            .query_row([sku], |r| r.get(0))
            .optional()?;
        let moved = Decimal::from_str(q)
            .map_err(|_| TillError::refused(format!("{what}: `{q}` is not a quantity")))?;
        let was = current.and_then(|c| Decimal::from_str(&c).ok()).unwrap_or_default();
        let now = was.checked_sub(moved).ok_or_else(|| overflow("a stock delta"))?;
        conn.prepare_cached(
            "INSERT INTO stock_delta (sku, delta) VALUES (?1, ?2) ON CONFLICT (sku) DO UPDATE SET delta = excluded.delta",
        )?
        .execute(params![sku, now.normalize().to_string()])?;
    }
    Ok(())
}

fn apply_ticket(
    conn: &Connection,
    state: &mut State,
    seq: u64,
    t: &Ticket,
    breaches: &mut Breaches,
) -> Result<(), TillError> {
    state.tickets = state.tickets.checked_add(1).ok_or_else(|| overflow("the ticket count"))?;
    state.grand_total = add(state.grand_total, t.total, "the perpetual grand total")?;
    let abs = t.total.checked_abs().ok_or_else(|| overflow("the perpetual grand total"))?;
    state.grand_total_abs = add(state.grand_total_abs, abs, "the perpetual grand total of absolute values")?;
    if let Some(r) = state.register.as_mut() {
        let cash = cash_of(t)?;
        r.cash_sales = add(r.cash_sales, cash, "the cash from sales")?;
    }
    let mut touched: BTreeMap<String, i64> = BTreeMap::new();
    for l in t.lines.iter().filter(|l| l.gift_card) {
        let b = voucher_move(conn, seq, &l.reference, "gift_card", l.net, breaches)?;
        rights_move(state, &l.reference, l.net, breaches)?;
        touched.insert(l.reference.clone(), b);
    }
    for x in &t.tenders {
        let kind = match x.kind {
            TenderMethod::GiftCard => "gift_card",
            TenderMethod::StoreCredit => "store_credit",
            TenderMethod::Cash | TenderMethod::Card | TenderMethod::Loyalty => continue,
        };
        let delta = x.cents.checked_neg().ok_or_else(|| overflow("a voucher's balance"))?;
        let b = voucher_move(conn, seq, &x.reference, kind, delta, breaches)?;
        rights_move(state, &x.reference, delta, breaches)?;
        touched.insert(x.reference.clone(), b);
    }
    if !t.balances.is_empty() {
        let said: BTreeMap<String, i64> = t.balances.iter().cloned().collect();
        if said != touched {
            breaches.push(format!(
                "ticket {} states the balances {} where the journal makes them {}",
                t.reference,
                show_balances(&said),
                show_balances(&touched)
            ));
        }
    }
    if !t.customer.is_empty() {
        let spent = t.tenders.iter().try_fold(0i64, |s, x| add(s, x.points, "the points spent"))?;
        let have: i64 = conn
            .prepare_cached("SELECT points FROM loyalty WHERE customer = ?1")?
            .query_row([&t.customer], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        if spent > 0 && have < spent {
            breaches.push(format!(
                "ticket {} spends {spent} points of customer {} who had {have}",
                t.reference, t.customer
            ));
        }
        let now = add(have, t.points_earned, "the customer's points")?
            .checked_sub(spent)
            .ok_or_else(|| overflow("the customer's points"))?;
        // The rights of the points: those given here are this till's to spend; spent ones are
        // checked by the engine before the sale (alone, a till spends the chain's files' points
        // it never held, so no breach is told here).
        let account = pos_sync::rights::points_account(&t.customer);
        let given = t.points_earned.checked_sub(spent).ok_or_else(|| overflow("the customer's points"))?;
        if given != 0 {
            let was = state.rights.get(&account).copied().unwrap_or(0);
            match add(was, given, "a customer's points rights")? {
                0 => state.rights.remove(&account),
                n => state.rights.insert(account, n),
            };
        }
        if let Some(said) = t.points_balance
            && said != now
        {
            breaches.push(format!(
                "ticket {} states {said} points left to customer {} where the journal makes it {now}",
                t.reference, t.customer
            ));
        }
        conn.prepare_cached(
            "INSERT INTO loyalty (customer, points, seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (customer) DO UPDATE SET points = excluded.points, seq = excluded.seq",
        )?
        .execute(params![t.customer, now, seq])?;
    }
    move_stock(conn, &t.stock_moves, &format!("ticket {}", t.reference))?;
    for l in &t.lines {
        if !l.returns_sold_line() {
            continue;
        }
        // A return line's reference is the sold line's: ticket#line.
        let Some((ticket, line)) = l.reference.rsplit_once('#') else { continue };
        let line: u32 = line.parse().map_err(|_| {
            TillError::refused(format!("ticket {}: `{}` names no sold line", t.reference, l.reference))
        })?;
        let units = l
            .quantity
            .checked_neg()
            .and_then(|q| u32::try_from(q).ok())
            .ok_or_else(|| overflow("the units returned"))?;
        let before: u32 = conn
            .prepare_cached("SELECT units FROM returned WHERE ticket = ?1 AND line = ?2")?
            .query_row(params![ticket, line], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        let now = before.checked_add(units).ok_or_else(|| overflow("the units returned"))?;
        if l.returned_after != 0 && l.returned_after != now {
            breaches.push(format!(
                "ticket {} states {} unit(s) of {} brought back where the journal makes it {now}",
                t.reference, l.returned_after, l.reference
            ));
        }
        conn.prepare_cached(
            "INSERT INTO returned (ticket, line, units, seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (ticket, line) DO UPDATE SET units = excluded.units, seq = excluded.seq",
        )?
        .execute(params![ticket, line, now, seq])?;
    }
    Ok(())
}

/// The cash a ticket leaves in the drawer: cash tendered less the change given.
pub fn cash_of(t: &Ticket) -> Result<i64, TillError> {
    let tendered = t
        .tenders
        .iter()
        .filter(|x| x.kind == TenderMethod::Cash)
        .try_fold(0i64, |s, x| add(s, x.cents, "the cash"))?;
    tendered.checked_sub(t.change).ok_or_else(|| overflow("the cash"))
}

fn show_balances(b: &BTreeMap<String, i64>) -> String {
    let parts: Vec<String> =
        b.iter().map(|(n, c)| format!("{n} {}", pos_core::money::Money::from_cents(*c))).collect();
    if parts.is_empty() { "none".into() } else { parts.join(", ") }
}

/// Moves a voucher's balance by `delta`; returns the new balance. Below zero, or a voucher of
/// another kind (a credit note paid as a gift card), is a breach.
fn voucher_move(
    conn: &Connection,
    seq: u64,
    number: &str,
    kind: &str,
    delta: i64,
    breaches: &mut Breaches,
) -> Result<i64, TillError> {
    let was: Option<(i64, String)> = conn
        .prepare_cached("SELECT balance, kind FROM voucher WHERE number = ?1")?
        .query_row([number], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((_, k)) = &was
        && k != kind
    {
        breaches.push(format!("{number} is a {k}, used as a {kind}"));
    }
    let now = add(was.map_or(0, |w| w.0), delta, "a voucher's balance")?;
    if now < 0 {
        breaches.push(format!(
            "{number} falls to {} (a balance cannot go below zero)",
            pos_core::money::Money::from_cents(now)
        ));
    }
    conn.prepare_cached(
        "INSERT INTO voucher (number, kind, balance, seq) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (number) DO UPDATE SET balance = excluded.balance, seq = excluded.seq",
    )?
    .execute(params![number, kind, now, seq])?;
    Ok(now)
}
