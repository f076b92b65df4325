//! Every key a scenario may set: its dotted name, its kind (which fixes its unit), its default and
//! what it means. The loader validates against this table, `memsim config` prints from it, and the
//! README's scenario reference is generated from it. Flink's memory options are not listed here:
//! they live in the `[flink]` table (entries `flink.<Flink key>`, see [`crate::config::flink`]).

/// The kind of a scenario value, which fixes how it is written and its unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A size as a Kubernetes quantity with a unit (`512Mi`, `4Gi`, `1.5G`), bytes.
    Bytes,
    /// A size as a Kubernetes quantity, or `unbounded`.
    BytesOrUnbounded,
    /// A plain number of bytes (keys ending in `_bytes`).
    ByteCount,
    /// A duration with a unit (`90s`, `10m`, `24h`, `500ms`), seconds.
    Duration,
    /// A number within bounds.
    Float {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
    /// A whole number within bounds.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// `true` or `false`.
    Bool,
    /// One of a list of words.
    Enum(&'static [&'static str]),
    /// Free text.
    Text,
    /// An array of tables, each with the given fields.
    Tables(&'static [Field]),
}

/// A field of a table in an array of tables.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field {
    /// Field name.
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// Whether it must be present.
    pub required: bool,
    /// What it means.
    pub doc: &'static str,
}

/// One scenario key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeyDef {
    /// Dotted key, e.g. `pod.limits.memory`.
    pub key: &'static str,
    /// Kind and unit.
    pub kind: Kind,
    /// Default as it would be written in a scenario (`None`: unset unless given).
    pub default: Option<&'static str>,
    /// What it means.
    pub doc: &'static str,
}

const fn key(
    key: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    doc: &'static str,
) -> KeyDef {
    KeyDef {
        key,
        kind,
        default,
        doc,
    }
}

const FRACTION: Kind = Kind::Float { min: 0.0, max: 1.0 };
const POSITIVE: Kind = Kind::Float {
    min: 0.0,
    max: f64::MAX,
};

/// Fields of one `workload.lifetimes` entry.
pub const LIFETIME_FIELDS: &[Field] = &[
    Field {
        name: "fraction",
        kind: FRACTION,
        required: true,
        doc: "share of the allocated bytes with this lifetime",
    },
    Field {
        name: "mean",
        kind: Kind::Duration,
        required: false,
        doc: "mean of an exponentially distributed lifetime, as a duration",
    },
    Field {
        name: "mean_allocated",
        kind: Kind::Bytes,
        required: false,
        doc: "mean lifetime measured in bytes the process allocates meanwhile",
    },
    Field {
        name: "long_lived",
        kind: Kind::Bool,
        required: false,
        doc: "lives as long as the process",
    },
];

/// Fields of one `workload.rate.steps` entry.
pub const STEP_FIELDS: &[Field] = &[
    Field {
        name: "at",
        kind: Kind::Duration,
        required: true,
        doc: "when the step starts",
    },
    Field {
        name: "multiplier",
        kind: POSITIVE,
        required: true,
        doc: "record rate from then on, as a multiple of `workload.records_per_second`",
    },
];

/// Fields of one `job.vertices` entry.
pub const VERTEX_FIELDS: &[Field] = &[
    Field {
        name: "name",
        kind: Kind::Text,
        required: true,
        doc: "name of the vertex (an operator chain), unique in the job",
    },
    Field {
        name: "parallelism",
        kind: Kind::Int { min: 1, max: 32768 },
        required: false,
        doc: "parallel subtasks of the vertex (default: `job.parallelism`)",
    },
];

/// The exchange kinds of a job edge, as written in `job.edges`.
pub const EXCHANGES: &[&str] = &[
    "forward",
    "rescale",
    "rebalance",
    "shuffle",
    "hash",
    "broadcast",
    "global",
];

/// Fields of one `job.edges` entry.
pub const EDGE_FIELDS: &[Field] = &[
    Field {
        name: "from",
        kind: Kind::Text,
        required: true,
        doc: "name of the producing vertex",
    },
    Field {
        name: "to",
        kind: Kind::Text,
        required: true,
        doc: "name of the consuming vertex",
    },
    Field {
        name: "exchange",
        kind: Kind::Enum(EXCHANGES),
        required: false,
        doc: "how records travel: `forward` and `rescale` are pointwise, `rebalance`, `shuffle`, `hash` (keyBy), `broadcast` and `global` all-to-all (default `hash`)",
    },
];

