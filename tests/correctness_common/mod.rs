//! Helpers shared by the correctness tests: the real binary in a throw-away data folder, and
//! synthetic screening files written on the fly.
#![allow(dead_code, reason = "each test file uses its own part of the helpers")]

use std::path::{Path, PathBuf};

/// One run of the binary.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// A temp folder: the data folder lives in `data/`, screening files next to it.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// An empty data folder (no coordinator: enough for `evaluate` and reads).
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        Self { dir }
    }

    /// A data folder with a coordinator at site TLS, ready for writes.
    pub fn with_coordinator() -> Self {
        let env = Self::new();
        env.ok(&[
            "coordinator",
            "set",
            "--name",
            "Synthetic Coordinator",
            "--role",
            "study nurse",
            "--site",
            "TLS",
        ]);
        env
    }

    /// The data folder.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs the binary against this data folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = crate::common::prescreen_command()
            .args(args)
            .env("PRESCREEN_DATA_DIR", self.data())
            .current_dir(self.dir.path())
            .output()
            .expect("run prescreen");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Runs the binary and insists on exit code 0.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, Some(0), "{args:?}: {}{}", run.stdout, run.stderr);
        run.stdout
    }

    /// Writes a file next to the data folder; returns its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// Evaluates `text` written as `s.ron`.
    pub fn evaluate(&self, trial: &str, text: &str) -> Run {
        let path = self.file("s.ron", text);
        self.run(&["evaluate", "--trial", trial, &path])
    }

    /// Evaluates `text` with `--format json` (any verdict) and parses the output.
    pub fn evaluate_json(&self, trial: &str, text: &str) -> serde_json::Value {
        let path = self.file("s.ron", text);
        let run = self.run(&["evaluate", "--trial", trial, &path, "--format", "json"]);
        assert!(
            matches!(run.code, Some(0 | 10 | 11 | 12)),
            "{}{}",
            run.stdout,
            run.stderr
        );
        serde_json::from_str(&run.stdout).unwrap()
    }

    /// Starts an A-MUSE screening (male, born 1970, pre-screened 2026-11-23); returns its id.
    pub fn new_a_muse(&self) -> String {
        let out = self.ok(&[
            "new",
            "--trial",
            "a-muse",
            "--initials",
            "ZQ",
            "--dob",
            "1970-01-01",
            "--sex",
            "male",
            "--date",
            "2026-11-23",
        ]);
        out.lines().next().unwrap().trim().to_owned()
    }
}

/// A-MUSE pre-screen answers that pass for a male candidate: with them the verdict is
/// PRE-SCREEN PASSED, so one changed answer decides the verdict alone.
pub const A_MUSE_PRE: [(&str, &str); 9] = [
    (
        "IN02",
        "DocumentedClassification(source: \"rheumatology letter\")",
    ),
    ("IN08", "Yes"),
    ("EX01", "Event(Never)"),
    ("EX02", "Event(Never)"),
    ("EX03", "Event(Never)"),
    ("EX04", "Event(Never)"),
    ("EX06", "No"),
    ("EX07", "No"),
    ("EX10", "No"),
];

/// A male candidate born 1970-01-01.
pub const MALE_1970: &str = "(initials: \"ZQ\", date_of_birth: \"1970-01-01\", sex: Male)";

/// The `answers` map body: `base` with `changes` replacing or adding entries.
pub fn answers(base: &[(&str, &str)], changes: &[(&str, &str)]) -> String {
    let mut entries: Vec<(&str, &str)> = base
        .iter()
        .map(|&(id, answer)| {
            let changed = changes.iter().find(|(c, _)| *c == id).map(|(_, a)| *a);
            (id, changed.unwrap_or(answer))
        })
        .collect();
    for &(id, answer) in changes {
        if !base.iter().any(|(b, _)| *b == id) {
            entries.push((id, answer));
        }
    }
    entries
        .iter()
        .map(|(id, answer)| format!("        \"{id}\": (answer: {answer}),\n"))
        .collect()
}

/// A screening file (version 1.1.0) with one entry per line.
pub fn screening(
    trial: &str,
    id: &str,
    candidate: &str,
    prescreening: &str,
    visit: Option<&str>,
    answers: &str,
) -> String {
    let visit = visit.map_or("None".to_owned(), |v| format!("\"{v}\""));
    format!(
        "// Synthetic candidate.\n(\n    screening_id: \"{id}\",\n    trial: (id: \"{trial}\", \
         version: \"1.1.0\"),\n    candidate: {candidate},\n    prescreening_date: \
         \"{prescreening}\",\n    planned_visit_date: {visit},\n    answers: {{\n{answers}    \
         }},\n)\n"
    )
}

/// An A-MUSE screening of the male candidate, pre-screened 2026-11-23, no planned visit.
pub fn a_muse(id: &str, answers: &str) -> String {
    screening("a-muse", id, MALE_1970, "2026-11-23", None, answers)
}

/// An A-MUSE screening of the male candidate, pre-screened 2026-11-23, visit on `visit`.
pub fn a_muse_visit(visit: &str, answers: &str) -> String {
    screening("a-muse", "", MALE_1970, "2026-11-23", Some(visit), answers)
}

/// An ASSIX screening of a female candidate born 1966 (not of childbearing potential).
pub fn assix(entries: &[(&str, &str)]) -> String {
    screening(
        "assix",
        "",
        "(initials: \"TN\", date_of_birth: \"1966-12-24\", sex: Female, childbearing_potential: false)",
        "2026-11-23",
        None,
        &answers(&[], entries),
    )
}

/// Splits RFC 4180 text (CRLF records, quoted fields) into records of fields.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (_, other) => field.push(other),
        }
    }
    records
}

/// The repository folder of a test fixture.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}
