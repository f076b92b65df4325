//! The planner's settings: the scenario's `[plan]` section, then the command line on top.
//!
//! ```toml
//! [plan]
//! oom_risk = "1%"              # P(OOM kill or managed OOM within the horizon), upper 95 % bound
//! gc_time_pct = 5              # mean time in GC, percent of running time, upper 95 % bound
//! p99_pause = "50ms"           # mean p99 GC pause, upper 95 % bound (off unless given)
//! headroom = "90%"             # p95 peak resident memory ≤ this share of the limit (off unless given)
//! step = "64Mi"                # granularity of the limit
//! min = "256Mi"                # smallest limit tried (default: one step)
//! max = "16Gi"                 # largest limit tried (default: machine.node_memory)
//! start = "2Gi"                # where the search starts (default: the scenario's limit)
//! replications = 20            # runs of a limit before its first look (and while screening)
//! max_replications = 400       # most runs of one limit
//! scrape = "30s"               # interval of the simulated metrics scraper
//! history = "24h"              # metrics history the heuristics see (whole runs of the scenario)
//! observe = "4Gi"              # limit the history is recorded at (default: the scenario's)
//! warmup = "15m"               # resident memory before this is left out of the request
//! price_per_gib_hour = 0.005   # cost of one GiB of memory for one hour
//! seed = 7                     # seed every run's seed derives from (default: scenario.seed)
//! compare = true               # compare with the VPA-, KRR- and operator-style heuristics
//!
//! [plan.also]                  # keys searched besides the limit, with their values
//! "gc.mode" = "all"            # every value of a word or boolean key
//! "flink.taskmanager.memory.managed.fraction" = [0.1, 0.2, 0.4]
//! ```
//!
//! Without a `[plan.also]` table, `also = ["gc.mode", "gc.concurrent"]` in `[plan]` lists word
//! and boolean keys searched over all their values.
//!
//! Unknown keys are errors naming the file, the line and the key. On the command line the same
//! keys are given by `--slo KEY=VALUE` (the four SLOs), `--step`, `--min`, `--max`, `--seed`,
//! `--scrape`, `--price-per-gib-hour`, `--also KEY[=V1|V2…],KEY…` and friends; they win over
//! `[plan]`.

use std::time::Duration;

use crate::scenario::duration::parse_duration;
use crate::scenario::load::{Config, RawEntry, ScenarioError};
use crate::scenario::quantity::parse_size;
use crate::scenario::schema::{self, Kind};
use crate::sweep::space::{Axis, AxisValue, Domain, Method, SpaceReader, parse_toml_value};

use super::slo::{SLO_KEYS, Slos};

/// The `[plan]` keys besides the SLOs.
pub const OPTION_KEYS: [&str; 15] = [
    "step",
    "min",
    "max",
    "start",
    "replications",
    "max_replications",
    "scrape",
    "history",
    "observe",
    "warmup",
    "price_per_gib_hour",
    "seed",
    "compare",
    "also",
    "also.<KEY>",
];

/// Default granularity of the limit, bytes (64 MiB).
pub const DEFAULT_STEP: u64 = 64 << 20;
/// Default runs before a limit's first look.
pub const DEFAULT_REPLICATIONS: u64 = 20;
/// Default most runs of one limit.
pub const DEFAULT_MAX_REPLICATIONS: u64 = 400;
/// Default scrape interval, seconds.
pub const DEFAULT_SCRAPE_S: f64 = 30.0;
/// Default metrics history, seconds (one day).
pub const DEFAULT_HISTORY_S: f64 = 86_400.0;
/// Most history runs.
pub const MAX_HISTORY_RUNS: u64 = 1000;
/// Most combinations `also` may give.
pub const MAX_VARIANTS: usize = 64;

/// A key searched besides the limit, with its values.
#[derive(Clone, Debug, PartialEq)]
pub struct AlsoKey {
    /// The swept key (as the sweep reads it: its values, kind and whether it is a Flink option).
    pub axis: Axis,
}

