// Generated from the till's Rust types by `pos_till::typescript`: do not edit.
// POS_WRITE_TS=1 cargo test -p pos-till --test till typescript   writes it again.

/**
 * One thing asked of the till. Fields left out take the defaults documented in
 * `docs/till-script.md`; `approval` is a manager's id and PIN where one may be needed.
 */
export type Action = { "do": "login", staff: string, pin: string, } | { "do": "logout" } | { "do": "open_register", float: Euros, approval?: ApprovalField, } | { "do": "cash_in", amount: Euros, reason?: string, approval?: ApprovalField, } | { "do": "cash_out", amount: Euros, reason?: string, 
/**
 * The bank's deposit slip, when the cash goes to the bank.
 */
slip?: string, approval?: ApprovalField, } | { "do": "scan", code: string, quantity?: Count, grams?: Count, serial?: string, approval?: ApprovalField, } | { "do": "gift_card", card: string, amount: Euros, approval?: ApprovalField, } | { "do": "remove_line", line: Count, } | { "do": "quantity", line: Count, quantity: Count, approval?: ApprovalField, } | { "do": "discount", line?: Count, reason?: string, percent?: string, amount?: Euros, approval?: ApprovalField, } | { "do": "override_price", line: Count, price: Euros, approval?: ApprovalField, } | { "do": "customer", id?: string, } | { "do": "ticket", ticket: string, } | { "do": "find_customer", text: string, } | { "do": "edit_customer", id?: string, name?: string, email?: string, phone?: string, town?: string, } | { "do": "park" } | { "do": "resume", slot: Count, } | { "do": "cancel" } | { "do": "suggest" } | { "do": "search", text: string, } | { "do": "pickups" } | { "do": "messages" } | { "do": "hand_over", order: string, ticket?: string, } | { "do": "basket" } | { "do": "return", ticket: string, lines?: Array<ReturnLine>, } | { "do": "return_without_receipt", code: string, units?: Count, approval?: ApprovalField, } | { "do": "pay", tenders: Array<Tender>, 
/**
 * The receipt the customer asked for (absent: the basket's `receipt_offer`).
 */
receipt?: ReceiptCopy, 
/**
 * Where an e-mailed receipt goes (absent: the attached customer's address).
 */
email?: string, approval?: ApprovalField, } | { "do": "print_receipt", ticket: string, } | { "do": "email_receipt", ticket: string, to: string, } | { "do": "void", ticket: string, approval?: ApprovalField, } | { "do": "reprint", ticket: string, } | { "do": "no_sale", reason?: string, approval?: ApprovalField, } | { "do": "training", on: Flag, approval?: ApprovalField, } | { "do": "config", key: string, value: string, } | { "do": "close", counted: { [key in string]: Count }, 
/**
 * Ends the session only (a change of shift): no daily closure, the register may open
 * again today.
 */
shift?: Flag, approval?: ApprovalField, } | { "do": "count_cash", day: string, counted: { [key in string]: Count }, } | { "do": "close_period", key: string, } | { "do": "archive", period: string, } | { "do": "resolve_card", reference: string, approved: Flag, approval?: ApprovalField, } | { "do": "balance", number: string, } | { "do": "status" } | { "do": "devices" } | { "do": "test_device", device: string, } | { "do": "device_forms" } | { "do": "set_device", device: string, setup: Setup, } | { "do": "retry_printer" } | { "do": "rebuild", approval?: ApprovalField, } | { "do": "accept_head", approval?: ApprovalField, } | { "do": "change_key", approval?: ApprovalField, } | { "do": "terminal", behaviour: TerminalBehaviour, reason?: string, };

/**
 * A tender at payment: exactly one of `cash`, `card`, `gift_card` (with `amount`),
 * `store_credit` (with `amount`; empty issues a new credit note) or `points`.
 */
export type Tender = { 
/**
 * Cash given (negative: paid out).
 */
cash?: Euros, 
/**
 * Card through the terminal (negative: refund to the card).
 */
card?: Euros, 
/**
 * A gift card's number.
 */
gift_card?: string, 
/**
 * A credit note's number (empty: issue a new one).
 */
store_credit?: string, 
/**
 * The gift card's or credit note's amount.
 */
amount?: Euros, 
/**
 * Loyalty points spent.
 */
points?: Count, };

/**
 * An amount written as text in euros (`"12.30"`), held as cents: at most two decimals, at most
 * the till's ceiling either way.
 */
export type Euros = string;

/**
 * A whole number from `MIN` to `MAX`: anything else is refused, never coerced.
 */
export type Count = number;

/**
 * `true` or `false`, nothing else.
 */
export type Flag = boolean;

/**
 * A manager's id and PIN typed on this till.
 */
