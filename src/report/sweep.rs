//! The files of a sweep, in `OUT/<scenario>/` (a shard writes `OUT/<scenario>/shard-K-of-N/`):
//!
//! | file | rows | columns |
//! |---|---|---|
//! | `sweep.json` | — | what was swept: scenario, method, keys, points, replications, seed, fingerprint, shard |
//! | `runs.csv` | one per run, in run order | `point`, `replication`, `seed`, one column per swept key ([`crate::sweep::Axis::column`]), then [`run_summary_columns`] |
//! | `points.csv` | one per point | `point`, the swept keys, then [`POINT_STAT_COLUMNS`] |
//!
//! `runs.csv` grows as runs finish: rows are appended in run order, each batch of finished rows
//! in one write, so an interrupted sweep leaves a file of whole rows (a row cut by a kill in the
//! middle of a write is dropped on resume). [`RunsWriter::start`] with `resume` checks the rows
//! already there against the sweep and carries on after them; `points.csv` is written once every
//! run is in, computed from `runs.csv` alone, so a resumed or merged sweep gives the same bytes
//! as an uninterrupted one. Numbers follow the formats of [`super::csv`]; probabilities have
//! [`PROBABILITY_DECIMALS`] decimals.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::{AtomicFile, WriteError, write_atomic};
use super::csv::{MS_DECIMALS, PCT_DECIMALS, Row, SUMMARY_COLUMNS, header_line, summary_fields};
use crate::sweep::stats::{PointStats, RunObservation};
use crate::sweep::{RunResult, Shard, SweepPlan, run_seed};

/// File name of the per-run table.
pub const RUNS_FILE: &str = "runs.csv";
/// File name of the per-point statistics.
pub const POINTS_FILE: &str = "points.csv";
/// File name of the sweep description.
pub const SWEEP_FILE: &str = "sweep.json";
/// Decimals of probabilities and their interval bounds.
pub const PROBABILITY_DECIMALS: usize = 6;

/// The first columns of `runs.csv`: point index, replication index (both 0-based), run seed.
pub const RUN_KEY_COLUMNS: [&str; 3] = ["point", "replication", "seed"];

/// The summary columns of `runs.csv` after the swept keys: [`SUMMARY_COLUMNS`] from
/// `simulated_s` on (the scenario and seed columns are replaced by the run's own).
pub fn run_summary_columns() -> &'static [&'static str] {
    &SUMMARY_COLUMNS[2..]
}

/// Columns of `points.csv` after `point` and the swept keys.
///
/// `runs` (replications); `oom_kills` (runs whose first failure was an OOM kill) with
/// `p_oom_kill` and its Wilson 95 % interval `p_oom_kill_lo`, `p_oom_kill_hi`; the same for
/// managed OutOfMemoryExceptions (`managed_ooms`, `p_managed_oom*`); peak RSS over replications:
/// `peak_rss_mean_bytes`, `peak_rss_p50_bytes`, `peak_rss_p95_bytes` (Hyndman–Fan definition 8),
/// `peak_rss_max_bytes`; `time_in_gc_mean_pct` with its Student-t 95 % interval
/// `time_in_gc_lo_pct`, `time_in_gc_hi_pct` (empty below two runs); `pause_p99_mean_ms` (mean of
/// the runs' 99th-percentile pauses) and `pause_p99_max_ms` (the largest of them).
pub const POINT_STAT_COLUMNS: [&str; 18] = [
    "runs",
    "oom_kills",
    "p_oom_kill",
    "p_oom_kill_lo",
    "p_oom_kill_hi",
    "managed_ooms",
    "p_managed_oom",
    "p_managed_oom_lo",
    "p_managed_oom_hi",
    "peak_rss_mean_bytes",
    "peak_rss_p50_bytes",
    "peak_rss_p95_bytes",
    "peak_rss_max_bytes",
    "time_in_gc_mean_pct",
    "time_in_gc_lo_pct",
    "time_in_gc_hi_pct",
    "pause_p99_mean_ms",
    "pause_p99_max_ms",
];

