//! Verifications on live sim devices through the server, references made from a device's frame,
//! and the offline `vpt check` command.

mod common;

use std::time::Duration;

use common::bench::Bench;
use common::{client, get_json};
use serde_json::{Value, json};

/// The "Settings" tile label of the sim's home screen (1280x720).
fn settings_tile() -> Value {
    json!({ "x": 560, "y": 370, "width": 160, "height": 44 })
}

/// Verification helpers of these tests on top of the shared bench.
trait VerifyBench {
    async fn verify(&self, device: &str, verifications: Value) -> Value;
    async fn press(&self, device: &str, keys: &[&str]);
    async fn reference(&self, name: &str, kind: &str, device: &str, area: Value) -> Value;
}

impl VerifyBench for Bench {
    async fn verify(&self, device: &str, verifications: Value) -> Value {
        let response = self
            .post(
                &format!("/api/hosts/bench/devices/{device}/verify"),
                json!({ "verifications": verifications }),
            )
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Presses keys, then waits until the capture shows what the box drew after them.
    async fn press(&self, device: &str, keys: &[&str]) {
        for key in keys {
            let response = self
                .post(
                    &format!("/api/hosts/bench/devices/{device}/remote/press"),
                    json!({ "key": key }),
                )
                .await;
            assert_eq!(response.status(), 200);
        }
        let pressed_at = self.frame_seq(device).await;
        common::eventually(
            Duration::from_secs(5),
            "frames after the key press",
            || async { (self.frame_seq(device).await >= pressed_at + 2).then_some(()) },
        )
        .await;
    }

    async fn reference(&self, name: &str, kind: &str, device: &str, area: Value) -> Value {
        let response = self
            .post(
                "/api/references",
                json!({ "name": name, "userinterface": "demo-stb", "kind": kind, "area": area,
                        "source": { "host": "bench", "device": device } }),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body
    }
}

#[tokio::test]
async fn reference_cut_from_a_device_is_found_then_gone() {
    let bench = Bench::start(None).await;
    let reference = bench
        .reference("settings tile", "image", "sim1", settings_tile())
        .await;
    assert_eq!(reference["source_width"], 1280);
    let png = client()
        .get(format!(
            "{}{}",
            bench.url,
            reference["image_url"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(image::load_from_memory(&png).unwrap().width(), 160);

    let found = bench
        .verify(
            "sim1",
            json!([{ "kind": "image", "reference": "settings tile", "userinterface": "demo-stb" }]),
        )
        .await;
    let result = &found["results"][0];
    assert_eq!(found["passed"], true, "{found}");
    assert_eq!(result["region"], settings_tile(), "found where it was cut");
    assert!(result["score"].as_f64().unwrap() > 0.95);
    let annotated = client()
        .get(format!(
            "{}{}",
            bench.url,
            result["annotated_url"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(annotated.headers()["content-type"], "image/jpeg");

    // Focus on the Settings tile changes its look: the unfocused tile is gone.
    bench.press("sim1", &["RIGHT", "RIGHT"]).await;
    let gone = bench
        .verify(
            "sim1",
            json!([{ "kind": "image", "reference_id": reference["id"], "mode": "absent", "timeout_ms": 3000 }]),
        )
        .await;
    assert_eq!(gone["passed"], true, "{gone}");
    assert_eq!(gone["results"][0]["matched"], false);
}

#[tokio::test]
async fn wait_for_appear_after_a_key_press_and_a_clean_failure_when_the_key_is_dropped() {
    let bench = Bench::start(None).await;
    // Cut the Settings screen's title while sim2 shows it, then go back home.
    bench.press("sim2", &["RIGHT", "RIGHT", "OK"]).await;
    let truth = get_json(&format!("{}/api/hosts/bench/devices/sim2/sim", bench.url)).await;
    assert_eq!(truth["screen"], "settings");
    let title = json!({ "x": 40, "y": 100, "width": 300, "height": 80 });
    bench
        .reference("settings screen", "image", "sim2", title)
        .await;
    bench.press("sim2", &["HOME"]).await;
    let absent = bench
        .verify("sim2", json!([{ "kind": "image", "reference": "settings screen", "userinterface": "demo-stb", "timeout_ms": 0 }]))
        .await;
    assert_eq!(absent["passed"], false, "not on the home screen: {absent}");

    bench.press("sim2", &["OK"]).await;
    let appeared = bench
        .verify("sim2", json!([{ "kind": "image", "reference": "settings screen", "userinterface": "demo-stb", "timeout_ms": 5000 }]))
        .await;
    assert_eq!(appeared["passed"], true, "{appeared}");
    assert!(appeared["results"][0]["waited_ms"].as_f64().unwrap() < 5000.0);

    // Every key is dropped now: the screen never appears, and the verdict says so in time.
    bench.press("sim2", &["HOME"]).await;
    let faults = bench
        .post(
            "/api/hosts/bench/devices/sim2/sim",
            json!({ "faults": { "drop_key_probability": 1.0 } }),
        )
        .await;
    assert_eq!(faults.status(), 200);
    bench.press("sim2", &["OK"]).await;
    let started = std::time::Instant::now();
    let missed = bench
        .verify("sim2", json!([{ "kind": "image", "reference": "settings screen", "userinterface": "demo-stb", "timeout_ms": 1000 }]))
        .await;
    assert_eq!(missed["passed"], false);
    let detail = missed["results"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("not met within 1000 ms"), "{detail}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn text_black_motion_and_freeze() {
    let bench = Bench::start(None).await;
    let text = bench
        .verify("sim1", json!([{ "kind": "text", "expect": "Einstellungen|settings", "region": settings_tile() }]))
        .await;
    assert_eq!(text["passed"], true, "{text}");
    assert_eq!(
        text["results"][0]["text"].as_str().unwrap().trim(),
        "Settings"
    );

    let reference = bench
        .reference("settings label", "text", "sim1", settings_tile())
        .await;
    assert_eq!(reference["text"], "Settings", "OCR filled the text in");

    // Live TV moves; freezing it makes the picture still.
    bench.press("sim1", &["OK"]).await;
    let moving = bench
        .verify("sim1", json!([{ "kind": "motion", "timeout_ms": 2000 }]))
        .await;
    assert_eq!(moving["passed"], true, "{moving}");
    bench
        .post(
            "/api/hosts/bench/devices/sim1/sim",
            json!({ "faults": { "freeze": true } }),
        )
        .await;
    let frozen = bench
        .verify(
            "sim1",
            json!([{ "kind": "freeze", "duration_ms": 800, "timeout_ms": 3000 }]),
        )
        .await;
    assert_eq!(frozen["passed"], true, "{frozen}");

    bench
        .post("/api/hosts/bench/devices/sim1/sim", json!({ "faults": {} }))
        .await;
    bench
        .post(
            "/api/hosts/bench/devices/sim1/power",
            json!({ "action": "off" }),
        )
        .await;
    let black = bench
        .verify("sim1", json!([{ "kind": "black", "timeout_ms": 3000 }]))
        .await;
    assert_eq!(black["passed"], true, "{black}");
}

#[tokio::test]
async fn bad_verifications_and_references_are_refused_and_change_nothing() {
    let bench = Bench::start(None).await;
    let verify = |body: Value| bench.post("/api/hosts/bench/devices/sim1/verify", body);

    let unknown = verify(json!({ "verifications": [{ "kind": "image", "reference": "nope", "userinterface": "demo-stb" }] })).await;
    assert_eq!(unknown.status(), 404);
    assert!(
        unknown.json::<Value>().await.unwrap()["detail"]
            .as_str()
            .unwrap()
            .contains("nope")
    );

    let bad_kind = verify(json!({ "verifications": [{ "kind": "smell" }] })).await;
    assert_eq!(bad_kind.status(), 422);
    let outside = verify(json!({ "verifications": [{ "kind": "black", "region": { "x": 5000, "y": 0, "width": 10, "height": 10 } }] })).await;
    assert_eq!(outside.status(), 400);
    let none = verify(json!({ "verifications": [] })).await;
    assert_eq!(none.status(), 400);

    let outside_area = bench
        .post(
            "/api/references",
            json!({ "name": "x", "userinterface": "demo-stb", "kind": "image",
                    "area": { "x": 1200, "y": 700, "width": 200, "height": 200 },
                    "source": { "host": "bench", "device": "sim1" } }),
        )
        .await;
    assert_eq!(outside_area.status(), 400);
    let bad_name = bench
        .post(
            "/api/references",
            json!({ "name": "../../etc/passwd", "userinterface": "demo-stb", "kind": "image",
                    "area": settings_tile(), "source": { "host": "bench", "device": "sim1" } }),
        )
        .await;
    assert_eq!(bad_name.status(), 400);
    let not_png = client()
        .post(format!(
            "{}/api/references/upload?name=junk&userinterface=demo-stb",
            bench.url
        ))
        .header("content-type", "image/png")
        .body("this is not a png")
        .send()
        .await
        .unwrap();
    assert_eq!(not_png.status(), 400);
    assert_eq!(
        get_json(&format!("{}/api/references", bench.url)).await,
        json!([]),
        "nothing written"
    );
    let files = std::fs::read_dir(bench.vpt.data_dir.join("references"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(files, 0);
}

#[tokio::test]
async fn references_can_be_uploaded_renamed_and_deleted() {
    let bench = Bench::start(None).await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(40, 30, image::Rgba([200, 10, 10, 255]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let upload = |name: &str| {
        client()
            .post(format!(
                "{}/api/references/upload?name={name}&userinterface=demo-stb&area=10,20,40,30",
                bench.url
            ))
            .header("content-type", "image/png")
            .body(png.get_ref().clone())
            .send()
    };
    let created = upload("red").await.unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        created["area"],
        json!({ "x": 10, "y": 20, "width": 40, "height": 30 })
    );
    assert_eq!(
        upload("red").await.unwrap().status(),
        409,
        "names are unique per userinterface"
    );
    upload("blue").await.unwrap();

    let url = format!("{}/api/references/{}", bench.url, created["id"]);
    let renamed = client()
        .put(&url)
        .json(&json!({ "name": "crimson" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.json::<Value>().await.unwrap()["name"], "crimson");
    let clash = client()
        .put(&url)
        .json(&json!({ "name": "blue" }))
        .send()
        .await
        .unwrap();
    assert_eq!(clash.status(), 409);
    let listed = get_json(&format!(
        "{}/api/references?userinterface=demo-stb",
        bench.url
    ))
    .await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["blue", "crimson"]);
    assert_eq!(client().delete(&url).send().await.unwrap().status(), 204);
    assert_eq!(client().get(&url).send().await.unwrap().status(), 404);
    assert_eq!(
        get_json(&format!("{}/api/references?userinterface=other", bench.url)).await,
        json!([])
    );
}

#[test]
fn check_command_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let frame = dir.path().join("frame.png");
    let reference = dir.path().join("ref.png");
    let mut image = image::RgbImage::from_pixel(320, 240, image::Rgb([20, 20, 30]));
    for y in 100..140 {
        for x in 50..110 {
            image.put_pixel(x, y, image::Rgb([(x * 4) as u8, (y * 2) as u8, 200]));
        }
    }
    image.save(&frame).unwrap();
    image::imageops::crop_imm(&image, 50, 100, 60, 40)
        .to_image()
        .save(&reference)
        .unwrap();
    let run = |args: &[&str]| {
        let output = std::process::Command::new(common::BIN)
            .arg("check")
            .args(args)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).to_string(),
        )
    };
    let (code, stdout) = run(&[
        "match",
        frame.to_str().unwrap(),
        reference.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stdout}");
    let verdict: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        verdict["region"],
        json!({ "x": 50, "y": 100, "width": 60, "height": 40 })
    );
    let (code, _) = run(&[
        "match",
        frame.to_str().unwrap(),
        reference.to_str().unwrap(),
        "--region",
        "150,0,170,90",
    ]);
    assert_eq!(code, Some(1), "not in that region");
    let (code, _) = run(&["black", frame.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    let (code, _) = run(&["match", "/nonexistent.png", reference.to_str().unwrap()]);
    assert_eq!(code, Some(2));
}
