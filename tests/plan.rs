//! Acceptance tests of `memsim plan` on the small scenarios of `tests/data/plan/` (40 simulated
//! minutes, `oom_risk = 10%` so that a decision takes tens of runs, not hundreds).

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value as Json;

use memsim::scenario::load::load_scenario;
use memsim::scenario::manifest::{ManifestSelector, read_pod_resources};
use memsim::sim::observe::{NullObserver, Outcome};
use memsim::sim::rng::derive_seed;
use memsim::sim::simulate;
use memsim::sweep::stats::mean_interval;

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn memsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_memsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("memsim runs")
}

/// `memsim plan SCENARIO ARGS… --format json` in `dir`; the recommendation.
fn plan_json(dir: &Path, scenario: &str, args: &[&str]) -> Json {
    let file = repo(scenario);
    let mut all = vec!["plan", file.to_str().unwrap(), "--format", "json", "-q"];
    all.extend_from_slice(args);
    let o = memsim(dir, &all);
    assert!(
        o.status.success(),
        "memsim plan {scenario} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("recommendation JSON")
}

fn limit_of(j: &Json) -> u64 {
    j["recommendation"]["limits_memory_bytes"]
        .as_u64()
        .expect("limit")
}

const UNDER: &str = "tests/data/plan/under.toml";
const OVER: &str = "tests/data/plan/over.toml";
const BURST: &str = "tests/data/plan/burst.toml";

/// Runs `scenario` at `limit` with `runs` seeds the plan never used; returns (failures, mean
/// time in GC %).
fn fresh(scenario: &str, limit: u64, runs: u64) -> (u64, f64) {
    let q = memsim::scenario::quantity::format_quantity(limit);
    let sets = [
        format!("pod.limits.memory={q}"),
        format!("pod.requests.memory={q}"),
    ];
    let s = load_scenario(&repo(scenario), &sets, None).expect("scenario");
    let mut failures = 0;
    let mut gc = Vec::new();
    for r in 0..runs {
        let mut spec = s.spec.clone();
        spec.seed = derive_seed(0xF2E5, &[r]);
        let sum = simulate(&spec, &mut NullObserver);
        failures += u64::from(sum.outcome != Outcome::Ok);
        gc.push(sum.time_in_gc_pct);
    }
    (failures, mean_interval(&gc).mean)
}

#[test]
fn the_recommended_limit_holds_on_fresh_seeds_and_one_step_below_fails() {
    let t = tempfile::tempdir().unwrap();
    for scenario in [UNDER, OVER] {
        let j = plan_json(t.path(), scenario, &["--no-compare"]);
        let limit = limit_of(&j);
        let rec = &j["recommendation"];
        assert_eq!(rec["at_limit"]["verdict"], "pass", "{scenario}: {rec}");
        assert_eq!(
            rec["one_step_below"]["verdict"], "fail",
            "{scenario}: {rec}"
        );
        let step = j["step_bytes"].as_u64().unwrap();
        assert_eq!(
            rec["one_step_below"]["limit_bytes"].as_u64(),
            Some(limit - step)
        );
        // Fresh seeds: the objectives hold at the limit (point estimates: the planner judged the
        // upper ends), and one step below the failures are real.
        let (failures, gc) = fresh(scenario, limit, 40);
        assert!(
            failures as f64 / 40.0 <= 0.10 && gc <= 5.0,
            "{scenario} at {limit}: {failures}/40 failed, {gc:.2}% in GC"
        );
        let (failures_below, _) = fresh(scenario, limit - step, 40);
        assert!(
            failures_below >= 1,
            "{scenario}: one step below ({}) never failed on fresh seeds",
            limit - step
        );
    }
}

#[test]
fn more_traffic_or_more_state_never_lowers_the_recommendation() {
    let t = tempfile::tempdir().unwrap();
    let at = |sets: &[&str]| {
        let mut args = vec!["--no-compare"];
        for s in sets {
            args.push("--set");
            args.push(s);
        }
        limit_of(&plan_json(t.path(), UNDER, &args))
    };
    let base = at(&[]);
    let traffic = at(&["workload.records_per_second=6000"]);
    let state = at(&["state.initial=500Mi"]);
    assert!(traffic >= base, "traffic: {traffic} < {base}");
    assert!(state >= base, "state: {state} < {base}");
    let both = at(&["workload.records_per_second=6000", "state.initial=500Mi"]);
    assert!(both >= traffic.max(state), "both: {both}");
}

#[test]
fn vpa_under_provisions_a_pod_whose_short_peaks_the_scraper_misses() {
    let t = tempfile::tempdir().unwrap();
    let j = plan_json(t.path(), BURST, &[]);
    let limit = limit_of(&j);
    let h = &j["history"];
    // Memtables filled by 5 s bursts: the 30 s scraper sees a maximum well below the true
    // peak, and the 90th percentile below that.
    let (max, peak) = (
        h["max_bytes"].as_f64().unwrap(),
        h["true_peak_bytes"].as_f64().unwrap(),
    );
    assert!(peak > max * 1.05, "{h}");
    let vpa = &j["heuristics"][0];
    assert_eq!(vpa["name"], "VPA");
    assert!(vpa["limit_bytes"].as_u64().unwrap() < limit, "{vpa}");
    assert!(vpa["limit_bytes"].as_f64().unwrap() < peak, "{vpa}");
    assert!(
        vpa["assessment"]
            .as_str()
            .unwrap()
            .starts_with("fails oom_risk"),
        "{vpa}"
    );
    assert!(vpa["p_oom"]["failures"].as_u64().unwrap() >= 1);
}

#[test]
fn heuristics_under_provision_a_flink_budgeted_pod_whose_heap_shrinks_with_the_limit() {
    let t = tempfile::tempdir().unwrap();
    let j = plan_json(t.path(), UNDER, &[]);
    let limit = limit_of(&j);
    let h = &j["history"];
    // The 30 s scraper saw less than the true peak.
    assert!(
        h["true_peak_bytes"].as_f64() > h["max_bytes"].as_f64(),
        "{h}"
    );
    assert_eq!(h["scrape_s"].as_f64(), Some(30.0));
    let heuristics = j["heuristics"].as_array().unwrap();
    assert_eq!(heuristics.len(), 3);
    for x in heuristics {
        assert!(x["limit_bytes"].as_u64().unwrap() < limit, "{x}");
        let a = x["assessment"].as_str().unwrap();
        assert!(
            a.starts_with("fails") || a.starts_with("does not start"),
            "{x}"
        );
    }
    let names: Vec<&str> = heuristics
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["VPA", "KRR", "operator"]);
}

