//! Keyed state: entries created as new keys arrive (bytes per key at a key arrival rate, or driven
//! by records or by allocation), capped by a key cardinality, expired by a time-to-live, and
//! rewritten by updates. Held either on the .NET heap (long-lived objects the GC must carry) or off
//! the heap (native memory of a RocksDB-like store: memtables, block cache, index and filters).

use std::collections::VecDeque;

use super::objects::SizeDistribution;

/// Where state lives.
#[derive(Clone, Debug, PartialEq)]
pub enum StateBackend {
    /// On the managed heap: state entries are long-lived .NET objects.
    Heap,
    /// Off heap, in native memory managed by a RocksDB-like store.
    OffHeap(OffHeapStore),
}

/// A RocksDB-like native store: the memory it uses for a given amount of data.
#[derive(Clone, Debug, PartialEq)]
pub struct OffHeapStore {
    /// Size of one memtable (write buffer), bytes.
    pub write_buffer_bytes: f64,
    /// Memtables that may exist at once (one mutable, the rest waiting to be flushed).
    pub max_write_buffers: u32,
    /// Block cache capacity, bytes (bounded by the managed memory of the budget).
    pub block_cache_bytes: f64,
    /// Fraction of the data the block cache would hold if it were unbounded (the hot set).
    pub hot_fraction: f64,
    /// Index and filter blocks as a fraction of the data on disk.
    pub index_fraction: f64,
    /// Native allocator overhead: resident bytes per byte requested (1.0 = none).
    pub allocator_overhead: f64,
    /// Rate at which a full memtable is flushed to disk, bytes/s (one flush at a time; infinite:
    /// at once).
    pub flush_bytes_per_s: f64,
}

impl Default for OffHeapStore {
    fn default() -> Self {
        OffHeapStore {
            write_buffer_bytes: 64.0 * 1_048_576.0,
            max_write_buffers: 2,
            block_cache_bytes: 256.0 * 1_048_576.0,
            hot_fraction: 0.2,
            index_fraction: 0.01,
            allocator_overhead: 1.1,
            flush_bytes_per_s: f64::INFINITY,
        }
    }
}

/// Keyed state description. Rates add up: per second, per record and per allocated byte.
#[derive(Clone, Debug, PartialEq)]
pub struct StateSpec {
    /// Heap or off heap.
    pub backend: StateBackend,
    /// State that exists when the process starts (built or restored before the workload), bytes.
    pub initial_bytes: f64,
    /// Growth from new keys per second of time, bytes/s.
    pub growth_per_s: f64,
    /// Growth per input record (new-key share × bytes per key), bytes.
    pub growth_per_record: f64,
    /// Growth per byte allocated by the workload (bytes of state per byte).
    pub growth_per_allocated_byte: f64,
    /// Largest size the state reaches (key cardinality × bytes per key), bytes.
    pub cap_bytes: Option<f64>,
    /// Entries expire this long after they were written, seconds.
    pub ttl_s: Option<f64>,
    /// Bytes of existing entries rewritten per second (the old copies become garbage).
    pub update_per_s: f64,
    /// Bytes of existing entries rewritten per record.
    pub update_per_record: f64,
    /// Median size of one entry object, bytes (entries of 85,000 bytes or more go to the LOH).
    pub entry_bytes: f64,
    /// Spread of the entry sizes: standard deviation of ln(size) of a lognormal around
    /// `entry_bytes` (0: every entry has that size).
    pub entry_sigma: f64,
    /// Entries per chunk when the store holds its entries in fixed-size chunks filled in order
    /// (summed over partitions filled at the same time); `None` for a hash table, whose bucket
    /// array holds every entry.
    pub chunk_entries: Option<f64>,
}

impl StateSpec {
    /// Sizes of the entry objects: fixed at `entry_bytes`, or lognormal around it (drawn sizes
    /// clamped to 16 bytes .. 1 GiB).
    pub fn entry_sizes(&self) -> SizeDistribution {
        if self.entry_sigma > 0.0 {
            SizeDistribution::LogNormal {
                median: self.entry_bytes,
                sigma: self.entry_sigma,
                min: 16.0,
                max: 1_073_741_824.0,
            }
        } else {
            SizeDistribution::Fixed {
                bytes: self.entry_bytes,
            }
        }
    }
}

