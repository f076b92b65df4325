//! Gen2's free list: how much of gen2's free space a GC can fill with the survivors it promotes.
//!
//! A sweep turns each run of dead objects into one free-list item. Promotion
//! (`allocate_in_older_generation`) fits a *plug*, a run of survivors side by side, into an item
//! only from the bucket of twice the plug's size upwards; the buckets are powers of two, so the
//! smallest item it takes lies between the plug's size and twice it. Smaller items stay where they
//! are until gen2 is compacted, and gen2 grows at its end meanwhile.
//!
//! Gen2 is followed as *areas*, the space each promotion filled, in the order they were filled.
//! Objects die independently of where they lie, so in an area whose live share is q the dead runs
//! are geometric, and the share of its free bytes in runs of at least k objects is
//! (1−q)^(k−1)·(1+(k−1)q). An area freshly filled with survivors holds almost no usable space; an
//! old one, most of whose objects died, is almost all usable. Runs are counted in objects of one
//! size, and deaths are spread over the areas in proportion to their live bytes (right for
//! objects that die at random, approximate for state that expires oldest first).

/// The largest number of areas followed; beyond it the two neighbours whose merging changes the
/// usable free space least are merged.
const MAX_AREAS: usize = 16;

/// Live share of the generation plugs come from, used to judge what a merge changes (plugs of
/// about ten objects, as a gen1 GC promotes).
const MERGE_REFERENCE_PLUG_LIVE_SHARE: f64 = 0.9;

/// Part of gen2 filled by one promotion.
#[derive(Clone, Debug, PartialEq)]
struct Area {
    /// Bytes of gen2 it spans: objects, live or dead, and free space.
    extent: f64,
    /// Its live bytes per lifetime class.
    live: Vec<f64>,
    /// Its free bytes when last swept (or, for a new area, brought along by the promotion).
    free: f64,
    /// Its live share at the last sweep (what decides how long its dead runs are).
    live_share: f64,
    /// Free bytes filled by promotion since the last sweep.
    taken: f64,
}

impl Area {
    /// Free bytes the plugs promoted from a generation whose live share is `p` can still use.
    fn usable(&self, p: f64) -> f64 {
        (self.free * usable_share_for_plugs(self.live_share, p) - self.taken).max(0.0)
    }
}

/// Share of an area's free bytes the plugs promoted from a generation whose live share is `p`
/// can use, in an area whose live share is `q`. Plugs are runs of survivors, L objects long with
/// probability (1−p)·p^(L−1); a plug of L objects needs a dead run of 1.5·L objects. Over
/// the plugs' bytes, Σ_L L(1−p)²p^(L−1)·U(q, 1.5L), with U(q, k) the share of free bytes in dead
/// runs of at least k objects (module doc), has the closed form
/// (1−p)²·√r·(r/(1−x)² + 1.5q(1+x)/(1−x)³) with r = 1−q and x = p·r^1.5.
pub fn usable_share_for_plugs(q: f64, p: f64) -> f64 {
    let q = q.clamp(0.0, 1.0);
    let p = p.clamp(0.0, 0.999);
    let r = 1.0 - q;
    if r <= 0.0 {
        return 0.0;
    }
    // r^1.5 and r^0.5: a plug takes a run of 1.5 plugs.
    let root = r.sqrt();
    let x = p * r * root;
    let share = (1.0 - p).powi(2)
        * root
        * (r / (1.0 - x).powi(2) + ITEM_PER_PLUG * q * (1.0 + x) / (1.0 - x).powi(3));
    share.clamp(0.0, 1.0)
}

/// Free-list item a plug takes, in plugs: the search starts at the power-of-two bucket holding
/// twice the plug, whose items are one to two plugs long.
const ITEM_PER_PLUG: f64 = 1.5;

/// Gen2's areas and the free space in them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FreeList {
    areas: Vec<Area>,
    /// Bytes promotion placed in free space since the last gen2 (`free_list_allocated`).
    filled_since_gen2: f64,
}

impl FreeList {
    /// The allocator's efficiency since the last gen2 (`generation_allocator_efficiency`: bytes
    /// it placed in free space over those plus the free space too small to list). Dead runs are
    /// at least one object long, and the lab's objects are larger than the 48-byte minimal free
    /// item, so the share too small to list is taken as nil: 1 once promotion has used the free
    /// list since the last gen2, 0 before.
    pub fn efficiency(&self) -> f64 {
        if self.filled_since_gen2 > 0.0 {
            1.0
        } else {
            0.0
        }
    }

    /// Free bytes that the plugs promoted from a generation whose live share is `p` can use,
    /// over all areas.
    pub fn usable(&self, p: f64) -> f64 {
        self.areas.iter().map(|a| a.usable(p)).sum()
    }

