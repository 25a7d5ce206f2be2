//! End to end: the real app (`pos-till-app --demo DIR`, every device simulated behind a pty) in a
//! real WebKitGTK window under Xvfb, driven through tauri-driver and WebKitWebDriver as a cashier
//! would: log in, open, scan three items (one weighed on the scale, one serial-tracked), attach a
//! club customer, pay part by gift card and part by card on the terminal, check the receipt the
//! printer simulator decoded; a return; what head office said at the last sync (stock across the
//! chain in the look-up, a message and a click & collect order handed over); a customer created; a
//! closing with a cash difference. Screenshots of each main screen land in `target/tmp/e2e/`.

mod office;

use std::path::{Path, PathBuf};

use pos_webdriver::{Session, xvfb};

/// The receipts the printer simulator decoded, oldest first.
fn printed(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("printer-sim"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect()
}

/// The first amount written the French way (`-1 234,56 €`) after `marker` in `text`, in cents.
fn amount_after(text: &str, marker: &str) -> Option<i64> {
    let rest = text.split_once(marker)?.1.trim_start();
    let negative = rest.starts_with('-');
    let digits: String = rest
        .trim_start_matches('-')
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '\u{202f}')
        .filter(|c| *c != '\u{202f}')
        .collect();
    let (euros, cents) = digits.split_once(',')?;
    let value = euros.parse::<i64>().ok()? * 100 + cents.get(..2)?.parse::<i64>().ok()?;
    Some(if negative { -value } else { value })
}

#[test]
fn french_amounts_read_back() {
    assert_eq!(amount_after("Ticket T3 — -19,48 €", "—"), Some(-1948));
    assert_eq!(amount_after("Compté 0,00 € — Attendu 1\u{202f}180,52 €", "Attendu"), Some(118_052));
    assert_eq!(amount_after("Attendu rien", "Attendu"), None);
}

