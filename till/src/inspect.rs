//! What can be known of a till from its folder, without its private key and without writing: the
//! checks the till makes at start before it sells ([`start_checks`]), `pos-till verify` ([`verify`])
//! and `pos-till status` ([`status_of`]).

use std::path::Path;

use pos_journal::{ChainName, hex};
use rusqlite::Connection;

use crate::anchor::{self, HeadFile};
use crate::answer::{RegisterView, StatusView};
use crate::error::{ErrorKind, ErrorView, TillError};
use crate::projection::State;
use crate::reason::{HeadProblem, Reason};
use crate::replay::{Replay, compare};
use crate::store::{self, Heads, Identity};
use crate::verify::{Finding, Walked, walk};
use pos_journal::keys::KeyRing;

/// Why the till will not sell until someone acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// The projections were not made from this journal, or were changed since: a manager runs
    /// `pos-till rebuild` (journaled).
    Projections(String),
    /// The projections were written by a version that did not stamp them: the till rebuilds them
    /// itself (journaled) at start.
    Unstamped,
    /// The journal does not reach its head, or holds other records where its head is: the latest
    /// copy of the till is put back, or a manager accepts what is there (`pos-till accept-head`,
    /// journaled).
    Head {
        /// How the journal fails to reach it.
        problem: HeadProblem,
        /// Where the head is.
        expected: String,
        /// What the database holds.
        found: String,
        /// What the till says.
        message: String,
    },
}

impl Block {
    /// What the till says of it, with its code.
    pub fn reason(&self) -> Reason {
        match self {
            Block::Projections(why) => Reason::TablesNotFromJournal { why: why.clone() },
            Block::Unstamped => Reason::TablesPredate,
            Block::Head { problem, expected, found, message } => Reason::HeadNotReached {
                problem: *problem,
                expected: expected.clone(),
                found: found.clone(),
                message: message.clone(),
            },
        }
    }

    /// What the till says of it.
    pub fn message(&self) -> String {
        self.reason().to_string()
    }
}

/// Live tickets in the journal (their numbers run without gaps from 1).
pub fn journal_tickets(conn: &Connection) -> Result<u64, TillError> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(no), 0) FROM journal WHERE chain = 'live' AND kind = 'ticket'",
        [],
        |r| r.get(0),
    )?)
}

/// The checks a till makes at start: projections made from this journal (their stamp, the ticket
/// count and the grand totals against the journal), and the journal reaching its head.
pub fn start_checks(
    conn: &Connection,
    dir: &Path,
    id: &Identity,
    ring: &KeyRing,
    state: Option<&State>,
    heads: &Heads,
) -> Result<Vec<Block>, TillError> {
    let mut blocks = Vec::new();
    match state {
        None => blocks.push(Block::Projections("the state row cannot be read".into())),
        Some(s) => match &s.made_from {
            None => blocks.push(Block::Unstamped),
            Some(stamp) => {
                for (chain, mark) in heads.marks() {
                    let made = stamp.get(chain).map(|m| (m.seq, m.hash.clone()));
                    let now = mark.map(|(seq, hash)| (seq, hex(&hash)));
                    if made != now {
                        let show = |x: &Option<(u64, String)>| {
                            x.as_ref().map_or_else(
                                || "no record".to_owned(),
                                |(seq, hash)| format!("record {seq} ({})", hash.get(..16).unwrap_or(hash)),
                            )
                        };
                        blocks.push(Block::Projections(format!(
                            "they were made from {} {} but the journal ends at {}",
                            chain.as_str(),
                            show(&made),
                            show(&now)
                        )));
                        break;
                    }
                }
                if blocks.is_empty() {
                    let tickets = journal_tickets(conn)?;
                    let (gt, abs) = crate::closing::grand_totals(conn)?;
                    if s.tickets != tickets {
                        blocks.push(Block::Projections(format!(
                            "they count {} tickets where the journal holds {tickets}",
                            s.tickets
                        )));
                    } else if (s.grand_total, s.grand_total_abs) != (gt, abs) {
                        blocks.push(Block::Projections(format!(
                            "they hold a grand total of {} € where the journal adds up to {} €",
                            money(s.grand_total),
                            money(gt)
                        )));
                    } else {
                        let drawer = crate::closing::drawer(conn)?;
                        if s.register != drawer {
                            let show = |r: &Option<crate::projection::Register>| {
                                r.as_ref().map_or_else(
                                    || "no register open".to_owned(),
                                    |r| format!("the register of {}", r.day),
                                )
                            };
                            blocks.push(Block::Projections(format!(
                                "they hold {} where the journal has {}",
                                show(&s.register),
                                show(&drawer)
                            )));
                        }
                    }
                }
            }
        },
    }
    if let Some(b) = head_check(conn, dir, id, ring, state)? {
        blocks.push(b);
    }
    Ok(blocks)
}

