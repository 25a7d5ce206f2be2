//! `pos-till-app --demo DIR`: the Lyon till of the demo chain with every device played by a
//! simulator started in the app itself, each behind its own pseudo-terminal, so the till drives
//! them through the very drivers it uses with real devices:
//!
//! | device | simulator | setting |
//! |---|---|---|
//! | receipt printer and drawer | ESC/POS, decoded receipts in `DIR/printer-sim/` | `escpos serial:DIR/printer.pty` |
//! | card terminal | Concert on a 7E1 line, approves after 0.8 s; an amount ending in ,13 € is declined | `concert serial:DIR/terminal.pty` |
//! | scale | Toledo 8217 on a 7E1 line, 0.455 kg, stable | `toledo8217 serial:DIR/scale.pty` |
//!
//! The till is set up in `DIR` on first use (store LYO, till 1, from the demo chain's files) and its
//! device settings made by the Lyon technician (S010), journaled like any change of settings. A
//! keyboard-wedge scanner needs no setting: type or paste a barcode and press Enter in a burst.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use pos_drivers::scale::ScaleProtocol;
use pos_drivers::sim::concert::{ConcertControl, ConcertSim};
use pos_drivers::sim::printer::{PrinterControl, PrinterSim};
use pos_drivers::sim::scale::{ScaleControl, ScaleSim};
use pos_drivers::sim::{Pty, Stop};
use pos_till::engine::{Clock, Till};

/// The Lyon technician of the demo chain, who sets the devices up.
const TECHNICIAN: (&str, &str) = ("S010", "5720");

/// The demo chain's files in this source tree.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo")
}

/// The running simulators; dropping them stops them.
pub struct Simulators {
    stop: Stop,
    _threads: Vec<JoinHandle<()>>,
    /// The printer (paper, cover, what it printed).
    pub printer: PrinterControl,
    /// The card terminal (next outcome, thinking time).
    pub terminal: ConcertControl,
    /// The scale (weight, motion).
    pub scale: ScaleControl,
}

impl Drop for Simulators {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// The device settings of a demo till in `dir`.
pub fn settings(dir: &Path) -> Vec<(&'static str, String)> {
    let at = |f: &str| dir.join(f).display().to_string();
    vec![
        ("device.printer", format!("escpos serial:{}", at("printer.pty"))),
        ("device.terminal", format!("concert serial:{}", at("terminal.pty"))),
        ("device.scale", format!("toledo8217 serial:{}", at("scale.pty"))),
    ]
}

/// Starts the simulators behind `DIR/printer.pty`, `DIR/terminal.pty` and `DIR/scale.pty`.
pub fn start(dir: &Path) -> Result<Simulators, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let stop = Stop::default();
    let pty = |name: &str| Pty::open(Some(&dir.join(name))).map_err(|e| e.to_string());

    let printer = PrinterSim::new(&dir.join("printer-sim"), 42)
        .map_err(|e| format!("cannot write decoded receipts into {}: {e}", dir.display()))?;
    let printer_control = printer.control.clone();
    let mut threads = vec![pty("printer.pty")?.serve_in_background(&stop, move |link, stop| {
        if let Err(e) = printer.serve(link, stop) {
            tracing::warn!("the printer simulator stopped: {e}");
        }
    })];

    let terminal = ConcertSim::new();
    let terminal_control = terminal.control.clone();
    terminal_control.state().think = Duration::from_millis(800);
    // A demo's customer can be refused: an amount ending in ,13 € is declined by the card's bank.
    terminal_control.state().decline_cents = Some(13);
    threads.push(pty("terminal.pty")?.serve_in_background(&stop, move |link, stop| {
        if let Err(e) = terminal.serve_serial(link, stop) {
            tracing::warn!("the terminal simulator stopped: {e}");
        }
    }));

    let scale = ScaleSim::new(ScaleProtocol::Toledo8217);
    let scale_control = scale.control.clone();
    scale_control.set_weight(455);
    threads.push(pty("scale.pty")?.serve_in_background(&stop, move |link, stop| {
        if let Err(e) = scale.serve_serial(link, stop) {
            tracing::warn!("the scale simulator stopped: {e}");
        }
    }));

    Ok(Simulators {
        stop,
        _threads: threads,
        printer: printer_control,
        terminal: terminal_control,
        scale: scale_control,
    })
}

/// Sets the demo till up in `dir` if it is not there yet, and points its devices at the
/// simulators (a change of settings only when they differ).
pub fn prepare(dir: &Path, fixtures: &Path, clock: Clock) -> Result<(), String> {
    if !dir.join(pos_till::store::DB_FILE).exists() {
        let now = match &clock {
            Clock::Set(t) => *t,
            _ => chrono::Utc::now(),
        };
        Till::init(dir, "LYO", 1, fixtures, now).map_err(|e| format!("cannot set the demo till up: {e}"))?;
    }
    let (mut till, _) = pos_till::launch::open_till(dir, clock, true).map_err(|e| e.to_string())?;
    let wanted = settings(dir);
    if wanted.iter().any(|(k, v)| till.config().get(*k) != Some(v)) {
        till.login(TECHNICIAN.0, TECHNICIAN.1).map_err(|e| e.to_string())?;
        for (k, v) in &wanted {
            till.configure(k, v).map_err(|e| e.to_string())?;
        }
        till.logout().map_err(|e| e.to_string())?;
    }
    // Opened quietly (no start journaled), so closed without a stop: the window opens it next.
    drop(till);
    Ok(())
}
