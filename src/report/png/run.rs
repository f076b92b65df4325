//! The charts of one run, from `timeseries.csv`, `events.csv`, `summary.csv` and `gc_events.csv`:
//! `memory.png` (resident memory as a stack of its components over time, with the pod request and
//! limit and the OOM events) and `gc.png` (pauses over time per generation, and their histogram).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::data::{Table, for_each_row, numeric_columns};
use super::draw::{
    GRID, LIMIT_RED, MANAGED_PURPLE, Mark, PALETTE, REQUEST_ORANGE, axis_style, legend, tick_style,
    title_style,
};
use super::scale::{bytes_unit, human_bytes, human_seconds, time_unit, trim};
use super::{GC_PNG, GC_SIZE, MEMORY_PNG, MEMORY_SIZE, PlotError, save_png};
use crate::report::csv::{EVENTS_FILE, GC_EVENTS_FILE, SUMMARY_FILE, TIMESERIES_FILE};

/// Draws the charts of the run in `dir` from its CSV files into `dir`. Returns the files written
/// (`gc.png` only when `gc_events.csv` exists).
pub fn render_run(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    render_run_into(dir, dir)
}

/// Draws the charts of the run whose CSV files are in `csv_dir` into `png_dir`.
pub fn render_run_into(csv_dir: &Path, png_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let mut out = Vec::new();
    let memory = png_dir.join(MEMORY_PNG);
    memory_chart(csv_dir, &memory)?;
    out.push(memory);
    if csv_dir.join(GC_EVENTS_FILE).exists() {
        let gc = png_dir.join(GC_PNG);
        gc_chart(csv_dir, &gc)?;
        out.push(gc);
    }
    Ok(out)
}

/// A stacked layer: its label and the time-series columns it adds up.
struct Layer {
    label: &'static str,
    color: RGBColor,
}

/// The layers, bottom to top: memory outside the GC heap, then the heap by generation, free
/// space, and the rest of the GC's committed memory (reserve and bookkeeping). They add up to RSS.
const LAYERS: [Layer; 12] = [
    Layer {
        label: "runtime baseline",
        color: PALETTE[7],
    },
    Layer {
        label: "JIT code and metadata",
        color: PALETTE[5],
    },
    Layer {
        label: "thread stacks",
        color: PALETTE[8],
    },
    Layer {
        label: "other native",
        color: PALETTE[6],
    },
    Layer {
        label: "network buffers",
        color: PALETTE[9],
    },
    Layer {
        label: "state off heap",
        color: PALETTE[4],
    },
    Layer {
        label: "gen2",
        color: PALETTE[0],
    },
    Layer {
        label: "gen1",
        color: PALETTE[10],
    },
    Layer {
        label: "gen0",
        color: PALETTE[2],
    },
    Layer {
        label: "large object heap (resident)",
        color: PALETTE[1],
    },
    Layer {
        label: "GC free space",
        color: PALETTE[11],
    },
    Layer {
        label: "GC reserve and bookkeeping",
        color: RGBColor(200, 200, 200),
    },
];

/// Time-series columns read for the memory chart.
const MEMORY_COLUMNS: [&str; 15] = [
    "time_s",
    "runtime_bytes",
    "code_bytes",
    "stacks_bytes",
    "native_bytes",
    "network_bytes",
    "state_offheap_bytes",
    "gen2_bytes",
    "gen1_bytes",
    "gen0_bytes",
    "loh_bytes",
    "fragmentation_bytes",
    "gc_committed_bytes",
    "rss_bytes",
    "gc_untouched_bytes",
];

