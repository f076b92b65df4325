//! Parameter sweeps and Monte Carlo replications, run in parallel and reduced deterministically.
//!
//! A scenario's `[sweep]` section lists the keys that vary ([`space`]); the sweep is expanded into
//! an indexed list of points before any run ([`SweepPlan`]); each point runs `replications` times
//! with seeds from (sweep seed, point, replication) ([`seed`]); runs execute on a rayon pool and
//! come back in index order ([`run`]); replications are reduced into per-point statistics
//! ([`stats`]).
//!
//! ```toml
//! [sweep]
//! replications = 20                 # runs per point, each with its own seed (default 1)
//! seed = 7                          # sweep seed (default: scenario.seed)
//! method = "grid"                   # grid (default), random or lhs
//! # points = 200                    # how many points random and lhs draw
//! "pod.limits.memory" = { from = "2Gi", to = "4Gi", step = "512Mi" }
//! "gc.mode" = ["workstation", "server"]
//! ```
//!
//! Run `r` (0-based) of the sweep is replication `r mod R` of point `r div R`.

pub mod run;
pub mod seed;
pub mod space;
pub mod stats;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::scenario::duration::format_duration;
use crate::scenario::load::{Config, ScenarioError, Value, scenario_from_config};
use crate::scenario::quantity::format_quantity;
use crate::sim::observe::{NullObserver, Summary};
use crate::sim::rng::name_hash;
use crate::sim::{RunSpec, simulate};

pub use seed::{Shard, run_seed};
pub use space::{Axis, AxisValue, Domain, Method};

use space::{MAX_POINTS, SpaceReader, parse_toml_value};

/// A sweep expanded into its points, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPlan {
    /// Scenario name (names the output folder).
    pub name: String,
    /// The scenario file, whose stem names the scenario when `scenario.name` is not set.
    pub source: PathBuf,
    /// The scenario's configuration before any swept value and before the memory budget
    /// (every layer: defaults, file, manifest, appsettings.json, environment, `--set`).
    pub config: Config,
    /// How the points were chosen.
    pub method: Method,
    /// The swept keys, in the order written.
    pub axes: Vec<Axis>,
    /// Every point: one value per axis, in point order.
    pub points: Vec<Vec<AxisValue>>,
    /// Runs per point.
    pub replications: u64,
    /// The sweep seed every run seed derives from.
    pub seed: u64,
}

/// One finished run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// Point index (0-based).
    pub point: u64,
    /// Replication index (0-based).
    pub replication: u64,
    /// The resolved run (its seed, limit and request go into the row).
    pub spec: RunSpec,
    /// What the run reported.
    pub summary: Summary,
}

