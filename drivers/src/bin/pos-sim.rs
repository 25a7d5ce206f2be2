//! `pos-sim`: plays a device on the far side of a real OS interface, for the demo, tests and a
//! technician without the hardware.
//!
//! ```text
//! pos-sim printer  (--tcp ADDR | --pty PATH) --out DIR [--width 42|48] [--paper-out] [--no-status]
//! pos-sim scale    --pty PATH --protocol toledo8217|dialog06 [--weight KG] [--line FRAME]
//!                  [--status-bit6 on|off] [--rounding half-up|down]
//! pos-sim terminal (--pty PATH | --tcp ADDR) --protocol concert|caisse-ap [--line FRAME]
//!                  [--outcome accept|decline|not-verified|timeout] [--think MS] [--private echo|blank|fill]
//! pos-sim scanner  --pty PATH [--prefix TEXT] [--suffix TEXT] [--crlf]
//! ```
//!
//! `--pty PATH` creates a pseudo-terminal and makes PATH a symbolic link to it (only a symbolic
//! link already at PATH is replaced): configure the till with `serial:PATH`. `--tcp ADDR` listens
//! there (`127.0.0.1:9100`). On a pseudo-terminal a scale or a terminal is set to its protocol's
//! usual frame (Toledo and Concert 7E1, Dialog 06 7O1), or `--line`: characters the till sends with
//! another parity are dropped, as a real device's UART would.
//!
//! Once ready the simulator prints `ready <where>` on standard output. It runs until it is sent
//! SIGTERM or Ctrl-C (or reads `quit`); standard input is optional: commands, one per line, steer it,
//! and its end (a simulator started in the background) changes nothing.
//!
//! - printer: `paper out|in`, `cover open|closed`, `offline on|off`, `garbage on|off`,
//!   `silent on|off`, `run out` (during the next receipt), `unplug MS` (the cable pulled for MS
//!   milliseconds; what it had not printed is lost);
//! - scale: `weight KG`, `motion on|off`, `garbage on|off`, `silent on|off`, `reboot MS`;
//! - terminal: `outcome accept|decline|not-verified|timeout`, `think MS`, `private echo|blank|fill`,
//!   `busy on|off`, `unplug MS`;
//! - scanner: any other line is a code to scan;
//! - all: `status` (prints the device's state), `quit`.

use std::io::{BufRead, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use pos_drivers::link::{Frame, Link};
use pos_drivers::scale::ScaleProtocol;
use pos_drivers::sim::caisse_ap::CaisseApSim;
use pos_drivers::sim::concert::{CardOutcome, ConcertSim, PrivateField};
use pos_drivers::sim::printer::PrinterSim;
use pos_drivers::sim::scale::{Rounding, ScaleSim};
use pos_drivers::sim::scanner::ScannerSim;
use pos_drivers::sim::{Pty, Stop, serve_tcp};

/// Plays a till's device on a pseudo-terminal or a TCP port.
#[derive(Parser)]
#[command(name = "pos-sim", version)]
struct Cli {
    #[command(subcommand)]
    device: Device,
}

/// Where the device is.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct At {
    /// Make PATH a symbolic link to a new pseudo-terminal (configure the till with serial:PATH).
    #[arg(long, value_name = "PATH")]
    pty: Option<PathBuf>,
    /// Listen on this address (127.0.0.1:9100).
    #[arg(long, value_name = "ADDR")]
    tcp: Option<String>,
}

