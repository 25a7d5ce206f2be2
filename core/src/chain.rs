//! The chain: its company facts, locations, staff, customers, and every rule the tills price with.

use crate::catalogue::Catalogue;
use crate::loyalty::{LoyaltyRules, Tier};
use crate::pricing::{PriceBook, Promotion, Segment};
use crate::vat::VatTable;

/// What kind of place a location is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LocationKind {
    /// A shop with tills.
    Store,
    /// The website (a sales channel).
    Web,
    /// The warehouse.
    Warehouse,
}

/// A store, the website or the warehouse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Code (`LYO`).
    pub code: String,
    /// Kind.
    pub kind: LocationKind,
    /// Name.
    pub name: String,
    /// City.
    pub city: String,
    /// IANA time zone of its business day.
    pub time_zone: String,
    /// 14-digit establishment number.
    pub siret: String,
}

/// A key on a store's sale screen that sells one item (one sold without a barcode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuickKey {
    /// The store (`LYO`).
    pub store: String,
    /// Its place on the screen, from 1.
    pub position: u32,
    /// The item.
    pub sku: crate::catalogue::Sku,
    /// What the key says.
    pub label: String,
}

/// What a member of staff may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sells, returns, hands over orders.
    Cashier,
    /// Opens and closes the register, approves overrides.
    Manager,
    /// Enrols the till and configures its devices.
    Technician,
}

/// A person who logs in at a till.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// PIN (demo data; a till stores a hash).
    pub pin: String,
    /// Home location.
    pub location: String,
}

/// A known customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Price segment.
    pub segment: Segment,
    /// Loyalty tier.
    pub tier: Tier,
    /// Loyalty points balance.
    pub points: u32,
    /// Home location.
    pub home_location: String,
}

/// The whole demo chain, as loaded.
#[derive(Clone, Debug)]
pub struct Chain {
    /// Company name.
    pub name: String,
    /// SIREN (9 digits).
    pub siren: String,
    /// VAT rates over time.
    pub vat: VatTable,
    /// The catalogue.
    pub catalogue: Catalogue,
    /// Segment price lists.
    pub prices: PriceBook,
    /// The promotion calendar.
    pub promotions: Vec<Promotion>,
    /// Loyalty rules.
    pub loyalty: LoyaltyRules,
    /// Stores, web, warehouse.
    pub locations: Vec<Location>,
    /// Staff.
    pub staff: Vec<Staff>,
    /// Customers.
    pub customers: Vec<Customer>,
    /// Each store's quick keys.
    pub quick_keys: Vec<QuickKey>,
}

impl Chain {
    /// The pricing rules of this chain.
    pub fn rules(&self) -> crate::basket::PricingRules<'_> {
        crate::basket::PricingRules {
            catalogue: &self.catalogue,
            vat: &self.vat,
            prices: &self.prices,
            promotions: &self.promotions,
        }
    }

    /// A location by code.
    pub fn location(&self, code: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.code == code)
    }

    /// A customer by id.
    pub fn customer(&self, id: &str) -> Option<&Customer> {
        self.customers.iter().find(|c| c.id == id)
    }
}
