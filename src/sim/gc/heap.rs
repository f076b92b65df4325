//! The managed heap as flows and cohorts: for each generation, the bytes of objects it holds
//! (live or dead), its free space, and its live bytes split by *lifetime class*.
//!
//! A lifetime class groups objects that die the same way: transient objects (dead before any GC
//! can see them), objects with an exponentially distributed lifetime (memoryless, so every cohort
//! of the class in a generation can be merged into one number that decays at the class's hazard
//! rate), immortal objects, and objects whose death the workload decides (explicit). This keeps the
//! heap's state a few numbers per generation however many bytes are allocated.

pub use super::pause::Placement;

/// Index of gen0 in [`Heap::gens`].
pub const GEN0: usize = 0;
/// Index of gen1.
pub const GEN1: usize = 1;
/// Index of gen2.
pub const GEN2: usize = 2;
/// Index of the Large Object Heap.
pub const LOH: usize = 3;
/// Number of generations tracked (gen0, gen1, gen2, LOH).
pub const NGEN: usize = 4;

/// How objects of a lifetime class die.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Death {
    /// Dead before the next GC: never seen alive by a collection.
    Transient,
    /// Each byte dies at a hazard rate the workload sets (per second of simulated time); an
    /// exponential lifetime with mean 1/hazard. A zero hazard means immortal.
    Hazard,
    /// Dies only when the workload kills bytes of the class explicitly (oldest first).
    Explicit,
}

/// What holds a class's live objects, as the card table sees it: the card table records
/// pointers from older objects to younger ones, and a gen0 GC scans them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Holder {
    /// One long-lived container (a hash table's bucket array, a queue's backing array) that sits
    /// in gen2 or on the LOH: every live object of the class in gen1 is a pointer from gen2 that a
    /// gen0 GC finds through the cards and cannot use.
    OldContainer,
    /// Fixed-size chunks filled in order, each allocated when the previous one is full and aging
    /// with the objects it holds. Only the objects added to the chunks that were being filled at
    /// the last gen1 GC lie in gen1 under a gen2 chunk: on average half a chunk per chunk being
    /// filled. A chunk and the objects it holds in the same generation are no cross-generation
    /// pointer (a gen0 GC counts a pointer found through the cards only when its target is
    /// younger than its source; on .NET 8.0.4 the lab saw the same low-card-efficiency GCs under
    /// the precise region barrier and the non-precise one). `entries` is the number of objects of
    /// all chunks being filled together.
    Chunked {
        /// Objects per chunk, summed over the chunks filled at the same time.
        entries: f64,
    },
    /// A list whose backing array is reallocated as it doubles: the array is about as old as
    /// the objects it holds, so its references seldom cross generations (only between a gen1
    /// GC that promotes the array and its next doubling). Counted as none.
    GrowingList,
}

/// A lifetime class.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassSpec {
    /// Name used in diagnostics.
    pub name: String,
    /// How its objects die.
    pub death: Death,
    /// How its survivors lie in memory (scattered among garbage, or packed).
    pub placement: Placement,
    /// Its objects are pinned: a compacting GC cannot move them.
    pub pinned: bool,
    /// Mean size of its small objects, bytes.
    pub object_bytes: f64,
    /// Mean size of its large (LOH) objects, bytes.
    pub large_object_bytes: f64,
    /// Fraction of a large object's bytes the application writes when the object lands on fresh
    /// pages (1.0 = fully written; an array of which only the first element is set touches one page).
    pub large_touch_fraction: f64,
    /// What holds its live objects (for the card table).
    pub holder: Holder,
}

impl ClassSpec {
    /// A class with the given death and placement and typical object sizes (256 B small, 256 KiB
    /// large, large objects fully written).
    pub fn new(name: &str, death: Death, placement: Placement) -> ClassSpec {
        ClassSpec {
            name: name.to_string(),
            death,
            placement,
            pinned: false,
            object_bytes: 256.0,
            large_object_bytes: 262_144.0,
            large_touch_fraction: 1.0,
            holder: Holder::OldContainer,
        }
    }

    /// Whether its objects are pinned.
    pub fn pinned(&self) -> bool {
        self.pinned
    }
}

/// One generation (totals over all heaps).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Generation {
    /// Bytes of objects, live or dead.
    pub obj: f64,
    /// Free space inside the generation (free-list items and fragmentation), bytes.
    pub free: f64,
    /// Live bytes per lifetime class.
    pub live: Vec<f64>,
    /// Budget set by the last GC of this generation (`dd_desired_allocation`), bytes (total).
    pub desired: f64,
    /// Budget left (`dd_new_allocation`): allocation into gen0/LOH, or promotion into gen1/gen2,
    /// consumes it; a GC is due when it reaches zero.
    pub remaining: f64,
    /// GCs that condemned this generation.
    pub collections: u64,
    /// When it was last condemned, seconds.
    pub last_gc_s: f64,
    /// Size (objects + free) when its last GC began, bytes.
    pub begin_size: f64,
    /// Bytes that survived its last GC.
    pub survived: f64,
    /// Objects left in it right after its last GC (`current_size`: size minus fragmentation).
    pub current: f64,
}

