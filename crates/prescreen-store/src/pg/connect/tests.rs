use super::*;

fn url(text: &str) -> DatabaseUrl {
    DatabaseUrl::parse(text).unwrap()
}

fn bad(text: &str) -> String {
    match DatabaseUrl::parse(text) {
        Err(ConnectError::BadUrl { reason }) => reason,
        other => panic!("expected BadUrl for {text}, got {other:?}"),
    }
}

#[test]
fn parses_a_full_url() {
    let u = url(
        "postgresql://alice:s%40cret@db.example:6543/prescreen?sslmode=verify-full\
         &sslrootcert=/etc/ca.pem&connect_timeout=7&application_name=prescreen%20ui",
    );
    assert_eq!(u.user(), "alice");
    assert_eq!(u.host(), &Host::Name("db.example".into()));
    assert_eq!(u.port(), 6543);
    assert_eq!(u.dbname(), "prescreen");
    assert_eq!(u.password.as_ref().map(|p| p.as_str()), Some("s@cret"));
    assert_eq!(u.ssl_mode(), SslMode::VerifyFull);
    assert_eq!(u.ssl_root_cert(), Some(Path::new("/etc/ca.pem")));
    assert_eq!(u.connect_timeout(), Some(Duration::from_secs(7)));
    assert_eq!(u.application_name(), Some("prescreen ui"));
}

#[test]
fn defaults_follow_libpq() {
    let u = url("postgres://bob@localhost");
    assert_eq!(u.port(), 5432);
    assert_eq!(u.dbname(), "bob");
    assert_eq!(u.ssl_mode(), SslMode::Prefer);
    assert!(!u.has_password());
    assert_eq!(u.connect_timeout(), None);
    assert_eq!(
        url("postgresql://bob@/").host(),
        &Host::Name("localhost".into())
    );
    assert_eq!(
        url("postgresql://bob:@h/db?connect_timeout=0").connect_timeout(),
        None
    );
    assert!(!url("postgresql://bob:@h/db").has_password());
}

#[test]
fn parses_addresses_and_sockets() {
    assert_eq!(
        url("postgresql://u@127.0.0.1:5/d").host(),
        &Host::Ipv4(Ipv4Addr::LOCALHOST)
    );
    assert_eq!(
        url("postgresql://u@[::1]:5433/d").host(),
        &Host::Ipv6(Ipv6Addr::LOCALHOST)
    );
    assert_eq!(url("postgresql://u@[::1]:5433/d").port(), 5433);
    let socket = url("postgresql://u@:5444/d?host=/var/run/postgresql");
    assert_eq!(socket.host(), &Host::Socket("/var/run/postgresql".into()));
    assert_eq!(socket.port(), 5444);
    let encoded = url("postgresql://u@%2Ftmp%2Fpg/d");
    assert_eq!(encoded.host(), &Host::Socket("/tmp/pg".into()));
    assert_eq!(
        url("postgresql://u@/d?host=db.example").host(),
        &Host::Name("db.example".into())
    );
}

#[test]
fn refuses_malformed_urls_without_echoing_secrets() {
    assert!(bad("mysql://u@h/d").contains("postgresql://"));
    assert!(bad("postgresql://u@h/d?sslcert=x").contains("unknown parameter `sslcert`"));
    assert!(bad("postgresql://u@h/d?sslmode=allow").contains("sslmode `allow`"));
    assert!(bad("postgresql://u@h:0/d").contains("port"));
    assert!(bad("postgresql://u@h:99999/d").contains("port"));
    assert!(bad("postgresql://u@::1/d").contains("brackets"));
    assert!(bad("postgresql://u@[::1/d").contains("']'"));
    assert!(bad("postgresql://u@h/a/b").contains("'/'"));
    assert!(bad("postgresql://u@h/d?sslmode=require&sslmode=disable").contains("twice"));
    assert!(bad("postgresql://u@h/d?host=/tmp").contains("twice"));
    assert!(bad("postgresql://u@h/d?connect_timeout=soon").contains("connect_timeout"));
    assert!(bad("postgresql://h/d").contains("no user"));
    assert!(bad("postgresql://u@300.1.1.1/d").contains("IPv4"));
    assert!(bad("postgresql://u@h/d?password=x").contains("not taken as a parameter"));
    // Secrets in the user part never come back in the message, however the URL is broken.
    for broken in [
        "postgresql://u:Hunter2/xyz@h/d",
        "postgresql://u:Hunter2?xyz@h/d",
        "postgresql://u:Hunter2#xyz@h/d",
        "postgresql://u:Hunter2%zz@h/d",
        "postgresql://u:Hunter2%ff@h/d",
        "postgresql://u:Hunter2@h:Hunter2/d",
    ] {
        let reason = bad(broken);
        assert!(
            !reason.contains("Hunter2") && !reason.contains("xyz"),
            "{broken}: {reason}"
        );
    }
}

