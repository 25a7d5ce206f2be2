//! ESC/POS: the bytes a receipt printer understands, both ways.
//!
//! [`encode`] turns a [`Receipt`] layout into one print job: `ESC @` (reset), `ESC t 19` (code page
//! PC858, which has `€` at 0xD5 and the French accents), alignment `ESC a n`, bold `ESC E n`, double
//! size `GS ! 0x11`, QR codes (`GS ( k`: model 2, module size, error correction M, store, print),
//! EAN-13 (`GS k 67`, digits printed below), a partial cut after feeding (`GS V 66 n`) and the full
//! five-byte drawer kick `ESC p m t1 t2` (the three-byte form leaves the printer waiting for two more
//! bytes, which it then takes from the next job).
//!
//! [`Decoder`] reads such a byte stream back into text a person can read, for the printer simulator
//! and for tests: text lines placed as printed, and bracketed marks for what is not text (`[QR …]`,
//! `[EAN13 …]`, `[CUT]`, `[DRAWER pin 2, 50 ms / 500 ms]`, `[CODE PAGE PC858]`). Status queries
//! (`DLE EOT n`) are reported to the caller, which answers them.

use crate::receipt::{Align, Block, Receipt};

const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;
const DLE: u8 = 0x10;
const EOT: u8 = 0x04;
const LF: u8 = 0x0a;

/// PC858 (code page 850 with `€` in place of `ı` at 0xD5), bytes 0x80 to 0xFF.
const PC858_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}";

/// The ESC/POS number of code page PC858 (`ESC t 19`).
pub const PC858: u8 = 19;

/// Which drawer connector pin to pulse, and for how long (units of 2 ms).
pub const DRAWER_KICK: [u8; 5] = [ESC, b'p', 0, 25, 250];

/// `DLE EOT n` queries: printer, offline cause, roll paper sensor.
pub mod status {
    /// `DLE EOT 1`: printer status (bit 3: offline; bit 2: drawer pin level).
    pub const PRINTER: u8 = 1;
    /// `DLE EOT 2`: offline cause (bit 2: cover open; bit 5: stopped for paper end; bit 6: error).
    pub const OFFLINE: u8 = 2;
    /// `DLE EOT 4`: roll paper sensor (bits 2–3: near end; bits 5–6: paper end).
    pub const PAPER: u8 = 4;
    /// Bits every status byte carries (bit 1 and bit 4 set, bits 0 and 7 clear).
    pub const FIXED: u8 = 0b0001_0010;
    /// Answer bits: an error, such as a jam or the cutter (to `DLE EOT 2`).
    pub const ERROR: u8 = 1 << 6;
    /// Answer bits: cover open (to `DLE EOT 2`).
    pub const COVER_OPEN: u8 = 1 << 2;
    /// Answer bits: printing stopped for paper end (to `DLE EOT 2`).
    pub const STOPPED_NO_PAPER: u8 = 1 << 5;
    /// Answer bits: paper end (to `DLE EOT 4`).
    pub const PAPER_END: u8 = 0b0110_0000;
    /// Answer bits: paper near end (to `DLE EOT 4`).
    pub const PAPER_NEAR_END: u8 = 0b0000_1100;
    /// Answer bits: offline (to `DLE EOT 1`).
    pub const OFFLINE_BIT: u8 = 1 << 3;
    /// Answer bits: the drawer connector's pin 3 is high (to `DLE EOT 1`).
    pub const DRAWER_PIN: u8 = 1 << 2;
}

/// The bytes of a status query.
pub fn status_query(n: u8) -> [u8; 3] {
    [DLE, EOT, n]
}

/// One character in PC858, or what prints in its place.
fn push_pc858(c: char, out: &mut Vec<u8>) {
    if c.is_ascii() {
        // Control characters never reach the printer from text.
        out.push(if c.is_ascii_control() { b' ' } else { c as u8 });
        return;
    }
    if let Some(i) = PC858_HIGH.chars().position(|p| p == c) {
        out.push(0x80 + i as u8);
        return;
    }
    let stand_in: &[u8] = match c {
        'œ' => b"oe",
        'Œ' => b"OE",
        '\u{2019}' | '\u{2018}' => b"'",
        '\u{201c}' | '\u{201d}' => b"\"",
        '\u{2026}' => b"...",
        '\u{2013}' | '\u{2014}' => b"-",
        // Narrow and other spaces (French number formatting uses U+202F).
        '\u{202f}' | '\u{2009}' | '\u{2007}' => b" ",
        _ => b"?",
    };
    out.extend_from_slice(stand_in);
}

