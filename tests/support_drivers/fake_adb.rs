//! A fake adb server for tests and benchmarks: speaks the smart-socket protocol of the real
//! one (host services, `host:transport:<serial>`, `shell:` and `exec:`) in front of one
//! imaginary Android device whose shell knows the few commands vpt sends. It records every
//! device command so tests can check what reached the "device".

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub const SETTINGS_XML: &str = include_str!("../fixtures/uiautomator_settings.xml");
const HOME_XML: &str = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\"><node index=\"0\" text=\"\" resource-id=\"\" class=\"android.widget.FrameLayout\" package=\"com.google.android.apps.nexuslauncher\" content-desc=\"Home\" checkable=\"false\" checked=\"false\" clickable=\"false\" enabled=\"true\" focusable=\"false\" focused=\"false\" scrollable=\"false\" long-clickable=\"false\" password=\"false\" selected=\"false\" bounds=\"[0,0][1080,2220]\" /></hierarchy>";

#[derive(Default)]
pub struct Device {
    /// Device-side commands, in order.
    pub commands: Vec<String>,
    /// Whether the screen shows Settings (HOME leaves it, launching settings returns).
    pub at_home: bool,
}

pub struct FakeAdb {
    pub addr: SocketAddr,
    pub serial: String,
    pub device: Arc<Mutex<Device>>,
}

impl FakeAdb {
    pub async fn start(serial: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let device = Arc::new(Mutex::new(Device::default()));
        let (shared, name) = (device.clone(), serial.to_string());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream, name.clone(), shared.clone()));
            }
        });
        Self {
            addr,
            serial: serial.to_string(),
            device,
        }
    }

    pub fn commands(&self) -> Vec<String> {
        self.device.lock().unwrap().commands.clone()
    }
}

async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<String> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await.ok()?;
    let len = usize::from_str_radix(std::str::from_utf8(&len).ok()?, 16).ok()?;
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.ok()?;
    String::from_utf8(body).ok()
}

fn framed(text: &str) -> Vec<u8> {
    let mut out = format!("OKAY{:04x}", text.len()).into_bytes();
    out.extend_from_slice(text.as_bytes());
    out
}

fn fail(text: &str) -> Vec<u8> {
    let mut out = format!("FAIL{:04x}", text.len()).into_bytes();
    out.extend_from_slice(text.as_bytes());
    out
}

async fn serve(stream: TcpStream, serial: String, device: Arc<Mutex<Device>>) {
    let mut stream = BufReader::new(stream);
    let mut transport = false;
    while let Some(request) = read_request(&mut stream).await {
        let w = stream.get_mut();
        if !transport {
            let reply = match request.as_str() {
                "host:version" => framed("0029"),
                "host:features" => framed(""),
                "host:devices" => framed(&format!("{serial}\tdevice\n")),
                r if r.starts_with("host-serial:") && r.ends_with(":features") => framed(""),
                r if r.starts_with("host:connect:") => {
                    framed(&format!("failed to connect to '{}'", &r[13..]))
                }
                r if r == format!("host:transport:{serial}") => {
                    transport = true;
                    b"OKAY".to_vec()
                }
                r if r == format!("host:tport:serial:{serial}") => {
                    transport = true;
                    let mut out = b"OKAY".to_vec();
                    out.extend_from_slice(&1u64.to_le_bytes());
                    out
                }
                r if r.starts_with("host:transport:") || r.starts_with("host:tport:") => {
                    let wanted = r.rsplit(':').next().unwrap_or("");
                    fail(&format!("device '{wanted}' not found"))
                }
                other => fail(&format!("unknown host service {other}")),
            };
            if w.write_all(&reply).await.is_err() {
                return;
            }
            // Like the real server, a host service's socket closes after its answer (the adb
            // client waits for that); a transport switch keeps it for the device service.
            if !transport {
                return;
            }
            continue;
        }
        let command = if let Some(c) = request.strip_prefix("shell:") {
            c.to_string()
        } else if let Some(c) = request.strip_prefix("exec:") {
            c.to_string()
        } else {
            let _ = w.write_all(&fail("unsupported service")).await;
            return;
        };
        if w.write_all(b"OKAY").await.is_err() {
            return;
        }
        if command.is_empty() || command == "sh" {
            // An interactive shell: one command per line until the client hangs up.
            let mut line = String::new();
            loop {
                line.clear();
                match stream.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let out = run(&device, line.trim_end());
                if stream.get_mut().write_all(out.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
        let out = run(&device, &command);
        let _ = stream.get_mut().write_all(out.as_bytes()).await;
        return;
    }
}

/// The device's shell: `cmd; echo <marker> $?` lines, and the commands vpt sends.
fn run(device: &Mutex<Device>, line: &str) -> String {
    let (command, marker) = match line.split_once("; echo ") {
        Some((command, echo)) => (command, echo.strip_suffix(" $?").map(str::to_string)),
        None => (line, None),
    };
    let mut device = device.lock().unwrap();
    device.commands.push(command.to_string());
    let (out, status) = if let Some(code) = command.strip_prefix("input keyevent ") {
        if code.trim_start_matches("--longpress ") == "3" {
            device.at_home = true;
        }
        (String::new(), 0)
    } else if command.starts_with("input ") {
        (String::new(), 0)
    } else if command == "pm list packages" {
        (
            "package:com.android.settings\npackage:com.netflix.ninja\npackage:android\n".into(),
            0,
        )
    } else if let Some(rest) = command.strip_prefix("monkey -p ") {
        let package = rest.split_whitespace().next().unwrap_or("");
        if ["com.android.settings", "com.netflix.ninja"].contains(&package) {
            if package == "com.android.settings" {
                device.at_home = false;
            }
            ("  bash arg: -p\n  bash arg: 1\nEvents injected: 1\n## Network stats: elapsed time=12ms\n".into(), 0)
        } else {
            (
                "** No activities found to run, monkey aborted.\n".into(),
                252,
            )
        }
    } else if command.starts_with("am force-stop ") {
        (String::new(), 0)
    } else if command.starts_with("uiautomator dump") {
        let xml = if device.at_home {
            HOME_XML
        } else {
            SETTINGS_XML
        };
        (xml.to_string(), 0)
    } else {
        (
            format!("/system/bin/sh: {command}: inaccessible or not found\n"),
            127,
        )
    };
    match marker {
        Some(marker) => format!("{out}{marker} {status}\n"),
        None => out,
    }
}
