//! The admin page in Debian's headless Chromium against the real server: the first admin made on
//! the command line changes their one-time password and enrols TOTP; the dashboard's figures are
//! the books' (read here from `report pnl`) and the tickets sold; a bank line is reconciled by
//! accepting the rules' proposal, undone and matched again; the FEC is downloaded and passes the
//! DGFiP's structural rules; a form without its token is refused; a store manager made on the
//! page sees their store's tills and is refused another store's pages and API. A screenshot of
//! each page is kept under the target folder.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pos_webdriver::Session;
use serde_json::Value;

use super::{Backend, Server, cashier, enrol, new_till, open_register, open_till};

const PROP: &str = "3762200151285"; // PROP-1060, 3.90 TTC at 20 %

/// The code an authenticator app shows now for the base32 `secret`.
pub fn totp_now(secret: &str) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.trim().to_owned()).to_bytes().expect("a base32 secret");
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes).generate_current().unwrap()
}

/// Cents from an amount as the page writes it (`1 234,56 €`, `-€12.30`).
fn cents(text: &str) -> i64 {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let n: i64 = digits.parse().unwrap_or_else(|_| panic!("`{text}` is not an amount"));
    if text.trim_start().starts_with('-') { -n } else { n }
}

struct Browser {
    s: Session,
    base: String,
    shots: PathBuf,
    downloads: PathBuf,
}

impl Browser {
    fn go(&self, path: &str) {
        self.s.goto(&format!("{}{path}", self.base)).unwrap();
    }

    fn shot(&self, name: &str) {
        self.s.screenshot(&self.shots, name).unwrap();
    }

    fn body(&self) -> String {
        self.s.text("body").unwrap()
    }

    /// Signs in with `email` and `password`; at the first login, changes the password to
    /// `new_password` and enrols the second factor; answers the recovery codes shown.
    fn first_login(
        &self,
        email: &str,
        password: &str,
        new_password: &str,
        shot: Option<&str>,
    ) -> Vec<String> {
        self.go("/admin/login");
        if let Some(name) = shot {
            self.shot(&format!("{name}-login"));
        }
        self.s.type_in("#email", email, true).unwrap();
        self.s.type_in("#password", password, true).unwrap();
        self.s.click("#sign-in").unwrap();
        self.s.type_in("#current", password, true).unwrap();
        self.s.type_in("#new", new_password, true).unwrap();
        self.s.type_in("#again", new_password, true).unwrap();
        self.s.click("#change").unwrap();
        let secret = self.s.text("#totp-secret").unwrap();
        if let Some(name) = shot {
            self.shot(&format!("{name}-totp-enrol"));
        }
        self.s.type_in("#code", &totp_now(&secret), true).unwrap();
        self.s.click("#verify").unwrap();
        let codes = self.s.text("#recovery-codes").unwrap();
        if let Some(name) = shot {
            self.shot(&format!("{name}-recovery-codes"));
        }
        self.s.click("#continue").unwrap();
        self.s.wait("#today", 20).unwrap();
        codes.lines().map(str::to_owned).collect()
    }
}

