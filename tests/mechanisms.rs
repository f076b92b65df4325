//! The GC model's mechanisms, one by one, held against what the real runtimes did in the lab.
//!
//! Each test runs one lab workload (`validation/lab/<dataset>/specs/`) through the simulator on
//! that dataset's machine facts and checks one rule of the runtime, with the figures measured in
//! the lab traces (per-GC records of .NET Core 3.1.23 and .NET 8.0.4). Every number below is a
//! measured value or range from those traces, quoted in the comment next to it.

use std::path::Path;

use memsim::lab::predict::predict_observed;
use memsim::lab::{LabMachine, LabPrediction, LabSpec};
use memsim::sim::gc::record::{GcKind, GcReason, GcRecord, condemn_bits};
use memsim::sim::observe::{Collector, Summary};

const MIB: f64 = 1024.0 * 1024.0;

/// Datasets: .NET Core 3.1 (segments) and .NET 8 (regions) on the same host, and .NET 8 DATAS.
const NETCORE31: &str = "calibration-netcore31-samehost";
const NET8: &str = "calibration-net8";
const NET8_DATAS: &str = "calibration-net8-datas";

struct Run {
    prediction: LabPrediction,
    summary: Summary,
    gcs: Vec<GcRecord>,
}

fn run(dataset: &str, spec: &str) -> Run {
    run_with_seed(dataset, spec, None)
}

/// Runs a lab spec, with its seed replaced when `seed` is given.
fn run_with_seed(dataset: &str, spec: &str, seed: Option<u64>) -> Run {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("validation/lab")
        .join(dataset);
    let machine =
        LabMachine::from_json(&std::fs::read_to_string(dir.join("machine.json")).unwrap()).unwrap();
    let mut text = std::fs::read_to_string(dir.join("specs").join(format!("{spec}.spec"))).unwrap();
    if let Some(seed) = seed {
        text += &format!("\nseed = {seed}\n");
    }
    let spec = LabSpec::parse(&text, spec).unwrap();
    let mut c = Collector::default();
    let (prediction, summary) = predict_observed(&spec, &machine, &vec![], &mut c).unwrap();
    Run {
        prediction,
        summary,
        gcs: c.gcs,
    }
}

