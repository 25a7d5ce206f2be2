//! The deterministic generator of the demo chain: the CSV files specified in `fixtures/README.md`.
//!
//! One generator serves both the committed demo ([`write_demo`]: 1 600 products, a fixed seed and the
//! hand-written "hero" items the demo and the tests refer to) and the benchmark catalogues
//! ([`write_large`]). Randomness comes from a self-written splitmix64, so that the output never changes
//! with a dependency upgrade, and every amount is computed in integer cents (no floating point).
//!
//! Products are generated family by family in "groups" (a model followed by its colour or mode
//! variants); every family has a quota proportional to the catalogue size, so the catalogue has exactly
//! the requested number of rows. Barcodes come from counters, never from random draws, so they are
//! unique by construction: EAN-13 under fictitious French company prefixes `376xxxx` (one block per
//! brand), ISSN-style `977` codes for magazines, a few EAN-8 (`376xxxx`) on small items and UPC-A
//! (`0 8123x`) for an imported brand. Nothing starts with `2` (GS1 restricted prefixes).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use pos_core::barcode::gtin_check_digit;

/// Products in the committed demo (hero items included).
const DEMO_PRODUCTS: usize = 1600;
/// Seed of the committed demo.
const DEMO_SEED: u64 = 0x4843_2026;
/// Customers in every generated chain.
const CUSTOMERS: usize = 500;
/// Longest product name (receipt width).
const MAX_NAME: usize = 40;

/// Writes the demo chain (fixtures/demo) into `dir`: same bytes every run.
pub fn write_demo(dir: &Path) -> Result<()> {
    generate(dir, DEMO_PRODUCTS, DEMO_SEED)
}

/// Writes a large catalogue of the same shape (all the same files) with `products` products, deterministic for `seed`.
pub fn write_large(dir: &Path, products: usize, seed: u64) -> Result<()> {
    generate(dir, products, seed)
}

fn generate(dir: &Path, products: usize, seed: u64) -> Result<()> {
    ensure!(
        products >= HERO_COUNT,
        "a catalogue needs at least {HERO_COUNT} products (the hero items of the demo), not {products}"
    );
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let chain = Chain::build(products, seed);
    write_static(dir)?;
    chain.write(dir)?;
    write_customers(dir, seed)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Small tools: PRNG, money, CSV, names.

/// splitmix64: tiny, fast, and fully specified here so the fixtures never drift.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    /// Picks an item with probability proportional to its weight.
    fn weighted<T: Copy>(&mut self, items: &[(T, usize)]) -> T {
        let total: usize = items.iter().map(|(_, w)| w).sum();
        let mut r = self.below(total);
        for &(item, w) in items {
            if r < w {
                return item;
            }
            r -= w;
        }
        items[items.len() - 1].0
    }
}

/// `1290` -> `12.90`.
fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A VAT rate in tenths of a percent -> `20`, `5.5`.
fn rate(tenths: u16) -> String {
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// A shop price: x.50 / x.90 under 10 €, xx.90 under 100 €, xx9.00 above.
fn charm(cents: i64) -> i64 {
    if cents < 1000 {
        let r = ((cents + 25) / 50 * 50).max(50);
        if r % 100 == 0 { r - 10 } else { r }
    } else if cents < 10_000 {
        cents / 100 * 100 + 90
    } else {
        (cents + 500) / 1000 * 1000 - 100
    }
}

/// `a / b` rounded half up (positive operands).
fn div_round(a: i64, b: i64) -> i64 {
    (2 * a + b) / (2 * b)
}

/// The Luhn check digit completing `payload` (SIREN, SIRET).
fn luhn_digit(payload: &str) -> u8 {
    let mut sum = 0u32;
    for (i, b) in payload.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    ((10 - sum % 10) % 10) as u8
}

/// `payload` followed by its GS1 check digit.
fn gtin(payload: String) -> String {
    let check = gtin_check_digit(&payload).expect("barcode payloads are digits");
    format!("{payload}{check}")
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Cuts a name to the receipt width.
fn clip(s: String) -> String {
    if chars(&s) <= MAX_NAME { s } else { s.chars().take(MAX_NAME).collect::<String>().trim_end().to_owned() }
}

/// The first candidate that fits on a receipt line.
fn first_fit(candidates: &[String]) -> String {
    for c in candidates {
        if chars(c) <= MAX_NAME {
            return c.clone();
        }
    }
    clip(candidates.last().cloned().unwrap_or_default())
}

/// `head tail`, dropping words from the end of `tail` until it fits.
fn fit_words(head: &str, tail: &str) -> String {
    let mut words: Vec<&str> = tail.split(' ').filter(|w| !w.is_empty()).collect();
    loop {
        let s = if words.is_empty() { head.to_owned() } else { format!("{head} {}", words.join(" ")) };
        if chars(&s) <= MAX_NAME || words.is_empty() {
            return clip(s);
        }
        words.pop();
    }
}

/// `head mid tail`, dropping words from the end of `mid` until it fits (empty parts are skipped).
fn fit_mid(head: &str, mid: &str, tail: &str) -> String {
    let mut words: Vec<&str> = mid.split(' ').filter(|w| !w.is_empty()).collect();
    loop {
        let parts: Vec<String> = [head.to_owned(), words.join(" "), tail.to_owned()]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        let s = parts.join(" ");
        if chars(&s) <= MAX_NAME || words.is_empty() {
            return clip(s);
        }
        words.pop();
    }
}

/// Shorter spellings tried, one after the other, when a variant's colour does not fit.
const COMPACT: [(&str, &str); 12] = [
    ("Hélicoptère ", "Hélico "),
    (" helicopter", " heli"),
    (" longue portée", " LR"),
    ("long-range ", "LR "),
    ("Monster truck", "Monster"),
    ("Stadium truck", "Stadium"),
    ("Short course truck", "SC truck"),
    ("Short course", "SC"),
    (" à charbons", ""),
    (" brushed", ""),
    (" brushless", " BL"),
    ("Planeur école", "Planeur"),
];

/// `name colour`, with shorter spellings of `name` if needed; `name` alone as a last resort.
fn with_colour(name: &str, colour: &str) -> String {
    let mut n = name.to_owned();
    let mut candidates = vec![format!("{n} {colour}")];
    for (long, short) in COMPACT {
        if n.contains(long) {
            n = n.replace(long, short);
            candidates.push(format!("{n} {colour}"));
        }
    }
    candidates.push(name.to_owned());
    first_fit(&candidates)
}

/// `flying field` -> `Flying field`.
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Lower-case ASCII for e-mail addresses: accents dropped, anything else becomes `sep`.
fn slug(s: &str, sep: char) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let mapped: &str = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' => "a",
            'ç' | 'Ç' => "c",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' => "e",
            'î' | 'ï' | 'Î' => "i",
            'ô' | 'ö' | 'Ô' => "o",
            'ù' | 'û' | 'ü' => "u",
            'œ' => "oe",
            'æ' => "ae",
            _ => "",
        };
        if !mapped.is_empty() {
            out.push_str(mapped);
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with(sep) {
            out.push(sep);
        }
    }
    while out.ends_with(sep) {
        out.pop();
    }
    out
}

/// A CSV file being written: RFC 4180 quoting, `\n` line ends.
struct Csv {
    out: BufWriter<File>,
    path: PathBuf,
    columns: usize,
}

impl Csv {
    fn create(dir: &Path, name: &str, header: &[&str]) -> Result<Csv> {
        let path = dir.join(name);
        let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut csv = Csv { out: BufWriter::with_capacity(1 << 16, file), path, columns: header.len() };
        csv.row(header)?;
        Ok(csv)
    }

    fn row(&mut self, fields: &[&str]) -> Result<()> {
        debug_assert_eq!(fields.len(), self.columns, "{}", self.path.display());
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            if field.contains([',', '"', '\n', '\r']) {
                self.out.write_all(b"\"")?;
                self.out.write_all(field.replace('"', "\"\"").as_bytes())?;
                self.out.write_all(b"\"")?;
            } else {
                self.out.write_all(field.as_bytes())?;
            }
        }
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.out.flush().with_context(|| format!("cannot write {}", self.path.display()))
    }
}

// ---------------------------------------------------------------------------------------------------
// Reference data.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fam {
    Plane,
    Glider,
    Heli,
    Drone,
    Boat,
    Car,
    Radio,
    Recv,
    Servo,
    Lipo,
    Charger,
    Prop,
    Motor,
    Esc,
    Spare,
    Glue,
    Kit,
    Mag,
    Bulk,
    Gift,
}

/// Code, French name, English name, revenue account, SKU prefix.
type FamInfo = (&'static str, &'static str, &'static str, &'static str, &'static str);

const ALL_FAMILIES: [Fam; 20] = [
    Fam::Plane,
    Fam::Glider,
    Fam::Heli,
    Fam::Drone,
    Fam::Boat,
    Fam::Car,
    Fam::Radio,
    Fam::Recv,
    Fam::Servo,
    Fam::Lipo,
    Fam::Charger,
    Fam::Prop,
    Fam::Motor,
    Fam::Esc,
    Fam::Spare,
    Fam::Glue,
    Fam::Kit,
    Fam::Mag,
    Fam::Bulk,
    Fam::Gift,
];

impl Fam {
    fn info(self) -> FamInfo {
        match self {
            Fam::Plane => ("PLANE", "Avions", "Planes", "707101", "PLN"),
            Fam::Glider => ("GLIDER", "Planeurs", "Gliders", "707102", "GLD"),
            Fam::Heli => ("HELI", "Hélicoptères", "Helicopters", "707103", "HEL"),
            Fam::Drone => ("DRONE", "Drones", "Drones", "707104", "DRN"),
            Fam::Boat => ("BOAT", "Bateaux et voiliers", "Boats and sailboats", "707105", "BOA"),
            Fam::Car => ("CAR", "Voitures", "Cars", "707106", "CAR"),
            Fam::Radio => ("RADIO", "Radiocommandes", "Radios", "707107", "RAD"),
            Fam::Recv => ("RECV", "Récepteurs", "Receivers", "707108", "RCV"),
            Fam::Servo => ("SERVO", "Servos", "Servos", "707109", "SRV"),
            Fam::Lipo => ("LIPO", "Batteries LiPo", "LiPo batteries", "707110", "LIPO"),
            Fam::Charger => ("CHARGER", "Chargeurs", "Chargers", "707111", "CHG"),
            Fam::Prop => ("PROP", "Hélices", "Propellers", "707112", "PROP"),
            Fam::Motor => ("MOTOR", "Moteurs brushless", "Brushless motors", "707113", "MOT"),
            Fam::Esc => ("ESC", "Variateurs", "Speed controllers", "707114", "ESC"),
            Fam::Spare => ("SPARE", "Pièces détachées", "Spare parts", "707115", "SPR"),
            Fam::Glue => ("GLUE", "Colles et outillage", "Glues and tools", "707116", "GLUE"),
            Fam::Kit => ("KIT", "Kits et packs", "Kits and bundles", "707117", "KIT"),
            Fam::Mag => ("MAG", "Magazines", "Magazines", "707118", "MAG"),
            Fam::Bulk => ("BULK", "Vrac au poids", "Bulk by weight", "707119", "BULK"),
            Fam::Gift => ("GIFT", "Cartes cadeaux", "Gift cards", "707120", "GIFT"),
        }
    }

    fn code(self) -> &'static str {
        self.info().0
    }

    /// VAT in tenths of a percent.
    fn vat(self) -> u16 {
        match self {
            Fam::Mag => 55,
            Fam::Gift => 0,
            _ => 200,
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Fam::Radio | Fam::Charger => "serial",
            Fam::Bulk => "weighed",
            Fam::Kit => "kit",
            Fam::Gift => "gift_card",
            _ => "standard",
        }
    }

    fn is_vehicle(self) -> bool {
        matches!(self, Fam::Plane | Fam::Glider | Fam::Heli | Fam::Drone | Fam::Boat | Fam::Car)
    }
}

struct Brand {
    /// As in the `brand` attribute.
    name: &'static str,
    /// As in a product name.
    short: &'static str,
    /// As in a SKU.
    code: &'static str,
    /// Imported brand labelled with UPC-A.
    upc: bool,
}

const HNC: usize = 0;
const AFX: usize = 1;
const SKL: usize = 2;
const VMX: usize = 3;
const KNX: usize = 4;
const PLX: usize = 5;
const SVT: usize = 6;
const MRX: usize = 7;
const RLY: usize = 8;
const RTL: usize = 9;
const PPA: usize = 10;
const CFX: usize = 11;
const PRM: usize = 12;
const RWH: usize = 13;
const EVL: usize = 14;
const EMM: usize = 15;

const BRANDS: [Brand; 16] = [
    Brand { name: "Hélices & Coques", short: "H&C", code: "HNC", upc: false },
    Brand { name: "AeroFlex", short: "AeroFlex", code: "AFX", upc: false },
    Brand { name: "Skylab", short: "Skylab", code: "SKL", upc: false },
    Brand { name: "VoltMax", short: "VoltMax", code: "VMX", upc: false },
    Brand { name: "Kinetix", short: "Kinetix", code: "KNX", upc: false },
    Brand { name: "Pilotix", short: "Pilotix", code: "PLX", upc: false },
    Brand { name: "Servotek", short: "Servotek", code: "SVT", upc: false },
    Brand { name: "Marinex", short: "Marinex", code: "MRX", upc: false },
    Brand { name: "Rallye RC", short: "Rallye RC", code: "RLY", upc: false },
    Brand { name: "Rotorline", short: "Rotorline", code: "RTL", upc: false },
    Brand { name: "Planeur Passion", short: "Planeur Passion", code: "PPA", upc: false },
    Brand { name: "Colfix", short: "Colfix", code: "CFX", upc: false },
    Brand { name: "PropMaster", short: "PropMaster", code: "PRM", upc: false },
    Brand { name: "Redwing Hobby", short: "Redwing", code: "RWH", upc: true },
    Brand { name: "Éditions Vol Libre", short: "Vol Libre", code: "EVL", upc: false },
    Brand { name: "Éditions Modèle Mag", short: "Modèle Mag", code: "EMM", upc: false },
];

/// Colour variants: French (attribute and receipt), English, SKU suffix.
const COLOURS: [(&str, &str, &str); 10] = [
    ("rouge", "red", "RGE"),
    ("bleu", "blue", "BLE"),
    ("jaune", "yellow", "JNE"),
    ("blanc", "white", "BLC"),
    ("noir", "black", "NOI"),
    ("vert", "green", "VRT"),
    ("orange", "orange", "ORG"),
    ("gris", "grey", "GRS"),
    ("camouflage", "camouflage", "CAM"),
    ("argent", "silver", "ARG"),
];

