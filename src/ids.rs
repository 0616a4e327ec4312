//! The one rule for ids that appear in URL paths and file names (hosts, devices, nodes, edges,
//! userinterfaces, models). Both roles and the pure cores check ids, so the rule lives apart
//! from all of them.

/// Whether `c` may appear in an id.
pub fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Ids of hosts and devices appear in URL paths, so they stay within a safe alphabet.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(is_id_char) && id != "." && id != ".."
}

/// An id that passed [`is_valid_id`], of one kind (host, device, node, edge). It deserializes
/// only from a valid id, so a handler that takes one never holds an unchecked id.
pub struct Id<K> {
    text: String,
    kind: std::marker::PhantomData<K>,
}

/// A kind of id: its name in messages ("`x y` is not a valid host id").
pub trait IdKind {
    const WHAT: &'static str;
}

macro_rules! id_kinds {
    ($($kind:ident $alias:ident $what:literal),* $(,)?) => {$(
        #[doc = concat!("The kind of ", $what, " ids.")]
        #[derive(Debug)]
        pub enum $kind {}
        impl IdKind for $kind {
            const WHAT: &'static str = $what;
        }
        #[doc = concat!("A valid ", $what, " id.")]
        pub type $alias = Id<$kind>;
    )*};
}

id_kinds! {
    Host HostId "host",
    Device DeviceId "device",
    Node NodeId "node",
    Edge EdgeId "edge",
}

/// An id that is not valid, with what it was meant to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{id}` is not a valid {what} id")]
pub struct InvalidId {
    pub what: &'static str,
    pub id: String,
}

impl<K: IdKind> Id<K> {
    pub fn parse(text: impl Into<String>) -> Result<Self, InvalidId> {
        let text = text.into();
        if is_valid_id(&text) {
            Ok(Self {
                text,
                kind: std::marker::PhantomData,
            })
        } else {
            Err(InvalidId {
                what: K::WHAT,
                id: text,
            })
        }
    }
}

impl<K> Id<K> {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

impl<K> std::ops::Deref for Id<K> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl<K> AsRef<str> for Id<K> {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        Self {
            text: self.text.clone(),
            kind: std::marker::PhantomData,
        }
    }
}

impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl<K> Eq for Id<K> {}

impl<K> PartialEq<str> for Id<K> {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl<K> PartialEq<Id<K>> for String {
    fn eq(&self, other: &Id<K>) -> bool {
        *self == other.text
    }
}

impl<K> PartialEq<&str> for Id<K> {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl<K> std::hash::Hash for Id<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl<K> std::fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.text, f)
    }
}

impl<K> std::fmt::Display for Id<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl<K> serde::Serialize for Id<K> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de, K: IdKind> serde::Deserialize<'de> for Id<K> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_when_valid_and_say_what_they_were_meant_to_be() {
        let host = HostId::parse("rack-1").expect("valid");
        assert_eq!(host.as_str(), "rack-1");
        for bad in ["", ".", "..", "a b", "a/b", &"x".repeat(65)] {
            let error = DeviceId::parse(bad).expect_err(bad);
            assert_eq!(
                error.to_string(),
                format!("`{bad}` is not a valid device id")
            );
        }
        let decoded: Result<NodeId, _> = serde_json::from_str("\"../etc\"");
        let message = decoded.expect_err("invalid").to_string();
        assert!(
            message.starts_with("`../etc` is not a valid node id"),
            "{message}"
        );
    }
}
