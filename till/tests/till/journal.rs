//! The journal against edits below the till: schema migrations that keep every record, the
//! database refusing to alter the journal, and `verify` naming what was changed, deleted,
//! reordered, brought from another till, edited in the file or re-keyed.

use super::*;

/// A till whose file was written before the journal became a rowid table is migrated when it opens:
/// every record copied byte for byte, the chain still verifies, and the day goes on.
#[test]
fn a_till_of_the_first_schema_is_migrated_without_losing_a_record() {
    let dir = small_day("migrate");
    let before: Vec<(String, i64, Vec<u8>, Vec<u8>)> = {
        let conn = Connection::open(dir.join("till.db")).unwrap();
        let mut s = conn.prepare("SELECT chain, seq, bytes, sig FROM journal ORDER BY chain, seq").unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    // The same till in a file laid out by the first migration alone.
    let old = dir.join("old.db");
    {
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch(store::MIGRATIONS[0].1).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE schema_migration (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
             INSERT INTO schema_migration VALUES ('{}', '2026-11-28 12:00:00');
             ATTACH '{}' AS new;",
            store::MIGRATIONS[0].0,
            dir.join("till.db").display()
        ))
        .unwrap();
        let tables: Vec<String> = {
            let mut s = conn
                .prepare(
                    "SELECT name FROM new.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                     AND name NOT LIKE 'product_search_%' AND name NOT IN ('journal', 'schema_migration')",
                )
                .unwrap();
            s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        for t in tables {
            let cols: Vec<String> = {
                let mut s =
                    conn.prepare(&format!("SELECT name FROM pragma_table_info('{t}', 'main')")).unwrap();
                s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
            };
            if cols.is_empty() {
                continue; // a table the first schema did not have: its migration makes it
            }
            let cols = cols.join(", ");
            conn.execute_batch(&format!("INSERT INTO main.{t} ({cols}) SELECT {cols} FROM new.{t}")).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO main.journal SELECT chain, seq, kind, no, at, bytes, prev, hash, sig FROM new.journal;
             DETACH new;",
        )
        .unwrap();
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("till.db{suffix}")));
    }
    std::fs::rename(&old, dir.join("till.db")).unwrap();
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let layout: String =
        conn.query_row("SELECT sql FROM sqlite_schema WHERE name = 'journal'", [], |r| r.get(0)).unwrap();
    assert!(layout.contains("WITHOUT ROWID"), "the file starts in the first layout");
    drop(conn);

    let (mut till, _) = open(&dir, "2026-12-05T15:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.scan(PROP, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    till.stop().unwrap();

    let conn = Connection::open(dir.join("till.db")).unwrap();
    let layout: String =
        conn.query_row("SELECT sql FROM sqlite_schema WHERE name = 'journal'", [], |r| r.get(0)).unwrap();
    assert!(!layout.contains("WITHOUT ROWID"), "{layout}");
    let mut s = conn.prepare("SELECT chain, seq, bytes, sig FROM journal ORDER BY chain, seq").unwrap();
    let after: Vec<(String, i64, Vec<u8>, Vec<u8>)> = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(after[..before.len()], before[..], "every record copied byte for byte");
    assert!(after.len() > before.len(), "the sale after the migration is journaled");
    let e = conn.execute("DELETE FROM journal WHERE seq = 2", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "the triggers came along: {e}");
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
    assert!(out.starts_with(&format!("OK {} records", after.len())), "{out}");
    assert!(out.contains("projections: as the journal makes them"), "{out}");
}