/// Radio link protocols (receivers fit the radios speaking theirs).
const PROTOCOLS: [&str; 3] = ["ELRS", "VLink", "AeroNet"];

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Propeller pitches (inches, as printed) available for each diameter 8 to 15.
fn pitches(diameter: u8) -> &'static [&'static str] {
    match diameter {
        8 => &["4", "4.5", "6"],
        9 => &["4.5", "4.7", "6"],
        10 => &["4.7", "5", "6", "7"],
        11 => &["4.7", "5.5", "7", "8"],
        12 => &["6", "6.5", "8"],
        13 => &["6.5", "8"],
        14 => &["7", "8"],
        _ => &["8"],
    }
}

/// `4.7` -> `47`, `6` -> `60` (as in `PROP-1047`, `PROP-1060`).
fn pitch_code(pitch: &str) -> String {
    match pitch.split_once('.') {
        Some((a, b)) => format!("{a}{b}"),
        None => format!("{pitch}0"),
    }
}

// ---------------------------------------------------------------------------------------------------
// The catalogue.

/// What an item fits or needs, for `compatibility.csv` and the packs (not written as such).
#[derive(Clone, Copy, Default)]
struct Fit {
    /// LiPo cells (vehicles, motors, ESC, batteries); 0 when none.
    cells: u8,
    /// Propeller diameter in inches (planes, motors, propellers); 0 when none.
    prop: u8,
    /// Servo class 1 micro, 2 mini, 3 standard; 0 when none.
    servo: u8,
    /// Protocol index + 1 (radios, receivers); 0 when none.
    proto: u8,
    /// The vehicle a spare part belongs to.
    target: Option<usize>,
}

/// A product before it gets its barcodes and its place in the catalogue.
#[derive(Clone, Default)]
struct Draft {
    sku: String,
    name_fr: String,
    name_en: String,
    price: i64,
    eco: Option<i64>,
    attrs: String,
    short_fr: String,
    short_en: String,
    fit: Fit,
    brand: usize,
    /// A small item that may carry an EAN-8.
    small: bool,
    /// Preset barcodes (heroes, magazines).
    barcode: Option<String>,
    plu: Option<u32>,
}

struct Product {
    sku: String,
    name_fr: String,
    name_en: String,
    fam: Fam,
    price: i64,
    barcodes: String,
    plu: Option<u32>,
    eco: Option<i64>,
    variant_of: Option<usize>,
    attrs: String,
    short_fr: String,
    short_en: String,
    fit: Fit,
}

/// Barcode counters: unique by construction.
struct Codes {
    ean13: Vec<u64>,
    ean8: u32,
    upc: u64,
}

impl Codes {
    fn new() -> Codes {
        Codes {
            ean13: (0..BRANDS.len() as u64).map(|b| 100 + (b * 7919) % 40_000).collect(),
            ean8: 1200,
            upc: 4100,
        }
    }

    /// `376` + a 4-digit company number (one block of 100 per brand) + a 5-digit item reference.
    fn ean13(&mut self, brand: usize) -> String {
        let n = self.ean13[brand];
        self.ean13[brand] += 1;
        let company = 1000 + brand as u64 * 100 + n / 100_000;
        assert!(company < 10_000, "barcode space of brand {} exhausted", BRANDS[brand].name);
        gtin(format!("376{company:04}{:05}", n % 100_000))
    }

    /// `376` + 4 digits: at most 10 000 of them.
    fn ean8(&mut self) -> Option<String> {
        if self.ean8 >= 10_000 {
            return None;
        }
        let n = self.ean8;
        self.ean8 += 1;
        Some(gtin(format!("376{n:04}")))
    }

    /// UPC-A: number system 0, company `8123x`, 5-digit item reference.
    fn upc(&mut self) -> String {
        let n = self.upc;
        self.upc += 1;
        gtin(format!("0{:05}{:05}", 81_230 + n / 100_000, n % 100_000))
    }
}

/// Index of the hero items in the catalogue (they come first, in this order).
const HERO_COUNT: usize = 14;
const H_CUB: usize = 0;
const H_LIPO3: usize = 1;
const H_LIPO4: usize = 2;
const H_CHG: usize = 3;
const H_RADIO: usize = 4;
const H_PROP1060: usize = 5;
const H_PROP1047: usize = 6;
const H_SERVO: usize = 7;
const H_MAG: usize = 8;
const H_GLUE: usize = 9;
const H_BALSA: usize = 10;
const H_GIFT: usize = 11;
const H_KIT_CUB: usize = 12;
const H_KIT_MAG: usize = 13;

/// Magazine titles: name, SKU code, newest issue number (December 2026), price, fictitious ISSN
/// (7 digits, as in a `977` EAN), publisher.
const TITLES: [(&str, &str, i64, i64, &str, usize); 8] = [
    ("RC Mag", "RCM", 212, 690, "1629871", EVL),
    ("Modèle Flash", "MFL", 148, 590, "0983342", EMM),
    ("Vol Libre Mag", "VLM", 96, 790, "1275066", EVL),
    ("Maquettes & Co", "MQC", 77, 890, "2108459", EMM),
    ("Planeur Infos", "PLI", 64, 650, "1450327", EVL),
    ("Bateaux Modèles", "BTM", 55, 750, "0764218", EMM),
    ("Hélico Passion", "HPA", 120, 690, "1957734", EVL),
    ("Auto RC Mag", "ARC", 180, 590, "2240691", EMM),
];

/// The `977` EAN-13 of issue `number` of a title (two-digit sequence = issue number mod 100).
fn issn_code(issn: &str, number: i64) -> String {
    gtin(format!("977{issn}{:02}", number.rem_euclid(100)))
}

struct Chain {
    seed: u64,
    rng: Rng,
    codes: Codes,
    products: Vec<Product>,
    kits: Vec<(usize, usize, u32)>,
    counter: u32,
    mags: usize,
    bulks: usize,
    next_plu: u32,
    vehicles: Vec<usize>,
    /// French names used so far.
    names: HashSet<String>,
}

impl Chain {
    fn build(total: usize, seed: u64) -> Chain {
        let mut chain = Chain {
            seed,
            rng: Rng::new(seed, 1),
            codes: Codes::new(),
            products: Vec::with_capacity(total),
            kits: Vec::new(),
            counter: 0,
            mags: 0,
            bulks: 0,
            next_plu: 124,
            vehicles: Vec::new(),
            names: HashSet::new(),
        };
        chain.heroes();
        let available = total - HERO_COUNT;
        let kits = ((total * 30 + 800) / 1600).saturating_sub(2).min(available);
        let bulk = ((total * 15 + 800) / 1600).saturating_sub(1).min(available - kits).min(99_999 - 124);
        let rest = available - kits - bulk;

        const WEIGHTS: [(Fam, usize); 17] = [
            (Fam::Plane, 120),
            (Fam::Glider, 45),
            (Fam::Heli, 40),
            (Fam::Drone, 45),
            (Fam::Boat, 40),
            (Fam::Car, 80),
            (Fam::Radio, 30),
            (Fam::Recv, 50),
            (Fam::Servo, 80),
            (Fam::Lipo, 100),
            (Fam::Charger, 30),
            (Fam::Prop, 90),
            (Fam::Motor, 70),
            (Fam::Esc, 50),
            (Fam::Spare, 150),
            (Fam::Glue, 50),
            (Fam::Mag, 15),
        ];
        let sum: usize = WEIGHTS.iter().map(|(_, w)| w).sum();
        let mut quotas: Vec<(Fam, usize)> = WEIGHTS.iter().map(|&(f, w)| (f, rest * w / sum)).collect();
        let assigned: usize = quotas.iter().map(|(_, q)| q).sum();
        if let Some(spare) = quotas.iter_mut().find(|(f, _)| *f == Fam::Spare) {
            spare.1 += rest - assigned;
        }
        for (fam, quota) in quotas {
            if fam == Fam::Spare {
                chain.vehicles = (0..chain.products.len())
                    .filter(|&i| chain.products[i].fam.is_vehicle() && chain.products[i].variant_of.is_none())
                    .collect();
            }
            chain.fill(fam, quota);
        }
        chain.fill(Fam::Bulk, bulk);
        chain.generated_kits(kits);
        debug_assert_eq!(chain.products.len(), total);
        chain
    }

    fn sku(&mut self, fam: Fam, brand: usize, core: &str) -> String {
        self.counter += 1;
        let prefix = fam.info().4;
        if core.is_empty() {
            format!("{prefix}-{}-{:05}", BRANDS[brand].code, self.counter)
        } else {
            format!("{prefix}-{}-{core}-{:05}", BRANDS[brand].code, self.counter)
        }
    }

    fn push(&mut self, fam: Fam, d: Draft, variant_of: Option<usize>) -> usize {
        let barcodes = match d.barcode {
            Some(b) => b,
            None => {
                let mut code = if BRANDS[d.brand].upc {
                    self.codes.upc()
                } else if d.small && self.rng.below(12) == 0 {
                    match self.codes.ean8() {
                        Some(c) => c,
                        None => self.codes.ean13(d.brand),
                    }
                } else {
                    self.codes.ean13(d.brand)
                };
                if self.rng.below(40) == 0 {
                    code.push('|');
                    code.push_str(&self.codes.ean13(d.brand));
                }
                code
            }
        };
        self.names.insert(d.name_fr.clone());
        debug_assert!(chars(&d.name_fr) <= MAX_NAME && chars(&d.name_en) <= MAX_NAME, "{}", d.name_fr);
        self.products.push(Product {
            sku: d.sku,
            name_fr: d.name_fr,
            name_en: d.name_en,
            fam,
            price: d.price,
            barcodes,
            plu: d.plu,
            eco: d.eco,
            variant_of,
            attrs: d.attrs,
            short_fr: d.short_fr,
            short_en: d.short_en,
            fit: d.fit,
        });
        self.products.len() - 1
    }

    /// Pushes `quota` products of `fam`, group by group (a model, then its variants).
    fn fill(&mut self, fam: Fam, quota: usize) {
        let mut made = 0;
        let mut exhausted = 0;
        while made < quota {
            // A few redraws keep model names distinct while the family's name space allows it.
            // Once a family keeps failing (its name space is used up), it stops trying.
            let mut group = self.draft(fam);
            let mut tries = if exhausted < 20 { 8 } else { 0 };
            while tries > 0 && self.names.contains(&group[0].name_fr) {
                group = self.draft(fam);
                tries -= 1;
                if tries == 0 {
                    exhausted += 1;
                }
            }
            let mut model = None;
            for d in group {
                if made == quota {
                    break;
                }
                let i = self.push(fam, d, model);
                model.get_or_insert(i);
                made += 1;
            }
        }
    }

    fn draft(&mut self, fam: Fam) -> Vec<Draft> {
        match fam {
            Fam::Plane => self.plane(),
            Fam::Glider => self.glider(),
            Fam::Heli => self.heli(),
            Fam::Drone => self.drone(),
            Fam::Boat => self.boat(),
            Fam::Car => self.car(),
            Fam::Radio => self.radio(),
            Fam::Recv => self.receiver(),
            Fam::Servo => self.servo(),
            Fam::Lipo => self.lipo(),
            Fam::Charger => self.charger(),
            Fam::Prop => self.prop(),
            Fam::Motor => self.motor(),
            Fam::Esc => self.esc(),
            Fam::Spare => self.spare(),
            Fam::Glue => self.glue(),
            Fam::Mag => self.magazine(),
            Fam::Bulk => self.bulk(),
            Fam::Kit | Fam::Gift => unreachable!("kits and gift cards are not drafted by family"),
        }
    }

    /// How many colour variants a model gets: none, or 1 to 3 with probability `pct`.
    fn variant_count(&mut self, pct: usize) -> usize {
        if self.rng.percent(pct) { 1 + self.rng.below(3) } else { 0 }
    }

    /// The model (`base`, attributes without colour in `base.attrs`) and `extra` colour variants.
    fn colours(&mut self, base: Draft, extra: usize) -> Vec<Draft> {
        let mut picked: Vec<usize> = Vec::with_capacity(extra + 1);
        while picked.len() < extra + 1 {
            let c = self.rng.below(COLOURS.len());
            if !picked.contains(&c) {
                picked.push(c);
            }
        }
        let mut out = Vec::with_capacity(extra + 1);
        for (k, &c) in picked.iter().enumerate() {
            let (fr, en, code) = COLOURS[c];
            let mut d = base.clone();
            d.attrs = format!("colour={fr};{}", base.attrs);
            if k > 0 {
                d.sku = format!("{}-{code}", base.sku);
                d.name_fr = with_colour(&base.name_fr, fr);
                d.name_en = with_colour(&base.name_en, en);
            }
            out.push(d);
        }
        out
    }

    fn plane(&mut self) -> Vec<Draft> {
        const MODELS: [&str; 40] = [
            "Corsair F4U",
            "Spitfire Mk IX",
            "Mustang P-51D",
            "Extra 330",
            "Cessna 182",
            "Yak 54",
            "Edge 540",
            "Zero A6M",
            "Bücker Jungmann",
            "Pitts S-2",
            "Fokker Dr.I",
            "Robin DR400",
            "Stampe SV-4",
            "Decathlon",
            "Twin Otter",
            "Trainer école",
            "Sbach 342",
            "Mirage 2000 EDF",
            "Rafale EDF",
            "F-16 EDF",
            "Super Cub",
            "Bf 109",
            "Yak 11",
            "T-28 Trojan",
            "Fw 190",
            "Dewoitine D.520",
            "Morane 406",
            "Caudron C.460",
            "Pilatus PC-6",
            "Cap 232",
            "Slick 360",
            "Bush STOL",
            "Aile volante FPV",
            "Biplan école",
            "Racer Pylon",
            "Alpha Jet EDF",
            "Fouga Magister EDF",
            "Cessna 310",
            "Tucano",
            "Pilatus PC-21",
        ];
        let model = *self.rng.pick(&MODELS);
        let edf = model.ends_with("EDF");
        let span = if edf { self.rng.range(14, 24) * 50 } else { self.rng.range(12, 40) * 50 };
        let (ver, ver_pct) = self.rng.weighted(&[
            (("PNP", 100), 50),
            (("ARF", 85), 25),
            (("BNF", 115), 15),
            (("RTF", 135), 10),
        ]);
        let factor = self.rng.range(80, 180);
        let price = charm((8900 + (span - 600) * 28 * factor / 100) * ver_pct / 100).clamp(8900, 89900);
        let cells: u8 = if span < 900 {
            *self.rng.pick(&[2, 3])
        } else if span < 1300 {
            *self.rng.pick(&[3, 4])
        } else if span < 1700 {
            *self.rng.pick(&[4, 6])
        } else {
            6
        };
        let servo = if span < 1300 {
            1
        } else if span < 1800 {
            2
        } else {
            3
        };
        let brand = *self.rng.pick(&[AFX, AFX, SKL, SKL, HNC]);
        let (prop, attrs) = if edf {
            let fan = if span < 900 {
                50
            } else if span < 1050 {
                70
            } else {
                90
            };
            (0, format!("span_mm={span};cells={cells}S;edf_mm={fan};brand={}", BRANDS[brand].name))
        } else {
            let d: u8 = if span < 800 {
                8
            } else if span < 1000 {
                9
            } else if span < 1300 {
                10
            } else if span < 1500 {
                11
            } else if span < 1700 {
                12
            } else if span < 1850 {
                *self.rng.pick(&[13, 14])
            } else {
                *self.rng.pick(&[14, 15])
            };
            let p = *self.rng.pick(pitches(d));
            (d, format!("span_mm={span};cells={cells}S;prop={d}x{p};brand={}", BRANDS[brand].name))
        };
        let name = format!("{model} {span} mm {ver}");
        let short = format!("{model} {span} mm");
        let base = Draft {
            sku: self.sku(Fam::Plane, brand, &span.to_string()),
            name_fr: name.clone(),
            name_en: name,
            price,
            attrs,
            short_fr: short.clone(),
            short_en: short,
            fit: Fit { cells, prop, servo, ..Fit::default() },
            brand,
            ..Draft::default()
        };
        let extra = self.variant_count(45);
        self.colours(base, extra)
    }

