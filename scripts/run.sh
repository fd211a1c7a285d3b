#!/usr/bin/env bash
# Sets up and starts prescreen: the desktop window, or a command-line subcommand when given
# arguments (`./scripts/run.sh --help`). The first build compiles in release mode (about
# 10-15 minutes on 2 cores); later starts are immediate.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# The window loads X11/Wayland and OpenGL at run time; a desktop Debian has them already.
RUNTIME=(libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 libgl1 libegl1)
missing=()
for p in "${RUNTIME[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
exec cargo run --release --locked -- "$@"
