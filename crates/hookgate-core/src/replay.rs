//! The replay window: timestamps too old and too far in the future are refused, with the clock
//! injected so that tests are exact.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{VerifyError, VerifyErrorKind};

/// How far a webhook's timestamp may lie in the past and in the future. Default: 300 s each.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use hookgate_core::ReplayWindow;
///
/// let w = ReplayWindow::default();
/// let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
/// assert!(w.check(1_000_000 - 300, now).is_ok());
/// assert_eq!(w.check(1_000_000 - 301, now).unwrap_err().out_of_window_by(), Some(1));
/// assert!(w.check(1_000_000 + 301, now).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayWindow {
    past: Duration,
    future: Duration,
}

impl Default for ReplayWindow {
    fn default() -> Self {
        Self::symmetric(Duration::from_secs(300))
    }
}

impl ReplayWindow {
    /// The same tolerance in both directions.
    pub fn symmetric(tolerance: Duration) -> Self {
        Self { past: tolerance, future: tolerance }
    }

    /// Separate tolerances for old and for future timestamps.
    pub fn new(past: Duration, future: Duration) -> Self {
        Self { past, future }
    }

    /// Tolerance for timestamps in the past.
    pub fn past(&self) -> Duration {
        self.past
    }

    /// Tolerance for timestamps in the future.
    pub fn future(&self) -> Duration {
        self.future
    }

    /// Checks a Unix timestamp (seconds) against `now`.
    pub fn check(&self, timestamp: i64, now: SystemTime) -> Result<(), VerifyError> {
        let now = unix_seconds(now);
        let age = i128::from(now) - i128::from(timestamp);
        if age > i128::from(self.past.as_secs()) {
            let by = (age - i128::from(self.past.as_secs())).min(u64::MAX as i128) as u64;
            return Err(VerifyError::new(VerifyErrorKind::Stale).seconds(by));
        }
        if -age > i128::from(self.future.as_secs()) {
            let by = (-age - i128::from(self.future.as_secs())).min(u64::MAX as i128) as u64;
            return Err(VerifyError::new(VerifyErrorKind::Future).seconds(by));
        }
        Ok(())
    }
}

/// Seconds since the Unix epoch (negative before it).
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Where "now" comes from. Inject a [`FixedClock`] in tests.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that always says the same instant.
///
/// ```
/// use hookgate_core::{Clock, FixedClock};
/// let c = FixedClock::from_unix(1_700_000_000);
/// assert_eq!(c.now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), 1_700_000_000);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub SystemTime);

impl FixedClock {
    /// The instant `secs` seconds after the Unix epoch.
    pub fn from_unix(secs: u64) -> Self {
        Self(UNIX_EPOCH + Duration::from_secs(secs))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// A clock that stands still until told to move: for exact tests of leases, TTLs and windows.
///
/// ```
/// use std::time::Duration;
/// use hookgate_core::{Clock, ManualClock};
/// let c = ManualClock::from_unix(100);
/// c.advance(Duration::from_millis(1500));
/// assert_eq!(c.now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis(), 101_500);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl ManualClock {
    /// Starts at `secs` seconds after the Unix epoch.
    pub fn from_unix(secs: u64) -> Self {
        Self(std::sync::Arc::new(std::sync::atomic::AtomicU64::new(secs * 1000)))
    }

    /// Moves the clock forward (clones share the same time).
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as u64, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn both_directions_separately_configurable() {
        let w = ReplayWindow::new(Duration::from_secs(10), Duration::from_secs(2));
        assert!(w.check(990, at(1000)).is_ok());
        assert_eq!(w.check(989, at(1000)).unwrap_err().kind(), VerifyErrorKind::Stale);
        assert!(w.check(1002, at(1000)).is_ok());
        let e = w.check(1005, at(1000)).unwrap_err();
        assert_eq!((e.kind(), e.out_of_window_by()), (VerifyErrorKind::Future, Some(3)));
    }

    /// Whole seconds decide: a fraction of a second on the clock never moves either edge.
    #[test]
    fn fractions_of_a_second_at_both_edges() {
        let w = ReplayWindow::new(Duration::from_secs(10), Duration::from_secs(2));
        for ns in [0, 1, 500_000_000, 999_999_999] {
            let now = UNIX_EPOCH + Duration::new(1000, ns);
            assert!(w.check(990, now).is_ok() && w.check(989, now).is_err(), "{ns}");
            assert!(w.check(1002, now).is_ok() && w.check(1003, now).is_err(), "{ns}");
        }
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let w = ReplayWindow::default();
        assert!(w.check(i64::MIN, at(1000)).is_err());
        assert!(w.check(i64::MAX, at(1000)).is_err());
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(5)), -5);
        let e = w.check(1000 + 300 + 7, at(1000)).unwrap_err();
        assert_eq!((e.kind(), e.out_of_window_by()), (VerifyErrorKind::Future, Some(7)));
        let e = w.check(0, at(1000)).unwrap_err();
        assert_eq!((e.kind(), e.out_of_window_by()), (VerifyErrorKind::Stale, Some(700)));
        let e = w.check(i64::MAX, at(0)).unwrap_err();
        assert_eq!((e.kind(), e.out_of_window_by()), (VerifyErrorKind::Future, Some(i64::MAX as u64 - 300)));
        // A window wider than i64 seconds accepts everything on that side.
        let wide = ReplayWindow::new(Duration::MAX, Duration::MAX);
        assert!(wide.check(i64::MIN, at(1000)).is_ok() && wide.check(i64::MAX, at(1000)).is_ok());
        // Boundaries are inclusive in both directions.
        assert!(w.check(700, at(1000)).is_ok() && w.check(1300, at(1000)).is_ok());
    }
}
