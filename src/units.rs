//! Unit types shared by every layer: byte counts ([`Bytes`]) and simulated instants ([`SimTime`],
//! integer nanoseconds since the start of a run, so that long runs accumulate no float drift).

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};

/// One kibibyte, 1,024 bytes.
pub const KIB: u64 = 1 << 10;
/// One mebibyte, 1,048,576 bytes.
pub const MIB: u64 = 1 << 20;
/// One gibibyte, 1,073,741,824 bytes.
pub const GIB: u64 = 1 << 30;

/// A number of bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub u64);

impl Bytes {
    /// Zero bytes.
    pub const ZERO: Bytes = Bytes(0);

    /// `n` mebibytes.
    pub const fn mib(n: u64) -> Bytes {
        Bytes(n * MIB)
    }

    /// `n` kibibytes.
    pub const fn kib(n: u64) -> Bytes {
        Bytes(n * KIB)
    }

    /// `n` gibibytes.
    pub const fn gib(n: u64) -> Bytes {
        Bytes(n * GIB)
    }

    /// The count as `f64` bytes (exact below 2^53).
    pub fn as_f64(self) -> f64 {
        self.0 as f64
    }

    /// Rounds a non-negative float byte count to the nearest whole byte (negative values give 0).
    pub fn from_f64(b: f64) -> Bytes {
        if b.is_finite() && b > 0.0 {
            Bytes(b.round() as u64)
        } else {
            Bytes(0)
        }
    }

    /// The count in mebibytes.
    pub fn as_mib(self) -> f64 {
        self.0 as f64 / MIB as f64
    }

    /// Subtraction that stops at zero.
    pub fn saturating_sub(self, other: Bytes) -> Bytes {
        Bytes(self.0.saturating_sub(other.0))
    }
}

impl Add for Bytes {
    type Output = Bytes;
    fn add(self, o: Bytes) -> Bytes {
        Bytes(self.0 + o.0)
    }
}

impl AddAssign for Bytes {
    fn add_assign(&mut self, o: Bytes) {
        self.0 += o.0;
    }
}

impl Sub for Bytes {
    type Output = Bytes;
    fn sub(self, o: Bytes) -> Bytes {
        Bytes(self.0 - o.0)
    }
}

impl SubAssign for Bytes {
    fn sub_assign(&mut self, o: Bytes) {
        self.0 -= o.0;
    }
}

impl fmt::Display for Bytes {
    /// Binary units with one decimal: `512.0 MiB`, `1.5 GiB`, `300 B`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= GIB {
            write!(f, "{:.1} GiB", b as f64 / GIB as f64)
        } else if b >= MIB {
            write!(f, "{:.1} MiB", b as f64 / MIB as f64)
        } else if b >= KIB {
            write!(f, "{:.1} KiB", b as f64 / KIB as f64)
        } else {
            write!(f, "{b} B")
        }
    }
}

/// Nanoseconds per second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// An instant of simulated time: whole nanoseconds since the run started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant (about 584 years): "never".
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// The instant `s` seconds after the start (rounded to the nearest nanosecond; negative and
    /// non-finite values clamp to the start or to [`SimTime::NEVER`]).
    pub fn from_secs_f64(s: f64) -> SimTime {
        if s.is_nan() || s <= 0.0 {
            SimTime::ZERO
        } else if s >= (u64::MAX / NANOS_PER_SEC) as f64 {
            SimTime::NEVER
        } else {
            SimTime((s * NANOS_PER_SEC as f64).round() as u64)
        }
    }

    /// The instant `s` whole seconds after the start.
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s * NANOS_PER_SEC)
    }

    /// The instant `ms` milliseconds after the start.
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms * 1_000_000)
    }

    /// Seconds since the start.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// This instant moved `s` seconds later (saturating at [`SimTime::NEVER`]).
    pub fn plus_secs(self, s: f64) -> SimTime {
        if s <= 0.0 || s.is_nan() {
            return self;
        }
        let d = SimTime::from_secs_f64(s).0;
        SimTime(self.0.saturating_add(d))
    }

    /// Seconds from `earlier` to `self` (0 if `earlier` is later).
    pub fn secs_since(self, earlier: SimTime) -> f64 {
        self.0.saturating_sub(earlier.0) as f64 / NANOS_PER_SEC as f64
    }
}

impl fmt::Display for SimTime {
    /// `h:mm:ss.mmm` since the start of the run.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == SimTime::NEVER {
            return write!(f, "never");
        }
        let ms_total = self.0 / 1_000_000;
        let (h, rem) = (ms_total / 3_600_000, ms_total % 3_600_000);
        let (m, rem) = (rem / 60_000, rem % 60_000);
        write!(f, "{h}:{m:02}:{:02}.{:03}", rem / 1000, rem % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_display_uses_binary_units() {
        assert_eq!(Bytes(300).to_string(), "300 B");
        assert_eq!(Bytes::mib(512).to_string(), "512.0 MiB");
        assert_eq!(Bytes(3 * GIB / 2).to_string(), "1.5 GiB");
    }

    #[test]
    fn sim_time_round_trips_seconds() {
        let t = SimTime::from_secs_f64(86_400.5);
        assert_eq!(t.0, 86_400_500_000_000);
        assert_eq!(t.as_secs_f64(), 86_400.5);
        assert_eq!(t.to_string(), "24:00:00.500");
        assert_eq!(SimTime::from_secs_f64(-3.0), SimTime::ZERO);
        assert_eq!(t.plus_secs(0.25).secs_since(t), 0.25);
    }
}
