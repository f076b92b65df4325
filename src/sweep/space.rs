//! The sweep space: which scenario keys vary and how (a list, a linear or logarithmic range, or a
//! continuous range to sample), expanded into an indexed list of points before any run.
//!
//! Range endpoints and steps are written in the key's own unit: sizes as Kubernetes quantities
//! (`"2Gi"`), durations with a unit (`"10m"`), numbers plain. Generated values are kept in the
//! key's base unit (bytes, seconds, plain numbers) as [`Value`]s, exactly as the loader would
//! have read them from the file.
//!
//! Point order is fixed: a grid varies the last key fastest (the first key written is the
//! outermost loop); random and Latin-hypercube points are drawn from one random stream seeded by
//! the sweep seed, axis by axis in the order written.

use rand::Rng;
use toml::Value as Toml;

use crate::config::flink::flink_name;
use crate::scenario::duration::parse_duration;
use crate::scenario::load::{Config, ScenarioError, Source, Value, apply_set, apply_value};
use crate::scenario::quantity::parse_size_with_unit;
use crate::scenario::schema::{self, Kind};
use crate::sim::rng::stream;

/// Most values one axis may expand to.
pub const MAX_AXIS_VALUES: usize = 100_000;
/// Most points a sweep may have.
pub const MAX_POINTS: u64 = 10_000_000;

/// How the points of a sweep are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Every combination of the listed values (the product of the axes).
    Grid,
    /// `points` points, each key drawn independently and uniformly.
    Random,
    /// `points` points by Latin hypercube sampling: each key's range is cut into `points` equal
    /// strata and every stratum is used exactly once.
    Lhs,
}

impl Method {
    /// `grid`, `random` or `lhs`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Grid => "grid",
            Method::Random => "random",
            Method::Lhs => "lhs",
        }
    }

    /// The method named `name`.
    pub fn from_name(name: &str) -> Option<Method> {
        match name {
            "grid" => Some(Method::Grid),
            "random" => Some(Method::Random),
            "lhs" => Some(Method::Lhs),
            _ => None,
        }
    }
}

/// The values one swept key may take.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// A finite list (written as a list or a stepped range), in order.
    Values(Vec<AxisValue>),
    /// A continuous range, only for sampled sweeps. Bounds in the key's base unit (bytes,
    /// seconds, plain number).
    Continuous {
        /// Lower bound.
        from: f64,
        /// Upper bound.
        to: f64,
        /// Sample uniformly in the logarithm of the value.
        log: bool,
    },
}

/// One value of a swept key: the typed value and its text in the CSV files.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisValue {
    /// The value as the loader types it (for a Flink option, its text).
    pub value: Value,
    /// The CSV text: bytes whole, seconds with 3 decimals, numbers as written, words as they are.
    pub label: String,
}

/// One swept key.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The dotted scenario key (`pod.limits.memory`).
    pub key: String,
    /// Its kind in the schema (fixes the unit).
    pub kind: Kind,
    /// The line of the key in the `[sweep]` section (1-based).
    pub line: usize,
    /// The values it takes.
    pub domain: Domain,
    /// Whether the key is a Flink memory option (`flink.taskmanager.memory.network.fraction`, or
    /// the bare Flink key): its values are Flink's text and the memory budget reads them.
    pub flink: bool,
}

impl Axis {
    /// The column of this key in `runs.csv` and `points.csv`: the key, with `_bytes` appended for
    /// sizes and `_s` for durations (`pod.limits.memory_bytes`, `scenario.duration_s`).
    pub fn column(&self) -> String {
        column_name(&self.key, self.kind)
    }

    /// The value at `u` in [0, 1): the `floor(u·n)`-th listed value, or the point at `u` of a
    /// continuous range (linear or logarithmic), rounded to the key's resolution.
    pub fn at(&self, u: f64) -> AxisValue {
        match &self.domain {
            Domain::Values(v) => {
                let i = ((u * v.len() as f64) as usize).min(v.len().saturating_sub(1));
                v[i].clone()
            }
            Domain::Continuous { from, to, log } => {
                let x = if *log {
                    (from.ln() + u * (to.ln() - from.ln())).exp()
                } else if let Kind::Int { .. } = self.kind {
                    // Equal weight to every whole number in [from, to].
                    (from + u * (to - from + 1.0)).floor().min(*to)
                } else {
                    from + u * (to - from)
                };
                let v = numeric_value(self.kind, x.clamp(*from, *to), 6);
                if self.flink { flink_text(v) } else { v }
            }
        }
    }

