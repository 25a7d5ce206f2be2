use super::*;
use pos_journal::body::ReturnedFrom;

/// A sold ticket and what counts its returns.
struct SoldTicket {
    ticket: Ticket,
    /// The seq from which this till counts its returns of it (0: another till's ticket).
    sold_seq: u64,
    /// Units of each line the other tills took back: line → units.
    elsewhere: BTreeMap<u32, u32>,
}

impl Till {
    /// A ticket found by its number or its receipt's QR code, with what each line can still bring
    /// back (the returns screen ticks lines from it). Another till's ticket (`PAR-1-T000042`) and
    /// a web order (`WEB/W-1042`) are asked of head office.
    pub fn ticket_view(&self, reference: &str) -> Result<Value, TillError> {
        if let Some(order) = Self::web_order_of(reference) {
            return self.web_order_view(order);
        }
        let sold = self.sold_ticket(reference)?;
        let ticket = &sold.ticket;
        let mut lines = Vec::new();
        for l in &ticket.lines {
            lines.push(crate::answer::TicketLineView {
                line: l.id,
                sku: l.sku.clone(),
                name: l.name.clone(),
                measure: l.measure,
                quantity: l.quantity,
                net: euros(l.net),
                returnable: if returnable(l) { self.units_left(&sold, l)? } else { 0 },
                serial: if l.measure == LineMeasure::Units && !l.gift_card {
                    l.reference.clone()
                } else {
                    String::new()
                },
            });
        }
        Ok(json!(crate::answer::TicketView {
            ticket: ticket.reference.clone(),
            day: ticket.day.clone(),
            customer: ticket.customer.clone(),
            total: euros(ticket.total),
            tenders: ticket.tenders.clone(),
            lines,
        }))
    }

    /// The ticket `reference` names, with what counts its returns: this till's own (found in its
    /// journal; the other tills' returns of it as head office counted them when it can be asked)
    /// or another till's (head office's, with every other till's returns of it).
    fn sold_ticket(&self, reference: &str) -> Result<SoldTicket, TillError> {
        Ok(match self.foreign_ticket_of(reference) {
            Some(other) => {
                let rt = self.returnable_ticket(&other)?;
                SoldTicket { ticket: rt.ticket, sold_seq: 0, elsewhere: rt.returned_elsewhere }
            }
            None => {
                let (ticket, sold_seq) = self.find_ticket(reference)?;
                let elsewhere = self.returned_elsewhere(&ticket.reference);
                SoldTicket { ticket, sold_seq, elsewhere }
            }
        })
    }

    /// Units of line `l` of a sold ticket that can still come back here: those sold, less this
    /// till's returns (its journal's), those in its baskets and the other tills' (head office's).
    fn units_left(&self, sold: &SoldTicket, l: &TicketLine) -> Result<u32, TillError> {
        let reference = sold.ticket.reference.as_str();
        let pending: u64 = std::iter::once(self.basket())
            .chain(self.state.parked.values())
            .flat_map(|b| b.lines.values())
            .filter_map(|s| match s {
                LineSpec::Return { ticket: t, line, units, .. }
                    if t.ticket() == Some(reference) && *line == l.id =>
                {
                    Some(u64::from(*units))
                }
                _ => None,
            })
            .sum();
        let here = u64::from(self.returned_units(reference, l.id, sold.sold_seq)?);
        let elsewhere = u64::from(sold.elsewhere.get(&l.id).copied().unwrap_or(0));
        Ok(u32::try_from(u64::from(sold_units(l)).saturating_sub(here + pending + elsewhere)).unwrap_or(0))
    }

    /// The live seq of the ticket `reference` names (its number, or a receipt's QR code).
    pub(super) fn ticket_seq(&self, reference: &str) -> Result<u64, TillError> {
        // A receipt's QR code reads `reference|signature`; a number typed in is the reference alone.
        let reference = reference.split('|').next().unwrap_or_default().trim();
        // The text search narrows the tickets down; the ticket's own reference decides (a line or a
        // tender may carry the same text: a gift card's number, a return's `ticket#line`).
        let pattern = format!("%\"reference\":\"{}\"%", reference.replace(['%', '_'], ""));
        let seq: Option<u64> = self
            .conn
            .query_row(
                "SELECT seq FROM journal WHERE kind = 'ticket' AND chain = 'live' AND CAST(bytes AS TEXT) LIKE ?1
                 AND json_extract(CAST(bytes AS TEXT), '$.body.reference') = ?2 ORDER BY seq LIMIT 1",
                params![pattern, reference],
                |r| r.get(0),
            )
            .optional()?;
        seq.ok_or_else(|| refused(Reason::UnknownTicket { ticket: reference.to_owned() }))
    }

    pub(super) fn find_ticket(&self, reference: &str) -> Result<(Ticket, u64), TillError> {
        let seq = self.ticket_seq(reference)?;
        let rec = store::read_records(&self.conn, ChainName::Live, seq, seq)?.pop();
        // A receipt's QR code carries the start of the ticket's signature: it must be this one's.
        if let (Some(r), Some((_, short))) = (&rec, reference.split_once('|'))
            && !pos_journal::hex(&r.sig).starts_with(&short.trim().to_ascii_lowercase())
        {
            return Err(refused(Reason::ForeignReceipt {
                ticket: reference.split('|').next().unwrap_or_default().trim().to_owned(),
            }));
        }
        match rec.map(|r| r.entry) {
            Some(Entry::Ticket(t)) => Ok((t, seq)),
            _ => Err(TillError::storage(format!("ticket {reference} is unreadable"))),
        }
    }

