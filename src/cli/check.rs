//! `memsim check FILE`: loads and validates a scenario (and its `[sweep]`, if any) without
//! running it, and summarises the memory budget it runs with.

use std::io::Write;

use anyhow::{Result, anyhow};

use memsim::config::apply_budget;

use super::args::CheckArgs;
use super::run::load;

/// Loads the scenario and prints `ok: <name>`, then one or two lines on its memory budget.
pub fn check(args: &CheckArgs, out: &mut dyn Write) -> Result<()> {
    let (scenario, warnings) = load(&args.file, &args.sets, &args.inputs, None)?;
    let (_, plan) = apply_budget(&scenario.config).map_err(|e| anyhow!(e.one_line()))?;
    if scenario.config.sections.contains_key("sweep") {
        let _ = super::sweep::plan(&args.file, &args.sets, &args.inputs, None)?;
    }
    writeln!(out, "ok: {}", scenario.name)?;
    for line in super::budget::summary(&scenario.config, &plan) {
        writeln!(out, "{line}")?;
    }
    super::config::warn(&warnings);
    Ok(())
}
