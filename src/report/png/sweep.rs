//! The charts of a sweep, from `points.csv` and `runs.csv`: `risk.png` (P(OOMKill) against the
//! swept memory key with its Wilson band, one line per value of the other keys), `heatmap.png`
//! (one `points.csv` column over a two-key grid) and `peak_rss.png` (the distribution of peak RSS
//! over the replications of each point).

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::data::{Table, for_each_row};
use super::draw::{
    GRID, LIMIT_RED, Mark, PALETTE, axis_style, centred, colormap, legend, text_on, tick_style,
    title_style,
};
use super::scale::{
    Ticked, Unit, bytes_unit, column_unit, human_seconds, human_value, key_of_column, nice_ticks,
    time_unit, trim,
};
use super::{
    FONT, HEATMAP_PNG, HEATMAP_SIZE, PEAK_RSS_PNG, PEAK_RSS_SIZE, PlotError, RISK_PNG, RISK_SIZE,
    save_png,
};
use crate::report::sweep::{POINTS_FILE, RUNS_FILE, SweepMeta};
use crate::sweep::stats::quantile;

/// What the sweep charts read.
struct SweepData {
    scenario: String,
    points: Table,
    /// Axis columns of `points.csv`.
    axes: Vec<String>,
    /// Peak RSS of every run, bytes, by point row.
    peaks: Vec<Vec<f64>>,
    /// Pod limit of each point, bytes.
    limits: Vec<Option<f64>>,
    /// Longest simulated time of any run, s.
    horizon_s: f64,
    /// Runs per point (the largest).
    replications: usize,
}

/// Draws the charts of the sweep in `dir`: `risk.png`, `peak_rss.png`, and `heatmap.png` of
/// `heatmap_column` when two keys were swept over a full grid (a stale heat map is removed
/// otherwise). Returns the files written.
pub fn render_sweep(dir: &Path, heatmap_column: &str) -> Result<Vec<PathBuf>, PlotError> {
    let data = read(dir)?;
    let mut out = Vec::new();
    let risk = dir.join(RISK_PNG);
    risk_chart(&data, &risk)?;
    out.push(risk);
    let heat = dir.join(HEATMAP_PNG);
    if grid_2d(&data).is_some() {
        heatmap_chart(&data, heatmap_column, &heat)?;
        out.push(heat);
    } else if heat.exists() {
        std::fs::remove_file(&heat).map_err(|e| PlotError::new(&heat, e.to_string()))?;
    }
    let peak = dir.join(PEAK_RSS_PNG);
    peak_rss_chart(&data, &peak)?;
    out.push(peak);
    Ok(out)
}

