//! Report writers: CSV, PNG, JSON and YAML, each written to a temporary file and renamed into place.
//!
//! [`write_run`] runs one [`RunSpec`] and writes its files into `OUT/<name>/`:
//!
//! | file | rows | columns |
//! |---|---|---|
//! | `timeseries.csv` | one per sample | [`csv::TIMESERIES_COLUMNS`] |
//! | `gc_events.csv` | one per GC (when [`RunFiles::gc_events`]) | [`csv::GC_EVENTS_COLUMNS`] |
//! | `events.csv` | one per OOM kill, managed OOM or restart (header only if none) | [`csv::EVENTS_COLUMNS`] |
//! | `summary.csv` | one | [`csv::SUMMARY_COLUMNS`] |
//! | `memory.png`, `gc.png` | charts (when [`RunFiles::plots`]; `gc.png` needs `gc_events.csv`) | see [`png`] |
//!
//! The folder is written under a temporary name and renamed at the end, so `OUT/<name>/` holds
//! either a previous complete run or the new complete run, never part of one.

pub mod atomic;
pub mod csv;
pub mod png;
pub mod sweep;
pub mod timeseries_plot;

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

pub use atomic::{AtomicDir, AtomicFile, WriteError, write_atomic};

use self::csv::{
    EVENTS_FILE, EventsWriter, GC_EVENTS_FILE, GcEventsWriter, SUMMARY_FILE, TIMESERIES_FILE,
    TimeseriesWriter, summary_csv,
};
use crate::sim::observe::{GcRecord, Observer, RunEvent, Sample, Summary};
use crate::sim::{RunSpec, simulate};

/// Which optional files a run writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunFiles {
    /// Write `gc_events.csv`, one row per GC.
    pub gc_events: bool,
    /// Draw `memory.png` and `gc.png` from the CSV files.
    pub plots: bool,
}

impl Default for RunFiles {
    /// Every file.
    fn default() -> Self {
        RunFiles {
            gc_events: true,
            plots: true,
        }
    }
}

/// What [`write_run`] produced.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// The folder the files are in (`OUT/<name>`).
    pub dir: PathBuf,
    /// The run's summary.
    pub summary: Summary,
    /// Rows of `timeseries.csv`.
    pub samples: u64,
    /// Rows of `gc_events.csv` (0 when it was not written).
    pub gcs: u64,
    /// Rows of `events.csv`.
    pub events: u64,
}

/// Passes everything it observes to each of its observers, in order.
pub struct Fanout<'a>(pub Vec<&'a mut dyn Observer>);

impl Observer for Fanout<'_> {
    fn on_sample(&mut self, sample: &Sample) {
        for o in &mut self.0 {
            o.on_sample(sample);
        }
    }
    fn on_gc(&mut self, record: &GcRecord) {
        for o in &mut self.0 {
            o.on_gc(record);
        }
    }
    fn on_event(&mut self, event: &RunEvent) {
        for o in &mut self.0 {
            o.on_event(event);
        }
    }
}

/// Checks that `name` can name an output folder: not empty, not `.` or `..`, no path separator.
pub fn check_folder_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name == "." || name == ".." {
        return Err(format!("{name:?} cannot name a folder"));
    }
    if name.contains(['/', '\\', '\0']) {
        return Err(format!(
            "{name:?} contains a path separator; a name must be a single folder name"
        ));
    }
    Ok(())
}

/// Runs `spec` and writes its CSV files into `out_dir/<name>/` (see the module table),
/// replacing a previous run of that name only once every file is complete. Returns the summary.
pub fn write_run(
    out_dir: &Path,
    name: &str,
    spec: &RunSpec,
    files: RunFiles,
) -> Result<RunReport, WriteError> {
    write_run_observed(
        out_dir,
        name,
        spec,
        files,
        &mut crate::sim::observe::NullObserver,
    )
}