impl SweepPlan {
    /// Reads `[sweep]` from `config` (read from the scenario file `source`, whose stem names the
    /// scenario when it does not name itself) and expands the points. `seed` overrides the
    /// sweep seed (else `[sweep] seed`, else `scenario.seed`). Every point is resolved once,
    /// memory budget included, so a bad value fails here, before any run.
    pub fn new(
        config: Config,
        source: &Path,
        seed: Option<u64>,
    ) -> Result<SweepPlan, ScenarioError> {
        let raw = config.sections.get("sweep").cloned().unwrap_or_default();
        let reader = SpaceReader { config: &config };
        let mut method = Method::Grid;
        let mut replications = 1;
        let mut sweep_seed = None;
        let mut count = None;
        let whole = |key: &str, line: usize, text: &str, min: i64| match parse_toml_value(text) {
            Ok(toml::Value::Integer(i)) if i >= min => Ok(i as u64),
            _ => Err(reader.error(key, line, format!("expected a whole number ≥ {min}"))),
        };
        for e in &raw {
            match e.key.as_str() {
                "replications" => replications = whole(&e.key, e.line, &e.value, 1)?,
                "seed" => sweep_seed = Some(whole(&e.key, e.line, &e.value, 0)?),
                "points" => count = Some((whole(&e.key, e.line, &e.value, 1)?, e.line)),
                "method" => {
                    method = match parse_toml_value(&e.value) {
                        Ok(toml::Value::String(s)) => Method::from_name(&s),
                        _ => None,
                    }
                    .ok_or_else(|| {
                        reader.error(&e.key, e.line, "expected \"grid\", \"random\" or \"lhs\"")
                    })?;
                }
                _ => {}
            }
        }
        let mut axes = Vec::new();
        for e in &raw {
            if ["replications", "seed", "points", "method"].contains(&e.key.as_str()) {
                continue;
            }
            let axis = reader.axis(&e.key, e.line, &e.value, method)?;
            if axes.iter().any(|a: &Axis| a.key == axis.key) {
                return Err(reader.error(&e.key, e.line, "is swept twice"));
            }
            axes.push(axis);
        }
        let base_seed = match (seed, sweep_seed, config.get("scenario.seed")) {
            (Some(s), _, _) => s,
            (None, Some(s), _) => s,
            (None, None, Some(Value::Int(s))) => *s as u64,
            _ => 1,
        };
        let points = match (method, count) {
            (Method::Grid, Some((_, line))) => {
                return Err(reader.error(
                    "points",
                    line,
                    "a grid has one point per combination of values; `points` is for method \
                     = \"random\" or \"lhs\"",
                ));
            }
            (Method::Grid, None) => {
                let total = axes.iter().try_fold(1u64, |acc, a| match &a.domain {
                    Domain::Values(v) => acc.checked_mul(v.len() as u64),
                    Domain::Continuous { .. } => Some(acc),
                });
                match total {
                    Some(t) if t <= MAX_POINTS => {}
                    _ => {
                        let line = axes.last().map_or(0, |a| a.line);
                        return Err(reader.error(
                            "points",
                            line,
                            format!("the grid has more than {MAX_POINTS} points"),
                        ));
                    }
                }
                space::grid(&axes)
            }
            (_, None) => {
                let line = raw.first().map_or(0, |e| e.line);
                return Err(reader.error(
                    "points",
                    line,
                    format!(
                        "method = \"{}\" needs `points`, the number of points to draw",
                        method.name()
                    ),
                ));
            }
            (_, Some((n, line))) => {
                if n > MAX_POINTS {
                    return Err(reader.error("points", line, format!("at most {MAX_POINTS}")));
                }
                space::sample(&axes, n as usize, method, base_seed)
            }
        };
        let runs = (points.len() as u64).checked_mul(replications);
        if runs.is_none_or(|r| r > MAX_POINTS * 10) {
            let line = raw
                .iter()
                .find(|e| e.key == "replications")
                .map_or(0, |e| e.line);
            return Err(reader.error(
                "replications",
                line,
                format!("the sweep has more than {} runs", MAX_POINTS * 10),
            ));
        }
        let mut plan = SweepPlan {
            name: String::new(),
            source: source.to_path_buf(),
            config,
            method,
            axes,
            points,
            replications,
            seed: base_seed,
        };
        for p in 0..plan.points.len() as u64 {
            let spec = plan.spec(p, 0)?;
            if p == 0 {
                plan.name = spec.name;
            }
        }
        Ok(plan)
    }

