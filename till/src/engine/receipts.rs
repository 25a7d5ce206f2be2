//! Receipts on request (French law since 1 August 2023: no receipt printed unasked): on paper, by
//! e-mail (queued in the journal, sent by head office once the till has pushed it) or none; the
//! offer the window preselects; duplicates and e-mails from the ticket look-up.

use super::*;
use crate::limits::ReceiptCopy;

/// What the customer asked for at payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Receipt {
    /// Printed (the ORIGINAL).
    Paper,
    /// Sent to this address by head office.
    Email(String),
    /// None.
    None,
}

/// The longest address a mail server takes (RFC 5321's path limit).
const MAX_ADDRESS: usize = 254;

/// Checks a customer's e-mail address as a mail relay will: an ASCII local part of letters,
/// digits and `!#$%&'*+/=?^_`{|}~.-` (no dot first, last or twice in a row), `@`, and a domain of at
/// least two labels of letters, digits and inner hyphens.
pub fn check_address(typed: &str) -> Result<String, TillError> {
    let a = typed.trim();
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let dotted = |s: &str, ok: &dyn Fn(char) -> bool| {
        !s.is_empty() && s.split('.').all(|part| !part.is_empty() && part.chars().all(ok))
    };
    let label = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let ok = a.len() <= MAX_ADDRESS
        && a.split_once('@').is_some_and(|(local, domain)| {
            local.len() <= 64 && dotted(local, &atext) && domain.contains('.') && domain.split('.').all(label)
        });
    if ok { Ok(a.to_owned()) } else { Err(refused(Reason::NotAnEmail { typed: typed.to_owned() })) }
}

impl Till {
    /// The receipt the window offers first for `basket`: on paper when a line carries a serial
    /// number (the customer's proof of purchase for its warranty), otherwise the store's
    /// `receipt_default`.
    pub(super) fn receipt_offer(&self, basket: &BasketState) -> ReceiptCopy {
        let serial = basket.lines.values().any(|l| matches!(l, LineSpec::Units { serial: Some(_), .. }));
        if serial { ReceiptCopy::Paper } else { self.limits().receipt_default }
    }

    /// The receipt asked for at payment: `copy` (absent: the offer for the open basket); an e-mail
    /// goes to `email`, or else to the attached customer's address.
    pub fn receipt_asked(
        &self,
        copy: Option<ReceiptCopy>,
        email: Option<&str>,
    ) -> Result<Receipt, TillError> {
        Ok(match copy.unwrap_or_else(|| self.receipt_offer(self.basket())) {
            ReceiptCopy::Paper => Receipt::Paper,
            ReceiptCopy::None => Receipt::None,
            ReceiptCopy::Email => {
                let attached = self.customer(&self.basket().customer)?.map(|c| c.email).unwrap_or_default();
                let to = email.map(str::trim).filter(|e| !e.is_empty()).map_or(attached, str::to_owned);
                if to.is_empty() {
                    return Err(refused(Reason::EmailNeeded));
                }
                Receipt::Email(check_address(&to)?)
            }
        })
    }

    /// The ticket's receipt laid out to the printer's width (`duplicate`: DUPLICATA n).
    pub(super) fn ticket_layout(
        &self,
        ticket: &Ticket,
        header: &Header,
        duplicate: Option<u32>,
    ) -> Result<pos_drivers::receipt::Receipt, TillError> {
        let sig: Vec<u8> = self.conn.query_row(
            "SELECT sig FROM journal WHERE chain = ?1 AND seq = ?2",
            params![header.chain.as_str(), header.seq],
            |r| r.get(0),
        )?;
        let location = self.settings.locations.iter().find(|l| l.code == self.identity.store).cloned();
        Ok(receipt::ticket(
            &receipt::Context {
                company: &self.settings.name,
                siren: &self.settings.siren,
                location: location.as_ref(),
                till: &self.identity.till,
                software: SOFTWARE,
                at: &header.at,
                signature: &hex(&sig),
                training: header.chain == ChainName::Training,
                width: self.receipt_width,
            },
            ticket,
            duplicate,
        ))
    }

    pub(super) fn print_ticket(
        &mut self,
        ticket: &Ticket,
        header: &Header,
        duplicate: Option<u32>,
    ) -> Result<(), TillError> {
        let layout = self.ticket_layout(ticket, header, duplicate)?;
        self.last_receipt = Some(layout.to_text());
        self.print(&format!("ticket {}", ticket.reference), &layout, "receipt printed")
    }