#[test]
fn display_and_debug_leave_the_password_out() {
    let u = url("postgres://alice:s3cr3t-W0rd@db.example/prescreen?sslmode=verify-full");
    assert_eq!(
        u.to_string(),
        "postgresql://alice@db.example:5432/prescreen?sslmode=verify-full"
    );
    let debug = format!("{u:?}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    let sources = PasswordSources::none().with_env_password("s3cr3t-W0rd");
    assert!(!format!("{sources:?}").contains("s3cr3t"));
}

#[test]
fn display_round_trips() {
    for text in [
        "postgresql://alice@db.example:5432/prescreen?sslmode=verify-full",
        "postgresql://al%20ice@[::1]:5433/d%2Fb?sslmode=require&sslrootcert=/tmp/ca%20x.pem\
         &connect_timeout=5&application_name=a%26b",
        "postgresql://u@:5444/d?host=/var/run/postgresql&sslmode=prefer",
    ] {
        let u = url(text);
        assert_eq!(u.to_string(), text);
        let again = url(&u.to_string());
        assert_eq!(again, u);
    }
}

#[test]
fn only_local_hosts_may_skip_verify_full() {
    for local in [
        "postgresql://u@localhost/d?sslmode=disable",
        "postgresql://u@LOCALHOST/d",
        "postgresql://u@127.0.0.1/d?sslmode=require",
        "postgresql://u@127.8.9.10/d?sslmode=verify-ca",
        "postgresql://u@[::1]/d",
        "postgresql://u@/d?host=/tmp",
        "postgresql://u@db.example/d?sslmode=verify-full",
        "postgresql://u@10.0.0.1/d?sslmode=verify-full",
    ] {
        assert!(url(local).check_transport().is_ok(), "{local}");
    }
    for remote in [
        "postgresql://u:s3cr3t-W0rd@db.example/d",
        "postgresql://u@db.example/d?sslmode=require",
        "postgresql://u@10.0.0.1/d?sslmode=verify-ca",
        "postgresql://u@[2001:db8::1]/d?sslmode=disable",
        "postgresql://u@localhost.evil.example/d?sslmode=prefer",
    ] {
        let err = url(remote).check_transport().unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, ConnectError::TlsRequired { .. }), "{remote}");
        assert!(
            text.contains("sslmode=verify-full") && !text.contains("s3cr3t"),
            "{text}"
        );
    }
}

#[test]
fn remote_without_verify_full_is_refused_before_connecting() {
    // 192.0.2.1 is TEST-NET-1: were anything sent, this would hang or fail as unreachable.
    let u = url("postgresql://u:s3cr3t-W0rd@192.0.2.1/d?sslmode=require");
    let mut prompt =
        |_: &str| -> Result<Option<String>, std::io::Error> { panic!("no prompt expected") };
    let Err(err) = connect_with(&u, &PasswordSources::none(), &mut prompt) else {
        panic!("connected")
    };
    assert!(matches!(err, ConnectError::TlsRequired { ref host } if host == "192.0.2.1"));
}

