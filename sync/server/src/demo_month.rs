//! `pos-server demo-month`: a month of the demo chain that goes through the real paths. The
//! chain's files are imported; the server listens on 127.0.0.1 inside the command; five tills
//! (Paris 1 and 2, Lyon 1 and 2, Nantes 1) run the real till engine with a simulated card terminal
//! and printer, each business day (Monday to Saturday) opening, selling, sometimes taking goods
//! back or taking cash to the bank, closing with its Z and pushing by the sync protocol; suppliers
//! deliver at cost at the start and in the middle of the month; the bank's statements of the
//! month are written in CAMT.053, CFONB 120 and OFX and imported, and the bank reconciled.
//!
//! The bank books each till's card takings the next business day net of 0.9 %, each deposit one
//! or two business days after its slip except one that never arrives, each invoice paid ten days
//! after it, and a few lines that belong to nothing in the books (rent, an insurance, a fee, a
//! customer's transfer). What the bank's lines were meant to settle is written beside the files
//! (`bank/truth.json`, by label) so that a test can tell a right match from a wrong one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use pos_drivers::printer::FolderPrinter;
use pos_drivers::terminal::SimTerminal;
use pos_server::http::App;
use pos_sync::stock::Milli;
use pos_till::engine::{Approval, Clock, TenderSpec, Till};

use crate::Data;
use crate::demo_bank::{self, Line};

/// The demo's tills: till, cashier, PIN, manager, PIN (`fixtures/demo/staff.csv`), card contract.
const TILLS: [(&str, u32, &str, &str, &str, &str); 5] = [
    ("PAR", 1, "S002", "1937", "S001", "48213"),
    ("PAR", 2, "S004", "7306", "S001", "48213"),
    ("LYO", 1, "S007", "2468", "S006", "90517"),
    ("LYO", 2, "S009", "3141", "S006", "90517"),
    ("NAN", 1, "S012", "8025", "S011", "60934"),
];

/// splitmix64: the month is the same for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// An item the demo sells: SKU, barcode, family, VAT rate, price TTC (cents).
#[derive(Clone, Debug)]
struct Item {
    sku: String,
    barcode: String,
    family: String,
    rate: String,
    price: i64,
}

fn items(fixtures: &Path) -> anyhow::Result<Vec<Item>> {
    let mut r = csv::Reader::from_path(fixtures.join("products.csv")).context("products.csv")?;
    let mut out = Vec::new();
    for (i, row) in r.records().enumerate() {
        let row = row?;
        let get = |k: usize| row.get(k).unwrap_or("").to_owned();
        let price = get(5).replace('.', "").parse::<i64>().unwrap_or(0);
        if get(7) == "standard"
            && !get(6).is_empty()
            && get(9).is_empty()
            && price > 0
            && price <= 20_000
            && i % 37 == 0
        {
            out.push(Item { sku: get(0), barcode: get(6), family: get(3), rate: get(4), price });
        }
    }
    if out.len() < 10 {
        bail!("{}: too few standard items with a barcode to sell", fixtures.display());
    }
    Ok(out)
}

/// The unit cost excluding VAT a supplier invoices for `item` (`markup` percent of the price
/// excluding VAT).
fn unit_cost(item: &Item, percent: i64) -> anyhow::Result<i64> {
    let bps = pos_ledger::post::rate_of(&item.rate)?;
    let ht = pos_ledger::mul_div(item.price, 10_000, 10_000 + bps)?;
    Ok(pos_ledger::mul_div(ht, percent, 100)?)
}

/// What the month did, for the bank and the summary.
#[derive(Default)]
struct Month {
    /// Card takings per till and day (gross).
    cards: BTreeMap<(String, NaiveDate), i64>,
    /// Deposits: slip, till, day, cents.
    deposits: Vec<(String, String, NaiveDate, i64)>,
    /// Invoices: supplier, reference, day, cents TTC.
    invoices: Vec<(String, String, NaiveDate, i64)>,
    tickets: u64,
}

fn next_business_day(d: NaiveDate) -> NaiveDate {
    let mut n = d + Duration::days(1);
    while matches!(n.weekday(), Weekday::Sat | Weekday::Sun) {
        n += Duration::days(1);
    }
    n
}

/// One item delivered to a store with its invoice.
#[derive(Clone, Debug)]
struct Delivery {
    store: String,
    sku: String,
    supplier: String,
    /// Cents a unit, excluding VAT.
    unit_cost: i64,
    /// Thousandths.
    qty: i64,
    reference: String,
}

