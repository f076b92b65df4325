//! Where objects lie on the Large Object Heap, and so how much of it a gen2 sweep gives back.
//!
//! The runtime allocates a large object from the LOH's free list first — size-class buckets
//! (powers of two from 64 KiB), each in address order, the first item that fits; what is left of
//! a free item goes back to the front of its bucket — and extends the heap's end only when nothing
//! fits (`a_fit_free_list_large_p`, then `a_fit_segment_end_p`). A gen2 sweep threads the gaps
//! between live objects onto the free list in address order and trims the end of the heap back to
//! the end of the last live object, decommitting what lies beyond (`sweep_large_objects`, and the
//! background sweep's `process_background_segment_end`, both ending in
//! `decommit_heap_segment_pages`). Which objects lie last therefore decides how much the LOH
//! shrinks: when a cycle's allocations fit into the holes the previous sweep left, the youngest
//! objects sit low and the top of the heap holds old objects that die, so the heap shrinks; when
//! they do not fit, the youngest sit at the top and keep it.
//!
//! The layout of one GC heap (Server GC heaps are taken to be balanced) is kept as pieces in
//! address order: runs of objects of one class placed together, and single live objects. Which
//! objects are alive at a gen2 follows the whole-object counts of [`super::large`]: survivors of
//! the previous gen2 chosen at random, new survivors weighted by their chance to be alive at the
//! mark (the younger, the likelier), the objects the allocating threads still hold (their latest),
//! and for classes the workload kills oldest first, the youngest. Objects allocated while a
//! background GC runs are live for its sweep.

use rand::RngExt;

use crate::sim::rng::ComponentRng;

/// The free list's first bucket holds items below 64 KiB; each next one doubles (`BASE_LOH_ALIST`).
const FIRST_BUCKET_BYTES: f64 = 65_536.0;
/// Number of LOH free-list buckets (`NUM_LOH_ALIST`); the last one is unbounded.
const BUCKETS: usize = 7;
/// Above this many pieces the layout stops being tracked (a LOH of that many scattered objects
/// gives back a negligible share at its end); the GC then uses the even-spread estimate.
const MAX_PIECES: usize = 20_000;

/// What a piece's objects are at this moment of the gen2 cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Allocated since the last gen2 mark (or during the background GC in progress).
    New,
    /// Alive at the last gen2.
    Survivor,
    /// Found alive by the gen2 in progress.
    Marked,
    /// Found dead by the gen2 in progress: free space after its sweep.
    Dead,
}

/// Objects of one class lying next to each other.
#[derive(Clone, Debug, PartialEq)]
struct Piece {
    /// Offset from the start of the heap's LOH, bytes.
    start: f64,
    /// Size of each object, bytes.
    object_bytes: f64,
    /// Number of objects.
    count: u32,
    class: usize,
    /// Allocation order of the first object (the others follow it).
    seq: u64,
    /// When they were allocated, seconds.
    born_s: f64,
    state: State,
}

impl Piece {
    fn end(&self) -> f64 {
        self.start + self.object_bytes * self.count as f64
    }
}

/// A free-list item.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Hole {
    start: f64,
    len: f64,
    /// Its free-list bucket.
    bucket: usize,
    /// Threaded at the front of its bucket (the rest of an item an allocation used).
    front: bool,
}

/// How many of a class's large objects (in one GC heap) a gen2 finds alive.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LiveTarget {
    /// Objects alive at the previous gen2 that are still alive (chosen at random among them).
    pub kept: u64,
    /// Objects allocated since then that are alive (weighted towards the youngest).
    pub new: u64,
    /// Latest objects of the class that are alive whatever their lifetime (held by allocating
    /// threads), or for a class killed oldest first, its live objects (the youngest).
    pub youngest: u64,
    /// Death hazard of the class, 1/s (weights the new survivors by age).
    pub hazard: f64,
}

