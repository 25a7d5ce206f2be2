//! Balances that cannot be overspent: a gift card sold in Paris is spent in Lyon online with rights
//! head office grants, refused offline beyond the rights Lyon holds, and never spendable twice:
//! at every step, a balance's rights are held by one party only.

use pos_sync::rights::{RightsRequest, Voucher};
use pos_sync::wire;
use pos_till::engine::{TenderSpec, Till};
use pos_till::sync;

use super::{Backend, Server, enrol, head, new_till, open_till, verify};

const GC: &str = "GC-PAR-0001";
const PROP: &str = "3762200151285"; // 3.90

/// Head office's balance of `number`, who holds its rights, and the rights pending.
fn at_head_office(server: &Server, number: &str) -> (i64, Vec<(String, i64)>, i64) {
    let (rt, s) = server.storage();
    let b = rt.block_on(s.balance(number)).unwrap().expect("head office knows the balance");
    let held: i64 = b.holders.iter().map(|(_, c)| c).sum();
    assert_eq!(b.balance, held + b.pending, "every cent of {number} is held by one party: {b:?}");
    (b.balance, b.holders, b.pending)
}

fn till_at(dir: &std::path::Path, when: &str, staff: (&str, &str)) -> Till {
    let mut till = open_till(dir, when);
    till.login(staff.0, staff.1).unwrap();
    super::open_register(&mut till);
    till
}

/// Sells `n` propellers (a promotion may apply) paid with `card`, or the refusal in words.
fn pay_with(till: &mut Till, card: &str, n: u32) -> Result<(), String> {
    till.scan(PROP, n, None, None, None).unwrap();
    let total = pos_till::script::cents(till.basket_view().unwrap()["total"].as_str().unwrap()).unwrap();
    let r = till.pay(&[TenderSpec::GiftCard { card: card.into(), cents: total }], None);
    if r.is_err() {
        till.cancel_basket().unwrap();
    }
    r.map(|_| ()).map_err(|e| e.to_string())
}

const LYON: (&str, &str) = ("S007", "2468");
const PARIS: (&str, &str) = ("S002", "1937");