/// Encodes text to PC858.
pub fn to_pc858(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        push_pc858(c, &mut out);
    }
    out
}

/// Decodes one PC858 byte.
pub fn from_pc858(b: u8) -> char {
    if b < 0x80 { char::from(b) } else { PC858_HIGH.chars().nth(usize::from(b - 0x80)).unwrap_or('?') }
}

/// One receipt as one ESC/POS job.
pub fn encode(receipt: &Receipt) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + receipt.blocks.len() * (receipt.width + 8));
    out.extend_from_slice(&[ESC, b'@', ESC, b't', PC858]);
    let mut align = Align::Left;
    let set_align = |out: &mut Vec<u8>, a: Align, current: &mut Align| {
        if a != *current {
            let n = match a {
                Align::Left => 0,
                Align::Centre => 1,
                Align::Right => 2,
            };
            out.extend_from_slice(&[ESC, b'a', n]);
            *current = a;
        }
    };
    for block in &receipt.blocks {
        match block {
            Block::Text { text, bold, double, align: a } => {
                set_align(&mut out, *a, &mut align);
                if *bold {
                    out.extend_from_slice(&[ESC, b'E', 1]);
                }
                if *double {
                    out.extend_from_slice(&[GS, b'!', 0x11]);
                }
                for c in text.chars() {
                    push_pc858(c, &mut out);
                }
                if *double {
                    out.extend_from_slice(&[GS, b'!', 0]);
                }
                if *bold {
                    out.extend_from_slice(&[ESC, b'E', 0]);
                }
                out.push(LF);
            }
            Block::Rule => {
                set_align(&mut out, Align::Left, &mut align);
                out.extend(std::iter::repeat_n(b'-', receipt.width));
                out.push(LF);
            }
            Block::Qr(data) => {
                set_align(&mut out, Align::Centre, &mut align);
                let bytes = to_pc858(data);
                let len = bytes.len() + 3;
                out.extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]); // model 2
                out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, 5]); // module 5 dots
                out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, 49]); // error correction M
                out.extend_from_slice(&[GS, b'(', b'k', (len % 256) as u8, (len / 256) as u8, 49, 80, 48]);
                out.extend_from_slice(&bytes);
                out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]); // print
                out.push(LF);
            }
            Block::Ean13(digits) => {
                set_align(&mut out, Align::Centre, &mut align);
                out.extend_from_slice(&[GS, b'h', 80, GS, b'H', 2, GS, b'k', 67, 13]);
                out.extend(digits.bytes().filter(u8::is_ascii_digit).chain(std::iter::repeat(b'0')).take(13));
                out.push(LF);
            }
            Block::Cut => out.extend_from_slice(&[GS, b'V', 66, 3]),
            Block::Drawer => out.extend_from_slice(&DRAWER_KICK),
        }
    }
    out
}

/// What the decoder met that is not printed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A status query `DLE EOT n`: the device answers it.
    Status(u8),
    /// The paper was cut: a receipt ends here; its text.
    Cut(String),
    /// A drawer kick; with its own text when it came outside a receipt (nothing printed since the
    /// last cut), else the kick is a line of the receipt being printed.
    Drawer(Option<String>),
}

/// Reads an ESC/POS byte stream back into text, fed as bytes arrive (commands may be split across
/// reads).
#[derive(Debug)]
pub struct Decoder {
    width: usize,
    pending: Vec<u8>,
    line: String,
    align: Align,
    code_page: u8,
    qr: String,
    /// A mark was just written: the line feed that follows a code is part of printing it.
    after_mark: bool,
    /// The text decoded so far for the current receipt.
    pub text: String,
    /// Bytes the decoder did not understand (skipped), for the simulator's log.
    pub unknown: usize,
}

/// Outcome of parsing one command at the head of the buffer.
enum Step {
    /// Consumed this many bytes.
    Took(usize, Option<Event>),
    /// The command is not complete yet.
    More,
}

impl Decoder {
    /// A decoder for a printer of `width` columns.
    pub fn new(width: usize) -> Self {
        Decoder {
            width,
            pending: Vec::new(),
            line: String::new(),
            align: Align::Left,
            code_page: 0,
            qr: String::new(),
            after_mark: false,
            text: String::new(),
            unknown: 0,
        }
    }

