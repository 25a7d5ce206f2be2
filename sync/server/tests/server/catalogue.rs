//! The chain's catalogue from head office: imported as versions (only what changed), a new till's
//! first sync takes the whole of it, later syncs what changed; the till puts a version in use
//! between baskets and journals it; a price changed at head office is the price at the till after
//! its next sync. A catalogue that does not add up is never used.

use std::path::Path;

use pos_journal::ChainName;
use pos_journal::body::Entry;
use pos_till::sync;

use super::{Backend, Server, enrol, new_till, open_till, scratch, verify};

const PROP: &str = "3762200151285";

fn import(server: &Server, dir: &Path) -> String {
    server.cli_ok(&["catalogue", "import", "--fixtures", dir.to_str().unwrap()]).trim().to_owned()
}

/// The price of one propeller at the till now, and the catalogue versions it journaled.
fn at_till(dir: &Path) -> (String, Vec<u64>) {
    let mut till = open_till(dir, "2026-12-01T10:00:00+01:00");
    till.login("S007", "2468").unwrap();
    super::open_register(&mut till);
    till.scan(PROP, 1, None, None, None).unwrap();
    let price = till.basket_view().unwrap()["total"].as_str().unwrap().to_owned();
    till.cancel_basket().unwrap();
    till.stop().unwrap();
    let conn = pos_till::store::open_db(dir).unwrap();
    let versions = pos_till::store::records_of_kind_from(&conn, ChainName::Live, pos_journal::Kind::Event, 1)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.entry {
            Entry::CatalogueApplied { version, .. } => Some(version),
            _ => None,
        })
        .collect();
    (price, versions)
}

fn apply(dir: &Path) -> Result<Option<u64>, String> {
    let mut till = open_till(dir, "2026-12-01T09:30:00+01:00");
    let r = till.apply_catalogue().map_err(|e| e.to_string());
    till.stop().unwrap();
    r
}

fn catalogue_from_head_office(backend: Backend) {
    let server = Server::start(backend, "catalogue");
    let lyon = new_till("LYO", 1, "catalogue-lyo");
    enrol(&server, &lyon);
    let files = scratch("catalogue-files");
    std::fs::create_dir_all(&files).unwrap();
    for e in std::fs::read_dir(super::fixtures()).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), files.join(e.file_name())).unwrap();
        }
    }
    let first = import(&server, &files);
    assert!(first.starts_with("catalogue version 1: "), "{first}");
    assert!(first.contains("500 customers' loyalty points opened at head office"), "{first}");
    assert_eq!(import(&server, &files), "catalogue version 1: nothing changed");

    // The first sync takes every entry; the till puts it in use and journals it.
    let r = sync::round(&lyon).unwrap();
    assert!(r.catalogue_entries > 1_000, "the whole catalogue: {r:?}");
    assert_eq!(apply(&lyon), Ok(Some(1)));
    assert_eq!(apply(&lyon), Ok(None), "once");
    assert_eq!(at_till(&lyon), ("3.90".into(), vec![1]));

    // Head office changes one price: the next sync carries that product alone.
    let products = std::fs::read_to_string(files.join("products.csv")).unwrap();
    let line = products.lines().find(|l| l.starts_with("PROP-1060,")).unwrap().to_owned();
    let changed = line.replace(",3.90,", ",4.20,");
    assert_ne!(line, changed);
    std::fs::write(files.join("products.csv"), products.replace(&line, &changed)).unwrap();
    // And its staff: someone joins Lyon, someone leaves.
    let staff = std::fs::read_to_string(files.join("staff.csv")).unwrap();
    let gone = staff.lines().find(|l| l.starts_with("S009,")).unwrap().to_owned();
    let staff = staff.replace(&format!("{gone}\n"), "") + "S099,Nina Perrin,cashier,2580,LYO\n";
    std::fs::write(files.join("staff.csv"), staff).unwrap();
    assert_eq!(import(&server, &files), "catalogue version 2: 2 entries changed");
    // A file that does not load is refused whole: no new version.
    let broken = scratch("catalogue-broken");
    std::fs::create_dir_all(&broken).unwrap();
    for e in std::fs::read_dir(&files).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), broken.join(e.file_name())).unwrap();
    }
    std::fs::write(broken.join("products.csv"), products.replace(&line, &line.replace(",3.90,", ",abc,")))
        .unwrap();
    let out = server.cli(&["catalogue", "import", "--fixtures", broken.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("products.csv"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut till = open_till(&lyon, "2026-12-01T09:40:00+01:00");
    assert!(till.login("S099", "2580").is_err(), "not at this till yet");
    till.stop().unwrap();
    let r = sync::round(&lyon).unwrap();
    assert_eq!(r.catalogue_entries, 2, "{r:?}");
    assert_eq!(apply(&lyon), Ok(Some(2)));
    assert_eq!(at_till(&lyon), ("4.20".into(), vec![1, 2]));
    let mut till = open_till(&lyon, "2026-12-01T10:40:00+01:00");
    till.login("S099", "2580").unwrap();
    till.logout().unwrap();
    let e = till.login("S009", "3141").unwrap_err().to_string();
    assert!(e.contains("S009"), "{e}");
    till.stop().unwrap();

    // The till's copy altered by hand is never used: dropped, and taken whole again.
    let conn = pos_till::store::open_db(&lyon).unwrap();
    conn.execute("UPDATE catalogue_pull SET version = 3", []).unwrap();
    conn.execute(
        "UPDATE catalogue_mirror SET body = replace(body, '4.20', '0.01') WHERE key = 'PROP-1060'",
        [],
    )
    .unwrap();
    drop(conn);
    let e = apply(&lyon).unwrap_err();
    assert!(e.contains("does not match its hash"), "{e}");
    let r = sync::round(&lyon).unwrap();
    assert!(r.catalogue_entries > 1_000, "{r:?}");
    assert_eq!(apply(&lyon), Ok(None), "version 2 is in use already");
    assert_eq!(at_till(&lyon).0, "4.20");
    let (ok, lines) = verify(&lyon);
    assert!(ok, "{lines}");
}

#[test]
fn sqlite_catalogue_from_head_office() {
    catalogue_from_head_office(Backend::Sqlite);
}
#[test]
fn postgres_catalogue_from_head_office() {
    catalogue_from_head_office(Backend::Postgres);
}
