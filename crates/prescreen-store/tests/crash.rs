//! Crash test: a child process saves answers in a loop and is SIGKILLed at a random moment,
//! again and again. After every kill the database must open, pass `PRAGMA integrity_check`,
//! keep an intact audit chain, and hold every answer whose save had returned (the child
//! prints a line only after the store returned). The seed is printed so a failure can be
//! replayed with `PRESCREEN_CRASH_SEED=...`.
//!
//! The child is this test binary itself, re-run with `PRESCREEN_CRASH_CHILD_DIR` (the
//! embedded file) or `PRESCREEN_CRASH_CHILD_URL` (a site-server login) set so that only
//! [`crash_writer_child`] runs: no crash helper ships in the product. The same rounds run
//! against a site server: a client killed mid-transaction leaves nothing half-written there
//! either, and every save that returned was committed.
#![cfg(test)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use prescreen_core::screening::{Answer, CriterionEntry};
use prescreen_core::trial::TrialSet;
use prescreen_core::trial::model::Rule;
use prescreen_store::pg::DatabaseUrl;
use prescreen_store::pg::site::SiteRole;
use prescreen_store::{NewCoordinator, PgStore, SqliteStore, Store};

/// Set in the child's environment: the data folder it writes to.
const CHILD_ENV: &str = "PRESCREEN_CRASH_CHILD_DIR";
/// Set in the child's environment instead: the site server it writes to, as a login.
const CHILD_URL_ENV: &str = "PRESCREEN_CRASH_CHILD_URL";

fn open_server(url: &str) -> PgStore {
    PgStore::connect(&DatabaseUrl::parse(url).unwrap(), &mut |_| Ok(None)).unwrap()
}

