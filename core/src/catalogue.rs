//! The catalogue: products and their variants, barcodes, families, kits, weighed and serial-tracked
//! items, eco-participation, and which accessory fits which product.
//!
//! A [`Catalogue`] is built once from its parts and checked as a whole: unique SKUs and barcodes,
//! families that exist, kits that contain neither themselves nor another kit, eco-participation below
//! the price, compatibility links between products that exist. It is then read-only and indexed for the
//! till's hot path: a scan is a hash look-up.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use std::fmt;

use rust_decimal::Decimal;

use std::sync::Arc;

use crate::barcode::{Gtin, LabelAmount, RestrictedLayout, decode_restricted};
use crate::money::{Money, Quantity, Weight};
use crate::vat::VatCategory;

/// A stock-keeping unit: 1 to 32 characters of `A-Z`, `0-9` and `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sku(Arc<str>);

impl Sku {
    /// Validates the characters and length.
    pub fn parse(s: &str) -> Result<Sku, String> {
        if s.is_empty() || s.len() > 32 {
            return Err(format!("SKU `{s}` must have 1 to 32 characters"));
        }
        if !s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-') {
            return Err(format!("SKU `{s}` may only hold A-Z, 0-9 and `-`"));
        }
        Ok(Sku(Arc::from(s)))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// A product family code (`PLANE`, `LIPO`): reporting and revenue accounts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FamilyCode(pub Arc<str>);

/// A product family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Family {
    /// Its code.
    pub code: FamilyCode,
    /// French name.
    pub name_fr: String,
    /// English name.
    pub name_en: String,
    /// The 707 sub-account its sales are credited to.
    pub revenue_account: String,
}

/// How an item is sold and tracked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProductKind {
    /// Sold by the unit.
    Standard,
    /// Sold by the unit, each unit with its own serial number (radios, chargers).
    Serial,
    /// Sold by weight; `price_ttc` is per kilogram; `plu` is what the scale prints on its labels.
    Weighed {
        /// The PLU.
        plu: String,
    },
    /// A pack: stock moves on its components (see [`Catalogue::kit_components`]).
    Kit,
    /// A multi-purpose voucher: sold at the amount asked, outside the scope of VAT until spent.
    GiftCard,
}

/// A sellable item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Its SKU.
    pub sku: Sku,
    /// Name printed on receipts (shared, not copied, onto every ticket line).
    pub name_fr: Arc<str>,
    /// Name on the English site.
    pub name_en: String,
    /// Its family.
    pub family: FamilyCode,
    /// Its VAT category.
    pub vat: VatCategory,
    /// Retail price, tax included, per unit (per kilogram when weighed).
    pub price_ttc: Money,
    /// Its barcodes; the first is the one printed on shelf labels.
    pub barcodes: Vec<Gtin>,
    /// How it is sold.
    pub kind: ProductKind,
    /// Eco-participation per unit, tax included, part of the price; never discounted.
    pub eco_ttc: Money,
    /// The model this is a variant of.
    pub variant_of: Option<Sku>,
    /// Attributes (`colour`, `span_mm`, `cells` ...).
    pub attributes: Attributes,
}

/// A product's attributes, `key=value` pairs kept as one `;`-separated text (one allocation per
/// product in a catalogue of hundreds of thousands), validated when built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes(String);

impl Attributes {
    /// Parses `key=value;key=value`; refuses a pair without `=`, an empty key, or a key given twice.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut out = String::with_capacity(text.len());
        for pair in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or_else(|| format!("`{pair}` is not key=value"))?;
            let (k, v) = (k.trim(), v.trim());
            if k.is_empty() {
                return Err(format!("`{pair}` has no key"));
            }
            let attrs = Attributes(out);
            if attrs.get(k).is_some() {
                return Err(format!("attribute `{k}` is given twice"));
            }
            out = attrs.0;
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str(k);
            out.push('=');
            out.push_str(v);
        }
        Ok(Attributes(out))
    }

    /// The pairs, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.split(';').filter(|s| !s.is_empty()).filter_map(|p| p.split_once('='))
    }

    /// The value of one attribute.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// One line of a kit's bill of materials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KitComponent {
    /// The component.
    pub sku: Sku,
    /// Whole units in one kit.
    pub quantity: u32,
}

