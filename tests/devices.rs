//! Devices through the server, with `vpt all` and simulated set-top boxes: screenshots, keys,
//! live stream, power, locks, faults and bad requests.

mod common;

use std::time::Duration;

use common::bench::Bench;
use common::{client, eventually, get_json};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// Device helpers of these tests on top of the shared bench.
trait DeviceBench {
    async fn press(&self, id: &str, key: &str) -> reqwest::Response;
    async fn truth(&self, id: &str) -> Value;
    async fn screenshot(&self, id: &str) -> image::RgbImage;
}

impl DeviceBench for Bench {
    async fn press(&self, id: &str, key: &str) -> reqwest::Response {
        self.post(
            &format!("{}/remote/press", self.device(id)),
            json!({ "key": key }),
        )
        .await
    }

    async fn truth(&self, id: &str) -> Value {
        get_json(&format!("{}/sim", self.device(id))).await
    }

    async fn screenshot(&self, id: &str) -> image::RgbImage {
        let response = client()
            .get(format!("{}/screenshot?format=png", self.device(id)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/png");
        image::load_from_memory(&response.bytes().await.unwrap())
            .expect("decodable PNG")
            .to_rgb8()
    }
}

#[tokio::test]
async fn vpt_all_starts_two_sim_devices() {
    let bench = Bench::start(None).await;
    let devices = get_json(&format!("{}/api/devices", bench.url)).await;
    let ids: Vec<&str> = devices
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["sim1", "sim2"]);
    let sim1 = &devices[0];
    assert_eq!(sim1["host"], "bench");
    assert_eq!(sim1["capture"]["width"], 1280);
    for capability in ["capture", "remote", "power"] {
        assert!(
            sim1["capabilities"]
                .as_array()
                .unwrap()
                .contains(&json!(capability))
        );
    }
    assert!(
        sim1["remote"]["keys"]
            .as_array()
            .unwrap()
            .contains(&json!("CHANNEL_UP"))
    );
}

#[tokio::test]
async fn screenshot_is_a_720p_picture_and_right_moves_the_focus() {
    let bench = Bench::start(None).await;
    let before = bench.screenshot("sim1").await;
    assert_eq!(before.dimensions(), (1280, 720));
    assert_eq!(bench.truth("sim1").await["focus"], "live_tv");
    let response = bench.press("sim1", "RIGHT").await;
    assert_eq!(response.status(), 200);
    assert_eq!(bench.truth("sim1").await["focus"], "guide");
    let after = eventually(Duration::from_secs(3), "picture changes", || async {
        let shot = bench.screenshot("sim1").await;
        (shot != before).then_some(shot)
    })
    .await;
    let changed = before
        .pixels()
        .zip(after.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed > 1000, "focus move changed only {changed} pixels");
    let jpeg = client()
        .get(format!("{}/screenshot?format=jpeg", bench.device("sim1")))
        .send()
        .await
        .unwrap();
    assert_eq!(jpeg.headers()["content-type"], "image/jpeg");
    let decoded = image::load_from_memory(&jpeg.bytes().await.unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1280, 720));
}

/// Reads multipart parts (headers, JPEG) from an MJPEG response.
type ByteStream =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<bytes::Bytes, String>> + Send>>;

struct Parts {
    body: ByteStream,
    buffer: Vec<u8>,
}

