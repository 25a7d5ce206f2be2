//! Why the till refused, blocked or failed: one variant per thing a cashier, a manager or a
//! technician can meet, each with a stable code (`code` in JSON) and the values the window needs to
//! word it. The English sentence of each (`Display`, the `#[error]` text) is what scripts, the
//! command line and the log show; the window words the code in its own language.
//!
//! Amounts are cents (signed), weights grams. [`Reason::Other`] carries the refusals that only a
//! manager or a technician meets at the command line or in the settings (a malformed period key, a
//! setting that does not parse, a script that does not read): those are worded in English only.
#![allow(missing_docs)] // each variant's and field's meaning is its `#[error]` sentence

use pos_core::basket::LineProblem;
use pos_core::money::Money;
use pos_drivers::printer::PrinterErrorKind;
use pos_drivers::scale::ScaleErrorKind;
use pos_drivers::terminal::DeclineKind;
use serde::Serialize;
use ts_rs::TS;

fn eur(cents: &i64) -> Money {
    Money::from_cents(*cents)
}

fn kg(grams: &i64) -> rust_decimal::Decimal {
    pos_core::money::Weight::grams(*grams).kilograms()
}

/// What a manager approves, or what training mode forbids. The English words of each are also
/// what the journal's `LoginFailed.during` says (a record's text never changes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum Task {
    #[error("login")]
    Login,
    #[error("opening the drawer")]
    OpeningDrawer,
    #[error("opening the drawer without a sale")]
    NoSale,
    #[error("switching training mode")]
    SwitchingTraining,
    #[error("resolving a card payment")]
    ResolvingCard,
    #[error("a price override")]
    PriceOverride,
    #[error("closing the register")]
    ClosingRegister,
    #[error("a periodic closure")]
    PeriodicClosure,
    #[error("voiding a ticket")]
    Voiding,
    #[error("making the till's tables again from its journal")]
    Rebuilding,
    #[error("accepting a journal that does not reach its head")]
    AcceptingHead,
    #[error("replacing the till's signing key")]
    ReplacingKey,
    #[error("a return without a receipt")]
    ReturnWithoutReceipt,
    #[error("opening the register")]
    OpeningRegister,
    #[error("opening the register again on a day already closed")]
    ReopeningDay,
    #[error("e-mailing a receipt")]
    EmailingReceipt,
    #[error("moving cash")]
    MovingCash,
    #[error("resuming a parked basket")]
    ResumingParked,
    #[error("counting cash")]
    CountingCash,
    #[error("a closure")]
    Closure,
    #[error("reprinting a real ticket")]
    Reprinting,
    #[error("handing over a click & collect order")]
    HandingOver,
    #[error("creating or editing a customer")]
    EditingCustomer,
    #[error("a discount of {percent}%")]
    Discount { percent: String },
    #[error("{units} units on one line (above the {max} maximum)")]
    Units { units: u32, max: u32 },
    #[error("a weight of {grams} g (above the scale's {max} g)")]
    Weight { grams: i64, max: i64 },
    #[error("{of} of {} € (above the {} € maximum)", eur(cents), eur(max))]
    Amount { of: Amounted, cents: i64, max: i64 },
}

/// What an amount is, in a refusal or an approval about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Amounted {
    #[error("a float")]
    Float,
    #[error("cash put in")]
    CashIn,
    #[error("cash taken out")]
    CashOut,
    #[error("a cash movement")]
    CashMovement,
    #[error("a gift card load")]
    GiftCardLoad,
    #[error("a line")]
    Line,
    #[error("a basket")]
    Basket,
    #[error("a discount")]
    Discount,
    #[error("a price")]
    Price,
    #[error("a tender")]
    Tender,
    #[error("the tenders")]
    Tenders,
    #[error("a ticket")]
    Ticket,
    #[error("a cash count")]
    CashCount,
}

/// How a journal fails to reach its head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HeadProblem {
    /// The head file cannot be read.
    Unreadable,
    /// The journal ends before its head (cut short, an older copy).
    Behind,
    /// The journal holds other records where its head is (rewritten).
    Differs,
    /// The head is another till's or another key's.
    Foreign,
    /// The head file is missing.
    Missing,
}

