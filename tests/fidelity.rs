//! Fidelity: the GC model held against the real .NET runtimes.
//!
//! Every spec of the lab datasets copied under `validation/lab/` is predicted on its dataset's
//! machine facts (the median of fifteen model runs) and compared with the median of the real
//! repetitions: the four calibration sets
//! (.NET Core 3.1 on two hosts, .NET 8 with regions, .NET 8 Server GC with DATAS on and off), the
//! two holdout sets (16 workloads written after the model and scored once before any change to
//! it, on 3.1 and on 8; recorded twice, on a loaded and on a quiet host), the limit sweeps (one
//! LOH workload under eleven hard limits, on 3.1 and on 8) and the object-size
//! probes (the same workload with objects of 32 B to
//! 2 KiB, on 3.1 and on 8). The tables are printed (run with `--nocapture` to see them) and the bounds below
//! are asserted, so a change that makes the model worse fails CI.
//!
//! The targets are those of the fidelity issue: outcome agreement on every spec; median relative
//! error of gen0, gen1 and gen2 counts each <= 10%; peak RSS median <= 5% and max <= 15%; total
//! pause within a factor of 2 on at least 90% of the specs. Where the model does not meet a
//! target yet, [`known_gap`] names the dataset and metric and holds the figure it reaches today
//! as a ceiling, so the gap is visible here and can only shrink.

use std::path::Path;

use memsim::lab::compare::{DatasetComparison, METRICS, compare_dataset};

/// The target for one summary line.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// Median relative error at most this.
    Median(f64),
    /// Max relative error at most this.
    Max(f64),
}

/// Targets per metric name (index into [`METRICS`]).
const TARGETS: [(&str, Target); 5] = [
    ("gen0_count", Target::Median(0.10)),
    ("gen1_count", Target::Median(0.10)),
    ("gen2_count", Target::Median(0.10)),
    ("peak_rss_bytes", Target::Median(0.05)),
    ("peak_rss_bytes", Target::Max(0.15)),
];

/// Share of specs whose total pause must be within a factor of 2 of the real one.
const PAUSE_WITHIN_2X_SHARE: f64 = 0.90;

/// Where the model is short of a target today: (dataset, metric, which statistic) → the ceiling
/// it must stay under. Each entry is an open item of the fidelity work, not a tolerance.
fn known_gap(dataset: &str, metric: &str, target: Target) -> Option<f64> {
    match (dataset, metric, target) {
        // .NET 8: a 128 MiB limit reached with less than an object of headroom, where the
        // runtime runs out of memory a 32 MiB LOH region early (18% over, see
        // validation/README.md).
        ("calibration-net8", "peak_rss_bytes", Target::Max(_)) => Some(0.18),
        // Holdout, 8: a pool that pins fresh 16 KiB buffers fragments regions until the runtime
        // runs blocking gen2s for fragmentation and the heap grows to 440 MB; the model compacts
        // (436 MB of RSS against 537–588 MB; its gen1 GCs sit on a knife edge between promoting
        // and not, and changes of a few hundred KB elsewhere move it between 436 and 459 MB).
        ("holdout-net8", "peak_rss_bytes", Target::Max(_)) => Some(0.26),
        // The holdout's first recording, on a loaded host: a 2-heap Server GC under a hard limit
        // (3.1, 16% over) and the same pool (8, 19% under).
        ("holdout-netcore31-loaded", "peak_rss_bytes", Target::Max(_)) => Some(0.16),
        ("holdout-net8-loaded", "peak_rss_bytes", Target::Max(_)) => Some(0.19),
        // Probe, 8: one gen0 GC against one or two (a 33% median on counts that small).
        ("probe-object-size-net8", "gen0_count", Target::Median(_)) => Some(0.34),
        // Holdout, 3.1, loaded host: `limit-192-state120` (120 MiB of state under a 192 MiB
        // limit) sits on a knife edge between gen0 and gen1 GCs, and a change of ~100 KB in
        // what the GCs find moves the model from one side (6/60/2) to the other (63/3/1; real
        // 23/43/2 and 29/37/2). Its gen2 error (1 against 2) is the middle of the sixteen here.
        ("holdout-netcore31-loaded", "gen2_count", Target::Median(_)) => Some(0.18),
        // Limit sweeps (`limit-128-loh-oom` at eleven limits from 112 to 192 MiB): the number of
        // last-ditch gen2s before the out-of-memory (17–66 real) follows how the dying objects
        // free space one GC at a time, 0–58% off per limit.
        ("limit-sweep-netcore31", "gen2_count", Target::Median(_)) => Some(0.12),
        ("limit-sweep-net8", "gen2_count", Target::Median(_)) => Some(0.18),
        // .NET 8 at 112 and 128 MiB: two of three runs ran out of memory a 32 MiB LOH region
        // early (the same knife edge as `calibration-net8`; 12% and 18% over).
        ("limit-sweep-net8", "peak_rss_bytes", Target::Max(_)) => Some(0.19),
        _ => None,
    }
}

