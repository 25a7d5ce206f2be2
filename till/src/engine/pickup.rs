//! Click & collect at the counter: the orders waiting at the store (the till's inbox), and the
//! handover, journaled: an order paid online leaves with its stock; an order paid at the counter is
//! sold on a ticket first, which the handover names.

use super::*;
use crate::sync::pickup;

impl Till {
    /// The click & collect orders waiting at this store, without those this till handed over
    /// since its last pull.
    pub fn pickups(&self) -> Result<Value, TillError> {
        let mut waiting = Vec::new();
        for p in pickup::waiting(&self.conn)? {
            if self.handed_over(&p.order.order)?.is_none() {
                waiting.push(crate::answer::PickupView::of(&p));
            }
        }
        Ok(json!(waiting))
    }

    /// Head office's latest messages to the store, newest first, dated in the store's time.
    pub fn messages(&self) -> Result<Value, TillError> {
        let views: Vec<crate::answer::MessageView> = pickup::messages(&self.conn)?
            .into_iter()
            .map(|m| crate::answer::MessageView {
                id: m.id,
                at: chrono::DateTime::from_timestamp_millis(m.at_ms)
                    .map(|t| t.with_timezone(&self.tz).to_rfc3339())
                    .unwrap_or_default(),
                every_store: m.store.is_none(),
                text: m.text,
            })
            .collect();
        Ok(json!(views))
    }

    /// Hands `order` over to its customer: paid online, or paid at the counter on `ticket` (a
    /// ticket of this till holding every line of the order, not used for another order).
    pub fn hand_over(&mut self, order: &str, ticket: Option<&str>) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training(Task::HandingOver)?;
        let p = pickup::find(&self.conn, order)?
            .ok_or_else(|| refused(Reason::UnknownPickup { order: order.into() }))?;
        if self.handed_over(order)?.is_some() {
            return Err(refused(Reason::PickupAlreadyHandedOver { order: order.into() }));
        }
        let (ticket, stock_moves) = if p.order.paid_online {
            let skus: BTreeSet<String> = p.order.lines.iter().map(|l| l.sku.clone()).collect();
            let (cat, _) =
                catalogue::basket_catalogue(&self.conn, &self.settings, &mut self.cache.borrow_mut(), &skus)?;
            let mut moves = Vec::new();
            for l in &p.order.lines {
                let sku = Sku::parse(&l.sku).map_err(TillError::storage)?;
                for (s, q) in cat.stock_moves(&sku, Quantity::units(i64::from(l.qty))) {
                    moves.push((s.to_string(), q.to_string()));
                }
            }
            (String::new(), moves)
        } else {
            let reference = ticket
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| refused(Reason::PickupNotPaid { order: order.into() }))?;
            let (t, _) = self.find_ticket(reference)?;
            if let Some(other) = self.paid_pickup(&t.reference)? {
                return Err(refused(Reason::PickupTicketUsed { ticket: t.reference.clone(), order: other }));
            }
            for l in &p.order.lines {
                let sold: i64 = t.lines.iter().filter(|tl| tl.sku == l.sku).map(|tl| tl.quantity).sum();
                if sold < i64::from(l.qty) {
                    return Err(refused(Reason::PickupTicketShort {
                        order: order.into(),
                        ticket: t.reference.clone(),
                    }));
                }
            }
            (t.reference, Vec::new())
        };
        let paid_online = p.order.paid_online;
        self.commit(vec![Entry::PickupHandedOver {
            order: order.into(),
            paid_online,
            ticket: ticket.clone(),
            stock_moves,
            by,
        }])?;
        Ok(json!({"order": order, "handed_over": true, "paid_online": paid_online, "ticket": ticket}))
    }

    /// The seq of the record that handed `order` over at this till, if any.
    fn handed_over(&self, order: &str) -> Result<Option<u64>, TillError> {
        self.pickup_record(&format!("\"order\":{}", json!(order)))
    }

    /// The order a ticket already paid, if any.
    fn paid_pickup(&self, ticket: &str) -> Result<Option<String>, TillError> {
        let Some(seq) = self.pickup_record(&format!("\"ticket\":{}", json!(ticket)))? else {
            return Ok(None);
        };
        Ok(store::read_records(&self.conn, ChainName::Live, seq, seq)?.pop().and_then(|r| match r.entry {
            Entry::PickupHandedOver { order, .. } => Some(order),
            _ => None,
        }))
    }

    /// The live handover record whose canonical bytes hold `field` (`"order":"W-1"`).
    fn pickup_record(&self, field: &str) -> Result<Option<u64>, TillError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT seq FROM journal WHERE chain = 'live' AND kind = 'event'
                 AND instr(CAST(bytes AS TEXT), '\"type\":\"pickup_handed_over\"') > 0 AND instr(CAST(bytes AS TEXT), ?1) > 0
                 ORDER BY seq LIMIT 1",
            )?
            .query_row([field], |r| r.get(0))
            .optional()?)
    }
}
