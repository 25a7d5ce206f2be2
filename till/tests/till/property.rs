//! Random sessions through the script interface (the door the window uses too): real actions mixed
//! with garbage and numbers at the edges. After every step: no panic, the journal verifies with its
//! replay, every table is what the replay makes (balances never below zero, points as the journal
//! says), the state in memory is the state stored, and the till still sells.

use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;

/// A till set up once per test run; each case works on a copy of it.
fn template() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| new_till("property-template"))
}

fn fresh(case: &str) -> PathBuf {
    let dir = scratch(case);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["till.db", "till.key", "till.head"] {
        std::fs::copy(template().join(f), dir.join(f)).unwrap();
    }
    dir
}

/// One step of a session.
#[derive(Clone, Debug)]
enum Step {
    /// An action as written.
    Raw(Value),
    /// Pays the basket exactly with one tender (`cash`, `card`, `store_credit` issued on a refund).
    PayExact(&'static str),
    /// Brings back a line of one of the tickets made so far.
    ReturnOne(usize, Value),
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        16 => (1i64..4).prop_map(Value::from),
        1 => Just(json!(0)),
        1 => Just(json!(-5)),
        1 => Just(json!(2.5)),
        1 => Just(json!("3")),
        1 => Just(json!(1000)),
        1 => Just(json!(i64::MAX)),
        1 => Just(json!(u64::MAX)),
        1 => Just(json!(null)),
        1 => Just(json!([1])),
    ]
}

fn amount() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (1i64..20_000).prop_map(|c| json!(pos_core::money::Money::from_cents(c).to_string())),
        1 => Just(json!("12799")),
        1 => Just(json!("-20")),
        1 => Just(json!("9999999.99")),
        1 => Just(json!("1000000000000")),
        1 => Just(json!("92233720368547758.07")),
        1 => Just(json!("0.001")),
        1 => Just(json!("1e3")),
        1 => Just(json!("abc")),
        1 => Just(json!(12.5)),
        1 => Just(json!("")),
    ]
}

fn manager_or_not() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => Just(json!({"staff": "S006", "pin": "90517"})),
        1 => Just(json!({"staff": "S006", "pin": "0000"})),
        1 => Just(json!({"staff": "S007", "pin": "2468"})),
        1 => Just(json!("S006")),
        8 => Just(Value::Null),
    ]
}

