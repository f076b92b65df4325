//! What one collection did: the record the GC model emits per GC (the simulated counterpart of the
//! runtime's GCStart/GCEnd/GCHeapStats events).

/// Why a GC started (the runtime's `gc_reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GcReason {
    /// The gen0 budget was used up by small-object allocation.
    AllocSmall,
    /// The LOH budget was used up by large-object allocation.
    AllocLarge,
    /// Small-object allocation could not commit memory (heap hard limit or no room).
    OutOfSpaceSoh,
    /// Large-object allocation could not commit memory.
    OutOfSpaceLoh,
    /// Workstation GC's time rule: allocation continued for a second without reaching the budget.
    TimeTuning,
}

impl GcReason {
    /// The name the lab and the runtime's tooling use (`alloc_small`, `alloc_large`, `oos_soh`, ...).
    pub fn name(self) -> &'static str {
        match self {
            GcReason::AllocSmall => "alloc_small",
            GcReason::AllocLarge => "alloc_large",
            GcReason::OutOfSpaceSoh => "oos_soh",
            GcReason::OutOfSpaceLoh => "oos_loh",
            GcReason::TimeTuning => "alloc_small",
        }
    }
}

/// How a GC ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GcKind {
    /// Stops the application for its whole duration.
    Blocking,
    /// A background (concurrent) gen2: two short pauses, the rest concurrent with the application.
    Background,
    /// A blocking ephemeral GC that ran while a background GC was in progress.
    Foreground,
}

impl GcKind {
    /// `blocking`, `background` or `foreground`.
    pub fn name(self) -> &'static str {
        match self {
            GcKind::Blocking => "blocking",
            GcKind::Background => "background",
            GcKind::Foreground => "foreground",
        }
    }
}

/// Bits of the runtime's per-heap condemn reasons (`condemn_reasons1` in the lab's traces), kept
/// so that a simulated GC can say why it condemned what it did.
pub mod condemn_bits {
    /// A full blocking GC that moves the ephemeral generations to a new segment (segments).
    pub const EXPAND: u32 = 0x2;
    /// Not enough room left on the ephemeral segment (or under the hard limit) for gen0's budget.
    pub const LOW_EPHEMERAL_SPACE: u32 = 0x10;
    /// The previous gen0 GC found mostly useless cross-generation pointers through the card
    /// table (low card efficiency): gen1, with promotion.
    pub const LOW_CARD_EFFICIENCY: u32 = 0x20;
    /// gen1 too fragmented.
    pub const EPHEMERAL_FRAGMENTATION: u32 = 0x40;
    /// Raised to gen1 (low ephemeral space or high memory load) with gen2's budget used up: gen2.
    pub const MAX_GEN1: u32 = 0x800;
    /// The last GC before an OutOfMemoryException.
    pub const BEFORE_OOM: u32 = 0x1000;
    /// gen2 (and the LOH) too small to be worth a background GC: blocking.
    pub const GEN2_TOO_SMALL: u32 = 0x2000;
    /// The ephemeral GC that starts a background GC.
    pub const BEFORE_BGC: u32 = 0x8000;
    /// High memory load and at least 10% of gen2's budget used: gen2.
    pub const ALMOST_MAX_ALLOC: u32 = 0x10000;
    /// Workstation time tuning (10 s / 100 s since the last gen1 / gen2) raised the generation.
    pub const TIME_TUNING: u32 = 0x100000;
    /// A blocking gen2 that compacts the LOH near the heap hard limit.
    pub const NEAR_HARD_LIMIT: u32 = 0x200000;

    /// Every bit with its name.
    pub const NAMES: [(u32, &str); 12] = [
        (EXPAND, "expand"),
        (LOW_EPHEMERAL_SPACE, "low_ephemeral_space"),
        (LOW_CARD_EFFICIENCY, "low_card_efficiency"),
        (EPHEMERAL_FRAGMENTATION, "gen1_fragmented"),
        (MAX_GEN1, "gen2_budget_exhausted"),
        (BEFORE_OOM, "before_oom"),
        (GEN2_TOO_SMALL, "gen2_too_small"),
        (BEFORE_BGC, "before_background_gc"),
        (ALMOST_MAX_ALLOC, "high_memory_load"),
        (TIME_TUNING, "time_tuning"),
        (NEAR_HARD_LIMIT, "near_hard_limit"),
        (0, "budget"),
    ];

    /// The names of the bits set in `bits`, joined with `+`; `budget` when none is set (the
    /// generation came from the allocation budgets alone).
    pub fn describe(bits: u32) -> String {
        let names: Vec<&str> = NAMES
            .iter()
            .filter(|(b, _)| *b != 0 && bits & b != 0)
            .map(|(_, n)| *n)
            .collect();
        if names.is_empty() {
            "budget".to_string()
        } else {
            names.join("+")
        }
    }
}

/// One simulated garbage collection.
#[derive(Clone, Debug, PartialEq)]
pub struct GcRecord {
    /// 1-based GC number (process-wide, in start order).
    pub index: u64,
    /// When the GC started, seconds since the process started.
    pub start_s: f64,
    /// Condemned generation: 0, 1 or 2.
    pub generation: u8,
    /// Blocking, background or foreground.
    pub kind: GcKind,
    /// Why it started.
    pub reason: GcReason,
    /// Time the application was suspended for this GC, seconds.
    pub pause_s: f64,
    /// Start to end, seconds (for a background GC including its concurrent phase).
    pub duration_s: f64,
    /// Whether the GC compacted (else it swept).
    pub compacting: bool,
    /// Whether survivors were promoted to the next generation.
    pub promoted_up: bool,
    /// Heap size (objects + free space, all generations) when the GC started, bytes.
    pub heap_before: f64,
    /// Heap size after the GC, bytes.
    pub heap_after: f64,
    /// Bytes that survived the condemned generations (marked live).
    pub survived: f64,
    /// Bytes moved to an older generation.
    pub promoted: f64,
    /// Sizes after the GC: gen0, gen1, gen2, LOH (objects + free space), bytes.
    pub gen_after: [f64; 4],
    /// Free space (fragmentation) over all generations after the GC, bytes.
    pub fragmentation_after: f64,
    /// gen0 budget per heap set by this GC, bytes.
    pub gen0_budget: f64,
    /// Budget left after this GC for gen0, gen1, gen2 and the LOH (totals), bytes.
    pub budgets: [f64; 4],
    /// GC heaps.
    pub heaps: u32,
    /// Memory committed by the GC after this GC, bytes.
    pub committed_after: f64,
    /// Condemn reason bits ([`condemn_bits`]).
    pub condemn_reasons: u32,
}