/// Why the till refused, blocked or failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    // ---- staff
    #[error("no staff member {staff} at this till")]
    UnknownStaff { staff: String },
    #[error("wrong PIN for {name} ({failures} in a row; {limit} lock the account)")]
    WrongPin { name: String, failures: u32, limit: u32 },
    #[error(
        "{name}'s account is locked after {limit} wrong PINs (until {until}, at least {minutes} more minute(s)); wait or ask a manager"
    )]
    LockedOut { name: String, limit: u32, until: String, minutes: i64 },
    #[error("nobody is logged in: log in with your PIN")]
    NotLoggedIn,
    #[error("{task}: {}a manager must approve (manager's PIN)", not_manager.as_ref().map(|s| format!("{s} is not a manager: ")).unwrap_or_default())]
    NeedsManager { task: Task, not_manager: Option<String> },
    #[error("only a manager or a technician {what}")]
    ManagerOrTechnician { what: String },
    #[error("only a manager changes the till's maximums and where its head is copied")]
    ManagerOnly,

    // ---- register and day
    #[error("the register is not open: open it with the counted float")]
    RegisterClosed,
    #[error("the float cannot be negative: count the drawer again")]
    NegativeFloat,
    #[error("the till's clock says {today}, before {closed} which is already closed: set the clock right")]
    ClockBehind { today: String, closed: String },
    #[error("the register is already open for {day}")]
    AlreadyOpen { day: String },
    #[error("the register is still open on {day}: close the day first")]
    StillOpen { day: String },
    #[error("leave training mode before {task}")]
    TrainingMode { task: Task },
    #[error("give a reason for {what}")]
    ReasonNeeded { what: String },
    #[error("the amount must be above zero")]
    AmountNotPositive,
    #[error("the drawer should hold {} €, not {} €", eur(holds), eur(asked))]
    DrawerShort { holds: i64, asked: i64 },
    #[error("{of} of {} €: no amount above {} € is accepted; check what was typed", eur(cents), eur(ceiling))]
    AmountTooLarge { of: Amounted, cents: i64, ceiling: i64 },
    #[error("{what} would go beyond what can be counted: no till reaches it; nothing was done")]
    Overflow { what: String },
    #[error("a basket is open: pay, park or cancel it before closing")]
    BasketOpenAtClose,
    #[error("{day} has no cash count waiting")]
    NoCountWaiting { day: String },
    #[error("the journal holds no closure of {day} made by the till: there is no count to make for it")]
    NoClosureToCount { day: String },
    #[error("{key} is not over yet: close it once it has ended")]
    PeriodNotOver { key: String },
    #[error("`{typed}` is not an amount")]
    NotAnAmount { typed: String },
    #[error("`{typed}` is not an e-mail address (name@domain.fr)")]
    NotAnEmail { typed: String },
    #[error("a receipt by e-mail needs the customer's address: type it, or attach the customer")]
    EmailNeeded,
    #[error("{denomination} is not a euro note or coin")]
    NotADenomination { denomination: String },
    #[error("a negative count of {denomination}")]
    NegativeCount { denomination: String },
    #[error("{pieces} pieces of {denomination}: at most {max} of each note or coin; count again")]
    TooManyPieces { pieces: i64, denomination: String, max: i64 },

    // ---- scanning and the basket
    #[error("a quantity is at least 1 unit")]
    QuantityZero,
    #[error("{units} units: a line holds at most {max} units; check what was typed")]
    TooManyUnits { units: u32, max: u32 },
    #[error("a weight of {grams} g: weigh it again (above 0 g)")]
    WeightNotPositive { grams: i64 },
    #[error("a weight of {grams} g is more than any scale weighs; check what was typed")]
    WeightTooHeavy { grams: i64 },
    #[error("{message}; scan it again or key in the SKU")]
    BadBarcode { barcode: String, message: String },
    #[error("label {barcode} names PLU {plu}, which no weighed item has; weigh the item again")]
    UnknownPlu { barcode: String, plu: String },
    #[error("no product has barcode {barcode}; check the label or key in the SKU")]
    UnknownBarcode { barcode: String },
    #[error("`{barcode}` is neither a barcode nor a SKU we sell; check it or search by name")]
    UnknownCode { barcode: String },
    #[error("{sku} is not in this till's catalogue")]
    NotInCatalogue { sku: String },
    #[error("a scale's label carries its own weight or price: scan it without a weight")]
    LabelWithWeight,
    #[error("{sku} is a gift card: scan the card and enter its amount")]
    GiftCardScanned { sku: String },
    #[error("{sku} is not sold by weight: scan it without a weight")]
    NotByWeight { sku: String },
    #[error("{sku} has no price")]
    NoPrice { sku: String },
    #[error("{sku} has a negative price")]
    NegativePrice { sku: String },
    #[error("{sku} is sold by weight and no scale answers here: type its weight in grams")]
    NoScale { sku: String },
    #[error("{sku}: {message}")]
    Scale { sku: String, fault: ScaleErrorKind, message: String },
    #[error("{sku} is sold by weight: put it on the scale")]
    PutOnScale { sku: String },
    #[error(
        "{sku}: the scale shows {} for {} kg where the till counts {}: nothing was added; check the scale's price setting, or type the weight",
        eur(shown),
        kg(grams),
        eur(total)
    )]
    ScaleTotalMismatch { sku: String, shown: i64, grams: i64, total: i64 },
    #[error("line {line}: {problem}")]
    Line {
        line: u32,
        #[serde(flatten)]
        problem: LineProblem,
    },
    #[error("line {line}: no product {sku} in the catalogue")]
    LineUnknownSku { line: u32, sku: String },
    #[error("{message}")]
    Pricing { message: String },
    #[error("scan or type the gift card's number (at most 40 characters)")]
    GiftCardNumber,
    #[error("a gift card is loaded with an amount above zero")]
    GiftCardLoadNotPositive,
    #[error("{card} is a credit note, not a gift card: use another card")]
    CreditNoteNotGiftCard { card: String },
    #[error("the catalogue has no gift card product")]
    NoGiftCardProduct,
    #[error("the basket is full: pay or park it")]
    BasketFull,
    #[error("there is no line {line} in the basket")]
    NoLine { line: u32 },
    #[error("line {line} is weighed, labelled, a gift card or has a serial number: remove it and scan again")]
    QuantityFixed { line: u32 },
    #[error("`{typed}` is not a percentage above 0 and at most 100")]
    BadPercent { typed: String },
    #[error("a discount is an amount above zero")]
    DiscountNotPositive,
    #[error("give either a percent or an amount")]
    DiscountEither,
    #[error(
        "a discount of {} € on {} € of goods: a discount cannot be more than what it is taken from",
        eur(discount),
        eur(base)
    )]
    DiscountTooLarge { discount: i64, base: i64 },
    #[error("that price is impossible")]
    ImpossiblePrice,
    #[error("a price override lowers the price to zero or more; to charge more, change the catalogue")]
    OverrideRaises,
    #[error("no customer {customer}; check the card or search by name")]
    UnknownCustomer { customer: String },
    #[error("nothing to change: give at least one field")]
    CustomerEditEmpty,
    #[error("a new customer needs a name")]
    CustomerNeedsName,
    #[error("the customer's details are refused: {message}")]
    CustomerEditRefused { message: String },
    #[error("leave training mode to park a basket")]
    ParkInTraining,
    #[error("the basket is empty: nothing to park")]
    ParkEmpty,
    #[error("a card payment is already made or in doubt on this basket: finish the sale")]
    ParkCardHeld,
    #[error("no parked basket {slot}")]
    NoParked { slot: u32 },
    #[error("finish, park or cancel the current basket first")]
    FinishBasketFirst,
    #[error("finish or park the current basket first")]
    FinishOrParkFirst,
    #[error("finish or cancel the basket before switching training mode")]
    FinishBeforeTraining,
    #[error("a card payment on this basket is in doubt: a manager must resolve it first")]
    CardInDoubtOnBasket,

    // ---- payment
    #[error("the basket is empty: scan something first")]
    BasketEmpty,
    #[error("at most {max} tenders on one ticket")]
    TooManyTenders { max: u32 },
    #[error("a card payment from before a crash is unresolved: a manager must resolve it first")]
    CardUnresolved,
    #[error("{} still to pay", eur(missing))]
    StillToPay { missing: i64 },
    #[error(
        "{} too much on non-cash tenders: a card, gift card, credit note or points give no change",
        eur(over)
    )]
    NonCashOverpaid { over: i64 },
    #[error(
        "tender of {} is not valid here: amounts are to the cent, positive on a sale and negative on a refund",
        eur(cents)
    )]
    BadTender { cents: i64 },
    #[error("{points} points are worth {}, not {}", eur(worth), eur(cents))]
    PointsValue { points: u32, worth: i64, cents: i64 },
    #[error("gift cards sold ({}) must be paid by cash or card; only {} is", eur(gift_cards), eur(money))]
    VoucherForVoucher { gift_cards: i64, money: i64 },
    #[error("the refund is {} but {} is paid out; pay out exactly the refund", eur(total), eur(tendered))]
    RefundMismatch { total: i64, tendered: i64 },
    #[error("{number} is {}: take it as such", if *gift_card { "a gift card" } else { "a credit note" })]
    VoucherWrongKind { number: String, gift_card: bool },
    #[error("no gift card or credit note {number}; check the number")]
    UnknownVoucher { number: String },
    #[error("{number} has {} left, not {}: take the rest by another tender", eur(left), eur(wanted))]
    VoucherShort { number: String, left: i64, wanted: i64 },
    #[error(
        "this till may spend {} of {number} now, not {}: head office holds no more of it (other tills hold the rest until they sync); take the rest by another tender",
        eur(held),
        eur(wanted)
    )]
    RightsShort { number: String, held: i64, wanted: i64 },
    #[error(
        "head office is unreachable and this till may spend only {} of {number}, not {}: take the rest by another tender, or try again online",
        eur(held),
        eur(wanted)
    )]
    RightsOffline { number: String, held: i64, wanted: i64 },
    #[error(
        "this till may spend {held} of customer {customer}'s points now, not {wanted}: head office holds no more (other tills hold the rest until they sync); take the rest by another tender"
    )]
    PointsRightsShort { customer: String, held: i64, wanted: i64 },
    #[error(
        "head office is unreachable and this till may spend only {held} of customer {customer}'s points (those it gave since its last sync), not {wanted}: take the rest by another tender, or try again online"
    )]
    PointsOffline { customer: String, held: i64, wanted: i64 },
    #[error("head office knows no web order {order}: check the number on the customer's e-mail")]
    UnknownWebOrder { order: String },
    #[error(
        "web order {order} is not with its customer yet (waiting for pickup): nothing of it can come back"
    )]
    WebOrderNotDelivered { order: String },
    #[error(
        "a web order is head office's and head office cannot be asked now: take web order {order} back once the till is online, or as a return without receipt with a manager"
    )]
    WebOrderOffline { order: String },
    #[error(
        "ticket {ticket} is another till's and head office cannot be asked now: take it back once the till is online, or as a return without receipt with a manager"
    )]
    TicketOffline { ticket: String },
    #[error("web order {order}'s item {sku} is not in this till's catalogue: it cannot be taken back here")]
    WebOrderItemUnknown { order: String, sku: String },
    #[error("attach the customer to spend their points")]
    PointsNeedCustomer,
    #[error("points are not paid out on a refund")]
    PointsOnRefund,
    #[error("the customer has {have} points, not {wanted}")]
    PointsShort { have: i64, wanted: i64 },
    #[error(
        "a card payment of {} is already approved on this basket: include it in the tenders, or cancel the basket to refund it",
        eur(cents)
    )]
    CardAlreadyApproved { cents: i64 },
    #[error("{message}: nothing was recorded")]
    Breach { message: String },

    // ---- card terminal
    #[error(
        "{message}; the payment's outcome is unknown: a manager must check the terminal before taking another tender"
    )]
    CardOutcomeUnknown { message: String },
    #[error("card declined ({reason}): ask for another card or another tender")]
    CardDeclined { kind: DeclineKind, reason: String },
    #[error("{message}: the card was not charged; try again or take another tender")]
    CardNotCharged { message: String },
    #[error(
        "the card payment was cancelled at the till before the terminal took it: the card was not charged"
    )]
    CardCancelled,
    #[error("no unresolved card payment {reference}")]
    NoUnresolvedCard { reference: String },

    // ---- click & collect
    #[error(
        "no click & collect order {order} waiting at this store: sync with head office, or check the order's number"
    )]
    UnknownPickup { order: String },
    #[error("order {order} was already handed over at this till")]
    PickupAlreadyHandedOver { order: String },
    #[error(
        "order {order} is paid at the counter: take its payment on a ticket, then hand it over with that ticket"
    )]
    PickupNotPaid { order: String },
    #[error(
        "ticket {ticket} does not hold everything order {order} has: sell the order's lines on one ticket"
    )]
    PickupTicketShort { order: String, ticket: String },
    #[error("ticket {ticket} already paid click & collect order {order}")]
    PickupTicketUsed { ticket: String, order: String },

    // ---- returns and voids
    #[error("no ticket {ticket} at this till; check the number on the receipt")]
    UnknownTicket { ticket: String },
    #[error(
        "this receipt's code does not match the signature of ticket {ticket}: it was not printed by this till"
    )]
    ForeignReceipt { ticket: String },
    #[error("ticket {ticket} has no line {line}")]
    NoSuchTicketLine { ticket: String, line: u32 },
    #[error("line {line} of {ticket} cannot be returned (a return or a gift card)")]
    NotReturnable { ticket: String, line: u32 },
    #[error("line {line} of {ticket}: {left} unit(s) can still be returned")]
    ReturnTooMany { ticket: String, line: u32, left: u32 },
    #[error("everything on {ticket} was already returned")]
    AllReturned { ticket: String },
    #[error("line {line} of {ticket} was already returned; remove it from the basket")]
    LineAlreadyReturned { ticket: String, line: u32 },
    #[error(
        "{sku} serial number {serial} was sold on {ticket} and not brought back: scan the unit's own number"
    )]
    SerialSold { sku: String, serial: String, ticket: String },
    #[error("weighed and labelled items are not taken back without a receipt")]
    NoReceiptWeighed,
    #[error("return at least one unit")]
    ReturnNothing,
    #[error("{units} units: check what was typed")]
    ReturnUnits { units: u32 },
    #[error("{message} (serial-tracked items need their receipt)")]
    NoReceiptNotSold { message: String },
    #[error("this ticket holds returns or points: return its lines instead")]
    VoidHoldsReturns,
    #[error("a ticket that sold a gift card cannot be voided: the card may have been used")]
    VoidGiftCard,
    #[error("part of this ticket was already returned: return the rest instead")]
    VoidPartlyReturned,
    #[error("this ticket's tenders do not add up to its total; return its lines instead")]
    VoidTendersMismatch,

    // ---- devices
    #[error("no device `{name}`")]
    NoDevice { name: String },
    #[error("this terminal cannot be stopped from the till: press its red key")]
    TerminalNotStoppable,
    #[error("printer: {message}")]
    Printer { fault: PrinterErrorKind, message: String },
    #[error(
        "{printer}: the ticket is saved{}",
        if *queued { " and its receipt prints once the printer is back" } else { "; reprint it when the printer is back" }
    )]
    ReceiptHeld { printer: Box<Reason>, queued: bool },
    #[error("{message}")]
    DeviceFailed { device: String, message: String },

    // ---- blocks found at start
    #[error(
        "the till's tables were not made from its journal ({why}): it sells again once a manager runs `pos-till rebuild --staff ID --pin PIN`, which makes them again from the journal"
    )]
    TablesNotFromJournal { why: String },
    #[error("the till's tables predate this version: they are made again from the journal")]
    TablesPredate,
    #[error("{message}")]
    HeadNotReached { problem: HeadProblem, expected: String, found: String, message: String },
    #[error("{message}")]
    TableDisagrees { message: String },

    // ---- what is not worded by the window
    #[error("storage: {message}")]
    Storage { message: String },
    #[error("{message}")]
    Other { message: String },
}