    fn glider(&mut self) -> Vec<Draft> {
        const MODELS: [&str; 18] = [
            "ASW 28",
            "Ka 8",
            "DG-800",
            "Ventus 2c",
            "Duo Discus",
            "Salto H101",
            "Libelle 201",
            "Grunau Baby",
            "Fauvette",
            "Discus 2",
            "LS8",
            "Nimbus 4",
            "Fox acro",
            "Planeur école",
            "Planeur de pente",
            "Arcus",
            "Ka 6",
            "Blanik L-13",
        ];
        let model = *self.rng.pick(&MODELS);
        let span = self.rng.range(15, 40) * 100;
        let electric = self.rng.percent(60);
        let ver = *self.rng.pick(&["ARF", "PNP"]);
        let factor = self.rng.range(80, 130);
        let mut price = 9900 + (span - 1500) * 20 * factor / 100;
        if ver == "PNP" {
            price = price * 115 / 100;
        }
        let price = charm(price).clamp(6900, 69900);
        let cells: u8 = if !electric {
            0
        } else if span < 2500 {
            3
        } else {
            4
        };
        let prop: u8 = if !electric {
            0
        } else if span < 2500 {
            11
        } else if span < 3200 {
            12
        } else {
            13
        };
        let servo = if span < 2000 {
            1
        } else if span < 3000 {
            2
        } else {
            3
        };
        let brand = *self.rng.pick(&[PPA, PPA, AFX]);
        let e = if electric { " E" } else { "" };
        let name = format!("{model}{e} {span} mm {ver}");
        let short = format!("{model} {span} mm");
        let mut attrs = format!("span_mm={span}");
        if electric {
            let p = *self.rng.pick(pitches(prop));
            attrs.push_str(&format!(";cells={cells}S;prop={prop}x{p};folding_prop=yes"));
        }
        attrs.push_str(&format!(";brand={}", BRANDS[brand].name));
        let base = Draft {
            sku: self.sku(Fam::Glider, brand, &span.to_string()),
            name_fr: name.clone(),
            name_en: name,
            price,
            attrs,
            short_fr: short.clone(),
            short_en: short,
            fit: Fit { cells, prop, servo, ..Fit::default() },
            brand,
            ..Draft::default()
        };
        let extra = self.variant_count(25);
        self.colours(base, extra)
    }

    fn heli(&mut self) -> Vec<Draft> {
        // size class, cells, servo class, base price
        const SIZES: [(i64, u8, u8, i64); 8] = [
            (200, 2, 1, 12900),
            (250, 3, 1, 16900),
            (380, 4, 2, 24900),
            (450, 6, 2, 29900),
            (500, 6, 3, 44900),
            (550, 6, 3, 54900),
            (600, 6, 3, 64900),
            (700, 6, 3, 79900),
        ];
        let (size, cells, servo, base_price) = *self.rng.pick(&SIZES);
        let style = *self.rng.pick(&["FBL", "Pro", "Sport", "3D", "Scale"]);
        let (ver, pct) = self.rng.weighted(&[(("kit", 85), 30), (("BNF", 100), 45), (("RTF", 115), 25)]);
        let factor = self.rng.range(95, 110);
        let price = charm(base_price * pct / 100 * factor / 100).clamp(7900, 89900);
        let brand = *self.rng.pick(&[RTL, RTL, RTL, SKL]);
        let b = BRANDS[brand].short;
        let base = Draft {
            sku: self.sku(Fam::Heli, brand, &size.to_string()),
            name_fr: first_fit(&[
                format!("Hélicoptère {b} {size} {style} {ver}"),
                format!("Hélico {b} {size} {style} {ver}"),
            ]),
            name_en: first_fit(&[
                format!("{b} {size} {style} {ver} helicopter"),
                format!("{b} {size} {style} {ver}"),
            ]),
            price,
            attrs: format!("size={size};cells={cells}S;brand={}", BRANDS[brand].name),
            short_fr: format!("{b} {size}"),
            short_en: format!("{b} {size}"),
            fit: Fit { cells, servo, ..Fit::default() },
            brand,
            ..Draft::default()
        };
        let extra = self.variant_count(30);
        self.colours(base, extra)
    }

    fn drone(&mut self) -> Vec<Draft> {
        // French, English, cells, base price, SKU core
        const TYPES: [(&str, &str, u8, i64, &str); 7] = [
            ("FPV 5 pouces freestyle", "5-inch FPV freestyle", 6, 34900, "5F"),
            ("racer 5 pouces", "5-inch racer", 4, 27900, "5R"),
            ("cinewhoop 3 pouces", "3-inch cinewhoop", 4, 29900, "3C"),
            ("Tiny Whoop 65 mm", "Tiny Whoop 65 mm", 1, 8900, "TW"),
            ("FPV 7 pouces longue portée", "7-inch long-range FPV", 6, 44900, "7L"),
            ("caméra 4K pliable", "foldable 4K camera", 3, 59900, "4K"),
            ("école intérieur", "indoor training", 1, 7900, "EC"),
        ];
        const SERIES: [&str; 8] =
            ["Hornet", "Falcon", "Vortex", "Sparrow", "Kestrel", "Nomad", "Raptor", "Swift"];
        let (fr, en, cells, base_price, core) = *self.rng.pick(&TYPES);
        let series = *self.rng.pick(&SERIES);
        let (ver, pct) = if core == "4K" {
            ("RTF", 100)
        } else {
            self.rng.weighted(&[(("BNF", 100), 50), (("PNP", 85), 25), (("RTF", 130), 25)])
        };
        let factor = self.rng.range(85, 120);
        let price = charm(base_price * pct / 100 * factor / 100).clamp(7900, 69900);
        let brand = *self.rng.pick(&[SKL, SKL, HNC]);
        let video = if core == "4K" || core == "EC" {
            "integree"
        } else {
            *self.rng.pick(&["analogique", "numerique"])
        };
        let base = Draft {
            sku: self.sku(Fam::Drone, brand, core),
            name_fr: first_fit(&[format!("Drone {series} {fr} {ver}"), format!("Drone {series} {fr}")]),
            name_en: first_fit(&[format!("{series} {en} drone {ver}"), format!("{series} {en} {ver}")]),
            price,
            eco: Some((10 + price / 1000).min(100)),
            attrs: format!("cells={cells}S;video={video};brand={}", BRANDS[brand].name),
            short_fr: format!("drone {series}"),
            short_en: format!("{series} drone"),
            fit: Fit { cells, ..Fit::default() },
            brand,
            ..Draft::default()
        };
        let extra = self.variant_count(25);
        self.colours(base, extra)
    }

    fn boat(&mut self) -> Vec<Draft> {
        // French, English, sailing, min length
        const TYPES: [(&str, &str, bool, i64); 7] = [
            ("Voilier", "Sailboat", true, 650),
            ("Vedette", "Motor launch", false, 400),
            ("Catamaran", "Catamaran", false, 500),
            ("Hydroplane", "Hydroplane", false, 450),
            ("Remorqueur", "Tugboat", false, 500),
            ("Chalutier", "Trawler", false, 600),
            ("Offshore", "Offshore racer", false, 800),
        ];
        const NAMES: [&str; 15] = [
            "Alizé",
            "Mistral",
            "Zéphyr",
            "Noroît",
            "Sirocco",
            "Tramontane",
            "Bretagne",
            "Atlantique",
            "Hercule",
            "Goéland",
            "Cormoran",
            "Mouette",
            "Albatros",
            "Neptune",
            "Triton",
        ];
        let (fr, en, sail, min_len) = *self.rng.pick(&TYPES);
        let name = *self.rng.pick(&NAMES);
        let len = self.rng.range(min_len / 50, 26) * 50;
        let ver = *self.rng.pick(&["RTR", "RTR", "ARTR", "kit"]);
        let factor = self.rng.range(80, 130);
        let price = charm((5900 + (len - 400) * 45) * factor / 100).clamp(5900, 59900);
        let cells: u8 = if sail {
            *self.rng.pick(&[0, 2])
        } else if matches!(fr, "Catamaran" | "Hydroplane" | "Offshore") {
            *self.rng.pick(&[4, 6])
        } else {
            *self.rng.pick(&[2, 3])
        };
        let brand = MRX;
        let mut attrs = format!("length_mm={len}");
        if cells > 0 {
            attrs.push_str(&format!(";cells={cells}S"));
        }
        attrs.push_str(&format!(";brand={}", BRANDS[brand].name));
        let base = Draft {
            sku: self.sku(Fam::Boat, brand, &len.to_string()),
            name_fr: first_fit(&[format!("{fr} {name} {len} mm {ver}")]),
            name_en: first_fit(&[format!("{en} {name} {len} mm {ver}"), format!("{en} {name} {len} mm")]),
            price,
            attrs,
            short_fr: format!("{fr} {name}"),
            short_en: format!("{en} {name}"),
            fit: Fit { cells, servo: if len > 900 { 3 } else { 2 }, ..Fit::default() },
            brand,
            ..Draft::default()
        };
        let extra = self.variant_count(20);
        self.colours(base, extra)
    }

    fn car(&mut self) -> Vec<Draft> {
        const TYPES: [(&str, &str); 9] = [
            ("Buggy", "Buggy"),
            ("Truggy", "Truggy"),
            ("Crawler", "Crawler"),
            ("Short course", "Short course truck"),
            ("Tourisme", "Touring car"),
            ("Monster truck", "Monster truck"),
            ("Drift", "Drift car"),
            ("Rallye", "Rally car"),
            ("Stadium truck", "Stadium truck"),
        ];
        let (fr, en) = *self.rng.pick(&TYPES);
        let big = fr != "Crawler" && fr != "Drift" && self.rng.percent(35);
        let scale = if big { "1/8" } else { "1/10" };
        let brushless = big || self.rng.percent(65);
        let drive = if fr == "Crawler" || big || self.rng.percent(70) { "4x4" } else { "4x2" };
        let ver = *self.rng.pick(&["RTR", "RTR", "RTR", "kit"]);
        let price = if big {
            self.rng.range(34900, 79900)
        } else if brushless {
            self.rng.range(19900, 39900)
        } else {
            self.rng.range(9900, 15900)
        };
        let price = charm(if ver == "kit" { price * 85 / 100 } else { price }).clamp(9900, 79900);
        let cells: u8 = if big { *self.rng.pick(&[4, 6]) } else { *self.rng.pick(&[2, 3]) };
        let brand = *self.rng.pick(&[RLY, RLY, RLY, RLY, RLY, RWH]);
        let motor_fr = if brushless { "brushless" } else { "à charbons" };
        let motor_en = if brushless { "brushless" } else { "brushed" };
        let base = Draft {
            sku: self.sku(Fam::Car, brand, &scale.replace('/', "")),
            name_fr: first_fit(&[
                format!("{fr} {scale} {drive} {motor_fr} {ver}"),
                format!("{fr} {scale} {drive} {ver}"),
            ]),
            name_en: first_fit(&[
                format!("{en} {scale} {drive} {motor_en} {ver}"),
                format!("{en} {scale} {drive} {ver}"),
            ]),
            price,
            attrs: format!(
                "scale={scale};drive={drive};motor={motor_en};cells={cells}S;brand={}",
                BRANDS[brand].name
            ),
            short_fr: format!("{fr} {scale}"),
            short_en: format!("{en} {scale}"),
            fit: Fit { cells, servo: 3, ..Fit::default() },
            brand,
            ..Draft::default()
        };
        let extra = self.variant_count(45);
        self.colours(base, extra)
    }

    fn radio(&mut self) -> Vec<Draft> {
        let brand = *self.rng.pick(&[PLX, PLX, PLX, SKL]);
        let b = BRANDS[brand].short;
        let proto = self.rng.below(PROTOCOLS.len());
        let pistol = self.rng.percent(25);
        let channels: i64 =
            if pistol { *self.rng.pick(&[3, 4, 7]) } else { *self.rng.pick(&[6, 8, 10, 12, 16]) };
        let letter = *self.rng.pick(&(if pistol { ["G", "S", "G"] } else { ["P", "X", "T"] }));
        let suffix = *self.rng.pick(&["", " Pro", " Lite", " Mk II", " S"]);
        let model = format!("{letter}{channels}{suffix}");
        let price = if pistol {
            charm(self.rng.range(14900, 29900))
        } else {
            charm((14900 + channels * 2500) * self.rng.range(85, 160) / 100).clamp(14900, 69900)
        };
        let kind_fr = if pistol { "Radio pistolet" } else { "Radio" };
        let kind_en = if pistol { "pistol radio" } else { "radio" };
        let name_fr = first_fit(&[
            format!("{kind_fr} {b} {model} {channels} voies"),
            format!("{kind_fr} {model} {channels} voies"),
        ]);
        let name_en = first_fit(&[
            format!("{b} {model} {channels}-channel {kind_en}"),
            format!("{model} {channels}-channel {kind_en}"),
        ]);
        let sku = self.sku(Fam::Radio, brand, &format!("{channels}CH"));
        let fit = Fit { proto: proto as u8 + 1, ..Fit::default() };
        let attrs = format!("channels={channels};protocol={};brand={}", PROTOCOLS[proto], BRANDS[brand].name);
        let eco = Some(if channels >= 12 { 42 } else { 21 });
        if pistol {
            return vec![Draft { sku, name_fr, name_en, price, eco, attrs, fit, brand, ..Draft::default() }];
        }
        let model_draft = Draft {
            sku: sku.clone(),
            name_fr: name_fr.clone(),
            name_en: name_en.clone(),
            price,
            eco,
            attrs: format!("{attrs};mode=2"),
            fit,
            brand,
            ..Draft::default()
        };
        if !self.rng.percent(50) {
            return vec![model_draft];
        }
        let mode1 = Draft {
            sku: format!("{sku}-M1"),
            name_fr: first_fit(&[format!("{name_fr} mode 1"), name_fr.clone()]),
            name_en: first_fit(&[format!("{name_en} mode 1"), name_en.clone()]),
            attrs: format!("{attrs};mode=1"),
            ..model_draft.clone()
        };
        vec![model_draft, mode1]
    }

