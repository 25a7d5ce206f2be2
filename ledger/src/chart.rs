//! The chart of accounts, the journals and the accounting map, read from the chain's configuration
//! files (`fixtures/demo/accounting/`): which account each flow posts to is data, not code.
//!
//! - `accounts.csv` (`account,label`): the accounts the books may use.
//! - `journals.csv` (`code,label`): the journals.
//! - `mapping.csv` (`role,key,account`): for each role (a tender, a VAT rate, the stock...), the
//!   account; `journal` rows give each kind of entry its journal.
//! - the chain's `families.csv` (`code,...,revenue_account`): each family's revenue account.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::LedgerError;

/// What an account does for the books.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A tender taken at a till (key: `cash`, `card`, `gift_card`, `store_credit`, `loyalty`).
    Tender,
    /// VAT collected at a rate (key: `20`).
    VatCollected,
    /// VAT deductible on purchases at a rate (key: `20`).
    VatDeductible,
    /// Gift cards sold, not yet spent (no VAT).
    GiftCards,
    /// Store credit notes issued, not yet spent.
    StoreCredit,
    /// Loyalty points earned, not yet spent: a liability.
    LoyaltyLiability,
    /// What loyalty points cost when earned.
    LoyaltyCost,
    /// Money the web shop's payment provider owes.
    WebProvider,
    /// Customers' web payments received for orders not yet handed over.
    WebPrepaid,
    /// Cash on its way to the bank (a deposit slip made, the bank line not yet seen).
    DepositTransit,
    /// The bank account.
    Bank,
    /// Card commissions.
    CardCommission,
    /// Purchases of goods.
    Purchases,
    /// Stock of goods.
    Stock,
    /// Variation of the stock of goods.
    StockVariation,
    /// Suppliers.
    Supplier,
    /// A till's cash short.
    CashShort,
    /// A till's cash over.
    CashOver,
    /// Cash moved in or out of a drawer for a reason a person classifies.
    Suspense,
    /// The other side of the opening balances.
    Opening,
    /// The journal of a kind of entry (key: `sales`, `purchases`, `bank`, `cash`, `stock`,
    /// `opening`).
    Journal,
}

impl Role {
    const ALL: [(Role, &'static str); 21] = [
        (Role::Tender, "tender"),
        (Role::VatCollected, "vat_collected"),
        (Role::VatDeductible, "vat_deductible"),
        (Role::GiftCards, "gift_cards"),
        (Role::StoreCredit, "store_credit"),
        (Role::LoyaltyLiability, "loyalty_liability"),
        (Role::LoyaltyCost, "loyalty_cost"),
        (Role::WebProvider, "web_provider"),
        (Role::WebPrepaid, "web_prepaid"),
        (Role::DepositTransit, "deposit_transit"),
        (Role::Bank, "bank"),
        (Role::CardCommission, "card_commission"),
        (Role::Purchases, "purchases"),
        (Role::Stock, "stock"),
        (Role::StockVariation, "stock_variation"),
        (Role::Supplier, "supplier"),
        (Role::CashShort, "cash_short"),
        (Role::CashOver, "cash_over"),
        (Role::Suspense, "suspense"),
        (Role::Opening, "opening"),
        (Role::Journal, "journal"),
    ];

    /// Its word in `mapping.csv`.
    pub fn as_str(self) -> &'static str {
        Role::ALL.iter().find(|(r, _)| *r == self).map_or("", |(_, s)| s)
    }

    /// The role a word of `mapping.csv` names.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.iter().find(|(_, w)| *w == s).map(|(r, _)| *r)
    }
}

/// The chart, the journals and the map.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    accounts: BTreeMap<String, String>,
    journals: BTreeMap<String, String>,
    map: BTreeMap<(Role, String), String>,
    revenue: BTreeMap<String, String>,
    terminals: Vec<crate::matching::Terminal>,
    point_value: i64,
}

#[derive(Deserialize)]
struct AccountRow {
    account: String,
    label: String,
}

#[derive(Deserialize)]
struct JournalRow {
    code: String,
    label: String,
}

#[derive(Deserialize)]
struct MapRow {
    role: String,
    key: String,
    account: String,
}

#[derive(Deserialize)]
struct TerminalRow {
    till: String,
    contract: String,
    commission_percent: String,
}

#[derive(Deserialize)]
struct ChainRow {
    key: String,
    value: String,
}

#[derive(Deserialize)]
struct FamilyRow {
    code: String,
    revenue_account: String,
}

fn rows<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<Vec<(u64, T)>, LedgerError> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in r.deserialize::<T>().enumerate() {
        let line = i as u64 + 2;
        let row = row.map_err(|e| LedgerError::Config { file: file.into(), line, what: format!("{e}") })?;
        out.push((line, row));
    }
    Ok(out)
}

impl Chart {
    /// The files this reads, in the chain's folder.
    pub const FILES: [&'static str; 6] = [
        "accounting/accounts.csv",
        "accounting/journals.csv",
        "accounting/mapping.csv",
        "accounting/card_terminals.csv",
        "families.csv",
        "chain.csv",
    ];