impl From<pos_core::tender::TenderError> for Reason {
    fn from(e: pos_core::tender::TenderError) -> Reason {
        use pos_core::tender::TenderError as T;
        match e {
            T::Short { missing } => Reason::StillToPay { missing: missing.cents() },
            T::NonCashOverpaid { over } => Reason::NonCashOverpaid { over: over.cents() },
            T::BadAmount(m) => Reason::BadTender { cents: m.cents() },
            T::PointsValue { points, worth, amount } => {
                Reason::PointsValue { points, worth: worth.cents(), cents: amount.cents() }
            }
            T::VoucherForVoucher { gift_cards, money } => {
                Reason::VoucherForVoucher { gift_cards: gift_cards.cents(), money: money.cents() }
            }
            T::RefundMismatch { total, tendered } => {
                Reason::RefundMismatch { total: total.cents(), tendered: tendered.cents() }
            }
        }
    }
}

impl From<pos_core::basket::PricingError> for Reason {
    fn from(e: pos_core::basket::PricingError) -> Reason {
        use pos_core::basket::PricingError as P;
        match e {
            P::Line { line, problem } => Reason::Line { line, problem },
            P::UnknownSku { line, sku } => Reason::LineUnknownSku { line, sku: sku.to_string() },
            other => Reason::Pricing { message: other.to_string() },
        }
    }
}
