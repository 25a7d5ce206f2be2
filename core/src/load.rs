//! Loading the chain from its CSV files (format: `fixtures/README.md`).
//!
//! The loader reads no file itself: the caller hands it each file's bytes through a closure, so the
//! domain stays free of I/O and tests can feed it strings. Each file is loaded whole or not at all: the
//! first bad row stops the load with a [`LoadError`] naming the file, the line (the header is line 1),
//! the column and what is wrong.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::barcode::{Gtin, LabelValue, RestrictedLayout};
use crate::catalogue::{
    Attributes, Catalogue, CatalogueError, Family, FamilyCode, KitComponent, Product, ProductKind, Sku,
};
use crate::chain::{Chain, Customer, Location, LocationKind, QuickKey, Role, Staff};

mod promotions;
mod quick_keys;
mod stores;
use crate::loyalty::{LoyaltyRules, Tier};
use crate::money::Money;
use crate::pricing::{BasketReward, ListPrice, PriceBook, Promotion, PromotionRule, Segment, Target};
use crate::vat::{PriceBasis, VatCategory, VatPeriod, VatTable};
use promotions::promotions;
pub use quick_keys::{MAX_KEYS, MAX_LABEL};
use stores::{customers, locations, staff};

/// Where and why a file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The file's name (`products.csv`).
    pub file: String,
    /// The line, 1 being the header; `None` when the problem is the file as a whole.
    pub line: Option<u64>,
    /// The column, when one is at fault.
    pub column: Option<String>,
    /// What is wrong, and what to do when it is not obvious.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, " line {l}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column `{c}`")?;
        }
        write!(f, ": {}; nothing of this file was loaded", self.message)
    }
}

impl std::error::Error for LoadError {}

fn file_error(file: &str, message: impl Into<String>) -> LoadError {
    LoadError { file: file.to_owned(), line: None, column: None, message: message.into() }
}

/// One CSV file, read row by row (a 200,000-row catalogue is never held twice).
struct Table<'b> {
    file: &'static str,
    columns: Vec<(String, usize)>,
    reader: csv::Reader<&'b [u8]>,
    record: csv::StringRecord,
}

/// One row, with what is needed to name a column in an error.
struct Row<'t> {
    file: &'static str,
    columns: &'t [(String, usize)],
    line: u64,
    record: &'t csv::StringRecord,
}

impl<'b> Table<'b> {
    fn open(file: &'static str, bytes: &'b [u8], required: &[&str]) -> Result<Self, LoadError> {
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
        let headers =
            reader.headers().map_err(|e| file_error(file, format!("cannot read the header row: {e}")))?;
        let columns: Vec<(String, usize)> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_owned(), i))
            .collect();
        for c in required {
            if !columns.iter().any(|(name, _)| name == c) {
                return Err(LoadError {
                    file: file.to_owned(),
                    line: Some(1),
                    column: Some((*c).to_owned()),
                    message: format!("the header row has no `{c}` column (see fixtures/README.md)"),
                });
            }
        }
        Ok(Table { file, columns, reader, record: csv::StringRecord::new() })
    }

    /// The next row, or `None` at the end of the file.
    fn next_row(&mut self) -> Result<Option<Row<'_>>, LoadError> {
        match self.reader.read_record(&mut self.record) {
            Ok(true) => Ok(Some(Row {
                file: self.file,
                columns: &self.columns,
                line: self.record.position().map_or(0, |p| p.line()),
                record: &self.record,
            })),
            Ok(false) => Ok(None),
            Err(e) => {
                let line = e.position().map(|p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!(
                            "{len} fields where the header has {expected_len}; a comma inside a field must be quoted"
                        )
                    }
                    csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 text".to_owned(),
                    _ => e.to_string(),
                };
                Err(LoadError { file: self.file.to_owned(), line, column: None, message })
            }
        }
    }
}

