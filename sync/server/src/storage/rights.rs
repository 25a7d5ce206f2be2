//! Balances and their spending rights at head office (escrow, DESIGN §6), on both backends.
//!
//! Each balance's rights are held by exactly one party at a time: `HO` (head office) or a till.
//! A till holds what it loaded or issued, and what head office granted it; it spends only that;
//! it hands rights back after a sync. Head office grants only what it holds, taking the rights off
//! its own holding before it answers. A grant is *pending* until the till's records say what became
//! of it: `rights_granted` (the till holds it), `rights_abandoned` or a restart after the request
//! (it goes back to head office). So whatever answers are lost, no right is ever held twice, and
//! for every balance: `balance = HO's holding + the tills' holdings + pending grants`.

use pos_journal::check::Accepted;
use pos_sync::rights::{RightsGrant, RightsOp, RightsRequest, Voucher, ops_of, points_account};
use rusqlite::{OptionalExtension, params};

use super::{Storage, StorageError, TillRow};

/// The holder that is head office.
pub const HEAD_OFFICE: &str = "HO";

/// Why rights are not granted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RightsRefusal {
    /// No such balance at head office.
    #[error(
        "head office knows no gift card or credit note {0} (the till that sold it may not have synced yet)"
    )]
    Unknown(String),
    /// Head office holds less than asked.
    #[error(
        "head office holds the right to spend {held} cents of {number}, not {wanted}: other tills hold the rest until they sync"
    )]
    Short {
        /// The number.
        number: String,
        /// Held by head office.
        held: i64,
        /// Asked.
        wanted: i64,
    },
    /// The balance is of another kind than asked.
    #[error("{0} is not a {1}")]
    OtherKind(String, &'static str),
}

/// A balance as head office holds it, for operators and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceRow {
    /// The number.
    pub number: String,
    /// Its balance, cents.
    pub balance: i64,
    /// Who holds its rights: (holder, cents), holders at zero left out.
    pub holders: Vec<(String, i64)>,
    /// Rights granted and not yet taken or given back, cents.
    pub pending: i64,
}

const ADD_BALANCE: &str = "INSERT INTO voucher (number, kind, balance) VALUES ($1, $2, $3)
     ON CONFLICT (number) DO UPDATE SET balance = voucher.balance + excluded.balance";
const ADD_HOLDING: &str = "INSERT INTO holding (number, holder, held) VALUES ($1, $2, $3)
     ON CONFLICT (number, holder) DO UPDATE SET held = holding.held + excluded.held";
const PENDING: &str = "SELECT request, number, amount FROM rights_grant WHERE till = $1 AND state = 'pending'
     AND ($2 = '' OR request = $2) AND ($3 < 0 OR after_seq < $3)";
/// A balance, its kind, and the asking till's last live record counted in it, in one statement (one
/// snapshot: a push committing meanwhile is in both or in neither).
const VOUCHER_SEEN: &str = "SELECT kind, balance,
     COALESCE((SELECT last_seq FROM stream WHERE till = $2 AND chain = 'live'), 0) FROM voucher WHERE number = $1";
const SET_STATE: &str = "UPDATE rights_grant SET state = $3 WHERE till = $1 AND request = $2";

fn q(sql: &str) -> String {
    sql.replace('$', "?")
}

