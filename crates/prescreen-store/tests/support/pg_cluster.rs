//! A throw-away PostgreSQL server for tests: one per test process, started on first use in a
//! temporary folder, on a free port of 127.0.0.1 and on a unix socket in that folder, with
//! scram-sha-256 passwords and TLS on (a CA and a server certificate for `localhost` and
//! `127.0.0.1`, made with the `openssl` command, so `sslmode=verify-full` can be tested).
//!
//! Include it with `#[path = "support/pg_cluster.rs"] mod pg_cluster;`. It needs only std,
//! `tempfile` and `postgres`. PostgreSQL must be installed (`initdb` and `pg_ctl` under
//! `/usr/lib/postgresql/*/bin` or on the PATH); if it is not, every test that asks for the
//! cluster fails with a message saying how to install it: tests never skip.
//!
//! Run as root (CI), the server runs as the `postgres` system user, since PostgreSQL refuses
//! root. A watchdog process stops the server and removes the folder once the test process
//! has exited, because a static is never dropped.
#![allow(
    dead_code,
    reason = "each test file uses a different part of the cluster"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

const NOT_INSTALLED: &str = "PostgreSQL is not installed: run ./scripts/setup.sh or apt-get install postgresql \
     (initdb and pg_ctl were found neither under /usr/lib/postgresql/*/bin nor on the PATH)";

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static DATABASES: AtomicU64 = AtomicU64::new(0);

/// The cluster of this test process, started on first call (initdb and start take a few
/// seconds); later calls return the same one.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(Cluster::launch)
}

/// A running PostgreSQL server in a temporary folder (see the module documentation).
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    password: String,
    /// `Some("postgres")` when the tests run as root: the server tools run as that user.
    run_as: Option<String>,
    /// Serialises `stop` and `start`.
    control: Mutex<()>,
}

impl Cluster {
    /// The TCP port on 127.0.0.1 (the same after `stop` and `start`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's password (user `postgres`), e.g. for a pgpass file.
    pub fn superuser_password(&self) -> &str {
        &self.password
    }

