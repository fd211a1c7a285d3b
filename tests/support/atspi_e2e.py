"""End-to-end through the platform accessibility API (AT-SPI, what Orca reads).

Run inside Xvfb and a D-Bus session with the AT-SPI bus started and ScreenReaderEnabled set
(see scripts/atspi-e2e.sh). Starts prescreen on DATA_DIR (a coordinator already set), screens
the A-MUSE ELIGIBLE reference candidate with the keyboard only (xdotool), and checks through
pyatspi: no focusable node without a name, no radio button named only by its answer, the
verdict heard as it changed. Prints what a screen reader heard. Exit 0 when every check holds.

Usage: /usr/bin/python3 atspi_e2e.py PRESCREEN_BINARY DATA_DIR
"""
import subprocess
import sys
import time

import pyatspi

binary, data_dir = sys.argv[1], sys.argv[2]
heard = []          # focus changes and live-region updates, in order
verdicts = []       # names the verdict heading took


def on_event(event):
    try:
        source = event.source
        role = source.getRoleName()
        # A name change carries the new name itself: read later, the node may say more.
        if event.type.startswith("object:property-change:accessible-name"):
            name = str(event.any_data or "")
        else:
            name = source.name or ""
    except Exception:
        return
    if event.type.startswith("object:state-changed:focused") and event.detail1 == 1:
        heard.append(f"focus: {role} \"{name}\"")
    elif (event.type.startswith("object:property-change:accessible-name")
          and name.startswith("Saved: ")
          and (not heard or heard[-1] != f"said: \"{name}\"")):
        heard.append(f"said: \"{name}\"")
    elif role == "heading" and name and any(
        v in name for v in ("ELIGIBLE", "INCOMPLETE", "PRE-SCREEN PASSED")
    ):
        if not verdicts or verdicts[-1] != name:
            verdicts.append(name)
            heard.append(f"verdict ({event.type}): \"{name}\"")


for kind in ("object:state-changed:focused", "object:property-change:accessible-name",
             "object:text-changed", "object:children-changed"):
    pyatspi.Registry.registerEventListener(on_event, kind)

app_process = subprocess.Popen([binary, "--data-dir", data_dir],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pump(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pyatspi.Registry.pumpQueuedEvents()
        time.sleep(0.02)


def find_app():
    for _ in range(120):
        pump(0.25)
        for app in pyatspi.Registry.getDesktop(0):
            if app is not None and app.name == "prescreen":
                return app
    return None


def walk(node):
    yield node
    for child in node:
        if child is not None:
            yield from walk(child)


failures = []
app = find_app()
if app is None:
    print("FAIL: prescreen never appeared on the AT-SPI bus")
    app_process.terminate()
    sys.exit(1)

window = subprocess.run(["xdotool", "search", "--sync", "--name", "prescreen"],
                        capture_output=True, text=True).stdout.split()
if window:
    subprocess.run(["xdotool", "windowfocus", "--sync", window[0]])


def key(*keys):
    for k in keys:
        subprocess.run(["xdotool", "key", "--delay", "60", k])
        pump(0.12)


def text(value):
    subprocess.run(["xdotool", "type", "--delay", "60", value])
    pump(0.2)


def wait_for(what, test, seconds=30):
    """Pumps events until `test()` holds; a loaded machine gets time, a broken app a failure."""
    end = time.time() + seconds
    while time.time() < end:
        pump(0.2)
        try:
            if test():
                return True
        except Exception:
            pass
    failures.append(f"timed out waiting for {what}")
    return False


def focused_name():
    for node in walk(app):
        if node.getState().contains(pyatspi.STATE_FOCUSED):
            return node.name or ""
    return None


wait_for("the Initials field to take the focus", lambda: focused_name() == "Initials")
# The A-MUSE ELIGIBLE reference candidate, keyboard only (answers, no evidence texts).
text("QX"); key("Tab"); text("14/03/1968"); key("Tab", "space")
key(*["Tab"] * 4); key("space"); key(*["Tab"] * 9); text("07/12/2026"); key("ctrl+Return")
wait_for("the screening to start (its checklist)",
         lambda: any(n.getRole() == pyatspi.ROLE_LIST_ITEM for n in walk(app)))
pump(0.5)
key("Down", "Tab", "Tab"); text("medical record"); key("Return")
key("Down"); text("24"); key("Return")
key("Down"); text("1"); key("Return")
key("Down"); text("32.5"); key("Return")
key("Down", "y")  # IN06 consent
# IN07: an investigator judgement, named in its field (Tab from the row enters it).
key("Down", "Tab"); text("Dr Roy"); key("Return", "y")
key("Down", "y")  # IN08
key("Down", "n")  # EX01
key("Down"); text("01/10/2026"); key("Return")
for _ in range(2):
    key("Down", "n")  # EX03, EX04
key("Down", "Tab"); text("Dr Roy"); key("Return", "n")  # EX05, judged
for _ in range(3):
    key("Down", "n")  # EX06–EX08
key("Down", "Down", "n")
pump(1.5)

nodes = list(walk(app))
unnamed = [n.getRoleName() for n in nodes
           if n.getState().contains(pyatspi.STATE_FOCUSABLE) and not (n.name or "").strip()
           and n.getRoleName() not in ("frame", "window", "filler", "panel")]
bare = [n.name for n in nodes
        if n.getRole() == pyatspi.ROLE_RADIO_BUTTON
        and n.name in ("Yes", "No", "?", "Unknown", "Not recorded")]
headings = [n.name for n in nodes if n.getRoleName() == "heading"]
final = [h for h in headings if h.startswith(("ELIGIBLE", "NOT ELIGIBLE", "INCOMPLETE",
                                              "PRE-SCREEN PASSED"))]

print(f"nodes: {len(nodes)}; focusable without a name: {len(unnamed)} {unnamed[:10]}; "
      f"radios named only by their answer: {len(bare)}")
print("heard:")
for line in heard:
    print("  " + line)
print(f"verdict heading now: {final}")

if unnamed:
    failures.append(f"{len(unnamed)} focusable nodes without a name")
if bare:
    failures.append(f"{len(bare)} radios named only by their answer")
if not final or not final[0].startswith("ELIGIBLE"):
    failures.append(f"the screening did not end ELIGIBLE: {final}")
if not any(line.startswith('said: "Saved: IN06 met') for line in heard):
    failures.append("a recorded answer was not announced (Saved: IN06 met)")
if any(line.endswith('""') for line in heard):
    failures.append("the focus landed on something without a name")
if not any(v.startswith("ELIGIBLE") for v in verdicts):
    failures.append(f"the verdict change was not heard as an event: {verdicts}")

app_process.terminate()
for failure in failures:
    print("FAIL: " + failure)
sys.exit(1 if failures else 0)