export type ApprovalField = { 
/**
 * Staff id.
 */
staff: string, 
/**
 * PIN.
 */
pin: string, };

/**
 * A line brought back from a ticket.
 */
export type ReturnLine = { 
/**
 * The ticket's line.
 */
line: Count, 
/**
 * Units brought back (1 when left out).
 */
units?: Count, };

/**
 * What the simulated terminal does next (scripts only).
 */
export type TerminalBehaviour = "accept" | "decline" | "timeout" | "unplugged";

/**
 * A manager's approval: their id and PIN, typed on this till.
 */
export type Approval = { 
/**
 * Staff id.
 */
staff: string, 
/**
 * PIN.
 */
pin: string, };

/**
 * A device's setting as the form shows it.
 */
export type Setup = { "model": "folder" } | { "model": "escpos", 
/**
 * Where.
 */
connection: Connection, 
/**
 * Characters per line: 42 or 48.
 */
width: number, } | { "model": "sim" } | { "model": "concert", 
/**
 * Where (serial or network).
 */
connection: Connection, 
/**
 * Till number set on the terminal (the till's own when left out).
 */
pos: number | null, } | { "model": "caisse_ap", 
/**
 * Host.
 */
host: string, 
/**
 * Port.
 */
port: number, 
/**
 * Till number set on the terminal.
 */
pos: number | null, } | { "model": "toledo8217", 
/**
 * Where (serial).
 */
connection: Connection, } | { "model": "dialog06", 
/**
 * Where (serial).
 */
connection: Connection, } | { "model": "serial_scanner", 
/**
 * Where (serial).
 */
connection: Connection, 
/**
 * What the scanner puts before each code.
 */
prefix: string, 
/**
 * What it puts after.
 */
suffix: string, } | { "model": "none" };

/**
 * How a device is connected.
 */
export type Connection = { "kind": "serial", 
/**
 * Device path (`/dev/ttyUSB0`, `/dev/serial/by-id/...`).
 */
path: string, 
/**
 * Speed.
 */
baud: number, 
/**
 * Frame: `8N1`, `7E1` ...
 */
frame: string, } | { "kind": "network", 
/**
 * Host name or address.
 */
host: string, 
/**
 * Port (9100 for most printers).
 */
port: number, } | { "kind": "lp", 
/**
 * Device path.
 */
path: string, } | { "kind": "usb", 
/**
 * Vendor id, four hexadecimal digits.
 */
vendor: string, 
/**
 * Product id, four hexadecimal digits.
 */
product: string, };

/**
 * The till's state, its journal's figures, and why it refuses to sell when it does.
 */
export type StatusView = { 
/**
 * Till id.
 */
till: string, 
/**
 * Store code.
 */
store: string, 
/**
 * The fingerprint of the key signing the journal now.
 */
key: string, 
/**
 * Logged-in staff.
 */
operator: string | null, 
/**
 * Training mode.
 */
training: boolean, 
/**
 * The register session.
 */
register: RegisterView | null, 
/**
 * Minutes without a touch after which the window locks itself (0: never).
 */
idle_lock_minutes: number, 
/**
 * Lines of the open basket.
 */
basket_lines: number, 
/**
 * Parked baskets, for the cashier to tell them apart.
 */
parked: Array<ParkedView>, 
/**
 * Live records.
 */
records: number, 
/**
 * Training records.
 */
training_records: number, 
/**
 * Live tickets.
 */
tickets: number, 
/**
 * Perpetual grand total, euros.
 */
grand_total: string, 
/**
 * Perpetual grand total of absolute values.
 */
grand_total_abs: string, 
/**
 * Days the till closed itself whose cash is still to count.
 */
uncounted_days: Array<string>, 
/**
 * Card payments a manager must resolve.
 */
unresolved_cards: Array<string>, 
/**
 * Card payments on the open basket.
 */
cards_on_basket: Array<CardPayment>, 
/**
 * Why the till refuses to sell.
 */
blocked: Array<ErrorView>, 
/**
 * The devices (absent from `pos-till status`, which opens none).
 */
devices?: DevicesView, 
/**
 * The sync with head office (absent before the till is enrolled).
 */
head_office?: HeadOfficeView, 
/**
 * The store's quick keys for the items sold without a barcode, in their order.
 */
quick_keys: Array<QuickKeyView>, };

/**
 * The register session.
 */
export type RegisterView = { 
/**
 * Business day.
 */
day: string, 
/**
 * The opening float, euros.
 */
float: string, 
/**
 * What the drawer should hold now.
 */
expected_cash: string, 
/**
 * Cash given whose change is above this many times what was due is confirmed first
 * (setting `cash_confirm_multiple`).
 */
cash_confirm_multiple: number, 
/**
 * Whether the closing screen shows the expected cash while counting (setting
 * `closing_shows_expected`; a blind count otherwise).
 */
closing_shows_expected: boolean, };

