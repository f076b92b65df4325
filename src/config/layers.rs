//! Reading the layers of the configuration in precedence order (see the [module
//! docs](super) for the conventions): built-in defaults, the scenario file, a Kubernetes
//! manifest, an appsettings.json file, `MEMSIM__` environment variables, `--set` arguments.
//!
//! Nothing here reads the process environment: the caller passes the variables in.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::budget::process_kind;
use super::flink::{FlinkInput, Unknown, apply_flink_layer, find, flink_name};
use crate::budget::ProcessKind;
use crate::scenario::appsettings::{env_layer, flatten_appsettings};
use crate::scenario::load::{
    Config, Entry, ScenarioError, Source, Value, apply_sets, apply_value, defaults, read_config,
};
use crate::scenario::manifest::{
    FlinkComponent, ManifestSelector, PodResources, read_pod_resources,
};
use crate::scenario::schema::{KEYS, Kind};

/// Prefix of the environment variables memsim reads (`MEMSIM__Pod__Limits__Memory=4Gi`).
pub const ENV_PREFIX: &str = "MEMSIM__";
/// The appsettings.json section with memsim's scenario keys (and `Flink` for Flink options).
pub const MEMSIM_SECTION: &str = "Memsim";
/// The appsettings.json section with Flink.NET's own configuration, whose Flink memory options
/// memsim reads (other settings there are ignored).
pub const FLINKDOTNET_SECTION: &str = "FlinkDotNet";

/// A Kubernetes manifest to read the pod's memory and .NET GC settings from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodInput {
    /// The manifest file (YAML).
    pub path: PathBuf,
    /// The container (default: the only one, the annotated default one, or Flink's main
    /// container of a FlinkDeployment).
    pub container: Option<String>,
    /// The Flink process; also sets `scenario.process` (default: `scenario.process` as the
    /// layers below the manifest give it).
    pub component: Option<ProcessKind>,
    /// The object's name, when the file holds several workloads.
    pub object: Option<String>,
}

/// Everything the configuration is read from; each part is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigInputs {
    /// The scenario file (TOML).
    pub scenario: Option<PathBuf>,
    /// A Kubernetes manifest (`--pod`).
    pub pod: Option<PodInput>,
    /// An appsettings.json file (`--appsettings`).
    pub appsettings: Option<PathBuf>,
    /// Environment variables as `(name, value)`; those starting with [`ENV_PREFIX`] are read.
    pub env: Vec<(String, String)>,
    /// `--set KEY=VALUE` arguments, in order.
    pub sets: Vec<String>,
}

/// The layered configuration and the warnings its inputs gave.
#[derive(Clone, Debug, PartialEq)]
pub struct Layered {
    /// The effective configuration.
    pub config: Config,
    /// Things that are legal but probably not what was meant (from the manifest).
    pub warnings: Vec<String>,
}

/// Reads every layer of `inputs`, lowest precedence first.
pub fn read_layered(inputs: &ConfigInputs) -> Result<Layered, ScenarioError> {
    let mut config = match &inputs.scenario {
        Some(path) => read_config(path, &[])?,
        None => defaults(),
    };
    let mut warnings = Vec::new();
    if let Some(pod) = &inputs.pod {
        warnings = apply_manifest_file(&mut config, pod)?;
    }
    if let Some(path) = &inputs.appsettings {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| file_error(&shown, format!("cannot read the appsettings file: {e}")))?;
        apply_appsettings(&mut config, &text, &shown)?;
    }
    apply_env(&mut config, &inputs.env)?;
    apply_sets(&mut config, &inputs.sets)?;
    Ok(Layered { config, warnings })
}

fn file_error(path: &str, problem: impl Into<String>) -> ScenarioError {
    ScenarioError {
        path: path.to_string(),
        field: None,
        line: None,
        problem: problem.into(),
    }
}

/// Reads the manifest file of `pod` and applies it; returns its warnings.
pub fn apply_manifest_file(
    config: &mut Config,
    pod: &PodInput,
) -> Result<Vec<String>, ScenarioError> {
    let shown = pod.path.display().to_string();
    let text = std::fs::read_to_string(&pod.path)
        .map_err(|e| file_error(&shown, format!("cannot read the manifest: {e}")))?;
    apply_manifest(config, &text, &shown, pod)
}