impl Row<'_> {
    fn error(&self, column: &str, message: impl Into<String>) -> LoadError {
        LoadError {
            file: self.file.to_owned(),
            line: Some(self.line),
            column: Some(column.to_owned()),
            message: message.into(),
        }
    }

    /// The trimmed text of a column (empty when the column is absent).
    fn text(&self, column: &str) -> &str {
        self.columns
            .iter()
            .find(|(name, _)| name == column)
            .and_then(|&(_, i)| self.record.get(i))
            .map_or("", str::trim)
    }

    fn required(&self, column: &str) -> Result<&str, LoadError> {
        let t = self.text(column);
        if t.is_empty() { Err(self.error(column, "is empty")) } else { Ok(t) }
    }

    fn parse<T>(&self, column: &str, f: impl FnOnce(&str) -> Result<T, String>) -> Result<T, LoadError> {
        let t = self.required(column)?;
        f(t).map_err(|m| self.error(column, m))
    }

    fn optional<T>(
        &self,
        column: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, LoadError> {
        let t = self.text(column);
        if t.is_empty() { Ok(None) } else { f(t).map(Some).map_err(|m| self.error(column, m)) }
    }

    /// Parses a column that may be empty (the parser then gets the empty text).
    fn parse_or_empty<T>(
        &self,
        column: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, LoadError> {
        f(self.text(column)).map_err(|m| self.error(column, m))
    }

    fn list(&self, column: &str) -> impl Iterator<Item = &str> {
        self.text(column).split('|').map(str::trim).filter(|s| !s.is_empty())
    }
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date (expected YYYY-MM-DD)"))
}

fn decimal(s: &str) -> Result<Decimal, String> {
    Decimal::from_str(s).map_err(|_| format!("`{s}` is not a number"))
}

fn amount(s: &str) -> Result<Money, String> {
    let m = Money::from_str(s)?;
    if m.is_negative() {
        return Err(format!("amount {s} is negative"));
    }
    Ok(m)
}

fn whole<T: FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("`{s}` is not a whole number in range"))
}

fn sku(s: &str) -> Result<Sku, String> {
    Sku::parse(s)
}

/// Loads the whole chain. `read` returns a file's bytes by name (`products.csv`) or says why it cannot.
pub fn load_chain(mut read: impl FnMut(&str) -> Result<Vec<u8>, String>) -> Result<Chain, LoadError> {
    let (vat, catalogue) = load_catalogue(&mut read)?;
    let mut get =
        |name: &'static str| read(name).map_err(|e| file_error(name, format!("cannot be read: {e}")));
    let (name, siren, point_value) = chain_facts(&get("chain.csv")?)?;
    let locations = locations(&get("locations.csv")?)?;
    let codes: HashSet<&str> = locations.iter().map(|l| l.code.as_str()).collect();
    let prices = price_lists(&get("price_lists.csv")?, &catalogue)?;
    let promotions = promotions(&get("promotions.csv")?, &catalogue, &codes)?;
    let staff = staff(&get("staff.csv")?, &codes)?;
    let customers = customers(&get("customers.csv")?, &codes)?;
    let loyalty = LoyaltyRules { points_per_euro: loyalty_tiers(&get("loyalty_tiers.csv")?)?, point_value };
    let stores = store_codes(&locations);
    let quick_keys = quick_keys::quick_keys(read("quick_keys.csv").ok().as_deref(), &catalogue, &stores)?;
    Ok(Chain {
        name,
        siren,
        vat,
        catalogue,
        prices,
        promotions,
        loyalty,
        locations,
        staff,
        customers,
        quick_keys,
    })
}

/// What promotions refer to: products and families.
trait Referents {
    fn has_sku(&self, sku: &Sku) -> bool;
    fn has_family(&self, family: &FamilyCode) -> bool;
}

impl Referents for Catalogue {
    fn has_sku(&self, sku: &Sku) -> bool {
        self.product(sku).is_some()
    }
    fn has_family(&self, family: &FamilyCode) -> bool {
        self.family(family).is_some()
    }
}

/// Families only: SKUs are taken as known (a till checked them against the whole catalogue with
/// [`load_chain`] when it was set up, and keeps its products in its database).
struct FamiliesOnly<'a>(&'a BTreeMap<FamilyCode, Family>);

impl Referents for FamiliesOnly<'_> {
    fn has_sku(&self, _: &Sku) -> bool {
        true
    }
    fn has_family(&self, family: &FamilyCode) -> bool {
        self.0.contains_key(family)
    }
}

