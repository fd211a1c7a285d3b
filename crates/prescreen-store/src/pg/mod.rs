//! The site server: screenings, answers and the audit trail on a shared PostgreSQL database,
//! through the same records code as the embedded store.
//!
//! Who acts is the login (`session_user`), never a name someone typed; row-level security
//! keeps each site's rows to that site's logins; each site's audit chain is appended under a
//! per-site advisory lock held for the whole write transaction, so two workstations' writes
//! to one site are serialised as the embedded store serialises two processes.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, GenericClient, Statement};
use tracing::debug;

use crate::clock::{Clock, SystemClock};
use crate::records::{Records, Writer};
use crate::sql::{Db, Dialect, Row, Value, dollar_placeholders, vals};
use crate::{Coordinator, CoordinatorId, NewCoordinator, StoreError};
use prescreen_core::trial::model::TrialDefinition;

pub mod connect;
pub mod migrate;
mod schema;
pub mod site;

pub use connect::{ConnectError, DatabaseUrl};

/// The PostgreSQL implementation of [`crate::Store`]: one login's connection to the site
/// server.
pub struct PgStore {
    conn: PgConn,
    /// Where to connect again after the connection is lost (the URL as given, its password
    /// included when it had one; never shown).
    url: Option<DatabaseUrl>,
    clock: Box<dyn Clock>,
    definitions: HashMap<String, TrialDefinition>,
    seen: RefCell<HashMap<String, i64>>,
    login: Coordinator,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("server", &self.conn.label)
            .field("login", &self.login.name)
            .finish_non_exhaustive()
    }
}

/// The connection, its prepared statements, and the server's name for messages.
struct PgConn {
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, Statement>>,
    label: String,
    /// Set when an operation failed for want of a connection.
    lost: Cell<bool>,
}

/// A write transaction on the connection.
pub(crate) struct PgTx<'a> {
    pub(crate) tx: RefCell<postgres::Transaction<'a>>,
    pub(crate) statements: &'a RefCell<HashMap<String, Statement>>,
    pub(crate) label: &'a str,
    pub(crate) lost: &'a Cell<bool>,
}

impl PgStore {
    /// Connects to the server named by `url` and opens the store as the login.
    pub fn connect(
        url: &DatabaseUrl,
        prompt: &mut connect::PasswordPrompt<'_>,
    ) -> Result<Self, StoreError> {
        let client = connect::connect(url, prompt).map_err(|e| connect_error(url, e))?;
        let mut store = Self::open(client, url.to_string(), Box::new(SystemClock::default()))?;
        store.url = Some(url.clone());
        Ok(store)
    }

    /// Lets [`Store::reconnect`] connect again to `url` (a store opened on a client it was
    /// handed has nowhere to go back to otherwise).
    pub fn reconnect_to(&mut self, url: DatabaseUrl) {
        self.url = Some(url);
    }

    /// Opens the store on a connected client (`label`: the server as messages name it, never
    /// with a password). Refuses a database `site init` has not set up, a newer schema, and a
    /// login that is not one of the site's people.
    pub fn open(
        mut client: Client,
        label: String,
        clock: Box<dyn Clock>,
    ) -> Result<Self, StoreError> {
        client
            .batch_execute(&session_settings())
            .map_err(|e| pg_error(&label, &e))?;
        let version = match client.query_opt("SELECT version FROM schema_version", &[]) {
            Ok(row) => row.map(|r| r.get::<_, i64>(0)).unwrap_or(0),
            Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => {
                return Err(StoreError::Server {
                    store: label,
                    detail: "this database is not set up for prescreen: the site's \
                             administrator runs `prescreen --database URL site init` once"
                        .to_owned(),
                });
            }
            Err(e) => return Err(pg_error(&label, &e)),
        };
        if version > schema::SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                file: label,
                found: version,
                supported: schema::SCHEMA_VERSION,
            });
        }
        if version < schema::SCHEMA_VERSION {
            return Err(StoreError::Server {
                store: label,
                detail: format!(
                    "the server's schema is version {version}, this prescreen needs {}: the \
                     site's administrator runs `prescreen --database URL site upgrade`",
                    schema::SCHEMA_VERSION
                ),
            });
        }
        let login = client
            .query_opt(
                "SELECT id, name, role, site_code FROM coordinator \
                 WHERE name = session_user AND can_login = 1",
                &[],
            )
            .map_err(|e| pg_error(&label, &e))?;
        let Some(login) = login else {
            let who: String = client
                .query_one("SELECT session_user::text", &[])
                .map(|row| row.get(0))
                .map_err(|e| pg_error(&label, &e))?;
            return Err(StoreError::NotPermitted(format!(
                "login {who} is not one of this server's prescreen users: the site's \
                 administrator adds it with `prescreen --database URL site add-user {who} \
                 --role ROLE --site CODE`"
            )));
        };
        let login = Coordinator {
            id: login.get(0),
            name: login.get(1),
            role: login.get(2),
            site_code: login.get(3),
        };
        debug!(server = %label, site = %login.site_code, "site server opened");
        Ok(Self {
            conn: PgConn {
                client: RefCell::new(client),
                statements: RefCell::new(HashMap::new()),
                label,
                lost: Cell::new(false),
            },
            url: None,
            clock,
            definitions: HashMap::new(),
            seen: RefCell::new(HashMap::new()),
            login,
        })
    }

    /// The person logged in, as the audit trail names them.
    pub fn login(&self) -> &Coordinator {
        &self.login
    }

    /// The server as messages name it (no password).
    pub fn label(&self) -> &str {
        &self.conn.label
    }
}

