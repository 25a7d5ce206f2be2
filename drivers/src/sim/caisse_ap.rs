//! The Caisse-AP over IP terminal simulator: listens on TCP, takes one request per connection,
//! answers it as told after the customer's time, and keeps a journal of what it ran.

use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::caisse_ap::{decode, encode, field, read_message};
use crate::link::{Link, LinkError, TcpLink};
use crate::sim::Stop;
use crate::sim::concert::CardOutcome;

/// The simulated terminal's state.
#[derive(Clone, Debug)]
pub struct CaisseApState {
    /// What the next payments do.
    pub outcome: CardOutcome,
    /// How long the customer takes.
    pub think: Duration,
    /// Answer with bytes that are not fields.
    pub garbage: bool,
    /// Requests run: amount in cents and `CD`.
    pub journal: Vec<(u64, String)>,
}

impl Default for CaisseApState {
    fn default() -> Self {
        CaisseApState {
            outcome: CardOutcome::Accept,
            think: Duration::from_millis(20),
            garbage: false,
            journal: Vec::new(),
        }
    }
}

/// A handle on a running simulated terminal.
#[derive(Clone, Debug, Default)]
pub struct CaisseApControl(Arc<Mutex<CaisseApState>>);

impl CaisseApControl {
    /// The state, to read or change.
    pub fn state(&self) -> MutexGuard<'_, CaisseApState> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A simulated Caisse-AP terminal.
#[derive(Debug, Default)]
pub struct CaisseApSim {
    /// Its control handle.
    pub control: CaisseApControl,
}

impl CaisseApSim {
    /// A terminal that accepts.
    pub fn new() -> CaisseApSim {
        CaisseApSim::default()
    }

    /// Serves one connection: one request, one answer.
    pub fn serve_one(&self, link: &mut dyn Link, stop: &Stop) -> Result<(), LinkError> {
        let request = read_message(
            link,
            &["CZ", "CA", "CB", "CD", "CE"],
            Instant::now() + Duration::from_secs(10),
            Duration::from_millis(50),
            None,
        )?;
        let (outcome, think, garbage) = {
            let s = self.control.state();
            (s.outcome, s.think, s.garbage)
        };
        let cents: u64 = field(&request, "CB").and_then(|c| c.parse().ok()).unwrap_or(0);
        let kind = field(&request, "CD").unwrap_or("?").to_owned();
        if outcome != CardOutcome::Timeout {
            self.control.state().journal.push((cents, kind));
        }
        let until = Instant::now() + think;
        while Instant::now() < until {
            if stop.stopped() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if garbage {
            return link.send(b"\x00\xffnot fields");
        }
        let mut answer: Vec<(&str, String)> = request.iter().map(|(t, v)| (t.as_str(), v.clone())).collect();
        let n = self.control.state().journal.len();
        match outcome {
            CardOutcome::Accept => {
                answer.push(("AE", "10".into()));
                answer.push(("AC", format!("{:06}", 100_000 + n)));
                answer.push(("AA", format!("497010######{:04}", 1000 + n)));
                answer.push(("CC", "001".into()));
            }
            CardOutcome::Decline => {
                answer.push(("AE", "01".into()));
                answer.push(("AF", "04".into()));
            }
            CardOutcome::NotVerified => {
                answer.push(("AE", "01".into()));
                answer.push(("AF", "11".into()));
            }
            CardOutcome::Timeout => {
                // Never answers; holds the connection until the till gives up.
                let mut b = [0u8; 64];
                while !stop.stopped() {
                    match link.receive(&mut b, Duration::from_millis(50)) {
                        Err(LinkError::Timeout(_)) | Ok(_) => {}
                        Err(_) => return Ok(()),
                    }
                }
                return Ok(());
            }
        }
        debug_assert!(decode(encode(&answer).as_bytes()).is_some());
        link.send(encode(&answer).as_bytes())
    }

    /// Accepts connections on `listener` until `stop` is set.
    pub fn serve(&self, listener: &TcpListener, stop: &Stop) {
        let _ = listener.set_nonblocking(true);
        while !stop.stopped() {
            match listener.accept() {
                Ok((stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    let _ = self.serve_one(&mut TcpLink::from_stream(stream), stop);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}
