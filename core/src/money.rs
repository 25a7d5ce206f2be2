//! Money, quantities and weights: newtypes over [`Decimal`], never floats.
//!
//! Amounts are euros. They are rounded to the cent, half away from zero (the French commercial rule),
//! whenever a computation can produce more than two decimals. At the edges (files, wire, printers)
//! amounts travel as whole cents ([`Money::cents`], [`Money::from_cents`]).

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// An amount of euros. Arithmetic is exact; [`Money::round`] brings a computed amount back to the cent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Money {
    /// Zero euros.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// An amount from a decimal number of euros, kept exactly as given.
    pub const fn new(euros: Decimal) -> Self {
        Money(euros)
    }

    /// An amount from whole cents.
    pub fn from_cents(cents: i64) -> Self {
        Money(Decimal::new(cents, 2))
    }

    /// The amount in euros.
    pub const fn euros(self) -> Decimal {
        self.0
    }

    /// The amount rounded to the cent, half away from zero, as whole cents.
    ///
    /// Amounts beyond ±92 million billion euros saturate (no till sees them).
    pub fn cents(self) -> i64 {
        let r = self.round().0;
        // After rounding the scale is at most 2: scale the mantissa up to cents.
        let cents = r.mantissa() * 10i128.pow(2 - r.scale().min(2));
        i64::try_from(cents).unwrap_or(if cents < 0 { i64::MIN } else { i64::MAX })
    }

    /// The amount rounded to the cent, half away from zero.
    pub fn round(self) -> Self {
        Money(self.0.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    /// This amount times a decimal factor (a quantity, a weight, a percentage), exact, not rounded.
    pub fn times(self, factor: Decimal) -> Self {
        Money(self.0 * factor)
    }

    /// `percent` % of this amount, rounded to the cent.
    pub fn percent(self, percent: Decimal) -> Self {
        Money(self.0 * percent / Decimal::ONE_HUNDRED).round()
    }

    /// True when the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// True when the amount is zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// The larger of the two amounts.
    pub fn max(self, other: Money) -> Money {
        if self >= other { self } else { other }
    }

    /// The smaller of the two amounts.
    pub fn min(self, other: Money) -> Money {
        if self <= other { self } else { other }
    }

    /// The absolute value.
    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }
}

impl fmt::Display for Money {
    /// `12.30`, `-0.05`: two decimals, a dot, no currency sign (the receipt layout adds it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.round().0;
        let s = format!("{:.2}", r);
        f.pad(&s)
    }
}

impl FromStr for Money {
    type Err = String;
    /// Parses `12`, `12.3`, `12.30`; refuses more than two decimals and anything that is not a number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let d = Decimal::from_str_exact(s.trim())
            .map_err(|_| format!("`{s}` is not an amount (expected euros like 12.90)"))?;
        if d.scale() > 2 && d.normalize().scale() > 2 {
            return Err(format!("`{s}` has more than two decimals; amounts are to the cent"));
        }
        Ok(Money(d))
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}
impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}
impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}
impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        self.0 -= rhs.0;
    }
}
impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}
impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}
impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

/// A count of units (may be fractional only for items sold by length or volume; weighed items use
/// [`Weight`]). Negative on a return line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(Decimal);

impl Quantity {
    /// One unit.
    pub const ONE: Quantity = Quantity(Decimal::ONE);

    /// A quantity of whole units.
    pub fn units(n: i64) -> Self {
        Quantity(Decimal::from(n))
    }

    /// A quantity from a decimal.
    pub const fn new(q: Decimal) -> Self {
        Quantity(q)
    }

    /// The quantity as a decimal.
    pub const fn value(self) -> Decimal {
        self.0
    }

    /// The quantity as whole units, when it is whole.
    pub fn whole(self) -> Option<i64> {
        if self.0.fract().is_zero() { i64::try_from(self.0).ok() } else { None }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.normalize(), f)
    }
}

/// A weight in kilograms, to the gram (three decimals), as a scale reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Weight(Decimal);

impl Weight {
    /// A weight from whole grams.
    pub fn grams(g: i64) -> Self {
        Weight(Decimal::new(g, 3))
    }

    /// The weight in kilograms.
    pub const fn kilograms(self) -> Decimal {
        self.0
    }

    /// A weight in kilograms; refuses more precision than the gram.
    pub fn from_kilograms(kg: Decimal) -> Result<Self, String> {
        if kg.normalize().scale() > 3 {
            return Err(format!("weight {kg} kg is finer than the gram"));
        }
        Ok(Weight(kg))
    }
}

impl fmt::Display for Weight {
    /// `0.455 kg`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} kg", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero_both_signs() {
        assert_eq!(Money::new(Decimal::new(1005, 3)).round(), Money::from_cents(101));
        assert_eq!(Money::new(Decimal::new(-1005, 3)).round(), Money::from_cents(-101));
        assert_eq!(Money::new(Decimal::new(1004, 3)).round(), Money::from_cents(100));
    }

    #[test]
    fn parses_and_refuses_sub_cent_amounts() {
        assert_eq!("12.9".parse::<Money>().unwrap(), Money::from_cents(1290));
        assert_eq!("12.900".parse::<Money>().unwrap(), Money::from_cents(1290));
        assert!("12.905".parse::<Money>().unwrap_err().contains("two decimals"));
        assert!("douze".parse::<Money>().unwrap_err().contains("not an amount"));
    }

    #[test]
    fn cents_and_display_agree() {
        let m = Money::from_cents(-5);
        assert_eq!(m.cents(), -5);
        assert_eq!(m.to_string(), "-0.05");
        assert_eq!(Money::from_cents(123456).to_string(), "1234.56");
    }
}
