//! The push as head office takes it: batches accepted once and whole, a cut at any record resumed,
//! and a gap, a fork or a forged record put in quarantine with the first bad record, keeping what
//! came before; head office's acknowledgements verified with its key alone.

use std::collections::HashMap;

use ed25519_dalek::SigningKey;
use pos_journal::archive::ArchivedRecord;
use pos_journal::body::{CardOutcome, Entry};
use pos_journal::signature::RecordSigner;
use pos_journal::{ChainName, GENESIS, Header, chain_hash, encode, hex};
use pos_sync::ack::Ack;
use pos_sync::auth::{self, AuthRefusal};
use pos_sync::push::{Batch, Fault, Refusal, Stream, follow_live_keys, keys_handed_over, take};

#[path = "sync/catalogue.rs"]
mod catalogue;
#[path = "sync/customers.rs"]
mod customers;

fn key(n: u8) -> RecordSigner {
    RecordSigner::new(SigningKey::from_bytes(&[n; 32]))
}

/// A till's day: its initialisation, then logins, card answers and stops, `n` records in all.
fn day(n: usize, salt: &str) -> Vec<Entry> {
    let mut out = vec![Entry::Initialised {
        store: "LYO".into(),
        till: "LYO-1".into(),
        public_key: hex(&key(1).verifying_key().to_bytes()),
        software: "t".into(),
    }];
    for i in 1..n {
        out.push(match i % 3 {
            0 => Entry::Login { staff: format!("S00{}", i % 7) },
            1 => Entry::CardResult {
                reference: format!("P{i}{salt}"),
                outcome: CardOutcome::Declined,
                detail: "51".into(),
            },
            _ => Entry::Started { software: "t".into() },
        });
    }
    out
}

/// The records of `entries` on `chain`, each signed by `signer(seq)`.
fn records(chain: ChainName, entries: &[Entry], signer: impl Fn(u64) -> RecordSigner) -> Vec<ArchivedRecord> {
    numbered(chain, entries, signer, None)
}

/// The same, the number of the record at seq `skip` one too far (a record of its kind missing).
fn numbered(
    chain: ChainName,
    entries: &[Entry],
    signer: impl Fn(u64) -> RecordSigner,
    skip: Option<u64>,
) -> Vec<ArchivedRecord> {
    let mut numbers = std::collections::BTreeMap::new();
    let mut prev = GENESIS;
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let seq = i as u64 + 1;
        let step = if skip == Some(seq) { 2 } else { 1 };
        let no = numbers.entry(entry.kind()).and_modify(|n| *n += step).or_insert(step);
        let header = Header {
            v: 1,
            till: "LYO-1".into(),
            chain,
            seq,
            kind: entry.kind(),
            no: *no,
            at: format!("2026-12-05T10:{:02}:00+01:00", i % 60),
        };
        let bytes = encode(&header, &serde_json::to_value(entry).unwrap()).unwrap();
        let hash = chain_hash(&prev, &bytes);
        out.push(ArchivedRecord {
            bytes: String::from_utf8(bytes).unwrap(),
            prev: hex(&prev),
            hash: hex(&hash),
            sig: hex(&signer(seq).sign(&hash).to_bytes()),
        });
        prev = hash;
    }
    out
}

fn copy(r: &ArchivedRecord) -> ArchivedRecord {
    ArchivedRecord { bytes: r.bytes.clone(), prev: r.prev.clone(), hash: r.hash.clone(), sig: r.sig.clone() }
}

fn batch(chain: ChainName, all: &[ArchivedRecord], from: u64, to: u64) -> Batch {
    Batch {
        till: "LYO-1".into(),
        chain,
        first_seq: from,
        records: all[(from - 1) as usize..to as usize].iter().map(copy).collect(),
    }
}

/// Head office's side of one stream: its state (kept as JSON, as a database would) and the hash of
/// every record it accepted.
struct Office {
    stream: String,
    hashes: HashMap<u64, [u8; 32]>,
}

impl Office {
    fn new(chain: ChainName) -> Office {
        let stream = Stream::new("LYO-1", chain, key(1).verifying_key().to_bytes()).unwrap();
        Office { stream: serde_json::to_string(&stream).unwrap(), hashes: HashMap::new() }
    }

    fn stream(&self) -> Stream {
        serde_json::from_str(&self.stream).unwrap()
    }

    /// Takes a batch: (records accepted, duplicates), the state and hashes kept as a commit would.
    fn push(&mut self, b: &Batch) -> Result<(usize, u64), Refusal> {
        let hashes = self.hashes.clone();
        let taken = take(&self.stream(), b, |seq| hashes.get(&seq).copied())?;
        for a in &taken.accepted {
            self.hashes.insert(a.header.seq, a.hash);
        }
        self.stream = serde_json::to_string(&taken.stream).unwrap();
        Ok((taken.accepted.len(), taken.duplicates))
    }
}

