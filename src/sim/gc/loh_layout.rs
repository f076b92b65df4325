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
//! On regions (.NET 7+) the LOH is a list of large regions (32 MiB with 4 MiB basic regions). An
//! object never straddles two; each is preceded by a padding object. Past the free list the
//! allocator bump-allocates at the end of the first region in the list with room for the object,
//! and only when none has any appends a new region, taken from the free region list with its
//! commit if one waits there (`uoh_a_fit_segment_end_p`, `get_new_region`). The sweep trims every
//! region to its last live object and unlinks a region left empty, except the first; that
//! region goes to the free region list still committed (`sweep_uoh_objects`,
//! `return_free_region`). So the LOH gives back the dead tail of every region, not only of the
//! last one, and its size counts only up to each region's last object.
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

/// One address range of the LOH: the whole LOH segment, or one large region.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Region {
    /// Start, bytes from the LOH's start.
    base: f64,
    /// Length, bytes (unbounded for a segment).
    len: f64,
    /// End of its last object (`heap_segment_allocated`), bytes from the LOH's start.
    used: f64,
    /// End of its committed pages, bytes from the LOH's start (tracked on regions).
    committed: f64,
}

/// An emptied large region on the free region list.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Parked {
    /// Its length, bytes: a large region, or a huge one for an object larger than that.
    len: f64,
    /// Bytes it keeps committed.
    commit: f64,
    /// Blocking GCs it has spent there.
    age: u32,
}

/// Blocking GCs after which a free region is decommitted whatever the budget
/// (`AGE_IN_FREE_TO_DECOMMIT`).
const AGE_TO_DECOMMIT: u32 = 20;

/// Pages a sweep keeps committed beyond a region's last object, and the least surplus it
/// decommits (`decommit_heap_segment_pages`: 32 and 100 OS pages).
const KEPT_TAIL_BYTES: f64 = 32.0 * 4096.0;
const MIN_DECOMMIT_BYTES: f64 = 100.0 * 4096.0;

