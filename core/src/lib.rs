//! # pos-core: the retail domain, pure
//!
//! Money, VAT, the catalogue, price lists, promotions, baskets, tenders and loyalty of a French
//! specialty retailer. Everything here is a pure function of its inputs: no file, no network, no clock,
//! no randomness. The day of sale, the location and the customer are passed in ([`basket::SaleContext`]);
//! files reach [`load`] as bytes handed over by the caller.
//!
//! ## Invariants (each held by tests in `tests/core.rs`)
//! - Amounts are [`rust_decimal::Decimal`] newtypes ([`money::Money`], [`money::Quantity`],
//!   [`money::Weight`]); rounding is to the cent, half away from zero; there is no float.
//! - A priced ticket adds up: the lines' net amounts sum to the total; per VAT rate, base + VAT = total;
//!   the rates' totals plus the gift cards sold equal the ticket's total ([`vat::VatBreakdown`]).
//! - Promotions do not depend on scan order; a line never goes below its eco-participation, so no price
//!   is negative; the stacking order is documented in [`pricing`].
//! - Returning every line of a ticket produces exactly the negated VAT table of that ticket.
//! - Tenders settle a total exactly; only cash gives change ([`tender::settle`]).
//! - A balance's spending rights are held by one party at a time and handed over once
//!   ([`escrow`]): nothing is ever spent beyond what was loaded, whatever the messages do.
//!
//! ## Example
//! ```
//! use pos_core::barcode::Gtin;
//! use pos_core::money::Money;
//! use pos_core::vat::{PriceBasis, VatBreakdown};
//! use rust_decimal::Decimal;
//!
//! assert!(Gtin::parse("3760000000011").is_err()); // wrong check digit
//! let vat = VatBreakdown::compute(PriceBasis::TaxIncluded, [
//!     (Decimal::from(20), Money::from_cents(24_900)),
//!     (Decimal::new(55, 1), Money::from_cents(690)),
//! ]);
//! assert_eq!(vat.total, Money::from_cents(25_590));
//! assert_eq!(vat.base + vat.vat, vat.total);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod barcode;
pub mod basket;
pub mod catalogue;
pub mod chain;
pub mod escrow;
pub mod load;
pub mod loyalty;
pub mod money;
pub mod pricing;
pub mod tender;
pub mod vat;
