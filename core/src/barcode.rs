//! Barcodes: GTIN check digits (EAN-13, EAN-8, UPC-A) and GS1 restricted-circulation labels.
//!
//! Prefixes 20 to 29 of an EAN-13 are reserved by GS1 for labels printed in the store: a scale prints
//! `2P PPPPP VVVVV C` where `P` is the item's PLU and `V` a weight in grams or a price in cents. The
//! split is configurable per prefix ([`RestrictedLayout`]), as it differs between chains and scales.

use std::fmt;

use rust_decimal::Decimal;

use crate::money::{Money, Weight};

/// The GS1 check digit of `payload` (all digits but the last): weights 3 and 1 from the right.
///
/// Returns `None` when the payload holds anything but ASCII digits.
///
/// ```
/// assert_eq!(pos_core::barcode::gtin_check_digit("400638133393"), Some(1));
/// ```
pub fn gtin_check_digit(payload: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, b) in payload.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 { 3 * d } else { d };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// The symbology of a validated GTIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Symbology {
    /// 13 digits.
    Ean13,
    /// 8 digits.
    Ean8,
    /// 12 digits (North American products).
    UpcA,
}

/// A barcode whose length and check digit have been verified.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

/// Why a barcode was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    /// Not 8, 12 or 13 characters.
    #[error("barcode `{0}` has {1} digits; expected 8 (EAN-8), 12 (UPC-A) or 13 (EAN-13)")]
    Length(String, usize),
    /// Something other than a digit.
    #[error("barcode `{0}` contains a character that is not a digit")]
    NotDigits(String),
    /// The last digit does not match.
    #[error("barcode `{code}` has check digit {found}, expected {expected}: a typo or a misread")]
    CheckDigit {
        /// The barcode as given.
        code: String,
        /// Its last digit.
        found: u8,
        /// The digit the others call for.
        expected: u8,
    },
}

impl Gtin {
    /// Validates length, digits and check digit.
    pub fn parse(code: &str) -> Result<Gtin, BarcodeError> {
        let code = code.trim();
        if !matches!(code.len(), 8 | 12 | 13) {
            return Err(BarcodeError::Length(code.to_owned(), code.chars().count()));
        }
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BarcodeError::NotDigits(code.to_owned()));
        }
        let (payload, last) = code.split_at(code.len() - 1);
        let expected = gtin_check_digit(payload).ok_or_else(|| BarcodeError::NotDigits(code.to_owned()))?;
        let found = last.as_bytes()[0] - b'0';
        if found != expected {
            return Err(BarcodeError::CheckDigit { code: code.to_owned(), found, expected });
        }
        Ok(Gtin(code.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Which symbology the length says it is.
    pub fn symbology(&self) -> Symbology {
        match self.0.len() {
            13 => Symbology::Ean13,
            8 => Symbology::Ean8,
            _ => Symbology::UpcA,
        }
    }

    /// True for an EAN-13 in the GS1 restricted range 20-29 (in-store labels).
    pub fn is_restricted(&self) -> bool {
        self.symbology() == Symbology::Ean13 && self.0.as_bytes()[0] == b'2'
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the value digits of a restricted label hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelValue {
    /// The net weight in grams.
    WeightGrams,
    /// The price to pay in cents.
    PriceCents,
}

/// How one GS1 prefix (20-29) is laid out: prefix(2) + PLU + value + check digit = 13.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestrictedLayout {
    /// The two-digit prefix, 20 to 29.
    pub prefix: u8,
    /// Digits of the PLU.
    pub plu_digits: usize,
    /// What the value holds.
    pub value: LabelValue,
    /// Digits of the value.
    pub value_digits: usize,
}

impl RestrictedLayout {
    /// Checks that the layout fills exactly 13 digits and the prefix is in 20-29.
    pub fn validate(&self) -> Result<(), String> {
        if !(20..=29).contains(&self.prefix) {
            return Err(format!("prefix {} is outside the GS1 restricted range 20-29", self.prefix));
        }
        if self.plu_digits == 0 || self.value_digits == 0 {
            return Err("a layout needs at least one PLU digit and one value digit".into());
        }
        if 2 + self.plu_digits + self.value_digits + 1 != 13 {
            return Err(format!(
                "prefix(2) + PLU({}) + value({}) + check(1) = {} digits; an EAN-13 has 13",
                self.plu_digits,
                self.value_digits,
                3 + self.plu_digits + self.value_digits
            ));
        }
        Ok(())
    }
}

/// What a restricted label says once decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestrictedLabel {
    /// The item's PLU, as printed (leading zeros kept).
    pub plu: String,
    /// The weight or the price on the label.
    pub value: LabelAmount,
}

/// The amount a restricted label carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelAmount {
    /// A net weight.
    Weight(Weight),
    /// A price to pay.
    Price(Money),
}

