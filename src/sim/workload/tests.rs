//! The workload models inside whole runs: each test builds a small run from scenario keys, runs it
//! and checks the mechanism with numbers.

use crate::scenario::build::build;
use crate::scenario::load::{Config, apply_sets, defaults};
use crate::sim::observe::{Collector, Outcome, Sample, Summary};
use crate::sim::{RunSpec, simulate};

const MIB: f64 = 1_048_576.0;

/// A run of the default scenario with `sets` applied.
fn spec(sets: &[&str]) -> RunSpec {
    let mut c: Config = defaults();
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    apply_sets(&mut c, &sets).unwrap();
    build(&c, "test", None).unwrap().0
}

fn run(spec: &RunSpec) -> (Summary, Vec<Sample>) {
    let mut c = Collector::default();
    let s = simulate(spec, &mut c);
    (s, c.samples)
}

/// A TaskManager of 2 GiB with 1 KiB sent and 4 KiB allocated per record.
const BASE: &[&str] = &[
    "pod.limits.memory=2Gi",
    "scenario.duration=2m",
    "scenario.sample_interval=10s",
    "workload.records_per_second=8000",
    "workload.allocated_bytes_per_record=4096",
    "workload.capacity=40000",
    "network.sent_bytes_per_record=1024",
];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = BASE.to_vec();
    v.extend_from_slice(extra);
    v
}

#[test]
fn backpressure_caps_the_allocation_rate_at_the_drain_rate() {
    let (free, _) = run(&spec(BASE));
    let (held, samples) = run(&spec(&with(&["network.receiver_capacity=5000"])));
    // 120 s at 8,000 records/s of 4 KiB, against 120 s at the receivers' 5,000 (less the few
    // milliseconds of GC pauses).
    let near = |x: f64, want: f64| (x - want).abs() / want < 0.002;
    assert!(near(free.records, 960_000.0), "{}", free.records);
    assert!(near(held.records, 600_000.0), "{}", held.records);
    assert!((held.allocated_bytes - held.records * 4096.0).abs() < 1.0);
    assert!(near(free.allocated_bytes / held.allocated_bytes, 1.6));
    let last = samples.last().unwrap();
    assert_eq!(last.record_rate, 5000.0);
    // The 3,000 records/s the receivers cannot take wait upstream.
    assert!(
        near(last.backlog_records, 360_000.0),
        "{}",
        last.backlog_records
    );
    assert!(samples[3].models.backpressured_pct > 99.9);
    assert!(samples[3].models.out_pool_usage > 0.99);
}

#[test]
fn a_hot_key_backpressures_at_a_lower_rate() {
    let hot = spec(&with(&[
        "network.receiver_capacity=20000",
        "network.skew=4",
    ]));
    let (s, samples) = run(&hot);
    // The hottest consumer gets 4 times its share: it saturates at 5,000 records/s.
    assert!(
        (s.records - 600_000.0).abs() / 600_000.0 < 0.002,
        "{}",
        s.records
    );
    assert!(samples[5].models.backpressured_pct > 99.9);
    let even = spec(&with(&["network.receiver_capacity=20000"]));
    assert!((run(&even).0.records - 960_000.0).abs() / 960_000.0 < 0.002);
}

#[test]
fn network_buffers_live_off_heap_or_pinned_on_the_heap() {
    let sets = with(&[
        "network.pool=64Mi",
        "network.required_buffers=1024",
        "network.allocation=eager",
    ]);
    let off = spec(&sets);
    let (_, s_off) = run(&off);
    let last = s_off.last().unwrap();
    // The whole pool, allocated at start, is resident native memory.
    assert_eq!(last.mem.network, 64.0 * MIB);
    let mut heap_sets = sets.clone();
    heap_sets.push("network.placement=heap");
    let (_, s_heap) = run(&spec(&heap_sets));
    let last_heap = s_heap.last().unwrap();
    assert_eq!(last_heap.mem.network, 0.0);
    // 2,048 pinned byte[] of 32,792 bytes on the managed heap instead.
    let heap_objects = last_heap.mem.gen0 + last_heap.mem.gen1 + last_heap.mem.gen2;
    let off_objects = last.mem.gen0 + last.mem.gen1 + last.mem.gen2;
    assert!(
        heap_objects - off_objects > 0.9 * 2048.0 * 32_792.0,
        "{} vs {}",
        heap_objects / MIB,
        off_objects / MIB
    );
    assert!(last_heap.mem.gc_committed > last.mem.gc_committed + 60.0 * MIB);
    // Segments of 128 KiB are large objects.
    let mut loh_sets = heap_sets.clone();
    loh_sets.extend(["network.segment=128Ki", "network.required_buffers=256"]);
    let (_, s_loh) = run(&spec(&loh_sets));
    assert!(s_loh.last().unwrap().mem.loh > 60.0 * MIB);
}