/// A problem with a sweep's files: which file or folder, and what.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct SweepFileError {
    /// The file or folder.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: String,
}

impl SweepFileError {
    /// A problem with `path`.
    pub fn new(path: impl Into<PathBuf>, problem: impl Into<String>) -> SweepFileError {
        SweepFileError {
            path: path.into(),
            problem: problem.into(),
        }
    }

    fn io(path: &Path, e: io::Error) -> SweepFileError {
        SweepFileError::new(path, e.to_string())
    }
}

impl From<WriteError> for SweepFileError {
    fn from(e: WriteError) -> Self {
        SweepFileError::new(e.path, e.error.to_string())
    }
}

/// The header of `runs.csv` for a sweep with these axis columns, `\n` included.
pub fn runs_header(axis_columns: &[String]) -> String {
    let mut cols: Vec<&str> = RUN_KEY_COLUMNS.to_vec();
    cols.extend(axis_columns.iter().map(String::as_str));
    cols.extend_from_slice(run_summary_columns());
    header_line(&cols)
}

/// The header of `points.csv`, `\n` included.
pub fn points_header(axis_columns: &[String]) -> String {
    let mut cols: Vec<&str> = vec!["point"];
    cols.extend(axis_columns.iter().map(String::as_str));
    cols.extend_from_slice(&POINT_STAT_COLUMNS);
    header_line(&cols)
}

/// The fields that identify a run in `runs.csv`: point, replication, seed and the swept values.
pub fn run_key_fields(plan: &SweepPlan, point: u64, replication: u64) -> Vec<String> {
    let mut v = vec![
        point.to_string(),
        replication.to_string(),
        plan.run_seed(point, replication).to_string(),
    ];
    if let Some(values) = plan.points.get(point as usize) {
        v.extend(values.iter().map(|x| x.label.clone()));
    }
    v
}

/// The row of `runs.csv` for a finished run, `\n` included.
pub fn run_row(plan: &SweepPlan, r: &RunResult) -> String {
    let mut row = Row::default();
    row.count(r.point).count(r.replication).count(r.spec.seed);
    if let Some(values) = plan.points.get(r.point as usize) {
        for v in values {
            row.text(&v.label);
        }
    }
    summary_fields(&mut row, &r.spec, &r.summary);
    row.finish()
}

/// Which slice a folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMeta {
    /// 0-based slice index.
    pub index: u64,
    /// Number of slices.
    pub count: u64,
}

/// `sweep.json`: what a folder of sweep results holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepMeta {
    /// Scenario name.
    pub scenario: String,
    /// `grid`, `random` or `lhs`.
    pub method: String,
    /// Swept keys, in order.
    pub keys: Vec<String>,
    /// Their columns in the CSV files.
    pub columns: Vec<String>,
    /// Points.
    pub points: u64,
    /// Runs per point.
    pub replications: u64,
    /// All runs of the sweep (all shards).
    pub runs: u64,
    /// The sweep seed.
    pub seed: u64,
    /// [`SweepPlan::fingerprint`] in hexadecimal: equal for shards and resumes of one sweep.
    pub fingerprint: String,
    /// The slice this folder holds (`null`: the whole sweep).
    pub shard: Option<ShardMeta>,
}

impl SweepMeta {
    /// The description of `plan`, or of its slice `shard`.
    pub fn new(plan: &SweepPlan, shard: Shard) -> SweepMeta {
        SweepMeta {
            scenario: plan.name.clone(),
            method: plan.method.name().to_string(),
            keys: plan.axes.iter().map(|a| a.key.clone()).collect(),
            columns: plan.columns(),
            points: plan.points.len() as u64,
            replications: plan.replications,
            runs: plan.runs(),
            seed: plan.seed,
            fingerprint: format!("{:016x}", plan.fingerprint()),
            shard: (!shard.is_whole()).then_some(ShardMeta {
                index: shard.index,
                count: shard.count,
            }),
        }
    }