#[test]
fn a_day_pushed_in_batches_is_taken_once_whole_and_acknowledged() {
    let all = records(ChainName::Live, &day(40, ""), |_| key(1));
    let mut office = Office::new(ChainName::Live);
    assert_eq!(office.push(&batch(ChainName::Live, &all, 1, 10)).unwrap(), (10, 0));
    assert_eq!(office.push(&batch(ChainName::Live, &all, 11, 20)).unwrap(), (10, 0));
    // The same batch again (the till did not hear the answer): acknowledged, nothing stored twice.
    assert_eq!(office.push(&batch(ChainName::Live, &all, 11, 20)).unwrap(), (0, 10));
    // A cut in the middle of a batch: part of it arrived; the till sends the whole batch again.
    assert_eq!(office.push(&batch(ChainName::Live, &all, 21, 25)).unwrap(), (5, 0));
    assert_eq!(office.push(&batch(ChainName::Live, &all, 21, 40)).unwrap(), (15, 5));
    let stream = office.stream();
    assert_eq!(stream.last_seq(), 40);
    assert!(stream.quarantine.is_none());
    assert_eq!(stream.walk.head, all[39].hash);

    // Head office's acknowledgement, checked with its public key alone.
    let server = key(9);
    let ack = Ack::sign(&server, "LYO-1", ChainName::Live, 40, &pos_sync::push::head_of(&stream));
    assert!(ack.verify(&server.verifying_key()));
    assert!(!ack.verify(&key(1).verifying_key()), "the till's own key does not pass for head office's");
    let mut later = ack.clone();
    later.seq = 41;
    assert!(!later.verify(&server.verifying_key()), "an acknowledgement moved on is refused");
    let json = serde_json::to_string(&ack).unwrap();
    assert!(serde_json::from_str::<Ack>(&json).unwrap().verify(&server.verifying_key()));
}

#[test]
fn a_gap_is_put_in_quarantine_and_nothing_after_it_is_taken() {
    let all = records(ChainName::Live, &day(30, ""), |_| key(1));
    let mut office = Office::new(ChainName::Live);
    office.push(&batch(ChainName::Live, &all, 1, 10)).unwrap();
    assert_eq!(office.push(&batch(ChainName::Live, &all, 15, 20)).unwrap(), (0, 0));
    let q = office.stream().quarantine.expect("a gap puts the stream aside");
    assert_eq!((q.fault, q.seq), (Fault::Gap, 11));
    assert!(q.detail.contains("holds up to record 10, the batch starts at 15"), "{}", q.detail);
    assert_eq!(office.stream().last_seq(), 10, "what was good is kept");
    // Nothing more is taken, not even the missing records, until a person deals with it.
    assert!(matches!(office.push(&batch(ChainName::Live, &all, 11, 14)), Err(Refusal::Quarantined(_))));
}

#[test]
fn a_till_restored_from_an_old_copy_and_selling_again_is_a_fork() {
    let first = records(ChainName::Live, &day(20, ""), |_| key(1));
    let mut office = Office::new(ChainName::Live);
    office.push(&batch(ChainName::Live, &first, 1, 20)).unwrap();
    // Yesterday's copy held records 1 to 12; the till sold on from there.
    let mut restored = day(12, "");
    // Another day's records after them, without that day's initialisation (a till has one).
    restored.extend_from_slice(&day(10, "-again")[1..]);
    let again = records(ChainName::Live, &restored, |_| key(1));
    assert_eq!(
        again[..12].iter().map(|r| &r.hash).collect::<Vec<_>>(),
        first[..12].iter().map(|r| &r.hash).collect::<Vec<_>>()
    );
    assert_eq!(office.push(&batch(ChainName::Live, &again, 10, 18)).unwrap(), (0, 3));
    let q = office.stream().quarantine.expect("a fork puts the stream aside");
    assert_eq!((q.fault, q.seq), (Fault::Fork, 13));
    assert!(q.detail.contains(&first[12].hash) && q.detail.contains(&again[12].hash), "{}", q.detail);
    assert_eq!(office.stream().last_seq(), 20, "nothing was merged and nothing lost");
}

