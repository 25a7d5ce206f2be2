use super::*;
use crate::projection::CardState;
use pos_journal::body::{CardOutcome, LineMeasure, ReturnedFrom, TenderMethod};

impl Till {
    pub(super) fn new_reference(&self, prefix: char) -> String {
        format!("{}-{prefix}{:06}", self.identity.till, self.heads.len(ChainName::Live) + 1)
    }

    /// Runs one card payment (or refund) through the terminal, journaling the intent first and the
    /// answer after; returns the approved payment.
    pub(super) fn run_card(&mut self, cents: i64) -> Result<CardPayment, TillError> {
        let reference = self.new_reference('P');
        if self.state.training {
            // Training never reaches the terminal: nobody's card is charged to learn the till.
            return Ok(CardPayment {
                reference,
                cents,
                state: CardState::Approved,
                detail: "FORMATION".into(),
            });
        }
        self.commit(vec![Entry::CardIntent { reference: reference.clone(), cents }])?;
        let answer = self.terminal.pay(&PaymentRequest { reference: reference.clone(), cents });
        // A payment that did not come back (cancelled at the till, a timeout) is asked about: a
        // terminal that charged the card anyway has the answer, and the sale is paid by card.
        let answer = match answer {
            Ok(a) => Ok(a),
            Err(e) => match self.terminal.status(&reference) {
                Ok(Some(a)) => Ok(a),
                Ok(None) => Err(e),
                Err(_) => {
                    self.note("terminal", Err(e.to_string()));
                    self.commit(vec![Entry::CardUnresolved {
                        reference: reference.clone(),
                        cents,
                        detail: e.to_string(),
                    }])?;
                    return Err(TillError::Device(Reason::CardOutcomeUnknown { message: e.to_string() }));
                }
            },
        };
        // The device's state in the bar is what finally came of it: a cancel the terminal
        // overtook is an answer, not a fault; a cancel or a decline is no fault of the device.
        self.note(
            "terminal",
            match &answer {
                Err(e) if e.kind != pos_drivers::terminal::TerminalErrorKind::Cancelled => Err(e.to_string()),
                _ => Ok("answered"),
            },
        );
        match answer {
            Ok(PaymentOutcome::Approved { authorisation, card }) => {
                let detail = format!("{authorisation} {card}");
                self.commit(vec![Entry::CardResult {
                    reference: reference.clone(),
                    outcome: CardOutcome::Approved,
                    detail: detail.clone(),
                }])?;
                Ok(CardPayment { reference, cents, state: CardState::Approved, detail })
            }
            Ok(PaymentOutcome::Declined { kind, reason }) => {
                self.commit(vec![Entry::CardResult {
                    reference,
                    outcome: CardOutcome::Declined,
                    detail: reason.clone(),
                }])?;
                Err(TillError::Refused(Reason::CardDeclined { kind, reason }))
            }
            Err(e) => {
                self.commit(vec![Entry::CardResult {
                    reference,
                    outcome: CardOutcome::NotMade,
                    detail: e.to_string(),
                }])?;
                if e.kind == pos_drivers::terminal::TerminalErrorKind::Cancelled {
                    return Err(TillError::Refused(Reason::CardCancelled));
                }
                Err(TillError::Device(Reason::CardNotCharged { message: e.to_string() }))
            }
        }
    }

