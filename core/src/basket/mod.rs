//! The basket and its pricing: from scanned lines to a priced ticket whose lines, per-rate VAT and
//! total add up to the cent.
//!
//! [`price`] is a pure function of the basket, the sale's context (day, location, customer) and the
//! chain's rules. The stacking order of promotions and discounts is documented in [`crate::pricing`].

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::catalogue::{Catalogue, FamilyCode, Product, ProductKind, Sku, allocate};
use crate::money::{Money, Weight};
use crate::pricing::{BasketReward, PriceBook, Promotion, PromotionRule, Segment, Target};
use crate::vat::{PriceBasis, VatBreakdown, VatCategory, VatError, VatTable};

mod problem;
mod promotion;

pub use problem::{LineProblem, PricingError};
use promotion::{apply_line_promotion, share};

/// The most units one line may carry: a guard against a scanner stuck on repeat.
pub const MAX_LINE_UNITS: u32 = 9_999;

/// Who is buying, where and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleContext {
    /// The business day (the store's time zone).
    pub date: chrono::NaiveDate,
    /// The location code (`LYO`, `WEB`).
    pub location: String,
    /// The customer's segment (`Retail` without a customer).
    pub segment: Segment,
}

/// A discount the cashier (or a manager) grants, always with a reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualDiscount {
    /// Why (`damaged box`, `staff`), printed and journaled.
    pub reason: String,
    /// How much.
    pub kind: DiscountKind,
}

/// How much a manual discount takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscountKind {
    /// Percent of what is left on the line or basket.
    Percent(Decimal),
    /// Euros, in the ticket's basis; capped at what is left.
    Amount(Money),
}

/// A line as sold on an earlier ticket: what a return line needs to reverse it exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoldLine {
    /// Reference of the original ticket.
    pub ticket: String,
    /// The line on it.
    pub line: u32,
    /// The product.
    pub sku: Sku,
    /// Name as printed.
    pub name: Arc<str>,
    /// Units sold (1 for a weighed or labelled line).
    pub units: u32,
    /// What was paid for the line, after every discount, in `basis`.
    pub net: Money,
    /// Eco-participation in `net`.
    pub eco: Money,
    /// How `net` split across VAT rates (at the rates of the day of sale).
    pub vat: Vec<VatPart>,
    /// The basis of the original ticket.
    pub basis: PriceBasis,
}

/// What is on a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineItem {
    /// Units of a product; a serial-tracked item is sold one unit per line with its serial number.
    Units {
        /// The product.
        sku: Sku,
        /// Units.
        quantity: u32,
        /// The serial number, for serial-tracked items.
        serial: Option<String>,
    },
    /// A weighed item and the stable weight read from the scale or its label.
    Weighed {
        /// The product.
        sku: Sku,
        /// The net weight.
        weight: Weight,
    },
    /// An item whose in-store label carries the price to pay (GS1 price label).
    PricedLabel {
        /// The product.
        sku: Sku,
        /// The price on the label, tax included.
        price: Money,
    },
    /// A gift card loaded with an amount: outside the scope of VAT, never discounted.
    GiftCard {
        /// The gift card product.
        sku: Sku,
        /// The card's number.
        card: String,
        /// The amount loaded.
        amount: Money,
    },
    /// Units of an earlier ticket's line brought back.
    Return {
        /// The line as sold.
        sold: SoldLine,
        /// Units returned, at most what was sold less `before`.
        units: u32,
        /// Units of that line already brought back before this return: the refund is the line's
        /// share for all of them less its share for those, so returns one unit at a time never
        /// refund more than was paid.
        before: u32,
    },
}

/// A line of the basket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasketLine {
    /// Its number on the ticket.
    pub id: u32,
    /// What it holds.
    pub item: LineItem,
    /// The cashier's discount on this line.
    pub discount: Option<ManualDiscount>,
}

/// A basket: its lines in scan order and the cashier's discount on the whole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Basket {
    /// Lines in scan order.
    pub lines: Vec<BasketLine>,
    /// The cashier's basket discount.
    pub discount: Option<ManualDiscount>,
}

/// The rules pricing reads: the catalogue, VAT, price lists and promotions.
#[derive(Clone, Copy, Debug)]
pub struct PricingRules<'a> {
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// VAT rates over time.
    pub vat: &'a VatTable,
    /// Segment price lists.
    pub prices: &'a PriceBook,
    /// The promotion calendar.
    pub promotions: &'a [Promotion],
}

