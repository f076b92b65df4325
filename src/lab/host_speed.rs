//! How fast a lab host runs the lab program's allocation loop, measured from a dataset.
//!
//! A workload that allocates as fast as it can finishes sooner on a faster CPU; how much of its
//! mid-life data dies before the run ends, and so its peak, follows. The lab's hosts differ:
//! the lab's first host ran the dataset's pure churn 1.3 times as long as the second
//! (`churn-128b` 1.09 s against 0.82 s). `machine.json` records no CPU speed, so a dataset's
//! *pure-allocation* specs measure it: single-threaded churn of small short-lived objects,
//! unthrottled, with the runtime's default GC settings. Their run is almost all allocation, so
//! the real run's length over the model's, at the reference speed, is the host's speed.
//!
//! The factor scales every CPU cost: the loop's, faulting in fresh pages, and the GC's. The GC's
//! pause costs sit close to the second host's (`churn-128b` pauses 1.09 times the model's there,
//! 1.51 times on the first host). Over the first host's 34 workloads, scaling them too turns a
//! median pause 22% under the real one into one 1% over (21 workloads closer, 13 further), and
//! `mixed-batch`'s peak-RSS error, then the largest, from 23% to 8% (its background GCs then last
//! as long as the host's).

use super::machine::LabMachine;
use super::predict::{KnobOverrides, predict};
use super::spec::{LAB_KEYS, LabSpec};
use crate::sim::gc::LOH_THRESHOLD;

/// Keys a pure-allocation spec may set to other than their defaults: what it allocates and how
/// it is run and sampled.
const FREE_KEYS: [&str; 11] = [
    "name",
    "description",
    "total_alloc_mb",
    "seed",
    "sample_ms",
    "tail_ms",
    "size.dist",
    "size.bytes",
    "size.median",
    "size.sigma",
    "size.min",
];

/// Whether `spec` only allocates small short-lived objects, unthrottled, on one thread, with
/// the runtime's default GC settings (no survivors, state, pool, native memory, large objects,
/// limits or GC knobs).
pub fn is_pure_allocation(spec: &LabSpec) -> bool {
    let total = spec.num("total_alloc_mb").unwrap_or(0.0);
    let loh = LOH_THRESHOLD as f64;
    let small = spec.num("size.bytes").unwrap_or(f64::MAX) < loh
        && spec.num("size.max").unwrap_or(f64::MAX) < loh;
    let defaults = LAB_KEYS
        .iter()
        .filter(|(k, _)| !FREE_KEYS.contains(k) && *k != "size.max")
        .all(|(k, d)| same_value(spec.get(k), d));
    total > 0.0 && small && defaults && spec.env_is_empty()
}