#[derive(Subcommand)]
enum Device {
    /// An ESC/POS receipt printer writing each receipt as text into a folder.
    Printer {
        #[command(flatten)]
        at: At,
        /// Folder for the receipts.
        #[arg(long)]
        out: PathBuf,
        /// Characters per line.
        #[arg(long, default_value_t = 42, value_parser = width)]
        width: usize,
        /// Start out of paper.
        #[arg(long)]
        paper_out: bool,
        /// Give no status (a USB printer without an IN endpoint).
        #[arg(long)]
        no_status: bool,
    },
    /// A scale on a pseudo-terminal.
    Scale {
        /// Make PATH a symbolic link to a new pseudo-terminal.
        #[arg(long, value_name = "PATH")]
        pty: PathBuf,
        /// Its protocol.
        #[arg(long)]
        protocol: ScaleKind,
        /// A weight on it, in kilograms (1.234).
        #[arg(long, value_name = "KG", allow_hyphen_values = true)]
        weight: Option<String>,
        /// Its line's frame (7E1 for a Toledo, 7O1 for a Dialog 06 unless said).
        #[arg(long, value_name = "FRAME", value_parser = frame)]
        line: Option<Frame>,
        /// Bit 6 of the Toledo status byte (some scales leave it clear).
        #[arg(long, default_value = "on")]
        status_bit6: OnOff,
        /// How a Dialog 06 rounds its total.
        #[arg(long, default_value = "half-up")]
        rounding: RoundingArg,
    },
    /// A card terminal.
    Terminal {
        #[command(flatten)]
        at: At,
        /// Its protocol.
        #[arg(long)]
        protocol: TerminalKind,
        /// What the next payments do.
        #[arg(long, default_value = "accept")]
        outcome: OutcomeArg,
        /// How long the customer takes, in milliseconds.
        #[arg(long, default_value_t = 500)]
        think: u64,
        /// What a Concert terminal puts in its answer's private field.
        #[arg(long, default_value = "echo")]
        private: PrivateArg,
        /// Its serial line's frame (7E1 unless said).
        #[arg(long, value_name = "FRAME", value_parser = frame)]
        line: Option<Frame>,
    },
    /// A serial bar code scanner.
    Scanner {
        /// Make PATH a symbolic link to a new pseudo-terminal.
        #[arg(long, value_name = "PATH")]
        pty: PathBuf,
        /// Text the scanner puts before each code.
        #[arg(long, default_value = "")]
        prefix: String,
        /// Text the scanner puts after each code.
        #[arg(long, default_value = "")]
        suffix: String,
        /// End codes with CR LF (else CR).
        #[arg(long)]
        crlf: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ScaleKind {
    Toledo8217,
    Dialog06,
}

#[derive(Clone, Copy, ValueEnum)]
enum TerminalKind {
    Concert,
    CaisseAp,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoundingArg {
    HalfUp,
    Down,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutcomeArg {
    Accept,
    Decline,
    NotVerified,
    Timeout,
}

#[derive(Clone, Copy, ValueEnum)]
enum PrivateArg {
    Echo,
    Blank,
    Fill,
}

fn width(text: &str) -> Result<usize, String> {
    match text {
        "42" => Ok(42),
        "48" => Ok(48),
        _ => Err(format!("`{text}`: receipts are 42 or 48 columns")),
    }
}

fn frame(text: &str) -> Result<Frame, String> {
    Frame::parse(text).ok_or_else(|| format!("`{text}` is not a frame: write 8N1, 7E1, 7O1 ..."))
}

/// Where the device is: a pty (with its symbolic link) or a TCP listener.
enum Place {
    Pty(Pty, PathBuf),
    Tcp(TcpListener),
}

fn place(at: &At) -> Result<Place, String> {
    match (&at.pty, &at.tcp) {
        (Some(path), _) => {
            Pty::open(Some(path)).map(|p| Place::Pty(p, path.clone())).map_err(|e| e.to_string())
        }
        (None, Some(addr)) => {
            TcpListener::bind(addr).map(Place::Tcp).map_err(|e| format!("cannot listen on {addr}: {e}"))
        }
        (None, None) => Err("say where: --pty PATH or --tcp ADDR".into()),
    }
}

fn pty_place(path: &std::path::Path) -> Result<Place, String> {
    Pty::open(Some(path)).map(|p| Place::Pty(p, path.to_owned())).map_err(|e| e.to_string())
}

fn announce(place: &Place) {
    let at = match place {
        Place::Pty(p, link) => format!("{} -> {}", link.display(), p.path),
        Place::Tcp(l) => l.local_addr().map_or_else(|_| "?".into(), |a| a.to_string()),
    };
    println!("ready {at}");
    // Whoever started the simulator waits for this line: a closed standard output is said where
    // it can still be read.
    if let Err(e) = std::io::stdout().flush() {
        eprintln!("pos-sim: cannot say `ready {at}` on standard output ({e})");
    }
}

/// Serves `place` on a thread until `stop`: on a pty with `serial` (the device's end of a line),
/// on TCP with `raw`.
fn run(
    place: Place,
    stop: &Stop,
    serve: impl Fn(&mut dyn Link, &Stop, bool) + Send + 'static,
) -> std::thread::JoinHandle<()> {
    match place {
        Place::Pty(pty, _) => pty.serve_in_background(stop, move |link, stop| serve(link, stop, true)),
        Place::Tcp(listener) => serve_tcp(listener, stop, move |link, stop| serve(link, stop, false)),
    }
}

fn on_off(v: Option<&str>) -> Result<bool, String> {
    match v {
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        _ => Err("say on or off".into()),
    }
}

fn millis(v: Option<&str>) -> Result<Duration, String> {
    v.and_then(|ms| ms.parse().ok())
        .map(Duration::from_millis)
        .ok_or_else(|| "say how many milliseconds".into())
}

/// The commands every terminal takes (`outcome …`, `think MS`, `status`); whether `word` was one.
fn terminal_command(
    word: &str,
    rest: Option<&str>,
    outcome: &mut CardOutcome,
    think: &mut Duration,
) -> Result<bool, String> {
    match (word, rest) {
        ("outcome", Some(o)) => {
            *outcome = CardOutcome::parse(o).ok_or("accept, decline, not-verified or timeout")?;
        }
        ("think", v) => *think = millis(v)?,
        ("status", None) => {}
        _ => return Ok(false),
    }
    Ok(true)
}

fn kg_to_grams(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not a weight in kilograms (write 1.234)");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let negative = whole.starts_with('-');
    let whole: i64 = whole.trim_start_matches('-').parse().map_err(|_| bad())?;
    let grams = whole
        .checked_mul(1000)
        .and_then(|g| g.checked_add(format!("{frac:0<3}").parse::<i64>().ok()?))
        .ok_or_else(bad)?;
    Ok(if negative { -grams } else { grams })
}

/// Reads commands on a thread of its own until `quit` (which sets `quit`) or the end of input
/// (which changes nothing); `handle` returns what to print, or an error.
fn commands(
    quit: Arc<AtomicBool>,
    mut handle: impl FnMut(&str, Option<&str>) -> Result<String, String> + Send + 'static,
) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if line == "quit" {
                quit.store(true, Ordering::SeqCst);
                break;
            }
            let (word, rest) = line.split_once(' ').map_or((line, None), |(w, r)| (w, Some(r.trim())));
            match handle(word, rest) {
                Ok(out) => println!("{out}"),
                Err(e) => println!("error: {e}"),
            }
            // The steering side went away: nobody reads the answers, so stop reading commands
            // (the device goes on serving).
            if std::io::stdout().flush().is_err() {
                break;
            }
        }
    });
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quit = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&quit)) {
            eprintln!("pos-sim: cannot catch signal {signal}: {e}");
            return ExitCode::from(2);
        }
    }
    let stop = Stop::default();
    match start(cli.device, &stop, &quit) {
        Ok(()) => {
            while !quit.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            stop.stop();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pos-sim: {e}");
            ExitCode::from(2)
        }
    }
}

