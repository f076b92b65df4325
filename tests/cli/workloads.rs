//! The workload scenarios through the CLI: their outcomes, the model columns of the time
//! series, the replay file's errors, and the workload keys' documentation.

use std::fs;
use std::path::Path;

use memsim::report::csv::{SUMMARY_COLUMNS, SUMMARY_FILE, TIMESERIES_FILE};
use memsim::scenario::schema::KEYS;

use crate::util::{TestDir, assert_one_error, repo};

/// Runs a bundled scenario into `t` and returns its folder.
fn run(t: &TestDir, scenario: &str, extra: &[&str]) -> std::path::PathBuf {
    let file = repo("scenarios").join(scenario);
    let out = t.path().join("out");
    let mut args = vec![
        "run".to_string(),
        file.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = t.memsim(&args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let name = scenario.trim_end_matches(".toml");
    out.join(name)
}

fn summary(dir: &Path, column: &str) -> String {
    let text = fs::read_to_string(dir.join(SUMMARY_FILE)).unwrap();
    let row = text.lines().nth(1).unwrap();
    let i = SUMMARY_COLUMNS.iter().position(|c| *c == column).unwrap();
    row.split(',').nth(i).unwrap().to_string()
}

/// The numbers of `column` in a run's time series.
fn series(dir: &Path, column: &str) -> Vec<f64> {
    let text = fs::read_to_string(dir.join(TIMESERIES_FILE)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == column).unwrap();
    lines
        .map(|l| l.split(',').nth(i).unwrap().parse().unwrap())
        .collect()
}

fn max(v: &[f64]) -> f64 {
    v.iter().cloned().fold(f64::MIN, f64::max)
}

#[test]
fn the_checkpoint_spike_kills_the_pod_and_incremental_checkpoints_do_not() {
    let t = TestDir::new();
    let dir = run(&t, "taskmanager-checkpoint-spike.toml", &[]);
    assert_eq!(summary(&dir, "outcome"), "oom_killed");
    let gib = 1_073_741_824.0;
    // Over a GiB of checkpoint buffers on the LOH at the checkpoints...
    assert!(max(&series(&dir, "checkpoint_buffer_bytes")) > gib);
    assert!(max(&series(&dir, "loh_bytes")) > gib);
    assert!(max(&series(&dir, "checkpoints_completed")) >= 40.0);
    // ...and at the kill, resident memory above the 4 GiB limit with the GC's memory still
    // under its hard limit (90% of the limit).
    let rss = series(&dir, "rss_bytes");
    let committed = series(&dir, "gc_committed_bytes");
    assert!(*rss.last().unwrap() > 4.0 * gib);
    assert!(*committed.last().unwrap() < 0.9 * 4.0 * gib);
    let t = TestDir::new();
    let dir = run(
        &t,
        "taskmanager-checkpoint-spike.toml",
        &["--set", "checkpoint.incremental=true"],
    );
    assert_eq!(summary(&dir, "outcome"), "ok");
}

#[test]
fn bursts_exhaust_the_shuffles_buffers_and_backpressure_the_sources() {
    let t = TestDir::new();
    let dir = run(&t, "taskmanager-shuffle-backpressure.toml", &[]);
    assert_eq!(summary(&dir, "outcome"), "ok");
    let out = series(&dir, "out_pool_usage");
    let input = series(&dir, "in_pool_usage");
    let pressed = series(&dir, "backpressured_pct");
    let taken = series(&dir, "network_buffers_taken");
    let rate = series(&dir, "record_rate");
    assert_eq!(max(&out), 1.0);
    assert_eq!(max(&input), 1.0);
    // Held back for all of a burst's time but what the GC pauses take (about 1%).
    assert!(max(&pressed) > 97.0);
    // The whole pool (56 MiB of 32 KiB buffers) in use, and the rate held at the windows' 50,000.
    assert_eq!(max(&taken), 1792.0);
    assert_eq!(max(&rate), 50_000.0);
    // Between bursts: only the required buffers, nothing held back.
    assert!(taken.iter().filter(|b| **b == 1564.0).count() > taken.len() / 2);
    assert!(pressed.iter().filter(|p| **p == 0.0).count() > pressed.len() / 2);
}

#[test]
fn the_workload_scenarios_end_as_described() {
    for (file, column, check) in [
        (
            "taskmanager-rocksdb-incremental.toml",
            "memtable_bytes",
            3.0 * 64.0,
        ),
        ("jobmanager-many-jobs.toml", "job_metadata_bytes", 200.0),
        ("taskmanager-traffic-replay.toml", "rss_bytes", 0.0),
    ] {
        let t = TestDir::new();
        let dir = run(&t, file, &[]);
        assert_eq!(summary(&dir, "outcome"), "ok", "{file}");
        let v = series(&dir, column);
        match column {
            // Memtables never above their three write buffers of 64 MiB.
            "memtable_bytes" => assert!(max(&v) <= check * 1_048_576.0 && max(&v) > 0.0),
            // Over 200 MiB of job metadata at the peak, less at the end when jobs have ended.
            "job_metadata_bytes" => {
                assert!(max(&v) > check * 1_048_576.0);
                assert!(*v.last().unwrap() < max(&v) / 2.0);
            }
            // The replayed flash sale (20:30 to 20:45) gives the day's peak of resident memory.
            _ => {
                let at: f64 = summary(&dir, "peak_rss_time_s").parse().unwrap();
                assert!((73_500.0..77_000.0).contains(&at), "{at}");
                let rate = series(&dir, "record_rate");
                assert!(max(&rate) >= 50_180.0);
            }
        }
    }
}

#[test]
fn replay_file_problems_name_the_scenario_key_and_line() {
    let t = TestDir::new();
    t.write("rate.csv", "time_s,records_per_second\n0,100\n60,lots\n");
    let scenario = "[workload]\nrate.profile = \"replay\"\nrate.replay_file = \"rate.csv\"\n";
    let file = t.write("replay.toml", scenario);
    let o = t
        .memsim(["check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_one_error(
        &o,
        &[
            "replay.toml:3",
            "workload.rate.replay_file",
            "rate.csv",
            "line 3",
            "lots",
        ],
    );
    // Relative to the scenario file, not to the working folder.
    let sub = t.path().join("sub");
    fs::create_dir(&sub).unwrap();
    fs::write(
        sub.join("rate.csv"),
        "time_s,records_per_second\n0,100\n60,200\n",
    )
    .unwrap();
    fs::write(sub.join("replay.toml"), scenario).unwrap();
    let o = t.memsim(["check", "sub/replay.toml"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = t
        .memsim([
            "check",
            "sub/replay.toml",
            "--set",
            "workload.rate.replay_file=none.csv",
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &["--set", "workload.rate.replay_file", "none.csv"]);
    let file = t.write("noreplay.toml", "[workload]\nrate.profile = \"replay\"\n");
    let o = t
        .memsim(["check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_one_error(&o, &["workload.rate.replay_file", "CSV"]);
}

#[test]
fn inconsistent_workload_settings_are_one_error_line() {
    let t = TestDir::new();
    for (text, needles) in [
        (
            "[network]\npool = \"1Mi\"\nrequired_buffers = 100\n",
            &["network.required_buffers", "100", "32"][..],
        ),
        (
            "[checkpoint]\nenabled = true\nupload_rate = \"0Mi\"\n",
            &["checkpoint.upload_rate", "more than 0"][..],
        ),
        ("[network]\nskew = 0.5\n", &["network.skew", "0.5"][..]),
        (
            "[network]\nplacement = \"gpu\"\n",
            &["network.placement", "offheap, heap"][..],
        ),
    ] {
        let file = t.write("bad.toml", text);
        let o = t
            .memsim(["check", file.to_str().unwrap()])
            .output()
            .unwrap();
        let mut all = vec!["bad.toml"];
        all.extend_from_slice(needles);
        assert_one_error(&o, &all);
    }
}

#[test]
fn every_workload_key_is_documented() {
    let docs = fs::read_to_string(repo("README.md")).unwrap();
    let sections = [
        "network.",
        "checkpoint.",
        "jobmanager.",
        "state.",
        "workload.rate.",
        "workload.bursts.",
        "job.",
    ];
    for k in KEYS
        .iter()
        .filter(|k| sections.iter().any(|s| k.key.starts_with(s)))
    {
        assert!(
            docs.contains(&format!("`{}`", k.key)),
            "README.md does not document `{}`",
            k.key
        );
    }
}
