//! Spending rights: whatever the interleaving of loads, spending, grants from head office, rights
//! returned by the tills, messages delayed, repeated or never delivered (a network cut), nothing is
//! ever spent beyond what was loaded, and no right is created or lost on the way.

use pos_core::escrow::{EscrowError, Grant, Holding};
use proptest::prelude::*;

/// Head office is party 0; tills 1 to 3.
const PARTIES: usize = 4;

#[derive(Clone, Debug)]
enum Step {
    /// A gift card sold or topped up at a party.
    Load(usize, i64),
    /// A party spends.
    Spend(usize, i64),
    /// Rights handed from one party to another (head office to a till online, a till back to head
    /// office at its sync).
    Grant(usize, usize, i64),
    /// A message in flight delivered (it stays in flight until acknowledged: it may come again).
    Deliver(usize),
    /// A delivered message acknowledged: it stops being sent.
    Acknowledge(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let party = 0..PARTIES;
    prop_oneof![
        (party.clone(), 1..5_000i64).prop_map(|(p, a)| Step::Load(p, a)),
        (party.clone(), -5..6_000i64).prop_map(|(p, a)| Step::Spend(p, a)),
        (party.clone(), party, -5..6_000i64).prop_map(|(f, t, a)| Step::Grant(f, t, a)),
        (0..8usize).prop_map(Step::Deliver),
        (0..8usize).prop_map(Step::Acknowledge),
    ]
}

struct InFlight {
    to: usize,
    grant: Grant,
    delivered: bool,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nothing_is_ever_spent_beyond_what_was_loaded(steps in proptest::collection::vec(step(), 1..200)) {
        let mut parties: Vec<Holding> = vec![Holding::default(); PARTIES];
        let mut flight: Vec<InFlight> = Vec::new();
        let (mut loaded, mut spent) = (0i64, 0i64);
        for s in steps {
            match s {
                Step::Load(p, a) => {
                    parties[p].load(a).unwrap();
                    loaded += a;
                }
                Step::Spend(p, a) => {
                    let before = parties[p].clone();
                    match parties[p].spend(a) {
                        Ok(()) => spent += a,
                        Err(EscrowError::NotHeld { wanted, held }) => {
                            prop_assert!(wanted > held);
                            prop_assert_eq!(&parties[p], &before, "a refusal changes nothing");
                        }
                        Err(EscrowError::NotAnAmount(x)) => prop_assert!(x <= 0),
                        Err(e) => prop_assert!(false, "{e}"),
                    }
                }
                Step::Grant(f, t, a) => {
                    if f != t
                        && let Ok(grant) = parties[f].grant(&format!("party{f}"), a)
                    {
                        flight.push(InFlight { to: t, grant, delivered: false });
                    }
                }
                Step::Deliver(i) => {
                    if let Some(m) = flight.get_mut(i) {
                        let new = parties[m.to].receive(&m.grant).unwrap();
                        prop_assert_eq!(new, !m.delivered, "a grant adds its rights once");
                        m.delivered = true;
                    }
                }
                Step::Acknowledge(i) => {
                    if flight.get(i).is_some_and(|m| m.delivered) {
                        flight.remove(i);
                    }
                }
            }
            let held: i64 = parties.iter().map(Holding::held).sum();
            let in_flight: i64 = flight.iter().filter(|m| !m.delivered).map(|m| m.grant.amount).sum();
            prop_assert!(spent <= loaded, "spent {spent} of {loaded} loaded");
            prop_assert_eq!(held + in_flight, loaded - spent, "rights are neither made nor lost");
            prop_assert_eq!(parties.iter().map(Holding::spent).sum::<i64>(), spent);
            prop_assert!(parties.iter().all(|p| p.held() >= 0));
        }
    }
}

#[test]
fn a_till_spends_only_the_rights_it_holds() {
    let mut head_office = Holding::default();
    let mut lyon = Holding::default();
    head_office.load(5_000).unwrap(); // a 50 € gift card sold in Paris, its rights at head office
    let grant = head_office.grant("HO", 3_000).unwrap(); // Lyon online asks for 30 €
    assert!(lyon.receive(&grant).unwrap());
    assert!(!lyon.receive(&grant).unwrap(), "the same grant again adds nothing");
    lyon.spend(2_000).unwrap();
    // Offline, Lyon cannot spend beyond what it holds.
    assert_eq!(lyon.spend(1_500), Err(EscrowError::NotHeld { wanted: 1_500, held: 1_000 }));
    assert_eq!(lyon.spend(0), Err(EscrowError::NotAnAmount(0)));
    assert_eq!(lyon.spend(-5), Err(EscrowError::NotAnAmount(-5)));
    assert_eq!(head_office.held() + lyon.held(), 3_000);
    let mut big = Holding::default();
    big.load(i64::MAX).unwrap();
    assert_eq!(big.load(1), Err(EscrowError::Overflow), "refused, never wrapped");
}
