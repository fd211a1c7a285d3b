//! The site server on a real PostgreSQL cluster started by the test: `site init` and
//! `add-user`, who acts (the login), sites kept apart by row-level security, monitors that
//! only read, audit events no login can rewrite, an owner's edit caught by `audit verify`,
//! free text stored unchanged, and connection errors that echo no secret. Synthetic only.
#![cfg(test)]

mod common;
use common::pg::{PASSWORD, new_site};
use common::{fixture, trial};

use jiff::civil::date;
use prescreen_core::screening::{Answer, Candidate, CriterionEntry, Sex};
use prescreen_store::pg::connect;
use prescreen_store::pg::site::{self, SiteRole};
use prescreen_store::{LogFilter, NewScreening, Store, StoreError};

fn candidate(initials: &str) -> NewScreening {
    NewScreening {
        site_code: None,
        candidate: Candidate {
            initials: initials.to_owned(),
            date_of_birth: Some(date(1971, 3, 4)),
            sex: Some(Sex::Female),
            childbearing_potential: Some(false),
            pregnant: None,
            breastfeeding: None,
        },
        prescreening_date: date(2026, 11, 20),
        planned_visit_date: None,
        rescreen_of: None,
    }
}

fn count_log(store: &dyn Store) -> u64 {
    store.log(&LogFilter::default(), &mut |_| Ok(())).unwrap()
}

#[test]
fn the_login_is_who_acts_and_the_chain_is_the_sites_own() {
    let site = new_site();
    let nurse = site.add_user("nurse", SiteRole::Coordinator, "cph");
    let mut store = site.open(&nurse);
    let me = store.current_coordinator().unwrap().unwrap();
    assert_eq!(
        (me.name.as_str(), me.role.as_str(), me.site_code.as_str()),
        (nurse.as_str(), "coordinator", "CPH")
    );
    let a_muse = trial("a-muse");
    let id = store
        .create_screening(&a_muse, &candidate("QZ"), me.id)
        .unwrap();
    assert!(id.contains("CPH"), "{id}");
    let entry = CriterionEntry::new(Answer::Yes);
    store
        .set_answer(&id, "IN06", Some(&entry), me.id, None)
        .unwrap();
    let history = store.screening_history(&id).unwrap();
    assert!(history.len() >= 3);
    assert!(history.iter().all(|event| event.coordinator_name == nurse));
    let report = store.verify_audit_chain().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert!(report.records.is_empty(), "{:?}", report.records);
    // Nobody is someone else: a change attributed to another id is refused.
    let refused = store.set_answer(&id, "IN08", Some(&entry), me.id + 1, None);
    assert!(
        matches!(refused, Err(StoreError::NotPermitted(_))),
        "{refused:?}"
    );
    // Nor can the login choose to be someone else.
    assert!(matches!(
        store.set_current_coordinator(me.id + 1),
        Err(StoreError::NotPermitted(_))
    ));
}

#[test]
fn a_second_site_init_is_refused_and_changes_nothing() {
    let site = new_site();
    let mut client = site.superuser();
    let again = site::site_init(&mut client, "test cluster");
    let Err(StoreError::Server { detail, .. }) = again else {
        panic!("a second init must be refused: {again:?}");
    };
    assert!(detail.contains("already set up"), "{detail}");
    // The group roles can neither log in nor bypass row-level security.
    for role in [
        "prescreen_owner",
        "prescreen_coordinator",
        "prescreen_investigator",
        "prescreen_monitor",
    ] {
        let row = client
            .query_one(
                "SELECT rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname = $1",
                &[&role],
            )
            .unwrap();
        assert_eq!(
            (row.get::<_, bool>(0), row.get::<_, bool>(1)),
            (false, false),
            "{role}"
        );
    }
}