fn same_value(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A host speed measured from a dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct HostSpeed {
    /// The host's time for the same CPU work over the reference host's (see
    /// [`LabMachine::host_speed`]).
    pub factor: f64,
    /// The pure-allocation specs it was measured on, with each one's real run length over the
    /// predicted one at the reference speed.
    pub ratios: Vec<(String, f64)>,
}

/// Measures the host speed from `runs`: each spec with the median length of its successful real
/// runs, seconds (the lab summary's `wall_s`; NaN when it has none). The factor is the median
/// ratio of real to predicted run length over the pure-allocation specs; `None` when no spec is
/// pure allocation. Fails, naming them, when pure-allocation specs exist but none has a usable
/// run length, and when a spec cannot be predicted.
pub fn measure(
    runs: &[(&LabSpec, f64)],
    machine: &LabMachine,
) -> Result<Option<HostSpeed>, String> {
    let reference = LabMachine {
        host_speed: 1.0,
        ..machine.clone()
    };
    let mut ratios = Vec::new();
    let mut unusable = Vec::new();
    for (spec, real_s) in runs {
        if !is_pure_allocation(spec) {
            continue;
        }
        let predicted = predict(spec, &reference, &KnobOverrides::new())
            .map_err(|e| format!("{}: {e}", spec.name))?;
        let ratio = real_s / predicted.run_s;
        if real_s.is_finite() && *real_s > 0.0 && ratio.is_finite() && ratio > 0.0 {
            ratios.push((spec.name.clone(), ratio));
        } else {
            unusable.push(spec.name.as_str());
        }
    }
    if ratios.is_empty() {
        return if unusable.is_empty() {
            Ok(None)
        } else {
            Err(format!(
                "no successful run with a positive wall_s for the pure-allocation specs {}, \
                 which measure the host's speed",
                unusable.join(", ")
            ))
        };
    }
    let factor = super::compare::median(&mut ratios.iter().map(|(_, r)| *r).collect::<Vec<_>>());
    Ok(Some(HostSpeed { factor, ratios }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> LabSpec {
        LabSpec::parse(text, "s").unwrap()
    }

    #[test]
    fn pure_allocation_is_small_unthrottled_churn_with_default_gc() {
        assert!(is_pure_allocation(&spec(
            "total_alloc_mb = 6144\nsize.bytes = 128\n"
        )));
        assert!(is_pure_allocation(&spec(
            "total_alloc_mb = 4096\nsize.dist = lognormal\nsize.median = 100\nsize.sigma = 1.0\n"
        )));
        for other in [
            "survive.fraction = 0.1\nsurvive.lifetime_ms = 100\n",
            "alloc_rate_mb_s = 500\n",
            "threads = 2\n",
            "gc.gen0size_mb = 4\n",
            "size.bytes = 85000\n",
            "env.DOTNET_gcServer = 1\n",
            "state.initial_mb = 10\n",
        ] {
            let s = spec(&format!("total_alloc_mb = 1024\nsize.bytes = 128\n{other}"));
            assert!(!is_pure_allocation(&s), "{other}");
        }
        assert!(!is_pure_allocation(&spec(
            "duration_s = 3\nsize.bytes = 128\n"
        )));
    }

    #[test]
    fn a_host_half_as_fast_measures_twice_the_reference() {
        let churn = spec("total_alloc_mb = 2048\nsize.bytes = 512\n");
        let machine = LabMachine {
            host_speed: 1.0,
            ..LabMachine::first_host()
        };
        let at_reference = predict(&churn, &machine, &KnobOverrides::new()).unwrap();
        // Three pure churn specs, 1.5, 2 and 3 times as long as the model's: the median counts,
        // and the throttled spec beside them is not measured.
        let others = [
            spec("total_alloc_mb = 1024\nsize.bytes = 128\n"),
            spec("total_alloc_mb = 1024\nsize.bytes = 4096\n"),
        ];
        let throttled = spec("duration_s = 1\nalloc_rate_mb_s = 100\nsize.bytes = 512\n");
        let run = |s: &LabSpec| predict(s, &machine, &KnobOverrides::new()).unwrap().run_s;
        let measured = measure(
            &[
                (&others[0], 1.5 * run(&others[0])),
                (&churn, 2.0 * at_reference.run_s),
                (&others[1], 3.0 * run(&others[1])),
                (&throttled, 100.0),
            ],
            &machine,
        )
        .unwrap()
        .unwrap();
        assert_eq!(measured.ratios.len(), 3, "{measured:?}");
        assert!((measured.factor - 2.0).abs() < 1e-9, "{measured:?}");
        // Run at the measured speed, the model takes about as long as the slow host did: the
        // allocation loop is almost all of the run.
        let slow = LabMachine {
            host_speed: measured.factor,
            ..machine
        };
        let predicted = predict(&churn, &slow, &KnobOverrides::new()).unwrap();
        let ratio = predicted.run_s / (2.0 * at_reference.run_s);
        assert!((0.95..1.05).contains(&ratio), "{ratio}");
        assert_eq!(measure(&[(&throttled, 1.0)], &machine).unwrap(), None);
        // A pure spec without a usable real run length is an error that names it.
        for bad in [f64::NAN, f64::INFINITY, 0.0, -1.0] {
            let err = measure(&[(&churn, bad)], &machine).unwrap_err();
            assert!(err.contains(&churn.name), "{err}");
        }
    }
}
