//! Whose signature `verify` trusts, and anchors outside the database, through the binary as
//! an attacker with a fresh data folder, a SQLite client and a Python-free script would try:
//! the full forgery, a genuine PDF re-signed with another key of the same name, the register
//! (add, revoke), superseded and voided screenings, a truncated and a re-hashed chain caught by
//! a PDF or checkpoint anchor, tampered records refused by export, a closed stdout.
//! Synthetic candidates only.
#![cfg(test)]

mod common;
mod pdf_common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

const SIGNER: &str = "Synthetic Coordinator";
const SECRET: &str = "violet-harbour-quantum-7-lantern";

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn prescreen(data: &Path, args: &[&str]) -> Output {
    common::prescreen_command()
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("PRESCREEN_PASSPHRASE", SECRET)
        .output()
        .unwrap()
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = prescreen(data, args);
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    text(&out)
}

/// A data folder with a coordinator, a registered P-256 identity and one imported screening.
struct Site {
    _dir: tempfile::TempDir,
    data: PathBuf,
    id: String,
}

impl Site {
    fn new(site: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        ok(
            &data,
            &[
                "coordinator",
                "set",
                "--name",
                SIGNER,
                "--role",
                "Study nurse",
                "--site",
                site,
            ],
        );
        let out = ok(
            &data,
            &[
                "identity",
                "new",
                "--name",
                SIGNER,
                "--role",
                "Study nurse",
                "--site",
                site,
                "--key",
                "p256",
            ],
        );
        assert!(out.contains("registered as a trusted signer"), "{out}");
        let imported = ok(
            &data,
            &[
                "import",
                common::fixture("a-muse-eligible.ron").to_str().unwrap(),
            ],
        );
        let id = imported.split_whitespace().last().unwrap().to_owned();
        Self {
            _dir: dir,
            data,
            id,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.data.parent().unwrap().join(name)
    }

    fn sign(&self, name: &str) -> PathBuf {
        let pdf = self.path(name);
        ok(
            &self.data,
            &[
                "export",
                &self.id,
                "--out",
                pdf.to_str().unwrap(),
                "--sign",
                "--meaning",
                "screened",
            ],
        );
        pdf
    }

    fn certificate(&self) -> PathBuf {
        let text = std::fs::read_to_string(self.data.join("signing").join("identity.pem")).unwrap();
        let start = text.find("-----BEGIN CERTIFICATE-----").unwrap();
        let end =
            text.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----".len();
        let path = self.path("cert.pem");
        std::fs::write(&path, &text[start..end]).unwrap();
        path
    }

    fn db(&self) -> PathBuf {
        self.data.join("prescreen.sqlite3")
    }
}

fn verify(data: &Path, pdf: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["verify", pdf.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = prescreen(data, &args);
    (out.status.code(), text(&out))
}

#[test]
fn a_forgery_from_a_fresh_data_folder_is_not_trusted_by_the_site() {
    let site = Site::new("TLS");
    let genuine = site.sign("genuine.pdf");
    let (code, report) = verify(&site.data, &genuine, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("RESULT: VALID"), "{report}");

    // The attacker: a fresh data folder, a new self-signed identity with the same name, an
    // invented screening.
    let attacker = Site::new("TLS");
    let forged = attacker.sign("forged.pdf");
    let (code, report) = verify(&site.data, &forged, &[]);
    assert!(
        report.contains("RESULT: INTACT BUT SIGNER NOT TRUSTED"),
        "{report}"
    );
    assert!(
        report.contains("is not among the 1 trusted signer(s)"),
        "{report}"
    );
    // The site's store also knows its own AM-TLS-2026-0001 was never signed as this file.
    assert!(
        report.contains("STORE DISAGREES:    the store's trail of"),
        "{report}"
    );
    assert_eq!(code, Some(1), "{report}");
    let (code, report) = verify(&site.data, &forged, &["--no-store"]);
    assert!(
        report.contains("RESULT: INTACT BUT SIGNER NOT TRUSTED"),
        "{report}"
    );
    assert_eq!(code, Some(3), "{report}");

    // Away from any store: trusted only by the certificate given.
    let (code, report) = verify(
        &site.data,
        &forged,
        &[
            "--no-store",
            "--trust",
            site.certificate().to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(3), "{report}");
    let (code, report) = verify(
        &site.data,
        &genuine,
        &[
            "--no-store",
            "--trust",
            site.certificate().to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("not checked (no store at hand)"),
        "{report}"
    );
    let (code, report) = verify(&site.data, &genuine, &["--no-store"]);
    assert_eq!(code, Some(3), "{report}");
    assert!(report.contains("no trusted signers are known"), "{report}");

    // Trusting the attacker's certificate by fingerprint is the site's decision, recorded.
    let fingerprint = report_fingerprint(&verify(&site.data, &forged, &[]).1);
    ok(
        &site.data,
        &[
            "signers",
            "add",
            "--fingerprint",
            &fingerprint,
            "--name",
            "Other Coordinator",
            "--role",
            "Study nurse",
        ],
    );
    let (code, report) = verify(&site.data, &forged, &[]);
    assert_eq!(
        code,
        Some(1),
        "the signer is trusted now, but the store has no such screening: {report}"
    );
    assert!(report.contains("STORE DISAGREES"), "{report}");
    assert!(report.contains("RESULT: VALID"), "{report}");
    ok(
        &site.data,
        &[
            "signers",
            "revoke",
            &fingerprint,
            "--reason",
            "added by mistake",
        ],
    );
    let (code, report) = verify(
        &site.data,
        &forged,
        &["--no-store", "--fingerprint", &fingerprint],
    );
    assert_eq!(code, Some(0), "{report}");
    let (code, report) = verify(&site.data, &forged, &[]);
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("was revoked: "), "{report}");
    let listed = ok(&site.data, &["signers", "list"]);
    assert!(listed.contains("REVOKED"), "{listed}");
    let history = ok(&site.data, &["audit", "verify"]);
    assert!(
        history.contains("records agree with the trail"),
        "{history}"
    );
}

fn report_fingerprint(report: &str) -> String {
    report
        .lines()
        .find_map(|line| line.strip_prefix("certificate:        SHA-256 "))
        .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        .unwrap()
}

#[test]
fn a_genuine_pdf_re_signed_with_another_key_of_the_same_name_is_not_trusted() {
    let site = Site::new("TLS");
    // Another identity with the same subject replaces the registered one in the data folder
    // (registered nowhere: no coordinator in the other folder).
    let other = tempfile::tempdir().unwrap();
    ok(
        other.path(),
        &[
            "identity",
            "new",
            "--name",
            SIGNER,
            "--role",
            "Study nurse",
            "--site",
            "TLS",
            "--key",
            "p256",
        ],
    );
    std::fs::copy(
        other.path().join("signing").join("identity.pem"),
        site.data.join("signing").join("identity.pem"),
    )
    .unwrap();
    let resigned = site.sign("resigned.pdf");
    let (code, report) = verify(&site.data, &resigned, &[]);
    assert_eq!(code, Some(3), "{report}");
    assert!(
        report.contains(&format!("signer:             {SIGNER}")),
        "{report}"
    );
    assert!(
        report.contains("its signature is recorded at event #"),
        "{report}"
    );
}

#[test]
fn superseded_and_voided_screenings_are_reported_with_the_store() {
    let site = Site::new("TLS");
    let pdf = site.sign("first.pdf");
    ok(
        &site.data,
        &[
            "answer",
            &site.id,
            "EX06",
            "--answer",
            "Unknown",
            "--reason",
            "history re-checked",
        ],
    );
    let (code, report) = verify(&site.data, &pdf, &[]);
    assert_eq!(
        code,
        Some(0),
        "a superseded PDF is still what was signed: {report}"
    );
    assert!(
        report.contains("SUPERSEDED: the screening changed after this PDF was signed"),
        "{report}"
    );
    ok(
        &site.data,
        &["status", &site.id, "voided", "--reason", "duplicate entry"],
    );
    let (_, report) = verify(&site.data, &pdf, &[]);
    assert!(report.contains("VOIDED since: duplicate entry"), "{report}");
}

/// Rewrites the chain consistently from `from_seq` on (a changed timestamp, every later hash
/// and the stored head recomputed), as a script with a SQLite client would.
fn rehash_chain(db: &Path, from_seq: i64) {
    use prescreen::storage::audit::AuditEvent;
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("DROP TRIGGER audit_event_append_only_update")
        .unwrap();
    let columns = "seq, at_utc, utc_offset, coordinator_id, coordinator_name, coordinator_role, \
                   screening_id, action, target, old_value, new_value, reason, prev_hash, hash, encoding, state_hash";
    let mut events: Vec<AuditEvent> = conn
        .prepare(&format!("SELECT {columns} FROM audit_event ORDER BY seq"))
        .unwrap()
        .query_map([], |r| {
            Ok(AuditEvent {
                seq: r.get(0)?,
                at_utc: r.get(1)?,
                utc_offset: r.get(2)?,
                coordinator_id: r.get(3)?,
                coordinator_name: r.get(4)?,
                coordinator_role: r.get(5)?,
                screening_id: r.get(6)?,
                action: r.get(7)?,
                target: r.get(8)?,
                old_value: r.get(9)?,
                new_value: r.get(10)?,
                reason: r.get(11)?,
                prev_hash: r.get(12)?,
                hash: r.get(13)?,
                encoding: r.get(14)?,
                state_hash: r.get(15)?,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = String::new();
    for event in &mut events {
        if event.seq >= from_seq {
            if event.seq == from_seq {
                event.at_utc = "2026-01-01T00:00:00Z".to_owned();
            }
            event.prev_hash = prev.clone();
            event.hash = event.computed_hash();
            conn.execute(
                "UPDATE audit_event SET at_utc = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
                rusqlite::params![event.at_utc, event.prev_hash, event.hash, event.seq],
            )
            .unwrap();
        }
        prev = event.hash.clone();
    }
    let last = events.last().unwrap();
    conn.execute(
        "UPDATE setting SET value = ?1 WHERE key = 'audit_head'",
        [format!("{}:{}", last.seq, last.hash)],
    )
    .unwrap();
    conn.execute_batch(
        "CREATE TRIGGER audit_event_append_only_update BEFORE UPDATE ON audit_event\n\
         BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    )
    .unwrap();
}

#[test]
fn a_consistently_re_hashed_chain_passes_alone_and_fails_against_its_anchors() {
    let site = Site::new("TLS");
    let pdf = site.sign("anchor.pdf");
    let checkpoint = site.path("checkpoint.txt");
    let out = ok(
        &site.data,
        &["audit", "checkpoint", "--out", checkpoint.to_str().unwrap()],
    );
    assert!(out.contains("checkpoint written"), "{out}");
    let anchors = [
        "--anchor",
        pdf.to_str().unwrap(),
        "--anchor",
        checkpoint.to_str().unwrap(),
    ];
    let mut args = vec!["audit", "verify"];
    args.extend_from_slice(&anchors);
    let report = ok(&site.data, &args);
    assert_eq!(report.matches(": holds — ").count(), 2, "{report}");

    rehash_chain(&site.db(), 3);
    let alone = ok(&site.data, &["audit", "verify"]);
    assert!(
        alone.contains("audit chain intact"),
        "a consistent rewrite passes without anchors: {alone}"
    );
    assert!(alone.contains("no anchor given"), "{alone}");
    let out = prescreen(&site.data, &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = text(&out);
    assert!(
        report.contains(&format!("anchor {}: FAILS — its chain head", pdf.display())),
        "{report}"
    );
    assert!(
        report.contains(&format!("anchor {}: FAILS — event #", checkpoint.display())),
        "{report}"
    );
    assert!(report.contains("the chain was rewritten"), "{report}");
    // And `verify` with the store names the PDF's chain head as missing.
    let (code, report) = verify(&site.data, &pdf, &[]);
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("is not in the store's chain"), "{report}");
}

#[test]
fn a_cut_tail_with_a_rewritten_head_is_caught_by_a_checkpoint() {
    let site = Site::new("TLS");
    site.sign("first.pdf");
    let checkpoint = site.path("checkpoint.txt");
    ok(
        &site.data,
        &["audit", "checkpoint", "--out", checkpoint.to_str().unwrap()],
    );
    // The last event is the `signed` one, which changes no table: removing it with the stored
    // head leaves a trail that agrees with the tables.
    let conn = rusqlite::Connection::open(site.db()).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_event_append_only_delete; \
         DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event); \
         UPDATE setting SET value = (SELECT seq || ':' || hash FROM audit_event ORDER BY seq DESC LIMIT 1) \
         WHERE key = 'audit_head'; \
         CREATE TRIGGER audit_event_append_only_delete BEFORE DELETE ON audit_event\n\
         BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    )
    .unwrap();
    drop(conn);
    let alone = ok(&site.data, &["audit", "verify"]);
    assert!(alone.contains("audit chain intact"), "{alone}");
    let out = prescreen(
        &site.data,
        &["audit", "verify", "--anchor", checkpoint.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("events were removed"), "{}", text(&out));
    // The backup prints the head it copied.
    let backup = ok(
        &site.data,
        &["backup", site.path("copy.sqlite3").to_str().unwrap()],
    );
    assert!(backup.contains("chain head copied: event #"), "{backup}");
}

#[test]
fn a_tampered_answer_is_named_and_never_signed() {
    let site = Site::new("TLS");
    let conn = rusqlite::Connection::open(site.db()).unwrap();
    let changed = conn
        .execute(
            "UPDATE answer SET entry = replace(entry, 'items:[2,3,2,1,', 'items:[4,4,4,4,') WHERE criterion_id = 'IN03'",
            [],
        )
        .unwrap();
    drop(conn);
    assert_eq!(changed, 1);
    let out = prescreen(&site.data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("RECORD DIFFERS: {}: answer.IN03", site.id)),
        "{}",
        text(&out)
    );
    let pdf = site.path("tampered.pdf");
    let out = prescreen(
        &site.data,
        &[
            "export",
            &site.id,
            "--out",
            pdf.to_str().unwrap(),
            "--sign",
            "--meaning",
            "screened",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("does not match its audit trail"),
        "{}",
        text(&out)
    );
    assert!(!pdf.exists());
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let site = Site::new("TLS");
    for args in [
        vec!["audit", "history", site.id.as_str()],
        vec!["log"],
        vec!["trials"],
    ] {
        let mut child = common::prescreen_command()
            .arg("--data-dir")
            .arg(&site.data)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the command writes: every write meets a closed pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn re_signing_twenty_times_records_each_supersession_once() {
    let site = Site::new("TLS");
    let pages = |pdf: &Path| lopdf::Document::load(pdf).unwrap().get_pages().len();
    let first = site.sign("signed-1.pdf");
    let first_pages = pages(&first);
    let mut last = first.clone();
    let mut sizes = vec![std::fs::metadata(&first).unwrap().len()];
    for n in 2..=20 {
        last = site.sign(&format!("signed-{n}.pdf"));
        sizes.push(std::fs::metadata(&last).unwrap().len());
    }
    // Each signing adds one appendix row (the previous PDF named once), not a copy of every
    // earlier one: the growth per signing stays flat.
    let growth: Vec<u64> = sizes
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]))
        .collect();
    assert!(
        growth[1..].iter().all(|&g| g < 3_000),
        "bytes added per signing: {growth:?}"
    );
    let history = ok(&site.data, &["audit", "history", &site.id]);
    let signed: Vec<&str> = history.lines().filter(|l| l.contains("] signed")).collect();
    assert_eq!(signed.len(), 20, "{history}");
    for line in &signed[1..] {
        assert_eq!(line.matches("supersedes").count(), 1, "{line}");
        assert!(
            line.len() < 400,
            "each supersession is one short line: {line}"
        );
    }
    let last_pages = pages(&last);
    assert!(
        last_pages <= first_pages + 4,
        "20 signings grew the summary from {first_pages} to {last_pages} pages"
    );
    let size = std::fs::metadata(&last).unwrap().len();
    eprintln!("after 20 signings: {last_pages} pages (first: {first_pages}), {size} bytes");
}

#[test]
fn the_audit_appendix_reads_as_words_with_the_chain_head_first() {
    let site = Site::new("TLS");
    ok(
        &site.data,
        &[
            "answer",
            &site.id,
            "EX06",
            "--answer",
            "Unknown",
            "--reason",
            "re-checked",
        ],
    );
    let draft = site.path("draft.pdf");
    ok(
        &site.data,
        &["export", &site.id, "--out", draft.to_str().unwrap()],
    );
    let Some(pdftotext) = pdf_common::tool("pdftotext", None) else {
        return;
    };
    let text = pdf_common::normalise(&pdf_common::pdf_text(&pdftotext, &draft));
    assert!(text.contains("EX06 answer"), "{text}");
    assert!(
        text.contains("EX06 answer no; evidence: medical record → unknown"),
        "{text}"
    );
    assert!(!text.contains("(answer:"), "RON in the appendix: {text}");
    let appendix = &text[text.find("Appendix — audit trail").unwrap()..];
    assert!(
        appendix.find("Audit chain latest hash").unwrap() < appendix.find("EX06 answer").unwrap(),
        "the chain head comes before the table"
    );
}