fn gift_card_sold_in_paris_spent_in_lyon(backend: Backend) {
    let mut server = Server::start(backend, "rights");
    let paris = new_till("PAR", 1, "rights-par");
    let lyon = new_till("LYO", 1, "rights-lyo");
    enrol(&server, &paris);
    enrol(&server, &lyon);
    {
        let mut till = till_at(&paris, "2026-12-01T10:00:00+01:00", PARIS);
        till.sell_gift_card(GC, 5_000, None).unwrap();
        till.pay(&[TenderSpec::Cash(5_000)], None).unwrap();
        assert_eq!(till.rights_held(GC), 5_000, "the till that sold it holds its rights");
        till.stop().unwrap();
    }
    // Lyon cannot spend a card head office has not heard of, nor one whose rights Paris holds.
    let mut till = till_at(&lyon, "2026-12-01T11:00:00+01:00", LYON);
    let e = pay_with(&mut till, GC, 1).unwrap_err();
    assert!(e.contains(&format!("no gift card or credit note {GC}")), "{e}");
    sync::round(&paris).unwrap();
    assert_eq!(at_head_office(&server, GC), (5_000, vec![("PAR-1".into(), 5_000)], 0));
    let e = pay_with(&mut till, GC, 1).unwrap_err();
    assert!(e.contains("head office holds no more of it"), "{e}");
    // Paris hands its rights back on its next sync; then Lyon spends online, in one round trip.
    {
        let mut till = till_at(&paris, "2026-12-01T12:00:00+01:00", PARIS);
        till.return_rights().unwrap();
        assert_eq!(till.rights_held(GC), 0);
        till.stop().unwrap();
    }
    sync::round(&paris).unwrap();
    assert_eq!(at_head_office(&server, GC), (5_000, vec![("HO".into(), 5_000)], 0));
    pay_with(&mut till, GC, 5).unwrap();
    let spent = 5_000 - till.balance(GC).unwrap().unwrap();
    assert!(spent > 0);
    assert_eq!(till.rights_held(GC), 0, "granted what it needed, spent it");
    assert_eq!(at_head_office(&server, GC).2, spent, "granted, pending until Lyon's records arrive");

    // Head office goes away: neither Lyon nor Paris can spend the card beyond the rights it holds.
    server.kill();
    let e = pay_with(&mut till, GC, 1).unwrap_err();
    assert!(e.contains("head office is unreachable"), "{e}");
    // Lyon's own card sold offline is Lyon's to spend offline.
    till.sell_gift_card("GC-LYO-0001", 2_000, None).unwrap();
    till.pay(&[TenderSpec::Cash(2_000)], None).unwrap();
    pay_with(&mut till, "GC-LYO-0001", 1).unwrap();
    till.stop().unwrap();
    {
        let mut till = till_at(&paris, "2026-12-01T13:00:00+01:00", PARIS);
        let e = pay_with(&mut till, GC, 1).unwrap_err();
        assert!(e.contains("head office is unreachable"), "Paris sold it, but handed its rights back: {e}");
        till.stop().unwrap();
    }

    // Back online: every record arrives, nothing was spent twice, every cent is held by one party.
    let server = server.restart();
    for dir in [&paris, &lyon] {
        let r = sync::round(dir).unwrap();
        assert_eq!(r.waiting(), 0, "{r:?}");
        let (ok, lines) = verify(dir);
        assert!(ok, "{lines}");
    }
    let left = 5_000 - spent;
    assert_eq!(at_head_office(&server, GC), (left, vec![("HO".into(), left)], 0));
    assert_eq!(at_head_office(&server, "GC-LYO-0001"), (1_610, vec![("LYO-1".into(), 1_610)], 0));

    // A grant whose answer the till never used (here: asked by hand, then the till restarts) goes
    // back to head office when the till's records show it restarted after asking.
    let key = pos_till::store::read_key(&lyon).unwrap();
    let req = RightsRequest {
        number: GC.into(),
        voucher: Voucher::GiftCard,
        amount: 1_000,
        request: "LYO-1-lost".into(),
        after_seq: head(&lyon),
    };
    let ho = pos_till::sync::client::HeadOffice::new(&server.url, None).unwrap();
    let body = serde_json::to_vec(&req).unwrap();
    ho.signed(&key, "LYO-1", reqwest::Method::POST, wire::RIGHTS, body.clone()).unwrap();
    // Asked again (the answer lost): the same grant, not another.
    ho.signed(&key, "LYO-1", reqwest::Method::POST, wire::RIGHTS, body).unwrap();
    assert_eq!(at_head_office(&server, GC), (left, vec![("HO".into(), left - 1_000)], 1_000));
    let till = till_at(&lyon, "2026-12-01T15:00:00+01:00", LYON);
    till.stop().unwrap();
    sync::round(&lyon).unwrap();
    assert_eq!(at_head_office(&server, GC), (left, vec![("HO".into(), left)], 0));
}

#[test]
fn sqlite_gift_card_sold_in_paris_spent_in_lyon() {
    gift_card_sold_in_paris_spent_in_lyon(Backend::Sqlite);
}
#[test]
fn postgres_gift_card_sold_in_paris_spent_in_lyon() {
    gift_card_sold_in_paris_spent_in_lyon(Backend::Postgres);
}

