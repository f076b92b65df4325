//! Flink options inside the layered configuration.
//!
//! Every Flink memory option the budget reads (see [`super::flink_keys::FLINK_MEMORY_KEYS`]) is
//! an entry of [`Config::entries`] named `flink.<Flink key>`, such as
//! `flink.taskmanager.memory.process.size`, with the source of its value like every other key.
//! The layers address them as follows:
//!
//! | layer | how a Flink option is written |
//! |---|---|
//! | scenario file | `"taskmanager.memory.process.size" = "4g"` in the `[flink]` table |
//! | manifest | a FlinkDeployment's `spec.flinkConfiguration` (memory keys only) and its process size |
//! | appsettings.json | `FlinkDotNet` section (Flink.NET's own), or `Memsim:Flink` |
//! | environment | `MEMSIM__Flink__TaskManager__Memory__Process__Size=4g` |
//! | `--set` | `flink.taskmanager.memory.process.size=4g`, or without the `flink.` prefix |
//!
//! Names are matched without regard to ASCII case (appsettings.json and environment variables
//! lower-case them). Flink.NET aliases and Flink's deprecated keys are stored under the Flink key
//! they set, so that a higher layer overrides a lower one whichever name each uses; within one
//! layer the Flink key wins over its aliases, as in Flink.
//!
//! **Values.** A memory size is read with Flink's `MemorySize` grammar (`1728m`, `1g`, `32kb`,
//! binary units, a bare number is bytes); text that grammar rejects may be a Kubernetes quantity
//! (`1.5Gi`, `2000M`). Sizes are stored as bytes, fractions as the text Flink parses as a Java
//! `float`, counts as whole numbers.

use std::cmp::Reverse;

use super::flink_keys::{
    FlinkKeyDef, FlinkKeyKind, FlinkSettings, FlinkValue, closest_flink_name,
    find_flink_key_ignore_case, parse_flink_memory_size, parse_flink_pairs, parse_flink_value,
};
use crate::scenario::load::{Config, Entry, ScenarioError, Source, Value, toml_scalar_text};
use crate::scenario::quantity::parse_size;

/// Prefix of the configuration keys that hold Flink options.
pub const FLINK_PREFIX: &str = "flink.";

/// The scenario file's table of Flink options.
pub const FLINK_SECTION: &str = "flink";

/// One Flink option as a layer gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct FlinkInput {
    /// The name as written (a Flink key, a deprecated key or a Flink.NET alias; any case).
    pub name: String,
    /// The value as text.
    pub value: String,
    /// Where it was given.
    pub source: Source,
}

/// What to do with a name that is not a known Flink memory option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// Reject it (memsim's own inputs: `[flink]`, `--set`, `MEMSIM__` variables).
    Error,
    /// Skip it (foreign configuration that holds other settings too: Flink.NET's appsettings
    /// section, a FlinkDeployment's `flinkConfiguration`).
    Ignore,
}

/// The definitions a name sets (usually one; the Flink.NET network size sets two), each with
/// the rank of the name (0: the Flink key). Case-insensitive.
pub fn find(name: &str) -> Vec<(&'static FlinkKeyDef, usize)> {
    find_flink_key_ignore_case(name)
}

/// The Flink name inside a configuration key: `flink.X` gives `X`; a bare known Flink name
/// gives itself; anything else `None`.
pub fn flink_name(key: &str) -> Option<&str> {
    match key.get(..FLINK_PREFIX.len()) {
        Some(head) if head.eq_ignore_ascii_case(FLINK_PREFIX) => key.get(FLINK_PREFIX.len()..),
        _ if !find(key).is_empty() => Some(key),
        _ => None,
    }
}

/// The configuration key of a Flink option: `flink.<Flink key>`.
pub fn entry_key(def: &FlinkKeyDef) -> String {
    format!("{FLINK_PREFIX}{}", def.key)
}

