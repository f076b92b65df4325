//! `memsim merge DIR...`: combines the shard folders of one sweep into the `runs.csv`,
//! `points.csv` and charts that a single `memsim sweep` writes.

use std::io::Write;

use anyhow::{Context, Result};

use memsim::report::png::render_sweep;
use memsim::report::sweep::merge as merge_shards;

use super::args::MergeArgs;

/// Runs `memsim merge`.
pub fn merge(args: &MergeArgs, out: &mut dyn Write) -> Result<()> {
    let dir = merge_shards(&args.dirs, &args.out)?;
    let pngs = render_sweep(&dir, &args.heatmap).context("charts")?;
    if !args.quiet {
        let names: Vec<String> = pngs
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        writeln!(
            out,
            "merged      {} shards into {} (sweep.json, runs.csv, points.csv, {})",
            args.dirs.len(),
            dir.display(),
            names.join(", ")
        )?;
    }
    Ok(())
}
