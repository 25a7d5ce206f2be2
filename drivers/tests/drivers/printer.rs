//! The ESC/POS printer: receipts over serial, TCP and `lp`, its status, and a printer that comes
//! and goes.

use std::time::Duration;

use pos_drivers::escpos::{Decoder, Event};
use pos_drivers::link::{Address, Backoff, LineSettings, Link, Reopening, TcpLink};
use pos_drivers::printer::{EscPosPrinter, Printed, PrinterErrorKind, ReceiptPrinter};
use pos_drivers::receipt::{Block, Receipt};

use super::{PtyPrinter, WAIT, sample_receipt, scratch, tcp_printer, until_ok, wait_for_files};

#[test]
fn a_receipt_prints_over_a_serial_line_with_euro_accents_and_codes() {
    let out = scratch("printer-pty");
    let sim = PtyPrinter::start(&out);
    let mut printer = sim.printer();
    assert_eq!(printer.print(&sample_receipt()).unwrap(), Printed::Checked);
    printer.open_drawer().unwrap();
    let files = wait_for_files(&out, 2);
    assert_eq!(files.len(), 2, "{files:?}");
    let text = &files[0];
    assert!(text.starts_with("[CODE PAGE PC858]\n"), "{text}");
    assert!(text.contains("Aéro Modèles - Lyon"), "{text}");
    assert!(text.contains(&format!("Hélice 9x6 carbone{}3,90 €", " ".repeat(42 - 18 - 6))), "{text}");
    assert!(text.contains("[EAN13 3762200151285]") && text.contains("[QR LYO-01 T000042]"), "{text}");
    assert!(text.ends_with("[CUT]\n"), "{text}");
    assert_eq!(files[1], "[DRAWER pin 2, 50 ms / 500 ms]\n");
    assert_eq!(sim.control.state().drawer_kicks, 1);
    let status = printer.check().unwrap().unwrap();
    assert_eq!(status.words(), "on line, cover closed, paper loaded, drawer sensor low");
}

#[test]
fn a_receipt_prints_over_tcp_port_9100_style() {
    let out = scratch("printer-tcp");
    let (addr, control, stop) = tcp_printer(&out);
    let link = Address::parse(&format!("tcp:{addr}")).unwrap().open(LineSettings::B9600_8N1).unwrap();
    let mut printer = EscPosPrinter::new(link, Duration::from_millis(500));
    printer.print(&sample_receipt()).unwrap();
    printer.print(&sample_receipt()).unwrap();
    assert_eq!(wait_for_files(&out, 2).len(), 2);
    assert_eq!(control.state().printed, 2);
    stop.stop();
}

#[test]
fn out_of_paper_the_receipt_is_not_sent_and_is_to_print_again() {
    let out = scratch("printer-paper");
    let sim = PtyPrinter::start(&out);
    let mut printer = sim.printer();
    sim.control.state().paper_out = true;
    let e = printer.print(&sample_receipt()).unwrap_err();
    assert_eq!(e.kind(), PrinterErrorKind::PaperOut);
    assert!(e.message.contains("load a roll") && e.again, "{e:?}");
    sim.control.state().paper_out = false;
    printer.print(&sample_receipt()).unwrap();
    assert_eq!(wait_for_files(&out, 1).len(), 1);
    let s = sim.control.state();
    assert_eq!((s.printed, s.discarded), (1, 0), "never sent to a printer that said it had no paper");
}

#[test]
fn paper_running_out_during_a_receipt_says_to_print_it_again() {
    let out = scratch("printer-runs-out");
    let sim = PtyPrinter::start(&out);
    let mut printer = sim.printer();
    sim.control.state().run_out_in_next_job = true;
    let e = printer.print(&sample_receipt()).unwrap_err();
    assert_eq!((e.kind(), e.again), (PrinterErrorKind::PaperOut, true));
    let s = sim.control.state();
    assert_eq!((s.printed, s.discarded), (0, 1));
}

/// An "offline" printer (its on-line button, a fault) takes the job and prints nothing: the driver
/// asks `DLE EOT 1` too, and does not report it as printed.
#[test]
fn an_offline_printer_is_reported_and_the_receipt_kept() {
    let out = scratch("printer-offline");
    let sim = PtyPrinter::start(&out);
    let mut printer = sim.printer();
    sim.control.state().offline = true;
    let e = printer.print(&sample_receipt()).unwrap_err();
    assert_eq!((e.kind(), e.again), (PrinterErrorKind::Offline, true), "{e:?}");
    assert!(e.message.contains("off line"), "{e}");
    assert!(printer.check().unwrap().unwrap().words().starts_with("off line"));
    assert_eq!(sim.control.state().printed, 0);
    sim.control.state().offline = false;
    printer.print(&sample_receipt()).unwrap();
    assert_eq!(wait_for_files(&out, 1).len(), 1);
}