/// Why a discount was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscountSource {
    /// A promotion of the calendar.
    Promotion {
        /// Its id.
        id: Arc<str>,
        /// Its name.
        name: Arc<str>,
    },
    /// A manual discount.
    Manual {
        /// The reason given.
        reason: Arc<str>,
    },
}

/// A discount on a line or on the basket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedDiscount {
    /// Why.
    pub source: DiscountSource,
    /// How much (positive).
    pub amount: Money,
}

/// Part of a line's amount at one VAT rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VatPart {
    /// The category.
    pub category: VatCategory,
    /// The rate on the day of sale.
    pub rate: Decimal,
    /// The amount at that rate, in the ticket's basis.
    pub amount: Money,
}

/// How much a line holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Units.
    Units(u32),
    /// A weight.
    Weight(Weight),
    /// One labelled item.
    Label,
    /// Units returned (shown negative).
    Returned(u32),
}

/// A priced line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedLine {
    /// Line number.
    pub id: u32,
    /// Product.
    pub sku: Sku,
    /// Name as printed.
    pub name: Arc<str>,
    /// Family (for reporting).
    pub family: Option<FamilyCode>,
    /// Quantity, weight or label.
    pub measure: Measure,
    /// Serial number, gift card number, or the returned ticket reference.
    pub reference: Option<String>,
    /// Unit price (per kilogram for weighed items) in the ticket's basis.
    pub unit_price: Money,
    /// Before discounts.
    pub gross: Money,
    /// Eco-participation included in `gross`.
    pub eco: Money,
    /// Line-level promotions and manual discounts.
    pub discounts: Vec<AppliedDiscount>,
    /// This line's share of basket-level discounts.
    pub basket_share: Money,
    /// What the line costs: gross − discounts − basket share.
    pub net: Money,
    /// How `net` splits across VAT rates; empty for gift cards (outside the scope of VAT).
    pub vat: Vec<VatPart>,
}

impl PricedLine {
    /// The line as sold, for a later return.
    pub fn as_sold(&self, ticket: &str, basis: PriceBasis) -> SoldLine {
        let units = match self.measure {
            Measure::Units(n) => n,
            _ => 1,
        };
        SoldLine {
            ticket: ticket.to_owned(),
            line: self.id,
            sku: self.sku.clone(),
            name: self.name.clone(),
            units,
            net: self.net,
            eco: self.eco,
            vat: self.vat.clone(),
            basis,
        }
    }
}

/// A priced ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedTicket {
    /// Tax-included or tax-excluded lines.
    pub basis: PriceBasis,
    /// Lines in scan order.
    pub lines: Vec<PricedLine>,
    /// Basket-level promotions and the manual basket discount, as shared across lines.
    pub basket_discounts: Vec<AppliedDiscount>,
    /// Sum of the lines' gross amounts.
    pub gross: Money,
    /// Sum of every discount.
    pub discounts: Money,
    /// Eco-participation included.
    pub eco: Money,
    /// The VAT table of the taxable lines.
    pub vat: VatBreakdown,
    /// Gift cards sold: outside the scope of VAT.
    pub out_of_scope: Money,
    /// What the customer pays (negative: what is refunded): taxable total plus gift cards.
    pub total: Money,
}

/// Working state of one line during pricing.
struct Work<'a> {
    product: Option<&'a Product>,
    /// Whole units that may take line promotions (0 for weighed, labelled, gift and return lines).
    units: u32,
    claimed: u32,
    unit_price: Money,
    unit_eco: Money,
    gross: Money,
    eco: Money,
    discounts: Vec<AppliedDiscount>,
    basket_share: Money,
    /// `gross` less `discounts` and `basket_share`, kept as they change (asked far more often than changed).
    net: Money,
    promotable: bool,
    returned_vat: Option<Vec<VatPart>>,
}

impl Work<'_> {
    fn net(&self) -> Money {
        self.net
    }
    fn take_basket_share(&mut self, part: Money) {
        self.basket_share += part;
        self.net -= part;
    }
    /// What discounts may still take: the net above eco-participation.
    fn room(&self) -> Money {
        (self.net() - self.eco).max(Money::ZERO)
    }
    fn unit_room(&self) -> Money {
        (self.unit_price - self.unit_eco).max(Money::ZERO)
    }
    fn free_units(&self) -> u32 {
        self.units - self.claimed
    }
    fn give(&mut self, source: &DiscountSource, amount: Money) {
        let amount = amount.min(self.room());
        if amount.is_zero() || amount.is_negative() {
            return;
        }
        self.net -= amount;
        if let Some(d) = self.discounts.iter_mut().find(|d| &d.source == source) {
            d.amount += amount;
        } else {
            self.discounts.push(AppliedDiscount { source: source.clone(), amount });
        }
    }
}

