//! Apache Flink's TaskManager and JobManager memory derivation (all sizes in bytes), reproducing
//! Flink's arithmetic exactly: fractions are `float` options widened to `double`, products go
//! through `BigDecimal.valueOf(double)` and are truncated, sums are Java `long` additions.
//!
//! The three entry paths follow Flink's `ProcessMemoryUtils.memoryProcessSpecFromConfig`:
//! 1. **fine-grained**: the required fine-grained options are set (TaskManager: task heap *and*
//!    managed memory; JobManager: JVM heap); Total Flink memory is their sum, then JVM Metaspace
//!    and Overhead are added;
//! 2. **total Flink**: `*.memory.flink.size` is set; it is split into its components, then
//!    Metaspace and Overhead are added;
//! 3. **total process**: `*.memory.process.size` is set; Metaspace and the Overhead fraction are
//!    taken off first and the rest is split as in 2.
//!
//! Failures are [`BudgetError`]s whose `Display` is Flink's own exception message. Flink's INFO
//! and WARN log lines about the derivation ("The derived from fraction … is less than its min
//! value …") are returned as notes by the `*_with_notes` functions.
//!
//! The messages and rules follow the newest Flink releases (1.20 / 2.x); see the notes on each
//! item where older releases differ.

use thiserror::Error;

use super::memory_size::{self, ArithmeticFailure, MAX_BYTES, human_readable, java_double_string};

/// Flink's default sizes and fractions for the TaskManager memory options.
pub mod tm_defaults {
    /// `taskmanager.memory.framework.heap.size`: 128 MiB.
    pub const FRAMEWORK_HEAP: u64 = 128 << 20;
    /// `taskmanager.memory.framework.off-heap.size`: 128 MiB.
    pub const FRAMEWORK_OFF_HEAP: u64 = 128 << 20;
    /// `taskmanager.memory.task.off-heap.size`: 0 bytes.
    pub const TASK_OFF_HEAP: u64 = 0;
    /// `taskmanager.memory.managed.fraction`: 0.4 (a `float`).
    pub const MANAGED_FRACTION: f32 = 0.4;
    /// `taskmanager.memory.network.min`: 64 MiB.
    pub const NETWORK_MIN: u64 = 64 << 20;
    /// `taskmanager.memory.network.max`: `Long.MAX_VALUE` bytes ("infinite"); releases before
    /// 1.15 used 1 GiB.
    pub const NETWORK_MAX: u64 = super::MAX_BYTES;
    /// `taskmanager.memory.network.fraction`: 0.1 (a `float`).
    pub const NETWORK_FRACTION: f32 = 0.1;
    /// `taskmanager.memory.jvm-metaspace.size`: 256 MiB.
    pub const JVM_METASPACE: u64 = 256 << 20;
    /// `taskmanager.memory.jvm-overhead.min`: 192 MiB.
    pub const JVM_OVERHEAD_MIN: u64 = 192 << 20;
    /// `taskmanager.memory.jvm-overhead.max`: 1 GiB.
    pub const JVM_OVERHEAD_MAX: u64 = 1 << 30;
    /// `taskmanager.memory.jvm-overhead.fraction`: 0.1 (a `float`).
    pub const JVM_OVERHEAD_FRACTION: f32 = 0.1;
    /// `taskmanager.memory.segment-size`: 32 KiB, the size of one network buffer.
    pub const SEGMENT_SIZE: u64 = 32 << 10;
    /// `taskmanager.numberOfTaskSlots`: 1.
    pub const NUMBER_OF_TASK_SLOTS: u32 = 1;
}

/// Flink's default sizes and fractions for the JobManager memory options.
pub mod jm_defaults {
    /// `jobmanager.memory.off-heap.size`: 128 MiB.
    pub const OFF_HEAP: u64 = 128 << 20;
    /// `jobmanager.memory.jvm-metaspace.size`: 256 MiB.
    pub const JVM_METASPACE: u64 = 256 << 20;
    /// `jobmanager.memory.jvm-overhead.min`: 192 MiB.
    pub const JVM_OVERHEAD_MIN: u64 = 192 << 20;
    /// `jobmanager.memory.jvm-overhead.max`: 1 GiB.
    pub const JVM_OVERHEAD_MAX: u64 = 1 << 30;
    /// `jobmanager.memory.jvm-overhead.fraction`: 0.1 (a `float`).
    pub const JVM_OVERHEAD_FRACTION: f32 = 0.1;
    /// `JobManagerOptions.MIN_JVM_HEAP_SIZE`: 128 MiB; a smaller heap only logs a warning.
    pub const MIN_JVM_HEAP: u64 = 128 << 20;
}

/// Smallest network buffer (memory segment) Flink accepts: `MemoryManager.MIN_PAGE_SIZE`, 4 KiB.
pub const MIN_SEGMENT_SIZE: u64 = 4096;

/// The TaskManager memory options as configured. `None` means "not set" (Flink's
/// `config.contains(option) == false`), which matters: several rules depend on whether an option
/// was set explicitly, not only on its value. Sizes are bytes, fractions are Flink's `float`s.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskManagerMemoryOptions {
    /// `taskmanager.memory.process.size`: Total Process memory, bytes.
    pub process_size: Option<u64>,
    /// `taskmanager.memory.flink.size`: Total Flink memory, bytes.
    pub flink_size: Option<u64>,
    /// `taskmanager.memory.framework.heap.size`: framework heap, bytes (default 128 MiB).
    pub framework_heap: Option<u64>,
    /// `taskmanager.memory.task.heap.size`: task heap, bytes (default: the remainder).
    pub task_heap: Option<u64>,
    /// `taskmanager.memory.framework.off-heap.size`: framework off-heap, bytes (default 128 MiB).
    pub framework_off_heap: Option<u64>,
    /// `taskmanager.memory.task.off-heap.size`: task off-heap, bytes (default 0).
    pub task_off_heap: Option<u64>,
    /// `taskmanager.memory.managed.size`: managed memory, bytes (default: from the fraction).
    pub managed_size: Option<u64>,
    /// `taskmanager.memory.managed.fraction`: managed share of Total Flink (default 0.4).
    pub managed_fraction: Option<f32>,
    /// `taskmanager.memory.network.min`: bytes (default 64 MiB).
    pub network_min: Option<u64>,
    /// `taskmanager.memory.network.max`: bytes (default `Long.MAX_VALUE`).
    pub network_max: Option<u64>,
    /// `taskmanager.memory.network.fraction`: network share of Total Flink (default 0.1).
    pub network_fraction: Option<f32>,
    /// `taskmanager.memory.jvm-metaspace.size`: bytes (default 256 MiB).
    pub jvm_metaspace: Option<u64>,
    /// `taskmanager.memory.jvm-overhead.min`: bytes (default 192 MiB).
    pub jvm_overhead_min: Option<u64>,
    /// `taskmanager.memory.jvm-overhead.max`: bytes (default 1 GiB).
    pub jvm_overhead_max: Option<u64>,
    /// `taskmanager.memory.jvm-overhead.fraction`: overhead share of Total Process (default 0.1).
    pub jvm_overhead_fraction: Option<f32>,
    /// `taskmanager.memory.segment-size`: network buffer size, bytes (default 32 KiB).
    pub segment_size: Option<u64>,
    /// Legacy `taskmanager.network.numberOfBuffers`: network memory = buffers × segment size, used
    /// only if none of network min/max/fraction is set.
    pub legacy_network_buffers: Option<u32>,
}