    /// Writes into a ticket what it leaves: each voucher's balance, the customer's points, the units
    /// brought back so far on each sold line it returns (the rows that let money out are checked
    /// against these later).
    fn state_after(&self, t: &mut Ticket) -> Result<(), TillError> {
        let mut balances: BTreeMap<String, i64> = BTreeMap::new();
        let mut moves: Vec<(&str, i64)> =
            t.lines.iter().filter(|l| l.gift_card).map(|l| (l.reference.as_str(), l.net)).collect();
        for x in t
            .tenders
            .iter()
            .filter(|x| x.kind == TenderMethod::GiftCard || x.kind == TenderMethod::StoreCredit)
        {
            moves.push((
                x.reference.as_str(),
                x.cents.checked_neg().ok_or_else(|| refused(Reason::Overflow { what: "a tender".into() }))?,
            ));
        }
        for (number, delta) in moves {
            let was = match balances.get(number) {
                Some(b) => *b,
                None => self.balance(number)?.unwrap_or(0),
            };
            balances.insert(number.to_owned(), add(was, delta, "a voucher's balance")?);
        }
        t.balances = balances.into_iter().collect();
        if !t.customer.is_empty() {
            let spent = t.tenders.iter().try_fold(0i64, |s, x| add(s, x.points, "the points spent"))?;
            let now = add(self.points(&t.customer)?, t.points_earned, "the customer's points")?;
            t.points_balance = Some(
                now.checked_sub(spent)
                    .ok_or_else(|| refused(Reason::Overflow { what: "the points".into() }))?,
            );
        }
        let mut returned: BTreeMap<String, u32> = BTreeMap::new();
        for l in t.lines.iter_mut().filter(|l| l.returns_sold_line()) {
            let Some((ticket, line)) = l.reference.rsplit_once('#') else { continue };
            let was = match returned.get(&l.reference) {
                Some(u) => *u,
                None => {
                    let line = line
                        .parse()
                        .map_err(|_| TillError::refused(format!("`{}` names no sold line", l.reference)))?;
                    // Another till's ticket: this till counts its own returns of it from the start.
                    let sold_seq =
                        if pos_sync::tickets::till_of(ticket).is_some_and(|t| t != self.identity.till) {
                            0
                        } else {
                            self.ticket_seq(ticket)?
                        };
                    self.returned_units(ticket, line, sold_seq)?
                }
            };
            let units = l
                .quantity
                .checked_neg()
                .and_then(|q| u32::try_from(q).ok())
                .ok_or_else(|| refused(Reason::Overflow { what: "the units".into() }))?;
            let now = was
                .checked_add(units)
                .ok_or_else(|| refused(Reason::Overflow { what: "the units".into() }))?;
            returned.insert(l.reference.clone(), now);
            l.returned_after = now;
        }
        Ok(())
    }

    /// Pays the open basket with `tenders` and journals the ticket; prints the receipt. A ticket
    /// (or refund) above `max_ticket` needs a manager's approval.
    pub fn pay(&mut self, tenders: &[TenderSpec], approval: Option<&Approval>) -> Result<Value, TillError> {
        self.pay_ticket(tenders, None, approval, &Receipt::Paper)
    }

    /// [`Till::pay`], with the receipt the customer asked for: printed, e-mailed (queued in the
    /// journal for head office) or none. An address that is not one is refused before anything.
    pub fn pay_with_receipt(
        &mut self,
        tenders: &[TenderSpec],
        approval: Option<&Approval>,
        receipt: &Receipt,
    ) -> Result<Value, TillError> {
        let receipt = match receipt {
            Receipt::Email(to) => {
                // A training ticket is nobody's: it e-mails no customer.
                self.not_in_training(Task::EmailingReceipt)?;
                Receipt::Email(super::check_address(to)?)
            }
            other => other.clone(),
        };
        self.pay_ticket(tenders, None, approval, &receipt)
    }

