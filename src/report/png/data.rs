//! Reading the columns a chart needs from the CSV files on disk, by column name, streaming so
//! that a day of GC records does not sit in memory as text.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::PlotError;

/// A small CSV file held as text (a summary, `points.csv`, `events.csv`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of fields.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads the whole file.
    pub fn read(path: &Path) -> Result<Table, PlotError> {
        let mut rdr = reader(path)?;
        let header = rdr
            .headers()
            .map_err(|e| PlotError::new(path, e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for r in rdr.records() {
            let r = r.map_err(|e| PlotError::new(path, e.to_string()))?;
            rows.push(r.iter().map(str::to_string).collect());
        }
        Ok(Table { header, rows })
    }

    /// The position of `column`.
    pub fn col(&self, column: &str) -> Option<usize> {
        self.header.iter().position(|h| h == column)
    }

    /// The text of `column` in row `row` (empty when absent).
    pub fn text(&self, row: usize, column: &str) -> &str {
        match (self.rows.get(row), self.col(column)) {
            (Some(r), Some(c)) => r.get(c).map_or("", String::as_str),
            _ => "",
        }
    }

    /// The number in `column` of row `row` (`None` when absent or empty).
    pub fn num(&self, row: usize, column: &str) -> Option<f64> {
        self.text(row, column).parse().ok()
    }
}

fn reader(path: &Path) -> Result<csv::Reader<BufReader<File>>, PlotError> {
    let file = File::open(path).map_err(|e| PlotError::new(path, e.to_string()))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::new(file)))
}

/// Streams the rows of `path`, passing the fields of `columns` (in that order) to `row`; a missing
/// column is an error naming it.
pub fn for_each_row(
    path: &Path,
    columns: &[&str],
    mut row: impl FnMut(&[&str]),
) -> Result<(), PlotError> {
    let mut rdr = reader(path)?;
    let header = rdr
        .headers()
        .map_err(|e| PlotError::new(path, e.to_string()))?
        .clone();
    let mut idx = Vec::with_capacity(columns.len());
    for c in columns {
        let i = header
            .iter()
            .position(|h| h == *c)
            .ok_or_else(|| PlotError::new(path, format!("no `{c}` column")))?;
        idx.push(i);
    }
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(PlotError::new(path, e.to_string())),
        }
        let fields: Vec<&str> = idx.iter().map(|i| record.get(*i).unwrap_or("")).collect();
        row(&fields);
    }
    Ok(())
}

/// The columns `columns` of `path` as numbers (NaN where empty or not a number).
pub fn numeric_columns(path: &Path, columns: &[&str]) -> Result<Vec<Vec<f64>>, PlotError> {
    let mut out = vec![Vec::new(); columns.len()];
    for_each_row(path, columns, |f| {
        for (o, x) in out.iter_mut().zip(f) {
            o.push(x.parse().unwrap_or(f64::NAN));
        }
    })?;
    Ok(out)
}