/**
 * A parked basket as the sale screen shows it: when, for whom, how much.
 */
export type ParkedView = { 
/**
 * Its number (to resume it).
 */
slot: number, 
/**
 * When it was parked (RFC 3339), when the journal says.
 */
at: string | null, 
/**
 * The customer's name, or empty.
 */
customer: string, 
/**
 * Its lines.
 */
lines: number, 
/**
 * Its total in euros, when it prices (the catalogue may have changed since).
 */
total: string | null, };

/**
 * The till's sync with head office, as the status bar shows it.
 */
export type HeadOfficeView = { 
/**
 * Head office's address.
 */
server: string, 
/**
 * The last round reached head office.
 */
online: boolean, 
/**
 * Records head office has not acknowledged yet.
 */
waiting: number, 
/**
 * When a round last pushed everything (RFC 3339).
 */
last_sync: string | null, 
/**
 * What stopped the last round.
 */
last_error: string | null, 
/**
 * Head office put a chain of this till in quarantine: why, from which record.
 */
quarantine: string | null, 
/**
 * The journal no longer reaches what head office acknowledged.
 */
behind: string | null, };

/**
 * The devices, the receipts waiting for the printer, and the head's copy.
 */
export type DevicesView = { 
/**
 * The receipt printer.
 */
printer: DeviceState, 
/**
 * The card terminal.
 */
terminal: DeviceState, 
/**
 * The scale.
 */
scale: DeviceState, 
/**
 * The serial scanner.
 */
scanner: DeviceState, 
/**
 * Receipts waiting in the till's database for the printer.
 */
printer_waiting: number, 
/**
 * Receipts that were printing when the till last stopped (not printed again).
 */
printer_interrupted: Array<string>, 
/**
 * The head's second copy (`head_copy`).
 */
head: DeviceState, };

/**
 * A device's setting and what it last answered.
 */
export type DeviceState = { 
/**
 * Its setting (`None`: not set).
 */
configured: string | null, 
/**
 * What it last answered.
 */
last: DeviceHealth | null, };

/**
 * What a device last answered.
 */
export type DeviceHealth = { 
/**
 * It worked.
 */
ok: boolean, 
/**
 * What it said (the error when it failed).
 */
message: string, 
/**
 * The failure with its code, when the window can word it.
 */
reason: ErrorView | null, };

/**
 * A card payment of the open basket.
 */
export type CardPayment = { 
/**
 * Reference given to the terminal.
 */
reference: string, 
/**
 * Amount.
 */
cents: number, 
/**
 * Where it stands.
 */
state: CardState, 
/**
 * Authorisation code and card, when approved.
 */
detail: string, };

/**
 * Where a card payment of the open basket stands.
 */
export type CardState = "pending" | "approved" | "declined" | "not_made" | "unresolved" | "refunded" | "refund";

/**
 * Who logged in.
 */
export type LoggedIn = { 
/**
 * Staff id.
 */
staff: string, 
/**
 * Their name.
 */
name: string, 
/**
 * `cashier`, `manager`, `technician`.
 */
role: string, };

/**
 * A device tried by the technician: whether it answered, and what it said.
 */
export type DeviceTest = { 
/**
 * `printer`, `terminal`, `scale`, `scanner`.
 */
device: string, 
/**
 * It answered as it should.
 */
ok: boolean, 
/**
 * What it said, in words.
 */
result: string, };

/**
 * A month archived.
 */
export type Archived = { 
/**
 * The archive's file.
 */
file: string, 
/**
 * Records in it.
 */
records: number, 
/**
 * Its digest.
 */
digest: string, };

/**
 * A gift card's or credit note's balance.
 */
export type Balance = { 
/**
 * Its number.
 */
number: string, 
/**
 * Euros left (`None`: no such card or note).
 */
balance: string | null, };

/**
 * The open basket, priced now.
 */
export type BasketView = { 
/**
 * Its lines.
 */
lines: Array<LineView>, 
/**
 * Discounts on the whole basket.
 */
basket_discounts: Array<DiscountView>, 
/**
 * Before discounts.
 */
gross: string, 
/**
 * All discounts.
 */
discounts: string, 
/**
 * Eco-participation included.
 */
eco: string, 
/**
 * To pay (negative: to refund).
 */
total: string, 
/**
 * The attached customer's id (empty: none).
 */
customer: string, 
/**
 * The attached customer.
 */
customer_detail: CustomerView | null, 
/**
 * Their points.
 */
points: number | null, 
/**
 * What one point is worth.
 */
point_value: string, 
/**
 * Card payments approved on this basket, in all.
 */
cards_paid: string, 
/**
 * Each card payment the terminal approved on this basket (kept through a failed payment).
 */
cards_approved: Array<string>, 
/**
 * The receipt the window offers first once paid (paper for a serial number, else the
 * store's `receipt_default`).
 */
receipt_offer: ReceiptCopy, 
/**
 * Where an e-mailed receipt goes unless another address is typed: the attached customer's.
 */
receipt_email: string, };

