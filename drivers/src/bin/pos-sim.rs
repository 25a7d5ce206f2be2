//! `pos-sim`: plays a device on the far side of a real OS interface, for the demo, tests and a
//! technician without the hardware.
//!
//! ```text
//! pos-sim printer  (--tcp ADDR | --pty PATH) --out DIR [--width 42|48] [--paper-out]
//! pos-sim scale    --pty PATH --protocol toledo8217|dialog06 [--weight KG]
//! pos-sim terminal (--pty PATH | --tcp ADDR) --protocol concert|caisse-ap
//!                  [--outcome accept|decline|not-verified|timeout] [--think MS]
//! pos-sim scanner  --pty PATH [--prefix TEXT] [--suffix TEXT] [--crlf]
//! ```
//!
//! `--pty PATH` creates a pseudo-terminal and makes PATH a symbolic link to it: configure the till
//! with `serial:PATH`. `--tcp ADDR` listens there (`127.0.0.1:9100`). Once ready the simulator
//! prints `ready <where>` on standard output, then reads commands on standard input, one per line:
//!
//! - printer: `paper out`, `paper in`, `cover open`, `cover closed`, `garbage on|off`, `silent on|off`,
//!   `run out` (during the next receipt);
//! - scale: `weight KG`, `motion on|off`, `garbage on|off`, `silent on|off`;
//! - terminal: `outcome accept|decline|not-verified|timeout`, `think MS`;
//! - scanner: any other line is a code to scan;
//! - all: `status` (prints the device's state), `quit`.

use std::io::{BufRead, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use pos_drivers::link::{Link, TcpLink};
use pos_drivers::scale::ScaleProtocol;
use pos_drivers::sim::caisse_ap::CaisseApSim;
use pos_drivers::sim::concert::{CardOutcome, ConcertSim};
use pos_drivers::sim::printer::PrinterSim;
use pos_drivers::sim::scale::ScaleSim;
use pos_drivers::sim::scanner::ScannerSim;
use pos_drivers::sim::{Pty, Stop};

const USAGE: &str = "usage:
  pos-sim printer  (--tcp ADDR | --pty PATH) --out DIR [--width 42|48] [--paper-out]
  pos-sim scale    --pty PATH --protocol toledo8217|dialog06 [--weight KG]
  pos-sim terminal (--pty PATH | --tcp ADDR) --protocol concert|caisse-ap [--outcome accept|decline|not-verified|timeout] [--think MS]
  pos-sim scanner  --pty PATH [--prefix TEXT] [--suffix TEXT] [--crlf]";

struct Args {
    device: String,
    options: Vec<(String, Option<String>)>,
}

impl Args {
    fn parse() -> Result<Args, String> {
        let mut it = std::env::args().skip(1);
        let device = it.next().ok_or_else(|| USAGE.to_owned())?;
        let mut options = Vec::new();
        let rest: Vec<String> = it.collect();
        let mut i = 0;
        while i < rest.len() {
            let name =
                rest[i].strip_prefix("--").ok_or_else(|| format!("unexpected `{}`\n{USAGE}", rest[i]))?;
            let value = rest.get(i + 1).filter(|v| !v.starts_with("--")).cloned();
            i += if value.is_some() { 2 } else { 1 };
            options.push((name.to_owned(), value));
        }
        Ok(Args { device, options })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.options.iter().find(|o| o.0 == name).and_then(|o| o.1.as_deref())
    }

    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|o| o.0 == name)
    }

    fn need(&self, name: &str) -> Result<&str, String> {
        self.get(name).ok_or_else(|| format!("{} needs --{name}\n{USAGE}", self.device))
    }
}

/// Where the device is: a pty (with its symbolic link) or a TCP listener.
enum Place {
    Pty(Pty),
    Tcp(TcpListener),
}

fn place(args: &Args) -> Result<Place, String> {
    match (args.get("pty"), args.get("tcp")) {
        (Some(path), None) => {
            Pty::open(Some(&PathBuf::from(path))).map(Place::Pty).map_err(|e| e.to_string())
        }
        (None, Some(addr)) => {
            TcpListener::bind(addr).map(Place::Tcp).map_err(|e| format!("cannot listen on {addr}: {e}"))
        }
        _ => Err(format!("{} needs one of --pty PATH or --tcp ADDR\n{USAGE}", args.device)),
    }
}

