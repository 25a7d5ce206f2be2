//! Who may come in and what they may do: roles and the areas each sees, passwords (argon2id),
//! the TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s, one step of drift either way, each
//! code taken once), recovery codes, session and form tokens, and the limits on repeated failures.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use pos_journal::{hex, sha256};
use totp_rs::TOTP;

/// A role on the admin page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, users included.
    Admin,
    /// The books, balances, web orders; no till, no price, no user.
    Accountant,
    /// Their own store only: its dashboard, tills, stock and click & collect.
    StoreManager,
    /// Tills and their peripherals.
    Technician,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Accountant, Role::StoreManager, Role::Technician];

    /// Its word, as kept.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Accountant => "accountant",
            Role::StoreManager => "store_manager",
            Role::Technician => "technician",
        }
    }

    /// The role a word names.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role sees `area`.
    pub fn may(self, area: Area) -> bool {
        use Area::*;
        match self {
            Role::Admin => true,
            Role::Accountant => matches!(area, Dashboard | WebOrders | Balances | Books),
            Role::StoreManager => matches!(area, Dashboard | Tills | Stock | WebOrders),
            Role::Technician => matches!(area, Dashboard | Tills),
        }
    }
}

/// A family of pages (and their API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Area {
    /// Today, yesterday, the last 30 days, alerts.
    Dashboard,
    /// Tills, their streams, enrolment.
    Tills,
    /// Items, prices, promotions.
    Catalogue,
    /// Levels, movements, replenishment, transfers.
    Stock,
    /// Web orders and click & collect.
    WebOrders,
    /// Gift cards, store credit, loyalty.
    Balances,
    /// Entries, VAT, P&L, bank reconciliation, FEC.
    Books,
    /// A customer's data exported or erased (GDPR).
    Customers,
    /// Users, roles, the audit log.
    Users,
}

/// How far a session's login went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The password was right; the TOTP code is awaited.
    Totp,
    /// The password was made by someone else: a new one is awaited.
    ChangePassword,
    /// No second factor yet: its enrolment is awaited.
    EnrolTotp,
    /// In.
    Full,
}

impl Stage {
    /// Its word, as kept.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Totp => "totp",
            Stage::ChangePassword => "change_password",
            Stage::EnrolTotp => "enrol_totp",
            Stage::Full => "full",
        }
    }

    /// The stage a word names.
    pub fn parse(s: &str) -> Option<Stage> {
        [Stage::Totp, Stage::ChangePassword, Stage::EnrolTotp, Stage::Full]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Failed logins in a row before an account is locked.
pub const LOCK_AFTER: i64 = 5;
/// How long it stays locked.
pub const LOCK_MS: i64 = 15 * 60 * 1000;
/// A session unused this long is over.
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// A session is over this long after its login, used or not.
pub const SESSION_MS: i64 = 12 * 60 * 60 * 1000;
/// The shortest password taken.
pub const PASSWORD_MIN: usize = 12;
/// The longest (argon2 takes any length; a megabyte of it is an attack).
pub const PASSWORD_MAX: usize = 256;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

fn argon() -> Argon2<'static> {
    // OWASP's argon2id setting: 19 MiB, 2 passes, 1 lane.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).unwrap_or_default())
}

/// `n` random bytes from the system.
pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The system's generator failing leaves nothing safe to do.
    getrandom::fill(&mut b).expect("the system's random generator");
    b
}

/// The PHC string of `password` hashed with a fresh salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random::<16>()).expect("16 bytes make a salt");
    argon()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .expect("argon2 with valid parameters")
}

/// Whether `password` is the one `phc` was made from.
pub fn password_is(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon().verify_password(password.as_bytes(), &h).is_ok())
}

/// Runs `f` (an argon2 hash or check: 19 MiB and tens of milliseconds each) on the blocking pool,
/// two at a time at most: a flood of logins waits its turn instead of taking the machine's memory.
pub async fn hashing<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    let _turn = TURNS.acquire().await.ok()?;
    tokio::task::spawn_blocking(f).await.ok()
}