    /// Fills up to `bytes` of usable free space with plugs promoted from a generation whose live
    /// share is `p`, taking from every area in proportion to what it offers. Returns the bytes
    /// placed; the space they fill leaves its area (it becomes part of the new area the
    /// promotion records).
    pub fn fill(&mut self, bytes: f64, p: f64) -> f64 {
        if bytes <= 0.0 || self.areas.is_empty() {
            return 0.0;
        }
        let offers: Vec<f64> = self.areas.iter().map(|a| a.usable(p)).collect();
        let usable: f64 = offers.iter().sum();
        if usable <= 0.0 {
            return 0.0;
        }
        let placed = bytes.min(usable);
        self.filled_since_gen2 += placed;
        let f = placed / usable;
        for (a, offer) in self.areas.iter_mut().zip(offers) {
            let x = offer * f;
            a.taken += x;
            a.extent -= x;
        }
        placed
    }

    /// Records a promotion: a new area of `extent` bytes holding `live` bytes per class, of which
    /// `free` bytes are free space (survivors promoted in place bring their gaps along).
    pub fn add(&mut self, extent: f64, live: &[f64], free: f64) {
        if extent <= 0.0 {
            return;
        }
        self.areas.push(Area {
            extent,
            live: live.to_vec(),
            free,
            live_share: (1.0 - free / extent).clamp(0.0, 1.0),
            taken: 0.0,
        });
        while self.areas.len() > MAX_AREAS {
            self.merge_closest_pair();
        }
    }

    /// A sweep of gen2: `live` bytes per class remain in `size` bytes of gen2, `free` of them
    /// free. Objects died in every area alike; what was dead becomes free in the area it lay in.
    pub fn sweep(&mut self, live: &[f64], size: f64, free: f64) {
        self.filled_since_gen2 = 0.0;
        let nclass = live.len();
        // Deaths are spread over the areas in proportion to each class's live bytes there.
        let mut untracked_live = vec![0.0; nclass];
        for c in 0..nclass {
            let tracked: f64 = self.areas.iter().map(|a| a.live[c]).sum();
            if tracked > 0.0 {
                let f = live[c] / tracked;
                for a in &mut self.areas {
                    a.live[c] *= f;
                }
            } else {
                untracked_live[c] = live[c];
            }
        }
        // Gen2 filled some other way (state built in place) joins as an area of its own.
        let extent: f64 = self.areas.iter().map(|a| a.extent).sum();
        let untracked: f64 = untracked_live.iter().sum();
        if untracked > 0.0 || extent < size - 1.0 {
            // Mostly state built at start-up: the oldest part of gen2.
            let e = (size - extent).max(untracked);
            self.areas.insert(
                0,
                Area {
                    extent: e,
                    live: untracked_live,
                    free: 0.0,
                    live_share: 1.0,
                    taken: 0.0,
                },
            );
        }
        let extent: f64 = self.areas.iter().map(|a| a.extent).sum();
        if extent > 0.0 && size > 0.0 {
            let f = size / extent;
            for a in &mut self.areas {
                a.extent *= f;
            }
        }
        // Free space goes where objects are not alive.
        let not_live: f64 = self
            .areas
            .iter()
            .map(|a| (a.extent - a.live.iter().sum::<f64>()).max(0.0))
            .sum();
        for a in &mut self.areas {
            let here = (a.extent - a.live.iter().sum::<f64>()).max(0.0);
            a.free = if not_live > 0.0 {
                free * here / not_live
            } else {
                0.0
            };
            a.live_share = if a.extent > 0.0 {
                (1.0 - a.free / a.extent).clamp(0.0, 1.0)
            } else {
                1.0
            };
            a.taken = 0.0;
        }
        while self.areas.len() > MAX_AREAS {
            self.merge_closest_pair();
        }
    }

    /// A compacting GC packed gen2: one area, all live.
    pub fn compact(&mut self, live: &[f64]) {
        self.filled_since_gen2 = 0.0;
        self.areas.clear();
        let extent: f64 = live.iter().sum();
        self.add(extent, live, 0.0);
    }

    /// Merges the two neighbouring areas whose merging changes the usable free space least (the
    /// usable share is far from linear in the live share, so areas of unlike age keep apart).
    fn merge_closest_pair(&mut self) {
        let p = MERGE_REFERENCE_PLUG_LIVE_SHARE;
        let usable = |free: f64, q: f64| free * usable_share_for_plugs(q, p);
        let cost = |i: usize| {
            let (a, b) = (&self.areas[i], &self.areas[i + 1]);
            (usable(a.free + b.free, merged_live_share(a, b))
                - usable(a.free, a.live_share)
                - usable(b.free, b.live_share))
            .abs()
        };
        let costs: Vec<f64> = (0..self.areas.len().saturating_sub(1)).map(cost).collect();
        let Some(i) = (0..costs.len()).min_by(|&i, &j| costs[i].total_cmp(&costs[j])) else {
            return;
        };
        let b = self.areas.remove(i + 1);
        let a = &mut self.areas[i];
        for (x, y) in a.live.iter_mut().zip(&b.live) {
            *x += y;
        }
        a.live_share = merged_live_share(a, &b);
        a.extent += b.extent;
        a.free += b.free;
        a.taken += b.taken;
    }
}

