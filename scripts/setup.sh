#!/usr/bin/env bash
# Installs what building and testing vpt needs on Debian/Ubuntu, skipping what is already there.
#   scripts/setup.sh          build dependencies (run)
#   scripts/setup.sh --test   plus what the test suite uses (Chromium, curl, iproute2, the adb
#                             server and lircd the device-driver tests talk to, ffmpeg for
#                             timeline video exports, and Prometheus for the metrics check)
set -euo pipefail
cd "$(dirname "$0")/.."

# libclang builds the bindings of the V4L2 and Tesseract libraries; Tesseract reads text (OCR).
packages=(libclang1-14 libclang-common-14-dev pkg-config libtesseract-dev libleptonica-dev
  tesseract-ocr tesseract-ocr-eng)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium curl iproute2 util-linux adb lirc ffmpeg prometheus)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust from https://rustup.rs" >&2; exit 1; }
node_major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || true)
if [[ -z "$node_major" || "$node_major" -lt 20 ]]; then
  echo "setup: Node.js 20 or newer is needed to build the web UI (found: ${node_major:-none})" >&2
  exit 1
fi

scripts/build-web.sh
