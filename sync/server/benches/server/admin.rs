//! The admin page's server time per page family, with a year of the demo chain loaded (five tills'
//! twelve months through the real paths: `pos-server demo-month --months 12`) and the 200,000-item
//! catalogue imported over it; read from each answer's `Server-Timing` header, the median of
//! [`TIMES`] requests after a warm-up, beside the floor: the users page (one query and the page's
//! frame). The first page after the server starts reads the year's entries into memory: its own
//! row.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::redirect::Policy;

use super::{POS_SERVER, Row, clear, fresh_database, median, serve};

/// Requests measured per page.
pub const TIMES: usize = 15;
/// The budget of a page.
const BUDGET: Duration = Duration::from_millis(200);
/// Tickets a till sells a day in the simulated year.
const PER_DAY: &str = "12";

fn cli(data: &Path, database: Option<&str>, args: &[&str]) -> String {
    let mut cmd = std::process::Command::new(POS_SERVER);
    cmd.args(args).arg("--data").arg(data);
    if let Some(db) = database {
        cmd.args(["--database", db]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "pos-server {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A year of the demo chain with the large catalogue, made once per backend (SQLite: kept under
/// the target folder between runs).
fn year(root: &Path, big: &Path, pg: Option<&str>) -> (std::path::PathBuf, Option<String>) {
    let work =
        root.join(format!("target/bench-server/admin-year-{}", if pg.is_some() { "pg" } else { "sqlite" }));
    let done = work.join("year.done");
    if pg.is_none() && done.is_file() {
        return (work, None);
    }
    clear(&work);
    let database = fresh_database(pg, "bench_admin");
    eprintln!("simulating a year of the demo chain in {} (once)", work.display());
    cli(
        &work,
        database.as_deref(),
        &[
            "demo-month",
            "--month",
            "2025-12",
            "--months",
            "12",
            "--tickets-per-day",
            PER_DAY,
            "--fixtures",
            root.join("fixtures/demo").to_str().unwrap(),
        ],
    );
    cli(&work, database.as_deref(), &["catalogue", "import", "--fixtures", big.to_str().unwrap()]);
    std::fs::write(&done, "").unwrap();
    (work, database)
}

struct Agent {
    http: Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

impl Agent {
    fn send(&mut self, r: reqwest::blocking::RequestBuilder) -> (u16, String, Option<Duration>) {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let r = r.header("cookie", cookie).send().unwrap();
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let kv = c.split(';').next().unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.insert(k.to_owned(), v.to_owned());
        }
        let timing = r
            .headers()
            .get("server-timing")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split("dur=").nth(1))
            .and_then(|d| d.parse::<f64>().ok())
            .map(|ms| Duration::from_secs_f64(ms / 1000.0));
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        (status, location.unwrap_or_else(|| r.text().unwrap()), timing)
    }

    fn get(&mut self, path: &str) -> (u16, String, Option<Duration>) {
        let r = self.http.get(format!("{}{path}", self.base));
        self.send(r)
    }

    fn post(&mut self, path: &str, form: &str) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned());
        let (s, b, _) = self.send(r);
        (s, b)
    }

    fn field(&mut self, path: &str, name: &str) -> String {
        let (_, page, _) = self.get(path);
        let at = page.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        page[at..at + page[at..].find('"').unwrap()].to_owned()
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Signs in as a new admin: one-time password changed, TOTP enrolled.
fn signed_in(url: &str, data: &Path, database: Option<&str>) -> Agent {
    let email = format!("bench{}@boutique.example", std::process::id());
    let password = cli(data, database, &["admin", "create", "--email", &email]).trim().to_owned();
    // An error here only says a provider is installed already: the one the client needs.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = Client::builder().redirect(Policy::none()).build().unwrap();
    let mut a = Agent { http, base: url.to_owned(), cookies: BTreeMap::new() };
    let pre = a.field("/admin/login", "pre");
    a.post("/admin/login", &format!("pre={pre}&email={}&password={}", enc(&email), enc(&password)));
    let csrf = a.field("/admin/password", "csrf");
    let new = "le banc d'essai du siège";
    a.post(
        "/admin/password",
        &format!("csrf={csrf}&current={}&new={}&again={}", enc(&password), enc(new), enc(new)),
    );
    let (_, page, _) = a.get("/admin/totp/enrol");
    let at = page.find("id=\"totp-secret\">").unwrap() + 17;
    let secret = page[at..at + page[at..].find('<').unwrap()].to_owned();
    let bytes = totp_rs::Secret::Encoded(secret).to_bytes().unwrap();
    let code =
        totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes).generate_current().unwrap();
    let csrf = a.field("/admin/totp/enrol", "csrf");
    let (status, _) = a.post("/admin/totp/enrol", &format!("csrf={csrf}&code={code}"));
    assert_eq!(status, 200, "the bench's admin could not enrol");
    a
}

/// The median server time of `path`.
fn timed(a: &mut Agent, path: &str) -> Duration {
    for _ in 0..2 {
        a.get(path);
    }
    let times = (0..TIMES)
        .map(|_| {
            let (status, body, t) = a.get(path);
            assert_eq!(status, 200, "{path}: {body}");
            t.unwrap_or_else(|| panic!("{path} has no server-timing"))
        })
        .collect();
    median(times)
}

/// One row per page family on one backend.
pub fn rows(root: &Path, big: &Path, pg: Option<&str>, name: &str) -> Vec<Row> {
    let (data, database) = year(root, big, pg);
    let server = serve(&data, database.as_deref());
    let mut a = signed_in(&server.url, &data, database.as_deref());
    // The first page after a start reads the year's entries into memory: once, measured alone.
    let (status, _, first) = a.get("/admin/");
    assert_eq!(status, 200);
    let first = first.unwrap();
    // The floor: the smallest page that reads the database and draws the frame.
    let floor = timed(&mut a, "/admin/users");
    // An item of the large catalogue (the demo's were replaced by it).
    let products = std::fs::read_to_string(big.join("products.csv")).unwrap();
    let sku = products.lines().nth(1).and_then(|l| l.split(',').next()).unwrap().to_owned();
    let item = format!("/admin/catalogue/{sku}");
    let pages = [
        ("dashboard (30 days, alerts)", "/admin/"),
        ("tills", "/admin/tills"),
        ("catalogue search in 200,000 items", "/admin/catalogue?q=hel"),
        ("catalogue item", item.as_str()),
        ("stock: what to reorder at a store", "/admin/stock?location=LYO"),
        ("stock: an item's levels and movements", "/admin/stock/PROP-1060"),
        ("web orders", "/admin/orders"),
        ("gift cards and loyalty balances", "/admin/balances"),
        ("books: VAT and daily P&L of a month", "/admin/books?from=2026-06-01&to=2026-06-30"),
        ("books: a month's entries", "/admin/books/entries?from=2026-06-01&to=2026-06-30"),
        ("bank reconciliation", "/admin/books/bank"),
        ("audit log", "/admin/audit"),
    ];
    let mut rows = vec![(
        format!("first admin page after a start (a year's entries read into memory), {name}"),
        first,
        "the users page (one query and the frame)".to_owned(),
        floor,
        format!("< 2 s: {:.0} ms", first.as_secs_f64() * 1000.0),
        first < Duration::from_secs(2),
    )];
    rows.extend(pages.iter().map(|(family, path)| {
        let t = timed(&mut a, path);
        (
            format!("admin page: {family}, a year of the demo chain, {name}"),
            t,
            "the users page (one query and the frame)".to_owned(),
            floor,
            format!("< 200 ms: {:.1} ms", t.as_secs_f64() * 1000.0),
            t < BUDGET,
        )
    }));
    rows
}
