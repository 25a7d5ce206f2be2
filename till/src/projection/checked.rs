//! The checked reads of the rows that let money out: a voucher's balance, a customer's points, the
//! units of a sold line brought back. Each row names the record that last set it, and that record
//! states the value: a row edited by hand is refused (`blocked`) before it pays.

use pos_journal::ChainName;
use pos_journal::body::{Entry, LineMeasure, Ticket};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::TillError;
use crate::store;

/// A projection row that does not say what the journal says.
fn table_disagrees(message: String) -> TillError {
    TillError::Blocked(crate::reason::Reason::TableDisagrees { message })
}

/// What a projection row says against the record it names.
fn mismatch(what: &str, seq: u64, said: String, row: String) -> TillError {
    table_disagrees(format!(
        "{what}: the till's table says {row} but record {seq} of the journal says {said}; \
         the projections were changed outside the till: a manager runs `pos-till rebuild`"
    ))
}

/// The ticket at live `seq`, or why there is none.
fn ticket_at(conn: &Connection, seq: u64, what: &str) -> Result<Ticket, TillError> {
    match store::read_records(conn, ChainName::Live, seq, seq)?.pop().map(|r| r.entry) {
        Some(Entry::Ticket(t)) => Ok(t),
        _ => Err(table_disagrees(format!(
            "{what}: the till's table names record {seq}, which is not a ticket; the projections were \
             changed outside the till: a manager runs `pos-till rebuild`"
        ))),
    }
}

/// A voucher's balance, checked against the ticket (or head office's grant) that last set it; `None` when there is no such
/// voucher.
pub fn checked_balance(conn: &Connection, number: &str) -> Result<Option<i64>, TillError> {
    let row: Option<(i64, u64)> = conn
        .query_row("SELECT balance, seq FROM voucher WHERE number = ?1", [number], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((balance, seq)) = row else { return Ok(None) };
    let what = format!("the balance of {number}");
    // Head office's word, with the rights it granted.
    if let Some(Entry::RightsGranted { number: n, balance: said, .. }) =
        store::read_records(conn, ChainName::Live, seq, seq)?.pop().map(|r| r.entry)
    {
        return if n == number && said == balance {
            Ok(Some(balance))
        } else {
            Err(mismatch(&what, seq, money(said), money(balance)))
        };
    }
    let t = ticket_at(conn, seq, &what)?;
    let mentions = t.lines.iter().any(|l| l.gift_card && l.reference == number)
        || t.tenders
            .iter()
            .any(|x| matches!(x.kind.as_str(), "gift_card" | "store_credit") && x.reference == number);
    if !mentions {
        return Err(mismatch(&what, seq, "nothing of it".into(), money(balance)));
    }
    // A ticket written before tickets stated balances cannot be checked this way; `verify` can.
    if t.balances.is_empty() {
        return Ok(Some(balance));
    }
    match t.balances.iter().find(|(n, _)| n == number) {
        Some((_, said)) if *said == balance => Ok(Some(balance)),
        Some((_, said)) => Err(mismatch(&what, seq, money(*said), money(balance))),
        None => Err(mismatch(&what, seq, "nothing of it".into(), money(balance))),
    }
}

/// A customer's points, checked against the ticket that last set them (or the chain's files when
/// no ticket has: `seed`, `None` for a customer the chain does not know).
pub fn checked_points(conn: &Connection, customer: &str, seed: Option<i64>) -> Result<i64, TillError> {
    let row: Option<(i64, u64)> = conn
        .query_row("SELECT points, seq FROM loyalty WHERE customer = ?1", [customer], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let what = format!("the points of customer {customer}");
    let Some((points, seq)) = row else {
        // Every customer of the chain has a row from the till's first day: a missing one was removed.
        return match seed {
            None => Ok(0),
            Some(_) => Err(table_disagrees(format!(
                "{what}: the till's table has no row for them; the projections were changed outside the \
                 till: a manager runs `pos-till rebuild`"
            ))),
        };
    };
    let seed = seed.unwrap_or(0);
    if seq == 0 {
        return if points == seed {
            Ok(points)
        } else {
            Err(table_disagrees(format!(
                "{what}: the till's table says {points} where the chain's files say {seed} and no ticket \
                 changed them; a manager runs `pos-till rebuild`"
            )))
        };
    }
    // Head office's word, with the rights it granted.
    if let Some(Entry::RightsGranted { number: n, balance: said, .. }) =
        store::read_records(conn, ChainName::Live, seq, seq)?.pop().map(|r| r.entry)
    {
        return if pos_sync::rights::points_customer(&n) == Some(customer) && said == points {
            Ok(points)
        } else {
            Err(mismatch(&what, seq, said.to_string(), points.to_string()))
        };
    }
    let t = ticket_at(conn, seq, &what)?;
    if t.customer != customer {
        return Err(mismatch(&what, seq, "another customer's ticket".into(), points.to_string()));
    }
    match t.points_balance {
        // A ticket written before tickets stated points cannot be checked this way; `verify` can.
        None => Ok(points),
        Some(said) if said == points => Ok(points),
        Some(said) => Err(mismatch(&what, seq, said.to_string(), points.to_string())),
    }
}

/// Units already brought back on line `line` of ticket `ticket` (sold at live seq `sold_seq`),
/// checked against the return that last counted them; and no return after that one, nor any return
/// at all when no row counts them (returns are rare: the tickets since are searched for one).
pub fn checked_returned(conn: &Connection, ticket: &str, line: u32, sold_seq: u64) -> Result<u32, TillError> {
    let row: Option<(u32, u64)> = conn
        .query_row(
            "SELECT units, seq FROM returned WHERE ticket = ?1 AND line = ?2",
            params![ticket, line],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let what = format!("the units returned of {ticket}#{line}");
    let reference = format!("{ticket}#{line}");
    let (units, after) = match row {
        Some((units, seq)) => {
            let t = ticket_at(conn, seq, &what)?;
            match t.lines.iter().find(|l| l.measure == LineMeasure::Returned && l.reference == reference) {
                Some(l) if l.returned_after == 0 || l.returned_after == units => {}
                Some(l) => return Err(mismatch(&what, seq, l.returned_after.to_string(), units.to_string())),
                None => return Err(mismatch(&what, seq, "no return of that line".into(), units.to_string())),
            }
            (units, seq)
        }
        None => (0, sold_seq),
    };
    let pattern = format!("\"reference\":\"{reference}\"");
    let later: Option<u64> = conn
        .query_row(
            "SELECT seq FROM journal WHERE chain = 'live' AND kind = 'ticket' AND seq > ?1
             AND instr(CAST(bytes AS TEXT), ?2) > 0 ORDER BY seq LIMIT 1",
            params![after, pattern],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(seq) = later {
        return Err(mismatch(&what, seq, "a later return of it".into(), units.to_string()));
    }
    Ok(units)
}

fn money(cents: i64) -> String {
    format!("{} €", pos_core::money::Money::from_cents(cents))
}
