//! # pos-journal: the fiscal journal's records, for the till, head office and an inspector
//!
//! What a till's journal holds, readable and checkable without the till: the record header and
//! every body as typed Rust ([`body::Entry`]), the canonical bytes ([`encode`], [`decode`]), the
//! chained hash ([`chain_hash`]), the signature rule ([`signature`]), the key ring a journal hands
//! over from key to key ([`keys`]), the walk that checks a sequence of records ([`check`]) and the
//! check of a signed archive ([`archive`]).
//!
//! Pure: no database, no clock, no file, no network, no randomness (`cargo xtask test` checks its
//! dependency tree holds neither `pos-till` nor SQLite). The `pos-journal` command built from this
//! crate is the auditor's tool: `pos-journal verify FILE` checks an archive or a journal export with
//! the public keys it carries, optionally pinned by `--expect-key`.
//!
//! Format 1 is frozen: the golden tests in `tests/journal.rs` hold the canonical bytes and hash of a
//! record, and the till's tests re-encode every record of whole journals byte for byte.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod archive;
pub mod body;
pub mod check;
pub mod export;
pub mod keys;
pub mod record;
pub mod signature;

pub use record::{
    ChainName, FORMAT, GENESIS, Header, Kind, RecordError, canonical, chain_hash, decode, encode,
    fingerprint, fingerprint_matches, hex, sha256, unhex,
};