/// The head files of the till (beside the database, and the copy the settings name): the first
/// that the journal does not reach, as a block.
fn head_check(
    conn: &Connection,
    dir: &Path,
    id: &Identity,
    ring: &KeyRing,
    state: Option<&State>,
) -> Result<Option<Block>, TillError> {
    let mut found_any = false;
    for (path, head) in heads_of(dir, id, state) {
        let head = match head {
            Ok(Some(h)) => h,
            Ok(None) => continue,
            Err(e) => {
                return Ok(Some(Block::Head {
                    problem: HeadProblem::Unreadable,
                    expected: format!("a readable head at {}", path.display()),
                    found: e.clone(),
                    message: format!(
                        "the till's head file cannot be read ({e}): put back the till's files from its \
                         latest backup, or a manager accepts the journal as it is (`pos-till accept-head`)"
                    ),
                }));
            }
        };
        found_any = true;
        let finding = anchor::check(conn, &id.till, ring, &head).map_err(TillError::storage)?;
        let block = |problem: HeadProblem, expected: String, found: String, what: &str| Block::Head {
            problem,
            message: format!(
                "{what}: the head kept in {} is {expected}, the database holds {found}. Put back the latest \
                 copy of till.db; if it is lost, a manager accepts the loss with `pos-till accept-head` \
                 (journaled)",
                path.display()
            ),
            expected,
            found,
        };
        match finding {
            anchor::Finding::Reached => {}
            anchor::Finding::Behind { head, found } => {
                return Ok(Some(block(
                    HeadProblem::Behind,
                    head,
                    found,
                    "the journal is older than its head (cut short, or an older copy put back)",
                )));
            }
            anchor::Finding::Differs { head, found } => {
                return Ok(Some(block(
                    HeadProblem::Differs,
                    head,
                    found,
                    "the journal holds other records than its head (rewritten)",
                )));
            }
            anchor::Finding::Foreign(why) => {
                return Ok(Some(block(
                    HeadProblem::Foreign,
                    head.describe(),
                    why,
                    "the head does not belong to this journal",
                )));
            }
        }
    }
    if !found_any && anchor::expected(conn)? {
        return Ok(Some(Block::Head {
            problem: HeadProblem::Missing,
            expected: "a head file".into(),
            found: "none".into(),
            message: format!(
                "the till's head file is missing ({}): put back the till's files from its latest backup, or \
                 a manager accepts the journal as it is (`pos-till accept-head`, journaled)",
                dir.join(anchor::HEAD_FILE).display()
            ),
        }));
    }
    Ok(None)
}

/// Each head file the till may have: beside the database, and in the folder `head_copy` names.
pub fn heads_of(
    dir: &Path,
    id: &Identity,
    state: Option<&State>,
) -> Vec<(std::path::PathBuf, Result<Option<HeadFile>, String>)> {
    let mut out = vec![dir.join(anchor::HEAD_FILE)];
    if let Some(copy) = state.and_then(|s| s.config.get("head_copy")).filter(|c| !c.is_empty()) {
        out.push(anchor::copy_path(Path::new(copy), &id.till));
    }
    out.into_iter().map(|p| (p.clone(), anchor::read(&p))).collect()
}

fn money(cents: i64) -> String {
    pos_core::money::Money::from_cents(cents).to_string()
}

/// What `pos-till verify` found.
#[derive(Debug)]
pub struct Report {
    /// The walk (records checked, findings in the journal).
    pub walked: Walked,
    /// The till's keys.
    pub ring: KeyRing,
    /// Closures checked against the tickets.
    pub closures: u64,
    /// The first projection row that is not what the journal makes.
    pub projections: Option<Finding>,
    /// What is outside the journal and contradicts it (head, key file, expected key).
    pub outside: Vec<Finding>,
    /// What was found of the head files, for the report.
    pub heads: Vec<String>,
    /// Whether the journal was replayed.
    pub replayed: bool,
    /// The tables predate their stamp (an upgrade): not compared.
    pub unstamped: bool,
}

impl Report {
    /// The first thing found wrong.
    pub fn first_problem(&self) -> Option<&Finding> {
        // What the journal itself says comes first; then what outside it contradicts it (a head it
        // does not reach, another key), which explains a projection that differs; then the tables.
        self.walked.first().or(self.outside.first()).or(self.projections.as_ref())
    }