/// Converts a tax-included amount to the ticket's basis at the product's rate(s).
fn to_basis(
    rules: &PricingRules<'_>,
    product: &Product,
    ttc: Money,
    basis: PriceBasis,
    date: chrono::NaiveDate,
) -> Result<Money, VatError> {
    match basis {
        PriceBasis::TaxIncluded => Ok(ttc),
        PriceBasis::TaxExcluded => {
            let mut ht = Money::ZERO;
            for (cat, part) in rules.catalogue.vat_split(product, ttc) {
                let r = rules.vat.rate_on(cat, date)?;
                ht += Money::new(part.euros() * Decimal::ONE_HUNDRED / (Decimal::ONE_HUNDRED + r)).round();
            }
            Ok(ht)
        }
    }
}

/// Prices a basket.
///
/// ```
/// # use pos_core::{basket::*, catalogue::*, money::*, pricing::*, vat::*};
/// # let fam = Family { code: FamilyCode("PROP".into()), name_fr: "Hélices".into(), name_en: "Props".into(), revenue_account: "707100".into() };
/// # let prop = Product { sku: Sku::parse("PROP-1060").unwrap(), name_fr: "Hélice 10x6".into(), name_en: "Prop 10x6".into(),
/// #     family: fam.code.clone(), vat: VatCategory::Normal, price_ttc: Money::from_cents(390), barcodes: vec![],
/// #     kind: ProductKind::Standard, eco_ttc: Money::ZERO, variant_of: None, attributes: Default::default() };
/// let catalogue = Catalogue::new(vec![fam], vec![prop], vec![], vec![], vec![]).unwrap();
/// let vat = VatTable::france();
/// let rules = PricingRules { catalogue: &catalogue, vat: &vat, prices: &PriceBook::new(), promotions: &[] };
/// let basket = Basket { lines: vec![BasketLine { id: 1, item: LineItem::Units {
///     sku: Sku::parse("PROP-1060").unwrap(), quantity: 3, serial: None }, discount: None }], discount: None };
/// let ctx = SaleContext { date: chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(), location: "LYO".into(), segment: Segment::Retail };
/// let ticket = price(&basket, &ctx, &rules).unwrap();
/// assert_eq!(ticket.total, Money::from_cents(1170));
/// assert_eq!(ticket.vat.vat, Money::from_cents(195));
/// ```
pub fn price(
    basket: &Basket,
    ctx: &SaleContext,
    rules: &PricingRules<'_>,
) -> Result<PricedTicket, PricingError> {
    let basis = ctx.segment.basis();
    let mut work: Vec<Work<'_>> = Vec::with_capacity(basket.lines.len());
    let mut serials = std::collections::BTreeSet::new();
    for line in &basket.lines {
        // One unit, one serial number: the same number twice is a double scan, never two units.
        if let LineItem::Units { sku, serial: Some(serial), .. } = &line.item
            && !serials.insert((sku, serial.trim()))
        {
            let problem = LineProblem::SerialTwice { sku: sku.to_string(), serial: serial.trim().to_owned() };
            return Err(PricingError::Line { line: line.id, problem });
        }
        let mut w = resolve(line, ctx, basis, rules)?;
        w.net = w.gross;
        work.push(w);
    }
    // Canonical order: by content, never by scan order.
    let mut order: Vec<usize> = (0..work.len()).collect();
    order.sort_by_cached_key(|&i| canonical(&basket.lines[i]));

    let mut active: Vec<&Promotion> =
        rules.promotions.iter().filter(|p| p.is_active(ctx.date, &ctx.location, ctx.segment)).collect();
    active.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));

    for promo in active.iter().filter(|p| !p.rule.is_basket_level()) {
        apply_line_promotion(promo, &order, &mut work, ctx, basis, rules)?;
    }
    for &i in &order {
        if let Some(d) = &basket.lines[i].discount {
            if !work[i].promotable {
                return Err(PricingError::Line {
                    line: basket.lines[i].id,
                    problem: LineProblem::NoDiscount,
                });
            }
            let amount = manual_amount(d, work[i].room())?;
            work[i].give(&DiscountSource::Manual { reason: Arc::from(d.reason.as_str()) }, amount);
        }
    }

    let mut basket_discounts = Vec::new();
    let eligible: Vec<usize> = order.iter().copied().filter(|&i| work[i].promotable).collect();
    let subtotal: Money = eligible.iter().map(|&i| work[i].net()).sum();
    let threshold = active.iter().find_map(|p| match &p.rule {
        PromotionRule::BasketThreshold { threshold, reward }
            if subtotal >= *threshold && !subtotal.is_zero() =>
        {
            Some((p, *reward))
        }
        _ => None,
    });
    if let Some((promo, reward)) = threshold {
        let room: Money = eligible.iter().map(|&i| work[i].room()).sum();
        let amount = match reward {
            BasketReward::Amount(a) => a.min(room),
            BasketReward::Percent(p) => room.percent(p),
        };
        let source = DiscountSource::Promotion { id: promo.id.clone(), name: promo.name.clone() };
        share(&source, amount, &eligible, &mut work, &mut basket_discounts);
    }
    if let Some(d) = &basket.discount {
        let room: Money = eligible.iter().map(|&i| work[i].room()).sum();
        let amount = manual_amount(d, room)?;
        let source = DiscountSource::Manual { reason: Arc::from(d.reason.as_str()) };
        share(&source, amount, &eligible, &mut work, &mut basket_discounts);
    }

    // VAT split and totals.
    let mut lines = Vec::with_capacity(work.len());
    let mut taxable = Vec::with_capacity(work.len());
    let mut out_of_scope = Money::ZERO;
    for (mut w, line) in work.into_iter().zip(&basket.lines) {
        let net = w.net();
        let vat = match (w.returned_vat.take(), w.product) {
            (Some(parts), _) => parts,
            (None, Some(p)) if p.kind == ProductKind::GiftCard => Vec::new(),
            (None, Some(p)) => {
                let mut parts = Vec::new();
                for (category, amount) in rules.catalogue.vat_split(p, net) {
                    parts.push(VatPart { category, rate: rules.vat.rate_on(category, ctx.date)?, amount });
                }
                parts
            }
            (None, None) => Vec::new(),
        };
        if vat.is_empty() {
            out_of_scope += net;
        }
        taxable.extend(vat.iter().map(|v| (v.rate, v.amount)));
        lines.push(priced_line(line, w, net, vat));
    }
    let vat = VatBreakdown::compute(basis, taxable);
    let gross: Money = lines.iter().map(|l| l.gross).sum();
    let net: Money = lines.iter().map(|l| l.net).sum();
    let eco = lines.iter().map(|l| l.eco).sum();
    Ok(PricedTicket {
        basis,
        total: vat.total + out_of_scope,
        discounts: gross - net,
        gross,
        eco,
        lines,
        basket_discounts,
        vat,
        out_of_scope,
    })
}

