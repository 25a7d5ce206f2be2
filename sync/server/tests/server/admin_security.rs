//! The admin page's defences over plain HTTP, on both backends: security headers; the session
//! cookie's attributes (Secure and `__Host-` under TLS); five wrong passwords lock the account,
//! the right one included, and each try is in the audit log; a TOTP code is taken once and a
//! recovery code once; a session unused for half an hour is over; a form without its token is
//! refused; the API answers 401 to no one; the audit log cannot be changed, even with the
//! database in hand.

use std::collections::BTreeMap;

use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;

use super::admin::totp_now;
use super::{Backend, Server, scratch};

/// A form's body, `application/x-www-form-urlencoded`.
fn encode(form: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// A browser of its own: its cookies, no redirect followed.
struct Agent {
    http: Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

impl Agent {
    fn new(base: &str, http: Client) -> Agent {
        Agent { http, base: base.to_owned(), cookies: BTreeMap::new() }
    }

    fn plain(base: &str) -> Agent {
        // An error here only says a provider is installed already: the one the client needs.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Agent::new(base, Client::builder().redirect(Policy::none()).build().unwrap())
    }

    fn keep(&mut self, r: &Response) -> Vec<String> {
        let set: Vec<String> =
            r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        for c in &set {
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        set
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn get(&mut self, path: &str) -> (u16, String, Vec<String>) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .unwrap();
        let set = self.keep(&r);
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        let body = r.text().unwrap();
        (status, location.unwrap_or(body), set)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(form))
            .send()
            .unwrap();
        self.keep(&r);
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        let body = r.text().unwrap();
        (status, location.unwrap_or(body))
    }

    /// The value of the hidden field `name` on the page at `path`.
    fn field(&mut self, path: &str, name: &str) -> String {
        let (_, page, _) = self.get(path);
        let at = page
            .find(&format!("name=\"{name}\" value=\""))
            .unwrap_or_else(|| panic!("no {name} on {path}: {page}"));
        let rest = &page[at + name.len() + 15..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    fn login(&mut self, email: &str, password: &str) -> (u16, String) {
        let pre = self.field("/admin/login", "pre");
        self.post("/admin/login", &[("pre", &pre), ("email", email), ("password", password)])
    }

    /// The login form posted: the cookies it set.
    fn login_set(&mut self, email: &str, password: &str) -> Vec<String> {
        let pre = self.field("/admin/login", "pre");
        let r = self
            .http
            .post(format!("{}/admin/login", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(&[("pre", pre.as_str()), ("email", email), ("password", password)]))
            .send()
            .unwrap();
        self.keep(&r)
    }

    /// Signs in for the first time: new password, TOTP enrolled. Answers the secret, the code
    /// given and the recovery codes.
    fn first_login(&mut self, email: &str, password: &str, new: &str) -> (String, String, Vec<String>) {
        assert_eq!(self.login(email, password), (303, "/admin/password".into()));
        let csrf = self.field("/admin/password", "csrf");
        let changed = self
            .post("/admin/password", &[("csrf", &csrf), ("current", password), ("new", new), ("again", new)]);
        assert_eq!(changed, (303, "/admin/totp/enrol".into()));
        let (_, page, _) = self.get("/admin/totp/enrol");
        let at = page.find("id=\"totp-secret\">").unwrap() + 17;
        let secret = page[at..at + page[at..].find('<').unwrap()].to_owned();
        let csrf = self.field("/admin/totp/enrol", "csrf");
        let code = totp_now(&secret);
        let (status, page) = self.post("/admin/totp/enrol", &[("csrf", &csrf), ("code", &code)]);
        assert_eq!(status, 200, "{page}");
        // The recovery codes: each `<code>…</code>` of the page.
        let codes = page
            .split("<code>")
            .skip(1)
            .map(|c| {
                c.split_once("</code>").unwrap_or_else(|| panic!("a code not closed: {page}")).0.to_owned()
            })
            .collect();
        (secret, code, codes)
    }
}

fn defences(backend: Backend) {
    let server = Server::start(backend, "admin-security");
    let password = server.cli_ok(&["admin", "create", "--email", "chef@boutique.example"]).trim().to_owned();
    let refused = server.cli(&["admin", "create", "--email", "chef@boutique.example"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("has an account already"));
    let mut a = Agent::plain(&server.url);

    // Headers of every page; the API answers 401 to no one; a page sends to the login.
    let r = a.http.get(format!("{}/admin/login", server.url)).send().unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in ["default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"] {
        assert!(csp.contains(part), "{csp}");
    }
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(a.get("/admin/api/dashboard").0, 401);
    assert_eq!(a.get("/admin/tills"), (303, "/admin/login".into(), vec![]));

    // The login form's own token: a post without it (from another site) is refused.
    let (status, _) = a.post("/admin/login", &[("email", "chef@boutique.example"), ("password", &password)]);
    assert_eq!(status, 403);

    // First login; the session cookie is HttpOnly and SameSite=Strict, and not Secure over
    // plain HTTP on loopback.
    let set = a.login_set("Chef@Boutique.example", &password);
    let session = set.iter().find(|c| c.starts_with("pos_admin=")).unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict") && !session.contains("Secure"),
        "{session}"
    );
    // Before the second factor, no page: only the way on.
    assert_eq!(a.get("/admin/"), (303, "/admin/password".into(), vec![]));
    a.cookies.clear();
    let (_secret, used, codes) = a.first_login("chef@boutique.example", &password, "une phrase assez longue");
    assert_eq!(codes.len(), 10);
    assert_eq!(a.get("/admin/").0, 200);

    // Signing out without the form's token is refused; with it, the session is over.
    assert_eq!(a.post("/admin/logout", &[]).0, 403);
    let csrf = a.field("/admin/", "csrf");
    assert_eq!(a.post("/admin/logout", &[("csrf", &csrf)]), (303, "/admin/login".into()));
    assert_eq!(a.get("/admin/").0, 303);

    // The code given at enrolment is taken once: the same code again is refused; a recovery code
    // lets in once.
    assert_eq!(a.login("chef@boutique.example", "une phrase assez longue"), (303, "/admin/totp".into()));
    let csrf = a.field("/admin/totp", "csrf");
    assert_eq!(a.post("/admin/totp", &[("csrf", &csrf), ("code", &used)]).0, 401);
    assert_eq!(
        a.post("/admin/totp", &[("csrf", &csrf), ("code", &codes[0].to_uppercase())]),
        (303, "/admin/".into())
    );
    assert_eq!(a.get("/admin/").0, 200);
    let mut b = Agent::plain(&server.url);
    assert_eq!(b.login("chef@boutique.example", "une phrase assez longue"), (303, "/admin/totp".into()));
    let csrf = b.field("/admin/totp", "csrf");
    assert_eq!(
        b.post("/admin/totp", &[("csrf", &csrf), ("code", &codes[0])]).0,
        401,
        "a recovery code is spent once"
    );

    // A session unused for more than half an hour is over.
    let (rt, storage) = server.storage();
    rt.block_on(storage.write(vec![("UPDATE admin_session SET seen_ms = seen_ms - 1860000", vec![])]))
        .unwrap();
    assert_eq!(a.get("/admin/"), (303, "/admin/login".into(), vec![]));

    // Knowing the password buys no fresh tries at the code: the failures add up across logins
    // until the account locks (one so far: the spent recovery code).
    let mut d = Agent::plain(&server.url);
    for round in 0..2 {
        assert_eq!(
            d.login("chef@boutique.example", "une phrase assez longue"),
            (303, "/admin/totp".into()),
            "{round}"
        );
        let csrf = d.field("/admin/totp", "csrf");
        let tries: u16 = if round == 0 { 2 } else { 1 };
        for _ in 0..tries {
            assert_eq!(d.post("/admin/totp", &[("csrf", &csrf), ("code", "000000")]).0, 401);
        }
    }
    let csrf = d.field("/admin/totp", "csrf");
    let (status, page) = d.post("/admin/totp", &[("csrf", &csrf), ("code", "000000")]);
    assert_eq!(status, 429, "the fifth failure locks: {page}");

    // Five wrong passwords lock the account: the right one is refused until the lock ends.
    let cashier =
        server.cli_ok(&["admin", "create", "--email", "compta@boutique.example", "--role", "accountant"]);
    let mut c = Agent::plain(&server.url);
    for i in 0..4 {
        assert_eq!(c.login("compta@boutique.example", "pas le bon").0, 401, "try {i}");
    }
    let (status, page) = c.login("compta@boutique.example", "pas le bon");
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("bloqué jusqu"), "{page}");
    let (status, page) = c.login("compta@boutique.example", cashier.trim());
    assert_eq!(status, 429, "{page}");
    // A user whose access was withdrawn is told the same as a wrong password.
    let tech =
        server.cli_ok(&["admin", "create", "--email", "tech@boutique.example", "--role", "technician"]);
    let (rt2, st2) = server.storage();
    rt2.block_on(
        st2.write(vec![("UPDATE admin_user SET disabled = 1 WHERE email = 'tech@boutique.example'", vec![])]),
    )
    .unwrap();
    assert_eq!(c.login("tech@boutique.example", tech.trim()).0, 401);
    // An unknown address is told the same as a wrong password.
    assert_eq!(c.login("personne@boutique.example", "x").0, 401);

    // The audit log holds every try, and refuses to be changed, even with the database in hand.
    let log = rt.block_on(storage.audit_log(None, 100)).unwrap();
    assert!(log.iter().filter(|l| l.action == "login_failed").count() >= 8, "{log:?}");
    assert!(log.iter().all(|l| !l.ip.is_empty()));
    drop(storage);
    match backend {
        Backend::Sqlite => {
            let conn = rusqlite::Connection::open(server.data.join("server.db")).unwrap();
            let e = conn.execute("UPDATE admin_audit SET who = 'personne'", []).unwrap_err();
            assert!(e.to_string().contains("never changed"), "{e}");
            let e = conn.execute("DELETE FROM admin_audit", []).unwrap_err();
            assert!(e.to_string().contains("never deleted"), "{e}");
        }
        Backend::Postgres => {
            let (rt, storage) = server.storage();
            let e = rt.block_on(storage.write(vec![("DELETE FROM admin_audit", vec![])])).unwrap_err();
            assert!(e.to_string().contains("never changed nor deleted"), "{e}");
        }
    }
}

#[test]
fn the_admin_pages_defences_sqlite() {
    defences(Backend::Sqlite);
}

#[test]
fn the_admin_pages_defences_postgres() {
    defences(Backend::Postgres);
}

#[test]
fn under_tls_the_session_cookie_is_secure_and_host_only() {
    let dir = scratch("admin-tls");
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_file, cert.cert.pem()).unwrap();
    std::fs::write(&key_file, cert.signing_key.serialize_pem()).unwrap();
    let server = Server::spawn(dir.join("data"), None, Some((cert_file, key_file)), "127.0.0.1:0");
    let password = server.cli_ok(&["admin", "create", "--email", "chef@boutique.example"]).trim().to_owned();
    // An error here only says a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let tls = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    let http = Client::builder().use_preconfigured_tls(tls).redirect(Policy::none()).build().unwrap();
    let mut a = Agent::new(&server.url, http);
    let (_, _, set) = a.get("/admin/login");
    assert!(set.iter().any(|c| c.starts_with("__Host-pos_pre=") && c.contains("Secure")), "{set:?}");
    let r = a.http.get(format!("{}/admin/login", server.url)).send().unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let set = a.login_set("chef@boutique.example", &password);
    let session =
        set.iter().find(|c| c.starts_with("__Host-pos_admin=")).unwrap_or_else(|| panic!("{set:?}"));
    assert!(
        session.contains("Secure") && session.contains("HttpOnly") && session.contains("Path=/"),
        "{session}"
    );
}
