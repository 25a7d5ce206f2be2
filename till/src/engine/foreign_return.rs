//! A ticket of another till of the chain brought back here: its lines are head office's (the
//! till asks for the ticket as its till signed it, so such a return needs head office online; a
//! receipt's QR code carries the ticket's reference and the start of its signature, not its lines,
//! so offline the till cannot know what was sold). Each unit comes back at the price paid, with
//! the ticket's own VAT; what can still come back is what was sold, less what the other tills took
//! back (head office's count, as far as they synced) and what this till took back (its journal)
//! or holds in a basket. The return lines name the ticket and its line like any return.

use pos_journal::body::ReturnedFrom;
use pos_sync::tickets::{ReturnableTicket, till_of};
use pos_sync::wire::{self, ErrorCode};

use super::*;
use crate::sync::client::HeadOffice;
use crate::sync::{SyncError, link};

impl Till {
    /// Whether `reference` (a number or a receipt's QR code) names a ticket of another till: its
    /// reference.
    pub(super) fn foreign_ticket_of(&self, reference: &str) -> Option<String> {
        let r = reference.split('|').next().unwrap_or_default().trim();
        till_of(r).filter(|t| *t != self.identity.till).map(|_| r.to_owned())
    }

    /// The seq from which this till counts its returns of `ticket`: its sale's for its own
    /// tickets, the journal's start for another till's.
    pub(super) fn sold_seq_of(&self, ticket: &str) -> Result<u64, TillError> {
        if till_of(ticket).is_some_and(|t| t != self.identity.till) { Ok(0) } else { self.ticket_seq(ticket) }
    }

    /// Another till's ticket as this till may take it back.
    pub(super) fn foreign_ticket_view(&self, reference: &str) -> Result<Value, TillError> {
        let rt = self.returnable_ticket(reference)?;
        let t = &rt.ticket;
        let mut lines = Vec::new();
        for l in &t.lines {
            lines.push(crate::answer::TicketLineView {
                line: l.id,
                sku: l.sku.clone(),
                name: l.name.clone(),
                measure: l.measure,
                quantity: l.quantity,
                net: euros(l.net),
                returnable: if returnable(l) { self.foreign_left(&rt, l)? } else { 0 },
                serial: if l.measure == LineMeasure::Units && !l.gift_card {
                    l.reference.clone()
                } else {
                    String::new()
                },
            });
        }
        Ok(json!(crate::answer::TicketView {
            ticket: t.reference.clone(),
            day: t.day.clone(),
            customer: t.customer.clone(),
            total: euros(t.total),
            tenders: t.tenders.clone(),
            lines,
        }))
    }

    /// Brings back units of lines of another till's ticket (`lines` empty: everything left).
    pub(super) fn return_foreign_lines(
        &mut self,
        reference: &str,
        lines: &[(u32, u32)],
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let rt = self.returnable_ticket(reference)?;
        let ticket = &rt.ticket;
        let wanted: Vec<(u32, u32)> = if lines.is_empty() {
            ticket.lines.iter().filter(|l| returnable(l)).map(|l| (l.id, u32::MAX)).collect()
        } else {
            lines.to_vec()
        };
        let mut specs = Vec::new();
        for (line_id, units) in wanted {
            let l = ticket.lines.iter().find(|l| l.id == line_id).ok_or_else(|| {
                refused(Reason::NoSuchTicketLine { ticket: reference.to_owned(), line: line_id })
            })?;
            if !returnable(l) {
                return Err(refused(Reason::NotReturnable { ticket: reference.to_owned(), line: line_id }));
            }
            let left = self.foreign_left(&rt, l)?;
            if units == u32::MAX && left == 0 {
                continue;
            }
            let units = if units == u32::MAX { left } else { units };
            if units == 0 || units > left {
                return Err(refused(Reason::ReturnTooMany {
                    ticket: reference.to_owned(),
                    line: line_id,
                    left,
                }));
            }
            let sold = sold_units(l);
            specs.push(LineSpec::Return {
                ticket: ReturnedFrom::Ticket(ticket.reference.clone()),
                line: line_id,
                sku: l.sku.clone(),
                name: l.name.clone(),
                units,
                sold_units: sold,
                net: l.net,
                eco: l.eco,
                vat: l.vat.clone(),
                basis: ticket.basis,
                before: sold.saturating_sub(left),
            });
        }
        if specs.is_empty() {
            return Err(refused(Reason::AllReturned { ticket: reference.to_owned() }));
        }
        let customer = (self.basket().customer.is_empty() && !ticket.customer.is_empty())
            .then(|| ticket.customer.clone());
        self.add_returns(customer, specs)
    }

    /// Units of line `l` of another till's ticket that can still come back here.
    fn foreign_left(&self, rt: &ReturnableTicket, l: &TicketLine) -> Result<u32, TillError> {
        let reference = &rt.ticket.reference;
        let pending: u64 = std::iter::once(self.basket())
            .chain(self.state.parked.values())
            .flat_map(|b| b.lines.values())
            .filter_map(|s| match s {
                LineSpec::Return { ticket: t, line, units, .. }
                    if t.ticket() == Some(reference.as_str()) && *line == l.id =>
                {
                    Some(u64::from(*units))
                }
                _ => None,
            })
            .sum();
        let elsewhere = u64::from(rt.returned_elsewhere.get(&l.id).copied().unwrap_or(0));
        let here = u64::from(self.returned_units(reference, l.id, 0)?);
        Ok(u32::try_from(u64::from(sold_units(l)).saturating_sub(elsewhere + here + pending)).unwrap_or(0))
    }

    /// Units of each line of this till's own ticket `reference` that other tills took back, as
    /// head office counted them when it can be asked; nothing when it cannot (the till sells
    /// offline: its own journal's count stands). Head office is asked only when the last sync
    /// round reached it, so a head office out does not hold a return at the counter.
    pub(super) fn returned_elsewhere(&self, reference: &str) -> BTreeMap<u32, u32> {
        match crate::sync::view(&self.conn, &self.dir) {
            Ok(Some(ho)) if ho.online => {
                self.returnable_ticket(reference).map(|rt| rt.returned_elsewhere).unwrap_or_default()
            }
            _ => BTreeMap::new(),
        }
    }

    /// The ticket as head office has it; refused when the till cannot ask or head office does not
    /// hold it.
    fn returnable_ticket(&self, reference: &str) -> Result<ReturnableTicket, TillError> {
        let offline = || refused(Reason::TicketOffline { ticket: reference.into() });
        let Some(l) = link::link(&self.conn)? else { return Err(offline()) };
        let path = wire::TICKET_RETURNS.replace("{ticket}", reference);
        let answer = HeadOffice::new(&l.url, l.ca_pem.as_deref())
            .and_then(|ho| ho.signed(self.signer.key(), &l.till, reqwest::Method::GET, &path, Vec::new()));
        let rt: ReturnableTicket = match answer {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                TillError::storage(format!("head office's answer for ticket {reference} does not read: {e}"))
            })?,
            Err(SyncError::Refused {
                code: Some(ErrorCode::UnknownTicket | ErrorCode::NotFound), ..
            }) => {
                return Err(refused(Reason::UnknownTicket { ticket: reference.into() }));
            }
            Err(e) => {
                tracing::warn!(ticket = reference, "ticket not obtained: {e}");
                return Err(offline());
            }
        };
        if rt.ticket.reference != reference || till_of(reference) != Some(rt.till.as_str()) {
            return Err(TillError::storage(format!(
                "head office answered ticket {} of {} for {reference}",
                rt.ticket.reference, rt.till
            )));
        }
        Ok(rt)
    }
}