/// A delivery of 200 of every item to every store, one invoice per store and family.
fn deliveries(
    items: &[Item],
    m: &mut Month,
    first: NaiveDate,
    day: NaiveDate,
    round: u32,
    percent: i64,
) -> anyhow::Result<Vec<Delivery>> {
    let mut out = Vec::new();
    let families: std::collections::BTreeSet<&str> = items.iter().map(|i| i.family.as_str()).collect();
    for (store, ..) in TILLS.iter().filter(|t| t.1 == 1) {
        for family in &families {
            let supplier = format!("FRS-{family}");
            let reference = format!("FA-{store}-{family}-{}{round}", first.format("%Y%m"));
            let mut ttc = 0i64;
            for item in items.iter().filter(|i| i.family == *family) {
                let unit_cost = unit_cost(item, percent)?;
                let qty = 200_000;
                let line = pos_ledger::mul_div(unit_cost, qty, 1000)?;
                ttc += line + pos_ledger::mul_div(line, pos_ledger::post::rate_of("20")?, 10_000)?;
                out.push(Delivery {
                    store: store.to_string(),
                    sku: item.sku.clone(),
                    supplier: supplier.clone(),
                    unit_cost,
                    qty,
                    reference: reference.clone(),
                });
            }
            m.invoices.push((supplier, reference, day, ttc));
        }
    }
    Ok(out)
}

/// What a till's day did.
struct TillDay {
    /// Card takings, cents.
    cards: i64,
    /// The deposit taken to the bank: slip, cents.
    deposit: Option<(String, i64)>,
    tickets: u64,
}

