//! The poster: what the tills pushed and what head office recorded becomes entries in the books.
//! `pos-server serve` runs it every second (a ticket pushed is in the books within seconds); each
//! command that reads the books catches up first. Records are posted in each till's order, head
//! office's flows in theirs, the two merged by the time head office received them (the stock's
//! average cost moves in that order). A flow the books cannot post is kept in `books_problem`
//! with the reason, and the books go on.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use pos_journal::body::Entry as Record;
use pos_ledger::Chart;
use pos_ledger::post::{self, OfficeFlow, Origin};
use pos_ledger::valuation::Valuation;

use crate::storage::books::Posting;
use crate::storage::{Storage, StorageError};

/// Records or flows read per feed per round.
const ROUND: i64 = 2_000;

/// What a catch-up did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caught {
    /// Entries written.
    pub entries: u64,
    /// Records and flows read.
    pub flows: u64,
    /// Flows that could not be posted.
    pub problems: u64,
    /// The books have no configuration yet (nothing posted until the chain's files are imported).
    pub no_chart: bool,
}

/// The chart from the configuration kept in the database (`None` before any import).
pub async fn chart(storage: &Storage) -> Result<Option<Chart>, StorageError> {
    let files = storage.books_config().await?;
    if files.is_empty() {
        return Ok(None);
    }
    Chart::parse(|f| files.get(f).cloned().ok_or_else(|| format!("{f} is not in the imported configuration")))
        .map(Some)
        .map_err(|e| StorageError(format!("the books' configuration: {e}")))
}

enum Flow {
    Record { till: String, store: String, seq: i64, bytes: Vec<u8> },
    Office { id: i64, source: String, flow: String },
}

