//! One GC trigger and one blocking collection: the condemn decision, promotion (`mark_phase`'s
//! promotion test), compaction or sweeping (`decide_on_compacting`), pinned objects (demotion on
//! segments, whole-region promotion on regions), segment expansion, the new budgets
//! (`compute_new_dynamic_data`, Server GC's join and smoothing, DATAS' cap), and the heap hard
//! limit's out-of-memory path.

use rand::RngExt;

use super::budget::{self, SurvivalFacts};
use super::condemn::Decision;
use super::datas::DatasRules;
use super::heap::{Death, GEN0, GEN1, GEN2, Holder, LOH, NGEN, Placement};
use super::pause::{GcWork, PauseKind};
use super::record::{GcKind, GcReason, GcRecord, condemn_bits};
use super::settings::{GcProfile, HeapLayout, LOH_THRESHOLD};
use super::tuning::GcTuning;
use super::{Collection, Gc, GcEnv};

/// The smallest object the runtime can place (header, method table, length on 64-bit), bytes:
/// the allocator charges it on top of each large object.
const MIN_OBJECT_BYTES: f64 = 24.0;

/// Planned fragmentation limits of `decide_on_compacting` for gen0, gen1, gen2 GCs: bytes and
/// share of the condemned generations.
const FRAG_LIMIT: [(f64, f64); 3] = [(40_000.0, 0.5), (80_000.0, 0.5), (200_000.0, 0.25)];

/// A region holding pinned objects is promoted whole when at least this share of it is pinned
/// (`demotion_pinned_ratio_th`).
const PINNED_REGION_SHARE: f64 = 0.01;

/// Smallest piece of gen0 an allocating thread takes from the GC at a time (the allocation
/// quantum), bytes: the budget is checked only when a thread needs a new piece.
const ALLOCATION_QUANTUM: f64 = 8192.0;

/// Most entries a Workstation GC's mark list is resized to on regions (`MAX_MARK_LIST_SIZE`):
/// 16,384 without the vectorised sort, which .NET 8 builds for Windows only; 32,768 with it on a
/// CPU with AVX2, which .NET 9 also builds for Linux x64 (dotnet/runtime#98712; the model
/// assumes AVX2; not validated in the lab).
fn max_mark_list_entries(profile: GcProfile) -> f64 {
    match profile {
        GcProfile::Net9 | GcProfile::Net10 => 32_768.0,
        _ => 16_384.0,
    }
}

/// Entries of a Workstation GC's mark list when the process starts (`init_semi_shared`):
/// `max(8192, seg/2048)` for the SOH segment size, at most 102,400 (.NET Core 3.1 has no cap).
pub(crate) fn initial_mark_list_entries(tuning: &GcTuning) -> f64 {
    let entries = (tuning.seg_size / 2048.0).max(8192.0);
    match tuning.profile {
        GcProfile::NetCore31 => entries,
        _ => entries.min(102_400.0),
    }
}

impl Gc {
    /// Runs the GC(s) that an allocation trigger causes at `now_s` and returns what happened.
    pub fn collect(&mut self, now_s: f64, reason: GcReason, env: &GcEnv) -> Collection {
        let mut out = Collection::default();
        let mut t = now_s;
        // DATAS applies a new heap count at the start of a GC; the budgets left stay as totals.
        if let Some(ds) = self.datas.as_mut() {
            self.heaps = ds.next_heap_count(self.heaps);
        }
        // The budget that triggered is used up (flows reach it only to within rounding).
        match reason {
            GcReason::AllocSmall => {
                self.heap.gens[GEN0].remaining = self.heap.gens[GEN0].remaining.min(0.0)
            }
            GcReason::AllocLarge => {
                self.heap.gens[LOH].remaining = self.heap.gens[LOH].remaining.min(0.0)
            }
            _ => {}
        }
        // A large object that cannot be committed goes straight to a full compacting GC
        // (`trigger_full_compact_gc`); so does, on regions, a small-object allocation that cannot
        // get a new region under the hard limit. On segments small-object allocation tries a
        // gen1 first.
        let mut decision = self.generation_to_condemn(now_s, reason, env);
        let regions_soh_oos = reason == GcReason::OutOfSpaceSoh
            && self.tuning.layout == HeapLayout::Regions
            && self.tuning.hard_limit.is_some();
        if regions_soh_oos {
            decision = Decision {
                generation: 2,
                blocking: true,
                force_promotion: true,
                compact_loh: true,
                reasons: decision.reasons,
            };
        }
        if reason == GcReason::OutOfSpaceLoh {
            decision = Decision {
                generation: 2,
                blocking: true,
                force_promotion: true,
                compact_loh: true,
                reasons: decision.reasons | condemn_bits::BEFORE_OOM,
            };
        }
        if decision.generation == 2 && !decision.blocking && self.background.is_none() {
            // `check_for_ephemeral_alloc`: an exhausted gen0 (or gen1) budget gets an ephemeral GC
            // in the same suspension, before the background GC starts.
            let eph = if reason == GcReason::OutOfSpaceSoh {
                Some(1)
            } else if self.heap.gens[GEN0].remaining <= 0.0 {
                Some(if self.heap.gens[GEN1].remaining <= 0.0 {
                    1
                } else {
                    0
                })
            } else {
                None
            };
            if let Some(e) = eph {
                let d = Decision {
                    generation: e,
                    blocking: true,
                    force_promotion: false,
                    compact_loh: false,
                    reasons: decision.reasons | condemn_bits::BEFORE_BGC,
                };
                let rec = self.blocking(t, reason, &d, env);
                t += rec.pause_s;
                out.pause_s += rec.pause_s;
                out.records.push(rec);
            }
            let p = self.start_background(t, reason, decision.reasons);
            t += p;
            out.pause_s += p;
        } else {
            let during_bgc = self.background.is_some();
            let mut rec = self.blocking(t, reason, &decision, env);
            if during_bgc {
                rec.kind = GcKind::Foreground;
            }
            t += rec.pause_s;
            out.pause_s += rec.pause_s;
            out.records.push(rec);
        }
        // The allocator's out-of-space path under a hard limit: a small-object allocation that
        // still does not fit after the gen1 waits for a background GC, then gets one full
        // compacting GC; if even that leaves no room, an OutOfMemoryException.
        if self.tuning.hard_limit.is_some()
            && matches!(reason, GcReason::OutOfSpaceSoh | GcReason::OutOfSpaceLoh)
        {
            if reason == GcReason::OutOfSpaceSoh && self.out_of_room(reason) {
                if self.background.is_some() {
                    let end = self.background_end_s().unwrap_or(t).max(t);
                    if let Some(r) = self.finish_background(end) {
                        out.records.push(r);
                    }
                    out.pause_s += end - t;
                    t = end;
                }
                let d = Decision {
                    generation: 2,
                    blocking: true,
                    force_promotion: true,
                    compact_loh: true,
                    reasons: condemn_bits::BEFORE_OOM,
                };
                let rec = self.blocking(t, reason, &d, env);
                out.pause_s += rec.pause_s;
                out.records.push(rec);
            }
            if self.out_of_room(reason) {
                out.out_of_memory = true;
            }
        }
        out
    }

