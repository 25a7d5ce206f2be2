//! Bank reconciliation: the items the books hold open (a till's card takings of a day, a deposit
//! slip, a supplier's invoice), the matching rules run over the open bank lines, a match made by
//! hand, a match undone (its bank entry reversed by a new entry), the letters of what matches
//! settled, and the FEC with them.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use pos_ledger::bank::BankLine;
use pos_ledger::matching::{self, OpenItem};
use pos_ledger::post::OfficeFlow;
use pos_ledger::{Chart, Entry, Role, fec};

use crate::storage::Storage;
use crate::storage::books::MatchRow;

/// What is open in the books: each till's card takings per day, each deposit slip, each supplier
/// invoice, less what matches settled.
pub fn open_items(
    chart: &Chart,
    entries: &[Entry],
    settled: &std::collections::HashSet<String>,
) -> anyhow::Result<Vec<OpenItem>> {
    let card = chart.account(Role::Tender, "card")?;
    let transit = chart.account(Role::DepositTransit, "")?;
    let supplier = chart.account(Role::Supplier, "")?;
    let bank_journal = chart.account(Role::Journal, "bank")?;
    let mut cards: BTreeMap<(String, NaiveDate), i64> = BTreeMap::new();
    let mut deposits: BTreeMap<String, (NaiveDate, i64)> = BTreeMap::new();
    let mut invoices: BTreeMap<(String, String), (NaiveDate, i64)> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.journal != bank_journal) {
        for l in &e.lines {
            if l.account == card && !l.aux.is_empty() {
                *cards.entry((l.aux.clone(), e.date)).or_default() += l.debit - l.credit;
            } else if l.account == transit && l.debit > 0 {
                let d = deposits.entry(l.aux.clone()).or_insert((e.date, 0));
                d.1 += l.debit;
            } else if l.account == supplier && l.credit > 0 {
                let d = invoices.entry((l.aux.clone(), e.piece.clone())).or_insert((e.date, 0));
                d.1 += l.credit;
            }
        }
    }
    let items = cards
        .into_iter()
        .filter(|(_, g)| *g > 0)
        .map(|((till, day), gross)| OpenItem::CardDay { till, day, gross })
        .chain(deposits.into_iter().map(|(slip, (day, amount))| OpenItem::Deposit { slip, day, amount }))
        .chain(invoices.into_iter().map(|((supplier, reference), (day, amount))| OpenItem::Invoice {
            supplier,
            reference,
            day,
            amount,
        }))
        .filter(|i| !settled.contains(&i.key()))
        .collect();
    Ok(items)
}

/// Runs the matching rules over the open bank lines and keeps what they matched, each with the
/// bank entry it posts.
pub async fn reconcile(
    storage: &Storage,
    chart: &Chart,
    today: NaiveDate,
    now_ms: i64,
) -> anyhow::Result<matching::Outcome> {
    let lines = storage.open_bank_lines().await?;
    let first = lines.iter().map(|(_, l)| l.booked).min().unwrap_or(today);
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let entries = storage.entries_between(first - chrono::Duration::days(400), far).await?;
    let open = open_items(chart, &entries, &storage.settled_items().await?)?;
    let bank_lines: Vec<_> = lines.iter().map(|(_, l)| l.clone()).collect();
    let outcome = matching::run(&bank_lines, &open, chart.terminals())?;
    let by_key: BTreeMap<String, &OpenItem> = open.iter().map(|i| (i.key(), i)).collect();
    for m in &outcome.matched {
        let Some((account, line)) = lines.iter().find(|(_, l)| l.id == m.line) else { continue };
        let mut against = against_items(chart, &m.items, &by_key)?;
        if m.commission != 0 {
            against.push((chart.account(Role::CardCommission, "")?.to_owned(), String::new(), m.commission));
        }
        let rule = serde_json::to_value(m.rule)?.as_str().unwrap_or_default().to_owned();
        keep_match(storage, account, line, rule, m.items.clone(), against, today, now_ms).await?;
    }
    Ok(outcome)
}

/// The other side of the bank for `items`: each open item's account, auxiliary and signed amount.
fn against_items(
    chart: &Chart,
    items: &[String],
    by_key: &BTreeMap<String, &OpenItem>,
) -> anyhow::Result<Vec<(String, String, i64)>> {
    let mut against = Vec::new();
    for key in items {
        match by_key.get(key) {
            Some(OpenItem::CardDay { till, gross, .. }) => {
                against.push((chart.account(Role::Tender, "card")?.to_owned(), till.clone(), -gross))
            }
            Some(OpenItem::Deposit { slip, amount, .. }) => {
                against.push((chart.account(Role::DepositTransit, "")?.to_owned(), slip.clone(), -amount))
            }
            Some(OpenItem::Invoice { supplier, amount, .. }) => {
                against.push((chart.account(Role::Supplier, "")?.to_owned(), supplier.clone(), *amount))
            }
            None => bail!("`{key}` is not an open item any more: reload the page"),
        }
    }
    Ok(against)
}

