//! The till's signed head, kept outside its database: after every fiscal commit the till writes the
//! last record of each chain (seq, hash and the record's own signature) into `till.head` beside the
//! database, and into a second copy where the setting `head_copy` says (a backup folder, a USB key).
//!
//! A database can be cut short or replaced by yesterday's copy without breaking its chain; its head
//! cannot follow it back. The file holds two slots written in turn ([`SLOT`]), so a write torn by a
//! power cut leaves the previous head readable. At start the till refuses a database older than its head ([`check`]), and
//! says what it found. The head is written after the commit with no sync of its own: a head older
//! than the database is harmless (the database is newer), only a database older than its head is
//! refused. Every Z prints the head too, so a paper Z anchors the journal as well; head office's
//! acknowledgements will be the third anchor.

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use pos_journal::{ChainName, hex, unhex};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::store::Heads;
use pos_journal::keys::KeyRing;

/// The head file's name beside the database.
pub const HEAD_FILE: &str = "till.head";
/// The head file's format.
pub const FORMAT: &str = "pos-till-head/1";

/// The last record of a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    /// Its seq.
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
    /// Its signature (the record's own), hex.
    pub sig: String,
}

/// A head file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadFile {
    /// [`FORMAT`].
    pub format: String,
    /// The till.
    pub till: String,
    /// The live chain's last record.
    pub live: ChainHead,
    /// The training chain's last record, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<ChainHead>,
    /// The time of the live record.
    pub at: String,
    /// Counts the writes of this file: the slot with the highest is the head (a head accepted by a
    /// manager after a loss may be lower in seq than the one it replaces).
    #[serde(default)]
    pub generation: u64,
}

impl HeadFile {
    /// The head of `till` as `heads` has it; `None` before the first record.
    pub fn of(till: &str, heads: &Heads) -> Option<HeadFile> {
        let chain = |c: ChainName| {
            heads.head(c).map(|(seq, hash, sig)| ChainHead { seq, hash: hex(&hash), sig: hex(&sig) })
        };
        Some(HeadFile {
            format: FORMAT.into(),
            till: till.into(),
            live: chain(ChainName::Live)?,
            training: chain(ChainName::Training),
            at: heads.last_at(ChainName::Live).unwrap_or_default().to_owned(),
            generation: 0,
        })
    }

    /// `live 42 3f2a…` as the events and messages say it.
    pub fn describe(&self) -> String {
        format!("live record {} (hash {}, {})", self.live.seq, short(&self.live.hash), self.at)
    }
}

fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

/// Where the second copy of `till`'s head goes in folder `copy`.
pub fn copy_path(copy: &Path, till: &str) -> PathBuf {
    copy.join(format!("{till}.head"))
}

/// The head file holds two slots of this many bytes; each write goes to the one not holding the
/// newest head, so a write torn by a power cut leaves the other, an older head, readable.
pub const SLOT: usize = 1024;

/// Writes `head` into its slot of the file `path`, in place: no truncation, no rename, no sync. On
/// ext4 both a rename over a file and a truncation make the kernel flush the new data at once (its
/// `auto_da_alloc` safety for applications that forget to sync): 330–400 µs a commit, measured,
/// against 4 µs for a write in place.
fn write_slot(path: &Path, head: &HeadFile) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
    if file.metadata()?.len() < 2 * SLOT as u64 {
        file.set_len(2 * SLOT as u64)?;
    }
    // The slot not holding the latest head: that one stays whole whatever happens to this write.
    let mut both = vec![0u8; 2 * SLOT];
    file.read_exact_at(&mut both, 0)?;
    let generation =
        |slot: &[u8]| serde_json::from_slice::<HeadFile>(slot.trim_ascii()).ok().map(|h| h.generation);
    let (a, b) = (generation(&both[..SLOT]), generation(&both[SLOT..]));
    let slot: u64 = match (a, b) {
        (Some(a), Some(b)) if a > b => 1,
        (Some(_), None) => 1,
        _ => 0,
    };
    let mut head = head.clone();
    head.generation = a.max(b).map_or(1, |g| g + 1);
    let mut bytes = serde_json::to_vec(&head).map_err(std::io::Error::other)?;
    if bytes.len() >= SLOT {
        return Err(std::io::Error::other("a head longer than its slot"));
    }
    bytes.resize(SLOT - 1, b' ');
    bytes.push(b'\n');
    file.write_all_at(&bytes, slot * SLOT as u64)
}

