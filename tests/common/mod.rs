//! What every test file shares: the binary with a clean environment, and the fixtures.
#![allow(dead_code, reason = "each test file uses its own part of the helpers")]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../crates/prescreen-store/tests/support/amendment.rs"]
mod amendment;

/// The `prescreen` binary with no `PRESCREEN_*` variable (nor `SOURCE_DATE_EPOCH`) inherited
/// from whoever runs the tests: each test sets exactly what it means.
pub fn prescreen_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prescreen"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("PRESCREEN_") || name == "SOURCE_DATE_EPOCH" {
            command.env_remove(name.as_ref());
        }
    }
    command
}

/// A path inside the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A screening fixture by name (`a-muse-eligible` or `a-muse-eligible.ron`).
pub fn fixture(name: &str) -> PathBuf {
    let file = if name.ends_with(".ron") {
        name.to_owned()
    } else {
        format!("{name}.ron")
    };
    repo("tests/fixtures").join(file)
}

/// The shipped A-MUSE file as amendment 2 would change it, written to `dir`.
pub fn amended_a_muse(dir: &Path) {
    let text = std::fs::read_to_string(repo("trials/a-muse.ron")).unwrap();
    std::fs::write(
        dir.join("a-muse-1.3.0.ron"),
        amendment::amended_a_muse_text(&text),
    )
    .unwrap();
}
