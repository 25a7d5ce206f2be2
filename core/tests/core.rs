//! pos-core's integration tests: exact numbers for each rule, property tests for the invariants, and
//! the demo chain's files (loading them, and refusing them when broken).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::NaiveDate;
use pos_core::barcode::{Gtin, LabelValue, RestrictedLayout, gtin_check_digit};
use pos_core::basket::*;
use pos_core::catalogue::*;
use pos_core::load::{LoadError, load_chain};
use pos_core::loyalty::{LoyaltyRules, Tier};
use pos_core::money::{Money, Weight};
use pos_core::pricing::*;
use pos_core::tender::{Tender, TenderKind, settle};
use pos_core::vat::{PriceBasis, VatCategory, VatTable};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn m(cents: i64) -> Money {
    Money::from_cents(cents)
}
fn sku(s: &str) -> Sku {
    Sku::parse(s).unwrap()
}
fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
}

/// A small catalogue with one of everything, and barcodes made valid by construction.
struct Shop {
    catalogue: Catalogue,
    vat: VatTable,
    prices: PriceBook,
    promotions: Vec<Promotion>,
}

fn ean(n: u32) -> Gtin {
    let payload = format!("376000{n:06}");
    Gtin::parse(&format!("{payload}{}", gtin_check_digit(&payload).unwrap())).unwrap()
}

fn product(
    n: u32,
    code: &str,
    family: &str,
    vat: VatCategory,
    cents: i64,
    eco: i64,
    kind: ProductKind,
) -> Product {
    Product {
        sku: sku(code),
        name_fr: code.to_lowercase().into(),
        name_en: code.to_lowercase(),
        family: FamilyCode(family.into()),
        vat,
        price_ttc: m(cents),
        barcodes: if matches!(kind, ProductKind::Weighed { .. } | ProductKind::GiftCard) {
            vec![]
        } else {
            vec![ean(n)]
        },
        kind,
        eco_ttc: m(eco),
        variant_of: None,
        attributes: Attributes::default(),
    }
}

fn shop() -> Shop {
    use ProductKind::*;
    use VatCategory::*;
    let families =
        ["PROP", "LIPO", "PLANE", "CHARGER", "MAG", "GLUE", "BULK", "GIFT", "KIT", "PRESS"].map(|c| Family {
            code: FamilyCode(c.into()),
            name_fr: c.into(),
            name_en: c.into(),
            revenue_account: "707100".into(),
        });
    let products = vec![
        product(1, "PROP-A", "PROP", Normal, 390, 0, Standard),
        product(2, "PROP-B", "PROP", Normal, 350, 0, Standard),
        product(3, "LIPO-A", "LIPO", Normal, 2490, 10, Standard),
        product(4, "PLANE", "PLANE", Normal, 24900, 0, Standard),
        product(5, "CHG", "CHARGER", Normal, 5990, 42, Serial),
        product(6, "MAG", "MAG", Reduced, 690, 0, Standard),
        product(7, "GLUE", "GLUE", Normal, 650, 0, Standard),
        product(8, "BALSA", "BULK", Normal, 1800, 0, Weighed { plu: "00123".into() }),
        product(9, "GIFT", "GIFT", Zero, 0, 0, GiftCard),
        product(10, "KIT", "KIT", Normal, 3490, 0, Kit),
        product(11, "PRESS", "PRESS", SuperReduced, 250, 0, Standard),
        product(12, "BOOK", "MAG", Intermediate, 1990, 0, Standard),
    ];
    let kits = vec![
        (sku("KIT"), KitComponent { sku: sku("GLUE"), quantity: 1 }),
        (sku("KIT"), KitComponent { sku: sku("PROP-A"), quantity: 2 }),
        (sku("KIT"), KitComponent { sku: sku("MAG"), quantity: 1 }),
    ];
    let compat =
        vec![(sku("LIPO-A"), sku("PLANE")), (sku("PROP-A"), sku("PLANE")), (sku("PROP-B"), sku("PLANE"))];
    let layouts = vec![
        RestrictedLayout { prefix: 21, plu_digits: 5, value: LabelValue::WeightGrams, value_digits: 5 },
        RestrictedLayout { prefix: 22, plu_digits: 5, value: LabelValue::PriceCents, value_digits: 5 },
    ];
    let catalogue = Catalogue::new(families.to_vec(), products, kits, compat, layouts).unwrap();
    let mut prices = PriceBook::new();
    prices.set(Segment::Club, sku("PLANE"), ListPrice { price: m(23900), basis: PriceBasis::TaxIncluded });
    prices.set(Segment::Pro, sku("LIPO-A"), ListPrice { price: m(1800), basis: PriceBasis::TaxExcluded });
    let promo = |id: &str, priority, rule, segments: Vec<Segment>| Promotion {
        id: id.into(),
        name: id.into(),
        priority,
        starts: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        ends: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        locations: vec!["LYO".into()],
        segments,
        rule,
    };
    let promotions = vec![
        promo(
            "P1",
            10,
            PromotionRule::PercentOffFamily { family: FamilyCode("LIPO".into()), percent: Decimal::from(15) },
            vec![],
        ),
        promo(
            "P2",
            20,
            PromotionRule::BuyXGetY {
                target: Target::Family(FamilyCode("PROP".into())),
                buy: 2,
                get: 1,
                percent: Decimal::ONE_HUNDRED,
            },
            vec![],
        ),
        promo(
            "P3",
            30,
            PromotionRule::Bundle { skus: vec![sku("PLANE"), sku("LIPO-A"), sku("CHG")], price: m(29900) },
            vec![],
        ),
        promo(
            "P4",
            5,
            PromotionRule::BasketThreshold { threshold: m(15000), reward: BasketReward::Amount(m(1000)) },
            vec![Segment::Club],
        ),
        promo("P5", 15, PromotionRule::FixedPrice { skus: vec![sku("GLUE")], price: m(490) }, vec![]),
    ];
    Shop { catalogue, vat: VatTable::france(), prices, promotions }
}

