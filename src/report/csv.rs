//! The CSV files of one run: the time series, one row per GC, lifecycle events, and the summary.
//!
//! Formatting is fixed so that the same run always gives the same bytes, whatever the locale:
//!
//! | what | format | example |
//! |---|---|---|
//! | bytes (`*_bytes`) | whole number, rounded to nearest (halves away from zero) | `1073741824` |
//! | time series and summary times (`time_s`, `*_time_s`, `simulated_s`) | seconds, 3 decimals | `12.300` |
//! | GC start time (`gc_events.csv` `time_s`) | seconds, 6 decimals (GCs can be microseconds apart) | `0.012345` |
//! | pauses and durations (`*_ms`) | milliseconds, 3 decimals | `4.250` |
//! | percentages (`*_pct`) | percent, 3 decimals | `1.875` |
//! | pool usages (`*_usage`) | fraction 0..1, 3 decimals | `0.625` |
//! | rates and record counts in the time series | 3 decimals | `25000.000` |
//! | counts | whole number | `42` |
//! | flags (`running`, `compacting`) | `1` or `0` | `1` |
//! | absent value (no limit, no failure) | empty field | |
//!
//! Fields are separated by `,`, lines end with `\n`, and text fields are quoted only when they
//! contain a comma, a quote or a line break. Negative zero is written as zero.
//!
//! The streaming writers implement [`Observer`], so a run writes its rows as it produces them.
//! An [`Observer`] method cannot fail, so a writer keeps the first I/O error, stops writing, and
//! returns the error from `finish`.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::sim::RunSpec;
use crate::sim::gc::record::condemn_bits;
use crate::sim::observe::{Components, GcRecord, Observer, RunEvent, Sample, Summary};

/// File name of the time series.
pub const TIMESERIES_FILE: &str = "timeseries.csv";
/// File name of the per-GC records.
pub const GC_EVENTS_FILE: &str = "gc_events.csv";
/// File name of the lifecycle events.
pub const EVENTS_FILE: &str = "events.csv";
/// File name of the one-row summary.
pub const SUMMARY_FILE: &str = "summary.csv";

/// Decimals of times in the time series, the events and the summary (seconds): milliseconds.
pub const TIME_DECIMALS: usize = 3;
/// Decimals of GC start times (seconds): microseconds.
pub const GC_TIME_DECIMALS: usize = 6;
/// Decimals of pauses and durations (milliseconds): microseconds.
pub const MS_DECIMALS: usize = 3;
/// Decimals of percentages.
pub const PCT_DECIMALS: usize = 3;

/// The fields of [`Components`] in column order. Time-series columns are `<name>_bytes`, summary
/// columns `peak_<name>_bytes`.
pub const COMPONENT_NAMES: [&str; 14] = [
    "gen0",
    "gen1",
    "gen2",
    "loh",
    "fragmentation",
    "gc_committed",
    "gc_untouched",
    "network",
    "state_offheap",
    "stacks",
    "runtime",
    "code",
    "native",
    "state_heap",
];

/// The values of [`Components`] in the order of [`COMPONENT_NAMES`], bytes.
pub fn component_values(c: &Components) -> [f64; 14] {
    [
        c.gen0,
        c.gen1,
        c.gen2,
        c.loh,
        c.fragmentation,
        c.gc_committed,
        c.gc_untouched,
        c.network,
        c.state_offheap,
        c.stacks,
        c.runtime,
        c.code,
        c.native,
        c.state_heap,
    ]
}