/// The JobManager memory options as configured; `None` means "not set". Sizes are bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobManagerMemoryOptions {
    /// `jobmanager.memory.process.size`: Total Process memory, bytes.
    pub process_size: Option<u64>,
    /// `jobmanager.memory.flink.size`: Total Flink memory (heap + off-heap), bytes.
    pub flink_size: Option<u64>,
    /// `jobmanager.memory.heap.size`: JVM heap, bytes (the only fine-grained option).
    pub heap: Option<u64>,
    /// `jobmanager.memory.off-heap.size`: off-heap (direct and native), bytes (default 128 MiB).
    pub off_heap: Option<u64>,
    /// `jobmanager.memory.jvm-metaspace.size`: bytes (default 256 MiB).
    pub jvm_metaspace: Option<u64>,
    /// `jobmanager.memory.jvm-overhead.min`: bytes (default 192 MiB).
    pub jvm_overhead_min: Option<u64>,
    /// `jobmanager.memory.jvm-overhead.max`: bytes (default 1 GiB).
    pub jvm_overhead_max: Option<u64>,
    /// `jobmanager.memory.jvm-overhead.fraction`: overhead share of Total Process (default 0.1).
    pub jvm_overhead_fraction: Option<f32>,
    /// `jobmanager.memory.enable-jvm-direct-memory-limit`: whether `-XX:MaxDirectMemorySize` is
    /// set to the off-heap size (default false).
    pub jvm_direct_memory_limit_enabled: Option<bool>,
}

/// A derived TaskManager memory split, in bytes (Flink's `TaskExecutorProcessSpec`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskManagerMemory {
    /// Framework heap, bytes.
    pub framework_heap: u64,
    /// Task heap, bytes.
    pub task_heap: u64,
    /// Framework off-heap (direct and native), bytes.
    pub framework_off_heap: u64,
    /// Task off-heap (direct and native), bytes.
    pub task_off_heap: u64,
    /// Network memory: the network buffer pool, bytes.
    pub network: u64,
    /// Managed memory (native; RocksDB, sorting, hashing), bytes.
    pub managed: u64,
    /// Total Flink memory: the six components above, bytes.
    pub total_flink: u64,
    /// JVM Metaspace, bytes.
    pub jvm_metaspace: u64,
    /// JVM Overhead (thread stacks, code cache, native allocations), bytes.
    pub jvm_overhead: u64,
    /// Total Process memory: Total Flink + Metaspace + Overhead, bytes.
    pub total_process: u64,
}

impl TaskManagerMemory {
    /// JVM heap (`-Xmx` = `-Xms`): framework heap + task heap, bytes.
    pub fn jvm_heap(&self) -> u64 {
        self.framework_heap + self.task_heap
    }

    /// JVM direct memory limit (`-XX:MaxDirectMemorySize`): framework off-heap + task off-heap +
    /// network, bytes. Managed memory is native memory and not part of it.
    pub fn jvm_direct(&self) -> u64 {
        self.framework_off_heap + self.task_off_heap + self.network
    }
}

/// A derived JobManager memory split, in bytes (Flink's `JobManagerProcessSpec`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobManagerMemory {
    /// JVM heap (`-Xmx` = `-Xms`), bytes.
    pub jvm_heap: u64,
    /// Off-heap memory (direct and native), bytes.
    pub off_heap: u64,
    /// Total Flink memory: heap + off-heap, bytes.
    pub total_flink: u64,
    /// JVM Metaspace, bytes.
    pub jvm_metaspace: u64,
    /// JVM Overhead, bytes.
    pub jvm_overhead: u64,
    /// Total Process memory: Total Flink + Metaspace + Overhead, bytes.
    pub total_process: u64,
    /// `-XX:MaxDirectMemorySize` in bytes: the off-heap size if the direct memory limit is
    /// enabled, otherwise `None` (no limit).
    pub jvm_direct_limit: Option<u64>,
}

/// Which Flink process a derivation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcessKind {
    /// A TaskManager (task executor).
    TaskManager,
    /// A JobManager.
    JobManager,
}

impl ProcessKind {
    /// The required fine-grained option keys joined by " and ", as Flink lists them.
    pub fn fine_grained_keys(self) -> &'static str {
        match self {
            ProcessKind::TaskManager => {
                "taskmanager.memory.task.heap.size and taskmanager.memory.managed.size"
            }
            ProcessKind::JobManager => "jobmanager.memory.heap.size",
        }
    }

    /// Flink's `ConfigOption.toString()` of the Total Flink memory option.
    pub fn flink_size_option(self) -> &'static str {
        match self {
            ProcessKind::TaskManager => {
                "Key: 'taskmanager.memory.flink.size' , default: null (fallback keys: [])"
            }
            ProcessKind::JobManager => {
                "Key: 'jobmanager.memory.flink.size' , default: null (fallback keys: [])"
            }
        }
    }

    /// Flink's `ConfigOption.toString()` of the Total Process memory option.
    pub fn process_size_option(self) -> &'static str {
        match self {
            ProcessKind::TaskManager => {
                "Key: 'taskmanager.memory.process.size' , default: null (fallback keys: [])"
            }
            ProcessKind::JobManager => {
                "Key: 'jobmanager.memory.process.size' , default: null (fallback keys: [])"
            }
        }
    }
}

/// A fraction option that is combined with a min and a max size (Flink's `RangeFraction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FractionOption {
    /// `taskmanager.memory.managed.fraction` (range [0, `Long.MAX_VALUE`]).
    Managed,
    /// `taskmanager.memory.network.fraction` with network min/max.
    Network,
    /// `taskmanager.memory.jvm-overhead.fraction` with overhead min/max.
    TaskManagerJvmOverhead,
    /// `jobmanager.memory.jvm-overhead.fraction` with overhead min/max.
    JobManagerJvmOverhead,
}

impl FractionOption {
    /// The option key.
    pub fn key(self) -> &'static str {
        match self {
            FractionOption::Managed => "taskmanager.memory.managed.fraction",
            FractionOption::Network => "taskmanager.memory.network.fraction",
            FractionOption::TaskManagerJvmOverhead => "taskmanager.memory.jvm-overhead.fraction",
            FractionOption::JobManagerJvmOverhead => "jobmanager.memory.jvm-overhead.fraction",
        }
    }

    /// Flink's `ConfigOption.toString()` of the option, as printed in its error messages.
    pub fn config_option_text(self) -> &'static str {
        match self {
            FractionOption::Managed => {
                "Key: 'taskmanager.memory.managed.fraction' , default: 0.4 (fallback keys: [])"
            }
            FractionOption::Network => {
                "Key: 'taskmanager.memory.network.fraction' , default: 0.1 (fallback keys: \
                 [{key=taskmanager.network.memory.fraction, isDeprecated=true}])"
            }
            FractionOption::TaskManagerJvmOverhead => {
                "Key: 'taskmanager.memory.jvm-overhead.fraction' , default: 0.1 (fallback keys: [])"
            }
            FractionOption::JobManagerJvmOverhead => {
                "Key: 'jobmanager.memory.jvm-overhead.fraction' , default: 0.1 (fallback keys: [])"
            }
        }
    }
}

/// Why a fraction and its min/max are inconsistent (Flink's `RangeFraction` preconditions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum RangeFractionProblem {
    /// The min size is larger than the max size.
    #[error("min value must be less or equal to max value")]
    MinAboveMax,
    /// The fraction is negative, not below 1, or not a number.
    #[error("fraction must be in range [0, 1)")]
    FractionOutOfRange,
}

