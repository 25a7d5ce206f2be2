//! Peripherals as a shop has them, through the engine: receipts that wait for the printer in the
//! database and print once when it is back (across a restart too), a printer unplugged mid-job, a
//! scale that is not there when the till starts, a price-computing scale shown the till's price, a
//! terminal that fills the private field, and the technician's forms and tests.

use std::time::{Duration, Instant};

use pos_drivers::scale::ScaleProtocol;
use pos_drivers::sim::concert::{ConcertSim, PrivateField};
use pos_drivers::sim::printer::{PrinterControl, PrinterSim};
use pos_drivers::sim::scale::{Rounding, ScaleControl, ScaleSim};
use pos_drivers::sim::{Pty, Stop};
use pos_till::devices::setup::{Connection as Link, Setup};

use super::*;
use crate::hardware::till_with_device;

/// The item sold by weight, 18.00 €/kg.
const BY_WEIGHT: &str = "3761000001004";

/// A simulator behind `dir/NAME` (a symbolic link to its pseudo-terminal, which a hang-up replaces).
fn sim_at(
    dir: &Path,
    name: &str,
    serve: impl Fn(&mut dyn pos_drivers::link::Link, &Stop) + Send + 'static,
) -> (String, Stop) {
    let path = dir.join(name);
    let stop = Stop::default();
    Pty::open(Some(&path)).unwrap().serve_in_background(&stop, serve);
    (path.display().to_string(), stop)
}

fn printer_at(dir: &Path) -> (String, PrinterControl, Stop, PathBuf) {
    let out = dir.join("printed");
    let sim = PrinterSim::new(&out, 42).unwrap();
    let control = sim.control.clone();
    let (path, stop) = sim_at(dir, "printer.pty", move |l, s| {
        let _ = sim.serve(l, s);
    });
    (path, control, stop, out)
}