/// Columns of `timeseries.csv`, one row per sample.
///
/// `time_s` (s); the memory components of [`Components`] (bytes); `rss_bytes`; `limit_bytes`
/// (the pod limit, empty when there is none); `gen0_gcs`..`gen2_gcs` (GCs by condemned
/// generation since the run started, cumulative over restarts); `time_in_gc_pct` (share of the
/// last sampling interval spent paused, percent); `record_rate` (records/s); `backlog_records`
/// (records waiting); `running` (`1` while the process runs, `0` while the pod restarts); then the
/// models' figures ([`crate::sim::observe::ModelSample`]): `out_pool_usage` and `in_pool_usage`
/// (network buffers in use over the pools' size, Flink's `outPoolUsage`/`inPoolUsage`, averaged
/// over the interval); `backpressured_pct` (share of the interval the producer was held back by
/// the network, percent); `network_buffers_taken` (buffers taken from the pool); `memtable_bytes`
/// (off-heap memtables); `checkpoints_in_progress`; `checkpoints_completed` and
/// `checkpoints_failed` (cumulative); `checkpoint_buffer_bytes` (live serialization buffers);
/// `job_metadata_bytes` (a JobManager's live job graphs and checkpoint metadata).
pub const TIMESERIES_COLUMNS: [&str; 34] = [
    "time_s",
    "gen0_bytes",
    "gen1_bytes",
    "gen2_bytes",
    "loh_bytes",
    "fragmentation_bytes",
    "gc_committed_bytes",
    "gc_untouched_bytes",
    "network_bytes",
    "state_offheap_bytes",
    "stacks_bytes",
    "runtime_bytes",
    "code_bytes",
    "native_bytes",
    "state_heap_bytes",
    "rss_bytes",
    "limit_bytes",
    "gen0_gcs",
    "gen1_gcs",
    "gen2_gcs",
    "time_in_gc_pct",
    "record_rate",
    "backlog_records",
    "running",
    "out_pool_usage",
    "in_pool_usage",
    "backpressured_pct",
    "network_buffers_taken",
    "memtable_bytes",
    "checkpoints_in_progress",
    "checkpoints_completed",
    "checkpoints_failed",
    "checkpoint_buffer_bytes",
    "job_metadata_bytes",
];

/// Columns of `gc_events.csv`, one row per GC in completion order.
///
/// `index` (1-based GC number); `time_s` (start, s since the process started, 6 decimals);
/// `generation` (condemned: 0, 1, 2); `kind` (`blocking`, `background`, `foreground`); `reason`
/// (`alloc_small`, `alloc_large`, `oos_soh`, `oos_loh`); `pause_ms` (application suspended, ms);
/// `duration_ms` (start to end, ms); `heap_before_bytes`, `heap_after_bytes` (objects plus free
/// space, all generations); `survived_bytes` (marked live in the condemned generations);
/// `promoted_bytes` (moved to an older generation); `gen0_after_bytes`..`loh_after_bytes`
/// (generation sizes after the GC); `fragmentation_after_bytes` (free space after the GC);
/// `gen0_budget_bytes` (per heap); `compacting` (`1` compacted, `0` swept);
/// `committed_after_bytes` (memory committed by the GC afterwards); `heaps` (GC heaps);
/// `condemned_because` (why this generation: `budget`, or the runtime's condemn reasons joined
/// with `+`, e.g. `low_ephemeral_space+gen2_budget_exhausted`).
pub const GC_EVENTS_COLUMNS: [&str; 21] = [
    "index",
    "time_s",
    "generation",
    "kind",
    "reason",
    "pause_ms",
    "duration_ms",
    "heap_before_bytes",
    "heap_after_bytes",
    "survived_bytes",
    "promoted_bytes",
    "gen0_after_bytes",
    "gen1_after_bytes",
    "gen2_after_bytes",
    "loh_after_bytes",
    "fragmentation_after_bytes",
    "gen0_budget_bytes",
    "compacting",
    "committed_after_bytes",
    "heaps",
    "condemned_because",
];

/// Columns of `events.csv`, one row per lifecycle event.
///
/// `time_s` (s); `event` (`oom_killed`, `managed_oom`, `restarted`); `detail` (`rss_bytes=N` for
/// an OOM kill, `committed_bytes=N` for a managed OOM, `restart=N` for a restart).
pub const EVENTS_COLUMNS: [&str; 3] = ["time_s", "event", "detail"];