/// Pause target exceptions: dataset → the minimum share met today.
fn known_pause_gap(dataset: &str) -> Option<f64> {
    match dataset {
        // Holdout: a 2-heap Server GC under a hard limit, 512 KiB LOH churn, and on 3.1 tiny
        // state entries allocated among churn, on 8 the fragmenting pool (pauses under-predicted
        // 2.2–4.2×).
        "holdout-netcore31" => Some(0.81),
        "holdout-net8" => Some(0.81),
        // Its first recording, on a loaded host (load average ~4.7 on 2 cores): pauses inflated.
        "holdout-netcore31-loaded" => Some(0.75),
        "holdout-net8-loaded" => Some(0.81),
        _ => None,
    }
}

/// The host speed `memsim lab --compare` measures from the dataset's pure churn: the model's
/// allocation costs are those of the lab's second host, and its first host is 1.3 times slower.
/// The second host's costs were fitted to these same five workloads, so its two ranges guard
/// that fit against later changes; the first host's is a measurement.
#[test]
fn pure_churn_measures_each_hosts_speed() {
    for (name, range) in [
        ("calibration", 1.25..1.40),
        ("calibration-netcore31-samehost", 0.95..1.05),
        ("calibration-net8", 0.95..1.05),
    ] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("validation/lab")
            .join(name);
        let h = compare_dataset(&dir).unwrap().host_speed.unwrap();
        assert_eq!(h.ratios.len(), 5, "{name}: {h:?}");
        assert!(range.contains(&h.factor), "{name}: {h:?}");
        if name == "calibration" {
            let first = memsim::lab::machine::FIRST_HOST_SPEED;
            assert!((h.factor - first).abs() < 0.01, "{h:?} against {first}");
        }
    }
    // The holdouts have no pure churn: they ran on the second host, the reference.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("validation/lab/holdout-net8");
    assert_eq!(compare_dataset(&dir).unwrap().host_speed, None);
}

fn dataset(name: &str) -> DatasetComparison {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("validation/lab")
        .join(name);
    let cmp = compare_dataset(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    println!("== {name}\n{}", cmp.report());
    cmp
}

fn check(name: &str) {
    let cmp = dataset(name);
    let mut failures = Vec::new();

    let (agree, n) = cmp.outcome_agreement();
    assert!(n > 0, "{name}: no specs compared");
    if agree != n {
        let wrong: Vec<&str> = cmp
            .specs
            .iter()
            .filter(|s| !s.outcome_agrees())
            .map(|s| s.spec.as_str())
            .collect();
        failures.push(format!("outcome agreement {agree}/{n}; wrong: {wrong:?}"));
    }

    for (metric, target) in TARGETS {
        let i = METRICS.iter().position(|m| *m == metric).unwrap();
        let (median, max) = cmp.error_stats(i);
        let (value, bound, what) = match target {
            Target::Median(b) => (median, b, "median"),
            Target::Max(b) => (max, b, "max"),
        };
        let bound = known_gap(name, metric, target).unwrap_or(bound);
        println!("{name}: {metric} {what} relative error {value:.3} (bound {bound:.3})");
        if value > bound {
            failures.push(format!(
                "{metric} {what} relative error {value:.3} > {bound:.3}"
            ));
        }
    }

    let (within, n) = cmp.pause_agreement();
    let share = within as f64 / n as f64;
    let bound = known_pause_gap(name).unwrap_or(PAUSE_WITHIN_2X_SHARE);
    println!("{name}: total pause within 2x on {within}/{n} (bound {bound:.2})");
    if share + 1e-9 < bound {
        failures.push(format!(
            "total pause within 2x on {within}/{n} < {bound:.2}"
        ));
    }

    assert!(failures.is_empty(), "{name}: {}", failures.join("; "));
}

#[test]
fn netcore31_calibration() {
    check("calibration");
}

#[test]
fn netcore31_second_host() {
    check("calibration-netcore31-samehost");
}

#[test]
fn net8_regions() {
    check("calibration-net8");
}

#[test]
fn net8_server_datas() {
    check("calibration-net8-datas");
}

#[test]
fn netcore31_holdout() {
    check("holdout-netcore31");
}

#[test]
fn net8_holdout() {
    check("holdout-net8");
}

#[test]
fn netcore31_holdout_loaded_host() {
    check("holdout-netcore31-loaded");
}

#[test]
fn net8_holdout_loaded_host() {
    check("holdout-net8-loaded");
}

#[test]
fn netcore31_limit_sweep() {
    check("limit-sweep-netcore31");
}

#[test]
fn net8_limit_sweep() {
    check("limit-sweep-net8");
}

#[test]
fn netcore31_object_size_probe() {
    check("probe-object-size-netcore31");
}

#[test]
fn net8_object_size_probe() {
    check("probe-object-size-net8");
}
