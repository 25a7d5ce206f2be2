//! The catalogue in the till's database: imported once at `init`, read per basket.
//!
//! The chain's files are checked whole with [`pos_core::load::load_chain`] at `init`; then each product,
//! kit and price-list row is kept as its CSV row, so that the till rebuilds exactly the products of a
//! basket with the domain's own parser ([`pos_core::load::parse_products`]) without loading 200,000
//! items at start. Barcodes, PLUs and a full-text index (FTS5: SKU, names, what the item fits) make
//! scans and searches index look-ups.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use pos_core::barcode::{Gtin, LabelAmount, decode_restricted};
use pos_core::catalogue::{Catalogue, Product, ProductKind, Sku};
use pos_core::load::{Settings, load_chain, load_settings, parse_kits, parse_price_lists, parse_products};
use pos_core::pricing::PriceBook;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::TillError;
use crate::reason::Reason;

/// Files kept whole in `chain_file` (the settings); the others are kept row by row.
pub const SETTINGS_FILES: &[&str] = &[
    "chain.csv",
    "vat_rates.csv",
    "families.csv",
    "barcode_layouts.csv",
    "locations.csv",
    "promotions.csv",
    "staff.csv",
    "customers.csv",
    "loyalty_tiers.csv",
    "quick_keys.csv",
];

/// A file's rows, each with its key column, as canonical CSV lines.
type KeyedRows = Vec<(String, Vec<u8>)>;

/// Reads a fixture folder's file.
pub fn read_fixture(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    std::fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
}

/// Checks the chain in `fixtures` and imports it into the database. Returns the settings.
pub fn import(tx: &Transaction<'_>, fixtures: &Path) -> Result<pos_core::chain::Chain, TillError> {
    let chain = load_chain(|name| read_fixture(fixtures, name)).map_err(|e| {
        TillError::refused(format!("the chain's files are not valid: {e}; fix the file and run init again"))
    })?;
    let read = |name: &str| read_fixture(fixtures, name).map_err(TillError::storage);
    for name in SETTINGS_FILES {
        // A file the chain may not have yet (quick keys) is kept as its header alone.
        let bytes = match read(name) {
            Ok(b) => b,
            Err(e) => pos_sync::catalogue::default_of(name).map(|d| d.as_bytes().to_vec()).ok_or(e)?,
        };
        tx.execute("INSERT INTO chain_file (name, bytes) VALUES (?1, ?2)", params![name, bytes])?;
    }
    let rows = |file: &str, key: &str| -> Result<(Vec<u8>, KeyedRows), TillError> {
        let bytes = read(file)?;
        let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
        let header = reader.byte_headers().map_err(|e| TillError::storage(e.to_string()))?.clone();
        let col = header
            .iter()
            .position(|h| h == key.as_bytes())
            .ok_or_else(|| TillError::storage(format!("{file} has no {key}")))?;
        let mut out = Vec::new();
        for rec in reader.byte_records() {
            let rec = rec.map_err(|e| TillError::storage(e.to_string()))?;
            let k = String::from_utf8_lossy(&rec[col]).into_owned();
            out.push((k, csv_line(&rec)?));
        }
        Ok((csv_line(&header)?, out))
    };
    let (header, products) = rows("products.csv", "sku")?;
    tx.execute("INSERT INTO chain_file (name, bytes) VALUES ('products.header', ?1)", [header])?;
    let by_sku: HashMap<&str, &Product> =
        chain.catalogue.products().iter().map(|p| (p.sku.as_str(), p)).collect();
    {
        let mut ins = tx.prepare("INSERT INTO product (sku, row, plu, name_fr) VALUES (?1, ?2, ?3, ?4)")?;
        let mut code = tx.prepare("INSERT INTO barcode (code, sku) VALUES (?1, ?2)")?;
        let mut fts =
            tx.prepare("INSERT INTO product_search (sku, name_fr, name_en, fits) VALUES (?1, ?2, ?3, ?4)")?;
        for (sku, row) in &products {
            let p = by_sku.get(sku.as_str()).ok_or_else(|| TillError::storage(format!("{sku} vanished")))?;
            let plu = match &p.kind {
                ProductKind::Weighed { plu } => Some(plu.as_str()),
                _ => None,
            };
            ins.execute(params![sku, row, plu, &*p.name_fr])?;
            for b in &p.barcodes {
                code.execute(params![b.as_str(), sku])?;
            }
            let fits: Vec<String> =
                chain.catalogue.fits(&p.sku).iter().map(|f| f.name_fr.to_string()).collect();
            fts.execute(params![sku, &*p.name_fr, p.name_en, fits.join(" ; ")])?;
        }
    }
    for (file, key, table) in [("kits.csv", "kit_sku", "kit_row"), ("price_lists.csv", "sku", "price_row")] {
        let (header, list) = rows(file, key)?;
        tx.execute(
            "INSERT INTO chain_file (name, bytes) VALUES (?1, ?2)",
            params![format!("{file}.header"), header],
        )?;
        let col = if table == "kit_row" { "kit" } else { "sku" };
        let mut ins = tx.prepare(&format!("INSERT INTO {table} ({col}, row) VALUES (?1, ?2)"))?;
        for (k, row) in list {
            ins.execute(params![k, row])?;
        }
    }
    let mut ins = tx.prepare("INSERT INTO fits (sku, fits_sku) VALUES (?1, ?2)")?;
    for p in chain.catalogue.products() {
        for f in chain.catalogue.fits(&p.sku) {
            ins.execute(params![p.sku.as_str(), f.sku.as_str()])?;
        }
    }
    Ok(chain)
}