fn read(dir: &Path) -> Result<SweepData, PlotError> {
    let points_path = dir.join(POINTS_FILE);
    let points = Table::read(&points_path)?;
    let (Some(p), Some(r)) = (points.col("point"), points.col("runs")) else {
        return Err(PlotError::new(&points_path, "not a sweep's points.csv"));
    };
    let axes = points.header[p + 1..r].to_vec();
    let scenario = match SweepMeta::read(dir) {
        Ok(Some(m)) => m.scenario,
        _ => dir
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let index: std::collections::HashMap<String, usize> = (0..points.rows.len())
        .map(|i| (points.text(i, "point").to_string(), i))
        .collect();
    let mut peaks = vec![Vec::new(); points.rows.len()];
    let mut limits = vec![None; points.rows.len()];
    let mut horizon_s: f64 = 0.0;
    for_each_row(
        &dir.join(RUNS_FILE),
        &["point", "peak_rss_bytes", "limit_bytes", "simulated_s"],
        |f| {
            if let Some(&i) = index.get(f[0]) {
                if let Ok(x) = f[1].parse::<f64>() {
                    peaks[i].push(x);
                }
                if limits[i].is_none() {
                    limits[i] = f[2].parse::<f64>().ok();
                }
            }
            if let Ok(t) = f[3].parse::<f64>() {
                horizon_s = horizon_s.max(t);
            }
        },
    )?;
    let replications = peaks.iter().map(Vec::len).max().unwrap_or(0);
    Ok(SweepData {
        scenario,
        points,
        axes,
        peaks,
        limits,
        horizon_s,
        replications,
    })
}

/// The labels of axis column `col` for every point row.
fn labels(d: &SweepData, col: &str) -> Vec<String> {
    (0..d.points.rows.len())
        .map(|i| d.points.text(i, col).to_string())
        .collect()
}

/// Whether every label reads as a number.
fn numeric(labels: &[String]) -> bool {
    !labels.is_empty() && labels.iter().all(|l| l.parse::<f64>().is_ok())
}

/// Distinct values in order of appearance.
fn distinct(labels: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in labels {
        if !out.contains(l) {
            out.push(l.clone());
        }
    }
    out
}

/// The axis the risk chart puts on x: the pod limit if swept, else the first size, else the
/// first numeric key, else the first key.
fn risk_axis(d: &SweepData) -> Option<usize> {
    let a = &d.axes;
    a.iter()
        .position(|c| c.contains("limits.memory"))
        .or_else(|| a.iter().position(|c| c.ends_with("_bytes")))
        .or_else(|| a.iter().position(|c| numeric(&labels(d, c))))
        .or(if a.is_empty() { None } else { Some(0) })
}

/// The display unit of a numeric axis column.
fn axis_unit(column: &str, max: f64) -> Unit {
    if column.ends_with("_bytes") {
        bytes_unit(max)
    } else if column.ends_with("_s") {
        time_unit(max)
    } else {
        Unit { name: "", per: 1.0 }
    }
}

/// `key (unit)` or `key`.
fn axis_text(column: &str, unit: &Unit) -> String {
    if unit.name.is_empty() {
        key_of_column(column).to_string()
    } else {
        format!("{} ({})", key_of_column(column), unit.name)
    }
}

/// Where each point row sits on a categorical or numeric x axis, and the axis' ticks and labels.
struct XAxis {
    /// x of each point row (in display units, or the category index).
    x: Vec<f64>,
    range: std::ops::Range<f64>,
    ticks: Vec<f64>,
    /// Category labels (empty for a numeric axis).
    categories: Vec<String>,
    title: String,
    /// Half-width of an interval cap, in x units.
    cap: f64,
}

fn x_axis(d: &SweepData, col: Option<&str>) -> XAxis {
    let Some(col) = col else {
        return XAxis {
            x: vec![0.0; d.points.rows.len()],
            range: -0.5..0.5,
            ticks: vec![0.0],
            categories: vec!["all runs".to_string()],
            title: "scenario (nothing swept)".to_string(),
            cap: 0.06,
        };
    };
    let l = labels(d, col);
    if numeric(&l) {
        let raw: Vec<f64> = l.iter().map(|s| s.parse().unwrap_or(0.0)).collect();
        let max = raw.iter().copied().fold(f64::MIN, f64::max);
        let unit = axis_unit(col, max);
        let x: Vec<f64> = raw.iter().map(|v| unit.of(*v)).collect();
        let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = if hi > lo {
            (hi - lo) * 0.06
        } else {
            lo.abs().max(1.0) * 0.1
        };
        XAxis {
            ticks: nice_ticks(lo - pad, hi + pad, 8),
            range: lo - pad..hi + pad,
            x,
            categories: Vec::new(),
            title: axis_text(col, &unit),
            cap: (hi - lo + 2.0 * pad) * 0.008,
        }
    } else {
        let cats = distinct(&l);
        let x = l
            .iter()
            .map(|s| cats.iter().position(|c| c == s).unwrap_or(0) as f64)
            .collect();
        XAxis {
            x,
            range: -0.5..cats.len() as f64 - 0.5,
            ticks: (0..cats.len()).map(|i| i as f64).collect(),
            categories: cats.iter().map(|c| human_value(col, c)).collect(),
            title: key_of_column(col).to_string(),
            cap: 0.06,
        }
    }
}

impl XAxis {
    fn format(&self, x: f64) -> String {
        if self.categories.is_empty() {
            trim(x, 2)
        } else {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                self.categories.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
}

/// Most lines the risk chart draws before it shows points only.
const MAX_SERIES: usize = 8;

fn risk_chart(d: &SweepData, path: &Path) -> Result<(), PlotError> {
    let xi = risk_axis(d);
    let xcol = xi.map(|i| d.axes[i].clone());
    let xa = x_axis(d, xcol.as_deref());
    let rows = d.points.rows.len();
    let others: Vec<&String> = d
        .axes
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != xi)
        .map(|(_, c)| c)
        .collect();
    let series = series_of(d, xi);
    let lines = series.len() <= MAX_SERIES
        && series.iter().all(|(_, v)| {
            let xs: Vec<f64> = v.iter().map(|r| xa.x[*r]).collect();
            xs.windows(2).all(|w| w[0] != w[1]) && distinct_f(&xs) == xs.len()
        });
    let p = |r: usize, c: &str| d.points.num(r, c).unwrap_or(0.0) * 100.0;
    let horizon = if d.axes.iter().any(|c| c == "scenario.duration_s") {
        "the horizon".to_string()
    } else {
        human_seconds(d.horizon_s)
    };
    let title = format!(
        "{}: P(OOMKill within {horizon}) by {}",
        d.scenario,
        xcol.as_deref().map_or("scenario", key_of_column)
    );

    save_png(path, RISK_SIZE, |root| {
        let (left, right) = root.split_horizontally(RISK_SIZE.0 - 320);
        let mut chart = ChartBuilder::on(&left)
            .caption(title.as_str(), title_style(&title, RISK_SIZE.0 - 320))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(
                Ticked::new(xa.range.clone(), xa.ticks.clone()),
                Ticked::new(-3.0..103.0, (0..=10).map(|i| f64::from(i) * 10.0).collect()),
            )?;
        chart
            .configure_mesh()
            .x_desc(xa.title.as_str())
            .y_desc("P(OOMKill) (%)")
            .axis_desc_style(axis_style())
            .label_style(tick_style())
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_label_formatter(&|x| xa.format(*x))
            .y_label_formatter(&|y| trim(*y, 0))
            .draw()?;
        let mut entries: Vec<(String, Mark)> = Vec::new();
        if lines {
            for (s, (name, rs)) in series.iter().enumerate() {
                let color = PALETTE[s % PALETTE.len()];
                let mut rs = rs.clone();
                rs.sort_by(|a, b| xa.x[*a].total_cmp(&xa.x[*b]));
                if rs.len() > 1 && xa.categories.is_empty() {
                    let mut band: Vec<(f64, f64)> = rs
                        .iter()
                        .map(|r| (xa.x[*r], p(*r, "p_oom_kill_lo")))
                        .collect();
                    band.extend(rs.iter().rev().map(|r| (xa.x[*r], p(*r, "p_oom_kill_hi"))));
                    chart.draw_series(std::iter::once(Polygon::new(
                        band,
                        color.mix(0.18).filled(),
                    )))?;
                } else {
                    draw_intervals(&mut chart, &rs, &xa, d, color)?;
                }
                chart.draw_series(LineSeries::new(
                    rs.iter().map(|r| (xa.x[*r], p(*r, "p_oom_kill"))),
                    color.stroke_width(3),
                ))?;
                chart
                    .draw_series(rs.iter().map(|r| {
                        Circle::new((xa.x[*r], p(*r, "p_oom_kill")), 5, color.filled())
                    }))?;
                let label = if name.is_empty() {
                    "P(OOMKill)".to_string()
                } else {
                    name.clone()
                };
                entries.push((label, Mark::LineDot(color)));
            }
            entries.push((
                format!("95% interval (Wilson, {} runs/point)", d.replications),
                if xa.categories.is_empty() && rows > 1 {
                    Mark::Band(BLACK)
                } else {
                    Mark::Interval(BLACK)
                },
            ));
        } else {
            let color = PALETTE[0];
            let all: Vec<usize> = (0..rows).collect();
            draw_intervals(&mut chart, &all, &xa, d, color)?;
            chart.draw_series(
                all.iter()
                    .map(|r| Circle::new((xa.x[*r], p(*r, "p_oom_kill")), 4, color.filled())),
            )?;
            entries.push(("P(OOMKill) of a point".into(), Mark::Dot(color)));
            entries.push((
                format!("95% interval (Wilson, {} runs/point)", d.replications),
                Mark::Interval(color),
            ));
        }
        let heading = if others.is_empty() || !lines {
            "Legend".to_string()
        } else {
            others
                .iter()
                .map(|c| key_of_column(c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        legend(&right, &heading, &entries)?;
        Ok(())
    })
}

/// Number of distinct values.
fn distinct_f(xs: &[f64]) -> usize {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v.len()
}

/// Vertical Wilson intervals with caps.
fn draw_intervals<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    rows: &[usize],
    xa: &XAxis,
    d: &SweepData,
    color: RGBColor,
) -> super::DrawResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
    DB::ErrorType: 'static,
{
    for &r in rows {
        let x = xa.x[r];
        let lo = d.points.num(r, "p_oom_kill_lo").unwrap_or(0.0) * 100.0;
        let hi = d.points.num(r, "p_oom_kill_hi").unwrap_or(0.0) * 100.0;
        let style = color.stroke_width(2);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            style,
        )))?;
        for y in [lo, hi] {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x - xa.cap, y), (x + xa.cap, y)],
                style,
            )))?;
        }
    }
    Ok(())
}

