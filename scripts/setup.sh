#!/usr/bin/env bash
# Installs what prescreen's build, tests and checks need on a fresh Debian machine
# (Rust 1.95 with rustfmt and clippy is assumed to be there already).
# Idempotent: safe to run again. Needs root or sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# poppler-utils: pdftotext/pdftoppm/pdfsig; qpdf: structure check; openssl: test PKCS#12 files;
# python3-venv: pinned pyHanko validator; xvfb/xdotool/imagemagick: screenshots of the window;
# fonts-dejavu-core: the report font's upstream copy (the TTF we ship is in assets/);
# at-spi2-core, dbus, python3-pyatspi: the end-to-end screen-reader test (tests/atspi.rs);
# postgresql: the site-server tests start a throw-away cluster of their own (initdb, pg_ctl,
# pg_dump; never the package's own service).
PACKAGES=(poppler-utils qpdf openssl python3-venv xvfb xdotool imagemagick fonts-dejavu-core
  at-spi2-core dbus python3-pyatspi postgresql)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

# pyHanko, pinned, in a project-local venv (Debian refuses system-wide pip installs).
if [ ! -x .venv/bin/pyhanko ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet pyhanko==0.38.0 pyhanko-certvalidator==0.33.0 pyhanko-cli==0.6.0
fi
