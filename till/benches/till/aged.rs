//! An aged till: three years of daily closures, 300,000 tickets and 2,000 duplicates, against a
//! new till of the same catalogue, measured in turns in the same run: a scan and a commit must not
//! get slower with the till's age (within 10 %).

use super::*;

const DAYS: u64 = 3 * 365;
const TICKETS: u64 = 300_000;
const DUPLICATES: u64 = 2_000;

/// The aged till (made once under `target/bench-till/aged`, through the real append path).
pub fn aged(dir: &Path, demo: &Path) -> PathBuf {
    let dir = till_in(dir, demo);
    let done: u64 = store::open_db(&dir)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM journal WHERE kind = 'closure'", [], |r| r.get(0))
        .unwrap();
    if done >= DAYS {
        return tables_made(dir);
    }
    eprintln!(
        "making a till of {DAYS} days, {TICKETS} tickets and {DUPLICATES} duplicates in {} (once)",
        dir.display()
    );
    let ticket = first_sale(&dir);
    let mut conn = store::open_db(&dir).unwrap();
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let signer = pos_journal::signature::RecordSigner::new(store::read_key(&dir).unwrap());
    let id = store::identity(&conn).unwrap();
    let mut heads = store::Heads::load(&conn).unwrap();
    let at = "2026-12-05T10:00:00+01:00";
    let day0 = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let per_day = TICKETS / DAYS + 1;
    let mut tickets = 1u64;
    for day in 0..DAYS {
        let tx = conn.transaction().unwrap();
        let mut append = |e: &Entry| {
            store::append(&tx, &mut heads, &signer, &id.till, ChainName::Live, at, e).unwrap();
        };
        for _ in 0..per_day.min(TICKETS.saturating_sub(tickets)) {
            tickets += 1;
            for l in &ticket.lines {
                append(&scanned(l));
            }
            let mut t = ticket.clone();
            t.reference = format!("LYO-1-T{tickets:07}");
            append(&Entry::Ticket(t));
            if tickets.is_multiple_of(TICKETS / DUPLICATES) {
                append(&Entry::Duplicate {
                    ticket: format!("LYO-1-T{tickets:07}"),
                    copy: 1,
                    by: "S006".into(),
                });
            }
        }
        let key = (day0 + chrono::Duration::days(day as i64)).to_string();
        let next = (day0 + chrono::Duration::days(day as i64 + 1)).to_string();
        let z = pos_till::closing::day_closure(&tx, &key, "S006").unwrap();
        let expected = z.cash_expected;
        append(&Entry::CashCounted {
            day: key.clone(),
            counted: Default::default(),
            total: 0,
            expected,
            difference: -expected,
            by: "S006".into(),
        });
        append(&Entry::Closure(z));
        append(&Entry::RegisterOpened {
            day: next,
            float: 10_000,
            by: "S006".into(),
            carried: false,
            approved_by: None,
        });
        tx.commit().unwrap();
    }
    make_tables(&mut conn, &dir, &id.till);
    dir
}

/// The basket step that scanned ticket line `l`.
pub fn scanned(l: &pos_journal::body::TicketLine) -> Entry {
    Entry::LineAdded {
        id: l.id,
        line: LineSpec::Units {
            sku: l.sku.clone(),
            quantity: u32::try_from(l.quantity).unwrap(),
            serial: None,
        },
        approved_by: None,
    }
}

/// The till's first sale, paid, which the aged and the sales journals repeat.
pub fn first_sale(dir: &Path) -> pos_journal::body::Ticket {
    let mut till = open(dir, false);
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    for code in ["3761100080190", "3761300238575", "3762200151285"] {
        till.scan(code, 1, None, None, None).unwrap();
    }
    let total = pos_till::script::cents(till.basket_view().unwrap()["total"].as_str().unwrap()).unwrap();
    till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    till.stop().unwrap();
    let conn = store::open_db(dir).unwrap();
    match store::records_of_kind(&conn, ChainName::Live, pos_journal::Kind::Ticket).unwrap().remove(0).entry {
        Entry::Ticket(t) => t,
        _ => unreachable!("a ticket record holds a ticket"),
    }
}

