//! GC pause and background-GC duration model. A collection's time is the work it does:
//!
//! * every blocking GC has a small fixed cost (suspension, roots, the GC's own bookkeeping);
//! * survivors cost by how they lie in memory: scattered survivors (a few objects alive among
//!   garbage) are each their own plug to mark, plan, relocate and copy, so they cost per object
//!   as well as per byte (the lab's object-size probe: 1.2 MiB of scattered 32-byte survivors
//!   take a gen0 GC ~12 ms, the same bytes in 2 KiB objects ~0.7 ms); packed survivors (long
//!   runs of live objects such as state entries) cost per byte, and pinned buffers are not moved;
//! * when the GC cannot use its *mark list* (a full GC, an ephemeral GC during a background GC,
//!   or an ephemeral GC that marked more objects than the list holds), the plan phase walks the
//!   condemned generations, dead objects included: a sequential pass whose cost follows the
//!   bytes walked;
//! * sweeping in place (no compaction) is cheap per byte.
//!
//! Costs are per GC thread (one per heap for Server GC). The constants were fitted against the
//! lab's traces of the real runtime on its hosts (2-vCPU AMD EPYC) and are those of its second
//! host, where nine of its ten datasets ran; other machines scale them with
//! [`MachineSpeed::gc_cost_factor`](super::MachineSpeed::gc_cost_factor) (the lab's first host:
//! 1.31).

use super::settings::HeapLayout;

const MIB: f64 = 1_048_576.0;

/// How a survivor class lies in memory, which decides what compacting it costs and, for pinned
/// objects, how much of the heap they hold in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Isolated survivors among garbage (objects with a random lifetime, buffers allocated one at
    /// a time while the application runs).
    Scattered,
    /// Long runs of live objects (state entries or a buffer pool allocated in bulk).
    Packed,
}

/// The work of one blocking collection, in bytes and object counts (totals over heaps).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GcWork {
    /// Scattered survivors in the condemned generations, bytes.
    pub scattered: f64,
    /// Scattered survivors in the condemned generations, objects (each its own plug).
    pub scattered_objects: f64,
    /// Packed survivors, bytes.
    pub packed: f64,
    /// Pinned survivors, bytes.
    pub pinned: f64,
    /// Bytes of the condemned generations the plan phase walks when the mark list is not used.
    pub walked_bytes: f64,
    /// Bytes of the condemned ephemeral generations (cost of scanning them).
    pub ephemeral_bytes: f64,
    /// Live bytes of older generations marked in a full GC (gen2 and LOH).
    pub old_live: f64,
    /// Live large objects marked in a full GC.
    pub loh_objects: f64,
    /// LOH bytes moved when the LOH is compacted.
    pub loh_moved: f64,
    /// Part of `loh_moved` that lands on pages never written before (first-touch faults), bytes.
    pub loh_moved_onto_fresh_pages: f64,
    /// Whether survivors are promoted in place by sweeping instead of being compacted.
    pub swept: bool,
}

/// Which kind of GC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseKind {
    /// A blocking gen0 GC.
    Gen0,
    /// A blocking gen1 GC.
    Gen1,
    /// A blocking gen2 GC.
    Gen2,
}

