#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and integration tests (real server, hosts and
# sim devices), mDNS in a network namespace (when root), and browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --all-targets
# Doc tests are not part of --all-targets.
cargo test --locked --doc

(cd web && npm run --silent typecheck)
(cd web && npm run --silent lint)
VPT_BIN="$PWD/target/debug/vpt" node --test --test-concurrency=1 web/e2e/