fn csv_line(rec: &csv::ByteRecord) -> Result<Vec<u8>, TillError> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_byte_record(rec).map_err(|e| TillError::storage(e.to_string()))?;
    w.into_inner().map_err(|e| TillError::storage(e.to_string()))
}

fn chain_file(conn: &Connection, name: &str) -> Result<Vec<u8>, TillError> {
    conn.query_row("SELECT bytes FROM chain_file WHERE name = ?1", [name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            TillError::storage(format!("the database lacks {name}: it was not initialised completely"))
        })
}

/// Loads the settings kept at init.
pub fn settings(conn: &Connection) -> Result<Settings, TillError> {
    load_settings(|name| chain_file(conn, name).map_err(|e| e.to_string()))
        .map_err(|e| TillError::storage(format!("stored chain settings: {e}")))
}

/// What a scanned or typed code designates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scanned {
    /// An ordinary barcode or a SKU typed in.
    Item(Sku),
    /// A scale label: the item and its weight in grams.
    Weighed(Sku, i64),
    /// A label with its price in cents.
    Priced(Sku, i64),
}

/// Resolves a code: a barcode, a GS1 restricted label (prefix 20-29), or a SKU typed in.
pub fn scan(conn: &Connection, settings: &Settings, code: &str) -> Result<Scanned, TillError> {
    let code = code.trim();
    let found: Option<String> = conn
        .prepare_cached("SELECT sku FROM barcode WHERE code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()?;
    if let Some(sku) = found {
        return Ok(Scanned::Item(Sku::parse(&sku).map_err(TillError::storage)?));
    }
    if code.bytes().all(|b| b.is_ascii_digit()) {
        let gtin = Gtin::parse(code).map_err(|e| {
            TillError::Refused(Reason::BadBarcode { barcode: code.to_owned(), message: e.to_string() })
        })?;
        if let Some(label) = decode_restricted(&gtin, &settings.layouts) {
            let sku: Option<String> = conn
                .prepare_cached("SELECT sku FROM product WHERE plu = ?1")?
                .query_row([&label.plu], |r| r.get(0))
                .optional()?;
            let sku = sku.ok_or_else(|| {
                TillError::Refused(Reason::UnknownPlu {
                    barcode: code.to_owned(),
                    plu: label.plu.to_string(),
                })
            })?;
            let sku = Sku::parse(&sku).map_err(TillError::storage)?;
            return Ok(match label.value {
                LabelAmount::Weight(w) => Scanned::Weighed(sku, grams(w)),
                LabelAmount::Price(p) => Scanned::Priced(sku, p.cents()),
            });
        }
        return Err(TillError::Refused(Reason::UnknownBarcode { barcode: code.to_owned() }));
    }
    let upper = code.to_ascii_uppercase();
    let known: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM product WHERE sku = ?1)")?
        .query_row([&upper], |r| r.get(0))?;
    if known {
        return Ok(Scanned::Item(Sku::parse(&upper).map_err(TillError::storage)?));
    }
    Err(TillError::Refused(Reason::UnknownCode { barcode: code.to_owned() }))
}

fn grams(w: pos_core::money::Weight) -> i64 {
    (w.kilograms() * rust_decimal::Decimal::ONE_THOUSAND).round().try_into().unwrap_or(0)
}

/// Products already parsed, with their kit and list prices: a till parses each product's row once per
/// run (building a CSV reader costs more than pricing a basket). The catalogue does not change while a
/// till runs; a catalogue update (sync) starts with an empty cache.
#[derive(Debug, Default)]
pub struct Cache {
    items: HashMap<String, Cached>,
}

