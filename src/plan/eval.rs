//! Replications of one configuration at candidate limits, run in parallel batches, cached, and
//! judged against the SLOs after each batch (sequential testing).
//!
//! **Seeds.** Replication `r` of every limit (and of every `also` combination) runs with the
//! seed [`replication_seed`]`(plan seed, r)`: the same traffic, bursts and keys at every limit
//! (common random numbers), so that two limits differ only by the limit. A limit's statistics
//! are always over replications `0..n`, a prefix, whatever the order the batches ran in.
//!
//! **Batches.** A limit first runs [`super::PlanSettings::replications`] replications; after
//! each batch it is judged ([`super::slo::judge`]); an undecided limit gets more: twice as many,
//! or just enough to show `oom_risk` if no further run failed, up to the cap. Within a batch,
//! runs go to a rayon pool and come back in replication order; the batch stops early (results
//! after that replication are dropped) once a failure makes `oom_risk` impossible to meet.
//! Nothing depends on the number of threads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::budget::{process_kind, process_size_key};
use crate::scenario::load::{Config, Entry, Source, Value, scenario_from_config};
use crate::sim::observe::{Observer, Outcome, Sample};
use crate::sim::{RunSpec, simulate};
use crate::sweep::run::{RunError, run_in_order};
use crate::sweep::run_seed;

use super::settings::PlanSettings;
use super::slo::{Judgement, LimitStats, RunFacts, Verdict, judge, runs_to_pass};

const MIB: u64 = 1 << 20;

/// The seed of replication `replication` of every limit in a plan seeded with `plan_seed`.
pub fn replication_seed(plan_seed: u64, replication: u64) -> u64 {
    run_seed(plan_seed, 0, replication)
}

/// The seed of history run `run` (the metrics the heuristics learn from): a stream of its own,
/// so that the history is not one of the futures the limits are judged on.
pub fn history_seed(plan_seed: u64, run: u64) -> u64 {
    run_seed(plan_seed, 1, run)
}

/// How a candidate value becomes the pod's memory.
#[derive(Clone, Debug, PartialEq)]
pub enum Sizing {
    /// The candidate is `pod.limits.memory`; the request follows it down when above it.
    PodLimit,
    /// A Flink Kubernetes Operator FlinkDeployment: the candidate is the process size the
    /// operator is given; it requests the process size in whole MiB and limits the pod to that
    /// many MiB times `factor`, truncated.
    Operator {
        /// `flink.<process>.memory.process.size`.
        process_key: String,
        /// `kubernetes.<process>.memory.limit-factor` (≥ 1).
        factor: f64,
    },
}

impl Sizing {
    /// The operator sizing when the process size of `config` came from a FlinkDeployment
    /// manifest (with that manifest's limit factor), else the pod limit.
    pub fn of(config: &Config, operator_factor: Option<f64>) -> Sizing {
        let key = process_size_key(process_kind(config));
        let from_manifest = config
            .entries
            .get(&key)
            .is_some_and(|e| matches!(e.source, Source::Manifest { .. }));
        match operator_factor {
            Some(factor) if from_manifest => Sizing::Operator {
                process_key: key,
                factor,
            },
            _ => Sizing::PodLimit,
        }
    }

    /// The pod limit of candidate `x`, bytes.
    pub fn limit_of(&self, x: u64) -> u64 {
        match self {
            Sizing::PodLimit => x,
            Sizing::Operator { factor, .. } => ((x / MIB) as f64 * factor).trunc() as u64 * MIB,
        }
    }

    /// The pod request of candidate `x` given the configuration's request, bytes.
    pub fn request_of(&self, x: u64, configured: Option<u64>) -> Option<u64> {
        match self {
            Sizing::PodLimit => configured.map(|r| r.min(x)),
            Sizing::Operator { .. } => Some(x / MIB * MIB),
        }
    }

    /// The smallest candidate whose pod limit is at least `limit`, on the grid of `step`.
    pub fn candidate_for_limit(&self, limit: u64, step: u64) -> u64 {
        let raw = match self {
            Sizing::PodLimit => limit,
            Sizing::Operator { factor, .. } => (limit as f64 / factor).ceil() as u64,
        };
        let mut x = raw.div_ceil(step).max(1) * step;
        while self.limit_of(x) < limit {
            x += step;
        }
        x
    }

    /// The candidate the configuration has now, if any.
    pub fn current(&self, config: &Config) -> Option<u64> {
        let key = match self {
            Sizing::PodLimit => "pod.limits.memory",
            Sizing::Operator { process_key, .. } => process_key.as_str(),
        };
        match config.get(key) {
            Some(Value::Bytes(b)) => Some(*b),
            _ => None,
        }
    }

