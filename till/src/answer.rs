//! What the till answers the window, as types: one definition of each shape, serialised by the
//! engine and declared for the window in `ui/src/generated/till.ts`. Amounts are euro strings
//! (`"12.30"`) as the till's scripts have always shown them; counts and quantities are numbers.

use pos_journal::body::{Closure, LineMeasure, TenderLine};
use serde::Serialize;
use ts_rs::TS;

use crate::error::ErrorView;
use crate::projection::CardPayment;

/// What a device last answered.
#[derive(Clone, Debug, Serialize, TS)]
pub struct DeviceHealth {
    /// It worked.
    pub ok: bool,
    /// What it said (the error when it failed).
    pub message: String,
    /// The failure with its code, when the window can word it.
    pub reason: Option<ErrorView>,
}

/// A device tried by the technician: whether it answered, and what it said.
#[derive(Clone, Debug, Serialize, TS)]
pub struct DeviceTest {
    /// `printer`, `terminal`, `scale`, `scanner`.
    pub device: String,
    /// It answered as it should.
    pub ok: bool,
    /// What it said, in words.
    pub result: String,
}

/// A month archived.
#[derive(Clone, Debug, Serialize, TS)]
pub struct Archived {
    /// The archive's file.
    pub file: String,
    /// Records in it.
    pub records: u64,
    /// Its digest.
    pub digest: String,
}

/// A gift card's or credit note's balance.
#[derive(Clone, Debug, Serialize, TS)]
pub struct Balance {
    /// Its number.
    pub number: String,
    /// Euros left (`None`: no such card or note).
    pub balance: Option<String>,
}

/// Who logged in.
#[derive(Clone, Debug, Serialize, TS)]
pub struct LoggedIn {
    /// Staff id.
    pub staff: String,
    /// Their name.
    pub name: String,
    /// `cashier`, `manager`, `technician`.
    pub role: String,
}

/// A discount on a line or on the basket.
#[derive(Clone, Debug, Serialize, TS)]
pub struct DiscountView {
    /// The promotion's name, or the reason given.
    pub label: String,
    /// Euros.
    pub amount: String,
}

/// A line of the open basket, priced.
#[derive(Clone, Debug, Serialize, TS)]
pub struct LineView {
    /// The line's number in the basket.
    pub line: u32,
    /// The item.
    pub sku: String,
    /// Its name.
    pub name: String,
    /// Units, a weight, a label, units brought back.
    pub measure: LineMeasure,
    /// Units (negative brought back), or grams.
    pub quantity: i64,
    /// Euros each (per kilogram when weighed).
    pub unit_price: String,
    /// Before discounts.
    pub gross: String,
    /// Eco-participation included.
    pub eco: String,
    /// The line's discounts.
    pub discounts: Vec<DiscountView>,
    /// Its serial number.
    pub serial: Option<String>,
    /// After discounts.
    pub net: String,
}

/// A customer of the chain, as the till shows them.
#[derive(Clone, Debug, Serialize, TS)]
pub struct CustomerView {
    /// Loyalty card number.
    pub id: String,
    /// Name.
    pub name: String,
    /// `retail`, `club`, `pro`.
    pub segment: String,
    /// Loyalty tier.
    pub tier: String,
}

/// A customer found by a search, with their points and home store.
#[derive(Clone, Debug, Serialize, TS)]
pub struct CustomerFound {
    /// Who.
    #[serde(flatten)]
    pub customer: CustomerView,
    /// Loyalty points as the journal has them now.
    pub points: i64,
    /// Their home store.
    pub home: String,
    /// E-mail (empty: none), to tell two customers of the same name apart.
    pub email: String,
    /// Telephone (empty: none).
    pub phone: String,
    /// Town (empty: none).
    pub town: String,
}

/// A click & collect order waiting at the store.
#[derive(Clone, Debug, Serialize, TS)]
pub struct PickupView {
    /// The web shop's order id.
    pub order: String,
    /// The customer's name.
    pub customer: String,
    /// Their e-mail.
    pub email: String,
    /// What to hand over.
    pub lines: Vec<PickupLineView>,
    /// Its total, euros.
    pub total: String,
    /// Paid on the shop's site (else it is paid at the counter first).
    pub paid_online: bool,
}

/// A message from head office to the store.
#[derive(Clone, Debug, Serialize, TS)]
pub struct MessageView {
    /// Its number at head office.
    pub id: i64,
    /// What it says.
    pub text: String,
    /// When head office wrote it, in the store's time (`2026-12-05T09:30:00+01:00`).
    pub at: String,
    /// Written to every store (else to this one).
    pub every_store: bool,
}

