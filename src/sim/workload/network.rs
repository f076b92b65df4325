//! Network buffers: Flink's pool of fixed-size memory segments for data exchanged between tasks,
//! and the credit-based flow control that turns a full pool into backpressure.
//!
//! **Pool.** A TaskManager has `floor(pool / segment)` buffers. The buffers its tasks require are
//! taken when they deploy (one per subpartition plus one per result partition, and per input gate
//! `b` exclusive buffers per channel plus one floating buffer); the rest is shared: input gates
//! draw up to `f` more floating buffers each, and result partitions draw buffers for data waiting
//! to be sent, up to `S·b + f` per partition and `max_buffers_per_channel` per subpartition.
//!
//! **Churn.** Data leaves at the output rate `X` = records/s × bytes per record. Each subpartition
//! holds one buffer being filled; a full buffer is sent and held by the receiver until its task
//! consumes it, so the data in flight is `X × round trip` (Little's law), in receiver buffers.
//! The same TaskManager receives as much as it sends (the job's subtasks are spread evenly).
//!
//! **Backpressure.** The producer slows down when (a) the receivers drain slower than it
//! produces: with skew `k` (the hottest consumer gets `k` times its even share) the hot consumer
//! saturates first, at `receiver capacity / k`; (b) the hot channel's credits are used up: a
//! channel has at most `b + f` buffers in flight, so it carries at most `(b + f) × segment /
//! round trip` bytes/s; (c) all credits are used up: the data in flight cannot exceed the exclusive
//! buffers plus the floating buffers the pool can still give. Queues fill in milliseconds (a few
//! buffers at the rate excess), far below any sampling interval, so the model treats them as full
//! as soon as the demand exceeds the limit: the record rate (and with it the allocation rate)
//! drops to the limit, the records wait upstream, and the saturated path's buffers are all in use
//! (the hot consumer's gate and every partition's hot subpartition with skew, every gate and
//! partition without). When those queues need more buffers than the pool has left, the pool is
//! exhausted and the local pools shrink to what it holds.
//!
//! **Memory.** Buffers, once used, stay with the pool: resident network memory is the most
//! buffers ever taken from it, or the whole pool from the start when it is allocated eagerly (as
//! Flink allocates its network buffer pool when the TaskManager starts). Off heap they are native
//! memory counted in RSS only; on the heap they are pinned `byte[]` objects of `segment + 24`
//! bytes (in gen0 they pin their segment and get demoted; from 85,000 bytes on they go to the
//! Large Object Heap).

/// Where the buffer pool's memory lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufferPlacement {
    /// Native memory outside the GC heap (counted in RSS only).
    OffHeap,
    /// Pinned `byte[]` on the managed heap.
    Heap,
}

/// When the pool's buffers are allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolAllocation {
    /// As they are first used (memory becomes resident as the pool's use peaks).
    Lazy,
    /// All at start, written once (the whole pool is resident from the start).
    Eager,
}

/// The network channels of the subtasks on one TaskManager (counts, summed over its subtasks).
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelLayout {
    /// Result partitions (one per producing subtask and output edge).
    pub partitions: f64,
    /// Subpartitions of those partitions (outgoing channels).
    pub subpartitions: f64,
    /// Input gates (one per consuming subtask and input edge).
    pub gates: f64,
    /// Input channels of those gates.
    pub channels: f64,
}

impl Default for ChannelLayout {
    /// One pipe: one partition with one subpartition, one gate with one channel.
    fn default() -> Self {
        ChannelLayout {
            partitions: 1.0,
            subpartitions: 1.0,
            gates: 1.0,
            channels: 1.0,
        }
    }
}