/// Runs `months` months from `month` into `data` (the tills enrolled once, the bank's statements
/// and their reconciliation month by month).
pub async fn run(
    data: Data,
    month: &str,
    months: u32,
    fixtures: PathBuf,
    per_day: u32,
    seed: u64,
) -> anyhow::Result<()> {
    let start = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .with_context(|| format!("`{month}` is not a month like 2026-11"))?;
    if !(1..=200).contains(&per_day) {
        bail!("{per_day} tickets a day: 1 to 200");
    }
    if !(1..=24).contains(&months) {
        bail!("{months} months: 1 to 24");
    }
    crate::catalogue_command::run(crate::catalogue_command::CatalogueCommand::Import {
        data: Data { data: data.data.clone(), database: data.database.clone() },
        fixtures: fixtures.clone(),
    })
    .await?;
    let storage = crate::open(&data).await?;
    if !storage.tills().await?.is_empty() {
        bail!("{} already has tills: a month is simulated into a fresh data folder", data.data.display());
    }
    let signer = pos_server::keys::load_or_create(&data.data)?;
    let app = Arc::new(App { storage, signer, warehouse: "WHS".into(), now_ms: pos_server::now_ms });
    let listener = pos_server::serve::bind("127.0.0.1:0".parse()?, false).await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(pos_server::serve::run(listener, None, pos_server::http::router(Arc::clone(&app))));
    let storage = &app.storage;
    let items = items(&fixtures)?;
    let mut rng = Rng(seed);
    let tills_dir = data.data.join("demo-tills");
    for (store, number, ..) in TILLS {
        let dir = tills_dir.join(format!("{store}-{number}"));
        let at = chrono::Utc.from_utc_datetime(&start.and_hms_opt(7, 0, 0).context("a time")?);
        Till::init(&dir, store, number, &fixtures, at)?;
        let (code, kept) = pos_server::enrolment::new_code(store, number, pos_server::now_ms() + 3_600_000)?;
        storage.add_enrolment(&kept).await?;
        let (d, u) = (dir.clone(), url.clone());
        tokio::task::spawn_blocking(move || pos_till::sync::enroll(&d, &u, &code, None)).await??;
    }
    let token = {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let token = pos_journal::hex(&bytes);
        storage
            .add_shop_token(pos_journal::sha256(token.as_bytes()), "demo shop", pos_server::now_ms())
            .await?;
        token
    };
    let mut delivered: Vec<serde_json::Value> = Vec::new();
    let mut web = Vec::new();
    let mut first = start;
    for _ in 0..months {
        let last = (first + Duration::days(32)).with_day(1).context("the month's end")? - Duration::days(1);
        let mut m = Month::default();
        // Suppliers deliver to every store: before the month, and again on the 15th at a new cost.
        let mut receipts = Vec::new();
        for (day, round, percent) in [(first - Duration::days(3), 1, 55), (first + Duration::days(14), 2, 60)]
        {
            receipts.push((day, round, deliveries(&items, &mut m, first, day, round, percent)?));
        }
        // What the suppliers delivered, in the order recorded: for whoever checks the books' costs.
        for (day, _, lines) in &receipts {
            for d in lines {
                delivered.push(serde_json::json!({"day": day, "store": d.store, "sku": d.sku, "supplier": d.supplier, "unit_cost": d.unit_cost, "qty": d.qty}));
            }
        }
        let mut received = std::collections::BTreeSet::new();
        let mut day = first;
        while day <= last {
            for (d, round, lines) in receipts.iter().filter(|(d, ..)| *d <= day) {
                if !received.insert(*round) {
                    continue;
                }
                for l in lines {
                    let now = pos_server::now_ms();
                    pos_server::books::receive(
                        storage,
                        &l.store,
                        &l.sku,
                        Milli(l.qty),
                        &l.reference,
                        &l.supplier,
                        l.unit_cost,
                        "20",
                        *d,
                        now,
                    )
                    .await?
                    .map_err(anyhow::Error::msg)?;
                }
            }
            if day.weekday() != Weekday::Sun {
                for order in web_orders(day, &items, &mut rng) {
                    web.push(serde_json::json!({"day": day, "order": order}));
                    let (u, t) = (url.clone(), token.clone());
                    tokio::task::spawn_blocking(move || post_order(&u, &t, &order)).await??;
                }
                for (store, number, staff, pin, manager, mpin) in TILLS {
                    let till = format!("{store}-{number}");
                    let dir = tills_dir.join(&till);
                    let seed = rng.next();
                    let its = items.clone();
                    let (d, t) = (dir.clone(), till.clone());
                    let done = tokio::task::spawn_blocking(move || {
                        till_day(
                            &d,
                            &t,
                            day,
                            staff,
                            pin,
                            Approval { staff: manager.into(), pin: mpin.into() },
                            &its,
                            per_day,
                            seed,
                        )
                    })
                    .await??;
                    m.tickets += done.tickets;
                    if done.cards > 0 {
                        m.cards.insert((till.clone(), day), done.cards);
                    }
                    if let Some((slip, cents)) = done.deposit {
                        m.deposits.push((slip, till.clone(), day, cents));
                    }
                    tokio::task::spawn_blocking(move || pos_till::sync::round(&dir)).await??;
                }
            }
            day += Duration::days(1);
        }
        let caught = pos_server::books::catch_up(
            storage,
            last.max(chrono::Utc::now().date_naive()),
            pos_server::now_ms(),
        )
        .await?;
        println!(
            "{}: {} tickets at five tills, {} web orders so far, {} entries posted",
            first.format("%Y-%m"),
            m.tickets,
            web.len(),
            caught.entries
        );
        bank(&data, &m, first, last).await?;
        first = last + Duration::days(1);
    }
    std::fs::write(data.data.join("receipts.json"), serde_json::to_string_pretty(&delivered)?)?;
    std::fs::write(data.data.join("web-orders.json"), serde_json::to_string_pretty(&web)?)?;
    Ok(())
}

/// The web shop's orders of `day`: a click & collect order paid online for one of the stores
/// (handed over there the next business day) and a delivery from the warehouse.
fn web_orders(day: NaiveDate, items: &[Item], rng: &mut Rng) -> Vec<serde_json::Value> {
    let store = ["PAR", "LYO", "NAN"][day.ordinal() as usize % 3];
    let mut line = || {
        let item = &items[rng.below(items.len() as u64) as usize];
        serde_json::json!({"sku": item.sku, "qty": 1 + rng.below(2), "unit_cents": item.price})
    };
    let customer = serde_json::json!({"name": "Client du site", "email": "client@example.org"});
    let d = day.format("%m%d");
    vec![
        serde_json::json!({"order": format!("W-{d}-C"), "fulfilment": "click_and_collect", "store": store,
            "customer": customer, "lines": [line()], "paid_online": true, "ordered_on": day.to_string()}),
        serde_json::json!({"order": format!("W-{d}-D"), "fulfilment": "delivery",
            "customer": customer, "lines": [line()], "paid_online": true, "ordered_on": day.to_string()}),
    ]
}

/// Sends an order through the web-order API, as the shop does.
fn post_order(url: &str, token: &str, order: &serde_json::Value) -> anyhow::Result<()> {
    // Refused only when a provider is installed already: either way one is.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let r = reqwest::blocking::Client::new()
        .post(format!("{url}{}", pos_sync::wire::WEB_ORDERS))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(order.to_string())
        .send()?;
    if !r.status().is_success() {
        bail!("the web-order API refused {}: {}", order["order"], r.text().unwrap_or_default());
    }
    Ok(())
}

