//! Background (concurrent) gen2 GCs: two short suspensions, a concurrent mark whose length grows
//! with the live gen2 (per MiB of survivors lying in runs, per object of scattered ones) and the
//! live LOH, and a sweep that turns what was dead when marking started into free space. While one
//! runs, gen2 requests become foreground gen1s, Workstation GC makes allocating threads sleep
//! ([`Gc::background_allocation_sleep_s_per_byte`]), and large-object allocation does not trigger
//! GCs but may have to wait (`bgc_loh_should_allocate`).

use super::heap::{GEN0, GEN2, LOH};
use super::pause::Placement;
use super::record::{GcKind, GcReason, GcRecord};
use super::settings::HeapLayout;
use super::{Gc, GcEnv};

/// A background GC in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Background {
    index: u64,
    start_s: f64,
    /// When its sweep completes, seconds.
    pub end_s: f64,
    heap_before: f64,
    dead_gen2: f64,
    dead_loh: f64,
    gen2_begin: f64,
    gen2_survived: f64,
    loh_begin: f64,
    loh_survived: f64,
    /// LOH size when it started, bytes.
    loh_begin_size: f64,
    /// LOH size after the previous gen2, bytes.
    loh_end_size: f64,
    /// Large-object bytes allocated at the end of the LOH since it started.
    pub loh_allocated: f64,
    /// Bytes promoted into gen2 by foreground GCs while it ran.
    pub gen2_in: f64,
    reasons: u32,
    reason: GcReason,
    pause_s: f64,
}

/// Below this LOH size (10 × the 3 MB LOH minimum budget) large allocation never waits.
const LOH_FREE_ALLOCATION: f64 = 30.0 * 1_048_576.0;

impl Background {
    /// Whether large-object allocation must wait for this background GC to finish: the LOH has
    /// doubled since it started, or was already twice its size after the previous gen2.
    pub fn loh_must_wait(&self, gc: &Gc) -> bool {
        let per_heap = gc.heaps as f64;
        let begin = self.loh_begin_size / per_heap;
        let increased = self.loh_allocated / per_heap;
        if begin + increased < LOH_FREE_ALLOCATION {
            return false;
        }
        let end = (self.loh_end_size / per_heap).max(1.0);
        begin >= 2.0 * end || increased >= begin
    }
}

impl Gc {
    /// Starts a background gen2 at `now_s`; returns the pause of its first suspension.
    pub(crate) fn start_background(&mut self, now_s: f64, reason: GcReason, reasons: u32) -> f64 {
        let index = self.take_index();
        self.mark_large_objects(now_s);
        let g2 = &self.heap.gens[GEN2];
        let lh = &self.heap.gens[LOH];
        // Scattered survivors are marked one by one; the rest of gen2 (state, pools) in runs.
        let (mut scattered_objects, mut scattered_bytes) = (0.0, 0.0);
        for (c, class) in self.heap.classes.iter().enumerate() {
            if class.placement == Placement::Scattered && !class.pinned() {
                scattered_bytes += g2.live[c];
                scattered_objects += g2.live[c] / class.object_bytes.max(16.0);
            }
        }
        let duration = self.pauses.background_duration_s(
            g2.live_total() - scattered_bytes,
            scattered_objects,
            lh.live_total(),
            self.heaps,
        );
        let pause = self.pauses.background_pause_s
            + lh.live_total() / 1_048_576.0 * self.pauses.background_pause_loh_s_per_mib;
        self.background = Some(Background {
            index,
            start_s: now_s,
            end_s: now_s + pause + duration,
            heap_before: self.heap.total_size(),
            dead_gen2: g2.dead(),
            dead_loh: lh.dead(),
            gen2_begin: g2.obj,
            gen2_survived: g2.live_total(),
            loh_begin: lh.obj,
            loh_survived: lh.live_total(),
            loh_begin_size: lh.size(),
            loh_end_size: self.loh_end_size,
            loh_allocated: 0.0,
            gen2_in: 0.0,
            reasons,
            reason,
            pause_s: pause,
        });
        self.gc_count += 1;
        for g in 0..=2 {
            self.clocks[g] = super::Clock {
                time_s: now_s,
                gc_count: self.gc_count,
            };
        }
        self.stats.by_generation[2] += 1;
        self.stats.background += 1;
        self.note_pause(pause, self.heap.total_size());
        pause
    }

