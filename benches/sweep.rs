//! Sweep throughput: a 1,000-run sweep of the healthy 24 h TaskManager
//! (`scenarios/taskmanager-healthy.toml`, 1,000 replications of its one point) on 1 and 2 worker
//! threads. Criterion reports the time of one whole sweep and the throughput in runs/s
//! (elements/s); the speed-up is the ratio of the two. Each run is simulated and formatted as its
//! `runs.csv` row, as `memsim sweep` does, without the file I/O.
//!
//! `MEMSIM_BENCH_RUNS=N cargo bench --bench sweep` sweeps N runs instead of 1,000 (the runs/s
//! figure does not depend on N).

use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use memsim::report::sweep::run_row;
use memsim::scenario::ScenarioError;
use memsim::scenario::load::{RawEntry, read_config};
use memsim::sweep::SweepPlan;
use memsim::sweep::run::run_in_order;

/// The healthy TaskManager with `[sweep] replications = runs`.
fn plan(runs: u64) -> SweepPlan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/taskmanager-healthy.toml");
    let mut config = match read_config(&path, &[]) {
        Ok(c) => c,
        Err(e) => panic!("{}", e.one_line()),
    };
    config.sections.insert(
        "sweep".into(),
        vec![RawEntry {
            key: "replications".into(),
            value: runs.to_string(),
            line: 1,
        }],
    );
    match SweepPlan::new(config, &path, None) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.one_line()),
    }
}

/// Runs every run of `plan` on `threads` threads; returns the bytes of the rows.
fn sweep(plan: &SweepPlan, threads: usize) -> usize {
    let mut bytes = 0;
    let result = run_in_order(
        plan.runs() as usize,
        threads,
        |i| plan.simulate(i as u64).map(|r| run_row(plan, &r)),
        |_, rows: Vec<String>| {
            bytes += rows.iter().map(String::len).sum::<usize>();
            Ok::<(), ScenarioError>(())
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    bytes
}

fn bench_sweep(c: &mut Criterion) {
    let runs: u64 = std::env::var("MEMSIM_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let plan = plan(runs);
    let mut group = c.benchmark_group(format!("sweep/taskmanager-healthy-24h/{runs}-runs"));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(runs));
    for threads in [1usize, 2] {
        group.bench_with_input(
            BenchmarkId::new("threads", threads),
            &threads,
            |b, &threads| b.iter(|| sweep(&plan, threads)),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_sweep);
criterion_main!(benches);
