//! The chain's files as head office sends them to the tills: split into entries (a product per
//! SKU; a price-list, kit or compatibility row per row; every other file whole), each entry
//! versioned at head office, so that a till asks for what changed since the version it holds and a
//! new till for everything (the snapshot). The hash of a version is over every entry, in order:
//! a till checks what it assembled against it before using it, and journals the version and hash
//! it applies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a file of the chain is split into entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// One entry, the whole file.
    Whole,
    /// One entry per row, keyed by this column's value (unique).
    ByColumn(&'static str),
    /// One entry per row, keyed by the row itself (a changed row is a row removed and a row added).
    ByRow,
}

/// The chain's files head office sends, and how each is split.
pub const FILES: &[(&str, Split)] = &[
    ("chain.csv", Split::Whole),
    ("vat_rates.csv", Split::Whole),
    ("families.csv", Split::Whole),
    ("barcode_layouts.csv", Split::Whole),
    ("locations.csv", Split::Whole),
    ("promotions.csv", Split::Whole),
    ("staff.csv", Split::Whole),
    ("customers.csv", Split::Whole),
    ("loyalty_tiers.csv", Split::Whole),
    ("quick_keys.csv", Split::Whole),
    ("products.csv", Split::ByColumn("sku")),
    ("price_lists.csv", Split::ByRow),
    ("kits.csv", Split::ByRow),
    ("compatibility.csv", Split::ByRow),
];

/// Files a chain may not have (it came later), with what standing for them: no row.
pub const OPTIONAL: &[(&str, &str)] = &[("quick_keys.csv", "store,position,sku,label\n")];

/// What stands for `file` when the chain does not have it (`None`: the file is required).
pub fn default_of(file: &str) -> Option<&'static str> {
    OPTIONAL.iter().find(|(f, _)| *f == file).map(|(_, d)| *d)
}

/// The key of a row-split file's header line.
pub const HEADER: &str = "";

/// (file, key) → the entry's text (a whole file, a header line or a row line, CSV).
pub type Entries = BTreeMap<(String, String), String>;

/// One entry of a delta: its text, or `None` when it was removed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    /// The file (`products.csv`).
    pub file: String,
    /// Its key in the file (a SKU, a row, empty for the header or a whole file).
    pub key: String,
    /// The entry's text; `None`: removed.
    pub body: Option<String>,
}

/// What changed since a till's version.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueDelta {
    /// The version these entries bring the till to (0: head office has no catalogue yet).
    pub version: u64,
    /// The hash of that version's entries, hex.
    pub hash: String,
    /// The entries changed (or removed) since the version asked from.
    pub entries: Vec<CatalogueEntry>,
}

/// Splits the chain's files (`read` gives a file's bytes) into entries. A file that is not UTF-8,
/// a row that does not read as CSV, a key column missing or a key twice is refused with the file.
pub fn entries_of(read: impl Fn(&str) -> Result<Vec<u8>, String>) -> Result<Entries, String> {
    let mut out = Entries::new();
    for (file, split) in FILES {
        let bytes = match read(file) {
            Ok(b) => b,
            Err(e) => default_of(file).map(|d| d.as_bytes().to_vec()).ok_or(e)?,
        };
        let text = String::from_utf8(bytes).map_err(|_| format!("{file} is not UTF-8"))?;
        let key_col = match split {
            Split::Whole => {
                out.insert(((*file).into(), HEADER.into()), text);
                continue;
            }
            Split::ByColumn(c) => Some(*c),
            Split::ByRow => None,
        };
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let header = reader.byte_headers().map_err(|e| format!("{file}: {e}"))?.clone();
        let col = match key_col {
            Some(c) => Some(
                header
                    .iter()
                    .position(|h| h == c.as_bytes())
                    .ok_or_else(|| format!("{file} has no `{c}` column"))?,
            ),
            None => None,
        };
        out.insert(((*file).into(), HEADER.into()), line(&header).map_err(|e| format!("{file}: {e}"))?);
        for (i, rec) in reader.byte_records().enumerate() {
            let rec = rec.map_err(|e| format!("{file} row {}: {e}", i + 2))?;
            let row = line(&rec).map_err(|e| format!("{file} row {}: {e}", i + 2))?;
            let key = match col {
                Some(c) => String::from_utf8_lossy(&rec[c]).into_owned(),
                None => row.clone(),
            };
            if key.is_empty() {
                return Err(format!("{file} row {}: an empty key", i + 2));
            }
            if out.insert(((*file).into(), key.clone()), row).is_some() {
                return Err(format!("{file} row {}: `{}` twice", i + 2, key.trim_end()));
            }
        }
    }
    Ok(out)
}