    /// Whether the allocation that failed for `reason` still cannot proceed: small objects need
    /// the ephemeral room of `ephemeral_gen_fit_p` (two gen0 minimum budgets under the hard
    /// limit); a large object needs its own size in the LOH's free list or under the limit.
    fn out_of_room(&self, reason: GcReason) -> bool {
        match reason {
            GcReason::OutOfSpaceLoh | GcReason::AllocLarge => {
                // Committed but unused small-object space cannot take a large object.
                let need = self.mean_large_object();
                let room = self.hard_limit_room() - self.mem.soh_slack(&self.heap);
                self.heap.gens[LOH].free < need && room < need
            }
            _ => self.ephemeral_short(true),
        }
    }

    /// Size of one large object as the allocator charges it to the LOH budget, bytes: the mean
    /// of the classes holding large objects now, by object count, plus a minimum object; the mean
    /// over all classes when the LOH holds none.
    fn loh_object_charge(&self) -> f64 {
        let lh = &self.heap.gens[LOH];
        let (mut bytes, mut objects) = (0.0, 0.0);
        for (i, c) in self.heap.classes.iter().enumerate() {
            let size = c.large_object_bytes.max(LOH_THRESHOLD as f64);
            let live = lh.live.get(i).copied().unwrap_or(0.0);
            if live > 0.0 {
                bytes += live;
                objects += live / size;
            }
        }
        let mean = if objects > 0.0 {
            bytes / objects
        } else {
            self.mean_large_object().max(LOH_THRESHOLD as f64)
        };
        mean + MIN_OBJECT_BYTES
    }

    /// Mean size of the large objects being allocated, bytes.
    pub(crate) fn mean_large_object(&self) -> f64 {
        let c = &self.heap.classes;
        let n = c.len().max(1) as f64;
        c.iter().map(|k| k.large_object_bytes).sum::<f64>() / n
    }

    /// Objects marked in the condemned generations (what fills the mark list).
    fn marked_objects(&self, n: usize) -> f64 {
        let mut objs = 0.0;
        for g in 0..=n.min(GEN2) {
            for (c, class) in self.heap.classes.iter().enumerate() {
                objs += self.heap.gens[g].live[c] / class.object_bytes.max(16.0);
            }
        }
        objs
    }

    /// Entries of the mark list per heap: when a GC marks as many objects or more, its plan phase
    /// walks every object instead.
    fn mark_list_entries(&self) -> f64 {
        if self.tuning.server {
            // The list holds `min(150K, max(8192, seg/640))` entries; the lab's Server GC runs
            // walked whenever all heaps together marked more than that.
            (self.tuning.seg_size / 640.0).clamp(8192.0, 153_600.0) / self.heaps as f64
        } else {
            self.wks_mark_list_entries
        }
    }

    /// A blocking GC of `n` that marked `marked` objects per heap ends: on regions (Workstation
    /// GC) the mark list is resized when the GC overflowed it (`grow_mark_list` in
    /// `do_post_gc`). A full GC always does: it disables the list by pointing its end at its
    /// start, and the marking still counts past that end. The new size is twice the old one
    /// capped at [`max_mark_list_entries`], so on .NET 8 the first overflow shrinks the list from
    /// 102,400 entries to 16,384 for good. From then on an ephemeral GC marking 16,384 objects or
    /// more walks its condemned space: in the lab, .NET 8 gen0 and gen1 GCs over 84 MB of churn
    /// took 3.3–8.5 ms before the first blocking gen2 and 28–41 ms after it, for as many objects
    /// marked. (Server GC resizes its own list on other rules, not modelled: it keeps its size.)
    fn resize_mark_list_after(&mut self, n: usize, marked: f64) {
        if self.tuning.server || self.tuning.layout != HeapLayout::Regions {
            return;
        }
        if n == GEN2 || marked >= self.wks_mark_list_entries {
            self.wks_mark_list_entries =
                (2.0 * self.wks_mark_list_entries).min(max_mark_list_entries(self.tuning.profile));
        }
    }

    /// `decide_on_compacting` for a blocking GC of `n`.
    fn decide_compacting(&self, n: usize, d: &Decision, env: &GcEnv) -> bool {
        if d.reasons & condemn_bits::BEFORE_OOM != 0 {
            return true;
        }
        let g = &self.heap.gens;
        if n < 2
            && !self.tuning.concurrent
            && (self.gen0_reduction_count > 0 || self.memory_load(env) >= 0.95)
        {
            return true;
        }
        if self.tuning.layout == HeapLayout::Segments && n < 2 && !self.ephemeral_fits_after(n) {
            return true;
        }
        if let Some(limit) = self.tuning.hard_limit
            && (limit - self.committed_bytes()) / (self.heaps as f64) < self.end_space_after_gc()
        {
            return true;
        }
        let size: f64 = (0..=n).map(|k| g[k].size()).sum();
        let frag: f64 = (0..=n).map(|k| g[k].dead() + g[k].free).sum();
        let (limit, burden) = FRAG_LIMIT[n];
        size > 0.0 && frag >= limit * self.heaps as f64 && frag / size >= burden
    }

