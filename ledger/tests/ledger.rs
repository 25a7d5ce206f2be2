//! pos-ledger's tests: the demo chain's accounting configuration, postings that balance and tie
//! out, the stock's weighted average cost, the FEC against the DGFiP's structural rules, every
//! public sample bank file read or refused with its reason, and the matching rules.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use pos_journal::body::{
    Basis, Entry as Record, LineMeasure, TenderLine, TenderMethod, Ticket, TicketLine, VatLine,
};
use pos_ledger::bank::{self, BankLine, Format};
use pos_ledger::chart::Chart;
use pos_ledger::matching::{self, OpenItem, Rule};
use pos_ledger::post::{self, OfficeFlow, Origin};
use pos_ledger::valuation::Valuation;
use pos_ledger::{Entry, fec, report};
use proptest::prelude::*;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo")
}

fn chart() -> Chart {
    Chart::parse(|f| std::fs::read_to_string(demo().join(f)).map_err(|e| e.to_string())).unwrap()
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/bank/samples").join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn line(id: u32, sku: &str, family: &str, qty: i64, net: i64, rate: &str, vat: i64) -> TicketLine {
    TicketLine {
        id,
        sku: sku.into(),
        name: sku.into(),
        family: family.into(),
        measure: if qty < 0 { LineMeasure::Returned } else { LineMeasure::Units },
        quantity: qty,
        reference: String::new(),
        unit_price: net / qty.max(1),
        gross: net,
        eco: 0,
        discounts: Vec::new(),
        basket_share: 0,
        net,
        vat: vec![("normal".into(), rate.into(), vat)],
        gift_card: false,
        returned_after: 0,
    }
}

fn ticket(
    lines: Vec<TicketLine>,
    vat: Vec<VatLine>,
    tenders: Vec<(TenderMethod, i64)>,
    change: i64,
) -> Ticket {
    let total = vat.iter().map(|v| v.total).sum();
    let stock_moves = lines.iter().map(|l| (l.sku.clone(), l.quantity.to_string())).collect();
    Ticket {
        reference: "LYO-1-T000042".into(),
        day: "2026-11-03".into(),
        operator: "S001".into(),
        customer: "C00001".into(),
        basis: Basis::TaxIncluded,
        lines,
        basket_discounts: Vec::new(),
        gross: total,
        discounts: 0,
        eco: 0,
        vat,
        out_of_scope: 0,
        total,
        tenders: tenders
            .into_iter()
            .map(|(kind, cents)| TenderLine { kind, reference: String::new(), cents, points: 0 })
            .collect(),
        change,
        points_earned: 120,
        credit_notes: Vec::new(),
        approvals: Vec::new(),
        voids: String::new(),
        stock_moves,
        balances: Vec::new(),
        points_balance: None,
        training_from: 0,
    }
}

const LYO: Origin<'static> = Origin { store: "LYO", till: "LYO-1", seq: 42, at: "2026-11-03T10:00:00+01:00" };

fn net(entries: &[Entry], account: &str) -> i64 {
    entries.iter().flat_map(|e| &e.lines).filter(|l| l.account == account).map(|l| l.credit - l.debit).sum()
}

#[test]
fn the_demo_chains_configuration_reads_and_a_wrong_row_is_refused_with_its_line() {
    let c = chart();
    assert_eq!(c.revenue("LIPO").unwrap(), "707110");
    assert_eq!(c.terminals().len(), 5);
    assert_eq!(c.point_value(), 5_000, "0.05 euro a point: 50 euros a thousand points");
    let broken = Chart::parse(|f| {
        let text = std::fs::read_to_string(demo().join(f)).map_err(|e| e.to_string())?;
        Ok(if f.ends_with("mapping.csv") { text.replace("bank,,512000", "bank,,512999") } else { text })
    })
    .unwrap_err();
    assert!(
        broken.to_string().contains("mapping.csv, line") && broken.to_string().contains("512999"),
        "{broken}"
    );
}

