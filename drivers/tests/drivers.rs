//! Every driver against its simulator over a real pseudo-terminal or a real TCP socket, with the
//! faults a shop meets: paper out, a cover opened, a device that answers garbage or nothing, a
//! device that vanishes mid-job.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use pos_drivers::caisse_ap::CaisseAp;
use pos_drivers::concert::{self, Concert, Operation, Timeouts};
use pos_drivers::link::{Address, Link, SerialSettings, TcpLink};
use pos_drivers::printer::{EscPosPrinter, PrinterErrorKind, ReceiptPrinter};
use pos_drivers::receipt::{Align, Block, Receipt};
use pos_drivers::scale::{self, ScaleErrorKind, ScaleProtocol, Weighing};
use pos_drivers::scanner::{Scanner, ScannerErrorKind, SerialScanner};
use pos_drivers::sim::caisse_ap::CaisseApSim;
use pos_drivers::sim::concert::{CardOutcome, ConcertControl, ConcertSim};
use pos_drivers::sim::printer::{PrinterControl, PrinterSim};
use pos_drivers::sim::scale::{ScaleControl, ScaleSim};
use pos_drivers::sim::scanner::ScannerSim;
use pos_drivers::sim::{Pty, Stop};
use pos_drivers::terminal::{PaymentOutcome, PaymentRequest, PaymentTerminal, TerminalErrorKind};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("drivers").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const WAIT: Duration = Duration::from_secs(5);

/// A simulator on a pseudo-terminal, served on its own thread until dropped.
struct PtySim {
    path: String,
    stop: Stop,
    thread: Option<JoinHandle<()>>,
}

impl PtySim {
    fn start(serve: impl FnOnce(&mut dyn Link, &Stop) + Send + 'static) -> PtySim {
        let pty = Pty::open(None).unwrap();
        let stop = Stop::default();
        let path = pty.path.clone();
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut link = pty.link().unwrap();
            serve(&mut link, &s);
            drop(pty);
        });
        PtySim { path, stop, thread: Some(thread) }
    }

    fn link(&self, settings: SerialSettings) -> Box<dyn Link> {
        Address::parse(&format!("serial:{}", self.path)).unwrap().open(settings).unwrap()
    }
}

impl Drop for PtySim {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A simulated printer on a pseudo-terminal.
struct PtyPrinter {
    sim: PtySim,
    control: PrinterControl,
}

impl PtyPrinter {
    fn start(out: &Path) -> PtyPrinter {
        let printer = PrinterSim::new(out, 42).unwrap();
        let control = printer.control.clone();
        let sim = PtySim::start(move |link, stop| {
            let _ = printer.serve(link, stop);
        });
        PtyPrinter { sim, control }
    }

    fn printer(&self) -> EscPosPrinter {
        EscPosPrinter::new(self.sim.link(SerialSettings::B9600_8N1), Duration::from_secs(1))
    }
}

/// A simulated printer on a TCP port, one connection at a time.
fn tcp_printer(out: &Path) -> (String, PrinterControl, Stop) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sim = PrinterSim::new(out, 42).unwrap();
    let control = sim.control.clone();
    let stop = Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if s.stopped() {
                break;
            }
            let Ok(stream) = stream else { continue };
            let mut link = TcpLink::from_stream(stream);
            let _ = sim.serve(&mut link, &s);
        }
    });
    (addr, control, stop)
}

fn sample_receipt() -> Receipt {
    let mut r = Receipt::new(42);
    r.styled("Aéro Modèles — Lyon", true, false, Align::Centre);
    r.pair("Hélice 9x6 carbone", "3,90 €");
    r.pair("TOTAL TTC", "3,90 €");
    r.pair("dont TVA 20,00 %", "0,65 €");
    r.push(Block::Ean13("3762200151285".into()));
    r.push(Block::Qr("LYO-01 T000042".into()));
    r.push(Block::Cut);
    r
}

