//! Shared drawing pieces: the palette, text styles, a legend panel and a colour map.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Area, DrawResult, FONT};

/// Twelve distinct colours (after Tableau 10 / ColorBrewer Paired), for series and layers.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(174, 199, 232),
    RGBColor(255, 187, 120),
];

/// Colour of the pod limit and of OOM kills.
pub const LIMIT_RED: RGBColor = RGBColor(200, 0, 0);
/// Colour of the pod request.
pub const REQUEST_ORANGE: RGBColor = RGBColor(230, 140, 0);
/// Colour of managed OutOfMemoryExceptions.
pub const MANAGED_PURPLE: RGBColor = RGBColor(120, 0, 160);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(225, 225, 225);

/// Title text, 24 px, smaller for long titles so that `title` fits in `width` pixels.
pub fn title_style(title: &str, width: u32) -> TextStyle<'static> {
    // DejaVu Sans Bold averages about 0.62 em per character.
    let chars = title.chars().count().max(1) as f64;
    let size = (f64::from(width) * 0.95 / (chars * 0.62)).clamp(13.0, 24.0);
    (FONT, size, FontStyle::Bold).into_font().color(&BLACK)
}

/// Axis descriptions.
pub fn axis_style() -> TextStyle<'static> {
    (FONT, 18).into_font().color(&BLACK)
}

/// Tick labels.
pub fn tick_style() -> TextStyle<'static> {
    (FONT, 14).into_font().color(&BLACK)
}

/// Legend text.
pub fn legend_style() -> TextStyle<'static> {
    (FONT, 15).into_font().color(&BLACK)
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug)]
pub enum Mark {
    /// A filled square (an area layer, a bar).
    Fill(RGBColor),
    /// A pale filled square (a confidence band).
    Band(RGBColor),
    /// A solid line with a dot (a series of points).
    LineDot(RGBColor),
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A dot.
    Dot(RGBColor),
    /// A vertical line with a downward triangle (an event).
    Event(RGBColor),
    /// A vertical bar with caps (an interval).
    Interval(RGBColor),
}

/// Draws a legend panel in `area`: a heading, then one line per entry.
pub fn legend(area: &Area<'_>, heading: &str, entries: &[(String, Mark)]) -> DrawResult {
    let x0 = 12;
    let mut y = 70;
    area.draw(&Text::new(
        heading.to_string(),
        (x0, y - 30),
        (FONT, 16, FontStyle::Bold).into_font(),
    ))?;
    for (text, mark) in entries {
        let (sx, sy) = (x0, y);
        match *mark {
            Mark::Fill(c) => {
                area.draw(&Rectangle::new(
                    [(sx, sy - 7), (sx + 24, sy + 7)],
                    c.filled(),
                ))?;
            }
            Mark::Band(c) => {
                area.draw(&Rectangle::new(
                    [(sx, sy - 7), (sx + 24, sy + 7)],
                    c.mix(0.25).filled(),
                ))?;
            }
            Mark::LineDot(c) => {
                area.draw(&PathElement::new(
                    vec![(sx, sy), (sx + 24, sy)],
                    c.stroke_width(3),
                ))?;
                area.draw(&Circle::new((sx + 12, sy), 4, c.filled()))?;
            }
            Mark::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(sx, sy), (sx + 24, sy)],
                    c.stroke_width(3),
                ))?;
            }
            Mark::Dashed(c) => {
                for k in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(sx + k * 9, sy), (sx + k * 9 + 5, sy)],
                        c.stroke_width(3),
                    ))?;
                }
            }
            Mark::Dot(c) => {
                area.draw(&Circle::new((sx + 12, sy), 4, c.filled()))?;
            }
            Mark::Event(c) => {
                area.draw(&PathElement::new(
                    vec![(sx + 12, sy - 8), (sx + 12, sy + 8)],
                    c.stroke_width(2),
                ))?;
                area.draw(&TriangleMarker::new((sx + 12, sy - 4), 6, c.filled()))?;
            }
            Mark::Interval(c) => {
                area.draw(&PathElement::new(
                    vec![(sx + 12, sy - 8), (sx + 12, sy + 8)],
                    c.stroke_width(2),
                ))?;
                for cap in [sy - 8, sy + 8] {
                    area.draw(&PathElement::new(
                        vec![(sx + 6, cap), (sx + 18, cap)],
                        c.stroke_width(2),
                    ))?;
                }
            }
        }
        area.draw(&Text::new(
            text.clone(),
            (sx + 34, sy),
            legend_style().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        y += 26;
    }
    Ok(())
}

/// A perceptually ordered colour map (after viridis): `t` in [0, 1] from dark blue to yellow.
pub fn colormap(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + f * (q - p)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `c`.
pub fn text_on(c: RGBColor) -> RGBColor {
    let luma = 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2);
    if luma > 140.0 { BLACK } else { WHITE }
}

/// Centred text style.
pub fn centred(style: TextStyle<'static>) -> TextStyle<'static> {
    style.pos(Pos::new(HPos::Center, VPos::Center))
}