    /// The report as `pos-till verify` prints it: `OK …` or `BROKEN …` first.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.first_problem() {
            None => out.push(format!(
                "OK {} records (live {}, training {})",
                self.walked.records(),
                self.walked.live,
                self.walked.training
            )),
            Some(f) => out.push(format!("BROKEN {f}")),
        }
        for k in self.ring.keys() {
            out.push(format!("key {} in force from live record {}", k.fingerprint(), k.from_seq));
        }
        if self.replayed {
            out.push(format!("closures: {} checked against the tickets before them", self.closures));
            if self.walked.findings.is_empty() {
                out.push(match &self.projections {
                    None if self.unstamped => "projections: written before this version, not compared: the \
                        till makes them again from the journal at its next start"
                        .into(),
                    None => "projections: as the journal makes them".into(),
                    Some(f) => format!("projections: {f}"),
                });
            }
        }
        out.extend(self.heads.iter().cloned());
        let first = self.first_problem();
        for f in self.outside.iter().filter(|f| Some(*f) != first) {
            out.push(f.to_string());
        }
        out
    }
}

/// Verifies the till in `dir` from its database alone (read only; the private key is not needed):
/// the chain, and with `replay` every record against those before it and every projection against
/// the replay; then the head files and the key file when they are there, and the key expected.
pub fn verify(dir: &Path, expect_key: Option<&str>, replay: bool) -> Result<Report, TillError> {
    let ro = store::open_read_only(dir)?;
    let conn = &ro.conn;
    let id = store::identity(conn)?;
    let ring = crate::keys::load(conn)?;
    let mut r = None;
    if replay {
        let temp = store::PROJECTION_SCHEMA.replace("CREATE TABLE ", "CREATE TEMP TABLE ");
        conn.execute_batch(&format!("PRAGMA temp_store = MEMORY; BEGIN; {temp}"))?;
        let settings = crate::catalogue::settings(conn)?;
        crate::projection::seed_loyalty(conn, &settings.customers)?;
        r = Some(Replay::new(settings.promotions.iter().map(|p| p.name.to_string())));
    }
    let walked = walk(conn, &id.till, &ring, r.as_mut(), true)?;
    if let Some(rp) = r.as_mut() {
        rp.finish();
    }
    let mut projections = None;
    let stored = crate::projection::load_state(conn)?;
    // Tables written before they were stamped are made again by the till at its next start: there
    // is nothing of theirs to vouch for.
    let unstamped = stored.as_ref().is_some_and(|s| s.made_from.is_none());
    if let Some(rp) = &r
        && walked.findings.is_empty()
        && !unstamped
    {
        projections = compare(conn, "main", "temp", &rp.state)?;
    }
    let mut outside = Vec::new();
    let mut heads = notable(conn)?;
    let state =
        r.as_ref().map(|rp| rp.state.clone()).or_else(|| crate::projection::load_state(conn).ok().flatten());
    let kept = crate::anchor::expected(conn)?;
    let mut found_head = false;
    for (path, head) in heads_of(dir, &id, state.as_ref()) {
        found_head |= !matches!(head, Ok(None));
        match head {
            Ok(None) => heads.push(format!("head: none at {}", path.display())),
            Err(e) => outside.push(Finding::Outside(format!("the head file is unreadable: {e}"))),
            Ok(Some(h)) => match anchor::check(conn, &id.till, &ring, &h).map_err(TillError::storage)? {
                anchor::Finding::Reached => {
                    heads.push(format!("head: {} ({}) is in the journal", path.display(), h.describe()));
                }
                anchor::Finding::Behind { head, found } => outside.push(Finding::Outside(format!(
                    "the journal ends at {found} but its head {} says {head}: records were removed or an \
                     older copy was put back",
                    path.display()
                ))),
                anchor::Finding::Differs { head, found } => outside.push(Finding::Outside(format!(
                    "the head {} says {head} but the journal holds {found}: the journal was rewritten",
                    path.display()
                ))),
                anchor::Finding::Foreign(why) => {
                    outside.push(Finding::Outside(format!("the head {}: {why}", path.display())));
                }
            },
        }
    }
    if kept && !found_head {
        outside.push(Finding::Outside(format!(
            "the journal keeps a head outside the database but there is none beside it ({}): ask for the \
             till's head file, or its copy",
            dir.join(crate::anchor::HEAD_FILE).display()
        )));
    }
    if let Ok(key) = store::read_key(dir)
        && key.verifying_key().to_bytes() != ring.current().key
    {
        outside.push(Finding::Outside(format!(
            "the journal's public key is not the one of {} (the database was re-keyed, or the key file replaced)",
            dir.join(store::KEY_FILE).display()
        )));
    }
    if let Some(fp) = expect_key
        && ring.holds(fp).is_none()
    {
        outside.push(Finding::Outside(format!(
            "the journal is signed by key {}, not by the expected {fp}",
            ring.keys().iter().map(|k| k.fingerprint()).collect::<Vec<_>>().join(" then ")
        )));
    }
    let (unreached, reached) = crate::sync::anchor_findings(conn, dir)?;
    outside.extend(unreached.into_iter().map(Finding::Outside));
    heads.extend(reached);
    let closures = r.as_ref().map_or(0, |rp| rp.closures);
    Ok(Report { walked, ring, closures, projections, outside, heads, replayed: replay, unstamped })
}