impl Generation {
    fn new(classes: usize) -> Self {
        Generation {
            live: vec![0.0; classes],
            ..Default::default()
        }
    }

    /// Objects plus free space: what the runtime reports as the generation's size.
    pub fn size(&self) -> f64 {
        self.obj + self.free
    }

    /// Live bytes over all classes.
    pub fn live_total(&self) -> f64 {
        self.live.iter().sum()
    }

    /// Dead object bytes not yet reclaimed.
    pub fn dead(&self) -> f64 {
        (self.obj - self.live_total()).max(0.0)
    }
}

/// The heap: the generations and the lifetime classes their live bytes are split by.
#[derive(Clone, Debug, PartialEq)]
pub struct Heap {
    /// The lifetime classes.
    pub classes: Vec<ClassSpec>,
    /// gen0, gen1, gen2, LOH.
    pub gens: [Generation; NGEN],
}

/// Allocation flows over an interval: bytes per second per lifetime class, and the current death
/// hazards (per second) of the [`Death::Hazard`] classes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Flows {
    /// Small-object allocation rate per class, bytes/s.
    pub soh: Vec<f64>,
    /// Large-object allocation rate per class, bytes/s.
    pub loh: Vec<f64>,
    /// Death hazard per class, 1/s (ignored for other death kinds).
    pub hazard: Vec<f64>,
}

impl Flows {
    /// Zero flows for `classes` classes.
    pub fn zero(classes: usize) -> Flows {
        Flows {
            soh: vec![0.0; classes],
            loh: vec![0.0; classes],
            hazard: vec![0.0; classes],
        }
    }

    /// Total small-object allocation rate, bytes/s.
    pub fn soh_total(&self) -> f64 {
        self.soh.iter().sum()
    }

    /// Total large-object allocation rate, bytes/s.
    pub fn loh_total(&self) -> f64 {
        self.loh.iter().sum()
    }
}

/// Live bytes after `dt` seconds of a pool that starts at `live`, gains `rate` bytes/s and loses
/// bytes at `hazard` per second: the solution of `dL/dt = rate − hazard·L`.
pub fn decay_with_inflow(live: f64, rate: f64, hazard: f64, dt: f64) -> f64 {
    if hazard <= 0.0 {
        return live + rate * dt;
    }
    let k = (-hazard * dt).exp();
    live * k + rate / hazard * (1.0 - k)
}

impl Heap {
    /// An empty heap with the given lifetime classes.
    pub fn new(classes: Vec<ClassSpec>) -> Heap {
        let n = classes.len();
        Heap {
            classes,
            gens: [
                Generation::new(n),
                Generation::new(n),
                Generation::new(n),
                Generation::new(n),
            ],
        }
    }

    /// Advances the heap by `dt` seconds of allocation at `flows`: live bytes decay and gen0 and
    /// the LOH grow. Large objects fill the LOH's free space before growing it. Returns the LOH
    /// bytes that reused free space.
    pub fn advance(&mut self, flows: &Flows, dt: f64) -> f64 {
        if dt <= 0.0 {
            return 0.0;
        }
        for (c, class) in self.classes.iter().enumerate() {
            let h = match class.death {
                Death::Hazard => flows.hazard[c],
                _ => 0.0,
            };
            let transient = class.death == Death::Transient;
            for (g, gn) in self.gens.iter_mut().enumerate() {
                let inflow = if transient {
                    0.0
                } else if g == GEN0 {
                    flows.soh[c]
                } else if g == LOH {
                    flows.loh[c]
                } else {
                    0.0
                };
                if inflow > 0.0 || (h > 0.0 && gn.live[c] > 0.0) {
                    gn.live[c] = decay_with_inflow(gn.live[c], inflow, h, dt);
                }
            }
        }
        let soh = flows.soh_total() * dt;
        let loh = flows.loh_total() * dt;
        // Small objects fill gen0's free list (space between demoted pinned plugs) first.
        let g0 = &mut self.gens[GEN0];
        g0.obj += soh;
        g0.free -= soh.min(g0.free);
        let loh_gen = &mut self.gens[LOH];
        let reuse = loh.min(loh_gen.free);
        loh_gen.free -= reuse;
        loh_gen.obj += loh;
        self.gens[GEN0].remaining -= soh;
        self.gens[LOH].remaining -= loh;
        reuse
    }

