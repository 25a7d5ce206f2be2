//! Receipt layouts: tickets (ORIGINAL or DUPLICATA n, with the fiscal block) and closure reports.

use std::collections::BTreeMap;

use pos_core::catalogue::{Family, FamilyCode};
use pos_core::chain::Location;
use pos_core::money::Money;
use pos_drivers::receipt::{Align, Block, Receipt};
use pos_journal::body::{Closure, ClosurePeriod, LineMeasure, TenderMethod, Ticket};

/// Characters per line of the receipts unless the printer says otherwise (42 or 48).
pub const WIDTH: usize = 42;

/// What a ticket's receipt prints besides the ticket.
pub struct Context<'a> {
    /// Company.
    pub company: &'a str,
    /// SIREN.
    pub siren: &'a str,
    /// The store.
    pub location: Option<&'a Location>,
    /// Till id.
    pub till: &'a str,
    /// Software and version.
    pub software: &'a str,
    /// Journal time of the ticket.
    pub at: &'a str,
    /// The ticket record's signature, hex.
    pub signature: &'a str,
    /// Training mode.
    pub training: bool,
    /// Characters per line of the printer.
    pub width: usize,
}

/// An amount as French receipts print it: `1 249,00 €` (comma, euro sign; no thousands gap, the
/// columns are narrow).
fn eur(cents: i64) -> String {
    format!("{} €", number(cents))
}

/// An amount without its sign: `249,00`.
fn number(cents: i64) -> String {
    Money::from_cents(cents).to_string().replace('.', ",")
}

/// A VAT rate as printed: `20,00 %`, `5,50 %`.
fn rate(rate: &str) -> String {
    rust_decimal::Decimal::from_str_exact(rate)
        .map(|d| format!("{:.2} %", d.round_dp(2)).replace('.', ","))
        .unwrap_or_else(|_| format!("{rate} %"))
}

/// The widths of the VAT table's columns (label, rate, HT, VAT, TTC) on a receipt of `width`
/// characters: 42 on the narrow rolls, the rest spread over the figures on wider ones.
fn vat_columns(width: usize) -> [usize; 5] {
    let mut cols = [7, 8, 10, 8, 9];
    let extra = width.saturating_sub(42);
    for i in 0..extra {
        cols[1 + [1, 2, 3, 0][i % 4]] += 1;
    }
    cols
}

/// One line of the VAT table: the label left, the figures right, in `cols`.
fn vat_row(cols: [usize; 5], cells: [&str; 5]) -> String {
    let mut out = format!("{:<w$}", cells[0], w = cols[0]);
    for i in 1..5 {
        out.push_str(&format!("{:>w$}", cells[i], w = cols[i]));
    }
    out
}

