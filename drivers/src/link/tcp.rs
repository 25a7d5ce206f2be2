//! A TCP connection (receipt printers on port 9100, card terminals on the shop's network).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{Link, LinkError, io_to_link};

/// How long a write may wait for a device that stopped reading (a printer whose buffer is full and
/// that went off line) before the link is taken as broken.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// A TCP connection.
#[derive(Debug)]
pub struct TcpLink {
    stream: TcpStream,
    name: String,
}

impl TcpLink {
    /// Connects to `addr` (`host:port`), giving up after `timeout`.
    pub fn connect(addr: &str, timeout: Duration) -> Result<TcpLink, LinkError> {
        let name = format!("tcp:{addr}");
        let unreachable = |e: String| {
            LinkError::Disconnected(format!(
                "{name} cannot be reached ({e}): check the device is on and its address"
            ))
        };
        let target = addr
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .next()
            .ok_or_else(|| unreachable("no address".into()))?;
        let stream = TcpStream::connect_timeout(&target, timeout).map_err(|e| unreachable(e.to_string()))?;
        Ok(TcpLink::named(stream, name))
    }

    /// Wraps an accepted or connected stream.
    pub fn from_stream(stream: TcpStream) -> TcpLink {
        let name = stream.peer_addr().map_or_else(|_| "tcp".to_owned(), |a| format!("tcp:{a}"));
        TcpLink::named(stream, name)
    }

    /// The same link, giving up a write after `timeout` instead of [`WRITE_TIMEOUT`].
    pub fn with_write_timeout(self, timeout: Duration) -> TcpLink {
        let _ = self.stream.set_write_timeout(Some(timeout.max(Duration::from_millis(1))));
        self
    }

    fn named(stream: TcpStream, name: String) -> TcpLink {
        let _ = stream.set_nodelay(true);
        let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
        TcpLink { stream, name }
    }
}

impl Link for TcpLink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        // A write that cannot finish in time is a broken link, not a slow answer: what part of the
        // bytes went out is unknown.
        self.stream.write_all(bytes).map_err(|e| match io_to_link(&self.name, &e, Duration::ZERO) {
            LinkError::Timeout(_) => LinkError::Disconnected(format!(
                "{} stopped taking what is sent to it: check the device is on line",
                self.name
            )),
            other => other,
        })
    }

    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        let _ = self.stream.set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
        match self.stream.read(buf) {
            Ok(0) => Err(LinkError::Disconnected(format!("{} closed the connection", self.name))),
            Ok(n) => Ok(n),
            Err(e) => Err(io_to_link(&self.name, &e, timeout)),
        }
    }

    fn describe(&self) -> String {
        self.name.clone()
    }

    fn discard_input(&mut self) {
        if self.stream.set_nonblocking(true).is_ok() {
            let mut buf = [0u8; 256];
            while matches!(self.stream.read(&mut buf), Ok(n) if n > 0) {}
            let _ = self.stream.set_nonblocking(false);
        }
    }
}
