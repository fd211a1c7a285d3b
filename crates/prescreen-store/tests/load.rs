//! Several people at once: 8 writer processes, each its own login on the site server (each
//! its own handle on one SQLite file for the comparison), save answers to the same few
//! screenings for a while. Every save is based on what its writer last read; a stale one is
//! refused as a conflict, counted and reported to that writer, who reads again and moves on.
//! Afterwards: every save a writer saw return is in the trail exactly once, no screening id
//! was handed out twice, the chain verifies — and the throughput and latency are printed.
//!
//! `PRESCREEN_LOAD_SECONDS` sets the duration (10 s by default, as CI runs it; the full
//! measurement is `PRESCREEN_LOAD_SECONDS=60 cargo test --release -p prescreen-store --test
//! load -- --nocapture`). The writers are this test binary re-run with `PRESCREEN_LOAD_CHILD`
//! set, as the crash test does.
#![cfg(test)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use prescreen_core::screening::{Answer, CriterionEntry};
use prescreen_core::trial::TrialSet;
use prescreen_core::trial::model::Rule;
use prescreen_store::pg::DatabaseUrl;
use prescreen_store::pg::site::SiteRole;
use prescreen_store::{PgStore, SqliteStore, Store, StoreError};

const WRITERS: usize = 8;
const SCREENINGS: usize = 4;
/// The child's store: `url:…` (a login) or `file:…` (the shared SQLite file).
const CHILD_ENV: &str = "PRESCREEN_LOAD_CHILD";
const CHILD_NAME_ENV: &str = "PRESCREEN_LOAD_WRITER";
const CHILD_IDS_ENV: &str = "PRESCREEN_LOAD_IDS";
const CHILD_SECONDS_ENV: &str = "PRESCREEN_LOAD_SECONDS";