/// A small deterministic generator (xorshift), so that a failing interleaving is replayed by its
/// seed.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Sales of gift cards, redemptions, syncs, hand-backs and network cuts interleaved at random across
/// three tills (two in Paris, one in Lyon), through the real engine, the real sync and the real
/// server: no card is ever spent beyond what was loaded on it, and head office ends with every
/// balance equal to what was loaded less what was spent, every cent held by one party.
fn interleaved_sales_and_redemptions_never_overspend(backend: Backend, seed: u64) {
    use pos_till::sync::link;
    let server = Server::start(backend, &format!("rights-mix-{seed}"));
    let tills: Vec<(std::path::PathBuf, (&str, &str))> = vec![
        (new_till("PAR", 1, &format!("mix-{seed}-par1")), PARIS),
        (new_till("PAR", 2, &format!("mix-{seed}-par2")), PARIS),
        (new_till("LYO", 1, &format!("mix-{seed}-lyo1")), LYON),
    ];
    let mut links = Vec::new();
    let mut engines = Vec::new();
    for (dir, staff) in &tills {
        enrol(&server, dir);
        let conn = pos_till::store::open_db(dir).unwrap();
        links.push(link::link(&conn).unwrap().unwrap());
        engines.push(till_at(dir, "2026-12-01T09:00:00+01:00", *staff));
    }
    let cards = ["GC-MIX-1", "GC-MIX-2", "GC-MIX-3"];
    let mut loaded = [0i64; 3];
    let mut spent = [0i64; 3];
    let mut online = [true; 3];
    let mut dice = Dice(seed);
    let set_online = |i: usize, up: bool| {
        let conn = pos_till::store::open_db(&tills[i].0).unwrap();
        let mut l = links[i].clone();
        if !up {
            l.url = "http://127.0.0.1:9".into(); // nothing listens: connection refused
        }
        link::set_link(&conn, &l, "2026-12-01T09:00:00Z").unwrap();
    };
    for _ in 0..60 {
        let t = dice.below(3) as usize;
        let c = dice.below(3) as usize;
        match dice.below(10) {
            0..=1 => {
                let cents = 1_000 + 500 * dice.below(5) as i64;
                engines[t].sell_gift_card(cards[c], cents, None).unwrap();
                engines[t].pay(&[TenderSpec::Cash(cents)], None).unwrap();
                loaded[c] += cents;
            }
            2..=5 => {
                engines[t].scan(PROP, 1 + dice.below(4) as u32, None, None, None).unwrap();
                let total =
                    pos_till::script::cents(engines[t].basket_view().unwrap()["total"].as_str().unwrap())
                        .unwrap();
                let on_card = total.min(200 + 100 * dice.below(15) as i64);
                let mut tenders = vec![TenderSpec::GiftCard { card: cards[c].into(), cents: on_card }];
                if total > on_card {
                    tenders.push(TenderSpec::Cash(total - on_card));
                }
                match engines[t].pay(&tenders, None) {
                    Ok(_) => spent[c] += on_card,
                    Err(_) => {
                        engines[t].cancel_basket().unwrap();
                    }
                }
            }
            6..=7 => {
                if online[t] {
                    sync::round(&tills[t].0).unwrap();
                    engines[t].return_rights().unwrap();
                }
            }
            _ => {
                online[t] = !online[t];
                set_online(t, online[t]);
            }
        }
        for c in 0..3 {
            assert!(
                spent[c] <= loaded[c],
                "seed {seed}: {} spent {} of {} loaded",
                cards[c],
                spent[c],
                loaded[c]
            );
        }
    }
    for (i, mut e) in engines.into_iter().enumerate() {
        e.return_rights().unwrap();
        e.stop().unwrap();
        set_online(i, true);
        sync::round(&tills[i].0).unwrap();
        let (ok, lines) = verify(&tills[i].0);
        assert!(ok, "seed {seed}: {lines}");
    }
    for (i, r) in tills.iter().map(|(d, _)| sync::round(d).unwrap()).enumerate() {
        assert_eq!(r.waiting(), 0, "seed {seed}: till {i}: {r:?}");
    }
    let mut redeemed = 0;
    for c in 0..3 {
        let (rt, s) = server.storage();
        let Some(b) = rt.block_on(s.balance(cards[c])).unwrap() else {
            assert_eq!(loaded[c], 0, "seed {seed}");
            continue;
        };
        assert_eq!(b.balance, loaded[c] - spent[c], "seed {seed}: {b:?}");
        assert_eq!(b.pending, 0, "seed {seed}: every grant settled: {b:?}");
        assert_eq!(
            b.holders,
            vec![("HO".to_owned(), b.balance)].into_iter().filter(|h| h.1 != 0).collect::<Vec<_>>(),
            "seed {seed}: all handed back: {b:?}"
        );
        redeemed += spent[c];
    }
    assert!(redeemed > 0, "seed {seed}: the interleaving redeemed something");
}

#[test]
fn sqlite_interleaved_sales_and_redemptions_never_overspend() {
    for seed in [0x9E37_79B9_7F4A_7C15, 42, 7_777] {
        interleaved_sales_and_redemptions_never_overspend(Backend::Sqlite, seed);
    }
}
#[test]
fn postgres_interleaved_sales_and_redemptions_never_overspend() {
    interleaved_sales_and_redemptions_never_overspend(Backend::Postgres, 0x9E37_79B9_7F4A_7C15);
}