fn receipts(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// Waits (bounded) for the simulator to have written `n` files.
fn wait_for_files(dir: &Path, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let r = receipts(dir);
        if r.len() >= n || std::time::Instant::now() > deadline {
            return r;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_receipt_prints_over_a_serial_line_with_euro_accents_and_codes() {
    let out = scratch("printer-pty");
    let sim = PtyPrinter::start(&out);
    let mut printer = sim.printer();
    printer.print(&sample_receipt()).unwrap();
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
}

#[test]
fn a_receipt_prints_over_tcp_port_9100_style() {
    let out = scratch("printer-tcp");
    let (addr, control, stop) = tcp_printer(&out);
    let link = Address::parse(&format!("tcp:{addr}")).unwrap().open(SerialSettings::B9600_8N1).unwrap();
    let mut printer = EscPosPrinter::new(link, Duration::from_millis(500));
    printer.print(&sample_receipt()).unwrap();
    printer.print(&sample_receipt()).unwrap();
    assert_eq!(wait_for_files(&out, 2).len(), 2);
    assert_eq!(control.state().printed, 2);
    stop.stop();
}

#[test]
fn out_of_paper_the_receipt_waits_and_prints_once_when_the_roll_is_back() {
    let out = scratch("printer-paper");
    let sim = PtyPrinter::start(&out);
    let mut printer = sim.printer();
    sim.control.state().paper_out = true;
    let e = printer.print(&sample_receipt()).unwrap_err();
    assert_eq!(e.kind(), PrinterErrorKind::PaperOut);
    assert!(e.message.contains("load a roll"), "{e}");
    assert_eq!(printer.waiting(), 1);
    // Still out: retrying changes nothing.
    assert_eq!(printer.retry().unwrap_err().kind(), PrinterErrorKind::PaperOut);
    sim.control.state().paper_out = false;
    printer.retry().unwrap();
    assert_eq!(printer.waiting(), 0);
    assert_eq!(wait_for_files(&out, 1).len(), 1);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(receipts(&out).len(), 1, "printed once");
    let s = sim.control.state();
    assert_eq!((s.printed, s.discarded), (1, 0), "never sent to a printer that said it had no paper");
}

#[test]
fn paper_running_out_during_a_receipt_reprints_that_receipt_once() {
    let out = scratch("printer-runs-out");
    let sim = PtyPrinter::start(&out);
    let mut printer = sim.printer();
    sim.control.state().run_out_in_next_job = true;
    assert_eq!(printer.print(&sample_receipt()).unwrap_err().kind(), PrinterErrorKind::PaperOut);
    assert_eq!(printer.waiting(), 1);
    sim.control.state().paper_out = false;
    // The next receipt finds the printer ready: the kept one prints first, then the new one.
    let mut second = Receipt::new(42);
    second.line("second").push(Block::Cut);
    printer.print(&second).unwrap();
    let files = wait_for_files(&out, 2);
    assert_eq!(files.len(), 2);
    assert!(files[0].contains("TOTAL TTC") && files[1].contains("second"), "{files:?}");
    let s = sim.control.state();
    assert_eq!((s.printed, s.discarded), (2, 1));
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
    assert_eq!(printer.retry().unwrap_err().kind(), PrinterErrorKind::Protocol);
    sim.control.state().garbage = false;
    sim.control.state().silent = true;
    let e = printer.retry().unwrap_err();
    assert_eq!(e.kind(), PrinterErrorKind::Timeout);
    assert!(e.message.contains("does not answer"), "{e}");
    sim.control.state().silent = false;
    printer.retry().unwrap();
    assert_eq!(wait_for_files(&out, 1).len(), 1, "the kept receipt printed once the printer answered");
}

#[test]
fn a_printer_that_vanishes_mid_job_keeps_the_receipt() {
    let out = scratch("printer-vanish");
    let (addr, control, stop) = tcp_printer(&out);
    let link = TcpLink::connect(&addr, WAIT).unwrap();
    let mut printer = EscPosPrinter::new(Box::new(link), Duration::from_millis(500));
    control.state().vanish_after = Some(40);
    let e = printer.print(&sample_receipt()).unwrap_err();
    assert!(matches!(e.kind(), PrinterErrorKind::Disconnected | PrinterErrorKind::Timeout), "{e:?}");
    assert_eq!(printer.waiting(), 1);
    assert!(receipts(&out).is_empty());
    // A new connection (the till reconnects) prints the kept receipt.
    let link: Box<dyn Link> = Box::new(TcpLink::connect(&addr, WAIT).unwrap());
    let mut again = EscPosPrinter::new(link, Duration::from_millis(500));
    again.print(&sample_receipt()).unwrap();
    assert_eq!(wait_for_files(&out, 1).len(), 1);
    stop.stop();
}

fn scale_on_pty(protocol: ScaleProtocol) -> (PtySim, ScaleControl, Box<dyn scale::Scale>) {
    let sim = ScaleSim::new(protocol);
    let control = sim.control.clone();
    let pty = PtySim::start(move |link, stop| {
        let _ = sim.serve(link, stop);
    });
    let scale = scale::open(protocol, pty.link(protocol.serial()), Duration::from_secs(1));
    (pty, control, scale)
}

#[test]
fn a_toledo_8217_gives_only_a_stable_weight() {
    let (_pty, control, mut scale) = scale_on_pty(ScaleProtocol::Toledo8217);
    scale.probe().unwrap();
    control.set_weight(1234);
    assert_eq!(scale.weigh(None).unwrap(), Weighing { grams: 1234, net: false, total_cents: None });
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
    assert_eq!(scale.weigh(None).unwrap(), Weighing { grams: 650, net: true, total_cents: None });
}

#[test]
fn a_dialog_06_scale_takes_the_unit_price_and_weighs() {
    let (_pty, control, mut scale) = scale_on_pty(ScaleProtocol::Dialog06);
    control.set_weight(2_345);
    // 12.90 EUR/kg x 2.345 kg = 30.2505 -> 30.25.
    assert_eq!(
        scale.weigh(Some(1290)).unwrap(),
        Weighing { grams: 2_345, net: false, total_cents: Some(3025) }
    );
    assert_eq!(control.state().unit_price, Some(1290));
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
        let (_pty, control, mut scale) = scale_on_pty(protocol);
        control.set_weight(500);
        control.state().garbage = true;
        let e = scale.weigh(Some(100)).unwrap_err();
        assert_eq!(e.kind(), ScaleErrorKind::Protocol, "{protocol:?} {e}");
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

#[test]
fn a_serial_scanner_delivers_codes_without_prefix_suffix_or_terminator() {
    for crlf in [false, true] {
        let sim = ScannerSim::new("]E0", "#", crlf);
        let control = sim.control();
        let pty = PtySim::start(move |link, stop| {
            let _ = sim.serve(link, stop);
        });
        let mut scanner = SerialScanner::new(pty.link(SerialSettings::B9600_8N1), "]E0", "#");
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

fn quick() -> Timeouts {
    Timeouts {
        handshake: Duration::from_millis(500),
        payment: Duration::from_secs(5),
        late_answer: Duration::from_secs(2),
    }
}

fn concert_on_pty() -> (PtySim, ConcertControl) {
    let sim = ConcertSim::new();
    let control = sim.control.clone();
    let pty = PtySim::start(move |link, stop| {
        let _ = sim.serve(link, stop);
    });
    (pty, control)
}

fn pay(reference: &str, cents: i64) -> PaymentRequest {
    PaymentRequest { reference: reference.into(), cents }
}

#[test]
fn concert_payments_refunds_and_refusals_over_a_serial_line() {
    let dir = scratch("concert-pty");
    let (pty, control) = concert_on_pty();
    let mut terminal = Concert::new(pty.link(SerialSettings::B9600_8N1), 1, dir.join("concert.log"), quick());
    let approved = terminal.pay(&pay("LYO-01-P000042", 1250)).unwrap();
    let PaymentOutcome::Approved { card, authorisation } = approved else { panic!("{approved:?}") };
    assert!(card.starts_with("**** ") && card.len() == 9, "{card}");
    assert!(authorisation.starts_with('A'), "{authorisation}");
    control.state().outcome = CardOutcome::Decline;
    assert_eq!(
        terminal.pay(&pay("LYO-01-P000043", 990)).unwrap(),
        PaymentOutcome::Declined { reason: "refused by the card's bank".into() }
    );
    control.state().outcome = CardOutcome::NotVerified;
    assert!(matches!(terminal.pay(&pay("LYO-01-P000044", 990)).unwrap(), PaymentOutcome::Declined { .. }));
    control.state().outcome = CardOutcome::Accept;
    terminal.pay(&pay("LYO-01-P000045", -2490)).unwrap();
    let s = control.state();
    assert_eq!(s.journal.len(), 4);
    assert_eq!(s.journal[0].private, "01-P000042");
    assert_eq!((s.journal[3].operation, s.journal[3].cents), (Operation::Refund, 2490));
    // The log knows every answer: asking again after the fact gives the same outcome.
    drop(s);
    assert!(matches!(terminal.status("LYO-01-P000042").unwrap(), Some(PaymentOutcome::Approved { .. })));
    assert!(matches!(terminal.status("LYO-01-P000043").unwrap(), Some(PaymentOutcome::Declined { .. })));
}

#[test]
fn concert_survives_a_nak_and_a_bad_lrc_and_charges_once() {
    let dir = scratch("concert-faults");
    let (pty, control) = concert_on_pty();
    let mut terminal = Concert::new(pty.link(SerialSettings::B9600_8N1), 1, dir.join("concert.log"), quick());
    control.state().nak_next_request = true;
    control.state().bad_lrc_next_answer = true;
    assert!(matches!(terminal.pay(&pay("LYO-01-P000050", 500)).unwrap(), PaymentOutcome::Approved { .. }));
    let s = control.state();
    assert_eq!(s.journal.len(), 1, "the request resent after the NAK ran once");
    assert_eq!(s.delivered.len(), 1);
}

#[test]
fn an_unreachable_terminal_never_had_the_payment() {
    let dir = scratch("concert-silent");
    let (pty, control) = concert_on_pty();
    control.state().silent = true;
    let mut terminal = Concert::new(pty.link(SerialSettings::B9600_8N1), 1, dir.join("concert.log"), quick());
    let e = terminal.pay(&pay("LYO-01-P000060", 500)).unwrap_err();
    assert_eq!(e.kind(), TerminalErrorKind::Unreachable);
    assert!(e.message.contains("take another tender"), "{e}");
    assert_eq!(terminal.status("LYO-01-P000060").unwrap(), None, "known never to have reached the terminal");
    assert!(control.state().journal.is_empty());
}

#[test]
fn a_payment_in_flight_at_a_crash_is_resolved_from_the_terminal_not_run_again() {
    let dir = scratch("concert-crash");
    let log = dir.join("concert.log");
    let (pty, control) = concert_on_pty();
    control.state().think = Duration::from_millis(400);
    {
        // The till dies while the customer is paying: its driver gives up before the answer.
        let mut dying = Concert::new(
            pty.link(SerialSettings::B9600_8N1),
            1,
            &log,
            Timeouts { payment: Duration::from_millis(50), ..quick() },
        );
        assert_eq!(dying.pay(&pay("LYO-01-P000070", 4990)).unwrap_err().kind(), TerminalErrorKind::Timeout);
    }
    // The restarted till opens the line again and asks what became of it.
    let mut restarted = Concert::new(
        pty.link(SerialSettings::B9600_8N1),
        1,
        &log,
        Timeouts { payment: Duration::from_millis(300), ..quick() },
    );
    let outcome = restarted.status("LYO-01-P000070").unwrap();
    assert!(matches!(outcome, Some(PaymentOutcome::Approved { .. })), "{outcome:?}");
    assert_eq!(control.state().journal.len(), 1, "the customer was charged once");
    // A payment the terminal never answers stays unknown: a manager checks the terminal.
    control.state().outcome = CardOutcome::Timeout;
    assert_eq!(restarted.pay(&pay("LYO-01-P000071", 100)).unwrap_err().kind(), TerminalErrorKind::Timeout);
    let e = restarted.status("LYO-01-P000071").unwrap_err();
    assert!(e.message.contains("check the terminal's journal"), "{e}");
}

#[test]
fn the_cashier_can_stop_waiting_and_the_answer_is_still_collected() {
    let dir = scratch("concert-cancel");
    let (pty, control) = concert_on_pty();
    control.state().think = Duration::from_millis(500);
    let mut terminal = Concert::new(pty.link(SerialSettings::B9600_8N1), 1, dir.join("concert.log"), quick());
    let cancel = terminal.canceller();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    assert_eq!(terminal.pay(&pay("LYO-01-P000080", 700)).unwrap_err().kind(), TerminalErrorKind::Cancelled);
    t.join().unwrap();
    assert!(matches!(terminal.status("LYO-01-P000080").unwrap(), Some(PaymentOutcome::Approved { .. })));
    assert_eq!(control.state().journal.len(), 1);
}

#[test]
fn concert_over_tcp() {
    let dir = scratch("concert-tcp");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sim = ConcertSim::new();
    let control = sim.control.clone();
    let stop = Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            let _ = sim.serve(&mut TcpLink::from_stream(stream), &s);
        }
    });
    let link = Address::parse(&format!("tcp:{addr}")).unwrap().open(SerialSettings::B9600_8N1).unwrap();
    let mut terminal = Concert::new(link, 2, dir.join("concert.log"), quick());
    assert!(matches!(terminal.pay(&pay("LYO-02-P000001", 1)).unwrap(), PaymentOutcome::Approved { .. }));
    assert_eq!(control.state().journal[0].pos, 2);
    assert_eq!(concert::private_of("LYO-02-P000001"), "02-P000001");
    stop.stop();
}

fn caisse_ap_sim() -> (String, pos_drivers::sim::caisse_ap::CaisseApControl, Stop) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sim = CaisseApSim::new();
    let control = sim.control.clone();
    let stop = Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || sim.serve(&listener, &s));
    (addr, control, stop)
}

#[test]
fn caisse_ap_over_ip_pays_refunds_and_declines() {
    let dir = scratch("caisse-ap");
    let (addr, control, stop) = caisse_ap_sim();
    let mut terminal = CaisseAp::new(&addr, 1, dir.join("caisse-ap.log"), Duration::from_secs(5));
    let PaymentOutcome::Approved { card, authorisation } =
        terminal.pay(&pay("LYO-01-P000090", 11245)).unwrap()
    else {
        panic!("not approved")
    };
    assert_eq!((card.len(), authorisation.len()), (9, 6), "{card} {authorisation}");
    control.state().outcome = CardOutcome::Decline;
    assert_eq!(
        terminal.pay(&pay("LYO-01-P000091", 500)).unwrap(),
        PaymentOutcome::Declined { reason: "refused by the card's bank".into() }
    );
    control.state().outcome = CardOutcome::Accept;
    terminal.pay(&pay("LYO-01-P000092", -2490)).unwrap();
    assert_eq!(control.state().journal, vec![(11245, "0".into()), (500, "0".into()), (2490, "1".into())]);
    // After the fact, the log answers for each payment; one never sent is known not made.
    assert!(matches!(terminal.status("LYO-01-P000090").unwrap(), Some(PaymentOutcome::Approved { .. })));
    assert_eq!(terminal.status("LYO-01-P000099").unwrap(), None);
    stop.stop();
}

#[test]
fn caisse_ap_unreachable_timeout_and_garbage_are_told_apart() {
    let dir = scratch("caisse-ap-faults");
    // Nothing listens there.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let mut nowhere = CaisseAp::new(&closed, 1, dir.join("nowhere.log"), Duration::from_secs(1));
    let e = nowhere.pay(&pay("LYO-01-P000100", 100)).unwrap_err();
    assert_eq!(e.kind(), TerminalErrorKind::Unreachable);
    assert_eq!(nowhere.status("LYO-01-P000100").unwrap(), None, "never sent");
    let (addr, control, stop) = caisse_ap_sim();
    let mut terminal = CaisseAp::new(&addr, 1, dir.join("caisse-ap.log"), Duration::from_millis(400));
    control.state().outcome = CardOutcome::Timeout;
    assert_eq!(terminal.pay(&pay("LYO-01-P000101", 100)).unwrap_err().kind(), TerminalErrorKind::Timeout);
    let e = terminal.status("LYO-01-P000101").unwrap_err();
    assert!(e.message.contains("check the terminal's journal"), "{e}");
    control.state().outcome = CardOutcome::Accept;
    control.state().garbage = true;
    assert_eq!(terminal.pay(&pay("LYO-01-P000102", 100)).unwrap_err().kind(), TerminalErrorKind::Protocol);
    stop.stop();
}

/// The `pos-sim` binary as a technician runs it: a printer on a pty path and a scale, steered by
/// commands on its standard input.
#[test]
fn pos_sim_plays_a_printer_and_a_scale_on_pty_paths() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let dir = scratch("pos-sim");
    let start = |args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pos-sim"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert!(line.starts_with("ready "), "{line}");
        (child, out)
    };
    let printer_path = dir.join("printer");
    let out_dir = dir.join("receipts");
    let (mut printer_sim, mut printer_out) = start(&[
        "printer",
        "--pty",
        printer_path.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--width",
        "42",
    ]);
    let link = Address::parse(&format!("serial:{}", printer_path.display()))
        .unwrap()
        .open(SerialSettings::B9600_8N1)
        .unwrap();
    let mut printer = EscPosPrinter::new(link, Duration::from_millis(500));
    printer.print(&sample_receipt()).unwrap();
    assert_eq!(wait_for_files(&out_dir, 1).len(), 1);
    let stdin = printer_sim.stdin.as_mut().unwrap();
    writeln!(stdin, "paper out").unwrap();
    let mut line = String::new();
    printer_out.read_line(&mut line).unwrap();
    assert!(line.starts_with("paper out"), "{line}");
    assert_eq!(printer.print(&sample_receipt()).unwrap_err().kind(), PrinterErrorKind::PaperOut);
    writeln!(stdin, "quit").unwrap();
    assert!(printer_sim.wait().unwrap().success());

    let scale_path = dir.join("scale");
    let (mut scale_sim, mut scale_out) = start(&[
        "scale",
        "--pty",
        scale_path.to_str().unwrap(),
        "--protocol",
        "toledo8217",
        "--weight",
        "0.750",
    ]);
    let link = Address::parse(&format!("serial:{}", scale_path.display()))
        .unwrap()
        .open(ScaleProtocol::Toledo8217.serial())
        .unwrap();
    let mut scale = scale::open(ScaleProtocol::Toledo8217, link, Duration::from_millis(500));
    assert_eq!(scale.weigh(None).unwrap().grams, 750);
    let stdin = scale_sim.stdin.as_mut().unwrap();
    writeln!(stdin, "weight 1.5").unwrap();
    let mut line = String::new();
    scale_out.read_line(&mut line).unwrap();
    assert!(line.starts_with("weight 1500 g"), "{line}");
    assert_eq!(scale.weigh(None).unwrap().grams, 1500);
    writeln!(stdin, "quit").unwrap();
    assert!(scale_sim.wait().unwrap().success());
}

