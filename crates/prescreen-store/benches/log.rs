//! Benchmarks of the screening log and summary over 100 000 stored screenings.
//!
//! The database is built once through the `Store` API (imports, verdicts, status changes with
//! their audit events) and kept under the target folder; later runs reuse it (`common/mod.rs`,
//! shared with `site_server.rs`). Measured: the filtered log (one trial, one year, streamed and
//! formatted as CSV), the whole log, and the SEAR summary with per-criterion ineligibility
//! counts.
// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::date;
use prescreen_store::csv::{log_fields, write_csv_record};
use prescreen_store::{LogFilter, SqliteStore, Store};

use common::database;

fn log_benchmarks(c: &mut Criterion) {
    let path = database();
    let store = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let filtered = LogFilter {
        trial: Some("assix".to_owned()),
        from: Some(date(2025, 1, 1)),
        to: Some(date(2025, 12, 31)),
        ..LogFilter::default()
    };
    let stream_csv = |filter: &LogFilter| {
        let mut out = std::io::sink();
        store
            .log(filter, &mut |row| {
                write_csv_record(&mut out, &log_fields(row))
                    .map_err(|e| prescreen_store::StoreError::Output(e.to_string()))
            })
            .unwrap_or_else(|e| panic!("{e}"))
    };
    eprintln!(
        "filtered log: {} rows; whole log: {} rows",
        stream_csv(&filtered),
        stream_csv(&LogFilter::default())
    );

    let mut group = c.benchmark_group("log_100k");
    group.sample_size(10);
    group.bench_function("filtered_log_csv (assix, 2025)", |b| {
        b.iter(|| stream_csv(&filtered))
    });
    group.bench_function("whole_log_csv", |b| {
        b.iter(|| stream_csv(&LogFilter::default()))
    });
    group.bench_function("summary", |b| {
        b.iter(|| {
            store
                .summary(&LogFilter::default())
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    group.bench_function("summary (assix, 2025)", |b| {
        b.iter(|| store.summary(&filtered).unwrap_or_else(|e| panic!("{e}")))
    });
    group.finish();
}

criterion_group!(benches, log_benchmarks);
criterion_main!(benches);
