//! Checkpoints of a TaskManager's state: a synchronous phase, then an asynchronous upload whose
//! serialization buffers live on the managed heap.
//!
//! **Triggering.** A checkpoint is due every `interval_s` from a first due time (Flink draws the
//! first one at random between the min pause and the interval, so that jobs started together do
//! not checkpoint together; the simulation does the same with the run's seed). It starts when due
//! unless `max_concurrent` checkpoints are already in progress or less than
//! `min_pause_s` passed since the last one completed (Flink's `max-concurrent-checkpoints`, default
//! 1, and `min-pause`, default 0); then it starts as soon as both allow, and the due times that
//! pass meanwhile are skipped. A checkpoint still in progress `timeout_s` after it started (Flink's
//! default 10 minutes) is aborted and its buffers are dropped.
//!
//! **Synchronous phase.** For `sync_s` the task thread takes the snapshot and processes no
//! records (the records wait upstream).
//!
//! **Asynchronous phase.** The snapshot is `bytes_per_state_byte` × the state (a full snapshot) or
//! × the state written since the last completed checkpoint was taken, at most the state (an
//! incremental one; the first one is full). It is serialized into buffers of `buffer_bytes` at
//! `serialize_bytes_per_s` and the buffers are uploaded at `upload_bytes_per_s` (shared evenly by
//! the checkpoints uploading at the same time); a buffer is dropped once uploaded. When the
//! serialized-but-not-uploaded bytes reach `max_buffered_bytes`, serialization waits for the
//! upload. So the buffers held peak at `min(max buffered, size × (1 − upload / serialize))`, and a
//! checkpoint lasts `sync + size / min(serialize, upload)`. Overlapping checkpoints (when one
//! outlasts the interval and `max_concurrent` > 1) each hold their own buffers.

/// Full or incremental snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotKind {
    /// Every checkpoint writes the whole state.
    Full,
    /// A checkpoint writes what changed since the last completed one (the first writes all).
    Incremental,
}

/// Checkpoint settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckpointSpec {
    /// Time between checkpoints, seconds.
    pub interval_s: f64,
    /// Full or incremental.
    pub kind: SnapshotKind,
    /// Length of the synchronous phase, during which no records are processed, seconds.
    pub sync_s: f64,
    /// Rate at which the snapshot is serialized into buffers, bytes/s.
    pub serialize_bytes_per_s: f64,
    /// Upload bandwidth to the checkpoint storage, bytes/s.
    pub upload_bytes_per_s: f64,
    /// Size of one serialization buffer object, bytes (85,000 or more: on the LOH).
    pub buffer_bytes: f64,
    /// Most serialized bytes waiting for upload before serialization waits, bytes (`None`: no bound).
    pub max_buffered_bytes: Option<f64>,
    /// Serialized bytes per byte of state (below 1 with compression).
    pub bytes_per_state_byte: f64,
    /// Most checkpoints in progress at once.
    pub max_concurrent: u32,
    /// Least time between the end of one checkpoint and the start of the next, seconds.
    pub min_pause_s: f64,
    /// A checkpoint still running this long after it started is aborted, seconds.
    pub timeout_s: f64,
}

impl Default for CheckpointSpec {
    fn default() -> Self {
        CheckpointSpec {
            interval_s: 60.0,
            kind: SnapshotKind::Full,
            sync_s: 0.05,
            serialize_bytes_per_s: 256.0 * 1_048_576.0,
            upload_bytes_per_s: 64.0 * 1_048_576.0,
            buffer_bytes: 1_048_576.0,
            max_buffered_bytes: None,
            bytes_per_state_byte: 1.0,
            max_concurrent: 1,
            min_pause_s: 0.0,
            timeout_s: 600.0,
        }
    }
}

/// One checkpoint in progress.
#[derive(Clone, Debug, PartialEq)]
struct Attempt {
    started_s: f64,
    /// Bytes to write.
    size: f64,
    serialized: f64,
    uploaded: f64,
    /// State bytes when it started (what a restore from it brings back).
    state_bytes: f64,
    /// Cumulative state writes when it started (the base of the next incremental one).
    writes: f64,
}

impl Attempt {
    fn buffered(&self) -> f64 {
        (self.serialized - self.uploaded).max(0.0)
    }
}

