//! `memsim check FILE`: loads and validates a scenario (and its `[sweep]`, if any) without
//! running it.

use std::io::Write;

use anyhow::Result;

use super::args::CheckArgs;
use super::run::load;

/// Loads the scenario and prints `ok: <name>`.
pub fn check(args: &CheckArgs, out: &mut dyn Write) -> Result<()> {
    let scenario = load(&args.file, &args.sets, None)?;
    if scenario.config.sections.contains_key("sweep") {
        super::sweep::plan(&args.file, &args.sets, None)?;
    }
    writeln!(out, "ok: {}", scenario.name)?;
    Ok(())
}
