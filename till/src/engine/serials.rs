//! Serial numbers: one unit, one number. A number already in the basket is refused by the pricing
//! (`LineProblem::SerialTwice`); one this till sold and never took back is refused here, from the
//! journal itself (its tickets, and the units returned of each sold line as the `returned` table
//! counts them, checked against the return that last counted them), so that no table a person
//! could edit decides it.
//!
//! Only this till's journal is read: a unit sold at another till is not known offline. The
//! tickets are found by the number's text in their bytes, then read whole; serial-tracked items
//! are few, so a scan of one costs a search of the journal's tickets (as a web order's return
//! does), never a scan of an ordinary item.

use pos_journal::body::LineMeasure;

use super::*;

impl Till {
    /// Refuses `serial` of `sku` when a ticket of this till sold it and the unit has not come back.
    pub(super) fn serial_not_on_hand(&self, sku: &str, serial: &str) -> Result<(), TillError> {
        let serial = serial.trim();
        // The number as the ticket's JSON writes it, its LIKE wildcards escaped.
        let quoted = serde_json::to_string(serial).map_err(|e| TillError::storage(e.to_string()))?;
        let escaped = quoted.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = format!("%\"reference\":{escaped}%");
        let seqs: Vec<u64> = self
            .conn
            .prepare_cached(
                "SELECT seq FROM journal WHERE kind = 'ticket' AND chain = 'live'
                 AND CAST(bytes AS TEXT) LIKE ?1 ESCAPE '\\' ORDER BY seq",
            )?
            .query_map([&pattern], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for seq in seqs {
            let Some(Entry::Ticket(t)) =
                store::read_records(&self.conn, ChainName::Live, seq, seq)?.pop().map(|r| r.entry)
            else {
                continue;
            };
            for l in &t.lines {
                let sold = l.measure == LineMeasure::Units
                    && l.quantity > 0
                    && !l.gift_card
                    && l.sku == sku
                    && l.reference.trim() == serial;
                if !sold {
                    continue;
                }
                // The units brought back, checked against the journal's returns (never the
                // table's word alone).
                let returned = crate::projection::checked_returned(&self.conn, &t.reference, l.id, seq)?;
                if i64::from(returned) < l.quantity {
                    return Err(refused(Reason::SerialSold {
                        sku: sku.to_owned(),
                        serial: serial.to_owned(),
                        ticket: t.reference.clone(),
                    }));
                }
            }
        }
        Ok(())
    }
}
