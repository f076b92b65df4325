//! Statistics over the replications of one sweep point: binomial proportions with Wilson score
//! intervals, means with Student-t intervals, and sample quantiles. Everything is reduced
//! sequentially in replication order, so the same runs always give the same bits.
//!
//! * **Wilson score interval** for a proportion k/n at 95 % (z = Φ⁻¹(0.975) ≈ 1.96):
//!   centre (p̂ + z²/2n) / (1 + z²/n), half-width z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²).
//!   Unlike the normal approximation it stays inside [0, 1] and is not empty at 0/n or n/n.
//! * **Mean interval**: x̄ ± t(0.975, n − 1) · s/√n with the sample standard deviation s
//!   (statrs `StudentsT`); undefined for n < 2.
//! * **Quantiles**: statrs `OrderStatistics::quantile`, Hyndman and Fan's definition 8 (the
//!   median-unbiased estimator, R's `type = 8`): h = (n + 1/3)·τ + 1/3, interpolated between the
//!   order statistics around h; the minimum for h < 1, the maximum for h ≥ n.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::statistics::{Data, OrderStatistics, Statistics};

/// Confidence level of every interval.
pub const CONFIDENCE: f64 = 0.95;

/// The two-sided normal quantile for [`CONFIDENCE`]: Φ⁻¹(0.975) ≈ 1.959964.
pub fn z_95() -> f64 {
    match Normal::new(0.0, 1.0) {
        Ok(n) => n.inverse_cdf(0.5 + CONFIDENCE / 2.0),
        Err(_) => 1.959_963_984_540_054,
    }
}

/// A proportion with its Wilson 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Proportion {
    /// Runs where the event happened.
    pub count: u64,
    /// Runs.
    pub runs: u64,
    /// count / runs (0 when there is no run).
    pub p: f64,
    /// Lower bound of the interval.
    pub lo: f64,
    /// Upper bound of the interval.
    pub hi: f64,
}

/// The Wilson score interval of `count` events in `runs` trials at 95 % (see the module doc);
/// `[0, 1]` when there is no trial.
pub fn wilson(count: u64, runs: u64) -> Proportion {
    if runs == 0 {
        return Proportion {
            count,
            runs,
            p: 0.0,
            lo: 0.0,
            hi: 1.0,
        };
    }
    let n = runs as f64;
    let p = count as f64 / n;
    let z = z_95();
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Proportion {
        count,
        runs,
        p,
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
    }
}

/// A sample mean with its Student-t 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanInterval {
    /// The sample mean (0 for an empty sample).
    pub mean: f64,
    /// Lower bound (`None` below two values).
    pub lo: Option<f64>,
    /// Upper bound (`None` below two values).
    pub hi: Option<f64>,
}

/// The mean of `xs` with its t interval (see the module doc).
pub fn mean_interval(xs: &[f64]) -> MeanInterval {
    if xs.is_empty() {
        return MeanInterval {
            mean: 0.0,
            lo: None,
            hi: None,
        };
    }
    let mean = xs.mean();
    if xs.len() < 2 {
        return MeanInterval {
            mean,
            lo: None,
            hi: None,
        };
    }
    let n = xs.len() as f64;
    let sd = xs.std_dev();
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .map(|d| d.inverse_cdf(0.5 + CONFIDENCE / 2.0))
        .unwrap_or(f64::NAN);
    let half = t * sd / n.sqrt();
    if !half.is_finite() {
        return MeanInterval {
            mean,
            lo: None,
            hi: None,
        };
    }
    MeanInterval {
        mean,
        lo: Some(mean - half),
        hi: Some(mean + half),
    }
}

/// The `tau`-quantile of `xs` by definition 8 (see the module doc); 0 for an empty sample.
pub fn quantile(xs: &[f64], tau: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    Data::new(xs.to_vec()).quantile(tau)
}

/// What the statistics need from one run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunObservation {
    /// The run ended in an OOM kill (its first failure).
    pub oom_killed: bool,
    /// The run ended in a managed OutOfMemoryException (its first failure).
    pub managed_oom: bool,
    /// Peak resident memory, bytes.
    pub peak_rss_bytes: f64,
    /// Share of running time paused by the GC, percent.
    pub time_in_gc_pct: f64,
    /// 99th-percentile GC pause of the run, ms.
    pub pause_p99_ms: f64,
}

/// Statistics of one point over its replications.
#[derive(Clone, Debug, PartialEq)]
pub struct PointStats {
    /// Replications.
    pub runs: u64,
    /// P(OOMKill within the horizon).
    pub oom_kill: Proportion,
    /// P(managed OutOfMemoryException within the horizon).
    pub managed_oom: Proportion,
    /// Mean peak RSS, bytes.
    pub peak_rss_mean: f64,
    /// Median peak RSS, bytes.
    pub peak_rss_p50: f64,
    /// 95th-percentile peak RSS, bytes.
    pub peak_rss_p95: f64,
    /// Largest peak RSS, bytes.
    pub peak_rss_max: f64,
    /// Time in GC, percent, with its interval.
    pub time_in_gc: MeanInterval,
    /// Mean over replications of each run's 99th-percentile pause, ms.
    pub pause_p99_mean_ms: f64,
    /// Largest 99th-percentile pause of any replication, ms.
    pub pause_p99_max_ms: f64,
}

