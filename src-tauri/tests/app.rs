//! The app's commands through Tauri's IPC on the mock runtime (no display): what the window gets.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use pos_till::engine::{Clock, Till};
use pos_till_app::{AppState, builder};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;

/// A till set up for one test, in the target directory's scratch space (one folder per test name,
/// made again at each run: runs leave no folders behind in the system's temporary folder).
fn till_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("app-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo");
    Till::init(&dir, "LYO", 1, &fixtures, at()).unwrap();
    dir
}

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-05T09:00:00+01:00").unwrap().with_timezone(&Utc)
}

fn call(webview: &Window, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

type Window = tauri::WebviewWindow<tauri::test::MockRuntime>;

/// An action of the till, as the window sends it.
fn act(webview: &Window, action: Value) -> Result<Value, Value> {
    call(webview, "act", json!({ "action": action }))
}

/// The app on the mock runtime with its own context, so its capabilities (what the window may
/// call) apply, and its main window.
fn app(name: &str) -> (tauri::App<tauri::test::MockRuntime>, Window) {
    let dir = till_dir(name);
    let state = AppState::open(&dir, Clock::Set(at())).unwrap();
    let app = builder(mock_builder(), state).build(tauri::generate_context!()).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    (app, webview)
}

#[test]
fn the_window_reads_the_till_and_logs_in_through_the_commands() {
    let (_app, webview) = app("login");
    let status = act(&webview, json!({"do": "status"})).unwrap();
    assert_eq!((status["store"].as_str(), status["till"].as_str()), (Some("LYO"), Some("LYO-1")));
    let e = act(&webview, json!({"do": "login", "staff": "S007", "pin": "0000"})).unwrap_err();
    assert_eq!(e["kind"], "refused", "{e}");
    assert_eq!(e["reason"]["code"], "wrong_pin", "{e}");
    assert!(e["message"].as_str().unwrap().contains("PIN"), "{e}");
    act(&webview, json!({"do": "login", "staff": "S007", "pin": "2468"})).unwrap();
    assert_eq!(act(&webview, json!({"do": "status"})).unwrap()["operator"], "S007");
}

#[test]
fn a_sale_through_the_commands_answers_the_basket_each_time_and_keeps_the_receipt() {
    let (_app, w) = app("sale");
    let e = act(&w, json!({"do": "scan", "code": "3761100080190"})).unwrap_err();
    assert_eq!(e["kind"], "refused", "nobody is logged in: {e}");
    assert_eq!(e["reason"]["code"], "not_logged_in", "{e}");
    act(&w, json!({"do": "login", "staff": "S007", "pin": "2468"})).unwrap();
    act(&w, json!({"do": "open_register", "float": "150.00"})).unwrap();
    let one = act(&w, json!({"do": "scan", "code": "3761100080190"})).unwrap();
    let two = act(&w, json!({"do": "scan", "code": "3761300238575", "quantity": 2})).unwrap();
    assert_eq!(one["basket"]["lines"].as_array().unwrap().len(), 1);
    let lines = two["basket"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["quantity"], 2);
    // A lower price needs the manager, who types their PIN on this till.
    let e = act(&w, json!({"do": "override_price", "line": 1, "price": "200.00"})).unwrap_err();
    assert_eq!(e["kind"], "needs_manager", "{e}");
    let approval = json!({"staff": "S006", "pin": "90517"});
    let lowered =
        act(&w, json!({"do": "override_price", "line": 1, "price": "200.00", "approval": approval})).unwrap();
    let discounts = &lowered["basket"]["lines"][0]["discounts"];
    assert!(
        discounts
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["label"] == "price override" && d["amount"] == "49.00"),
        "{lowered}"
    );
    // A month not over yet cannot be closed.
    let e = act(&w, json!({"do": "close_period", "key": "2026-12"})).unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("not over"), "{e}");
    // A customer found by a piece of their name, accents ignored, then attached.
    let found = act(&w, json!({"do": "find_customer", "text": "chloe rob"})).unwrap();
    assert_eq!(found[0]["id"], "C00002", "{found}");
    let attached = act(&w, json!({"do": "customer", "id": "C00002"})).unwrap();
    assert_eq!(attached["basket"]["customer_detail"]["name"], "Chloé Robin");
    assert!(attached["basket"]["points"].as_i64().is_some());
    // The window cannot move the till's clock: `at` is for scripts only.
    let total = attached["basket"]["total"].as_str().unwrap().to_owned();
    let e = act(&w, json!({"do": "pay", "tenders": [{"cash": total}], "at": "2030-01-01T10:00:00+01:00"}))
        .unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("unknown field `at`"), "{e}");
    // The customer asks for paper (the store's default offer is none: nothing printed unasked).
    assert_eq!(attached["basket"]["receipt_offer"], "none");
    let paid = act(&w, json!({"do": "pay", "tenders": [{"cash": total}], "receipt": "paper"})).unwrap();
    let ticket = paid["result"]["ticket"].as_str().unwrap().to_owned();
    assert!(paid["basket"]["lines"].as_array().unwrap().is_empty());
    // The returns screen's view of it: what each line can still bring back.
    let view = act(&w, json!({"do": "ticket", "ticket": ticket})).unwrap();
    let returnable: Vec<i64> =
        view["lines"].as_array().unwrap().iter().map(|l| l["returnable"].as_i64().unwrap()).collect();
    assert_eq!(returnable, [1, 2], "{view}");
    assert_eq!(view["total"], total.as_str());
    let e = act(&w, json!({"do": "ticket", "ticket": "LYO-1-T999999"})).unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("no ticket LYO-1-T999999"), "{e}");
    assert_eq!(e["reason"], serde_json::json!({"code": "unknown_ticket", "ticket": "LYO-1-T999999"}), "{e}");
    let receipt = call(&w, "last_receipt", Value::Null).unwrap();
    let receipt = receipt.as_str().unwrap();
    assert!(receipt.contains(&ticket) && receipt.contains("2026-12-05"), "{receipt}");
    let status = act(&w, json!({"do": "status"})).unwrap();
    assert_eq!(status["tickets"], 1);
    assert_eq!(status["devices"]["printer"]["last"]["ok"], true, "{status}");
}

