//! What a plan writes: `plan.csv` (every limit evaluated), `recommendation.json`, `patch.yaml`
//! (a strategic-merge patch of the pod template), `appsettings.memory.json` (Flink.NET's memory
//! options), the charts `risk.png` and `peak.png`, and the table printed on stdout. Every file
//! is written under a temporary name and renamed into place.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json, json};

use crate::budget::ProcessKind;
use crate::report::atomic::{WriteError, write_atomic};
use crate::scenario::load::Value;
use crate::scenario::manifest::{FlinkComponent, ObjectKind};
use crate::sweep::stats::Proportion;

use super::eval::LimitEval;
use super::explain::{Moment, gib};
use super::{PlanResult, Sizing, Verdict, quantity};

/// File names.
pub const PLAN_CSV: &str = "plan.csv";
/// The recommendation as JSON.
pub const RECOMMENDATION_JSON: &str = "recommendation.json";
/// The Kubernetes patch.
pub const PATCH_YAML: &str = "patch.yaml";
/// Flink.NET's memory options.
pub const APPSETTINGS_JSON: &str = "appsettings.memory.json";
/// P(OOM) against the limit.
pub const RISK_PNG: &str = "risk.png";
/// The memory at the peak.
pub const PEAK_PNG: &str = "peak.png";

/// The columns of `plan.csv`.
pub const PLAN_COLUMNS: [&str; 21] = [
    "variant",
    "role",
    "limit_bytes",
    "limit",
    "request_bytes",
    "runs",
    "failures",
    "p_oom",
    "p_oom_lo",
    "p_oom_hi",
    "gc_time_pct",
    "gc_time_pct_hi",
    "pause_p99_ms",
    "pause_p99_ms_hi",
    "peak_rss_p95_bytes",
    "peak_rss_max_bytes",
    "rss_p95_bytes",
    "verdict",
    "failing",
    "recommended",
    "invalid",
];

