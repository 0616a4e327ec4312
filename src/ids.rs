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
