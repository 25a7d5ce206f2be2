//! The `pos-till` command as a manager or a technician runs it: set-up refused and nothing kept,
//! a till killed mid-day, the documented scripts, `--help`, the daily log, an empty folder.

use super::*;

#[test]
fn init_refuses_bad_fixtures_and_keeps_nothing() {
    let fx = scratch("badfx");
    std::fs::create_dir_all(&fx).unwrap();
    for e in std::fs::read_dir(fixtures()).unwrap() {
        let e = e.unwrap();
        // The chain's files; head office's accounting configuration is in a folder of its own.
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), fx.join(e.file_name())).unwrap();
        }
    }
    let p = fx.join("products.csv");
    let text = std::fs::read_to_string(&p).unwrap().replacen("3761100080190", "3761100080191", 1);
    std::fs::write(&p, text).unwrap();
    let dir = scratch("badinit");
    let e = Till::init(&dir, "LYO", 1, &fx, Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("products.csv") && e.contains("line 2") && e.contains("check digit"), "{e}");
    assert!(!dir.join("till.db").exists() && !dir.join("till.key").exists());
}

/// A long scripted session, killed with SIGKILL at many points; after each kill the till reopens,
/// every acknowledged ticket is there exactly once, the chain verifies and the totals match the tickets.
#[test]
fn a_killed_till_loses_nothing_it_acknowledged() {
    let dir = new_till("crash");
    let mut actions = vec![
        serde_json::json!({"do": "login", "staff": "S007", "pin": "2468"}),
        serde_json::json!({"do": "open_register", "float": "100.00"}),
    ];
    for i in 0..30 {
        let code = [PLANE, LIPO, PROP, MAG, GLUE][i % 5];
        actions.push(serde_json::json!({"do": "scan", "code": code}));
        actions.push(serde_json::json!({"do": "scan", "code": SERVO, "quantity": 2}));
        actions.push(serde_json::json!({"do": "pay", "tenders": [{"cash": "9000.00"}]}));
    }
    let script = dir.join("long.json");
    std::fs::write(&script, serde_json::json!({"actions": actions}).to_string()).unwrap();
    let mut acknowledged: Vec<String> = Vec::new();
    // Kill after k acknowledged lines plus a varying delay, for many k.
    for round in 0..12u64 {
        let mut child = Command::new(POS_TILL)
            .args(["script", "--data"])
            .arg(&dir)
            .arg(&script)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let target = 3 + (round * 7) % 40;
        let mut seen = 0;
        while seen < target {
            let Some(Ok(line)) = lines.next() else { break };
            seen += 1;
            let v: Value = serde_json::from_str(&line).unwrap();
            if let Some(t) = v["result"]["ticket"].as_str() {
                acknowledged.push(t.to_owned());
            }
        }
        std::thread::sleep(std::time::Duration::from_micros(round * 700));
        child.kill().unwrap();
        // Lines already written before the kill are acknowledged too.
        for line in lines.map_while(Result::ok) {
            let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if let Some(t) = v["result"]["ticket"].as_str() {
                acknowledged.push(t.to_owned());
            }
        }
        child.wait().unwrap();

        let (ok, out) = verify_cli(&dir);
        assert!(ok, "round {round}: {out}");
        let conn = store::open_db(&dir).unwrap();
        let tickets: Vec<(String, i64)> = store::records_of_kind(&conn, ChainName::Live, Kind::Ticket)
            .unwrap()
            .into_iter()
            .map(|r| match r.entry {
                Entry::Ticket(t) => (t.reference, t.total),
                _ => unreachable!(),
            })
            .collect();
        for a in &acknowledged {
            assert_eq!(tickets.iter().filter(|(r, _)| r == a).count(), 1, "round {round}: ticket {a}");
        }
        let state: pos_till::engine::State = serde_json::from_str(
            &conn.query_row("SELECT json FROM state", [], |r| r.get::<_, String>(0)).unwrap(),
        )
        .unwrap();
        assert_eq!(state.grand_total, tickets.iter().map(|t| t.1).sum::<i64>(), "round {round}");
        assert_eq!(state.tickets, tickets.len() as u64);
    }
    assert!(acknowledged.len() >= 5, "the rounds got far enough: {acknowledged:?}");
    // The next start journals the recovery.
    let (till, _) = open(&dir, "2026-12-05T23:00:00+01:00");
    let events = store::records_of_kind(till.conn(), ChainName::Live, Kind::Event).unwrap();
    assert!(events.iter().any(|r| matches!(r.entry, Entry::Recovered { .. })));
}

