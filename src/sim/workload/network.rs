//! Network buffers: Flink's pool of fixed-size memory segments for data exchanged between tasks.
//! Buffers a task requires are taken when it deploys; more are drawn for data in flight
//! (throughput × round-trip time) and, being pooled, stay allocated once used.

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
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            pool_bytes: 0.0,
            segment_bytes: 32768.0,
            required_buffers: 0.0,
            bytes_per_record: 0.0,
            round_trip_s: 0.001,
        }
    }
}

impl NetworkSpec {
    /// Buffers holding data in flight at `records_per_s`, rounded up to whole segments.
    pub fn in_flight_buffers(&self, records_per_s: f64) -> f64 {
        if self.segment_bytes <= 0.0 {
            return 0.0;
        }
        (records_per_s * self.bytes_per_record * self.round_trip_s / self.segment_bytes).ceil()
    }

    /// Resident network memory given the most buffers used so far (pooled buffers are kept),
    /// bytes, never more than the pool.
    pub fn resident_bytes(&self, peak_buffers_used: f64) -> f64 {
        ((self.required_buffers + peak_buffers_used) * self.segment_bytes)
            .min(self.pool_bytes.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_data_is_throughput_times_round_trip() {
        // 320 MB/s with a 1 ms round trip and 32 KiB buffers: 320,000 / 32,768 → 10 buffers.
        let n = NetworkSpec {
            bytes_per_record: 1000.0,
            round_trip_s: 0.001,
            ..Default::default()
        };
        assert_eq!(n.in_flight_buffers(320_000.0), 10.0);
        let n = NetworkSpec {
            pool_bytes: 64.0 * 32768.0,
            required_buffers: 50.0,
            ..n
        };
        assert_eq!(n.resident_bytes(10.0), 60.0 * 32768.0);
        assert_eq!(n.resident_bytes(100.0), 64.0 * 32768.0);
    }
}
