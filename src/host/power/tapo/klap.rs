//! TP-Link's KLAP local protocol (Tapo P100/P110/P115 and newer Kasa firmware), pure.
//!
//! 1. `POST /app/handshake1` with a random 16-byte local seed; the plug answers its 16-byte
//!    remote seed and `SHA256(local || remote || auth_hash)`, which proves it knows the
//!    credentials (`auth_hash = SHA256(SHA1(username) || SHA1(password))`), and sets a
//!    `TP_SESSIONID` cookie.
//! 2. `POST /app/handshake2` with `SHA256(remote || local || auth_hash)` proves we know them.
//! 3. Requests: `POST /app/request?seq=<n>`, body `signature || AES-128-CBC(json)` where key,
//!    IV prefix, first sequence number and signature key all derive from the two seeds and
//!    `auth_hash`; the reply is encrypted with the same sequence number.

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use sha1::Sha1;
use sha2::{Digest, Sha256};

type Encryptor = cbc::Encryptor<aes::Aes128>;
type Decryptor = cbc::Decryptor<aes::Aes128>;

pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// `SHA256(SHA1(username) || SHA1(password))` (KLAP v2, what Tapo firmware speaks).
pub fn auth_hash(username: &str, password: &str) -> [u8; 32] {
    sha256(&[&sha1(username.as_bytes()), &sha1(password.as_bytes())])
}

/// What the plug returns from handshake1 after its seed.
pub fn server_proof(local: &[u8; 16], remote: &[u8; 16], auth: &[u8; 32]) -> [u8; 32] {
    sha256(&[local, remote, auth])
}

/// What the client sends in handshake2.
pub fn client_proof(local: &[u8; 16], remote: &[u8; 16], auth: &[u8; 32]) -> [u8; 32] {
    sha256(&[remote, local, auth])
}

/// The keys of one KLAP session.
#[derive(Clone)]
pub struct Cipher {
    key: [u8; 16],
    iv: [u8; 12],
    sig: [u8; 28],
    pub seq: i32,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KlapError {
    #[error("reply shorter than its signature")]
    Short,
    #[error("reply signature does not match")]
    Signature,
    #[error("reply does not decrypt")]
    Decrypt,
}

impl Cipher {
    pub fn new(local: &[u8; 16], remote: &[u8; 16], auth: &[u8; 32]) -> Self {
        let derive = |label: &[u8]| sha256(&[label, local, remote, auth]);
        let key_full = derive(b"lsk");
        let iv_full = derive(b"iv");
        let sig_full = derive(b"ldk");
        let mut key = [0u8; 16];
        key.copy_from_slice(&key_full[..16]);
        let mut iv = [0u8; 12];
        iv.copy_from_slice(&iv_full[..12]);
        let mut sig = [0u8; 28];
        sig.copy_from_slice(&sig_full[..28]);
        let seq = i32::from_be_bytes([iv_full[28], iv_full[29], iv_full[30], iv_full[31]]);
        Self { key, iv, sig, seq }
    }

    fn iv_for(&self, seq: i32) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv[..12].copy_from_slice(&self.iv);
        iv[12..].copy_from_slice(&seq.to_be_bytes());
        iv
    }

    /// Encrypts a request under the next sequence number; returns (seq, body).
    pub fn encrypt(&mut self, plain: &[u8]) -> (i32, Vec<u8>) {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        (seq, self.seal(seq, plain))
    }

    /// `signature || ciphertext` for `seq` (the plug seals its reply the same way).
    pub fn seal(&self, seq: i32, plain: &[u8]) -> Vec<u8> {
        let cipher = Encryptor::new(&self.key.into(), &self.iv_for(seq).into())
            .encrypt_padded_vec_mut::<Pkcs7>(plain);
        let signature = sha256(&[&self.sig, &seq.to_be_bytes(), &cipher]);
        let mut out = signature.to_vec();
        out.extend_from_slice(&cipher);
        out
    }

    /// Checks and decrypts a body sealed for `seq`.
    pub fn open(&self, seq: i32, body: &[u8]) -> Result<Vec<u8>, KlapError> {
        if body.len() < 32 {
            return Err(KlapError::Short);
        }
        let (signature, cipher) = body.split_at(32);
        if sha256(&[&self.sig, &seq.to_be_bytes(), cipher]) != signature {
            return Err(KlapError::Signature);
        }
        Decryptor::new(&self.key.into(), &self.iv_for(seq).into())
            .decrypt_padded_vec_mut::<Pkcs7>(cipher)
            .map_err(|_| KlapError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha_vectors() {
        // FIPS 180 test vectors.
        assert_eq!(
            hex(&sha256(&[b"abc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        // Vectors computed independently with Python's hashlib and `cryptography`.
        let auth = auth_hash("user@example.com", "secret");
        assert_eq!(
            hex(&auth),
            "b039216532fc844e9ae0cc8fe3ea911c9ba09c641bb96a3e1f776d93f7b5ae9b"
        );
        let (local, remote) = ([1u8; 16], [2u8; 16]);
        assert_eq!(
            hex(&server_proof(&local, &remote, &auth)),
            "8a0215e8d01aea5c88f11476cb14c79040902f07f6b7320ea5bc7aab68c23d7f"
        );
        let mut cipher = Cipher::new(&local, &remote, &auth);
        assert_eq!(hex(&cipher.key), "a0891fd6d3b7354c3f891cc0f43c463b");
        assert_eq!(hex(&cipher.iv), "6f6c008b790498931b19c9d1");
        assert_eq!(cipher.seq, 506_078_014);
        let (seq, body) = cipher.encrypt(br#"{"method":"get_device_info"}"#);
        assert_eq!(seq, 506_078_015);
        assert_eq!(
            hex(&body),
            "2ee6c695a5a4d91f90ce3e146a52728f3e0d3065e8a4f284066de5ee3d70b44d\
             b2901dbd3e6b62b5c58e823613d753ebec893be4abc0414e984ff686098afabe"
        );
    }

    #[test]
    fn derived_session_round_trips_and_detects_tampering() {
        let local = [1u8; 16];
        let remote = [2u8; 16];
        let auth = auth_hash("user@example.com", "secret");
        let mut client = Cipher::new(&local, &remote, &auth);
        let device = Cipher::new(&local, &remote, &auth);
        let first = client.seq;
        let (seq, body) = client.encrypt(br#"{"method":"get_device_info"}"#);
        assert_eq!(seq, first.wrapping_add(1));
        assert_eq!(
            device.open(seq, &body).unwrap(),
            br#"{"method":"get_device_info"}"#
        );
        let mut tampered = body.clone();
        tampered[40] ^= 1;
        assert_eq!(device.open(seq, &tampered), Err(KlapError::Signature));
        assert_eq!(device.open(seq + 1, &body), Err(KlapError::Signature));
        assert_eq!(device.open(seq, &body[..10]), Err(KlapError::Short));
        // 28-byte payload pads to two AES blocks.
        assert_eq!(body.len(), 32 + 32);
    }
}
