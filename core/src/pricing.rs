//! Price lists per customer segment and the promotion calendar.
//!
//! # Stacking rules
//! The order is fixed and documented so that a cashier and an accountant can predict every ticket:
//! 1. The unit price comes from the customer's segment list (club, pro) or else the retail price.
//! 2. **Line promotions** (`percent_off_family`, `fixed_price`, `buy_x_get_y`, `bundle`) are tried from
//!    the highest `priority` down (ties: smaller id first). Each unit sold can take at most one line
//!    promotion: a promotion claims the units it discounts, and a later one only sees unclaimed units.
//! 3. The cashier's **manual line discounts** (with a reason) apply to what is left.
//! 4. At most one **basket promotion** (`basket_threshold`): the highest-priority one whose threshold the
//!    basket reaches after steps 2-3; it is shared across the lines in proportion to their amounts.
//! 5. The cashier's **manual basket discount**, shared the same way.
//!
//! Eco-participation is never discounted and a line never goes below it, so no price goes below zero.
//! Returns and gift cards take no promotion and no discount. Lines are processed in a canonical order
//! (by product, then content), never in scan order, so the ticket does not depend on the order of scans.

use rustc_hash::FxHashMap as HashMap;

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalogue::{FamilyCode, Product, Sku};
use crate::money::Money;
use crate::vat::PriceBasis;

/// A customer segment: which price list applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// Walk-in consumers (also a sale without a customer).
    Retail,
    /// Clubs, schools and workshops: tax-excluded prices.
    Pro,
    /// Club members: tax-included member prices.
    Club,
}

impl Segment {
    /// Parses `retail`, `pro`, `club`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "retail" => Self::Retail,
            "pro" => Self::Pro,
            "club" => Self::Club,
            _ => return None,
        })
    }

    /// The name [`Segment::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Retail => "retail",
            Self::Pro => "pro",
            Self::Club => "club",
        }
    }

    /// The basis tickets of this segment are priced on.
    pub fn basis(self) -> PriceBasis {
        match self {
            Segment::Pro => PriceBasis::TaxExcluded,
            Segment::Retail | Segment::Club => PriceBasis::TaxIncluded,
        }
    }
}

/// One entry of a segment's price list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListPrice {
    /// The unit price.
    pub price: Money,
    /// Whether `price` includes VAT.
    pub basis: PriceBasis,
}

/// Segment price lists: the prices that differ from retail.
#[derive(Clone, Debug, Default)]
pub struct PriceBook {
    /// Per SKU, the pro and the club price.
    lists: HashMap<Sku, [Option<ListPrice>; 2]>,
}

impl PriceBook {
    /// An empty book: everyone pays retail.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a segment's price for a SKU (the last one set wins; the retail price is the product's own
    /// and is not set here).
    pub fn set(&mut self, segment: Segment, sku: Sku, price: ListPrice) {
        if let Some(slot) = Self::slot(segment) {
            self.lists.entry(sku).or_default()[slot] = Some(price);
        }
    }

    /// How many entries the book has.
    pub fn len(&self) -> usize {
        self.lists.values().flatten().flatten().count()
    }

    fn slot(segment: Segment) -> Option<usize> {
        match segment {
            Segment::Retail => None,
            Segment::Pro => Some(0),
            Segment::Club => Some(1),
        }
    }

    /// True when the book has no entry.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// The segment's price for a product, if its list has one.
    pub fn listed(&self, segment: Segment, product: &Product) -> Option<ListPrice> {
        let slot = Self::slot(segment)?;
        self.lists.get(&product.sku).and_then(|prices| prices[slot])
    }
}

/// What a promotion targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Every product of a family.
    Family(FamilyCode),
    /// These products.
    Skus(Vec<Sku>),
}

impl Target {
    /// True when the product is targeted.
    pub fn includes(&self, product: &Product) -> bool {
        match self {
            Target::Family(f) => &product.family == f,
            Target::Skus(s) => s.contains(&product.sku),
        }
    }
}

/// What a basket promotion gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BasketReward {
    /// Euros off.
    Amount(Money),
    /// Percent off.
    Percent(Decimal),
}