/// The address order of one GC heap's Large Object Heap.
#[derive(Clone, Debug)]
pub struct LohLayout {
    pieces: Vec<Piece>,
    holes: Vec<Hole>,
    /// Length of the longest hole, bytes (no search when an object is longer).
    widest: f64,
    /// End of the last object, bytes from the LOH's start.
    end: f64,
    /// Fractions of an object allocated but not yet placed, per class.
    pending: Vec<f64>,
    next_seq: u64,
    /// Too many pieces: no longer tracked.
    overflowed: bool,
    rng: ComponentRng,
}

fn bucket(len: f64) -> usize {
    let mut b = 0;
    let mut limit = FIRST_BUCKET_BYTES;
    while b < BUCKETS - 1 && len >= limit {
        b += 1;
        limit *= 2.0;
    }
    b
}

impl LohLayout {
    /// An empty LOH for `classes` lifetime classes; choices of live objects draw from `rng`.
    pub fn new(classes: usize, rng: ComponentRng) -> LohLayout {
        LohLayout {
            pieces: Vec::new(),
            holes: Vec::new(),
            widest: 0.0,
            end: 0.0,
            pending: vec![0.0; classes],
            next_seq: 0,
            overflowed: false,
            rng,
        }
    }

    /// Whether the layout is tracked (not given up for having too many pieces).
    pub fn tracked(&self) -> bool {
        !self.overflowed
    }

    /// End of the last object, bytes from the LOH's start.
    pub fn end(&self) -> f64 {
        self.end
    }

    /// Free-list bytes (holes below the end).
    pub fn free_bytes(&self) -> f64 {
        self.holes.iter().map(|h| h.len).sum()
    }

