//! DATAS (Dynamic Adaptation To Application Sizes, .NET 8 opt-in, Server GC default from .NET 9):
//! Server GC that starts with one heap, caps the gen0 budget by the size of the older generations
//! (the cap itself is applied with the budgets, see [`Datas::gen0_cap_per_heap`]), and changes
//! the heap count with the share of time spent in GC.
//!
//! Two rule sets:
//! * **.NET 8** (measured in the lab on 8.0.4): the gen0 budget is capped at half of gen2 and the
//!   LOH after their last collection; every third GC the median share of time in GC (TCP) adds
//!   heaps when above 10% (or its smoothed value above 5%), removes them below 1%; at most the CPU
//!   count minus one (minus two from 32 CPUs).
//! * **.NET 9 and 10** (modelled from the runtime's sources, not validated against a real run):
//!   the total gen0 budget is capped by `BCD = clamp((20 − c)/√S_MiB, 0.1, 10) · S` with c = 5 and
//!   S the "stable SOH size" (gen2 plus its budget after the last gen2; before the first gen2 half
//!   of gen1); the heap count steers the TCP towards 2%: every third GC,
//!   `diff = (TCP − 2)/2`, `Δheaps = round(diff / (1.5 if growing else 3) · heaps)`, growing at
//!   most by the current count at once; at most the CPU count (minus one from 16 CPUs, minus
//!   another from 64).

/// Which runtime's DATAS rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasRules {
    /// .NET 8.
    Net8,
    /// .NET 9 and later.
    Net9,
}

/// Heap-count controller of DATAS.
#[derive(Clone, Debug, PartialEq)]
pub struct Datas {
    /// Rule set.
    pub rules: DatasRules,
    /// Most heaps DATAS may use.
    pub max_heaps: u32,
    samples: Vec<f64>,
    smoothed: Option<f64>,
    last_gc_end_s: f64,
    /// Change of heap count wanted at the next GC start.
    wanted_change: i64,
    /// .NET 9: the stable small-object heap size the gen0 cap derives from, bytes (all heaps);
    /// `None` before the first gen2.
    pub stable_soh_bytes: Option<f64>,
}

/// Target share of time in GC of the .NET 9 controller, percent (`GCDTargetTCP`).
pub const NET9_TARGET_TCP_PCT: f64 = 2.0;

impl Datas {
    /// A controller for a process that could use `n_max` Server GC heaps.
    pub fn new(n_max: u32, rules: DatasRules) -> Datas {
        let max_heaps = match rules {
            DatasRules::Net8 => n_max.saturating_sub(1 + u32::from(n_max >= 32)),
            DatasRules::Net9 => n_max - u32::from(n_max >= 16) - u32::from(n_max >= 64),
        };
        Datas {
            rules,
            max_heaps: max_heaps.max(1),
            samples: Vec::new(),
            smoothed: None,
            last_gc_end_s: 0.0,
            wanted_change: 0,
            stable_soh_bytes: None,
        }
    }

    /// Notes a blocking GC that started at `start_s`, paused `pause_s` and condemned `generation`.
    /// Every third GC the median share of time in GC decides the heap count.
    pub fn note_gc(&mut self, start_s: f64, pause_s: f64, generation: usize, heaps: u32) {
        let _ = generation;
        let elapsed = (start_s + pause_s - self.last_gc_end_s).max(1e-6);
        self.last_gc_end_s = start_s + pause_s;
        self.samples.push((100.0 * pause_s / elapsed).min(100.0));
        if self.samples.len() < 3 {
            return;
        }
        let mut s = std::mem::take(&mut self.samples);
        s.sort_by(f64::total_cmp);
        let median = s[1];
        let n = heaps.max(1) as f64;
        self.wanted_change = match self.rules {
            DatasRules::Net8 => {
                let smoothed = match self.smoothed {
                    None => median,
                    Some(prev) => median / 3.0 + prev * 2.0 / 3.0,
                };
                self.smoothed = Some(smoothed);
                if median > 10.0 || smoothed > 5.0 {
                    heaps.div_ceil(2).max(1) as i64
                } else if smoothed < 1.0 && heaps > 1 {
                    -(heaps.div_ceil(3).max(1).min(heaps - 1) as i64)
                } else {
                    0
                }
            }
            DatasRules::Net9 => {
                let diff = (median - NET9_TARGET_TCP_PCT) / NET9_TARGET_TCP_PCT;
                let divisor = if diff > 0.0 { 1.5 } else { 3.0 };
                let change = (diff / divisor * n).round();
                change.clamp(-(n - 1.0), n) as i64
            }
        };
    }