#[test]
fn a_ticket_posts_balanced_revenue_by_family_vat_by_rate_tenders_and_its_cost() {
    let c = chart();
    let mut val = Valuation::default();
    val.receive("LIPO-3S-2200", 10_000, 10_000).unwrap(); // 10 at 10.00
    val.receive("LIPO-3S-2200", 10_000, 14_000).unwrap(); // 10 at 14.00: average 12.00
    val.receive("MAG-1", 5_000, 1_500).unwrap();
    let t = ticket(
        vec![
            line(1, "LIPO-3S-2200", "LIPO", 2, 4_980, "20", 830),
            line(2, "MAG-1", "MAG", 1, 690, "2.1", 14),
        ],
        vec![
            VatLine { rate: "20".into(), base: 4_150, vat: 830, total: 4_980 },
            VatLine { rate: "2.1".into(), base: 676, vat: 14, total: 690 },
        ],
        vec![(TenderMethod::Card, 3_000), (TenderMethod::Cash, 3_000)],
        330,
    );
    let entries = post::record(&c, &mut val, LYO, &Record::Ticket(t), d("2026-11-04")).unwrap();
    assert_eq!(entries.len(), 2, "the sale and its cost");
    for e in &entries {
        e.check().unwrap();
    }
    assert_eq!(entries[0].journal, "VE");
    assert_eq!(entries[1].journal, "ST");
    assert_eq!(net(&entries, "707110"), 4_150);
    assert_eq!(net(&entries, "707118"), 676);
    assert_eq!(net(&entries, "445711"), 830);
    assert_eq!(net(&entries, "445714"), 14);
    assert_eq!(net(&entries, "511200"), -3_000);
    assert_eq!(net(&entries, "530000"), -2_670, "cash net of the change");
    assert_eq!(net(&entries, "419800"), 600, "120 points at 0.05 provisioned");
    // Two LiPo at the average of 12.00 and a magazine at 3.00.
    assert_eq!(net(&entries, "603700"), -(2_400 + 300));
    assert_eq!(net(&entries, "370000"), 2_700);
    assert_eq!(val.get("LIPO-3S-2200").qty, 18_000);
    assert_eq!(val.get("LIPO-3S-2200").value, 21_600);
    let lipo = entries[0].lines.iter().find(|l| l.account == "707110").unwrap();
    assert_eq!((lipo.analytic.store.as_str(), lipo.analytic.family.as_str()), ("LYO", "LIPO"));
}

#[test]
fn a_return_comes_back_at_the_average_and_a_deposit_goes_to_transit() {
    let c = chart();
    let mut val = Valuation::default();
    val.receive("SRV-9", 4_000, 8_000).unwrap();
    let t = ticket(
        vec![line(1, "SRV-9", "SERVO", -1, -1_200, "20", -200)],
        vec![VatLine { rate: "20".into(), base: -1_000, vat: -200, total: -1_200 }],
        vec![(TenderMethod::StoreCredit, -1_200)],
        0,
    );
    let entries = post::record(&c, &mut val, LYO, &Record::Ticket(t), d("2026-11-04")).unwrap();
    assert_eq!(net(&entries, "707109"), -1_000);
    assert_eq!(net(&entries, "419110"), 1_200, "a credit note issued");
    assert_eq!(net(&entries, "603700"), 2_000, "back into stock at 20.00");
    assert_eq!(val.get("SRV-9").qty, 5_000);
    let deposit = Record::CashOut {
        cents: 50_000,
        reason: "remise".into(),
        by: "S001".into(),
        approved_by: None,
        slip: "RM-1".into(),
    };
    let e = post::record(&c, &mut val, LYO, &deposit, d("2026-11-04")).unwrap();
    assert_eq!(net(&e, "580000"), -50_000);
    assert_eq!(net(&e, "530000"), 50_000);
    assert_eq!(e[0].lines.iter().find(|l| l.account == "580000").unwrap().aux, "RM-1");
}

