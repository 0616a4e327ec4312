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
ffmpeg -loglevel error -f lavfi -i testsrc2=size=4098x2160 -frames:v 1 "$work/over.png"
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
# The largest reference is stored (an inline one would not fit server.max_body_bytes).
upload() {
  curl -s -H 'content-type: image/png' --data-binary "@$1" \
    "$url/api/references/upload?name=$2&userinterface=big&area=$3&source_width=$4&source_height=2160"
}
reference_id=$(upload "$work/frames/0.png" whole-frame 0,0,4096,2160 4096 |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "{\"verifications\": [{\"kind\": \"image\", \"timeout_ms\": 0, \"reference_id\": $reference_id}]}" >"$work/verify.json"

say "before:         $(memory)"
for i in 1 2 3; do
  answer=$(curl -s -H 'content-type: application/json' --data-binary "@$work/verify.json" \
    "$url/api/hosts/big/devices/uhd/verify")
  python3 -c 'import json,sys; a=json.loads(sys.argv[1]); "results" in a or sys.exit("verification failed: " + sys.argv[1]); r=a["results"][0]; print("  verification %s: passed=%s score=%.3f in %.0f ms" % (sys.argv[2], r["passed"], r.get("score") or 0, a["ms"]))' "$answer" "$i"
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
say "a reference wider than 4096 px: $(upload "$work/over.png" over 0,0,4098,2160 4098)"
