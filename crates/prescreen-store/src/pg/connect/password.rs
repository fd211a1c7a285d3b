//! Where a password comes from, as libpq looks: the URL, PGPASSWORD, the pgpass file.

use super::*;

// ---------------------------------------------------------------------------------------------
// Passwords

/// Where a password came from, so that "password authentication failed" can say what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    /// The `user:password@` part of the URL.
    Url,
    /// The `PGPASSWORD` environment variable.
    Environment,
    /// A line of this pgpass file.
    PassFile(PathBuf),
    /// The caller's prompt.
    Prompt,
}

impl fmt::Display for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordSource::Url => f.write_str("the URL"),
            PasswordSource::Environment => f.write_str("PGPASSWORD"),
            PasswordSource::PassFile(path) => write!(f, "the password file {}", path.display()),
            PasswordSource::Prompt => f.write_str("the prompt"),
        }
    }
}

/// The places a password is looked up in after the URL: `PGPASSWORD` and the pgpass file.
/// [`PasswordSources::from_env`] reads them as libpq does; tests and callers with their own
/// settings build them explicitly instead of changing the process environment.
#[derive(Clone, Default)]
pub struct PasswordSources {
    env_password: Option<Zeroizing<String>>,
    passfile: Option<PathBuf>,
}

impl PasswordSources {
    /// As libpq: `PGPASSWORD`, and `PGPASSFILE` or else `~/.pgpass`
    /// (`%APPDATA%\postgresql\pgpass.conf` on Windows). Empty variables count as unset.
    pub fn from_env() -> Self {
        let env_password = std::env::var("PGPASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .map(Zeroizing::new);
        let passfile = std::env::var_os("PGPASSFILE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(default_passfile);
        PasswordSources {
            env_password,
            passfile,
        }
    }

    /// No source beyond the URL (and the prompt).
    pub fn none() -> Self {
        PasswordSources::default()
    }

    /// Uses `password` as `PGPASSWORD` would be.
    pub fn with_env_password(mut self, password: impl Into<String>) -> Self {
        self.env_password = Some(Zeroizing::new(password.into()));
        self
    }

    /// Uses `path` as the pgpass file.
    pub fn with_passfile(mut self, path: impl Into<PathBuf>) -> Self {
        self.passfile = Some(path.into());
        self
    }
}

impl fmt::Debug for PasswordSources {
    /// Shows which sources are set, never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordSources")
            .field(
                "env_password",
                &self.env_password.as_ref().map(|_| Redacted),
            )
            .field("passfile", &self.passfile)
            .finish()
    }
}

#[cfg(windows)]
pub(super) fn default_passfile() -> Option<PathBuf> {
    std::env::var_os("APPDATA").map(|dir| PathBuf::from(dir).join("postgresql").join("pgpass.conf"))
}

#[cfg(not(windows))]
pub(super) fn default_passfile() -> Option<PathBuf> {
    std::env::home_dir().map(|home| home.join(".pgpass"))
}

/// The password from the URL, then `PGPASSWORD`, then the pgpass file (libpq's order).
pub(super) fn lookup_password(
    url: &DatabaseUrl,
    sources: &PasswordSources,
) -> Option<(Zeroizing<String>, PasswordSource)> {
    if let Some(password) = &url.password {
        return Some((password.clone(), PasswordSource::Url));
    }
    if let Some(password) = &sources.env_password {
        return Some((password.clone(), PasswordSource::Environment));
    }
    let path = sources.passfile.as_ref()?;
    read_passfile(path, url).map(|password| (password, PasswordSource::PassFile(path.clone())))
}

/// The first matching line's password from a pgpass file; `None` (with a warning where libpq
/// warns) if the file is missing, unreadable, not a plain file or readable by others.
pub(super) fn read_passfile(path: &Path, url: &DatabaseUrl) -> Option<Zeroizing<String>> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!("cannot read the password file {}: {e}", path.display());
            return None;
        }
    };
    if !meta.is_file() {
        tracing::warn!(
            "the password file {} is not a plain file; ignoring it",
            path.display()
        );
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                "the password file {} has group or world access; permissions should be u=rw \
                 (0600) or less; ignoring it",
                path.display()
            );
            return None;
        }
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) => {
            tracing::warn!("cannot read the password file {}: {e}", path.display());
            return None;
        }
    };
    let hosts: Vec<String> = match &url.host {
        // libpq: "localhost" matches a connection over the unix socket.
        Host::Socket(dir) => vec!["localhost".into(), dir.display().to_string()],
        other => vec![other.as_plain()],
    };
    pgpass_lookup(&text, &hosts, url.port, &url.dbname, &url.user)
}

/// One line of a pgpass file split at unescaped ':' with `\:` and `\\` undone; each field
/// also records whether it was a bare `*`.
pub(super) fn pgpass_fields(line: &str) -> Vec<(Zeroizing<String>, bool)> {
    let mut fields = Vec::new();
    let mut current = Zeroizing::new(String::new());
    let mut escaped_any = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => {
                    current.push(next);
                    escaped_any = true;
                }
                None => current.push('\\'),
            },
            ':' => {
                let wildcard = !escaped_any && current.as_str() == "*";
                fields.push((std::mem::take(&mut current), wildcard));
                escaped_any = false;
            }
            _ => current.push(c),
        }
    }
    let wildcard = !escaped_any && current.as_str() == "*";
    fields.push((current, wildcard));
    fields
}

/// The pgpass rules: `host:port:database:user:password`, `*` matches anything, the first
/// matching line wins, `#` starts a comment line.
pub(super) fn pgpass_lookup(
    text: &str,
    hosts: &[String],
    port: u16,
    dbname: &str,
    user: &str,
) -> Option<Zeroizing<String>> {
    let port = port.to_string();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = pgpass_fields(line);
        if fields.len() < 5 {
            continue;
        }
        let matches = |(value, wildcard): &(Zeroizing<String>, bool), want: &str| {
            *wildcard || value.as_str() == want
        };
        let host_ok = fields[0].1 || hosts.iter().any(|h| fields[0].0.as_str() == h.as_str());
        if host_ok
            && matches(&fields[1], &port)
            && matches(&fields[2], dbname)
            && matches(&fields[3], user)
        {
            let password = std::mem::take(&mut fields[4].0);
            return if password.is_empty() {
                None
            } else {
                Some(password)
            };
        }
    }
    None
}
