//! `cargo xtask demo`: a club customer's basket at the Lyon store during the December promotions,
//! priced by `pos-core` and printed as the 42-column receipt reads.
//!
//! The demo chain's promotion calendar covers November and December 2026, so the demo sells on
//! Saturday 5 December 2026 whatever today's date is: the same receipt on every machine.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use pos_core::barcode::gtin_check_digit;
use pos_core::basket::{Basket, BasketLine, LineItem, Measure, PricedTicket, SaleContext, price};
use pos_core::catalogue::ScanMeasure;
use pos_core::chain::Chain;
use pos_core::load::load_chain;
use pos_core::tender::{Tender, TenderKind, settle};

const WIDTH: usize = 42;

/// Loads the chain from `dir` and prints the demo receipt.
pub fn run(dir: &Path) -> Result<()> {
    let chain = load_chain(|name| {
        std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
    })?;
    let receipt = demo_receipt(&chain)?;
    print!("{receipt}");
    Ok(())
}

/// What the cashier scans, in order: barcodes as printed on the items, and one scale label.
fn scans(chain: &Chain) -> Result<Vec<(String, Option<&'static str>)>> {
    let barcode = |sku: &str| -> Result<String> {
        let p = chain
            .catalogue
            .product_by_code(sku)
            .with_context(|| format!("{sku} is missing from the demo chain"))?;
        Ok(p.barcodes.first().with_context(|| format!("{sku} has no barcode"))?.to_string())
    };
    // The scale prints prefix 21, PLU 00123, 455 g.
    let payload = "210012300455";
    let label = format!("{payload}{}", gtin_check_digit(payload).expect("digits"));
    Ok(vec![
        (barcode("PLN-CUB-1200")?, None),
        (barcode("LIPO-3S-2200")?, None),
        (barcode("PROP-1060")?, None),
        (barcode("LIPO-3S-2200")?, None),
        (barcode("CHG-B6-NEO")?, Some("B6N-2612-00417")),
        (barcode("PROP-1060")?, None),
        (barcode("MAG-RCM-2612")?, None),
        (barcode("PROP-1047")?, None),
        (barcode("GLUE-CYANO-20")?, None),
        (label, None),
        (barcode("SRV-9G")?, None),
        (barcode("SRV-9G")?, None),
    ])
}

/// Builds the basket from the scans, the way a till merges repeated scans of one item.
fn basket(chain: &Chain) -> Result<Basket> {
    let mut lines: Vec<BasketLine> = Vec::new();
    for (code, serial) in scans(chain)? {
        let scan = chain.catalogue.scan(&code).map_err(|e| anyhow!("scan {code}: {e}"))?;
        let sku = scan.product.sku.clone();
        let item = match scan.measure {
            ScanMeasure::Weight(weight) => LineItem::Weighed { sku, weight },
            ScanMeasure::Price(price) => LineItem::PricedLabel { sku, price },
            ScanMeasure::One => {
                if serial.is_none()
                    && let Some(LineItem::Units { quantity, .. }) = lines
                        .iter_mut()
                        .map(|l| &mut l.item)
                        .find(|i| matches!(i, LineItem::Units { sku: s, serial: None, .. } if *s == sku))
                {
                    *quantity += 1;
                    continue;
                }
                LineItem::Units { sku, quantity: 1, serial: serial.map(str::to_owned) }
            }
        };
        let id = u32::try_from(lines.len() + 1)?;
        lines.push(BasketLine { id, item, discount: None });
    }
    Ok(Basket { lines, discount: None })
}

/// The whole demo as text: the receipt, then what the till's screen suggests.
pub fn demo_receipt(chain: &Chain) -> Result<String> {
    let date = NaiveDate::from_ymd_opt(2026, 12, 5).expect("valid date");
    let store = chain.location("LYO").context("no LYO store in the demo chain")?;
    let customer = chain.customer("C00042").context("no customer C00042 in the demo chain")?;
    let ctx = SaleContext { date, location: store.code.clone(), segment: customer.segment };
    let basket = basket(chain)?;
    let ticket = price(&basket, &ctx, &chain.rules())?;
    let points_spent = 200;
    let by_points = chain.loyalty.value_of(points_spent);
    let tenders = vec![
        Tender { kind: TenderKind::Loyalty { points: points_spent }, amount: by_points },
        Tender { kind: TenderKind::Card, amount: ticket.total - by_points },
    ];
    let settlement = settle(ticket.total, ticket.out_of_scope, &tenders, chain.loyalty.point_value)?;
    let earned = chain.loyalty.points_earned(customer.tier, &ticket, &tenders);

    let mut out = String::new();
    center(&mut out, &chain.name);
    center(&mut out, &format!("{} - {}", store.name, store.city));
    center(&mut out, &format!("SIRET {}", store.siret));
    center(&mut out, &format!("{}  (demo day)", date.format("%d/%m/%Y")));
    rule(&mut out);
    print_lines(&mut out, &ticket);
    for d in &ticket.basket_discounts {
        pair(&mut out, &describe(&d.source), &format!("-{}", d.amount));
    }
    rule(&mut out);
    let articles: u32 = ticket
        .lines
        .iter()
        .map(|l| match l.measure {
            Measure::Units(n) => n,
            _ => 1,
        })
        .sum();
    pair(&mut out, &format!("{articles} ARTICLES, {} LIGNES", ticket.lines.len()), "");
    pair(&mut out, "TOTAL TTC EUR", &ticket.total.to_string());
    pair(&mut out, "  dont remises", &format!("-{}", ticket.discounts));
    pair(&mut out, "  dont éco-participation", &ticket.eco.to_string());
    rule(&mut out);
    let _ = writeln!(out, "TVA    taux        HT       TVA       TTC");
    for r in &ticket.vat.rates {
        let rate = format!("{}%", r.rate.normalize());
        let _ = writeln!(out, "      {rate:>5} {:>9} {:>9} {:>9}", r.base, r.vat, r.total);
    }
    let (b, v, t) = (ticket.vat.base, ticket.vat.vat, ticket.vat.total);
    let _ = writeln!(out, "      total {b:>9} {v:>9} {t:>9}");
    rule(&mut out);
    for t in &tenders {
        let name = match &t.kind {
            TenderKind::Cash => "ESPECES".to_owned(),
            TenderKind::Card => "CARTE BANCAIRE".to_owned(),
            TenderKind::GiftCard { card } => format!("CARTE CADEAU {card}"),
            TenderKind::StoreCredit { note } => format!("AVOIR {note}"),
            TenderKind::Loyalty { points } => format!("FIDELITE {points} pts"),
        };
        pair(&mut out, &name, &t.amount.to_string());
    }
    pair(&mut out, "RENDU", &settlement.change.to_string());
    rule(&mut out);
    pair(&mut out, &format!("Client {} ({:?})", customer.name, customer.tier), "");
    let balance = i64::from(customer.points) - i64::from(points_spent) + earned;
    pair(&mut out, "  points gagnés", &format!("+{earned}"));
    pair(&mut out, "  nouveau solde", &balance.to_string());
    rule(&mut out);
    center(&mut out, "Merci de votre visite !");
    let _ = writeln!(out);
    if let Some(plane) = chain.catalogue.product_by_code("PLN-CUB-1200") {
        let _ = writeln!(out, "Till screen, cross-sell for {}:", plane.name_fr);
        let in_basket: Vec<&str> = ticket.lines.iter().map(|l| l.sku.as_str()).collect();
        for acc in chain
            .catalogue
            .accessories_for(&plane.sku)
            .into_iter()
            .filter(|a| !in_basket.contains(&a.sku.as_str()))
            .take(5)
        {
            let _ = writeln!(out, "  {:<30} {:>9}", acc.name_fr, acc.price_ttc);
        }
    }
    Ok(out)
}