impl Records for PgStore {
    fn db(&self) -> &dyn Db {
        &self.conn
    }

    fn write<T>(
        &mut self,
        work: impl FnOnce(&mut Writer<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let stamp = self.clock.now();
        let mut seen = self.seen.borrow_mut();
        let label = self.conn.label.as_str();
        let lost = &self.conn.lost;
        let mut client = self.conn.client.borrow_mut();
        let mut tx = client
            .transaction()
            .map_err(|e| noted(lost, pg_error(label, &e)))?;
        // One writer per site at a time, for the whole transaction: the chain head read in
        // `finish` is the head the new events follow.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('prescreen:' || login_site()))",
            &[],
        )
        .map_err(|e| noted(lost, pg_error(label, &e)))?;
        let db = PgTx {
            tx: RefCell::new(tx),
            statements: &self.conn.statements,
            label,
            lost,
        };
        let mut writer = Writer {
            tx: &db,
            stamp,
            definitions: &mut self.definitions,
            pending: Vec::new(),
            seen: &mut seen,
            written: Vec::new(),
            acting_login: Some(self.login.id),
        };
        let value = work(&mut writer)?;
        writer.finish()?;
        let written = std::mem::take(&mut writer.written);
        drop(writer);
        db.tx
            .into_inner()
            .commit()
            .map_err(|e| noted(lost, pg_error(label, &e)))?;
        seen.extend(written);
        Ok(value)
    }

    fn seen(&self) -> &RefCell<HashMap<String, i64>> {
        &self.seen
    }

    fn schema_problems(&self) -> Vec<String> {
        Vec::new()
    }

    fn connection_lost(&self) -> bool {
        self.conn.lost.get()
    }

    fn reconnect(&mut self) -> Result<(), StoreError> {
        let Some(url) = self.url.clone() else {
            return Err(StoreError::Unreachable {
                store: self.conn.label.clone(),
                detail: "the connection was lost and this store does not know where to go back to"
                    .to_owned(),
            });
        };
        let mut client =
            connect::connect(&url, &mut |_| Ok(None)).map_err(|e| connect_error(&url, e))?;
        client
            .batch_execute(&session_settings())
            .map_err(|e| pg_error(&self.conn.label, &e))?;
        *self.conn.client.borrow_mut() = client;
        // Prepared statements belong to the old session.
        self.conn.statements.borrow_mut().clear();
        self.conn.lost.set(false);
        debug!(server = %self.conn.label, "reconnected to the site server");
        Ok(())
    }

    fn save_coordinator(&mut self, _new: &NewCoordinator) -> Result<Coordinator, StoreError> {
        Err(StoreError::NotPermitted(format!(
            "on the site server people are logins, and you are logged in as {}: the site's \
             administrator adds people with `prescreen site add-user`",
            self.login.name
        )))
    }

    fn set_current_coordinator(&mut self, id: CoordinatorId) -> Result<(), StoreError> {
        if id == self.login.id {
            Ok(())
        } else {
            Err(StoreError::NotPermitted(format!(
                "on the site server you act as your login, {}",
                self.login.name
            )))
        }
    }