/// Posts everything not posted yet; `valid` is the validation date of the entries written.
pub async fn catch_up(storage: &Storage, valid: NaiveDate, now_ms: i64) -> Result<Caught, StorageError> {
    let mut caught = Caught::default();
    let Some(chart) = chart(storage).await? else {
        caught.no_chart = true;
        return Ok(caught);
    };
    loop {
        let feeds = storage.books_feeds().await?;
        let cursor = |feed: &str| feeds.cursors.get(feed).copied().unwrap_or(0);
        let mut flows: Vec<(i64, Flow)> = Vec::new();
        // A feed read up to ROUND may have more: nothing received after its last is posted in this
        // round, so that the feeds stay merged in the order head office received them.
        let mut horizon = i64::MAX;
        for till in storage.tills().await? {
            let records =
                storage.live_records_after(&till.till, cursor(&format!("till:{}", till.till)), ROUND).await?;
            if records.len() as i64 == ROUND {
                horizon = horizon.min(records.last().map_or(i64::MAX, |r| r.2));
            }
            for (seq, bytes, at) in records {
                flows.push((
                    at,
                    Flow::Record { till: till.till.clone(), store: till.store.clone(), seq, bytes },
                ));
            }
        }
        let office = storage.office_flows_after(cursor("office"), ROUND).await?;
        if office.len() as i64 == ROUND {
            horizon = horizon.min(office.last().map_or(i64::MAX, |r| r.3));
        }
        for (id, source, flow, at) in office {
            flows.push((at, Flow::Office { id, source, flow }));
        }
        flows.retain(|(at, _)| *at <= horizon);
        if flows.is_empty() {
            return Ok(caught);
        }
        // Stable: each feed keeps its own order.
        flows.sort_by_key(|(at, _)| *at);
        let mut reads = Vec::with_capacity(flows.len());
        let mut skus = BTreeSet::new();
        for (_, f) in &flows {
            let mut read = match f {
                Flow::Record { bytes, .. } => Record::read(bytes)
                    .map(|(h, e)| Read::Record(Box::new(e), h.at))
                    .map_err(|e| e.to_string()),
                Flow::Office { flow, .. } => {
                    serde_json::from_str::<OfficeFlow>(flow).map(Read::Office).map_err(|e| e.to_string())
                }
            };
            // A click & collect order paid online and handed over: its revenue and cost, at the
            // store that handed it over, on the day it did.
            if let (Ok(Read::Record(r, at)), Flow::Record { store, .. }) = (&read, f)
                && let Record::PickupHandedOver { order, paid_online: true, .. } = r.as_ref()
            {
                let date =
                    at.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(valid);
                read = web_sale_lines(storage, order).await?.map(|lines| {
                    Read::Office(OfficeFlow::WebDelivered {
                        order: order.clone(),
                        date,
                        location: store.clone(),
                        lines,
                    })
                });
            }
            if let Ok(r) = &read {
                r.skus(&mut skus);
            }
            reads.push(read);
        }
        let mut valuation = Valuation::new(storage.valuation(skus.into_iter().collect()).await?);
        let mut posting = Posting::default();
        let mut cursors = std::collections::BTreeMap::<String, i64>::new();
        for ((_, f), read) in flows.iter().zip(reads) {
            let (source, feed, last) = match f {
                Flow::Record { till, seq, .. } => {
                    (format!("till:{till}:{seq}"), format!("till:{till}"), *seq)
                }
                Flow::Office { id, source, .. } => (source.clone(), "office".to_owned(), *id),
            };
            cursors.insert(feed, last);
            let posted = read.map_err(|e| format!("does not read: {e}")).and_then(|r| match (r, f) {
                (Read::Record(e, at), Flow::Record { till, store, seq, .. }) => {
                    let origin = Origin { store, till, seq: u64::try_from(*seq).unwrap_or(0), at: &at };
                    post::record(&chart, &mut valuation, origin, &e, valid).map_err(|e| e.to_string())
                }
                (Read::Office(o), Flow::Office { source, .. }) => {
                    post::office(&chart, &mut valuation, &o, source, valid).map_err(|e| e.to_string())
                }
                (Read::Office(o), Flow::Record { .. }) => {
                    post::office(&chart, &mut valuation, &o, &source, valid).map_err(|e| e.to_string())
                }
                _ => Ok(Vec::new()),
            });
            // A day's Z closes the till's day in the books: it must tie out to the cent.
            if let (Ok(entries), Flow::Record { till, bytes, .. }) = (&posted, f)
                && entries.is_empty()
                && let Ok((_, Record::Closure(z))) = Record::read(bytes)
                && z.period == pos_journal::body::ClosurePeriod::Day
                && let Ok(day) = NaiveDate::parse_from_str(&z.key, "%Y-%m-%d")
            {
                let mut held = storage.entries_between(day, day).await?;
                held.extend(posting.entries.iter().filter(|e| e.date == day).cloned());
                match pos_ledger::report::z_tie_out(&chart, &held, till, &z) {
                    Ok(d) if d.is_empty() => tracing::debug!(till, day = z.key, "the Z ties out"),
                    Ok(d) => posting
                        .problems
                        .push((source.clone(), format!("the Z of {till} for {}: {}", z.key, d.join("; ")))),
                    Err(e) => posting.problems.push((source.clone(), e.to_string())),
                }
            }
            match posted {
                Ok(entries) => posting.entries.extend(entries),
                Err(why) => {
                    tracing::error!(source, "the books cannot post it: {why}");
                    posting.problems.push((source, why));
                }
            }
        }
        posting.valuation = valuation.changed().map(|(s, c)| (s.to_owned(), c)).collect();
        posting.cursors = cursors.into_iter().collect();
        let (n, problems) = (posting.entries.len() as u64, posting.problems.len() as u64);
        if storage.write_posting(feeds.version, posting, now_ms).await? {
            caught.entries += n;
            caught.flows += flows.len() as u64;
            caught.problems += problems;
        }
    }
}

enum Read {
    Record(Box<Record>, String),
    Office(OfficeFlow),
}

impl Read {
    /// The items whose cost it may move.
    fn skus(&self, out: &mut BTreeSet<String>) {
        match self {
            Read::Record(r, _) => {
                if let Record::Ticket(t) = r.as_ref() {
                    out.extend(t.stock_moves.iter().map(|(s, _)| s.clone()));
                }
            }
            Read::Office(OfficeFlow::Receipt { lines, .. }) => out.extend(lines.iter().map(|l| l.0.clone())),
            Read::Office(OfficeFlow::StockAdjusted { sku, .. }) => {
                out.insert(sku.clone());
            }
            Read::Office(OfficeFlow::WebDelivered { lines, .. }) => {
                out.extend(lines.iter().map(|l| l.sku.clone()))
            }
            Read::Office(_) => {}
        }
    }
}