/**
 * A line of the open basket, priced.
 */
export type LineView = { 
/**
 * The line's number in the basket.
 */
line: number, 
/**
 * The item.
 */
sku: string, 
/**
 * Its name.
 */
name: string, 
/**
 * Units, a weight, a label, units brought back.
 */
measure: LineMeasure, 
/**
 * Units (negative brought back), or grams.
 */
quantity: number, 
/**
 * Euros each (per kilogram when weighed).
 */
unit_price: string, 
/**
 * Before discounts.
 */
gross: string, 
/**
 * Eco-participation included.
 */
eco: string, 
/**
 * The line's discounts.
 */
discounts: Array<DiscountView>, 
/**
 * Its serial number.
 */
serial: string | null, 
/**
 * After discounts.
 */
net: string, };

/**
 * A discount on a line or on the basket.
 */
export type DiscountView = { 
/**
 * The promotion's name, or the reason given.
 */
label: string, 
/**
 * Euros.
 */
amount: string, };

/**
 * A customer of the chain, as the till shows them.
 */
export type CustomerView = { 
/**
 * Loyalty card number.
 */
id: string, 
/**
 * Name.
 */
name: string, 
/**
 * `retail`, `club`, `pro`.
 */
segment: string, 
/**
 * Loyalty tier.
 */
tier: string, };

/**
 * A customer found by a search, with their points and home store.
 */
export type CustomerFound = { 
/**
 * Loyalty points as the journal has them now.
 */
points: number, 
/**
 * Their home store.
 */
home: string, 
/**
 * E-mail (empty: none), to tell two customers of the same name apart.
 */
email: string, 
/**
 * Telephone (empty: none).
 */
phone: string, 
/**
 * Town (empty: none).
 */
town: string, 
/**
 * Loyalty card number.
 */
id: string, 
/**
 * Name.
 */
name: string, 
/**
 * `retail`, `club`, `pro`.
 */
segment: string, 
/**
 * Loyalty tier.
 */
tier: string, };

/**
 * A product found by a search or suggested.
 */
export type Found = { 
/**
 * SKU.
 */
sku: string, 
/**
 * Name.
 */
name: string, 
/**
 * Its stock per location as the till last heard from head office, plus its own sales since
 * (empty before the first pull, and for suggestions).
 */
stock: Array<StockAt>, 
/**
 * Its unit price for the basket's customer today, euros (per kilogram when `by_weight`);
 * none for a gift card or an item without a price (search results only).
 */
price: string | null, 
/**
 * Sold by weight: `price` is per kilogram.
 */
by_weight: boolean, };

/**
 * An item's stock at one location, as the till shows it in a look-up.
 */
export type StockAt = { 
/**
 * The location (`LYO`, `WHS`).
 */
location: string, 
/**
 * Head office's level plus this till's movements it had not counted (`12`, `0.455`).
 */
qty: string, 
/**
 * This till's own movements head office had not counted (`-2`), or empty.
 */
own: string, };

/**
 * A click & collect order waiting at the store.
 */
export type PickupView = { 
/**
 * The web shop's order id.
 */
order: string, 
/**
 * The customer's name.
 */
customer: string, 
/**
 * Their e-mail.
 */
email: string, 
/**
 * What to hand over.
 */
lines: Array<PickupLineView>, 
/**
 * Its total, euros.
 */
total: string, 
/**
 * Paid on the shop's site (else it is paid at the counter first).
 */
paid_online: boolean, };

/**
 * A message from head office to the store.
 */
export type MessageView = { 
/**
 * Its number at head office.
 */
id: number, 
/**
 * What it says.
 */
text: string, 
/**
 * When head office wrote it, in the store's time (`2026-12-05T09:30:00+01:00`).
 */
at: string, 
/**
 * Written to every store (else to this one).
 */
every_store: boolean, };

/**
 * One line of a click & collect order.
 */
export type PickupLineView = { 
/**
 * The item.
 */
sku: string, 
/**
 * Units.
 */
qty: number, 
/**
 * Price of one unit, euros.
 */
unit_price: string, };

/**
 * A ticket paid (or a void: `voids` names the ticket it voids).
 */