impl AlsoKey {
    /// The values, in order.
    pub fn values(&self) -> &[AxisValue] {
        match &self.axis.domain {
            Domain::Values(v) => v,
            Domain::Continuous { .. } => &[],
        }
    }
}

/// Everything that steers a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanSettings {
    /// The objectives.
    pub slos: Slos,
    /// Granularity of the limit, bytes.
    pub step: u64,
    /// Smallest limit tried, bytes.
    pub min: Option<u64>,
    /// Largest limit tried, bytes.
    pub max: Option<u64>,
    /// First limit tried, bytes.
    pub start: Option<u64>,
    /// Runs of a limit before its first look.
    pub replications: u64,
    /// Most runs of one limit.
    pub max_replications: u64,
    /// Scrape interval of the heuristics' metrics, seconds.
    pub scrape_s: f64,
    /// Length of the metrics history, seconds.
    pub history_s: f64,
    /// Limit the history is recorded at, bytes.
    pub observe: Option<u64>,
    /// Warm-up left out of the request, seconds (`None`: 10 % of the horizon, at most 15 min).
    pub warmup_s: Option<f64>,
    /// Price of one GiB for one hour.
    pub price_per_gib_hour: Option<f64>,
    /// Seed every run's seed derives from.
    pub seed: Option<u64>,
    /// Compare with the heuristics.
    pub compare: bool,
    /// Keys searched besides the limit.
    pub also: Vec<AlsoKey>,
}

impl Default for PlanSettings {
    fn default() -> Self {
        PlanSettings {
            slos: Slos::default(),
            step: DEFAULT_STEP,
            min: None,
            max: None,
            start: None,
            replications: DEFAULT_REPLICATIONS,
            max_replications: DEFAULT_MAX_REPLICATIONS,
            scrape_s: DEFAULT_SCRAPE_S,
            history_s: DEFAULT_HISTORY_S,
            observe: None,
            warmup_s: None,
            price_per_gib_hour: None,
            seed: None,
            compare: true,
            also: Vec::new(),
        }
    }
}

/// One setting from the command line: `(key, value text, the option that gave it)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// A `[plan]` key (`oom_risk`, `step`, …) or `also`.
    pub key: String,
    /// The value as typed.
    pub value: String,
    /// The option, for errors (`--slo`, `--step`).
    pub option: String,
}

/// Where a setting came from, for errors.
enum Origin<'a> {
    /// `[plan]` of the scenario file at a line.
    File(&'a Config, usize),
    /// A command-line option.
    Cli(&'a str),
}

impl Origin<'_> {
    fn error(&self, key: &str, problem: impl Into<String>) -> ScenarioError {
        match self {
            Origin::File(config, line) => ScenarioError {
                path: config.path.clone(),
                field: Some(format!("[plan] {key}")),
                line: Some(*line),
                problem: problem.into(),
            },
            Origin::Cli(option) => ScenarioError {
                path: option.to_string(),
                field: Some(key.to_string()),
                line: None,
                problem: problem.into(),
            },
        }
    }
}

