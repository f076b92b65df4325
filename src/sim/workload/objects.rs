//! Objects a workload allocates: their size distribution (which decides the share of bytes that go
//! to the Large Object Heap) and their lifetimes (a mixture of die-young, exponential mid-life and
//! long-lived objects).

/// Distribution of object sizes, in bytes (whole heap objects, header included).
#[derive(Clone, Debug, PartialEq)]
pub enum SizeDistribution {
    /// Every object has the same size.
    Fixed {
        /// Object size, bytes.
        bytes: f64,
    },
    /// Lognormal by object count, with draws clamped to `[min, max]`.
    LogNormal {
        /// Median object size, bytes.
        median: f64,
        /// Standard deviation of ln(size).
        sigma: f64,
        /// Smallest size, bytes.
        min: f64,
        /// Largest size, bytes.
        max: f64,
    },
    /// Small objects from one lognormal plus a share of the *bytes* in large objects from another.
    Mixture {
        /// The small objects.
        small: Box<SizeDistribution>,
        /// The large objects.
        large: Box<SizeDistribution>,
        /// Fraction of allocated bytes that are large objects (0..1).
        large_byte_fraction: f64,
    },
}

/// Byte-weighted facts about a size distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SizeFacts {
    /// Mean object size, bytes.
    pub mean_object_bytes: f64,
    /// Fraction of bytes in objects at or above the LOH threshold.
    pub loh_byte_fraction: f64,
    /// Mean size of the large objects, bytes (0 when there are none).
    pub mean_large_object_bytes: f64,
    /// Mean size of the small objects, bytes (0 when there are none).
    pub mean_small_object_bytes: f64,
}

fn std_normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

impl SizeDistribution {
    /// Byte-weighted facts with the LOH threshold `threshold` (bytes).
    pub fn facts(&self, threshold: f64) -> SizeFacts {
        match self {
            SizeDistribution::Fixed { bytes } => {
                let large = *bytes >= threshold;
                SizeFacts {
                    mean_object_bytes: *bytes,
                    loh_byte_fraction: if large { 1.0 } else { 0.0 },
                    mean_large_object_bytes: if large { *bytes } else { 0.0 },
                    mean_small_object_bytes: if large { 0.0 } else { *bytes },
                }
            }
            SizeDistribution::LogNormal {
                median,
                sigma,
                min,
                max,
            } => lognormal_facts(*median, *sigma, *min, *max, threshold),
            SizeDistribution::Mixture {
                small,
                large,
                large_byte_fraction,
            } => {
                let s = small.facts(threshold);
                let l = large.facts(threshold);
                let fl = large_byte_fraction.clamp(0.0, 1.0);
                let fs = 1.0 - fl;
                // Objects per byte of each component, then combine.
                let n_small = if s.mean_object_bytes > 0.0 {
                    fs / s.mean_object_bytes
                } else {
                    0.0
                };
                let n_large = if l.mean_object_bytes > 0.0 {
                    fl / l.mean_object_bytes
                } else {
                    0.0
                };
                let n = n_small + n_large;
                let loh = fs * s.loh_byte_fraction + fl * l.loh_byte_fraction;
                let loh_objects = n_small
                    * s.loh_byte_fraction
                    * if s.mean_large_object_bytes > 0.0 {
                        s.mean_object_bytes / s.mean_large_object_bytes
                    } else {
                        0.0
                    }
                    + n_large
                        * l.loh_byte_fraction
                        * if l.mean_large_object_bytes > 0.0 {
                            l.mean_object_bytes / l.mean_large_object_bytes
                        } else {
                            0.0
                        };
                let soh_objects = n - loh_objects;
                SizeFacts {
                    mean_object_bytes: if n > 0.0 { 1.0 / n } else { 0.0 },
                    loh_byte_fraction: loh,
                    mean_large_object_bytes: if loh_objects > 0.0 {
                        loh / loh_objects
                    } else {
                        0.0
                    },
                    mean_small_object_bytes: if soh_objects > 0.0 {
                        (1.0 - loh) / soh_objects
                    } else {
                        0.0
                    },
                }
            }
        }
    }
}