#[test]
fn a_full_checkpoint_holds_serialization_buffers_on_the_loh() {
    let sets = with(&[
        "pod.limits.memory=4Gi",
        "state.backend=heap",
        "state.initial=400Mi",
        "checkpoint.enabled=true",
        "checkpoint.interval=1m",
        "checkpoint.serialize_rate=400Mi",
        "checkpoint.upload_rate=100Mi",
        "scenario.duration=3m",
        "scenario.sample_interval=500ms",
    ]);
    let (with_cp, samples) = run(&spec(&sets));
    let peak_buffers = samples
        .iter()
        .map(|s| s.models.checkpoint_buffer_bytes)
        .fold(0.0, f64::max);
    // 400 MiB serialized at 400 MiB/s while 100 MiB/s is uploaded: up to 300 MiB held.
    assert!(
        peak_buffers > 250.0 * MIB && peak_buffers <= 300.0 * MIB + 1.0,
        "{}",
        peak_buffers / MIB
    );
    let peak_loh = samples.iter().map(|s| s.mem.loh).fold(0.0, f64::max);
    assert!(peak_loh > 250.0 * MIB);
    assert!(samples.last().unwrap().models.checkpoints_completed >= 2);
    let mut off = sets.clone();
    off.push("checkpoint.enabled=false");
    let (without, _) = run(&spec(&off));
    assert!(with_cp.peak_rss > without.peak_rss + 200.0 * MIB);
    // Incremental checkpoints of a state that barely changes write almost nothing after the
    // first one.
    let mut inc = sets.clone();
    inc.push("checkpoint.incremental=true");
    let (_, samples) = run(&spec(&inc));
    let late = samples
        .iter()
        .filter(|s| s.time_s > 150.0)
        .map(|s| s.models.checkpoint_buffer_bytes)
        .fold(0.0, f64::max);
    assert!(late < 1.0 * MIB, "{}", late / MIB);
}

#[test]
fn the_synchronous_phase_stops_processing_and_the_backlog_is_worked_off() {
    let (s, samples) = run(&spec(&with(&[
        "checkpoint.enabled=true",
        "checkpoint.interval=10s",
        "checkpoint.sync_duration=2s",
        "scenario.sample_interval=100ms",
    ])));
    // Every record is processed in the end (the capacity catches up)...
    assert!(
        (s.records - 960_000.0).abs() / 960_000.0 < 0.02,
        "{}",
        s.records
    );
    // ...but some samples fall in a synchronous phase, with no processing and a backlog.
    assert!(
        samples
            .iter()
            .any(|x| x.record_rate == 0.0 && x.time_s > 1.0)
    );
    assert!(samples.iter().any(|x| x.backlog_records > 8000.0));
}

#[test]
fn memtables_flush_and_stay_under_their_bound_in_a_run() {
    let (_, samples) = run(&spec(&with(&[
        "state.backend=rocksdb",
        "state.new_keys_per_record=1",
        "state.key_bytes=2048",
        "state.rocksdb.write_buffer=16Mi",
        "state.rocksdb.write_buffers=2",
        "state.rocksdb.flush_rate=32Mi",
        "scenario.sample_interval=250ms",
    ])));
    let mem: Vec<f64> = samples.iter().map(|s| s.models.memtable_bytes).collect();
    let max = mem.iter().cloned().fold(0.0, f64::max);
    // 16.4 MB/s of writes into 16 MiB memtables, each flushed in half a second while the next
    // fills: never more than the two write buffers, sometimes more than one.
    assert!(max <= 32.0 * MIB + 1.0 && max > 16.0 * MIB, "{}", max / MIB);
    // A sawtooth: memory falls by a memtable when a flush ends.
    let drops = mem.windows(2).filter(|w| w[1] < w[0] - 8.0 * MIB).count();
    assert!(drops > 100, "{drops}");
}

