use super::*;
use pos_journal::body::CardOutcome;

impl Till {
    /// Opens the drawer with no sale: a manager approves.
    pub fn no_sale(&mut self, reason: &str, approval: Option<&Approval>) -> Result<Value, TillError> {
        self.operator()?;
        self.not_in_training(Task::OpeningDrawer)?;
        if reason.trim().is_empty() {
            return Err(refused(Reason::ReasonNeeded { what: "opening the drawer".into() }));
        }
        let by = self.approve(approval, Task::NoSale)?;
        self.commit(vec![Entry::NoSale { reason: reason.into(), approved_by: by }])?;
        let opened = self.spool.open_drawer();
        self.note("printer", opened.as_ref().map(|()| "drawer opened").map_err(ToString::to_string));
        opened.map_err(crate::devices::printer_error)?;
        Ok(json!({"drawer": "open"}))
    }

    /// Training mode on or off: a manager approves.
    pub fn training(&mut self, on: bool, approval: Option<&Approval>) -> Result<Value, TillError> {
        self.operator()?;
        if !self.basket().lines.is_empty() {
            return Err(refused(Reason::FinishBeforeTraining));
        }
        let by = self.approve(approval, Task::SwitchingTraining)?;
        self.commit(vec![Entry::Training { on, by }])?;
        Ok(json!({"training": on}))
    }

    /// Changes a setting (manager or technician).
    pub fn configure(&mut self, key: &str, value: &str) -> Result<Value, TillError> {
        let by = self.operator()?;
        if self.operator_role()? == Role::Cashier {
            return Err(refused(Reason::ManagerOrTechnician { what: "changes settings".into() }));
        }
        limits::validate(key, value).map_err(TillError::refused)?;
        if !key.starts_with("device.") && self.operator_role()? != Role::Manager {
            return Err(refused(Reason::ManagerOnly));
        }
        self.commit(vec![Entry::ConfigChanged { key: key.into(), value: value.into(), by }])?;
        Ok(json!({key: value}))
    }

    /// Sets the receipt printer's characters per line (42 or 48).
    pub fn set_receipt_width(&mut self, width: usize) {
        self.receipt_width = if width == 48 { 48 } else { receipt::WIDTH };
    }

    /// The flag that stops a running card payment from waiting (the cashier's cancel button, pressed
    /// while [`Till::pay`] runs on another thread); `None` when the terminal cannot be interrupted.
    /// The payment's outcome is then asked of the terminal: a customer who paid is never lost.
    pub fn card_canceller(&self) -> Option<std::sync::Arc<std::sync::atomic::AtomicBool>> {
        self.terminal.canceller()
    }

    /// Gives the till its scale (or takes it away).
    pub fn set_scale(&mut self, scale: Option<Box<dyn pos_drivers::scale::Scale>>) {
        self.scale = scale;
    }

    /// The last receipt or Z report handed to the printer, as text.
    pub fn last_receipt(&self) -> Option<&str> {
        self.last_receipt.as_deref()
    }

    /// Keeps what device `name` last answered.
    pub(super) fn note(&mut self, name: &str, outcome: Result<&str, String>) {
        let (ok, message) = match outcome {
            Ok(m) => (true, m.to_owned()),
            Err(e) => (false, e),
        };
        self.health.insert(name.to_owned(), DeviceHealth { ok, message, reason: None });
    }

    /// Hands `layout` to the printer (through the spool, which keeps it until it prints) and notes
    /// the outcome.
    pub(super) fn print(
        &mut self,
        label: &str,
        layout: &pos_drivers::receipt::Receipt,
        done: &str,
    ) -> Result<(), TillError> {
        let printed = self.spool.print(label, layout);
        self.note("printer", printed.as_ref().map(|_| done).map_err(ToString::to_string));
        printed.map(|_| ()).map_err(crate::devices::printer_error)
    }

    /// Each device: configured or not, what it last answered, receipts the printer keeps back.
    pub fn devices(&self) -> Value {
        serde_json::to_value(self.devices_view()).unwrap_or_default()
    }

