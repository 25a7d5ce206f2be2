//! Serial scanners: codes without prefix, suffix or terminator, GS1-128 separators kept, noise
//! reported.

use std::time::Duration;

use pos_drivers::link::LineSettings;
use pos_drivers::scanner::{GS, Scanner, ScannerErrorKind, SerialScanner};
use pos_drivers::sim::scanner::ScannerSim;

use super::{PtySim, WAIT, scratch};

#[test]
fn a_serial_scanner_delivers_codes_without_prefix_suffix_or_terminator() {
    for crlf in [false, true] {
        let sim = ScannerSim::new("]E0", "#", crlf);
        let control = sim.control();
        let pty = PtySim::start(&scratch(&format!("scanner-{crlf}")), move |link, stop| {
            let _ = sim.serve(link, stop);
        });
        let mut scanner = SerialScanner::new(pty.link(LineSettings::B9600_8N1), "]E0", "#");
        assert_eq!(scanner.next_code(Duration::from_millis(50)).unwrap(), None, "nothing scanned yet");
        control.scan("3761100080190");
        control.scan("2301234012508");
        assert_eq!(scanner.next_code(WAIT).unwrap().as_deref(), Some("3761100080190"));
        assert_eq!(scanner.next_code(WAIT).unwrap().as_deref(), Some("2301234012508"));
        // Noise on the line is reported, and the next code still comes through.
        control.raw(b"\x01\x02\xff");
        control.scan("9771629871128");
        assert_eq!(scanner.next_code(WAIT).unwrap_err().kind(), ScannerErrorKind::Protocol);
        assert_eq!(scanner.next_code(WAIT).unwrap().as_deref(), Some("9771629871128"));
    }
}

/// A GS1-128 label (a GTIN, then a variable-length batch number ended by GS, then a weight) comes
/// through with its group separator: it is part of the code.
#[test]
fn a_gs1_128_scan_keeps_its_group_separators() {
    let sim = ScannerSim::new("", "", false);
    let control = sim.control();
    let pty = PtySim::start(&scratch("scanner-gs1"), move |link, stop| {
        let _ = sim.serve(link, stop);
    });
    let mut scanner = SerialScanner::new(pty.link(LineSettings::B9600_8N1), "", "");
    let code = format!("010376110008019010LOT42{GS}3103001250");
    control.scan(&code);
    assert_eq!(scanner.next_code(WAIT).unwrap(), Some(code));
}
