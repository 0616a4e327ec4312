//! vpt's common key names, which test steps, tree edges, keymaps and the config all speak, and
//! the check of the words a lirc remote is named by (the config validates them before the host
//! starts). How each transport spells a key is the host's business (`host::remote::keys`).

/// Every common key name, in the order a remote UI lists them.
pub const COMMON_KEYS: &[&str] = &[
    "UP",
    "DOWN",
    "LEFT",
    "RIGHT",
    "OK",
    "BACK",
    "HOME",
    "MENU",
    "INFO",
    "GUIDE",
    "EXIT",
    "POWER",
    "VOLUME_UP",
    "VOLUME_DOWN",
    "MUTE",
    "CHANNEL_UP",
    "CHANNEL_DOWN",
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
    "PLAY",
    "PAUSE",
    "PLAY_PAUSE",
    "STOP",
    "REWIND",
    "FAST_FORWARD",
    "RECORD",
    "RED",
    "GREEN",
    "YELLOW",
    "BLUE",
    "SEARCH",
    "SETTINGS",
    "INPUT",
    "ENTER",
    "DELETE",
];

/// Checks a lirc remote or key name before it goes into a lircd command line.
pub fn check_lirc_word(what: &str, word: &str) -> Result<(), String> {
    if word.is_empty() || word.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(format!("lirc {what} `{word}` must be one word"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lirc_words() {
        assert!(check_lirc_word("remote", "my remote").is_err());
        assert!(check_lirc_word("key", "KEY_OK").is_ok());
        assert!(check_lirc_word("key", "").is_err());
    }
}
