//! Holds the model against a lab dataset: predicts every spec of the dataset's `specs/` on its
//! `machine.json` and compares with the median of the real repetitions in `summary.csv`.

use std::collections::BTreeMap;
use std::path::Path;

use super::host_speed::{self, HostSpeed};
use super::machine::LabMachine;
use super::predict::{LabPrediction, predict};
use super::spec::LabSpec;

/// Metrics compared, in the lab summary's column names.
pub const METRICS: [&str; 8] = [
    "gen0_count",
    "gen1_count",
    "gen2_count",
    "background_gc_count",
    "peak_rss_bytes",
    "peak_heap_after_gc_bytes",
    "pause_total_ms",
    "pause_max_ms",
];

/// One spec's real (median over repetitions) and predicted values.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecComparison {
    /// Spec name.
    pub spec: String,
    /// The real outcome (the most common over repetitions).
    pub real_outcome: String,
    /// The prediction.
    pub predicted: LabPrediction,
    /// Real median per metric (same order as [`METRICS`]).
    pub real: [f64; 8],
}

impl SpecComparison {
    /// Predicted value per metric (same order as [`METRICS`]).
    pub fn predicted_values(&self) -> [f64; 8] {
        let p = &self.predicted;
        [
            p.gen0_count as f64,
            p.gen1_count as f64,
            p.gen2_count as f64,
            p.background_gc_count as f64,
            p.peak_rss_bytes,
            p.peak_heap_after_gc_bytes,
            p.pause_total_ms,
            p.pause_max_ms,
        ]
    }

    /// Relative error per metric: |predicted − real| / real, with counts compared against at least 1.
    pub fn relative_errors(&self) -> [f64; 8] {
        let p = self.predicted_values();
        let mut out = [0.0; 8];
        for i in 0..8 {
            let floor = if i < 4 { 1.0 } else { 1e-9 };
            out[i] = (p[i] - self.real[i]).abs() / self.real[i].max(floor);
        }
        out
    }

    /// Whether the predicted outcome matches the real one.
    pub fn outcome_agrees(&self) -> bool {
        self.predicted.outcome == self.real_outcome
    }

    /// Whether the predicted total pause is within a factor of 2 of the real one.
    pub fn pause_within_factor_2(&self) -> bool {
        let (p, r) = (self.predicted.pause_total_ms, self.real[6]);
        if r <= 0.0 {
            return p <= 1.0;
        }
        p >= r / 2.0 && p <= r * 2.0
    }
}

/// Aggregate fidelity of one dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetComparison {
    /// Per spec.
    pub specs: Vec<SpecComparison>,
    /// The host's speed, measured from the dataset's pure-allocation specs (`None`: it has none,
    /// and the reference speed applies).
    pub host_speed: Option<HostSpeed>,
}

impl DatasetComparison {
    /// Median and maximum relative error of metric `i`.
    pub fn error_stats(&self, i: usize) -> (f64, f64) {
        let mut v: Vec<f64> = self.specs.iter().map(|s| s.relative_errors()[i]).collect();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return (0.0, 0.0);
        }
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        };
        (median, v[n - 1])
    }

    /// Specs whose outcome agrees, and the number of specs.
    pub fn outcome_agreement(&self) -> (usize, usize) {
        (
            self.specs.iter().filter(|s| s.outcome_agrees()).count(),
            self.specs.len(),
        )
    }

    /// Specs whose total pause is within a factor of 2, and the number of specs.
    pub fn pause_agreement(&self) -> (usize, usize) {
        (
            self.specs
                .iter()
                .filter(|s| s.pause_within_factor_2())
                .count(),
            self.specs.len(),
        )
    }

    /// The comparison as text: one block per spec, then one line per metric.
    pub fn report(&self) -> String {
        let mut out = String::new();
        out.push_str("spec,metric,real_median,predicted,relative_error\n");
        for s in &self.specs {
            out.push_str(&format!(
                "{},outcome,{},{},{}\n",
                s.spec,
                s.real_outcome,
                s.predicted.outcome,
                if s.outcome_agrees() { 0 } else { 1 }
            ));
            let p = s.predicted_values();
            let e = s.relative_errors();
            for (i, m) in METRICS.iter().enumerate() {
                out.push_str(&format!(
                    "{},{},{},{},{:.3}\n",
                    s.spec,
                    m,
                    fmt(s.real[i]),
                    fmt(p[i]),
                    e[i]
                ));
            }
        }
        out.push_str("\nmetric,median_relative_error,max_relative_error\n");
        for (i, m) in METRICS.iter().enumerate() {
            let (med, max) = self.error_stats(i);
            out.push_str(&format!("{m},{med:.3},{max:.3}\n"));
        }
        let (k, n) = self.outcome_agreement();
        out.push_str(&format!("outcome_agreement,{k}/{n}\n"));
        let (k, n) = self.pause_agreement();
        out.push_str(&format!("pause_total_within_2x,{k}/{n}\n"));
        match &self.host_speed {
            Some(h) => out.push_str(&format!(
                "host_speed,{:.3} (median of {} pure-allocation specs)\n",
                h.factor,
                h.ratios.len()
            )),
            None => out.push_str("host_speed,1 (no pure-allocation spec: the reference host)\n"),
        }
        out
    }
}