/// Keeps a match of `line` with the bank entry it posts, under a source of its own (a line
/// matched again after an unmatch posts anew). `false` when the line was matched meanwhile.
#[allow(clippy::too_many_arguments)]
async fn keep_match(
    storage: &Storage,
    account: &str,
    line: &BankLine,
    rule: String,
    items: Vec<String>,
    against: Vec<(String, String, i64)>,
    today: NaiveDate,
    now_ms: i64,
) -> anyhow::Result<bool> {
    let undone = storage
        .rows(
            "SELECT COUNT(*) FROM bank_unmatch WHERE account = $1 AND line = $2",
            vec![account.into(), line.id.as_str().into()],
        )
        .await?
        .first()
        .map_or(Ok(0), |r| r[0].int())?;
    let source = match undone {
        0 => format!("bank:{account}:{}", line.id),
        n => format!("bank:{account}:{}#{}", line.id, n + 1),
    };
    let flow = OfficeFlow::Bank {
        line: line.id.chars().take(60).collect(),
        date: line.booked,
        label: line.label.chars().take(80).collect(),
        against,
    };
    let row = MatchRow {
        account: account.to_owned(),
        line: line.id.clone(),
        rule,
        items,
        letter: String::new(),
        day: today,
        source,
    };
    Ok(storage.record_match(row, &flow, now_ms).await?)
}

/// Why a match by hand is refused.
#[derive(Debug, thiserror::Error)]
pub enum HandRefusal {
    /// No such open line.
    #[error("no open bank line {0}: it was matched meanwhile, or is not imported")]
    NoLine(String),
    /// The items and the line differ and nothing says where the difference goes.
    #[error(
        "the items come to {items} cents and the line to {line} cents: choose an account for the difference"
    )]
    Difference {
        /// Cents the items settle.
        items: i64,
        /// Cents of the line.
        line: i64,
    },
    /// An open item named twice.
    #[error("an open item is named twice: each settles once")]
    Twice,
    /// The account named for the difference is not in the chart.
    #[error("account {0} is not in the chart of accounts")]
    NoAccount(String),
}

/// Matches an open bank line by hand to `items` (open items' keys), the difference (if any) to
/// `rest_account`; the bank entry is posted as for a match the rules made.
#[allow(clippy::too_many_arguments)]
pub async fn match_by_hand(
    storage: &Storage,
    chart: &Chart,
    account: &str,
    line_id: &str,
    items: &[String],
    rest_account: Option<&str>,
    today: NaiveDate,
    now_ms: i64,
) -> anyhow::Result<Result<(), HandRefusal>> {
    let lines = storage.open_bank_lines().await?;
    let Some((account, line)) = lines.iter().find(|(a, l)| a == account && l.id == line_id) else {
        return Ok(Err(HandRefusal::NoLine(line_id.to_owned())));
    };
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let entries = storage.entries_between(line.booked - chrono::Duration::days(400), far).await?;
    let open = open_items(chart, &entries, &storage.settled_items().await?)?;
    let by_key: BTreeMap<String, &OpenItem> = open.iter().map(|i| (i.key(), i)).collect();
    let mut unique: Vec<String> = items.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() != items.len() {
        return Ok(Err(HandRefusal::Twice));
    }
    let mut against = against_items(chart, items, &by_key)?;
    // The bank moves by the opposite of the other side: what is left is the difference.
    let settled: i64 = against.iter().map(|(_, _, c)| -c).sum();
    let rest = line.amount - settled;
    if rest != 0 {
        let Some(to) = rest_account.filter(|a| !a.is_empty()) else {
            return Ok(Err(HandRefusal::Difference { items: settled, line: line.amount }));
        };
        if !chart.has_account(to) {
            return Ok(Err(HandRefusal::NoAccount(to.to_owned())));
        }
        against.push((to.to_owned(), String::new(), -rest));
    }
    if !keep_match(storage, account, line, "by_hand".into(), items.to_vec(), against, today, now_ms).await? {
        return Ok(Err(HandRefusal::NoLine(line_id.to_owned())));
    }
    Ok(Ok(()))
}