impl Default for StateSpec {
    fn default() -> Self {
        StateSpec {
            backend: StateBackend::Heap,
            initial_bytes: 0.0,
            growth_per_s: 0.0,
            growth_per_record: 0.0,
            growth_per_allocated_byte: 0.0,
            cap_bytes: None,
            ttl_s: None,
            update_per_s: 0.0,
            update_per_record: 0.0,
            entry_bytes: 512.0,
            entry_sigma: 0.0,
            chunk_entries: None,
        }
    }
}

/// What the state did over one step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StateStep {
    /// New state bytes written (growth + rewrites), bytes/s over the step: heap allocation when on heap.
    pub write_rate: f64,
    /// Bytes that expired (TTL) during the step.
    pub expired: f64,
    /// Bytes of old copies replaced by updates during the step (garbage when on heap).
    pub replaced: f64,
}

/// Running keyed state.
#[derive(Clone, Debug)]
pub struct State {
    spec: StateSpec,
    /// Live state bytes (logical data size).
    size: f64,
    /// Bytes written per time bin, oldest first, for TTL expiry: `(bin start s, bytes)`.
    bins: VecDeque<(f64, f64)>,
    bin_s: f64,
    /// Bytes in the mutable memtable.
    memtable: f64,
    /// Immutable memtables waiting for their flush to end: the end times, oldest first.
    immutable: VecDeque<f64>,
    /// When the flush in progress ends, seconds.
    flush_busy_until: f64,
    /// Times a full memtable found every write buffer in use (RocksDB stalls writes then).
    stalls: u64,
    cache: f64,
}

impl State {
    /// State at start: `initial_bytes` already present (see [`State::restore`] for its ages).
    pub fn new(spec: StateSpec) -> State {
        let bin_s = spec
            .ttl_s
            .map(|t| (t / 64.0).max(0.001))
            .unwrap_or(f64::INFINITY);
        let mut s = State {
            size: 0.0,
            bins: VecDeque::new(),
            bin_s,
            memtable: 0.0,
            immutable: VecDeque::new(),
            flush_busy_until: f64::NEG_INFINITY,
            stalls: 0,
            cache: 0.0,
            spec,
        };
        let init = s.spec.initial_bytes;
        s.record_restored(0.0, init);
        s.size = init;
        s
    }

    /// Records `bytes` present at `t` as written evenly over the TTL before `t` (as a state
    /// that has lived under its TTL is), so that they expire evenly over the next TTL.
    fn record_restored(&mut self, t: f64, bytes: f64) {
        match self.spec.ttl_s {
            Some(ttl) if ttl.is_finite() && bytes > 0.0 => {
                let bins = (ttl / self.bin_s).round().max(1.0) as usize;
                for k in 0..bins {
                    let at = t - ttl + (k as f64 + 0.5) * self.bin_s;
                    self.record_write(at, bytes / bins as f64);
                }
            }
            _ => self.record_write(t, bytes),
        }
    }

    /// The description.
    pub fn spec(&self) -> &StateSpec {
        &self.spec
    }

    /// Live state bytes.
    pub fn size(&self) -> f64 {
        self.size
    }

    /// Whether the state is on the managed heap.
    pub fn on_heap(&self) -> bool {
        matches!(self.spec.backend, StateBackend::Heap)
    }

    fn record_write(&mut self, t: f64, bytes: f64) {
        if self.spec.ttl_s.is_none() || bytes <= 0.0 {
            return;
        }
        let bin = (t / self.bin_s).floor() * self.bin_s;
        match self.bins.back_mut() {
            Some((b, v)) if *b == bin => *v += bytes,
            _ => self.bins.push_back((bin, bytes)),
        }
    }

    /// Growth rate (bytes/s) at the given record rate and allocation rate, before the cap.
    pub fn growth_rate(&self, records_per_s: f64, alloc_bytes_per_s: f64) -> f64 {
        let s = &self.spec;
        s.growth_per_s
            + s.growth_per_record * records_per_s
            + s.growth_per_allocated_byte * alloc_bytes_per_s
    }

    /// Rewrite rate (bytes/s) at the given record rate.
    pub fn update_rate(&self, records_per_s: f64) -> f64 {
        if self.size <= 0.0 {
            return 0.0;
        }
        self.spec.update_per_s + self.spec.update_per_record * records_per_s
    }

    /// Seconds until the state reaches its cap at `growth` bytes/s (infinite if never).
    pub fn time_to_cap(&self, growth: f64) -> f64 {
        match self.spec.cap_bytes {
            Some(cap) if growth > 0.0 && self.size < cap => (cap - self.size) / growth,
            _ => f64::INFINITY,
        }
    }

