//! What the journal's records say: one enum, each variant belonging to one [`Kind`].
//!
//! Amounts are whole cents (`i64`), rates decimal strings (`"5.5"`), weights grams, times RFC 3339.
//! Fields are only ever added (with `#[serde(default)]`), never renamed: old records must still read.
//! Fields that name one of a few things are enums ([`TenderMethod`], [`LineMeasure`], [`Basis`],
//! [`CardOutcome`], [`ClosurePeriod`], [`ReturnedFrom`]) written as the strings format 1 always
//! wrote: typing them changed no byte of a record (the golden tests re-encode whole journals).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::record::{Header, Kind, RecordError, decode, encode};

/// How a tender was paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TenderMethod {
    /// Notes and coins.
    Cash,
    /// A payment card through the terminal.
    Card,
    /// A gift card.
    GiftCard,
    /// A store credit note.
    StoreCredit,
    /// Loyalty points.
    Loyalty,
}

impl TenderMethod {
    /// Every method, in the order reports list them.
    pub const ALL: [TenderMethod; 5] = [
        TenderMethod::Cash,
        TenderMethod::Card,
        TenderMethod::GiftCard,
        TenderMethod::StoreCredit,
        TenderMethod::Loyalty,
    ];

    /// The name written in records (`cash`, `gift_card` ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TenderMethod::Cash => "cash",
            TenderMethod::Card => "card",
            TenderMethod::GiftCard => "gift_card",
            TenderMethod::StoreCredit => "store_credit",
            TenderMethod::Loyalty => "loyalty",
        }
    }

    /// The method named `s`.
    pub fn parse(s: &str) -> Option<TenderMethod> {
        TenderMethod::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for TenderMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a ticket line's quantity counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LineMeasure {
    /// Whole units.
    Units,
    /// Grams.
    Weight,
    /// One item priced by its label.
    Label,
    /// Units brought back (the quantity is negative).
    Returned,
}

/// Whether a ticket's prices include VAT (consumers) or not (professionals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Basis {
    /// TTC: prices include VAT.
    #[serde(rename = "ttc")]
    TaxIncluded,
    /// HT: VAT is added per rate on the bases.
    #[serde(rename = "ht")]
    TaxExcluded,
}

/// What the card terminal answered to a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardOutcome {
    /// Approved: the customer paid.
    Approved,
    /// Declined by the card or the bank.
    Declined,
    /// Not made (cancelled, the terminal unreachable, or confirmed never made by a manager).
    NotMade,
}

impl CardOutcome {
    /// The name written in records.
    pub fn as_str(self) -> &'static str {
        match self {
            CardOutcome::Approved => "approved",
            CardOutcome::Declined => "declined",
            CardOutcome::NotMade => "not_made",
        }
    }
}

/// The period a closure closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ClosurePeriod {
    /// A business day (the Z).
    Day,
    /// A month.
    Month,
    /// A fiscal year.
    Year,
}

impl ClosurePeriod {
    /// The name written in records (`day`, `month`, `year`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClosurePeriod::Day => "day",
            ClosurePeriod::Month => "month",
            ClosurePeriod::Year => "year",
        }
    }
}

impl fmt::Display for ClosurePeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where returned units come from: a ticket of this chain, or no receipt at all (then the manager
/// who approved the return is named). Written as the ticket's reference, or `NO-RECEIPT/` and the
/// manager's id, as format 1 always wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReturnedFrom {
    /// The ticket's reference (`LYO-1-T000042`).
    Ticket(String),
    /// No receipt; the manager who approved it.
    NoReceipt {
        /// The manager's id.
        approved_by: String,
    },
}

/// How a return without a receipt is written.
const NO_RECEIPT: &str = "NO-RECEIPT/";

impl ReturnedFrom {
    /// Reads what a record wrote.
    pub fn parse(s: &str) -> ReturnedFrom {
        match s.strip_prefix(NO_RECEIPT) {
            Some(by) => ReturnedFrom::NoReceipt { approved_by: by.to_owned() },
            None => ReturnedFrom::Ticket(s.to_owned()),
        }
    }

    /// The ticket, when there was one.
    pub fn ticket(&self) -> Option<&str> {
        match self {
            ReturnedFrom::Ticket(t) => Some(t),
            ReturnedFrom::NoReceipt { .. } => None,
        }
    }
}

impl fmt::Display for ReturnedFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReturnedFrom::Ticket(t) => f.write_str(t),
            ReturnedFrom::NoReceipt { approved_by } => write!(f, "{NO_RECEIPT}{approved_by}"),
        }
    }
}

impl Serialize for ReturnedFrom {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReturnedFrom {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| ReturnedFrom::parse(&s))
    }
}

