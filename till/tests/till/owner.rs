//! The till's journal against its own owner: tables edited with `sqlite3`, yesterday's copy put back,
//! the last records deleted, the database re-keyed. Each hole the audit found, closed.

use super::*;

fn sql(dir: &Path, sql: &str) {
    Connection::open(dir.join("till.db")).unwrap().execute_batch(sql).unwrap();
}

fn error_of(r: Result<Value, pos_till::TillError>) -> (String, String) {
    let e = r.unwrap_err();
    (e.code().to_owned(), e.to_string())
}

/// A grand total raised or lowered in the `state` table: `verify` names it, the till refuses to sell
/// until a manager rebuilds its tables (journaled), and the next Z is signed with the journal's sum.
#[test]
fn an_edited_grand_total_is_caught_and_never_signed() {
    let dir = small_day("gt");
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
    let journal_gt: i64 = {
        let conn = Connection::open(dir.join("till.db")).unwrap();
        pos_till::closing::grand_totals(&conn).unwrap().0
    };
    assert!(journal_gt > 0);
    sql(&dir, "UPDATE state SET json = json_set(json, '$.grand_total', -99999)");
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert_eq!(
        first(&out),
        format!(
            "BROKEN projection state state.grand_total: the till's table holds -99999, the journal makes {journal_gt}"
        )
    );
    let (_, status, _) = cli(&["status", "--json", "--data", dir.to_str().unwrap()]);
    assert!(status.contains("grand total of -999.99 € where the journal adds up to"), "{status}");

    let (mut till, _) = open(&dir, "2026-12-05T17:00:00+01:00");
    assert!(!till.blocked().is_empty());
    till.login("S006", "90517").unwrap();
    let (code, e) = error_of(till.scan(PROP, 1, None, None, None));
    assert_eq!(code, "blocked");
    assert!(e.contains("pos-till rebuild"), "{e}");
    let (code, _) = error_of(till.rebuild(Some(&Approval { staff: "S007".into(), pin: "2468".into() })));
    assert_eq!(code, "needs_manager", "a cashier does not rebuild");
    let rebuilt = till.rebuild(Some(&manager())).unwrap();
    assert!(rebuilt["records"].as_u64().unwrap() > 10);
    assert!(till.blocked().is_empty());
    till.scan(PROP, 1, None, None, None).unwrap();
    till.pay(&[TenderSpec::Cash(390)], None).unwrap();
    let z = till.close_register(&BTreeMap::new(), None).unwrap();
    assert_eq!(z["z"]["grand_total"], journal_gt + 390, "the Z's grand total is the journal's");
    let events = store::records_of_kind(till.conn(), ChainName::Live, Kind::Event).unwrap();
    assert!(events.iter().any(|r| matches!(&r.entry,
        Entry::ProjectionsRebuilt { by, reason, .. } if by == "S006" && reason.contains("grand total"))));
    till.stop().unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
}

/// A Z signed with a grand total the journal does not add up to (what the till signed before this
/// version, once its `state` had been edited) is named by `verify`, record and figures.
#[test]
fn a_signed_z_that_does_not_add_up_is_named() {
    let dir = small_day("false-z");
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let mut z = pos_till::closing::day_closure(&conn, "2026-12-05", "S006").unwrap();
    z.grand_total = -99_999;
    let signer = pos_journal::signature::RecordSigner::new(store::read_key(&dir).unwrap());
    let mut heads = store::Heads::load(&conn).unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    let (header, _) = store::append(
        &tx,
        &mut heads,
        &signer,
        "LYO-1",
        ChainName::Live,
        "2026-12-05T19:00:00+01:00",
        &Entry::Closure(z),
    )
    .unwrap();
    tx.commit().unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(
        first(&out).starts_with(&format!(
            "BROKEN live record {}: the day closure of 2026-12-05 states a grand total of -999.99 €",
            header.seq
        )),
        "{out}"
    );
}

