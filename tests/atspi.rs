//! End to end through the platform accessibility API: the app under Xvfb with a private D-Bus
//! session, the AT-SPI bus and ScreenReaderEnabled, driven by xdotool, read with pyatspi (what
//! Orca reads). See `scripts/atspi-e2e.sh` and `tests/support/atspi_e2e.py`. It fails loudly
//! when a tool is missing under CI (PRESCREEN_REQUIRE_TOOLS), and says it skipped otherwise.
#![cfg(test)]

mod common;
mod pdf_common;

use std::path::Path;

fn pyatspi_available() -> bool {
    std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import pyatspi"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_screen_reader_hears_a_full_a_muse_screening_done_without_the_mouse() {
    let tools = ["xvfb-run", "dbus-run-session", "xdotool"]
        .iter()
        .map(|t| pdf_common::tool(t, None))
        .collect::<Vec<_>>();
    let launcher = Path::new("/usr/libexec/at-spi-bus-launcher").exists();
    if tools.iter().any(Option::is_none) || !launcher || !pyatspi_available() {
        assert!(
            !pdf_common::tools_required(),
            "the AT-SPI end-to-end test needs xvfb, dbus, at-spi2-core, python3-pyatspi and xdotool; run scripts/setup.sh"
        );
        eprintln!("WARNING: AT-SPI tools missing — the end-to-end screen-reader test is SKIPPED");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = common::prescreen_command()
        .arg("--data-dir")
        .arg(&data)
        .args([
            "coordinator",
            "set",
            "--name",
            "Synthetic Coordinator",
            "--role",
            "Study nurse",
            "--site",
            "TLS",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = std::process::Command::new(common::repo("scripts/atspi-e2e.sh"))
        .arg(env!("CARGO_BIN_EXE_prescreen"))
        .arg(&data)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}");
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("focusable without a name: 0"), "{report}");
    assert!(
        report.contains("radios named only by their answer: 0"),
        "{report}"
    );
    assert!(
        report.contains("verdict (object:property-change:accessible-name): \"ELIGIBLE"),
        "{report}"
    );
}
