//! The technician's forms: each device's setting as typed fields (the model, the connection and
//! its serial line), the ports and USB printers found on the machine to pick from, and back to the
//! setting's text, which [`super::parse`] reads: one grammar, whichever way a device is set up.

use serde::{Deserialize, Serialize};

use pos_drivers::link::{Address, BAUDS, Frame, found};
use pos_drivers::scale::ScaleProtocol;

use super::{NAMES, Spec};

/// How a device is connected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Connection {
    /// A serial port (or USB-serial adapter) and its line.
    Serial {
        /// Device path (`/dev/ttyUSB0`, `/dev/serial/by-id/...`).
        path: String,
        /// Speed.
        baud: u32,
        /// Frame: `8N1`, `7E1` ...
        frame: String,
    },
    /// A network device.
    Network {
        /// Host name or address.
        host: String,
        /// Port (9100 for most printers).
        port: u16,
    },
    /// A USB printer through the kernel's `usblp` (`/dev/usb/lp0`).
    Lp {
        /// Device path.
        path: String,
    },
    /// A USB printer through its bulk endpoints.
    Usb {
        /// Vendor id, four hexadecimal digits.
        vendor: String,
        /// Product id, four hexadecimal digits.
        product: String,
    },
}

/// A device's setting as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum Setup {
    /// Printer: receipts as text files in the till's folder.
    Folder,
    /// Printer: ESC/POS.
    Escpos {
        /// Where.
        connection: Connection,
        /// Characters per line: 42 or 48.
        width: u16,
    },
    /// Terminal: the simulated one.
    Sim,
    /// Terminal: Concert.
    Concert {
        /// Where (serial or network).
        connection: Connection,
        /// Till number set on the terminal (the till's own when left out).
        pos: Option<u8>,
    },
    /// Terminal: Caisse-AP over IP.
    CaisseAp {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// Till number set on the terminal.
        pos: Option<u8>,
    },
    /// Scale: Mettler Toledo 8217.
    Toledo8217 {
        /// Where (serial).
        connection: Connection,
    },
    /// Scale: Dialog 06 (price computing).
    Dialog06 {
        /// Where (serial).
        connection: Connection,
    },
    /// Scanner on a serial line.
    SerialScanner {
        /// Where (serial).
        connection: Connection,
        /// What the scanner puts before each code.
        prefix: String,
        /// What it puts after.
        suffix: String,
    },
    /// No scale, or no serial scanner.
    None,
}

/// The models each device may be, the first being its default.
pub fn models(device: &str) -> &'static [&'static str] {
    match device {
        "printer" => &["folder", "escpos"],
        "terminal" => &["sim", "concert", "caisse_ap"],
        "scale" => &["none", "toledo8217", "dialog06"],
        _ => &["none", "serial_scanner"],
    }
}

fn connection_of(address: &Address, spec: &Spec) -> Connection {
    match address {
        Address::Tcp(a) => {
            let (host, port) = a.rsplit_once(':').unwrap_or((a, "0"));
            Connection::Network { host: host.to_owned(), port: port.parse().unwrap_or(0) }
        }
        Address::Serial { path, .. } => {
            let line = address.line(spec.line_defaults());
            Connection::Serial { path: path.clone(), baud: line.baud, frame: line.frame.to_string() }
        }
        Address::Lp(path) => Connection::Lp { path: path.clone() },
        Address::Usb { vendor, product } => {
            Connection::Usb { vendor: format!("{vendor:04x}"), product: format!("{product:04x}") }
        }
    }
}

impl Setup {
    /// The form of a setting.
    pub fn of(spec: &Spec) -> Setup {
        match spec {
            Spec::FolderPrinter => Setup::Folder,
            Spec::EscPos { address, width } => Setup::Escpos {
                connection: connection_of(address, spec),
                width: u16::try_from(*width).unwrap_or(42),
            },
            Spec::SimTerminal => Setup::Sim,
            Spec::Concert { address, pos } => {
                Setup::Concert { connection: connection_of(address, spec), pos: *pos }
            }
            Spec::CaisseAp { address, pos } => {
                let (host, port) = address.rsplit_once(':').unwrap_or((address, "0"));
                Setup::CaisseAp { host: host.to_owned(), port: port.parse().unwrap_or(0), pos: *pos }
            }
            Spec::Scale { protocol: ScaleProtocol::Toledo8217, address } => {
                Setup::Toledo8217 { connection: connection_of(address, spec) }
            }
            Spec::Scale { protocol: ScaleProtocol::Dialog06, address } => {
                Setup::Dialog06 { connection: connection_of(address, spec) }
            }
            Spec::Scanner { address, prefix, suffix } => Setup::SerialScanner {
                connection: connection_of(address, spec),
                prefix: prefix.clone(),
                suffix: suffix.clone(),
            },
            Spec::None => Setup::None,
        }
    }

