//! The administrator's two steps on a site server: `site init` (once per database) and
//! `site add-user` (once per person).

use postgres::Client;
use tracing::info;

use super::pg_error;
use super::schema::{GROUP_ROLES, MIGRATIONS, OWNER_ROLE, SCHEMA, SCHEMA_VERSION};
use crate::StoreError;
use crate::ids;

/// What `site init` made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteInitReport {
    /// The database set up.
    pub database: String,
    /// The schema version it is at.
    pub schema_version: i64,
    /// Roles created now (those that existed, from another database on the same cluster,
    /// are reused).
    pub roles_created: Vec<String>,
}

/// A role `add-user --role` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteRole {
    /// Screens candidates.
    Coordinator,
    /// Screens and countersigns.
    Investigator,
    /// Reads only.
    Monitor,
}

impl SiteRole {
    /// The name the role has in commands and in the `coordinator` table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Coordinator => "coordinator",
            Self::Investigator => "investigator",
            Self::Monitor => "monitor",
        }
    }

    fn group_role(self) -> &'static str {
        GROUP_ROLES
            .iter()
            .find(|(name, _)| *name == self.as_str())
            .map_or("prescreen_monitor", |(_, group)| group)
    }
}

impl std::str::FromStr for SiteRole {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "coordinator" => Ok(Self::Coordinator),
            "investigator" => Ok(Self::Investigator),
            "monitor" => Ok(Self::Monitor),
            other => Err(format!(
                "role {other:?} is not one of coordinator, investigator, monitor"
            )),
        }
    }
}

fn server_error(label: &str, detail: impl Into<String>) -> StoreError {
    StoreError::Server {
        store: label.to_owned(),
        detail: detail.into(),
    }
}

/// Sets up the database the client is connected to, in one transaction: the NOLOGIN owner
/// and group roles (created when missing, checked when present), the schema owned by the
/// owner, the tables, row-level security and grants. A database already set up is refused
/// and left as it was. The client's login must be able to create roles and schemas (a
/// superuser, or the database's owner with CREATEROLE).
pub fn site_init(client: &mut Client, label: &str) -> Result<SiteInitReport, StoreError> {
    // Role names are cluster-wide: two databases set up at once may both find a role missing
    // and race to create it. The loser's transaction rolls back whole and runs again, and
    // then finds the role made.
    let mut attempts = 0;
    loop {
        match init_once(client, label) {
            Err(Retry) if attempts < 3 => attempts += 1,
            Err(Retry) => {
                return Err(server_error(
                    label,
                    "roles kept changing under site init; nothing was changed",
                ));
            }
            Ok(result) => return result,
        }
    }
}

/// A transaction lost the race to create a cluster-wide role.
struct Retry;

fn init_once(
    client: &mut Client,
    label: &str,
) -> Result<Result<SiteInitReport, StoreError>, Retry> {
    match init_transaction(client, label) {
        Err(InitError::RoleRace) => Err(Retry),
        Err(InitError::Store(error)) => Ok(Err(error)),
        Ok(report) => Ok(Ok(report)),
    }
}

enum InitError {
    RoleRace,
    Store(StoreError),
}

impl From<StoreError> for InitError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

fn init_transaction(client: &mut Client, label: &str) -> Result<SiteInitReport, InitError> {
    let err = |e: postgres::Error| {
        let race = e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
            && e.as_db_error().and_then(|db| db.constraint()) == Some("pg_authid_rolname_index");
        if race {
            InitError::RoleRace
        } else {
            InitError::Store(pg_error(label, &e))
        }
    };
    let mut tx = client.transaction().map_err(err)?;
    let database: String = tx
        .query_one("SELECT current_database()::text", &[])
        .map_err(err)?
        .get(0);
    let exists = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&SCHEMA])
        .map_err(err)?
        .is_some();
    if exists {
        return Err(InitError::Store(server_error(
            label,
            format!(
                "database {database} is already set up for prescreen (schema {SCHEMA} exists); \
                 nothing was changed"
            ),
        )));
    }
    let mut roles_created = Vec::new();
    let all_roles = std::iter::once(OWNER_ROLE).chain(GROUP_ROLES.iter().map(|(_, role)| *role));
    for role in all_roles {
        let found = tx
            .query_opt(
                "SELECT rolcanlogin, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = $1",
                &[&role],
            )
            .map_err(err)?;
        match found {
            None => {
                tx.batch_execute(&format!(
                    "CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                ))
                .map_err(err)?;
                roles_created.push(role.to_owned());
            }
            Some(row) => {
                let (login, bypass, superuser): (bool, bool, bool) =
                    (row.get(0), row.get(1), row.get(2));
                if login || bypass || superuser {
                    return Err(InitError::Store(server_error(
                        label,
                        format!(
                            "role {role} exists but can log in, bypass row-level security or \
                             is a superuser; prescreen's roles must be NOLOGIN NOBYPASSRLS. \
                             Nothing was changed"
                        ),
                    )));
                }
            }
        }
    }
    // The administrator acts as the owner to create what the owner owns.
    tx.batch_execute(&format!(
        "GRANT {OWNER_ROLE} TO CURRENT_USER; \
         CREATE SCHEMA {SCHEMA} AUTHORIZATION {OWNER_ROLE}; \
         SET LOCAL ROLE {OWNER_ROLE}; SET LOCAL search_path TO {SCHEMA};"
    ))
    .map_err(err)?;
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        tx.batch_execute(migration).map_err(err)?;
        let version = index as i64 + 1;
        tx.execute("UPDATE schema_version SET version = $1", &[&version])
            .map_err(err)?;
    }
    tx.batch_execute("RESET ROLE").map_err(err)?;
    tx.commit().map_err(err)?;
    info!(database = %database, version = SCHEMA_VERSION, "site server set up");
    Ok(SiteInitReport {
        database,
        schema_version: SCHEMA_VERSION,
        roles_created,
    })
}