    /// Sets the pod's memory of `config` for candidate `x` (values sourced as `--set`, so that
    /// the memory budget treats them as given).
    pub fn apply(&self, config: &mut Config, x: u64) {
        let configured = match config.get("pod.requests.memory") {
            Some(Value::Bytes(b)) => Some(*b),
            _ => None,
        };
        let limit = self.limit_of(x);
        let mut put = |key: &str, b: u64| {
            config.entries.insert(
                key.to_string(),
                Entry {
                    value: Value::Bytes(b),
                    source: Source::Set,
                },
            );
        };
        put("pod.limits.memory", limit);
        if let Some(r) = self.request_of(x, configured) {
            put("pod.requests.memory", r);
        }
        if let Sizing::Operator { process_key, .. } = self {
            put(process_key, x);
        }
    }
}

/// A log-bucketed histogram of byte counts (1 % buckets from 1 MiB), mergeable in any order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogHistogram {
    counts: Vec<u64>,
    total: u64,
}

const GROWTH: f64 = 1.01;

impl LogHistogram {
    fn bucket(bytes: f64) -> usize {
        let m = bytes / MIB as f64;
        if m <= 1.0 {
            0
        } else {
            (m.ln() / GROWTH.ln()).floor() as usize + 1
        }
    }

    /// Adds one value.
    pub fn add(&mut self, bytes: f64) {
        let b = Self::bucket(bytes.max(0.0)).min(4000);
        if b >= self.counts.len() {
            self.counts.resize(b + 1, 0);
        }
        self.counts[b] += 1;
        self.total += 1;
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &LogHistogram) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
    }

    /// Values added.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `q`-quantile, bytes: the upper edge of its bucket (at most 1 % high); 0 if empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return MIB as f64 * GROWTH.powi(b as i32);
            }
        }
        0.0
    }
}

/// Collects resident memory after the warm-up (while the process runs).
struct RssObserver {
    warmup_s: f64,
    hist: LogHistogram,
}

impl Observer for RssObserver {
    fn on_sample(&mut self, s: &Sample) {
        if s.running && s.time_s >= self.warmup_s {
            self.hist.add(s.rss);
        }
    }
}

/// What one run left behind.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    /// Replication index.
    pub replication: u64,
    /// How the run ended (its first failure).
    pub outcome: Outcome,
    /// When the first failure happened, seconds.
    pub outcome_time_s: Option<f64>,
    /// Share of running time paused by the GC, percent.
    pub time_in_gc_pct: f64,
    /// 99th-percentile GC pause, seconds.
    pub pause_p99_s: f64,
    /// Peak resident memory, bytes.
    pub peak_rss: f64,
    /// When it was reached, seconds.
    pub peak_rss_time_s: f64,
}

impl RunRecord {
    /// The facts the SLOs judge.
    pub fn facts(&self) -> RunFacts {
        RunFacts {
            failed: self.outcome != Outcome::Ok,
            time_in_gc_pct: self.time_in_gc_pct,
            pause_p99_s: self.pause_p99_s,
            peak_rss: self.peak_rss,
        }
    }
}

/// One candidate limit and its replications so far.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitEval {
    /// The candidate (the pod limit, or a FlinkDeployment's process size), bytes.
    pub x: u64,
    /// The pod limit, bytes.
    pub limit: u64,
    /// The pod request the runs had, bytes.
    pub request: Option<u64>,
    /// Why the configuration cannot run at this limit (the memory budget or a cross-key rule).
    pub invalid: Option<String>,
    /// The run (its seed is replaced per replication).
    pub spec: Option<RunSpec>,
    /// Runs of replications `0..n`, in order.
    pub runs: Vec<RunRecord>,
    /// Resident memory after the warm-up over every run.
    pub rss: LogHistogram,
    /// Statistics over the runs.
    pub stats: LimitStats,
    /// Standing against the SLOs.
    pub judgement: Judgement,
}

impl LimitEval {
    /// Whether the limit is decided (pass or fail).
    pub fn decided(&self) -> bool {
        self.judgement.verdict != Verdict::Undecided
    }

    /// Whether the limit passes, or (undecided) looks as if it will.
    pub fn looks_good(&self) -> bool {
        self.judgement.looks_good
    }

