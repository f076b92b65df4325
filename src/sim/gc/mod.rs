//! The .NET (CoreCLR) garbage collector: generations and budgets, which generation a GC condemns,
//! promotion and demotion, pinning, background GCs, compaction and sweeping, committed and
//! resident memory, pauses, DATAS and the heap hard limit.
//!
//! The model follows the runtime's own rules — `generation_to_condemn`, `desired_new_allocation`,
//! `compute_new_dynamic_data`, the promotion decision of `mark_phase`, `decide_on_compacting`,
//! `decommit_ephemeral_segment_pages`, `allocate_in_older_generation`'s free-list fit, the
//! allocator's sleep during a background GC, the allocator's out-of-space path — as read in the
//! .NET Core 3.1 and .NET 8 sources; each function names the rule it stands for. The heap is
//! tracked as flows and cohorts ([`heap`]), so a GC costs the same whatever the allocation volume.
//! Quantities are totals over all GC heaps unless a name says "per heap"; Server GC heaps are
//! taken to be balanced.

pub mod background;
pub mod budget;
pub mod collect;
pub mod condemn;
pub mod datas;
pub mod free_list;
pub mod heap;
pub mod large;
pub mod loh_layout;
pub mod memory;
pub mod pause;
pub mod record;
pub mod settings;
pub mod tuning;

use heap::{ClassSpec, Flows, GEN0, GEN1, GEN2, Heap, LOH};
use pause::PauseModel;
pub use record::{GcKind, GcReason, GcRecord, condemn_bits};
pub use settings::{GcProfile, GcSettings, HeapLayout, LOH_THRESHOLD, MachineSpec, MachineSpeed};
use tuning::GcTuning;

/// How many allocation contexts Workstation GC hands out during a background GC between two
/// sleeps of the allocating thread (`bgc_alloc_spin_count`, `GCBGCSpinCount`).
const BGC_ALLOC_SPIN_COUNT: f64 = 140.0;
/// How long that sleep lasts, seconds (`bgc_alloc_spin`, `GCBGCSpin`: 2 ms).
const BGC_ALLOC_SLEEP_S: f64 = 0.002;

/// The result of one GC trigger: the records of the GCs it ran, the total pause, and whether the
/// process ended in an OutOfMemoryException.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Collection {
    /// GCs that completed (a background GC is recorded when it ends).
    pub records: Vec<GcRecord>,
    /// Time the application was suspended, seconds.
    pub pause_s: f64,
    /// Allocation failed even after a full compacting GC: a managed OutOfMemoryException.
    pub out_of_memory: bool,
}

/// What the process looks like from outside the GC, needed for memory-load decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GcEnv {
    /// Resident memory of the whole process, bytes (the cgroup's usage when in a container).
    pub process_resident: f64,
}

/// Cumulative counts and totals of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GcStats {
    /// GCs by condemned generation (gen0, gen1, gen2).
    pub by_generation: [u64; 3],
    /// Background GCs.
    pub background: u64,
    /// Blocking gen2 GCs that compacted.
    pub compacting_gen2: u64,
    /// Total pause, seconds.
    pub pause_total_s: f64,
    /// Longest pause, seconds.
    pub pause_max_s: f64,
    /// Largest heap size after a GC, bytes.
    pub peak_heap_after_gc: f64,
}

/// Per-generation bookkeeping beyond the heap contents (the runtime's `dynamic_data`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Clock {
    /// When a GC last condemned this generation or an older one, seconds (`time_clock`).
    pub time_s: f64,
    /// GC count when it was last condemned (`gc_clock`).
    pub gc_count: u64,
}

