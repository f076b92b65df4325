//! Capacity planning (`memsim plan`): the smallest pod memory limit, on a grid of `step` bytes,
//! whose simulated replications meet every SLO, the split and GC settings that go with it, an
//! explanation of what fills the memory at the peak, and how the usual percentile-of-history
//! heuristics would have sized the same pod.
//!
//! **Search.** A probe run at a generous limit gives the peak resident memory; the first
//! candidate is 25 % above it. The search brackets the answer (doubling up while the candidate
//! fails, halving down while it passes), bisects the bracket down to one step, and then confirms:
//! the smallest limit that looked good is taken to a decision (pass or fail, see
//! [`slo::judge`]), and so is the step below it, moving up or down until a limit passes and the
//! step below fails. Screening costs [`PlanSettings::replications`] runs per limit; a decision
//! up to [`PlanSettings::max_replications`], fewer when a failure decides early. Every limit
//! runs the same replication seeds (common random numbers), so the search is the same whatever
//! the thread count.
//!
//! **The split follows the limit.** Each candidate sets `pod.limits.memory` (sourced as
//! `--set`); with `memory.budget = "flink"` Flink's process size, and so the GC heap hard limit,
//! the network pool and the RocksDB block cache, are derived from it; otherwise the runtime's own
//! default hard limit (75 % of the limit) or the scenario's `gc.heap_hard_limit_percent`
//! follows it.
//!
//! **Heuristics.** The scenario runs at the generous limit for [`PlanSettings::history_s`] of
//! simulated time (whole runs with seeds of their own) while a simulated scraper reads resident
//! memory every [`PlanSettings::scrape_s`]; from those samples come the VPA-style (p90 + 15 %),
//! KRR-style (max + 15 %) and Flink-operator-style (max + 20 %) limits, each then simulated on the
//! same replications as memsim's own candidates.

pub mod eval;
pub mod explain;
pub mod output;
pub mod settings;
pub mod slo;

use std::path::PathBuf;

use crate::budget::ProcessKind;
use crate::config::budget::process_kind;
use crate::scenario::load::{Config, Entry, Source, Value, scenario_from_config};
use crate::scenario::manifest::{FlinkComponent, ObjectKind};
use crate::sim::observe::{Observer, Outcome, Sample};
use crate::sim::{RunSpec, simulate};
use crate::sweep::run::{RunError, run_in_order};
use crate::sweep::space::AxisValue;

pub use eval::{Depth, EvalError, Evaluator, LimitEval, Progress, RunContext, Sizing};
pub use explain::Explanation;
pub use settings::{AlsoKey, Override, PlanSettings, read_settings};
pub use slo::{Slos, Verdict};

const MIB: u64 = 1 << 20;

/// Where the recommendation is to be applied: the Kubernetes object and container the patch
/// names.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The object's kind (a Deployment unless a manifest says otherwise).
    pub kind: ObjectKind,
    /// Its `metadata.name`, if known.
    pub name: Option<String>,
    /// The container.
    pub container: String,
    /// For a FlinkDeployment: the TaskManager or the JobManager.
    pub component: FlinkComponent,
    /// For a FlinkDeployment: the operator's limit factor (pod limit ÷ process size).
    pub limit_factor: Option<f64>,
    /// For a FlinkDeployment: the object as written (its pod template's container list goes
    /// into the patch whole, since a JSON merge patch replaces lists).
    pub object: Option<serde_json::Value>,
}

impl Target {
    /// A Deployment whose container is named after the process (`taskmanager`, `jobmanager`).
    pub fn deployment_for(process: ProcessKind) -> Target {
        let (container, component) = match process {
            ProcessKind::TaskManager => ("taskmanager", FlinkComponent::TaskManager),
            ProcessKind::JobManager => ("jobmanager", FlinkComponent::JobManager),
        };
        Target {
            kind: ObjectKind::Deployment,
            name: None,
            container: container.to_string(),
            component,
            limit_factor: None,
            object: None,
        }
    }
}

