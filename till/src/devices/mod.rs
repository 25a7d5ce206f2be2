//! The till's peripherals as configured: each is a setting `device.NAME` whose value says which
//! driver and where, changed by a manager or technician (`pos-till devices set`, or the window's
//! device forms, [`setup`]), journaled as a configuration event like every setting.
//!
//! | device | value | |
//! |---|---|---|
//! | `printer` | `folder` | receipts as text files in `DATA/receipts` (the default) |
//! | | `escpos ADDRESS [width=42\|48]` | an ESC/POS printer on `tcp:`, `serial:` (9600 8N1 unless said), `lp:` or `usb:` |
//! | `terminal` | `sim` | the in-process simulated terminal (the default) |
//! | | `concert ADDRESS [pos=N]` | Concert over `serial:` (9600 7E1 unless said) or `tcp:`; `pos` defaults to the till number |
//! | | `caisse-ap HOST:PORT [pos=N]` | Caisse-AP over IP |
//! | `scale` | `toledo8217 ADDRESS` (9600 7E1) or `dialog06 ADDRESS` (9600 7O1) | a serial scale |
//! | | `none` | no scale (the default): weights are typed |
//! | `scanner` | `serial ADDRESS [prefix=TEXT] [suffix=TEXT]` | a serial scanner (9600 8N1 unless said) |
//! | | `none` | keyboard-wedge scanners only (the default) |
//!
//! A serial address carries the line when it is not the protocol's usual one:
//! `serial:/dev/ttyUSB0@19200,8N1`. Every device's link is opened again after it breaks, at the
//! same address ([`pos_drivers::link::Reopening`]): a printer unplugged or rebooted, a scale
//! power-cycled, a terminal's cable pulled, are found again without restarting the till.
//!
//! Terminal drivers keep their transaction log beside the database (`concert.log`, `caisse-ap.log`).

pub mod setup;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use pos_drivers::caisse_ap::CaisseAp;
use pos_drivers::concert::{Concert, Timeouts};
use pos_drivers::link::{Address, Backoff, LineSettings, Link, Reopening};
use pos_drivers::printer::{EscPosPrinter, FolderPrinter, PrinterError, ReceiptPrinter};
use pos_drivers::scale::{self, Scale, ScaleProtocol};
use pos_drivers::scanner::{Scanner, SerialScanner};
use pos_drivers::terminal::{PaymentTerminal, SimTerminal};

use crate::error::TillError;
use crate::reason::Reason;
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
    /// No scale, or no serial scanner.
    None,
}

impl Spec {
    /// The serial line the device's protocol usually runs on (what a serial address that says
    /// nothing of its line gets).
    pub fn line_defaults(&self) -> LineSettings {
        match self {
            Spec::Concert { .. } => LineSettings::B9600_7E1,
            Spec::Scale { protocol, .. } => protocol.serial(),
            _ => LineSettings::B9600_8N1,
        }
    }
}

impl fmt::Display for Spec {
    /// The setting's text, as [`parse`] reads it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pos = |p: &Option<u8>| p.map(|n| format!(" pos={n}")).unwrap_or_default();
        match self {
            Spec::FolderPrinter => write!(f, "folder"),
            Spec::EscPos { address, width } => write!(f, "escpos {address} width={width}"),
            Spec::SimTerminal => write!(f, "sim"),
            Spec::Concert { address, pos: p } => write!(f, "concert {address}{}", pos(p)),
            Spec::CaisseAp { address, pos: p } => write!(f, "caisse-ap {address}{}", pos(p)),
            Spec::Scale { protocol, address } => write!(f, "{} {address}", protocol.as_str()),
            Spec::Scanner { address, prefix, suffix } => {
                write!(f, "serial {address}")?;
                if !prefix.is_empty() {
                    write!(f, " prefix={prefix}")?;
                }
                if !suffix.is_empty() {
                    write!(f, " suffix={suffix}")?;
                }
                Ok(())
            }
            Spec::None => write!(f, "none"),
        }
    }
}

fn options(words: &[&str], known: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for w in words {
        let (k, v) = w.split_once('=').ok_or_else(|| format!("`{w}` is not an option (write name=value)"))?;
        if !known.contains(&k) {
            return Err(format!("`{k}` is not an option here (the options are {})", known.join(", ")));
        }
        if out.insert(k.to_owned(), v.to_owned()).is_some() {
            return Err(format!("`{k}` is given twice"));
        }
    }
    Ok(out)
}

