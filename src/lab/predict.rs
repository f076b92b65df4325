//! Predicts a lab run with the simulator: maps a lab workload spec and its machine onto a
//! [`RunSpec`], runs it, and reports the lab summary's columns.

use super::machine::LabMachine;
use super::spec::{LabSpec, LabSpecError};
use crate::sim::gc::{GcProfile, GcSettings, MachineSpec, MachineSpeed};
use crate::sim::observe::{NullObserver, Observer, Outcome, Summary};
use crate::sim::pod::{PodSpec, RestartPolicy};
use crate::sim::process::ProcessSpec;
use crate::sim::rng::derive_seed;
use crate::sim::workload::network::NetworkSpec;
use crate::sim::workload::objects::{Lifetime, LifetimeShare, SizeDistribution};
use crate::sim::workload::state::{StateBackend, StateSpec};
use crate::sim::workload::traffic::{RateProfile, TrafficSpec};
use crate::sim::workload::{PinnedPoolSpec, SurvivorIndex, WorkloadSpec};
use crate::sim::{RunSpec, simulate};

const MIB: f64 = 1_048_576.0;
/// Seconds the lab loop spends per retained survivor ([`AllocationCost::per_retained_s`]).
const RETAINED_S: f64 = 0.5e-6;

/// GC knobs given on the command line as the lab's environment variables
/// (`COMPlus_gcServer=1`, `DOTNET_GCHeapHardLimit=0x20000000`, ...), applied over the spec's own.
pub type KnobOverrides = Vec<(String, String)>;

/// Cost of allocating in the lab's loop when it runs unthrottled, on the reference host (the lab's
/// second host, where nine of its ten datasets ran): seconds per object and per byte (object
/// zeroing), per allocating thread. Other hosts scale it by [`LabMachine::host_speed`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AllocationCost {
    /// Seconds per object allocated.
    pub per_object_s: f64,
    /// Seconds per byte allocated.
    pub per_byte_s: f64,
    /// Seconds per object whose size the loop draws from a lognormal (a Gaussian by the polar
    /// method, then an exponential): 4 GiB in 25.5 million lognormal objects (median 100 bytes)
    /// took 1.17 s on .NET Core 3.1 and 1.01 s on .NET 8, where the costs above give 0.41 and
    /// 0.37 s for the same objects at fixed sizes.
    pub per_size_draw_s: f64,
    /// Seconds per object the loop retains as a mid-life survivor: an exponential draw, a push
    /// onto its binary expiry heap of some 10⁵ entries and the pop when it expires. Measured
    /// outside background GCs: 0.5–0.7 µs (`mixed-batch` on both runtimes, the throughput of
    /// `walk-fixed-32` and `datas-bursty-off`).
    pub per_retained_s: f64,
}

impl AllocationCost {
    /// The costs of a runtime on the reference host, fitted to the run lengths of the pure
    /// churn specs (`churn-128b`, `-512b`, `-2kb`, `-8kb` and `-lognormal-100b`: 6 GiB of 128-byte
    /// objects in 0.82 s on 3.1, 0.72 s on .NET 8). .NET 8 runs the same loop 11% faster.
    pub fn for_runtime(profile: GcProfile) -> AllocationCost {
        match profile {
            GcProfile::NetCore31 => AllocationCost {
                per_object_s: 10.7e-9,
                per_byte_s: 0.032e-9,
                per_size_draw_s: 27.5e-9,
                per_retained_s: RETAINED_S,
            },
            // .NET 9 and 10 are not measured: they take .NET 8's.
            GcProfile::Net8 | GcProfile::Net9 | GcProfile::Net10 => AllocationCost {
                per_object_s: 9.5e-9,
                per_byte_s: 0.0286e-9,
                per_size_draw_s: 24.5e-9,
                per_retained_s: RETAINED_S,
            },
        }
    }

    /// Every cost times `factor` (a host that takes `factor` times as long).
    pub fn scaled(self, factor: f64) -> AllocationCost {
        AllocationCost {
            per_object_s: self.per_object_s * factor,
            per_byte_s: self.per_byte_s * factor,
            per_size_draw_s: self.per_size_draw_s * factor,
            per_retained_s: self.per_retained_s * factor,
        }
    }
}

