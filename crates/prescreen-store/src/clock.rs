//! Where audit timestamps come from: the system clock in the app, a fixed clock in tests.
//!
//! Every event records UTC and the local UTC offset at that moment (ALCOA+ "contemporaneous":
//! a monitor must be able to tell what the coordinator's wall clock showed).

use std::sync::atomic::{AtomicI64, Ordering};

use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// A moment: the UTC instant and the local offset in force then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The instant.
    pub utc: Timestamp,
    /// The local offset from UTC at that instant.
    pub offset: Offset,
}

impl Stamp {
    /// The instant as stored: RFC 3339 in UTC with a `Z`.
    pub fn utc_text(&self) -> String {
        self.utc.to_string()
    }

    /// The local calendar date at this moment (what "today" means to the person at the
    /// keyboard), for checks that refuse a date in the future.
    pub fn local_date(&self) -> jiff::civil::Date {
        self.utc.to_zoned(TimeZone::fixed(self.offset)).date()
    }

    /// The offset as stored: `+01:00`.
    pub fn offset_text(&self) -> String {
        let seconds = self.offset.seconds();
        let sign = if seconds < 0 { '-' } else { '+' };
        let seconds = seconds.unsigned_abs();
        format!("{sign}{:02}:{:02}", seconds / 3600, (seconds % 3600) / 60)
    }
}

/// A source of the current time, injectable so tests are deterministic.
pub trait Clock: Send {
    /// The current moment.
    fn now(&self) -> Stamp;
}

/// The machine's clock and time zone.
#[derive(Debug, Clone)]
pub struct SystemClock {
    zone: TimeZone,
}

impl Default for SystemClock {
    fn default() -> Self {
        Self {
            zone: local_time_zone(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Stamp {
        let utc = Timestamp::now();
        Stamp {
            utc,
            offset: self.zone.to_offset(utc),
        }
    }
}

/// A clock that starts at a given instant and advances by a fixed step on every reading.
#[derive(Debug)]
pub struct SteppingClock {
    next_second: AtomicI64,
    step_seconds: i64,
    offset: Offset,
}

impl SteppingClock {
    /// Starts at `start`, advancing `step_seconds` per reading, reporting `offset` as local.
    pub fn new(start: Timestamp, step_seconds: i64, offset: Offset) -> Self {
        Self {
            next_second: AtomicI64::new(start.as_second()),
            step_seconds,
            offset,
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> Stamp {
        let second = self
            .next_second
            .fetch_add(self.step_seconds, Ordering::Relaxed);
        let utc = Timestamp::UNIX_EPOCH
            .checked_add(SignedDuration::from_secs(second))
            .unwrap_or(Timestamp::UNIX_EPOCH);
        Stamp {
            utc,
            offset: self.offset,
        }
    }
}

/// The local time zone: `TZ` if set (a zone name, a TZif path or a POSIX rule), else
/// `/etc/localtime`, else UTC. (jiff is built without its `tz-system` feature, so prescreen
/// reads the zone itself.)
pub fn local_time_zone() -> TimeZone {
    if let Some(value) = std::env::var_os("TZ") {
        let value = value.to_string_lossy().into_owned();
        let value = value.strip_prefix(':').unwrap_or(&value).to_owned();
        if value.is_empty() || value == "UTC" || value == "Etc/UTC" {
            return TimeZone::UTC;
        }
        let candidates = [
            std::path::PathBuf::from(&value),
            std::path::Path::new("/usr/share/zoneinfo").join(&value),
        ];
        for path in candidates {
            if path.is_file()
                && let Ok(bytes) = std::fs::read(&path)
                && let Ok(zone) = TimeZone::tzif(&value, &bytes)
            {
                return zone;
            }
        }
        if let Ok(zone) = TimeZone::posix(&value) {
            return zone;
        }
    }
    if let Ok(bytes) = std::fs::read("/etc/localtime")
        && let Ok(zone) = TimeZone::tzif("localtime", &bytes)
    {
        return zone;
    }
    TimeZone::UTC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_printed_with_sign_hours_and_minutes() {
        let stamp = |seconds| Stamp {
            utc: Timestamp::UNIX_EPOCH,
            offset: Offset::from_seconds(seconds).unwrap_or(Offset::UTC),
        };
        assert_eq!(stamp(3600).offset_text(), "+01:00");
        assert_eq!(stamp(-(5 * 3600 + 30 * 60)).offset_text(), "-05:30");
        assert_eq!(stamp(0).offset_text(), "+00:00");
    }

    #[test]
    fn the_stepping_clock_advances() {
        let clock = SteppingClock::new(Timestamp::UNIX_EPOCH, 2, Offset::UTC);
        let first = clock.now().utc;
        let second = clock.now().utc;
        assert_eq!(second.as_second() - first.as_second(), 2);
    }
}