/// Cost constants of one machine and runtime: seconds, and seconds per MiB or per object of work
/// per GC thread.
#[derive(Clone, Debug, PartialEq)]
pub struct PauseModel {
    /// Fixed cost of a blocking gen0 / gen1 / gen2 GC, s.
    pub fixed_s: [f64; 3],
    /// Scanning the condemned ephemeral space, s per MiB.
    pub scan_s_per_mib: f64,
    /// Copying scattered survivors, s per MiB (on top of their per-object cost).
    pub scattered_s_per_mib: f64,
    /// Compacting packed survivors, s per MiB.
    pub packed_s_per_mib: f64,
    /// Marking pinned survivors, s per MiB.
    pub pinned_s_per_mib: f64,
    /// Promoting in place by sweeping, s per MiB of survivors.
    pub sweep_s_per_mib: f64,
    /// Walking the condemned generations when the mark list is not used, s per MiB.
    pub walk_s_per_mib: f64,
    /// Planning, relocating and copying one scattered survivor (its own plug), s.
    pub scattered_s_per_object: f64,
    /// Marking live gen2 bytes in a full blocking GC, s per MiB.
    pub old_mark_s_per_mib: f64,
    /// Marking one live large object in a full blocking GC, s.
    pub loh_mark_s_per_object: f64,
    /// Moving LOH bytes when the LOH is compacted, s per MiB.
    pub loh_copy_s_per_mib: f64,
    /// The two short suspensions of a background GC together, s.
    pub background_pause_s: f64,
    /// Fixed part of a background GC's concurrent phase, s.
    pub background_fixed_s: f64,
    /// Concurrent marking of packed live gen2 (runs of objects reached in address order), s per
    /// MiB.
    pub background_gen2_s_per_mib: f64,
    /// Concurrent marking of one scattered gen2 survivor (reached in no order the caches can
    /// follow), s.
    pub background_scattered_s_per_object: f64,
    /// Concurrent marking (and sweeping) of live LOH, s per MiB.
    pub background_loh_s_per_mib: f64,
    /// Fraction of ideal speed-up each extra Server GC thread gives.
    pub parallel_efficiency: f64,
    /// Survivor cost of a gen1 GC relative to a gen0 GC, per byte.
    pub gen1_copy_factor: f64,
    /// Extra background-GC suspension per MiB of live LOH (the final mark re-scans it), s.
    pub background_pause_loh_s_per_mib: f64,
    /// Faulting in a page the process never wrote, s per MiB (the machine's first-touch
    /// cost, [`MachineSpeed::page_fault_s_per_mib`](super::MachineSpeed::page_fault_s_per_mib)):
    /// what a compaction pays where it copies objects onto such pages.
    pub fresh_page_s_per_mib: f64,
}

impl PauseModel {
    /// Constants for a heap layout on the lab's reference host, scaled by `cost_factor`.
    pub fn reference(layout: HeapLayout, cost_factor: f64) -> PauseModel {
        let base = match layout {
            HeapLayout::Segments => PauseModel {
                // Gen2: with its marking, a gen2 of 0.5–0.7 MiB beside 4 MiB of LOH then costs
                // 0.21 ms, the geometric mean of the LOH churn workloads' gen2s on both hosts at
                // the second host's speed (0.12–0.31 ms: 4,500 gen2s a second, in warm caches,
                // cost half as much as 66 a second).
                fixed_s: [0.03e-3, 0.25e-3, 0.11e-3],
                scan_s_per_mib: 0.0014e-3,
                scattered_s_per_mib: 0.4e-3,
                packed_s_per_mib: 0.25e-3,
                pinned_s_per_mib: 0.07e-3,
                sweep_s_per_mib: 0.085e-3,
                walk_s_per_mib: 0.3e-3,
                scattered_s_per_object: 0.3e-6,
                old_mark_s_per_mib: 0.24e-3,
                loh_mark_s_per_object: 2e-6,
                loh_copy_s_per_mib: 0.09e-3,
                background_pause_s: 0.1e-3,
                background_fixed_s: 0.26e-3,
                background_gen2_s_per_mib: 0.113e-3,
                background_scattered_s_per_object: 0.36e-6,
                background_loh_s_per_mib: 0.006e-3,
                parallel_efficiency: 0.9,
                gen1_copy_factor: 1.4,
                background_pause_loh_s_per_mib: 0.005e-3,
                fresh_page_s_per_mib: 0.0,
            },
            HeapLayout::Regions => PauseModel {
                fixed_s: [0.045e-3, 0.25e-3, 0.2e-3],
                scan_s_per_mib: 0.0016e-3,
                scattered_s_per_mib: 0.5e-3,
                packed_s_per_mib: 0.24e-3,
                pinned_s_per_mib: 0.05e-3,
                sweep_s_per_mib: 0.06e-3,
                walk_s_per_mib: 0.3e-3,
                scattered_s_per_object: 0.3e-6,
                old_mark_s_per_mib: 0.10e-3,
                loh_mark_s_per_object: 2e-6,
                loh_copy_s_per_mib: 0.03e-3,
                background_pause_s: 0.1e-3,
                background_fixed_s: 0.31e-3,
                background_gen2_s_per_mib: 0.156e-3,
                background_scattered_s_per_object: 0.32e-6,
                background_loh_s_per_mib: 0.0,
                parallel_efficiency: 0.9,
                gen1_copy_factor: 1.4,
                background_pause_loh_s_per_mib: 0.005e-3,
                fresh_page_s_per_mib: 0.0,
            },
        };
        base.scaled(cost_factor)
    }

