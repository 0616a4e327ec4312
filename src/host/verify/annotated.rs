//! The last annotated images of verifications, kept in memory for the UI and reports to fetch.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

/// How many annotated images a host keeps.
const KEEP: usize = 64;

#[derive(Clone, Default)]
pub struct AnnotatedStore {
    images: Arc<Mutex<VecDeque<(String, Bytes)>>>,
}

impl AnnotatedStore {
    /// Keeps `jpeg` and returns its URL on the host API.
    pub fn insert(&self, jpeg: Bytes) -> String {
        let key = crate::token::random_hex(8);
        let mut images = self.images.lock().unwrap_or_else(|p| p.into_inner());
        if images.len() >= KEEP {
            images.pop_front();
        }
        images.push_back((key.clone(), jpeg));
        format!("/host/verifications/{key}.jpg")
    }

    pub fn get(&self, key: &str) -> Option<Bytes> {
        let images = self.images.lock().unwrap_or_else(|p| p.into_inner());
        images
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, jpeg)| jpeg.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_ones() {
        let store = AnnotatedStore::default();
        let first = store.insert(Bytes::from_static(b"first"));
        let key = |url: &str| {
            url.trim_start_matches("/host/verifications/")
                .trim_end_matches(".jpg")
                .to_string()
        };
        assert_eq!(store.get(&key(&first)).as_deref(), Some(&b"first"[..]));
        for _ in 0..KEEP {
            store.insert(Bytes::from_static(b"more"));
        }
        assert!(store.get(&key(&first)).is_none());
    }
}
