//! The charts of a plan: `risk.png` (P(OOM) against the pod limit for every limit the search
//! evaluated, with its Wilson band, the SLO line and the recommended, VPA-, KRR- and
//! operator-style limits marked) and `peak.png` (resident memory by component at the peak of the
//! worst replication at the recommended limit).

use std::path::Path;

use plotters::prelude::*;

use super::draw::{GRID, LIMIT_RED, Mark, PALETTE, axis_style, legend, tick_style, title_style};
use super::scale::{Ticked, bytes_unit, nice_ticks, trim};
use super::{PlotError, save_png};
use crate::plan::PlanResult;
use crate::plan::explain::gib;

/// Size of the plan's `risk.png`, pixels.
pub const PLAN_RISK_SIZE: (u32, u32) = (1280, 720);
/// Size of the plan's `peak.png`, pixels.
pub const PLAN_PEAK_SIZE: (u32, u32) = (1280, 720);

const MEMSIM_GREEN: RGBColor = RGBColor(0, 140, 60);

/// Draws `risk.png` of `r` at `path`.
pub fn risk_chart(r: &PlanResult, path: &Path) -> Result<(), PlotError> {
    let rec = &r.recommendation;
    let ev = &r.variants[rec.variant].evaluator;
    let mut pts: Vec<(f64, f64, f64, f64)> = ev
        .evals
        .values()
        .filter(|e| e.invalid.is_none() && e.stats.runs > 0)
        .map(|e| {
            (
                e.limit as f64,
                e.stats.oom.p * 100.0,
                e.stats.oom.lo * 100.0,
                e.stats.oom.hi * 100.0,
            )
        })
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut marks: Vec<(String, f64, RGBColor)> = vec![(
        format!("memsim: {}", crate::plan::quantity(rec.limit)),
        rec.limit as f64,
        MEMSIM_GREEN,
    )];
    for (i, h) in r.heuristics.iter().enumerate() {
        marks.push((
            format!(
                "{}-style ({}): {}",
                h.name,
                h.rule,
                crate::plan::quantity(h.limit)
            ),
            h.limit as f64,
            PALETTE[[1, 4, 5][i % 3]],
        ));
    }
    let xmax_b = pts
        .iter()
        .map(|p| p.0)
        .chain(marks.iter().map(|m| m.1))
        .fold(0.0, f64::max);
    let xmin_b = pts
        .iter()
        .map(|p| p.0)
        .chain(marks.iter().map(|m| m.1))
        .fold(f64::INFINITY, f64::min);
    let unit = bytes_unit(xmax_b);
    let (x0, x1) = (unit.of(xmin_b), unit.of(xmax_b));
    let pad = ((x1 - x0) * 0.05).max(unit.of(r.settings.step as f64));
    let xr = (x0 - pad).max(0.0)..x1 + pad;
    let slo = r.settings.slos.oom_risk * 100.0;
    let ytop = pts.iter().map(|p| p.3).fold(slo * 4.0, f64::max).min(100.0) * 1.05;
    let horizon = super::scale::human_seconds(r.horizon_s);
    let title = format!("{}: P(OOM within {horizon}) by pod memory limit", r.name);
    let counts: Vec<u64> = ev
        .evals
        .values()
        .map(|e| e.stats.runs)
        .filter(|n| *n > 0)
        .collect();
    let runs_note = format!(
        "95% interval (Wilson), {}–{} runs per limit",
        counts.iter().min().unwrap_or(&0),
        counts.iter().max().unwrap_or(&0)
    );
    save_png(path, PLAN_RISK_SIZE, |root| {
        let (left, right) = root.split_horizontally(PLAN_RISK_SIZE.0 - 380);
        let mut chart = ChartBuilder::on(&left)
            .caption(title.as_str(), title_style(&title, PLAN_RISK_SIZE.0 - 380))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(
                Ticked::new(xr.clone(), nice_ticks(xr.start, xr.end, 8)),
                Ticked::new(0.0..ytop, nice_ticks(0.0, ytop, 8)),
            )?;
        chart
            .configure_mesh()
            .x_desc(format!("pod memory limit ({})", unit.name))
            .y_desc("P(OOM kill or managed OOM) (%)")
            .axis_desc_style(axis_style())
            .label_style(tick_style())
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_label_formatter(&|x| trim(*x, 2))
            .y_label_formatter(&|y| trim(*y, 2))
            .draw()?;
        let color = PALETTE[0];
        if pts.len() > 1 {
            let mut band: Vec<(f64, f64)> = pts.iter().map(|p| (unit.of(p.0), p.2)).collect();
            band.extend(pts.iter().rev().map(|p| (unit.of(p.0), p.3.min(ytop))));
            chart.draw_series(std::iter::once(Polygon::new(
                band,
                color.mix(0.18).filled(),
            )))?;
        }
        chart.draw_series(LineSeries::new(
            pts.iter().map(|p| (unit.of(p.0), p.1.min(ytop))),
            color.stroke_width(2),
        ))?;
        chart.draw_series(
            pts.iter()
                .map(|p| Circle::new((unit.of(p.0), p.1.min(ytop)), 4, color.filled())),
        )?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(xr.start, slo), (xr.end, slo)],
            LIMIT_RED.stroke_width(2),
        )))?;
        // Heuristics first and wider, so that limits that coincide show as nested stripes;
        // memsim's line on top.
        let n = marks.len() as u32;
        for (i, (_, x, c)) in marks
            .iter()
            .enumerate()
            .skip(1)
            .chain(marks.iter().enumerate().take(1))
        {
            let x = unit.of(*x);
            let width = if i == 0 { 3 } else { 3 * (n - i as u32) };
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, ytop)],
                c.stroke_width(width),
            )))?;
        }
        let mut entries: Vec<(String, Mark)> = vec![
            ("P(OOM) at a limit".to_string(), Mark::LineDot(color)),
            (runs_note.clone(), Mark::Band(color)),
            (
                format!("SLO: oom_risk ≤ {}%", trim(slo, 3)),
                Mark::Line(LIMIT_RED),
            ),
        ];
        for (label, _, c) in &marks {
            entries.push((label.clone(), Mark::Line(*c)));
        }
        legend(&right, "Legend", &entries)?;
        Ok(())
    })
}

