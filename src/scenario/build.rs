//! Resolves an effective scenario configuration into a [`RunSpec`]: the memory budget is applied
//! first ([`crate::config::budget`]: with `memory.budget = "flink"` the GC heap hard limit, the
//! network pool and segment and the RocksDB block cache come from Flink's derivation unless the
//! scenario sets them, and a described job gives the required network buffers and the channels
//! of a TaskManager), then the keys become the typed specs of the simulation core, a replayed
//! rate is read from its CSV file, and cross-key rules are checked (a limit below its request,
//! lifetime shares above 1, a steps profile without steps, required buffers above the pool).

use super::load::{Config, OutputOptions, ScenarioError, Value};
use crate::budget::NetworkBufferReport;
use crate::sim::RunSpec;
use crate::sim::gc::{GcProfile, GcSettings, MachineSpec, MachineSpeed};
use crate::sim::pod::{PodSpec, RestartPolicy};
use crate::sim::process::ProcessSpec;
use crate::sim::workload::WorkloadSpec;
use crate::sim::workload::checkpoint::{CheckpointSpec, SnapshotKind};
use crate::sim::workload::jobmanager::{JobManagerSpec, JobShape};
use crate::sim::workload::network::{BufferPlacement, ChannelLayout, NetworkSpec, PoolAllocation};
use crate::sim::workload::objects::{Lifetime, LifetimeShare, SizeDistribution};
use crate::sim::workload::state::{OffHeapStore, StateBackend, StateSpec};
use crate::sim::workload::traffic::{Bursts, RateProfile, TrafficSpec};

struct Reader<'a> {
    c: &'a Config,
}

impl Reader<'_> {
    fn bytes(&self, k: &str) -> Option<f64> {
        match self.c.get(k) {
            Some(Value::Bytes(b)) => Some(*b as f64),
            _ => None,
        }
    }
    fn num(&self, k: &str) -> Option<f64> {
        match self.c.get(k) {
            Some(Value::Number(x)) => Some(*x),
            Some(Value::Int(i)) => Some(*i as f64),
            _ => None,
        }
    }
    fn int(&self, k: &str) -> Option<i64> {
        match self.c.get(k) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }
    fn secs(&self, k: &str) -> Option<f64> {
        match self.c.get(k) {
            Some(Value::Seconds(s)) => Some(*s),
            _ => None,
        }
    }
    fn flag(&self, k: &str) -> Option<bool> {
        match self.c.get(k) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
    fn text(&self, k: &str) -> Option<&str> {
        match self.c.get(k) {
            Some(Value::Text(t)) => Some(t.as_str()),
            _ => None,
        }
    }
    fn tables(&self, k: &str) -> &[std::collections::BTreeMap<String, Value>] {
        match self.c.get(k) {
            Some(Value::Tables(t)) => t,
            _ => &[],
        }
    }
}

