//! Remote-control keys understood by the simulated set-top box.

/// Every key name the simulator accepts, in the order a remote UI should list them.
pub const KEYS: &[&str] = &[
    "UP",
    "DOWN",
    "LEFT",
    "RIGHT",
    "OK",
    "BACK",
    "HOME",
    "MENU",
    "CHANNEL_UP",
    "CHANNEL_DOWN",
    "VOLUME_UP",
    "VOLUME_DOWN",
    "MUTE",
    "POWER",
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
];

/// A parsed remote key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Up,
    Down,
    Left,
    Right,
    Ok,
    Back,
    Home,
    Menu,
    ChannelUp,
    ChannelDown,
    VolumeUp,
    VolumeDown,
    Mute,
    Power,
    Digit(u8),
}

impl Key {
    /// Parses an exact (uppercase) key name from [`KEYS`].
    pub(crate) fn parse(name: &str) -> Option<Key> {
        let key = match name {
            "UP" => Key::Up,
            "DOWN" => Key::Down,
            "LEFT" => Key::Left,
            "RIGHT" => Key::Right,
            "OK" => Key::Ok,
            "BACK" => Key::Back,
            "HOME" => Key::Home,
            "MENU" => Key::Menu,
            "CHANNEL_UP" => Key::ChannelUp,
            "CHANNEL_DOWN" => Key::ChannelDown,
            "VOLUME_UP" => Key::VolumeUp,
            "VOLUME_DOWN" => Key::VolumeDown,
            "MUTE" => Key::Mute,
            "POWER" => Key::Power,
            _ => {
                let mut chars = name.chars();
                let digit = chars.next()?.to_digit(10)?;
                if chars.next().is_some() {
                    return None;
                }
                // `to_digit(10)` yields 0..=9, which always fits in a u8.
                Key::Digit(digit as u8)
            }
        };
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_key_parses() {
        for name in KEYS {
            assert!(Key::parse(name).is_some(), "{name} should parse");
        }
    }

    #[test]
    fn unknown_and_lowercase_names_are_rejected() {
        for name in ["", "up", "Ok", "10", "X", "VOLUME", "٣"] {
            assert_eq!(Key::parse(name), None, "{name:?} should be rejected");
        }
    }
}