/// The lab summary columns memsim predicts.
#[derive(Clone, Debug, PartialEq)]
pub struct LabPrediction {
    /// Spec name.
    pub spec: String,
    /// `ok`, `oom` (managed OutOfMemoryException) or `killed` (emulated pod limit).
    pub outcome: &'static str,
    /// GCs that condemned gen0 only.
    pub gen0_count: u64,
    /// GCs that condemned gen1.
    pub gen1_count: u64,
    /// GCs that condemned gen2.
    pub gen2_count: u64,
    /// Background GCs.
    pub background_gc_count: u64,
    /// Peak resident memory, bytes.
    pub peak_rss_bytes: f64,
    /// Largest heap size after a GC, bytes.
    pub peak_heap_after_gc_bytes: f64,
    /// Total GC pause, ms.
    pub pause_total_ms: f64,
    /// Longest GC pause, ms.
    pub pause_max_ms: f64,
    /// Length of the workload's run (the lab's `wall_s`: until it has allocated its total, ran
    /// its duration or failed), seconds. Not a column of [`LabPrediction::csv_row`].
    pub run_s: f64,
}

impl LabPrediction {
    /// The CSV header of [`LabPrediction::csv_row`].
    pub const CSV_HEADER: &'static str = "spec,outcome,gen0_count,gen1_count,gen2_count,background_gc_count,peak_rss_bytes,peak_heap_after_gc_bytes,pause_total_ms,pause_max_ms";

    /// One CSV row.
    pub fn csv_row(&self) -> String {
        format!(
            "{},{},{},{},{},{},{:.0},{:.0},{:.3},{:.3}",
            self.spec,
            self.outcome,
            self.gen0_count,
            self.gen1_count,
            self.gen2_count,
            self.background_gc_count,
            self.peak_rss_bytes,
            self.peak_heap_after_gc_bytes,
            self.pause_total_ms,
            self.pause_max_ms
        )
    }
}

fn hex_or_dec(v: &str) -> Option<u64> {
    let t = v.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u64::from_str_radix(t, 16).ok()
}

/// Builds the GC settings of a spec on a machine, with command-line knob overrides.
fn gc_settings(
    spec: &LabSpec,
    machine: &LabMachine,
    overrides: &KnobOverrides,
) -> Result<GcSettings, LabSpecError> {
    let mut s = GcSettings {
        profile: machine.profile,
        ..Default::default()
    };
    s.server = spec.num("gc.server")? != 0.0;
    s.concurrent = spec.num("gc.concurrent")? != 0.0;
    let hl = spec.num("gc.heap_hard_limit_mb")?;
    if hl > 0.0 {
        s.heap_hard_limit = Some((hl * MIB) as u64);
    }
    let hlp = spec.num("gc.heap_hard_limit_percent")?;
    if hlp > 0.0 {
        s.heap_hard_limit_percent = Some(hlp as u32);
    }
    let hc = spec.num("gc.heap_count")?;
    if hc > 0.0 {
        s.heap_count = Some(hc as u32);
    }
    let g0 = spec.num("gc.gen0size_mb")?;
    if g0 > 0.0 {
        s.gen0size = Some((g0 * MIB) as u64);
    }
    let mut knobs: Vec<(String, String)> = spec
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    knobs.extend(overrides.iter().cloned());
    for (k, v) in knobs {
        let bare = k
            .strip_prefix("COMPlus_")
            .or_else(|| k.strip_prefix("DOTNET_"))
            .unwrap_or(&k)
            .to_ascii_lowercase();
        let n = hex_or_dec(&v);
        match bare.as_str() {
            "gcserver" => s.server = n.unwrap_or(0) != 0,
            "gcconcurrent" => s.concurrent = n.unwrap_or(1) != 0,
            "gcheaphardlimit" => s.heap_hard_limit = n.filter(|x| *x > 0),
            "gcheaphardlimitpercent" => {
                s.heap_hard_limit_percent = n.map(|x| x as u32).filter(|x| *x > 0)
            }
            "gcheapcount" => s.heap_count = n.map(|x| x as u32).filter(|x| *x > 0),
            "gcgen0size" => s.gen0size = n.filter(|x| *x > 0),
            "gcgen0maxbudget" => s.gen0_max_budget = n.filter(|x| *x > 0),
            "gcdynamicadaptationmode" => s.datas = n.map(|x| x == 1),
            "gcconservememory" => s.conserve_memory = n.map(|x| x as u32),
            _ => {}
        }
    }
    Ok(s)
}

