//! `memsim sweep`, `memsim merge`, `memsim plot` and `memsim run --point`: determinism across
//! thread counts, single-run re-runs, shards, interrupted and resumed sweeps, statistics, charts.
//!
//! The sweeps use a small scenario written into the test folder: a TaskManager whose state grows
//! for two simulated hours under random bursts, so replications differ and some points are
//! OOM-killed and others not.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use memsim::report::csv::SUMMARY_FILE;
use memsim::report::png::{GC_SIZE, HEATMAP_SIZE, MEMORY_SIZE, PEAK_RSS_SIZE, RISK_SIZE};
use memsim::report::sweep::{POINTS_FILE, RUNS_FILE, SWEEP_FILE};
use memsim::sweep::stats::wilson;

use crate::util::{TestDir, assert_one_error, repo, stdout};

/// The scenario of these tests, with `sweep` as its `[sweep]` section.
fn scenario(sweep: &str) -> String {
    format!(
        r#"[scenario]
name = "grow"
duration = "2h"
seed = 3
sample_interval = "1m"

[machine]
cores = 2
cgroup = "v2"

[gc]
profile = "netcore31"

[memory]
budget = "off"

[pod]
requests.memory = "256Mi"
limits.memory = "1Gi"

[workload]
records_per_second = 5000
allocated_bytes_per_record = 2048
threads = 2
bursts.mean_interval = "20m"
bursts.mean_duration = "5m"
bursts.multiplier = 2.0

[[workload.lifetimes]]
fraction = 0.03
mean = "200ms"

[state]
backend = "heap"
initial = "100Mi"
key_bytes = 512
entry_size_bytes = 128
new_keys_per_record = 0.02
updates_per_record = 0.05

[sweep]
{sweep}"#
    )
}

/// Two keys, 8 points, 5 replications: 40 runs.
const GRID: &str = r#"replications = 5
"pod.limits.memory" = { from = "900Mi", to = "1200Mi", step = "100Mi" }
"gc.mode" = ["workstation", "server"]
"#;