/// `text` on as many lines as the width needs, cut between words (a word longer than a line is
/// cut where the line ends); the lines after the first start with `indent`.
fn wrapped(r: &mut Receipt, text: &str, indent: &str) {
    let width = r.width.max(indent.chars().count() + 1);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while !word.is_empty() {
            let room = if lines.is_empty() { width } else { width - indent.chars().count() };
            let used = current.chars().count();
            let need = if current.is_empty() { word.len() } else { used + 1 + word.len() };
            if need <= room {
                if !current.is_empty() {
                    current.push(' ');
                }
                current.extend(word.drain(..));
            } else if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            } else {
                lines.push(word.drain(..room).collect());
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    for (i, line) in lines.into_iter().enumerate() {
        r.line(if i == 0 { line } else { format!("{indent}{line}") });
    }
}

/// The receipt of a ticket; `duplicate` is the copy number of a reprint. Every block is laid out
/// to the printer's width (42 or 48 characters): nothing is wider, the tables use the room.
pub fn ticket(ctx: &Context<'_>, t: &Ticket, duplicate: Option<u32>) -> Receipt {
    let mut r = Receipt::new(ctx.width);
    r.styled(ctx.company, true, true, Align::Centre);
    if let Some(l) = ctx.location {
        r.styled(&l.name, false, false, Align::Centre);
        r.styled(&l.city, false, false, Align::Centre);
        r.styled(format!("SIRET {}", l.siret), false, false, Align::Centre);
    }
    if ctx.training {
        r.styled("*** FORMATION - SANS VALEUR ***", true, false, Align::Centre);
    }
    r.push(Block::Rule);
    for l in &t.lines {
        wrapped(&mut r, &l.name, "  ");
        let qty = match l.measure {
            LineMeasure::Units => format!("  {} x {}", l.quantity, eur(l.unit_price)),
            LineMeasure::Weight => format!(
                "  {} kg x {} /kg",
                rust_decimal::Decimal::new(l.quantity, 3).to_string().replace('.', ","),
                eur(l.unit_price)
            ),
            LineMeasure::Returned => format!("  RETOUR {} x {}", -l.quantity, l.reference),
            LineMeasure::Label => String::from("  "),
        };
        r.pair(&qty, &eur(l.gross));
        if l.measure == LineMeasure::Units && !l.reference.is_empty() && !l.gift_card {
            r.line(format!("  N° de série {}", l.reference));
        }
        if l.eco > 0 {
            r.pair("  dont éco-participation", &eur(l.eco));
        }
        for (label, amount) in &l.discounts {
            r.pair(&format!("  {label}"), &eur(-amount));
        }
    }
    for (label, amount) in &t.basket_discounts {
        r.pair(label, &eur(-amount));
    }
    r.push(Block::Rule);
    // Double size: half the columns.
    r.styled(format!("TOTAL TTC {:>w$}", eur(t.total), w = ctx.width / 2 - 10), true, true, Align::Left);
    if t.discounts != 0 {
        r.pair("  dont remises", &eur(-t.discounts));
    }
    if t.eco != 0 {
        r.pair("  dont éco-participation", &eur(t.eco));
    }
    let cols = vat_columns(ctx.width);
    r.line(vat_row(cols, ["TVA (€)", "taux", "HT", "TVA", "TTC"]));
    for v in &t.vat {
        r.line(vat_row(cols, ["", &rate(&v.rate), &number(v.base), &number(v.vat), &number(v.total)]));
    }
    if t.out_of_scope != 0 {
        r.pair("Cartes cadeaux (hors TVA)", &eur(t.out_of_scope));
    }
    r.push(Block::Rule);
    for x in &t.tenders {
        let name = match x.kind {
            TenderMethod::Cash => "ESPECES".to_owned(),
            TenderMethod::Card => {
                format!("CARTE BANCAIRE {}", x.reference.split_whitespace().last().unwrap_or(""))
            }
            TenderMethod::GiftCard => format!("CARTE CADEAU {}", x.reference),
            TenderMethod::StoreCredit => format!("AVOIR {}", x.reference),
            TenderMethod::Loyalty => format!("FIDELITE {} pts", x.points),
        };
        r.pair(&name, &eur(x.cents));
    }
    if t.change != 0 {
        r.pair("RENDU", &eur(t.change));
    }
    if !t.customer.is_empty() {
        r.pair(&format!("Client {}", t.customer), &format!("{:+} pts", t.points_earned));
    }
    r.push(Block::Rule);
    let marker = match duplicate {
        None => "ORIGINAL".to_owned(),
        Some(n) => format!("DUPLICATA {n}"),
    };
    r.styled(marker, true, false, Align::Centre);
    r.line(format!("Ticket {}", t.reference));
    r.line(format!("Le {}", ctx.at.get(..19).unwrap_or(ctx.at).replace('T', " à ")));
    wrapped(&mut r, &format!("Caisse {}  Opérateur {}", ctx.till, t.operator), "");
    wrapped(&mut r, &format!("{} ligne(s)  {}", t.lines.len(), ctx.software), "");
    let short = ctx.signature.get(..16).unwrap_or(ctx.signature);
    r.line(format!("Signature {short}"));
    r.line(format!("SIREN {}", ctx.siren));
    r.push(Block::Qr(format!("{}|{short}", t.reference)));
    r.push(Block::Cut);
    // Training never opens the live drawer: no cash of a training ticket goes in or out.
    if t.tenders.iter().any(|x| x.kind == TenderMethod::Cash) && duplicate.is_none() && !ctx.training {
        r.push(Block::Drawer);
    }
    r
}

/// Where the journal stood when a closure was signed: printed on the Z so that the paper anchors the
/// journal (a database cut short or put back to an older copy no longer holds this record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The closure record's chain seq.
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
    /// Its signature, hex.
    pub sig: String,
    /// The fingerprint of the key that signed it.
    pub key: String,
}

