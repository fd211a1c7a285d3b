//! Connecting to the PostgreSQL server of a shared store.
//!
//! A site that shares one database between coordinators gives prescreen a `postgresql://` URL.
//! This module parses it ([`DatabaseUrl`]), finds the password the way libpq does (URL,
//! `PGPASSWORD`, the pgpass file, then a prompt), and connects with TLS over rustls and the
//! ring provider (no OpenSSL, no aws-lc). Screening data is personal health data, so one rule
//! holds before any byte is sent: a server that is not on this machine is reached only with
//! `sslmode=verify-full` (certificate chain *and* host name checked).
//!
//! The password is never printed: a URL is shown only through its [`Display`](fmt::Display),
//! which leaves the password out, and every [`ConnectError`] is built from that form.

use std::error::Error as StdError;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::config::SslMode as PgSslMode;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;
use zeroize::Zeroizing;

/// The parameters a URL may carry; anything else is refused so that a typo (or a libpq
/// option this module does not honour) is not silently ignored.
const KNOWN_PARAMS: &str = "host, sslmode, sslrootcert, connect_timeout, application_name";

/// How a caller is asked for a password the other sources did not give: it receives the
/// redacted URL (to say which server asks) and returns the password, or `None` to give up.
pub type PasswordPrompt<'a> = dyn FnMut(&str) -> Result<Option<String>, std::io::Error> + 'a;

/// Why connecting failed. Every message is safe to show and to log: it names the server by
/// its redacted URL and never contains the password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL could not be read; `reason` says what is wrong without echoing its secret parts.
    #[error("bad database URL: {reason}")]
    BadUrl {
        /// What is wrong, in words a user can act on.
        reason: String,
    },
    /// The server is not on this machine and the URL does not ask for `sslmode=verify-full`;
    /// nothing was sent.
    #[error(
        "refusing to connect to {host} without sslmode=verify-full: a database server that is \
         not on this machine is reached only over TLS with its certificate and host name \
         verified (add ?sslmode=verify-full to the URL, and sslrootcert=FILE if the server's CA \
         is not in the system's certificate store)"
    )]
    TlsRequired {
        /// The host named in the URL.
        host: String,
    },
    /// TLS could not be set up (no usable root certificate) or the handshake failed
    /// (certificate not trusted, wrong host name, server without TLS).
    #[error("TLS with the database server failed: {detail}")]
    Tls {
        /// What failed and, where known, what to change.
        detail: String,
    },
    /// The server rejected the password (SQLSTATE 28P01).
    #[error(
        "password authentication failed for user \"{user}\" at {url_redacted} (the password \
         came from {password_from})"
    )]
    WrongPassword {
        /// The user the server rejected.
        user: String,
        /// The URL without its password.
        url_redacted: String,
        /// Where the rejected password came from, so the user knows what to fix.
        password_from: PasswordSource,
    },
    /// The server asks for a password and no source gave one (the prompt was declined or
    /// returned nothing).
    #[error(
        "the server at {url_redacted} asks for a password for user \"{user}\" and none was \
         given (URL, PGPASSWORD, password file or prompt)"
    )]
    PasswordRequired {
        /// The user the server asked a password for.
        user: String,
        /// The URL without its password.
        url_redacted: String,
    },
    /// No server answered: refused, timed out, name not resolved, or the server is starting
    /// up or shutting down.
    #[error("cannot reach the database server at {url_redacted}: {detail}")]
    Unreachable {
        /// The URL without its password.
        url_redacted: String,
        /// What the operating system or the server said.
        detail: String,
    },
    /// Anything else the server or the driver reported (database missing, no pg_hba entry…).
    #[error("connecting to {url_redacted} failed: {detail}")]
    Other {
        /// The URL without its password.
        url_redacted: String,
        /// What the server or the driver said.
        detail: String,
    },
}

