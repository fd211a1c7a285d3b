#!/usr/bin/env bash
# The house's floors, checked on every run: prescreen-core depends on no UI, storage or
# cryptography crate, and no .rs file in src/ or crates/ is over 1 000 lines.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(egui|eframe|egui_extras|rfd|clap|rusqlite|libsqlite3-sys|printpdf|lopdf|rsa|p256|ecdsa|sha2|x509-cert|cms|pkcs8|p12-keystore|der|signature) '
leaks=$(cargo tree --locked -p prescreen-core -e normal --prefix none | grep -E "$forbidden" | sort -u || true)
if [ -n "$leaks" ]; then
  echo "prescreen-core must not depend on UI, storage or crypto crates; found:" >&2
  echo "$leaks" >&2
  exit 1
fi
big=$(find src crates -name '*.rs' -print0 | xargs -0 wc -l | awk '$2 != "total" && $1 > 1000 {print $2" ("$1" lines)"}')
if [ -n "$big" ]; then
  echo "files over 1 000 lines (split them by role):" >&2
  echo "$big" >&2
  exit 1
fi
echo "floors hold: prescreen-core is free of UI, storage and crypto; no file over 1 000 lines"