    fn receiver(&mut self) -> Vec<Draft> {
        const STYLES: [(&str, &str, i64); 5] = [
            ("nano", "nano", 0),
            ("diversité", "diversity", 900),
            ("télémétrie", "telemetry", 1200),
            ("PWM", "PWM", 300),
            ("SBUS", "SBUS", 500),
        ];
        let proto = self.rng.below(PROTOCOLS.len());
        let p = PROTOCOLS[proto];
        let channels: i64 = *self.rng.pick(&[4, 6, 8, 10, 12, 16]);
        let (sfr, sen, bonus) = *self.rng.pick(&STYLES);
        let price = charm(1490 + channels * 300 + bonus + self.rng.range(0, 1500)).clamp(1490, 8990);
        let brand = *self.rng.pick(&[PLX, PLX, HNC]);
        vec![Draft {
            sku: self.sku(Fam::Recv, brand, &format!("{channels}CH")),
            name_fr: first_fit(&[format!("Récepteur {p} {channels} voies {sfr}")]),
            name_en: first_fit(&[
                format!("{p} {channels}-channel receiver {sen}"),
                format!("{p} {channels}-channel receiver"),
            ]),
            price,
            eco: Some(if channels >= 10 { 5 } else { 2 }),
            attrs: format!("channels={channels};protocol={p};brand={}", BRANDS[brand].name),
            fit: Fit { proto: proto as u8 + 1, ..Fit::default() },
            brand,
            ..Draft::default()
        }]
    }

    fn servo(&mut self) -> Vec<Draft> {
        // weight in g, torque in tenths of kg.cm (analog)
        const SIZES: [(i64, i64); 11] = [
            (5, 10),
            (9, 18),
            (12, 25),
            (17, 35),
            (20, 45),
            (25, 60),
            (35, 90),
            (40, 110),
            (55, 180),
            (60, 250),
            (70, 350),
        ];
        // French, English, attribute, torque %, price %
        const TYPES: [(&str, &str, &str, i64, i64); 6] = [
            ("analogique", "analog", "analog", 100, 70),
            ("numérique", "digital", "digital", 120, 100),
            ("coreless", "coreless", "coreless", 130, 120),
            ("bas profil", "low-profile", "low_profile", 110, 110),
            ("numérique métal", "metal-gear digital", "digital_metal", 140, 150),
            ("HV brushless", "HV brushless", "hv_brushless", 170, 260),
        ];
        let (w, torque) = *self.rng.pick(&SIZES);
        let (fr, en, attr, tpct, ppct) = *self.rng.pick(&TYPES);
        let torque = torque * tpct / 100;
        let kg = ((torque + 5) / 10).max(1);
        let price = charm((300 + w * 40) * ppct / 100).clamp(490, 12900);
        let brand = *self.rng.pick(&[SVT, SVT, SVT, SVT, HNC, SVT, SVT, RWH]);
        let b = BRANDS[brand].short;
        vec![Draft {
            sku: self.sku(Fam::Servo, brand, &format!("{w}G")),
            name_fr: first_fit(&[
                format!("Servo {w} g {fr} {kg} kg {b}"),
                format!("Servo {w} g {fr} {kg} kg"),
            ]),
            name_en: first_fit(&[
                format!("{w} g {en} servo {kg} kg {b}"),
                format!("{w} g {en} servo {kg} kg"),
            ]),
            price,
            attrs: format!(
                "weight_g={w};torque_kgcm={}.{};type={attr};brand={}",
                torque / 10,
                torque % 10,
                BRANDS[brand].name
            ),
            fit: Fit {
                servo: if w <= 9 {
                    1
                } else if w <= 20 {
                    2
                } else {
                    3
                },
                ..Fit::default()
            },
            brand,
            ..Draft::default()
        }]
    }

    fn lipo(&mut self) -> Vec<Draft> {
        let cells: i64 = self.rng.weighted(&[(2, 15), (3, 35), (4, 25), (6, 20), (5, 5)]);
        let cap: i64 = *self.rng.pick(&[1300, 1500, 1800, 2200, 2700, 3000, 3300, 4000, 4500, 5000]);
        let c: i64 = *self.rng.pick(&[25, 30, 35, 45, 50, 60, 75, 100, 120]);
        let conn = if cap <= 1500 {
            *self.rng.pick(&["XT30", "XT60"])
        } else if cap >= 4000 {
            *self.rng.pick(&["XT90", "EC5", "XT60"])
        } else {
            *self.rng.pick(&["XT60", "XT60", "Deans"])
        };
        let wh10 = cells * 37 * cap / 1000;
        let mut price = 900 + wh10 * 8;
        if c >= 75 {
            price = price * 120 / 100;
        }
        let price = charm(price).clamp(1990, 11900);
        let eco = if wh10 < 150 {
            5
        } else if wh10 < 600 {
            10
        } else if wh10 < 1000 {
            15
        } else {
            20
        };
        let brand = *self.rng.pick(&[VMX, VMX, VMX, HNC]);
        let b = BRANDS[brand].short;
        let name = format!("LiPo {cells}S {cap} mAh {c}C {conn}");
        vec![Draft {
            sku: self.sku(Fam::Lipo, brand, &format!("{cells}S{cap}")),
            name_fr: first_fit(&[format!("{name} {b}"), name.clone()]),
            name_en: first_fit(&[format!("{name} {b}"), name]),
            price,
            eco: Some(eco),
            attrs: format!(
                "cells={cells}S;capacity_mah={cap};c_rating={c};connector={conn};brand={}",
                BRANDS[brand].name
            ),
            fit: Fit { cells: cells as u8, ..Fit::default() },
            brand,
            ..Draft::default()
        }]
    }

    fn charger(&mut self) -> Vec<Draft> {
        let (outputs, watts): (i64, i64) = self.rng.weighted(&[
            ((1, 50), 10),
            ((1, 60), 10),
            ((1, 80), 10),
            ((1, 100), 15),
            ((1, 150), 10),
            ((1, 200), 10),
            ((1, 300), 5),
            ((1, 400), 5),
            ((2, 100), 10),
            ((2, 200), 8),
            ((4, 100), 7),
        ]);
        let acdc = self.rng.percent(45);
        let total = outputs * watts;
        let letter = match outputs {
            1 => *self.rng.pick(&["S", "P", "X"]),
            2 => "D",
            _ => "Q",
        };
        let model = format!("{letter}{total}");
        let spec = if outputs == 1 { format!("{watts}") } else { format!("{outputs}x{watts}") };
        let price = charm(2990 + total * 60 + if acdc { 2000 } else { 0 }).clamp(2990, 34900);
        let eco = if total <= 80 && !acdc {
            21
        } else if total >= 300 {
            84
        } else {
            42
        };
        let brand = *self.rng.pick(&[VMX, VMX, HNC]);
        let b = BRANDS[brand].short;
        let input = if acdc { " AC/DC" } else { "" };
        vec![Draft {
            sku: self.sku(Fam::Charger, brand, &model),
            name_fr: first_fit(&[
                format!("Chargeur {b} {model} {spec} W{input}"),
                format!("Chargeur {model} {spec} W{input}"),
            ]),
            name_en: first_fit(&[
                format!("{b} {model} {spec} W{input} charger"),
                format!("{model} {spec} W{input} charger"),
            ]),
            price,
            eco: Some(eco),
            attrs: format!(
                "outputs={outputs};power_w={total};input={};brand={}",
                if acdc { "AC/DC" } else { "DC" },
                BRANDS[brand].name
            ),
            brand,
            ..Draft::default()
        }]
    }

    fn prop(&mut self) -> Vec<Draft> {
        // French, English, attribute, price %
        const TYPES: [(&str, &str, i64); 5] = [
            ("E", "E", 100),
            ("SF", "SF", 95),
            ("bois", "wood", 130),
            ("carbone", "carbon", 150),
            ("repliable", "folding", 140),
        ];
        let d: u8 = self.rng.range(8, 15) as u8;
        let p = *self.rng.pick(pitches(d));
        let (fr, en, pct) = *self.rng.pick(&TYPES);
        let price = charm((290 + (i64::from(d) - 8) * 60) * pct / 100).clamp(290, 990);
        let brand = *self.rng.pick(&[PRM, PRM, HNC]);
        let b = BRANDS[brand].short;
        vec![Draft {
            sku: self.sku(Fam::Prop, brand, &format!("{d}{}", pitch_code(p))),
            name_fr: first_fit(&[format!("Hélice {d}x{p} {fr} {b}"), format!("Hélice {d}x{p} {fr}")]),
            name_en: first_fit(&[format!("Propeller {d}x{p} {en} {b}"), format!("Propeller {d}x{p} {en}")]),
            price,
            attrs: format!("diameter_in={d};pitch_in={p};type={en};brand={}", BRANDS[brand].name),
            fit: Fit { prop: d, ..Fit::default() },
            brand,
            small: true,
            ..Draft::default()
        }]
    }

    fn motor(&mut self) -> Vec<Draft> {
        // stator, kV choices, cells, prop diameter, base price
        const SIZES: [(&str, &[i64], u8, u8, i64); 10] = [
            ("2208", &[1100, 1400, 1800], 3, 8, 1490),
            ("2212", &[920, 1000, 1250, 1400], 3, 10, 1690),
            ("2814", &[750, 900, 1100], 3, 10, 2490),
            ("2826", &[750, 1000, 1250], 4, 11, 2990),
            ("3536", &[910, 1000, 1200], 4, 11, 3490),
            ("3548", &[790, 900, 1100], 4, 12, 3990),
            ("4120", &[470, 560, 700], 6, 13, 5490),
            ("4250", &[450, 500, 600], 6, 14, 7490),
            ("5055", &[320, 400, 500], 6, 15, 9990),
            ("6374", &[200, 230, 270], 6, 15, 12900),
        ];
        let (stator, kvs, cells, prop, base_price) = *self.rng.pick(&SIZES);
        let kv = *self.rng.pick(kvs);
        let factor = self.rng.range(90, 115);
        let price = charm(base_price * factor / 100).clamp(1490, 14900);
        let brand = *self.rng.pick(&[KNX, KNX, KNX, HNC]);
        let b = BRANDS[brand].short;
        let edition = *self.rng.pick(&["", "", " V2", " V3"]);
        let p = *self.rng.pick(pitches(prop));
        vec![Draft {
            sku: self.sku(Fam::Motor, brand, &format!("{stator}-{kv}")),
            name_fr: first_fit(&[
                format!("Moteur brushless {stator} {kv} kV {b}{edition}"),
                format!("Moteur brushless {stator} {kv} kV{edition}"),
            ]),
            name_en: first_fit(&[
                format!("Brushless motor {stator} {kv} kV {b}{edition}"),
                format!("Brushless motor {stator} {kv} kV{edition}"),
            ]),
            price,
            attrs: format!(
                "stator={stator};kv={kv};cells={cells}S;prop={prop}x{p};brand={}",
                BRANDS[brand].name
            ),
            short_fr: format!("moteur {stator}"),
            short_en: format!("motor {stator}"),
            fit: Fit { cells, prop, ..Fit::default() },
            brand,
            ..Draft::default()
        }]
    }

    fn esc(&mut self) -> Vec<Draft> {
        const TYPES: [(&str, &str); 5] = [
            ("BEC 3 A", "3 A BEC"),
            ("BEC 5 A", "5 A BEC"),
            ("SBEC", "SBEC"),
            ("Opto", "opto"),
            ("voiture", "car"),
        ];
        let amps: i64 = *self.rng.pick(&[12, 20, 30, 40, 50, 60, 80, 100, 120, 150]);
        let (fr, en) = *self.rng.pick(&TYPES);
        let price = charm(990 + amps * 90 + self.rng.range(0, 800)).clamp(1490, 19900);
        let cells: u8 = if amps <= 30 {
            3
        } else if amps <= 60 {
            4
        } else {
            6
        };
        let brand = *self.rng.pick(&[KNX, KNX, VMX, HNC]);
        let b = BRANDS[brand].short;
        vec![Draft {
            sku: self.sku(Fam::Esc, brand, &format!("{amps}A")),
            name_fr: first_fit(&[format!("Variateur {amps} A {fr} {b}"), format!("Variateur {amps} A {fr}")]),
            name_en: first_fit(&[format!("{amps} A ESC {en} {b}"), format!("{amps} A ESC {en}")]),
            price,
            eco: Some(if amps <= 40 {
                2
            } else if amps <= 80 {
                5
            } else {
                10
            }),
            attrs: format!("current_a={amps};cells_max={cells}S;brand={}", BRANDS[brand].name),
            fit: Fit { cells, ..Fit::default() },
            brand,
            ..Draft::default()
        }]
    }