impl PointStats {
    /// Reduces the runs of one point, in replication order.
    pub fn from_runs(runs: &[RunObservation]) -> PointStats {
        let n = runs.len() as u64;
        let kills = runs.iter().filter(|r| r.oom_killed).count() as u64;
        let managed = runs.iter().filter(|r| r.managed_oom).count() as u64;
        let rss: Vec<f64> = runs.iter().map(|r| r.peak_rss_bytes).collect();
        let gc: Vec<f64> = runs.iter().map(|r| r.time_in_gc_pct).collect();
        let p99: Vec<f64> = runs.iter().map(|r| r.pause_p99_ms).collect();
        let max = |xs: &[f64]| xs.iter().copied().fold(0.0_f64, f64::max);
        PointStats {
            runs: n,
            oom_kill: wilson(kills, n),
            managed_oom: wilson(managed, n),
            peak_rss_mean: if rss.is_empty() {
                0.0
            } else {
                rss.as_slice().mean()
            },
            peak_rss_p50: quantile(&rss, 0.5),
            peak_rss_p95: quantile(&rss, 0.95),
            peak_rss_max: max(&rss),
            time_in_gc: mean_interval(&gc),
            pause_p99_mean_ms: if p99.is_empty() {
                0.0
            } else {
                p99.as_slice().mean()
            },
            pause_p99_max_ms: max(&p99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn wilson_matches_published_values() {
        // 0/10: centre = (0 + 1.96²/20) / (1 + 1.96²/10) = 0.13877, half-width equal → [0, 0.2775].
        let w = wilson(0, 10);
        close(w.lo, 0.0, 1e-12);
        close(w.hi, 0.2775, 5e-5);
        // 5/10 → [0.2366, 0.7634] (symmetric around 0.5).
        let w = wilson(5, 10);
        close(w.lo, 0.2366, 5e-5);
        close(w.hi, 0.7634, 5e-5);
        // 10/10 mirrors 0/10.
        let w = wilson(10, 10);
        close(w.lo, 0.7225, 5e-5);
        close(w.hi, 1.0, 1e-12);
        // 81/263 (Wilson 1927 / Newcombe 1998 example): [0.2553, 0.3662].
        let w = wilson(81, 263);
        close(w.lo, 0.2553, 5e-5);
        close(w.hi, 0.3662, 5e-5);
        // 1/20 → [0.0089, 0.2361].
        let w = wilson(1, 20);
        close(w.lo, 0.0089, 5e-5);
        close(w.hi, 0.2361, 5e-5);
        close(z_95(), 1.959964, 1e-6);
    }

    #[test]
    fn mean_interval_uses_student_t() {
        // n = 5, mean 3, s = √2.5 = 1.5811; t(0.975, 4) = 2.7764 → half-width 1.9632.
        let m = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        close(m.mean, 3.0, 1e-12);
        close(m.lo.unwrap(), 3.0 - 1.9632, 1e-4);
        close(m.hi.unwrap(), 3.0 + 1.9632, 1e-4);
        let one = mean_interval(&[7.0]);
        assert_eq!((one.mean, one.lo, one.hi), (7.0, None, None));
        let flat = mean_interval(&[2.0, 2.0, 2.0]);
        assert_eq!((flat.lo, flat.hi), (Some(2.0), Some(2.0)));
    }

    #[test]
    fn quantiles_follow_definition_8() {
        // n = 4, τ = 0.5: h = 4.333·0.5 + 0.333 = 2.5 → halfway between x(2) = 2 and x(3) = 3.
        close(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), 2.5, 1e-12);
        // τ = 0.95: h = 4.45 ≥ n → the maximum.
        close(quantile(&[4.0, 1.0, 3.0, 2.0], 0.95), 4.0, 1e-12);
        // n = 10, τ = 0.95: h = 10.333·0.95 + 0.333 = 10.15 ≥ 10 → the maximum.
        let xs: Vec<f64> = (1..=10).map(f64::from).collect();
        close(quantile(&xs, 0.95), 10.0, 1e-12);
        // n = 100, τ = 0.95: h = 100.333·0.95 + 0.333 = 95.65 → 95 + 0.65·(96 − 95) = 95.65.
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        close(quantile(&xs, 0.95), 95.65, 1e-9);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn point_stats_count_outcomes() {
        let run = |k: bool, m: bool, rss: f64| RunObservation {
            oom_killed: k,
            managed_oom: m,
            peak_rss_bytes: rss,
            time_in_gc_pct: 1.0,
            pause_p99_ms: rss / 1e9,
        };
        let s = PointStats::from_runs(&[
            run(true, false, 3e9),
            run(false, false, 1e9),
            run(false, true, 2e9),
            run(false, false, 2e9),
        ]);
        assert_eq!(s.runs, 4);
        assert_eq!(s.oom_kill.count, 1);
        assert_eq!(s.managed_oom.count, 1);
        close(s.peak_rss_mean, 2e9, 1e-3);
        close(s.peak_rss_p50, 2e9, 1e-3);
        close(s.peak_rss_max, 3e9, 1e-3);
        close(s.pause_p99_max_ms, 3.0, 1e-12);
    }
}
