//! Links: a 7-bit line carries its parity in the eighth bit on every kind of port, and the other
//! side's UART (the simulator's [`Wire`]) sees what a device set to that frame sees.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use pos_drivers::link::{Frame, LineSettings, Link};
use pos_drivers::sim::Wire;

use super::{PtySim, WAIT, scratch};

/// Every ASCII character, both ways, over a 7E1 and a 7O1 line, arrives as sent; sent by a till set
/// to 8N1, half of them have the other parity and are dropped by the device.
#[test]
fn seven_bit_lines_carry_their_parity() {
    for frame in [Frame::F7E1, Frame::F7O1] {
        let errors = Arc::new(AtomicU64::new(0));
        let e = Arc::clone(&errors);
        let echo = PtySim::start(&scratch(&format!("line-{frame}")), move |link, stop| {
            let mut wire = Wire::new(link, frame, Arc::clone(&e));
            let mut buf = [0u8; 64];
            while !stop.stopped() {
                if let Ok(n) = wire.receive(&mut buf, Duration::from_millis(20)) {
                    let _ = wire.send(&buf[..n]);
                }
            }
        });
        let mut till = echo.link(LineSettings { baud: 9600, frame });
        let all: Vec<u8> = (0u8..=0x7f).collect();
        till.send(&all).unwrap();
        let mut back = vec![0u8; all.len()];
        till.receive_exact(&mut back, WAIT).unwrap();
        assert_eq!(back, all, "{frame}");
        assert_eq!((errors.load(Ordering::Relaxed), till.line_errors()), (0, 0));
        drop(till);
        let mut wrong = echo.link(LineSettings::B9600_8N1);
        wrong.send(&all).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(errors.load(Ordering::Relaxed), 64, "{frame}: half the characters have the other parity");
    }
}

/// A serial line already open elsewhere is refused with the name and number of the process that
/// holds it, for the technician to find (here, this very test).
#[test]
fn a_line_in_use_names_who_holds_it() {
    let sim = PtySim::start(&scratch("in-use"), |_, stop| {
        while !stop.stopped() {
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let _held = sim.link(LineSettings::B9600_8N1);
    let refused = pos_drivers::link::Address::parse(&format!("serial:{}", sim.path))
        .unwrap()
        .open(LineSettings::B9600_8N1)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(refused.contains(&format!("(process {})", std::process::id())), "{refused}");
    assert!(refused.contains("close it first"), "{refused}");
}