    /// The slice as a [`Shard`].
    pub fn shard(&self) -> Shard {
        self.shard.map_or(Shard::WHOLE, |s| Shard {
            index: s.index,
            count: s.count,
        })
    }

    /// Runs in this folder when complete.
    pub fn expected_rows(&self) -> u64 {
        self.shard().len(self.runs)
    }

    /// The JSON text, `\n` included.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads `dir/sweep.json`; `None` when there is none.
    pub fn read(dir: &Path) -> Result<Option<SweepMeta>, SweepFileError> {
        let path = dir.join(SWEEP_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SweepFileError::io(&path, e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| SweepFileError::new(&path, format!("not a sweep description: {e}")))
    }

    /// The key fields (point, replication, seed) of the `i`-th row of a complete file of this
    /// sweep or slice.
    fn key_of_row(&self, i: u64) -> [String; 3] {
        let run = self.shard().run_at(i);
        let (p, r) = (
            run / self.replications.max(1),
            run % self.replications.max(1),
        );
        [
            p.to_string(),
            r.to_string(),
            run_seed(self.seed, p, r).to_string(),
        ]
    }
}

/// Reads one CSV record, a line plus its continuations while inside quotes, into `buf`
/// (cleared first), `\n` included when present. Returns false at the end of the input.
pub fn read_record(reader: &mut impl BufRead, buf: &mut String) -> io::Result<bool> {
    buf.clear();
    loop {
        let n = reader.read_line(buf)?;
        if n == 0 {
            return Ok(!buf.is_empty());
        }
        if !buf.ends_with('\n') || buf.bytes().filter(|b| *b == b'"').count() % 2 == 0 {
            return Ok(true);
        }
    }
}

/// The fields of one CSV record (quotes removed).
pub fn split_record(record: &str) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(record.as_bytes());
    match rdr.records().next() {
        Some(Ok(r)) => r.iter().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// Appends the rows of a sweep to `runs.csv` as they finish.
#[derive(Debug)]
pub struct RunsWriter {
    file: File,
    path: PathBuf,
    rows: u64,
}

/// Sweep result files besides the CSVs that a fresh sweep removes (stale from an earlier one).
const STALE_ON_START: &[&str] = &[POINTS_FILE, "risk.png", "heatmap.png", "peak_rss.png"];

impl RunsWriter {
    /// Prepares `dir` for the sweep `meta` whose `runs.csv` starts with `header`.
    ///
    /// Fresh (`resume` false, or nothing to resume): writes `sweep.json`, removes the results of
    /// an earlier sweep and starts `runs.csv` with its header. With `resume`: checks that
    /// `sweep.json` describes the same sweep, keeps the whole rows of `runs.csv` after checking
    /// that each is the run expected at its place (`expected(i)`: the key fields of row `i`),
    /// and drops a trailing partial row. Returns the writer and the rows already done.
    pub fn start(
        dir: &Path,
        meta: &SweepMeta,
        header: &str,
        resume: bool,
        expected: &dyn Fn(u64) -> Vec<String>,
    ) -> Result<(RunsWriter, u64), SweepFileError> {
        fs::create_dir_all(dir).map_err(|e| SweepFileError::io(dir, e))?;
        let path = dir.join(RUNS_FILE);
        if resume && path.exists() {
            match SweepMeta::read(dir)? {
                Some(old) if old == *meta => {
                    let done = check_rows(&path, header, meta.expected_rows(), expected)?;
                    let file = OpenOptions::new()
                        .append(true)
                        .open(&path)
                        .map_err(|e| SweepFileError::io(&path, e))?;
                    return Ok((
                        RunsWriter {
                            file,
                            path,
                            rows: done,
                        },
                        done,
                    ));
                }
                Some(_) => {
                    return Err(SweepFileError::new(
                        dir.join(SWEEP_FILE),
                        "describes another sweep (the scenario, its [sweep] section, the seed or \
                         the shard changed); run without --resume to start over",
                    ));
                }
                None => {}
            }
        }
        for stale in STALE_ON_START {
            let p = dir.join(stale);
            if p.exists() {
                fs::remove_file(&p).map_err(|e| SweepFileError::io(&p, e))?;
            }
        }
        write_atomic(&dir.join(SWEEP_FILE), meta.to_json().as_bytes())?;
        let mut file = File::create(&path).map_err(|e| SweepFileError::io(&path, e))?;
        file.write_all(header.as_bytes())
            .map_err(|e| SweepFileError::io(&path, e))?;
        Ok((
            RunsWriter {
                file,
                path,
                rows: 0,
            },
            0,
        ))
    }

    /// Appends finished rows (whole lines, in run order) in one write.
    pub fn append(&mut self, rows: &[String]) -> Result<(), SweepFileError> {
        let text = rows.concat();
        self.file
            .write_all(text.as_bytes())
            .map_err(|e| SweepFileError::io(&self.path, e))?;
        self.rows += rows.len() as u64;
        Ok(())
    }

    /// Rows in the file.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Syncs the file to disk.
    pub fn finish(self) -> Result<(), SweepFileError> {
        self.file
            .sync_all()
            .map_err(|e| SweepFileError::io(&self.path, e))
    }
}

/// Checks the rows of an interrupted `runs.csv`, truncates a trailing partial row and returns the
/// number of whole rows.
fn check_rows(
    path: &Path,
    header: &str,
    max_rows: u64,
    expected: &dyn Fn(u64) -> Vec<String>,
) -> Result<u64, SweepFileError> {
    let file = File::open(path).map_err(|e| SweepFileError::io(path, e))?;
    let mut reader = BufReader::new(file);
    let mut buf = String::new();
    let mut whole_bytes: u64 = 0;
    let mut rows = 0;
    let columns = split_record(header).len();
    let mut first = true;
    while read_record(&mut reader, &mut buf).map_err(|e| SweepFileError::io(path, e))? {
        if !buf.ends_with('\n') {
            break; // a row cut by the interruption
        }
        if first {
            if buf != header {
                return Err(SweepFileError::new(
                    path,
                    "its header differs from this sweep's; run without --resume to start over",
                ));
            }
            first = false;
        } else {
            let fields = split_record(&buf);
            let want = expected(rows);
            if rows >= max_rows
                || fields.len() != columns
                || fields.iter().zip(&want).any(|(a, b)| a != b)
            {
                return Err(SweepFileError::new(
                    path,
                    format!(
                        "row {} is not run {} of this sweep; run without --resume to start over",
                        rows + 2,
                        want.first().map_or("?", String::as_str)
                    ),
                ));
            }
            rows += 1;
        }
        whole_bytes += buf.len() as u64;
    }
    if first {
        // Not even a whole header: start the file again.
        let mut f = File::create(path).map_err(|e| SweepFileError::io(path, e))?;
        f.write_all(header.as_bytes())
            .map_err(|e| SweepFileError::io(path, e))?;
        return Ok(0);
    }
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| SweepFileError::io(path, e))?;
    f.set_len(whole_bytes)
        .map_err(|e| SweepFileError::io(path, e))?;
    Ok(rows)
}

/// Column positions in `runs.csv` that the statistics read.
struct RunColumns {
    point: usize,
    axes: std::ops::Range<usize>,
    outcome: usize,
    peak_rss: usize,
    time_in_gc: usize,
    pause_p99: usize,
    count: usize,
}

impl RunColumns {
    fn find(header: &[String], path: &Path) -> Result<RunColumns, SweepFileError> {
        let at = |name: &str| {
            header.iter().position(|h| h == name).ok_or_else(|| {
                SweepFileError::new(path, format!("no `{name}` column: not a sweep's runs.csv"))
            })
        };
        let seed = at("seed")?;
        let first_summary = at(run_summary_columns()[0])?;
        Ok(RunColumns {
            point: at("point")?,
            axes: seed + 1..first_summary,
            outcome: at("outcome")?,
            peak_rss: at("peak_rss_bytes")?,
            time_in_gc: at("time_in_gc_pct")?,
            pause_p99: at("pause_p99_ms")?,
            count: header.len(),
        })
    }
}

/// The axis columns of a `runs.csv` header: between `seed` and the summary columns.
pub fn axis_columns_of(header: &[String]) -> Vec<String> {
    let seed = header.iter().position(|h| h == "seed");
    let first = header.iter().position(|h| h == run_summary_columns()[0]);
    match (seed, first) {
        (Some(s), Some(f)) if s < f => header[s + 1..f].to_vec(),
        _ => Vec::new(),
    }
}

/// Writes `dir/points.csv` from `dir/runs.csv`, reading the runs one point at a time. Returns the
/// number of points.
pub fn write_points(dir: &Path) -> Result<u64, SweepFileError> {
    let runs_path = dir.join(RUNS_FILE);
    let file = File::open(&runs_path).map_err(|e| SweepFileError::io(&runs_path, e))?;
    let mut reader = BufReader::new(file);
    let mut buf = String::new();
    if !read_record(&mut reader, &mut buf).map_err(|e| SweepFileError::io(&runs_path, e))? {
        return Err(SweepFileError::new(&runs_path, "empty"));
    }
    let header = split_record(&buf);
    let cols = RunColumns::find(&header, &runs_path)?;
    let axis_columns = header[cols.axes.clone()].to_vec();
    let points_path = dir.join(POINTS_FILE);
    let mut out = AtomicFile::create(&points_path)?;
    let werr = |e: io::Error| SweepFileError::io(&points_path, e);
    out.write_all(points_header(&axis_columns).as_bytes())
        .map_err(werr)?;

    let mut current: Option<(u64, Vec<String>)> = None;
    let mut group: Vec<RunObservation> = Vec::new();
    let mut points = 0;
    let mut line = 1;
    let flush = |out: &mut AtomicFile,
                 current: &Option<(u64, Vec<String>)>,
                 group: &[RunObservation]|
     -> io::Result<()> {
        if let Some((p, labels)) = current {
            out.write_all(point_row(*p, labels, &PointStats::from_runs(group)).as_bytes())?;
        }
        Ok(())
    };
    while read_record(&mut reader, &mut buf).map_err(|e| SweepFileError::io(&runs_path, e))? {
        line += 1;
        let f = split_record(&buf);
        let bad = |what: &str| SweepFileError::new(&runs_path, format!("line {line}: {what}"));
        if f.len() != cols.count {
            return Err(bad("wrong number of fields"));
        }
        let num = |i: usize| -> Result<f64, SweepFileError> {
            f[i].parse::<f64>()
                .map_err(|_| bad(&format!("`{}` is not a number", header[i])))
        };
        let point: u64 = f[cols.point].parse().map_err(|_| bad("bad point index"))?;
        let obs = RunObservation {
            oom_killed: f[cols.outcome] == "oom_killed",
            managed_oom: f[cols.outcome] == "managed_oom",
            peak_rss_bytes: num(cols.peak_rss)?,
            time_in_gc_pct: num(cols.time_in_gc)?,
            pause_p99_ms: num(cols.pause_p99)?,
        };
        match &current {
            Some((p, _)) if *p == point => {}
            Some((p, _)) if point < *p => return Err(bad("runs out of order")),
            _ => {
                flush(&mut out, &current, &group).map_err(werr)?;
                group.clear();
                current = Some((point, f[cols.axes.clone()].to_vec()));
                points += 1;
            }
        }
        group.push(obs);
    }
    flush(&mut out, &current, &group).map_err(werr)?;
    out.finish()?;
    Ok(points)
}

/// The row of `points.csv` for one point, `\n` included.
pub fn point_row(point: u64, labels: &[String], s: &PointStats) -> String {
    let mut r = Row::default();
    r.count(point);
    for l in labels {
        r.text(l);
    }
    r.count(s.runs);
    for p in [s.oom_kill, s.managed_oom] {
        r.count(p.count)
            .fixed(p.p, PROBABILITY_DECIMALS)
            .fixed(p.lo, PROBABILITY_DECIMALS)
            .fixed(p.hi, PROBABILITY_DECIMALS);
    }
    r.bytes(s.peak_rss_mean)
        .bytes(s.peak_rss_p50)
        .bytes(s.peak_rss_p95)
        .bytes(s.peak_rss_max)
        .fixed(s.time_in_gc.mean, PCT_DECIMALS)
        .opt_fixed(s.time_in_gc.lo, PCT_DECIMALS)
        .opt_fixed(s.time_in_gc.hi, PCT_DECIMALS)
        .fixed(s.pause_p99_mean_ms, MS_DECIMALS)
        .fixed(s.pause_p99_max_ms, MS_DECIMALS);
    r.finish()
}

/// Whether `dir/runs.csv` holds every run `dir/sweep.json` announces; returns the meta and the
/// rows found.
pub fn completeness(dir: &Path) -> Result<(SweepMeta, u64), SweepFileError> {
    let meta = SweepMeta::read(dir)?
        .ok_or_else(|| SweepFileError::new(dir, "no sweep.json: not the output of memsim sweep"))?;
    let path = dir.join(RUNS_FILE);
    let file = File::open(&path).map_err(|e| SweepFileError::io(&path, e))?;
    let mut reader = BufReader::new(file);
    let mut buf = String::new();
    let mut rows: u64 = 0;
    while read_record(&mut reader, &mut buf).map_err(|e| SweepFileError::io(&path, e))? {
        if buf.ends_with('\n') {
            rows += 1;
        }
    }
    Ok((meta, rows.saturating_sub(1)))
}

/// Combines the `runs.csv` of every shard of one sweep into `out/<scenario>/runs.csv` (rows in
/// run order), writes `sweep.json` and `points.csv` there, and returns that folder. The result
/// is byte for byte what one `memsim sweep` without `--shard` writes. Every shard must be
/// complete, and the shards must be all the slices of the same sweep.
pub fn merge(shards: &[PathBuf], out: &Path) -> Result<PathBuf, SweepFileError> {
    let mut metas = Vec::new();
    for dir in shards {
        let meta = SweepMeta::read(dir)?.ok_or_else(|| {
            SweepFileError::new(dir, "no sweep.json: not the output of memsim sweep --shard")
        })?;
        let Some(shard) = meta.shard else {
            return Err(SweepFileError::new(
                dir,
                "holds a whole sweep, not a shard (memsim sweep --shard K/N)",
            ));
        };
        metas.push((dir.clone(), meta, shard));
    }
    let Some((first_dir, first, first_shard)) = metas.first().cloned() else {
        return Err(SweepFileError::new(out, "no shard folder given"));
    };
    let whole = SweepMeta {
        shard: None,
        ..first.clone()
    };
    for (dir, meta, shard) in &metas {
        if (SweepMeta {
            shard: None,
            ..meta.clone()
        }) != whole
            || shard.count != first_shard.count
        {
            return Err(SweepFileError::new(
                dir,
                format!(
                    "is a shard of another sweep than {} (sweep.json differs)",
                    first_dir.display()
                ),
            ));
        }
    }
    let count = first_shard.count;
    let mut by_index: Vec<Option<PathBuf>> = vec![None; count as usize];
    for (dir, _, shard) in &metas {
        let slot = &mut by_index[shard.index as usize];
        if let Some(other) = slot {
            return Err(SweepFileError::new(
                dir,
                format!(
                    "holds shard {}/{count}, as {} does",
                    shard.index,
                    other.display()
                ),
            ));
        }
        *slot = Some(dir.clone());
    }
    let mut readers = Vec::new();
    let mut header: Option<String> = None;
    for (index, dir) in by_index.iter().enumerate() {
        let Some(dir) = dir else {
            return Err(SweepFileError::new(
                out,
                format!("shard {index}/{count} is missing: give all {count} shard folders"),
            ));
        };
        let path = dir.join(RUNS_FILE);
        let file = File::open(&path).map_err(|e| SweepFileError::io(&path, e))?;
        let mut reader = BufReader::new(file);
        let mut buf = String::new();
        read_record(&mut reader, &mut buf).map_err(|e| SweepFileError::io(&path, e))?;
        match &header {
            None => header = Some(buf),
            Some(h) if *h == buf => {}
            Some(_) => {
                return Err(SweepFileError::new(
                    &path,
                    "its header differs from the other shards'",
                ));
            }
        }
        readers.push((path, reader, 0u64));
    }
    let header = header.unwrap_or_default();

    let dir = out.join(&whole.scenario);
    fs::create_dir_all(&dir).map_err(|e| SweepFileError::io(&dir, e))?;
    let runs_path = dir.join(RUNS_FILE);
    let mut target = AtomicFile::create(&runs_path)?;
    let werr = |e: io::Error| SweepFileError::io(&runs_path, e);
    target.write_all(header.as_bytes()).map_err(werr)?;
    let mut buf = String::new();
    for run in 0..whole.runs {
        let k = (run % count) as usize;
        let (path, reader, taken) = &mut readers[k];
        let has = read_record(reader, &mut buf).map_err(|e| SweepFileError::io(path, e))?;
        let shard_meta = SweepMeta {
            shard: Some(ShardMeta {
                index: k as u64,
                count,
            }),
            ..whole.clone()
        };
        if !has || !buf.ends_with('\n') {
            return Err(SweepFileError::new(
                path.as_path(),
                format!(
                    "incomplete: {taken} of {} runs; finish it with memsim sweep --shard {k}/{count} --resume",
                    shard_meta.expected_rows()
                ),
            ));
        }
        let want = shard_meta.key_of_row(*taken);
        let fields = split_record(&buf);
        if fields.len() < 3 || fields[..3] != want {
            return Err(SweepFileError::new(
                path.as_path(),
                format!(
                    "row {} is not run {} of the sweep (point {}, replication {})",
                    *taken + 2,
                    run,
                    want[0],
                    want[1]
                ),
            ));
        }
        *taken += 1;
        target.write_all(buf.as_bytes()).map_err(werr)?;
    }
    for (path, reader, _) in &mut readers {
        if read_record(reader, &mut buf).map_err(|e| SweepFileError::io(path, e))? {
            return Err(SweepFileError::new(
                path.as_path(),
                "has more rows than its slice of the sweep",
            ));
        }
    }
    target.finish()?;
    write_atomic(&dir.join(SWEEP_FILE), whole.to_json().as_bytes())?;
    write_points(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_span_quoted_line_breaks() {
        let text = "a,b\n1,\"x\ny\"\n2,z";
        let mut r = BufReader::new(text.as_bytes());
        let mut buf = String::new();
        assert!(read_record(&mut r, &mut buf).unwrap());
        assert_eq!(buf, "a,b\n");
        assert!(read_record(&mut r, &mut buf).unwrap());
        assert_eq!(buf, "1,\"x\ny\"\n");
        assert_eq!(split_record(&buf), ["1", "x\ny"]);
        assert!(read_record(&mut r, &mut buf).unwrap());
        assert_eq!(buf, "2,z");
        assert!(!read_record(&mut r, &mut buf).unwrap());
    }

    #[test]
    fn headers_put_the_axes_between_the_keys_and_the_summary() {
        let h = runs_header(&["pod.limits.memory_bytes".into(), "gc.mode".into()]);
        assert!(h.starts_with(
            "point,replication,seed,pod.limits.memory_bytes,gc.mode,simulated_s,outcome,"
        ));
        let fields = split_record(&h);
        assert_eq!(
            axis_columns_of(&fields),
            ["pod.limits.memory_bytes", "gc.mode"]
        );
        let p = points_header(&["gc.mode".into()]);
        assert!(p.starts_with("point,gc.mode,runs,oom_kills,p_oom_kill,"));
    }
}