/// Everything a plan starts from.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    /// The scenario's configuration from every layer, before the memory budget.
    pub config: Config,
    /// The scenario file (names the scenario when it does not name itself).
    pub source: PathBuf,
    /// The planner's settings (`[plan]` and the command line).
    pub settings: PlanSettings,
    /// Worker threads (0: one per CPU); results do not depend on it.
    pub threads: usize,
    /// Where the patch goes.
    pub target: Target,
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A problem with the inputs (one line naming the file and the field).
    #[error("{0}")]
    Input(String),
    /// Even the largest limit tried misses an SLO.
    #[error("{0}")]
    Infeasible(String),
    /// The worker threads could not start.
    #[error("{0}")]
    Pool(String),
}

impl From<EvalError> for PlanError {
    fn from(e: EvalError) -> Self {
        PlanError::Pool(e.to_string())
    }
}

/// How the search for one configuration ended.
#[derive(Clone, Debug, PartialEq)]
pub enum SearchOutcome {
    /// The smallest candidate meeting every SLO.
    Found {
        /// The candidate, bytes.
        x: u64,
    },
    /// Even the largest candidate fails.
    Infeasible {
        /// The largest candidate tried, bytes.
        largest: u64,
        /// The SLOs it misses and by how much.
        reason: String,
    },
}

/// One combination of `also` values, searched on its own.
#[derive(Clone, Debug)]
pub struct Variant {
    /// `(key, value label)` per `also` key (empty without `also`).
    pub values: Vec<(String, String)>,
    /// Its evaluations.
    pub evaluator: Evaluator,
    /// Its answer.
    pub outcome: SearchOutcome,
}