fn bad_url(reason: impl Into<String>) -> ConnectError {
    ConnectError::BadUrl {
        reason: reason.into(),
    }
}

fn tls_error(detail: impl Into<String>) -> ConnectError {
    ConnectError::Tls {
        detail: detail.into(),
    }
}

/// The server named by a URL: a host to reach over TCP or a unix-socket directory. Kept apart
/// so that the "local or not" rule is decided on a parsed address, not on text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A DNS name (`db.example`, `localhost`).
    Name(String),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written in brackets in a URL).
    Ipv6(Ipv6Addr),
    /// The directory holding the server's unix socket (`?host=/var/run/postgresql`).
    Socket(PathBuf),
}

impl Host {
    /// Whether the server is on this machine (`localhost`, 127.0.0.0/8, `::1`, a unix socket):
    /// only those may be reached without `sslmode=verify-full`.
    pub fn is_local(&self) -> bool {
        match self {
            Host::Name(name) => name.eq_ignore_ascii_case("localhost"),
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => {
                ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
            Host::Socket(_) => true,
        }
    }

    /// The host as the driver and the pgpass file see it (no brackets around IPv6).
    fn as_plain(&self) -> String {
        match self {
            Host::Name(name) => name.clone(),
            Host::Ipv4(ip) => ip.to_string(),
            Host::Ipv6(ip) => ip.to_string(),
            Host::Socket(dir) => dir.display().to_string(),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ipv6(ip) => write!(f, "[{ip}]"),
            other => f.write_str(&other.as_plain()),
        }
    }
}

/// How much TLS a connection demands, with libpq's names and meanings, so that a URL written
/// for psql means the same here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS if the server offers it, without verifying the certificate (libpq's default).
    #[default]
    Prefer,
    /// TLS, certificate not verified (handshake signatures still are).
    Require,
    /// TLS, certificate chain verified against the roots, host name not checked.
    VerifyCa,
    /// TLS, certificate chain and host name verified: the only mode for a remote server.
    VerifyFull,
}

impl SslMode {
    fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SslMode {
    type Err = ConnectError;

    fn from_str(s: &str) -> Result<Self, ConnectError> {
        match s {
            "disable" => Ok(SslMode::Disable),
            "prefer" => Ok(SslMode::Prefer),
            "require" => Ok(SslMode::Require),
            "verify-ca" => Ok(SslMode::VerifyCa),
            "verify-full" => Ok(SslMode::VerifyFull),
            other => Err(bad_url(format!(
                "sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full"
            ))),
        }
    }
}

/// A parsed `postgres://` / `postgresql://` URL. It is printed only through `Display` (and
/// `Debug`), both of which leave the password out, so a URL can be logged or shown in an
/// error without leaking it.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    user: String,
    host: Host,
    port: u16,
    dbname: String,
    password: Option<Zeroizing<String>>,
    ssl_mode: SslMode,
    ssl_root_cert: Option<PathBuf>,
    connect_timeout: Option<u64>,
    application_name: Option<String>,
}

impl DatabaseUrl {
    /// Parses a URL (`postgresql://user:password@host:port/dbname?sslmode=verify-full`), so
    /// that mistakes are reported before anything is sent; same as `str::parse`.
    pub fn parse(url: &str) -> Result<Self, ConnectError> {
        parse_url(url).map_err(|reason| ConnectError::BadUrl { reason })
    }

    /// The user to log in as (the pgpass lookup and error messages need it).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The server: name, address or unix-socket directory.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The TCP port (also names the unix socket file); 5432 unless given.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database; the user's name unless given, as libpq does.
    pub fn dbname(&self) -> &str {
        &self.dbname
    }

    /// Whether the URL itself carries a password (which then wins over every other source).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The TLS mode (`sslmode`, default `prefer`).
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// The PEM file of trusted roots (`sslrootcert`); `None` means the system's store.
    pub fn ssl_root_cert(&self) -> Option<&Path> {
        self.ssl_root_cert.as_deref()
    }