/// Runs `memsim ARGS`, expects success and returns stdout.
fn ok(t: &TestDir, args: &[&str]) -> String {
    let o = t.memsim(args).output().unwrap();
    assert!(
        o.status.success(),
        "memsim {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

/// `memsim sweep FILE --out OUT EXTRA...`; returns the sweep folder.
fn sweep(t: &TestDir, file: &Path, out: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec!["sweep", file.to_str().unwrap(), "--out", out];
    args.extend_from_slice(extra);
    ok(t, &args);
    t.path().join(out).join("grow")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files of a folder (not its subfolders), by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(n, _)| n.as_str()).collect()
}

/// Rows of a CSV file as fields (header first).
fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = read(path);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let b = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(&b[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

/// Asserts a chart exists, is not a blank picture and has the expected size.
fn assert_png(path: &Path, size: (u32, u32)) {
    let bytes = fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .len();
    assert!(bytes > 15_000, "{}: only {bytes} bytes", path.display());
    assert!(bytes < 400_000, "{}: {bytes} bytes", path.display());
    assert_eq!(png_size(path), size, "{}", path.display());
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let t = TestDir::new();
    let file = t.write("grow.toml", &scenario(GRID));
    let one = sweep(&t, &file, "one", &["--threads", "1"]);
    let four = sweep(&t, &file, "four", &["--threads", "4"]);
    let (a, b) = (files(&one), files(&four));
    assert_eq!(
        names(&a),
        [
            "heatmap.png",
            "peak_rss.png",
            "points.csv",
            "risk.png",
            "runs.csv",
            "sweep.json"
        ]
    );
    assert_eq!(a, b, "1 and 4 threads differ");

    let runs = rows(&one.join(RUNS_FILE));
    assert_eq!(runs.len(), 41);
    assert_eq!(
        runs[0][..6],
        [
            "point",
            "replication",
            "seed",
            "pod.limits.memory_bytes",
            "gc.mode",
            "simulated_s"
        ]
    );
    // Rows in run order: point-major, replication-minor, with the swept values.
    for (i, r) in runs[1..].iter().enumerate() {
        assert_eq!(r[0], (i / 5).to_string());
        assert_eq!(r[1], (i % 5).to_string());
    }
    assert_eq!(runs[1][3], "943718400");
    assert_eq!(runs[1][4], "workstation");
    assert_eq!(runs[6][4], "server");
    // Replications have their own seeds, and differ.
    let seeds: std::collections::BTreeSet<&String> = runs[1..].iter().map(|r| &r[2]).collect();
    assert_eq!(seeds.len(), 40);
    let peak = runs[0].iter().position(|c| c == "peak_rss_bytes").unwrap();
    let peaks: std::collections::BTreeSet<&String> = runs[1..6].iter().map(|r| &r[peak]).collect();
    assert!(peaks.len() > 1, "replications gave identical peaks");
    // Some points are OOM-killed, some are not.
    let outcomes: std::collections::BTreeSet<&str> = runs[1..]
        .iter()
        .map(|r| r[runs[0].iter().position(|c| c == "outcome").unwrap()].as_str())
        .collect();
    assert!(
        outcomes.contains("ok") && outcomes.contains("oom_killed"),
        "{outcomes:?}"
    );
}

#[test]
fn points_hold_wilson_intervals_and_statistics_over_replications() {
    let t = TestDir::new();
    let file = t.write("grow.toml", &scenario(GRID));
    let dir = sweep(&t, &file, "out", &["--threads", "2"]);
    let points = rows(&dir.join(POINTS_FILE));
    let h = &points[0];
    assert_eq!(
        h[..5],
        [
            "point",
            "pod.limits.memory_bytes",
            "gc.mode",
            "runs",
            "oom_kills"
        ]
    );
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    assert_eq!(points.len(), 9);
    let runs = rows(&dir.join(RUNS_FILE));
    let rc = |name: &str| runs[0].iter().position(|c| c == name).unwrap();
    for (p, row) in points[1..].iter().enumerate() {
        assert_eq!(row[col("point")], p.to_string());
        assert_eq!(row[col("runs")], "5");
        let mine: Vec<&Vec<String>> = runs[1..].iter().filter(|r| r[0] == p.to_string()).collect();
        let kills = mine
            .iter()
            .filter(|r| r[rc("outcome")] == "oom_killed")
            .count() as u64;
        assert_eq!(row[col("oom_kills")], kills.to_string());
        let w = wilson(kills, 5);
        assert_eq!(row[col("p_oom_kill")], format!("{:.6}", w.p));
        assert_eq!(row[col("p_oom_kill_lo")], format!("{:.6}", w.lo));
        assert_eq!(row[col("p_oom_kill_hi")], format!("{:.6}", w.hi));
        // Known values: 0 of 5 → [0, 0.4345], 5 of 5 → [0.5655, 1].
        match kills {
            0 => assert_eq!(row[col("p_oom_kill_hi")], "0.434482"),
            5 => assert_eq!(row[col("p_oom_kill_lo")], "0.565518"),
            _ => {}
        }
        let peaks: Vec<f64> = mine
            .iter()
            .map(|r| r[rc("peak_rss_bytes")].parse().unwrap())
            .collect();
        let max = peaks.iter().copied().fold(0.0, f64::max);
        assert_eq!(row[col("peak_rss_max_bytes")], format!("{max}"));
        let mean: f64 = row[col("peak_rss_mean_bytes")].parse().unwrap();
        let p50: f64 = row[col("peak_rss_p50_bytes")].parse().unwrap();
        let p95: f64 = row[col("peak_rss_p95_bytes")].parse().unwrap();
        assert!(p50 <= p95 && p95 <= max && mean <= max, "{row:?}");
        let gc: f64 = row[col("time_in_gc_mean_pct")].parse().unwrap();
        let lo: f64 = row[col("time_in_gc_lo_pct")].parse().unwrap();
        let hi: f64 = row[col("time_in_gc_hi_pct")].parse().unwrap();
        assert!(lo <= gc && gc <= hi, "{row:?}");
    }
}

#[test]
fn a_single_run_reproduces_its_row_of_the_sweep() {
    let t = TestDir::new();
    let file = t.write("grow.toml", &scenario(GRID));
    let dir = sweep(&t, &file, "out", &["--threads", "2"]);
    let runs = rows(&dir.join(RUNS_FILE));
    let first_summary = runs[0].iter().position(|c| c == "simulated_s").unwrap();
    for (point, rep) in [(0, 0), (5, 3), (7, 4)] {
        let out = ok(
            &t,
            &[
                "run",
                file.to_str().unwrap(),
                "--out",
                "single",
                "--point",
                &point.to_string(),
                "--replication",
                &rep.to_string(),
            ],
        );
        assert!(
            out.contains(&format!("point       {point}: pod.limits.memory=")),
            "{out}"
        );
        let run_dir = t
            .path()
            .join("single")
            .join(format!("grow-p{point}-r{rep}"));
        let summary = rows(&run_dir.join(SUMMARY_FILE));
        let row = &runs[1 + point * 5 + rep];
        // summary.csv: scenario, seed, then the same columns as runs.csv after the swept keys.
        assert_eq!(summary[0][2..], runs[0][first_summary..]);
        assert_eq!(summary[1][1], row[2], "seed");
        assert_eq!(
            summary[1][2..],
            row[first_summary..],
            "point {point} rep {rep}"
        );
        assert_png(&run_dir.join("memory.png"), MEMORY_SIZE);
        assert_png(&run_dir.join("gc.png"), GC_SIZE);
    }
    let o = t
        .memsim(["run", file.to_str().unwrap(), "--point", "8"])
        .output()
        .unwrap();
    assert_one_error(&o, &["grow.toml", "--point 8", "8 points"]);
    let o = t
        .memsim([
            "run",
            file.to_str().unwrap(),
            "--point",
            "1",
            "--replication",
            "5",
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &["--replication 5", "5 replications"]);
}

#[test]
fn three_shards_merged_equal_the_whole_sweep() {
    let t = TestDir::new();
    let file = t.write("grow.toml", &scenario(GRID));
    let whole = sweep(&t, &file, "whole", &["--threads", "2"]);
    let mut shards = Vec::new();
    for k in 0..3 {
        let shard = format!("{k}/3");
        let out = ok(
            &t,
            &[
                "sweep",
                file.to_str().unwrap(),
                "--out",
                "shards",
                "--shard",
                &shard,
                "--threads",
                "1",
            ],
        );
        assert!(out.contains(&format!("shard       {k}/3")), "{out}");
        let dir = t.path().join("shards/grow").join(format!("shard-{k}-of-3"));
        assert_eq!(names(&files(&dir)), ["runs.csv", "sweep.json"]);
        let n = rows(&dir.join(RUNS_FILE)).len() - 1;
        assert_eq!(n, [14, 13, 13][k]);
        shards.push(dir.to_str().unwrap().to_string());
    }
    // Missing a shard, or the same one twice: refused, naming the problem.
    let o = t
        .memsim(["merge", &shards[0], &shards[2], "--out", "merged"])
        .output()
        .unwrap();
    assert_one_error(&o, &["shard 1/3 is missing"]);
    let o = t
        .memsim([
            "merge", &shards[0], &shards[0], &shards[2], "--out", "merged",
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &["shard-0-of-3", "holds shard 0/3"]);

    // Any order of the folders gives the same files.
    let out = ok(
        &t,
        &[
            "merge", &shards[2], &shards[0], &shards[1], "--out", "merged",
        ],
    );
    assert!(out.contains("merged      3 shards"), "{out}");
    let merged = t.path().join("merged/grow");
    assert_eq!(files(&merged), files(&whole));
}

#[test]
fn a_killed_sweep_resumes_to_the_same_files() {
    let t = TestDir::new();
    // Enough runs to take several seconds on one thread in a test build.
    let big = r#"replications = 150
"pod.limits.memory" = ["700Mi", "800Mi"]
"gc.mode" = ["workstation", "server"]
"#;
    let text = scenario(big).replace("duration = \"2h\"", "duration = \"8h\"");
    let file = t.write("grow.toml", &text);
    let reference = sweep(&t, &file, "reference", &["--threads", "2"]);

    let dir = t.path().join("killed/grow");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_memsim"))
        .current_dir(t.path())
        .args([
            "sweep",
            file.to_str().unwrap(),
            "--out",
            "killed",
            "--threads",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let runs = dir.join(RUNS_FILE);
    loop {
        let n = fs::read_to_string(&runs).map_or(0, |s| s.lines().count());
        if n > 20 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the sweep wrote no rows"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !dir.join(POINTS_FILE).exists(),
        "the sweep finished before it was killed"
    );
    let partial = read(&runs);
    let whole_rows = rows(&reference.join(RUNS_FILE));
    assert!(partial.ends_with('\n'), "a partial row was left");
    let got: Vec<&str> = partial.lines().collect();
    assert!(got.len() < whole_rows.len(), "{} rows", got.len());
    let reference_text = read(&reference.join(RUNS_FILE));
    assert!(reference_text.starts_with(&partial), "kept rows differ");

    // A row cut in the middle, as a kill during a write would leave it, is dropped on resume.
    let next = reference_text[partial.len()..].lines().next().unwrap();
    fs::write(&runs, format!("{partial}{}", &next[..next.len() / 2])).unwrap();

    let out = ok(
        &t,
        &[
            "sweep",
            file.to_str().unwrap(),
            "--out",
            "killed",
            "--threads",
            "2",
            "--resume",
        ],
    );
    assert!(out.contains("kept from before"), "{out}");
    assert_eq!(files(&dir), files(&reference));

    // Resuming a finished sweep changes nothing; resuming after an edit is refused.
    ok(
        &t,
        &[
            "sweep",
            file.to_str().unwrap(),
            "--out",
            "killed",
            "--resume",
        ],
    );
    assert_eq!(files(&dir), files(&reference));
    let o = t
        .memsim([
            "sweep",
            file.to_str().unwrap(),
            "--out",
            "killed",
            "--resume",
            "--set",
            "workload.records_per_second=6000",
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &["sweep.json", "another sweep", "without --resume"]);
}

#[test]
fn every_chart_is_drawn_and_plot_redraws_them_from_the_csvs() {
    let t = TestDir::new();
    let file = t.write("grow.toml", &scenario(GRID));
    let dir = sweep(&t, &file, "out", &["--threads", "2"]);
    let sizes = [
        ("risk.png", RISK_SIZE),
        ("heatmap.png", HEATMAP_SIZE),
        ("peak_rss.png", PEAK_RSS_SIZE),
    ];
    for (name, size) in sizes {
        assert_png(&dir.join(name), size);
    }
    let before = files(&dir);
    for (name, _) in sizes {
        fs::remove_file(dir.join(name)).unwrap();
    }
    let out = ok(&t, &["plot", dir.to_str().unwrap()]);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert_eq!(files(&dir), before);
    // Another column on the heat map.
    ok(
        &t,
        &[
            "plot",
            dir.to_str().unwrap(),
            "--heatmap",
            "peak_rss_p95_bytes",
        ],
    );
    assert_png(&dir.join("heatmap.png"), HEATMAP_SIZE);
    let o = t
        .memsim(["plot", dir.to_str().unwrap(), "--heatmap", "nonsense"])
        .output()
        .unwrap();
    assert_one_error(&o, &["nonsense", "p_oom_kill"]);

    // A run folder.
    ok(&t, &["run", file.to_str().unwrap(), "--out", "run"]);
    let run = t.path().join("run/grow");
    assert_png(&run.join("memory.png"), MEMORY_SIZE);
    assert_png(&run.join("gc.png"), GC_SIZE);
    let before = files(&run);
    fs::remove_file(run.join("memory.png")).unwrap();
    fs::remove_file(run.join("gc.png")).unwrap();
    ok(&t, &["plot", run.to_str().unwrap()]);
    assert_eq!(files(&run), before);

    let o = t.memsim(["plot", "."]).output().unwrap();
    assert_one_error(&o, &["neither a run folder"]);

    // A plain run does not replace a sweep's folder.
    let o = t
        .memsim(["run", file.to_str().unwrap(), "--out", "out"])
        .output()
        .unwrap();
    assert_one_error(&o, &["holds the results of memsim sweep", "--out"]);
    assert!(dir.join(RUNS_FILE).exists());
}

#[test]
fn one_key_and_sampled_sweeps_draw_their_charts() {
    let t = TestDir::new();
    let one = t.write(
        "one.toml",
        &scenario("replications = 3\n\"pod.limits.memory\" = [\"600Mi\", \"700Mi\", \"900Mi\"]\n"),
    );
    let dir = sweep(&t, &one, "one", &["--threads", "2"]);
    assert!(!dir.join("heatmap.png").exists());
    assert_png(&dir.join("risk.png"), RISK_SIZE);
    assert_png(&dir.join("peak_rss.png"), PEAK_RSS_SIZE);

    let lhs = t.write(
        "lhs.toml",
        &scenario(
            "method = \"lhs\"\npoints = 12\nreplications = 2\n\"pod.limits.memory\" = { from = \"600Mi\", to = \"900Mi\" }\n\"workload.records_per_second\" = { from = 3000, to = 6000, scale = \"log\" }\n",
        ),
    );
    let dir = sweep(&t, &lhs, "lhs", &["--threads", "2"]);
    let points = rows(&dir.join(POINTS_FILE));
    assert_eq!(points.len(), 13);
    assert_eq!(points[0][2], "workload.records_per_second");
    assert!(!dir.join("heatmap.png").exists(), "LHS points are no grid");
    assert_png(&dir.join("risk.png"), RISK_SIZE);
    assert_png(&dir.join("peak_rss.png"), PEAK_RSS_SIZE);
    let meta = read(&dir.join(SWEEP_FILE));
    assert!(meta.contains("\"method\": \"lhs\""), "{meta}");
}

#[test]
fn progress_shows_on_request_and_quiet_prints_nothing() {
    let t = TestDir::new();
    let file = t.write("grow.toml", &scenario(GRID));
    let f = file.to_str().unwrap();
    let o = t.memsim(["sweep", f, "--out", "a"]).output().unwrap();
    assert!(o.status.success());
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout(&o).contains("40 runs"));
    let o = t
        .memsim(["sweep", f, "--out", "b", "--progress"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("40/40 runs"), "{err}");
    let o = t
        .memsim(["sweep", f, "--out", "c", "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
}

#[test]
fn bad_sweep_sections_are_one_line_naming_file_line_and_key() {
    let t = TestDir::new();
    let cases = [
        (
            "\"pod.limits.memory\" = { from = \"2Gi\", to = \"1Gi\", step = \"1Gi\" }\n",
            "pod.limits.memory",
        ),
        ("\"gc.mode\" = [\"workstation\", \"servr\"]\n", "gc.mode"),
        ("\"pod.limit.memory\" = [\"1Gi\"]\n", "pod.limits.memory"),
        ("replications = 0\n", "replications"),
        ("\"pod.limits.memory\" = [\"100Mi\"]\n", "below the request"),
    ];
    for (sweep, needle) in cases {
        let file = t.write("bad.toml", &scenario(sweep));
        for cmd in ["sweep", "check"] {
            let o = t.memsim([cmd, file.to_str().unwrap()]).output().unwrap();
            assert_one_error(&o, &["bad.toml:", needle]);
        }
    }
    assert!(!t.path().join("results").exists());
}

#[test]
fn the_bundled_sweep_scenario_runs() {
    let t = TestDir::new();
    let file = repo("scenarios/taskmanager-limit-gc-sweep.toml");
    let out = ok(
        &t,
        &[
            "sweep",
            file.to_str().unwrap(),
            "--set",
            "scenario.duration=1h",
            "--threads",
            "2",
        ],
    );
    assert!(
        out.contains("18 points × 20 replications = 360 runs"),
        "{out}"
    );
    let dir = t.path().join("results/taskmanager-limit-gc-sweep");
    assert_eq!(rows(&dir.join(RUNS_FILE)).len(), 361);
    assert_eq!(rows(&dir.join(POINTS_FILE)).len(), 19);
    assert_png(&dir.join("heatmap.png"), HEATMAP_SIZE);
}

/// The folded `args` command (`- >-` block) that follows `after` in a manifest.
fn manifest_command(manifest: &str, after: &str) -> String {
    let start = manifest
        .find(after)
        .unwrap_or_else(|| panic!("{after} not found"));
    let mut lines = manifest[start..].lines();
    let marker = lines
        .by_ref()
        .find(|l| l.trim_end().ends_with("- >-"))
        .expect("a folded args block");
    let indent = marker.len() - marker.trim_start().len();
    lines
        .take_while(|l| l.len() - l.trim_start().len() > indent && !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_indexed_job_example_commands_give_the_single_machine_files() {
    let t = TestDir::new();
    let file = t.write("grow.toml", &scenario(GRID));
    let whole = sweep(&t, &file, "whole", &["--threads", "2"]);
    let job = read(&repo("examples/sweep-indexed-job.yaml"));
    let merge_job = read(&repo("examples/sweep-merge-job.yaml"));
    assert!(job.contains("completionMode: Indexed") && job.contains("completions: 8"));
    let results = t.path().join("results");
    let local = |cmd: String| {
        cmd.replace("/scenario/sweep.toml", file.to_str().unwrap())
            .replace("/results", results.to_str().unwrap())
            .replace("taskmanager-limit-gc-sweep", "grow")
    };
    let sweep_cmd = local(manifest_command(&job, "name: memsim-sweep"));
    assert!(
        sweep_cmd.contains("--shard \"${JOB_COMPLETION_INDEX}/8\""),
        "{sweep_cmd}"
    );
    let merge_cmd = local(manifest_command(&merge_job, "name: memsim-merge"));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_memsim")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let sh = |cmd: &str, index: Option<usize>| {
        let mut c = std::process::Command::new("/bin/sh");
        c.current_dir(t.path()).env("PATH", &path).args(["-c", cmd]);
        if let Some(k) = index {
            c.env("JOB_COMPLETION_INDEX", k.to_string());
        }
        let o = c.output().unwrap();
        assert!(
            o.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    // Pod 5 first (order does not matter), then the others.
    for k in [5, 0, 1, 2, 3, 4, 6, 7] {
        sh(&sweep_cmd, Some(k));
    }
    sh(&merge_cmd, None);
    assert_eq!(files(&results.join("grow")), files(&whole));
}