proptest! {
    /// Whatever the lines and rates, a ticket's entry balances and its revenue and VAT are the
    /// ticket's per rate, to the cent.
    #[test]
    fn a_ticket_always_balances_and_ties_out(lines in prop::collection::vec((1i64..100_000, 0usize..3, -1i64..4), 1..12)) {
        let c = chart();
        let rates = [("20", 2_000i64), ("10", 1_000), ("5.5", 550)];
        let mut ls = Vec::new();
        let mut per_rate = std::collections::BTreeMap::new();
        for (i, (cents, r, q)) in lines.iter().enumerate() {
            let q = if *q == 0 { 1 } else { *q };
            let net = cents * q.signum();
            let (rate, bps) = rates[*r];
            let vat = pos_ledger::mul_div(net, bps, 10_000 + bps).unwrap();
            let e: &mut (i64, i64) = per_rate.entry(rate).or_default();
            e.0 += net;
            ls.push(line(i as u32 + 1, &format!("SKU-{i}"), "PROP", q, net, rate, vat));
        }
        let vat: Vec<VatLine> = per_rate.iter().map(|(rate, (total, _))| {
            let bps = rates.iter().find(|r| r.0 == *rate).unwrap().1;
            let v = pos_ledger::mul_div(*total, bps, 10_000 + bps).unwrap();
            VatLine { rate: rate.to_string(), base: total - v, vat: v, total: *total }
        }).collect();
        let total: i64 = vat.iter().map(|v| v.total).sum();
        let t = ticket(ls, vat.clone(), vec![(TenderMethod::Card, total)], 0);
        let entries = post::record(&c, &mut Valuation::default(), LYO, &Record::Ticket(t), d("2026-11-03")).unwrap();
        for e in &entries { e.check().unwrap(); }
        prop_assert_eq!(net(&entries, "471000"), 0, "nothing left to analyse");
        let tied = report::till_day(&c, &entries, "LYO-1", d("2026-11-03")).unwrap();
        for v in vat {
            prop_assert_eq!(tied.get(&v.rate).copied().unwrap_or_default(), (v.base, v.vat));
        }
    }
}

#[test]
fn a_z_ties_out_against_its_tickets_or_says_where_it_does_not() {
    let c = chart();
    let t = ticket(
        vec![line(1, "LIPO-3S-2200", "LIPO", 2, 4_980, "20", 830)],
        vec![VatLine { rate: "20".into(), base: 4_150, vat: 830, total: 4_980 }],
        vec![(TenderMethod::Card, 4_980)],
        0,
    );
    let entries =
        post::record(&c, &mut Valuation::default(), LYO, &Record::Ticket(t), d("2026-11-04")).unwrap();
    let mut z = pos_journal::body::Closure {
        period: pos_journal::body::ClosurePeriod::Day,
        key: "2026-11-03".into(),
        totals: Default::default(),
        grand_total: 4_980,
        grand_total_abs: 4_980,
        tickets_from: 42,
        tickets_to: 42,
        includes: Vec::new(),
        cash_expected: 0,
        automatic: false,
        by: "S006".into(),
    };
    z.totals.vat.insert("20".into(), VatLine { rate: "20".into(), base: 4_150, vat: 830, total: 4_980 });
    assert_eq!(report::z_tie_out(&c, &entries, "LYO-1", &z).unwrap(), Vec::<String>::new());
    z.totals.vat.insert("20".into(), VatLine { rate: "20".into(), base: 4_151, vat: 829, total: 4_980 });
    let said = report::z_tie_out(&c, &entries, "LYO-1", &z).unwrap();
    assert_eq!(said, vec!["at 20 %: the Z says base 4151 VAT 829, the books 4150 and 830".to_owned()]);
    // A Z of other tickets finds none of these.
    z.tickets_from = 43;
    z.tickets_to = 50;
    assert!(report::z_tie_out(&c, &entries, "LYO-1", &z).unwrap()[0].contains("the books 0 and 0"));
}

fn some_entries() -> Vec<Entry> {
    let c = chart();
    let mut val = Valuation::default();
    let mut out = post::office(
        &c,
        &mut val,
        &OfficeFlow::Opening { date: d("2026-01-01"), balances: vec![("512000".into(), 1_000_000)] },
        "office:opening",
        d("2026-01-01"),
    )
    .unwrap();
    let receipt = OfficeFlow::Receipt {
        reference: "BL-2026-0001".into(),
        supplier: "FRS-VOLTMAX".into(),
        location: "WHS".into(),
        date: d("2026-01-05"),
        lines: vec![("LIPO-3S-2200".into(), "LIPO".into(), 20_000, 24_000, "20".into())],
    };
    out.extend(post::office(&c, &mut val, &receipt, "office:receipt:BL-2026-0001", d("2026-01-05")).unwrap());
    let mut numbers = std::collections::BTreeMap::<String, u64>::new();
    for e in &mut out {
        let n = numbers.entry(e.journal.clone()).or_insert(0);
        *n += 1;
        e.number = *n;
    }
    out
}