export type Paid = { 
/**
 * Its number.
 */
ticket: string, 
/**
 * Euros.
 */
total: string, 
/**
 * Change given.
 */
change: string, 
/**
 * Loyalty points earned.
 */
points_earned: number, 
/**
 * Credit notes issued.
 */
credit_notes: Array<CreditNote>, 
/**
 * Lines.
 */
lines: number, 
/**
 * Why the receipt did not print, when it did not.
 */
printer?: ErrorView, 
/**
 * The ticket voided.
 */
voids?: string, 
/**
 * The manager who approved the void.
 */
approved_by?: string, };

/**
 * A credit note a ticket issued.
 */
export type CreditNote = { 
/**
 * Its number.
 */
note: string, 
/**
 * Euros.
 */
amount: string, };

/**
 * A ticket of this till, with what each line can still bring back.
 */
export type TicketView = { 
/**
 * Its number.
 */
ticket: string, 
/**
 * Its business day.
 */
day: string, 
/**
 * Its customer (empty: none).
 */
customer: string, 
/**
 * Euros.
 */
total: string, 
/**
 * How it was paid.
 */
tenders: Array<TenderLine>, 
/**
 * Its lines.
 */
lines: Array<TicketLineView>, };

/**
 * A line of a ticket found for a return.
 */
export type TicketLineView = { 
/**
 * The ticket's line.
 */
line: number, 
/**
 * The item.
 */
sku: string, 
/**
 * Its name.
 */
name: string, 
/**
 * How it was measured.
 */
measure: LineMeasure, 
/**
 * Units or grams.
 */
quantity: number, 
/**
 * Euros.
 */
net: string, 
/**
 * Units that can still be brought back.
 */
returnable: number, 
/**
 * The serial number sold on the line (empty: none), to check against the item brought back.
 */
serial: string, };

/**
 * A register closed: the count against what the journal expects, and the Z.
 */
export type Closed = { 
/**
 * The day closed.
 */
day: string, 
/**
 * Cash expected, euros.
 */
expected: string, 
/**
 * Cash counted.
 */
counted: string, 
/**
 * Counted less expected.
 */
difference: string, 
/**
 * The signed Z (none for the count of a day the till closed itself).
 */
z?: Closure, 
/**
 * Why it did not print, when it did not.
 */
printer?: ErrorView, };

/**
 * A receipt queued for e-mail: head office sends it once the till has synced.
 */
export type Emailed = { 
/**
 * The ticket.
 */
ticket: string, 
/**
 * The address.
 */
to: string, };

/**
 * A quick key of the sale screen: it sells `sku` as a scan of it would.
 */
export type QuickKeyView = { 
/**
 * The item.
 */
sku: string, 
/**
 * What the key says.
 */
label: string, };

/**
 * A receipt as the customer may ask for it.
 */
export type ReceiptCopy = "none" | "paper" | "email";

/**
 * A closure: daily (Z), monthly, yearly.
 */
export type Closure = { 
/**
 * The period closed.
 */
period: ClosurePeriod, 
/**
 * `2026-12-05`, `2026-12`, `2026`.
 */
key: string, 
/**
 * Totals of the period.
 */
totals: Totals, 
/**
 * Perpetual grand total of ticket totals, at closure.
 */
grand_total: number, 
/**
 * Perpetual grand total of absolute ticket totals, at closure.
 */
grand_total_abs: number, 
/**
 * First and last ticket numbers of the period (0 when none).
 */
tickets_from: number, 
/**
 * Last ticket number.
 */
tickets_to: number, 
/**
 * The closures included (monthly: the days; yearly: the months).
 */
includes: Array<string>, 
/**
 * Cash expected in the drawer (daily).
 */
cash_expected: number, 
/**
 * True when the till closed the day itself (forgotten closure); the count comes later.
 */
automatic: boolean, 
/**
 * Who closed.
 */
by: string, };

/**
 * Totals of a period: what a Z (or monthly, yearly) closure fixes.
 */
export type Totals = { 
/**
 * Tickets.
 */
tickets: number, 
/**
 * Sum of ticket totals (sales less refunds).
 */
total: number, 
/**
 * Sales (tickets with a positive total).
 */
sales: number, 
/**
 * Refunds (tickets with a negative total), as a positive number.
 */
refunds: number, 
/**
 * Returned goods (sum of return lines, positive).
 */
returns: number, 
/**
 * Discounts given.
 */
discounts: number, 
/**
 * Eco-participation collected.
 */
eco: number, 
/**
 * Gift cards sold.
 */
gift_cards_sold: number, 
/**
 * By tender method.
 */
tenders: { [key in TenderMethod]?: number }, 
/**
 * By VAT rate.
 */
vat: { [key in string]: VatLine }, 
/**
 * Net by family.
 */
families: { [key in string]: number }, 
/**
 * Average basket (sales total / sales tickets), cents.
 */
average_basket: number, 
/**
 * Tickets with a positive total (the average basket's divisor).
 */
sales_tickets: number, };

