//! What the user configures about the .NET GC (the runtime version and the `DOTNET_GC*` knobs) and
//! what the runtime reads from the machine (CPU count, cache size, memory, container limit).

use crate::units::MIB;

/// Which runtime's GC rules to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GcProfile {
    /// .NET Core 3.1: segments, no DATAS. Validated against the real runtime.
    NetCore31,
    /// .NET 8: regions; DATAS opt-in (`GCDynamicAdaptationMode=1`). Validated against the real runtime.
    Net8,
    /// .NET 9: as .NET 8, DATAS on by default for Server GC, and a Workstation mark list that
    /// shrinks to 32,768 entries rather than 16,384 (the vectorised sort on Linux x64 with AVX2).
    /// Modelled from the runtime's rules.
    Net9,
    /// .NET 10: as .NET 9, and `GCGen0MaxBudget` honoured under DATAS. Modelled from the runtime's rules.
    Net10,
}

impl GcProfile {
    /// All profiles with their names.
    pub const ALL: [(GcProfile, &'static str); 4] = [
        (GcProfile::NetCore31, "netcore31"),
        (GcProfile::Net8, "net8"),
        (GcProfile::Net9, "net9"),
        (GcProfile::Net10, "net10"),
    ];

    /// The profile's name as written in scenario files.
    pub fn name(self) -> &'static str {
        GcProfile::ALL
            .iter()
            .find(|(p, _)| *p == self)
            .map(|(_, n)| *n)
            .unwrap_or("netcore31")
    }

    /// Parses a profile name.
    pub fn from_name(s: &str) -> Option<GcProfile> {
        GcProfile::ALL
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(p, _)| *p)
    }

    /// Heap layout of this runtime's default GC.
    pub fn layout(self) -> HeapLayout {
        match self {
            GcProfile::NetCore31 => HeapLayout::Segments,
            _ => HeapLayout::Regions,
        }
    }

    /// Whether DATAS is on by default for Server GC (.NET 9 and later).
    pub fn datas_default_for_server(self) -> bool {
        matches!(self, GcProfile::Net9 | GcProfile::Net10)
    }

    /// Whether the runtime reads cgroup v2 limits (3.1 reads only cgroup v1).
    pub fn reads_cgroup_v2(self) -> bool {
        !matches!(self, GcProfile::NetCore31)
    }
}

/// How the managed heap is laid out in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapLayout {
    /// Large contiguous segments, one ephemeral segment per heap (.NET Core 3.1 .. .NET 6).
    Segments,
    /// Fixed-size regions (4 MiB basic, 32 MiB large), .NET 7 and later.
    Regions,
}

/// The GC configuration of one process (the `System.GC.*` / `DOTNET_GC*` knobs). `None` means
/// "not set": the runtime's default applies.
#[derive(Clone, Debug, PartialEq)]
pub struct GcSettings {
    /// Runtime whose rules apply.
    pub profile: GcProfile,
    /// Server GC (`gcServer`); Workstation when false.
    pub server: bool,
    /// Background (concurrent) GC allowed (`gcConcurrent`, default true).
    pub concurrent: bool,
    /// `GCHeapHardLimit`, bytes.
    pub heap_hard_limit: Option<u64>,
    /// `GCHeapHardLimitPercent`, percent of the memory the runtime sees (1–99).
    pub heap_hard_limit_percent: Option<u32>,
    /// `GCHeapCount`: number of Server GC heaps (disables DATAS).
    pub heap_count: Option<u32>,
    /// `GCgen0size`, bytes: forces the gen0 budget.
    pub gen0size: Option<u64>,
    /// `GCGen0MaxBudget`, bytes.
    pub gen0_max_budget: Option<u64>,
    /// `GCDynamicAdaptationMode` (DATAS); `None` follows the profile's default.
    pub datas: Option<bool>,
    /// `GCConserveMemory` (0–9; .NET 6+).
    pub conserve_memory: Option<u32>,
    /// `GCHighMemPercent`: the "high memory load" threshold, percent.
    pub high_memory_percent: Option<u32>,
    /// `GCLOHThreshold`, bytes (85,000 by default; can only be raised).
    pub loh_threshold: u64,
}

impl Default for GcSettings {
    fn default() -> Self {
        GcSettings {
            profile: GcProfile::NetCore31,
            server: false,
            concurrent: true,
            heap_hard_limit: None,
            heap_hard_limit_percent: None,
            heap_count: None,
            gen0size: None,
            gen0_max_budget: None,
            datas: None,
            conserve_memory: None,
            high_memory_percent: None,
            loh_threshold: LOH_THRESHOLD,
        }
    }
}

/// Objects of this many bytes or more go to the Large Object Heap.
pub const LOH_THRESHOLD: u64 = 85_000;

/// Facts about the machine and container as the runtime reads them.
#[derive(Clone, Debug, PartialEq)]
pub struct MachineSpec {
    /// CPUs the process may use (the CFS quota rounded up, or the cores of the node).
    pub cores: u32,
    /// The largest CPU cache the runtime reads, bytes: on Linux the largest of glibc's
    /// `sysconf(_SC_LEVEL1_DCACHE_SIZE .. _SC_LEVEL4_CACHE_SIZE)`, usually the L3. `None` when a
    /// level is reported as −1 (unknown), which the runtime reads as an unbounded cache (seen on
    /// AMD EPYC virtual machines): the gen0 budget is then bounded only by the segment size.
    pub largest_cache_bytes: Option<u64>,
    /// Physical memory of the node, bytes.
    pub physical_memory_bytes: u64,
    /// The container memory limit the runtime detects, bytes (`None`: not in a container, or a
    /// limit the runtime cannot read, such as cgroup v2 on .NET Core 3.1).
    pub container_limit_bytes: Option<u64>,
    /// Speed of this machine for GC work and allocation.
    pub speed: MachineSpeed,
}

impl Default for MachineSpec {
    /// A 4-core node with a 32 MiB L3 and 64 GiB of memory, not in a container.
    fn default() -> Self {
        MachineSpec {
            cores: 4,
            largest_cache_bytes: Some(32 * MIB),
            physical_memory_bytes: 64 << 30,
            container_limit_bytes: None,
            speed: MachineSpeed::default(),
        }
    }
}

/// How fast a machine does GC work and allocation, as rates per core. The defaults are those of
/// the lab's second host (AMD EPYC, 2 vCPU), the model's reference, fitted against GC pauses and
/// bytes marked, copied and swept over every calibration trace (see the README's accuracy
/// section); the lab's first host takes 1.31 times as long.
#[derive(Clone, Debug, PartialEq)]
pub struct MachineSpeed {
    /// Multiplies every GC cost: 1.0 is the reference host; 2.0 a machine twice as slow.
    pub gc_cost_factor: f64,
    /// Multiplies the allocation cost of CPU-bound (unthrottled) allocation.
    pub alloc_cost_factor: f64,
    /// Time one thread spends in the kernel faulting in a MiB of never-touched memory, seconds
    /// (measured as system CPU per fresh MiB in the lab: 0.46–1.04 ms). Threads that fault at the
    /// same time contend for the process's memory map: k of them take √k times as long per MiB
    /// in total (1.3–2.5 ms/MiB per thread with two in the lab).
    pub page_fault_s_per_mib: f64,
}

impl Default for MachineSpeed {
    fn default() -> Self {
        MachineSpeed {
            gc_cost_factor: 1.0,
            alloc_cost_factor: 1.0,
            page_fault_s_per_mib: 0.6e-3,
        }
    }
}
