//! Developer tool: compares the model with one or more lab datasets and prints the summary lines.
fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    for dir in std::env::args().skip(1).filter(|a| a != "-v") {
        let c = memsim::lab::compare_dataset(std::path::Path::new(&dir)).expect("compare");
        println!("== {dir}");
        if verbose {
            println!(
                "{:28} {:>6} {:>13} {:>13} {:>13} {:>5} {:>9} {:>9} {:>9} {:>9}",
                "spec", "out", "gen0", "gen1", "gen2", "bgc", "rssMB", "rss_p", "pause", "pause_p"
            );
            for s in &c.specs {
                let p = s.predicted_values();
                println!(
                    "{:28} {:>6} {:>6}/{:<6} {:>6}/{:<6} {:>6}/{:<6} {:>2}/{:<2} {:9.1} {:9.1} {:9.1} {:9.1}",
                    s.spec,
                    if s.outcome_agrees() { "ok" } else { "DIFF" },
                    s.real[0],
                    p[0],
                    s.real[1],
                    p[1],
                    s.real[2],
                    p[2],
                    s.real[3],
                    p[3],
                    s.real[4] / 1048576.0,
                    p[4] / 1048576.0,
                    s.real[6],
                    p[6]
                );
            }
        }
        for (i, m) in memsim::lab::compare::METRICS.iter().enumerate() {
            let (med, max) = c.error_stats(i);
            println!("  {m:26} median {med:.3} max {max:.3}");
        }
        let (k, n) = c.outcome_agreement();
        let (pk, pn) = c.pause_agreement();
        println!("  outcomes {k}/{n}  pause within 2x {pk}/{pn}");
    }
}
