//! `locations.csv`, `staff.csv` and `customers.csv`: the chain's places and the people who work
//! or buy there.

use super::*;

pub(super) fn locations(bytes: &[u8]) -> Result<Vec<Location>, LoadError> {
    let mut t = Table::open("locations.csv", bytes, &["code", "kind", "name", "city", "time_zone", "siret"])?;
    let mut out: Vec<Location> = Vec::new();
    while let Some(r) = t.next_row()? {
        let code = r.required("code")?.to_owned();
        if out.iter().any(|l| l.code == code) {
            return Err(r.error("code", format!("location {code} appears twice")));
        }
        out.push(Location {
            code,
            kind: r.parse("kind", |s| match s {
                "store" => Ok(LocationKind::Store),
                "web" => Ok(LocationKind::Web),
                "warehouse" => Ok(LocationKind::Warehouse),
                _ => Err(format!("`{s}` is not store, web or warehouse")),
            })?,
            name: r.required("name")?.to_owned(),
            city: r.required("city")?.to_owned(),
            time_zone: r.required("time_zone")?.to_owned(),
            siret: r.parse("siret", |s| {
                if s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(s.to_owned())
                } else {
                    Err(format!("SIRET `{s}` must be 14 digits"))
                }
            })?,
        });
    }
    Ok(out)
}

fn location_code(r: &Row<'_>, column: &str, codes: &HashSet<&str>) -> Result<String, LoadError> {
    let c = r.required(column)?;
    if !codes.contains(c) {
        return Err(r.error(column, format!("location `{c}` is not in locations.csv")));
    }
    Ok(c.to_owned())
}

pub(super) fn staff(bytes: &[u8], codes: &HashSet<&str>) -> Result<Vec<Staff>, LoadError> {
    let mut t = Table::open("staff.csv", bytes, &["id", "name", "role", "pin", "location"])?;
    let mut out: Vec<Staff> = Vec::new();
    while let Some(r) = t.next_row()? {
        let id = r.required("id")?.to_owned();
        if out.iter().any(|s| s.id == id) {
            return Err(r.error("id", format!("staff {id} appears twice")));
        }
        out.push(Staff {
            id,
            name: r.required("name")?.to_owned(),
            role: r.parse("role", |s| match s {
                "cashier" => Ok(Role::Cashier),
                "manager" => Ok(Role::Manager),
                "technician" => Ok(Role::Technician),
                _ => Err(format!("`{s}` is not cashier, manager or technician")),
            })?,
            pin: r.parse("pin", |s| {
                if (4..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(s.to_owned())
                } else {
                    Err("a PIN is 4 to 6 digits".into())
                }
            })?,
            location: location_code(&r, "location", codes)?,
        });
    }
    Ok(out)
}

pub(super) fn customers(bytes: &[u8], codes: &HashSet<&str>) -> Result<Vec<Customer>, LoadError> {
    let mut t = Table::open(
        "customers.csv",
        bytes,
        &["id", "name", "email", "segment", "tier", "points", "home_location"],
    )?;
    let mut out = Vec::new();
    let mut ids = HashSet::new();
    while let Some(r) = t.next_row()? {
        let id = r.required("id")?.to_owned();
        if !ids.insert(id.clone()) {
            return Err(r.error("id", format!("customer {id} appears twice")));
        }
        out.push(Customer {
            id,
            name: r.required("name")?.to_owned(),
            email: r.parse("email", |s| {
                if s.contains('@') {
                    Ok(s.to_owned())
                } else {
                    Err(format!("`{s}` is not an e-mail address"))
                }
            })?,
            segment: r.parse("segment", segment)?,
            tier: r.parse("tier", |s| {
                Tier::parse(s).ok_or_else(|| format!("`{s}` is not none, bronze, silver or gold"))
            })?,
            points: r.parse("points", whole)?,
            home_location: location_code(&r, "home_location", codes)?,
        });
    }
    Ok(out)
}