#[derive(Debug)]
struct Cached {
    product: Product,
    kit: Vec<(Sku, pos_core::catalogue::KitComponent)>,
    prices: Vec<(pos_core::pricing::Segment, pos_core::pricing::ListPrice)>,
}

/// The catalogue and price lists restricted to `skus`, their kits' components and their variants'
/// models: what pricing a basket needs, from the cache, parsing only what it lacks.
pub fn basket_catalogue(
    conn: &Connection,
    settings: &Settings,
    cache: &mut Cache,
    skus: &BTreeSet<String>,
) -> Result<(Catalogue, PriceBook), TillError> {
    let missing: BTreeSet<String> = skus.iter().filter(|s| !cache.items.contains_key(*s)).cloned().collect();
    if !missing.is_empty() {
        let (cat, book) = parse_rows(conn, settings, &missing)?;
        for p in cat.products() {
            // A component or a model fetched along is cached only if it is not a kit (its own bill
            // of materials was not read).
            if !missing.contains(p.sku.as_str()) && p.kind == ProductKind::Kit {
                continue;
            }
            let kit = cat
                .kit_components(&p.sku)
                .into_iter()
                .map(|(c, quantity)| {
                    (p.sku.clone(), pos_core::catalogue::KitComponent { sku: c.sku.clone(), quantity })
                })
                .collect();
            let prices = [pos_core::pricing::Segment::Pro, pos_core::pricing::Segment::Club]
                .into_iter()
                .filter_map(|seg| book.listed(seg, p).map(|l| (seg, l)))
                .collect();
            cache.items.insert(p.sku.to_string(), Cached { product: p.clone(), kit, prices });
        }
    }
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    let mut kits = Vec::new();
    let mut queue: Vec<String> = skus.iter().cloned().collect();
    while let Some(sku) = queue.pop() {
        if !wanted.insert(sku.clone()) {
            continue;
        }
        let item = cache
            .items
            .get(&sku)
            .ok_or_else(|| TillError::storage(format!("{sku} missing from the cache")))?;
        for (kit, component) in &item.kit {
            kits.push((kit.clone(), component.clone()));
            queue.push(component.sku.to_string());
        }
        if let Some(model) = &item.product.variant_of {
            queue.push(model.to_string());
        }
    }
    let mut book = PriceBook::new();
    let mut products = Vec::with_capacity(wanted.len());
    for sku in &wanted {
        let item = &cache.items[sku];
        for (seg, l) in &item.prices {
            book.set(*seg, item.product.sku.clone(), *l);
        }
        products.push(item.product.clone());
    }
    let catalogue = Catalogue::new(
        settings.families.values().cloned().collect(),
        products,
        kits,
        Vec::new(),
        settings.layouts.clone(),
    )
    .map_err(|e| TillError::storage(e.to_string()))?;
    Ok((catalogue, book))
}

