//! Spending rights of balances that must not go below zero (gift cards, credit notes, customers'
//! loyalty points), handed by
//! head office to a till that asks online (escrow, DESIGN §6; the arithmetic is
//! `pos_core::escrow`'s). A till holds the rights of what it loaded or issued and of what it was
//! granted; it spends only those; it hands them back after a sync. Head office holds the rest.

use serde::{Deserialize, Serialize};

/// Which kind of balance.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Voucher {
    /// A gift card.
    GiftCard,
    /// A credit note (store credit).
    StoreCredit,
    /// A customer's loyalty points (its number: [`points_account`]; amounts in points). Earning
    /// is never blocked: a till holds the rights of the points it gave; spending needs rights.
    Points,
}

/// What a customer's points are known by among the balances: `points:` and the customer's id
/// (apart from every gift card's or credit note's number).
pub fn points_account(customer: &str) -> String {
    format!("{POINTS}{customer}")
}

/// The customer whose points `number` is, if it is a points account.
pub fn points_customer(number: &str) -> Option<&str> {
    number.strip_prefix(POINTS)
}

const POINTS: &str = "points:";

impl Voucher {
    /// Its name in the journal and the databases.
    pub fn as_str(self) -> &'static str {
        match self {
            Voucher::GiftCard => "gift_card",
            Voucher::StoreCredit => "store_credit",
            Voucher::Points => "points",
        }
    }

    /// The kind a journal or a database names.
    pub fn parse(s: &str) -> Option<Voucher> {
        [Voucher::GiftCard, Voucher::StoreCredit, Voucher::Points].into_iter().find(|v| v.as_str() == s)
    }
}

/// A till asking head office for the right to spend `amount` of a balance.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RightsRequest {
    /// The gift card's or credit note's number.
    pub number: String,
    /// Its kind, as the till was asked to take it.
    pub voucher: Voucher,
    /// Cents wanted, more than zero.
    pub amount: i64,
    /// The request's id, unique at the till: asked again (an answer lost), the same grant.
    pub request: String,
    /// The till's last live record when asking: its records after it say what became of the
    /// grant (`rights_granted`, or `rights_abandoned`, or a restart: the grant goes back).
    pub after_seq: u64,
}

/// Rights granted.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RightsGrant {
    /// The number.
    pub number: String,
    /// Its kind.
    pub voucher: Voucher,
    /// The request answered.
    pub request: String,
    /// Cents of rights granted (what was asked).
    pub amount: i64,
    /// The balance as head office knows it, cents (points for points).
    pub balance: i64,
    /// The asking till's last live record that balance counts: the till adds its own moves of the
    /// balance after it (head office has not seen them yet).
    #[serde(default)]
    pub counted_seq: u64,
}

/// Most cents one request asks for (ten million euros): larger is refused, never wrapped.
pub const MAX_AMOUNT: i64 = 1_000_000_000;

impl RightsRequest {
    /// What is wrong with the request.
    pub fn check(&self) -> Result<(), String> {
        if self.number.is_empty() || self.number.len() > 64 || self.number.chars().any(char::is_control) {
            return Err("the number: 1 to 64 characters".into());
        }
        if !(1..=MAX_AMOUNT).contains(&self.amount) {
            return Err(format!("{} cents: an amount of rights is 1 to {MAX_AMOUNT}", self.amount));
        }
        if (self.voucher == Voucher::Points) != points_customer(&self.number).is_some() {
            return Err(format!(
                "`{}`: points are asked as `points:` and the customer's id, nothing else",
                self.number
            ));
        }
        if self.request.is_empty() || self.request.len() > 64 {
            return Err("the request id: 1 to 64 characters".into());
        }
        Ok(())
    }
}

/// What a till's accepted record does to balances and rights at head office, in record order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RightsOp {
    /// The balance moves by `delta` cents at the till, with its rights (a card sold or topped
    /// up, a credit note issued, a voucher spent: negative).
    Move {
        /// The number.
        number: String,
        /// Its kind.
        voucher: Voucher,
        /// Cents.
        delta: i64,
    },
    /// The till took the grant of its request.
    Taken {
        /// The request.
        request: String,
    },
    /// The till gave up its request: what was granted for it goes back to head office.
    Abandoned {
        /// The request.
        request: String,
    },
    /// The till restarted at `seq`: its requests made before and not taken are given up.
    Restarted {
        /// The record.
        seq: u64,
    },
    /// The till handed back rights.
    Returned {
        /// The number.
        number: String,
        /// Cents.
        amount: i64,
    },
}

/// The rights operations of live `accepted` records, in order (training records move nothing).
pub fn ops_of(accepted: &[pos_journal::check::Accepted]) -> Vec<RightsOp> {
    use pos_journal::body::{Entry, TenderMethod};
    let mut out = Vec::new();
    for a in accepted.iter().filter(|a| a.header.chain == pos_journal::ChainName::Live) {
        match &a.entry {
            Entry::Ticket(t) => {
                for l in t.lines.iter().filter(|l| l.gift_card) {
                    out.push(RightsOp::Move {
                        number: l.reference.clone(),
                        voucher: Voucher::GiftCard,
                        delta: l.net,
                    });
                }
                if !t.customer.is_empty() {
                    // Points given (or taken back by a return), then points spent.
                    let account = points_account(&t.customer);
                    if t.points_earned != 0 {
                        out.push(RightsOp::Move {
                            number: account.clone(),
                            voucher: Voucher::Points,
                            delta: t.points_earned,
                        });
                    }
                    for x in t.tenders.iter().filter(|x| x.kind == TenderMethod::Loyalty && x.points > 0) {
                        out.push(RightsOp::Move {
                            number: account.clone(),
                            voucher: Voucher::Points,
                            delta: -x.points,
                        });
                    }
                }
                for x in &t.tenders {
                    let voucher = match x.kind {
                        TenderMethod::GiftCard => Voucher::GiftCard,
                        TenderMethod::StoreCredit => Voucher::StoreCredit,
                        _ => continue,
                    };
                    // Bounded by the journal's own checks; a negation that cannot be is skipped.
                    if let Some(delta) = x.cents.checked_neg() {
                        out.push(RightsOp::Move { number: x.reference.clone(), voucher, delta });
                    }
                }
            }
            Entry::RightsGranted { grant, .. } => out.push(RightsOp::Taken { request: grant.clone() }),
            Entry::RightsAbandoned { grant } => out.push(RightsOp::Abandoned { request: grant.clone() }),
            Entry::Started { .. } | Entry::Recovered { .. } => {
                out.push(RightsOp::Restarted { seq: a.header.seq })
            }
            Entry::RightsReturned { rights } => {
                for (number, amount) in rights {
                    out.push(RightsOp::Returned { number: number.clone(), amount: *amount });
                }
            }
            _ => {}
        }
    }
    out
}
