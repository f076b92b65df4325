//! The GC's static tuning, derived once at start-up from the settings and the machine, as the
//! runtime does in `GCHeap::Initialize` / `init_static_data`: heap count, segment or region size,
//! heap hard limit, gen0/gen1 budget bounds, memory-load thresholds. All sizes are bytes, per heap
//! unless a name says "total".

use super::settings::{GcProfile, GcSettings, HeapLayout, MachineSpec};
use crate::units::{KIB, MIB};

/// Growth-factor parameters of one generation (`static_data_table`, latency level "balanced"):
/// the budget grows by `f(s) = L(1−s)/(1−L·s)` of the survivors, capped at `M`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Growth {
    /// `limit` (L).
    pub limit: f64,
    /// `max_limit` (M).
    pub max_limit: f64,
}

impl Growth {
    /// The runtime's `surv_to_growth`: budget multiplier for survival rate `s` (0..1).
    pub fn factor(&self, s: f64) -> f64 {
        let (l, m) = (self.limit, self.max_limit);
        let s = s.clamp(0.0, 1.0);
        if s < (m - l) / (l * (m - 1.0)) {
            l * (1.0 - s) / (1.0 - l * s)
        } else {
            m
        }
    }
}

/// Static GC tuning of one process.
#[derive(Clone, Debug, PartialEq)]
pub struct GcTuning {
    /// Runtime rules in force.
    pub profile: GcProfile,
    /// Segments or regions.
    pub layout: HeapLayout,
    /// Server GC (several heaps, one GC thread per heap).
    pub server: bool,
    /// Background GC allowed.
    pub concurrent: bool,
    /// DATAS (dynamic adaptation to application sizes) in force.
    pub datas: bool,
    /// Heaps at start (DATAS starts with 1).
    pub initial_heaps: u32,
    /// Most heaps the process may use.
    pub max_heaps: u32,
    /// Heap hard limit in bytes (total over heaps), if any.
    pub hard_limit: Option<f64>,
    /// Memory the runtime believes it has (container limit or physical memory), bytes.
    pub total_memory: f64,
    /// Largest CPU cache the runtime read, bytes.
    pub llc: f64,
    /// SOH segment size used by the budget arithmetic, per heap, bytes.
    pub seg_size: f64,
    /// Basic region size (regions only), bytes.
    pub region_size: f64,
    /// Smallest gen0 budget per heap, bytes.
    pub gen0_min: f64,
    /// Largest gen0 budget per heap, bytes.
    pub gen0_max: f64,
    /// Whether `GCgen0size` forces the gen0 budget.
    pub gen0_forced: bool,
    /// Smallest gen1 budget per heap, bytes.
    pub gen1_min: f64,
    /// Largest gen1 budget per heap, bytes.
    pub gen1_max: f64,
    /// Smallest gen2 budget per heap, bytes.
    pub gen2_min: f64,
    /// Smallest LOH budget per heap, bytes.
    pub loh_min: f64,
    /// Growth factors for gen0, gen1, gen2 and the LOH.
    pub growth: [Growth; 4],
    /// Objects of at least this size go to the LOH, bytes.
    pub loh_threshold: f64,
    /// "High memory load" threshold, fraction (0.9 by default).
    pub high_load: f64,
    /// "Very high memory load" threshold, fraction (0.97 by default).
    pub very_high_load: f64,
    /// `GCConserveMemory` in force (0 = off; DATAS implies 5).
    pub conserve: u32,
    /// Small-object bytes an allocation context hands out at a time (`allocation_quantum`,
    /// `CLR_SIZE`): 8 KiB on .NET Core 3.1, 8 KiB + 32 from .NET 5 on, bytes.
    pub allocation_quantum: f64,
}

/// Rounds up to a power of two.
fn round_up_pow2(x: f64) -> f64 {
    let x = x.max(1.0) as u64;
    x.next_power_of_two() as f64
}

