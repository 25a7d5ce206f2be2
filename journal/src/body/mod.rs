//! What the journal's records say: one enum, each variant belonging to one [`Kind`].
//!
//! Amounts are whole cents (`i64`), rates decimal strings (`"5.5"`), weights grams, times RFC 3339.
//! Fields are only ever added (with `#[serde(default)]`), never renamed: old records must still read.
//! Fields that name one of a few things are enums ([`TenderMethod`], [`LineMeasure`], [`Basis`],
//! [`CardOutcome`], [`ClosurePeriod`], [`ReturnedFrom`]) written as the strings format 1 always
//! wrote: typing them changed no byte of a record (the golden tests re-encode whole journals).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::record::{Header, Kind, RecordError, decode, encode};

mod fields;
mod ticket;

pub use fields::{
    Basis, CardOutcome, ClosurePeriod, LineMeasure, LineSpec, LoginFailure, ReturnedFrom, TenderMethod,
};
pub use ticket::{Closure, DiscountSpec, TenderLine, Ticket, TicketLine, Totals, VatLine};

/// Every record body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    // -- technical events
    /// The till was set up.
    Initialised {
        /// Store.
        store: String,
        /// Till id.
        till: String,
        /// Public key, hex.
        public_key: String,
        /// Software version.
        software: String,
    },
    /// The engine started.
    Started {
        /// Software version.
        software: String,
    },
    /// The engine stopped cleanly.
    Stopped,
    /// The engine started after a crash.
    Recovered {
        /// Lines found in the open basket.
        basket_lines: usize,
        /// Card payments that were in flight.
        cards_in_flight: Vec<String>,
    },
    /// The clock went backwards.
    ClockBack {
        /// Last time journaled.
        last: String,
        /// Time now.
        now: String,
    },
    /// The clock jumped forward: a record dated more than the configured margin after the one
    /// before it, or the clock moved ahead of the time measured while the till ran.
    ClockForward {
        /// Last time journaled.
        last: String,
        /// Time now.
        now: String,
    },
    /// Someone logged in.
    Login {
        /// Staff id.
        staff: String,
    },
    /// Someone logged out.
    Logout {
        /// Staff id.
        staff: String,
    },
    /// A login or approval refused: a wrong PIN, an account locked, an unknown staff id.
    LoginFailed {
        /// Staff id tried (as typed, at most 32 characters).
        staff: String,
        /// Wrong PINs in a row (0 when the PIN was not checked).
        failures: u32,
        /// What was attempted (`login`, an approval).
        during: String,
        /// Why it was refused.
        #[serde(default, skip_serializing_if = "LoginFailure::is_wrong_pin")]
        reason: LoginFailure,
    },
    /// Too many wrong PINs: the account is locked.
    LockedOut {
        /// Staff id.
        staff: String,
        /// Until when.
        until: String,
    },
    /// Training mode on or off.
    Training {
        /// On or off.
        on: bool,
        /// Who.
        by: String,
    },
    /// A configuration change.
    ConfigChanged {
        /// Key.
        key: String,
        /// New value.
        value: String,
        /// Who.
        by: String,
    },
    /// A technician tried a device (`pos-till devices test`).
    DeviceTested {
        /// Which device.
        device: String,
        /// What it did, or the error.
        result: String,
        /// Who.
        by: String,
    },
    /// The drawer opened with no sale.
    NoSale {
        /// Why.
        reason: String,
        /// Who approved.
        approved_by: String,
    },
    /// A click & collect order handed over to its customer at the counter.
    PickupHandedOver {
        /// The web shop's order id.
        order: String,
        /// Paid on the shop's site; otherwise `ticket` took its payment.
        paid_online: bool,
        /// The ticket that took its payment at the counter (empty when paid online).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        ticket: String,
        /// Stock that left the store with it when paid online (a ticket moves its own): SKU,
        /// quantity.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        stock_moves: Vec<(String, String)>,
        /// Who handed it over.
        by: String,
    },
    /// Head office handed this till the right to spend part of a balance (a gift card, a credit
    /// note) that it held: the till may spend it now, online or not.
    RightsGranted {
        /// The gift card or credit note.
        number: String,
        /// `gift_card` or `store_credit`.
        voucher: String,
        /// The request the till made (its id, unique at this till).
        grant: String,
        /// Cents of rights received.
        amount: i64,
        /// The balance as head office knew it when granting, cents.
        balance: i64,
    },
    /// A request for rights whose answer did not come (head office unreachable, cut): whatever
    /// head office granted for it goes back to head office, and this till never spends it.
    RightsAbandoned {
        /// The request.
        grant: String,
    },
    /// The till hands back to head office every spending right it held (after a sync): number,
    /// cents.
    RightsReturned {
        /// What it held, per gift card or credit note.
        rights: Vec<(String, i64)>,
    },
    /// A version of head office's catalogue (products, prices, promotions, the chain's files) is in
    /// use at this till from this record on.
    CatalogueApplied {
        /// Head office's version.
        version: u64,
        /// Its hash, hex.
        hash: String,
        /// Products in it.
        products: u64,
    },
    /// A card payment in flight at a crash that the terminal could not confirm: for the manager.
    CardUnresolved {
        /// Payment reference.
        reference: String,
        /// Amount.
        cents: i64,
        /// What the terminal said.
        detail: String,
    },
    /// A closure was made (the event beside the closure record).
    ClosureMade {
        /// Period and key.
        what: String,
    },
    /// The projections (balances, loyalty, stock, returned units, the state) were made again from the
    /// journal by a manager after the till found them not made from its journal (`pos-till rebuild`),
    /// or by the till itself when a version upgrade left them without their stamp.
    ProjectionsRebuilt {
        /// Records replayed.
        records: u64,
        /// What was found.
        reason: String,
        /// Who (`till` when the till did it itself).
        by: String,
    },
    /// From this record on, the till keeps its signed head outside the database (`till.head`).
    HeadStarted {
        /// A new till, or the first run of a version that keeps a head.
        reason: String,
    },
    /// A manager accepted a journal that does not reach its head (an older copy put back, a lost
    /// head file): what the head said and what the database holds, for the inspector.
    HeadAccepted {
        /// What the head file said (`live 9 <hash>`, or `missing`).
        expected: String,
        /// What the database holds.
        found: String,
        /// Who.
        by: String,
    },
    /// The till's signing key was replaced; this record is the last signed with the old key.
    KeyChanged {
        /// The old public key, hex.
        old_key: String,
        /// The new public key, hex.
        new_key: String,
        /// Who.
        by: String,
    },
    /// An archive was written.
    Archived {
        /// Period.
        period: String,
        /// File.
        file: String,
    },
    /// A receipt the customer asked for by e-mail: the receipt as the till laid it out, queued in
    /// the journal and sent by head office once the till has pushed this record.
    ReceiptEmailed {
        /// Ticket reference.
        ticket: String,
        /// The customer's address.
        to: String,
        /// The receipt's text, as printed on paper.
        text: String,
        /// Who.
        by: String,
    },
    // -- operations on the open basket
    /// A line added.
    LineAdded {
        /// Line id.
        id: u32,
        /// The line.
        line: LineSpec,
        /// The manager who approved a line above a maximum (amount, units, weight).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approved_by: Option<String>,
    },
    /// A line removed.
    LineRemoved {
        /// Line id.
        id: u32,
    },
    /// A line discount (or price override).
    LineDiscount {
        /// Line id.
        id: u32,
        /// The discount.
        discount: DiscountSpec,
    },
    /// A basket discount.
    BasketDiscount {
        /// The discount.
        discount: DiscountSpec,
    },
    /// A customer attached (empty: detached).
    CustomerAttached {
        /// Customer id.
        customer: String,
    },
    /// The basket parked.
    Parked {
        /// Parked basket number.
        slot: u32,
    },
    /// A parked basket resumed.
    Resumed {
        /// Parked basket number.
        slot: u32,
    },
    /// The open basket abandoned.
    BasketCancelled,
    /// A card payment about to be asked of the terminal.
    CardIntent {
        /// Reference given to the terminal.
        reference: String,
        /// Amount (negative: refund).
        cents: i64,
    },
    /// What the terminal answered.
    CardResult {
        /// Reference.
        reference: String,
        /// What it answered.
        outcome: CardOutcome,
        /// Authorisation code or reason.
        detail: String,
    },
    // -- payment proofs
    /// The register opened with a counted float.
    RegisterOpened {
        /// Business day.
        day: String,
        /// Float counted.
        float: i64,
        /// Who.
        by: String,
        /// True when carried over from a day the till closed itself.
        #[serde(default)]
        carried: bool,
        /// The manager who approved a float above the maximum.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approved_by: Option<String>,
    },
    /// Cash put into the drawer.
    CashIn {
        /// Amount.
        cents: i64,
        /// Why.
        reason: String,
        /// Who.
        by: String,
        /// The manager who approved an amount above the maximum.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approved_by: Option<String>,
    },
    /// Cash taken out of the drawer.
    CashOut {
        /// Amount.
        cents: i64,
        /// Why.
        reason: String,
        /// Who.
        by: String,
        /// The manager who approved an amount above the maximum.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approved_by: Option<String>,
        /// The bank's deposit slip when the cash goes to the bank (head office matches the bank's
        /// line by it); empty for any other cash out.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        slip: String,
    },
    /// The cash counted at closing (or later, for a day the till closed itself).
    CashCounted {
        /// Business day.
        day: String,
        /// Count by denomination in cents: denomination -> pieces.
        counted: BTreeMap<String, i64>,
        /// Total counted.
        total: i64,
        /// Expected.
        expected: i64,
        /// Counted less expected.
        difference: i64,
        /// Who.
        by: String,
    },
    /// A register session ended without the day's closure (end of a shift): the cash was counted
    /// just before ([`Entry::CashCounted`]) and the register may open again the same day. The
    /// day's closure, when it comes, covers every session of the day.
    RegisterClosed {
        /// Business day.
        day: String,
        /// Who.
        by: String,
    },
    // -- tickets, duplicates, closures, archives
    /// A ticket.
    Ticket(Ticket),
    /// A receipt reprinted.
    Duplicate {
        /// Ticket reference.
        ticket: String,
        /// Copy number (1 for the first duplicate).
        copy: u32,
        /// Who.
        by: String,
    },
    /// A closure.
    Closure(Closure),
    /// An archive of a period.
    Archive {
        /// Period (`2026-12`).
        period: String,
        /// Records included: first and last seq.
        from_seq: u64,
        /// Last seq.
        to_seq: u64,
        /// SHA-256 of the archive's records, hex.
        digest: String,
    },
}