/// A supplier's delivery with its invoice, as head office records it: the stock moves (once per
/// reference and item) and the books get the purchase at `unit_cost` cents a unit excluding VAT.
#[allow(clippy::too_many_arguments)]
pub async fn receive(
    storage: &Storage,
    location: &str,
    sku: &str,
    qty: pos_sync::stock::Milli,
    reference: &str,
    supplier: &str,
    unit_cost: i64,
    vat_rate: &str,
    date: NaiveDate,
    now_ms: i64,
) -> Result<Result<crate::storage::stock::Recorded, String>, StorageError> {
    let what = pos_sync::stock::OfficeMove::Receipt {
        location: location.to_owned(),
        reference: reference.to_owned(),
    };
    let done = match storage.office_move(&what, reference, sku, qty, now_ms).await? {
        Ok(done) => done,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let cost = pos_ledger::mul_div(unit_cost, qty.0, 1000).map_err(|e| StorageError(e.to_string()))?;
    let flow = OfficeFlow::Receipt {
        reference: reference.to_owned(),
        supplier: supplier.to_owned(),
        location: location.to_owned(),
        date,
        lines: vec![(sku.to_owned(), String::new(), qty.0, cost, vat_rate.to_owned())],
    };
    storage.queue_office_flow(&format!("office:{reference}:{sku}"), &flow, now_ms).await?;
    Ok(Ok(done))
}

/// A web order's lines valued for the books: each item's family and VAT rate from head office's
/// catalogue, its price tax included, its quantity in thousandths.
pub async fn web_sale_lines(
    storage: &Storage,
    order: &str,
) -> Result<Result<Vec<post::WebSaleLine>, String>, StorageError> {
    let lines = storage.web_order_lines(order).await?;
    let skus = lines.iter().map(|l| l.0.clone()).collect();
    let (header, rows) = storage.catalogue_rows("products.csv", skus).await?;
    let columns: Vec<String> = csv::Reader::from_reader(header.as_bytes())
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let col = |name: &str| columns.iter().position(|c| c == name);
    let (Some(family), Some(rate)) = (col("family"), col("vat_rate")) else {
        return Ok(Err("the catalogue's products.csv has no family or vat_rate column".into()));
    };
    let mut out = Vec::new();
    for (sku, qty, unit) in lines {
        let Some(row) = rows.get(&sku) else {
            return Ok(Err(format!("order {order}: {sku} is not in the catalogue")));
        };
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(row.as_bytes());
        let Some(Ok(rec)) = r.records().next() else {
            return Ok(Err(format!("{sku}'s catalogue row does not read")));
        };
        let (Some(ttc), Some(milli)) = (qty.checked_mul(unit), qty.checked_mul(1000)) else {
            return Ok(Err(format!("order {order}: {qty} x {unit} cents overflows")));
        };
        out.push(post::WebSaleLine {
            sku,
            family: rec.get(family).unwrap_or("").to_owned(),
            rate: rec.get(rate).unwrap_or("").to_owned(),
            ttc,
            qty: milli,
        });
    }
    Ok(Ok(out))
}

/// Queues what a web order just taken posts: paid online, the provider owes it (467 / 4191);
/// delivered, its revenue and cost now (shipped from `warehouse` as it is taken).
pub async fn web_order_taken(
    storage: &Storage,
    order: &pos_sync::web::WebOrder,
    warehouse: &str,
    now_ms: i64,
) -> Result<(), StorageError> {
    let today = chrono::DateTime::from_timestamp_millis(now_ms).map_or(NaiveDate::MIN, |t| t.date_naive());
    let date = order
        .ordered_on
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or(today, |d| d.min(today));
    let delivery = order.fulfilment == pos_sync::web::Fulfilment::Delivery;
    if order.paid_online || delivery {
        let flow = OfficeFlow::WebPaid { order: order.order.clone(), date, total: order.total_cents() };
        storage.queue_office_flow(&format!("office:web:{}:paid", order.order), &flow, now_ms).await?;
    }
    if delivery {
        match web_sale_lines(storage, &order.order).await? {
            Ok(lines) => {
                let flow = OfficeFlow::WebDelivered {
                    order: order.order.clone(),
                    date,
                    location: warehouse.to_owned(),
                    lines,
                };
                storage
                    .queue_office_flow(&format!("office:web:{}:delivered", order.order), &flow, now_ms)
                    .await?;
            }
            Err(why) => tracing::error!(order = order.order, "the books cannot value the order: {why}"),
        }
    }
    Ok(())
}

/// Runs the poster every second until the process ends.
pub async fn run(app: std::sync::Arc<crate::http::App>) {
    let mut said_no_chart = false;
    loop {
        let now = (app.now_ms)();
        let valid = chrono::DateTime::from_timestamp_millis(now).map_or(NaiveDate::MIN, |t| t.date_naive());
        match catch_up(&app.storage, valid, now).await {
            Ok(c) if c.no_chart && !said_no_chart => {
                tracing::warn!(
                    "the books have no chart of accounts yet: `pos-server catalogue import` the chain's files"
                );
                said_no_chart = true;
            }
            Ok(c) if c.entries > 0 => tracing::debug!(entries = c.entries, flows = c.flows, "posted"),
            Ok(_) => {}
            Err(e) => tracing::error!("the books: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