/// Columns of `summary.csv`: one row for the run.
///
/// `scenario`; `seed`; `simulated_s` (s); `outcome` (`ok`, `oom_killed`, `managed_oom`);
/// `outcome_time_s` (first failure, s; empty when none); `failures`; `restarts`;
/// `peak_rss_bytes` and `peak_rss_time_s` (when it was reached, s); `limit_bytes` and
/// `request_bytes` (the pod's, empty when unset); `peak_heap_after_gc_bytes`;
/// `gen0_gcs`..`gen2_gcs` (by condemned generation); `background_gcs`; `pause_total_ms`,
/// `pause_p50_ms`, `pause_p99_ms`, `pause_max_ms` (ms; the quantiles come from a histogram with
/// 1%-wide buckets and are capped at the maximum); `time_in_gc_pct` (share of running time
/// spent paused, percent); `allocated_bytes` (by the workload); `records` (processed); then
/// `peak_<component>_bytes` for each of [`COMPONENT_NAMES`]: the breakdown at the RSS peak.
pub const SUMMARY_COLUMNS: [&str; 37] = [
    "scenario",
    "seed",
    "simulated_s",
    "outcome",
    "outcome_time_s",
    "failures",
    "restarts",
    "peak_rss_bytes",
    "peak_rss_time_s",
    "limit_bytes",
    "request_bytes",
    "peak_heap_after_gc_bytes",
    "gen0_gcs",
    "gen1_gcs",
    "gen2_gcs",
    "background_gcs",
    "pause_total_ms",
    "pause_p50_ms",
    "pause_p99_ms",
    "pause_max_ms",
    "time_in_gc_pct",
    "allocated_bytes",
    "records",
    "peak_gen0_bytes",
    "peak_gen1_bytes",
    "peak_gen2_bytes",
    "peak_loh_bytes",
    "peak_fragmentation_bytes",
    "peak_gc_committed_bytes",
    "peak_gc_untouched_bytes",
    "peak_network_bytes",
    "peak_state_offheap_bytes",
    "peak_stacks_bytes",
    "peak_runtime_bytes",
    "peak_code_bytes",
    "peak_native_bytes",
    "peak_state_heap_bytes",
];

/// The header line of a file with `columns`, `\n` included.
pub fn header_line(columns: &[&str]) -> String {
    let mut row = Row::default();
    for c in columns {
        row.text(c);
    }
    row.finish()
}

/// One CSV line being built, fields formatted as the module documents.
#[derive(Clone, Debug, Default)]
pub struct Row {
    line: String,
    fields: usize,
}

impl Row {
    fn sep(&mut self) {
        if self.fields > 0 {
            self.line.push(',');
        }
        self.fields += 1;
    }

    /// A byte count (or any quantity written whole), rounded to the nearest integer, halves away
    /// from zero.
    pub fn bytes(&mut self, x: f64) -> &mut Row {
        self.fixed(x.round(), 0)
    }

    /// An optional byte count; empty when `None`.
    pub fn opt_bytes(&mut self, x: Option<f64>) -> &mut Row {
        match x {
            Some(x) => self.bytes(x),
            None => self.empty(),
        }
    }

    /// A number with `decimals` decimals, rounded to nearest (an exact binary half goes to the even
    /// digit), never `-0`.
    pub fn fixed(&mut self, x: f64, decimals: usize) -> &mut Row {
        self.sep();
        let start = self.line.len();
        let _ = write!(self.line, "{x:.decimals$}");
        let written = &self.line[start..];
        if written.starts_with('-') && written[1..].bytes().all(|b| b == b'0' || b == b'.') {
            self.line.remove(start);
        }
        self
    }

    /// An optional number with `decimals` decimals; empty when `None`.
    pub fn opt_fixed(&mut self, x: Option<f64>, decimals: usize) -> &mut Row {
        match x {
            Some(x) => self.fixed(x, decimals),
            None => self.empty(),
        }
    }

    /// Seconds converted to milliseconds, [`MS_DECIMALS`] decimals.
    pub fn ms(&mut self, seconds: f64) -> &mut Row {
        self.fixed(seconds * 1000.0, MS_DECIMALS)
    }

    /// A whole count.
    pub fn count(&mut self, n: u64) -> &mut Row {
        self.sep();
        let _ = write!(self.line, "{n}");
        self
    }

    /// `1` or `0`.
    pub fn flag(&mut self, b: bool) -> &mut Row {
        self.sep();
        self.line.push(if b { '1' } else { '0' });
        self
    }

    /// Text, quoted when it contains a comma, a quote or a line break.
    pub fn text(&mut self, s: &str) -> &mut Row {
        self.sep();
        if s.contains([',', '"', '\n', '\r']) {
            self.line.push('"');
            self.line.push_str(&s.replace('"', "\"\""));
            self.line.push('"');
        } else {
            self.line.push_str(s);
        }
        self
    }

    /// An empty field.
    pub fn empty(&mut self) -> &mut Row {
        self.sep();
        self
    }

