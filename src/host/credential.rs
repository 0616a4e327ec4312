//! The link credential the server handed a host before host keys existed, kept in
//! `<data_dir>/host-credential.json` (owner-only). Such a host presents it once more, and the
//! server binds the host's key to its approval (src/host/key.rs); new hosts never get one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Stored {
    /// The host name it was issued to: a data dir reused under another name does not present it.
    host: String,
    credential: String,
}

fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("host-credential.json")
}

/// The credential issued to host `name`, if this data dir holds one.
pub fn load(data_dir: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(file(data_dir)).ok()?;
    match serde_json::from_str::<Stored>(&text) {
        Ok(stored) if stored.host == name => Some(stored.credential),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "host-credential.json is unreadable; joining with the join token");
            None
        }
    }
}

/// Keeps a credential, replacing any older one; written whole or not at all (as hosts of
/// earlier versions did).
#[cfg(test)]
pub fn store(data_dir: &Path, name: &str, credential: &str) -> std::io::Result<()> {
    let path = file(data_dir);
    let partial = path.with_extension("json.partial");
    let text = serde_json::to_string(&Stored {
        host: name.into(),
        credential: credential.into(),
    })?;
    // The mode below applies only to a file it creates.
    let _ = std::fs::remove_file(&partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(&partial)?;
    std::io::Write::write_all(&mut out, text.as_bytes())?;
    out.sync_all()?;
    std::fs::rename(&partial, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_for_its_host_only_and_private() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path(), "rack1"), None);
        store(dir.path(), "rack1", "vpth_one").unwrap();
        store(dir.path(), "rack1", "vpth_two").unwrap();
        assert_eq!(load(dir.path(), "rack1").as_deref(), Some("vpth_two"));
        assert_eq!(load(dir.path(), "rack2"), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
        std::fs::write(file(dir.path()), "{not json").unwrap();
        assert_eq!(load(dir.path(), "rack1"), None);
    }
}