/// A gift card, a customer's points and a line's returned units raised or lowered by hand: the till
/// checks each against the record that last set it before letting it pay, and `verify` names it.
#[test]
fn balances_edited_by_hand_never_pay() {
    let dir = new_till("vouchers");
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    till.sell_gift_card("GC-OWNER-1", 5_000, None).unwrap();
    till.pay(&[TenderSpec::Cash(5_000)], None).unwrap();
    till.attach_customer("C00001").unwrap();
    till.scan(PLANE, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let sold = till.pay(&[TenderSpec::Card(total)], None).unwrap();
    let sold = sold["ticket"].as_str().unwrap().to_owned();
    till.return_lines(&sold, &[]).unwrap();
    let refund = cents(&till.basket_view().unwrap()["total"]);
    till.pay(&[TenderSpec::Card(refund)], None).unwrap();
    let points = till.attach_customer("C00001").unwrap()["points"].as_i64().unwrap();
    till.cancel_basket().unwrap();
    till.stop().unwrap();

    sql(&dir, "UPDATE voucher SET balance = 10000000 WHERE number = 'GC-OWNER-1'");
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(first(&out).starts_with("BROKEN projection voucher GC-OWNER-1:"), "{out}");
    let (mut till, _) = open(&dir, "2026-12-05T11:00:00+01:00");
    assert!(till.blocked().is_empty(), "the stamp is intact: the edit shows where the row is used");
    till.login("S007", "2468").unwrap();
    till.scan(PLANE, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let (code, e) =
        error_of(till.pay(&[TenderSpec::GiftCard { card: "GC-OWNER-1".into(), cents: total }], None));
    assert_eq!(code, "blocked", "{e}");
    assert!(e.contains("100000.00 €") && e.contains("50.00 €"), "{e}");
    till.cancel_basket().unwrap();
    till.stop().unwrap();
    sql(&dir, "UPDATE voucher SET balance = 5000 WHERE number = 'GC-OWNER-1'");

    sql(&dir, &format!("UPDATE loyalty SET points = {} WHERE customer = 'C00001'", points + 100_000));
    sql(&dir, &format!("UPDATE returned SET units = 0 WHERE ticket = '{sold}'"));
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(first(&out).starts_with("BROKEN projection loyalty C00001:"), "{out}");
    let (mut till, _) = open(&dir, "2026-12-05T12:00:00+01:00");
    till.login("S007", "2468").unwrap();
    let (code, e) = error_of(till.attach_customer("C00001"));
    assert_eq!(code, "blocked", "{e}");
    let (code, e) = error_of(till.return_lines(&sold, &[]));
    assert_eq!(code, "blocked", "a line brought back once is not brought back again: {e}");
    till.stop().unwrap();
}

fn copy_till(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in ["till.db", "till.db-wal", "till.key"] {
        if from.join(f).exists() {
            std::fs::copy(from.join(f), to.join(f)).unwrap();
        }
    }
}

fn sell(dir: &Path, when: &str, codes: &[&str]) -> Vec<String> {
    let (mut till, _) = open(dir, when);
    till.login("S007", "2468").unwrap();
    let mut refs = Vec::new();
    for &code in codes {
        till.scan(code, 1, None, None, None).unwrap();
        let total = cents(&till.basket_view().unwrap()["total"]);
        refs.push(till.pay(&[TenderSpec::Cash(total)], None).unwrap()["ticket"].as_str().unwrap().to_owned());
    }
    till.stop().unwrap();
    refs
}

/// Yesterday's copy of `till.db` put back, or the last records deleted: the head kept outside the
/// database is ahead of it, so the till refuses to start selling (and never issues a ticket number
/// twice) until the latest copy is back or a manager accepts the loss, journaled.
#[test]
fn a_journal_cut_short_or_put_back_is_refused_at_start() {
    let dir = small_day("rollback");
    let backup = scratch("rollback-backup");
    copy_till(&dir, &backup);
    let later = sell(&dir, "2026-12-05T14:00:00+01:00", &[PROP, GLUE, SERVO]);
    assert_eq!(later, ["LYO-1-T000004", "LYO-1-T000005", "LYO-1-T000006"]);
    let head = records(&dir);
    // The copy goes back; its own tables match it, the head does not.
    for f in ["till.db", "till.db-wal", "till.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    copy_till(&backup, &dir);
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(first(&out).starts_with("BROKEN the journal ends at live record"), "{out}");
    assert!(first(&out).contains(&format!("says live record {head}")), "{out}");
    let (_, status, _) = cli(&["status", "--json", "--data", dir.to_str().unwrap()]);
    let status: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["tickets"], 3, "status counts the journal's tickets");
    assert!(status["blocked"][0]["message"].as_str().unwrap().contains("older than its head"), "{status}");

    let (mut till, _) = open(&dir, "2026-12-05T16:00:00+01:00");
    till.login("S007", "2468").unwrap();
    let (code, e) = error_of(till.scan(PROP, 1, None, None, None));
    assert_eq!(code, "blocked");
    assert!(e.contains("older than its head") && e.contains(&format!("live record {head}")), "{e}");
    let (code, _) = error_of(till.accept_head(None));
    assert_eq!(code, "needs_manager");
    let accepted = till.accept_head(Some(&manager())).unwrap();
    assert!(accepted["expected"].as_str().unwrap().contains(&format!("live record {head}")), "{accepted}");
    till.scan(PROP, 1, None, None, None).unwrap();
    let t = till.pay(&[TenderSpec::Cash(390)], None).unwrap();
    assert_eq!(t["ticket"], "LYO-1-T000004", "the number is re-used only after the loss is journaled");
    let events = store::records_of_kind(till.conn(), ChainName::Live, Kind::Event).unwrap();
    assert!(events.iter().any(|r| matches!(&r.entry, Entry::HeadAccepted { by, .. } if by == "S006")));
    till.stop().unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");

    // The last records deleted by hand: the same.
    let n = records(&dir);
    tamper(&dir, &format!("DELETE FROM journal WHERE chain = 'live' AND seq > {}", n - 3));
    let (ok, out) = verify_cli(&dir);
    assert!(!ok && first(&out).contains(&format!("says live record {n}")), "{out}");
    let (till, _) = open(&dir, "2026-12-05T17:00:00+01:00");
    assert!(
        till.blocked().iter().any(|b| matches!(
            b,
            pos_till::reason::Reason::HeadNotReached { problem: pos_till::reason::HeadProblem::Behind, .. }
        )),
        "{:?}",
        till.blocked()
    );
}

/// The head's second copy (a USB key, a backup folder) keeps the anchor when the file beside the
/// database is deleted along with the rollback.
#[test]
fn the_head_copy_anchors_the_journal_when_the_head_file_is_gone() {
    let dir = new_till("head-copy");
    let usb = scratch("usb-key");
    std::fs::create_dir_all(&usb).unwrap();
    let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
    till.login("S007", "2468").unwrap();
    let e = till.configure("head_copy", usb.to_str().unwrap()).unwrap_err().to_string();
    assert!(e.contains("only a manager"), "{e}");
    till.login("S006", "90517").unwrap();
    let e = till.configure("head_copy", "relative/folder").unwrap_err().to_string();
    assert!(e.contains("absolute"), "{e}");
    till.configure("head_copy", usb.to_str().unwrap()).unwrap();
    till.open_register(10_000, None).unwrap();
    till.stop().unwrap();
    let backup = scratch("head-copy-backup");
    copy_till(&dir, &backup);
    sell(&dir, "2026-12-05T10:00:00+01:00", &[PROP, GLUE]);
    let copied = pos_till::anchor::read(&usb.join("LYO-1.head")).unwrap().unwrap();
    assert_eq!(copied.live, pos_till::anchor::read(&dir.join("till.head")).unwrap().unwrap().live);
    for f in ["till.db", "till.db-wal", "till.db-shm", "till.head"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    copy_till(&backup, &dir);
    let (till, _) = open(&dir, "2026-12-05T11:00:00+01:00");
    let blocked = till.blocked();
    assert!(
        blocked
            .iter()
            .any(|b| b.to_string().contains("older than its head") && b.to_string().contains("LYO-1.head")),
        "{blocked:?}"
    );
    drop(till);
    std::fs::remove_file(usb.join("LYO-1.head")).unwrap();
    let (till, _) = open(&dir, "2026-12-05T11:00:00+01:00");
    assert!(
        till.blocked().iter().any(|b| b.to_string().contains("head file is missing")),
        "a journal that keeps a head does not start afresh without one: {:?}",
        till.blocked()
    );
}

/// A head write torn by a power cut (its slot garbled) leaves the previous head in the other slot:
/// older than the database, which is harmless, and the till starts.
#[test]
fn a_torn_head_write_leaves_the_previous_head() {
    use std::os::unix::fs::FileExt;
    let dir = small_day("torn-head");
    let head = pos_till::anchor::read(&dir.join("till.head")).unwrap().unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(dir.join("till.head")).unwrap();
    let bytes = std::fs::read(dir.join("till.head")).unwrap();
    let slot = (0..2u64)
        .find(|i| {
            let s = &bytes[*i as usize * pos_till::anchor::SLOT..][..pos_till::anchor::SLOT];
            String::from_utf8_lossy(s).contains(&format!("\"seq\":{},", head.live.seq))
        })
        .unwrap();
    // Half the new head's bytes reached the disk, over the end of the one before.
    file.write_all_at(&[b'#'; 300], slot * pos_till::anchor::SLOT as u64 + 100).unwrap();
    let older = pos_till::anchor::read(&dir.join("till.head")).unwrap().unwrap();
    assert!(older.live.seq < head.live.seq, "{older:?}");
    let (ok, out) = verify_cli(&dir);
    assert!(ok && out.contains(&format!("live record {}", older.live.seq)), "{out}");
    let (till, _) = open(&dir, "2026-12-05T18:00:00+01:00");
    assert!(till.blocked().is_empty(), "{:?}", till.blocked());
    till.stop().unwrap();
    let again = pos_till::anchor::read(&dir.join("till.head")).unwrap().unwrap();
    assert_eq!(again.live.seq, records(&dir), "the head follows the next commit");
    // Both slots garbled: the head cannot be read, and the till says so rather than start afresh.
    std::fs::write(dir.join("till.head"), vec![b'#'; 2 * pos_till::anchor::SLOT]).unwrap();
    let (till, _) = open(&dir, "2026-12-05T18:10:00+01:00");
    assert!(
        till.blocked().iter().any(|b| b.to_string().contains("head file cannot be read")),
        "{:?}",
        till.blocked()
    );
}

/// Every Z prints the journal's head: the closure record's number, hash, signature and key, in
/// text and in its QR code, as the journal holds them.
#[test]
fn every_z_prints_the_journal_head() {
    let dir = small_day("z-head");
    let (mut till, _) = open(&dir, "2026-12-05T19:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.close_register(&[("100.00".to_owned(), 1)].into(), None).unwrap();
    let text = till.last_receipt().unwrap().to_owned();
    let closure = store::records_of_kind(till.conn(), ChainName::Live, Kind::Closure).unwrap().pop().unwrap();
    let (hash, sig): (Vec<u8>, Vec<u8>) = till
        .conn()
        .query_row(
            "SELECT hash, sig FROM journal WHERE chain = 'live' AND seq = ?1",
            [closure.header.seq],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let hash = pos_journal::hex(&hash);
    let fp = till.keys().current().fingerprint();
    assert!(text.contains(&format!("Journal : enregistrement n° {}", closure.header.seq)), "{text}");
    assert!(text.contains(&hash[..32]) && text.contains(&hash[32..]), "{text}");
    assert!(text.contains(&format!("Clé {fp}")), "{text}");
    assert!(
        text.contains(&format!("[QR Z|LYO-1|{}|{hash}|{}]", closure.header.seq, pos_journal::hex(&sig))),
        "{text}"
    );
    till.stop().unwrap();
    let (ok, out, _) = cli(&["report", "z", "--data", dir.to_str().unwrap()]);
    assert!(ok && out.contains(&hash[..32]), "{out}");
}

/// `verify` needs no private key, prints the key's fingerprint and checks the one expected; a
/// database re-keyed end to end (identity, initialisation, every hash and signature) with `till.key`
/// replaced is caught by its head and by the key expected.
#[test]
fn verify_works_from_the_public_key_alone_and_catches_a_re_keyed_journal() {
    let dir = small_day("public-key");
    let fp = {
        let conn = Connection::open(dir.join("till.db")).unwrap();
        pos_till::keys::load(&conn).unwrap().current().fingerprint()
    };
    std::fs::remove_file(dir.join("till.key")).unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("key {fp} in force from live record 1")), "{out}");
    let d = dir.to_str().unwrap();
    let spaced: String = fp
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let (ok, out, _) = cli(&["verify", "--data", d, "--expect-key", &spaced.to_uppercase()]);
    assert!(ok, "{out}");
    let (ok, out, _) = cli(&["verify", "--data", d, "--expect-key", "0123456789abcdef"]);
    assert!(!ok);
    assert_eq!(
        first(&out),
        format!("BROKEN the journal is signed by key {fp}, not by the expected 0123456789abcdef")
    );

    // The owner rewrites everything with a key of their own.
    let new_key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    re_key(&dir, &new_key);
    std::fs::write(dir.join("till.key"), pos_journal::hex(new_key.as_bytes())).unwrap();
    let (ok, out) = verify_cli(&dir);
    assert!(!ok, "{out}");
    assert!(first(&out).contains("is not signed by a key of this journal"), "{out}");
    std::fs::remove_file(dir.join("till.head")).unwrap();
    let (ok, out, _) = cli(&["verify", "--data", d, "--expect-key", &fp]);
    assert!(!ok, "without its head, the key expected still catches it: {out}");
    assert!(first(&out).contains("keeps a head outside the database but there is none"), "{out}");
    assert!(out.contains(&format!("not by the expected {fp}")), "{out}");
}

/// Rewrites a till's whole live chain with `key`, as an owner with `sqlite3` and a script would.
fn re_key(dir: &Path, key: &ed25519_dalek::SigningKey) {
    use ed25519_dalek::Signer;
    let conn = Connection::open(dir.join("till.db")).unwrap();
    conn.execute_batch("DROP TRIGGER identity_is_fixed_u; DROP TRIGGER journal_append_only_u;").unwrap();
    let public = key.verifying_key().to_bytes();
    conn.execute("UPDATE identity SET public_key = ?1", [&public[..]]).unwrap();
    let rows: Vec<(i64, Vec<u8>)> = {
        let mut s = conn.prepare("SELECT seq, bytes FROM journal WHERE chain = 'live' ORDER BY seq").unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let mut prev = pos_journal::GENESIS;
    for (seq, bytes) in rows {
        let (header, mut body) = pos_journal::decode(&bytes).unwrap();
        if body["type"] == "initialised" {
            body["public_key"] = Value::String(pos_journal::hex(&public));
        }
        let bytes = pos_journal::encode(&header, &body).unwrap();
        let hash = pos_journal::chain_hash(&prev, &bytes);
        let sig = key.sign(&hash).to_bytes();
        conn.execute(
            "UPDATE journal SET bytes = ?1, prev = ?2, hash = ?3, sig = ?4 WHERE chain = 'live' AND seq = ?5",
            rusqlite::params![bytes, &prev[..], &hash[..], &sig[..], seq],
        )
        .unwrap();
        prev = hash;
    }
}

/// The only way to replace the key: a change journaled and signed with the old key. The journal
/// verifies across it, and an archive names both keys.
#[test]
fn a_key_is_replaced_only_by_a_change_signed_with_the_old_one() {
    let dir = small_day("change-key");
    let d = dir.to_str().unwrap();
    let (ok, out, err) = cli(&["change-key", "--data", d, "--staff", "S007", "--pin", "2468"]);
    assert!(!ok && err.contains("is not a manager"), "{out}{err}");
    let (ok, out, err) = cli(&["change-key", "--data", d, "--staff", "S006", "--pin", "90517"]);
    assert!(ok, "{out}{err}");
    let changed: Value = serde_json::from_str(out.trim()).unwrap();
    sell(&dir, "2026-12-05T15:00:00+01:00", &[PROP]);
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("key {} in force from live record 1", changed["old"].as_str().unwrap())),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "key {} in force from live record {}",
            changed["new"].as_str().unwrap(),
            changed["from_record"]
        )),
        "{out}"
    );
    let (ok, out, _) = cli(&["verify", "--data", d, "--expect-key", changed["old"].as_str().unwrap()]);
    assert!(ok, "the key head office registered is still the journal's first: {out}");
    let (ok, out, err) = cli(&["archive", "--period", "2026-12", "--data", d]);
    assert!(ok, "{out}{err}");
    let archived = dir.join("archives/LYO-1-2026-12.json");
    let (ok, out, _) = cli(&["verify-archive", archived.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("signed by key {}", changed["new"].as_str().unwrap())), "{out}");
    assert!(
        out.contains(&format!("records signed by key {} then", changed["old"].as_str().unwrap())),
        "{out}"
    );
    // The whole journal exported walks through the key change with the journal crate alone.
    let export = dir.join("journal-export.json");
    let (ok, out, err) = cli(&["export", "--data", d, "--out", export.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    let checked = pos_journal::export::verify(&std::fs::read(&export).unwrap(), None, 2).unwrap();
    assert_eq!(
        checked.keys,
        [changed["old"].as_str().unwrap(), changed["new"].as_str().unwrap()],
        "the keys as the journal handed them over"
    );
    assert!(
        pos_journal::export::verify(
            &std::fs::read(&export).unwrap(),
            Some(changed["old"].as_str().unwrap()),
            1
        )
        .is_ok()
    );
    // A key file that is not the key in force is refused at start; a key waiting from a change that
    // was never journaled is dropped.
    std::fs::write(dir.join("till.key.next"), "11".repeat(32)).unwrap();
    let (till, _) = open(&dir, "2026-12-05T16:00:00+01:00");
    assert!(!dir.join("till.key.next").exists());
    till.stop().unwrap();
}

/// An archive says which month it holds, and the signature covers it.
#[test]
fn an_archive_cannot_be_passed_off_as_another_month() {
    let dir = small_day("archive-period");
    let d = dir.to_str().unwrap();
    assert!(cli(&["archive", "--period", "2026-12", "--data", d]).0);
    let file = dir.join("archives/LYO-1-2026-12.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let relabelled = text.replace("\"period\": \"2026-12\"", "\"period\": \"2026-11\"");
    assert_ne!(relabelled, text);
    let e = pos_journal::archive::verify(relabelled.as_bytes(), None, 2).unwrap_err();
    assert!(e.contains("does not cover what it says"), "{e}");
    let fp = pos_journal::archive::verify(text.as_bytes(), None, 2).unwrap().fingerprint;
    let (ok, out, _) = cli(&["verify-archive", file.to_str().unwrap(), "--expect-key", "ffffffffffffffff"]);
    assert!(!ok && first(&out).contains(&format!("signed by key {fp}, not by the expected")), "{out}");
    let (ok, out, _) = cli(&["verify-archive", file.to_str().unwrap(), "--expect-key", &fp]);
    assert!(ok && first(&out).starts_with("OK ") && out.contains("of 2026-12"), "{out}");
}

/// Two processes on one till: the second is told who holds it, and nothing of it is written.
#[test]
fn a_second_process_on_one_folder_is_refused() {
    let dir = small_day("two");
    let n = records(&dir);
    let (till, _) = open(&dir, "2026-12-05T18:00:00+01:00");
    let script = dir.join("one.json");
    std::fs::write(&script, r#"{"actions": [{"do": "login", "staff": "S007", "pin": "2468"}]}"#).unwrap();
    let (ok, out, err) = cli(&["script", "--data", dir.to_str().unwrap(), script.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(err.contains(&format!("is already running (pid {})", std::process::id())), "{err}");
    let again = pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T18:00:00+01:00")), true);
    assert!(again.is_err(), "a second engine in the same process is refused too");
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "reading needs no lock: {out}");
    till.stop().unwrap();
    assert_eq!(records(&dir), n + 2, "only the running till's start and stop");
}

/// An inspector's copy on read-only media: `verify`, `report` and `status` read it as it is (its WAL
/// too), as a user who cannot write there.
#[test]
fn verify_report_and_status_read_a_read_only_copy() {
    let dir = small_day("read-only");
    let copy = scratch("dvd");
    // Copied while the till runs: the last records are still in its WAL.
    let (mut till, _) = open(&dir, "2026-12-05T18:00:00+01:00");
    till.login("S007", "2468").unwrap();
    till.scan(PROP, 1, None, None, None).unwrap();
    till.pay(&[TenderSpec::Cash(390)], None).unwrap();
    copy_till(&dir, &copy);
    std::fs::copy(dir.join("till.head"), copy.join("till.head")).unwrap();
    assert!(
        std::fs::metadata(copy.join("till.db-wal")).unwrap().len() > 0,
        "the copy holds records in its WAL"
    );
    let journaled = records(&dir);
    till.stop().unwrap();
    let run = |args: &[&str]| -> (bool, String) {
        let mut c = if running_as_root() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", POS_TILL]);
            c
        } else {
            Command::new(POS_TILL)
        };
        let out = c.args(args).arg("--data").arg(&copy).output().unwrap();
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    set_read_only(&copy, true);
    let (ok, out) = run(&["verify"]);
    assert!(ok, "{out}");
    assert!(out.starts_with(&format!("OK {journaled} records")), "{out}");
    let (ok, out) = run(&["report", "z", "--date", "2026-12-05"]);
    assert!(ok && out.contains("X (not closed)"), "{out}");
    let (ok, out) = run(&["status", "--json"]);
    assert!(ok && out.contains("\"tickets\":4"), "{out}");
    set_read_only(&copy, false);
}

fn set_read_only(dir: &Path, ro: bool) {
    use std::os::unix::fs::PermissionsExt;
    // Readable by anyone (the unprivileged user), writable by nobody.
    let mode = |m: u32| if ro { m & 0o555 | 0o444 } else { m | 0o200 };
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let m = std::fs::metadata(&p).unwrap().permissions().mode();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode(m))).unwrap();
    }
    let m = std::fs::metadata(dir).unwrap().permissions().mode();
    let m = if ro { m & 0o555 | 0o555 } else { m | 0o200 };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(m)).unwrap();
}

