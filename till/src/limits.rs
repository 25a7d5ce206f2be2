//! What a number typed at the till may be, and the settings a manager or technician may change.
//!
//! Two kinds of bound:
//! - **Ceilings** no approval lifts: beyond them a number is a typing error or an attack, never a
//!   sale (an amount above 10,000,000.00 €, more than 100,000 units on a line, more than ten tonnes).
//!   They keep every sum far inside 64 bits.
//! - **Maximums** a store sets (`max_line`, `max_ticket`, `max_cash_move`, `max_gift_card`,
//!   `max_quantity`, `scale_capacity_grams`): above them the till asks for a manager's approval.
//! - **Receipts**: `receipt_default` (`none`, `paper` or `email`), the receipt the window offers first
//!   after payment; a ticket with a serial number is offered on paper whatever it says.
//! - **Plausibility**: `cash_confirm_multiple`, the window asks the cashier to confirm cash given
//!   whose change exceeds that many times what was due (a forgotten comma: 12799 for 127,99).

use std::collections::BTreeMap;
use std::str::FromStr;

use pos_core::money::Money;
use rust_decimal::Decimal;

use crate::reason::{Amounted, Reason};

/// No amount above 10,000,000.00 € is ever accepted.
pub const CEILING_CENTS: i64 = 1_000_000_000;
/// No line of more units than this.
pub const CEILING_QUANTITY: u32 = 100_000;
/// No weight above ten tonnes.
pub const CEILING_GRAMS: i64 = 10_000_000;

/// A receipt as the customer may ask for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptCopy {
    /// None (the law's default since 1 August 2023: no receipt printed unasked).
    #[default]
    None,
    /// Printed.
    Paper,
    /// Sent by e-mail by head office.
    Email,
}

impl ReceiptCopy {
    fn parse(value: &str) -> Option<ReceiptCopy> {
        match value {
            "none" => Some(ReceiptCopy::None),
            "paper" => Some(ReceiptCopy::Paper),
            "email" => Some(ReceiptCopy::Email),
            _ => None,
        }
    }
}

/// The maximums in force (the settings, or their defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A line's amount, cents.
    pub line: i64,
    /// A ticket's total (or refund), cents.
    pub ticket: i64,
    /// An opening float, cash put in or taken out, cents.
    pub cash_move: i64,
    /// A gift card's load, cents.
    pub gift_card: i64,
    /// Units on a line.
    pub quantity: u32,
    /// The heaviest weight the scale weighs, grams.
    pub scale_capacity_grams: i64,
    /// A record dated more than this after the one before it is a clock jumped forward, days.
    pub clock_forward_days: i64,
    /// Cash given whose change is above this many times what was due is confirmed by the cashier.
    pub cash_confirm_multiple: i64,
    /// The closing screen shows the expected cash while counting (a blind count otherwise).
    pub closing_shows_expected: bool,
    /// Minutes without a touch after which the window locks itself (0: never).
    pub idle_lock_minutes: i64,
    /// The receipt offered first after payment.
    pub receipt_default: ReceiptCopy,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            line: 1_000_000,
            ticket: 2_000_000,
            cash_move: 500_000,
            gift_card: 150_000,
            quantity: 999,
            scale_capacity_grams: 30_000,
            clock_forward_days: 7,
            cash_confirm_multiple: 5,
            closing_shows_expected: false,
            idle_lock_minutes: 5,
            receipt_default: ReceiptCopy::None,
        }
    }
}

/// A setting the till knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// Discounts above this percent need a manager.
    MaxDiscountPercent,
    /// See [`Limits::line`].
    MaxLine,
    /// See [`Limits::ticket`].
    MaxTicket,
    /// See [`Limits::cash_move`].
    MaxCashMove,
    /// See [`Limits::gift_card`].
    MaxGiftCard,
    /// See [`Limits::quantity`].
    MaxQuantity,
    /// See [`Limits::scale_capacity_grams`].
    ScaleCapacityGrams,
    /// See [`Limits::clock_forward_days`].
    ClockForwardDays,
    /// See [`Limits::cash_confirm_multiple`].
    CashConfirmMultiple,
    /// `true`: the closing screen shows the cash expected and the difference while counting;
    /// `false` (the default): a blind count, they show once the count is submitted.
    ClosingShowsExpected,
    /// Minutes without a touch after which the window locks itself (0: never; default 5).
    IdleLockMinutes,
    /// `none` (the default), `paper` or `email`: the receipt offered first after payment.
    ReceiptDefault,
    /// The folder of the head's second copy (a backup folder, a USB key); empty: none.
    HeadCopy,
    /// A device (`device.printer` ...).
    Device,
}

/// The settings that are not devices, by name.
pub const SETTINGS: &[(&str, Setting)] = &[
    ("max_discount_percent", Setting::MaxDiscountPercent),
    ("max_line", Setting::MaxLine),
    ("max_ticket", Setting::MaxTicket),
    ("max_cash_move", Setting::MaxCashMove),
    ("max_gift_card", Setting::MaxGiftCard),
    ("max_quantity", Setting::MaxQuantity),
    ("scale_capacity_grams", Setting::ScaleCapacityGrams),
    ("clock_forward_days", Setting::ClockForwardDays),
    ("cash_confirm_multiple", Setting::CashConfirmMultiple),
    ("closing_shows_expected", Setting::ClosingShowsExpected),
    ("idle_lock_minutes", Setting::IdleLockMinutes),
    ("receipt_default", Setting::ReceiptDefault),
    ("head_copy", Setting::HeadCopy),
];

