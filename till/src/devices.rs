//! The till's peripherals as configured: each is a setting `device.NAME` whose value says which
//! driver and where, changed by a manager or technician (`pos-till devices set`), journaled as a
//! configuration event like every setting.
//!
//! | device | value | |
//! |---|---|---|
//! | `printer` | `folder` | receipts as text files in `DATA/receipts` (the default) |
//! | | `escpos ADDRESS [width=42\|48]` | an ESC/POS printer on `tcp:`, `serial:`, `lp:` or `usb:` |
//! | `terminal` | `sim` | the in-process simulated terminal (the default) |
//! | | `concert ADDRESS [pos=N]` | Concert over `serial:` or `tcp:`; `pos` defaults to the till number |
//! | | `caisse-ap HOST:PORT [pos=N]` | Caisse-AP over IP |
//! | `scale` | `toledo8217 ADDRESS` or `dialog06 ADDRESS` | a serial scale |
//! | `scanner` | `serial ADDRESS [prefix=TEXT] [suffix=TEXT]` | a serial scanner (keyboard-wedge scanners need no setting) |
//!
//! Terminal drivers keep their transaction log beside the database (`concert.log`, `caisse-ap.log`).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use pos_drivers::caisse_ap::CaisseAp;
use pos_drivers::concert::{Concert, Timeouts};
use pos_drivers::link::{Address, SerialSettings};
use pos_drivers::printer::{EscPosPrinter, FolderPrinter, PrinterError, PrinterErrorKind, ReceiptPrinter};
use pos_drivers::scale::{self, Scale, ScaleProtocol};
use pos_drivers::scanner::{Scanner, SerialScanner};
use pos_drivers::terminal::{
    PaymentOutcome, PaymentRequest, PaymentTerminal, SimTerminal, TerminalError, TerminalErrorKind,
};

use crate::error::TillError;
use crate::store;

/// The devices a till knows.
pub const NAMES: &[&str] = &["printer", "terminal", "scale", "scanner"];

/// A device's setting, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spec {
    /// Receipts as text files.
    FolderPrinter,
    /// An ESC/POS printer.
    EscPos {
        /// Where.
        address: Address,
        /// 42 or 48 columns.
        width: usize,
    },
    /// The in-process simulated terminal.
    SimTerminal,
    /// A Concert terminal.
    Concert {
        /// Where.
        address: Address,
        /// Till number on the terminal.
        pos: Option<u8>,
    },
    /// A Caisse-AP terminal.
    CaisseAp {
        /// `host:port`.
        address: String,
        /// Till number on the terminal.
        pos: Option<u8>,
    },
    /// A serial scale.
    Scale {
        /// Which protocol.
        protocol: ScaleProtocol,
        /// Where.
        address: Address,
    },
    /// A serial scanner.
    Scanner {
        /// Where.
        address: Address,
        /// Prefix the scanner adds.
        prefix: String,
        /// Suffix the scanner adds.
        suffix: String,
    },
}

fn options(words: &[&str]) -> Result<BTreeMap<String, String>, String> {
    words
        .iter()
        .map(|w| {
            w.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| format!("`{w}` is not an option (write name=value)"))
        })
        .collect()
}