/// Every scenario key, grouped by section.
pub const KEYS: &[KeyDef] = &[
    // scenario
    key(
        "scenario.name",
        Kind::Text,
        None,
        "name of the scenario; names the output folder (default: the file name)",
    ),
    key("scenario.description", Kind::Text, Some(""), "free text"),
    key(
        "scenario.process",
        Kind::Enum(&["taskmanager", "jobmanager"]),
        Some("taskmanager"),
        "which Flink.NET process the pod runs",
    ),
    key(
        "scenario.duration",
        Kind::Duration,
        Some("1h"),
        "simulated time to cover",
    ),
    key(
        "scenario.seed",
        Kind::Int {
            min: 0,
            max: i64::MAX,
        },
        Some("1"),
        "seed of every random stream of the run",
    ),
    key(
        "scenario.sample_interval",
        Kind::Duration,
        Some("10s"),
        "interval between rows of `timeseries.csv`",
    ),
    // output
    key(
        "output.gc_events",
        Kind::Bool,
        Some("true"),
        "write one row per GC to `gc_events.csv`",
    ),
    // machine
    key(
        "machine.cores",
        Kind::Int { min: 1, max: 4096 },
        Some("4"),
        "CPUs the container may use (its CPU limit rounded up)",
    ),
    key(
        "machine.cache",
        Kind::BytesOrUnbounded,
        Some("32Mi"),
        "largest CPU cache the runtime reads (the L3); `unbounded` where the OS reports a cache level as unknown",
    ),
    key(
        "machine.node_memory",
        Kind::Bytes,
        Some("64Gi"),
        "physical memory of the node",
    ),
    key(
        "machine.cgroup",
        Kind::Enum(&["v1", "v2"]),
        Some("v2"),
        "cgroup version of the node (.NET Core 3.1 sees container limits only on v1)",
    ),
    key(
        "machine.gc_speed",
        Kind::Float {
            min: 0.01,
            max: 100.0,
        },
        Some("1.0"),
        "GC cost relative to the lab's second host, the model's reference (2.0: pauses twice as long)",
    ),
    // runtime
    key(
        "runtime.baseline",
        Kind::Bytes,
        Some("32Mi"),
        "resident memory of the .NET runtime right after start-up",
    ),
    key(
        "runtime.code",
        Kind::Bytes,
        Some("48Mi"),
        "JIT-compiled code, type metadata and loader heaps once warm",
    ),
    key(
        "runtime.code_warmup",
        Kind::Duration,
        Some("2m"),
        "time constant of code growth after start-up",
    ),
    key(
        "runtime.threads",
        Kind::Int {
            min: 0,
            max: 100_000,
        },
        Some("30"),
        "managed threads besides the workload's allocating threads",
    ),
    key(
        "runtime.stack_per_thread",
        Kind::Bytes,
        Some("128Ki"),
        "committed (touched) stack per thread",
    ),
    key(
        "runtime.native",
        Kind::Bytes,
        Some("16Mi"),
        "other native memory (native libraries, buffers outside the GC)",
    ),
    key(
        "runtime.startup_heap",
        Kind::Bytes,
        Some("12Mi"),
        "small objects kept from start-up (framework, configuration, dependency injection)",
    ),
    key(
        "runtime.startup_loh",
        Kind::Bytes,
        Some("1Mi"),
        "large objects kept from start-up",
    ),
    // gc
    key(
        "gc.profile",
        Kind::Enum(&["netcore31", "net8", "net9", "net10"]),
        Some("net8"),
        "runtime whose GC rules apply",
    ),
    key(
        "gc.mode",
        Kind::Enum(&["workstation", "server"]),
        Some("workstation"),
        "`System.GC.Server`",
    ),
    key(
        "gc.concurrent",
        Kind::Bool,
        Some("true"),
        "`System.GC.Concurrent`: background GC allowed",
    ),
    key(
        "gc.heap_hard_limit",
        Kind::Bytes,
        None,
        "`GCHeapHardLimit`; default: the budget's GC heap (Flink's JVM heap) with `memory.budget = \"flink\"`, else the runtime's own default in a container, 75% of the memory limit",
    ),
    key(
        "gc.heap_hard_limit_percent",
        Kind::Float {
            min: 1.0,
            max: 99.0,
        },
        None,
        "`GCHeapHardLimitPercent`: hard limit as a percentage of the container limit",
    ),
    key(
        "gc.heap_count",
        Kind::Int { min: 1, max: 1024 },
        None,
        "`GCHeapCount`: Server GC heaps (turns DATAS off)",
    ),
    key(
        "gc.gen0size",
        Kind::Bytes,
        None,
        "`GCgen0size`: forces the gen0 budget",
    ),
    key("gc.gen0_max_budget", Kind::Bytes, None, "`GCGen0MaxBudget`"),
    key(
        "gc.datas",
        Kind::Bool,
        None,
        "`GCDynamicAdaptationMode` (DATAS) for Server GC; default: off on .NET 8, on from .NET 9",
    ),
    key(
        "gc.conserve_memory",
        Kind::Int { min: 0, max: 9 },
        None,
        "`GCConserveMemory`",
    ),
    key(
        "gc.high_memory_percent",
        Kind::Int { min: 1, max: 99 },
        None,
        "`GCHighMemPercent`: the high memory load threshold",
    ),
    // pod
    key(
        "pod.requests.memory",
        Kind::Bytes,
        None,
        "`resources.requests.memory` of the container",
    ),
    key(
        "pod.limits.memory",
        Kind::Bytes,
        None,
        "`resources.limits.memory`: the container is OOM-killed above it",
    ),
    key(
        "pod.restart",
        Kind::Enum(&["never", "always"]),
        Some("never"),
        "restart after a failure with Kubernetes' back-off (state comes back from the last checkpoint)",
    ),
    key(
        "pod.restore_rate",
        Kind::Bytes,
        Some("100Mi"),
        "state restored per second after a restart",
    ),
    // memory budget
    key(
        "memory.budget",
        Kind::Enum(&["flink", "off"]),
        Some("flink"),
        "`flink`: derive the memory split as Apache Flink does (options in `[flink]`, process size defaulting to `pod.limits.memory`) and take the GC heap hard limit, the network pool and segment, and the RocksDB block cache from it unless they are set; `off`: derive nothing (the runtime's own default hard limit, 75% of the container limit, applies)",
    ),
    // checkpoints
    key(
        "checkpoint.interval",
        Kind::Duration,
        Some("1m"),
        "checkpoint interval (Flink's `execution.checkpointing.interval`): the state a restart restores is the state at the last checkpoint",
    ),
    key(
        "checkpoint.enabled",
        Kind::Bool,
        Some("false"),
        "model the checkpoints' memory: a TaskManager's snapshots (synchronous phase, serialization buffers, upload) and a JobManager's checkpoint metadata; off, the interval only decides what a restart restores",
    ),
    key(
        "checkpoint.incremental",
        Kind::Bool,
        Some("false"),
        "snapshots write only the state changed since the last completed checkpoint (Flink's `execution.checkpointing.incremental`); the first one is full",
    ),
    key(
        "checkpoint.sync_duration",
        Kind::Duration,
        Some("50ms"),
        "length of a checkpoint's synchronous phase, during which the task processes no records",
    ),
    key(
        "checkpoint.serialize_rate",
        Kind::Bytes,
        Some("256Mi"),
        "bytes per second the asynchronous phase serializes the snapshot into buffers",
    ),
    key(
        "checkpoint.upload_rate",
        Kind::Bytes,
        Some("64Mi"),
        "bytes per second uploaded to the checkpoint storage, shared by the checkpoints uploading at once",
    ),
    key(
        "checkpoint.buffer",
        Kind::Bytes,
        Some("1Mi"),
        "size of one serialization buffer object (85,000 bytes or more: on the LOH)",
    ),
    key(
        "checkpoint.max_buffered",
        Kind::Bytes,
        None,
        "most serialized bytes waiting for upload before serialization waits (default: no bound)",
    ),
    key(
        "checkpoint.size_ratio",
        Kind::Float {
            min: 0.0,
            max: 100.0,
        },
        Some("1.0"),
        "serialized bytes per byte of state (below 1 with compression)",
    ),
    key(
        "checkpoint.max_concurrent",
        Kind::Int { min: 1, max: 64 },
        Some("1"),
        "most checkpoints in progress at once (Flink's `execution.checkpointing.max-concurrent-checkpoints`)",
    ),
    key(
        "checkpoint.min_pause",
        Kind::Duration,
        Some("0s"),
        "least time from the end of a checkpoint to the start of the next (Flink's `execution.checkpointing.min-pause`)",
    ),
    key(
        "checkpoint.timeout",
        Kind::Duration,
        Some("10m"),
        "a checkpoint still running this long after it started is aborted and its buffers dropped (Flink's `execution.checkpointing.timeout`)",
    ),
    key(
        "checkpoint.retained",
        Kind::Int { min: 1, max: 1000 },
        Some("1"),
        "completed checkpoints whose metadata a JobManager keeps per job (Flink's `state.checkpoints.num-retained`)",
    ),
    // workload
    key(
        "workload.records_per_second",
        POSITIVE,
        Some("10000"),
        "input records per second (the base of the rate profile)",
    ),
    key(
        "workload.allocated_bytes_per_record",
        Kind::ByteCount,
        Some("2048"),
        "bytes allocated on the managed heap per record processed",
    ),
    key(
        "workload.capacity",
        POSITIVE,
        None,
        "most records per second the process can work through when catching up after pauses or downtime; default: 4 × `workload.records_per_second`",
    ),
    key(
        "workload.threads",
        Kind::Int {
            min: 1,
            max: 100_000,
        },
        Some("4"),
        "threads that allocate (task slots and I/O threads)",
    ),
    key(
        "workload.rate.profile",
        Kind::Enum(&["constant", "steps", "daily", "replay"]),
        Some("constant"),
        "shape of the record rate over time",
    ),
    key(
        "workload.rate.steps",
        Kind::Tables(STEP_FIELDS),
        None,
        "for `steps`: a list of `{ at = \"1h\", multiplier = 2.0 }`",
    ),
    key(
        "workload.rate.daily_peak",
        Kind::Duration,
        Some("14h"),
        "for `daily`: time of day of the peak (the run starts at midnight)",
    ),
    key(
        "workload.rate.daily_trough",
        FRACTION,
        Some("0.3"),
        "for `daily`: rate at the trough as a share of the peak",
    ),
    key(
        "workload.rate.replay_file",
        Kind::Text,
        None,
        "for `replay`: a CSV file of `time_s,records_per_second` rows (path relative to the scenario file), interpolated linearly; the rate is held at its last value after the end",
    ),
    key(
        "workload.rate.replay_resolution",
        Kind::Duration,
        Some("1s"),
        "for `replay`: how often the interpolated rate is updated",
    ),
    key(
        "workload.rate.replay_scale",
        POSITIVE,
        Some("1.0"),
        "for `replay`: multiplier of the replayed rates (`workload.records_per_second` is not used; the catch-up capacity defaults to 4 × the replay's mean)",
    ),
    key(
        "workload.rate.replay_repeat",
        Kind::Bool,
        Some("false"),
        "for `replay`: start the series over when it ends (its last time is the period)",
    ),
    key(
        "workload.bursts.mean_interval",
        Kind::Duration,
        None,
        "mean time between random bursts (none when unset)",
    ),
    key(
        "workload.bursts.mean_duration",
        Kind::Duration,
        Some("30s"),
        "mean length of a burst",
    ),
    key(
        "workload.bursts.multiplier",
        POSITIVE,
        Some("2.0"),
        "record rate during a burst, as a multiple",
    ),
    key(
        "workload.objects.size_distribution",
        Kind::Enum(&["fixed", "lognormal"]),
        Some("lognormal"),
        "distribution of small object sizes",
    ),
    key(
        "workload.objects.median_bytes",
        Kind::Float {
            min: 16.0,
            max: 84_999.0,
        },
        Some("200"),
        "median small object size (or the size for `fixed`), bytes",
    ),
    key(
        "workload.objects.sigma",
        Kind::Float { min: 0.0, max: 5.0 },
        Some("1.0"),
        "standard deviation of ln(size) of small objects",
    ),
    key(
        "workload.objects.large_fraction",
        FRACTION,
        Some("0"),
        "share of allocated bytes in large objects (85,000 bytes or more: the LOH)",
    ),
    key(
        "workload.objects.large_median",
        Kind::Bytes,
        Some("256Ki"),
        "median size of the large objects",
    ),
    key(
        "workload.objects.large_sigma",
        Kind::Float { min: 0.0, max: 5.0 },
        Some("1.0"),
        "standard deviation of ln(size) of large objects",
    ),
    key(
        "workload.objects.large_written",
        FRACTION,
        Some("1"),
        "share of each large object the application writes (a pooled 1 MiB buffer filled with 16 KiB: `0.016`); the pages of a large object placed on fresh memory that are never written stay out of RSS",
    ),
    key(
        "workload.lifetimes",
        Kind::Tables(LIFETIME_FIELDS),
        None,
        "how the allocated bytes die: a list of `{ fraction = 0.05, mean = \"500ms\" }`, `{ fraction = 0.01, mean_allocated = \"64Mi\" }` or `{ fraction = 0.001, long_lived = true }`; the rest dies young",
    ),
    // state
    key(
        "state.backend",
        Kind::Enum(&["none", "heap", "rocksdb"]),
        Some("none"),
        "where keyed state lives: on the .NET heap, or off heap in a RocksDB-like store",
    ),
    key(
        "state.initial",
        Kind::Bytes,
        None,
        "state present at start (restored from a checkpoint)",
    ),
    key(
        "state.key_bytes",
        Kind::ByteCount,
        Some("1024"),
        "state bytes per key",
    ),
    key(
        "state.entry_size_bytes",
        Kind::Float {
            min: 16.0,
            max: 1e9,
        },
        Some("256"),
        "median size of one state object on the heap, bytes",
    ),
    key(
        "state.entry_size_sigma",
        Kind::Float { min: 0.0, max: 5.0 },
        Some("0"),
        "spread of the state object sizes: standard deviation of ln(size) around `state.entry_size_bytes` (0: all the same size); objects of 85,000 bytes or more go to the LOH",
    ),
    key(
        "state.new_keys_per_record",
        FRACTION,
        Some("0"),
        "share of records that bring a new key",
    ),
    key(
        "state.new_keys_per_second",
        POSITIVE,
        Some("0"),
        "new keys per second, besides those brought by records",
    ),
    key(
        "state.max_keys",
        POSITIVE,
        None,
        "key cardinality: the state stops growing at this many keys",
    ),
    key(
        "state.ttl",
        Kind::Duration,
        None,
        "state time-to-live: entries expire this long after they were written",
    ),
    key(
        "state.updates_per_record",
        POSITIVE,
        Some("0"),
        "existing entries rewritten per record (the old copies become garbage)",
    ),
    key(
        "state.rocksdb.write_buffer",
        Kind::Bytes,
        Some("64Mi"),
        "size of one memtable",
    ),
    key(
        "state.rocksdb.write_buffers",
        Kind::Int { min: 1, max: 64 },
        Some("2"),
        "memtables per store",
    ),
    key(
        "state.rocksdb.block_cache",
        Kind::Bytes,
        Some("256Mi"),
        "block cache capacity; with `memory.budget = \"flink\"` Flink's managed memory minus the write buffers unless set",
    ),
    key(
        "state.rocksdb.hot_fraction",
        FRACTION,
        Some("0.2"),
        "share of the data the block cache would hold if unbounded",
    ),
    key(
        "state.rocksdb.index_fraction",
        FRACTION,
        Some("0.01"),
        "index and filter blocks as a share of the data",
    ),
    key(
        "state.rocksdb.flush_rate",
        Kind::Bytes,
        Some("64Mi"),
        "bytes per second a full memtable is flushed to disk (one flush at a time); a flushing memtable stays in memory",
    ),
    key(
        "state.rocksdb.allocator_overhead",
        Kind::Float { min: 1.0, max: 4.0 },
        Some("1.1"),
        "native allocator overhead (resident bytes per byte requested)",
    ),
    // job
    key(
        "job.parallelism",
        Kind::Int { min: 1, max: 32768 },
        Some("1"),
        "parallelism of the vertices that set none (Flink's `parallelism.default`)",
    ),
    key(
        "job.vertices",
        Kind::Tables(VERTEX_FIELDS),
        None,
        "the job's vertices in topological order, sources first: a list of `{ name = \"source\", parallelism = 4 }`; with them the network-buffer check runs and gives `network.required_buffers`",
    ),
    key(
        "job.edges",
        Kind::Tables(EDGE_FIELDS),
        None,
        "the job's edges: a list of `{ from = \"source\", to = \"window\", exchange = \"hash\" }`",
    ),
    // network
    key(
        "network.pool",
        Kind::Bytes,
        Some("64Mi"),
        "network memory: the pool of network buffers; with `memory.budget = \"flink\"` Flink's network memory unless set",
    ),
    key(
        "network.segment",
        Kind::Bytes,
        Some("32Ki"),
        "size of one network buffer; with `memory.budget = \"flink\"` Flink's `taskmanager.memory.segment-size` unless set",
    ),
    key(
        "network.required_buffers",
        Kind::Int {
            min: 0,
            max: i64::MAX,
        },
        Some("0"),
        "buffers the deployed tasks require at start; when `job.vertices` are described, Flink's network-buffer check gives them unless set",
    ),
    key(
        "network.sent_bytes_per_record",
        Kind::ByteCount,
        Some("1024"),
        "bytes sent over the network per input record",
    ),
    key(
        "network.round_trip",
        Kind::Duration,
        Some("1ms"),
        "time a buffer takes to reach the receiver and come back",
    ),
    key(
        "network.receiver_capacity",
        POSITIVE,
        None,
        "records per second the consuming tasks take when the load is even (default: they keep up); above it the producer is backpressured",
    ),
    key(
        "network.skew",
        Kind::Float { min: 1.0, max: 1e6 },
        Some("1.0"),
        "load of the hottest consumer relative to an even share (1: even); it saturates at `network.receiver_capacity / network.skew`",
    ),
    key(
        "network.max_buffers_per_channel",
        Kind::Int {
            min: 1,
            max: 100_000,
        },
        Some("10"),
        "most buffers one subpartition may queue (Flink's `taskmanager.network.memory.max-buffers-per-channel`)",
    ),
    key(
        "network.placement",
        Kind::Enum(&["offheap", "heap"]),
        Some("offheap"),
        "where the buffers live: native memory (RSS only), or pinned `byte[]` of one segment on the managed heap",
    ),
    key(
        "network.allocation",
        Kind::Enum(&["lazy", "eager"]),
        Some("lazy"),
        "when the pool's buffers are allocated: `lazy`, as they are first used (resident memory follows the most buffers ever in use), or `eager`, all at start as Flink does (the whole pool is resident)",
    ),
    // jobmanager
    key(
        "jobmanager.jobs",
        Kind::Int {
            min: 0,
            max: 100_000,
        },
        Some("1"),
        "copies of the job described in `job.vertices` and `job.edges` that a JobManager runs (with `scenario.process = \"jobmanager\"`)",
    ),
    key(
        "jobmanager.submit_interval",
        Kind::Duration,
        Some("1m"),
        "time between two job submissions (the first at the start)",
    ),
    key(
        "jobmanager.job_duration",
        Kind::Duration,
        None,
        "how long each job runs before it ends and its metadata is dropped (default: to the end of the run)",
    ),
    key(
        "jobmanager.vertex_bytes",
        Kind::ByteCount,
        Some("65536"),
        "heap bytes per job vertex (job vertex, execution job vertex, serialized operator configuration)",
    ),
    key(
        "jobmanager.subtask_bytes",
        Kind::ByteCount,
        Some("12288"),
        "heap bytes per subtask (execution vertex, current attempt, its history)",
    ),
    key(
        "jobmanager.edge_end_bytes",
        Kind::ByteCount,
        Some("1024"),
        "heap bytes per subtask at each end of an edge (result partition, consumed partition group)",
    ),
    key(
        "jobmanager.checkpoint_bytes_per_subtask",
        Kind::ByteCount,
        Some("2048"),
        "metadata of one completed checkpoint per subtask (its state handles), bytes",
    ),
    key(
        "jobmanager.rest.requests_per_second",
        POSITIVE,
        Some("2"),
        "REST requests per second (web UI, CLI, monitoring)",
    ),
    key(
        "jobmanager.rest.response_bytes",
        Kind::ByteCount,
        Some("16384"),
        "bytes allocated per REST request besides the per-subtask part",
    ),
    key(
        "jobmanager.rest.bytes_per_subtask",
        Kind::ByteCount,
        Some("512"),
        "bytes allocated per REST request for each subtask of a running job (job details list every subtask)",
    ),
    key(
        "jobmanager.taskmanagers",
        Kind::Int {
            min: 0,
            max: 100_000,
        },
        Some("1"),
        "TaskManagers sending heartbeats",
    ),
    key(
        "jobmanager.heartbeat_interval",
        Kind::Duration,
        Some("10s"),
        "time between heartbeats (Flink's `heartbeat.interval`)",
    ),
    key(
        "jobmanager.heartbeat_bytes",
        Kind::ByteCount,
        Some("8192"),
        "bytes allocated per heartbeat (request and response, with the slot report)",
    ),
];