#[test]
fn jobmanager_metadata_follows_the_running_jobs() {
    let base = [
        "scenario.process=jobmanager",
        "pod.limits.memory=2Gi",
        "scenario.duration=40m",
        "scenario.sample_interval=1m",
        "workload.records_per_second=10",
        "job.parallelism=50",
        r#"job.vertices=[{name="a"}, {name="b"}, {name="c"}, {name="d"}]"#,
        r#"job.edges=[{from="a", to="b", exchange="hash"}, {from="b", to="c", exchange="forward"}, {from="c", to="d", exchange="rebalance"}]"#,
        "jobmanager.jobs=4",
        "jobmanager.submit_interval=5m",
        "jobmanager.job_duration=20m",
    ];
    let jm = spec(&base);
    let shape = jm.jobmanager.as_ref().unwrap();
    // 4 vertices × 64 KiB + 200 subtasks × 12 KiB + 3 edges × 100 ends × 1 KiB.
    let graph = 4.0 * 65536.0 + 200.0 * 12288.0 + 300.0 * 1024.0;
    assert_eq!(shape.graph_bytes(), graph);
    let (_, samples) = run(&jm);
    let at = |t: f64| {
        samples
            .iter()
            .find(|s| (s.time_s - t).abs() < 1.0)
            .unwrap()
            .models
            .job_metadata_bytes
    };
    // All four running at 17 min, two left at 27 min (the first two ended at 20 and 25 min).
    assert!(
        (at(1020.0) - 4.0 * graph).abs() < 0.01 * graph,
        "{}",
        at(1020.0)
    );
    assert!(
        (at(1620.0) - 2.0 * graph).abs() < 0.01 * graph,
        "{}",
        at(1620.0)
    );
    // With checkpoints each job also keeps its last 2 checkpoints' metadata (200 × 2 KiB).
    let mut cp = base.to_vec();
    cp.extend([
        "checkpoint.enabled=true",
        "checkpoint.interval=45s",
        "checkpoint.retained=2",
    ]);
    let (_, samples) = run(&spec(&cp));
    let last = samples
        .iter()
        .find(|s| (s.time_s - 1020.0).abs() < 1.0)
        .unwrap();
    let expected = 4.0 * (graph + 2.0 * 200.0 * 2048.0);
    assert!(
        (last.models.job_metadata_bytes - expected).abs() < 0.02 * expected,
        "{} vs {}",
        last.models.job_metadata_bytes,
        expected
    );
}

#[test]
fn a_restarted_pod_restores_the_last_completed_checkpoint() {
    let (s, samples) = run(&spec(&[
        "pod.limits.memory=1Gi",
        "pod.restart=always",
        "memory.budget=off",
        "scenario.duration=10m",
        "scenario.sample_interval=1s",
        "workload.records_per_second=5000",
        "state.backend=heap",
        "state.initial=100Mi",
        "state.new_keys_per_record=0.5",
        "state.key_bytes=1024",
        "checkpoint.enabled=true",
        "checkpoint.interval=30s",
    ]));
    // The state grows by 2.4 MiB/s until the heap is full; the process restarts with the state
    // of the last completed checkpoint, which started at least one upload (8 s) before the
    // failure: less than it had when it failed, more than it started with.
    assert_eq!(s.outcome, Outcome::ManagedOom);
    assert!(s.restarts >= 1);
    let failed_at = s.outcome_time_s.unwrap();
    let before = samples
        .iter()
        .filter(|x| x.running && x.time_s <= failed_at)
        .map(|x| x.mem.state_heap)
        .fold(0.0, f64::max);
    let restarted = samples
        .iter()
        .find(|x| x.running && x.time_s > failed_at + 1.0)
        .unwrap()
        .time_s;
    // Rebuilt at 100 MiB/s: complete 6 s after the restart.
    let restored = samples
        .iter()
        .find(|x| x.time_s >= restarted + 6.0)
        .unwrap()
        .mem
        .state_heap;
    assert!(
        restored > 200.0 * MIB && restored < before - 5.0 * MIB,
        "{} vs {}",
        restored / MIB,
        before / MIB
    );
}

#[test]
fn large_objects_written_in_part_leave_their_fresh_pages_out_of_rss() {
    // 30% of the allocated bytes in 1 MiB objects, a tenth of them living ~2 s. Written whole,
    // the LOH is resident; written 1%, the pages of objects placed on fresh memory stay
    // untouched until the allocator reuses (and clears) them.
    let base = with(&[
        "workload.objects.large_fraction=0.3",
        "workload.objects.large_median=1Mi",
        "workload.objects.large_sigma=0",
        "workload.lifetimes=[{ fraction = 0.1, mean = \"2s\" }]",
    ]);
    let (whole, s_whole) = run(&spec(&base));
    let mut part_sets = base.clone();
    part_sets.push("workload.objects.large_written=0.01");
    let (part, s_part) = run(&spec(&part_sets));
    // The same GCs and heap either way: only residency differs.
    assert_eq!(whole.gc_counts, part.gc_counts);
    assert!(s_whole.iter().all(|s| s.mem.gc_untouched == 0.0));
    let untouched = s_part
        .iter()
        .map(|s| s.mem.gc_untouched)
        .fold(0.0, f64::max);
    assert!(untouched > 2.0 * MIB, "{}", untouched / MIB);
    // Sample by sample, the resident memory differs by exactly the untouched pages.
    assert_eq!(s_whole.len(), s_part.len());
    for (w, p) in s_whole.iter().zip(&s_part) {
        assert!(
            (w.rss - p.rss - p.mem.gc_untouched).abs() < 1024.0,
            "at {} s: {} vs {} ({} untouched)",
            w.time_s,
            w.rss / MIB,
            p.rss / MIB,
            p.mem.gc_untouched / MIB
        );
    }
    for s in &s_part {
        assert!((s.rss - s.mem.rss()).abs() < 1.0);
    }
}
