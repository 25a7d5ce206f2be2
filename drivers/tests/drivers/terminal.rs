//! Card terminals: Concert over a 7E1 serial line and over TCP, as the terminals in shops answer
//! (private field echoed, blank or filled by the terminal; short or full answers; busy), a payment
//! in flight at a crash, and Caisse-AP over IP.

use std::net::TcpListener;
use std::time::Duration;

use pos_drivers::caisse_ap::CaisseAp;
use pos_drivers::concert::{
    self, ACK, Answer, AnswerForm, Concert, ENQ, EOT, MAX_CENTS, MODE_CARD, Operation, Request, STX,
    Timeouts, frame, unframe,
};
use pos_drivers::link::{LineSettings, Link, TcpLink};
use pos_drivers::sim::caisse_ap::CaisseApSim;
use pos_drivers::sim::concert::{CardOutcome, ConcertControl, ConcertSim, PrivateField};
use pos_drivers::sim::{Stop, serve_tcp};
use pos_drivers::terminal::{
    DeclineKind, PaymentOutcome, PaymentRequest, PaymentTerminal, TerminalErrorKind,
};

use super::{PtySim, WAIT, scratch};

fn quick() -> Timeouts {
    Timeouts {
        handshake: Duration::from_millis(500),
        frame: Duration::from_millis(500),
        payment: Duration::from_secs(5),
        late_answer: Duration::from_secs(2),
    }
}

/// A Concert terminal simulator on its serial line (7E1 unless changed).
fn concert_on_pty(name: &str) -> (PtySim, ConcertControl) {
    let sim = ConcertSim::new();
    let control = sim.control.clone();
    let pty = PtySim::start(&scratch(name), move |link, stop| {
        if let Err(e) = sim.serve_serial(link, stop) {
            eprintln!("the simulator stopped: {e}");
        }
    });
    (pty, control)
}

fn terminal(pty: &PtySim, name: &str) -> Concert {
    Concert::new(
        pty.link(LineSettings::B9600_7E1),
        1,
        scratch(&format!("{name}-log")).join("concert.log"),
        quick(),
    )
}

fn pay(reference: &str, cents: i64) -> PaymentRequest {
    PaymentRequest { reference: reference.into(), cents }
}

#[test]
fn concert_payments_refunds_and_refusals_over_a_7e1_line() {
    let (pty, control) = concert_on_pty("concert-pty");
    let mut terminal = terminal(&pty, "concert-pty");
    let approved = terminal.pay(&pay("LYO-01-P000042", 1250)).unwrap();
    let PaymentOutcome::Approved { card, authorisation } = approved else { panic!("{approved:?}") };
    assert!(card.starts_with("**** ") && card.len() == 9, "{card}");
    assert!(authorisation.starts_with('A'), "{authorisation}");
    control.state().outcome = CardOutcome::Decline;
    assert_eq!(
        terminal.pay(&pay("LYO-01-P000043", 990)).unwrap(),
        PaymentOutcome::Declined { kind: DeclineKind::Bank, reason: "refused by the card's bank".into() }
    );
    control.state().outcome = CardOutcome::NotVerified;
    assert!(matches!(terminal.pay(&pay("LYO-01-P000044", 990)).unwrap(), PaymentOutcome::Declined { .. }));
    control.state().outcome = CardOutcome::Accept;
    terminal.pay(&pay("LYO-01-P000045", -2490)).unwrap();
    let s = control.state();
    assert_eq!(s.journal.len(), 4);
    assert_eq!(s.journal[0].private, "01-P000042");
    assert_eq!((s.journal[3].operation, s.journal[3].cents), (Operation::Refund, 2490));
    assert_eq!(s.line_errors.load(std::sync::atomic::Ordering::Relaxed), 0);
    drop(s);
    // The log knows every answer: asking again after the fact gives the same outcome.
    assert!(matches!(terminal.status("LYO-01-P000042").unwrap(), Some(PaymentOutcome::Approved { .. })));
    assert!(matches!(terminal.status("LYO-01-P000043").unwrap(), Some(PaymentOutcome::Declined { .. })));
}

