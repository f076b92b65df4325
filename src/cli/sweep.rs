//! `memsim sweep FILE`: runs every point × replication of a scenario's `[sweep]` on a thread
//! pool, streams the rows to `runs.csv` in run order, then writes `points.csv` and the charts.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow};

use memsim::report::png::render_sweep;
use memsim::report::sweep::{
    RunsWriter, SweepMeta, run_key_fields, run_row, runs_header, write_points,
};
use memsim::sweep::run::{RunError, run_in_order};
use memsim::sweep::{Shard, SweepPlan};

use super::args::{InputArgs, SweepArgs};
use super::progress::{Show, bar};

/// Loads a scenario's configuration from all its inputs (as `memsim run` does) and expands its
/// sweep; errors are the loader's one line. Also returns the inputs' warnings.
pub fn plan(
    file: &Path,
    sets: &[String],
    inputs: &InputArgs,
    seed: Option<u64>,
) -> Result<(SweepPlan, Vec<String>)> {
    let inputs = super::config::inputs(Some(file), sets, inputs);
    let (config, warnings) = super::config::read(&inputs)?;
    let plan = SweepPlan::new(config, file, seed).map_err(|e| anyhow!(e.one_line()))?;
    Ok((plan, warnings))
}

/// Runs `memsim sweep`.
pub fn sweep(args: &SweepArgs, out: &mut dyn Write) -> Result<()> {
    let started = Instant::now();
    let (plan, warnings) = plan(&args.file, &args.sets, &args.inputs, args.seed)?;
    super::config::warn(&warnings);
    let shard = args.shard.unwrap_or(Shard::WHOLE);
    let mut dir: PathBuf = args.out.join(&plan.name);
    if !shard.is_whole() {
        dir = dir.join(shard.folder());
    }
    let meta = SweepMeta::new(&plan, shard);
    let header = runs_header(&plan.columns());
    let total = shard.len(plan.runs());
    let expected = |i: u64| {
        let (p, r) = plan.locate(shard.run_at(i));
        run_key_fields(&plan, p, r)
    };
    let (mut writer, done) = RunsWriter::start(&dir, &meta, &header, args.resume, &expected)?;
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    );
    let show = if args.quiet {
        Show::Never
    } else if args.progress {
        Show::Always
    } else {
        Show::Auto
    };
    let progress = bar(total, done, show);
    let todo = (total - done.min(total)) as usize;
    let result = run_in_order(
        todo,
        threads,
        |i| {
            let run = shard.run_at(done + i as u64);
            plan.simulate(run)
                .map(|r| run_row(&plan, &r))
                .map_err(|e| anyhow!(e.one_line()))
        },
        |_, rows| {
            writer.append(&rows)?;
            progress.inc(rows.len() as u64);
            Ok(())
        },
    );
    progress.finish();
    match result {
        Ok(()) => {}
        Err(RunError::Failed(e)) => return Err(e),
        Err(e) => return Err(anyhow!(e)),
    }
    writer.finish()?;
    let elapsed = started.elapsed().as_secs_f64();

    let mut files = vec!["sweep.json".to_string(), "runs.csv".to_string()];
    if shard.is_whole() {
        write_points(&dir)?;
        files.push("points.csv".into());
        let pngs = render_sweep(&dir, &args.heatmap).context("charts")?;
        files.extend(
            pngs.iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())),
        );
    }
    if args.quiet {
        return Ok(());
    }
    writeln!(
        out,
        "sweep       {} ({}, {} points × {} replications = {} runs, seed {})",
        plan.name,
        plan.method.name(),
        plan.points.len(),
        plan.replications,
        plan.runs(),
        plan.seed
    )?;
    if !shard.is_whole() {
        writeln!(out, "shard       {shard}: {total} runs")?;
    }
    let ran = total - done.min(total);
    let rate = if elapsed > 0.0 {
        ran as f64 / elapsed
    } else {
        0.0
    };
    let resumed = if done > 0 {
        format!(" ({done} kept from before)")
    } else {
        String::new()
    };
    writeln!(
        out,
        "runs        {total} done{resumed}, {ran} run in {elapsed:.1} s ({rate:.1} runs/s, {threads} threads)"
    )?;
    writeln!(out, "output      {} ({})", dir.display(), files.join(", "))?;
    Ok(())
}