/// `plan.csv`: one row per (configuration, limit) evaluated, in limit order; `role` is `search`,
/// or the heuristics that proposed the limit (`VPA;KRR`).
pub fn plan_csv(r: &PlanResult) -> String {
    let mut out = PLAN_COLUMNS.join(",");
    out.push('\n');
    for (vi, v) in r.variants.iter().enumerate() {
        for e in v.evaluator.evals.values() {
            let roles: Vec<&str> = if vi == r.recommendation.variant {
                r.heuristics
                    .iter()
                    .filter(|h| h.eval.x == e.x)
                    .map(|h| h.name)
                    .collect()
            } else {
                Vec::new()
            };
            let role = if roles.is_empty() {
                "search".to_string()
            } else {
                roles.join(";")
            };
            let s = &e.stats;
            let mut row: Vec<String> = vec![
                csv_text(&v.describe()),
                role,
                e.limit.to_string(),
                quantity(e.limit),
                e.request.map_or(String::new(), |b| b.to_string()),
                s.runs.to_string(),
                s.oom.count.to_string(),
                format!("{:.6}", s.oom.p),
                format!("{:.6}", s.oom.lo),
                format!("{:.6}", s.oom.hi),
                format!("{:.4}", s.gc_time_pct.mean),
                s.gc_time_pct
                    .hi
                    .map_or(String::new(), |h| format!("{h:.4}")),
                format!("{:.3}", s.pause_p99_s.mean * 1000.0),
                s.pause_p99_s
                    .hi
                    .map_or(String::new(), |h| format!("{:.3}", h * 1000.0)),
                format!("{:.0}", s.peak_rss_p95),
                format!("{:.0}", s.peak_rss_max),
                format!("{:.0}", e.rss.quantile(0.95)),
                e.verdict_text().to_string(),
                e.judgement.failing(),
            ];
            let recommended = vi == r.recommendation.variant && e.x == r.recommendation.x;
            row.push(recommended.to_string());
            row.push(csv_text(e.invalid.as_deref().unwrap_or("")));
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    out
}

fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The .NET GC environment variables the recommendation runs with, as the runtime reads them
/// (values hexadecimal): `gcServer`, `gcConcurrent`, the heap hard limit (absolute, or as a
/// percentage when the scenario gives one), and any other GC knob the run sets. The prefix is
/// `DOTNET_` from .NET 5 on and `COMPlus_` for .NET Core 3.1, which reads no other.
pub fn gc_env(r: &PlanResult) -> Vec<(String, String)> {
    let gc = &r.recommendation.spec.gc;
    let prefix = match gc.profile {
        crate::sim::gc::GcProfile::NetCore31 => "COMPlus_",
        _ => "DOTNET_",
    };
    let hex = |v: u64| format!("0x{v:X}");
    let mut env = vec![
        ("gcServer".to_string(), hex(u64::from(gc.server))),
        ("gcConcurrent".to_string(), hex(u64::from(gc.concurrent))),
    ];
    // The manifest's own absolute limit would outlive the patch (and override a percentage):
    // it is replaced by the absolute limit the recommendation ran with.
    let absolute = gc.heap_hard_limit.or(if r.replaces_absolute_heap_limit {
        r.recommendation.heap_hard_limit
    } else {
        None
    });
    match (absolute, gc.heap_hard_limit_percent) {
        (Some(b), _) => env.push(("GCHeapHardLimit".into(), hex(b))),
        (None, Some(p)) => env.push(("GCHeapHardLimitPercent".into(), hex(u64::from(p)))),
        (None, None) => {}
    }
    if let Some(n) = gc.heap_count {
        env.push(("GCHeapCount".into(), hex(u64::from(n))));
    }
    if let Some(b) = gc.gen0size {
        env.push(("GCgen0size".into(), hex(b)));
    }
    if let Some(d) = gc.datas {
        env.push(("GCDynamicAdaptationMode".into(), hex(u64::from(d))));
    }
    if let Some(c) = gc.conserve_memory {
        env.push(("GCConserveMemory".into(), hex(u64::from(c))));
    }
    env.into_iter()
        .map(|(k, v)| (format!("{prefix}{k}"), v))
        .collect()
}

/// The Flink process size of the recommendation, in Flink's own unit (`2304m`).
fn flink_size(bytes: u64) -> String {
    if bytes % (1 << 20) == 0 {
        format!("{}m", bytes >> 20)
    } else {
        format!("{bytes}b")
    }
}

/// `patch.yaml`: a strategic-merge patch of the target's pod template. For a Deployment,
/// StatefulSet, DaemonSet, ReplicaSet or Job `spec.template.spec`, a CronJob
/// `spec.jobTemplate.spec.template.spec`, a Pod `spec`: the named container's
/// `resources.requests.memory`, `resources.limits.memory` and GC environment. For a
/// FlinkDeployment the operator sizes the main container from `spec.<component>.resource.memory`
/// (the process size), so the patch sets that and puts the environment into the component's
/// `podTemplate`.
pub fn patch_yaml(r: &PlanResult) -> String {
    let rec = &r.recommendation;
    let t = &r.target;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# memsim plan {}: limits.memory {}, requests.memory {} ({}).",
        r.name,
        quantity(rec.limit),
        quantity(rec.request),
        r.settings.slos.describe()
    );
    let env = gc_env(r);
    let container = |out: &mut String, indent: usize, resources: bool| {
        let pad = " ".repeat(indent);
        let _ = writeln!(out, "{pad}containers:");
        let _ = writeln!(out, "{pad}  - name: {}", yaml_str(&t.container));
        if resources {
            let _ = writeln!(out, "{pad}    resources:");
            let _ = writeln!(out, "{pad}      requests:");
            let _ = writeln!(
                out,
                "{pad}        memory: {}",
                yaml_str(&quantity(rec.request))
            );
            let _ = writeln!(out, "{pad}      limits:");
            let _ = writeln!(
                out,
                "{pad}        memory: {}",
                yaml_str(&quantity(rec.limit))
            );
        }
        let _ = writeln!(out, "{pad}    env:");
        for (k, v) in &env {
            let _ = writeln!(out, "{pad}      - name: {k}");
            let _ = writeln!(out, "{pad}        value: {}", yaml_str(v));
        }
    };
    match t.kind {
        ObjectKind::FlinkDeployment => {
            let patch = flink_patch(r, &env);
            emit_yaml(&patch, 0, &mut out);
        }
        ObjectKind::Pod => {
            let _ = writeln!(out, "spec:");
            container(&mut out, 2, true);
        }
        ObjectKind::CronJob => {
            out.push_str("spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n");
            container(&mut out, 10, true);
        }
        _ => {
            out.push_str("spec:\n  template:\n    spec:\n");
            container(&mut out, 6, true);
        }
    }
    out
}

/// The FlinkDeployment patch: `spec.<component>.resource.memory` and the component pod
/// template's whole container list (from the manifest, with the main container's GC
/// environment set), so that it reads the same as a JSON merge patch (which replaces lists; a
/// custom resource takes no strategic merge without its schema) and as a strategic one.
fn flink_patch(r: &PlanResult, env: &[(String, String)]) -> Json {
    let t = &r.target;
    let key = match t.component {
        FlinkComponent::TaskManager => "taskManager",
        FlinkComponent::JobManager => "jobManager",
    };
    let mut containers: Vec<Json> = t
        .object
        .as_ref()
        .and_then(|o| o.pointer(&format!("/spec/{key}/podTemplate/spec/containers")))
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let i = match containers
        .iter()
        .position(|c| c.get("name").and_then(Json::as_str) == Some(t.container.as_str()))
    {
        Some(i) => i,
        None => {
            containers.push(json!({ "name": t.container }));
            containers.len() - 1
        }
    };
    if let Json::Object(c) = &mut containers[i] {
        let list = c.entry("env").or_insert_with(|| json!([]));
        if !list.is_array() {
            *list = json!([]);
        }
        if let Json::Array(vars) = list {
            for (k, v) in env {
                match vars
                    .iter_mut()
                    .find(|e| e.get("name").and_then(Json::as_str) == Some(k.as_str()))
                {
                    Some(e) => e["value"] = json!(v),
                    None => vars.push(json!({ "name": k, "value": v })),
                }
            }
        }
    }
    json!({
        "spec": {
            key: {
                "resource": { "memory": flink_size(r.recommendation.x) },
                "podTemplate": { "spec": { "containers": containers } },
            }
        }
    })
}

/// Writes `v` as block-style YAML at `indent` spaces (strings double-quoted).
fn emit_yaml(v: &Json, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Json::Object(m) => {
            for (k, x) in m {
                match x {
                    Json::Object(o) if !o.is_empty() => {
                        let _ = writeln!(out, "{pad}{k}:");
                        emit_yaml(x, indent + 2, out);
                    }
                    Json::Array(a) if !a.is_empty() => {
                        let _ = writeln!(out, "{pad}{k}:");
                        emit_yaml(x, indent + 2, out);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{k}: {}", scalar(x));
                    }
                }
            }
        }
        Json::Array(a) => {
            for x in a {
                let mut item = String::new();
                match x {
                    Json::Object(o) if !o.is_empty() => emit_yaml(x, indent + 2, &mut item),
                    Json::Array(l) if !l.is_empty() => emit_yaml(x, indent + 2, &mut item),
                    _ => item = format!("{pad}  {}\n", scalar(x)),
                }
                // The first line of the item goes after the dash.
                let _ = write!(out, "{pad}- {}", &item[indent + 2..]);
            }
        }
        _ => {
            let _ = writeln!(out, "{pad}{}", scalar(v));
        }
    }
}