/// Applies the schema migrations a database set up by an older prescreen lacks, as the
/// owner, in one transaction; returns the versions before and after. Run by the site's
/// administrator (a member of the owner role, as `site init` made them).
pub fn site_upgrade(client: &mut Client, label: &str) -> Result<(i64, i64), StoreError> {
    let err = |e: postgres::Error| pg_error(label, &e);
    let mut tx = client.transaction().map_err(err)?;
    tx.batch_execute(&format!(
        "SET LOCAL ROLE {OWNER_ROLE}; SET LOCAL search_path TO {SCHEMA};"
    ))
    .map_err(err)?;
    let from: i64 = tx
        .query_one("SELECT version FROM schema_version FOR UPDATE", &[])
        .map_err(err)?
        .get(0);
    if from > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            file: label.to_owned(),
            found: from,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= from {
            continue;
        }
        tx.batch_execute(migration).map_err(err)?;
        tx.execute("UPDATE schema_version SET version = $1", &[&version])
            .map_err(err)?;
    }
    tx.commit().map_err(err)?;
    info!(from, to = SCHEMA_VERSION, "site server schema upgraded");
    Ok((from, SCHEMA_VERSION))
}

/// A login name prescreen accepts: 1 to 63 lowercase letters, digits, `_`, `.` or `-`,
/// starting with a letter (so it never needs care in SQL, `.pgpass` or a log line).
pub fn is_valid_login_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && name.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
}

/// Adds a person: a login role with the password (sent to the server only as a SCRAM-SHA-256
/// verifier, so no statement log ever holds it), a member of the role's group, and its row
/// in the login → site table. One transaction; an existing login is refused.
pub fn add_user(
    client: &mut Client,
    label: &str,
    name: &str,
    role: SiteRole,
    site_code: &str,
    password: &str,
) -> Result<(), StoreError> {
    let invalid = |field: &str, message: &str| {
        StoreError::InvalidInput(vec![prescreen_core::validation::InputProblem {
            criterion: None,
            field: field.to_owned(),
            message: message.to_owned(),
        }])
    };
    if !is_valid_login_name(name) {
        return Err(invalid(
            "login name",
            "1 to 63 lowercase letters, digits, '_', '.' or '-', starting with a letter",
        ));
    }
    let site = site_code.trim().to_ascii_uppercase();
    if !ids::is_valid_site_code(&site) {
        return Err(StoreError::InvalidSiteCode(site_code.to_owned()));
    }
    if password.chars().count() < 12 {
        return Err(invalid("password", "at least 12 characters"));
    }
    if password.contains('\0') {
        return Err(invalid("password", "contains a NUL character"));
    }
    let err = |e: postgres::Error| pg_error(label, &e);
    let mut tx = client.transaction().map_err(err)?;
    let taken = tx
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&name])
        .map_err(err)?
        .is_some();
    if taken {
        return Err(server_error(
            label,
            format!("login {name} already exists; nothing was changed"),
        ));
    }
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    // The verifier is not a secret the server could not already see; quoted as a literal.
    tx.batch_execute(&format!(
        "CREATE ROLE \"{name}\" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT \
         PASSWORD '{}' IN ROLE {}",
        verifier.replace('\'', "''"),
        role.group_role()
    ))
    .map_err(err)?;
    let now = jiff::Timestamp::now().to_string();
    tx.batch_execute(&format!(
        "SET LOCAL ROLE {OWNER_ROLE}; SET LOCAL search_path TO {SCHEMA};"
    ))
    .map_err(err)?;
    tx.execute(
        "INSERT INTO coordinator (name, role, site_code, created_utc) VALUES ($1, $2, $3, $4)",
        &[&name, &role.as_str(), &site, &now],
    )
    .map_err(err)?;
    tx.commit().map_err(err)?;
    info!(login = %name, role = role.as_str(), site = %site, "site user added");
    Ok(())
}
