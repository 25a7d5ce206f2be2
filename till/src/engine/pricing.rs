use super::*;
use pos_journal::body::Basis;

impl Till {
    pub(super) fn price(&self, b: &BasketState) -> Result<(PricedTicket, StockMoves), TillError> {
        let skus: BTreeSet<String> = b.lines.values().filter_map(line_sku).collect();
        let (cat, prices) =
            catalogue::basket_catalogue(&self.conn, &self.settings, &mut self.cache.borrow_mut(), &skus)?;
        let sku = |s: &str| Sku::parse(s).map_err(TillError::storage);
        let mut lines = Vec::new();
        for (&id, spec) in &b.lines {
            let item = match spec {
                LineSpec::Units { sku: s, quantity, serial } => {
                    LineItem::Units { sku: sku(s)?, quantity: *quantity, serial: serial.clone() }
                }
                LineSpec::Weighed { sku: s, grams } => {
                    LineItem::Weighed { sku: sku(s)?, weight: Weight::grams(*grams) }
                }
                LineSpec::Label { sku: s, cents } => {
                    LineItem::PricedLabel { sku: sku(s)?, price: Money::from_cents(*cents) }
                }
                LineSpec::GiftCard { sku: s, card, cents } => {
                    LineItem::GiftCard { sku: sku(s)?, card: card.clone(), amount: Money::from_cents(*cents) }
                }
                LineSpec::Return {
                    ticket,
                    line,
                    sku: s,
                    name,
                    units,
                    sold_units,
                    net,
                    eco,
                    vat,
                    basis,
                    before,
                } => LineItem::Return {
                    sold: SoldLine {
                        ticket: ticket.to_string(),
                        line: *line,
                        sku: sku(s)?,
                        name: name.as_str().into(),
                        units: *sold_units,
                        net: Money::from_cents(*net),
                        eco: Money::from_cents(*eco),
                        vat: vat
                            .iter()
                            .map(|(c, r, a)| {
                                Ok(VatPart {
                                    category: VatCategory::parse(c)
                                        .ok_or_else(|| TillError::storage(format!("VAT category {c}")))?,
                                    rate: Decimal::from_str(r)
                                        .map_err(|e| TillError::storage(e.to_string()))?,
                                    amount: Money::from_cents(*a),
                                })
                            })
                            .collect::<Result<_, TillError>>()?,
                        basis: basis_to_core(*basis),
                    },
                    units: *units,
                    before: *before,
                },
            };
            let discount = b.discounts.get(&id).map(manual).transpose()?;
            lines.push(BasketLine { id, item, discount });
        }
        let basket = Basket { lines, discount: b.discount.as_ref().map(manual).transpose()? };
        let segment = if b.customer.is_empty() {
            Segment::Retail
        } else {
            self.customer(&b.customer)?.map_or(Segment::Retail, |c| c.segment)
        };
        let now = self.clock.peek();
        let ctx = SaleContext { date: self.today(now), location: self.identity.store.clone(), segment };
        let rules = PricingRules {
            catalogue: &cat,
            vat: &self.settings.vat,
            prices: &prices,
            promotions: &self.settings.promotions,
        };
        let priced = price(&basket, &ctx, &rules).map_err(|e| refused(Reason::from(e)))?;
        let mut moves = BTreeMap::new();
        for (&id, spec) in &b.lines {
            let m = match spec {
                LineSpec::Units { sku: s, quantity, .. } => {
                    cat.stock_moves(&sku(s)?, Quantity::units(i64::from(*quantity)))
                }
                LineSpec::Weighed { sku: s, grams } => {
                    vec![(sku(s)?, Quantity::new(Weight::grams(*grams).kilograms()))]
                }
                LineSpec::Label { sku: s, .. } => cat.stock_moves(&sku(s)?, Quantity::ONE),
                LineSpec::GiftCard { .. } => Vec::new(),
                LineSpec::Return { sku: s, units, .. } => cat
                    .stock_moves(&sku(s)?, Quantity::units(i64::from(*units)))
                    .into_iter()
                    .map(|(k, q)| (k, Quantity::new(-q.value())))
                    .collect(),
            };
            moves.insert(id, m.into_iter().map(|(k, q)| (k.to_string(), q)).collect());
        }
        Ok((priced, moves))
    }
}

/// The journal's basis of a ticket priced on `basis`.
pub(crate) fn basis_of(basis: PriceBasis) -> Basis {
    match basis {
        PriceBasis::TaxIncluded => Basis::TaxIncluded,
        PriceBasis::TaxExcluded => Basis::TaxExcluded,
    }
}

/// The pricing basis of a journaled ticket's `basis`.
pub(crate) fn basis_to_core(basis: Basis) -> PriceBasis {
    match basis {
        Basis::TaxIncluded => PriceBasis::TaxIncluded,
        Basis::TaxExcluded => PriceBasis::TaxExcluded,
    }
}
