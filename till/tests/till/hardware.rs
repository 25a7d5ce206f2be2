//! The till with real drivers on pseudo-terminals: ESC/POS receipts, paper out, the technician's
//! tests, a Concert payment across a kill, a serial scanner and a scale, printers unplugged.

use super::*;

/// A printer simulator on a pseudo-terminal, served on its own thread while the test runs.
struct SimPrinter {
    path: String,
    control: pos_drivers::sim::printer::PrinterControl,
    stop: pos_drivers::sim::Stop,
    out: PathBuf,
}

impl SimPrinter {
    fn start(out: PathBuf) -> SimPrinter {
        SimPrinter::start_width(out, 42)
    }

    fn start_width(out: PathBuf, width: usize) -> SimPrinter {
        let pty = pos_drivers::sim::Pty::open(None).unwrap();
        let sim = pos_drivers::sim::printer::PrinterSim::new(&out, width).unwrap();
        let control = sim.control.clone();
        let stop = pos_drivers::sim::Stop::default();
        let path = pty.path.clone();
        let s = stop.clone();
        std::thread::spawn(move || {
            let mut link = pty.link().unwrap();
            let _ = sim.serve(&mut link, &s);
            drop(pty);
        });
        SimPrinter { path, control, stop, out }
    }

    /// Receipts decoded so far, waiting (bounded) for `n`.
    fn receipts(&self, n: usize) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&self.out)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect();
            files.sort();
            if files.len() >= n || std::time::Instant::now() > deadline {
                return files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Drop for SimPrinter {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// A sale made by the engine prints on an ESC/POS printer (the simulator on a pseudo-terminal) and
/// the receipt, decoded back from the bytes, says what the ticket says, in PC858 with € and accents.
#[test]
fn a_sale_prints_its_receipt_on_an_escpos_printer() {
    let dir = new_till("escpos");
    let printer = SimPrinter::start(dir.join("printed"));
    let data = dir.to_str().unwrap();
    // Set up as a technician would: an invalid setting is refused and changes nothing.
    let (ok, _, err) = cli(&[
        "devices", "set", "--data", data, "--staff", "S006", "--pin", "90517", "printer", "escpos",
        "serial:x", "width=40",
    ]);
    assert!(!ok && err.contains("42 or 48"), "{err}");
    let setting = format!("escpos serial:{} width=42", printer.path);
    let mut set = vec!["devices", "set", "--data", data, "--staff", "S006", "--pin", "90517", "printer"];
    set.extend(setting.split(' '));
    let (ok, out, err) = cli(&set);
    assert!(ok, "{out}{err}");
    let (ok, out, _) = cli(&["devices", "list", "--data", data]);
    assert!(ok && out.contains(&format!("printer   {setting}")), "{out}");

    let (mut till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T10:00:00+01:00")), false).unwrap();
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    till.scan(PLANE, 1, None, None, None).unwrap();
    till.scan(LIPO, 2, None, None, None).unwrap();
    till.scan(MAG, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let sale = till.pay(&[TenderSpec::Cash(total + 1_000)], None).unwrap();
    assert!(sale.get("printer").is_none(), "{sale}");
    let ticket = sale["ticket"].as_str().unwrap().to_owned();
    till.stop().unwrap();

    let printed = printer.receipts(2);
    let receipt = printed.iter().find(|r| r.contains("ORIGINAL")).expect("the receipt was printed");
    assert!(receipt.starts_with("[CODE PAGE PC858]\n"), "{receipt}");
    for expected in [
        format!(
            "TOTAL TTC {:>11}",
            format!("{} €", pos_core::money::Money::from_cents(total).to_string().replace('.', ","))
        ),
        "dont éco-participation".to_owned(),
        "TVA (€)    taux        HT     TVA      TTC".to_owned(),
        "20,00 %".to_owned(),
        "5,50 %".to_owned(),
        format!("Ticket {ticket}"),
        "Signature ".to_owned(),
        "Opérateur".to_owned(),
        "RENDU".to_owned(),
        "€".to_owned(),
        format!("[QR {ticket}|"),
        "[CUT]".to_owned(),
    ] {
        assert!(receipt.contains(&expected), "missing {expected:?} in\n{receipt}");
    }
    // The cash sale opened the drawer.
    assert!(printed.iter().any(|r| r.starts_with("[DRAWER pin 2")), "{printed:?}");
    assert_eq!(printer.control.state().drawer_kicks, 1);
    // The setting is a technical event in the journal, and the chain still verifies.
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let changes: i64 = conn
        .query_row("SELECT COUNT(*) FROM journal WHERE kind = 'event' AND CAST(bytes AS TEXT) LIKE '%device.printer%config_changed%'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(changes, 1);
    assert!(verify_cli(&dir).0);
}

/// Sets `device.NAME` to `setting` as a manager, then opens the till with its devices and a
/// cashier at an open register (empty float), at 10:05.
pub(crate) fn till_with_device(dir: &Path, name: &str, setting: &str) -> Till {
    let (mut till, _) = open(dir, "2026-12-05T10:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.configure(&format!("device.{name}"), setting).unwrap();
    till.stop().unwrap();
    let (mut till, _) =
        pos_till::launch::open_till(dir, Clock::Set(at("2026-12-05T10:05:00+01:00")), false).unwrap();
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    till
}

/// Paper out at the counter: the sale is saved, the cashier is told, and the receipt prints once
/// the roll is changed, once.
#[test]
fn out_of_paper_the_sale_is_kept_and_the_receipt_follows() {
    let dir = new_till("paper-out");
    let printer = SimPrinter::start(dir.join("printed"));
    let mut till = till_with_device(&dir, "printer", &format!("escpos serial:{}", printer.path));
    till.scan(PROP, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    printer.control.state().paper_out = true;
    let sale = till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    let note = sale["printer"]["message"].as_str().unwrap();
    // The drawer opened for the change at once, paper or not.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while printer.control.state().drawer_kicks == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(printer.control.state().drawer_kicks, 1);
    assert!(note.contains("out of paper") && note.contains("prints once the printer is back"), "{note}");
    let e = till.retry_printer().unwrap_err().to_string();
    assert!(e.contains("out of paper"), "{e}");
    printer.control.state().paper_out = false;
    assert_eq!(till.retry_printer().unwrap()["waiting"], 0);
    let printed = printer.receipts(1);
    assert_eq!(printed.iter().filter(|r| r.contains("ORIGINAL")).count(), 1, "{printed:?}");
    assert_eq!(printer.control.state().discarded, 0);
    assert_eq!(printer.control.state().drawer_kicks, 1, "and not again when the receipt printed");
    till.stop().unwrap();
}

/// `pos-till devices test` tries each configured device and journals what happened.
#[test]
fn the_technician_tests_the_printer_and_the_scale() {
    let dir = new_till("devices-test");
    let data = dir.to_str().unwrap();
    let printer = SimPrinter::start(dir.join("printed"));
    let pty = pos_drivers::sim::Pty::open(None).unwrap();
    let scale_path = pty.path.clone();
    let scale = pos_drivers::sim::scale::ScaleSim::new(pos_drivers::scale::ScaleProtocol::Toledo8217);
    scale.control.set_weight(1250);
    let stop = pos_drivers::sim::Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || {
        let mut link = pty.link().unwrap();
        let _ = scale.serve_serial(&mut link, &s);
    });
    for (name, setting) in [
        ("printer", format!("escpos serial:{}", printer.path)),
        ("scale", format!("toledo8217 serial:{scale_path}")),
    ] {
        let mut args = vec!["devices", "set", "--data", data, "--staff", "S006", "--pin", "90517", name];
        args.extend(setting.split(' '));
        let (ok, out, err) = cli(&args);
        assert!(ok, "{out}{err}");
    }
    let (ok, out, err) =
        cli(&["devices", "test", "--data", data, "--staff", "S006", "--pin", "90517", "printer"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("test receipt printed"), "{out}");
    let test_receipt = &printer.receipts(1)[0];
    assert!(
        test_receipt.contains("Accents : é è ê à ç ù ô « » °") && test_receipt.contains("12,50 €"),
        "{test_receipt}"
    );
    let (ok, out, _) =
        cli(&["devices", "test", "--data", data, "--staff", "S006", "--pin", "90517", "scale"]);
    assert!(ok && out.contains("1.250 kg"), "{out}");
    // A cashier may not.
    let (ok, _, err) = cli(&["devices", "test", "--data", data, "--staff", "S007", "--pin", "2468", "scale"]);
    assert!(!ok && err.contains("manager or a technician"), "{err}");
    // The terminal check: 0.01 EUR on the built-in simulated terminal.
    let (ok, out, _) =
        cli(&["devices", "test", "--data", data, "--staff", "S006", "--pin", "90517", "terminal"]);
    assert!(ok && out.contains("0.01 EUR approved"), "{out}");
    let conn = Connection::open(dir.join("till.db")).unwrap();
    let tests: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM journal WHERE CAST(bytes AS TEXT) LIKE '%\"type\":\"device_tested\"%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tests, 3);
    assert!(verify_cli(&dir).0);
    stop.stop();
}

/// The till is killed while the customer pays on a Concert terminal (the simulator, over a
/// pseudo-terminal). On restart the engine asks the driver, which hears the terminal offer its
/// answer again: the payment is recorded as approved, and the terminal ran it once.
#[test]
fn a_till_killed_during_a_concert_payment_collects_the_answer_on_restart() {
    use pos_drivers::sim::concert::ConcertSim;
    let dir = new_till("concert-crash");
    let pty = pos_drivers::sim::Pty::open(None).unwrap();
    let path = pty.path.clone();
    let sim = ConcertSim::new();
    let control = sim.control.clone();
    control.state().think = std::time::Duration::from_millis(2500);
    let stop = pos_drivers::sim::Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || {
        let mut link = pty.link().unwrap();
        let _ = sim.serve_serial(&mut link, &s);
    });
    let (mut till, _) = open(&dir, "2026-12-05T10:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.configure("device.terminal", &format!("concert serial:{path}")).unwrap();
    till.stop().unwrap();

    let script = dir.join("card.json");
    let actions = serde_json::json!({"actions": [
        {"do": "login", "staff": "S007", "pin": "2468"},
        {"do": "open_register", "float": "0.00"},
        {"do": "scan", "code": PROP},
        {"do": "pay", "tenders": [{"card": "3.90"}]},
    ]});
    std::fs::write(&script, actions.to_string()).unwrap();
    let mut child = Command::new(POS_TILL)
        .args(["script", "--data"])
        .arg(&dir)
        .arg(&script)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the terminal has the payment, while the customer types the PIN.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while control.state().journal.is_empty() {
        assert!(std::time::Instant::now() < deadline, "the terminal never got the payment");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let (till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T10:10:00+01:00")), false).unwrap();
    let results = store::records_of_kind(till.conn(), ChainName::Live, Kind::Operation)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.entry {
            Entry::CardResult { outcome, .. } => Some(outcome),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert_eq!(
        results,
        vec![pos_journal::body::CardOutcome::Approved],
        "the answer collected after the crash"
    );
    let s = control.state();
    assert_eq!((s.journal.len(), s.delivered.len()), (1, 1), "run once, answered once");
    assert_eq!(s.journal[0].cents, 390);
    drop(s);
    till.stop().unwrap();
    stop.stop();
    assert!(verify_cli(&dir).0);
}

/// The counter's scanner and scale as devices: a serial scanner delivers a GS1 weighed label and a
/// product code, the scale is read for the item sold by weight, and a moving weight sells nothing.
#[test]
fn a_serial_scanner_and_a_scale_feed_the_basket() {
    use pos_drivers::scale::ScaleProtocol;
    use pos_drivers::sim::scale::ScaleSim;
    use pos_drivers::sim::scanner::ScannerSim;
    let dir = new_till("scanner-scale");
    let stop = pos_drivers::sim::Stop::default();
    let scale_pty = pos_drivers::sim::Pty::open(None).unwrap();
    let scanner_pty = pos_drivers::sim::Pty::open(None).unwrap();
    let (scale_path, scanner_path) = (scale_pty.path.clone(), scanner_pty.path.clone());
    let scale = ScaleSim::new(ScaleProtocol::Dialog06);
    let weight = scale.control.clone();
    let scanner = ScannerSim::new("", "", true);
    let scan = scanner.control();
    let (s1, s2) = (stop.clone(), stop.clone());
    std::thread::spawn(move || {
        let _ = scale.serve_serial(&mut scale_pty.link().unwrap(), &s1);
    });
    std::thread::spawn(move || {
        let _ = scanner.serve(&mut scanner_pty.link().unwrap(), &s2);
    });
    let (mut till, _) = open(&dir, "2026-12-05T10:00:00+01:00");
    till.login("S006", "90517").unwrap();
    till.configure("device.scale", &format!("dialog06 serial:{scale_path}")).unwrap();
    till.configure("device.scanner", &format!("serial serial:{scanner_path}")).unwrap();
    till.stop().unwrap();

    let (mut till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T10:05:00+01:00")), false).unwrap();
    let spec = pos_till::devices::parse("scanner", &till.config()["device.scanner"]).unwrap();
    let mut reader = pos_till::devices::scanner(&spec).unwrap();
    till.login("S007", "2468").unwrap();
    till.open_register(0, None).unwrap();
    let wait = std::time::Duration::from_secs(5);
    scan.scan(BALSA_455G);
    let code = reader.next_code(wait).unwrap().unwrap();
    let line = till.scan(&code, 1, None, None, None).unwrap();
    assert_eq!(line["total"], "8.19", "455 g at 18.00/kg: {line}");
    weight.set_weight(1250);
    scan.scan("3761000001004");
    let code = reader.next_code(wait).unwrap().unwrap();
    let line = till.scan(&code, 1, None, None, None).unwrap();
    assert_eq!(line["total"], "30.69", "plus 1.250 kg read from the scale: {line}");
    weight.state().motion = true;
    let e = till.scan("3761000001004", 1, None, None, None).unwrap_err().to_string();
    assert!(e.contains("not stable"), "{e}");
    assert_eq!(till.basket_view().unwrap()["lines"].as_array().unwrap().len(), 2, "nothing added");
    till.cancel_basket().unwrap();
    till.stop().unwrap();
    stop.stop();
}

/// A 48-column printer gets 48-column receipts.
#[test]
fn a_48_column_printer_gets_receipts_laid_out_for_it() {
    let dir = new_till("width-48");
    let printer = SimPrinter::start_width(dir.join("printed"), 48);
    let mut till = till_with_device(&dir, "printer", &format!("escpos serial:{} width=48", printer.path));
    till.scan(PROP, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    till.stop().unwrap();
    let receipt = printer.receipts(1).into_iter().find(|r| r.contains("ORIGINAL")).unwrap();
    assert!(receipt.lines().any(|l| l == "-".repeat(48)), "{receipt}");
    assert!(receipt.lines().any(|l| l.starts_with("ESPECES") && l.chars().count() == 48), "{receipt}");
    // The VAT table and the double-size total use the room too; no line is wider.
    assert!(receipt.lines().any(|l| l.starts_with("TVA (€)") && l.chars().count() == 48), "{receipt}");
    assert!(receipt.lines().any(|l| l.starts_with("TOTAL TTC") && l.chars().count() == 24), "{receipt}");
    assert!(receipt.lines().filter(|l| !l.starts_with('[')).all(|l| l.chars().count() <= 48), "{receipt}");
}

/// The cashier presses cancel while the customer pays on a Concert terminal: the till stops
/// waiting, asks the terminal what happened, and the payment the customer made is kept.
#[test]
fn cancelling_a_card_payment_from_the_till_keeps_what_the_customer_paid() {
    use pos_drivers::sim::concert::ConcertSim;
    let dir = new_till("concert-cancel");
    let pty = pos_drivers::sim::Pty::open(None).unwrap();
    let path = pty.path.clone();
    let sim = ConcertSim::new();
    let control = sim.control.clone();
    control.state().think = std::time::Duration::from_millis(800);
    let stop = pos_drivers::sim::Stop::default();
    let s = stop.clone();
    std::thread::spawn(move || {
        let _ = sim.serve_serial(&mut pty.link().unwrap(), &s);
    });
    let mut till = till_with_device(&dir, "terminal", &format!("concert serial:{path}"));
    till.scan(PROP, 1, None, None, None).unwrap();
    let cancel = till.card_canceller().expect("a Concert payment can be stopped from the till");
    let pressed = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(150));
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let total = cents(&till.basket_view().unwrap()["total"]);
    let sale = till.pay(&[TenderSpec::Card(total)], None).unwrap();
    pressed.join().unwrap();
    assert!(sale["ticket"].as_str().is_some(), "the customer paid: the ticket is made: {sale}");
    assert_eq!(control.state().journal.len(), 1, "and the terminal ran it once");
    // The terminal answered: the bar shows it well, not "cancelled at the till" in red.
    let terminal = &till.status().unwrap()["devices"]["terminal"]["last"];
    assert_eq!(terminal["ok"], true, "{terminal}");
    // A terminal that never answers: without the cancel button the till would wait three minutes.
    control.state().outcome = pos_drivers::sim::concert::CardOutcome::Timeout;
    till.scan(PROP, 1, None, None, None).unwrap();
    let cancel = till.card_canceller().unwrap();
    let pressed = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(150));
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let started = std::time::Instant::now();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let e = till.pay(&[TenderSpec::Card(total)], None).unwrap_err().to_string();
    pressed.join().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "the cancel button stopped the wait");
    assert!(e.contains("cancelled at the till") && e.contains("manager must check"), "{e}");
    assert_eq!(till.basket_view().unwrap()["lines"].as_array().unwrap().len(), 1, "the basket is kept");
    till.stop().unwrap();
    stop.stop();
}

/// A printer unplugged when the till starts does not keep the till shut: it opens, sells (the
/// ticket is journaled, the receipt kept in the database and the cashier told it prints once the
/// printer is back), and once the printer is plugged in the ORIGINAL prints by itself, once; the
/// Concert terminal likewise is reached when it is there.
#[test]
fn a_till_opens_and_sells_with_its_printer_unplugged_and_prints_once_it_is_back() {
    let dir = new_till("unplugged");
    let link = dir.join("printer.pty");
    {
        let (mut till, _) =
            pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T09:00:00+01:00")), true).unwrap();
        till.login("S010", "5720").unwrap();
        till.configure("device.printer", &format!("escpos serial:{}", link.display())).unwrap();
        till.configure("device.terminal", &format!("concert serial:{}", dir.join("terminal.pty").display()))
            .unwrap();
        till.logout().unwrap();
    }
    // Nothing behind either path: the till opens all the same.
    let (mut till, _) =
        pos_till::launch::open_till(&dir, Clock::Set(at("2026-12-05T10:00:00+01:00")), false).unwrap();
    assert!(till.card_canceller().is_some(), "the cancel button works once the terminal is reached");
    till.login("S007", "2468").unwrap();
    till.open_register(10_000, None).unwrap();
    till.scan(LIPO, 1, None, None, None).unwrap();
    let total = cents(&till.basket_view().unwrap()["total"]);
    let card = till.pay(&[TenderSpec::Card(total)], None).unwrap_err().to_string();
    assert!(card.contains("not charged") || card.contains("check the terminal"), "{card}");
    let sale = till.pay(&[TenderSpec::Cash(total)], None).unwrap();
    let ticket = sale["ticket"].as_str().unwrap().to_owned();
    assert!(
        sale["printer"]["message"].as_str().unwrap().contains("prints once the printer is back"),
        "{sale}"
    );
    assert_eq!(till.devices()["printer"]["last"]["ok"], false);
    assert_eq!(till.devices()["printer_waiting"], 1);

    // Plugged in: the receipt that waited prints by itself.
    let pty = pos_drivers::sim::Pty::open(Some(&link)).unwrap();
    let sim = pos_drivers::sim::printer::PrinterSim::new(&dir.join("printed"), 42).unwrap();
    let stop = pos_drivers::sim::Stop::default();
    let _serving = pty.serve_in_background(&stop, move |l, s| {
        let _ = sim.serve(l, s);
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while till.devices()["printer_waiting"] != 0 {
        assert!(std::time::Instant::now() < deadline, "{}", till.devices());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(till.devices()["printer"]["last"]["ok"], true);
    till.stop().unwrap();
    stop.stop();
    let printed: Vec<String> = std::fs::read_dir(dir.join("printed"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|r| r.contains(&ticket))
        .collect();
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(printed[0].contains("ORIGINAL"), "{printed:?}");
}