fn line(rec: &csv::ByteRecord) -> Result<String, String> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_byte_record(rec).map_err(|e| e.to_string())?;
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())
}

/// The files again, from entries: a whole file as it is, a split file as its header and its rows
/// in key order. `None` names a file with no entry.
pub fn files_of(entries: &Entries) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (file, split) in FILES {
        let mut text = entries
            .get(&((*file).to_owned(), HEADER.to_owned()))
            .cloned()
            .or_else(|| default_of(file).map(str::to_owned))
            .ok_or_else(|| format!("the catalogue lacks {file}"))?;
        if *split != Split::Whole {
            for ((f, k), body) in entries.range(((*file).to_owned(), String::new())..) {
                if f != file {
                    break;
                }
                if !k.is_empty() {
                    text.push_str(body);
                }
            }
        }
        out.insert((*file).to_owned(), text);
    }
    Ok(out)
}

/// The hash of a version: SHA-256 over each entry (file, key, text), in order, each part's length
/// before it.
pub fn hash_of(entries: &Entries) -> [u8; 32] {
    let mut all = Vec::new();
    for ((file, key), body) in entries {
        for part in [file.as_bytes(), key.as_bytes(), body.as_bytes()] {
            all.extend_from_slice(&(part.len() as u64).to_be_bytes());
            all.extend_from_slice(part);
        }
    }
    pos_journal::sha256(&all)
}

/// What changed from `old` to `new`: entries added or changed, and removed (`None`).
pub fn diff(old: &Entries, new: &Entries) -> Vec<CatalogueEntry> {
    let mut out = Vec::new();
    for ((file, key), body) in new {
        if old.get(&(file.clone(), key.clone())) != Some(body) {
            out.push(CatalogueEntry { file: file.clone(), key: key.clone(), body: Some(body.clone()) });
        }
    }
    for (file, key) in old.keys() {
        if !new.contains_key(&(file.clone(), key.clone())) {
            out.push(CatalogueEntry { file: file.clone(), key: key.clone(), body: None });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain folder written before quick keys existed still splits and joins: the file stands as
    /// its header alone, and a catalogue without its entry gives it back the same way.
    #[test]
    fn a_chain_without_an_optional_file_reads_with_its_default() {
        let read = |name: &str| -> Result<Vec<u8>, String> {
            match name {
                "quick_keys.csv" => Err("no such file".into()),
                "products.csv" => Ok(b"sku,name\nA-1,Un\n".to_vec()),
                _ if FILES.iter().any(|(f, s)| *f == name && *s == Split::ByRow) => Ok(b"a,b\n".to_vec()),
                _ => Ok(b"x\n".to_vec()),
            }
        };
        let entries = entries_of(read).unwrap();
        assert_eq!(entries[&("quick_keys.csv".to_owned(), HEADER.to_owned())], "store,position,sku,label\n");
        let mut without = entries.clone();
        without.remove(&("quick_keys.csv".to_owned(), HEADER.to_owned()));
        assert_eq!(files_of(&without).unwrap()["quick_keys.csv"], "store,position,sku,label\n");
        let mut broken = entries;
        broken.remove(&("chain.csv".to_owned(), HEADER.to_owned()));
        assert!(files_of(&broken).unwrap_err().contains("lacks chain.csv"));
        let missing = |name: &str| if name == "staff.csv" { Err("gone".to_owned()) } else { read(name) };
        assert_eq!(entries_of(missing).unwrap_err(), "gone", "a required file stays required");
    }
}
