//! Loyalty: points earned per euro by tier, and what they are worth when spent.
//!
//! Points are earned on what the customer actually pays for goods: gift cards sold earn nothing (they
//! earn when spent), and the part paid with points earns nothing. A return takes back the points its
//! lines earned, truncated toward zero like the earning, so returning a whole ticket takes back exactly
//! what it gave. Earning is safe offline; spending is a balance, held like a gift card's.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::basket::PricedTicket;
use crate::money::Money;
use crate::tender::{Tender, TenderKind};

/// A loyalty tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Not enrolled.
    None,
    /// Entry tier.
    Bronze,
    /// Middle tier.
    Silver,
    /// Top tier.
    Gold,
}

impl Tier {
    /// Parses `none`, `bronze`, `silver`, `gold`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "none" => Tier::None,
            "bronze" => Tier::Bronze,
            "silver" => Tier::Silver,
            "gold" => Tier::Gold,
            _ => return None,
        })
    }

    /// The name [`Tier::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::None => "none",
            Tier::Bronze => "bronze",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
        }
    }
}

/// The chain's loyalty rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoyaltyRules {
    /// Points per whole euro, per tier; a tier not listed earns nothing.
    pub points_per_euro: BTreeMap<Tier, Decimal>,
    /// What one point is worth when spent.
    pub point_value: Money,
}

impl LoyaltyRules {
    /// Points a ticket earns (negative for a return), given its tenders.
    ///
    /// The eligible amount is the total of the goods (tax included; gift cards excluded) less what was
    /// paid with points; points are `trunc(eligible × points per euro)`, truncated toward zero.
    pub fn points_earned(&self, tier: Tier, ticket: &PricedTicket, tenders: &[Tender]) -> i64 {
        let Some(rate) = self.points_per_euro.get(&tier) else { return 0 };
        let goods = ticket.total - ticket.out_of_scope;
        let by_points: Money =
            tenders.iter().filter(|t| matches!(t.kind, TenderKind::Loyalty { .. })).map(|t| t.amount).sum();
        let eligible = goods - by_points;
        if (goods.is_negative() && !eligible.is_negative())
            || (!goods.is_negative() && eligible.is_negative())
        {
            return 0;
        }
        let points = (eligible.euros().trunc() * *rate).trunc();
        i64::try_from(points).unwrap_or(0)
    }

    /// What `points` are worth.
    pub fn value_of(&self, points: u32) -> Money {
        self.point_value.times(Decimal::from(points)).round()
    }
}