impl Entry {
    /// Reads a record's canonical bytes as typed, and refuses a record the types do not read whole:
    /// its body written back from the types must give the very same bytes (a field the types do not
    /// know, or a value written another way, would otherwise pass unseen by anyone reading it typed).
    pub fn read(bytes: &[u8]) -> Result<(Header, Entry), RecordError> {
        #[derive(Deserialize)]
        struct Typed {
            body: Entry,
            header: Header,
        }
        let typed: Typed = match serde_json::from_slice(bytes) {
            Ok(t) => t,
            // Not a record at all, or one whose body the types do not read: which, in words.
            Err(e) => return Err(decode(bytes).err().unwrap_or(RecordError::Malformed(e.to_string()))),
        };
        let again = serde_json::to_value(&typed.body).map_err(|e| RecordError::Malformed(e.to_string()))?;
        if encode(&typed.header, &again)? != bytes {
            // Written back by `encode`, canonical bytes would be the same: these are not, or they hold
            // something the types dropped.
            return Err(decode(bytes).err().unwrap_or(RecordError::NotTyped));
        }
        Ok((typed.header, typed.body))
    }

    /// The kind of record this entry is.
    pub fn kind(&self) -> Kind {
        use Entry::*;
        match self {
            Initialised { .. }
            | Started { .. }
            | Stopped
            | Recovered { .. }
            | ClockBack { .. }
            | ClockForward { .. }
            | Login { .. }
            | Logout { .. }
            | LoginFailed { .. }
            | LockedOut { .. }
            | Training { .. }
            | ConfigChanged { .. }
            | DeviceTested { .. }
            | NoSale { .. }
            | PickupHandedOver { .. }
            | RightsGranted { .. }
            | RightsAbandoned { .. }
            | RightsReturned { .. }
            | CatalogueApplied { .. }
            | CardUnresolved { .. }
            | ClosureMade { .. }
            | ProjectionsRebuilt { .. }
            | HeadStarted { .. }
            | HeadAccepted { .. }
            | KeyChanged { .. }
            | Archived { .. }
            | ReceiptEmailed { .. } => Kind::Event,
            LineAdded { .. }
            | LineRemoved { .. }
            | LineDiscount { .. }
            | BasketDiscount { .. }
            | CustomerAttached { .. }
            | Parked { .. }
            | Resumed { .. }
            | BasketCancelled
            | CardIntent { .. }
            | CardResult { .. } => Kind::Operation,
            RegisterOpened { .. }
            | CashIn { .. }
            | CashOut { .. }
            | CashCounted { .. }
            | RegisterClosed { .. } => Kind::PaymentProof,
            Ticket(_) => Kind::Ticket,
            Duplicate { .. } => Kind::Duplicate,
            Closure(_) => Kind::Closure,
            Archive { .. } => Kind::Archive,
        }
    }
}
