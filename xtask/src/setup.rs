//! What the project needs on the machine, and installing it.
//!
//! Debian packages are installed with apt when running as root; otherwise the exact command is printed
//! and the run stops. The list grows with the crates that need system libraries (the till's window,
//! USB, the admin page's browser tests).

use std::process::Command;

use anyhow::{Result, bail};

/// Debian packages the commands need, and why.
const PACKAGES: &[(&str, &str)] = &[
    ("gcc", "compiles the SQLite that pos-till bundles (rusqlite)"),
    ("libc6-dev", "C headers for that build"),
    ("pkg-config", "finds libusb for the USB receipt printer link (rusb)"),
    ("libusb-1.0-0-dev", "the USB receipt printer link (rusb)"),
    ("libwebkit2gtk-4.1-dev", "the till's window (Tauri 2 on WebKitGTK)"),
    ("libgtk-3-dev", "the till's window"),
    ("librsvg2-dev", "the till's window (icons)"),
    ("libayatana-appindicator3-dev", "the till's window (Tauri's tray support links it)"),
    ("libxdo-dev", "the till's window (keyboard shortcuts)"),
    ("libssl-dev", "the till's window's build"),
    ("file", "the till's window's build"),
    ("xvfb", "the till's window in tests, with no screen"),
    ("webkit2gtk-driver", "WebDriver for the till's window (end-to-end tests)"),
    ("postgresql", "head office's scale-out backend; its tests run a throw-away cluster"),
    ("chromium", "the admin page's browser tests (headless)"),
    ("chromium-driver", "WebDriver for those tests (chromedriver)"),
];

/// Installs what is missing, or says how to.
pub fn ensure() -> Result<()> {
    toolchain_components()?;
    node()?;
    debian_packages()?;
    tauri_driver()
}

/// The WebDriver server the window's end-to-end tests go through: `cargo install`ed (about a
/// minute on two cores) when it is not in cargo's bin folder or on the PATH.
fn tauri_driver() -> Result<()> {
    let found = Command::new("tauri-driver").arg("--help").output().is_ok()
        || std::env::var_os("CARGO_HOME")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")))
            .is_some_and(|home| home.join("bin/tauri-driver").is_file());
    if found {
        return Ok(());
    }
    eprintln!("tauri-driver is missing (the window's end-to-end tests need it): installing it");
    run(env!("CARGO"), &["install", "tauri-driver", "--locked", "--version", "2.1.0"])
}

fn debian_packages() -> Result<()> {
    let missing: Vec<&str> = PACKAGES.iter().map(|(p, _)| *p).filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    for (p, why) in PACKAGES.iter().filter(|(p, _)| missing.contains(p)) {
        eprintln!("missing Debian package {p}: {why}");
    }
    let list = missing.join(" ");
    if !is_root() {
        bail!("run as root: apt-get update && apt-get install -y --no-install-recommends {list}");
    }
    run("apt-get", &["update"])?;
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend(&missing);
    run("apt-get", &args)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run(program: &str, args: &[&str]) -> Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program).env("DEBIAN_FRONTEND", "noninteractive").args(args).status()?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The window's front-end is built with npm (Node.js 20).
fn node() -> Result<()> {
    if Command::new("npm").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    bail!("npm is missing: install Node.js 20 with npm (Debian: apt-get install -y nodejs npm)")
}

/// `cargo xtask test` needs rustfmt and clippy beside cargo.
fn toolchain_components() -> Result<()> {
    let cargo = env!("CARGO");
    let missing: Vec<&str> = [("fmt", "rustfmt"), ("clippy", "clippy")]
        .into_iter()
        .filter(|(sub, _)| {
            !Command::new(cargo).args([sub, "--version"]).output().is_ok_and(|o| o.status.success())
        })
        .map(|(_, component)| component)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    bail!(
        "the Rust toolchain lacks {}: run `rustup component add {}`",
        missing.join(" and "),
        missing.join(" ")
    )
}
