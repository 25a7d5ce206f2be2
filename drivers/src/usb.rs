//! A USB printer's bulk endpoints through libusb (`rusb`), for systems where the kernel's `usblp`
//! driver does not claim the printer (the `lp:` link is simpler where it does).
//!
//! The link claims the printer-class interface (class 7), or failing that the first interface with
//! a bulk OUT endpoint, detaching the kernel driver while it holds it. A printer interface often
//! has alternate settings: unidirectional (OUT only) and bidirectional (OUT and IN); the link
//! chooses one with both endpoints when there is one, so that status answers (`DLE EOT`) come back
//! on the bulk IN endpoint. A printer with no IN endpoint prints without status.

use std::time::Duration;

use rusb::{TransferType, UsbContext};

use crate::link::{BackChannel, Link, LinkError};

/// USB class code of printers.
pub const PRINTER_CLASS: u8 = 7;

/// One interface as its descriptors describe it: what [`pick`] chooses from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// Interface number.
    pub number: u8,
    /// Alternate setting.
    pub alternate: u8,
    /// Class code.
    pub class: u8,
    /// Endpoints: address and whether it is a bulk endpoint.
    pub endpoints: Vec<(u8, bool)>,
}

/// The interface, alternate setting and endpoints to use: `(interface, alternate, bulk OUT, bulk IN
/// if any)`. A printer-class setting comes first, and among settings of the same class one with an IN
/// endpoint (status) before one without.
pub fn pick(interfaces: &[InterfaceInfo]) -> Option<(u8, u8, u8, Option<u8>)> {
    let out_of =
        |i: &InterfaceInfo| i.endpoints.iter().find(|&&(a, bulk)| bulk && a & 0x80 == 0).map(|e| e.0);
    let in_of = |i: &InterfaceInfo| i.endpoints.iter().find(|&&(a, bulk)| bulk && a & 0x80 != 0).map(|e| e.0);
    let rank = |i: &InterfaceInfo| (i.class != PRINTER_CLASS, in_of(i).is_none());
    let chosen = interfaces.iter().filter(|i| out_of(i).is_some()).min_by_key(|i| rank(i))?;
    Some((chosen.number, chosen.alternate, out_of(chosen)?, in_of(chosen)))
}

/// A claimed USB interface.
pub struct UsbLink {
    handle: rusb::DeviceHandle<rusb::Context>,
    interface: u8,
    out: u8,
    input: Option<u8>,
    name: String,
}

/// Opens the first device with these ids.
pub fn open(vendor: u16, product: u16) -> Result<Box<dyn Link>, LinkError> {
    let name = format!("usb:{vendor:04x}:{product:04x}");
    let gone = |why: String| LinkError::Disconnected(format!("{name}: {why}"));
    // A context that fails to start (no USB on this machine) is an error, not a panic.
    let context = rusb::Context::new().map_err(|e| gone(format!("USB is not available here ({e})")))?;
    let device = context
        .devices()
        .map_err(|e| gone(format!("cannot list USB devices ({e})")))?
        .iter()
        .find(|d| {
            d.device_descriptor().is_ok_and(|dd| dd.vendor_id() == vendor && dd.product_id() == product)
        })
        .ok_or_else(|| gone("no such device is plugged in: check the cable and the ids (lsusb)".into()))?;
    let config = device
        .active_config_descriptor()
        .map_err(|e| gone(format!("cannot read its configuration ({e})")))?;
    let interfaces: Vec<InterfaceInfo> = config
        .interfaces()
        .flat_map(|i| i.descriptors())
        .map(|d| InterfaceInfo {
            number: d.interface_number(),
            alternate: d.setting_number(),
            class: d.class_code(),
            endpoints: d
                .endpoint_descriptors()
                .map(|e| (e.address(), e.transfer_type() == TransferType::Bulk))
                .collect(),
        })
        .collect();
    let (interface, alternate, out, input) =
        pick(&interfaces).ok_or_else(|| gone("it has no bulk OUT endpoint: it is not a printer".into()))?;
    let handle = device
        .open()
        .map_err(|e| gone(format!("cannot open it ({e}): check the permissions (udev rule)")))?;
    let _ = handle.set_auto_detach_kernel_driver(true);
    handle
        .claim_interface(interface)
        .map_err(|e| gone(format!("cannot claim interface {interface} ({e})")))?;
    if alternate != 0 {
        handle
            .set_alternate_setting(interface, alternate)
            .map_err(|e| gone(format!("cannot choose setting {alternate} of interface {interface} ({e})")))?;
    }
    Ok(Box::new(UsbLink { handle, interface, out, input, name }))
}

impl Drop for UsbLink {
    fn drop(&mut self) {
        let _ = self.handle.release_interface(self.interface);
    }
}

fn usb_error(name: &str, e: rusb::Error, timeout: Duration) -> LinkError {
    match e {
        rusb::Error::Timeout => LinkError::Timeout(timeout),
        e => LinkError::Disconnected(format!("{name}: {e}")),
    }
}

impl Link for UsbLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let mut rest = bytes;
        let timeout = Duration::from_secs(10);
        while !rest.is_empty() {
            let n = self
                .handle
                .write_bulk(self.out, rest, timeout)
                .map_err(|e| usb_error(&self.name, e, timeout))?;
            rest = &rest[n..];
        }
        Ok(())
    }

    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        let Some(input) = self.input else {
            std::thread::sleep(timeout);
            return Err(LinkError::Timeout(timeout));
        };
        match self.handle.read_bulk(input, buf, timeout) {
            Ok(0) => Err(LinkError::Timeout(timeout)),
            Ok(n) => Ok(n),
            Err(e) => Err(usb_error(&self.name, e, timeout)),
        }
    }

    fn describe(&self) -> String {
        self.name.clone()
    }

    fn back_channel(&self) -> BackChannel {
        if self.input.is_some() { BackChannel::Yes } else { BackChannel::No }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printer_interface_and_its_bulk_endpoints_are_chosen() {
        let info = |number, alternate, class, endpoints: &[(u8, bool)]| InterfaceInfo {
            number,
            alternate,
            class,
            endpoints: endpoints.to_vec(),
        };
        let hid = info(0, 0, 3, &[(0x81, false)]);
        let vendor = info(1, 0, 0xff, &[(0x02, true), (0x83, true)]);
        let printer = info(2, 0, PRINTER_CLASS, &[(0x84, true), (0x05, true)]);
        assert_eq!(pick(&[hid.clone(), vendor.clone(), printer]), Some((2, 0, 0x05, Some(0x84))));
        assert_eq!(pick(&[hid.clone(), vendor]), Some((1, 0, 0x02, Some(0x83))));
        let write_only = info(0, 0, PRINTER_CLASS, &[(0x01, true)]);
        assert_eq!(pick(std::slice::from_ref(&write_only)), Some((0, 0, 0x01, None)));
        // A printer whose first setting is unidirectional and whose second has the IN endpoint.
        let bidirectional = info(0, 1, PRINTER_CLASS, &[(0x01, true), (0x82, true)]);
        assert_eq!(pick(&[write_only, bidirectional]), Some((0, 1, 0x01, Some(0x82))));
        assert_eq!(pick(&[hid]), None);
    }

    #[test]
    fn a_device_that_is_not_there_is_a_clear_disconnection() {
        let e = open(0xdead, 0xbeef).err().expect("no such device here");
        match e {
            LinkError::Disconnected(m) => assert!(m.starts_with("usb:dead:beef: "), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
