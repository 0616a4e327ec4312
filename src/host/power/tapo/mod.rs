//! TP-Link Tapo plugs (P100, P105, P110, P115, ...) over the local KLAP protocol: one handshake
//! per session, then encrypted JSON requests (`set_device_info` / `get_device_info`). The
//! session is kept and redone once when the plug forgets it (it expires after ~24 h or when the
//! plug restarts).

pub mod klap;

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use self::klap::{Cipher, auth_hash, client_proof, server_proof};
use super::{Power, PowerError, http_client};
use crate::host::remote::roku::base_url;
use crate::protocol::PowerState;

pub struct TapoPower {
    base: String,
    auth: [u8; 32],
    http: reqwest::Client,
    session: Mutex<Option<Session>>,
}

struct Session {
    cookie: String,
    cipher: Cipher,
}

impl TapoPower {
    pub fn new(address: &str, username: &str, password: &str) -> Result<Self, String> {
        Ok(Self {
            base: base_url(address, 80),
            auth: auth_hash(username, password),
            http: http_client()?,
            session: Mutex::new(None),
        })
    }

    fn failed(&self, why: impl std::fmt::Display) -> PowerError {
        PowerError(format!("Tapo plug at {}: {why}", self.base))
    }

    async fn handshake(&self) -> Result<Session, PowerError> {
        let mut local = [0u8; 16];
        getrandom::fill(&mut local).map_err(|e| self.failed(format!("no randomness: {e}")))?;
        let response = self
            .http
            .post(format!("{}/app/handshake1", self.base))
            .body(local.to_vec())
            .send()
            .await
            .map_err(|e| self.failed(e))?;
        if !response.status().is_success() {
            return Err(self.failed(format!("handshake1 answered {}", response.status())));
        }
        let cookie = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|c| c.starts_with("TP_SESSIONID="))
            .map(str::to_string)
            .ok_or_else(|| self.failed("handshake1 set no TP_SESSIONID cookie"))?;
        let body = response.bytes().await.map_err(|e| self.failed(e))?;
        if body.len() != 48 {
            return Err(self.failed(format!(
                "handshake1 answered {} bytes, not 48 (not a KLAP device?)",
                body.len()
            )));
        }
        let mut remote = [0u8; 16];
        remote.copy_from_slice(&body[..16]);
        if body[16..] != server_proof(&local, &remote, &self.auth) {
            return Err(self.failed(
                "the plug does not know these credentials (check username = TP-Link account \
                 e-mail and password)",
            ));
        }
        let response = self
            .http
            .post(format!("{}/app/handshake2", self.base))
            .header(reqwest::header::COOKIE, &cookie)
            .body(client_proof(&local, &remote, &self.auth).to_vec())
            .send()
            .await
            .map_err(|e| self.failed(e))?;
        if !response.status().is_success() {
            return Err(self.failed(format!("handshake2 answered {}", response.status())));
        }
        Ok(Session {
            cookie,
            cipher: Cipher::new(&local, &remote, &self.auth),
        })
    }

    /// Sends one request, handshaking first if needed and once more if the plug dropped the
    /// session.
    async fn call(&self, request: Value) -> Result<Value, PowerError> {
        let mut slot = self.session.lock().await;
        for attempt in 0..2 {
            if slot.is_none() {
                *slot = Some(self.handshake().await?);
            }
            let Some(session) = slot.as_mut() else {
                continue;
            };
            match self.request(session, &request).await {
                Ok(reply) => return Ok(reply),
                Err(Retry::Session(why)) if attempt == 0 => {
                    tracing::debug!(plug = %self.base, %why, "tapo: new session");
                    *slot = None;
                }
                Err(Retry::Session(why)) | Err(Retry::Fatal(why)) => {
                    *slot = None;
                    return Err(self.failed(why));
                }
            }
        }
        Err(self.failed("no session"))
    }

    async fn request(&self, session: &mut Session, request: &Value) -> Result<Value, Retry> {
        let (seq, body) = session.cipher.encrypt(request.to_string().as_bytes());
        let response = self
            .http
            .post(format!("{}/app/request?seq={seq}", self.base))
            .header(reqwest::header::COOKIE, &session.cookie)
            .body(body)
            .send()
            .await
            .map_err(|e| Retry::Fatal(e.to_string()))?;
        let status = response.status();
        if status.is_client_error() {
            return Err(Retry::Session(format!("request answered {status}")));
        }
        if !status.is_success() {
            return Err(Retry::Fatal(format!("request answered {status}")));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| Retry::Fatal(e.to_string()))?;
        let plain = session
            .cipher
            .open(seq, &body)
            .map_err(|e| Retry::Session(e.to_string()))?;
        let reply: Value = serde_json::from_slice(&plain)
            .map_err(|e| Retry::Fatal(format!("reply is not JSON: {e}")))?;
        match reply["error_code"].as_i64() {
            Some(0) => Ok(reply),
            // -1012/9999: the plug no longer knows the session.
            Some(-1012) | Some(9999) => Err(Retry::Session(format!("session expired: {reply}"))),
            _ => Err(Retry::Fatal(format!("refused: {reply}"))),
        }
    }
}

enum Retry {
    Session(String),
    Fatal(String),
}

#[async_trait]
impl Power for TapoPower {
    fn kind(&self) -> &'static str {
        "tapo"
    }

    async fn set(&self, on: bool) -> Result<(), PowerError> {
        self.call(json!({"method": "set_device_info", "params": {"device_on": on}}))
            .await
            .map(|_| ())
    }

    async fn state(&self) -> Result<PowerState, PowerError> {
        let reply = self.call(json!({"method": "get_device_info"})).await?;
        match reply["result"]["device_on"].as_bool() {
            Some(true) => Ok(PowerState::On),
            Some(false) => Ok(PowerState::Off),
            None => Err(self.failed(format!("no device_on in {reply}"))),
        }
    }
}
