//! Spending rights of gift cards, credit notes and customers' points (escrow, DESIGN §6): the till spends only the
//! rights it holds (what it loaded or issued, what head office granted it); online, it asks head
//! office for what it lacks, in one round trip, before anything is charged; after a sync it hands
//! back what it holds.

use super::*;
use crate::sync::client::HeadOffice;
use crate::sync::{SyncError, link};
use pos_journal::body::TenderMethod;
use pos_sync::rights::{RightsGrant, RightsRequest, Voucher};
use pos_sync::wire::{self, ErrorCode};

impl Till {
    /// The rights this till holds to spend `number`, cents.
    pub fn rights_held(&self, number: &str) -> i64 {
        self.state.rights.get(number).copied().unwrap_or(0)
    }

    /// Makes sure this till holds the right to spend `cents` of `number`: asks head office for
    /// what it lacks when enrolled and reachable, and journals what it got (or that it gave up
    /// the request). Refuses when the rights cannot be had.
    pub(super) fn secure_rights(
        &mut self,
        number: &str,
        voucher: Voucher,
        cents: i64,
    ) -> Result<(), TillError> {
        let held = self.rights_held(number);
        if cents <= held {
            return Ok(());
        }
        let points = pos_sync::rights::points_customer(number);
        if points.is_none() && self.balance(number)?.is_some_and(|b| b < cents) {
            // More than the balance this till knows: the balance check says so, nothing is asked.
            return Ok(());
        }
        // Points are asked of head office whatever this till knows: other tills may have given some.
        let short = || match points {
            Some(customer) => {
                refused(Reason::PointsRightsShort { customer: customer.into(), held, wanted: cents })
            }
            None => refused(Reason::RightsShort { number: number.into(), held, wanted: cents }),
        };
        let offline = || match points {
            Some(customer) => {
                refused(Reason::PointsOffline { customer: customer.into(), held, wanted: cents })
            }
            None => refused(Reason::RightsOffline { number: number.into(), held, wanted: cents }),
        };
        let Some(l) = link::link(&self.conn)? else {
            // Not enrolled: the till is alone, every voucher it knows it issued, and the balance
            // check is the whole rule.
            return Ok(());
        };
        let after_seq = self.heads.len(ChainName::Live);
        let req = RightsRequest {
            number: number.into(),
            voucher,
            amount: cents - held,
            request: format!("{}-{}", self.identity.till, after_seq + 1),
            after_seq,
        };
        let answer = ask(&l, self.signer.key(), &req);
        match answer {
            Ok(g) if g.number == req.number && g.amount == req.amount && g.request == req.request => {
                // Head office's balance, with this till's own moves it has not counted yet.
                let own = self.own_moves_after(number, g.counted_seq)?;
                let balance = g
                    .balance
                    .checked_add(own)
                    .ok_or_else(|| refused(Reason::Overflow { what: "a balance".into() }))?;
                self.commit(vec![Entry::RightsGranted {
                    number: g.number,
                    voucher: g.voucher.as_str().into(),
                    grant: g.request,
                    amount: g.amount,
                    balance,
                }])?;
                Ok(())
            }
            Err(SyncError::Refused { code: Some(ErrorCode::RightsShort), .. }) => Err(short()),
            Err(SyncError::Refused { code: Some(ErrorCode::UnknownVoucher), .. }) if points.is_some() => {
                Err(short())
            }
            Err(SyncError::Refused { code: Some(ErrorCode::UnknownVoucher), .. }) => {
                Err(refused(Reason::UnknownVoucher { number: number.into() }))
            }
            other => {
                // No usable answer: whatever head office granted goes back to it.
                tracing::warn!(number, "rights not obtained: {other:?}");
                self.commit(vec![Entry::RightsAbandoned { grant: req.request }])?;
                Err(offline())
            }
        }
    }

    /// Hands every right this till holds back to head office (after a sync: what it sold or was
    /// granted since is then head office's to grant to any till). Nothing to hand back writes
    /// nothing.
    pub fn return_rights(&mut self) -> Result<Value, TillError> {
        if self.state.training || self.state.rights.is_empty() || link::link(&self.conn)?.is_none() {
            return Ok(json!({"returned": []}));
        }
        if !self.basket().lines.is_empty() {
            // A basket being paid may be about to spend them.
            return Ok(json!({"returned": [], "later": true}));
        }
        let rights: Vec<(String, i64)> =
            self.state.rights.iter().filter(|(_, c)| **c > 0).map(|(n, c)| (n.clone(), *c)).collect();
        if rights.is_empty() {
            return Ok(json!({"returned": []}));
        }
        self.commit(vec![Entry::RightsReturned { rights: rights.clone() }])?;
        Ok(json!({"returned": rights}))
    }
}

impl Till {
    /// What this till's live tickets after record `after` did to balance `number` (a gift card
    /// or credit note in cents, a customer's points): moves head office had not counted.
    fn own_moves_after(&self, number: &str, after: u64) -> Result<i64, TillError> {
        let points = pos_sync::rights::points_customer(number);
        let mut sum = 0i64;
        let overflow = || refused(Reason::Overflow { what: "a balance".into() });
        for r in
            store::records_of_kind_from(&self.conn, ChainName::Live, pos_journal::Kind::Ticket, after + 1)?
        {
            let Entry::Ticket(t) = r.entry else { continue };
            let moves: Vec<i64> = match points {
                Some(customer) if t.customer == customer => std::iter::once(t.points_earned)
                    .chain(t.tenders.iter().filter(|x| x.kind == TenderMethod::Loyalty).map(|x| -x.points))
                    .collect(),
                Some(_) => continue,
                None => t
                    .lines
                    .iter()
                    .filter(|l| l.gift_card && l.reference == number)
                    .map(|l| l.net)
                    .chain(
                        t.tenders
                            .iter()
                            .filter(|x| {
                                matches!(x.kind, TenderMethod::GiftCard | TenderMethod::StoreCredit)
                                    && x.reference == number
                            })
                            .map(|x| -x.cents),
                    )
                    .collect(),
            };
            for m in moves {
                sum = sum.checked_add(m).ok_or_else(overflow)?;
            }
        }
        Ok(sum)
    }
}

/// One request to head office (the answer's signature is the transport's: HTTPS, the till's
/// trust).
fn ask(
    l: &link::Link,
    key: &ed25519_dalek::SigningKey,
    req: &RightsRequest,
) -> Result<RightsGrant, SyncError> {
    let ho = HeadOffice::new(&l.url, l.ca_pem.as_deref())?;
    let body = serde_json::to_vec(req).map_err(|e| SyncError::Setup(e.to_string()))?;
    let bytes = ho.signed(key, &l.till, reqwest::Method::POST, wire::RIGHTS, body)?;
    serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(format!("the rights: {e}")))
}