/// A memory configuration that Flink rejects. `Display` is Flink's exception message, sizes
/// formatted as `MemorySize.toHumanReadableString()` (e.g. `3.000gb (3221225472 bytes)`).
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum BudgetError {
    /// None of the three entry paths is configured.
    #[error(
        "Either required fine-grained memory ({}), or Total Flink Memory size ({}), or Total \
         Process Memory size ({}) need to be configured explicitly.",
        .process.fine_grained_keys(),
        .process.flink_size_option(),
        .process.process_size_option()
    )]
    NotConfigured {
        /// The process being derived.
        process: ProcessKind,
    },

    /// A fraction and its min/max sizes are inconsistent (min > max, or fraction not in [0, 1)).
    #[error(
        "Inconsistently configured {} ({}) and its min ({}), max ({}) value",
        .option.config_option_text(),
        java_double_string(*.fraction),
        human_readable(*.min),
        human_readable(*.max)
    )]
    InconsistentRangeFraction {
        /// The fraction option.
        option: FractionOption,
        /// The fraction, widened from `float` to `double` as Flink does.
        fraction: f64,
        /// The min size, bytes.
        min: u64,
        /// The max size, bytes.
        max: u64,
        /// Which precondition failed.
        #[source]
        problem: RangeFractionProblem,
    },

    /// Total Process memory cannot hold the Metaspace and the Overhead derived from it.
    #[error(
        "Sum of configured JVM Metaspace ({}) and JVM Overhead ({}) exceed configured Total \
         Process Memory ({}).",
        human_readable(*.metaspace),
        human_readable(*.overhead),
        human_readable(*.process)
    )]
    MetaspaceAndOverheadExceedProcess {
        /// JVM Metaspace, bytes.
        metaspace: u64,
        /// JVM Overhead, bytes.
        overhead: u64,
        /// Configured Total Process memory, bytes.
        process: u64,
    },

    /// Total Process memory is smaller than Total Flink memory plus Metaspace. (Flink's message
    /// has two spaces before the last size.)
    #[error(
        "The configured Total Process Memory size ({}) is less than the sum of the derived Total \
         Flink Memory size ({}) and the configured or default JVM Metaspace size  ({}).",
        human_readable(*.process),
        human_readable(*.flink),
        human_readable(*.metaspace)
    )]
    ProcessBelowFlinkAndMetaspace {
        /// Configured Total Process memory, bytes.
        process: u64,
        /// Derived or configured Total Flink memory, bytes.
        flink: u64,
        /// JVM Metaspace, bytes.
        metaspace: u64,
    },

    /// The Overhead left by Total Process − Total Flink − Metaspace is outside [min, max].
    #[error(
        "Derived JVM Overhead size ({}) is not in configured JVM Overhead range [{}, {}].",
        human_readable(*.overhead),
        human_readable(*.min),
        human_readable(*.max)
    )]
    OverheadOutOfRange {
        /// The derived Overhead, bytes.
        overhead: u64,
        /// Overhead min, bytes.
        min: u64,
        /// Overhead max, bytes.
        max: u64,
    },

    /// Configured and derived sizes do not add up to the configured Total Process memory.
    #[error(
        "Configured and Derived memory sizes (total {}) do not add up to the configured Total \
         Process Memory size ({}). Configured and Derived memory sizes are: Total Flink Memory \
         ({}), JVM Metaspace ({}), JVM Overhead ({}).",
        human_readable(*.derived),
        human_readable(*.configured),
        human_readable(*.flink),
        human_readable(*.metaspace),
        human_readable(*.overhead)
    )]
    ProcessSizeMismatch {
        /// Sum of the derived sizes, bytes.
        derived: u64,
        /// Configured Total Process memory, bytes.
        configured: u64,
        /// Total Flink memory, bytes.
        flink: u64,
        /// JVM Metaspace, bytes.
        metaspace: u64,
        /// JVM Overhead, bytes.
        overhead: u64,
    },

    /// TaskManager: the explicit components (with task heap) exceed Total Flink memory.
    #[error(
        "Sum of configured Framework Heap Memory ({}), Framework Off-Heap Memory ({}), Task Heap \
         Memory ({}), Task Off-Heap Memory ({}) and Managed Memory ({}) exceed configured Total \
         Flink Memory ({}).",
        human_readable(*.framework_heap),
        human_readable(*.framework_off_heap),
        human_readable(*.task_heap),
        human_readable(*.task_off_heap),
        human_readable(*.managed),
        human_readable(*.flink)
    )]
    ComponentsExceedFlink {
        /// Framework heap, bytes.
        framework_heap: u64,
        /// Framework off-heap, bytes.
        framework_off_heap: u64,
        /// Task heap, bytes.
        task_heap: u64,
        /// Task off-heap, bytes.
        task_off_heap: u64,
        /// Managed memory, bytes.
        managed: u64,
        /// Total Flink memory, bytes.
        flink: u64,
    },

    /// TaskManager: everything but the task heap (which is the remainder) exceeds Total Flink.
    #[error(
        "Sum of configured Framework Heap Memory ({}), Framework Off-Heap Memory ({}), Task \
         Off-Heap Memory ({}), Managed Memory ({}) and Network Memory ({}) exceed configured \
         Total Flink Memory ({}).",
        human_readable(*.framework_heap),
        human_readable(*.framework_off_heap),
        human_readable(*.task_off_heap),
        human_readable(*.managed),
        human_readable(*.network),
        human_readable(*.flink)
    )]
    NonTaskHeapExceedFlink {
        /// Framework heap, bytes.
        framework_heap: u64,
        /// Framework off-heap, bytes.
        framework_off_heap: u64,
        /// Task off-heap, bytes.
        task_off_heap: u64,
        /// Managed memory, bytes.
        managed: u64,
        /// Network memory, bytes.
        network: u64,
        /// Total Flink memory, bytes.
        flink: u64,
    },

    /// TaskManager: network memory is the remainder of Total Flink memory and that remainder
    /// contradicts the network configuration; `cause` says how.
    #[error(
        "If Total Flink, Task Heap and (or) Managed Memory sizes are explicitly configured then \
         the Network Memory size is the rest of the Total Flink memory after subtracting all \
         other configured types of memory, but the derived Network Memory is inconsistent with \
         its configuration."
    )]
    NetworkInconsistent {
        /// The failed network check.
        #[source]
        cause: Box<BudgetError>,
    },

    /// TaskManager: the network remainder differs from the legacy `numberOfBuffers × segment`.
    #[error(
        "Derived Network Memory size ({}) does not match configured Network Memory size ({}).",
        human_readable(*.derived),
        human_readable(*.configured)
    )]
    NetworkLegacyMismatch {
        /// The derived network memory, bytes.
        derived: u64,
        /// Legacy buffers × segment size, bytes.
        configured: u64,
    },

    /// TaskManager: the network remainder is outside [network min, network max].
    #[error(
        "Derived Network Memory size ({}) is not in configured Network Memory range [{}, {}].",
        human_readable(*.network),
        human_readable(*.min),
        human_readable(*.max)
    )]
    NetworkOutOfRange {
        /// The derived network memory, bytes.
        network: u64,
        /// Network min, bytes.
        min: u64,
        /// Network max, bytes.
        max: u64,
    },

    /// TaskManager: the components do not add up to the configured Total Flink memory.
    #[error(
        "Configured and Derived Flink internal memory sizes (total {}) do not add up to the \
         configured Total Flink Memory size ({}). Configured and Derived Flink internal memory \
         sizes are: Framework Heap Memory ({}), Framework Off-Heap Memory ({}), Task Heap Memory \
         ({}), Task Off-Heap Memory ({}), Network Memory ({}), Managed Memory ({}).",
        human_readable(.derived.total_flink),
        human_readable(*.configured),
        human_readable(.derived.framework_heap),
        human_readable(.derived.framework_off_heap),
        human_readable(.derived.task_heap),
        human_readable(.derived.task_off_heap),
        human_readable(.derived.network),
        human_readable(.derived.managed)
    )]
    FlinkSizeMismatch {
        /// The derived components (`total_flink` is their sum); the JVM fields are zero.
        derived: Box<TaskManagerMemory>,
        /// Configured Total Flink memory, bytes.
        configured: u64,
    },

    /// JobManager: heap and explicit off-heap do not add up to the configured Total Flink memory.
    #[error(
        "Sum of the configured JVM Heap Memory ({}) and the configured Off-heap Memory ({}) does \
         not match the configured Total Flink Memory ({}). Please, make the configuration \
         consistent or configure only one option: either JVM Heap or Total Flink Memory.",
        human_readable(*.heap),
        human_readable(*.off_heap),
        human_readable(*.flink)
    )]
    HeapAndOffHeapMismatchFlink {
        /// JVM heap, bytes.
        heap: u64,
        /// Off-heap, bytes.
        off_heap: u64,
        /// Total Flink memory, bytes.
        flink: u64,
    },

    /// JobManager: the heap alone exceeds the configured Total Flink memory.
    #[error(
        "The configured JVM Heap Memory ({}) exceeds the configured Total Flink Memory ({}). \
         Please, make the configuration consistent or configure only one option: either JVM Heap \
         or Total Flink Memory.",
        human_readable(*.heap),
        human_readable(*.flink)
    )]
    HeapExceedsFlink {
        /// JVM heap, bytes.
        heap: u64,
        /// Total Flink memory, bytes.
        flink: u64,
    },

    /// JobManager: Total Flink memory is not larger than the off-heap memory.
    #[error(
        "The configured Total Flink Memory ({}) is less than the configured Off-heap Memory ({}).",
        human_readable(*.flink),
        human_readable(*.off_heap)
    )]
    FlinkNotAboveOffHeap {
        /// Total Flink memory, bytes.
        flink: u64,
        /// Off-heap, bytes.
        off_heap: u64,
    },

    /// `taskmanager.memory.segment-size` is below 4 KiB or not a power of two.
    #[error(
        "Invalid configuration value for taskmanager.memory.segment-size : {bytes} - {}",
        if *.bytes < MIN_SEGMENT_SIZE {
            "Minimum memory segment size is 4096"
        } else {
            "Memory segment size must be a power of 2."
        }
    )]
    InvalidSegmentSize {
        /// The configured segment size, bytes.
        bytes: u64,
    },

    /// `taskmanager.memory.segment-size` does not fit a Java `int`.
    #[error("Cannot downcast long value {bytes} to integer.")]
    SegmentSizeTooLarge {
        /// The configured segment size, bytes.
        bytes: u64,
    },

    /// A size sum or product exceeds Java's `Long.MAX_VALUE` bytes.
    #[error("long overflow")]
    Overflow,

    /// A configured size exceeds Java's `Long.MAX_VALUE` bytes (Flink cannot represent it).
    #[error(
        "The memory size {bytes} bytes of option '{key}' cannot be represented as a 64bit number"
    )]
    SizeOutOfRange {
        /// The option key.
        key: &'static str,
        /// The configured size, bytes.
        bytes: u64,
    },
}

