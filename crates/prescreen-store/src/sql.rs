//! The few things the records code needs from a SQL database, so that one body of code keeps
//! screenings, answers and the audit chain on SQLite and on PostgreSQL alike.
//!
//! Statements are written once, with `?1`-style placeholders (each backend translates), and
//! use only integers (64-bit) and text: dates are ISO-8601 text, flags are 0/1. Rows come back
//! as [`Row`]s of [`Value`]s, read by column index.

use crate::StoreError;

/// One SQL value as both backends keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (flags are 0 and 1).
    Int(i64),
    /// Text (never holds NUL: every door refuses it).
    Text(String),
}

/// Turns a Rust value into a statement parameter.
pub(crate) trait ToValue {
    /// The parameter.
    fn to_value(&self) -> Value;
}

impl ToValue for i64 {
    fn to_value(&self) -> Value {
        Value::Int(*self)
    }
}

impl ToValue for u32 {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for u8 {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for i16 {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for i32 {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// Statement parameters: `vals![id, name, None::<String>]`.
macro_rules! vals {
    ($($value:expr),* $(,)?) => {
        &[$($crate::sql::ToValue::to_value(&$value)),*][..]
    };
}
pub(crate) use vals;

/// A column index (`row.get(0)`).
pub(crate) trait RowIndex {
    /// As a `usize`.
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl RowIndex for i32 {
    fn index(self) -> usize {
        usize::try_from(self).unwrap_or(usize::MAX)
    }
}

/// Reads a Rust value from a column.
pub(crate) trait FromValue: Sized {
    /// The value, or `None` when the column's type does not fit.
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(text) => Some(text.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// One result row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) values: Vec<Value>,
}

impl Row {
    /// Column `index` as `T`; a NULL or a value of another type is an error naming the column
    /// number (never the value).
    pub(crate) fn get<I: RowIndex, T: FromValue>(&self, index: I) -> Result<T, StoreError> {
        let index = index.index();
        self.values
            .get(index)
            .and_then(T::from_value)
            .ok_or_else(|| {
                StoreError::InvalidStoredData(format!(
                    "column {index} of a row has an unexpected type"
                ))
            })
    }

    /// Column `index` as borrowed text (no copy), `None` for NULL.
    pub(crate) fn text_or_null(&self, index: usize) -> Result<Option<&str>, StoreError> {
        match self.values.get(index) {
            Some(Value::Text(text)) => Ok(Some(text)),
            Some(Value::Null) => Ok(None),
            _ => Err(StoreError::InvalidStoredData(format!(
                "column {index} of a row is not text"
            ))),
        }
    }

    /// Column `index` as borrowed text.
    pub(crate) fn text(&self, index: usize) -> Result<&str, StoreError> {
        self.text_or_null(index)?.ok_or_else(|| {
            StoreError::InvalidStoredData(format!("column {index} of a row is empty"))
        })
    }
}

/// Which database speaks: the few statements that differ are chosen by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// The embedded file.
    Sqlite,
    /// The site server.
    Postgres,
}

/// A connection or an open transaction. Errors come back as [`StoreError`]s that already name
/// the store.
pub(crate) trait Db {
    /// Which database this is.
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the rows changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Runs a query and hands each row to `each`, in order, without keeping them all.
    fn for_each_row(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

impl dyn Db + '_ {
    /// The first row, if any.
    pub(crate) fn query_opt<T>(
        &self,
        sql: &str,
        params: &[Value],
        read: impl FnOnce(&Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut first = None;
        self.for_each_row(sql, params, &mut |row| {
            if first.is_none() {
                first = Some(row.clone());
            }
            Ok(())
        })?;
        first.as_ref().map(read).transpose()
    }

    /// The one row a query always returns (`count(*)`, `PRAGMA`).
    pub(crate) fn query_one<T>(
        &self,
        sql: &str,
        params: &[Value],
        read: impl FnOnce(&Row) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.query_opt(sql, params, read)?.ok_or_else(|| {
            StoreError::InvalidStoredData("a query that always answers returned no row".to_owned())
        })
    }

    /// Every row, read into a vector.
    pub(crate) fn query_vec<T>(
        &self,
        sql: &str,
        params: &[Value],
        mut read: impl FnMut(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut rows = Vec::new();
        self.for_each_row(sql, params, &mut |row| {
            rows.push(read(row)?);
            Ok(())
        })?;
        Ok(rows)
    }
}

/// `?1` placeholders as PostgreSQL's `$1` (quoted text is left alone).
pub(crate) fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_quote = false;
    for character in sql.chars() {
        match character {
            '\'' => {
                in_quote = !in_quote;
                out.push(character);
            }
            '?' if !in_quote => out.push('$'),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_outside_quotes_become_dollars() {
        assert_eq!(
            dollar_placeholders("SELECT '?' , x FROM t WHERE a = ?1 AND b IN (?2, ?10)"),
            "SELECT '?' , x FROM t WHERE a = $1 AND b IN ($2, $10)"
        );
    }

    #[test]
    fn a_row_reads_typed_columns_and_names_a_mismatch() {
        let row = Row {
            values: vec![Value::Int(1), Value::Text("a".into()), Value::Null],
        };
        assert_eq!(row.get::<_, i64>(0), Ok(1));
        assert_eq!(row.get::<_, bool>(0), Ok(true));
        assert_eq!(row.get::<_, String>(1), Ok("a".to_owned()));
        assert_eq!(row.get::<_, Option<String>>(2), Ok(None));
        assert!(row.get::<_, String>(2).is_err());
        assert!(row.get::<_, i64>(1).is_err());
        assert_eq!(vals![1_i64, "x", None::<String>, true].len(), 4);
    }
}