    /// Sets this key to `v` in `config`, sourced at the key's line of `[sweep]` in `path`.
    pub fn apply(
        &self,
        config: &mut Config,
        v: &AxisValue,
        path: &str,
    ) -> Result<(), ScenarioError> {
        let source = Source::File {
            path: path.to_string(),
            line: self.line,
        };
        if self.flink {
            apply_value(config, &self.key, &v.label, source)
        } else {
            config.entries.insert(
                self.key.clone(),
                crate::scenario::load::Entry {
                    value: v.value.clone(),
                    source,
                },
            );
            Ok(())
        }
    }
}

/// A generated number as a Flink option's text.
fn flink_text(v: AxisValue) -> AxisValue {
    AxisValue {
        value: Value::Text(v.label.clone()),
        label: v.label,
    }
}

/// The column name of `key` of kind `kind` (see [`Axis::column`]).
pub fn column_name(key: &str, kind: Kind) -> String {
    match kind {
        Kind::Bytes | Kind::BytesOrUnbounded => format!("{key}_bytes"),
        Kind::Duration => format!("{key}_s"),
        _ => key.to_string(),
    }
}

/// The CSV text of a value (see [`AxisValue::label`]). `raw` is used for arrays of tables.
pub fn label(value: &Value, raw: &str) -> String {
    match value {
        Value::Bytes(b) => b.to_string(),
        Value::Unbounded => "unbounded".to_string(),
        Value::Seconds(s) => format!("{s:.3}"),
        Value::Number(x) => format!("{x}"),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Text(t) => t.clone(),
        Value::Tables(_) => raw.to_string(),
    }
}

/// Rounds `x` to `digits` significant digits (tidies `0.30000000000000004`).
fn round_significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let magnitude = x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits - 1 - magnitude);
    if !scale.is_finite() || scale == 0.0 {
        return x;
    }
    (x * scale).round() / scale
}

/// A generated number in the base unit of `kind`, rounded to the key's resolution: whole bytes,
/// milliseconds, whole numbers, or `digits` significant digits for other numbers.
fn numeric_value(kind: Kind, x: f64, digits: i32) -> AxisValue {
    let value = match kind {
        Kind::Bytes | Kind::BytesOrUnbounded => Value::Bytes(x.round().max(0.0) as u64),
        Kind::Duration => Value::Seconds((x * 1000.0).round() / 1000.0),
        Kind::Int { .. } => Value::Int(x.round() as i64),
        _ => Value::Number(round_significant(x, digits)),
    };
    AxisValue {
        label: label(&value, ""),
        value,
    }
}

/// Reads swept keys and options out of `[sweep]` and reports problems with the file, line and key.
pub(crate) struct SpaceReader<'a> {
    /// The scenario configuration (for its path and the loader's value parsing).
    pub config: &'a Config,
}

