//! # pos-till-app: the desktop till
//!
//! A thin Tauri command layer over `pos-till`: the window (`ui/`) reaches the engine only through
//! the commands in [`commands`]: `act`, which runs any of the till's typed actions
//! (`pos_till::action::Action`, the scripts' own), and the app's few others. The engine lives behind a mutex in the app's state; commands run on blocking threads; a
//! card payment's cancel button uses the terminal's cancel flag, held outside the lock. A serial
//! scanner is read on a thread of its own. `pos-till-app --demo DIR` runs the demo till with every
//! device simulated ([`demo`]).

pub mod commands;

/// The app's commands (`src/names.rs`, also read by `build.rs`).
pub mod names {
    include!("names.rs");
}
pub mod demo;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use pos_till::TillError;
use pos_till::engine::{Clock, Till};
use tauri::Runtime;

/// What the commands share: the till, the flag that stops a card payment from waiting, and the
/// codes a serial scanner read.
pub struct AppState {
    /// The engine.
    pub till: Arc<Mutex<Till>>,
    /// Set by the cancel button while a card payment runs.
    pub card_cancel: Option<Arc<AtomicBool>>,
    /// Codes read by the configured serial scanner (none without one).
    pub scans: Option<Mutex<Receiver<String>>>,
    /// What the serial scanner's thread last knew, for the technician's test (which does not wait
    /// for a scan: the window shows scans as they come).
    pub scanner: Arc<Mutex<ScannerWatch>>,
    stop: Arc<AtomicBool>,
    reader: Mutex<Option<std::thread::JoinHandle<()>>>,
    _sync: std::thread::JoinHandle<()>,
}

/// What the serial scanner's thread last knew.
#[derive(Clone, Debug, Default)]
pub struct ScannerWatch {
    /// Where it reads.
    pub address: String,
    /// Its port is open now.
    pub open: bool,
    /// The last code read.
    pub last_code: Option<String>,
    /// The last error (the port cannot be opened, noise on the line).
    pub last_error: Option<String>,
}

impl ScannerWatch {
    /// The technician's test, in words, at once.
    pub fn test(&self) -> Result<String, String> {
        match (&self.last_code, &self.last_error, self.open) {
            (_, Some(e), false) => Err(e.clone()),
            (Some(code), _, _) => Ok(format!("{} open; last code read: {code}", self.address)),
            (None, _, true) => {
                Ok(format!("{} open; no code read yet: scan one, it shows here", self.address))
            }
            (None, _, false) => Err(format!("{} is not open yet", self.address)),
        }
    }
}

impl AppState {
    /// Opens the till in `dir` with its configured devices; a serial scanner is read on a thread of
    /// its own (reopened every two seconds while it is unplugged).
    pub fn open(dir: &Path, clock: Clock) -> Result<AppState, TillError> {
        let (till, _) = pos_till::launch::open_till(dir, clock, false)?;
        let card_cancel = till.card_canceller();
        let stop = Arc::new(AtomicBool::new(false));
        let scanner = Arc::new(Mutex::new(ScannerWatch::default()));
        let (scans, reader) = match pos_till::devices::spec_of(till.config(), "scanner")? {
            Some(spec @ pos_till::devices::Spec::Scanner { .. }) => {
                let (codes, scans) = channel();
                let stop = Arc::clone(&stop);
                let watch = Arc::clone(&scanner);
                let reader = std::thread::Builder::new()
                    .name("serial scanner".into())
                    .spawn(move || read_scanner(&spec, &codes, &watch, &stop))
                    .map_err(|e| TillError::storage_from("cannot start the scanner's thread", e))?;
                (Some(Mutex::new(scans)), Some(reader))
            }
            _ => (None, None),
        };
        // Head office's sync in the background, beside the engine (it never holds a sale).
        let till = Arc::new(Mutex::new(till));
        // After each round, the till hands back the spending rights it holds (escrow) and puts a
        // new catalogue version in use: never waiting for the engine, never in the middle of a
        // sale (both leave an open basket alone).
        let engine = Arc::clone(&till);
        let after_round = move |_: &pos_till::sync::Round| {
            if let Ok(mut t) = engine.try_lock() {
                if let Err(e) = t.return_rights() {
                    tracing::warn!("spending rights not handed back: {e}");
                }
                // A catalogue version pulled is put in use between baskets.
                if let Err(e) = t.apply_catalogue() {
                    tracing::warn!("head office's catalogue not applied: {e}");
                }
            }
        };
        let sync =
            pos_till::sync::task::start(dir.to_owned(), Default::default(), Arc::clone(&stop), after_round)
                .map_err(|e| TillError::storage_from("cannot start the sync's thread", e))?;
        Ok(AppState { till, card_cancel, scans, scanner, stop, reader: Mutex::new(reader), _sync: sync })
    }

    /// Stops the scanner's thread and waits until it closed its port (within half a second). Run
    /// when the window closes: a reading thread left behind would open the scanner's path again
    /// and could take a device that is given its name next (a pseudo-terminal number reused).
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let reader = self.reader.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(reader) = reader
            && reader.join().is_err()
        {
            tracing::error!("the scanner's thread had stopped on a panic");
        }
        // The sync's thread sees `stop` within 50 ms when it waits; a round under way is not
        // waited for (a request may take a minute): it writes only its own tables, and what it
        // pushed is kept by head office either way.
    }
}