fn priced_line(line: &BasketLine, w: Work<'_>, net: Money, vat: Vec<VatPart>) -> PricedLine {
    let (sku, name, family, measure, reference) = match &line.item {
        LineItem::Units { sku, quantity, serial } => {
            (sku, None, w.product, Measure::Units(*quantity), serial.clone())
        }
        LineItem::Weighed { sku, weight } => (sku, None, w.product, Measure::Weight(*weight), None),
        LineItem::PricedLabel { sku, .. } => (sku, None, w.product, Measure::Label, None),
        LineItem::GiftCard { sku, card, .. } => (sku, None, w.product, Measure::Label, Some(card.clone())),
        LineItem::Return { sold, units, .. } => (
            &sold.sku,
            Some(sold.name.clone()),
            w.product,
            Measure::Returned(*units),
            Some(sold.ticket.clone()),
        ),
    };
    PricedLine {
        id: line.id,
        sku: sku.clone(),
        name: name.or_else(|| family.map(|p| p.name_fr.clone())).unwrap_or_default(),
        family: family.map(|p| p.family.clone()),
        measure,
        reference,
        unit_price: w.unit_price,
        gross: w.gross,
        eco: w.eco,
        discounts: w.discounts,
        basket_share: w.basket_share,
        net,
        vat,
    }
}

/// A line's place in the canonical order: its content, never its position in the basket.
type CanonicalKey<'b> = (u8, &'b str, &'b str, i64, u32, Option<(&'b str, u8, Decimal)>);

