//! Service-level objectives a recommended limit must meet, and how a set of replications is
//! judged against them.
//!
//! | SLO | statistic over the replications | judged on | default |
//! |---|---|---|---|
//! | `oom_risk` | share of runs that end in an OOM kill or a managed OutOfMemoryException | the upper end of its Wilson 95 % interval | 1 % |
//! | `gc_time_pct` | mean share of running time paused by the GC, percent | the upper end of its Student-t 95 % interval | 5 % |
//! | `p99_pause` | mean of each run's 99th-percentile GC pause, seconds | the upper end of its Student-t 95 % interval | off |
//! | `headroom` | 95th percentile of the runs' peak resident memory ÷ the limit | the point estimate | off |
//!
//! A limit **passes** when every SLO passes on those upper ends. It **fails** as soon as one SLO
//! cannot pass: the lower end of the interval is above the objective, or (for `oom_risk`) the
//! failures seen so far keep the upper end above the objective even if every remaining run up
//! to the replication cap survived. Otherwise it is **undecided** and more replications are run;
//! a limit still undecided at the cap fails.

use std::fmt;

use crate::sweep::stats::{MeanInterval, Proportion, mean_interval, quantile, wilson};

/// The objectives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slos {
    /// Highest acceptable P(OOM kill or managed OOM within the horizon), 0–1.
    pub oom_risk: f64,
    /// Highest acceptable mean time in GC, percent of running time.
    pub gc_time_pct: f64,
    /// Highest acceptable mean p99 GC pause, seconds.
    pub p99_pause_s: Option<f64>,
    /// Highest acceptable peak resident memory as a share of the limit, 0–1.
    pub headroom: Option<f64>,
}

impl Default for Slos {
    fn default() -> Self {
        Slos {
            oom_risk: 0.01,
            gc_time_pct: 5.0,
            p99_pause_s: None,
            headroom: None,
        }
    }
}

/// The SLO keys, as written in `--slo KEY=VALUE` and in `[plan]`.
pub const SLO_KEYS: [&str; 4] = ["oom_risk", "gc_time_pct", "p99_pause", "headroom"];