/// Parses the stored rows of `skus`, their kits' components and their variants' models.
fn parse_rows(
    conn: &Connection,
    settings: &Settings,
    skus: &BTreeSet<String>,
) -> Result<(Catalogue, PriceBook), TillError> {
    let mut wanted: BTreeSet<String> = skus.clone();
    let mut kit_rows = chain_file(conn, "kits.csv.header")?;
    let kits_header = kit_rows.len();
    {
        let mut stmt = conn.prepare_cached("SELECT row FROM kit_row WHERE kit = ?1")?;
        for sku in skus {
            let rows: Vec<Vec<u8>> = stmt.query_map([sku], |r| r.get(0))?.collect::<Result<_, _>>()?;
            for row in rows {
                let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&row[..]);
                if let Some(Ok(rec)) = reader.records().next()
                    && let Some(component) = rec.get(1)
                {
                    wanted.insert(component.to_owned());
                }
                kit_rows.extend_from_slice(&row);
            }
        }
    }
    let bad = |e: pos_core::load::LoadError| TillError::storage(format!("stored catalogue: {e}"));
    let header = chain_file(conn, "products.header")?;
    let mut product_rows = header.clone();
    let mut price_rows = chain_file(conn, "price_lists.csv.header")?;
    let prices_header = price_rows.len();
    let mut fetched: BTreeSet<String> = BTreeSet::new();
    let products = loop {
        let mut product = conn.prepare_cached("SELECT row FROM product WHERE sku = ?1")?;
        let mut price = conn.prepare_cached("SELECT row FROM price_row WHERE sku = ?1")?;
        for sku in wanted.difference(&fetched) {
            let row: Vec<u8> = product
                .query_row([sku], |r| r.get(0))
                .optional()?
                .ok_or_else(|| TillError::Refused(Reason::NotInCatalogue { sku: sku.to_string() }))?;
            product_rows.extend_from_slice(&row);
            for row in price.query_map([sku], |r| r.get::<_, Vec<u8>>(0))? {
                price_rows.extend_from_slice(&row?);
            }
        }
        fetched.extend(wanted.iter().cloned());
        let products = parse_products(&product_rows, settings).map_err(bad)?;
        // A variant names its model: the model comes too, or the catalogue would refuse the variant.
        let models: Vec<String> = products
            .iter()
            .filter_map(|p| p.variant_of.as_ref().map(|m| m.to_string()))
            .filter(|m| !fetched.contains(m))
            .collect();
        if models.is_empty() {
            break products;
        }
        wanted.extend(models);
    };
    let catalogue = Catalogue::unlinked(
        settings.families.values().cloned().collect(),
        products,
        settings.layouts.clone(),
    )
    .map_err(|e| TillError::storage(e.to_string()))?;
    // Building a CSV reader costs more than the rows it reads: none for files with no row here.
    let kits = if kit_rows.len() > kits_header {
        parse_kits(&kit_rows, &catalogue).map_err(bad)?
    } else {
        Vec::new()
    };
    let catalogue = catalogue.linked(kits, Vec::new()).map_err(|e| TillError::storage(e.to_string()))?;
    let prices = if price_rows.len() > prices_header {
        parse_price_lists(&price_rows, &catalogue).map_err(bad)?
    } else {
        PriceBook::new()
    };
    Ok((catalogue, prices))
}

/// A product found by a search or suggested.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Found {
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Its stock per location as the till last heard from head office, plus its own sales since
    /// (empty before the first pull, and for suggestions).
    pub stock: Vec<crate::sync::stock::StockAt>,
    /// Its unit price for the basket's customer today, euros (per kilogram when `by_weight`);
    /// none for a gift card or an item without a price (search results only).
    pub price: Option<String>,
    /// Sold by weight: `price` is per kilogram.
    pub by_weight: bool,
}

/// Full-text search on SKU, names and what the item fits, as the cashier types: every word must match,
/// the last one as a prefix. FTS5's ranking is computed over every match (tens of milliseconds for a
/// word like "lipo" in 200,000 items), so the first [`CANDIDATES`] matches are taken unranked and
/// ordered here: words found in the name first, then shorter names.
pub fn search(conn: &Connection, text: &str, limit: usize) -> Result<Vec<Found>, TillError> {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_lowercase).collect();
    let Some((last, first)) = words.split_last() else {
        return Ok(Vec::new());
    };
    let mut query: Vec<String> = first.iter().map(|w| format!("\"{w}\"")).collect();
    query.push(format!("\"{last}\"*"));
    let mut stmt = conn
        .prepare_cached("SELECT sku, name_fr FROM product_search WHERE product_search MATCH ?1 LIMIT ?2")?;
    let rows = stmt.query_map(params![query.join(" AND "), CANDIDATES as i64], |r| {
        Ok(Found { sku: r.get(0)?, name: r.get(1)?, stock: Vec::new(), price: None, by_weight: false })
    })?;
    let mut found: Vec<Found> = rows.collect::<Result<_, _>>()?;
    let score = |f: &Found| {
        let name = f.name.to_lowercase();
        let in_name = words.iter().filter(|w| name.contains(w.as_str())).count();
        (std::cmp::Reverse(in_name), f.name.chars().count(), f.sku.clone())
    };
    found.sort_by_cached_key(score);
    found.truncate(limit);
    Ok(found)
}

/// Matches taken before ordering.
pub const CANDIDATES: usize = 200;

/// Accessories that fit any of `skus` and are not among them, by name.
pub fn accessories(conn: &Connection, skus: &BTreeSet<String>) -> Result<Vec<Found>, TillError> {
    let mut out: Vec<Found> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT p.sku, p.name_fr FROM fits f JOIN product p ON p.sku = f.sku WHERE f.fits_sku = ?1",
    )?;
    for sku in skus {
        for f in stmt.query_map([sku], |r| {
            Ok(Found { sku: r.get(0)?, name: r.get(1)?, stock: Vec::new(), price: None, by_weight: false })
        })? {
            let f = f?;
            if !skus.contains(&f.sku) && !out.iter().any(|o| o.sku == f.sku) {
                out.push(f);
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.sku.cmp(&b.sku)));
    Ok(out)
}