#[test]
fn in_process_scale_and_scanner_follow_the_same_rules() {
    use pos_drivers::scale::Scale;
    use pos_drivers::sim::scale::LocalScale;
    use pos_drivers::sim::scanner::LocalScanner;
    let mut scale = LocalScale::default();
    scale.control.set_weight(455);
    assert_eq!(scale.weigh(Some(1800)).unwrap(), Weighing { grams: 455, net: false, total_cents: Some(819) });
    scale.control.state().motion = true;
    assert_eq!(scale.weigh(None).unwrap_err().kind(), ScaleErrorKind::Motion);
    scale.control.set_weight(-5);
    assert_eq!(scale.weigh(None).unwrap_err().kind(), ScaleErrorKind::UnderZero);
    let mut scanner = LocalScanner::default();
    assert_eq!(scanner.next_code(Duration::from_millis(10)).unwrap(), None);
    scanner.control().scan("3761100080190");
    assert_eq!(scanner.next_code(WAIT).unwrap().as_deref(), Some("3761100080190"));
}

#[test]
fn caisse_ap_can_be_cancelled_from_the_till() {
    let dir = scratch("caisse-ap-cancel");
    let (addr, control, stop) = caisse_ap_sim();
    control.state().outcome = CardOutcome::Timeout;
    let mut terminal = CaisseAp::new(&addr, 1, dir.join("caisse-ap.log"), Duration::from_secs(10));
    let cancel = terminal.canceller();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let started = std::time::Instant::now();
    let e = terminal.pay(&pay("LYO-01-P000110", 100)).unwrap_err();
    t.join().unwrap();
    assert_eq!(e.kind(), TerminalErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5), "stopped waiting when asked");
    // Whether the terminal charged is unknown: the engine asks a manager.
    assert!(terminal.status("LYO-01-P000110").is_err());
    stop.stop();
}

