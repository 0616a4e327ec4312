//! A running `vpt all` whose host is named `bench`, with its two simulated set-top boxes.

use std::time::Duration;

use serde_json::Value;

use super::{Options, Vpt, client};

pub struct Bench {
    pub vpt: Vpt,
    pub url: String,
}

impl Bench {
    /// Starts `vpt all` (with `config` if given) and waits for its host to be online.
    pub async fn start(config: Option<&str>) -> Self {
        Self::start_with(config, false).await
    }

    /// Starts `vpt all` with the `demo-stb` userinterface seeded.
    pub async fn start_with_demo() -> Self {
        Self::start_with(None, true).await
    }

    async fn start_with(config: Option<&str>, demo: bool) -> Self {
        let mut options = Options::new("all").env("VPT_HOST__NAME", "bench");
        if let Some(config) = config {
            options = options.config(config);
        }
        if demo {
            options = options.env("VPT_SERVER__DEMO_CONTENT", "true");
        }
        let mut vpt = Vpt::start(options);
        let url = vpt.server_url();
        super::wait_host_status(&url, "bench", "online", Duration::from_secs(10)).await;
        Self { vpt, url }
    }

    /// URL of a device's routes through the server.
    pub fn device(&self, id: &str) -> String {
        format!("{}/api/hosts/bench/devices/{id}", self.url)
    }

    /// POSTs JSON to a full URL or to a path of the server.
    pub async fn post(&self, url_or_path: &str, body: Value) -> reqwest::Response {
        let url = if url_or_path.starts_with("http") {
            url_or_path.to_string()
        } else {
            format!("{}{url_or_path}", self.url)
        };
        client()
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// Sequence number of the frame the device shows now.
    pub async fn frame_seq(&self, id: &str) -> u64 {
        let response = client()
            .get(format!(
                "{}/screenshot?format=jpeg&width=64",
                self.device(id)
            ))
            .send()
            .await
            .expect("screenshot");
        response.headers()["x-frame-seq"]
            .to_str()
            .expect("header")
            .parse()
            .expect("number")
    }
}