/// The GC of one process.
#[derive(Clone, Debug)]
pub struct Gc {
    /// Static tuning derived at start-up.
    pub tuning: GcTuning,
    /// Pause cost model.
    pub pauses: PauseModel,
    /// The managed heap.
    pub heap: Heap,
    pub(crate) heaps: u32,
    pub(crate) next_index: u64,
    pub(crate) stats: GcStats,
    pub(crate) clocks: [Clock; 3],
    pub(crate) gc_count: u64,
    pub(crate) gen0_reduction_count: u32,
    /// The last ephemeral GC's card efficiency was below the runtime's 30% threshold.
    pub(crate) low_card_efficiency: bool,
    /// Entries of the Workstation GC's mark list; see `Gc::resize_mark_list_after`.
    pub(crate) wks_mark_list_entries: f64,
    pub(crate) elevation_locked: bool,
    pub(crate) elevation_lock_count: u32,
    pub(crate) expand_in_next_full_gc: bool,
    pub(crate) last_gc_end_s: f64,
    /// WKS 1-second rule checkpoint: gen0 budget left when the checkpoint was taken.
    pub(crate) running_amount: f64,
    pub(crate) background: Option<background::Background>,
    pub(crate) mem: memory::Memory,
    /// Server GC's smoothed gen0 budget per heap (3.1) or total (8.0).
    pub(crate) gen0_smoothed: f64,
    pub(crate) loh_smoothed: f64,
    /// How far the LOH budget was rounded up to whole objects at the last gen2, bytes: the
    /// runtime lets the last object overdraw its budget, so this part does not count as used.
    pub(crate) loh_overdraw: f64,
    pub(crate) datas: Option<datas::Datas>,
    /// LOH size after the last gen2, bytes.
    pub(crate) loh_end_size: f64,
    /// Whole-object survivors of the large objects.
    pub(crate) large: large::LargeObjects,
    /// Where the large objects lie (what a gen2 sweep trims from the LOH's end).
    pub(crate) loh_layout: loh_layout::LohLayout,
    /// Which of gen2's free space promotion can fill.
    pub(crate) gen2_free: free_list::FreeList,
    /// The allocation flows of the last step.
    pub(crate) last_flows: Flows,
    /// Share of the state chunks being filled that was still empty when the last GC promoted
    /// them (what the card table finds of chunked containers).
    pub(crate) chunk_room_last_gc: f64,
    /// The same at the last GC that condemned gen1 or older.
    pub(crate) chunk_room_last_gen1: f64,
    /// Draws where chunk filling stood at each GC.
    pub(crate) card_rng: crate::sim::rng::ComponentRng,
    /// The run's seed, and how many times the process was restarted (each process draws anew).
    run_seed: u64,
    incarnation: u64,
}

impl Gc {
    /// A GC for `settings` on `machine` over a heap split into `classes`.
    pub fn new(settings: &GcSettings, machine: &MachineSpec, classes: Vec<ClassSpec>) -> Gc {
        let tuning = GcTuning::derive(settings, machine);
        let pauses = PauseModel {
            fresh_page_s_per_mib: machine.speed.page_fault_s_per_mib,
            ..PauseModel::reference(tuning.layout, machine.speed.gc_cost_factor)
        };
        Gc::from_tuning(tuning, pauses, classes)
    }

    fn from_tuning(tuning: GcTuning, pauses: PauseModel, classes: Vec<ClassSpec>) -> Gc {
        let heaps = tuning.initial_heaps;
        let n = heaps as f64;
        let wks_mark_list_entries = collect::initial_mark_list_entries(&tuning);
        let mut heap = Heap::new(classes);
        let nclasses = heap.classes.len();
        // Every generation starts with its minimum budget (`init_dynamic_data`).
        for (g, min) in [
            (GEN0, tuning.gen0_min),
            (GEN1, tuning.gen1_min),
            (GEN2, tuning.gen2_min),
            (LOH, tuning.loh_min),
        ] {
            heap.gens[g].desired = min * n;
            heap.gens[g].remaining = min * n;
        }
        let rules = if tuning.profile.datas_default_for_server() {
            datas::DatasRules::Net9
        } else {
            datas::DatasRules::Net8
        };
        let datas = tuning
            .datas
            .then(|| datas::Datas::new(tuning.max_heaps, rules));
        let loh_layout = loh_layout_for(
            &tuning,
            nclasses,
            crate::sim::rng::stream(0, "gc-loh-layout"),
        );
        Gc {
            gen0_smoothed: tuning.gen0_min,
            loh_smoothed: tuning.loh_min,
            loh_overdraw: 0.0,
            running_amount: tuning.gen0_min * n,
            mem: memory::Memory::new(&tuning),
            tuning,
            pauses,
            heap,
            heaps,
            next_index: 1,
            stats: GcStats::default(),
            clocks: [Clock::default(); 3],
            gc_count: 0,
            gen0_reduction_count: 0,
            low_card_efficiency: false,
            wks_mark_list_entries,
            elevation_locked: false,
            elevation_lock_count: 0,
            expand_in_next_full_gc: false,
            last_gc_end_s: 0.0,
            background: None,
            large: large::LargeObjects::new(
                nclasses,
                crate::sim::rng::stream(0, "gc-large-objects"),
            ),
            loh_layout,
            gen2_free: free_list::FreeList::default(),
            last_flows: Flows::zero(nclasses),
            chunk_room_last_gc: 0.5,
            chunk_room_last_gen1: 0.5,
            card_rng: crate::sim::rng::stream(0, "gc-chunk-fill"),
            run_seed: 0,
            incarnation: 0,
            datas,
            loh_end_size: 0.0,
        }
    }

