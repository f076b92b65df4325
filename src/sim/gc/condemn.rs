//! Which generation a GC condemns, and whether a gen2 runs in the background: the runtime's
//! `generation_to_condemn` and `joined_generation_to_condemn`, step by step in the runtime's order.

use super::heap::{GEN0, GEN1, GEN2, LOH};
use super::record::{GcReason, condemn_bits};
use super::settings::HeapLayout;
use super::{Gc, GcEnv};

/// Outcome of the condemn decision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// Condemned generation.
    pub generation: u8,
    /// A gen2 must block (else it may run in the background).
    pub blocking: bool,
    /// Survivors are promoted whatever the promotion test says.
    pub force_promotion: bool,
    /// The LOH is compacted (near the hard limit, or the last GC before OOM).
    pub compact_loh: bool,
    /// Per-heap condemn reasons, as [`condemn_bits`].
    pub reasons: u32,
}

/// The WKS time-tuning rule: gen1 after 10 s and more than 10 gen0 GCs, gen2 after 100 s and
/// more than 100 gen0 GCs since each was last condemned.
const TIME_RULES: [(f64, u64); 2] = [(10.0, 10), (100.0, 100)];

impl Gc {
    /// Space that must be left after the allocation end for the next gen0 budget, per heap
    /// (`end_space_after_gc` and the `ephemeral_gen_fit_p` requirement).
    pub(crate) fn end_space_after_gc(&self) -> f64 {
        (self.tuning.gen0_min / 2.0).max(self.tuning.loh_threshold + 24.0)
    }

    /// `ephemeral_gen_fit_p(tuning_deciding_condemned_gen)` is false: not enough room after the
    /// allocation end of the ephemeral segment, or under the hard limit, for two gen0 minimum
    /// budgets. Under a hard limit the runtime (3.1's `sufficient_space_end_seg`, and regions'
    /// `sufficient_space_regions`) compares what is left to commit, `limit - total committed`,
    /// with the requirement: memory committed ahead of the allocator earns no credit, so a heap
    /// whose live data plus gen0 sits within two gen0 budgets of the limit condemns gen1.
    pub(crate) fn low_ephemeral_space(&self) -> bool {
        self.ephemeral_short(false)
    }

    /// Whether the ephemeral generations are short of room for two gen0 minimum budgets; with
    /// `credit_slack`, committed but unused small-object space counts as room (what an
    /// allocation can still use).
    pub(crate) fn ephemeral_short(&self, credit_slack: bool) -> bool {
        let per_heap = self.heaps as f64;
        let g = &self.heap.gens;
        let required = (2.0 * self.tuning.gen0_min).max(self.end_space_after_gc());
        let segment_ok = match self.tuning.layout {
            HeapLayout::Segments => {
                let used =
                    (self.mem.gen2_on_ephemeral(&self.heap) + g[GEN1].size() + g[GEN0].size())
                        / per_heap;
                self.tuning.seg_size - used > required
            }
            HeapLayout::Regions => true,
        };
        let limit_ok = match self.tuning.hard_limit {
            Some(_) => {
                let slack = if credit_slack {
                    0.0
                } else {
                    self.mem.soh_slack(&self.heap)
                };
                (self.hard_limit_room() - slack) / per_heap > required
            }
            None => true,
        };
        !(segment_ok && limit_ok)
    }

    /// Memory that can still be committed under the hard limit, bytes; committed space the
    /// allocator has not used yet counts as free.
    pub(crate) fn hard_limit_room(&self) -> f64 {
        match self.tuning.hard_limit {
            Some(limit) => limit - self.committed_bytes() + self.mem.soh_slack(&self.heap),
            None => f64::INFINITY,
        }
    }

    /// gen1 is "too fragmented": its unusable free space exceeds 80,000 bytes and 75% of its size.
    fn gen1_too_fragmented(&self) -> bool {
        let g1 = &self.heap.gens[GEN1];
        g1.free > 80_000.0 * self.heaps as f64 && g1.free / g1.size().max(1.0) > 0.75
    }