    /// The verdict in `plan.csv`: `pass`, `fail`, `invalid`, or for a limit only screened
    /// `screened pass` / `screened fail`.
    pub fn verdict_text(&self) -> &'static str {
        match (self.invalid.is_some(), self.judgement.verdict) {
            (true, _) => "invalid",
            (_, Verdict::Pass) => "pass",
            (_, Verdict::Fail) => "fail",
            (_, Verdict::Undecided) if self.looks_good() => "screened pass",
            _ => "screened fail",
        }
    }
}

/// How far to take a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// The first batch (or a decision, if one comes sooner).
    Screen,
    /// A decision (pass or fail), running up to the replication cap.
    Decide,
    /// At least this many runs (capped by the replication cap), or a decision if one comes
    /// sooner.
    Runs(u64),
}

/// Progress of a plan, for a progress bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// Runs simulated so far.
    pub runs: u64,
    /// What is being done.
    pub what: String,
}

/// What every evaluation shares.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// The settings.
    pub settings: PlanSettings,
    /// The scenario file (names runs).
    pub source: PathBuf,
    /// The plan seed.
    pub seed: u64,
    /// Worker threads (0: one per CPU).
    pub threads: usize,
    /// How candidates become the pod's memory.
    pub sizing: Sizing,
    /// Resident memory before this time is left out of the request, seconds.
    pub warmup_s: f64,
}

/// Why a batch stopped early.
#[derive(Debug)]
enum Stop {
    /// `oom_risk` can no longer be met.
    Decided,
}

/// One configuration (the scenario, or one combination of `also` values) at candidate limits.
#[derive(Clone, Debug)]
pub struct Evaluator {
    /// The configuration without the limit.
    pub config: Config,
    /// Limits evaluated so far, by candidate.
    pub evals: BTreeMap<u64, LimitEval>,
    /// Runs simulated so far: this evaluator's, added to whatever count the caller set (a plan
    /// keeps one count over all its evaluators).
    pub runs: u64,
}

/// Fatal problems while evaluating.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The worker threads could not start.
    #[error("{0}")]
    Pool(String),
}

impl Evaluator {
    /// An evaluator of `config`.
    pub fn new(config: Config) -> Evaluator {
        Evaluator {
            config,
            evals: BTreeMap::new(),
            runs: 0,
        }
    }

    /// The configuration at candidate `x`.
    pub fn config_at(&self, ctx: &RunContext, x: u64) -> Config {
        let mut c = self.config.clone();
        ctx.sizing.apply(&mut c, x);
        c
    }

    fn entry(&mut self, ctx: &RunContext, x: u64) -> &mut LimitEval {
        if !self.evals.contains_key(&x) {
            let config = self.config_at(ctx, x);
            let limit = ctx.sizing.limit_of(x);
            let request = match config.get("pod.requests.memory") {
                Some(Value::Bytes(b)) => Some(*b),
                _ => None,
            };
            let built = scenario_from_config(&config, Some(&ctx.source), None);
            let (spec, invalid) = match built {
                Ok(s) => (Some(s.spec), None),
                Err(e) => (None, Some(e.problem.replace('\n', " "))),
            };
            let stats = LimitStats::of(&[]);
            let judgement = match &invalid {
                Some(_) => Judgement {
                    checks: Vec::new(),
                    verdict: Verdict::Fail,
                    looks_good: false,
                },
                None => self::judge_at(ctx, &stats, limit),
            };
            self.evals.insert(
                x,
                LimitEval {
                    x,
                    limit,
                    request,
                    invalid,
                    spec,
                    runs: Vec::new(),
                    rss: LogHistogram::default(),
                    stats,
                    judgement,
                },
            );
        }
        self.evals.get_mut(&x).expect("inserted above")
    }