impl Anchor {
    /// What the Z's QR code carries: `Z|till|seq|hash|signature`.
    pub fn qr(&self, till: &str) -> String {
        format!("Z|{till}|{}|{}|{}", self.seq, self.hash, self.sig)
    }
}

/// The anchor of the live record `header` names, read from the journal.
pub fn anchor_of(
    conn: &rusqlite::Connection,
    header: &pos_journal::Header,
    ring: &pos_journal::keys::KeyRing,
) -> Result<Anchor, crate::TillError> {
    let (hash, sig): (Vec<u8>, Vec<u8>) = conn.query_row(
        "SELECT hash, sig FROM journal WHERE chain = ?1 AND seq = ?2",
        rusqlite::params![header.chain.as_str(), header.seq],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let key = &ring.keys()[ring.index_at(header.seq)];
    Ok(Anchor {
        seq: header.seq,
        hash: pos_journal::hex(&hash),
        sig: pos_journal::hex(&sig),
        key: key.fingerprint(),
    })
}

/// A closure report (Z, monthly, yearly); `cash` is counted and expected cash for a day; `anchor`
/// the journal's head at the closure (text and QR code); `families` the catalogue's families, to
/// name them (a family no longer in the catalogue keeps its code).
#[allow(clippy::too_many_arguments)]
pub fn closure(
    till: &str,
    at: &str,
    no: u64,
    c: &Closure,
    cash: Option<(i64, i64)>,
    anchor: Option<&Anchor>,
    families: &BTreeMap<FamilyCode, Family>,
    width: usize,
) -> Receipt {
    let mut r = Receipt::new(width);
    let title = match c.period {
        ClosurePeriod::Day => format!("Z N°{no} - {}", french_day(&c.key)),
        ClosurePeriod::Month => format!("CLOTURE MENSUELLE {}", c.key),
        ClosurePeriod::Year => format!("CLOTURE ANNUELLE {}", c.key),
    };
    r.styled(title, true, true, Align::Centre);
    wrapped(&mut r, &format!("Caisse {till}  {}", day_and_time(at)), "");
    if c.automatic {
        r.line("Clôture automatique (comptage à faire)");
    }
    r.push(Block::Rule);
    let t = &c.totals;
    r.pair("Tickets", &t.tickets.to_string());
    r.pair("Ventes", &eur(t.sales));
    r.pair("Remboursements", &eur(-t.refunds));
    r.pair("Retours", &eur(-t.returns));
    r.pair("Remises", &eur(-t.discounts));
    r.pair("Panier moyen", &eur(t.average_basket));
    r.pair("Cartes cadeaux vendues", &eur(t.gift_cards_sold));
    r.pair("TOTAL", &eur(t.total));
    r.push(Block::Rule);
    for (k, v) in &t.tenders {
        r.pair(tender_word(*k), &eur(*v));
    }
    r.push(Block::Rule);
    for v in t.vat.values() {
        r.pair(
            &format!("TVA {}", rate(&v.rate)),
            &format!("HT {:>10}  TVA {:>9}", number(v.base), number(v.vat)),
        );
    }
    r.push(Block::Rule);
    for (f, v) in &t.families {
        let family = families.get(&FamilyCode(f.as_str().into()));
        r.pair(family.map_or(f.as_str(), |x| x.name_fr.as_str()), &eur(*v));
    }
    r.push(Block::Rule);
    if let Some((counted, expected)) = cash {
        r.pair("Espèces attendues", &eur(expected));
        r.pair("Espèces comptées", &eur(counted));
        r.pair("Écart", &eur(counted - expected));
    }
    r.pair("Grand total perpétuel", &eur(c.grand_total));
    r.pair("Grand total absolu", &eur(c.grand_total_abs));
    if let Some(a) = anchor {
        r.push(Block::Rule);
        r.line(format!("Journal : enregistrement n° {}", a.seq));
        let half = a.hash.len() / 2;
        r.line(format!("Empreinte {}", &a.hash[..half]));
        r.line(format!("          {}", &a.hash[half..]));
        r.line(format!("Signature {}", a.sig.get(..16).unwrap_or(&a.sig)));
        r.line(format!("Clé {}", a.key));
        r.push(Block::Qr(a.qr(till)));
    }
    r.push(Block::Cut);
    r
}

/// A tender's name on a closure, as a cashier says it.
fn tender_word(t: TenderMethod) -> &'static str {
    match t {
        TenderMethod::Cash => "Espèces",
        TenderMethod::Card => "Cartes bancaires",
        TenderMethod::GiftCard => "Cartes cadeaux",
        TenderMethod::StoreCredit => "Avoirs",
        TenderMethod::Loyalty => "Points fidélité",
    }
}

