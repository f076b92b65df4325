//! `memsim budget`: Flink's vectors byte for byte, the split in .NET terms, the network check,
//! manifests of every kind, and one clear error line per malformed input.

use memsim::budget::{derive_jobmanager, derive_taskmanager};
use memsim::config::budget::flink_message;
use memsim::config::flink_keys::parse_flink_settings;

use crate::util::{TestDir, assert_one_error, repo, stdout};

/// `memsim budget ARGS...` with no `MEMSIM__*` variables from the caller's environment.
fn budget(t: &TestDir, args: &[&str]) -> std::process::Output {
    let mut all = vec!["budget"];
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
    cmd.output().unwrap()
}

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn flink_output_reproduces_every_vector() {
    let text = std::fs::read_to_string(repo("validation/flink/flink-vectors.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let t = TestDir::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let (id, process, inputs, expected) = (&record[0], &record[1], &record[2], &record[3]);
        let mut args = vec!["--flink", "--process", process];
        let entries: Vec<&str> = inputs.split(';').filter(|e| !e.trim().is_empty()).collect();
        for e in &entries {
            args.push("--set");
            args.push(e);
        }
        let o = budget(&t, &args);
        if expected.starts_with("error:") {
            let settings = parse_flink_settings(&entries).unwrap();
            let err = match process {
                "taskmanager" => derive_taskmanager(&settings.taskmanager).unwrap_err(),
                _ => derive_jobmanager(&settings.jobmanager).unwrap_err(),
            };
            let line = assert_one_error(&o, &[]);
            assert_eq!(line, format!("error: {}", flink_message(&err)), "{id}");
        } else {
            assert!(
                o.status.success(),
                "{id}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let want: Vec<&str> = expected.split(';').collect();
            assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), want, "{id}");
        }
        rows += 1;
    }
    assert_eq!(rows, 41);
}

#[test]
fn without_a_file_the_pod_limit_is_the_process_size() {
    let t = TestDir::new();
    let j = json(&budget(
        &t,
        &["--set", "pod.limits.memory=1728Mi", "--format", "json"],
    ));
    assert_eq!(j["process"], "taskmanager");
    assert_eq!(j["sized_by"]["key"], "pod.limits.memory");
    assert_eq!(j["dotnet"]["gc_heap_hard_limit"], 536_870_902u64);
    assert_eq!(j["dotnet"]["network_buffer_pool"], 134_217_730u64);
    assert_eq!(j["dotnet"]["native_state"], 536_870_920u64);
    assert_eq!(j["flink"]["total_process"], 1_811_939_328u64);
    assert_eq!(
        j["simulation"]["gc.heap_hard_limit"]["value"],
        536_870_902u64
    );
    let source = j["simulation"]["gc.heap_hard_limit"]["source"]
        .as_str()
        .unwrap();
    assert!(source.starts_with("budget: "), "{source}");
}