    /// Number of fields so far.
    pub fn len(&self) -> usize {
        self.fields
    }

    /// Whether no field was added.
    pub fn is_empty(&self) -> bool {
        self.fields == 0
    }

    /// The line with its `\n`.
    pub fn finish(mut self) -> String {
        self.line.push('\n');
        self.line
    }
}

/// Rows going to one writer; keeps the first error.
#[derive(Debug)]
struct Sink<W: Write> {
    out: W,
    rows: u64,
    error: Option<io::Error>,
}

impl<W: Write> Sink<W> {
    fn new(mut out: W, columns: &[&str]) -> io::Result<Sink<W>> {
        out.write_all(header_line(columns).as_bytes())?;
        Ok(Sink {
            out,
            rows: 0,
            error: None,
        })
    }

    fn emit(&mut self, line: &str) {
        if self.error.is_some() {
            return;
        }
        match self.out.write_all(line.as_bytes()) {
            Ok(()) => self.rows += 1,
            Err(e) => self.error = Some(e),
        }
    }

    fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The row of `timeseries.csv` for one sample (see [`TIMESERIES_COLUMNS`]), `\n` included.
pub fn timeseries_row(s: &Sample) -> String {
    let mut r = Row::default();
    r.fixed(s.time_s, TIME_DECIMALS);
    for v in component_values(&s.mem) {
        r.bytes(v);
    }
    r.bytes(s.rss).opt_bytes(s.limit);
    for n in s.gc_counts {
        r.count(n);
    }
    r.fixed(s.time_in_gc_pct, PCT_DECIMALS)
        .fixed(s.record_rate, 3)
        .fixed(s.backlog_records, 3)
        .flag(s.running);
    let m = &s.models;
    r.fixed(m.out_pool_usage, 3)
        .fixed(m.in_pool_usage, 3)
        .fixed(m.backpressured_pct, PCT_DECIMALS)
        .bytes(m.network_buffers_taken)
        .bytes(m.memtable_bytes)
        .count(u64::from(m.checkpoints_in_progress))
        .count(m.checkpoints_completed)
        .count(m.checkpoints_failed)
        .bytes(m.checkpoint_buffer_bytes)
        .bytes(m.job_metadata_bytes);
    r.finish()
}

/// The row of `gc_events.csv` for one GC (see [`GC_EVENTS_COLUMNS`]), `\n` included.
pub fn gc_event_row(g: &GcRecord) -> String {
    let mut r = Row::default();
    r.count(g.index)
        .fixed(g.start_s, GC_TIME_DECIMALS)
        .count(u64::from(g.generation))
        .text(g.kind.name())
        .text(g.reason.name())
        .ms(g.pause_s)
        .ms(g.duration_s)
        .bytes(g.heap_before)
        .bytes(g.heap_after)
        .bytes(g.survived)
        .bytes(g.promoted);
    for v in g.gen_after {
        r.bytes(v);
    }
    r.bytes(g.fragmentation_after)
        .bytes(g.gen0_budget)
        .flag(g.compacting)
        .bytes(g.committed_after)
        .count(u64::from(g.heaps))
        .text(&condemn_bits::describe(g.condemn_reasons));
    r.finish()
}

/// The row of `events.csv` for one lifecycle event (see [`EVENTS_COLUMNS`]), `\n` included.
pub fn event_row(e: &RunEvent) -> String {
    let mut r = Row::default();
    match e {
        RunEvent::OomKilled { time_s, rss } => {
            r.fixed(*time_s, TIME_DECIMALS)
                .text("oom_killed")
                .text(&format!("rss_bytes={}", whole(*rss)));
        }
        RunEvent::ManagedOom { time_s, committed } => {
            r.fixed(*time_s, TIME_DECIMALS)
                .text("managed_oom")
                .text(&format!("committed_bytes={}", whole(*committed)));
        }
        RunEvent::Restarted { time_s, restart } => {
            r.fixed(*time_s, TIME_DECIMALS)
                .text("restarted")
                .text(&format!("restart={restart}"));
        }
    }
    r.finish()
}

/// `x` rounded to a whole number as text (never `-0`).
fn whole(x: f64) -> String {
    let mut r = Row::default();
    r.bytes(x);
    let mut s = r.finish();
    s.pop();
    s
}

/// The row of `summary.csv` (see [`SUMMARY_COLUMNS`]), `\n` included. The seed, the limit and
/// the request come from `spec`.
pub fn summary_row(scenario: &str, spec: &RunSpec, s: &Summary) -> String {
    let mut r = Row::default();
    r.text(scenario).count(spec.seed);
    summary_fields(&mut r, spec, s);
    r.finish()
}

/// Appends the summary columns after `scenario` and `seed` (from `simulated_s` on, see
/// [`SUMMARY_COLUMNS`]) to `r`; sweeps put them in `runs.csv` after their own columns.
pub fn summary_fields(r: &mut Row, spec: &RunSpec, s: &Summary) {
    r.fixed(s.simulated_s, TIME_DECIMALS)
        .text(s.outcome.name())
        .opt_fixed(s.outcome_time_s, TIME_DECIMALS)
        .count(u64::from(s.failures))
        .count(u64::from(s.restarts))
        .bytes(s.peak_rss)
        .fixed(s.peak_rss_time_s, TIME_DECIMALS)
        .opt_bytes(spec.pod.limit_bytes)
        .opt_bytes(spec.pod.request_bytes)
        .bytes(s.peak_heap_after_gc);
    for n in s.gc_counts {
        r.count(n);
    }
    r.count(s.background_gcs)
        .ms(s.pause_total_s)
        .ms(s.pause_p50_s.min(s.pause_max_s))
        .ms(s.pause_p99_s.min(s.pause_max_s))
        .ms(s.pause_max_s)
        .fixed(s.time_in_gc_pct, PCT_DECIMALS)
        .bytes(s.allocated_bytes)
        .bytes(s.records);
    for v in component_values(&s.peak_components) {
        r.bytes(v);
    }
}

/// The whole `summary.csv`: header and one row.
pub fn summary_csv(scenario: &str, spec: &RunSpec, s: &Summary) -> String {
    let mut out = header_line(&SUMMARY_COLUMNS);
    out.push_str(&summary_row(scenario, spec, s));
    out
}

/// Streams `timeseries.csv`: the header on creation, then one row per [`Observer::on_sample`].
#[derive(Debug)]
pub struct TimeseriesWriter<W: Write> {
    sink: Sink<W>,
}

impl<W: Write> TimeseriesWriter<W> {
    /// Writes the header to `out`.
    pub fn new(out: W) -> io::Result<Self> {
        Ok(TimeseriesWriter {
            sink: Sink::new(out, &TIMESERIES_COLUMNS)?,
        })
    }