    /// How long to wait for the TCP connection (`connect_timeout` seconds; 0 or absent: the
    /// operating system's limit).
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
    }

    /// The name the server shows for this session in `pg_stat_activity`.
    pub fn application_name(&self) -> Option<&str> {
        self.application_name.as_deref()
    }

    /// Whether the server is on this machine (see [`Host::is_local`]).
    pub fn is_local(&self) -> bool {
        self.host.is_local()
    }

    /// Applies the one transport rule: a non-local server needs `sslmode=verify-full`. Called
    /// by [`connect`] before anything is sent; public so a settings screen can check early.
    pub fn check_transport(&self) -> Result<(), ConnectError> {
        if self.is_local() || self.ssl_mode == SslMode::VerifyFull {
            Ok(())
        } else {
            Err(ConnectError::TlsRequired {
                host: self.host.to_string(),
            })
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = ConnectError;

    fn from_str(s: &str) -> Result<Self, ConnectError> {
        DatabaseUrl::parse(s)
    }
}

impl fmt::Display for DatabaseUrl {
    /// The URL without its password: the only form in which a URL is ever printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "postgresql://{}@", encode(&self.user, ""))?;
        if !matches!(self.host, Host::Socket(_)) {
            write!(f, "{}", self.host)?;
        }
        write!(f, ":{}/{}?", self.port, encode(&self.dbname, ""))?;
        if let Host::Socket(dir) = &self.host {
            write!(f, "host={}&", encode(&dir.display().to_string(), "/:"))?;
        }
        write!(f, "sslmode={}", self.ssl_mode)?;
        if let Some(root) = &self.ssl_root_cert {
            write!(
                f,
                "&sslrootcert={}",
                encode(&root.display().to_string(), "/:")
            )?;
        }
        if let Some(seconds) = self.connect_timeout {
            write!(f, "&connect_timeout={seconds}")?;
        }
        if let Some(name) = &self.application_name {
            write!(f, "&application_name={}", encode(name, "/:"))?;
        }
        Ok(())
    }
}

impl fmt::Debug for DatabaseUrl {
    /// Like `Display`, a `{:?}` in a log line or a test failure must not show the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("user", &self.user)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("dbname", &self.dbname)
            .field("password", &self.password.as_ref().map(|_| Redacted))
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_root_cert", &self.ssl_root_cert)
            .field("connect_timeout", &self.connect_timeout)
            .field("application_name", &self.application_name)
            .finish()
    }
}

