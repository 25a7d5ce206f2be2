//! Customers merged from edits made at several tills: the merge is commutative, associative and
//! idempotent, loses no edit (the latest edit of each field wins, wherever it was made), and an
//! erasure wins over every edit.

use pos_sync::customers::{Customer, Field, Stamp};
use proptest::prelude::*;

const FIELDS: [Field; 6] =
    [Field::Name, Field::Email, Field::Phone, Field::Town, Field::Home, Field::Consent];
const TILLS: [&str; 3] = ["PAR-1", "LYO-1", "NAN-1"];

/// An edit: a field set (its index), or an erasure; at which till, at what time.
#[derive(Clone, Debug)]
struct Edit {
    field: Option<usize>,
    till: usize,
    at_ms: i64,
    replica: usize,
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (prop::option::weighted(0.93, 0..FIELDS.len()), 0..TILLS.len(), 0i64..50, 0..3usize)
            .prop_map(|(field, till, at_ms, replica)| Edit { field, till, at_ms, replica }),
        0..40,
    )
}

fn stamp(e: &Edit, n: usize) -> Stamp {
    Stamp { at_ms: e.at_ms, till: TILLS[e.till].into(), n: n as u64 }
}

/// Three replicas, each having seen its share of the edits, in order.
fn replicas(edits: &[Edit]) -> [Customer; 3] {
    let mut out: [Customer; 3] = Default::default();
    for (n, e) in edits.iter().enumerate() {
        let c = &mut out[e.replica];
        match e.field {
            Some(f) => c.set(FIELDS[f], &format!("{}#{n}", TILLS[e.till]), stamp(e, n)),
            None => c.erase(stamp(e, n)),
        }
    }
    out
}

fn merged(a: &Customer, b: &Customer) -> Customer {
    let mut m = a.clone();
    m.merge(b);
    m
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn merging_customers_is_commutative_associative_and_idempotent(edits in edits()) {
        let [a, b, c] = replicas(&edits);
        prop_assert_eq!(merged(&a, &b), merged(&b, &a));
        prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
        prop_assert_eq!(merged(&a, &a), a.clone());
        let all = merged(&merged(&a, &b), &c);
        prop_assert_eq!(merged(&all, &b), all.clone());
    }

    #[test]
    fn no_edit_is_lost_and_an_erasure_wins(edits in edits()) {
        let [a, b, c] = replicas(&edits);
        let all = merged(&merged(&c, &a), &b);
        if edits.iter().any(|e| e.field.is_none()) {
            prop_assert!(all.fields.is_empty(), "erased: no personal data kept: {:?}", all);
            prop_assert!(all.erased.is_some());
            return Ok(());
        }
        for (i, f) in FIELDS.iter().enumerate() {
            // The edit with the greatest stamp of that field, wherever it was made.
            let last = edits
                .iter()
                .enumerate()
                .filter(|(_, e)| e.field == Some(i))
                .max_by_key(|(n, e)| stamp(e, *n))
                .map(|(n, e)| format!("{}#{n}", TILLS[e.till]));
            prop_assert_eq!(all.get(*f).map(str::to_owned), last);
        }
    }
}

#[test]
fn an_edit_after_an_erasure_brings_nothing_back() {
    let at = |ms, n| Stamp { at_ms: ms, till: "LYO-1".into(), n };
    let mut lyon = Customer::default();
    lyon.set(Field::Name, "Antoine Martin", at(1, 1));
    let mut head_office = lyon.clone();
    head_office.erase(at(5, 2));
    // Lyon, offline, edits the e-mail after the erasure.
    lyon.set(Field::Email, "antoine@example.org", at(9, 3));
    head_office.merge(&lyon);
    lyon.merge(&head_office);
    assert_eq!(head_office, lyon);
    assert!(lyon.fields.is_empty() && lyon.get(Field::Name).is_none());
}
