//! The host's own key: an Ed25519 key pair made at first start and kept in
//! `<data_dir>/host-key.pk8` (owner-only). It is what the server approves (by its fingerprint)
//! and what the host proves at every link by signing the server's challenge, so neither the join
//! token nor a copied approval lets another machine link under this host's name.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

#[cfg(test)]
use crate::protocol::verify_key_proof as verify_proof;
use crate::protocol::{KeyProof, key_fingerprint, key_proof_message};

/// The key file in the data dir.
pub const KEY_FILE: &str = "host-key.pk8";

pub struct HostKey {
    pair: Ed25519KeyPair,
    fingerprint: String,
}

impl HostKey {
    /// The key of the host using `data_dir`, made on first use. An unreadable key file is an
    /// error naming it (replacing it silently would look like a new machine to the server).
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        let pkcs8 = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                    .map_err(|_| anyhow::anyhow!("cannot make a host key"))?;
                write_private(&path, pkcs8.as_ref())
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                tracing::info!(file = %path.display(), "made this host's key");
                pkcs8.as_ref().to_vec()
            }
            Err(e) => anyhow::bail!("cannot read the host key {}: {e}", path.display()),
        };
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a host key ({e}); move it away to make a new one (an admin then \
                 approves the new key)",
                path.display()
            )
        })?;
        let fingerprint = key_fingerprint(pair.public_key().as_ref());
        Ok(Self { pair, fingerprint })
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The proof for one link: the server's `nonce` signed together with the host's name.
    pub fn prove(&self, nonce: &str, host_name: &str) -> KeyProof {
        let b64 = base64::engine::general_purpose::STANDARD;
        let signature = self.pair.sign(&key_proof_message(nonce, host_name));
        KeyProof {
            public_key: b64.encode(self.pair.public_key().as_ref()),
            signature: b64.encode(signature.as_ref()),
        }
    }
}

/// Writes a secret file owner-only (mode 600), whole or not at all.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(&partial)?;
    out.write_all(bytes)?;
    out.sync_all()?;
    std::fs::rename(&partial, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_proves_itself_for_one_challenge_and_one_name() {
        let dir = tempfile::tempdir().unwrap();
        let key = HostKey::load_or_create(dir.path()).unwrap();
        let again = HostKey::load_or_create(dir.path()).unwrap();
        assert_eq!(key.fingerprint(), again.fingerprint());
        assert!(key.fingerprint().starts_with("SHA256:"));
        let proof = key.prove("n1", "rack");
        assert_eq!(
            verify_proof(&proof, "n1", "rack").as_deref(),
            Ok(key.fingerprint())
        );
        assert!(verify_proof(&proof, "n2", "rack").is_err(), "replayed");
        assert!(verify_proof(&proof, "n1", "rack2").is_err(), "moved");
        let other = HostKey::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
        let mut forged = other.prove("n1", "rack");
        forged.public_key = proof.public_key.clone();
        assert!(verify_proof(&forged, "n1", "rack").is_err(), "forged");
        let garbage = KeyProof {
            public_key: "x".into(),
            signature: "y".into(),
        };
        assert!(verify_proof(&garbage, "n1", "rack").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
        std::fs::write(dir.path().join(KEY_FILE), b"not a key").unwrap();
        assert!(HostKey::load_or_create(dir.path()).is_err());
    }
}
