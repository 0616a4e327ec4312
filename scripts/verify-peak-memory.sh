#!/usr/bin/env bash
# Peak memory of the worst image verification the limits allow (docs/security.md, "Pictures"):
# `vpt all` with one device whose frames are 4096x2160 pictures (the largest frame), verified
# against a reference of the same size (the largest reference), three times in a row and then
# four at once. Prints the process's RSS and its peak (VmHWM) before and after, and the answer
# to a reference one pixel over the limit (refused from its header).
#
#   scripts/verify-peak-memory.sh            builds and uses target/release/vpt
#   VPT_BIN=/path/to/vpt scripts/verify-peak-memory.sh
#
# Needs ffmpeg (to draw the pictures), curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "verify-peak-memory: $*"; }
VPT_BIN=${VPT_BIN:-target/release/vpt}
if [[ ! -x "$VPT_BIN" ]]; then
  say "building $VPT_BIN"
  cargo build --release --quiet
fi

work=$(mktemp -d)
vpt_pid=""
cleanup() {
  [[ -n "$vpt_pid" ]] && kill "$vpt_pid" 2>/dev/null && wait "$vpt_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/frames"
ffmpeg -loglevel error -f lavfi -i testsrc2=size=4096x2160 -frames:v 1 "$work/frames/0.png"
ffmpeg -loglevel error -f lavfi -i testsrc2=size=4097x2160 -frames:v 1 "$work/over.png"
cat >"$work/vpt.toml" <<EOF
[host]
name = "big"

[[host.devices]]
id = "uhd"
name = "4K frames"
capture = { kind = "images", dir = "$work/frames", fps = 5 }
remote = { kind = "none" }
EOF

VPT_AUTH__ENABLED=false VPT_SERVER__BIND=127.0.0.1:0 VPT_HOST__BIND=127.0.0.1:0 \
  VPT_MDNS__ENABLED=false VPT_SERVER__DEMO_CONTENT=false \
  "$VPT_BIN" all --data-dir "$work/data" --config "$work/vpt.toml" 2>"$work/vpt.log" &
vpt_pid=$!
for _ in $(seq 100); do [[ -s "$work/data/server.url" ]] && break; sleep 0.1; done
url=$(cat "$work/data/server.url")
for _ in $(seq 100); do
  curl -sf "$url/api/hosts" | grep -q '"online"' && break
  sleep 0.1
done

memory() { awk '/VmRSS|VmHWM/ {printf "%s %.0f MiB  ", $1, $2/1024}' "/proc/$vpt_pid/status"; echo; }
body() {
  python3 - "$1" <<'PY'
import base64, json, sys
png = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
print(json.dumps({"verifications": [{"kind": "image", "timeout_ms": 0,
      "reference": {"name": "whole-frame", "png_base64": png}}]}))
PY
}
body "$work/frames/0.png" >"$work/verify.json"
body "$work/over.png" >"$work/over.json"

say "before:         $(memory)"
for i in 1 2 3; do
  answer=$(curl -s -H 'content-type: application/json' --data-binary "@$work/verify.json" \
    "$url/api/hosts/big/devices/uhd/verify")
  python3 -c 'import json,sys; a=json.loads(sys.argv[1]); r=a["results"][0]; print("  verification %s: passed=%s score=%.3f in %.0f ms" % (sys.argv[2], r["passed"], r.get("score") or 0, a["ms"]))' "$answer" "$i"
done
say "after 3:        $(memory)"
pids=()
for i in 1 2 3 4; do
  curl -s -o /dev/null -H 'content-type: application/json' --data-binary "@$work/verify.json" \
    "$url/api/hosts/big/devices/uhd/verify" &
  pids+=($!)
done
wait "${pids[@]}"
say "after 4 at once: $(memory)"
say "one pixel over the limit: $(curl -s -H 'content-type: application/json' --data-binary "@$work/over.json" \
  "$url/api/hosts/big/devices/uhd/verify")"