/// The events an inspector wants pointed out: tables rebuilt, heads accepted after a loss, keys
/// handed over, each with its record.
fn notable(conn: &Connection) -> Result<Vec<String>, TillError> {
    let mut stmt = conn.prepare(
        "SELECT seq FROM journal WHERE chain = 'live' AND kind = 'event'
         AND (instr(CAST(bytes AS TEXT), '\"type\":\"projections_rebuilt\"') > 0
              OR instr(CAST(bytes AS TEXT), '\"type\":\"head_accepted\"') > 0
              OR instr(CAST(bytes AS TEXT), '\"type\":\"key_changed\"') > 0)
         ORDER BY seq",
    )?;
    let seqs: Vec<u64> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for seq in seqs {
        let Some(r) = store::read_records(conn, ChainName::Live, seq, seq)?.pop() else { continue };
        let at = r.header.at.get(..19).unwrap_or(&r.header.at).to_owned();
        out.push(match r.entry {
            pos_journal::body::Entry::ProjectionsRebuilt { by, reason, .. } => {
                format!("record {seq} ({at}): tables rebuilt from the journal by {by}: {reason}")
            }
            pos_journal::body::Entry::HeadAccepted { expected, found, by } => {
                format!("record {seq} ({at}): {by} accepted a journal that did not reach its head: it was {expected}, the database held {found}")
            }
            pos_journal::body::Entry::KeyChanged { by, .. } => format!("record {seq} ({at}): key changed by {by}"),
            _ => continue,
        });
    }
    Ok(out)
}

/// The till's status as its folder has it (no device is opened, nothing written).
pub fn status_of(
    conn: &Connection,
    id: &Identity,
    state: &State,
    heads: &Heads,
    ring: &KeyRing,
    blocks: &[Block],
) -> Result<StatusView, TillError> {
    let b = if state.training { &state.training_basket } else { &state.basket };
    let (gt, abs) = crate::closing::grand_totals(conn)?;
    let settings = crate::limits::Limits::from_config(&state.config);
    let register = state.register.as_ref().map(|r| -> Result<RegisterView, TillError> {
        Ok(RegisterView {
            day: r.day.clone(),
            float: money(r.float),
            expected_cash: money(r.expected()?),
            cash_confirm_multiple: settings.cash_confirm_multiple,
            closing_shows_expected: settings.closing_shows_expected,
        })
    });
    Ok(StatusView {
        till: id.till.clone(),
        store: id.store.clone(),
        key: ring.current().fingerprint(),
        operator: state.operator.clone(),
        training: state.training,
        register: register.transpose()?,
        idle_lock_minutes: settings.idle_lock_minutes,
        basket_lines: u32::try_from(b.lines.len()).unwrap_or(u32::MAX),
        parked: state
            .parked
            .iter()
            .map(|(slot, b)| crate::answer::ParkedView {
                slot: *slot,
                at: None,
                customer: b.customer.clone(),
                lines: u32::try_from(b.lines.len()).unwrap_or(u32::MAX),
                total: None,
            })
            .collect(),
        records: heads.len(ChainName::Live),
        training_records: heads.len(ChainName::Training),
        tickets: journal_tickets(conn)?,
        grand_total: money(gt),
        grand_total_abs: money(abs),
        uncounted_days: state.uncounted.iter().cloned().collect(),
        unresolved_cards: state.unresolved_cards.iter().cloned().collect(),
        cards_on_basket: b.cards.clone(),
        blocked: blocks.iter().map(|b| ErrorView::of(ErrorKind::Blocked, b.reason())).collect(),
        devices: None,
        head_office: None,
        quick_keys: Vec::new(),
    })
}