    /// The heap count to use from the next GC on, given the current one.
    pub fn next_heap_count(&mut self, current: u32) -> u32 {
        let change = std::mem::take(&mut self.wanted_change);
        (current as i64 + change).clamp(1, self.max_heaps as i64) as u32
    }

    /// .NET 9: the cap on each heap's gen0 budget for `heaps` heaps, bytes (`BCD / heaps`), from
    /// the stable SOH size, or half of gen1 (at least `gen1_min`) before the first gen2.
    pub fn gen0_cap_per_heap(&self, heaps: u32, gen1_bytes: f64, gen1_min: f64) -> f64 {
        let s = self
            .stable_soh_bytes
            .unwrap_or((gen1_bytes / 2.0).max(gen1_min));
        bcd_bytes(s) / heaps.max(1) as f64
    }
}

/// The .NET 9 DATAS bound on the total gen0 budget for a stable SOH size of `s` bytes:
/// `clamp(15 / √(s in MiB), 0.1, 10) · s` (conserve-memory 5).
pub fn bcd_bytes(s: f64) -> f64 {
    let mib = (s / 1_048_576.0).max(1e-6);
    (15.0 / mib.sqrt()).clamp(0.1, 10.0) * s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cores_never_leave_one_heap_on_net8() {
        let mut d = Datas::new(2, DatasRules::Net8);
        for i in 0..9 {
            d.note_gc(i as f64 * 0.01, 0.009, 0, 1);
        }
        assert_eq!(d.next_heap_count(1), 1);
    }

    #[test]
    fn heavy_gc_adds_heaps_on_bigger_machines() {
        let mut d = Datas::new(8, DatasRules::Net8);
        for i in 0..3 {
            d.note_gc(i as f64 * 0.01, 0.005, 0, 1);
        }
        assert_eq!(d.next_heap_count(1), 2);
        assert_eq!(d.max_heaps, 7);
    }

    #[test]
    fn net9_steers_towards_two_percent_in_gc() {
        // 10% of the time in GC on 2 heaps: diff = 4, +round(4/1.5 · 2) = +5, capped at doubling.
        let mut d = Datas::new(16, DatasRules::Net9);
        assert_eq!(d.max_heaps, 15);
        for i in 0..3 {
            d.note_gc(i as f64 * 0.1, 0.01, 0, 2);
        }
        assert_eq!(d.next_heap_count(2), 4);
        // 0.5% in GC on 6 heaps: diff = −0.75, round(−0.25 · 6) = −2 (rounds half away from 0).
        let mut d = Datas::new(16, DatasRules::Net9);
        for i in 0..3 {
            d.note_gc(i as f64 * 1.0, 0.005, 0, 6);
        }
        assert_eq!(d.next_heap_count(6), 4);
        // At the target nothing changes.
        let mut d = Datas::new(16, DatasRules::Net9);
        for i in 0..3 {
            d.note_gc(i as f64 * 1.0, 0.02, 0, 3);
        }
        assert_eq!(d.next_heap_count(3), 3);
    }

    #[test]
    fn bcd_matches_the_documented_examples() {
        let mib = 1_048_576.0;
        // 1 GiB → 0.469 · S (15/√1024), 100 MiB → 1.5 · S, 1 MiB → 10 · S.
        assert!((bcd_bytes(1024.0 * mib) / (1024.0 * mib) - 15.0 / 32.0).abs() < 1e-9);
        assert!((bcd_bytes(100.0 * mib) / (100.0 * mib) - 1.5).abs() < 1e-9);
        assert!((bcd_bytes(mib) / mib - 10.0).abs() < 1e-9);
        // Huge heaps are floored at 0.1 · S.
        assert!((bcd_bytes(1e6 * mib) / (1e6 * mib) - 0.1).abs() < 1e-9);
    }
}
