//! Customers at the counter: found by id, name or e-mail, created and edited at the till (online or
//! not), each field's latest edit winning when head office merges every till's (`pos_sync::
//! customers`); an erased customer is found and attached no more. The chain's files give each
//! customer's segment, tier and opening points; a customer created at a till is a retail customer
//! of no tier.

use pos_core::loyalty::Tier;
use pos_sync::customers::Field;

use super::*;
use crate::sync::customers as known;

impl Till {
    /// A customer as the till knows them now: the chain's files' row with the edits merged over
    /// it, or one created at a till. `None`: unknown, or erased.
    pub(super) fn customer(&self, id: &str) -> Result<Option<Customer>, TillError> {
        let base = self.settings.customers.iter().find(|c| c.id == id).cloned();
        Ok(match known::known_one(&self.conn, id)? {
            None => base,
            Some(k) => overlay(id, base, &k),
        })
    }

    /// Customers whose id, name, e-mail or telephone contains `text` (case and accents ignored),
    /// at most 20, with their loyalty points as the journal has them now.
    pub fn find_customers(&self, text: &str) -> Result<Value, TillError> {
        let wanted = fold(text.trim());
        if wanted.is_empty() {
            return Ok(json!([]));
        }
        let mut edited = known::known(&self.conn)?;
        let mut all: Vec<(Option<Customer>, Option<pos_sync::customers::Customer>)> = Vec::new();
        for c in &self.settings.customers {
            let k = edited.remove(&c.id);
            all.push((k.as_ref().map_or_else(|| Some(c.clone()), |k| overlay(&c.id, Some(c.clone()), k)), k));
        }
        all.extend(edited.into_iter().map(|(id, k)| (overlay(&id, None, &k), Some(k))));
        let mut found = Vec::new();
        for (c, k) in all {
            let Some(c) = c else { continue };
            let field = |f: Field| k.as_ref().and_then(|k| k.get(f)).unwrap_or_default().to_owned();
            let (phone, town) = (field(Field::Phone), field(Field::Town));
            if [&c.id, &c.name, &c.email, &phone].iter().any(|f| fold(f).contains(&wanted)) {
                found.push(crate::answer::CustomerFound {
                    customer: customer_view(&c),
                    points: self.points(&c.id)?,
                    home: c.home_location.clone(),
                    email: c.email.clone(),
                    phone,
                    town,
                });
                if found.len() == 20 {
                    break;
                }
            }
        }
        Ok(json!(found))
    }

    /// Creates a customer (`id` empty: a new id of this till's) or edits one: each field given is
    /// set, checked first. Kept at the till at once and sent to head office on the next sync.
    pub fn edit_customer(&mut self, id: &str, fields: &[(Field, String)]) -> Result<Value, TillError> {
        self.operator()?;
        self.not_in_training(Task::EditingCustomer)?;
        if fields.is_empty() {
            return Err(refused(Reason::CustomerEditEmpty));
        }
        let id = if id.trim().is_empty() {
            if !fields.iter().any(|(f, v)| *f == Field::Name && !v.trim().is_empty()) {
                return Err(refused(Reason::CustomerNeedsName));
            }
            known::next_id(&self.conn, &self.identity.till)?
        } else {
            let id = id.trim().to_owned();
            if self.customer(&id)?.is_none() {
                return Err(refused(Reason::UnknownCustomer { customer: id }));
            }
            id
        };
        let at_ms = self.now().timestamp_millis();
        known::edit(&self.conn, &self.identity.till, at_ms, &id, fields)
            .map_err(|e| refused(Reason::CustomerEditRefused { message: e.to_string() }))?;
        let c =
            self.customer(&id)?.ok_or_else(|| refused(Reason::UnknownCustomer { customer: id.clone() }))?;
        Ok(json!({ "customer": customer_view(&c), "id": id }))
    }
}

/// The chain's row of a customer (if any) with what the till knows merged over it.
fn overlay(id: &str, base: Option<Customer>, k: &pos_sync::customers::Customer) -> Option<Customer> {
    if k.erased.is_some() {
        return None;
    }
    let mut c = base.unwrap_or_else(|| Customer {
        id: id.to_owned(),
        name: String::new(),
        email: String::new(),
        segment: Segment::Retail,
        tier: Tier::None,
        points: 0,
        home_location: String::new(),
    });
    if let Some(v) = k.get(Field::Name) {
        c.name = v.to_owned();
    }
    if let Some(v) = k.get(Field::Email) {
        c.email = v.to_owned();
    }
    if let Some(v) = k.get(Field::Home) {
        c.home_location = v.to_owned();
    }
    Some(c)
}
