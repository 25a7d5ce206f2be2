//! Head office for the window's story: a real `pos-server` (its library, on 127.0.0.1:0, SQLite)
//! the demo till is enrolled with before the window opens, holding what the story then finds at
//! the till after a sync: stock in Lyon and Paris, a click & collect order paid online, a message.

use std::path::Path;
use std::sync::Arc;

use pos_server::http::{self, App};
use pos_server::mail::{Relay, Sink};
use pos_server::storage::Storage;
use pos_sync::stock::{Milli, OfficeMove};
use pos_sync::web::{Fulfilment, WebCustomer, WebLine, WebOrder};

/// The running head office (it stops with the test's process).
pub struct HeadOffice {
    pub url: String,
    rt: tokio::runtime::Runtime,
    storage: Storage,
    /// The SMTP relay its mailer sends the tills' e-mailed receipts through.
    sink: Sink,
}

impl HeadOffice {
    pub fn start(data: &Path) -> Result<HeadOffice, String> {
        std::fs::create_dir_all(data).map_err(|e| e.to_string())?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let storage = rt.block_on(Storage::open(data, None)).map_err(|e| e.to_string())?;
        let served = rt.block_on(Storage::open(data, None)).map_err(|e| e.to_string())?;
        let signer = pos_server::keys::load_or_create(data).map_err(|e| e.to_string())?;
        let listener = rt
            .block_on(pos_server::serve::bind("127.0.0.1:0".parse().unwrap(), false))
            .map_err(|e| e.to_string())?;
        let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
        let app =
            Arc::new(App { storage: served, signer, warehouse: "WHS".into(), now_ms: pos_server::now_ms });
        let (sink, relay) =
            rt.block_on(Sink::start("127.0.0.1:0".parse().unwrap())).map_err(|e| e.to_string())?;
        let relay = Relay { addr: relay, from: "Tickets <tickets@boutique.example>".into() };
        rt.spawn(pos_server::mail::run(Arc::clone(&app), relay));
        rt.spawn(pos_server::serve::run(listener, None, http::router(app)));
        Ok(HeadOffice { url, rt, storage, sink })
    }

    /// The body of the first e-mail the relay received for `to`, once it has (a minute at most).
    pub fn wait_mail(&self, to: &str) -> Result<String, String> {
        for _ in 0..300 {
            if let Some(m) = self.sink.received().into_iter().find(|m| m.to.iter().any(|t| t == to)) {
                return Ok(m.body());
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        Err(format!("no e-mail reached the relay for {to}"))
    }

    /// Enrols the till in `dir` and gives head office the story's stock, order and message.
    pub fn enrol_and_fill(&self, dir: &Path) -> Result<(), String> {
        let s = &self.storage;
        let e = |e: pos_server::storage::StorageError| e.to_string();
        let (code, kept) = pos_server::enrolment::new_code("LYO", 1, pos_server::now_ms() + 3_600_000)
            .map_err(|e| e.to_string())?;
        self.rt.block_on(s.add_enrolment(&kept)).map_err(e)?;
        pos_till::sync::enroll(dir, &self.url, &code, None).map_err(|e| e.to_string())?;
        for (location, qty) in [("LYO", 12), ("PAR", 5)] {
            let receipt =
                OfficeMove::Receipt { location: location.into(), reference: format!("BL-{location}") };
            self.rt
                .block_on(s.office_move(
                    &receipt,
                    &format!("BL-{location}"),
                    "LIPO-3S-2200",
                    Milli(qty * 1000),
                    0,
                ))
                .map_err(e)?
                .map_err(|e| e.to_string())?;
        }
        let order = WebOrder {
            order: "W-E2E-1".into(),
            fulfilment: Fulfilment::ClickAndCollect,
            store: Some("LYO".into()),
            customer: WebCustomer { name: "Antoine Martin".into(), email: "a.martin@example.org".into() },
            lines: vec![WebLine { sku: "PROP-1060".into(), qty: 2, unit_cents: 390 }],
            paid_online: true,
            ordered_on: None,
        };
        self.rt
            .block_on(s.take_web_order(order, "WHS", pos_server::now_ms()))
            .map_err(e)?
            .map_err(|e| e.to_string())?;
        self.rt
            .block_on(s.add_message(Some("LYO".into()), "Inventaire dimanche à 8 h", pos_server::now_ms()))
            .map_err(e)?;
        pos_till::sync::round(dir).map_err(|e| e.to_string())?;
        Ok(())
    }
}
