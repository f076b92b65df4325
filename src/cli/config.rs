//! `memsim config [FILE]`: the effective configuration with the source of every value; and the
//! reading of the layered inputs shared by `run`, `check`, `budget` and `config`.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Result, anyhow};
use serde_json::{Map, Value as Json, json};

use memsim::budget::ProcessKind;
use memsim::config::flink::FLINK_PREFIX;
use memsim::config::{ConfigInputs, PodInput, apply_budget, read_layered};
use memsim::scenario::duration::format_duration;
use memsim::scenario::load::{Config, Value};
use memsim::scenario::quantity::format_quantity;

use super::args::{ConfigArgs, Format, InputArgs, Process};

/// The inputs of a command: the scenario file, the options of `inputs`, the `MEMSIM__*`
/// variables of this process's environment, and `sets`.
pub fn inputs(file: Option<&Path>, sets: &[String], inputs: &InputArgs) -> ConfigInputs {
    ConfigInputs {
        scenario: file.map(Path::to_path_buf),
        pod: inputs.pod.as_ref().map(|path| PodInput {
            path: path.clone(),
            container: inputs.container.clone(),
            component: inputs.component.map(|p| match p {
                Process::Taskmanager => ProcessKind::TaskManager,
                Process::Jobmanager => ProcessKind::JobManager,
            }),
            object: inputs.object.clone(),
        }),
        appsettings: inputs.appsettings.clone(),
        env: std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
        sets: sets.to_vec(),
    }
}

/// Reads the layers of `inputs`; returns the configuration and the inputs' warnings, which the
/// command prints with [`warn`] once it has succeeded (an error stays one line).
pub fn read(inputs: &ConfigInputs) -> Result<(Config, Vec<String>)> {
    let layered = read_layered(inputs).map_err(|e| anyhow!(e.one_line()))?;
    Ok((layered.config, layered.warnings))
}

/// Prints warnings on stderr, one `warning: …` line each.
pub fn warn(warnings: &[String]) {
    let mut err = io::stderr().lock();
    for w in warnings {
        let _ = writeln!(err, "warning: {w}");
    }
}

/// Prints the effective configuration (the budget applied) as a table or JSON.
pub fn config(args: &ConfigArgs, out: &mut dyn Write) -> Result<()> {
    let inputs = inputs(args.file.as_deref(), &args.sets, &args.inputs);
    let (config, warnings) = read(&inputs)?;
    let (config, _) = apply_budget(&config).map_err(|e| anyhow!(e.one_line()))?;
    match args.format {
        Format::Json => {
            let json = to_json(&config);
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        Format::Table => {
            let rows: Vec<[String; 3]> = config
                .entries
                .iter()
                .map(|(k, e)| [k.clone(), show(&e.value), e.source.to_string()])
                .collect();
            print_columns(out, &["KEY", "VALUE", "SOURCE"], &rows)?;
        }
    }
    warn(&warnings);
    Ok(())
}

/// `{"KEY": {"value": …, "source": "…"}, …}`, sizes as integer bytes, durations in seconds.
pub fn to_json(config: &Config) -> Json {
    let mut map = Map::new();
    for (key, e) in &config.entries {
        let value = match &e.value {
            // Flink fractions are kept as the text Flink parses; print them as numbers.
            Value::Text(t) if key.starts_with(FLINK_PREFIX) => match t.parse::<f64>() {
                Ok(x) if x.is_finite() => json!(x),
                _ => json!(t),
            },
            other => value_json(other),
        };
        map.insert(
            key.clone(),
            json!({ "value": value, "source": e.source.to_string() }),
        );
    }
    Json::Object(map)
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Bytes(b) => json!(b),
        Value::Unbounded => json!("unbounded"),
        Value::Seconds(s) => json!(s),
        Value::Number(x) => json!(x),
        Value::Int(i) => json!(i),
        Value::Bool(b) => json!(b),
        Value::Text(t) => json!(t),
        Value::Tables(t) => Json::Array(
            t.iter()
                .map(|row| {
                    Json::Object(
                        row.iter()
                            .map(|(k, v)| (k.clone(), value_json(v)))
                            .collect(),
                    )
                })
                .collect(),
        ),
    }
}

/// A value as a scenario would write it: sizes as exact Kubernetes quantities, durations with
/// units.
pub fn show(v: &Value) -> String {
    match v {
        Value::Bytes(b) => format_quantity(*b),
        Value::Unbounded => "unbounded".to_string(),
        Value::Seconds(s) => {
            if s.is_finite() && *s >= 0.0 {
                format_duration(std::time::Duration::from_secs_f64(*s))
            } else {
                format!("{s}s")
            }
        }
        Value::Number(x) => x.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Text(t) => t.clone(),
        Value::Tables(t) => {
            let rows: Vec<String> = t
                .iter()
                .map(|row| {
                    let fields: Vec<String> = row
                        .iter()
                        .map(|(k, v)| match v {
                            Value::Text(_) | Value::Bytes(_) | Value::Seconds(_) => {
                                format!("{k} = {:?}", show(v))
                            }
                            _ => format!("{k} = {}", show(v)),
                        })
                        .collect();
                    format!("{{ {} }}", fields.join(", "))
                })
                .collect();
            format!("[{}]", rows.join(", "))
        }
    }
}

/// Prints left-aligned columns separated by two spaces; the last column is not padded.
pub fn print_columns<const N: usize>(
    out: &mut dyn Write,
    header: &[&str; N],
    rows: &[[String; N]],
) -> Result<()> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        s
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_written() {
        assert_eq!(show(&Value::Bytes(4 << 30)), "4Gi");
        assert_eq!(show(&Value::Seconds(90.0)), "1m30s");
        assert_eq!(show(&Value::Unbounded), "unbounded");
        assert_eq!(value_json(&Value::Bytes(1 << 20)), json!(1_048_576));
    }

    #[test]
    fn columns_align() {
        let mut out = Vec::new();
        print_columns(
            &mut out,
            &["A", "B"],
            &[["long".to_string(), "x".to_string()]],
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "A     B\nlong  x\n");
    }
}
