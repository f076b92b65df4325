//! A PNG of one run's memory over time, drawn from its samples: the memory components stacked
//! (live state on the heap, live checkpoint buffers, the other objects of the Large Object Heap
//! and of gen0-gen2, live or dead, free space in the heap, the GC's other committed memory,
//! network buffers, off-heap state, and the runtime's own memory),
//! resident memory as a line, the pod limit as a red line, checkpoints in progress as shaded
//! bands and OOM kills or managed OutOfMemoryExceptions as marks. Text uses the DejaVu Sans font
//! embedded in the binary.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::sim::observe::{RunEvent, Sample};

/// Font family of the chart.
const FONT: &str = "sans-serif";
/// Size of the chart, pixels.
pub const SIZE: (u32, u32) = (1280, 720);
const GIB: f64 = 1_073_741_824.0;

fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// The stacked layers, bottom first: label, colour, and its bytes in a sample.
type Layer = (&'static str, RGBColor, fn(&Sample) -> f64);

fn heap_objects(s: &Sample) -> f64 {
    s.mem.gen0 + s.mem.gen1 + s.mem.gen2 + s.mem.loh
}

const LAYERS: [Layer; 9] = [
    ("state on the heap", RGBColor(31, 119, 180), |s| {
        s.mem.state_heap
    }),
    ("checkpoint buffers (live)", RGBColor(214, 39, 40), |s| {
        s.models.checkpoint_buffer_bytes
    }),
    (
        "other LOH objects (live or dead)",
        RGBColor(255, 152, 150),
        // Large objects' pages never written are committed but not resident.
        |s| {
            let unwritten = s.mem.gc_untouched - s.mem.gc_untouched_parked;
            (s.mem.loh - s.models.checkpoint_buffer_bytes - unwritten).max(0.0)
        },
    ),
    ("other gen0-gen2 objects", RGBColor(174, 199, 232), |s| {
        (s.mem.gen0 + s.mem.gen1 + s.mem.gen2 - s.mem.state_heap).max(0.0)
    }),
    ("free space in the heap", RGBColor(255, 187, 120), |s| {
        s.mem.fragmentation
    }),
    ("other GC commit", RGBColor(199, 199, 199), |s| {
        // Less the never-written pages of emptied large regions, which are not resident.
        (s.mem.gc_committed - heap_objects(s) - s.mem.fragmentation - s.mem.gc_untouched_parked)
            .max(0.0)
    }),
    ("network buffers", RGBColor(44, 160, 44), |s| s.mem.network),
    ("off-heap state", RGBColor(148, 103, 189), |s| {
        s.mem.state_offheap
    }),
    (
        "runtime, code, stacks, native",
        RGBColor(140, 86, 75),
        |s| s.mem.runtime + s.mem.code + s.mem.stacks + s.mem.native,
    ),
];

/// Draws the chart of `samples` (and the failures among `events`) into the PNG file `path`,
/// written under a temporary name and renamed into place.
pub fn draw_memory_png(
    path: &Path,
    title: &str,
    samples: &[Sample],
    events: &[RunEvent],
) -> Result<(), String> {
    register();
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.tmp.png"));
    draw(&temp, title, samples, events)
        .and_then(|()| std::fs::rename(&temp, path).map_err(|e| e.to_string()))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            format!("{}: {e}", path.display())
        })
}