/// Reads the setting of device `name`.
pub fn parse(name: &str, value: &str) -> Result<Spec, String> {
    let words: Vec<&str> = value.split_whitespace().collect();
    let address = |i: usize| -> Result<Address, String> {
        let w = words.get(i).ok_or_else(|| format!("`{value}` needs an address"))?;
        Address::parse(w).map_err(|e| e.to_string())
    };
    let rest = || words.get(2..).unwrap_or_default();
    let pos = |o: &BTreeMap<String, String>| -> Result<Option<u8>, String> {
        o.get("pos")
            .map(|p| {
                p.parse::<u8>()
                    .ok()
                    .filter(|n| *n <= 99)
                    .ok_or_else(|| format!("pos={p} is not a till number (0-99)"))
            })
            .transpose()
    };
    match (name, words.first().copied()) {
        ("printer", Some("folder")) if words.len() == 1 => Ok(Spec::FolderPrinter),
        ("printer", Some("escpos")) => {
            let o = options(rest(), &["width"])?;
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
            Ok(Spec::Concert { address, pos: pos(&options(rest(), &["pos"])?)? })
        }
        ("terminal", Some("caisse-ap")) => {
            let a = words.get(1).ok_or("caisse-ap needs HOST:PORT")?;
            if !matches!(Address::parse(&format!("tcp:{a}")), Ok(Address::Tcp(_))) {
                return Err(format!("`{a}` is not HOST:PORT"));
            }
            Ok(Spec::CaisseAp { address: (*a).to_owned(), pos: pos(&options(rest(), &["pos"])?)? })
        }
        ("scale" | "scanner", Some("none")) if words.len() == 1 => Ok(Spec::None),
        ("scale", Some(p)) if ScaleProtocol::parse(p).is_some() => {
            options(rest(), &[])?;
            let address = address(1)?;
            if !matches!(address, Address::Serial { .. }) {
                return Err("a scale is on a serial line: serial:PATH".into());
            }
            Ok(Spec::Scale {
                protocol: ScaleProtocol::parse(p).unwrap_or(ScaleProtocol::Toledo8217),
                address,
            })
        }
        ("scanner", Some("serial")) => {
            let o = options(rest(), &["prefix", "suffix"])?;
            let address = address(1)?;
            if !matches!(address, Address::Serial { .. }) {
                return Err("a serial scanner is on serial:PATH".into());
            }
            Ok(Spec::Scanner {
                address,
                prefix: o.get("prefix").cloned().unwrap_or_default(),
                suffix: o.get("suffix").cloned().unwrap_or_default(),
            })
        }
        ("printer", _) => Err(format!("`{value}`: a printer is `folder` or `escpos ADDRESS [width=42|48]`")),
        ("terminal", _) => Err(format!(
            "`{value}`: a terminal is `sim`, `concert ADDRESS [pos=N]` or `caisse-ap HOST:PORT [pos=N]`"
        )),
        ("scale", _) => {
            Err(format!("`{value}`: a scale is `toledo8217 ADDRESS`, `dialog06 ADDRESS` or `none`"))
        }
        ("scanner", _) => {
            Err(format!("`{value}`: a scanner is `serial ADDRESS [prefix=TEXT] [suffix=TEXT]` or `none`"))
        }
        _ => Err(format!("no device `{name}`: the devices are {}", NAMES.join(", "))),
    }
}

fn device_error(e: impl fmt::Display) -> TillError {
    TillError::Device(Reason::DeviceFailed { device: "printer".into(), message: e.to_string() })
}

/// A printer's failure, with its fault for the window to word.
pub fn printer_error(e: PrinterError) -> TillError {
    TillError::Device(printer_reason(e))
}

/// A printer's failure as a reason the window words.
pub fn printer_reason(e: PrinterError) -> Reason {
    Reason::Printer { fault: e.kind, message: e.message }
}

/// The link to a device at `address`, opened when first used and again after each break, pausing
/// from a quarter of a second up to `max` between failed opens.
pub fn reopening(address: &Address, line: LineSettings, max: Duration) -> Box<dyn Link> {
    Box::new(Reopening::new(address.clone(), line, Backoff::new(Duration::from_millis(250), max)))
}

/// The same, opened now if it can be: a device that talks of its own accord (a scanner) loses what
/// it says while nobody has its port open.
pub fn reopening_now(address: &Address, line: LineSettings, max: Duration) -> Box<dyn Link> {
    let mut link = Reopening::new(address.clone(), line, Backoff::new(Duration::from_millis(250), max));
    // Not there yet is not an error: it is opened when it is.
    let _ = link.open_now();
    Box::new(link)
}

/// The receipt printer `spec` describes (`None`: the default). Nothing is opened yet: a printer
/// that is off when the till starts does not stop it from selling.
pub fn printer(spec: Option<&Spec>, dir: &Path) -> Result<Box<dyn ReceiptPrinter>, TillError> {
    match spec {
        Some(s @ Spec::EscPos { address, .. }) => Ok(Box::new(EscPosPrinter::new(
            reopening(address, s.line_defaults(), Duration::from_secs(2)),
            Duration::from_secs(2),
        ))),
        _ => Ok(Box::new(FolderPrinter::new(store::receipts_dir(dir)).map_err(device_error)?)),
    }
}