/// A hash to check unknown users' passwords against, so that a wrong e-mail takes as long as a
/// wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("a password nobody has"))
}

/// Why a new password is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordRefusal {
    /// Shorter than [`PASSWORD_MIN`].
    TooShort,
    /// Longer than [`PASSWORD_MAX`].
    TooLong,
    /// The two typings differ.
    Different,
    /// The same as the one it replaces.
    Same,
}

/// Checks a new password typed twice.
pub fn new_password(old_phc: &str, new: &str, again: &str) -> Result<(), PasswordRefusal> {
    if new != again {
        return Err(PasswordRefusal::Different);
    }
    let n = new.chars().count();
    if n < PASSWORD_MIN {
        return Err(PasswordRefusal::TooShort);
    }
    if n > PASSWORD_MAX {
        return Err(PasswordRefusal::TooLong);
    }
    if password_is(old_phc, new) {
        return Err(PasswordRefusal::Same);
    }
    Ok(())
}

/// A one-time password for a new user: 16 characters without look-alikes.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    random::<16>().iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// A new session token (for the cookie) and its hash (for the database).
pub fn session_token() -> (String, [u8; 32]) {
    let t = hex(&random::<32>());
    let h = sha256(t.as_bytes());
    (t, h)
}

/// The hash a session token is kept under.
pub fn token_hash(token: &str) -> [u8; 32] {
    sha256(token.as_bytes())
}

/// A new form token.
pub fn csrf_token() -> String {
    hex(&random::<24>())
}

/// Compares two secrets in a time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// A fresh TOTP secret (160 bits, as RFC 4226 recommends).
pub fn totp_secret() -> Vec<u8> {
    random::<20>().to_vec()
}

fn totp(secret: &[u8]) -> TOTP {
    TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, secret.to_vec())
}

/// The secret in base32, as an authenticator app takes it typed.
pub fn totp_base32(secret: &[u8]) -> String {
    totp(secret).get_secret_base32()
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn totp_url(secret: &[u8], issuer: &str, account: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        totp_base32(secret),
        enc(issuer)
    )
}

/// The QR code of `text`, as an SVG image.
pub fn qr_svg(text: &str) -> String {
    qrcode::QrCode::new(text.as_bytes())
        .map(|q| q.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build())
        .unwrap_or_default()
}

/// The code `secret` gives at `unix_s` (what an authenticator app shows).
pub fn totp_code(secret: &[u8], unix_s: u64) -> String {
    totp(secret).generate(unix_s)
}

/// The time step `code` belongs to, if it is right at `unix_s` (one step of drift either way)
/// and later than `last_step` (a code is taken once).
pub fn totp_step(secret: &[u8], code: &str, unix_s: u64, last_step: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_s / 30;
    let t = totp(secret);
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .filter_map(|s| i64::try_from(s).ok().map(|i| (s, i)))
        .filter(|(_, i)| *i > last_step)
        .find(|(s, _)| same_secret(&t.generate(s * 30), &code))
        .map(|(_, i)| i)
}

/// Recovery codes (`xxxx-xxxx-xxxx`), shown once; only their hashes are kept.
pub fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let h = hex(&random::<6>());
            format!("{}-{}-{}", &h[0..4], &h[4..8], &h[8..12])
        })
        .collect()
}

/// The hash a recovery code is kept under (typed with or without its dashes, any case).
pub fn recovery_hash(code: &str) -> [u8; 32] {
    let clean: String =
        code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    sha256(clean.as_bytes())
}

/// Failed logins per address: at most [`Throttle::LIMIT`] in [`Throttle::WINDOW_MS`], whatever
/// the account (guessing across accounts is slowed as much as guessing one).
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<IpAddr, VecDeque<i64>>>,
}

