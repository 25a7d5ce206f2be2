//! The FEC (fichier des écritures comptables, LPF art. L47 A, BOI-CF-IOR-60-40-20): every entry of a
//! fiscal year, one line per entry line, in the DGFiP's 18 columns with their header, tab
//! separated, dates `AAAAMMJJ`, amounts with a decimal comma and no thousands separator, in ISO
//! 8859-15 with CR LF line ends; opening entries first, then sorted by validation date. Its name is
//! `SIRENFECAAAAMMJJ.txt`, the date being the fiscal year's closing.
//!
//! [`check`] reads a FEC back and applies the structural rules a tax inspector's tool applies.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::NaiveDate;

use crate::chart::Chart;
use crate::entry::Entry;

/// The 18 columns, in order.
pub const COLUMNS: [&str; 18] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
];

/// The columns that may be empty (all others are mandatory).
const OPTIONAL: [usize; 6] = [6, 7, 13, 14, 16, 17];

/// The file's name for `siren` and the fiscal year closing on `closing`.
pub fn file_name(siren: &str, closing: NaiveDate) -> String {
    format!("{siren}FEC{}.txt", closing.format("%Y%m%d"))
}

/// A line's lettering: its letter and the day it was lettered.
pub type Lettering = BTreeMap<(String, u64, usize), (String, NaiveDate)>;

/// Cents as the FEC writes them: `1234,56`, `-0,05`.
pub fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// A field's text in ISO 8859-15, with what would break a line or a column (tab, CR, LF) made a
/// space, and a character the charset lacks made `?`.
fn push_field(out: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        let b = match c {
            '\t' | '\r' | '\n' => b' ',
            '€' => 0xA4,
            'Š' => 0xA6,
            'š' => 0xA8,
            'Ž' => 0xB4,
            'ž' => 0xB8,
            'Œ' => 0xBC,
            'œ' => 0xBD,
            'Ÿ' => 0xBE,
            '\u{A4}' | '\u{A6}' | '\u{A8}' | '\u{B4}' | '\u{B8}' | '\u{BC}' | '\u{BD}' | '\u{BE}' => b'?',
            c if (c as u32) < 0x100 => c as u32 as u8,
            _ => b'?',
        };
        out.push(b);
    }
}

/// The order the FEC lists entries in: the opening journal first, then by validation date, then
/// journal and number.
pub fn sort(entries: &mut [Entry], opening_journal: &str) {
    entries.sort_by(|a, b| {
        (a.journal != opening_journal, a.valid, &a.journal, a.number).cmp(&(
            b.journal != opening_journal,
            b.valid,
            &b.journal,
            b.number,
        ))
    });
}

/// Writes the header and `entries` (already in FEC order, see [`sort`]); returns the lines
/// written (the header not counted).
pub fn write(
    out: &mut impl Write,
    chart: &Chart,
    entries: &[Entry],
    lettering: &Lettering,
) -> std::io::Result<u64> {
    out.write_all(COLUMNS.join("\t").as_bytes())?;
    out.write_all(b"\r\n")?;
    let mut buf = Vec::with_capacity(256);
    let mut n = 0;
    for e in entries {
        let jlib = chart.journal_label(&e.journal);
        let num = e.number.to_string();
        let (edate, pdate, vdate) = (date(e.date), date(e.piece_date), date(e.valid));
        for (i, l) in e.lines.iter().enumerate() {
            buf.clear();
            let letter = lettering.get(&(e.journal.clone(), e.number, i));
            let aux_lib = if l.aux.is_empty() { "" } else { l.aux.as_str() };
            let fields: [&str; 18] = [
                &e.journal,
                jlib,
                &num,
                &edate,
                &l.account,
                chart.label(&l.account),
                &l.aux,
                aux_lib,
                &e.piece,
                &pdate,
                if l.label.is_empty() { &e.label } else { &l.label },
                &amount(l.debit),
                &amount(l.credit),
                letter.map_or("", |(x, _)| x.as_str()),
                &letter.map_or(String::new(), |(_, d)| date(*d)),
                &vdate,
                "",
                "",
            ];
            for (k, f) in fields.iter().enumerate() {
                if k > 0 {
                    buf.push(b'\t');
                }
                push_field(&mut buf, f);
            }
            buf.extend_from_slice(b"\r\n");
            out.write_all(&buf)?;
            n += 1;
        }
    }
    Ok(n)
}

