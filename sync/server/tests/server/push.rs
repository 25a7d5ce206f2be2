//! The push: a day offline then caught up, the same batch twice, the server killed mid-push, a till
//! put back from yesterday's copy — on both backends.

use std::time::Duration;

use pos_journal::ChainName;
use pos_sync::push::Fault;
use pos_sync::wire::{ErrorCode, PushAnswer};
use pos_till::sync::{self, SyncError};

use super::{Backend, Server, enrol, head, new_till, scratch, sell, verify};

fn day_offline_then_catch_up(backend: Backend) {
    let server = Server::start(backend, "offline");
    let lyon = new_till("LYO", 1, "offline-lyo");
    let paris = new_till("PAR", 1, "offline-par");
    enrol(&server, &lyon);
    enrol(&server, &paris);
    // Head office goes away for the day; both tills sell on.
    let mut server = server;
    let url = server.url.clone();
    server.kill();
    sell(&lyon, 12, "2026-12-01T10:00:00+01:00");
    sell(&paris, 7, "2026-12-01T10:00:00+01:00");
    match sync::round(&lyon) {
        Err(SyncError::Offline(_)) => {}
        other => panic!("a round with head office away is offline: {other:?}"),
    }
    let conn = pos_till::store::open_db(&lyon).unwrap();
    let view = sync::view(&conn, &lyon).unwrap().unwrap();
    assert!(!view.online && view.last_error.is_some(), "{view:?}");
    assert_eq!(view.waiting, head(&lyon), "nothing acknowledged yet: {view:?}");
    assert_eq!(view.server, url);
    drop(conn);

    // Head office is back.
    let server = server.restart();
    for (dir, till) in [(&lyon, "LYO-1"), (&paris, "PAR-1")] {
        let r = sync::round(dir).unwrap();
        let live = &r.chains[0];
        assert_eq!((live.head, live.acknowledged, live.pushed), (head(dir), head(dir), head(dir)), "{r:?}");
        assert_eq!(r.waiting(), 0);
        assert_eq!(server.records(till), head(dir), "{till}");
        let (ok, lines) = verify(dir);
        assert!(ok, "{lines}");
        assert!(lines.contains("acknowledged by"), "verify reports head office's anchor: {lines}");
    }
    let conn = pos_till::store::open_db(&lyon).unwrap();
    let view = sync::view(&conn, &lyon).unwrap().unwrap();
    assert!(
        view.online && view.waiting == 0 && view.last_sync.is_some() && view.quarantine.is_none(),
        "{view:?}"
    );
    // A round with nothing new sends head office's last record again, and stores nothing.
    let r = sync::round(&lyon).unwrap();
    assert_eq!((r.chains[0].pushed, r.chains[0].duplicates), (0, 1), "{r:?}");
    assert_eq!(server.records("LYO-1"), head(&lyon));
}

fn same_batch_twice(backend: Backend) {
    let server = Server::start(backend, "twice");
    let dir = new_till("LYO", 1, "twice");
    enrol(&server, &dir);
    sell(&dir, 3, "2026-12-01T10:00:00+01:00");
    let batch = super::api::batch(&dir, 1, head(&dir));
    let first: PushAnswer =
        serde_json::from_slice(&super::api::push_raw(&server, &dir, &batch).unwrap()).unwrap();
    let again: PushAnswer =
        serde_json::from_slice(&super::api::push_raw(&server, &dir, &batch).unwrap()).unwrap();
    assert_eq!((first.accepted, first.duplicates), (head(&dir), 0));
    assert_eq!((again.accepted, again.duplicates), (0, head(&dir)));
    assert_eq!(first.ack, again.ack, "the same acknowledgement");
    assert_eq!(server.records("LYO-1"), head(&dir));
    // Part of it again, overlapping new records: the old ones are duplicates, the new ones taken.
    sell(&dir, 1, "2026-12-01T11:00:00+01:00");
    let overlap = super::api::batch(&dir, 2, head(&dir));
    let r: PushAnswer =
        serde_json::from_slice(&super::api::push_raw(&server, &dir, &overlap).unwrap()).unwrap();
    assert_eq!(r.duplicates, batch.records.len() as u64 - 1);
    assert_eq!(r.accepted, head(&dir) - batch.records.len() as u64);
    assert_eq!(server.records("LYO-1"), head(&dir));
}

