//! Why a basket cannot be priced: a line that does not suit its product, a discount that makes no
//! sense, a VAT rate missing for the day.

use crate::catalogue::Sku;
use crate::vat::VatError;

/// What is wrong with a basket line, for the window to word and the cashier to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum LineProblem {
    /// Sold by weight, scanned as units.
    #[error("{sku} is sold by weight: weigh it")]
    WeighIt {
        /// The product.
        sku: String,
    },
    /// A gift card scanned as an item.
    #[error("{sku} is a gift card: enter its amount")]
    GiftCardAmount {
        /// The product.
        sku: String,
    },
    /// A serial-tracked item without its serial number.
    #[error("{sku} is serial-tracked: scan or key in its serial number")]
    SerialNeeded {
        /// The product.
        sku: String,
    },
    /// A serial number of blanks.
    #[error("{sku}: the serial number is empty")]
    SerialEmpty {
        /// The product.
        sku: String,
    },
    /// More than one unit of a serial-tracked item on a line.
    #[error("{sku} is serial-tracked: one unit per line, each with its serial")]
    SerialOneUnit {
        /// The product.
        sku: String,
    },
    /// A serial number already on another line of the basket: one unit is sold once.
    #[error("{sku} serial number {serial} is already in this basket: scan the next unit's own number")]
    SerialTwice {
        /// The product.
        sku: String,
        /// The serial number scanned twice.
        serial: String,
    },
    /// A serial number on an item that has none.
    #[error("{sku} is not serial-tracked; remove the serial number")]
    NotSerial {
        /// The product.
        sku: String,
    },
    /// Units out of range.
    #[error("quantity {quantity} must be between 1 and {max}")]
    Quantity {
        /// What was asked.
        quantity: u32,
        /// The most a line holds.
        max: u32,
    },
    /// A weight on an item sold by the unit.
    #[error("{sku} is not sold by weight")]
    NotWeighed {
        /// The product.
        sku: String,
    },
    /// A weight of zero.
    #[error("the weight must be above zero; wait for a stable weight")]
    NoWeight,
    /// A scale label with a negative price.
    #[error("a label price cannot be negative")]
    NegativeLabel,
    /// A gift card load on a product that is not a gift card.
    #[error("{sku} is not a gift card")]
    NotGiftCard {
        /// The product.
        sku: String,
    },
    /// A gift card without its number.
    #[error("scan the gift card's number")]
    GiftCardNumber,
    /// A gift card load of zero, negative or finer than the cent.
    #[error("gift card amount {amount} must be above zero, to the cent")]
    GiftCardLoad {
        /// The amount, as typed.
        amount: String,
    },
    /// More units brought back than were sold.
    #[error("{units} unit(s) returned, {before} before, but {sold} sold on ticket {ticket} line {sold_line}")]
    ReturnTooMany {
        /// Units brought back now.
        units: u32,
        /// Units brought back before.
        before: u32,
        /// Units sold.
        sold: u32,
        /// The ticket that sold them.
        ticket: String,
        /// Its line.
        sold_line: u32,
    },
    /// A return priced on the other basis (tax-excluded against tax-included).
    #[error("ticket {ticket} was priced {}; return it to a customer of the same kind", if *tax_excluded { "tax-excluded (pro)" } else { "tax-included" })]
    ReturnBasis {
        /// The ticket.
        ticket: String,
        /// Whether it was priced tax excluded.
        tax_excluded: bool,
    },
    /// A discount on a return or gift card line.
    #[error("returns and gift cards take no discount")]
    NoDiscount,
}

/// Why a basket could not be priced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// The SKU is not in the catalogue.
    #[error("line {line}: no product {sku} in the catalogue")]
    UnknownSku {
        /// Line number.
        line: u32,
        /// The SKU.
        sku: Sku,
    },
    /// The line does not suit the product.
    #[error("line {line}: {problem}")]
    Line {
        /// Line number.
        line: u32,
        /// What is wrong and what to do.
        problem: LineProblem,
    },
    /// A manual discount that makes no sense.
    #[error("discount `{reason}`: {problem}")]
    Discount {
        /// The reason given.
        reason: String,
        /// What is wrong.
        problem: String,
    },
    /// VAT could not be resolved for the day.
    #[error(transparent)]
    Vat(#[from] VatError),
}