/// Builds the run described by `config` after applying its memory budget; `stem` names it when
/// `scenario.name` is not set and `seed` overrides `scenario.seed`.
pub fn build(
    config: &Config,
    stem: &str,
    seed: Option<u64>,
) -> Result<(RunSpec, OutputOptions), ScenarioError> {
    let (budgeted, plan) = crate::config::budget::apply_budget(config)?;
    let config = &budgeted;
    let r = Reader { c: config };
    let mib = 1_048_576.0;
    let name = r.text("scenario.name").unwrap_or(stem).to_string();
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(config.error(
            "scenario.name",
            "must be a plain name (it names the output folder)",
        ));
    }
    let profile =
        GcProfile::from_name(r.text("gc.profile").unwrap_or("net8")).unwrap_or(GcProfile::Net8);

    // Pod.
    let request = r.bytes("pod.requests.memory");
    let limit = r.bytes("pod.limits.memory");
    if let (Some(req), Some(lim)) = (request, limit)
        && lim < req
    {
        return Err(config.error(
            "pod.limits.memory",
            format!(
                "the limit ({}) is below the request ({})",
                lim as u64, req as u64
            ),
        ));
    }
    let restart = match r.text("pod.restart") {
        Some("always") => RestartPolicy::Always {
            checkpoint_interval_s: r.secs("checkpoint.interval").unwrap_or(60.0),
            restore_bytes_per_s: r.bytes("pod.restore_rate").unwrap_or(100.0 * mib),
        },
        _ => RestartPolicy::Never,
    };

    // Machine: the runtime sees the container limit unless it cannot read the node's cgroup
    // version (.NET Core 3.1 reads cgroup v1 only).
    let cgroup_v2 = r.text("machine.cgroup") != Some("v1");
    let sees_limit = !cgroup_v2 || profile.reads_cgroup_v2();
    let machine = MachineSpec {
        cores: r.int("machine.cores").unwrap_or(4) as u32,
        largest_cache_bytes: match config.get("machine.cache") {
            Some(Value::Bytes(b)) => Some(*b),
            Some(Value::Unbounded) => None,
            _ => Some(32 << 20),
        },
        physical_memory_bytes: r
            .bytes("machine.node_memory")
            .unwrap_or(64.0 * 1024.0 * mib) as u64,
        container_limit_bytes: if sees_limit {
            limit.map(|l| l as u64)
        } else {
            None
        },
        speed: MachineSpeed {
            gc_cost_factor: r.num("machine.gc_speed").unwrap_or(1.0),
            alloc_cost_factor: 1.0,
            ..MachineSpeed::default()
        },
    };

    // GC.
    let gc = GcSettings {
        profile,
        server: r.text("gc.mode") == Some("server"),
        concurrent: r.flag("gc.concurrent").unwrap_or(true),
        heap_hard_limit: r.bytes("gc.heap_hard_limit").map(|b| b as u64),
        heap_hard_limit_percent: r
            .num("gc.heap_hard_limit_percent")
            .map(|p| p.round() as u32),
        heap_count: r.int("gc.heap_count").map(|n| n as u32),
        gen0size: r.bytes("gc.gen0size").map(|b| b as u64),
        gen0_max_budget: r.bytes("gc.gen0_max_budget").map(|b| b as u64),
        datas: r.flag("gc.datas"),
        conserve_memory: r.int("gc.conserve_memory").map(|n| n as u32),
        high_memory_percent: r.int("gc.high_memory_percent").map(|n| n as u32),
        ..GcSettings::default()
    };
    if let (Some(hl), Some(lim)) = (gc.heap_hard_limit, limit)
        && hl as f64 > lim
    {
        return Err(config.error(
            "gc.heap_hard_limit",
            format!(
                "the heap hard limit ({hl}) is above the pod's memory limit ({})",
                lim as u64
            ),
        ));
    }

    // Process.
    let process = ProcessSpec {
        runtime_baseline_bytes: r.bytes("runtime.baseline").unwrap_or(32.0 * mib),
        code_bytes: r.bytes("runtime.code").unwrap_or(48.0 * mib),
        code_warmup_s: r.secs("runtime.code_warmup").unwrap_or(120.0),
        threads: r.int("runtime.threads").unwrap_or(30) as u32,
        stack_bytes_per_thread: r.bytes("runtime.stack_per_thread").unwrap_or(131_072.0),
        native_bytes: r.bytes("runtime.native").unwrap_or(16.0 * mib),
        startup_heap_bytes: r.bytes("runtime.startup_heap").unwrap_or(12.0 * mib),
        startup_loh_bytes: r.bytes("runtime.startup_loh").unwrap_or(mib),
        startup_allocated_bytes: 0.0,
        gc_listener: None,
    };

    // Traffic and objects.
    let profile_kind = r.text("workload.rate.profile").unwrap_or("constant");
    let mut replay_base = None;
    let rate_profile = match profile_kind {
        "steps" => {
            let steps = r.tables("workload.rate.steps");
            if steps.is_empty() {
                return Err(config.error(
                    "workload.rate.steps",
                    "the `steps` profile needs at least one step",
                ));
            }
            let mut v: Vec<(f64, f64)> = steps
                .iter()
                .map(|t| {
                    let at = match t.get("at") {
                        Some(Value::Seconds(s)) => *s,
                        _ => 0.0,
                    };
                    let m = match t.get("multiplier") {
                        Some(Value::Number(x)) => *x,
                        _ => 1.0,
                    };
                    (at, m)
                })
                .collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            RateProfile::Steps(v)
        }
        "daily" => RateProfile::Daily {
            peak_s: r.secs("workload.rate.daily_peak").unwrap_or(14.0 * 3600.0),
            trough: r.num("workload.rate.daily_trough").unwrap_or(0.3),
            resolution_s: 60.0,
        },
        "replay" => {
            let (points, mean) = replay_points(config)?;
            replay_base = Some(mean * r.num("workload.rate.replay_scale").unwrap_or(1.0));
            let period = points.last().map(|p| p.0).filter(|p| *p > 0.0);
            RateProfile::Replay {
                points,
                resolution_s: r
                    .secs("workload.rate.replay_resolution")
                    .unwrap_or(1.0)
                    .max(1e-3),
                period_s: if r.flag("workload.rate.replay_repeat") == Some(true) {
                    period
                } else {
                    None
                },
            }
        }
        _ => RateProfile::Constant,
    };
    let bursts = r.secs("workload.bursts.mean_interval").map(|iv| Bursts {
        mean_interval_s: iv,
        mean_duration_s: r.secs("workload.bursts.mean_duration").unwrap_or(30.0),
        multiplier: r.num("workload.bursts.multiplier").unwrap_or(2.0),
    });
    let median = r.num("workload.objects.median_bytes").unwrap_or(200.0);
    let small = match r.text("workload.objects.size_distribution") {
        Some("fixed") => SizeDistribution::Fixed { bytes: median },
        _ => SizeDistribution::LogNormal {
            median,
            sigma: r.num("workload.objects.sigma").unwrap_or(1.0),
            min: 24.0,
            max: 84_992.0,
        },
    };
    let large_fraction = r.num("workload.objects.large_fraction").unwrap_or(0.0);
    let sizes = if large_fraction > 0.0 {
        SizeDistribution::Mixture {
            small: Box::new(small),
            large: Box::new(SizeDistribution::LogNormal {
                median: r
                    .bytes("workload.objects.large_median")
                    .unwrap_or(262_144.0)
                    .max(85_000.0),
                sigma: r.num("workload.objects.large_sigma").unwrap_or(1.0),
                min: 85_000.0,
                max: 64.0 * mib,
            }),
            large_byte_fraction: large_fraction,
        }
    } else {
        small
    };
    let mut lifetimes = Vec::new();
    let mut total_share = 0.0;
    for (i, t) in r.tables("workload.lifetimes").iter().enumerate() {
        let fraction = match t.get("fraction") {
            Some(Value::Number(x)) => *x,
            _ => 0.0,
        };
        total_share += fraction;
        let lifetime = match (t.get("mean"), t.get("mean_allocated"), t.get("long_lived")) {
            (Some(Value::Seconds(s)), None, None) => Lifetime::MeanSeconds(*s),
            (None, Some(Value::Bytes(b)), None) => Lifetime::MeanAllocatedBytes(*b as f64),
            (None, None, Some(Value::Bool(true))) => Lifetime::LongLived,
            _ => {
                return Err(config.error(
                    "workload.lifetimes",
                    format!("entry {}: give exactly one of `mean`, `mean_allocated` or `long_lived = true`", i + 1),
                ));
            }
        };
        lifetimes.push(LifetimeShare { fraction, lifetime });
    }
    if total_share > 1.0 + 1e-9 {
        return Err(config.error(
            "workload.lifetimes",
            format!("the fractions add up to {total_share}, more than 1"),
        ));
    }
    let workload = WorkloadSpec {
        traffic: TrafficSpec {
            base_records_per_s: replay_base
                .unwrap_or_else(|| r.num("workload.records_per_second").unwrap_or(10_000.0)),
            profile: rate_profile,
            bursts,
        },
        bytes_per_record: r
            .num("workload.allocated_bytes_per_record")
            .unwrap_or(2048.0),
        sizes,
        lifetimes,
        threads: r.int("workload.threads").unwrap_or(4) as u32,
        capacity_records_per_s: r.num("workload.capacity"),
        unthrottled: false,
        stop_after_bytes: None,
        large_object_touch_fraction: r.num("workload.objects.large_written").unwrap_or(1.0),
        survivor_index: None,
    };

    // State.
    let key_bytes = r.num("state.key_bytes").unwrap_or(1024.0);
    let backend = match r.text("state.backend") {
        Some("heap") => Some(StateBackend::Heap),
        Some("rocksdb") => Some(StateBackend::OffHeap(OffHeapStore {
            write_buffer_bytes: r.bytes("state.rocksdb.write_buffer").unwrap_or(64.0 * mib),
            max_write_buffers: r.int("state.rocksdb.write_buffers").unwrap_or(2) as u32,
            block_cache_bytes: r.bytes("state.rocksdb.block_cache").unwrap_or(256.0 * mib),
            hot_fraction: r.num("state.rocksdb.hot_fraction").unwrap_or(0.2),
            index_fraction: r.num("state.rocksdb.index_fraction").unwrap_or(0.01),
            allocator_overhead: r.num("state.rocksdb.allocator_overhead").unwrap_or(1.1),
            flush_bytes_per_s: r
                .bytes("state.rocksdb.flush_rate")
                .unwrap_or(64.0 * mib)
                .max(1.0),
        })),
        _ => None,
    };
    let state = backend.map(|backend| StateSpec {
        backend,
        initial_bytes: r.bytes("state.initial").unwrap_or(0.0),
        growth_per_s: r.num("state.new_keys_per_second").unwrap_or(0.0) * key_bytes,
        growth_per_record: r.num("state.new_keys_per_record").unwrap_or(0.0) * key_bytes,
        growth_per_allocated_byte: 0.0,
        cap_bytes: r.num("state.max_keys").map(|k| k * key_bytes),
        ttl_s: r.secs("state.ttl"),
        update_per_s: 0.0,
        update_per_record: r.num("state.updates_per_record").unwrap_or(0.0) * key_bytes,
        entry_bytes: r.num("state.entry_size_bytes").unwrap_or(256.0),
        entry_sigma: r.num("state.entry_size_sigma").unwrap_or(0.0),
        // Flink's heap state backend keeps entries in hash tables.
        chunk_entries: None,
    });

    let buffer_options = crate::config::flink::flink_settings(config)?.network;
    let network = NetworkSpec {
        pool_bytes: r.bytes("network.pool").unwrap_or(64.0 * mib),
        segment_bytes: r.bytes("network.segment").unwrap_or(32768.0),
        required_buffers: r.int("network.required_buffers").unwrap_or(0) as f64,
        bytes_per_record: r.num("network.sent_bytes_per_record").unwrap_or(1024.0),
        round_trip_s: r.secs("network.round_trip").unwrap_or(0.001),
        layout: plan
            .network
            .as_ref()
            .map(channel_layout)
            .unwrap_or_default(),
        buffers_per_channel: f64::from(buffer_options.buffers_per_channel()),
        floating_buffers_per_gate: f64::from(buffer_options.floating_buffers_per_gate()),
        max_buffers_per_channel: r.int("network.max_buffers_per_channel").unwrap_or(10) as f64,
        receiver_capacity_records_per_s: r.num("network.receiver_capacity"),
        skew: r.num("network.skew").unwrap_or(1.0),
        placement: match r.text("network.placement") {
            Some("heap") => BufferPlacement::Heap,
            _ => BufferPlacement::OffHeap,
        },
        allocation: match r.text("network.allocation") {
            Some("eager") => PoolAllocation::Eager,
            _ => PoolAllocation::Lazy,
        },
    };
    if network.required_buffers > network.total_buffers() && network.total_buffers() > 0.0 {
        return Err(config.error(
            "network.required_buffers",
            format!(
                "the tasks require {} buffers but the pool holds {} (network.pool / network.segment)",
                network.required_buffers,
                network.total_buffers()
            ),
        ));
    }

    let jobmanager = r.text("scenario.process") == Some("jobmanager");
    let checkpoints_on = r.flag("checkpoint.enabled") == Some(true);
    let interval = r.secs("checkpoint.interval").unwrap_or(60.0);
    if checkpoints_on && interval <= 0.0 {
        return Err(config.error("checkpoint.interval", "must be longer than zero"));
    }
    let checkpoints = if checkpoints_on && !jobmanager {
        let rate = |k: &str, default: f64| -> Result<f64, ScenarioError> {
            match r.bytes(k).unwrap_or(default) {
                x if x > 0.0 => Ok(x),
                _ => Err(config.error(k, "must be more than 0 bytes per second")),
            }
        };
        Some(CheckpointSpec {
            interval_s: interval,
            kind: if r.flag("checkpoint.incremental") == Some(true) {
                SnapshotKind::Incremental
            } else {
                SnapshotKind::Full
            },
            sync_s: r.secs("checkpoint.sync_duration").unwrap_or(0.05),
            serialize_bytes_per_s: rate("checkpoint.serialize_rate", 256.0 * mib)?,
            upload_bytes_per_s: rate("checkpoint.upload_rate", 64.0 * mib)?,
            buffer_bytes: r.bytes("checkpoint.buffer").unwrap_or(mib).max(16.0),
            max_buffered_bytes: r.bytes("checkpoint.max_buffered"),
            bytes_per_state_byte: r.num("checkpoint.size_ratio").unwrap_or(1.0),
            max_concurrent: r.int("checkpoint.max_concurrent").unwrap_or(1) as u32,
            min_pause_s: r.secs("checkpoint.min_pause").unwrap_or(0.0),
            timeout_s: r.secs("checkpoint.timeout").unwrap_or(600.0).max(1e-3),
        })
    } else {
        None
    };
    let jobmanager = match crate::config::job::job_graph(config)? {
        Some(job) if jobmanager && r.int("jobmanager.jobs").unwrap_or(1) > 0 => {
            Some(JobManagerSpec {
                job: JobShape {
                    vertices: job.vertices.len() as f64,
                    subtasks: job.vertices.iter().map(|v| f64::from(v.parallelism)).sum(),
                    edge_ends: job
                        .edges
                        .iter()
                        .map(|e| {
                            f64::from(job.vertices[e.source].parallelism)
                                + f64::from(job.vertices[e.target].parallelism)
                        })
                        .sum(),
                },
                jobs: r.int("jobmanager.jobs").unwrap_or(1) as u32,
                submit_interval_s: r.secs("jobmanager.submit_interval").unwrap_or(60.0),
                job_duration_s: r.secs("jobmanager.job_duration"),
                bytes_per_vertex: r.num("jobmanager.vertex_bytes").unwrap_or(65536.0),
                bytes_per_subtask: r.num("jobmanager.subtask_bytes").unwrap_or(12288.0),
                bytes_per_edge_end: r.num("jobmanager.edge_end_bytes").unwrap_or(1024.0),
                checkpoint_interval_s: checkpoints_on.then_some(interval),
                checkpoint_bytes_per_subtask: r
                    .num("jobmanager.checkpoint_bytes_per_subtask")
                    .unwrap_or(2048.0),
                retained_checkpoints: r.int("checkpoint.retained").unwrap_or(1) as u32,
                rest_requests_per_s: r.num("jobmanager.rest.requests_per_second").unwrap_or(2.0),
                rest_response_bytes: r.num("jobmanager.rest.response_bytes").unwrap_or(16384.0),
                rest_bytes_per_subtask: r.num("jobmanager.rest.bytes_per_subtask").unwrap_or(512.0),
                taskmanagers: r.int("jobmanager.taskmanagers").unwrap_or(1) as f64,
                heartbeat_interval_s: r.secs("jobmanager.heartbeat_interval").unwrap_or(10.0),
                heartbeat_bytes: r.num("jobmanager.heartbeat_bytes").unwrap_or(8192.0),
            })
        }
        _ => None,
    };

    let horizon = r.secs("scenario.duration").unwrap_or(3600.0);
    if horizon <= 0.0 {
        return Err(config.error("scenario.duration", "must be longer than zero"));
    }
    let restore = r.bytes("pod.restore_rate").unwrap_or(100.0 * mib);
    let spec = RunSpec {
        name,
        seed: seed.unwrap_or(r.int("scenario.seed").unwrap_or(1) as u64),
        horizon_s: horizon,
        sample_interval_s: r
            .secs("scenario.sample_interval")
            .unwrap_or(10.0)
            .max(0.001),
        machine,
        gc,
        process,
        pod: PodSpec {
            request_bytes: request,
            limit_bytes: limit,
            restart,
            limit_check_interval_s: None,
        },
        workload,
        state,
        pinned_pool: None,
        network,
        checkpoints,
        jobmanager,
        build_initial_state: true,
        build_rate_bytes_per_s: Some(restore),
    };
    Ok((
        spec,
        OutputOptions {
            gc_events: r.flag("output.gc_events").unwrap_or(true),
        },
    ))
}

