//! pos-ledger's benchmarks, each beside a floor measured in the same run (`cargo xtask bench`):
//!
//! - the FEC of 1,000,000 lines written to a file (budget 10 s), against writing the same bytes
//!   from memory to a file;
//! - a month of 10,000 bank lines matched against a year of takings (five tills' card days,
//!   weekly deposits, supplier invoices; budget 5 s), against indexing the same open items.

#![allow(clippy::float_arithmetic)] // ratios of timings for display, never money

use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate};
use pos_ledger::bank::BankLine;
use pos_ledger::chart::Chart;
use pos_ledger::entry::{Analytic, Entry, Line};
use pos_ledger::fec;
use pos_ledger::matching::{self, OpenItem};

fn median(samples: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn chart() -> Chart {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo");
    Chart::parse(|f| std::fs::read_to_string(dir.join(f)).map_err(|e| e.to_string()))
        .expect("the demo's chart")
}

fn entries(lines: usize) -> Vec<Entry> {
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day");
    let line = |account: &str, debit: i64, credit: i64| Line {
        account: account.into(),
        aux: String::new(),
        label: String::new(),
        debit,
        credit,
        analytic: Analytic::default(),
    };
    (0..lines / 4)
        .map(|i| {
            let date = start + Days::days((i / 700) as i64);
            let ttc = 1_000 + (i as i64 * 37) % 50_000;
            let vat = ttc / 6;
            Entry {
                journal: "VE".into(),
                number: i as u64 + 1,
                date,
                piece: format!("LYO-1-T{i:06}"),
                piece_date: date,
                label: format!("Ticket LYO-1-T{i:06}"),
                valid: date,
                source: format!("till:LYO-1:{i}"),
                lines: vec![
                    line("511200", ttc - 500, 0),
                    line("530000", 500, 0),
                    line("707110", 0, ttc - vat),
                    line("445711", 0, vat),
                ],
            }
        })
        .collect()
}

fn main() {
    let only = std::env::var("POS_BENCH_ONLY").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only == name;
    let dir = std::env::temp_dir().join(format!("pos-ledger-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let chart = chart();
    println!("{:<52} {:>12} {:>12} {:>8} {:>10}", "benchmark", "median", "floor", "ratio", "budget");
    if wanted("fec") {
        let es = entries(1_000_000);
        let path = dir.join("837419621FEC20261231.txt");
        let mut bytes = Vec::new();
        fec::write(&mut bytes, &chart, &es, &Default::default()).expect("in memory");
        let t = median(3, || {
            let mut out = BufWriter::new(std::fs::File::create(&path).expect("the FEC file"));
            let n = fec::write(&mut out, &chart, &es, &Default::default()).expect("written");
            out.flush().expect("flushed");
            assert_eq!(n, 1_000_000);
        });
        let floor = median(3, || {
            let mut out = BufWriter::new(std::fs::File::create(&path).expect("the file"));
            out.write_all(&bytes).expect("written");
            out.flush().expect("flushed");
        });
        row("FEC export, 1,000,000 lines", t, "the same bytes from memory", floor, Duration::from_secs(10));
    }
    if wanted("matching") {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a day");
        let tills: Vec<String> = chart.terminals().iter().map(|t| t.till.clone()).collect();
        let mut open = Vec::new();
        for day in 0..365 {
            let date = start + Days::days(day);
            for (k, till) in tills.iter().enumerate() {
                open.push(OpenItem::CardDay {
                    till: till.clone(),
                    day: date,
                    gross: 100_000 + day * 13 + k as i64,
                });
            }
            if day % 7 == 0 {
                for till in &tills {
                    open.push(OpenItem::Deposit {
                        slip: format!("RM-{till}-{day}"),
                        day: date,
                        amount: 50_000 + day,
                    });
                }
            }
            open.push(OpenItem::Invoice {
                supplier: "FRS-1".into(),
                reference: format!("FA-{day}"),
                day: date,
                amount: 10_000 + day,
            });
        }
        // December's 10,000 lines: the card settlements, deposits and payments, and unrelated lines.
        let mut lines = Vec::new();
        for day in 334..365 {
            let date = start + Days::days(day + 1);
            for (k, t) in chart.terminals().iter().enumerate() {
                let gross = 100_000 + day * 13 + k as i64;
                let fee = matching::commission(&[gross], t.rate_bps).expect("a fee");
                lines.push(bank_line(
                    format!("c{day}{k}"),
                    date,
                    gross - fee,
                    format!("REMISE CB {}", t.contract),
                ));
            }
            lines.push(bank_line(format!("i{day}"), date, -(10_000 + day), format!("VIR FRS-1 FA-{day}")));
        }
        let mut i = 0;
        while lines.len() < 10_000 {
            let date = start + Days::days(334 + (i % 31));
            lines.push(bank_line(format!("u{i}"), date, -(1_000 + i * 7), format!("PRLV SEPA DIVERS {i}")));
            i += 1;
        }
        let t = median(5, || {
            let out = matching::run(&lines, &open, chart.terminals()).expect("matched");
            assert!(out.matched.len() >= 31 * 6);
        });
        let floor = median(5, || {
            let index: std::collections::HashMap<String, &OpenItem> =
                open.iter().map(|o| (o.key(), o)).collect();
            let hits = lines.iter().filter(|l| index.contains_key(&l.label)).count();
            std::hint::black_box(hits);
        });
        row(
            "bank matching, 10,000 lines vs a year of takings",
            t,
            "indexing the open items",
            floor,
            Duration::from_secs(5),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn bank_line(id: String, booked: NaiveDate, amount: i64, label: String) -> BankLine {
    BankLine {
        id,
        booked,
        value: booked,
        amount,
        label,
        reference: String::new(),
        counterparty: String::new(),
    }
}

fn row(name: &str, t: Duration, floor_name: &str, floor: Duration, budget: Duration) {
    println!(
        "{name:<52} {:>10.1}ms {:>10.1}ms {:>7.1}x {:>9.0}ms  (floor: {floor_name}){}",
        t.as_secs_f64() * 1e3,
        floor.as_secs_f64() * 1e3,
        t.as_secs_f64() / floor.as_secs_f64().max(1e-9),
        budget.as_secs_f64() * 1e3,
        if t > budget { "  OVER BUDGET" } else { "" }
    );
}