/// Everything of the chain but its products, kits, compatibility links and price lists: what a till
/// keeps in memory while its products stay in its database.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Company name.
    pub name: String,
    /// SIREN.
    pub siren: String,
    /// VAT rates over time.
    pub vat: VatTable,
    /// Product families by code.
    pub families: BTreeMap<FamilyCode, Family>,
    /// GS1 restricted-circulation layouts.
    pub layouts: Vec<RestrictedLayout>,
    /// Stores, web, warehouse.
    pub locations: Vec<Location>,
    /// The promotion calendar.
    pub promotions: Vec<Promotion>,
    /// Loyalty rules.
    pub loyalty: LoyaltyRules,
    /// Staff.
    pub staff: Vec<Staff>,
    /// Customers.
    pub customers: Vec<Customer>,
    /// Each store's quick keys.
    pub quick_keys: Vec<QuickKey>,
}

/// The codes of the chain's stores (not the website, not the warehouse).
fn store_codes(locations: &[Location]) -> HashSet<&str> {
    locations.iter().filter(|l| l.kind == LocationKind::Store).map(|l| l.code.as_str()).collect()
}

/// Loads the [`Settings`] files (`chain.csv`, `vat_rates.csv`, `families.csv`, `barcode_layouts.csv`,
/// `locations.csv`, `promotions.csv`, `staff.csv`, `customers.csv`, `loyalty_tiers.csv`, and
/// `quick_keys.csv` when the chain has it). Promotions'
/// SKUs are not checked against products here: check the whole chain once with [`load_chain`].
pub fn load_settings(mut read: impl FnMut(&str) -> Result<Vec<u8>, String>) -> Result<Settings, LoadError> {
    let mut get =
        |name: &'static str| read(name).map_err(|e| file_error(name, format!("cannot be read: {e}")));
    let vat = vat_rates(&get("vat_rates.csv")?)?;
    let families = families(&get("families.csv")?)?;
    let layouts = layouts(&get("barcode_layouts.csv")?)?;
    let (name, siren, point_value) = chain_facts(&get("chain.csv")?)?;
    let locations = locations(&get("locations.csv")?)?;
    let codes: HashSet<&str> = locations.iter().map(|l| l.code.as_str()).collect();
    let promotions = promotions(&get("promotions.csv")?, &FamiliesOnly(&families), &codes)?;
    let staff = staff(&get("staff.csv")?, &codes)?;
    let customers = customers(&get("customers.csv")?, &codes)?;
    let loyalty = LoyaltyRules { points_per_euro: loyalty_tiers(&get("loyalty_tiers.csv")?)?, point_value };
    let stores = store_codes(&locations);
    let quick_keys =
        quick_keys::quick_keys(read("quick_keys.csv").ok().as_deref(), &FamiliesOnly(&families), &stores)?;
    Ok(Settings {
        name,
        siren,
        vat,
        families,
        layouts,
        locations,
        promotions,
        loyalty,
        staff,
        customers,
        quick_keys,
    })
}

/// Parses rows in the format of `products.csv` (with its header), each checked on its own: a till
/// rebuilds the few products of a basket from the rows it stored.
pub fn parse_products(bytes: &[u8], settings: &Settings) -> Result<Vec<Product>, LoadError> {
    products(bytes, &settings.vat, &settings.families, &settings.layouts).map(|(list, _)| list)
}

/// Parses rows in the format of `kits.csv`, checked against `known`.
pub fn parse_kits(bytes: &[u8], known: &Catalogue) -> Result<Vec<(Sku, KitComponent)>, LoadError> {
    kits(bytes, known)
}

/// Parses rows in the format of `price_lists.csv`, checked against `known`.
pub fn parse_price_lists(bytes: &[u8], known: &Catalogue) -> Result<PriceBook, LoadError> {
    price_lists(bytes, known)
}