    /// Whether the ephemeral segment would still have room after this GC for the next budget
    /// (`ephemeral_gen_fit_p(tuning_deciding_compaction)`).
    fn ephemeral_fits_after(&self, n: usize) -> bool {
        let per_heap = self.heaps as f64;
        let g = &self.heap.gens;
        let survivors: f64 = (0..=n).map(|k| g[k].live_total()).sum();
        let untouched: f64 = (n + 1..GEN2).map(|k| g[k].size()).sum();
        let planned = (self.mem.gen2_on_ephemeral(&self.heap) + survivors + untouched) / per_heap;
        let approx_new = (2.0 * self.tuning.gen0_min).max(2.0 / 3.0 * g[GEN0].desired / per_heap);
        self.tuning.seg_size - planned > approx_new
    }

    /// The promotion test of `mark_phase`: promote when the survivors exceed `m` or the next older
    /// generation is smaller than `m`, with `m = Σ min_budget(g)·(g+1)·k` (k = 0.06 WKS, 0.1 SVR).
    fn promotion_test(&self, n: usize, survivors: f64) -> bool {
        let k = if self.tuning.server { 0.1 } else { 0.06 };
        let mins = [self.tuning.gen0_min, self.tuning.gen1_min];
        let m: f64 = (0..=n.min(1)).map(|g| mins[g] * (g as f64 + 1.0) * k).sum();
        let older = (n + 1).min(GEN2);
        let per_heap = self.heaps as f64;
        let older_size = (self.heap.gens[older].current + self.allocated_since(older)) / per_heap;
        m > older_size || survivors / per_heap > m
    }

    /// Runs one blocking GC of generations `0..=n` (and the LOH when `n` is 2).
    /// Card-table efficiency of an ephemeral GC of generation `n`, as the runtime measures it
    /// (`generation_skip_ratio`): of the pointers into the ephemeral generations that it finds
    /// through the card table of older objects, the share that point into the condemned
    /// generations. Objects that live beyond a GC are held by older containers (the keyed-state
    /// table, a survivor queue, a buffer pool), so in a gen0 GC every live gen1 object is a pointer
    /// found and not useful, and every live gen0 object a useful one. Below 30% (measured only
    /// when more than 400 pointers per heap were found) the next GC condemns gen1 with promotion.
    /// A gen1 GC condemns everything the cards point to, so its efficiency is 100%.
    fn card_efficiency_is_low(&self, n: usize) -> bool {
        if n != 0 {
            return false;
        }
        let mut useful = 0.0;
        let mut found = 0.0;
        for (i, c) in self.heap.classes.iter().enumerate() {
            if c.death == Death::Transient {
                continue;
            }
            let size = c.object_bytes.max(8.0);
            let young = self.heap.gens[GEN0].live[i] / size;
            let gen1 = self.heap.gens[GEN1].live[i] / size;
            // Pointers into gen0 (useful) and into gen1 (found, not useful) from older objects.
            let (u, f) = match c.holder {
                Holder::OldContainer => (young, gen1),
                // Only the entries added to a chunk after the chunk was promoted are younger than
                // it: those added since the last GC under the chunks then being filled (the room
                // they had left), and in gen1 those added since the last gen1 GC promoted the
                // chunks then being filled into gen2.
                Holder::Chunked { entries } => (
                    young.min(entries * self.chunk_room_last_gc),
                    gen1.min(entries * self.chunk_room_last_gen1),
                ),
                Holder::GrowingList => (0.0, 0.0),
            };
            useful += u;
            found += u + f;
        }
        found / self.heaps as f64 > 400.0 && useful < 0.30 * found
    }