    /// The effective growth rate: zero at the cap.
    pub fn capped_growth(&self, growth: f64) -> f64 {
        match self.spec.cap_bytes {
            Some(cap) if self.size >= cap - 1e-6 => 0.0,
            _ => growth,
        }
    }

    /// When the oldest entries expire next, seconds (infinite without TTL).
    pub fn next_expiry(&self) -> f64 {
        match (self.spec.ttl_s, self.bins.front()) {
            (Some(ttl), Some((b, _))) => b + self.bin_s + ttl,
            _ => f64::INFINITY,
        }
    }

    /// Advances the state from `t` by `dt` seconds at `growth` and `update` bytes/s (already
    /// capped) and expires entries older than the TTL at `t + dt`.
    pub fn advance(&mut self, t: f64, dt: f64, growth: f64, update: f64) -> StateStep {
        let grown = match self.spec.cap_bytes {
            Some(cap) => (growth * dt).min((cap - self.size).max(0.0)),
            None => growth * dt,
        };
        self.size += grown;
        self.record_write(t + dt, grown);
        let replaced = (update * dt).min(self.size);
        let mut expired = 0.0;
        if let Some(ttl) = self.spec.ttl_s {
            let now = t + dt;
            while let Some(&(b, v)) = self.bins.front() {
                if b + self.bin_s + ttl <= now + 1e-9 {
                    self.bins.pop_front();
                    let e = v.min(self.size);
                    expired += e;
                    self.size -= e;
                } else {
                    break;
                }
            }
        }
        // Off-heap memtables fill with every write and flush when full.
        let writes = grown + replaced;
        if let StateBackend::OffHeap(store) = &self.spec.backend {
            let store = store.clone();
            self.fill_memtables(&store, t, dt, writes);
            self.cache = (self.size * store.hot_fraction).min(store.block_cache_bytes);
        }
        StateStep {
            write_rate: if dt > 0.0 { writes / dt } else { 0.0 },
            expired,
            replaced,
        }
    }

    /// Native memory of the off-heap store, bytes (0 for heap state): memtables, block cache,
    /// index and filters, times the allocator overhead.
    pub fn offheap_bytes(&self) -> f64 {
        match &self.spec.backend {
            StateBackend::Heap => 0.0,
            StateBackend::OffHeap(s) => {
                (self.memtable_bytes() + self.cache + self.size * s.index_fraction)
                    * s.allocator_overhead
            }
        }
    }

    /// Memtable memory: the mutable memtable plus the immutable ones waiting for their flush,
    /// bytes (never more than `write_buffer × write_buffers`; 0 for heap state).
    pub fn memtable_bytes(&self) -> f64 {
        match &self.spec.backend {
            StateBackend::Heap => 0.0,
            StateBackend::OffHeap(s) => {
                self.memtable + self.immutable.len() as f64 * s.write_buffer_bytes
            }
        }
    }

    /// Times a memtable filled up while every write buffer was in use (RocksDB would stall
    /// writes until a flush ends; the model ends the oldest flush at once instead).
    pub fn write_stalls(&self) -> u64 {
        self.stalls
    }

    /// Fills the mutable memtable with `writes` bytes written evenly over `[t, t + dt]`; a full
    /// memtable becomes immutable and is flushed (one flush at a time, at the store's flush rate),
    /// and the immutable memtables whose flush ended by `t + dt` are released.
    fn fill_memtables(&mut self, store: &OffHeapStore, t: f64, dt: f64, writes: f64) {
        let wb = store.write_buffer_bytes;
        let end = t + dt;
        if wb > 0.0 {
            let rate = if dt > 0.0 { writes / dt } else { 0.0 };
            let max_immutable = store.max_write_buffers.max(1) as usize - 1;
            let flush_s = if store.flush_bytes_per_s > 0.0 {
                wb / store.flush_bytes_per_s
            } else {
                f64::INFINITY
            };
            let (mut left, mut now) = (writes, t);
            while left > 0.0 {
                let room = (wb - self.memtable).max(0.0);
                if left < room {
                    self.memtable += left;
                    break;
                }
                left -= room;
                now = if rate > 0.0 { now + room / rate } else { now };
                self.retire_flushes(now);
                if self.immutable.len() >= max_immutable {
                    // Every write buffer is in use: writes would stall until the oldest flush
                    // ends; it is taken to end now.
                    self.stalls += 1;
                    self.immutable.pop_front();
                    self.flush_busy_until = self.immutable.back().copied().unwrap_or(now).max(now);
                }
                if max_immutable == 0 {
                    // A single write buffer is flushed in place.
                    self.memtable = 0.0;
                    continue;
                }
                let start = now.max(self.flush_busy_until);
                let done = start + flush_s;
                self.flush_busy_until = done;
                self.immutable.push_back(done);
                self.memtable = 0.0;
            }
        }
        self.retire_flushes(end);
    }

