//! The site server through the binary, as an administrator and a coordinator would use it:
//! `site init` (a second run refused), `site add-user` (password from the environment, never
//! printed), then the ordinary commands with `--database` and no `coordinator set`; the log
//! and trail name the login. A `pg_dump` of the database restored into a new one passes
//! `audit verify`. No secret appears in any output. Synthetic candidates only.
#![cfg(test)]

mod common;
#[path = "../crates/prescreen-store/tests/support/pg_cluster.rs"]
mod pg_cluster;

use std::path::Path;
use std::process::Command;

use pg_cluster::cluster;

const NEW_PASSWORD: &str = "synthetic-nurse-password-7";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn prescreen(data: &Path, database: &str, args: &[&str]) -> Run {
    let mut command = common::prescreen_command();
    command
        .args(args)
        .env("PRESCREEN_DATA_DIR", data)
        .env("PRESCREEN_DATABASE_URL", database)
        .env("PRESCREEN_NEW_PASSWORD", NEW_PASSWORD)
        .env_remove("PGPASSWORD");
    let output = command.output().unwrap();
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    for secret in [NEW_PASSWORD, cluster().superuser_password()] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{args:?} printed a password: {}{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

fn ok(data: &Path, database: &str, args: &[&str]) -> String {
    let run = prescreen(data, database, args);
    assert_eq!(run.code, Some(0), "{args:?}: {}{}", run.stdout, run.stderr);
    run.stdout
}

fn login_url(login: &str, database: &str) -> String {
    format!(
        "postgresql://{login}:{NEW_PASSWORD}@localhost:{}/{database}?sslmode=verify-full&sslrootcert={}",
        cluster().port(),
        cluster().root_cert_path().display()
    )
}

/// The PostgreSQL client tools of the cluster's version (pg_dump, pg_restore, psql).
fn pg_tool(name: &str) -> Command {
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| {
            dir.flatten()
                .map(|e| e.path().join("bin").join(name))
                .collect()
        })
        .unwrap_or_default();
    found.retain(|path: &std::path::PathBuf| path.exists());
    found.sort();
    let path = found.pop().unwrap_or_else(|| {
        panic!("{name} not found under /usr/lib/postgresql: run ./scripts/setup.sh")
    });
    let mut command = Command::new(path);
    command.env("PGPASSWORD", cluster().superuser_password());
    command
}

#[test]
fn an_administrator_sets_up_the_site_and_a_coordinator_screens_on_it() {
    let data = tempfile::tempdir().unwrap();
    let database = cluster().fresh_database();
    let admin = cluster().superuser_url(&database);

    let said = ok(data.path(), &admin, &["site", "init"]);
    assert!(said.contains("set up for prescreen"), "{said}");
    let again = prescreen(data.path(), &admin, &["site", "init"]);
    assert_eq!(again.code, Some(1));
    assert!(again.stderr.contains("already set up"), "{}", again.stderr);

    let login = format!("nurse_{database}");
    let said = ok(
        data.path(),
        &admin,
        &[
            "site",
            "add-user",
            &login,
            "--role",
            "coordinator",
            "--site",
            "tls",
        ],
    );
    assert!(said.contains("coordinator of site TLS"), "{said}");
    let bad = prescreen(
        data.path(),
        &admin,
        &[
            "site",
            "add-user",
            "Robert'); DROP",
            "--role",
            "coordinator",
            "--site",
            "TLS",
        ],
    );
    assert_eq!(bad.code, Some(1));
    assert!(bad.stderr.contains("login name"), "{}", bad.stderr);

    // The coordinator: no `coordinator set`, the login acts.
    let url = login_url(&login, &database);
    let id = ok(
        data.path(),
        &url,
        &[
            "new",
            "--trial",
            "a-muse",
            "--initials",
            "QX",
            "--dob",
            "1968-03-14",
            "--sex",
            "female",
            "--childbearing",
            "no",
            "--pregnant",
            "no",
            "--breastfeeding",
            "no",
            "--date",
            "2026-10-20",
        ],
    )
    .trim()
    .to_owned();
    assert!(id.starts_with("AM-TLS-"), "{id}");
    ok(
        data.path(),
        &url,
        &[
            "answer",
            &id,
            "IN08",
            "--answer",
            "Yes",
            "--note",
            "it's \\ fine",
        ],
    );
    let log = ok(data.path(), &url, &["log"]);
    assert!(log.contains(&id) && log.contains(&login), "{log}");
    let verified = ok(data.path(), &url, &["audit", "verify"]);
    assert!(verified.contains("audit chain intact"), "{verified}");
    // A login cannot pretend to be a saved coordinator.
    let refused = prescreen(
        data.path(),
        &url,
        &[
            "coordinator",
            "set",
            "--name",
            "Someone Else",
            "--role",
            "nurse",
            "--site",
            "TLS",
        ],
    );
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(refused.stderr.contains("logins"), "{}", refused.stderr);

    // A wrong password: a clear error, exit 1, no secret.
    let wrong = prescreen(
        data.path(),
        &login_url(&login, &database).replace(NEW_PASSWORD, "not-the-password"),
        &["log"],
    );
    assert_eq!(wrong.code, Some(1));
    assert!(wrong.stderr.contains("password"), "{}", wrong.stderr);
    assert!(
        !wrong.stderr.contains("not-the-password"),
        "{}",
        wrong.stderr
    );

    // Backup with pg_dump, restore into a new database: the chain verifies there.
    let dump = data.path().join("site.dump");
    let status = pg_tool("pg_dump")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &cluster().port().to_string(),
            "-U",
            "postgres",
        ])
        .args(["-Fc", "-f"])
        .arg(&dump)
        .arg(&database)
        .status()
        .unwrap();
    assert!(status.success());
    let restored = cluster().fresh_database();
    let status = pg_tool("pg_restore")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &cluster().port().to_string(),
            "-U",
            "postgres",
        ])
        .args(["--exit-on-error", "-d", &restored])
        .arg(&dump)
        .status()
        .unwrap();
    assert!(status.success());
    let verified = ok(
        data.path(),
        &login_url(&login, &restored),
        &["audit", "verify"],
    );
    assert!(verified.contains("audit chain intact"), "{verified}");
    let log = ok(data.path(), &login_url(&login, &restored), &["log"]);
    assert!(log.contains(&id), "{log}");
}

#[test]
fn an_unreachable_server_is_a_clear_error_and_exit_1() {
    let data = tempfile::tempdir().unwrap();
    // A port nothing listens on, on this machine.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let url =
        format!("postgresql://nurse:{NEW_PASSWORD}@127.0.0.1:{port}/prescreen?sslmode=require");
    let run = prescreen(data.path(), &url, &["log"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("cannot be reached"), "{}", run.stderr);
    assert!(
        !data.path().join("prescreen.sqlite3").exists(),
        "nothing written elsewhere"
    );
}
