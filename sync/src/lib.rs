//! # pos-sync: what tills and head office say to each other
//!
//! Pure, like `pos-core` and `pos-journal`: no clock, no file, no network. The server and the till's
//! sync task carry these shapes over HTTPS and keep what they say in their own storage.
//!
//! - [`push`]: a till's journal reaches head office in batches of records, in order. Head office
//!   checks each record with the journal crate before it accepts it, accepts a record once (a batch
//!   sent again is acknowledged, not stored twice), and puts the till's stream in quarantine at the
//!   first gap, fork or broken record, keeping what came before it and naming that record.
//! - [`ack`]: head office's signed acknowledgement of the last record it holds of a stream, which
//!   the till keeps as the anchor it lacks on its own.
//! - [`auth`]: a till's requests signed with its journal key, checked for method, path, body, time
//!   and replay.
//! - [`stock`]: stock movements (the tickets', head office's own), quantities in thousandths, the
//!   levels a till pulls.
//! - [`web`]: web orders from the shop, a till's inbox of click & collect orders and head office's
//!   messages, and a web order as a store's till takes it back.
//! - [`rights`]: spending rights of gift cards, credit notes and customers' loyalty points granted
//!   to a till, and what a till's records do to balances and rights at head office.
//! - [`catalogue`]: the chain's files as versioned entries, a till's snapshot and deltas.
//! - [`customers`]: customers merged from edits at several tills (registers of the `crdts` crate),
//!   the edits a till sends and the customers it pulls.
//! - [`tickets`]: a ticket of another till of the chain, as a till takes its lines back.
//! - [`wire`]: the routes and the shapes of head office's HTTP API, one definition for both sides.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ack;
pub mod auth;
pub mod catalogue;
pub mod customers;
pub mod push;
pub mod rights;
pub mod stock;
pub mod tickets;
pub mod web;
pub mod wire;