/// Network buffer settings of one TaskManager.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkSpec {
    /// Size of the network memory pool (the budget's network memory), bytes.
    pub pool_bytes: f64,
    /// Size of one buffer (`taskmanager.memory.segment-size`), bytes.
    pub segment_bytes: f64,
    /// Buffers the deployed tasks require at start (exclusive buffers plus one floating buffer per
    /// gate, one per subpartition plus one per result partition).
    pub required_buffers: f64,
    /// Bytes sent over the network per input record.
    pub bytes_per_record: f64,
    /// Time a buffer takes to travel to the receiver and come back, seconds.
    pub round_trip_s: f64,
    /// Channels of the subtasks on this TaskManager.
    pub layout: ChannelLayout,
    /// Exclusive buffers per input channel (Flink's default 2).
    pub buffers_per_channel: f64,
    /// Floating buffers per input gate (Flink's default 8).
    pub floating_buffers_per_gate: f64,
    /// Most buffers one subpartition may queue (Flink's default 10).
    pub max_buffers_per_channel: f64,
    /// Records per second the consuming tasks can take when the load is even, records/s; `None`:
    /// they keep up with anything.
    pub receiver_capacity_records_per_s: Option<f64>,
    /// Load of the hottest consumer relative to an even share (1: even).
    pub skew: f64,
    /// Where the buffers live.
    pub placement: BufferPlacement,
    /// When the buffers are allocated.
    pub allocation: PoolAllocation,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            pool_bytes: 0.0,
            segment_bytes: 32768.0,
            required_buffers: 0.0,
            bytes_per_record: 0.0,
            round_trip_s: 0.001,
            layout: ChannelLayout::default(),
            buffers_per_channel: 2.0,
            floating_buffers_per_gate: 8.0,
            max_buffers_per_channel: 10.0,
            receiver_capacity_records_per_s: None,
            skew: 1.0,
            placement: BufferPlacement::OffHeap,
            allocation: PoolAllocation::Lazy,
        }
    }
}

/// Which limit holds the record rate down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Nothing: the network keeps up with any rate.
    None,
    /// The receivers (the hot consumer with skew) drain slower.
    Drain,
    /// The hot channel's credits (exclusive plus floating buffers) are all in flight.
    ChannelCredits,
    /// Every credit the pool can give is in flight.
    PoolCredits,
}

/// The most records per second the network lets through, and why.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Records per second (infinite when nothing limits).
    pub records_per_s: f64,
    /// The binding limit.
    pub limit: Limit,
}

/// Buffers in use at one instant (counts) and the pool usages Flink reports.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NetworkUse {
    /// Buffers of the result partitions holding data (being filled or waiting to be sent).
    pub out_used: f64,
    /// Buffers of the input gates holding data (in flight or waiting to be consumed).
    pub in_used: f64,
    /// Buffers taken from the pool: the required ones plus the floating and excess ones in use.
    pub pool_taken: f64,
    /// `outPoolUsage`: output buffers in use over the output pools' size (0..1).
    pub out_pool_usage: f64,
    /// `inPoolUsage`: input buffers in use over the input pools' size (0..1).
    pub in_pool_usage: f64,
    /// The pool had no buffer left for the queues.
    pub exhausted: bool,
}

/// Bytes a `byte[]` adds to its length (object header and length field, 64-bit).
pub const ARRAY_OVERHEAD_BYTES: f64 = 24.0;

impl NetworkSpec {
    /// Buffers in the pool, `floor(pool / segment)`.
    pub fn total_buffers(&self) -> f64 {
        if self.segment_bytes <= 0.0 {
            return 0.0;
        }
        (self.pool_bytes.max(0.0) / self.segment_bytes).floor()
    }

    /// Whether the model applies: a pool exists and records send data.
    pub fn active(&self) -> bool {
        self.total_buffers() > 0.0 && self.bytes_per_record > 0.0
    }

    /// Buffers holding data in flight at `records_per_s`, rounded up to whole segments.
    pub fn in_flight_buffers(&self, records_per_s: f64) -> f64 {
        if self.segment_bytes <= 0.0 {
            return 0.0;
        }
        (records_per_s * self.bytes_per_record * self.round_trip_s / self.segment_bytes).ceil()
    }

    fn subpartitions_per_partition(&self) -> f64 {
        self.layout.subpartitions / self.layout.partitions.max(1.0)
    }

    fn channels_per_gate(&self) -> f64 {
        self.layout.channels / self.layout.gates.max(1.0)
    }

    /// Exclusive buffers of all input channels, `N·b`.
    pub fn exclusive_buffers(&self) -> f64 {
        self.layout.channels * self.buffers_per_channel
    }