#[test]
fn the_fec_has_the_dgfip_columns_amounts_with_a_comma_and_passes_the_structural_rules() {
    let c = chart();
    let mut entries = some_entries();
    fec::sort(&mut entries, "AN");
    let mut out = Vec::new();
    let n = fec::write(&mut out, &c, &entries, &Default::default()).unwrap();
    let checked = fec::check(&out, "AN").unwrap();
    assert_eq!(checked.lines, n);
    assert_eq!(fec::file_name("837419621", d("2026-12-31")), "837419621FEC20261231.txt");
    let text: String = out.iter().map(|&b| b as char).collect();
    assert!(text.starts_with("JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\t"));
    assert!(text.contains("\t240,00\t0,00\t"), "{text}");
    assert!(text.contains("\t48,00\t"), "VAT deductible at 20 %");
    // Each rule bites.
    let unbalanced = text.replacen("\t240,00\t0,00\t", "\t240,01\t0,00\t", 1);
    assert!(fec::check(&latin(&unbalanced), "AN").unwrap_err().contains("not balanced"));
    let dotted = text.replacen("240,00", "240.00", 1);
    assert!(fec::check(&latin(&dotted), "AN").unwrap_err().contains("not an amount"));
    let gap = text.replace("\nAC\tAchats\t1\t", "\nAC\tAchats\t2\t");
    assert!(fec::check(&latin(&gap), "AN").unwrap_err().contains("not continuous"));
    let no_label = text.replacen("Soldes d'ouverture", "", 1).replacen("À-nouveau", "", 2);
    assert!(fec::check(&latin(&no_label), "AN").is_err());
    let mut reversed = entries.clone();
    reversed.reverse();
    let mut out2 = Vec::new();
    fec::write(&mut out2, &c, &reversed, &Default::default()).unwrap();
    assert!(fec::check(&out2, "AN").unwrap_err().contains("order"));
    assert_eq!(fec::amount(-5), "-0,05");
    assert_eq!(fec::amount(123_456), "1234,56");
}

fn latin(s: &str) -> Vec<u8> {
    s.chars().map(|c| c as u32 as u8).collect()
}

#[test]
fn every_public_sample_bank_file_is_read_or_refused_with_its_reason() {
    // The CAMT.053 sample's entries do not lead from its opening balance to its closing one.
    let err = bank::read(&sample("oca-test-camt053.xml")).unwrap_err();
    assert_eq!(err.format, "camt.053");
    assert!(err.to_string().contains("15568.27") && err.to_string().contains("15121.12"), "{err}");
    let camt054 = bank::read(&sample("oca-test-camt054.xml")).unwrap();
    assert_eq!(camt054[0].format, Format::Camt054);
    assert_eq!(camt054[0].account, "NL77ABNA0574908765");
    assert!(!camt054[0].lines.is_empty());
    assert_eq!(camt054[0].lines[0].amount, 500);
    assert_eq!(camt054[0].lines[0].booked, d("2022-01-26"));
    let ofx = bank::read(&sample("oca-test_ofx.ofx")).unwrap();
    assert_eq!(ofx.len(), 2, "a bank statement and a card statement");
    assert_eq!(ofx[0].currency, "USD");
    assert_eq!(
        ofx[0].lines.iter().map(|l| l.amount).collect::<Vec<_>>(),
        vec![-8_000, -9_000, -10_000, -9_000]
    );
    assert_eq!(ofx[0].lines[0].id, "fitid:219378");
    assert_eq!(ofx[0].closing, Some(215_656));
    let cfonb = bank::read(&sample("pennylane-cfonb-example.txt")).unwrap();
    assert_eq!(cfonb.len(), 2);
    assert_eq!(cfonb[0].opening, Some(-19_040));
    assert_eq!(cfonb[0].lines.iter().map(|l| l.amount).collect::<Vec<_>>(), vec![-3_221, -1_070, -790]);
    assert!(cfonb[0].lines[0].label.contains("MENSUEAUHTR13133"));
    assert_eq!(cfonb[1].closing, Some(-16_372));
    assert_eq!(cfonb[1].lines[0].amount, 9_749);
}

