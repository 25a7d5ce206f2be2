//! pos-core's benchmarks, each printed beside a floor measured in the same run.
//!
//! Run through `cargo xtask bench`, which generates the 200,000-item catalogue first and passes its
//! folder in `POS_BENCH_CATALOGUE`. Figures are medians over repeated samples; the ratio says how far
//! each is above the cheapest thing that could do the same job on this machine.

#![allow(clippy::float_arithmetic)] // ratios of timings for display, never money

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use pos_core::basket::{Basket, BasketLine, LineItem, SaleContext, price};
use pos_core::catalogue::ProductKind;
use pos_core::load::{load_catalogue, load_chain};
use pos_core::money::Money;
use pos_core::pricing::Segment;

/// Median time of one call, from `samples` samples of `iterations` calls each.
fn median(samples: usize, iterations: u32, mut f: impl FnMut()) -> Duration {
    for _ in 0..iterations.min(3) {
        f();
    }
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                f();
            }
            start.elapsed() / iterations
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn read(dir: &Path) -> impl FnMut(&str) -> Result<Vec<u8>, String> + '_ {
    move |name| std::fs::read(dir.join(name)).map_err(|e| e.to_string())
}

struct Row {
    name: &'static str,
    median: Duration,
    floor_name: &'static str,
    floor: Duration,
    budget: Duration,
}

fn main() {
    let Some(dir) = std::env::var_os("POS_BENCH_CATALOGUE").map(PathBuf::from) else {
        eprintln!("POS_BENCH_CATALOGUE is not set: run the benchmarks with `cargo xtask bench`");
        std::process::exit(2);
    };
    let mut rows = Vec::new();
    // `POS_BENCH_ONLY=price` (or `load`) runs one benchmark, for profiling.
    let only = std::env::var("POS_BENCH_ONLY").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only == name;

    // Loading the catalogue: files read and every row validated and indexed.
    if wanted("load") {
        let load = median(5, 1, || {
            black_box(load_catalogue(read(&dir)).expect("the generated catalogue loads"));
        });
        // Floor: reading products.csv and splitting it into CSV records, nothing checked.
        let split = median(5, 1, || {
            let bytes = std::fs::read(dir.join("products.csv")).unwrap();
            let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
            let mut record = csv::ByteRecord::new();
            let mut n = 0usize;
            while reader.read_byte_record(&mut record).unwrap() {
                n += record.len();
            }
            black_box(n);
        });
        rows.push(Row {
            name: "load 200,000-item catalogue from CSV",
            median: load,
            floor_name: "read + split products.csv",
            floor: split,
            budget: Duration::from_secs(2),
        });
    }

    // Pricing a 30-line basket at Lyon on the demo day, with the calendar's active promotions.
    let chain = load_chain(read(&dir)).expect("the generated chain loads");
    let ctx = SaleContext {
        date: NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
        location: "LYO".into(),
        segment: Segment::Club,
    };
    let active =
        chain.promotions.iter().filter(|p| p.is_active(ctx.date, &ctx.location, ctx.segment)).count();
    let products = chain.catalogue.products();
    let sellable: Vec<_> = products
        .iter()
        .filter(|p| matches!(p.kind, ProductKind::Standard | ProductKind::Kit))
        .step_by(products.len() / 97 + 1)
        .collect();
    // Half the lines from promoted families and SKUs, so the promotions have work to do.
    let promoted: Vec<_> = ["PROP", "LIPO", "GLUE", "SERVO"]
        .iter()
        .flat_map(|f| {
            products.iter().filter(move |p| &*p.family.0 == *f && p.kind == ProductKind::Standard).take(4)
        })
        .collect();
    let mut lines = Vec::new();
    for (i, p) in promoted.iter().take(15).chain(sellable.iter().take(15)).enumerate() {
        lines.push(BasketLine {
            id: i as u32 + 1,
            item: LineItem::Units { sku: p.sku.clone(), quantity: (i % 3) as u32 + 1, serial: None },
            discount: None,
        });
    }
    let basket = Basket { lines, discount: None };
    let rules = chain.rules();
    let ticket = price(&basket, &ctx, &rules).expect("the bench basket prices");
    let codes: Vec<String> = basket
        .lines
        .iter()
        .map(|l| match &l.item {
            LineItem::Units { sku, .. } => chain.catalogue.product(sku).unwrap().barcodes[0].to_string(),
            _ => unreachable!(),
        })
        .collect();
    let pricing = median(101, 200, || {
        black_box(price(black_box(&basket), &ctx, &rules).unwrap());
    });
    // Floor: looking up the 30 barcodes and summing their shelf prices, the least any till does.
    let lookups = median(101, 200, || {
        let total: Money =
            codes.iter().map(|c| chain.catalogue.scan(black_box(c)).unwrap().product.price_ttc).sum();
        black_box(total);
    });
    rows.push(Row {
        name: "price 30-line basket, promotions active",
        median: pricing,
        floor_name: "30 barcode look-ups + sum",
        floor: lookups,
        budget: Duration::from_micros(50),
    });

    println!();
    println!(
        "catalogue: {} products; basket: {} lines, {} promotions active, {} given, total {}",
        products.len(),
        basket.lines.len(),
        active,
        ticket.lines.iter().map(|l| l.discounts.len()).sum::<usize>() + ticket.basket_discounts.len(),
        ticket.total
    );
    println!();
    println!("| benchmark | median | floor | floor median | ratio | budget | within |");
    println!("|---|---:|---|---:|---:|---:|---|");
    for r in &rows {
        println!(
            "| {} | {:.3?} | {} | {:.3?} | {:.1}x | {:?} | {} |",
            r.name,
            r.median,
            r.floor_name,
            r.floor,
            r.median.as_secs_f64() / r.floor.as_secs_f64(),
            r.budget,
            if r.median <= r.budget { "yes" } else { "NO" }
        );
    }
}
