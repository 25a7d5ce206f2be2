//! # pos-drivers: the till's peripherals
//!
//! Device traits the till engine uses, and implementations. `drivers` knows bytes and devices, not
//! baskets: a receipt reaches the printer as a [`receipt::Receipt`] layout, a payment as an amount and
//! a reference.
//!
//! What is here now: the [`printer::ReceiptPrinter`] trait (with the cash drawer it drives) and a
//! printer that writes each receipt as text into a folder; the [`terminal::PaymentTerminal`] trait and a
//! simulated terminal that keeps its own transaction log on disk, as a real terminal does, so that a
//! till restarted after a crash can ask it what became of a payment. The real protocols (ESC/POS,
//! Concert, Caisse-AP, scales, scanners) come with the peripherals issue.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod caisse_ap;
pub mod concert;
pub mod escpos;
pub mod link;
pub mod printer;
pub mod receipt;
pub mod scale;
pub mod scanner;
pub mod sim;
pub mod terminal;
pub mod usb;