/// The two category lists of a complete two-key grid, or `None`.
fn grid_2d(d: &SweepData) -> Option<(Vec<String>, Vec<String>)> {
    if d.axes.len() != 2 {
        return None;
    }
    let a = labels(d, &d.axes[0]);
    let b = labels(d, &d.axes[1]);
    let (ca, cb) = (distinct(&a), distinct(&b));
    let mut pairs: Vec<(&String, &String)> = a.iter().zip(&b).collect();
    pairs.sort();
    pairs.dedup();
    (ca.len() * cb.len() == d.points.rows.len() && pairs.len() == d.points.rows.len())
        .then_some((ca, cb))
}

/// What a `points.csv` column holds, for titles.
fn describe_column(column: &str) -> String {
    match column {
        "p_oom_kill" => "P(OOMKill)".into(),
        "p_oom_kill_lo" => "P(OOMKill), lower 95% bound".into(),
        "p_oom_kill_hi" => "P(OOMKill), upper 95% bound".into(),
        "p_managed_oom" => "P(managed OOM)".into(),
        "p_managed_oom_lo" => "P(managed OOM), lower 95% bound".into(),
        "p_managed_oom_hi" => "P(managed OOM), upper 95% bound".into(),
        "peak_rss_mean_bytes" => "mean peak RSS".into(),
        "peak_rss_p50_bytes" => "median peak RSS".into(),
        "peak_rss_p95_bytes" => "p95 peak RSS".into(),
        "peak_rss_max_bytes" => "largest peak RSS".into(),
        "time_in_gc_mean_pct" => "mean time in GC".into(),
        "pause_p99_mean_ms" => "mean p99 GC pause".into(),
        "pause_p99_max_ms" => "largest p99 GC pause".into(),
        other => other.to_string(),
    }
}

