//! Units and ticks for chart axes: bytes in MiB or GiB, time in s, min or h, pauses in ms, and
//! "nice" tick positions.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// A display unit: a value in base units (bytes, seconds) divided by `per` reads in `name`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unit {
    /// Unit symbol (`GiB`, `min`).
    pub name: &'static str,
    /// Base units per display unit.
    pub per: f64,
}

impl Unit {
    /// `x` (base units) in this unit.
    pub fn of(&self, x: f64) -> f64 {
        x / self.per
    }
}

/// MiB.
pub const MIB: Unit = Unit {
    name: "MiB",
    per: 1_048_576.0,
};
/// GiB.
pub const GIB: Unit = Unit {
    name: "GiB",
    per: 1_073_741_824.0,
};

/// GiB for sizes of 2 GiB and more, else MiB.
pub fn bytes_unit(max_bytes: f64) -> Unit {
    if max_bytes >= 2.0 * GIB.per { GIB } else { MIB }
}

/// Seconds up to 3 minutes, minutes up to 3 hours, else hours.
pub fn time_unit(max_s: f64) -> Unit {
    if max_s <= 180.0 {
        Unit {
            name: "s",
            per: 1.0,
        }
    } else if max_s <= 3.0 * 3600.0 {
        Unit {
            name: "min",
            per: 60.0,
        }
    } else {
        Unit {
            name: "h",
            per: 3600.0,
        }
    }
}

/// A size for people, exact to a thousandth of its unit: `512 MiB`, `2.5 GiB`, `1.875 GiB`.
pub fn human_bytes(b: f64) -> String {
    let u = if b.abs() >= GIB.per { GIB } else { MIB };
    format!("{} {}", trim(u.of(b), 3), u.name)
}

/// A duration for people: `90 s`, `10 min`, `24 h`.
pub fn human_seconds(s: f64) -> String {
    let u = time_unit(s);
    format!("{} {}", trim(u.of(s), 2), u.name)
}

/// `x` with at most `decimals` decimals and no trailing zeros.
pub fn trim(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

/// About `target` evenly spaced round tick positions (1, 2 or 5 × 10ⁿ apart) within [lo, hi].
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// The display unit of a `points.csv`/`runs.csv` column and its name, from the column name:
/// `_bytes` (MiB/GiB), `_s` (s/min/h), `_ms`, `_pct` (%), `p_*` (probability shown in %).
pub fn column_unit(column: &str, max: f64) -> (Unit, String) {
    let plain = |name: &'static str| Unit { name, per: 1.0 };
    if column.starts_with("p_") {
        let u = Unit {
            name: "%",
            per: 0.01,
        };
        (u, "%".to_string())
    } else if column.ends_with("_bytes") {
        let u = bytes_unit(max);
        (u, u.name.to_string())
    } else if column.ends_with("_s") {
        let u = time_unit(max);
        (u, u.name.to_string())
    } else if column.ends_with("_ms") {
        (plain("ms"), "ms".to_string())
    } else if column.ends_with("_pct") {
        (plain("%"), "%".to_string())
    } else {
        (plain(""), "count".to_string())
    }
}

/// A swept value for people, from its column: sizes and durations with units, others as written.
pub fn human_value(column: &str, label: &str) -> String {
    match label.parse::<f64>() {
        Ok(x) if column.ends_with("_bytes") => human_bytes(x),
        Ok(x) if column.ends_with("_s") => human_seconds(x),
        _ => label.to_string(),
    }
}

/// The scenario key of an axis column (the column without its unit suffix).
pub fn key_of_column(column: &str) -> &str {
    column
        .strip_suffix("_bytes")
        .or_else(|| column.strip_suffix("_s"))
        .unwrap_or(column)
}

/// A linear f64 axis whose tick marks and labels sit exactly at the given positions (category
/// indices, or round values), with no minor grid lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticked {
    /// Lower end of the axis.
    pub lo: f64,
    /// Upper end of the axis.
    pub hi: f64,
    /// Tick positions.
    pub ticks: Vec<f64>,
}

impl Ticked {
    /// The axis `range` with ticks at `ticks`.
    pub fn new(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Ticked {
        Ticked {
            lo: range.start,
            hi: range.end,
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        let t = if span > 0.0 {
            (value - self.lo) / span
        } else {
            0.5
        };
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_magnitude() {
        assert_eq!(bytes_unit(1.5 * GIB.per).name, "MiB");
        assert_eq!(bytes_unit(4.0 * GIB.per).name, "GiB");
        assert_eq!(time_unit(90.0).name, "s");
        assert_eq!(time_unit(3600.0).name, "min");
        assert_eq!(time_unit(86400.0).name, "h");
        assert_eq!(human_bytes(2.5 * GIB.per), "2.5 GiB");
        assert_eq!(human_bytes(512.0 * MIB.per), "512 MiB");
        assert_eq!(human_bytes(1920.0 * MIB.per), "1.875 GiB");
        assert_eq!(
            human_value("pod.limits.memory_bytes", "3221225472"),
            "3 GiB"
        );
        assert_eq!(human_value("gc.mode", "server"), "server");
        assert_eq!(key_of_column("scenario.duration_s"), "scenario.duration");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_ticks(0.0, 10.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(1.9, 4.1, 5), [2.0, 2.5, 3.0, 3.5, 4.0]);
        let (u, text) = column_unit("p_oom_kill", 1.0);
        assert_eq!((u.of(0.25), text.as_str()), (25.0, "%"));
    }
}