    /// Releases all memory and resets the GC to its start-up state (a process restart). The new
    /// process draws from streams of its own, derived from the run's seed.
    pub fn reset(&mut self) {
        let classes = self.heap.classes.clone();
        let (seed, incarnation, threads) =
            (self.run_seed, self.incarnation + 1, self.large.threads);
        *self = Gc::from_tuning(self.tuning.clone(), self.pauses.clone(), classes);
        self.seed_streams(crate::sim::rng::derive_seed(seed, &[incarnation]));
        self.large.threads = threads;
        self.run_seed = seed;
        self.incarnation = incarnation;
    }

    /// Seeds the GC's random draws (which large objects are alive at a gen2, where state chunks
    /// stand when a GC promotes them) for run `seed`.
    pub fn seed(&mut self, seed: u64) {
        self.run_seed = seed;
        self.incarnation = 0;
        self.seed_streams(seed);
    }

    fn seed_streams(&mut self, seed: u64) {
        let threads = self.large.threads;
        self.large = large::LargeObjects::new(
            self.heap.classes.len(),
            crate::sim::rng::stream(seed, "gc-large-objects"),
        );
        self.large.threads = threads;
        self.loh_layout = loh_layout_for(
            &self.tuning,
            self.heap.classes.len(),
            crate::sim::rng::stream(seed, "gc-loh-layout"),
        );
        self.card_rng = crate::sim::rng::stream(seed, "gc-chunk-fill");
    }

    /// Sets how many threads allocate (each holds its last large object when a GC runs).
    pub fn set_allocating_threads(&mut self, threads: u32) {
        self.large.threads = threads.max(1);
    }

    /// Current number of GC heaps.
    pub fn heaps(&self) -> u32 {
        self.heaps
    }

    /// Cumulative statistics.
    pub fn stats(&self) -> &GcStats {
        &self.stats
    }

    /// Whether a background GC is in progress.
    pub fn background_in_progress(&self) -> bool {
        self.background.is_some()
    }

    /// When the background GC in progress ends, seconds.
    pub fn background_end_s(&self) -> Option<f64> {
        self.background.as_ref().map(|b| b.end_s)
    }

    /// gen0 budget per heap currently in force, bytes.
    pub fn gen0_budget_per_heap(&self) -> f64 {
        self.heap.gens[GEN0].desired / self.heaps as f64
    }

    /// Seconds until allocation at `flows` triggers the next GC, and why; `None` if it never does.
    pub fn time_to_trigger(&self, flows: &Flows, now_s: f64) -> Option<(f64, GcReason)> {
        let mut best: Option<(f64, GcReason)> = None;
        let mut consider = |t: f64, r: GcReason| {
            if t.is_finite() && t >= 0.0 && best.is_none_or(|(b, _)| t < b) {
                best = Some((t, r));
            }
        };
        let soh = flows.soh_total();
        let loh = flows.loh_total();
        if soh > 0.0 {
            consider(
                self.heap.gens[GEN0].remaining.max(0.0) / soh,
                GcReason::AllocSmall,
            );
            if let Some(t) = self.one_second_rule(soh, now_s) {
                consider(t, GcReason::TimeTuning);
            }
        }
        if loh > 0.0 && self.background.is_none() {
            consider(
                self.heap.gens[LOH].remaining.max(0.0) / loh,
                GcReason::AllocLarge,
            );
        }
        if let Some((t, r)) = self.mem.time_to_commit_limit(self, flows) {
            consider(t, r);
        }
        best
    }