    fn retire_flushes(&mut self, now: f64) {
        while self.immutable.front().is_some_and(|&e| e <= now + 1e-9) {
            self.immutable.pop_front();
        }
    }

    /// Restores the state to `bytes` (a restart from a checkpoint). With a TTL the restored
    /// entries keep their ages: written evenly over the TTL before `t`, they expire evenly over
    /// the next TTL.
    pub fn restore(&mut self, t: f64, bytes: f64) {
        self.bins.clear();
        self.size = bytes;
        self.memtable = 0.0;
        self.immutable.clear();
        self.flush_busy_until = f64::NEG_INFINITY;
        self.cache = 0.0;
        self.record_restored(t, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_stops_at_the_cap() {
        let mut s = State::new(StateSpec {
            growth_per_s: 10.0,
            cap_bytes: Some(100.0),
            ..Default::default()
        });
        assert_eq!(s.time_to_cap(10.0), 10.0);
        s.advance(0.0, 15.0, 10.0, 0.0);
        assert_eq!(s.size(), 100.0);
        assert_eq!(s.capped_growth(10.0), 0.0);
    }

    #[test]
    fn ttl_holds_state_flat_under_constant_key_arrival() {
        // 1 MB/s of new keys with a 60 s TTL: the state levels off at about 60 MB.
        let mut s = State::new(StateSpec {
            growth_per_s: 1e6,
            ttl_s: Some(60.0),
            ..Default::default()
        });
        let mut t = 0.0;
        let mut sizes = vec![];
        while t < 600.0 {
            s.advance(t, 0.5, 1e6, 0.0);
            t += 0.5;
            if (t % 60.0).abs() < 1e-9 {
                sizes.push(s.size());
            }
        }
        let last = *sizes.last().unwrap();
        assert!((last - 60e6).abs() / 60e6 < 0.05, "{last}");
        // Flat: the last five minutes vary by less than 3%.
        let tail = &sizes[sizes.len() - 5..];
        let (lo, hi) = tail
            .iter()
            .fold((f64::MAX, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        assert!((hi - lo) / hi < 0.03);
    }

    #[test]
    fn offheap_memory_grows_with_data_and_caps_the_cache() {
        let store = OffHeapStore {
            block_cache_bytes: 50.0,
            hot_fraction: 1.0,
            index_fraction: 0.0,
            allocator_overhead: 1.0,
            write_buffer_bytes: 1e12,
            max_write_buffers: 1,
            flush_bytes_per_s: f64::INFINITY,
        };
        let mut s = State::new(StateSpec {
            backend: StateBackend::OffHeap(store),
            growth_per_s: 10.0,
            ..Default::default()
        });
        s.advance(0.0, 3.0, 10.0, 0.0);
        // memtable 30 + cache 30
        assert!((s.offheap_bytes() - 60.0).abs() < 1e-9);
        s.advance(3.0, 10.0, 10.0, 0.0);
        // memtable 130 + cache capped at 50
        assert!((s.offheap_bytes() - 180.0).abs() < 1e-9);
    }

    fn rocksdb(store: OffHeapStore) -> State {
        State::new(StateSpec {
            backend: StateBackend::OffHeap(store),
            ..Default::default()
        })
    }

    const MIB: f64 = 1_048_576.0;

    #[test]
    fn memtables_flush_in_a_sawtooth_bounded_by_the_write_buffers() {
        // 64 MiB memtables, two of them, flushed at 32 MiB/s, written at 16 MiB/s: a memtable
        // fills in 4 s, then flushes for 2 s while the next one fills.
        let store = OffHeapStore {
            write_buffer_bytes: 64.0 * MIB,
            max_write_buffers: 2,
            flush_bytes_per_s: 32.0 * MIB,
            block_cache_bytes: 0.0,
            index_fraction: 0.0,
            allocator_overhead: 1.0,
            ..Default::default()
        };
        let mut s = rocksdb(store.clone());
        let mut mem = vec![];
        let mut t = 0.0;
        while t < 40.0 - 1e-9 {
            s.advance(t, 0.25, 16.0 * MIB, 0.0);
            t += 0.25;
            mem.push(s.memtable_bytes() / MIB);
        }
        let max = mem.iter().cloned().fold(0.0, f64::max);
        // Highest sample a quarter second before a flush ends: 64 immutable + 28 filling.
        assert!((max - 92.0).abs() < 1e-6, "{max}");
        assert!(max <= 128.0);
        // Right after the first flush ends (t = 6 s) only the new memtable is left: 32 MiB.
        assert!((mem[23] - 32.0).abs() < 1e-6, "{}", mem[23]);
        assert!((s.offheap_bytes() - s.memtable_bytes()).abs() < 1e-6);
        assert_eq!(s.write_stalls(), 0);

        // Written four times faster than they flush: every write buffer is busy, the memory
        // stays at (never above) 2 × 64 MiB, and writes stall.
        let mut s = rocksdb(OffHeapStore {
            flush_bytes_per_s: 16.0 * MIB,
            ..store
        });
        let mut max: f64 = 0.0;
        for i in 0..160 {
            s.advance(i as f64 * 0.25, 0.25, 64.0 * MIB, 0.0);
            max = max.max(s.memtable_bytes());
        }
        // The highest sample: one memtable flushing and 48 MiB in the next, a step before it
        // fills up and the oldest flush is cut short.
        assert!((max - 112.0 * MIB).abs() < 1e-6, "{}", max / MIB);
        assert!(max <= 128.0 * MIB);
        assert!(s.write_stalls() > 0);
    }

    #[test]
    fn updates_rewrite_entries_without_growing_the_state() {
        // 10 MB of state rewritten at 1 MB/s: after 5 s, 5 MB of old copies were replaced (heap
        // garbage) and the state is still 10 MB.
        let mut s = State::new(StateSpec {
            initial_bytes: 10e6,
            ..Default::default()
        });
        let step = s.advance(0.0, 5.0, 0.0, 1e6);
        assert_eq!(step.replaced, 5e6);
        assert_eq!(step.write_rate, 1e6);
        assert_eq!(s.size(), 10e6);
    }

    #[test]
    fn index_and_filters_grow_with_the_data_and_the_allocator_adds_its_share() {
        let store = OffHeapStore {
            block_cache_bytes: 0.0,
            index_fraction: 0.01,
            allocator_overhead: 1.25,
            write_buffer_bytes: 1.0,
            max_write_buffers: 1,
            ..Default::default()
        };
        let mut s = rocksdb(store);
        s.advance(0.0, 100.0, 1e7, 0.0);
        // 1 GB of data: 10 MB of index and filters, 12.5 MB resident.
        assert!(
            (s.offheap_bytes() - 12.5e6).abs() < 1.0,
            "{}",
            s.offheap_bytes()
        );
        s.advance(100.0, 100.0, 1e7, 0.0);
        assert!((s.offheap_bytes() - 25e6).abs() < 1.0);
    }

    #[test]
    fn entry_sizes_spread_around_their_median() {
        let spec = StateSpec {
            entry_bytes: 40_000.0,
            entry_sigma: 1.0,
            ..Default::default()
        };
        let f = spec.entry_sizes().facts(85_000.0);
        // ln(85,000 / 40,000) = 0.75 sigma: a share of the bytes are entries on the LOH.
        assert!(
            f.loh_byte_fraction > 0.3 && f.loh_byte_fraction < 0.7,
            "{f:?}"
        );
        let fixed = StateSpec {
            entry_bytes: 40_000.0,
            ..Default::default()
        };
        assert_eq!(fixed.entry_sizes().facts(85_000.0).loh_byte_fraction, 0.0);
    }

    #[test]
    fn restored_state_expires_evenly_over_its_ttl() {
        // 60 MB restored under a 60 s TTL with 1 MB/s of new keys: the state stays at 60 MB
        // from the start instead of falling when the restored entries all expire at once.
        let mut s = State::new(StateSpec {
            initial_bytes: 60e6,
            growth_per_s: 1e6,
            ttl_s: Some(60.0),
            ..Default::default()
        });
        let mut t = 0.0;
        let (mut lo, mut hi) = (f64::MAX, 0.0f64);
        while t < 300.0 {
            s.advance(t, 0.5, 1e6, 0.0);
            t += 0.5;
            lo = lo.min(s.size());
            hi = hi.max(s.size());
        }
        assert!(lo > 58e6 && hi < 62e6, "{lo} .. {hi}");
    }
}