/// What happened at an instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Transitions {
    /// Checkpoints started.
    pub started: u32,
    /// Checkpoints completed.
    pub completed: u32,
    /// Checkpoints aborted by the timeout.
    pub aborted: u32,
    /// Buffer bytes dropped by the aborted checkpoints (they become garbage).
    pub dropped_bytes: f64,
}

/// Checkpoints over a run.
#[derive(Clone, Debug)]
pub struct Checkpoints {
    spec: CheckpointSpec,
    attempts: Vec<Attempt>,
    /// The first due time: later ones follow every interval.
    origin_s: f64,
    next_due_s: f64,
    last_end_s: f64,
    completed: u64,
    aborted: u64,
    /// Cumulative state writes when the last completed checkpoint started.
    base_writes: Option<f64>,
    /// State bytes of the last completed checkpoint.
    restorable: Option<f64>,
    /// Serialization waits (its thread cannot allocate).
    paused: bool,
}

/// Tolerance on byte counts.
const EPS_BYTES: f64 = 1.0;
/// Shortest time to a rate change, seconds: a change due sooner is taken a microsecond late
/// (the byte counts are clamped), so that time always moves on.
const MIN_STEP_S: f64 = 1e-6;

impl Checkpoints {
    /// No checkpoint yet; the first is due at `first_due_s`, the next ones every interval after.
    pub fn new(spec: CheckpointSpec, first_due_s: f64) -> Checkpoints {
        Checkpoints {
            spec,
            attempts: Vec::new(),
            origin_s: first_due_s,
            next_due_s: first_due_s,
            last_end_s: f64::NEG_INFINITY,
            completed: 0,
            aborted: 0,
            base_writes: None,
            restorable: None,
            paused: false,
        }
    }

    /// Stops (or resumes) serialization, e.g. while large allocations wait for a background GC;
    /// uploads go on.
    pub fn set_serialization_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// The settings.
    pub fn spec(&self) -> &CheckpointSpec {
        &self.spec
    }

    /// Drops the checkpoints in progress (the process died); the next one is due at
    /// `first_due_s`, then every interval. Completed checkpoints stay.
    pub fn restart(&mut self, first_due_s: f64) {
        self.attempts.clear();
        self.origin_s = first_due_s;
        self.next_due_s = first_due_s;
    }

    /// The first due time after a (re)start at `now_s`, with `u` drawn uniformly from [0, 1):
    /// between the min pause and the interval, as Flink draws it.
    pub fn first_due(&self, now_s: f64, u: f64) -> f64 {
        let interval = self.spec.interval_s.max(1e-3);
        let lo = self.spec.min_pause_s.min(interval);
        now_s + lo + u.clamp(0.0, 1.0) * (interval - lo)
    }

    /// Checkpoints in progress.
    pub fn in_progress(&self) -> usize {
        self.attempts.len()
    }

    /// Checkpoints completed so far.
    pub fn completed(&self) -> u64 {
        self.completed
    }

    /// Checkpoints aborted by the timeout so far.
    pub fn aborted(&self) -> u64 {
        self.aborted
    }

    /// State bytes of the last completed checkpoint (what a restart restores).
    pub fn restorable_state(&self) -> Option<f64> {
        self.restorable
    }

    /// Serialization buffers held (serialized, not yet uploaded), bytes.
    pub fn buffered_bytes(&self) -> f64 {
        self.attempts.iter().map(Attempt::buffered).sum()
    }

    /// Whether a synchronous phase is running at `now_s` (the task processes no records).
    pub fn in_sync_phase(&self, now_s: f64) -> bool {
        self.attempts
            .iter()
            .any(|a| now_s < a.started_s + self.spec.sync_s - 1e-12)
    }

    fn in_async(&self, a: &Attempt, now_s: f64) -> bool {
        now_s >= a.started_s + self.spec.sync_s - 1e-12
    }

    /// Serialization and upload rates of each attempt at `now_s`, bytes/s.
    fn rates(&self, now_s: f64) -> Vec<(f64, f64)> {
        let s = self.spec.serialize_bytes_per_s.max(0.0);
        let uploading = self
            .attempts
            .iter()
            .filter(|a| self.in_async(a, now_s))
            .count()
            .max(1) as f64;
        let share = self.spec.upload_bytes_per_s.max(0.0) / uploading;
        self.attempts
            .iter()
            .map(|a| {
                if !self.in_async(a, now_s) {
                    return (0.0, 0.0);
                }
                let serializing = a.serialized < a.size - EPS_BYTES;
                let buffered = a.buffered();
                let up = if buffered > EPS_BYTES {
                    share
                } else if serializing && !self.paused {
                    share.min(s)
                } else {
                    0.0
                };
                let ser = if !serializing || self.paused {
                    0.0
                } else if self
                    .spec
                    .max_buffered_bytes
                    .is_some_and(|b| buffered >= b - EPS_BYTES)
                {
                    s.min(up)
                } else {
                    s
                };
                (ser, up)
            })
            .collect()
    }