/// A till whose line is 8N1 reaches a 7E1 terminal's handshake (ENQ and ACK have even parity) but
/// its request frame loses every character of odd weight: nothing is charged.
#[test]
fn a_till_set_to_8n1_charges_nothing_on_a_7e1_terminal() {
    let (pty, control) = concert_on_pty("concert-8n1");
    let mut terminal = Concert::new(
        pty.link(LineSettings::B9600_8N1),
        1,
        scratch("concert-8n1-log").join("concert.log"),
        quick(),
    );
    assert!(terminal.pay(&pay("LYO-01-P000046", 1250)).is_err());
    assert!(control.state().journal.is_empty());
}

/// Terminals that write their own number into the private field, or leave it blank: the approved
/// payment is booked, and found again after the fact.
#[test]
fn an_approval_is_booked_whatever_the_terminal_puts_in_the_private_field() {
    for private in [PrivateField::Fill, PrivateField::Blank] {
        let name = format!("concert-private-{private:?}");
        let (pty, control) = concert_on_pty(&name);
        control.state().private = private;
        let mut terminal = terminal(&pty, &name);
        let outcome = terminal.pay(&pay("LYO-01-P000047", 1250)).unwrap();
        assert!(matches!(outcome, PaymentOutcome::Approved { .. }), "{private:?} {outcome:?}");
        assert!(matches!(terminal.status("LYO-01-P000047").unwrap(), Some(PaymentOutcome::Approved { .. })));
        control.state().outcome = CardOutcome::Decline;
        assert!(matches!(
            terminal.pay(&pay("LYO-01-P000048", 700)).unwrap(),
            PaymentOutcome::Declined { .. }
        ));
        assert!(matches!(terminal.status("LYO-01-P000047").unwrap(), Some(PaymentOutcome::Approved { .. })));
        assert!(matches!(terminal.status("LYO-01-P000048").unwrap(), Some(PaymentOutcome::Declined { .. })));
    }
}

#[test]
fn concert_survives_a_nak_and_a_bad_lrc_and_charges_once() {
    let (pty, control) = concert_on_pty("concert-faults");
    let mut terminal = terminal(&pty, "concert-faults");
    control.state().nak_next_request = true;
    control.state().bad_lrc_next_answer = true;
    assert!(matches!(terminal.pay(&pay("LYO-01-P000050", 500)).unwrap(), PaymentOutcome::Approved { .. }));
    let s = control.state();
    assert_eq!(s.journal.len(), 1, "the request resent after the NAK ran once");
    assert_eq!(s.delivered.len(), 1);
}

/// A terminal that does not send its frame after the till's ACK offers it again: the till goes
/// back to waiting for its ENQ and takes it then.
#[test]
fn an_answer_not_sent_after_the_ack_is_taken_at_the_next_offer() {
    let (pty, control) = concert_on_pty("concert-no-frame");
    control.state().no_frame_after_ack = true;
    let mut terminal = terminal(&pty, "concert-no-frame");
    assert!(matches!(terminal.pay(&pay("LYO-01-P000051", 500)).unwrap(), PaymentOutcome::Approved { .. }));
    assert_eq!(control.state().journal.len(), 1);
}

/// A terminal busy with another transaction says NAK to the till's ENQ: busy, and never sent.
#[test]
fn a_busy_terminal_is_busy_and_charges_nothing() {
    let (pty, control) = concert_on_pty("concert-busy");
    control.state().busy = true;
    let mut terminal = terminal(&pty, "concert-busy");
    let e = terminal.pay(&pay("LYO-01-P000052", 500)).unwrap_err();
    assert_eq!(e.kind(), TerminalErrorKind::Busy, "{e}");
    assert_eq!(terminal.status("LYO-01-P000052").unwrap(), None, "never sent");
    control.state().busy = false;
    assert!(matches!(terminal.pay(&pay("LYO-01-P000053", 500)).unwrap(), PaymentOutcome::Approved { .. }));
}