/// The rows of table `css` as their cells' texts (waiting for the table).
fn rows(s: &Session, css: &str) -> Vec<Vec<String>> {
    s.wait(css, 20).unwrap();
    let v = s
        .run(&format!(
            "return Array.from(document.querySelectorAll('{css} tbody tr')).map(r => Array.from(r.cells).map(c => c.innerText.trim()));"
        ))
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// Waits until `pos-server report pnl` shows store-channel revenue at `store` on `day`; answers
/// the revenue and margin summed over families.
fn pnl_when(server: &Server, day: &str, store: &str) -> (i64, i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = server.cli_ok(&["report", "pnl", "--from", day, "--to", day, "--json"]);
        let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
        let mine: Vec<&Value> =
            rows.iter().filter(|r| r["store"] == store && r["channel"] == "store").collect();
        if !mine.is_empty() {
            let sum = |k: &str| mine.iter().map(|r| r[k].as_i64().unwrap()).sum::<i64>();
            return (sum("revenue"), sum("margin"));
        }
        assert!(Instant::now() < deadline, "the books never showed {store}'s sales of {day}: {rows:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn the_admin_page(backend: Backend) {
    let server = Server::start(backend, "admin");
    server.cli_ok(&["catalogue", "import", "--fixtures", super::fixtures().to_str().unwrap()]);
    let today = chrono::Utc::now().date_naive();
    let day = today.to_string();
    // Propellers bought at 1.50 today: the margin is revenue less 1.50 a unit.
    server.cli_ok(&[
        "stock",
        "receive",
        "--location",
        "LYO",
        "--sku",
        "PROP-1060",
        "--qty",
        "100",
        "--reference",
        "FA-1",
        "--supplier",
        "FRS-PROPS",
        "--cost",
        "1.50",
        "--date",
        &day,
    ]);
    // A Lyon till sells three propellers at noon, takes 10.00 to the bank, and pushes; a Paris
    // till is enrolled.
    let lyon = new_till("LYO", 1, "admin-lyon");
    enrol(&server, &lyon);
    let paris = new_till("PAR", 1, "admin-paris");
    enrol(&server, &paris);
    let mut till = open_till(&lyon, &format!("{day}T12:00:00+00:00"));
    let (staff, pin) = cashier(&lyon);
    till.login(staff, pin).unwrap();
    open_register(&mut till);
    for _ in 0..3 {
        till.scan(PROP, 1, None, None, None).unwrap();
        let total = pos_till::script::cents(till.basket_view().unwrap()["total"].as_str().unwrap()).unwrap();
        till.pay(&[pos_till::engine::TenderSpec::Cash(total)], None).unwrap();
    }
    till.cash_to_bank(1_000, "RM-ADM-1", None).unwrap();
    till.stop().unwrap();
    pos_till::sync::round(&lyon).unwrap();
    pos_till::sync::round(&paris).unwrap();
    let (revenue, margin) = pnl_when(&server, &day, "LYO");
    assert_eq!(margin, revenue - 3 * 150);
    // The bank's statement: the deposit, and a line of fees nothing in the books is.
    let statement = super::books::camt053(
        0,
        &[(&day, 1_000, "REMISE ESPECES", "RM-ADM-1"), (&day, -1_250, "FRAIS TENUE DE COMPTE", "")],
    );
    let file = server.data.join("releve.xml");
    std::fs::write(&file, statement).unwrap();
    server.cli_ok(&["import-bank", file.to_str().unwrap()]);

    let password =
        server.cli_ok(&["admin", "create", "--email", "Direction@Boutique.example"]).trim().to_owned();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("admin-{backend:?}").to_lowercase());
    let _ = std::fs::remove_dir_all(&root);
    let shots = root.join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let downloads = root.join("downloads");
    let s = Session::chromium(&root, &downloads, 1366, 900).unwrap();
    let b = Browser { s, base: server.url.clone(), shots, downloads };

    // The first admin: one-time password changed, TOTP enrolled, ten recovery codes shown once.
    let codes = b.first_login("direction@boutique.example", &password, "un long mot de passe", Some("admin"));
    assert_eq!(codes.len(), 10, "{codes:?}");

    // The dashboard: today's Lyon figures are the books' and the three tickets.
    let today_rows = rows(&b.s, "#today");
    let lyon_row = today_rows
        .iter()
        .find(|r| r[0] == "LYO" && r[1] == "store")
        .unwrap_or_else(|| panic!("no LYO row today: {today_rows:?}"));
    assert_eq!(cents(&lyon_row[2]), revenue, "revenue: {lyon_row:?}");
    assert_eq!(lyon_row[3], "3", "tickets: {lyon_row:?}");
    assert_eq!(cents(&lyon_row[4]), revenue / 3, "average basket: {lyon_row:?}");
    assert_eq!(cents(&lyon_row[5]), margin, "margin: {lyon_row:?}");
    let alerts = b.s.text("#alerts").unwrap();
    assert!(alerts.contains("lignes bancaires non rapprochées"), "{alerts}");
    assert_eq!(b.s.count("svg.chart polyline").unwrap(), 1);
    b.shot("dashboard");

    // The tills: both, verified, with their keys' fingerprints.
    b.go("/admin/tills");
    let tills = rows(&b.s, "#tills");
    assert_eq!(tills.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["LYO-1", "PAR-1"], "{tills:?}");
    assert!(tills.iter().all(|r| r[4].contains("vérifiée") && r[3].parse::<u64>().is_ok()), "{tills:?}");
    b.shot("tills");
    // A till enrolled from the page's one-time code.
    b.s.type_in("input[name='store']", "LYO", true).unwrap();
    b.s.type_in("input[name='number']", "2", true).unwrap();
    b.s.click("#enrol").unwrap();
    let code = b.s.text("#enrol-code").unwrap();
    let lyon2 = new_till("LYO", 2, "admin-lyon-2");
    pos_till::sync::enroll(&lyon2, &server.url, &code, None).unwrap();
    b.go("/admin/tills");
    assert!(rows(&b.s, "#tills").iter().any(|r| r[0] == "LYO-2"));

    // Reconciliation: the rules propose the deposit; accepted, it is lettered; undone, it is open
    // again; the rules run, it is matched again under a new letter. The fees stay for a person.
    b.go("/admin/books/bank");
    b.shot("bank");
    b.s.click("button.accept[data-line$='BK-0']").unwrap();
    b.s.wait("#matched tr[data-line$='BK-0']", 20).unwrap();
    let matched = rows(&b.s, "#matched");
    assert_eq!(matched.len(), 1, "{matched:?}");
    assert_eq!(matched[0][0], "AAA");
    b.s.click("#matched tr[data-line$='BK-0'] button.unmatch").unwrap();
    b.s.wait("#open-lines tr[data-line$='BK-0']", 20).unwrap();
    assert_eq!(b.s.count("#matched tbody tr").unwrap(), 0);
    b.s.click("#run-matching").unwrap();
    b.s.wait("#matched tr[data-line$='BK-0']", 20).unwrap();
    assert_eq!(rows(&b.s, "#matched")[0][0], "AAB", "a letter is never given twice");
    assert_eq!(b.s.count("#open-lines tbody tr").unwrap(), 1, "the fees wait for a person");
    b.shot("bank-reconciled");

    // The FEC, downloaded: the DGFiP's structural rules hold, the undone match reversed.
    b.go("/admin/books");
    b.shot("books");
    b.s.type_in("#siren", "123456789", true).unwrap();
    b.s.click("#fec-download").unwrap();
    let name = format!("123456789FEC{}1231.txt", today.format("%Y"));
    let path = b.downloads.join(&name);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.is_file() {
        assert!(Instant::now() < deadline, "the FEC never arrived in {}", b.downloads.display());
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let fec = std::fs::read(&path).unwrap();
    let checked = pos_ledger::fec::check(&fec, "AN").unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(checked.lines > 10, "{checked:?}");
    let text: String = fec.iter().map(|b| *b as char).collect();
    assert!(text.contains("Annulation"), "the undone match's reversal is in the FEC");

    // A price changed on the page reaches the Lyon till at its next sync; a price that is not one
    // is refused; a price for tomorrow waits for its day.
    b.go("/admin/catalogue?q=PROP-10");
    b.s.click("a[href='/admin/catalogue/PROP-1060']").unwrap();
    b.s.type_in("#price_ttc", "-5", true).unwrap();
    b.s.click("#save").unwrap();
    b.s.wait_text(".notice.error", "is not a price", 20).unwrap();
    b.s.type_in("#price_ttc", "4,20", true).unwrap();
    b.s.click("#save").unwrap();
    b.s.wait_text(".notice", "✓", 20).unwrap();
    b.shot("item");
    let tomorrow = today + chrono::Duration::days(1);
    b.s.type_in("#price_ttc", "4.50", true).unwrap();
    b.s.run(&format!("document.querySelector('#from').value = '{tomorrow}';")).unwrap();
    b.s.click("#save").unwrap();
    b.s.wait_text("#scheduled", &tomorrow.to_string(), 20).unwrap();
    pos_till::sync::round(&lyon).unwrap();
    let price_at_till = |when: &str| {
        let mut till = open_till(&lyon, when);
        till.apply_catalogue().unwrap();
        till.login(staff, pin).unwrap();
        till.scan(PROP, 1, None, None, None).unwrap();
        let total = till.basket_view().unwrap()["total"].as_str().unwrap().to_owned();
        till.cancel_basket().unwrap();
        till.stop().unwrap();
        total
    };
    assert_eq!(price_at_till(&format!("{day}T13:00:00+00:00")), "4.20");
    let (rt, storage) = server.storage();
    let next_day = chrono::Utc::now().timestamp_millis() + 86_400_000;
    assert_eq!(rt.block_on(pos_server::admin::catalogue::apply_due(&storage, next_day)).unwrap(), 1);
    drop(storage);
    pos_till::sync::round(&lyon).unwrap();
    assert_eq!(price_at_till(&format!("{tomorrow}T09:00:00+00:00")), "4.50");

    // Stock: propellers sent from Lyon to Paris; the levels and the movement show it.
    b.go("/admin/stock?location=LYO");
    b.shot("stock");
    b.go("/admin/stock/PROP-1060");
    b.s.run("document.querySelector('#transfer-from').value = 'LYO'; document.querySelector('#transfer-to').value = 'PAR';").unwrap();
    b.s.type_in("#transfer-qty", "5", true).unwrap();
    b.s.click("#transfer").unwrap();
    b.s.wait_text(".notice", "LYO → PAR", 20).unwrap();
    let levels = rows(&b.s, "#levels");
    assert!(levels.iter().any(|r| r[0] == "PAR" && r[1] == "5"), "{levels:?}");
    b.shot("stock-item");
    for (path, name) in [
        ("/admin/orders", "orders"),
        ("/admin/balances", "balances"),
        ("/admin/promotions", "promotions"),
        ("/admin/books/entries", "entries"),
    ] {
        b.go(path);
        b.s.wait("main h1", 20).unwrap();
        b.shot(name);
    }

    // GDPR: a customer's data exported as a file a person reads, then erased everywhere.
    b.go("/admin/customers");
    b.shot("customers");
    b.s.type_in("#export-id", "C00001", true).unwrap();
    b.s.click("#export").unwrap();
    let export = b.downloads.join("client-C00001.txt");
    let wait_file = |p: &Path| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !p.is_file() {
            assert!(Instant::now() < deadline, "{} never arrived", p.display());
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(300));
        std::fs::read_to_string(p).unwrap()
    };
    let text = wait_file(&export);
    assert!(text.contains("Marie Thomas") && text.contains("marie.thomas@example.fr"), "{text}");
    std::fs::remove_file(&export).unwrap();
    b.go("/admin/customers");
    b.s.type_in("#erase-id", "C00001", true).unwrap();
    b.s.type_in("#erase-confirm", "C00001", true).unwrap();
    b.s.click("#erase").unwrap();
    b.s.wait_text(".notice", "C00001 ✓", 20).unwrap();
    b.s.type_in("#export-id", "C00001", true).unwrap();
    b.s.click("#export").unwrap();
    let text = wait_file(&export);
    assert!(!text.contains("Marie Thomas") && !text.contains("marie.thomas"), "{text}");
    assert!(text.contains("(effacé)"), "{text}");

    // A form posted without its token is refused, and nothing is made.
    let status = b
        .s
        .run_async(
            "const done = arguments[arguments.length - 1];
             fetch('/admin/users', {method: 'POST', body: new URLSearchParams({email: 'intrus@example.fr', role: 'admin'})})
               .then(r => done(r.status), e => done(String(e)));",
            &[],
        )
        .unwrap();
    assert_eq!(status, 403);

    // A store manager for Lyon, made on the page.
    b.go("/admin/users");
    b.s.type_in("#new-email", "lyon@boutique.example", true).unwrap();
    b.s.run("document.querySelector('#new-role').value = 'store_manager';").unwrap();
    b.s.type_in("#new-store", "LYO", true).unwrap();
    b.s.click("#add-user").unwrap();
    let manager_password = b.s.text("#one-time-password").unwrap();
    b.shot("users");
    // Access withdrawn and given back (audited; the manager's sessions would end).
    b.s.click("tr[data-user='lyon@boutique.example'] button.access").unwrap();
    b.s.wait_text("tr[data-user='lyon@boutique.example'] button.access", "Rendre", 20).unwrap();
    b.s.click("tr[data-user='lyon@boutique.example'] button.access").unwrap();
    b.s.wait_text("tr[data-user='lyon@boutique.example'] button.access", "Retirer", 20).unwrap();
    assert!(rows(&b.s, "#users").iter().all(|r| r[0] != "intrus@example.fr"));
    b.go("/admin/audit");
    let audit = rows(&b.s, "#audit");
    let actions: Vec<&str> = audit.iter().map(|r| r[3].as_str()).collect();
    for a in [
        "user_added",
        "fec_downloaded",
        "bank_reconciled",
        "bank_unmatched",
        "bank_matched",
        "password_accepted",
        "totp_enrolled",
        "password_changed",
    ] {
        assert!(actions.contains(&a), "{a} not in the audit log: {actions:?}");
    }
    b.shot("audit");
    // English, then out.
    b.s.click("form[action='/admin/language'] button").unwrap();
    b.s.wait_text("h1", "Audit log", 20).unwrap();
    b.s.click("#logout").unwrap();
    b.s.wait("#sign-in", 20).unwrap();

    // The store manager: their store's tills only; another store's page and API refused.
    b.first_login("lyon@boutique.example", &manager_password, "le magasin de lyon", None);
    b.go("/admin/tills");
    let tills = rows(&b.s, "#tills");
    assert_eq!(tills.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["LYO-1", "LYO-2"], "{tills:?}");
    assert_eq!(b.s.count("#enrol").unwrap(), 0, "a store manager makes no enrolment code");
    b.go("/admin/tills/PAR-1");
    assert!(b.body().contains("n'est pas dans votre périmètre"), "{}", b.body());
    b.shot("manager-refused");
    b.go("/admin/api/tills/PAR-1");
    assert!(b.body().contains("forbidden"), "{}", b.body());
    b.go("/admin/books");
    assert!(b.body().contains("n'est pas dans votre périmètre"), "{}", b.body());
    b.go("/admin/api/tills/LYO-1");
    let own: Value = serde_json::from_str(&b.body()).unwrap();
    assert_eq!(own["till"], "LYO-1");
    let status = b
        .s
        .run_async(
            "const done = arguments[arguments.length - 1];
             fetch('/admin/api/dashboard').then(r => r.json()).then(d => done(d.days.map(f => f.store)), e => done(String(e)));",
            &[],
        )
        .unwrap();
    assert!(status.as_array().unwrap().iter().all(|s| s == "LYO"), "{status}");
}

#[test]
fn the_admin_page_in_a_browser_sqlite() {
    the_admin_page(Backend::Sqlite);
}

#[test]
fn the_admin_page_in_a_browser_postgres() {
    the_admin_page(Backend::Postgres);
}
