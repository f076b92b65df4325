//! Maps a Flink memory split onto the memory of a .NET process (all sizes in bytes): which part
//! of a Flink.NET TaskManager or JobManager each Flink component stands for.
//!
//! | Flink component | .NET process part |
//! |---|---|
//! | framework heap + task heap (JVM heap) | GC heap hard limit (`GCHeapHardLimit`) |
//! | network memory | the network buffer pool (pinned or native buffers) |
//! | managed memory | native state memory (RocksDB block cache, write buffers, sort/hash space) |
//! | framework + task off-heap | other native memory (native libraries, direct buffers) |
//! | JVM Metaspace | type metadata: loader heaps, JIT-compiled code, runtime data structures |
//! | JVM Overhead | runtime overhead: thread stacks, native allocator slack, GC bookkeeping |
//!
//! A JobManager has no network pool and no managed memory: its heap is the GC heap and its
//! off-heap memory is the other native memory.

use crate::units::Bytes;

use super::flink::{JobManagerMemory, TaskManagerMemory};

/// A Flink.NET process's memory, split into the parts a .NET process has, in bytes.
/// The parts add up to [`DotnetSplit::total_process`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DotnetSplit {
    /// GC heap hard limit: the managed heap the .NET GC may commit (Flink's JVM heap: framework
    /// heap + task heap for a TaskManager, the heap for a JobManager).
    pub gc_heap_hard_limit: Bytes,
    /// The network buffer pool outside the GC heap (Flink's network memory; 0 for a JobManager).
    pub network_buffer_pool: Bytes,
    /// Native state memory such as a RocksDB cache (Flink's managed memory; 0 for a JobManager).
    pub native_state: Bytes,
    /// Other native memory used by the framework and user code (Flink's framework + task
    /// off-heap for a TaskManager, the off-heap memory for a JobManager).
    pub other_native: Bytes,
    /// Type metadata, loader heaps and JIT-compiled code (Flink's JVM Metaspace).
    pub runtime_metadata: Bytes,
    /// Runtime overhead: thread stacks, native allocator slack, GC bookkeeping (Flink's JVM
    /// Overhead).
    pub runtime_overhead: Bytes,
    /// The whole process (Flink's Total Process memory): the sum of the parts above.
    pub total_process: Bytes,
}

impl DotnetSplit {
    /// The .NET split of a derived TaskManager.
    pub fn from_taskmanager(tm: &TaskManagerMemory) -> DotnetSplit {
        DotnetSplit {
            gc_heap_hard_limit: Bytes(tm.jvm_heap()),
            network_buffer_pool: Bytes(tm.network),
            native_state: Bytes(tm.managed),
            other_native: Bytes(tm.framework_off_heap + tm.task_off_heap),
            runtime_metadata: Bytes(tm.jvm_metaspace),
            runtime_overhead: Bytes(tm.jvm_overhead),
            total_process: Bytes(tm.total_process),
        }
    }

    /// The .NET split of a derived JobManager.
    pub fn from_jobmanager(jm: &JobManagerMemory) -> DotnetSplit {
        DotnetSplit {
            gc_heap_hard_limit: Bytes(jm.jvm_heap),
            network_buffer_pool: Bytes::ZERO,
            native_state: Bytes::ZERO,
            other_native: Bytes(jm.off_heap),
            runtime_metadata: Bytes(jm.jvm_metaspace),
            runtime_overhead: Bytes(jm.jvm_overhead),
            total_process: Bytes(jm.total_process),
        }
    }

    /// Everything outside the GC heap, bytes: network pool + native state + other native +
    /// metadata + overhead.
    pub fn outside_gc_heap(&self) -> Bytes {
        self.network_buffer_pool
            + self.native_state
            + self.other_native
            + self.runtime_metadata
            + self.runtime_overhead
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::flink::{
        JobManagerMemoryOptions, TaskManagerMemoryOptions, derive_jobmanager, derive_taskmanager,
    };

    #[test]
    fn taskmanager_split_maps_every_component() {
        let tm = derive_taskmanager(&TaskManagerMemoryOptions {
            process_size: Some(1728 << 20),
            task_off_heap: Some(50 << 20),
            ..TaskManagerMemoryOptions::default()
        })
        .unwrap();
        let s = DotnetSplit::from_taskmanager(&tm);
        assert_eq!(
            s.gc_heap_hard_limit,
            Bytes(tm.framework_heap + tm.task_heap)
        );
        assert_eq!(s.network_buffer_pool, Bytes(tm.network));
        assert_eq!(s.native_state, Bytes(tm.managed));
        assert_eq!(s.other_native, Bytes((128 + 50) << 20));
        assert_eq!(s.runtime_metadata, Bytes::mib(256));
        assert_eq!(s.runtime_overhead, Bytes::mib(192));
        assert_eq!(s.total_process, Bytes::mib(1728));
        assert_eq!(s.gc_heap_hard_limit + s.outside_gc_heap(), s.total_process);
    }

    #[test]
    fn jobmanager_split_has_no_pool_and_no_state() {
        let jm = derive_jobmanager(&JobManagerMemoryOptions {
            process_size: Some(1600 << 20),
            ..JobManagerMemoryOptions::default()
        })
        .unwrap();
        let s = DotnetSplit::from_jobmanager(&jm);
        assert_eq!(s.gc_heap_hard_limit, Bytes::mib(1024));
        assert_eq!(s.network_buffer_pool, Bytes::ZERO);
        assert_eq!(s.native_state, Bytes::ZERO);
        assert_eq!(s.other_native, Bytes::mib(128));
        assert_eq!(s.gc_heap_hard_limit + s.outside_gc_heap(), Bytes::mib(1600));
    }
}
