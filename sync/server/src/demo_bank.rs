//! The demo month's bank statements, written in the formats banks send: CAMT.053 (XML, with its
//! opening and closing balances), CFONB 120 (fixed records, the sign in the amount's last
//! character) and OFX 2 (XML). Each file is then imported through `import-bank` like a bank's.

use chrono::NaiveDate;

/// One line the bank books.
#[derive(Clone, Debug)]
pub struct Line {
    /// Booking day.
    pub booked: NaiveDate,
    /// Signed cents (money in above zero).
    pub cents: i64,
    /// The bank's label.
    pub label: String,
    /// The payment's reference, or empty.
    pub reference: String,
}

/// The demo's bank account.
pub const IBAN: &str = "FR7630004000031234567890143";
const BRANCH: &str = "00031";
const ACCOUNT: &str = "12345678901";

fn euros(c: i64) -> String {
    format!("{}.{:02}", c.unsigned_abs() / 100, c.unsigned_abs() % 100)
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A CAMT.053 statement of `lines` from `opening` (cents).
pub fn camt053(id: &str, opening: i64, lines: &[Line]) -> String {
    let closing = opening + lines.iter().map(|l| l.cents).sum::<i64>();
    let day = lines.last().map_or(String::new(), |l| l.booked.to_string());
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n<BkToCstmrStmt><GrpHdr><MsgId>{id}</MsgId></GrpHdr>\n<Stmt><Id>{id}</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
    );
    for (code, bal) in [("OPBD", opening), ("CLBD", closing)] {
        x.push_str(&format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>\n",
            euros(bal),
            if bal < 0 { "DBIT" } else { "CRDT" }
        ));
    }
    for (i, l) in lines.iter().enumerate() {
        let reference = if l.reference.is_empty() { "NOTPROVIDED".to_owned() } else { xml(&l.reference) };
        x.push_str(&format!(
            "<Ntry><Amt Ccy=\"EUR\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{}</Dt></BookgDt><ValDt><Dt>{}</Dt></ValDt><AcctSvcrRef>{id}-{i}</AcctSvcrRef>\
             <NtryDtls><TxDtls><Refs><EndToEndId>{reference}</EndToEndId></Refs><RmtInf><Ustrd>{}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n",
            euros(l.cents),
            if l.cents < 0 { "DBIT" } else { "CRDT" },
            l.booked,
            l.booked,
            xml(&l.label)
        ));
    }
    x.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    x
}

fn cfonb_amount(c: i64) -> String {
    let abs = c.unsigned_abs();
    let last = (abs % 10) as u8;
    let sign = if c < 0 {
        [b'}', b'J', b'K', b'L', b'M', b'N', b'O', b'P', b'Q', b'R'][last as usize]
    } else {
        [b'{', b'A', b'B', b'C', b'D', b'E', b'F', b'G', b'H', b'I'][last as usize]
    };
    format!("{:013}{}", abs / 10, sign as char)
}

/// One 120-character record: a movement (`04`) of `line`, or a balance (`01`, `07`) of `cents` on
/// `date`.
fn cfonb_record(code: &str, line: Option<&Line>, date: &str, cents: i64) -> String {
    let ascii = |s: &str, n: usize| s.chars().filter(char::is_ascii).take(n).collect::<String>();
    let d = |n: NaiveDate| n.format("%d%m%y").to_string();
    let (op, interbank, booked, value, label, reference, cents) = match line {
        Some(l) => {
            let interbank = if l.cents < 0 { "06" } else { "05" };
            (
                "0000",
                interbank,
                d(l.booked),
                d(l.booked),
                ascii(&l.label, 31),
                ascii(&l.reference, 16),
                l.cents,
            )
        }
        None => ("", "", date.to_owned(), String::new(), String::new(), String::new(), cents),
    };
    let r = format!(
        "{code}30004{op:<4}{BRANCH}EUR2 {ACCOUNT}{interbank:<2}{booked:<6}  {value:<6}{label:<31}  0000000  {}{reference:<16}",
        cfonb_amount(cents)
    );
    format!("{r:<120}\r\n")
}

/// A CFONB 120 statement of `lines` from `opening`.
pub fn cfonb(opening: i64, lines: &[Line]) -> String {
    let d = |n: NaiveDate| n.format("%d%m%y").to_string();
    let first = lines.first().map_or(String::new(), |l| d(l.booked));
    let last = lines.last().map_or(String::new(), |l| d(l.booked));
    let mut out = cfonb_record("01", None, &first, opening);
    for l in lines {
        out.push_str(&cfonb_record("04", Some(l), "", 0));
    }
    let closing = opening + lines.iter().map(|l| l.cents).sum::<i64>();
    out.push_str(&cfonb_record("07", None, &last, closing));
    out
}

/// An OFX 2 statement of `lines`, with its closing balance.
pub fn ofx(id: &str, closing: i64, lines: &[Line]) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?OFX OFXHEADER=\"200\" VERSION=\"211\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>\n<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>0</TRNUID><STMTRS><CURDEF>EUR</CURDEF>\n",
    );
    x.push_str(&format!("<BANKACCTFROM><BANKID>30004</BANKID><ACCTID>{ACCOUNT}</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>\n<BANKTRANLIST>\n"));
    for (i, l) in lines.iter().enumerate() {
        let sign = if l.cents < 0 { "-" } else { "" };
        x.push_str(&format!(
            "<STMTTRN><TRNTYPE>{}</TRNTYPE><DTPOSTED>{}</DTPOSTED><TRNAMT>{sign}{}</TRNAMT><FITID>{id}-{i}</FITID><NAME>{}</NAME>{}</STMTTRN>\n",
            if l.cents < 0 { "DEBIT" } else { "CREDIT" },
            l.booked.format("%Y%m%d"),
            euros(l.cents),
            xml(&l.label),
            if l.reference.is_empty() { String::new() } else { format!("<REFNUM>{}</REFNUM>", xml(&l.reference)) }
        ));
    }
    x.push_str(&format!("</BANKTRANLIST><LEDGERBAL><BALAMT>{}{}</BALAMT><DTASOF>20260101</DTASOF></LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n", if closing < 0 { "-" } else { "" }, euros(closing)));
    x
}
