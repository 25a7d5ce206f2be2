//! Spending rights of a balance that must never go below zero (a gift card, a store credit, a
//! customer's points being spent), held by exactly one party at a time: head office or a till.
//!
//! In the spirit of bounded counters (Balegas et al., EuroSys 2015): each party keeps the rights it
//! holds; it spends only those; it hands rights to another party by taking them off its own
//! holding *before* the message leaves, and the receiver adds them once, whatever number of times
//! the message arrives (each grant has an id). Rights in flight belong to nobody and cannot be
//! spent. So however messages are delayed, repeated or lost and sent again, the rights spent
//! never exceed the rights loaded: over-spending is impossible by construction, not found after.
//!
//! Each party runs its own [`Holding`] (a till in its journal, head office in its database); this
//! module is the arithmetic they share, pure. Amounts are cents or points, never negative.

use std::collections::BTreeSet;

/// Why a holding refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EscrowError {
    /// Spending or granting more than the rights held here.
    #[error("{wanted} asked, {held} held here")]
    NotHeld {
        /// What was asked.
        wanted: i64,
        /// What this party holds.
        held: i64,
    },
    /// An amount that is zero or below.
    #[error("{0} is not an amount of rights (more than zero)")]
    NotAnAmount(i64),
    /// The holding would pass the largest amount it can count.
    #[error("the rights would pass the largest amount this holding counts")]
    Overflow,
}

/// Rights handed from one party to another, identified so that it is added once.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    /// The grant's id, unique for the balance (the giver's name and its own count).
    pub id: String,
    /// The rights handed over.
    pub amount: i64,
}

/// One party's holding of one balance's rights.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holding {
    held: i64,
    spent: i64,
    received: BTreeSet<String>,
    granted: u64,
}

fn amount(a: i64) -> Result<i64, EscrowError> {
    if a > 0 { Ok(a) } else { Err(EscrowError::NotAnAmount(a)) }
}

impl Holding {
    /// The rights held here now.
    pub fn held(&self) -> i64 {
        self.held
    }

    /// What this party has spent.
    pub fn spent(&self) -> i64 {
        self.spent
    }

    /// Rights created here: a gift card sold or topped up, points earned (never refused for want of
    /// rights).
    pub fn load(&mut self, a: i64) -> Result<(), EscrowError> {
        self.held = self.held.checked_add(amount(a)?).ok_or(EscrowError::Overflow)?;
        Ok(())
    }

    /// Spends `a` of the rights held here, or refuses and changes nothing.
    pub fn spend(&mut self, a: i64) -> Result<(), EscrowError> {
        let a = amount(a)?;
        if a > self.held {
            return Err(EscrowError::NotHeld { wanted: a, held: self.held });
        }
        // Both figures worked out before either changes: a refusal changes nothing.
        let spent = self.spent.checked_add(a).ok_or(EscrowError::Overflow)?;
        self.held -= a;
        self.spent = spent;
        Ok(())
    }

    /// Hands `a` of the rights held here to another party: they leave this holding now, and the
    /// grant carries them (send it until it is acknowledged; the receiver adds it once). `from`
    /// names this party, for the grant's id.
    pub fn grant(&mut self, from: &str, a: i64) -> Result<Grant, EscrowError> {
        let a = amount(a)?;
        if a > self.held {
            return Err(EscrowError::NotHeld { wanted: a, held: self.held });
        }
        self.held -= a;
        self.granted += 1;
        Ok(Grant { id: format!("{from}/{}", self.granted), amount: a })
    }

    /// Adds a grant's rights, once: a grant received again adds nothing. Whether it was new.
    pub fn receive(&mut self, grant: &Grant) -> Result<bool, EscrowError> {
        if self.received.contains(&grant.id) {
            return Ok(false);
        }
        let held = self.held.checked_add(amount(grant.amount)?).ok_or(EscrowError::Overflow)?;
        self.held = held;
        self.received.insert(grant.id.clone());
        Ok(true)
    }
}
