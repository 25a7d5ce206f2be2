use super::*;
use crate::answer::{BasketView, DiscountView, LineView};
use crate::projection::CardState;
use pos_journal::body::ClosurePeriod;

impl Till {
    // ------------------------------------------------------------------ register

    /// Makes sure the register is open on today's business day, closing a forgotten day first (its
    /// closure and the float it carries over are added up from the journal).
    pub(super) fn ensure_day(&mut self) -> Result<(), TillError> {
        let now = self.now();
        let today = self.today(now).to_string();
        let Some(reg) = self.state.register.clone() else {
            return Err(refused(Reason::RegisterClosed));
        };
        // Only a later day closes the register's day; a clock gone back keeps selling on the open day.
        if today <= reg.day {
            return Ok(());
        }
        // The day closed and the float carried over are the journal's, not the state's.
        let Some(reg) = crate::closing::drawer(&self.conn)? else {
            return Err(refused(Reason::RegisterClosed));
        };
        if today <= reg.day {
            return Ok(());
        }
        let by = self.state.operator.clone().unwrap_or_else(|| "till".into());
        let mut closure = crate::closing::day_closure(&self.conn, &reg.day, &by)?;
        closure.automatic = true;
        let float = closure.cash_expected;
        let what = format!("day {} (closed by the till)", reg.day);
        self.commit(vec![
            Entry::Closure(closure),
            Entry::ClosureMade { what },
            Entry::RegisterOpened { day: today, float, by, carried: true, approved_by: None },
        ])?;
        Ok(())
    }