fn chain_facts(bytes: &[u8]) -> Result<(String, String, Money), LoadError> {
    let mut t = Table::open("chain.csv", bytes, &["key", "value"])?;
    let mut facts = HashMap::new();
    while let Some(r) = t.next_row()? {
        let key = r.required("key")?;
        let value = r.required("value")?;
        match key {
            "siren" if value.len() != 9 || !value.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(r.error("value", format!("SIREN `{value}` must be 9 digits")));
            }
            "name" | "siren" => {}
            "loyalty_point_value" => {
                amount(value).map_err(|m| r.error("value", m))?;
            }
            other => {
                return Err(
                    r.error("key", format!("unknown key `{other}` (name, siren, loyalty_point_value)"))
                );
            }
        }
        facts.insert(key.to_owned(), value.to_owned());
    }
    let need =
        |k: &str| facts.get(k).cloned().ok_or_else(|| file_error("chain.csv", format!("no `{k}` row")));
    let point_value = amount(&need("loyalty_point_value")?).map_err(|m| file_error("chain.csv", m))?;
    Ok((need("name")?, need("siren")?, point_value))
}

fn vat_rates(bytes: &[u8]) -> Result<VatTable, LoadError> {
    let mut t = Table::open("vat_rates.csv", bytes, &["category", "rate", "valid_from", "valid_to"])?;
    let mut periods = Vec::new();
    while let Some(r) = t.next_row()? {
        let category = r.parse("category", |s| {
            VatCategory::parse(s)
                .ok_or_else(|| format!("`{s}` is not normal, intermediate, reduced, super_reduced or zero"))
        })?;
        let rate = r.parse("rate", decimal)?;
        if rate < Decimal::ZERO || rate >= Decimal::ONE_HUNDRED {
            return Err(r.error("rate", format!("{rate} is not a percentage")));
        }
        let valid_from = r.parse("valid_from", date)?;
        let valid_to = r.optional("valid_to", date)?;
        if valid_to.is_some_and(|to| to < valid_from) {
            return Err(r.error("valid_to", "ends before it starts"));
        }
        periods.push(VatPeriod { category, rate, valid_from, valid_to });
    }
    VatTable::new(periods).map_err(|e| file_error("vat_rates.csv", e.to_string()))
}

fn families(bytes: &[u8]) -> Result<BTreeMap<FamilyCode, Family>, LoadError> {
    let mut t = Table::open("families.csv", bytes, &["code", "name_fr", "name_en", "revenue_account"])?;
    let mut out = BTreeMap::new();
    while let Some(r) = t.next_row()? {
        let code = FamilyCode(r.required("code")?.into());
        let account = r.parse("revenue_account", |s| {
            if s.starts_with("707") && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(s.to_owned())
            } else {
                Err(format!("`{s}` is not a 707 sales account"))
            }
        })?;
        let f = Family {
            code: code.clone(),
            name_fr: r.required("name_fr")?.to_owned(),
            name_en: r.required("name_en")?.to_owned(),
            revenue_account: account,
        };
        if out.insert(code.clone(), f).is_some() {
            return Err(r.error("code", format!("family {} appears twice", code.0)));
        }
    }
    Ok(out)
}

fn layouts(bytes: &[u8]) -> Result<Vec<RestrictedLayout>, LoadError> {
    let mut t =
        Table::open("barcode_layouts.csv", bytes, &["prefix", "plu_digits", "value", "value_digits"])?;
    let mut out: Vec<RestrictedLayout> = Vec::new();
    while let Some(r) = t.next_row()? {
        let l = RestrictedLayout {
            prefix: r.parse("prefix", whole)?,
            plu_digits: r.parse("plu_digits", whole)?,
            value: r.parse("value", |s| match s {
                "weight_g" => Ok(LabelValue::WeightGrams),
                "price_cents" => Ok(LabelValue::PriceCents),
                _ => Err(format!("`{s}` is not weight_g or price_cents")),
            })?,
            value_digits: r.parse("value_digits", whole)?,
        };
        l.validate().map_err(|m| r.error("value_digits", m))?;
        if out.iter().any(|o| o.prefix == l.prefix) {
            return Err(r.error("prefix", format!("prefix {} has two layouts", l.prefix)));
        }
        out.push(l);
    }
    Ok(out)
}

