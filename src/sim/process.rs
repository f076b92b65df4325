//! The process outside the GC heap: the runtime's own baseline, JIT code and type metadata that
//! grow while the application warms up, committed thread stacks, and other native memory.
//! Resident memory (RSS) is the sum of these parts plus the GC's committed memory, network
//! buffers and off-heap state.

/// Memory of the process that the GC does not manage, as configured. Sizes in bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessSpec {
    /// Resident memory of the runtime itself right after start-up (host, runtime, class
    /// libraries, GC bookkeeping at rest), bytes.
    pub runtime_baseline_bytes: f64,
    /// JIT-compiled code, type metadata and loader heaps once warm, bytes.
    pub code_bytes: f64,
    /// Time constant of code growth after start-up, seconds (63% of `code_bytes` after this long).
    pub code_warmup_s: f64,
    /// Managed threads besides the allocating workload threads (thread pool, timers, I/O).
    pub threads: u32,
    /// Committed (touched) stack per thread, bytes.
    pub stack_bytes_per_thread: f64,
    /// Other native memory (native libraries, buffers outside the GC), bytes.
    pub native_bytes: f64,
    /// Small objects the runtime and the application's start-up code allocate and keep for the
    /// life of the process (type objects, statics, configuration, dependency injection), bytes.
    pub startup_heap_bytes: f64,
    /// Large objects kept from start-up (the runtime's own object arrays), bytes.
    pub startup_loh_bytes: f64,
    /// Small objects allocated during start-up, live or dead, bytes (0: no more than
    /// `startup_heap_bytes`). The gen0 pages they touched are resident from the start and part
    /// of `runtime_baseline_bytes`; a segments GC allocates gen0 on them again after its GCs,
    /// where a regions GC moves gen0 to other regions.
    pub startup_allocated_bytes: f64,
    /// An in-process listener for the runtime's GC events, if the process runs one.
    pub gc_listener: Option<GcEventListener>,
}

/// An in-process listener for the runtime's GC events (an `EventListener` enabled on the
/// runtime's GC keyword, as metrics and diagnostics agents run). The runtime queues each GC's
/// events and a dispatcher thread hands them to the listener later; the dispatcher is a managed
/// thread, so it makes progress only while the runtime is not suspended for a GC. When the
/// workload ends, the listener receives what is still queued and writes out its records before
/// the process exits. Everything it allocates is small objects.
#[derive(Clone, Debug, PartialEq)]
pub struct GcEventListener {
    /// Short-lived objects allocated to receive one GC's events (event arguments and their
    /// payloads), bytes.
    pub transient_bytes_per_gc: f64,
    /// Objects kept per GC until the process exits (the listener's record of it), bytes.
    pub retained_bytes_per_gc: f64,
    /// Time the runtime runs unsuspended between a GC and its events reaching the listener,
    /// seconds.
    pub dispatch_lag_s: f64,
    /// Short-lived objects allocated to write out the records when the workload ends: a fixed
    /// part, bytes.
    pub report_bytes: f64,
    /// The same per GC recorded, bytes.
    pub report_bytes_per_gc: f64,
}

impl GcEventListener {
    /// Whether every figure is finite and not negative.
    pub fn is_valid(&self) -> bool {
        [
            self.transient_bytes_per_gc,
            self.retained_bytes_per_gc,
            self.dispatch_lag_s,
            self.report_bytes,
            self.report_bytes_per_gc,
        ]
        .iter()
        .all(|x| x.is_finite() && *x >= 0.0)
    }
}

impl Default for ProcessSpec {
    fn default() -> Self {
        ProcessSpec {
            runtime_baseline_bytes: 27.0 * 1_048_576.0,
            code_bytes: 30.0 * 1_048_576.0,
            code_warmup_s: 120.0,
            threads: 24,
            stack_bytes_per_thread: 128.0 * 1024.0,
            native_bytes: 16.0 * 1_048_576.0,
            startup_heap_bytes: 12.0 * 1_048_576.0,
            startup_loh_bytes: 1_048_576.0,
            startup_allocated_bytes: 0.0,
            gc_listener: None,
        }
    }
}

impl ProcessSpec {
    /// Code and metadata resident `uptime_s` seconds after the process started, bytes.
    pub fn code_at(&self, uptime_s: f64) -> f64 {
        if self.code_warmup_s <= 0.0 {
            return self.code_bytes;
        }
        self.code_bytes * (1.0 - (-uptime_s.max(0.0) / self.code_warmup_s).exp())
    }

    /// Committed thread stacks with `extra_threads` workload threads, bytes.
    pub fn stacks(&self, extra_threads: u32) -> f64 {
        (self.threads + extra_threads) as f64 * self.stack_bytes_per_thread
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_warms_up_towards_its_steady_size() {
        let p = ProcessSpec {
            code_bytes: 100.0,
            code_warmup_s: 10.0,
            ..Default::default()
        };
        assert_eq!(p.code_at(0.0), 0.0);
        assert!((p.code_at(10.0) - 100.0 * (1.0 - (-1.0f64).exp())).abs() < 1e-9);
        assert!(p.code_at(1000.0) > 99.99);
        assert_eq!(p.stacks(2), 26.0 * 128.0 * 1024.0);
    }
}
