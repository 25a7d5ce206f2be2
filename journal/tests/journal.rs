//! The journal crate on its own: the frozen format, the typed bodies written as format 1 wrote
//! them, and the walk that accepts or refuses records (made here with a key of the test's).

use ed25519_dalek::SigningKey;
use pos_journal::body::{CardOutcome, Entry, LineSpec, ReturnedFrom, TenderMethod};
use pos_journal::check::{ChainWalk, Fault, Stored};
use pos_journal::keys::KeyRing;
use pos_journal::signature::RecordSigner;
use pos_journal::{ChainName, GENESIS, Header, Kind, chain_hash, encode, hex};

/// A record as a till stores it.
struct Row {
    bytes: Vec<u8>,
    prev: Vec<u8>,
    hash: Vec<u8>,
    sig: Vec<u8>,
}

impl Row {
    fn stored(&self) -> Stored<'_> {
        Stored { bytes: &self.bytes, prev: &self.prev, hash: &self.hash, sig: &self.sig }
    }
}

/// A live chain of `entries`, numbered and signed as a till does, `signer` handing over to the key
/// of each `key_changed`.
fn chain(mut signers: Vec<RecordSigner>, entries: &[Entry]) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut numbers = std::collections::BTreeMap::new();
    let mut prev = GENESIS;
    signers.reverse();
    let mut signer = signers.pop().unwrap();
    for (i, entry) in entries.iter().enumerate() {
        let no = numbers.entry(entry.kind()).and_modify(|n| *n += 1).or_insert(1u64);
        let header = Header {
            v: 1,
            till: "LYO-1".into(),
            chain: ChainName::Live,
            seq: i as u64 + 1,
            kind: entry.kind(),
            no: *no,
            at: format!("2026-12-05T10:{:02}:00+01:00", i % 60),
        };
        let bytes = encode(&header, &serde_json::to_value(entry).unwrap()).unwrap();
        let hash = chain_hash(&prev, &bytes);
        let sig = signer.sign(&hash).to_bytes().to_vec();
        rows.push(Row { bytes, prev: prev.to_vec(), hash: hash.to_vec(), sig });
        prev = hash;
        if matches!(entry, Entry::KeyChanged { .. }) {
            signer = signers.pop().unwrap();
        }
    }
    rows
}

fn key(n: u8) -> RecordSigner {
    RecordSigner::new(SigningKey::from_bytes(&[n; 32]))
}

fn entries(new_key: &str) -> Vec<Entry> {
    let public = hex(&key(1).verifying_key().to_bytes());
    vec![
        Entry::Initialised {
            store: "LYO".into(),
            till: "LYO-1".into(),
            public_key: public,
            software: "t".into(),
        },
        Entry::Started { software: "t".into() },
        Entry::Login { staff: "S007".into() },
        Entry::CardResult { reference: "P1".into(), outcome: CardOutcome::Declined, detail: "51".into() },
        Entry::KeyChanged { old_key: String::new(), new_key: new_key.into(), by: "S006".into() },
        Entry::Login { staff: "S006".into() },
        Entry::Stopped,
    ]
}

fn walk() -> ChainWalk {
    ChainWalk::from_start("LYO-1", ChainName::Live, KeyRing::new(key(1).verifying_key().to_bytes())).unwrap()
}

