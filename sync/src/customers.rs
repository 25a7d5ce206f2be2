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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl Field {
    /// Every field.
    pub const ALL: [Field; 6] =
        [Field::Name, Field::Email, Field::Phone, Field::Town, Field::Home, Field::Consent];

    /// Its name on the wire and in the databases.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Town => "town",
            Field::Home => "home",
            Field::Consent => "consent",
        }
    }

    /// The field a name says.
    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// What is wrong with `value` for this field (an empty value clears it).
    pub fn check(self, value: &str) -> Result<(), String> {
        let name = self.as_str();
        if value.chars().count() > 200 || value.chars().any(char::is_control) {
            return Err(format!("the {name}: at most 200 characters, none of them a control character"));
        }
        let ok = match self {
            Field::Name => !value.trim().is_empty(),
            Field::Email => value.is_empty() || (value.contains('@') && !value.contains(char::is_whitespace)),
            Field::Phone => value.chars().all(|c| c.is_ascii_digit() || " +-.()".contains(c)),
            Field::Town => true,
            Field::Home => {
                value.len() <= 8 && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }
            Field::Consent => matches!(value, "yes" | "no"),
        };
        if ok {
            Ok(())
        } else {
            Err(match self {
                Field::Name => "the name: not empty".into(),
                Field::Email => format!("the e-mail `{value}` is not an address"),
                Field::Phone => format!("the telephone `{value}`: digits, spaces, + - . ( ) only"),
                Field::Home => format!("the home store `{value}`: a store code"),
                Field::Consent => format!("the consent `{value}`: yes or no"),
                Field::Town => unreachable!("a town takes any text"),
            })
        }
    }
}

/// What a customer's id may be: 1 to 32 capital letters, digits and `-` (the chain's `C00001`, a
/// till's `LYO-1-C0001`).
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty()
        || id.len() > 32
        || !id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("customer id `{id}`: 1 to 32 capital letters, digits or `-`"));
    }
    Ok(())
}

/// One edit a till made: a field of a customer set to a value, marked by its stamp.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerEdit {
    /// The customer.
    pub customer: String,
    /// The field.
    pub field: Field,
    /// Its new value.
    pub value: String,
    /// When, where, which edit.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub stamp: Stamp,
}

impl CustomerEdit {
    /// What is wrong with the edit.
    pub fn check(&self) -> Result<(), String> {
        check_id(&self.customer)?;
        self.field.check(&self.value)
    }
}

/// Most edits a till sends at once.
pub const MAX_EDITS: usize = 1_000;

/// A till's edits, sent to head office.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerEdits {
    /// The edits, oldest first.
    pub edits: Vec<CustomerEdit>,
}

/// A customer as head office merged them, for the tills.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerState {
    /// The customer's id.
    pub id: String,
    /// Every field's register, or the erasure.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub customer: Customer,
}

/// The customers changed since a till's version.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDelta {
    /// The version these bring the till to.
    pub version: u64,
    /// Each customer changed after the version asked from, whole.
    pub customers: Vec<CustomerState>,
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
