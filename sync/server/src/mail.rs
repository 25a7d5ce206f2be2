//! The mailer: hands the receipts the tills e-mailed (queued at push, `storage::mail`) to the
//! store chain's SMTP relay, oldest first, each until the relay takes it or [`crate::storage::mail::MAX_TRIES`]
//! attempts failed (waits doubling from 30 s to an hour); and [`Sink`], an SMTP server that keeps what it receives (the tests' and the
//! demo's relay, where no mail may leave the machine).
//!
//! The relay is spoken to in plain SMTP on the address given (`--smtp 127.0.0.1:2525`): a relay on
//! the same host or network. A relay across the internet wants TLS, which this build does not
//! carry (lettre's TLS features are off; see ARCHITECTURE.md).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::SinglePart;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::storage::Storage;
use crate::storage::mail::{MailOutcome, QueuedMail, retry_after_ms};

/// Where receipts go out, and from whom.
#[derive(Clone, Debug)]
pub struct Relay {
    /// The relay's address.
    pub addr: SocketAddr,
    /// The sender (`Tickets <tickets@boutique.fr>`).
    pub from: String,
}

/// How often the queue is looked at.
pub const POLL: Duration = Duration::from_secs(2);

/// The subject of a receipt's e-mail.
pub fn subject(ticket: &str) -> String {
    format!("Votre ticket {ticket}")
}

/// Sends the receipts due once; how many the relay took. The relay out (or answering "not now")
/// ends the round: the receipt is tried again later (waits doubling from 30 s to an hour) and the
/// others wait their turn without an attempt spent. A receipt the relay refuses for good, or whose
/// address is not one, is left for a person with the reason.
pub async fn send_waiting(storage: &Storage, relay: &Relay, now_ms: fn() -> i64) -> anyhow::Result<usize> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(relay.addr.ip().to_string())
        .port(relay.addr.port())
        .timeout(Some(Duration::from_secs(20)))
        .build();
    let mut sent = 0;
    for m in storage.mails_waiting(100, now_ms()).await? {
        let outcome = match message(relay, &m) {
            Err(e) => MailOutcome::GiveUp(e),
            Ok(msg) => match transport.send(msg).await {
                Ok(_) => MailOutcome::Sent(now_ms()),
                Err(e) if e.is_permanent() => MailOutcome::GiveUp(e.to_string()),
                Err(e) => {
                    MailOutcome::Retry { error: e.to_string(), next_ms: now_ms() + retry_after_ms(m.tries) }
                }
            },
        };
        let stop = matches!(outcome, MailOutcome::Retry { .. });
        match &outcome {
            MailOutcome::Sent(_) => sent += 1,
            MailOutcome::Retry { error, .. } | MailOutcome::GiveUp(error) => {
                tracing::warn!(
                    till = m.till,
                    seq = m.seq,
                    tries = m.tries + 1,
                    "a receipt was not sent: {error}"
                );
            }
        }
        storage.mail_done(&m, outcome).await?;
        if stop {
            break;
        }
    }
    Ok(sent)
}

fn message(relay: &Relay, m: &QueuedMail) -> Result<Message, String> {
    let from =
        relay.from.parse().map_err(|e| format!("the sender `{}` is not an address: {e}", relay.from))?;
    let to = m.to.parse().map_err(|e| format!("`{}` is not an address: {e}", m.to))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject(&m.ticket))
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .header(ContentTransferEncoding::QuotedPrintable)
                .body(m.text.clone()),
        )
        .map_err(|e| e.to_string())
}

/// Runs the mailer until the process ends: the queue every [`POLL`].
pub async fn run(storage: Arc<crate::http::App>, relay: Relay) {
    loop {
        if let Err(e) = send_waiting(&storage.storage, &relay, storage.now_ms).await {
            tracing::error!("the mailer could not read its queue: {e}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// One message an SMTP [`Sink`] received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO`, each.
    pub to: Vec<String>,
    /// The message as sent (headers and body, dot-unstuffed).
    pub data: String,
}

impl Received {
    /// The message's body, quoted-printable decoded (the mailer's encoding).
    pub fn body(&self) -> String {
        let body = self.data.split_once("\n\n").map_or("", |(_, b)| b);
        let mut bytes = Vec::with_capacity(body.len());
        let mut it = body.as_bytes().iter().copied().peekable();
        while let Some(b) = it.next() {
            if b != b'=' {
                bytes.push(b);
                continue;
            }
            match it.peek() {
                Some(b'\n') => {
                    it.next();
                }
                _ => {
                    let hex: Vec<u8> = it.by_ref().take(2).collect();
                    match std::str::from_utf8(&hex).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(v) => bytes.push(v),
                        None => bytes.extend_from_slice(&hex),
                    }
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// An SMTP server on 127.0.0.1 that accepts every message and keeps it: what the tests read, and
/// the demo's relay.
#[derive(Clone, Default)]
pub struct Sink {
    received: Arc<Mutex<Vec<Received>>>,
}

impl Sink {
    /// Listens on `addr` (`127.0.0.1:0`), serving each connection on its own task; its address.
    pub async fn start(addr: SocketAddr) -> std::io::Result<(Sink, SocketAddr)> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let sink = Sink::default();
        let kept = sink.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let s = kept.clone();
                tokio::spawn(async move {
                    if let Err(e) = s.session(tcp).await {
                        tracing::debug!("an SMTP session ended: {e}");
                    }
                });
            }
        });
        Ok((sink, local))
    }

    /// What it received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    async fn session(&self, tcp: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = tcp.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 pos-server sink ESMTP\r\n").await?;
        let mut current = Received::default();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let verb = command.split([' ', ':']).next().unwrap_or_default().to_ascii_uppercase();
            let answer: &[u8] = match verb.as_str() {
                "EHLO" => b"250-pos-server sink\r\n250 8BITMIME\r\n",
                "HELO" | "NOOP" => b"250 OK\r\n",
                "RSET" => {
                    current = Received::default();
                    b"250 OK\r\n"
                }
                "MAIL" => {
                    current = Received { from: address(&command), ..Received::default() };
                    b"250 OK\r\n"
                }
                "RCPT" => {
                    current.to.push(address(&command));
                    b"250 OK\r\n"
                }
                "DATA" => {
                    write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let mut data = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await? == 0 {
                            return Ok(());
                        }
                        let l = line.trim_end_matches(['\r', '\n']);
                        if l == "." {
                            break;
                        }
                        data.push_str(l.strip_prefix('.').unwrap_or(l));
                        data.push('\n');
                    }
                    current.data = data;
                    if let Ok(mut r) = self.received.lock() {
                        r.push(std::mem::take(&mut current));
                    }
                    b"250 OK queued\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                _ => b"502 command not implemented\r\n",
            };
            write.write_all(answer).await?;
        }
    }
}

/// The address between `<` and `>` of a `MAIL FROM:` or `RCPT TO:` line.
fn address(command: &str) -> String {
    match (command.find('<'), command.rfind('>')) {
        (Some(a), Some(b)) if a < b => command[a + 1..b].to_owned(),
        _ => command.split_once(':').map_or("", |(_, a)| a.trim()).to_owned(),
    }
}