/// Rounds up to a multiple of 16 MiB.
fn align_16mb(x: f64) -> f64 {
    let a = 16.0 * MIB as f64;
    (x / a).ceil() * a
}

impl GcTuning {
    /// Derives the static tuning for `settings` on `machine`.
    pub fn derive(settings: &GcSettings, machine: &MachineSpec) -> GcTuning {
        let profile = settings.profile;
        let layout = profile.layout();
        let total_memory = machine
            .container_limit_bytes
            .map(|l| l.min(machine.physical_memory_bytes))
            .unwrap_or(machine.physical_memory_bytes) as f64;

        // Heap hard limit: explicit, percent of memory, or 75% of a detected container limit.
        let hard_limit = if let Some(l) = settings.heap_hard_limit {
            Some(l as f64)
        } else if let Some(p) = settings
            .heap_hard_limit_percent
            .filter(|p| *p > 0 && *p < 100)
        {
            Some(total_memory * p as f64 / 100.0)
        } else {
            machine
                .container_limit_bytes
                .map(|l| (l as f64 * 0.75).max(20.0 * MIB as f64))
        };

        // Server GC needs more than one CPU; with one CPU the runtime falls back to Workstation.
        let cores = machine.cores.max(1);
        let server = settings.server && cores > 1;
        let mut heaps = if server {
            settings.heap_count.unwrap_or(cores).clamp(1, cores)
        } else {
            1
        };
        if let (true, Some(limit), None) = (server, hard_limit, settings.heap_count) {
            let cap = (align_16mb(limit) / (16.0 * MIB as f64)).max(1.0) as u32;
            heaps = heaps.min(cap);
        }
        let datas = server
            && settings.heap_count.is_none()
            && layout == HeapLayout::Regions
            && settings.datas.unwrap_or(profile.datas_default_for_server());
        let initial_heaps = if datas { 1 } else { heaps };

        // SOH segment size (still used for budget arithmetic under regions).
        let seg_size = match hard_limit {
            Some(limit) => round_up_pow2(align_16mb(limit) / heaps as f64),
            None if server => {
                let mut s = 4.0 * (1u64 << 30) as f64;
                if cores > 4 {
                    s /= 2.0;
                }
                if cores > 8 {
                    s /= 2.0;
                }
                s
            }
            None => 256.0 * MIB as f64,
        };
        let region_size = if layout == HeapLayout::Regions {
            region_size(hard_limit, heaps)
        } else {
            0.0
        };

        let llc = machine
            .largest_cache_bytes
            .map(|c| c.max(256 * KIB) as f64)
            .unwrap_or(f64::INFINITY);
        let (gen0_min, gen0_max, gen0_forced) = gen0_bounds(
            settings,
            server,
            datas,
            llc,
            total_memory,
            heaps,
            seg_size,
            hard_limit,
        );
        let gen1_max = if server || !settings.concurrent {
            (6.0 * MIB as f64).max(seg_size / 2.0)
        } else {
            6.0 * MIB as f64
        };
        let gen0_growth = if server {
            Growth {
                limit: 20.0,
                max_limit: 40.0,
            }
        } else {
            Growth {
                limit: 9.0,
                max_limit: 20.0,
            }
        };
        let conserve = settings
            .conserve_memory
            .unwrap_or(if datas { 5 } else { 0 });
        let high = settings
            .high_memory_percent
            .map(|p| p as f64 / 100.0)
            .unwrap_or(0.90);
        GcTuning {
            profile,
            layout,
            server,
            concurrent: settings.concurrent,
            datas,
            initial_heaps,
            max_heaps: heaps,
            hard_limit,
            total_memory,
            llc,
            seg_size,
            region_size,
            gen0_min,
            gen0_max,
            gen0_forced,
            allocation_quantum: match layout {
                HeapLayout::Segments => 8.0 * KIB as f64,
                HeapLayout::Regions => (8 * KIB + 32) as f64,
            },
            gen1_min: 256.0 * KIB as f64,
            gen1_max,
            gen2_min: 256.0 * KIB as f64,
            loh_min: 3.0 * MIB as f64,
            growth: [
                gen0_growth,
                Growth {
                    limit: 2.0,
                    max_limit: 7.0,
                },
                Growth {
                    limit: 1.2,
                    max_limit: 1.8,
                },
                Growth {
                    limit: 1.25,
                    max_limit: 4.5,
                },
            ],
            loh_threshold: settings.loh_threshold.max(85_000) as f64,
            high_load: high,
            very_high_load: (high + 0.07).min(0.99),
            conserve,
        }
    }
}