    pub(crate) fn blocking(
        &mut self,
        now_s: f64,
        reason: GcReason,
        d: &Decision,
        env: &GcEnv,
    ) -> GcRecord {
        let n = d.generation as usize;
        let heaps = self.heaps;
        let per_heap = heaps as f64;
        let layout = self.tuning.layout;
        let index = self.take_index();
        let heap_before = self.heap.total_size();
        let nclass = self.heap.classes.len();

        if n == 2 {
            self.mark_large_objects(now_s);
        }
        // Mark: survivors of the condemned generations by class and placement.
        let compacting = self.decide_compacting(n, d, env);
        let survivors_by_gen: Vec<f64> = (0..NGEN)
            .map(|g| {
                if g <= n || (n == 2 && g == LOH) {
                    self.heap.gens[g].live_total()
                } else {
                    0.0
                }
            })
            .collect();
        let condemned_survivors: f64 = survivors_by_gen[..=n].iter().sum();
        let promote = n == 2
            || d.force_promotion
            || !compacting
            || self.promotion_test(n, condemned_survivors);
        let mut work = GcWork {
            swept: !compacting,
            ..Default::default()
        };
        for g in 0..=n {
            // A plug is a run of live objects: a survivor starts one when what lies before it is
            // dead or free, so the plugs are the survivors times the generation's share of dead
            // objects and free space. Survivors already compacted by an earlier GC lie side by
            // side and mostly stay together.
            let condemned = &self.heap.gens[g];
            let plug_share = if condemned.size() > 0.0 {
                (1.0 - condemned.live_total() / condemned.size()).clamp(0.0, 1.0)
            } else {
                1.0
            };
            for (c, class) in self.heap.classes.iter().enumerate() {
                let live = self.heap.gens[g].live[c];
                if class.pinned() {
                    work.pinned += live;
                } else if class.placement == Placement::Scattered {
                    work.scattered += live;
                    work.scattered_objects += live / class.object_bytes.max(16.0) * plug_share;
                } else {
                    work.packed += live;
                }
            }
        }
        if n == 2 {
            work.old_live = survivors_by_gen[GEN2];
            // Large objects are few: marking costs per object; compacting the LOH moves the live
            // objects that lie after the first dead one (with d dead objects spread evenly, a
            // share d/(d+1) of the live bytes).
            let mean_large = self.mean_large_object().max(85_000.0);
            work.loh_objects = survivors_by_gen[LOH] / mean_large;
            if d.compact_loh {
                let dead_objects = self.heap.gens[LOH].dead() / mean_large;
                work.loh_moved = survivors_by_gen[LOH] * dead_objects / (dead_objects + 1.0);
                // They slide down onto the space of dead objects. Below where the last
                // compaction ended every page was written by it; above, the LOH's never-written
                // pages lie, and where the copy lands on one it faults it in.
                let end = survivors_by_gen[LOH];
                let beyond = (end - self.mem.loh_compacted_end()).clamp(0.0, work.loh_moved);
                work.loh_moved_onto_fresh_pages =
                    beyond * self.mem.loh_untouched_share_beyond_compacted();
                self.mem.loh_compacted_to(end);
            }
            // The gen2 survivors are marked, not copied, unless the GC compacts.
            let old_packed = self.heap.gens[GEN2].live_total();
            work.packed -= old_packed.min(work.packed);
            if compacting {
                work.packed += old_packed;
            }
        }
        work.ephemeral_bytes = (0..=n.min(1)).map(|g| self.heap.gens[g].size()).sum();
        self.low_card_efficiency = self.card_efficiency_is_low(n);
        // This GC promotes the chunks being filled; the share of them still empty is where the
        // filling stood, a uniform draw (chunks filled side by side by threads allocating at the
        // same rate stand at the same place).
        let room: f64 = self.card_rng.random();
        self.chunk_room_last_gc = room;
        if n >= 1 {
            self.chunk_room_last_gen1 = room;
        }
        let marked = self.marked_objects(n) / per_heap;
        let mark_list_overflow = marked >= self.mark_list_entries();
        if n == 2 || self.background.is_some() || mark_list_overflow {
            work.walked_bytes = (0..=n.min(1)).map(|g| self.heap.gens[g].size()).sum();
        }
        self.resize_mark_list_after(n, marked);

        // Plan and relocate.
        let begins: [f64; NGEN] = std::array::from_fn(|g| self.heap.gens[g].obj);
        let mut promoted_into = [0.0f64; NGEN];
        // Regions: pinned survivors promoted with their regions kept in place are not allocated
        // in the older generation, so they use none of its budget (in the lab's .NET 8 traces a
        // pool whose pins hold every region promotes ~75 MiB of regions into gen2 per gen1 GC for
        // nine GCs without a gen2). What a sweeping GC promotes in place is still charged: the
        // DATAS traces' gen2 cadence needs it.
        let mut in_place_into = [0.0f64; NGEN];
        let mut expanded = false;
        if n == 2 {
            let g2 = &mut self.heap.gens[GEN2];
            let dead = g2.dead();
            g2.obj = g2.live_total();
            g2.free = if compacting { 0.0 } else { g2.free + dead };
            if compacting {
                self.gen2_free.compact(&g2.live);
            } else {
                self.gen2_free.sweep(&g2.live, g2.size(), g2.free);
            }
            let lh = &mut self.heap.gens[LOH];
            let dead = lh.dead();
            lh.obj = lh.live_total();
            lh.free = if d.compact_loh { 0.0 } else { lh.free + dead };
            self.trim_large_object_heap(d.compact_loh);
            if d.compact_loh && survivors_by_gen[LOH] > 0.0 {
                // Compaction copies every object it slides: their pages are written.
                self.mem
                    .large_objects_copied(work.loh_moved / survivors_by_gen[LOH]);
            }
        }
        for g in (0..=n.min(1)).rev() {
            let target = if promote { g + 1 } else { g };
            let extent = self.heap.gens[g].size();
            let dead = self.heap.gens[g].dead();
            let pinned_bytes = self.heap.pinned_live(g);
            let pins = |placement: Placement| -> (f64, f64) {
                let mut bytes = 0.0;
                let mut objects = 0.0;
                for (i, c) in self.heap.classes.iter().enumerate() {
                    if c.pinned() && c.placement == placement {
                        bytes += self.heap.gens[g].live[i];
                        objects += self.heap.gens[g].live[i] / c.object_bytes.max(1.0);
                    }
                }
                (bytes, objects)
            };
            let (scattered_pin_bytes, scattered_pins) = pins(Placement::Scattered);
            let (packed_pin_bytes, _) = pins(Placement::Packed);
            // Segments: pins scattered among garbage keep the plan from compacting past them, so
            // the gen1/gen0 boundary is planned before the oldest of them: every pin and the gaps
            // between them are demoted to gen0 (with P pins spread evenly the span is (P−1)/(P+1)
            // of the condemned space). A pool allocated in one piece is passed over and promoted.
            let region = self.tuning.region_size.max(1.0);
            // Where the survivors of generation g go: `to_target` (promoted, or compacted in place
            // when not promoting), `to_gen0` (demoted), and free space that moves with them.
            let mut to_target_share = 1.0; // of non-pinned survivors
            let mut pinned_to_gen0 = false;
            let mut nonpinned_to_gen0_share = 0.0;
            let mut target_free = 0.0;
            let mut gen0_free = 0.0;
            if !compacting {
                // Sweeping promotes in place: dead objects become free space of the target.
                target_free = dead + self.heap.gens[g].free;
            } else if layout == HeapLayout::Segments && scattered_pins >= 1.0 {
                // Pins scattered among garbage keep the plan from compacting past them: the
                // gen1/gen0 boundary is planned before the oldest, so every pin, the gaps between
                // them and the survivors planned after the oldest stay in (or return to) gen0.
                // With P pins spread evenly the span is (P−1)/(P+1) of the condemned space.
                let span = (scattered_pins - 1.0) / (scattered_pins + 1.0);
                pinned_to_gen0 = true;
                nonpinned_to_gen0_share = span;
                to_target_share = 1.0 - span;
                let nonpinned = self.heap.gens[g].live_total() - pinned_bytes;
                gen0_free = (extent * span - pinned_bytes - nonpinned * span).max(0.0);
            } else if layout == HeapLayout::Regions && pinned_bytes > 0.0 {
                // A region holding at least 1% of pinned bytes keeps its place and is promoted
                // whole, free space and all; one holding less is demoted to gen0 whole. A packed
                // pool fills its regions; scattered pins spread over the rest.
                let packed_regions = (packed_pin_bytes / region).ceil();
                let rest = ((extent - packed_regions * region) / region)
                    .ceil()
                    .max(1.0);
                let (kept, demoted) = if scattered_pins >= 1.0 {
                    let obj = scattered_pin_bytes / scattered_pins;
                    let need = ((PINNED_REGION_SHARE * region) / obj).ceil().max(1.0) as u32;
                    let lambda = scattered_pins / rest;
                    let kept = rest * poisson_at_least(lambda, need);
                    (
                        kept,
                        rest * (poisson_at_least(lambda, 1) - poisson_at_least(lambda, need)),
                    )
                } else {
                    (0.0, 0.0)
                };
                let kept_bytes = ((packed_regions + kept) * region).min(extent);
                let kept_share_rest = if extent > packed_regions * region {
                    (kept * region / (extent - packed_regions * region)).min(1.0)
                } else {
                    0.0
                };
                let nonpinned = self.heap.gens[g].live_total() - pinned_bytes;
                let kept_live = packed_pin_bytes
                    + scattered_pin_bytes
                        * if kept + demoted > 0.0 {
                            kept / (kept + demoted)
                        } else {
                            1.0
                        }
                    + nonpinned * kept_share_rest;
                target_free = (kept_bytes - kept_live).max(0.0);
                if target != g {
                    // The pinned objects stay where they are; the other survivors of a kept
                    // region are still compacted, into space allocated in the target.
                    in_place_into[target] += kept_live - nonpinned * kept_share_rest;
                }
                let demoted_pins = scattered_pin_bytes
                    * if kept + demoted > 0.0 {
                        demoted / (kept + demoted)
                    } else {
                        0.0
                    };
                gen0_free = (demoted * region - demoted_pins - nonpinned * demoted / rest).max(0.0);
                let demoted_share = (demoted / rest).min(1.0);
                nonpinned_to_gen0_share = demoted_share;
                to_target_share = 1.0 - demoted_share;
                pinned_to_gen0 = false;
            }
            // Plugs are runs of survivors side by side: their lengths follow the live share of
            // the generation they come from.
            let source_live_share = if self.heap.gens[g].obj > 0.0 {
                (self.heap.gens[g].live_total() / self.heap.gens[g].obj).clamp(0.0, 0.999)
            } else {
                0.0
            };
            let mut area_live = vec![0.0; nclass];
            let mut stay_obj = 0.0;
            for (c, area_bytes) in area_live.iter_mut().enumerate() {
                let live = self.heap.gens[g].live[c];
                if live <= 0.0 {
                    continue;
                }
                let pinned = self.heap.classes[c].pinned();
                let to_gen0 = if pinned {
                    if pinned_to_gen0 { live } else { 0.0 }
                } else {
                    live * nonpinned_to_gen0_share
                };
                let to_target = if pinned {
                    live - to_gen0
                } else {
                    live * to_target_share
                };
                let rest = live - to_gen0 - to_target;
                self.heap.gens[g].live[c] = rest.max(0.0);
                stay_obj += rest.max(0.0);
                for (dest, bytes) in [(GEN0, to_gen0), (target, to_target)] {
                    if bytes <= 0.0 {
                        continue;
                    }
                    if dest == g {
                        self.heap.gens[g].live[c] += bytes;
                        stay_obj += bytes;
                    } else {
                        let d = &mut self.heap.gens[dest];
                        d.live[c] += bytes;
                        d.obj += bytes;
                        if dest > g {
                            // Promotion allocates from the older generation's free list first;
                            // in gen2 only items large enough for the plugs.
                            let reuse = if dest != GEN2 {
                                bytes.min(d.free)
                            } else if compacting && !pinned {
                                self.gen2_free.fill(bytes.min(d.free), source_live_share)
                            } else {
                                0.0
                            };
                            d.free -= reuse;
                            promoted_into[dest] += bytes;
                            if dest == GEN2 {
                                *area_bytes += bytes;
                            }
                        }
                    }
                }
            }
            let gn = &mut self.heap.gens[g];
            gn.obj = stay_obj;
            gn.free = 0.0;
            if target != g {
                self.heap.gens[target].free += target_free;
            } else {
                self.heap.gens[g].free += target_free;
            }
            self.heap.gens[GEN0].free += gen0_free;
            if target == GEN2 && g < GEN2 {
                let promoted: f64 = area_live.iter().sum();
                self.gen2_free
                    .add(promoted + target_free, &area_live, target_free);
            }
        }

        // Segments: a compacting GC whose planned ephemeral generations no longer fit on the
        // segment moves them to a new one (gen2 stays behind), or asks the next GC to do it.
        if layout == HeapLayout::Segments
            && compacting
            && n >= 1
            && self.tuning.hard_limit.is_none()
        {
            let per = |x: f64| x / per_heap;
            let g = &self.heap.gens;
            let planned =
                per(self.mem.gen2_on_ephemeral(&self.heap) + g[GEN1].size() + g[GEN0].size());
            let approx_new =
                (2.0 * self.tuning.gen0_min).max(2.0 / 3.0 * g[GEN0].desired / per_heap);
            if self.tuning.seg_size - planned <= approx_new + 2.0 * self.tuning.gen1_min {
                expanded = true;
            }
        }
        if n == 2 && self.expand_in_next_full_gc {
            expanded = true;
        }
        if expanded {
            self.expand_in_next_full_gc = false;
            self.mem
                .expanded(&self.heap, self.tuning.seg_size * per_heap);
        }

        if let Some(b) = self.background.as_mut() {
            b.gen2_in += promoted_into[GEN2];
        }
        // Budgets: what was allocated in an older generation by promotion uses its budget.
        let charged_into: [f64; NGEN] = std::array::from_fn(|g| match layout {
            HeapLayout::Segments => promoted_into[g],
            HeapLayout::Regions => (promoted_into[g] - in_place_into[g]).max(0.0),
        });
        self.update_budgets(now_s, n, &begins, &survivors_by_gen, &charged_into, env);
        if n < 2 {
            // `compute_in`: what was promoted into the next older generation consumes its budget.
            self.heap.gens[n + 1].remaining -= charged_into[n + 1];
            if layout == HeapLayout::Regions && n == 0 {
                self.heap.gens[GEN2].remaining -= charged_into[GEN2];
            }
        }

        // Clocks and counters.
        self.gc_count += 1;
        for g in 0..=n {
            self.clocks[g] = super::Clock {
                time_s: now_s,
                gc_count: self.gc_count,
            };
        }
        self.stats.by_generation[n] += 1;
        if n == 2 && compacting {
            self.stats.compacting_gen2 += 1;
        }
        if n == 2 {
            self.elevation_locked = !compacting || promoted_into[GEN2] >= begins[GEN1].max(1.0);
            self.mem_loh_end_size();
        }

        let kind = [PauseKind::Gen0, PauseKind::Gen1, PauseKind::Gen2][n];
        let pause = self.pauses.pause_s(kind, &work, heaps);
        let loh_regions = self.loh_region_commit(now_s + pause, Some(n));
        self.mem.after_gc(
            &self.heap,
            &self.tuning,
            heaps,
            n,
            now_s + pause,
            false,
            loh_regions,
        );
        self.last_gc_end_s = now_s + pause;
        self.running_amount = self.heap.gens[GEN0].remaining;
        if let Some(ds) = self.datas.as_mut() {
            ds.note_gc(now_s, pause, n, heaps);
        }
        let heap_after = self.heap.total_size();
        self.note_pause(pause, heap_after);
        GcRecord {
            index,
            start_s: now_s,
            generation: n as u8,
            kind: GcKind::Blocking,
            reason,
            pause_s: pause,
            duration_s: pause,
            compacting,
            promoted_up: promote,
            heap_before,
            heap_after,
            survived: condemned_survivors,
            promoted: promoted_into[GEN1] + promoted_into[GEN2],
            gen_after: self.gen_sizes(),
            fragmentation_after: self.heap.total_free(),
            gen0_budget: self.gen0_budget_per_heap(),
            budgets: [
                self.heap.gens[0].remaining,
                self.heap.gens[1].remaining,
                self.heap.gens[2].remaining,
                self.heap.gens[3].remaining,
            ],
            heaps,
            committed_after: self.committed_bytes(),
            condemn_reasons: d.reasons,
        }
    }