/// The crash test's child: creates a screening every ten saves and flips confirmation
/// answers, printing `created ID` / `saved ID CRITERION N` only after the store returned.
/// Without `PRESCREEN_CRASH_CHILD_DIR` it does nothing (it is not a test of its own).
#[test]
fn crash_writer_child() {
    use std::io::Write;
    let mut store: Box<dyn Store> = if let Ok(url) = std::env::var(CHILD_URL_ENV) {
        Box::new(open_server(&url))
    } else if let Some(dir) = std::env::var_os(CHILD_ENV) {
        Box::new(SqliteStore::open(&std::path::Path::new(&dir).join("prescreen.sqlite3")).unwrap())
    } else {
        return;
    };
    let set = TrialSet::built_in();
    let trial = set.latest("assix").unwrap();
    let criteria: Vec<String> = trial
        .definition
        .criteria
        .iter()
        .filter(|c| matches!(c.rule, Rule::Confirmation))
        .map(|c| c.id.clone())
        .collect();
    let by = match store.current_coordinator().unwrap() {
        Some(c) => c,
        None => {
            let c = store
                .save_coordinator(&NewCoordinator {
                    name: "Crash Writer".to_owned(),
                    role: "test".to_owned(),
                    site_code: "TST".to_owned(),
                })
                .unwrap();
            store.set_current_coordinator(c.id).unwrap();
            c
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut screening = String::new();
    for saves in 0_u64.. {
        if saves.is_multiple_of(10) {
            screening = store
                .create_screening(trial, &common::synthetic_candidate(), by.id)
                .unwrap();
            writeln!(out, "created {screening}").unwrap();
            out.flush().unwrap();
        }
        let n = saves + 1;
        let criterion = &criteria[(n as usize) % criteria.len()];
        let entry = CriterionEntry {
            answer: if n.is_multiple_of(2) {
                Answer::Yes
            } else {
                Answer::No
            },
            note: Some(format!("save {n}")),
            ..CriterionEntry::new(Answer::Unknown)
        };
        store
            .set_answer(
                &screening,
                criterion,
                Some(&entry),
                by.id,
                Some("crash test"),
            )
            .unwrap();
        writeln!(out, "saved {screening} {criterion} {n}").unwrap();
        out.flush().unwrap();
    }
}

const KILLS: usize = 50;

#[test]
fn answers_whose_save_returned_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("prescreen.sqlite3");
    let child = (CHILD_ENV, dir.path().display().to_string());
    crash_rounds(KILLS, &child, &|| Box::new(SqliteStore::open(&db).unwrap()));
}

#[test]
fn saves_that_returned_survive_sigkill_on_a_site_server() {
    let site = common::pg::new_site();
    let login = site.add_user("crash", SiteRole::Coordinator, "TST");
    let url = site.url(&login, common::pg::PASSWORD).to_string();
    // Display leaves the password out; the child needs it, so the URL is built again here.
    let url = url.replacen(
        &format!("{login}@"),
        &format!("{login}:{}@", common::pg::PASSWORD),
        1,
    );
    let child = (CHILD_URL_ENV, url.clone());
    crash_rounds(KILLS / 2, &child, &|| Box::new(open_server(&url)));
}

/// Kills the child writer `kills` times at random moments; after each kill the store (as
/// `open` opens it) is intact and holds every save that returned.
fn crash_rounds(kills: usize, child_env: &(&str, String), open: &dyn Fn() -> Box<dyn Store>) {
    let seed = std::env::var("PRESCREEN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("crash test seed: {seed} (replay with PRESCREEN_CRASH_SEED={seed})");
    let mut rng = fastrand::Rng::with_seed(seed);

    // (screening, criterion) → the highest save number whose save returned.
    let mut confirmed: HashMap<(String, String), u64> = HashMap::new();
    let mut created: Vec<String> = Vec::new();
    let mut total_saves = 0_usize;

    for kill in 0..kills {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(child_env.0, &child_env.1)
            .env_remove("PRESCREEN_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(line) => {
                        if lines_tx.send(line).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        });
        // Wait for the first save so every round exercises writes, then a random moment.
        let started = Instant::now();
        let mut lines = Vec::new();
        while !lines.iter().any(|l: &String| l.starts_with("saved ")) {
            match lines_rx.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => lines.push(line),
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "round {kill}: the writer saved nothing in {:?} (seed {seed})",
                        started.elapsed()
                    );
                }
            }
        }
        std::thread::sleep(Duration::from_millis(rng.u64(0..150)));
        child.kill().unwrap(); // SIGKILL on Unix
        let _ = child.wait();
        reader.join().unwrap();
        lines.extend(lines_rx.try_iter());

        for line in &lines {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts.as_slice() {
                ["created", id] => created.push((*id).to_owned()),
                ["saved", id, criterion, n] => {
                    let n: u64 = n.parse().unwrap();
                    total_saves += 1;
                    let entry = confirmed
                        .entry(((*id).to_owned(), (*criterion).to_owned()))
                        .or_insert(0);
                    *entry = (*entry).max(n);
                }
                // The test harness's own lines ("running 1 test").
                _ => {}
            }
        }

        // The database opens, is intact, its chain verifies, and nothing returned is lost.
        let store = open();
        assert_eq!(
            store.check_integrity().unwrap(),
            Ok(()),
            "round {kill} (seed {seed})"
        );
        let report = store.verify_audit_chain().unwrap();
        assert!(
            report.is_intact(),
            "round {kill}: {:?} (seed {seed})",
            report.first_break
        );
        for id in &created {
            store
                .load_screening(id)
                .unwrap_or_else(|e| panic!("round {kill}: {id} lost: {e} (seed {seed})"));
        }
        for ((id, criterion), n) in &confirmed {
            let screening = store.load_screening(id).unwrap().screening;
            let note = screening
                .answers
                .get(criterion)
                .and_then(|entry| entry.note.clone())
                .unwrap_or_default();
            let stored: u64 = note
                .strip_prefix("save ")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            assert!(
                stored >= *n,
                "round {kill}: {id} {criterion} holds save {stored}, but save {n} had returned \
                 (seed {seed})"
            );
        }
    }
    println!(
        "{kills} kills survived; {total_saves} confirmed saves across {} screenings",
        created.len()
    );
    assert!(total_saves >= kills);
}
