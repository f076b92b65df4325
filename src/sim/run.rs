//! One simulation run: assembles the models from a [`RunSpec`] and drives them through simulated
//! time. Allocation is a piecewise-constant flow between change points (traffic changes, GC
//! triggers, background-GC ends, state caps, checkpoint phases, job submissions, samples); at each
//! change point the models are advanced in closed form and the cause is handled.
//!
//! The record rate is the traffic's (or the catch-up capacity while a backlog is worked off),
//! capped by the network's limit (backpressure) and zero during a checkpoint's synchronous phase.
//! Objects the models create at once (network buffers on the heap, a JobManager's job graphs and
//! checkpoint metadata) are allocated at the build rate, one after the other.

use super::engine::EventQueue;
use super::gc::heap::{ClassSpec, Death, Flows, GEN0, GEN2, Holder, LOH, Placement};
use super::gc::{Gc, GcEnv, GcReason, GcSettings, MachineSpec};
use super::observe::{
    Components, ModelSample, Observer, Outcome, PauseHistogram, RunEvent, Sample, Summary,
};
use super::pod::{BACKOFF_RESET_S, PodSpec, RestartPolicy, restart_backoff_s};
use super::process::ProcessSpec;
use super::rng;
use super::workload::SurvivorIndex;
use super::workload::checkpoint::{CheckpointSpec, Checkpoints};
use super::workload::jobmanager::JobManagerSpec;
use super::workload::network::{BufferPlacement, NetworkSpec, RateLimit};
use super::workload::objects::{Lifetime, SizeFacts};
use super::workload::state::{State, StateSpec};
use super::workload::traffic::Traffic;
use super::workload::{PinnedPoolSpec, WorkloadSpec};
use crate::units::SimTime;
use rand::RngExt;

/// Everything one run needs, resolved and validated: plain typed values, no provenance.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    /// Scenario name.
    pub name: String,
    /// Seed of the run's random streams.
    pub seed: u64,
    /// Simulated time to cover, seconds.
    pub horizon_s: f64,
    /// Interval between time-series samples, seconds.
    pub sample_interval_s: f64,
    /// The machine and container as the runtime sees them.
    pub machine: MachineSpec,
    /// GC configuration.
    pub gc: GcSettings,
    /// Memory outside the GC heap.
    pub process: ProcessSpec,
    /// Pod memory settings.
    pub pod: PodSpec,
    /// Allocation behaviour.
    pub workload: WorkloadSpec,
    /// Keyed state, if any.
    pub state: Option<StateSpec>,
    /// A pool of pinned buffers on the heap, if any.
    pub pinned_pool: Option<PinnedPoolSpec>,
    /// Network buffers.
    pub network: NetworkSpec,
    /// Checkpoints of the state, if modelled.
    pub checkpoints: Option<CheckpointSpec>,
    /// A JobManager's jobs, if the process is a JobManager running described jobs.
    pub jobmanager: Option<JobManagerSpec>,
    /// Build the initial state by allocating it before the workload starts (else it is placed in
    /// gen2 as if it had been there for long).
    pub build_initial_state: bool,
    /// Rate at which the initial state and buffer pools are built, bytes/s (`None`: as fast as
    /// the workload's capacity allows).
    pub build_rate_bytes_per_s: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ev {
    Sample,
    TrafficChange,
    BackgroundEnd,
    Restart,
    Checkpoint,
    LimitCheck,
    /// JobManager: job `i` is submitted.
    JobSubmit(u32),
    /// JobManager: job `i` ends.
    JobEnd(u32),
    /// JobManager: the running jobs complete a checkpoint.
    JobCheckpoint,
}

/// Class layout of the heap for this run.
#[derive(Clone, Debug)]
struct Classes {
    /// (class index, lifetime, fraction of workload bytes).
    shares: Vec<(usize, Lifetime, f64)>,
    state: Option<usize>,
    pool: Option<usize>,
    startup: usize,
    /// Network buffers on the heap.
    network: Option<usize>,
    /// Checkpoint serialization buffers.
    checkpoint: Option<usize>,
    /// A JobManager's job graphs, then its checkpoint metadata.
    jobs: Option<usize>,
    /// The arrays that hold the mid-life survivors: small ones, then large ones (LOH).
    survivor_index: Option<usize>,
    /// A GC event listener's objects: the short-lived ones, then the records it keeps.
    listener: Option<usize>,
    n: usize,
}

/// Objects allocated at the build rate, one batch after the other.
#[derive(Clone, Copy, Debug)]
struct Pending {
    class: usize,
    bytes: f64,
    large: bool,
    /// Bytes that die once the batch is complete (what it replaces), oldest first.
    replaces: f64,
    /// The class of the bytes it replaces.
    replaces_class: usize,
    /// Another small-object class that takes a share of the batch's bytes, allocated with it.
    shared_with: Option<(usize, f64)>,
}

/// A run in progress.
pub struct Simulation<'a> {
    spec: &'a RunSpec,
    queue: EventQueue<Ev>,
    gc: Gc,
    traffic: Traffic,
    state: Option<State>,
    classes: Classes,
    sizes: SizeFacts,
    flows: Flows,
    now: f64,
    demand_rate: f64,
    next_traffic_change: f64,
    backlog: f64,
    allocated: f64,
    records: f64,
    running: bool,
    process_start: f64,
    init_remaining: f64,
    init_pool_remaining: f64,
    restarts: u32,
    failures: u32,
    outcome: Outcome,
    outcome_time: Option<f64>,
    finished: bool,
    peak_rss: f64,
    peak_rss_time: f64,
    peak_components: Components,
    peak_rss_since_start: f64,
    pauses: PauseHistogram,
    pause_total: f64,
    pause_in_interval: f64,
    running_time: f64,
    last_sample: f64,
    /// The most network buffers taken from the pool since the process started.
    network_peak_taken: f64,
    /// Slots of each survivor-index array now.
    index_slots: f64,
    network_limit: RateLimit,
    /// Time-weighted sums over the current sampling interval: out and in pool usage,
    /// backpressured time, and the time they cover.
    interval_out_usage: f64,
    interval_in_usage: f64,
    interval_backpressured: f64,
    interval_time: f64,
    /// Share of the state's bytes in entries on the LOH.
    state_loh_share: f64,
    checkpoints: Option<Checkpoints>,
    /// Draws the first due time of the checkpoints after each (re)start.
    checkpoint_rng: rng::ComponentRng,
    checkpoints_lost: u64,
    /// State bytes written so far (growth and rewrites), for incremental checkpoints.
    state_writes: f64,
    pending: std::collections::VecDeque<Pending>,
    pending_rate: f64,
    /// Rate at which the initial state or pool is being built right now, bytes/s.
    init_rate: f64,
    /// Allocation stopped because a large allocation waits for the background GC.
    allocation_waits: bool,
    /// Time the process ran unsuspended (outside GC pauses), seconds.
    mutator_time: f64,
    /// GCs whose events the listener has yet to receive: when (in `mutator_time`) they are due,
    /// and how many. Due events are handed over at the first GC after that time, or when the
    /// workload ends.
    listener_queue: std::collections::VecDeque<(f64, f64)>,
    /// GCs whose events the listener received.
    listener_gcs: f64,
    /// The workload has ended; the process finishes what is queued before it exits.
    winding_down: bool,
    /// The process failed and will not be restarted.
    exited: bool,
    /// Part of the runtime's baseline that the GC counts as its committed memory (gen0 pages
    /// touched during start-up, on segments), bytes.
    baseline_in_gc: f64,
    /// When the workload ended, seconds.
    workload_end: Option<f64>,
    checkpointed_state: f64,
    gc_counts_before: [u64; 3],
    background_before: u64,
    peak_heap_after_gc: f64,
    pause_max: f64,
    stalled: u64,
}