    /// Reads the configuration; `read` gives a file's text by its name in [`Chart::FILES`].
    pub fn parse(read: impl Fn(&str) -> Result<String, String>) -> Result<Chart, LedgerError> {
        let text = |f: &str| read(f).map_err(|e| LedgerError::Config { file: f.into(), line: 0, what: e });
        let [acc, jour, map, term, fam, chain_file] = Chart::FILES;
        let mut chart = Chart::default();
        for (line, r) in rows::<AccountRow>(acc, &text(acc)?)? {
            if r.account.len() < 3 || !r.account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(LedgerError::Config {
                    file: acc.into(),
                    line,
                    what: format!("`{}` is not an account number (digits, at least 3)", r.account),
                });
            }
            if chart.accounts.insert(r.account.clone(), r.label).is_some() {
                return Err(LedgerError::Config {
                    file: acc.into(),
                    line,
                    what: format!("{} twice", r.account),
                });
            }
        }
        for (line, r) in rows::<JournalRow>(jour, &text(jour)?)? {
            if r.code.is_empty() || chart.journals.insert(r.code.clone(), r.label).is_some() {
                return Err(LedgerError::Config {
                    file: jour.into(),
                    line,
                    what: format!("journal `{}`", r.code),
                });
            }
        }
        for (line, r) in rows::<MapRow>(map, &text(map)?)? {
            let role = Role::parse(&r.role).ok_or_else(|| LedgerError::Config {
                file: map.into(),
                line,
                what: format!("`{}` is not a role the books know", r.role),
            })?;
            let known = if role == Role::Journal {
                chart.journals.contains_key(&r.account)
            } else {
                chart.accounts.contains_key(&r.account)
            };
            if !known {
                return Err(LedgerError::Config {
                    file: map.into(),
                    line,
                    what: format!("`{}` is not in the chart (accounts.csv, journals.csv)", r.account),
                });
            }
            if chart.map.insert((role, r.key.clone()), r.account).is_some() {
                return Err(LedgerError::Config {
                    file: map.into(),
                    line,
                    what: format!("{} `{}` mapped twice", r.role, r.key),
                });
            }
        }
        for (line, r) in rows::<FamilyRow>(fam, &text(fam)?)? {
            if !chart.accounts.contains_key(&r.revenue_account) {
                return Err(LedgerError::Config {
                    file: fam.into(),
                    line,
                    what: format!(
                        "family {}'s revenue account {} is not in accounts.csv",
                        r.code, r.revenue_account
                    ),
                });
            }
            chart.revenue.insert(r.code, r.revenue_account);
        }
        for (line, r) in rows::<TerminalRow>(term, &text(term)?)? {
            let bps = crate::post::rate_of(&r.commission_percent).map_err(|_| LedgerError::Config {
                file: term.into(),
                line,
                what: format!("commission `{}`: a percentage like 0.9", r.commission_percent),
            })?;
            if r.contract.is_empty() || r.till.is_empty() {
                return Err(LedgerError::Config {
                    file: term.into(),
                    line,
                    what: "a till and a contract number".into(),
                });
            }
            chart.terminals.push(crate::matching::Terminal {
                till: r.till,
                contract: r.contract,
                rate_bps: bps,
            });
        }
        for (line, r) in rows::<ChainRow>(chain_file, &text(chain_file)?)? {
            if r.key == "loyalty_point_value" {
                // Euros per point, as cents per thousand points.
                let m =
                    crate::post::milli(&r.value).ok().and_then(|m| m.checked_mul(100)).filter(|m| *m >= 0);
                chart.point_value = m.ok_or_else(|| LedgerError::Config {
                    file: chain_file.into(),
                    line,
                    what: format!("loyalty_point_value `{}`: euros per point, like 0.05", r.value),
                })?;
            }
        }
        for role in
            [Role::Bank, Role::Stock, Role::StockVariation, Role::Purchases, Role::Supplier, Role::GiftCards]
        {
            chart.account(role, "")?;
        }
        Ok(chart)
    }

    /// The account for `role` and `key` (falling back on the role's row with an empty key).
    pub fn account(&self, role: Role, key: &str) -> Result<&str, LedgerError> {
        self.map
            .get(&(role, key.to_owned()))
            .or_else(|| self.map.get(&(role, String::new())))
            .map(String::as_str)
            .ok_or_else(|| LedgerError::Unmapped(format!("{} `{key}`", role.as_str())))
    }

    /// The revenue account of `family`.
    pub fn revenue(&self, family: &str) -> Result<&str, LedgerError> {
        self.revenue
            .get(family)
            .map(String::as_str)
            .ok_or_else(|| LedgerError::Unmapped(format!("the revenue of family `{family}` (families.csv)")))
    }

    /// An account's label (its number when the chart has none: an auxiliary account).
    pub fn label<'a>(&'a self, account: &'a str) -> &'a str {
        self.accounts.get(account).map_or(account, String::as_str)
    }

    /// A journal's label.
    pub fn journal_label<'a>(&'a self, code: &'a str) -> &'a str {
        self.journals.get(code).map_or(code, String::as_str)
    }

    /// Whether `account` is in the chart.
    pub fn has_account(&self, account: &str) -> bool {
        self.accounts.contains_key(account)
    }

    /// Every account of the chart with its label, by number.
    pub fn accounts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.accounts.iter().map(|(a, l)| (a.as_str(), l.as_str()))
    }

    /// The card terminals' contracts.
    pub fn terminals(&self) -> &[crate::matching::Terminal] {
        &self.terminals
    }

    /// What a thousand loyalty points are worth, cents.
    pub fn point_value(&self) -> i64 {
        self.point_value
    }

    /// True for an account of class 7 (revenue).
    pub fn is_revenue(account: &str) -> bool {
        account.starts_with('7')
    }
}

impl Chart {
    /// Every `(key, account)` mapped for `role`.
    pub fn keys(&self, role: Role) -> Vec<(String, String)> {
        self.map.iter().filter(|((r, _), _)| *r == role).map(|((_, k), a)| (k.clone(), a.clone())).collect()
    }
}