/// The channels of the worst-case TaskManager of the network-buffer check: its hosted subtasks'
/// result partitions and input gates.
fn channel_layout(report: &NetworkBufferReport) -> ChannelLayout {
    let mut l = ChannelLayout {
        partitions: 0.0,
        subpartitions: 0.0,
        gates: 0.0,
        channels: 0.0,
    };
    for s in &report.subtasks {
        let k = f64::from(s.per_taskmanager);
        l.partitions += k * s.partitions.len() as f64;
        l.subpartitions += k * s
            .partitions
            .iter()
            .map(|p| f64::from(p.subpartitions))
            .sum::<f64>();
        l.gates += k * s.gates.len() as f64;
        l.channels += k * s.gates.iter().map(|g| f64::from(g.channels)).sum::<f64>();
    }
    l
}

/// The replayed series of `workload.rate.replay_file` as multipliers of its mean rate, and the
/// mean. The file is found relative to the scenario file that names it; its problems are
/// errors at the key, naming the file and line.
fn replay_points(config: &Config) -> Result<(Vec<(f64, f64)>, f64), ScenarioError> {
    const KEY: &str = "workload.rate.replay_file";
    let Some(Value::Text(name)) = config.get(KEY) else {
        return Err(config.error(
            KEY,
            "the `replay` profile needs a CSV file of time_s,records_per_second rows",
        ));
    };
    let path = std::path::Path::new(name);
    let path = match config.entries.get(KEY).map(|e| &e.source) {
        Some(super::load::Source::File { path: scenario, .. }) if path.is_relative() => {
            std::path::Path::new(scenario)
                .parent()
                .map(|dir| dir.join(path))
                .unwrap_or_else(|| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    };
    let points = super::replay::read_replay(&path)
        .map_err(|e| config.error(KEY, format!("{}: {e}", path.display())))?;
    let mean = super::replay::mean_rate(&points);
    let base = if mean > 0.0 {
        mean
    } else {
        points.iter().map(|p| p.1).fold(0.0, f64::max).max(1.0)
    };
    Ok((points.iter().map(|&(t, v)| (t, v / base)).collect(), base))
}