/// Applies a manifest's text (`shown` names it in sources and errors): the container's memory
/// request (the limit when no request is written, as Kubernetes defaults it) and limit, its .NET GC variables, and for a FlinkDeployment the process size and the
/// Flink memory options of `spec.flinkConfiguration`. Returns the reader's warnings.
pub fn apply_manifest(
    config: &mut Config,
    text: &str,
    shown: &str,
    pod: &PodInput,
) -> Result<Vec<String>, ScenarioError> {
    let process = pod.component.unwrap_or_else(|| process_kind(config));
    let selector = ManifestSelector {
        object: pod.object.clone(),
        container: pod.container.clone(),
        component: match process {
            ProcessKind::TaskManager => FlinkComponent::TaskManager,
            ProcessKind::JobManager => FlinkComponent::JobManager,
        },
    };
    let r = read_pod_resources(text, &selector).map_err(|e| file_error(shown, e.to_string()))?;
    let source = |field: &str| manifest_source(shown, &r, field);
    let mut warnings = r.warnings.clone();
    if !r.unknown_gc_env.is_empty() {
        warnings.push(format!(
            "{shown}: GC variables memsim does not model are ignored: {}",
            r.unknown_gc_env.join(", ")
        ));
    }

    if let Some(component) = pod.component {
        let yaml_path = match r.component {
            Some(FlinkComponent::JobManager) => "spec.jobManager".to_string(),
            Some(FlinkComponent::TaskManager) => "spec.taskManager".to_string(),
            None => "(--component)".to_string(),
        };
        let name = super::budget::process_name(component);
        apply_value(
            config,
            "scenario.process",
            name,
            Source::Manifest {
                path: shown.to_string(),
                yaml_path,
                line: 0,
            },
        )?;
    }

    // Flink memory options of a FlinkDeployment; the process size comes from the operator's
    // resources below (it replaces `*.memory.process.size` of flinkConfiguration).
    let mut flink = Vec::new();
    for (key, (value, origin)) in &r.flink_configuration {
        let defs = find(key);
        if defs.is_empty()
            || defs
                .iter()
                .any(|(d, _)| d.key.ends_with(".memory.process.size"))
        {
            continue;
        }
        flink.push(FlinkInput {
            name: key.clone(),
            value: value.clone(),
            source: Source::Manifest {
                path: shown.to_string(),
                yaml_path: document_path(origin.document, &origin.path),
                line: origin.line as usize,
            },
        });
    }
    apply_flink_layer(config, flink, Unknown::Ignore)?;

    let mut put = |key: &str, value: Value, field: &str| {
        config.entries.insert(
            key.to_string(),
            Entry {
                value,
                source: source(field),
            },
        );
    };
    // Kubernetes defaults a missing request to the limit.
    match (r.requests_memory, r.effective_requests_memory()) {
        (Some(b), _) => put("pod.requests.memory", Value::Bytes(b), "requests_memory"),
        (None, Some(b)) => put("pod.requests.memory", Value::Bytes(b), "limits_memory"),
        (None, None) => {}
    }
    if let Some(b) = r.limits_memory {
        put("pod.limits.memory", Value::Bytes(b), "limits_memory");
    }
    if let Some(b) = r.process_memory {
        let key = super::budget::process_size_key(process);
        put(&key, Value::Bytes(b), "process_memory");
    }
    let gc = &r.gc;
    if let Some(b) = gc.heap_hard_limit {
        put("gc.heap_hard_limit", Value::Bytes(b), "gc.heap_hard_limit");
    }
    if let Some(b) = gc.gen0size {
        put("gc.gen0size", Value::Bytes(b), "gc.gen0size");
    }
    let texts = [
        (
            "gc.mode",
            gc.server
                .map(|s| if s { "server" } else { "workstation" }.to_string()),
            "gc.server",
        ),
        (
            "gc.concurrent",
            gc.concurrent.map(|c| c.to_string()),
            "gc.concurrent",
        ),
        (
            "gc.heap_hard_limit_percent",
            gc.heap_hard_limit_percent.map(|p| p.to_string()),
            "gc.heap_hard_limit_percent",
        ),
        (
            "gc.heap_count",
            gc.heap_count.map(|n| n.to_string()),
            "gc.heap_count",
        ),
        (
            "gc.datas",
            gc.dynamic_adaptation_mode.map(|m| (m == 1).to_string()),
            "gc.dynamic_adaptation_mode",
        ),
        (
            "gc.conserve_memory",
            gc.conserve_memory.map(|n| n.to_string()),
            "gc.conserve_memory",
        ),
    ];
    for (key, text, field) in texts {
        if let Some(text) = text {
            apply_value(config, key, &text, source(field))?;
        }
    }
    Ok(warnings)
}

