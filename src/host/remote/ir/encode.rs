//! Infrared encoders: a protocol, an address and a command become pulse/space durations in
//! microseconds, as the kernel's LIRC_MODE_PULSE transmitters take them (pulse first, pulse
//! last, alternating). Pure: unit-tested against the protocols' published timings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Nec,
    Samsung,
    Sony,
    Rc5,
    Rc6,
    Raw,
}

/// An encoded key: its carrier, the first frame, what repeats while the key is held, and the
/// start-to-start period of frames.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub carrier_hz: u32,
    pub frame: Vec<u32>,
    pub repeat: Vec<u32>,
    pub period_us: u32,
    /// Frames a single press sends (Sony receivers want three).
    pub min_frames: u32,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EncodeError {
    #[error("{protocol:?} {field} {value} is out of range (0..={max})")]
    Range {
        protocol: Protocol,
        field: &'static str,
        value: u32,
        max: u32,
    },
    #[error("raw timings must be an odd number (pulse first and last) of durations above 0")]
    BadRaw,
    #[error("{0}")]
    Missing(String),
}

const NEC_UNIT: u32 = 562;
const SAMSUNG_UNIT: u32 = 560;
const SONY_UNIT: u32 = 600;
const RC5_HALF: u32 = 889;
const RC6_UNIT: u32 = 444;

fn check(protocol: Protocol, field: &'static str, value: u32, max: u32) -> Result<(), EncodeError> {
    if value > max {
        Err(EncodeError::Range {
            protocol,
            field,
            value,
            max,
        })
    } else {
        Ok(())
    }
}

/// Pulse-distance bits (NEC family): every bit a unit pulse, the space tells 0 from 1.
fn push_lsb_first(out: &mut Vec<u32>, value: u32, bits: u32, pulse: u32, zero: u32, one: u32) {
    for bit in 0..bits {
        out.push(pulse);
        out.push(if value >> bit & 1 == 1 { one } else { zero });
    }
}

/// NEC: 9 ms + 4.5 ms leader, address, inverted address (or a 16-bit extended address),
/// command, inverted command, LSB first; held keys repeat a short 9 ms + 2.25 ms code.
pub fn nec(address: u32, command: u32) -> Result<Signal, EncodeError> {
    check(Protocol::Nec, "address", address, 0xffff)?;
    check(Protocol::Nec, "command", command, 0xff)?;
    let address_bits = if address > 0xff {
        address
    } else {
        address | ((!address & 0xff) << 8)
    };
    let mut frame = vec![16 * NEC_UNIT, 8 * NEC_UNIT];
    push_lsb_first(
        &mut frame,
        address_bits,
        16,
        NEC_UNIT,
        NEC_UNIT,
        3 * NEC_UNIT,
    );
    push_lsb_first(
        &mut frame,
        command | ((!command & 0xff) << 8),
        16,
        NEC_UNIT,
        NEC_UNIT,
        3 * NEC_UNIT,
    );
    frame.push(NEC_UNIT);
    Ok(Signal {
        carrier_hz: 38_000,
        frame,
        repeat: vec![16 * NEC_UNIT, 4 * NEC_UNIT, NEC_UNIT],
        period_us: 108_000,
        min_frames: 1,
    })
}

/// Samsung (32-bit, TVs): 4.5 ms + 4.5 ms leader, address twice, command, inverted command.
pub fn samsung(address: u32, command: u32) -> Result<Signal, EncodeError> {
    check(Protocol::Samsung, "address", address, 0xff)?;
    check(Protocol::Samsung, "command", command, 0xff)?;
    let mut frame = vec![4500, 4500];
    push_lsb_first(
        &mut frame,
        address | (address << 8),
        16,
        SAMSUNG_UNIT,
        SAMSUNG_UNIT,
        1690,
    );
    push_lsb_first(
        &mut frame,
        command | ((!command & 0xff) << 8),
        16,
        SAMSUNG_UNIT,
        SAMSUNG_UNIT,
        1690,
    );
    frame.push(SAMSUNG_UNIT);
    Ok(Signal {
        carrier_hz: 38_000,
        repeat: frame.clone(),
        frame,
        period_us: 108_000,
        min_frames: 1,
    })
}

/// Sony SIRC: 2.4 ms leader, 7 command bits then 5, 8 or 13 address bits, LSB first; a bit is
/// a 1.2 ms (1) or 0.6 ms (0) pulse and a 0.6 ms space; frames every 45 ms, at least three.
pub fn sony(address: u32, command: u32, bits: u32) -> Result<Signal, EncodeError> {
    let address_bits = match bits {
        12 => 5,
        15 => 8,
        20 => 13,
        _ => {
            return Err(EncodeError::Missing(format!(
                "sony bits must be 12, 15 or 20 (got {bits})"
            )));
        }
    };
    check(Protocol::Sony, "command", command, 0x7f)?;
    check(Protocol::Sony, "address", address, (1 << address_bits) - 1)?;
    let word = command | (address << 7);
    let mut frame = vec![4 * SONY_UNIT];
    for bit in 0..bits {
        frame.push(SONY_UNIT);
        frame.push(if word >> bit & 1 == 1 {
            2 * SONY_UNIT
        } else {
            SONY_UNIT
        });
    }
    Ok(Signal {
        carrier_hz: 40_000,
        repeat: frame.clone(),
        frame,
        period_us: 45_000,
        min_frames: 3,
    })
}