/// Stands in for a secret in `Debug` output.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Percent-encodes all but unreserved characters and those in `keep`.
fn encode(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// Percent-decodes `text`; `what` names the part in the error, which never echoes the text
/// (it may be, or contain, the password).
fn decode(text: &str, what: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("the {what} has a '%' not followed by two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("the {what} is not UTF-8 once percent-decoded"))
}

fn parse_url(url: &str) -> Result<DatabaseUrl, String> {
    let rest = url
        .strip_prefix("postgresql://")
        .or_else(|| url.strip_prefix("postgres://"))
        .ok_or("the URL must start with postgresql:// or postgres://")?;

    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if !authority.contains('@') && tail.contains('@') {
        // Most likely an unencoded '/', '?' or '#' in a password: say so without echoing it.
        return Err(
            "the URL has an '@' after the host: if the user name or password contains \
                    '/', '?', '#' or '@', percent-encode them (%2F, %3F, %23, %40)"
                .into(),
        );
    }
    if tail.contains('#') {
        return Err(
            "the URL has a '#' fragment, which a database URL does not use \
                    (percent-encode '#' as %23)"
                .into(),
        );
    }
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let (path, query) = match tail.find('?') {
        Some(q) => (&tail[..q], Some(&tail[q + 1..])),
        None => (tail, None),
    };

    let (user, password) = match userinfo {
        Some(info) => match info.split_once(':') {
            Some((user, password)) => (
                decode(user, "user name")?,
                Some(decode(password, "password")?),
            ),
            None => (decode(info, "user name")?, None),
        },
        None => (String::new(), None),
    };
    if user.is_empty() {
        return Err("the URL names no user (postgresql://USER@host/dbname)".into());
    }
    let password = password.filter(|p| !p.is_empty()).map(Zeroizing::new);

    let (url_host, port) = parse_hostport(hostport)?;

    let raw_db = path.strip_prefix('/').unwrap_or(path);
    if raw_db.contains('/') {
        return Err("the database name contains '/' (percent-encode it as %2F)".into());
    }
    let dbname = decode(raw_db, "database name")?;

    let mut ssl_mode = None;
    let mut ssl_root_cert = None;
    let mut connect_timeout = None;
    let mut application_name = None;
    let mut param_host = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(raw_key, "parameter name")?;
        let value = decode(raw_value, &format!("value of `{key}`"))?;
        let twice = || format!("parameter `{key}` is given twice");
        match key.as_str() {
            "host" => {
                if param_host.replace(parse_host(&value)?).is_some() {
                    return Err(twice());
                }
            }
            "sslmode" => {
                let mode = value.parse::<SslMode>().map_err(|e| match e {
                    ConnectError::BadUrl { reason } => reason,
                    other => other.to_string(),
                })?;
                if ssl_mode.replace(mode).is_some() {
                    return Err(twice());
                }
            }
            "sslrootcert" => {
                if value.is_empty() {
                    return Err("sslrootcert is empty".into());
                }
                if ssl_root_cert.replace(PathBuf::from(value)).is_some() {
                    return Err(twice());
                }
            }
            "connect_timeout" => {
                let seconds = value.parse::<u64>().map_err(|_| {
                    format!("connect_timeout `{value}` is not a whole number of seconds")
                })?;
                if connect_timeout.replace(seconds).is_some() {
                    return Err(twice());
                }
            }
            "application_name" => {
                if application_name.replace(value).is_some() {
                    return Err(twice());
                }
            }
            "password" => {
                return Err(
                    "a password is not taken as a parameter: put it in the user part \
                            (postgresql://user:password@host/db), in PGPASSWORD or in the \
                            password file"
                        .into(),
                );
            }
            _ => return Err(format!("unknown parameter `{key}` (known: {KNOWN_PARAMS})")),
        }
    }

    let host = match (url_host, param_host) {
        (Some(_), Some(_)) => {
            return Err("the host is given twice (before the path and as ?host=)".into());
        }
        (Some(h), None) | (None, Some(h)) => h,
        // libpq would pick its compiled-in socket directory; TCP to localhost is the same on
        // every platform.
        (None, None) => Host::Name("localhost".into()),
    };
    let dbname = if dbname.is_empty() {
        user.clone()
    } else {
        dbname
    };

    Ok(DatabaseUrl {
        user,
        host,
        port: port.unwrap_or(5432),
        dbname,
        password,
        ssl_mode: ssl_mode.unwrap_or_default(),
        ssl_root_cert,
        connect_timeout,
        application_name,
    })
}

/// The `host[:port]` part; `None` for an empty host (given by `?host=` or defaulted).
fn parse_hostport(hostport: &str) -> Result<(Option<Host>, Option<u16>), String> {
    let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
        let (inside, after) = bracketed
            .split_once(']')
            .ok_or("the IPv6 address has no closing ']'")?;
        let ip = inside
            .parse::<Ipv6Addr>()
            .map_err(|_| "the address in brackets is not a valid IPv6 address")?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("expected ':' and a port after ']'")?,
            ),
        };
        (Some(Host::Ipv6(ip)), port)
    } else {
        let (host, port) = match hostport.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        };
        if port.is_some_and(|p| p.contains(':')) {
            return Err("an IPv6 address must be written in brackets ([::1])".into());
        }
        let host = decode(host, "host")?;
        let host = if host.is_empty() {
            None
        } else {
            Some(parse_host(&host)?)
        };
        (host, port)
    };
    let port = match port {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or("the port is not a number from 1 to 65535")?,
        ),
    };
    Ok((host, port))
}

