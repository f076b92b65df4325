//! `memsim config`: the effective configuration with sources, layer precedence through the
//! command line (file < manifest < appsettings.json < environment < --set), `__` nesting of
//! environment variables, and errors in each input.

use std::path::PathBuf;

use crate::util::{TestDir, assert_one_error, stdout};

/// `memsim config ARGS...` with exactly the `MEMSIM__*` variables of `env`.
fn config(t: &TestDir, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut all = vec!["config"];
    all.extend_from_slice(args);
    let mut cmd = t.memsim(&all);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy()
            .to_ascii_uppercase()
            .starts_with("MEMSIM__")
        {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// A scenario, a manifest and an appsettings.json that all set `gc.conserve_memory` (and a few
/// keys only some of them set).
fn inputs(t: &TestDir) -> (PathBuf, PathBuf, PathBuf) {
    let scenario = t.write(
        "s.toml",
        "[pod]\nlimits.memory = \"1Gi\"\n[gc]\nconserve_memory = 1\nheap_count = 1\n",
    );
    let manifest = t.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      resources:\n        limits:\n          memory: 2Gi\n      env:\n        - name: DOTNET_GCConserveMemory\n          value: \"2\"\n        - name: DOTNET_GCHeapCount\n          value: \"2\"\n",
    );
    let appsettings = t.write(
        "appsettings.json",
        "{\n  // comments are allowed, as in .NET\n  \"Memsim\": { \"Gc\": { \"Conserve_Memory\": 3 } },\n}\n",
    );
    (scenario, manifest, appsettings)
}

#[test]
fn each_layer_overrides_the_one_below() {
    let t = TestDir::new();
    let (scenario, manifest, appsettings) = inputs(&t);
    let (s, m, a) = (
        scenario.to_str().unwrap(),
        manifest.to_str().unwrap(),
        appsettings.to_str().unwrap(),
    );
    let key = |j: &serde_json::Value, k: &str| (j[k]["value"].clone(), j[k]["source"].clone());
    let env = [("MEMSIM__Gc__Conserve_Memory", "4")];

    // default < file
    let j = json(&config(&t, &[s, "--format", "json"], &[]));
    assert_eq!(key(&j, "gc.conserve_memory").0, 1);
    assert_eq!(key(&j, "gc.conserve_memory").1, format!("{s}:4"));
    assert_eq!(key(&j, "gc.profile").1, "default");
    // file < manifest
    let j = json(&config(&t, &[s, "--pod", m, "--format", "json"], &[]));
    assert_eq!(key(&j, "gc.conserve_memory").0, 2);
    assert_eq!(key(&j, "pod.limits.memory").0, 2u64 << 30);
    assert_eq!(
        key(&j, "pod.limits.memory").1,
        format!("manifest {m}:spec.containers[0].resources.limits.memory")
    );
    // manifest < appsettings
    let args = [s, "--pod", m, "--appsettings", a, "--format", "json"];
    let j = json(&config(&t, &args, &[]));
    assert_eq!(key(&j, "gc.conserve_memory").0, 3);
    assert_eq!(
        key(&j, "gc.conserve_memory").1,
        format!("appsettings {a}:$.Memsim.Gc.Conserve_Memory")
    );
    assert_eq!(key(&j, "gc.heap_count").0, 2);
    // appsettings < env
    let j = json(&config(&t, &args, &env));
    assert_eq!(key(&j, "gc.conserve_memory").0, 4);
    assert_eq!(
        key(&j, "gc.conserve_memory").1,
        "env MEMSIM__Gc__Conserve_Memory"
    );
    // env < --set
    let mut with_set = args.to_vec();
    with_set.extend(["--set", "gc.conserve_memory=5"]);
    let j = json(&config(&t, &with_set, &env));
    assert_eq!(key(&j, "gc.conserve_memory").0, 5);
    assert_eq!(key(&j, "gc.conserve_memory").1, "--set");
    // The budget's values are shown with their derivation.
    let heap = key(&j, "gc.heap_hard_limit");
    assert!(heap.1.as_str().unwrap().starts_with("budget: "), "{heap:?}");
}

#[test]
fn environment_variables_nest_with_double_underscores() {
    let t = TestDir::new();
    let env = [
        ("MEMSIM__Pod__Limits__Memory", "1.5Gi"),
        ("memsim__scenario__process", "jobmanager"),
        ("MEMSIM__Flink__JobManager__Memory__Off-Heap__Size", "256m"),
        ("MEMSIM__Job__Vertices__0__Name", "source"),
        ("MEMSIM__Job__Vertices__0__Parallelism", "2"),
    ];
    let j = json(&config(&t, &["--format", "json"], &env));
    assert_eq!(j["pod.limits.memory"]["value"], 1_610_612_736u64);
    assert_eq!(j["scenario.process"]["value"], "jobmanager");
    assert_eq!(
        j["flink.jobmanager.memory.off-heap.size"]["value"],
        256u64 << 20
    );
    assert_eq!(
        j["flink.jobmanager.memory.off-heap.size"]["source"],
        "env MEMSIM__Flink__JobManager__Memory__Off-Heap__Size"
    );
    assert_eq!(j["job.vertices"]["value"][0]["name"], "source");
    assert_eq!(j["job.vertices"]["value"][0]["parallelism"], 2);
    // The budget sized the JobManager from the pod limit.
    assert_eq!(
        j["flink.jobmanager.memory.process.size"]["value"],
        1_610_612_736u64
    );
}

#[test]
fn table_lists_every_value_with_its_source() {
    let t = TestDir::new();
    let (scenario, _, _) = inputs(&t);
    let o = config(&t, &[scenario.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.starts_with("KEY "), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("pod.limits.memory "))
        .unwrap();
    assert!(line.contains(" 1Gi ") && line.ends_with(":2"), "{line}");
    let line = out
        .lines()
        .find(|l| l.starts_with("gc.heap_hard_limit "))
        .unwrap();
    assert!(line.contains("budget: JVM heap"), "{line}");
}

#[test]
fn errors_name_the_input_at_fault() {
    let t = TestDir::new();
    let (scenario, _, _) = inputs(&t);
    let s = scenario.to_str().unwrap();
    let bad_json = t.write("bad.json", "{ \"Memsim\": { \"Pod\": ");
    assert_one_error(
        &config(&t, &[s, "--appsettings", bad_json.to_str().unwrap()], &[]),
        &["bad.json", "line 1"],
    );
    let unknown = t.write(
        "unknown.json",
        "{ \"Memsim\": { \"Pod\": { \"Limit\": { \"Memory\": \"1Gi\" } } } }",
    );
    assert_one_error(
        &config(&t, &[s, "--appsettings", unknown.to_str().unwrap()], &[]),
        &[
            "$.Memsim.Pod.Limit.Memory",
            "pod.limit.memory",
            "pod.limits.memory",
        ],
    );
    assert_one_error(
        &config(&t, &[s], &[("MEMSIM__Pod__Limits__Memory", "1.5 GB")]),
        &["env MEMSIM__Pod__Limits__Memory", "pod.limits.memory"],
    );
    assert_one_error(
        &config(&t, &[s, "--appsettings", "missing.json"], &[]),
        &["missing.json", "cannot read"],
    );
    assert_one_error(
        &config(&t, &[s, "--pod", "missing.yaml"], &[]),
        &["missing.yaml", "cannot read"],
    );
    assert_one_error(&config(&t, &[s, "--container", "c"], &[]), &["--pod"]);
}

#[test]
fn run_and_check_take_the_same_inputs() {
    let t = TestDir::new();
    let scenario = t.write(
        "s.toml",
        "[scenario]\nduration = \"2m\"\n[pod]\nlimits.memory = \"1Gi\"\n",
    );
    let manifest = t.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      resources:\n        limits:\n          memory: 3Gi\n",
    );
    let (s, m) = (scenario.to_str().unwrap(), manifest.to_str().unwrap());
    let o = t.memsim(["check", s, "--pod", m]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(
        out.contains("sized by pod.limits.memory = 3Gi (manifest "),
        "{out}"
    );
    let out_dir = t.path().join("out");
    let o = t
        .memsim(["run", s, "--pod", m, "--out", out_dir.to_str().unwrap()])
        .env("MEMSIM__Scenario__Name", "from-env")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("limit 3.00 GiB"), "{}", stdout(&o));
    assert!(out_dir.join("from-env").is_dir());
}
