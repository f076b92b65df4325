//! Capacity planning: `memsim plan scenarios/taskmanager-healthy.toml` (24 simulated hours per
//! run, default SLOs: oom_risk ≤ 1 % on the Wilson upper bound, gc_time_pct ≤ 5 %), with the
//! VPA/KRR/operator comparison, on every CPU. Criterion reports the time of one whole plan; the
//! number of runs it simulated is printed once before the measurement (it is the same every
//! time: the plan is deterministic).
//!
//! A plan takes a minute or more, so the group takes Criterion's smallest sample (10 plans) and
//! `cargo bench --bench plan` runs for about a quarter of an hour on two cores.

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

use memsim::plan::{PlanRequest, PlanResult, Target, plan, read_settings};
use memsim::scenario::load::read_config;

fn request() -> PlanRequest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/taskmanager-healthy.toml");
    let config = match read_config(&path, &[]) {
        Ok(c) => c,
        Err(e) => panic!("{}", e.one_line()),
    };
    let settings = match read_settings(&config, &[]) {
        Ok(s) => s,
        Err(e) => panic!("{}", e.one_line()),
    };
    let process = memsim::config::budget::process_kind(&config);
    PlanRequest {
        config,
        source: path,
        settings,
        threads: 0,
        target: Target::deployment_for(process),
    }
}

fn run(req: &PlanRequest) -> PlanResult {
    match plan(req, &mut |_| {}) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

fn bench_plan(c: &mut Criterion) {
    let req = request();
    let started = std::time::Instant::now();
    let r = run(&req);
    eprintln!(
        "plan of taskmanager-healthy: {} simulated runs, limit {}, {:.1} s",
        r.runs,
        memsim::plan::quantity(r.recommendation.limit),
        started.elapsed().as_secs_f64()
    );
    let mut group = c.benchmark_group("plan");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    group.bench_function("taskmanager-healthy", |b| b.iter(|| run(&req).runs));
    group.finish();
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