/// Basic region size: 4 MiB, or 2/1 MiB when the reserved range per heap is small.
fn region_size(hard_limit: Option<f64>, heaps: u32) -> f64 {
    let four = 4.0 * MIB as f64;
    let Some(limit) = hard_limit else { return four };
    // A single hard limit reserves 5x the limit; each heap needs room for at least
    // `min_regions_per_heap` (19 basic units at start, more to work with).
    let range_per_heap = 5.0 * limit / heaps as f64;
    let min_regions_per_heap = 19.0 * 4.0;
    let candidate = range_per_heap / 2.0 / min_regions_per_heap;
    if candidate >= four {
        four
    } else if candidate >= four / 2.0 {
        four / 2.0
    } else {
        four / 4.0
    }
}

/// gen0 minimum and maximum budgets per heap (`get_gen0_min_size`, `init_static_data`).
#[allow(clippy::too_many_arguments)]
fn gen0_bounds(
    settings: &GcSettings,
    server: bool,
    datas: bool,
    llc: f64,
    total_memory: f64,
    heaps: u32,
    seg_size: f64,
    hard_limit: Option<f64>,
) -> (f64, f64, bool) {
    let six_mb = 6.0 * MIB as f64;
    let forced = settings
        .gen0size
        .filter(|g| *g >= 64 * KIB)
        .map(|g| g as f64);
    let gen0_min = match forced {
        Some(g) => g,
        None => {
            let true_size = llc.max(256.0 * KIB as f64);
            let mut g = if server {
                server_cache_size(llc)
            } else {
                (0.8 * llc).max(256.0 * KIB as f64)
            };
            if datas {
                g = g.min(4.0 * MIB as f64);
            }
            // Keep the gen0 minimum of all heaps under a sixth of memory, but not below the cache.
            while g * heaps as f64 > total_memory / 6.0 {
                g /= 2.0;
                if g <= true_size {
                    g = true_size;
                    break;
                }
            }
            g = g.min(seg_size / 2.0);
            if hard_limit.is_some() {
                g = g.min(seg_size / 8.0);
            }
            g * 5.0 / 8.0
        }
    };
    let mut gen0_max = if server || !settings.concurrent {
        six_mb.max((seg_size / 2.0).min(200.0 * MIB as f64))
    } else {
        six_mb
    };
    gen0_max = gen0_max.max(gen0_min);
    if hard_limit.is_some() {
        gen0_max = gen0_max.min(seg_size / 4.0);
    }
    // `GCGen0MaxBudget`; under DATAS only .NET 10 honours it.
    if let Some(cap) = settings.gen0_max_budget
        && (!datas || settings.profile == GcProfile::Net10)
    {
        gen0_max = gen0_max.min(cap as f64);
    }
    let gen0_min = gen0_min.min(gen0_max);
    (gen0_min, gen0_max, forced.is_some())
}

