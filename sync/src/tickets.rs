//! A ticket of another till brought back to this one: head office keeps where each pushed ticket
//! is (by its reference) and counts the units each till took back of each of its lines, and gives
//! a till asking for a ticket the ticket as signed and what the other tills took back of it (the
//! asking till counts its own returns in its journal, synced or not).

use std::collections::BTreeMap;

use pos_journal::ChainName;
use pos_journal::body::{Entry, Ticket};
use pos_journal::check::Accepted;
use serde::{Deserialize, Serialize};

/// A ticket as a till of the chain sees it to take units of it back.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReturnableTicket {
    /// The till that sold it.
    pub till: String,
    /// The ticket as that till signed it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub ticket: Ticket,
    /// Units of each of its lines the tills other than the asking one took back: line → units.
    pub returned_elsewhere: BTreeMap<u32, u32>,
}

/// The till part of a ticket's reference (`PAR-1` of `PAR-1-T000042`), when it reads as one.
pub fn till_of(reference: &str) -> Option<&str> {
    let (till, number) = reference.rsplit_once("-T")?;
    (!till.is_empty() && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(till)
}

/// The live tickets among `accepted` records: (reference, seq).
pub fn tickets_of(accepted: &[Accepted]) -> Vec<(&str, u64)> {
    accepted
        .iter()
        .filter(|a| a.header.chain == ChainName::Live)
        .filter_map(|a| match &a.entry {
            Entry::Ticket(t) => Some((t.reference.as_str(), a.header.seq)),
            _ => None,
        })
        .collect()
}

/// The units the live tickets among `accepted` bring back of sold lines of tickets: (ticket,
/// line, units).
pub fn ticket_returns_of(accepted: &[Accepted]) -> Vec<(String, u32, u32)> {
    let mut out = Vec::new();
    for a in accepted.iter().filter(|a| a.header.chain == ChainName::Live) {
        if let Entry::Ticket(t) = &a.entry {
            for l in t.lines.iter().filter(|l| l.returns_sold_line()) {
                let Some((ticket, line)) = l.reference.rsplit_once('#') else { continue };
                let (Ok(line), Some(units)) =
                    (line.parse::<u32>(), l.quantity.checked_neg().and_then(|q| u32::try_from(q).ok()))
                else {
                    continue;
                };
                out.push((ticket.to_owned(), line, units));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_names_its_till() {
        assert_eq!(till_of("PAR-1-T000042"), Some("PAR-1"));
        assert_eq!(till_of("LYO-12-T7"), Some("LYO-12"));
        assert_eq!(till_of("WEB/W-1042"), None);
        assert_eq!(till_of("PAR-1-T"), None);
        assert_eq!(till_of("-T000001"), None);
        assert_eq!(till_of("PAR-1-T00004x"), None);
    }
}