/// A day (`2026-12-03`) as the shop reads it: `03/12/2026`.
fn french_day(day: &str) -> String {
    match (day.get(..4), day.get(5..7), day.get(8..10)) {
        (Some(y), Some(m), Some(d)) if day.len() == 10 => format!("{d}/{m}/{y}"),
        _ => day.to_owned(),
    }
}

/// A record's time (`2026-12-03T15:51:40+01:00`) as the shop reads it: `03/12/2026 15:51`.
fn day_and_time(at: &str) -> String {
    match (at.get(..10), at.get(10..11), at.get(11..16)) {
        (Some(day), Some("T"), Some(hm)) => format!("{} {hm}", french_day(day)),
        _ => at.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(r: &Receipt) -> Vec<String> {
        r.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_long_name_wraps_between_words_within_the_width() {
        for width in [42, 48] {
            let mut r = Receipt::new(width);
            wrapped(
                &mut r,
                "Kit avion de voltige électrique Extra 330 SC envergure 1 200 mm ARF avec moteur brushless",
                "  ",
            );
            let lines = texts(&r);
            assert!(lines.len() > 1, "{lines:?}");
            assert!(lines.iter().all(|l| l.chars().count() <= width), "{lines:?}");
            assert!(lines[1..].iter().all(|l| l.starts_with("  ")), "{lines:?}");
            assert_eq!(lines.join(" ").split_whitespace().count(), 16, "no word lost");
        }
        let mut r = Receipt::new(42);
        wrapped(&mut r, &"X".repeat(100), "  ");
        let lines = texts(&r);
        assert_eq!(lines.iter().map(|l| l.trim().len()).sum::<usize>(), 100, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 42), "{lines:?}");
    }

    #[test]
    fn the_vat_table_takes_the_whole_width() {
        for width in [42, 48] {
            let cols = vat_columns(width);
            assert_eq!(cols.iter().sum::<usize>(), width);
            let header = vat_row(cols, ["TVA (€)", "taux", "HT", "TVA", "TTC"]);
            let row = vat_row(cols, ["", "20,00 %", "1 041,67", "208,33", "1 250,00"]);
            assert_eq!((header.chars().count(), row.chars().count()), (width, width));
            // Each figure ends under its heading.
            for heading in ["taux", "HT", "TVA", "TTC"] {
                let end = header.rfind(heading).unwrap() + heading.len();
                let byte_end: usize = header[..end].chars().count();
                assert!(
                    row.chars().nth(byte_end - 1).is_some_and(|c| c != ' '),
                    "{heading}: {header}\n{row}"
                );
            }
        }
        assert_eq!(
            vat_row(vat_columns(42), ["TVA (€)", "taux", "HT", "TVA", "TTC"]),
            "TVA (€)    taux        HT     TVA      TTC"
        );
    }
}
