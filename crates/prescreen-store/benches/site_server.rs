//! The screening log and SEAR summary over 100 000 screenings on the site server (PostgreSQL)
//! side by side with the embedded store (SQLite), in one run.
//!
//! The SQLite database is the one `log.rs` builds through the `Store` API (`common/mod.rs`,
//! kept under the target folder). The server is a throw-away cluster that stops when this
//! process exits, so its database is filled anew each run: `site init`, then the SQLite rows
//! (coordinators, trial definitions, screenings, answers; not the audit trail, which neither
//! the log nor the summary reads) copied in bulk by the superuser with binary `COPY`, then
//! `VACUUM ANALYZE` (a server that has run a while has been vacuumed and analysed by
//! autovacuum), then a login added with `site add-user`. The log and the summary run through
//! `PgStore` as that login, over verify-full TLS to localhost, under row-level security.
//!
//! The comparison is whole store against whole store: on the server all 100 000 screenings,
//! and the three coordinators who created them, belong to one site (CPH), so the login sees
//! exactly the rows the SQLite store holds, and every query returns the same rows (checked
//! before measuring: the log rows, but for their site, and the summaries must be equal). The
//! row-level-security predicate is still applied to every row. Screening ids keep their SQLite
//! text, so the order is identical (some ids name TLS or AAR; nothing reads the site from an
//! id).
//!
//! `PRESCREEN_BENCH_EXPLAIN=1` also writes the server's plans of the measured statements
//! (actual rows, buffers) to `site_server-explain.log` under the target's temporary folder.
// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

mod common;
#[path = "../tests/support/pg_cluster.rs"]
mod pg_cluster;

use std::path::Path;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jiff::civil::date;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use prescreen_store::clock::SystemClock;
use prescreen_store::csv::{log_fields, write_csv_record};
use prescreen_store::pg::connect::{self, DatabaseUrl};
use prescreen_store::pg::site::{self, SiteRole};
use prescreen_store::{LogFilter, LogRow, PgStore, SqliteStore, Store, StoreError};

use common::database;
use pg_cluster::cluster;

/// The one site every server row belongs to.
const SITE: &str = "CPH";
const LOGIN: &str = "bench_cph";
/// The bench login's password (synthetic).
const PASSWORD: &str = "synthetic-bench-password";
const LABEL: &str = "bench cluster";

/// The tables copied, parents first, with the columns whose value is replaced on the server.
const TABLES: &[(&str, &[(&str, &str)])] = &[
    (
        "coordinator",
        &[("role", "coordinator"), ("site_code", SITE)],
    ),
    ("trial_definition", &[]),
    ("screening", &[("site_code", SITE)]),
    ("answer", &[]),
];

/// One value on its way from SQLite to the server.
enum Field {
    Int(Option<i64>),
    Text(Option<String>),
}

impl Field {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Field::Int(v) => v,
            Field::Text(v) => v,
        }
    }
}