impl Variant {
    /// `gc.mode=server, gc.concurrent=true`, or `scenario` without `also`.
    pub fn describe(&self) -> String {
        if self.values.is_empty() {
            "scenario".to_string()
        } else {
            self.values
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// The metrics history the heuristics learn from.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// The limit the history was recorded at, bytes.
    pub limit: u64,
    /// Runs of the scenario it spans.
    pub runs: u64,
    /// Simulated time it spans, seconds.
    pub span_s: f64,
    /// Scrape interval, seconds.
    pub scrape_s: f64,
    /// Resident-memory samples the scraper took.
    pub samples: u64,
    /// 90th percentile of the samples, bytes.
    pub p90: f64,
    /// Largest sample, bytes.
    pub max: f64,
    /// The true peak over the same runs (what the scraper could have seen at best), bytes.
    pub true_peak: f64,
    /// Runs of the history that failed even at this limit.
    pub failures: u64,
}

/// One heuristic's recommendation and how it fares.
#[derive(Clone, Debug)]
pub struct Heuristic {
    /// `VPA`, `KRR` or `operator`.
    pub name: &'static str,
    /// The rule: `p90 + 15%`.
    pub rule: &'static str,
    /// Its pod limit, bytes.
    pub limit: u64,
    /// Its evaluation at that limit.
    pub eval: LimitEval,
}

/// The recommended sizing.
#[derive(Clone, Debug)]
pub struct Recommendation {
    /// The combination of `also` values chosen.
    pub variant: usize,
    /// The candidate (the pod limit, or a FlinkDeployment's process size), bytes.
    pub x: u64,
    /// `resources.limits.memory`, bytes.
    pub limit: u64,
    /// `resources.requests.memory`: the p95 of steady-state resident memory, whole MiB, never
    /// above the limit, bytes.
    pub request: u64,
    /// The evaluation at the limit.
    pub eval: LimitEval,
    /// The evaluation one step below (when above the smallest limit).
    pub below: Option<LimitEval>,
    /// The run specification at the limit (the split and GC settings it resolves to).
    pub spec: RunSpec,
    /// The configuration at the limit, memory budget applied.
    pub config: Config,
    /// Flink's split at the limit (with `memory.budget = "flink"`).
    pub budget: Option<crate::config::budget::Budget>,
    /// The GC heap hard limit the runtime applies, bytes (`None`: no hard limit).
    pub heap_hard_limit: Option<u64>,
    /// Cost of the limit per hour at `price_per_gib_hour`.
    pub cost_per_hour: Option<f64>,
}

/// A finished plan.
#[derive(Clone, Debug)]
pub struct PlanResult {
    /// The scenario's name.
    pub name: String,
    /// The settings used.
    pub settings: PlanSettings,
    /// The plan seed.
    pub seed: u64,
    /// Simulated time of one run, seconds.
    pub horizon_s: f64,
    /// The process planned for.
    pub process: ProcessKind,
    /// Where the patch goes.
    pub target: Target,
    /// How candidates become the pod's memory.
    pub sizing: Sizing,
    /// Every configuration searched.
    pub variants: Vec<Variant>,
    /// The answer.
    pub recommendation: Recommendation,
    /// The heuristics (empty with `compare = false`).
    pub heuristics: Vec<Heuristic>,
    /// The history the heuristics learnt from.
    pub history: Option<History>,
    /// What the memory holds at the peak, and why the step below fails.
    pub explanation: Explanation,
    /// Runs simulated in all (probe, search, history, heuristics, explanation).
    pub runs: u64,
    /// The manifest set an absolute GC heap hard limit, which the patch must replace (a strategic
    /// merge keeps variables it does not name, and an absolute limit overrides a percentage).
    pub replaces_absolute_heap_limit: bool,
}

/// Makes a plan. `progress` is called after every batch of runs.
pub fn plan(
    req: &PlanRequest,
    progress: &mut dyn FnMut(&Progress),
) -> Result<PlanResult, PlanError> {
    let mut req = req.clone();
    // The manifest describes the pod being resized: an absolute GC heap hard limit it sets is
    // replaced by one that follows the new limit (the patch sets it).
    let replaces_absolute_heap_limit = req
        .config
        .entries
        .get("gc.heap_hard_limit")
        .is_some_and(|e| matches!(e.source, Source::Manifest { .. }));
    if replaces_absolute_heap_limit {
        req.config.entries.remove("gc.heap_hard_limit");
    }
    let req = &req;
    let s = &req.settings;
    let base = scenario_from_config(&req.config, Some(&req.source), None)
        .map_err(|e| PlanError::Input(e.one_line()))?;
    let name = base.name.clone();
    let horizon_s = base.spec.horizon_s;
    let process = process_kind(&req.config);
    let seed = s.seed.unwrap_or(match req.config.get("scenario.seed") {
        Some(Value::Int(i)) => *i as u64,
        _ => 1,
    });
    let sizing = Sizing::of(
        &req.config,
        (req.target.kind == ObjectKind::FlinkDeployment)
            .then_some(req.target.limit_factor)
            .flatten(),
    );
    let warmup_s = s
        .warmup_s
        .unwrap_or_else(|| (horizon_s * 0.1).min(900.0))
        .min(horizon_s * 0.5);
    let ctx = RunContext {
        settings: s.clone(),
        source: req.source.clone(),
        seed,
        threads: req.threads,
        sizing: sizing.clone(),
        warmup_s,
    };
    let step = s.step;
    let node = match req.config.get("machine.node_memory") {
        Some(Value::Bytes(b)) => *b,
        _ => 64 << 30,
    };
    // `min` and `max` are pod limits; candidates are what the sizing turns into one (the
    // process size of a FlinkDeployment, whose pod limit is that times the limit factor).
    let max_limit = s.max.unwrap_or(node);
    let mut max_x = (max_limit / step).max(1) * step;
    while max_x > step && sizing.limit_of(max_x) > max_limit {
        max_x -= step;
    }
    let min_x = sizing.candidate_for_limit(s.min.unwrap_or(step), step);
    if min_x > max_x {
        return Err(PlanError::Input(format!(
            "[plan] min ({}) is above max ({})",
            quantity(min_x),
            quantity(max_x)
        )));
    }
    let current = sizing.current(&req.config);
    let observe_x = match s.observe {
        Some(o) => sizing.candidate_for_limit(o, MIB),
        None => current.map_or(max_x, |c| c.saturating_mul(2).min(max_x)),
    };
    let mut runs = 0u64;

    // Probe: one run at a generous limit (the largest if that one fails).
    let mut probe_at = |x: u64, runs: &mut u64| -> (bool, f64, Option<String>) {
        let mut config = req.config.clone();
        sizing.apply(&mut config, x);
        let mut spec = match scenario_from_config(&config, Some(&req.source), None) {
            Ok(s) => s.spec,
            Err(e) => return (false, 0.0, Some(e.problem.replace('\n', " "))),
        };
        spec.seed = eval::replication_seed(seed, 0);
        let sum = simulate(&spec, &mut crate::sim::observe::NullObserver);
        *runs += 1;
        progress(&Progress {
            runs: *runs,
            what: format!("probe at {}", quantity(sizing.limit_of(x))),
        });
        let why = (sum.outcome != Outcome::Ok).then(|| {
            format!(
                "replication 0 ends {} after {}",
                sum.outcome.name(),
                explain::clock(sum.outcome_time_s.unwrap_or(0.0))
            )
        });
        (sum.outcome == Outcome::Ok, sum.peak_rss, why)
    };
    let (mut ok, mut peak, mut why) = probe_at(observe_x, &mut runs);
    let mut observe_x = observe_x;
    if !ok && observe_x < max_x {
        observe_x = max_x;
        (ok, peak, why) = probe_at(max_x, &mut runs);
    }
    if !ok {
        return Err(PlanError::Infeasible(format!(
            "{name}: the SLOs cannot be met: even the largest limit, {}, fails ({}); raise [plan] max (--max) or machine.node_memory, or change the scenario",
            quantity(sizing.limit_of(observe_x)),
            why.unwrap_or_default()
        )));
    }
    let start = match s.start {
        Some(st) => sizing.candidate_for_limit(st, step),
        None => sizing.candidate_for_limit((peak * 1.25) as u64, step),
    }
    .clamp(min_x, max_x);

    // The configurations: the scenario, or every combination of `also` values.
    let mut variants = Vec::new();
    for values in combinations(&s.also) {
        let mut config = req.config.clone();
        let mut labels = Vec::new();
        for (a, v) in s.also.iter().zip(&values) {
            a.axis
                .apply(&mut config, v, &req.config.path)
                .map_err(|e| PlanError::Input(e.one_line()))?;
            labels.push((a.axis.key.clone(), v.label.clone()));
        }
        variants.push(Variant {
            values: labels,
            evaluator: Evaluator::new(config),
            outcome: SearchOutcome::Infeasible {
                largest: 0,
                reason: String::new(),
            },
        });
    }
    for v in &mut variants {
        v.evaluator.runs = runs;
        v.outcome = search(&mut v.evaluator, &ctx, start, min_x, max_x, progress)?;
        runs = v.evaluator.runs;
    }
    let best = variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v.outcome {
            SearchOutcome::Found { x } => {
                let gc = v.evaluator.evals[&x].stats.gc_time_pct.mean;
                Some((x, gc, i))
            }
            SearchOutcome::Infeasible { .. } => None,
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)))
        .map(|(_, _, i)| i);
    let Some(best) = best else {
        let reasons: Vec<String> = variants
            .iter()
            .map(|v| match &v.outcome {
                SearchOutcome::Infeasible { largest, reason } => {
                    let who = if variants.len() > 1 {
                        format!(" ({})", v.describe())
                    } else {
                        String::new()
                    };
                    format!(
                        "at the largest limit, {}{who}: {reason}",
                        quantity(sizing.limit_of(*largest))
                    )
                }
                SearchOutcome::Found { .. } => String::new(),
            })
            .collect();
        return Err(PlanError::Infeasible(format!(
            "{name}: no limit up to {} meets the SLOs ({}): {}; relax them with --slo, or raise [plan] max",
            quantity(sizing.limit_of(max_x)),
            s.slos.describe(),
            reasons.join("; ")
        )));
    };
    let SearchOutcome::Found { x } = variants[best].outcome else {
        unreachable!("best is a found variant")
    };

