//! What a run reports: periodic samples of every memory component, one record per GC, lifecycle
//! events (OOM kill, managed OutOfMemoryException, restart), and a summary. Results leave the core
//! through an [`Observer`] that the caller supplies (a CSV writer, a collector, or nothing).

pub use super::gc::GcRecord;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// No failure within the horizon.
    Ok,
    /// The kernel killed the container: resident memory passed the pod's memory limit.
    OomKilled,
    /// The .NET runtime threw OutOfMemoryException: live data did not fit under the heap hard limit.
    ManagedOom,
}

impl Outcome {
    /// `ok`, `oom_killed` or `managed_oom`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::OomKilled => "oom_killed",
            Outcome::ManagedOom => "managed_oom",
        }
    }
}

/// Memory of the process by component at one instant, bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Components {
    /// Objects (live or dead) in gen0.
    pub gen0: f64,
    /// Objects in gen1.
    pub gen1: f64,
    /// Objects in gen2.
    pub gen2: f64,
    /// Objects in the Large Object Heap.
    pub loh: f64,
    /// Free space inside the GC heap (fragmentation).
    pub fragmentation: f64,
    /// Memory committed by the GC (heap + free space + reserve for gen0 + bookkeeping).
    pub gc_committed: f64,
    /// Part of `gc_committed` never written, so not resident: fresh pages under large objects
    /// the application writes only in part, and on the emptied large regions the GC keeps
    /// committed, bytes.
    pub gc_untouched: f64,
    /// The part of `gc_untouched` on emptied large regions (outside `loh`), bytes.
    pub gc_untouched_parked: f64,
    /// Network buffers (off heap).
    pub network: f64,
    /// Off-heap state (native store).
    pub state_offheap: f64,
    /// Committed thread stacks.
    pub stacks: f64,
    /// The runtime's own baseline.
    pub runtime: f64,
    /// JIT code and type metadata.
    pub code: f64,
    /// Other native memory.
    pub native: f64,
    /// Live state held on the managed heap (part of gen0..gen2/LOH above).
    pub state_heap: f64,
}

impl Components {
    /// Resident memory: the GC's committed memory that was written, plus everything outside the
    /// GC heap.
    pub fn rss(&self) -> f64 {
        self.gc_committed - self.gc_untouched
            + self.network
            + self.state_offheap
            + self.stacks
            + self.runtime
            + self.code
            + self.native
    }
}

/// One row of the time series.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// Memory by component.
    pub mem: Components,
    /// Resident memory, bytes.
    pub rss: f64,
    /// Pod memory limit, bytes.
    pub limit: Option<f64>,
    /// Cumulative GCs by condemned generation since the run started (over restarts).
    pub gc_counts: [u64; 3],
    /// Share of the last sampling interval spent in GC pauses, percent.
    pub time_in_gc_pct: f64,
    /// Input record rate, records/s.
    pub record_rate: f64,
    /// Records waiting to be processed (after pauses or while down).
    pub backlog_records: f64,
    /// Whether the process was running (false while the pod restarts).
    pub running: bool,
    /// What the network, checkpoint, state and JobManager models report.
    pub models: ModelSample,
}

/// The network, checkpoint, state and JobManager figures of one sample.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ModelSample {
    /// Output buffers in use over the output pools' size (Flink's `outPoolUsage`), averaged over
    /// the last sampling interval (0..1).
    pub out_pool_usage: f64,
    /// Input buffers in use over the input pools' size (Flink's `inPoolUsage`), averaged over the
    /// last sampling interval (0..1).
    pub in_pool_usage: f64,
    /// Share of the last sampling interval the producer was backpressured, percent.
    pub backpressured_pct: f64,
    /// Network buffers taken from the pool at the sample (required ones included).
    pub network_buffers_taken: f64,
    /// Memtables of the off-heap state store at the sample, bytes (before allocator overhead).
    pub memtable_bytes: f64,
    /// Checkpoints in progress at the sample.
    pub checkpoints_in_progress: u32,
    /// Checkpoints completed since the run started.
    pub checkpoints_completed: u64,
    /// Checkpoints aborted (timed out or lost with the process) since the run started.
    pub checkpoints_failed: u64,
    /// Live checkpoint serialization buffers at the sample, bytes.
    pub checkpoint_buffer_bytes: f64,
    /// Live job and execution graphs and checkpoint metadata of a JobManager, bytes.
    pub job_metadata_bytes: f64,
}

/// A lifecycle event.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEvent {
    /// The container was OOM-killed.
    OomKilled {
        /// When, seconds.
        time_s: f64,
        /// Resident memory at the kill, bytes.
        rss: f64,
    },
    /// The runtime threw OutOfMemoryException and the process exited.
    ManagedOom {
        /// When, seconds.
        time_s: f64,
        /// GC committed memory at the time, bytes.
        committed: f64,
    },
    /// The container started again after a back-off.
    Restarted {
        /// When, seconds.
        time_s: f64,
        /// Restart number (1-based).
        restart: u32,
    },
}