    /// Opens the register with the counted float (above `max_cash_move`, a manager approves).
    pub fn open_register(&mut self, float: i64, approval: Option<&Approval>) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training(Task::OpeningRegister)?;
        if float < 0 {
            return Err(refused(Reason::NegativeFloat));
        }
        let today = {
            let now = self.now();
            self.today(now).to_string()
        };
        // Whether today is closed is the journal's word (its last daily closure), not a table's: a
        // row deleted with `sqlite3` does not make a closed day look open. A day before it is never
        // opened: the clock is behind. Today closed already (a Z made by mistake, an evening
        // opening) opens again as a new session with a manager's approval; its closing makes a
        // further daily closure of the same day, covering the tickets after the first.
        let mut reopening = false;
        if let Some((_, last)) = crate::closing::last_closure(&self.conn, Some(ClosurePeriod::Day))? {
            if today < last.key {
                return Err(refused(Reason::ClockBehind { today, closed: last.key }));
            }
            reopening = today == last.key;
        }
        if let Some(reg) = &self.state.register
            && reg.day >= today
        {
            return Err(refused(Reason::AlreadyOpen { day: reg.day.clone() }));
        }
        let unclosed = crate::closing::unclosed_day(&self.conn)?;
        if let Some(day) = unclosed.as_ref().filter(|d| today < **d) {
            return Err(refused(Reason::ClockBehind { today, closed: day.clone() }));
        }
        let mut approved_by = self.within(float, self.limits().cash_move, Amounted::Float, approval)?;
        if reopening && self.operator_role()? != Role::Manager {
            approved_by = Some(self.approve(approval, Task::ReopeningDay)?);
        }
        // A day before today still unclosed (its register left open, or its sessions all ended
        // without the day's closure) is closed by the till first, with whatever drawer it left.
        if let Some(day) = unclosed
            && day < today
        {
            let mut closure = crate::closing::day_closure(&self.conn, &day, &by)?;
            closure.automatic = true;
            self.commit(vec![
                Entry::Closure(closure),
                Entry::ClosureMade { what: format!("day {day} (closed by the till)") },
            ])?;
        }
        self.commit(vec![Entry::RegisterOpened {
            day: today.clone(),
            float,
            by,
            carried: false,
            approved_by,
        }])?;
        Ok(json!({"day": today, "float": euros(float)}))
    }

    /// Cash put into or taken out of the drawer, with a reason (above `max_cash_move`, a manager
    /// approves).
    pub fn cash_move(
        &mut self,
        cents: i64,
        reason: &str,
        out: bool,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.move_cash(cents, reason, out, "", approval)
    }

    /// Cash taken out of the drawer to the bank with deposit slip `slip` (head office matches the
    /// bank's line by it).
    pub fn cash_to_bank(
        &mut self,
        cents: i64,
        slip: &str,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        let slip = slip.trim();
        if slip.is_empty()
            || slip.len() > 32
            || !slip.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/')
        {
            return Err(refused(Reason::ReasonNeeded {
                what: "the deposit slip's number (letters, digits, - or /)".into(),
            }));
        }
        self.move_cash(cents, &format!("remise en banque {slip}"), true, slip, approval)
    }

    fn move_cash(
        &mut self,
        cents: i64,
        reason: &str,
        out: bool,
        slip: &str,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        let by = self.operator()?;
        self.not_in_training(Task::MovingCash)?;
        self.ensure_day()?;
        if cents <= 0 {
            return Err(refused(Reason::AmountNotPositive));
        }
        if reason.trim().is_empty() {
            return Err(refused(Reason::ReasonNeeded { what: "the cash movement".into() }));
        }
        ceiling(cents, Amounted::CashMovement)?;
        if out {
            let have = self.state.register.as_ref().map(Register::expected).transpose()?.unwrap_or(0);
            if have < cents {
                return Err(refused(Reason::DrawerShort { holds: have, asked: cents }));
            }
        }
        let what = if out { Amounted::CashOut } else { Amounted::CashIn };
        let approved_by = self.within(cents, self.limits().cash_move, what, approval)?;
        let reason = reason.to_owned();
        let entry = if out {
            Entry::CashOut { cents, reason, by, approved_by, slip: slip.to_owned() }
        } else {
            Entry::CashIn { cents, reason, by, approved_by }
        };
        self.commit(vec![entry])?;
        let expected = self.state.register.as_ref().map(Register::expected).transpose()?.unwrap_or(0);
        Ok(json!({"expected_cash": euros(expected)}))
    }

    /// `cents` (either sign) against a maximum: within it, nothing to approve; above it, a manager
    /// approves (who is returned); above the ceiling, refused whoever approves.
    pub(super) fn within(
        &mut self,
        cents: i64,
        max: i64,
        what: Amounted,
        approval: Option<&Approval>,
    ) -> Result<Option<String>, TillError> {
        ceiling(cents, what)?;
        if cents.abs() <= max {
            return Ok(None);
        }
        Ok(Some(self.approve(approval, Task::Amount { of: what, cents: cents.abs(), max })?))
    }

    // ------------------------------------------------------------------ basket

    pub(super) fn not_in_training(&self, task: Task) -> Result<(), TillError> {
        if self.state.training {
            return Err(refused(Reason::TrainingMode { task }));
        }
        Ok(())
    }

    pub(super) fn basket(&self) -> &BasketState {
        if self.state.training { &self.state.training_basket } else { &self.state.basket }
    }

    pub(super) fn sale_ready(&mut self) -> Result<(), TillError> {
        if let Some(b) = self.blocks.first() {
            return Err(TillError::Blocked(b.reason()));
        }
        self.operator()?;
        self.ensure_day()
    }

    pub(super) fn next_line_id(&self) -> u32 {
        self.basket().next_id.max(1)
    }

    /// Adds what a scanned or typed code designates. `quantity` is the units of an item sold by the
    /// unit (1 to `max_quantity`, more with a manager's approval); `grams` the weight of an item sold
    /// by weight when typed in (up to the scale's capacity); `serial` the serial number of a
    /// serial-tracked item. A line above `max_line` needs a manager's approval.
    pub fn scan(
        &mut self,
        code: &str,
        quantity: u32,
        grams: Option<i64>,
        serial: Option<String>,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let limits = self.limits();
        if quantity == 0 {
            return Err(refused(Reason::QuantityZero));
        }
        if quantity > limits::CEILING_QUANTITY {
            return Err(refused(Reason::TooManyUnits { units: quantity, max: limits::CEILING_QUANTITY }));
        }
        if let Some(g) = grams {
            if g <= 0 {
                return Err(refused(Reason::WeightNotPositive { grams: g }));
            }
            if g > limits::CEILING_GRAMS {
                return Err(refused(Reason::WeightTooHeavy { grams: g }));
            }
        }
        let mut approved_by = None;
        if quantity > limits.quantity {
            let asked = Task::Units { units: quantity, max: limits.quantity };
            approved_by = Some(self.approve(approval, asked)?);
        }
        if let Some(g) = grams
            && g > limits.scale_capacity_grams
            && approved_by.is_none()
        {
            let asked = Task::Weight { grams: g, max: limits.scale_capacity_grams };
            approved_by = Some(self.approve(approval, asked)?);
        }
        let scanned = catalogue::scan(&self.conn, &self.settings, code)?;
        if grams.is_some() && matches!(scanned, Scanned::Weighed(..) | Scanned::Priced(..)) {
            return Err(refused(Reason::LabelWithWeight));
        }
        let spec = match scanned {
            Scanned::Weighed(sku, g) => LineSpec::Weighed { sku: sku.to_string(), grams: g },
            Scanned::Priced(sku, c) => LineSpec::Label { sku: sku.to_string(), cents: c },
            Scanned::Item(sku) => {
                let kind = self.product_kind(&sku)?;
                match (kind, grams) {
                    (ProductKind::Weighed { .. }, Some(g)) => {
                        LineSpec::Weighed { sku: sku.to_string(), grams: g }
                    }
                    (ProductKind::Weighed { .. }, None) => {
                        let grams = self.weigh(&sku)?;
                        LineSpec::Weighed { sku: sku.to_string(), grams }
                    }
                    (ProductKind::GiftCard, _) => {
                        return Err(refused(Reason::GiftCardScanned { sku: sku.to_string() }));
                    }
                    (_, Some(_)) => {
                        return Err(refused(Reason::NotByWeight { sku: sku.to_string() }));
                    }
                    (kind, None) => {
                        // A serial number this till sold and never took back is not on the shelf.
                        if let (ProductKind::Serial, Some(number)) = (&kind, &serial) {
                            self.serial_not_on_hand(sku.as_str(), number)?;
                        }
                        // The same item scanned again adds to its line.
                        if serial.is_none()
                            && let Some(line) = self.line_to_add_to(sku.as_str())
                            && let Some(LineSpec::Units { quantity: had, .. }) =
                                self.basket().lines.get(&line)
                        {
                            // Both within the ceiling: the sum is checked against it there. Its
                            // approval, if the units need one, is asked for the line's total.
                            return self.set_quantity(line, had.saturating_add(quantity), approval);
                        }
                        LineSpec::Units { sku: sku.to_string(), quantity, serial }
                    }
                }
            }
        };
        self.add_line(spec, approved_by, approval)
    }

    /// The price of `grams` of `sku` for this basket's customer today: per kilogram, and in all.
    fn weighed_price(&self, sku: &Sku, grams: i64) -> Result<(i64, i64), TillError> {
        let probe = BasketState {
            lines: [(1, LineSpec::Weighed { sku: sku.to_string(), grams })].into(),
            customer: self.basket().customer.clone(),
            next_id: 2,
            ..BasketState::default()
        };
        let (priced, _) = self.price(&probe)?;
        let line = priced.lines.first().ok_or_else(|| refused(Reason::NoPrice { sku: sku.to_string() }))?;
        Ok((line.unit_price.cents(), line.gross.cents()))
    }

    /// Weighs `sku` on the scale: only a stable weight is sold. A price-computing scale is sent
    /// the price per kilogram, and shows it; the line is refused when the total the scale shows the
    /// customer is not the till's.
    fn weigh(&mut self, sku: &Sku) -> Result<i64, TillError> {
        if self.scale.is_none() {
            return Err(refused(Reason::NoScale { sku: sku.to_string() }));
        }
        let (per_kg, _) = self.weighed_price(sku, 1000)?;
        let per_kg =
            u64::try_from(per_kg).map_err(|_| refused(Reason::NegativePrice { sku: sku.to_string() }))?;
        let Some(scale) = self.scale.as_mut() else {
            return Err(refused(Reason::NoScale { sku: sku.to_string() }));
        };
        let w = scale.weigh(Some(per_kg)).map_err(|e| {
            refused(Reason::Scale { sku: sku.to_string(), fault: e.kind, message: e.message })
        })?;
        if w.grams == 0 {
            return Err(refused(Reason::PutOnScale { sku: sku.to_string() }));
        }
        let grams = i64::from(w.grams);
        if let Some(shown) = w.total_cents {
            let (_, total) = self.weighed_price(sku, grams)?;
            if i64::try_from(shown).ok() != Some(total) {
                return Err(refused(Reason::ScaleTotalMismatch {
                    sku: sku.to_string(),
                    shown: i64::try_from(shown).unwrap_or(i64::MAX),
                    grams,
                    total,
                }));
            }
        }
        Ok(grams)
    }

    pub(super) fn product_kind(&self, sku: &Sku) -> Result<ProductKind, TillError> {
        let set: BTreeSet<String> = [sku.to_string()].into();
        let (cat, _) =
            catalogue::basket_catalogue(&self.conn, &self.settings, &mut self.cache.borrow_mut(), &set)?;
        Ok(cat.product(sku).map(|p| p.kind.clone()).unwrap_or(ProductKind::Standard))
    }

    /// Sells or tops up a gift card (above `max_gift_card`, a manager approves).
    pub fn sell_gift_card(
        &mut self,
        card: &str,
        cents: i64,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let card = card.trim();
        if card.is_empty() || card.chars().count() > 40 || card.chars().any(char::is_control) {
            return Err(refused(Reason::GiftCardNumber));
        }
        if cents <= 0 {
            return Err(refused(Reason::GiftCardLoadNotPositive));
        }
        if self.voucher_kind(card)?.is_some_and(|k| k != "gift_card") {
            return Err(refused(Reason::CreditNoteNotGiftCard { card: card.to_owned() }));
        }
        let approved_by = self.within(cents, self.limits().gift_card, Amounted::GiftCardLoad, approval)?;
        let sku: Option<String> = self
            .conn
            .query_row("SELECT sku FROM product WHERE row LIKE '%,gift_card,%' LIMIT 1", [], |r| r.get(0))
            .optional()?;
        let sku = sku.ok_or_else(|| refused(Reason::NoGiftCardProduct))?;
        self.add_line(LineSpec::GiftCard { sku, card: card.to_owned(), cents }, approved_by, approval)
    }

    /// Adds a line once the basket prices with it; a line above `max_line` needs a manager (unless
    /// one approved it already for another reason).
    pub(super) fn add_line(
        &mut self,
        spec: LineSpec,
        approved_by: Option<String>,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.put_line(spec, None, approved_by, approval)
    }

    /// Puts `spec` in the basket under a new line number, in place of line `replacing` (whose
    /// discount it keeps) when given: priced with the basket before anything is journaled (a line
    /// that cannot be sold is refused), within the ceilings, above the line's maximum with a
    /// manager's approval; all in one commit.
    fn put_line(
        &mut self,
        spec: LineSpec,
        replacing: Option<u32>,
        approved_by: Option<String>,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        let id = self.next_line_id();
        let mut trial = self.basket().clone();
        let discount = replacing.and_then(|old| {
            trial.lines.remove(&old);
            trial.discounts.remove(&old)
        });
        trial.lines.insert(id, spec.clone());
        if let Some(d) = &discount {
            trial.discounts.insert(id, d.clone());
        }
        trial.next_id = id.checked_add(1).ok_or_else(|| refused(Reason::BasketFull))?;
        let priced = self.price(&trial)?;
        let net = priced.0.lines.iter().find(|l| l.id == id).map_or(0, |l| l.net.cents());
        ceiling(priced.0.total.cents(), Amounted::Basket)?;
        let approved_by = match approved_by {
            Some(by) => {
                ceiling(net, Amounted::Line)?;
                Some(by)
            }
            None => self.within(net, self.limits().line, Amounted::Line, approval)?,
        };
        let mut entries: Vec<Entry> =
            replacing.map(|old| Entry::LineRemoved { id: old }).into_iter().collect();
        entries.push(Entry::LineAdded { id, line: spec, approved_by });
        if let Some(discount) = discount {
            entries.push(Entry::LineDiscount { id, discount });
        }
        self.commit(entries)?;
        let line = priced.0.lines.iter().find(|l| l.id == id);
        Ok(json!({
            "line": id,
            "name": line.map(|l| l.name.to_string()),
            "net": line.map(|l| euros(l.net.cents())),
            "total": euros(priced.0.total.cents()),
        }))
    }

    /// Changes the units of line `id` (an item sold by the unit without a serial number): the line
    /// is taken out and put back with its new quantity and its discount in one commit; above
    /// `max_quantity` a manager approves, above the line's maximum too.
    pub fn set_quantity(
        &mut self,
        id: u32,
        quantity: u32,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let Some(spec) = self.basket().lines.get(&id).cloned() else {
            return Err(refused(Reason::NoLine { line: id }));
        };
        let LineSpec::Units { sku, serial: None, .. } = spec else {
            return Err(refused(Reason::QuantityFixed { line: id }));
        };
        let limits = self.limits();
        if quantity == 0 {
            return Err(refused(Reason::QuantityZero));
        }
        if quantity > limits::CEILING_QUANTITY {
            return Err(refused(Reason::TooManyUnits { units: quantity, max: limits::CEILING_QUANTITY }));
        }
        let approved_by = match quantity > limits.quantity {
            true => Some(self.approve(approval, Task::Units { units: quantity, max: limits.quantity })?),
            false => None,
        };
        self.put_line(LineSpec::Units { sku, quantity, serial: None }, Some(id), approved_by, approval)
    }

    /// The line an item scanned again adds to: the same item sold by the unit, without a serial
    /// number or a discount of its own (a discounted line keeps its units as they were given).
    fn line_to_add_to(&self, sku: &str) -> Option<u32> {
        let b = self.basket();
        b.lines.iter().rev().find_map(|(id, l)| match l {
            LineSpec::Units { sku: s, serial: None, .. } if s == sku && !b.discounts.contains_key(id) => {
                Some(*id)
            }
            _ => None,
        })
    }

    /// Removes a line.
    pub fn remove_line(&mut self, id: u32) -> Result<Value, TillError> {
        self.sale_ready()?;
        if !self.basket().lines.contains_key(&id) {
            return Err(refused(Reason::NoLine { line: id }));
        }
        self.commit(vec![Entry::LineRemoved { id }])?;
        self.basket_view()
    }

    pub(super) fn discount_spec(
        &self,
        reason: &str,
        percent: Option<&str>,
        cents: Option<i64>,
    ) -> Result<(DiscountSpec, DiscountKind), TillError> {
        let kind = match (percent, cents) {
            (Some(p), None) => {
                let d = Decimal::from_str_exact(p.trim())
                    .ok()
                    .filter(|d| *d > Decimal::ZERO && *d <= Decimal::ONE_HUNDRED)
                    .ok_or_else(|| refused(Reason::BadPercent { typed: p.to_owned() }))?;
                DiscountKind::Percent(d)
            }
            (None, Some(c)) => {
                if c <= 0 {
                    return Err(refused(Reason::DiscountNotPositive));
                }
                ceiling(c, Amounted::Discount)?;
                DiscountKind::Amount(Money::from_cents(c))
            }
            _ => return Err(refused(Reason::DiscountEither)),
        };
        Ok((
            DiscountSpec {
                reason: reason.to_owned(),
                percent: percent.map(str::to_owned),
                cents,
                approved_by: None,
            },
            kind,
        ))
    }

    pub(super) fn max_discount_percent(&self) -> Decimal {
        self.state
            .config
            .get("max_discount_percent")
            .and_then(|v| Decimal::from_str(v).ok())
            .unwrap_or(Decimal::TEN)
    }

    /// A discount on a line (`id`) or on the whole basket (`None`); above the configured threshold
    /// (`max_discount_percent`, 10 % by default) a manager approves.
    pub fn discount(
        &mut self,
        id: Option<u32>,
        reason: &str,
        percent: Option<&str>,
        cents: Option<i64>,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let (mut spec, kind) = self.discount_spec(reason, percent, cents)?;
        let mut trial = self.basket().clone();
        let (before, _) = self.price(&trial)?;
        let base = match id {
            Some(i) => before
                .lines
                .iter()
                .find(|l| l.id == i)
                .map(|l| l.gross)
                .ok_or_else(|| refused(Reason::NoLine { line: i }))?,
            None => before.gross,
        };
        if let DiscountKind::Amount(a) = kind
            && a > base
        {
            return Err(refused(Reason::DiscountTooLarge { discount: a.cents(), base: base.cents() }));
        }
        let share = match kind {
            DiscountKind::Percent(p) => p,
            DiscountKind::Amount(a) if !base.is_zero() => a.euros() * Decimal::ONE_HUNDRED / base.euros(),
            DiscountKind::Amount(_) => Decimal::ONE_HUNDRED,
        };
        if share > self.max_discount_percent() {
            spec.approved_by =
                Some(self.approve(approval, Task::Discount { percent: share.round_dp(1).to_string() })?);
        }
        match id {
            Some(i) => {
                trial.discounts.insert(i, spec.clone());
            }
            None => trial.discount = Some(spec.clone()),
        }
        self.price(&trial)?;
        let entry = match id {
            Some(i) => Entry::LineDiscount { id: i, discount: spec },
            None => Entry::BasketDiscount { discount: spec },
        };
        self.commit(vec![entry])?;
        self.basket_view()
    }

    /// Overrides a line's unit price (down): a manager approves; journaled as a line discount.
    pub fn override_price(
        &mut self,
        id: u32,
        unit_cents: i64,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        self.sale_ready()?;
        let (priced, _) = self.price(&self.basket().clone())?;
        let line =
            priced.lines.iter().find(|l| l.id == id).ok_or_else(|| refused(Reason::NoLine { line: id }))?;
        let units = match line.measure {
            Measure::Units(n) => i64::from(n),
            _ => 1,
        };
        ceiling(unit_cents, Amounted::Price)?;
        let new_total = unit_cents.checked_mul(units).ok_or_else(|| refused(Reason::ImpossiblePrice))?;
        let off =
            line.gross.cents().checked_sub(new_total).ok_or_else(|| refused(Reason::ImpossiblePrice))?;
        if unit_cents < 0 || off <= 0 {
            return Err(refused(Reason::OverrideRaises));
        }
        let by = self.approve(approval, Task::PriceOverride)?;
        let spec = DiscountSpec {
            reason: "price override".into(),
            percent: None,
            cents: Some(off),
            approved_by: Some(by),
        };
        let mut trial = self.basket().clone();
        trial.discounts.insert(id, spec.clone());
        self.price(&trial)?;
        self.commit(vec![Entry::LineDiscount { id, discount: spec }])?;
        self.basket_view()
    }

    /// Attaches a customer (their price list and loyalty apply); an empty id detaches.
    pub fn attach_customer(&mut self, id: &str) -> Result<Value, TillError> {
        self.sale_ready()?;
        if !id.is_empty() && self.customer(id)?.is_none() {
            return Err(refused(Reason::UnknownCustomer { customer: id.to_owned() }));
        }
        let mut trial = self.basket().clone();
        trial.customer = id.to_owned();
        self.price(&trial)?;
        let points = if id.is_empty() { 0 } else { self.points(id)? };
        self.commit(vec![Entry::CustomerAttached { customer: id.to_owned() }])?;
        let mut view = self.basket_view()?;
        view["points"] = json!(points);
        Ok(view)
    }

    /// A customer's points, checked against the record that last set them.
    pub(super) fn points(&self, customer: &str) -> Result<i64, TillError> {
        // The chain's files' points, whatever became of the customer since.
        let seed = self.settings.customers.iter().find(|c| c.id == customer).map(|c| i64::from(c.points));
        projection::checked_points(&self.conn, customer, seed)
    }

    /// What kind of voucher `number` is (`gift_card`, `store_credit`), if it is one.
    pub(super) fn voucher_kind(&self, number: &str) -> Result<Option<String>, TillError> {
        Ok(self
            .conn
            .query_row("SELECT kind FROM voucher WHERE number = ?1", [number], |r| r.get(0))
            .optional()?)
    }

    /// A gift card's or credit note's balance.
    pub fn balance(&self, number: &str) -> Result<Option<i64>, TillError> {
        projection::checked_balance(&self.conn, number)
    }

    /// Parks the open basket.
    pub fn park(&mut self) -> Result<Value, TillError> {
        self.sale_ready()?;
        if self.state.training {
            return Err(refused(Reason::ParkInTraining));
        }
        if self.basket().lines.is_empty() {
            return Err(refused(Reason::ParkEmpty));
        }
        if self.basket().cards.iter().any(|c| c.state.holds_money()) {
            return Err(refused(Reason::ParkCardHeld));
        }
        let slot = self.state.next_slot.max(1);
        self.commit(vec![Entry::Parked { slot }])?;
        Ok(json!({"slot": slot}))
    }

    /// Resumes a parked basket.
    pub fn resume(&mut self, slot: u32) -> Result<Value, TillError> {
        self.sale_ready()?;
        self.not_in_training(Task::ResumingParked)?;
        if !self.state.parked.contains_key(&slot) {
            return Err(refused(Reason::NoParked { slot }));
        }
        if *self.basket() != BasketState::default() {
            return Err(refused(Reason::FinishBasketFirst));
        }
        self.commit(vec![Entry::Resumed { slot }])?;
        self.parked_at.borrow_mut().remove(&slot);
        self.basket_view()
    }

    /// Abandons the open basket; card payments already approved on it are refunded first.
    pub fn cancel_basket(&mut self) -> Result<Value, TillError> {
        self.sale_ready()?;
        if self.basket().cards.iter().any(|c| c.state.awaiting()) {
            return Err(refused(Reason::CardInDoubtOnBasket));
        }
        // Only payments still standing are refunded; a refund already made is not made again.
        let approved: Vec<CardPayment> = self
            .basket()
            .cards
            .iter()
            .filter(|c| c.state == CardState::Approved && c.cents > 0)
            .cloned()
            .collect();
        for c in approved {
            self.run_card(-c.cents)?;
        }
        self.commit(vec![Entry::BasketCancelled])?;
        Ok(json!({"cancelled": true}))
    }

    /// Compatible accessories for what is in the basket.
    pub fn suggestions(&self) -> Result<Value, TillError> {
        let skus: BTreeSet<String> = self.basket().lines.values().filter_map(line_sku).collect();
        Ok(serde_json::to_value(catalogue::accessories(&self.conn, &skus)?).unwrap_or_default())
    }

    /// What one unit (one kilogram of an item sold by weight) of `sku` costs the basket's customer
    /// today, before promotions: the price of a basket of it alone, never journaled. None for a
    /// gift card, or an item that does not price.
    fn shelf_price(&self, sku: &str) -> (Option<String>, bool) {
        let Ok(sku) = Sku::parse(sku) else { return (None, false) };
        let (line, by_weight) = match self.product_kind(&sku) {
            Ok(ProductKind::Weighed { .. }) => {
                (LineSpec::Weighed { sku: sku.to_string(), grams: 1000 }, true)
            }
            Ok(ProductKind::GiftCard) | Err(_) => return (None, false),
            // The probe's serial number is a placeholder: it is priced, never sold.
            Ok(ProductKind::Serial) => {
                (LineSpec::Units { sku: sku.to_string(), quantity: 1, serial: Some("-".into()) }, false)
            }
            Ok(_) => (LineSpec::Units { sku: sku.to_string(), quantity: 1, serial: None }, false),
        };
        let probe = BasketState {
            lines: [(1, line)].into(),
            customer: self.basket().customer.clone(),
            next_id: 2,
            ..BasketState::default()
        };
        let price =
            self.price(&probe).ok().and_then(|(p, _)| p.lines.first().map(|l| euros(l.unit_price.cents())));
        (price, by_weight)
    }

    /// Product search by name, reference or what it fits.
    pub fn search(&self, text: &str) -> Result<Value, TillError> {
        let mut found = catalogue::search(&self.conn, text, 20)?;
        let skus: Vec<String> = found.iter().map(|f| f.sku.clone()).collect();
        let mut stock = crate::sync::stock::lookup(&self.conn, &skus)?;
        for f in &mut found {
            f.stock = stock.remove(&f.sku).unwrap_or_default();
            (f.price, f.by_weight) = self.shelf_price(&f.sku);
        }
        Ok(serde_json::to_value(found).unwrap_or_default())
    }

    /// The basket as priced now.
    pub fn basket_view(&self) -> Result<Value, TillError> {
        let b = self.basket().clone();
        let (p, _) = self.price(&b)?;
        let discounts = |d: &[pos_core::basket::AppliedDiscount]| -> Vec<DiscountView> {
            d.iter()
                .map(|d| DiscountView { label: label(&d.source), amount: euros(d.amount.cents()) })
                .collect()
        };
        let lines: Vec<LineView> = p
            .lines
            .iter()
            .map(|l| {
                let (measure, quantity) = measure_of(&l.measure);
                let serial = match b.lines.get(&l.id) {
                    Some(LineSpec::Units { serial, .. }) => serial.clone(),
                    _ => None,
                };
                LineView {
                    line: l.id,
                    sku: l.sku.to_string(),
                    name: l.name.to_string(),
                    measure,
                    quantity,
                    unit_price: euros(l.unit_price.cents()),
                    gross: euros(l.gross.cents()),
                    eco: euros(l.eco.cents()),
                    discounts: discounts(&l.discounts),
                    serial,
                    net: euros(l.net.cents()),
                }
            })
            .collect();
        Ok(json!(BasketView {
            lines,
            basket_discounts: discounts(&p.basket_discounts),
            gross: euros(p.gross.cents()),
            discounts: euros(p.discounts.cents()),
            eco: euros(p.eco.cents()),
            total: euros(p.total.cents()),
            customer: b.customer.clone(),
            customer_detail: self.customer(&b.customer)?.as_ref().map(customer_view),
            points: if b.customer.is_empty() { None } else { Some(self.points(&b.customer)?) },
            point_value: euros(self.settings.loyalty.point_value.cents()),
            cards_paid: euros(
                b.cards.iter().filter(|c| c.state == CardState::Approved).try_fold(0i64, |s, c| add(
                    s,
                    c.cents,
                    "the card payments"
                ))?,
            ),
            cards_approved: b
                .cards
                .iter()
                .filter(|c| c.state == CardState::Approved && c.cents > 0)
                .map(|c| euros(c.cents))
                .collect(),
            receipt_offer: self.receipt_offer(&b),
            receipt_email: self.customer(&b.customer)?.map(|c| c.email).unwrap_or_default(),
        }))
    }
}
