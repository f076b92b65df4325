//! The memory budget of a scenario: Apache Flink's derivation of the process's memory split
//! ([`crate::budget`]) fed into the simulation.
//!
//! **Which process and which size.** `scenario.process` picks the TaskManager or JobManager
//! options. The Flink options come from the `flink.*` entries of the configuration (see
//! [`super::flink`]). When none of Flink's three entry points is configured (Total Process
//! memory, Total Flink memory, or the fine-grained heap options: task heap and managed memory
//! for a TaskManager, the heap for a JobManager), the process size defaults to
//! `pod.limits.memory`, as Flink recommends on containers ("this should be set to the container
//! memory"), and the entry `flink.<process>.memory.process.size` is recorded with a
//! [`Source::Derived`] source.
//!
//! **What the simulation takes from it** (with `memory.budget = "flink"`, the default), each
//! only when the user did not set the key in any layer:
//!
//! | key | TaskManager | JobManager |
//! |---|---|---|
//! | `gc.heap_hard_limit` | JVM heap = framework heap + task heap | JVM heap |
//! | `network.pool` | network memory | 0 (a JobManager has no network pool) |
//! | `network.segment` | `taskmanager.memory.segment-size` | — |
//! | `state.rocksdb.block_cache` | managed memory − write buffers, for `state.backend = "rocksdb"` | — |
//!
//! `gc.heap_hard_limit` is also left alone when `gc.heap_hard_limit_percent` is set (the user
//! sized the heap). The block cache is what managed memory leaves after the memtables the model
//! keeps besides the cache (`state.rocksdb.write_buffer` × `state.rocksdb.write_buffers`), never
//! below 0: Flink bounds RocksDB's cache and write buffers together by managed memory. JVM
//! Metaspace and JVM Overhead are budgets for the runtime's type metadata and overhead; the
//! model measures its runtime memory (`runtime.*`) against them but does not size it from them.
//!
//! With `memory.budget = "off"` nothing is derived: without `gc.heap_hard_limit` the runtime's
//! own default applies (75% of the container limit).
//!
//! **Network buffers.** When the scenario describes a job (`job.vertices`, `job.edges`) and the
//! process is a TaskManager, Flink's start-up check runs against `network.pool` split into
//! `network.segment` buffers, with the slots and buffer counts of the Flink options; a shortfall
//! is an error with Flink's "Insufficient number of network buffers" message, and
//! `network.required_buffers` becomes the requirement unless set. This runs in both modes.
//!
//! Derived values are recomputed from scratch each time ([`apply_budget`] first drops the
//! derived entries of an earlier application), so a configuration changed afterwards (`--set`,
//! a sweep point) never keeps stale values.

use crate::budget::{
    BudgetError, DotnetSplit, JobManagerMemory, NetworkBufferReport, NetworkError, ProcessKind,
    TaskManagerMemory, analyze_network_buffers, derive_jobmanager_with_notes,
    derive_taskmanager_with_notes,
};
use crate::scenario::load::{Config, ScenarioError, Source, Value, defaults};

use super::flink::{FLINK_PREFIX, flink_settings};
use super::flink_keys::FlinkSettings;
use super::job::{EDGES, VERTICES, job_graph};

/// The key that turns the budget on (`flink`) or off (`off`).
pub const BUDGET_KEY: &str = "memory.budget";

/// A derived Flink memory split, bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlinkMemory {
    /// A TaskManager's split.
    TaskManager(TaskManagerMemory),
    /// A JobManager's split.
    JobManager(JobManagerMemory),
}

impl FlinkMemory {
    /// The components in bytes, named and ordered as in `validation/flink/flink-vectors.csv`.
    pub fn components(&self) -> Vec<(&'static str, u64)> {
        match self {
            FlinkMemory::TaskManager(m) => vec![
                ("framework_heap", m.framework_heap),
                ("task_heap", m.task_heap),
                ("framework_off_heap", m.framework_off_heap),
                ("task_off_heap", m.task_off_heap),
                ("network", m.network),
                ("managed", m.managed),
                ("total_flink", m.total_flink),
                ("jvm_heap", m.jvm_heap()),
                ("jvm_direct", m.jvm_direct()),
                ("jvm_metaspace", m.jvm_metaspace),
                ("jvm_overhead", m.jvm_overhead),
                ("total_process", m.total_process),
            ],
            FlinkMemory::JobManager(m) => vec![
                ("jvm_heap", m.jvm_heap),
                ("off_heap", m.off_heap),
                ("total_flink", m.total_flink),
                ("jvm_metaspace", m.jvm_metaspace),
                ("jvm_overhead", m.jvm_overhead),
                ("total_process", m.total_process),
            ],
        }
    }