    /// Most buffers the input gates may use, `N·b + G·f`.
    pub fn in_capacity(&self) -> f64 {
        self.exclusive_buffers() + self.layout.gates * self.floating_buffers_per_gate
    }

    /// Most buffers the result partitions may use, `Σ max(S·b + f, S + 1)`.
    pub fn out_capacity(&self) -> f64 {
        let s = self.subpartitions_per_partition();
        self.layout.partitions
            * (s * self.buffers_per_channel + self.floating_buffers_per_gate).max(s + 1.0)
    }

    /// Buffers of the pool left after the required ones.
    pub fn free_buffers(&self) -> f64 {
        (self.total_buffers() - self.required_buffers).max(0.0)
    }

    /// Share of one partition's data that goes to its hottest subpartition.
    fn hot_share(&self) -> f64 {
        (self.skew.max(1.0) / self.subpartitions_per_partition().max(1.0)).min(1.0)
    }

    fn skewed(&self) -> bool {
        self.skew > 1.0 + 1e-9
    }

    /// The most records per second the network lets through (see the module docs).
    pub fn rate_limit(&self) -> RateLimit {
        let none = RateLimit {
            records_per_s: f64::INFINITY,
            limit: Limit::None,
        };
        if !self.active() {
            return none;
        }
        let mut best = none;
        let mut consider = |r: f64, limit: Limit| {
            if r < best.records_per_s {
                best = RateLimit {
                    records_per_s: r.max(0.0),
                    limit,
                };
            }
        };
        if let Some(c) = self.receiver_capacity_records_per_s {
            consider(c / self.skew.max(1.0), Limit::Drain);
        }
        if self.round_trip_s > 0.0 {
            let per_channel_bytes_per_s =
                (self.buffers_per_channel + self.floating_buffers_per_gate) * self.segment_bytes
                    / self.round_trip_s;
            // The hot channel carries hot_share of one partition's data, X / partitions.
            let x_max =
                per_channel_bytes_per_s * self.layout.partitions.max(1.0) / self.hot_share();
            consider(x_max / self.bytes_per_record, Limit::ChannelCredits);
            let credits = self.exclusive_buffers()
                + (self.layout.gates * self.floating_buffers_per_gate).min(self.free_buffers());
            let x_max = credits * self.segment_bytes / self.round_trip_s;
            consider(x_max / self.bytes_per_record, Limit::PoolCredits);
        }
        best
    }