/// Reads the setting of device `name`.
pub fn parse(name: &str, value: &str) -> Result<Spec, String> {
    let words: Vec<&str> = value.split_whitespace().collect();
    let address = |i: usize| -> Result<Address, String> {
        let w = words.get(i).ok_or_else(|| format!("`{value}` needs an address"))?;
        Address::parse(w).map_err(|e| e.to_string())
    };
    let pos = |o: &BTreeMap<String, String>| -> Result<Option<u8>, String> {
        o.get("pos")
            .map(|p| p.parse().map_err(|_| format!("pos={p} is not a till number (0-99)")))
            .transpose()
    };
    match (name, words.first().copied()) {
        ("printer", Some("folder")) if words.len() == 1 => Ok(Spec::FolderPrinter),
        ("printer", Some("escpos")) => {
            let o = options(words.get(2..).unwrap_or_default())?;
            let width = match o.get("width").map(String::as_str) {
                None | Some("42") => 42,
                Some("48") => 48,
                Some(w) => return Err(format!("width={w}: receipts are 42 or 48 columns")),
            };
            Ok(Spec::EscPos { address: address(1)?, width })
        }
        ("terminal", Some("sim")) if words.len() == 1 => Ok(Spec::SimTerminal),
        ("terminal", Some("concert")) => {
            let address = address(1)?;
            if matches!(address, Address::Lp(_) | Address::Usb { .. }) {
                return Err("a Concert terminal is on serial: or tcp:".into());
            }
            Ok(Spec::Concert { address, pos: pos(&options(words.get(2..).unwrap_or_default())?)? })
        }
        ("terminal", Some("caisse-ap")) => {
            let a = words.get(1).ok_or("caisse-ap needs HOST:PORT")?;
            if !matches!(Address::parse(&format!("tcp:{a}")), Ok(Address::Tcp(_))) {
                return Err(format!("`{a}` is not HOST:PORT"));
            }
            Ok(Spec::CaisseAp {
                address: (*a).to_owned(),
                pos: pos(&options(words.get(2..).unwrap_or_default())?)?,
            })
        }
        ("scale", Some(p)) if ScaleProtocol::parse(p).is_some() => Ok(Spec::Scale {
            protocol: ScaleProtocol::parse(p).unwrap_or(ScaleProtocol::Toledo8217),
            address: address(1)?,
        }),
        ("scanner", Some("serial")) => {
            let o = options(words.get(2..).unwrap_or_default())?;
            Ok(Spec::Scanner {
                address: address(1)?,
                prefix: o.get("prefix").cloned().unwrap_or_default(),
                suffix: o.get("suffix").cloned().unwrap_or_default(),
            })
        }
        ("printer", _) => Err(format!("`{value}`: a printer is `folder` or `escpos ADDRESS [width=42|48]`")),
        ("terminal", _) => Err(format!(
            "`{value}`: a terminal is `sim`, `concert ADDRESS [pos=N]` or `caisse-ap HOST:PORT [pos=N]`"
        )),
        ("scale", _) => Err(format!("`{value}`: a scale is `toledo8217 ADDRESS` or `dialog06 ADDRESS`")),
        ("scanner", _) => {
            Err(format!("`{value}`: a scanner is `serial ADDRESS [prefix=TEXT] [suffix=TEXT]`"))
        }
        _ => Err(format!("no device `{name}`: the devices are {}", NAMES.join(", "))),
    }
}

fn device_error(e: impl std::fmt::Display) -> TillError {
    TillError::Device(e.to_string())
}

/// A configured ESC/POS printer, opened when first needed and again after it was lost: a printer
/// unplugged or switched off when the till starts does not stop the till from opening and selling
/// (tickets are journaled; the engine says the receipt is to be reprinted once it is back).
struct PrinterOnLink {
    address: Address,
    printer: Option<EscPosPrinter>,
}

impl PrinterOnLink {
    fn connected(&mut self) -> Result<&mut EscPosPrinter, PrinterError> {
        match self.printer {
            Some(ref mut p) => Ok(p),
            None => {
                let link = self.address.open(SerialSettings::B9600_8N1).map_err(|e| PrinterError {
                    kind: PrinterErrorKind::Disconnected,
                    message: format!("{e}: check its cable and that it is switched on"),
                })?;
                Ok(self.printer.insert(EscPosPrinter::new(link, Duration::from_secs(2))))
            }
        }
    }

    /// Forgets a link that is gone, so that the next use opens it again.
    fn keep<T>(&mut self, r: Result<T, PrinterError>) -> Result<T, PrinterError> {
        if let Err(e) = &r
            && e.kind == PrinterErrorKind::Disconnected
            && self.printer.as_ref().is_some_and(|p| p.waiting() == 0)
        {
            self.printer = None;
        }
        r
    }
}

impl ReceiptPrinter for PrinterOnLink {
    fn print(&mut self, receipt: &pos_drivers::receipt::Receipt) -> Result<(), PrinterError> {
        let r = self.connected().and_then(|p| p.print(receipt));
        self.keep(r)
    }

    fn open_drawer(&mut self) -> Result<(), PrinterError> {
        let r = self.connected().and_then(EscPosPrinter::open_drawer);
        self.keep(r)
    }

