//! Any switch with URLs: `on_url` and `off_url` are requested (POST by default) to switch;
//! `status_url`, if given, is read with GET and its body decides the state: the words `on`/
//! `true` mean on, `off`/`false` mean off (whole words, any case), anything else is unknown.

use async_trait::async_trait;

use super::{Power, PowerError, http_client};
use crate::protocol::PowerState;

pub struct HttpPower {
    on_url: String,
    off_url: String,
    status_url: Option<String>,
    post: bool,
    http: reqwest::Client,
}

impl HttpPower {
    pub fn new(
        on_url: &str,
        off_url: &str,
        status_url: Option<&str>,
        method: &str,
    ) -> Result<Self, String> {
        Ok(Self {
            on_url: on_url.to_string(),
            off_url: off_url.to_string(),
            status_url: status_url.filter(|u| !u.is_empty()).map(str::to_string),
            post: !method.eq_ignore_ascii_case("GET"),
            http: http_client()?,
        })
    }
}

/// The state a status body describes.
pub fn parse_state(body: &str) -> PowerState {
    let words: Vec<String> = body
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let has = |options: &[&str]| words.iter().any(|w| options.contains(&w.as_str()));
    match (has(&["on", "true"]), has(&["off", "false"])) {
        (true, false) => PowerState::On,
        (false, true) => PowerState::Off,
        _ => PowerState::Unknown,
    }
}

#[async_trait]
impl Power for HttpPower {
    fn kind(&self) -> &'static str {
        "http"
    }

    async fn set(&self, on: bool) -> Result<(), PowerError> {
        let url = if on { &self.on_url } else { &self.off_url };
        let request = if self.post {
            self.http.post(url)
        } else {
            self.http.get(url)
        };
        let response = request
            .send()
            .await
            .map_err(|e| PowerError(format!("{url}: {e}")))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(PowerError(format!("{url} answered {}", response.status())))
        }
    }

    async fn state(&self) -> Result<PowerState, PowerError> {
        let Some(url) = &self.status_url else {
            return Ok(PowerState::Unknown);
        };
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| PowerError(format!("{url}: {e}")))?;
        if !response.status().is_success() {
            return Err(PowerError(format!("{url} answered {}", response.status())));
        }
        let body = response
            .text()
            .await
            .map_err(|e| PowerError(format!("{url}: {e}")))?;
        Ok(parse_state(&body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bodies() {
        assert_eq!(parse_state("{\"state\":\"ON\"}"), PowerState::On);
        assert_eq!(parse_state("off"), PowerState::Off);
        assert_eq!(parse_state("{\"on\": false}"), PowerState::Unknown);
        assert_eq!(parse_state("{\"ison\":true}"), PowerState::On);
        assert_eq!(parse_state("{\"power\": 23.5}"), PowerState::Unknown);
    }
}
