//! Committed and resident memory of the GC heap, and the heap hard limit.
//!
//! * The small-object heap commits memory as allocation reaches new pages; after a GC the space it
//!   freed stays committed up to a slack the runtime keeps for the next gen0 budget
//!   (`decommit_ephemeral_segment_pages` on segments: after a gen1/gen2 GC the slack is
//!   `max(min(seg/32, gen0_max, gen2/10), gen0 budget)`, after a Workstation gen0 GC excess slack is
//!   trimmed at most every 5 s; on regions free regions stay committed and the surplus is
//!   decommitted at 160 KiB per ms). Allocation contexts are zeroed as they are handed out, so
//!   committed small-object memory is resident.
//! * The Large Object Heap commits as it grows; after a gen2 sweep the free space at its end is
//!   released — on regions at the end of every large region, and a region left empty goes to the
//!   free region list still committed ([`LohRegionCommit`]). Large objects placed on fresh pages
//!   are resident only where the application writes them; space reused from the free list is
//!   cleared by the allocator and so resident.
//! * Bookkeeping (card table, brick table, mark array) is committed in proportion to the heap and
//!   counts against the hard limit.

use super::Gc;
use super::heap::{Flows, GEN0, GEN1, GEN2, Heap, LOH};
use super::record::GcReason;
use super::settings::HeapLayout;
use super::tuning::GcTuning;

const PAGE: f64 = 4096.0;

/// GC bookkeeping (card and brick tables, the background GC's mark array) covers the range the
/// heap reserves. On segments under a hard limit that range is fixed up front (the SOH segment
/// plus a LOH segment twice its size) and its bookkeeping is about 3.5% of the limit: the share
/// that put the out-of-memory point of the lab's hard-limited .NET Core 3.1 runs where it was
/// measured. Since the gen0 pages touched at start-up count as committed (on segments, ~1.8 MiB
/// in the lab), `limit-128-loh-oom` runs out with 2 MiB less heap than measured (1.6% under); a
/// refit to 2.1% puts it back but moves the resident memory of larger limits 3% under
/// (`limit-512-loh`), since this share also counts as resident.
pub const BOOKKEEPING_OF_LIMIT: f64 = 0.035;
/// Otherwise (regions, or no hard limit) bookkeeping is committed with the heap it covers.
pub const BOOKKEEPING_OF_HEAP: f64 = 0.015;
/// Resident bookkeeping per byte of committed heap (tables are touched as the heap is used).
const BOOKKEEPING_RESIDENT: f64 = 0.01;
/// A large (LOH) region is this many basic regions (32 MiB for 4 MiB regions).
pub(crate) const LARGE_REGION_UNITS: f64 = 8.0;
/// Regions decommit free regions at this rate, bytes per second (160 KiB per ms).
pub(crate) const REGION_DECOMMIT_RATE: f64 = 160.0 * 1024.0 * 1000.0;

/// What stays committed around the LOH's large regions after a GC (regions only), bytes over
/// all heaps.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LohRegionCommit {
    /// Committed pages kept beyond the last object of each region in use.
    pub kept_tails: f64,
    /// Commit of the emptied large regions on the free region list: still committed and dirty
    /// (`return_free_region` does not decommit).
    pub parked: f64,
}

/// Committed-memory state of the GC.
#[derive(Clone, Debug, PartialEq)]
pub struct Memory {
    layout: HeapLayout,
    /// Committed small-object-heap memory (all of it touched), bytes.
    pub soh_committed: f64,
    /// Committed LOH memory, bytes.
    pub loh_committed: f64,
    /// Part of the committed LOH that was never written, bytes.
    pub loh_untouched: f64,
    /// Capacity of the older segments that gen2 was left on when the ephemeral segment moved
    /// (segments only), bytes: gen2 fills them first, the rest of gen2 sits on the ephemeral
    /// segment.
    pub old_segment_capacity: f64,
    desired_high: f64,
    last_decommit_s: f64,
    /// When the LOH's free regions were last considered for decommit (the last gen2), seconds.
    last_loh_gen2_s: f64,
    /// Commit of emptied large regions on the free region list (regions only), bytes.
    loh_parked: f64,
    /// Part of `loh_parked` that was never written, bytes.
    parked_untouched: f64,
    /// How far from its start the LOH was written whole by its last compaction, bytes.
    loh_compacted_end: f64,
    hard_limit: Option<f64>,
}

