//! The Concert card terminal simulator: answers the handshake, checks each frame's LRC, "runs" the
//! payment as told (accept, decline, not verified, never answer), keeps its own journal, and offers
//! an answer the till did not take again and again for a while, as a real terminal does. Like the
//! terminals in shops, it may echo the request's private field, leave it blank or fill it with its
//! own number; it gives the short or the full answer as the request asks; it says `NAK` to an `ENQ`
//! while busy; on a serial line it is set to a frame (7E1 unless told otherwise).

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::concert::{ACK, Answer, AnswerForm, ENQ, EOT, ETX, NAK, Request, STX, Verdict, frame, unframe};
use crate::link::{Frame, Link, LinkError};
use crate::sim::{Stop, Wire};

/// What the terminal puts in its answer's private field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivateField {
    /// The request's, echoed.
    Echo,
    /// Spaces.
    Blank,
    /// Its own transaction number.
    Fill,
}

impl PrivateField {
    /// Parses `echo`, `blank`, `fill`.
    pub fn parse(s: &str) -> Option<PrivateField> {
        match s {
            "echo" => Some(PrivateField::Echo),
            "blank" => Some(PrivateField::Blank),
            "fill" => Some(PrivateField::Fill),
            _ => None,
        }
    }
}

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
    /// Decline every payment whose cents are these (the demo's test card: an amount ending in
    /// ,13 € is declined by the card's bank), whatever `outcome` says.
    pub decline_cents: Option<u64>,
    /// Send only the first half of the next answer frame, then nothing (a cable pulled mid-frame).
    pub cut_next_answer: bool,
    /// How long an untaken answer is offered again.
    pub offer_for: Duration,
    /// What goes into the answer's private field.
    pub private: PrivateField,
    /// Busy with another transaction: `NAK` to the till's `ENQ`.
    pub busy: bool,
    /// Send no frame after the till acknowledged the next offer (the answer is offered again later).
    pub no_frame_after_ack: bool,
    /// The frame of its serial line.
    pub line: Frame,
    /// Characters dropped for a wrong parity.
    pub line_errors: Arc<AtomicU64>,
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
            decline_cents: None,
            offer_for: Duration::from_secs(30),
            private: PrivateField::Echo,
            busy: false,
            no_frame_after_ack: false,
            line: Frame::F7E1,
            line_errors: Arc::new(AtomicU64::new(0)),
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
    /// Answers waiting to be taken, oldest first: each, when it is ready, and until when it is
    /// offered.
    pending: Mutex<std::collections::VecDeque<(Answer, Instant, Instant)>>,
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
            _ if s.decline_cents.is_some_and(|c| request.cents % 100 == c) => Verdict::Refused,
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
            mode: request.mode,
            // The card number masked but for its last four digits, as terminals report it (they
            // never give a till the whole number), and an authorisation code.
            report: (request.answer == AnswerForm::Full)
                .then(|| (format!("XXXXXXXXXXXX{:04}", 4242 + n % 100), format!("A{n:05}"))),
            private: match s.private {
                PrivateField::Echo => request.private,
                PrivateField::Blank => String::new(),
                PrivateField::Fill => format!("{:010}", 7_000_000 + n),
            },
        };
        let ready = Instant::now() + s.think;
        let until = ready + s.offer_for;
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push_back((answer, ready, until));
    }

    /// Offers the pending answer once: `ENQ`, then the frame if the till says `ACK`. Whether it
    /// was taken.
    fn offer(&self, link: &mut dyn Link) -> Result<bool, LinkError> {
        let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        pending.retain(|(_, _, until)| now <= *until);
        let Some((answer, ready, _)) = pending.front().cloned() else { return Ok(true) };
        if now < ready {
            return Ok(true);
        }
        link.send(&[ENQ])?;
        if byte(link, Duration::from_millis(200))? != Some(ACK) {
            return Ok(false);
        }
        if std::mem::take(&mut self.control.state().no_frame_after_ack) {
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
                pending.pop_front();
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
                if self.control.state().busy {
                    link.send(&[NAK])?;
                    continue;
                }
                self.take_request(link)?;
                next_offer = Instant::now();
            }
        }
        Ok(())
    }

    /// Serves one connection of a serial line, set to the frame of [`ConcertState::line`].
    pub fn serve_serial(&self, link: &mut dyn Link, stop: &Stop) -> Result<(), LinkError> {
        let (frame, errors) = {
            let s = self.control.state();
            (s.line, Arc::clone(&s.line_errors))
        };
        self.serve(&mut Wire::new(link, frame, errors), stop)
    }
}