#[test]
fn sites_are_kept_apart_and_a_monitor_only_reads() {
    let site = new_site();
    let cph = site.add_user("cph_nurse", SiteRole::Coordinator, "CPH");
    let tls = site.add_user("tls_nurse", SiteRole::Coordinator, "TLS");
    let monitor = site.add_user("cph_monitor", SiteRole::Monitor, "CPH");
    let a_muse = trial("a-muse");
    let mut cph_store = site.open(&cph);
    let cph_id = cph_store.current_coordinator().unwrap().unwrap().id;
    let id = cph_store
        .create_screening(&a_muse, &candidate("QZ"), cph_id)
        .unwrap();

    // Toulouse sees nothing of Copenhagen's, and cannot write to it.
    let mut tls_store = site.open(&tls);
    let tls_id = tls_store.current_coordinator().unwrap().unwrap().id;
    assert!(matches!(
        tls_store.load_screening(&id),
        Err(StoreError::UnknownScreening(_))
    ));
    assert_eq!(count_log(&tls_store), 0);
    let entry = CriterionEntry::new(Answer::Yes);
    assert!(
        tls_store
            .set_answer(&id, "IN06", Some(&entry), tls_id, None)
            .is_err()
    );
    assert!(tls_store.screening_history(&id).is_err());
    // Its own chain starts from nothing and verifies; Copenhagen's is untouched.
    tls_store
        .create_screening(&a_muse, &candidate("XY"), tls_id)
        .unwrap();
    assert!(tls_store.verify_audit_chain().unwrap().is_intact());
    assert_eq!(count_log(&cph_store), 1);
    assert!(cph_store.verify_audit_chain().unwrap().is_intact());
    // Even plain SQL as the Toulouse login reads no Copenhagen row.
    let mut raw = site.raw_login(&tls);
    let seen: i64 = raw
        .query_one(
            "SELECT count(*) FROM prescreen.screening WHERE site_code = 'CPH'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(seen, 0);

    // The monitor reads Copenhagen's log and trail, and every write is refused.
    let mut monitor_store = site.open(&monitor);
    let monitor_id = monitor_store.current_coordinator().unwrap().unwrap().id;
    assert_eq!(count_log(&monitor_store), 1);
    assert!(monitor_store.verify_audit_chain().unwrap().is_intact());
    let refused = monitor_store.set_answer(&id, "IN06", Some(&entry), monitor_id, None);
    assert!(
        matches!(refused, Err(StoreError::NotPermitted(_))),
        "{refused:?}"
    );
    let refused = monitor_store.create_screening(&a_muse, &candidate("AB"), monitor_id);
    assert!(
        matches!(refused, Err(StoreError::NotPermitted(_))),
        "{refused:?}"
    );
    assert!(cph_store.screening_history(&id).unwrap().len() > 1);
    assert_eq!(count_log(&cph_store), 1);
}

#[test]
fn no_login_can_update_or_delete_an_audit_event() {
    let site = new_site();
    let nurse = site.add_user("nurse", SiteRole::Investigator, "CPH");
    let mut store = site.open(&nurse);
    let me = store.current_coordinator().unwrap().unwrap().id;
    store
        .create_screening(&trial("assix"), &candidate("QZ"), me)
        .unwrap();
    let mut raw = site.raw_login(&nurse);
    for statement in [
        "UPDATE prescreen.audit_event SET reason = 'rewritten'",
        "DELETE FROM prescreen.audit_event",
        "TRUNCATE prescreen.audit_event",
        "UPDATE prescreen.coordinator SET site_code = 'TLS'",
        "INSERT INTO prescreen.coordinator (name, role, site_code, created_utc) \
         VALUES ('someone', 'coordinator', 'CPH', 'now')",
    ] {
        let error = raw.batch_execute(statement).unwrap_err();
        let db = error.as_db_error().expect("a server refusal");
        // Refused by the grants (permission denied), before any trigger runs.
        assert_eq!(
            db.code(),
            &postgres::error::SqlState::INSUFFICIENT_PRIVILEGE,
            "{statement}: {}",
            db.message()
        );
        assert!(
            db.message().starts_with("permission denied"),
            "{statement}: {}",
            db.message()
        );
    }
    assert!(store.verify_audit_chain().unwrap().is_intact());
}

#[test]
fn an_owners_edit_with_plain_sql_is_caught_by_audit_verify() {
    let site = new_site();
    let nurse = site.add_user("nurse", SiteRole::Coordinator, "CPH");
    let mut store = site.open(&nurse);
    let me = store.current_coordinator().unwrap().unwrap().id;
    let id = store
        .create_screening(&trial("a-muse"), &candidate("QZ"), me)
        .unwrap();
    let entry = CriterionEntry::new(Answer::No);
    store
        .set_answer(&id, "IN06", Some(&entry), me, None)
        .unwrap();
    assert!(store.verify_audit_chain().unwrap().is_intact());

    // The superuser edits the answer row behind the store's back: the record no longer
    // matches its trail.
    let mut admin = site.superuser();
    admin
        .batch_execute(
            "UPDATE prescreen.answer SET entry = replace(entry, 'No', 'Yes') \
             WHERE criterion_id = 'IN06'",
        )
        .unwrap();
    let report = store.verify_audit_chain().unwrap();
    assert!(!report.records.is_empty(), "{report:?}");
    assert!(!store.screening_record_problems(&id).unwrap().is_empty());

    // And with the trigger disabled, an audit event rewritten in place breaks the chain.
    admin
        .batch_execute(
            "ALTER TABLE prescreen.audit_event DISABLE TRIGGER audit_event_append_only; \
             UPDATE prescreen.audit_event SET reason = 'rewritten' WHERE seq = 2; \
             ALTER TABLE prescreen.audit_event ENABLE TRIGGER audit_event_append_only;",
        )
        .unwrap();
    let report = store.verify_audit_chain().unwrap();
    assert!(!report.is_intact(), "{report:?}");
}

#[test]
fn free_text_survives_quotes_backslashes_and_sql_unchanged() {
    let site = new_site();
    let nurse = site.add_user("nurse", SiteRole::Coordinator, "CPH");
    let mut store = site.open(&nurse);
    let me = store.current_coordinator().unwrap().unwrap().id;
    let nasty = "O'Brien \\ \"quoted\" '); DROP TABLE screening; -- $1 ?1 %s";
    // Initials are letters only: a quote there is refused by name, on the server as at home.
    let refused = store.create_screening(&trial("a-muse"), &candidate("Q'Z"), me);
    let Err(StoreError::InvalidInput(problems)) = refused else {
        panic!("initials with a quote must be refused: {refused:?}");
    };
    assert_eq!(problems[0].field, "initials");
    let id = store
        .create_screening(&trial("a-muse"), &candidate("QZ"), me)
        .unwrap();
    let mut entry = CriterionEntry::new(Answer::Yes);
    entry.note = Some(nasty.to_owned());
    entry.evidence = Some(format!("evidence: {nasty}"));
    store
        .set_answer(&id, "IN06", Some(&entry), me, None)
        .unwrap();
    let mut changed = entry.clone();
    changed.answer = Answer::No;
    store
        .set_answer(&id, "IN06", Some(&changed), me, Some(nasty))
        .unwrap();
    let stored = store.load_screening(&id).unwrap();
    assert_eq!(stored.screening.candidate.initials, "QZ");
    let kept = &stored.screening.answers["IN06"];
    assert_eq!(kept.note.as_deref(), Some(nasty));
    assert_eq!(
        kept.evidence.as_deref(),
        Some(format!("evidence: {nasty}").as_str())
    );
    let history = store.screening_history(&id).unwrap();
    assert!(history.iter().any(|e| e.reason.as_deref() == Some(nasty)));
    assert!(store.verify_audit_chain().unwrap().is_intact());
    // NUL is refused, naming the field, before anything reaches the server.
    let mut with_nul = entry.clone();
    with_nul.note = Some("a\0b".to_owned());
    let refused = store.set_answer(&id, "IN08", Some(&with_nul), me, None);
    let Err(StoreError::InvalidInput(problems)) = refused else {
        panic!("NUL must be refused: {refused:?}");
    };
    assert!(
        problems.iter().any(|p| p.message.contains("NUL")),
        "{problems:?}"
    );
    // A file whose id names another site is refused by name; without an id it imports here.
    let toulouse = fixture("a-muse-eligible");
    assert!(toulouse.screening_id.contains("TLS"));
    let refused = store.import_screening(&trial("a-muse"), &toulouse, me);
    let Err(StoreError::NotPermitted(message)) = refused else {
        panic!("another site's screening must be refused: {refused:?}");
    };
    assert!(message.contains("another site"), "{message}");
    let mut unnamed = toulouse;
    unnamed.screening_id.clear();
    let imported = store
        .import_screening(&trial("a-muse"), &unnamed, me)
        .unwrap();
    assert!(imported.contains("CPH"), "{imported}");
}

#[test]
fn a_wrong_password_is_a_clear_error_that_echoes_no_secret() {
    let site = new_site();
    let nurse = site.add_user("nurse", SiteRole::Coordinator, "CPH");
    let secret = "s3cr3t-W0rd-not-it";
    let url = site.url(&nurse, secret);
    assert!(!url.to_string().contains(secret));
    let error = prescreen_store::PgStore::connect(&url, &mut |_| Ok(None)).unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains(secret), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(text.contains("password"), "{text}");
    // A non-local host without verify-full is refused before anything is sent.
    let remote = connect::DatabaseUrl::parse(&format!(
        "postgresql://{nurse}:{secret}@db.example.org/prescreen?sslmode=require"
    ))
    .unwrap();
    let error = prescreen_store::PgStore::connect(&remote, &mut |_| Ok(None)).unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(text.contains("verify-full"), "{text}");
    assert!(!text.contains(secret), "{text}");
}

#[test]
fn a_workstation_store_moves_to_the_server_whole_and_the_file_is_left_as_it_was() {
    use prescreen_store::pg::migrate::migrate_from_sqlite;
    let mut s = common::setup();
    let imported = s
        .store
        .import_screening(&trial("assix"), &fixture("assix-not-eligible"), s.by)
        .unwrap();
    let mut unnamed = fixture("a-muse-eligible");
    unnamed.screening_id.clear();
    let generated = s
        .store
        .import_screening(&trial("a-muse"), &unnamed, s.by)
        .unwrap();
    let note = CriterionEntry {
        note: Some("moved with 'quotes' \\ intact".to_owned()),
        ..CriterionEntry::new(Answer::No)
    };
    s.store
        .set_answer(
            &generated,
            "IN08",
            Some(&note),
            s.by,
            Some("re-read the letter"),
        )
        .unwrap();
    s.store
        .set_status(
            &imported,
            prescreen_store::ScreeningStatus::PreScreened,
            s.by,
            None,
        )
        .unwrap();
    let before_log = count_log(&s.store);
    let before_head = s.store.latest_chain_hash().unwrap();
    // Closed (its WAL checkpointed into the file) before the file is fingerprinted.
    drop(s.store);
    let digest = |path: &std::path::Path| {
        let bytes = std::fs::read(path).unwrap();
        prescreen_core::trial::load::sha256_hex(&String::from_utf8_lossy(&bytes))
    };
    let file_before = digest(&s.path);
    let source = common::open(&s.path).unwrap();

    let site = new_site();
    let mut admin = site.superuser();
    let moved = migrate_from_sqlite(&source, &mut admin, "test cluster").unwrap();
    assert_eq!(moved.site_code, "CPH");
    assert_eq!(moved.screenings, 2);
    assert_eq!(moved.head, before_head);
    drop(source);
    assert_eq!(digest(&s.path), file_before, "the SQLite file was changed");

    // A login of the site sees the same records, the chain verifies, and goes on from there.
    let nurse = site.add_user("nurse", SiteRole::Coordinator, "CPH");
    let mut server = site.open(&nurse);
    let report = server.verify_audit_chain().unwrap();
    assert!(
        report.is_intact() && report.records.is_empty(),
        "{report:?}"
    );
    assert_eq!(report.head, before_head);
    assert_eq!(count_log(&server), before_log);
    let kept = server.load_screening(&generated).unwrap();
    assert_eq!(kept.screening.answers["IN08"].note, note.note);
    let history = server.screening_history(&generated).unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.coordinator_name == "Synthetic Coordinator")
    );
    let me = server.login().id;
    server
        .set_answer(
            &generated,
            "IN06",
            Some(&CriterionEntry::new(Answer::Yes)),
            me,
            None,
        )
        .unwrap();
    let next = server
        .create_screening(&trial("assix"), &candidate("AB"), me)
        .unwrap();
    assert_eq!(next, "AS-CPH-2026-0003", "the id sequence moved too");
    assert!(server.verify_audit_chain().unwrap().is_intact());

    // Moving it again is refused as a whole: the server holds that site already.
    let reopened = common::open(&s.path).unwrap();
    let again = migrate_from_sqlite(&reopened, &mut admin, "test cluster");
    assert!(
        matches!(&again, Err(StoreError::Server { detail, .. }) if detail.contains("already holds")),
        "{again:?}"
    );
}