/**
 * One VAT rate of a ticket or report.
 */
export type VatLine = { 
/**
 * Rate, `"20"`.
 */
rate: string, 
/**
 * Base.
 */
base: number, 
/**
 * VAT.
 */
vat: number, 
/**
 * Total.
 */
total: number, };

/**
 * A tender on a ticket.
 */
export type TenderLine = { 
/**
 * How it was paid.
 */
kind: TenderMethod, 
/**
 * Card number, credit-note number, card authorisation ...
 */
reference?: string, 
/**
 * Amount (negative on a refund).
 */
cents: number, 
/**
 * Points spent (loyalty).
 */
points?: number, };

/**
 * How a tender was paid.
 */
export type TenderMethod = "cash" | "card" | "gift_card" | "store_credit" | "loyalty";

/**
 * What a ticket line's quantity counts.
 */
export type LineMeasure = "units" | "weight" | "label" | "returned";

/**
 * The period a closure closes.
 */
export type ClosurePeriod = "day" | "month" | "year";

/**
 * An error as the window receives it: `kind` chooses the headline, `reason` carries the code and
 * the values the window words in its language, `message` is the English sentence (for the log and
 * for a code the window does not know yet).
 */
export type ErrorView = { 
/**
 * Which headline.
 */
kind: ErrorKind, 
/**
 * The code and its values.
 */
reason: Reason, 
/**
 * In English.
 */
message: string, };

/**
 * The kinds of error, which choose the window's headline.
 */
export type ErrorKind = "refused" | "needs_manager" | "blocked" | "storage" | "device";

/**
 * Why the till refused, blocked or failed.
 */