/// Builds a pulse/space list from (pulse?, duration) halves: equal neighbours merge, and
/// leading and trailing spaces go (the line is idle then anyway).
fn from_levels(levels: impl IntoIterator<Item = (bool, u32)>) -> Vec<u32> {
    let mut merged: Vec<(bool, u32)> = Vec::new();
    for (pulse, duration) in levels {
        if merged.is_empty() && !pulse {
            continue;
        }
        match merged.last_mut() {
            Some((last, total)) if *last == pulse => *total += duration,
            _ => merged.push((pulse, duration)),
        }
    }
    if merged.last().is_some_and(|(pulse, _)| !pulse) {
        merged.pop();
    }
    merged.into_iter().map(|(_, d)| d).collect()
}

/// Philips RC5: 14 Manchester bits of 1.778 ms (start, field = inverted command bit 6, toggle,
/// 5 address bits, 6 command bits, MSB first); a 1 is space-then-pulse.
pub fn rc5(address: u32, command: u32, toggle: bool) -> Result<Signal, EncodeError> {
    check(Protocol::Rc5, "address", address, 0x1f)?;
    check(Protocol::Rc5, "command", command, 0x7f)?;
    let field = command & 0x40 == 0;
    let mut bits = vec![true, field, toggle];
    bits.extend((0..5).rev().map(|i| address >> i & 1 == 1));
    bits.extend((0..6).rev().map(|i| command >> i & 1 == 1));
    let frame = from_levels(
        bits.into_iter()
            .flat_map(|b| [(!b, RC5_HALF), (b, RC5_HALF)]),
    );
    Ok(Signal {
        carrier_hz: 36_000,
        repeat: frame.clone(),
        frame,
        period_us: 113_778,
        min_frames: 1,
    })
}

/// Philips RC6 mode 0: 6t pulse + 2t space leader, start bit, 3 mode bits, a double-width
/// toggle bit, 8 address and 8 command bits, MSB first, t = 444 µs; a 1 is pulse-then-space.
pub fn rc6(address: u32, command: u32, toggle: bool) -> Result<Signal, EncodeError> {
    check(Protocol::Rc6, "address", address, 0xff)?;
    check(Protocol::Rc6, "command", command, 0xff)?;
    let t = RC6_UNIT;
    let mut levels = vec![(true, 6 * t), (false, 2 * t)];
    let bit = |b: bool, width: u32| [(b, width), (!b, width)];
    levels.extend(bit(true, t));
    for _ in 0..3 {
        levels.extend(bit(false, t));
    }
    levels.extend(bit(toggle, 2 * t));
    for i in (0..8).rev() {
        levels.extend(bit(address >> i & 1 == 1, t));
    }
    for i in (0..8).rev() {
        levels.extend(bit(command >> i & 1 == 1, t));
    }
    let frame = from_levels(levels);
    Ok(Signal {
        carrier_hz: 36_000,
        repeat: frame.clone(),
        frame,
        period_us: 106_000,
        min_frames: 1,
    })
}

/// Timings given as they are (learnt with `mode2`, or from a database).
pub fn raw(timings: &[u32], carrier_hz: u32, gap_us: u32) -> Result<Signal, EncodeError> {
    if timings.is_empty() || timings.len().is_multiple_of(2) || timings.contains(&0) {
        return Err(EncodeError::BadRaw);
    }
    let length: u32 = timings.iter().sum();
    Ok(Signal {
        carrier_hz,
        frame: timings.to_vec(),
        repeat: timings.to_vec(),
        period_us: length.saturating_add(gap_us),
        min_frames: 1,
    })
}