/// Receives a run's results as they are produced. Every method has an empty default.
pub trait Observer {
    /// A periodic sample.
    fn on_sample(&mut self, _sample: &Sample) {}
    /// A completed GC.
    fn on_gc(&mut self, _record: &GcRecord) {}
    /// A lifecycle event.
    fn on_event(&mut self, _event: &RunEvent) {}
}

/// An observer that ignores everything (for sweeps that need only the summary).
#[derive(Clone, Copy, Debug, Default)]
pub struct NullObserver;

impl Observer for NullObserver {}

/// Collects everything in memory (for tests and small runs).
#[derive(Clone, Debug, Default)]
pub struct Collector {
    /// Samples in time order.
    pub samples: Vec<Sample>,
    /// GC records in completion order.
    pub gcs: Vec<GcRecord>,
    /// Lifecycle events.
    pub events: Vec<RunEvent>,
}

impl Observer for Collector {
    fn on_sample(&mut self, s: &Sample) {
        self.samples.push(s.clone());
    }
    fn on_gc(&mut self, r: &GcRecord) {
        self.gcs.push(r.clone());
    }
    fn on_event(&mut self, e: &RunEvent) {
        self.events.push(e.clone());
    }
}

/// Pause distribution kept as a log-bucketed histogram (1% wide buckets), so that memory stays
/// flat however many GCs a run has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PauseHistogram {
    counts: Vec<u64>,
    total: u64,
    max: f64,
}

const BUCKET_GROWTH: f64 = 1.01;
/// Smallest pause resolved, seconds (1 µs).
const MIN_PAUSE_S: f64 = 1e-6;

impl PauseHistogram {
    /// Adds one pause of `s` seconds.
    pub fn add(&mut self, s: f64) {
        let b = if s <= MIN_PAUSE_S {
            0
        } else {
            ((s / MIN_PAUSE_S).ln() / BUCKET_GROWTH.ln()).floor() as usize + 1
        };
        if b >= self.counts.len() {
            self.counts.resize(b + 1, 0);
        }
        self.counts[b] += 1;
        self.total += 1;
        self.max = self.max.max(s);
    }

    /// Number of pauses.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `q`-quantile (0..1) of the pauses, seconds: the upper edge of its bucket, never more
    /// than the largest pause seen (0 if empty).
    pub fn quantile(&self, q: f64) -> f64 {
        self.bucket_quantile(q).min(self.max)
    }

    fn bucket_quantile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return if b == 0 {
                    MIN_PAUSE_S
                } else {
                    MIN_PAUSE_S * BUCKET_GROWTH.powi(b as i32)
                };
            }
        }
        0.0
    }
}

/// The summary of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Simulated time covered, seconds.
    pub simulated_s: f64,
    /// When the workload ended, seconds: `simulated_s`, or earlier when the process stayed up
    /// after it (a GC event listener finishing its work).
    pub workload_end_s: f64,
    /// Highest resident memory, bytes.
    pub peak_rss: f64,
    /// When it was reached, seconds.
    pub peak_rss_time_s: f64,
    /// Memory by component at the peak.
    pub peak_components: Components,
    /// Largest heap size right after a GC, bytes.
    pub peak_heap_after_gc: f64,
    /// GCs by condemned generation.
    pub gc_counts: [u64; 3],
    /// Background GCs (among the gen2s).
    pub background_gcs: u64,
    /// Total pause time, seconds.
    pub pause_total_s: f64,
    /// Median pause, seconds.
    pub pause_p50_s: f64,
    /// 99th-percentile pause, seconds.
    pub pause_p99_s: f64,
    /// Longest pause, seconds.
    pub pause_max_s: f64,
    /// Share of running time spent in GC pauses, percent.
    pub time_in_gc_pct: f64,
    /// How the run ended.
    pub outcome: Outcome,
    /// When the first failure happened, seconds.
    pub outcome_time_s: Option<f64>,
    /// Failures over the run (OOM kills and managed OOMs, including those followed by a restart).
    pub failures: u32,
    /// Container restarts.
    pub restarts: u32,
    /// Bytes allocated by the workload.
    pub allocated_bytes: f64,
    /// Records processed.
    pub records: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_one_percent() {
        let mut h = PauseHistogram::default();
        for i in 1..=1000 {
            h.add(i as f64 * 1e-4);
        }
        let p50 = h.quantile(0.5);
        assert!((p50 - 0.05).abs() / 0.05 < 0.011, "{p50}");
        let p99 = h.quantile(0.99);
        assert!((p99 - 0.099).abs() / 0.099 < 0.011, "{p99}");
        assert_eq!(h.count(), 1000);
    }
}