/// Writes the head beside the database and, when `copy` is set, into that folder. The copy's
/// failure (a USB key pulled out) is returned for the device status; it never stops a sale.
pub fn write(dir: &Path, copy: Option<&Path>, head: &HeadFile) -> Result<(), String> {
    write_slot(&dir.join(HEAD_FILE), head)
        .map_err(|e| format!("cannot write {}: {e}", dir.join(HEAD_FILE).display()))?;
    if let Some(folder) = copy {
        let path = copy_path(folder, &head.till);
        write_slot(&path, head)
            .map_err(|e| format!("cannot write the head's copy {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Reads a head file: the latest written of its slots that reads as a head. `Ok(None)` when there is no
/// file, `Err` when no slot reads.
pub fn read(path: &Path) -> Result<Option<HeadFile>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut found: Option<HeadFile> = None;
    let mut why = String::from("it is empty");
    for slot in bytes.chunks(SLOT) {
        let text = slot.trim_ascii();
        if text.is_empty() || text.iter().all(|b| *b == 0) {
            continue;
        }
        match serde_json::from_slice::<HeadFile>(text) {
            Ok(h) if h.format == FORMAT => {
                if found.as_ref().is_none_or(|f| f.generation < h.generation) {
                    found = Some(h);
                }
            }
            Ok(h) => why = format!("unknown head format `{}`", h.format),
            Err(e) => why = e.to_string(),
        }
    }
    found.map(Some).ok_or_else(|| format!("{} is not a head file: {why}", path.display()))
}

/// What a head file says of the database it is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The journal holds the head's records: the database is the head's or newer.
    Reached,
    /// The database ends before the head: it was cut short, or an older copy was put back.
    Behind {
        /// Where the head is.
        head: String,
        /// Where the database ends.
        found: String,
    },
    /// The database holds another record where the head is: the journal was rewritten.
    Differs {
        /// Where the head is.
        head: String,
        /// What the database holds there.
        found: String,
    },
    /// The head is not this till's, or its signature is not the till's (re-keyed, forged).
    Foreign(String),
}

/// Checks one head file against the journal of `conn`.
pub fn check(conn: &Connection, till: &str, ring: &KeyRing, head: &HeadFile) -> Result<Finding, String> {
    if head.till != till {
        return Ok(Finding::Foreign(format!("the head file is till {}'s, not {till}'s", head.till)));
    }
    let keys = ring.verifying()?;
    for (chain, h) in [(ChainName::Live, Some(&head.live)), (ChainName::Training, head.training.as_ref())] {
        let Some(h) = h else { continue };
        let (Some(hash), Some(sig)) = (
            unhex(&h.hash).and_then(|b| <[u8; 32]>::try_from(b).ok()),
            unhex(&h.sig).and_then(|b| <[u8; 64]>::try_from(b).ok()),
        ) else {
            return Ok(Finding::Foreign(format!("the head of the {} chain is malformed", chain.as_str())));
        };
        let signed = |k: &VerifyingKey| pos_journal::signature::verify_one(k, &hash, &sig);
        let by_ring = match chain {
            ChainName::Live => signed(&keys[ring.index_at(h.seq)]),
            ChainName::Training => keys.iter().any(signed),
        };
        if !by_ring {
            return Ok(Finding::Foreign(format!(
                "the head of the {} chain (record {}) is not signed by a key of this journal (key now {}): \
                 the database was re-keyed, or the head forged",
                chain.as_str(),
                h.seq,
                ring.current().fingerprint()
            )));
        }
        let here = || format!("{} record {} (hash {})", chain.as_str(), h.seq, short(&h.hash));
        let last: u64 = conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM journal WHERE chain = ?1", [chain.as_str()], |r| {
                r.get(0)
            })
            .map_err(|e| e.to_string())?;
        if last < h.seq {
            return Ok(Finding::Behind {
                head: format!("{} of {}", here(), head.at),
                found: format!("{} record {last}", chain.as_str()),
            });
        }
        let stored: Option<Vec<u8>> = conn
            .query_row(
                "SELECT hash FROM journal WHERE chain = ?1 AND seq = ?2",
                params![chain.as_str(), h.seq],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| e.to_string())?;
        if stored.as_deref() != Some(&hash[..]) {
            return Ok(Finding::Differs {
                head: here(),
                found: format!(
                    "{} record {} with hash {}",
                    chain.as_str(),
                    h.seq,
                    stored.map(|s| hex(&s)).as_deref().map_or("none", short).to_owned()
                ),
            });
        }
    }
    Ok(Finding::Reached)
}

/// Whether the journal says a head is kept (a `head_started` or `head_accepted` event): from then
/// on a missing head file is a finding, not a fresh start.
pub fn expected(conn: &Connection) -> Result<bool, rusqlite::Error> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM journal WHERE chain = 'live' AND kind = 'event' AND (instr(CAST(bytes AS TEXT), '\"type\":\"head_started\"') > 0 OR instr(CAST(bytes AS TEXT), '\"type\":\"head_accepted\"') > 0))",
        [],
        |r| r.get(0),
    )
}