    // Heuristics, on the best configuration's replications.
    let mut history = None;
    let mut heuristics = Vec::new();
    if s.compare {
        let h = record_history(
            &variants[best].evaluator,
            &ctx,
            observe_x,
            horizon_s,
            &mut runs,
            progress,
        )?;
        let ev = &mut variants[best].evaluator;
        for (name, rule, base, margin, floor) in [
            ("VPA", "p90 + 15%", h.p90, 1.15, 250 * MIB),
            ("KRR", "max + 15%", h.max, 1.15, 100 * MIB),
            ("operator", "max + 20%", h.max, 1.20, 0),
        ] {
            let limit = (((base * margin) as u64).div_ceil(MIB) * MIB).max(floor);
            let hx = sizing.candidate_for_limit(limit, MIB);
            ev.runs = runs;
            let e = ev
                .ensure(&ctx, hx, Depth::Runs(s.replications.max(100)), progress)?
                .clone();
            runs = ev.runs;
            heuristics.push(Heuristic {
                name,
                rule,
                limit: e.limit,
                eval: e,
            });
        }
        history = Some(h);
    }

    // The recommendation.
    let ev = &variants[best].evaluator;
    let at = ev.evals[&x].clone();
    let below = x
        .checked_sub(step)
        .and_then(|b| ev.evals.get(&b))
        .filter(|e| e.decided() || e.invalid.is_some())
        .cloned();
    let config = ev.config_at(&ctx, x);
    let (_, budget_plan) =
        crate::config::budget::apply_budget(&config).map_err(|e| PlanError::Input(e.one_line()))?;
    let built = scenario_from_config(&config, Some(&req.source), None)
        .map_err(|e| PlanError::Input(e.one_line()))?;
    let config = built.config.clone();
    let spec = built.spec;
    let heap_hard_limit = crate::sim::gc::tuning::GcTuning::derive(&spec.gc, &spec.machine)
        .hard_limit
        .map(|h| h as u64);
    let limit = at.limit;
    let request = ((at.rss.quantile(0.95) as u64).div_ceil(MIB) * MIB).clamp(MIB, limit);
    let request = match sizing {
        Sizing::Operator { .. } => at.request.unwrap_or(request),
        Sizing::PodLimit => request,
    };
    let cost_per_hour = s
        .price_per_gib_hour
        .map(|p| p * limit as f64 / (1u64 << 30) as f64);
    let recommendation = Recommendation {
        variant: best,
        x,
        limit,
        request,
        eval: at,
        below,
        spec,
        config,
        budget: budget_plan.budget,
        heap_hard_limit,
        cost_per_hour,
    };
    let explanation = explain::explain(&recommendation, &ctx, &mut runs)?;
    progress(&Progress {
        runs,
        what: "done".into(),
    });
    Ok(PlanResult {
        name,
        settings: s.clone(),
        seed,
        horizon_s,
        process,
        target: req.target.clone(),
        sizing,
        variants,
        recommendation,
        heuristics,
        history,
        explanation,
        runs,
        replaces_absolute_heap_limit,
    })
}

