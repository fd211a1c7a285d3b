#!/usr/bin/env bash
# Runs tests/support/atspi_e2e.py the way a screen reader meets the app: a private X server
# (Xvfb), a private D-Bus session, the AT-SPI bus and registry, ScreenReaderEnabled set.
# Usage: scripts/atspi-e2e.sh PRESCREEN_BINARY DATA_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
inner() {
  /usr/libexec/at-spi-bus-launcher --launch-immediately >/dev/null 2>&1 &
  sleep 1
  busctl --user set-property org.a11y.Bus /org/a11y/bus org.a11y.Status ScreenReaderEnabled b true 2>/dev/null \
    || dbus-send --session --print-reply --dest=org.a11y.Bus /org/a11y/bus \
         org.freedesktop.DBus.Properties.Set string:org.a11y.Status \
         string:ScreenReaderEnabled variant:boolean:true >/dev/null
  /usr/bin/python3 "$here/tests/support/atspi_e2e.py" "$@"
}
if [ "${1:-}" = "--inner" ]; then
  shift
  inner "$@"
else
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$0" --inner "$@" 2> >(grep -v "fd limit\|Activating service\|Successfully activated" >&2)
fi