fn sizes(spec: &LabSpec) -> Result<SizeDistribution, LabSpecError> {
    let small = || -> Result<SizeDistribution, LabSpecError> {
        Ok(SizeDistribution::LogNormal {
            median: spec.num("size.median")?,
            sigma: spec.num("size.sigma")?,
            min: spec.num("size.min")?,
            max: spec.num("size.max")?,
        })
    };
    Ok(match spec.get("size.dist") {
        "lognormal" => small()?,
        "mixture" => SizeDistribution::Mixture {
            small: Box::new(small()?),
            large: Box::new(SizeDistribution::LogNormal {
                median: spec.num("size.large_median")?,
                sigma: spec.num("size.large_sigma")?,
                min: spec.num("size.large_min")?.max(85_000.0),
                max: spec.num("size.large_max")?,
            }),
            large_byte_fraction: spec.num("size.large_fraction")?,
        },
        _ => SizeDistribution::Fixed {
            bytes: spec.num("size.bytes")?,
        },
    })
}

/// Maps a lab spec on a machine onto a simulator run.
pub fn run_spec(
    spec: &LabSpec,
    machine: &LabMachine,
    overrides: &KnobOverrides,
) -> Result<RunSpec, LabSpecError> {
    let gc = gc_settings(spec, machine, overrides)?;
    let threads = spec.num("threads")?.max(1.0) as u32;
    let rate = spec.num("alloc_rate_mb_s")?;
    let dist = sizes(spec)?;
    let facts = dist.facts(gc.loh_threshold as f64);
    let cost = AllocationCost::for_runtime(machine.profile).scaled(machine.host_speed);
    let per_object = cost.per_object_s
        + if matches!(dist, SizeDistribution::Fixed { .. }) {
            0.0
        } else {
            cost.per_size_draw_s
        };
    let per_object =
        per_object + spec.num("survive.fraction")?.clamp(0.0, 1.0) * cost.per_retained_s;
    let per_thread = 1.0 / (per_object / facts.mean_object_bytes.max(1.0) + cost.per_byte_s);
    let capacity_bytes = per_thread * threads.min(machine.cores.max(1)) as f64;
    let duration = spec.num("duration_s")?;
    let total = spec.num("total_alloc_mb")?;
    let profile = {
        let period = spec.num("burst.period_ms")? / 1000.0;
        let on = spec.num("burst.on_fraction")?;
        if period > 0.0 && on < 1.0 {
            RateProfile::DutyCycle {
                period_s: period,
                on_fraction: on,
            }
        } else {
            RateProfile::Constant
        }
    };
    let mut lifetimes = Vec::new();
    let surv = spec.num("survive.fraction")?;
    if surv > 0.0 {
        let ms = spec.num("survive.lifetime_ms")?;
        let mb = spec.num("survive.lifetime_mb")?;
        let lifetime = if mb > 0.0 {
            Lifetime::MeanAllocatedBytes(mb * MIB)
        } else {
            Lifetime::MeanSeconds(ms / 1000.0)
        };
        lifetimes.push(LifetimeShare {
            fraction: surv,
            lifetime,
        });
    }
    let state = {
        let initial = spec.num("state.initial_mb")? * MIB;
        let per_s = spec.num("state.rate_mb_s")? * MIB;
        let per_gb = spec.num("state.mb_per_gb")?;
        let cap = spec.num("state.cap_mb")? * MIB;
        let update = spec.num("state.update_mb_s")? * MIB;
        let entry = spec.num("state.entry_bytes")?;
        // Entries are held in chunks of 4,096 references (8 bytes each) besides the entries.
        let overhead = 1.0 + 8.0 / entry.max(8.0);
        (initial > 0.0 || per_s > 0.0 || per_gb > 0.0).then(|| StateSpec {
            backend: StateBackend::Heap,
            initial_bytes: initial * overhead,
            growth_per_s: per_s * overhead,
            growth_per_allocated_byte: per_gb / 1024.0 * overhead,
            cap_bytes: (cap > 0.0).then_some(cap * overhead),
            update_per_s: update,
            entry_bytes: entry,
            // One store partition per thread, each filling one chunk of 4,096 entries at a time.
            chunk_entries: Some(4096.0 * threads as f64),
            ..Default::default()
        })
    };
    let pool = {
        let buffers = spec.num("pool.buffers")?;
        let len = spec.num("pool.buffer_bytes")?;
        let object = ((len + 24.0) / 8.0).ceil() * 8.0;
        let replace = spec.num("pool.rent_per_s")? * spec.num("pool.replace_fraction")?;
        (buffers > 0.0).then_some(PinnedPoolSpec {
            buffers,
            buffer_bytes: object,
            replacements_per_s: replace,
        })
    };
    let pod_limit = spec.num("pod.limit_mb")?;
    let enforce = spec.num("pod.enforce")? != 0.0;
    let horizon = if duration > 0.0 { duration } else { 3600.0 };
    Ok(RunSpec {
        name: spec.name.clone(),
        seed: spec.num("seed")? as u64,
        horizon_s: horizon,
        sample_interval_s: spec.num("sample_ms")?.max(1.0) / 1000.0,
        machine: MachineSpec {
            cores: machine.cores,
            largest_cache_bytes: machine.largest_cache_bytes,
            physical_memory_bytes: machine.mem_total_bytes,
            container_limit_bytes: None,
            // Every CPU cost follows the host's speed: the loop's (above), faulting in fresh
            // pages, and the GC's work.
            speed: MachineSpeed {
                gc_cost_factor: machine.host_speed,
                alloc_cost_factor: 1.0,
                page_fault_s_per_mib: MachineSpeed::default().page_fault_s_per_mib
                    * machine.host_speed,
            },
        },
        gc,
        process: ProcessSpec {
            runtime_baseline_bytes: machine.rss_at_start_bytes,
            code_bytes: super::machine::RUNTIME_WARMUP
                [usize::from(machine.profile != crate::sim::gc::GcProfile::NetCore31)],
            code_warmup_s: super::machine::RUNTIME_WARMUP_S,
            threads: 0,
            stack_bytes_per_thread: 0.0,
            native_bytes: spec.num("native.mb")? * MIB,
            startup_heap_bytes: super::machine::STARTUP_HEAP
                [usize::from(machine.profile != crate::sim::gc::GcProfile::NetCore31)],
            startup_loh_bytes: super::machine::STARTUP_LOH
                [usize::from(machine.profile != crate::sim::gc::GcProfile::NetCore31)],
            startup_allocated_bytes: super::machine::STARTUP_ALLOCATED
                [usize::from(machine.profile != crate::sim::gc::GcProfile::NetCore31)],
            gc_listener: Some(super::recorder::listener(machine.profile)),
        },
        pod: PodSpec {
            request_bytes: None,
            limit_bytes: (enforce && pod_limit > 0.0).then_some(pod_limit * MIB),
            restart: RestartPolicy::Never,
            limit_check_interval_s: Some(spec.num("sample_ms")?.max(1.0) / 1000.0),
        },
        workload: WorkloadSpec {
            traffic: TrafficSpec {
                base_records_per_s: rate,
                profile,
                bursts: None,
            },
            bytes_per_record: MIB,
            sizes: dist,
            lifetimes,
            threads,
            capacity_records_per_s: Some(capacity_bytes / MIB),
            unthrottled: rate <= 0.0,
            stop_after_bytes: (total > 0.0).then_some(total * MIB),
            // Each allocating thread keeps its survivors in a binary heap of expiry times and
            // references: two arrays of 1,024 slots that double when full.
            survivor_index: Some(SurvivorIndex {
                arrays: 2,
                holders: threads,
                slot_bytes: 8.0,
                initial_slots: 1024.0,
            }),
            // The lab writes only element 0 of each array: a large object on fresh pages touches
            // one page.
            large_object_touch_fraction: if facts.mean_large_object_bytes > 0.0 {
                (4096.0 / facts.mean_large_object_bytes).min(1.0)
            } else {
                1.0
            },
        },
        state,
        pinned_pool: pool,
        network: NetworkSpec::default(),
        checkpoints: None,
        jobmanager: None,
        build_initial_state: true,
        build_rate_bytes_per_s: None,
    })
}