/// An amount the request's eight digits cannot hold is refused before the terminal is asked.
#[test]
fn an_amount_the_request_cannot_hold_is_refused_before_sending() {
    let (pty, control) = concert_on_pty("concert-big");
    let mut terminal = terminal(&pty, "concert-big");
    let cents = i64::try_from(MAX_CENTS + 1).unwrap();
    let e = terminal.pay(&pay("LYO-01-P000054", cents)).unwrap_err();
    assert!(e.message.contains("999,999.99"), "{e}");
    assert_eq!(terminal.status("LYO-01-P000054").unwrap(), None);
    assert!(control.state().journal.is_empty());
    assert!(matches!(terminal.pay(&pay("LYO-01-P000055", 1)).unwrap(), PaymentOutcome::Approved { .. }));
}

/// The simulator answers the short form to a till that asks for it (answer flag 0), and the full
/// form otherwise. A client written by hand, over the 7E1 line.
#[test]
fn the_terminal_answers_the_form_asked() {
    let (pty, _control) = concert_on_pty("concert-forms");
    let mut link = pty.link(LineSettings::B9600_7E1);
    let byte = |link: &mut Box<dyn Link>| {
        let mut b = [0u8; 1];
        link.receive_exact(&mut b, WAIT).unwrap();
        b[0]
    };
    for (form, length) in [(AnswerForm::Short, 25), (AnswerForm::Full, 80)] {
        let request = Request {
            pos: 3,
            cents: 990,
            answer: form,
            mode: MODE_CARD,
            operation: Operation::Payment,
            private: "P000000056".into(),
        };
        link.send(&[ENQ]).unwrap();
        assert_eq!(byte(&mut link), ACK);
        link.send(&frame(request.encode().unwrap().as_bytes())).unwrap();
        assert_eq!(byte(&mut link), ACK);
        link.send(&[EOT]).unwrap();
        while byte(&mut link) != ENQ {}
        link.send(&[ACK]).unwrap();
        let mut got = vec![byte(&mut link)];
        assert_eq!(got[0], STX);
        while got.len() < 2 || got[got.len() - 2] != concert::ETX {
            got.push(byte(&mut link));
        }
        link.send(&[ACK]).unwrap();
        assert_eq!(byte(&mut link), EOT);
        let payload = unframe(&got).unwrap();
        assert_eq!(payload.len(), length, "{form:?}");
        let answer = Answer::decode(std::str::from_utf8(&payload).unwrap()).unwrap();
        assert_eq!((answer.pos, answer.cents, answer.private.as_str()), (3, 990, "P000000056"));
        assert_eq!(answer.report.is_some(), form == AnswerForm::Full);
    }
}

#[test]
fn an_unreachable_terminal_never_had_the_payment() {
    let (pty, control) = concert_on_pty("concert-silent");
    control.state().silent = true;
    let mut terminal = terminal(&pty, "concert-silent");
    let e = terminal.pay(&pay("LYO-01-P000060", 500)).unwrap_err();
    assert_eq!(e.kind(), TerminalErrorKind::Unreachable);
    assert!(e.message.contains("take another tender"), "{e}");
    assert_eq!(terminal.status("LYO-01-P000060").unwrap(), None, "known never to have reached the terminal");
    assert!(control.state().journal.is_empty());
}

#[test]
fn a_payment_in_flight_at_a_crash_is_resolved_from_the_terminal_not_run_again() {
    for private in [PrivateField::Echo, PrivateField::Fill] {
        let name = format!("concert-crash-{private:?}");
        let log = scratch(&format!("{name}-log")).join("concert.log");
        let (pty, control) = concert_on_pty(&name);
        control.state().think = Duration::from_millis(400);
        control.state().private = private;
        {
            // The till dies while the customer is paying: its driver gives up before the answer.
            let mut dying = Concert::new(
                pty.link(LineSettings::B9600_7E1),
                1,
                &log,
                Timeouts { payment: Duration::from_millis(50), ..quick() },
            );
            assert_eq!(
                dying.pay(&pay("LYO-01-P000070", 4990)).unwrap_err().kind(),
                TerminalErrorKind::Timeout
            );
        }
        // The restarted till opens the line again and asks what became of it.
        let mut restarted = Concert::new(
            pty.link(LineSettings::B9600_7E1),
            1,
            &log,
            Timeouts { payment: Duration::from_millis(300), ..quick() },
        );
        let outcome = restarted.status("LYO-01-P000070").unwrap();
        assert!(matches!(outcome, Some(PaymentOutcome::Approved { .. })), "{private:?} {outcome:?}");
        assert_eq!(control.state().journal.len(), 1, "the customer was charged once");
        // A payment the terminal never answers stays unknown: a manager checks the terminal.
        control.state().outcome = CardOutcome::Timeout;
        assert_eq!(
            restarted.pay(&pay("LYO-01-P000071", 100)).unwrap_err().kind(),
            TerminalErrorKind::Timeout
        );
        let e = restarted.status("LYO-01-P000071").unwrap_err();
        assert!(e.message.contains("check the terminal's journal"), "{e}");
    }
}

