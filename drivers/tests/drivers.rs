//! Drivers against their simulators over real pseudo-terminals and TCP sockets: printers, scales,
//! scanners and card terminals, the faults of each (paper out, garbage, silence, a cable pulled, a
//! line set to another frame), and the `pos-sim` binary as a technician runs it.
//!
//! The simulators behave like the devices in shops rather than like these drivers expect: a 7E1
//! terminal or scale drops characters sent with another parity, a Toledo scale takes `E` as "echo
//! until F", a terminal may fill the private field itself, a printer may give no status at all.

#[path = "drivers/links.rs"]
mod links;
#[path = "drivers/printer.rs"]
mod printer;
#[path = "drivers/scale.rs"]
mod scale;
#[path = "drivers/scanner.rs"]
mod scanner;
#[path = "drivers/sim.rs"]
mod sim;
#[path = "drivers/terminal.rs"]
mod terminal;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use pos_drivers::link::{Address, Backoff, LineSettings, Link, Reopening};
use pos_drivers::printer::EscPosPrinter;
use pos_drivers::receipt::{Align, Block, Receipt};
use pos_drivers::sim::printer::{PrinterControl, PrinterSim};
use pos_drivers::sim::{Pty, Stop, serve_tcp};

/// A fresh folder for one test.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("drivers").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// How long a test waits for what must come.
pub(crate) const WAIT: Duration = Duration::from_secs(5);

/// A simulator on a pseudo-terminal reached through a symbolic link (`dir/device`), as a USB-serial
/// adapter is reached through `/dev/serial/by-id/…`: a device that hangs up comes back at the
/// same path. Served on its own thread until dropped.
pub(crate) struct PtySim {
    pub(crate) path: String,
    pub(crate) stop: Stop,
    thread: Option<JoinHandle<()>>,
}

impl PtySim {
    pub(crate) fn start(dir: &Path, serve: impl Fn(&mut dyn Link, &Stop) + Send + 'static) -> PtySim {
        let link = dir.join("device");
        let pty = Pty::open(Some(&link)).unwrap();
        let stop = Stop::default();
        let thread = pty.serve_in_background(&stop, serve);
        PtySim { path: link.display().to_string(), stop, thread: Some(thread) }
    }

    /// The till's side, opened once with `settings`.
    pub(crate) fn link(&self, settings: LineSettings) -> Box<dyn Link> {
        Address::parse(&format!("serial:{}", self.path)).unwrap().open(settings).unwrap()
    }

    /// The till's side, opened again after each break (quick pauses, for tests).
    pub(crate) fn reopening(&self, settings: LineSettings) -> Box<dyn Link> {
        Box::new(Reopening::new(
            Address::parse(&format!("serial:{}", self.path)).unwrap(),
            settings,
            Backoff::new(Duration::from_millis(50), Duration::from_millis(200)),
        ))
    }
}

impl Drop for PtySim {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A simulated printer on a pseudo-terminal.
pub(crate) struct PtyPrinter {
    pub(crate) sim: PtySim,
    pub(crate) control: PrinterControl,
}

impl PtyPrinter {
    pub(crate) fn start(out: &Path) -> PtyPrinter {
        let printer = PrinterSim::new(out, 42).unwrap();
        let control = printer.control.clone();
        let sim = PtySim::start(out, move |link, stop| {
            let _ = printer.serve(link, stop);
        });
        PtyPrinter { sim, control }
    }

    pub(crate) fn printer(&self) -> EscPosPrinter {
        EscPosPrinter::new(self.sim.link(LineSettings::B9600_8N1), Duration::from_secs(1))
    }
}

/// A simulated printer on a TCP port, one connection at a time.
pub(crate) fn tcp_printer(out: &Path) -> (String, PrinterControl, Stop) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sim = PrinterSim::new(out, 42).unwrap();
    let control = sim.control.clone();
    let stop = Stop::default();
    serve_tcp(listener, &stop, move |link, stop| {
        let _ = sim.serve(link, stop);
    });
    (addr, control, stop)
}

pub(crate) fn sample_receipt() -> Receipt {
    let mut r = Receipt::new(42);
    r.styled("Aéro Modèles — Lyon", true, false, Align::Centre);
    r.pair("Hélice 9x6 carbone", "3,90 €");
    r.pair("TOTAL TTC", "3,90 €");
    r.pair("dont TVA 20,00 %", "0,65 €");
    r.push(Block::Ean13("3762200151285".into()));
    r.push(Block::Qr("LYO-01 T000042".into()));
    r.push(Block::Cut);
    r
}

/// The receipts a simulated printer wrote, in order.
pub(crate) fn receipts(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// Waits (bounded) for the simulator to have written `n` files.
pub(crate) fn wait_for_files(dir: &Path, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let r = receipts(dir);
        if r.len() >= n || std::time::Instant::now() > deadline {
            return r;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Calls `f` until it gives `Ok`, for at most [`WAIT`] (a device coming back).
pub(crate) fn until_ok<T, E: std::fmt::Debug>(mut f: impl FnMut() -> Result<T, E>) -> T {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        match f() {
            Ok(v) => return v,
            Err(e) if std::time::Instant::now() > deadline => panic!("still failing: {e:?}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
