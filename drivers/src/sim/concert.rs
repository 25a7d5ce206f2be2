//! The Concert card terminal simulator: answers the handshake, checks each frame's LRC, "runs" the
//! payment as told (accept, decline, not verified, never answer), keeps its own journal, and offers
//! an answer the till did not take again and again for a while, as a real terminal does.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::concert::{ACK, Answer, ENQ, EOT, ETX, NAK, Request, STX, Verdict, frame, unframe};
use crate::link::{Link, LinkError};
use crate::sim::Stop;

/// What the next payments do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardOutcome {
    /// Accepted.
    Accept,
    /// Refused by the bank.
    Decline,
    /// Cancelled on the terminal / card taken out.
    NotVerified,
    /// Takes the request and never answers.
    Timeout,
}

impl CardOutcome {
    /// Parses `accept`, `decline`, `not-verified`, `timeout`.
    pub fn parse(s: &str) -> Option<CardOutcome> {
        match s {
            "accept" => Some(CardOutcome::Accept),
            "decline" => Some(CardOutcome::Decline),
            "not-verified" => Some(CardOutcome::NotVerified),
            "timeout" => Some(CardOutcome::Timeout),
            _ => None,
        }
    }
}

/// The simulated terminal's state.
#[derive(Clone, Debug)]
pub struct ConcertState {
    /// What the next payments do.
    pub outcome: CardOutcome,
    /// How long the customer takes.
    pub think: Duration,
    /// Ignore the till's `ENQ` (switched off, cable out).
    pub silent: bool,
    /// Answer `NAK` to the next request frame once.
    pub nak_next_request: bool,
    /// Send the next answer once with a wrong LRC.
    pub bad_lrc_next_answer: bool,
    /// Accept another amount than the one asked (a terminal keyed by hand).
    pub accept_cents: Option<u64>,
    /// Send only the first half of the next answer frame, then nothing (a cable pulled mid-frame).
    pub cut_next_answer: bool,
    /// How long an untaken answer is offered again.
    pub offer_for: Duration,
    /// Every request taken, in order.
    pub journal: Vec<Request>,
    /// Answers given and taken.
    pub delivered: Vec<Answer>,
}

impl Default for ConcertState {
    fn default() -> Self {
        ConcertState {
            outcome: CardOutcome::Accept,
            think: Duration::from_millis(20),
            silent: false,
            nak_next_request: false,
            bad_lrc_next_answer: false,
            cut_next_answer: false,
            accept_cents: None,
            offer_for: Duration::from_secs(30),
            journal: Vec::new(),
            delivered: Vec::new(),
        }
    }
}

/// A handle on a running simulated terminal.
#[derive(Clone, Debug, Default)]
pub struct ConcertControl(Arc<Mutex<ConcertState>>);

impl ConcertControl {
    /// The state, to read or change.
    pub fn state(&self) -> MutexGuard<'_, ConcertState> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A simulated Concert terminal.
#[derive(Debug, Default)]
pub struct ConcertSim {
    /// Its control handle.
    pub control: ConcertControl,
    /// An answer waiting to be taken, and until when it is offered.
    pending: Mutex<Option<(Answer, Instant, Instant)>>,
}

fn byte(link: &mut dyn Link, timeout: Duration) -> Result<Option<u8>, LinkError> {
    let mut b = [0u8; 1];
    match link.receive(&mut b, timeout) {
        Ok(_) => Ok(Some(b[0])),
        Err(LinkError::Timeout(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

impl ConcertSim {
    /// A terminal that accepts.
    pub fn new() -> ConcertSim {
        ConcertSim::default()
    }

    fn take_request(&self, link: &mut dyn Link) -> Result<(), LinkError> {
        link.send(&[ACK])?;
        for _ in 0..3 {
            // Read STX … ETX LRC.
            let mut f = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                let Some(b) = byte(link, Duration::from_millis(50))? else { continue };
                if f.is_empty() && b != STX {
                    continue;
                }
                f.push(b);
                if f.len() >= 2 && f[f.len() - 2] == ETX {
                    break;
                }
            }
            let nak = std::mem::take(&mut self.control.state().nak_next_request);
            match unframe(&f) {
                Ok(payload) if !nak => {
                    link.send(&[ACK])?;
                    let _ = byte(link, Duration::from_millis(200))?; // EOT
                    let Some(request) = Request::decode(&String::from_utf8_lossy(&payload)) else {
                        return Ok(());
                    };
                    self.run(request);
                    return Ok(());
                }
                _ => link.send(&[NAK])?,
            }
        }
        Ok(())
    }

    fn run(&self, request: Request) {
        let mut s = self.control.state();
        s.journal.push(request.clone());
        let verdict = match s.outcome {
            CardOutcome::Accept => Verdict::Accepted,
            CardOutcome::Decline => Verdict::Refused,
            CardOutcome::NotVerified => Verdict::NotVerified,
            CardOutcome::Timeout => return,
        };
        let n = s.journal.len();
        let answer = Answer {
            pos: request.pos,
            result: verdict,
            cents: s.accept_cents.unwrap_or(request.cents),
            report: Some((format!("XXXXXXXXXXXX{:04}", 4242 + n % 100), format!("A{n:05}"))),
            private: request.private,
        };
        let ready = Instant::now() + s.think;
        let until = ready + s.offer_for;
        *self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((answer, ready, until));
    }

    /// Offers the pending answer once: `ENQ`, then the frame if the till says `ACK`. Whether it
    /// was taken.
    fn offer(&self, link: &mut dyn Link) -> Result<bool, LinkError> {
        let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some((answer, ready, until)) = pending.clone() else { return Ok(true) };
        let now = Instant::now();
        if now < ready {
            return Ok(true);
        }
        if now > until {
            *pending = None;
            return Ok(true);
        }
        link.send(&[ENQ])?;
        if byte(link, Duration::from_millis(200))? != Some(ACK) {
            return Ok(false);
        }
        let good = frame(answer.encode().as_bytes());
        if std::mem::take(&mut self.control.state().cut_next_answer) {
            link.send(&good[..good.len() / 2])?;
            return Ok(false);
        }
        for _ in 0..3 {
            let mut f = good.clone();
            if std::mem::take(&mut self.control.state().bad_lrc_next_answer) {
                let last = f.len() - 1;
                f[last] ^= 0x55;
            }
            link.send(&f)?;
            if byte(link, Duration::from_secs(1))? == Some(ACK) {
                link.send(&[EOT])?;
                self.control.state().delivered.push(answer);
                *pending = None;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Serves one connection until it fails or `stop` is set.
    pub fn serve(&self, link: &mut dyn Link, stop: &Stop) -> Result<(), LinkError> {
        // An answer is offered as soon as it is ready, then every 150 ms while nobody takes it.
        let mut next_offer = Instant::now();
        while !stop.stopped() {
            if Instant::now() >= next_offer && !self.offer(link)? {
                next_offer = Instant::now() + Duration::from_millis(150);
            }
            if let Some(b) = byte(link, Duration::from_millis(5))?
                && b == ENQ
                && !self.control.state().silent
            {
                self.take_request(link)?;
                next_offer = Instant::now();
            }
        }
        Ok(())
    }
}