    fn spare(&mut self) -> Vec<Draft> {
        type Tpl = (&'static str, &'static str, i64, i64);
        const WINGS: [Tpl; 6] = [
            ("Verrière", "canopy", 990, 2490),
            ("Train d'atterrissage", "landing gear", 1290, 3990),
            ("Capot moteur", "cowling", 990, 2990),
            ("Planche de décals", "decal sheet", 590, 1490),
            ("Stabilisateur", "tailplane", 1490, 3990),
            ("Jeu de gouvernes", "control surface set", 1990, 4490),
        ];
        const ROTOR: [Tpl; 6] = [
            ("Pales principales", "main blades", 1490, 4990),
            ("Pales d'anticouple", "tail blades", 490, 1490),
            ("Arbre principal", "main shaft", 590, 1490),
            ("Couronne principale", "main gear", 690, 1990),
            ("Bulle", "canopy", 1990, 4990),
            ("Patins", "landing skids", 490, 1290),
        ];
        const WHEELS: [Tpl; 6] = [
            ("Carrosserie", "body shell", 1990, 4990),
            ("Amortisseurs avant", "front shocks", 1490, 3990),
            ("Jeu de pignons", "gear set", 990, 2990),
            ("Triangles avant", "front A-arms", 690, 1490),
            ("Pneus montés (x2)", "mounted tyres (x2)", 1290, 2990),
            ("Cardans", "drive shafts", 990, 2490),
        ];
        const SAILS: [Tpl; 5] = [
            ("Jeu de voiles", "sail set", 1990, 4990),
            ("Mât carbone", "carbon mast", 1490, 2990),
            ("Safran", "rudder", 590, 1490),
            ("Treuil de voiles", "sail winch", 2490, 4990),
            ("Quille lestée", "ballasted keel", 1990, 4490),
        ];
        const HULLS: [Tpl; 5] = [
            ("Hélice marine", "propeller", 490, 1990),
            ("Ligne d'arbre", "propeller shaft", 990, 2490),
            ("Safran", "rudder", 590, 1490),
            ("Support moteur", "motor mount", 690, 1790),
            ("Capot de cabine", "cabin hatch", 990, 2990),
        ];
        const FRAMES: [Tpl; 5] = [
            ("Châssis", "frame", 1990, 4990),
            ("Bras (x4)", "arms (x4)", 990, 2490),
            ("Hélices tripales (x4)", "tri-blade props (x4)", 290, 690),
            ("Caméra FPV", "FPV camera", 1990, 4990),
            ("Antenne vidéo", "video antenna", 690, 1490),
        ];
        // generic parts: French and English with `{}` for a size, sizes, price range
        const GENERIC: [(&str, &str, &[i64], i64, i64); 10] = [
            ("Cône d'hélice {} mm", "Spinner {} mm", &[32, 38, 45, 51, 57], 290, 990),
            ("Roues légères {} mm (paire)", "Light wheels {} mm (pair)", &[45, 55, 65, 75, 90], 390, 1290),
            ("Guignols nylon (x10)", "Nylon control horns (x10)", &[], 290, 590),
            ("Charnières (x20)", "Hinges (x20)", &[], 290, 490),
            ("Rallonge servo {} cm (x5)", "Servo extension {} cm (x5)", &[15, 30, 50], 390, 890),
            ("Prises XT60 (x2 paires)", "XT60 connectors (x2 pairs)", &[], 290, 590),
            ("Adaptateur d'hélice {} mm", "Prop adapter {} mm", &[3, 4, 5, 6], 290, 690),
            ("Tube carbone {} mm 1 m", "Carbon tube {} mm 1 m", &[4, 6, 8, 10, 12], 390, 1990),
            ("Scratch double face 1 m", "Double-sided hook and loop 1 m", &[], 290, 690),
            ("Tringlerie complète", "Pushrod set", &[], 390, 990),
        ];
        if !self.vehicles.is_empty() && self.rng.percent(70) {
            let target = *self.rng.pick(&self.vehicles);
            let t = &self.products[target];
            let tpls: &[Tpl] = match t.fam {
                Fam::Plane | Fam::Glider => &WINGS,
                Fam::Heli => &ROTOR,
                Fam::Car => &WHEELS,
                Fam::Boat if t.short_fr.starts_with("Voilier") => &SAILS,
                Fam::Boat => &HULLS,
                _ => &FRAMES,
            };
            let (fr, en, lo, hi) = *self.rng.pick(tpls);
            let (short_fr, short_en) = (t.short_fr.clone(), t.short_en.clone());
            let brand =
                BRANDS.iter().position(|b| t.attrs.ends_with(&format!("brand={}", b.name))).unwrap_or(HNC);
            let price = charm(self.rng.range(lo, hi)).clamp(190, 4990);
            return vec![Draft {
                sku: self.sku(Fam::Spare, brand, ""),
                name_fr: fit_words(fr, &short_fr),
                name_en: fit_mid("", &short_en, en),
                price,
                attrs: format!("brand={}", BRANDS[brand].name),
                fit: Fit { target: Some(target), ..Fit::default() },
                brand,
                small: price < 1000,
                ..Draft::default()
            }];
        }
        let (fr, en, sizes, lo, hi) = *self.rng.pick(&GENERIC);
        let (fr, en) = if sizes.is_empty() {
            (fr.to_owned(), en.to_owned())
        } else {
            let s = self.rng.pick(sizes).to_string();
            (fr.replace("{}", &s), en.replace("{}", &s))
        };
        let price = charm(self.rng.range(lo, hi)).clamp(190, 4990);
        let brand = *self.rng.pick(&[HNC, HNC, AFX, RLY]);
        vec![Draft {
            sku: self.sku(Fam::Spare, brand, ""),
            name_fr: clip(fr),
            name_en: clip(en),
            price,
            attrs: format!("brand={}", BRANDS[brand].name),
            brand,
            small: price < 1000,
            ..Draft::default()
        }]
    }

    fn glue(&mut self) -> Vec<Draft> {
        // French, English, min, max, colours
        const ITEMS: [(&str, &str, i64, i64, bool); 32] = [
            ("Époxy 5 min 2x28 g", "5-minute epoxy 2x28 g", 990, 1290, false),
            ("Époxy 30 min 2x28 g", "30-minute epoxy 2x28 g", 1090, 1390, false),
            ("Colle vinylique 250 g", "PVA wood glue 250 g", 350, 590, false),
            ("Colle polystyrène 25 ml", "Polystyrene cement 25 ml", 390, 490, false),
            ("Activateur cyano 150 ml", "CA activator 150 ml", 790, 990, false),
            ("Colle contact 50 ml", "Contact adhesive 50 ml", 490, 690, false),
            ("Colle PU 100 ml", "PU glue 100 ml", 890, 1190, false),
            ("Mastic allégé 250 ml", "Lightweight filler 250 ml", 690, 890, false),
            ("Colle mousse EPP 30 g", "EPP foam glue 30 g", 490, 790, false),
            ("Cutter de précision", "Precision knife", 590, 890, false),
            ("Lames de cutter (x10)", "Hobby knife blades (x10)", 350, 490, false),
            ("Jeu de limes (x6)", "Needle files (x6)", 990, 1490, false),
            ("Pince coupante", "Side cutters", 890, 1490, false),
            ("Clés hexagonales (x5)", "Hex drivers (x5)", 990, 1490, false),
            ("Fer à entoiler", "Covering iron", 2490, 2990, false),
            ("Ruban adhésif renforcé", "Reinforced tape", 390, 590, false),
            ("Balance de centrage", "CG balancer", 1990, 2990, false),
            ("Entoilage thermo 2 m", "Heat-shrink covering 2 m", 1190, 1490, true),
            ("Époxy de stratification 250 g", "Laminating epoxy 250 g", 1290, 1490, false),
            ("Cyano gel 20 g", "CA gel 20 g", 690, 790, false),
            ("Bâtons de colle thermo (x10)", "Hot glue sticks (x10)", 350, 490, false),
            ("Papier abrasif assorti (x10)", "Assorted sandpaper (x10)", 390, 590, false),
            ("Cale à poncer", "Sanding block", 450, 690, false),
            ("Pinces à ressort (x10)", "Spring clamps (x10)", 590, 890, false),
            ("Épingles de montage (x100)", "Building pins (x100)", 350, 490, false),
            ("Tapis de coupe A4", "Cutting mat A4", 690, 990, false),
            ("Tapis de coupe A3", "Cutting mat A3", 1190, 1490, false),
            ("Mini-perceuse de précision", "Precision mini drill", 1990, 2990, false),
            ("Forets HSS (x10)", "HSS drill bits (x10)", 590, 990, false),
            ("Seringues de dosage (x5)", "Dosing syringes (x5)", 350, 490, false),
            ("Gants nitrile (x20)", "Nitrile gloves (x20)", 390, 590, false),
            ("Ruban de masquage 18 mm", "Masking tape 18 mm", 350, 450, false),
        ];
        let brand = *self.rng.pick(&[CFX, CFX, HNC]);
        let b = BRANDS[brand].short;
        if self.rng.percent(30) {
            let g: i64 = *self.rng.pick(&[10, 20, 50]);
            let (vfr, ven) =
                *self.rng.pick(&[("fluide", "thin"), ("moyenne", "medium"), ("épaisse", "thick")]);
            let (lo, hi) = match g {
                10 => (390, 490),
                20 => (590, 690),
                _ => (1190, 1490),
            };
            return vec![Draft {
                sku: self.sku(Fam::Glue, brand, &format!("CYANO{g}")),
                name_fr: first_fit(&[format!("Cyano {g} g {vfr} {b}")]),
                name_en: first_fit(&[format!("CA glue {g} g {ven} {b}")]),
                price: charm(self.rng.range(lo, hi)),
                attrs: format!("weight_g={g};viscosity={ven};brand={}", BRANDS[brand].name),
                brand,
                small: true,
                ..Draft::default()
            }];
        }
        let (fr, en, lo, hi, colours) = *self.rng.pick(&ITEMS);
        let price = charm(self.rng.range(lo, hi));
        let base = Draft {
            sku: self.sku(Fam::Glue, brand, ""),
            name_fr: first_fit(&[format!("{fr} {b}"), fr.to_owned()]),
            name_en: first_fit(&[format!("{en} {b}"), en.to_owned()]),
            price,
            attrs: format!("brand={}", BRANDS[brand].name),
            brand,
            small: price < 1000,
            ..Draft::default()
        };
        if colours {
            let extra = 1 + self.rng.below(4);
            self.colours(base, extra)
        } else {
            vec![base]
        }
    }

    fn magazine(&mut self) -> Vec<Draft> {
        let i = self.mags;
        self.mags += 1;
        let t = i % TITLES.len();
        let (title, code, newest, price, issn, publisher) = TITLES[t];
        // RC Mag's December issue is a hero item: generated RC Mag issues start in November.
        let back = (i / TITLES.len() + usize::from(t == 0)) as i64;
        let number = newest - back;
        let month_index = 2026 * 12 + 11 - back;
        let (year, month) = (month_index / 12, (month_index % 12) as usize);
        let (name_fr, name_en) = if number <= 0 {
            (format!("{title} hors-série n°{}", 1 - number), format!("{title} special no. {}", 1 - number))
        } else if year == 2026 {
            (
                format!("{title} n°{number} {}", MONTHS_FR[month]),
                format!("{title} no. {number} {}", MONTHS_EN[month]),
            )
        } else {
            (
                format!("{title} n°{number} {} {year}", MONTHS_FR[month]),
                format!("{title} no. {number} {} {year}", MONTHS_EN[month]),
            )
        };
        let sku = if back < 1200 {
            format!("MAG-{code}-{:02}{:02}", year % 100, month + 1)
        } else {
            self.sku(Fam::Mag, publisher, code)
        };
        let barcode = if back < 100 && number > 0 { Some(issn_code(issn, number)) } else { None };
        vec![Draft {
            sku,
            name_fr: clip(name_fr),
            name_en: clip(name_en),
            price,
            attrs: format!(
                "issue={number};month={year}-{:02};publisher={}",
                month + 1,
                BRANDS[publisher].name
            ),
            brand: publisher,
            barcode,
            ..Draft::default()
        }]
    }

    fn bulk(&mut self) -> Vec<Draft> {
        const ITEMS: [(&str, &str, &str, i64); 16] = [
            ("Billes de plomb au kg", "Lead shot per kg", "PLOMB", 1200),
            ("Chutes de contreplaqué au kg", "Plywood offcuts per kg", "CTP", 900),
            ("Chutes de dépron au kg", "Depron offcuts per kg", "DEPRON", 1500),
            ("Vis inox M3 au kg", "M3 stainless screws per kg", "VIS-M3", 4500),
            ("Écrous nylstop M3 au kg", "M3 nylon lock nuts per kg", "ECROU-M3", 5200),
            ("Rondelles laiton au kg", "Brass washers per kg", "RONDELLE", 3900),
            ("Chutes de jonc carbone au kg", "Carbon rod offcuts per kg", "CARBONE", 8900),
            ("Chutes de mousse EPP au kg", "EPP foam offcuts per kg", "EPP", 2400),
            ("Lest tungstène au kg", "Tungsten ballast per kg", "TUNGSTENE", 14900),
            ("Microballons au kg", "Microballoons per kg", "MICROBALLON", 3200),
            ("Fil de cuivre étamé au kg", "Tinned copper wire per kg", "CUIVRE", 2900),
            ("Chutes de tissu de verre au kg", "Glass cloth offcuts per kg", "VERRE", 2900),
            ("Baguettes de pin au kg", "Pine strips per kg", "PIN", 800),
            ("Grenaille de laiton au kg", "Brass shot per kg", "LAITON", 2200),
            ("Chutes de tôle alu au kg", "Aluminium sheet offcuts per kg", "ALU", 1100),
            ("Gaine thermo en vrac au kg", "Loose heat-shrink tube per kg", "GAINE", 3500),
        ];
        let i = self.bulks;
        self.bulks += 1;
        let (fr, en, core, price) = ITEMS[i % ITEMS.len()];
        let lot = i / ITEMS.len();
        let (fr, en) = if lot == 0 {
            (fr.to_owned(), en.to_owned())
        } else {
            (format!("{fr} lot {}", lot + 1), format!("{en} lot {}", lot + 1))
        };
        let plu = self.next_plu;
        self.next_plu += 1;
        vec![Draft {
            sku: self.sku(Fam::Bulk, HNC, core),
            name_fr: clip(fr),
            name_en: clip(en),
            price: charm(price * self.rng.range(95, 110) / 100),
            attrs: format!("material={}", core.to_ascii_lowercase()),
            brand: HNC,
            plu: Some(plu),
            ..Draft::default()
        }]
    }

