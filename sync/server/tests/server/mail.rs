//! Receipts by e-mail: a till queues them in its journal (paid with an e-mailed receipt, or sent
//! later from the ticket look-up); head office queues each once when the till's push brings it, and
//! its mailer hands it to the SMTP relay (a real SMTP server on 127.0.0.1 here) once one is
//! configured: a receipt waits rather than being lost, and is never sent twice.

use std::time::{Duration, Instant};

use pos_server::mail::{Received, Sink};
use pos_till::engine::{Receipt, TenderSpec};
use pos_till::sync;

use super::{Backend, PROP, Server, enrol, new_till, open_till};

fn wait_for(sink: &Sink, n: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let got = sink.received();
        if got.len() >= n || Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn receipts_by_email(backend: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (sink, relay) = rt.block_on(Sink::start("127.0.0.1:0".parse().unwrap())).unwrap();
    let server = Server::start(backend, "mail");
    let dir = new_till("LYO", 1, "mail-lyo");
    enrol(&server, &dir);
    let mut till = open_till(&dir, "2026-12-05T10:00:00+01:00");
    till.login("S007", "2468").unwrap();
    super::open_register(&mut till);

    // An address that is not one is refused before anything is paid.
    till.scan(PROP, 1, None, None, None).unwrap();
    let before = super::head(&dir);
    for bad in ["jeanne@", "jeanne petit@example.fr", "@example.fr", "jeanne@example", "a@b@c.fr"] {
        let e =
            till.pay_with_receipt(&[TenderSpec::Cash(390)], None, &Receipt::Email(bad.into())).unwrap_err();
        assert!(e.to_string().contains("is not an e-mail address"), "{bad}: {e}");
    }
    assert_eq!(
        till.receipt_asked(Some(pos_till::limits::ReceiptCopy::Email), None).unwrap_err().code(),
        "refused"
    );
    assert_eq!(super::head(&dir), before, "nothing journaled");

    let first = till
        .pay_with_receipt(&[TenderSpec::Cash(390)], None, &Receipt::Email(" jeanne.petit@example.fr ".into()))
        .unwrap();
    let first = first["ticket"].as_str().unwrap().to_owned();
    till.scan(PROP, 2, None, None, None).unwrap();
    let second = till.pay_with_receipt(&[TenderSpec::Cash(780)], None, &Receipt::None).unwrap();
    let second = second["ticket"].as_str().unwrap().to_owned();
    // The second customer changes their mind: e-mailed from the ticket look-up.
    till.email_receipt(&second, "paul@example.org").unwrap();
    // Nothing printed: the drawer opened for each cash sale, no receipt came out.
    let printed: Vec<String> = std::fs::read_dir(dir.join("receipts"))
        .map(|d| d.flatten().map(|e| std::fs::read_to_string(e.path()).unwrap()).collect())
        .unwrap_or_default();
    assert!(printed.iter().all(|p| p == "[DRAWER]\n"), "{printed:?}");
    assert_eq!(printed.len(), 2, "{printed:?}");
    till.stop().unwrap();

    // Pushed to a head office with no relay: queued, not lost.
    sync::round(&dir).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(sink.received().is_empty());

    // A relay configured: both go out, each once.
    let server = server.restart_mailing(Some(relay.to_string()));
    let got = wait_for(&sink, 2);
    assert_eq!(got.len(), 2, "{got:?}");
    let to_jeanne = got.iter().find(|m| m.to == ["jeanne.petit@example.fr"]).expect("Jeanne's receipt");
    assert!(to_jeanne.data.contains(&format!("Subject: Votre ticket {first}")), "{}", to_jeanne.data);
    let body = to_jeanne.body();
    assert!(body.contains(&first) && body.contains("3,90"), "the receipt as printed:\n{body}");
    let to_paul = got.iter().find(|m| m.to == ["paul@example.org"]).expect("Paul's receipt");
    assert!(to_paul.body().contains(&second) && to_paul.body().contains("7,80"), "{}", to_paul.body());

    // The same records pushed again, the server started again: nothing sent twice.
    sync::round(&dir).unwrap();
    let server = server.restart();
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(sink.received().len(), 2);
    drop(server);
}

#[test]
fn sqlite_receipts_by_email() {
    receipts_by_email(Backend::Sqlite);
}
#[test]
fn postgres_receipts_by_email() {
    receipts_by_email(Backend::Postgres);
}
