//! Developer tool: runs a scenario and prints its summary.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sets: Vec<String> = args[2..].to_vec();
    let s = match memsim::scenario::load_scenario(std::path::Path::new(&args[1]), &sets, None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
    };
    let t = std::time::Instant::now();
    let mut c = memsim::sim::observe::Collector::default();
    let sum = memsim::sim::simulate(&s.spec, &mut c);
    let el = t.elapsed();
    for smp in c.samples.iter().step_by((c.samples.len() / 12).max(1)) {
        println!(
            "t={:9.0}s rss={:7.1}M gen2={:7.1}M loh={:6.1}M frag={:6.1}M comm={:7.1}M state={:7.1}M rate={:8.0} gcs={:?} gc%={:.2}",
            smp.time_s,
            smp.rss / 1048576.0,
            smp.mem.gen2 / 1048576.0,
            smp.mem.loh / 1048576.0,
            smp.mem.fragmentation / 1048576.0,
            smp.mem.gc_committed / 1048576.0,
            smp.mem.state_heap / 1048576.0,
            smp.record_rate,
            smp.gc_counts,
            smp.time_in_gc_pct
        );
    }
    println!("{:?}", sum);
    println!("gcs recorded {} in {:?}", c.gcs.len(), el);
}