    /// Takes candidate `x` to `depth`; returns its evaluation.
    pub fn ensure(
        &mut self,
        ctx: &RunContext,
        x: u64,
        depth: Depth,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<&LimitEval, EvalError> {
        let cap = ctx.settings.max_replications;
        let first = ctx.settings.replications.min(cap);
        loop {
            let e = self.entry(ctx, x);
            if e.invalid.is_some() || e.decided() {
                break;
            }
            let n = e.runs.len() as u64;
            let enough = match depth {
                Depth::Screen => n >= first,
                Depth::Decide => false,
                Depth::Runs(r) => n >= r.min(cap),
            };
            if n >= cap || enough {
                break;
            }
            let target = if n == 0 {
                first
            } else {
                let oom = &e.judgement.checks[0];
                let doubled = (2 * n).min(cap);
                if oom.verdict == Verdict::Undecided {
                    match runs_to_pass(e.stats.oom.count, ctx.settings.slos.oom_risk, cap) {
                        Some(need) if need > n => need.min(doubled),
                        _ => doubled,
                    }
                } else {
                    doubled
                }
            }
            .max(n + 1);
            let target = match depth {
                Depth::Runs(r) if r > n => target.min(r.min(cap)).max(n + 1),
                _ => target,
            };
            self.batch(ctx, x, n, target, progress)?;
        }
        Ok(&self.evals[&x])
    }

    /// Runs replications `from..to` of candidate `x`.
    fn batch(
        &mut self,
        ctx: &RunContext,
        x: u64,
        from: u64,
        to: u64,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), EvalError> {
        let e = self.evals.get_mut(&x).expect("entry exists");
        let Some(spec) = e.spec.clone() else {
            return Ok(());
        };
        let cap = ctx.settings.max_replications;
        let risk = ctx.settings.slos.oom_risk;
        let warmup = ctx.warmup_s;
        let seed = ctx.seed;
        let mut failures = e.stats.oom.count;
        let mut done = self.runs;
        let label = crate::scenario::quantity::format_quantity(e.limit);
        let result = run_in_order::<_, Stop, _, _>(
            (to - from) as usize,
            ctx.threads,
            |i| {
                let r = from + i as u64;
                let mut s = spec.clone();
                s.seed = replication_seed(seed, r);
                let mut o = RssObserver {
                    warmup_s: warmup,
                    hist: LogHistogram::default(),
                };
                let sum = simulate(&s, &mut o);
                Ok((
                    RunRecord {
                        replication: r,
                        outcome: sum.outcome,
                        outcome_time_s: sum.outcome_time_s,
                        time_in_gc_pct: sum.time_in_gc_pct,
                        pause_p99_s: sum.pause_p99_s,
                        peak_rss: sum.peak_rss,
                        peak_rss_time_s: sum.peak_rss_time_s,
                    },
                    o.hist,
                ))
            },
            |_, batch| {
                for (record, hist) in batch {
                    if record.outcome != Outcome::Ok {
                        failures += 1;
                    }
                    e.runs.push(record);
                    e.rss.merge(&hist);
                    done += 1;
                    if crate::sweep::stats::wilson(failures, cap).hi > risk {
                        return Err(Stop::Decided);
                    }
                }
                progress(&Progress {
                    runs: done,
                    what: format!("{label}: {} runs", e.runs.len()),
                });
                Ok(())
            },
        );
        match result {
            Ok(()) | Err(RunError::Failed(Stop::Decided)) => {}
            Err(RunError::Pool { threads, message }) => {
                return Err(EvalError::Pool(format!(
                    "cannot start {threads} worker threads: {message}"
                )));
            }
        }
        self.runs = done;
        let facts: Vec<RunFacts> = e.runs.iter().map(RunRecord::facts).collect();
        e.stats = LimitStats::of(&facts);
        e.judgement = judge_at(ctx, &e.stats, e.limit);
        Ok(())
    }
}

fn judge_at(ctx: &RunContext, stats: &LimitStats, limit: u64) -> Judgement {
    judge(
        stats,
        &ctx.settings.slos,
        limit as f64,
        ctx.settings.max_replications,
        ctx.settings.replications,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_one_percent_and_merge() {
        let mut a = LogHistogram::default();
        let mut b = LogHistogram::default();
        for i in 1..=1000 {
            let v = i as f64 * MIB as f64;
            if i % 2 == 0 { a.add(v) } else { b.add(v) }
        }
        a.merge(&b);
        assert_eq!(a.count(), 1000);
        let p95 = a.quantile(0.95) / MIB as f64;
        assert!((950.0..=960.0).contains(&p95), "{p95}");
        assert_eq!(LogHistogram::default().quantile(0.5), 0.0);
    }

    #[test]
    fn operator_sizing_follows_the_limit_factor() {
        let s = Sizing::Operator {
            process_key: "flink.taskmanager.memory.process.size".into(),
            factor: 1.5,
        };
        assert_eq!(s.limit_of(4096 * MIB), 6144 * MIB);
        assert_eq!(s.request_of(4096 * MIB + 5, None), Some(4096 * MIB));
        let x = s.candidate_for_limit(3000 * MIB, 64 * MIB);
        assert!(s.limit_of(x) >= 3000 * MIB && s.limit_of(x - 64 * MIB) < 3000 * MIB);
        assert_eq!(
            Sizing::PodLimit.candidate_for_limit(1000 * MIB, 64 * MIB),
            1024 * MIB
        );
        assert_eq!(Sizing::PodLimit.request_of(MIB, Some(2 * MIB)), Some(MIB));
    }
}