/// The rows of `products.csv`, each checked on its own, with their line numbers. What needs the whole
/// catalogue (unique SKUs, barcodes and PLUs, models that exist) is checked by [`Catalogue::unlinked`]
/// and reported on the right line by [`catalogue_error`].
fn products(
    bytes: &[u8],
    vat: &VatTable,
    families: &BTreeMap<FamilyCode, Family>,
    layouts: &[RestrictedLayout],
) -> Result<(Vec<Product>, Vec<u64>), LoadError> {
    let mut t = Table::open(
        "products.csv",
        bytes,
        &[
            "sku",
            "name_fr",
            "name_en",
            "family",
            "vat_rate",
            "price_ttc",
            "barcode",
            "kind",
            "plu",
            "eco_ttc",
            "variant_of",
            "attributes",
        ],
    )?;
    let mut out = Vec::with_capacity(bytes.len() / 160);
    let mut lines = Vec::with_capacity(bytes.len() / 160);
    let plu_lengths: Vec<usize> = layouts.iter().map(|l| l.plu_digits).collect();
    let mut rates: Vec<(String, VatCategory)> = Vec::new();
    while let Some(r) = t.next_row()? {
        let sku = r.parse("sku", sku)?;
        let family = FamilyCode(r.required("family")?.into());
        if !families.contains_key(&family) {
            return Err(r.error("family", format!("family `{}` is not in families.csv", family.0)));
        }
        let rate_text = r.required("vat_rate")?;
        let category = match rates.iter().find(|(t, _)| t == rate_text) {
            Some((_, c)) => *c,
            None => {
                let c = r.parse("vat_rate", |s| vat.category_of(decimal(s)?).map_err(|e| e.to_string()))?;
                rates.push((rate_text.to_owned(), c));
                c
            }
        };
        let kind = r.parse("kind", |s| match s {
            "standard" => Ok(ProductKind::Standard),
            "serial" => Ok(ProductKind::Serial),
            "weighed" => Ok(ProductKind::Weighed { plu: String::new() }),
            "kit" => Ok(ProductKind::Kit),
            "gift_card" => Ok(ProductKind::GiftCard),
            _ => Err(format!("`{s}` is not standard, serial, weighed, kit or gift_card")),
        })?;
        let kind = match kind {
            ProductKind::Weighed { .. } => ProductKind::Weighed {
                plu: r.parse("plu", |s| {
                    if s.bytes().all(|b| b.is_ascii_digit()) && plu_lengths.contains(&s.len()) {
                        Ok(s.to_owned())
                    } else {
                        Err(format!(
                            "PLU `{s}` must be digits, as many as a layout's plu_digits ({plu_lengths:?})"
                        ))
                    }
                })?,
            },
            other => {
                if !r.text("plu").is_empty() {
                    return Err(r.error("plu", "only weighed items have a PLU"));
                }
                other
            }
        };
        if kind == ProductKind::GiftCard && category != VatCategory::Zero {
            return Err(r.error("vat_rate", "a gift card is outside the scope of VAT: give it rate 0"));
        }
        let price_ttc = r.parse("price_ttc", amount)?;
        let eco_ttc = r.optional("eco_ttc", amount)?.unwrap_or(Money::ZERO);
        if eco_ttc > price_ttc {
            return Err(
                r.error("eco_ttc", format!("eco-participation {eco_ttc} exceeds the price {price_ttc}"))
            );
        }
        let mut codes = Vec::with_capacity(1);
        for code in r.list("barcode") {
            let g = Gtin::parse(code).map_err(|e| r.error("barcode", e.to_string()))?;
            if g.is_restricted() {
                return Err(
                    r.error("barcode", format!("{g} starts with 2: prefixes 20-29 are for in-store labels"))
                );
            }
            codes.push(g);
        }
        if codes.is_empty() && kind != ProductKind::GiftCard && !matches!(kind, ProductKind::Weighed { .. }) {
            return Err(r.error("barcode", "a product sold by the unit needs at least one barcode"));
        }
        out.push(Product {
            sku,
            name_fr: r.required("name_fr")?.into(),
            name_en: r.required("name_en")?.to_owned(),
            family,
            vat: category,
            price_ttc,
            barcodes: codes,
            kind,
            eco_ttc,
            variant_of: r.optional("variant_of", Sku::parse)?,
            attributes: r.parse_or_empty("attributes", Attributes::parse)?,
        });
        lines.push(r.line);
    }
    Ok((out, lines))
}

