use super::*;

impl Till {
    pub(super) fn staff_row(&self, id: &str) -> Result<(String, Role, String), TillError> {
        let row: Option<(String, String, String)> = self
            .conn
            .query_row("SELECT name, role, pin_hash FROM staff WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let (name, role, hash) = row.ok_or_else(|| refused(Reason::UnknownStaff { staff: id.to_owned() }))?;
        Ok((name, parse_role(&role), hash))
    }

    /// Checks a PIN, journaling every refusal (a wrong PIN, an account locked, an unknown staff id)
    /// and locking the account after [`MAX_PIN_FAILURES`] wrong PINs in a row. A lockout lasts
    /// [`LOCKOUT_MINUTES`] of time that passed while the till ran (counted again from a restart),
    /// and until the wall clock has reached its end: moving the clock does not lift it.
    pub(super) fn check_pin(&mut self, staff: &str, pin: &str, during: &Task) -> Result<Role, TillError> {
        let Ok((name, role, hash)) = self.staff_row(staff) else {
            let typed: String = staff.chars().take(32).collect();
            self.commit(vec![Entry::LoginFailed {
                staff: typed.clone(),
                failures: 0,
                during: during.to_string(),
                reason: LoginFailure::UnknownStaff,
            }])?;
            return Err(refused(Reason::UnknownStaff { staff: typed }));
        };
        let now = self.now();
        if let Some(until) = self.state.locked.get(staff).cloned() {
            let started = self.lock_started.get(staff).copied().unwrap_or(self.opened_passed);
            let lasted = self.clock.passed() - started;
            let wall_over = DateTime::parse_from_rfc3339(&until).is_ok_and(|u| now >= u.with_timezone(&Utc));
            if lasted < Duration::minutes(LOCKOUT_MINUTES) || !wall_over {
                self.commit(vec![Entry::LoginFailed {
                    staff: staff.into(),
                    failures: 0,
                    during: during.to_string(),
                    reason: LoginFailure::Locked,
                }])?;
                let left = (Duration::minutes(LOCKOUT_MINUTES) - lasted).num_minutes().max(1);
                return Err(refused(Reason::LockedOut {
                    name,
                    limit: MAX_PIN_FAILURES,
                    until,
                    minutes: left,
                }));
            }
        }
        if crate::pin::verify(pin, &hash) {
            return Ok(role);
        }
        let failures = self.state.failures.get(staff).copied().unwrap_or(0).saturating_add(1);
        let mut entries = vec![Entry::LoginFailed {
            staff: staff.into(),
            failures,
            during: during.to_string(),
            reason: LoginFailure::WrongPin,
        }];
        if failures >= MAX_PIN_FAILURES {
            let until = (now + Duration::minutes(LOCKOUT_MINUTES)).with_timezone(&self.tz).to_rfc3339();
            entries.push(Entry::LockedOut { staff: staff.into(), until });
        }
        self.commit(entries)?;
        Err(refused(Reason::WrongPin { name, failures, limit: MAX_PIN_FAILURES }))
    }

    /// Logs a member of staff in.
    pub fn login(&mut self, staff: &str, pin: &str) -> Result<Value, TillError> {
        let role = self.check_pin(staff, pin, &Task::Login)?;
        let mut entries = Vec::new();
        if let Some(previous) = self.state.operator.clone() {
            entries.push(Entry::Logout { staff: previous });
        }
        entries.push(Entry::Login { staff: staff.into() });
        self.commit(entries)?;
        let name = self.staff_row(staff).map(|(name, _, _)| name).unwrap_or_default();
        Ok(json!(crate::answer::LoggedIn { staff: staff.to_owned(), name, role: role_str(role).to_owned() }))
    }

    /// Logs out.
    pub fn logout(&mut self) -> Result<Value, TillError> {
        let staff = self.operator()?;
        self.commit(vec![Entry::Logout { staff: staff.clone() }])?;
        Ok(json!({"staff": staff}))
    }

    pub(super) fn operator(&self) -> Result<String, TillError> {
        self.state.operator.clone().ok_or_else(|| refused(Reason::NotLoggedIn))
    }

    pub(super) fn operator_role(&self) -> Result<Role, TillError> {
        let op = self.operator()?;
        Ok(self.staff_row(&op)?.1)
    }

    /// A manager's approval of `what`: the logged-in manager, or the manager whose PIN is given.
    pub(super) fn approve(&mut self, approval: Option<&Approval>, what: Task) -> Result<String, TillError> {
        match approval {
            Some(a) => {
                let role = self.check_pin(&a.staff, &a.pin, &what)?;
                if role != Role::Manager {
                    return Err(TillError::NeedsManager { task: what, not_manager: Some(a.staff.clone()) });
                }
                Ok(a.staff.clone())
            }
            None => Err(TillError::NeedsManager { task: what, not_manager: None }),
        }
    }
}