/// Replications behind a prediction: the lab reports the median of its repetitions, and the
/// model's chance events (which large objects are alive at a gen2, where state chunks stand when
/// a GC promotes them) vary from run to run as the runtime's do.
pub const PREDICTION_REPLICATIONS: u64 = 15;

/// Predicts one lab spec on a machine: the median of [`PREDICTION_REPLICATIONS`] runs (the
/// spec's seed, then seeds derived from it) for every figure, and the most frequent outcome.
pub fn predict(
    spec: &LabSpec,
    machine: &LabMachine,
    overrides: &KnobOverrides,
) -> Result<LabPrediction, LabSpecError> {
    let base = run_spec(spec, machine, overrides)?;
    let mut runs = Vec::new();
    for r in 0..PREDICTION_REPLICATIONS {
        let mut rs = base.clone();
        if r > 0 {
            rs.seed = derive_seed(base.seed, &[r]);
        }
        runs.push(prediction_of(spec, &simulate(&rs, &mut NullObserver)));
    }
    let median = |f: &dyn Fn(&LabPrediction) -> f64| {
        super::compare::median(&mut runs.iter().map(f).collect::<Vec<f64>>())
    };
    // The most frequent outcome; a tie goes to the first of ok, oom, killed.
    let count = |o: &str| runs.iter().filter(|p| p.outcome == o).count();
    let mut outcome = "ok";
    for o in ["oom", "killed"] {
        if count(o) > count(outcome) {
            outcome = o;
        }
    }
    Ok(LabPrediction {
        spec: spec.name.clone(),
        outcome,
        gen0_count: median(&|p| p.gen0_count as f64) as u64,
        gen1_count: median(&|p| p.gen1_count as f64) as u64,
        gen2_count: median(&|p| p.gen2_count as f64) as u64,
        background_gc_count: median(&|p| p.background_gc_count as f64) as u64,
        peak_rss_bytes: median(&|p| p.peak_rss_bytes),
        peak_heap_after_gc_bytes: median(&|p| p.peak_heap_after_gc_bytes),
        pause_total_ms: median(&|p| p.pause_total_ms),
        pause_max_ms: median(&|p| p.pause_max_ms),
        run_s: median(&|p| p.run_s),
    })
}