impl BudgetError {
    /// Whether Flink reports this failure as an `IllegalConfigurationException` (the kind that
    /// the network sanity check wraps), as opposed to an arithmetic or argument error.
    fn is_illegal_configuration(&self) -> bool {
        !matches!(
            self,
            BudgetError::Overflow
                | BudgetError::SegmentSizeTooLarge { .. }
                | BudgetError::SizeOutOfRange { .. }
        )
    }
}

impl From<ArithmeticFailure> for BudgetError {
    fn from(_: ArithmeticFailure) -> Self {
        BudgetError::Overflow
    }
}

/// Derives the TaskManager memory split from its options, as Flink's
/// `TaskExecutorProcessUtils.processSpecFromConfig` does.
pub fn derive_taskmanager(
    options: &TaskManagerMemoryOptions,
) -> Result<TaskManagerMemory, BudgetError> {
    derive_taskmanager_with_notes(options).map(|(memory, _)| memory)
}

/// Like [`derive_taskmanager`], and also returns Flink's INFO/WARN log lines about the derivation
/// (capped fractions, fraction mismatches), in the order Flink logs them.
pub fn derive_taskmanager_with_notes(
    options: &TaskManagerMemoryOptions,
) -> Result<(TaskManagerMemory, Vec<String>), BudgetError> {
    options.check_ranges()?;
    let mut notes = Vec::new();
    let jvm = options.jvm_options();
    let memory = if options.task_heap.is_some() && options.managed_size.is_some() {
        let parts = tm_from_fine_grained(options, &mut notes)?;
        let total_flink = parts.total()?;
        let (metaspace, overhead) = jvm_from_total_flink(&jvm, total_flink, &mut notes)?;
        parts.finish(metaspace, overhead)?
    } else if let Some(total_flink) = options.flink_size {
        let parts = tm_from_total_flink(options, total_flink, &mut notes)?;
        let (metaspace, overhead) = jvm_from_total_flink(&jvm, total_flink, &mut notes)?;
        parts.finish(metaspace, overhead)?
    } else if let Some(process) = options.process_size {
        let (metaspace, overhead) = jvm_from_total_process(&jvm, process, &mut notes)?;
        let total_flink = memory_size::subtract(process, memory_size::add(metaspace, overhead)?)?;
        let parts = tm_from_total_flink(options, total_flink, &mut notes)?;
        parts.finish(metaspace, overhead)?
    } else {
        return Err(BudgetError::NotConfigured {
            process: ProcessKind::TaskManager,
        });
    };
    Ok((memory, notes))
}

/// Derives the JobManager memory split from its options, as Flink's
/// `JobManagerProcessUtils.processSpecFromConfig` does.
pub fn derive_jobmanager(
    options: &JobManagerMemoryOptions,
) -> Result<JobManagerMemory, BudgetError> {
    derive_jobmanager_with_notes(options).map(|(memory, _)| memory)
}

/// Like [`derive_jobmanager`], and also returns Flink's INFO/WARN log lines about the derivation.
pub fn derive_jobmanager_with_notes(
    options: &JobManagerMemoryOptions,
) -> Result<(JobManagerMemory, Vec<String>), BudgetError> {
    options.check_ranges()?;
    let mut notes = Vec::new();
    let jvm = options.jvm_options();
    let default_off_heap = jm_defaults::OFF_HEAP;
    let (heap, off_heap, metaspace, overhead) = if let Some(heap) = options.heap {
        let mut off_heap = options.off_heap.unwrap_or(default_off_heap);
        if let Some(flink) = options.flink_size {
            if options.off_heap.is_some() {
                if memory_size::add(heap, off_heap)? != flink {
                    return Err(BudgetError::HeapAndOffHeapMismatchFlink {
                        heap,
                        off_heap,
                        flink,
                    });
                }
            } else {
                if flink < heap {
                    return Err(BudgetError::HeapExceedsFlink { heap, flink });
                }
                off_heap = flink - heap;
                if off_heap != default_off_heap {
                    notes.push(format!(
                        "The Off-Heap Memory size ({}) is derived the configured Total Flink \
                         Memory size ({}) minus the configured JVM Heap Memory size ({}). The \
                         default Off-Heap Memory size ({}) is ignored.",
                        human_readable(off_heap),
                        human_readable(flink),
                        human_readable(heap),
                        human_readable(default_off_heap)
                    ));
                }
            }
        }
        jm_check_heap(heap, &mut notes);
        let total_flink = memory_size::add(heap, off_heap)?;
        let (metaspace, overhead) = jvm_from_total_flink(&jvm, total_flink, &mut notes)?;
        (heap, off_heap, metaspace, overhead)
    } else if let Some(flink) = options.flink_size {
        let (heap, off_heap) = jm_from_total_flink(options, flink, &mut notes)?;
        let (metaspace, overhead) = jvm_from_total_flink(&jvm, flink, &mut notes)?;
        (heap, off_heap, metaspace, overhead)
    } else if let Some(process) = options.process_size {
        let (metaspace, overhead) = jvm_from_total_process(&jvm, process, &mut notes)?;
        let flink = memory_size::subtract(process, memory_size::add(metaspace, overhead)?)?;
        let (heap, off_heap) = jm_from_total_flink(options, flink, &mut notes)?;
        (heap, off_heap, metaspace, overhead)
    } else {
        return Err(BudgetError::NotConfigured {
            process: ProcessKind::JobManager,
        });
    };
    let total_flink = memory_size::add(heap, off_heap)?;
    let total_process = memory_size::add(memory_size::add(total_flink, metaspace)?, overhead)?;
    let memory = JobManagerMemory {
        jvm_heap: heap,
        off_heap,
        total_flink,
        jvm_metaspace: metaspace,
        jvm_overhead: overhead,
        total_process,
        jvm_direct_limit: options
            .jvm_direct_memory_limit_enabled
            .unwrap_or(false)
            .then_some(off_heap),
    };
    Ok((memory, notes))
}

/// Checks a network buffer (memory segment) size as Flink's `ConfigurationParserUtils.getPageSize`
/// does: it must fit a Java `int`, be at least 4096 bytes and be a power of two. Returns it.
pub fn validate_segment_size(bytes: u64) -> Result<u64, BudgetError> {
    if bytes > i32::MAX as u64 {
        return Err(BudgetError::SegmentSizeTooLarge { bytes });
    }
    if bytes < MIN_SEGMENT_SIZE || !bytes.is_power_of_two() {
        return Err(BudgetError::InvalidSegmentSize { bytes });
    }
    Ok(bytes)
}

