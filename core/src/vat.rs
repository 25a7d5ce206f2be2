//! French VAT: rate categories with validity dates, and a ticket's per-rate breakdown.
//!
//! A ticket's VAT is computed per rate on the ticket's totals, never summed from rounded line VATs:
//! - tax-included (consumer) tickets: per rate, `vat = round(total × r / (100 + r))`, `base = total − vat`;
//! - tax-excluded (pro) tickets: per rate, `vat = round(base × r / 100)`, `total = base + vat`.
//!
//! Either way, for every rate `base + vat = total`, and the ticket's total is the sum of its lines, so the
//! printed lines, bases, VAT amounts and total add up to the cent whatever the mix.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::money::Money;

/// The French VAT categories. A product names its category; the rate follows the law on the day of sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VatCategory {
    /// Taux normal (20 % since 2014).
    Normal,
    /// Taux intermédiaire (10 % since 2014).
    Intermediate,
    /// Taux réduit (5.5 %: books, magazines, food).
    Reduced,
    /// Taux particulier (2.1 %: press publications).
    SuperReduced,
    /// Zero-rated.
    Zero,
}

impl VatCategory {
    /// The name [`VatCategory::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Intermediate => "intermediate",
            Self::Reduced => "reduced",
            Self::SuperReduced => "super_reduced",
            Self::Zero => "zero",
        }
    }

    /// Parses `normal`, `intermediate`, `reduced`, `super_reduced`, `zero`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "normal" => Self::Normal,
            "intermediate" => Self::Intermediate,
            "reduced" => Self::Reduced,
            "super_reduced" => Self::SuperReduced,
            "zero" => Self::Zero,
            _ => return None,
        })
    }
}

/// One rate of one category, and the days it applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VatPeriod {
    /// The category.
    pub category: VatCategory,
    /// The rate in percent (`20`, `5.5`).
    pub rate: Decimal,
    /// First day it applies.
    pub valid_from: NaiveDate,
    /// Last day it applies; `None` while in force.
    pub valid_to: Option<NaiveDate>,
}

/// What a VAT look-up could not find.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VatError {
    /// A percent that no category has ever had.
    #[error(
        "VAT rate {0} % does not exist in France (known: 20, 10, 5.5, 2.1, 0 and the historic 19.6 and 7)"
    )]
    UnknownRate(Decimal),
    /// No period of the category covers the date.
    #[error("no {category:?} VAT rate is in force on {date}")]
    NotInForce {
        /// The category.
        category: VatCategory,
        /// The day of sale.
        date: NaiveDate,
    },
    /// Two periods of one category overlap.
    #[error("two {0:?} VAT periods overlap; each day must have one rate")]
    Overlap(VatCategory),
}

/// The table of rates over time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VatTable {
    periods: Vec<VatPeriod>,
}

impl VatTable {
    /// A table from periods; refuses two overlapping periods of one category.
    pub fn new(mut periods: Vec<VatPeriod>) -> Result<Self, VatError> {
        periods.sort_by_key(|p| (p.category, p.valid_from));
        for w in periods.windows(2) {
            if w[0].category == w[1].category && w[0].valid_to.is_none_or(|end| end >= w[1].valid_from) {
                return Err(VatError::Overlap(w[0].category));
            }
        }
        Ok(VatTable { periods })
    }

    /// The French table as in force since 2014, with the 2000-2013 normal and intermediate rates.
    pub fn france() -> Self {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        let p = |category, rate, from, to| VatPeriod { category, rate, valid_from: from, valid_to: to };
        VatTable::new(vec![
            p(VatCategory::Normal, Decimal::new(196, 1), d(2000, 4, 1), Some(d(2013, 12, 31))),
            p(VatCategory::Normal, Decimal::from(20), d(2014, 1, 1), None),
            p(VatCategory::Intermediate, Decimal::from(7), d(2012, 1, 1), Some(d(2013, 12, 31))),
            p(VatCategory::Intermediate, Decimal::from(10), d(2014, 1, 1), None),
            p(VatCategory::Reduced, Decimal::new(55, 1), d(2000, 1, 1), None),
            p(VatCategory::SuperReduced, Decimal::new(21, 1), d(2000, 1, 1), None),
            p(VatCategory::Zero, Decimal::ZERO, d(2000, 1, 1), None),
        ])
        .expect("the built-in table has no overlap")
    }

    /// The category that has (or had) this percent.
    pub fn category_of(&self, rate: Decimal) -> Result<VatCategory, VatError> {
        self.periods
            .iter()
            .find(|p| p.rate == rate)
            .map(|p| p.category)
            .ok_or(VatError::UnknownRate(rate.normalize()))
    }

    /// The rate of `category` on `date`.
    pub fn rate_on(&self, category: VatCategory, date: NaiveDate) -> Result<Decimal, VatError> {
        self.periods
            .iter()
            .find(|p| {
                p.category == category && p.valid_from <= date && p.valid_to.is_none_or(|end| date <= end)
            })
            .map(|p| p.rate)
            .ok_or(VatError::NotInForce { category, date })
    }

    /// The periods, sorted by category and start.
    pub fn periods(&self) -> &[VatPeriod] {
        &self.periods
    }
}

