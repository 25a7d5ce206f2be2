//! What a ticket and a closure hold: their lines, tenders, VAT per rate and totals.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fields::{NO_RECEIPT, WEB_ORDER, is_zero_u32};
use super::{Basis, ClosurePeriod, LineMeasure, ReturnedFrom, TenderMethod};

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
    /// A return line brought back with its receipt of this chain's tills (its `reference` names
    /// the sold line).
    pub fn returns_sold_line(&self) -> bool {
        self.measure == LineMeasure::Returned
            && !self.reference.starts_with(NO_RECEIPT)
            && !self.reference.starts_with(WEB_ORDER)
    }

    /// A return line of a web order: the order and its line (`WEB/W-1042#2`), and the units.
    pub fn returns_web_line(&self) -> Option<(&str, u32, u32)> {
        if self.measure != LineMeasure::Returned {
            return None;
        }
        let (order, line) = self.reference.strip_prefix(WEB_ORDER)?.rsplit_once('#')?;
        let units = u32::try_from(self.quantity.checked_neg()?).ok()?;
        Some((order, line.parse().ok()?, units))
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