/// One key of the `[plan]` section (read by `memsim plan`, not by the simulation): how its value
/// is written, its default and its meaning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanKeyDef {
    /// Key inside `[plan]` (`oom_risk`), or `also.<KEY>` for the `[plan.also]` table.
    pub key: &'static str,
    /// How the value is written (and so its unit).
    pub value: &'static str,
    /// Default (`None`: off unless given).
    pub default: Option<&'static str>,
    /// What it means.
    pub doc: &'static str,
}

const fn plan_key(
    key: &'static str,
    value: &'static str,
    default: Option<&'static str>,
    doc: &'static str,
) -> PlanKeyDef {
    PlanKeyDef {
        key,
        value,
        default,
        doc,
    }
}

/// The `[plan]` keys: the SLOs a recommended limit must meet, then the search's options.
pub const PLAN_KEYS: &[PlanKeyDef] = &[
    plan_key(
        "oom_risk",
        "probability (`0.01` or `\"1%\"`)",
        Some("1%"),
        "SLO: highest P(OOM kill or managed OutOfMemoryException within `scenario.duration`), judged on the upper end of its Wilson 95% interval (`--slo oom_risk=…`)",
    ),
    plan_key(
        "gc_time_pct",
        "percent (`5` or `\"5%\"`)",
        Some("5"),
        "SLO: highest mean share of running time paused by the GC, judged on the upper end of its t 95% interval",
    ),
    plan_key(
        "p99_pause",
        "duration",
        None,
        "SLO: highest mean of the runs' 99th-percentile GC pause, judged on the upper end of its t 95% interval",
    ),
    plan_key(
        "headroom",
        "share (`0.9` or `\"90%\"`)",
        None,
        "SLO: highest 95th percentile of the runs' peak resident memory, as a share of the limit",
    ),
    plan_key(
        "step",
        "size",
        Some("64Mi"),
        "granularity of the recommended limit (`--step`)",
    ),
    plan_key(
        "min",
        "size",
        None,
        "smallest limit tried (default: one step)",
    ),
    plan_key(
        "max",
        "size",
        None,
        "largest limit tried (default: `machine.node_memory`); if it fails the plan ends with exit code 2",
    ),
    plan_key(
        "start",
        "size",
        None,
        "first limit tried (default: 25% above the peak of a probe run at the generous limit)",
    ),
    plan_key(
        "replications",
        "integer ≥ 2",
        Some("20"),
        "runs of a limit while screening it (each replication has its own seed, the same at every limit)",
    ),
    plan_key(
        "max_replications",
        "integer ≥ 2",
        Some("400"),
        "most runs of one limit before it is decided (an undecided limit fails)",
    ),
    plan_key(
        "observe",
        "size",
        None,
        "the generous limit of the probe run and of the heuristics' metrics history (default: twice the scenario's limit, at most `max`)",
    ),
    plan_key(
        "scrape",
        "duration",
        Some("30s"),
        "interval at which the simulated metrics scraper reads resident memory for the heuristics (`--scrape`)",
    ),
    plan_key(
        "history",
        "duration",
        Some("24h"),
        "simulated metrics history the heuristics learn from (whole runs of the scenario, seeds of their own)",
    ),
    plan_key(
        "warmup",
        "duration",
        None,
        "resident memory before this is left out of the recommended request (default: 10% of the run, at most 15m)",
    ),
    plan_key(
        "price_per_gib_hour",
        "number ≥ 0",
        None,
        "price of one GiB of memory for one hour: the recommendation's cost (`--price-per-gib-hour`)",
    ),
    plan_key(
        "seed",
        "integer ≥ 0",
        None,
        "seed every run's seed derives from (default: `scenario.seed`)",
    ),
    plan_key(
        "compare",
        "`true` / `false`",
        Some("true"),
        "compare with the VPA-style (p90 + 15%), KRR-style (max + 15%) and operator-style (max + 20%) limits",
    ),
    plan_key(
        "also",
        "list of keys",
        None,
        "word and boolean keys searched besides the limit over all their values, such as `[\"gc.mode\"]` (`--also`); the best combination is recommended",
    ),
    plan_key(
        "also.<KEY>",
        "list of values, or `\"all\"`",
        None,
        "in a `[plan.also]` table: the values searched for a key (`\"flink.taskmanager.memory.managed.fraction\" = [0.1, 0.4]`)",
    ),
];

