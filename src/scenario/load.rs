//! Loading a scenario file: TOML with units written out, checked key by key against the
//! [schema], with the other layers on top (a Kubernetes manifest, appsettings.json,
//! `MEMSIM__` environment variables, `--set KEY=VALUE`; see [`crate::config`]), then resolved into
//! a [`RunSpec`] by [`super::build`] after the memory budget is applied.
//!
//! The `[flink]` table holds Apache Flink's memory options (`"taskmanager.memory.process.size" =
//! "4g"`); they become `flink.<Flink key>` entries with their lines, like every other key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::duration::parse_duration;
use super::quantity::parse_size_with_unit;
use super::schema::{self, Field, Kind};
use crate::sim::RunSpec;

/// What a run writes besides the time series and the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputOptions {
    /// Write one row per GC to `gc_events.csv`.
    pub gc_events: bool,
}

/// A loaded, validated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Scenario name (names the output folder).
    pub name: String,
    /// The file it came from.
    pub source: PathBuf,
    /// The resolved run.
    pub spec: RunSpec,
    /// Output options.
    pub output: OutputOptions,
    /// The effective configuration, with the source of every value.
    pub config: Config,
}

/// A problem in a scenario: which file, which field (dotted key), where, and what is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", self.one_line())]
pub struct ScenarioError {
    /// The file the problem is in, or the other input (`--set`, `env NAME`,
    /// `appsettings FILE:JSON_PATH`, `manifest FILE:YAML_PATH`).
    pub path: String,
    /// The dotted key, if the problem is about one field.
    pub field: Option<String>,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub problem: String,
}

impl ScenarioError {
    /// `FILE:LINE: FIELD: PROBLEM` on one line.
    pub fn one_line(&self) -> String {
        let mut s = self.path.clone();
        if let Some(l) = self.line {
            s.push_str(&format!(":{l}"));
        }
        if let Some(f) = &self.field {
            s.push_str(&format!(": {f}"));
        }
        s.push_str(": ");
        s.push_str(&self.problem.replace('\n', " "));
        s
    }

    fn new(
        path: &str,
        field: Option<&str>,
        line: Option<usize>,
        problem: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            path: path.to_string(),
            field: field.map(str::to_string),
            line,
            problem: problem.into(),
        }
    }
}

/// A typed scenario value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Bytes.
    Bytes(u64),
    /// An unbounded size.
    Unbounded,
    /// Seconds.
    Seconds(f64),
    /// A number.
    Number(f64),
    /// A whole number.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// Text (also enum words).
    Text(String),
    /// An array of tables.
    Tables(Vec<BTreeMap<String, Value>>),
}

/// Where a value came from. The layers, lowest precedence first: [`Source::Default`],
/// [`Source::File`], [`Source::Manifest`], [`Source::AppSettings`], [`Source::Env`],
/// [`Source::Set`]; [`Source::Derived`] values are computed from the others (the memory budget)
/// and never override a value set by a layer.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// memsim's built-in default.
    Default,
    /// A scenario file, at a line.
    File {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
    },
    /// A Kubernetes manifest given with `--pod`.
    Manifest {
        /// The manifest file.
        path: String,
        /// YAML path of the value, such as `spec.template.spec.containers[0].resources.limits.memory`.
        yaml_path: String,
        /// 1-based line of the value (0 when unknown).
        line: usize,
    },
    /// An appsettings.json file given with `--appsettings`.
    AppSettings {
        /// The file.
        path: String,
        /// JSON path of the value, such as `$.Memsim.Pod.Limits.Memory`.
        json_path: String,
    },
    /// An environment variable (`MEMSIM__Section__Key`).
    Env {
        /// The variable's name as written.
        name: String,
    },
    /// A `--set KEY=VALUE` argument.
    Set,
    /// Computed by the memory budget from other values.
    Derived {
        /// What it was derived from, such as `JVM heap = framework heap + task heap`.
        from: String,
    },
}