    /// The hand-written items the demo and the tests refer to.
    fn heroes(&mut self) {
        struct Hero(
            &'static str,
            &'static str,
            &'static str,
            Fam,
            i64,
            Option<i64>,
            &'static str,
            Fit,
            usize,
        );
        let heroes = [
            Hero(
                "PLN-CUB-1200",
                "Piper J-3 Cub 1200 mm PNP",
                "Piper J-3 Cub 1200 mm PNP",
                Fam::Plane,
                24900,
                None,
                "colour=jaune;span_mm=1200;cells=3S;prop=10x6;brand=AeroFlex",
                Fit { cells: 3, prop: 10, servo: 1, ..Fit::default() },
                AFX,
            ),
            Hero(
                "LIPO-3S-2200",
                "LiPo 3S 2200 mAh 30C",
                "LiPo 3S 2200 mAh 30C",
                Fam::Lipo,
                2490,
                Some(10),
                "cells=3S;capacity_mah=2200;c_rating=30;connector=XT60;brand=VoltMax",
                Fit { cells: 3, ..Fit::default() },
                VMX,
            ),
            Hero(
                "LIPO-4S-3300",
                "LiPo 4S 3300 mAh 45C",
                "LiPo 4S 3300 mAh 45C",
                Fam::Lipo,
                4990,
                Some(10),
                "cells=4S;capacity_mah=3300;c_rating=45;connector=XT60;brand=VoltMax",
                Fit { cells: 4, ..Fit::default() },
                VMX,
            ),
            Hero(
                "CHG-B6-NEO",
                "Chargeur B6 Neo 80 W",
                "B6 Neo 80 W charger",
                Fam::Charger,
                5990,
                Some(42),
                "outputs=1;power_w=80;input=DC;brand=VoltMax",
                Fit::default(),
                VMX,
            ),
            Hero(
                "RAD-TX16S",
                "Radio TX16S Mk II 16 voies",
                "TX16S Mk II 16-channel radio",
                Fam::Radio,
                22900,
                Some(21),
                "channels=16;protocol=ELRS;mode=2;brand=Pilotix",
                Fit { proto: 1, ..Fit::default() },
                PLX,
            ),
            Hero(
                "PROP-1060",
                "Hélice 10x6 E",
                "Propeller 10x6 E",
                Fam::Prop,
                390,
                None,
                "diameter_in=10;pitch_in=6;type=E;brand=PropMaster",
                Fit { prop: 10, ..Fit::default() },
                PRM,
            ),
            Hero(
                "PROP-1047",
                "Hélice 10x4.7 SF",
                "Propeller 10x4.7 SF",
                Fam::Prop,
                350,
                None,
                "diameter_in=10;pitch_in=4.7;type=SF;brand=PropMaster",
                Fit { prop: 10, ..Fit::default() },
                PRM,
            ),
            Hero(
                "SRV-9G",
                "Servo 9 g analogique",
                "9 g analog servo",
                Fam::Servo,
                490,
                None,
                "weight_g=9;torque_kgcm=1.8;type=analog;brand=Servotek",
                Fit { servo: 1, ..Fit::default() },
                SVT,
            ),
            Hero(
                "MAG-RCM-2612",
                "RC Mag n°212 décembre",
                "RC Mag no. 212 December",
                Fam::Mag,
                690,
                None,
                "issue=212;month=2026-12;publisher=Éditions Vol Libre",
                Fit::default(),
                EVL,
            ),
            Hero(
                "GLUE-CYANO-20",
                "Cyano 20 g moyenne",
                "CA glue 20 g medium",
                Fam::Glue,
                650,
                None,
                "weight_g=20;viscosity=medium;brand=Colfix",
                Fit::default(),
                CFX,
            ),
            Hero(
                "BULK-BALSA-KG",
                "Chutes de balsa au kg",
                "Balsa offcuts per kg",
                Fam::Bulk,
                1800,
                None,
                "material=balsa",
                Fit::default(),
                HNC,
            ),
            Hero("GIFT-CARD", "Carte cadeau", "Gift card", Fam::Gift, 0, None, "", Fit::default(), HNC),
            Hero(
                "KIT-CUB-RTF",
                "Pack Cub prêt à voler",
                "Cub ready-to-fly pack",
                Fam::Kit,
                52900,
                None,
                "",
                Fit::default(),
                HNC,
            ),
            Hero(
                "KIT-START-MAG",
                "Pack découverte + magazine",
                "Starter pack + magazine",
                Fam::Kit,
                1890,
                None,
                "",
                Fit::default(),
                HNC,
            ),
        ];
        for (i, Hero(sku, fr, en, fam, price, eco, attrs, fit, brand)) in heroes.into_iter().enumerate() {
            let barcode = match i {
                H_PROP1060 => {
                    format!("{}|{}", self.codes.ean13(brand), self.codes.ean8().expect("EAN-8 space"))
                }
                H_RADIO => format!("{}|{}", self.codes.ean13(brand), self.codes.upc()),
                H_MAG => issn_code(TITLES[0].4, 212),
                _ => self.codes.ean13(brand),
            };
            let short = match i {
                H_CUB => "Piper J-3 Cub 1200 mm",
                _ => "",
            };
            let d = Draft {
                sku: sku.to_owned(),
                name_fr: fr.to_owned(),
                name_en: en.to_owned(),
                price,
                eco,
                attrs: attrs.to_owned(),
                short_fr: short.to_owned(),
                short_en: short.to_owned(),
                fit,
                brand,
                barcode: Some(barcode),
                plu: if i == H_BALSA { Some(123) } else { None },
                ..Draft::default()
            };
            self.push(fam, d, None);
        }
        self.kits.extend([
            (H_KIT_CUB, H_CUB, 1),
            (H_KIT_CUB, H_LIPO3, 1),
            (H_KIT_CUB, H_CHG, 1),
            (H_KIT_CUB, H_RADIO, 1),
            (H_KIT_MAG, H_GLUE, 1),
            (H_KIT_MAG, H_PROP1060, 2),
            (H_KIT_MAG, H_MAG, 1),
        ]);
        debug_assert_eq!(self.products.len(), HERO_COUNT);
        debug_assert_eq!(self.products[H_GIFT].sku, "GIFT-CARD");
        debug_assert_eq!(self.products[H_PROP1047].sku, "PROP-1047");
        debug_assert_eq!(self.products[H_SERVO].sku, "SRV-9G");
        debug_assert_eq!(self.products[H_LIPO4].sku, "LIPO-4S-3300");
    }

    /// Packs made of generated products: a vehicle with its battery, charger and maybe a radio, or a
    /// workshop box; some include a magazine (5.5 %), so the kit's VAT must be split.
    fn generated_kits(&mut self, count: usize) {
        let mut lipos: Vec<Vec<usize>> = vec![Vec::new(); 7];
        let (mut vehicles, mut chargers, mut radios, mut mags, mut glues, mut props) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, p) in self.products.iter().enumerate() {
            match p.fam {
                Fam::Lipo => lipos[usize::from(p.fit.cells)].push(i),
                f if f.is_vehicle() && p.variant_of.is_none() && (2..=6).contains(&p.fit.cells) => {
                    vehicles.push(i)
                }
                Fam::Charger if p.price <= 12_900 => chargers.push(i),
                Fam::Radio if p.variant_of.is_none() && p.price <= 39_900 => radios.push(i),
                Fam::Mag => mags.push(i),
                Fam::Glue => glues.push(i),
                Fam::Prop => props.push(i),
                _ => {}
            }
        }
        for n in 0..count {
            let mut parts: Vec<(usize, u32)> = Vec::new();
            let (name_fr, name_en);
            let vehicle_pack = self.rng.percent(70) && !vehicles.is_empty();
            if vehicle_pack {
                let v = *self.rng.pick(&vehicles);
                let cells = usize::from(self.products[v].fit.cells);
                parts.push((v, 1));
                let bucket = if lipos[cells].is_empty() { &lipos[3] } else { &lipos[cells] };
                if !bucket.is_empty() {
                    let l = *self.rng.pick(bucket);
                    parts.push((l, if self.rng.percent(30) { 2 } else { 1 }));
                }
                if !chargers.is_empty() {
                    parts.push((*self.rng.pick(&chargers), 1));
                }
                if !radios.is_empty() && self.rng.percent(50) {
                    parts.push((*self.rng.pick(&radios), 1));
                }
                let with_mag = !mags.is_empty() && self.rng.percent(25);
                if with_mag {
                    parts.push((*self.rng.pick(&mags), 1));
                }
                let p = &self.products[v];
                let (ready_fr, ready_en) = match p.fam {
                    Fam::Car => ("prêt à rouler", "ready-to-run pack"),
                    Fam::Boat => ("prêt à naviguer", "ready-to-sail pack"),
                    _ => ("prêt à voler", "ready-to-fly pack"),
                };
                let (sfr, sen) = (p.short_fr.clone(), p.short_en.clone());
                let plus_fr = if with_mag { " + magazine" } else { "" };
                name_fr = first_fit(&[
                    format!("Pack {sfr} {ready_fr}{plus_fr}"),
                    format!("Pack {sfr} {ready_fr}"),
                    fit_words("Pack", &sfr),
                ]);
                name_en = fit_mid("", &sen, ready_en);
            } else {
                let g1 = *self.rng.pick(&glues);
                parts.push((g1, 1));
                let g2 = *self.rng.pick(&glues);
                if g2 != g1 {
                    parts.push((g2, 1));
                }
                parts.push((*self.rng.pick(&props), self.rng.range(2, 4) as u32));
                let with_mag = self.rng.percent(50);
                if with_mag {
                    parts.push((*self.rng.pick(&mags), 1));
                }
                const THEMES: [(&str, &str); 12] = [
                    ("débutant", "beginner"),
                    ("entoilage", "covering"),
                    ("maquettiste", "modeller"),
                    ("réparation", "repair"),
                    ("terrain", "flying field"),
                    ("hiver", "winter"),
                    ("Noël", "Christmas"),
                    ("club", "club"),
                    ("école", "school"),
                    ("collage", "gluing"),
                    ("hélices", "propeller"),
                    ("week-end", "weekend"),
                ];
                let (mut fr, mut en) = (String::new(), String::new());
                for _ in 0..8 {
                    let (tfr, ten) = *self.rng.pick(&THEMES);
                    (fr, en) = if with_mag {
                        (format!("Pack {tfr} + magazine"), format!("{} pack + magazine", capitalise(ten)))
                    } else {
                        (format!("Coffret atelier {tfr}"), format!("{} workshop box", capitalise(ten)))
                    };
                    if !self.names.contains(&fr) {
                        break;
                    }
                }
                name_fr = fr;
                name_en = en;
            }
            let sum: i64 = parts.iter().map(|&(i, q)| self.products[i].price * i64::from(q)).sum();
            let price = charm(sum * self.rng.range(86, 95) / 100);
            let d = Draft {
                sku: self.sku(Fam::Kit, HNC, if vehicle_pack { "PACK" } else { "ATL" }),
                name_fr,
                name_en,
                price,
                attrs: format!("pack={}", n + 1),
                brand: HNC,
                ..Draft::default()
            };
            let k = self.push(Fam::Kit, d, None);
            self.kits.extend(parts.into_iter().map(|(c, q)| (k, c, q)));
        }
    }

    /// Accessory -> vehicle, motor or radio.
    fn compatibility(&self) -> Vec<(usize, usize)> {
        let mut rng = Rng::new(self.seed, 2);
        let mut by_cells: Vec<Vec<usize>> = vec![Vec::new(); 7];
        let mut by_prop: Vec<Vec<usize>> = vec![Vec::new(); 16];
        let mut by_servo: Vec<Vec<usize>> = vec![Vec::new(); 4];
        let mut by_proto: Vec<Vec<usize>> = vec![Vec::new(); PROTOCOLS.len() + 1];
        let mut motors: Vec<Vec<usize>> = vec![Vec::new(); 7];
        for (i, p) in self.products.iter().enumerate() {
            if p.variant_of.is_some() {
                continue;
            }
            let f = p.fit;
            match p.fam {
                fam if fam.is_vehicle() => {
                    by_cells[usize::from(f.cells)].push(i);
                    by_servo[usize::from(f.servo)].push(i);
                    if matches!(fam, Fam::Plane | Fam::Glider) && f.prop > 0 {
                        by_prop[usize::from(f.prop)].push(i);
                    }
                }
                Fam::Motor => {
                    by_prop[usize::from(f.prop)].push(i);
                    motors[usize::from(f.cells)].push(i);
                }
                Fam::Radio => by_proto[usize::from(f.proto)].push(i),
                _ => {}
            }
        }
        let mut rows = Vec::new();
        let mut targets: Vec<usize> = Vec::new();
        for (i, p) in self.products.iter().enumerate() {
            let f = p.fit;
            let (bucket, lo, hi) = match p.fam {
                Fam::Lipo => (&by_cells[usize::from(f.cells)], 3, 8),
                Fam::Prop => (&by_prop[usize::from(f.prop)], 3, 6),
                Fam::Servo => (&by_servo[usize::from(f.servo)], 3, 6),
                Fam::Recv => (&by_proto[usize::from(f.proto)], 1, 3),
                Fam::Esc => (&motors[usize::from(f.cells)], 2, 4),
                Fam::Spare => {
                    if let Some(t) = f.target {
                        rows.push((i, t));
                    }
                    continue;
                }
                _ => continue,
            };
            targets.clear();
            if matches!(i, H_LIPO3 | H_PROP1060 | H_PROP1047 | H_SERVO) {
                targets.push(H_CUB);
            }
            let k = targets.len() + rng.range(lo, hi) as usize;
            let mut attempts = 0;
            while targets.len() < k && attempts < 4 * k && !bucket.is_empty() {
                let t = *rng.pick(bucket);
                if !targets.contains(&t) {
                    targets.push(t);
                }
                attempts += 1;
            }
            rows.extend(targets.iter().map(|&t| (i, t)));
        }
        rows
    }

    fn write(&self, dir: &Path) -> Result<()> {
        let mut csv = Csv::create(dir, "families.csv", &["code", "name_fr", "name_en", "revenue_account"])?;
        for fam in ALL_FAMILIES {
            let (code, fr, en, account, _) = fam.info();
            csv.row(&[code, fr, en, account])?;
        }
        csv.finish()?;

        let mut csv = Csv::create(
            dir,
            "products.csv",
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
        for p in &self.products {
            let plu = p.plu.map(|n| format!("{n:05}")).unwrap_or_default();
            let eco = p.eco.map(money).unwrap_or_default();
            let model = p.variant_of.map(|m| self.products[m].sku.as_str()).unwrap_or("");
            csv.row(&[
                &p.sku,
                &p.name_fr,
                &p.name_en,
                p.fam.code(),
                &rate(p.fam.vat()),
                &money(p.price),
                &p.barcodes,
                p.fam.kind(),
                &plu,
                &eco,
                model,
                &p.attrs,
            ])?;
        }
        csv.finish()?;

        let mut csv = Csv::create(dir, "kits.csv", &["kit_sku", "component_sku", "quantity"])?;
        for &(k, c, q) in &self.kits {
            csv.row(&[&self.products[k].sku, &self.products[c].sku, &q.to_string()])?;
        }
        csv.finish()?;

        let mut csv = Csv::create(dir, "compatibility.csv", &["sku", "fits_sku"])?;
        for (a, t) in self.compatibility() {
            csv.row(&[&self.products[a].sku, &self.products[t].sku])?;
        }
        csv.finish()?;

        self.write_price_lists(dir)
    }

    /// Club prices (TTC, about 5 % off, to the 10 cents) and pro prices (HT, about 10 % off).
    fn write_price_lists(&self, dir: &Path) -> Result<()> {
        let mut rng = Rng::new(self.seed, 3);
        let mut csv = Csv::create(dir, "price_lists.csv", &["segment", "sku", "price", "basis"])?;
        csv.row(&["club", "PLN-CUB-1200", "239.00", "ttc"])?;
        csv.row(&["club", "LIPO-3S-2200", "22.90", "ttc"])?;
        let eligible = |p: &Product| p.fam != Fam::Gift && p.fam != Fam::Bulk && p.price > 0;
        for (i, p) in self.products.iter().enumerate() {
            if i == H_CUB || i == H_LIPO3 || !eligible(p) || !rng.percent(17) {
                continue;
            }
            let club = div_round(p.price * 95, 1000) * 10;
            if club > 0 && club < p.price {
                csv.row(&["club", &p.sku, &money(club), "ttc"])?;
            }
        }
        for p in &self.products {
            if !eligible(p) || !rng.percent(17) {
                continue;
            }
            let off = rng.range(8, 12);
            let pro = div_round(p.price * (100 - off) * 10, 1000 + i64::from(p.fam.vat()));
            if pro > 0 {
                csv.row(&["pro", &p.sku, &money(pro), "ht"])?;
            }
        }
        csv.finish()
    }
}

