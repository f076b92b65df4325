//! Runs a scenario and draws its memory over time as a PNG (the picture in
//! the README): `cargo run --release --example timeseries_png -- SCENARIO OUT.png
//! [KEY=VALUE]...`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: timeseries_png SCENARIO OUT.png [KEY=VALUE]...");
        std::process::exit(2);
    }
    let scenario =
        match memsim::scenario::load_scenario(std::path::Path::new(&args[1]), &args[3..], None) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2)
            }
        };
    let mut c = memsim::sim::observe::Collector::default();
    let summary = memsim::sim::simulate(&scenario.spec, &mut c);
    let title = match summary.outcome_time_s {
        Some(t) => format!(
            "{}: {} at {:.0} min",
            scenario.name,
            summary.outcome.name(),
            t / 60.0
        ),
        None => format!("{}: {}", scenario.name, summary.outcome.name()),
    };
    if let Err(e) = memsim::report::timeseries_plot::draw_memory_png(
        std::path::Path::new(&args[2]),
        &title,
        &c.samples,
        &c.events,
    ) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