    /// Feeds bytes; returns the events met, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut buf = std::mem::take(&mut self.pending);
        buf.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut at = 0;
        while at < buf.len() {
            match self.step(&buf[at..]) {
                Step::Took(n, event) => {
                    at += n;
                    if let Some(e) = event {
                        events.push(e);
                    }
                }
                Step::More => break,
            }
        }
        buf.drain(..at);
        self.pending = buf;
        events
    }

    /// Takes the text of the receipt decoded so far (after a cut).
    pub fn take_text(&mut self) -> String {
        self.flush_line();
        std::mem::take(&mut self.text)
    }

    fn flush_line(&mut self) {
        if self.line.is_empty() {
            return;
        }
        let line = std::mem::take(&mut self.line);
        self.put_line(&line);
    }

    fn put_line(&mut self, line: &str) {
        self.after_mark = false;
        let pad = self.width.saturating_sub(line.chars().count());
        let lead = match self.align {
            Align::Left => 0,
            Align::Centre => pad / 2,
            Align::Right => pad,
        };
        if !line.is_empty() {
            self.text.push_str(&" ".repeat(lead));
            self.text.push_str(line);
        }
        self.text.push('\n');
    }

    fn mark(&mut self, mark: &str) {
        self.flush_line();
        self.text.push_str(mark);
        self.text.push('\n');
        self.after_mark = true;
    }

    fn step(&mut self, b: &[u8]) -> Step {
        let need = |n: usize| b.len() < n;
        match b[0] {
            LF => {
                if self.line.is_empty() && self.after_mark {
                    self.after_mark = false;
                    return Step::Took(1, None);
                }
                let line = std::mem::take(&mut self.line);
                self.put_line(&line);
                Step::Took(1, None)
            }
            b'\r' => Step::Took(1, None),
            DLE => {
                if need(3) {
                    return Step::More;
                }
                if b[1] == EOT {
                    Step::Took(3, Some(Event::Status(b[2])))
                } else {
                    self.unknown += 1;
                    Step::Took(1, None)
                }
            }
            ESC => {
                if need(2) {
                    return Step::More;
                }
                match b[1] {
                    b'@' => {
                        self.align = Align::Left;
                        Step::Took(2, None)
                    }
                    b't' => {
                        if need(3) {
                            return Step::More;
                        }
                        self.code_page = b[2];
                        let name = if b[2] == PC858 { "PC858".to_owned() } else { format!("{}", b[2]) };
                        self.mark(&format!("[CODE PAGE {name}]"));
                        Step::Took(3, None)
                    }
                    b'a' => {
                        if need(3) {
                            return Step::More;
                        }
                        self.flush_line();
                        self.align = match b[2] {
                            1 | b'1' => Align::Centre,
                            2 | b'2' => Align::Right,
                            _ => Align::Left,
                        };
                        Step::Took(3, None)
                    }
                    b'E' | b'!' | b'-' | b'M' | b'J' => {
                        if need(3) {
                            return Step::More;
                        }
                        Step::Took(3, None)
                    }
                    // Print what is in the buffer and feed n lines (other encoders end lines so).
                    b'd' => {
                        if need(3) {
                            return Step::More;
                        }
                        let line = std::mem::take(&mut self.line);
                        self.put_line(&line);
                        for _ in 1..b[2] {
                            self.put_line("");
                        }
                        Step::Took(3, None)
                    }
                    b'p' => {
                        if need(5) {
                            return Step::More;
                        }
                        let pin = if b[2] & 1 == 0 { 2 } else { 5 };
                        self.mark(&format!(
                            "[DRAWER pin {pin}, {} ms / {} ms]",
                            u32::from(b[3]) * 2,
                            u32::from(b[4]) * 2
                        ));
                        let alone = self
                            .text
                            .lines()
                            .all(|l| l.starts_with("[DRAWER") || l.starts_with("[CODE PAGE"));
                        Step::Took(5, Some(Event::Drawer(alone.then(|| self.take_text()))))
                    }
                    _ => {
                        self.unknown += 1;
                        Step::Took(2, None)
                    }
                }
            }
            GS => {
                if need(2) {
                    return Step::More;
                }
                match b[1] {
                    b'!' | b'h' | b'H' | b'w' | b'f' => {
                        if need(3) {
                            return Step::More;
                        }
                        Step::Took(3, None)
                    }
                    b'V' => {
                        if need(3) {
                            return Step::More;
                        }
                        // GS V 0/1/48/49: cut now; GS V 65/66 n: feed n, then cut.
                        let n = if matches!(b[2], 65 | 66) { 4 } else { 3 };
                        if need(n) {
                            return Step::More;
                        }
                        self.mark("[CUT]");
                        Step::Took(n, Some(Event::Cut(self.take_text())))
                    }
                    b'k' => {
                        if need(3) {
                            return Step::More;
                        }
                        let m = b[2];
                        if m >= 65 {
                            if need(4) {
                                return Step::More;
                            }
                            let n = usize::from(b[3]);
                            if need(4 + n) {
                                return Step::More;
                            }
                            let data = String::from_utf8_lossy(&b[4..4 + n]).into_owned();
                            let kind = match m {
                                67 => "EAN13",
                                68 => "EAN8",
                                73 => "CODE128",
                                _ => "BARCODE",
                            };
                            self.mark(&format!("[{kind} {data}]"));
                            Step::Took(4 + n, None)
                        } else {
                            // Function A: NUL-terminated data.
                            match b[3..].iter().position(|&x| x == 0) {
                                Some(end) => {
                                    let data = String::from_utf8_lossy(&b[3..3 + end]).into_owned();
                                    let kind = match m {
                                        0 => "UPC-A",
                                        1 => "UPC-E",
                                        2 => "EAN13",
                                        3 => "EAN8",
                                        4 => "CODE39",
                                        5 => "ITF",
                                        6 => "CODABAR",
                                        _ => "BARCODE",
                                    };
                                    self.mark(&format!("[{kind} {data}]"));
                                    Step::Took(4 + end, None)
                                }
                                None => Step::More,
                            }
                        }
                    }
                    b'(' => {
                        if need(5) {
                            return Step::More;
                        }
                        let len = usize::from(b[3]) + 256 * usize::from(b[4]);
                        if need(5 + len) {
                            return Step::More;
                        }
                        let body = &b[5..5 + len];
                        if b[2] == b'k' && body.len() >= 3 && body[0] == 49 {
                            match body[1] {
                                80 => self.qr = body[3..].iter().map(|&x| from_pc858(x)).collect(),
                                81 => {
                                    let data = std::mem::take(&mut self.qr);
                                    self.mark(&format!("[QR {data}]"));
                                }
                                _ => {}
                            }
                        }
                        Step::Took(5 + len, None)
                    }
                    _ => {
                        self.unknown += 1;
                        Step::Took(2, None)
                    }
                }
            }
            // NUL is ignored by printers (some encoders send one after a status query).
            0 => Step::Took(1, None),
            c if c < 0x20 => {
                self.unknown += 1;
                Step::Took(1, None)
            }
            c => {
                let ch = if self.code_page == PC858 || c < 0x80 { from_pc858(c) } else { '?' };
                self.line.push(ch);
                Step::Took(1, None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pc858_round_trips_the_french_alphabet_and_the_euro() {
        let text = "Prix : 12,50 € — Élève à l’Hôtel, garçon, crème brûlée, œuf, « ça » 20 °C";
        let bytes = to_pc858(text);
        assert!(bytes.contains(&0xd5), "€ is 0xD5 in PC858");
        let back: String = bytes.iter().map(|&b| from_pc858(b)).collect();
        assert_eq!(back, "Prix : 12,50 € - Élève à l'Hôtel, garçon, crème brûlée, oeuf, « ça » 20 °C");
    }

    #[test]
    fn a_receipt_decodes_to_what_was_laid_out() {
        let mut r = Receipt::new(42);
        r.styled("Aéro Modèles Lyon", true, true, Align::Centre);
        r.pair("TOTAL TTC", "12,50 €");
        r.push(Block::Rule);
        r.push(Block::Ean13("3761100080190".into()));
        r.push(Block::Qr("LYO-01-T000042".into()));
        r.push(Block::Cut);
        r.push(Block::Drawer);
        let bytes = encode(&r);
        // The drawer kick is the five-byte form.
        assert!(bytes.windows(5).any(|w| w == DRAWER_KICK));
        // Fed one byte at a time, as a slow serial line delivers it.
        let mut d = Decoder::new(42);
        let mut events = Vec::new();
        for b in &bytes {
            events.extend(d.feed(std::slice::from_ref(b)));
        }
        let [Event::Cut(text), Event::Drawer(Some(kick))] = &events[..] else { panic!("{events:?}") };
        assert_eq!(kick, "[DRAWER pin 2, 50 ms / 500 ms]\n");
        let expected = format!(
            "[CODE PAGE PC858]\n{}Aéro Modèles Lyon\nTOTAL TTC{}12,50 €\n{}\n[EAN13 3761100080190]\n[QR LYO-01-T000042]\n[CUT]\n",
            " ".repeat(12),
            " ".repeat(42 - 9 - 7),
            "-".repeat(42)
        );
        assert_eq!(text, &expected);
        assert_eq!(d.unknown, 0);
    }
}
