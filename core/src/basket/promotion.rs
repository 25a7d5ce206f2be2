//! Line promotions applied to the lines of a basket being priced, and basket-level amounts shared
//! across the lines that may take them (the stacking order is in [`crate::pricing`]).

use super::*;

/// Shares a basket-level discount across `eligible` lines in proportion to what each may still take.
pub(super) fn share(
    source: &DiscountSource,
    amount: Money,
    eligible: &[usize],
    work: &mut [Work<'_>],
    out: &mut Vec<AppliedDiscount>,
) {
    if amount.is_zero() || amount.is_negative() {
        return;
    }
    let weights: Vec<Money> = eligible.iter().map(|&i| work[i].room()).collect();
    for (&i, part) in eligible.iter().zip(allocate(amount, &weights)) {
        work[i].take_basket_share(part);
    }
    out.push(AppliedDiscount { source: source.clone(), amount });
}

pub(super) fn apply_line_promotion(
    promo: &Promotion,
    order: &[usize],
    work: &mut [Work<'_>],
    ctx: &SaleContext,
    basis: PriceBasis,
    rules: &PricingRules<'_>,
) -> Result<(), PricingError> {
    let source = DiscountSource::Promotion { id: promo.id.clone(), name: promo.name.clone() };
    let eligible = |w: &Work<'_>, pick: &dyn Fn(&Product) -> bool| {
        w.promotable && w.free_units() > 0 && w.product.is_some_and(pick)
    };
    match &promo.rule {
        PromotionRule::PercentOffFamily { family, percent } => {
            for &i in order {
                if eligible(&work[i], &|p| &p.family == family) {
                    let w = &mut work[i];
                    let amount = w.unit_room().times(Decimal::from(w.free_units())).percent(*percent);
                    w.claimed = w.units;
                    w.give(&source, amount);
                }
            }
        }
        PromotionRule::FixedPrice { skus, price } => {
            for &i in order {
                if eligible(&work[i], &|p| skus.contains(&p.sku)) {
                    let w = &mut work[i];
                    let fixed = match w.product {
                        Some(p) if basis == PriceBasis::TaxExcluded => {
                            to_basis(rules, p, *price, basis, ctx.date)?
                        }
                        _ => *price,
                    };
                    if fixed < w.unit_price {
                        let per_unit = (w.unit_price - fixed).min(w.unit_room());
                        let amount = per_unit.times(Decimal::from(w.free_units()));
                        w.claimed = w.units;
                        w.give(&source, amount);
                    }
                }
            }
        }
        PromotionRule::BuyXGetY { target, buy, get, percent } => {
            // Every free unit, dearest first (ties in canonical order); each full group of buy+get
            // gives its cheapest `get` units. Lines are sorted, not units: a line's units share a price.
            let mut lines: Vec<(usize, u32)> = order
                .iter()
                .filter(|&&i| eligible(&work[i], &|p| target.includes(p)))
                .map(|&i| (i, work[i].free_units()))
                .collect();
            lines.sort_by_key(|&(i, _)| std::cmp::Reverse(work[i].unit_price));
            let group = buy + get;
            let whole = lines.iter().map(|&(_, n)| n).sum::<u32>() / group * group;
            let units = lines.iter().flat_map(|&(i, n)| std::iter::repeat_n(i, n as usize));
            for (n, i) in units.take(whole as usize).enumerate() {
                let w = &mut work[i];
                w.claimed += 1;
                if n as u32 % group >= *buy {
                    let amount = w.unit_room().percent(*percent);
                    w.give(&source, amount);
                }
            }
        }
        PromotionRule::Bundle { skus, price } => {
            // As many complete sets as the free units allow; each component taken in canonical order.
            let mut pickers: Vec<Vec<usize>> = Vec::with_capacity(skus.len());
            for sku in skus {
                let mut slots = Vec::new();
                for &i in order {
                    if eligible(&work[i], &|p| &p.sku == sku) {
                        slots.extend(std::iter::repeat_n(i, work[i].free_units() as usize));
                    }
                }
                pickers.push(slots);
            }
            let sets = pickers.iter().map(Vec::len).min().unwrap_or(0);
            for set in 0..sets {
                let members: Vec<usize> = pickers.iter().map(|v| v[set]).collect();
                let full: Money = members.iter().map(|&i| work[i].unit_price).sum();
                let bundle_price = match basis {
                    PriceBasis::TaxIncluded => *price,
                    PriceBasis::TaxExcluded => {
                        // The bundle price is tax-included: split it like the set, convert each part.
                        let weights: Vec<Money> = members.iter().map(|&i| work[i].unit_price).collect();
                        let mut ht = Money::ZERO;
                        for (&i, part) in members.iter().zip(allocate(*price, &weights)) {
                            if let Some(p) = work[i].product {
                                ht += to_basis(rules, p, part, basis, ctx.date)?;
                            }
                        }
                        ht
                    }
                };
                let room: Money = members.iter().map(|&i| work[i].unit_room()).sum();
                let discount = (full - bundle_price).min(room);
                if discount.is_negative() || discount.is_zero() {
                    break;
                }
                let weights: Vec<Money> = members.iter().map(|&i| work[i].unit_room()).collect();
                for (&i, part) in members.iter().zip(allocate(discount, &weights)) {
                    work[i].claimed += 1;
                    work[i].give(&source, part);
                }
            }
        }
        PromotionRule::BasketThreshold { .. } => {}
    }
    Ok(())
}

impl Target {
    /// A short description for receipts and logs.
    pub fn describe(&self) -> String {
        match self {
            Target::Family(f) => format!("family {}", f.0),
            Target::Skus(s) => s.iter().map(Sku::as_str).collect::<Vec<_>>().join(", "),
        }
    }
}