    /// Bytes per second allocated for serialization buffers and dropped after upload, at `now_s`.
    pub fn flows(&self, now_s: f64) -> (f64, f64) {
        self.rates(now_s)
            .iter()
            .fold((0.0, 0.0), |(a, f), (s, u)| (a + s, f + u))
    }

    /// The next time after `now_s` at which a rate changes or a checkpoint starts, completes or
    /// times out, seconds (infinite if none).
    pub fn next_change(&self, now_s: f64) -> f64 {
        let mut next = f64::INFINITY;
        if self.attempts.len() < self.spec.max_concurrent.max(1) as usize {
            next = next.min(
                self.next_due_s
                    .max(self.last_end_s + self.spec.min_pause_s)
                    .max(now_s),
            );
        }
        let rates = self.rates(now_s);
        for (a, &(ser, up)) in self.attempts.iter().zip(&rates) {
            let sync_end = a.started_s + self.spec.sync_s;
            if now_s < sync_end {
                next = next.min(sync_end);
                continue;
            }
            next = next.min(a.started_s + self.spec.timeout_s);
            let buffered = a.buffered();
            let mut change = |dt: f64| next = next.min(now_s + dt.max(MIN_STEP_S));
            if ser > 0.0 {
                change((a.size - a.serialized) / ser);
            }
            if let Some(b) = self.spec.max_buffered_bytes
                && ser > up
                && buffered < b - EPS_BYTES
            {
                change((b - buffered) / (ser - up));
            }
            if up > ser && buffered > EPS_BYTES {
                change(buffered / (up - ser));
            }
        }
        next.max(now_s)
    }

    /// Advances serialization and upload by `dt` seconds from `now_s` at the current rates.
    /// Returns the bytes uploaded (whose buffers are dropped).
    pub fn advance(&mut self, now_s: f64, dt: f64) -> f64 {
        if dt <= 0.0 {
            return 0.0;
        }
        let rates = self.rates(now_s);
        let mut uploaded = 0.0;
        for (a, (ser, up)) in self.attempts.iter_mut().zip(rates) {
            a.serialized = (a.serialized + ser * dt).min(a.size);
            let u = (up * dt).min(a.serialized - a.uploaded).max(0.0);
            a.uploaded += u;
            uploaded += u;
        }
        uploaded
    }