/// One till's business day; returns its card takings, its deposit, its tickets.
#[allow(clippy::too_many_arguments)]
fn till_day(
    dir: &Path,
    till_name: &str,
    day: NaiveDate,
    staff: &str,
    pin: &str,
    manager: Approval,
    items: &[Item],
    per_day: u32,
    seed: u64,
) -> anyhow::Result<TillDay> {
    let mut rng = Rng(seed);
    let open_at = chrono::Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).context("a time")?);
    let terminal = SimTerminal::new(dir.join("terminal-sim.log"));
    let printer = FolderPrinter::new(dir.join("receipts"))?;
    let mut till = Till::open(dir, Clock::Set(open_at), Box::new(printer), Box::new(terminal))?;
    till.login(staff, pin)?;
    till.open_register(15_000, None)?;
    // The store's first till hands over the click & collect orders paid online that reached it.
    if till_name.ends_with("-1") {
        let waiting = till.pickups()?;
        for p in waiting.as_array().into_iter().flatten().filter(|p| p["paid_online"] == true) {
            till.hand_over(p["order"].as_str().unwrap_or(""), None)?;
        }
    }
    let mut cards = 0i64;
    let mut sold: Vec<String> = Vec::new();
    let n = per_day / 2 + rng.below(u64::from(per_day)) as u32 + 1;
    for _ in 0..n {
        if !sold.is_empty() && rng.below(25) == 0 {
            // A customer brings back the first line of an earlier ticket.
            let reference = sold[rng.below(sold.len() as u64) as usize].clone();
            if till.return_lines(&reference, &[(1, 1)]).is_ok() {
                let refund = pos_till::script::cents(till.basket_view()?["total"].as_str().unwrap_or("0"))?;
                till.pay(&[TenderSpec::Cash(refund)], None)?;
                continue;
            }
            till.cancel_basket()?;
        }
        for _ in 0..=rng.below(3) {
            let item = &items[rng.below(items.len() as u64) as usize];
            till.scan(&item.barcode, 1 + rng.below(2) as u32, None, None, None)?;
        }
        let total = pos_till::script::cents(till.basket_view()?["total"].as_str().unwrap_or("0"))?;
        let paid = match rng.below(20) {
            0..=10 => {
                cards += total;
                till.pay(&[TenderSpec::Card(total)], None)?
            }
            11 => {
                let part = total / 2;
                cards += part;
                till.pay(&[TenderSpec::Card(part), TenderSpec::Cash(total - part)], None)?
            }
            _ => till.pay(&[TenderSpec::Cash(total)], None)?,
        };
        if let Some(r) = paid["ticket"].as_str() {
            sold.push(r.to_owned());
        }
    }
    let mut deposit = None;
    let expected = till.state().register.as_ref().context("the register is open")?.expected()?;
    if matches!(day.weekday(), Weekday::Wed | Weekday::Sat) && expected > 15_000 {
        let slip = format!("RM-{till_name}-{}", day.format("%m%d"));
        let cents = expected - 15_000;
        till.cash_to_bank(cents, &slip, Some(&manager))?;
        deposit = Some((slip, cents));
    }
    let expected = till.state().register.as_ref().context("the register is open")?.expected()?;
    let counted =
        BTreeMap::from([("50.00".to_owned(), expected / 5_000), ("0.01".to_owned(), expected % 5_000)]);
    till.close_register(&counted, Some(&manager))?;
    let tickets = sold.len() as u64;
    till.stop()?;
    Ok(TillDay { cards, deposit, tickets })
}