impl Source {
    /// Whether the value was given by the user (any layer but the defaults), as opposed to a
    /// default or a value derived by the budget.
    pub fn is_user(&self) -> bool {
        !matches!(self, Source::Default | Source::Derived { .. })
    }

    /// The file (or argument, or variable) to name in an error about this value, and its line.
    pub fn location(&self) -> (String, Option<usize>) {
        match self {
            Source::File { path, line } => (path.clone(), Some(*line)),
            Source::Manifest { line, .. } if *line > 0 => (format!("{self} (line {line})"), None),
            Source::Default | Source::Derived { .. } => (String::new(), None),
            other => (other.to_string(), None),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::File { path, line } => write!(f, "{path}:{line}"),
            Source::Manifest {
                path, yaml_path, ..
            } => write!(f, "manifest {path}:{yaml_path}"),
            Source::AppSettings { path, json_path } => write!(f, "appsettings {path}:{json_path}"),
            Source::Env { name } => write!(f, "env {name}"),
            Source::Set => write!(f, "--set"),
            Source::Derived { from } => write!(f, "budget: {from}"),
        }
    }
}

/// A value with its source and the text it was written as.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// Where it came from.
    pub source: Source,
}

/// The effective configuration: every key set by a default, the file or an override.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Entries by dotted key.
    pub entries: BTreeMap<String, Entry>,
    /// The scenario file.
    pub path: String,
    /// Sections with their own key space (`[sweep]`, `[flink]`, `[plan]`), kept as written:
    /// section name → (key inside the section, value as TOML text, line). The `[flink]` entries
    /// are also read into `flink.*` entries of [`Config::entries`].
    pub sections: BTreeMap<String, Vec<RawEntry>>,
}

/// One entry of a section with its own key space, as written in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct RawEntry {
    /// Dotted key inside the section (`taskmanager.memory.process.size`, `pod.limits.memory`).
    pub key: String,
    /// The value as TOML text (`"4Gi"`, `[1, 2]`, `{ from = "1Gi", to = "4Gi" }`).
    pub value: String,
    /// 1-based line of the key.
    pub line: usize,
}

/// Top-level sections whose keys are not scenario keys: they are read by the sweep, the Flink
/// memory budget and the planner.
pub const FREE_SECTIONS: &[&str] = &["sweep", "flink", "plan"];