impl Shop {
    fn rules(&self) -> PricingRules<'_> {
        PricingRules {
            catalogue: &self.catalogue,
            vat: &self.vat,
            prices: &self.prices,
            promotions: &self.promotions,
        }
    }
    fn price(&self, items: Vec<LineItem>, segment: Segment) -> PricedTicket {
        self.try_price(items, segment).unwrap()
    }
    fn try_price(&self, items: Vec<LineItem>, segment: Segment) -> Result<PricedTicket, PricingError> {
        let lines = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| BasketLine { id: i as u32 + 1, item, discount: None })
            .collect();
        price(&Basket { lines, discount: None }, &ctx(segment), &self.rules())
    }
}

fn ctx(segment: Segment) -> SaleContext {
    SaleContext { date: day(), location: "LYO".into(), segment }
}

fn units(code: &str, quantity: u32) -> LineItem {
    LineItem::Units { sku: sku(code), quantity, serial: None }
}
fn serial(code: &str, serial: &str) -> LineItem {
    LineItem::Units { sku: sku(code), quantity: 1, serial: Some(serial.into()) }
}

fn promo_amount(line: &PricedLine, id: &str) -> Money {
    line.discounts
        .iter()
        .filter(|d| matches!(&d.source, DiscountSource::Promotion { id: p, .. } if &**p == id))
        .map(|d| d.amount)
        .sum()
}

// ---------------------------------------------------------------- exact numbers

#[test]
fn third_propeller_is_free_and_the_cheapest_one_is_given() {
    let s = shop();
    let t = s.price(vec![units("PROP-A", 2), units("PROP-B", 1)], Segment::Retail);
    assert_eq!(promo_amount(&t.lines[1], "P2"), m(350));
    assert_eq!(promo_amount(&t.lines[0], "P2"), Money::ZERO);
    assert_eq!(t.total, m(780));
    let t = s.price(vec![units("PROP-A", 4)], Segment::Retail);
    assert_eq!(t.total, m(1170), "the fourth unit does not complete a second group");
}

#[test]
fn bundle_claims_its_units_and_the_family_promotion_takes_the_rest() {
    let s = shop();
    let t = s.price(vec![units("PLANE", 1), units("LIPO-A", 2), serial("CHG", "SN-1")], Segment::Retail);
    assert_eq!(promo_amount(&t.lines[0], "P3"), m(2600));
    assert_eq!(promo_amount(&t.lines[1], "P3"), m(259));
    assert_eq!(promo_amount(&t.lines[2], "P3"), m(621));
    assert_eq!(
        promo_amount(&t.lines[1], "P1"),
        m(372),
        "15 % of the second LiPo, eco-participation excluded"
    );
    assert_eq!(t.gross, m(35870));
    assert_eq!(t.total, m(32018));
    assert_eq!(t.vat.rates.len(), 1);
    assert_eq!((t.vat.base, t.vat.vat), (m(26682), m(5336)));
    assert_eq!(t.eco, m(62));
}