/// Reads `[plan]` from `config`, then applies `overrides` (command line) on top.
pub fn read_settings(
    config: &Config,
    overrides: &[Override],
) -> Result<PlanSettings, ScenarioError> {
    let mut s = PlanSettings::default();
    let raw: Vec<RawEntry> = config.sections.get("plan").cloned().unwrap_or_default();
    for e in &raw {
        let origin = Origin::File(config, e.line);
        if let Some(key) = e.key.strip_prefix("also.") {
            let axis = match parse_toml_value(&e.value) {
                Ok(toml::Value::String(all)) if all == "all" => {
                    enumerated_axis(config, key, e.line, &origin)?
                }
                _ => also_axis(config, key, e.line, &e.value, &origin)?,
            };
            push_also(&mut s, axis, &origin)?;
            continue;
        }
        if e.key == "also" {
            let keys = match parse_toml_value(&e.value) {
                Ok(toml::Value::Array(items)) => {
                    items
                        .iter()
                        .map(|v| match v {
                            toml::Value::String(k) => Ok(k.clone()),
                            _ => Err(origin
                                .error("also", "expected a list of keys such as [\"gc.mode\"]")),
                        })
                        .collect::<Result<Vec<_>, _>>()?
                }
                _ => {
                    return Err(origin.error(
                        "also",
                        "expected a list of keys such as [\"gc.mode\"] (give values in [plan.also])",
                    ));
                }
            };
            for k in keys {
                let axis = enumerated_axis(config, &k, e.line, &origin)?;
                push_also(&mut s, axis, &origin)?;
            }
            continue;
        }
        let text = match parse_toml_value(&e.value) {
            Ok(toml::Value::String(t)) => t,
            Ok(v @ (toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_))) => {
                v.to_string()
            }
            Ok(_) => return Err(origin.error(&e.key, "expected a single value")),
            Err(problem) => return Err(origin.error(&e.key, problem)),
        };
        set(&mut s, &e.key, &text, &origin)?;
    }
    for o in overrides {
        let origin = Origin::Cli(&o.option);
        if o.key == "also" {
            for item in split_also(&o.value) {
                let axis = match item.split_once('=') {
                    Some((k, values)) => {
                        let list: Vec<String> = values
                            .split('|')
                            .map(|v| v.trim())
                            .filter(|v| !v.is_empty())
                            .map(toml_item)
                            .collect();
                        also_axis(
                            config,
                            k.trim(),
                            0,
                            &format!("[{}]", list.join(", ")),
                            &origin,
                        )?
                    }
                    None => enumerated_axis(config, item.trim(), 0, &origin)?,
                };
                // The command line replaces a key's values from [plan].
                s.also.retain(|a| a.axis.key != axis.key);
                push_also(&mut s, axis, &origin)?;
            }
            continue;
        }
        set(&mut s, &o.key, &o.value, &origin)?;
    }
    let variants: usize = s.also.iter().map(|a| a.values().len()).product();
    if variants > MAX_VARIANTS {
        let origin = overrides
            .iter()
            .find(|o| o.key == "also")
            .map(|o| Origin::Cli(&o.option))
            .unwrap_or(Origin::File(config, raw.first().map_or(0, |e| e.line)));
        return Err(origin.error(
            "also",
            format!("{variants} combinations; at most {MAX_VARIANTS}"),
        ));
    }
    // An objective stricter than the cap can show (below ~0.96% with 400 runs) needs more runs:
    // the default cap grows to what the objective needs; a cap the user set is an error.
    if s.slos.runs_to_show_oom_risk(s.max_replications).is_none() {
        let needed = s.slos.runs_to_show_oom_risk(MAX_REPLICATIONS_CEILING);
        let set_here = overrides.iter().find(|o| o.key == "max_replications");
        let set_in_file = raw.iter().find(|e| e.key == "max_replications");
        match (needed, set_here, set_in_file) {
            (Some(n), None, None) => s.max_replications = n + n / 20,
            (needed, here, file) => {
                let origin = match (here, file) {
                    (Some(o), _) => Origin::Cli(&o.option),
                    (None, Some(e)) => Origin::File(config, e.line),
                    (None, None) => Origin::Cli("--slo"),
                };
                let why = match needed {
                    Some(n) => format!(
                        "oom_risk {}% needs at least {n} runs without a failure to be shown on \
                         the upper end of its 95% interval; max_replications is {}",
                        s.slos.oom_risk * 100.0,
                        s.max_replications
                    ),
                    None => format!(
                        "oom_risk {}% needs more than {MAX_REPLICATIONS_CEILING} runs to be \
                         shown on the upper end of its 95% interval",
                        s.slos.oom_risk * 100.0
                    ),
                };
                return Err(origin.error("max_replications", why));
            }
        }
    }
    if s.replications > s.max_replications {
        s.replications = s.max_replications;
    }
    Ok(s)
}

