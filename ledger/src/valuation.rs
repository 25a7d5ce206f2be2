//! The stock's value at weighted average cost (chain-wide per item: one company, one stock
//! account). Quantities are thousandths of a unit (a kilogram for goods sold by weight), values
//! cents.
//!
//! A receipt adds its cost and its quantity; a movement out takes its share of the value at the
//! average of the moment; goods coming back (a return) come back at that average. Stock that goes
//! below zero (sold before head office saw its receipt) goes out at the last known unit cost, and
//! the next receipt puts the average right.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{LedgerError, add, mul_div, sub};

/// One item's stock and value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// Quantity, thousandths.
    pub qty: i64,
    /// Value, cents.
    pub value: i64,
    /// Last known cost of one unit (1000 thousandths), cents.
    pub unit: i64,
}

impl Cost {
    /// The value of `qty` thousandths at the average of the moment.
    pub fn of(&self, qty: i64) -> Result<i64, LedgerError> {
        if self.qty > 0 && qty <= self.qty {
            mul_div(self.value, qty, self.qty)
        } else {
            mul_div(self.unit, qty, 1000)
        }
    }
}

/// Every item's cost, as the books hold it; `changed` says which to write back.
#[derive(Clone, Debug, Default)]
pub struct Valuation {
    items: HashMap<String, Cost>,
    changed: std::collections::BTreeSet<String>,
}

impl Valuation {
    /// The items' costs as stored.
    pub fn new(items: HashMap<String, Cost>) -> Valuation {
        Valuation { items, changed: Default::default() }
    }

    /// An item's cost (zero when never received).
    pub fn get(&self, sku: &str) -> Cost {
        self.items.get(sku).copied().unwrap_or_default()
    }

    /// `qty` thousandths received for `value` cents.
    pub fn receive(&mut self, sku: &str, qty: i64, value: i64) -> Result<(), LedgerError> {
        if qty <= 0 || value < 0 {
            return Err(LedgerError::Invalid(format!(
                "a receipt of {qty} thousandths of {sku} for {value} cents"
            )));
        }
        let c = self.items.entry(sku.to_owned()).or_default();
        c.qty = add(c.qty, qty)?;
        c.value = add(c.value, value)?;
        c.unit = mul_div(value, 1000, qty)?;
        if c.qty <= 0 {
            // Still short after the receipt: what is left short is worth the new unit cost.
            c.value = mul_div(c.unit, c.qty, 1000)?;
        }
        self.changed.insert(sku.to_owned());
        Ok(())
    }

    /// `qty` thousandths leave the stock (negative: come back); what they are worth, cents.
    pub fn take(&mut self, sku: &str, qty: i64) -> Result<i64, LedgerError> {
        let c = self.items.entry(sku.to_owned()).or_default();
        let cost = if qty < 0 { c.of(qty.checked_neg().unwrap_or(0)).map(|v| -v)? } else { c.of(qty)? };
        c.qty = sub(c.qty, qty)?;
        c.value = if c.qty == 0 { 0 } else { sub(c.value, cost)? };
        self.changed.insert(sku.to_owned());
        Ok(cost)
    }

    /// The items changed since [`Valuation::new`], to write back.
    pub fn changed(&self) -> impl Iterator<Item = (&str, Cost)> {
        self.changed.iter().map(|s| (s.as_str(), self.get(s)))
    }
}
