//! The screening log as RFC 4180 CSV (UTF-8 with a byte-order mark, CRLF), for
//! spreadsheets: the same columns from the command line and any other door.

use std::io::Write;

use crate::LogRow;

/// Excel needs the byte-order mark to read UTF-8 (criterion texts have non-ASCII characters).
pub const CSV_BOM: &str = "\u{feff}";

/// Columns of the CSV log.
pub const LOG_COLUMNS: [&str; 12] = [
    "screening_id",
    "trial",
    "definition_version",
    "prescreening_date",
    "coordinator",
    "site",
    "status",
    "verdict",
    "reasons",
    "status_reason",
    "rescreen_from",
    "rescreened_as",
];

/// The fields of one log row, in [`LOG_COLUMNS`] order.
pub fn log_fields(row: &LogRow) -> [String; 12] {
    let reasons = row
        .reasons
        .iter()
        .map(|r| {
            if r.text.is_empty() {
                r.criterion_id.clone()
            } else {
                format!("{} {}", r.criterion_id, r.text)
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    [
        row.screening_id.clone(),
        row.trial_id.clone(),
        row.definition_version.clone(),
        row.prescreening_date.to_string(),
        row.coordinator.clone(),
        row.site_code.clone(),
        row.status.as_str().to_owned(),
        row.verdict.clone(),
        reasons,
        row.status_reason.clone().unwrap_or_default(),
        row.rescreen_from.map(|d| d.to_string()).unwrap_or_else(|| {
            if row.verdict_line.contains("when the event has ended") {
                "when the event has ended".to_owned()
            } else {
                String::new()
            }
        }),
        row.rescreened_as.clone().unwrap_or_default(),
    ]
}

/// One RFC 4180 field: quoted when it holds a comma, quote, CR or LF (quotes doubled). A
/// field a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Writes one CSV record ending in CRLF.
pub fn write_csv_record<S: AsRef<str>>(out: &mut dyn Write, fields: &[S]) -> std::io::Result<()> {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f.as_ref())).collect();
    out.write_all(line.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}