/// Each large object is preceded by a padding object that lets LOH compaction move it
/// (`loh_padding_obj_size`, a minimum object), bytes.
const PAD_BYTES: f64 = 24.0;

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
    /// The address ranges the LOH allocates in, in the order the allocator walks them: one
    /// unbounded segment, or (on regions) large regions.
    regions: Vec<Region>,
    /// Size of a large region, bytes; `None` on segments.
    region_bytes: Option<f64>,
    /// Start of the next region to be created, bytes.
    next_base: f64,
    /// Emptied regions on the free region list, oldest first (regions only).
    parked: Vec<Parked>,
    /// Committed bytes taken back from parked regions since this was last read.
    reused_commit: f64,
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
            regions: vec![Region {
                base: 0.0,
                len: f64::INFINITY,
                used: 0.0,
                committed: 0.0,
            }],
            region_bytes: None,
            next_base: 0.0,
            parked: Vec::new(),
            reused_commit: 0.0,
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

    /// The LOH lives in large regions of `bytes` each (.NET 7+) instead of one segment.
    pub fn use_regions(&mut self, bytes: f64) {
        self.region_bytes = Some(bytes);
        self.regions = vec![Region {
            base: 0.0,
            len: bytes,
            used: 0.0,
            committed: 0.0,
        }];
        self.next_base = bytes;
    }

    /// Bytes the LOH spans: from each range's start to its last object, summed.
    pub fn end(&self) -> f64 {
        self.regions.iter().map(|r| r.used - r.base).sum()
    }

    /// Committed bytes beyond the last object of each region (regions only), bytes.
    pub fn kept_tails(&self) -> f64 {
        self.regions
            .iter()
            .map(|r| (r.committed - r.used).max(0.0))
            .sum()
    }

    /// Free-list bytes (holes below the end).
    pub fn free_bytes(&self) -> f64 {
        self.holes.iter().map(|h| h.len).sum()
    }

    /// Committed bytes of the emptied regions waiting on the free region list (regions only).
    pub fn parked_commit(&self) -> f64 {
        self.parked.iter().map(|p| p.commit).sum()
    }

    /// Committed bytes new regions took over from parked ones since the last call.
    pub fn take_reused_commit(&mut self) -> f64 {
        std::mem::take(&mut self.reused_commit)
    }

    /// A blocking gen2 ends: every parked region has waited one more (`age_free_regions`, which
    /// ages large free regions at gen2s only).
    pub fn age_parked(&mut self) {
        for p in &mut self.parked {
            p.age += 1;
        }
    }

    /// Whether some parked region is due for decommit: one has waited `AGE_TO_DECOMMIT`
    /// gen2s, or more than `keep` wait.
    pub fn parked_surplus(&self, keep: usize) -> bool {
        self.parked.len() > keep || self.parked.iter().any(|p| p.age >= AGE_TO_DECOMMIT)
    }

    /// Decommits the parked regions that waited `AGE_TO_DECOMMIT` (20) gen2s and the oldest
    /// beyond the newest `keep`, at most `max_bytes` in all (`distribute_free_regions`, then
    /// `decommit_step`). Returns the bytes decommitted.
    pub fn decommit_parked(&mut self, keep: usize, max_bytes: f64) -> f64 {
        let surplus = self.parked.len().saturating_sub(keep);
        let mut done = 0.0;
        for (i, p) in self.parked.iter_mut().enumerate() {
            if done >= max_bytes {
                break;
            }
            if i < surplus || p.age >= AGE_TO_DECOMMIT {
                let take = p.commit.min(max_bytes - done);
                p.commit -= take;
                done += take;
            }
        }
        self.parked.retain(|p| p.commit > 0.0);
        done
    }

    /// Room left in the regions in use, committed or not (`reserved_not_in_use`), bytes.
    pub fn reserved_room(&self) -> f64 {
        self.regions
            .iter()
            .filter(|r| r.len.is_finite())
            .map(|r| r.base + r.len - r.used)
            .sum()
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
        let object_bytes = object_bytes + PAD_BYTES;
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
                None => self.place_at_a_region_end(object_bytes, n),
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

    /// Bump-allocates up to `n` objects at the end of the first range with room for one
    /// (`uoh_a_fit_segment_end_p` walks the LOH's regions in order); with none, a new region is
    /// appended. Returns where they start and how many fit.
    fn place_at_a_region_end(&mut self, object_bytes: f64, n: f64) -> (f64, f64) {
        let fits = |r: &Region| ((r.base + r.len - r.used) / object_bytes).floor();
        let i = match self.regions.iter().position(|r| fits(r) >= 1.0) {
            Some(i) => i,
            None => {
                let size = self.region_bytes.unwrap_or(f64::INFINITY);
                // An object larger than a region gets a region of whole multiples.
                let len = (object_bytes / size).ceil().max(1.0) * size;
                // A free region of the same kind is taken first, the newest, keeping its
                // commit (`get_free_region`: large and huge regions wait on lists of their own).
                let reused = match self.parked.iter().rposition(|p| p.len == len) {
                    Some(i) => self.parked.remove(i).commit,
                    None => 0.0,
                };
                self.reused_commit += reused;
                self.regions.push(Region {
                    base: self.next_base,
                    len,
                    used: self.next_base,
                    committed: self.next_base + reused,
                });
                self.next_base += len;
                self.regions.len() - 1
            }
        };
        let r = &mut self.regions[i];
        let count = n.min(fits(r));
        let start = r.used;
        r.used += count * object_bytes;
        r.committed = r.committed.max(r.used);
        (start, count)
    }

    /// After a sweep or a compaction (regions only): a region left empty, other than the first,
    /// leaves the LOH for the parked ones with its commit; every other region keeps 32 pages
    /// past its last object when at least 100 are surplus (`decommit_heap_segment_pages`).
    fn settle_regions(&mut self) {
        if self.region_bytes.is_none() {
            return;
        }
        let start_base = self.regions[0].base;
        let mut parked = Vec::new();
        self.regions.retain_mut(|r| {
            if r.used == r.base && r.base != start_base {
                parked.push(Parked {
                    len: r.len,
                    commit: r.committed - r.base,
                    age: 0,
                });
                return false;
            }
            if r.committed - r.used >= MIN_DECOMMIT_BYTES {
                r.committed = r.used + KEPT_TAIL_BYTES;
            }
            r.committed = r.committed.max(r.used);
            true
        });
        self.parked.extend(parked);
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
    /// order and the end is trimmed back to the last live object — on regions the end of every
    /// region, and a region left empty (not the first) goes to the parked ones. Objects
    /// allocated since the mark stay. Returns the bytes by which the LOH's span shrank.
    pub fn sweep(&mut self) -> f64 {
        self.sweep_regions(true)
    }

    /// The sweep; `settle` parks the emptied regions and trims the others (a compaction does
    /// that after it moved the objects instead).
    fn sweep_regions(&mut self, settle: bool) -> f64 {
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
        let old_end = self.end();
        self.holes.clear();
        // Regions are appended at ever higher addresses, so the allocator's order is address
        // order and the pieces can be walked region by region.
        let mut first = 0;
        for r in &mut self.regions {
            let mut at = r.base;
            while first < self.pieces.len() && self.pieces[first].start < r.base + r.len {
                let p = &self.pieces[first];
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
                first += 1;
            }
            r.used = at;
        }
        if settle {
            self.settle_regions();
        }
        self.widest = self.holes.iter().map(|h| h.len).fold(0.0, f64::max);
        (old_end - self.end()).max(0.0)
    }

    /// A compacting gen2: the live objects slide to the start of the heap in address order — on
    /// regions from region to region, never across a region's end, and the regions left empty
    /// are parked with their commit. Returns the bytes by which the LOH's span shrank.
    pub fn compact(&mut self) -> f64 {
        if self.overflowed {
            return 0.0;
        }
        let old_end = self.end();
        self.sweep_regions(false);
        // Objects slide down through the ranges in order, never across a region's end.
        for r in &mut self.regions {
            r.used = r.base;
        }
        let mut i = 0;
        let mut packed = Vec::with_capacity(self.pieces.len());
        for mut p in std::mem::take(&mut self.pieces) {
            while p.count > 0 {
                let last = i + 1 == self.regions.len();
                let r = &mut self.regions[i];
                let room = ((r.base + r.len - r.used) / p.object_bytes).floor();
                let take = if last {
                    p.count
                } else {
                    (room.max(0.0) as u32).min(p.count)
                };
                if take == 0 {
                    i += 1;
                    continue;
                }
                packed.push(Piece {
                    start: r.used,
                    count: take,
                    ..p.clone()
                });
                r.used += take as f64 * p.object_bytes;
                r.committed = r.committed.max(r.used);
                p.seq += take as u64;
                p.count -= take;
            }
        }
        self.pieces = packed;
        self.holes.clear();
        self.widest = 0.0;
        self.settle_regions();
        (old_end - self.end()).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::stream;

    const MIB: f64 = 1_048_576.0;
    /// A 1 MiB object with its padding object.
    const OBJ: f64 = MIB + PAD_BYTES;

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
        assert_eq!(l.end(), 10.0 * OBJ);
        // Only the latest object is held: everything below it is free, nothing is trimmed.
        l.mark(&youngest(1), 0.1);
        assert_eq!(l.sweep(), 0.0);
        assert_eq!(l.free_bytes(), 9.0 * OBJ);
        // The next objects fill the hole from its lowest address.
        l.allocate(0, MIB, 4.0 * MIB, 0.2);
        assert_eq!(l.end(), 10.0 * OBJ);
        assert_eq!(l.free_bytes(), 5.0 * OBJ);
        // Now the objects at the top die: the end comes back to the youngest live object.
        l.mark(&youngest(1), 0.3);
        let trimmed = l.sweep();
        assert_eq!(trimmed, 6.0 * OBJ, "end {}", l.end());
        assert_eq!(l.end(), 4.0 * OBJ);
    }

    #[test]
    fn objects_allocated_during_a_background_gc_survive_its_sweep() {
        let mut l = layout();
        l.allocate(0, MIB, 5.0 * MIB, 0.0);
        l.mark(&[LiveTarget::default()], 0.1);
        l.allocate(0, MIB, 2.0 * MIB, 0.15);
        assert_eq!(l.sweep(), 0.0);
        assert_eq!(l.end(), 7.0 * OBJ);
        assert_eq!(l.free_bytes(), 5.0 * OBJ);
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
            top += l.end() / OBJ;
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
        assert_eq!(l.compact(), 5.0 * OBJ);
        assert_eq!(l.end(), 5.0 * OBJ);
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
        assert_eq!(l.end(), 3.0 * OBJ);
    }

    #[test]
    fn compaction_packs_the_live_objects() {
        let mut l = layout();
        l.allocate(0, MIB, 8.0 * MIB, 0.0);
        l.mark(&youngest(2), 0.1);
        assert_eq!(l.compact(), 6.0 * OBJ);
        assert_eq!(l.end(), 2.0 * OBJ);
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
        assert_eq!(l.end(), 300_000.0 + 3.0 * PAD_BYTES + 2.0 * OBJ);
        assert_eq!(l.free_bytes(), 300_000.0 + 3.0 * PAD_BYTES);
    }

    /// A layout of 32 MiB large regions.
    fn regions() -> LohLayout {
        let mut l = layout();
        l.use_regions(32.0 * MIB);
        l
    }

    #[test]
    fn on_regions_an_object_never_straddles_two() {
        // With its padding object a 1 MiB array takes 1 MiB + 24 B: 31 fit in a region.
        let mut l = regions();
        l.allocate(0, MIB, 40.0 * MIB, 0.0);
        assert_eq!(l.regions.len(), 2);
        assert_eq!(l.regions[0].used, 31.0 * OBJ);
        assert_eq!(l.regions[1].base, 32.0 * MIB);
        assert_eq!(l.regions[1].used, 32.0 * MIB + 9.0 * OBJ);
        assert_eq!(l.end(), 40.0 * OBJ);
        assert_eq!(l.reserved_room(), 64.0 * MIB - 40.0 * OBJ);
    }

    #[test]
    fn on_regions_every_region_is_trimmed_to_its_last_live_object() {
        // Two full regions; only the second one's objects live. On a segment the dead first
        // half is a hole on the free list and still counts; on regions the first region (which
        // is never freed) is trimmed to nothing.
        let mut seg = layout();
        seg.allocate(0, MIB, 62.0 * MIB, 0.0);
        seg.mark(&youngest(31), 0.1);
        assert_eq!(seg.sweep(), 0.0);
        assert_eq!(seg.end(), 62.0 * OBJ);
        assert_eq!(seg.free_bytes(), 31.0 * OBJ);
        let mut reg = regions();
        reg.allocate(0, MIB, 62.0 * MIB, 0.0);
        reg.mark(&youngest(31), 0.1);
        assert_eq!(reg.sweep(), 31.0 * OBJ);
        assert_eq!(reg.end(), 31.0 * OBJ);
        assert_eq!(reg.free_bytes(), 0.0);
        // The trimmed region keeps 32 pages committed; the rest is decommitted.
        assert_eq!(reg.kept_tails(), KEPT_TAIL_BYTES);
        // New objects fill the first region with room before the LOH grows.
        reg.allocate(0, MIB, 5.0 * MIB, 0.2);
        assert_eq!(reg.regions[0].used, 5.0 * OBJ);
        assert_eq!(reg.regions.len(), 2);
    }

    #[test]
    fn an_emptied_region_waits_committed_and_a_new_region_takes_it_back() {
        let mut l = regions();
        l.allocate(0, MIB, 62.0 * MIB, 0.0);
        l.mark(&youngest(0), 0.1);
        assert_eq!(l.sweep(), 62.0 * OBJ);
        // The second region left the LOH with all its commit; the first stays, trimmed.
        assert_eq!(l.regions.len(), 1);
        assert_eq!(l.parked_commit(), 31.0 * OBJ);
        l.allocate(0, MIB, 32.0 * MIB, 0.2);
        assert_eq!(l.regions.len(), 2);
        assert_eq!(l.take_reused_commit(), 31.0 * OBJ);
        assert_eq!(l.parked_commit(), 0.0);
    }

    #[test]
    fn parked_regions_beyond_the_budget_or_too_old_are_decommitted() {
        let mut l = regions();
        l.allocate(0, MIB, 93.0 * MIB, 0.0);
        l.mark(&youngest(0), 0.1);
        l.sweep();
        assert_eq!(l.parked_commit(), 62.0 * OBJ);
        // A budget of one region keeps the newest; the decommit goes only as far as allowed.
        assert!(l.parked_surplus(1));
        assert_eq!(l.decommit_parked(1, 10.0 * MIB), 10.0 * MIB);
        assert_eq!(l.decommit_parked(1, f64::INFINITY), 31.0 * OBJ - 10.0 * MIB);
        assert_eq!(l.parked_commit(), 31.0 * OBJ);
        assert!(!l.parked_surplus(1));
        // The one within budget goes once it has waited AGE_TO_DECOMMIT gen2s.
        for _ in 1..AGE_TO_DECOMMIT {
            l.age_parked();
            assert!(!l.parked_surplus(1));
        }
        l.age_parked();
        assert!(l.parked_surplus(1));
        assert_eq!(l.decommit_parked(1, f64::INFINITY), 31.0 * OBJ);
        assert_eq!(l.parked_commit(), 0.0);
    }

    #[test]
    fn a_huge_region_is_not_taken_for_a_large_one() {
        // A 40 MiB object gets a 64 MiB region; once it dies, that region waits, and the next
        // 1 MiB objects get a fresh 32 MiB region instead of the huge one's commit.
        let mut l = LohLayout::new(2, stream(1, "loh-layout-test"));
        l.use_regions(32.0 * MIB);
        l.allocate(0, MIB, 31.0 * MIB, 0.0);
        l.allocate(1, 40.0 * MIB, 40.0 * MIB, 0.0);
        l.mark(&[youngest(31)[0], LiveTarget::default()], 0.1);
        l.sweep();
        assert_eq!(l.parked_commit(), 40.0 * MIB + PAD_BYTES);
        l.allocate(0, MIB, 2.0 * MIB, 0.2);
        assert_eq!(l.take_reused_commit(), 0.0);
        assert_eq!(l.regions.last().map(|r| r.len), Some(32.0 * MIB));
        assert_eq!(l.parked_commit(), 40.0 * MIB + PAD_BYTES);
    }

    #[test]
    fn compaction_on_regions_packs_into_the_first_regions() {
        let mut l = regions();
        l.allocate(0, MIB, 62.0 * MIB, 0.0);
        l.mark(&youngest(10), 0.1);
        assert_eq!(l.compact(), 52.0 * OBJ);
        assert_eq!(l.regions.len(), 1);
        assert_eq!(l.end(), 10.0 * OBJ);
        // The second region is emptied with its commit; the first keeps 32 pages past its end.
        assert_eq!(l.parked_commit(), 31.0 * OBJ);
        assert_eq!(l.kept_tails(), KEPT_TAIL_BYTES);
    }
}