impl Throttle {
    /// Failures an address may make in the window.
    pub const LIMIT: usize = 20;
    /// The window.
    pub const WINDOW_MS: i64 = 10 * 60 * 1000;

    /// The key an address is counted under: an IPv6 address by its /64 (one subscriber's
    /// network), an IPv4 address whole.
    fn key(ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V6(v6) => {
                let mut o = v6.octets();
                o[8..].fill(0);
                IpAddr::from(o)
            }
            v4 => v4,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<IpAddr, VecDeque<i64>>) -> T) -> T {
        let mut m = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut m)
    }

    /// Whether `ip` may try again at `now_ms`; if not, from when.
    pub fn check(&self, ip: IpAddr, now_ms: i64) -> Result<(), i64> {
        let ip = Self::key(ip);
        self.with(|m| {
            let Some(q) = m.get_mut(&ip) else { return Ok(()) };
            while q.front().is_some_and(|t| *t <= now_ms - Self::WINDOW_MS) {
                q.pop_front();
            }
            match q.front() {
                Some(first) if q.len() >= Self::LIMIT => Err(first + Self::WINDOW_MS),
                _ => Ok(()),
            }
        })
    }

    /// Notes a failure of `ip`.
    pub fn failed(&self, ip: IpAddr, now_ms: i64) {
        let ip = Self::key(ip);
        self.with(|m| {
            // A flood of addresses cannot grow the map without end: the oldest are dropped.
            if m.len() > 100_000 {
                m.retain(|_, q| q.back().is_some_and(|t| *t > now_ms - Self::WINDOW_MS));
            }
            m.entry(ip).or_default().push_back(now_ms);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1, the last six digits of its eight.
        let secret = b"12345678901234567890";
        for (t, code) in
            [(59, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924"), (2_000_000_000, "279037")]
        {
            assert_eq!(totp_code(secret, t), code);
        }
        assert_eq!(totp_step(secret, "287082", 59, 0), Some(1));
        assert_eq!(totp_step(secret, "287082", 59, 1), None, "a code is taken once");
        assert_eq!(totp_step(secret, "287082", 59 + 30, 0), Some(1), "one step of drift");
        assert_eq!(totp_step(secret, "287082", 59 + 90, 0), None);
        assert_eq!(totp_step(secret, "28708", 59, 0), None);
    }

    #[test]
    fn passwords_and_throttle() {
        let h = hash_password("correct horse battery");
        assert!(password_is(&h, "correct horse battery"));
        assert!(!password_is(&h, "correct horse batterY"));
        assert_eq!(new_password(&h, "short", "short"), Err(PasswordRefusal::TooShort));
        assert_eq!(
            new_password(&h, "correct horse battery", "correct horse battery"),
            Err(PasswordRefusal::Same)
        );
        assert_eq!(
            new_password(&h, "a new long phrase", "a new long phrasE"),
            Err(PasswordRefusal::Different)
        );
        assert_eq!(new_password(&h, "a new long phrase", "a new long phrase"), Ok(()));
        let t = Throttle::default();
        let ip: IpAddr = [127, 0, 0, 1].into();
        for i in 0..Throttle::LIMIT {
            assert!(t.check(ip, 1000 + i as i64).is_ok());
            t.failed(ip, 1000 + i as i64);
        }
        assert_eq!(t.check(ip, 2000), Err(1000 + Throttle::WINDOW_MS));
        assert!(t.check(ip, 1000 + Throttle::WINDOW_MS + 1).is_ok());
        assert_eq!(recovery_hash("AB12-cd34-ef56"), recovery_hash("ab12cd34ef56"));
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        for i in 0..Throttle::LIMIT {
            t.failed(a, 1000 + i as i64);
        }
        assert!(t.check("2001:db8::ffff".parse().unwrap(), 2000).is_err(), "one /64, one allowance");
        assert!(t.check("2001:db8:0:1::1".parse().unwrap(), 2000).is_ok());
    }
}
