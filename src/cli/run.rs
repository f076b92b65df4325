//! `memsim run FILE`: runs a scenario, writes its CSV files and charts and prints a short
//! summary. With `--point K --replication R`, runs that one run of the scenario's `[sweep]`
//! exactly as the sweep ran it.

use std::io::Write;
use std::path::Path;

use anyhow::{Result, anyhow};

use memsim::report::{RunFiles, RunReport, write_run};
use memsim::scenario::Scenario;
use memsim::scenario::load::{Value, scenario_from_config};
use memsim::sim::RunSpec;

use super::args::{InputArgs, RunArgs};

/// Loads a scenario with its other inputs (manifest, appsettings.json, `MEMSIM__*` environment)
/// and overrides; the error is the loader's one line (file, field, problem). Also returns the
/// inputs' warnings, for [`super::config::warn`].
pub fn load(
    file: &Path,
    sets: &[String],
    inputs: &InputArgs,
    seed: Option<u64>,
) -> Result<(Scenario, Vec<String>)> {
    let inputs = super::config::inputs(Some(file), sets, inputs);
    let (config, warnings) = super::config::read(&inputs)?;
    let scenario =
        scenario_from_config(&config, Some(file), seed).map_err(|e| anyhow!(e.one_line()))?;
    Ok((scenario, warnings))
}

/// Runs the scenario into `args.out` and prints the summary.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<()> {
    if args.point.is_some() || args.replication.is_some() {
        return run_point(args, out);
    }
    let (scenario, warnings) = load(&args.file, &args.sets, &args.inputs, args.seed)?;
    refuse_sweep_folder(&args.out.join(&scenario.name))?;
    let files = RunFiles {
        gc_events: scenario.output.gc_events,
        ..RunFiles::default()
    };
    let report = write_run(&args.out, &scenario.name, &scenario.spec, files)?;
    print_summary(
        out,
        &scenario.name,
        &scenario.source,
        &scenario.spec,
        &report,
    )?;
    super::config::warn(&warnings);
    Ok(())
}

/// A run replaces its folder whole; a sweep's folder (hours of runs, perhaps) is not replaced.
fn refuse_sweep_folder(dir: &Path) -> Result<()> {
    if dir.join(memsim::report::sweep::SWEEP_FILE).exists() {
        return Err(anyhow!(
            "{} holds the results of memsim sweep; a run would replace them: give another --out",
            dir.display()
        ));
    }
    Ok(())
}

/// Runs replication `--replication` of point `--point` of the scenario's sweep into
/// `OUT/<scenario>-p<K>-r<R>/`: the same run, seed and summary as that row of `runs.csv`.
fn run_point(args: &RunArgs, out: &mut dyn Write) -> Result<()> {
    let (plan, warnings) = super::sweep::plan(&args.file, &args.sets, &args.inputs, args.seed)?;
    let point = args.point.unwrap_or(0);
    let replication = args.replication.unwrap_or(0);
    let points = plan.points.len() as u64;
    if point >= points {
        return Err(anyhow!(
            "{}: --point {point}: the sweep has {points} points (0 to {})",
            args.file.display(),
            points - 1
        ));
    }
    if replication >= plan.replications {
        return Err(anyhow!(
            "{}: --replication {replication}: the sweep has {} replications per point (0 to {})",
            args.file.display(),
            plan.replications,
            plan.replications - 1
        ));
    }
    let spec = plan
        .spec(point, replication)
        .map_err(|e| anyhow!(e.one_line()))?;
    let name = format!("{}-p{point}-r{replication}", plan.name);
    let gc_events = !matches!(
        plan.config.get("output.gc_events"),
        Some(Value::Bool(false))
    );
    let files = RunFiles {
        gc_events,
        ..RunFiles::default()
    };
    let report = write_run(&args.out, &name, &spec, files)?;
    if !plan.axes.is_empty() {
        writeln!(out, "point       {point}: {}", plan.describe(point))?;
    }
    print_summary(out, &name, &args.file, &spec, &report)?;
    super::config::warn(&warnings);
    Ok(())
}

/// The human summary: outcome, peak RSS, GC counts, pauses, time in GC, output folder.
fn print_summary(
    out: &mut dyn Write,
    name: &str,
    source: &Path,
    spec: &RunSpec,
    report: &RunReport,
) -> Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "scenario    {} ({}, seed {}, {:.1} s simulated)",
        name,
        source.display(),
        spec.seed,
        s.simulated_s
    )?;
    let outcome = match s.outcome_time_s {
        Some(t) => format!("{} at {t:.3} s", s.outcome.name()),
        None => s.outcome.name().to_string(),
    };
    writeln!(
        out,
        "outcome     {outcome} ({} failures, {} restarts)",
        s.failures, s.restarts
    )?;
    let limit = match spec.pod.limit_bytes {
        Some(l) if l > 0.0 => format!(
            ", limit {} ({:.1}%)",
            human_bytes(l),
            100.0 * s.peak_rss / l
        ),
        _ => ", no limit".to_string(),
    };
    writeln!(
        out,
        "peak RSS    {} at {:.3} s{limit}",
        human_bytes(s.peak_rss),
        s.peak_rss_time_s
    )?;
    writeln!(
        out,
        "GCs         gen0 {}, gen1 {}, gen2 {} ({} background)",
        s.gc_counts[0], s.gc_counts[1], s.gc_counts[2], s.background_gcs
    )?;
    writeln!(
        out,
        "pauses      p99 {:.3} ms, max {:.3} ms, total {:.3} s",
        s.pause_p99_s.min(s.pause_max_s) * 1e3,
        s.pause_max_s * 1e3,
        s.pause_total_s
    )?;
    writeln!(out, "time in GC  {:.3}%", s.time_in_gc_pct)?;
    writeln!(out, "output      {}", report.dir.display())?;
    Ok(())
}

/// Bytes in MiB below 1 GiB, else in GiB, with 2 decimals.
fn human_bytes(b: f64) -> String {
    const MIB: f64 = 1_048_576.0;
    const GIB: f64 = 1_073_741_824.0;
    if b.abs() < GIB {
        format!("{:.2} MiB", b / MIB)
    } else {
        format!("{:.2} GiB", b / GIB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_as_mib_or_gib() {
        assert_eq!(human_bytes(512.0 * 1_048_576.0), "512.00 MiB");
        assert_eq!(human_bytes(1.5 * 1_073_741_824.0), "1.50 GiB");
    }
}