/// The simulator run a lab spec maps to on its dataset's machine.
fn lab_run_spec(dataset: &str, spec: &str) -> memsim::sim::RunSpec {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("validation/lab")
        .join(dataset);
    let machine =
        LabMachine::from_json(&std::fs::read_to_string(dir.join("machine.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir.join("specs").join(format!("{spec}.spec"))).unwrap();
    let spec = LabSpec::parse(&text, spec).unwrap();
    memsim::lab::predict::run_spec(&spec, &machine, &vec![]).unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty());
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The median of `value` over the GCs of `r` that `which` selects.
fn median_over(
    r: &Run,
    which: impl Fn(&GcRecord) -> bool,
    value: impl Fn(&GcRecord) -> f64,
) -> f64 {
    median(r.gcs.iter().filter(|g| which(g)).map(value).collect())
}

// ---------------------------------------------------------------------------------------------
// Generations and promotion
// ---------------------------------------------------------------------------------------------

/// Objects that die young are collected in gen0 and never reach gen2: pure churn of 12 GiB in
/// 2 KiB objects made 153 gen0 GCs, one gen1 (the runtime's first gen1 of a process) and no gen2
/// on both runtimes, with the 80 MiB workstation gen0 budget.
#[test]
fn a_cohort_that_dies_young_never_reaches_gen2() {
    for ds in [NETCORE31, NET8] {
        let r = run(ds, "churn-2kb");
        assert_eq!(r.prediction.gen2_count, 0, "{ds}");
        assert!(r.prediction.gen1_count <= 1, "{ds}");
        let gen2_max = r.gcs.iter().map(|g| g.gen_after[2]).fold(0.0, f64::max);
        assert!(gen2_max < 1.0 * MIB, "{ds}: gen2 grew to {gen2_max}");
        assert!(
            (145..=160).contains(&r.prediction.gen0_count),
            "{ds}: {}",
            r.prediction.gen0_count
        );
        assert!(
            r.gcs
                .iter()
                .all(|g| (g.gen0_budget / MIB - 80.0).abs() < 1.0),
            "{ds}"
        );
    }
}

/// .NET Core 3.1 keeps gen0 survivors in gen0 unless they exceed 6% of the minimum gen0 budget
/// (4.8 MiB at 80 MiB) or gen1 is smaller than that: 100% of 4,463 gen0 GCs followed this rule in
/// the lab. Checked on every gen0 GC of a workload whose survivors hover around that threshold.
#[test]
fn segments_keep_small_gen0_survivors_in_gen0() {
    let r = run(NETCORE31, "mode-wks-concurrent");
    let m = 0.06 * 80.0 * MIB;
    let mut checked = 0;
    for w in r.gcs.windows(2) {
        let (before, gc) = (&w[0], &w[1]);
        if gc.generation != 0 || gc.kind != GcKind::Blocking {
            continue;
        }
        let expect_promotion = gc.survived > m || before.gen_after[1] < m;
        assert_eq!(
            gc.promoted_up, expect_promotion,
            "GC {}: survived {}",
            gc.index, gc.survived
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} gen0 GCs");
    // Both branches occur in this workload.
    assert!(r.gcs.iter().any(|g| g.generation == 0 && !g.promoted_up));
    assert!(r.gcs.iter().any(|g| g.generation == 0 && g.promoted_up));
}

/// On regions (.NET 8) the bytes promoted into gen2 by a blocking gen2 are charged to the gen2
/// budget that GC sets, so a tiny gen2 with steady promotion condemns gen2 again and again
/// ("gen2 too small"): midlife-100ms made 9 (8–10) gen2s on .NET 8 against 1 on 3.1.
///
/// (On 3.1 that single gen2 is partly an accident of the lab's harness: a dead, already promoted
/// copy of its survivor array kept 2.7 MiB alive through one gen1, gen1 then stayed above the
/// 4.8 MiB promotion threshold and gen0 survivors were never promoted again. The model has no
/// such nepotism and gives a few more gen2s there, which this test does not hold it to.)
#[test]
fn regions_charge_in_gc_promotion_to_the_new_gen2_budget() {
    let seg = run(NETCORE31, "midlife-100ms");
    let reg = run(NET8, "midlife-100ms");
    assert!(
        reg.prediction.gen2_count >= 2 * seg.prediction.gen2_count,
        "3.1 {} vs .NET 8 {}",
        seg.prediction.gen2_count,
        reg.prediction.gen2_count
    );
    assert!(
        (6..=12).contains(&reg.prediction.gen2_count),
        ".NET 8: {}",
        reg.prediction.gen2_count
    );
    let too_small = reg
        .gcs
        .iter()
        .filter(|g| g.generation == 2 && g.condemn_reasons & condemn_bits::GEN2_TOO_SMALL != 0)
        .count();
    assert!(
        too_small >= 3,
        "only {too_small} gen2s condemned as gen2-too-small"
    );
}

/// On regions the gen1 budget is also charged with the gen0 survivors a gen1 GC promotes, so
/// once more than gen1's budget (at most 6 MiB) survives per GC every GC becomes a gen1 ("gen1
/// instead of gen0"): mixed-batch made 17 gen0 and 24 gen1 GCs on 3.1 but 1 and 40 on .NET 8,
/// limit-pod-512-hl95 13/14 against 1/27 (medians of 3 runs, same host).
#[test]
fn regions_turn_gen0_gcs_into_gen1_under_steady_survival() {
    let share = |p: &LabPrediction| p.gen1_count as f64 / (p.gen0_count + p.gen1_count) as f64;
    for spec in ["mixed-batch", "limit-pod-512-hl95"] {
        let seg = run(NETCORE31, spec).prediction;
        let reg = run(NET8, spec).prediction;
        println!(
            "{spec} gen1 share: 3.1 {:.2}, .NET 8 {:.2}",
            share(&seg),
            share(&reg)
        );
        assert!(
            share(&seg) < 0.7,
            "{spec} 3.1 gen1 share {:.2}",
            share(&seg)
        );
        assert!(
            share(&reg) > 0.9,
            "{spec} .NET 8 gen1 share {:.2}",
            share(&reg)
        );
    }
}

/// Gen2's free list takes a promoted plug (a run of survivors side by side) only into an item at
/// least about its size, so free space cut into short runs by scattered survivors is not reused
/// and gen2 grows at its end. In `mixed-batch` (10% of objects of 300 bytes median, ~500 mean,
/// living ~1 s) every gen1
/// GC promotes 8–15 MB of long plugs: real gen2 grew to 207–213 MiB on .NET 8 and 221–229 MiB on
/// 3.1 (host B) with only 110–140 MiB of it alive, where filling every free byte left 135 MiB.
/// In `midlife-bytes-256mb` (holdout; 4% living ~256 MiB of allocation) the plugs are short and
/// the free space old: gen2 levelled off at 23.8 MiB on .NET 8 and 9.8–9.9 MiB on 3.1 (reusing
/// nothing, the model reaches 33 and 22 MiB). Held to 25% on .NET 8 and 35% on 3.1, where the
/// model reuses less than the runtime did (263–272 and 12.9 MiB).
#[test]
fn promotion_fills_only_free_space_with_room_for_its_plugs() {
    let max_gen2 = |r: &Run| r.gcs.iter().map(|g| g.gen_after[2]).fold(0.0, f64::max) / MIB;
    for (dataset, spec, low, high) in [
        (NET8, "mixed-batch", 155.0, 266.0),
        (NETCORE31, "mixed-batch", 144.0, 309.0),
        ("holdout-net8", "midlife-bytes-256mb", 17.9, 29.8),
        ("holdout-netcore31", "midlife-bytes-256mb", 6.4, 13.4),
    ] {
        let g2 = max_gen2(&run(dataset, spec));
        assert!(
            (low..=high).contains(&g2),
            "{dataset} {spec}: largest gen2 {g2:.1} MiB"
        );
    }
}

/// A gen1 GC plans and relocates survivors plug by plug, and gen1's survivors, compacted together
/// by the GC before, mostly stay together: its pause follows the plugs, not the objects. Real
/// gen1 pauses on 3.1 (host B): `mixed-batch` 17.8–19.8 ms (median per run, ~14 MB promoted
/// from gen1 and 8 MB from gen0), `midlife-1s` 8.5–9.5 ms. Charging every gen1 survivor as its
/// own plug gave 31 and 18 ms.
#[test]
fn gen1_survivors_cost_per_plug_not_per_object() {
    for (spec, low, high) in [("mixed-batch", 14.0, 25.0), ("midlife-1s", 6.5, 13.0)] {
        let p = median_over(
            &run(NETCORE31, spec),
            |g| g.generation == 1 && g.kind == GcKind::Blocking,
            |g| g.pause_s * 1e3,
        );
        assert!((low..=high).contains(&p), "{spec}: gen1 pause {p:.1} ms");
    }
}

/// Without its mark list a GC's plan phase walks every object it condemned, dead ones included.
/// On .NET 8 regions (Workstation GC on Linux) the list holds 102,400 entries at start-up, and
/// the first blocking gen2 shrinks it to 16,384 for good: `grow_mark_list` doubles the size but
/// caps it at 16,384 without the vectorised sort. `state-alloc-driven-128b` (128-byte state
/// entries among 84 MB of churn per GC) marks 25,000–100,000 objects per gen0 or gen1 GC while
/// its state grows. On .NET 8 those GCs took 3.3–8.5 ms before its first blocking gen2 and
/// 28–41 ms after it (medians 33–34 ms). On 3.1, whose list keeps its 131,072 entries, the
/// same GCs after it had medians of 5.2–8.2 ms over three runs (a few gen1s marking more than
/// that walked, up to 33 ms). The bounds separate walking (~25 ms in the model) from not
/// walking.
#[test]
fn regions_shrink_the_mark_list_at_the_first_blocking_gen2() {
    for (ds, after) in [
        ("holdout-net8", 20.0..45.0),
        ("holdout-netcore31", 0.0..12.0),
    ] {
        let r = run(ds, "state-alloc-driven-128b");
        let first_full = r
            .gcs
            .iter()
            .position(|g| g.generation == 2 && g.kind == GcKind::Blocking)
            .unwrap();
        // Ephemeral GCs that keep the growing state's entries.
        let pauses = |gcs: &[GcRecord]| -> Vec<f64> {
            gcs.iter()
                .filter(|g| g.generation < 2 && g.kind == GcKind::Blocking)
                .filter(|g| g.survived > 2.0 * MIB)
                .map(|g| g.pause_s * 1e3)
                .collect()
        };
        let before = pauses(&r.gcs[..first_full]);
        assert!(before.len() >= 3, "{ds}: {before:?}");
        assert!(before.iter().all(|p| *p < 10.0), "{ds}: {before:?}");
        let later = median(pauses(&r.gcs[first_full + 1..]));
        assert!(
            after.contains(&later),
            "{ds}: {later:.1} ms after the first gen2"
        );
    }
}

/// The lab keeps its mid-life survivors in a binary heap over two arrays of 8-byte slots that
/// double when full, so the arrays alive at the first GC survive it with the survivors. The
/// first GC of `midlife-100ms` and of `midlife-bytes-64mb` on 3.1 promoted 2.59–2.61 MB and
/// 2.91 MB (six runs each, two hosts): ~7,000 survivors then, in arrays of 8,192 slots (131 KB
/// in gen0) beside 2.4 MB of survivors and the program's 0.33 MB.
#[test]
fn the_survivors_arrays_survive_with_them() {
    for (spec, real) in [("midlife-100ms", 2.596e6), ("midlife-bytes-64mb", 2.908e6)] {
        let r = run(NETCORE31, spec);
        let first = r.gcs.first().unwrap().promoted;
        // Without the arrays the model promotes 7% less.
        assert!(
            (first / real - 1.0).abs() < 0.03,
            "{spec}: first GC promoted {first:.0} B against {real:.0} B"
        );
    }
}

/// When the survivors outgrow their arrays, the old arrays die where they were promoted. In
/// `midlife-bytes-64mb` (3.1) that happens between the first GC and the first gen1 GC: the dead
/// 131 KB lower gen1's survival rate at that GC, so its budget grows less and two gen0 GCs'
/// promotions exhaust it. Both hosts' six runs did 20 gen0, 9 gen1 and 8 gen2 GCs, a gen2 every
/// fourth GC; without the arrays the model's gen1 budget outlasts them, promotion stops and it
/// does 36 gen0 GCs and no gen2.
#[test]
fn outgrown_survivor_arrays_die_in_gen1() {
    let r = run(NETCORE31, "midlife-bytes-64mb");
    let p = &r.prediction;
    assert!(
        (6..=10).contains(&p.gen2_count) && (7..=11).contains(&p.gen1_count),
        "{}/{}/{} GCs against 20/9/8",
        p.gen0_count,
        p.gen1_count,
        p.gen2_count
    );
}

// ---------------------------------------------------------------------------------------------
// Background GCs
// ---------------------------------------------------------------------------------------------

/// A background GC's concurrent mark reaches scattered survivors one by one: in `mixed-batch`
/// the background GCs after the first second (marking 110–140 MiB of 500-byte survivors) lasted
/// 52–59 ms on .NET 8 and 73–96 ms on 3.1 (medians per run, host B). A single per-MiB rate fitted
/// to every background GC gave 8 ms.
#[test]
fn a_background_gc_marks_scattered_survivors_one_by_one() {
    for (dataset, low, high) in [(NET8, 40.0, 75.0), (NETCORE31, 55.0, 115.0)] {
        let d = median_over(
            &run(dataset, "mixed-batch"),
            |g| g.kind == GcKind::Background && g.start_s > 1.0,
            |g| g.duration_s * 1e3,
        );
        assert!((low..=high).contains(&d), "{dataset}: {d:.1} ms");
    }
}

/// While a background GC runs, Workstation GC puts the allocating thread to sleep 2 ms every 140
/// allocation contexts: `mixed-batch` allocated 400–560 MB/s during its background GCs against
/// 4.0–5.3 GB/s outside them (host B), so half its mutator time passed inside them. The real
/// 3.1 runs on host B took 2.24–2.39 s (3.0–3.5 s on the slower host A). Without the sleep the
/// model ran 1.6 s; with it, 2.2–2.3 s.
#[test]
fn background_gcs_slow_workstation_allocation() {
    let r = run(NETCORE31, "mixed-batch");
    let s = r.summary.simulated_s;
    assert!((2.0..=2.8).contains(&s), "ran {s:.2} s");
}

// ---------------------------------------------------------------------------------------------
// The large object heap
// ---------------------------------------------------------------------------------------------

/// LOH allocations count against the LOH budget (3 MiB when nothing survives) and exhausting it
/// condemns gen2: 3,001 MiB in 1 MiB objects gave 976 (963–982) gen2s on 3.1, 3.06–3.12 MiB per
/// cycle (the budget plus objects allocated around the GC), and 715 (714–720) on .NET 8, which
/// lets one more object in per background GC (4.17–4.20 MiB per cycle). Held to 10%.
#[test]
fn loh_churn_triggers_a_gen2_per_loh_budget() {
    let seg = run(NETCORE31, "loh-1mb-1000mbs");
    let reg = run(NET8, "loh-1mb-1000mbs");
    let g2 = |r: &Run| r.prediction.gen2_count as f64;
    assert!((878.0..=1074.0).contains(&g2(&seg)), "3.1: {}", g2(&seg));
    assert!((643.0..=787.0).contains(&g2(&reg)), ".NET 8: {}", g2(&reg));
    for r in [&seg, &reg] {
        let by_loh = r
            .gcs
            .iter()
            .filter(|g| g.generation == 2 && g.reason == GcReason::AllocLarge)
            .count() as f64;
        assert!(
            by_loh >= 0.95 * g2(r),
            "{by_loh} of {} gen2s triggered by the LOH",
            g2(r)
        );
    }
}

/// The LOH budget grows with the LOH's survivors, max((f(s)−1)·survived, survived/4, 3 MiB):
/// with 10% of 1 MiB objects living ~500 ms, 1,500 MiB of LOH allocation took 71 (65–73) gen2s
/// on 3.1, about 21 MiB per cycle, seven times the 3 MiB of pure churn. Held to 15%.
#[test]
fn loh_budget_grows_with_loh_survivors() {
    let r = run(NETCORE31, "loh-survive-500ms");
    let gen2 = r.prediction.gen2_count as f64;
    let per_cycle = 1500.0 / gen2;
    assert!(
        (60.0..=82.0).contains(&gen2),
        "{gen2} gen2s ({per_cycle:.1} MiB of LOH per gen2)"
    );
}

/// The allocator checks the LOH budget before an allocation, charging each object plus a minimum
/// object: the object that overdraws the budget is allocated and the next one triggers the gen2.
/// So a cycle allocates whole objects. In the 3.1 traces of 1 MiB objects with 10% living
/// ~500 ms, the LOH allocated between two background gen2s exceeded the budget the runtime's rule
/// gives by a median of 0.4–1.0 MiB per run (about half an object). That half object decides
/// whether a small budget lands past the growth cap: charged continuously, the model's budget
/// swung between 3.5 and 0.35 times the LOH survivors where the runtime's settled, and its peak
/// RSS was 19% above the real runs' median (122–160 MB, median 132.5 MB, on this host).
#[test]
fn the_loh_budget_is_spent_in_whole_objects() {
    let r = run(NETCORE31, "loh-survive-500ms");
    let charge = 1_048_576.0 + 24.0;
    let gen2s: Vec<&GcRecord> = r.gcs.iter().filter(|g| g.generation == 2).collect();
    assert!(gen2s.len() > 50);
    for g in gen2s {
        let objects = g.budgets[3] / charge;
        assert!(
            (objects - objects.round()).abs() < 1e-6,
            "GC {}: a LOH budget of {objects:.3} objects",
            g.index
        );
    }
    let real = 132_521_984.0;
    let error = (r.prediction.peak_rss_bytes - real).abs() / real;
    assert!(error <= 0.12, "peak RSS {:.1}% off", 100.0 * error);
}

/// A gen2's sweep trims the LOH's end back to its last live object and decommits the rest, and
/// the allocator fills the free list's holes from the lowest address before it extends the end:
/// when a cycle's objects fit in the holes, the old objects at the top die and the LOH shrinks.
/// With 10% of 1 MiB objects living ~500 ms the LOH after a gen2 fell as well as rose on 3.1
/// (rep 1: 52.9 → 37.9 MiB at GC 34, 63.9 → 59.9 at GC 44; rep 3: 123.9 → 109.9 → 85.9 MiB).
/// Peak RSS was 122–160 MiB (108–142 on the other host); without the trim the LOH only grows
/// and the model's peak was 160 MiB.
#[test]
fn a_gen2_sweep_trims_the_loh_end() {
    let r = run(NETCORE31, "loh-survive-500ms");
    let loh: Vec<f64> = r
        .gcs
        .iter()
        .filter(|g| g.generation == 2)
        .map(|g| g.gen_after[3])
        .collect();
    let drops = loh.windows(2).filter(|w| w[1] < w[0] - 4.0 * MIB).count();
    assert!(drops >= 2, "the LOH never shrank by 4 MiB: {loh:?}");
    let rss = r.prediction.peak_rss_bytes / MIB;
    assert!((100.0..=150.0).contains(&rss), "peak RSS {rss:.1} MiB");
}

/// On regions every large region is trimmed to its last live object and a region left empty
/// leaves the LOH, so after a gen2 the .NET 8 LOH holds less free space around its survivors than
/// the 3.1 segment, whose dead space below the last live object stays on the free list. Median
/// over the gen2s after the first second of LOH size ÷ LOH survivors, per run (three runs each):
/// `limit-512-loh` 1.92–2.16 on .NET 8 against 2.18–4.24 on 3.1 (same host), and
/// `loh-survive-500ms` 2.29–3.11 against 3.55–4.33. With the LOH taken as one segment on .NET 8
/// too, the model's medians over nine seeds were 2.43 and 2.64.
#[test]
fn regions_give_back_the_dead_tail_of_every_large_region() {
    let ratio = |dataset: &str, spec: &str| {
        let runs: Vec<f64> = (1..=9)
            .map(|seed| {
                let r = run_with_seed(dataset, spec, Some(seed));
                median(
                    r.gcs
                        .iter()
                        .filter(|g| g.generation == 2 && g.start_s > 1.0 && g.survived > 0.0)
                        .map(|g| g.gen_after[3] / g.survived)
                        .collect(),
                )
            })
            .collect();
        median(runs)
    };
    let limit = ratio(NET8, "limit-512-loh");
    assert!(
        limit <= 2.35,
        "limit-512-loh: LOH {limit:.2}× its survivors"
    );
    let survive = ratio(NET8, "loh-survive-500ms");
    assert!(
        (2.1..=2.45).contains(&survive),
        "loh-survive-500ms: LOH {survive:.2}× its survivors"
    );
    // The segment keeps clearly more (the model gives 3.18 on 3.1; 2.64 was the single-segment
    // .NET 8 LOH).
    let segment = ratio(NETCORE31, "loh-survive-500ms");
    assert!(
        segment > survive + 0.6,
        "loh-survive-500ms: {segment:.2}× on 3.1 against {survive:.2}× on .NET 8"
    );
}

// ---------------------------------------------------------------------------------------------
// Pinning
// ---------------------------------------------------------------------------------------------

/// On segments, pinned pool buffers in gen0 are demoted: gen0 keeps the pins and the free space
/// between them (112.6–113.3 MiB after every gen1 of pool-replace-5pct on 3.1) and new
/// allocations refill the holes, so peak RSS stays at 144 MiB.
#[test]
fn segments_demote_pinned_buffers_and_reuse_the_holes() {
    let r = run(NETCORE31, "pool-replace-5pct");
    let gen0_after_gen1 = median(
        r.gcs
            .iter()
            .filter(|g| g.generation == 1)
            .map(|g| g.gen_after[0] / MIB)
            .collect(),
    );
    assert!(
        (80.0..=125.0).contains(&gen0_after_gen1),
        "gen0 after gen1: {gen0_after_gen1:.1} MiB"
    );
    let rss = r.prediction.peak_rss_bytes / MIB;
    assert!((125.0..=165.0).contains(&rss), "peak RSS {rss:.1} MiB");
}

/// On regions, a region holding a live pinned object cannot be compacted and is promoted whole:
/// a fixed pool of pinned buffers (pool-4096x32k, 128 MiB) costs 15–31 MiB more RSS on .NET 8
/// than on 3.1 (276 vs 244 MiB) with unchanged GC counts.
#[test]
fn regions_keep_pinned_regions_whole() {
    let seg = run(NETCORE31, "pool-4096x32k").prediction;
    let reg = run(NET8, "pool-4096x32k").prediction;
    let extra = (reg.peak_rss_bytes - seg.peak_rss_bytes) / MIB;
    assert!(
        (5.0..=45.0).contains(&extra),
        ".NET 8 − 3.1 peak RSS: {extra:.1} MiB"
    );
}

/// On regions, a pool whose freshly pinned buffers land in every gen0 region keeps all regions:
/// gen0's regions are promoted whole to gen1, and at the next GC, still pinned, to gen2, free
/// space and all. Pinned objects promoted in place use none of gen2's budget, so gen1 GCs
/// (raised by gen1's fragmentation) follow one another and gen2 grows by the whole of gen1 each
/// time: pool-replace-5pct on .NET 8 made 1 gen0, 10 gen1 and 1 gen2 GCs, gen2 grew ≈ 70 MiB
/// per gen1 and RSS reached 1,042 MiB, against 144 MiB on 3.1.
#[test]
fn regions_promote_pinned_regions_whole_and_fragment_gen2() {
    let r = run(NET8, "pool-replace-5pct");
    let p = &r.prediction;
    assert!((8..=12).contains(&p.gen1_count), "gen1 {}", p.gen1_count);
    assert!(p.gen2_count <= 2, "gen2 {}", p.gen2_count);
    let gen1s: Vec<&GcRecord> = r.gcs.iter().filter(|g| g.generation == 1).collect();
    let frag_raised = gen1s
        .iter()
        .filter(|g| g.condemn_reasons & condemn_bits::EPHEMERAL_FRAGMENTATION != 0)
        .count();
    assert!(
        frag_raised >= gen1s.len() / 2,
        "{frag_raised} of {} gen1s",
        gen1s.len()
    );
    let growth: Vec<f64> = r
        .gcs
        .windows(2)
        .filter(|w| w[1].generation == 1 && w[0].generation == 1)
        .map(|w| (w[1].gen_after[2] - w[0].gen_after[2]) / MIB)
        .collect();
    let g = median(growth);
    assert!((55.0..=90.0).contains(&g), "gen2 grows {g:.1} MiB per gen1");
    let rss = p.peak_rss_bytes / MIB;
    assert!((850.0..=1200.0).contains(&rss), "peak RSS {rss:.0} MiB");
}

// ---------------------------------------------------------------------------------------------
// Hard limit and pod limit
// ---------------------------------------------------------------------------------------------

/// Under a heap hard limit, live data that cannot fit ends the process with a managed
/// OutOfMemoryException after back-to-back full compacting GCs marked "before OOM": a 128 MiB
/// limit with a growing live LOH failed at a heap of 111–123 MiB (87–96% of the limit).
#[test]
fn hard_limit_gives_a_managed_oom_after_last_ditch_full_gcs() {
    for ds in [NETCORE31, NET8] {
        let r = run(ds, "limit-128-loh-oom");
        assert_eq!(r.prediction.outcome, "oom", "{ds}");
        let last = r.gcs.last().unwrap();
        assert_eq!(last.generation, 2, "{ds}");
        assert!(last.compacting, "{ds}");
        assert!(
            r.gcs
                .iter()
                .any(|g| g.condemn_reasons & condemn_bits::BEFORE_OOM != 0),
            "{ds}"
        );
        let share = r.prediction.peak_heap_after_gc_bytes / (128.0 * MIB);
        assert!(
            (0.80..=1.0).contains(&share),
            "{ds}: heap at {share:.2} of the limit"
        );
    }
}

/// A compaction of the LOH copies its live objects down onto the space of dead ones, and where
/// those pages were never written (the lab writes one element of each array), the copy faults
/// them in. Under hard limits of 136, 160 and 176 MiB the first blocking gen2 over more than
/// 64 MiB of LOH, a last-ditch compaction, paused 26.1–43.6 ms on 3.1 and 24.3–38.6 ms on .NET 8
/// (three runs each); the later ones, over pages that compaction had written, 7.4–12.8 and
/// 6.7–11.2 ms in the median.
#[test]
fn the_first_loh_compaction_faults_in_the_pages_it_writes() {
    for ds in ["limit-sweep-netcore31", "limit-sweep-net8"] {
        for limit in [136, 160, 176] {
            let r = run(ds, &format!("loh-limit-{limit}"));
            let compactions: Vec<f64> = r
                .gcs
                .iter()
                .filter(|g| {
                    g.generation == 2 && g.kind == GcKind::Blocking && g.gen_after[3] > 64.0 * MIB
                })
                .map(|g| g.pause_s * 1e3)
                .collect();
            assert!(compactions.len() >= 5, "{ds} {limit}: {compactions:?}");
            let first = compactions[0];
            assert!(
                (20.0..=60.0).contains(&first),
                "{ds} {limit}: first {first:.1} ms"
            );
            let mut later = compactions[1..].to_vec();
            later.sort_by(f64::total_cmp);
            let median = later[later.len() / 2];
            assert!(
                median < 0.5 * first,
                "{ds} {limit}: later {median:.1} ms, first {first:.1}"
            );
        }
    }
}

/// Under a hard limit the gen0 budget is exactly limit × 5/64 (10 MiB for 128 MiB, 20 MiB for
/// 256 MiB), on both runtimes.
#[test]
fn hard_limit_sets_gen0_budget_to_five_64ths_of_the_limit() {
    for ds in [NETCORE31, NET8] {
        for (spec, budget) in [("limit-128-loh-oom", 10.0), ("limit-256-grow-oom", 20.0)] {
            let r = run(ds, spec);
            let first = r.gcs.first().unwrap().gen0_budget / MIB;
            assert!((first - budget).abs() < 0.5, "{ds} {spec}: {first:.2} MiB");
        }
    }
}

/// A pod whose resident memory passes its limit is killed even though the heap never reaches its
/// own hard limit: limit-pod-512-hl95 (pod 512 MiB, heap limit 486 MiB, 64 MiB native) was
/// killed with the heap at 78–80% of its limit.
#[test]
fn pod_limit_kills_before_the_heap_limit_is_reached() {
    for ds in [NETCORE31, NET8] {
        let r = run(ds, "limit-pod-512-hl95");
        assert_eq!(r.prediction.outcome, "killed", "{ds}");
        let share = r.prediction.peak_heap_after_gc_bytes / (486.0 * MIB);
        assert!(share < 0.9, "{ds}: heap at {share:.2} of its limit");
    }
}

// ---------------------------------------------------------------------------------------------
// Server GC and DATAS
// ---------------------------------------------------------------------------------------------

/// Server GC without a limit on this host reads a 1,280 MiB gen0 budget per heap, so one heap
/// collects every 1,233–1,246 MiB allocated.
#[test]
fn server_gc_gen0_budget_is_1280_mib_per_heap() {
    for ds in [NETCORE31, NET8] {
        let r = run(ds, "mode-server-1heap");
        let b = r.gcs.first().unwrap().gen0_budget / MIB;
        assert!((b - 1280.0).abs() < 1.0, "{ds}: {b:.1} MiB");
    }
}

/// A gen0 GC raises itself to gen1 when fewer than 30% of the cross-generation pointers it finds
/// through the cards point into gen0. State kept in chunks of references filled in order makes
/// such pointers only where a chunk is older than its entries: the entries added since the
/// chunks then being filled were promoted, so how full those chunks were when a GC promoted them
/// (a matter of chance) decides each GC's ratio. On .NET 8 with DATAS, building and using 200 MiB
/// of chunked state gave 3–5 low-card GCs per run and 1–2 gen2s raised from them because gen2's
/// budget was gone ("max gen1"), over nine runs under the default precise region write barrier,
/// the region-byte one and the non-precise one alike. Taken at the average fill, the model found
/// none.
#[test]
fn chunked_state_lowers_card_efficiency_by_chance() {
    let base = lab_run_spec(NET8_DATAS, "datas-pod-1g-on");
    let (mut low, mut raised) = (Vec::new(), Vec::new());
    for r in 0..5u64 {
        let mut rs = base.clone();
        if r > 0 {
            rs.seed = memsim::sim::rng::derive_seed(base.seed, &[r]);
        }
        let mut c = Collector::default();
        memsim::sim::simulate(&rs, &mut c);
        let has = |g: &&GcRecord, bit: u32| g.condemn_reasons & bit != 0;
        low.push(
            c.gcs
                .iter()
                .filter(|g| has(g, condemn_bits::LOW_CARD_EFFICIENCY))
                .count() as f64,
        );
        raised.push(
            c.gcs
                .iter()
                .filter(|g| g.generation == 2 && has(g, condemn_bits::MAX_GEN1))
                .count() as f64,
        );
    }
    let (l, g) = (median(low.clone()), median(raised.clone()));
    assert!((2.0..=8.0).contains(&l), "low-card GCs per run: {low:?}");
    assert!(
        (1.0..=4.0).contains(&g),
        "gen2s raised by max gen1: {raised:?}"
    );
}

/// DATAS starts the gen0 budget at 2.5 MiB and then moves it towards about half of gen2's size
/// after each gen2 (fit T = 2.17 MiB + 0.485 × gen2, R² = 0.97); the heap count stays at 1 on two
/// cores. Checked on a state that grows from 0 to 600 MiB.
#[test]
fn datas_budget_follows_the_live_gen2() {
    let r = run(NET8_DATAS, "datas-grow-on");
    let first = r.gcs.first().unwrap();
    assert!(
        (first.gen0_budget / MIB - 2.5).abs() < 0.01,
        "first budget {}",
        first.gen0_budget
    );
    assert!(r.gcs.iter().all(|g| g.heaps == 1));
    // Once gen2 is large, the budget sits near half of it.
    let late: Vec<f64> = r
        .gcs
        .iter()
        .filter(|g| g.gen_after[2] > 100.0 * MIB)
        .map(|g| g.gen0_budget / (2.17 * MIB + 0.485 * g.gen_after[2]))
        .collect();
    assert!(late.len() >= 5, "gen2 never grew past 100 MiB");
    let ratio = median(late);
    assert!(
        (0.6..=1.4).contains(&ratio),
        "budget / fitted target: {ratio:.2}"
    );
    // And resident memory is a fraction of what DATAS off gives on the same workload.
    let off = run(NET8_DATAS, "datas-bursty-off")
        .prediction
        .peak_rss_bytes;
    let on = run(NET8_DATAS, "datas-bursty-on").prediction.peak_rss_bytes;
    assert!(
        on < off / 3.0,
        "DATAS on {:.0} MiB vs off {:.0} MiB",
        on / MIB,
        off / MIB
    );
}

// ---------------------------------------------------------------------------------------------
// Resident memory outside the heap
// ---------------------------------------------------------------------------------------------

/// The runtime keeps growing after start-up (code pages, and on .NET 8 the double-mapped JIT
/// code): 3 s of LOH churn in 85,000-byte objects at 200 MiB/s, whose heap stays under 5 MiB,
/// peaked at 40.97–41.01 MiB on .NET 8 and 33.38–33.45 MiB on 3.1, 9.2 and 4.8 MiB above the
/// `init` sample. Without the warm-up the model was 12% under on .NET 8.
#[test]
fn the_runtime_warms_up_after_start_up() {
    for (dataset, real_mib) in [(NET8, 41.0), (NETCORE31, 33.4)] {
        let r = run(dataset, "loh-85kb-200mbs");
        let predicted = r.prediction.peak_rss_bytes / MIB;
        assert!(
            (predicted - real_mib).abs() / real_mib <= 0.08,
            "{dataset}: {predicted:.1} MiB against {real_mib} MiB"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Allocation speed
// ---------------------------------------------------------------------------------------------

/// Allocation into never-touched memory is paced by first-touch page faults, and two threads
/// faulting at once contend: datas-bursty-off asks for 1,500 MiB/s in 250 ms bursts (2,250 MiB in
/// 6 s) on two Server GC heaps that never collect, and the runtime managed 1,505–2,035 MiB
/// (median 1,527), spending 1.34 ms of system CPU per fresh MiB.
#[test]
fn first_touch_page_faults_cap_allocation_into_fresh_memory() {
    let r = run(NET8_DATAS, "datas-bursty-off");
    // The workload's own allocations, without the 100 MiB state built at start-up.
    let allocated = r.summary.allocated_bytes / MIB - 100.0;
    assert!(
        (1400.0..=2100.0).contains(&allocated),
        "{allocated:.0} MiB allocated"
    );
    assert_eq!(r.prediction.gen0_count, 0);
}

/// A lab run ends once its volume is allocated, whatever else happens at that instant:
/// `state-alloc-driven` grows its state by 50 MiB per GiB allocated up to a 300 MiB cap, which it
/// reaches with its 6 GiB, and ran 1.66–1.73 s on .NET 8. When the model reached both limits at
/// the same instant it ran on, idle, to its one-hour horizon (several of these 72 variants did).
#[test]
fn a_lab_run_ends_with_its_volume() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("validation/lab");
    for dataset in [NETCORE31, NET8] {
        let machine = LabMachine::from_json(
            &std::fs::read_to_string(dir.join(dataset).join("machine.json")).unwrap(),
        )
        .unwrap();
        for total_mib in (1000..=8192).step_by(200) {
            let cap_mib = 50.0 * total_mib as f64 / 1024.0;
            let text = format!(
                "total_alloc_mb = {total_mib}\nsize.dist = lognormal\nsize.median = 128\n\
                 size.sigma = 0.8\nstate.mb_per_gb = 50\nstate.cap_mb = {cap_mib}\n\
                 state.entry_bytes = 1024\n"
            );
            let spec = LabSpec::parse(&text, "state-to-cap").unwrap();
            let mut c = Collector::default();
            let (_, summary) = predict_observed(&spec, &machine, &vec![], &mut c).unwrap();
            assert!(
                summary.simulated_s < 10.0,
                "{dataset}, {total_mib} MiB: ran {:.1} s",
                summary.simulated_s
            );
        }
    }
}

/// Large objects do not pay gen0's first-touch faults: fresh pages taken for a large object are
/// already zero and the allocator does not clear them. Unthrottled churn of 4 GiB in 85,000-byte
/// objects ran for 0.28–0.31 s on 3.1 and 0.30–0.31 s on .NET 8, 0.22–0.26 s of it in 1,365
/// blocking gen2s. Charged as fresh gen0 memory, the model took 2.97 s.
#[test]
fn large_object_churn_runs_at_the_allocators_pace() {
    for (dataset, real_s) in [(NETCORE31, 0.31), (NET8, 0.31)] {
        let r = run(dataset, "loh-85kb-unthrottled");
        assert_eq!(r.prediction.gen2_count, 1365, "{dataset}");
        let simulated = r.summary.simulated_s;
        assert!(
            simulated <= 2.0 * real_s,
            "{dataset}: {simulated:.2} s against {real_s} s"
        );
    }
}

/// .NET 9 (modelled, not validated): DATAS caps the total gen0 budget by
/// BCD = clamp(15/√S_MiB, 0.1, 10) · S of the stable SOH size S (gen2 and its budget), where
/// .NET 8.0.4 capped it at half of gen2. With 50–500 MiB of gen2 the .NET 9 budget is above
/// gen2's size, so the same workload makes far fewer gen0 GCs, and .NET 9 may grow to the
/// second heap on two CPUs where .NET 8 stays at one.
#[test]
fn net9_datas_budget_follows_the_bcd_rule() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("validation/lab")
        .join(NET8_DATAS);
    let mut machine =
        LabMachine::from_json(&std::fs::read_to_string(dir.join("machine.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir.join("specs/datas-pod-1g-on.spec")).unwrap();
    let spec = LabSpec::parse(&text, "datas-pod-1g-on").unwrap();
    let mut net8 = Collector::default();
    let (p8, _) = predict_observed(&spec, &machine, &vec![], &mut net8).unwrap();
    machine.profile = memsim::sim::gc::GcProfile::Net9;
    let mut net9 = Collector::default();
    let (p9, _) = predict_observed(&spec, &machine, &vec![], &mut net9).unwrap();
    let ratio = |c: &Collector| {
        median(
            c.gcs
                .iter()
                .filter(|g| g.gen_after[2] > 50.0 * MIB)
                .map(|g| g.gen0_budget * g.heaps as f64 / g.gen_after[2])
                .collect(),
        )
    };
    let (r8, r9) = (ratio(&net8), ratio(&net9));
    println!("gen0 budget / gen2: .NET 8 {r8:.2}, .NET 9 {r9:.2}");
    assert!(r8 < 0.8, ".NET 8 {r8:.2}");
    assert!(r9 > 0.8, ".NET 9 {r9:.2}");
    assert!(
        p9.gen0_count < p8.gen0_count,
        "{} vs {}",
        p9.gen0_count,
        p8.gen0_count
    );
    assert!(net8.gcs.iter().all(|g| g.heaps == 1));
}

/// Near 85% memory load the runtime trims the gen0 budget towards zero without a floor
/// (`trim_youngest_desired`), yet every allocating thread still takes a whole 8 KiB allocation
/// quantum per GC: a Server GC pod that lives at that load collects very often but keeps
/// allocating, and its run completes.
#[test]
fn gen0_budget_trimmed_by_memory_load_keeps_an_allocation_quantum() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sets: Vec<String> = [
        "gc.profile=net8",
        "gc.mode=server",
        "gc.heap_hard_limit_percent=90",
        "pod.requests.memory=2Gi",
        "pod.limits.memory=2Gi",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut scenario = memsim::scenario::load_scenario(
        &root.join("scenarios/taskmanager-limit-gc-sweep.toml"),
        &sets,
        None,
    )
    .unwrap();
    scenario.spec.seed = 14486133556280910093;
    let mut c = Collector::default();
    let summary = memsim::sim::simulate(&scenario.spec, &mut c);
    assert!(summary.simulated_s > 3600.0);
    let smallest = c.gcs.iter().map(|g| g.gen0_budget).fold(f64::MAX, f64::min);
    assert!(smallest >= 8192.0, "gen0 budget fell to {smallest} bytes");
    assert!(
        smallest < 1024.0 * 1024.0,
        "the load never trimmed the budget (smallest {smallest} bytes)"
    );
}

/// Under a hard limit the runtime checks the ephemeral space against what is left to commit
/// (`limit - total committed`, two gen0 minimum budgets needed): with 200 MiB of state under a
/// 256 MiB limit, 75 of the 87–88 GCs of limit-256-state200 condemned gen1 for low ephemeral
/// space, on both runtimes.
#[test]
fn a_heap_near_its_hard_limit_condemns_gen1_for_low_ephemeral_space() {
    for ds in [NETCORE31, NET8] {
        let r = run(ds, "limit-256-state200");
        let n = r.gcs.len() as f64;
        let low = r
            .gcs
            .iter()
            .filter(|g| g.condemn_reasons & condemn_bits::LOW_EPHEMERAL_SPACE != 0)
            .count() as f64;
        assert!(
            (0.75..=0.95).contains(&(low / n)),
            "{ds}: {low} of {n} GCs for low ephemeral space"
        );
    }
}

/// The lab's GC event recorder writes its records out (`gc.csv`) after the workload, with no GC
/// in between. LOH churn leaves gen0's pages cold, so on .NET 8 what the writing allocates is new
/// resident memory one for one: from the last sample to the process's peak, RSS grew 2.82–2.84
/// MB in `loh-85kb-unthrottled` (1,365 GCs; the writing allocated 2.80 MB) and 0.97 MB in
/// `loh-256kb-500mbs` (500 GCs; 1.06 MB). Small-object churn writes on pages gen0 already
/// touched: `churn-2kb` grew 0.12 MB for 0.36 MB allocated. The model's growth is its peak with
/// the report less the same run's peak without it.
#[test]
fn the_recorders_report_lands_on_cold_pages_after_loh_churn() {
    for (name, real_mb) in [
        ("loh-85kb-unthrottled", 2.83),
        ("loh-256kb-500mbs", 0.97),
        ("churn-2kb", 0.12),
    ] {
        let with = lab_run_spec(NET8, name);
        let mut without = with.clone();
        let listener = without.process.gc_listener.as_mut().unwrap();
        listener.report_bytes = 0.0;
        listener.report_bytes_per_gc = 0.0;
        let peak = |rs| memsim::sim::simulate(rs, &mut memsim::sim::observe::NullObserver).peak_rss;
        let grown = (peak(&with) - peak(&without)) / 1e6;
        assert!(
            (grown - real_mb).abs() <= (0.12 * real_mb).max(0.12),
            "{name}: the report added {grown:.2} MB, the lab's process {real_mb} MB"
        );
    }
}

/// On segments gen0 starts again at the same addresses after every GC, so the pages the lab
/// program's set-up touched (2.16 MB allocated before the workload on the second host, in the
/// RSS of its `init` sample) take gen0's allocation again without new resident memory. Pure
/// churn on .NET Core 3.1 peaked at 115.0 MB (`churn-128b`) and LOH churn, whose only gen0
/// allocation is the lab's GC event recorder, at 35.7 MB (`loh-256kb-500mbs`). (On regions gen0
/// moves to other regions, and `Gc::start_with_touched_gen0` leaves the heap as it is.)
#[test]
fn segments_allocate_gen0_again_on_the_pages_start_up_touched() {
    let peak = |rs: &memsim::sim::RunSpec| {
        memsim::sim::simulate(rs, &mut memsim::sim::observe::NullObserver).peak_rss / 1e6
    };
    for (name, real_mb) in [("churn-128b", 115.0), ("loh-256kb-500mbs", 35.7)] {
        let with = lab_run_spec(NETCORE31, name);
        let mut cold = with.clone();
        cold.process.startup_allocated_bytes = 0.0;
        let (warm_mb, cold_mb) = (peak(&with), peak(&cold));
        assert!(
            (warm_mb / real_mb - 1.0).abs() < 0.01,
            "{name}: {warm_mb:.2} MB against the lab's {real_mb} MB"
        );
        assert!(
            cold_mb - warm_mb > 0.4,
            "{name}: {cold_mb:.2} against {warm_mb:.2} MB"
        );
    }
}