    /// Number of runs: points × replications.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.replications
    }

    /// The (point, replication) of sweep run `run`.
    pub fn locate(&self, run: u64) -> (u64, u64) {
        (run / self.replications, run % self.replications)
    }

    /// The seed of a run (see [`run_seed`]).
    pub fn run_seed(&self, point: u64, replication: u64) -> u64 {
        run_seed(self.seed, point, replication)
    }

    /// The axis columns of `runs.csv` and `points.csv` (see [`Axis::column`]).
    pub fn columns(&self) -> Vec<String> {
        self.axes.iter().map(Axis::column).collect()
    }

    /// The configuration of point `point`: the base configuration with the point's values, each
    /// sourced at its line in `[sweep]` (so that the memory budget treats them as set).
    pub fn point_config(&self, point: u64) -> Result<Config, ScenarioError> {
        let mut config = self.config.clone();
        if let Some(values) = self.points.get(point as usize) {
            for (axis, v) in self.axes.iter().zip(values) {
                axis.apply(&mut config, v, &self.config.path)?;
            }
        }
        Ok(config)
    }

    /// The run of replication `replication` of point `point`: the point's configuration through
    /// the memory budget, then resolved, with the run's own seed.
    pub fn spec(&self, point: u64, replication: u64) -> Result<RunSpec, ScenarioError> {
        let seed = self.run_seed(point, replication);
        self.point_config(point)
            .and_then(|config| scenario_from_config(&config, Some(&self.source), Some(seed)))
            .map(|scenario| scenario.spec)
            .map_err(|mut e| {
                if !self.axes.is_empty() {
                    e.problem = format!(
                        "{} (sweep point {point}: {})",
                        e.problem,
                        self.describe(point)
                    );
                }
                e
            })
    }

    /// Runs sweep run `run` with no observer.
    pub fn simulate(&self, run: u64) -> Result<RunResult, ScenarioError> {
        let (point, replication) = self.locate(run);
        let spec = self.spec(point, replication)?;
        let summary = simulate(&spec, &mut NullObserver);
        Ok(RunResult {
            point,
            replication,
            spec,
            summary,
        })
    }

    /// The values of point `point` for people: `pod.limits.memory=2Gi, gc.mode=server`.
    pub fn describe(&self, point: u64) -> String {
        let Some(values) = self.points.get(point as usize) else {
            return String::new();
        };
        self.axes
            .iter()
            .zip(values)
            .map(|(a, v)| format!("{}={}", a.key, human(&v.value, &v.label)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A 64-bit fingerprint of everything that decides the sweep's runs: the scenario's values
    /// (not where they came from), the method, every point, the replications and the seed.
    /// Shards and resumed sweeps must have the same fingerprint.
    pub fn fingerprint(&self) -> u64 {
        let mut text = String::new();
        for (k, e) in &self.config.entries {
            let _ = writeln!(text, "{k}={:?}", e.value);
        }
        for (name, entries) in &self.config.sections {
            for e in entries {
                let _ = writeln!(text, "[{name}] {}={}", e.key, e.value);
            }
        }
        let _ = writeln!(
            text,
            "{} {} {} {}",
            self.method.name(),
            self.replications,
            self.seed,
            self.source
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        for p in &self.points {
            for v in p {
                text.push_str(&v.label);
                text.push('\u{1f}');
            }
            text.push('\n');
        }
        name_hash(&text)
    }
}

/// A value as a person writes it: sizes as quantities, durations with units.
pub fn human(value: &Value, label: &str) -> String {
    match value {
        Value::Bytes(b) => format_quantity(*b),
        Value::Seconds(s) => format_duration(Duration::from_secs_f64(s.max(0.0))),
        _ => label.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::read_config;

    fn plan(sweep: &str) -> Result<SweepPlan, ScenarioError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            format!(
                "[scenario]\nduration = \"1m\"\nseed = 3\n[pod]\nrequests.memory = \"1Gi\"\nlimits.memory = \"2Gi\"\n[sweep]\n{sweep}"
            ),
        )
        .unwrap();
        let config = read_config(&path, &[])?;
        SweepPlan::new(config, &path, None)
    }

    #[test]
    fn a_grid_is_the_product_of_its_keys() {
        let p = plan(
            "replications = 3\n\"pod.limits.memory\" = [\"2Gi\", \"3Gi\"]\n\"gc.mode\" = [\"workstation\", \"server\"]\n",
        )
        .unwrap();
        assert_eq!(p.points.len(), 4);
        assert_eq!(p.runs(), 12);
        assert_eq!(p.locate(7), (2, 1));
        assert_eq!(p.seed, 3);
        assert_eq!(p.name, "s");
        assert_eq!(p.columns(), ["pod.limits.memory_bytes", "gc.mode"]);
        assert_eq!(p.describe(3), "pod.limits.memory=3Gi, gc.mode=server");
        let spec = p.spec(2, 1).unwrap();
        assert_eq!(spec.pod.limit_bytes, Some(3.0 * 1073741824.0));
        assert_eq!(spec.seed, run_seed(3, 2, 1));
    }

    #[test]
    fn no_sweep_section_is_one_point() {
        let p = plan("").unwrap();
        assert_eq!((p.points.len(), p.runs()), (1, 1));
        assert!(p.axes.is_empty());
    }

    #[test]
    fn sweep_seed_and_cli_seed_take_precedence() {
        let p = plan("seed = 9\n").unwrap();
        assert_eq!(p.seed, 9);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "[sweep]\nseed = 9\n").unwrap();
        let config = read_config(&path, &[]).unwrap();
        assert_eq!(SweepPlan::new(config, &path, Some(4)).unwrap().seed, 4);
    }

    #[test]
    fn points_that_do_not_build_are_named_before_any_run() {
        let e = plan("\"pod.limits.memory\" = [\"2Gi\", \"512Mi\"]\n").unwrap_err();
        let line = e.one_line();
        assert!(line.contains("s.toml:8"), "{line}");
        assert!(
            line.contains("sweep point 1: pod.limits.memory=512Mi"),
            "{line}"
        );
    }

    #[test]
    fn options_are_checked() {
        for (sweep, needle) in [
            ("replications = 0\n", "replications"),
            ("method = \"sobol\"\n", "lhs"),
            ("points = 5\n", "`points` is for"),
            (
                "method = \"lhs\"\n\"pod.limits.memory\" = { from = \"2Gi\", to = \"3Gi\" }\n",
                "needs `points`",
            ),
            (
                "\"gc.mode\" = [\"server\"]\n\"gc.mode\" = [\"server\"]\n",
                "TOML",
            ),
        ] {
            let e = match plan(sweep) {
                Ok(_) => panic!("{sweep} accepted"),
                Err(e) => e,
            };
            assert!(e.one_line().contains(needle), "{sweep}: {e}");
        }
    }

    #[test]
    fn flink_options_go_through_the_memory_budget_at_every_point() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        std::fs::write(
            &path,
            "[scenario]\nduration = \"1m\"\n[pod]\nlimits.memory = \"4Gi\"\n[memory]\nbudget = \"flink\"\n[sweep]\n\"flink.taskmanager.memory.network.fraction\" = { from = 0.1, to = 0.2, count = 2 }\n\"taskmanager.memory.managed.fraction\" = [\"0.2\", 0.4]\n",
        )
        .unwrap();
        let p = SweepPlan::new(read_config(&path, &[]).unwrap(), &path, None).unwrap();
        assert_eq!(p.points.len(), 4);
        assert!(p.axes.iter().all(|a| a.flink));
        assert_eq!(
            p.columns(),
            [
                "flink.taskmanager.memory.network.fraction",
                "taskmanager.memory.managed.fraction"
            ]
        );
        assert_eq!(
            p.describe(1),
            "flink.taskmanager.memory.network.fraction=0.1, taskmanager.memory.managed.fraction=0.4"
        );
        let pool = |i| p.spec(i, 0).unwrap().network.pool_bytes;
        let heap = |i| p.spec(i, 0).unwrap().gc.heap_hard_limit;
        assert!(pool(2) > pool(0), "{} {}", pool(2), pool(0));
        assert_eq!(pool(0), pool(1));
        assert!(heap(1) < heap(0), "{:?} {:?}", heap(1), heap(0));
        let bad = std::fs::read_to_string(&path)
            .unwrap()
            .replace("0.4]", "1.4]");
        std::fs::write(&path, bad).unwrap();
        let e = SweepPlan::new(read_config(&path, &[]).unwrap(), &path, None).unwrap_err();
        assert!(e.one_line().contains("sweep point 1"), "{e}");
    }

    #[test]
    fn sampled_sweeps_are_reproducible() {
        let text = "method = \"lhs\"\npoints = 8\n\"pod.limits.memory\" = { from = \"2Gi\", to = \"4Gi\" }\n";
        let a = plan(text).unwrap();
        let b = plan(text).unwrap();
        assert_eq!(a.points, b.points);
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = plan(&format!("seed = 99\n{text}")).unwrap();
        assert_ne!(a.points, c.points);
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
