//! A measured record rate to replay: a CSV file with a header naming the columns `time_s`
//! (seconds since the start, increasing) and `records_per_second` (at least 0); other columns are
//! ignored and lines starting with `#` are comments.
//!
//! ```text
//! time_s,records_per_second
//! 0,12000
//! 300,18500
//! 600,9000
//! ```

use std::path::Path;

/// A problem with the replay file: the 1-based line (when it is about one) and what is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", match .line { Some(l) => format!("line {l}: {}", .problem), None => .problem.clone() })]
pub struct ReplayError {
    /// 1-based line of the file.
    pub line: Option<u64>,
    /// What is wrong.
    pub problem: String,
}

fn err(line: Option<u64>, problem: impl Into<String>) -> ReplayError {
    ReplayError {
        line,
        problem: problem.into(),
    }
}

/// Time column.
pub const TIME_COLUMN: &str = "time_s";
/// Rate column.
pub const RATE_COLUMN: &str = "records_per_second";

/// Reads the points `(time s, records/s)` of the file at `path`.
pub fn read_replay(path: &Path) -> Result<Vec<(f64, f64)>, ReplayError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| err(None, format!("cannot read it: {e}")))?;
    parse_replay(&text)
}

/// Reads the points `(time s, records/s)` of a replay file's text.
pub fn parse_replay(text: &str) -> Result<Vec<(f64, f64)>, ReplayError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| err(Some(1), e.to_string()))?
        .clone();
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            err(
                Some(1),
                format!(
                    "the header names no `{name}` column (expected `{TIME_COLUMN},{RATE_COLUMN}`)"
                ),
            )
        })
    };
    let (ti, ri) = (column(TIME_COLUMN)?, column(RATE_COLUMN)?);
    let mut points: Vec<(f64, f64)> = Vec::new();
    for record in rdr.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line());
            err(line, e.to_string())
        })?;
        let line = record.position().map(|p| p.line());
        let number = |i: usize, name: &str| -> Result<f64, ReplayError> {
            let field = record.get(i).unwrap_or("");
            match field.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(err(line, format!("{name} {field:?} is not a number"))),
            }
        };
        let t = number(ti, TIME_COLUMN)?;
        let r = number(ri, RATE_COLUMN)?;
        if t < 0.0 {
            return Err(err(line, format!("{TIME_COLUMN} {t} is negative")));
        }
        if r < 0.0 {
            return Err(err(line, format!("{RATE_COLUMN} {r} is negative")));
        }
        if let Some(&(prev, _)) = points.last()
            && t <= prev
        {
            return Err(err(
                line,
                format!("{TIME_COLUMN} {t} does not come after the previous time {prev}"),
            ));
        }
        points.push((t, r));
    }
    if points.is_empty() {
        return Err(err(None, "no data rows"));
    }
    Ok(points)
}

/// The time-weighted mean rate of `points` between the first and the last time (linear
/// interpolation), or the only rate when there is one point, records/s.
pub fn mean_rate(points: &[(f64, f64)]) -> f64 {
    let (first, last) = match (points.first(), points.last()) {
        (Some(f), Some(l)) if l.0 > f.0 => (f.0, l.0),
        (Some(f), _) => return f.1,
        _ => return 0.0,
    };
    let area: f64 = points
        .windows(2)
        .map(|w| 0.5 * (w[0].1 + w[1].1) * (w[1].0 - w[0].0))
        .sum();
    area / (last - first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_points_by_column_name_with_comments() {
        let p = parse_replay(
            "# measured on Monday\nrecords_per_second,time_s,note\n100,0,a\n300,10,b\n",
        )
        .unwrap();
        assert_eq!(p, vec![(0.0, 100.0), (10.0, 300.0)]);
        assert_eq!(mean_rate(&p), 200.0);
        assert_eq!(mean_rate(&[(5.0, 7.0)]), 7.0);
    }

    #[test]
    fn bad_rows_name_their_line() {
        let e = parse_replay("time_s,records_per_second\n0,10\n5,ten\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(
            e.to_string()
                .starts_with("line 3: records_per_second \"ten\""),
            "{e}"
        );
        let e = parse_replay("time_s,records_per_second\n0,10\n0,20\n").unwrap_err();
        assert!(e.problem.contains("does not come after"), "{e}");
        let e = parse_replay("time_s,records_per_second\n0,-1\n").unwrap_err();
        assert!(e.problem.contains("negative"), "{e}");
        let e = parse_replay("time,rate\n0,1\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.problem.contains("`time_s`"), "{e}");
        let e = parse_replay("time_s,records_per_second\n").unwrap_err();
        assert_eq!(e.problem, "no data rows");
    }
}
