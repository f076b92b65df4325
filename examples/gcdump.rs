//! Developer tool: runs a scenario and prints every GC after a given time (env FROM, seconds).
use memsim::sim::gc::record::GcRecord;
use memsim::sim::observe::Observer;
struct P(f64, usize);
impl Observer for P {
    fn on_gc(&mut self, r: &GcRecord) {
        if r.start_s >= self.0 && self.1 < 40 {
            self.1 += 1;
            let m = 1048576.0;
            eprintln!(
                "{} t={:.4} g{} {:?} {:?} surv={:.1}M after=[{:.1} {:.1} {:.1} {:.1}] frag={:.1} comm={:.1} budget0={:.3}M left=[{:.2} {:.2} {:.2} {:.2}] r={:#x} heaps={}",
                r.index,
                r.start_s,
                r.generation,
                r.kind,
                r.reason,
                r.survived / m,
                r.gen_after[0] / m,
                r.gen_after[1] / m,
                r.gen_after[2] / m,
                r.gen_after[3] / m,
                r.fragmentation_after / m,
                r.committed_after / m,
                r.gen0_budget / m,
                r.budgets[0] / m,
                r.budgets[1] / m,
                r.budgets[2] / m,
                r.budgets[3] / m,
                r.condemn_reasons,
                r.heaps
            );
        }
    }
}
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sets: Vec<String> = args[2..].to_vec();
    let s = memsim::scenario::load_scenario(std::path::Path::new(&args[1]), &sets, None).unwrap();
    let from: f64 = std::env::var("FROM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let mut spec = s.spec.clone();
    if let Ok(seed) = std::env::var("SEED") {
        spec.seed = seed.parse().unwrap();
    }
    let sum = memsim::sim::simulate(&spec, &mut P(from, 0));
    println!("{:?}", sum.outcome);
}
