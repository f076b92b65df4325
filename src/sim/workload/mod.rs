//! Workload models: what the application allocates and keeps. Traffic (records over time),
//! objects (sizes and lifetimes), keyed state, checkpoints, pinned buffer pools, network buffers
//! and the JobManager's job metadata.

pub mod checkpoint;
pub mod jobmanager;
pub mod network;
pub mod objects;
pub mod state;
pub mod traffic;

#[cfg(test)]
mod tests;

use objects::{LifetimeShare, SizeDistribution};
use traffic::TrafficSpec;

/// The application's allocation behaviour.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    /// Input records over time.
    pub traffic: TrafficSpec,
    /// Bytes the process allocates on the managed heap per record processed.
    pub bytes_per_record: f64,
    /// Sizes of the allocated objects.
    pub sizes: SizeDistribution,
    /// Lifetimes of the allocated bytes (the remainder dies young).
    pub lifetimes: Vec<LifetimeShare>,
    /// Threads that allocate (they add thread stacks).
    pub threads: u32,
    /// Most records per second the process can work through (when catching up after pauses or
    /// downtime, or when unthrottled); `None` is four times the base record rate.
    pub capacity_records_per_s: Option<f64>,
    /// Process records as fast as the capacity allows, whatever the traffic (a batch job).
    pub unthrottled: bool,
    /// Stop allocating once this many bytes were allocated (a finite job); `None` runs to the horizon.
    pub stop_after_bytes: Option<f64>,
    /// Fraction of a large object's bytes the application writes (1.0: buffers are filled; a
    /// large array of which only the first element is set touches a single page).
    pub large_object_touch_fraction: f64,
    /// Arrays that hold the references to the mid-life survivors (`lifetimes`), if the
    /// application keeps them in growable arrays; `None`: their holders are not modelled.
    pub survivor_index: Option<SurvivorIndex>,
}

/// Growable arrays with one slot per live mid-life survivor (a queue or a binary heap of
/// references, as `List<T>` grows): when the survivors outnumber the slots, each array is
/// replaced by one twice as long and the old one becomes garbage once the new one is filled.
/// An array of at least the LOH threshold goes to the Large Object Heap.
#[derive(Clone, Debug, PartialEq)]
pub struct SurvivorIndex {
    /// Arrays growing together (a binary heap of expiry times and references: 2).
    pub arrays: u32,
    /// Independent sets of arrays, each holding an equal share of the survivors (one per
    /// allocating thread).
    pub holders: u32,
    /// Bytes per slot of one array (a reference or a 64-bit key: 8).
    pub slot_bytes: f64,
    /// Slots each array starts with.
    pub initial_slots: f64,
}

impl SurvivorIndex {
    /// Whether it describes arrays at all: at least one array and holder, slots of positive
    /// size and at least one slot to start with.
    pub fn is_valid(&self) -> bool {
        self.arrays >= 1
            && self.holders >= 1
            && self.slot_bytes.is_finite()
            && self.slot_bytes > 0.0
            && self.initial_slots.is_finite()
            && self.initial_slots >= 1.0
    }
}

/// A pool of pinned buffers on the managed heap (pinned `byte[]` handed out and returned, as
/// network stacks and I/O libraries do): pinned objects cannot be moved by a compacting GC.
#[derive(Clone, Debug, PartialEq)]
pub struct PinnedPoolSpec {
    /// Buffers in the pool.
    pub buffers: f64,
    /// Size of one buffer object, bytes.
    pub buffer_bytes: f64,
    /// Buffers dropped and replaced by freshly allocated pinned ones, per second.
    pub replacements_per_s: f64,
}