    /// Rows written so far (header excluded).
    pub fn rows(&self) -> u64 {
        self.sink.rows
    }

    /// Flushes and returns the writer, or the first error met while writing rows.
    pub fn finish(self) -> io::Result<W> {
        self.sink.finish()
    }
}

impl<W: Write> Observer for TimeseriesWriter<W> {
    fn on_sample(&mut self, sample: &Sample) {
        self.sink.emit(&timeseries_row(sample));
    }
}

/// Streams `gc_events.csv`: the header on creation, then one row per [`Observer::on_gc`].
#[derive(Debug)]
pub struct GcEventsWriter<W: Write> {
    sink: Sink<W>,
}

impl<W: Write> GcEventsWriter<W> {
    /// Writes the header to `out`.
    pub fn new(out: W) -> io::Result<Self> {
        Ok(GcEventsWriter {
            sink: Sink::new(out, &GC_EVENTS_COLUMNS)?,
        })
    }

    /// Rows written so far (header excluded).
    pub fn rows(&self) -> u64 {
        self.sink.rows
    }

    /// Flushes and returns the writer, or the first error met while writing rows.
    pub fn finish(self) -> io::Result<W> {
        self.sink.finish()
    }
}

impl<W: Write> Observer for GcEventsWriter<W> {
    fn on_gc(&mut self, record: &GcRecord) {
        self.sink.emit(&gc_event_row(record));
    }
}

/// Streams `events.csv`: the header on creation, then one row per [`Observer::on_event`].
#[derive(Debug)]
pub struct EventsWriter<W: Write> {
    sink: Sink<W>,
}

impl<W: Write> EventsWriter<W> {
    /// Writes the header to `out`.
    pub fn new(out: W) -> io::Result<Self> {
        Ok(EventsWriter {
            sink: Sink::new(out, &EVENTS_COLUMNS)?,
        })
    }