#[test]
fn fixed_price_only_lowers() {
    let s = shop();
    let t = s.price(vec![units("GLUE", 3)], Segment::Retail);
    assert_eq!(t.total, m(1470));
}

#[test]
fn kit_price_is_split_across_its_components_vat_rates() {
    let s = shop();
    let t = s.price(vec![units("KIT", 1)], Segment::Retail);
    let parts: Vec<(Decimal, Money)> = t.lines[0].vat.iter().map(|v| (v.rate, v.amount)).collect();
    assert_eq!(parts, vec![(Decimal::from(20), m(2354)), (Decimal::new(55, 1), m(1136))]);
    assert_eq!(t.vat.rates[0].vat, m(392));
    assert_eq!(t.vat.rates[1].vat, m(59));
    assert_eq!(t.total, m(3490));
    let moves = s.catalogue.stock_moves(&sku("KIT"), pos_core::money::Quantity::units(2));
    assert_eq!(
        moves.iter().map(|(s, q)| (s.as_str(), q.to_string())).collect::<Vec<_>>(),
        vec![("GLUE", "2".to_string()), ("PROP-A", "4".to_string()), ("MAG", "2".to_string())]
    );
}

#[test]
fn club_price_then_basket_threshold() {
    let s = shop();
    let t = s.price(vec![units("PLANE", 1)], Segment::Club);
    assert_eq!(t.lines[0].unit_price, m(23900));
    assert_eq!(t.basket_discounts.len(), 1);
    assert_eq!(t.total, m(22900));
    let retail = s.price(vec![units("PLANE", 1)], Segment::Retail);
    assert_eq!(retail.total, m(24900), "the threshold promotion is for club members only");
}

#[test]
fn pro_tickets_are_tax_excluded_and_vat_is_added_per_rate() {
    let s = shop();
    let t = s.price(vec![units("PLANE", 2), units("LIPO-A", 1)], Segment::Pro);
    assert_eq!(t.basis, PriceBasis::TaxExcluded);
    assert_eq!(t.lines[0].unit_price, m(20750));
    // The pro list price 18.00 HT, then -15 % on what is above the eco-participation (0.08 HT).
    assert_eq!(t.lines[1].unit_price, m(1800));
    assert_eq!(promo_amount(&t.lines[1], "P1"), m(269));
    assert_eq!(t.vat.base, m(41500 + 1800 - 269));
    assert_eq!(t.vat.vat, m(8606));
    assert_eq!(t.total, t.vat.base + t.vat.vat);
}

#[test]
fn weighed_and_price_labels_are_priced_from_the_scan() {
    let s = shop();
    let code = |payload: &str| format!("{payload}{}", gtin_check_digit(payload).unwrap());
    let scan = s.catalogue.scan(&code("210012300455")).unwrap();
    assert_eq!(scan.product.sku, sku("BALSA"));
    assert_eq!(scan.measure, ScanMeasure::Weight(Weight::grams(455)));
    let t =
        s.price(vec![LineItem::Weighed { sku: sku("BALSA"), weight: Weight::grams(455) }], Segment::Retail);
    assert_eq!(t.total, m(819));
    let scan = s.catalogue.scan(&code("220012300990")).unwrap();
    assert_eq!(scan.measure, ScanMeasure::Price(m(990)));
    assert!(matches!(s.catalogue.scan(&code("210099900455")), Err(ScanError::UnknownPlu { .. })));
    assert!(matches!(s.catalogue.scan("3760000000012"), Err(ScanError::Invalid(_))));
}

#[test]
fn gift_cards_are_outside_vat_and_earn_no_points() {
    let s = shop();
    let t = s.price(
        vec![
            LineItem::GiftCard { sku: sku("GIFT"), card: "GC-1".into(), amount: m(5000) },
            units("PROP-A", 1),
        ],
        Segment::Retail,
    );
    assert_eq!(t.total, m(5390));
    assert_eq!(t.out_of_scope, m(5000));
    assert_eq!(t.vat.total, m(390));
    let rules =
        LoyaltyRules { points_per_euro: BTreeMap::from([(Tier::Gold, Decimal::from(2))]), point_value: m(5) };
    assert_eq!(rules.points_earned(Tier::Gold, &t, &[Tender { kind: TenderKind::Card, amount: m(5390) }]), 6);
    let e = settle(
        t.total,
        t.out_of_scope,
        &[Tender { kind: TenderKind::GiftCard { card: "OLD".into() }, amount: m(5390) }],
        m(5),
    );
    assert!(e.is_err(), "a gift card cannot pay for a gift card");
}

