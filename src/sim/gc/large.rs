//! Large objects are few: a LOH of tens of MiB holds tens of objects, so which of them are alive
//! when a gen2 marks them is a matter of chance, and that chance drives the LOH budget (the
//! budget grows with the survival rate, so a lucky gen2 gets a large budget and the next one a
//! small one). The live large objects of each lifetime class are therefore tracked as a
//! birth–death process in whole objects: between two gen2s each live object survives with the
//! class's survival probability (binomial) and new survivors arrive as a Poisson count whose mean
//! is the flow model's expectation. Small objects are numerous enough for the expectation alone.

use rand_distr::{Binomial, Distribution, Poisson};

use super::heap::{Death, Flows, Heap, LOH};
use crate::sim::rng::ComponentRng;

/// The whole-object state of one lifetime class's large objects.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct ClassObjects {
    /// Live objects at the last gen2.
    count: u64,
    /// Live bytes (expectation) right after the last gen2.
    bytes_at_mark: f64,
    /// Probability that an object alive at the last gen2 is still alive now.
    survival: f64,
}

/// Large-object survivor counts of every lifetime class.
#[derive(Clone, Debug)]
pub struct LargeObjects {
    classes: Vec<ClassObjects>,
    rng: ComponentRng,
    /// Threads that allocate: each holds the large object it allocated last when a GC runs.
    pub threads: u32,
}

impl LargeObjects {
    /// No live large objects yet; draws come from `rng`.
    pub fn new(classes: usize, rng: ComponentRng) -> LargeObjects {
        LargeObjects {
            classes: vec![
                ClassObjects {
                    survival: 1.0,
                    ..Default::default()
                };
                classes
            ],
            rng,
            threads: 1,
        }
    }

    /// Ages the survival probabilities by `dt` seconds at the hazards of `flows`.
    pub fn advance(&mut self, heap: &Heap, flows: &Flows, dt: f64) {
        for (i, c) in self.classes.iter_mut().enumerate() {
            if heap.classes[i].death == Death::Hazard && flows.hazard[i] > 0.0 {
                c.survival *= (-flows.hazard[i] * dt).exp();
            }
        }
    }

    /// At a gen2's mark: replaces the expected live LOH bytes of every class that dies by hazard
    /// with a draw of whole objects. Objects that die young are garbage, except the one each
    /// allocating thread still holds (`flows` tells whether large objects are being allocated).
    /// Returns, per class that dies by hazard, the objects kept from the last gen2 and the new
    /// ones (zero for the other classes).
    pub fn mark(&mut self, heap: &mut Heap, flows: &Flows) -> Vec<(u64, u64)> {
        let mut counts = vec![(0, 0); self.classes.len()];
        for (i, count) in counts.iter_mut().enumerate() {
            let class = &heap.classes[i];
            if class.death == Death::Transient {
                let size = class.large_object_bytes.max(85_000.0);
                let held = if flows.loh[i] > 0.0 {
                    self.threads as f64 * size
                } else {
                    0.0
                };
                heap.gens[LOH].live[i] = held.min(heap.gens[LOH].obj.max(0.0));
                continue;
            }
            if class.death != Death::Hazard {
                continue;
            }
            let size = class.large_object_bytes.max(85_000.0);
            let expected = heap.gens[LOH].live[i];
            let c = &mut self.classes[i];
            let p = c.survival.clamp(0.0, 1.0);
            let kept = if c.count == 0 || p >= 1.0 {
                c.count
            } else if p <= 0.0 {
                0
            } else {
                Binomial::new(c.count, p)
                    .map(|d| d.sample(&mut self.rng))
                    .unwrap_or(0)
            };
            let new_mean = ((expected - c.bytes_at_mark * p) / size).max(0.0);
            let new = if new_mean > 0.0 {
                Poisson::new(new_mean)
                    .map(|d| d.sample(&mut self.rng) as u64)
                    .unwrap_or(0)
            } else {
                0
            };
            c.count = kept + new;
            *count = (kept, new);
            let live = c.count as f64 * size;
            heap.gens[LOH].live[i] = live.min(heap.gens[LOH].obj.max(0.0));
            c.bytes_at_mark = heap.gens[LOH].live[i];
            c.survival = 1.0;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::gc::heap::{ClassSpec, Placement};
    use crate::sim::rng::stream;

    #[test]
    fn draws_whole_objects_around_the_expectation() {
        let mut heap = Heap::new(vec![ClassSpec {
            large_object_bytes: 1_048_576.0,
            ..ClassSpec::new("mid", Death::Hazard, Placement::Scattered)
        }]);
        let mut lo = LargeObjects::new(1, stream(3, "large"));
        let mut total = 0.0;
        let n = 2000;
        for _ in 0..n {
            heap.gens[LOH].obj = 100.0 * 1_048_576.0;
            heap.gens[LOH].live[0] = 20.0 * 1_048_576.0;
            lo.classes[0] = ClassObjects {
                survival: 1.0,
                ..Default::default()
            };
            lo.mark(&mut heap, &Flows::zero(1));
            let live = heap.gens[LOH].live[0];
            assert_eq!(live % 1_048_576.0, 0.0, "whole objects");
            total += live;
        }
        let mean = total / n as f64 / 1_048_576.0;
        assert!((mean - 20.0).abs() < 0.5, "{mean}");
    }

    #[test]
    fn survivors_decay_with_the_hazard() {
        let mut heap = Heap::new(vec![ClassSpec {
            large_object_bytes: 1_048_576.0,
            ..ClassSpec::new("mid", Death::Hazard, Placement::Scattered)
        }]);
        let mut lo = LargeObjects::new(1, stream(9, "large"));
        lo.classes[0] = ClassObjects {
            count: 1000,
            bytes_at_mark: 1000.0 * 1_048_576.0,
            survival: 1.0,
        };
        let mut flows = Flows::zero(1);
        flows.hazard[0] = 1.0;
        lo.advance(&heap, &flows, std::f64::consts::LN_2);
        heap.gens[LOH].obj = 2000.0 * 1_048_576.0;
        heap.gens[LOH].live[0] = 500.0 * 1_048_576.0;
        lo.mark(&mut heap, &flows);
        let left = lo.classes[0].count as f64;
        assert!((left - 500.0).abs() < 60.0, "{left}");
    }
}
