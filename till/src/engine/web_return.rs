//! A web order brought back to a store: its lines are head office's (the till asks for them, so a
//! web return needs head office online), each unit is taken back at the price paid online, with
//! the item's VAT as this till's catalogue has it, and refunded or credited here like any return.
//! What can still come back is what was bought, less what the other tills took back (head
//! office's count) and what this till took back (its own journal, synced or not) or holds in a
//! basket. The return lines name `WEB/` and the order: head office counts them when they arrive.

use pos_journal::body::ReturnedFrom;
use pos_sync::web::{ReturnableOrder, WEB_ORDER_PREFIX};
use pos_sync::wire::{self, ErrorCode};

use super::*;
use crate::sync::client::HeadOffice;
use crate::sync::{SyncError, link};

impl Till {
    /// Whether `reference` names a web order (`WEB/W-1042`): its id.
    pub(super) fn web_order_of(reference: &str) -> Option<&str> {
        reference.trim().strip_prefix(WEB_ORDER_PREFIX).filter(|o| !o.is_empty())
    }

    /// A web order as this till may take it back, in the shape of a ticket (`WEB/` and its id).
    pub(super) fn web_order_view(&self, order: &str) -> Result<Value, TillError> {
        let o = self.returnable_order(order)?;
        let mut lines = Vec::new();
        let mut total = 0i64;
        for l in &o.lines {
            let net = line_cents(l.qty, l.unit_cents)?;
            total = add(total, net, "the order's total")?;
            lines.push(crate::answer::TicketLineView {
                line: l.line,
                sku: l.sku.clone(),
                name: self.item_name(&l.sku),
                measure: pos_journal::body::LineMeasure::Units,
                quantity: i64::from(l.qty),
                net: euros(net),
                returnable: self.web_left(&o, l.line)?,
                serial: String::new(),
            });
        }
        Ok(json!(crate::answer::TicketView {
            ticket: format!("{WEB_ORDER_PREFIX}{}", o.order),
            day: String::new(),
            customer: o.customer.name.clone(),
            total: euros(total),
            tenders: Vec::new(),
            lines,
        }))
    }

    /// Brings back units of lines of web order `order` (`lines` empty: everything still
    /// returnable), at the price paid online.
    pub(super) fn return_web_lines(&mut self, order: &str, lines: &[(u32, u32)]) -> Result<Value, TillError> {
        self.sale_ready()?;
        let o = self.returnable_order(order)?;
        let wanted: Vec<(u32, u32)> = if lines.is_empty() {
            o.lines.iter().map(|l| (l.line, u32::MAX)).collect()
        } else {
            lines.to_vec()
        };
        let reference = format!("{WEB_ORDER_PREFIX}{order}");
        let mut specs = Vec::new();
        for (line, units) in wanted {
            let l = o
                .lines
                .iter()
                .find(|l| l.line == line)
                .ok_or_else(|| refused(Reason::NoSuchTicketLine { ticket: reference.clone(), line }))?;
            let left = self.web_left(&o, line)?;
            if units == u32::MAX && left == 0 {
                continue;
            }
            let units = if units == u32::MAX { left } else { units };
            if units == 0 || units > left {
                return Err(refused(Reason::ReturnTooMany { ticket: reference.clone(), line, left }));
            }
            specs.push(self.web_return_spec(&o, l, units)?);
        }
        if specs.is_empty() {
            return Err(refused(Reason::AllReturned { ticket: reference }));
        }
        self.add_returns(None, specs)
    }

    /// The return line of `units` of the order's line `l`: its net is the line paid online, its
    /// VAT and eco-participation this till's catalogue's for the item, in proportion.
    fn web_return_spec(
        &self,
        o: &ReturnableOrder,
        l: &pos_sync::web::ReturnableLine,
        units: u32,
    ) -> Result<LineSpec, TillError> {
        let unknown = || refused(Reason::WebOrderItemUnknown { order: o.order.clone(), sku: l.sku.clone() });
        let probe = BasketState {
            lines: [(1, LineSpec::Units { sku: l.sku.clone(), quantity: l.qty, serial: None })].into(),
            next_id: 2,
            ..BasketState::default()
        };
        let (p, _) = self.price(&probe).map_err(|_| unknown())?;
        let item = p.lines.first().ok_or_else(unknown)?;
        let net = line_cents(l.qty, l.unit_cents)?;
        let probe_net = item.net.cents();
        let share = |cents: i64| -> Result<i64, TillError> {
            if probe_net == 0 {
                return Ok(0);
            }
            let x = i128::from(cents) * i128::from(net);
            let d = i128::from(probe_net);
            // Rounded half away from zero.
            let q = (2 * x + d.signum() * x.signum() * d.abs()) / (2 * d);
            i64::try_from(q).map_err(|_| refused(Reason::Overflow { what: "a web order's VAT".into() }))
        };
        let vat = item
            .vat
            .iter()
            .map(|v| Ok((v.category.as_str().to_owned(), rate_str(v.rate), share(v.amount.cents())?)))
            .collect::<Result<Vec<_>, TillError>>()?;
        Ok(LineSpec::Return {
            ticket: ReturnedFrom::WebOrder(o.order.clone()),
            line: l.line,
            sku: l.sku.clone(),
            name: item.name.to_string(),
            units,
            sold_units: l.qty,
            net,
            eco: share(item.eco.cents())?,
            vat,
            basis: pos_journal::body::Basis::TaxIncluded,
            before: l.qty.saturating_sub(self.web_left(o, l.line)?),
        })
    }

