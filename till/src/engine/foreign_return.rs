//! Another till's tickets: which references name one, head office's copy of such a ticket with
//! every other till's returns of it (so such a return needs head office online; a receipt's QR
//! code carries the ticket's reference and the start of its signature, not its lines, so offline
//! the till cannot know what another till sold), and head office's count of the other tills'
//! returns of this till's own tickets. The returns themselves are `returns`' (`Till::return_lines`).

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
    pub(super) fn returnable_ticket(&self, reference: &str) -> Result<ReturnableTicket, TillError> {
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
