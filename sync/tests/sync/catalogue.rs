//! The chain's files split into entries and put together again: nothing lost, nothing changed, a
//! price changed is one entry, a key twice is refused.

use std::path::Path;

use pos_sync::catalogue::{diff, entries_of, files_of, hash_of};

fn demo(name: &str) -> Result<Vec<u8>, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo");
    std::fs::read(dir.join(name)).map_err(|e| e.to_string())
}

#[test]
fn the_chain_split_into_entries_and_put_together_again_is_the_same_chain() {
    let entries = entries_of(demo).unwrap();
    let files = files_of(&entries).unwrap();
    let again =
        entries_of(|name| files.get(name).map(|t| t.as_bytes().to_vec()).ok_or_else(|| name.to_owned()))
            .unwrap();
    assert_eq!(again, entries);
    assert_eq!(hash_of(&again), hash_of(&entries));
    // One price changed: one entry, and another hash.
    let products = String::from_utf8(demo("products.csv").unwrap()).unwrap();
    let changed = products.replacen(",3.90,", ",4.20,", 1);
    let other =
        entries_of(|name| if name == "products.csv" { Ok(changed.clone().into_bytes()) } else { demo(name) })
            .unwrap();
    let d = diff(&entries, &other);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].file, "products.csv");
    assert_ne!(hash_of(&other), hash_of(&entries));
    // A product removed is a removal.
    let first = products.lines().nth(1).unwrap();
    let fewer = products.replacen(&format!("{first}\n"), "", 1);
    let less =
        entries_of(|name| if name == "products.csv" { Ok(fewer.clone().into_bytes()) } else { demo(name) })
            .unwrap();
    let d = diff(&entries, &less);
    assert_eq!((d.len(), d[0].body.is_none()), (1, true), "{d:?}");
    // The same SKU twice is refused with its file.
    let twice = format!("{products}{first}\n");
    let e =
        entries_of(|name| if name == "products.csv" { Ok(twice.clone().into_bytes()) } else { demo(name) })
            .unwrap_err();
    assert!(e.contains("products.csv") && e.contains("twice"), "{e}");
}