    fn mem_loh_end_size(&mut self) {
        self.loh_end_size = self.heap.gens[LOH].size();
    }

    /// `compute_new_dynamic_data` for the condemned generations, then Server GC's join.
    fn update_budgets(
        &mut self,
        now_s: f64,
        n: usize,
        begins: &[f64; NGEN],
        survivors: &[f64],
        promoted_into: &[f64; NGEN],
        env: &GcEnv,
    ) {
        let per_heap = self.heaps as f64;
        let regions = self.tuning.layout == HeapLayout::Regions;
        // gen0.
        let g0 = &self.heap.gens[GEN0];
        let facts0 = SurvivalFacts {
            begin: begins[GEN0] / per_heap,
            survived: survivors[GEN0] / per_heap,
            current: g0.obj / per_heap,
            fragmentation: g0.free / per_heap,
            previous: g0.desired / per_heap,
            used_fraction: used_fraction(g0.desired, g0.remaining),
            since_last_s: now_s - g0.last_gc_s,
        };
        let mut b0 = budget::gen0_budget(&self.tuning, &facts0);
        self.gen0_reduction_count = if g0.free / per_heap > self.tuning.gen0_min {
            2
        } else {
            self.gen0_reduction_count.saturating_sub(1)
        };
        if self.gen0_reduction_count > 0 && !self.tuning.datas {
            b0 = b0.min(self.tuning.gen0_min.max(self.tuning.gen0_max / 3.0));
        }
        if let Some(ds) = self.datas.as_ref().filter(|d| d.rules == DatasRules::Net9) {
            let cap = ds.gen0_cap_per_heap(
                self.heaps,
                self.heap.gens[GEN1].size(),
                self.tuning.gen1_min * per_heap,
            );
            b0 = self.tuning.gen0_min.max(b0.min(cap));
        } else if self.tuning.datas {
            // DATAS caps gen0 at half of gen2 and the LOH as each was right after its last
            // collection (promotions since do not count). gen1 is not part of it: in the lab's
            // .NET 8.0.4 traces the converged budget is 0.5 x (gen2 + LOH) at every epoch
            // (6.8 MiB at 12.8 + 0.6, 38.8 at 77.1 + 0.6, 119 at 241 + 0.6) while including gen1
            // would give 8.0, 48 and 128.
            let older: f64 = [GEN2, LOH]
                .iter()
                .map(|&k| self.heap.gens[k].current)
                .sum::<f64>()
                / per_heap;
            let share = 0.5 * (10.0 / self.tuning.conserve.max(1) as f64 - 1.0);
            b0 = self.tuning.gen0_min.max(b0.min(share * older));
        }
        if !self.tuning.server && n >= 1 {
            b0 = self.joined_youngest_desired(b0, env);
        }
        if self.tuning.server {
            b0 = self.server_gen0_join(b0, env);
        }
        let survived0 = survivors[GEN0];
        set_budget(
            &mut self.heap.gens[GEN0],
            b0 * per_heap,
            now_s,
            begins[GEN0],
            survived0,
        );
        // gen1.
        if n >= 1 {
            let g1 = &self.heap.gens[GEN1];
            // `compute_in` ran first: what this GC promoted into gen1 counts as used budget.
            let gc_new = g1.remaining - promoted_into[GEN1];
            let facts1 = SurvivalFacts {
                begin: begins[GEN1] / per_heap,
                survived: survivors[GEN1] / per_heap,
                previous: g1.desired / per_heap,
                used_fraction: used_fraction(g1.desired, gc_new),
                since_last_s: now_s - g1.last_gc_s,
                ..Default::default()
            };
            let b1 = budget::gen1_budget(&self.tuning, &facts1) * per_heap;
            set_budget(
                &mut self.heap.gens[GEN1],
                b1,
                now_s,
                begins[GEN1],
                survivors[GEN1],
            );
            if regions {
                self.heap.gens[GEN1].remaining -= promoted_into[GEN1];
            }
        }
        // gen2 and the LOH.
        if n == 2 {
            let in2 = promoted_into[GEN2];
            self.old_budgets(now_s, begins[GEN2], survivors[GEN2], begins[LOH], in2, env);
        }
        for g in 0..=n {
            let gn = &mut self.heap.gens[g];
            gn.current = gn.obj;
        }
        if n == 2 {
            let lh = &mut self.heap.gens[LOH];
            lh.current = lh.obj;
        }
    }