/// Reads a Flink option's value: sizes in Flink's grammar or as Kubernetes quantities (bytes),
/// fractions as Java floats (kept as text), whole numbers and booleans. The error says why.
pub fn parse_entry_value(kind: FlinkKeyKind, text: &str) -> Result<Value, String> {
    match kind {
        FlinkKeyKind::MemorySize => match parse_flink_memory_size(text) {
            Ok(bytes) => Ok(Value::Bytes(bytes)),
            Err(flink) => {
                let reason = match &flink {
                    super::flink_keys::FlinkKeyError::InvalidMemorySize { reason, .. } => {
                        reason.clone()
                    }
                    other => other.to_string(),
                };
                match parse_size(text.trim()) {
                    Ok(bytes) if bytes <= i64::MAX as u64 => Ok(Value::Bytes(bytes)),
                    Ok(_) => Err(format!(
                        "{text:?} is larger than a Flink memory size can be (2^63 − 1 bytes)"
                    )),
                    Err(k8s) => Err(format!(
                        "{text:?} is neither a Flink memory size ({reason}) nor a Kubernetes quantity ({k8s})"
                    )),
                }
            }
        },
        FlinkKeyKind::Fraction => {
            parse_flink_value(kind, text)?;
            Ok(Value::Text(text.trim().to_string()))
        }
        FlinkKeyKind::Integer => match parse_flink_value(kind, text)? {
            FlinkValue::Integer(n) => Ok(Value::Int(i64::from(n))),
            _ => Err(format!("{text:?} is not a whole number")),
        },
        FlinkKeyKind::Boolean => match parse_flink_value(kind, text)? {
            FlinkValue::Boolean(b) => Ok(Value::Bool(b)),
            _ => Err(format!("{text:?} is not true or false")),
        },
    }
}

