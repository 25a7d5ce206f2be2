//! Scales over their 7E1 and 7O1 lines: a stable weight only, Toledo 8217 as third-party scales
//! speak it, Dialog 06 with the unit price shown, and a scale power-cycled.

use std::sync::atomic::Ordering;
use std::time::Duration;

use pos_drivers::link::LineSettings;
use pos_drivers::scale::{self, Scale, ScaleErrorKind, ScaleProtocol, Weighing};
use pos_drivers::sim::scale::{Rounding, ScaleControl, ScaleSim};

use super::{PtySim, scratch, until_ok};

fn weighing(grams: u32, net: bool) -> Weighing {
    Weighing { grams, net, total_cents: None, unit_price_cents: None }
}

/// A scale simulator on its line (the protocol's frame) and the till's driver, opened with `line`.
fn scale_on_pty(
    name: &str,
    protocol: ScaleProtocol,
    line: LineSettings,
) -> (PtySim, ScaleControl, Box<dyn Scale>) {
    let sim = ScaleSim::new(protocol);
    let control = sim.control.clone();
    let pty = PtySim::start(&scratch(name), move |link, stop| {
        if let Err(e) = sim.serve_serial(link, stop) {
            eprintln!("the simulator stopped: {e}");
        }
    });
    let scale = scale::open(protocol, pty.link(line), Duration::from_millis(500));
    (pty, control, scale)
}

#[test]
fn a_toledo_8217_gives_only_a_stable_weight() {
    let (_pty, control, mut scale) =
        scale_on_pty("toledo", ScaleProtocol::Toledo8217, ScaleProtocol::Toledo8217.serial());
    scale.probe().unwrap();
    control.set_weight(1234);
    assert_eq!(scale.weigh(None).unwrap(), weighing(1234, false));
    control.state().motion = true;
    assert_eq!(scale.weigh(None).unwrap_err().kind(), ScaleErrorKind::Motion);
    control.set_weight(16_000);
    let e = scale.weigh(None).unwrap_err();
    assert_eq!(e.kind(), ScaleErrorKind::Overload);
    assert!(e.message.contains("take the item off"), "{e}");
    control.set_weight(-30);
    assert_eq!(scale.weigh(None).unwrap_err().kind(), ScaleErrorKind::UnderZero);
    // A tray weighing 150 g, tared; then 650 g of screws in it.
    control.set_weight(150);
    scale.tare().unwrap();
    control.set_weight(800);
    assert_eq!(scale.weigh(None).unwrap(), weighing(650, true));
    assert_eq!(control.state().line_errors.load(Ordering::Relaxed), 0, "every character had its parity");
}

/// A till whose line is 8N1 talks to a 7E1 scale as a real UART would: half its letters have the
/// wrong parity and are dropped (`W` among them), so it gets no weight.
#[test]
fn a_till_set_to_8n1_gets_nothing_from_a_7e1_scale() {
    let (_pty, control, mut scale) =
        scale_on_pty("toledo-8n1", ScaleProtocol::Toledo8217, LineSettings::B9600_8N1);
    control.set_weight(500);
    let e = scale.weigh(None).unwrap_err();
    assert_eq!(e.kind(), ScaleErrorKind::Timeout);
    assert!(e.message.contains("line setting"), "{e}");
    assert!(control.state().line_errors.load(Ordering::Relaxed) > 0, "the scale saw a wrong parity");
}

/// The technician's test asks for the weight: it never sends `E`, which a third-party Toledo takes
/// as "echo every character until F".
#[test]
fn the_probe_never_puts_a_toledo_in_echo_mode() {
    let (_pty, control, mut scale) =
        scale_on_pty("toledo-probe", ScaleProtocol::Toledo8217, ScaleProtocol::Toledo8217.serial());
    control.set_weight(750);
    scale.probe().unwrap();
    assert!(!control.state().echo_mode);
    assert_eq!(scale.weigh(None).unwrap().grams, 750);
}

/// A scale left echoing (by another program's `E`) is told `F` and then weighs.
#[test]
fn a_toledo_left_echoing_is_brought_back() {
    let (_pty, control, mut scale) =
        scale_on_pty("toledo-echo", ScaleProtocol::Toledo8217, ScaleProtocol::Toledo8217.serial());
    control.set_weight(420);
    control.state().echo_mode = true;
    assert_eq!(scale.weigh(None).unwrap().grams, 420);
    assert!(!control.state().echo_mode);
}