/// Text of a heat-map cell value in the column's display unit.
fn cell_text(column: &str, unit: &Unit, v: f64) -> String {
    if column.starts_with("p_") {
        format!("{}%", trim(unit.of(v), 1))
    } else {
        trim(unit.of(v), 2)
    }
}

fn heatmap_chart(d: &SweepData, column: &str, path: &Path) -> Result<(), PlotError> {
    let Some((ca, cb)) = grid_2d(d) else {
        return Ok(());
    };
    if d.points.col(column).is_none() {
        let numeric_cols: Vec<&str> = d
            .points
            .header
            .iter()
            .skip(1 + d.axes.len())
            .map(String::as_str)
            .collect();
        return Err(PlotError::new(
            path,
            format!(
                "points.csv has no column `{column}` to map (one of {})",
                numeric_cols.join(", ")
            ),
        ));
    }
    let (xcol, ycol) = (&d.axes[0], &d.axes[1]);
    let a = labels(d, xcol);
    let b = labels(d, ycol);
    let values: Vec<f64> = (0..d.points.rows.len())
        .map(|r| d.points.num(r, column).unwrap_or(f64::NAN))
        .collect();
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (mut lo, mut hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    if column.starts_with("p_") {
        (lo, hi) = (0.0, 1.0);
    }
    if !(lo.is_finite() && hi.is_finite()) {
        (lo, hi) = (0.0, 1.0);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let (unit, unit_text) = column_unit(column, hi.abs().max(lo.abs()));
    let xcats: Vec<String> = ca.iter().map(|c| human_value(xcol, c)).collect();
    let ycats: Vec<String> = cb.iter().map(|c| human_value(ycol, c)).collect();
    let title = format!(
        "{}: {} by {} and {}",
        d.scenario,
        describe_column(column),
        key_of_column(xcol),
        key_of_column(ycol)
    );
    let fmt = |cats: &[String], x: f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            cats.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };

    save_png(path, HEATMAP_SIZE, |root| {
        let (left, right) = root.split_horizontally(HEATMAP_SIZE.0 - 240);
        let mut chart = ChartBuilder::on(&left)
            .caption(title.as_str(), title_style(&title, HEATMAP_SIZE.0 - 240))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(130)
            .build_cartesian_2d(
                Ticked::new(
                    -0.5..ca.len() as f64 - 0.5,
                    (0..ca.len()).map(|i| i as f64).collect(),
                ),
                Ticked::new(
                    -0.5..cb.len() as f64 - 0.5,
                    (0..cb.len()).map(|i| i as f64).collect(),
                ),
            )?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(key_of_column(xcol))
            .y_desc(key_of_column(ycol))
            .axis_desc_style(axis_style())
            .label_style(tick_style())
            .x_label_formatter(&|x| fmt(&xcats, *x))
            .y_label_formatter(&|y| fmt(&ycats, *y))
            .draw()?;
        for r in 0..d.points.rows.len() {
            let i = ca.iter().position(|c| *c == a[r]).unwrap_or(0) as f64;
            let j = cb.iter().position(|c| *c == b[r]).unwrap_or(0) as f64;
            let v = values[r];
            let color = if v.is_finite() {
                colormap((v - lo) / (hi - lo))
            } else {
                RGBColor(240, 240, 240)
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(i - 0.5, j - 0.5), (i + 0.5, j + 0.5)],
                color.filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(i - 0.5, j - 0.5), (i + 0.5, j + 0.5)],
                WHITE.stroke_width(2),
            )))?;
            let text = if v.is_finite() {
                cell_text(column, &unit, v)
            } else {
                "n/a".to_string()
            };
            chart.draw_series(std::iter::once(Text::new(
                text,
                (i, j),
                centred((FONT, 16).into_font().color(&text_on(color))),
            )))?;
        }

        // Colour bar with its scale.
        right.draw(&Text::new(
            "Colour scale",
            (16, 40),
            (FONT, 16, FontStyle::Bold).into_font(),
        ))?;
        right.draw(&Text::new(
            format!("{} ({})", describe_column(column), unit_text),
            (16, 64),
            tick_style(),
        ))?;
        let (top, bottom, x0, x1) = (100, HEATMAP_SIZE.1 as i32 - 110, 20, 56);
        let steps = 120;
        for s in 0..steps {
            let t0 = s as f64 / steps as f64;
            let y1 = bottom - ((bottom - top) as f64 * t0) as i32;
            let y0 = bottom - ((bottom - top) as f64 * (s + 1) as f64 / steps as f64) as i32;
            right.draw(&Rectangle::new(
                [(x0, y0), (x1, y1)],
                colormap(t0 + 0.5 / steps as f64).filled(),
            ))?;
        }
        right.draw(&Rectangle::new(
            [(x0, top), (x1, bottom)],
            BLACK.stroke_width(1),
        ))?;
        for k in 0..=4 {
            let t = k as f64 / 4.0;
            let y = bottom - ((bottom - top) as f64 * t) as i32;
            right.draw(&PathElement::new(
                vec![(x1, y), (x1 + 6, y)],
                BLACK.stroke_width(1),
            ))?;
            right.draw(&Text::new(
                cell_text(column, &unit, lo + t * (hi - lo)),
                (x1 + 10, y - 8),
                tick_style(),
            ))?;
        }
        Ok(())
    })
}