/// A basket line as journaled: already resolved (the product looked up, the label decoded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum LineSpec {
    /// Whole units, with a serial number for serial-tracked items.
    Units {
        /// SKU.
        sku: String,
        /// Units.
        quantity: u32,
        /// Serial number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serial: Option<String>,
    },
    /// A weighed item.
    Weighed {
        /// SKU.
        sku: String,
        /// Net weight in grams.
        grams: i64,
    },
    /// An item whose label carries its price.
    Label {
        /// SKU.
        sku: String,
        /// Price on the label.
        cents: i64,
    },
    /// A gift card sold or topped up.
    GiftCard {
        /// SKU of the gift card product.
        sku: String,
        /// Card number.
        card: String,
        /// Amount loaded.
        cents: i64,
    },
    /// Units returned from a ticket (or without a receipt).
    Return {
        /// Where they come from.
        ticket: ReturnedFrom,
        /// Its line.
        line: u32,
        /// SKU.
        sku: String,
        /// Name as sold.
        name: String,
        /// Units returned.
        units: u32,
        /// Units sold on that line.
        sold_units: u32,
        /// Net of the sold line.
        net: i64,
        /// Eco-participation of the sold line.
        eco: i64,
        /// VAT parts of the sold line: category, rate, amount.
        vat: Vec<(String, String, i64)>,
        /// The sold ticket's basis.
        basis: Basis,
        /// Units of the sold line already brought back (or on their way back in another basket)
        /// when this return was added: the refund is priced for all of them less those.
        #[serde(default, skip_serializing_if = "is_zero_u32")]
        before: u32,
    },
}

/// Why a login or an approval was refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginFailure {
    /// The PIN was wrong.
    #[default]
    WrongPin,
    /// The account is locked after too many wrong PINs (the PIN is not even checked).
    Locked,
    /// No member of staff has that id.
    UnknownStaff,
}

impl LoginFailure {
    fn is_wrong_pin(&self) -> bool {
        *self == LoginFailure::WrongPin
    }
}

/// A discount as asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountSpec {
    /// Why.
    pub reason: String,
    /// Percent (`"10"`) ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<String>,
    /// ... or an amount in cents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cents: Option<i64>,
    /// The manager who approved it, when one had to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
}

/// A tender on a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TenderLine {
    /// How it was paid.
    pub kind: TenderMethod,
    /// Card number, credit-note number, card authorisation ...
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    /// Amount (negative on a refund).
    pub cents: i64,
    /// Points spent (loyalty).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub points: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A line of a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketLine {
    /// Line id in the basket.
    pub id: u32,
    /// SKU.
    pub sku: String,
    /// Name printed.
    pub name: String,
    /// Family code.
    pub family: String,
    /// What the quantity counts.
    pub measure: LineMeasure,
    /// Units (or units returned, negative), grams for weight.
    pub quantity: i64,
    /// Serial number, gift card number, or the original ticket of a return.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    /// Unit price.
    pub unit_price: i64,
    /// Before discounts.
    pub gross: i64,
    /// Eco-participation included.
    pub eco: i64,
    /// Discounts on the line: label, amount.
    pub discounts: Vec<(String, i64)>,
    /// Share of basket-level discounts.
    pub basket_share: i64,
    /// What the line costs.
    pub net: i64,
    /// VAT parts: category, rate, amount.
    pub vat: Vec<(String, String, i64)>,
    /// True for a gift card sold.
    #[serde(default)]
    pub gift_card: bool,
    /// On a return line: the units of the sold line brought back so far, this ticket included. The
    /// till's `returned` table names the record that last set a line's count, and checks it there
    /// before taking more back.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub returned_after: u32,
}

impl TicketLine {
    /// A return line brought back with its receipt (its `reference` names the sold line).
    pub fn returns_sold_line(&self) -> bool {
        self.measure == LineMeasure::Returned && !self.reference.starts_with(NO_RECEIPT)
    }

    /// On a return line, the line it brings back: where from, and that line's id (`reference` is
    /// written `LYO-1-T000042#2`, or `NO-RECEIPT/S006#0`).
    pub fn returned_line(&self) -> Option<(ReturnedFrom, u32)> {
        if self.measure != LineMeasure::Returned {
            return None;
        }
        let (from, line) = self.reference.rsplit_once('#')?;
        Some((ReturnedFrom::parse(from), line.parse().ok()?))
    }
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

/// One VAT rate of a ticket or report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VatLine {
    /// Rate, `"20"`.
    pub rate: String,
    /// Base.
    pub base: i64,
    /// VAT.
    pub vat: i64,
    /// Total.
    pub total: i64,
}