    /// gen2 and LOH budgets after a gen2 (blocking, or the sweep of a background GC).
    pub(crate) fn old_budgets(
        &mut self,
        now_s: f64,
        gen2_begin: f64,
        gen2_survived: f64,
        loh_begin: f64,
        in2: f64,
        env: &GcEnv,
    ) {
        let per_heap = self.heaps as f64;
        let regions = self.tuning.layout == HeapLayout::Regions;
        let g2 = &self.heap.gens[GEN2];
        let facts2 = SurvivalFacts {
            begin: gen2_begin / per_heap,
            survived: gen2_survived / per_heap,
            current: g2.obj / per_heap,
            fragmentation: g2.free / per_heap,
            previous: g2.desired / per_heap,
            used_fraction: used_fraction(g2.desired, g2.remaining - in2),
            since_last_s: now_s - g2.last_gc_s,
        };
        let b2 = budget::gen2_budget(&self.tuning, &facts2);
        let lh = &self.heap.gens[LOH];
        let facts_loh = SurvivalFacts {
            begin: loh_begin / per_heap,
            survived: lh.live_total() / per_heap,
            current: lh.obj / per_heap,
            fragmentation: lh.free / per_heap,
            previous: lh.desired / per_heap,
            used_fraction: used_fraction(lh.desired, lh.remaining - self.loh_overdraw),
            since_last_s: now_s - lh.last_gc_s,
        };
        let available = (self.tuning.total_memory - env.process_resident).max(0.0) / per_heap;
        let mut bl = budget::loh_budget(&self.tuning, &facts_loh, b2, available);
        if self.tuning.server {
            let count = (self.stats.by_generation[2] + 1).min(3) as f64;
            self.loh_smoothed = bl / count + self.loh_smoothed * (count - 1.0) / count;
            bl = self.loh_smoothed.max(self.tuning.loh_min);
        }
        let loh_survived = self.heap.gens[LOH].live_total();
        set_budget(
            &mut self.heap.gens[GEN2],
            b2 * per_heap,
            now_s,
            gen2_begin,
            gen2_survived,
        );
        if regions {
            self.heap.gens[GEN2].remaining -= in2;
        }
        if let Some(ds) = self.datas.as_mut() {
            // .NET 9 DATAS: the stable SOH size is gen2 and its budget after each gen2.
            let g2 = &self.heap.gens[GEN2];
            ds.stable_soh_bytes = Some(g2.obj + g2.desired);
        }
        set_budget(
            &mut self.heap.gens[LOH],
            bl * per_heap,
            now_s,
            loh_begin,
            loh_survived,
        );
        // The allocator charges each large object (plus a minimum object) to the budget and
        // checks the budget before an allocation, not after: the object that takes it below zero
        // is allocated and the next one triggers the GC, so a cycle allocates whole objects up to
        // the first that overdraws the budget (`new_allocation_allowed`).
        let charge = self.loh_object_charge();
        let whole = (bl / charge).ceil().max(1.0) * charge * per_heap;
        self.loh_overdraw = whole - bl * per_heap;
        self.heap.gens[LOH].remaining = whole;
        self.heap.gens[GEN2].current = self.heap.gens[GEN2].obj;
        self.heap.gens[LOH].current = self.heap.gens[LOH].obj;
    }

