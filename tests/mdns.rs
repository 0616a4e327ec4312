//! LAN discovery over real mDNS, inside a private network namespace so the test neither sees
//! nor disturbs the machine's network: a host with no server address finds the server and
//! joins; a host that cannot join shows in the server's "discovered" list. Needs root (for
//! `unshare -n`); skipped with a printed reason otherwise.

mod common;

use std::process::Command;

fn can_unshare() -> Result<(), String> {
    let probe = Command::new("unshare")
        .args(["-n", "true"])
        .output()
        .map_err(|e| format!("unshare unavailable: {e}"))?;
    if probe.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cannot create a network namespace (needs root): {}",
            String::from_utf8_lossy(&probe.stderr).trim()
        ))
    }
}

#[test]
fn host_without_server_url_finds_the_server_over_mdns() {
    if let Err(reason) = can_unshare() {
        eprintln!("SKIPPED host_without_server_url_finds_the_server_over_mdns: {reason}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let bin = common::BIN;
    // Everything below runs inside the namespace; it prints what the test checks.
    let script = format!(
        r#"
set -u
ip link set lo up
ip link set lo multicast on
export VPT_MDNS__ENABLED=true VPT_HOST__HEARTBEAT_INTERVAL_MS=200
TOKEN=0123456789abcdef0123456789
VPT_AUTH__ENABLED=false VPT_SERVER__BIND=127.0.0.1:5109 VPT_SERVER__HOST_TOKEN=$TOKEN {bin} server --data-dir {d}/server 2>{d}/server.log &
VPT_HOST__BIND=127.0.0.1:0 VPT_HOST__NAME=lan-host VPT_HOST__TOKEN=$TOKEN {bin} host --data-dir {d}/host 2>{d}/host.log &
VPT_HOST__BIND=127.0.0.1:0 VPT_HOST__NAME=stranger VPT_HOST__TOKEN=wrong-token-wrong-token {bin} host --data-dir {d}/stranger 2>{d}/stranger.log &
for i in $(seq 1 150); do
  hosts=$(curl -s http://127.0.0.1:5109/api/hosts)
  discovered=$(curl -s http://127.0.0.1:5109/api/hosts/discovered)
  case "$hosts" in *'"id":"lan-host"'*'"status":"online"'*)
    case "$discovered" in *stranger*) echo "HOSTS $hosts"; echo "DISCOVERED $discovered"; break;; esac;;
  esac
  sleep 0.1
done
kill $(jobs -p) 2>/dev/null
wait
"#
    );
    let output = Command::new("unshare")
        .args(["-n", "bash", "-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let logs = || {
        ["server", "host", "stranger"]
            .iter()
            .map(|n| {
                format!(
                    "--- {n}\n{}",
                    std::fs::read_to_string(dir.path().join(format!("{n}.log")))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let line = |prefix: &str| -> serde_json::Value {
        let text = stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix} line; stdout:\n{stdout}\n{}", logs()));
        serde_json::from_str(text).unwrap()
    };
    let hosts = line("HOSTS ");
    assert_eq!(hosts[0]["id"], "lan-host");
    assert_eq!(hosts[0]["status"], "online");
    assert_eq!(
        hosts.as_array().unwrap().len(),
        1,
        "the stranger never joined"
    );
    let discovered = line("DISCOVERED ");
    let names: Vec<&str> = discovered
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["stranger"],
        "joined hosts are not listed as discovered"
    );
    assert_eq!(discovered[0]["role"], "host");
}
