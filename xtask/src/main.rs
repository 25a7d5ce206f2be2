//! `cargo xtask`: the project's commands.
//!
//! - `demo`: prices a basket at the Lyon store and prints it as the receipt reads, then opens the
//!   till's window on the Lyon demo till with every device simulated (`pos-till-app --demo`).
//! - `test`: formatting, clippy with `-D warnings`, the domain's purity check, the demo chain's
//!   freshness, and every test of the workspace.
//! - `bench`: the benchmark table (medians, the floor measured in the same run, and their ratio).
//! - `fixtures`: writes the demo chain (`--demo`) or a large catalogue (`--products N --seed S`).
//! - `setup`: installs what the others need (Debian packages when run as root).
//!
//! Every command first makes sure the machine has what it needs, so the README's two commands work on
//! a fresh Debian machine.

mod demo;
mod fixtures;
mod postgres;
mod setup;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

#[derive(clap::Parser)]
#[command(name = "xtask", bin_name = "cargo xtask", about = "The project's commands")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(clap::Subcommand)]
enum Task {
    /// Prices a basket at the Lyon store, then opens the till's window on the demo till.
    Demo,
    /// Formatting, clippy, the purity checks, the demo chain's freshness and every test.
    Test {
        /// Only this package's tests (with the PostgreSQL cluster), none of the other checks.
        #[arg(long, short)]
        package: Option<String>,
    },
    /// The benchmark table: medians, the floor measured in the same run, their ratio.
    Bench {
        /// Only this package's benchmarks (`pos-server`).
        #[arg(long, short)]
        package: Option<String>,
    },
    /// Writes the demo chain, or a large generated catalogue.
    Fixtures {
        /// Rewrite `fixtures/demo` (or `--out`) from the generator.
        #[arg(long, conflicts_with_all = ["products", "seed"])]
        demo: bool,
        /// A catalogue of this many products.
        #[arg(long, required_unless_present = "demo")]
        products: Option<usize>,
        /// The generator's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to write (default: `fixtures/demo`, or `fixtures/generated/N-seedS`).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Installs what the others need (Debian packages when run as root).
    Setup,
}

fn run() -> Result<()> {
    use clap::Parser;
    // `cargo xtask ...` runs `xtask ...`: the arguments after the program's name are the task's.
    let cli = Cli::parse();
    let root = workspace_root();
    std::env::set_current_dir(&root).with_context(|| format!("cannot enter {}", root.display()))?;
    match cli.command {
        Task::Demo => {
            setup::ensure()?;
            demo::run(&root.join("fixtures/demo"))?;
            window_demo(&root)
        }
        Task::Test { package: None } => {
            setup::ensure()?;
            test(&root)
        }
        Task::Test { package: Some(p) } => {
            setup::ensure()?;
            tests_with_postgres(&root, &["-p", &p])
        }
        Task::Bench { package } => {
            setup::ensure()?;
            bench(&root, package.as_deref())
        }
        Task::Fixtures { demo, products, seed, out } => fixtures_command(&root, demo, products, seed, out),
        Task::Setup => setup::ensure(),
    }
}

/// Opens the till's window on the demo till in `target/demo-till` (set up on first use), its
/// printer, terminal and scale played by simulators the app starts. Without a display, says so.
fn window_demo(root: &Path) -> Result<()> {
    let display =
        ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if !display {
        eprintln!(
            "\nno display here (DISPLAY is not set): the till's window needs a desktop session.\n\
             On one, `cargo xtask demo` opens it on the Lyon demo till with simulated devices."
        );
        return Ok(());
    }
    cargo(&["build", "-p", "pos-till-app"])?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let dir = target.join("demo-till");
    eprintln!(
        "\nThe Lyon till ({}), devices simulated (receipts decoded into printer-sim/):\n\
         - log in: S007 / 2468 (cashier), S006 / 90517 (manager), S010 / 5720 (technician)\n\
         - scan (type the code and Enter): 3761300238575 LiPo, 3761000001004 balsa by weight (the scale \
         says 0.455 kg), 3761300238599 charger (asks its serial number)\n\
         - a club customer: search \"Camille Martin\"",
        dir.display()
    );
    let status = Command::new(target.join("debug/pos-till-app"))
        .arg("--demo")
        .arg(&dir)
        .status()
        .context("cannot start pos-till-app")?;
    if !status.success() {
        bail!("pos-till-app stopped with {status}");
    }
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Runs a command, echoing it, and fails with its name when it fails.
fn cargo(args: &[&str]) -> Result<()> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(env!("CARGO")).args(args).status().context("cannot run cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The crates that read no clock, file or network. The journal
/// crate is one: head office and an inspector read a till's records with it, without the till.
const PURE: &[&str] = &["pos-core", "pos-journal", "pos-ledger", "pos-sync"];

/// Crates that must never be in the domain's normal dependency tree.
const IMPURE: &[&str] = &[
    "tokio",
    "rusqlite",
    "reqwest",
    "hyper",
    "mio",
    "tauri",
    "libsqlite3-sys",
    "getrandom",
    "pos-till",
    "pos-drivers",
];

fn test(root: &Path) -> Result<()> {
    cargo(&["fmt", "--all", "--check"])?;
    ui(root)?;
    cargo(&["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"])?;
    check_purity()?;
    check_demo_fixtures(root)?;
    tests_with_postgres(root, &["--workspace"])?;
    eprintln!("all checks passed");
    Ok(())
}

/// `cargo test` of `which`, with a throw-away PostgreSQL cluster for the server's tests (they run
/// on both of its backends).
fn tests_with_postgres(root: &Path, which: &[&str]) -> Result<()> {
    let cluster = postgres::Cluster::start(root)?;
    eprintln!("$ POS_TEST_POSTGRES={} cargo test {} --quiet", cluster.url, which.join(" "));
    let status = Command::new(env!("CARGO"))
        .arg("test")
        .args(which)
        .arg("--quiet")
        .env("POS_TEST_POSTGRES", &cluster.url)
        .status()
        .context("cannot run cargo")?;
    drop(cluster);
    if !status.success() {
        bail!("`cargo test {}` failed ({status})", which.join(" "));
    }
    Ok(())
}

/// The window's front-end: installed from its lockfile, type-checked, unit-tested (Vitest) and built
/// (the app's build script would build it too; here its failures come first and clearly).
fn ui(root: &Path) -> Result<()> {
    let dir = root.join("ui");
    for args in [&["ci", "--no-audit", "--no-fund"][..], &["test"], &["run", "build"]] {
        eprintln!("$ (cd ui && npm {})", args.join(" "));
        let status = Command::new("npm").args(args).current_dir(&dir).status().context("cannot run npm")?;
        if !status.success() {
            bail!("`npm {}` in ui/ failed ({status})", args.join(" "));
        }
    }
    Ok(())
}

/// `core`, `journal` (and later `ledger`) read no clock, file or network: their normal dependency
/// tree may not contain an async runtime, a database, an HTTP stack, a source of randomness, or the
/// till and its drivers.
fn check_purity() -> Result<()> {
    for krate in PURE {
        let out = Command::new(env!("CARGO"))
            .args(["tree", "--quiet", "-p", krate, "-e", "normal", "--prefix", "none", "--format", "{p}"])
            .output()
            .context("cannot run cargo tree")?;
        if !out.status.success() {
            bail!("cargo tree -p {krate} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let tree = String::from_utf8_lossy(&out.stdout);
        let found: Vec<&str> = tree
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|name| IMPURE.contains(name))
            .collect();
        if !found.is_empty() {
            bail!(
                "{krate} must stay pure but depends on {}; move that code to till or sync",
                found.join(", ")
            );
        }
        eprintln!(
            "{krate}: pure ({} crates in its tree, none of {})",
            tree.lines().count(),
            IMPURE.join(", ")
        );
    }
    Ok(())
}

/// The committed demo chain must be exactly what the generator writes.
fn check_demo_fixtures(root: &Path) -> Result<()> {
    let tmp = std::env::temp_dir().join(format!("pos-demo-check-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    fixtures::write_demo(&tmp)?;
    let committed = root.join("fixtures/demo");
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(&tmp)? {
        let name = entry?.file_name();
        let fresh = std::fs::read(tmp.join(&name))?;
        if std::fs::read(committed.join(&name)).ok().as_deref() != Some(&fresh[..]) {
            stale.push(name.to_string_lossy().into_owned());
        }
    }
    std::fs::remove_dir_all(&tmp)?;
    if !stale.is_empty() {
        bail!(
            "fixtures/demo differs from the generator for {}; run `cargo xtask fixtures --demo` and commit",
            stale.join(", ")
        );
    }
    eprintln!("fixtures/demo: up to date");
    Ok(())
}

fn fixtures_command(
    root: &Path,
    demo: bool,
    products: Option<usize>,
    seed: u64,
    out: Option<PathBuf>,
) -> Result<()> {
    if demo {
        let dir = out.unwrap_or_else(|| root.join("fixtures/demo"));
        std::fs::create_dir_all(&dir)?;
        fixtures::write_demo(&dir)?;
        eprintln!("wrote the demo chain to {}", dir.display());
        return Ok(());
    }
    let n = products.context("give --demo or --products N")?;
    let dir = out.unwrap_or_else(|| large_dir(root, n, seed));
    std::fs::create_dir_all(&dir)?;
    fixtures::write_large(&dir, n, seed)?;
    eprintln!("wrote {n} products (seed {seed}) to {}", dir.display());
    Ok(())
}

fn large_dir(root: &Path, products: usize, seed: u64) -> PathBuf {
    root.join(format!("fixtures/generated/{products}-seed{seed}"))
}

fn bench(root: &Path, only: Option<&str>) -> Result<()> {
    let dir = large_dir(root, 200_000, 1);
    // Generated again when it lacks a file the generator writes now.
    if !dir.join("products.csv").exists() || !dir.join("quick_keys.csv").exists() {
        std::fs::create_dir_all(&dir)?;
        eprintln!("generating the 200,000-item catalogue in {}", dir.display());
        fixtures::write_large(&dir, 200_000, 1)?;
    }
    // SAFETY of intent: the variable is read by the benchmark binary cargo starts below.
    let dir_str = dir.to_str().context("non-UTF-8 path")?.to_owned();
    // The server's rows run on both of its backends.
    let cluster = postgres::Cluster::start(root)?;
    for (package, bench) in [
        ("pos-core", "core"),
        ("pos-ledger", "ledger"),
        ("pos-drivers", "drivers"),
        ("pos-till", "till"),
        ("pos-server", "server"),
        ("pos-till-app", "app"),
    ] {
        if only.is_some_and(|p| p != package) {
            continue;
        }
        eprintln!("$ POS_BENCH_CATALOGUE={dir_str} cargo bench -p {package} --bench {bench}");
        let status = Command::new(env!("CARGO"))
            .args(["bench", "--quiet", "-p", package, "--bench", bench])
            .env("POS_BENCH_CATALOGUE", &dir_str)
            .env("POS_BENCH_POSTGRES", &cluster.url)
            .status()?;
        if !status.success() {
            bail!("the {package} benchmarks failed ({status})");
        }
    }
    Ok(())
}
