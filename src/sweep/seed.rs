//! Seeds and slices of a sweep: every run's seed comes from the sweep seed, the point index and the
//! replication index alone, and a shard is a fixed, interleaved subset of the run indices, so any
//! run can be re-run alone and any slice on any machine.

use std::fmt;
use std::str::FromStr;

use crate::sim::rng::derive_seed;

/// The seed of replication `replication` (0-based) of point `point` (0-based) in a sweep seeded
/// with `sweep_seed`.
pub fn run_seed(sweep_seed: u64, point: u64, replication: u64) -> u64 {
    derive_seed(sweep_seed, &[point, replication])
}

/// The `index`-th (0-based) of `count` deterministic slices of a sweep's runs: the runs whose
/// index `point × replications + replication` is `index` modulo `count`. Interleaving spreads
/// expensive points over every shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, 0-based (as Kubernetes' `JOB_COMPLETION_INDEX`).
    pub index: u64,
    /// How many slices.
    pub count: u64,
}

impl Shard {
    /// The whole sweep as one slice.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Runs of this slice among `total` runs.
    pub fn len(&self, total: u64) -> u64 {
        if self.index >= total {
            0
        } else {
            (total - self.index).div_ceil(self.count)
        }
    }

    /// Whether this slice has no run among `total`.
    pub fn is_empty(&self, total: u64) -> bool {
        self.len(total) == 0
    }

    /// The sweep-wide index of this slice's `i`-th run (0-based).
    pub fn run_at(&self, i: u64) -> u64 {
        self.index + i * self.count
    }

    /// Whether this is the whole sweep.
    pub fn is_whole(&self) -> bool {
        self.count == 1
    }

    /// The folder name of this slice's results: `shard-K-of-N`.
    pub fn folder(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Reads `K/N` with 0 ≤ K < N.
    fn from_str(s: &str) -> Result<Shard, String> {
        let usage = || format!("expected K/N with 0 ≤ K < N (K counts from 0), found {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(usage)?;
        let index: u64 = k.trim().parse().map_err(|_| usage())?;
        let count: u64 = n.trim().parse().map_err(|_| usage())?;
        if count == 0 || index >= count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_run_once() {
        let total = 23;
        let mut seen = vec![0; total as usize];
        for index in 0..3 {
            let s = Shard { index, count: 3 };
            for i in 0..s.len(total) {
                seen[s.run_at(i) as usize] += 1;
            }
        }
        assert!(seen.iter().all(|c| *c == 1), "{seen:?}");
        assert_eq!(Shard { index: 5, count: 8 }.len(3), 0);
        assert_eq!(Shard::WHOLE.len(7), 7);
    }

    #[test]
    fn shards_parse_as_k_of_n() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        assert!("3/3".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("1".parse::<Shard>().is_err());
        assert_eq!(Shard { index: 1, count: 4 }.folder(), "shard-1-of-4");
    }

    #[test]
    fn run_seeds_depend_on_point_and_replication() {
        assert_eq!(run_seed(1, 2, 3), derive_seed(1, &[2, 3]));
        assert_ne!(run_seed(1, 2, 3), run_seed(1, 3, 2));
    }
}