#[test]
fn a_cover_open_garbage_or_silence_are_reported_as_such() {
    let out = scratch("printer-faults");
    let sim = PtyPrinter::start(&out);
    let mut printer = sim.printer();
    sim.control.state().cover_open = true;
    let e = printer.print(&sample_receipt()).unwrap_err();
    assert_eq!(e.kind(), PrinterErrorKind::CoverOpen);
    assert!(e.message.contains("close it"), "{e}");
    sim.control.state().cover_open = false;
    sim.control.state().garbage = true;
    assert_eq!(printer.print(&sample_receipt()).unwrap_err().kind(), PrinterErrorKind::Protocol);
    sim.control.state().garbage = false;
    sim.control.state().silent = true;
    let e = printer.print(&sample_receipt()).unwrap_err();
    assert_eq!(e.kind(), PrinterErrorKind::Timeout);
    assert!(e.message.contains("does not answer") && e.again, "{e:?}");
    sim.control.state().silent = false;
    printer.print(&sample_receipt()).unwrap();
    assert_eq!(wait_for_files(&out, 1).len(), 1, "nothing was sent to a printer that did not answer");
}

/// The cable pulled in the middle of a receipt (the pseudo-terminal closes, as a USB adapter's
/// device goes away) and plugged back: the link is opened again at the same path and the receipt
/// prints whole, once.
#[test]
fn a_printer_unplugged_mid_job_is_found_again_at_its_address() {
    let out = scratch("printer-unplugged");
    let sim = PtyPrinter::start(&out);
    let mut printer =
        EscPosPrinter::new(sim.sim.reopening(LineSettings::B9600_8N1), Duration::from_millis(500));
    printer.print(&sample_receipt()).unwrap();
    sim.control.state().away_for = Duration::from_millis(300);
    sim.control.state().vanish_after = Some(40);
    let e = printer.print(&sample_receipt()).unwrap_err();
    assert!(e.again, "a receipt cut short prints again: {e:?}");
    until_ok(|| printer.print(&sample_receipt()));
    let files = wait_for_files(&out, 2);
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| f.contains("TOTAL TTC") && f.ends_with("[CUT]\n")), "{files:?}");
}

/// A network printer rebooted between two receipts: the connection is dead, the next receipt finds
/// it again.
#[test]
fn a_network_printer_rebooted_between_receipts_is_found_again() {
    let out = scratch("printer-rebooted");
    let (addr, control, stop) = tcp_printer(&out);
    let link = Reopening::new(
        Address::parse(&format!("tcp:{addr}")).unwrap(),
        LineSettings::B9600_8N1,
        Backoff::new(Duration::from_millis(50), Duration::from_millis(200)),
    );
    let mut printer = EscPosPrinter::new(Box::new(link), Duration::from_millis(500));
    printer.print(&sample_receipt()).unwrap();
    assert_eq!(wait_for_files(&out, 1).len(), 1);
    stop.hang_up(Duration::from_millis(300));
    std::thread::sleep(Duration::from_millis(100));
    until_ok(|| printer.print(&sample_receipt()));
    assert_eq!(wait_for_files(&out, 2).len(), 2);
    assert_eq!(control.state().printed, 2);
    stop.stop();
}

/// A printer on a link with no way back (a USB printer without an IN endpoint, seen through the
/// kernel's `lp` device) never answers a status query: it still prints, without status.
#[test]
fn a_printer_without_a_status_channel_still_prints() {
    let out = scratch("printer-one-way");
    let sim = PtyPrinter::start(&out);
    sim.control.state().no_status = true;
    let link =
        Address::parse(&format!("lp:{}", sim.sim.path)).unwrap().open(LineSettings::B9600_8N1).unwrap();
    assert!(link.describe().starts_with("lp:"));
    let mut printer = EscPosPrinter::new(link, Duration::from_millis(300));
    assert_eq!(printer.print(&sample_receipt()).unwrap(), Printed::Unchecked);
    assert_eq!(printer.check().unwrap(), None, "no status to give");
    let files = wait_for_files(&out, 1);
    assert!(files[0].contains("Hélice 9x6 carbone"), "{files:?}");
}

