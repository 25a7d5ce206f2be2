//! Serial line settings (speed, data bits, parity, stop bits), and the parity a 7-bit line carries
//! in the eighth bit.
//!
//! ## Seven data bits with parity, framed by the link
//! On the wire a 7E1 character is a start bit, seven data bits, the parity bit and a stop bit: ten
//! bits, exactly the shape of an 8N1 character whose eighth bit is the parity. [`crate::link::SerialLink`]
//! therefore runs 7E1, 7O1, 7E2 and 7O2 lines as 8N1 (or 8N2) and puts the parity into the eighth
//! bit itself, checking it on the way in. The device sees the same signal as from a UART set to 7E1;
//! the link works the same on USB-serial adapters that cannot do seven data bits and on
//! pseudo-terminals (which carry bytes, not signals, and ignore every line setting); and a byte that
//! arrives with the wrong parity is counted ([`crate::link::Link::line_errors`]), which is how a
//! technician learns that the device is set to another frame.

use std::fmt;

/// Data bits per character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataBits {
    /// Seven (ASCII devices: scales, card terminals).
    Seven,
    /// Eight.
    Eight,
}

/// Parity of a serial line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Parity {
    /// None.
    None,
    /// Even.
    Even,
    /// Odd.
    Odd,
}

/// Stop bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StopBits {
    /// One.
    One,
    /// Two.
    Two,
}

/// The shape of each character on the line: `8N1`, `7E1`, `7O1` ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    /// Data bits.
    pub data_bits: DataBits,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: StopBits,
}

/// Speeds a serial device is set to; anything else is refused rather than passed to the port.
pub const BAUDS: [u32; 8] = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115_200];

/// Speed and frame of a serial line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LineSettings {
    /// Bits per second, one of [`BAUDS`].
    pub baud: u32,
    /// Character frame.
    pub frame: Frame,
}

impl Frame {
    /// 8 data bits, no parity, 1 stop bit.
    pub const F8N1: Frame =
        Frame { data_bits: DataBits::Eight, parity: Parity::None, stop_bits: StopBits::One };
    /// 7 data bits, even parity, 1 stop bit.
    pub const F7E1: Frame =
        Frame { data_bits: DataBits::Seven, parity: Parity::Even, stop_bits: StopBits::One };
    /// 7 data bits, odd parity, 1 stop bit.
    pub const F7O1: Frame =
        Frame { data_bits: DataBits::Seven, parity: Parity::Odd, stop_bits: StopBits::One };

    /// Reads `8N1`, `7E1`, `7O2` ... (data bits 7 or 8, parity N, E or O, stop bits 1 or 2).
    pub fn parse(text: &str) -> Option<Frame> {
        let b = text.as_bytes();
        if b.len() != 3 {
            return None;
        }
        let data_bits = match b[0] {
            b'7' => DataBits::Seven,
            b'8' => DataBits::Eight,
            _ => return None,
        };
        let parity = match b[1].to_ascii_uppercase() {
            b'N' => Parity::None,
            b'E' => Parity::Even,
            b'O' => Parity::Odd,
            _ => return None,
        };
        let stop_bits = match b[2] {
            b'1' => StopBits::One,
            b'2' => StopBits::Two,
            _ => return None,
        };
        Some(Frame { data_bits, parity, stop_bits })
    }

    /// The parity the link puts into the eighth bit itself: `Some` for seven data bits with
    /// parity (see the module's documentation).
    pub fn software_parity(self) -> Option<Parity> {
        (self.data_bits == DataBits::Seven && self.parity != Parity::None).then_some(self.parity)
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = match self.data_bits {
            DataBits::Seven => '7',
            DataBits::Eight => '8',
        };
        let p = match self.parity {
            Parity::None => 'N',
            Parity::Even => 'E',
            Parity::Odd => 'O',
        };
        let s = match self.stop_bits {
            StopBits::One => '1',
            StopBits::Two => '2',
        };
        write!(f, "{d}{p}{s}")
    }
}

impl LineSettings {
    /// 9600 baud, 8N1: printers, scanners.
    pub const B9600_8N1: LineSettings = LineSettings { baud: 9600, frame: Frame::F8N1 };
    /// 9600 baud, 7E1: Toledo scales, Concert terminals.
    pub const B9600_7E1: LineSettings = LineSettings { baud: 9600, frame: Frame::F7E1 };
    /// 9600 baud, 7O1: Dialog 06 scales.
    pub const B9600_7O1: LineSettings = LineSettings { baud: 9600, frame: Frame::F7O1 };

    /// Reads `9600,7E1`.
    pub fn parse(text: &str) -> Option<LineSettings> {
        let (baud, frame) = text.split_once(',')?;
        Some(LineSettings { baud: parse_baud(baud)?, frame: Frame::parse(frame)? })
    }
}

impl fmt::Display for LineSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.baud, self.frame)
    }
}

/// A speed among [`BAUDS`].
pub fn parse_baud(text: &str) -> Option<u32> {
    text.parse().ok().filter(|b| BAUDS.contains(b))
}

/// The character as it goes on the wire: seven bits and `parity` in the eighth.
pub fn with_parity(byte: u8, parity: Parity) -> u8 {
    let c = byte & 0x7f;
    let odd_ones = c.count_ones() % 2 == 1;
    let bit = match parity {
        Parity::None => false,
        Parity::Even => odd_ones,
        Parity::Odd => !odd_ones,
    };
    c | if bit { 0x80 } else { 0 }
}

/// The character a 7-bit line carried, and whether its parity bit was right.
pub fn check_parity(byte: u8, parity: Parity) -> (u8, bool) {
    (byte & 0x7f, with_parity(byte, parity) == byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_speeds_read_and_print_back() {
        for text in ["8N1", "7E1", "7O1", "7E2", "8E1", "8N2"] {
            assert_eq!(Frame::parse(text).unwrap().to_string(), text);
        }
        for bad in ["9N1", "7X1", "7E3", "7E", "7E11", ""] {
            assert_eq!(Frame::parse(bad), None, "{bad}");
        }
        assert_eq!(LineSettings::parse("9600,7E1"), Some(LineSettings::B9600_7E1));
        assert_eq!(LineSettings::B9600_7O1.to_string(), "9600,7O1");
        assert_eq!(LineSettings::parse("9601,7E1"), None, "not a speed a device is set to");
        assert_eq!(LineSettings::parse("-9600,7E1"), None);
    }

    #[test]
    fn parity_goes_into_the_eighth_bit_and_is_checked() {
        // 'W' = 0x57 has five ones: even parity sets the eighth bit, odd parity does not.
        assert_eq!(with_parity(b'W', Parity::Even), 0xd7);
        assert_eq!(with_parity(b'W', Parity::Odd), 0x57);
        // STX has one: even parity sets it.
        assert_eq!(with_parity(0x02, Parity::Even), 0x82);
        assert_eq!(check_parity(0xd7, Parity::Even), (b'W', true));
        assert_eq!(check_parity(0x57, Parity::Even), (b'W', false));
        for c in 0u8..=0x7f {
            for p in [Parity::Even, Parity::Odd] {
                let wire = with_parity(c, p);
                assert_eq!(check_parity(wire, p), (c, true));
                let ones = wire.count_ones();
                assert_eq!(ones.is_multiple_of(2), p == Parity::Even, "{c:#x} {p:?}");
            }
        }
    }
}
