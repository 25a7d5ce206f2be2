//! Builds the window's front-end (`ui/`, with npm) when its `dist` is missing or older than its
//! sources, then lets Tauri generate the app's context and permissions: plain `cargo build` is
//! enough.

use std::path::Path;
use std::process::Command;

// The app's own commands (`COMMANDS`): each gets an `allow-…` permission, granted in the
// capability written below.
include!("src/names.rs");

/// The window's capability: the app's own commands, nothing of the system. Written from
/// `COMMANDS`, so that a command cannot be added without its permission.
fn write_capability() {
    let permissions: Vec<String> =
        COMMANDS.iter().map(|c| format!("    \"allow-{}\"", c.replace('_', "-"))).collect();
    let text = format!(
        "{{\n  \"$schema\": \"../gen/schemas/desktop-schema.json\",\n  \"identifier\": \"main\",\n  \"description\": \"The till's window: the app's own commands, nothing of the system (written by build.rs from src/names.rs).\",\n  \"windows\": [\n    \"main\"\n  ],\n  \"permissions\": [\n{}\n  ]\n}}\n",
        permissions.join(",\n")
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&path, text).expect("capabilities/main.json can be written");
    }
}

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
    write_capability();
    println!("cargo:rerun-if-changed=src/names.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri context builds");
}
