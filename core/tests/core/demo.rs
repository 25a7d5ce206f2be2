//! The demo chain's files: loaded whole and priced to the cent, and each kind of broken row
//! refused with its file, line and column.

use super::*;

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo")
}

fn demo_files() -> HashMap<String, Vec<u8>> {
    // The chain's files; head office's accounting configuration is a folder of its own.
    std::fs::read_dir(demo_dir())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn load_with(files: &HashMap<String, Vec<u8>>) -> Result<pos_core::chain::Chain, LoadError> {
    load_chain(|name| files.get(name).cloned().ok_or_else(|| "no such file".to_string()))
}

/// Replaces the `column` of data line `line` (1 = header) of `file` by `value`.
fn corrupt(files: &mut HashMap<String, Vec<u8>>, file: &str, line: usize, column: &str, value: &str) {
    let text = String::from_utf8(files[file].clone()).unwrap();
    let mut rows: Vec<String> = text.lines().map(str::to_owned).collect();
    let header: Vec<&str> = rows[0].split(',').collect();
    let col = header.iter().position(|h| *h == column).unwrap();
    let mut fields: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(rows[line - 1].as_bytes())
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    fields[col] = value.to_owned();
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(&fields).unwrap();
    rows[line - 1] = String::from_utf8(w.into_inner().unwrap()).unwrap().trim_end().to_owned();
    files.insert(file.to_owned(), (rows.join("\n") + "\n").into_bytes());
}

#[test]
fn the_demo_chain_loads_whole() {
    let chain = load_with(&demo_files()).unwrap();
    assert!(chain.catalogue.products().len() >= 1500, "{} products", chain.catalogue.products().len());
    assert_eq!(chain.customers.len(), 500);
    assert_eq!(chain.locations.iter().filter(|l| l.kind == pos_core::chain::LocationKind::Store).count(), 3);
    for role in
        [pos_core::chain::Role::Cashier, pos_core::chain::Role::Manager, pos_core::chain::Role::Technician]
    {
        assert!(chain.staff.iter().any(|s| s.role == role));
    }
    let kinds =
        |f: fn(&ProductKind) -> bool| chain.catalogue.products().iter().filter(|p| f(&p.kind)).count();
    assert!(kinds(|k| matches!(k, ProductKind::Weighed { .. })) >= 5);
    assert!(kinds(|k| *k == ProductKind::Serial) >= 10);
    assert!(kinds(|k| *k == ProductKind::Kit) >= 10);
    assert!(chain.catalogue.products().iter().any(|p| p.vat == VatCategory::Reduced));
    assert!(chain.catalogue.products().iter().filter(|p| !p.eco_ttc.is_zero()).count() >= 50);
    let active = chain.promotions.iter().filter(|p| p.is_active(day(), "LYO", Segment::Club)).count();
    assert!(active >= 5, "{active} promotions on the demo day");
    for p in chain.catalogue.products() {
        for b in &p.barcodes {
            assert_eq!(chain.catalogue.scan(b.as_str()).unwrap().product.sku, p.sku);
        }
    }
}

#[test]
fn the_demo_basket_prices_to_the_cent() {
    let chain = load_with(&demo_files()).unwrap();
    let c = ctx(Segment::Club);
    let lines = vec![
        units("PLN-CUB-1200", 1),
        units("LIPO-3S-2200", 2),
        serial("CHG-B6-NEO", "B6N-1"),
        units("PROP-1060", 2),
        units("PROP-1047", 1),
        units("MAG-RCM-2612", 1),
    ];
    let basket = Basket {
        lines: lines
            .into_iter()
            .enumerate()
            .map(|(i, item)| BasketLine { id: i as u32 + 1, item, discount: None })
            .collect(),
        discount: None,
    };
    let t = price(&basket, &c, &chain.rules()).unwrap();
    // Club prices: plane 239.00, LiPo 22.90; bundle P003 (299.00 for plane + LiPo + charger: 321.80 at
    // club prices, 22.80 off); the second LiPo -15 % (P001) on 22.80 = 3.42; props: 3 for 2, the 3.50
    // one free (P002). The basket then stands at 333.18, above both thresholds: P007 (-5 % from 300,
    // priority 6) outranks P004 (-10.00 from 150, priority 5): 5 % of 332.56 (eco-participation 0.62
    // excluded) = 16.63.
    assert_eq!(t.gross, m(23900 + 2 * 2290 + 5990 + 2 * 390 + 350 + 690));
    assert_eq!(t.discounts, m(2280 + 342 + 350 + 1663));
    assert_eq!(t.total, m(31655));
    let basket_promotion = &t.basket_discounts[0].source;
    assert!(
        matches!(basket_promotion, DiscountSource::Promotion { id, .. } if &**id == "P007"),
        "{basket_promotion:?}"
    );
    check_adds_up(&t).unwrap();
    assert_eq!(
        t.vat.rates.iter().map(|r| r.rate.normalize().to_string()).collect::<Vec<_>>(),
        vec!["20", "5.5"]
    );
}

#[test]
fn one_serial_number_is_one_unit_in_a_basket() {
    let chain = load_with(&demo_files()).unwrap();
    let basket = |serials: &[&str]| Basket {
        lines: serials
            .iter()
            .enumerate()
            .map(|(i, s)| BasketLine { id: i as u32 + 1, item: serial("CHG-B6-NEO", s), discount: None })
            .collect(),
        discount: None,
    };
    // Two units, two numbers: sold.
    price(&basket(&["B6N-1", "B6N-2"]), &ctx(Segment::Retail), &chain.rules()).unwrap();
    // The same number twice (with a blank typed after it): refused on the second line.
    let e = price(&basket(&["B6N-1", "B6N-2", "B6N-1 "]), &ctx(Segment::Retail), &chain.rules()).unwrap_err();
    match e {
        PricingError::Line { line: 3, problem: LineProblem::SerialTwice { sku, serial } } => {
            assert_eq!((sku.as_str(), serial.as_str()), ("CHG-B6-NEO", "B6N-1"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_wrong_check_digit_is_refused_with_file_line_and_column() {
    let mut files = demo_files();
    corrupt(&mut files, "products.csv", 5, "barcode", "4006381333932");
    let e = load_with(&files).unwrap_err();
    assert_eq!((e.file.as_str(), e.line, e.column.as_deref()), ("products.csv", Some(5), Some("barcode")));
    assert_eq!(
        e.to_string(),
        "products.csv line 5, column `barcode`: barcode `4006381333932` has check digit 2, expected 1: a typo or a misread; nothing of this file was loaded"
    );
}

#[test]
fn a_vat_rate_that_does_not_exist_is_refused() {
    let mut files = demo_files();
    corrupt(&mut files, "products.csv", 3, "vat_rate", "8");
    let e = load_with(&files).unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (Some(3), Some("vat_rate")));
    assert!(e.message.contains("VAT rate 8 % does not exist"), "{e}");
}

#[test]
fn a_kit_containing_itself_is_refused_on_its_line() {
    let mut files = demo_files();
    let kit = String::from_utf8_lossy(&files["kits.csv"])
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    corrupt(&mut files, "kits.csv", 2, "component_sku", &kit);
    let e = load_with(&files).unwrap_err();
    assert_eq!((e.file.as_str(), e.line, e.column.as_deref()), ("kits.csv", Some(2), Some("component_sku")));
    assert_eq!(e.message, format!("kit {kit} contains itself"));
}

#[test]
fn broken_rows_name_what_is_wrong() {
    let cases: &[(&str, usize, &str, &str, &str)] = &[
        ("products.csv", 4, "price_ttc", "12.345", "more than two decimals"),
        ("products.csv", 4, "family", "NOPE", "family `NOPE` is not in families.csv"),
        ("products.csv", 4, "kind", "rental", "is not standard, serial, weighed, kit or gift_card"),
        ("promotions.csv", 2, "starts", "05/12/2026", "is not a date"),
        ("customers.csv", 2, "segment", "vip", "`vip` is not retail, pro or club"),
        ("price_lists.csv", 2, "sku", "NO-SUCH-SKU", "NO-SUCH-SKU is not in products.csv"),
        ("staff.csv", 2, "pin", "12", "a PIN is 4 to 6 digits"),
        ("products.csv", 4, "attributes", "colour", "`colour` is not key=value"),
        ("products.csv", 4, "variant_of", "NO-MODEL", "model NO-MODEL is not in the catalogue"),
        ("products.csv", 4, "eco_ttc", "999.00", "exceeds the price"),
        ("vat_rates.csv", 2, "valid_to", "1999-01-01", "ends before it starts"),
        ("barcode_layouts.csv", 2, "value_digits", "4", "an EAN-13 has 13"),
    ];
    for (file, line, column, value, expected) in cases {
        let mut files = demo_files();
        corrupt(&mut files, file, *line, column, value);
        let e = load_with(&files).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.line, e.column.as_deref()),
            (*file, Some(*line as u64), Some(*column)),
            "{e}"
        );
        assert!(e.message.contains(expected), "{file} {column}: {e}");
    }
}

#[test]
fn a_duplicate_barcode_names_both_lines() {
    let mut files = demo_files();
    let text = String::from_utf8_lossy(&files["products.csv"]).into_owned();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let col = reader.headers().unwrap().iter().position(|h| h == "barcode").unwrap();
    let first = reader.records().next().unwrap().unwrap()[col].split('|').next().unwrap().to_owned();
    corrupt(&mut files, "products.csv", 6, "barcode", &first);
    let e = load_with(&files).unwrap_err();
    assert_eq!(e.line, Some(6));
    assert_eq!(e.message, format!("barcode {first} already on line 2"));
}

#[test]
fn an_unquoted_comma_or_a_missing_column_is_refused() {
    let mut files = demo_files();
    let mut text = String::from_utf8(files["staff.csv"].clone()).unwrap();
    text.push_str("S999,Dupont, Jean,cashier,1234,LYO\n");
    let lines = text.lines().count() as u64;
    files.insert("staff.csv".into(), text.into_bytes());
    let e = load_with(&files).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("staff.csv", Some(lines)));
    assert!(e.message.contains("must be quoted"), "{e}");
    let mut files = demo_files();
    files.insert("families.csv".into(), b"code,name_fr,name_en\nPLANE,Avions,Planes\n".to_vec());
    let e = load_with(&files).unwrap_err();
    assert_eq!(
        e.to_string(),
        "families.csv line 1, column `revenue_account`: the header row has no `revenue_account` column (see fixtures/README.md); nothing of this file was loaded"
    );
}

/// The data rows of a demo file, parsed, with their line numbers (the header is line 1).
fn rows(files: &HashMap<String, Vec<u8>>, file: &str) -> Vec<(usize, csv::StringRecord)> {
    let mut reader = csv::Reader::from_reader(&files[file][..]);
    reader.records().enumerate().map(|(i, r)| (i + 2, r.unwrap())).collect()
}

#[test]
fn duplicates_are_placed_on_the_second_line() {
    let mut files = demo_files();
    let first_sku = rows(&files, "products.csv")[0].1[0].to_owned();
    corrupt(&mut files, "products.csv", 7, "sku", &first_sku);
    let e = load_with(&files).unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (Some(7), Some("sku")));
    assert_eq!(e.message, format!("SKU {first_sku} already on line 2"));

    let mut files = demo_files();
    let weighed: Vec<(usize, String)> = rows(&files, "products.csv")
        .into_iter()
        .filter(|(_, r)| &r[7] == "weighed")
        .map(|(line, r)| (line, r[8].to_owned()))
        .collect();
    corrupt(&mut files, "products.csv", weighed[1].0, "plu", &weighed[0].1);
    let e = load_with(&files).unwrap_err();
    assert_eq!((e.line, e.column.as_deref()), (Some(weighed[1].0 as u64), Some("plu")));
    assert_eq!(e.message, format!("PLU {} already on line {}", weighed[0].1, weighed[0].0));
}