#[test]
fn a_concert_answer_cut_mid_frame_is_collected_when_offered_again() {
    let dir = scratch("concert-cut");
    let (pty, control) = concert_on_pty();
    control.state().cut_next_answer = true;
    let mut terminal = Concert::new(pty.link(SerialSettings::B9600_8N1), 1, dir.join("concert.log"), quick());
    let e = terminal.pay(&pay("LYO-01-P000120", 1990)).unwrap_err();
    assert_eq!(e.kind(), TerminalErrorKind::Protocol, "{e}");
    // What the engine does next: ask what became of it.
    assert!(matches!(terminal.status("LYO-01-P000120").unwrap(), Some(PaymentOutcome::Approved { .. })));
    assert_eq!(control.state().journal.len(), 1);
}

/// The kernel's USB printer device is a character device written and read without blocking; a
/// pseudo-terminal is one too, so the `lp:` link is tried against the printer simulator through it.
#[test]
fn the_lp_link_prints_through_a_character_device() {
    let out = scratch("printer-lp");
    let sim = PtyPrinter::start(&out);
    let link =
        Address::parse(&format!("lp:{}", sim.sim.path)).unwrap().open(SerialSettings::B9600_8N1).unwrap();
    assert!(link.describe().starts_with("lp:"));
    let mut printer = EscPosPrinter::new(link, Duration::from_millis(500));
    printer.print(&sample_receipt()).unwrap();
    let files = wait_for_files(&out, 1);
    assert!(files[0].contains("Hélice 9x6 carbone"), "{files:?}");
}

#[test]
fn a_terminal_that_accepts_another_amount_is_never_booked_as_paid() {
    let dir = scratch("concert-amount");
    let (pty, control) = concert_on_pty();
    control.state().accept_cents = Some(100);
    let mut terminal = Concert::new(pty.link(SerialSettings::B9600_8N1), 1, dir.join("concert.log"), quick());
    let e = terminal.pay(&pay("LYO-01-P000130", 1990)).unwrap_err();
    assert_eq!(e.kind(), TerminalErrorKind::Protocol, "{e}");
    // What the engine asks next must not turn it into a payment of 19.90.
    let e = terminal.status("LYO-01-P000130").unwrap_err();
    assert!(e.message.contains("check the terminal's journal"), "{e}");
}