    /// `joined_youngest_desired`: trims a large gen0 budget when memory is getting full.
    fn joined_youngest_desired(&mut self, per_heap_budget: f64, env: &GcEnv) -> f64 {
        let mb16 = 16.0 * 1_048_576.0;
        if per_heap_budget <= mb16 {
            return per_heap_budget;
        }
        let n = self.heaps as f64;
        let cpus = if self.tuning.server {
            1.0
        } else {
            self.tuning.max_heaps.max(1) as f64
        };
        let one_pct = self.tuning.total_memory
            / 100.0
            / if self.tuning.server {
                1.0
            } else {
                cpus.max(1.0)
            };
        let load = self.memory_load(env) * 100.0;
        let total = per_heap_budget * n;
        if load >= 85.0 || total > one_pct.max(mb16 * n) {
            let t = if load < 85.0 {
                total.min((85.0 - load) * one_pct)
            } else if self.tuning.layout == HeapLayout::Segments {
                one_pct.max(mb16 * n)
            } else {
                total.min(one_pct.max(mb16 * n))
            };
            let d = (t / n).min(self.tuning.gen0_max);
            if d < per_heap_budget {
                self.gen0_reduction_count = 2;
            }
            // The trim has no floor in the runtime: near 85% load the budget goes towards zero,
            // but each allocating thread still takes a whole allocation quantum (8 KiB) before
            // the budget is checked again.
            return d.max(ALLOCATION_QUANTUM);
        }
        per_heap_budget
    }