fn announce(place: &Place, args: &Args) {
    let at = match place {
        Place::Pty(p) => format!("{} -> {}", args.get("pty").unwrap_or_default(), p.path),
        Place::Tcp(l) => l.local_addr().map_or_else(|_| "?".into(), |a| a.to_string()),
    };
    println!("ready {at}");
    let _ = std::io::stdout().flush();
}

/// Serves `place` with `serve` on a thread until `stop`: a pty once and again after errors, a TCP
/// listener one connection at a time.
fn run(
    place: Place,
    stop: &Stop,
    serve: impl Fn(&mut dyn Link, &Stop) + Send + 'static,
) -> std::thread::JoinHandle<()> {
    let stop = stop.clone();
    match place {
        Place::Pty(pty) => pty.serve_in_background(&stop, serve),
        Place::Tcp(listener) => std::thread::spawn(move || {
            let _ = listener.set_nonblocking(true);
            while !stop.stopped() {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        serve(&mut TcpLink::from_stream(stream), &stop);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        }),
    }
}

fn on_off(v: Option<&str>) -> Result<bool, String> {
    match v {
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        _ => Err("say on or off".into()),
    }
}

/// A terminal's commands: `outcome …`, `think MS`, `status`.
fn terminal_command(
    word: &str,
    rest: Option<&str>,
    outcome: &mut CardOutcome,
    think: &mut Duration,
) -> Result<(), String> {
    match (word, rest) {
        ("outcome", Some(o)) => {
            *outcome = CardOutcome::parse(o).ok_or("accept, decline, not-verified or timeout")?;
        }
        ("think", Some(ms)) => *think = Duration::from_millis(ms.parse().map_err(|_| "milliseconds")?),
        ("status", None) => {}
        _ => return Err(format!("unknown command `{word}`")),
    }
    Ok(())
}

fn kg_to_grams(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not a weight in kilograms (write 1.234)");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let negative = whole.starts_with('-');
    let whole: i64 = whole.trim_start_matches('-').parse().map_err(|_| bad())?;
    let grams = whole * 1000 + format!("{frac:0<3}").parse::<i64>().map_err(|_| bad())?;
    Ok(if negative { -grams } else { grams })
}

/// Reads commands until `quit` or end of input; `handle` returns what to print, or an error.
fn commands(mut handle: impl FnMut(&str, Option<&str>) -> Result<String, String>) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "quit" {
            break;
        }
        let (word, rest) = line.split_once(' ').map_or((line, None), |(w, r)| (w, Some(r.trim())));
        match handle(word, rest) {
            Ok(out) => println!("{out}"),
            Err(e) => println!("error: {e}"),
        }
        let _ = std::io::stdout().flush();
    }
}

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pos-sim: {e}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<(), String> {
    let args = Args::parse()?;
    let stop = Stop::default();
    match args.device.as_str() {
        "printer" => {
            let width: usize =
                args.get("width").unwrap_or("42").parse().map_err(|_| "--width is 42 or 48".to_owned())?;
            let sim = PrinterSim::new(&PathBuf::from(args.need("out")?), width)
                .map_err(|e| format!("--out: {e}"))?;
            let control = sim.control.clone();
            control.state().paper_out = args.flag("paper-out");
            let place = place(&args)?;
            announce(&place, &args);
            let _t = run(place, &stop, move |link, stop| {
                if let Err(e) = sim.serve(link, stop) {
                    eprintln!("printer: {e}");
                }
            });
            commands(|word, rest| {
                let mut s = control.state();
                match (word, rest) {
                    ("paper", Some("out")) => s.paper_out = true,
                    ("paper", Some("in")) => s.paper_out = false,
                    ("cover", Some("open")) => s.cover_open = true,
                    ("cover", Some("closed")) => s.cover_open = false,
                    ("run", Some("out")) => s.run_out_in_next_job = true,
                    ("garbage", v) => s.garbage = on_off(v)?,
                    ("silent", v) => s.silent = on_off(v)?,
                    ("status", None) => {}
                    _ => return Err(format!("unknown command `{word}`")),
                }
                Ok(format!(
                    "paper {} cover {} printed {} discarded {} drawer kicks {}",
                    if s.paper_out { "out" } else { "in" },
                    if s.cover_open { "open" } else { "closed" },
                    s.printed,
                    s.discarded,
                    s.drawer_kicks
                ))
            });
        }
        "scale" => {
            let protocol = ScaleProtocol::parse(args.need("protocol")?)
                .ok_or_else(|| "--protocol is toledo8217 or dialog06".to_owned())?;
            let sim = ScaleSim::new(protocol);
            let control = sim.control.clone();
            if let Some(kg) = args.get("weight") {
                control.set_weight(kg_to_grams(kg)?);
            }
            let place = place(&args)?;
            announce(&place, &args);
            let _t = run(place, &stop, move |link, stop| {
                if let Err(e) = sim.serve(link, stop) {
                    eprintln!("scale: {e}");
                }
            });
            commands(|word, rest| {
                match (word, rest) {
                    ("weight", Some(kg)) => control.set_weight(kg_to_grams(kg)?),
                    ("motion", v) => control.state().motion = on_off(v)?,
                    ("garbage", v) => control.state().garbage = on_off(v)?,
                    ("silent", v) => control.state().silent = on_off(v)?,
                    ("status", None) => {}
                    _ => return Err(format!("unknown command `{word}`")),
                }
                let s = control.state();
                Ok(format!(
                    "weight {} g tare {} g motion {} requests {}",
                    s.grams, s.tare, s.motion, s.requests
                ))
            });
        }
        "terminal" => {
            let outcome = CardOutcome::parse(args.get("outcome").unwrap_or("accept"))
                .ok_or_else(|| "--outcome is accept, decline, not-verified or timeout".to_owned())?;
            let think = Duration::from_millis(
                args.get("think").unwrap_or("500").parse().map_err(|_| "--think is in milliseconds")?,
            );
            match args.need("protocol")? {
                "concert" => {
                    let sim = ConcertSim::new();
                    let control = sim.control.clone();
                    control.state().outcome = outcome;
                    control.state().think = think;
                    let place = place(&args)?;
                    announce(&place, &args);
                    let _t = run(place, &stop, move |link, stop| {
                        if let Err(e) = sim.serve(link, stop) {
                            eprintln!("terminal: {e}");
                        }
                    });
                    commands(|word, rest| {
                        let mut guard = control.state();
                        let s = &mut *guard;
                        terminal_command(word, rest, &mut s.outcome, &mut s.think)?;
                        Ok(format!(
                            "outcome {:?} payments {} answers taken {}",
                            s.outcome,
                            s.journal.len(),
                            s.delivered.len()
                        ))
                    });
                }
                "caisse-ap" => {
                    let Place::Tcp(listener) = place(&args)? else {
                        return Err("Caisse-AP runs over IP: use --tcp ADDR".into());
                    };
                    let sim = std::sync::Arc::new(CaisseApSim::new());
                    let control = sim.control.clone();
                    control.state().outcome = outcome;
                    control.state().think = think;
                    println!(
                        "ready {}",
                        listener.local_addr().map_or_else(|_| "?".into(), |a| a.to_string())
                    );
                    let _ = std::io::stdout().flush();
                    let s = stop.clone();
                    let _t = std::thread::spawn(move || sim.serve(&listener, &s));
                    commands(|word, rest| {
                        let mut guard = control.state();
                        let s = &mut *guard;
                        terminal_command(word, rest, &mut s.outcome, &mut s.think)?;
                        Ok(format!("outcome {:?} payments {}", s.outcome, s.journal.len()))
                    });
                }
                other => return Err(format!("--protocol is concert or caisse-ap, not `{other}`")),
            }
        }
        "scanner" => {
            let sim = ScannerSim::new(
                args.get("prefix").unwrap_or(""),
                args.get("suffix").unwrap_or(""),
                args.flag("crlf"),
            );
            let control = sim.control();
            let place = place(&args)?;
            announce(&place, &args);
            let _t = run(place, &stop, move |link, stop| {
                if let Err(e) = sim.serve(link, stop) {
                    eprintln!("scanner: {e}");
                }
            });
            commands(|code, rest| {
                let code = rest.map_or(code.to_owned(), |r| format!("{code} {r}"));
                control.scan(&code);
                Ok(format!("scanned {code}"))
            });
        }
        other => return Err(format!("unknown device `{other}`\n{USAGE}")),
    }
    stop.stop();
    Ok(())
}