    /// Queues the receipt of a ticket for e-mail (`copy`: DUPLICATA n, already journaled): the
    /// record carries the address and the receipt's text; head office sends it.
    pub(super) fn queue_email(
        &mut self,
        ticket: &Ticket,
        header: &Header,
        to: &str,
        copy: Option<u32>,
    ) -> Result<(), TillError> {
        let by = self.operator()?;
        let layout = self.ticket_layout(ticket, header, copy)?;
        self.last_receipt = Some(layout.to_text());
        let text = layout.to_reading();
        self.commit(vec![Entry::ReceiptEmailed {
            ticket: ticket.reference.clone(),
            to: to.to_owned(),
            text,
            by,
        }])?;
        Ok(())
    }

    /// Opens the drawer for a cash ticket whose receipt was not printed (a printed one opens it
    /// itself); a drawer that does not open is noted on the printer's badge, the sale stands.
    pub(super) fn kick_drawer(&mut self, ticket: &Ticket) {
        if self.state.training
            || !ticket.tenders.iter().any(|t| t.kind == pos_journal::body::TenderMethod::Cash)
        {
            return;
        }
        let opened = self.spool.open_drawer();
        self.note("printer", opened.as_ref().map(|()| "drawer opened").map_err(ToString::to_string));
    }

    /// Prints the receipt of `reference` asked for after payment: the ORIGINAL of the ticket just
    /// paid without a paper receipt (once), a DUPLICATA, journaled, for any other.
    pub fn print_receipt(&mut self, reference: &str) -> Result<Value, TillError> {
        self.operator()?;
        match self.unprinted.take() {
            Some((ticket, header)) if ticket.reference == reference => {
                // The drawer opened at the payment: the ORIGINAL printed now does not open it again.
                let mut layout = self.ticket_layout(&ticket, &header, None)?;
                layout.blocks.retain(|b| !matches!(b, pos_drivers::receipt::Block::Drawer));
                self.last_receipt = Some(layout.to_text());
                let printed = self.print(&format!("ticket {}", ticket.reference), &layout, "receipt printed");
                Ok(json!({"ticket": ticket.reference, "printer": printed.err().map(|e| ErrorView::from(&e))}))
            }
            other => {
                self.unprinted = other;
                self.reprint(reference)
            }
        }
    }

    /// E-mails the receipt of a ticket found by its reference (the ticket look-up): queued in the
    /// journal, sent by head office at the till's next sync.
    pub fn email_receipt(&mut self, reference: &str, to: &str) -> Result<Value, TillError> {
        self.operator()?;
        self.not_in_training(Task::EmailingReceipt)?;
        let to = check_address(to)?;
        // The ticket just paid without a receipt gets its ORIGINAL; any other a DUPLICATA n,
        // counted with the paper ones.
        if let Some((ticket, header)) = self.unprinted.take() {
            if ticket.reference == reference.split('|').next().unwrap_or_default().trim() {
                self.queue_email(&ticket, &header, &to, None)?;
                return Ok(json!(crate::answer::Emailed { ticket: ticket.reference, to }));
            }
            self.unprinted = Some((ticket, header));
        }
        let (ticket, seq) = self.find_ticket(reference)?;
        let copy = self.next_copy(&ticket.reference)?;
        let by = self.operator()?;
        self.commit(vec![Entry::Duplicate { ticket: ticket.reference.clone(), copy, by }])?;
        let header = store::read_records(&self.conn, ChainName::Live, seq, seq)?.remove(0).header;
        self.queue_email(&ticket, &header, &to, Some(copy))?;
        Ok(json!(crate::answer::Emailed { ticket: ticket.reference, to }))
    }

    /// The next duplicate's number of `ticket`: signed, counted in the journal, not the state.
    fn next_copy(&self, ticket: &str) -> Result<u32, TillError> {
        let pattern = format!("\"ticket\":\"{ticket}\"");
        let before: u32 = self.conn.query_row(
            "SELECT COUNT(*) FROM journal WHERE chain = 'live' AND kind = 'duplicate'
             AND instr(CAST(bytes AS TEXT), ?1) > 0",
            [pattern],
            |r| r.get(0),
        )?;
        before.checked_add(1).ok_or_else(|| refused(Reason::Overflow { what: "the duplicates".into() }))
    }

    /// Reprints a receipt, marked DUPLICATA n, and journals it.
    pub fn reprint(&mut self, reference: &str) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training(Task::Reprinting)?;
        let (ticket, seq) = self.find_ticket(reference)?;
        if self.unprinted.as_ref().is_some_and(|(t, _)| t.reference == ticket.reference) {
            self.unprinted = None;
        }
        let copy = self.next_copy(&ticket.reference)?;
        self.commit(vec![Entry::Duplicate { ticket: ticket.reference.clone(), copy, by }])?;
        let header = store::read_records(&self.conn, ChainName::Live, seq, seq)?.remove(0).header;
        self.print_ticket(&ticket, &header, Some(copy))?;
        Ok(json!({"ticket": ticket.reference, "duplicate": copy}))
    }
}
