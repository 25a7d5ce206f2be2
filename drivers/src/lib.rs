//! # pos-drivers: the till's peripherals
//!
//! Device traits the till engine uses, and implementations. `drivers` knows bytes and devices, not
//! baskets: a receipt reaches the printer as a [`receipt::Receipt`] layout, a payment as an amount and
//! a reference.
//!
//! - Receipt printers: [`printer::EscPosPrinter`] speaks ESC/POS ([`escpos`]) over any [`link::Link`]:
//!   raw TCP 9100, serial, the kernel's `/dev/usb/lp*`, or USB bulk endpoints ([`usb`]).
//! - Scales: [`scale::Toledo8217`] and [`scale::Dialog06`] over serial.
//! - Scanners: [`scanner::SerialScanner`], and [`scanner::WedgeClassifier`] for keyboard-wedge scanners.
//! - Card terminals: [`concert::Concert`] (serial or TCP) and [`caisse_ap::CaisseAp`] (IP), and the
//!   in-process [`terminal::SimTerminal`].
//! - [`sim`]: a simulator for each, played over a pseudo-terminal or a TCP socket (`pos-sim`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ascii;
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
