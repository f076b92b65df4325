//! Developer tool: predicts one lab spec and prints every GC.
use memsim::lab::{LabMachine, LabSpec};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let spec_path = std::path::Path::new(&args[1]);
    let machine = LabMachine::from_json(&std::fs::read_to_string(&args[2]).unwrap()).unwrap();
    let stem = spec_path.file_stem().unwrap().to_str().unwrap();
    let spec = LabSpec::parse(&std::fs::read_to_string(spec_path).unwrap(), stem).unwrap();
    let mut c = memsim::sim::observe::Collector::default();
    let (p, s) = memsim::lab::predict::predict_observed(&spec, &machine, &vec![], &mut c).unwrap();
    for r in c
        .gcs
        .iter()
        .take(args.get(3).map(|x| x.parse().unwrap()).unwrap_or(60))
    {
        println!(
            "{:4} t={:8.1}ms g{} {:10} {:9} pause={:7.3} surv={:7.2}M prom={:7.2}M after=[{:7.2} {:7.2} {:7.2} {:7.2}] frag={:6.2} b0={:6.1} comm={:7.1} r={:#x}",
            r.index,
            r.start_s * 1e3,
            r.generation,
            r.kind.name(),
            r.reason.name(),
            r.pause_s * 1e3,
            r.survived / 1048576.0,
            r.promoted / 1048576.0,
            r.gen_after[0] / 1048576.0,
            r.gen_after[1] / 1048576.0,
            r.gen_after[2] / 1048576.0,
            r.gen_after[3] / 1048576.0,
            r.fragmentation_after / 1048576.0,
            r.gen0_budget / 1048576.0,
            r.committed_after / 1048576.0,
            r.condemn_reasons
        );
    }
    println!("{}", memsim::lab::LabPrediction::CSV_HEADER);
    println!("{}", p.csv_row());
    println!("{:?}", s);
}