impl Setting {
    /// The setting named `key`.
    pub fn parse(key: &str) -> Option<Setting> {
        if key.starts_with("device.") {
            return Some(Setting::Device);
        }
        SETTINGS.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
    }
}

/// Checks a setting's value; the error says what is expected.
pub fn validate(key: &str, value: &str) -> Result<(), String> {
    let setting = Setting::parse(key).ok_or_else(|| {
        let names: Vec<&str> = SETTINGS.iter().map(|(k, _)| *k).collect();
        format!("unknown setting `{key}` ({}, device.*)", names.join(", "))
    })?;
    match setting {
        Setting::MaxDiscountPercent => match Decimal::from_str(value) {
            Ok(p) if p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED => Ok(()),
            _ => Err(format!("`{value}` is not a percentage from 0 to 100")),
        },
        Setting::MaxLine | Setting::MaxTicket | Setting::MaxCashMove | Setting::MaxGiftCard => {
            amount(value).map(|_| ())
        }
        Setting::MaxQuantity => whole(value, 1, i64::from(CEILING_QUANTITY)).map(|_| ()),
        Setting::ScaleCapacityGrams => whole(value, 1, CEILING_GRAMS).map(|_| ()),
        Setting::ClockForwardDays => whole(value, 1, 3660).map(|_| ()),
        Setting::CashConfirmMultiple => whole(value, 2, 1000).map(|_| ()),
        Setting::IdleLockMinutes => whole(value, 0, 240).map(|_| ()),
        Setting::ClosingShowsExpected => match value {
            "true" | "false" => Ok(()),
            _ => Err(format!("`{value}` must be true or false")),
        },
        Setting::ReceiptDefault => match ReceiptCopy::parse(value) {
            Some(_) => Ok(()),
            None => Err(format!("`{value}` must be none, paper or email")),
        },
        Setting::HeadCopy => {
            if value.is_empty() || std::path::Path::new(value).is_absolute() {
                Ok(())
            } else {
                Err(format!("`{value}` is not an absolute folder path (empty: no copy)"))
            }
        }
        Setting::Device => crate::devices::parse(&key["device.".len()..], value).map(|_| ()),
    }
}

/// An amount setting: euros, above zero, at most the ceiling.
fn amount(value: &str) -> Result<i64, String> {
    let m = Money::from_str(value).map_err(|_| format!("`{value}` is not an amount in euros"))?;
    if m.round() != m || m <= Money::ZERO || m > Money::from_cents(CEILING_CENTS) {
        return Err(format!(
            "`{value}` must be an amount above 0 and at most {} €",
            Money::from_cents(CEILING_CENTS)
        ));
    }
    Ok(m.cents())
}

fn whole(value: &str, min: i64, max: i64) -> Result<i64, String> {
    match value.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("`{value}` must be a whole number from {min} to {max}")),
    }
}

impl Limits {
    /// The maximums the settings give (a setting that does not read keeps its default: the setting
    /// was checked when it was made).
    pub fn from_config(config: &BTreeMap<String, String>) -> Limits {
        let d = Limits::default();
        let get = |k: &str| config.get(k).map(String::as_str);
        let money = |k: &str, default: i64| get(k).and_then(|v| amount(v).ok()).unwrap_or(default);
        let int = |k: &str, min: i64, max: i64, default: i64| {
            get(k).and_then(|v| whole(v, min, max).ok()).unwrap_or(default)
        };
        Limits {
            line: money("max_line", d.line),
            ticket: money("max_ticket", d.ticket),
            cash_move: money("max_cash_move", d.cash_move),
            gift_card: money("max_gift_card", d.gift_card),
            quantity: u32::try_from(int(
                "max_quantity",
                1,
                i64::from(CEILING_QUANTITY),
                i64::from(d.quantity),
            ))
            .unwrap_or(d.quantity),
            scale_capacity_grams: int("scale_capacity_grams", 1, CEILING_GRAMS, d.scale_capacity_grams),
            clock_forward_days: int("clock_forward_days", 1, 3660, d.clock_forward_days),
            cash_confirm_multiple: int("cash_confirm_multiple", 2, 1000, d.cash_confirm_multiple),
            closing_shows_expected: get("closing_shows_expected")
                .map_or(d.closing_shows_expected, |v| v == "true"),
            idle_lock_minutes: int("idle_lock_minutes", 0, 240, d.idle_lock_minutes),
            receipt_default: get("receipt_default").and_then(ReceiptCopy::parse).unwrap_or(d.receipt_default),
        }
    }
}

/// An amount at the till's edge: within the ceiling (either sign), or the refusal that says so.
pub fn within_ceiling(cents: i64, of: Amounted) -> Result<i64, Reason> {
    if cents.checked_abs().is_none_or(|a| a > CEILING_CENTS) {
        return Err(Reason::AmountTooLarge { of, cents, ceiling: CEILING_CENTS });
    }
    Ok(cents)
}
