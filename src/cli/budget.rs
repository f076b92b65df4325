//! `memsim budget [FILE]`: Flink's memory split of a TaskManager or JobManager, in .NET terms,
//! with the network-buffer check of a described job and the values the simulation takes.

use std::io::Write;

use anyhow::{Result, anyhow};
use serde_json::{Map, Value as Json, json};

use memsim::budget::NetworkBufferReport;
use memsim::config::budget::{Budget, BudgetPlan, process_name};
use memsim::config::{apply_budget, derive_budget};
use memsim::scenario::load::{Config, Value};

use super::args::{BudgetArgs, Format};
use super::config::{print_columns, show, to_json};

/// The keys the simulation takes from the budget, in print order.
const SIMULATION_KEYS: &[&str] = &[
    "gc.heap_hard_limit",
    "gc.heap_hard_limit_percent",
    "network.pool",
    "network.segment",
    "network.required_buffers",
    "state.rocksdb.block_cache",
];

/// The keys of [`SIMULATION_KEYS`] that matter for this configuration (the block cache only
/// with RocksDB state).
fn simulation_keys(config: &Config) -> Vec<&'static str> {
    let rocksdb = matches!(config.get("state.backend"), Some(Value::Text(t)) if t == "rocksdb");
    SIMULATION_KEYS
        .iter()
        .copied()
        .filter(|k| rocksdb || !k.starts_with("state.rocksdb."))
        .collect()
}

/// Derives and prints the budget; with `--flink`, one `name=bytes` line per Flink component,
/// and an inconsistent configuration fails with Flink's message alone.
pub fn budget(args: &BudgetArgs, out: &mut dyn Write) -> Result<()> {
    let mut sets = args.sets.clone();
    if let Some(p) = args.process {
        sets.push(format!("scenario.process={}", p.name()));
    }
    let inputs = super::config::inputs(args.file.as_deref(), &sets, &args.inputs);
    let (config, warnings) = super::config::read(&inputs)?;
    let fail = |e: memsim::scenario::ScenarioError| {
        if args.flink {
            anyhow!(e.problem)
        } else {
            anyhow!(e.one_line())
        }
    };
    let budget = derive_budget(&config).map_err(fail)?;
    let (effective, plan) = apply_budget(&config).map_err(fail)?;
    if args.flink {
        for (name, bytes) in budget.memory.components() {
            writeln!(out, "{name}={bytes}")?;
        }
    } else {
        match args.format {
            Format::Json => {
                let json = budget_json(&config, &effective, &budget, &plan);
                writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
            }
            Format::Table => print_table(out, &config, &effective, &budget, &plan)?,
        }
    }
    super::config::warn(&warnings);
    Ok(())
}

/// Bytes in MiB below 1 GiB, else in GiB, with 2 decimals.
pub fn human(b: u64) -> String {
    const MIB: f64 = 1_048_576.0;
    const GIB: f64 = 1_073_741_824.0;
    let b = b as f64;
    if b < GIB {
        format!("{:.2} MiB", b / MIB)
    } else {
        format!("{:.2} GiB", b / GIB)
    }
}

/// `KEY = VALUE (SOURCE)` of the key that sized the derivation.
fn sized_by(config: &Config, budget: &Budget) -> String {
    match config.entries.get(&budget.sized_by) {
        Some(e) => format!("{} = {} ({})", budget.sized_by, show(&e.value), e.source),
        None => budget.sized_by.clone(),
    }
}

/// The .NET parts: (name, bytes, the Flink components they stand for).
fn parts(budget: &Budget) -> Vec<(&'static str, u64, &'static str)> {
    let s = &budget.split;
    let tm = budget.process == memsim::budget::ProcessKind::TaskManager;
    vec![
        (
            "GC heap hard limit",
            s.gc_heap_hard_limit.0,
            if tm {
                "JVM heap = framework heap + task heap"
            } else {
                "JVM heap"
            },
        ),
        (
            "network buffer pool",
            s.network_buffer_pool.0,
            if tm {
                "network memory"
            } else {
                "(a JobManager has none)"
            },
        ),
        (
            "native state",
            s.native_state.0,
            if tm {
                "managed memory"
            } else {
                "(a JobManager has none)"
            },
        ),
        (
            "other native",
            s.other_native.0,
            if tm {
                "framework off-heap + task off-heap"
            } else {
                "off-heap memory"
            },
        ),
        ("runtime metadata", s.runtime_metadata.0, "JVM metaspace"),
        ("runtime overhead", s.runtime_overhead.0, "JVM overhead"),
        ("total process", s.total_process.0, "Total Process memory"),
    ]
}