/// Every combination of the `also` values, the first key varying slowest (one empty combination
/// without `also`).
fn combinations(also: &[AlsoKey]) -> Vec<Vec<AxisValue>> {
    let mut out: Vec<Vec<AxisValue>> = vec![Vec::new()];
    for a in also {
        let mut next = Vec::new();
        for prefix in &out {
            for v in a.values() {
                let mut p = prefix.clone();
                p.push(v.clone());
                next.push(p);
            }
        }
        out = next;
    }
    out
}

/// Searches one configuration (see the module doc).
fn search(
    ev: &mut Evaluator,
    ctx: &RunContext,
    start: u64,
    min_x: u64,
    max_x: u64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<SearchOutcome, PlanError> {
    let step = ctx.settings.step;
    let mut good = |ev: &mut Evaluator, x: u64, depth: Depth| -> Result<bool, PlanError> {
        let e = ev.ensure(ctx, x, depth, progress)?;
        Ok(e.invalid.is_none()
            && match depth {
                Depth::Screen | Depth::Runs(_) => e.looks_good(),
                Depth::Decide => e.judgement.verdict == Verdict::Pass,
            })
    };
    // Bracket from above: a candidate that looks good.
    let mut hi = start;
    loop {
        if good(ev, hi, Depth::Screen)? {
            break;
        }
        if hi >= max_x {
            // Screening runs can look bad by chance: only a decided failure is infeasible.
            if good(ev, max_x, Depth::Decide)? {
                break;
            }
            return Ok(infeasible(ev, max_x));
        }
        hi = (hi.saturating_mul(2) / step * step).min(max_x);
    }
    // Bracket from below: a candidate that fails (or the smallest one passes).
    let mut lo = None;
    while hi > min_x {
        let down = (hi / 2 / step * step).max(min_x);
        if good(ev, down, Depth::Screen)? {
            hi = down;
        } else {
            lo = Some(down);
            break;
        }
    }
    // Bisect to one step.
    if let Some(mut l) = lo {
        while hi - l > step {
            let mid = l + (hi - l) / step / 2 * step;
            if good(ev, mid, Depth::Screen)? {
                hi = mid;
            } else {
                l = mid;
            }
        }
    }
    // Confirm on decided verdicts: gallop from the screening answer to a decided pass and a
    // decided failure, then bisect between them down to one step.
    let (mut fail, mut pass) = if good(ev, hi, Depth::Decide)? {
        let mut pass = hi;
        let mut inc = step;
        loop {
            if pass <= min_x {
                return Ok(SearchOutcome::Found { x: pass });
            }
            let below = pass.saturating_sub(inc).max(min_x);
            if good(ev, below, Depth::Decide)? {
                pass = below;
                inc = inc.saturating_mul(2);
            } else {
                break (below, pass);
            }
        }
    } else {
        let mut fail = hi;
        let mut inc = step;
        loop {
            if fail >= max_x {
                return Ok(infeasible(ev, max_x));
            }
            let above = fail.saturating_add(inc).min(max_x);
            if good(ev, above, Depth::Decide)? {
                break (fail, above);
            }
            fail = above;
            inc = inc.saturating_mul(2);
        }
    };
    while pass - fail > step {
        let mid = fail + (pass - fail) / step / 2 * step;
        let mid = if mid <= fail { fail + step } else { mid };
        if good(ev, mid, Depth::Decide)? {
            pass = mid;
        } else {
            fail = mid;
        }
    }
    Ok(SearchOutcome::Found { x: pass })
}

fn infeasible(ev: &Evaluator, x: u64) -> SearchOutcome {
    let reason = match ev.evals.get(&x) {
        Some(e) => match &e.invalid {
            Some(why) => why.clone(),
            None => {
                let any_fail = e
                    .judgement
                    .checks
                    .iter()
                    .any(|c| c.verdict == Verdict::Fail);
                e.judgement
                    .checks
                    .iter()
                    .filter(|c| {
                        if any_fail {
                            c.verdict == Verdict::Fail
                        } else {
                            c.verdict != Verdict::Pass
                        }
                    })
                    .map(|c| {
                        format!(
                            "{} {} (upper 95% bound {}) > {}",
                            c.slo,
                            slo_value(c.slo, c.value),
                            slo_value(c.slo, c.upper),
                            slo_value(c.slo, c.objective)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        },
        None => "not evaluated".into(),
    };
    SearchOutcome::Infeasible { largest: x, reason }
}

/// An SLO figure for people: `2.1%` for `oom_risk`, `5.3%` for `gc_time_pct`, `12.0 ms`.
pub fn slo_value(slo: &str, v: f64) -> String {
    match slo {
        "oom_risk" | "headroom" => format!("{:.1}%", v * 100.0),
        "gc_time_pct" => {
            if v != 0.0 && v.abs() < 0.01 {
                format!("{v:.2e}%")
            } else {
                format!("{v:.2}%")
            }
        }
        "p99_pause" => format!("{:.1} ms", v * 1000.0),
        _ => format!("{v}"),
    }
}

/// A byte count as an exact Kubernetes quantity.
pub fn quantity(b: u64) -> String {
    crate::scenario::quantity::format_quantity(b)
}

/// Collects the scraper's samples: resident memory at every sample while the process runs.
struct Scraper {
    samples: Vec<f64>,
}

impl Observer for Scraper {
    fn on_sample(&mut self, s: &Sample) {
        if s.running {
            self.samples.push(s.rss);
        }
    }
}

/// Runs the metrics history at candidate `observe_x`.
fn record_history(
    ev: &Evaluator,
    ctx: &RunContext,
    observe_x: u64,
    horizon_s: f64,
    runs: &mut u64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<History, PlanError> {
    let s = &ctx.settings;
    let mut config = ev.config_at(ctx, observe_x);
    config.entries.insert(
        "scenario.sample_interval".into(),
        Entry {
            value: Value::Seconds(s.scrape_s),
            source: Source::Set,
        },
    );
    let spec = scenario_from_config(&config, Some(&ctx.source), None)
        .map_err(|e| PlanError::Input(e.one_line()))?
        .spec;
    let n = ((s.history_s / horizon_s.max(1.0)).ceil() as u64).clamp(1, settings::MAX_HISTORY_RUNS);
    let mut samples: Vec<f64> = Vec::new();
    let mut true_peak: f64 = 0.0;
    let mut failures = 0;
    let mut done = *runs;
    let result = run_in_order::<_, (), _, _>(
        n as usize,
        ctx.threads,
        |i| {
            let mut sp = spec.clone();
            sp.seed = eval::history_seed(ctx.seed, i as u64);
            let mut o = Scraper {
                samples: Vec::new(),
            };
            let sum = simulate(&sp, &mut o);
            Ok((o.samples, sum.peak_rss, sum.outcome != Outcome::Ok))
        },
        |_, batch| {
            for (v, peak, failed) in batch {
                samples.extend(v);
                true_peak = true_peak.max(peak);
                failures += u64::from(failed);
                done += 1;
            }
            progress(&Progress {
                runs: done,
                what: "metrics history".into(),
            });
            Ok(())
        },
    );
    if let Err(RunError::Pool { threads, message }) = result {
        return Err(PlanError::Pool(format!(
            "cannot start {threads} worker threads: {message}"
        )));
    }
    *runs = done;
    samples.sort_by(f64::total_cmp);
    let p90 = nearest_rank(&samples, 0.9);
    let max = samples.last().copied().unwrap_or(0.0);
    Ok(History {
        limit: ctx.sizing.limit_of(observe_x),
        runs: n,
        span_s: n as f64 * horizon_s,
        scrape_s: s.scrape_s,
        samples: samples.len() as u64,
        p90,
        max,
        true_peak,
        failures,
    })
}

/// The nearest-rank `q`-quantile of sorted values (0 when empty).
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 0.9), 9.0);
        assert_eq!(nearest_rank(&v, 1.0), 10.0);
        assert_eq!(nearest_rank(&[], 0.9), 0.0);
    }

    #[test]
    fn slo_values_read_in_their_units() {
        assert_eq!(slo_value("oom_risk", 0.0123), "1.2%");
        assert_eq!(slo_value("p99_pause", 0.012), "12.0 ms");
        assert_eq!(quantity(64 * MIB), "64Mi");
    }
}