fn code() -> impl Strategy<Value = Value> {
    prop_oneof![
        24 => prop::sample::select(vec![PLANE, LIPO, PROP, MAG, GLUE, SERVO, KIT, BALSA_455G]).prop_map(Value::from),
        1 => Just(json!(CHARGER)),
        1 => Just(json!("3761100080191")),
        1 => Just(json!("")),
        1 => Just(json!("9".repeat(64))),
        1 => Just(json!(3761300238575u64)),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let raw = prop_oneof![
        14 => (code(), number(), manager_or_not()).prop_map(|(c, q, a)| json!({"do": "scan", "code": c, "quantity": q, "approval": a})),
        2 => (code(), number()).prop_map(|(c, g)| json!({"do": "scan", "code": c, "grams": g})),
        1 => (code(), any::<bool>()).prop_map(|(c, s)| json!({"do": "scan", "code": c, "serial": if s { json!("SN-1") } else { json!(42) }})),
        2 => (amount(), manager_or_not()).prop_map(|(a, m)| json!({"do": "gift_card", "card": "GC-PROP-1", "amount": a, "approval": m})),
        1 => number().prop_map(|l| json!({"do": "remove_line", "line": l})),
        2 => (prop::option::of(number()), prop_oneof![Just(json!({"percent": "10"})), Just(json!({"percent": "150"})), Just(json!({"percent": "-5"})), Just(json!({"amount": "5.00"})), Just(json!({"amount": "100000.00"}))], manager_or_not())
            .prop_map(|(l, d, a)| {
                let mut v = json!({"do": "discount", "reason": "prop", "approval": a});
                if let Some(l) = l { v["line"] = l; }
                for (k, x) in d.as_object().unwrap() { v[k] = x.clone(); }
                v
            }),
        2 => prop::sample::select(vec!["C00001", "C00003", "", "NOPE"]).prop_map(|c| json!({"do": "customer", "id": c})),
        1 => Just(json!({"do": "park"})),
        1 => number().prop_map(|s| json!({"do": "resume", "slot": s})),
        2 => Just(json!({"do": "cancel"})),
        2 => (amount(), any::<bool>(), manager_or_not()).prop_map(|(a, out, m)| json!({"do": if out { "cash_out" } else { "cash_in" }, "amount": a, "reason": "prop", "approval": m})),
        2 => (amount(), prop::sample::select(vec!["cash", "card"])).prop_map(|(a, k)| json!({"do": "pay", "tenders": [{k: a}]})),
        1 => (number(), amount()).prop_map(|(p, a)| json!({"do": "pay", "tenders": [{"points": p}, {"cash": a}]})),
        1 => amount().prop_map(|a| json!({"do": "pay", "tenders": [{"gift_card": "GC-PROP-1", "amount": a}]})),
        1 => (number(), number(), any::<bool>()).prop_filter("closing is rare", |x| x.2).prop_map(|(a, b, _)| json!({"do": "close", "counted": {"50.00": a, "0.20": b}, "approval": {"staff": "S006", "pin": "90517"}})),
        3 => amount().prop_map(|f| json!({"do": "open_register", "float": f})),
        1 => (any::<bool>(), manager_or_not()).prop_map(|(on, a)| json!({"do": "training", "on": on, "approval": a})),
        1 => prop::sample::select(vec!["S007", "S006", "S999"]).prop_map(|s| json!({"do": "login", "staff": s, "pin": if s == "S006" { "90517" } else { "2468" }})),
        1 => Just(json!({"do": "fly"})),
        1 => Just(json!({"do": "scan", "code": PROP, "colour": "red"})),
        1 => Just(json!({"do": "status"})),
        1 => Just(json!({"do": "scan", "code": PROP, "at": "2026-12-06T09:00:00+01:00"})),
    ];
    prop_oneof![
        12 => raw.prop_map(Step::Raw),
        4 => prop::sample::select(vec!["cash", "card", "store_credit"]).prop_map(Step::PayExact),
        3 => (0usize..4, number()).prop_map(|(t, u)| Step::ReturnOne(t, u)),
    ]
}

fn action_of(step: &Step, till: &Till, tickets: &[String]) -> Value {
    match step {
        Step::Raw(v) => {
            // A null approval stands for none given (a null elsewhere is kept, and refused).
            let mut v = v.clone();
            if v.get("approval").is_some_and(Value::is_null) {
                v.as_object_mut().map(|o| o.remove("approval"));
            }
            v
        }
        Step::PayExact(kind) => {
            let total = till.basket_view().map(|b| b["total"].clone()).unwrap_or(json!("0.00"));
            let negative = total.as_str().is_some_and(|t| t.starts_with('-'));
            match *kind {
                "store_credit" if negative => {
                    json!({"do": "pay", "tenders": [{"store_credit": "", "amount": total}]})
                }
                "store_credit" => json!({"do": "pay", "tenders": [{"cash": total}]}),
                k => json!({"do": "pay", "tenders": [{k: total}]}),
            }
        }
        Step::ReturnOne(i, units) => match tickets.get(*i) {
            Some(t) => json!({"do": "return", "ticket": t, "lines": [{"line": 1, "units": units}]}),
            None => json!({"do": "return", "ticket": "LYO-1-T999999"}),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_sessions_keep_the_journal_true(steps in prop::collection::vec(step(), 1..40)) {
        static CASE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = CASE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = fresh(&format!("property-{n}"));
        let (mut till, _) = open(&dir, "2026-12-05T09:00:00+01:00");
        till.login("S007", "2468").unwrap();
        till.open_register(10_000, None).unwrap();
        let mut tickets: Vec<String> = Vec::new();
        for step in &steps {
            let a = action_of(step, &till, &tickets);
            let done = pos_till::script::action(&mut till, None, a.as_object().unwrap());
            if let Ok(v) = &done
                && a["do"] == "pay"
                && let Some(t) = v["ticket"].as_str()
                && t.contains("-T")
            {
                tickets.push(t.to_owned());
            }
            let report = pos_till::inspect::verify(&dir, None, true).unwrap();
            prop_assert!(report.first_problem().is_none(), "after {a}: {:?}", report.lines());
            let stored = pos_till::projection::load_state(till.conn()).unwrap().unwrap();
            prop_assert_eq!(&stored, till.state(), "after {}: the state in memory is the state stored", a);
            prop_assert!(till.blocked().is_empty());
            let negative: i64 = till.conn().query_row("SELECT COUNT(*) FROM voucher WHERE balance < 0", [], |r| r.get(0)).unwrap();
            prop_assert_eq!(negative, 0);
        }
        till.stop().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