    /// Handles what is due at `now_s`: completes finished checkpoints, aborts timed-out ones,
    /// starts a due one. `state_bytes` is the state now and `writes` the state bytes written so
    /// far (cumulative).
    pub fn on_time(&mut self, now_s: f64, state_bytes: f64, writes: f64) -> Transitions {
        let mut tr = Transitions::default();
        let mut i = 0;
        while i < self.attempts.len() {
            let a = &self.attempts[i];
            if a.uploaded >= a.size - EPS_BYTES && self.in_async(a, now_s) {
                let a = self.attempts.remove(i);
                tr.completed += 1;
                self.completed += 1;
                self.last_end_s = now_s;
                self.base_writes = Some(a.writes);
                self.restorable = Some(a.state_bytes);
            } else if now_s >= a.started_s + self.spec.timeout_s - 1e-9 {
                let a = self.attempts.remove(i);
                tr.aborted += 1;
                tr.dropped_bytes += a.buffered();
                self.aborted += 1;
                self.last_end_s = now_s;
            } else {
                i += 1;
            }
        }
        let interval = self.spec.interval_s.max(1e-3);
        let may_start = self.attempts.len() < self.spec.max_concurrent.max(1) as usize
            && now_s >= self.last_end_s + self.spec.min_pause_s - 1e-9;
        if now_s >= self.next_due_s - 1e-9 && may_start {
            let changed = match (self.spec.kind, self.base_writes) {
                (SnapshotKind::Incremental, Some(base)) => (writes - base).clamp(0.0, state_bytes),
                _ => state_bytes,
            };
            self.attempts.push(Attempt {
                started_s: now_s,
                size: changed.max(0.0) * self.spec.bytes_per_state_byte.max(0.0),
                serialized: 0.0,
                uploaded: 0.0,
                state_bytes,
                writes,
            });
            tr.started += 1;
            // The next due time on the interval grid after now (missed ones are skipped).
            let k = ((now_s - self.origin_s) / interval).floor() + 1.0;
            self.next_due_s = self.origin_s + k.max(1.0) * interval;
            if self.next_due_s <= now_s + 1e-9 {
                self.next_due_s += interval;
            }
        }
        tr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: f64 = 1_048_576.0;

    /// Runs the checkpoints alone from 0 to `until` with a fixed state and writes growing at
    /// `write_rate`, stepping from change to change; returns the time series of
    /// (time, buffered bytes, in progress) at every change, and the total allocation.
    fn drive(
        c: &mut Checkpoints,
        state: f64,
        write_rate: f64,
        until: f64,
    ) -> (Vec<(f64, f64, usize)>, f64) {
        let mut now = 0.0;
        let mut out = vec![];
        let mut allocated = 0.0;
        c.on_time(now, state, 0.0);
        while now < until {
            let next = c.next_change(now).min(until);
            let dt = next - now;
            allocated += c.flows(now).0 * dt;
            c.advance(now, dt);
            now = next;
            c.on_time(now, state, write_rate * now);
            out.push((now, c.buffered_bytes(), c.in_progress()));
        }
        (out, allocated)
    }

    fn spec() -> CheckpointSpec {
        CheckpointSpec {
            interval_s: 60.0,
            sync_s: 0.5,
            serialize_bytes_per_s: 400.0 * MIB,
            upload_bytes_per_s: 100.0 * MIB,
            ..Default::default()
        }
    }

    #[test]
    fn a_full_checkpoint_buffers_what_the_upload_has_not_taken_yet() {
        // 1 GiB of state, serialized at 400 MiB/s, uploaded at 100 MiB/s: after 2.56 s all is
        // serialized and 256 MiB uploaded, so 768 MiB of buffers are held; the upload takes
        // 10.24 s, the checkpoint 10.74 s with its 0.5 s synchronous phase.
        let mut c = Checkpoints::new(spec(), 60.0);
        let (series, allocated) = drive(&mut c, 1024.0 * MIB, 0.0, 75.0);
        let peak = series.iter().map(|s| s.1).fold(0.0, f64::max);
        assert!((peak - 768.0 * MIB).abs() < 1.0, "{}", peak / MIB);
        assert_eq!(c.completed(), 1);
        let done = series.iter().find(|s| s.2 == 0 && s.0 > 60.0).unwrap().0;
        assert!((done - 70.74).abs() < 1e-6, "{done}");
        // The whole snapshot went through the buffers once.
        assert!((allocated - 1024.0 * MIB).abs() < 1.0);
        assert_eq!(c.restorable_state(), Some(1024.0 * MIB));
        // Bounded buffering: serialization waits for the upload beyond 64 MiB.
        let mut c = Checkpoints::new(
            CheckpointSpec {
                max_buffered_bytes: Some(64.0 * MIB),
                ..spec()
            },
            60.0,
        );
        let (series, _) = drive(&mut c, 1024.0 * MIB, 0.0, 75.0);
        let peak = series.iter().map(|s| s.1).fold(0.0, f64::max);
        assert!((peak - 64.0 * MIB).abs() < 1.0, "{}", peak / MIB);
    }

    #[test]
    fn an_incremental_checkpoint_allocates_less_than_a_full_one() {
        // 1 GiB of state of which 10 MiB/s is rewritten: the second incremental checkpoint
        // writes the 600 MiB changed in the minute between the first two.
        let state = 1024.0 * MIB;
        let mut full = Checkpoints::new(spec(), 60.0);
        let (_, full_alloc) = drive(&mut full, state, 10.0 * MIB, 150.0);
        let mut inc = Checkpoints::new(
            CheckpointSpec {
                kind: SnapshotKind::Incremental,
                ..spec()
            },
            60.0,
        );
        let (_, inc_alloc) = drive(&mut inc, state, 10.0 * MIB, 150.0);
        assert_eq!(full.completed(), 2);
        assert_eq!(inc.completed(), 2);
        assert!((full_alloc - 2048.0 * MIB).abs() < 1.0);
        assert!(
            (inc_alloc - (1024.0 + 600.0) * MIB).abs() < 1.0,
            "{}",
            inc_alloc / MIB
        );
        assert!(inc_alloc < full_alloc);
    }

    #[test]
    fn checkpoints_overlap_when_one_outlasts_the_interval() {
        // 8 GiB at 100 MiB/s takes 82 s, longer than the 60 s interval.
        let state = 8192.0 * MIB;
        let mut one = Checkpoints::new(spec(), 60.0);
        let (series, _) = drive(&mut one, state, 0.0, 200.0);
        assert!(series.iter().all(|s| s.2 <= 1));
        // With one at a time the second starts when the first ends (due at 120 s, it waits
        // until 60 + 0.5 + 81.92 = 142.42 s).
        assert_eq!(one.completed(), 1);
        let mut two = Checkpoints::new(
            CheckpointSpec {
                max_concurrent: 2,
                ..spec()
            },
            60.0,
        );
        let (series, _) = drive(&mut two, state, 0.0, 200.0);
        let most = series.iter().map(|s| s.2).max().unwrap();
        assert_eq!(most, 2);
        // Two snapshots buffered at once hold more than one alone ever does.
        let peak_two = series.iter().map(|s| s.1).fold(0.0, f64::max);
        let (series_one, _) = drive(&mut Checkpoints::new(spec(), 60.0), state, 0.0, 200.0);
        let peak_one = series_one.iter().map(|s| s.1).fold(0.0, f64::max);
        assert!(
            peak_two > peak_one * 1.2,
            "{} vs {}",
            peak_two / MIB,
            peak_one / MIB
        );
    }

    #[test]
    fn min_pause_delays_the_next_checkpoint_and_timeouts_drop_buffers() {
        let mut c = Checkpoints::new(
            CheckpointSpec {
                min_pause_s: 50.0,
                ..spec()
            },
            60.0,
        );
        // 1 GiB: the first ends at 70.74 s; the one due at 120 s may start then (70.74 + 50).
        let (series, _) = drive(&mut c, 1024.0 * MIB, 0.0, 119.0);
        assert!(series.iter().filter(|s| s.0 > 71.0).all(|s| s.2 == 0));
        let mut c = Checkpoints::new(
            CheckpointSpec {
                min_pause_s: 70.0,
                ..spec()
            },
            60.0,
        );
        let (series, _) = drive(&mut c, 1024.0 * MIB, 0.0, 200.0);
        // Due at 120 s but the pause lasts until 140.74 s.
        let start = series
            .iter()
            .find(|s| s.0 > 100.0 && s.2 == 1)
            .map(|s| s.0)
            .unwrap();
        assert!((start - 140.74).abs() < 1e-6, "{start}");

        let mut c = Checkpoints::new(
            CheckpointSpec {
                timeout_s: 5.0,
                ..spec()
            },
            60.0,
        );
        let (_, _) = drive(&mut c, 1024.0 * MIB, 0.0, 70.0);
        assert_eq!(c.aborted(), 1);
        assert_eq!(c.completed(), 0);
        assert_eq!(c.buffered_bytes(), 0.0);
        assert_eq!(c.restorable_state(), None);
    }

    #[test]
    fn the_first_checkpoint_is_due_between_the_min_pause_and_the_interval() {
        let c = Checkpoints::new(
            CheckpointSpec {
                min_pause_s: 10.0,
                ..spec()
            },
            0.0,
        );
        assert_eq!(c.first_due(100.0, 0.0), 110.0);
        assert_eq!(c.first_due(100.0, 0.5), 135.0);
        // Due times then follow the interval from the first.
        let mut c = Checkpoints::new(spec(), 35.0);
        let (series, _) = drive(&mut c, 1e6, 0.0, 160.0);
        let starts: Vec<f64> = series
            .windows(2)
            .filter(|w| w[1].2 > w[0].2)
            .map(|w| w[1].0)
            .collect();
        assert_eq!(starts, vec![95.0, 155.0]);
    }

    #[test]
    fn the_synchronous_phase_stops_processing() {
        let mut c = Checkpoints::new(spec(), 60.0);
        c.on_time(60.0, 1e6, 0.0);
        assert!(c.in_sync_phase(60.2));
        assert!(!c.in_sync_phase(60.5));
        assert_eq!(c.flows(60.2), (0.0, 0.0));
        assert!(c.flows(60.5).0 > 0.0);
    }
}