fn seconds() -> u64 {
    std::env::var(CHILD_SECONDS_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

fn open(target: &str) -> Box<dyn Store> {
    match target.split_once(':') {
        Some(("url", url)) => Box::new(
            PgStore::connect(&DatabaseUrl::parse(url).unwrap(), &mut |_| Ok(None)).unwrap(),
        ),
        Some(("file", path)) => Box::new(SqliteStore::open(std::path::Path::new(path)).unwrap()),
        _ => panic!("unknown load target {target}"),
    }
}

/// One writer: reads a screening, flips one confirmation answer with a note naming the
/// writer and the save, and prints `saved ID CRITERION NOTE MICROS` once the store returned
/// (or `conflict ID` when refused as stale); every tenth round it also creates a screening
/// and prints `created ID`.
#[test]
fn load_writer_child() {
    let Ok(target) = std::env::var(CHILD_ENV) else {
        return;
    };
    let writer = std::env::var(CHILD_NAME_ENV).unwrap();
    let ids: Vec<String> = std::env::var(CHILD_IDS_ENV)
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let mut store = open(&target);
    let me = store.current_coordinator().unwrap().unwrap().id;
    let set = TrialSet::built_in();
    let trial = set.latest("assix").unwrap();
    let criteria: Vec<String> = trial
        .definition
        .criteria
        .iter()
        .filter(|c| matches!(c.rule, Rule::Confirmation))
        .map(|c| c.id.clone())
        .collect();
    let mut rng = fastrand::Rng::new();
    let stop = Instant::now() + Duration::from_secs(seconds());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut n = 0_u64;
    while Instant::now() < stop {
        n += 1;
        if n.is_multiple_of(10) {
            let id = store
                .create_screening(trial, &common::synthetic_candidate(), me)
                .unwrap();
            writeln!(out, "created {id}").unwrap();
        }
        let id = &ids[rng.usize(..ids.len())];
        let criterion = &criteria[rng.usize(..criteria.len())];
        let read = store.load_screening(id).unwrap();
        let mut entry = read
            .screening
            .answers
            .get(criterion)
            .cloned()
            .unwrap_or_else(|| CriterionEntry::new(Answer::Unknown));
        entry.answer = if entry.answer == Answer::Yes {
            Answer::No
        } else {
            Answer::Yes
        };
        let note = format!("{writer}-{n}");
        entry.note = Some(note.clone());
        let started = Instant::now();
        match store.set_answer(id, criterion, Some(&entry), me, Some("load test")) {
            Ok(_) => writeln!(
                out,
                "saved {id} {criterion} {note} {}",
                started.elapsed().as_micros()
            )
            .unwrap(),
            Err(StoreError::Conflict { .. }) => writeln!(out, "conflict {id}").unwrap(),
            Err(other) => panic!("{writer}: {other}"),
        }
    }
    out.flush().unwrap();
}

/// What one run measured.
struct Measured {
    saves: usize,
    conflicts: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Starts the writers (`targets[i]` is writer i's store), waits for them, and checks the
/// store `check` opens against everything they reported.
fn run_writers(
    label: &str,
    targets: &[String],
    ids: &[String],
    check: &dyn Fn() -> Box<dyn Store>,
) -> Measured {
    let started = Instant::now();
    let children: Vec<_> = targets
        .iter()
        .enumerate()
        .map(|(index, target)| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "load_writer_child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, target)
                .env(CHILD_NAME_ENV, format!("w{index}"))
                .env(CHILD_IDS_ENV, ids.join(","))
                .env(CHILD_SECONDS_ENV, seconds().to_string())
                .env_remove("PRESCREEN_LOG")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut saved: Vec<(String, String, String)> = Vec::new();
    let mut created: Vec<String> = Vec::new();
    let mut latencies_us: Vec<u64> = Vec::new();
    let mut conflicts = 0;
    for mut child in children {
        let stdout = child.stdout.take().unwrap();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let parts: Vec<&str> = line.split(' ').collect();
            match parts.as_slice() {
                ["saved", id, criterion, note, micros] => {
                    saved.push(((*id).into(), (*criterion).into(), (*note).into()));
                    latencies_us.push(micros.parse().unwrap());
                }
                ["conflict", _] => conflicts += 1,
                ["created", id] => created.push((*id).to_owned()),
                _ => {}
            }
        }
        assert!(child.wait().unwrap().success(), "{label}: a writer failed");
    }
    let seconds = started.elapsed().as_secs_f64();

    let store = check();
    // Every save that returned is in the trail exactly once (its note is unique).
    let mut in_trail: HashMap<String, usize> = HashMap::new();
    for id in ids {
        for event in store.screening_history(id).unwrap() {
            let Some(value) = &event.new_value else {
                continue;
            };
            if let Some(start) = value.find("note:\"") {
                let rest = &value[start + 6..];
                if let Some(end) = rest.find('"') {
                    *in_trail.entry(rest[..end].to_owned()).or_default() += 1;
                }
            }
        }
    }
    for (id, criterion, note) in &saved {
        assert_eq!(
            in_trail.get(note),
            Some(&1),
            "{label}: save {note} of {id} {criterion} returned but is not in the trail once"
        );
    }
    let mut unique = created.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        created.len(),
        "{label}: a screening id was handed out twice"
    );
    for id in &created {
        store.load_screening(id).unwrap();
    }
    let report = store.verify_audit_chain().unwrap();
    assert!(
        report.is_intact() && report.records.is_empty(),
        "{label}: {report:?}"
    );
    assert!(!saved.is_empty(), "{label}: nothing was saved");
    latencies_us.sort_unstable();
    let percentile = |p: f64| {
        let index = ((latencies_us.len() as f64 - 1.0) * p).round() as usize;
        latencies_us[index] as f64 / 1000.0
    };
    Measured {
        saves: saved.len(),
        conflicts,
        seconds,
        p50_ms: percentile(0.5),
        p99_ms: percentile(0.99),
    }
}

fn report(label: &str, m: &Measured) {
    println!(
        "{label}: {WRITERS} writers, {:.1} s: {} saves ({:.0}/s), {} conflicts reported, \
         save latency p50 {:.2} ms, p99 {:.2} ms",
        m.seconds,
        m.saves,
        m.saves as f64 / m.seconds,
        m.conflicts,
        m.p50_ms,
        m.p99_ms
    );
}

fn shared_screenings(store: &mut dyn Store, by: i64) -> Vec<String> {
    let set = TrialSet::built_in();
    let trial = set.latest("assix").unwrap();
    (0..SCREENINGS)
        .map(|_| {
            store
                .create_screening(trial, &common::synthetic_candidate(), by)
                .unwrap()
        })
        .collect()
}

#[test]
fn eight_writers_on_the_site_server_and_on_one_sqlite_file_lose_nothing() {
    // The site server: eight logins of one site.
    let site = common::pg::new_site();
    let logins: Vec<String> = (0..WRITERS)
        .map(|i| site.add_user(&format!("load{i}"), SiteRole::Coordinator, "CPH"))
        .collect();
    let url_of = |login: &str| {
        site.url(login, common::pg::PASSWORD).to_string().replacen(
            &format!("{login}@"),
            &format!("{login}:{}@", common::pg::PASSWORD),
            1,
        )
    };
    let mut first = site.open(&logins[0]);
    let by = first.login().id;
    let ids = shared_screenings(&mut first, by);
    drop(first);
    let targets: Vec<String> = logins
        .iter()
        .map(|l| format!("url:{}", url_of(l)))
        .collect();
    let check_url = url_of(&logins[0]);
    let server = run_writers("site server", &targets, &ids, &|| {
        Box::new(
            PgStore::connect(&DatabaseUrl::parse(&check_url).unwrap(), &mut |_| Ok(None)).unwrap(),
        )
    });

    // One SQLite file shared by eight processes.
    let s = common::setup();
    let mut store = common::open(&s.path).unwrap();
    let ids = shared_screenings(&mut store, s.by);
    drop(store);
    drop(s.store);
    let target = format!("file:{}", s.path.display());
    let path = s.path.clone();
    let file = run_writers("sqlite", &vec![target; WRITERS], &ids, &|| {
        Box::new(SqliteStore::open(&path).unwrap())
    });

    report("site server", &server);
    report("sqlite file", &file);
    let mut summary = BTreeMap::new();
    summary.insert("server", server.saves);
    summary.insert("sqlite", file.saves);
    println!("saves by backend: {summary:?}");
}