impl Parts {
    fn new(response: reqwest::Response) -> Self {
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("multipart/x-mixed-replace; boundary=vptframe")
        );
        Self {
            body: Box::pin(
                response
                    .bytes_stream()
                    .map(|r| r.map_err(|e| e.to_string())),
            ),
            buffer: Vec::new(),
        }
    }

    /// A client with a small receive buffer that reads only when it wants a frame, as a slow
    /// viewer on a thin link would (HTTP/1.0, so the body is the raw multipart stream).
    async fn slow_client(url: &str, path: &str) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(32 * 1024).unwrap();
        let mut tcp = socket.connect(address).await.unwrap();
        tcp.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut head = Vec::new();
        while find(&head, b"\r\n\r\n").is_none() {
            let mut byte = [0u8; 1];
            tcp.read_exact(&mut byte).await.unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_string();
        assert!(
            head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
            "{head}"
        );
        let body = tokio_util::io::ReaderStream::new(tcp).map(|r| r.map_err(|e| e.to_string()));
        Self {
            body: Box::pin(body),
            buffer: Vec::new(),
        }
    }

    async fn next(&mut self) -> (u64, Vec<u8>) {
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_string();
                let header = |name: &str| {
                    head.lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
                        .unwrap_or_else(|| panic!("no {name} in {head}"))
                };
                let length: usize = header("Content-Length").parse().unwrap();
                let seq: u64 = header("X-Frame-Seq").parse().unwrap();
                let _captured: u128 = header("X-Captured-At-Ms").parse().unwrap();
                if self.buffer.len() >= end + 4 + length + 2 {
                    let jpeg = self.buffer[end + 4..end + 4 + length].to_vec();
                    self.buffer.drain(..end + 4 + length + 2);
                    return (seq, jpeg);
                }
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.body.next())
                .await
                .expect("stream delivers")
                .expect("stream open")
                .expect("chunk");
            self.buffer.extend_from_slice(&chunk);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn mjpeg_stream_yields_successive_frames_and_a_slow_client_skips() {
    let bench = Bench::start(None).await;
    // Live TV shows moving video, so every capture is a new picture.
    bench.press("sim1", "OK").await;
    assert_eq!(bench.truth("sim1").await["screen"], "live_tv");
    let response = client()
        .get(format!("{}/stream.mjpeg", bench.device("sim1")))
        .send()
        .await
        .unwrap();
    let mut parts = Parts::new(response);
    let mut last = None;
    for _ in 0..5 {
        let (seq, jpeg) = parts.next().await;
        let picture = image::load_from_memory(&jpeg).expect("JPEG part");
        assert_eq!(picture.width(), 1280);
        if let Some(previous) = last {
            assert!(seq > previous, "sequence grows: {previous} then {seq}");
        }
        last = Some(seq);
    }
}