/// Places a catalogue-wide error on the line and column of `products.csv` it comes from.
fn catalogue_error(e: CatalogueError, products: &[Product], lines: &[u64]) -> LoadError {
    let line_of = |sku: &Sku| products.iter().position(|p| &p.sku == sku).map(|i| lines[i]);
    let last_line_of = |sku: &Sku| products.iter().rposition(|p| &p.sku == sku).map(|i| lines[i]);
    let (line, column, message) = match &e {
        CatalogueError::DuplicateSku(s) => {
            (last_line_of(s), "sku", format!("SKU {s} already on line {}", line_of(s).unwrap_or(0)))
        }
        CatalogueError::DuplicateBarcode { code, first, second } => (
            line_of(second),
            "barcode",
            format!("barcode {code} already on line {}", line_of(first).unwrap_or(0)),
        ),
        CatalogueError::DuplicatePlu(plu) => {
            let at: Vec<u64> = products
                .iter()
                .zip(lines)
                .filter(|(p, _)| matches!(&p.kind, ProductKind::Weighed { plu: q } if q == plu))
                .map(|(_, l)| *l)
                .collect();
            (
                at.get(1).copied(),
                "plu",
                format!("PLU {plu} already on line {}", at.first().copied().unwrap_or(0)),
            )
        }
        CatalogueError::UnknownSku { what, sku } if what.ends_with("(variant_of)") => {
            let of = what.trim_end_matches(" (variant_of)");
            let line = products.iter().position(|p| p.sku.as_str() == of).map(|i| lines[i]);
            (line, "variant_of", format!("model {sku} is not in the catalogue"))
        }
        CatalogueError::UnknownFamily { sku, .. } => (line_of(sku), "family", e.to_string()),
        CatalogueError::RestrictedBarcode { sku, .. } => (line_of(sku), "barcode", e.to_string()),
        CatalogueError::Product { sku, .. } | CatalogueError::Kit { kit: sku, .. } => {
            (line_of(sku), "sku", e.to_string())
        }
        CatalogueError::UnknownSku { .. } => (None, "sku", e.to_string()),
    };
    LoadError { file: "products.csv".into(), line, column: Some(column.into()), message }
}

fn known_sku(r: &Row<'_>, column: &str, known: &Catalogue) -> Result<Sku, LoadError> {
    let s = r.parse(column, sku)?;
    if known.product(&s).is_none() {
        return Err(r.error(column, format!("SKU {s} is not in products.csv")));
    }
    Ok(s)
}

fn kits(bytes: &[u8], known: &Catalogue) -> Result<Vec<(Sku, KitComponent)>, LoadError> {
    let mut t = Table::open("kits.csv", bytes, &["kit_sku", "component_sku", "quantity"])?;
    let mut out = Vec::new();
    while let Some(r) = t.next_row()? {
        let kit = known_sku(&r, "kit_sku", known)?;
        if known.product(&kit).is_some_and(|p| p.kind != ProductKind::Kit) {
            return Err(r.error("kit_sku", format!("{kit} is not of kind `kit`")));
        }
        let component = known_sku(&r, "component_sku", known)?;
        if component == kit {
            return Err(r.error("component_sku", format!("kit {kit} contains itself")));
        }
        if matches!(
            known.product(&component).map(|p| &p.kind),
            Some(ProductKind::Kit | ProductKind::GiftCard | ProductKind::Weighed { .. })
        ) {
            return Err(
                r.error("component_sku", format!("{component} is a kit, a gift card or a weighed item"))
            );
        }
        let quantity: u32 = r.parse("quantity", whole)?;
        if quantity == 0 {
            return Err(r.error("quantity", "must be at least 1"));
        }
        out.push((kit, KitComponent { sku: component, quantity }));
    }
    Ok(out)
}

fn compatibility(bytes: &[u8], known: &Catalogue) -> Result<Vec<(Sku, Sku)>, LoadError> {
    let mut t = Table::open("compatibility.csv", bytes, &["sku", "fits_sku"])?;
    let mut out = Vec::new();
    while let Some(r) = t.next_row()? {
        let a = known_sku(&r, "sku", known)?;
        let b = known_sku(&r, "fits_sku", known)?;
        if a == b {
            return Err(r.error("fits_sku", format!("{a} cannot fit itself")));
        }
        out.push((a, b));
    }
    Ok(out)
}