    /// The same, typed.
    pub fn devices_view(&self) -> crate::answer::DevicesView {
        let spool = self.spool.health();
        let state = |name: &str| {
            let configured = self.state.config.get(&format!("device.{name}")).cloned();
            // The printer's latest word is the spool's: it goes on printing in the background.
            let last = match (name, &spool.last) {
                ("printer", Some(Ok(m))) => Some(DeviceHealth { ok: true, message: m.clone(), reason: None }),
                ("printer", Some(Err(e))) => Some(DeviceHealth {
                    ok: false,
                    message: e.message.clone(),
                    reason: Some(ErrorView::of(ErrorKind::Device, crate::devices::printer_reason(e.clone()))),
                }),
                _ => self.health.get(name).cloned(),
            };
            crate::answer::DeviceState { configured, last }
        };
        crate::answer::DevicesView {
            printer: state("printer"),
            terminal: state("terminal"),
            scale: state("scale"),
            scanner: state("scanner"),
            printer_waiting: u32::try_from(crate::printing::waiting(&self.conn).unwrap_or(0))
                .unwrap_or(u32::MAX),
            printer_interrupted: spool.interrupted.clone(),
            head: crate::answer::DeviceState {
                configured: self.state.config.get("head_copy").cloned(),
                last: self.health.get("head").cloned(),
            },
        }
    }

    /// The settings (devices included) as they stand.
    pub fn config(&self) -> &BTreeMap<String, String> {
        &self.state.config
    }

    /// Tries device `name` as configured (manager or technician) and says in words what it
    /// answered: the printer prints a test receipt, opens the drawer and gives its status; the scale
    /// is asked for the weight (the protocol's own question); the terminal runs a 0.01 € payment;
    /// a serial scanner waits ten seconds for a scan (the window does not ask the till for that: it
    /// shows what its scanner thread reads, see [`Till::record_device_test`]). The outcome is
    /// journaled; a device that fails is an answer, not an error.
    pub fn test_device(&mut self, name: &str) -> Result<Value, TillError> {
        self.device_test_allowed()?;
        let spec = match self.state.config.get(&format!("device.{name}")) {
            Some(v) => Some(crate::devices::parse(name, v).map_err(TillError::refused)?),
            None if crate::devices::NAMES.contains(&name) => None,
            None => {
                return Err(refused(Reason::NoDevice { name: name.to_owned() }));
            }
        };
        let result: Result<String, String> = match name {
            "printer" => {
                let mut r = pos_drivers::receipt::Receipt::new(self.receipt_width);
                r.styled("TEST IMPRIMANTE", true, true, pos_drivers::receipt::Align::Centre);
                r.line(format!("Caisse {}", self.identity.till));
                r.line("Accents : é è ê à ç ù ô « » °");
                r.pair("Euro", "12,50 €");
                r.push(pos_drivers::receipt::Block::Rule);
                r.push(pos_drivers::receipt::Block::Ean13("3761100080190".into()));
                r.push(pos_drivers::receipt::Block::Qr(format!("{}|TEST", self.identity.till)));
                r.push(pos_drivers::receipt::Block::Cut);
                self.spool
                    .test(&r)
                    .and_then(|(_, status)| self.spool.open_drawer().map(|()| status))
                    .map(|status| match status {
                        Some(s) => format!("test receipt printed, drawer opened; the printer says: {}", s.words()),
                        None => "test receipt sent, drawer opened; this printer gives no status (paper out cannot be seen from the till)".to_owned(),
                    })
                    .map_err(|e| e.to_string())
            }
            "terminal" => {
                let reference = self.new_reference('T');
                self.terminal
                    .pay(&PaymentRequest { reference, cents: 1 })
                    .map(|o| match o {
                        PaymentOutcome::Approved { authorisation, card } => {
                            format!("0.01 EUR approved {authorisation} {card}")
                        }
                        PaymentOutcome::Declined { reason, .. } => format!("0.01 EUR declined: {reason}"),
                    })
                    .map_err(|e| e.to_string())
            }
            "scale" => {
                let opened = match (self.scale.is_some(), spec.as_ref()) {
                    (true, _) => Ok(None),
                    (false, Some(s @ crate::devices::Spec::Scale { .. })) => {
                        crate::devices::scale(s).map(Some).map_err(|e| e.to_string())
                    }
                    (false, _) => Err("no scale is configured".to_owned()),
                };
                opened.and_then(|mut own| {
                    let scale = match own.as_mut() {
                        Some(s) => s,
                        None => self.scale.as_mut().ok_or("no scale is configured")?,
                    };
                    match scale.weigh(None) {
                        Ok(w) => Ok(format!("the scale answers: {} stable", w.words())),
                        // A scale that says the weight moves, or is over or under, is a scale that is there.
                        Err(e)
                            if matches!(
                                e.kind(),
                                pos_drivers::scale::ScaleErrorKind::Motion
                                    | pos_drivers::scale::ScaleErrorKind::Overload
                                    | pos_drivers::scale::ScaleErrorKind::UnderZero
                            ) =>
                        {
                            Ok(format!("the scale answers: {}", e.message))
                        }
                        Err(e) => Err(e.to_string()),
                    }
                })
            }
            _ => match spec.as_ref() {
                Some(s @ crate::devices::Spec::Scanner { .. }) => crate::devices::scanner(s)
                    .map_err(|e| e.to_string())
                    .and_then(|mut sc| match sc.next_code(std::time::Duration::from_secs(10)) {
                        Ok(Some(code)) => Ok(format!("read {code}")),
                        Ok(None) => Err("no scan within 10 seconds".to_owned()),
                        Err(e) => Err(e.to_string()),
                    }),
                _ => Err("no serial scanner is configured (a keyboard-wedge scanner needs none)".to_owned()),
            },
        };
        self.record_device_test(name, result)
    }