fn canonical(l: &BasketLine) -> CanonicalKey<'_> {
    let discount = l.discount.as_ref().map(|d| match d.kind {
        DiscountKind::Percent(p) => (d.reason.as_str(), 0, p),
        DiscountKind::Amount(a) => (d.reason.as_str(), 1, a.euros()),
    });
    let (rank, sku, text, amount, units) = match &l.item {
        LineItem::Units { sku, quantity, serial } => {
            (0, sku.as_str(), serial.as_deref().unwrap_or(""), 0, *quantity)
        }
        LineItem::Weighed { sku, weight } => (
            1,
            sku.as_str(),
            "",
            (weight.kilograms() * Decimal::from(1000)).trunc().try_into().unwrap_or(0),
            0,
        ),
        LineItem::PricedLabel { sku, price } => (2, sku.as_str(), "", price.cents(), 0),
        LineItem::GiftCard { sku, card, amount } => (3, sku.as_str(), card.as_str(), amount.cents(), 0),
        LineItem::Return { sold, units, .. } => {
            (4, sold.sku.as_str(), sold.ticket.as_str(), i64::from(sold.line), *units)
        }
    };
    (rank, sku, text, amount, units, discount)
}

fn resolve<'a>(
    line: &BasketLine,
    ctx: &SaleContext,
    basis: PriceBasis,
    rules: &PricingRules<'a>,
) -> Result<Work<'a>, PricingError> {
    let err = |problem: LineProblem| PricingError::Line { line: line.id, problem };
    let product = |sku: &Sku| {
        rules
            .catalogue
            .product(sku)
            .ok_or_else(|| PricingError::UnknownSku { line: line.id, sku: sku.clone() })
    };
    let blank = |p: Option<&'a Product>| Work {
        product: p,
        units: 0,
        claimed: 0,
        unit_price: Money::ZERO,
        unit_eco: Money::ZERO,
        gross: Money::ZERO,
        eco: Money::ZERO,
        discounts: Vec::new(),
        basket_share: Money::ZERO,
        net: Money::ZERO,
        promotable: true,
        returned_vat: None,
    };
    match &line.item {
        LineItem::Units { sku, quantity, serial } => {
            let p = product(sku)?;
            match (&p.kind, serial) {
                (ProductKind::Weighed { .. }, _) => {
                    return Err(err(LineProblem::WeighIt { sku: sku.to_string() }));
                }
                (ProductKind::GiftCard, _) => {
                    return Err(err(LineProblem::GiftCardAmount { sku: sku.to_string() }));
                }
                (ProductKind::Serial, None) => {
                    return Err(err(LineProblem::SerialNeeded { sku: sku.to_string() }));
                }
                (ProductKind::Serial, Some(s)) if s.trim().is_empty() => {
                    return Err(err(LineProblem::SerialEmpty { sku: sku.to_string() }));
                }
                (ProductKind::Serial, Some(_)) if *quantity != 1 => {
                    return Err(err(LineProblem::SerialOneUnit { sku: sku.to_string() }));
                }
                (ProductKind::Standard | ProductKind::Kit, Some(_)) => {
                    return Err(err(LineProblem::NotSerial { sku: sku.to_string() }));
                }
                _ => {}
            }
            if *quantity == 0 || *quantity > MAX_LINE_UNITS {
                return Err(err(LineProblem::Quantity { quantity: *quantity, max: MAX_LINE_UNITS }));
            }
            let (unit_price, unit_eco) = unit_price(p, ctx, basis, rules)?;
            let q = Decimal::from(*quantity);
            Ok(Work {
                units: *quantity,
                unit_price,
                unit_eco,
                gross: unit_price.times(q),
                eco: unit_eco.times(q),
                ..blank(Some(p))
            })
        }
        LineItem::Weighed { sku, weight } => {
            let p = product(sku)?;
            if !matches!(p.kind, ProductKind::Weighed { .. }) {
                return Err(err(LineProblem::NotWeighed { sku: sku.to_string() }));
            }
            if weight.kilograms() <= Decimal::ZERO {
                return Err(err(LineProblem::NoWeight));
            }
            let (per_kg, _) = unit_price(p, ctx, basis, rules)?;
            Ok(Work { unit_price: per_kg, gross: per_kg.times(weight.kilograms()).round(), ..blank(Some(p)) })
        }
        LineItem::PricedLabel { sku, price } => {
            let p = product(sku)?;
            if price.is_negative() {
                return Err(err(LineProblem::NegativeLabel));
            }
            let amount = to_basis(rules, p, *price, basis, ctx.date)?;
            Ok(Work { unit_price: amount, gross: amount, ..blank(Some(p)) })
        }
        LineItem::GiftCard { sku, card, amount } => {
            let p = product(sku)?;
            if p.kind != ProductKind::GiftCard {
                return Err(err(LineProblem::NotGiftCard { sku: sku.to_string() }));
            }
            if card.trim().is_empty() {
                return Err(err(LineProblem::GiftCardNumber));
            }
            if amount.is_negative() || amount.is_zero() || amount.round() != *amount {
                return Err(err(LineProblem::GiftCardLoad { amount: amount.to_string() }));
            }
            Ok(Work { unit_price: *amount, gross: *amount, promotable: false, ..blank(Some(p)) })
        }
        LineItem::Return { sold, units, before } => {
            if *units == 0 || u64::from(*units) + u64::from(*before) > u64::from(sold.units) {
                return Err(err(LineProblem::ReturnTooMany {
                    units: *units,
                    before: *before,
                    sold: sold.units,
                    ticket: sold.ticket.clone(),
                    sold_line: sold.line,
                }));
            }
            if sold.basis != basis {
                return Err(err(LineProblem::ReturnBasis {
                    ticket: sold.ticket.clone(),
                    tax_excluded: sold.basis == PriceBasis::TaxExcluded,
                }));
            }
            // The share of all the units brought back so far, less the share already refunded.
            let share = |m: Money, n: u32| m.times(Decimal::from(n) / Decimal::from(sold.units)).round();
            let net = -(share(sold.net, before + units) - share(sold.net, *before));
            let eco = -(share(sold.eco, before + units) - share(sold.eco, *before));
            let weights: Vec<Money> = sold.vat.iter().map(|v| v.amount.abs()).collect();
            let parts = allocate(net, &weights)
                .into_iter()
                .zip(&sold.vat)
                .map(|(amount, v)| VatPart { amount, ..*v })
                .collect();
            Ok(Work {
                unit_price: -(sold.net.times(Decimal::ONE / Decimal::from(sold.units)).round()),
                gross: net,
                eco,
                promotable: false,
                returned_vat: Some(parts),
                ..blank(rules.catalogue.product(&sold.sku))
            })
        }
    }
}