/// The most runs a strict `oom_risk` may raise the default `max_replications` to (enough for
/// 0.1%).
pub const MAX_REPLICATIONS_CEILING: u64 = 10_000;

/// A value typed on the command line as a TOML list item: numbers and booleans as they are,
/// anything else quoted.
fn toml_item(v: &str) -> String {
    if v.parse::<f64>().is_ok() || v == "true" || v == "false" || v.starts_with('"') {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}

/// Splits `a,b=x|y,c` at commas.
fn split_also(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn push_also(s: &mut PlanSettings, axis: Axis, origin: &Origin<'_>) -> Result<(), ScenarioError> {
    if axis.key == "pod.limits.memory" || axis.key == "pod.requests.memory" {
        return Err(origin.error(
            &axis.key,
            "the planner sets the pod's memory itself; `also` is for other keys",
        ));
    }
    if s.also.iter().any(|a| a.axis.key == axis.key) {
        return Err(origin.error(&axis.key, "is listed twice in `also`"));
    }
    s.also.push(AlsoKey { axis });
    Ok(())
}

/// An `also` key with listed values (TOML list text), read as the sweep reads a swept key.
fn also_axis(
    config: &Config,
    key: &str,
    line: usize,
    text: &str,
    origin: &Origin<'_>,
) -> Result<Axis, ScenarioError> {
    if !text.trim_start().starts_with('[') {
        return Err(origin.error(
            &format!("also.{key}"),
            "expected a list of values such as [\"workstation\", \"server\"], or \"all\" for every value of a word or boolean key",
        ));
    }
    SpaceReader { config }
        .axis(key, line, text, Method::Grid)
        .map_err(|e| origin.error(&format!("also.{key}"), strip_sweep(&e.problem)))
}

/// An `also` key without values: a word key's words or a boolean's two values.
fn enumerated_axis(
    config: &Config,
    key: &str,
    line: usize,
    origin: &Origin<'_>,
) -> Result<Axis, ScenarioError> {
    let values: Vec<String> = match schema::lookup(key).map(|d| d.kind) {
        Some(Kind::Enum(words)) => words.iter().map(|w| format!("{w:?}")).collect(),
        Some(Kind::Bool) => vec!["false".into(), "true".into()],
        Some(_) => {
            return Err(origin.error(
                &format!("also {key}"),
                format!(
                    "takes values that cannot be listed by themselves; give them: --also '{key}=V1|V2' or in [plan.also]"
                ),
            ));
        }
        None => {
            let known = crate::config::flink::flink_name(key).is_some();
            let problem = if known {
                format!("a Flink option needs its values: --also '{key}=V1|V2' or in [plan.also]")
            } else {
                match schema::closest(key) {
                    Some(k) if schema::edit_distance(key, k) <= key.len().max(4) / 2 => {
                        format!("unknown key (did you mean `{k}`?)")
                    }
                    _ => "unknown key".to_string(),
                }
            };
            return Err(origin.error(&format!("also {key}"), problem));
        }
    };
    also_axis(
        config,
        key,
        line,
        &format!("[{}]", values.join(", ")),
        origin,
    )
}

/// A sweep error's problem without the sweep's own hint about `[sweep]` options.
fn strip_sweep(problem: &str) -> String {
    match problem.find("; [sweep] takes") {
        Some(i) => problem[..i].to_string(),
        None => problem.to_string(),
    }
}

fn set(
    s: &mut PlanSettings,
    key: &str,
    text: &str,
    origin: &Origin<'_>,
) -> Result<(), ScenarioError> {
    let err = |p: String| origin.error(key, p);
    let size = |t: &str| -> Result<u64, ScenarioError> {
        parse_size(t.trim())
            .map_err(|e| origin.error(key, format!("expected a size such as \"64Mi\": {e}")))
    };
    let duration = |t: &str| -> Result<f64, ScenarioError> {
        parse_duration(t.trim())
            .map(|d: Duration| d.as_secs_f64())
            .map_err(|e| origin.error(key, format!("expected a duration such as \"30s\": {e}")))
    };
    let whole = |t: &str, min: u64| -> Result<u64, ScenarioError> {
        match t.trim().parse::<u64>() {
            Ok(n) if n >= min => Ok(n),
            _ => Err(origin.error(key, format!("expected a whole number ≥ {min}, found {t:?}"))),
        }
    };
    if SLO_KEYS.contains(&key) {
        return s.slos.set(key, text).map_err(err);
    }
    match key {
        "step" => {
            let b = size(text)?;
            if b < 1 << 20 {
                return Err(err(format!("{text} is below 1Mi")));
            }
            s.step = b;
        }
        "min" => s.min = Some(size(text)?),
        "max" => s.max = Some(size(text)?),
        "start" => s.start = Some(size(text)?),
        "observe" => s.observe = Some(size(text)?),
        "replications" => s.replications = whole(text, 2)?,
        "max_replications" => s.max_replications = whole(text, 2)?,
        "scrape" => {
            let d = duration(text)?;
            if d < 1.0 {
                return Err(err(
                    "a scrape interval shorter than 1s is not how metrics are collected".into(),
                ));
            }
            s.scrape_s = d;
        }
        "history" => {
            let d = duration(text)?;
            if d <= 0.0 {
                return Err(err("must be longer than zero".into()));
            }
            s.history_s = d;
        }
        "warmup" => s.warmup_s = Some(duration(text)?),
        "price_per_gib_hour" => match text.trim().parse::<f64>() {
            Ok(p) if p.is_finite() && p >= 0.0 => s.price_per_gib_hour = Some(p),
            _ => {
                return Err(err(format!(
                    "expected a price ≥ 0 such as 0.005, found {text:?}"
                )));
            }
        },
        "seed" => s.seed = Some(whole(text, 0)?),
        "compare" => match text.trim() {
            "true" => s.compare = true,
            "false" => s.compare = false,
            other => return Err(err(format!("expected true or false, found {other:?}"))),
        },
        other => {
            let all: Vec<&str> = schema::PLAN_KEYS.iter().map(|k| k.key).collect();
            let hint = all
                .iter()
                .map(|k| {
                    let d = schema::edit_distance(other, k);
                    // A key typed short (`gc_time`) is as close as a typo.
                    let d = if k.starts_with(other) { d.min(1) } else { d };
                    (d, *k)
                })
                .min()
                .filter(|(d, _)| *d <= other.len().max(4) / 2)
                .map(|(_, k)| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            return Err(origin.error(
                other,
                format!("unknown key{hint}; [plan] takes {}", all.join(", ")),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::read_config;

    fn config(plan: &str) -> Result<Config, ScenarioError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            format!(
                "[scenario]\nduration = \"1h\"\n[pod]\nlimits.memory = \"2Gi\"\n[plan]\n{plan}"
            ),
        )
        .unwrap();
        read_config(&path, &[])
    }

    fn settings(plan: &str, cli: &[(&str, &str)]) -> Result<PlanSettings, ScenarioError> {
        let overrides: Vec<Override> = cli
            .iter()
            .map(|(k, v)| Override {
                key: k.to_string(),
                value: v.to_string(),
                option: "--slo".into(),
            })
            .collect();
        read_settings(&config(plan)?, &overrides)
    }

    #[test]
    fn a_strict_oom_risk_raises_the_default_cap_and_rejects_a_set_one() {
        // 0 failures in n: the Wilson upper end reaches 0.5% at n = 765.
        let s = settings("oom_risk = \"0.5%\"\n", &[]).unwrap();
        assert!(s.max_replications >= 765, "{}", s.max_replications);
        assert_eq!(s.slos.runs_to_show_oom_risk(s.max_replications), Some(765));
        let e = settings("oom_risk = \"0.5%\"\nmax_replications = 500\n", &[]).unwrap_err();
        let msg = e.one_line();
        assert!(msg.contains("765") && msg.contains("500"), "{msg}");
        assert!(settings("", &[("oom_risk", "0.5%"), ("max_replications", "400")]).is_err());
        // The default objective keeps the default cap.
        assert_eq!(settings("", &[]).unwrap().max_replications, 400);
    }

    #[test]
    fn plan_section_sets_slos_and_options() {
        let s = settings(
            "oom_risk = \"0.5%\"\ngc_time_pct = 3\np99_pause = \"20ms\"\nstep = \"128Mi\"\nscrape = \"1m\"\nreplications = 10\nprice_per_gib_hour = 0.01\ncompare = false\n",
            &[],
        )
        .unwrap();
        assert_eq!(s.slos.oom_risk, 0.005);
        assert_eq!(s.slos.gc_time_pct, 3.0);
        assert_eq!(s.slos.p99_pause_s, Some(0.02));
        assert_eq!(s.step, 128 << 20);
        assert_eq!(s.scrape_s, 60.0);
        assert_eq!(s.replications, 10);
        assert_eq!(s.price_per_gib_hour, Some(0.01));
        assert!(!s.compare);
        // The command line wins.
        let s = settings("oom_risk = \"0.5%\"\n", &[("oom_risk", "2%")]).unwrap();
        assert_eq!(s.slos.oom_risk, 0.02);
    }

    #[test]
    fn unknown_and_bad_keys_name_file_line_and_key() {
        let e = settings("oom_risk = \"1%\"\ngc_time = 5\n", &[]).unwrap_err();
        let line = e.one_line();
        assert!(
            line.contains("s.toml:7: [plan] gc_time: unknown key (did you mean `gc_time_pct`?)"),
            "{line}"
        );
        let e = settings("oom_risk = 3\n", &[]).unwrap_err();
        assert!(e.one_line().contains(":6: [plan] oom_risk:"), "{e}");
        let e = settings("step = \"64\"\n", &[]).unwrap_err();
        assert!(e.one_line().contains("below 1Mi"), "{e}");
        let e = settings("", &[("latency", "1s")]).unwrap_err();
        assert!(
            e.one_line().starts_with("--slo: latency: unknown key"),
            "{e}"
        );
    }

    #[test]
    fn every_key_is_in_the_schema_reference() {
        for k in SLO_KEYS.iter().chain(OPTION_KEYS.iter()) {
            assert!(
                schema::PLAN_KEYS.iter().any(|d| d.key == *k),
                "{k} is missing from schema::PLAN_KEYS"
            );
        }
        assert_eq!(schema::PLAN_KEYS.len(), SLO_KEYS.len() + OPTION_KEYS.len());
        assert!(schema::reference_markdown().contains("| `oom_risk` |"));
    }

    #[test]
    fn also_reads_enumerated_and_listed_values() {
        let s = settings(
            "[plan.also]\n\"gc.mode\" = \"all\"\n\"flink.taskmanager.memory.managed.fraction\" = [0.1, 0.4]\n",
            &[],
        )
        .unwrap();
        assert_eq!(s.also.len(), 2);
        let words: Vec<&str> = s.also[0]
            .values()
            .iter()
            .map(|v| v.label.as_str())
            .collect();
        assert_eq!(words, ["workstation", "server"]);
        assert!(s.also[1].axis.flink);
        assert_eq!(s.also[1].values().len(), 2);
        let s = settings(
            "",
            &[(
                "also",
                "gc.concurrent,flink.taskmanager.memory.network.fraction=0.05|0.1",
            )],
        )
        .unwrap();
        assert_eq!(s.also[0].values().len(), 2);
        assert_eq!(s.also[1].values()[1].label, "0.1");
        let e = settings("", &[("also", "workload.threads")]).unwrap_err();
        assert!(e.one_line().contains("give them"), "{e}");
        let e = settings("", &[("also", "gc.mod")]).unwrap_err();
        assert!(e.one_line().contains("did you mean `gc.mode`"), "{e}");
        let e = settings("", &[("also", "pod.limits.memory=1Gi|2Gi")]).unwrap_err();
        assert!(e.one_line().contains("sets the pod's memory itself"), "{e}");
    }
}