#[tokio::test]
async fn a_slow_viewer_skips_frames_instead_of_queuing_them() {
    // Noise frames compress badly (~1 MB as JPEG): what the socket buffers and the link's
    // flow-control window can hold in flight is then only a frame or two, so any queue of
    // frames inside vpt would show as a growing lag.
    let frames = tempfile::tempdir().unwrap();
    let mut rng = 7u32;
    for i in 0..4 {
        let noise = image::RgbImage::from_fn(1280, 720, |_, _| {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            image::Rgb([rng as u8, (rng >> 8) as u8, (rng >> 16) as u8])
        });
        noise
            .save(frames.path().join(format!("noise{i}.jpg")))
            .unwrap();
    }
    let config = format!(
        "[[host.devices]]\nid = \"noise\"\ncapture = {{ kind = \"images\", dir = \"{}\", fps = 25 }}\n",
        frames.path().display()
    );
    let bench = Bench::start(Some(&config)).await;
    // A client reading 4 frames a second from a 25 fps source, through the server.
    let mut slow = Parts::slow_client(&bench.url, "/server/rec/stream/bench/noise").await;
    let mut seqs = Vec::new();
    let mut lags = Vec::new();
    for read in 1..=16 {
        let (seq, _) = slow.next().await;
        seqs.push(seq);
        if read % 4 == 0 {
            lags.push(bench.frame_seq("noise").await.saturating_sub(seq));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let received = seqs.len() as u64;
    let produced = seqs[seqs.len() - 1] - seqs[0] + 1;
    assert!(
        produced > received * 3,
        "a slow client skips frames: {seqs:?}"
    );
    // In flight: about two frames, each waiting a read cycle (250 ms = 6 frames at 25 fps).
    // A queue inside vpt would make the lag grow with every read.
    let (first, last) = (lags[0], lags[lags.len() - 1]);
    assert!(
        last <= 20 && last <= first + 3,
        "frames queue up: lags {lags:?} ({seqs:?})"
    );
}

#[tokio::test]
async fn thumbnail_stream_is_scaled_and_rate_limited() {
    let bench = Bench::start(None).await;
    bench.press("sim2", "OK").await;
    let response = client()
        .get(format!(
            "{}/stream.mjpeg?fps=5&width=320",
            bench.device("sim2")
        ))
        .send()
        .await
        .unwrap();
    let mut parts = Parts::new(response);
    let started = std::time::Instant::now();
    let mut count = 0;
    while started.elapsed() < Duration::from_millis(1500) {
        let (_, jpeg) = parts.next().await;
        let picture = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((picture.width(), picture.height()), (320, 180));
        count += 1;
    }
    assert!(
        (4..=10).contains(&count),
        "{count} frames in 1.5 s at fps=5"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_playing_video_to_four_viewers_keeps_only_a_few_pictures_in_memory() {
    let mut bench = Bench::start(None).await;
    let host = bench.vpt.host_url();
    // Live TV: every frame is a new 1280x720 picture, watched (and encoded) four times over.
    bench.press("sim1", "OK").await;
    let viewers: Vec<_> = (0..4)
        .map(|_| {
            let url = format!("{}/stream.mjpeg", bench.device("sim1"));
            tokio::spawn(async move {
                let mut parts = Parts::new(client().get(url).send().await.unwrap());
                let mut seqs = Vec::new();
                for _ in 0..40 {
                    seqs.push(parts.next().await.0);
                }
                seqs
            })
        })
        .collect();
    // What the device holds while they watch, as the host reports it (a raw frame is 2.7 MB;
    // a ring of recent frames would hold dozens).
    let frame = 1280 * 720 * 3;
    let (mut most_pictures, mut most_bytes, mut samples) = (0, 0, 0);
    while viewers.iter().any(|v| !v.is_finished()) {
        let device = get_json(&format!("{host}/host/devices/sim1")).await;
        let capture = &device["capture"];
        most_pictures = most_pictures.max(capture["pictures_held"].as_u64().unwrap());
        most_bytes = most_bytes.max(capture["picture_bytes"].as_u64().unwrap());
        samples += 1;
    }
    for viewer in viewers {
        let seqs = viewer.await.unwrap();
        assert!(seqs.windows(2).all(|w| w[1] > w[0]), "{seqs:?}");
    }
    assert!(samples >= 5, "{samples} samples");
    assert!(
        (1..=6).contains(&most_pictures),
        "at most {most_pictures} pictures held"
    );
    assert!(
        most_bytes <= 6 * frame,
        "{most_bytes} bytes held ({:.1} frames)",
        most_bytes as f64 / frame as f64
    );
}

#[tokio::test]
async fn power_off_gives_black_and_on_boots_back_to_home() {
    let bench = Bench::start(None).await;
    let url = format!("{}/power", bench.device("sim1"));
    let off = bench.post(&url, json!({ "action": "off" })).await;
    assert_eq!(off.status(), 200);
    assert_eq!(off.json::<Value>().await.unwrap()["state"], "off");
    eventually(Duration::from_secs(3), "black picture", || async {
        let shot = bench.screenshot("sim1").await;
        shot.pixels().all(|p| p.0 == [0, 0, 0]).then_some(())
    })
    .await;
    assert_eq!(get_json(&url).await["state"], "off");
    bench.post(&url, json!({ "action": "on" })).await;
    eventually(Duration::from_secs(6), "boot to home", || async {
        let truth = bench.truth("sim1").await;
        (truth["screen"] == "home" && truth["booting"] == false).then_some(())
    })
    .await;
}

#[tokio::test]
async fn no_signal_fault_shows_in_status_and_clears() {
    let bench = Bench::start(None).await;
    let faults = format!("{}/sim", bench.device("sim2"));
    let response = bench
        .post(&faults, json!({ "faults": { "no_signal": true } }))
        .await;
    assert_eq!(response.status(), 200);
    eventually(Duration::from_secs(5), "no_signal status", || async {
        let device = get_json(&bench.device("sim2")).await;
        (device["status"] == "no_signal").then_some(())
    })
    .await;
    let shot = client()
        .get(format!("{}/screenshot", bench.device("sim2")))
        .send()
        .await
        .unwrap();
    assert_eq!(shot.status(), 503);
    assert_eq!(shot.json::<Value>().await.unwrap()["error"], "no_signal");
    bench.post(&faults, json!({ "faults": {} })).await;
    eventually(Duration::from_secs(5), "signal back", || async {
        let device = get_json(&bench.device("sim2")).await;
        (device["status"] == "ok").then_some(())
    })
    .await;
    let bad = bench
        .post(
            &faults,
            json!({ "faults": { "drop_key_probability": 3.0 } }),
        )
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn a_lock_blocks_other_clients_until_released() {
    let bench = Bench::start(None).await;
    let lock_url = format!("{}/api/devices/bench/sim1/lock", bench.url);
    let granted: Value = bench
        .post(&lock_url, json!({ "owner": "alice" }))
        .await
        .json()
        .await
        .unwrap();
    let token = granted["token"].as_str().unwrap().to_string();

    let refused = bench.post(&lock_url, json!({ "owner": "bob" })).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(refused.json::<Value>().await.unwrap()["owner"], "alice");

    let blocked = bench.press("sim1", "RIGHT").await;
    assert_eq!(blocked.status(), 423);
    let body: Value = blocked.json().await.unwrap();
    assert_eq!(body["owner"], "alice");
    assert!(body["detail"].as_str().unwrap().contains("alice"));
    assert_eq!(
        bench.truth("sim1").await["keys_received"],
        0,
        "blocked key never reached the box"
    );

    let allowed = client()
        .post(format!("{}/remote/press", bench.device("sim1")))
        .header("x-vpt-lock", &token)
        .json(&json!({ "key": "RIGHT" }))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    let devices = get_json(&format!("{}/api/devices", bench.url)).await;
    assert_eq!(devices[0]["lock"]["owner"], "alice");

    let release = client()
        .delete(&lock_url)
        .header("x-vpt-lock", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(release.status(), 204);
    assert_eq!(bench.press("sim1", "LEFT").await.status(), 200);
}

#[tokio::test]
async fn bad_device_requests_get_clear_errors() {
    let frames = tempfile::tempdir().unwrap();
    for (i, shade) in [40u8, 200].iter().enumerate() {
        image::RgbImage::from_pixel(320, 240, image::Rgb([*shade, 0, 0]))
            .save(frames.path().join(format!("frame{i}.png")))
            .unwrap();
    }
    let config = format!(
        "[[host.devices]]\nid = \"sim1\"\ncapture = {{ kind = \"sim\" }}\nremote = {{ kind = \"sim\" }}\n\n\
         [[host.devices]]\nid = \"replay\"\ncapture = {{ kind = \"images\", dir = \"{}\", fps = 10 }}\n",
        frames.path().display()
    );
    let bench = Bench::start(Some(&config)).await;

    let unknown_key = bench.press("sim1", "WARP_DRIVE").await;
    assert_eq!(unknown_key.status(), 400);
    let body: Value = unknown_key.json().await.unwrap();
    assert_eq!(body["error"], "unknown_key");
    assert!(
        body["valid_keys"]
            .as_array()
            .unwrap()
            .contains(&json!("OK"))
    );

    let no_device = bench.press("nope", "OK").await;
    assert_eq!(no_device.status(), 404);
    assert_eq!(
        no_device.json::<Value>().await.unwrap()["error"],
        "not_found"
    );

    let no_remote = bench.press("replay", "OK").await;
    assert_eq!(no_remote.status(), 409);
    let no_power = bench
        .post(
            &format!("{}/power", bench.device("replay")),
            json!({ "action": "on" }),
        )
        .await;
    assert_eq!(no_power.status(), 409);

    let bad_action = bench
        .post(
            &format!("{}/power", bench.device("sim1")),
            json!({ "action": "explode" }),
        )
        .await;
    assert_eq!(bad_action.status(), 422);
    assert_eq!(
        bad_action.json::<Value>().await.unwrap()["error"],
        "invalid_body"
    );

    let bad_format = client()
        .get(format!("{}/screenshot?format=gif", bench.device("sim1")))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_format.status(), 400);

    let unknown_host = client()
        .get(format!("{}/api/hosts/ghost/devices/sim1", bench.url))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_host.status(), 404);

    // The images device replays its frames: both shades appear.
    let mut shades = std::collections::HashSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while shades.len() < 2 {
        assert!(std::time::Instant::now() < deadline, "both frames replayed");
        let shot = bench.screenshot("replay").await;
        assert_eq!(shot.dimensions(), (320, 240));
        shades.insert(shot.get_pixel(5, 5).0[0] > 120);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test]
async fn execute_drives_a_device_with_one_endpoint() {
    let bench = Bench::start(None).await;
    let url = format!("{}/api/hosts/bench/execute", bench.url);
    let pressed = bench.post(&url, json!({ "device": "sim2", "action": "press", "params": { "key": "RIGHT", "repeat": 2 } })).await;
    assert_eq!(pressed.status(), 200);
    assert_eq!(bench.truth("sim2").await["focus"], "settings");
    let unknown = bench
        .post(&url, json!({ "device": "sim2", "action": "teleport" }))
        .await;
    assert_eq!(unknown.status(), 400);
    assert!(unknown.json::<Value>().await.unwrap()["valid_actions"].is_array());
    let shot = bench
        .post(
            &url,
            json!({ "device": "sim2", "action": "screenshot", "params": { "format": "jpeg" } }),
        )
        .await;
    assert_eq!(shot.headers()["content-type"], "image/jpeg");
}