    fn retry(&mut self) -> Result<(), PrinterError> {
        let r = self.connected().and_then(EscPosPrinter::retry);
        self.keep(r)
    }

    fn waiting(&self) -> usize {
        self.printer.as_ref().map_or(0, EscPosPrinter::waiting)
    }
}

/// A configured Concert terminal, opened when first needed and again after it was lost; its cancel
/// flag exists from the start, so the window's cancel button works once it is reached.
struct ConcertOnLink {
    address: Address,
    pos: u8,
    log: std::path::PathBuf,
    cancel: Arc<AtomicBool>,
    terminal: Option<Concert>,
}

impl ConcertOnLink {
    fn connected(&mut self) -> Result<&mut Concert, TerminalError> {
        match self.terminal {
            Some(ref mut t) => Ok(t),
            None => {
                let link = self.address.open(SerialSettings::B9600_8N1).map_err(|e| TerminalError {
                    kind: TerminalErrorKind::Unreachable,
                    message: format!("{e}: check the terminal's cable or network, or take another tender"),
                })?;
                let t = Concert::new(link, self.pos, self.log.clone(), Timeouts::default())
                    .with_canceller(Arc::clone(&self.cancel));
                Ok(self.terminal.insert(t))
            }
        }
    }

    fn keep<T>(&mut self, r: Result<T, TerminalError>) -> Result<T, TerminalError> {
        if let Err(e) = &r
            && e.kind == TerminalErrorKind::Unreachable
        {
            self.terminal = None;
        }
        r
    }
}

impl PaymentTerminal for ConcertOnLink {
    fn pay(&mut self, request: &PaymentRequest) -> Result<PaymentOutcome, TerminalError> {
        let r = self.connected().and_then(|t| t.pay(request));
        self.keep(r)
    }

    fn status(&mut self, reference: &str) -> Result<Option<PaymentOutcome>, TerminalError> {
        // Never sent (the terminal could not be reached): nobody was charged, no need to reach it.
        if self.terminal.is_none() && !Concert::was_sent(&self.log, reference)? {
            return Ok(None);
        }
        let r = self.connected().and_then(|t| t.status(reference));
        self.keep(r)
    }

    fn canceller(&self) -> Option<Arc<AtomicBool>> {
        Some(Arc::clone(&self.cancel))
    }
}

/// Opens the receipt printer `spec` describes (`None`: the default). An ESC/POS printer that cannot
/// be reached now is opened again at each print.
pub fn printer(spec: Option<&Spec>, dir: &Path) -> Result<Box<dyn ReceiptPrinter>, TillError> {
    match spec {
        Some(Spec::EscPos { address, .. }) => {
            let printer = address
                .open(SerialSettings::B9600_8N1)
                .ok()
                .map(|link| EscPosPrinter::new(link, Duration::from_secs(2)));
            Ok(Box::new(PrinterOnLink { address: address.clone(), printer }))
        }
        _ => Ok(Box::new(FolderPrinter::new(store::receipts_dir(dir)).map_err(device_error)?)),
    }
}

/// Opens the card terminal `spec` describes; the in-process simulator is returned too, for
/// scripts that steer it.
pub fn terminal(
    spec: Option<&Spec>,
    dir: &Path,
    till_number: u32,
) -> Result<(Box<dyn PaymentTerminal>, Option<SimTerminal>), TillError> {
    let number = u8::try_from(till_number % 100).unwrap_or(0);
    match spec {
        Some(Spec::Concert { address, pos }) => {
            let mut t = ConcertOnLink {
                address: address.clone(),
                pos: pos.unwrap_or(number),
                log: dir.join("concert.log"),
                cancel: Arc::new(AtomicBool::new(false)),
                terminal: None,
            };
            // Opened now when it can be (an error here only means "not yet").
            let _ = t.connected();
            Ok((Box::new(t), None))
        }
        Some(Spec::CaisseAp { address, pos }) => Ok((
            Box::new(CaisseAp::new(
                address,
                pos.unwrap_or(number),
                dir.join("caisse-ap.log"),
                Duration::from_secs(180),
            )),
            None,
        )),
        _ => {
            let sim = SimTerminal::new(dir.join("terminal-sim.log"));
            Ok((Box::new(sim.clone()), Some(sim)))
        }
    }
}

