use super::*;
use pos_journal::body::ClosurePeriod;

impl Till {
    /// The daily closure of `day` as it would be made now: added up from the journal alone.
    pub fn day_closure(&self, day: &str, by: &str) -> Result<Closure, TillError> {
        crate::closing::day_closure(&self.conn, day, by)
    }

    /// Closes the register: the cash counted by denomination (cents → pieces), the difference, the Z.
    /// The expected cash and every figure of the Z are added up from the journal.
    pub fn close_register(
        &mut self,
        counted: &BTreeMap<String, i64>,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        let (total, by, reg) = self.closing(counted, approval)?;
        let closure = crate::closing::day_closure(&self.conn, &reg.day, &by)?;
        let expected = closure.cash_expected;
        let (count, difference) = cash_counted(&reg.day, counted, total, expected, &by)?;
        let entries = vec![
            count,
            Entry::Closure(closure.clone()),
            Entry::ClosureMade { what: format!("day {}", reg.day) },
        ];
        let headers = self.commit(entries)?;
        let printed = self.print_closure(&closure, &headers[1], Some((total, expected)));
        Ok(json!(crate::answer::Closed {
            day: reg.day.clone(),
            expected: euros(expected),
            counted: euros(total),
            difference: euros(difference),
            z: Some(closure),
            printer: printed.err().map(|e| ErrorView::from(&e)),
        }))
    }

    /// Ends a register session without closing the day (a change of shift, a lunch close): the
    /// cash counted and its difference, and the register free to open again today. The day's
    /// closure, made at the last session's closing or by the till the next day, covers every
    /// session of the day; each session keeps its own count.
    pub fn end_shift(
        &mut self,
        counted: &BTreeMap<String, i64>,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        let (total, by, reg) = self.closing(counted, approval)?;
        let expected = reg.expected()?;
        let (count, difference) = cash_counted(&reg.day, counted, total, expected, &by)?;
        self.commit(vec![count, Entry::RegisterClosed { day: reg.day.clone(), by }])?;
        Ok(json!(crate::answer::Closed {
            day: reg.day,
            expected: euros(expected),
            counted: euros(total),
            difference: euros(difference),
            z: None,
            printer: None,
        }))
    }

    /// What every closing of the register checks first: the count's total, who closes (the manager
    /// logged in, or the one approving a cashier's closing), and the register as the journal has it,
    /// open and with an empty basket.
    fn closing(
        &mut self,
        counted: &BTreeMap<String, i64>,
        approval: Option<&Approval>,
    ) -> Result<(i64, String, Register), TillError> {
        let op = self.operator()?;
        self.not_in_training(Task::ClosingRegister)?;
        let total = crate::closing::count_total(counted)?;
        let by = if self.operator_role()? == Role::Manager {
            op
        } else {
            self.approve(approval, Task::ClosingRegister)?
        };
        if self.state.register.is_none() {
            return Err(refused(Reason::RegisterClosed));
        }
        let Some(reg) = crate::closing::drawer(&self.conn)? else {
            return Err(refused(Reason::RegisterClosed));
        };
        if !self.state.basket.lines.is_empty() {
            return Err(refused(Reason::BasketOpenAtClose));
        }
        Ok((total, by, reg))
    }

    /// Prints a closure with the journal's head as its record left it (text and QR code), so that
    /// the paper anchors the journal.
    pub(super) fn print_closure(
        &mut self,
        closure: &Closure,
        header: &Header,
        cash: Option<(i64, i64)>,
    ) -> Result<(), TillError> {
        let anchor = receipt::anchor_of(&self.conn, header, &self.ring)?;
        let layout = receipt::closure(
            &self.identity.till,
            &header.at,
            header.no,
            closure,
            cash,
            Some(&anchor),
            &self.settings.families,
            self.receipt_width,
        );
        self.last_receipt = Some(layout.to_text());
        self.print(&format!("closure {} {}", closure.period, closure.key), &layout, "Z printed")
    }

