//! Keyed state: entries created as new keys arrive (bytes per key at a key arrival rate, or driven
//! by records or by allocation), capped by a key cardinality, expired by a time-to-live, and
//! rewritten by updates. Held either on the .NET heap (long-lived objects the GC must carry) or off
//! the heap (native memory of a RocksDB-like store: memtables, block cache, index and filters).

use std::collections::VecDeque;

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
    /// Size of one entry object, bytes (entries of 85,000 bytes or more go to the LOH).
    pub entry_bytes: f64,
    /// Entries per chunk when the store holds its entries in fixed-size chunks filled in order
    /// (summed over partitions filled at the same time); `None` for a hash table, whose bucket
    /// array holds every entry.
    pub chunk_entries: Option<f64>,
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
    memtable: f64,
    cache: f64,
}

impl State {
    /// State at start: `initial_bytes` already present (written at time 0).
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
            cache: 0.0,
            spec,
        };
        let init = s.spec.initial_bytes;
        s.record_write(0.0, init);
        s.size = init;
        s
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
            self.memtable += writes;
            if store.write_buffer_bytes > 0.0 {
                while self.memtable >= store.write_buffer_bytes {
                    self.memtable -= store.write_buffer_bytes;
                }
            }
            let target_cache = (self.size * store.hot_fraction).min(store.block_cache_bytes);
            self.cache = target_cache;
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
                // One mutable memtable filling, plus on average half of the others waiting to flush.
                let waiting =
                    (s.max_write_buffers.saturating_sub(1)) as f64 * s.write_buffer_bytes * 0.5;
                (self.memtable
                    + waiting.min(self.memtable.max(0.0) + s.write_buffer_bytes)
                    + self.cache
                    + self.size * s.index_fraction)
                    * s.allocator_overhead
            }
        }
    }

    /// Restores the state to `bytes` (a restart from a checkpoint): entries restored count as
    /// written now.
    pub fn restore(&mut self, t: f64, bytes: f64) {
        self.bins.clear();
        self.size = bytes;
        self.memtable = 0.0;
        self.cache = 0.0;
        self.record_write(t, bytes);
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
}