fn memory_chart(dir: &Path, path: &Path) -> Result<(), PlotError> {
    let ts = dir.join(TIMESERIES_FILE);
    let cols = numeric_columns(&ts, &MEMORY_COLUMNS)?;
    let summary = Table::read(&dir.join(SUMMARY_FILE))?;
    let events = Table::read(&dir.join(EVENTS_FILE)).unwrap_or_default();
    let scenario = summary.text(0, "scenario").to_string();
    let limit = summary.num(0, "limit_bytes");
    let request = summary.num(0, "request_bytes");
    let outcome = summary.text(0, "outcome").to_string();
    let outcome_time = summary.num(0, "outcome_time_s");

    let n = cols[0].len();
    let time = &cols[0];
    // Layer values per sample: the first 11 columns after time, then the GC's other committed
    // memory (committed minus objects and free space, never negative).
    let mut layers: Vec<Vec<f64>> = (0..LAYERS.len()).map(|_| vec![0.0; n]).collect();
    for i in 0..n {
        let v = |c: usize| {
            let x = cols[c][i];
            if x.is_finite() { x } else { 0.0 }
        };
        for (l, layer) in layers.iter_mut().enumerate().take(11) {
            layer[i] = v(l + 1);
        }
        let heap: f64 = (7..=11).map(v).sum();
        layers[11][i] = (v(12) - heap).max(0.0);
        // Large objects' pages never written are committed but not resident.
        layers[9][i] = (v(10) - v(14)).max(0.0);
    }
    let rss = &cols[13];
    let t_max = time.iter().copied().fold(0.0, f64::max).max(1.0);
    let peak = rss
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let y_top = [peak, limit.unwrap_or(0.0), request.unwrap_or(0.0)]
        .into_iter()
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.08;
    let tu = time_unit(t_max);
    let bu = bytes_unit(y_top);

    let mut oom_kills = Vec::new();
    let mut managed = Vec::new();
    for r in 0..events.rows.len() {
        let t = events.num(r, "time_s").unwrap_or(0.0);
        match events.text(r, "event") {
            "oom_killed" => oom_kills.push(t),
            "managed_oom" => managed.push(t),
            _ => {}
        }
    }

    let what = match outcome.as_str() {
        "oom_killed" => "OOMKill",
        "managed_oom" => "managed OOM",
        _ => "",
    };
    let title = match (what, outcome_time) {
        ("", _) => format!("{scenario}: memory by component (no OOM)"),
        (w, Some(t)) => format!(
            "{scenario}: memory by component ({w} at {})",
            human_seconds(t)
        ),
        (w, None) => format!("{scenario}: memory by component ({w})"),
    };

    save_png(path, MEMORY_SIZE, |root| {
        let (left, right) = root.split_horizontally(MEMORY_SIZE.0 - 300);
        let mut chart = ChartBuilder::on(&left)
            .caption(title.as_str(), title_style(&title, MEMORY_SIZE.0 - 300))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..tu.of(t_max) * 1.01, 0.0..bu.of(y_top))?;
        chart
            .configure_mesh()
            .x_desc(format!("time ({})", tu.name))
            .y_desc(format!("memory ({})", bu.name))
            .axis_desc_style(axis_style())
            .label_style(tick_style())
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_label_formatter(&|x| trim(*x, 2))
            .y_label_formatter(&|y| trim(*y, 2))
            .draw()?;

        // Cumulative tops, drawn from the top layer down so each lower layer paints over.
        let mut tops = vec![vec![0.0; n]; LAYERS.len()];
        for i in 0..n {
            let mut acc = 0.0;
            for l in 0..LAYERS.len() {
                acc += layers[l][i];
                tops[l][i] = acc;
            }
        }
        for l in (0..LAYERS.len()).rev() {
            let c = LAYERS[l].color;
            chart.draw_series(AreaSeries::new(
                (0..n).map(|i| (tu.of(time[i]), bu.of(tops[l][i]))),
                0.0,
                c.filled(),
            ))?;
        }
        chart.draw_series(LineSeries::new(
            (0..n)
                .filter(|i| rss[*i].is_finite())
                .map(|i| (tu.of(time[i]), bu.of(rss[i]))),
            BLACK.stroke_width(1),
        ))?;
        if let Some(r) = request {
            chart.draw_series(DashedLineSeries::new(
                [(0.0, bu.of(r)), (tu.of(t_max), bu.of(r))],
                10,
                6,
                REQUEST_ORANGE.stroke_width(3),
            ))?;
        }
        if let Some(l) = limit {
            chart.draw_series(LineSeries::new(
                [(0.0, bu.of(l)), (tu.of(t_max), bu.of(l))],
                LIMIT_RED.stroke_width(3),
            ))?;
        }
        for (times, color) in [(&oom_kills, LIMIT_RED), (&managed, MANAGED_PURPLE)] {
            for t in times.iter() {
                let x = tu.of(*t);
                chart.draw_series(LineSeries::new(
                    [(x, 0.0), (x, bu.of(y_top))],
                    color.stroke_width(2),
                ))?;
                chart.draw_series(std::iter::once(TriangleMarker::new(
                    (x, bu.of(y_top) * 0.97),
                    9,
                    color.filled(),
                )))?;
            }
        }

        let mut entries: Vec<(String, Mark)> = Vec::new();
        if !managed.is_empty() {
            entries.push((
                format!("managed OOM ({})", managed.len()),
                Mark::Event(MANAGED_PURPLE),
            ));
        }
        if !oom_kills.is_empty() {
            entries.push((
                format!("OOMKill ({})", oom_kills.len()),
                Mark::Event(LIMIT_RED),
            ));
        }
        if let Some(l) = limit {
            entries.push((format!("limit {}", human_bytes(l)), Mark::Line(LIMIT_RED)));
        }
        if let Some(r) = request {
            entries.push((
                format!("request {}", human_bytes(r)),
                Mark::Dashed(REQUEST_ORANGE),
            ));
        }
        entries.push(("RSS (top of the stack)".into(), Mark::Line(BLACK)));
        for l in LAYERS.iter().rev() {
            entries.push((l.label.to_string(), Mark::Fill(l.color)));
        }
        legend(&right, "Memory (stacked)", &entries)?;
        Ok(())
    })
}

