//! One statement, both backends: a value ([`Val`]) both drivers bind and read, so that code which
//! needs no backend's particulars (the admin page's users, sessions, audit log and reports) is
//! written once. Statements number their parameters `$1`, `$2`... (PostgreSQL's way; SQLite is given
//! `?1`, `?2`...). Integers are `BIGINT` on PostgreSQL.

use rusqlite::types::{ToSqlOutput, ValueRef};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::{Storage, StorageError};

/// A value bound to a statement or read from a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
}

impl Val {
    /// The integer, or what was there instead.
    pub fn int(&self) -> Result<i64, StorageError> {
        match self {
            Val::Int(n) => Ok(*n),
            other => Err(StorageError(format!("an integer was expected, not {other:?}"))),
        }
    }

    /// The integer, or `None` for NULL.
    pub fn opt_int(&self) -> Result<Option<i64>, StorageError> {
        match self {
            Val::Null => Ok(None),
            v => v.int().map(Some),
        }
    }

    /// The text, or what was there instead.
    pub fn text(&self) -> Result<String, StorageError> {
        match self {
            Val::Text(s) => Ok(s.clone()),
            other => Err(StorageError(format!("text was expected, not {other:?}"))),
        }
    }

    /// The text, or `None` for NULL.
    pub fn opt_text(&self) -> Result<Option<String>, StorageError> {
        match self {
            Val::Null => Ok(None),
            v => v.text().map(Some),
        }
    }

    /// The bytes, or what was there instead.
    pub fn bytes(&self) -> Result<Vec<u8>, StorageError> {
        match self {
            Val::Bytes(b) => Ok(b.clone()),
            other => Err(StorageError(format!("bytes were expected, not {other:?}"))),
        }
    }
}

impl From<i64> for Val {
    fn from(n: i64) -> Val {
        Val::Int(n)
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_owned())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}

impl From<&String> for Val {
    fn from(s: &String) -> Val {
        Val::Text(s.clone())
    }
}

impl From<Vec<u8>> for Val {
    fn from(b: Vec<u8>) -> Val {
        Val::Bytes(b)
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Val::Int(n) => n.to_sql(ty, out),
            Val::Text(s) => s.to_sql(ty, out),
            Val::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [Type::INT8, Type::INT4, Type::TEXT, Type::VARCHAR, Type::BYTEA].contains(ty)
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Val {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Val, Box<dyn std::error::Error + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Val::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Val::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Val::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Val::Int(bool::from_sql(ty, raw)?.into()),
            Type::BYTEA => Val::Bytes(Vec::<u8>::from_sql(ty, raw)?),
            _ => Val::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Val, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Val::Null)
    }

    fn accepts(ty: &Type) -> bool {
        [Type::INT8, Type::INT4, Type::INT2, Type::BOOL, Type::TEXT, Type::VARCHAR, Type::BYTEA, Type::NAME]
            .contains(ty)
    }
}

fn sqlite_val(v: ValueRef<'_>) -> Val {
    match v {
        ValueRef::Null => Val::Null,
        ValueRef::Integer(n) => Val::Int(n),
        // No column of head office's holds a real; one read as text says what it was.
        ValueRef::Real(f) => Val::Text(f.to_string()),
        ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Val::Bytes(b.to_vec()),
    }
}

/// A statement and its parameters.
pub type Statement = (&'static str, Vec<Val>);

fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

impl Storage {
    /// The rows `sql` answers, each a vector of its columns.
    pub async fn rows(&self, sql: &'static str, params: Vec<Val>) -> Result<Vec<Vec<Val>>, StorageError> {
        match self {
            Storage::Sqlite(db) => {
                db.read(move |c| {
                    let mut st = c.prepare_cached(&sqlite_sql(sql))?;
                    let n = st.column_count();
                    let rows = st.query_map(rusqlite::params_from_iter(params.iter()), |r| {
                        (0..n).map(|i| r.get_ref(i).map(sqlite_val)).collect::<rusqlite::Result<Vec<_>>>()
                    })?;
                    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
                })
                .await
            }
            Storage::Postgres(db) => {
                let c = db.client().await;
                let refs: Vec<&(dyn ToSql + Sync)> =
                    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                let rows = c.query(sql, &refs).await?;
                rows.iter()
                    .map(|r| (0..r.len()).map(|i| r.try_get::<_, Val>(i).map_err(Into::into)).collect())
                    .collect()
            }
        }
    }

    /// The first row `sql` answers, if any.
    pub async fn row(&self, sql: &'static str, params: Vec<Val>) -> Result<Option<Vec<Val>>, StorageError> {
        Ok(self.rows(sql, params).await?.into_iter().next())
    }

    /// Runs `statements` in one transaction (all or none); answers the rows each changed.
    pub async fn write(&self, statements: Vec<Statement>) -> Result<Vec<u64>, StorageError> {
        match self {
            Storage::Sqlite(db) => {
                db.run(move |c| {
                    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    let mut changed = Vec::with_capacity(statements.len());
                    for (sql, params) in &statements {
                        let n = tx
                            .prepare_cached(&sqlite_sql(sql))?
                            .execute(rusqlite::params_from_iter(params.iter()))?;
                        changed.push(n as u64);
                    }
                    tx.commit()?;
                    Ok(changed)
                })
                .await
            }
            Storage::Postgres(db) => {
                let mut c = db.client().await;
                let tx = c.transaction().await?;
                let mut changed = Vec::with_capacity(statements.len());
                for (sql, params) in &statements {
                    let refs: Vec<&(dyn ToSql + Sync)> =
                        params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                    changed.push(tx.execute(*sql, &refs).await?);
                }
                tx.commit().await?;
                Ok(changed)
            }
        }
    }
}
