//! What the till keeps of head office: the link made at enrolment (its address, its public key,
//! the certificate authority to trust), the last acknowledgement of each chain, and how the last
//! round went. These tables are the sync's own: it writes nothing else, so it runs beside the
//! engine without the folder's lock.
//!
//! The last acknowledgements are also kept in `till.ack` beside the database (written whole, then
//! renamed): a database put back from an older copy still meets the acknowledgement it no longer
//! reaches.

use std::path::Path;

use ed25519_dalek::VerifyingKey;
use pos_journal::ChainName;
use pos_sync::ack::Ack;
use pos_sync::push::Quarantine;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::TillError;
use crate::store;

/// The acknowledgements file's name beside the database.
pub const ACK_FILE: &str = "till.ack";
/// Its format.
pub const ACK_FORMAT: &str = "pos-till-ack/1";

/// The link to head office.
#[derive(Clone, Debug)]
pub struct Link {
    /// Head office's address (`https://ho.example:8443`).
    pub url: String,
    /// Head office's public key: acknowledgements are checked with it.
    pub server_key: VerifyingKey,
    /// The certificate authority to trust for head office's address (PEM), when not the system's.
    pub ca_pem: Option<String>,
    /// Who head office knows this till as.
    pub till: String,
}

/// How the last rounds went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// When the last round started (RFC 3339).
    pub last_attempt: Option<String>,
    /// When a round last reached head office and pushed all it had.
    pub last_success: Option<String>,
    /// What stopped the last round, in words.
    pub last_error: Option<String>,
    /// A stream head office put in quarantine.
    pub quarantine: Option<Quarantine>,
    /// Set when the journal no longer reaches what head office holds (an older copy put back).
    pub behind: Option<String>,
}

/// Reads the link, if the till is enrolled.
pub fn link(conn: &Connection) -> Result<Option<Link>, TillError> {
    if !has_tables(conn)? {
        return Ok(None);
    }
    let row = conn
        .query_row("SELECT url, server_key, ca_pem, till FROM head_office WHERE id = 1", [], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Option<String>>(2)?, r.get(3)?))
        })
        .optional()?;
    row.map(|(url, key, ca_pem, till)| {
        let key: [u8; 32] =
            key.try_into().map_err(|_| TillError::storage("head office's key is not 32 bytes"))?;
        let server_key = VerifyingKey::from_bytes(&key)
            .map_err(|e| TillError::storage(format!("head office's key does not read: {e}")))?;
        Ok(Link { url, server_key, ca_pem, till })
    })
    .transpose()
}

/// Whether the database has the sync's tables (an inspector's copy of an older till may not).
fn has_tables(conn: &Connection) -> Result<bool, TillError> {
    has_table(conn, "head_office")
}

/// Whether the database has table `name` (a copy of an older till may lack a later migration's).
pub fn has_table(conn: &Connection, name: &str) -> Result<bool, TillError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
        [name],
        |r| r.get(0),
    )?)
}

/// Keeps the link made at enrolment (a second enrolment replaces it: a till moved to another
/// head office, or enrolled again after its server was rebuilt).
pub fn set_link(conn: &Connection, link: &Link, at: &str) -> Result<(), TillError> {
    let before: Option<Vec<u8>> =
        conn.query_row("SELECT server_key FROM head_office WHERE id = 1", [], |r| r.get(0)).optional()?;
    if before.is_some_and(|k| k[..] != link.server_key.to_bytes()[..]) {
        // Another head office: what the former one said (stock, pickups, its catalogue's entries)
        // is not this one's, and its counters would look like a head office going back in time.
        conn.execute_batch(FORGET_PULLED)?;
    }
    conn.execute(
        "INSERT INTO head_office (id, url, server_key, ca_pem, till, enrolled_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET url = ?1, server_key = ?2, ca_pem = ?3, till = ?4, enrolled_at = ?5",
        params![link.url, &link.server_key.to_bytes()[..], link.ca_pem, link.till, at],
    )?;
    Ok(())
}

/// What a till pulled from a head office, forgotten when it enrols with another one.
const FORGET_PULLED: &str = "DELETE FROM stock_known; DELETE FROM stock_pull; DELETE FROM pickup;
     DELETE FROM catalogue_mirror; DELETE FROM catalogue_pull; DELETE FROM customer_pull;";