impl Slos {
    /// Sets the SLO `key` from its text (`1%`, `0.01`, `5`, `50ms`, `90%`); the error says what
    /// the key takes.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), String> {
        let t = text.trim();
        match key {
            "oom_risk" => {
                let p = share(t).ok_or_else(|| {
                    format!(
                        "expected a probability such as 0.01 or \"1%\", found {t:?} (between 0 and 1, exclusive)"
                    )
                })?;
                if !(p > 0.0 && p < 1.0) {
                    return Err(format!(
                        "{t} is not a probability between 0 and 1 (exclusive)"
                    ));
                }
                self.oom_risk = p;
            }
            "gc_time_pct" => {
                let pct = match t.strip_suffix('%') {
                    Some(n) => n.trim().parse::<f64>().ok(),
                    None => t.parse::<f64>().ok(),
                }
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    format!(
                        "expected a percentage of running time such as 5 or \"5%\", found {t:?}"
                    )
                })?;
                if !(pct > 0.0 && pct < 100.0) {
                    return Err(format!(
                        "{t} is not a percentage between 0 and 100 (exclusive)"
                    ));
                }
                self.gc_time_pct = pct;
            }
            "p99_pause" => {
                let d = crate::scenario::duration::parse_duration(t).map_err(|e| {
                    format!("expected a duration such as \"50ms\", found {t:?}: {e}")
                })?;
                let s = d.as_secs_f64();
                if s <= 0.0 {
                    return Err("must be longer than zero".into());
                }
                self.p99_pause_s = Some(s);
            }
            "headroom" => {
                let h = share(t).ok_or_else(|| {
                    format!(
                        "expected the highest peak resident memory as a share of the limit, such as 0.9 or \"90%\", found {t:?}"
                    )
                })?;
                if !(h > 0.0 && h <= 1.0) {
                    return Err(format!("{t} is not a share between 0 (exclusive) and 1"));
                }
                self.headroom = Some(h);
            }
            other => {
                return Err(format!(
                    "unknown SLO {other:?} (one of {})",
                    SLO_KEYS.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The objectives for people: `oom_risk ≤ 1%, gc_time_pct ≤ 5%`.
    pub fn describe(&self) -> String {
        let mut parts = vec![
            format!("oom_risk ≤ {}%", trim(self.oom_risk * 100.0)),
            format!("gc_time_pct ≤ {}%", trim(self.gc_time_pct)),
        ];
        if let Some(p) = self.p99_pause_s {
            parts.push(format!("p99_pause ≤ {} ms", trim(p * 1000.0)));
        }
        if let Some(h) = self.headroom {
            parts.push(format!(
                "headroom: peak ≤ {}% of the limit",
                trim(h * 100.0)
            ));
        }
        parts.join(", ")
    }

    /// The fewest runs that can show `oom_risk` with no failure at all (the upper end of the
    /// Wilson interval of 0 in n at or below the objective), or `None` above `cap`.
    pub fn runs_to_show_oom_risk(&self, cap: u64) -> Option<u64> {
        runs_to_pass(0, self.oom_risk, cap)
    }
}

/// A probability or share: `0.01`, `1%`.
fn share(t: &str) -> Option<f64> {
    let v = match t.strip_suffix('%') {
        Some(n) => n.trim().parse::<f64>().ok()? / 100.0,
        None => t.parse::<f64>().ok()?,
    };
    v.is_finite().then_some(v)
}

/// A number without trailing zeros (at most 4 decimals).
fn trim(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The fewest runs `n ≤ cap` with `failures` failures whose Wilson upper end is at or below
/// `risk` (the upper end falls as n grows with the failures fixed).
pub fn runs_to_pass(failures: u64, risk: f64, cap: u64) -> Option<u64> {
    if wilson(failures, cap).hi > risk {
        return None;
    }
    let (mut lo, mut hi) = (failures.max(1), cap);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if wilson(failures, mid).hi <= risk {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// Where a limit stands against the SLOs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every SLO is met on the upper ends of the intervals.
    Pass,
    /// At least one SLO cannot be met.
    Fail,
    /// More replications are needed.
    Undecided,
}

impl Verdict {
    /// `pass`, `fail` or `undecided`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Undecided => "undecided",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the judgement reads from one run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunFacts {
    /// The run ended in an OOM kill or a managed OutOfMemoryException.
    pub failed: bool,
    /// Share of running time paused by the GC, percent.
    pub time_in_gc_pct: f64,
    /// The run's 99th-percentile GC pause, seconds.
    pub pause_p99_s: f64,
    /// Peak resident memory, bytes.
    pub peak_rss: f64,
}

/// Statistics of one limit over its replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LimitStats {
    /// Runs.
    pub runs: u64,
    /// P(OOM kill or managed OOM) with its Wilson 95 % interval.
    pub oom: Proportion,
    /// Time in GC, percent, with its t interval.
    pub gc_time_pct: MeanInterval,
    /// The runs' p99 pause, seconds, with its t interval.
    pub pause_p99_s: MeanInterval,
    /// 95th percentile of the runs' peak resident memory, bytes.
    pub peak_rss_p95: f64,
    /// Largest peak resident memory, bytes.
    pub peak_rss_max: f64,
}

impl LimitStats {
    /// Reduces runs in replication order.
    pub fn of(runs: &[RunFacts]) -> LimitStats {
        let n = runs.len() as u64;
        let k = runs.iter().filter(|r| r.failed).count() as u64;
        let gc: Vec<f64> = runs.iter().map(|r| r.time_in_gc_pct).collect();
        let p99: Vec<f64> = runs.iter().map(|r| r.pause_p99_s).collect();
        let peaks: Vec<f64> = runs.iter().map(|r| r.peak_rss).collect();
        LimitStats {
            runs: n,
            oom: wilson(k, n),
            gc_time_pct: mean_interval(&gc),
            pause_p99_s: mean_interval(&p99),
            peak_rss_p95: quantile(&peaks, 0.95),
            peak_rss_max: peaks.iter().copied().fold(0.0, f64::max),
        }
    }
}

/// One SLO's standing at one limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// The SLO key.
    pub slo: &'static str,
    /// Its verdict.
    pub verdict: Verdict,
    /// The point estimate, in the SLO's unit (probability, percent, seconds, share).
    pub value: f64,
    /// The upper end it is judged on (the point estimate when there is no interval).
    pub upper: f64,
    /// The objective.
    pub objective: f64,
}

/// The standing of one limit against every SLO.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    /// One check per SLO in force, in [`SLO_KEYS`] order.
    pub checks: Vec<Check>,
    /// Fail if any check fails, pass if all pass, else undecided.
    pub verdict: Verdict,
    /// What the point estimates say (for steering the search before a decision): every SLO's
    /// point estimate meets its objective.
    pub looks_good: bool,
}

impl Judgement {
    /// The SLOs that fail (or, when undecided, whose point estimates miss), `;`-separated.
    pub fn failing(&self) -> String {
        self.checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .map(|c| c.slo)
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// Judges `stats` of a limit `limit_bytes` against `slos`, with at most `cap` replications and
/// `min_runs` runs before `headroom` (a point estimate) is decided.
pub fn judge(
    stats: &LimitStats,
    slos: &Slos,
    limit_bytes: f64,
    cap: u64,
    min_runs: u64,
) -> Judgement {
    let n = stats.runs;
    let at_cap = n >= cap;
    let mut checks = Vec::new();

    // OOM risk: Wilson interval.
    let o = stats.oom;
    let impossible = wilson(o.count, cap.max(n)).hi > slos.oom_risk;
    let verdict = if n > 0 && o.hi <= slos.oom_risk {
        Verdict::Pass
    } else if n > 0 && (o.lo > slos.oom_risk || impossible || at_cap) {
        Verdict::Fail
    } else {
        Verdict::Undecided
    };
    checks.push(Check {
        slo: "oom_risk",
        verdict,
        value: o.p,
        upper: o.hi,
        objective: slos.oom_risk,
    });

    let mean_check = |slo: &'static str, m: &MeanInterval, objective: f64| {
        let verdict = match (m.lo, m.hi) {
            (_, Some(hi)) if hi <= objective => Verdict::Pass,
            (Some(lo), _) if lo > objective => Verdict::Fail,
            _ if at_cap => Verdict::Fail,
            _ => Verdict::Undecided,
        };
        Check {
            slo,
            verdict,
            value: m.mean,
            upper: m.hi.unwrap_or(m.mean),
            objective,
        }
    };
    checks.push(mean_check(
        "gc_time_pct",
        &stats.gc_time_pct,
        slos.gc_time_pct,
    ));
    if let Some(p) = slos.p99_pause_s {
        checks.push(mean_check("p99_pause", &stats.pause_p99_s, p));
    }
    if let Some(h) = slos.headroom {
        let share = if limit_bytes > 0.0 {
            stats.peak_rss_p95 / limit_bytes
        } else {
            f64::INFINITY
        };
        let verdict = if n < min_runs.min(cap) {
            Verdict::Undecided
        } else if share <= h {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        checks.push(Check {
            slo: "headroom",
            verdict,
            value: share,
            upper: share,
            objective: h,
        });
    }
    let verdict = if checks.iter().any(|c| c.verdict == Verdict::Fail) {
        Verdict::Fail
    } else if checks.iter().all(|c| c.verdict == Verdict::Pass) {
        Verdict::Pass
    } else {
        Verdict::Undecided
    };
    let looks_good = verdict == Verdict::Pass
        || (verdict == Verdict::Undecided && checks.iter().all(|c| c.value <= c.objective));
    Judgement {
        checks,
        verdict,
        looks_good,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(failed: bool, gc: f64) -> RunFacts {
        RunFacts {
            failed,
            time_in_gc_pct: gc,
            pause_p99_s: 0.002,
            peak_rss: 1e9,
        }
    }

    #[test]
    fn values_take_percentages_shares_and_durations() {
        let mut s = Slos::default();
        s.set("oom_risk", "0.5%").unwrap();
        assert!((s.oom_risk - 0.005).abs() < 1e-12);
        s.set("oom_risk", "0.02").unwrap();
        assert_eq!(s.oom_risk, 0.02);
        s.set("gc_time_pct", "3").unwrap();
        s.set("gc_time_pct", "2.5%").unwrap();
        assert_eq!(s.gc_time_pct, 2.5);
        s.set("p99_pause", "50ms").unwrap();
        assert_eq!(s.p99_pause_s, Some(0.05));
        s.set("headroom", "90%").unwrap();
        assert_eq!(s.headroom, Some(0.9));
        for (k, v) in [
            ("oom_risk", "1"),
            ("oom_risk", "5"),
            ("oom_risk", "lots"),
            ("gc_time_pct", "0"),
            ("gc_time_pct", "150"),
            ("p99_pause", "50"),
            ("headroom", "1.5"),
            ("latency", "1s"),
        ] {
            assert!(s.set(k, v).is_err(), "{k}={v} accepted");
        }
        assert!(s.describe().contains("oom_risk ≤ 2%"), "{}", s.describe());
    }

    #[test]
    fn one_percent_needs_381_clean_runs() {
        let s = Slos::default();
        assert_eq!(s.runs_to_show_oom_risk(400), Some(381));
        assert!(wilson(0, 381).hi <= 0.01 && wilson(0, 380).hi > 0.01);
        assert_eq!(s.runs_to_show_oom_risk(300), None);
        assert_eq!(runs_to_pass(1, 0.1, 400), Some(wilson_n(1, 0.1)));
    }

    fn wilson_n(k: u64, risk: f64) -> u64 {
        (1..10_000)
            .find(|n| *n >= k && wilson(k, *n).hi <= risk)
            .unwrap()
    }

    #[test]
    fn a_failure_decides_when_no_cap_can_pass() {
        let s = Slos::default();
        let mut runs: Vec<RunFacts> = (0..20).map(|_| facts(false, 1.0)).collect();
        let j = judge(&LimitStats::of(&runs), &s, 1e9, 400, 20);
        assert_eq!(j.verdict, Verdict::Undecided);
        assert!(j.looks_good);
        runs[7].failed = true;
        let j = judge(&LimitStats::of(&runs), &s, 1e9, 400, 20);
        // 1 failure: even 400 runs leave the upper end at 1.4 % > 1 %.
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(j.failing(), "oom_risk");
        // With a 10 % objective one failure in 20 is not decisive.
        let loose = Slos {
            oom_risk: 0.1,
            ..Slos::default()
        };
        let j = judge(&LimitStats::of(&runs), &loose, 1e9, 400, 20);
        assert_eq!(j.verdict, Verdict::Undecided);
        let clean: Vec<RunFacts> = (0..381).map(|_| facts(false, 1.0)).collect();
        let j = judge(&LimitStats::of(&clean), &s, 1e9, 400, 20);
        assert_eq!(j.verdict, Verdict::Pass);
    }

    #[test]
    fn gc_time_is_judged_on_its_interval() {
        let s = Slos::default();
        let high: Vec<RunFacts> = (0..10)
            .map(|i| facts(false, 6.0 + i as f64 * 0.01))
            .collect();
        let j = judge(&LimitStats::of(&high), &s, 1e9, 400, 10);
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(j.failing(), "gc_time_pct");
        // Straddling the objective stays undecided below the cap and fails at it.
        let near: Vec<RunFacts> = (0..10)
            .map(|i| facts(false, 4.0 + i as f64 * 0.2))
            .collect();
        let j = judge(&LimitStats::of(&near), &s, 1e9, 400, 10);
        assert_eq!(j.checks[1].verdict, Verdict::Undecided);
        let j = judge(&LimitStats::of(&near), &s, 1e9, 10, 10);
        assert_eq!(j.checks[1].verdict, Verdict::Fail);
    }

    #[test]
    fn headroom_compares_the_p95_peak_with_the_limit() {
        let s = Slos {
            headroom: Some(0.8),
            ..Slos::default()
        };
        let runs: Vec<RunFacts> = (0..20).map(|_| facts(false, 1.0)).collect();
        let j = judge(&LimitStats::of(&runs), &s, 1.2e9, 400, 20);
        assert_eq!(j.checks[2].verdict, Verdict::Fail);
        let j = judge(&LimitStats::of(&runs), &s, 1.3e9, 400, 20);
        assert_eq!(j.checks[2].verdict, Verdict::Pass);
    }
}