fn draw(path: &Path, title: &str, samples: &[Sample], events: &[RunEvent]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let end = samples.last().map(|s| s.time_s).unwrap_or(1.0).max(1e-3);
    // Minutes up to six hours, hours beyond.
    let (unit, per) = if end <= 6.0 * 3600.0 {
        ("minutes", 60.0)
    } else {
        ("hours", 3600.0)
    };
    let limit = samples.iter().find_map(|s| s.limit);
    let top = samples
        .iter()
        .map(|s| s.rss)
        .chain(limit)
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.08
        / GIB;
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 26, FontStyle::Bold))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..end / per, 0.0..top)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc(format!("simulated time ({unit})"))
        .y_desc("memory (GiB)")
        .axis_desc_style((FONT, 18))
        .label_style((FONT, 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| err(&e))?;

    // Checkpoints in progress, as bands behind the layers.
    let band = RGBColor(255, 228, 228);
    let mut start: Option<f64> = None;
    for (i, s) in samples.iter().enumerate() {
        let busy = s.models.checkpoints_in_progress > 0;
        match (busy, start) {
            (true, None) => start = Some(samples[i.saturating_sub(1)].time_s),
            (false, Some(t0)) => {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(t0 / per, 0.0), (s.time_s / per, top)],
                        band.filled(),
                    )))
                    .map_err(|e| err(&e))?;
                start = None;
            }
            _ => {}
        }
    }
    if let Some(t0) = start {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(t0 / per, 0.0), (end / per, top)],
                band.filled(),
            )))
            .map_err(|e| err(&e))?;
    }

    // The layers, each drawn as the area up to its cumulative top, top layer first.
    let tops: Vec<Vec<f64>> = (0..LAYERS.len())
        .map(|k| {
            samples
                .iter()
                .map(|s| LAYERS[..=k].iter().map(|l| (l.2)(s)).sum::<f64>() / GIB)
                .collect()
        })
        .collect();
    for (k, (label, colour, _)) in LAYERS.iter().enumerate().rev() {
        let points: Vec<(f64, f64)> = samples
            .iter()
            .zip(&tops[k])
            .map(|(s, y)| (s.time_s / per, *y))
            .collect();
        chart
            .draw_series(AreaSeries::new(points, 0.0, colour.filled()))
            .map_err(|e| err(&e))?
            .label(*label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    }
    chart
        .draw_series(LineSeries::new(
            samples
                .iter()
                .filter(|s| s.running)
                .map(|s| (s.time_s / per, s.rss / GIB)),
            BLACK.stroke_width(2),
        ))
        .map_err(|e| err(&e))?
        .label("resident memory (RSS)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BLACK.stroke_width(2)));
    if let Some(l) = limit {
        let red = RGBColor(200, 0, 0);
        chart
            .draw_series(LineSeries::new(
                [(0.0, l / GIB), (end / per, l / GIB)],
                red.stroke_width(2),
            ))
            .map_err(|e| err(&e))?
            .label("pod memory limit")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], red.stroke_width(2)));
    }
    for e in events {
        let (t, y, text) = match e {
            RunEvent::OomKilled { time_s, rss } => (*time_s, *rss, "OOM kill"),
            RunEvent::ManagedOom { time_s, committed } => {
                (*time_s, *committed, "OutOfMemoryException")
            }
            RunEvent::Restarted { .. } => continue,
        };
        let at = (t / per, y / GIB);
        // The label sits above the mark, to its left near the right edge.
        let x = if t > 0.8 * end { t - 0.12 * end } else { t };
        chart
            .draw_series([
                Cross::new(at, 9, RGBColor(200, 0, 0).stroke_width(3)).into_dyn(),
                Text::new(
                    text.to_string(),
                    (x / per, (y / GIB + top * 0.035).min(top * 0.97)),
                    (FONT, 16, FontStyle::Bold)
                        .into_font()
                        .color(&RGBColor(200, 0, 0)),
                )
                .into_dyn(),
            ])
            .map_err(|e| err(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::observe::{Components, ModelSample};

    fn sample(t: f64, heap: f64, busy: bool) -> Sample {
        let mem = Components {
            gen2: heap,
            gc_committed: heap * 1.2,
            network: 64.0 * 1_048_576.0,
            runtime: 32.0 * 1_048_576.0,
            state_heap: heap * 0.5,
            ..Components::default()
        };
        Sample {
            time_s: t,
            rss: mem.rss(),
            mem,
            limit: Some(2.0 * GIB),
            gc_counts: [0; 3],
            time_in_gc_pct: 0.0,
            record_rate: 0.0,
            backlog_records: 0.0,
            running: true,
            models: ModelSample {
                checkpoints_in_progress: u32::from(busy),
                ..ModelSample::default()
            },
        }
    }

    #[test]
    fn draws_a_png_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memory.png");
        let samples: Vec<Sample> = (0..120)
            .map(|i| sample(i as f64 * 30.0, GIB * (0.5 + i as f64 / 200.0), i % 10 == 3))
            .collect();
        let events = [RunEvent::OomKilled {
            time_s: 3570.0,
            rss: 2.1 * GIB,
        }];
        draw_memory_png(&path, "test run", &samples, &events).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // Width and height from the IHDR chunk.
        let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((w, h), SIZE);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        let e = draw_memory_png(&dir.path().join("missing/x.png"), "t", &samples, &[]);
        assert!(e.unwrap_err().contains("missing/x.png"));
    }
}