#[test]
fn a_store_of_several_sites_is_not_moved() {
    use prescreen_store::pg::migrate::migrate_from_sqlite;
    let mut s = common::setup();
    s.store
        .import_screening(&trial("a-muse"), &fixture("a-muse-eligible"), s.by)
        .unwrap();
    let site = new_site();
    let moved = migrate_from_sqlite(&s.store, &mut site.superuser(), "test cluster");
    let Err(StoreError::Server { detail, .. }) = moved else {
        panic!("a store of CPH and TLS must be refused: {moved:?}");
    };
    assert!(
        detail.contains("CPH, TLS") && detail.contains("nothing was copied"),
        "{detail}"
    );
    let count: i64 = site
        .superuser()
        .query_one("SELECT count(*) FROM prescreen.coordinator", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 0);
}

#[test]
fn verify_ca_checks_the_chain_and_require_only_encrypts_on_this_machine() {
    let site = new_site();
    let nurse = site.add_user("nurse", SiteRole::Coordinator, "CPH");
    let cluster = common::pg_cluster::cluster();
    let with = |mode: &str, root: &str| {
        connect::DatabaseUrl::parse(&format!(
            "postgresql://{nurse}:{PASSWORD}@127.0.0.1:{}/{}?sslmode={mode}{root}",
            cluster.port(),
            site.database,
        ))
        .unwrap()
    };
    let root = format!("&sslrootcert={}", cluster.root_cert_path().display());
    assert!(connect::connect(&with("verify-ca", &root), &mut |_| Ok(None)).is_ok());
    assert!(connect::connect(&with("require", ""), &mut |_| Ok(None)).is_ok());
    // A root that did not sign the server's certificate is refused.
    let stranger = tempfile::tempdir().unwrap();
    let other_root = stranger.path().join("other.crt");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=Another CA", "-keyout"])
        .arg(stranger.path().join("other.key"))
        .arg("-out")
        .arg(&other_root)
        .output()
        .expect("openssl is installed by ./scripts/setup.sh");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let refused = connect::connect(
        &with(
            "verify-ca",
            &format!("&sslrootcert={}", other_root.display()),
        ),
        &mut |_| Ok(None),
    );
    assert!(refused.is_err(), "a chain to another root must be refused");
}
