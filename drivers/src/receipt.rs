//! A receipt as a layout: what to print, not how a given printer encodes it. A layout is kept
//! (serde) by the till while it waits for the printer.

use serde::{Deserialize, Serialize};

/// Horizontal placement of a text line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Left (the default).
    #[default]
    Left,
    /// Centred.
    Centre,
    /// Right.
    Right,
}

/// One block of a receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// A line of text (never longer than the receipt's width; the layout wraps nothing).
    Text {
        /// The text.
        text: String,
        /// Bold.
        bold: bool,
        /// Double width and height.
        double: bool,
        /// Placement.
        align: Align,
    },
    /// A full-width rule.
    Rule,
    /// A QR code carrying `data`.
    Qr(String),
    /// An EAN-13 bar code (13 digits), its digits printed below.
    Ean13(String),
    /// Paper cut.
    Cut,
    /// Open the cash drawer.
    Drawer,
}

/// A receipt: its width in characters (42 or 48) and its blocks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Characters per line.
    pub width: usize,
    /// Blocks, top to bottom.
    pub blocks: Vec<Block>,
}

impl Receipt {
    /// An empty receipt of `width` columns.
    pub fn new(width: usize) -> Self {
        Receipt { width, blocks: Vec::new() }
    }

    /// Adds a plain line.
    pub fn line(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Text { text: text.into(), bold: false, double: false, align: Align::Left });
        self
    }

    /// Adds a line with a style.
    pub fn styled(&mut self, text: impl Into<String>, bold: bool, double: bool, align: Align) -> &mut Self {
        self.blocks.push(Block::Text { text: text.into(), bold, double, align });
        self
    }

    /// Adds `left` and `right` on one line, the right part flush right.
    pub fn pair(&mut self, left: &str, right: &str) -> &mut Self {
        let room = self.width.saturating_sub(right.chars().count() + 1);
        let left: String = left.chars().take(room).collect();
        let pad = self.width.saturating_sub(left.chars().count() + right.chars().count());
        self.line(format!("{left}{}{right}", " ".repeat(pad)))
    }

    /// Adds a block.
    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    /// The receipt as a customer reads it away from the printer (an e-mail): the text and the
    /// codes' contents, no device command (cut, drawer).
    pub fn to_reading(&self) -> String {
        let mut out = String::new();
        for line in self.to_text().lines() {
            if line == "[CUT]" || line == "[DRAWER]" {
                continue;
            }
            if let Some(data) = line.strip_prefix("[QR ").and_then(|l| l.strip_suffix(']')) {
                out.push_str(&format!("Code du ticket : {data}"));
            } else if let Some(digits) = line.strip_prefix("[EAN13 ").and_then(|l| l.strip_suffix(']')) {
                out.push_str(&format!("Code : {digits}"));
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        out.trim_end().to_owned() + "\n"
    }

    /// The receipt as plain text, as a person reads it: one line per text block, rules as dashes,
    /// codes, cuts and drawer kicks as bracketed marks.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            match b {
                Block::Text { text, align, .. } => {
                    let n = text.chars().count();
                    let pad = self.width.saturating_sub(n);
                    let lead = match align {
                        Align::Left => 0,
                        Align::Centre => pad / 2,
                        Align::Right => pad,
                    };
                    out.push_str(&" ".repeat(lead));
                    out.push_str(text);
                }
                Block::Rule => out.push_str(&"-".repeat(self.width)),
                Block::Qr(data) => {
                    out.push_str("[QR ");
                    out.push_str(data);
                    out.push(']');
                }
                Block::Ean13(digits) => {
                    out.push_str("[EAN13 ");
                    out.push_str(digits);
                    out.push(']');
                }
                Block::Cut => out.push_str("[CUT]"),
                Block::Drawer => out.push_str("[DRAWER]"),
            }
            out.push('\n');
        }
        out
    }
}