/// Generations as drawn: label and colour (gen2 split into blocking and background).
const GENERATIONS: [(&str, RGBColor); 4] = [
    ("gen0", PALETTE[2]),
    ("gen1", PALETTE[0]),
    ("gen2 blocking", PALETTE[3]),
    ("gen2 background", PALETTE[4]),
];

/// Histogram bins of the pause distribution.
const PAUSE_BINS: usize = 24;
/// Smallest pause drawn, ms (a log axis cannot show zero).
const MIN_PAUSE_MS: f64 = 1e-3;

fn gc_chart(dir: &Path, path: &Path) -> Result<(), PlotError> {
    let summary = Table::read(&dir.join(SUMMARY_FILE))?;
    let scenario = summary.text(0, "scenario").to_string();
    let horizon = summary.num(0, "simulated_s").unwrap_or(0.0);
    // (series, time s, pause ms) per GC.
    let mut gcs: Vec<(usize, f64, f64)> = Vec::new();
    for_each_row(
        &dir.join(GC_EVENTS_FILE),
        &["time_s", "generation", "kind", "pause_ms"],
        |f| {
            let t: f64 = f[0].parse().unwrap_or(f64::NAN);
            let p: f64 = f[3].parse().unwrap_or(f64::NAN);
            let series = match (f[1], f[2]) {
                ("0", _) => 0,
                ("1", _) => 1,
                (_, "background") => 3,
                _ => 2,
            };
            if t.is_finite() && p.is_finite() {
                gcs.push((series, t, p.max(MIN_PAUSE_MS)));
            }
        },
    )?;
    // GC times restart at zero with each process start; the time axis is the run's.
    let t_max = gcs.iter().map(|g| g.1).fold(horizon, f64::max).max(1.0);
    let (p_min, p_max) = gcs.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), g| {
        (lo.min(g.2), hi.max(g.2))
    });
    let (p_lo, p_hi) = if gcs.is_empty() {
        (0.01, 10.0)
    } else {
        (
            (p_min / 1.5).max(MIN_PAUSE_MS),
            (p_max * 1.5).max(p_min * 10.0),
        )
    };
    let counts: Vec<usize> = (0..4)
        .map(|s| gcs.iter().filter(|g| g.0 == s).count())
        .collect();
    let tu = time_unit(t_max);

    // Scatter thinned to one dot per (series, pixel column, pixel row): same picture, bounded work.
    let (w, h) = (1000.0, 400.0);
    let mut dots: BTreeSet<(usize, u32, u32)> = BTreeSet::new();
    let (lp_lo, lp_hi) = (p_lo.ln(), p_hi.ln());
    for &(s, t, p) in &gcs {
        let x = ((t / t_max) * w).clamp(0.0, w) as u32;
        let y = (((p.ln() - lp_lo) / (lp_hi - lp_lo)) * h).clamp(0.0, h) as u32;
        dots.insert((s, x, y));
    }

    // Log-spaced bins; each generation's histogram as a share of that generation's GCs.
    let edges: Vec<f64> = (0..=PAUSE_BINS)
        .map(|i| (lp_lo + (lp_hi - lp_lo) * i as f64 / PAUSE_BINS as f64).exp())
        .collect();
    let mut shares = vec![vec![0.0; PAUSE_BINS]; 4];
    for &(s, _, p) in &gcs {
        let b = (((p.ln() - lp_lo) / (lp_hi - lp_lo)) * PAUSE_BINS as f64)
            .floor()
            .clamp(0.0, (PAUSE_BINS - 1) as f64) as usize;
        shares[s][b] += 1.0;
    }
    for (s, row) in shares.iter_mut().enumerate() {
        if counts[s] > 0 {
            for x in row.iter_mut() {
                *x *= 100.0 / counts[s] as f64;
            }
        }
    }
    let share_top = shares
        .iter()
        .flatten()
        .copied()
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.1;

    save_png(path, GC_SIZE, |root| {
        let (left, right) = root.split_horizontally(GC_SIZE.0 - 280);
        let (top, bottom) = left.split_vertically(GC_SIZE.1 / 2 + 20);
        let title = format!("{scenario}: GC pauses over time");
        let mut chart = ChartBuilder::on(&top)
            .caption(title.as_str(), title_style(&title, GC_SIZE.0 - 280))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..tu.of(t_max), (p_lo..p_hi).log_scale())?;
        chart
            .configure_mesh()
            .x_desc(format!("time since the run started ({})", tu.name))
            .y_desc("pause (ms, log scale)")
            .axis_desc_style(axis_style())
            .label_style(tick_style())
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_label_formatter(&|x| trim(*x, 2))
            .y_label_formatter(&|y| trim(*y, 3))
            .draw()?;
        for (s, (_, color)) in GENERATIONS.iter().enumerate() {
            chart.draw_series(dots.iter().filter(|d| d.0 == s).map(|&(_, x, y)| {
                let t = (f64::from(x) + 0.5) / w * t_max;
                let p = (lp_lo + (f64::from(y) + 0.5) / h * (lp_hi - lp_lo)).exp();
                Circle::new((tu.of(t), p), 2, color.filled())
            }))?;
        }

        let mut hist = ChartBuilder::on(&bottom)
            .caption(
                "pause distribution per generation",
                (super::FONT, 20, FontStyle::Bold),
            )
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((p_lo..p_hi).log_scale(), 0.0..share_top)?;
        hist.configure_mesh()
            .x_desc("pause (ms, log scale)")
            .y_desc("share of the generation's GCs (%)")
            .axis_desc_style(axis_style())
            .label_style(tick_style())
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_label_formatter(&|x| trim(*x, 3))
            .y_label_formatter(&|y| trim(*y, 1))
            .draw()?;
        let present: Vec<usize> = (0..4).filter(|s| counts[*s] > 0).collect();
        let k = present.len().max(1) as f64;
        for (j, &s) in present.iter().enumerate() {
            let color = GENERATIONS[s].1;
            hist.draw_series((0..PAUSE_BINS).filter(|b| shares[s][*b] > 0.0).map(|b| {
                let (a, z) = (edges[b].ln(), edges[b + 1].ln());
                let x0 = (a + (z - a) * j as f64 / k).exp();
                let x1 = (a + (z - a) * (j as f64 + 1.0) / k).exp();
                Rectangle::new([(x0, 0.0), (x1, shares[s][b])], color.filled())
            }))?;
        }

        let mut entries: Vec<(String, Mark)> = Vec::new();
        for (s, (label, color)) in GENERATIONS.iter().enumerate() {
            entries.push((format!("{label}: {} GCs", counts[s]), Mark::Fill(*color)));
        }
        legend(&right, "Generation (condemned)", &entries)?;
        Ok(())
    })
}