/// A decoded host: a socket directory (absolute path), an IP address, or a DNS name.
fn parse_host(host: &str) -> Result<Host, String> {
    if host.starts_with('/') {
        return Ok(Host::Socket(PathBuf::from(host)));
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(Host::Ipv4(ip));
    }
    if let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<Ipv6Addr>()
    {
        return Ok(Host::Ipv6(ip));
    }
    let name_chars = |c: char| c.is_ascii_alphanumeric() || "-._".contains(c);
    if host.is_empty() || !host.chars().all(name_chars) {
        return Err("the host is not a DNS name, an IP address or a socket directory".into());
    }
    if host.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err("the host looks like an IPv4 address but is not a valid one".into());
    }
    Ok(Host::Name(host.to_owned()))
}

// ---------------------------------------------------------------------------------------------
// Connecting

/// Connects to the server named by `url`, with the password from the URL, `PGPASSWORD`, the
/// pgpass file, or else `prompt` (called only if the server asks for a password). A remote
/// server without `sslmode=verify-full` is refused before anything is sent.
pub fn connect(
    url: &DatabaseUrl,
    prompt: &mut PasswordPrompt<'_>,
) -> Result<postgres::Client, ConnectError> {
    connect_with(url, &PasswordSources::from_env(), prompt)
}

/// [`connect`] with explicit password sources instead of the process environment (tests, or
/// a caller with its own pgpass setting).
pub fn connect_with(
    url: &DatabaseUrl,
    sources: &PasswordSources,
    prompt: &mut PasswordPrompt<'_>,
) -> Result<postgres::Client, ConnectError> {
    url.check_transport()?;
    let tls = tls_connector(url)?;
    let found = lookup_password(url, sources);
    let password = found.as_ref().map(|(p, _)| p.as_str());
    match attempt(url, password, tls.as_ref()) {
        Ok(client) => Ok(client),
        Err(e) if found.is_none() && is_password_missing(&e) => {
            let typed = prompt(&url.to_string()).map_err(|e| ConnectError::Other {
                url_redacted: url.to_string(),
                detail: format!("could not read the password: {e}"),
            })?;
            let typed = typed.map(Zeroizing::new).filter(|p| !p.is_empty());
            let Some(typed) = typed else {
                return Err(ConnectError::PasswordRequired {
                    user: url.user.clone(),
                    url_redacted: url.to_string(),
                });
            };
            attempt(url, Some(&typed), tls.as_ref())
                .map_err(|e| classify(&e, url, Some(&typed), PasswordSource::Prompt))
        }
        Err(e) => match found {
            Some((password, source)) => Err(classify(&e, url, Some(&password), source)),
            None => Err(classify(&e, url, None, PasswordSource::Prompt)),
        },
    }
}

/// One connection attempt with the driver's configuration built field by field (the URL is
/// never handed to the driver's own parser, which does not know `sslrootcert`).
fn attempt(
    url: &DatabaseUrl,
    password: Option<&str>,
    tls: Option<&MakeRustlsConnect>,
) -> Result<postgres::Client, postgres::Error> {
    let mut config = postgres::Config::new();
    config.user(&url.user).dbname(&url.dbname).port(url.port);
    match &url.host {
        #[cfg(unix)]
        Host::Socket(dir) => {
            config.host_path(dir);
        }
        #[cfg(not(unix))]
        Host::Socket(dir) => {
            // The driver has no unix sockets here; this fails as "unreachable".
            config.host(&dir.display().to_string());
        }
        other => {
            config.host(&other.as_plain());
        }
    }
    if let Some(password) = password {
        config.password(password);
    }
    if let Some(timeout) = url.connect_timeout() {
        config.connect_timeout(timeout);
    }
    if let Some(name) = &url.application_name {
        config.application_name(name);
    }
    match tls {
        None => {
            config.ssl_mode(PgSslMode::Disable);
            config.connect(postgres::NoTls)
        }
        Some(tls) => {
            config.ssl_mode(if url.ssl_mode == SslMode::Prefer {
                PgSslMode::Prefer
            } else {
                PgSslMode::Require
            });
            config.connect(tls.clone())
        }
    }
}