    /// Workstation's 1-second rule (`new_allocation_allowed`): a GC is due once `gen0_min` bytes
    /// were allocated since the last checkpoint and more than a second passed since the last GC
    /// ended; checkpoints move every `gen0_min` bytes before that. Returns seconds from `now_s`.
    fn one_second_rule(&self, soh_rate: f64, now_s: f64) -> Option<f64> {
        if self.tuning.server || self.heap.gens[GEN0].remaining < 0.0 {
            return None;
        }
        let step = self.tuning.gen0_min * self.heaps as f64;
        let since = self.running_amount - self.heap.gens[GEN0].remaining;
        let first = (step - since).max(0.0) / soh_rate;
        let ready = self.last_gc_end_s + 1.0 - now_s;
        let t = if first >= ready {
            first
        } else {
            first + ((ready - first) / (step / soh_rate)).ceil() * (step / soh_rate)
        };
        Some(t)
    }

    /// Advances the heap by `dt` seconds of allocation at `flows`, ending at `now_s`.
    pub fn advance(&mut self, flows: &Flows, dt: f64, now_s: f64) {
        let loh_alloc = flows.loh_total() * dt;
        self.large.advance(&self.heap, flows, dt);
        if dt > 0.0 {
            self.last_flows.soh.copy_from_slice(&flows.soh);
            self.last_flows.loh.copy_from_slice(&flows.loh);
        }
        let reused = self.heap.advance(flows, dt);
        let mut parked_reused = 0.0;
        if loh_alloc > 0.0 {
            let per_heap = self.heaps as f64;
            for (i, rate) in flows.loh.iter().enumerate() {
                if *rate > 0.0 {
                    let size = self.heap.classes[i]
                        .large_object_bytes
                        .max(LOH_THRESHOLD as f64);
                    self.loh_layout
                        .allocate(i, size, rate * dt / per_heap, now_s - dt / 2.0);
                }
            }
            parked_reused = self.loh_layout.take_reused_commit() * per_heap;
        }
        self.mem
            .after_allocation(&self.heap, flows, loh_alloc, reused, parked_reused);
        if let Some(b) = self.background.as_mut() {
            b.loh_allocated += loh_alloc - reused;
        }
        // Move the 1-second rule's checkpoint while less than a second has passed.
        let step = self.tuning.gen0_min * self.heaps as f64;
        let since = self.running_amount - self.heap.gens[GEN0].remaining;
        if since > step && now_s <= self.last_gc_end_s + 1.0 {
            self.running_amount -= (since / step).floor() * step;
        }
    }

    /// Whether large-object allocation must wait for the background GC in progress (the runtime's
    /// `bgc_loh_should_allocate`: the LOH doubled since the background GC began, or had already
    /// doubled since the last GC).
    pub fn large_allocation_waits(&self) -> bool {
        self.background
            .as_ref()
            .is_some_and(|b| b.loh_must_wait(self))
    }

    /// The process's start-up allocated `bytes` of small objects in gen0 before its first GC.
    /// On segments gen0 starts again on those (touched, resident) pages after every GC, so they
    /// count as committed small-object memory from the start. Returns how much that added to the
    /// committed memory, bytes (on regions nothing: gen0 moves to other regions).
    pub fn start_with_touched_gen0(&mut self, bytes: f64) -> f64 {
        if self.tuning.layout != HeapLayout::Segments {
            return 0.0;
        }
        let soh = memory::Memory::soh_size(&self.heap);
        if bytes <= soh.max(self.mem.soh_committed) {
            return 0.0;
        }
        let before = self.committed_bytes();
        self.mem.soh_committed = bytes;
        self.committed_bytes() - before
    }

    /// Memory committed by the GC (heap and bookkeeping), bytes: what the heap hard limit counts.
    pub fn committed_bytes(&self) -> f64 {
        self.mem.committed(&self.heap)
    }

    /// Whether small-object allocation is currently landing on memory that was never touched
    /// (the heap is at its high-water mark, so every new page is a first-touch page fault).
    pub fn allocating_into_fresh_memory(&self) -> bool {
        self.mem.soh_slack(&self.heap) < 1.0
    }

