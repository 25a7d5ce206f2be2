//! `quick_keys.csv`: each store's keys on the sale screen for the items sold without a barcode
//! (balsa by the kilogram, propellers, glue): `store,position,sku,label`. A file the chain does not
//! have yet is no key (a till set up before the file existed reads without it).

use std::collections::HashSet;

use super::{LoadError, Referents, Table, sku};
use crate::chain::QuickKey;

/// The most keys a store's sale screen shows.
pub const MAX_KEYS: u32 = 24;
/// The longest label a key shows.
pub const MAX_LABEL: usize = 24;

pub(super) fn quick_keys(
    bytes: Option<&[u8]>,
    referents: &dyn Referents,
    stores: &HashSet<&str>,
) -> Result<Vec<QuickKey>, LoadError> {
    let Some(bytes) = bytes else { return Ok(Vec::new()) };
    let mut t = Table::open("quick_keys.csv", bytes, &["store", "position", "sku", "label"])?;
    let mut out: Vec<QuickKey> = Vec::new();
    while let Some(r) = t.next_row()? {
        let store = r.required("store")?.to_owned();
        if !stores.contains(store.as_str()) {
            return Err(r.error("store", format!("`{store}` is not a store of locations.csv")));
        }
        let position = r.parse("position", |s| match s.parse::<u32>() {
            Ok(p) if (1..=MAX_KEYS).contains(&p) => Ok(p),
            _ => Err(format!("`{s}` is not a position from 1 to {MAX_KEYS}")),
        })?;
        if out.iter().any(|k| k.store == store && k.position == position) {
            return Err(r.error("position", format!("{store} has two keys at position {position}")));
        }
        let sku = r.parse("sku", sku)?;
        if !referents.has_sku(&sku) {
            return Err(r.error("sku", format!("`{sku}` is not in products.csv")));
        }
        let label = r.parse("label", |s| {
            let s = s.trim();
            if s.is_empty() || s.chars().count() > MAX_LABEL {
                Err(format!("a key's label is 1 to {MAX_LABEL} characters"))
            } else {
                Ok(s.to_owned())
            }
        })?;
        out.push(QuickKey { store, position, sku, label });
    }
    out.sort_by(|a, b| (&a.store, a.position).cmp(&(&b.store, b.position)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{FamilyCode, Sku};

    struct Known;
    impl Referents for Known {
        fn has_sku(&self, sku: &Sku) -> bool {
            sku.as_str() != "NOPE-1"
        }
        fn has_family(&self, _: &FamilyCode) -> bool {
            true
        }
    }

    fn keys(rows: &str) -> Result<Vec<QuickKey>, String> {
        let text = format!("store,position,sku,label\n{rows}");
        let stores: HashSet<&str> = ["LYO", "PAR"].into();
        quick_keys(Some(text.as_bytes()), &Known, &stores).map_err(|e| e.to_string())
    }

    #[test]
    fn keys_are_read_in_order_and_checked() {
        let k =
            keys("LYO,2,PROP-1060,Hélice 10x6\nLYO,1,BULK-BALSA-KG,Balsa au kg\nPAR,1,PROP-1060,Hélice\n")
                .unwrap();
        assert_eq!(
            k.iter().map(|k| (k.store.as_str(), k.position)).collect::<Vec<_>>(),
            [("LYO", 1), ("LYO", 2), ("PAR", 1)]
        );
        assert!(quick_keys(None, &Known, &HashSet::new()).unwrap().is_empty(), "no file, no key");
        for (rows, said) in [
            ("WHS,1,PROP-1060,x\n", "is not a store"),
            ("LYO,0,PROP-1060,x\n", "not a position from 1 to 24"),
            ("LYO,25,PROP-1060,x\n", "not a position from 1 to 24"),
            ("LYO,1,PROP-1060,x\nLYO,1,PROP-1047,y\n", "two keys at position 1"),
            ("LYO,1,NOPE-1,x\n", "is not in products.csv"),
            ("LYO,1,PROP-1060,\n", ""),
            ("LYO,1,PROP-1060,Une étiquette bien trop longue\n", "1 to 24 characters"),
        ] {
            let e = keys(rows).unwrap_err();
            assert!(e.contains(said), "{rows:?}: {e}");
        }
    }
}