/// A till ready to scan: logged in, its register open, its basket empty.
fn at_the_counter(dir: &Path) -> Till {
    let mut till = open(dir, true);
    till.login("S007", "2468").unwrap();
    if till.state().register.is_none() {
        till.open_register(0, None).unwrap();
    }
    if !till.state().basket.lines.is_empty() {
        till.cancel_basket().unwrap();
    }
    till
}

/// The rows: scan p99 and ticket commit on the aged till, each against a new till's.
pub fn rows(root: &Path, demo: &Path, rows: &mut Vec<Row>) {
    let old = aged(&root.join("aged"), demo);
    let young = root.join("young");
    let _ = std::fs::remove_dir_all(&young);
    let young = till_in(&young, demo);
    first_sale(&young);
    let codes: Vec<String> = {
        let conn = Connection::open(young.join("till.db")).unwrap();
        let mut s = conn
            .prepare("SELECT code FROM barcode JOIN product USING (sku) WHERE length(code) = 13 AND plu IS NULL AND sku NOT LIKE 'RAD%' AND sku NOT LIKE 'CHG%' AND sku NOT LIKE 'GIFT%' AND sku NOT LIKE 'BULK%' ORDER BY code")
            .unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert!(!codes.is_empty(), "the demo catalogue has plain items to scan");
    let mut tills = [at_the_counter(&young), at_the_counter(&old)];
    let ticket = match store::records_of_kind(tills[0].conn(), ChainName::Live, pos_journal::Kind::Ticket)
        .unwrap()
        .remove(0)
        .entry
    {
        e @ Entry::Ticket(_) => e,
        _ => unreachable!("a ticket record holds a ticket"),
    };
    // Scan by scan in turns (baskets of ten, then cancelled), so that a slower moment slows both;
    // the first 20 baskets warm the caches up.
    let mut scans = [Vec::new(), Vec::new()];
    for round in 0..320 {
        for k in 0..10 {
            let code = &codes[(round * 10 + k) % codes.len()];
            for (till, out) in tills.iter_mut().zip(scans.iter_mut()) {
                let s = Instant::now();
                black_box(till.scan(code, 1, None, None, None).unwrap());
                if round >= 20 {
                    out.push(s.elapsed());
                }
            }
        }
        for till in &mut tills {
            till.cancel_basket().unwrap();
        }
    }
    let mut commits = [Vec::new(), Vec::new()];
    for round in 0..700 {
        for (till, out) in tills.iter_mut().zip(commits.iter_mut()) {
            let s = Instant::now();
            black_box(till.commit(vec![ticket.clone()]).unwrap());
            // The first 300 warm the WAL file up (as in the commit row).
            if round >= 300 {
                out.push(s.elapsed());
            }
        }
    }
    for v in scans.iter_mut().chain(commits.iter_mut()) {
        v.sort();
    }
    let (scan_new, scan_old) = (pct(&scans[0], 99), pct(&scans[1], 99));
    let (commit_new, commit_old) = (pct(&commits[0], 50), pct(&commits[1], 50));
    let size: i64 = tills[1].conn().query_row("SELECT length(json) FROM state", [], |r| r.get(0)).unwrap();
    eprintln!(
        "aged till: state row {size} bytes; scan p99 {scan_old:.3?} (new {scan_new:.3?}); commit {commit_old:.3?} (new {commit_new:.3?})"
    );
    rows.push(Row {
        name: "aged till (3 years of Z, 300,000 tickets, 2,000 duplicates): scan to priced line",
        stat: "p99",
        value: scan_old,
        floor_name: "the same scans on a new till",
        floor: scan_new,
        budget: "1.1x floor".into(),
        within: scan_old.as_secs_f64() <= 1.1 * scan_new.as_secs_f64(),
    });
    rows.push(Row {
        name: "aged till (3 years of Z, 300,000 tickets, 2,000 duplicates): commit a ticket",
        stat: "median",
        value: commit_old,
        floor_name: "the same commits on a new till",
        floor: commit_new,
        budget: "1.1x floor".into(),
        within: commit_old.as_secs_f64() <= 1.1 * commit_new.as_secs_f64(),
    });
}