fn server_killed_mid_push(backend: Backend) {
    let mut server = Server::start(backend, "killed");
    let dir = new_till("LYO", 1, "killed");
    enrol(&server, &dir);
    sell(&dir, 1_200, "2026-12-01T09:00:00+01:00");
    let total = head(&dir);
    assert!(total > sync::BATCH, "a backlog of more than one batch: {total}");
    let syncing = {
        let dir = dir.clone();
        std::thread::spawn(move || sync::round(&dir))
    };
    // Killed as soon as head office holds part of the backlog.
    let mut held_at_kill = 0;
    for _ in 0..2000 {
        held_at_kill = server.records("LYO-1");
        if held_at_kill > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    server.kill();
    let cut = syncing.join().unwrap();
    assert!(held_at_kill > 0, "head office took something before it was killed");
    if held_at_kill < total {
        assert!(matches!(cut, Err(SyncError::Offline(_))), "a round cut mid-way is offline: {cut:?}");
    }
    let server = server.restart();
    let held_after_restart = server.records("LYO-1");
    assert!(held_after_restart >= held_at_kill, "what was acknowledged survived the kill");
    let r = sync::round(&dir).unwrap();
    assert_eq!(r.chains[0].acknowledged, total, "{r:?}");
    assert_eq!(server.records("LYO-1"), total, "every record once: nothing lost, nothing twice");
    assert_eq!(r.chains[0].pushed, total - held_after_restart);
    let (ok, lines) = verify(&dir);
    assert!(ok, "{lines}");
}

fn restored_copy_is_quarantined(backend: Backend) {
    let server = Server::start(backend, "restored");
    let dir = new_till("LYO", 1, "restored");
    enrol(&server, &dir);
    sell(&dir, 3, "2026-12-01T10:00:00+01:00");
    sync::round(&dir).unwrap();
    // Last night's backup of the whole folder.
    let backup = scratch("restored-backup").join("till");
    copy_dir(&dir, &backup);
    let acked = head(&dir);
    sell(&dir, 2, "2026-12-02T10:00:00+01:00");
    sync::round(&dir).unwrap();
    let held = server.records("LYO-1");
    assert_eq!(held, head(&dir));

    // Only the database put back: verify finds it no longer reaches head office's acknowledgement.
    let db_only = scratch("restored-db-only").join("till");
    copy_dir(&dir, &db_only);
    std::fs::copy(backup.join("till.db"), db_only.join("till.db")).unwrap();
    for wal in ["till.db-wal", "till.db-shm"] {
        let _ = std::fs::remove_file(db_only.join(wal));
    }
    let (ok, lines) = verify(&db_only);
    assert!(!ok, "{lines}");
    assert!(lines.contains(&format!("head office acknowledged live record {held}")), "{lines}");

    // The whole folder put back and sold on: head office sees another record where it holds one,
    // and names the first that differs (records the till wrote the same way again, as the closure
    // of the day before, are the same records).
    let original = hashes(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    copy_dir(&backup, &dir);
    sell(&dir, 1, "2026-12-02T11:00:00+01:00");
    let restored = hashes(&dir);
    let first_different = (1..).find(|&i| original.get(i - 1) != restored.get(i - 1)).unwrap() as u64;
    assert!(first_different > acked && first_different <= held, "{first_different}");
    let r = sync::round(&dir).unwrap();
    let q = r.chains[0].quarantine.clone().expect("quarantined");
    assert_eq!((q.fault, q.seq, q.chain), (Fault::Fork, first_different, ChainName::Live), "{q:?}");
    let acked = first_different - 1;
    assert_eq!(server.records("LYO-1"), held, "nothing of the restored copy merged");
    // The till shows it, and head office refuses anything more of that stream.
    let conn = pos_till::store::open_db(&dir).unwrap();
    let view = sync::view(&conn, &dir).unwrap().unwrap();
    assert!(view.quarantine.as_deref().is_some_and(|q| q.contains("Fork")), "{view:?}");
    drop(conn);
    let again = super::api::batch(&dir, acked + 1, head(&dir));
    match super::api::push_raw(&server, &dir, &again) {
        Err(SyncError::Refused {
            status: 409,
            code: Some(ErrorCode::StreamQuarantined),
            quarantine: Some(q),
            ..
        }) => {
            assert_eq!(q.seq, acked + 1);
        }
        other => panic!("a quarantined stream takes nothing: {other:?}"),
    }
    let streams = super::api::streams(&server, &dir);
    let live = streams.streams.iter().find(|s| s.chain == ChainName::Live).unwrap();
    assert_eq!(live.quarantine.as_ref().map(|q| q.fault), Some(Fault::Fork));
    assert_eq!(live.last_seq, held);
    // Head office's operator sees it too.
    let tills = server.tills_json();
    let lyon = tills.as_array().unwrap().iter().find(|t| t["till"] == "LYO-1").unwrap();
    let q = lyon["streams"].as_array().unwrap().iter().find(|s| s["chain"] == "live").unwrap();
    assert_eq!(
        (q["quarantine"]["fault"].as_str(), q["quarantine"]["seq"].as_u64()),
        (Some("fork"), Some(acked + 1))
    );
    assert_eq!(q["last_seq"].as_u64(), Some(held));
}

fn background_sync_rides_out_a_cut(backend: Backend) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut server = Server::start(backend, "background");
    let dir = new_till("LYO", 1, "background");
    enrol(&server, &dir);
    server.kill();
    let stop = Arc::new(AtomicBool::new(false));
    let schedule = sync::task::Schedule {
        every: Duration::from_millis(100),
        backoff_from: Duration::from_millis(50),
        backoff_to: Duration::from_millis(400),
    };
    let task = sync::task::start(dir.clone(), schedule, Arc::clone(&stop), |_| ()).unwrap();
    // Sales go on while the task fails to reach head office.
    sell(&dir, 20, "2026-12-01T10:00:00+01:00");
    let view = |dir: &std::path::Path| {
        let conn = pos_till::store::open_db(dir).unwrap();
        sync::view(&conn, dir).unwrap().unwrap()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while view(&dir).last_error.is_none() {
        assert!(std::time::Instant::now() < deadline, "the task tried and said it could not");
        std::thread::sleep(Duration::from_millis(20));
    }
    let server = server.restart();
    while view(&dir).waiting > 0 || !view(&dir).online {
        assert!(std::time::Instant::now() < deadline, "caught up once head office is back: {:?}", view(&dir));
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::SeqCst);
    task.join().unwrap();
    assert_eq!(server.records("LYO-1"), head(&dir));
}

fn key_change_reaches_head_office(backend: Backend) {
    use pos_till::engine::Approval;
    let server = Server::start(backend, "rekey");
    let dir = new_till("LYO", 1, "rekey");
    enrol(&server, &dir);
    sell(&dir, 2, "2026-12-01T10:00:00+01:00");
    sync::round(&dir).unwrap();
    let old_key = pos_till::store::read_key(&dir).unwrap();
    // A manager replaces the key, then the till sells on, in training too, before any sync.
    {
        let mut till = super::open_till(&dir, "2026-12-01T11:00:00+01:00");
        let manager = Approval { staff: "S006".into(), pin: "90517".into() };
        till.login("S006", "90517").unwrap();
        till.change_key(Some(&manager)).unwrap();
        till.training(true, Some(&manager)).unwrap();
        till.scan(super::PROP, 1, None, None, None).unwrap();
        till.pay(&[pos_till::engine::TenderSpec::Cash(390)], None).unwrap();
        till.training(false, Some(&manager)).unwrap();
        till.stop().unwrap();
    }
    assert_ne!(pos_till::store::read_key(&dir).unwrap().to_bytes(), old_key.to_bytes());
    sell(&dir, 3, "2026-12-01T12:00:00+01:00");
    let conn = pos_till::store::open_db(&dir).unwrap();
    let training_head = pos_till::store::Heads::load(&conn).unwrap().len(ChainName::Training);
    drop(conn);
    let r = sync::round(&dir).unwrap();
    assert_eq!(r.waiting(), 0, "{r:?}");
    assert!(r.chains.iter().all(|c| c.quarantine.is_none()), "{r:?}");
    assert_eq!(server.records("LYO-1"), head(&dir));
    assert!(training_head > 0);
    let (rt, storage) = server.storage();
    let training = rt.block_on(storage.record_count("LYO-1", ChainName::Training)).unwrap();
    assert_eq!(training, training_head, "training records signed with the new key taken too");
    // A round after: signed with the new key, head office knows it.
    sell(&dir, 1, "2026-12-01T13:00:00+01:00");
    let r = sync::round(&dir).unwrap();
    assert_eq!(r.waiting(), 0, "{r:?}");
    assert_eq!(server.records("LYO-1"), head(&dir));
    // Whoever kept only the old key cannot push in the till's name any more, even the batch that
    // carries the change.
    let batch = super::api::batch(&dir, 1, head(&dir));
    match super::api::push_signed(&server, &old_key, &batch) {
        Err(SyncError::Refused { status: 401, code: Some(ErrorCode::AuthBadSignature), .. }) => {}
        other => panic!("the old key is refused: {other:?}"),
    }
    let (ok, lines) = verify(&dir);
    assert!(ok, "{lines}");
}

/// The hashes of the live chain, in order.
fn hashes(dir: &std::path::Path) -> Vec<[u8; 32]> {
    let conn = pos_till::store::open_db(dir).unwrap();
    pos_till::store::read_records(&conn, ChainName::Live, 1, u64::MAX >> 1)
        .unwrap()
        .into_iter()
        .map(|r| r.hash)
        .collect()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else if e.file_name() != "till.lock" {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn sqlite_day_offline_then_catch_up() {
    day_offline_then_catch_up(Backend::Sqlite);
}
#[test]
fn postgres_day_offline_then_catch_up() {
    day_offline_then_catch_up(Backend::Postgres);
}
#[test]
fn sqlite_same_batch_twice() {
    same_batch_twice(Backend::Sqlite);
}
#[test]
fn postgres_same_batch_twice() {
    same_batch_twice(Backend::Postgres);
}
#[test]
fn sqlite_server_killed_mid_push() {
    server_killed_mid_push(Backend::Sqlite);
}
#[test]
fn postgres_server_killed_mid_push() {
    server_killed_mid_push(Backend::Postgres);
}
#[test]
fn sqlite_restored_copy_is_quarantined() {
    restored_copy_is_quarantined(Backend::Sqlite);
}
#[test]
fn postgres_restored_copy_is_quarantined() {
    restored_copy_is_quarantined(Backend::Postgres);
}
#[test]
fn sqlite_background_sync_rides_out_a_cut() {
    background_sync_rides_out_a_cut(Backend::Sqlite);
}
#[test]
fn postgres_background_sync_rides_out_a_cut() {
    background_sync_rides_out_a_cut(Backend::Postgres);
}
#[test]
fn sqlite_key_change_reaches_head_office() {
    key_change_reaches_head_office(Backend::Sqlite);
}
#[test]
fn postgres_key_change_reaches_head_office() {
    key_change_reaches_head_office(Backend::Postgres);
}