impl<'a> Simulation<'a> {
    /// Assembles the models of `spec`.
    pub fn new(spec: &'a RunSpec) -> Simulation<'a> {
        let threshold = (spec.gc.loh_threshold as f64).max(85_000.0);
        let facts = spec.workload.sizes.facts(threshold);
        let small = if facts.mean_small_object_bytes > 0.0 {
            facts.mean_small_object_bytes
        } else {
            256.0
        };
        let large = if facts.mean_large_object_bytes > 0.0 {
            facts.mean_large_object_bytes
        } else {
            262_144.0
        };
        let touch = spec.workload.large_object_touch_fraction.clamp(0.0, 1.0);
        let workload_class = |name: String, death: Death| ClassSpec {
            name,
            death,
            placement: Placement::Scattered,
            pinned: false,
            object_bytes: small,
            large_object_bytes: large,
            large_touch_fraction: touch,
            holder: Holder::OldContainer,
        };
        // Objects the application or a model keeps until it drops them, of the workload's sizes.
        let kept_class = |name: &str, placement: Placement| ClassSpec {
            name: name.into(),
            death: Death::Explicit,
            placement,
            pinned: false,
            object_bytes: small,
            large_object_bytes: large,
            large_touch_fraction: 1.0,
            holder: Holder::OldContainer,
        };
        let mut class_specs = vec![workload_class("die-young".into(), Death::Transient)];
        let mut shares = Vec::new();
        for (i, s) in spec.workload.lifetimes.iter().enumerate() {
            if s.fraction <= 0.0 || s.lifetime == Lifetime::DieYoung {
                continue;
            }
            class_specs.push(workload_class(format!("lifetime-{i}"), Death::Hazard));
            shares.push((class_specs.len() - 1, s.lifetime, s.fraction));
        }
        let state_heap = spec
            .state
            .as_ref()
            .filter(|s| matches!(s.backend, super::workload::state::StateBackend::Heap));
        let state_class = state_heap.map(|st| {
            let entries = st.entry_sizes().facts(threshold);
            let positive = |x: f64, fallback: f64| if x > 0.0 { x } else { fallback };
            class_specs.push(ClassSpec {
                name: "state".into(),
                death: Death::Explicit,
                placement: Placement::Packed,
                pinned: false,
                object_bytes: positive(entries.mean_small_object_bytes, st.entry_bytes).max(16.0),
                large_object_bytes: positive(entries.mean_large_object_bytes, st.entry_bytes)
                    .max(85_000.0),
                large_touch_fraction: 1.0,
                holder: match st.chunk_entries {
                    Some(entries) => Holder::Chunked { entries },
                    None => Holder::OldContainer,
                },
            });
            class_specs.len() - 1
        });
        // The pool is allocated in one go (packed); buffers that replace dropped ones are
        // allocated one at a time among the application's other objects (scattered).
        // Objects kept from start-up: never die.
        class_specs.push(ClassSpec {
            name: "startup".into(),
            death: Death::Explicit,
            placement: Placement::Packed,
            pinned: false,
            object_bytes: small,
            large_object_bytes: large,
            large_touch_fraction: 1.0,
            holder: Holder::OldContainer,
        });
        let startup_class = class_specs.len() - 1;
        let pool_class = spec.pinned_pool.as_ref().map(|p| {
            for (name, placement) in [
                ("pinned-pool", Placement::Packed),
                ("pinned-replacements", Placement::Scattered),
            ] {
                class_specs.push(ClassSpec {
                    name: name.into(),
                    death: Death::Explicit,
                    placement,
                    pinned: true,
                    object_bytes: p.buffer_bytes.max(16.0),
                    large_object_bytes: p.buffer_bytes.max(85_000.0),
                    large_touch_fraction: 1.0,
                    holder: Holder::OldContainer,
                });
            }
            class_specs.len() - 2
        });
        // Network buffers on the heap: pinned byte[] allocated as the pool is first used, among
        // the application's other objects, and kept by the pool.
        let network_class = (spec.network.placement == BufferPlacement::Heap
            && spec.network.total_buffers() > 0.0)
            .then(|| {
                let object = spec.network.heap_object_bytes();
                class_specs.push(ClassSpec {
                    name: "network-buffers".into(),
                    death: Death::Explicit,
                    placement: Placement::Scattered,
                    pinned: true,
                    object_bytes: object,
                    large_object_bytes: object.max(85_000.0),
                    large_touch_fraction: 1.0,
                    holder: Holder::OldContainer,
                });
                class_specs.len() - 1
            });
        // Checkpoint serialization buffers: dropped as they are uploaded, oldest first.
        let checkpoint_class = spec.checkpoints.as_ref().map(|c| {
            let object = c.buffer_bytes.max(16.0);
            class_specs.push(ClassSpec {
                name: "checkpoint-buffers".into(),
                death: Death::Explicit,
                placement: Placement::Scattered,
                pinned: false,
                object_bytes: object,
                large_object_bytes: object.max(85_000.0),
                large_touch_fraction: 1.0,
                holder: Holder::OldContainer,
            });
            class_specs.len() - 1
        });
        // A JobManager's job graphs (built in one go) and checkpoint metadata (a batch per
        // checkpoint, the oldest dropped first).
        let jobs_class = spec.jobmanager.as_ref().map(|_| {
            for (name, placement) in [
                ("job-graphs", Placement::Packed),
                ("checkpoint-metadata", Placement::Scattered),
            ] {
                class_specs.push(kept_class(name, placement));
            }
            class_specs.len() - 2
        });
        // The arrays holding the mid-life survivors: packed, replaced whole when they grow;
        // small ones, then large ones (both take the workload's typical object sizes, which the
        // GC uses only to count objects).
        let index_class = spec
            .workload
            .survivor_index
            .as_ref()
            .filter(|ix| !shares.is_empty() && ix.is_valid())
            .map(|_| {
                for name in ["survivor-index", "survivor-index-large"] {
                    class_specs.push(kept_class(name, Placement::Packed));
                }
                class_specs.len() - 2
            });
        // A GC event listener's objects: event arguments that die young (small objects of a
        // typical 128 bytes), and its records, kept to the end in one list whose array ages with
        // them (`Holder::GrowingList`): the GC counts one object per record.
        let listener_class = spec
            .process
            .gc_listener
            .as_ref()
            .filter(|l| l.is_valid())
            .map(|l| {
                for (name, death, object) in [
                    ("gc-listener-events", Death::Transient, 128.0),
                    (
                        "gc-listener-records",
                        Death::Explicit,
                        l.retained_bytes_per_gc.max(16.0),
                    ),
                ] {
                    class_specs.push(ClassSpec {
                        name: name.into(),
                        death,
                        placement: Placement::Scattered,
                        pinned: false,
                        object_bytes: object,
                        large_object_bytes: large,
                        large_touch_fraction: 1.0,
                        holder: Holder::GrowingList,
                    });
                }
                class_specs.len() - 2
            });
        let n = class_specs.len();
        let mut gc = Gc::new(&spec.gc, &spec.machine, class_specs);
        gc.seed(spec.seed);
        gc.set_allocating_threads(spec.workload.threads);
        let sizes = spec.workload.sizes.facts(gc.tuning.loh_threshold);
        let traffic = Traffic::new(
            spec.workload.traffic.clone(),
            rng::stream(spec.seed, "traffic"),
        );
        let state = spec.state.clone().map(State::new);
        let mut sim = Simulation {
            spec,
            queue: EventQueue::new(),
            gc,
            traffic,
            state,
            classes: Classes {
                shares,
                state: state_class,
                pool: pool_class,
                startup: startup_class,
                network: network_class,
                checkpoint: checkpoint_class,
                jobs: jobs_class,
                survivor_index: index_class,
                listener: listener_class,
                n,
            },
            sizes,
            flows: Flows::zero(n),
            now: 0.0,
            demand_rate: 0.0,
            next_traffic_change: 0.0,
            backlog: 0.0,
            allocated: 0.0,
            records: 0.0,
            running: true,
            process_start: 0.0,
            init_remaining: 0.0,
            init_pool_remaining: 0.0,
            restarts: 0,
            failures: 0,
            outcome: Outcome::Ok,
            outcome_time: None,
            finished: false,
            peak_rss: 0.0,
            peak_rss_time: 0.0,
            peak_components: Components::default(),
            peak_rss_since_start: 0.0,
            pauses: PauseHistogram::default(),
            pause_total: 0.0,
            pause_in_interval: 0.0,
            running_time: 0.0,
            last_sample: 0.0,
            network_peak_taken: 0.0,
            index_slots: 0.0,
            network_limit: spec.network.rate_limit(),
            interval_out_usage: 0.0,
            interval_in_usage: 0.0,
            interval_backpressured: 0.0,
            interval_time: 0.0,
            state_loh_share: spec
                .state
                .as_ref()
                .map(|s| s.entry_sizes().facts(threshold).loh_byte_fraction)
                .unwrap_or(0.0),
            checkpoints: spec
                .checkpoints
                .clone()
                .map(|c| Checkpoints::new(c, f64::INFINITY)),
            checkpoint_rng: rng::stream(spec.seed, "checkpoints"),
            checkpoints_lost: 0,
            state_writes: 0.0,
            pending: std::collections::VecDeque::new(),
            pending_rate: 0.0,
            init_rate: 0.0,
            allocation_waits: false,
            mutator_time: 0.0,
            listener_queue: std::collections::VecDeque::new(),
            listener_gcs: 0.0,
            winding_down: false,
            exited: false,
            baseline_in_gc: 0.0,
            workload_end: None,
            checkpointed_state: 0.0,
            gc_counts_before: [0; 3],
            background_before: 0,
            peak_heap_after_gc: 0.0,
            pause_max: 0.0,
            stalled: 0,
        };
        sim.start_process(
            0.0,
            sim.spec
                .state
                .as_ref()
                .map(|s| s.initial_bytes)
                .unwrap_or(0.0),
        );
        sim
    }

    /// Places or schedules the initial state and the pinned pool of a (re)started process.
    fn start_process(&mut self, t: f64, state_bytes: f64) {
        self.process_start = t;
        self.peak_rss_since_start = 0.0;
        // The first arrays are part of the start-up heap (`ProcessSpec::startup_heap_bytes`).
        if let Some(ix) = &self.spec.workload.survivor_index {
            self.index_slots = ix.initial_slots;
        }
        let p = &self.spec.process;
        let (c, soh, loh) = (
            self.classes.startup,
            p.startup_heap_bytes,
            p.startup_loh_bytes,
        );
        self.gc.heap.place(GEN0, c, soh);
        self.gc.heap.gens[GEN0].remaining -= soh;
        self.gc.heap.place(LOH, c, loh);
        self.gc.heap.gens[LOH].remaining -= loh;
        // The gen0 pages start-up touched are in the baseline; where the GC counts them as
        // committed, they leave it.
        self.baseline_in_gc = self.gc.start_with_touched_gen0(p.startup_allocated_bytes);
        if let Some(p) = &self.spec.pinned_pool {
            self.init_pool_remaining = p.buffers * p.buffer_bytes;
        }
        // The first checkpoint is due at a random time within an interval (as Flink draws it).
        if let Some(cp) = self.checkpoints.as_mut() {
            let u: f64 = self.checkpoint_rng.random();
            let first = cp.first_due(t, u);
            cp.restart(first);
        }
        // The buffers the deployed tasks require are taken from the pool at once.
        let spec: &'a RunSpec = self.spec;
        let net = &spec.network;
        self.network_peak_taken = net.allocated_at_start();
        if let Some(c) = self.classes.network {
            self.allocate(c, self.network_peak_taken * net.heap_object_bytes());
        }
        // A restarted JobManager recovers its running jobs and their retained checkpoints.
        if let (Some(jm), Some(c)) = (&spec.jobmanager, self.classes.jobs)
            && t > 0.0
        {
            let running = f64::from(jm.running_jobs(t));
            let retained = if jm.checkpoint_interval_s.is_some() {
                f64::from(jm.retained_checkpoints) * jm.checkpoint_bytes()
            } else {
                0.0
            };
            self.allocate(c, running * jm.graph_bytes());
            self.allocate(c + 1, running * retained);
        }
        if let Some(st) = self.state.as_mut() {
            st.restore(t, state_bytes);
        }
        if let Some(c) = self.classes.state {
            if self.spec.build_initial_state {
                self.init_remaining = state_bytes;
            } else {
                self.gc.heap.place(GEN2, c, state_bytes);
            }
        }
    }

    /// Most records per second the process works through: the configured capacity, or four
    /// times the base rate.
    fn capacity(&self) -> f64 {
        self.spec
            .workload
            .capacity_records_per_s
            .unwrap_or(4.0 * self.spec.workload.traffic.base_records_per_s)
            .max(1e-9)
    }

    /// Most records per second right now: the capacity, slowed down while allocation faults in
    /// never-touched pages (first-touch page faults, with the contention of the threads that
    /// fault at the same time) and while a background GC makes Workstation GC's allocating
    /// threads sleep. A page faults when it is first written: small objects are written densely
    /// (headers and contents), large ones only in the share the application writes
    /// (`large_object_touch_fraction`), since the allocator does not clear fresh pages. Small
    /// objects fault while gen0 is at its high-water mark, large ones while the LOH has no free
    /// space to reuse. The sleeps are spread over the allocating threads, which sleep in turn.
    fn capacity_now(&self) -> f64 {
        let cpu = self.capacity();
        let small_fresh = self.gc.allocating_into_fresh_memory();
        let large_fresh = self.gc.allocating_large_into_fresh_memory();
        let large = self.sizes.loh_byte_fraction.clamp(0.0, 1.0);
        let bytes_per_record = self.spec.workload.bytes_per_record.max(1.0);
        let threads = self
            .spec
            .workload
            .threads
            .clamp(1, self.spec.machine.cores.max(1)) as f64;
        let sleep_s_per_record = bytes_per_record
            * (1.0 - large)
            * self
                .gc
                .background_allocation_sleep_s_per_byte(self.sizes.mean_small_object_bytes)
            / threads;
        if !small_fresh && !large_fresh {
            return cpu / (1.0 + cpu * sleep_s_per_record);
        }
        let fault_s_per_byte =
            self.spec.machine.speed.page_fault_s_per_mib * threads.sqrt() / 1_048_576.0;
        let written = self
            .spec
            .workload
            .large_object_touch_fraction
            .clamp(0.0, 1.0);
        let share = |fresh: bool, part: f64| if fresh { part } else { 0.0 };
        let touched_bytes_per_record = bytes_per_record
            * (share(small_fresh, 1.0 - large) + share(large_fresh, large * written));
        cpu / (1.0 + cpu * (touched_bytes_per_record * fault_s_per_byte + sleep_s_per_record))
    }

    /// Records the process would work through per second right now, before the network's limit.
    fn wanted_rate(&self) -> f64 {
        if !self.running
            || self.winding_down
            || self.init_remaining > 0.0
            || self.init_pool_remaining > 0.0
            || self.stopped()
            || self.traffic.paused_at(self.now)
            || self
                .checkpoints
                .as_ref()
                .is_some_and(|c| c.in_sync_phase(self.now))
        {
            return 0.0;
        }
        let capacity = self.capacity_now();
        if self.spec.workload.unthrottled || self.backlog > 0.0 || self.demand_rate > capacity {
            // Working through a backlog, or falling behind: as fast as the process can.
            capacity
        } else {
            self.demand_rate
        }
    }

    /// Records processed per second right now: what the process wants, capped by the network.
    fn processing_rate(&self) -> f64 {
        self.wanted_rate().min(self.network_limit.records_per_s)
    }

    /// Whether the network holds the producer back right now.
    fn backpressured(&self) -> bool {
        self.wanted_rate() > self.network_limit.records_per_s * (1.0 + 1e-12)
    }

    /// Queues `bytes` of objects of `class` to be allocated at the build rate.
    fn allocate(&mut self, class: usize, bytes: f64) {
        if bytes > 0.0 {
            self.allocate_replacing(class, bytes, 0.0);
        }
    }

    /// Queues `bytes` of objects of `class` to be allocated at the build rate; once they are,
    /// `replaces` bytes of the class die, oldest first.
    fn allocate_replacing(&mut self, class: usize, bytes: f64, replaces: f64) {
        let large = self.gc.heap.classes[class].object_bytes >= self.gc.tuning.loh_threshold;
        self.pending.push_back(Pending {
            class,
            bytes: bytes.max(0.0),
            large,
            replaces: replaces.max(0.0),
            replaces_class: class,
            shared_with: None,
        });
    }

    fn stopped(&self) -> bool {
        self.spec
            .workload
            .stop_after_bytes
            .is_some_and(|b| self.allocated >= b - 1e-6)
    }

    /// Builds the allocation flows for the current instant.
    fn compute_flows(&mut self) {
        let n = self.classes.n;
        let r = self.processing_rate();
        let build_rate = self.build_rate();
        let loh_threshold = self.gc.tuning.loh_threshold;
        let state_loh_share = self.state_loh_share;
        let f = &mut self.flows;
        f.soh.iter_mut().for_each(|x| *x = 0.0);
        f.loh.iter_mut().for_each(|x| *x = 0.0);
        f.hazard.iter_mut().for_each(|x| *x = 0.0);
        debug_assert_eq!(f.soh.len(), n);
        self.pending_rate = 0.0;
        self.init_rate = 0.0;
        self.allocation_waits = false;
        if !self.running {
            return;
        }
        let loh_share = self.sizes.loh_byte_fraction;
        let building = self.init_pool_remaining > 0.0 || self.init_remaining > 0.0;
        if self.init_pool_remaining > 0.0 {
            if let (Some(c), Some(p)) = (self.classes.pool, &self.spec.pinned_pool) {
                self.init_rate = build_rate;
                if p.buffer_bytes >= loh_threshold {
                    f.loh[c] = build_rate
                } else {
                    f.soh[c] = build_rate
                }
            }
        } else if self.init_remaining > 0.0 {
            if let Some(c) = self.classes.state {
                self.init_rate = build_rate;
                f.soh[c] = build_rate * (1.0 - state_loh_share);
                f.loh[c] = build_rate * state_loh_share;
            }
        } else {
            let alloc = r * self.spec.workload.bytes_per_record;
            let mut long_lived = 0.0;
            for &(c, life, frac) in &self.classes.shares {
                f.soh[c] = alloc * frac * (1.0 - loh_share);
                f.loh[c] = alloc * frac * loh_share;
                f.hazard[c] = match life {
                    Lifetime::MeanSeconds(m) if m > 0.0 => 1.0 / m,
                    Lifetime::MeanAllocatedBytes(b) if b > 0.0 => 0.0 * b,
                    _ => 0.0,
                };
                long_lived += frac;
            }
            let transient = (1.0 - long_lived).max(0.0);
            f.soh[0] = alloc * transient * (1.0 - loh_share);
            f.loh[0] = alloc * transient * loh_share;
            if let (Some(st), Some(c)) = (self.state.as_ref(), self.classes.state) {
                let growth = st.capped_growth(st.growth_rate(r, alloc));
                let w = growth + st.update_rate(r);
                f.soh[c] += w * (1.0 - state_loh_share);
                f.loh[c] += w * state_loh_share;
            }
            if let (Some(p), Some(c)) = (&self.spec.pinned_pool, self.classes.pool) {
                let w = p.replacements_per_s * p.buffer_bytes;
                if p.buffer_bytes >= loh_threshold {
                    f.loh[c + 1] += w
                } else {
                    f.soh[c + 1] += w
                }
            }
        }
        // Objects the models create at once, one batch after the other at the build rate.
        if let Some(p) = self.pending.front() {
            let own = match p.shared_with {
                Some((c, share)) => {
                    f.soh[c] += build_rate * share;
                    build_rate * (1.0 - share)
                }
                None => build_rate,
            };
            if p.large {
                f.loh[p.class] += own;
            } else {
                f.soh[p.class] += own;
            }
            self.pending_rate = build_rate;
        }
        // A JobManager's REST and heartbeat traffic dies young.
        if let Some(jm) = &self.spec.jobmanager {
            let t = jm.traffic(jm.running_jobs(self.now), loh_threshold);
            f.soh[0] += t.small_bytes_per_s;
            f.loh[0] += t.large_bytes_per_s;
        }
        // A large allocation that must wait for the background GC stops the allocating threads.
        let waits = !building && self.gc.large_allocation_waits();
        if let Some(cp) = self.checkpoints.as_mut() {
            cp.set_serialization_paused(false);
            if let Some(c) = self.classes.checkpoint {
                let (alloc, _) = cp.flows(self.now);
                if cp.spec().buffer_bytes >= loh_threshold {
                    f.loh[c] += alloc;
                } else {
                    f.soh[c] += alloc;
                }
            }
        }
        if waits && f.loh_total() > 0.0 {
            f.soh.iter_mut().for_each(|x| *x = 0.0);
            f.loh.iter_mut().for_each(|x| *x = 0.0);
            self.pending_rate = 0.0;
            self.allocation_waits = true;
            if let Some(cp) = self.checkpoints.as_mut() {
                cp.set_serialization_paused(true);
            }
        }
        // Allocation-clock lifetimes decay with the total allocation rate.
        if !building {
            let total = f.soh_total() + f.loh_total();
            for &(c, life, _) in &self.classes.shares {
                if let Lifetime::MeanAllocatedBytes(b) = life
                    && b > 0.0
                {
                    f.hazard[c] = total / b;
                }
            }
        }
    }

    /// Rate at which initial state, pools and the models' batches are built, bytes/s.
    fn build_rate(&self) -> f64 {
        self.spec
            .build_rate_bytes_per_s
            .unwrap_or_else(|| self.capacity_bytes())
            .min(1e12)
    }

    fn capacity_bytes(&self) -> f64 {
        self.capacity() * self.spec.workload.bytes_per_record.max(1.0)
    }

    fn components(&self) -> Components {
        let g = &self.gc.heap.gens;
        let p = &self.spec.process;
        if !self.running {
            return Components::default();
        }
        let uptime = self.now - self.process_start;
        let state_heap = self
            .classes
            .state
            .map(|c| self.gc.heap.class_live(c))
            .unwrap_or(0.0);
        Components {
            gen0: g[0].obj,
            gen1: g[1].obj,
            gen2: g[2].obj,
            loh: g[3].obj,
            fragmentation: self.gc.heap.total_free(),
            gc_committed: self.gc.committed_bytes(),
            gc_untouched: self.gc.untouched_bytes(),
            gc_untouched_parked: self.gc.parked_untouched_bytes(),
            network: self.spec.network.resident_bytes(self.network_peak_taken),
            state_offheap: self.state.as_ref().map(State::offheap_bytes).unwrap_or(0.0),
            stacks: p.stacks(self.spec.workload.threads),
            runtime: p.runtime_baseline_bytes - self.baseline_in_gc,
            code: p.code_at(uptime),
            native: p.native_bytes,
            state_heap,
        }
    }

    fn rss(&self) -> f64 {
        self.components().rss()
    }

    fn env(&self) -> GcEnv {
        GcEnv {
            process_resident: self.rss(),
        }
    }

    /// Runs to the horizon (or the end of a finite job, or a failure without restart), then,
    /// with a GC event listener, for as long as the listener takes to finish (at most a minute
    /// more); reports to `observer` and returns the summary.
    pub fn run(mut self, observer: &mut dyn Observer) -> Summary {
        let mut horizon = self.spec.horizon_s;
        self.queue.schedule(SimTime::ZERO, Ev::Sample);
        self.queue.schedule(SimTime::ZERO, Ev::TrafficChange);
        if let RestartPolicy::Always {
            checkpoint_interval_s,
            ..
        } = self.spec.pod.restart
            && checkpoint_interval_s > 0.0
        {
            self.queue.schedule(
                SimTime::from_secs_f64(checkpoint_interval_s),
                Ev::Checkpoint,
            );
        }
        if let Some(iv) = self.spec.pod.limit_check_interval_s.filter(|i| *i > 0.0) {
            self.queue
                .schedule(SimTime::from_secs_f64(iv), Ev::LimitCheck);
        }
        if let Some(jm) = &self.spec.jobmanager {
            for i in 0..jm.jobs {
                let at = jm.submit_time(i);
                if at < horizon {
                    self.queue
                        .schedule(SimTime::from_secs_f64(at), Ev::JobSubmit(i));
                }
                if let Some(d) = jm.job_duration_s
                    && at + d < horizon
                {
                    self.queue
                        .schedule(SimTime::from_secs_f64(at + d), Ev::JobEnd(i));
                }
            }
            if let Some(iv) = jm.checkpoint_interval_s.filter(|i| *i > 0.0) {
                self.queue
                    .schedule(SimTime::from_secs_f64(iv), Ev::JobCheckpoint);
            }
        }
        loop {
            if self.finished || self.now >= horizon {
                // A normal end leaves the process up while it finishes what is queued.
                if !self.winding_down && self.wind_down() {
                    self.finished = false;
                    horizon = self.now + WIND_DOWN_LIMIT_S;
                    continue;
                }
                break;
            }
            self.compute_flows();
            let t_event = self
                .queue
                .peek_time()
                .map(|t| t.as_secs_f64())
                .unwrap_or(f64::INFINITY);
            let mut t_next = t_event.min(horizon);
            let mut cause = Cause::Event;
            if self.running {
                if let Some((dt, reason)) = self.gc.time_to_trigger(&self.flows, self.now)
                    && self.now + dt < t_next
                {
                    t_next = self.now + dt;
                    cause = Cause::Gc(reason);
                }
                for (t, c) in self.flow_limits() {
                    if t < t_next {
                        t_next = t;
                        cause = c;
                    }
                }
            }
            if t_next >= horizon && cause == Cause::Event && t_event > horizon {
                cause = Cause::Horizon;
            }
            let dt = (t_next - self.now).max(0.0);
            if dt <= 0.0 {
                self.stalled += 1;
                if self.stalled > 100_000 {
                    panic!(
                        "simulation stalled at t={} cause={:?} flows={:?} gc0={} loh={} bgc={:?}",
                        self.now,
                        cause,
                        self.flows,
                        self.gc.heap.gens[0].remaining,
                        self.gc.heap.gens[3].remaining,
                        self.gc.background_end_s()
                    );
                }
            } else {
                self.stalled = 0;
            }
            self.advance(dt);
            if self.finished {
                break;
            }
            if self.running && self.check_limit(observer) {
                continue;
            }
            match cause {
                Cause::Gc(reason) => self.run_gc(reason, observer),
                Cause::Event => {
                    if let Some((_, _, ev)) = self.queue.pop() {
                        self.handle(ev, observer);
                    }
                }
                Cause::Horizon => {}
                Cause::PendingDone => {
                    if let Some(p) = self.pending.pop_front()
                        && p.replaces > 0.0
                    {
                        self.gc.heap.kill_oldest_first(p.replaces_class, p.replaces);
                    }
                    if self.winding_down && self.pending.is_empty() {
                        self.finished = true;
                    }
                }
                Cause::Checkpoint => self.on_checkpoint_time(),
                Cause::IndexFull => self.grow_survivor_index(true),
                Cause::FreshPages => {}
                Cause::StateCap
                | Cause::StateExpiry
                | Cause::InitDone
                | Cause::Stop
                | Cause::BacklogCleared => {
                    if cause == Cause::BacklogCleared {
                        self.backlog = 0.0;
                    }
                    if cause == Cause::InitDone {
                        if self.init_pool_remaining > 0.0 {
                            self.init_pool_remaining = 0.0;
                        } else {
                            self.init_remaining = 0.0;
                        }
                    }
                    if cause == Cause::Stop && !self.winding_down {
                        self.finished = true;
                    }
                }
            }
            // A job that stops after a set volume ends when it gets there, whichever limit was
            // met at the same instant.
            if self.stopped() && !self.winding_down {
                self.finished = true;
            }
        }
        self.emit_sample(observer);
        self.summary()
    }

    /// Times (absolute) at which a flow reaches a threshold: state cap, TTL expiry, end of the
    /// initial build, the job's byte target, a cleared backlog.
    fn flow_limits(&mut self) -> Vec<(f64, Cause)> {
        let mut out = Vec::new();
        let r = self.processing_rate();
        let init_rate = self.init_rate;
        if self.init_pool_remaining > 0.0 && init_rate > 0.0 {
            out.push((
                self.now + self.init_pool_remaining / init_rate,
                Cause::InitDone,
            ));
        } else if self.init_remaining > 0.0 && init_rate > 0.0 {
            out.push((self.now + self.init_remaining / init_rate, Cause::InitDone));
        }
        if let Some(st) = &self.state {
            let growth = st.growth_rate(r, r * self.spec.workload.bytes_per_record);
            let tc = st.time_to_cap(growth);
            if tc.is_finite() && tc > 0.0 {
                out.push((self.now + tc, Cause::StateCap));
            }
            let te = st.next_expiry();
            if te.is_finite() {
                out.push((te.max(self.now), Cause::StateExpiry));
            }
        }
        if let Some(stop) = self.spec.workload.stop_after_bytes {
            let rate = r * self.spec.workload.bytes_per_record;
            if rate > 0.0 && self.init_remaining <= 0.0 {
                out.push((
                    self.now + (stop - self.allocated).max(0.0) / rate,
                    Cause::Stop,
                ));
            }
        }
        if self.backlog > 0.0 && !self.spec.workload.unthrottled && r > 0.0 {
            let drain = r - self.demand_rate;
            if drain > 0.0 && drain.is_finite() {
                out.push((self.now + self.backlog / drain, Cause::BacklogCleared));
            }
        }
        if let Some(p) = self.pending.front()
            && self.pending_rate > 0.0
        {
            out.push((self.now + p.bytes / self.pending_rate, Cause::PendingDone));
        }
        if let Some(cp) = &self.checkpoints {
            let t = cp.next_change(self.now);
            if t.is_finite() {
                out.push((t, Cause::Checkpoint));
            }
        }
        if let Some(t) = self.time_to_fill_survivor_index() {
            out.push((self.now + t, Cause::IndexFull));
        }
        // Small-object allocation slows down once it runs past the committed pages it has
        // already touched (first-touch page faults): the rate changes there.
        // (Only the workload's own objects pay the faults: without them the rate does not change.)
        let large_share = self.sizes.loh_byte_fraction.clamp(0.0, 1.0);
        let soh_rate = self.flows.soh_total();
        let slack = self.gc.soh_slack_bytes();
        if slack >= 1.0 && soh_rate > 0.0 && large_share < 1.0 {
            // Gen0's free list (between demoted pins) is filled first, within the heap's size.
            let room = slack + self.gc.heap.gens[GEN0].free.max(0.0);
            out.push((self.now + room / soh_rate, Cause::FreshPages));
        }
        // Large objects do the same once the LOH's free space is used up.
        let loh_rate = self.flows.loh_total();
        let room = self.gc.loh_reusable_bytes();
        if room >= 1.0 && loh_rate > 0.0 && large_share > 0.0 {
            out.push((self.now + room / loh_rate, Cause::FreshPages));
        }
        out
    }

    /// Advances every model by `dt` seconds at the current flows.
    fn advance(&mut self, dt: f64) {
        if self.running {
            let r = self.processing_rate();
            self.gc.advance(&self.flows, dt, self.now + dt);
            let alloc_rate = r * self.spec.workload.bytes_per_record;
            if self.init_pool_remaining > 0.0 {
                let built = self.init_rate * dt;
                self.init_pool_remaining = (self.init_pool_remaining - built).max(0.0);
            } else if self.init_remaining > 0.0 {
                let built = self.init_rate * dt;
                self.init_remaining = (self.init_remaining - built).max(0.0);
            } else {
                self.allocated += alloc_rate * dt;
                self.records += r * dt;
            }
            if !self.spec.workload.unthrottled {
                let processed = r * dt;
                self.backlog = (self.backlog + self.demand_rate * dt - processed).max(0.0);
                if self.backlog < 1e-9 * self.demand_rate.max(1.0) {
                    self.backlog = 0.0;
                }
            }
            if let Some(st) = self.state.as_mut() {
                let building = self.init_remaining > 0.0 || self.init_pool_remaining > 0.0;
                let growth = if building {
                    0.0
                } else {
                    st.capped_growth(st.growth_rate(r, alloc_rate))
                };
                let update = if building { 0.0 } else { st.update_rate(r) };
                let step = st.advance(self.now, dt, growth, update);
                self.state_writes += step.write_rate * dt;
                if let Some(c) = self.classes.state {
                    if step.replaced > 0.0 {
                        self.gc.heap.kill_proportional(c, step.replaced);
                    }
                    if step.expired > 0.0 {
                        self.gc.heap.kill_oldest_first(c, step.expired);
                    }
                }
            }
            if let (Some(p), Some(c)) = (&self.spec.pinned_pool, self.classes.pool) {
                let replaced = p.replacements_per_s * p.buffer_bytes * dt;
                if replaced > 0.0
                    && !self.winding_down
                    && self.init_remaining <= 0.0
                    && self.init_pool_remaining <= 0.0
                {
                    // Replaced buffers are picked at random among the pool's.
                    let (a, b) = (self.gc.heap.class_live(c), self.gc.heap.class_live(c + 1));
                    if a + b > 0.0 {
                        self.gc.heap.kill_proportional(c, replaced * a / (a + b));
                        self.gc
                            .heap
                            .kill_proportional(c + 1, replaced * b / (a + b));
                    }
                }
            }
            self.grow_survivor_index(false);
            self.advance_models(r, dt);
            self.running_time += dt;
            self.mutator_time += dt;
        } else if dt > 0.0 && !self.running {
            self.backlog += self.demand_rate * dt;
        }
        self.now += dt;
        self.queue.advance_to(SimTime::from_secs_f64(self.now));
        self.note_rss();
    }

    /// The GC event listener receives the events of the GCs queued for it: those due by now, or
    /// all of them (`all`, when the workload has ended).
    fn deliver_gc_events(&mut self, all: bool) {
        let (Some(l), Some(c)) = (
            self.spec.process.gc_listener.as_ref(),
            self.classes.listener,
        ) else {
            self.listener_queue.clear();
            return;
        };
        let mut gcs = 0.0;
        while let Some(&(due, n)) = self.listener_queue.front() {
            if !all && due > self.mutator_time + 1e-12 {
                break;
            }
            gcs += n;
            self.listener_queue.pop_front();
        }
        self.listener_gcs += gcs;
        // One batch: the event objects, and among them the records.
        let bytes = gcs * (l.transient_bytes_per_gc + l.retained_bytes_per_gc);
        if bytes > 0.0 {
            self.allocate(c, bytes);
            if let Some(p) = self.pending.back_mut() {
                p.shared_with = Some((c + 1, gcs * l.retained_bytes_per_gc / bytes));
            }
        }
    }

    /// The workload has ended normally: a process with a GC event listener stays up while the
    /// listener receives the events still queued and writes out its records (short-lived
    /// objects, allocated with no workload running). Returns whether there is such work to do.
    fn wind_down(&mut self) -> bool {
        if self.winding_down || !self.running || self.exited {
            return false;
        }
        let (Some(l), Some(c)) = (
            self.spec.process.gc_listener.as_ref(),
            self.classes.listener,
        ) else {
            return false;
        };
        self.winding_down = true;
        self.workload_end = Some(self.now);
        self.deliver_gc_events(true);
        let report = l.report_bytes + l.report_bytes_per_gc * self.listener_gcs;
        self.allocate(c, report);
        if self.pending.is_empty() {
            self.winding_down = false;
            return false;
        }
        true
    }

    /// Per lifetime class of the mid-life survivors: live objects, objects arriving per second
    /// and their death hazard (1/s), at the current flows.
    fn survivor_objects(&self) -> Vec<(f64, f64, f64)> {
        let heap = &self.gc.heap;
        self.classes
            .shares
            .iter()
            .map(|&(s, _, _)| {
                let class = &heap.classes[s];
                let (small, large) = (
                    class.object_bytes.max(1.0),
                    class.large_object_bytes.max(1.0),
                );
                let live = (GEN0..LOH)
                    .map(|g| heap.gens[g].live[s] / small)
                    .sum::<f64>()
                    + heap.gens[LOH].live[s] / large;
                let arriving = self.flows.soh[s] / small + self.flows.loh[s] / large;
                (live, arriving, self.flows.hazard[s])
            })
            .collect()
    }

    /// Seconds until the live mid-life survivors fill the survivor-index arrays at the current
    /// flows (`None`: they do not, or there are no such arrays). Each class's live objects
    /// follow `L + (live − L)·e^(−h·t)` towards `L = arriving / h`. A class below its level
    /// grows ever more slowly and one above it only shrinks, so the classes' growth now bounds
    /// their growth from now on: stepping by the gap over it reaches the first crossing from
    /// below.
    fn time_to_fill_survivor_index(&self) -> Option<f64> {
        let ix = self.spec.workload.survivor_index.as_ref()?;
        self.classes.survivor_index?;
        let classes = self.survivor_objects();
        let capacity = self.index_slots * f64::from(ix.holders);
        let live_at = |t: f64, (live, arriving, h): (f64, f64, f64)| -> f64 {
            if h > 0.0 {
                let limit = arriving / h;
                limit + (live - limit) * (-h * t).exp()
            } else {
                live + arriving * t
            }
        };
        let ceiling: f64 = classes
            .iter()
            .map(|&(live, arriving, h)| {
                if h > 0.0 {
                    live.max(arriving / h)
                } else if arriving > 0.0 {
                    f64::INFINITY
                } else {
                    live
                }
            })
            .sum();
        if ceiling <= capacity {
            return None;
        }
        let mut t = 0.0;
        for _ in 0..64 {
            let (mut total, mut growth) = (0.0, 0.0);
            for &c in &classes {
                let n = live_at(t, c);
                total += n;
                growth += (c.1 - c.2 * n).max(0.0);
            }
            let gap = capacity - total;
            if gap <= 1e-9 * capacity {
                break;
            }
            if growth <= 0.0 {
                return None;
            }
            t += gap / growth;
        }
        // Never at the same instant: a crossing within rounding is left to the next step.
        let t = t.max(1e-12 * self.now.max(1.0));
        t.is_finite().then_some(t)
    }

    /// The survivor-index arrays at `slots` slots each: their class (small or large), total
    /// bytes, and whether each array is a large object.
    fn survivor_index_arrays(
        &self,
        ix: &SurvivorIndex,
        class: usize,
        slots: f64,
    ) -> (usize, f64, bool) {
        let array = ix.slot_bytes * slots;
        let large = array >= self.gc.tuning.loh_threshold;
        let bytes = array * f64::from(ix.arrays) * f64::from(ix.holders);
        (class + usize::from(large), bytes, large)
    }

    /// Doubles the survivor-index arrays while the live mid-life survivors of a holder outnumber
    /// their slots (or, when `due`, fill them to rounding): the new arrays are allocated (on the
    /// LOH from the threshold) and, once they are, the old ones die.
    fn grow_survivor_index(&mut self, due: bool) {
        let (Some(ix), Some(c)) = (
            &self.spec.workload.survivor_index,
            self.classes.survivor_index,
        ) else {
            return;
        };
        let live: f64 =
            self.survivor_objects().iter().map(|c| c.0).sum::<f64>() / f64::from(ix.holders);
        let full = if due {
            self.index_slots * (1.0 - 1e-9)
        } else {
            self.index_slots
        };
        if live < full {
            return;
        }
        let (old_class, mut old_bytes, _) = self.survivor_index_arrays(ix, c, self.index_slots);
        if self.index_slots <= ix.initial_slots {
            // The first arrays stay with the start-up heap they are counted in.
            old_bytes = 0.0;
        }
        self.index_slots *= 2.0;
        while live > self.index_slots {
            self.index_slots *= 2.0;
        }
        let (class, bytes, large) = self.survivor_index_arrays(ix, c, self.index_slots);
        // The arrays in use (built, or still queued ahead) die once the new ones are built.
        self.pending.push_back(Pending {
            class,
            bytes,
            large,
            replaces: old_bytes,
            replaces_class: old_class,
            shared_with: None,
        });
    }

    /// Advances the network, the batches being built and the checkpoints by `dt` seconds at the
    /// record rate `r`.
    fn advance_models(&mut self, r: f64, dt: f64) {
        let spec: &'a RunSpec = self.spec;
        let net = &spec.network;
        let use_ = net.usage(r, self.backpressured());
        self.interval_out_usage += use_.out_pool_usage * dt;
        self.interval_in_usage += use_.in_pool_usage * dt;
        if self.backpressured() {
            self.interval_backpressured += dt;
        }
        self.interval_time += dt;
        if use_.pool_taken > self.network_peak_taken {
            let more = use_.pool_taken - self.network_peak_taken;
            self.network_peak_taken = use_.pool_taken;
            if let Some(c) = self.classes.network {
                let object = net.heap_object_bytes();
                self.allocate(c, more * object);
            }
        }
        if let Some(p) = self.pending.front_mut() {
            p.bytes = (p.bytes - self.pending_rate * dt).max(0.0);
        }
        if let Some(cp) = self.checkpoints.as_mut() {
            let uploaded = cp.advance(self.now, dt);
            if let Some(c) = self.classes.checkpoint
                && uploaded > 0.0
            {
                self.gc.heap.kill_oldest_first(c, uploaded);
            }
        }
    }

    fn note_rss(&mut self) {
        if !self.running {
            return;
        }
        let c = self.components();
        let rss = c.rss();
        if rss > self.peak_rss {
            self.peak_rss = rss;
            self.peak_rss_time = self.now;
            self.peak_components = c;
        }
        self.peak_rss_since_start = self.peak_rss_since_start.max(rss);
    }

    /// Kills the container if resident memory passed the limit (continuous check). Returns true
    /// when the process stopped.
    fn check_limit(&mut self, observer: &mut dyn Observer) -> bool {
        if self.spec.pod.limit_check_interval_s.is_some() {
            return false;
        }
        match self.spec.pod.limit_bytes {
            Some(limit) if self.rss() > limit => {
                let rss = self.rss();
                self.fail(
                    Outcome::OomKilled,
                    observer,
                    RunEvent::OomKilled {
                        time_s: self.now,
                        rss,
                    },
                );
                true
            }
            _ => false,
        }
    }

    fn run_gc(&mut self, reason: GcReason, observer: &mut dyn Observer) {
        let env = self.env();
        let col = self.gc.collect(self.now, reason, &env);
        if let Some(l) = self.spec.process.gc_listener.as_ref()
            && self.classes.listener.is_some()
            && !col.records.is_empty()
        {
            self.listener_queue.push_back((
                self.mutator_time + l.dispatch_lag_s,
                col.records.len() as f64,
            ));
        }
        // What came due since the last GC reaches the listener now (at most a GC interval
        // late, which changes nothing but when a few KB of events are allocated).
        self.deliver_gc_events(false);
        for r in &col.records {
            self.pauses.add(r.pause_s);
            self.pause_max = self.pause_max.max(r.pause_s);
            self.peak_heap_after_gc = self.peak_heap_after_gc.max(r.heap_after);
            observer.on_gc(r);
        }
        if self.gc.background_in_progress()
            && let Some(end) = self.gc.background_end_s()
        {
            self.queue
                .schedule(SimTime::from_secs_f64(end), Ev::BackgroundEnd);
        }
        // The application is stopped for the pause; time passes and lifetimes measured in time
        // still run out, but lifetimes measured in allocation do not (nothing is allocated).
        let pause = col.pause_s;
        self.pause_total += pause;
        self.pause_in_interval += pause;
        if pause > 0.0 {
            let saved = std::mem::replace(&mut self.flows, Flows::zero(self.classes.n));
            for (i, h) in saved.hazard.iter().enumerate() {
                self.flows.hazard[i] = *h;
            }
            for &(c, life, _) in &self.classes.shares {
                if matches!(life, Lifetime::MeanAllocatedBytes(_)) {
                    self.flows.hazard[c] = 0.0;
                }
            }
            self.gc.advance(&self.flows, pause, self.now + pause);
            if !self.spec.workload.unthrottled {
                self.backlog += self.demand_rate * pause;
            }
            self.running_time += pause;
            self.now += pause;
            self.queue.advance_to(SimTime::from_secs_f64(self.now));
            self.flows = saved;
        }
        if col.out_of_memory {
            let committed = self.gc.committed_bytes();
            self.fail(
                Outcome::ManagedOom,
                observer,
                RunEvent::ManagedOom {
                    time_s: self.now,
                    committed,
                },
            );
        }
    }

    fn fail(&mut self, outcome: Outcome, observer: &mut dyn Observer, event: RunEvent) {
        self.failures += 1;
        if self.outcome == Outcome::Ok {
            self.outcome = outcome;
            self.outcome_time = Some(self.now);
        }
        observer.on_event(&event);
        self.emit_sample(observer);
        // A new process has a new listener: the old one's queue dies with it.
        self.listener_queue.clear();
        self.listener_gcs = 0.0;
        if self.winding_down {
            // The process failed on its way out: there is no workload left to restart for.
            self.exited = true;
            self.finished = true;
            return;
        }
        match self.spec.pod.restart {
            RestartPolicy::Never => {
                self.exited = true;
                self.finished = true;
            }
            RestartPolicy::Always { .. } => {
                let uptime = self.now - self.process_start;
                if uptime >= BACKOFF_RESET_S {
                    self.restarts = 0;
                }
                self.restarts += 1;
                let delay = restart_backoff_s(self.restarts);
                self.running = false;
                let counts = self.gc.stats().by_generation;
                for (before, c) in self.gc_counts_before.iter_mut().zip(counts) {
                    *before += c;
                }
                self.background_before += self.gc.stats().background;
                self.gc.reset();
                self.pending.clear();
                if let Some(cp) = self.checkpoints.as_mut() {
                    // Checkpoints in progress die with the process.
                    self.checkpoints_lost += cp.in_progress() as u64;
                    cp.restart(f64::INFINITY);
                }
                self.queue
                    .schedule(SimTime::from_secs_f64(self.now + delay), Ev::Restart);
            }
        }
    }

    fn handle(&mut self, ev: Ev, observer: &mut dyn Observer) {
        match ev {
            Ev::Sample => {
                self.emit_sample(observer);
                let next = self.now + self.spec.sample_interval_s.max(1e-3);
                self.queue
                    .schedule(SimTime::from_secs_f64(next), Ev::Sample);
            }
            Ev::TrafficChange => {
                self.demand_rate = self.traffic.rate_at(self.now);
                // A change point within a nanosecond of now counts as now (the clock is in ns).
                self.next_traffic_change = self
                    .traffic
                    .next_change_after(self.now)
                    .max(self.now + 1e-6);
                if self.next_traffic_change.is_finite() {
                    self.queue.schedule(
                        SimTime::from_secs_f64(self.next_traffic_change),
                        Ev::TrafficChange,
                    );
                }
            }
            Ev::BackgroundEnd => {
                if let Some(end) = self.gc.background_end_s()
                    && end <= self.now + 1e-9
                    && let Some(r) = self.gc.finish_background(self.now)
                {
                    self.peak_heap_after_gc = self.peak_heap_after_gc.max(r.heap_after);
                    observer.on_gc(&r);
                }
            }
            Ev::Restart => {
                self.running = true;
                let restored = self
                    .checkpoints
                    .as_ref()
                    .map(|cp| cp.restorable_state().unwrap_or(0.0))
                    .unwrap_or(self.checkpointed_state);
                observer.on_event(&RunEvent::Restarted {
                    time_s: self.now,
                    restart: self.restarts,
                });
                self.start_process(self.now, restored);
            }
            Ev::Checkpoint => {
                if self.running && self.checkpoints.is_none() {
                    self.checkpointed_state = self.state.as_ref().map(State::size).unwrap_or(0.0);
                }
                if let RestartPolicy::Always {
                    checkpoint_interval_s,
                    ..
                } = self.spec.pod.restart
                {
                    self.queue.schedule(
                        SimTime::from_secs_f64(self.now + checkpoint_interval_s),
                        Ev::Checkpoint,
                    );
                }
            }
            Ev::JobSubmit(_) | Ev::JobEnd(_) | Ev::JobCheckpoint => self.on_job_event(ev),
            Ev::LimitCheck => {
                if let (Some(limit), Some(iv)) = (
                    self.spec.pod.limit_bytes,
                    self.spec.pod.limit_check_interval_s,
                ) {
                    if self.running && self.peak_rss_since_start > limit {
                        let rss = self.peak_rss_since_start;
                        self.fail(
                            Outcome::OomKilled,
                            observer,
                            RunEvent::OomKilled {
                                time_s: self.now,
                                rss,
                            },
                        );
                    }
                    self.queue
                        .schedule(SimTime::from_secs_f64(self.now + iv), Ev::LimitCheck);
                }
            }
        }
    }

    /// Completes, aborts or starts checkpoints due now; the buffers of aborted ones die.
    fn on_checkpoint_time(&mut self) {
        let state = self.state.as_ref().map(State::size).unwrap_or(0.0);
        if let Some(cp) = self.checkpoints.as_mut() {
            let tr = cp.on_time(self.now, state, self.state_writes);
            if let Some(c) = self.classes.checkpoint
                && tr.dropped_bytes > 0.0
            {
                self.gc.heap.kill_oldest_first(c, tr.dropped_bytes);
            }
        }
    }

    /// A JobManager event: a job starts or ends, or the running jobs complete a checkpoint.
    fn on_job_event(&mut self, ev: Ev) {
        let spec: &'a RunSpec = self.spec;
        let (Some(jm), Some(c)) = (&spec.jobmanager, self.classes.jobs) else {
            return;
        };
        match ev {
            Ev::JobSubmit(_) if self.running => self.allocate(c, jm.graph_bytes()),
            Ev::JobEnd(_) if self.running => {
                self.gc.heap.kill_oldest_first(c, jm.graph_bytes());
                let retained = f64::from(jm.retained_checkpoints) * jm.checkpoint_bytes();
                self.gc.heap.kill_oldest_first(c + 1, retained);
            }
            Ev::JobCheckpoint => {
                if self.running {
                    // Each running job adds a checkpoint's metadata; once it is complete, the
                    // metadata beyond the retained checkpoints becomes garbage, oldest first.
                    let running = f64::from(jm.running_jobs(self.now));
                    let new = running * jm.checkpoint_bytes();
                    let keep = f64::from(jm.retained_checkpoints) * new;
                    let queued: f64 = self
                        .pending
                        .iter()
                        .filter(|p| p.class == c + 1)
                        .map(|p| p.bytes - p.replaces)
                        .sum();
                    let excess = self.gc.heap.class_live(c + 1) + queued + new - keep;
                    self.allocate_replacing(c + 1, new, excess);
                }
                if let Some(iv) = jm.checkpoint_interval_s {
                    self.queue
                        .schedule(SimTime::from_secs_f64(self.now + iv), Ev::JobCheckpoint);
                }
            }
            _ => {}
        }
    }

    fn gc_counts(&self) -> [u64; 3] {
        let c = self.gc.stats().by_generation;
        [
            c[0] + self.gc_counts_before[0],
            c[1] + self.gc_counts_before[1],
            c[2] + self.gc_counts_before[2],
        ]
    }

    fn emit_sample(&mut self, observer: &mut dyn Observer) {
        let interval = (self.now - self.last_sample).max(0.0);
        let mem = self.components();
        let sample = Sample {
            time_s: self.now,
            rss: mem.rss(),
            mem,
            limit: self.spec.pod.limit_bytes,
            gc_counts: self.gc_counts(),
            time_in_gc_pct: if interval > 0.0 {
                (100.0 * self.pause_in_interval / interval).min(100.0)
            } else {
                0.0
            },
            record_rate: self.processing_rate(),
            backlog_records: self.backlog,
            running: self.running,
            models: self.model_sample(interval),
        };
        self.pause_in_interval = 0.0;
        self.interval_out_usage = 0.0;
        self.interval_in_usage = 0.0;
        self.interval_backpressured = 0.0;
        self.interval_time = 0.0;
        self.last_sample = self.now;
        observer.on_sample(&sample);
    }

    /// The models' figures for a sample closing an interval of `interval` seconds.
    fn model_sample(&self, interval: f64) -> ModelSample {
        let avg = |sum: f64| {
            if self.interval_time > 0.0 {
                sum / self.interval_time
            } else {
                0.0
            }
        };
        let live = |c: Option<usize>| c.map(|c| self.gc.heap.class_live(c)).unwrap_or(0.0);
        let cp = self.checkpoints.as_ref();
        ModelSample {
            out_pool_usage: avg(self.interval_out_usage),
            in_pool_usage: avg(self.interval_in_usage),
            backpressured_pct: if interval > 0.0 {
                (100.0 * self.interval_backpressured / interval).min(100.0)
            } else {
                0.0
            },
            network_buffers_taken: if self.running {
                self.spec
                    .network
                    .usage(self.processing_rate(), self.backpressured())
                    .pool_taken
            } else {
                0.0
            },
            memtable_bytes: self
                .state
                .as_ref()
                .map(State::memtable_bytes)
                .unwrap_or(0.0),
            checkpoints_in_progress: cp.map(|c| c.in_progress() as u32).unwrap_or(0),
            checkpoints_completed: cp.map(Checkpoints::completed).unwrap_or(0),
            checkpoints_failed: cp.map(Checkpoints::aborted).unwrap_or(0) + self.checkpoints_lost,
            checkpoint_buffer_bytes: live(self.classes.checkpoint),
            job_metadata_bytes: self
                .classes
                .jobs
                .map(|c| self.gc.heap.class_live(c) + self.gc.heap.class_live(c + 1))
                .unwrap_or(0.0),
        }
    }

    fn summary(&self) -> Summary {
        Summary {
            simulated_s: self.now,
            workload_end_s: self.workload_end.unwrap_or(self.now),
            peak_rss: self.peak_rss,
            peak_rss_time_s: self.peak_rss_time,
            peak_components: self.peak_components,
            peak_heap_after_gc: self.peak_heap_after_gc,
            gc_counts: self.gc_counts(),
            background_gcs: self.background_before + self.gc.stats().background,
            pause_total_s: self.pause_total,
            pause_p50_s: self.pauses.quantile(0.5),
            pause_p99_s: self.pauses.quantile(0.99),
            pause_max_s: self.pause_max,
            time_in_gc_pct: if self.running_time > 0.0 {
                100.0 * self.pause_total / self.running_time
            } else {
                0.0
            },
            outcome: self.outcome,
            outcome_time_s: self.outcome_time,
            failures: self.failures,
            restarts: self.restarts,
            allocated_bytes: self.allocated,
            records: self.records,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    Gc(GcReason),
    Event,
    Horizon,
    StateCap,
    StateExpiry,
    InitDone,
    Stop,
    BacklogCleared,
    PendingDone,
    Checkpoint,
    /// The mid-life survivors fill the survivor-index arrays.
    IndexFull,
    /// Small-object allocation reaches pages it never touched.
    FreshPages,
}

/// Longest a process stays up after its workload ends, seconds.
const WIND_DOWN_LIMIT_S: f64 = 60.0;

/// Runs `spec` to completion, reporting to `observer`.
pub fn simulate(spec: &RunSpec, observer: &mut dyn Observer) -> Summary {
    Simulation::new(spec).run(observer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::observe::NullObserver;
    use crate::sim::process::GcEventListener;
    use crate::sim::workload::objects::{Lifetime, LifetimeShare};

    /// A lab workload with two lifetime classes of mid-life survivors held in growable arrays.
    fn two_lifetimes() -> RunSpec {
        let spec = crate::lab::LabSpec::parse(
            "duration_s = 1\nalloc_rate_mb_s = 100\nsize.bytes = 256\nsurvive.fraction = 0.01\nsurvive.lifetime_ms = 10\n",
            "two",
        )
        .unwrap();
        let mut rs = crate::lab::predict::run_spec(
            &spec,
            &crate::lab::LabMachine::first_host(),
            &Vec::new(),
        )
        .unwrap();
        rs.workload.lifetimes.push(LifetimeShare {
            fraction: 0.01,
            lifetime: Lifetime::MeanSeconds(1000.0),
        });
        rs
    }

    /// With a short-lived and a long-lived class, the hazard averaged over arrivals would say
    /// the survivors level off at ~10 objects; the classes' own curves cross 1,024 slots, and
    /// the fill time lands on the first crossing.
    #[test]
    fn the_survivor_index_fills_where_the_classes_together_reach_it() {
        let rs = two_lifetimes();
        let mut sim = Simulation::new(&rs);
        sim.index_slots = 1024.0;
        let shares: Vec<usize> = sim.classes.shares.iter().map(|s| s.0).collect();
        assert_eq!(shares.len(), 2);
        // Short-lived: 1,000 objects/s dying at 100/s (level 10); long-lived: 10 objects/s
        // dying at 0.001/s (level 10,000), 500 alive now.
        let size = sim.gc.heap.classes[shares[0]].object_bytes;
        for (c, (arriving, hazard, live)) in shares
            .iter()
            .zip([(1000.0, 100.0, 10.0), (10.0, 1e-3, 500.0)])
        {
            sim.flows.soh[*c] = arriving * size;
            sim.flows.loh[*c] = 0.0;
            sim.flows.hazard[*c] = hazard;
            sim.gc.heap.gens[crate::sim::gc::heap::GEN1].live[*c] = live * size;
        }
        let t = sim
            .time_to_fill_survivor_index()
            .expect("the survivors fill the slots");
        let at = |t: f64| 10.0 + 10_000.0 + (500.0 - 10_000.0) * (-1e-3 * t).exp();
        assert!(
            (at(t) / 1024.0 - 1.0).abs() < 1e-6,
            "t = {t}: {} objects",
            at(t)
        );
        // Nothing more arrives: never.
        for c in &shares {
            sim.flows.soh[*c] = 0.0;
        }
        assert_eq!(sim.time_to_fill_survivor_index(), None);
    }

    /// A lab workload on the first host with the given GC event listener.
    fn with_listener(spec_text: &str, listener: Option<GcEventListener>) -> RunSpec {
        let spec = crate::lab::LabSpec::parse(spec_text, "listener").unwrap();
        let mut rs = crate::lab::predict::run_spec(
            &spec,
            &crate::lab::LabMachine::first_host(),
            &Vec::new(),
        )
        .unwrap();
        rs.process.gc_listener = listener;
        // Gen0 starts on cold pages: what the listener allocates is all new.
        rs.process.startup_allocated_bytes = 0.0;
        rs
    }

    /// A listener receiving 10 KB per GC and keeping 500 bytes, with the given lag (s) and a
    /// report of `report_bytes` plus 2 KB per GC.
    fn test_listener(dispatch_lag_s: f64, report_bytes: f64) -> GcEventListener {
        GcEventListener {
            transient_bytes_per_gc: 10_000.0,
            retained_bytes_per_gc: 500.0,
            dispatch_lag_s,
            report_bytes,
            report_bytes_per_gc: if report_bytes > 0.0 { 2_000.0 } else { 0.0 },
        }
    }

    /// The listener's records survive to the end, and when the workload ends it receives what
    /// is queued and writes its report. With LOH churn gen0's pages are cold, so all of it is new
    /// resident memory; with small-object churn it lands on gen0's warm pages.
    #[test]
    fn a_gc_listener_writes_its_report_after_the_workload() {
        let listener = test_listener(0.02, 50_000.0);
        let loh = "alloc_rate_mb_s = 0\ntotal_alloc_mb = 400\nsize.bytes = 100000\n";
        let without = simulate(&with_listener(loh, None), &mut NullObserver);
        let with = simulate(
            &with_listener(loh, Some(listener.clone())),
            &mut NullObserver,
        );
        let gcs: u64 = with.gc_counts.iter().sum();
        assert!(gcs > 50, "{:?}", with.gc_counts);
        // LOH churn's GCs are LOH-budget gen2s; the listener's small objects change none.
        assert_eq!(with.gc_counts, without.gc_counts);
        assert!(with.workload_end_s < with.simulated_s);
        assert!((with.workload_end_s - without.simulated_s).abs() < 0.05 * without.simulated_s);
        let n = gcs as f64;
        let report = listener.report_bytes + listener.report_bytes_per_gc * n;
        let records = listener.retained_bytes_per_gc * n;
        let grown = with.peak_rss - without.peak_rss;
        // At least the report and the records; at most that and every GC's events at once,
        // with the GC's bookkeeping for them.
        let most = report + records + listener.transient_bytes_per_gc * n;
        assert!(
            grown >= 0.95 * (report + records) && grown <= 1.05 * most,
            "grew {grown} for a report of {report} and records of {records}"
        );
        let churn = "alloc_rate_mb_s = 0\ntotal_alloc_mb = 2000\nsize.bytes = 512\n";
        let without = simulate(&with_listener(churn, None), &mut NullObserver);
        let with = simulate(
            &with_listener(churn, Some(listener.clone())),
            &mut NullObserver,
        );
        let n: f64 = with.gc_counts.iter().sum::<u64>() as f64;
        let report = listener.report_bytes + listener.report_bytes_per_gc * n;
        assert!(n > 10.0);
        assert!(
            with.peak_rss - without.peak_rss < 0.5 * report,
            "grew {} for a report of {report}",
            with.peak_rss - without.peak_rss
        );
    }

    /// Events reach the listener after `dispatch_lag_s` of time the runtime was not suspended:
    /// with a lag just past the run's unsuspended time, every GC's events are still queued when
    /// the workload ends (LOH churn spends most of its time in GC pauses, so a lag counted in
    /// wall time would have delivered most of them during the run).
    #[test]
    fn the_dispatch_lag_runs_only_while_the_runtime_is_not_suspended() {
        let loh = "alloc_rate_mb_s = 0\ntotal_alloc_mb = 400\nsize.bytes = 100000\n";
        let mut listener = test_listener(0.0, 0.0);
        let first = simulate(
            &with_listener(loh, Some(listener.clone())),
            &mut NullObserver,
        );
        let unsuspended = first.workload_end_s - first.pause_total_s;
        assert!(first.pause_total_s > unsuspended, "{first:?}");
        listener.dispatch_lag_s = 1.05 * unsuspended;
        let without = simulate(&with_listener(loh, None), &mut NullObserver);
        let with = simulate(
            &with_listener(loh, Some(listener.clone())),
            &mut NullObserver,
        );
        let n: f64 = with.gc_counts.iter().sum::<u64>() as f64;
        let all = n * (listener.transient_bytes_per_gc + listener.retained_bytes_per_gc);
        let grown = with.peak_rss - without.peak_rss;
        assert!(
            (grown / all - 1.0).abs() < 0.05,
            "grew {grown} for {all} of events all received at the end"
        );
    }

    /// A process that fails on its way out (its pod limit passed while the listener writes its
    /// report) is not restarted: the run ends there.
    #[test]
    fn a_failure_while_winding_down_ends_the_run() {
        let loh = "alloc_rate_mb_s = 0\ntotal_alloc_mb = 400\nsize.bytes = 100000\n";
        let listener = test_listener(0.02, 1_000_000.0);
        let mut rs = with_listener(loh, Some(listener));
        let ok = simulate(&rs, &mut NullObserver);
        rs.pod.limit_bytes = Some(ok.peak_rss - 500_000.0);
        rs.pod.limit_check_interval_s = None;
        rs.pod.restart = RestartPolicy::Always {
            checkpoint_interval_s: 60.0,
            restore_bytes_per_s: 1e9,
        };
        let killed = simulate(&rs, &mut NullObserver);
        assert_eq!(killed.outcome, Outcome::OomKilled);
        assert_eq!(killed.restarts, 0);
        assert!(killed.outcome_time_s.unwrap() >= killed.workload_end_s);
        assert!(
            killed.simulated_s < killed.workload_end_s + 1.0,
            "{killed:?}"
        );
    }

    /// Allocation runs at full speed over pages it touched before and pays first-touch page
    /// faults beyond them: with 8 MiB of gen0 touched at start-up (on segments), a run saves
    /// 8 MiB of faults, not the whole first gen0 budget's.
    #[test]
    fn allocation_slows_down_where_the_touched_pages_end() {
        let churn = "alloc_rate_mb_s = 0\ntotal_alloc_mb = 400\nsize.bytes = 512\n";
        let cold = with_listener(churn, None);
        let mut warm = cold.clone();
        warm.process.startup_allocated_bytes = 8.0 * 1_048_576.0;
        let (a, b) = (
            simulate(&cold, &mut NullObserver),
            simulate(&warm, &mut NullObserver),
        );
        assert_eq!(a.gc_counts, b.gc_counts);
        let saved = a.workload_end_s - b.workload_end_s;
        let faults = 8.0 * cold.machine.speed.page_fault_s_per_mib;
        assert!(
            (saved / faults - 1.0).abs() < 0.1,
            "saved {saved} s against {faults} s of faults for 8 MiB"
        );
    }

    /// Large allocation reuses the LOH's free space at full speed and pays first-touch page
    /// faults once it is gone: the rate is recomputed where the free space ends.
    #[test]
    fn large_allocation_slows_down_where_the_loh_free_space_ends() {
        let loh = "alloc_rate_mb_s = 0\ntotal_alloc_mb = 400\nsize.bytes = 100000\n";
        let rs = with_listener(loh, None);
        let mut sim = Simulation::new(&rs);
        sim.gc.heap.gens[LOH].free = 0.0;
        let fresh = sim.capacity_now();
        let room = 5_000_000.0;
        sim.gc.heap.gens[LOH].free = sim.gc.mean_large_object() + room;
        let warm = sim.capacity_now();
        assert!(warm > 1.2 * fresh, "{warm} against {fresh} records/s");
        sim.compute_flows();
        let rate = sim.flows.loh_total();
        assert!(rate > 0.0);
        let ends = sim
            .flow_limits()
            .into_iter()
            .filter(|(_, c)| *c == Cause::FreshPages)
            .map(|(t, _)| (t - sim.now) * rate)
            .collect::<Vec<_>>();
        assert!(
            ends.iter().any(|b| (b - room).abs() < 1.0),
            "{ends:?} bytes against {room}"
        );
    }
}