/// The mechanics of a promotion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromotionRule {
    /// `percent` % off every unit of a family.
    PercentOffFamily {
        /// The family.
        family: FamilyCode,
        /// Percent off.
        percent: Decimal,
    },
    /// These products at a fixed unit price (only when it is lower).
    FixedPrice {
        /// The products.
        skus: Vec<Sku>,
        /// The unit price, in the ticket's basis.
        price: Money,
    },
    /// For every `buy` units bought, the next `get` units are `percent` % off; the cheapest units of each
    /// group are the discounted ones.
    BuyXGetY {
        /// The targeted products.
        target: Target,
        /// Units to buy.
        buy: u32,
        /// Units discounted.
        get: u32,
        /// Percent off the discounted units (100 = free).
        percent: Decimal,
    },
    /// One unit of each of these products together for `price`.
    Bundle {
        /// The components, each once.
        skus: Vec<Sku>,
        /// The bundle's price.
        price: Money,
    },
    /// From `threshold` spent, a reward on the basket.
    BasketThreshold {
        /// The amount to reach, after line promotions and discounts.
        threshold: Money,
        /// The reward.
        reward: BasketReward,
    },
}

impl PromotionRule {
    /// True for the basket-level kind.
    pub fn is_basket_level(&self) -> bool {
        matches!(self, PromotionRule::BasketThreshold { .. })
    }
}

/// A promotion of the calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promotion {
    /// Its id (shared, not copied, by every discount it gives).
    pub id: Arc<str>,
    /// Its name as printed on a receipt.
    pub name: Arc<str>,
    /// Higher first.
    pub priority: i32,
    /// First day.
    pub starts: NaiveDate,
    /// Last day (inclusive).
    pub ends: NaiveDate,
    /// Location codes where it applies; empty = everywhere.
    pub locations: Vec<String>,
    /// Segments it applies to; empty = everyone.
    pub segments: Vec<Segment>,
    /// What it does.
    pub rule: PromotionRule,
}

impl Promotion {
    /// True when the promotion runs on `date` at `location` for `segment`.
    pub fn is_active(&self, date: NaiveDate, location: &str, segment: Segment) -> bool {
        self.starts <= date
            && date <= self.ends
            && (self.locations.is_empty() || self.locations.iter().any(|l| l == location))
            && (self.segments.is_empty() || self.segments.contains(&segment))
    }

    /// Checks the promotion's own consistency.
    pub fn validate(&self) -> Result<(), String> {
        if self.ends < self.starts {
            return Err(format!("ends {} before it starts {}", self.ends, self.starts));
        }
        let pct = |p: Decimal| {
            if p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED {
                Err(format!("percent {p} is not in ]0, 100]"))
            } else {
                Ok(())
            }
        };
        match &self.rule {
            PromotionRule::PercentOffFamily { percent, .. } => pct(*percent),
            PromotionRule::FixedPrice { skus, price } => {
                if skus.is_empty() {
                    Err("a fixed price needs at least one SKU".into())
                } else if price.is_negative() {
                    Err("a fixed price cannot be negative".into())
                } else {
                    Ok(())
                }
            }
            PromotionRule::BuyXGetY { buy, get, percent, target } => {
                if *buy == 0 || *get == 0 {
                    Err("buy and get must both be at least 1".into())
                } else if matches!(target, Target::Skus(s) if s.is_empty()) {
                    Err("buy X get Y needs a family or SKUs".into())
                } else {
                    pct(*percent)
                }
            }
            PromotionRule::Bundle { skus, price } => {
                let mut sorted = skus.clone();
                sorted.sort();
                sorted.dedup();
                if skus.len() < 2 || sorted.len() != skus.len() {
                    Err("a bundle needs at least two different SKUs".into())
                } else if price.is_negative() {
                    Err("a bundle price cannot be negative".into())
                } else {
                    Ok(())
                }
            }
            PromotionRule::BasketThreshold { threshold, reward } => {
                if threshold.is_negative() {
                    return Err("a threshold cannot be negative".into());
                }
                match reward {
                    BasketReward::Amount(a) if !a.is_negative() && !a.is_zero() => Ok(()),
                    BasketReward::Amount(_) => Err("a basket reward must be above zero".into()),
                    BasketReward::Percent(p) => pct(*p),
                }
            }
        }
    }
}