    fn device_test_allowed(&self) -> Result<String, TillError> {
        if let Some(b) = self.blocks.first() {
            return Err(TillError::Blocked(b.reason()));
        }
        let by = self.operator()?;
        if self.operator_role()? == Role::Cashier {
            return Err(refused(Reason::ManagerOrTechnician { what: "tests devices".into() }));
        }
        Ok(by)
    }

    /// Journals the test of device `name` made by the window (its scanner thread watched for a
    /// scan without holding the till) or by [`Till::test_device`], and answers it.
    pub fn record_device_test(
        &mut self,
        name: &str,
        result: Result<String, String>,
    ) -> Result<Value, TillError> {
        let by = self.device_test_allowed()?;
        if !crate::devices::NAMES.contains(&name) {
            return Err(refused(Reason::NoDevice { name: name.to_owned() }));
        }
        self.note(name, result.as_ref().map(String::as_str).map_err(Clone::clone));
        let (ok, text) = match result {
            Ok(t) => (true, t),
            Err(t) => (false, t),
        };
        self.commit(vec![Entry::DeviceTested { device: name.into(), result: text.clone(), by }])?;
        Ok(json!(crate::answer::DeviceTest { device: name.to_owned(), ok, result: text }))
    }

    /// The technician's forms: each device's setting as fields, the ports found on the machine.
    pub fn device_forms(&self) -> Value {
        json!(crate::devices::setup::forms(&self.state.config))
    }

    /// Sets device `name` from the technician's form (manager or technician).
    pub fn set_device(
        &mut self,
        name: &str,
        setup: &crate::devices::setup::Setup,
    ) -> Result<Value, TillError> {
        let spec = setup.spec(name).map_err(TillError::refused)?;
        self.configure(&format!("device.{name}"), &spec.to_string())
    }

    /// Prints the receipts the printer kept back (paper was out, the cover open).
    pub fn retry_printer(&mut self) -> Result<Value, TillError> {
        let retried = self.spool.retry();
        self.note("printer", retried.as_ref().map(|()| "receipts printed").map_err(ToString::to_string));
        retried.map_err(crate::devices::printer_error)?;
        Ok(json!({"waiting": crate::printing::waiting(&self.conn)?}))
    }

    /// A manager settles a card payment left unresolved by a crash, after checking the terminal's own report.
    pub fn resolve_card(
        &mut self,
        reference: &str,
        approved: bool,
        approval: Option<&Approval>,
    ) -> Result<Value, TillError> {
        if !self.state.unresolved_cards.contains(reference) {
            return Err(refused(Reason::NoUnresolvedCard { reference: reference.to_owned() }));
        }
        let by = self.approve(approval, Task::ResolvingCard)?;
        let outcome = if approved { CardOutcome::Approved } else { CardOutcome::NotMade };
        self.commit(vec![Entry::CardResult {
            reference: reference.into(),
            outcome,
            detail: format!("resolved by {by}"),
        }])?;
        Ok(json!({"reference": reference, "outcome": outcome.as_str()}))
    }
}