    /// Every cost multiplied by `f`.
    pub fn scaled(mut self, f: f64) -> PauseModel {
        for x in self.fixed_s.iter_mut() {
            *x *= f;
        }
        for x in [
            &mut self.scan_s_per_mib,
            &mut self.scattered_s_per_mib,
            &mut self.packed_s_per_mib,
            &mut self.pinned_s_per_mib,
            &mut self.sweep_s_per_mib,
            &mut self.walk_s_per_mib,
            &mut self.scattered_s_per_object,
            &mut self.old_mark_s_per_mib,
            &mut self.loh_mark_s_per_object,
            &mut self.loh_copy_s_per_mib,
            &mut self.background_pause_s,
            &mut self.background_fixed_s,
            &mut self.background_gen2_s_per_mib,
            &mut self.background_scattered_s_per_object,
            &mut self.background_loh_s_per_mib,
            &mut self.background_pause_loh_s_per_mib,
        ] {
            *x *= f;
        }
        self
    }

    /// Effective GC threads for `heaps` heaps.
    pub fn threads(&self, heaps: u32) -> f64 {
        1.0 + self.parallel_efficiency * (heaps.max(1) - 1) as f64
    }

    /// Pause of a blocking GC of `kind` doing `work` with `heaps` GC threads, seconds.
    pub fn pause_s(&self, kind: PauseKind, work: &GcWork, heaps: u32) -> f64 {
        let fixed = self.fixed_s[kind as usize];
        // A gen1 GC copies gen1's survivors into gen2 and updates gen2's cards as well as moving
        // gen0's survivors: per byte it costs about 1.4 times a gen0 GC in the lab's traces.
        let copy_factor = if kind == PauseKind::Gen1 {
            self.gen1_copy_factor
        } else {
            1.0
        };
        let survivors = if work.swept {
            (work.scattered + work.packed) / MIB * self.sweep_s_per_mib
        } else {
            (work.scattered / MIB * self.scattered_s_per_mib
                + work.scattered_objects * self.scattered_s_per_object
                + work.packed / MIB * self.packed_s_per_mib)
                * copy_factor
        };
        let variable = survivors
            + work.pinned / MIB * self.pinned_s_per_mib
            + work.walked_bytes / MIB * self.walk_s_per_mib
            + work.ephemeral_bytes / MIB * self.scan_s_per_mib
            + work.old_live / MIB * self.old_mark_s_per_mib
            + work.loh_objects * self.loh_mark_s_per_object
            + work.loh_moved / MIB * self.loh_copy_s_per_mib;
        // Threads faulting at once contend in the kernel: k of them take √k times as long per
        // page (as allocating threads do).
        let threads = self.threads(heaps);
        let faults =
            work.loh_moved_onto_fresh_pages / MIB * self.fresh_page_s_per_mib / threads.sqrt();
        fixed + variable / threads + faults
    }

