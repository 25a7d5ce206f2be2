//! Builds the window's front-end (`ui/`, with npm) when its `dist` is missing or older than its
//! sources, then lets Tauri generate the app's context and permissions: plain `cargo build` is
//! enough.

use std::path::Path;
use std::process::Command;

/// The app's own commands: each gets an `allow-…` permission, granted in `capabilities/main.json`.
const COMMANDS: &[&str] = &[
    "till_status",
    "login",
    "logout",
    "open_register",
    "cash_in",
    "cash_out",
    "scan",
    "sell_gift_card",
    "remove_line",
    "discount",
    "override_price",
    "attach_customer",
    "find_customer",
    "park",
    "resume",
    "cancel_basket",
    "suggestions",
    "search",
    "basket",
    "find_ticket",
    "return_ticket",
    "return_without_receipt",
    "pay",
    "void_ticket",
    "reprint",
    "no_sale",
    "training",
    "close_register",
    "count_cash",
    "resolve_card",
    "close_period",
    "archive",
    "balance",
    "devices",
    "test_device",
    "device_forms",
    "set_device",
    "retry_printer",
    "rebuild",
    "accept_head",
    "configure",
    "last_receipt",
    "cancel_card",
    "about",
    "next_scan",
];

/// The latest modification time of the files below `dir`.
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut latest = std::time::SystemTime::UNIX_EPOCH;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            let t = if p.is_dir() {
                newest(&p)
            } else {
                e.metadata().and_then(|m| m.modified()).unwrap_or(latest)
            };
            latest = latest.max(t);
        }
    }
    latest
}

fn npm(ui: &Path, args: &[&str]) {
    let status = Command::new("npm").args(args).current_dir(ui).status().unwrap_or_else(|e| {
        panic!("cannot run npm ({e}): install Node.js 20 and npm, or run `cargo xtask setup`")
    });
    assert!(status.success(), "`npm {}` in {} failed", args.join(" "), ui.display());
}

fn main() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    for watched in ["src", "index.html", "package.json", "package-lock.json", "vite.config.ts"] {
        println!("cargo:rerun-if-changed={}", ui.join(watched).display());
    }
    let built = ui.join("dist/index.html");
    let stale = std::fs::metadata(&built).and_then(|m| m.modified()).map_or(true, |t| {
        t < newest(&ui.join("src")).max(
            ["index.html", "package-lock.json", "vite.config.ts"]
                .iter()
                .filter_map(|f| std::fs::metadata(ui.join(f)).and_then(|m| m.modified()).ok())
                .max()
                .unwrap_or(std::time::SystemTime::UNIX_EPOCH),
        )
    });
    if stale {
        if !ui.join("node_modules").is_dir() {
            npm(&ui, &["ci", "--no-audit", "--no-fund"]);
        }
        npm(&ui, &["run", "build"]);
    }
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri context builds");
}