    /// Buffers in use at `records_per_s`, with the queues of the saturated path full when
    /// `backpressured` (see the module docs).
    pub fn usage(&self, records_per_s: f64, backpressured: bool) -> NetworkUse {
        if !self.active() {
            return NetworkUse {
                pool_taken: self.required_buffers.min(self.total_buffers()),
                ..NetworkUse::default()
            };
        }
        let l = &self.layout;
        let flowing = records_per_s > 0.0;
        let in_flight = if flowing && self.segment_bytes > 0.0 {
            records_per_s * self.bytes_per_record * self.round_trip_s / self.segment_bytes
        } else {
            0.0
        };
        let in_max = self.in_capacity();
        let out_min = l.subpartitions + l.partitions;
        let out_max = self.out_capacity();
        let filling = if flowing { l.subpartitions } else { 0.0 };
        let (in_want, out_want) = if backpressured {
            let s = self.subpartitions_per_partition();
            let m = self.max_buffers_per_channel.max(1.0);
            let (gates_full, per_partition) = if self.skewed() {
                // The hot consumer's gate, and each partition's subpartition towards it.
                (l.gates.min(1.0), m - 1.0)
            } else {
                let cap =
                    (s * m).min(s * self.buffers_per_channel + self.floating_buffers_per_gate);
                (l.gates, (cap - s).max(0.0))
            };
            let gate_full = self.channels_per_gate() * self.buffers_per_channel
                + self.floating_buffers_per_gate;
            (
                in_flight.max(gates_full * gate_full),
                filling + l.partitions * per_partition,
            )
        } else {
            (in_flight, filling)
        };
        let mut in_used = in_want.min(in_max);
        let mut out_used = out_want.min(out_max);
        // Beyond the required buffers: floating buffers of the gates (one per gate is required)
        // and partition buffers beyond S + 1.
        let free = self.free_buffers();
        let required_in = self.exclusive_buffers() + l.gates;
        let mut floating = (in_used - required_in).max(0.0);
        let mut extra = (out_used - out_min).max(0.0);
        let mut exhausted = false;
        if floating + extra > free + 1e-9 {
            exhausted = true;
            floating = floating.min(free);
            extra = (free - floating).max(0.0);
            in_used = in_used.min(required_in + floating);
            out_used = out_used.min(out_min + extra);
        }
        let in_size =
            self.exclusive_buffers() + (l.gates * self.floating_buffers_per_gate).min(free);
        let out_size = out_max.min(out_min + (free - floating).max(0.0));
        let ratio = |used: f64, size: f64| {
            if size > 0.0 {
                (used / size).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        NetworkUse {
            out_used,
            in_used,
            pool_taken: (self.required_buffers + floating + extra).min(self.total_buffers()),
            out_pool_usage: if exhausted {
                1.0
            } else {
                ratio(out_used, out_size)
            },
            in_pool_usage: ratio(in_used, in_size),
            exhausted,
        }
    }

    /// Buffers allocated when the process starts: the required ones, or the whole pool when it
    /// is allocated eagerly.
    pub fn allocated_at_start(&self) -> f64 {
        match self.allocation {
            PoolAllocation::Eager => self.total_buffers(),
            PoolAllocation::Lazy => self.required_buffers.min(self.total_buffers()),
        }
    }

    /// Resident network memory outside the GC heap given the most buffers ever taken from the
    /// pool, bytes: never more than the pool, and 0 when the buffers live on the heap.
    pub fn resident_bytes(&self, peak_buffers_taken: f64) -> f64 {
        if self.placement == BufferPlacement::Heap {
            return 0.0;
        }
        (peak_buffers_taken * self.segment_bytes).min(self.pool_bytes.max(0.0))
    }

    /// Size of one buffer as a heap object (`byte[]` of one segment), bytes.
    pub fn heap_object_bytes(&self) -> f64 {
        self.segment_bytes + ARRAY_OVERHEAD_BYTES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEG: f64 = 32768.0;

    /// A keyed (all-to-all) exchange of parallelism `p` with `slots` subtasks of each side on
    /// the TaskManager, with Flink's buffer defaults and the required buffers of its check.
    fn shuffle(p: f64, slots: f64, pool_buffers: f64) -> NetworkSpec {
        let layout = ChannelLayout {
            partitions: slots,
            subpartitions: slots * p,
            gates: slots,
            channels: slots * p,
        };
        NetworkSpec {
            pool_bytes: pool_buffers * SEG,
            required_buffers: slots * (p + 1.0) + slots * (2.0 * p + 1.0),
            bytes_per_record: 1000.0,
            layout,
            ..Default::default()
        }
    }

    #[test]
    fn in_flight_data_is_throughput_times_round_trip() {
        // 320 MB/s with a 1 ms round trip and 32 KiB buffers: 320,000 / 32,768 → 10 buffers.
        let n = NetworkSpec {
            bytes_per_record: 1000.0,
            round_trip_s: 0.001,
            pool_bytes: 4096.0 * SEG,
            layout: ChannelLayout {
                partitions: 1.0,
                subpartitions: 64.0,
                gates: 1.0,
                channels: 64.0,
            },
            ..Default::default()
        };
        assert_eq!(n.in_flight_buffers(320_000.0), 10.0);
        let u = n.usage(320_000.0, false);
        assert!((u.in_used - 320e6 * 0.001 / SEG).abs() < 1e-9);
        // Five times the round trip, five times the data in flight.
        let slow = NetworkSpec {
            round_trip_s: 0.005,
            ..n.clone()
        };
        assert!((slow.usage(320_000.0, false).in_used - 5.0 * u.in_used).abs() < 1e-9);
        // Inputs may hold 64 × 2 exclusive + 8 floating buffers: 9.77 of 136 in use.
        assert!((u.in_pool_usage - u.in_used / 136.0).abs() < 1e-12);
    }

    #[test]
    fn resident_memory_is_the_most_buffers_taken_never_more_than_the_pool() {
        let n = NetworkSpec {
            pool_bytes: 64.0 * SEG,
            ..Default::default()
        };
        assert_eq!(n.resident_bytes(60.0), 60.0 * SEG);
        assert_eq!(n.resident_bytes(100.0), 64.0 * SEG);
        let heap = NetworkSpec {
            placement: BufferPlacement::Heap,
            ..n
        };
        assert_eq!(heap.resident_bytes(60.0), 0.0);
        assert_eq!(heap.heap_object_bytes(), 32_792.0);
    }

    #[test]
    fn slow_receivers_cap_the_rate_at_their_drain_rate() {
        let n = NetworkSpec {
            receiver_capacity_records_per_s: Some(50_000.0),
            ..shuffle(16.0, 2.0, 4096.0)
        };
        let l = n.rate_limit();
        assert_eq!(l.limit, Limit::Drain);
        assert_eq!(l.records_per_s, 50_000.0);
        // Without a pool or without data the network limits nothing.
        let off = NetworkSpec {
            pool_bytes: 0.0,
            ..n.clone()
        };
        assert_eq!(off.rate_limit().limit, Limit::None);
    }

    #[test]
    fn skew_raises_one_channels_buffer_use_and_lowers_the_limit() {
        let even = NetworkSpec {
            receiver_capacity_records_per_s: Some(100_000.0),
            ..shuffle(16.0, 2.0, 4096.0)
        };
        let hot = NetworkSpec {
            skew: 4.0,
            ..even.clone()
        };
        // The hottest consumer gets 4 times its share: it saturates at a quarter of the rate.
        assert_eq!(hot.rate_limit().records_per_s, 25_000.0);
        // Backpressured by a hot key: each partition's hot subpartition queues its 10 buffers
        // (9 beyond the one being filled) and the hot gate's 16 × 2 + 8 buffers are full.
        let u = hot.usage(25_000.0, true);
        assert_eq!(u.out_used, 32.0 + 2.0 * 9.0);
        assert!(u.in_used >= 40.0 && u.in_used < 41.0, "{}", u.in_used);
        // Evenly loaded at the same rate: every subpartition holds only the buffer being filled.
        let e = even.usage(25_000.0, false);
        assert_eq!(e.out_used, 32.0);
        assert!(u.out_pool_usage > e.out_pool_usage);
    }

    #[test]
    fn a_small_pool_runs_out_under_backpressure() {
        // p = 64, 4 slots: 4 × 65 + 4 × 129 = 776 required. With 900 buffers the 124 left cannot
        // hold the 4 partitions' backlogs (each up to 2 × 64 + 8 = 136, 71 beyond its minimum).
        let n = NetworkSpec {
            receiver_capacity_records_per_s: Some(40_000.0),
            ..shuffle(64.0, 4.0, 900.0)
        };
        assert_eq!(n.required_buffers, 776.0);
        let calm = n.usage(30_000.0, false);
        assert!(!calm.exhausted);
        assert_eq!(calm.pool_taken, 776.0);
        let busy = n.usage(40_000.0, true);
        assert!(busy.exhausted);
        assert_eq!(busy.pool_taken, 900.0);
        assert_eq!(busy.out_pool_usage, 1.0);
        // A pool twice as large holds the backlog with room to spare.
        let big = NetworkSpec {
            pool_bytes: 1800.0 * SEG,
            ..n
        };
        let b = big.usage(40_000.0, true);
        assert!(!b.exhausted);
        assert_eq!(b.pool_taken, 776.0 + 4.0 * 71.0 + 4.0 * 7.0);
    }

    #[test]
    fn credits_limit_throughput_to_buffers_times_segment_over_round_trip() {
        // One channel, 2 exclusive + 8 floating buffers of 32 KiB, 10 ms round trip:
        // 10 × 32,768 / 0.01 = 32.8 MB/s, 32,768 records/s of 1,000 bytes.
        let n = NetworkSpec {
            pool_bytes: 1024.0 * SEG,
            bytes_per_record: 1000.0,
            round_trip_s: 0.01,
            required_buffers: 5.0,
            ..Default::default()
        };
        let l = n.rate_limit();
        assert_eq!(l.limit, Limit::ChannelCredits);
        assert!((l.records_per_s - 32_768.0).abs() < 1e-6);
    }
}
