//! Developer tool: what makes up the peak of a lab spec's predicted resident memory, run by run.
//!
//! `cargo run --release --example peakmix -- SPEC MACHINE.json [RUNS]` runs the spec with seeds
//! 1..=RUNS (15 by default) and prints, per run, the peak RSS, the largest heap after a GC, the
//! memory components at the sampled peak (MiB), the gen2 count and how the run ended; then the
//! run's length, the median background GC after the first second, the median blocking gen1 pause
//! and the largest gen2 (what `tests/mechanisms.rs` checks of background GCs and the free list).
use memsim::lab::{LabMachine, LabSpec};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let spec_path = std::path::Path::new(&args[1]);
    let machine = LabMachine::from_json(&std::fs::read_to_string(&args[2]).unwrap()).unwrap();
    let stem = spec_path.file_stem().unwrap().to_str().unwrap();
    let runs: u64 = args.get(3).map(|x| x.parse().unwrap()).unwrap_or(15);
    let mib = 1048576.0;
    for seed in 1..=runs {
        let text = std::fs::read_to_string(spec_path).unwrap() + &format!("\nseed = {seed}\n");
        let spec = LabSpec::parse(&text, stem).unwrap();
        let mut c = memsim::sim::observe::Collector::default();
        let (p, s) =
            memsim::lab::predict::predict_observed(&spec, &machine, &vec![], &mut c).unwrap();
        let peak = c
            .samples
            .iter()
            .max_by(|a, b| a.rss.total_cmp(&b.rss))
            .unwrap();
        let m = &peak.mem;
        println!(
            "peak={:6.1}MB heap_after={:6.1}MB t={:5.2}s rss={:6.1} loh={:6.1} free={:6.1} committed={:6.1} untouched={:6.1} runtime={:5.1} code={:4.1} gen2s={} outcome={:?} at={:.3}s loh_at_peak={:.1}",
            p.peak_rss_bytes / 1e6,
            p.peak_heap_after_gc_bytes / 1e6,
            peak.time_s,
            peak.rss / mib,
            m.loh / mib,
            m.fragmentation / mib,
            m.gc_committed / mib,
            m.gc_untouched / mib,
            m.runtime / mib,
            m.code / mib,
            p.gen2_count,
            s.outcome,
            s.outcome_time_s.unwrap_or(0.0),
            s.peak_components.loh / mib
        );
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        };
        let kind = |r: &memsim::sim::gc::GcRecord| r.kind.name();
        let bgc = c
            .gcs
            .iter()
            .filter(|r| kind(r) == "background" && r.start_s > 1.0)
            .map(|r| r.duration_s * 1e3)
            .collect();
        let gen1 = c
            .gcs
            .iter()
            .filter(|r| r.generation == 1 && kind(r) == "blocking")
            .map(|r| r.pause_s * 1e3)
            .collect();
        let gen2_max = c.gcs.iter().map(|r| r.gen_after[2]).fold(0.0, f64::max);
        println!(
            "    ran {:.2} s, background GC after 1 s {:.1} ms, gen1 pause {:.1} ms, largest gen2 {:.1} MiB",
            s.simulated_s,
            median(bgc),
            median(gen1),
            gen2_max / mib
        );
    }
}