#[test]
fn manual_discounts_need_a_reason_and_never_touch_eco_participation() {
    let s = shop();
    let mut basket = Basket {
        lines: vec![BasketLine {
            id: 1,
            item: serial("CHG", "SN-9"),
            discount: Some(ManualDiscount {
                reason: "boîte abîmée".into(),
                kind: DiscountKind::Percent(Decimal::ONE_HUNDRED),
            }),
        }],
        discount: None,
    };
    let t = price(&basket, &ctx(Segment::Retail), &s.rules()).unwrap();
    assert_eq!(t.total, m(42), "a 100 % discount leaves the eco-participation");
    basket.lines[0].discount =
        Some(ManualDiscount { reason: " ".into(), kind: DiscountKind::Amount(m(100)) });
    let e = price(&basket, &ctx(Segment::Retail), &s.rules()).unwrap_err();
    assert!(e.to_string().contains("needs a reason"), "{e}");
}

#[test]
fn lines_that_do_not_suit_the_product_are_refused_with_the_line_number() {
    let s = shop();
    let e = s.try_price(vec![units("PROP-A", 1), units("CHG", 1)], Segment::Retail).unwrap_err();
    assert_eq!(e.to_string(), "line 2: CHG is serial-tracked: scan or key in its serial number");
    let e = s.try_price(vec![units("BALSA", 1)], Segment::Retail).unwrap_err();
    assert!(e.to_string().contains("sold by weight"));
    let e = s.try_price(vec![units("NOPE", 1)], Segment::Retail).unwrap_err();
    assert_eq!(e, PricingError::UnknownSku { line: 1, sku: sku("NOPE") });
    let e = s.try_price(vec![units("PROP-A", 0)], Segment::Retail).unwrap_err();
    assert!(e.to_string().contains("between 1 and 9999"));
}

#[test]
fn a_partial_return_refunds_its_share_at_the_original_rate() {
    let s = shop();
    let sale = s.price(vec![units("LIPO-A", 3)], Segment::Retail);
    let sold = sale.lines[0].as_sold("T-0001", sale.basis);
    let ret = s.price(vec![LineItem::Return { sold: sold.clone(), units: 1, before: 0 }], Segment::Retail);
    assert_eq!(sale.total, m(6354));
    assert_eq!(ret.total, m(-2118));
    let e = s.try_price(vec![LineItem::Return { sold, units: 4, before: 0 }], Segment::Retail).unwrap_err();
    assert!(e.to_string().contains("4 unit(s) returned, 0 before, but 3 sold"), "{e}");
}

proptest! {
    /// A line brought back a few units at a time refunds, in all, exactly what was paid for it: each
    /// return refunds the share of all units back so far less the share already refunded.
    #[test]
    fn returns_one_at_a_time_never_refund_more_than_was_paid(
        quantity in 1u32..9,
        steps in prop::collection::vec(1u32..4, 1..9),
    ) {
        let s = shop();
        let sale = s.price(vec![units("LIPO-A", quantity)], Segment::Retail);
        let sold = sale.lines[0].as_sold("T-0001", sale.basis);
        let (mut before, mut refunded) = (0u32, Money::ZERO);
        for step in steps {
            let units = step.min(quantity - before);
            if units == 0 {
                break;
            }
            let ret = s.price(vec![LineItem::Return { sold: sold.clone(), units, before }], Segment::Retail);
            refunded += ret.total;
            before += units;
        }
        prop_assert!(-refunded <= sale.total);
        if before == quantity {
            prop_assert_eq!(-refunded, sale.total);
        }
    }
}

#[test]
fn compatibility_is_queryable_both_ways() {
    let s = shop();
    let acc: Vec<&str> = s.catalogue.accessories_for(&sku("PLANE")).iter().map(|p| p.sku.as_str()).collect();
    assert_eq!(acc, vec!["LIPO-A", "PROP-A", "PROP-B"]);
    let fits: Vec<&str> = s.catalogue.fits(&sku("LIPO-A")).iter().map(|p| p.sku.as_str()).collect();
    assert_eq!(fits, vec!["PLANE"]);
}