/// The last acknowledgement of each chain, from the database and the file beside it (the later of
/// the two), each checked with head office's key: one that is not head office's is an error.
pub fn acks(conn: &Connection, dir: &Path, server: &VerifyingKey) -> Result<Vec<Ack>, TillError> {
    let mut out: Vec<Ack> = Vec::new();
    let mut consider = |ack: Ack, from: &str| -> Result<(), TillError> {
        if !ack.verify(server) {
            return Err(TillError::storage(format!(
                "the acknowledgement of the {} chain in {from} is not signed by head office",
                ack.chain.as_str()
            )));
        }
        match out.iter_mut().find(|a| a.chain == ack.chain) {
            Some(a) if a.seq < ack.seq => *a = ack,
            Some(_) => {}
            None => out.push(ack),
        }
        Ok(())
    };
    if has_tables(conn)? {
        let mut stmt = conn.prepare("SELECT json FROM ack ORDER BY chain")?;
        let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        for json in rows {
            let ack = serde_json::from_str(&json)
                .map_err(|e| TillError::storage(format!("an acknowledgement in the database: {e}")))?;
            consider(ack, "the database")?;
        }
    }
    if let Some(file) = read_file(dir)? {
        for ack in file.acks {
            consider(ack, ACK_FILE)?;
        }
    }
    Ok(out)
}

/// The acknowledgements file.
#[derive(Debug, Serialize, Deserialize)]
struct AckFile {
    format: String,
    till: String,
    acks: Vec<Ack>,
}

fn read_file(dir: &Path) -> Result<Option<AckFile>, TillError> {
    let path = dir.join(ACK_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| TillError::storage(format!("{} does not read: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(TillError::storage(format!("cannot read {}: {e}", path.display()))),
    }
}

/// Keeps `ack` as its chain's last acknowledgement, in the database and in the file.
pub fn keep_ack(conn: &Connection, dir: &Path, ack: &Ack, at: &str) -> Result<(), TillError> {
    let json =
        serde_json::to_string(ack).map_err(|e| TillError::storage(format!("an acknowledgement: {e}")))?;
    conn.execute(
        "INSERT INTO ack (chain, seq, json, received_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (chain) DO UPDATE SET seq = ?2, json = ?3, received_at = ?4 WHERE ?2 >= ack.seq",
        params![ack.chain.as_str(), ack.seq, json, at],
    )?;
    let mut file = read_file(dir)?.unwrap_or(AckFile {
        format: ACK_FORMAT.into(),
        till: ack.till.clone(),
        acks: vec![],
    });
    match file.acks.iter_mut().find(|a| a.chain == ack.chain) {
        Some(a) if a.seq > ack.seq => return Ok(()),
        Some(a) => *a = ack.clone(),
        None => file.acks.push(ack.clone()),
    }
    let path = dir.join(ACK_FILE);
    let tmp = dir.join(format!("{ACK_FILE}.tmp"));
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| TillError::storage(e.to_string()))?;
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        use std::io::Write;
        f.write_all(&bytes)?;
        f.sync_all()
    });
    written
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| TillError::storage(format!("cannot write {}: {e}", path.display())))?;
    store::sync_folder(dir)
}

/// The seq of `chain`'s last acknowledgement this database holds (not the file's).
pub fn kept_seq(conn: &Connection, chain: ChainName) -> Result<Option<u64>, TillError> {
    if !has_tables(conn)? {
        return Ok(None);
    }
    Ok(conn.query_row("SELECT seq FROM ack WHERE chain = ?1", [chain.as_str()], |r| r.get(0)).optional()?)
}

/// How the last rounds went.
pub fn progress(conn: &Connection) -> Result<Progress, TillError> {
    if !has_tables(conn)? {
        return Ok(Progress::default());
    }
    let json: Option<String> =
        conn.query_row("SELECT json FROM sync_progress WHERE id = 1", [], |r| r.get(0)).optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
}

/// Keeps how the round went.
pub fn set_progress(conn: &Connection, p: &Progress) -> Result<(), TillError> {
    let json = serde_json::to_string(p).map_err(|e| TillError::storage(e.to_string()))?;
    conn.execute(
        "INSERT INTO sync_progress (id, json) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET json = ?1",
        [json],
    )?;
    Ok(())
}

/// A chain's last record at `seq`: its hash, if the journal holds it.
pub fn hash_at(conn: &Connection, chain: ChainName, seq: u64) -> Result<Option<[u8; 32]>, TillError> {
    let h: Option<Vec<u8>> = conn
        .query_row(
            "SELECT hash FROM journal WHERE chain = ?1 AND seq = ?2",
            params![chain.as_str(), seq],
            |r| r.get(0),
        )
        .optional()?;
    Ok(h.and_then(|h| h.try_into().ok()))
}

/// What the journal says of an acknowledgement: `None` when it reaches it, else what is wrong.
pub fn against(conn: &Connection, ack: &Ack) -> Result<Option<String>, TillError> {
    Ok(match hash_at(conn, ack.chain, ack.seq)? {
        Some(h) if pos_journal::hex(&h) == ack.hash => None,
        Some(h) => Some(format!(
            "head office acknowledged {} record {} with hash {} but the journal holds {} there: the journal was \
             rewritten or replaced",
            ack.chain.as_str(),
            ack.seq,
            &ack.hash[..12.min(ack.hash.len())],
            &pos_journal::hex(&h)[..12]
        )),
        None => Some(format!(
            "head office acknowledged {} record {} but the journal stops before it: records were removed or an \
             older copy was put back",
            ack.chain.as_str(),
            ack.seq
        )),
    })
}