/// What is wrong with a catalogue.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// Two products share a SKU.
    #[error("SKU {0} appears twice")]
    DuplicateSku(Sku),
    /// Two products share a barcode.
    #[error("barcode {code} is on both {first} and {second}")]
    DuplicateBarcode {
        /// The barcode.
        code: String,
        /// The product that has it first.
        first: Sku,
        /// The other.
        second: Sku,
    },
    /// A product's barcode falls in the range reserved for in-store labels.
    #[error(
        "barcode {code} of {sku} starts with 2: prefixes 20-29 are reserved for in-store weight and price labels"
    )]
    RestrictedBarcode {
        /// The product.
        sku: Sku,
        /// The barcode.
        code: String,
    },
    /// A reference to a product that is not in the catalogue.
    #[error("{what} names SKU {sku}, which is not in the catalogue")]
    UnknownSku {
        /// Where the reference was.
        what: String,
        /// The missing SKU.
        sku: Sku,
    },
    /// A family that does not exist.
    #[error("{sku} is in family {family}, which is not among the families")]
    UnknownFamily {
        /// The product.
        sku: Sku,
        /// The family code.
        family: String,
    },
    /// Two weighed items share a PLU.
    #[error("PLU {0} is used by two weighed items")]
    DuplicatePlu(String),
    /// Something wrong with a kit.
    #[error("kit {kit}: {reason}")]
    Kit {
        /// The kit.
        kit: Sku,
        /// What is wrong.
        reason: String,
    },
    /// Something wrong with a product's own fields.
    #[error("{sku}: {reason}")]
    Product {
        /// The product.
        sku: Sku,
        /// What is wrong.
        reason: String,
    },
}

/// What a scanned code designates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan<'a> {
    /// The product.
    pub product: &'a Product,
    /// What the code itself says about the amount sold.
    pub measure: ScanMeasure,
}

/// The amount sold that a scanned code carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanMeasure {
    /// An ordinary barcode: one unit (or, for a weighed item, the weight is to be read from the scale).
    One,
    /// A scale label with the weight.
    Weight(Weight),
    /// A label with the price to pay.
    Price(Money),
}

/// Why a scan found nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// The code is not a valid barcode.
    #[error(transparent)]
    Invalid(#[from] crate::barcode::BarcodeError),
    /// The code is valid but no product carries it.
    #[error("no product has barcode {0}; check the label or key in the SKU")]
    Unknown(String),
    /// A scale label whose PLU is not a weighed item.
    #[error("label {code} names PLU {plu}, which no weighed item has")]
    UnknownPlu {
        /// The code.
        code: String,
        /// The PLU.
        plu: String,
    },
}

/// The catalogue, checked and indexed.
#[derive(Clone, Debug)]
pub struct Catalogue {
    products: Vec<Product>,
    families: BTreeMap<FamilyCode, Family>,
    by_sku: HashMap<Sku, usize>,
    by_barcode: HashMap<String, usize>,
    by_plu: HashMap<String, usize>,
    kits: HashMap<usize, Vec<(usize, u32)>>,
    fits: HashMap<usize, Vec<usize>>,
    fitted_by: HashMap<usize, Vec<usize>>,
    layouts: Vec<RestrictedLayout>,
}

impl Catalogue {
    /// Checks and indexes a catalogue. `kits` maps a kit to its bill of materials; `compatibility` holds
    /// `(accessory, product it fits)` pairs.
    pub fn new(
        families: Vec<Family>,
        products: Vec<Product>,
        kits: Vec<(Sku, KitComponent)>,
        compatibility: Vec<(Sku, Sku)>,
        layouts: Vec<RestrictedLayout>,
    ) -> Result<Self, CatalogueError> {
        Self::unlinked(families, products, layouts)?.linked(kits, compatibility)
    }