impl Memory {
    /// Nothing committed yet.
    pub fn new(tuning: &GcTuning) -> Memory {
        Memory {
            layout: tuning.layout,
            soh_committed: 0.0,
            loh_committed: 0.0,
            loh_untouched: 0.0,
            old_segment_capacity: 0.0,
            desired_high: 0.0,
            last_decommit_s: 0.0,
            last_loh_gen2_s: 0.0,
            loh_parked: 0.0,
            parked_untouched: 0.0,
            loh_compacted_end: 0.0,
            hard_limit: tuning.hard_limit,
        }
    }

    /// Size of the small-object heap (gen0..gen2, objects and free space), bytes.
    pub(crate) fn soh_size(heap: &Heap) -> f64 {
        heap.gens[GEN0].size() + heap.gens[GEN1].size() + heap.gens[GEN2].size()
    }

    fn heap_committed(&self, heap: &Heap) -> f64 {
        self.soh_committed.max(Self::soh_size(heap))
            + self.loh_committed.max(heap.gens[LOH].size())
            + self.loh_parked
    }

    /// Bookkeeping committed for a heap with `heap_committed` bytes committed.
    fn bookkeeping(&self, heap_committed: f64) -> f64 {
        match (self.hard_limit, self.layout) {
            (Some(limit), HeapLayout::Segments) => BOOKKEEPING_OF_LIMIT * limit,
            _ => BOOKKEEPING_OF_HEAP * heap_committed,
        }
    }

    /// Committed heap memory and bookkeeping, bytes.
    pub fn committed(&self, heap: &Heap) -> f64 {
        let h = self.heap_committed(heap);
        h + self.bookkeeping(h)
    }