impl SpaceReader<'_> {
    /// An error about `[sweep] key` at `line`.
    pub fn error(&self, key: &str, line: usize, problem: impl Into<String>) -> ScenarioError {
        ScenarioError {
            path: self.config.path.clone(),
            field: Some(format!("[sweep] {key}")),
            line: Some(line),
            problem: problem.into(),
        }
    }

    /// Parses `text` (one TOML value) as a value of `key`, as the loader reads it.
    fn typed(&self, key: &str, line: usize, text: &str) -> Result<Value, ScenarioError> {
        let mut scratch = Config::default();
        apply_set(&mut scratch, &format!("{key}={text}"))
            .map_err(|e| self.error(key, line, e.problem))?;
        scratch
            .get(key)
            .cloned()
            .ok_or_else(|| self.error(key, line, "cannot read the value"))
    }

    /// Reads the axis `key = text` written at `line`.
    pub fn axis(
        &self,
        key: &str,
        line: usize,
        text: &str,
        method: Method,
    ) -> Result<Axis, ScenarioError> {
        if schema::lookup(key).is_none() && flink_name(key).is_some() {
            return self.flink_axis(key, line, text, method);
        }
        let Some(def) = schema::lookup(key) else {
            let hint = match schema::closest(key) {
                Some(k) if schema::edit_distance(key, k) <= key.len().max(4) / 2 => {
                    format!(" (did you mean `{k}`?)")
                }
                _ => String::new(),
            };
            return Err(self.error(
                key,
                line,
                format!(
                    "unknown key{hint}; [sweep] takes scenario keys and the options \
                     replications, seed, method and points"
                ),
            ));
        };
        match key {
            "scenario.seed" => {
                return Err(self.error(
                    key,
                    line,
                    "the seed cannot be swept: use `replications` (each run gets its own seed) \
                     and `seed` in [sweep]",
                ));
            }
            "scenario.name" => {
                return Err(self.error(key, line, "the name cannot be swept"));
            }
            _ => {}
        }
        let parsed = parse_toml_value(text).map_err(|e| self.error(key, line, e))?;
        let domain = match &parsed {
            Toml::Array(items) => Domain::Values(self.list(key, line, items)?),
            Toml::Table(t) => self.range(key, line, def.kind, t, method)?,
            _ => {
                return Err(self.error(
                    key,
                    line,
                    "expected a list of values ([\"2Gi\", \"4Gi\"]) or a range \
                     ({ from = \"2Gi\", to = \"4Gi\", step = \"512Mi\" })",
                ));
            }
        };
        if let Domain::Values(v) = &domain {
            if v.is_empty() {
                return Err(self.error(key, line, "the list of values is empty"));
            }
            if v.len() > MAX_AXIS_VALUES {
                return Err(self.error(
                    key,
                    line,
                    format!("{} values; at most {MAX_AXIS_VALUES} per key", v.len()),
                ));
            }
        }
        Ok(Axis {
            key: key.to_string(),
            kind: def.kind,
            line,
            domain,
            flink: false,
        })
    }

    /// A Flink memory option: a list of values (Flink sizes such as `"4g"`, fractions, whole
    /// numbers, booleans), or a range of plain numbers (fractions, counts).
    fn flink_axis(
        &self,
        key: &str,
        line: usize,
        text: &str,
        method: Method,
    ) -> Result<Axis, ScenarioError> {
        let parsed = parse_toml_value(text).map_err(|e| self.error(key, line, e))?;
        let number = Kind::Float {
            min: f64::MIN,
            max: f64::MAX,
        };
        let items = match &parsed {
            Toml::Array(items) => Some(items.clone()),
            Toml::Table(t) => match t.get("values") {
                Some(Toml::Array(items)) if t.len() == 1 => Some(items.clone()),
                _ => None,
            },
            _ => {
                return Err(self.error(
                    key,
                    line,
                    "expected a list of values ([\"0.1\", \"0.2\"]) or a range of numbers \
                     ({ from = 0.1, to = 0.3, step = 0.05 })",
                ));
            }
        };
        let domain = match items {
            Some(items) => {
                let mut values: Vec<AxisValue> = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let text = match item {
                        Toml::String(s) => s.clone(),
                        Toml::Integer(_) | Toml::Float(_) | Toml::Boolean(_) => item.to_string(),
                        other => {
                            return Err(self.error(
                                key,
                                line,
                                format!(
                                    "value {}: expected a string or a number, found {other}",
                                    i + 1
                                ),
                            ));
                        }
                    };
                    if values.iter().any(|v| v.label == text) {
                        return Err(self.error(
                            key,
                            line,
                            format!("value {} ({text}) is listed twice", i + 1),
                        ));
                    }
                    values.push(AxisValue {
                        value: Value::Text(text.clone()),
                        label: text,
                    });
                }
                if values.is_empty() {
                    return Err(self.error(key, line, "the list of values is empty"));
                }
                Domain::Values(values)
            }
            None => {
                let Toml::Table(t) = &parsed else {
                    return Err(self.error(key, line, "expected a list or a range"));
                };
                for end in ["from", "to"] {
                    if !matches!(t.get(end), Some(Toml::Integer(_) | Toml::Float(_))) {
                        return Err(self.error(
                            key,
                            line,
                            format!(
                                "a range of a Flink option takes plain numbers (`{end}`); list \
                                 sizes instead ([\"2g\", \"4g\"])"
                            ),
                        ));
                    }
                }
                match self.range(key, line, number, t, method)? {
                    Domain::Values(v) => Domain::Values(v.into_iter().map(flink_text).collect()),
                    continuous => continuous,
                }
            }
        };
        // Each value must be one the option takes.
        if let Domain::Values(values) = &domain {
            for v in values {
                let mut scratch = Config {
                    path: self.config.path.clone(),
                    ..Config::default()
                };
                let source = Source::File {
                    path: self.config.path.clone(),
                    line,
                };
                apply_value(&mut scratch, key, &v.label, source)
                    .map_err(|e| self.error(key, line, e.problem))?;
            }
        }
        Ok(Axis {
            key: key.to_string(),
            kind: Kind::Text,
            line,
            domain,
            flink: true,
        })
    }

    /// The values of a list, each read as the loader reads the key.
    fn list(
        &self,
        key: &str,
        line: usize,
        items: &[Toml],
    ) -> Result<Vec<AxisValue>, ScenarioError> {
        let mut out: Vec<AxisValue> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let text = item.to_string();
            let value = self
                .typed(key, line, &text)
                .map_err(|e| self.error(key, line, format!("value {}: {}", i + 1, e.problem)))?;
            let label = label(&value, &text);
            if out.iter().any(|v| v.label == label) {
                return Err(self.error(
                    key,
                    line,
                    format!("value {} ({text}) is listed twice", i + 1),
                ));
            }
            out.push(AxisValue { value, label });
        }
        Ok(out)
    }

    /// A range table: `values`, or `from`/`to` with `step`, `count` or `factor`, and `scale`.
    fn range(
        &self,
        key: &str,
        line: usize,
        kind: Kind,
        t: &toml::Table,
        method: Method,
    ) -> Result<Domain, ScenarioError> {
        const FIELDS: &[&str] = &["values", "from", "to", "step", "count", "factor", "scale"];
        for name in t.keys() {
            if !FIELDS.contains(&name.as_str()) {
                return Err(self.error(
                    key,
                    line,
                    format!(
                        "unknown range field `{name}` (expected values, or from and to with \
                         step, count or factor, and scale)"
                    ),
                ));
            }
        }
        if let Some(v) = t.get("values") {
            if t.len() > 1 {
                return Err(self.error(key, line, "`values` takes no other field"));
            }
            return match v {
                Toml::Array(items) => Ok(Domain::Values(self.list(key, line, items)?)),
                _ => Err(self.error(key, line, "`values` should be a list")),
            };
        }
        let numeric = matches!(
            kind,
            Kind::Bytes
                | Kind::BytesOrUnbounded
                | Kind::ByteCount
                | Kind::Duration
                | Kind::Float { .. }
                | Kind::Int { .. }
        );
        if !numeric {
            return Err(self.error(
                key,
                line,
                "a range needs a size, duration or number key; list the values instead",
            ));
        }
        let (Some(from), Some(to)) = (t.get("from"), t.get("to")) else {
            return Err(self.error(key, line, "a range needs both `from` and `to`"));
        };
        let (from, to) = match (kind, from, to) {
            (Kind::Float { min, .. }, Toml::Integer(_) | Toml::Float(_), _) if min == f64::MIN => {
                let num = |v: &Toml| match v {
                    Toml::Integer(i) => *i as f64,
                    Toml::Float(x) => *x,
                    _ => 0.0,
                };
                (num(from), num(to))
            }
            _ => (
                self.endpoint(key, line, "from", from)?,
                self.endpoint(key, line, "to", to)?,
            ),
        };
        if to < from {
            return Err(self.error(key, line, "`to` is below `from`"));
        }
        let log = match t.get("scale") {
            None => false,
            Some(Toml::String(s)) if s == "linear" => false,
            Some(Toml::String(s)) if s == "log" => true,
            Some(other) => {
                return Err(self.error(
                    key,
                    line,
                    format!("`scale` should be \"linear\" or \"log\", found {other}"),
                ));
            }
        };
        let given: Vec<&str> = ["step", "count", "factor"]
            .into_iter()
            .filter(|f| t.contains_key(*f))
            .collect();
        if given.len() > 1 {
            return Err(self.error(
                key,
                line,
                format!(
                    "give one of step, count and factor, not {}",
                    given.join(" and ")
                ),
            ));
        }
        if (log || t.contains_key("factor")) && from <= 0.0 {
            return Err(self.error(key, line, "a logarithmic range needs `from` above zero"));
        }
        let whole = matches!(kind, Kind::Int { .. });
        let mut xs: Vec<f64> = Vec::new();
        let too_many = || {
            self.error(
                key,
                line,
                format!("the range has more than {MAX_AXIS_VALUES} values"),
            )
        };
        if let Some(step) = t.get("step") {
            if log {
                return Err(self.error(
                    key,
                    line,
                    "a logarithmic range takes `count` or `factor`, not `step`",
                ));
            }
            let step = self.step(key, line, kind, step)?;
            let n = ((to - from) / step + 1e-9).floor();
            if n + 1.0 > MAX_AXIS_VALUES as f64 {
                return Err(too_many());
            }
            xs = (0..=n as usize).map(|i| from + i as f64 * step).collect();
        } else if let Some(count) = t.get("count") {
            let n = match count {
                Toml::Integer(n) if *n >= 1 => *n as usize,
                _ => return Err(self.error(key, line, "`count` should be a whole number ≥ 1")),
            };
            if n > MAX_AXIS_VALUES {
                return Err(too_many());
            }
            for i in 0..n {
                let f = if n == 1 {
                    0.0
                } else {
                    i as f64 / (n - 1) as f64
                };
                xs.push(if log {
                    (from.ln() + f * (to.ln() - from.ln())).exp()
                } else {
                    from + f * (to - from)
                });
            }
        } else if let Some(factor) = t.get("factor") {
            let f = match factor {
                Toml::Integer(i) => *i as f64,
                Toml::Float(x) => *x,
                _ => return Err(self.error(key, line, "`factor` should be a number above 1")),
            };
            if !(f > 1.0 && f.is_finite()) {
                return Err(self.error(key, line, "`factor` should be a number above 1"));
            }
            let mut i = 0;
            loop {
                let x = from * f.powi(i);
                if x > to * (1.0 + 1e-9) {
                    break;
                }
                xs.push(x);
                i += 1;
                if xs.len() > MAX_AXIS_VALUES {
                    return Err(too_many());
                }
            }
        } else {
            if method == Method::Grid {
                return Err(self.error(
                    key,
                    line,
                    "a range in a grid needs `step`, `count` or `factor` (a range without one \
                     is sampled: set method = \"random\" or \"lhs\" and points)",
                ));
            }
            return Ok(Domain::Continuous { from, to, log });
        }
        let mut values: Vec<AxisValue> = Vec::with_capacity(xs.len());
        for x in xs {
            let x = if whole { x.round() } else { x };
            let v = numeric_value(kind, x.min(to), 12);
            if values.last().is_none_or(|last| last.label != v.label) {
                values.push(v);
            }
        }
        Ok(Domain::Values(values))
    }

    /// A range endpoint: read as the key itself (unit and bounds checked), as a number in the
    /// key's base unit.
    fn endpoint(
        &self,
        key: &str,
        line: usize,
        which: &str,
        v: &Toml,
    ) -> Result<f64, ScenarioError> {
        let value = self
            .typed(key, line, &v.to_string())
            .map_err(|e| self.error(key, line, format!("`{which}`: {}", e.problem)))?;
        match value {
            Value::Bytes(b) => Ok(b as f64),
            Value::Seconds(s) => Ok(s),
            Value::Number(x) => Ok(x),
            Value::Int(i) => Ok(i as f64),
            _ => Err(self.error(key, line, format!("`{which}` should be a size or a number"))),
        }
    }

    /// A step in the key's unit, as a positive number in its base unit.
    fn step(&self, key: &str, line: usize, kind: Kind, v: &Toml) -> Result<f64, ScenarioError> {
        let bad = |problem: String| self.error(key, line, format!("`step`: {problem}"));
        let x = match (kind, v) {
            (Kind::Bytes | Kind::BytesOrUnbounded, Toml::String(s)) => {
                parse_size_with_unit(s).map_err(|e| bad(e.to_string()))? as f64
            }
            (Kind::Bytes | Kind::BytesOrUnbounded, _) => {
                return Err(bad("a size step needs a unit, e.g. \"512Mi\"".into()));
            }
            (Kind::Duration, Toml::String(s)) => parse_duration(s)
                .map_err(|e| bad(e.to_string()))?
                .as_secs_f64(),
            (Kind::Duration, _) => {
                return Err(bad("a duration step needs a unit, e.g. \"10m\"".into()));
            }
            (Kind::Int { .. }, Toml::Integer(i)) => *i as f64,
            (Kind::Int { .. }, _) => return Err(bad("expected a whole number".into())),
            (_, Toml::Integer(i)) => *i as f64,
            (_, Toml::Float(x)) => *x,
            (_, other) => return Err(bad(format!("expected a number, found {other}"))),
        };
        if x > 0.0 && x.is_finite() {
            Ok(x)
        } else {
            Err(bad("must be above zero".into()))
        }
    }
}