fn network_line(report: &NetworkBufferReport) -> String {
    format!(
        "{} of {} buffers required ({} bytes each; the subtasks may use up to {})",
        report.required, report.total_buffers, report.segment_size, report.max
    )
}

fn print_table(
    out: &mut dyn Write,
    config: &Config,
    effective: &Config,
    budget: &Budget,
    plan: &BudgetPlan,
) -> Result<()> {
    writeln!(
        out,
        "{} memory budget, sized by {}",
        process_name(budget.process),
        sized_by(config, budget)
    )?;
    writeln!(out)?;
    let rows: Vec<[String; 4]> = parts(budget)
        .into_iter()
        .map(|(name, bytes, flink)| {
            [
                name.to_string(),
                bytes.to_string(),
                human(bytes),
                flink.to_string(),
            ]
        })
        .collect();
    print_columns(out, &[".NET PART", "BYTES", "SIZE", "FLINK"], &rows)?;
    for note in &budget.notes {
        writeln!(out, "note: {note}")?;
    }
    writeln!(out)?;
    if let Some(report) = &plan.network {
        writeln!(out, "network buffers: {}", network_line(report))?;
        writeln!(out)?;
    }
    if !plan.enabled {
        writeln!(
            out,
            "memory.budget = \"off\": the simulation takes nothing from the budget"
        )?;
    }
    let rows: Vec<[String; 3]> = simulation_keys(effective)
        .into_iter()
        .filter_map(|k| effective.entries.get(k).map(|e| (k, e)))
        .map(|(k, e)| [k.to_string(), show(&e.value), e.source.to_string()])
        .collect();
    print_columns(out, &["SIMULATION", "VALUE", "SOURCE"], &rows)?;
    for note in &plan.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}

fn budget_json(config: &Config, effective: &Config, budget: &Budget, plan: &BudgetPlan) -> Json {
    let flink: Map<String, Json> = budget
        .memory
        .components()
        .into_iter()
        .map(|(n, b)| (n.to_string(), json!(b)))
        .collect();
    let s = &budget.split;
    let sized = match config.entries.get(&budget.sized_by) {
        Some(e) => json!({
            "key": budget.sized_by,
            "value": match &e.value { Value::Bytes(b) => json!(b), other => json!(show(other)) },
            "source": e.source.to_string(),
        }),
        None => json!({ "key": budget.sized_by }),
    };
    let all = to_json(effective);
    let simulation: Map<String, Json> = simulation_keys(effective)
        .into_iter()
        .filter_map(|k| all.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    json!({
        "process": process_name(budget.process),
        "sized_by": sized,
        "flink": flink,
        "dotnet": {
            "gc_heap_hard_limit": s.gc_heap_hard_limit.0,
            "network_buffer_pool": s.network_buffer_pool.0,
            "native_state": s.native_state.0,
            "other_native": s.other_native.0,
            "runtime_metadata": s.runtime_metadata.0,
            "runtime_overhead": s.runtime_overhead.0,
            "total_process": s.total_process.0,
        },
        "flink_notes": budget.notes,
        "network": plan.network.as_ref().map(|r| json!({
            "required": r.required,
            "max": r.max,
            "total_buffers": r.total_buffers,
            "segment_size": r.segment_size,
        })),
        "budget_enabled": plan.enabled,
        "simulation": simulation,
        "notes": plan.notes,
    })
}

/// One or two lines on the budget a loaded scenario runs with, for `memsim check`.
pub fn summary(config: &Config, plan: &BudgetPlan) -> Vec<String> {
    let mut lines = Vec::new();
    match &plan.budget {
        Some(b) => {
            let parts: Vec<String> = parts(b)
                .iter()
                .take(6)
                .filter(|(_, bytes, _)| *bytes > 0)
                .map(|(name, bytes, _)| format!("{name} {}", human(*bytes)))
                .collect();
            let kept: Vec<&str> = simulation_keys(config)
                .into_iter()
                .filter(|k| config.pinned(k))
                .collect();
            let kept = if kept.is_empty() {
                String::new()
            } else {
                format!("; the scenario's own {} kept", kept.join(", "))
            };
            lines.push(format!(
                "budget: {} sized by {}: {}{kept}",
                process_name(b.process),
                sized_by(config, b),
                parts.join(", ")
            ));
        }
        None if !plan.enabled => lines.push(
            "budget: off (memory.budget = \"off\"): the simulation takes nothing from it"
                .to_string(),
        ),
        None => lines.push(
            "budget: none (neither a Flink memory size nor pod.limits.memory is set)".to_string(),
        ),
    }
    if let Some(report) = &plan.network {
        lines.push(format!("network: {}", network_line(report)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_mib_or_gib() {
        assert_eq!(human(512 << 20), "512.00 MiB");
        assert_eq!(human(3 << 29), "1.50 GiB");
    }
}