    /// Adds `bytes` of class `class` directly to generation `gn` (e.g. state restored at start,
    /// or objects allocated while no time passes). Does not consume budgets.
    pub fn place(&mut self, gn: usize, class: usize, bytes: f64) {
        let g = &mut self.gens[gn];
        g.obj += bytes;
        if self.classes[class].death != Death::Transient {
            g.live[class] += bytes;
        }
    }

    /// Kills `bytes` of an explicit-death class, oldest generation first (the LOH is treated as
    /// old). Returns the bytes actually killed.
    pub fn kill_oldest_first(&mut self, class: usize, bytes: f64) -> f64 {
        let mut left = bytes;
        for g in [LOH, GEN2, GEN1, GEN0] {
            if left <= 0.0 {
                break;
            }
            let take = left.min(self.gens[g].live[class]);
            self.gens[g].live[class] -= take;
            left -= take;
        }
        bytes - left.max(0.0)
    }

    /// Kills `bytes` of a class in proportion to where its live bytes are.
    pub fn kill_proportional(&mut self, class: usize, bytes: f64) -> f64 {
        let total: f64 = self.gens.iter().map(|g| g.live[class]).sum();
        if total <= 0.0 {
            return 0.0;
        }
        let frac = (bytes / total).min(1.0);
        for g in self.gens.iter_mut() {
            g.live[class] *= 1.0 - frac;
        }
        total * frac
    }

    /// Live bytes of one class over all generations.
    pub fn class_live(&self, class: usize) -> f64 {
        self.gens.iter().map(|g| g.live[class]).sum()
    }

    /// Pinned live bytes in generation `gn`.
    pub fn pinned_live(&self, gn: usize) -> f64 {
        self.classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.pinned())
            .map(|(i, _)| self.gens[gn].live[i])
            .sum()
    }

    /// Total size (objects + free space) of all generations, bytes.
    pub fn total_size(&self) -> f64 {
        self.gens.iter().map(Generation::size).sum()
    }

    /// Total free space (fragmentation) of all generations, bytes.
    pub fn total_free(&self) -> f64 {
        self.gens.iter().map(|g| g.free).sum()
    }

    /// Total live bytes.
    pub fn total_live(&self) -> f64 {
        self.gens.iter().map(Generation::live_total).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> Vec<ClassSpec> {
        vec![
            ClassSpec::new("young", Death::Transient, Placement::Scattered),
            ClassSpec::new("mid", Death::Hazard, Placement::Scattered),
            ClassSpec::new("state", Death::Explicit, Placement::Packed),
        ]
    }

    #[test]
    fn exponential_class_reaches_rate_times_mean_lifetime() {
        // At 100 MB/s with a 0.5 s mean lifetime, the steady live set is 50 MB.
        let l = decay_with_inflow(0.0, 100e6, 2.0, 60.0);
        assert!((l - 50e6).abs() < 1.0);
        // Without inflow it decays by e^-1 per mean lifetime.
        let d = decay_with_inflow(1e6, 0.0, 2.0, 0.5);
        assert!((d - 1e6 * (-1.0f64).exp()).abs() < 1e-6);
    }

    #[test]
    fn transient_bytes_are_allocated_but_never_live() {
        let mut h = Heap::new(classes());
        let mut f = Flows::zero(3);
        f.soh[0] = 1e9;
        f.soh[1] = 1e6;
        f.hazard[1] = 10.0;
        h.gens[GEN0].remaining = 5e9;
        h.advance(&f, 1.0);
        assert!((h.gens[GEN0].obj - 1.001e9).abs() < 1.0);
        assert!(h.gens[GEN0].live[0] == 0.0);
        assert!((h.gens[GEN0].live[1] - 1e5 * (1.0 - (-10.0f64).exp())).abs() < 1.0);
        assert!((h.gens[GEN0].remaining - (5e9 - 1.001e9)).abs() < 1.0);
    }

    #[test]
    fn large_objects_reuse_loh_free_space_first() {
        let mut h = Heap::new(classes());
        h.gens[LOH].free = 3e6;
        let mut f = Flows::zero(3);
        f.loh[0] = 2e6;
        h.advance(&f, 1.0);
        assert_eq!(h.gens[LOH].free, 1e6);
        assert_eq!(h.gens[LOH].size(), 3e6);
    }

    #[test]
    fn explicit_deaths_take_the_oldest_bytes_first() {
        let mut h = Heap::new(classes());
        h.place(GEN0, 2, 10.0);
        h.place(GEN2, 2, 30.0);
        assert_eq!(h.kill_oldest_first(2, 35.0), 35.0);
        assert_eq!(h.gens[GEN2].live[2], 0.0);
        assert_eq!(h.gens[GEN0].live[2], 5.0);
        // Objects stay until a GC reclaims them: only the live count fell.
        assert_eq!(h.gens[GEN2].obj, 30.0);
    }
}
