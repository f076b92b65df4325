//! Developer tool: sums background GC durations of a lab spec's model run.
use memsim::lab::{LabMachine, LabSpec};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let spec_path = std::path::Path::new(&args[1]);
    let machine = LabMachine::from_json(&std::fs::read_to_string(&args[2]).unwrap()).unwrap();
    let stem = spec_path.file_stem().unwrap().to_str().unwrap();
    let spec = LabSpec::parse(&std::fs::read_to_string(spec_path).unwrap(), stem).unwrap();
    let mut c = memsim::sim::observe::Collector::default();
    let (_p, s) = memsim::lab::predict::predict_observed(&spec, &machine, &vec![], &mut c).unwrap();
    let bgc: Vec<f64> = c
        .gcs
        .iter()
        .filter(|r| r.kind.name() == "background")
        .map(|r| r.duration_s)
        .collect();
    let pause: f64 = c.gcs.iter().map(|r| r.pause_s).sum();
    println!(
        "bgc n {} sum dur {:.0} ms; pause {:.0} ms; simulated {:.2} s",
        bgc.len(),
        bgc.iter().sum::<f64>() * 1e3,
        pause * 1e3,
        s.simulated_s
    );
}