/// The answer of a payment left in flight, offered late while the next payment waits, is kept for
/// the payment it echoes: the next payment takes its own.
#[test]
fn a_late_answer_for_another_payment_is_kept_for_it() {
    let log = scratch("concert-late-log").join("concert.log");
    let (pty, control) = concert_on_pty("concert-late");
    control.state().think = Duration::from_millis(300);
    let mut terminal = Concert::new(
        pty.link(LineSettings::B9600_7E1),
        1,
        &log,
        Timeouts { payment: Duration::from_millis(50), ..quick() },
    );
    assert_eq!(terminal.pay(&pay("LYO-01-P000072", 1500)).unwrap_err().kind(), TerminalErrorKind::Timeout);
    drop(terminal);
    let mut next = Concert::new(pty.link(LineSettings::B9600_7E1), 1, &log, quick());
    // The terminal finishes the first payment, then runs the second once the till asks again.
    std::thread::sleep(Duration::from_millis(400));
    let outcome = next.pay(&pay("LYO-01-P000073", 800)).unwrap();
    assert!(matches!(outcome, PaymentOutcome::Approved { .. }), "{outcome:?}");
    assert!(matches!(next.status("LYO-01-P000072").unwrap(), Some(PaymentOutcome::Approved { .. })));
    assert_eq!(control.state().journal.len(), 2);
}

#[test]
fn the_cashier_can_stop_waiting_and_the_answer_is_still_collected() {
    let (pty, control) = concert_on_pty("concert-cancel");
    control.state().think = Duration::from_millis(500);
    let mut terminal = terminal(&pty, "concert-cancel");
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
fn a_concert_answer_cut_mid_frame_is_collected_when_offered_again() {
    let (pty, control) = concert_on_pty("concert-cut");
    control.state().cut_next_answer = true;
    let mut terminal = terminal(&pty, "concert-cut");
    let outcome = terminal.pay(&pay("LYO-01-P000120", 1990));
    assert!(matches!(outcome, Ok(PaymentOutcome::Approved { .. })), "{outcome:?}");
    assert_eq!(control.state().journal.len(), 1);
}

#[test]
fn a_terminal_that_accepts_another_amount_is_never_booked_as_paid() {
    let (pty, control) = concert_on_pty("concert-amount");
    control.state().accept_cents = Some(100);
    let mut terminal = terminal(&pty, "concert-amount");
    let e = terminal.pay(&pay("LYO-01-P000130", 1990)).unwrap_err();
    assert_eq!(e.kind(), TerminalErrorKind::Protocol, "{e}");
    // What the engine asks next must not turn it into a payment of 19.90.
    let e = terminal.status("LYO-01-P000130").unwrap_err();
    assert!(e.message.contains("check the terminal's journal"), "{e}");
}

#[test]
fn concert_over_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sim = ConcertSim::new();
    let control = sim.control.clone();
    let stop = Stop::default();
    serve_tcp(listener, &stop, move |link, stop| {
        let _ = sim.serve(link, stop);
    });
    let link: Box<dyn Link> = Box::new(TcpLink::connect(&addr, WAIT).unwrap());
    let mut terminal = Concert::new(link, 2, scratch("concert-tcp").join("concert.log"), quick());
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
        PaymentOutcome::Declined { kind: DeclineKind::Bank, reason: "refused by the card's bank".into() }
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