/// Opens the scale `spec` describes.
pub fn scale(spec: &Spec) -> Result<Box<dyn Scale>, TillError> {
    match spec {
        Spec::Scale { protocol, address } => {
            let link = address.open(protocol.serial()).map_err(device_error)?;
            Ok(scale::open(*protocol, link, Duration::from_secs(1)))
        }
        _ => Err(TillError::Refused("not a scale".into())),
    }
}

/// Opens the scanner `spec` describes.
pub fn scanner(spec: &Spec) -> Result<Box<dyn Scanner>, TillError> {
    match spec {
        Spec::Scanner { address, prefix, suffix } => {
            let link = address.open(SerialSettings::B9600_8N1).map_err(device_error)?;
            Ok(Box::new(SerialScanner::new(link, prefix, suffix)))
        }
        _ => Err(TillError::Refused("not a scanner".into())),
    }
}

/// The devices configured in `config` (the till's settings), read.
pub fn configured(config: &BTreeMap<String, String>) -> Vec<(String, Result<Spec, String>)> {
    NAMES
        .iter()
        .filter_map(|n| config.get(&format!("device.{n}")).map(|v| ((*n).to_owned(), parse(n, v))))
        .collect()
}

/// Opens the till in `dir` with the devices its settings name. A printer or Concert terminal that
/// cannot be reached now does not stop the till: each is opened again when next used, and says why
/// it cannot be while it cannot. `quiet` opens without journaling a start (tools).
pub fn open_till(
    dir: &Path,
    clock: crate::engine::Clock,
    quiet: bool,
) -> Result<(crate::engine::Till, Option<SimTerminal>), TillError> {
    let config = crate::engine::stored_config(dir)?;
    let number = store::identity(&store::open_existing(dir)?)?.number;
    let spec = |name: &str| -> Result<Option<Spec>, TillError> {
        config
            .get(&format!("device.{name}"))
            .map(|v| parse(name, v).map_err(|e| TillError::Refused(format!("device.{name}: {e}"))))
            .transpose()
    };
    let printer_spec = spec("printer")?;
    let printer = printer(printer_spec.as_ref(), dir)?;
    let (terminal, sim) = terminal(spec("terminal")?.as_ref(), dir, number)?;
    let mut till = if quiet {
        crate::engine::Till::open_quiet(dir, clock, printer, terminal)?
    } else {
        crate::engine::Till::open(dir, clock, printer, terminal)?
    };
    if let Some(Spec::EscPos { width, .. }) = printer_spec {
        till.set_receipt_width(width);
    }
    // A scale that cannot be opened leaves the till working: weights are then typed in, and
    // `pos-till devices test scale` says what is wrong.
    if let Some(spec) = spec("scale")? {
        till.set_scale(scale(&spec).ok());
    }
    Ok((till, sim))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_or_say_what_is_expected() {
        assert_eq!(parse("printer", "folder"), Ok(Spec::FolderPrinter));
        assert_eq!(
            parse("printer", "escpos tcp:10.0.0.5:9100 width=48"),
            Ok(Spec::EscPos { address: Address::Tcp("10.0.0.5:9100".into()), width: 48 })
        );
        assert!(parse("printer", "escpos tcp:10.0.0.5:9100 width=40").unwrap_err().contains("42 or 48"));
        assert_eq!(
            parse("terminal", "concert serial:/dev/ttyUSB0 pos=3"),
            Ok(Spec::Concert {
                address: Address::Serial { path: "/dev/ttyUSB0".into(), baud: None },
                pos: Some(3)
            })
        );
        assert!(parse("terminal", "concert usb:04b8:0e28").is_err());
        assert!(parse("terminal", "caisse-ap nowhere").unwrap_err().contains("HOST:PORT"));
        assert!(parse("scale", "bizerba serial:/dev/ttyS0").unwrap_err().contains("toledo8217"));
        assert!(parse("drawer", "x").unwrap_err().contains("printer, terminal, scale, scanner"));
        assert_eq!(
            parse("scanner", "serial serial:/dev/ttyACM0 prefix=]E0"),
            Ok(Spec::Scanner {
                address: Address::Serial { path: "/dev/ttyACM0".into(), baud: None },
                prefix: "]E0".into(),
                suffix: String::new()
            })
        );
    }
}