    /// Pays the basket; `voids` names the ticket this one voids and the manager who approved it.
    pub(super) fn pay_ticket(
        &mut self,
        tenders: &[TenderSpec],
        voids: Option<(&str, &str)>,
        approval: Option<&Approval>,
        receipt: &Receipt,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let operator = self.operator()?;
        let basket = self.settle_befores(self.basket().clone())?;
        if basket.lines.is_empty() {
            return Err(refused(Reason::BasketEmpty));
        }
        if tenders.len() > MAX_TENDERS {
            return Err(refused(Reason::TooManyTenders { max: MAX_TENDERS as u32 }));
        }
        for t in tenders {
            let cents = match t {
                TenderSpec::Cash(c) | TenderSpec::Card(c) => *c,
                TenderSpec::GiftCard { cents, .. } | TenderSpec::StoreCredit { cents, .. } => *cents,
                TenderSpec::Points(_) => 0,
            };
            ceiling(cents, Amounted::Tender)?;
        }
        let tendered = tenders
            .iter()
            .map(|t| match t {
                TenderSpec::Cash(c) | TenderSpec::Card(c) => *c,
                TenderSpec::GiftCard { cents, .. } | TenderSpec::StoreCredit { cents, .. } => *cents,
                TenderSpec::Points(_) => 0,
            })
            .try_fold(0i64, i64::checked_add)
            .ok_or_else(|| refused(Reason::Overflow { what: "the tenders".into() }))?;
        ceiling(tendered, Amounted::Tenders)?;
        if !self.state.unresolved_cards.is_empty() {
            return Err(refused(Reason::CardUnresolved));
        }
        let (priced, moves) = self.price(&basket)?;
        let ticket_approved_by = match voids {
            // A void refunds what was sold: its own approval covers it.
            Some(_) => None,
            None => self.within(priced.total.cents(), self.limits().ticket, Amounted::Ticket, approval)?,
        };
        let point_value = self.settings.loyalty.point_value;
        let mut core = Vec::new();
        for t in tenders {
            let (kind, cents) = match t {
                TenderSpec::Cash(c) => (TenderKind::Cash, *c),
                TenderSpec::Card(c) => (TenderKind::Card, *c),
                TenderSpec::GiftCard { card, cents } => (TenderKind::GiftCard { card: card.clone() }, *cents),
                TenderSpec::StoreCredit { note, cents } => {
                    (TenderKind::StoreCredit { note: note.clone() }, *cents)
                }
                TenderSpec::Points(p) => {
                    let worth = self.settings.loyalty.value_of(*p);
                    let signed = if priced.total.is_negative() { -worth.cents() } else { worth.cents() };
                    (TenderKind::Loyalty { points: *p }, signed)
                }
            };
            core.push(Tender { kind, amount: Money::from_cents(cents) });
        }
        let settlement = settle(priced.total, priced.out_of_scope, &core, point_value)
            .map_err(|e| refused(Reason::from(e)))?;
        // Balances, checked before anything is charged.
        let mut spend: BTreeMap<String, i64> = BTreeMap::new();
        let mut points_spent = 0i64;
        for t in tenders {
            let (number, cents) = match t {
                TenderSpec::GiftCard { card, cents } => (card, *cents),
                TenderSpec::StoreCredit { note, cents } if *cents > 0 => (note, *cents),
                TenderSpec::Points(p) => {
                    points_spent = add(points_spent, i64::from(*p), "the points spent")?;
                    continue;
                }
                _ => continue,
            };
            let e = spend.entry(number.clone()).or_default();
            *e = add(*e, cents, "a voucher's spending")?;
        }
        for t in tenders {
            let (number, wanted) = match t {
                TenderSpec::GiftCard { card, .. } => (card, "gift_card"),
                TenderSpec::StoreCredit { note, cents } if *cents > 0 => (note, "store_credit"),
                _ => continue,
            };
            if let Some(kind) = self.voucher_kind(number)?
                && kind != wanted
            {
                return Err(refused(Reason::VoucherWrongKind {
                    number: number.clone(),
                    gift_card: kind == "gift_card",
                }));
            }
        }
        if !self.state.training {
            let kinds: BTreeMap<&str, pos_sync::rights::Voucher> = tenders
                .iter()
                .filter_map(|t| match t {
                    TenderSpec::GiftCard { card, .. } => {
                        Some((card.as_str(), pos_sync::rights::Voucher::GiftCard))
                    }
                    TenderSpec::StoreCredit { note, .. } => {
                        Some((note.as_str(), pos_sync::rights::Voucher::StoreCredit))
                    }
                    _ => None,
                })
                .collect();
            for (number, cents) in &spend {
                if let Some(voucher) = kinds.get(number.as_str()) {
                    self.secure_rights(number, *voucher, *cents)?;
                }
            }
            if points_spent > 0 && !basket.customer.is_empty() && !priced.total.is_negative() {
                let account = pos_sync::rights::points_account(&basket.customer);
                self.secure_rights(&account, pos_sync::rights::Voucher::Points, points_spent)?;
            }
        }
        for (number, cents) in &spend {
            let balance = self.balance(number)?;
            match balance {
                None => {
                    return Err(refused(Reason::UnknownVoucher { number: number.clone() }));
                }
                Some(b) if *cents > 0 && b < *cents => {
                    return Err(refused(Reason::VoucherShort {
                        number: number.clone(),
                        left: b,
                        wanted: *cents,
                    }));
                }
                _ => {}
            }
        }
        if points_spent > 0 {
            if basket.customer.is_empty() {
                return Err(refused(Reason::PointsNeedCustomer));
            }
            if priced.total.is_negative() {
                return Err(refused(Reason::PointsOnRefund));
            }
            let have = self.points(&basket.customer)?;
            if have < points_spent {
                return Err(refused(Reason::PointsShort { have, wanted: points_spent }));
            }
        }
        // Returned units, again at payment: a parked basket may have returned the same line meanwhile.
        let mut returning: BTreeMap<(String, u32), (u32, u32)> = BTreeMap::new();
        for l in basket.lines.values() {
            if let LineSpec::Return {
                ticket: ReturnedFrom::Ticket(ticket), line, units, sold_units, ..
            } = l
            {
                let e = returning.entry((ticket.clone(), *line)).or_insert((0, *sold_units));
                e.0 = e.0.saturating_add(*units);
            }
        }
        for ((ticket, line), (units, sold)) in &returning {
            if self.returned_units(ticket, *line, self.sold_seq_of(ticket)?)?.saturating_add(*units) > *sold {
                return Err(refused(Reason::LineAlreadyReturned { ticket: ticket.clone(), line: *line }));
            }
        }
        // What the ticket will state of the rows it changes is read (and checked against the records
        // that last set them) before any card is charged: a refusal comes now, not after the payment.
        for l in basket.lines.values() {
            if let LineSpec::GiftCard { card, .. } = l {
                self.balance(card)?;
            }
        }
        if !basket.customer.is_empty() {
            self.points(&basket.customer)?;
        }
        // Every card payment still standing on the basket must be among the tenders: it is reused,
        // never lost and never charged again.
        let mut card_amounts: Vec<i64> = tenders
            .iter()
            .filter_map(|t| if let TenderSpec::Card(c) = t { Some(*c) } else { None })
            .collect();
        for p in basket.cards.iter().filter(|p| p.state == CardState::Approved && p.cents > 0) {
            match card_amounts.iter().position(|c| *c == p.cents) {
                Some(i) => {
                    card_amounts.remove(i);
                }
                None => {
                    return Err(refused(Reason::CardAlreadyApproved { cents: p.cents }));
                }
            }
        }
        // Cards: reuse a payment approved on this basket (after a crash or a declined second card).
        let mut used: Vec<String> = Vec::new();
        let mut card_lines = Vec::new();
        for t in tenders {
            if let TenderSpec::Card(c) = t {
                let existing = self
                    .basket()
                    .cards
                    .iter()
                    .find(|p| p.state == CardState::Approved && p.cents == *c && !used.contains(&p.reference))
                    .cloned();
                let payment = match existing {
                    Some(p) => p,
                    None => self.run_card(*c)?,
                };
                used.push(payment.reference.clone());
                card_lines.push(payment);
            }
        }
        let tier =
            if basket.customer.is_empty() { None } else { self.customer(&basket.customer)?.map(|c| c.tier) };
        let points_earned = tier.map_or(0, |t| self.settings.loyalty.points_earned(t, &priced, &core));
        let training = self.state.training;
        let no =
            self.heads.next_no(if training { ChainName::Training } else { ChainName::Live }, Kind::Ticket);
        let reference = format!("{}-{}{no:06}", self.identity.till, if training { 'F' } else { 'T' });
        let mut tender_lines = Vec::new();
        let mut credit_notes = Vec::new();
        let mut cards = card_lines.into_iter();
        for (t, c) in tenders.iter().zip(&core) {
            let (kind, reference_t, points) = match t {
                TenderSpec::Cash(_) => (TenderMethod::Cash, String::new(), 0),
                TenderSpec::Card(_) => (
                    TenderMethod::Card,
                    cards.next().map(|p| format!("{} {}", p.reference, p.detail)).unwrap_or_default(),
                    0,
                ),
                TenderSpec::GiftCard { card, .. } => (TenderMethod::GiftCard, card.clone(), 0),
                TenderSpec::StoreCredit { note, cents } => {
                    if *cents < 0 {
                        let number = format!("AV-{reference}-{}", credit_notes.len() + 1);
                        credit_notes.push((number.clone(), -cents));
                        (TenderMethod::StoreCredit, number, 0)
                    } else {
                        (TenderMethod::StoreCredit, note.clone(), 0)
                    }
                }
                TenderSpec::Points(p) => (TenderMethod::Loyalty, String::new(), i64::from(*p)),
            };
            tender_lines.push(TenderLine { kind, reference: reference_t, cents: c.amount.cents(), points });
        }
        // The register's business day, not the clock's: a ticket paid just after midnight belongs to
        // the day its register was open for, and to that day's Z.
        let day = self.state.register.as_ref().map(|r| r.day.clone()).unwrap_or_default();
        let ticket = Ticket {
            reference: reference.clone(),
            day,
            operator,
            customer: basket.customer.clone(),
            basis: super::pricing::basis_of(priced.basis),
            lines: priced.lines.iter().map(|l| ticket_line(l, basket.lines.get(&l.id))).collect(),
            basket_discounts: priced
                .basket_discounts
                .iter()
                .map(|d| (label(&d.source), d.amount.cents()))
                .collect(),
            gross: priced.gross.cents(),
            discounts: priced.discounts.cents(),
            eco: priced.eco.cents(),
            vat: priced
                .vat
                .rates
                .iter()
                .map(|r| VatLine {
                    rate: rate_str(r.rate),
                    base: r.base.cents(),
                    vat: r.vat.cents(),
                    total: r.total.cents(),
                })
                .collect(),
            out_of_scope: priced.out_of_scope.cents(),
            total: priced.total.cents(),
            tenders: tender_lines,
            change: settlement.change.cents(),
            points_earned,
            credit_notes,
            approvals: basket
                .discounts
                .values()
                .chain(basket.discount.iter())
                .filter_map(|d| d.approved_by.clone().map(|by| (d.reason.clone(), by)))
                .chain(voids.map(|(_, by)| ("void".to_owned(), by.to_owned())))
                .chain(
                    basket
                        .approvals
                        .iter()
                        .map(|(id, by)| (format!("line {id} above a maximum"), by.clone())),
                )
                .chain(ticket_approved_by.map(|by| ("a ticket above the maximum".to_owned(), by)))
                .chain(basket.lines.values().filter_map(|l| match l {
                    LineSpec::Return { ticket: ReturnedFrom::NoReceipt { approved_by }, .. } => {
                        Some(("return without receipt".to_owned(), approved_by.clone()))
                    }
                    _ => None,
                }))
                .collect(),
            voids: voids.map(|(t, _)| t.to_owned()).unwrap_or_default(),
            stock_moves: moves.values().flatten().map(|(s, q)| (s.clone(), q.to_string())).collect(),
            balances: Vec::new(),
            points_balance: None,
            training_from: if training { self.state.training_since } else { 0 },
        };
        let mut ticket = ticket;
        if !training {
            self.state_after(&mut ticket)?;
        }
        let headers = self.commit(vec![Entry::Ticket(ticket.clone())])?;
        self.unprinted = None;
        let printed = match receipt {
            Receipt::Paper => self.print_ticket(&ticket, &headers[0], None),
            Receipt::Email(to) => {
                // The ORIGINAL goes by e-mail: a paper copy asked for next is a DUPLICATA.
                self.queue_email(&ticket, &headers[0], to, None)?;
                self.kick_drawer(&ticket);
                Ok(())
            }
            Receipt::None => {
                self.last_receipt = Some(self.ticket_layout(&ticket, &headers[0], None)?.to_text());
                self.unprinted = Some((ticket.clone(), headers[0].clone()));
                self.kick_drawer(&ticket);
                Ok(())
            }
        };
        let printer = match printed {
            Ok(()) => None,
            Err(e) => {
                let queued = crate::printing::waiting(&self.conn)? > 0;
                Some(ErrorView::of(
                    ErrorKind::Device,
                    Reason::ReceiptHeld { printer: Box::new(e.reason()), queued },
                ))
            }
        };
        Ok(json!(crate::answer::Paid {
            ticket: reference,
            total: euros(ticket.total),
            change: euros(ticket.change),
            points_earned,
            credit_notes: ticket
                .credit_notes
                .iter()
                .map(|(n, c)| crate::answer::CreditNote { note: n.clone(), amount: euros(*c) })
                .collect(),
            lines: u32::try_from(ticket.lines.len()).unwrap_or(u32::MAX),
            printer,
            voids: None,
            approved_by: None,
        }))
    }