#[test]
fn a_forged_record_breaks_the_stream_at_that_record_keeping_what_came_before() {
    let forged = records(ChainName::Live, &day(12, ""), |seq| if seq == 7 { key(5) } else { key(1) });
    let mut office = Office::new(ChainName::Live);
    assert_eq!(office.push(&batch(ChainName::Live, &forged, 1, 12)).unwrap(), (6, 0));
    let q = office.stream().quarantine.expect("a forged record puts the stream aside");
    assert_eq!((q.fault, q.seq), (Fault::Broken, 7));
    assert!(q.detail.contains("signature"), "{}", q.detail);
    assert_eq!(office.stream().last_seq(), 6);

    // An altered record is named the same way.
    let mut altered = records(ChainName::Live, &day(8, ""), |_| key(1));
    assert!(altered[3].bytes.contains("S003"));
    altered[3].bytes = altered[3].bytes.replace("S003", "S099");
    let mut office = Office::new(ChainName::Live);
    office.push(&batch(ChainName::Live, &altered, 1, 8)).unwrap();
    let q = office.stream().quarantine.unwrap();
    assert_eq!((q.fault, q.seq), (Fault::Broken, 4), "{}", q.detail);
    assert!(q.detail.contains("altered"), "{}", q.detail);
}

#[test]
fn a_batch_for_another_stream_or_that_does_not_read_is_refused_and_changes_nothing() {
    let all = records(ChainName::Live, &day(5, ""), |_| key(1));
    let mut office = Office::new(ChainName::Live);
    let mut other = batch(ChainName::Live, &all, 1, 5);
    other.till = "PAR-1".into();
    assert!(matches!(office.push(&other), Err(Refusal::WrongStream(_))));
    let mut torn = batch(ChainName::Live, &all, 1, 5);
    torn.records[2].sig.truncate(20);
    assert!(matches!(office.push(&torn), Err(Refusal::Malformed { seq: 3, .. })));
    assert_eq!(office.stream().last_seq(), 0);
    assert_eq!(office.push(&batch(ChainName::Live, &all, 1, 5)).unwrap(), (5, 0));
}

#[test]
fn the_training_chain_is_a_stream_of_its_own() {
    let training = records(ChainName::Training, &day(6, "-training")[1..], |_| key(1));
    let mut office = Office::new(ChainName::Training);
    assert_eq!(office.push(&batch(ChainName::Training, &training, 1, 5)).unwrap(), (5, 0));
    let live = records(ChainName::Live, &day(3, ""), |_| key(1));
    assert!(matches!(office.push(&batch(ChainName::Live, &live, 1, 3)), Err(Refusal::WrongStream(_))));
    // Training records are the till's too: one signed by another key is refused.
    let forged =
        records(ChainName::Training, &day(6, "-training")[1..], |seq| if seq == 5 { key(5) } else { key(1) });
    let mut office = Office::new(ChainName::Training);
    assert_eq!(office.push(&batch(ChainName::Training, &forged, 1, 5)).unwrap(), (4, 0));
    assert_eq!(office.stream().quarantine.map(|q| (q.fault, q.seq)), Some((Fault::Broken, 5)));
}

/// A live day whose record 6 hands the signature from key 1 over to `to`, signed by `by`.
fn key_change_day(by: u8, to: u8) -> Vec<ArchivedRecord> {
    let mut entries = day(10, "-key");
    entries[5] = Entry::KeyChanged {
        old_key: hex(&key(1).verifying_key().to_bytes()),
        new_key: hex(&key(to).verifying_key().to_bytes()),
        by: "S006".into(),
    };
    records(ChainName::Live, &entries, |seq| {
        if seq < 6 {
            key(1)
        } else if seq == 6 {
            key(by)
        } else {
            key(to)
        }
    })
}