// ---------------------------------------------------------------------------------------------
// Shared parts: Metaspace and Overhead.
// ---------------------------------------------------------------------------------------------

/// The options of the JVM part (Metaspace, Overhead) with defaults applied.
struct JvmOptions {
    process: Option<u64>,
    metaspace: u64,
    overhead_min: u64,
    overhead_max: u64,
    overhead_fraction: f32,
    overhead_fraction_set: bool,
    fraction_option: FractionOption,
}

/// A validated fraction with its min and max (Flink's `RangeFraction`); the fraction is the
/// `float` widened to `double`.
struct RangeFraction {
    min: u64,
    max: u64,
    fraction: f64,
}

fn range_fraction(
    option: FractionOption,
    min: u64,
    max: u64,
    fraction: f32,
) -> Result<RangeFraction, BudgetError> {
    let fraction = f64::from(fraction);
    let problem = if min > max {
        Some(RangeFractionProblem::MinAboveMax)
    } else if !(0.0..1.0).contains(&fraction) {
        Some(RangeFractionProblem::FractionOutOfRange)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(BudgetError::InconsistentRangeFraction {
            option,
            fraction,
            min,
            max,
            problem,
        }),
        None => Ok(RangeFraction { min, max, fraction }),
    }
}

fn cap_to_min_max(
    description: &str,
    relative: u64,
    range: &RangeFraction,
    notes: &mut Vec<String>,
) -> u64 {
    if relative > range.max {
        notes.push(format!(
            "The derived from fraction {description} ({}) is greater than its max value {}, max \
             value will be used instead",
            human_readable(relative),
            human_readable(range.max)
        ));
        range.max
    } else if relative < range.min {
        notes.push(format!(
            "The derived from fraction {description} ({}) is less than its min value {}, min \
             value will be used instead",
            human_readable(relative),
            human_readable(range.min)
        ));
        range.min
    } else {
        relative
    }
}

/// `cap(base × fraction)`.
fn derive_with_fraction(
    description: &str,
    base: u64,
    range: &RangeFraction,
    notes: &mut Vec<String>,
) -> Result<u64, BudgetError> {
    let relative = memory_size::multiply(base, range.fraction)?;
    Ok(cap_to_min_max(description, relative, range, notes))
}

/// `cap(base × fraction / (1 − fraction))`: the size that makes up `fraction` of `base` plus
/// itself. The factor is computed in `double` arithmetic before the exact multiplication.
fn derive_with_inverse_fraction(
    description: &str,
    base: u64,
    range: &RangeFraction,
    notes: &mut Vec<String>,
) -> Result<u64, BudgetError> {
    let factor = range.fraction / (1.0 - range.fraction);
    let relative = memory_size::multiply(base, factor)?;
    Ok(cap_to_min_max(description, relative, range, notes))
}

fn overhead_range(jvm: &JvmOptions) -> Result<RangeFraction, BudgetError> {
    range_fraction(
        jvm.fraction_option,
        jvm.overhead_min,
        jvm.overhead_max,
        jvm.overhead_fraction,
    )
}

/// Metaspace and Overhead when only Total Process memory is known: Overhead is its capped
/// fraction of Total Process.
fn jvm_from_total_process(
    jvm: &JvmOptions,
    process: u64,
    notes: &mut Vec<String>,
) -> Result<(u64, u64), BudgetError> {
    let metaspace = jvm.metaspace;
    let range = overhead_range(jvm)?;
    let overhead = derive_with_fraction("jvm overhead memory", process, &range, notes)?;
    if memory_size::add(metaspace, overhead)? > process {
        return Err(BudgetError::MetaspaceAndOverheadExceedProcess {
            metaspace,
            overhead,
            process,
        });
    }
    Ok((metaspace, overhead))
}

/// Metaspace and Overhead once Total Flink memory is known: Overhead is the rest of a configured
/// Total Process memory (checked against [min, max]), or else the capped inverse fraction of
/// Total Flink + Metaspace.
fn jvm_from_total_flink(
    jvm: &JvmOptions,
    total_flink: u64,
    notes: &mut Vec<String>,
) -> Result<(u64, u64), BudgetError> {
    let metaspace = jvm.metaspace;
    let flink_and_metaspace = memory_size::add(total_flink, metaspace)?;
    let overhead = if let Some(process) = jvm.process {
        if process < flink_and_metaspace {
            return Err(BudgetError::ProcessBelowFlinkAndMetaspace {
                process,
                flink: total_flink,
                metaspace,
            });
        }
        let overhead = process - flink_and_metaspace;
        let range = overhead_range(jvm)?;
        if overhead > range.max || overhead < range.min {
            return Err(BudgetError::OverheadOutOfRange {
                overhead,
                min: range.min,
                max: range.max,
            });
        }
        if jvm.overhead_fraction_set && overhead != memory_size::multiply(process, range.fraction)?
        {
            notes.push(format!(
                "The derived JVM Overhead size ({}) does not match the configured or default JVM \
                 Overhead fraction ({}) from the configured Total Process Memory size ({}). The \
                 derived JVM OVerhead size will be used.",
                human_readable(overhead),
                java_double_string(range.fraction),
                human_readable(process)
            ));
        }
        overhead
    } else {
        let range = overhead_range(jvm)?;
        derive_with_inverse_fraction("jvm overhead memory", flink_and_metaspace, &range, notes)?
    };
    Ok((metaspace, overhead))
}

// ---------------------------------------------------------------------------------------------
// TaskManager: the Flink-level split.
// ---------------------------------------------------------------------------------------------

/// The six Total Flink components of a TaskManager.
struct TmParts {
    framework_heap: u64,
    framework_off_heap: u64,
    task_heap: u64,
    task_off_heap: u64,
    network: u64,
    managed: u64,
}

impl TmParts {
    fn total(&self) -> Result<u64, BudgetError> {
        let mut sum = 0;
        for part in [
            self.framework_heap,
            self.framework_off_heap,
            self.task_heap,
            self.task_off_heap,
            self.network,
            self.managed,
        ] {
            sum = memory_size::add(sum, part)?;
        }
        Ok(sum)
    }

    fn memory(&self, total_flink: u64) -> TaskManagerMemory {
        TaskManagerMemory {
            framework_heap: self.framework_heap,
            task_heap: self.task_heap,
            framework_off_heap: self.framework_off_heap,
            task_off_heap: self.task_off_heap,
            network: self.network,
            managed: self.managed,
            total_flink,
            ..TaskManagerMemory::default()
        }
    }

    fn finish(&self, metaspace: u64, overhead: u64) -> Result<TaskManagerMemory, BudgetError> {
        let total_flink = self.total()?;
        let total_process = memory_size::add(memory_size::add(total_flink, metaspace)?, overhead)?;
        Ok(TaskManagerMemory {
            jvm_metaspace: metaspace,
            jvm_overhead: overhead,
            total_process,
            ..self.memory(total_flink)
        })
    }
}

impl TaskManagerMemoryOptions {
    fn framework_heap_or_default(&self) -> u64 {
        self.framework_heap.unwrap_or(tm_defaults::FRAMEWORK_HEAP)
    }

    fn framework_off_heap_or_default(&self) -> u64 {
        self.framework_off_heap
            .unwrap_or(tm_defaults::FRAMEWORK_OFF_HEAP)
    }

    fn task_off_heap_or_default(&self) -> u64 {
        self.task_off_heap.unwrap_or(tm_defaults::TASK_OFF_HEAP)
    }

    /// Flink uses the legacy buffer count only if it is set and none of the new network options is.
    fn uses_legacy_network(&self) -> bool {
        self.legacy_network_buffers.is_some()
            && self.network_min.is_none()
            && self.network_max.is_none()
            && self.network_fraction.is_none()
    }