/// Undoes the match of a bank line: the match is kept in `bank_unmatch`, its items are open again,
/// and the bank entry it posted is reversed by a new entry (an entry is never changed); the
/// audit line goes in the same transaction. `false` when the line was not matched.
pub async fn unmatch(
    storage: &Storage,
    account: &str,
    line: &str,
    who: &str,
    now_ms: i64,
    audit: crate::storage::sql::Statement,
) -> anyhow::Result<bool> {
    let Some(m) = storage.bank_matches().await?.into_iter().find(|m| m.account == account && m.line == line)
    else {
        return Ok(false);
    };
    let flow = storage
        .rows("SELECT flow FROM books_office WHERE source = $1", vec![m.source.as_str().into()])
        .await?
        .first()
        .map(|r| r[0].text())
        .transpose()?
        .with_context(|| format!("the bank entry of {} was not found", m.source))?;
    let OfficeFlow::Bank { line: id, date, label, against } = serde_json::from_str(&flow)? else {
        bail!("{} is not a bank entry", m.source);
    };
    let reversed = OfficeFlow::Bank {
        line: id,
        date,
        label: format!("Annulation {}", label).chars().take(80).collect(),
        against: against.into_iter().map(|(a, x, c)| (a, x, -c)).collect(),
    };
    let n = storage.write(vec![
        ("DELETE FROM bank_match WHERE account = $1 AND line = $2 AND letter = $3", vec![account.into(), line.into(), m.letter.as_str().into()]),
        (
            "INSERT INTO bank_unmatch (account, line, letter, items, source, at_ms, who) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![account.into(), line.into(), m.letter.as_str().into(), serde_json::to_string(&m.items)?.into(), m.source.as_str().into(), now_ms.into(), who.into()],
        ),
        (
            "INSERT INTO books_office (source, flow, at_ms) VALUES ($1, $2, $3)",
            vec![format!("undo:{}", m.source).into(), serde_json::to_string(&reversed)?.into(), now_ms.into()],
        ),
        audit,
    ]).await?;
    Ok(n.first() == Some(&1))
}

/// The FEC of `year` in memory: its file name and bytes.
pub async fn fec_file(
    storage: &Storage,
    chart: &Chart,
    siren: &str,
    year: i32,
) -> anyhow::Result<(String, Vec<u8>)> {
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
    else {
        bail!("{year} is not a year");
    };
    let mut entries = storage.entries_between(from, to).await?;
    let opening = chart.account(Role::Journal, "opening")?.to_owned();
    fec::sort(&mut entries, &opening);
    let letters = lettering(chart, &entries, &storage.bank_matches().await?)?;
    let mut out = Vec::new();
    fec::write(&mut out, chart, &entries, &letters)?;
    Ok((fec::file_name(siren, to), out))
}

/// The letters of the lines the matches settled: the bank entry's line and the open items' lines.
pub fn lettering(chart: &Chart, entries: &[Entry], matches: &[MatchRow]) -> anyhow::Result<fec::Lettering> {
    let card = chart.account(Role::Tender, "card")?;
    let transit = chart.account(Role::DepositTransit, "")?;
    let supplier = chart.account(Role::Supplier, "")?;
    let mut out = fec::Lettering::new();
    let mut by_item: BTreeMap<String, (&str, NaiveDate)> = BTreeMap::new();
    for m in matches {
        for i in &m.items {
            by_item.insert(i.clone(), (m.letter.as_str(), m.day));
        }
    }
    let by_source: BTreeMap<String, (&str, NaiveDate)> =
        matches.iter().map(|m| (m.source.clone(), (m.letter.as_str(), m.day))).collect();
    // A match undone was reversed by an entry of its own: neither is lettered.
    for e in entries.iter().filter(|e| !e.source.starts_with("undo:")) {
        for (i, l) in e.lines.iter().enumerate() {
            let item = if l.account == card {
                format!("card:{}:{}", l.aux, e.date)
            } else if l.account == transit && l.debit > 0 {
                format!("deposit:{}", l.aux)
            } else if l.account == supplier && l.credit > 0 {
                format!("invoice:{}:{}", l.aux, e.piece)
            } else {
                String::new()
            };
            let settled = l.account == card || l.account == transit || l.account == supplier;
            let hit = if e.source.starts_with("bank:") {
                if settled { by_source.get(&e.source) } else { None }
            } else {
                by_item.get(&item)
            };
            if let Some((letter, day)) = hit {
                out.insert((e.journal.clone(), e.number, i), ((*letter).to_owned(), *day));
            }
        }
    }
    Ok(out)
}