    /// Share of the LOH's committed pages in use beyond where its last compaction ended that
    /// were never written (below it, that compaction wrote every page).
    pub fn loh_untouched_share_beyond_compacted(&self) -> f64 {
        let beyond = self.loh_committed - self.loh_compacted_end;
        if beyond > 0.0 {
            (self.loh_untouched / beyond).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// How far from its start the LOH was written whole by its last compaction, bytes.
    pub fn loh_compacted_end(&self) -> f64 {
        self.loh_compacted_end
    }

    /// A compaction slid the LOH's live objects down to `end` bytes from its start.
    pub fn loh_compacted_to(&mut self, end: f64) {
        self.loh_compacted_end = end.max(0.0);
    }

    /// Committed pages never written on the parked regions, bytes.
    pub fn parked_untouched(&self) -> f64 {
        self.parked_untouched.max(0.0)
    }

    /// Committed LOH pages never written, in use or on the parked regions, bytes: committed
    /// but not resident.
    pub fn untouched(&self) -> f64 {
        self.loh_untouched.max(0.0) + self.parked_untouched.max(0.0)
    }

    /// Committed small-object memory beyond the allocated end (free for allocation), bytes.
    pub fn soh_slack(&self, heap: &Heap) -> f64 {
        (self.soh_committed - Self::soh_size(heap)).max(0.0)
    }

    /// Resident part of the committed memory, bytes.
    pub fn resident(&self, heap: &Heap) -> f64 {
        let soh = self.soh_committed.max(Self::soh_size(heap));
        let loh = (self.loh_committed.max(heap.gens[LOH].size()) - self.loh_untouched).max(0.0);
        let parked = (self.loh_parked - self.parked_untouched).max(0.0);
        soh + loh + parked + self.heap_committed(heap) * BOOKKEEPING_RESIDENT
    }

    /// Updates commitments after allocation: `loh_alloc` large-object bytes of which `reused` came
    /// from the LOH free list.
    /// `parked_reused` bytes of commit came with parked regions that new LOH regions took.
    pub fn after_allocation(
        &mut self,
        heap: &Heap,
        flows: &Flows,
        loh_alloc: f64,
        reused: f64,
        parked_reused: f64,
    ) {
        self.parked_regions_reused(parked_reused);
        let soh = Self::soh_size(heap);
        if soh > self.soh_committed {
            self.soh_committed = soh;
        }
        if loh_alloc > 0.0 {
            // Reused free space is cleared by the allocator: it becomes resident.
            if reused > 0.0 && self.loh_committed > 0.0 {
                let share = (self.loh_untouched / self.loh_committed).clamp(0.0, 1.0);
                self.loh_untouched -= reused * share;
            }
            let fresh = (heap.gens[LOH].size() - self.loh_committed).max(0.0);
            if fresh > 0.0 {
                let total: f64 = flows.loh.iter().sum();
                let touch = if total > 0.0 {
                    flows
                        .loh
                        .iter()
                        .zip(&heap.classes)
                        .map(|(r, c)| r * c.large_touch_fraction)
                        .sum::<f64>()
                        / total
                } else {
                    1.0
                };
                self.loh_untouched += fresh * (1.0 - touch.clamp(0.0, 1.0));
                self.loh_committed += fresh;
            }
            self.loh_untouched = self.loh_untouched.clamp(0.0, self.loh_committed);
        }
    }

    /// Seconds until allocation at `flows` needs more commit than the hard limit allows, and the
    /// reason the allocator gives; `None` without a hard limit or when never.
    pub fn time_to_commit_limit(&self, gc: &Gc, flows: &Flows) -> Option<(f64, GcReason)> {
        let limit = gc.tuning.hard_limit?;
        let heap = &gc.heap;
        let headroom = limit - self.committed(heap);
        let soh = flows.soh_total();
        let loh = flows.loh_total();
        // Commit grows only once the retained slack and gen0's free list (SOH) or the free list
        // (LOH) is used up.
        let t_soh = if soh > 0.0 {
            ((self.soh_committed - Self::soh_size(heap)).max(0.0) + heap.gens[GEN0].free.max(0.0))
                / soh
        } else {
            f64::INFINITY
        };
        let t_loh = if loh > 0.0 {
            heap.gens[LOH].free.max(0.0) / loh
        } else {
            f64::INFINITY
        };
        let mut points = [
            (t_soh, soh, GcReason::OutOfSpaceSoh),
            (t_loh, loh, GcReason::OutOfSpaceLoh),
        ];
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut t, mut rate, mut left) = (0.0, 0.0, headroom.max(0.0));
        let mut reason = GcReason::OutOfSpaceSoh;
        for (start, r, why) in points {
            if !start.is_finite() {
                break;
            }
            if rate > 0.0 && t + left / rate <= start {
                return Some((t + left / rate, reason));
            }
            left -= rate * (start - t);
            t = start;
            rate += r;
            if r >= rate - r {
                reason = why;
            }
        }
        (rate > 0.0).then(|| (t + left.max(0.0) / rate, reason))
    }

    /// Releases memory after a blocking GC of `n` (or a background GC's sweep, `n` = 2) at `now_s`.
    #[allow(clippy::too_many_arguments)]
    pub fn after_gc(
        &mut self,
        gc_heap: &Heap,
        tuning: &GcTuning,
        heaps: u32,
        n: usize,
        now_s: f64,
        background: bool,
        loh_regions: Option<LohRegionCommit>,
    ) {
        let per_heap = heaps as f64;
        match loh_regions {
            Some(r) => self.park_regions(r.parked, n == 2),
            // A layout no longer tracked leaves no parked regions to follow.
            None => self.park_regions(0.0, false),
        }
        let soh = Self::soh_size(gc_heap);
        let slack = (self.soh_committed - soh).max(0.0);
        let budget = gc_heap.gens[GEN0].desired;
        let mut keep = slack;
        match self.layout {
            HeapLayout::Segments => {
                if !background {
                    if !tuning.server {
                        if budget > self.desired_high {
                            self.desired_high = budget + 512.0 * 1024.0;
                        }
                        if now_s - self.last_decommit_s >= 5.0 {
                            keep = keep.min(self.desired_high);
                            self.last_decommit_s = now_s;
                            self.desired_high = 0.0;
                        }
                    }
                    if n >= 1 {
                        let gen2 = gc_heap.gens[GEN2].size() / per_heap;
                        let k = (tuning.seg_size / 32.0)
                            .min(tuning.gen0_max)
                            .min(gen2 / 10.0)
                            * per_heap;
                        keep = keep.min(k.max(budget));
                    }
                }
                // Only tails of at least 100 pages are decommitted, leaving 32 pages.
                if slack - keep >= (keep + 2.0 * PAGE).max(100.0 * PAGE) {
                    self.soh_committed = soh + keep.max(32.0 * PAGE);
                }
            }
            HeapLayout::Regions => {
                if !background {
                    // Free regions beyond what the next budgets need are decommitted gradually.
                    let need = budget + gc_heap.gens[GEN1].desired.max(0.0);
                    let elapsed = now_s - self.last_decommit_s;
                    if slack > need && (tuning.server || elapsed >= 0.1) {
                        let allowance = REGION_DECOMMIT_RATE * elapsed.min(10.0);
                        keep = (slack - allowance).max(need);
                        self.last_decommit_s = now_s;
                    }
                }
                self.soh_committed = soh + keep;
            }
        }
        if n == 2 {
            // The sweep trimmed the LOH's end (`Gc::trim_large_object_heap`); the pages beyond it
            // are decommitted, keeping 32, when at least 100 are free
            // (`decommit_heap_segment_pages`).
            let size = gc_heap.gens[LOH].size();
            let committed = match loh_regions {
                // Each region in use was trimmed to its last object by the sweep (the layout
                // kept its 32 pages); emptied regions wait on the free region list.
                Some(r) => size + r.kept_tails,
                None => self.swept_segment_commit(size, tuning, per_heap, now_s),
            };
            self.last_loh_gen2_s = now_s;
            // Pages given back are fresh again when the LOH grows back over them.
            self.loh_compacted_end = self.loh_compacted_end.min(committed);
            if committed < self.loh_committed {
                let share = if self.loh_committed > 0.0 {
                    self.loh_untouched / self.loh_committed
                } else {
                    0.0
                };
                self.loh_committed = committed;
                self.loh_untouched = (self.loh_committed * share).min(self.loh_committed);
            }
        }
    }

    /// The LOH's commit after a sweep left it `size` bytes, when its layout is not tracked by
    /// region: the end of the heap is trimmed to 32 pages past its last object, bytes.
    fn swept_segment_commit(&self, size: f64, tuning: &GcTuning, per_heap: f64, now_s: f64) -> f64 {
        let page = PAGE * per_heap;
        let mut emptied = 0.0;
        let mut tail_end = self.loh_committed;
        if self.layout == HeapLayout::Regions && self.hard_limit.is_none() {
            // Regions whose layout is not tracked: the sweep trims the last large region in
            // use, and the regions above it that it emptied are decommitted at 160 KiB per ms.
            let large_region = LARGE_REGION_UNITS * tuning.region_size * per_heap;
            let top = (size / large_region).ceil().max(1.0) * large_region;
            tail_end = self.loh_committed.min(top);
            let elapsed = (now_s - self.last_loh_gen2_s).max(0.0);
            emptied =
                ((self.loh_committed - top).max(0.0) - REGION_DECOMMIT_RATE * elapsed).max(0.0);
        }
        let tail = if tail_end - size >= 100.0 * page {
            32.0 * page
        } else {
            (tail_end - size).max(0.0)
        };
        size + tail + emptied
    }

    /// On regions, free large regions may be decommitted at the end of a blocking GC at `now_s`:
    /// the bytes `decommit_step` allows since the last decommit of free regions (small or
    /// large; at least 100 ms apart on Workstation GC), or `None`.
    pub fn take_region_decommit_allowance(&mut self, now_s: f64, server: bool) -> Option<f64> {
        let elapsed = (now_s - self.last_decommit_s).max(0.0);
        (server || elapsed >= 0.1).then(|| {
            self.last_decommit_s = now_s;
            REGION_DECOMMIT_RATE * elapsed.min(10.0)
        })
    }

    /// The free region list now holds `parked` bytes of large regions' commit: regions a gen2
    /// (`swept`) emptied join it with their share of never-written pages; decommitted ones
    /// leave it.
    fn park_regions(&mut self, parked: f64, swept: bool) {
        let parked = parked.max(0.0);
        if swept && parked > self.loh_parked {
            let freed = parked - self.loh_parked;
            let share = if self.loh_committed > 0.0 {
                (self.loh_untouched / self.loh_committed).clamp(0.0, 1.0)
            } else {
                0.0
            };
            self.parked_untouched += freed * share;
            self.loh_untouched = (self.loh_untouched - freed * share).max(0.0);
            self.loh_committed = (self.loh_committed - freed).max(0.0);
        } else if parked < self.loh_parked && self.loh_parked > 0.0 {
            self.parked_untouched *= parked / self.loh_parked;
        }
        self.loh_parked = parked;
        self.parked_untouched = self.parked_untouched.clamp(0.0, parked);
    }

    /// New large regions took over `bytes` of commit from parked ones (regions only).
    fn parked_regions_reused(&mut self, bytes: f64) {
        let bytes = bytes.min(self.loh_parked).max(0.0);
        if bytes <= 0.0 {
            return;
        }
        let untouched = self.parked_untouched * bytes / self.loh_parked;
        self.parked_untouched -= untouched;
        self.loh_untouched += untouched;
        self.loh_parked -= bytes;
        self.loh_committed += bytes;
    }

    /// A share `moved` of the LOH's live objects was copied by compaction, so written whole.
    pub fn large_objects_copied(&mut self, moved: f64) {
        self.loh_untouched *= 1.0 - moved.clamp(0.0, 1.0);
    }

    /// gen2 bytes on the ephemeral segment: what the older segments cannot hold.
    pub fn gen2_on_ephemeral(&self, heap: &Heap) -> f64 {
        (heap.gens[GEN2].size() - self.old_segment_capacity).max(0.0)
    }

    /// The ephemeral segment was replaced by a new one (`expand_heap`): the old one stays as a
    /// gen2 segment of `segment_bytes` (total over heaps), gen1 and gen0 move to the new segment,
    /// which is committed only for what was copied into it.
    pub fn expanded(&mut self, heap: &Heap, segment_bytes: f64) {
        self.old_segment_capacity += segment_bytes;
        self.soh_committed = Self::soh_size(heap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::gc::heap::{ClassSpec, Death, Placement};
    use crate::sim::gc::settings::{GcProfile, GcSettings, MachineSpec};

    const MIB: f64 = 1_048_576.0;

    fn regions() -> (GcTuning, Heap) {
        let m = MachineSpec {
            cores: 2,
            largest_cache_bytes: Some(320 << 20),
            ..Default::default()
        };
        let settings = GcSettings {
            profile: GcProfile::Net8,
            ..Default::default()
        };
        let tuning = GcTuning::derive(&settings, &m);
        assert_eq!(tuning.layout, HeapLayout::Regions);
        let heap = Heap::new(vec![ClassSpec::new(
            "buffers",
            Death::Transient,
            Placement::Scattered,
        )]);
        (tuning, heap)
    }

    /// 64 MiB of large objects allocated on fresh pages, of which the application writes
    /// `written` (a share of each object).
    fn loh_of_64_mib(written: f64) -> (GcTuning, Heap, Flows, Memory) {
        let (tuning, mut heap) = regions();
        heap.classes[0].large_touch_fraction = written;
        let flows = Flows {
            loh: vec![1.0],
            ..Flows::zero(1)
        };
        let mut mem = Memory::new(&tuning);
        heap.gens[LOH].obj = 64.0 * MIB;
        mem.after_allocation(&heap, &flows, 64.0 * MIB, 0.0, 0.0);
        (tuning, heap, flows, mem)
    }

    /// A gen2 empties the second 32 MiB region: it leaves the LOH but stays committed.
    fn park_the_second_region(tuning: &GcTuning, heap: &mut Heap, mem: &mut Memory) {
        heap.gens[LOH].obj = 32.0 * MIB;
        let parked = LohRegionCommit {
            kept_tails: 0.0,
            parked: 32.0 * MIB,
        };
        mem.after_gc(heap, tuning, 1, 2, 1.0, true, Some(parked));
    }

    #[test]
    fn a_parked_region_is_committed_once_whether_parked_or_taken_back() {
        let (tuning, mut heap, flows, mut mem) = loh_of_64_mib(1.0);
        let full = mem.committed(&heap);
        park_the_second_region(&tuning, &mut heap, &mut mem);
        assert_eq!(mem.loh_parked, 32.0 * MIB);
        assert!((mem.committed(&heap) - full).abs() < 1.0);
        // The LOH grows back into a new region that takes the parked one's commit: nothing is
        // committed twice, and nothing new is committed.
        heap.gens[LOH].obj = 64.0 * MIB;
        mem.after_allocation(&heap, &flows, 32.0 * MIB, 0.0, 32.0 * MIB);
        assert_eq!(mem.loh_parked, 0.0);
        assert!((mem.committed(&heap) - full).abs() < 1.0);
        assert!((mem.resident(&heap) - full).abs() < 0.02 * full);
    }

    /// A region parked with pages nobody wrote keeps them out of the resident set: what the
    /// process's memory sums up as untouched counts them as well as the LOH's own.
    #[test]
    fn a_parked_regions_unwritten_pages_stay_out_of_the_resident_set() {
        // Objects whose first page only is written (as the lab's arrays).
        let (tuning, mut heap, _, mut mem) = loh_of_64_mib(0.01);
        let unwritten = mem.untouched();
        assert!((unwritten - 0.99 * 64.0 * MIB).abs() < 1.0, "{unwritten}");
        // Its unwritten pages move to the parked ones.
        park_the_second_region(&tuning, &mut heap, &mut mem);
        assert!(mem.loh_untouched < 0.6 * unwritten);
        assert!((mem.untouched() - unwritten).abs() < 1.0);
        // What the process counts as resident is what the GC counts as resident, but for
        // the bookkeeping, which the process takes as resident whole.
        let bookkeeping = mem.committed(&heap) - mem.heap_committed(&heap);
        let resident_by_sum = mem.committed(&heap) - mem.untouched() - bookkeeping;
        let resident = mem.resident(&heap) - mem.heap_committed(&heap) * BOOKKEEPING_RESIDENT;
        assert!(
            (resident_by_sum - resident).abs() < 1.0,
            "{resident_by_sum} {resident}"
        );
    }

    /// Small-object allocation needs new commit only once gen0's free list (the space between
    /// demoted pins, inside the heap's size) and the committed slack beyond it are used up.
    #[test]
    fn the_commit_limit_comes_after_gen0s_free_list() {
        let settings = GcSettings {
            profile: GcProfile::NetCore31,
            heap_hard_limit: Some(64 << 20),
            ..GcSettings::default()
        };
        let class = ClassSpec::new("young", Death::Transient, Placement::Scattered);
        let mut gc = Gc::new(&settings, &MachineSpec::default(), vec![class]);
        gc.heap.gens[GEN0].obj = 4.0 * MIB;
        gc.heap.gens[GEN0].free = 2.0 * MIB;
        gc.mem.soh_committed = 7.0 * MIB;
        let flows = Flows {
            soh: vec![1.0 * MIB],
            ..Flows::zero(1)
        };
        let headroom = 64.0 * MIB - gc.mem.committed(&gc.heap);
        let (t, _) = gc.mem.time_to_commit_limit(&gc, &flows).unwrap();
        // 2 MiB of free list and 1 MiB of slack, then the headroom, at 1 MiB/s.
        assert!((t - (3.0 + headroom / MIB)).abs() < 1e-9, "{t}");
    }
}
