//! ISO 20022 CAMT.053 (`BkToCstmrStmt/Stmt`) and CAMT.054 (`BkToCstmrDbtCdtNtfctn/Ntfctn`), any
//! version: elements are read by their local names, whatever the namespace.
//!
//! An entry (`Ntry`) is one bank line: its amount and `CdtDbtInd`, a reversal (`RvslInd` true)
//! counting the other way; only booked entries (`Sts` `BOOK`, or no status) are lines. Its id is
//! the bank's reference (`AcctSvcrRef`, else `NtryRef`), else its fields and rank.

use std::collections::HashMap;

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::events::Event;

use super::{BankLine, Format, Refused, Statement, decimal, line_of, rank_ids};

/// A statement being read: what it is, its own fields by path, its balances' fields.
type Open = (Statement, HashMap<String, String>, Vec<HashMap<String, String>>);

#[derive(Default)]
struct Ntry {
    fields: HashMap<String, String>,
    line: usize,
}

pub(super) fn read(bytes: &[u8], format: Format) -> Result<Vec<Statement>, Refused> {
    let container = if format == Format::Camt053 { "Stmt" } else { "Ntfctn" };
    let mut reader = Reader::from_reader(bytes);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut stmt: Option<Open> = None;
    let mut bal: Option<HashMap<String, String>> = None;
    let mut ntry: Option<Ntry> = None;
    let mut entries: Vec<Ntry> = Vec::new();
    let mut text = String::new();
    let err =
        |pos: u64, what: String| Refused::new(format, format!("line {}", line_of(bytes, pos as usize)), what);
    loop {
        let pos = reader.buffer_position();
        let ev = reader.read_event().map_err(|e| err(pos, format!("not well-formed XML: {e}")))?;
        match ev {
            Event::Start(e) => {
                let name = e.local_name().into_inner().to_owned();
                text.clear();
                if name == container {
                    let s = Statement {
                        format,
                        account: String::new(),
                        currency: String::new(),
                        opening: None,
                        closing: None,
                        lines: Vec::new(),
                    };
                    stmt = Some((s, HashMap::new(), Vec::new()));
                    entries.clear();
                } else if name == "Bal" && stmt.is_some() {
                    bal = Some(HashMap::new());
                } else if name == "Ntry" && stmt.is_some() {
                    ntry = Some(Ntry { fields: HashMap::new(), line: line_of(bytes, pos as usize) });
                }
                for a in e.attributes().flatten() {
                    if a.key.local_name().into_inner() == "Ccy" {
                        let v = a.value.to_string();
                        let key = format!("{}{name}@Ccy", rel(&path, "Ntry"));
                        if let Some(n) = ntry.as_mut() {
                            n.fields.entry(key).or_insert(v.clone());
                        }
                        if let Some(b) = bal.as_mut() {
                            b.insert("Ccy".into(), v);
                        }
                    }
                }
                path.push(name);
            }
            Event::Text(t) => {
                text.push_str(&t);
            }
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                    continue;
                }
                let name: &str = &r;
                text.push_str(match name {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                });
            }
            Event::CData(t) => text.push_str(&t),
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let value = std::mem::take(&mut text).trim().to_owned();
                if let Some(n) = ntry.as_mut() {
                    if name == "Ntry" {
                        entries.push(std::mem::take(n));
                        ntry = None;
                    } else if !value.is_empty() {
                        let key = format!("{}{name}", rel(&path, "Ntry"));
                        let e = n.fields.entry(key).or_default();
                        if !e.is_empty() {
                            e.push(' ');
                        }
                        e.push_str(&value);
                    }
                } else if let Some(b) = bal.as_mut() {
                    if name == "Bal" {
                        let b = bal.take().unwrap_or_default();
                        if let Some((s, _, bals)) = stmt.as_mut() {
                            let _ = s;
                            bals.push(b);
                        }
                    } else if !value.is_empty() {
                        b.insert(format!("{}{name}", rel(&path, "Bal")), value);
                    }
                } else if name == container {
                    if let Some((mut s, head, bals)) = stmt.take() {
                        finish(&mut s, &head, &bals, &entries, format)?;
                        out.push(s);
                    }
                } else if let Some((_, head, _)) = stmt.as_mut()
                    && !value.is_empty()
                {
                    head.insert(format!("{}{name}", rel(&path, container)), value);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if out.is_empty() {
        return Err(Refused::new(format, "the file", format!("no <{container}> in it")));
    }
    Ok(out)
}

/// The path below the innermost `anchor`, `/`-joined (empty when at it).
fn rel(path: &[String], anchor: &str) -> String {
    let from = path.iter().rposition(|p| p == anchor).map_or(0, |i| i + 1);
    path[from..].iter().map(|p| format!("{p}/")).collect()
}

fn finish(
    s: &mut Statement,
    head: &HashMap<String, String>,
    bals: &[HashMap<String, String>],
    entries: &[Ntry],
    format: Format,
) -> Result<(), Refused> {
    s.account =
        head.get("Acct/Id/IBAN").or_else(|| head.get("Acct/Id/Othr/Id")).cloned().ok_or_else(|| {
            Refused::new(format, "the statement", "no account (<Acct><Id><IBAN> or <Othr><Id>)")
        })?;
    s.currency = head.get("Acct/Ccy").cloned().unwrap_or_default();
    for b in bals {
        let code = b.get("Tp/CdOrPrtry/Cd").map(String::as_str).unwrap_or("");
        let amount = b
            .get("Amt")
            .and_then(|a| decimal(a, '.'))
            .ok_or_else(|| Refused::new(format, "<Bal>", format!("balance {code}: no amount that reads")))?;
        let signed = match b.get("CdtDbtInd").map(String::as_str) {
            Some("CRDT") => amount,
            Some("DBIT") => -amount,
            other => {
                return Err(Refused::new(
                    format,
                    "<Bal>",
                    format!("balance {code}: CdtDbtInd {other:?}, not CRDT or DBIT"),
                ));
            }
        };
        if s.currency.is_empty() {
            s.currency = b.get("Ccy").cloned().unwrap_or_default();
        }
        match code {
            "OPBD" | "PRCD" if s.opening.is_none() => s.opening = Some(signed),
            "CLBD" => s.closing = Some(signed),
            _ => {}
        }
    }
    for n in entries {
        let at = format!("line {} <Ntry>", n.line);
        let f = |k: &str| n.fields.get(k).map(String::as_str).unwrap_or("");
        let status = if f("Sts").is_empty() { f("Sts/Cd") } else { f("Sts") };
        if !status.is_empty() && status != "BOOK" {
            continue;
        }
        let amount = decimal(f("Amt"), '.')
            .ok_or_else(|| Refused::new(format, &at, format!("<Amt> `{}` is not an amount", f("Amt"))))?;
        if amount < 0 {
            return Err(Refused::new(
                format,
                &at,
                format!("<Amt> {} is negative: the direction is CdtDbtInd's", f("Amt")),
            ));
        }
        let mut signed = match f("CdtDbtInd") {
            "CRDT" => amount,
            "DBIT" => -amount,
            other => {
                return Err(Refused::new(format, &at, format!("<CdtDbtInd> `{other}`, not CRDT or DBIT")));
            }
        };
        if f("RvslInd") == "true" {
            signed = -signed;
        }
        let ccy = f("Amt@Ccy");
        if !ccy.is_empty() && !s.currency.is_empty() && ccy != s.currency {
            return Err(Refused::new(
                format,
                &at,
                format!("an amount in {ccy} on an account in {}", s.currency),
            ));
        }
        if s.currency.is_empty() {
            s.currency = ccy.to_owned();
        }
        let date = |k: &str| -> Option<NaiveDate> {
            let v = if f(&format!("{k}/Dt")).is_empty() {
                f(&format!("{k}/DtTm"))
            } else {
                f(&format!("{k}/Dt"))
            };
            NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d").ok()
        };
        let booked = date("BookgDt")
            .ok_or_else(|| Refused::new(format, &at, "no booking date (<BookgDt>) that reads"))?;
        let value = date("ValDt").unwrap_or(booked);
        let reference = [
            "NtryDtls/TxDtls/RmtInf/Strd/CdtrRefInf/Ref",
            "NtryDtls/TxDtls/Refs/EndToEndId",
            "NtryDtls/TxDtls/Refs/PmtInfId",
        ]
        .iter()
        .map(|k| f(k))
        .find(|v| !v.is_empty() && *v != "NOTPROVIDED")
        .unwrap_or("")
        .to_owned();
        let counterparty = if signed > 0 {
            f("NtryDtls/TxDtls/RltdPties/Dbtr/Nm")
        } else {
            f("NtryDtls/TxDtls/RltdPties/Cdtr/Nm")
        }
        .to_owned();
        let label = [f("NtryDtls/TxDtls/RmtInf/Ustrd"), f("AddtlNtryInf"), f("NtryDtls/TxDtls/AddtlTxInf")]
            .into_iter()
            .find(|v| !v.is_empty())
            .unwrap_or("")
            .to_owned();
        let bank_ref = if f("AcctSvcrRef").is_empty() { f("NtryRef") } else { f("AcctSvcrRef") };
        let id = if bank_ref.is_empty() {
            format!("{booked}|{signed}|{reference}|{label}")
        } else {
            format!("ref:{bank_ref}")
        };
        s.lines.push(BankLine { id, booked, value, amount: signed, label, reference, counterparty });
    }
    rank_ids(&mut s.lines);
    Ok(())
}