    /// Units already brought back on a sold line, checked against the return that last counted them
    /// and the tickets since (`sold_seq`: the sold ticket's seq).
    pub(super) fn returned_units(&self, ticket: &str, line: u32, sold_seq: u64) -> Result<u32, TillError> {
        projection::checked_returned(&self.conn, ticket, line, sold_seq)
    }

    /// The basket with each return line's `before` as the journal says now: the units of its sold
    /// line already brought back, plus those of the return lines before it in this basket. A return
    /// is thus priced at payment for what has really come back, so that returns a unit at a time
    /// never refund more than was paid, whatever other baskets did meanwhile.
    pub(super) fn settle_befores(&self, mut basket: BasketState) -> Result<BasketState, TillError> {
        let mut counted: BTreeMap<(String, u32), u32> = BTreeMap::new();
        for spec in basket.lines.values_mut() {
            if let LineSpec::Return { ticket: ReturnedFrom::Ticket(ticket), line, units, before, .. } = spec {
                // Another till's ticket: its count is head office's, taken when the line was added.
                if pos_sync::tickets::till_of(ticket).is_some_and(|t| t != self.identity.till) {
                    continue;
                }
                let key = (ticket.clone(), *line);
                let so_far = match counted.get(&key) {
                    Some(n) => *n,
                    None => self.returned_units(ticket, *line, self.ticket_seq(ticket)?)?,
                };
                *before = so_far;
                counted.insert(key, so_far.saturating_add(*units));
            }
        }
        Ok(basket)
    }

    /// Brings back units of lines of an earlier ticket (found by its number or the receipt's code).
    /// `lines` empty: everything still returnable.
    /// A web order's (`WEB/W-1042`) are taken back at the price paid online.
    pub fn return_lines(&mut self, reference: &str, lines: &[(u32, u32)]) -> Result<Value, TillError> {
        if let Some(order) = Self::web_order_of(reference) {
            return self.return_web_lines(order, lines);
        }
        self.sale_ready()?;
        let sold = self.sold_ticket(reference)?;
        let ticket = &sold.ticket;
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
            let sold_units = sold_units(l);
            let left = self.units_left(&sold, l)?;
            // Without lines, everything left: the lines already brought back in full are passed over.
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
            specs.push(LineSpec::Return {
                ticket: ReturnedFrom::Ticket(ticket.reference.clone()),
                line: line_id,
                sku: l.sku.clone(),
                name: l.name.clone(),
                units,
                sold_units,
                net: l.net,
                eco: l.eco,
                vat: l.vat.clone(),
                basis: ticket.basis,
                // This till's own tickets are priced again at payment from what the journal then
                // says (see `settle_befores`); another till's keep head office's count.
                before: sold_units - left,
            });
        }
        if specs.is_empty() {
            return Err(refused(Reason::AllReturned { ticket: reference.to_owned() }));
        }
        let customer = (self.basket().customer.is_empty() && !ticket.customer.is_empty())
            .then(|| ticket.customer.clone());
        self.add_returns(customer, specs)
    }

    /// Puts return lines in the basket (with the sold ticket's customer, when the basket has none),
    /// priced whole before anything is journaled.
    pub(super) fn add_returns(
        &mut self,
        customer: Option<String>,
        specs: Vec<LineSpec>,
    ) -> Result<Value, TillError> {
        let mut trial = self.basket().clone();
        let mut entries = Vec::new();
        if let Some(customer) = customer {
            trial.customer = customer.clone();
            entries.push(Entry::CustomerAttached { customer });
        }
        for spec in specs {
            let id = trial.next_id.max(1);
            trial.lines.insert(id, spec.clone());
            trial.next_id = id + 1;
            entries.push(Entry::LineAdded { id, line: spec, approved_by: None });
        }
        self.price(&trial)?;
        self.commit(entries)?;
        self.basket_view()
    }

    /// A return without a receipt, at today's price: a manager approves.
    pub fn return_without_receipt(
        &mut self,
        code: &str,
        units: u32,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let sku = match catalogue::scan(&self.conn, &self.settings, code)? {
            Scanned::Item(s) => s,
            _ => return Err(refused(Reason::NoReceiptWeighed)),
        };
        if units == 0 {
            return Err(refused(Reason::ReturnNothing));
        }
        if units > limits::CEILING_QUANTITY {
            return Err(refused(Reason::ReturnUnits { units }));
        }
        let by = self.approve(approval, Task::ReturnWithoutReceipt)?;
        // Priced as a sale of the same units today, then turned into a return of that sale.
        let probe = BasketState {
            lines: [(1, LineSpec::Units { sku: sku.to_string(), quantity: units, serial: None })].into(),
            customer: self.basket().customer.clone(),
            next_id: 2,
            ..BasketState::default()
        };
        let (p, _) =
            self.price(&probe).map_err(|e| refused(Reason::NoReceiptNotSold { message: e.to_string() }))?;
        let l = &p.lines[0];
        let spec = LineSpec::Return {
            ticket: ReturnedFrom::NoReceipt { approved_by: by.to_owned() },
            line: 0,
            sku: sku.to_string(),
            name: l.name.to_string(),
            units,
            sold_units: units,
            net: l.net.cents(),
            eco: l.eco.cents(),
            vat: l
                .vat
                .iter()
                .map(|v| (v.category.as_str().to_owned(), rate_str(v.rate), v.amount.cents()))
                .collect(),
            basis: super::pricing::basis_of(p.basis),
            before: 0,
        };
        self.add_line(spec, Some(by), approval)
    }
}