fn scalar(v: &Json) -> String {
    match v {
        Json::String(s) => yaml_str(s),
        Json::Object(_) => "{}".into(),
        Json::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

/// A YAML double-quoted string.
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// `appsettings.memory.json`: the memory section for Flink.NET's configuration file, the
/// process size under the Flink option Flink.NET reads (`FlinkDotNet`), with any Flink option
/// the plan searched.
pub fn appsettings_json(r: &PlanResult) -> String {
    let rec = &r.recommendation;
    let mut flink = Map::new();
    let key = match r.process {
        ProcessKind::TaskManager => "taskmanager.memory.process.size",
        ProcessKind::JobManager => "jobmanager.memory.process.size",
    };
    // The process size follows the limit unless the scenario's own Flink sizes fixed the split
    // (the plan warns about that); then those sizes are what ran, and what is written.
    let pinned = rec
        .budget
        .as_ref()
        .map(|b| b.sized_by.as_str())
        .filter(|k| k.starts_with("flink."));
    match pinned {
        None => {
            flink.insert(key.into(), json!(flink_size(rec.x)));
        }
        Some(_) => {
            for (k, e) in &rec.config.entries {
                if let (Some(name), crate::scenario::load::Value::Bytes(b)) =
                    (k.strip_prefix("flink."), &e.value)
                    && name.contains(".memory.")
                    && name.ends_with(".size")
                    && !matches!(
                        e.source,
                        crate::scenario::load::Source::Default
                            | crate::scenario::load::Source::Derived { .. }
                    )
                {
                    flink.insert(name.to_string(), json!(flink_size(*b)));
                }
            }
        }
    }
    let variant = &r.variants[rec.variant];
    for ((k, label), a) in variant.values.iter().zip(&r.settings.also) {
        if a.axis.flink {
            let name = k.strip_prefix("flink.").unwrap_or(k);
            flink.insert(name.to_string(), json!(label));
        }
    }
    let doc = json!({ "FlinkDotNet": Json::Object(flink) });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn proportion_json(p: &Proportion) -> Json {
    json!({ "failures": p.count, "runs": p.runs, "p": p.p, "lo": p.lo, "hi": p.hi })
}

/// One evaluated limit as JSON.
pub fn eval_json(e: &LimitEval) -> Json {
    let s = &e.stats;
    json!({
        "limit": quantity(e.limit),
        "limit_bytes": e.limit,
        "runs": s.runs,
        "p_oom": proportion_json(&s.oom),
        "gc_time_pct": s.gc_time_pct.mean,
        "gc_time_pct_hi": s.gc_time_pct.hi,
        "pause_p99_ms": s.pause_p99_s.mean * 1000.0,
        "pause_p99_ms_hi": s.pause_p99_s.hi.map(|h| h * 1000.0),
        "peak_rss_p95_bytes": s.peak_rss_p95,
        "peak_rss_max_bytes": s.peak_rss_max,
        "verdict": e.verdict_text(),
        "failing": e.judgement.failing(),
        "invalid": e.invalid,
    })
}

fn moment_json(m: &Moment) -> Json {
    json!({
        "limit_bytes": m.limit,
        "replication": m.replication,
        "time_s": m.time_s,
        "rss_bytes": m.rss,
        "outcome": m.outcome.name(),
        "during": m.during,
        "components": m.shares.iter().map(|s| json!({
            "name": s.name, "bytes": s.bytes, "share": s.share
        })).collect::<Vec<_>>(),
        "sentence": m.sentence,
    })
}

/// `recommendation.json`.
pub fn recommendation_json(r: &PlanResult) -> Json {
    let rec = &r.recommendation;
    let bytes = |key: &str| match rec.config.get(key) {
        Some(Value::Bytes(b)) => json!(b),
        _ => Json::Null,
    };
    let mut split = Map::new();
    split.insert(
        "gc_heap_hard_limit_bytes".into(),
        json!(rec.heap_hard_limit),
    );
    if r.process == ProcessKind::TaskManager {
        split.insert("network_pool_bytes".into(), bytes("network.pool"));
        if rocksdb(r) {
            split.insert(
                "rocksdb_block_cache_bytes".into(),
                bytes("state.rocksdb.block_cache"),
            );
        }
    }
    if let Some(b) = &rec.budget {
        let flink: Map<String, Json> = b
            .memory
            .components()
            .into_iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        split.insert("flink".into(), Json::Object(flink));
    }
    let env: Map<String, Json> = gc_env(r).into_iter().map(|(k, v)| (k, json!(v))).collect();
    let variant = &r.variants[rec.variant];
    let also: Map<String, Json> = variant
        .values
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let slos = &r.settings.slos;
    json!({
        "scenario": r.name,
        "process": crate::config::budget::process_name(r.process),
        "seed": r.seed,
        "horizon_s": r.horizon_s,
        "slos": {
            "oom_risk": slos.oom_risk,
            "gc_time_pct": slos.gc_time_pct,
            "p99_pause_s": slos.p99_pause_s,
            "headroom": slos.headroom,
        },
        "step_bytes": r.settings.step,
        "target": {
            "kind": r.target.kind.as_str(),
            "name": r.target.name,
            "container": r.target.container,
        },
        "recommendation": {
            "limits_memory": quantity(rec.limit),
            "limits_memory_bytes": rec.limit,
            "requests_memory": quantity(rec.request),
            "requests_memory_bytes": rec.request,
            "process_size_bytes": matches!(r.sizing, Sizing::Operator { .. }).then_some(rec.x),
            "split": Json::Object(split),
            "gc": {
                "profile": rec.spec.gc.profile.name(),
                "mode": if rec.spec.gc.server { "server" } else { "workstation" },
                "concurrent": rec.spec.gc.concurrent,
                "heap_hard_limit_bytes": rec.heap_hard_limit,
                "env": Json::Object(env),
            },
            "also": Json::Object(also),
            "at_limit": eval_json(&rec.eval),
            "one_step_below": rec.below.as_ref().map(eval_json),
            "cost_per_hour": rec.cost_per_hour,
            "cost_per_month": rec.cost_per_hour.map(|c| c * 730.0),
        },
        "explanation": {
            "sentence": r.explanation.text(),
            "peak": moment_json(&r.explanation.peak),
            "failure_below": r.explanation.failure.as_ref().map(moment_json),
        },
        "heuristics": r.heuristics.iter().map(|h| {
            let mut j = eval_json(&h.eval);
            if let Json::Object(m) = &mut j {
                m.insert("name".into(), json!(h.name));
                m.insert("rule".into(), json!(h.rule));
                m.insert("assessment".into(), json!(assessment(&h.eval)));
            }
            j
        }).collect::<Vec<_>>(),
        "history": r.history.as_ref().map(|h| json!({
            "limit_bytes": h.limit,
            "runs": h.runs,
            "span_s": h.span_s,
            "scrape_s": h.scrape_s,
            "samples": h.samples,
            "p90_bytes": h.p90,
            "max_bytes": h.max,
            "true_peak_bytes": h.true_peak,
            "failures": h.failures,
        })),
        "variants": r.variants.iter().map(|v| json!({
            "values": v.describe(),
            "limit_bytes": match v.outcome {
                super::SearchOutcome::Found { x } => Some(r.sizing.limit_of(x)),
                super::SearchOutcome::Infeasible { .. } => None,
            },
        })).collect::<Vec<_>>(),
        "runs": r.runs,
    })
}

/// How a compared limit fares, in words: `meets the SLOs`, `fails oom_risk`, or (not decided
/// within its runs) `no SLO missed in 100 runs` / `likely fails gc_time_pct`.
pub fn assessment(e: &LimitEval) -> String {
    if let Some(why) = &e.invalid {
        if why.contains("Total Flink Memory") {
            return "does not start: Flink rejects its memory split at this size".into();
        }
        let first: String = why.chars().take(90).collect();
        let more = if why.chars().count() > 90 { "…" } else { "" };
        return format!("does not start: {first}{more}");
    }
    match e.judgement.verdict {
        Verdict::Pass => "meets the SLOs".into(),
        Verdict::Fail => format!("fails {}", e.judgement.failing().replace(';', ", ")),
        Verdict::Undecided if e.looks_good() => {
            format!("no SLO missed in {} runs", e.stats.runs)
        }
        Verdict::Undecided => {
            let missed: Vec<&str> = e
                .judgement
                .checks
                .iter()
                .filter(|c| c.value > c.objective)
                .map(|c| c.slo)
                .collect();
            format!("likely fails {}", missed.join(", "))
        }
    }
}

/// Whether the state lives in the RocksDB-like store (the block cache is part of the split).
fn rocksdb(r: &PlanResult) -> bool {
    matches!(r.recommendation.config.get("state.backend"), Some(Value::Text(t)) if t == "rocksdb")
}

/// `0.0% [0.0%, 1.0%] 0/381`.
pub fn risk_text(p: &Proportion) -> String {
    format!(
        "{:.1}% [{:.1}%, {:.1}%] {}/{}",
        p.p * 100.0,
        p.lo * 100.0,
        p.hi * 100.0,
        p.count,
        p.runs
    )
}

/// The report printed on stdout (`--format table`). `elapsed_s`: wall time, if known.
pub fn table(r: &PlanResult, dir: Option<&Path>, elapsed_s: Option<f64>) -> String {
    let rec = &r.recommendation;
    let mut o = String::new();
    let horizon = crate::scenario::duration::format_duration(std::time::Duration::from_secs_f64(
        r.horizon_s.max(0.0),
    ));
    let _ = writeln!(
        o,
        "plan        {} (seed {}, {horizon} per run; SLOs: {})",
        r.name,
        r.seed,
        r.settings.slos.describe()
    );
    if r.variants.len() > 1 {
        let all: Vec<String> = r
            .variants
            .iter()
            .map(|v| {
                let answer = match v.outcome {
                    super::SearchOutcome::Found { x } => quantity(r.sizing.limit_of(x)),
                    super::SearchOutcome::Infeasible { .. } => "none meets the SLOs".into(),
                };
                format!("{}: {answer}", v.describe())
            })
            .collect();
        let _ = writeln!(o, "also        {}", all.join("; "));
        let _ = writeln!(o, "best        {}", r.variants[rec.variant].describe());
    }
    let _ = writeln!(
        o,
        "limit       {}  (requests {}: p95 of resident memory after the warm-up)",
        quantity(rec.limit),
        quantity(rec.request)
    );
    if let Sizing::Operator { .. } = r.sizing {
        let _ = writeln!(
            o,
            "process     {} (spec.{}.resource.memory)",
            flink_size(rec.x),
            match r.target.component {
                FlinkComponent::TaskManager => "taskManager",
                FlinkComponent::JobManager => "jobManager",
            }
        );
    }
    let mut split = vec![format!(
        "GC heap hard limit {}",
        rec.heap_hard_limit.map_or("none".into(), |h| gib(h as f64))
    )];
    if r.process == ProcessKind::TaskManager {
        split.push(format!("network pool {}", gib(rec.spec.network.pool_bytes)));
        if let Some(Value::Bytes(b)) = rec.config.get("state.rocksdb.block_cache")
            && rocksdb(r)
        {
            split.push(format!("block cache {}", gib(*b as f64)));
        }
    }
    let _ = writeln!(o, "split       {}", split.join(", "));
    let env: Vec<String> = gc_env(r).iter().map(|(k, v)| format!("{k}={v}")).collect();
    let _ = writeln!(
        o,
        "gc          {} {}{}; {}",
        rec.spec.gc.profile.name(),
        if rec.spec.gc.server {
            "server"
        } else {
            "workstation"
        },
        if rec.spec.gc.concurrent {
            ", concurrent"
        } else {
            ""
        },
        env.join(" ")
    );
    let line = |e: &LimitEval| {
        format!(
            "P(OOM) {}, GC {:.2}%, p99 pause {:.1} ms: {}",
            risk_text(&e.stats.oom),
            e.stats.gc_time_pct.mean,
            e.stats.pause_p99_s.mean * 1000.0,
            assessment(e)
        )
    };
    let _ = writeln!(o, "at limit    {}", line(&rec.eval));
    if let Some(b) = &rec.below {
        let _ = writeln!(o, "step below  {}: {}", quantity(b.limit), line(b));
    }
    if let Some(c) = rec.cost_per_hour {
        let _ = writeln!(
            o,
            "cost        {c:.4} per hour ({:.2} per month of 730 h)",
            c * 730.0
        );
    }
    let _ = writeln!(o, "why         {}", r.explanation.text());
    if !r.heuristics.is_empty() {
        let _ = writeln!(o);
        let mut rows: Vec<[String; 5]> = vec![[
            "memsim".into(),
            "SLOs".into(),
            quantity(rec.limit),
            risk_text(&rec.eval.stats.oom),
            format!("{:.2}%", rec.eval.stats.gc_time_pct.mean),
        ]];
        for h in &r.heuristics {
            let ran = h.eval.invalid.is_none();
            rows.push([
                format!("{}-style", h.name),
                h.rule.into(),
                quantity(h.limit),
                if ran {
                    risk_text(&h.eval.stats.oom)
                } else {
                    "—".into()
                },
                if ran {
                    format!("{:.2}%", h.eval.stats.gc_time_pct.mean)
                } else {
                    "—".into()
                },
            ]);
        }
        let mut assessments = vec![assessment(&rec.eval)];
        assessments.extend(r.heuristics.iter().map(|h| assessment(&h.eval)));
        let header = [
            "SIZED BY",
            "RULE",
            "LIMIT",
            "P(OOM) [95% interval] failed/runs",
            "GC TIME",
        ];
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let fmt = |cells: &[String], last: &str| {
            let mut s = String::new();
            for (c, w) in cells.iter().zip(widths) {
                let _ = write!(s, "{c:<w$}  ");
            }
            s.push_str(last);
            s
        };
        let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        let _ = writeln!(o, "{}", fmt(&head, "VERDICT"));
        for (row, a) in rows.iter().zip(&assessments) {
            let _ = writeln!(o, "{}", fmt(row, a));
        }
        if let Some(h) = &r.history {
            let _ = writeln!(
                o,
                "(heuristics from {} of metrics at {}, scraped every {}: {} samples, p90 {}, max {}; the true peak was {})",
                crate::scenario::duration::format_duration(std::time::Duration::from_secs_f64(
                    h.span_s
                )),
                quantity(h.limit),
                crate::scenario::duration::format_duration(std::time::Duration::from_secs_f64(
                    h.scrape_s
                )),
                h.samples,
                gib(h.p90),
                gib(h.max),
                gib(h.true_peak)
            );
        }
    }
    let _ = writeln!(o);
    match elapsed_s {
        Some(t) => {
            let _ = writeln!(o, "runs        {} simulated in {t:.1} s", r.runs);
        }
        None => {
            let _ = writeln!(o, "runs        {} simulated", r.runs);
        }
    }
    if let Some(d) = dir {
        let _ = writeln!(
            o,
            "output      {} ({PLAN_CSV}, {RECOMMENDATION_JSON}, {RISK_PNG}, {PEAK_PNG}, {PATCH_YAML}, {APPSETTINGS_JSON})",
            d.display()
        );
    }
    o
}

/// Writes every file of the plan into `dir` (created if needed); returns the files.
pub fn write_all(r: &PlanResult, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| WriteError::new(dir, e).to_string())?;
    let mut files = Vec::new();
    let mut put = |name: &str, text: String| -> Result<(), String> {
        let p = dir.join(name);
        write_atomic(&p, text.as_bytes()).map_err(|e| e.to_string())?;
        files.push(p);
        Ok(())
    };
    put(PLAN_CSV, plan_csv(r))?;
    let mut json = serde_json::to_string_pretty(&recommendation_json(r)).unwrap_or_default();
    json.push('\n');
    put(RECOMMENDATION_JSON, json)?;
    put(PATCH_YAML, patch_yaml(r))?;
    put(APPSETTINGS_JSON, appsettings_json(r))?;
    let risk = dir.join(RISK_PNG);
    crate::report::png::plan::risk_chart(r, &risk).map_err(|e| e.to_string())?;
    files.push(risk);
    let peak = dir.join(PEAK_PNG);
    crate::report::png::plan::peak_chart(r, &peak).map_err(|e| e.to_string())?;
    files.push(peak);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_sizes_and_yaml_strings() {
        assert_eq!(flink_size(2304 << 20), "2304m");
        assert_eq!(flink_size(1000), "1000b");
        assert_eq!(yaml_str("0x1A"), "\"0x1A\"");
        assert_eq!(csv_text("a, b"), "\"a, b\"");
    }
}
