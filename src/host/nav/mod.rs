//! Navigation on the host: where each device is in which tree, and the executor that walks a
//! device along a tree (goto and validation). The server sends the tree with every request
//! (verifications resolved), so the host keeps no tree of its own.

pub mod executor;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

/// The node a device was last seen on, per tree.
#[derive(Debug, Clone, Serialize)]
pub struct Position {
    pub tree_key: String,
    pub node: String,
    #[serde(skip)]
    pub since: Instant,
}

/// Positions of every device of this host, and which devices are being driven by the executor.
/// A manual key press or a power action invalidates the position: nobody knows where it led.
#[derive(Clone, Default)]
pub struct Positions {
    known: Arc<Mutex<HashMap<String, Position>>>,
    busy: Arc<Mutex<HashSet<String>>>,
}

/// Releases a device's executor slot when dropped.
pub struct BusyGuard {
    busy: Arc<Mutex<HashSet<String>>>,
    device: String,
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.device);
    }
}

impl Positions {
    pub fn get(&self, device: &str, tree_key: &str) -> Option<String> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known
            .get(device)
            .filter(|p| p.tree_key == tree_key)
            .map(|p| p.node.clone())
    }

    pub fn current(&self, device: &str) -> Option<Position> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.get(device).cloned()
    }

    pub fn set(&self, device: &str, tree_key: &str, node: &str) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.insert(
            device.to_string(),
            Position {
                tree_key: tree_key.to_string(),
                node: node.to_string(),
                since: Instant::now(),
            },
        );
    }

    pub fn invalidate(&self, device: &str) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.remove(device);
    }

    /// Claims the device for one navigation; `None` while another one runs on it.
    pub fn claim(&self, device: &str) -> Option<BusyGuard> {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        busy.insert(device.to_string()).then(|| BusyGuard {
            busy: self.busy.clone(),
            device: device.to_string(),
        })
    }
}