fn prediction_of(spec: &LabSpec, s: &Summary) -> LabPrediction {
    let outcome = match s.outcome {
        Outcome::Ok => "ok",
        Outcome::ManagedOom => "oom",
        Outcome::OomKilled => "killed",
    };
    LabPrediction {
        spec: spec.name.clone(),
        outcome,
        gen0_count: s.gc_counts[0],
        gen1_count: s.gc_counts[1],
        gen2_count: s.gc_counts[2],
        background_gc_count: s.background_gcs,
        peak_rss_bytes: s.peak_rss,
        peak_heap_after_gc_bytes: s.peak_heap_after_gc,
        pause_total_ms: s.pause_total_s * 1000.0,
        pause_max_ms: s.pause_max_s * 1000.0,
        run_s: s.outcome_time_s.unwrap_or(s.workload_end_s),
    }
}

/// Predicts one lab spec and reports every sample and GC to `observer`.
pub fn predict_observed(
    spec: &LabSpec,
    machine: &LabMachine,
    overrides: &KnobOverrides,
    observer: &mut dyn Observer,
) -> Result<(LabPrediction, Summary), LabSpecError> {
    let rs = run_spec(spec, machine, overrides)?;
    let s = simulate(&rs, observer);
    Ok((prediction_of(spec, &s), s))
}