#[test]
fn table_shows_the_dotnet_parts() {
    let t = TestDir::new();
    let o = budget(
        &t,
        &[
            "--process",
            "jobmanager",
            "--set",
            "jobmanager.memory.process.size=1600m",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.starts_with("jobmanager memory budget, sized by flink.jobmanager.memory.process.size = 1600Mi (--set)"), "{out}");
    assert!(out.contains("GC heap hard limit   1073741824"), "{out}");
    assert!(out.contains("total process        1677721600"), "{out}");
}

#[test]
fn malformed_inputs_are_one_clear_error_line() {
    let t = TestDir::new();
    let cases: &[(&[&str], &[&str])] = &[
        // A bad Kubernetes quantity.
        (
            &["--set", "pod.limits.memory=4GiB"],
            &["pod.limits.memory", "--set"],
        ),
        // A Flink size that is neither Flink's nor a Kubernetes quantity.
        (
            &["--set", "taskmanager.memory.process.size=4 gigs"],
            &[
                "flink.taskmanager.memory.process.size",
                "neither a Flink memory size",
            ],
        ),
        // A fraction >= 1.
        (
            &[
                "--set",
                "pod.limits.memory=4Gi",
                "--set",
                "taskmanager.memory.network.fraction=1.0",
            ],
            &[
                "flink.taskmanager.memory.network.fraction",
                "fraction must be in range [0, 1)",
            ],
        ),
        // min > max.
        (
            &[
                "--set",
                "pod.limits.memory=4Gi",
                "--set",
                "taskmanager.memory.jvm-overhead.min=2g",
                "--set",
                "taskmanager.memory.jvm-overhead.max=1g",
            ],
            &[
                "flink.taskmanager.memory.jvm-overhead.fraction",
                "min value must be less or equal to max value",
            ],
        ),
        // Nothing to derive from.
        (&[], &["Either required fine-grained memory"]),
        // An unknown Flink key.
        (
            &["--set", "flink.taskmanager.memory.heap.size=1g"],
            &["unknown Flink memory key 'taskmanager.memory.heap.size'"],
        ),
    ];
    for (args, needles) in cases {
        assert_one_error(&budget(&t, args), needles);
    }
}

#[test]
fn the_network_check_fails_with_both_numbers() {
    let t = TestDir::new();
    let file = t.write(
        "job.toml",
        r#"
[pod]
limits.memory = "2Gi"

[flink]
"taskmanager.numberOfTaskSlots" = 8
"taskmanager.network.memory.size" = "4m"

[[job.vertices]]
name = "source"
parallelism = 64

[[job.vertices]]
name = "sink"
parallelism = 64

[[job.edges]]
from = "source"
to = "sink"
"#,
    );
    let o = budget(&t, &[file.to_str().unwrap()]);
    let line = assert_one_error(&o, &["job.toml", "network.pool"]);
    // 128 buffers of 32 KiB; each source subtask requires 64 + 1, so the second request fails.
    assert!(
        line.contains("Insufficient number of network buffers: required 65, but only 63 available. The total number of network buffers is currently set to 128 of 32768 bytes each."),
        "{line}"
    );
    // With enough network memory the requirement shows and feeds the simulation.
    let o = budget(
        &t,
        &[
            file.to_str().unwrap(),
            "--set",
            "taskmanager.network.memory.size=64m",
            "--format",
            "json",
        ],
    );
    let j = json(&o);
    assert_eq!(j["network"]["required"], 8 * 65 + 8 * 129);
    assert_eq!(
        j["simulation"]["network.required_buffers"]["value"],
        8 * 65 + 8 * 129
    );
}

#[test]
fn manifests_of_every_kind() {
    let t = TestDir::new();
    let m = |name: &str| {
        repo(&format!("tests/data/manifests/{name}"))
            .display()
            .to_string()
    };
    // Deployment: two containers, the annotated default one; 1.5Gi and 2000M.
    let deployment = m("deployment.yaml");
    let j = json(&budget(&t, &["--pod", &deployment, "--format", "json"]));
    assert_eq!(j["sized_by"]["value"], 2_000_000_000u64);
    assert!(
        j["sized_by"]["source"]
            .as_str()
            .unwrap()
            .ends_with("deployment.yaml:spec.template.spec.containers[0].resources.limits.memory")
    );
    // The container's GCHeapHardLimit is set, so the budget leaves it alone.
    assert_eq!(
        j["simulation"]["gc.heap_hard_limit"]["value"],
        0x5000_0000u64
    );
    // The sidecar: 128Mi cannot hold Flink's metaspace and overhead.
    assert_one_error(
        &budget(&t, &["--pod", &deployment, "--container", "metrics"]),
        &[
            "containers[1].resources.limits.memory (line 56): pod.limits.memory: Sum of configured JVM Metaspace",
            "exceed configured Total Process Memory (128.000mb (134217728 bytes))",
        ],
    );
    assert_one_error(
        &budget(&t, &["--pod", &deployment, "--container", "sidecar"]),
        &[
            "deployment.yaml",
            "no container named \"sidecar\"",
            "taskmanager, metrics",
        ],
    );
    // StatefulSet (a JobManager).
    let j = json(&budget(
        &t,
        &[
            "--pod",
            &m("statefulset.yaml"),
            "--component",
            "jobmanager",
            "--format",
            "json",
        ],
    ));
    assert_eq!(j["process"], "jobmanager");
    assert_eq!(j["sized_by"]["value"], 1u64 << 30);
    // Pod.
    let j = json(&budget(&t, &["--pod", &m("pod.yaml"), "--format", "json"]));
    assert_eq!(j["flink"]["total_process"], 4u64 << 30);
    // FlinkDeployment: the operator's process size and the TaskManager's slots.
    let j = json(&budget(
        &t,
        &["--pod", &m("flinkdeployment.yaml"), "--format", "json"],
    ));
    assert_eq!(
        j["sized_by"]["key"],
        "flink.taskmanager.memory.process.size"
    );
    assert_eq!(j["flink"]["total_process"], 4u64 << 30);
    let j = json(&budget(
        &t,
        &[
            "--pod",
            &m("flinkdeployment.yaml"),
            "--component",
            "jobmanager",
            "--format",
            "json",
        ],
    ));
    assert_eq!(j["process"], "jobmanager");
    assert_eq!(j["flink"]["total_process"], 2048u64 << 20);
    // Several workloads: choose one.
    let multi = m("multi-document.yaml");
    assert_one_error(&budget(&t, &["--pod", &multi]), &["several workloads"]);
    let j = json(&budget(
        &t,
        &["--pod", &multi, "--object", "ingest", "--format", "json"],
    ));
    assert_eq!(j["sized_by"]["value"], 1_500_000_000u64);
    // A bad quantity in a manifest.
    let bad = t.write(
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      resources:\n        limits:\n          memory: 4GB\n",
    );
    assert_one_error(
        &budget(&t, &["--pod", bad.to_str().unwrap()]),
        &["bad.yaml", "resources.limits.memory"],
    );
}

#[test]
fn check_prints_the_budget_after_ok() {
    let t = TestDir::new();
    let file = repo("scenarios/taskmanager-flink-budget.toml");
    let o = t
        .memsim(["check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "ok: taskmanager-flink-budget");
    assert!(
        lines[1].starts_with("budget: taskmanager sized by pod.limits.memory = 4Gi"),
        "{out}"
    );
    assert!(lines[2].starts_with("network: 160 of "), "{out}");
}