    /// The split in .NET terms.
    pub fn dotnet(&self) -> DotnetSplit {
        match self {
            FlinkMemory::TaskManager(m) => DotnetSplit::from_taskmanager(m),
            FlinkMemory::JobManager(m) => DotnetSplit::from_jobmanager(m),
        }
    }
}

/// A derived budget with what it was derived from.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    /// The process the options are for.
    pub process: ProcessKind,
    /// Flink's split.
    pub memory: FlinkMemory,
    /// The same split in .NET terms.
    pub split: DotnetSplit,
    /// Flink's INFO/WARN log lines about the derivation.
    pub notes: Vec<String>,
    /// The configuration key that sized the derivation (`flink.….process.size`,
    /// `flink.….flink.size`, the fine-grained heap key, or `pod.limits.memory`).
    pub sized_by: String,
    /// The Flink options the derivation read (with the pod-limit default applied).
    pub settings: FlinkSettings,
}

/// What [`apply_budget`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BudgetPlan {
    /// Whether `memory.budget` is `flink`.
    pub enabled: bool,
    /// The derived budget, when enabled and a size was available.
    pub budget: Option<Budget>,
    /// The network-buffer check of the described job, if any.
    pub network: Option<NetworkBufferReport>,
    /// The keys the budget set, in the order it set them.
    pub derived: Vec<String>,
    /// memsim's remarks (why nothing was derived, a process larger than the pod, …).
    pub notes: Vec<String>,
}

/// The process `scenario.process` names.
pub fn process_kind(config: &Config) -> ProcessKind {
    match config.get("scenario.process") {
        Some(Value::Text(t)) if t == "jobmanager" => ProcessKind::JobManager,
        _ => ProcessKind::TaskManager,
    }
}

/// `taskmanager` or `jobmanager`.
pub fn process_name(process: ProcessKind) -> &'static str {
    match process {
        ProcessKind::TaskManager => "taskmanager",
        ProcessKind::JobManager => "jobmanager",
    }
}

fn bytes(config: &Config, key: &str) -> Option<u64> {
    match config.get(key) {
        Some(Value::Bytes(b)) => Some(*b),
        _ => None,
    }
}

/// The key of the Flink entry point the options configure, if any.
fn configured_entry(process: ProcessKind, s: &FlinkSettings) -> Option<String> {
    let key = match process {
        ProcessKind::TaskManager => {
            let tm = &s.taskmanager;
            if tm.task_heap.is_some() && tm.managed_size.is_some() {
                "taskmanager.memory.task.heap.size"
            } else if tm.flink_size.is_some() {
                "taskmanager.memory.flink.size"
            } else if tm.process_size.is_some() {
                "taskmanager.memory.process.size"
            } else {
                return None;
            }
        }
        ProcessKind::JobManager => {
            let jm = &s.jobmanager;
            if jm.heap.is_some() {
                "jobmanager.memory.heap.size"
            } else if jm.flink_size.is_some() {
                "jobmanager.memory.flink.size"
            } else if jm.process_size.is_some() {
                "jobmanager.memory.process.size"
            } else {
                return None;
            }
        }
    };
    Some(format!("{FLINK_PREFIX}{key}"))
}

/// `flink.<process>.memory.process.size`.
pub fn process_size_key(process: ProcessKind) -> String {
    format!(
        "{FLINK_PREFIX}{}.memory.process.size",
        process_name(process)
    )
}

