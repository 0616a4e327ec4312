//! Roku devices over the External Control Protocol (HTTP on port 8060): `POST /keypress/<key>`,
//! `/keydown` + `/keyup` to hold, `POST /launch/<channel id>`, `GET /query/apps`.
//! ECP must be enabled on the device (Settings > System > Advanced > Control by mobile apps).

use std::time::Duration;

use async_trait::async_trait;

use super::{App, Remote, RemoteError, keys};
use crate::protocol::Capability;

pub const DEFAULT_PORT: u16 = 8060;

pub struct RokuRemote {
    base: String,
    http: reqwest::Client,
}

impl RokuRemote {
    /// `address` is `host` or `host:port` (port 8060 by default).
    pub fn new(address: &str, timeout: Duration) -> Result<Self, String> {
        let http = crate::tls::http_client(None)
            .map_err(|e| format!("http client: {e:#}"))?
            .timeout(timeout)
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Self {
            base: base_url(address, DEFAULT_PORT),
            http,
        })
    }

    async fn post(&self, path: &str) -> Result<(), RemoteError> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .post(&url)
            .send()
            .await
            .map_err(|e| RemoteError::Failed(format!("Roku at {}: {e}", self.base)))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(RemoteError::Failed(format!(
                "Roku at {} answered {} to POST {path}",
                self.base,
                response.status()
            )))
        }
    }
}

/// `http://host:port` from `host`, `host:port` or a full URL.
pub fn base_url(address: &str, default_port: u16) -> String {
    let address = address.trim().trim_end_matches('/');
    if address.starts_with("http://") || address.starts_with("https://") {
        return address.to_string();
    }
    let has_port = address
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if has_port {
        format!("http://{address}")
    } else {
        format!("http://{address}:{default_port}")
    }
}

/// A character as ECP's `Lit_` key: percent-encoded UTF-8.
pub fn literal(c: char) -> String {
    let mut buf = [0u8; 4];
    let mut out = String::from("Lit_");
    for byte in c.encode_utf8(&mut buf).bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Apps from `GET /query/apps`: `<apps><app id="12" type="appl" version="…">Netflix</app>…`.
pub fn parse_apps(xml: &str) -> Result<Vec<App>, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("query/apps: {e}"))?;
    Ok(doc
        .descendants()
        .filter(|n| n.has_tag_name("app"))
        .filter_map(|n| {
            Some(App {
                id: n.attribute("id")?.to_string(),
                name: n.text().map(|t| t.trim().to_string()),
            })
        })
        .collect())
}

#[async_trait]
impl Remote for RokuRemote {
    fn kind(&self) -> &'static str {
        "roku"
    }

    fn keys(&self) -> Vec<String> {
        keys::names(keys::ROKU)
    }

    async fn press(&self, key: &str, hold: Duration) -> Result<(), RemoteError> {
        let name = keys::lookup(keys::ROKU, key)?;
        if hold.is_zero() {
            return self.post(&format!("/keypress/{name}")).await;
        }
        self.post(&format!("/keydown/{name}")).await?;
        tokio::time::sleep(hold).await;
        self.post(&format!("/keyup/{name}")).await
    }

    /// Any text, one `Lit_` key per character (what the Roku mobile app's keyboard does).
    async fn text(&self, text: &str) -> Result<(), RemoteError> {
        for c in text.chars() {
            self.post(&format!("/keypress/{}", literal(c))).await?;
        }
        Ok(())
    }

    fn capabilities(&self) -> Vec<Capability> {
        vec![Capability::Text, Capability::Apps]
    }

    async fn apps(&self) -> Result<Vec<App>, RemoteError> {
        let url = format!("{}/query/apps", self.base);
        let failed = |e: String| RemoteError::Failed(format!("Roku at {}: {e}", self.base));
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        if !response.status().is_success() {
            return Err(failed(format!("query/apps answered {}", response.status())));
        }
        let body = response.text().await.map_err(|e| failed(e.to_string()))?;
        parse_apps(&body).map_err(failed)
    }

    async fn launch(&self, app: &str) -> Result<(), RemoteError> {
        if app.is_empty() || !app.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(RemoteError::Unsupported(format!(
                "`{app}` is not a Roku channel id (see the apps list)"
            )));
        }
        self.post(&format!("/launch/{app}")).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_base_urls() {
        assert_eq!(base_url("192.168.1.60", 8060), "http://192.168.1.60:8060");
        assert_eq!(base_url("127.0.0.1:9000", 8060), "http://127.0.0.1:9000");
        assert_eq!(
            base_url("http://roku.lan:8060/", 8060),
            "http://roku.lan:8060"
        );
    }

    #[test]
    fn literals_are_percent_encoded() {
        assert_eq!(literal('a'), "Lit_a");
        assert_eq!(literal(' '), "Lit_%20");
        assert_eq!(literal('é'), "Lit_%C3%A9");
    }

    #[test]
    fn apps_parse() {
        let apps = parse_apps(
            r#"<?xml version="1.0" encoding="UTF-8" ?>
<apps>
	<app id="31012" type="menu" version="2.0.53">FandangoNOW Movies &amp; TV</app>
	<app id="12" subtype="ndka" type="appl" version="5.2.98">Netflix</app>
</apps>"#,
        )
        .unwrap();
        assert_eq!(apps.len(), 2);
        assert_eq!(apps[0].name.as_deref(), Some("FandangoNOW Movies & TV"));
        assert_eq!(apps[1].id, "12");
        assert!(parse_apps("not xml").is_err());
    }
}
