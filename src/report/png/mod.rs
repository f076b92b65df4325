//! PNG charts, drawn with plotters from the CSV files already on disk, with text rendered from the
//! DejaVu Sans font embedded in the binary (no system font is read).
//!
//! | chart | folder | file | size (px) |
//! |---|---|---|---|
//! | memory components stacked over time, request and limit, OOM events | run | `memory.png` | [`MEMORY_SIZE`] |
//! | GC pauses over time per generation, and their histogram | run (needs `gc_events.csv`) | `gc.png` | [`GC_SIZE`] |
//! | P(OOMKill) against the swept memory key, with its Wilson band | sweep | `risk.png` | [`RISK_SIZE`] |
//! | one `points.csv` column over a 2-D grid | sweep with two keys | `heatmap.png` | [`HEATMAP_SIZE`] |
//! | distribution of peak RSS per point | sweep | `peak_rss.png` | [`PEAK_RSS_SIZE`] |
//! | P(OOM) against the pod limit, SLO and heuristics' limits | plan | `risk.png` | [`plan::PLAN_RISK_SIZE`] |
//! | resident memory by component at the peak | plan | `peak.png` | [`plan::PLAN_PEAK_SIZE`] |
//!
//! Every chart has a title, axis labels with units and a legend. Each file is drawn under a
//! temporary name and renamed into place.

pub mod data;
pub mod draw;
pub mod plan;
pub mod run;
pub mod scale;
pub mod sweep;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

pub use run::{render_run, render_run_into};
pub use sweep::render_sweep;

/// Font family every chart uses (registered from the embedded DejaVu Sans).
pub const FONT: &str = "sans-serif";

/// Size of `memory.png`, pixels (width, height).
pub const MEMORY_SIZE: (u32, u32) = (1280, 720);
/// Size of `gc.png`, pixels.
pub const GC_SIZE: (u32, u32) = (1280, 900);
/// Size of `risk.png`, pixels.
pub const RISK_SIZE: (u32, u32) = (1200, 720);
/// Size of `heatmap.png`, pixels.
pub const HEATMAP_SIZE: (u32, u32) = (1200, 720);
/// Size of `peak_rss.png`, pixels.
pub const PEAK_RSS_SIZE: (u32, u32) = (1280, 720);

/// File name of the memory chart of a run.
pub const MEMORY_PNG: &str = "memory.png";
/// File name of the GC chart of a run.
pub const GC_PNG: &str = "gc.png";
/// File name of the risk chart of a sweep.
pub const RISK_PNG: &str = "risk.png";
/// File name of the heat map of a sweep.
pub const HEATMAP_PNG: &str = "heatmap.png";
/// File name of the peak-RSS chart of a sweep.
pub const PEAK_RSS_PNG: &str = "peak_rss.png";

/// The `points.csv` column a heat map shows unless told otherwise.
pub const DEFAULT_HEATMAP_COLUMN: &str = "p_oom_kill";

/// A chart that could not be drawn: the file and why.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct PlotError {
    /// The file being read or written.
    pub path: PathBuf,
    /// What went wrong.
    pub problem: String,
}

impl PlotError {
    /// A problem with `path`.
    pub fn new(path: impl Into<PathBuf>, problem: impl Into<String>) -> PlotError {
        PlotError {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

/// Registers the embedded fonts with plotters (once per process).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse; a failure would only leave text blank.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// The drawing area charts draw on.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// What drawing returns.
pub type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Draws a `size` PNG at `path` with `draw`, through a temporary file renamed into place.
pub fn save_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<(), PlotError> {
    register_fonts();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The image encoder picks the format from the extension, so the temporary name ends in .png.
    let temp = path.with_file_name(format!(".{stem}.tmp.png"));
    let result = (|| -> DrawResult {
        let root = BitMapBackend::new(&temp, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(PlotError::new(path, e.to_string()));
    }
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        PlotError::new(path, e.to_string())
    })
}

/// Draws every chart a folder's CSV files allow: the run charts for a run folder
/// (`timeseries.csv`), the sweep charts for a sweep folder (`points.csv`). Returns the files.
pub fn render_dir(dir: &Path, heatmap_column: &str) -> Result<Vec<PathBuf>, PlotError> {
    if dir.join(crate::report::sweep::POINTS_FILE).exists() {
        render_sweep(dir, heatmap_column)
    } else if dir.join(crate::report::csv::TIMESERIES_FILE).exists() {
        render_run(dir)
    } else if dir.join(crate::report::sweep::RUNS_FILE).exists() {
        Err(PlotError::new(
            dir,
            "has runs.csv but no points.csv: the sweep is not finished (memsim sweep --resume, or \
             memsim merge for shards)",
        ))
    } else {
        Err(PlotError::new(
            dir,
            "neither a run folder (timeseries.csv) nor a sweep folder (points.csv)",
        ))
    }
}