/// The example scripts of `fixtures/scripts/` run as documented: every action succeeds except those
/// marked `"expect": "refused"`, and the journal verifies afterwards.
#[test]
fn the_example_scripts_run_as_documented() {
    let dir_scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scripts");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir_scripts).unwrap() {
        let path = entry.unwrap().path();
        let script: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let dir = new_till("example");
        let out = Command::new(POS_TILL).args(["script", "--data"]).arg(&dir).arg(&path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let lines: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let actions = script["actions"].as_array().unwrap();
        assert_eq!(lines.len(), actions.len());
        for (a, r) in actions.iter().zip(&lines) {
            let refused = a["expect"] == "refused";
            assert_eq!(r["ok"], !refused, "{}: {a} gave {r}", path.display());
        }
        if path.ends_with("lyon-day.json") {
            let close = lines.iter().find(|l| l["do"] == "close").unwrap();
            assert_eq!(close["result"]["difference"], "-0.50");
            assert_eq!(close["result"]["z"]["totals"]["tickets"], 6);
        }
        assert!(verify_cli(&dir).0);
        ran += 1;
    }
    assert!(ran >= 2);
}

/// A colour variant names its model; the till fetches the model with it, so the variant sells.
/// Every command and subcommand of `pos-till` answers `--help`, and a wrong argument is named.
#[test]
fn every_command_answers_help() {
    let help = |args: &[&str]| {
        let out = Command::new(POS_TILL).args(args).arg("--help").output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let commands = |text: &str| -> Vec<String> {
        text.split("Commands:")
            .nth(1)
            .unwrap_or_default()
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .filter(|c| c != "help")
            .collect()
    };
    let top = commands(&help(&[]));
    assert!(top.len() >= 12 && top.contains(&"export".to_owned()), "{top:?}");
    for c in &top {
        let text = help(&[c]);
        assert!(text.contains("Usage: pos-till"), "{c}: {text}");
        for sub in commands(&text) {
            assert!(help(&[c, &sub]).contains("Usage:"), "{c} {sub}");
        }
    }
    let out = Command::new(POS_TILL).args(["verify", "--dta", "x"]).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--dta"));
}

/// A session run from the command line leaves its log in the till's folder: each record named by
/// chain, seq and number (a ticket by its reference), each refusal by its code, and no PIN.
#[test]
fn the_till_writes_a_daily_log_in_its_folder() {
    let dir = new_till("log");
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scripts");
    for script in ["lyon-day.json", "refusals.json"] {
        let out = Command::new(POS_TILL)
            .args(["script", "--data"])
            .arg(&dir)
            .arg(scripts.join(script))
            .output()
            .unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let logs: Vec<PathBuf> =
        std::fs::read_dir(dir.join("logs")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(logs.len(), 1, "one file a day: {logs:?}");
    let name = logs[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("till.") && name.ends_with(".log"), "{name}");
    let log = std::fs::read_to_string(&logs[0]).unwrap();
    let ticket = log.lines().find(|l| l.contains("ticket recorded")).expect("a ticket line");
    assert!(
        ticket.contains("ticket=LYO-1-T000001") && ticket.contains("seq=") && ticket.contains("no=1"),
        "{ticket}"
    );
    assert!(log.lines().any(|l| l.contains("closure recorded") && l.contains("period=\"day\"")), "{log}");
    assert!(log.lines().any(|l| l.contains("refused") && l.contains("code=")), "{log}");
    assert!(!log.to_lowercase().contains("pin\""), "no PIN field in the log");
    // A command that only reads writes no log (it may run on a read-only copy).
    std::fs::remove_dir_all(dir.join("logs")).unwrap();
    assert!(verify_cli(&dir).0);
    assert!(!dir.join("logs").exists());
}

/// Pointing a command at a folder with no till says so and creates nothing there.
#[test]
fn a_folder_without_a_till_is_refused_and_left_untouched() {
    let dir = scratch("empty");
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(POS_TILL).args(["verify", "--data"]).arg(&dir).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no till"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