    fn current_coordinator(&self) -> Result<Option<Coordinator>, StoreError> {
        Ok(Some(self.login.clone()))
    }

    fn set_form_draft(&mut self, trial_id: &str, text: Option<&str>) -> Result<(), StoreError> {
        match text {
            Some(text) => self.conn.execute(
                "INSERT INTO form_draft (trial_id, text) VALUES (?1, ?2) \
                 ON CONFLICT (login_name, trial_id) DO UPDATE SET text = excluded.text",
                vals![trial_id, text],
            ),
            None => self.conn.execute(
                "DELETE FROM form_draft WHERE login_name = session_user AND trial_id = ?1",
                vals![trial_id],
            ),
        }?;
        Ok(())
    }

    fn form_draft(&self, trial_id: &str) -> Result<Option<String>, StoreError> {
        self.db().query_opt(
            "SELECT text FROM form_draft WHERE login_name = session_user AND trial_id = ?1",
            vals![trial_id],
            |row| row.get(0),
        )
    }

    fn location(&self) -> String {
        self.conn.label.clone()
    }

    /// The server keeps its own pages consistent (and checksums them when the cluster was
    /// made with them); there is nothing a login can run beyond reading every row, which
    /// `audit verify` already does.
    fn check_integrity(&self) -> Result<Result<(), Vec<String>>, StoreError> {
        Ok(Ok(()))
    }

    fn backup_to(&self, _path: &Path) -> Result<(), StoreError> {
        Err(StoreError::Server {
            store: self.conn.label.clone(),
            detail: "a site server is backed up by its administrator with pg_dump (see the \
                     README, \"A site server\"), not from a workstation"
                .to_owned(),
        })
    }
}

impl Db for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.session()
            .execute(&mut *self.client.borrow_mut(), sql, params)
    }

    fn for_each_row(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // Read whole, then handed out: `each` may query again on this same connection.
        let rows = self
            .session()
            .query(&mut *self.client.borrow_mut(), sql, params)?;
        hand_out(&rows, &self.label, each)
    }
}

impl PgConn {
    fn session(&self) -> Session<'_> {
        Session {
            statements: &self.statements,
            label: &self.label,
            lost: &self.lost,
        }
    }
}

impl Db for PgTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.session()
            .execute(&mut *self.tx.borrow_mut(), sql, params)
    }

    fn for_each_row(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let rows = self
            .session()
            .query(&mut *self.tx.borrow_mut(), sql, params)?;
        hand_out(&rows, self.label, each)
    }
}

impl PgTx<'_> {
    fn session(&self) -> Session<'_> {
        Session {
            statements: self.statements,
            label: self.label,
            lost: self.lost,
        }
    }
}

/// What a connection and a transaction on it share: the prepared statements, the server's
/// name for messages, and the note that the connection was lost.
struct Session<'a> {
    statements: &'a RefCell<HashMap<String, Statement>>,
    label: &'a str,
    lost: &'a Cell<bool>,
}

impl Session<'_> {
    fn statement(
        &self,
        client: &mut impl GenericClient,
        sql: &str,
    ) -> Result<Statement, StoreError> {
        prepared(
            self.statements,
            sql,
            |text| client.prepare(text),
            self.label,
        )
        .map_err(|e| noted(self.lost, e))
    }

    fn execute(
        &self,
        client: &mut impl GenericClient,
        sql: &str,
        params: &[Value],
    ) -> Result<u64, StoreError> {
        let statement = self.statement(client, sql)?;
        client
            .execute(&statement, &as_params(params))
            .map_err(|e| noted(self.lost, pg_error(self.label, &e)))
    }

    fn query(
        &self,
        client: &mut impl GenericClient,
        sql: &str,
        params: &[Value],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let statement = self.statement(client, sql)?;
        client
            .query(&statement, &as_params(params))
            .map_err(|e| noted(self.lost, pg_error(self.label, &e)))
    }
}

/// What every session of the store sets first: the schema, and no JIT compilation (it costs
/// more than it saves on these short queries and on the log: measured in the site-server
/// bench).
fn session_settings() -> String {
    format!("SET search_path TO {}; SET jit = off;", schema::SCHEMA)
}