/// Looks a key up.
pub fn lookup(key: &str) -> Option<&'static KeyDef> {
    KEYS.iter().find(|k| k.key == key)
}

/// Whether `prefix` names a section (a table) of the schema, e.g. `pod.limits`.
pub fn is_section(prefix: &str) -> bool {
    let p = format!("{prefix}.");
    KEYS.iter().any(|k| k.key.starts_with(&p))
}

/// Edit distance between two strings (for "did you mean").
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The valid key closest to `key`: the same section's keys first, then all keys.
pub fn closest(key: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|k| (edit_distance(key, k.key), k.key))
        .min()
        .map(|(_, k)| k)
}

impl Kind {
    /// How a value of this kind is written, with its unit, for the scenario reference.
    pub fn describe(&self) -> String {
        match self {
            Kind::Bytes => "size".into(),
            Kind::BytesOrUnbounded => "size or `unbounded`".into(),
            Kind::ByteCount => "bytes (number)".into(),
            Kind::Duration => "duration".into(),
            Kind::Float { min, max } => match (*min, *max) {
                (lo, hi) if lo == 0.0 && hi == 1.0 => "fraction 0–1".into(),
                (lo, hi) if hi == f64::MAX => format!("number ≥ {lo}"),
                (lo, hi) => format!("number {lo}–{hi}"),
            },
            Kind::Int { min, max } => {
                if *max == i64::MAX {
                    format!("integer ≥ {min}")
                } else {
                    format!("integer {min}–{max}")
                }
            }
            Kind::Bool => "`true` / `false`".into(),
            Kind::Enum(words) => words
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(" / "),
            Kind::Text => "text".into(),
            Kind::Tables(_) => "array of tables".into(),
        }
    }
}