export type Reason = { "code": "unknown_staff", staff: string, } | { "code": "wrong_pin", name: string, failures: number, limit: number, } | { "code": "locked_out", name: string, limit: number, until: string, minutes: number, } | { "code": "not_logged_in" } | { "code": "needs_manager", task: Task, not_manager: string | null, } | { "code": "manager_or_technician", what: string, } | { "code": "manager_only" } | { "code": "register_closed" } | { "code": "negative_float" } | { "code": "clock_behind", today: string, closed: string, } | { "code": "already_open", day: string, } | { "code": "still_open", day: string, } | { "code": "training_mode", task: Task, } | { "code": "reason_needed", what: string, } | { "code": "amount_not_positive" } | { "code": "drawer_short", holds: number, asked: number, } | { "code": "amount_too_large", of: Amounted, cents: number, ceiling: number, } | { "code": "overflow", what: string, } | { "code": "basket_open_at_close" } | { "code": "no_count_waiting", day: string, } | { "code": "no_closure_to_count", day: string, } | { "code": "period_not_over", key: string, } | { "code": "not_an_amount", typed: string, } | { "code": "not_an_email", typed: string, } | { "code": "email_needed" } | { "code": "not_a_denomination", denomination: string, } | { "code": "negative_count", denomination: string, } | { "code": "too_many_pieces", pieces: number, denomination: string, max: number, } | { "code": "quantity_zero" } | { "code": "too_many_units", units: number, max: number, } | { "code": "weight_not_positive", grams: number, } | { "code": "weight_too_heavy", grams: number, } | { "code": "bad_barcode", barcode: string, message: string, } | { "code": "unknown_plu", barcode: string, plu: string, } | { "code": "unknown_barcode", barcode: string, } | { "code": "unknown_code", barcode: string, } | { "code": "not_in_catalogue", sku: string, } | { "code": "label_with_weight" } | { "code": "gift_card_scanned", sku: string, } | { "code": "not_by_weight", sku: string, } | { "code": "no_price", sku: string, } | { "code": "negative_price", sku: string, } | { "code": "no_scale", sku: string, } | { "code": "scale", sku: string, fault: ScaleErrorKind, message: string, } | { "code": "put_on_scale", sku: string, } | { "code": "scale_total_mismatch", sku: string, shown: number, grams: number, total: number, } | { "code": "line", line: number, } & ({ "problem": "weigh_it", 
/**
 * The product.
 */
sku: string, } | { "problem": "gift_card_amount", 
/**
 * The product.
 */
sku: string, } | { "problem": "serial_needed", 
/**
 * The product.
 */
sku: string, } | { "problem": "serial_empty", 
/**
 * The product.
 */
sku: string, } | { "problem": "serial_one_unit", 
/**
 * The product.
 */
sku: string, } | { "problem": "serial_twice", 
/**
 * The product.
 */
sku: string, 
/**
 * The serial number scanned twice.
 */
serial: string, } | { "problem": "not_serial", 
/**
 * The product.
 */
sku: string, } | { "problem": "quantity", 
/**
 * What was asked.
 */
quantity: number, 
/**
 * The most a line holds.
 */
max: number, } | { "problem": "not_weighed", 
/**
 * The product.
 */
sku: string, } | { "problem": "no_weight" } | { "problem": "negative_label" } | { "problem": "not_gift_card", 
/**
 * The product.
 */
sku: string, } | { "problem": "gift_card_number" } | { "problem": "gift_card_load", 
/**
 * The amount, as typed.
 */
amount: string, } | { "problem": "return_too_many", 
/**
 * Units brought back now.
 */
units: number, 
/**
 * Units brought back before.
 */
before: number, 
/**
 * Units sold.
 */
sold: number, 
/**
 * The ticket that sold them.
 */
ticket: string, 
/**
 * Its line.
 */
sold_line: number, } | { "problem": "return_basis", 
/**
 * The ticket.
 */
ticket: string, 
/**
 * Whether it was priced tax excluded.
 */
tax_excluded: boolean, } | { "problem": "no_discount" }) | { "code": "line_unknown_sku", line: number, sku: string, } | { "code": "pricing", message: string, } | { "code": "gift_card_number" } | { "code": "gift_card_load_not_positive" } | { "code": "credit_note_not_gift_card", card: string, } | { "code": "no_gift_card_product" } | { "code": "basket_full" } | { "code": "no_line", line: number, } | { "code": "quantity_fixed", line: number, } | { "code": "bad_percent", typed: string, } | { "code": "discount_not_positive" } | { "code": "discount_either" } | { "code": "discount_too_large", discount: number, base: number, } | { "code": "impossible_price" } | { "code": "override_raises" } | { "code": "unknown_customer", customer: string, } | { "code": "customer_edit_empty" } | { "code": "customer_needs_name" } | { "code": "customer_edit_refused", message: string, } | { "code": "park_in_training" } | { "code": "park_empty" } | { "code": "park_card_held" } | { "code": "no_parked", slot: number, } | { "code": "finish_basket_first" } | { "code": "finish_or_park_first" } | { "code": "finish_before_training" } | { "code": "card_in_doubt_on_basket" } | { "code": "basket_empty" } | { "code": "too_many_tenders", max: number, } | { "code": "card_unresolved" } | { "code": "still_to_pay", missing: number, } | { "code": "non_cash_overpaid", over: number, } | { "code": "bad_tender", cents: number, } | { "code": "points_value", points: number, worth: number, cents: number, } | { "code": "voucher_for_voucher", gift_cards: number, money: number, } | { "code": "refund_mismatch", total: number, tendered: number, } | { "code": "voucher_wrong_kind", number: string, gift_card: boolean, } | { "code": "unknown_voucher", number: string, } | { "code": "voucher_short", number: string, left: number, wanted: number, } | { "code": "rights_short", number: string, held: number, wanted: number, } | { "code": "rights_offline", number: string, held: number, wanted: number, } | { "code": "points_rights_short", customer: string, held: number, wanted: number, } | { "code": "points_offline", customer: string, held: number, wanted: number, } | { "code": "unknown_web_order", order: string, } | { "code": "web_order_not_delivered", order: string, } | { "code": "web_order_offline", order: string, } | { "code": "ticket_offline", ticket: string, } | { "code": "web_order_item_unknown", order: string, sku: string, } | { "code": "points_need_customer" } | { "code": "points_on_refund" } | { "code": "points_short", have: number, wanted: number, } | { "code": "card_already_approved", cents: number, } | { "code": "breach", message: string, } | { "code": "card_outcome_unknown", message: string, } | { "code": "card_declined", kind: DeclineKind, reason: string, } | { "code": "card_not_charged", message: string, } | { "code": "card_cancelled" } | { "code": "no_unresolved_card", reference: string, } | { "code": "unknown_pickup", order: string, } | { "code": "pickup_already_handed_over", order: string, } | { "code": "pickup_not_paid", order: string, } | { "code": "pickup_ticket_short", order: string, ticket: string, } | { "code": "pickup_ticket_used", ticket: string, order: string, } | { "code": "unknown_ticket", ticket: string, } | { "code": "foreign_receipt", ticket: string, } | { "code": "no_such_ticket_line", ticket: string, line: number, } | { "code": "not_returnable", ticket: string, line: number, } | { "code": "return_too_many", ticket: string, line: number, left: number, } | { "code": "all_returned", ticket: string, } | { "code": "line_already_returned", ticket: string, line: number, } | { "code": "serial_sold", sku: string, serial: string, ticket: string, } | { "code": "no_receipt_weighed" } | { "code": "return_nothing" } | { "code": "return_units", units: number, } | { "code": "no_receipt_not_sold", message: string, } | { "code": "void_holds_returns" } | { "code": "void_gift_card" } | { "code": "void_partly_returned" } | { "code": "void_tenders_mismatch" } | { "code": "no_device", name: string, } | { "code": "terminal_not_stoppable" } | { "code": "printer", fault: PrinterErrorKind, message: string, } | { "code": "receipt_held", printer: Reason, queued: boolean, } | { "code": "device_failed", device: string, message: string, } | { "code": "tables_not_from_journal", why: string, } | { "code": "tables_predate" } | { "code": "head_not_reached", problem: HeadProblem, expected: string, found: string, message: string, } | { "code": "table_disagrees", message: string, } | { "code": "storage", message: string, } | { "code": "other", message: string, };

