//! The ports and USB printers found on this machine, for the technician to pick from.

use rusb::UsbContext;
use serde::Serialize;

/// What kind of port was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FoundKind {
    /// A serial port (built in, or a USB-serial adapter).
    Serial,
    /// A USB printer the kernel's `usblp` driver holds (`/dev/usb/lp*`).
    Lp,
    /// A USB printer reached through its bulk endpoints.
    Usb,
}

/// A port found on the machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FoundPort {
    /// The address to configure (`serial:/dev/ttyUSB0`, `lp:/dev/usb/lp0`, `usb:04b8:0e28`).
    pub address: String,
    /// What it is.
    pub kind: FoundKind,
    /// What the system says of it (maker and product of a USB device), for people.
    pub description: String,
}

/// Serial ports the system lists (with their stable `/dev/serial/by-id` names when there are some),
/// the kernel's USB printer devices, and USB devices with a printer interface. Pseudo-terminals are
/// not listed: configure them by path.
pub fn found() -> Vec<FoundPort> {
    let mut out: Vec<FoundPort> = serialport::available_ports()
        .map(|ports| {
            ports
                .into_iter()
                .map(|p| {
                    let description = match p.port_type {
                        serialport::SerialPortType::UsbPort(u) => {
                            let names: Vec<String> =
                                [u.manufacturer, u.product].into_iter().flatten().collect();
                            format!("USB {:04x}:{:04x} {}", u.vid, u.pid, names.join(" "))
                                .trim_end()
                                .to_owned()
                        }
                        serialport::SerialPortType::PciPort => "built-in serial port".to_owned(),
                        serialport::SerialPortType::BluetoothPort => "Bluetooth serial port".to_owned(),
                        serialport::SerialPortType::Unknown => "serial port".to_owned(),
                    };
                    FoundPort {
                        address: format!("serial:{}", p.port_name),
                        kind: FoundKind::Serial,
                        description,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    out.extend(listed("/dev/serial/by-id", |_| true).into_iter().map(|p| FoundPort {
        description: format!(
            "stable name of {}",
            std::fs::canonicalize(&p).map_or_else(|_| "a serial port".to_owned(), |t| t.display().to_string())
        ),
        address: format!("serial:{}", p.display()),
        kind: FoundKind::Serial,
    }));
    out.extend(listed("/dev/usb", |n| n.starts_with("lp")).into_iter().map(|p| FoundPort {
        address: format!("lp:{}", p.display()),
        kind: FoundKind::Lp,
        description: "USB printer (kernel usblp)".to_owned(),
    }));
    out.extend(usb_printers());
    out
}

fn listed(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<std::path::PathBuf> {
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| keep(&n.to_string_lossy())))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
}

/// USB devices with an interface of the printer class.
fn usb_printers() -> Vec<FoundPort> {
    let Ok(context) = rusb::Context::new() else { return Vec::new() };
    let Ok(devices) = context.devices() else { return Vec::new() };
    devices
        .iter()
        .filter_map(|d| {
            let dd = d.device_descriptor().ok()?;
            let config = d.active_config_descriptor().ok()?;
            let printer = config
                .interfaces()
                .flat_map(|i| i.descriptors())
                .any(|i| i.class_code() == crate::usb::PRINTER_CLASS);
            if !printer {
                return None;
            }
            let product = d.open().ok().and_then(|h| h.read_product_string_ascii(&dd).ok());
            Some(FoundPort {
                address: format!("usb:{:04x}:{:04x}", dd.vendor_id(), dd.product_id()),
                kind: FoundKind::Usb,
                description: product.unwrap_or_else(|| "USB printer".to_owned()),
            })
        })
        .collect()
}