/// The bank's month, written as its files and imported, then reconciled.
async fn bank(data: &Data, m: &Month, first: NaiveDate, last: NaiveDate) -> anyhow::Result<()> {
    let mut lines: Vec<(Line, Vec<String>)> = Vec::new();
    // Card takings: one line per till and settlement day (a weekend's days together).
    let mut settle: BTreeMap<(String, NaiveDate), (i64, Vec<String>)> = BTreeMap::new();
    let contract = |till: &str| match till {
        "PAR-1" => "1234501",
        "PAR-2" => "1234502",
        "LYO-1" => "2234501",
        "LYO-2" => "2234502",
        _ => "3234501",
    };
    for ((till, day), gross) in &m.cards {
        let on = next_business_day(*day);
        let fee = pos_ledger::mul_div(*gross, 90, 10_000)?;
        let e = settle.entry((till.clone(), on)).or_default();
        e.0 += gross - fee;
        e.1.push(format!("card:{till}:{day}"));
    }
    for ((till, on), (net, items)) in settle {
        if on <= last {
            lines.push((
                Line {
                    booked: on,
                    cents: net,
                    label: format!("REMISE CB {} {}", contract(&till), on.format("%d%m%y")),
                    reference: String::new(),
                },
                items,
            ));
        }
    }
    // Deposits, one or two business days later; the month's second one never reaches the bank.
    for (i, (slip, _, day, cents)) in m.deposits.iter().enumerate() {
        let on =
            if i % 2 == 0 { next_business_day(*day) } else { next_business_day(next_business_day(*day)) };
        if i != 1 && on <= last {
            lines.push((
                Line {
                    booked: on,
                    cents: *cents,
                    label: format!("VERSEMENT ESPECES {slip}"),
                    reference: slip.clone(),
                },
                vec![format!("deposit:{slip}")],
            ));
        }
    }
    // Invoices paid ten days after.
    for (supplier, reference, day, ttc) in &m.invoices {
        let on = *day + Duration::days(10);
        if on >= first && on <= last {
            lines.push((
                Line {
                    booked: on,
                    cents: -ttc,
                    label: format!("VIR SEPA {supplier} {reference}"),
                    reference: reference.clone(),
                },
                vec![format!("invoice:{supplier}:{reference}")],
            ));
        }
    }
    // What belongs to nothing in the books.
    for (d, cents, label) in [
        (5, -250_000, "PRLV SEPA LOYER MAGASIN LYON"),
        (12, -8_900, "PRLV SEPA ASSURANCE MULTIRISQUE"),
        (20, -1_250, "FRAIS TENUE DE COMPTE"),
        (22, 12_000, "VIR M DUPONT REGLEMENT"),
    ] {
        let on = first + Duration::days(d);
        lines.push((Line { booked: on, cents, label: label.into(), reference: String::new() }, Vec::new()));
    }
    lines.sort_by_key(|(l, _)| (l.booked, l.label.clone()));
    let dir = data.data.join("bank");
    std::fs::create_dir_all(&dir)?;
    // What each line really is, every month's (the test of a month reads it).
    let mut truth: Vec<serde_json::Value> = match std::fs::read_to_string(dir.join("truth.json")) {
        Ok(t) => serde_json::from_str(&t)?,
        Err(_) => Vec::new(),
    };
    truth.extend(lines.iter().map(|(l, items)| serde_json::json!({"label": l.label, "items": items})));
    std::fs::write(dir.join("truth.json"), serde_json::to_string_pretty(&truth)?)?;
    // Weeks 1-2 in CAMT.053, week 3 in CFONB 120, the rest in OFX.
    let (a, rest): (Vec<_>, Vec<_>) =
        lines.into_iter().map(|(l, _)| l).partition(|l| l.booked < first + Duration::days(14));
    let (b, c): (Vec<_>, Vec<_>) = rest.into_iter().partition(|l| l.booked < first + Duration::days(21));
    let mut balance = 5_000_000i64;
    let month = first.format("%Y-%m");
    let mut files = Vec::new();
    let f = dir.join(format!("releve-{month}-1.xml"));
    std::fs::write(&f, demo_bank::camt053(&format!("DM{}", first.format("%Y%m")), balance, &a))?;
    balance += a.iter().map(|l| l.cents).sum::<i64>();
    files.push(f);
    let f = dir.join(format!("releve-{month}-2.cfonb"));
    std::fs::write(&f, demo_bank::cfonb(balance, &b))?;
    balance += b.iter().map(|l| l.cents).sum::<i64>();
    files.push(f);
    let f = dir.join(format!("releve-{month}-3.ofx"));
    balance += c.iter().map(|l| l.cents).sum::<i64>();
    std::fs::write(&f, demo_bank::ofx(&format!("DM{}", first.format("%Y%m")), balance, &c))?;
    files.push(f);
    for file in files {
        crate::books_command::run(crate::books_command::BooksCommand::ImportBank {
            data: Data { data: data.data.clone(), database: data.database.clone() },
            file,
        })
        .await?;
    }
    crate::books_command::run(crate::books_command::BooksCommand::Reconcile {
        data: Data { data: data.data.clone(), database: data.database.clone() },
    })
    .await
}