// ---------------------------------------------------------------------------------------------------
// The chain itself: company, rates, locations, staff, promotions, customers.

/// A fictitious SIREN (8 digits + Luhn check digit).
fn siren() -> String {
    let base = "83741962";
    format!("{base}{}", luhn_digit(base))
}

fn write_static(dir: &Path) -> Result<()> {
    let siren = siren();
    let mut csv = Csv::create(dir, "chain.csv", &["key", "value"])?;
    csv.row(&["name", "Hélices & Coques SAS"])?;
    csv.row(&["siren", &siren])?;
    csv.row(&["loyalty_point_value", "0.05"])?;
    csv.finish()?;

    let mut csv = Csv::create(dir, "vat_rates.csv", &["category", "rate", "valid_from", "valid_to"])?;
    for row in [
        ["normal", "19.6", "2000-04-01", "2013-12-31"],
        ["normal", "20", "2014-01-01", ""],
        ["intermediate", "7", "2012-01-01", "2013-12-31"],
        ["intermediate", "10", "2014-01-01", ""],
        ["reduced", "5.5", "2000-01-01", ""],
        ["super_reduced", "2.1", "2000-01-01", ""],
        ["zero", "0", "2000-01-01", ""],
    ] {
        csv.row(&row)?;
    }
    csv.finish()?;

    let mut csv =
        Csv::create(dir, "barcode_layouts.csv", &["prefix", "plu_digits", "value", "value_digits"])?;
    csv.row(&["21", "5", "weight_g", "5"])?;
    csv.row(&["22", "5", "price_cents", "5"])?;
    csv.finish()?;

    // Each store's keys for what is sold loose or off a shelf the scanner does not reach.
    let mut csv = Csv::create(dir, "quick_keys.csv", &["store", "position", "sku", "label"])?;
    for store in ["PAR", "LYO", "NAN"] {
        for (position, sku, label) in [
            ("1", "BULK-BALSA-KG", "Balsa au kg"),
            ("2", "PROP-1060", "Hélice 10x6"),
            ("3", "PROP-1047", "Hélice 10x4.7"),
            ("4", "GLUE-CYANO-20", "Cyano 20 g"),
            ("5", "SRV-9G", "Servo 9 g"),
        ] {
            csv.row(&[store, position, sku, label])?;
        }
    }
    csv.finish()?;

    let mut csv = Csv::create(dir, "loyalty_tiers.csv", &["tier", "points_per_euro"])?;
    for row in [["none", "1"], ["bronze", "1"], ["silver", "1.5"], ["gold", "2"]] {
        csv.row(&row)?;
    }
    csv.finish()?;

    let mut csv = Csv::create(dir, "locations.csv", &["code", "kind", "name", "city", "time_zone", "siret"])?;
    let locations = [
        ("PAR", "store", "Hélices & Coques Paris", "Paris", "0002"),
        ("LYO", "store", "Hélices & Coques Lyon", "Lyon", "0001"),
        ("NAN", "store", "Hélices & Coques Nantes", "Nantes", "0003"),
        ("WEB", "web", "Boutique en ligne", "Saint-Priest", "0004"),
        ("WHS", "warehouse", "Entrepôt de Saint-Priest", "Saint-Priest", "0005"),
    ];
    for (code, kind, name, city, nic) in locations {
        let payload = format!("{siren}{nic}");
        let siret = format!("{payload}{}", luhn_digit(&payload));
        csv.row(&[code, kind, name, city, "Europe/Paris", &siret])?;
    }
    csv.finish()?;

    let mut csv = Csv::create(dir, "staff.csv", &["id", "name", "role", "pin", "location"])?;
    for row in [
        ["S001", "Sophie Lambert", "manager", "48213", "PAR"],
        ["S002", "Karim Benali", "cashier", "1937", "PAR"],
        ["S003", "Julie Moreau", "cashier", "552418", "PAR"],
        ["S004", "Thomas Nguyen", "cashier", "7306", "PAR"],
        ["S005", "Marc Dubois", "technician", "6642", "PAR"],
        ["S006", "Nathalie Roux", "manager", "90517", "LYO"],
        ["S007", "Lucas Girard", "cashier", "2468", "LYO"],
        ["S008", "Inès Haddad", "cashier", "813579", "LYO"],
        ["S009", "Pierre Fontaine", "cashier", "3141", "LYO"],
        ["S010", "Yannick Chevalier", "technician", "5720", "LYO"],
        ["S011", "Gaëlle Le Gall", "manager", "60934", "NAN"],
        ["S012", "Loïc Tanguy", "cashier", "8025", "NAN"],
        ["S013", "Manon Perrin", "cashier", "471102", "NAN"],
        ["S014", "Erwan Kerbrat", "technician", "3390", "NAN"],
        ["S015", "Olivier Mercier", "manager", "91846", "WHS"],
    ] {
        csv.row(&row)?;
    }
    csv.finish()?;

    let mut csv = Csv::create(
        dir,
        "promotions.csv",
        &[
            "id",
            "name_fr",
            "kind",
            "priority",
            "starts",
            "ends",
            "locations",
            "segments",
            "family",
            "skus",
            "percent",
            "price",
            "buy",
            "get",
            "threshold",
            "amount",
        ],
    )?;
    for row in PROMOTIONS {
        csv.row(&row)?;
    }
    csv.finish()
}

/// November and December 2026. Exactly ten of them are active at LYO on Saturday 2026-12-05 for a
/// club member (the demo's customer), eleven counting the pro-only one.
const PROMOTIONS: [[&str; 16]; 19] = [
    // id, name, kind, priority, starts, ends, locations, segments, family, skus, percent, price, buy, get, threshold, amount
    [
        "P001",
        "LiPo -15 %",
        "percent_off_family",
        "10",
        "2026-12-01",
        "2026-12-24",
        "",
        "",
        "LIPO",
        "",
        "15",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "P002",
        "3 hélices pour le prix de 2",
        "buy_x_get_y",
        "20",
        "2026-11-15",
        "2026-12-31",
        "",
        "",
        "PROP",
        "",
        "100",
        "",
        "2",
        "1",
        "",
        "",
    ],
    [
        "P003",
        "Pack Cub : avion + LiPo + chargeur",
        "bundle",
        "30",
        "2026-12-01",
        "2026-12-31",
        "",
        "",
        "",
        "PLN-CUB-1200|LIPO-3S-2200|CHG-B6-NEO",
        "",
        "299.00",
        "",
        "",
        "",
        "",
    ],
    [
        "P004",
        "Club : -10 € dès 150 €",
        "basket_threshold",
        "5",
        "2026-11-01",
        "2026-12-31",
        "",
        "club",
        "",
        "",
        "",
        "",
        "",
        "",
        "150.00",
        "10.00",
    ],
    [
        "P005",
        "Cyano à 4,90 €",
        "fixed_price",
        "15",
        "2026-12-01",
        "2026-12-15",
        "LYO|PAR",
        "",
        "",
        "GLUE-CYANO-20",
        "",
        "4.90",
        "",
        "",
        "",
        "",
    ],
    [
        "P006",
        "Week-end servos -20 %",
        "percent_off_family",
        "12",
        "2026-12-05",
        "2026-12-06",
        "",
        "",
        "SERVO",
        "",
        "20",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "P007",
        "Noël : -5 % dès 300 €",
        "basket_threshold",
        "6",
        "2026-12-01",
        "2026-12-24",
        "",
        "",
        "",
        "",
        "5",
        "",
        "",
        "",
        "300.00",
        "",
    ],
    [
        "P008",
        "Lyon : récepteurs -10 %",
        "percent_off_family",
        "11",
        "2026-12-01",
        "2026-12-13",
        "LYO",
        "",
        "RECV",
        "",
        "10",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "P009",
        "Fête des Lumières : avions -10 %",
        "percent_off_family",
        "8",
        "2026-12-04",
        "2026-12-08",
        "LYO",
        "",
        "PLANE",
        "",
        "10",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "P010",
        "Pro : -3 % dès 500 €",
        "basket_threshold",
        "3",
        "2026-11-01",
        "2026-12-31",
        "",
        "pro",
        "",
        "",
        "3",
        "",
        "",
        "",
        "500.00",
        "",
    ],
    [
        "P011",
        "Black Friday : moteurs -20 %",
        "percent_off_family",
        "10",
        "2026-11-27",
        "2026-11-30",
        "",
        "",
        "MOTOR",
        "",
        "20",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "P012",
        "Servo 9 g : 4 achetés = 1 offert",
        "buy_x_get_y",
        "15",
        "2026-11-01",
        "2026-11-30",
        "",
        "",
        "",
        "SRV-9G",
        "100",
        "",
        "4",
        "1",
        "",
        "",
    ],
    [
        "P013",
        "Chargeur B6 Neo à 49,90 €",
        "fixed_price",
        "15",
        "2026-11-20",
        "2026-11-30",
        "",
        "",
        "",
        "CHG-B6-NEO",
        "",
        "49.90",
        "",
        "",
        "",
        "",
    ],
    [
        "P014",
        "Paris : hélicoptères -10 %",
        "percent_off_family",
        "10",
        "2026-12-01",
        "2026-12-31",
        "PAR",
        "",
        "HELI",
        "",
        "10",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "P015",
        "Nantes : bateaux -15 %",
        "percent_off_family",
        "10",
        "2026-11-01",
        "2026-11-30",
        "NAN",
        "",
        "BOAT",
        "",
        "15",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "P016",
        "Web : drones -10 %",
        "percent_off_family",
        "10",
        "2026-12-01",
        "2026-12-31",
        "WEB",
        "",
        "DRONE",
        "",
        "10",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "P017",
        "Radio TX16S + chargeur B6 Neo",
        "bundle",
        "25",
        "2026-12-14",
        "2026-12-24",
        "",
        "",
        "",
        "RAD-TX16S|CHG-B6-NEO",
        "",
        "269.00",
        "",
        "",
        "",
        "",
    ],
    [
        "P018",
        "Week-end colles : la 2e à -50 %",
        "buy_x_get_y",
        "12",
        "2026-11-07",
        "2026-11-08",
        "",
        "",
        "GLUE",
        "",
        "50",
        "",
        "1",
        "1",
        "",
        "",
    ],
    [
        "P019",
        "Colles & outillage -10 %",
        "percent_off_family",
        "9",
        "2026-12-01",
        "2026-12-20",
        "",
        "",
        "GLUE",
        "",
        "10",
        "",
        "",
        "",
        "",
        "",
    ],
];

const FIRST_NAMES: [&str; 60] = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Sarah",
    "Julie",
    "Marie",
    "Anaïs",
    "Élodie",
    "Claire",
    "Sophie",
    "Nathalie",
    "Isabelle",
    "Céline",
    "Aurélie",
    "Laura",
    "Pauline",
    "Mathilde",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Nathan",
    "Théo",
    "Thomas",
    "Nicolas",
    "Julien",
    "Maxime",
    "Antoine",
    "Alexandre",
    "Pierre",
    "Jean",
    "Philippe",
    "Michel",
    "Patrick",
    "Alain",
    "Christophe",
    "Sébastien",
    "Frédéric",
    "Olivier",
    "Laurent",
    "Stéphane",
    "Éric",
    "David",
    "Guillaume",
    "Romain",
    "Vincent",
    "François",
    "Benoît",
    "Yannick",
    "Gaël",
    "Loïc",
    "Mathis",
    "Noé",
    "Raphaël",
    "Baptiste",
];

const LAST_NAMES: [&str; 64] = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Le Goff",
    "Le Gall",
    "Kerbrat",
    "Tanguy",
    "Benali",
];

/// Towns of professional customers and the location that serves them.
const TOWNS: [(&str, &str); 24] = [
    ("Bron", "LYO"),
    ("Villeurbanne", "LYO"),
    ("Vénissieux", "LYO"),
    ("Saint-Priest", "LYO"),
    ("Caluire", "LYO"),
    ("Grenoble", "LYO"),
    ("Annecy", "LYO"),
    ("Rezé", "NAN"),
    ("Saint-Herblain", "NAN"),
    ("Orvault", "NAN"),
    ("Vertou", "NAN"),
    ("Nantes", "NAN"),
    ("Angers", "NAN"),
    ("Rennes", "NAN"),
    ("Vincennes", "PAR"),
    ("Boulogne-Billancourt", "PAR"),
    ("Créteil", "PAR"),
    ("Versailles", "PAR"),
    ("Paris", "PAR"),
    ("Toulouse", "WEB"),
    ("Bordeaux", "WEB"),
    ("Lille", "WEB"),
    ("Orléans", "WEB"),
    ("Dijon", "WEB"),
];

/// People schools are named after.
const PATRONS: [&str; 12] = [
    "Jean Moulin",
    "Marie Curie",
    "Jules Verne",
    "Victor Hugo",
    "Louis Blériot",
    "Roland Garros",
    "Hélène Boucher",
    "Saint-Exupéry",
    "Clément Ader",
    "Gustave Eiffel",
    "Jacqueline Auriol",
    "Maryse Bastié",
];

/// `de Lyon`, `d'Angers`.
fn de(town: &str) -> String {
    if town.starts_with(['A', 'E', 'É', 'I', 'O', 'U', 'Y']) {
        format!("d'{town}")
    } else {
        format!("de {town}")
    }
}