    /// The setting of device `device` this form says, checked as a typed one is.
    pub fn spec(&self, device: &str) -> Result<Spec, String> {
        let address = |c: &Connection| -> Result<String, String> {
            Ok(match c {
                Connection::Serial { path, baud, frame } => {
                    let frame = Frame::parse(frame)
                        .ok_or_else(|| format!("`{frame}` is not a frame: 8N1, 7E1, 7O1 ..."))?;
                    if path.trim().is_empty() || path.contains(char::is_whitespace) {
                        return Err("choose the serial port (a path without spaces)".into());
                    }
                    format!("serial:{path}@{baud},{frame}")
                }
                Connection::Network { host, port } => {
                    if host.trim().is_empty() || host.contains(char::is_whitespace) {
                        return Err("give the device's network address".into());
                    }
                    format!("tcp:{host}:{port}")
                }
                Connection::Lp { path } => format!("lp:{path}"),
                Connection::Usb { vendor, product } => format!("usb:{vendor}:{product}"),
            })
        };
        let pos = |p: &Option<u8>| p.map(|n| format!(" pos={n}")).unwrap_or_default();
        let text = match self {
            Setup::Folder => "folder".to_owned(),
            Setup::Escpos { connection, width } => format!("escpos {} width={width}", address(connection)?),
            Setup::Sim => "sim".to_owned(),
            Setup::Concert { connection, pos: p } => format!("concert {}{}", address(connection)?, pos(p)),
            Setup::CaisseAp { host, port, pos: p } => format!("caisse-ap {host}:{port}{}", pos(p)),
            Setup::Toledo8217 { connection } => format!("toledo8217 {}", address(connection)?),
            Setup::Dialog06 { connection } => format!("dialog06 {}", address(connection)?),
            Setup::SerialScanner { connection, prefix, suffix } => {
                if prefix.contains(char::is_whitespace) || suffix.contains(char::is_whitespace) {
                    return Err("a prefix or suffix with spaces cannot be set".into());
                }
                let mut t = format!("serial {}", address(connection)?);
                if !prefix.is_empty() {
                    t.push_str(&format!(" prefix={prefix}"));
                }
                if !suffix.is_empty() {
                    t.push_str(&format!(" suffix={suffix}"));
                }
                t
            }
            Setup::None => "none".to_owned(),
        };
        super::parse(device, &text)
    }
}

/// A port found on the machine, for the forms.
#[derive(Clone, Debug, Serialize)]
pub struct Found {
    /// The connection to put in the form.
    pub connection: Connection,
    /// What the system says of it.
    pub description: String,
}

/// One device's form.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceForm {
    /// `printer`, `terminal`, `scale`, `scanner`.
    pub device: &'static str,
    /// Its setting (the default when it has none).
    pub setup: Setup,
    /// The setting's text.
    pub setting: String,
    /// The models it may be.
    pub models: &'static [&'static str],
}