/// Decodes a validated restricted EAN-13 with the layout configured for its prefix.
///
/// Returns `None` when no layout is configured for the prefix (the code is then an ordinary
/// in-store code looked up as is).
pub fn decode_restricted(gtin: &Gtin, layouts: &[RestrictedLayout]) -> Option<RestrictedLabel> {
    if !gtin.is_restricted() {
        return None;
    }
    let s = gtin.as_str();
    let prefix: u8 = s[..2].parse().ok()?;
    let layout = layouts.iter().find(|l| l.prefix == prefix)?;
    let plu = &s[2..2 + layout.plu_digits];
    let value_str = &s[2 + layout.plu_digits..2 + layout.plu_digits + layout.value_digits];
    let n: i64 = value_str.parse().ok()?;
    let value = match layout.value {
        LabelValue::WeightGrams => LabelAmount::Weight(Weight::grams(n)),
        LabelValue::PriceCents => LabelAmount::Price(Money::new(Decimal::new(n, 2))),
    };
    Some(RestrictedLabel { plu: plu.to_owned(), value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_the_three_symbologies() {
        assert_eq!(Gtin::parse("4006381333931").unwrap().symbology(), Symbology::Ean13);
        assert_eq!(Gtin::parse("96385074").unwrap().symbology(), Symbology::Ean8);
        assert_eq!(Gtin::parse("036000291452").unwrap().symbology(), Symbology::UpcA);
    }

    #[test]
    fn names_the_expected_check_digit() {
        let e = Gtin::parse("4006381333932").unwrap_err();
        assert_eq!(e, BarcodeError::CheckDigit { code: "4006381333932".into(), found: 2, expected: 1 });
        assert!(matches!(Gtin::parse("40063813339"), Err(BarcodeError::Length(_, 11))));
        assert!(matches!(Gtin::parse("400638133393A"), Err(BarcodeError::NotDigits(_))));
    }

    #[test]
    fn decodes_weight_and_price_labels() {
        let layouts = [
            RestrictedLayout { prefix: 21, plu_digits: 5, value: LabelValue::WeightGrams, value_digits: 5 },
            RestrictedLayout { prefix: 22, plu_digits: 5, value: LabelValue::PriceCents, value_digits: 5 },
        ];
        let payload = "210012300455";
        let code = format!("{payload}{}", gtin_check_digit(payload).unwrap());
        let label = decode_restricted(&Gtin::parse(&code).unwrap(), &layouts).unwrap();
        assert_eq!(
            label,
            RestrictedLabel { plu: "00123".into(), value: LabelAmount::Weight(Weight::grams(455)) }
        );
        let payload = "220012301290";
        let code = format!("{payload}{}", gtin_check_digit(payload).unwrap());
        let label = decode_restricted(&Gtin::parse(&code).unwrap(), &layouts).unwrap();
        assert_eq!(label.value, LabelAmount::Price(Money::from_cents(1290)));
        let payload = "230012301290";
        let code = format!("{payload}{}", gtin_check_digit(payload).unwrap());
        assert_eq!(decode_restricted(&Gtin::parse(&code).unwrap(), &layouts), None);
    }

    #[test]
    fn refuses_a_layout_that_does_not_fill_thirteen_digits() {
        let l =
            RestrictedLayout { prefix: 21, plu_digits: 4, value: LabelValue::WeightGrams, value_digits: 5 };
        assert!(l.validate().unwrap_err().contains("= 12 digits"));
        let l =
            RestrictedLayout { prefix: 30, plu_digits: 5, value: LabelValue::WeightGrams, value_digits: 5 };
        assert!(l.validate().unwrap_err().contains("20-29"));
    }
}
