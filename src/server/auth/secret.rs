//! Secrets of people and scripts: argon2id for passwords (slow on purpose, so a stolen database
//! does not give passwords away), SHA-256 for session ids and API tokens (256 random bits each,
//! so a fast hash is enough and lets every request be checked in microseconds).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use sha2::{Digest, Sha256};

/// Prefix of API tokens, so leaked ones are easy to recognise (e.g. by secret scanners).
pub const TOKEN_PREFIX: &str = "vpt_";
/// Characters of a token shown in lists to tell tokens apart (`vpt_` + 8 hex digits).
const SHOWN_PREFIX_LEN: usize = TOKEN_PREFIX.len() + 8;
/// Shortest password accepted for a new password.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (argon2 costs grow with it; nobody types more).
pub const MAX_PASSWORD_CHARS: usize = 256;

fn argon2() -> Argon2<'static> {
    // OWASP's minimum for argon2id (19 MiB, 2 passes): about 20 ms here, small enough that a
    // login is quick, large enough that guessing offline is slow.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// The PHC string (algorithm, parameters, salt, hash) of `password`. CPU-heavy: call it from a
/// blocking thread.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no random source: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches `phc`. The comparison inside argon2 is constant-time. CPU-heavy.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    argon2().verify_password(password.as_bytes(), &hash).is_ok()
}

/// A hash of a password nobody knows, verified against when a login names an unknown user, so
/// that answer takes as long as a wrong password does.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        hash_password(&crate::token::random_hex(16)).unwrap_or_default()
    });
    &DECOY
}

/// A password for the first admin: 20 characters from an alphabet without look-alikes.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    // 256 is not a multiple of 56: the bias (one in ~4 per character towards the first 32
    // letters) costs well under a bit per character of 20; still ~115 bits in all.
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// SHA-256 of a session id or token, as stored and as the caches key it.
pub fn sha256_hex(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new session id (for the cookie) with its hash.
pub fn new_session_id() -> (String, String) {
    let id = crate::token::random_hex(32);
    let hash = sha256_hex(&id);
    (id, hash)
}

/// A new API token: (token shown once, its hash, the prefix kept for lists).
pub fn new_api_token() -> (String, String, String) {
    let token = format!("{TOKEN_PREFIX}{}", crate::token::random_hex(32));
    let hash = sha256_hex(&token);
    let prefix = token[..SHOWN_PREFIX_LEN].to_string();
    (token, hash, prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsf", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        // Each hash has its own salt.
        assert_ne!(hash, hash_password("correct horse").unwrap());
        assert!(!verify_password("anything", decoy_hash()));
    }

    #[test]
    fn tokens_and_sessions_are_random_and_hashed() {
        let (token, hash, prefix) = new_api_token();
        assert!(token.starts_with(TOKEN_PREFIX) && token.len() == 4 + 64);
        assert!(token.starts_with(&prefix) && prefix.len() == 12);
        assert_eq!(hash, sha256_hex(&token));
        assert_eq!(hash.len(), 64);
        assert_ne!(new_api_token().0, token);
        let (id, id_hash) = new_session_id();
        assert_eq!(sha256_hex(&id), id_hash);
        assert_eq!(random_password().len(), 20);
    }
}
