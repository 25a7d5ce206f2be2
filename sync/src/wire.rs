//! The shapes of head office's HTTP API (`/api/v0/`), one definition for the server that answers
//! and the till that asks. The server's OpenAPI document is generated from these types.

use serde::{Deserialize, Serialize};

use crate::ack::Ack;
use crate::push::Quarantine;
use pos_journal::ChainName;

/// The path every route lives under.
pub const PREFIX: &str = "/api/v0";
/// Enrolment: `POST`, [`EnrolRequest`] → [`Enrolled`].
pub const ENROL: &str = "/api/v0/enrolments";
/// The push: `POST`, signed, [`crate::push::Batch`] → [`PushAnswer`].
pub const PUSH: &str = "/api/v0/push";
/// Where head office stands with the asking till's streams: `GET`, signed → [`Streams`].
pub const STREAMS: &str = "/api/v0/streams";
/// The stock levels that moved since the till's last pull: `GET ?since=N`, signed →
/// [`crate::stock::StockDelta`].
pub const STOCK: &str = "/api/v0/stock";
/// A web order from the shop: `POST`, `Authorization: Bearer TOKEN`, [`crate::web::WebOrder`] →
/// [`crate::web::WebOrderTaken`] (201 taken now, 200 taken before).
pub const WEB_ORDERS: &str = "/api/v0/web-orders";
/// What is addressed to the asking till: `GET`, signed → [`crate::web::Inbox`].
pub const INBOX: &str = "/api/v0/inbox";
/// A web order's lines and what of them came back (`GET`, signed by a till): its path is this
/// and the order's id, `/api/v0/web-orders/W-1042`.
pub const WEB_ORDER_RETURNS: &str = "/api/v0/web-orders/{order}";
/// A ticket of a till of the chain and what the other tills took back of it (a till signs the GET).
pub const TICKET_RETURNS: &str = "/api/v0/tickets/{ticket}";
/// A till asks for the right to spend part of a balance: `POST`, signed,
/// [`crate::rights::RightsRequest`] → [`crate::rights::RightsGrant`].
pub const RIGHTS: &str = "/api/v0/rights";
/// What changed in the chain's catalogue since the till's version: `GET ?since=V`, signed →
/// [`crate::catalogue::CatalogueDelta`].
pub const CATALOGUE: &str = "/api/v0/catalogue";
/// Customers: a till's edits (`POST`, signed, [`crate::customers::CustomerEdits`]), and those
/// changed since its version (`GET ?since=V`, signed → [`crate::customers::CustomerDelta`]).
pub const CUSTOMERS: &str = "/api/v0/customers";
/// Head office's health and public key: `GET` → [`Health`].
pub const HEALTH: &str = "/api/v0/health";
/// The OpenAPI document: `GET`.
pub const OPENAPI: &str = "/api/v0/openapi.json";

/// The request headers carrying [`crate::auth::Signed`].
pub mod header {
    /// The till.
    pub const TILL: &str = "x-pos-till";
    /// The time of the request, milliseconds since the epoch.
    pub const AT: &str = "x-pos-at";
    /// The nonce, hex.
    pub const NONCE: &str = "x-pos-nonce";
    /// The signature, hex.
    pub const SIGNATURE: &str = "x-pos-signature";
}

/// A till presenting its one-time code and its journal's public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The code `pos-server enroll` printed (`ABCD-EFGH-JKMN`).
    pub code: String,
    /// The till presenting it (`LYO-1`): a code made for another till is refused, and not spent.
    pub till: String,
    /// The public key the till's journal started with, hex (64 digits).
    pub journal_key: String,
}

/// A till enrolled: who head office knows it as, and head office's public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrolled {
    /// `LYO-1`.
    pub till: String,
    /// `LYO`.
    pub store: String,
    /// 1.
    pub number: u32,
    /// Head office's public key (acknowledgements are signed with it), hex.
    pub server_key: String,
}

/// What head office did with a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushAnswer {
    /// Records stored now.
    pub accepted: u64,
    /// Records of the batch head office held already (sent again after a cut).
    pub duplicates: u64,
    /// The last record head office holds of this stream, signed; none before the first.
    pub ack: Option<Ack>,
    /// Set when the batch met a gap, fork or broken record: the records before it are kept, the
    /// stream takes nothing more until head office has dealt with it.
    pub quarantine: Option<Quarantine>,
}

/// One of the till's streams as head office holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamView {
    /// The chain.
    pub chain: ChainName,
    /// The last record held (0 before the first).
    pub last_seq: u64,
    /// Its acknowledgement, signed.
    pub ack: Option<Ack>,
    /// The quarantine, if the stream is in one.
    pub quarantine: Option<Quarantine>,
}

/// The asking till's streams.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Streams {
    /// The till.
    pub till: String,
    /// Its streams, by chain.
    pub streams: Vec<StreamView>,
}

/// Head office answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Head office's public key, hex.
    pub server_key: String,
}

/// Why head office refused a request: a stable code for programs, and a sentence for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not the JSON this route takes (400).
    MalformedBody,
    /// The body is larger than the route takes (413).
    BodyTooLarge,
    /// No such route (404).
    NotFound,
    /// No such web order (404).
    UnknownWebOrder,
    /// No such ticket at head office (404).
    UnknownTicket,
    /// The route takes another method (405).
    MethodNotAllowed,
    /// The request took too long (408).
    Timeout,
    /// The signature headers are missing or not what a till sends (401).
    AuthMalformed,
    /// The request's time is too far from head office's clock (401).
    AuthStale,
    /// The request was already received (401).
    AuthReplayed,
    /// The request is not signed by the till's key (401).
    AuthBadSignature,
    /// The till is not enrolled (401).
    NotEnrolled,
    /// The batch names another till than the one signing it (403).
    WrongTill,
    /// The enrolment code is unknown (403).
    EnrolmentCodeUnknown,
    /// The enrolment code was already used (403).
    EnrolmentCodeUsed,
    /// The enrolment code expired (403).
    EnrolmentCodeExpired,
    /// The enrolment code was made for another till (403).
    EnrolmentCodeOtherTill,
    /// The till is enrolled with another key (409).
    TillAlreadyEnrolled,
    /// The stream is in quarantine: nothing is taken until head office deals with it (409).
    StreamQuarantined,
    /// A record of the batch does not read (400).
    MalformedRecord,
    /// The query string is not what the route takes (400).
    MalformedQuery,
    /// The web shop's token is missing or unknown (401).
    ShopNotAuthorised,
    /// A web order's field is wrong (422): the message says which.
    InvalidWebOrder,
    /// A click & collect order names a store with no till enrolled (422).
    UnknownStore,
    /// A customer's edit is wrong (422): the message says which and why.
    InvalidCustomerEdit,
    /// Another order was taken under this order id (409).
    WebOrderConflict,
    /// Head office does not hold enough of that balance's rights (409): other tills hold the rest.
    RightsShort,
    /// Head office knows no gift card or credit note of that number (404).
    UnknownVoucher,
    /// A request's field is wrong (422): the message says which.
    InvalidRequest,
    /// Head office's database is unavailable (503): try again later, nothing was kept.
    Unavailable,
}

/// A refusal's body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong and what to do, for people.
    pub message: String,
    /// The stream's quarantine, when that is why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<Quarantine>,
}