    fn jvm_options(&self) -> JvmOptions {
        JvmOptions {
            process: self.process_size,
            metaspace: self.jvm_metaspace.unwrap_or(tm_defaults::JVM_METASPACE),
            overhead_min: self
                .jvm_overhead_min
                .unwrap_or(tm_defaults::JVM_OVERHEAD_MIN),
            overhead_max: self
                .jvm_overhead_max
                .unwrap_or(tm_defaults::JVM_OVERHEAD_MAX),
            overhead_fraction: self
                .jvm_overhead_fraction
                .unwrap_or(tm_defaults::JVM_OVERHEAD_FRACTION),
            overhead_fraction_set: self.jvm_overhead_fraction.is_some(),
            fraction_option: FractionOption::TaskManagerJvmOverhead,
        }
    }

    fn network_range(&self) -> Result<RangeFraction, BudgetError> {
        range_fraction(
            FractionOption::Network,
            self.network_min.unwrap_or(tm_defaults::NETWORK_MIN),
            self.network_max.unwrap_or(tm_defaults::NETWORK_MAX),
            self.network_fraction
                .unwrap_or(tm_defaults::NETWORK_FRACTION),
        )
    }

    fn legacy_network(&self) -> Result<u64, BudgetError> {
        let page = validate_segment_size(self.segment_size.unwrap_or(tm_defaults::SEGMENT_SIZE))?;
        let buffers = u64::from(self.legacy_network_buffers.unwrap_or(2048));
        // A Java int times an int-sized page: at most (2^32 − 1)(2^31 − 1) < 2^63, no overflow.
        Ok(buffers * page)
    }

    fn managed_absolute_or_fraction(
        &self,
        total_flink: u64,
        notes: &mut Vec<String>,
    ) -> Result<u64, BudgetError> {
        match self.managed_size {
            Some(managed) => Ok(managed),
            None => {
                let range = range_fraction(
                    FractionOption::Managed,
                    0,
                    MAX_BYTES,
                    self.managed_fraction
                        .unwrap_or(tm_defaults::MANAGED_FRACTION),
                )?;
                derive_with_fraction("managed memory", total_flink, &range, notes)
            }
        }
    }

    fn check_ranges(&self) -> Result<(), BudgetError> {
        check_range("taskmanager.memory.process.size", self.process_size)?;
        check_range("taskmanager.memory.flink.size", self.flink_size)?;
        check_range(
            "taskmanager.memory.framework.heap.size",
            self.framework_heap,
        )?;
        check_range("taskmanager.memory.task.heap.size", self.task_heap)?;
        check_range(
            "taskmanager.memory.framework.off-heap.size",
            self.framework_off_heap,
        )?;
        check_range("taskmanager.memory.task.off-heap.size", self.task_off_heap)?;
        check_range("taskmanager.memory.managed.size", self.managed_size)?;
        check_range("taskmanager.memory.network.min", self.network_min)?;
        check_range("taskmanager.memory.network.max", self.network_max)?;
        check_range("taskmanager.memory.jvm-metaspace.size", self.jvm_metaspace)?;
        check_range("taskmanager.memory.jvm-overhead.min", self.jvm_overhead_min)?;
        check_range("taskmanager.memory.jvm-overhead.max", self.jvm_overhead_max)?;
        check_range("taskmanager.memory.segment-size", self.segment_size)
    }
}

fn check_range(key: &'static str, value: Option<u64>) -> Result<(), BudgetError> {
    match value {
        Some(bytes) if bytes > MAX_BYTES => Err(BudgetError::SizeOutOfRange { key, bytes }),
        _ => Ok(()),
    }
}

/// Task heap and managed memory are both explicit (`deriveFromRequiredFineGrainedOptions`).
fn tm_from_fine_grained(
    o: &TaskManagerMemoryOptions,
    notes: &mut Vec<String>,
) -> Result<TmParts, BudgetError> {
    let task_heap = o.task_heap.unwrap_or(0);
    let managed = o.managed_size.unwrap_or(0);
    let framework_heap = o.framework_heap_or_default();
    let framework_off_heap = o.framework_off_heap_or_default();
    let task_off_heap = o.task_off_heap_or_default();
    let without_network = sum(&[
        framework_heap,
        framework_off_heap,
        task_heap,
        task_off_heap,
        managed,
    ])?;
    let network = if let Some(flink) = o.flink_size {
        if without_network > flink {
            return Err(BudgetError::ComponentsExceedFlink {
                framework_heap,
                framework_off_heap,
                task_heap,
                task_off_heap,
                managed,
                flink,
            });
        }
        let network = flink - without_network;
        check_network_remainder(o, network, flink, notes)?;
        network
    } else if o.uses_legacy_network() {
        o.legacy_network()?
    } else {
        let range = o.network_range()?;
        derive_with_inverse_fraction("network memory", without_network, &range, notes)?
    };
    let parts = TmParts {
        framework_heap,
        framework_off_heap,
        task_heap,
        task_off_heap,
        network,
        managed,
    };
    check_total_flink(o, &parts)?;
    Ok(parts)
}

/// Total Flink memory is known (`deriveFromTotalFlinkMemory`).
fn tm_from_total_flink(
    o: &TaskManagerMemoryOptions,
    total_flink: u64,
    notes: &mut Vec<String>,
) -> Result<TmParts, BudgetError> {
    let framework_heap = o.framework_heap_or_default();
    let framework_off_heap = o.framework_off_heap_or_default();
    let task_off_heap = o.task_off_heap_or_default();
    let parts = if let Some(task_heap) = o.task_heap {
        let managed = o.managed_absolute_or_fraction(total_flink, notes)?;
        let without_network = sum(&[
            framework_heap,
            framework_off_heap,
            task_heap,
            task_off_heap,
            managed,
        ])?;
        if without_network > total_flink {
            return Err(BudgetError::ComponentsExceedFlink {
                framework_heap,
                framework_off_heap,
                task_heap,
                task_off_heap,
                managed,
                flink: total_flink,
            });
        }
        let network = total_flink - without_network;
        check_network_remainder(o, network, total_flink, notes)?;
        TmParts {
            framework_heap,
            framework_off_heap,
            task_heap,
            task_off_heap,
            network,
            managed,
        }
    } else {
        let managed = o.managed_absolute_or_fraction(total_flink, notes)?;
        let network = if o.uses_legacy_network() {
            o.legacy_network()?
        } else {
            let range = o.network_range()?;
            derive_with_fraction("network memory", total_flink, &range, notes)?
        };
        let without_task_heap = sum(&[
            framework_heap,
            framework_off_heap,
            task_off_heap,
            managed,
            network,
        ])?;
        if without_task_heap > total_flink {
            return Err(BudgetError::NonTaskHeapExceedFlink {
                framework_heap,
                framework_off_heap,
                task_off_heap,
                managed,
                network,
                flink: total_flink,
            });
        }
        TmParts {
            framework_heap,
            framework_off_heap,
            task_heap: total_flink - without_task_heap,
            task_off_heap,
            network,
            managed,
        }
    };
    check_total_flink(o, &parts)?;
    Ok(parts)
}

fn sum(parts: &[u64]) -> Result<u64, BudgetError> {
    parts
        .iter()
        .try_fold(0u64, |acc, &p| memory_size::add(acc, p))
        .map_err(BudgetError::from)
}

/// Network memory is the remainder of Total Flink memory: it must match the legacy buffer count,
/// or lie in [min, max]. Flink wraps a configuration failure here in [`NetworkInconsistent`].
///
/// [`NetworkInconsistent`]: BudgetError::NetworkInconsistent
fn check_network_remainder(
    o: &TaskManagerMemoryOptions,
    network: u64,
    total_flink: u64,
    notes: &mut Vec<String>,
) -> Result<(), BudgetError> {
    let mut check = || -> Result<(), BudgetError> {
        if o.uses_legacy_network() {
            let configured = o.legacy_network()?;
            if configured != network {
                return Err(BudgetError::NetworkLegacyMismatch {
                    derived: network,
                    configured,
                });
            }
        } else {
            let range = o.network_range()?;
            if network > range.max || network < range.min {
                return Err(BudgetError::NetworkOutOfRange {
                    network,
                    min: range.min,
                    max: range.max,
                });
            }
            if o.network_fraction.is_some()
                && network != memory_size::multiply(total_flink, range.fraction)?
            {
                notes.push(format!(
                    "The derived Network Memory size ({}) does not match the configured Network \
                     Memory fraction ({}) from the configured Total Flink Memory size ({}). The \
                     derived Network Memory size will be used.",
                    human_readable(network),
                    java_double_string(range.fraction),
                    human_readable(total_flink)
                ));
            }
        }
        Ok(())
    };
    check().map_err(|e| {
        if e.is_illegal_configuration() {
            BudgetError::NetworkInconsistent { cause: Box::new(e) }
        } else {
            e
        }
    })
}

