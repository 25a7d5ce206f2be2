//! pos-drivers' benchmarks, each beside a floor measured in the same run on this machine: encoding
//! a receipt; a scale read and a Concert payment, each a round trip over a real pseudo-terminal to
//! its simulator.

#![allow(clippy::float_arithmetic)] // ratios of timings for display, never money

use std::hint::black_box;
use std::time::{Duration, Instant};

use pos_drivers::concert::{Concert, Timeouts};
use pos_drivers::escpos;
use pos_drivers::link::{Address, LineSettings, Link};
use pos_drivers::receipt::{Align, Block, Receipt};
use pos_drivers::scale::{self, ScaleProtocol};
use pos_drivers::sim::concert::ConcertSim;
use pos_drivers::sim::scale::ScaleSim;
use pos_drivers::sim::{Pty, Stop};
use pos_drivers::terminal::{PaymentRequest, PaymentTerminal};

fn times(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    let mut t: Vec<Duration> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t
}

fn median(t: &[Duration]) -> Duration {
    t[t.len() / 2]
}

fn row(name: &str, value: Duration, floor_name: &str, floor: Duration, budget: &str, within: Option<bool>) {
    println!(
        "| {name} | median | {value:.3?} | {floor_name} | {floor:.3?} | {:.1}x | {budget} | {} |",
        value.as_secs_f64() / floor.as_secs_f64(),
        match within {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "reported",
        }
    );
}

/// A simulator served on a pty on its own thread; the device path to open.
fn on_pty(serve: impl FnOnce(&mut dyn Link, &Stop) + Send + 'static) -> (String, Stop) {
    let pty = Pty::open(None).unwrap();
    let path = pty.path.clone();
    let stop = Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || {
        let mut link = pty.link().unwrap();
        serve(&mut link, &s);
        drop(pty);
    });
    (path, stop)
}

fn main() {
    println!();
    println!("| benchmark | stat | value | floor | floor value | ratio | budget | within |");
    println!("|---|---|---:|---|---:|---:|---:|---|");

    // A 40-line receipt with accents, the euro sign, a QR code and a cut.
    let mut receipt = Receipt::new(42);
    receipt.styled("Hélices & Coques Lyon", true, true, Align::Centre);
    for i in 0..40 {
        receipt.pair(&format!("Hélice carbone 9x6 n°{i}"), &format!("{},90 €", 3 + i));
    }
    receipt.push(Block::Qr("LYO-1-T000042|cf7ca31c8cbc5087".into()));
    receipt.push(Block::Cut);
    let encode = times(2_000, || {
        black_box(escpos::encode(black_box(&receipt)));
    });
    // Floor: the receipt's text laid out as plain text (what any printer driver at least does).
    let text = times(2_000, || {
        black_box(black_box(&receipt).to_text());
    });
    let m = median(&encode);
    row(
        "encode a 40-line receipt to ESC/POS (PC858, QR, cut)",
        m,
        "the same receipt as plain text",
        median(&text),
        "1ms",
        Some(m < Duration::from_millis(1)),
    );

    // Floor for the round trips: one byte out and one back through a pty pair and a thread.
    let (echo_path, echo_stop) = on_pty(|link, stop| {
        let mut b = [0u8; 1];
        while !stop.stopped() {
            if link.receive(&mut b, Duration::from_millis(20)).is_ok() {
                let _ = link.send(&b);
            }
        }
    });
    let mut echo =
        Address::parse(&format!("serial:{echo_path}")).unwrap().open(LineSettings::B9600_8N1).unwrap();
    let floor = times(300, || {
        echo.send(b"E").unwrap();
        let mut b = [0u8; 1];
        echo.receive_exact(&mut b, Duration::from_secs(1)).unwrap();
    });
    let floor = median(&floor);
    echo_stop.stop();

    let sim = ScaleSim::new(ScaleProtocol::Toledo8217);
    sim.control.set_weight(1234);
    let (scale_path, scale_stop) = on_pty(move |link, stop| {
        if let Err(e) = sim.serve_serial(link, stop) {
            eprintln!("the simulator stopped: {e}");
        }
    });
    let link = Address::parse(&format!("serial:{scale_path}"))
        .unwrap()
        .open(ScaleProtocol::Toledo8217.serial())
        .unwrap();
    let mut scale = scale::open(ScaleProtocol::Toledo8217, link, Duration::from_secs(1));
    let reads = times(300, || {
        assert_eq!(scale.weigh(None).unwrap().grams, 1234);
    });
    row(
        "scale read (Toledo 8217, W to a stable weight) over a pty",
        median(&reads),
        "1-byte echo over a pty",
        floor,
        "report",
        None,
    );
    scale_stop.stop();

    let sim = ConcertSim::new();
    sim.control.state().think = Duration::ZERO;
    let (terminal_path, terminal_stop) = on_pty(move |link, stop| {
        if let Err(e) = sim.serve_serial(link, stop) {
            eprintln!("the simulator stopped: {e}");
        }
    });
    let log = std::env::temp_dir().join(format!("pos-bench-concert-{}.log", std::process::id()));
    let link =
        Address::parse(&format!("serial:{terminal_path}")).unwrap().open(LineSettings::B9600_7E1).unwrap();
    let mut terminal = Concert::new(link, 1, &log, Timeouts::default());
    let mut n = 0;
    let pays = times(100, || {
        n += 1;
        terminal.pay(&PaymentRequest { reference: format!("BENCH-P{n:06}"), cents: 1250 }).unwrap();
    });
    row(
        "Concert payment, immediate accept, over a pty (with its fsynced log)",
        median(&pays),
        "1-byte echo over a pty",
        floor,
        "report",
        None,
    );
    terminal_stop.stop();
    let _ = std::fs::remove_file(&log);
}