    /// The directory of the server's unix socket (`?host=` in a URL).
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// The PEM certificate of the CA that issued the server's certificate (SAN `localhost`,
    /// `127.0.0.1`, `::1`): the `sslrootcert` for `sslmode=verify-full`.
    pub fn root_cert_path(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// A URL for the superuser on database `db`, password included, over TLS without
    /// certificate verification (`sslmode=require`: the server is local).
    pub fn superuser_url(&self, db: &str) -> String {
        format!(
            "postgresql://postgres:{}@127.0.0.1:{}/{db}?sslmode=require",
            self.password, self.port
        )
    }

    /// A superuser session on database `db` (plain TCP, for setting up what a test needs).
    pub fn superuser_client(&self, db: &str) -> postgres::Client {
        let mut config = postgres::Config::new();
        config
            .host("127.0.0.1")
            .port(self.port)
            .user("postgres")
            .password(&self.password)
            .dbname(db)
            .ssl_mode(postgres::config::SslMode::Disable);
        match config.connect(postgres::NoTls) {
            Ok(client) => client,
            Err(e) => panic!(
                "cannot connect to the test cluster on port {} as superuser: {e:?}\n{}",
                self.port,
                self.log_tail()
            ),
        }
    }

    /// Creates a new, empty database with a name no other call in this process returns, and
    /// returns the name, so tests sharing the cluster do not see each other's tables.
    pub fn fresh_database(&self) -> String {
        let name = format!("test_{}", DATABASES.fetch_add(1, Ordering::Relaxed));
        let mut client = self.superuser_client("postgres");
        if let Err(e) = client.batch_execute(&format!("CREATE DATABASE \"{name}\"")) {
            panic!("CREATE DATABASE {name} failed: {e:?}");
        }
        name
    }

    /// Stops the server (fast shutdown: sessions are cut), e.g. to test a store that loses
    /// its server. Other tests of the same process that use the cluster meanwhile fail, so a
    /// test that stops it should run alone (its own test binary, or serialised).
    pub fn stop(&self) {
        let _guard = self.control.lock().unwrap_or_else(|e| e.into_inner());
        let out = run(self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"]));
        if !out.status.success() {
            panic!(
                "pg_ctl stop failed:\n{}\n{}",
                output_text(&out),
                self.log_tail()
            );
        }
    }

    /// Starts the server again on the same port and data folder after [`Cluster::stop`].
    pub fn start(&self) {
        let _guard = self.control.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(message) = self.pg_ctl_start() {
            panic!("{message}");
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("log")
    }

    /// The end of the server's log, for panic messages.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        format!("--- server log ({}) ---\n{tail}", self.log().display())
    }

    /// A PostgreSQL tool, run as the `postgres` user when the tests run as root.
    fn tool(&self, name: &str) -> Command {
        let exe = self.bin.join(name);
        let mut cmd = match &self.run_as {
            Some(user) if runuser_exists() => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(exe);
                cmd
            }
            Some(user) => {
                let mut cmd = Command::new("su");
                cmd.args([user, "-s", "/bin/sh", "-c", "exec \"$0\" \"$@\""])
                    .arg(exe);
                cmd
            }
            None => Command::new(exe),
        };
        // The tools run from the cluster's folder (the postgres user may not enter the test's
        // working directory) and ignore the developer's PG* settings.
        cmd.current_dir(&self.dir).stdin(Stdio::null());
        for var in [
            "PGDATA",
            "PGPORT",
            "PGHOST",
            "PGUSER",
            "PGDATABASE",
            "PGOPTIONS",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let out = run(self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.log())
            .args(["-w", "-t", "60", "start"]));
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "the test PostgreSQL server did not start (port {}):\n{}\n{}",
                self.port,
                output_text(&out),
                self.log_tail()
            ))
        }
    }

    fn launch() -> Cluster {
        if !cfg!(unix) {
            panic!("the test PostgreSQL cluster runs on Linux and macOS only");
        }
        let bin = find_bindir().unwrap_or_else(|| panic!("{NOT_INSTALLED}"));
        let root = is_root();
        let run_as = root.then(|| "postgres".to_owned());
        let owner = if root {
            Some(user_ids("postgres").unwrap_or_else(|| {
                panic!(
                    "tests run as root, so PostgreSQL must run as the `postgres` system user, \
                     which does not exist (apt-get install postgresql creates it)"
                )
            }))
        } else {
            None
        };

        // Under /tmp when root: TMPDIR may be a folder the postgres user cannot enter.
        let mut builder = tempfile::Builder::new();
        builder.prefix("prescreen-pg-");
        let temp = if root {
            builder.tempdir_in("/tmp")
        } else {
            builder.tempdir()
        }
        .unwrap_or_else(|e| panic!("cannot create the test cluster's folder: {e}"));
        let dir = temp.path().to_owned();

        let mut cluster = Cluster {
            dir: dir.clone(),
            bin,
            port: 0,
            password: random_token(24),
            run_as,
            control: Mutex::new(()),
        };
        // From here on the watchdog owns the folder's removal, also if this function panics.
        cluster.spawn_watchdog();
        let _ = temp.keep();

        make_certificates(&dir);
        let pwfile = dir.join("pwfile");
        write(&pwfile, &format!("{}\n", cluster.password));
        if let Some((uid, gid)) = owner {
            chown_all(&dir, uid, gid);
        }
        let out = run(cluster
            .tool("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args([
                "-A",
                "scram-sha-256",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display())));
        if !out.status.success() {
            panic!("initdb failed:\n{}", output_text(&out));
        }
        let _ = std::fs::remove_file(&pwfile);

        let conf = format!(
            "\n# prescreen test cluster\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{dir}'\n\
             ssl = on\n\
             ssl_cert_file = '{dir}/server.crt'\n\
             ssl_key_file = '{dir}/server.key'\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n",
            dir = dir.display()
        );
        append(&cluster.data().join("postgresql.conf"), &conf);

        // A free port is free only until someone else binds it: try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            cluster.port = free_port();
            append(
                &cluster.data().join("postgresql.conf"),
                &format!("port = {}\n", cluster.port),
            );
            match cluster.pg_ctl_start() {
                Ok(()) => return cluster,
                Err(message) => {
                    let text = std::fs::read_to_string(cluster.log()).unwrap_or_default();
                    if !text.contains("could not bind") && !text.contains("already in use") {
                        panic!("{message}");
                    }
                    last_error = message;
                }
            }
        }
        panic!("{last_error}");
    }

    /// A `sh` process that waits for this test process to exit, then stops the server
    /// (immediate shutdown) and removes the folder. It ignores the terminal's Ctrl-C and runs
    /// in its own process group, so it outlives whatever ends the tests.
    fn spawn_watchdog(&self) {
        let script = r#"pid=$1; dir=$2; shift 2
trap '' INT HUP
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
if [ -f "$dir/data/postmaster.pid" ]; then "$@" -D "$dir/data" -m immediate -w stop; fi
rm -rf "$dir""#;
        let pg_ctl = self.tool("pg_ctl");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(script)
            .arg("sh")
            .arg(std::process::id().to_string())
            .arg(&self.dir)
            .arg(pg_ctl.get_program())
            .args(pg_ctl.get_args())
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        if let Err(e) = cmd.spawn() {
            panic!("cannot start the test cluster's watchdog (sh): {e}");
        }
    }
}

