//! OFX statements, 1.x (SGML: leaf elements unclosed) and 2.x (XML): a bank statement
//! (`STMTRS`) or a card statement (`CCSTMTRS`), its transactions in one or more `BANKTRANLIST`s.
//! A transaction's id is its `FITID`, unique for its account by the standard. OFX states a
//! closing balance (`LEDGERBAL`) but no opening one, so no balance is checked.

use chrono::NaiveDate;

use super::{BankLine, Format, Refused, Statement, decimal, line_of};

const F: Format = Format::Ofx;

struct Tag<'a> {
    name: &'a str,
    close: bool,
    value: &'a str,
    line: usize,
}

fn tokens(bytes: &[u8]) -> Result<Vec<Tag<'_>>, Refused> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Refused::new(F, format!("line {}", line_of(bytes, e.valid_up_to())), "not UTF-8 or ASCII text")
    })?;
    let start = text.find("<OFX>").ok_or_else(|| Refused::new(F, "the file", "no <OFX> element"))?;
    let mut out = Vec::new();
    let mut rest = &text[start..];
    let mut offset = start;
    while let Some(lt) = rest.find('<') {
        let gt = rest[lt..].find('>').ok_or_else(|| {
            Refused::new(F, format!("line {}", line_of(bytes, offset + lt)), "a tag not closed by `>`")
        })?;
        let inner = &rest[lt + 1..lt + gt];
        let after = &rest[lt + gt + 1..];
        let next = after.find('<').unwrap_or(after.len());
        let value = after[..next].trim();
        let line = line_of(bytes, offset + lt);
        if !(inner.starts_with('?') || inner.starts_with('!')) {
            let (close, name) = match inner.strip_prefix('/') {
                Some(n) => (true, n.trim()),
                None => (false, inner.trim()),
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_') {
                return Err(Refused::new(
                    F,
                    format!("line {line}"),
                    format!("`<{inner}>` is not an OFX tag"),
                ));
            }
            out.push(Tag { name, close, value, line });
        }
        let used = lt + gt + 1 + next;
        offset += used;
        rest = &rest[used..];
    }
    Ok(out)
}

fn date(v: &str, line: usize, what: &str) -> Result<NaiveDate, Refused> {
    v.get(..8).and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok()).ok_or_else(|| {
        Refused::new(F, format!("line {line}"), format!("<{what}> `{v}` is not a date AAAAMMJJ"))
    })
}

pub(super) fn read(bytes: &[u8]) -> Result<Vec<Statement>, Refused> {
    let mut out = Vec::new();
    let mut stack: Vec<&str> = Vec::new();
    let mut stmt: Option<Statement> = None;
    let mut trn: Option<(usize, Vec<(&str, &str)>)> = None;
    let mut last_leaf: Option<&str> = None;
    for t in tokens(bytes)? {
        if t.close {
            if stack.last() == Some(&t.name) {
                stack.pop();
                match t.name {
                    "STMTTRN" => {
                        let (line, fields) = trn.take().unwrap_or_default();
                        let s = stmt.as_mut().ok_or_else(|| {
                            Refused::new(F, format!("line {line}"), "a transaction outside a statement")
                        })?;
                        s.lines.push(transaction(line, &fields)?);
                    }
                    "STMTRS" | "CCSTMTRS" => {
                        if let Some(s) = stmt.take() {
                            out.push(s);
                        }
                    }
                    _ => {}
                }
            } else if last_leaf != Some(t.name) {
                return Err(Refused::new(
                    F,
                    format!("line {}", t.line),
                    format!("</{}> closes no open element", t.name),
                ));
            }
            last_leaf = None;
            continue;
        }
        if t.value.is_empty() {
            stack.push(t.name);
            last_leaf = None;
            match t.name {
                "STMTRS" | "CCSTMTRS" => {
                    stmt = Some(Statement {
                        format: F,
                        account: String::new(),
                        currency: String::new(),
                        opening: None,
                        closing: None,
                        lines: Vec::new(),
                    })
                }
                "STMTTRN" => trn = Some((t.line, Vec::new())),
                _ => {}
            }
            continue;
        }
        last_leaf = Some(t.name);
        if let Some((_, fields)) = trn.as_mut() {
            fields.push((t.name, t.value));
        } else if let Some(s) = stmt.as_mut() {
            match (t.name, stack.last().copied()) {
                ("CURDEF", _) => s.currency = t.value.to_owned(),
                ("ACCTID", Some("BANKACCTFROM" | "CCACCTFROM")) => s.account = t.value.to_owned(),
                ("BALAMT", Some("LEDGERBAL")) => {
                    s.closing =
                        Some(decimal(t.value, '.').or_else(|| decimal(t.value, ',')).ok_or_else(|| {
                            Refused::new(
                                F,
                                format!("line {}", t.line),
                                format!("<BALAMT> `{}` is not an amount", t.value),
                            )
                        })?)
                }
                _ => {}
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(Refused::new(F, "the end of the file", format!("<{open}> is not closed")));
    }
    if out.is_empty() {
        return Err(Refused::new(F, "the file", "no statement (STMTRS or CCSTMTRS) in it"));
    }
    for s in &out {
        if s.account.is_empty() {
            return Err(Refused::new(F, "a statement", "no account (<ACCTID>)"));
        }
    }
    Ok(out)
}

fn transaction(line: usize, fields: &[(&str, &str)]) -> Result<BankLine, Refused> {
    let f = |k: &str| fields.iter().find(|(n, _)| *n == k).map_or("", |(_, v)| *v);
    let at = format!("line {line}");
    let amount = decimal(f("TRNAMT"), '.')
        .or_else(|| decimal(f("TRNAMT"), ','))
        .ok_or_else(|| Refused::new(F, &at, format!("<TRNAMT> `{}` is not an amount", f("TRNAMT"))))?;
    let booked = date(f("DTPOSTED"), line, "DTPOSTED")?;
    let value = if f("DTAVAIL").is_empty() { booked } else { date(f("DTAVAIL"), line, "DTAVAIL")? };
    let fitid = f("FITID");
    if fitid.is_empty() {
        return Err(Refused::new(F, &at, "a transaction with no <FITID>"));
    }
    let label = [f("MEMO"), f("NAME")].into_iter().filter(|v| !v.is_empty()).collect::<Vec<_>>().join(" ");
    let reference = [f("REFNUM"), f("CHECKNUM")].into_iter().find(|v| !v.is_empty()).unwrap_or("").to_owned();
    Ok(BankLine {
        id: format!("fitid:{fitid}"),
        booked,
        value,
        amount,
        label,
        reference,
        counterparty: f("NAME").to_owned(),
    })
}
