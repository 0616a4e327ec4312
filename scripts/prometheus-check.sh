#!/usr/bin/env bash
# End-to-end check of the metrics with a real Prometheus: starts `vpt all` (a server and a host
# with two simulated set-top boxes) on free ports with a temporary data dir, starts Prometheus
# scraping the server's /metrics every second, and waits until Prometheus answers
# `vpt_hosts{status="online"}` = 1 and has the host's federated capture figures. Also runs
# `promtool check metrics` on the output. Exits 0 on success; cleans up in every case.
#
#   scripts/prometheus-check.sh            uses target/debug/vpt (built if missing)
#   VPT_BIN=/path/to/vpt scripts/prometheus-check.sh
#
# Needs `prometheus` and `promtool` (Debian package `prometheus`; `scripts/setup.sh --test`)
# and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "prometheus-check: $*"; }
fail() { echo "prometheus-check: FAILED: $*" >&2; exit 1; }

PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || true)}
[[ -x "$PROMETHEUS" ]] || fail "prometheus not found (apt-get install prometheus, or scripts/setup.sh --test)"
command -v curl >/dev/null || fail "curl not found"
VPT_BIN=${VPT_BIN:-target/debug/vpt}
if [[ ! -x "$VPT_BIN" ]]; then
  say "building $VPT_BIN"
  cargo build --quiet
fi

work=$(mktemp -d)
vpt_pid=""
prom_pid=""
cleanup() {
  for pid in "$prom_pid" "$vpt_pid"; do
    if [[ -n "$pid" ]]; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
show_logs() {
  echo "---- vpt log (last 30 lines) ----" >&2; tail -n 30 "$work/vpt.log" >&2 || true
  echo "---- prometheus log (last 30 lines) ----" >&2; tail -n 30 "$work/prometheus.log" >&2 || true
}

# Prometheus scrapes with a viewer's API token, as a deployment would: the user is made with the
# CLI before the server starts, the token through the API.
scrape_password="scrape-password-1"
echo "$scrape_password" | "$VPT_BIN" --data-dir "$work/data" user add prometheus --role viewer \
  --password-stdin >"$work/user.log" 2>&1 || { cat "$work/user.log" >&2; fail "vpt user add failed"; }

# vpt listens on port 0 and writes its URL into the data dir once it listens.
say "starting vpt all in $work/data"
env -u VPT_CONFIG VPT_SERVER__BIND=127.0.0.1:0 VPT_HOST__BIND=127.0.0.1:0 \
  VPT_MDNS__ENABLED=false VPT_SERVER__DEMO_CONTENT=false VPT_HOST__NAME=promcheck \
  VPT_AUTH__ENABLED=true \
  "$VPT_BIN" all --data-dir "$work/data" >"$work/vpt.log" 2>&1 &
vpt_pid=$!
for _ in $(seq 1 200); do
  [[ -s "$work/data/server.url" ]] && break
  kill -0 "$vpt_pid" 2>/dev/null || { show_logs; fail "vpt exited before listening"; }
  sleep 0.1
done
[[ -s "$work/data/server.url" ]] || { show_logs; fail "vpt did not listen within 20 s"; }
server_url=$(cat "$work/data/server.url")
target=${server_url#http://}
say "vpt server at $server_url"

anonymous=$(curl -s -o /dev/null -w '%{http_code}' "$server_url/metrics")
[[ "$anonymous" == 401 ]] || fail "GET /metrics without a token answered $anonymous, not 401"
curl -fsS -c "$work/cookies" -H 'content-type: application/json' \
  -d "{\"name\":\"prometheus\",\"password\":\"$scrape_password\"}" \
  "$server_url/api/auth/login" >/dev/null || { show_logs; fail "sign-in failed"; }
curl -fsS -b "$work/cookies" -H 'x-vpt-csrf: 1' -H 'content-type: application/json' \
  -d '{"name":"prometheus scrape"}' "$server_url/api/tokens" |
  grep -o '"token":"vpt_[0-9a-f]*"' | cut -d'"' -f4 >"$work/scrape-token"
[[ -s "$work/scrape-token" ]] || { show_logs; fail "no API token for the scrape"; }
say "scraping with a viewer's API token (anonymous /metrics: 401)"

metrics=$(curl -fsS -H "Authorization: Bearer $(cat "$work/scrape-token")" "$server_url/metrics") ||
  { show_logs; fail "GET /metrics failed"; }
if command -v promtool >/dev/null; then
  echo "$metrics" | promtool check metrics || fail "promtool check metrics found problems"
  say "promtool check metrics: ok"
else
  say "promtool not found: output lint skipped"
fi

# A free port for Prometheus: the first that nothing answers on.
port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
[[ -n "$port" ]] || fail "no free port for Prometheus"

cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vpt
    metrics_path: /metrics
    scrape_timeout: 1s
    authorization:
      type: Bearer
      credentials_file: $work/scrape-token
    static_configs:
      - targets: ["$target"]
EOF
say "starting Prometheus on 127.0.0.1:$port"
"$PROMETHEUS" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
prom_pid=$!

# Value of an instant query, or nothing while there is no result.
query() {
  curl -fsS "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
    grep -o '"value":\[[^]]*\]' | head -n 1 | sed -E 's/.*,"([^"]*)"\]/\1/'
}

wait_for() { # description, query, expected value (or "any")
  for _ in $(seq 1 60); do
    kill -0 "$prom_pid" 2>/dev/null || { show_logs; fail "Prometheus exited"; }
    value=$(query "$2" || true)
    if [[ -n "$value" && ( "$3" == "any" || "$value" == "$3" ) ]]; then
      say "$1: $2 = $value"
      return 0
    fi
    sleep 0.5
  done
  show_logs
  fail "$1: $2 did not become $3 within 30 s (last: ${value:-no result})"
}

wait_for "scrape target up" 'up{job="vpt"}' 1
wait_for "host online" 'vpt_hosts{status="online"}' 1
wait_for "host federated" 'vpt_host_scrape_success{host="promcheck"}' 1
wait_for "capture figures federated" 'vpt_capture_fps{host="promcheck",device="sim1"} > 0' any
say "ok"