/// The card terminal `spec` describes; the in-process simulator is returned too, for scripts that
/// steer it.
pub fn terminal(
    spec: Option<&Spec>,
    dir: &Path,
    till_number: u32,
) -> Result<(Box<dyn PaymentTerminal>, Option<SimTerminal>), TillError> {
    let number = u8::try_from(till_number % 100).unwrap_or(0);
    match spec {
        Some(s @ Spec::Concert { address, pos }) => Ok((
            Box::new(Concert::new(
                reopening(address, s.line_defaults(), Duration::from_secs(5)),
                pos.unwrap_or(number),
                dir.join("concert.log"),
                Timeouts::default(),
            )),
            None,
        )),
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

/// The scale `spec` describes, its link opened when first read and again after each break.
pub fn scale(spec: &Spec) -> Result<Box<dyn Scale>, TillError> {
    match spec {
        Spec::Scale { protocol, address } => Ok(scale::open(
            *protocol,
            reopening(address, spec.line_defaults(), Duration::from_secs(2)),
            Duration::from_secs(1),
        )),
        _ => Err(TillError::refused("not a scale")),
    }
}

/// The scanner `spec` describes, its link opened when first read and again after each break.
pub fn scanner(spec: &Spec) -> Result<Box<dyn Scanner>, TillError> {
    match spec {
        Spec::Scanner { address, prefix, suffix } => Ok(Box::new(SerialScanner::new(
            reopening_now(address, spec.line_defaults(), Duration::from_secs(2)),
            prefix,
            suffix,
        ))),
        _ => Err(TillError::refused("not a scanner")),
    }
}

/// The devices configured in `config` (the till's settings), read.
pub fn configured(config: &BTreeMap<String, String>) -> Vec<(String, Result<Spec, String>)> {
    NAMES
        .iter()
        .filter_map(|n| config.get(&format!("device.{n}")).map(|v| ((*n).to_owned(), parse(n, v))))
        .collect()
}

/// The setting of device `name` in `config`, read (`None` when it has none).
pub fn spec_of(config: &BTreeMap<String, String>, name: &str) -> Result<Option<Spec>, TillError> {
    config
        .get(&format!("device.{name}"))
        .map(|v| parse(name, v).map_err(|e| TillError::refused(format!("device.{name}: {e}"))))
        .transpose()
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
        assert!(
            parse("printer", "escpos tcp:10.0.0.5:9100 colour=red").unwrap_err().contains("not an option")
        );
        assert_eq!(
            parse("terminal", "concert serial:/dev/ttyUSB0 pos=3"),
            Ok(Spec::Concert {
                address: Address::Serial { path: "/dev/ttyUSB0".into(), baud: None, frame: None },
                pos: Some(3)
            })
        );
        assert!(parse("terminal", "concert serial:/dev/ttyUSB0 pos=150").unwrap_err().contains("0-99"));
        assert!(parse("terminal", "concert usb:04b8:0e28").is_err());
        assert!(parse("terminal", "caisse-ap nowhere").unwrap_err().contains("HOST:PORT"));
        assert!(parse("scale", "bizerba serial:/dev/ttyS0").unwrap_err().contains("toledo8217"));
        assert!(parse("scale", "toledo8217 tcp:10.0.0.9:4001").unwrap_err().contains("serial"));
        assert_eq!(parse("scale", "none"), Ok(Spec::None));
        assert!(parse("drawer", "x").unwrap_err().contains("printer, terminal, scale, scanner"));
        assert_eq!(
            parse("scanner", "serial serial:/dev/ttyACM0 prefix=]E0"),
            Ok(Spec::Scanner {
                address: Address::Serial { path: "/dev/ttyACM0".into(), baud: None, frame: None },
                prefix: "]E0".into(),
                suffix: String::new()
            })
        );
    }

    #[test]
    fn every_setting_prints_back_as_it_reads() {
        for (name, text) in [
            ("printer", "folder"),
            ("printer", "escpos serial:/dev/ttyUSB0@19200,8N1 width=48"),
            ("printer", "escpos lp:/dev/usb/lp0 width=42"),
            ("terminal", "sim"),
            ("terminal", "concert serial:/dev/ttyS0@9600,7E1 pos=4"),
            ("terminal", "caisse-ap 10.0.0.7:8888"),
            ("scale", "dialog06 serial:/dev/ttyUSB1@9600,7O1"),
            ("scale", "none"),
            ("scanner", "serial serial:/dev/ttyACM0 prefix=]E0 suffix=#"),
        ] {
            assert_eq!(parse(name, text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn each_protocol_has_its_usual_line() {
        let concert = parse("terminal", "concert serial:/dev/ttyS0").unwrap();
        assert_eq!(concert.line_defaults(), LineSettings::B9600_7E1);
        let dialog = parse("scale", "dialog06 serial:/dev/ttyS0").unwrap();
        assert_eq!(dialog.line_defaults(), LineSettings::B9600_7O1);
        let printer = parse("printer", "escpos serial:/dev/ttyS0").unwrap();
        assert_eq!(printer.line_defaults(), LineSettings::B9600_8N1);
    }
}