    /// Ends the background GC in progress at `now_s`: its sweep reclaims what was dead when marking
    /// started, and gen2 and the LOH get new budgets. Returns its record.
    pub fn finish_background(&mut self, now_s: f64) -> Option<GcRecord> {
        let b = self.background.take()?;
        for (g, dead) in [(GEN2, b.dead_gen2), (LOH, b.dead_loh)] {
            let gn = &mut self.heap.gens[g];
            let reclaim = dead.min(gn.dead());
            gn.obj -= reclaim;
            gn.free += reclaim;
        }
        let g2 = &self.heap.gens[GEN2];
        self.gen2_free.sweep(&g2.live, g2.size(), g2.free);
        self.trim_large_object_heap(false);
        let env = GcEnv {
            process_resident: self.resident_bytes(),
        };
        self.old_budgets(
            now_s,
            b.gen2_begin,
            b.gen2_survived,
            b.loh_begin,
            b.gen2_in,
            &env,
        );
        if self.tuning.layout == HeapLayout::Regions {
            // On regions the large object whose allocation started this GC completes after the
            // LOH budget was reset, so it is not charged: one more object per cycle (lab .NET 8).
            self.heap.gens[LOH].remaining += self.mean_large_object();
        }
        self.heap.gens[GEN2].collections += 1;
        self.loh_end_size = self.heap.gens[LOH].size();
        let loh_regions = self.loh_region_commit(now_s, None);
        self.mem.after_gc(
            &self.heap,
            &self.tuning,
            self.heaps,
            2,
            now_s,
            true,
            loh_regions,
        );
        let heap_after = self.heap.total_size();
        self.stats.peak_heap_after_gc = self.stats.peak_heap_after_gc.max(heap_after);
        let _ = GEN0;
        Some(GcRecord {
            index: b.index,
            start_s: b.start_s,
            generation: 2,
            kind: GcKind::Background,
            reason: b.reason,
            pause_s: b.pause_s,
            duration_s: now_s - b.start_s,
            compacting: false,
            promoted_up: true,
            heap_before: b.heap_before,
            heap_after,
            survived: b.gen2_survived + b.loh_survived,
            promoted: 0.0,
            gen_after: self.gen_sizes(),
            fragmentation_after: self.heap.total_free(),
            gen0_budget: self.gen0_budget_per_heap(),
            budgets: [
                self.heap.gens[0].remaining,
                self.heap.gens[1].remaining,
                self.heap.gens[2].remaining,
                self.heap.gens[3].remaining,
            ],
            heaps: self.heaps,
            committed_after: self.committed_bytes(),
            condemn_reasons: b.reasons,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::gc::heap::{ClassSpec, Death};
    use crate::sim::gc::{GcSettings, MachineSpec};

    fn gc(server: bool) -> Gc {
        let settings = GcSettings {
            server,
            ..GcSettings::default()
        };
        let machine = MachineSpec {
            cores: 2,
            ..MachineSpec::default()
        };
        let class = ClassSpec::new("survivors", Death::Hazard, Placement::Scattered);
        Gc::new(&settings, &machine, vec![class])
    }

    #[test]
    fn workstation_allocation_sleeps_while_a_background_gc_runs() {
        let mut g = gc(false);
        assert_eq!(g.background_allocation_sleep_s_per_byte(300.0), 0.0);
        g.start_background(0.0, GcReason::AllocLarge, 0);
        // 2 ms per 140 allocation contexts of 8 KiB: at most 573 MB/s of small objects, as
        // the lab measured during background GCs (400–560 MB/s against 4–5 GB/s outside them).
        let s = g.background_allocation_sleep_s_per_byte(300.0);
        assert!((s - 0.002 / (140.0 * 8192.0)).abs() < 1e-15, "{s}");
        assert!((500e6..600e6).contains(&(1.0 / s)));
        // An object larger than the quantum takes a context of its own.
        let big = g.background_allocation_sleep_s_per_byte(20_000.0);
        assert!((big - 0.002 / (140.0 * 20_000.0)).abs() < 1e-15);
        g.finish_background(0.05);
        assert_eq!(g.background_allocation_sleep_s_per_byte(300.0), 0.0);
    }

    #[test]
    fn server_gc_does_not_throttle_allocation() {
        let mut g = gc(true);
        g.start_background(0.0, GcReason::AllocLarge, 0);
        assert_eq!(g.background_allocation_sleep_s_per_byte(300.0), 0.0);
    }
}
