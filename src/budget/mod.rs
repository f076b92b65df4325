//! Apache Flink's TaskManager and JobManager memory derivation (exact arithmetic) and its mapping onto a .NET process.
//!
//! This is core code: it takes typed options (byte counts and `float` fractions, `None` for
//! "not set") and returns byte counts or Flink's own error messages. It reads no files,
//! environment or strings; `crate::config::flink_keys` turns `key=value` text into options.
//!
//! * [`flink`]: the derivation itself ([`derive_taskmanager`], [`derive_jobmanager`]), following
//!   Flink's `ProcessMemoryUtils`, `TaskExecutorFlinkMemoryUtils` and `JobManagerFlinkMemoryUtils`
//!   down to the rounding of every product.
//! * [`memory_size`]: Flink's `MemorySize` arithmetic and message formatting.
//! * [`network`]: the network-buffer start-up check of a streaming job on one TaskManager.
//! * [`dotnet`]: the derived split as .NET process parts ([`DotnetSplit`]): GC heap hard limit,
//!   network buffer pool, native state, other native memory, runtime metadata and overhead.
//!
//! ```
//! use memsim::budget::{DotnetSplit, TaskManagerMemoryOptions, derive_taskmanager};
//!
//! let options = TaskManagerMemoryOptions {
//!     process_size: Some(1728 << 20),
//!     ..TaskManagerMemoryOptions::default()
//! };
//! let tm = derive_taskmanager(&options).unwrap();
//! assert_eq!(tm.managed, 536_870_920); // 1280 MiB × 0.4f, not 512 MiB
//! assert_eq!(DotnetSplit::from_taskmanager(&tm).gc_heap_hard_limit.0, 536_870_902);
//! ```

pub mod dotnet;
pub mod flink;
pub mod memory_size;
pub mod network;

pub use dotnet::DotnetSplit;
pub use flink::{
    BudgetError, FractionOption, JobManagerMemory, JobManagerMemoryOptions, ProcessKind,
    RangeFractionProblem, TaskManagerMemory, TaskManagerMemoryOptions, derive_jobmanager,
    derive_jobmanager_with_notes, derive_taskmanager, derive_taskmanager_with_notes,
};
pub use network::{
    Exchange, JobEdge, JobGraph, JobVertex, NetworkBufferOptions, NetworkBufferReport,
    NetworkError, analyze_network_buffers,
};