    /// Rows written so far (header excluded).
    pub fn rows(&self) -> u64 {
        self.sink.rows
    }

    /// Flushes and returns the writer, or the first error met while writing rows.
    pub fn finish(self) -> io::Result<W> {
        self.sink.finish()
    }
}

impl<W: Write> Observer for EventsWriter<W> {
    fn on_event(&mut self, event: &RunEvent) {
        self.sink.emit(&event_row(event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::gc::{GcKind, GcReason};
    use crate::sim::observe::Outcome;

    fn components(base: f64) -> Components {
        Components {
            gen0: base,
            gen1: base + 1.0,
            gen2: base + 2.0,
            loh: base + 3.0,
            fragmentation: base + 4.0,
            gc_committed: base + 5.0,
            gc_untouched: base + 6.0,
            gc_untouched_parked: 0.0,
            network: base + 7.0,
            state_offheap: base + 8.0,
            stacks: base + 9.0,
            runtime: base + 10.0,
            code: base + 11.0,
            native: base + 12.0,
            state_heap: base + 13.0,
        }
    }

    fn sample(time_s: f64, limit: Option<f64>) -> Sample {
        Sample {
            time_s,
            mem: components(1000.0),
            rss: 2_147_483_648.4,
            limit,
            gc_counts: [12, 3, 1],
            time_in_gc_pct: 1.23456,
            record_rate: 25_000.0,
            backlog_records: 0.0,
            running: true,
            models: crate::sim::observe::ModelSample {
                out_pool_usage: 0.625,
                in_pool_usage: 0.1254,
                backpressured_pct: 12.5,
                network_buffers_taken: 1544.0,
                memtable_bytes: 67_108_864.0,
                checkpoints_in_progress: 1,
                checkpoints_completed: 7,
                checkpoints_failed: 2,
                checkpoint_buffer_bytes: 805_306_368.0,
                job_metadata_bytes: 12_345.4,
            },
        }
    }

    fn gc() -> GcRecord {
        GcRecord {
            index: 7,
            start_s: 1.2345678,
            generation: 2,
            kind: GcKind::Background,
            reason: GcReason::AllocLarge,
            pause_s: 0.0042504,
            duration_s: 0.120,
            compacting: false,
            promoted_up: true,
            heap_before: 104_857_600.0,
            heap_after: 52_428_800.6,
            survived: 1_048_576.0,
            promoted: 524_288.0,
            gen_after: [0.0, 1.0, 2.0, 3.0],
            fragmentation_after: 4096.0,
            gen0_budget: 6_291_456.0,
            budgets: [0.0; 4],
            heaps: 2,
            committed_after: 60_000_000.0,
            condemn_reasons: 0,
        }
    }

    fn lines(bytes: Vec<u8>) -> Vec<String> {
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.ends_with('\n'));
        assert!(!text.contains('\r'));
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn component_columns_follow_component_names() {
        for (i, c) in COMPONENT_NAMES.iter().enumerate() {
            assert_eq!(TIMESERIES_COLUMNS[1 + i], format!("{c}_bytes"));
            assert_eq!(SUMMARY_COLUMNS[23 + i], format!("peak_{c}_bytes"));
        }
        let v = component_values(&components(0.0));
        assert_eq!(v.to_vec(), (0..14).map(f64::from).collect::<Vec<_>>());
    }

    #[test]
    fn timeseries_header_and_rows() {
        let mut w = TimeseriesWriter::new(Vec::new()).unwrap();
        w.on_sample(&sample(0.1, Some(4_294_967_296.0)));
        w.on_sample(&sample(12.3456, None));
        w.on_gc(&gc());
        assert_eq!(w.rows(), 2);
        let l = lines(w.finish().unwrap());
        assert_eq!(l.len(), 3);
        assert_eq!(l[0], TIMESERIES_COLUMNS.join(","));
        assert_eq!(
            l[1],
            "0.100,1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,\
             2147483648,4294967296,12,3,1,1.235,25000.000,0.000,1,\
             0.625,0.125,12.500,1544,67108864,1,7,2,805306368,12345"
        );
        assert!(l[2].starts_with("12.346,1000,"));
        assert!(l[2].contains(",2147483648,,12,3,1,"), "{}", l[2]);
        for line in &l[1..] {
            assert_eq!(line.split(',').count(), TIMESERIES_COLUMNS.len());
        }
    }

    #[test]
    fn gc_events_header_and_rows() {
        let mut w = GcEventsWriter::new(Vec::new()).unwrap();
        w.on_gc(&gc());
        w.on_sample(&sample(0.0, None));
        let l = lines(w.finish().unwrap());
        assert_eq!(l[0], GC_EVENTS_COLUMNS.join(","));
        assert_eq!(
            l[1],
            "7,1.234568,2,background,alloc_large,4.250,120.000,104857600,52428801,1048576,\
             524288,0,1,2,3,4096,6291456,0,60000000,2,budget"
        );
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn events_header_and_rows() {
        let mut w = EventsWriter::new(Vec::new()).unwrap();
        w.on_event(&RunEvent::OomKilled {
            time_s: 61.25,
            rss: 536_870_912.0,
        });
        w.on_event(&RunEvent::Restarted {
            time_s: 71.25,
            restart: 1,
        });
        w.on_event(&RunEvent::ManagedOom {
            time_s: 80.0,
            committed: 100.5,
        });
        let l = lines(w.finish().unwrap());
        assert_eq!(
            l,
            vec![
                "time_s,event,detail",
                "61.250,oom_killed,rss_bytes=536870912",
                "71.250,restarted,restart=1",
                "80.000,managed_oom,committed_bytes=101",
            ]
        );
    }

    #[test]
    fn summary_row_formats_every_column() {
        let mut spec = crate::lab::predict::run_spec(
            &crate::lab::LabSpec::parse("duration_s = 1\n", "x").unwrap(),
            &crate::lab::LabMachine::first_host(),
            &Vec::new(),
        )
        .unwrap();
        spec.seed = 42;
        spec.pod.limit_bytes = Some(1_073_741_824.0);
        spec.pod.request_bytes = None;
        let s = Summary {
            simulated_s: 600.0,
            workload_end_s: 600.0,
            peak_rss: 900_000_000.0,
            peak_rss_time_s: 123.4567,
            peak_components: components(0.0),
            peak_heap_after_gc: 500_000_000.0,
            gc_counts: [100, 10, 2],
            background_gcs: 1,
            pause_total_s: 0.5,
            pause_p50_s: 0.001,
            pause_p99_s: 0.0123456,
            pause_max_s: 0.02,
            time_in_gc_pct: 0.0833333,
            outcome: Outcome::OomKilled,
            outcome_time_s: Some(300.0),
            failures: 1,
            restarts: 0,
            allocated_bytes: 1e10,
            records: 123_456.7,
        };
        let text = summary_csv("tm, \"big\"", &spec, &s);
        let l: Vec<&str> = text.lines().collect();
        assert_eq!(l[0], SUMMARY_COLUMNS.join(","));
        assert_eq!(
            l[1],
            "\"tm, \"\"big\"\"\",42,600.000,oom_killed,300.000,1,0,900000000,123.457,1073741824,,\
             500000000,100,10,2,1,500.000,1.000,12.346,20.000,0.083,10000000000,123457,\
             0,1,2,3,4,5,6,7,8,9,10,11,12,13"
        );
        let mut fields = l[1].split(',').count();
        fields -= 1; // the comma inside the quoted name
        assert_eq!(fields, SUMMARY_COLUMNS.len());
    }

    #[test]
    fn negative_zero_and_rounding() {
        let mut r = Row::default();
        r.bytes(-0.2).fixed(-0.0001, 3).fixed(-1.5, 1).bytes(2.5);
        assert_eq!(r.finish(), "0,0.000,-1.5,3\n");
    }

    #[derive(Debug)]
    struct Failing;

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_errors_surface_at_finish() {
        assert!(TimeseriesWriter::new(Failing).is_err());
        let mut w = TimeseriesWriter {
            sink: Sink {
                out: Failing,
                rows: 0,
                error: None,
            },
        };
        w.on_sample(&sample(0.0, None));
        w.on_sample(&sample(1.0, None));
        assert_eq!(w.rows(), 0);
        assert_eq!(w.finish().unwrap_err().to_string(), "disk full");
    }
}
