//! Machine facts of a lab dataset (`machine.json`): the CPU count, the cache size the runtime reads
//! (glibc's `sysconf`, which may differ from sysfs), memory, and which runtime ran.

use serde::Deserialize;

use crate::sim::gc::GcProfile;

/// The machine and runtime a lab run used.
#[derive(Clone, Debug, PartialEq)]
pub struct LabMachine {
    /// CPUs.
    pub cores: u32,
    /// L3 cache size as glibc's `sysconf(_SC_LEVEL3_CACHE_SIZE)` reports it, bytes.
    pub l3_sysconf_bytes: u64,
    /// The largest cache the runtime reads (`None`: unbounded, because a level reads as −1).
    pub largest_cache_bytes: Option<u64>,
    /// Physical memory, bytes.
    pub mem_total_bytes: u64,
    /// The runtime's GC rules.
    pub profile: GcProfile,
    /// Resident memory of the lab program right after start-up, bytes.
    pub rss_at_start_bytes: f64,
    /// How long the host takes for the same CPU work as the reference host, the lab's second host
    /// (1.0; 1.3 is a host 30% slower). It scales the lab loop's costs
    /// ([`super::predict::AllocationCost`]), page faults and the GC's costs. `machine.json` does
    /// not record it: `memsim lab --compare` measures it from the dataset's pure-allocation specs
    /// ([`super::host_speed`]), `memsim lab --host-speed` gives it.
    pub host_speed: f64,
}

#[derive(Deserialize)]
struct RawMachine {
    cores: u32,
    l3_sysconf_bytes: u64,
    mem_total_bytes: u64,
    #[serde(default)]
    lab_runtime: Option<String>,
    #[serde(default)]
    dotnet_runtime: Option<String>,
    #[serde(default)]
    runtime_facts: Option<RawFacts>,
    #[serde(default)]
    l4_sysconf_bytes: Option<i64>,
}

#[derive(Deserialize)]
struct RawFacts {
    #[serde(default)]
    rss_bytes_at_start: Option<f64>,
}

/// Resident memory of the lab program once its set-up is done, before the workload, on .NET Core
/// 3.1 (measured at the `init` sample: 28.3–28.8 MiB).
pub const RSS_AT_START_NETCORE31: f64 = 28.6 * 1_048_576.0;
/// The same on .NET 8 (31.8 MiB: the runtime starts with more committed for its regions).
pub const RSS_AT_START_NET8: f64 = 31.8 * 1_048_576.0;

/// Resident memory the runtime adds after the `init` sample beyond what the model's heap terms
/// cover, bytes, on .NET Core 3.1 and on .NET 8: code pages, and on .NET 8 the double-mapped
/// executable memory of JIT code and stubs (W^X). It grows in every workload, idle included:
/// idle lab runs peaked 1.6 MiB (1 s) and 2.3 MiB (3 s) above the model on .NET 8, 0.8 MiB (3 s)
/// on 3.1 (`/proc/PID/smaps` snapshots; see `validation/README.md`).
pub const RUNTIME_WARMUP: [f64; 2] = [0.85 * 1_048_576.0, 2.5 * 1_048_576.0];
/// Time constant of that growth, seconds (63% after this long).
pub const RUNTIME_WARMUP_S: f64 = 1.0;

/// Live small objects of the lab program at its first GC (runtime, framework and the program's
/// own structures), bytes, on .NET Core 3.1 and on .NET 8 (`gen0_promoted_bytes` of the first GC
/// of pure churn).
pub const STARTUP_HEAP: [f64; 2] = [330_776.0, 366_960.0];
/// Small objects the lab program allocated before its workload, live or dead, bytes, on .NET
/// Core 3.1 and on .NET 8: `total_allocated_bytes` at the `init` sample, median over every run
/// (2.08 and 2.16 MB on 3.1's two hosts, 1.42 MB on .NET 8).
pub const STARTUP_ALLOCATED: [f64; 2] = [2_120_000.0, 1_415_000.0];
/// Large objects live from start-up, bytes, 3.1 and .NET 8 (the LOH bytes the first gen2 of
/// LOH churn keeps, less the one object the allocating thread still holds).
pub const STARTUP_LOH: [f64; 2] = [770_016.0, 655_448.0];

/// The lab's first host's speed (see [`LabMachine::host_speed`]), as `memsim lab --compare
/// validation/lab/calibration` measures it: 1.31 (its pure churn runs 1.23–1.36 times as long as
/// the model's at the reference speed).
pub const FIRST_HOST_SPEED: f64 = 1.31;

impl LabMachine {
    /// Reads a lab `machine.json`.
    pub fn from_json(text: &str) -> Result<LabMachine, String> {
        let raw: RawMachine = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let profile = match (raw.lab_runtime.as_deref(), raw.dotnet_runtime.as_deref()) {
            (Some("net8"), _) => GcProfile::Net8,
            (_, Some(v)) if v.starts_with("8.") => GcProfile::Net8,
            (_, Some(v)) if v.starts_with("9.") => GcProfile::Net9,
            (_, Some(v)) if v.starts_with("10.") => GcProfile::Net10,
            _ => GcProfile::NetCore31,
        };
        // `runtime_facts.rss_bytes_at_start` is read before the lab program's own set-up; the
        // baseline the workload runs on is the measured `init` sample.
        let _ = raw.runtime_facts.and_then(|f| f.rss_bytes_at_start);
        let rss = match profile {
            GcProfile::NetCore31 => RSS_AT_START_NETCORE31,
            _ => RSS_AT_START_NET8,
        };
        // The lab hosts' glibc reports the level-4 cache as −1; the runtime reads that as an
        // unbounded cache. `machine.json` does not record it, so that quirk is assumed unless the
        // file gives `l4_sysconf_bytes`.
        let largest_cache_bytes = match raw.l4_sysconf_bytes {
            Some(l4) if l4 >= 0 => Some(raw.l3_sysconf_bytes.max(l4 as u64)),
            _ => None,
        };
        Ok(LabMachine {
            cores: raw.cores,
            l3_sysconf_bytes: raw.l3_sysconf_bytes,
            largest_cache_bytes,
            mem_total_bytes: raw.mem_total_bytes,
            profile,
            rss_at_start_bytes: rss,
            host_speed: 1.0,
        })
    }

    /// The lab's first host: 2 cores, glibc reports a 320 MiB L3, 24 GiB, .NET Core 3.1, and it
    /// runs the lab loop [`FIRST_HOST_SPEED`] times as long as the reference host.
    pub fn first_host() -> LabMachine {
        LabMachine {
            cores: 2,
            l3_sysconf_bytes: 320 << 20,
            largest_cache_bytes: None,
            mem_total_bytes: 25_276_510_208,
            profile: GcProfile::NetCore31,
            rss_at_start_bytes: RSS_AT_START_NETCORE31,
            host_speed: FIRST_HOST_SPEED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_runtime_and_cache_from_machine_json() {
        let m = LabMachine::from_json(
            r#"{"cores": 2, "l3_sysconf_bytes": 402653184, "mem_total_bytes": 25276502016,
               "dotnet_runtime": "8.0.4", "lab_runtime": "net8",
               "runtime_facts": {"rss_bytes_at_start": 27889664}}"#,
        )
        .unwrap();
        assert_eq!(m.profile, GcProfile::Net8);
        assert_eq!(m.l3_sysconf_bytes, 384 << 20);
        assert_eq!(m.rss_at_start_bytes, RSS_AT_START_NET8);
    }
}
