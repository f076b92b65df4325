//! `memsim plot DIR`: draws the charts of a run or sweep folder again from its CSV files,
//! without simulating anything.

use std::io::Write;

use anyhow::Result;

use memsim::report::png::render_dir;

use super::args::PlotArgs;

/// Runs `memsim plot` and prints the files written, one a line.
pub fn plot(args: &PlotArgs, out: &mut dyn Write) -> Result<()> {
    for path in render_dir(&args.dir, &args.heatmap)? {
        writeln!(out, "{}", path.display())?;
    }
    Ok(())
}