    /// Duration of a background GC's concurrent phase, seconds, with one background thread per
    /// heap: marking `packed` bytes of live gen2 in runs, `scattered_objects` survivors each
    /// reached on its own, and `loh_live` bytes of live large objects (measurable on 3.1 only:
    /// .NET 8's background GCs of LOH-only workloads last their fixed part whatever the live LOH).
    pub fn background_duration_s(
        &self,
        packed: f64,
        scattered_objects: f64,
        loh_live: f64,
        heaps: u32,
    ) -> f64 {
        self.background_fixed_s
            + (packed / MIB * self.background_gen2_s_per_mib
                + scattered_objects * self.background_scattered_s_per_object
                + loh_live / MIB * self.background_loh_s_per_mib)
                / heaps.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_marking_costs_per_scattered_survivor() {
        // Lab .NET 8 traces, host B: a background GC marking ~110 MiB of 500-byte survivors
        // (`mixed-batch`) ran 52–59 ms; one marking 100 MiB of state in runs ~15 ms plus its
        // fixed part (the fit over 2,817 background GCs: 0.16 ms/MiB packed, 0.32 µs per
        // scattered survivor, R² 0.79 against 0.52 for a single per-MiB rate).
        let m = PauseModel::reference(HeapLayout::Regions, 1.0);
        let scattered = m.background_duration_s(0.0, 110.0 * MIB / 500.0, 0.0, 1);
        let packed = m.background_duration_s(100.0 * MIB, 0.0, 0.0, 1);
        assert!((0.045..0.08).contains(&scattered), "{scattered}");
        assert!((0.012..0.02).contains(&packed), "{packed}");
        // Two background threads (Server GC) share the marking.
        assert!(m.background_duration_s(0.0, 110.0 * MIB / 500.0, 0.0, 2) < 0.55 * scattered);
    }

    #[test]
    fn scattered_survivors_cost_more_than_packed_ones() {
        // Lab traces (3.1): isolated survivors of ~330 bytes ~1.3 ms/MiB, state entries
        // ~0.2–0.3 ms/MiB.
        let m = PauseModel::reference(HeapLayout::Segments, 1.0);
        let scattered = GcWork {
            scattered: 10.0 * MIB,
            scattered_objects: 10.0 * MIB / 330.0,
            ..Default::default()
        };
        let packed = GcWork {
            packed: 10.0 * MIB,
            ..Default::default()
        };
        let ps = m.pause_s(PauseKind::Gen0, &scattered, 1);
        let pp = m.pause_s(PauseKind::Gen0, &packed, 1);
        assert!(ps > 3.0 * pp, "{ps} vs {pp}");
        assert!((0.010..0.016).contains(&ps), "{ps}");
    }

    #[test]
    fn scattered_survivors_cost_per_object() {
        // The lab's object-size probe (3.1, 500 MiB/s, 8% living ~30 ms, ~1.2 MiB surviving
        // each gen0 GC): 11.5–17 ms with 32-byte objects, 0.7–0.9 ms with 2 KiB ones.
        let m = PauseModel::reference(HeapLayout::Segments, 1.0);
        let survivors = |size: f64| GcWork {
            scattered: 1.2 * MIB,
            scattered_objects: 1.2 * MIB / size,
            ..Default::default()
        };
        let small = m.pause_s(PauseKind::Gen0, &survivors(32.0), 1);
        let large = m.pause_s(PauseKind::Gen0, &survivors(2048.0), 1);
        assert!((0.008..0.017).contains(&small), "{small}");
        assert!((0.0005..0.0012).contains(&large), "{large}");
    }

    #[test]
    fn walking_the_condemned_space_costs_by_bytes_not_objects() {
        // Without the mark list the plan phase passes over every object, dead ones included; in
        // the probe a blocking gen2 over 80 MiB of garbage took about as long with 128-byte as
        // with 1 KiB objects.
        let m = PauseModel::reference(HeapLayout::Segments, 1.0);
        let w = GcWork {
            walked_bytes: 80.0 * MIB,
            ..Default::default()
        };
        let p = m.pause_s(PauseKind::Gen2, &w, 1);
        assert!((0.010..0.040).contains(&p), "{p}");
    }

    #[test]
    fn server_threads_share_the_work_and_slow_machines_pause_longer() {
        let m = PauseModel::reference(HeapLayout::Segments, 1.0);
        let w = GcWork {
            scattered: 100.0 * MIB,
            scattered_objects: 100.0 * MIB / 330.0,
            ..Default::default()
        };
        assert!(m.pause_s(PauseKind::Gen1, &w, 4) < 0.4 * m.pause_s(PauseKind::Gen1, &w, 1));
        let slow = PauseModel::reference(HeapLayout::Segments, 2.0);
        let (a, b) = (
            m.pause_s(PauseKind::Gen1, &w, 1),
            slow.pause_s(PauseKind::Gen1, &w, 1),
        );
        assert!((b - 2.0 * a).abs() < 1e-12);
    }
}
