//! Generation budgets after a GC (the runtime's `desired_new_allocation`): how much may be
//! allocated into (gen0, LOH) or promoted into (gen1, gen2) a generation before it is collected
//! again, from the survival rate of its last collection. All sizes are bytes per heap.

use super::settings::HeapLayout;
use super::tuning::{GcTuning, Growth};

/// What a generation looked like at the end of its collection, per heap.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SurvivalFacts {
    /// Generation size when the GC began, minus free space (`begin_data_size`).
    pub begin: f64,
    /// Bytes that survived in (or were promoted out of) the generation.
    pub survived: f64,
    /// Generation size after the GC minus its fragmentation (`cur`), used for gen2 and the LOH.
    pub current: f64,
    /// Free space (fragmentation) left in the generation after the GC.
    pub fragmentation: f64,
    /// The previous budget (`dd_desired_allocation`).
    pub previous: f64,
    /// Fraction of the previous budget that was used before this GC (0..1).
    pub used_fraction: f64,
    /// Seconds since the previous GC of this generation.
    pub since_last_s: f64,
}

/// Blends a new budget with the previous one when the previous budget was only partly used
/// (`linear_allocation_model`). .NET 6+ also lets the previous budget fade over 5 minutes.
pub fn linear_allocation_model(tuning: &GcTuning, new: f64, f: &SurvivalFacts) -> f64 {
    let a = f.used_fraction;
    if f.previous <= 0.0 || a <= 0.0 || a >= 0.95 {
        return new;
    }
    match tuning.layout {
        HeapLayout::Segments => a * new + (1.0 - a) * f.previous,
        HeapLayout::Regions => {
            let p = (1.0 - a) * ((300.0 - f.since_last_s) / 300.0).max(0.0);
            (1.0 - p) * new + p * f.previous
        }
    }
}

fn ephemeral(growth: Growth, min: f64, max: f64, f: &SurvivalFacts) -> f64 {
    if f.begin <= 0.0 {
        return min;
    }
    let s = f.survived / f.begin;
    (growth.factor(s) * f.survived).clamp(min, max.max(min))
}

/// gen0 budget per heap after a GC.
pub fn gen0_budget(tuning: &GcTuning, f: &SurvivalFacts) -> f64 {
    let b = ephemeral(tuning.growth[0], tuning.gen0_min, tuning.gen0_max, f);
    linear_allocation_model(tuning, b, f).clamp(tuning.gen0_min, tuning.gen0_max)
}

/// gen1 budget per heap after a GC that condemned gen1.
pub fn gen1_budget(tuning: &GcTuning, f: &SurvivalFacts) -> f64 {
    let b = ephemeral(tuning.growth[1], tuning.gen1_min, tuning.gen1_max, f);
    linear_allocation_model(tuning, b, f).max(tuning.gen1_min)
}

/// gen2 budget per heap after a GC that condemned gen2: the room to grow from the current size by
/// the survival-rate growth factor (20–80% of live gen2), trimmed when gen2 is fragmented.
pub fn gen2_budget(tuning: &GcTuning, f: &SurvivalFacts) -> f64 {
    let min = tuning.gen2_min;
    if f.begin <= 0.0 {
        return min;
    }
    let s = (f.survived / f.begin).min(1.0);
    let mut factor = tuning.growth[2].factor(s);
    if tuning.conserve > 0 {
        factor = factor.min(1.0 + 0.5 * (10.0 / tuning.conserve as f64 - 1.0));
    }
    let cur = f.current;
    let new_size = (factor * cur).max(min);
    let mut budget = (new_size - cur).max(min);
    if tuning.conserve == 0 && f.fragmentation > (factor - 1.0) * cur {
        budget = (budget * cur / (cur + 2.0 * f.fragmentation)).max(min);
    }
    linear_allocation_model(tuning, budget, f).max(min)
}

/// LOH budget per heap after a gen2 GC. `gen2_budget` is the gen2 budget just computed;
/// `available` is the physical memory the GC believes is still free (limit minus usage).
pub fn loh_budget(tuning: &GcTuning, f: &SurvivalFacts, gen2_budget: f64, available: f64) -> f64 {
    let min = tuning.loh_min;
    let cur = f.current;
    let s = if f.begin > 0.0 {
        (f.survived / f.begin).min(1.0)
    } else {
        0.0
    };
    let new_size = (tuning.growth[3].factor(s) * cur).max(min);
    let free_list = f.fragmentation;
    let budget = ((new_size - cur).max(gen2_budget))
        .min((available - 1_048_576.0 + free_list).max(0.0))
        .max((cur / 4.0).max(min));
    linear_allocation_model(tuning, budget, f).max(min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::gc::settings::{GcSettings, MachineSpec};
    use crate::units::MIB;

    fn wks() -> GcTuning {
        let m = MachineSpec {
            cores: 2,
            largest_cache_bytes: Some(320 * MIB),
            ..Default::default()
        };
        GcTuning::derive(&GcSettings::default(), &m)
    }

    #[test]
    fn gen1_budget_grows_with_survival_up_to_its_max() {
        let t = wks();
        // 95% of 4 MiB survived: f = M = 7, 7·3.8 MiB = 26.6 MiB, capped at 6 MiB (WKS concurrent).
        let f = SurvivalFacts {
            begin: 4.0 * MIB as f64,
            survived: 3.8 * MIB as f64,
            ..Default::default()
        };
        assert_eq!(gen1_budget(&t, &f), 6.0 * MIB as f64);
        // Nothing survived: the 256 KiB minimum.
        let f0 = SurvivalFacts {
            begin: 4.0 * MIB as f64,
            survived: 0.0,
            ..Default::default()
        };
        assert_eq!(gen1_budget(&t, &f0), 256.0 * 1024.0);
    }

    #[test]
    fn gen2_budget_is_a_share_of_live_gen2() {
        let t = wks();
        // 90% survival: f = 1.8, so the budget is 80% of the current size.
        let f = SurvivalFacts {
            begin: 100.0 * MIB as f64,
            survived: 90.0 * MIB as f64,
            current: 90.0 * MIB as f64,
            ..Default::default()
        };
        assert!((gen2_budget(&t, &f) - 72.0 * MIB as f64).abs() < 1.0);
    }

    #[test]
    fn loh_budget_stays_at_3_mib_when_nothing_survives() {
        // The lab's LOH churn: one gen2 per 3.00 MiB of LOH allocation.
        let t = wks();
        let f = SurvivalFacts {
            begin: 3.0 * MIB as f64,
            survived: 0.0,
            current: 0.0,
            ..Default::default()
        };
        assert_eq!(loh_budget(&t, &f, 256.0 * 1024.0, 20e9), 3.0 * MIB as f64);
    }

    #[test]
    fn partly_used_budget_is_blended_with_the_previous_one() {
        let t = wks();
        let f = SurvivalFacts {
            previous: 10.0,
            used_fraction: 0.5,
            ..Default::default()
        };
        assert_eq!(linear_allocation_model(&t, 20.0, &f), 15.0);
        let full = SurvivalFacts {
            previous: 10.0,
            used_fraction: 1.0,
            ..Default::default()
        };
        assert_eq!(linear_allocation_model(&t, 20.0, &full), 20.0);
    }
}