impl Signal {
    /// What to write for one press held `hold_us`: the frame (at least `min_frames` times),
    /// then repeats at the protocol's period for as long as the key is held.
    pub fn sequence(&self, hold_us: u64) -> Vec<u32> {
        let mut out = self.frame.clone();
        let mut elapsed = u64::from(self.period_us);
        let mut frames = 1;
        let mut last_len: u32 = self.frame.iter().sum();
        while frames < self.min_frames || elapsed < hold_us {
            // Idle until the next frame starts; at least 5 ms so receivers see two frames.
            out.push(self.period_us.saturating_sub(last_len).max(5_000));
            out.extend_from_slice(&self.repeat);
            last_len = self.repeat.iter().sum();
            elapsed += u64::from(self.period_us);
            frames += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(v: &[u32]) -> u32 {
        v.iter().sum()
    }

    #[test]
    fn nec_frame_has_the_published_shape() {
        let s = nec(0x04, 0x08).unwrap();
        assert_eq!(s.frame.len(), 2 + 64 + 1);
        assert_eq!(&s.frame[..2], &[8992, 4496]);
        // Address 0x04 LSB first: 0,0,1,0,0,0,0,0; then its inverse 0xFB: 1,1,0,1,1,1,1,1.
        let spaces: Vec<u32> = s.frame[2..66].iter().skip(1).step_by(2).copied().collect();
        let bits: String = spaces
            .iter()
            .map(|&d| if d == 1686 { '1' } else { '0' })
            .collect();
        assert_eq!(&bits[..16], "0010000011011111");
        // Command 0x08 then 0xF7.
        assert_eq!(&bits[16..], "0001000011101111");
        assert_eq!(s.repeat, vec![8992, 2248, 562]);
        assert_eq!(s.carrier_hz, 38_000);
        assert!(nec(0x1_0000, 1).is_err());
        assert!(nec(1, 0x100).is_err());
    }

    #[test]
    fn extended_nec_sends_sixteen_address_bits() {
        let s = nec(0xbf40, 0x12).unwrap();
        let first_space_bits: String = s.frame[2..34]
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&d| if d == 1686 { '1' } else { '0' })
            .collect();
        // 0xBF40 LSB first.
        assert_eq!(first_space_bits, "0000001011111101");
    }

    /// lircd 0.10.1's `file` driver output for a Samsung remote (pre_data 0xE0E0, KEY_UP
    /// 0x06F9, header 4500 4500, one 560 1690, zero 560 560, ptrail 560). lircd writes bits MSB
    /// first, so 0xE0 is address 0x07 and 0x06 is command 0x60 in Samsung's LSB-first order.
    #[test]
    fn samsung_matches_lircd() {
        let word: u32 = 0xE0E0_06F9;
        let mut expected = vec![4500, 4500];
        for bit in (0..32).rev() {
            expected.push(560);
            expected.push(if word >> bit & 1 == 1 { 1690 } else { 560 });
        }
        expected.push(560);
        let s = samsung(0x07, 0x60).unwrap();
        assert_eq!(s.frame, expected);
        // lircd's CONST_LENGTH gap after that frame: 108000 - 61220.
        assert_eq!(s.sequence(150_000)[67], 46_780);
    }

    #[test]
    fn sony_power_is_0xa90() {
        let s = sony(1, 21, 12).unwrap();
        // Leader pulse, then (space, pulse) per bit: the pulse width carries the bit.
        let bits: String = s.frame[2..]
            .iter()
            .step_by(2)
            .map(|&d| if d == 1200 { '1' } else { '0' })
            .collect();
        // Sent order 1010 1001 0000 is the well-known Sony TV power code 0xA90.
        assert_eq!(bits, "101010010000");
        assert_eq!(s.frame[0], 2400);
        assert_eq!(s.frame.len(), 1 + 24, "ends with the last bit's pulse");
        assert!(s.frame[1..].iter().step_by(2).all(|&d| d == 600));
        let seq = s.sequence(0);
        assert_eq!(seq.len(), 3 * s.frame.len() + 2, "three frames");
        assert_eq!(seq[s.frame.len()], 45_000 - total(&s.frame));
        assert!(sony(32, 1, 12).is_err());
        assert!(sony(1, 1, 13).is_err());
    }

    #[test]
    fn rc5_is_manchester_with_leading_space_dropped() {
        let s = rc5(0, 0, false).unwrap();
        let mut expected = vec![889, 889, 1778, 889];
        for _ in 0..11 {
            expected.extend([889, 889]);
        }
        expected.pop();
        assert_eq!(s.frame, expected);
        assert_eq!(total(&s.frame), 14 * 1778 - 2 * 889);
        // The toggle bit flips the third bit's halves.
        assert_ne!(rc5(0, 0, true).unwrap().frame, s.frame);
        // Command 64+ clears the field bit: the second bit becomes pulse-first.
        assert_eq!(&rc5(0, 64, false).unwrap().frame[..2], &[889 * 2, 889]);
        assert!(rc5(32, 0, false).is_err());
    }

    #[test]
    fn rc6_mode0_has_leader_start_mode_and_double_toggle() {
        let s = rc6(0, 0, false).unwrap();
        let mut expected = vec![2664, 888, 444, 888, 444, 444, 444, 444, 444, 888, 888];
        for _ in 0..16 {
            expected.extend([444, 444]);
        }
        assert_eq!(s.frame, expected);
        assert_eq!(s.frame.len() % 2, 1);
        assert!(rc6(256, 0, false).is_err());
    }

    #[test]
    fn raw_timings_are_checked() {
        assert!(raw(&[9000, 4500], 38_000, 40_000).is_err());
        assert!(raw(&[9000, 0, 560], 38_000, 40_000).is_err());
        let s = raw(&[9000, 4500, 560], 38_000, 40_000).unwrap();
        assert_eq!(s.period_us, 54_060);
        assert_eq!(s.sequence(0), vec![9000, 4500, 560]);
        assert_eq!(s.sequence(100_000).len(), 3 + 1 + 3);
    }
}
