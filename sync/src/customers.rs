//! Customers created or edited at several tills, offline, merged without losing an edit: each
//! field is a last-writer-wins register of the `crdts` crate, its marker the edit's [`Stamp`]
//! (the till's clock, then the till, then its own count: unique to the edit, so that two edits
//! never tie); an erasure (GDPR) wins over every edit, concurrent or later, and keeps no
//! personal data. Merging is commutative, associative and idempotent (property-tested), so head
//! office and every till reach the same customer whatever order the edits arrive in, however
//! many times.

use std::collections::BTreeMap;

use crdts::{CvRDT, LWWReg};
use serde::{Deserialize, Serialize};

/// What marks an edit: when (the till's clock, milliseconds), where (the till), and the till's own
/// count of its edits. Ordered in that order; unique to one edit.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    /// Milliseconds since the epoch, by the till's clock.
    pub at_ms: i64,
    /// The till (`LYO-1`).
    pub till: String,
    /// The till's count of its customer edits.
    pub n: u64,
}

/// A customer's field a till may edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Name.
    Name,
    /// E-mail.
    Email,
    /// Telephone.
    Phone,
    /// Town.
    Town,
    /// Home store.
    Home,
    /// Consent to marketing (`yes`/`no`).
    Consent,
}

/// One customer, as a merge of every edit seen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Each field's register (absent: never set).
    pub fields: BTreeMap<Field, LWWReg<String, Stamp>>,
    /// Set once the customer is erased: the first erasure's stamp (any erasure will do; the
    /// earliest is kept so that the merge is order-free). Erased, no field is kept.
    pub erased: Option<Stamp>,
}

impl Customer {
    /// Sets `field` to `value` by the edit `stamp` (a later edit of that field wins; an erased
    /// customer takes nothing).
    pub fn set(&mut self, field: Field, value: &str, stamp: Stamp) {
        if self.erased.is_some() {
            return;
        }
        let reg = LWWReg { val: value.to_owned(), marker: stamp };
        match self.fields.get_mut(&field) {
            Some(r) => r.merge(reg),
            None => {
                self.fields.insert(field, reg);
            }
        }
    }

    /// Erases the customer: every field goes, now and whatever edit arrives later.
    pub fn erase(&mut self, stamp: Stamp) {
        self.erased = Some(match self.erased.take() {
            Some(e) => e.min(stamp),
            None => stamp,
        });
        self.fields.clear();
    }

    /// Merges what another party has of the same customer.
    pub fn merge(&mut self, other: &Customer) {
        if let Some(e) = &other.erased {
            self.erase(e.clone());
        }
        if self.erased.is_some() {
            return;
        }
        for (field, reg) in &other.fields {
            match self.fields.get_mut(field) {
                Some(r) => r.merge(reg.clone()),
                None => {
                    self.fields.insert(*field, reg.clone());
                }
            }
        }
    }

    /// A field's value now.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.fields.get(&field).map(|r| r.val.as_str())
    }
}
