//! `promotions.csv`: the promotion calendar, each promotion's rule and targets checked.

use super::*;

pub(super) fn promotions(
    bytes: &[u8],
    known: &dyn Referents,
    codes: &HashSet<&str>,
) -> Result<Vec<Promotion>, LoadError> {
    let mut t = Table::open(
        "promotions.csv",
        bytes,
        &[
            "id",
            "name_fr",
            "kind",
            "priority",
            "starts",
            "ends",
            "locations",
            "segments",
            "family",
            "skus",
            "percent",
            "price",
            "buy",
            "get",
            "threshold",
            "amount",
        ],
    )?;
    let mut out: Vec<Promotion> = Vec::new();
    while let Some(r) = t.next_row()? {
        let id = r.required("id")?.to_owned();
        if out.iter().any(|p| *p.id == *id) {
            return Err(r.error("id", format!("promotion {id} appears twice")));
        }
        let family = || -> Result<FamilyCode, LoadError> {
            let f = FamilyCode(r.required("family")?.into());
            if !known.has_family(&f) {
                return Err(r.error("family", format!("family `{}` is not in families.csv", f.0)));
            }
            Ok(f)
        };
        let skus = || -> Result<Vec<Sku>, LoadError> {
            let mut v = Vec::new();
            for s in r.list("skus") {
                let s = Sku::parse(s).map_err(|m| r.error("skus", m))?;
                if !known.has_sku(&s) {
                    return Err(r.error("skus", format!("SKU {s} is not in products.csv")));
                }
                v.push(s);
            }
            if v.is_empty() {
                return Err(r.error("skus", "is empty"));
            }
            Ok(v)
        };
        let rule = match r.required("kind")? {
            "percent_off_family" => {
                PromotionRule::PercentOffFamily { family: family()?, percent: r.parse("percent", decimal)? }
            }
            "fixed_price" => PromotionRule::FixedPrice { skus: skus()?, price: r.parse("price", amount)? },
            "buy_x_get_y" => PromotionRule::BuyXGetY {
                target: if r.text("skus").is_empty() {
                    Target::Family(family()?)
                } else {
                    Target::Skus(skus()?)
                },
                buy: r.parse("buy", whole)?,
                get: r.parse("get", whole)?,
                percent: r.optional("percent", decimal)?.unwrap_or(Decimal::ONE_HUNDRED),
            },
            "bundle" => PromotionRule::Bundle { skus: skus()?, price: r.parse("price", amount)? },
            "basket_threshold" => {
                let reward = match (r.optional("amount", amount)?, r.optional("percent", decimal)?) {
                    (Some(a), None) => BasketReward::Amount(a),
                    (None, Some(p)) => BasketReward::Percent(p),
                    _ => return Err(r.error("amount", "give either an amount or a percent")),
                };
                PromotionRule::BasketThreshold { threshold: r.parse("threshold", amount)?, reward }
            }
            other => {
                return Err(r.error(
                    "kind",
                    format!("`{other}` is not percent_off_family, fixed_price, buy_x_get_y, bundle or basket_threshold"),
                ));
            }
        };
        let mut locations = Vec::new();
        for l in r.list("locations") {
            if !codes.contains(l) {
                return Err(r.error("locations", format!("location `{l}` is not in locations.csv")));
            }
            locations.push(l.to_owned());
        }
        let segments = r
            .list("segments")
            .map(segment)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| r.error("segments", m))?;
        let p = Promotion {
            id: id.into(),
            name: r.required("name_fr")?.into(),
            priority: r.parse("priority", whole)?,
            starts: r.parse("starts", date)?,
            ends: r.parse("ends", date)?,
            locations,
            segments,
            rule,
        };
        p.validate().map_err(|m| r.error("kind", m))?;
        out.push(p);
    }
    Ok(out)
}