/// Applies the rights operations of `accepted` records of `till` (in the push's transaction).
pub(super) fn apply_sqlite(
    tx: &rusqlite::Transaction<'_>,
    till: &TillRow,
    accepted: &[Accepted],
) -> Result<(), StorageError> {
    for op in ops_of(accepted) {
        match op {
            RightsOp::Move { number, voucher, delta } => {
                tx.prepare_cached(&q(ADD_BALANCE))?.execute(params![number, voucher.as_str(), delta])?;
                tx.prepare_cached(&q(ADD_HOLDING))?.execute(params![number, till.till, delta])?;
            }
            RightsOp::Returned { number, amount } => {
                tx.prepare_cached(&q(ADD_HOLDING))?.execute(params![number, till.till, -amount])?;
                tx.prepare_cached(&q(ADD_HOLDING))?.execute(params![number, HEAD_OFFICE, amount])?;
            }
            RightsOp::Taken { request } => settle_sqlite(tx, till, &request, -1, Some(&till.till))?,
            RightsOp::Abandoned { request } => settle_sqlite(tx, till, &request, -1, None)?,
            RightsOp::Restarted { seq } => {
                settle_sqlite(tx, till, "", i64::try_from(seq).unwrap_or(i64::MAX), None)?
            }
        }
    }
    Ok(())
}