    /// Counts the cash of a day the till closed itself.
    pub fn count_cash(&mut self, day: &str, counted: &BTreeMap<String, i64>) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training(Task::CountingCash)?;
        if !self.state.uncounted.contains(day) {
            return Err(refused(Reason::NoCountWaiting { day: day.to_owned() }));
        }
        let total = crate::closing::count_total(counted)?;
        let closure = store::records_of_kind(&self.conn, ChainName::Live, Kind::Closure)?
            .into_iter()
            .filter_map(|r| match r.entry {
                Entry::Closure(c) if c.period == ClosurePeriod::Day && c.key == day && c.automatic => Some(c),
                _ => None,
            })
            .next_back()
            .ok_or_else(|| refused(Reason::NoClosureToCount { day: day.to_owned() }))?;
        let expected = closure.cash_expected;
        let (count, difference) = cash_counted(day, counted, total, expected, &by)?;
        self.commit(vec![count])?;
        Ok(json!(crate::answer::Closed {
            day: day.to_owned(),
            expected: euros(expected),
            counted: euros(total),
            difference: euros(difference),
            z: None,
            printer: None,
        }))
    }

    /// Closes a month (`2026-12`) or a year (`2026`) from the closures below it in the journal.
    pub fn close_period(&mut self, key: &str) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training(Task::Closure)?;
        let current = {
            let now = self.now();
            self.today(now).to_string()
        };
        if current.get(..key.len()).is_some_and(|c| c <= key) {
            return Err(refused(Reason::PeriodNotOver { key: key.to_owned() }));
        }
        if self.operator_role()? != Role::Manager {
            return Err(TillError::NeedsManager { task: Task::PeriodicClosure, not_manager: None });
        }
        if self.state.register.as_ref().is_some_and(|r| r.day.starts_with(key)) {
            return Err(refused(Reason::StillOpen {
                day: self.state.register.as_ref().map_or_else(String::new, |r| r.day.clone()),
            }));
        }
        // A day whose sessions all ended without its closure is not closed yet either.
        if let Some(day) = crate::closing::unclosed_day(&self.conn)?
            && day.starts_with(key)
        {
            return Err(refused(Reason::StillOpen { day }));
        }
        let closure = crate::closing::period_closure(&self.conn, key, &by)?;
        let headers = self.commit(vec![
            Entry::Closure(closure.clone()),
            Entry::ClosureMade { what: format!("{} {key}", closure.period) },
        ])?;
        let printed = self.print_closure(&closure, &headers[0], None);
        let mut out = serde_json::to_value(&closure).unwrap_or_default();
        if let Err(e) = printed {
            out["printer"] = json!(ErrorView::from(&e));
        }
        Ok(out)
    }

    /// Writes the signed archive of a month into the data folder's `archives/` and journals it.
    pub fn archive(&mut self, period: &str) -> Result<Value, TillError> {
        if let Some(b) = self.blocks.first() {
            return Err(TillError::Blocked(b.reason()));
        }
        let file = crate::archive::write(&self.conn, self.signer.key(), &self.ring, &self.dir, period)?;
        self.commit(vec![
            Entry::Archive {
                period: period.into(),
                from_seq: file.from_seq,
                to_seq: file.to_seq,
                digest: file.digest.clone(),
            },
            Entry::Archived { period: period.into(), file: file.path.display().to_string() },
        ])?;
        Ok(json!(crate::answer::Archived {
            file: file.path.display().to_string(),
            records: file.to_seq + 1 - file.from_seq,
            digest: file.digest,
        }))
    }

    /// What the till is doing: the journal's figures, the state, the devices, and why it refuses to
    /// sell when it does.
    pub fn status(&self) -> Result<Value, TillError> {
        let mut s = inspect::status_of(
            &self.conn,
            &self.identity,
            &self.state,
            &self.heads,
            &self.ring,
            &self.blocks,
        )?;
        s.devices = Some(self.devices_view());
        for p in &mut s.parked {
            self.describe_parked(p)?;
        }
        s.head_office = crate::sync::view(&self.conn, &self.dir)?;
        s.quick_keys = self
            .settings
            .quick_keys
            .iter()
            .filter(|k| k.store == self.identity.store)
            .map(|k| crate::answer::QuickKeyView { sku: k.sku.to_string(), label: k.label.clone() })
            .collect();
        Ok(json!(s))
    }

    /// A parked basket's time (from the journal, kept once found), its customer's name and its
    /// total as it prices now.
    fn describe_parked(&self, p: &mut crate::answer::ParkedView) -> Result<(), TillError> {
        let Some(b) = self.state.parked.get(&p.slot) else { return Ok(()) };
        if let Some(c) = (!b.customer.is_empty()).then(|| self.customer(&b.customer)).transpose()?.flatten() {
            p.customer = c.name;
        }
        p.total = self.price(b).ok().map(|(priced, _)| euros(priced.total.cents()));
        // Baskets are parked on the live chain only (training refuses it).
        let known = self.parked_at.borrow().get(&p.slot).cloned();
        p.at = match known {
            Some(at) => Some(at),
            None => {
                let pattern = format!("{{\"body\":{{\"slot\":{},\"type\":\"parked\"}}%", p.slot);
                let at: Option<String> = self
                    .conn
                    .prepare_cached(
                        "SELECT at FROM journal WHERE chain = 'live' AND kind = 'operation'
                         AND CAST(bytes AS TEXT) LIKE ?1 ORDER BY seq DESC LIMIT 1",
                    )?
                    .query_row([pattern], |r| r.get(0))
                    .optional()?;
                if let Some(a) = &at {
                    self.parked_at.borrow_mut().insert(p.slot, a.clone());
                }
                at
            }
        };
        Ok(())
    }
}

/// The record of a cash count of `day` against what the journal expects, and its difference.
fn cash_counted(
    day: &str,
    counted: &BTreeMap<String, i64>,
    total: i64,
    expected: i64,
    by: &str,
) -> Result<(Entry, i64), TillError> {
    let difference = total.checked_sub(expected).ok_or_else(|| projection::overflow("the difference"))?;
    let entry = Entry::CashCounted {
        day: day.to_owned(),
        counted: counted.clone(),
        total,
        expected,
        difference,
        by: by.to_owned(),
    };
    Ok((entry, difference))
}