/// Draws `peak.png` of `r` at `path`: one bar per component of resident memory at the peak.
pub fn peak_chart(r: &PlanResult, path: &Path) -> Result<(), PlotError> {
    let m = &r.explanation.peak;
    let shares: Vec<_> = m.shares.iter().filter(|s| s.bytes > 0.0).collect();
    let unit = bytes_unit(shares.iter().map(|s| s.bytes).fold(0.0, f64::max));
    let xmax = unit.of(shares.iter().map(|s| s.bytes).fold(0.0, f64::max)) * 1.25;
    let n = shares.len().max(1) as f64;
    let title = format!(
        "{}: resident memory at the peak, {} of the {} limit ({}, replication {})",
        r.name,
        gib(m.rss),
        crate::plan::quantity(m.limit),
        crate::plan::explain::clock(m.time_s),
        m.replication
    );
    let xdesc = if m.during.is_empty() {
        format!("memory ({})", unit.name)
    } else {
        format!(
            "memory ({}); at the peak: {}",
            unit.name,
            m.during.join(", ")
        )
    };
    save_png(path, PLAN_PEAK_SIZE, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title.as_str(), title_style(&title, PLAN_PEAK_SIZE.0))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(230)
            .build_cartesian_2d(
                Ticked::new(0.0..xmax.max(1.0), nice_ticks(0.0, xmax.max(1.0), 8)),
                Ticked::new(-0.5..n - 0.5, (0..shares.len()).map(|i| i as f64).collect()),
            )?;
        let names: Vec<String> = shares.iter().map(|s| s.name.to_string()).collect();
        chart
            .configure_mesh()
            .x_desc(xdesc.as_str())
            .y_desc("component")
            .axis_desc_style(axis_style())
            .label_style(tick_style())
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_label_formatter(&|x| trim(*x, 2))
            .y_label_formatter(&|y| {
                let i = y.round();
                if i >= 0.0 && (y - i).abs() < 1e-6 {
                    // Largest at the top.
                    let k = names.len().saturating_sub(1 + i as usize);
                    names.get(k).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .draw()?;
        for (i, s) in shares.iter().enumerate() {
            let y = (shares.len() - 1 - i) as f64;
            let c = PALETTE[i % PALETTE.len()];
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - 0.35), (unit.of(s.bytes), y + 0.35)],
                c.filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{} ({:.1}%)", gib(s.bytes), s.share * 100.0),
                (unit.of(s.bytes) + xmax * 0.01, y + 0.15),
                tick_style(),
            )))?;
        }
        Ok(())
    })
}