/// A Flink failure as one line: the exception's message, then each cause after
/// `Caused by:`, as Flink's log prints the chain.
pub fn flink_message(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        message.push_str(" Caused by: ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message
}

/// The budget error as a scenario error: Flink's message, named after the option at fault.
fn budget_error(config: &Config, err: &BudgetError, sized_by: &str) -> ScenarioError {
    let key = match err {
        BudgetError::InconsistentRangeFraction { option, .. } => {
            format!("{FLINK_PREFIX}{}", option.key())
        }
        BudgetError::InvalidSegmentSize { .. } | BudgetError::SegmentSizeTooLarge { .. } => {
            format!("{FLINK_PREFIX}taskmanager.memory.segment-size")
        }
        BudgetError::SizeOutOfRange { key, .. } => format!("{FLINK_PREFIX}{key}"),
        _ => sized_by.to_string(),
    };
    config.error(&key, flink_message(err))
}

/// Whether a budget can be derived: a Flink size is configured or the pod has a memory limit.
pub fn has_size(config: &Config) -> Result<bool, ScenarioError> {
    let settings = flink_settings(config)?;
    Ok(configured_entry(process_kind(config), &settings).is_some()
        || bytes(config, "pod.limits.memory").is_some())
}

/// Derives the budget of `scenario.process` from the Flink options, the process size
/// defaulting to `pod.limits.memory`; whatever `memory.budget` says. Without any size the error
/// is Flink's "Either required fine-grained memory … need to be configured explicitly."
pub fn derive_budget(config: &Config) -> Result<Budget, ScenarioError> {
    let mut settings = flink_settings(config)?;
    let process = process_kind(config);
    let sized_by = match configured_entry(process, &settings) {
        Some(key) => key,
        None => match bytes(config, "pod.limits.memory") {
            Some(limit) => {
                match process {
                    ProcessKind::TaskManager => settings.taskmanager.process_size = Some(limit),
                    ProcessKind::JobManager => settings.jobmanager.process_size = Some(limit),
                }
                "pod.limits.memory".to_string()
            }
            None => process_size_key(process),
        },
    };
    let (memory, notes) = match process {
        ProcessKind::TaskManager => derive_taskmanager_with_notes(&settings.taskmanager)
            .map(|(m, n)| (FlinkMemory::TaskManager(m), n)),
        ProcessKind::JobManager => derive_jobmanager_with_notes(&settings.jobmanager)
            .map(|(m, n)| (FlinkMemory::JobManager(m), n)),
    }
    .map_err(|e| budget_error(config, &e, &sized_by))?;
    Ok(Budget {
        process,
        split: memory.dotnet(),
        memory,
        notes,
        sized_by,
        settings,
    })
}

/// Drops the values an earlier [`apply_budget`] derived, restoring the defaults under them.
fn clear_derived(config: &mut Config) {
    let stale: Vec<String> = config
        .entries
        .iter()
        .filter(|(_, e)| matches!(e.source, Source::Derived { .. }))
        .map(|(k, _)| k.clone())
        .collect();
    if stale.is_empty() {
        return;
    }
    let fresh = defaults();
    for key in stale {
        match fresh.entries.get(&key) {
            Some(d) => config.entries.insert(key, d.clone()),
            None => config.entries.remove(&key),
        };
    }
}

/// Applies the budget to a copy of `config`: derives the split (with `memory.budget = "flink"`)
/// and the network-buffer requirement of the described job, and sets every key the user did
/// not set from them (see the module docs). Inconsistent Flink options and a network-buffer
/// shortfall are errors with Flink's messages, named after the key at fault.
pub fn apply_budget(config: &Config) -> Result<(Config, BudgetPlan), ScenarioError> {
    let mut c = config.clone();
    clear_derived(&mut c);
    let mut plan = BudgetPlan {
        enabled: !matches!(c.get(BUDGET_KEY), Some(Value::Text(t)) if t == "off"),
        ..BudgetPlan::default()
    };
    let process = process_kind(&c);

    if plan.enabled {
        if has_size(&c)? {
            let budget = derive_budget(&c)?;
            if budget.sized_by == "pod.limits.memory" {
                let limit = bytes(&c, "pod.limits.memory").unwrap_or(0);
                let key = process_size_key(process);
                derive(
                    &mut c,
                    &mut plan,
                    &key,
                    Value::Bytes(limit),
                    "pod.limits.memory (Flink's process size on containers)",
                );
            }
            let split = budget.split;
            let heap_set = c.pinned("gc.heap_hard_limit") || c.pinned("gc.heap_hard_limit_percent");
            if !heap_set {
                let from = match process {
                    ProcessKind::TaskManager => "JVM heap = framework heap + task heap",
                    ProcessKind::JobManager => "JVM heap",
                };
                derive(
                    &mut c,
                    &mut plan,
                    "gc.heap_hard_limit",
                    Value::Bytes(split.gc_heap_hard_limit.0),
                    from,
                );
            }
            match (process, &budget.memory) {
                (ProcessKind::TaskManager, FlinkMemory::TaskManager(tm)) => {
                    derive(
                        &mut c,
                        &mut plan,
                        "network.pool",
                        Value::Bytes(tm.network),
                        "network memory",
                    );
                    let segment = budget
                        .settings
                        .taskmanager
                        .segment_size
                        .unwrap_or(crate::budget::flink::tm_defaults::SEGMENT_SIZE);
                    derive(
                        &mut c,
                        &mut plan,
                        "network.segment",
                        Value::Bytes(segment),
                        "taskmanager.memory.segment-size",
                    );
                    if matches!(c.get("state.backend"), Some(Value::Text(t)) if t == "rocksdb") {
                        let buffer = bytes(&c, "state.rocksdb.write_buffer").unwrap_or(64 << 20);
                        let count = match c.get("state.rocksdb.write_buffers") {
                            Some(Value::Int(n)) => (*n).max(0) as u64,
                            _ => 2,
                        };
                        let memtables = buffer.saturating_mul(count);
                        if tm.managed < memtables {
                            plan.notes.push(format!(
                                "managed memory ({} bytes) is smaller than the write buffers ({} bytes): the block cache gets nothing",
                                tm.managed, memtables
                            ));
                        }
                        derive(
                            &mut c,
                            &mut plan,
                            "state.rocksdb.block_cache",
                            Value::Bytes(tm.managed.saturating_sub(memtables)),
                            "managed memory − write buffers (state.rocksdb.write_buffer × state.rocksdb.write_buffers)",
                        );
                    }
                }
                _ => derive(
                    &mut c,
                    &mut plan,
                    "network.pool",
                    Value::Bytes(0),
                    "a JobManager has no network memory",
                ),
            }
            if let Some(limit) = bytes(&c, "pod.limits.memory")
                && split.total_process.0 > limit
            {
                plan.notes.push(format!(
                    "Flink's Total Process Memory ({} bytes) is larger than pod.limits.memory ({limit} bytes): the pod can be OOM-killed before the budget is used up",
                    split.total_process.0
                ));
            }
            plan.budget = Some(budget);
        } else {
            plan.notes.push(
                "no budget: neither a Flink memory size nor pod.limits.memory is set".to_string(),
            );
        }
    }

    if let Some(job) = job_graph(&c)? {
        if process == ProcessKind::JobManager {
            plan.notes.push(
                "the network-buffer check applies to TaskManagers; the job is not checked on a JobManager"
                    .to_string(),
            );
        } else {
            let options = flink_settings(&c)?.network;
            let segment = bytes(&c, "network.segment").unwrap_or(32 << 10);
            let pool = bytes(&c, "network.pool").unwrap_or(0);
            let report = analyze_network_buffers(&job, &options, segment, pool)
                .map_err(|e| network_error(&c, &e))?;
            report.check().map_err(|e| network_error(&c, &e))?;
            derive(
                &mut c,
                &mut plan,
                "network.required_buffers",
                Value::Int(i64::try_from(report.required).unwrap_or(i64::MAX)),
                "network-buffer check of job.vertices and job.edges",
            );
            plan.network = Some(report);
        }
    }
    Ok((c, plan))
}

/// Sets `key` from the budget unless the user set it, and records it in the plan.
fn derive(c: &mut Config, plan: &mut BudgetPlan, key: &str, value: Value, from: &str) {
    if !c.pinned(key) {
        c.derive(key, value, from);
        plan.derived.push(key.to_string());
    }
}

/// A network-check failure, named after the key at fault.
fn network_error(config: &Config, err: &NetworkError) -> ScenarioError {
    let key = match err {
        NetworkError::Insufficient(_) | NetworkError::TooManyBuffers { .. } => {
            "network.pool".to_string()
        }
        NetworkError::SegmentSize(_) => "network.segment".to_string(),
        NetworkError::NoSlots => format!("{FLINK_PREFIX}taskmanager.numberOfTaskSlots"),
        NetworkError::ZeroParallelism { .. } => VERTICES.to_string(),
        _ => EDGES.to_string(),
    };
    config.error(&key, flink_message(err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::apply_sets;

    const MIB: u64 = 1 << 20;

    fn config(sets: &[&str]) -> Config {
        let mut c = defaults();
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        apply_sets(&mut c, &sets).unwrap();
        c
    }

    fn bytes_of(c: &Config, key: &str) -> u64 {
        bytes(c, key).unwrap_or_else(|| panic!("{key} is not set"))
    }

    #[test]
    fn process_size_defaults_to_the_pod_limit() {
        let (c, plan) = apply_budget(&config(&["pod.limits.memory=1728Mi"])).unwrap();
        let b = plan.budget.unwrap();
        assert_eq!(b.sized_by, "pod.limits.memory");
        // flink-vectors.csv tm01: 1728m gives a JVM heap of 536870902 bytes.
        assert_eq!(bytes_of(&c, "gc.heap_hard_limit"), 536_870_902);
        assert_eq!(bytes_of(&c, "network.pool"), 134_217_730);
        assert_eq!(bytes_of(&c, "network.segment"), 32 << 10);
        assert_eq!(
            bytes_of(&c, "flink.taskmanager.memory.process.size"),
            1728 * MIB
        );
        assert!(matches!(
            c.entries["gc.heap_hard_limit"].source,
            Source::Derived { .. }
        ));
        // Derived values are not user values: the next derivation starts afresh.
        let mut again = c.clone();
        crate::scenario::load::apply_set(&mut again, "pod.limits.memory=4Gi").unwrap();
        let (again, _) = apply_budget(&again).unwrap();
        assert_eq!(
            bytes_of(&again, "flink.taskmanager.memory.process.size"),
            4 << 30
        );
        assert!(bytes_of(&again, "gc.heap_hard_limit") > 536_870_902);
    }

    #[test]
    fn pinned_keys_are_left_alone() {
        let (c, plan) = apply_budget(&config(&[
            "pod.limits.memory=4Gi",
            "gc.heap_hard_limit=1Gi",
            "network.pool=100Mi",
        ]))
        .unwrap();
        assert_eq!(bytes_of(&c, "gc.heap_hard_limit"), 1 << 30);
        assert_eq!(bytes_of(&c, "network.pool"), 100 * MIB);
        assert!(!plan.derived.contains(&"gc.heap_hard_limit".to_string()));
        let (c, _) = apply_budget(&config(&[
            "pod.limits.memory=4Gi",
            "gc.heap_hard_limit_percent=60",
        ]))
        .unwrap();
        assert_eq!(c.get("gc.heap_hard_limit"), None);
    }

    #[test]
    fn off_derives_nothing_and_no_size_means_no_budget() {
        let (c, plan) =
            apply_budget(&config(&["pod.limits.memory=4Gi", "memory.budget=off"])).unwrap();
        assert!(!plan.enabled && plan.budget.is_none());
        assert_eq!(c.get("gc.heap_hard_limit"), None);
        assert_eq!(bytes_of(&c, "network.pool"), 64 * MIB);
        let (_, plan) = apply_budget(&defaults()).unwrap();
        assert!(plan.budget.is_none());
        assert!(plan.notes[0].contains("no budget"));
    }

    #[test]
    fn flink_options_win_over_the_pod_limit() {
        let (c, plan) = apply_budget(&config(&[
            "pod.limits.memory=4Gi",
            "taskmanager.memory.process.size=1728m",
        ]))
        .unwrap();
        assert_eq!(
            plan.budget.unwrap().sized_by,
            "flink.taskmanager.memory.process.size"
        );
        assert_eq!(bytes_of(&c, "gc.heap_hard_limit"), 536_870_902);
    }

    #[test]
    fn jobmanager_gets_its_heap_and_no_pool() {
        let (c, plan) = apply_budget(&config(&[
            "scenario.process=jobmanager",
            "jobmanager.memory.process.size=1600m",
        ]))
        .unwrap();
        assert_eq!(bytes_of(&c, "gc.heap_hard_limit"), 1 << 30);
        assert_eq!(bytes_of(&c, "network.pool"), 0);
        let b = plan.budget.unwrap();
        assert_eq!(b.memory.components()[0], ("jvm_heap", 1 << 30));
    }

    #[test]
    fn rocksdb_block_cache_is_managed_memory_minus_write_buffers() {
        let (c, _) = apply_budget(&config(&[
            "pod.limits.memory=1728Mi",
            "state.backend=rocksdb",
            "state.rocksdb.write_buffer=32Mi",
            "state.rocksdb.write_buffers=2",
        ]))
        .unwrap();
        assert_eq!(
            bytes_of(&c, "state.rocksdb.block_cache"),
            536_870_920 - 64 * MIB
        );
    }

    #[test]
    fn inconsistent_options_give_flinks_message_at_the_key() {
        let e = apply_budget(&config(&[
            "pod.limits.memory=4Gi",
            "taskmanager.memory.jvm-overhead.min=300m",
            "taskmanager.memory.jvm-overhead.max=200m",
        ]))
        .unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("flink.taskmanager.memory.jvm-overhead.fraction")
        );
        assert!(
            e.problem.starts_with(
                "Inconsistently configured Key: 'taskmanager.memory.jvm-overhead.fraction'"
            ),
            "{e}"
        );
        assert!(
            e.problem
                .ends_with("Caused by: min value must be less or equal to max value"),
            "{e}"
        );
        let e = derive_budget(&defaults()).unwrap_err();
        assert!(e.problem.starts_with("Either required fine-grained memory"));
    }

    #[test]
    fn the_simulation_runs_with_the_derived_split_unless_pinned() {
        use crate::sim::workload::state::StateBackend;
        let sets = [
            "pod.limits.memory=1728Mi",
            "state.backend=rocksdb",
            "state.rocksdb.write_buffer=32Mi",
            r#"job.vertices=[{name="src", parallelism=2}, {name="sink", parallelism=2}]"#,
            r#"job.edges=[{from="src", to="sink"}]"#,
        ];
        let (spec, _) = crate::scenario::build::build(&config(&sets), "s", None).unwrap();
        assert_eq!(spec.gc.heap_hard_limit, Some(536_870_902));
        assert_eq!(spec.network.pool_bytes, 134_217_730.0);
        assert_eq!(spec.network.segment_bytes, 32768.0);
        // One slot: a source subtask (2 subpartitions + 1) and a sink subtask (2 × 2 + 1).
        assert_eq!(spec.network.required_buffers, 8.0);
        match spec.state.map(|s| s.backend) {
            Some(StateBackend::OffHeap(store)) => {
                assert_eq!(store.block_cache_bytes, (536_870_920 - 64 * MIB) as f64)
            }
            other => panic!("{other:?}"),
        }
        let mut pinned = sets.to_vec();
        pinned.extend(["gc.heap_hard_limit=1Gi", "network.required_buffers=3"]);
        let (spec, _) = crate::scenario::build::build(&config(&pinned), "s", None).unwrap();
        assert_eq!(spec.gc.heap_hard_limit, Some(1 << 30));
        assert_eq!(spec.network.required_buffers, 3.0);
        let mut off = sets.to_vec();
        off.push("memory.budget=off");
        let (spec, _) = crate::scenario::build::build(&config(&off), "s", None).unwrap();
        assert_eq!(spec.gc.heap_hard_limit, None);
        assert_eq!(spec.network.pool_bytes, (64 * MIB) as f64);
        // The job is checked in both modes.
        assert_eq!(spec.network.required_buffers, 8.0);
    }

    #[test]
    fn the_network_check_sets_required_buffers_or_fails_with_both_numbers() {
        let job = [
            "taskmanager.numberOfTaskSlots=4",
            r#"job.vertices=[{name="src", parallelism=8}, {name="agg", parallelism=8}]"#,
            r#"job.edges=[{from="src", to="agg", exchange="hash"}]"#,
        ];
        let mut sets = vec!["pod.limits.memory=4Gi"];
        sets.extend(job);
        let (c, plan) = apply_budget(&config(&sets)).unwrap();
        let report = plan.network.unwrap();
        // 4 sources: 8 subpartitions + 1 each; 4 aggregators: 8 channels × 2 + 1 each.
        assert_eq!(report.required, 4 * 9 + 4 * 17);
        assert_eq!(
            c.get("network.required_buffers"),
            Some(&Value::Int(report.required as i64))
        );
        let mut sets = vec!["pod.limits.memory=4Gi", "network.pool=1Mi"];
        sets.extend(job);
        let e = apply_budget(&config(&sets)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("network.pool"));
        assert!(
            e.problem
                .starts_with("Insufficient number of network buffers: required 9, but only"),
            "{e}"
        );
    }
}