/// Live share of two areas taken together, weighted by their extents.
fn merged_live_share(a: &Area, b: &Area) -> f64 {
    let extent = a.extent + b.extent;
    if extent > 0.0 {
        (a.live_share * a.extent + b.live_share * b.extent) / extent
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Share of free bytes lying in dead runs of at least `k` objects when each object is alive
    /// with probability `q` (the module doc's U(q, k)).
    fn usable_share(q: f64, k: f64) -> f64 {
        let q = q.clamp(0.0, 1.0);
        let k = k.max(1.0);
        if q >= 1.0 {
            return 0.0;
        }
        ((1.0 - q).powf(k - 1.0) * (1.0 + (k - 1.0) * q)).clamp(0.0, 1.0)
    }

    #[test]
    fn dead_runs_long_enough_need_a_sparse_area() {
        // Plugs of 20 objects: a half-live area offers almost nothing, a 5%-live one most of its
        // free space, an empty one all of it.
        assert!(usable_share(0.5, 20.0) < 1e-4);
        let sparse = usable_share(0.05, 20.0);
        assert!((0.7..0.8).contains(&sparse), "{sparse}");
        assert_eq!(usable_share(0.0, 20.0), 1.0);
        // Single-object plugs fit every dead object's space.
        assert_eq!(usable_share(0.5, 1.0), 1.0);
    }

    #[test]
    fn the_closed_form_sums_over_every_plug_length() {
        for (q, p) in [(0.05, 0.9), (0.6, 0.9), (0.3, 0.5), (0.2, 0.97), (0.6, 0.2)] {
            let direct: f64 = (1..20_000)
                .map(|l| {
                    let l = l as f64;
                    l * (1.0 - p) * (1.0 - p) * p.powf(l - 1.0) * usable_share(q, 1.5 * l)
                })
                .sum();
            let closed = usable_share_for_plugs(q, p);
            assert!(
                (direct - closed).abs() < 1e-9,
                "q {q} p {p}: {direct} {closed}"
            );
        }
        // One-object plugs (nothing else survived where they came from) need 1.5 objects.
        assert!((usable_share_for_plugs(0.5, 0.0) - usable_share(0.5, 1.5)).abs() < 1e-12);
        assert_eq!(usable_share_for_plugs(0.0, 0.9), 1.0);
        assert_eq!(usable_share_for_plugs(1.0, 0.9), 0.0);
    }

    #[test]
    fn promotion_fills_old_sparse_areas_and_grows_past_dense_ones() {
        let mut f = FreeList::default();
        // An old area of 10 MB with 5% still alive, and a fresh one of 10 MB 60% alive; plugs from
        // a generation 90% alive (ten objects long on average).
        f.add(10e6, &[10e6], 0.0);
        f.add(10e6, &[10e6], 0.0);
        f.areas[0].live[0] = 0.5e6;
        f.areas[1].live[0] = 6e6;
        f.sweep(&[6.5e6], 20e6, 13.5e6);
        assert_eq!(f.efficiency(), 0.0);
        let usable = f.usable(0.9);
        // 9.5 MB free in the old area, 62% of it usable; 2% of the fresh area's 4 MB.
        assert!((5.95e6..6.0e6).contains(&usable), "{usable}");
        let placed = f.fill(10e6, 0.9);
        assert_eq!(placed, usable);
        assert!(f.usable(0.9) < 1.0);
        assert_eq!(f.efficiency(), 1.0);
        // Plugs from a generation where little survived are short and fit shorter runs.
        assert!(f.usable(0.2) > 2e6);
        // The next sweep starts anew: what was filled is no longer free.
        f.add(placed, &[placed], 0.0);
        f.sweep(&[6.5e6 + placed], 20e6, 13.5e6 - placed);
        let total_free: f64 = f.areas.iter().map(|a| a.free).sum();
        assert!((total_free - (13.5e6 - placed)).abs() < 1.0);
        assert_eq!(f.efficiency(), 0.0);
    }

    #[test]
    fn compaction_leaves_one_dense_area() {
        let mut f = FreeList::default();
        f.add(10e6, &[1e6], 9e6);
        assert!(f.usable(0.5) > 8e6);
        f.compact(&[1e6]);
        assert_eq!(f.usable(0.5), 0.0);
        assert_eq!(f.areas.len(), 1);
    }

    #[test]
    fn areas_beyond_the_limit_merge_and_keep_their_totals() {
        let mut f = FreeList::default();
        for i in 0..(MAX_AREAS + 10) {
            f.add(1e6 + i as f64, &[0.5e6], 0.5e6);
        }
        assert_eq!(f.areas.len(), MAX_AREAS);
        let extent: f64 = f.areas.iter().map(|a| a.extent).sum();
        let live: f64 = f.areas.iter().map(|a| a.live[0]).sum();
        let n = (MAX_AREAS + 10) as f64;
        assert!((extent - (1e6 * n + (n - 1.0) * n / 2.0)).abs() < 1e-3);
        assert!((live - 0.5e6 * n).abs() < 1e-3);
    }
}