/// One line of a click & collect order.
#[derive(Clone, Debug, Serialize, TS)]
pub struct PickupLineView {
    /// The item.
    pub sku: String,
    /// Units.
    pub qty: u32,
    /// Price of one unit, euros.
    pub unit_price: String,
}

impl PickupView {
    /// The view of an order of the inbox.
    pub fn of(p: &pos_sync::web::Pickup) -> PickupView {
        let euros = |c: i64| pos_core::money::Money::from_cents(c).to_string();
        PickupView {
            order: p.order.order.clone(),
            customer: p.order.customer.name.clone(),
            email: p.order.customer.email.clone(),
            lines: p
                .order
                .lines
                .iter()
                .map(|l| PickupLineView { sku: l.sku.clone(), qty: l.qty, unit_price: euros(l.unit_cents) })
                .collect(),
            total: euros(p.total_cents),
            paid_online: p.order.paid_online,
        }
    }
}

/// The open basket, priced now.
#[derive(Clone, Debug, Serialize, TS)]
pub struct BasketView {
    /// Its lines.
    pub lines: Vec<LineView>,
    /// Discounts on the whole basket.
    pub basket_discounts: Vec<DiscountView>,
    /// Before discounts.
    pub gross: String,
    /// All discounts.
    pub discounts: String,
    /// Eco-participation included.
    pub eco: String,
    /// To pay (negative: to refund).
    pub total: String,
    /// The attached customer's id (empty: none).
    pub customer: String,
    /// The attached customer.
    pub customer_detail: Option<CustomerView>,
    /// Their points.
    pub points: Option<i64>,
    /// What one point is worth.
    pub point_value: String,
    /// Card payments approved on this basket, in all.
    pub cards_paid: String,
    /// Each card payment the terminal approved on this basket (kept through a failed payment).
    pub cards_approved: Vec<String>,
    /// The receipt the window offers first once paid (paper for a serial number, else the
    /// store's `receipt_default`).
    pub receipt_offer: crate::limits::ReceiptCopy,
    /// Where an e-mailed receipt goes unless another address is typed: the attached customer's.
    pub receipt_email: String,
}

/// A credit note a ticket issued.
#[derive(Clone, Debug, Serialize, TS)]
pub struct CreditNote {
    /// Its number.
    pub note: String,
    /// Euros.
    pub amount: String,
}

/// A ticket paid (or a void: `voids` names the ticket it voids).
#[derive(Clone, Debug, Serialize, TS)]
pub struct Paid {
    /// Its number.
    pub ticket: String,
    /// Euros.
    pub total: String,
    /// Change given.
    pub change: String,
    /// Loyalty points earned.
    pub points_earned: i64,
    /// Credit notes issued.
    pub credit_notes: Vec<CreditNote>,
    /// Lines.
    pub lines: u32,
    /// Why the receipt did not print, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub printer: Option<ErrorView>,
    /// The ticket voided.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub voids: Option<String>,
    /// The manager who approved the void.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub approved_by: Option<String>,
}

/// A line of a ticket found for a return.
#[derive(Clone, Debug, Serialize, TS)]
pub struct TicketLineView {
    /// The ticket's line.
    pub line: u32,
    /// The item.
    pub sku: String,
    /// Its name.
    pub name: String,
    /// How it was measured.
    pub measure: LineMeasure,
    /// Units or grams.
    pub quantity: i64,
    /// Euros.
    pub net: String,
    /// Units that can still be brought back.
    pub returnable: u32,
    /// The serial number sold on the line (empty: none), to check against the item brought back.
    pub serial: String,
}

/// A ticket of this till, with what each line can still bring back.
#[derive(Clone, Debug, Serialize, TS)]
pub struct TicketView {
    /// Its number.
    pub ticket: String,
    /// Its business day.
    pub day: String,
    /// Its customer (empty: none).
    pub customer: String,
    /// Euros.
    pub total: String,
    /// How it was paid.
    pub tenders: Vec<TenderLine>,
    /// Its lines.
    pub lines: Vec<TicketLineView>,
}

/// A quick key of the sale screen: it sells `sku` as a scan of it would.
#[derive(Clone, Debug, Serialize, TS)]
pub struct QuickKeyView {
    /// The item.
    pub sku: String,
    /// What the key says.
    pub label: String,
}

/// A receipt queued for e-mail: head office sends it once the till has synced.
#[derive(Clone, Debug, Serialize, TS)]
pub struct Emailed {
    /// The ticket.
    pub ticket: String,
    /// The address.
    pub to: String,
}