/// A YAML path, prefixed with its document when the file holds several.
fn document_path(document: usize, path: &str) -> String {
    if document > 0 {
        format!("{path} (document {})", document + 1)
    } else {
        path.to_string()
    }
}

fn manifest_source(shown: &str, r: &PodResources, field: &str) -> Source {
    let (yaml_path, line) = match r.source(field) {
        Some(o) => (document_path(o.document, &o.path), o.line as usize),
        None => (String::new(), 0),
    };
    Source::Manifest {
        path: shown.to_string(),
        yaml_path,
        line,
    }
}

/// Applies an appsettings.json text (`shown` names it): first the Flink memory options of the
/// `FlinkDotNet` section (other settings there are skipped), then the `Memsim` section, whose
/// keys are scenario keys (`Pod:Limits:Memory` or `"pod.limits.memory"`) and whose `Flink`
/// subsection holds Flink options; `Memsim` wins over `FlinkDotNet`.
pub fn apply_appsettings(
    config: &mut Config,
    text: &str,
    shown: &str,
) -> Result<(), ScenarioError> {
    let source = |json_path: String| Source::AppSettings {
        path: shown.to_string(),
        json_path,
    };
    let flink = flatten_appsettings(text, FLINKDOTNET_SECTION)
        .map_err(|e| file_error(shown, e.to_string()))?;
    let inputs = flink
        .into_iter()
        .map(|(name, value, path)| FlinkInput {
            name,
            value,
            source: source(path),
        })
        .collect();
    apply_flink_layer(config, inputs, Unknown::Ignore)?;
    let memsim =
        flatten_appsettings(text, MEMSIM_SECTION).map_err(|e| file_error(shown, e.to_string()))?;
    apply_flat(
        config,
        memsim
            .into_iter()
            .map(|(k, v, path)| (k, v, source(path)))
            .collect(),
    )
}

/// Applies the `MEMSIM__` environment variables among `vars`: `__` separates the levels
/// (`MEMSIM__Gc__Heap_Hard_Limit=2Gi` is `gc.heap_hard_limit`), names are case-insensitive, and
/// `MEMSIM__Flink__…` sets a Flink option.
pub fn apply_env(config: &mut Config, vars: &[(String, String)]) -> Result<(), ScenarioError> {
    let entries = env_layer(vars.iter().cloned(), ENV_PREFIX);
    apply_flat(
        config,
        entries
            .into_iter()
            .map(|(k, v, name)| (k, v, Source::Env { name }))
            .collect(),
    )
}

/// `(array key, index, field)` when `key` addresses a field of one entry of an array of
/// tables: `workload.lifetimes.0.fraction`.
fn table_field(key: &str) -> Option<(&'static str, usize, String)> {
    KEYS.iter()
        .filter(|k| matches!(k.kind, Kind::Tables(_)))
        .find_map(|k| {
            let rest = key.strip_prefix(k.key)?.strip_prefix('.')?;
            let (index, field) = rest.split_once('.')?;
            let index = index.parse().ok()?;
            (!field.is_empty()).then(|| (k.key, index, field.to_string()))
        })
}

/// The source of a whole array rebuilt from its flattened fields: the JSON path of the array.
fn array_source(source: &Source, index: usize) -> Source {
    match source {
        Source::AppSettings { path, json_path } => {
            let cut = json_path
                .rfind(&format!("[{index}]"))
                .unwrap_or(json_path.len());
            Source::AppSettings {
                path: path.clone(),
                json_path: json_path[..cut].to_string(),
            }
        }
        other => other.clone(),
    }
}

/// A value as TOML: numbers and booleans as written, anything else as a string.
fn toml_literal(text: &str) -> String {
    let t = text.trim();
    let scalar = matches!(t, "true" | "false") || t.parse::<f64>().is_ok_and(f64::is_finite);
    if scalar {
        t.to_string()
    } else {
        format!("{text:?}")
    }
}

