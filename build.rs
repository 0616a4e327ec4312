//! Points the embedded web UI at `web/dist` when it has been built, and otherwise at a one-page
//! fallback that says how to build it, so `cargo build` works on a fresh clone.

use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dist = manifest.join("web").join("dist");
    println!("cargo:rerun-if-changed=web/dist");
    println!("cargo:rerun-if-changed=web/dist/index.html");
    let folder = if dist.join("index.html").is_file() {
        dist
    } else {
        let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
            .join("web-fallback");
        std::fs::create_dir_all(&out).expect("cannot create the fallback web folder");
        std::fs::write(
            out.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>vpt</title>\
             <body style=\"font-family:sans-serif;margin:3em\"><h1>vpt</h1>\
             <p>The web UI was not built into this binary. Run <code>scripts/build-web.sh</code> \
             (or <code>npm ci && npm run build</code> in <code>web/</code>) and rebuild.</p>\
             <p>The API is available under <code>/api</code>.</p></body>",
        )
        .expect("cannot write the fallback page");
        out
    };
    println!("cargo:rustc-env=VPT_WEB_DIST={}", folder.display());
    let build = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=VPT_BUILD={build}");
}