/// Status bytes with bit 6 clear, as some scales send them, are read for what their bits say.
#[test]
fn status_bytes_without_bit_6_are_read_for_their_bits() {
    let (_pty, control, mut scale) =
        scale_on_pty("toledo-bit6", ScaleProtocol::Toledo8217, ScaleProtocol::Toledo8217.serial());
    control.state().status_bit6 = false;
    control.set_weight(500);
    control.state().motion = true;
    let e = scale.weigh(None).unwrap_err();
    assert_eq!(e.kind(), ScaleErrorKind::Motion, "{e}");
    assert!(e.message.contains("not stable"), "{e}");
    control.set_weight(20_000);
    assert_eq!(scale.weigh(None).unwrap_err().kind(), ScaleErrorKind::Overload);
    control.set_weight(-10);
    assert_eq!(scale.weigh(None).unwrap_err().kind(), ScaleErrorKind::UnderZero);
    control.set_weight(300);
    assert_eq!(scale.weigh(None).unwrap().grams, 300);
}

#[test]
fn a_dialog_06_scale_shows_the_unit_price_sent_and_weighs() {
    let (_pty, control, mut scale) =
        scale_on_pty("dialog", ScaleProtocol::Dialog06, ScaleProtocol::Dialog06.serial());
    control.set_weight(2_345);
    // 12.90 EUR/kg x 2.345 kg = 30.2505 -> 30.25.
    assert_eq!(
        scale.weigh(Some(1290)).unwrap(),
        Weighing { grams: 2_345, net: false, total_cents: Some(3025), unit_price_cents: Some(1290) }
    );
    assert_eq!(control.state().unit_price, Some(1290), "the scale shows the price per kilogram");
    // A scale rounding its own way shows its own total: the driver returns it for the till to
    // compare.
    control.state().rounding = Rounding::Down;
    assert_eq!(scale.weigh(Some(1290)).unwrap().total_cents, Some(3025));
    control.set_weight(2_347);
    assert_eq!(scale.weigh(Some(1290)).unwrap().total_cents, Some(3027), "30.2763 rounded down");
    control.state().motion = true;
    assert_eq!(scale.weigh(Some(1290)).unwrap_err().kind(), ScaleErrorKind::Motion);
    control.set_weight(10);
    let e = scale.weigh(Some(1290)).unwrap_err();
    assert_eq!(e.kind(), ScaleErrorKind::UnderZero);
    assert!(e.message.contains("minimum"), "{e}");
    control.set_weight(20_000);
    assert_eq!(scale.weigh(Some(1290)).unwrap_err().kind(), ScaleErrorKind::Overload);
    assert_eq!(scale.weigh(Some(10_000_000)).unwrap_err().kind(), ScaleErrorKind::Refused);
    assert_eq!(scale.tare().unwrap_err().kind(), ScaleErrorKind::Unsupported);
}

#[test]
fn a_scale_answering_garbage_half_a_frame_or_nothing_is_told_apart() {
    for protocol in [ScaleProtocol::Toledo8217, ScaleProtocol::Dialog06] {
        let (_pty, control, mut scale) =
            scale_on_pty(&format!("faults-{protocol:?}"), protocol, protocol.serial());
        control.set_weight(500);
        control.state().garbage = true;
        let e = scale.weigh(Some(100)).unwrap_err();
        assert!(matches!(e.kind(), ScaleErrorKind::Protocol | ScaleErrorKind::Timeout), "{protocol:?} {e}");
        control.state().garbage = false;
        control.state().cut_next_answer = true;
        let e = scale.weigh(Some(100)).unwrap_err();
        assert!(matches!(e.kind(), ScaleErrorKind::Protocol | ScaleErrorKind::Timeout), "{protocol:?} {e}");
        control.state().silent = true;
        let e = scale.weigh(Some(100)).unwrap_err();
        assert_eq!(e.kind(), ScaleErrorKind::Timeout, "{protocol:?} {e}");
        assert!(e.message.contains("does not answer"), "{e}");
        // Back to normal: the next read is right (nothing stale is taken for an answer).
        control.state().silent = false;
        assert_eq!(scale.weigh(Some(100)).unwrap().grams, 500, "{protocol:?}");
    }
}

/// A scale switched off and on (its USB adapter gone and back): the link is opened again at the
/// same path and weighing goes on; the scale comes back without its tare.
#[test]
fn a_scale_power_cycled_is_found_again() {
    let sim = ScaleSim::new(ScaleProtocol::Toledo8217);
    let control = sim.control.clone();
    let pty = PtySim::start(&scratch("toledo-reboot"), move |link, stop| {
        if let Err(e) = sim.serve_serial(link, stop) {
            eprintln!("the simulator stopped: {e}");
        }
    });
    let mut scale = scale::open(
        ScaleProtocol::Toledo8217,
        pty.reopening(ScaleProtocol::Toledo8217.serial()),
        Duration::from_millis(300),
    );
    control.set_weight(200);
    scale.tare().unwrap();
    control.set_weight(700);
    assert_eq!(scale.weigh(None).unwrap(), weighing(500, true));
    pty.stop.hang_up(Duration::from_millis(300));
    std::thread::sleep(Duration::from_millis(100));
    assert!(scale.weigh(None).is_err(), "off");
    let back = until_ok(|| scale.weigh(None));
    assert_eq!(back, weighing(700, false), "power-on state: no tare");
}