/// The unit price and unit eco-participation in the ticket's basis, after the segment's list.
fn unit_price(
    p: &Product,
    ctx: &SaleContext,
    basis: PriceBasis,
    rules: &PricingRules<'_>,
) -> Result<(Money, Money), VatError> {
    let eco = to_basis(rules, p, rules.catalogue.unit_eco(p), basis, ctx.date)?;
    let price = match rules.prices.listed(ctx.segment, p) {
        Some(l) if l.basis == basis => l.price,
        Some(l) if l.basis == PriceBasis::TaxIncluded => to_basis(rules, p, l.price, basis, ctx.date)?,
        Some(l) => {
            // A tax-excluded list price on a tax-included ticket: add the VAT of the day.
            let mut ttc = Money::ZERO;
            for (cat, part) in rules.catalogue.vat_split(p, l.price) {
                ttc += part + part.percent(rules.vat.rate_on(cat, ctx.date)?);
            }
            ttc
        }
        None => to_basis(rules, p, p.price_ttc, basis, ctx.date)?,
    };
    // A list price below the eco-participation would discount it: the eco part is a floor.
    Ok((price.max(eco), eco))
}

fn manual_amount(d: &ManualDiscount, room: Money) -> Result<Money, PricingError> {
    let bad = |problem: &str| PricingError::Discount { reason: d.reason.clone(), problem: problem.into() };
    if d.reason.trim().is_empty() {
        return Err(bad("a discount needs a reason"));
    }
    match d.kind {
        DiscountKind::Percent(p) if p > Decimal::ZERO && p <= Decimal::ONE_HUNDRED => Ok(room.percent(p)),
        DiscountKind::Percent(_) => Err(bad("a percentage must be above 0 and at most 100")),
        DiscountKind::Amount(a) if !a.is_negative() && !a.is_zero() && a.round() == a => Ok(a.min(room)),
        DiscountKind::Amount(_) => Err(bad("an amount must be above zero, to the cent")),
    }
}