fn run(cmd: &mut Command) -> Output {
    match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run {:?}: {e}", cmd.get_program()),
    }
}

fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn write(path: &Path, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let result = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(e) = result {
        panic!("cannot append to {}: {e}", path.display());
    }
}

/// `initdb` and `pg_ctl`: Debian's versioned folders (highest version first), else the PATH.
fn find_bindir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_tools(bin))
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|dir| has_tools(dir))
}

fn command_stdout(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn is_root() -> bool {
    command_stdout("id", &["-u"]).as_deref() == Some("0")
}

/// The uid and gid of a system user.
fn user_ids(user: &str) -> Option<(u32, u32)> {
    let uid = command_stdout("id", &["-u", user])?.parse().ok()?;
    let gid = command_stdout("id", &["-g", user])?.parse().ok()?;
    Some((uid, gid))
}

fn runuser_exists() -> bool {
    [
        "/usr/sbin/runuser",
        "/sbin/runuser",
        "/usr/bin/runuser",
        "/bin/runuser",
    ]
    .iter()
    .any(|p| Path::new(p).is_file())
}

#[cfg(unix)]
fn chown_all(dir: &Path, uid: u32, gid: u32) {
    let mut paths = vec![dir.to_owned()];
    if let Ok(entries) = std::fs::read_dir(dir) {
        paths.extend(entries.flatten().map(|e| e.path()));
    }
    for path in paths {
        if let Err(e) = std::os::unix::fs::chown(&path, Some(uid), Some(gid)) {
            panic!("cannot give {} to the postgres user: {e}", path.display());
        }
    }
}

#[cfg(not(unix))]
fn chown_all(_dir: &Path, _uid: u32, _gid: u32) {}

#[cfg(unix)]
fn owner_only(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        panic!("cannot restrict {}: {e}", path.display());
    }
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) {}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("cannot find a free port on 127.0.0.1: {e}"),
    }
}

/// Letters and digits from std's randomly keyed hasher (no rand crate needed for a test
/// password).
fn random_token(len: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(out.len());
        hasher.write_u32(std::process::id());
        let mut bits = hasher.finish();
        for _ in 0..8 {
            if out.len() == len {
                break;
            }
            out.push(char::from(
                ALPHABET[(bits % ALPHABET.len() as u64) as usize],
            ));
            bits /= ALPHABET.len() as u64;
        }
    }
    out
}

/// An openssl configuration for the CA and the server certificate (self-contained: the
/// system's openssl.cnf is not read).
const OPENSSL_CONF: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = prescreen test CA
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("OPENSSL_CONF", dir.join("openssl.cnf"))
        .output();
    match out {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("openssl {} failed:\n{}", args.join(" "), output_text(&out)),
        Err(e) => panic!(
            "cannot run openssl ({e}): the test cluster makes its certificates with the \
             openssl command (apt-get install openssl)"
        ),
    }
}

/// `ca.crt`/`ca.key` and `server.crt`/`server.key` (P-256, two days) in `dir`.
fn make_certificates(dir: &Path) {
    write(&dir.join("openssl.cnf"), OPENSSL_CONF);
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-config",
        "openssl.cnf",
        "-extensions",
        "ca_ext",
    ];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.crt", "-days", "2"]);
    openssl(dir, &ca);
    let mut csr = vec![
        "req",
        "-new",
        "-config",
        "openssl.cnf",
        "-subj",
        "/CN=localhost",
    ];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr"]);
    openssl(dir, &csr);
    let serial = format!("0x{}", random_hex(16));
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-set_serial",
            &serial,
            "-days",
            "2",
            "-extfile",
            "openssl.cnf",
            "-extensions",
            "server_ext",
            "-out",
            "server.crt",
        ],
    );
    owner_only(&dir.join("server.key"));
    owner_only(&dir.join("ca.key"));
}

fn random_hex(len: usize) -> String {
    random_token(len * 2)
        .bytes()
        .take(len)
        .map(|b| char::from(b"0123456789abcdef"[usize::from(b % 16)]))
        .collect()
}