/// Whether the tests run as root (who could write anywhere: the read-only run drops to `nobody`).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// What grows with the till's age (closed periods, duplicates) lives in rows of its own: a row
/// deleted or a count lowered with `sqlite3` is named by `verify`, a closed day reopened that way
/// does not let the till sell on it, and the rebuild makes the rows again from the journal alone.
#[test]
fn closed_days_and_duplicates_are_rows_checked_against_the_journal() {
    let dir = small_day("rows");
    let (mut till, _) = open(&dir, "2026-12-05T18:00:00+01:00");
    till.login("S006", "90517").unwrap();
    let ticket = till.state().tickets;
    assert!(ticket > 0);
    let reference: String = till
        .conn()
        .query_row("SELECT json_extract(CAST(bytes AS TEXT), '$.body.reference') FROM journal WHERE kind = 'ticket' AND chain = 'live' ORDER BY seq LIMIT 1", [], |r| r.get(0))
        .unwrap();
    till.reprint(&reference).unwrap();
    till.reprint(&reference).unwrap();
    till.close_register(&BTreeMap::new(), None).unwrap();
    till.stop().unwrap();
    let rows = |dir: &Path| -> (i64, i64) {
        let c = Connection::open(dir.join("till.db")).unwrap();
        let copies = c
            .query_row("SELECT copies FROM duplicate WHERE ticket = ?1", [&reference], |r| r.get(0))
            .unwrap();
        let days =
            c.query_row("SELECT COUNT(*) FROM closed_period WHERE period = 'day'", [], |r| r.get(0)).unwrap();
        (copies, days)
    };
    assert_eq!(rows(&dir), (2, 1));
    let state_len = |dir: &Path| -> usize {
        Connection::open(dir.join("till.db"))
            .unwrap()
            .query_row("SELECT length(json) FROM state", [], |r| r.get::<_, i64>(0))
            .unwrap() as usize
    };
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");

    sql(&dir, &format!("UPDATE duplicate SET copies = 0 WHERE ticket = '{reference}'"));
    let (ok, out) = verify_cli(&dir);
    assert!(!ok);
    assert!(first(&out).starts_with("BROKEN projection duplicate"), "{out}");
    sql(&dir, "DELETE FROM closed_period");
    let (ok, out) = verify_cli(&dir);
    assert!(!ok, "{out}");

    // The day is closed by the journal, whatever the table says (a cashier cannot open it again
    // without a manager); a rebuild restores the rows.
    let (mut till, _) = open(&dir, "2026-12-05T19:00:00+01:00");
    till.login("S007", "2468").unwrap();
    let e = till.open_register(5_000, None).unwrap_err().to_string();
    assert!(e.contains("opening the register again on a day already closed"), "{e}");
    till.rebuild(Some(&manager())).unwrap();
    till.stop().unwrap();
    assert_eq!(rows(&dir), (2, 1));
    let (ok, out) = verify_cli(&dir);
    assert!(ok, "{out}");
    assert!(state_len(&dir) < 2_000, "the state row holds no list that grows with age");
}