impl Config {
    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key).map(|e| &e.value)
    }

    /// Where `key` was set (file line, manifest, appsettings, environment variable, `--set`),
    /// for error messages; the scenario file for defaults and derived values.
    pub fn origin(&self, key: &str) -> (String, Option<usize>) {
        match self.entries.get(key) {
            Some(e) => self.locate(&e.source),
            None => (self.shown_path(), None),
        }
    }

    /// An error about `key`, located where it was set.
    pub fn error(&self, key: &str, problem: impl Into<String>) -> ScenarioError {
        let (path, line) = self.origin(key);
        ScenarioError::new(&path, Some(key), line, problem)
    }

    /// An error about `key`, located at `source`.
    pub fn error_at(
        &self,
        source: &Source,
        key: &str,
        problem: impl Into<String>,
    ) -> ScenarioError {
        let (path, line) = self.locate(source);
        ScenarioError::new(&path, Some(key), line, problem)
    }

    /// Whether `key` was given by the user (in any layer), not defaulted or derived.
    pub fn pinned(&self, key: &str) -> bool {
        self.entries.get(key).is_some_and(|e| e.source.is_user())
    }

    /// Sets `key` to a value computed from other keys, unless the user gave it.
    pub fn derive(&mut self, key: &str, value: Value, from: impl Into<String>) {
        if !self.pinned(key) {
            self.entries.insert(
                key.to_string(),
                Entry {
                    value,
                    source: Source::Derived { from: from.into() },
                },
            );
        }
    }

    fn locate(&self, source: &Source) -> (String, Option<usize>) {
        match source.location() {
            (p, line) if !p.is_empty() => (p, line),
            _ => (self.shown_path(), None),
        }
    }

    fn shown_path(&self) -> String {
        if self.path.is_empty() {
            "(no scenario file)".to_string()
        } else {
            self.path.clone()
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

fn describe(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn number(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(i) => i.as_str().replace('_', "").parse::<f64>().ok(),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        _ => None,
    }
}

/// Parses one raw value as `kind`; the error text says what was expected.
fn parse_value(kind: Kind, v: &DeValue<'_>) -> Result<Value, String> {
    match kind {
        Kind::Bytes | Kind::BytesOrUnbounded => match v {
            DeValue::String(s) if kind == Kind::BytesOrUnbounded && s.trim() == "unbounded" => Ok(Value::Unbounded),
            DeValue::String(s) => parse_size_with_unit(s).map(Value::Bytes).map_err(|e| e.to_string()),
            DeValue::Integer(_) | DeValue::Float(_) => {
                Err("a size needs a unit: write it as a Kubernetes quantity such as \"512Mi\", \"4Gi\" or \"1.5G\"".into())
            }
            other => Err(format!("expected a size such as \"512Mi\", found {}", describe(other))),
        },
        Kind::ByteCount => match number(v) {
            Some(x) if x >= 0.0 && x.is_finite() => Ok(Value::Number(x)),
            Some(_) => Err("must not be negative".into()),
            None => Err(format!("expected a number of bytes, found {}", describe(v))),
        },
        Kind::Duration => match v {
            DeValue::String(s) => parse_duration(s).map(|d| Value::Seconds(d.as_secs_f64())).map_err(|e| e.to_string()),
            DeValue::Integer(_) | DeValue::Float(_) => Err("a duration needs a unit, e.g. \"90s\", \"10m\" or \"24h\"".into()),
            other => Err(format!("expected a duration such as \"90s\", found {}", describe(other))),
        },
        Kind::Float { min, max } => match number(v) {
            Some(x) if x.is_finite() && x >= min && x <= max => Ok(Value::Number(x)),
            Some(x) if x < min => Err(format!("{x} is below the smallest allowed value {min}")),
            Some(x) => Err(format!("{x} is above the largest allowed value {max}")),
            None => Err(format!("expected a number, found {}", describe(v))),
        },
        Kind::Int { min, max } => match v {
            DeValue::Integer(i) => match i.as_str().replace('_', "").parse::<i64>() {
                Ok(x) if x >= min && x <= max => Ok(Value::Int(x)),
                Ok(x) if x < min => Err(format!("{x} is below the smallest allowed value {min}")),
                Ok(x) => Err(format!("{x} is above the largest allowed value {max}")),
                Err(_) => Err("not a whole number".into()),
            },
            other => Err(format!("expected a whole number, found {}", describe(other))),
        },
        Kind::Bool => match v {
            DeValue::Boolean(b) => Ok(Value::Bool(*b)),
            other => Err(format!("expected true or false, found {}", describe(other))),
        },
        Kind::Enum(words) => match v {
            DeValue::String(s) if words.contains(&s.as_ref()) => Ok(Value::Text(s.to_string())),
            DeValue::String(s) => Err(format!("{s:?} is not one of {}", words.join(", "))),
            other => Err(format!("expected one of {}, found {}", words.join(", "), describe(other))),
        },
        Kind::Text => match v {
            DeValue::String(s) => Ok(Value::Text(s.to_string())),
            other => Err(format!("expected text, found {}", describe(other))),
        },
        Kind::Tables(fields) => match v {
            DeValue::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.get_ref() {
                        DeValue::Table(t) => out.push(parse_table(fields, t).map_err(|e| format!("entry {}: {e}", i + 1))?),
                        other => return Err(format!("entry {} should be a table, found {}", i + 1, describe(other))),
                    }
                }
                Ok(Value::Tables(out))
            }
            other => Err(format!("expected an array of tables, found {}", describe(other))),
        },
    }
}