#[test]
fn the_window_is_granted_the_apps_commands_and_nothing_else() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json");
    let capability: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut granted: Vec<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    let mut wanted: Vec<String> =
        pos_till_app::names::COMMANDS.iter().map(|n| format!("allow-{}", n.replace('_', "-"))).collect();
    granted.sort();
    wanted.sort();
    assert_eq!(granted, wanted, "no core:, fs: or shell: permission; one per command of the app");
}

#[path = "e2e/mod.rs"]
mod e2e;

#[test]
fn a_serial_scanner_reads_through_the_engine_into_the_window() {
    use pos_drivers::sim::scanner::ScannerSim;
    use pos_drivers::sim::{Pty, Stop};
    let dir = till_dir("scanner");
    let sim = ScannerSim::new("", "", true);
    let control = sim.control();
    let stop = Stop::default();
    let _reader =
        Pty::open(Some(&dir.join("scanner.pty"))).unwrap().serve_in_background(&stop, move |link, stop| {
            let _ = sim.serve(link, stop);
        });
    {
        let (mut till, _) = pos_till::launch::open_till(&dir, Clock::Set(at()), true).unwrap();
        till.login("S010", "5720").unwrap();
        till.configure("device.scanner", &format!("serial serial:{}", dir.join("scanner.pty").display()))
            .unwrap();
        till.logout().unwrap();
    }
    let state = AppState::open(&dir, Clock::Set(at())).unwrap();
    let app = builder(mock_builder(), state).build(tauri::generate_context!()).unwrap();
    let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    control.scan("3761300238575");
    let code = call(&w, "next_scan", Value::Null).unwrap();
    assert_eq!(code, "3761300238575");
    // The technician's test of the scanner answers at once with what the reading thread knows (an
    // idle scanner does not hold the till for ten seconds), and is journaled.
    act(&w, json!({"do": "login", "staff": "S010", "pin": "5720"})).unwrap();
    let started = std::time::Instant::now();
    let test = act(&w, json!({"do": "test_device", "device": "scanner"})).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "answered at once");
    assert_eq!(test["ok"], true, "{test}");
    assert!(test["result"].as_str().unwrap().contains("last code read: 3761300238575"), "{test}");
    // The forms, and a device set from one: a Dialog 06 on a found or typed port, its line 7O1.
    let forms = act(&w, json!({"do": "device_forms"})).unwrap();
    assert_eq!(forms["devices"][3]["setup"]["model"], "serial_scanner", "{forms}");
    let scale = json!({"model": "dialog06", "connection": {"kind": "serial", "path": "/dev/ttyUSB1", "baud": 9600, "frame": "7O1"}});
    act(&w, json!({"do": "set_device", "device": "scale", "setup": scale})).unwrap();
    let forms = act(&w, json!({"do": "device_forms"})).unwrap();
    assert_eq!(forms["devices"][2]["setting"], "dialog06 serial:/dev/ttyUSB1@9600,7O1");
    let bad = json!({"model": "dialog06", "connection": {"kind": "serial", "path": "/dev/ttyUSB1", "baud": 9601, "frame": "7O1"}});
    let e = act(&w, json!({"do": "set_device", "device": "scale", "setup": bad})).unwrap_err();
    assert!(e.to_string().contains("9601"), "{e}");
    // The reading thread closes its port before the scanner goes away (else it would open the
    // path again, and could take another test's device given the same pseudo-terminal number).
    tauri::Manager::state::<std::sync::Arc<AppState>>(&app).shutdown();
    let freed = pos_drivers::link::Address::parse(&format!("serial:{}", dir.join("scanner.pty").display()))
        .unwrap()
        .open(pos_drivers::link::LineSettings::B9600_8N1);
    assert!(freed.is_ok(), "the scanner's port is closed once the app shut down");
    drop(freed);
    stop.stop();
}