    /// Seconds an allocating thread sleeps, per small-object byte it allocates, while a background
    /// GC runs. Workstation GC counts the allocation contexts handed out during a background GC
    /// and puts the thread asking for every 140th to sleep 2 ms (`allocate_soh` on .NET 8,
    /// `allocate_small` on 3.1: `bgc_alloc_spin_count`, `bgc_alloc_spin`); a context holds the
    /// allocation quantum (8 KiB) or one object if it is larger. The runtime shrinks the quantum
    /// towards 1 KiB when the gen0 budget per allocating context is small; the model keeps
    /// 8 KiB. Server GC does not throttle, nor does anything outside a background GC (0).
    pub fn background_allocation_sleep_s_per_byte(&self, mean_small_object_bytes: f64) -> f64 {
        if self.tuning.server || self.background.is_none() {
            return 0.0;
        }
        let context_bytes = mean_small_object_bytes.max(self.tuning.allocation_quantum);
        BGC_ALLOC_SLEEP_S / (BGC_ALLOC_SPIN_COUNT * context_bytes)
    }

    /// Committed small-object memory beyond the allocated end, touched before: what gen0 can
    /// take before it faults in fresh pages, bytes.
    pub fn soh_slack_bytes(&self) -> f64 {
        self.mem.soh_slack(&self.heap)
    }

    /// LOH free space beyond one large object, bytes: below zero no object fits in it any more.
    fn loh_free_beyond_an_object(&self) -> f64 {
        self.heap.gens[LOH].free - self.mean_large_object().max(LOH_THRESHOLD as f64)
    }

    /// Whether large-object allocation is landing on memory that was never touched: the LOH has
    /// no free space left to reuse, so it grows at its end.
    pub fn allocating_large_into_fresh_memory(&self) -> bool {
        self.loh_free_beyond_an_object() < 0.0
    }

    /// LOH free space large allocation can still reuse before it needs fresh pages, bytes.
    pub fn loh_reusable_bytes(&self) -> f64 {
        self.loh_free_beyond_an_object().max(0.0)
    }

    /// Committed large-object pages never written (not resident), under the LOH's objects or
    /// on emptied large regions the GC keeps committed, bytes.
    pub fn untouched_bytes(&self) -> f64 {
        self.mem.untouched()
    }

    /// The part of [`Gc::untouched_bytes`] on emptied large regions, bytes.
    pub fn parked_untouched_bytes(&self) -> f64 {
        self.mem.parked_untouched()
    }

    /// The GC's share of the process's resident memory, bytes: committed pages that were touched.
    pub fn resident_bytes(&self) -> f64 {
        self.mem.resident(&self.heap)
    }

    /// The memory load the GC acts on, as a fraction: the process's usage over the container limit
    /// (or over physical memory), as `GetMemoryStatus` reports it. The heap hard limit does not
    /// enter it.
    pub fn memory_load(&self, env: &GcEnv) -> f64 {
        (env.process_resident / self.tuning.total_memory).clamp(0.0, 1.0)
    }

    pub(crate) fn note_pause(&mut self, pause: f64, heap_after: f64) {
        self.stats.pause_total_s += pause;
        self.stats.pause_max_s = self.stats.pause_max_s.max(pause);
        self.stats.peak_heap_after_gc = self.stats.peak_heap_after_gc.max(heap_after);
    }

    pub(crate) fn gen_sizes(&self) -> [f64; 4] {
        let g = &self.heap.gens;
        [
            g[GEN0].size(),
            g[GEN1].size(),
            g[GEN2].size(),
            g[LOH].size(),
        ]
    }