/// The kernel's USB printer device of a bidirectional printer answers status queries.
#[test]
fn the_lp_link_reads_the_status_of_a_bidirectional_printer() {
    let out = scratch("printer-lp");
    let sim = PtyPrinter::start(&out);
    let link =
        Address::parse(&format!("lp:{}", sim.sim.path)).unwrap().open(LineSettings::B9600_8N1).unwrap();
    let mut printer = EscPosPrinter::new(link, Duration::from_millis(500));
    sim.control.state().paper_out = true;
    assert_eq!(printer.print(&sample_receipt()).unwrap_err().kind(), PrinterErrorKind::PaperOut);
    sim.control.state().paper_out = false;
    assert_eq!(printer.print(&sample_receipt()).unwrap(), Printed::Checked);
    assert_eq!(wait_for_files(&out, 1).len(), 1);
}

/// A write to a network printer that stopped reading gives up instead of hanging the till.
#[test]
fn a_printer_that_stops_reading_does_not_hang_a_write() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let keep = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        std::thread::sleep(WAIT);
        drop(stream);
    });
    let mut link = TcpLink::connect(&addr, WAIT).unwrap().with_write_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let e = link.send(&vec![b'x'; 64 << 20]).unwrap_err();
    assert!(e.to_string().contains("stopped taking"), "{e}");
    assert!(started.elapsed() < WAIT, "gave up in time");
    keep.join().unwrap();
}

/// Receipts laid out for a 48-column printer keep 48 columns.
#[test]
fn receipts_of_48_columns_print_48_wide() {
    let mut r = Receipt::new(48);
    r.pair("TOTAL TTC", "3,90 €");
    r.push(Block::Rule);
    r.push(Block::Cut);
    let mut d = Decoder::new(48);
    let events = d.feed(&pos_drivers::escpos::encode(&r));
    let [Event::Cut(text)] = &events[..] else { panic!("{events:?}") };
    assert!(text.lines().filter(|l| !l.starts_with('[')).all(|l| l.chars().count() == 48), "{text}");
}

/// A stream from an encoder nobody here wrote (the `escpos` crate) reads back through the
/// simulator's decoder: lines ended its way (`ESC d 1`), its EAN-13 (function A), its QR code,
/// its code page; and its three-byte drawer kick takes two bytes of what follows, as on a real
/// printer.
#[test]
fn another_encoders_receipt_reads_back() {
    use escpos::driver::Driver;
    use escpos::printer::Printer;
    use escpos::utils::{JustifyMode, PageCode, Protocol};
    #[derive(Clone, Default)]
    struct Bytes(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
    impl Driver for Bytes {
        fn name(&self) -> String {
            "bytes".into()
        }
        fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
            self.0.borrow_mut().extend_from_slice(data);
            Ok(())
        }
        fn read(&self, _: &mut [u8]) -> escpos::errors::Result<usize> {
            Ok(0)
        }
        fn flush(&self) -> escpos::errors::Result<()> {
            Ok(())
        }
    }
    let bytes = Bytes::default();
    let mut printer = Printer::new(bytes.clone(), Protocol::default(), None);
    printer
        .init()
        .unwrap()
        .page_code(PageCode::PC858)
        .unwrap()
        .justify(JustifyMode::CENTER)
        .unwrap()
        .writeln("Aéro Modèles")
        .unwrap()
        .justify(JustifyMode::LEFT)
        .unwrap()
        .writeln("Total 12,50 €")
        .unwrap()
        .ean13("3762200151285")
        .unwrap()
        .qrcode("LYO-01 T000042")
        .unwrap()
        .print_cut()
        .unwrap();
    let stream = bytes.0.borrow().clone();
    let mut d = Decoder::new(42);
    let events = d.feed(&stream);
    let Some(Event::Cut(text)) = events.iter().find(|e| matches!(e, Event::Cut(_))) else {
        panic!("{events:?}")
    };
    assert!(text.contains("[CODE PAGE PC858]"), "{text}");
    assert!(text.contains(&format!("{}Aéro Modèles\n", " ".repeat(15))), "{text}");
    assert!(text.contains("Total 12,50 €\n"), "{text}");
    assert!(text.contains("[EAN13 3762200151285]") && text.contains("[QR LYO-01 T000042]"), "{text}");
    // Its drawer kick is three bytes: a printer takes the next two for the pulse times.
    let mut kick = Vec::new();
    kick.extend_from_slice(&[0x1b, b'p', 0]);
    kick.extend_from_slice(b"ABCD\n");
    let mut d = Decoder::new(42);
    let events = d.feed(&kick);
    assert!(matches!(&events[..], [Event::Drawer(_)]), "{events:?}");
    assert_eq!(d.take_text().lines().last(), Some("CD"), "two bytes went to the kick");
}