/// The points grouped by the values of every axis but `xi`: (series name, point rows).
fn series_of(d: &SweepData, xi: Option<usize>) -> Vec<(String, Vec<usize>)> {
    let others: Vec<&String> = d
        .axes
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != xi)
        .map(|(_, c)| c)
        .collect();
    let mut series: Vec<(String, Vec<usize>)> = Vec::new();
    for r in 0..d.points.rows.len() {
        let k = others
            .iter()
            .map(|c| human_value(c, d.points.text(r, c)))
            .collect::<Vec<_>>()
            .join(", ");
        match series.iter_mut().find(|(s, _)| *s == k) {
            Some((_, v)) => v.push(r),
            None => series.push((k, vec![r])),
        }
    }
    series
}

/// Where the boxes of the peak-RSS chart go.
struct BoxLayout {
    /// x of each point row's box.
    x: Vec<f64>,
    /// Colour of each point row's box.
    color: Vec<RGBColor>,
    /// Half-width of a box, x units.
    half: f64,
    /// Tick positions and their labels.
    ticks: Vec<(f64, String)>,
    /// Axis title.
    title: String,
    /// Legend entries for the series (empty with one series).
    series: Vec<(String, Mark)>,
    /// Legend heading.
    heading: String,
}

/// Boxes grouped by the risk axis' values, one colour per value of the other keys, when the
/// points form such a grid; else one box per point in point order.
fn box_layout(d: &SweepData) -> BoxLayout {
    let rows = d.points.rows.len();
    let xi = risk_axis(d);
    if let Some(xi) = xi {
        let col = &d.axes[xi];
        let l = labels(d, col);
        let mut cats = distinct(&l);
        if numeric(&l) {
            cats.sort_by(|a, b| {
                let (x, y) = (a.parse::<f64>(), b.parse::<f64>());
                match (x, y) {
                    (Ok(x), Ok(y)) => x.total_cmp(&y),
                    _ => a.cmp(b),
                }
            });
        }
        let series = series_of(d, Some(xi));
        let unique = series.iter().all(|(_, rs)| {
            let v: Vec<&String> = rs.iter().map(|r| &l[*r]).collect();
            distinct(&v.iter().map(|s| (*s).clone()).collect::<Vec<_>>()).len() == v.len()
        });
        if series.len() <= MAX_SERIES && unique && cats.len() <= 40 {
            let k = series.len().max(1) as f64;
            let slot = 0.8 / k;
            let mut x = vec![0.0; rows];
            let mut color = vec![PALETTE[0]; rows];
            for (j, (_, rs)) in series.iter().enumerate() {
                for &r in rs {
                    let c = cats.iter().position(|c| *c == l[r]).unwrap_or(0) as f64;
                    x[r] = c - 0.4 + slot * (j as f64 + 0.5);
                    color[r] = PALETTE[j % PALETTE.len()];
                }
            }
            let legend_series = if series.len() > 1 {
                series
                    .iter()
                    .enumerate()
                    .map(|(j, (name, _))| (name.clone(), Mark::Fill(PALETTE[j % PALETTE.len()])))
                    .collect()
            } else {
                Vec::new()
            };
            let heading = d
                .axes
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != xi)
                .map(|(_, c)| key_of_column(c))
                .collect::<Vec<_>>()
                .join(", ");
            return BoxLayout {
                x,
                color,
                half: (slot * 0.36).min(0.3),
                ticks: cats
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i as f64, human_value(col, c)))
                    .collect(),
                title: key_of_column(col).to_string(),
                series: legend_series,
                heading,
            };
        }
    }
    let width = f64::from(PEAK_RSS_SIZE.0 - 380);
    let every = (rows as f64 * 40.0 / width).ceil().max(1.0) as usize;
    BoxLayout {
        x: (0..rows).map(|r| r as f64).collect(),
        color: vec![PALETTE[0]; rows],
        half: 0.3,
        ticks: (0..rows)
            .step_by(every)
            .map(|r| (r as f64, d.points.text(r, "point").to_string()))
            .collect(),
        title: if d.axes.is_empty() {
            "scenario (nothing swept)".to_string()
        } else {
            "point (its values are in points.csv)".to_string()
        },
        series: Vec::new(),
        heading: String::new(),
    }
}