    /// A gen2's mark of the large objects at `now_s`: whole-object survivor counts, and which
    /// objects they are in the LOH's layout.
    pub(crate) fn mark_large_objects(&mut self, now_s: f64) {
        let counts = self.large.mark(&mut self.heap, &self.last_flows);
        let per_heap = self.heaps as f64;
        let share = |n: f64| (n / per_heap).round().max(0.0) as u64;
        let targets: Vec<loh_layout::LiveTarget> = self
            .heap
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let size = c.large_object_bytes.max(LOH_THRESHOLD as f64);
                match c.death {
                    heap::Death::Hazard => loh_layout::LiveTarget {
                        kept: share(counts[i].0 as f64),
                        new: share(counts[i].1 as f64),
                        youngest: 0,
                        hazard: self.last_flows.hazard[i],
                    },
                    heap::Death::Transient | heap::Death::Explicit => loh_layout::LiveTarget {
                        youngest: share(self.heap.gens[LOH].live[i] / size),
                        ..Default::default()
                    },
                }
            })
            .collect();
        self.loh_layout.mark(&targets, now_s);
    }

    /// After a gen2's sweep (or its compaction of the LOH): the free space at the LOH's end is
    /// given back. Where the layout is not tracked, live objects are taken as evenly spread, so
    /// about one gap in (live objects + 1) lies at the end.
    pub(crate) fn trim_large_object_heap(&mut self, compacted: bool) {
        let per_heap = self.heaps as f64;
        let trimmed = if self.loh_layout.tracked() {
            per_heap
                * if compacted {
                    self.loh_layout.compact()
                } else {
                    self.loh_layout.sweep()
                }
        } else {
            let objects: f64 = self
                .heap
                .classes
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    self.heap.gens[LOH].live[i] / c.large_object_bytes.max(LOH_THRESHOLD as f64)
                })
                .sum();
            self.heap.gens[LOH].free / (objects + 1.0)
        };
        let lh = &mut self.heap.gens[LOH];
        lh.free -= trimmed.min(lh.free).max(0.0);
    }

    /// On regions with the LOH layout tracked, after a GC that ends at `now_s` (`blocking`: the
    /// generation of a blocking GC; `None` for the end of a background GC's sweep): at the end
    /// of a blocking GC that no background GC overlaps, the free large regions beyond what the
    /// LOH's budget needs, and those that waited 20 gen2s, are decommitted within the allowance
    /// of `decommit_step` (`distribute_free_regions`). Then what stays committed around the large
    /// regions, over all heaps.
    pub(crate) fn loh_region_commit(
        &mut self,
        now_s: f64,
        blocking: Option<usize>,
    ) -> Option<memory::LohRegionCommit> {
        if self.tuning.layout != settings::HeapLayout::Regions || !self.loh_layout.tracked() {
            return None;
        }
        let per_heap = self.heaps as f64;
        if self.tuning.hard_limit.is_some() {
            // Under a hard limit the model takes emptied regions as given back at once: the
            // allocator reuses them before it fails, the runtime's usual, "late" out-of-memory
            // point (see validation/README.md for the early one).
            self.loh_layout.decommit_parked(0, f64::INFINITY);
        } else if let Some(n) = blocking {
            if n == 2 {
                self.loh_layout.age_parked();
            }
            // What the LOH's budget still needs beyond its usable free space and the room left
            // in its regions (`estimate_gen_growth`), in regions, stays parked.
            let lh = &self.heap.gens[LOH];
            let allocated = lh.size() / per_heap;
            let free = lh.free.max(0.0) / per_heap;
            let usable_free = if allocated > 0.0 {
                free * free / allocated
            } else {
                0.0
            };
            let budget =
                (lh.remaining.max(0.0) / per_heap - usable_free - self.loh_layout.reserved_room())
                    .max(0.0);
            let region = memory::LARGE_REGION_UNITS * self.tuning.region_size;
            let keep = (budget / region).ceil() as usize;
            if self.background.is_none() && self.loh_layout.parked_surplus(keep) {
                let server = self.tuning.server;
                if let Some(allowance) = self.mem.take_region_decommit_allowance(now_s, server) {
                    self.loh_layout.decommit_parked(keep, allowance / per_heap);
                }
            }
        }
        Some(memory::LohRegionCommit {
            kept_tails: per_heap * self.loh_layout.kept_tails(),
            parked: per_heap * self.loh_layout.parked_commit(),
        })
    }

    pub(crate) fn take_index(&mut self) -> u64 {
        let i = self.next_index;
        self.next_index += 1;
        i
    }

    /// Bytes allocated into (or promoted into) generation `g` since its budget was last set
    /// (`desired − new_allocation`).
    pub(crate) fn allocated_since(&self, g: usize) -> f64 {
        let gn = &self.heap.gens[g];
        (gn.desired - gn.remaining).max(0.0)
    }
}

/// The LOH layout of one GC heap: one segment, or large regions on a regions GC.
fn loh_layout_for(
    tuning: &GcTuning,
    classes: usize,
    rng: crate::sim::rng::ComponentRng,
) -> loh_layout::LohLayout {
    let mut layout = loh_layout::LohLayout::new(classes, rng);
    if tuning.layout == settings::HeapLayout::Regions {
        layout.use_regions(memory::LARGE_REGION_UNITS * tuning.region_size);
    }
    layout
}

#[cfg(test)]
mod tests;