#[test]
fn a_key_change_is_vouched_for_only_by_the_batch_that_carries_it_checked() {
    let live = key_change_day(1, 2);
    let mut office = Office::new(ChainName::Live);
    assert_eq!(office.push(&batch(ChainName::Live, &live, 1, 3)).unwrap(), (3, 0));
    // The batch from head office's last record on (its first record held already) hands key 2 over.
    let new = key(2).verifying_key().to_bytes();
    assert_eq!(keys_handed_over(&office.stream(), &batch(ChainName::Live, &live, 3, 10)), vec![new]);
    assert_eq!(keys_handed_over(&office.stream(), &batch(ChainName::Live, &live, 4, 10)), vec![new]);
    // A batch stopping before the change, or leaving a hole, hands nothing over.
    assert!(keys_handed_over(&office.stream(), &batch(ChainName::Live, &live, 4, 5)).is_empty());
    assert!(keys_handed_over(&office.stream(), &batch(ChainName::Live, &live, 5, 10)).is_empty());
    // A change not signed by the key in force (a stranger handing themself the till) hands nothing.
    let forged = key_change_day(3, 3);
    assert!(keys_handed_over(&office.stream(), &batch(ChainName::Live, &forged, 4, 10)).is_empty());
    // Asking changes nothing: the stream still takes the genuine batch, under the new key after it.
    assert_eq!(office.push(&batch(ChainName::Live, &live, 4, 10)).unwrap(), (7, 0));
    assert_eq!(office.stream().walk.keys.len(), 2);
    // The training stream learns the key from the live stream, and takes records signed with it.
    let mut training = Stream::new("LYO-1", ChainName::Training, key(1).verifying_key().to_bytes()).unwrap();
    follow_live_keys(&mut training, &office.stream());
    let t = records(ChainName::Training, &day(4, "-t")[1..], |seq| if seq == 1 { key(1) } else { key(2) });
    let taken = take(&training, &batch(ChainName::Training, &t, 1, 3), |_| None).unwrap();
    assert_eq!((taken.accepted.len(), taken.stream.quarantine), (3, None));
    // A stream whose keys are not the start of the live stream's is left alone.
    let mut other = Stream::new("LYO-1", ChainName::Training, key(4).verifying_key().to_bytes()).unwrap();
    follow_live_keys(&mut other, &office.stream());
    assert_eq!(other.walk.keys.len(), 1);
}

#[test]
fn numbers_are_checked_across_batches() {
    // Record 11 is a login numbered one past the login before it, which came in the first batch.
    let entries = day(20, "");
    assert!(matches!(entries[10], Entry::CardResult { .. } | Entry::Login { .. } | Entry::Started { .. }));
    let skipped = numbered(ChainName::Live, &entries, |_| key(1), Some(11));
    let mut office = Office::new(ChainName::Live);
    assert_eq!(office.push(&batch(ChainName::Live, &skipped, 1, 10)).unwrap(), (10, 0));
    assert_eq!(office.push(&batch(ChainName::Live, &skipped, 11, 20)).unwrap(), (0, 0));
    let q = office.stream().quarantine.expect("a number skipped across batches is caught");
    assert_eq!((q.fault, q.seq), (Fault::Broken, 11));
    assert!(q.detail.contains("numbers must follow without gaps"), "{}", q.detail);
}

#[test]
fn a_tills_request_is_taken_only_signed_by_its_key_for_what_it_asks_recently_and_once() {
    let till = key(1);
    let body = br#"{"till":"LYO-1"}"#;
    let now = 1_796_000_000_000_i64;
    let signed = auth::sign(&till, "LYO-1", "POST", "/api/v0/push", body, now, [7; 16]);
    let registered = till.verifying_key();
    let check = |s: &auth::Signed, method: &str, path: &str, body: &[u8], at: i64| {
        auth::check(s, method, path, body, &registered, at, |n| n == hex(&[9u8; 16]))
    };
    assert_eq!(check(&signed, "POST", "/api/v0/push", body, now + 1_000), Ok(()));
    assert_eq!(check(&signed, "POST", "/api/v0/push", b"{}", now), Err(AuthRefusal::BadSignature));
    assert_eq!(check(&signed, "POST", "/api/v0/pull", body, now), Err(AuthRefusal::BadSignature));
    assert_eq!(check(&signed, "GET", "/api/v0/push", body, now), Err(AuthRefusal::BadSignature));
    assert_eq!(
        check(&signed, "POST", "/api/v0/push", body, now + auth::WINDOW_MS + 1),
        Err(AuthRefusal::Stale)
    );
    assert_eq!(
        check(&signed, "POST", "/api/v0/push", body, now - auth::WINDOW_MS - 1),
        Err(AuthRefusal::Stale)
    );
    assert_eq!(check(&signed, "POST", "/api/v0/push", body, i64::MIN), Err(AuthRefusal::Stale));
    let mut other_till = signed.clone();
    other_till.till = "PAR-1".into();
    assert_eq!(check(&other_till, "POST", "/api/v0/push", body, now), Err(AuthRefusal::BadSignature));
    let forged = auth::sign(&key(5), "LYO-1", "POST", "/api/v0/push", body, now, [8; 16]);
    assert_eq!(check(&forged, "POST", "/api/v0/push", body, now), Err(AuthRefusal::BadSignature));
    let replayed = auth::sign(&till, "LYO-1", "POST", "/api/v0/push", body, now, [9; 16]);
    assert_eq!(check(&replayed, "POST", "/api/v0/push", body, now), Err(AuthRefusal::Replayed));
    let mut torn = signed.clone();
    torn.nonce.truncate(6);
    assert_eq!(check(&torn, "POST", "/api/v0/push", body, now), Err(AuthRefusal::Malformed));
}