#[test]
fn the_database_refuses_to_alter_the_journal() {
    let dir = small_day("triggers");
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let e = conn.execute("UPDATE journal SET at = 'x' WHERE seq = 2", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = conn.execute("DELETE FROM journal WHERE seq = 2", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn verify_catches_a_changed_amount() {
    let dir = small_day("amount");
    assert!(verify_cli(&dir).0);
    let seq: u64 = Connection::open(dir.join("till.db"))
        .unwrap()
        .query_row("SELECT seq FROM journal WHERE kind = 'ticket' AND no = 2", [], |r| r.get(0))
        .unwrap();
    // The bytes are edited as a hex editor would: one digit of the total.
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let bytes: Vec<u8> =
        conn.query_row("SELECT bytes FROM journal WHERE seq = ?1", [seq], |r| r.get(0)).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let i = text.find("\"total\":").unwrap() + 8;
    let digit = text.as_bytes()[i];
    let edited = format!("{}{}{}", &text[..i], if digit == b'1' { '2' } else { '1' }, &text[i + 1..]);
    assert_ne!(edited, text);
    tamper(
        &dir,
        &format!(
            "UPDATE journal SET bytes = CAST('{}' AS BLOB) WHERE seq = {seq}",
            edited.replace('\'', "''")
        ),
    );
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert_eq!(
        first(&out),
        format!("BROKEN live record {seq}: its hash does not match its content (the record was altered)")
    );
}

#[test]
fn verify_catches_a_deleted_record() {
    let dir = small_day("deleted");
    tamper(&dir, "DELETE FROM journal WHERE seq = 5");
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert_eq!(first(&out), "BROKEN live record 5: record 5 is missing (the next one is 6)");
}

#[test]
fn verify_catches_reordered_records() {
    let dir = small_day("reordered");
    tamper(
        &dir,
        "UPDATE journal SET seq = -1 WHERE seq = 6; UPDATE journal SET seq = 6 WHERE seq = 7; UPDATE journal SET seq = 7 WHERE seq = -1;",
    );
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(out.starts_with("BROKEN live record 6: its previous hash"), "{out}");
}

#[test]
fn verify_catches_a_record_from_another_till() {
    let dir = small_day("mine");
    let other = day_of("other", &[PLANE, LIPO, MAG, PROP, GLUE]);
    let last: u64 = Connection::open(dir.join("till.db"))
        .unwrap()
        .query_row("SELECT MAX(seq) FROM journal", [], |r| r.get(0))
        .unwrap();
    // The other till's record with the same number is appended as if it were ours.
    tamper(
        &dir,
        &format!(
            "ATTACH '{}' AS other; INSERT INTO journal (chain, seq, kind, no, at, bytes, prev, hash, sig) SELECT chain, seq, kind, no, at, bytes, prev, hash, sig FROM other.journal WHERE seq = {}; DETACH other;",
            other.join("till.db").display(),
            last + 1
        ),
    );
    let other_last: u64 = Connection::open(other.join("till.db"))
        .unwrap()
        .query_row("SELECT MAX(seq) FROM journal", [], |r| r.get(0))
        .unwrap();
    assert!(other_last > last, "the other till has a record to steal");
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(out.starts_with(&format!("BROKEN live record {}:", last + 1)), "{out}");
    // And a record signed by another key in place of ours.
    let dir2 = small_day("mine2");
    tamper(
        &dir2,
        &format!(
            "ATTACH '{}' AS other; UPDATE journal SET sig = (SELECT sig FROM other.journal WHERE seq = 3) WHERE seq = 3; DETACH other;",
            other.join("till.db").display()
        ),
    );
    let (ok, out) = verify_cli(&dir2);
    assert!(!ok);
    assert_eq!(
        first(&out),
        "BROKEN live record 3: its signature is not this till's (forged or from another till)"
    );
}

#[test]
fn archives_verify_without_the_database_and_catch_edits() {
    let dir = small_day("archive");
    let out =
        Command::new(POS_TILL).args(["archive", "--period", "2026-12", "--data"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = dir.join("archives/LYO-1-2026-12.json");
    let bytes = std::fs::read(&file).unwrap();
    let checked = pos_journal::archive::verify(&bytes, None, 2).unwrap();
    let n = checked.records;
    assert!(n >= 10 && checked.period_signed && checked.period == "2026-12");
    let out = Command::new(POS_TILL).arg("verify-archive").arg(&file).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(&format!("OK {n} records")));
    let edited = String::from_utf8(bytes).unwrap().replacen(
        "\\\"operator\\\":\\\"S007\\\"",
        "\\\"operator\\\":\\\"S008\\\"",
        1,
    );
    assert!(edited.contains("S008"));
    let e = pos_journal::archive::verify(edited.as_bytes(), None, 2).unwrap_err();
    assert!(e.contains("its hash does not match its content"), "{e}");
    let (ok, _) = verify_cli(&dir);
    assert!(ok, "the archive is itself journaled and the chain still verifies");
}

/// Bytes changed in the file itself, below SQLite, as a hex editor would, are caught too.
#[test]
fn verify_catches_an_edit_of_the_file_itself() {
    let dir = small_day("hexedit");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("till.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key is the owner's alone");
    }
    assert!(
        !dir.join("till.db-wal").exists() || std::fs::metadata(dir.join("till.db-wal")).unwrap().len() == 0
    );
    let path = dir.join("till.db");
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = b"\"operator\":\"S007\"";
    let places: Vec<usize> =
        bytes.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).map(|(i, _)| i).collect();
    assert!(!places.is_empty(), "tickets in the file");
    for at in places {
        bytes[at + 15] = b'8';
    }
    std::fs::write(&path, bytes).unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(out.starts_with("BROKEN"), "{out}");
}

/// Whoever rewrites the database with another key (identity and every signature) is caught by the
/// key file beside it; an identity key of small order is refused outright.
#[test]
fn verify_catches_a_re_keyed_database() {
    let dir = small_day("re-keyed");
    let other = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]).verifying_key().to_bytes();
    let conn = Connection::open(dir.join("till.db")).unwrap();
    conn.execute_batch("DROP TRIGGER identity_is_fixed_u;").unwrap();
    conn.execute("UPDATE identity SET public_key = ?1", [&other[..]]).unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(!ok && out.contains("re-keyed"), "{out}");
    // Without the key file (kept elsewhere), a key of small order is refused.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    conn.execute("UPDATE identity SET public_key = ?1", [&identity[..]]).unwrap();
    std::fs::rename(dir.join("till.key"), dir.join("till.key.away")).unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(!ok && out.contains("not a valid key"), "{out}");
}