/// Whether a ticket's amounts are tax-included (consumers) or tax-excluded (professionals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PriceBasis {
    /// TTC: prices include VAT.
    TaxIncluded,
    /// HT: prices exclude VAT, which is added per rate on the ticket's bases.
    TaxExcluded,
}

/// One rate's line of a ticket's VAT table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateTotals {
    /// The rate in percent.
    pub rate: Decimal,
    /// Tax-excluded base.
    pub base: Money,
    /// VAT.
    pub vat: Money,
    /// Tax-included total.
    pub total: Money,
}

/// A ticket's VAT table: one row per rate (highest rate first), and their sums.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VatBreakdown {
    /// Per-rate rows, highest rate first.
    pub rates: Vec<RateTotals>,
    /// Sum of the bases.
    pub base: Money,
    /// Sum of the VAT.
    pub vat: Money,
    /// Sum of the totals: what the customer pays for taxable goods.
    pub total: Money,
}

impl VatBreakdown {
    /// Builds the table from `(rate, amount)` pairs, amounts in the ticket's `basis` and to the cent.
    pub fn compute(basis: PriceBasis, amounts: impl IntoIterator<Item = (Decimal, Money)>) -> Self {
        let mut per_rate: BTreeMap<Decimal, Money> = BTreeMap::new();
        for (rate, amount) in amounts {
            *per_rate.entry(rate.normalize()).or_default() += amount;
        }
        let mut out = VatBreakdown::default();
        for (rate, amount) in per_rate.into_iter().rev() {
            let row = match basis {
                PriceBasis::TaxIncluded => {
                    let vat = Money::new(amount.euros() * rate / (Decimal::ONE_HUNDRED + rate)).round();
                    RateTotals { rate, base: amount - vat, vat, total: amount }
                }
                PriceBasis::TaxExcluded => {
                    let vat = amount.percent(rate);
                    RateTotals { rate, base: amount, vat, total: amount + vat }
                }
            };
            out.base += row.base;
            out.vat += row.vat;
            out.total += row.total;
            out.rates.push(row);
        }
        out
    }

    /// The same table with every amount negated: what a return of the whole ticket produces.
    pub fn negated(&self) -> Self {
        VatBreakdown {
            rates: self
                .rates
                .iter()
                .map(|r| RateTotals { rate: r.rate, base: -r.base, vat: -r.vat, total: -r.total })
                .collect(),
            base: -self.base,
            vat: -self.vat,
            total: -self.total,
        }
    }
}

impl fmt::Display for RateTotals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>5}% {:>10} {:>9} {:>10}", self.rate, self.base, self.vat, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(c: i64) -> Money {
        Money::from_cents(c)
    }

    #[test]
    fn tax_included_rows_add_up_per_rate() {
        let b = VatBreakdown::compute(
            PriceBasis::TaxIncluded,
            [(Decimal::from(20), m(24900)), (Decimal::new(55, 1), m(690)), (Decimal::from(20), m(390))],
        );
        assert_eq!(b.rates.len(), 2);
        assert_eq!(
            b.rates[0],
            RateTotals { rate: Decimal::from(20), base: m(21075), vat: m(4215), total: m(25290) }
        );
        assert_eq!(
            b.rates[1],
            RateTotals { rate: Decimal::new(55, 1), base: m(654), vat: m(36), total: m(690) }
        );
        assert_eq!(b.total, m(25980));
        assert_eq!(b.base + b.vat, b.total);
    }

    #[test]
    fn tax_excluded_adds_vat_on_the_base() {
        let b = VatBreakdown::compute(
            PriceBasis::TaxExcluded,
            [(Decimal::from(20), m(1001)), (Decimal::from(20), m(1001))],
        );
        assert_eq!(
            b.rates[0],
            RateTotals { rate: Decimal::from(20), base: m(2002), vat: m(400), total: m(2402) }
        );
    }

    #[test]
    fn rates_follow_the_day_of_sale() {
        let t = VatTable::france();
        let cat = t.category_of(Decimal::new(196, 1)).unwrap();
        assert_eq!(cat, VatCategory::Normal);
        assert_eq!(
            t.rate_on(cat, NaiveDate::from_ymd_opt(2013, 12, 31).unwrap()).unwrap(),
            Decimal::new(196, 1)
        );
        assert_eq!(t.rate_on(cat, NaiveDate::from_ymd_opt(2014, 1, 1).unwrap()).unwrap(), Decimal::from(20));
        assert_eq!(t.category_of(Decimal::from(7)).unwrap(), VatCategory::Intermediate);
        assert!(t.category_of(Decimal::from(8)).unwrap_err().to_string().contains("8 % does not exist"));
        let e =
            t.rate_on(VatCategory::Intermediate, NaiveDate::from_ymd_opt(2011, 6, 1).unwrap()).unwrap_err();
        assert!(matches!(e, VatError::NotInForce { .. }));
    }

    #[test]
    fn refuses_overlapping_periods() {
        let d = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        let p = |from, to| VatPeriod {
            category: VatCategory::Normal,
            rate: Decimal::from(20),
            valid_from: from,
            valid_to: to,
        };
        assert_eq!(
            VatTable::new(vec![p(d(2000), None), p(d(2014), None)]),
            Err(VatError::Overlap(VatCategory::Normal))
        );
    }
}