fn segment(s: &str) -> Result<Segment, String> {
    Segment::parse(s).ok_or_else(|| format!("`{s}` is not retail, pro or club"))
}

fn price_lists(bytes: &[u8], known: &Catalogue) -> Result<PriceBook, LoadError> {
    let mut t = Table::open("price_lists.csv", bytes, &["segment", "sku", "price", "basis"])?;
    let mut book = PriceBook::new();
    let mut seen = HashSet::new();
    while let Some(r) = t.next_row()? {
        let seg = r.parse("segment", segment)?;
        if seg == Segment::Retail {
            return Err(r.error(
                "segment",
                "the retail price is the product's price_ttc; lists are for pro and club",
            ));
        }
        let s = known_sku(&r, "sku", known)?;
        if known.product(&s).is_some_and(|p| p.kind == ProductKind::GiftCard) {
            return Err(r.error("sku", "a gift card has no list price"));
        }
        let price = r.parse("price", amount)?;
        let basis = r.parse("basis", |b| match b {
            "ttc" => Ok(PriceBasis::TaxIncluded),
            "ht" => Ok(PriceBasis::TaxExcluded),
            _ => Err(format!("`{b}` is not ttc or ht")),
        })?;
        if !seen.insert((seg, s.clone())) {
            return Err(r.error("sku", format!("{s} is listed twice for this segment")));
        }
        book.set(seg, s, ListPrice { price, basis });
    }
    Ok(book)
}

fn loyalty_tiers(bytes: &[u8]) -> Result<BTreeMap<Tier, Decimal>, LoadError> {
    let mut t = Table::open("loyalty_tiers.csv", bytes, &["tier", "points_per_euro"])?;
    let mut out = BTreeMap::new();
    while let Some(r) = t.next_row()? {
        let tier = r.parse("tier", |s| {
            Tier::parse(s).ok_or_else(|| format!("`{s}` is not none, bronze, silver or gold"))
        })?;
        let rate = r.parse("points_per_euro", decimal)?;
        if rate < Decimal::ZERO {
            return Err(r.error("points_per_euro", "cannot be negative"));
        }
        if out.insert(tier, rate).is_some() {
            return Err(r.error("tier", "appears twice"));
        }
    }
    Ok(out)
}

/// Loads just the catalogue files (`vat_rates.csv`, `families.csv`, `barcode_layouts.csv`,
/// `products.csv`, `kits.csv`, `compatibility.csv`): what a benchmark or a price check needs.
pub fn load_catalogue(
    mut read: impl FnMut(&str) -> Result<Vec<u8>, String>,
) -> Result<(VatTable, Catalogue), LoadError> {
    let mut get =
        |name: &'static str| read(name).map_err(|e| file_error(name, format!("cannot be read: {e}")));
    let vat = vat_rates(&get("vat_rates.csv")?)?;
    let families = families(&get("families.csv")?)?;
    let layouts = layouts(&get("barcode_layouts.csv")?)?;
    let bytes = get("products.csv")?;
    let (list, _) = products(&bytes, &vat, &families, &layouts)?;
    let catalogue = Catalogue::unlinked(families.values().cloned().collect(), list, layouts.clone())
        .map_err(|e| {
            // Only on this error path: read the rows again to place the error on its line.
            match products(&bytes, &vat, &families, &layouts) {
                Ok((list, lines)) => catalogue_error(e, &list, &lines),
                Err(again) => again,
            }
        })?;
    drop(bytes);
    let kits = kits(&get("kits.csv")?, &catalogue)?;
    let compatibility = compatibility(&get("compatibility.csv")?, &catalogue)?;
    let catalogue = catalogue.linked(kits, compatibility).map_err(|e| match e {
        CatalogueError::Kit { .. } => file_error("kits.csv", e.to_string()),
        _ => file_error("compatibility.csv", e.to_string()),
    })?;
    Ok((vat, catalogue))
}