#[test]
fn a_malformed_bank_file_is_refused_with_the_line_that_is_wrong() {
    let cfonb = String::from_utf8(sample("pennylane-cfonb-example.txt")).unwrap();
    let short = cfonb.replacen("PRLV SEPA TEST CABINET ", "PRLV SEPA TEST CABINET", 1);
    let e = bank::read(short.as_bytes()).unwrap_err();
    assert!(e.at == "line 3" && e.what.contains("119 characters"), "{e}");
    let bad_sign = cfonb.replacen("0000000000322J", "0000000000322Z", 1);
    assert_eq!(bank::read(bad_sign.as_bytes()).unwrap_err().at, "line 3");
    let camt = String::from_utf8(sample("oca-test-camt054.xml")).unwrap();
    let e = bank::read(
        camt.replacen(
            "<CdtDbtInd>CRDT</CdtDbtInd>\n        <RvslInd>",
            "<CdtDbtInd>CRDX</CdtDbtInd>\n        <RvslInd>",
            1,
        )
        .as_bytes(),
    )
    .unwrap_err();
    assert!(e.what.contains("CRDX") && e.at.starts_with("line 31"), "{e}");
    let e = bank::read(camt.replacen("</Ntry>", "", 1).as_bytes()).unwrap_err();
    assert!(e.what.contains("XML"), "{e}");
    let ofx = String::from_utf8(sample("oca-test_ofx.ofx")).unwrap();
    let e = bank::read(ofx.replacen("<FITID>219379</FITID>", "", 1).as_bytes()).unwrap_err();
    assert!(e.what.contains("FITID") && e.at == "line 42", "{e}");
    assert!(bank::read(b"hello").unwrap_err().to_string().contains("not a CAMT.053"));
}

fn bank_line(id: &str, booked: &str, amount: i64, label: &str) -> BankLine {
    BankLine {
        id: id.into(),
        booked: d(booked),
        value: d(booked),
        amount,
        label: label.into(),
        reference: String::new(),
        counterparty: String::new(),
    }
}

#[test]
fn settlements_after_a_weekend_deposits_and_supplier_payments_are_matched_and_the_rest_waits() {
    let c = chart();
    let card = |day: &str, gross| OpenItem::CardDay { till: "LYO-1".into(), day: d(day), gross };
    let open = vec![
        card("2026-11-05", 100_000), // Thursday
        card("2026-11-06", 120_000), // Friday
        card("2026-11-07", 150_000), // Saturday
        card("2026-11-08", 80_000),  // Sunday
        OpenItem::Deposit { slip: "RM-LYO-0042".into(), day: d("2026-11-06"), amount: 65_000 },
        OpenItem::Invoice {
            supplier: "FRS-VOLTMAX".into(),
            reference: "FA-778".into(),
            day: d("2026-11-01"),
            amount: 28_800,
        },
        OpenItem::Deposit { slip: "RM-LYO-0043".into(), day: d("2026-11-07"), amount: 41_000 },
    ];
    let fee = |g: i64| pos_ledger::mul_div(g, 90, 10_000).unwrap();
    let lines = vec![
        bank_line("b1", "2026-11-06", 100_000 - fee(100_000), "REMISE CB 2234501 051126"),
        // Monday: Friday, Saturday and Sunday together.
        bank_line(
            "b2",
            "2026-11-09",
            350_000 - fee(120_000) - fee(150_000) - fee(80_000),
            "REMISE CB 2234501",
        ),
        bank_line("b3", "2026-11-09", 65_000, "VERSEMENT ESPECES RM-LYO-0042"),
        bank_line("b4", "2026-11-10", -28_800, "VIR SEPA FRS-VOLTMAX FA-778"),
        bank_line("b5", "2026-11-10", -4_999, "PRLV SEPA EDF"),
        bank_line("b6", "2026-11-10", 40_000, "VERSEMENT ESPECES RM-LYO-0043"),
    ];
    let out = matching::run(&lines, &open, c.terminals()).unwrap();
    let rule = |id: &str| out.matched.iter().find(|m| m.line == id);
    assert_eq!(rule("b1").unwrap().items, vec!["card:LYO-1:2026-11-05"]);
    assert_eq!(rule("b1").unwrap().commission, 900);
    assert_eq!(rule("b2").unwrap().items.len(), 3);
    assert_eq!(rule("b2").unwrap().rule, Rule::CardSettlement);
    assert_eq!(rule("b3").unwrap().rule, Rule::Deposit);
    assert_eq!(rule("b4").unwrap().rule, Rule::SupplierPayment);
    assert!(rule("b5").is_none() && rule("b6").is_none());
    let b6 = out.review.iter().find(|r| r.line == "b6").unwrap();
    assert!(b6.reason.contains("RM-LYO-0043") || b6.reason.contains("deposit:RM-LYO-0043"), "{b6:?}");
    assert_eq!(b6.candidates, vec!["deposit:RM-LYO-0043"]);
    assert_eq!(out.review.len(), 2);
}