/// A register closed: the count against what the journal expects, and the Z.
#[derive(Clone, Debug, Serialize, TS)]
pub struct Closed {
    /// The day closed.
    pub day: String,
    /// Cash expected, euros.
    pub expected: String,
    /// Cash counted.
    pub counted: String,
    /// Counted less expected.
    pub difference: String,
    /// The signed Z (none for the count of a day the till closed itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub z: Option<Closure>,
    /// Why it did not print, when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub printer: Option<ErrorView>,
}

/// A parked basket as the sale screen shows it: when, for whom, how much.
#[derive(Clone, Debug, Serialize, TS)]
pub struct ParkedView {
    /// Its number (to resume it).
    pub slot: u32,
    /// When it was parked (RFC 3339), when the journal says.
    pub at: Option<String>,
    /// The customer's name, or empty.
    pub customer: String,
    /// Its lines.
    pub lines: u32,
    /// Its total in euros, when it prices (the catalogue may have changed since).
    pub total: Option<String>,
}

/// The register session.
#[derive(Clone, Debug, Serialize, TS)]
pub struct RegisterView {
    /// Business day.
    pub day: String,
    /// The opening float, euros.
    pub float: String,
    /// What the drawer should hold now.
    pub expected_cash: String,
    /// Cash given whose change is above this many times what was due is confirmed first
    /// (setting `cash_confirm_multiple`).
    pub cash_confirm_multiple: i64,
    /// Whether the closing screen shows the expected cash while counting (setting
    /// `closing_shows_expected`; a blind count otherwise).
    pub closing_shows_expected: bool,
}

/// A device's setting and what it last answered.
#[derive(Clone, Debug, Serialize, TS)]
pub struct DeviceState {
    /// Its setting (`None`: not set).
    pub configured: Option<String>,
    /// What it last answered.
    pub last: Option<DeviceHealth>,
}

/// The devices, the receipts waiting for the printer, and the head's copy.
#[derive(Clone, Debug, Serialize, TS)]
pub struct DevicesView {
    /// The receipt printer.
    pub printer: DeviceState,
    /// The card terminal.
    pub terminal: DeviceState,
    /// The scale.
    pub scale: DeviceState,
    /// The serial scanner.
    pub scanner: DeviceState,
    /// Receipts waiting in the till's database for the printer.
    pub printer_waiting: u32,
    /// Receipts that were printing when the till last stopped (not printed again).
    pub printer_interrupted: Vec<String>,
    /// The head's second copy (`head_copy`).
    pub head: DeviceState,
}

/// The till's state, its journal's figures, and why it refuses to sell when it does.
#[derive(Clone, Debug, Serialize, TS)]
pub struct StatusView {
    /// Till id.
    pub till: String,
    /// Store code.
    pub store: String,
    /// The fingerprint of the key signing the journal now.
    pub key: String,
    /// Logged-in staff.
    pub operator: Option<String>,
    /// Training mode.
    pub training: bool,
    /// The register session.
    pub register: Option<RegisterView>,
    /// Minutes without a touch after which the window locks itself (0: never).
    pub idle_lock_minutes: i64,
    /// Lines of the open basket.
    pub basket_lines: u32,
    /// Parked baskets, for the cashier to tell them apart.
    pub parked: Vec<ParkedView>,
    /// Live records.
    pub records: u64,
    /// Training records.
    pub training_records: u64,
    /// Live tickets.
    pub tickets: u64,
    /// Perpetual grand total, euros.
    pub grand_total: String,
    /// Perpetual grand total of absolute values.
    pub grand_total_abs: String,
    /// Days the till closed itself whose cash is still to count.
    pub uncounted_days: Vec<String>,
    /// Card payments a manager must resolve.
    pub unresolved_cards: Vec<String>,
    /// Card payments on the open basket.
    pub cards_on_basket: Vec<CardPayment>,
    /// Why the till refuses to sell.
    pub blocked: Vec<ErrorView>,
    /// The devices (absent from `pos-till status`, which opens none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub devices: Option<DevicesView>,
    /// The sync with head office (absent before the till is enrolled).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub head_office: Option<HeadOfficeView>,
    /// The store's quick keys for the items sold without a barcode, in their order.
    pub quick_keys: Vec<QuickKeyView>,
}

/// The till's sync with head office, as the status bar shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
pub struct HeadOfficeView {
    /// Head office's address.
    pub server: String,
    /// The last round reached head office.
    pub online: bool,
    /// Records head office has not acknowledged yet.
    pub waiting: u64,
    /// When a round last pushed everything (RFC 3339).
    pub last_sync: Option<String>,
    /// What stopped the last round.
    pub last_error: Option<String>,
    /// Head office put a chain of this till in quarantine: why, from which record.
    pub quarantine: Option<String>,
    /// The journal no longer reaches what head office acknowledged.
    pub behind: Option<String>,
}