/// Writes heads on a thread of its own, so that a commit never waits for it: the commit hands over
/// the head it has just made durable, and goes on; the thread writes the latest head it was given
/// (several handed over meanwhile: only the last is written). A head is only ever handed over after
/// its commit, so the file is never ahead of the database. Dropping the writer writes what is
/// pending first.
pub struct HeadWriter {
    dir: PathBuf,
    shared: std::sync::Arc<(std::sync::Mutex<Pending>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How long the head writer waits for a burst of commits to end.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(20);
/// How long a flush waits for the head to be written at most.
pub const FLUSH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long a head may wait at most, commits coming all the while.
const MAX_DELAY: std::time::Duration = std::time::Duration::from_millis(200);

struct Pending {
    next: Option<(HeadFile, Option<PathBuf>)>,
    /// When the oldest head not yet written was handed over.
    since: std::time::Instant,
    /// Someone waits for the head to be written: no settling.
    flushing: bool,
    writing: bool,
    stop: bool,
    /// What the last write said (for the device status).
    last: Option<Result<(), String>>,
}

impl Default for Pending {
    fn default() -> Pending {
        Pending {
            next: None,
            since: std::time::Instant::now(),
            flushing: false,
            writing: false,
            stop: false,
            last: None,
        }
    }
}

impl HeadWriter {
    /// A writer for the till in `dir`.
    pub fn new(dir: &Path) -> HeadWriter {
        let shared =
            std::sync::Arc::new((std::sync::Mutex::new(Pending::default()), std::sync::Condvar::new()));
        let (theirs, mine, dir) = (std::sync::Arc::clone(&shared), dir.to_owned(), dir.to_owned());
        let thread = std::thread::Builder::new()
            .name("till-head".into())
            .spawn(move || {
                let (lock, ready) = &*theirs;
                let Ok(mut p) = lock.lock() else { return };
                loop {
                    if p.next.is_some() && !p.stop {
                        // A commit comes in a burst (a ticket and its card answer, a closure): the
                        // head waits for the burst to end, at most `SETTLE`, and is written once.
                        let (again, timeout) = match ready.wait_timeout(p, SETTLE) {
                            Ok(x) => x,
                            Err(_) => return,
                        };
                        p = again;
                        if !timeout.timed_out() && !p.flushing && p.since.elapsed() < MAX_DELAY {
                            continue;
                        }
                    }
                    if let Some((head, copy)) = p.next.take() {
                        p.writing = true;
                        drop(p);
                        let outcome = write(&dir, copy.as_deref(), &head);
                        let Ok(again) = lock.lock() else { return };
                        p = again;
                        p.writing = false;
                        p.last = Some(outcome);
                        ready.notify_all();
                        continue;
                    }
                    if p.stop {
                        return;
                    }
                    let Ok(again) = ready.wait(p) else { return };
                    p = again;
                }
            })
            .ok();
        HeadWriter { dir: mine, shared, thread }
    }

    /// Hands the latest head over (written beside the database, and in `copy` when set). Where no
    /// thread could be started, it is written here and now.
    pub fn submit(&self, head: HeadFile, copy: Option<PathBuf>) {
        let (lock, ready) = &*self.shared;
        if self.thread.is_none() {
            let outcome = write(&self.dir, copy.as_deref(), &head);
            if let Ok(mut p) = lock.lock() {
                p.last = Some(outcome);
            }
            return;
        }
        if let Ok(mut p) = lock.lock() {
            if p.next.is_none() {
                p.since = std::time::Instant::now();
            }
            p.next = Some((head, copy));
            ready.notify_all();
        }
    }

    /// Waits until every head handed over is written (at most [`FLUSH_WAIT`]: a copy on a USB key
    /// or a network folder that hangs does not hold the till); gives what the last write said.
    pub fn flush(&self) -> Option<Result<(), String>> {
        let (lock, ready) = &*self.shared;
        let mut p = lock.lock().ok()?;
        p.flushing = true;
        ready.notify_all();
        let deadline = std::time::Instant::now() + FLUSH_WAIT;
        while self.thread.is_some() && (p.next.is_some() || p.writing) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                p.flushing = false;
                return Some(Err("the head's copy did not answer: it is written when it does".into()));
            }
            p = ready.wait_timeout(p, left).ok()?.0;
        }
        p.flushing = false;
        p.last.clone()
    }

    /// What the last write said, without waiting.
    pub fn last(&self) -> Option<Result<(), String>> {
        self.shared.0.lock().ok().and_then(|p| p.last.clone())
    }
}

impl Drop for HeadWriter {
    fn drop(&mut self) {
        let written = self.flush();
        if let Ok(mut p) = self.shared.0.lock() {
            p.stop = true;
            self.shared.1.notify_all();
        }
        // A writer stuck on a copy that does not answer is left behind rather than waited for.
        if let Some(t) = self.thread.take()
            && written.is_none_or(|w| w.is_ok())
            && t.join().is_err()
        {
            tracing::error!(
                "the head's writer thread stopped on a panic: the head on disk may be older than the journal"
            );
        }
    }
}