/// Copies one table's rows from SQLite to the server with binary `COPY`; returns the count.
fn copy_table(
    sqlite: &rusqlite::Connection,
    pg: &mut postgres::Client,
    table: &str,
    replaced: &[(&str, &str)],
) -> u64 {
    let in_sqlite: Vec<String> = {
        let mut statement = sqlite
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap_or_else(|e| panic!("{e}"));
        statement
            .query_map([], |row| row.get(0))
            .and_then(|rows| rows.collect())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    // The server's columns in its order, with its types; those the embedded store lacks
    // (none today) keep their defaults.
    let columns: Vec<(String, Type)> = pg
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = 'prescreen' AND table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(|row| {
            let name: String = row.get(0);
            let ty = match row.get::<_, String>(1).as_str() {
                "bigint" => Type::INT8,
                "text" => Type::TEXT,
                other => panic!("{table}.{name}: type {other} not handled"),
            };
            (name, ty)
        })
        .filter(|(name, _)| in_sqlite.contains(name))
        .collect();
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let types: Vec<Type> = columns.iter().map(|(_, t)| t.clone()).collect();
    let sink = pg
        .copy_in(&format!(
            "COPY prescreen.{table} ({}) FROM STDIN (FORMAT binary)",
            names.join(", ")
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut statement = sqlite
        .prepare(&format!("SELECT {} FROM {table}", names.join(", ")))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut rows = statement.query([]).unwrap_or_else(|e| panic!("{e}"));
    let mut fields = Vec::with_capacity(columns.len());
    while let Some(row) = rows.next().unwrap_or_else(|e| panic!("{e}")) {
        fields.clear();
        for (index, (name, ty)) in columns.iter().enumerate() {
            let replacement = replaced.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
            let field = match (replacement, ty) {
                (Some(value), _) => Field::Text(Some(value.to_owned())),
                (None, &Type::INT8) => Field::Int(row.get(index).unwrap_or_else(|e| panic!("{e}"))),
                (None, _) => Field::Text(row.get(index).unwrap_or_else(|e| panic!("{e}"))),
            };
            fields.push(field);
        }
        let values: Vec<&(dyn ToSql + Sync)> = fields.iter().map(Field::as_sql).collect();
        writer
            .write(&values)
            .unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    writer.finish().unwrap_or_else(|e| panic!("{table}: {e}"))
}

/// A site server database holding the SQLite database's rows, all at one site, and the store
/// of a coordinator login of that site; with the database's name and the login's URL.
fn server_store(sqlite_path: &Path) -> (PgStore, String, DatabaseUrl) {
    let started = Instant::now();
    let database = cluster().fresh_database();
    let mut pg = cluster().superuser_client(&database);
    site::site_init(&mut pg, LABEL).unwrap_or_else(|e| panic!("{e}"));
    let ready = started.elapsed();
    let sqlite = rusqlite::Connection::open_with_flags(
        sqlite_path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let loading = Instant::now();
    let mut counts = Vec::new();
    for (table, replaced) in TABLES {
        counts.push(format!(
            "{} {table}",
            copy_table(&sqlite, &mut pg, table, replaced)
        ));
    }
    // The coordinators came with their ids; the login added next takes the one after.
    pg.batch_execute(
        "SELECT setval(pg_get_serial_sequence('prescreen.coordinator', 'id'), \
         (SELECT max(id) FROM prescreen.coordinator))",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let copied = loading.elapsed();
    pg.batch_execute("VACUUM ANALYZE")
        .unwrap_or_else(|e| panic!("{e}"));
    let analysed = loading.elapsed();
    site::add_user(&mut pg, LABEL, LOGIN, SiteRole::Coordinator, SITE, PASSWORD)
        .unwrap_or_else(|e| panic!("{e}"));
    let url = DatabaseUrl::parse(&format!(
        "postgresql://{LOGIN}:{PASSWORD}@localhost:{}/{database}?sslmode=verify-full&sslrootcert={}",
        cluster().port(),
        cluster().root_cert_path().display()
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let store = open_login(&url);
    eprintln!(
        "postgres: cluster and site init {ready:?}; copied {} in {copied:?}; \
         VACUUM ANALYZE {:?}; ready as {LOGIN} after {:?} in all",
        counts.join(", "),
        analysed.saturating_sub(copied),
        started.elapsed()
    );
    (store, database, url)
}

/// The login's store on a new connection.
fn open_login(url: &DatabaseUrl) -> PgStore {
    let client = connect::connect(url, &mut |_| Ok(None)).unwrap_or_else(|e| panic!("{e}"));
    PgStore::open(client, url.to_string(), Box::new(SystemClock::default()))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// With `PRESCREEN_BENCH_EXPLAIN` set: runs the measured calls once more on a new session of
/// the login with `auto_explain` on (every statement's plan, with actual times and buffers),
/// and copies the server's log to `site_server-explain.log` under the target's temporary
/// folder. The measured session is not affected.
fn explain(database: &str, url: &DatabaseUrl, filters: &[&LogFilter]) {
    if std::env::var_os("PRESCREEN_BENCH_EXPLAIN").is_none() {
        return;
    }
    let mut pg = cluster().superuser_client(database);
    pg.batch_execute(&format!(
        "ALTER ROLE {LOGIN} SET session_preload_libraries = 'auto_explain'; \
         ALTER ROLE {LOGIN} SET auto_explain.log_min_duration = 0; \
         ALTER ROLE {LOGIN} SET auto_explain.log_analyze = on; \
         ALTER ROLE {LOGIN} SET auto_explain.log_buffers = on;"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let store = open_login(url);
    for filter in filters {
        log_csv(&store, filter, &mut std::io::sink());
        store.summary(filter).unwrap_or_else(|e| panic!("{e}"));
    }
    drop(store);
    pg.batch_execute(&format!("ALTER ROLE {LOGIN} RESET ALL"))
        .unwrap_or_else(|e| panic!("{e}"));
    let from = cluster().socket_dir().join("log");
    let to = Path::new(env!("CARGO_TARGET_TMPDIR")).join("site_server-explain.log");
    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    eprintln!("plans of the measured statements: {}", to.display());
}

/// The log as CSV into `out`; returns the row count.
fn log_csv(store: &dyn Store, filter: &LogFilter, out: &mut dyn std::io::Write) -> u64 {
    store
        .log(filter, &mut |row| {
            write_csv_record(&mut *out, &log_fields(row))
                .map_err(|e| StoreError::Output(e.to_string()))
        })
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The log's rows, every one at [`SITE`].
fn rows_at_one_site(store: &dyn Store, filter: &LogFilter) -> Vec<LogRow> {
    let mut rows = Vec::new();
    store
        .log(filter, &mut |row| {
            rows.push(LogRow {
                site_code: SITE.to_owned(),
                ..row.clone()
            });
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    rows
}

fn site_server_benchmarks(c: &mut Criterion) {
    let path = database();
    let sqlite = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let (server, database, url) = server_store(&path);
    let stores: [(&str, &dyn Store); 2] = [("sqlite", &sqlite), ("postgres", &server)];
    let filtered = LogFilter {
        trial: Some("assix".to_owned()),
        from: Some(date(2025, 1, 1)),
        to: Some(date(2025, 12, 31)),
        ..LogFilter::default()
    };
    let whole = LogFilter::default();

    // Both stores must answer alike (but for the site, all CPH on the server), or the
    // figures compare different work.
    for (name, filter) in [("filtered log", &filtered), ("whole log", &whole)] {
        let (a, b) = (
            rows_at_one_site(&sqlite, filter),
            rows_at_one_site(&server, filter),
        );
        if let Some((x, y)) = a.iter().zip(&b).find(|(x, y)| x != y) {
            panic!("{name}: the rows differ first at\nSQLite: {x:?}\nserver: {y:?}");
        }
        assert_eq!(a.len(), b.len(), "{name}: row counts differ");
        let mut csv = Vec::new();
        log_csv(&server, filter, &mut csv);
        eprintln!(
            "{name}: {} rows on both, {} bytes of CSV",
            a.len(),
            csv.len()
        );
    }
    for filter in [&filtered, &whole] {
        let a = sqlite.summary(filter).unwrap_or_else(|e| panic!("{e}"));
        let b = server.summary(filter).unwrap_or_else(|e| panic!("{e}"));
        assert!(a == b, "the summaries differ:\n{a:?}\n{b:?}");
    }

    explain(&database, &url, &[&filtered, &whole]);

    let mut group = c.benchmark_group("site_server_100k");
    group.sample_size(10);
    for (backend, store) in stores {
        group.bench_function(
            BenchmarkId::new("filtered_log_csv (assix, 2025)", backend),
            |b| b.iter(|| log_csv(store, &filtered, &mut std::io::sink())),
        );
    }
    for (backend, store) in stores {
        group.bench_function(BenchmarkId::new("whole_log_csv", backend), |b| {
            b.iter(|| log_csv(store, &whole, &mut std::io::sink()))
        });
    }
    // What the window asks for first when the log opens: the 500 newest rows (one page,
    // read by key), then the next page after them.
    let first_page = LogFilter {
        newest_first: true,
        limit: Some(500),
        ..LogFilter::default()
    };
    for (backend, store) in stores {
        group.bench_function(BenchmarkId::new("log_first_page_500", backend), |b| {
            b.iter(|| {
                let mut rows = 0;
                store
                    .log(&first_page, &mut |_| {
                        rows += 1;
                        Ok(())
                    })
                    .unwrap_or_else(|e| panic!("{e}"));
                rows
            })
        });
    }
    for (backend, store) in stores {
        group.bench_function(BenchmarkId::new("summary", backend), |b| {
            b.iter(|| store.summary(&whole).unwrap_or_else(|e| panic!("{e}")))
        });
    }
    for (backend, store) in stores {
        group.bench_function(BenchmarkId::new("summary (assix, 2025)", backend), |b| {
            b.iter(|| store.summary(&filtered).unwrap_or_else(|e| panic!("{e}")))
        });
    }
    group.finish();
}

criterion_group!(benches, site_server_benchmarks);
criterion_main!(benches);