/// [`write_run`], also reporting every sample, GC and event to `extra` (a progress bar, a
/// collector).
pub fn write_run_observed(
    out_dir: &Path,
    name: &str,
    spec: &RunSpec,
    files: RunFiles,
    extra: &mut dyn Observer,
) -> Result<RunReport, WriteError> {
    let final_dir = out_dir.join(name);
    check_folder_name(name).map_err(|problem| {
        WriteError::new(
            &final_dir,
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("scenario name: {problem}"),
            ),
        )
    })?;
    let dir = AtomicDir::create(&final_dir)?;
    let temp = dir.temp_path().to_path_buf();
    // Errors name the final path: the temporary folder is gone by the time they are shown.
    let named = |file: &str| {
        let path = final_dir.join(file);
        move |e: io::Error| WriteError::new(path, e)
    };
    let open = |file: &str| {
        File::create(temp.join(file))
            .map(BufWriter::new)
            .map_err(named(file))
    };

    let mut timeseries =
        TimeseriesWriter::new(open(TIMESERIES_FILE)?).map_err(named(TIMESERIES_FILE))?;
    let mut gc_events = if files.gc_events {
        Some(GcEventsWriter::new(open(GC_EVENTS_FILE)?).map_err(named(GC_EVENTS_FILE))?)
    } else {
        None
    };
    let mut events = EventsWriter::new(open(EVENTS_FILE)?).map_err(named(EVENTS_FILE))?;

    let summary = {
        let mut observers: Vec<&mut dyn Observer> = vec![&mut timeseries, &mut events, extra];
        if let Some(g) = gc_events.as_mut() {
            observers.push(g);
        }
        simulate(spec, &mut Fanout(observers))
    };

    let samples = timeseries.rows();
    let events_rows = events.rows();
    let gcs = gc_events.as_ref().map_or(0, GcEventsWriter::rows);
    close(timeseries.finish()).map_err(named(TIMESERIES_FILE))?;
    close(events.finish()).map_err(named(EVENTS_FILE))?;
    if let Some(g) = gc_events {
        close(g.finish()).map_err(named(GC_EVENTS_FILE))?;
    }
    let mut summary_file = open(SUMMARY_FILE)?;
    io::Write::write_all(
        &mut summary_file,
        summary_csv(name, spec, &summary).as_bytes(),
    )
    .map_err(named(SUMMARY_FILE))?;
    close(Ok(summary_file)).map_err(named(SUMMARY_FILE))?;
    if files.plots {
        png::render_run_into(&temp, &temp).map_err(|e| {
            let file = e
                .path
                .file_name()
                .map(|f| f.to_os_string())
                .unwrap_or_default();
            WriteError::new(final_dir.join(file), io::Error::other(e.problem))
        })?;
    }

    let dir = dir.commit()?;
    Ok(RunReport {
        dir,
        summary,
        samples,
        gcs,
        events: events_rows,
    })
}

/// Flushes a finished writer's buffer and syncs its file to disk.
fn close(writer: io::Result<BufWriter<File>>) -> io::Result<()> {
    writer?.into_inner().map_err(|e| e.into_error())?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{LabMachine, LabSpec};

    fn small_spec() -> RunSpec {
        let spec = LabSpec::parse(
            "duration_s = 0.5\nalloc_rate_mb_s = 200\nsize.bytes = 512\nsample_ms = 100\n",
            "small",
        )
        .unwrap();
        crate::lab::predict::run_spec(&spec, &LabMachine::first_host(), &Vec::new()).unwrap()
    }

    #[test]
    fn writes_every_file_and_nothing_else() {
        let out = tempfile::tempdir().unwrap();
        let spec = small_spec();
        let r = write_run(out.path(), "small", &spec, RunFiles::default()).unwrap();
        assert_eq!(r.dir, out.path().join("small"));
        let mut names: Vec<_> = std::fs::read_dir(&r.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "events.csv",
                "gc.png",
                "gc_events.csv",
                "memory.png",
                "summary.csv",
                "timeseries.csv"
            ]
        );
        let top: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
        assert_eq!(top.len(), 1, "temporary folders left behind");
        let ts = std::fs::read_to_string(r.dir.join("timeseries.csv")).unwrap();
        assert_eq!(ts.lines().count() as u64, r.samples + 1);
        assert!(r.samples >= 5);
        let gcs = std::fs::read_to_string(r.dir.join("gc_events.csv")).unwrap();
        assert_eq!(gcs.lines().count() as u64, r.gcs + 1);
        assert!(r.gcs > 0);
        let summary = std::fs::read_to_string(r.dir.join("summary.csv")).unwrap();
        assert_eq!(summary.lines().count(), 2);
        assert!(summary.starts_with("scenario,seed,"));
        assert!(summary.lines().nth(1).unwrap().starts_with("small,1,"));
    }

    #[test]
    fn same_spec_gives_identical_files_and_replaces_the_old_folder() {
        let out = tempfile::tempdir().unwrap();
        let spec = small_spec();
        let files = RunFiles {
            gc_events: false,
            plots: false,
        };
        let a = write_run(out.path(), "a", &spec, files).unwrap();
        let b = write_run(out.path(), "b", &spec, files).unwrap();
        assert!(!a.dir.join("gc_events.csv").exists());
        for f in ["timeseries.csv", "events.csv", "summary.csv"] {
            let x = std::fs::read_to_string(a.dir.join(f)).unwrap();
            let y = std::fs::read_to_string(b.dir.join(f)).unwrap();
            if f == "summary.csv" {
                assert_eq!(x.replace("\na,", "\n"), y.replace("\nb,", "\n"));
            } else {
                assert_eq!(x, y, "{f}");
            }
        }
        std::fs::write(a.dir.join("stale.txt"), "x").unwrap();
        write_run(out.path(), "a", &spec, files).unwrap();
        assert!(!a.dir.join("stale.txt").exists());
    }

    #[test]
    fn rejects_names_that_are_not_one_folder() {
        let out = tempfile::tempdir().unwrap();
        let spec = small_spec();
        for bad in ["", "..", "a/b"] {
            let e = write_run(out.path(), bad, &spec, RunFiles::default()).unwrap_err();
            assert!(e.to_string().contains("scenario name"), "{e}");
        }
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    }
}
