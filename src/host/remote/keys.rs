//! vpt's common key names and how each transport spells them. A driver's `keys()` is exactly the
//! common names its table maps, so the UI never offers a key the device cannot receive.

use super::RemoteError;

pub use crate::protocol::keys::COMMON_KEYS;

/// Android `KeyEvent` codes (`input keyevent <code>`).
pub const ADB: &[(&str, u32)] = &[
    ("UP", 19),
    ("DOWN", 20),
    ("LEFT", 21),
    ("RIGHT", 22),
    ("OK", 23),
    ("BACK", 4),
    ("HOME", 3),
    ("MENU", 82),
    ("INFO", 165),
    ("GUIDE", 172),
    ("POWER", 26),
    ("VOLUME_UP", 24),
    ("VOLUME_DOWN", 25),
    ("MUTE", 164),
    ("CHANNEL_UP", 166),
    ("CHANNEL_DOWN", 167),
    ("0", 7),
    ("1", 8),
    ("2", 9),
    ("3", 10),
    ("4", 11),
    ("5", 12),
    ("6", 13),
    ("7", 14),
    ("8", 15),
    ("9", 16),
    ("PLAY", 126),
    ("PAUSE", 127),
    ("PLAY_PAUSE", 85),
    ("STOP", 86),
    ("REWIND", 89),
    ("FAST_FORWARD", 90),
    ("RECORD", 130),
    ("RED", 183),
    ("GREEN", 184),
    ("YELLOW", 185),
    ("BLUE", 186),
    ("SEARCH", 84),
    ("SETTINGS", 176),
    ("INPUT", 178),
    ("ENTER", 66),
    ("DELETE", 67),
];

/// Roku External Control Protocol key names (`POST /keypress/<name>`). Roku's one play key
/// toggles, so only PLAY_PAUSE maps to it; there is no separate play, pause or stop.
pub const ROKU: &[(&str, &str)] = &[
    ("UP", "Up"),
    ("DOWN", "Down"),
    ("LEFT", "Left"),
    ("RIGHT", "Right"),
    ("OK", "Select"),
    ("BACK", "Back"),
    ("HOME", "Home"),
    ("INFO", "Info"),
    ("POWER", "Power"),
    ("VOLUME_UP", "VolumeUp"),
    ("VOLUME_DOWN", "VolumeDown"),
    ("MUTE", "VolumeMute"),
    ("CHANNEL_UP", "ChannelUp"),
    ("CHANNEL_DOWN", "ChannelDown"),
    ("0", "Lit_0"),
    ("1", "Lit_1"),
    ("2", "Lit_2"),
    ("3", "Lit_3"),
    ("4", "Lit_4"),
    ("5", "Lit_5"),
    ("6", "Lit_6"),
    ("7", "Lit_7"),
    ("8", "Lit_8"),
    ("9", "Lit_9"),
    ("PLAY_PAUSE", "Play"),
    ("REWIND", "Rev"),
    ("FAST_FORWARD", "Fwd"),
    ("SEARCH", "Search"),
    ("ENTER", "Enter"),
    ("DELETE", "Backspace"),
    ("INPUT", "InputTuner"),
];

/// The Linux input names (`KEY_*`) lircd configurations conventionally use. A device's config
/// can override any of them (`keys = { OK = "KEY_ENTER" }`).
pub const LIRC: &[(&str, &str)] = &[
    ("UP", "KEY_UP"),
    ("DOWN", "KEY_DOWN"),
    ("LEFT", "KEY_LEFT"),
    ("RIGHT", "KEY_RIGHT"),
    ("OK", "KEY_OK"),
    ("BACK", "KEY_BACK"),
    ("HOME", "KEY_HOME"),
    ("MENU", "KEY_MENU"),
    ("INFO", "KEY_INFO"),
    ("GUIDE", "KEY_EPG"),
    ("EXIT", "KEY_EXIT"),
    ("POWER", "KEY_POWER"),
    ("VOLUME_UP", "KEY_VOLUMEUP"),
    ("VOLUME_DOWN", "KEY_VOLUMEDOWN"),
    ("MUTE", "KEY_MUTE"),
    ("CHANNEL_UP", "KEY_CHANNELUP"),
    ("CHANNEL_DOWN", "KEY_CHANNELDOWN"),
    ("0", "KEY_0"),
    ("1", "KEY_1"),
    ("2", "KEY_2"),
    ("3", "KEY_3"),
    ("4", "KEY_4"),
    ("5", "KEY_5"),
    ("6", "KEY_6"),
    ("7", "KEY_7"),
    ("8", "KEY_8"),
    ("9", "KEY_9"),
    ("PLAY", "KEY_PLAY"),
    ("PAUSE", "KEY_PAUSE"),
    ("PLAY_PAUSE", "KEY_PLAYPAUSE"),
    ("STOP", "KEY_STOP"),
    ("REWIND", "KEY_REWIND"),
    ("FAST_FORWARD", "KEY_FASTFORWARD"),
    ("RECORD", "KEY_RECORD"),
    ("RED", "KEY_RED"),
    ("GREEN", "KEY_GREEN"),
    ("YELLOW", "KEY_YELLOW"),
    ("BLUE", "KEY_BLUE"),
    ("SEARCH", "KEY_SEARCH"),
    ("SETTINGS", "KEY_SETUP"),
    ("INPUT", "KEY_VIDEO"),
    ("ENTER", "KEY_ENTER"),
    ("DELETE", "KEY_DELETE"),
];

/// Looks `key` up in a transport table; unknown keys list exactly the table's names.
pub fn lookup<T: Copy>(table: &[(&str, T)], key: &str) -> Result<T, RemoteError> {
    table
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, code)| *code)
        .ok_or_else(|| RemoteError::UnknownKey {
            key: key.to_string(),
            valid: names(table),
        })
}

/// The common names a table maps, in [`COMMON_KEYS`] order.
pub fn names<T>(table: &[(&str, T)]) -> Vec<String> {
    COMMON_KEYS
        .iter()
        .filter(|k| table.iter().any(|(name, _)| name == *k))
        .map(|k| k.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T>(table: &[(&str, T)]) {
        for (name, _) in table {
            assert!(COMMON_KEYS.contains(name), "{name} is not a common key");
        }
        assert_eq!(names(table).len(), table.len(), "duplicate entries");
    }

    #[test]
    fn tables_only_use_common_names_once() {
        check(ADB);
        check(ROKU);
        check(LIRC);
        for sim in crate::sim::KEYS {
            assert!(COMMON_KEYS.contains(sim), "sim key {sim}");
        }
    }

    #[test]
    fn unknown_key_lists_the_mapped_names() {
        match lookup(ROKU, "RECORD") {
            Err(RemoteError::UnknownKey { key, valid }) => {
                assert_eq!(key, "RECORD");
                assert!(valid.contains(&"OK".to_string()));
                assert!(!valid.contains(&"RECORD".to_string()));
                assert_eq!(valid, names(ROKU));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(lookup(ADB, "OK").unwrap(), 23);
    }
}