fn parse_table(fields: &[Field], t: &DeTable<'_>) -> Result<BTreeMap<String, Value>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in t.iter() {
        let name = k.get_ref().as_ref();
        let Some(f) = fields.iter().find(|f| f.name == name) else {
            let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            return Err(format!(
                "unknown field `{name}` (expected one of {})",
                names.join(", ")
            ));
        };
        let val = parse_value(f.kind, v.get_ref()).map_err(|e| format!("`{name}`: {e}"))?;
        out.insert(name.to_string(), val);
    }
    for f in fields.iter().filter(|f| f.required) {
        if !out.contains_key(f.name) {
            return Err(format!("missing field `{}`", f.name));
        }
    }
    Ok(out)
}

fn unknown_key(path: &str, key: &str, line: usize) -> ScenarioError {
    ScenarioError::new(
        path,
        Some(key),
        Some(line),
        format!("unknown key{}", unknown_hint(key)),
    )
}

/// " (did you mean `…`?)" for a likely typo of a scenario key, a note for a Flink key written
/// outside `[flink]`, or nothing.
fn unknown_hint(key: &str) -> String {
    if !crate::config::flink::find(key).is_empty() {
        return " (a Flink option: write it in the [flink] section, or as flink.KEY)".to_string();
    }
    match schema::closest(key) {
        Some(k) if schema::edit_distance(key, k) <= key.len().max(4) / 2 => {
            format!(" (did you mean `{k}`?)")
        }
        _ => String::new(),
    }
}

/// Walks a parsed table and records every leaf in `config`.
fn flatten(
    text: &str,
    path: &str,
    prefix: &str,
    table: &DeTable<'_>,
    config: &mut Config,
) -> Result<(), ScenarioError> {
    for (k, v) in table.iter() {
        let name = k.get_ref().as_ref();
        if prefix.is_empty() && FREE_SECTIONS.contains(&name) {
            let mut raw = Vec::new();
            match v.get_ref() {
                DeValue::Table(t) => collect_raw(text, "", t, &mut raw),
                other => {
                    let line = line_of(text, k.span().start);
                    return Err(ScenarioError::new(
                        path,
                        Some(name),
                        Some(line),
                        format!("expected a table, found {}", describe(other)),
                    ));
                }
            }
            raw.sort_by_key(|e| e.line);
            config.sections.insert(name.to_string(), raw);
            continue;
        }
        let full = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        let line = line_of(text, k.span().start);
        if let Some(def) = schema::lookup(&full) {
            let value = parse_value(def.kind, v.get_ref())
                .map_err(|e| ScenarioError::new(path, Some(&full), Some(line), e))?;
            config.entries.insert(
                full,
                Entry {
                    value,
                    source: Source::File {
                        path: path.to_string(),
                        line,
                    },
                },
            );
        } else if schema::is_section(&full) {
            match v.get_ref() {
                DeValue::Table(t) => flatten(text, path, &full, t, config)?,
                other => {
                    return Err(ScenarioError::new(
                        path,
                        Some(&full),
                        Some(line),
                        format!("is a section; expected a table, found {}", describe(other)),
                    ));
                }
            }
        } else {
            // Report the full dotted path of the first value under an unknown table.
            let (mut key, mut at, mut node) = (full.clone(), line, v.get_ref());
            while let DeValue::Table(t) = node {
                let Some((k2, v2)) = t.iter().next() else {
                    break;
                };
                key = format!("{key}.{}", k2.get_ref().as_ref() as &str);
                at = line_of(text, k2.span().start);
                node = v2.get_ref();
            }
            return Err(unknown_key(path, &key, at));
        }
    }
    Ok(())
}

/// Flattens a free section's table into raw entries; tables nest with dots, other values (arrays
/// and inline tables included) are kept whole as TOML text.
fn collect_raw(text: &str, prefix: &str, table: &DeTable<'_>, out: &mut Vec<RawEntry>) {
    for (k, v) in table.iter() {
        let name = k.get_ref().as_ref() as &str;
        let key = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        match v.get_ref() {
            DeValue::Table(t) if !is_inline(text, v.span()) => collect_raw(text, &key, t, out),
            _ => {
                let span = v.span();
                let value = text
                    .get(span.start..span.end)
                    .unwrap_or("")
                    .trim()
                    .to_string();
                out.push(RawEntry {
                    key,
                    value,
                    line: line_of(text, k.span().start),
                });
            }
        }
    }
}