#[test]
fn a_kit_that_contains_itself_is_refused() {
    let s = shop();
    let products = s.catalogue.products().to_vec();
    let families = s.catalogue.families().cloned().collect();
    let e = Catalogue::new(
        families,
        products,
        vec![(sku("KIT"), KitComponent { sku: sku("KIT"), quantity: 1 })],
        vec![],
        vec![],
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "kit KIT: contains itself");
}

// ---------------------------------------------------------------- properties

fn any_item() -> impl Strategy<Value = (LineItem, Option<ManualDiscount>)> {
    let unit_skus = prop::sample::select(vec![
        "PROP-A", "PROP-B", "LIPO-A", "PLANE", "MAG", "GLUE", "KIT", "PRESS", "BOOK",
    ]);
    let item = prop_oneof![
        6 => (unit_skus, 1u32..5).prop_map(|(s, q)| units(s, q)),
        2 => (0u32..50).prop_map(|n| serial("CHG", &format!("SN-{n}"))),
        1 => (1i64..3000).prop_map(|g| LineItem::Weighed { sku: sku("BALSA"), weight: Weight::grams(g) }),
        1 => (1i64..20000).prop_map(|c| LineItem::GiftCard { sku: sku("GIFT"), card: format!("GC-{c}"), amount: m(c) }),
    ];
    let discount = prop_oneof![
        4 => Just(None),
        1 => (1i64..=100).prop_map(|p| Some(ManualDiscount { reason: "geste".into(), kind: DiscountKind::Percent(Decimal::from(p)) })),
        1 => (1i64..5000).prop_map(|c| Some(ManualDiscount { reason: "geste".into(), kind: DiscountKind::Amount(m(c)) })),
    ];
    (item, discount).prop_map(|(item, d)| match item {
        LineItem::GiftCard { .. } => (item, None),
        other => (other, d),
    })
}

/// Lines with their manual discounts, the basket discount, and the customer's segment.
type Drawn = (Vec<(LineItem, Option<ManualDiscount>)>, Option<ManualDiscount>, Segment);

fn any_basket() -> impl Strategy<Value = Drawn> {
    (
        // One serial number per unit: a number drawn twice gets the line's place after it.
        prop::collection::vec(any_item(), 1..30).prop_map(|lines| {
            lines
                .into_iter()
                .enumerate()
                .map(|(i, (item, d))| match item {
                    LineItem::Units { sku, quantity, serial: Some(s) } => {
                        (LineItem::Units { sku, quantity, serial: Some(format!("{s}-{i}")) }, d)
                    }
                    other => (other, d),
                })
                .collect::<Vec<_>>()
        }),
        prop_oneof![3 => Just(None), 1 => (1i64..30).prop_map(|p| Some(ManualDiscount { reason: "fidèle".into(), kind: DiscountKind::Percent(Decimal::from(p)) }))],
        prop::sample::select(vec![Segment::Retail, Segment::Club, Segment::Pro]),
    )
}

fn build(lines: &[(LineItem, Option<ManualDiscount>)], discount: &Option<ManualDiscount>) -> Basket {
    Basket {
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (item, d))| BasketLine { id: i as u32 + 1, item: item.clone(), discount: d.clone() })
            .collect(),
        discount: discount.clone(),
    }
}