    /// Checks and indexes the products alone: unique SKUs, barcodes and PLUs, known families and models,
    /// eco-participation within the price. Kits and compatibility links come with [`Catalogue::linked`].
    pub fn unlinked(
        families: Vec<Family>,
        products: Vec<Product>,
        layouts: Vec<RestrictedLayout>,
    ) -> Result<Self, CatalogueError> {
        let families: BTreeMap<FamilyCode, Family> =
            families.into_iter().map(|f| (f.code.clone(), f)).collect();
        let mut by_sku = HashMap::with_capacity_and_hasher(products.len(), Default::default());
        let mut by_barcode = HashMap::with_capacity_and_hasher(products.len() * 9 / 8, Default::default());
        let mut by_plu = HashMap::default();
        for (i, p) in products.iter().enumerate() {
            if by_sku.insert(p.sku.clone(), i).is_some() {
                return Err(CatalogueError::DuplicateSku(p.sku.clone()));
            }
            if !families.contains_key(&p.family) {
                return Err(CatalogueError::UnknownFamily {
                    sku: p.sku.clone(),
                    family: p.family.0.to_string(),
                });
            }
            if p.price_ttc.is_negative() {
                return Err(CatalogueError::Product {
                    sku: p.sku.clone(),
                    reason: "price is negative".into(),
                });
            }
            if p.eco_ttc.is_negative() || (!p.eco_ttc.is_zero() && p.eco_ttc > p.price_ttc) {
                return Err(CatalogueError::Product {
                    sku: p.sku.clone(),
                    reason: format!(
                        "eco-participation {} is not between 0 and the price {}",
                        p.eco_ttc, p.price_ttc
                    ),
                });
            }
            for b in &p.barcodes {
                if b.is_restricted() {
                    return Err(CatalogueError::RestrictedBarcode {
                        sku: p.sku.clone(),
                        code: b.to_string(),
                    });
                }
                if let Some(first) = by_barcode.insert(b.as_str().to_owned(), i) {
                    return Err(CatalogueError::DuplicateBarcode {
                        code: b.to_string(),
                        first: products[first].sku.clone(),
                        second: p.sku.clone(),
                    });
                }
            }
            if let ProductKind::Weighed { plu } = &p.kind
                && by_plu.insert(plu.clone(), i).is_some()
            {
                return Err(CatalogueError::DuplicatePlu(plu.clone()));
            }
        }
        for p in &products {
            if let Some(model) = &p.variant_of
                && !by_sku.contains_key(model)
            {
                return Err(CatalogueError::UnknownSku {
                    what: format!("{} (variant_of)", p.sku),
                    sku: model.clone(),
                });
            }
        }
        Ok(Catalogue {
            products,
            families,
            by_sku,
            by_barcode,
            by_plu,
            kits: HashMap::default(),
            fits: HashMap::default(),
            fitted_by: HashMap::default(),
            layouts,
        })
    }

    fn index_of(&self, what: &str, sku: &Sku) -> Result<usize, CatalogueError> {
        self.by_sku
            .get(sku)
            .copied()
            .ok_or_else(|| CatalogueError::UnknownSku { what: what.to_owned(), sku: sku.clone() })
    }

    /// Adds the kits' bills of materials and the compatibility links, and checks them: a kit contains
    /// neither itself nor a kit, a gift card or a weighed item, lists each component once, and every
    /// product of kind `kit` has components; nothing fits itself.
    pub fn linked(
        mut self,
        kits: Vec<(Sku, KitComponent)>,
        compatibility: Vec<(Sku, Sku)>,
    ) -> Result<Self, CatalogueError> {
        for (kit, c) in &kits {
            let k = self.index_of("kits", kit)?;
            let ci = self.index_of(&format!("kit {kit}"), &c.sku)?;
            let kit_err = |reason: String| CatalogueError::Kit { kit: kit.clone(), reason };
            if self.products[k].kind != ProductKind::Kit {
                return Err(kit_err("has a bill of materials but its kind is not `kit`".into()));
            }
            if k == ci {
                return Err(kit_err("contains itself".into()));
            }
            if matches!(
                self.products[ci].kind,
                ProductKind::Kit | ProductKind::GiftCard | ProductKind::Weighed { .. }
            ) {
                return Err(kit_err(format!("component {} is a kit, a gift card or a weighed item", c.sku)));
            }
            if c.quantity == 0 {
                return Err(kit_err(format!("component {} has quantity 0", c.sku)));
            }
            let entry = self.kits.entry(k).or_default();
            if entry.iter().any(|(x, _)| *x == ci) {
                return Err(kit_err(format!("lists component {} twice", c.sku)));
            }
            entry.push((ci, c.quantity));
        }
        for (i, p) in self.products.iter().enumerate() {
            if p.kind == ProductKind::Kit && !self.kits.contains_key(&i) {
                return Err(CatalogueError::Kit { kit: p.sku.clone(), reason: "has no components".into() });
            }
        }
        for (acc, target) in &compatibility {
            let a = self.index_of("compatibility", acc)?;
            let t = self.index_of("compatibility", target)?;
            if a == t {
                return Err(CatalogueError::Product {
                    sku: acc.clone(),
                    reason: "is said to fit itself".into(),
                });
            }
            let fits = self.fits.entry(a).or_default();
            if !fits.contains(&t) {
                fits.push(t);
                self.fitted_by.entry(t).or_default().push(a);
            }
        }
        Ok(self)
    }