fn originals(out: &Path, ticket: &str) -> usize {
    std::fs::read_dir(out)
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .filter(|r| r.contains(ticket) && r.contains("ORIGINAL"))
                .count()
        })
        .unwrap_or(0)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn cash_sale(till: &mut Till) -> (String, Value) {
    till.scan(PROP, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let sale = till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    (sale["ticket"].as_str().unwrap().to_owned(), sale)
}

/// Out of paper, the receipt waits in the till's database: the till is stopped and started again,
/// the roll is changed, and the receipt prints by itself, once. A receipt that was being printed
/// when the till stopped is not printed again (it may have come out): the window says which.
#[test]
fn receipts_waiting_for_the_printer_survive_a_restart_and_print_once() {
    let dir = new_till("spool-restart");
    let (path, printer, stop, out) = printer_at(&dir);
    let mut till = till_with_device(&dir, "printer", &format!("escpos serial:{path}"));
    printer.state().paper_out = true;
    let (ticket, sale) = cash_sale(&mut till);
    assert!(sale["printer"]["message"].as_str().unwrap().contains("out of paper"), "{sale}");
    let (second, _) = cash_sale(&mut till);
    assert_eq!(till.devices()["printer_waiting"], 2);
    till.stop().unwrap();
    // A third receipt was being sent when the till stopped.
    let conn = Connection::open(dir.join("till.db")).unwrap();
    conn.execute(
        "INSERT INTO print_job (label, layout, made_at, state) VALUES ('ticket T-HALF', '{}', datetime('now'), 'sending')",
        [],
    )
    .unwrap();
    drop(conn);

    let (mut till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T11:00:00+01:00")), false).unwrap();
    assert_eq!(till.devices()["printer_waiting"], 2, "kept across the restart");
    assert_eq!(till.devices()["printer_interrupted"], json!(["ticket T-HALF"]));
    assert_eq!(originals(&out, &ticket), 0);
    printer.state().paper_out = false;
    wait_until("the waiting receipts print", || till.devices()["printer_waiting"] == 0);
    assert_eq!((originals(&out, &ticket), originals(&out, &second)), (1, 1));
    // And not again.
    till.retry_printer().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!((originals(&out, &ticket), originals(&out, &second)), (1, 1));
    assert_eq!(printer.state().discarded, 0, "never sent to a printer that said it had no paper");
    till.stop().unwrap();
    stop.stop();
}

/// The printer's cable pulled in the middle of a receipt: the till keeps the receipt, opens the
/// link again at the same path when the printer is back, and the receipt prints whole, once.
#[test]
fn a_printer_unplugged_mid_receipt_prints_it_whole_when_back() {
    let dir = new_till("spool-unplugged");
    let (path, printer, stop, out) = printer_at(&dir);
    let mut till = till_with_device(&dir, "printer", &format!("escpos serial:{path}"));
    {
        let mut s = printer.state();
        s.away_for = Duration::from_millis(500);
        s.vanish_after = Some(60);
    }
    let (ticket, _) = cash_sale(&mut till);
    wait_until("the receipt prints once the printer is back", || till.devices()["printer_waiting"] == 0);
    assert_eq!(originals(&out, &ticket), 1);
    let printed = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|r| r.contains(&ticket))
        .unwrap();
    assert!(printed.contains("TOTAL TTC") && printed.ends_with("[CUT]\n"), "{printed}");
    till.stop().unwrap();
    stop.stop();
}

fn scale_at(dir: &Path, protocol: ScaleProtocol) -> (String, ScaleControl, Stop) {
    let sim = ScaleSim::new(protocol);
    let control = sim.control.clone();
    let (path, stop) = sim_at(dir, "scale.pty", move |l, s| {
        let _ = sim.serve_serial(l, s);
    });
    (path, control, stop)
}

/// A price-computing scale is sent the price per kilogram and shows it; a scale whose total is not
/// the till's (it rounds its own way) sells nothing.
#[test]
fn a_dialog_06_shows_the_tills_price_and_a_differing_total_sells_nothing() {
    let dir = new_till("dialog-price");
    let (path, scale, stop) = scale_at(&dir, ScaleProtocol::Dialog06);
    let mut till = till_with_device(&dir, "scale", &format!("dialog06 serial:{path}"));
    scale.set_weight(1_250);
    let line = till.scan(BY_WEIGHT, 1, None, None, None).unwrap();
    assert_eq!(line["total"], "22.50", "{line}");
    assert_eq!(scale.state().unit_price, Some(1_800), "the scale showed 18.00 €/kg");
    // 1.247 kg at 18.00 = 22.446: the till says 22.45, a scale rounding down shows 22.44.
    scale.state().rounding = Rounding::Down;
    scale.set_weight(1_247);
    let e = till.scan(BY_WEIGHT, 1, None, None, None).unwrap_err().to_string();
    assert!(
        e.contains("the scale shows 22.44") && e.contains("22.45") && e.contains("nothing was added"),
        "{e}"
    );
    assert_eq!(till.basket_view().unwrap()["lines"].as_array().unwrap().len(), 1);
    till.cancel_basket().unwrap();
    till.stop().unwrap();
    stop.stop();
}

/// A scale switched off when the till starts, then switched on: no restart is needed.
#[test]
fn a_scale_off_at_start_is_found_when_it_comes() {
    let dir = new_till("scale-later");
    let path = dir.join("scale.pty");
    let mut till = till_with_device(&dir, "scale", &format!("toledo8217 serial:{}", path.display()));
    let e = till.scan(BY_WEIGHT, 1, None, None, None).unwrap_err().to_string();
    assert!(e.contains("cannot be opened") || e.contains("trying again"), "{e}");
    let (_, scale, stop) = scale_at(&dir, ScaleProtocol::Toledo8217);
    scale.set_weight(500);
    let mut added = None;
    wait_until("the scale is read once it is there", || {
        added = till.scan(BY_WEIGHT, 1, None, None, None).ok();
        added.is_some()
    });
    assert_eq!(added.unwrap()["total"], "9.00");
    till.cancel_basket().unwrap();
    till.stop().unwrap();
    stop.stop();
}

/// A Concert terminal that writes its own number into the private field: the approved payment is
/// booked, and nothing is left for a manager to resolve.
#[test]
fn a_terminal_filling_the_private_field_books_the_payment() {
    let dir = new_till("concert-fills");
    let sim = ConcertSim::new();
    let control = sim.control.clone();
    control.state().private = PrivateField::Fill;
    let (path, stop) = sim_at(&dir, "terminal.pty", move |l, s| {
        let _ = sim.serve_serial(l, s);
    });
    let mut till = till_with_device(&dir, "terminal", &format!("concert serial:{path}"));
    till.scan(PROP, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let sale = till.pay(&[TenderSpec::Card(total)], None).unwrap();
    assert!(sale["ticket"].as_str().is_some(), "{sale}");
    assert!(till.state().unresolved_cards.is_empty());
    assert_eq!(control.state().journal.len(), 1);
    till.stop().unwrap();
    stop.stop();
}

/// The technician sets a device from its form (typed fields, checked) and tests each one: what the
/// device answered comes back in words, and the test is journaled.
#[test]
fn the_technicians_forms_set_devices_and_tests_answer_in_words() {
    let dir = new_till("forms");
    let (printer_path, _printer, stop_printer, _) = printer_at(&dir);
    let (scale_path, scale, stop_scale) = scale_at(&dir, ScaleProtocol::Toledo8217);
    scale.state().status_bit6 = false;
    let (mut till, _) = open(&dir, "2026-12-05T10:00:00+01:00");
    till.login("S010", "5720").unwrap();
    let forms = till.device_forms();
    assert_eq!(forms["devices"][0]["setup"], json!({"model": "folder"}), "{forms}");
    assert!(forms["bauds"].as_array().unwrap().contains(&json!(9600)));
    let printer = Setup::Escpos {
        connection: Link::Serial { path: printer_path.clone(), baud: 9600, frame: "8N1".into() },
        width: 42,
    };
    till.set_device("printer", &printer).unwrap();
    let scale_setup = Setup::Toledo8217 {
        connection: Link::Serial { path: scale_path.clone(), baud: 9600, frame: "7E1".into() },
    };
    till.set_device("scale", &scale_setup).unwrap();
    let bad = Setup::Toledo8217 { connection: Link::Network { host: "10.0.0.9".into(), port: 4001 } };
    let e = till.set_device("scale", &bad).unwrap_err().to_string();
    assert!(e.contains("serial"), "{e}");
    assert_eq!(till.config()["device.scale"], format!("toledo8217 serial:{scale_path}@9600,7E1"));
    let forms = till.device_forms();
    assert_eq!(forms["devices"][2]["setup"], serde_json::to_value(&scale_setup).unwrap());
    till.logout().unwrap();
    till.stop().unwrap();

    let (mut till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T10:05:00+01:00")), false).unwrap();
    till.login("S010", "5720").unwrap();
    let out = till.test_device("printer").unwrap();
    assert_eq!(out["ok"], true, "{out}");
    assert!(out["result"].as_str().unwrap().contains("on line, cover closed, paper loaded"), "{out}");
    scale.set_weight(1_250);
    let out = till.test_device("scale").unwrap();
    assert_eq!(out["result"], "the scale answers: 1.250 kg stable", "{out}");
    scale.state().motion = true;
    let out = till.test_device("scale").unwrap();
    assert_eq!(out["ok"], true, "a moving scale is a scale that answers: {out}");
    assert!(out["result"].as_str().unwrap().contains("not stable"), "{out}");
    assert!(!scale.state().echo_mode, "the test never sent E");
    let out = till.test_device("scanner").unwrap();
    assert_eq!(out["ok"], false);
    assert!(out["result"].as_str().unwrap().contains("no serial scanner"), "{out}");
    till.logout().unwrap();
    till.stop().unwrap();
    stop_printer.stop();
    stop_scale.stop();
}