fn fmt(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

/// Median of `v` (sorted in place; the mean of the middle two for an even count; 0 when empty).
pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Reads the real runs of a dataset's `summary.csv`: per spec, the rows as column → value maps.
pub fn read_summary(text: &str) -> Result<BTreeMap<String, Vec<BTreeMap<String, String>>>, String> {
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
    let mut out: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let row: BTreeMap<String, String> = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect();
        let spec = row.get("spec").cloned().unwrap_or_default();
        out.entry(spec).or_default().push(row);
    }
    Ok(out)
}

/// Compares the model with the dataset in `dir` (`specs/`, `summary.csv`, `machine.json`).
pub fn compare_dataset(dir: &Path) -> Result<DatasetComparison, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let machine = LabMachine::from_json(&read(&dir.join("machine.json"))?)
        .map_err(|e| format!("{}: {e}", dir.join("machine.json").display()))?;
    let summary = read_summary(&read(&dir.join("summary.csv"))?)?;
    let mut names: Vec<_> = std::fs::read_dir(dir.join("specs"))
        .map_err(|e| format!("{}: {e}", dir.join("specs").display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "spec"))
        .collect();
    names.sort();
    let mut parsed = Vec::new();
    for path in names {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("spec")
            .to_string();
        let spec =
            LabSpec::parse(&read(&path)?, &stem).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(rows) = summary.get(&spec.name) {
            parsed.push((path, spec, rows));
        }
    }
    let real_median = |rows: &[BTreeMap<String, String>], column: &str| {
        let mut v: Vec<f64> = rows
            .iter()
            .filter_map(|r| r.get(column).and_then(|x| x.parse().ok()))
            .collect();
        median(&mut v)
    };
    // The host's speed, from the run lengths of the runs that succeeded.
    let runs: Vec<(&LabSpec, f64)> = parsed
        .iter()
        .map(|(_, spec, rows)| {
            let ok: Vec<BTreeMap<String, String>> = rows
                .iter()
                .filter(|r| r.get("outcome").is_some_and(|o| o == "ok"))
                .cloned()
                .collect();
            let wall = if ok.is_empty() {
                f64::NAN
            } else {
                real_median(&ok, "wall_s")
            };
            (spec, wall)
        })
        .collect();
    let host_speed = host_speed::measure(&runs, &machine)
        .map_err(|e| format!("{}: {e}", dir.join("summary.csv").display()))?;
    let machine = LabMachine {
        host_speed: host_speed.as_ref().map_or(1.0, |h| h.factor),
        ..machine
    };
    let mut specs = Vec::new();
    for (path, spec, rows) in &parsed {
        let predicted =
            predict(spec, &machine, &Vec::new()).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut real = [0.0; 8];
        for (i, m) in METRICS.iter().enumerate() {
            real[i] = real_median(rows, m);
        }
        let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
        for r in rows.iter() {
            *outcomes
                .entry(r.get("outcome").cloned().unwrap_or_default())
                .or_default() += 1;
        }
        let real_outcome = outcomes
            .into_iter()
            .max_by_key(|(_, c)| *c)
            .map(|(o, _)| o)
            .unwrap_or_default();
        specs.push(SpecComparison {
            spec: spec.name.clone(),
            real_outcome,
            predicted,
            real,
        });
    }
    Ok(DatasetComparison { specs, host_speed })
}