#[test]
fn a_chain_walks_through_a_key_change_and_each_forgery_is_named() {
    let rows = chain(vec![key(1), key(2)], &entries(&hex(&key(2).verifying_key().to_bytes())));
    let stored: Vec<Stored<'_>> = rows.iter().map(Row::stored).collect();
    let mut w = walk();
    let (accepted, refused) = w.check_many(&stored);
    assert_eq!((accepted.len(), refused), (7, None));
    assert_eq!(accepted.iter().map(|a| a.key_index).collect::<Vec<_>>(), [0, 0, 0, 0, 0, 1, 1]);
    assert_eq!(w.ring().keys().len(), 2);
    assert_eq!(w.next_seq(), 8);
    // One by one, the same answer.
    let mut one = walk();
    assert!(stored.iter().all(|s| one.check(*s).is_ok()));
    assert_eq!(one.head(), w.head());

    let refused_at = |rows: &[Row]| {
        let stored: Vec<Stored<'_>> = rows.iter().map(Row::stored).collect();
        let (accepted, refused) = walk().check_many(&stored);
        let refused = refused.expect("refused");
        assert_eq!(accepted.len() as u64 + 1, refused.seq, "accepted up to the bad one");
        (refused.seq, refused.fault)
    };
    // A record removed: the next does not follow.
    let mut gap: Vec<Row> = chain(vec![key(1), key(2)], &entries(&hex(&key(2).verifying_key().to_bytes())));
    gap.remove(2);
    assert_eq!(refused_at(&gap), (3, Fault::Unlinked));
    // A body altered.
    let mut altered = chain(vec![key(1), key(2)], &entries(&hex(&key(2).verifying_key().to_bytes())));
    altered[3].bytes = String::from_utf8(altered[3].bytes.clone()).unwrap().replace("51", "00").into_bytes();
    assert_eq!(refused_at(&altered), (4, Fault::Altered));
    // Signed by another key than the one in force (after the change, the old key no longer signs).
    let mut forged = chain(vec![key(1), key(1)], &entries(&hex(&key(2).verifying_key().to_bytes())));
    forged.truncate(6);
    assert_eq!(refused_at(&forged), (6, Fault::BadSignature));
    // Re-hashed and re-signed after an edit by someone without the key: the signature.
    let mut resigned = chain(vec![key(1), key(2)], &entries(&hex(&key(2).verifying_key().to_bytes())));
    let other = chain(vec![key(9), key(2)], &entries(&hex(&key(2).verifying_key().to_bytes())));
    resigned[1].sig.clone_from(&other[1].sig);
    assert_eq!(refused_at(&resigned), (2, Fault::BadSignature));
    // A key change to something that is not a key.
    let bad = chain(vec![key(1), key(2)], &entries("not a key"));
    assert!(matches!(refused_at(&bad), (5, Fault::BadKey(_))));
    // Numbers within a kind skipping one: re-numbered by hand, re-hashed and re-signed with the key.
    let mut numbers = entries(&hex(&key(2).verifying_key().to_bytes()));
    numbers.truncate(3);
    let mut rows = chain(vec![key(1)], &numbers);
    let text = String::from_utf8(rows[2].bytes.clone()).unwrap().replace("\"no\":3", "\"no\":5");
    rows[2].bytes = text.into_bytes();
    let hash = chain_hash(&rows[2].prev.clone().try_into().unwrap(), &rows[2].bytes);
    rows[2].hash = hash.to_vec();
    rows[2].sig = key(1).sign(&hash).to_bytes().to_vec();
    assert_eq!(refused_at(&rows), (3, Fault::Numbering { kind: "event", found: 5, before: 2 }));
    // A field format 1 does not know, signed with the key: read typed, it would pass unseen.
    let mut rows = chain(vec![key(1)], &numbers);
    let text =
        String::from_utf8(rows[2].bytes.clone()).unwrap().replace("{\"staff\"", "{\"hidden\":1,\"staff\"");
    rows[2].bytes = text.into_bytes();
    let hash = chain_hash(&rows[2].prev.clone().try_into().unwrap(), &rows[2].bytes);
    rows[2].hash = hash.to_vec();
    rows[2].sig = key(1).sign(&hash).to_bytes().to_vec();
    assert!(matches!(refused_at(&rows), (3, Fault::UnknownBody(_))));
}

