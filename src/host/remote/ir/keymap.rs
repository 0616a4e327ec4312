//! IR keymaps: TOML files naming, per common key, what to transmit. See docs/drivers.md.
//!
//! ```toml
//! name = "Samsung TV"
//! protocol = "samsung"    # nec, samsung, sony, rc5, rc6 or raw: the default of every key
//! address = 0x07          # default address
//! # bits = 12             # sony only: 12, 15 or 20
//! # carrier_hz = 38000    # default: the protocol's
//! [keys]
//! POWER = 0x02                                      # a command with the defaults above
//! OK = { protocol = "nec", address = 0x04, command = 0x44 }
//! RED = { raw = [9000, 4500, 560, 560, 560], carrier_hz = 38000 }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::encode::{self, EncodeError, Protocol, Signal};
use crate::protocol::keys::COMMON_KEYS;

/// Idle time after a raw frame before it repeats, unless the keymap says otherwise.
const DEFAULT_RAW_GAP_US: u32 = 40_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    protocol: Option<Protocol>,
    #[serde(default)]
    address: Option<u32>,
    #[serde(default)]
    bits: Option<u32>,
    #[serde(default)]
    carrier_hz: Option<u32>,
    #[serde(default)]
    gap_us: Option<u32>,
    keys: BTreeMap<String, KeyEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KeyEntry {
    Command(u32),
    Full(FullEntry),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FullEntry {
    #[serde(default)]
    protocol: Option<Protocol>,
    #[serde(default)]
    address: Option<u32>,
    #[serde(default)]
    command: Option<u32>,
    #[serde(default)]
    bits: Option<u32>,
    #[serde(default)]
    raw: Option<Vec<u32>>,
    #[serde(default)]
    carrier_hz: Option<u32>,
}

/// One key, resolved against the keymap's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySpec {
    pub protocol: Protocol,
    pub address: u32,
    pub command: u32,
    pub bits: u32,
    pub raw: Vec<u32>,
    pub carrier_hz: Option<u32>,
    pub gap_us: u32,
}

impl KeySpec {
    /// Encodes the key; `toggle` is the RC5/RC6 toggle bit, which flips between presses.
    pub fn encode(&self, toggle: bool) -> Result<Signal, EncodeError> {
        let mut signal = match self.protocol {
            Protocol::Nec => encode::nec(self.address, self.command)?,
            Protocol::Samsung => encode::samsung(self.address, self.command)?,
            Protocol::Sony => encode::sony(self.address, self.command, self.bits)?,
            Protocol::Rc5 => encode::rc5(self.address, self.command, toggle)?,
            Protocol::Rc6 => encode::rc6(self.address, self.command, toggle)?,
            Protocol::Raw => encode::raw(&self.raw, 38_000, self.gap_us)?,
        };
        if let Some(carrier) = self.carrier_hz {
            signal.carrier_hz = carrier;
        }
        Ok(signal)
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub name: String,
    /// In common-key order.
    pub keys: Vec<(String, KeySpec)>,
}

impl Keymap {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read keymap {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("keymap {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: KeymapFile =
            toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
        let mut keys = Vec::new();
        for (name, entry) in &file.keys {
            if !COMMON_KEYS.contains(&name.as_str()) {
                return Err(format!(
                    "`{name}` is not a vpt key name; use one of {}",
                    COMMON_KEYS.join(", ")
                ));
            }
            let spec = file.resolve(name, entry)?;
            spec.encode(false).map_err(|e| format!("key {name}: {e}"))?;
            keys.push((name.clone(), spec));
        }
        if keys.is_empty() {
            return Err("[keys] is empty".into());
        }
        keys.sort_by_key(|(name, _)| COMMON_KEYS.iter().position(|k| k == name));
        Ok(Self {
            name: file.name.clone().unwrap_or_default(),
            keys,
        })
    }

    pub fn get(&self, key: &str) -> Option<&KeySpec> {
        self.keys.iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }

    pub fn names(&self) -> Vec<String> {
        self.keys.iter().map(|(k, _)| k.clone()).collect()
    }
}

impl KeymapFile {
    fn resolve(&self, name: &str, entry: &KeyEntry) -> Result<KeySpec, String> {
        let missing = |what: &str| format!("key {name}: no {what} (give it here or at the top)");
        let (protocol, address, command, bits, raw, carrier) = match entry {
            KeyEntry::Command(command) => (None, None, Some(*command), None, None, None),
            KeyEntry::Full(full) => (
                full.protocol,
                full.address,
                full.command,
                full.bits,
                full.raw.clone(),
                full.carrier_hz,
            ),
        };
        let protocol = match (protocol, &raw) {
            (Some(p), _) => p,
            (None, Some(_)) => Protocol::Raw,
            (None, None) => self.protocol.ok_or_else(|| missing("protocol"))?,
        };
        let raw = raw.unwrap_or_default();
        let (address, command) = if protocol == Protocol::Raw {
            if raw.is_empty() {
                return Err(format!("key {name}: protocol raw needs `raw = [...]`"));
            }
            (0, 0)
        } else {
            (
                address.or(self.address).ok_or_else(|| missing("address"))?,
                command.ok_or_else(|| missing("command"))?,
            )
        };
        Ok(KeySpec {
            protocol,
            address,
            command,
            bits: bits.or(self.bits).unwrap_or(12),
            raw,
            carrier_hz: carrier.or(self.carrier_hz),
            gap_us: self.gap_us.unwrap_or(DEFAULT_RAW_GAP_US),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_keymaps_load() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/keymaps");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let keymap = Keymap::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(keymap.get("POWER").is_some(), "{}", path.display());
            count += 1;
        }
        assert!(count >= 3);
    }

    #[test]
    fn defaults_and_per_key_entries() {
        let keymap = Keymap::parse(
            "protocol = \"samsung\"\naddress = 7\n[keys]\nUP = 0x60\n\
             OK = { protocol = \"nec\", address = 4, command = 0x44 }\n\
             RED = { raw = [9000, 4500, 560], carrier_hz = 36000 }\n",
        )
        .unwrap();
        assert_eq!(keymap.names(), vec!["UP", "OK", "RED"]);
        assert_eq!(keymap.get("OK").unwrap().protocol, Protocol::Nec);
        let red = keymap.get("RED").unwrap().encode(false).unwrap();
        assert_eq!(red.carrier_hz, 36_000);
        assert_eq!(red.frame, vec![9000, 4500, 560]);
    }

    #[test]
    fn bad_keymaps_say_why() {
        let err = Keymap::parse("[keys]\nUP = 1\n").unwrap_err();
        assert!(err.contains("protocol"), "{err}");
        let err = Keymap::parse("protocol = \"nec\"\naddress = 1\n[keys]\nJUMP = 1\n").unwrap_err();
        assert!(err.contains("JUMP"), "{err}");
        let err = Keymap::parse("protocol = \"rc5\"\naddress = 99\n[keys]\nUP = 1\n").unwrap_err();
        assert!(err.contains("out of range"), "{err}");
        let err = Keymap::parse("protocol = \"nec\"\naddress = 1\n[keys]\n").unwrap_err();
        assert!(err.contains("empty"), "{err}");
        assert!(Keymap::parse("protocol = \"morse\"\n[keys]\nUP = 1\n").is_err());
    }
}