fn print_lines(out: &mut String, ticket: &PricedTicket) {
    for l in &ticket.lines {
        let _ = writeln!(out, "{}", truncate(&l.name, WIDTH));
        let detail = match &l.measure {
            Measure::Units(1) => String::new(),
            Measure::Units(n) => format!("{n} x {}", l.unit_price),
            Measure::Weight(w) => format!("{w} x {}/kg", l.unit_price),
            Measure::Label => String::new(),
            Measure::Returned(n) => format!("retour {n} x {}", l.unit_price),
        };
        pair(out, &format!("  {detail}"), &l.gross.to_string());
        if let Some(r) = &l.reference {
            let _ = writeln!(out, "  n° série {r}");
        }
        if !l.eco.is_zero() {
            pair(out, "  dont éco-participation", &l.eco.to_string());
        }
        for d in &l.discounts {
            pair(out, &format!("  {}", describe(&d.source)), &format!("-{}", d.amount));
        }
    }
}

fn describe(source: &pos_core::basket::DiscountSource) -> String {
    match source {
        pos_core::basket::DiscountSource::Promotion { name, .. } => name.to_string(),
        pos_core::basket::DiscountSource::Manual { reason } => format!("Remise: {reason}"),
    }
}

fn truncate(s: &str, width: usize) -> String {
    s.chars().take(width).collect()
}

fn center(out: &mut String, s: &str) {
    let s = truncate(s, WIDTH);
    let pad = (WIDTH - s.chars().count()) / 2;
    let _ = writeln!(out, "{}{s}", " ".repeat(pad));
}

fn rule(out: &mut String) {
    let _ = writeln!(out, "{}", "-".repeat(WIDTH));
}

/// A label on the left, an amount on the right, within the receipt's width.
fn pair(out: &mut String, left: &str, right: &str) {
    let room = WIDTH.saturating_sub(right.chars().count() + 1);
    let left = truncate(left, room);
    let pad = WIDTH - left.chars().count() - right.chars().count();
    let _ = writeln!(out, "{left}{}{right}", " ".repeat(pad));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt() -> String {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo");
        let chain = load_chain(|name| std::fs::read(dir.join(name)).map_err(|e| e.to_string())).unwrap();
        demo_receipt(&chain).unwrap()
    }

    #[test]
    fn the_demo_receipt_reads_the_priced_basket() {
        let r = receipt();
        let has = |left: &str, right: &str| {
            let pad = WIDTH - left.chars().count() - right.chars().count();
            let line = format!("{left}{}{right}", " ".repeat(pad));
            assert!(r.lines().any(|l| l == line), "no line `{line}` in\n{r}");
        };
        // 386.99 of goods; line promotions 33.20; then P007, 5 % of 353.17 (353.79 less 0.62 of eco).
        has("TOTAL TTC EUR", "336.13");
        has("  dont remises", "-50.86");
        has("Noël : -5 % dès 300 €", "-17.66");
        has("  0.455 kg x 18.00/kg", "8.19");
        has("FIDELITE 200 pts", "10.00");
        has("CARTE BANCAIRE", "326.13");
        // Gold earns 2 points per whole euro paid otherwise than in points: 326 × 2.
        has("  points gagnés", "+652");
        has("  nouveau solde", "1692");
    }

    #[test]
    fn every_receipt_line_fits_the_paper() {
        for line in receipt().lines().take_while(|l| !l.starts_with("Till screen")) {
            assert!(line.chars().count() <= WIDTH, "`{line}` is wider than {WIDTH} columns");
        }
    }
}