#[test]
fn without_a_serial_scanner_the_window_is_told_at_once() {
    let (_app, w) = app("no-scanner");
    assert_eq!(call(&w, "next_scan", Value::Null).unwrap(), json!({"scanner": "none"}));
}

#[test]
fn the_command_line_names_the_till_or_says_how_to_start() {
    use pos_till_app::{Launch, launch};
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(launch(&args(&["--data", "/srv/till"])), Ok(Launch::Till(PathBuf::from("/srv/till"))));
    assert_eq!(
        launch(&args(&["--demo", "d", "--fixtures", "f"])),
        Ok(Launch::Demo { dir: PathBuf::from("d"), fixtures: PathBuf::from("f") })
    );
    match launch(&args(&["--demo", "d"])) {
        Ok(Launch::Demo { fixtures, .. }) => assert!(fixtures.join("products.csv").is_file()),
        other => panic!("{other:?}"),
    }
    for (bad, said) in [
        (&[][..], "--data <DIR>"),
        (&["--data"][..], "a value is required for '--data <DIR>'"),
        (&["--data", "a", "--demo", "b"][..], "cannot be used with"),
        (&["till"][..], "unexpected argument 'till'"),
        (&["--data", "a", "--fixtures", "f"][..], "cannot be used with"),
    ] {
        let (text, error) = launch(&args(bad)).unwrap_err();
        assert!(error && text.contains(said), "{bad:?}: {text}");
    }
    let (help, error) = launch(&args(&["--help"])).unwrap_err();
    assert!(!error && help.contains("--demo <DIR>") && help.contains("--fixtures <DIR>"), "{help}");
}

/// A till whose tables were edited outside it opens, tells the window why it refuses to sell, and
/// sells again once a manager has it rebuild them from its journal; the window may not move the
/// clock.
#[test]
fn a_blocked_till_says_why_and_a_manager_unblocks_it_from_the_window() {
    let dir = till_dir("blocked");
    rusqlite_edit(&dir, "UPDATE state SET json = json_set(json, '$.grand_total', -99999)");
    let state = AppState::open(&dir, Clock::Set(at())).unwrap();
    let app = builder(mock_builder(), state).build(tauri::generate_context!()).unwrap();
    let w = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    let status = act(&w, json!({"do": "status"})).unwrap();
    assert_eq!(status["blocked"][0]["reason"]["code"], "tables_not_from_journal", "{status}");
    assert!(status["blocked"][0]["reason"]["why"].as_str().unwrap().contains("grand total"), "{status}");
    act(&w, json!({"do": "login", "staff": "S007", "pin": "2468"})).unwrap();
    let e = act(&w, json!({"do": "open_register", "float": "150.00"})).unwrap_err();
    assert_eq!(e["kind"], "blocked", "{e}");
    let e = act(&w, json!({"do": "rebuild"})).unwrap_err();
    assert_eq!(e["kind"], "needs_manager", "{e}");
    let done = act(&w, json!({"do": "rebuild", "approval": {"staff": "S006", "pin": "90517"}})).unwrap();
    assert!(done["records"].as_u64().unwrap() > 0, "{done}");
    assert_eq!(act(&w, json!({"do": "status"})).unwrap()["blocked"], json!([]));
    // `clock` is the scripts' own, like `at`: the window's is refused, and the clock stays.
    let e = act(&w, json!({"do": "open_register", "float": "150.00", "clock": "2030-01-01T09:00:00+01:00"}))
        .unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("unknown field `clock`"), "{e}");
    act(&w, json!({"do": "open_register", "float": "150.00"})).unwrap();
    let status = act(&w, json!({"do": "status"})).unwrap();
    assert_eq!(status["register"]["day"], "2026-12-05", "{status}");
}

fn rusqlite_edit(dir: &Path, sql: &str) {
    rusqlite::Connection::open(dir.join("till.db")).unwrap().execute_batch(sql).unwrap();
}
