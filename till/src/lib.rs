//! # pos-till: the till engine, headless
//!
//! The desktop app, the tests and scripts all drive the same engine ([`engine::Till`]). Its source of
//! truth is one SQLite file per till ([`store`]): an append-only, chained, signed journal that the
//! French cash-register law accepts, and projections ([`projection`]: the open basket, the register
//! session, balances, stock deltas) updated in the same transaction and made again from the journal by
//! a replay ([`replay`]).
//!
//! What is signed never comes from a projection: a closure's totals, grand totals and expected cash are
//! added up from the journal itself ([`closing`]). `pos-till verify` ([`inspect::verify`]) walks the
//! chains ([`verify`]), replays them and compares every projection; the till keeps its signed head
//! outside the database ([`anchor`]) and refuses at start a database older than its head.
//!
//! Head office is reached through [`sync`]: enrolment, the push of the journal in signed batches, its
//! acknowledgements kept in the database and beside it (`till.ack`), and the background round; the
//! sync writes only its own tables.
//!
//! Devices are reached only through the traits of `pos-drivers`. The `pos-till` command
//! (`src/main.rs`) sets a till up, runs scripted sessions ([`script`], format in
//! `docs/till-script.md`), verifies the journal, prints Z reports and writes signed archives.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod action;
pub mod anchor;
pub mod answer;
pub mod archive;
pub mod catalogue;
pub mod clock;
pub mod closing;
pub mod devices;
pub mod engine;
pub mod error;
pub mod inspect;
pub mod keys;
pub mod launch;
pub mod limits;
pub mod logging;
pub mod pin;
pub mod printing;
pub mod projection;
pub mod reason;
pub mod receipt;
pub mod replay;
pub mod script;
pub mod store;
pub mod sync;
pub mod typescript;
pub mod verify;

pub use error::TillError;