fn check_total_flink(o: &TaskManagerMemoryOptions, parts: &TmParts) -> Result<(), BudgetError> {
    if let Some(configured) = o.flink_size {
        let total = parts.total()?;
        if total != configured {
            return Err(BudgetError::FlinkSizeMismatch {
                derived: Box::new(parts.memory(total)),
                configured,
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// JobManager.
// ---------------------------------------------------------------------------------------------

impl JobManagerMemoryOptions {
    fn jvm_options(&self) -> JvmOptions {
        JvmOptions {
            process: self.process_size,
            metaspace: self.jvm_metaspace.unwrap_or(jm_defaults::JVM_METASPACE),
            overhead_min: self
                .jvm_overhead_min
                .unwrap_or(jm_defaults::JVM_OVERHEAD_MIN),
            overhead_max: self
                .jvm_overhead_max
                .unwrap_or(jm_defaults::JVM_OVERHEAD_MAX),
            overhead_fraction: self
                .jvm_overhead_fraction
                .unwrap_or(jm_defaults::JVM_OVERHEAD_FRACTION),
            overhead_fraction_set: self.jvm_overhead_fraction.is_some(),
            fraction_option: FractionOption::JobManagerJvmOverhead,
        }
    }

    fn check_ranges(&self) -> Result<(), BudgetError> {
        check_range("jobmanager.memory.process.size", self.process_size)?;
        check_range("jobmanager.memory.flink.size", self.flink_size)?;
        check_range("jobmanager.memory.heap.size", self.heap)?;
        check_range("jobmanager.memory.off-heap.size", self.off_heap)?;
        check_range("jobmanager.memory.jvm-metaspace.size", self.jvm_metaspace)?;
        check_range("jobmanager.memory.jvm-overhead.min", self.jvm_overhead_min)?;
        check_range("jobmanager.memory.jvm-overhead.max", self.jvm_overhead_max)
    }
}

/// Heap is Total Flink memory minus off-heap; Total Flink must be strictly larger than off-heap.
fn jm_from_total_flink(
    o: &JobManagerMemoryOptions,
    flink: u64,
    notes: &mut Vec<String>,
) -> Result<(u64, u64), BudgetError> {
    let off_heap = o.off_heap.unwrap_or(jm_defaults::OFF_HEAP);
    if flink <= off_heap {
        return Err(BudgetError::FlinkNotAboveOffHeap { flink, off_heap });
    }
    let heap = flink - off_heap;
    jm_check_heap(heap, notes);
    Ok((heap, off_heap))
}

fn jm_check_heap(heap: u64, notes: &mut Vec<String>) {
    if heap < jm_defaults::MIN_JVM_HEAP {
        notes.push(format!(
            "The configured or derived JVM heap memory size ({}) is less than its recommended \
             minimum value ({})",
            human_readable(heap),
            human_readable(jm_defaults::MIN_JVM_HEAP)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: u64 = 1 << 20;

    fn tm(f: impl FnOnce(&mut TaskManagerMemoryOptions)) -> TaskManagerMemoryOptions {
        let mut o = TaskManagerMemoryOptions::default();
        f(&mut o);
        o
    }

    fn jm(f: impl FnOnce(&mut JobManagerMemoryOptions)) -> JobManagerMemoryOptions {
        let mut o = JobManagerMemoryOptions::default();
        f(&mut o);
        o
    }

    #[test]
    fn default_1728m_taskmanager_matches_flink_startup_log() {
        // overhead = 1728m × 0.1f = 181193935 < 192m → 192m; flink = 1728 − 256 − 192 = 1280m;
        // managed = 1280m × 0.4000000059604645 = 536870920; network = × 0.10000000149011612.
        let (m, notes) =
            derive_taskmanager_with_notes(&tm(|o| o.process_size = Some(1728 * M))).unwrap();
        assert_eq!(m.task_heap, 402_653_174);
        assert_eq!(m.network, 134_217_730);
        assert_eq!(m.managed, 536_870_920);
        assert_eq!(m.jvm_overhead, 192 * M);
        assert_eq!(m.total_flink, 1280 * M);
        assert_eq!(m.total_process, 1728 * M);
        assert_eq!(m.jvm_heap(), 536_870_902);
        assert_eq!(m.jvm_direct(), 268_435_458);
        assert_eq!(
            notes,
            vec![
                "The derived from fraction jvm overhead memory (172.800mb (181193935 bytes)) is \
                 less than its min value 192.000mb (201326592 bytes), min value will be used \
                 instead"
                    .to_string()
            ]
        );
    }

    #[test]
    fn process_size_table_from_the_flink_docs() {
        // §1.5 of the memory reference: task heap, managed, network, overhead.
        let rows: [(u64, u64, u64, u64, u64); 4] = [
            (1024 * M, 26_843_542, 241_591_914, 64 * M, 192 * M),
            (2048 * M, 563_714_445, 665_719_939, 166_429_984, 214_748_368),
            (
                4096 * M,
                1_530_082_070,
                1_438_814_063,
                359_703_515,
                429_496_736,
            ),
            (
                16384 * M,
                7_650_410_378,
                6_335_076_856,
                1_583_769_214,
                1024 * M,
            ),
        ];
        for (process, task_heap, managed, network, overhead) in rows {
            let m = derive_taskmanager(&tm(|o| o.process_size = Some(process))).unwrap();
            assert_eq!(
                (m.task_heap, m.managed, m.network, m.jvm_overhead),
                (task_heap, managed, network, overhead),
                "process {process}"
            );
            assert_eq!(m.total_process, process);
        }
    }

    #[test]
    fn overhead_relation_holds_in_fine_grained_path() {
        // Flink's testConfigJvmOverheadFraction: overhead == total_process × 0.2f.
        let m = derive_taskmanager(&tm(|o| {
            o.task_heap = Some(100 * M);
            o.managed_size = Some(200 * M);
            o.jvm_overhead_min = Some(0);
            o.jvm_overhead_max = Some(1 << 40);
            o.jvm_overhead_fraction = Some(0.2);
        }))
        .unwrap();
        assert_eq!(m.jvm_overhead, 229_638_148);
        assert_eq!(
            memory_size::multiply(m.total_process, f64::from(0.2f32)),
            Ok(m.jvm_overhead)
        );
    }

    #[test]
    fn network_inverse_fraction_relation() {
        // network == total_flink × 0.2f with the inverse fraction 0.2500000046566129.
        let m = derive_taskmanager(&tm(|o| {
            o.task_heap = Some(100 * M);
            o.managed_size = Some(200 * M);
            o.network_min = Some(0);
            o.network_max = Some(1 << 40);
            o.network_fraction = Some(0.2);
        }))
        .unwrap();
        assert_eq!(m.network, 145_752_066);
        assert_eq!(
            memory_size::multiply(m.total_flink, f64::from(0.2f32)),
            Ok(m.network)
        );
    }

    #[test]
    fn legacy_buffers_only_without_new_network_options() {
        let legacy = tm(|o| {
            o.flink_size = Some(1280 * M);
            o.legacy_network_buffers = Some(1024);
        });
        assert_eq!(derive_taskmanager(&legacy).unwrap().network, 32 * M);
        let both = TaskManagerMemoryOptions {
            network_min: Some(64 * M),
            ..legacy.clone()
        };
        assert_eq!(derive_taskmanager(&both).unwrap().network, 134_217_730);
        let bad_segment = TaskManagerMemoryOptions {
            segment_size: Some(1000),
            ..legacy
        };
        assert_eq!(
            derive_taskmanager(&bad_segment).unwrap_err().to_string(),
            "Invalid configuration value for taskmanager.memory.segment-size : 1000 - Minimum \
             memory segment size is 4096"
        );
    }

    #[test]
    fn range_fraction_message_prints_option_and_widened_fraction() {
        let err = derive_taskmanager(&tm(|o| {
            o.process_size = Some(1536 * M);
            o.jvm_overhead_min = Some(200 * M);
            o.jvm_overhead_max = Some(50 * M);
        }))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Inconsistently configured Key: 'taskmanager.memory.jvm-overhead.fraction' , \
             default: 0.1 (fallback keys: []) (0.10000000149011612) and its min (200.000mb \
             (209715200 bytes)), max (50.000mb (52428800 bytes)) value"
        );
        let err = derive_taskmanager(&tm(|o| {
            o.flink_size = Some(1280 * M);
            o.network_fraction = Some(1.0);
        }))
        .unwrap_err();
        assert!(matches!(
            err,
            BudgetError::InconsistentRangeFraction {
                option: FractionOption::Network,
                problem: RangeFractionProblem::FractionOutOfRange,
                ..
            }
        ));
        assert!(err.to_string().contains(
            "(fallback keys: [{key=taskmanager.network.memory.fraction, isDeprecated=true}]) (1.0)"
        ));
    }

    #[test]
    fn not_configured_message_lists_the_options() {
        assert_eq!(
            derive_taskmanager(&TaskManagerMemoryOptions::default())
                .unwrap_err()
                .to_string(),
            "Either required fine-grained memory (taskmanager.memory.task.heap.size and \
             taskmanager.memory.managed.size), or Total Flink Memory size (Key: \
             'taskmanager.memory.flink.size' , default: null (fallback keys: [])), or Total \
             Process Memory size (Key: 'taskmanager.memory.process.size' , default: null \
             (fallback keys: [])) need to be configured explicitly."
        );
        assert_eq!(
            derive_jobmanager(&JobManagerMemoryOptions::default())
                .unwrap_err()
                .to_string(),
            "Either required fine-grained memory (jobmanager.memory.heap.size), or Total Flink \
             Memory size (Key: 'jobmanager.memory.flink.size' , default: null (fallback keys: \
             [])), or Total Process Memory size (Key: 'jobmanager.memory.process.size' , default: \
             null (fallback keys: [])) need to be configured explicitly."
        );
    }

    #[test]
    fn process_below_flink_and_metaspace_has_double_space() {
        let err = derive_jobmanager(&jm(|o| {
            o.process_size = Some(3 << 30);
            o.flink_size = Some(4 << 30);
        }))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "The configured Total Process Memory size (3.000gb (3221225472 bytes)) is less than \
             the sum of the derived Total Flink Memory size (4.000gb (4294967296 bytes)) and the \
             configured or default JVM Metaspace size  (256.000mb (268435456 bytes))."
        );
    }

    #[test]
    fn network_remainder_failure_is_wrapped() {
        let err = derive_taskmanager(&tm(|o| {
            o.flink_size = Some(1280 * M);
            o.task_heap = Some(324 * M);
            o.managed_size = Some(200 * M);
            o.network_min = Some(900 * M);
            o.network_max = Some(1000 * M);
        }))
        .unwrap_err();
        let BudgetError::NetworkInconsistent { cause } = &err else {
            panic!("unexpected {err:?}");
        };
        assert_eq!(
            cause.to_string(),
            "Derived Network Memory size (500.000mb (524288000 bytes)) is not in configured \
             Network Memory range [900.000mb (943718400 bytes), 1000.000mb (1048576000 bytes)]."
        );
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn explicit_network_fraction_mismatch_is_only_a_note() {
        let (m, notes) = derive_taskmanager_with_notes(&tm(|o| {
            o.flink_size = Some(1280 * M);
            o.task_heap = Some(300 * M);
            o.network_fraction = Some(0.1);
        }))
        .unwrap();
        // managed = 512m + 8; network = 1280 − 128 − 128 − 300 − managed.
        assert_eq!(m.network, 1280 * M - 556 * M - 536_870_920);
        assert!(notes[0].starts_with("The derived Network Memory size ("));
        assert!(notes[0].contains("fraction (0.10000000149011612)"));
    }

    #[test]
    fn task_heap_may_be_zero() {
        // flink = fw heap + fw off + managed + network exactly: the task heap is 0, not an error.
        let m = derive_taskmanager(&tm(|o| {
            o.flink_size = Some(576 * M);
            o.managed_size = Some(256 * M);
            o.network_min = Some(64 * M);
            o.network_max = Some(64 * M);
        }))
        .unwrap();
        assert_eq!(m.task_heap, 0);
    }

    #[test]
    fn jobmanager_paths() {
        let m = derive_jobmanager(&jm(|o| o.process_size = Some(1024 * M))).unwrap();
        assert_eq!((m.jvm_heap, m.jvm_overhead), (448 * M, 192 * M));
        let m = derive_jobmanager(&jm(|o| o.process_size = Some(4 << 30))).unwrap();
        assert_eq!(
            (m.jvm_heap, m.off_heap, m.jvm_overhead),
            (3_462_817_376, 128 * M, 429_496_736)
        );
        assert_eq!(m.jvm_direct_limit, None);
        let m = derive_jobmanager(&jm(|o| {
            o.process_size = Some(1600 * M);
            o.jvm_direct_memory_limit_enabled = Some(true);
        }))
        .unwrap();
        assert_eq!((m.jvm_heap, m.jvm_overhead), (1024 * M, 192 * M));
        assert_eq!(m.jvm_direct_limit, Some(128 * M));
        let (m, notes) = derive_jobmanager_with_notes(&jm(|o| {
            o.flink_size = Some(378 * M);
            o.heap = Some(150 * M);
        }))
        .unwrap();
        assert_eq!(m.off_heap, 228 * M);
        assert_eq!(
            notes[0],
            "The Off-Heap Memory size (228.000mb (239075328 bytes)) is derived the configured \
             Total Flink Memory size (378.000mb (396361728 bytes)) minus the configured JVM Heap \
             Memory size (150.000mb (157286400 bytes)). The default Off-Heap Memory size \
             (128.000mb (134217728 bytes)) is ignored."
        );
        let err = derive_jobmanager(&jm(|o| {
            o.flink_size = Some(100 * M);
            o.heap = Some(150 * M);
        }))
        .unwrap_err();
        assert!(matches!(err, BudgetError::HeapExceedsFlink { .. }));
        let err = derive_jobmanager(&jm(|o| o.flink_size = Some(128 * M))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The configured Total Flink Memory (128.000mb (134217728 bytes)) is less than the \
             configured Off-heap Memory (128.000mb (134217728 bytes))."
        );
    }

    #[test]
    fn small_jobmanager_heap_warns() {
        let (m, notes) = derive_jobmanager_with_notes(&jm(|o| o.heap = Some(M))).unwrap();
        assert_eq!(m.jvm_heap, M);
        assert!(notes.iter().any(|n| n
            == "The configured or derived JVM heap memory size (1024.000kb (1048576 bytes)) is less \
                than its recommended minimum value (128.000mb (134217728 bytes))"));
    }

    #[test]
    fn huge_values_overflow_like_java() {
        let err = derive_taskmanager(&tm(|o| {
            o.task_heap = Some(MAX_BYTES);
            o.managed_size = Some(1);
        }))
        .unwrap_err();
        assert_eq!(err, BudgetError::Overflow);
        let err = derive_taskmanager(&tm(|o| o.process_size = Some(u64::MAX))).unwrap_err();
        assert!(matches!(err, BudgetError::SizeOutOfRange { .. }));
    }

    #[test]
    fn segment_size_validation() {
        assert_eq!(validate_segment_size(32 << 10), Ok(32 << 10));
        assert_eq!(
            validate_segment_size(48 << 10).unwrap_err().to_string(),
            "Invalid configuration value for taskmanager.memory.segment-size : 49152 - Memory \
             segment size must be a power of 2."
        );
        assert_eq!(
            validate_segment_size(1 << 31).unwrap_err().to_string(),
            "Cannot downcast long value 2147483648 to integer."
        );
    }
}