/// Applies flattened `(dotted key, text, source)` entries of one layer: scenario keys, Flink
/// options (`flink.…`), and arrays of tables given field by field (`job.vertices.0.name`),
/// which replace the whole array of the layers below.
fn apply_flat(
    config: &mut Config,
    entries: Vec<(String, String, Source)>,
) -> Result<(), ScenarioError> {
    let mut flink = Vec::new();
    type Items = BTreeMap<usize, BTreeMap<String, String>>;
    let mut arrays: BTreeMap<&'static str, (Source, Items)> = BTreeMap::new();
    for (key, value, source) in entries {
        if let Some(name) = flink_name(&key) {
            flink.push(FlinkInput {
                name: name.to_string(),
                value,
                source,
            });
        } else if let Some((array, index, field)) = table_field(&key) {
            let slot = arrays
                .entry(array)
                .or_insert_with(|| (array_source(&source, index), BTreeMap::new()));
            slot.1.entry(index).or_default().insert(field, value);
        } else {
            apply_value(config, &key, &value, source)?;
        }
    }
    for (array, (source, items)) in arrays {
        let tables: Vec<String> = items
            .values()
            .map(|fields| {
                let inner: Vec<String> = fields
                    .iter()
                    .map(|(f, v)| format!("{f:?} = {}", toml_literal(v)))
                    .collect();
                format!("{{ {} }}", inner.join(", "))
            })
            .collect();
        apply_value(config, array, &format!("[{}]", tables.join(", ")), source)?;
    }
    apply_flink_layer(config, flink, Unknown::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
        vars.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn source_of(c: &Config, key: &str) -> String {
        c.entries[key].source.to_string()
    }

    #[test]
    fn env_nests_with_double_underscores() {
        let mut c = defaults();
        apply_env(
            &mut c,
            &env(&[
                ("MEMSIM__Pod__Limits__Memory", "3Gi"),
                ("memsim__gc__heap_hard_limit", "1Gi"),
                ("MEMSIM__Gc__Mode", "server"),
                ("MEMSIM__Flink__TaskManager__NumberOfTaskSlots", "4"),
                ("MEMSIM__Flink__taskmanager.memory.managed.fraction", "0.3"),
                ("MEMSIM__Workload__Lifetimes__0__Fraction", "0.1"),
                ("MEMSIM__Workload__Lifetimes__0__Mean", "1s"),
                ("MEMSIM__Workload__Lifetimes__1__Fraction", "0.01"),
                ("MEMSIM__Workload__Lifetimes__1__Long_Lived", "true"),
                ("OTHER__Pod__Limits__Memory", "1Gi"),
            ]),
        )
        .unwrap();
        assert_eq!(c.get("pod.limits.memory"), Some(&Value::Bytes(3 << 30)));
        assert_eq!(c.get("gc.heap_hard_limit"), Some(&Value::Bytes(1 << 30)));
        assert_eq!(c.get("gc.mode"), Some(&Value::Text("server".into())));
        assert_eq!(
            c.get("flink.taskmanager.numberOfTaskSlots"),
            Some(&Value::Int(4))
        );
        assert_eq!(
            c.get("flink.taskmanager.memory.managed.fraction"),
            Some(&Value::Text("0.3".into()))
        );
        match c.get("workload.lifetimes") {
            Some(Value::Tables(t)) => {
                assert_eq!(t.len(), 2);
                assert_eq!(t[0]["mean"], Value::Seconds(1.0));
                assert_eq!(t[1]["long_lived"], Value::Bool(true));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            source_of(&c, "pod.limits.memory"),
            "env MEMSIM__Pod__Limits__Memory"
        );
        let mut c = defaults();
        let e = apply_env(&mut c, &env(&[("MEMSIM__Pod__Limit__Memory", "1Gi")])).unwrap_err();
        assert_eq!(e.path, "env MEMSIM__Pod__Limit__Memory");
        assert!(e.problem.contains("pod.limits.memory"), "{e}");
        let e = apply_env(&mut c, &env(&[("MEMSIM__Pod__Limits__Memory", "1.5 Gi")])).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("pod.limits.memory"));
    }

    const APPSETTINGS: &str = r#"{
        // Flink.NET's own section: Flink memory options; other settings are skipped.
        "FlinkDotNet": {
            "JobManager": { "Address": "jm:6123" },
            "TaskManager": { "Memory": { "Process": { "Size": "2g" } } },
            "taskmanager.memory.managed.fraction": "0.2"
        },
        "Memsim": {
            "Pod": { "Limits": { "Memory": "2Gi" } },
            "gc.concurrent": false,
            "Flink": { "taskmanager.memory.managed.fraction": "0.25" },
            "Job": {
                "Vertices": [ { "Name": "src", "Parallelism": 2 }, { "Name": "sink" } ],
                "Edges": [ { "From": "src", "To": "sink", "Exchange": "rebalance" } ]
            }
        }
    }"#;

    #[test]
    fn appsettings_sections_map_onto_keys() {
        let mut c = defaults();
        apply_appsettings(&mut c, APPSETTINGS, "appsettings.json").unwrap();
        assert_eq!(c.get("pod.limits.memory"), Some(&Value::Bytes(2 << 30)));
        assert_eq!(c.get("gc.concurrent"), Some(&Value::Bool(false)));
        assert_eq!(
            c.get("flink.taskmanager.memory.process.size"),
            Some(&Value::Bytes(2 << 30))
        );
        // Memsim:Flink wins over FlinkDotNet.
        assert_eq!(
            c.get("flink.taskmanager.memory.managed.fraction"),
            Some(&Value::Text("0.25".into()))
        );
        assert_eq!(
            source_of(&c, "pod.limits.memory"),
            "appsettings appsettings.json:$.Memsim.Pod.Limits.Memory"
        );
        assert_eq!(
            source_of(&c, "job.vertices"),
            "appsettings appsettings.json:$.Memsim.Job.Vertices"
        );
        let job = crate::config::job::job_graph(&c).unwrap().unwrap();
        assert_eq!(job.vertices.len(), 2);
        assert_eq!(job.vertices[0].parallelism, 2);
        let e = apply_appsettings(
            &mut c,
            r#"{"Memsim": {"Pod": {"Limits": {"Memory": "-1Gi"}}}}"#,
            "a.json",
        )
        .unwrap_err();
        assert!(e.path.starts_with("appsettings a.json:$.Memsim"), "{e}");
        assert!(e.problem.contains("negative"), "{e}");
        let e = apply_appsettings(&mut c, "{ \"Memsim\": ", "a.json").unwrap_err();
        assert_eq!(e.path, "a.json");
    }

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: tm
spec:
  template:
    spec:
      containers:
        - name: taskmanager
          resources:
            requests:
              memory: 1.5Gi
            limits:
              memory: 2000M
          env:
            - name: DOTNET_gcServer
              value: \"1\"
            - name: DOTNET_GCHeapHardLimitPercent
              value: \"0x4B\"
        - name: sidecar
          resources:
            limits:
              memory: 64Mi
";

    #[test]
    fn manifest_gives_pod_memory_and_gc_settings_with_yaml_paths() {
        let mut c = defaults();
        let pod = PodInput {
            container: Some("taskmanager".into()),
            ..PodInput::default()
        };
        apply_manifest(&mut c, DEPLOYMENT, "tm.yaml", &pod).unwrap();
        assert_eq!(
            c.get("pod.requests.memory"),
            Some(&Value::Bytes(1_610_612_736))
        );
        assert_eq!(
            c.get("pod.limits.memory"),
            Some(&Value::Bytes(2_000_000_000))
        );
        assert_eq!(c.get("gc.mode"), Some(&Value::Text("server".into())));
        assert_eq!(
            c.get("gc.heap_hard_limit_percent"),
            Some(&Value::Number(75.0))
        );
        assert_eq!(
            source_of(&c, "pod.limits.memory"),
            "manifest tm.yaml:spec.template.spec.containers[0].resources.limits.memory"
        );
        let mut c = defaults();
        let e = apply_manifest(&mut c, DEPLOYMENT, "tm.yaml", &PodInput::default()).unwrap_err();
        assert!(e.problem.contains("several containers"), "{e}");
        let pod = PodInput {
            container: Some("main".into()),
            ..PodInput::default()
        };
        let e = apply_manifest(&mut c, DEPLOYMENT, "tm.yaml", &pod).unwrap_err();
        assert!(e.problem.contains("no container named \"main\""), "{e}");
    }

    #[test]
    fn flinkdeployment_gives_the_process_size_and_flink_options() {
        let yaml = "\
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: fd
spec:
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: \"4\"
    taskmanager.memory.managed.fraction: \"0.2\"
    taskmanager.memory.process.size: \"1g\"
    parallelism.default: \"8\"
  jobManager:
    resource:
      memory: \"1600m\"
  taskManager:
    resource:
      memory: \"4g\"
";
        let mut c = defaults();
        apply_manifest(&mut c, yaml, "fd.yaml", &PodInput::default()).unwrap();
        assert_eq!(
            c.get("flink.taskmanager.memory.process.size"),
            Some(&Value::Bytes(4 << 30))
        );
        assert_eq!(
            c.get("flink.taskmanager.numberOfTaskSlots"),
            Some(&Value::Int(4))
        );
        assert_eq!(c.get("pod.limits.memory"), Some(&Value::Bytes(4 << 30)));
        let pod = PodInput {
            component: Some(ProcessKind::JobManager),
            ..PodInput::default()
        };
        let mut c = defaults();
        apply_manifest(&mut c, yaml, "fd.yaml", &pod).unwrap();
        assert_eq!(
            c.get("scenario.process"),
            Some(&Value::Text("jobmanager".into()))
        );
        assert_eq!(
            c.get("flink.jobmanager.memory.process.size"),
            Some(&Value::Bytes(1600 * MIB))
        );
        assert_eq!(c.get("pod.limits.memory"), Some(&Value::Bytes(1600 * MIB)));
    }

    #[test]
    fn each_layer_overrides_the_one_below() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("s.toml");
        std::fs::write(&scenario, "[pod]\nlimits.memory = \"1Gi\"\nrequests.memory = \"1Gi\"\n[gc]\nconserve_memory = 1\nheap_count = 1\ngen0_max_budget = \"1Mi\"\n").unwrap();
        let manifest = dir.path().join("pod.yaml");
        std::fs::write(
            &manifest,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      resources:\n        limits:\n          memory: 2Gi\n      env:\n        - name: DOTNET_GCConserveMemory\n          value: \"2\"\n        - name: DOTNET_GCHeapCount\n          value: \"2\"\n",
        )
        .unwrap();
        let appsettings = dir.path().join("appsettings.json");
        std::fs::write(
            &appsettings,
            r#"{"Memsim": {"Gc": {"Conserve_Memory": 3, "Heap_Count": 3}}}"#,
        )
        .unwrap();
        let inputs = ConfigInputs {
            scenario: Some(scenario.clone()),
            pod: Some(PodInput {
                path: manifest,
                ..PodInput::default()
            }),
            appsettings: Some(appsettings),
            env: env(&[("MEMSIM__Gc__Conserve_Memory", "4")]),
            sets: vec!["gc.conserve_memory=5".into()],
        };
        let c = read_layered(&inputs).unwrap().config;
        let shown = scenario.display().to_string();
        // default < file
        assert_eq!(c.get("gc.gen0_max_budget"), Some(&Value::Bytes(1 << 20)));
        assert_eq!(source_of(&c, "gc.gen0_max_budget"), format!("{shown}:7"));
        // file < manifest
        assert_eq!(c.get("pod.limits.memory"), Some(&Value::Bytes(2 << 30)));
        // No request in the manifest: Kubernetes makes it the limit.
        assert_eq!(c.get("pod.requests.memory"), Some(&Value::Bytes(2 << 30)));
        // manifest < appsettings
        assert_eq!(c.get("gc.heap_count"), Some(&Value::Int(3)));
        // appsettings < env < --set
        assert_eq!(c.get("gc.conserve_memory"), Some(&Value::Int(5)));
        assert_eq!(source_of(&c, "gc.conserve_memory"), "--set");
        let mut without_set = inputs.clone();
        without_set.sets.clear();
        let c = read_layered(&without_set).unwrap().config;
        assert_eq!(c.get("gc.conserve_memory"), Some(&Value::Int(4)));
        assert_eq!(
            source_of(&c, "gc.conserve_memory"),
            "env MEMSIM__Gc__Conserve_Memory"
        );
        assert_eq!(c.entries["gc.profile"].source, Source::Default);
    }
}