fn write_customers(dir: &Path, seed: u64) -> Result<()> {
    let mut rng = Rng::new(seed, 4);
    let mut used: HashSet<String> = HashSet::new();
    used.insert("camille.martin".to_owned());
    let mut orgs: HashSet<String> = HashSet::new();
    let mut unique = |local: String| -> String {
        let mut candidate = local.clone();
        let mut n = 2;
        while !used.insert(candidate.clone()) {
            candidate = format!("{local}{n}");
            n += 1;
        }
        format!("{candidate}@example.fr")
    };
    let mut csv = Csv::create(
        dir,
        "customers.csv",
        &["id", "name", "email", "segment", "tier", "points", "home_location"],
    )?;
    for i in 1..=CUSTOMERS {
        let id = format!("C{i:05}");
        if i == 42 {
            csv.row(&[&id, "Camille Martin", "camille.martin@example.fr", "club", "gold", "1240", "LYO"])?;
            continue;
        }
        let segment = rng.weighted(&[("retail", 80), ("pro", 8), ("club", 12)]);
        let (name, email, home) = if segment == "pro" {
            let (mut name, mut home) = (String::new(), "");
            for _ in 0..8 {
                let town;
                (town, home) = *rng.pick(&TOWNS);
                name = match rng.below(7) {
                    0 | 1 => format!("Aéroclub {}", de(town)),
                    2 => format!("Lycée {}", rng.pick(&PATRONS)),
                    3 => format!("Collège {}", rng.pick(&PATRONS)),
                    4 => format!("Club modéliste {}", de(town)),
                    5 => format!("Atelier maquettes {}", de(town)),
                    _ => format!("FabLab {}", de(town)),
                };
                if orgs.insert(name.clone()) {
                    break;
                }
            }
            let email = unique(slug(&name, '-'));
            (name, email, home)
        } else {
            let first = *rng.pick(&FIRST_NAMES);
            let last = *rng.pick(&LAST_NAMES);
            let email = unique(format!("{}.{}", slug(first, '-'), slug(last, '-')));
            let home = rng.weighted(&[("PAR", 35), ("LYO", 25), ("NAN", 20), ("WEB", 20)]);
            (format!("{first} {last}"), email, home)
        };
        let tier = match segment {
            "club" => rng.weighted(&[("none", 10), ("bronze", 30), ("silver", 35), ("gold", 25)]),
            "pro" => rng.weighted(&[("none", 60), ("bronze", 20), ("silver", 15), ("gold", 5)]),
            _ => rng.weighted(&[("none", 45), ("bronze", 30), ("silver", 17), ("gold", 8)]),
        };
        let points = match tier {
            "none" => rng.range(0, 400),
            "bronze" => rng.range(100, 1500),
            "silver" => rng.range(800, 3000),
            _ => rng.range(2000, 5000),
        };
        csv.row(&[&id, &name, &email, segment, tier, &points.to_string(), home])?;
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::path::{Path, PathBuf};

    use pos_core::barcode::Gtin;

    use super::*;

    const FILES: [&str; 14] = [
        "chain.csv",
        "vat_rates.csv",
        "families.csv",
        "products.csv",
        "kits.csv",
        "compatibility.csv",
        "locations.csv",
        "staff.csv",
        "customers.csv",
        "price_lists.csv",
        "promotions.csv",
        "barcode_layouts.csv",
        "loyalty_tiers.csv",
        "quick_keys.csv",
    ];

    fn temp(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pos-fixtures-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    /// RFC 4180 reader (quoted fields, doubled quotes), header row included.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let (mut rows, mut row, mut field, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
        let mut it = text.chars().peekable();
        while let Some(c) = it.next() {
            if quoted {
                if c == '"' {
                    if it.peek() == Some(&'"') {
                        field.push('"');
                        it.next();
                    } else {
                        quoted = false;
                    }
                } else {
                    field.push(c);
                }
            } else {
                match c {
                    '"' => quoted = true,
                    ',' => row.push(std::mem::take(&mut field)),
                    '\n' => {
                        row.push(std::mem::take(&mut field));
                        rows.push(std::mem::take(&mut row));
                    }
                    _ => field.push(c),
                }
            }
        }
        assert!(field.is_empty() && row.is_empty(), "file does not end with a newline");
        rows
    }

    /// Every file as a list of records: column name -> value.
    fn load(dir: &Path) -> HashMap<&'static str, Vec<HashMap<String, String>>> {
        let mut out = HashMap::new();
        for name in FILES {
            let text = fs::read_to_string(dir.join(name)).unwrap();
            let rows = parse(&text);
            let header = rows[0].clone();
            let records = rows[1..]
                .iter()
                .map(|r| {
                    assert_eq!(r.len(), header.len(), "{name}: {r:?}");
                    header.iter().cloned().zip(r.iter().cloned()).collect()
                })
                .collect();
            out.insert(name, records);
        }
        out
    }

    fn cents(s: &str) -> i64 {
        let (e, c) = s.split_once('.').unwrap_or((s, "00"));
        assert_eq!(c.len(), 2, "amount {s}");
        e.parse::<i64>().unwrap() * 100 + c.parse::<i64>().unwrap()
    }

    fn luhn_ok(s: &str) -> bool {
        luhn_digit(&s[..s.len() - 1]) == s.as_bytes()[s.len() - 1] - b'0'
    }

    /// Everything the README promises, checked on one generated directory.
    fn check(dir: &Path, products: usize) {
        let files = load(dir);
        let p = &files["products.csv"];
        assert_eq!(p.len(), products);
        let by_sku: HashMap<&str, &HashMap<String, String>> =
            p.iter().map(|r| (r["sku"].as_str(), r)).collect();
        assert_eq!(by_sku.len(), p.len(), "duplicate SKU");
        let families: HashSet<&str> = files["families.csv"].iter().map(|r| r["code"].as_str()).collect();
        let mut barcodes = HashSet::new();
        let mut plus = HashSet::new();
        let (mut ean8, mut upc, mut double) = (0, 0, 0);
        for r in p {
            let sku = &r["sku"];
            assert!(
                (1..=32).contains(&sku.len())
                    && sku.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'),
                "{sku}"
            );
            assert!(chars(&r["name_fr"]) <= 40 && chars(&r["name_en"]) <= 40, "{sku}: {}", r["name_fr"]);
            assert!(!r["name_fr"].is_empty() && !r["name_en"].is_empty());
            assert!(families.contains(r["family"].as_str()));
            let vat = r["vat_rate"].as_str();
            match r["family"].as_str() {
                "MAG" => assert_eq!(vat, "5.5"),
                "GIFT" => {
                    assert_eq!((vat, r["price_ttc"].as_str(), r["kind"].as_str()), ("0", "0.00", "gift_card"))
                }
                _ => assert_eq!(vat, "20"),
            }
            let price = cents(&r["price_ttc"]);
            assert!(price > 0 || r["kind"] == "gift_card", "{sku}");
            let codes: Vec<&str> = r["barcode"].split('|').collect();
            double += usize::from(codes.len() > 1);
            for code in codes {
                let g = Gtin::parse(code).unwrap_or_else(|e| panic!("{sku}: {e}"));
                assert!(!g.is_restricted() && !code.starts_with('2'), "{sku}: {code}");
                ean8 += usize::from(code.len() == 8);
                upc += usize::from(code.len() == 12);
                assert!(barcodes.insert(code.to_owned()), "duplicate barcode {code}");
            }
            match r["kind"].as_str() {
                "weighed" => {
                    assert_eq!(r["family"], "BULK");
                    assert!(r["plu"].len() == 5 && r["plu"].bytes().all(|b| b.is_ascii_digit()));
                    assert!(plus.insert(r["plu"].clone()), "duplicate PLU");
                }
                "serial" => assert!(matches!(r["family"].as_str(), "RADIO" | "CHARGER")),
                "kit" => assert_eq!(r["family"], "KIT"),
                _ => assert!(r["plu"].is_empty()),
            }
            if !r["eco_ttc"].is_empty() {
                let eco = cents(&r["eco_ttc"]);
                assert!((2..=100).contains(&eco) && eco < price, "{sku}");
                assert!(matches!(
                    r["family"].as_str(),
                    "RADIO" | "RECV" | "CHARGER" | "LIPO" | "ESC" | "DRONE"
                ));
            }
            if !r["variant_of"].is_empty() {
                let model = by_sku[r["variant_of"].as_str()];
                assert!(model["variant_of"].is_empty() && model["family"] == r["family"]);
            }
            for pair in r["attributes"].split(';').filter(|s| !s.is_empty()) {
                assert!(
                    pair.split_once('=').is_some_and(|(k, v)| !k.is_empty() && !v.is_empty()),
                    "{sku}: {pair}"
                );
            }
        }
        assert!(ean8 >= 2 && upc >= 2 && double >= 2, "EAN-8 {ean8}, UPC-A {upc}, two barcodes {double}");
        assert!(plus.len() >= 10.min(products / 100));

        let mut kit_parts: HashMap<&str, usize> = HashMap::new();
        for r in &files["kits.csv"] {
            let (kit, part) = (r["kit_sku"].as_str(), r["component_sku"].as_str());
            assert_eq!(by_sku[kit]["kind"], "kit");
            assert!(!matches!(by_sku[part]["kind"].as_str(), "kit" | "gift_card"), "{kit} holds {part}");
            assert!(r["quantity"].parse::<u32>().unwrap() >= 1);
            *kit_parts.entry(kit).or_default() += 1;
        }
        for r in p.iter().filter(|r| r["kind"] == "kit") {
            assert!((2..=5).contains(&kit_parts[r["sku"].as_str()]), "{}", r["sku"]);
        }
        let mut links = HashSet::new();
        for r in &files["compatibility.csv"] {
            let (a, b) = (r["sku"].as_str(), r["fits_sku"].as_str());
            assert!(a != b && by_sku.contains_key(a) && by_sku.contains_key(b));
            assert!(links.insert((a, b)), "duplicate link {a} {b}");
        }
        for r in &files["price_lists.csv"] {
            let prod = by_sku[r["sku"].as_str()];
            assert_ne!(prod["kind"], "gift_card");
            let price = cents(&r["price"]);
            match r["segment"].as_str() {
                "club" => {
                    assert!(r["basis"] == "ttc" && price < cents(&prod["price_ttc"]) && price % 10 == 0)
                }
                "pro" => assert!(r["basis"] == "ht" && price > 0 && price < cents(&prod["price_ttc"])),
                s => panic!("segment {s}"),
            }
        }
        let promos = &files["promotions.csv"];
        for r in promos {
            for sku in r["skus"].split('|').filter(|s| !s.is_empty()) {
                assert!(by_sku.contains_key(sku), "{sku}");
            }
        }
        let active = promos
            .iter()
            .filter(|r| r["starts"].as_str() <= "2026-12-05" && "2026-12-05" <= r["ends"].as_str())
            .filter(|r| r["locations"].is_empty() || r["locations"].split('|').any(|l| l == "LYO"))
            .filter(|r| r["segments"].is_empty() || r["segments"].split('|').any(|s| s == "club"))
            .count();
        assert_eq!(active, 10);

        let customers = &files["customers.csv"];
        assert_eq!(customers.len(), 500);
        let emails: HashSet<&str> = customers.iter().map(|r| r["email"].as_str()).collect();
        assert_eq!(emails.len(), 500);
        let c42 = &customers[41];
        assert_eq!(
            [&c42["id"], &c42["name"], &c42["segment"], &c42["tier"], &c42["points"], &c42["home_location"]],
            ["C00042", "Camille Martin", "club", "gold", "1240", "LYO"]
        );
        let pros = customers.iter().filter(|r| r["segment"] == "pro").count();
        let clubs = customers.iter().filter(|r| r["segment"] == "club").count();
        assert!((20..=70).contains(&pros) && (35..=100).contains(&clubs), "pro {pros}, club {clubs}");

        let chain = &files["chain.csv"];
        let siren = &chain[1]["value"];
        assert!(siren.len() == 9 && luhn_ok(siren));
        for r in &files["locations.csv"] {
            assert!(r["siret"].len() == 14 && r["siret"].starts_with(siren.as_str()) && luhn_ok(&r["siret"]));
        }
        let pins: HashSet<&str> = files["staff.csv"].iter().map(|r| r["pin"].as_str()).collect();
        assert_eq!(pins.len(), files["staff.csv"].len());
    }

    #[test]
    fn the_demo_is_the_same_every_run() {
        let (a, b) = (temp("demo-a"), temp("demo-b"));
        write_demo(&a).unwrap();
        write_demo(&b).unwrap();
        for name in FILES {
            assert_eq!(fs::read(a.join(name)).unwrap(), fs::read(b.join(name)).unwrap(), "{name}");
        }
        fs::remove_dir_all(&a).unwrap();
        fs::remove_dir_all(&b).unwrap();
    }

    #[test]
    fn the_demo_keeps_the_readme_promises() {
        let dir = temp("demo-check");
        write_demo(&dir).unwrap();
        check(&dir, DEMO_PRODUCTS);
        let files = load(&dir);
        let p = &files["products.csv"];
        let heroes: Vec<&str> = p[..HERO_COUNT].iter().map(|r| r["sku"].as_str()).collect();
        assert_eq!(
            heroes,
            [
                "PLN-CUB-1200",
                "LIPO-3S-2200",
                "LIPO-4S-3300",
                "CHG-B6-NEO",
                "RAD-TX16S",
                "PROP-1060",
                "PROP-1047",
                "SRV-9G",
                "MAG-RCM-2612",
                "GLUE-CYANO-20",
                "BULK-BALSA-KG",
                "GIFT-CARD",
                "KIT-CUB-RTF",
                "KIT-START-MAG"
            ]
        );
        let balsa = &p[H_BALSA];
        assert_eq!(
            (balsa["kind"].as_str(), balsa["plu"].as_str(), balsa["price_ttc"].as_str()),
            ("weighed", "00123", "18.00")
        );
        let kits = files["kits.csv"].len();
        let kit_products = p.iter().filter(|r| r["kind"] == "kit").count();
        assert_eq!(kit_products, 30);
        assert!(kits >= 60);
        let weighed = p.iter().filter(|r| r["kind"] == "weighed").count();
        assert!((10..=20).contains(&weighed));
        let compat = &files["compatibility.csv"];
        assert!((2000..=6000).contains(&compat.len()), "{}", compat.len());
        for acc in ["LIPO-3S-2200", "PROP-1060", "PROP-1047", "SRV-9G"] {
            assert!(compat.iter().any(|r| r["sku"] == acc && r["fits_sku"] == "PLN-CUB-1200"), "{acc}");
        }
        let club = |sku: &str| {
            files["price_lists.csv"]
                .iter()
                .find(|r| r["segment"] == "club" && r["sku"] == sku)
                .map(|r| r["price"].clone())
        };
        assert_eq!(club("LIPO-3S-2200").as_deref(), Some("22.90"));
        assert_eq!(club("PLN-CUB-1200").as_deref(), Some("239.00"));
        // a kit that mixes 20 % and 5.5 % components
        let vat: HashMap<&str, &str> =
            p.iter().map(|r| (r["sku"].as_str(), r["vat_rate"].as_str())).collect();
        let mut rates: HashMap<&str, HashSet<&str>> = HashMap::new();
        for r in &files["kits.csv"] {
            rates.entry(r["kit_sku"].as_str()).or_default().insert(vat[r["component_sku"].as_str()]);
        }
        assert!(rates.values().filter(|r| r.len() > 1).count() >= 3);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_large_catalogue_has_the_requested_size() {
        let dir = temp("large");
        write_large(&dir, 20_000, 7).unwrap();
        check(&dir, 20_000);
        fs::remove_dir_all(&dir).unwrap();
        assert!(write_large(&temp("tiny"), 5, 1).is_err());
    }
}