    /// Units of the order's `line` that can still come back here.
    fn web_left(&self, o: &ReturnableOrder, line: u32) -> Result<u32, TillError> {
        let Some(l) = o.lines.iter().find(|l| l.line == line) else { return Ok(0) };
        if !o.state.delivered() {
            return Ok(0);
        }
        let pending: u64 = std::iter::once(self.basket())
            .chain(self.state.parked.values())
            .flat_map(|b| b.lines.values())
            .filter_map(|s| match s {
                LineSpec::Return { ticket: ReturnedFrom::WebOrder(w), line: n, units, .. }
                    if *w == o.order && *n == line =>
                {
                    Some(u64::from(*units))
                }
                _ => None,
            })
            .sum();
        let taken =
            u64::from(l.returned_elsewhere) + u64::from(self.web_returned_here(&o.order, line)?) + pending;
        Ok(u32::try_from(u64::from(l.qty).saturating_sub(taken)).unwrap_or(0))
    }

    /// Units of the order's `line` this till took back, from its journal's tickets.
    fn web_returned_here(&self, order: &str, line: u32) -> Result<u32, TillError> {
        let pattern = format!("%\"{WEB_ORDER_PREFIX}{}#%", order.replace(['%', '_'], ""));
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq FROM journal WHERE kind = 'ticket' AND chain = 'live' AND CAST(bytes AS TEXT) LIKE ?1",
        )?;
        let seqs: Vec<u64> = stmt.query_map([&pattern], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let mut units = 0u32;
        for seq in seqs {
            if let Some(Entry::Ticket(t)) =
                store::read_records(&self.conn, ChainName::Live, seq, seq)?.pop().map(|r| r.entry)
            {
                for (o, l, u) in t.lines.iter().filter_map(|l| l.returns_web_line()) {
                    if o == order && l == line {
                        units = units.saturating_add(u);
                    }
                }
            }
        }
        Ok(units)
    }

    /// The order as head office has it; refused when the till cannot ask or head office does
    /// not know it, or when the customer does not have the goods yet.
    fn returnable_order(&self, order: &str) -> Result<ReturnableOrder, TillError> {
        let offline = || refused(Reason::WebOrderOffline { order: order.into() });
        let Some(l) = link::link(&self.conn)? else { return Err(offline()) };
        let path = wire::WEB_ORDER_RETURNS.replace("{order}", order);
        let answer = HeadOffice::new(&l.url, l.ca_pem.as_deref())
            .and_then(|ho| ho.signed(self.signer.key(), &l.till, reqwest::Method::GET, &path, Vec::new()));
        let o: ReturnableOrder = match answer {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                TillError::storage(format!("head office's answer for web order {order} does not read: {e}"))
            })?,
            Err(SyncError::Refused {
                code: Some(ErrorCode::UnknownWebOrder | ErrorCode::NotFound), ..
            }) => {
                return Err(refused(Reason::UnknownWebOrder { order: order.into() }));
            }
            Err(e) => {
                tracing::warn!(order, "web order not obtained: {e}");
                return Err(offline());
            }
        };
        if o.order != order {
            return Err(TillError::storage(format!("head office answered order {} for {order}", o.order)));
        }
        if !o.state.delivered() {
            return Err(refused(Reason::WebOrderNotDelivered { order: order.into() }));
        }
        Ok(o)
    }

    /// The item's name in this till's catalogue (its SKU when it has none).
    fn item_name(&self, sku: &str) -> String {
        catalogue::search(&self.conn, sku, 5)
            .ok()
            .and_then(|found| found.into_iter().find(|f| f.sku == sku).map(|f| f.name))
            .unwrap_or_else(|| sku.to_owned())
    }
}

/// A line's amount: units times the unit price, cents (bounded by the order's checks).
fn line_cents(qty: u32, unit_cents: i64) -> Result<i64, TillError> {
    unit_cents
        .checked_mul(i64::from(qty))
        .ok_or_else(|| refused(Reason::Overflow { what: "a web order's line".into() }))
}