fn hosts(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

fn lookup(text: &str, host: &[&str], port: u16, db: &str, user: &str) -> Option<String> {
    pgpass_lookup(text, &hosts(host), port, db, user).map(|p| p.as_str().to_owned())
}

#[test]
fn pgpass_first_match_wins_with_wildcards() {
    let file = "# comment\n\
                \n\
                db.example:5432:prescreen:alice:first\n\
                db.example:5432:prescreen:alice:second\n\
                *:*:*:bob:bobs\n\
                db.example:*:other:*:any-user\r\n\
                short:line\n";
    assert_eq!(
        lookup(file, &["db.example"], 5432, "prescreen", "alice").as_deref(),
        Some("first")
    );
    assert_eq!(
        lookup(file, &["anywhere"], 1, "x", "bob").as_deref(),
        Some("bobs")
    );
    assert_eq!(
        lookup(file, &["db.example"], 6000, "other", "carol").as_deref(),
        Some("any-user")
    );
    assert_eq!(
        lookup(file, &["db.example"], 5433, "prescreen", "alice"),
        None
    );
    assert_eq!(
        lookup(file, &["db.example"], 5432, "prescreen", "dave"),
        None
    );
}

#[test]
fn pgpass_escapes() {
    let file = "\\:\\:1:5432:d\\\\b:u:pa\\:ss\\\\word:ignored\n\
                h:5432:d:\\*:star-user\n\
                h:5432:d:*:any\n";
    assert_eq!(
        lookup(file, &["::1"], 5432, "d\\b", "u").as_deref(),
        Some("pa:ss\\word")
    );
    // An escaped star is a literal '*', not a wildcard.
    assert_eq!(
        lookup(file, &["h"], 5432, "d", "*").as_deref(),
        Some("star-user")
    );
    assert_eq!(lookup(file, &["h"], 5432, "d", "x").as_deref(), Some("any"));
    let fields = pgpass_fields("a\\:b:c\\");
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].0.as_str(), "a:b");
    assert_eq!(fields[1].0.as_str(), "c\\");
}

#[cfg(unix)]
#[test]
fn pgpass_file_localhost_matches_a_socket_and_loose_permissions_are_ignored() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pgpass");
    std::fs::write(&path, "localhost:5432:d:u:via-localhost\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let socket = url("postgresql://u@/d?host=/var/run/postgresql");
    let sources = PasswordSources::none().with_passfile(&path);
    let (password, source) = lookup_password(&socket, &sources).unwrap();
    assert_eq!(password.as_str(), "via-localhost");
    assert_eq!(source, PasswordSource::PassFile(path.clone()));
    assert!(lookup_password(&url("postgresql://u@127.0.0.1/d"), &sources).is_none());

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(lookup_password(&socket, &sources).is_none());
}

#[test]
fn password_sources_in_libpq_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pgpass");
    std::fs::write(&path, "*:*:*:*:from-file\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let file_only = PasswordSources::none().with_passfile(&path);
    let both = file_only.clone().with_env_password("from-env");
    let with_pw = url("postgresql://u:from-url@localhost/d");
    let without = url("postgresql://u@localhost/d");
    let got = |u: &DatabaseUrl, s: &PasswordSources| {
        lookup_password(u, s).map(|(p, src)| (p.as_str().to_owned(), src))
    };
    assert_eq!(
        got(&with_pw, &both),
        Some(("from-url".into(), PasswordSource::Url))
    );
    assert_eq!(
        got(&without, &both),
        Some(("from-env".into(), PasswordSource::Environment))
    );
    assert_eq!(
        got(&without, &file_only),
        Some(("from-file".into(), PasswordSource::PassFile(path)))
    );
    assert_eq!(got(&without, &PasswordSources::none()), None);
}

#[test]
fn scrub_hides_an_echoed_password() {
    assert_eq!(
        scrub("bad s3cr3t-W0rd here".into(), Some("s3cr3t-W0rd")),
        "bad <redacted> here"
    );
    assert_eq!(scrub("a b".into(), Some("a")), "a b");
}