/// The text Flink's parser takes for a stored value.
fn entry_text(value: &Value) -> String {
    match value {
        Value::Bytes(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Text(t) => t.clone(),
        Value::Number(x) => x.to_string(),
        other => format!("{other:?}"),
    }
}

/// Applies one layer's Flink options: each name is resolved to its Flink key(s) and its value
/// checked; then the options are stored, weakest names first, so that a Flink key given in the
/// same layer as one of its aliases wins. Errors name the option and where it was given.
pub fn apply_flink_layer(
    config: &mut Config,
    inputs: Vec<FlinkInput>,
    unknown: Unknown,
) -> Result<(), ScenarioError> {
    let mut resolved: Vec<(usize, &'static FlinkKeyDef, Value, Source)> = Vec::new();
    for input in inputs {
        let name = input.name.trim();
        let shown = format!("{FLINK_PREFIX}{name}");
        let defs = find(name);
        if defs.is_empty() {
            if unknown == Unknown::Ignore {
                continue;
            }
            let hint = match closest_flink_name(name) {
                Some(n) => format!(" (did you mean '{n}'?)"),
                None => String::new(),
            };
            return Err(config.error_at(
                &input.source,
                &shown,
                format!("unknown Flink memory key '{name}'{hint}"),
            ));
        }
        for (def, rank) in defs {
            let value = parse_entry_value(def.kind, &input.value).map_err(|e| {
                config.error_at(
                    &input.source,
                    &shown,
                    format!("invalid value '{}' for '{name}': {e}", input.value),
                )
            })?;
            resolved.push((rank, def, value, input.source.clone()));
        }
    }
    // Weakest names first; the sort is stable, so among equal ranks the later one wins.
    resolved.sort_by_key(|r| Reverse(r.0));
    for (_, def, value, source) in resolved {
        config
            .entries
            .insert(entry_key(def), Entry { value, source });
    }
    Ok(())
}

/// Moves the scenario file's `[flink]` table (kept as written in [`Config::sections`]) into
/// `flink.*` entries located at their lines. The table itself stays for other readers.
pub fn apply_flink_section(config: &mut Config) -> Result<(), ScenarioError> {
    let Some(raw) = config.sections.get(FLINK_SECTION).cloned() else {
        return Ok(());
    };
    let mut inputs = Vec::new();
    for e in raw {
        let source = Source::File {
            path: config.path.clone(),
            line: e.line,
        };
        let Some(value) = toml_scalar_text(&e.value) else {
            return Err(config.error_at(
                &source,
                &format!("{FLINK_PREFIX}{}", e.key),
                format!(
                    "expected a string, number or boolean (such as \"4g\" or 0.4), found {}",
                    e.value
                ),
            ));
        };
        inputs.push(FlinkInput {
            name: e.key,
            value,
            source,
        });
    }
    apply_flink_layer(config, inputs, Unknown::Error)
}

/// The Flink options given by the user (derived ones left out), as Flink's typed options.
pub fn flink_settings(config: &Config) -> Result<FlinkSettings, ScenarioError> {
    let pairs: Vec<(String, String)> = config
        .entries
        .iter()
        .filter(|(k, e)| k.starts_with(FLINK_PREFIX) && e.source.is_user())
        .map(|(k, e)| (k[FLINK_PREFIX.len()..].to_string(), entry_text(&e.value)))
        .collect();
    parse_flink_pairs(pairs).map_err(|e| {
        let key = match &e {
            super::flink_keys::FlinkKeyError::InvalidValue { key, .. }
            | super::flink_keys::FlinkKeyError::UnknownKey { key } => {
                format!("{FLINK_PREFIX}{key}")
            }
            _ => FLINK_PREFIX.trim_end_matches('.').to_string(),
        };
        config.error(&key, e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::{apply_set, defaults};

    const MIB: u64 = 1 << 20;

    fn set(args: &[&str]) -> Result<Config, ScenarioError> {
        let mut c = defaults();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        crate::scenario::load::apply_sets(&mut c, &args)?;
        Ok(c)
    }

    #[test]
    fn flink_keys_are_stored_under_their_flink_name() {
        let c = set(&[
            "flink.taskmanager.memory.process.size=1728m",
            "taskmanager.memory.managed.fraction=0.25",
            "taskmanager.numberOfTaskSlots=4",
        ])
        .unwrap();
        assert_eq!(
            c.get("flink.taskmanager.memory.process.size"),
            Some(&Value::Bytes(1728 * MIB))
        );
        assert_eq!(
            c.get("flink.taskmanager.memory.managed.fraction"),
            Some(&Value::Text("0.25".into()))
        );
        assert_eq!(
            c.get("flink.taskmanager.numberOfTaskSlots"),
            Some(&Value::Int(4))
        );
        let s = flink_settings(&c).unwrap();
        assert_eq!(s.taskmanager.process_size, Some(1728 * MIB));
        assert_eq!(s.taskmanager.managed_fraction, Some(0.25));
        assert_eq!(s.network.number_of_task_slots, Some(4));
    }

    #[test]
    fn sizes_take_flink_units_or_kubernetes_quantities() {
        let c = set(&[
            "taskmanager.memory.process.size=1g",
            "taskmanager.memory.managed.size=1.5Gi",
            "taskmanager.memory.task.heap.size=2000M",
            "taskmanager.memory.segment-size=32kb",
        ])
        .unwrap();
        let b = |k: &str| c.get(&format!("flink.taskmanager.memory.{k}")).cloned();
        assert_eq!(b("process.size"), Some(Value::Bytes(1 << 30)));
        assert_eq!(b("managed.size"), Some(Value::Bytes(1_610_612_736)));
        // `M` is a Flink unit (mebibytes), so 2000M is 2000 MiB, not 2 GB.
        assert_eq!(b("task.heap.size"), Some(Value::Bytes(2000 * MIB)));
        assert_eq!(b("segment-size"), Some(Value::Bytes(32 << 10)));
        let e = set(&["taskmanager.memory.process.size=lots"]).unwrap_err();
        assert!(e.problem.contains("neither a Flink memory size"), "{e}");
        assert_eq!(
            e.field.as_deref(),
            Some("flink.taskmanager.memory.process.size")
        );
    }

    #[test]
    fn aliases_land_on_the_flink_key_and_yield_to_it_within_a_layer() {
        let c = set(&[
            "taskmanager.memory.network.min=100m",
            "taskmanager.network.memory.size=300m",
        ])
        .unwrap();
        assert_eq!(
            c.get("flink.taskmanager.memory.network.min"),
            Some(&Value::Bytes(100 * MIB))
        );
        assert_eq!(
            c.get("flink.taskmanager.memory.network.max"),
            Some(&Value::Bytes(300 * MIB))
        );
        // A higher layer's alias overrides a lower layer's key.
        let mut c = set(&["taskmanager.memory.process.size=2g"]).unwrap();
        apply_set(&mut c, "taskmanager.process.memory.size=3g").unwrap();
        assert_eq!(
            c.get("flink.taskmanager.memory.process.size"),
            Some(&Value::Bytes(3 << 30))
        );
    }

    #[test]
    fn unknown_flink_keys_suggest_the_closest() {
        let e = set(&["flink.taskmanager.memory.proces.size=1g"]).unwrap_err();
        assert!(
            e.problem
                .contains("did you mean 'taskmanager.memory.process.size'"),
            "{e}"
        );
        let e = set(&["taskmanager.numberOfTaskSlots=-1"]).unwrap_err();
        assert!(e.problem.contains("negative"), "{e}");
        let e = set(&["taskmanager.memory.managed.fraction=most"]).unwrap_err();
        assert!(e.problem.contains("floating-point"), "{e}");
    }

    #[test]
    fn the_scenario_flink_table_is_read_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            "[flink]\n\"taskmanager.memory.process.size\" = \"2g\"\ntaskmanager.numberOfTaskSlots = 2\n[flink.taskmanager.memory]\nmanaged.fraction = 0.25\n",
        )
        .unwrap();
        let c = crate::scenario::load::read_config(&path, &[]).unwrap();
        assert_eq!(
            c.get("flink.taskmanager.memory.process.size"),
            Some(&Value::Bytes(2 << 30))
        );
        assert_eq!(
            c.get("flink.taskmanager.numberOfTaskSlots"),
            Some(&Value::Int(2))
        );
        assert_eq!(
            c.get("flink.taskmanager.memory.managed.fraction"),
            Some(&Value::Text("0.25".into()))
        );
        assert_eq!(c.origin("flink.taskmanager.numberOfTaskSlots").1, Some(3));
        std::fs::write(
            &path,
            "[flink]\n\n\"taskmanager.memory.proces.size\" = \"2g\"\n",
        )
        .unwrap();
        let e = crate::scenario::load::read_config(&path, &[]).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.problem.contains("unknown Flink memory key"), "{e}");
        std::fs::write(
            &path,
            "[flink]\n\"taskmanager.memory.process.size\" = [\"2g\"]\n",
        )
        .unwrap();
        let e = crate::scenario::load::read_config(&path, &[]).unwrap_err();
        assert!(
            e.problem.contains("expected a string, number or boolean"),
            "{e}"
        );
        // A Flink key outside [flink] is pointed there.
        std::fs::write(&path, "[taskmanager.memory]\nprocess.size = \"2g\"\n").unwrap();
        let e = crate::scenario::load::read_config(&path, &[]).unwrap_err();
        assert!(e.problem.contains("[flink]"), "{e}");
    }

    #[test]
    fn names_are_case_insensitive_and_foreign_unknowns_can_be_skipped() {
        let mut c = defaults();
        let input = |name: &str, value: &str| FlinkInput {
            name: name.into(),
            value: value.into(),
            source: Source::Env {
                name: "MEMSIM__x".into(),
            },
        };
        apply_flink_layer(
            &mut c,
            vec![
                input("taskmanager.numberoftaskslots", "3"),
                input("parallelism.default", "8"),
            ],
            Unknown::Ignore,
        )
        .unwrap();
        assert_eq!(
            c.get("flink.taskmanager.numberOfTaskSlots"),
            Some(&Value::Int(3))
        );
        assert_eq!(
            c.entries.keys().filter(|k| k.starts_with("flink.")).count(),
            1
        );
    }
}
