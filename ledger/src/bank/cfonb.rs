//! CFONB 120: records of 120 characters, `01` an account's old balance, `04` a movement, `05` its
//! complements (a label, a reference, the other party), `07` the new balance. Amounts are 14
//! digits whose last character carries the sign (`{` and `A`..`I` positive, `}` and `J`..`R`
//! negative), with the record's number of decimals. Blank lines between records are allowed.
//! An account is its branch and number (the bank code of the `07` may differ from the `01`'s in
//! files seen in the wild, and is not compared).

use chrono::NaiveDate;

use super::{BankLine, Format, Refused, Statement, rank_ids};

const F: Format = Format::Cfonb120;

fn amount(field: &str, decimals: u32, line: usize) -> Result<i64, Refused> {
    let bad = || {
        Refused::new(F, format!("line {line}"), format!("amount `{field}`: 13 digits and a sign character"))
    };
    let (digits, last) = field.split_at(field.len().saturating_sub(1));
    let c = last.chars().next().ok_or_else(bad)?;
    let (d, neg) = match c {
        '{' => (0, false),
        'A'..='I' => (c as i64 - 'A' as i64 + 1, false),
        '}' => (0, true),
        'J'..='R' => (c as i64 - 'J' as i64 + 1, true),
        _ => return Err(bad()),
    };
    let digits = digits.replace(' ', "0");
    if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let v = digits
        .parse::<i64>()
        .map_err(|_| bad())?
        .checked_mul(10)
        .and_then(|v| v.checked_add(d))
        .ok_or_else(bad)?;
    let v = match decimals {
        0 => v.checked_mul(100),
        1 => v.checked_mul(10),
        2 => Some(v),
        _ => None,
    }
    .ok_or_else(|| Refused::new(F, format!("line {line}"), format!("{decimals} decimals: 0, 1 or 2")))?;
    Ok(if neg { -v } else { v })
}

fn date(s: &str, line: usize, what: &str) -> Result<NaiveDate, Refused> {
    NaiveDate::parse_from_str(s, "%d%m%y")
        .map_err(|_| Refused::new(F, format!("line {line}"), format!("{what} `{s}` is not a date JJMMAA")))
}

pub(super) fn read(bytes: &[u8]) -> Result<Vec<Statement>, Refused> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Refused::new(
            F,
            format!("byte {}", e.valid_up_to()),
            "not text (CFONB is ASCII or Latin-1 text)".to_owned(),
        )
    })?;
    let mut out: Vec<Statement> = Vec::new();
    let mut open: Option<Statement> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let l = raw.trim_end_matches('\r');
        if l.trim().is_empty() {
            continue;
        }
        if l.chars().count() != 120 || !l.is_ascii() {
            return Err(Refused::new(
                F,
                format!("line {n}"),
                format!("{} characters: a record has 120 ASCII characters", l.chars().count()),
            ));
        }
        let code = &l[0..2];
        let account = format!("{}-{}", &l[11..16], &l[21..32]);
        let currency = l[16..19].to_owned();
        let decimals = l[19..20]
            .parse::<u32>()
            .map_err(|_| Refused::new(F, format!("line {n}"), "the number of decimals is not a digit"))?;
        let here = || format!("line {n}");
        match code {
            "01" => {
                if let Some(s) = &open {
                    return Err(Refused::new(
                        F,
                        here(),
                        format!("a new statement while account {}'s has no closing record (07)", s.account),
                    ));
                }
                open = Some(Statement {
                    format: F,
                    account,
                    currency,
                    opening: Some(amount(&l[90..104], decimals, n)?),
                    closing: None,
                    lines: Vec::new(),
                });
            }
            "04" => {
                let s = open.as_mut().ok_or_else(|| {
                    Refused::new(F, here(), "a movement (04) before its account's opening record (01)")
                })?;
                if s.account != account {
                    return Err(Refused::new(
                        F,
                        here(),
                        format!("a movement of account {account} in account {}'s statement", s.account),
                    ));
                }
                let booked = date(&l[34..40], n, "the booking date")?;
                let value = date(&l[42..48], n, "the value date")?;
                let label = l[48..79].trim().to_owned();
                let reference = l[104..120].trim().to_owned();
                let amount = amount(&l[90..104], decimals, n)?;
                let id = format!("{}|{booked}|{amount}|{label}|{reference}|{}", s.account, &l[81..88]);
                s.lines.push(BankLine {
                    id,
                    booked,
                    value,
                    amount,
                    label,
                    reference,
                    counterparty: String::new(),
                });
            }
            "05" => {
                let s = open
                    .as_mut()
                    .ok_or_else(|| Refused::new(F, here(), "a complement (05) with no account open"))?;
                let line = s
                    .lines
                    .last_mut()
                    .ok_or_else(|| Refused::new(F, here(), "a complement (05) before any movement (04)"))?;
                let kind = &l[45..48];
                let value = l[48..118].trim();
                match kind {
                    "LIB" => {
                        line.label.push(' ');
                        line.label.push_str(value);
                    }
                    "REF" | "RCN" if line.reference.is_empty() => {
                        line.reference = value.split("  ").next().unwrap_or("").to_owned()
                    }
                    "NPY" | "NBE" if line.counterparty.is_empty() => line.counterparty = value.to_owned(),
                    _ => {}
                }
            }
            "07" => {
                let mut s = open.take().ok_or_else(|| {
                    Refused::new(F, here(), "a closing record (07) with no opening record (01)")
                })?;
                if s.account != account {
                    return Err(Refused::new(
                        F,
                        here(),
                        format!("account {account}'s closing record ends account {}'s statement", s.account),
                    ));
                }
                s.closing = Some(amount(&l[90..104], decimals, n)?);
                rank_ids(&mut s.lines);
                out.push(s);
            }
            other => return Err(Refused::new(F, here(), format!("record code `{other}`: 01, 04, 05 or 07"))),
        }
    }
    if let Some(s) = open {
        return Err(Refused::new(
            F,
            "the end of the file",
            format!("account {}'s statement has no closing record (07)", s.account),
        ));
    }
    if out.is_empty() {
        return Err(Refused::new(F, "the file", "no statement in it"));
    }
    Ok(out)
}
