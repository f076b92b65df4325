//! `memsim lab SPEC`: predicts one workload of the real-runtime lab and prints the lab summary
//! columns; `memsim lab --compare DIR`: compares a whole lab dataset with the model.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, anyhow};

use memsim::lab::machine::{RSS_AT_START_NET8, RSS_AT_START_NETCORE31};
use memsim::lab::predict::KnobOverrides;
use memsim::lab::{LabMachine, LabPrediction, LabSpec, compare_dataset, predict};
use memsim::sim::gc::GcProfile;

use super::args::{Cache, LabArgs};

/// Runs `memsim lab`.
pub fn lab(args: &LabArgs, out: &mut dyn Write) -> Result<()> {
    if let Some(dir) = &args.compare {
        // The comparison's errors already name the file.
        let comparison = compare_dataset(dir).map_err(|e| anyhow!(e))?;
        write!(out, "{}", comparison.report())?;
        return Ok(());
    }
    let path = args
        .spec
        .as_deref()
        .ok_or_else(|| anyhow!("a lab spec file or --compare DIR is required"))?;
    let spec = read_spec(path)?;
    let machine = machine(args)?;
    let knobs: KnobOverrides = args.knobs.clone();
    let prediction =
        predict(&spec, &machine, &knobs).with_context(|| path.display().to_string())?;
    writeln!(out, "{}", LabPrediction::CSV_HEADER)?;
    writeln!(out, "{}", prediction.csv_row())?;
    Ok(())
}

/// Reads and parses a lab spec; the spec is named after the file stem unless it names itself.
fn read_spec(path: &Path) -> Result<LabSpec> {
    let text = fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
    LabSpec::parse(&text, stem).with_context(|| path.display().to_string())
}

/// The machine of `--machine` (or the lab's first host), changed by the machine options.
fn machine(args: &LabArgs) -> Result<LabMachine> {
    let mut m = match &args.machine {
        Some(path) => {
            let text = fs::read_to_string(path).with_context(|| path.display().to_string())?;
            LabMachine::from_json(&text)
                .map_err(|e| anyhow!(e))
                .with_context(|| path.display().to_string())?
        }
        None => LabMachine::first_host(),
    };
    if let Some(cores) = args.cores {
        m.cores = cores;
    }
    match args.cache {
        Some(Cache::Bytes(b)) => {
            m.l3_sysconf_bytes = b;
            m.largest_cache_bytes = Some(b);
        }
        Some(Cache::Unbounded) => m.largest_cache_bytes = None,
        None => {}
    }
    if let Some(bytes) = args.memory {
        m.mem_total_bytes = bytes;
    }
    if let Some(factor) = args.host_speed {
        m.host_speed = factor;
    }
    if let Some(runtime) = args.runtime {
        m.profile = runtime.profile();
        // The start-up baseline follows the runtime, as `LabMachine::from_json` sets it.
        m.rss_at_start_bytes = match m.profile {
            GcProfile::NetCore31 => RSS_AT_START_NETCORE31,
            _ => RSS_AT_START_NET8,
        };
    }
    Ok(m)
}