    /// Server GC: the gen0 budget is averaged over heaps, smoothed, snapped to the minimum when
    /// small, then trimmed by memory load.
    fn server_gen0_join(&mut self, d: f64, env: &GcEnv) -> f64 {
        let n = self.heaps as f64;
        let t = &self.tuning;
        let mut sm = match t.layout {
            HeapLayout::Segments => d / 3.0 + self.gen0_smoothed * 2.0 / 3.0,
            HeapLayout::Regions => {
                let k = (self.stats.by_generation.iter().sum::<u64>() + 1).min(3) as f64;
                let total = (d * n) / k + self.gen0_smoothed * n * (k - 1.0) / k;
                (total / n).max(t.gen0_min)
            }
        };
        if t.hard_limit.is_none() && t.gen0_min <= t.llc && sm <= 2.0 * t.gen0_min {
            sm = t.gen0_min;
        }
        sm = sm.clamp(t.gen0_min, t.gen0_max);
        self.gen0_smoothed = sm;
        self.joined_youngest_desired(sm, env)
    }
}

/// P(X ≥ k) for X Poisson with mean `lambda`.
fn poisson_at_least(lambda: f64, k: u32) -> f64 {
    if k == 0 {
        return 1.0;
    }
    let mut term = (-lambda).exp();
    let mut below = term;
    for i in 1..k {
        term *= lambda / i as f64;
        below += term;
    }
    (1.0 - below).clamp(0.0, 1.0)
}

/// Fraction of a budget used: `(desired − new_allocation) / desired`.
pub(crate) fn used_fraction(desired: f64, remaining: f64) -> f64 {
    if desired <= 0.0 {
        return 1.0;
    }
    ((desired - remaining) / desired).clamp(0.0, 1.0)
}

/// Sets a new budget and the survival facts of the GC that set it.
pub(crate) fn set_budget(
    g: &mut super::heap::Generation,
    budget: f64,
    now_s: f64,
    begin: f64,
    survived: f64,
) {
    g.desired = budget;
    g.remaining = budget;
    g.collections += 1;
    g.last_gc_s = now_s;
    g.begin_size = begin;
    g.survived = survived;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::gc::heap::ClassSpec;
    use crate::sim::gc::settings::{GcSettings, MachineSpec};

    #[test]
    fn poisson_tail_matches_the_closed_form() {
        let l: f64 = 12.0;
        let want = 1.0 - (-l).exp() * (1.0 + l);
        assert!((poisson_at_least(l, 2) - want).abs() < 1e-12);
        assert_eq!(poisson_at_least(3.0, 0), 1.0);
    }

    fn gc_with(settings: GcSettings) -> Gc {
        let class = ClassSpec::new("young", Death::Transient, Placement::Scattered);
        Gc::new(&settings, &MachineSpec::default(), vec![class])
    }

    fn workstation(profile: GcProfile) -> Gc {
        gc_with(GcSettings {
            profile,
            ..Default::default()
        })
    }

    /// On regions the first full GC shrinks the mark list from 102,400 entries to the resize
    /// cap, and it stays there; on segments it keeps its size.
    #[test]
    fn the_first_full_gc_shrinks_the_regions_mark_list_for_good() {
        for (profile, start, after) in [
            (GcProfile::Net8, 102_400.0, 16_384.0),
            (GcProfile::Net9, 102_400.0, 32_768.0),
            (GcProfile::NetCore31, 131_072.0, 131_072.0),
        ] {
            let mut gc = workstation(profile);
            assert_eq!(gc.mark_list_entries(), start, "{profile:?}");
            // An ephemeral GC within the list leaves it alone.
            gc.resize_mark_list_after(GEN0, 50_000.0);
            assert_eq!(gc.mark_list_entries(), start, "{profile:?}");
            gc.resize_mark_list_after(GEN2, 0.0);
            assert_eq!(gc.mark_list_entries(), after, "{profile:?}");
            gc.resize_mark_list_after(GEN1, 1e6);
            assert_eq!(gc.mark_list_entries(), after, "{profile:?}");
        }
        // An ephemeral GC that overflows the initial list shrinks it too.
        let mut gc = workstation(GcProfile::Net8);
        gc.resize_mark_list_after(GEN1, 150_000.0);
        assert_eq!(gc.mark_list_entries(), 16_384.0);
        // A hard limit gives a smaller segment and list: 64 MiB starts at 32,768, 16 MiB at the
        // floor of 8,192, which the first full GC grows to 16,384.
        for (limit_mib, start) in [(64u64, 32_768.0), (16, 8_192.0)] {
            let mut gc = gc_with(GcSettings {
                profile: GcProfile::Net8,
                heap_hard_limit: Some(limit_mib << 20),
                ..Default::default()
            });
            assert_eq!(gc.mark_list_entries(), start, "{limit_mib} MiB");
            gc.resize_mark_list_after(GEN2, 0.0);
            assert_eq!(gc.mark_list_entries(), 16_384.0, "{limit_mib} MiB");
        }
        // Server GC's list keeps its size.
        let mut gc = gc_with(GcSettings {
            profile: GcProfile::Net8,
            server: true,
            ..Default::default()
        });
        let before = gc.mark_list_entries();
        gc.resize_mark_list_after(GEN2, 1e6);
        assert_eq!(gc.mark_list_entries(), before);
    }
}
