//! The app's commands through Tauri's IPC on the mock runtime (no display): what the window gets.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use pos_till::engine::{Clock, Till};
use pos_till_app::{AppState, builder};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;

fn till_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pos-till-app-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo");
    Till::init(&dir, "LYO", 1, &fixtures, at()).unwrap();
    dir
}

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-05T09:00:00+01:00").unwrap().with_timezone(&Utc)
}

fn call(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    body: Value,
) -> Result<Value, Value> {
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

#[test]
fn the_window_reads_the_till_and_logs_in_through_the_commands() {
    let dir = till_dir("login");
    let state = AppState::open(&dir, Clock::Set(at())).unwrap();
    // The app's own context: its capabilities (what the window may call) apply.
    let app = builder(mock_builder(), state).build(tauri::generate_context!()).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    let status = call(&webview, "till_status", Value::Null).unwrap();
    assert_eq!((status["store"].as_str(), status["till"].as_str()), (Some("LYO"), Some("LYO-1")));
    let e = call(&webview, "login", serde_json::json!({"staff": "S007", "pin": "0000"})).unwrap_err();
    assert!(e.as_str().unwrap().contains("PIN"), "{e}");
    call(&webview, "login", serde_json::json!({"staff": "S007", "pin": "2468"})).unwrap();
    assert_eq!(call(&webview, "till_status", Value::Null).unwrap()["operator"], "S007");
}