/// A ticket as journaled: everything its receipt, the Z report and head office need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Reference printed and encoded in the receipt's QR code (`LYO-1-T000042`).
    pub reference: String,
    /// Business day (store time zone).
    pub day: String,
    /// Cashier.
    pub operator: String,
    /// Customer id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub customer: String,
    /// Whether its prices include VAT.
    pub basis: Basis,
    /// Lines.
    pub lines: Vec<TicketLine>,
    /// Basket-level discounts: label, amount.
    pub basket_discounts: Vec<(String, i64)>,
    /// Before discounts.
    pub gross: i64,
    /// All discounts.
    pub discounts: i64,
    /// Eco-participation included.
    pub eco: i64,
    /// VAT by rate.
    pub vat: Vec<VatLine>,
    /// Gift cards sold (outside VAT).
    pub out_of_scope: i64,
    /// To pay (negative: to refund).
    pub total: i64,
    /// Tenders.
    pub tenders: Vec<TenderLine>,
    /// Cash handed back.
    pub change: i64,
    /// Loyalty points earned (negative when a return takes them back).
    pub points_earned: i64,
    /// Store credit notes issued by this ticket: number, amount.
    #[serde(default)]
    pub credit_notes: Vec<(String, i64)>,
    /// Managers' approvals: what, who.
    #[serde(default)]
    pub approvals: Vec<(String, String)>,
    /// True when this ticket voids an earlier one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub voids: String,
    /// Stock movements out (negative: back into stock): SKU, quantity.
    #[serde(default)]
    pub stock_moves: Vec<(String, String)>,
    /// Gift cards and credit notes this ticket loaded, spent or issued: number, balance after it.
    /// Printed on the receipt; the till checks a balance against the record that last set it
    /// before letting it pay.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub balances: Vec<(String, i64)>,
    /// The customer's loyalty points after this ticket (when a customer is attached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_balance: Option<i64>,
    /// On the training chain: the live record that switched training mode on (a training ticket
    /// no training record opened is a sale hidden from the totals).
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub training_from: u64,
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// Totals of a period: what a Z (or monthly, yearly) closure fixes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Totals {
    /// Tickets.
    pub tickets: i64,
    /// Sum of ticket totals (sales less refunds).
    pub total: i64,
    /// Sales (tickets with a positive total).
    pub sales: i64,
    /// Refunds (tickets with a negative total), as a positive number.
    pub refunds: i64,
    /// Returned goods (sum of return lines, positive).
    pub returns: i64,
    /// Discounts given.
    pub discounts: i64,
    /// Eco-participation collected.
    pub eco: i64,
    /// Gift cards sold.
    pub gift_cards_sold: i64,
    /// By tender method.
    pub tenders: BTreeMap<TenderMethod, i64>,
    /// By VAT rate.
    pub vat: BTreeMap<String, VatLine>,
    /// Net by family.
    pub families: BTreeMap<String, i64>,
    /// Average basket (sales total / sales tickets), cents.
    pub average_basket: i64,
    /// Tickets with a positive total (the average basket's divisor).
    #[serde(default)]
    pub sales_tickets: i64,
}

/// A closure: daily (Z), monthly, yearly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Closure {
    /// The period closed.
    pub period: ClosurePeriod,
    /// `2026-12-05`, `2026-12`, `2026`.
    pub key: String,
    /// Totals of the period.
    pub totals: Totals,
    /// Perpetual grand total of ticket totals, at closure.
    pub grand_total: i64,
    /// Perpetual grand total of absolute ticket totals, at closure.
    pub grand_total_abs: i64,
    /// First and last ticket numbers of the period (0 when none).
    pub tickets_from: u64,
    /// Last ticket number.
    pub tickets_to: u64,
    /// The closures included (monthly: the days; yearly: the months).
    #[serde(default)]
    pub includes: Vec<String>,
    /// Cash expected in the drawer (daily).
    #[serde(default)]
    pub cash_expected: i64,
    /// True when the till closed the day itself (forgotten closure); the count comes later.
    #[serde(default)]
    pub automatic: bool,
    /// Who closed.
    pub by: String,
}

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
            | CardUnresolved { .. }
            | ClosureMade { .. }
            | ProjectionsRebuilt { .. }
            | HeadStarted { .. }
            | HeadAccepted { .. }
            | KeyChanged { .. }
            | Archived { .. } => Kind::Event,
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
            RegisterOpened { .. } | CashIn { .. } | CashOut { .. } | CashCounted { .. } => Kind::PaymentProof,
            Ticket(_) => Kind::Ticket,
            Duplicate { .. } => Kind::Duplicate,
            Closure(_) => Kind::Closure,
            Archive { .. } => Kind::Archive,
        }
    }
}
