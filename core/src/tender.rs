//! Tenders and the rule that they settle a ticket's total exactly.
//!
//! - A sale is settled when the tenders reach the total; only cash may exceed it, and the excess is the
//!   change handed back (never more than the cash given). A card, a gift card, a credit note or loyalty
//!   points are never overpaid: there is no change on them.
//! - Gift cards sold on the ticket must be paid by cash or card: a voucher never buys a voucher.
//! - A refund (negative total) is paid out exactly, no change.

use rust_decimal::Decimal;

use crate::money::Money;

/// How the customer pays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenderKind {
    /// Notes and coins.
    Cash,
    /// A payment card through the terminal.
    Card,
    /// A gift card, by number.
    GiftCard {
        /// The card's number.
        card: String,
    },
    /// A store credit note (avoir), by number.
    StoreCredit {
        /// The credit note's number.
        note: String,
    },
    /// Loyalty points, worth a fixed amount each.
    Loyalty {
        /// Points spent.
        points: u32,
    },
}

impl TenderKind {
    /// True for cash and card: tenders that bring new money in.
    pub fn is_money(&self) -> bool {
        matches!(self, TenderKind::Cash | TenderKind::Card)
    }
}

/// One payment on a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tender {
    /// How.
    pub kind: TenderKind,
    /// How much (negative on a refund).
    pub amount: Money,
}

/// A settled ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// Sum of the tenders.
    pub tendered: Money,
    /// Cash handed back.
    pub change: Money,
}

/// Why tenders do not settle a total.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TenderError {
    /// Not enough.
    #[error("{missing} still to pay")]
    Short {
        /// What is missing.
        missing: Money,
    },
    /// A non-cash tender would need change.
    #[error("{over} too much on non-cash tenders: a card, gift card, credit note or points give no change")]
    NonCashOverpaid {
        /// The excess.
        over: Money,
    },
    /// A tender of the wrong sign or not to the cent.
    #[error(
        "tender of {0} is not valid here: amounts are to the cent, positive on a sale and negative on a refund"
    )]
    BadAmount(Money),
    /// Points do not match their value.
    #[error("{points} points are worth {worth}, not {amount}")]
    PointsValue {
        /// Points.
        points: u32,
        /// Their value.
        worth: Money,
        /// The amount given.
        amount: Money,
    },
    /// A voucher paying for a voucher.
    #[error("gift cards sold ({gift_cards}) must be paid by cash or card; only {money} is")]
    VoucherForVoucher {
        /// Gift cards on the ticket.
        gift_cards: Money,
        /// Cash and card tendered.
        money: Money,
    },
    /// A refund that does not match.
    #[error("the refund is {total} but {tendered} is paid out; pay out exactly the refund")]
    RefundMismatch {
        /// The total to refund.
        total: Money,
        /// What is paid out.
        tendered: Money,
    },
}

/// Checks that `tenders` settle `total`, of which `gift_cards` are gift cards sold; `point_value` is
/// what one loyalty point is worth.
pub fn settle(
    total: Money,
    gift_cards: Money,
    tenders: &[Tender],
    point_value: Money,
) -> Result<Settlement, TenderError> {
    for t in tenders {
        let wrong_sign = if total.is_negative() {
            !t.amount.is_negative()
        } else {
            t.amount.is_negative() || t.amount.is_zero()
        };
        if wrong_sign || t.amount.round() != t.amount {
            return Err(TenderError::BadAmount(t.amount));
        }
        if let TenderKind::Loyalty { points } = t.kind {
            let worth = point_value.times(Decimal::from(points)).round();
            if worth != t.amount.abs() {
                return Err(TenderError::PointsValue { points, worth, amount: t.amount });
            }
        }
    }
    let tendered: Money = tenders.iter().map(|t| t.amount).sum();
    if total.is_negative() {
        if tendered != total {
            return Err(TenderError::RefundMismatch { total, tendered });
        }
        return Ok(Settlement { tendered, change: Money::ZERO });
    }
    let cash: Money = tenders.iter().filter(|t| t.kind == TenderKind::Cash).map(|t| t.amount).sum();
    let non_cash = tendered - cash;
    if non_cash > total {
        return Err(TenderError::NonCashOverpaid { over: non_cash - total });
    }
    if tendered < total {
        return Err(TenderError::Short { missing: total - tendered });
    }
    let money: Money = tenders.iter().filter(|t| t.kind.is_money()).map(|t| t.amount).sum();
    let change = tendered - total;
    if money - change < gift_cards {
        return Err(TenderError::VoucherForVoucher { gift_cards, money: money - change });
    }
    Ok(Settlement { tendered, change })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: TenderKind, cents: i64) -> Tender {
        Tender { kind, amount: Money::from_cents(cents) }
    }
    const POINT: Money = Money::new(Decimal::from_parts(5, 0, 0, false, 2));

    #[test]
    fn cash_gives_change_card_does_not() {
        let s = settle(
            Money::from_cents(4210),
            Money::ZERO,
            &[t(TenderKind::Card, 2000), t(TenderKind::Cash, 3000)],
            POINT,
        )
        .unwrap();
        assert_eq!(s.change, Money::from_cents(790));
        let e =
            settle(Money::from_cents(4210), Money::ZERO, &[t(TenderKind::Card, 5000)], POINT).unwrap_err();
        assert_eq!(e, TenderError::NonCashOverpaid { over: Money::from_cents(790) });
        let e =
            settle(Money::from_cents(4210), Money::ZERO, &[t(TenderKind::Cash, 4000)], POINT).unwrap_err();
        assert_eq!(e, TenderError::Short { missing: Money::from_cents(210) });
    }

    #[test]
    fn points_must_match_their_value() {
        let ok = settle(
            Money::from_cents(1000),
            Money::ZERO,
            &[t(TenderKind::Loyalty { points: 100 }, 500), t(TenderKind::Card, 500)],
            POINT,
        );
        assert!(ok.is_ok());
        let e = settle(
            Money::from_cents(1000),
            Money::ZERO,
            &[t(TenderKind::Loyalty { points: 100 }, 600), t(TenderKind::Card, 400)],
            POINT,
        )
        .unwrap_err();
        assert!(matches!(e, TenderError::PointsValue { points: 100, .. }));
    }

    #[test]
    fn a_gift_card_never_buys_a_gift_card() {
        let e = settle(
            Money::from_cents(5000),
            Money::from_cents(5000),
            &[t(TenderKind::GiftCard { card: "G1".into() }, 2000), t(TenderKind::Cash, 3000)],
            POINT,
        )
        .unwrap_err();
        assert_eq!(
            e,
            TenderError::VoucherForVoucher {
                gift_cards: Money::from_cents(5000),
                money: Money::from_cents(3000)
            }
        );
    }

    #[test]
    fn refunds_are_paid_out_exactly() {
        assert!(
            settle(
                Money::from_cents(-2490),
                Money::ZERO,
                &[t(TenderKind::StoreCredit { note: "A1".into() }, -2490)],
                POINT
            )
            .is_ok()
        );
        let e =
            settle(Money::from_cents(-2490), Money::ZERO, &[t(TenderKind::Cash, -2500)], POINT).unwrap_err();
        assert!(matches!(e, TenderError::RefundMismatch { .. }));
        let e =
            settle(Money::from_cents(-2490), Money::ZERO, &[t(TenderKind::Cash, 2490)], POINT).unwrap_err();
        assert!(matches!(e, TenderError::BadAmount(_)));
    }
}