    /// Places `bytes` of class `class`'s objects of `object_bytes` each, allocated at `now_s`:
    /// free-list items first (bucket by bucket, each in address order), then the heap's end.
    pub fn allocate(&mut self, class: usize, object_bytes: f64, bytes: f64, now_s: f64) {
        if self.overflowed || bytes <= 0.0 || object_bytes <= 0.0 {
            return;
        }
        self.pending[class] += bytes / object_bytes;
        let mut n = self.pending[class].floor();
        if n < 1.0 {
            return;
        }
        self.pending[class] -= n;
        let first = bucket(object_bytes);
        while n >= 1.0 {
            let fit = if object_bytes > self.widest {
                None
            } else {
                self.holes
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| h.len >= object_bytes && h.bucket >= first)
                    .min_by(|(_, a), (_, b)| {
                        (a.bucket, !a.front)
                            .cmp(&(b.bucket, !b.front))
                            .then(a.start.total_cmp(&b.start))
                    })
                    .map(|(i, _)| i)
            };
            let (start, count) = match fit {
                Some(i) => {
                    let h = self.holes[i];
                    let count = n.min((h.len / object_bytes).floor());
                    let used = count * object_bytes;
                    if h.len - used < FIRST_BUCKET_BYTES / 8.0 {
                        self.holes.swap_remove(i);
                    } else {
                        self.holes[i] = Hole {
                            start: h.start + used,
                            len: h.len - used,
                            bucket: bucket(h.len - used),
                            front: true,
                        };
                    }
                    if h.len >= self.widest {
                        self.widest = self.holes.iter().map(|h| h.len).fold(0.0, f64::max);
                    }
                    (h.start, count)
                }
                None => {
                    let s = self.end;
                    self.end += n * object_bytes;
                    (s, n)
                }
            };
            let count_u = count as u32;
            self.pieces.push(Piece {
                start,
                object_bytes,
                count: count_u,
                class,
                seq: self.next_seq,
                born_s: now_s,
                state: State::New,
            });
            self.next_seq += count_u as u64;
            n -= count;
        }
        if self.pieces.len() > MAX_PIECES {
            self.give_up();
        }
    }

    fn give_up(&mut self) {
        self.overflowed = true;
        self.pieces = Vec::new();
        self.holes = Vec::new();
        self.widest = 0.0;
    }

    /// The gen2 mark at `now_s`: decides which objects are alive, class by class, from `targets`.
    pub fn mark(&mut self, targets: &[LiveTarget], now_s: f64) {
        if self.overflowed {
            return;
        }
        // A blocking gen2 while a background GC has marked but not swept: what that one found
        // alive is alive at its last mark.
        for p in &mut self.pieces {
            if p.state == State::Marked {
                p.state = State::Survivor;
            }
        }
        // Chosen objects as (piece, offset within the piece).
        let mut chosen: Vec<Vec<u32>> = vec![Vec::new(); self.pieces.len()];
        for (class, t) in targets.iter().enumerate() {
            // The youngest objects by allocation order.
            if t.youngest > 0 {
                let mut order: Vec<usize> = (0..self.pieces.len())
                    .filter(|&i| {
                        let p = &self.pieces[i];
                        p.class == class && matches!(p.state, State::New | State::Survivor)
                    })
                    .collect();
                order.sort_by_key(|&i| std::cmp::Reverse(self.pieces[i].seq));
                let mut left = t.youngest;
                for i in order {
                    if left == 0 {
                        break;
                    }
                    let count = self.pieces[i].count;
                    let take = (count as u64).min(left) as u32;
                    chosen[i].extend((count - take)..count);
                    left -= take as u64;
                }
            }
            if t.kept > 0 {
                self.choose(&mut chosen, class, State::Survivor, t.kept, 0.0, now_s);
            }
            if t.new > 0 {
                self.choose(&mut chosen, class, State::New, t.new, t.hazard, now_s);
            }
        }
        // Split the pieces into live singles and dead runs.
        let old = std::mem::take(&mut self.pieces);
        for (p, mut picked) in old.into_iter().zip(chosen) {
            if picked.is_empty() {
                self.pieces.push(Piece {
                    state: State::Dead,
                    ..p
                });
                continue;
            }
            picked.sort_unstable();
            picked.dedup();
            let mut from = 0u32;
            let mut i = 0;
            while i < picked.len() {
                // A run of consecutive chosen objects.
                let first = picked[i];
                let mut last = first;
                while i + 1 < picked.len() && picked[i + 1] == last + 1 {
                    i += 1;
                    last += 1;
                }
                i += 1;
                if first > from {
                    self.pieces.push(Piece {
                        start: p.start + from as f64 * p.object_bytes,
                        count: first - from,
                        seq: p.seq + from as u64,
                        state: State::Dead,
                        ..p.clone()
                    });
                }
                self.pieces.push(Piece {
                    start: p.start + first as f64 * p.object_bytes,
                    count: last - first + 1,
                    seq: p.seq + first as u64,
                    state: State::Marked,
                    ..p.clone()
                });
                from = last + 1;
            }
            if from < p.count {
                self.pieces.push(Piece {
                    start: p.start + from as f64 * p.object_bytes,
                    count: p.count - from,
                    seq: p.seq + from as u64,
                    state: State::Dead,
                    ..p
                });
            }
        }
        if self.pieces.len() > MAX_PIECES {
            self.give_up();
        }
    }

    /// Picks `want` objects of `class` in `state` that were not chosen yet, each with a weight
    /// `exp(−hazard × age)`: successive weighted sampling without replacement, drawn in one pass
    /// by giving every object the key `ln(u) / weight` and keeping the largest keys. Weights are
    /// taken relative to the youngest candidate, so old ones never all vanish to zero.
    fn choose(
        &mut self,
        chosen: &mut [Vec<u32>],
        class: usize,
        state: State,
        want: u64,
        hazard: f64,
        now_s: f64,
    ) {
        let candidates: Vec<usize> = (0..self.pieces.len())
            .filter(|&i| self.pieces[i].class == class && self.pieces[i].state == state)
            .collect();
        let youngest = candidates
            .iter()
            .map(|&i| self.pieces[i].born_s.min(now_s))
            .fold(f64::NEG_INFINITY, f64::max);
        let mut keys: Vec<(f64, usize)> = Vec::new();
        for &i in &candidates {
            let p = &self.pieces[i];
            let free = p.count as usize - chosen[i].len();
            let inverse_weight = (hazard.max(0.0) * (youngest - p.born_s).max(0.0)).exp();
            for _ in 0..free {
                let u: f64 = self.rng.random();
                keys.push((u.max(f64::MIN_POSITIVE).ln() * inverse_weight, i));
            }
        }
        let k = (want as usize).min(keys.len());
        if k == 0 {
            return;
        }
        keys.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
        let mut picks = vec![0usize; self.pieces.len()];
        for &(_, i) in &keys[..k] {
            picks[i] += 1;
        }
        for &i in &candidates {
            if picks[i] == 0 {
                continue;
            }
            // `picks[i]` distinct offsets among those not chosen yet, uniformly.
            let mut taken = chosen[i].clone();
            taken.sort_unstable();
            let mut free: Vec<u32> = Vec::with_capacity(self.pieces[i].count as usize);
            let mut t = 0;
            for k in 0..self.pieces[i].count {
                if t < taken.len() && taken[t] == k {
                    t += 1;
                } else {
                    free.push(k);
                }
            }
            for j in 0..picks[i].min(free.len()) {
                let r = self.rng.random_range(j..free.len());
                free.swap(j, r);
                chosen[i].push(free[j]);
            }
        }
    }

    /// The sweep of the gen2 that marked last: dead objects become free-list items in address
    /// order and the end is trimmed back to the last live object. Objects allocated since the
    /// mark stay. Returns the bytes trimmed from the end.
    pub fn sweep(&mut self) -> f64 {
        if self.overflowed {
            return 0.0;
        }
        self.pieces.retain(|p| p.state != State::Dead);
        for p in &mut self.pieces {
            if p.state == State::Marked {
                p.state = State::Survivor;
            }
        }
        self.pieces.sort_by(|a, b| a.start.total_cmp(&b.start));
        let old_end = self.end;
        self.holes.clear();
        let mut at = 0.0;
        for p in &self.pieces {
            if p.start > at + 0.5 {
                let len = p.start - at;
                self.holes.push(Hole {
                    start: at,
                    len,
                    bucket: bucket(len),
                    front: false,
                });
            }
            at = at.max(p.end());
        }
        self.end = at;
        self.widest = self.holes.iter().map(|h| h.len).fold(0.0, f64::max);
        (old_end - at).max(0.0)
    }

    /// A compacting gen2: the live objects slide to the start of the heap in address order.
    /// Returns the bytes given back at the end.
    pub fn compact(&mut self) -> f64 {
        if self.overflowed {
            return 0.0;
        }
        let old_end = self.end;
        self.sweep();
        let mut at = 0.0;
        for p in &mut self.pieces {
            p.start = at;
            at = p.end();
        }
        self.holes.clear();
        self.widest = 0.0;
        self.end = at;
        (old_end - at).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::stream;

    const MIB: f64 = 1_048_576.0;

    fn layout() -> LohLayout {
        LohLayout::new(1, stream(1, "loh-layout-test"))
    }

    /// One class whose `n` latest objects are alive.
    fn youngest(n: u64) -> [LiveTarget; 1] {
        [LiveTarget {
            youngest: n,
            ..Default::default()
        }]
    }

    /// One class with `n` objects allocated since the last gen2 alive, dying at `hazard` per s.
    fn new_survivors(n: u64, hazard: f64) -> [LiveTarget; 1] {
        [LiveTarget {
            new: n,
            hazard,
            ..Default::default()
        }]
    }

    #[test]
    fn allocation_extends_the_end_until_there_are_holes() {
        let mut l = layout();
        l.allocate(0, MIB, 10.0 * MIB, 0.0);
        assert_eq!(l.end(), 10.0 * MIB);
        // Only the latest object is held: everything below it is free, nothing is trimmed.
        l.mark(&youngest(1), 0.1);
        assert_eq!(l.sweep(), 0.0);
        assert_eq!(l.free_bytes(), 9.0 * MIB);
        // The next objects fill the hole from its lowest address.
        l.allocate(0, MIB, 4.0 * MIB, 0.2);
        assert_eq!(l.end(), 10.0 * MIB);
        assert_eq!(l.free_bytes(), 5.0 * MIB);
        // Now the objects at the top die: the end comes back to the youngest live object.
        l.mark(&youngest(1), 0.3);
        let trimmed = l.sweep();
        assert_eq!(trimmed, 6.0 * MIB, "end {}", l.end());
        assert_eq!(l.end(), 4.0 * MIB);
    }

    #[test]
    fn objects_allocated_during_a_background_gc_survive_its_sweep() {
        let mut l = layout();
        l.allocate(0, MIB, 5.0 * MIB, 0.0);
        l.mark(&[LiveTarget::default()], 0.1);
        l.allocate(0, MIB, 2.0 * MIB, 0.15);
        assert_eq!(l.sweep(), 0.0);
        assert_eq!(l.end(), 7.0 * MIB);
        assert_eq!(l.free_bytes(), 5.0 * MIB);
    }

    #[test]
    fn new_survivors_lean_towards_the_youngest() {
        // 100 objects allocated over a second; 10 survive a hazard of 10/s (mean life 100 ms):
        // they are mostly among the last ones allocated, at the top.
        let mut top = 0.0;
        let runs = 200;
        for seed in 0..runs {
            let mut l = LohLayout::new(1, stream(seed, "loh-layout-test"));
            for k in 0..100 {
                l.allocate(0, MIB, MIB, k as f64 * 0.01);
            }
            l.mark(&new_survivors(10, 10.0), 1.0);
            l.sweep();
            top += l.end() / MIB;
        }
        let mean_end = top / runs as f64;
        assert!(mean_end > 95.0, "{mean_end}");
    }

    #[test]
    fn a_second_mark_before_the_sweep_keeps_what_the_first_found_alive() {
        // A blocking gen2 while a background GC has marked but not swept.
        let mut l = layout();
        l.allocate(0, MIB, 10.0 * MIB, 0.0);
        let five = youngest(5);
        l.mark(&five, 0.1);
        l.mark(&five, 0.2);
        assert_eq!(l.compact(), 5.0 * MIB);
        assert_eq!(l.end(), 5.0 * MIB);
    }

    #[test]
    fn survivors_are_chosen_even_when_every_candidate_is_old() {
        // Pieces 40–50 s old at a hazard of 20/s: exp(−800) underflows, relative weights do not.
        let mut l = layout();
        for k in 0..3 {
            l.allocate(0, MIB, MIB, k as f64 * 5.0);
        }
        l.mark(&new_survivors(3, 20.0), 50.0);
        assert_eq!(l.sweep(), 0.0);
        assert_eq!(l.free_bytes(), 0.0);
        assert_eq!(l.end(), 3.0 * MIB);
    }

    #[test]
    fn compaction_packs_the_live_objects() {
        let mut l = layout();
        l.allocate(0, MIB, 8.0 * MIB, 0.0);
        l.mark(&youngest(2), 0.1);
        assert_eq!(l.compact(), 6.0 * MIB);
        assert_eq!(l.end(), 2.0 * MIB);
        assert_eq!(l.free_bytes(), 0.0);
    }

    #[test]
    fn a_hole_too_small_for_the_object_is_passed_over() {
        let mut l = LohLayout::new(2, stream(2, "loh-layout-test"));
        // Small objects, then a large one; the small ones die, leaving a 3 × 100 KB hole.
        l.allocate(0, 100_000.0, 300_000.0, 0.0);
        l.allocate(1, MIB, MIB, 0.0);
        l.mark(
            &[
                LiveTarget::default(),
                LiveTarget {
                    youngest: 1,
                    ..Default::default()
                },
            ],
            0.1,
        );
        l.sweep();
        l.allocate(1, MIB, MIB, 0.2);
        assert_eq!(l.end(), 300_000.0 + 2.0 * MIB);
        assert_eq!(l.free_bytes(), 300_000.0);
    }
}