    /// Voids a ticket: a new ticket returning all its lines, refunded to its own tenders. A manager approves.
    pub fn void_ticket(&mut self, reference: &str, approval: Option<&Approval>) -> Result<Value, TillError> {
        self.sale_ready()?;
        if !self.basket().lines.is_empty() {
            return Err(refused(Reason::FinishOrParkFirst));
        }
        let (ticket, sold_seq) = self.find_ticket(reference)?;
        if ticket.lines.iter().any(|l| l.measure == LineMeasure::Returned)
            || ticket.tenders.iter().any(|t| t.kind == TenderMethod::Loyalty)
        {
            return Err(refused(Reason::VoidHoldsReturns));
        }
        if ticket.lines.iter().any(|l| l.gift_card) {
            return Err(refused(Reason::VoidGiftCard));
        }
        let elsewhere = self.returned_elsewhere(&ticket.reference);
        for l in &ticket.lines {
            if self.returned_units(&ticket.reference, l.id, sold_seq)? > 0 || elsewhere.contains_key(&l.id) {
                return Err(refused(Reason::VoidPartlyReturned));
            }
        }
        if !self.state.unresolved_cards.is_empty() {
            return Err(refused(Reason::CardUnresolved));
        }
        let by = self.approve(approval, Task::Voiding)?;
        // Each tender refunded as it was paid; cash as one payout, net of the change given.
        let cash = projection::cash_of(&ticket)?;
        let mut tenders: Vec<TenderSpec> = ticket
            .tenders
            .iter()
            .filter(|t| t.kind != TenderMethod::Cash)
            .map(|t| match t.kind {
                TenderMethod::Card => TenderSpec::Card(-t.cents),
                TenderMethod::GiftCard => TenderSpec::GiftCard { card: t.reference.clone(), cents: -t.cents },
                TenderMethod::Cash | TenderMethod::StoreCredit | TenderMethod::Loyalty => {
                    TenderSpec::StoreCredit { note: String::new(), cents: -t.cents }
                }
            })
            .collect();
        if cash != 0 {
            tenders.push(TenderSpec::Cash(-cash));
        }
        let refund = ticket.total.checked_neg();
        let paid_out = tenders
            .iter()
            .map(|t| match t {
                TenderSpec::Card(c) | TenderSpec::Cash(c) => *c,
                TenderSpec::GiftCard { cents, .. } | TenderSpec::StoreCredit { cents, .. } => *cents,
                TenderSpec::Points(_) => 0,
            })
            .try_fold(0i64, i64::checked_add);
        if paid_out.is_none() || paid_out != refund {
            return Err(refused(Reason::VoidTendersMismatch));
        }
        self.return_lines(reference, &[])?;
        match self.pay_ticket(&tenders, Some((&ticket.reference, &by)), None, &Receipt::Paper) {
            Ok(mut v) => {
                v["voids"] = json!(ticket.reference);
                v["approved_by"] = json!(by);
                Ok(v)
            }
            Err(e) => {
                // A card refund already made stays on the basket, so the void can be retried; otherwise
                // the basket is abandoned.
                if !self
                    .basket()
                    .cards
                    .iter()
                    .any(|c| c.state == CardState::Refund || c.state == CardState::Approved)
                {
                    self.commit(vec![Entry::BasketCancelled])?;
                }
                Err(e)
            }
        }
    }
}
