//! Time, as a port: the one place the system clock is read.
//!
//! Core services, adapters and handlers take a [`Clock`] and never call
//! `SystemTime::now()` themselves, so tests fix the date ([`FixedClock`]) and nothing
//! behaves differently as the calendar moves.

use std::sync::atomic::{AtomicI64, Ordering};

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;

    /// Seconds since the Unix epoch.
    fn now(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            // A clock set before 1970: report it as such rather than as the epoch.
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }
}

/// A clock that stands still until moved: for tests and replays.
#[derive(Debug, Default)]
pub struct FixedClock {
    millis: AtomicI64,
}

impl FixedClock {
    /// A clock at `unix_seconds`.
    pub fn at(unix_seconds: i64) -> Self {
        FixedClock {
            millis: AtomicI64::new(unix_seconds.saturating_mul(1000)),
        }
    }

    pub fn set(&self, unix_seconds: i64) {
        self.millis.store(unix_seconds.saturating_mul(1000), Ordering::SeqCst);
    }

    pub fn advance_millis(&self, millis: i64) {
        self.millis.fetch_add(millis, Ordering::SeqCst);
    }

    pub fn advance(&self, seconds: i64) {
        self.advance_millis(seconds.saturating_mul(1000));
    }
}

impl Clock for FixedClock {
    fn now_millis(&self) -> i64 {
        self.millis.load(Ordering::SeqCst)
    }
}

/// A clock that starts at a chosen instant and then runs at the pace of the machine's
/// monotonic clock: tests get a fixed date and real waits (queue backoffs, timeouts).
#[derive(Debug)]
pub struct SteadyClock {
    start_millis: i64,
    started: std::time::Instant,
}

impl SteadyClock {
    pub fn starting_at(unix_seconds: i64) -> Self {
        SteadyClock {
            start_millis: unix_seconds.saturating_mul(1000),
            started: std::time::Instant::now(),
        }
    }
}

impl Clock for SteadyClock {
    fn now_millis(&self) -> i64 {
        let elapsed = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.start_millis.saturating_add(elapsed)
    }
}

/// Unix seconds of a civil UTC date and time (days-from-civil, Howard Hinnant's
/// algorithm): how tests and fixtures name their fixed instants.
pub fn unix_seconds(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::local_day;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(unix_seconds(1970, 1, 1, 0, 0, 0), 0);
        assert_eq!(unix_seconds(2000, 2, 29, 0, 0, 0), 951_782_400);
        for (y, m, d) in [(2026, 12, 1), (2028, 2, 29), (2030, 12, 31), (1969, 12, 31)] {
            let t = unix_seconds(y, m, d, 12, 0, 0);
            assert_eq!(local_day(t, 0), format!("{y:04}-{m:02}-{d:02}"));
        }
    }

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let clock = FixedClock::at(1_800_000_000);
        assert_eq!(clock.now(), 1_800_000_000);
        clock.advance(61);
        assert_eq!(clock.now(), 1_800_000_061);
        clock.advance_millis(-1);
        assert_eq!(clock.now(), 1_800_000_060);
        assert_eq!(clock.now_millis(), 1_800_000_060_999);
    }
}