/// Parses one TOML value written as text (an inline array or table, a string, a number).
pub(crate) fn parse_toml_value(text: &str) -> Result<Toml, String> {
    let doc = format!("v = {text}\n");
    let mut table: toml::Table = toml::from_str(&doc)
        .map_err(|e| format!("cannot read the value: {}", e.message().trim()))?;
    table
        .remove("v")
        .ok_or_else(|| "cannot read the value".to_string())
}

/// Every point of a grid over `axes` (all finite), the last axis varying fastest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<AxisValue>> {
    let lists: Vec<&[AxisValue]> = axes
        .iter()
        .map(|a| match &a.domain {
            Domain::Values(v) => v.as_slice(),
            Domain::Continuous { .. } => &[],
        })
        .collect();
    let total: usize = lists.iter().map(|l| l.len()).product();
    let mut out = Vec::with_capacity(total);
    for mut i in 0..total {
        let mut point = vec![None; lists.len()];
        for (a, list) in lists.iter().enumerate().rev() {
            point[a] = Some(list[i % list.len()].clone());
            i /= list.len();
        }
        out.push(point.into_iter().flatten().collect());
    }
    out
}

/// A uniform number in [0, 1) from the next 53 bits of `rng`.
fn unit(rng: &mut impl Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform whole number in `0..n` (n ≥ 1).
fn below(rng: &mut impl Rng, n: usize) -> usize {
    ((unit(rng) * n as f64) as usize).min(n - 1)
}

/// `n` points drawn by `method` (random or Latin hypercube) from the stream of `seed`.
pub fn sample(axes: &[Axis], n: usize, method: Method, seed: u64) -> Vec<Vec<AxisValue>> {
    let mut rng = stream(seed, "sweep.points");
    match method {
        Method::Lhs => {
            // Per axis, a random permutation of the strata (Fisher–Yates), then a jitter in each.
            let columns: Vec<Vec<f64>> = axes
                .iter()
                .map(|_| {
                    let mut strata: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        let j = below(&mut rng, i + 1);
                        strata.swap(i, j);
                    }
                    strata
                        .into_iter()
                        .map(|s| (s as f64 + unit(&mut rng)) / n as f64)
                        .collect()
                })
                .collect();
            (0..n)
                .map(|i| axes.iter().zip(&columns).map(|(a, c)| a.at(c[i])).collect())
                .collect()
        }
        Method::Random | Method::Grid => (0..n)
            .map(|_| axes.iter().map(|a| a.at(unit(&mut rng))).collect())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_axis(key: &str, text: &str, method: Method) -> Result<Axis, ScenarioError> {
        let config = Config {
            path: "s.toml".into(),
            ..Config::default()
        };
        SpaceReader { config: &config }.axis(key, 7, text, method)
    }

    fn labels(a: &Axis) -> Vec<String> {
        match &a.domain {
            Domain::Values(v) => v.iter().map(|x| x.label.clone()).collect(),
            Domain::Continuous { .. } => panic!("continuous"),
        }
    }

    #[test]
    fn lists_are_read_as_the_key() {
        let a = reader_axis("pod.limits.memory", r#"["2Gi", "3Gi"]"#, Method::Grid).unwrap();
        assert_eq!(labels(&a), ["2147483648", "3221225472"]);
        assert_eq!(a.column(), "pod.limits.memory_bytes");
        let a = reader_axis(
            "gc.mode",
            r#"{ values = ["workstation", "server"] }"#,
            Method::Grid,
        )
        .unwrap();
        assert_eq!(labels(&a), ["workstation", "server"]);
        assert_eq!(a.column(), "gc.mode");
        let e = reader_axis("gc.mode", r#"["workstation", "sever"]"#, Method::Grid).unwrap_err();
        assert_eq!(e.line, Some(7));
        assert!(e.one_line().contains("[sweep] gc.mode: value 2"), "{e}");
    }

    #[test]
    fn linear_ranges_are_in_the_keys_unit() {
        let a = reader_axis(
            "pod.limits.memory",
            r#"{ from = "2Gi", to = "3Gi", step = "512Mi" }"#,
            Method::Grid,
        )
        .unwrap();
        assert_eq!(labels(&a), ["2147483648", "2684354560", "3221225472"]);
        let a = reader_axis(
            "scenario.duration",
            r#"{ from = "10m", to = "1h", step = "25m" }"#,
            Method::Grid,
        )
        .unwrap();
        assert_eq!(labels(&a), ["600.000", "2100.000", "3600.000"]);
        assert_eq!(a.column(), "scenario.duration_s");
        let a = reader_axis(
            "workload.objects.large_fraction",
            "{ from = 0.1, to = 0.3, step = 0.1 }",
            Method::Grid,
        )
        .unwrap();
        assert_eq!(labels(&a), ["0.1", "0.2", "0.3"]);
        let a = reader_axis(
            "machine.cores",
            "{ from = 1, to = 4, count = 4 }",
            Method::Grid,
        )
        .unwrap();
        assert_eq!(labels(&a), ["1", "2", "3", "4"]);
    }

    #[test]
    fn log_ranges_multiply() {
        let a = reader_axis(
            "workload.records_per_second",
            "{ from = 1000, to = 100000, count = 3, scale = \"log\" }",
            Method::Grid,
        )
        .unwrap();
        assert_eq!(labels(&a), ["1000", "10000", "100000"]);
        let a = reader_axis(
            "state.initial",
            r#"{ from = "256Mi", to = "2Gi", factor = 2 }"#,
            Method::Grid,
        )
        .unwrap();
        assert_eq!(
            labels(&a),
            ["268435456", "536870912", "1073741824", "2147483648"]
        );
    }

    #[test]
    fn bad_ranges_are_named() {
        let cases = [
            (r#"{ from = "2Gi", to = "4Gi" }"#, "needs `step`"),
            (
                r#"{ from = "4Gi", to = "2Gi", step = "1Gi" }"#,
                "below `from`",
            ),
            (r#"{ from = 2, to = 4, step = "1Gi" }"#, "needs a unit"),
            (r#"{ from = "2Gi", to = "4Gi", step = 1 }"#, "`step`"),
            (
                r#"{ from = "2Gi", to = "4Gi", stride = "1Gi" }"#,
                "`stride`",
            ),
            (
                r#"{ from = "2Gi", to = "4Gi", step = "1Gi", count = 2 }"#,
                "not step and count",
            ),
            ("4", "expected a list"),
            ("[]", "empty"),
            (r#"["2Gi", "2Gi"]"#, "twice"),
        ];
        for (text, needle) in cases {
            let e = reader_axis("pod.limits.memory", text, Method::Grid).unwrap_err();
            assert!(e.one_line().contains(needle), "{text}: {e}");
            assert!(
                e.one_line()
                    .starts_with("s.toml:7: [sweep] pod.limits.memory"),
                "{e}"
            );
        }
        let e = reader_axis("gc.mode", "{ from = 1, to = 2, step = 1 }", Method::Grid).unwrap_err();
        assert!(e.problem.contains("list the values"), "{e}");
        let e = reader_axis("gc.concurent", "[true]", Method::Grid).unwrap_err();
        assert!(e.problem.contains("gc.concurrent"), "{e}");
        let e = reader_axis("scenario.seed", "[1, 2]", Method::Grid).unwrap_err();
        assert!(e.problem.contains("replications"), "{e}");
        let e = reader_axis(
            "workload.objects.large_fraction",
            "{ from = 0.5, to = 2.0, step = 0.5 }",
            Method::Grid,
        )
        .unwrap_err();
        assert!(e.problem.contains("`to`"), "{e}");
    }

    #[test]
    fn grids_vary_the_last_key_fastest() {
        let a = reader_axis("pod.limits.memory", r#"["2Gi", "3Gi"]"#, Method::Grid).unwrap();
        let b = reader_axis("gc.mode", r#"["workstation", "server"]"#, Method::Grid).unwrap();
        let g = grid(&[a, b]);
        let l: Vec<String> = g
            .iter()
            .map(|p| format!("{}/{}", p[0].label, p[1].label))
            .collect();
        assert_eq!(
            l,
            [
                "2147483648/workstation",
                "2147483648/server",
                "3221225472/workstation",
                "3221225472/server"
            ]
        );
    }

    #[test]
    fn latin_hypercube_uses_every_stratum_once() {
        let a = reader_axis(
            "pod.limits.memory",
            r#"{ from = "1Gi", to = "2Gi" }"#,
            Method::Lhs,
        )
        .unwrap();
        let b = reader_axis(
            "workload.records_per_second",
            "{ from = 1000, to = 100000, scale = \"log\" }",
            Method::Lhs,
        )
        .unwrap();
        let n = 20;
        let points = sample(&[a, b], n, Method::Lhs, 5);
        assert_eq!(
            points,
            sample(
                &[
                    reader_axis(
                        "pod.limits.memory",
                        r#"{ from = "1Gi", to = "2Gi" }"#,
                        Method::Lhs
                    )
                    .unwrap(),
                    reader_axis(
                        "workload.records_per_second",
                        "{ from = 1000, to = 100000, scale = \"log\" }",
                        Method::Lhs
                    )
                    .unwrap()
                ],
                n,
                Method::Lhs,
                5
            )
        );
        let mut strata = vec![0; n];
        for p in &points {
            let Value::Bytes(b) = p[0].value else {
                panic!("bytes")
            };
            let u = (b as f64 - 1073741824.0) / 1073741824.0;
            strata[((u * n as f64) as usize).min(n - 1)] += 1;
            let Value::Number(r) = p[1].value else {
                panic!("number")
            };
            assert!((1000.0..=100000.0).contains(&r), "{r}");
        }
        assert!(strata.iter().all(|c| *c == 1), "{strata:?}");
        let other = sample(
            &[reader_axis(
                "pod.limits.memory",
                r#"{ from = "1Gi", to = "2Gi" }"#,
                Method::Lhs,
            )
            .unwrap()],
            n,
            Method::Random,
            6,
        );
        assert_ne!(other[0][0], points[0][0]);
    }

    #[test]
    fn significant_digits() {
        assert_eq!(round_significant(0.1 + 0.2, 12), 0.3);
        assert_eq!(round_significant(123456.789, 6), 123457.0);
    }
}