/// Whether the value at `span` is written inline (`{ ... }`) rather than as a `[section]`.
fn is_inline(text: &str, span: std::ops::Range<usize>) -> bool {
    text.get(span.start..span.end)
        .is_some_and(|t| t.trim_start().starts_with('{'))
}

/// The defaults of every key that has one.
pub fn defaults() -> Config {
    let mut config = Config::default();
    for k in schema::KEYS {
        if let Some(d) = k.default {
            let raw = match k.kind {
                Kind::Bool | Kind::Int { .. } | Kind::Float { .. } | Kind::ByteCount => {
                    d.to_string()
                }
                _ => format!("{d:?}"),
            };
            if let Ok(v) = DeValue::parse(&raw)
                && let Ok(value) = parse_value(k.kind, v.get_ref())
            {
                config.entries.insert(
                    k.key.to_string(),
                    Entry {
                        value,
                        source: Source::Default,
                    },
                );
            }
        }
    }
    config
}

/// Applies one `--set KEY=VALUE`: the value is read as a TOML value (`4`, `true`, `"4Gi"`,
/// `[{ at = "1h", multiplier = 2.0 }]`), or as text when it is not one (`4Gi`, `net8`). A Flink
/// memory key, with or without the `flink.` prefix (`flink.taskmanager.memory.process.size=4g`
/// or `taskmanager.memory.process.size=4g`), sets that Flink option.
pub fn apply_set(config: &mut Config, arg: &str) -> Result<(), ScenarioError> {
    let (k, raw) = split_set(arg)?;
    apply_value(config, k, raw, Source::Set)
}

/// Applies `--set` arguments in order (a later one wins), except that among Flink names of one
/// option the Flink key wins over its aliases, as in Flink.
pub fn apply_sets(config: &mut Config, sets: &[String]) -> Result<(), ScenarioError> {
    let mut flink = Vec::new();
    for arg in sets {
        let (k, raw) = split_set(arg)?;
        match crate::config::flink::flink_name(k) {
            Some(name) => flink.push(crate::config::flink::FlinkInput {
                name: name.to_string(),
                value: raw.to_string(),
                source: Source::Set,
            }),
            None => apply_value(config, k, raw, Source::Set)?,
        }
    }
    crate::config::flink::apply_flink_layer(config, flink, crate::config::flink::Unknown::Error)
}

fn split_set(arg: &str) -> Result<(&str, &str), ScenarioError> {
    match arg.split_once('=') {
        Some((k, raw)) if !k.trim().is_empty() => Ok((k.trim(), raw)),
        _ => Err(ScenarioError::new(
            "--set",
            None,
            None,
            format!("expected KEY=VALUE, found {arg:?}"),
        )),
    }
}

/// Sets `key` from text given by a layer (`--set`, an environment variable, appsettings.json):
/// a scenario key's value is read as TOML, or as text when it is not TOML; a Flink key (with or
/// without `flink.`) sets that Flink option. Unknown keys are errors located at `source`.
pub fn apply_value(
    config: &mut Config,
    key: &str,
    raw: &str,
    source: Source,
) -> Result<(), ScenarioError> {
    if let Some(name) = crate::config::flink::flink_name(key) {
        let input = crate::config::flink::FlinkInput {
            name: name.to_string(),
            value: raw.to_string(),
            source,
        };
        return crate::config::flink::apply_flink_layer(
            config,
            vec![input],
            crate::config::flink::Unknown::Error,
        );
    }
    let Some(def) = schema::lookup(key) else {
        let hint = unknown_hint(key);
        return Err(config.error_at(&source, key, format!("unknown key{hint}")));
    };
    let value = parse_text(def.kind, raw).map_err(|e| config.error_at(&source, key, e))?;
    config
        .entries
        .insert(key.to_string(), Entry { value, source });
    Ok(())
}

