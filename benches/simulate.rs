//! How long one simulation takes: 24 simulated hours of the bundled healthy TaskManager
//! (a daily traffic cycle with random bursts, keyed state with TTL, Workstation concurrent GC on
//! .NET 8), with and without collecting every sample and GC record; and one lab dataset (34
//! short GC workloads) predicted end to end.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use memsim::lab::compare_dataset;
use memsim::scenario::load_scenario;
use memsim::sim::observe::{Collector, NullObserver};
use memsim::sim::simulate;

fn healthy_taskmanager(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = load_scenario(&root.join("scenarios/taskmanager-healthy.toml"), &[], None)
        .expect("bundled scenario loads");
    assert_eq!(
        scenario.spec.horizon_s, 86_400.0,
        "the bench simulates 24 hours"
    );

    let mut group = c.benchmark_group("taskmanager-healthy-24h");
    group.sample_size(10);
    group.bench_function("summary only", |b| {
        b.iter(|| black_box(simulate(&scenario.spec, &mut NullObserver)))
    });
    group.bench_function("every sample and GC", |b| {
        b.iter(|| {
            let mut all = Collector::default();
            let summary = simulate(&scenario.spec, &mut all);
            black_box((summary, all.samples.len(), all.gcs.len()))
        })
    });
    group.finish();
}

fn lab_dataset(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("validation/lab/calibration-net8");
    let mut group = c.benchmark_group("lab");
    group.sample_size(10);
    group.bench_function("calibration-net8 (34 specs)", |b| {
        b.iter(|| black_box(compare_dataset(&dir).expect("dataset compares")))
    });
    group.finish();
}

criterion_group!(benches, healthy_taskmanager, lab_dataset);
criterion_main!(benches);