/// Everything the technician's screen needs.
#[derive(Clone, Debug, Serialize)]
pub struct Forms {
    /// Each device.
    pub devices: Vec<DeviceForm>,
    /// Ports and USB printers found on the machine.
    pub found: Vec<Found>,
    /// Speeds a serial line may have.
    pub bauds: Vec<u32>,
    /// Frames a serial line may have.
    pub frames: Vec<String>,
    /// Each model's usual serial line (`9600,7E1`).
    pub lines: Vec<(&'static str, String)>,
}

/// The forms for the settings in `config`.
pub fn forms(config: &std::collections::BTreeMap<String, String>) -> Forms {
    let devices = NAMES
        .iter()
        .map(|&device| {
            let spec = super::spec_of(config, device).ok().flatten().unwrap_or(match device {
                "printer" => Spec::FolderPrinter,
                "terminal" => Spec::SimTerminal,
                _ => Spec::None,
            });
            DeviceForm { device, setup: Setup::of(&spec), setting: spec.to_string(), models: models(device) }
        })
        .collect();
    let found = found()
        .into_iter()
        .filter_map(|p| {
            let address = Address::parse(&p.address).ok()?;
            let connection = match &address {
                Address::Serial { path, .. } => {
                    Connection::Serial { path: path.clone(), baud: 9600, frame: "8N1".into() }
                }
                Address::Lp(path) => Connection::Lp { path: path.clone() },
                Address::Usb { vendor, product } => {
                    Connection::Usb { vendor: format!("{vendor:04x}"), product: format!("{product:04x}") }
                }
                Address::Tcp(_) => return None,
            };
            Some(Found { connection, description: p.description })
        })
        .collect();
    let lines = [
        ("escpos", pos_drivers::link::LineSettings::B9600_8N1),
        ("concert", pos_drivers::link::LineSettings::B9600_7E1),
        ("toledo8217", ScaleProtocol::Toledo8217.serial()),
        ("dialog06", ScaleProtocol::Dialog06.serial()),
        ("serial_scanner", pos_drivers::link::LineSettings::B9600_8N1),
    ]
    .into_iter()
    .map(|(m, l)| (m, l.to_string()))
    .collect();
    Forms {
        devices,
        found,
        bauds: BAUDS.to_vec(),
        frames: ["8N1", "7E1", "7O1", "8E1", "8O1", "7E2", "7O2", "8N2"].map(str::to_owned).to_vec(),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_and_a_setting_say_the_same() {
        for (device, text) in [
            ("printer", "escpos serial:/dev/ttyUSB0@19200,8N1 width=48"),
            ("printer", "escpos tcp:10.0.0.5:9100 width=42"),
            ("printer", "escpos usb:04b8:0e28 width=42"),
            ("terminal", "concert serial:/dev/ttyS0@9600,7E1 pos=4"),
            ("terminal", "caisse-ap 10.0.0.7:8888"),
            ("scale", "dialog06 serial:/dev/ttyUSB1@9600,7O1"),
            ("scanner", "serial serial:/dev/ttyACM0@9600,8N1 prefix=]E0"),
            ("scale", "none"),
        ] {
            let spec = super::super::parse(device, text).unwrap();
            let form = Setup::of(&spec);
            assert_eq!(form.spec(device).unwrap().to_string(), text, "{device}");
            // And through JSON, as the window sends it.
            let back: Setup = serde_json::from_value(serde_json::to_value(&form).unwrap()).unwrap();
            assert_eq!(back, form);
        }
    }

    #[test]
    fn a_serial_line_left_to_the_protocol_shows_the_protocols() {
        let spec = super::super::parse("terminal", "concert serial:/dev/ttyS0").unwrap();
        assert_eq!(
            Setup::of(&spec),
            Setup::Concert {
                connection: Connection::Serial { path: "/dev/ttyS0".into(), baud: 9600, frame: "7E1".into() },
                pos: None
            }
        );
    }

    #[test]
    fn a_form_that_does_not_hold_is_refused_with_why() {
        let bad_frame = Setup::Toledo8217 {
            connection: Connection::Serial { path: "/dev/ttyS0".into(), baud: 9600, frame: "9E1".into() },
        };
        assert!(bad_frame.spec("scale").unwrap_err().contains("not a frame"));
        let bad_speed = Setup::Toledo8217 {
            connection: Connection::Serial { path: "/dev/ttyS0".into(), baud: 9601, frame: "7E1".into() },
        };
        assert!(bad_speed.spec("scale").unwrap_err().contains("9601"));
        let wrong_device = Setup::Sim;
        assert!(wrong_device.spec("scale").is_err());
        let scale_on_network =
            Setup::Toledo8217 { connection: Connection::Network { host: "10.0.0.9".into(), port: 4001 } };
        assert!(scale_on_network.spec("scale").unwrap_err().contains("serial"));
        let unknown: Result<Setup, _> = serde_json::from_str(
            r#"{"model":"escpos","connection":{"kind":"lp","path":"/dev/usb/lp0"},"width":42,"colour":1}"#,
        );
        assert!(unknown.is_err(), "unknown fields are refused");
    }
}