    /// gen2 is too fragmented for a background GC: WKS free/size above 65%, or unusable free space
    /// above 200,000 bytes and 50% (`dt_high_frag_p`). Unusable is the free space the allocator
    /// has not managed to use since the last gen2 (`generation_unusable_fragmentation`: the
    /// free list counts as usable in the share the allocator's efficiency says). The .NET Core
    /// 3.1 and .NET 8 form; later runtimes compute it differently under DATAS, which the `net9`
    /// and `net10` profiles do not follow.
    fn gen2_too_fragmented(&self) -> bool {
        let g2 = &self.heap.gens[GEN2];
        let ratio = g2.free / g2.size().max(1.0);
        let unusable = g2.free * (1.0 - self.gen2_free.efficiency());
        (!self.tuning.server && ratio > 0.65)
            || (unusable > 200_000.0 * self.heaps as f64 && unusable / g2.size().max(1.0) > 0.5)
    }

    /// Decides the generation a GC triggered for `reason` condemns.
    pub(crate) fn generation_to_condemn(
        &mut self,
        now_s: f64,
        reason: GcReason,
        env: &GcEnv,
    ) -> Decision {
        let g = &self.heap.gens;
        let bgc = self.background.is_some();
        let mut reasons = 0u32;
        let mut blocking = false;
        let mut force_promotion = false;
        let mut n: u8 = match reason {
            GcReason::OutOfSpaceSoh => 1,
            _ => 0,
        };
        // 1. Budgets: an exhausted LOH budget asks for gen2; then each older generation whose
        //    budget is exhausted, stopping at the first that still has budget.
        if !bgc && g[LOH].remaining <= 0.0 {
            n = 2;
        }
        let top = if bgc { 1 } else { 2 };
        let mut i = n + 1;
        while i <= top {
            if g[i as usize].remaining <= 0.0 {
                n = i;
                i += 1;
            } else {
                break;
            }
        }
        let n_alloc = n;
        // 2. Workstation time tuning (interactive pause mode, i.e. concurrent GC enabled).
        if !self.tuning.server && self.tuning.concurrent {
            for k in (n + 1)..=top {
                let (secs, count) = TIME_RULES[(k - 1) as usize];
                let c = self.clocks[k as usize];
                if now_s > c.time_s + secs && self.clocks[0].gc_count > c.gc_count + count {
                    n = k;
                    reasons |= condemn_bits::TIME_TUNING;
                }
            }
        }
        // 3. Low card-table efficiency seen by the previous GC: gen1, with promotion.
        if n < 1 && self.low_card_efficiency {
            n = 1;
            force_promotion = true;
            reasons |= condemn_bits::LOW_CARD_EFFICIENCY;
        }
        // 4. Low ephemeral space: at least gen1, with promotion.
        let low_eph = self.low_ephemeral_space();
        let mut high_frag = false;
        if low_eph {
            n = n.max(1);
            reasons |= condemn_bits::LOW_EPHEMERAL_SPACE;
            force_promotion = true;
            if (!self.tuning.concurrent || g[GEN2].free <= 0.0)
                && g[GEN2].free >= self.tuning.gen1_max * self.heaps as f64
            {
                high_frag = true;
            }
        }
        // 4. gen1 too fragmented.
        if n < 1 && self.gen1_too_fragmented() {
            n = 1;
            reasons |= condemn_bits::EPHEMERAL_FRAGMENTATION;
        }
        // 5. Memory load (only looked at for gen1 and up).
        let mut high = false;
        if n >= 1 {
            let load = self.memory_load(env);
            if load >= self.tuning.high_load {
                high = true;
                let g2 = &self.heap.gens[GEN2];
                let avail = (self.tuning.total_memory - env.process_resident).max(0.0);
                let est_frag = g2.free + g2.dead();
                if est_frag >= avail.min(256.0 * 1_048_576.0) / self.heaps as f64 {
                    high_frag = true;
                }
            }
        }
        // 6. Segments: a gen1 that could not expand the ephemeral segment asks for a full GC.
        if self.expand_in_next_full_gc && self.tuning.layout == HeapLayout::Segments {
            n = 2;
            blocking = true;
            reasons |= condemn_bits::EXPAND;
        }
        // 7. Elevation: low ephemeral space or high load may raise the GC to gen2.
        let mut elevated = false;
        if low_eph || high {
            elevated = true;
            let g2 = &self.heap.gens[GEN2];
            if high && g2.remaining / g2.desired.max(1.0) < 0.9 {
                n = 2;
                reasons |= condemn_bits::ALMOST_MAX_ALLOC;
            }
            if high_frag {
                n = 2;
                if high {
                    blocking = true;
                }
            } else {
                n = n.max(1);
            }
        }
        // 8. An elevated gen1 with gen2's budget gone becomes a gen2.
        if n == 1 && n_alloc < 1 && self.heap.gens[GEN2].remaining <= 0.0 {
            n = 2;
            reasons |= condemn_bits::MAX_GEN1;
        }
        // 9. gen2 too fragmented: blocking.
        if n == 2 && self.gen2_too_fragmented() {
            blocking = true;
        }
        // 10. gen2 and the LOH too small for a background GC (`bgc_min_per_heap` = 4 MB).
        if n == 2 && !blocking {
            let per_heap = self.heaps as f64;
            let cur =
                |k: usize| (self.heap.gens[k].obj + self.allocated_since(k).min(0.0)) / per_heap;
            let _ = cur;
            // `cur_size`: objects after the last GC plus what was allocated or promoted since;
            // free space does not count.
            let small = |k: usize| (self.heap.gens[k].obj / per_heap) <= 4.0 * 1_048_576.0;
            if small(GEN2) && small(LOH) {
                blocking = true;
                reasons |= condemn_bits::GEN2_TOO_SMALL;
            }
        }
        // Join: the elevation lock turns 5 of every 6 elevated gen2s after an unproductive one
        // into gen1s.
        if elevated && n == 2 && !blocking {
            if self.elevation_locked {
                self.elevation_lock_count += 1;
                if self.elevation_lock_count >= 6 {
                    self.elevation_lock_count = 0;
                } else {
                    n = 1;
                }
            } else {
                self.elevation_lock_count = 0;
            }
        } else if !elevated {
            self.elevation_locked = false;
            self.elevation_lock_count = 0;
        }
        // Near the hard limit with a fragmented LOH: a blocking gen2 that compacts the LOH.
        let mut compact_loh = false;
        if let Some(limit) = self.tuning.hard_limit {
            let lh = &self.heap.gens[LOH];
            if self.committed_bytes() >= 0.9 * limit
                && (lh.free >= limit / 8.0 || lh.dead() >= limit / 8.0)
            {
                n = 2;
                blocking = true;
                compact_loh = true;
                reasons |= condemn_bits::NEAR_HARD_LIMIT;
            }
        }
        // Conserve memory (.NET 6+; DATAS sets it to 5): a fragmented gen2 + LOH is compacted.
        if self.tuning.conserve > 0 && n == 2 && self.tuning.layout == HeapLayout::Regions {
            let (g2, lh) = (&self.heap.gens[GEN2], &self.heap.gens[LOH]);
            let threshold = 1.0 - self.tuning.conserve as f64 / 10.0;
            let size = g2.size() + lh.size();
            if lh.size() > 0.0 && size > 0.0 && (g2.free + lh.free) / size > threshold {
                blocking = true;
                if lh.free / lh.size() > threshold {
                    compact_loh = true;
                }
            }
        }
        if n == 2 && bgc {
            n = 1;
        }
        if n == 2 && !self.tuning.concurrent {
            blocking = true;
        }
        if n >= 2 {
            force_promotion = true;
        }
        Decision {
            generation: n,
            blocking,
            force_promotion,
            compact_loh,
            reasons,
        }
    }
}