impl Drop for AppState {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Reads the serial scanner until `stop`, handing each code to the window's `next_scan`; its link
/// is opened again after each break (the scanner unplugged and plugged back).
fn read_scanner(
    spec: &pos_till::devices::Spec,
    codes: &Sender<String>,
    watch: &Mutex<ScannerWatch>,
    stop: &AtomicBool,
) {
    let note = |f: &dyn Fn(&mut ScannerWatch)| {
        if let Ok(mut w) = watch.lock() {
            f(&mut w);
        }
    };
    let Ok(mut scanner) = pos_till::devices::scanner(spec) else { return };
    if let pos_till::devices::Spec::Scanner { address, .. } = spec {
        let address = address.to_string();
        note(&|w| w.address.clone_from(&address));
    }
    while !stop.load(Ordering::SeqCst) {
        match scanner.next_code(Duration::from_millis(300)) {
            Ok(Some(code)) => {
                note(&|w| {
                    w.open = true;
                    w.last_code = Some(code.clone());
                });
                if codes.send(code).is_err() {
                    return;
                }
            }
            Ok(None) => note(&|w| w.open = true),
            Err(e) => {
                let message = e.message.clone();
                let closed = e.kind() == pos_drivers::scanner::ScannerErrorKind::Disconnected;
                note(&|w| {
                    w.open = !closed;
                    w.last_error = Some(message.clone());
                });
                // The link waits before opening again; this thread need not spin meanwhile.
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

/// The app on a builder of any Tauri runtime (`tauri::Builder::default()`, or the mock one in tests).
pub fn builder<R: Runtime>(base: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    base.manage(Arc::new(state)).invoke_handler(tauri::generate_handler![
        commands::act,
        commands::last_receipt,
        commands::cancel_card,
        commands::next_scan,
        commands::about,
    ])
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Launch {
    /// `--data DIR`: the till in DIR with its configured devices.
    Till(PathBuf),
    /// `--demo DIR [--fixtures DIR]`: the demo till with simulated devices (see [`demo`]).
    Demo {
        /// The till's folder (set up on first use).
        dir: PathBuf,
        /// The chain's files it is set up from.
        fixtures: PathBuf,
    },
}

/// The command line: one of `--data DIR` or `--demo DIR`.
#[derive(clap::Parser, Debug)]
#[command(
    name = "pos-till-app",
    version,
    about = "The till's window",
    group(clap::ArgGroup::new("till").required(true).args(["data", "demo"]))
)]
struct Cli {
    /// The folder of a till made with `pos-till init`, opened with its configured devices.
    #[arg(long, value_name = "DIR", conflicts_with = "demo")]
    data: Option<PathBuf>,
    /// The Lyon demo till in DIR (set up on first use), every device simulated.
    #[arg(long, value_name = "DIR")]
    demo: Option<PathBuf>,
    /// The chain's files the demo till is set up from (the repository's `fixtures/demo`).
    #[arg(long, value_name = "DIR", conflicts_with = "data")]
    fixtures: Option<PathBuf>,
}

/// Reads the command line (without the program's name); `Err` is what to print (the usage, or
/// which argument is wrong) and whether that is an error (`--help` and `--version` are not).
pub fn launch(args: &[String]) -> Result<Launch, (String, bool)> {
    use clap::Parser;
    let cli = Cli::try_parse_from(std::iter::once("pos-till-app".to_owned()).chain(args.iter().cloned()))
        .map_err(|e| (e.render().to_string(), e.use_stderr()))?;
    Ok(match (cli.data, cli.demo) {
        (Some(dir), _) => Launch::Till(dir),
        (None, Some(dir)) => Launch::Demo { dir, fixtures: cli.fixtures.unwrap_or_else(demo::fixtures) },
        // The group above asks for one of them.
        (None, None) => return Err(("give --data DIR or --demo DIR".to_owned(), true)),
    })
}

/// Runs the app on `launch`; the till's log goes to its folder (`logs/`).
pub fn run(launch: Launch) -> Result<(), String> {
    let (dir, _simulators, _log) = match launch {
        Launch::Till(dir) => {
            // A folder that holds no till is refused by the opening below, and left untouched.
            let log = if dir.join(pos_till::store::DB_FILE).is_file() {
                Some(pos_till::logging::start(&dir).map_err(|e| e.to_string())?)
            } else {
                None
            };
            (dir, None, log)
        }
        Launch::Demo { dir, fixtures } => {
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
            let log = pos_till::logging::start(&dir).map_err(|e| e.to_string())?;
            let sims = demo::start(&dir)?;
            demo::prepare(&dir, &fixtures, Clock::System)?;
            (dir, Some(sims), Some(log))
        }
    };
    tracing::info!(till = %dir.display(), version = env!("CARGO_PKG_VERSION"), "the window starts");
    let state = AppState::open(&dir, Clock::System).map_err(|e| e.to_string())?;
    let app = builder(tauri::Builder::default(), state)
        .build(tauri::generate_context!())
        .map_err(|e| format!("the window could not start: {e}"))?;
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            use tauri::Manager;
            handle.state::<Arc<AppState>>().shutdown();
        }
    });
    Ok(())
}