/**
 * What a manager approves, or what training mode forbids. The English words of each are also
 * what the journal's `LoginFailed.during` says (a record's text never changes).
 */
export type Task = { "task": "login" } | { "task": "opening_drawer" } | { "task": "no_sale" } | { "task": "switching_training" } | { "task": "resolving_card" } | { "task": "price_override" } | { "task": "closing_register" } | { "task": "periodic_closure" } | { "task": "voiding" } | { "task": "rebuilding" } | { "task": "accepting_head" } | { "task": "replacing_key" } | { "task": "return_without_receipt" } | { "task": "opening_register" } | { "task": "reopening_day" } | { "task": "emailing_receipt" } | { "task": "moving_cash" } | { "task": "resuming_parked" } | { "task": "counting_cash" } | { "task": "closure" } | { "task": "reprinting" } | { "task": "handing_over" } | { "task": "editing_customer" } | { "task": "discount", percent: string, } | { "task": "units", units: number, max: number, } | { "task": "weight", grams: number, max: number, } | { "task": "amount", of: Amounted, cents: number, max: number, };

/**
 * What an amount is, in a refusal or an approval about it.
 */
export type Amounted = "float" | "cash_in" | "cash_out" | "cash_movement" | "gift_card_load" | "line" | "basket" | "discount" | "price" | "tender" | "tenders" | "ticket" | "cash_count";

/**
 * What a caller can do about a scale error.
 */
export type ScaleErrorKind = "motion" | "overload" | "under_zero" | "refused" | "disconnected" | "timeout" | "protocol" | "unsupported";

/**
 * What a caller can do about a printer error.
 */
export type PrinterErrorKind = "disconnected" | "paper_out" | "cover_open" | "offline" | "timeout" | "protocol" | "other";

/**
 * Why a terminal declined a payment: the protocols' codes, for the window to word.
 */
export type DeclineKind = "bank" | "not_accepted" | "card_timeout" | "abandoned" | "incomplete" | "not_made" | "other";

/**
 * How a journal fails to reach its head.
 */
export type HeadProblem = "unreadable" | "behind" | "differs" | "foreign" | "missing";

/**
 * What is wrong with a basket line, for the window to word and the cashier to fix.
 */
export type LineProblem = { "problem": "weigh_it", 
/**
 * The product.
 */
sku: string, } | { "problem": "gift_card_amount", 
/**
 * The product.
 */
sku: string, } | { "problem": "serial_needed", 
/**
 * The product.
 */
sku: string, } | { "problem": "serial_empty", 
/**
 * The product.
 */
sku: string, } | { "problem": "serial_one_unit", 
/**
 * The product.
 */
sku: string, } | { "problem": "serial_twice", 
/**
 * The product.
 */
sku: string, 
/**
 * The serial number scanned twice.
 */
serial: string, } | { "problem": "not_serial", 
/**
 * The product.
 */
sku: string, } | { "problem": "quantity", 
/**
 * What was asked.
 */
quantity: number, 
/**
 * The most a line holds.
 */
max: number, } | { "problem": "not_weighed", 
/**
 * The product.
 */
sku: string, } | { "problem": "no_weight" } | { "problem": "negative_label" } | { "problem": "not_gift_card", 
/**
 * The product.
 */
sku: string, } | { "problem": "gift_card_number" } | { "problem": "gift_card_load", 
/**
 * The amount, as typed.
 */
amount: string, } | { "problem": "return_too_many", 
/**
 * Units brought back now.
 */
units: number, 
/**
 * Units brought back before.
 */
before: number, 
/**
 * Units sold.
 */
sold: number, 
/**
 * The ticket that sold them.
 */
ticket: string, 
/**
 * Its line.
 */
sold_line: number, } | { "problem": "return_basis", 
/**
 * The ticket.
 */
ticket: string, 
/**
 * Whether it was priced tax excluded.
 */
tax_excluded: boolean, } | { "problem": "no_discount" };