/// The error and its causes, one after another (the driver's own `Display` shows only the
/// outermost, e.g. "db error").
fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        cause = e.source();
    }
    parts.join(": ")
}

fn is_password_missing(error: &postgres::Error) -> bool {
    error_chain(error).contains("password missing")
}

/// The rustls error behind a failed handshake (tokio-rustls wraps it in an `io::Error`).
fn rustls_cause<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(tls) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(tls);
        }
        cause = e.source();
    }
    None
}

/// Removes the password from a message, should a server or driver ever echo it (only for
/// passwords of 4 characters or more, so a short one does not blank out ordinary words).
fn scrub(text: String, password: Option<&str>) -> String {
    match password {
        Some(p) if p.chars().count() >= 4 && text.contains(p) => text.replace(p, "<redacted>"),
        _ => text,
    }
}

/// Sorts a driver error into the [`ConnectError`] a user can act on.
fn classify(
    error: &postgres::Error,
    url: &DatabaseUrl,
    password: Option<&str>,
    password_from: PasswordSource,
) -> ConnectError {
    let url_redacted = url.to_string();
    let detail = scrub(error_chain(error), password);
    if let Some(db) = error.as_db_error() {
        let code = db.code();
        if *code == postgres::error::SqlState::INVALID_PASSWORD
            || db.message().contains("password authentication failed")
        {
            return ConnectError::WrongPassword {
                user: url.user.clone(),
                url_redacted,
                password_from,
            };
        }
        if *code == postgres::error::SqlState::CANNOT_CONNECT_NOW {
            return ConnectError::Unreachable {
                url_redacted,
                detail,
            };
        }
        return ConnectError::Other {
            url_redacted,
            detail,
        };
    }
    if let Some(tls) = rustls_cause(error) {
        let hint = match tls {
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => format!(
                "the certificate of {} is not issued by a trusted root ({})",
                url.host,
                roots_origin(url)
            ),
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => format!(
                "the server's certificate does not name the host {} (sslmode={} checks it)",
                url.host, url.ssl_mode
            ),
            rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. },
            ) => format!("the certificate of {} has expired", url.host),
            _ => format!("the TLS handshake with {} failed", url.host),
        };
        return ConnectError::Tls {
            detail: format!("{hint}: {detail}"),
        };
    }
    if detail.starts_with("error performing TLS handshake") {
        let hint = if detail.contains("server does not support TLS") {
            format!(
                "the server at {url_redacted} does not offer TLS (ssl=off); enable TLS on the \
                 server, or use sslmode=disable for a server on this machine"
            )
        } else {
            format!("the TLS handshake with {} failed", url.host)
        };
        return ConnectError::Tls {
            detail: format!("{hint}: {detail}"),
        };
    }
    let unreachable = ["error connecting to server", "timeout waiting for server"];
    if unreachable.iter().any(|prefix| detail.starts_with(prefix))
        || error.source().is_some_and(|e| e.is::<std::io::Error>())
    {
        return ConnectError::Unreachable {
            url_redacted,
            detail,
        };
    }
    ConnectError::Other {
        url_redacted,
        detail,
    }
}

mod password;
mod tls;
use password::*;
pub use password::{PasswordSource, PasswordSources};
use tls::*;

#[cfg(test)]
mod tests;