fn peak_rss_chart(d: &SweepData, path: &Path) -> Result<(), PlotError> {
    let rows = d.points.rows.len();
    let all = || {
        d.peaks
            .iter()
            .flatten()
            .copied()
            .chain(d.limits.iter().flatten().copied())
    };
    let max = all().fold(0.0, f64::max);
    let min = all().fold(f64::INFINITY, f64::min);
    let min = if min.is_finite() { min } else { 0.0 };
    let unit = bytes_unit(max);
    let span = (max - min).max(max * 0.05).max(1.0);
    let (y_lo, y_hi) = (
        unit.of((min - span * 0.08).max(0.0)),
        unit.of(max + span * 0.08),
    );
    let layout = box_layout(d);
    let (x_lo, x_hi) = layout
        .ticks
        .iter()
        .fold((0.0_f64, 0.0_f64), |(a, b), t| (a.min(t.0), b.max(t.0)));
    let title = format!(
        "{}: peak RSS per point over {} runs",
        d.scenario, d.replications
    );
    let has_limit = d.limits.iter().any(Option::is_some);
    let fmt = |x: f64| {
        layout
            .ticks
            .iter()
            .find(|t| (t.0 - x).abs() < 1e-6)
            .map(|t| t.1.clone())
            .unwrap_or_default()
    };

    save_png(path, PEAK_RSS_SIZE, |root| {
        let (left, right) = root.split_horizontally(PEAK_RSS_SIZE.0 - 300);
        let mut chart = ChartBuilder::on(&left)
            .caption(title.as_str(), title_style(&title, PEAK_RSS_SIZE.0 - 300))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(
                Ticked::new(
                    x_lo - 0.6..x_hi + 0.6,
                    layout.ticks.iter().map(|t| t.0).collect(),
                ),
                y_lo..y_hi,
            )?;
        chart
            .configure_mesh()
            .x_desc(layout.title.as_str())
            .y_desc(format!("peak RSS ({})", unit.name))
            .axis_desc_style(axis_style())
            .label_style(tick_style())
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_label_formatter(&|x| fmt(*x))
            .y_label_formatter(&|y| trim(*y, 2))
            .draw()?;
        let half = layout.half;
        for r in 0..rows {
            let xs = &d.peaks[r];
            if xs.is_empty() {
                continue;
            }
            let x = layout.x[r];
            let color = layout.color[r];
            let q = |t: f64| unit.of(quantile(xs, t));
            let (mn, q1, med, q3, mx) = (q(0.0), q(0.25), q(0.5), q(0.75), q(1.0));
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, mn), (x, mx)],
                BLACK.stroke_width(1),
            )))?;
            for y in [mn, mx] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x - half * 0.5, y), (x + half * 0.5, y)],
                    BLACK.stroke_width(1),
                )))?;
            }
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - half, q1), (x + half, q3)],
                color.mix(0.55).filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - half, q1), (x + half, q3)],
                color.stroke_width(1),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x - half, med), (x + half, med)],
                BLACK.stroke_width(3),
            )))?;
            if let Some(l) = d.limits[r] {
                let y = unit.of(l);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x - half * 1.3, y), (x + half * 1.3, y)],
                    LIMIT_RED.stroke_width(3),
                )))?;
            }
        }
        let mut entries = layout.series.clone();
        if entries.is_empty() {
            entries.push((
                "middle 50% of runs".to_string(),
                Mark::Fill(layout.color[0]),
            ));
        } else {
            entries.push(("box: middle 50% of runs".to_string(), Mark::Fill(GRID)));
        }
        entries.push(("median".to_string(), Mark::Line(BLACK)));
        entries.push(("min to max".to_string(), Mark::Interval(BLACK)));
        if has_limit {
            entries.push(("pod memory limit".to_string(), Mark::Line(LIMIT_RED)));
        }
        let heading = if layout.heading.is_empty() {
            "Peak RSS over replications".to_string()
        } else {
            layout.heading.clone()
        };
        legend(&right, &heading, &entries)?;
        Ok(())
    })
}