    /// Every product, in the order given.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// The product with this SKU.
    pub fn product(&self, sku: &Sku) -> Option<&Product> {
        self.by_sku.get(sku).map(|&i| &self.products[i])
    }

    /// The product with this SKU, by its text.
    pub fn product_by_code(&self, sku: &str) -> Option<&Product> {
        Sku::parse(sku).ok().and_then(|s| self.product(&s))
    }

    /// A family.
    pub fn family(&self, code: &FamilyCode) -> Option<&Family> {
        self.families.get(code)
    }

    /// All families.
    pub fn families(&self) -> impl Iterator<Item = &Family> {
        self.families.values()
    }

    /// The GS1 restricted-label layouts in use.
    pub fn layouts(&self) -> &[RestrictedLayout] {
        &self.layouts
    }

    /// What a scanned code designates: a product barcode, or a scale label (prefix 20-29) decoded with
    /// the configured layouts.
    pub fn scan(&self, code: &str) -> Result<Scan<'_>, ScanError> {
        let code = code.trim();
        if let Some(&i) = self.by_barcode.get(code) {
            return Ok(Scan { product: &self.products[i], measure: ScanMeasure::One });
        }
        let gtin = Gtin::parse(code)?;
        if let Some(label) = decode_restricted(&gtin, &self.layouts) {
            let i = *self
                .by_plu
                .get(&label.plu)
                .ok_or_else(|| ScanError::UnknownPlu { code: code.to_owned(), plu: label.plu.clone() })?;
            let measure = match label.value {
                LabelAmount::Weight(w) => ScanMeasure::Weight(w),
                LabelAmount::Price(p) => ScanMeasure::Price(p),
            };
            return Ok(Scan { product: &self.products[i], measure });
        }
        Err(ScanError::Unknown(code.to_owned()))
    }

    /// A kit's bill of materials; empty for anything else.
    pub fn kit_components(&self, sku: &Sku) -> Vec<(&Product, u32)> {
        self.by_sku
            .get(sku)
            .and_then(|i| self.kits.get(i))
            .map(|v| v.iter().map(|&(c, q)| (&self.products[c], q)).collect())
            .unwrap_or_default()
    }

    /// The stock movements selling `quantity` of `sku` makes: the kit's components, or the item itself.
    pub fn stock_moves(&self, sku: &Sku, quantity: Quantity) -> Vec<(Sku, Quantity)> {
        let components = self.kit_components(sku);
        if components.is_empty() {
            return vec![(sku.clone(), quantity)];
        }
        components
            .into_iter()
            .map(|(p, q)| (p.sku.clone(), Quantity::new(quantity.value() * Decimal::from(q))))
            .collect()
    }

    /// Eco-participation of one unit: the product's own, or for a kit the sum of its components'.
    pub fn unit_eco(&self, product: &Product) -> Money {
        if product.kind == ProductKind::Kit {
            self.kit_components(&product.sku).iter().map(|(c, q)| c.eco_ttc.times(Decimal::from(*q))).sum()
        } else {
            product.eco_ttc
        }
    }

    /// Splits `amount` (a kit line's price) across the kit's VAT categories in proportion to the
    /// components' own retail prices, to the cent (largest remainder), so the parts add up to `amount`.
    /// For anything but a kit, the whole amount goes to the product's own category.
    pub fn vat_split(&self, product: &Product, amount: Money) -> Vec<(VatCategory, Money)> {
        if product.kind != ProductKind::Kit {
            return vec![(product.vat, amount)];
        }
        let components = self.kit_components(&product.sku);
        let mut weights: BTreeMap<VatCategory, Money> = BTreeMap::new();
        for (c, q) in &components {
            *weights.entry(c.vat).or_default() += c.price_ttc.times(Decimal::from(*q));
        }
        if weights.len() <= 1 {
            let cat = weights.keys().next().copied().unwrap_or(product.vat);
            return vec![(cat, amount)];
        }
        let cats: Vec<VatCategory> = weights.keys().copied().collect();
        let w: Vec<Money> = weights.values().copied().collect();
        cats.into_iter().zip(allocate(amount, &w)).collect()
    }

    /// Products that `sku` fits (a battery: the planes it powers).
    pub fn fits(&self, sku: &Sku) -> Vec<&Product> {
        self.links(&self.fits, sku)
    }

    /// Accessories that fit `sku` (a plane: its batteries, props, servos): the cross-sell at the till.
    pub fn accessories_for(&self, sku: &Sku) -> Vec<&Product> {
        self.links(&self.fitted_by, sku)
    }

    /// Linked products, by SKU (sorted when asked, not when loaded: asked rarely, loaded in bulk).
    fn links(&self, map: &HashMap<usize, Vec<usize>>, sku: &Sku) -> Vec<&Product> {
        let mut out: Vec<&Product> = self
            .by_sku
            .get(sku)
            .and_then(|i| map.get(i))
            .map(|v| v.iter().map(|&i| &self.products[i]).collect())
            .unwrap_or_default();
        out.sort_by(|a, b| a.sku.cmp(&b.sku));
        out
    }
}

