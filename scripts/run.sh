#!/usr/bin/env bash
# Installs what is needed, builds vpt (release, web UI inside) and runs `vpt all`:
# a server and a host with two simulated set-top boxes, UI at http://localhost:5109,
# data in ./vpt-data. Extra arguments go to vpt (e.g. --data-dir /srv/vpt).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked
exec target/release/vpt "$@" all