/// Starts the device and its commands.
fn start(device: Device, stop: &Stop, quit: &Arc<AtomicBool>) -> Result<(), String> {
    let quit = Arc::clone(quit);
    match device {
        Device::Printer { at, out, width, paper_out, no_status } => {
            let sim = PrinterSim::new(&out, width).map_err(|e| format!("--out: {e}"))?;
            let control = sim.control.clone();
            control.state().paper_out = paper_out;
            control.state().no_status = no_status;
            let place = place(&at)?;
            announce(&place);
            run(place, stop, move |link, stop, _| {
                if let Err(e) = sim.serve(link, stop) {
                    eprintln!("printer: {e}");
                }
            });
            let stop = stop.clone();
            commands(quit, move |word, rest| {
                let mut s = control.state();
                match (word, rest) {
                    ("paper", Some("out")) => s.paper_out = true,
                    ("paper", Some("in")) => s.paper_out = false,
                    ("cover", Some("open")) => s.cover_open = true,
                    ("cover", Some("closed")) => s.cover_open = false,
                    ("run", Some("out")) => s.run_out_in_next_job = true,
                    ("offline", v) => s.offline = on_off(v)?,
                    ("garbage", v) => s.garbage = on_off(v)?,
                    ("silent", v) => s.silent = on_off(v)?,
                    ("unplug", v) => stop.hang_up(millis(v)?),
                    ("status", None) => {}
                    _ => return Err(format!("unknown command `{word}`")),
                }
                Ok(format!(
                    "paper {} cover {} {} printed {} discarded {} drawer kicks {}",
                    if s.paper_out { "out" } else { "in" },
                    if s.cover_open { "open" } else { "closed" },
                    if s.offline { "off line" } else { "on line" },
                    s.printed,
                    s.discarded,
                    s.drawer_kicks
                ))
            });
        }
        Device::Scale { pty, protocol, weight, line, status_bit6, rounding } => {
            let protocol = match protocol {
                ScaleKind::Toledo8217 => ScaleProtocol::Toledo8217,
                ScaleKind::Dialog06 => ScaleProtocol::Dialog06,
            };
            let sim = ScaleSim::new(protocol);
            let control = sim.control.clone();
            {
                let mut s = control.state();
                if let Some(line) = line {
                    s.line = line;
                }
                s.status_bit6 = matches!(status_bit6, OnOff::On);
                s.rounding = match rounding {
                    RoundingArg::HalfUp => Rounding::HalfUp,
                    RoundingArg::Down => Rounding::Down,
                };
            }
            if let Some(kg) = weight {
                control.set_weight(kg_to_grams(&kg)?);
            }
            let place = pty_place(&pty)?;
            announce(&place);
            run(place, stop, move |link, stop, _| {
                if let Err(e) = sim.serve_serial(link, stop) {
                    eprintln!("scale: {e}");
                }
            });
            let stop = stop.clone();
            commands(quit, move |word, rest| {
                match (word, rest) {
                    ("weight", Some(kg)) => control.set_weight(kg_to_grams(kg)?),
                    ("motion", v) => control.state().motion = on_off(v)?,
                    ("garbage", v) => control.state().garbage = on_off(v)?,
                    ("silent", v) => control.state().silent = on_off(v)?,
                    ("reboot", v) => stop.hang_up(millis(v)?),
                    ("status", None) => {}
                    _ => return Err(format!("unknown command `{word}`")),
                }
                let s = control.state();
                Ok(format!(
                    "weight {} g tare {} g motion {} echo {} requests {} parity errors {}",
                    s.grams,
                    s.tare,
                    s.motion,
                    s.echo_mode,
                    s.requests,
                    s.line_errors.load(Ordering::Relaxed)
                ))
            });
        }
        Device::Terminal { at, protocol, outcome, think, private, line } => {
            let outcome = match outcome {
                OutcomeArg::Accept => CardOutcome::Accept,
                OutcomeArg::Decline => CardOutcome::Decline,
                OutcomeArg::NotVerified => CardOutcome::NotVerified,
                OutcomeArg::Timeout => CardOutcome::Timeout,
            };
            let think = Duration::from_millis(think);
            match protocol {
                TerminalKind::Concert => {
                    let sim = ConcertSim::new();
                    let control = sim.control.clone();
                    {
                        let mut s = control.state();
                        s.outcome = outcome;
                        s.think = think;
                        s.private = match private {
                            PrivateArg::Echo => PrivateField::Echo,
                            PrivateArg::Blank => PrivateField::Blank,
                            PrivateArg::Fill => PrivateField::Fill,
                        };
                        if let Some(line) = line {
                            s.line = line;
                        }
                    }
                    let place = place(&at)?;
                    announce(&place);
                    run(place, stop, move |link, stop, serial| {
                        let served =
                            if serial { sim.serve_serial(link, stop) } else { sim.serve(link, stop) };
                        if let Err(e) = served {
                            eprintln!("terminal: {e}");
                        }
                    });
                    let stop = stop.clone();
                    commands(quit, move |word, rest| {
                        let mut guard = control.state();
                        let s = &mut *guard;
                        if !terminal_command(word, rest, &mut s.outcome, &mut s.think)? {
                            match (word, rest) {
                                ("private", Some(p)) => {
                                    s.private = PrivateField::parse(p).ok_or("echo, blank or fill")?;
                                }
                                ("busy", v) => s.busy = on_off(v)?,
                                ("unplug", v) => stop.hang_up(millis(v)?),
                                _ => return Err(format!("unknown command `{word}`")),
                            }
                        }
                        Ok(format!(
                            "outcome {:?} payments {} answers taken {} parity errors {}",
                            s.outcome,
                            s.journal.len(),
                            s.delivered.len(),
                            s.line_errors.load(Ordering::Relaxed)
                        ))
                    });
                }
                TerminalKind::CaisseAp => {
                    let Place::Tcp(listener) = place(&at)? else {
                        return Err("Caisse-AP runs over IP: use --tcp ADDR".into());
                    };
                    let sim = Arc::new(CaisseApSim::new());
                    let control = sim.control.clone();
                    control.state().outcome = outcome;
                    control.state().think = think;
                    announce(&Place::Tcp(listener.try_clone().map_err(|e| e.to_string())?));
                    let s = stop.clone();
                    std::thread::spawn(move || sim.serve(&listener, &s));
                    commands(quit, move |word, rest| {
                        let mut guard = control.state();
                        let s = &mut *guard;
                        if !terminal_command(word, rest, &mut s.outcome, &mut s.think)? {
                            return Err(format!("unknown command `{word}`"));
                        }
                        Ok(format!("outcome {:?} payments {}", s.outcome, s.journal.len()))
                    });
                }
            }
        }
        Device::Scanner { pty, prefix, suffix, crlf } => {
            let sim = ScannerSim::new(&prefix, &suffix, crlf);
            let control = sim.control();
            let place = pty_place(&pty)?;
            announce(&place);
            run(place, stop, move |link, stop, _| {
                if let Err(e) = sim.serve(link, stop) {
                    eprintln!("scanner: {e}");
                }
            });
            commands(quit, move |code, rest| {
                let code = rest.map_or(code.to_owned(), |r| format!("{code} {r}"));
                control.scan(&code);
                Ok(format!("scanned {code}"))
            });
        }
    }
    Ok(())
}