/// Settles pending grants of `till` (one request, or all made before record `before`): to the
/// till (`to`: taken) or back to head office.
fn settle_sqlite(
    tx: &rusqlite::Transaction<'_>,
    till: &TillRow,
    request: &str,
    before: i64,
    to: Option<&str>,
) -> Result<(), StorageError> {
    let pending: Vec<(String, String, i64)> = tx
        .prepare_cached(&q(PENDING))?
        .query_map(params![till.till, request, before], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (request, number, amount) in pending {
        let (holder, state) = match to {
            Some(t) => (t, "taken"),
            None => (HEAD_OFFICE, "released"),
        };
        tx.prepare_cached(&q(ADD_HOLDING))?.execute(params![number, holder, amount])?;
        tx.prepare_cached(&q(SET_STATE))?.execute(params![till.till, request, state])?;
    }
    Ok(())
}

/// The same on PostgreSQL.
pub(super) async fn apply_postgres(
    tx: &tokio_postgres::Transaction<'_>,
    till: &TillRow,
    accepted: &[Accepted],
) -> Result<(), StorageError> {
    for op in ops_of(accepted) {
        match op {
            RightsOp::Move { number, voucher, delta } => {
                tx.execute(ADD_BALANCE, &[&number, &voucher.as_str(), &delta]).await?;
                tx.execute(ADD_HOLDING, &[&number, &till.till, &delta]).await?;
            }
            RightsOp::Returned { number, amount } => {
                tx.execute(ADD_HOLDING, &[&number, &till.till, &-amount]).await?;
                tx.execute(ADD_HOLDING, &[&number, &HEAD_OFFICE, &amount]).await?;
            }
            RightsOp::Taken { request } => settle_postgres(tx, till, &request, -1, Some(&till.till)).await?,
            RightsOp::Abandoned { request } => settle_postgres(tx, till, &request, -1, None).await?,
            RightsOp::Restarted { seq } => {
                settle_postgres(tx, till, "", i64::try_from(seq).unwrap_or(i64::MAX), None).await?;
            }
        }
    }
    Ok(())
}

async fn settle_postgres(
    tx: &tokio_postgres::Transaction<'_>,
    till: &TillRow,
    request: &str,
    before: i64,
    to: Option<&str>,
) -> Result<(), StorageError> {
    let sql = PENDING.replace("$2 = ''", "$2::text = ''").replace("$3 < 0", "$3::bigint < 0");
    let pending = tx.query(&sql, &[&till.till, &request, &before]).await?;
    for r in pending {
        let (request, number, amount): (String, String, i64) = (r.get(0), r.get(1), r.get(2));
        let (holder, state) = match to {
            Some(t) => (t, "taken"),
            None => (HEAD_OFFICE, "released"),
        };
        tx.execute(ADD_HOLDING, &[&number, &holder, &amount]).await?;
        tx.execute(SET_STATE, &[&till.till, &request, &state]).await?;
    }
    Ok(())
}

/// What a grant decision needs: the balance, its kind, what head office holds, any earlier answer.
struct Seen {
    /// The kind, the balance, and the asking till's last live record head office holds, read
    /// together (one snapshot).
    voucher: Option<(String, i64, i64)>,
    held: i64,
    earlier: Option<i64>,
}

/// The answer to a request once read (the same rule on both backends): `Ok(true)` to grant now.
fn decide(req: &RightsRequest, seen: &Seen) -> Result<(bool, RightsGrant), RightsRefusal> {
    let Some((kind, balance, counted)) = &seen.voucher else {
        return Err(RightsRefusal::Unknown(req.number.clone()));
    };
    if Voucher::parse(kind) != Some(req.voucher) {
        let what = Voucher::parse(kind).map_or("voucher", Voucher::as_str);
        return Err(RightsRefusal::OtherKind(req.number.clone(), what));
    }
    let grant = |amount| RightsGrant {
        number: req.number.clone(),
        voucher: req.voucher,
        request: req.request.clone(),
        amount,
        balance: *balance,
        counted_seq: u64::try_from(*counted).unwrap_or(0),
    };
    if let Some(amount) = seen.earlier {
        return Ok((false, grant(amount)));
    }
    if seen.held < req.amount {
        return Err(RightsRefusal::Short { number: req.number.clone(), held: seen.held, wanted: req.amount });
    }
    Ok((true, grant(req.amount)))
}

impl Storage {
    /// Grants `till` the rights it asks for, from head office's holding: the same request again
    /// gets the same grant.
    pub async fn grant_rights(
        &self,
        till: &TillRow,
        req: RightsRequest,
        now_ms: i64,
    ) -> Result<Result<RightsGrant, RightsRefusal>, StorageError> {
        let after = i64::try_from(req.after_seq).map_err(|_| StorageError("a seq past i64".into()))?;
        match self {
            Storage::Sqlite(db) => {
                let till = till.till.clone();
                db.run(move |c| {
                    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let seen = Seen {
                        voucher: tx
                            .query_row(&q(VOUCHER_SEEN), params![req.number, till], |r| {
                                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                            })
                            .optional()?,
                        held: tx
                            .query_row(
                                "SELECT held FROM holding WHERE number = ?1 AND holder = ?2",
                                params![req.number, HEAD_OFFICE],
                                |r| r.get(0),
                            )
                            .optional()?
                            .unwrap_or(0),
                        earlier: tx
                            .query_row(
                                "SELECT amount FROM rights_grant WHERE till = ?1 AND request = ?2",
                                params![till, req.request],
                                |r| r.get(0),
                            )
                            .optional()?,
                    };
                    let (new, grant) = match decide(&req, &seen) {
                        Ok(d) => d,
                        Err(r) => return Ok(Err(r)),
                    };
                    if new {
                        tx.prepare_cached(&q(ADD_HOLDING))?.execute(params![req.number, HEAD_OFFICE, -req.amount])?;
                        tx.execute(
                            "INSERT INTO rights_grant (till, request, number, amount, after_seq, state, granted_ms)
                             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
                            params![till, req.request, req.number, req.amount, after, now_ms],
                        )?;
                    }
                    tx.commit()?;
                    Ok(Ok(grant))
                })
                .await
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                // One grant of a balance at a time, across servers.
                tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&req.number]).await?;
                let voucher = tx
                    .query_opt(VOUCHER_SEEN, &[&req.number, &till.till])
                    .await?
                    .map(|r| (r.get(0), r.get(1), r.get(2)));
                let held = tx
                    .query_opt(
                        "SELECT held FROM holding WHERE number = $1 AND holder = $2",
                        &[&req.number, &HEAD_OFFICE],
                    )
                    .await?
                    .map_or(0, |r| r.get(0));
                let earlier = tx
                    .query_opt(
                        "SELECT amount FROM rights_grant WHERE till = $1 AND request = $2",
                        &[&till.till, &req.request],
                    )
                    .await?
                    .map(|r| r.get(0));
                let (new, grant) = match decide(&req, &Seen { voucher, held, earlier }) {
                    Ok(d) => d,
                    Err(r) => return Ok(Err(r)),
                };
                if new {
                    tx.execute(ADD_HOLDING, &[&req.number, &HEAD_OFFICE, &-req.amount]).await?;
                    tx.execute(
                        "INSERT INTO rights_grant (till, request, number, amount, after_seq, state, granted_ms)
                         VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
                        &[&till.till, &req.request, &req.number, &req.amount, &after, &now_ms],
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(Ok(grant))
            }
        }
    }

    /// A balance and who holds its rights.
    pub async fn balance(&self, number: &str) -> Result<Option<BalanceRow>, StorageError> {
        let number = number.to_owned();
        let asked = number.clone();
        let (balance, holders, pending): (Option<i64>, Vec<(String, i64)>, i64) = match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let tx = c.transaction()?;
                    let balance =
                        tx.query_row("SELECT balance FROM voucher WHERE number = ?1", [&number], |r| r.get(0)).optional()?;
                    let holders = tx
                        .prepare("SELECT holder, held FROM holding WHERE number = ?1 AND held <> 0 ORDER BY holder")?
                        .query_map([&number], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<Result<_, _>>()?;
                    let pending = tx.query_row(
                        "SELECT COALESCE(SUM(amount), 0) FROM rights_grant WHERE number = ?1 AND state = 'pending'",
                        [&number],
                        |r| r.get(0),
                    )?;
                    Ok((balance, holders, pending))
                })
                .await?
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let number = asked.clone();
                let balance =
                    c.query_opt("SELECT balance FROM voucher WHERE number = $1", &[&number]).await?.map(|r| r.get(0));
                let holders = c
                    .query("SELECT holder, held FROM holding WHERE number = $1 AND held <> 0 ORDER BY holder", &[&number])
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                let pending = c
                    .query_one(
                        "SELECT COALESCE(SUM(amount), 0)::bigint FROM rights_grant WHERE number = $1 AND state = 'pending'",
                        &[&number],
                    )
                    .await?
                    .get(0);
                (balance, holders, pending)
            }
        };
        Ok(balance.map(|balance| BalanceRow { number: asked, balance, holders, pending }))
    }

    /// Opens the loyalty points of the chain's customers (their `points` in the catalogue's
    /// `customers.csv`) as balances held by head office, once per customer: an import again, or a
    /// changed file, opens nothing twice (the points then move by the tills' tickets). Returns how
    /// many customers were opened.
    pub async fn open_points(&self, opening: Vec<(String, i64)>) -> Result<usize, StorageError> {
        const SEEDED: &str =
            "INSERT INTO points_opened (customer, points) VALUES ($1, $2) ON CONFLICT (customer) DO NOTHING";
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let mut opened = 0;
                    for (customer, points) in &opening {
                        if tx.prepare_cached(&q(SEEDED))?.execute(params![customer, points])? == 1 {
                            let account = points_account(customer);
                            tx.prepare_cached(&q(ADD_BALANCE))?.execute(params![
                                account,
                                Voucher::Points.as_str(),
                                points
                            ])?;
                            tx.prepare_cached(&q(ADD_HOLDING))?.execute(params![
                                account,
                                HEAD_OFFICE,
                                points
                            ])?;
                            opened += 1;
                        }
                    }
                    tx.commit()?;
                    Ok(opened)
                })
                .await
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                let mut opened = 0;
                for (customer, points) in &opening {
                    if tx.execute(SEEDED, &[customer, points]).await? == 1 {
                        let account = points_account(customer);
                        tx.execute(ADD_BALANCE, &[&account, &Voucher::Points.as_str(), points]).await?;
                        tx.execute(ADD_HOLDING, &[&account, &HEAD_OFFICE, points]).await?;
                        opened += 1;
                    }
                }
                tx.commit().await?;
                Ok(opened)
            }
        }
    }
}