/// The scenario reference as Markdown: one table per section with every key, how its value is
/// written (and so its unit), its default and what it means; array-of-tables keys list their
/// fields below the table.
pub fn reference_markdown() -> String {
    let mut out = String::new();
    let mut section = "";
    let mut nested: Vec<(&str, &[Field])> = Vec::new();
    let flush = |out: &mut String, nested: &mut Vec<(&str, &[Field])>| {
        for (k, fields) in nested.drain(..) {
            out.push_str(&format!("\nEach entry of `{k}`:\n\n| field | value | required | meaning |\n|---|---|---|---|\n"));
            for f in fields {
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    f.name,
                    f.kind.describe(),
                    if f.required { "yes" } else { "no" },
                    f.doc.replace('|', "\\|")
                ));
            }
        }
    };
    for k in KEYS {
        let s = k.key.split('.').next().unwrap_or("");
        if s != section {
            flush(&mut out, &mut nested);
            section = s;
            out.push_str(&format!(
                "\n#### `[{s}]`\n\n| key | value | default | meaning |\n|---|---|---|---|\n"
            ));
        }
        if let Kind::Tables(fields) = k.kind {
            nested.push((k.key, fields));
        }
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            k.key,
            k.kind.describe(),
            match k.default {
                None => "—".to_string(),
                Some("") => "`\"\"`".to_string(),
                Some(d) => format!("`{d}`"),
            },
            k.doc.replace('|', "\\|")
        ));
    }
    flush(&mut out, &mut nested);
    out.push_str(
        "\n#### `[plan]`\n\nRead by `memsim plan` only; the command line's `--slo KEY=VALUE` and options win.\n\n| key | value | default | meaning |\n|---|---|---|---|\n",
    );
    for k in PLAN_KEYS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            k.key,
            k.value,
            k.default.map_or("—".to_string(), |d| format!("`{d}`")),
            k.doc.replace('|', "\\|")
        ));
    }
    out.trim_start().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_sorted_within_sections_and_documented() {
        let mut seen = std::collections::BTreeSet::new();
        for k in KEYS {
            assert!(seen.insert(k.key), "duplicate key {}", k.key);
            assert!(!k.doc.is_empty(), "{} has no doc", k.key);
            assert!(k.key.contains('.'), "{} has no section", k.key);
        }
    }

    #[test]
    fn closest_key_suggests_the_intended_one() {
        assert_eq!(closest("pod.limit.memory"), Some("pod.limits.memory"));
        assert_eq!(
            closest("workload.record_per_second"),
            Some("workload.records_per_second")
        );
        assert!(is_section("pod.limits") && !is_section("pod.limits.memory"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