/// The cache size Server GC starts its gen0 budget from. Server GC reads the cache size without the
/// Workstation ⅘ reduction.
fn server_cache_size(llc: f64) -> f64 {
    llc.max(256.0 * KIB as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab_machine(l3: u64) -> MachineSpec {
        MachineSpec {
            cores: 2,
            largest_cache_bytes: Some(l3),
            physical_memory_bytes: 25_276_510_208,
            container_limit_bytes: None,
            speed: Default::default(),
        }
    }

    #[test]
    fn growth_factor_matches_the_runtime_table() {
        // gen0 WKS at 1% survival: 9·0.99/(1−0.09) = 9.79.
        let g = Growth {
            limit: 9.0,
            max_limit: 20.0,
        };
        assert!((g.factor(0.01) - 9.791).abs() < 1e-3);
        // gen2 at 90% survival is capped at M = 1.8.
        let g2 = Growth {
            limit: 1.2,
            max_limit: 1.8,
        };
        assert_eq!(g2.factor(0.9), 1.8);
        assert!((g2.factor(0.2) - 1.2 * 0.8 / (1.0 - 0.24)).abs() < 1e-12);
    }

    #[test]
    fn workstation_gen0_budget_on_the_lab_host_is_80_mib() {
        // glibc reports a 320 MiB L3 on the lab host: min(⅘·320, 256/2) · ⅝ = 80 MiB, and with
        // concurrent GC the maximum equals the minimum (observed: 80 MiB in every WKS trace).
        let t = GcTuning::derive(&GcSettings::default(), &lab_machine(320 * MIB));
        assert_eq!(t.gen0_min, 80.0 * MIB as f64);
        assert_eq!(t.gen0_max, 80.0 * MIB as f64);
    }

    #[test]
    fn unbounded_cache_gives_server_gc_its_1280_mib_budget() {
        // The lab host reports its L4 as −1: gen0 = ⅝ · seg/2 = ⅝ · 2 GiB per heap for Server GC
        // with 2 cores (observed: 1,280 MiB per heap), and still 80 MiB for Workstation.
        let mut m = lab_machine(0);
        m.largest_cache_bytes = None;
        let svr = GcTuning::derive(
            &GcSettings {
                server: true,
                ..Default::default()
            },
            &m,
        );
        assert_eq!(svr.gen0_min, 1280.0 * MIB as f64);
        assert_eq!(svr.max_heaps, 2);
        let wks = GcTuning::derive(&GcSettings::default(), &m);
        assert_eq!(wks.gen0_min, 80.0 * MIB as f64);
        let datas = GcTuning::derive(
            &GcSettings {
                server: true,
                profile: GcProfile::Net8,
                datas: Some(true),
                ..Default::default()
            },
            &m,
        );
        assert_eq!(datas.gen0_min, 2.5 * MIB as f64);
        assert_eq!(datas.initial_heaps, 1);
    }

    #[test]
    fn hard_limit_shrinks_gen0_to_five_64ths_of_the_limit() {
        // Observed: 10 / 20 / 40 MiB under 128 / 256 / 512 MiB hard limits.
        for (limit_mb, want_mb) in [(128u64, 10.0), (256, 20.0), (512, 40.0)] {
            let s = GcSettings {
                heap_hard_limit: Some(limit_mb * MIB),
                ..Default::default()
            };
            let t = GcTuning::derive(&s, &lab_machine(320 * MIB));
            assert_eq!(t.gen0_min / MIB as f64, want_mb, "limit {limit_mb} MiB");
        }
    }

    #[test]
    fn gen0size_forces_the_budget() {
        let s = GcSettings {
            gen0size: Some(4 * MIB),
            ..Default::default()
        };
        let t = GcTuning::derive(&s, &lab_machine(320 * MIB));
        assert_eq!(t.gen0_min, 4.0 * MIB as f64);
        assert_eq!(t.gen0_max, 6.0 * MIB as f64);
    }

    #[test]
    fn container_limit_gives_a_75_percent_hard_limit() {
        let mut m = lab_machine(32 * MIB);
        m.container_limit_bytes = Some(2 << 30);
        let t = GcTuning::derive(&GcSettings::default(), &m);
        assert_eq!(t.hard_limit, Some(1.5 * (1u64 << 30) as f64));
    }
}