/// Splits `amount` in proportion to `weights`, to the cent, so that the parts add up to `amount` exactly.
///
/// Weights are taken to the cent and must not be negative (a negative weight counts as zero). Each part
/// gets its proportional share rounded toward zero to the cent; the cents left over go one by one to the
/// largest remainders, ties to the earliest. With all weights zero the split is equal. The arithmetic is
/// on whole cents in `i128`, exact and quick enough for the till's hot path.
///
/// ```
/// use pos_core::money::Money;
/// let parts = pos_core::catalogue::allocate(Money::from_cents(1000), &[Money::from_cents(1), Money::from_cents(1), Money::from_cents(1)]);
/// assert_eq!(parts, vec![Money::from_cents(334), Money::from_cents(333), Money::from_cents(333)]);
/// ```
pub fn allocate(amount: Money, weights: &[Money]) -> Vec<Money> {
    if weights.is_empty() {
        return Vec::new();
    }
    let cents = amount.cents();
    let abs = i128::from(cents.unsigned_abs());
    let mut w: Vec<i128> = weights.iter().map(|w| i128::from(w.cents().max(0))).collect();
    let mut total: i128 = w.iter().sum();
    if total == 0 {
        w.iter_mut().for_each(|x| *x = 1);
        total = w.len() as i128;
    }
    // Quotient and remainder are computed once per weight: the remainder
    // ranking below must not redo the 128-bit division in its sort key.
    let mut parts: Vec<i128> = Vec::with_capacity(w.len());
    let mut remainders: Vec<(std::cmp::Reverse<i128>, usize)> = Vec::with_capacity(w.len());
    for (i, x) in w.iter().enumerate() {
        let share = abs * x;
        parts.push(share / total);
        remainders.push((std::cmp::Reverse(share % total), i));
    }
    let mut left = abs - parts.iter().sum::<i128>();
    if left > 0 {
        remainders.sort_unstable();
        for (_, i) in remainders {
            if left == 0 {
                break;
            }
            parts[i] += 1;
            left -= 1;
        }
    }
    let sign = if cents < 0 { -1 } else { 1 };
    parts.into_iter().map(|c| Money::from_cents(sign * i64::try_from(c).unwrap_or(i64::MAX))).collect()
}