/// What [`check`] found in a FEC that passes.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Lines (the header not counted).
    pub lines: u64,
    /// Entries.
    pub entries: u64,
    /// Sum of debits (= sum of credits), cents.
    pub total: i64,
}

fn parse_amount(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once(',')?;
    if int.is_empty() || frac.len() != 2 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = int.parse::<i64>().ok()?.checked_mul(100)?.checked_add(frac.parse::<i64>().ok()?)?;
    Some(if neg { -v } else { v })
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    (s.len() == 8).then(|| NaiveDate::parse_from_str(s, "%Y%m%d").ok()).flatten()
}

/// Applies the DGFiP's structural rules to a FEC: the header, 18 fields on every line, the
/// mandatory fields filled, dates `AAAAMMJJ`, amounts with a decimal comma, every entry balanced
/// and on one date, numbers continuous in each journal, lines in validation date order after the
/// opening journal's. The first breach, with its line, is the error.
pub fn check(bytes: &[u8], opening_journal: &str) -> Result<Checked, String> {
    let text: String = bytes.iter().map(|&b| b as char).collect();
    let mut lines = text.split("\r\n");
    if lines.next() != Some(COLUMNS.join("\t").as_str()) {
        return Err("line 1: the header is not the 18 columns of the DGFiP, tab separated".into());
    }
    let mut out = Checked::default();
    let mut entries: BTreeMap<(String, u64), (i64, i64, NaiveDate, NaiveDate)> = BTreeMap::new();
    let mut last: Option<(bool, NaiveDate)> = None;
    let mut debit_total = 0i64;
    for (i, line) in lines.enumerate() {
        let n = i + 2;
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 18 {
            return Err(format!("line {n}: {} fields, not 18", f.len()));
        }
        for (k, v) in f.iter().enumerate() {
            if v.is_empty() && !OPTIONAL.contains(&k) {
                return Err(format!("line {n}: {} is mandatory and empty", COLUMNS[k]));
            }
        }
        let num: u64 =
            f[2].parse().map_err(|_| format!("line {n}: EcritureNum `{}` is not a number", f[2]))?;
        let bad_date = |k: usize| format!("line {n}: {} `{}` is not a date AAAAMMJJ", COLUMNS[k], f[k]);
        let edate = parse_date(f[3]).ok_or_else(|| bad_date(3))?;
        parse_date(f[9]).ok_or_else(|| bad_date(9))?;
        let vdate = parse_date(f[15]).ok_or_else(|| bad_date(15))?;
        if !f[14].is_empty() {
            parse_date(f[14]).ok_or_else(|| bad_date(14))?;
        }
        let bad_amount =
            |k: usize| format!("line {n}: {} `{}` is not an amount like 1234,56", COLUMNS[k], f[k]);
        let debit = parse_amount(f[11]).ok_or_else(|| bad_amount(11))?;
        let credit = parse_amount(f[12]).ok_or_else(|| bad_amount(12))?;
        let opening = f[0] == opening_journal;
        let key = (!opening, vdate);
        if let Some(prev) = last
            && key < prev
        {
            return Err(format!("line {n}: not in validation date order (opening entries first)"));
        }
        last = Some(key);
        let e = entries.entry((f[0].to_owned(), num)).or_insert((0, 0, edate, vdate));
        if e.2 != edate || e.3 != vdate {
            return Err(format!("line {n}: entry {} {num} has lines on different dates", f[0]));
        }
        e.0 = e.0.checked_add(debit).ok_or("a sum overflows")?;
        e.1 = e.1.checked_add(credit).ok_or("a sum overflows")?;
        debit_total = debit_total.checked_add(debit).ok_or("a sum overflows")?;
        out.lines += 1;
    }
    let mut expected: BTreeMap<&str, u64> = BTreeMap::new();
    for ((journal, num), (d, c, _, _)) in &entries {
        if d != c {
            return Err(format!(
                "entry {journal} {num} is not balanced: debit {}, credit {}",
                amount(*d),
                amount(*c)
            ));
        }
        let next = expected.entry(journal).or_insert(1);
        if *num != *next {
            return Err(format!(
                "journal {journal}: entry {num} where {next} was expected (numbering not continuous)"
            ));
        }
        *next += 1;
    }
    out.entries = entries.len() as u64;
    out.total = debit_total;
    Ok(out)
}