/// Facts of a clamped lognormal, by numerical integration over ln(size) (deterministic).
fn lognormal_facts(median: f64, sigma: f64, min: f64, max: f64, threshold: f64) -> SizeFacts {
    let mu = median.max(1.0).ln();
    let (min, max) = (min.max(1.0), max.max(min.max(1.0)));
    // Narrower than the integration grid: every object has the median size.
    if sigma < 1e-3 {
        return SizeDistribution::Fixed {
            bytes: median.clamp(min, max),
        }
        .facts(threshold);
    }
    // Probability mass at the clamps, then the interior.
    let p_low = std_normal_cdf((min.ln() - mu) / sigma);
    let p_high = 1.0 - std_normal_cdf((max.ln() - mu) / sigma);
    let mut objects = p_low + p_high;
    let mut bytes = p_low * min + p_high * max;
    let mut large_bytes = if min >= threshold { p_low * min } else { 0.0 }
        + if max >= threshold { p_high * max } else { 0.0 };
    let mut large_objects =
        if min >= threshold { p_low } else { 0.0 } + if max >= threshold { p_high } else { 0.0 };
    let steps = 4000;
    let (a, b) = (min.ln(), max.ln());
    if b > a {
        let h = (b - a) / steps as f64;
        for i in 0..steps {
            let x = a + (i as f64 + 0.5) * h;
            let z = (x - mu) / sigma;
            let pdf = (-0.5 * z * z).exp() / (sigma * (2.0 * std::f64::consts::PI).sqrt());
            let size = x.exp();
            let p = pdf * h;
            objects += p;
            bytes += p * size;
            if size >= threshold {
                large_bytes += p * size;
                large_objects += p;
            }
        }
    }
    let small_objects = objects - large_objects;
    SizeFacts {
        mean_object_bytes: bytes / objects,
        loh_byte_fraction: if bytes > 0.0 {
            large_bytes / bytes
        } else {
            0.0
        },
        mean_large_object_bytes: if large_objects > 0.0 {
            large_bytes / large_objects
        } else {
            0.0
        },
        mean_small_object_bytes: if small_objects > 0.0 {
            (bytes - large_bytes) / small_objects
        } else {
            0.0
        },
    }
}

/// How a share of the allocated bytes dies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lifetime {
    /// Dies young: garbage before the next GC sees it.
    DieYoung,
    /// Exponentially distributed lifetime with this mean in seconds of (simulated) time.
    MeanSeconds(f64),
    /// Exponentially distributed lifetime with this mean in bytes of further allocation by the
    /// process (an allocation clock).
    MeanAllocatedBytes(f64),
    /// Lives as long as the process.
    LongLived,
}

/// A share of allocated bytes with a lifetime.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifetimeShare {
    /// Fraction of allocated bytes (the shares of a mixture sum to at most 1; the rest dies young).
    pub fraction: f64,
    /// How they die.
    pub lifetime: Lifetime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_sizes_go_entirely_to_one_heap() {
        let d = SizeDistribution::Fixed { bytes: 1_048_576.0 };
        assert_eq!(d.facts(85_000.0).loh_byte_fraction, 1.0);
        let d = SizeDistribution::Fixed { bytes: 84_999.0 };
        assert_eq!(d.facts(85_000.0).loh_byte_fraction, 0.0);
    }

    #[test]
    fn a_lognormal_without_spread_is_its_median() {
        let d = SizeDistribution::LogNormal {
            median: 1_048_576.0,
            sigma: 0.0,
            min: 85_000.0,
            max: 64.0 * 1_048_576.0,
        };
        let f = d.facts(85_000.0);
        assert_eq!(f.loh_byte_fraction, 1.0);
        assert_eq!(f.mean_large_object_bytes, 1_048_576.0);
    }

    #[test]
    fn lognormal_mean_matches_the_closed_form_without_clamps() {
        // E[X] = median·exp(σ²/2) for an unclamped lognormal.
        let d = SizeDistribution::LogNormal {
            median: 200.0,
            sigma: 1.0,
            min: 1e-3,
            max: 1e12,
        };
        let f = d.facts(85_000.0);
        let want = 200.0 * (0.5f64).exp();
        assert!(
            (f.mean_object_bytes - want).abs() / want < 1e-3,
            "{}",
            f.mean_object_bytes
        );
        // Byte share above 85,000: 1 − Φ((ln 85000 − μ − σ²)/σ).
        let z = ((85_000.0f64).ln() - (200.0f64).ln() - 1.0) / 1.0;
        let want_loh = 1.0 - std_normal_cdf(z);
        assert!((f.loh_byte_fraction - want_loh).abs() < 1e-5);
    }

    #[test]
    fn mixture_large_share_is_the_configured_byte_fraction() {
        let d = SizeDistribution::Mixture {
            small: Box::new(SizeDistribution::LogNormal {
                median: 300.0,
                sigma: 1.0,
                min: 24.0,
                max: 84_992.0,
            }),
            large: Box::new(SizeDistribution::LogNormal {
                median: 262_144.0,
                sigma: 1.0,
                min: 85_000.0,
                max: 16_777_216.0,
            }),
            large_byte_fraction: 0.2,
        };
        let f = d.facts(85_000.0);
        assert!((f.loh_byte_fraction - 0.2).abs() < 1e-9);
        assert!(f.mean_large_object_bytes > 262_144.0);
        assert!(f.mean_small_object_bytes < 1000.0);
    }
}
