#!/usr/bin/env bash
# Every check CI runs: installs what the tests need, then fmt, clippy -D warnings, all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PRESCREEN_PYHANKO="$PWD/.venv/bin/pyhanko"
# Tests that need an external tool fail loudly when it is missing under CI.
export PRESCREEN_REQUIRE_TOOLS=1
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