/// Reads `raw` as a value of `kind`: as a TOML value first, then as text.
pub(crate) fn parse_text(kind: Kind, raw: &str) -> Result<Value, String> {
    let quoted = format!("{:?}", raw.trim());
    let parsed = DeValue::parse(raw.trim()).ok();
    let as_text = DeValue::parse(&quoted).ok();
    match parsed.as_ref().map(|p| parse_value(kind, p.get_ref())) {
        Some(Ok(v)) => Ok(v),
        first => match as_text.as_ref().map(|p| parse_value(kind, p.get_ref())) {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => Err(first.and_then(Result::err).unwrap_or(e)),
            None => Err("cannot read the value".to_string()),
        },
    }
}

/// A TOML scalar as the text a Flink key takes: a string's contents, a number or boolean as
/// written. `None` for arrays, tables and dates.
pub(crate) fn toml_scalar_text(raw: &str) -> Option<String> {
    let v = DeValue::parse(raw.trim()).ok()?;
    match v.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Integer(i) => Some(i.as_str().replace('_', "")),
        DeValue::Float(f) => Some(f.as_str().replace('_', "")),
        DeValue::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a scenario file into its configuration (defaults, then the file, then `sets`); for the
/// other layers see [`crate::config::read_layered`].
pub fn read_config(path: &Path, sets: &[String]) -> Result<Config, ScenarioError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::new(&shown, None, None, format!("cannot read the scenario: {e}"))
    })?;
    let parsed = DeTable::parse(&text).map_err(|e| {
        let line = e.span().map(|s| line_of(&text, s.start));
        ScenarioError::new(
            &shown,
            None,
            line,
            format!("TOML syntax error: {}", e.message().trim()),
        )
    })?;
    let mut config = defaults();
    config.path = shown.clone();
    flatten(&text, &shown, "", parsed.get_ref(), &mut config)?;
    crate::config::flink::apply_flink_section(&mut config)?;
    apply_sets(&mut config, sets)?;
    Ok(config)
}

/// Loads the scenario at `path`, applies `--set KEY=VALUE` overrides and an optional seed.
pub fn load_scenario(
    path: &Path,
    sets: &[String],
    seed: Option<u64>,
) -> Result<Scenario, ScenarioError> {
    let inputs = crate::config::ConfigInputs {
        scenario: Some(path.to_path_buf()),
        sets: sets.to_vec(),
        ..Default::default()
    };
    load_layered(&inputs, seed)
}

/// Loads a scenario from all the layers of `inputs` (scenario file, manifest, appsettings.json,
/// environment, `--set`) and an optional seed. The returned configuration holds the values the
/// memory budget derived, each with its [`Source::Derived`] source.
pub fn load_layered(
    inputs: &crate::config::ConfigInputs,
    seed: Option<u64>,
) -> Result<Scenario, ScenarioError> {
    let config = crate::config::read_layered(inputs)?.config;
    scenario_from_config(&config, inputs.scenario.as_deref(), seed)
}