fn wait_printed(dir: &Path, wanted: &str) -> Result<String, String> {
    for _ in 0..200 {
        if let Some(r) = printed(dir).into_iter().find(|r| r.contains(wanted)) {
            return Ok(r);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(format!("the printer simulator decoded no receipt with {wanted:?} among {}", printed(dir).len()))
}

macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

#[test]
fn a_cashiers_day_in_the_window_sale_return_and_closing() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e");
    let _ = std::fs::remove_dir_all(&root);
    let shots = root.join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let dir = root.join("lyon-till");
    // The till enrolled with a real head office before the window opens, and synced once.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo");
    pos_till::engine::Till::init(&dir, "LYO", 1, &fixtures, chrono::Utc::now()).unwrap();
    let office = office::HeadOffice::start(&root.join("head-office")).unwrap();
    office.enrol_and_fill(&dir).unwrap();
    let (_x, display) = xvfb().unwrap();
    let app = Path::new(env!("CARGO_BIN_EXE_pos-till-app"));
    let args = vec!["--demo".to_owned(), dir.display().to_string()];
    let w = Session::start(&display, app, &args, &root.join("home"), true).unwrap();
    if let Err(e) = day(&w, &dir, &shots, &office) {
        let shot = w.screenshot(&shots, "failure").map(|p| p.display().to_string()).unwrap_or_default();
        let shown = w.text("#error").unwrap_or_default();
        let printer = w
            .run("return document.querySelector('#device-printer')?.title ?? ''")
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        panic!("{e}\nthe window shows the error {shown:?}, the printer {printer:?}; screenshot {shot}");
    }
}

/// The manager approves on this till, in the approval box.
fn approve_as_manager(w: &Session) -> Result<(), String> {
    w.type_in("#approval-staff", "S006", true)?;
    w.type_in("#approval-pin", "90517", true)?;
    w.click("#approval-ok")
}

fn day(w: &Session, dir: &Path, shots: &Path, office: &office::HeadOffice) -> Result<(), String> {
    // Every screen photographed is checked too: no visible control past the window's sides, nothing
    // that scrolls sideways (from the sale screen on, the window is 1024x768), and every button a
    // finger's 44 px high, every checkbox 24 px.
    let shot = |name: &str| -> Result<(), String> {
        let p = w.screenshot(shots, name)?;
        eprintln!("screenshot: {}", p.display());
        let outside = w.run(
            "const width = window.innerWidth; \
             const out = [...document.querySelectorAll('button, input, select, summary')] \
               .filter((e) => e.offsetParent !== null) \
               .filter((e) => { const r = e.getBoundingClientRect(); return r.right > width + 1 || r.left < -1; }) \
               .map((e) => e.id || e.textContent.trim()); \
             if (document.documentElement.scrollWidth > width + 1) out.push('the page scrolls sideways'); \
             const small = [...document.querySelectorAll('button, input[type=checkbox]')] \
               .filter((e) => e.offsetParent !== null) \
               .filter((e) => e.getBoundingClientRect().height < (e.type === 'checkbox' ? 23.5 : 43.5)) \
               .map((e) => `${e.id || e.textContent.trim()} is ${e.getBoundingClientRect().height} px high`); \
             return out.concat(small);",
        )?;
        check!(
            outside.as_array().is_some_and(Vec::is_empty),
            "{name}: off the screen's sides or too small to touch: {outside}"
        );
        Ok(())
    };
    // Login on the keypad: the staff number (7 is S007), OK, then the PIN.
    w.wait("#pin", 60)?;
    shot("01-login")?;
    w.click("#staff")?;
    for k in ["7", "OK", "2", "4", "6", "8"] {
        w.click(&format!("#key-{k}"))?;
    }
    w.click("#key-OK")?;

    // Opening with the counted float.
    w.type_in("#float", "150", true)?;
    shot("02-opening")?;
    w.click("#open-register")?;
    w.wait("#scan-input", 20)?;
    check!(w.text("#operator")?.contains("Lucas"), "the bar names the cashier");
    check!(w.text("#device-printer")?.contains("Imprimante"), "the bar shows the printer");

    // A gift card sold and paid cash, to pay with later.
    let sell_gift_card = |number: &str, amount: &str| -> Result<(), String> {
        w.click("details.gift summary")?;
        w.type_in("#gift-sell-number", number, true)?;
        w.type_in("#gift-sell-amount", amount, true)?;
        w.click("#gift-sell")?;
        w.wait_text("#total", amount, 20)?;
        w.click("#pay")
    };
    sell_gift_card("GC-E2E-0001", "50,00")?;
    // No typo reaches a ticket: a sign is refused in the window, a forgotten comma is asked
    // about, a scan is never an amount; the quick-cash button pays the exact sum.
    let amount = || -> Result<String, String> {
        Ok(w.run("return document.getElementById('tender-amount').value")?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    };
    w.type_in("#tender-amount", "-20", true)?;
    w.click("#tender-cash")?;
    w.wait_text("#error", "n'est pas un montant", 20)?;
    check!(w.text("#tenders")?.trim().is_empty(), "a refused amount adds no tender");
    w.type_in("#tender-amount", "5000", true)?;
    w.click("#tender-cash")?;
    w.wait_text("#confirm", "Vérifiez la virgule", 20)?;
    shot("02b-cash-doubt")?;
    w.click("#confirm-cancel")?;
    check!(w.text("#tenders")?.trim().is_empty(), "5 000 € not confirmed: no tender");
    w.type_in("#tender-amount", "3761300238575\u{E007}", true)?;
    w.wait_text("#error", "Un scan n'est pas un montant", 20)?;
    check!(!amount()?.contains("3761300238575"), "the scan left in the amount: {}", amount()?);
    w.wait_text("#quick-cash-0", "50,00", 20)?;
    w.click("#quick-cash-0")?;
    w.wait_text("#due", "0,00", 20)?;
    w.click("#finish")?;
    w.wait_text("#paid-ticket", "LYO-1-T", 30)?;
    // No receipt printed unasked: the customer is asked, and takes it by e-mail; head office
    // sends it at the next sync through its SMTP relay.
    check!(
        w.run("return document.activeElement?.id")? == "receipt-none",
        "the store's default (none) is offered first"
    );
    w.click("#receipt-email")?;
    w.type_in("#receipt-address", "jeanne.petit@example.fr\u{E007}", true)?;
    w.wait_text("#receipt-done", "jeanne.petit@example.fr", 20)?;
    shot("02a-receipt-by-email")?;
    check!(printed(dir).iter().all(|r| !r.contains("LYO-1-T000001")), "a receipt printed unasked");
    pos_till::sync::round(dir).map_err(|e| e.to_string())?;
    let mail = office.wait_mail("jeanne.petit@example.fr")?;
    check!(
        mail.contains("Ticket LYO-1-T000001") && mail.contains("Carte cadeau") && !mail.contains("[CUT]"),
        "the e-mailed receipt:\n{mail}"
    );
    w.click("#new-sale")?;

    // A card declined is said plainly in French (the demo's terminal declines an amount ending in
    // ,13 €), and its amount is due again; the basket is then given up.
    sell_gift_card("GC-E2E-0002", "10,13")?;
    w.click("#tender-card")?;
    w.wait_text("#due", "0,00", 20)?;
    w.click("#finish")?;
    let said = w.wait_text("#error", "Carte refusée", 30)?;
    check!(said.contains("la banque de la carte a refusé") && !said.contains("refused"), "{said}");
    w.wait_text("#due", "10,13", 20)?;
    check!(w.text("#tenders")?.trim().is_empty(), "the declined card left in the tenders");
    check!(
        w.run("return document.getElementById('finish').disabled")? == true,
        "a sale with 10,13 due can be finished"
    );
    check!(!w.text("#device-terminal")?.is_empty(), "the terminal's badge");
    shot("02c-card-declined")?;
    w.click("#payment-back")?;
    w.click("#cancel-basket")?;
    w.click("#confirm-ok")?;
    w.wait_text("#total", "0,00", 20)?;
    // The store's quick keys sell what has no barcode to scan: one tap, one propeller.
    w.wait_text("#quick-keys", "Balsa au kg", 20)?;
    w.click("#quick-PROP-1060")?;
    w.wait_text("#total", "3,90", 20)?;
    // A code refused empties the field: the next scans land whole, two in one burst each counted.
    w.type_in("#scan-input", "3761300238574\u{E007}", true)?;
    w.wait("#error:not([hidden])", 20)?;
    w.type_in("#scan-input", "3761300238575\u{E007}3761300238575\u{E007}", false)?;
    let lipos = "return [...document.querySelectorAll(\"#lines tr[data-sku='LIPO-3S-2200'] .qty\")]\
                 .reduce((s, q) => s + Number(q.textContent.trim()), 0)";
    let lipos_become = |n: f64| -> Result<bool, String> {
        for _ in 0..100 {
            if w.run(lipos)?.as_f64() == Some(n) {
                return Ok(true);
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        Ok(false)
    };
    check!(lipos_become(2.0)?, "two LiPos from the burst: {:?}", w.run(lipos)?);
    check!(w.run("return document.getElementById('error').hidden")? == true, "{}", w.text("#error")?);
    check!(
        w.run("return document.querySelectorAll(\"#lines tr[data-sku='LIPO-3S-2200']\").length")?.as_u64()
            == Some(1),
        "the same item scanned again adds to its line"
    );
    // Tap the line's units to change them: back to one LiPo.
    w.click("#lines tr[data-sku='LIPO-3S-2200'] .qty-button")?;
    w.type_in("#ask-input", "1\u{E007}", true)?;
    check!(lipos_become(1.0)?, "one LiPo after the change: {:?}", w.run(lipos)?);
    // Balsa sold by weight (the scale says 0.455 kg), a charger with a serial.
    w.type_in("#scan-input", "3761000001004\u{E007}", true)?;
    w.wait_text("#lines tr[data-sku='BULK-BALSA-KG'] .qty", "0,455", 20)?;
    w.type_in("#scan-input", "3761300238599\u{E007}", true)?;
    w.type_in("#ask-input", "B6N-E2E-0042\u{E007}", true)?;
    w.wait_text("#lines tr[data-sku='CHG-B6-NEO']", "B6N-E2E-0042", 20)?;
    // The same serial number scanned again is refused: one unit, one number.
    w.type_in("#scan-input", "3761300238599\u{E007}", true)?;
    w.type_in("#ask-input", "B6N-E2E-0042\u{E007}", true)?;
    w.wait_text("#error", "déjà dans ce panier", 20)?;
    let chargers = w.run("return document.querySelectorAll(\"#lines tr[data-sku='CHG-B6-NEO']\").length")?;
    check!(chargers.as_u64() == Some(1), "one charger line, not {chargers}");
    // A club customer, found by name.
    w.type_in("#customer-find", "camille martin\u{E007}", true)?;
    w.click("#customer-C00042")?;
    w.wait_text("#customer-name", "Camille Martin", 20)?;
    shot("03-sale")?;
    // A 1920x1080 screen, then a 1024x768 shop screen: every control of the bar and the sale is on
    // it, nothing scrolls sideways.
    w.resize(1920, 1080)?;
    shot("03a-sale-1920x1080")?;
    w.resize(1024, 768)?;
    let fits = "const r = document.getElementById('lock').getBoundingClientRect(); \
                return [window.innerWidth, r.right, document.documentElement.scrollWidth, \
                        document.getElementById('pay').getBoundingClientRect().right]";
    let mut seen = serde_json::Value::Null;
    for _ in 0..50 {
        seen = w.run(fits)?;
        if seen[0].as_f64().is_some_and(|width| width <= 1024.0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let n = |i: usize| seen[i].as_f64().unwrap_or(f64::MAX);
    let (small, inside) = (n(0) <= 1024.0, n(1) <= n(0) && n(2) <= n(0) && n(3) <= n(0));
    check!(small, "the window did not take 1024 px: {seen}");
    check!(inside, "off the 1024x768 screen (width, lock, page, pay): {seen}");
    shot("03b-sale-1024x768")?;
    // The rest of the day on the small screen: payment, receipts, returns, settings, closing.
    let total = w.text("#total")?;
    // Parked, the basket says when, for whom and how much; resumed, it is whole again.
    w.click("#park")?;
    let parked = w.wait_text("[id^='resume-']", "Camille Martin", 20)?;
    check!(parked.contains(total.trim()) && parked.contains(':'), "the parked basket says {parked:?}");
    w.click("[id^='resume-']")?;
    w.wait_text("#total", total.trim(), 20)?;

    // Paid 20 € by gift card, the rest by card on the terminal; F12 pays, as its button says.
    check!(w.text("#pay")?.contains("F12"), "the pay button shows its key");
    w.type_in("#scan-input", "\u{E03C}", false)?;
    w.wait("#tender-amount", 20)?;
    w.type_in("#tender-amount", "20", true)?;
    w.type_in("#tender-number", "GC-E2E-0001", true)?;
    w.click("#tender-gift")?;
    w.wait_text("#tenders", "GC-E2E-0001", 20)?;
    w.click("#tender-card")?;
    w.wait_text("#due", "0,00", 20)?;
    shot("04-payment")?;
    w.click("#finish")?;
    let paid = w.wait_text("#paid-ticket", "LYO-1-T000002", 60)?;
    check!(paid.contains(total.trim()), "{paid} vs {total}");
    w.click("#show-receipt")?;
    w.wait_text("#receipt", "LYO-1-T000002", 20)?;
    // A ticket with a serial number is offered on paper (its warranty's proof): Enter prints it.
    check!(
        w.run("return document.getElementById('receipt-paper').classList.contains('primary')")? == true,
        "paper is not offered first for a serial number"
    );
    w.click("#receipt-paper")?;
    w.wait_text("#receipt-done", "imprimé", 20)?;
    shot("05-paid")?;

    // The receipt as the printer simulator decoded it from the ESC/POS bytes.
    let receipt = wait_printed(dir, "LYO-1-T000002")?;
    for want in [
        "LiPo 3S 2200",
        "Chutes de balsa",
        "0,455 kg",
        "N° de série B6N-E2E-0042",
        "CARTE CADEAU GC-E2E-0001",
        "CARTE BANCAIRE",
        "Client C00042",
        "ORIGINAL",
    ] {
        check!(receipt.contains(want), "the receipt lacks {want}:\n{receipt}");
    }

    // The manager's and the technician's screens, looked at.
    w.click("#new-sale")?;
    w.click("#go-manage")?;
    w.wait("#cash-amount", 20)?;
    shot("06-manage")?;
    w.click("#manage-back")?;
    w.click("#go-settings")?;
    w.wait_text("#about", "LYO-1", 20)?;
    check!(
        w.text("#setting-printer")?.starts_with("escpos serial:"),
        "the settings show the printer's setting"
    );
    // Each device as a form: its model, its connection, the scale's serial line (7E1 for a Toledo).
    let field = |id: &str| -> Result<String, String> {
        Ok(w.run(&format!("return document.getElementById('{id}').value"))?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    };
    check!(field("model-printer")? == "escpos", "the printer's model");
    check!(field("kind-scale")? == "serial", "the scale's connection");
    check!(field("frame-scale")? == "7E1" && field("baud-scale")? == "9600", "the scale's line");
    shot("07-settings")?;
    w.click("#settings-back")?;

    // A return of the LiPo from the receipt's number, refunded in cash.
    w.click("#go-returns")?;
    // The ticket by its short number, as the receipt shows it big.
    w.type_in("#return-ticket", "T2\u{E007}", true)?;
    w.click("tr[data-sku='LIPO-3S-2200'] input[type='checkbox']")?;
    shot("08-return")?;
    w.click("#return-lines")?;
    w.wait_text("#total", "-", 20)?;
    w.click("#pay")?;
    w.click("#tender-cash")?;
    w.click("#finish")?;
    let refunded = w.wait_text("#paid-ticket", "LYO-1-T000003", 30)?;
    let refund = amount_after(&refunded, "—").ok_or(format!("no refund in {refunded:?}"))?;
    check!(refund < 0, "a return pays out: {refunded}");

    // What head office said at the last sync: the item's stock across the chain in the look-up,
    // the inbox (a message, a click & collect order paid online, handed over), and a customer
    // created here.
    w.click("#new-sale")?;
    // A search that finds nothing says so; Esc closes the results.
    w.type_in("#scan-input", "hovercraft\u{E007}", true)?;
    w.wait_text("#results-none", "Aucun article ne correspond", 20)?;
    w.type_in("#scan-input", "\u{E00C}", false)?;
    let closed = w.run("return document.getElementById('results').children.length")?;
    check!(closed.as_u64() == Some(0), "Esc left {closed} result(s)");
    w.type_in("#scan-input", "lipo 2200\u{E007}", true)?;
    let stock = w.wait_text("#stock-LIPO-3S-2200", "PAR 5", 20)?;
    // The result gives the price before anything is scanned (no customer: the retail price).
    let result = w.text("#result-LIPO-3S-2200")?;
    check!(result.contains("24,90"), "the result's price: {result}");
    // 12 at head office's last sync, one sold here since and brought back.
    check!(stock.starts_with("LYO 12"), "the store's own stock first: {stock}");
    shot("08b-stock")?;
    w.click("#go-pickups")?;
    w.wait_text("#messages", "Inventaire dimanche", 20)?;
    w.wait_text("#pickup-W-E2E-1", "Antoine Martin", 20)?;
    shot("08c-inbox")?;
    w.click("#hand-over-W-E2E-1")?;
    w.wait("#pickups-none", 20)?;
    w.click("#pickups-back")?;
    w.click("#customer-new")?;
    w.type_in("#customer-new-name", "Jeanne Petit", true)?;
    w.type_in("#customer-new-town", "Villeurbanne", true)?;
    w.click("#customer-new-save")?;
    w.wait_text("#customer-name", "Jeanne Petit", 20)?;
    shot("08d-new-customer")?;
    w.click("#customer-detach")?;

    // Closing: a cashier counts, the manager approves on this till; the count is 1 € short.
    w.click("#go-closing")?;
    // Expected in the drawer, worked out here: the float, the gift card paid cash, the refund.
    let expected = 15_000 + 5_000 + refund; // cents
    // A blind count: neither what is expected nor the difference shows before the count is in.
    let shown = w.text("#counted")?;
    check!(!shown.contains("Attendu") && w.text("#difference")?.trim().is_empty(), "not blind: {shown:?}");
    // A count that is not a whole number is refused where it is typed; nothing closes meanwhile.
    let disabled = || w.run("return document.getElementById('close-day').disabled");
    for typed in ["4a", "-3", "2.5", "99999999999999999999999"] {
        w.type_in("#count-100", typed, true)?;
        w.wait_text("#counted", "n'est pas un nombre de billets", 20)?;
        check!(disabled()? == true, "{typed} left the closing possible");
    }
    // Count one euro less: whole euros in 1 € coins, the cents in 1 c coins.
    w.type_in("#count-100", &(expected / 100 - 1).to_string(), true)?;
    w.type_in("#count-1", &(expected % 100).to_string(), true)?;
    let counted = w.wait_text("#counted", "Compté", 20)?;
    check!(amount_after(&counted, "Compté") == Some(expected - 100), "{counted}");
    check!(disabled()? == false, "a whole count closes");
    shot("09-closing")?;
    // The morning shift ends with its own count and no Z; the day stays open.
    w.click("#end-shift")?;
    let confirm = w.wait_text("#confirm", "comptés", 20)?;
    check!(!confirm.contains("-1,00"), "the confirmation gives the difference away: {confirm}");
    w.click("#confirm-ok")?;
    approve_as_manager(w)?;
    let shift = w.wait_text("#z-difference", "-1,00", 30)?;
    check!(shift.contains("Attendu"), "{shift}");
    check!(w.text("#z-report")?.contains("Fin de service"), "the shift's end is not a Z");
    shot("09b-end-of-shift")?;

    // The afternoon shift opens the same day, without a manager, and the evening closes the day:
    // one Z for both shifts, each shift with its own count.
    w.click("#closing-back")?;
    w.type_in("#float", "150", true)?;
    w.click("#open-register")?;
    w.wait("#scan-input", 20)?;
    w.click("#go-closing")?;
    w.type_in("#count-100", "150", true)?;
    w.wait_text("#counted", "150,00", 20)?;
    w.click("#close-day")?;
    w.wait_text("#confirm", "comptés", 20)?;
    w.click("#confirm-ok")?;
    approve_as_manager(w)?;
    let z = w.wait_text("#z-difference", "0,00", 30)?;
    check!(z.contains("Attendu"), "{z}");
    let z_text = w.wait_text("#z-text", "Z", 20)?;
    // Words, not codes: the tenders and the families by name, the time as the shop reads it. The
    // morning's tickets are in the evening's Z.
    for want in ["Espèces", "Cartes bancaires", "Cartes cadeaux", "Batteries LiPo"] {
        check!(z_text.contains(want), "the Z lacks {want}:\n{z_text}");
    }
    for code in ["gift_card", "\ncash", "LIPO "] {
        check!(!z_text.contains(code), "the Z shows the code {code:?}:\n{z_text}");
    }
    let iso = z_text
        .as_bytes()
        .windows(4)
        .any(|w| w[0] == b'T' && w[1..3].iter().all(u8::is_ascii_digit) && w[3] == b':');
    check!(!iso, "the Z shows an ISO time:\n{z_text}");
    shot("10-z-report")?;
    wait_printed(dir, "Z N°")?;

    // The day is closed. English at the click of a button, and kept for the next start.
    w.click("#closing-back")?;
    w.wait("#float", 20)?;
    w.click("#lang")?;
    w.wait_text("#open-register", "Open the register", 20)?;
    check!(w.run("return localStorage.getItem('lang')")? == "en", "the language choice is kept");
    w.click("#lang")?;
    w.wait_text("#open-register", "Ouvrir la caisse", 20)?;
    // A Z made too early does not stop the shop until midnight: a manager opens the register
    // again the same day, and its tickets will have a Z of their own.
    w.type_in("#float", "150", true)?;
    w.click("#open-register")?;
    let asked = w.wait_text("#approval", "rouvrir la caisse un jour déjà clôturé", 20)?;
    check!(!asked.is_empty(), "no manager asked for");
    approve_as_manager(w)?;
    w.wait("#scan-input", 20)?;
    Ok(())
}