#[test]
fn typed_fields_are_written_as_format_1_wrote_them() {
    let line = LineSpec::Return {
        ticket: ReturnedFrom::NoReceipt { approved_by: "S006".into() },
        line: 1,
        sku: "A".into(),
        name: "Hélice".into(),
        units: 1,
        sold_units: 1,
        net: 100,
        eco: 0,
        vat: vec![],
        basis: pos_journal::body::Basis::TaxExcluded,
        before: 0,
    };
    let v = serde_json::to_value(&line).unwrap();
    assert_eq!(v["ticket"], "NO-RECEIPT/S006");
    assert_eq!(v["basis"], "ht");
    assert_eq!(serde_json::from_value::<LineSpec>(v).unwrap(), line);
    assert_eq!(ReturnedFrom::parse("LYO-1-T000042"), ReturnedFrom::Ticket("LYO-1-T000042".into()));
    let web = ReturnedFrom::parse("WEB/W-1042");
    assert_eq!((web.web_order(), web.ticket(), web.to_string()), (Some("W-1042"), None, "WEB/W-1042".into()));
    let tenders: std::collections::BTreeMap<TenderMethod, i64> =
        [(TenderMethod::GiftCard, 5), (TenderMethod::Cash, 7)].into();
    assert_eq!(serde_json::to_string(&tenders).unwrap(), r#"{"cash":7,"gift_card":5}"#);
    assert_eq!(serde_json::to_value(CardOutcome::NotMade).unwrap(), "not_made");
    assert_eq!(Kind::ALL.len(), 8);
}

/// The journal's canonical bytes and chained hash are frozen: a record written today must hash the same
/// in every later version, or old journals would stop verifying.
#[test]
fn journal_record_encoding_is_frozen() {
    use pos_journal::{ChainName, GENESIS, Header, Kind, chain_hash, decode, encode, hex};
    let header = Header {
        v: 1,
        till: "LYO-1".into(),
        chain: ChainName::Live,
        seq: 42,
        kind: Kind::Ticket,
        no: 7,
        at: "2026-12-05T10:15:00+01:00".into(),
    };
    let body = serde_json::json!({"type": "ticket", "total": 33613, "name": "Hélice \"10x6\"", "lines": [1, 2], "z": null});
    let bytes = encode(&header, &body).unwrap();
    assert_eq!(
        String::from_utf8(bytes.clone()).unwrap(),
        r#"{"body":{"lines":[1,2],"name":"Hélice \"10x6\"","total":33613,"type":"ticket","z":null},"header":{"at":"2026-12-05T10:15:00+01:00","chain":"live","kind":"ticket","no":7,"seq":42,"till":"LYO-1","v":1}}"#
    );
    assert_eq!(hex(&chain_hash(&GENESIS, &bytes)), GOLDEN_HASH);
    assert_eq!(decode(&bytes).unwrap(), (header.clone(), body.clone()));
    // Floats are refused; bytes that are not canonical (a space added) are refused.
    assert!(encode(&header, &serde_json::json!({"x": 1.5})).is_err());
    let mut spaced = bytes.clone();
    spaced.insert(1, b' ');
    assert!(decode(&spaced).is_err());
}

// SHA-256("pos-journal/1" ‖ 32 zero bytes ‖ the bytes above), computed outside Rust (Python hashlib).
const GOLDEN_HASH: &str = "b5e7032c3ed3783967d66a1c663fcd85b20cbfa8bedfc88088f6f384b30b5565";

/// On two threads the walk accepts and refuses exactly what it does on one.
#[test]
fn threads_change_nothing_but_the_time() {
    let mut list = entries(&hex(&key(2).verifying_key().to_bytes()));
    list.truncate(4);
    list.extend((0..400).map(|i| Entry::Login { staff: format!("S{i:03}") }));
    let good = chain(vec![key(1)], &list);
    let mut bad = chain(vec![key(1)], &list);
    bad[250].sig[40] ^= 1;
    let mut late = chain(vec![key(1)], &list);
    late[380].bytes.push(b' ');
    for threads in [1, 2, 3] {
        let run = |rows: &[Row]| {
            let stored: Vec<Stored<'_>> = rows.iter().map(Row::stored).collect();
            let (accepted, refused) = walk().with_threads(threads).check_many(&stored);
            (accepted.len(), refused.map(|r| (r.seq, r.fault)))
        };
        assert_eq!(run(&good), (404, None), "{threads} threads");
        assert_eq!(run(&bad), (250, Some((251, Fault::BadSignature))), "{threads} threads");
        assert_eq!(run(&late), (380, Some((381, Fault::Altered))), "{threads} threads");
    }
}

/// The auditor's tool on an archive and an export written by `pos-till archive` and `pos-till
/// export` (a Lyon day, kept in `tests/fixtures/` so that files written by this version keep
/// verifying in every later one), and on copies an owner edited.
#[test]
fn the_auditors_tool_checks_what_a_till_wrote_and_refuses_what_was_edited() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("auditor");
    std::fs::create_dir_all(&scratch).unwrap();
    let run = |file: &std::path::Path, expect: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pos-journal"));
        cmd.arg("verify").arg(file);
        if let Some(k) = expect {
            cmd.args(["--expect-key", k]);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let archive = fixtures.join("LYO-1-2026-12.archive.json");
    let export = fixtures.join("LYO-1.export.json");
    let (code, out) = run(&archive, None);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("OK archive of 2026-12: 40 records"), "{out}");
    let key = out.split("the archive signed by key ").nth(1).unwrap()[..16].to_owned();
    let spaced: String =
        key.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ");
    assert_eq!(run(&archive, Some(&spaced.to_uppercase())).0, Some(0), "the fingerprint as read off a Z");
    let (code, out) = run(&export, Some(&key));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("OK journal of 43 records"), "{out}");
    let (code, out) = run(&export, Some("0123456789abcdef"));
    assert_eq!(code, Some(1));
    assert!(out.contains(&format!("signed by key {key}, not by the expected 0123456789abcdef")), "{out}");

    // Edits an owner could make with a text editor.
    let edit = |from: &std::path::Path, name: &str, change: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(from).unwrap()).unwrap();
        change(&mut v);
        let path = scratch.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        run(&path, None)
    };
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&std::path::Path, &str, Edit, &str)> = vec![
        (
            &export,
            "amount.json",
            Box::new(|v| {
                let r = &mut v["records"][4]["bytes"];
                *r = r.as_str().unwrap().replace("\"float\":15000", "\"float\":16000").into();
            }),
            "record 5: its hash does not match its content (altered)",
        ),
        (
            &export,
            "removed.json",
            Box::new(|v| {
                v["records"].as_array_mut().unwrap().remove(10);
            }),
            "record 11: does not follow the record before it",
        ),
        (
            &export,
            "truncated-start.json",
            Box::new(|v| {
                v["records"].as_array_mut().unwrap().remove(0);
            }),
            "record 1 is not the till's initialisation",
        ),
        (
            &archive,
            "relabelled.json",
            Box::new(|v| v["period"] = "2026-11".into()),
            "the archive's signature does not cover what it says",
        ),
        (
            &archive,
            "digest.json",
            Box::new(|v| {
                v["records"].as_array_mut().unwrap().pop();
            }),
            "does not hold every record of its range",
        ),
        (
            &archive,
            "signature.json",
            Box::new(|v| {
                let sig = v["records"][3]["sig"].as_str().unwrap();
                let flipped: String = sig
                    .char_indices()
                    .map(|(i, c)| if i == 60 { if c == '0' { '1' } else { '0' } } else { c })
                    .collect();
                v["records"][3]["sig"] = flipped.into();
            }),
            "its signature is not the till's",
        ),
    ];
    for (from, name, change, said) in &cases {
        let (code, out) = edit(from, name, change);
        assert_eq!(code, Some(1), "{name}: {out}");
        assert!(out.starts_with("BROKEN") && out.contains(said), "{name}: {out}");
    }
    // Not a journal at all; a file that cannot be read.
    let junk = scratch.join("junk.json");
    std::fs::write(&junk, b"{\"format\": \"something else\"}").unwrap();
    let (code, out) = run(&junk, None);
    assert!(code == Some(1) && out.contains("neither a till archive nor a journal export"), "{out}");
    assert_eq!(run(&scratch.join("missing.json"), None).0, Some(2));
}

/// The auditor's tool answers `--help` and names a misspelt option.
#[test]
fn the_auditors_tool_answers_help() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pos-journal")).args(args).output().unwrap()
    };
    for args in [&["--help"][..], &["verify", "--help"][..]] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: pos-journal"), "{args:?}");
    }
    let out = run(&["verify", "x.json", "--expect-kye", "ab"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--expect-kye"));
}
