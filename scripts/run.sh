#!/usr/bin/env bash
# Sets up and starts prescreen (the desktop window; pass arguments for the command line).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo run --release --locked -- "$@"
