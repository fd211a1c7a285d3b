#!/usr/bin/env bash
# Every check CI runs: installs what the tests need, then fmt, clippy -D warnings, all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PRESCREEN_PYHANKO="$PWD/.venv/bin/pyhanko"
# Tests that need an external tool fail loudly when it is missing under CI.
export PRESCREEN_REQUIRE_TOOLS=1
cargo fmt --all -- --check
# The house's floors: the core crate links no UI, storage or crypto, and no source file grows
# past 1 000 lines.
./scripts/floors.sh
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
