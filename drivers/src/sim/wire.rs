//! The device's end of a serial line: what its UART makes of the bytes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::link::{BackChannel, Frame, Link, LinkError, Parity, check_parity, with_parity};

/// A simulator's link seen through a serial line set to `frame`. With seven data bits and parity,
/// what the simulator sends carries the parity in the eighth bit, and a character that arrives with
/// the wrong parity is dropped and counted, as a device set to that frame drops what a till set to
/// another one sends. Eight-bit frames pass bytes as they are (a pseudo-terminal cannot tell the
/// rest).
pub struct Wire<'a> {
    link: &'a mut dyn Link,
    parity: Option<Parity>,
    rejected: Arc<AtomicU64>,
}

impl<'a> Wire<'a> {
    /// `link` through a line set to `frame`; characters dropped for their parity are counted in
    /// `rejected`.
    pub fn new(link: &'a mut dyn Link, frame: Frame, rejected: Arc<AtomicU64>) -> Wire<'a> {
        Wire { link, parity: frame.software_parity(), rejected }
    }
}

impl Link for Wire<'_> {
    fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        match self.parity {
            Some(p) => self.link.send(&bytes.iter().map(|&b| with_parity(b, p)).collect::<Vec<u8>>()),
            None => self.link.send(bytes),
        }
    }

    fn receive(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, LinkError> {
        let n = self.link.receive(buf, timeout)?;
        let Some(p) = self.parity else { return Ok(n) };
        let mut kept = 0;
        for i in 0..n {
            let (c, ok) = check_parity(buf[i], p);
            if ok {
                buf[kept] = c;
                kept += 1;
            } else {
                self.rejected.fetch_add(1, Ordering::Relaxed);
            }
        }
        if kept == 0 {
            return Err(LinkError::Timeout(timeout));
        }
        Ok(kept)
    }

    fn describe(&self) -> String {
        self.link.describe()
    }

    fn discard_input(&mut self) {
        self.link.discard_input();
    }

    fn line_errors(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }

    fn back_channel(&self) -> BackChannel {
        self.link.back_channel()
    }
}