/// Builds the scenario of an effective configuration read from `path` (which names the run
/// when `scenario.name` is not set): applies the memory budget and resolves the run.
pub fn scenario_from_config(
    config: &Config,
    path: Option<&Path>,
    seed: Option<u64>,
) -> Result<Scenario, ScenarioError> {
    let stem = path
        .and_then(|p| p.file_stem())
        .and_then(|s| s.to_str())
        .unwrap_or("scenario")
        .to_string();
    let (config, _) = crate::config::budget::apply_budget(config)?;
    let (spec, output) = super::build::build(&config, &stem, seed)?;
    Ok(Scenario {
        name: spec.name.clone(),
        source: path.map(Path::to_path_buf).unwrap_or_default(),
        spec,
        output,
        config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.toml");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn reads_values_with_units_and_remembers_their_lines() {
        let (_d, p) = write("[pod]\nlimits.memory = \"1.5Gi\"\n[scenario]\nduration = \"90m\"\n");
        let c = read_config(&p, &[]).unwrap();
        assert_eq!(
            c.get("pod.limits.memory"),
            Some(&Value::Bytes(1_610_612_736))
        );
        assert_eq!(c.get("scenario.duration"), Some(&Value::Seconds(5400.0)));
        assert_eq!(c.origin("pod.limits.memory").1, Some(2));
        assert_eq!(c.entries["gc.profile"].source, Source::Default);
    }

    #[test]
    fn unknown_keys_name_the_closest_valid_one_and_the_line() {
        let (_d, p) = write("[pod]\nlimit.memory = \"1Gi\"\n");
        let e = read_config(&p, &[]).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert_eq!(e.field.as_deref(), Some("pod.limit.memory"));
        assert!(e.problem.contains("pod.limits.memory"), "{e}");
    }

    #[test]
    fn sizes_need_units_and_must_not_be_negative() {
        let (_d, p) = write("[pod]\nlimits.memory = 1024\n");
        let e = read_config(&p, &[]).unwrap_err();
        assert!(e.problem.contains("needs a unit"), "{e}");
        let (_d, p) = write("[pod]\nlimits.memory = \"-1Gi\"\n");
        let e = read_config(&p, &[]).unwrap_err();
        assert!(e.problem.contains("negative"), "{e}");
    }

    #[test]
    fn syntax_errors_give_a_line() {
        let (_d, p) = write("[pod\nlimits.memory = \"1Gi\"\n");
        let e = read_config(&p, &[]).unwrap_err();
        assert!(e.problem.starts_with("TOML syntax error"));
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn set_overrides_take_toml_values_or_text() {
        let (_d, p) = write("[gc]\nconcurrent = true\n");
        let c = read_config(
            &p,
            &[
                "gc.concurrent=false".into(),
                "pod.limits.memory=4Gi".into(),
                "workload.rate.steps=[{at=\"1h\", multiplier=2.0}]".into(),
            ],
        )
        .unwrap();
        assert_eq!(c.get("gc.concurrent"), Some(&Value::Bool(false)));
        assert_eq!(c.get("pod.limits.memory"), Some(&Value::Bytes(4 << 30)));
        assert_eq!(c.entries["gc.concurrent"].source, Source::Set);
        assert!(matches!(c.get("workload.rate.steps"), Some(Value::Tables(t)) if t.len() == 1));
        let e = read_config(&p, &["gc.concurent=false".into()]).unwrap_err();
        assert!(e.problem.contains("gc.concurrent"));
    }

    #[test]
    fn free_sections_are_kept_as_written() {
        let (_d, p) = write(
            "[flink]\n\"taskmanager.memory.process.size\" = \"4g\"\n[sweep]\nreplications = 5\n\"pod.limits.memory\" = [\"2Gi\", \"4Gi\"]\n\"gc.mode\" = { values = [\"workstation\", \"server\"] }\n",
        );
        let c = read_config(&p, &[]).unwrap();
        let flink = &c.sections["flink"];
        assert_eq!(flink[0].key, "taskmanager.memory.process.size");
        assert_eq!(flink[0].value, "\"4g\"");
        let sweep = &c.sections["sweep"];
        assert_eq!(sweep.len(), 3);
        assert_eq!(sweep[1].value, "[\"2Gi\", \"4Gi\"]");
        assert!(sweep[2].value.starts_with('{'));
        assert_eq!(sweep[2].line, 6);
    }

    #[test]
    fn array_tables_check_their_fields() {
        let (_d, p) = write(
            "[[workload.lifetimes]]\nfraction = 0.05\nmean = \"1s\"\n[[workload.lifetimes]]\nfracton = 0.1\n",
        );
        let e = read_config(&p, &[]).unwrap_err();
        assert!(e.problem.contains("fracton"), "{e}");
    }
}
