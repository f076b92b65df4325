//! The lab program's GC event recorder, as the simulator's [`GcEventListener`].
//!
//! The lab records every GC with an in-process `EventListener` on the runtime's GC events. It
//! allocates for every GC it receives, keeps one record per GC, and when the workload ends it
//! receives the events still queued (in its 200 ms tail) and writes its records out (`gc.csv`)
//! before the process exits. The process's peak resident memory (`peak_rss_bytes`, the kernel's
//! high-water mark) includes all of it: when the workload leaves gen0's pages cold (LOH churn),
//! every byte the recorder allocates after the last GC lands on fresh pages.
//!
//! The figures are measured over the calibration datasets' runs (`validation/README.md`,
//! "The GC event recorder"); none is fitted to a spec.

use crate::sim::gc::GcProfile;
use crate::sim::process::GcEventListener;

/// Bytes the recorder allocates per GC it receives, over the runs of the calibration datasets'
/// specs without survivors, state or pools: least squares, on GCs and samples, of what the
/// process allocated up to its last sample (so without the writing at exit) less the workload's
/// and the set-up's (the `init` sample's). 8.4 and 8.8 KB on .NET Core 3.1's two hosts, 9.7 KB
/// on .NET 8.
pub const RECEIVED_BYTES_PER_GC: [f64; 2] = [8_600.0, 9_700.0];

/// Bytes of the records the recorder keeps per GC (its row, two arrays of five sizes, the
/// index entries): gen2's growth over the 1,365 GCs of `loh-85kb-unthrottled`, 325–580 bytes
/// per GC over nine runs on both runtimes, median 470.
pub const RETAINED_BYTES_PER_GC: f64 = 470.0;

/// Time the runtime runs unsuspended between a GC and its events reaching the recorder,
/// seconds: the median over 63 runs with at least 150 GCs (interquartile 17–50 ms) of the GCs
/// received only in the tail, over the GC rate, times the unsuspended share of the run.
pub const DISPATCH_LAG_S: f64 = 0.027;

/// What writing the records out allocates, bytes: a fixed part and a part per GC, on .NET Core
/// 3.1 and on .NET 8 (least squares over every run of the calibration datasets of the
/// allocation between the last sample and the summary: 31 KB + 1,967 B and 48 KB + 2,014 B).
pub const REPORT_BYTES: [(f64, f64); 2] = [(31_000.0, 1_967.0), (48_000.0, 2_014.0)];

/// The recorder on `profile`'s runtime.
pub fn listener(profile: GcProfile) -> GcEventListener {
    let i = usize::from(profile != GcProfile::NetCore31);
    GcEventListener {
        transient_bytes_per_gc: (RECEIVED_BYTES_PER_GC[i] - RETAINED_BYTES_PER_GC).max(0.0),
        retained_bytes_per_gc: RETAINED_BYTES_PER_GC,
        dispatch_lag_s: DISPATCH_LAG_S,
        report_bytes: REPORT_BYTES[i].0,
        report_bytes_per_gc: REPORT_BYTES[i].1,
    }
}