/// The prepared statement for `sql` (placeholders translated), prepared once per connection.
fn prepared(
    cache: &RefCell<HashMap<String, Statement>>,
    sql: &str,
    prepare: impl FnOnce(&str) -> Result<Statement, postgres::Error>,
    label: &str,
) -> Result<Statement, StoreError> {
    if let Some(statement) = cache.borrow().get(sql) {
        return Ok(statement.clone());
    }
    let statement = prepare(&dollar_placeholders(sql)).map_err(|e| pg_error(label, &e))?;
    cache.borrow_mut().insert(sql.to_owned(), statement.clone());
    Ok(statement)
}

fn as_params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// Each server row as [`Value`]s, handed to `each` in order.
fn hand_out(
    rows: &[postgres::Row],
    label: &str,
    each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut row = Row::default();
    for found in rows {
        row.values.clear();
        for (index, column) in found.columns().iter().enumerate() {
            let value = match *column.type_() {
                Type::INT8 => found
                    .try_get::<_, Option<i64>>(index)
                    .map(|v| v.map(Value::Int)),
                Type::INT4 => found
                    .try_get::<_, Option<i32>>(index)
                    .map(|v| v.map(|i| Value::Int(i64::from(i)))),
                Type::INT2 => found
                    .try_get::<_, Option<i16>>(index)
                    .map(|v| v.map(|i| Value::Int(i64::from(i)))),
                Type::BOOL => found
                    .try_get::<_, Option<bool>>(index)
                    .map(|v| v.map(|b| Value::Int(i64::from(b)))),
                _ => found
                    .try_get::<_, Option<String>>(index)
                    .map(|v| v.map(Value::Text)),
            }
            .map_err(|e| pg_error(label, &e))?;
            row.values.push(value.unwrap_or(Value::Null));
        }
        each(&row)?;
    }
    Ok(())
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                _ => i.to_string().to_sql(ty, out),
            },
            Value::Text(text) => text.as_str().to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::BOOL
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
        )
    }

    to_sql_checked!();
}

/// Remembers that an error was a lost connection, and passes it on.
fn noted(lost: &Cell<bool>, error: StoreError) -> StoreError {
    if matches!(error, StoreError::Unreachable { .. }) {
        lost.set(true);
    }
    error
}

/// A failed connection as the store reports it: an unreachable server apart from a refusal.
fn connect_error(url: &DatabaseUrl, error: ConnectError) -> StoreError {
    match error {
        ConnectError::Unreachable { .. } | ConnectError::Tls { .. } => StoreError::Unreachable {
            store: url.to_string(),
            detail: error.to_string(),
        },
        other => StoreError::Server {
            store: url.to_string(),
            detail: other.to_string(),
        },
    }
}

/// A server error as the store reports it: refusals by grants or row-level security are
/// [`StoreError::NotPermitted`]; the rest names the server and carries the server's words
/// (a PostgreSQL message never holds a password).
pub(crate) fn pg_error(label: &str, error: &postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    if let Some(db) = error.as_db_error() {
        // The server shutting down or restarting (57P0x), or a connection failure it reports
        // (08xxx): the server went away, not a refusal.
        let code = db.code().code();
        if code.starts_with("57P0") || code.starts_with("08") {
            return StoreError::Unreachable {
                store: label.to_owned(),
                detail: db.message().to_owned(),
            };
        }
        if db.code() == &SqlState::INSUFFICIENT_PRIVILEGE {
            let message = db.message();
            return StoreError::NotPermitted(if message.contains("row-level security") {
                format!("{message}: the record belongs to another site than your login's")
            } else {
                message.to_owned()
            });
        }
        return StoreError::Server {
            store: label.to_owned(),
            detail: db.message().to_owned(),
        };
    }
    // No server message: the connection itself failed (closed, reset, timed out), or a value
    // did not convert (a bug, not the network).
    let io = std::error::Error::source(error).is_some_and(|source| source.is::<std::io::Error>());
    if error.is_closed() || io {
        StoreError::Unreachable {
            store: label.to_owned(),
            detail: if error.is_closed() {
                "the connection to the server was lost".to_owned()
            } else {
                error.to_string()
            },
        }
    } else {
        StoreError::Server {
            store: label.to_owned(),
            detail: error.to_string(),
        }
    }
}