#[test]
fn heuristics_over_provision_a_pod_whose_gc_holds_memory_at_a_generous_limit() {
    let t = tempfile::tempdir().unwrap();
    let j = plan_json(t.path(), OVER, &["--price-per-gib-hour", "0.01"]);
    let limit = limit_of(&j);
    assert_eq!(j["recommendation"]["at_limit"]["verdict"], "pass");
    for x in j["heuristics"].as_array().unwrap() {
        assert!(x["limit_bytes"].as_u64().unwrap() > limit, "{x}");
        let a = x["assessment"].as_str().unwrap();
        assert!(
            a == "meets the SLOs" || a.starts_with("no SLO missed"),
            "{x}"
        );
    }
    let cost = j["recommendation"]["cost_per_hour"].as_f64().unwrap();
    assert!((cost - 0.01 * limit as f64 / (1u64 << 30) as f64).abs() < 1e-12);
}

#[test]
fn outputs_are_written_and_the_table_explains_the_answer() {
    let t = tempfile::tempdir().unwrap();
    let o = memsim(
        t.path(),
        &["plan", repo(OVER).to_str().unwrap(), "--out", "out"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "limit ",
        "step below",
        "why         Peak",
        "VPA-style",
        "KRR-style",
        "operator-style",
        "One step below",
    ] {
        assert!(table.contains(needle), "{needle}: {table}");
    }
    let dir = t.path().join("out/plan-over/plan");
    let csv = std::fs::read_to_string(dir.join("plan.csv")).unwrap();
    assert!(csv.starts_with("variant,role,limit_bytes,limit,"), "{csv}");
    assert!(csv.lines().any(|l| l.contains(",VPA")), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.ends_with(",true,")).count(), 1);
    for png in ["risk.png", "peak.png"] {
        let bytes = std::fs::read(dir.join(png)).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{png}"
        );
    }
    let app: Json = serde_json::from_str(
        &std::fs::read_to_string(dir.join("appsettings.memory.json")).unwrap(),
    )
    .unwrap();
    assert!(
        app["FlinkDotNet"]["taskmanager.memory.process.size"]
            .as_str()
            .unwrap()
            .ends_with('m')
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Applies `patch` to `manifest` with `kubectl patch --local`, when kubectl is installed.
fn kubectl_patch(manifest: &Path, patch: &Path, kind: &str) -> Option<String> {
    let o = std::process::Command::new("kubectl")
        .args(["patch", "--local", "-f"])
        .arg(manifest)
        .args(["--type", kind, "--patch-file"])
        .arg(patch)
        .args(["-o", "yaml"])
        .output()
        .ok()?;
    assert!(
        o.status.success(),
        "kubectl patch --type {kind}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn the_patch_fits_deployments_statefulsets_and_flinkdeployments() {
    let t = tempfile::tempdir().unwrap();
    for (manifest, kind) in [
        ("deployment.yaml", "Deployment"),
        ("statefulset.yaml", "StatefulSet"),
        ("flinkdeployment.yaml", "FlinkDeployment"),
    ] {
        let path = repo(&format!("tests/data/manifests/{manifest}"));
        let args = ["--pod", path.to_str().unwrap(), "--no-compare"];
        let j = plan_json(t.path(), UNDER, &args);
        let rec = &j["recommendation"];
        let limit = limit_of(&j);
        let o = memsim(
            t.path(),
            &[
                "plan",
                repo(UNDER).to_str().unwrap(),
                "--pod",
                path.to_str().unwrap(),
                "--no-compare",
                "--format",
                "yaml",
                "-q",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let patch: Json = serde_saphyr::from_str(&text).expect("patch.yaml parses");
        let written =
            std::fs::read_to_string(t.path().join("results/plan-under/plan/patch.yaml")).unwrap();
        assert_eq!(written, text);
        let env_of = |c: &Json| -> Vec<(String, String)> {
            c["env"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap().to_string(),
                        e["value"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        };
        let hex = |v: &str| u64::from_str_radix(v.trim_start_matches("0x"), 16).unwrap();
        let gc_env = rec["gc"]["env"].as_object().unwrap();
        match kind {
            "FlinkDeployment" => {
                let tm = &patch["spec"]["taskManager"];
                let process = rec["process_size_bytes"].as_u64().unwrap();
                assert_eq!(
                    tm["resource"]["memory"].as_str(),
                    Some(format!("{}m", process >> 20).as_str())
                );
                let containers = tm["podTemplate"]["spec"]["containers"].as_array().unwrap();
                let names: Vec<&str> = containers
                    .iter()
                    .map(|c| c["name"].as_str().unwrap())
                    .collect();
                assert!(names.contains(&"flink-main-container") && names.contains(&"log-shipper"));
                let main = containers
                    .iter()
                    .find(|c| c["name"] == "flink-main-container")
                    .unwrap();
                let env = env_of(main);
                for (k, v) in gc_env {
                    assert!(
                        env.contains(&(k.clone(), v.as_str().unwrap().to_string())),
                        "{k}"
                    );
                }
            }
            _ => {
                let c = &patch["spec"]["template"]["spec"]["containers"][0];
                let want = if kind == "Deployment" {
                    "taskmanager"
                } else {
                    "jobmanager"
                };
                assert_eq!(c["name"], want);
                assert_eq!(
                    c["resources"]["limits"]["memory"].as_str(),
                    rec["limits_memory"].as_str()
                );
                assert_eq!(
                    c["resources"]["requests"]["memory"].as_str(),
                    rec["requests_memory"].as_str()
                );
                let env = env_of(c);
                if let Some((_, v)) = env.iter().find(|(k, _)| k == "DOTNET_GCHeapHardLimit") {
                    assert_eq!(Some(hex(v)), rec["gc"]["heap_hard_limit_bytes"].as_u64());
                }
            }
        }
        // kubectl accepts the patch as written: strategic merge for the built-in kinds, a JSON
        // merge patch for the FlinkDeployment (a custom resource has no strategic merge
        // without its schema); the patched manifest reads back as the recommendation.
        let patch_file = t.path().join(format!("{kind}.patch.yaml"));
        std::fs::write(&patch_file, &text).unwrap();
        let merge = if kind == "FlinkDeployment" {
            "merge"
        } else {
            "strategic"
        };
        let Some(patched) = kubectl_patch(&path, &patch_file, merge) else {
            eprintln!("kubectl not found: skipping kubectl patch --local");
            continue;
        };
        let selector = ManifestSelector::default();
        let r = read_pod_resources(&patched, &selector).expect("patched manifest reads");
        assert_eq!(r.limits_memory, Some(limit), "{kind}: {patched}");
        if kind != "FlinkDeployment" {
            assert_eq!(
                r.requests_memory,
                rec["requests_memory_bytes"].as_u64(),
                "{kind}"
            );
            // The other containers are kept.
            if kind == "Deployment" {
                assert!(patched.contains("metrics-sidecar"));
            }
        } else {
            assert!(patched.contains("log-shipper") && patched.contains("jarURI"));
        }
        if let Some(h) = gc_env.get("DOTNET_GCHeapHardLimit") {
            assert_eq!(
                r.gc.heap_hard_limit,
                Some(hex(h.as_str().unwrap())),
                "{kind}"
            );
        }
    }
}

#[test]
fn infeasible_slos_end_with_a_clear_message_and_exit_2() {
    let t = tempfile::tempdir().unwrap();
    let file = repo(UNDER);
    for args in [
        vec!["--slo", "gc_time_pct=0.0001", "--max", "4Gi"],
        vec!["--max", "512Mi"],
    ] {
        let mut all = vec!["plan", file.to_str().unwrap()];
        all.extend(args.iter().copied());
        let o = memsim(t.path(), &all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(o.stdout.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: plan-under: ")
                && (err.contains("SLOs cannot be met") || err.contains("no limit up to")),
            "{err}"
        );
    }
}

#[test]
fn bad_input_names_the_file_and_the_field() {
    let t = tempfile::tempdir().unwrap();
    let scenario = t.path().join("s.toml");
    let text = std::fs::read_to_string(repo(UNDER))
        .unwrap()
        .replace("step = \"128Mi\"", "stpe = \"128Mi\"");
    std::fs::write(&scenario, text).unwrap();
    let o = memsim(t.path(), &["plan", scenario.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("s.toml:") && err.contains("[plan] stpe") && err.contains("`step`"),
        "{err}"
    );
    let file = repo(UNDER);
    for (args, needle) in [
        (vec!["--slo", "oom_risk=5"], "oom_risk"),
        (vec!["--slo", "latency=1s"], "latency"),
        (vec!["--step", "64"], "--step"),
        (vec!["--also", "gc.mod"], "gc.mode"),
    ] {
        let mut all = vec!["plan", file.to_str().unwrap()];
        all.extend(args.iter().copied());
        let o = memsim(t.path(), &all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(needle),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn the_answer_does_not_depend_on_the_thread_count() {
    let t = tempfile::tempdir().unwrap();
    let read = |threads: &str| {
        let out = format!("out{threads}");
        let o = memsim(
            t.path(),
            &[
                "plan",
                repo(UNDER).to_str().unwrap(),
                "--threads",
                threads,
                "--out",
                &out,
                "-q",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let dir = t.path().join(&out).join("plan-under/plan");
        (
            std::fs::read(dir.join("plan.csv")).unwrap(),
            std::fs::read(dir.join("recommendation.json")).unwrap(),
            std::fs::read(dir.join("patch.yaml")).unwrap(),
        )
    };
    assert!(read("1") == read("2"));
}

#[test]
fn also_searches_extra_keys_and_reports_the_best_combination() {
    let t = tempfile::tempdir().unwrap();
    let j = plan_json(
        t.path(),
        UNDER,
        &[
            "--no-compare",
            "--also",
            "flink.taskmanager.memory.managed.fraction=0.4|0.05",
        ],
    );
    let variants = j["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    let limits: Vec<Option<u64>> = variants.iter().map(|v| v["limit_bytes"].as_u64()).collect();
    let best = limits.iter().flatten().min().copied().unwrap();
    assert_eq!(limit_of(&j), best);
    // Heap state gains from a smaller managed (RocksDB) share: the best keeps 0.05.
    assert_eq!(
        j["recommendation"]["also"]["flink.taskmanager.memory.managed.fraction"],
        "0.05"
    );
}

/// A scenario that fixes Flink's process size keeps the same split at every limit: the plan
/// says so instead of silently searching a limit the split ignores.
#[test]
fn a_pinned_flink_process_size_is_named_in_a_warning() {
    let t = tempfile::tempdir().unwrap();
    let file = repo(UNDER);
    let o = memsim(
        t.path(),
        &[
            "plan",
            file.to_str().unwrap(),
            "-q",
            "--set",
            "flink.taskmanager.memory.process.size=1600m",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: flink.taskmanager.memory.process.size fixes Flink's memory sizes"),
        "{err}"
    );
    let o = memsim(t.path(), &["plan", file.to_str().unwrap(), "-q"]);
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("fixes Flink's memory sizes"),
        "no warning without a pinned size"
    );
}

/// A manifest that sets an absolute `DOTNET_GCHeapHardLimit` keeps it through a strategic merge
/// unless the patch names it, and an absolute limit overrides a percentage: so the patch always
/// replaces it with the limit the recommendation was simulated with, even when the scenario
/// sizes the heap by a percentage.
#[test]
fn the_patch_replaces_a_manifests_absolute_heap_limit() {
    let t = tempfile::tempdir().unwrap();
    let manifest = repo("tests/data/manifests/deployment.yaml");
    let args = [
        "--pod",
        manifest.to_str().unwrap(),
        "--no-compare",
        "--set",
        "memory.budget=off",
        "--set",
        "gc.heap_hard_limit_percent=80",
    ];
    let j = plan_json(t.path(), UNDER, &args);
    let simulated = j["recommendation"]["gc"]["heap_hard_limit_bytes"]
        .as_u64()
        .expect("a heap hard limit");
    let text =
        std::fs::read_to_string(t.path().join("results/plan-under/plan/patch.yaml")).unwrap();
    let want = format!("0x{simulated:X}");
    assert!(
        text.contains("DOTNET_GCHeapHardLimit") && text.contains(&want),
        "{want} in {text}"
    );
    let patch_file = t.path().join("patch.yaml");
    std::fs::write(&patch_file, &text).unwrap();
    let Some(patched) = kubectl_patch(&manifest, &patch_file, "strategic") else {
        eprintln!("kubectl not found: skipping kubectl patch --local");
        return;
    };
    let r = read_pod_resources(&patched, &ManifestSelector::default()).unwrap();
    assert_eq!(r.gc.heap_hard_limit, Some(simulated), "{patched}");
}
