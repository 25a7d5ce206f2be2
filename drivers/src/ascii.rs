//! The control characters the serial protocols (scales, Concert) frame with.

/// Start of text.
pub const STX: u8 = 0x02;
/// End of text.
pub const ETX: u8 = 0x03;
/// End of transmission.
pub const EOT: u8 = 0x04;
/// Enquiry.
pub const ENQ: u8 = 0x05;
/// Acknowledge.
pub const ACK: u8 = 0x06;
/// Negative acknowledge.
pub const NAK: u8 = 0x15;
/// Escape (Dialog 06's field separator).
pub const ESC: u8 = 0x1b;
/// Carriage return (Toledo 8217's end of frame).
pub const CR: u8 = 0x0d;
