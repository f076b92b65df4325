//! Developer tool: predicts one lab spec and prints every GC.
use memsim::lab::{LabMachine, LabSpec};
fn main() {
    let net9 = std::env::var("NET9").is_ok();
    let args: Vec<String> = std::env::args().collect();
    let spec_path = std::path::Path::new(&args[1]);
    let mut machine = LabMachine::from_json(&std::fs::read_to_string(&args[2]).unwrap()).unwrap();
    if net9 {
        machine.profile = memsim::sim::gc::GcProfile::Net9;
    }
    let stem = spec_path.file_stem().unwrap().to_str().unwrap();
    let spec = LabSpec::parse(&std::fs::read_to_string(spec_path).unwrap(), stem).unwrap();
    let mut c = memsim::sim::observe::Collector::default();
    let (p, s) = memsim::lab::predict::predict_observed(&spec, &machine, &vec![], &mut c).unwrap();
    let m = 1048576.0;
    for r in c
        .gcs
        .iter()
        .take(args.get(3).map(|x| x.parse().unwrap()).unwrap_or(60))
    {
        println!(
            "{:4} t={:8.1}ms dur={:6.1} g{} {:10} {:9} pause={:7.3} surv={:7.2}M prom={:7.2}M after=[{:7.2} {:7.2} {:7.2} {:7.2}] frag={:6.2} comm={:7.1} r={:#x} left=[{:.1} {:.1} {:.1} {:.1}]",
            r.index,
            r.start_s * 1e3,
            r.duration_s * 1e3,
            r.generation,
            r.kind.name(),
            r.reason.name(),
            r.pause_s * 1e3,
            r.survived / m,
            r.promoted / m,
            r.gen_after[0] / m,
            r.gen_after[1] / m,
            r.gen_after[2] / m,
            r.gen_after[3] / m,
            r.fragmentation_after / m,
            r.committed_after / m,
            r.condemn_reasons,
            r.budgets[0] / m,
            r.budgets[1] / m,
            r.budgets[2] / m,
            r.budgets[3] / m
        );
    }
    println!("{}", memsim::lab::LabPrediction::CSV_HEADER);
    println!("{}", p.csv_row());
    println!("{:?}", s);
}