fn check_adds_up(t: &PricedTicket) -> Result<(), TestCaseError> {
    let net: Money = t.lines.iter().map(|l| l.net).sum();
    for r in &t.vat.rates {
        prop_assert_eq!(r.base + r.vat, r.total);
    }
    prop_assert_eq!(t.vat.base + t.vat.vat, t.vat.total);
    prop_assert_eq!(t.vat.total + t.out_of_scope, t.total);
    match t.basis {
        PriceBasis::TaxIncluded => prop_assert_eq!(net, t.total),
        PriceBasis::TaxExcluded => prop_assert_eq!(net, t.vat.base + t.out_of_scope),
    }
    prop_assert_eq!(t.gross - t.discounts, net);
    for l in &t.lines {
        prop_assert_eq!(l.net.round(), l.net, "line {} is not to the cent", l.id);
        if !l.vat.is_empty() {
            prop_assert_eq!(l.vat.iter().map(|v| v.amount).sum::<Money>(), l.net);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn totals_and_vat_always_add_up((lines, discount, segment) in any_basket()) {
        let s = shop();
        let t = price(&build(&lines, &discount), &ctx(segment), &s.rules()).unwrap();
        check_adds_up(&t)?;
    }

    #[test]
    fn no_line_goes_below_its_eco_participation_or_above_its_price((lines, discount, segment) in any_basket()) {
        let s = shop();
        let t = price(&build(&lines, &discount), &ctx(segment), &s.rules()).unwrap();
        for l in &t.lines {
            prop_assert!(l.net >= l.eco, "line {} net {} below eco {}", l.id, l.net, l.eco);
            prop_assert!(!l.eco.is_negative());
            prop_assert!(l.net <= l.gross);
        }
    }

    #[test]
    fn scan_order_does_not_change_the_ticket(
        (lines, discount, segment) in any_basket(),
        seed in any::<u64>(),
    ) {
        let s = shop();
        let a = price(&build(&lines, &discount), &ctx(segment), &s.rules()).unwrap();
        let mut shuffled = lines.clone();
        // A deterministic shuffle driven by the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let b = price(&build(&shuffled, &discount), &ctx(segment), &s.rules()).unwrap();
        prop_assert_eq!(a.total, b.total);
        prop_assert_eq!(&a.vat, &b.vat);
        prop_assert_eq!(a.discounts, b.discounts);
        let bag = |t: &PricedTicket| {
            let mut v: Vec<(String, Money, Option<String>)> = t.lines.iter().map(|l| (l.sku.to_string(), l.net, l.reference.clone())).collect();
            v.sort();
            v
        };
        prop_assert_eq!(bag(&a), bag(&b));
    }

    #[test]
    fn returning_everything_reverses_the_ticket_exactly((lines, discount, segment) in any_basket()) {
        let s = shop();
        let sale = price(&build(&lines, &discount), &ctx(segment), &s.rules()).unwrap();
        let returns: Vec<(LineItem, Option<ManualDiscount>)> = sale
            .lines
            .iter()
            .filter(|l| !l.vat.is_empty())
            .map(|l| {
                let sold = l.as_sold("T-1", sale.basis);
                let units = sold.units;
                (LineItem::Return { sold, units, before: 0 }, None)
            })
            .collect();
        prop_assume!(!returns.is_empty());
        let back = price(&build(&returns, &None), &ctx(segment), &s.rules()).unwrap();
        check_adds_up(&back)?;
        prop_assert_eq!(&back.vat, &sale.vat.negated());
        prop_assert_eq!(back.total, -(sale.total - sale.out_of_scope));
        let rules = LoyaltyRules { points_per_euro: BTreeMap::from([(Tier::Silver, Decimal::new(15, 1))]), point_value: m(5) };
        let paid = |t: &PricedTicket| vec![Tender { kind: TenderKind::Card, amount: t.total }];
        let goods_sale = rules.points_earned(Tier::Silver, &sale, &paid(&sale));
        let gift_free = sale.out_of_scope.is_zero();
        if gift_free {
            prop_assert_eq!(rules.points_earned(Tier::Silver, &back, &paid(&back)), -goods_sale);
        }
    }

    #[test]
    fn allocation_always_adds_up(total in -1_000_000i64..1_000_000, weights in prop::collection::vec(0i64..100_000, 1..20)) {
        let w: Vec<Money> = weights.iter().map(|&c| m(c)).collect();
        let parts = allocate(m(total), &w);
        prop_assert_eq!(parts.iter().copied().sum::<Money>(), m(total));
        prop_assert_eq!(parts.len(), w.len());
    }

    #[test]
    fn a_valid_gtin_is_accepted_and_any_single_digit_change_refused(payload in "[013-9][0-9]{11}", pos in 0usize..13, delta in 1u8..10) {
        let code = format!("{payload}{}", gtin_check_digit(&payload).unwrap());
        prop_assert!(Gtin::parse(&code).is_ok());
        let mut bytes = code.into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        prop_assert!(Gtin::parse(std::str::from_utf8(&bytes).unwrap()).is_err());
    }
}

#[path = "core/demo.rs"]
mod demo;
#[path = "core/escrow.rs"]
mod escrow;
