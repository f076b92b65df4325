//! Kubernetes manifests: the memory request and limit of one container (bytes) and the .NET GC
//! settings in its environment, each with the document and YAML path it came from.
//!
//! Supported objects: Pod (`spec.containers`); Deployment, StatefulSet, DaemonSet, ReplicaSet
//! and Job (`spec.template.spec.containers`); CronJob
//! (`spec.jobTemplate.spec.template.spec.containers`); a `kind: List` of them; and the Flink
//! Kubernetes Operator's FlinkDeployment (see below). A file may hold several `---`-separated
//! documents.
//!
//! **Container choice.** A named container must exist; without a name, the only container is
//! used, else the one named by the pod's `kubectl.kubernetes.io/default-container` annotation
//! (as kubectl does); otherwise the error lists the names.
//!
//! **.NET GC environment.** `DOTNET_x` and `COMPlus_x` variables are read as .NET reads them:
//! knob names are case-insensitive, values are hexadecimal with an optional `0x`
//! (`DOTNET_GCHeapHardLimit=0x80000000` is 2 GiB; `=1073741824` means 0x1073741824 bytes),
//! `DOTNET_` wins over `COMPlus_`, and an empty `DOTNET_` value falls back to `COMPlus_`. Of two entries with
//! the same name the last wins, as in Kubernetes. Values that .NET would misread are errors
//! (not hexadecimal, out of range) or warnings (decimal-looking digits).
//!
//! **FlinkDeployment** (`flink.apache.org`, as the operator reads it at commit 6e9caeb4,
//! 2026-07). The caller picks the TaskManager or the JobManager. Its pod is the top-level
//! `spec.podTemplate` merged with `spec.taskManager.podTemplate` (or `jobManager`): maps merge
//! key by key, lists merge position by position, or by `name` when
//! `kubernetes.operator.pod-template.merge-arrays-by-name` is true. The main container is
//! `flink-main-container`. Its memory comes from Flink, not from the template: the process size
//! is `spec.<component>.resources` (request, else limit), else the deprecated
//! `spec.<component>.resource.memory`, else `<component>.memory.process.size` in
//! `spec.flinkConfiguration`. The operator parses these strings as Flink `MemorySize` first
//! (`2000m` and `2000M` are 2000 MiB, `2g` is 2 GiB) and only falls back to a Kubernetes
//! quantity (`2Gi`) when that fails; a fractional quantity such as `1.5Gi` is rejected by the
//! operator. Flink then sets the container request to the process size rounded down to whole
//! MiB and the limit to that many MiB times `kubernetes.<component>.memory.limit-factor`
//! (default 1; with `resources`, limit ÷ request), truncated. Environment variables from
//! `containerized.taskmanager.env.*` (`containerized.master.env.*` for the JobManager) in the
//! Flink configuration are added after the template's and win.

use crate::scenario::quantity::{
    FlinkSizeError, QuantityError, format_quantity, parse_flink_memory_size, parse_quantity,
};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use thiserror::Error;

/// The largest manifest read, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 8 << 20;
/// The name of the Flink main container in Flink pod templates.
pub const FLINK_MAIN_CONTAINER: &str = "flink-main-container";
/// The pod annotation that names the default container (used by kubectl).
pub const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

const MIB: u64 = 1 << 20;

/// The kinds of Kubernetes object a pod's resources can be read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` DaemonSet.
    DaemonSet,
    /// `apps/v1` ReplicaSet.
    ReplicaSet,
    /// `batch/v1` Job.
    Job,
    /// `batch/v1` CronJob.
    CronJob,
    /// `v1` Pod.
    Pod,
    /// The Flink Kubernetes Operator's `flink.apache.org` FlinkDeployment.
    FlinkDeployment,
}

impl ObjectKind {
    fn from_kind(kind: &str) -> Option<ObjectKind> {
        Some(match kind {
            "Deployment" => ObjectKind::Deployment,
            "StatefulSet" => ObjectKind::StatefulSet,
            "DaemonSet" => ObjectKind::DaemonSet,
            "ReplicaSet" => ObjectKind::ReplicaSet,
            "Job" => ObjectKind::Job,
            "CronJob" => ObjectKind::CronJob,
            "Pod" => ObjectKind::Pod,
            "FlinkDeployment" => ObjectKind::FlinkDeployment,
            _ => return None,
        })
    }

    /// The `kind` as written in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Deployment => "Deployment",
            ObjectKind::StatefulSet => "StatefulSet",
            ObjectKind::DaemonSet => "DaemonSet",
            ObjectKind::ReplicaSet => "ReplicaSet",
            ObjectKind::Job => "Job",
            ObjectKind::CronJob => "CronJob",
            ObjectKind::Pod => "Pod",
            ObjectKind::FlinkDeployment => "FlinkDeployment",
        }
    }

    /// The path of the pod spec inside the object (empty for a FlinkDeployment).
    fn pod_spec_path(self) -> &'static [&'static str] {
        match self {
            ObjectKind::Pod => &["spec"],
            ObjectKind::CronJob => &["spec", "jobTemplate", "spec", "template", "spec"],
            ObjectKind::FlinkDeployment => &[],
            _ => &["spec", "template", "spec"],
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which Flink process of a FlinkDeployment to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FlinkComponent {
    /// The TaskManager pods (`spec.taskManager`).
    #[default]
    TaskManager,
    /// The JobManager pods (`spec.jobManager`).
    JobManager,
}

impl FlinkComponent {
    fn spec_key(self) -> &'static str {
        match self {
            FlinkComponent::TaskManager => "taskManager",
            FlinkComponent::JobManager => "jobManager",
        }
    }

    fn config_prefix(self) -> &'static str {
        match self {
            FlinkComponent::TaskManager => "taskmanager",
            FlinkComponent::JobManager => "jobmanager",
        }
    }

    fn env_prefix(self) -> &'static str {
        match self {
            FlinkComponent::TaskManager => "containerized.taskmanager.env.",
            FlinkComponent::JobManager => "containerized.master.env.",
        }
    }
}

impl fmt::Display for FlinkComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FlinkComponent::TaskManager => "taskmanager",
            FlinkComponent::JobManager => "jobmanager",
        })
    }
}

/// What to read from a manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManifestSelector {
    /// The object's `metadata.name` (or `Kind/name`); needed only when the file holds several
    /// supported objects.
    pub object: Option<String>,
    /// The container name; `None` picks the only container, the annotated default container,
    /// or `flink-main-container` for a FlinkDeployment.
    pub container: Option<String>,
    /// For a FlinkDeployment: the TaskManager or the JobManager.
    pub component: FlinkComponent,
}

/// Where a value came from in the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// 0-based index of the document among the file's non-empty `---` documents.
    pub document: usize,
    /// YAML path from the document root, such as
    /// `spec.template.spec.containers[0].resources.limits.memory`.
    pub path: String,
    /// 1-based line of the value in the file (0 when unknown).
    pub line: u64,
    /// 1-based column of the value in the file (0 when unknown).
    pub column: u64,
    /// The text as written: the quantity, or `NAME=value` for an environment variable.
    pub raw: String,
    /// How the value was derived from the text, when that is not obvious.
    pub note: Option<String>,
}

impl fmt::Display for Origin {
    /// `document 1, spec.containers[0].resources.limits.memory (line 12, column 20)`; the
    /// document is counted from 1 here.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document {}, {}", self.document + 1, self.path)?;
        if self.line > 0 {
            write!(f, " (line {}, column {})", self.line, self.column)?;
        }
        Ok(())
    }
}

/// The .NET GC settings found in a container's environment (`DOTNET_`/`COMPlus_` variables).
/// `None` means the variable is not set (the runtime default applies).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcEnv {
    /// `gcServer`: Server GC (true) or Workstation GC (false).
    pub server: Option<bool>,
    /// `gcConcurrent`: background GC allowed.
    pub concurrent: Option<bool>,
    /// `GCHeapHardLimit`: the GC heap hard limit, bytes.
    pub heap_hard_limit: Option<u64>,
    /// `GCHeapHardLimitPercent`: the hard limit as a percentage (1–99) of the memory limit.
    pub heap_hard_limit_percent: Option<u32>,
    /// `GCgen0size`: the gen0 budget, bytes.
    pub gen0size: Option<u64>,
    /// `GCHeapCount`: number of Server GC heaps.
    pub heap_count: Option<u32>,
    /// `GCDynamicAdaptationMode`: 1 enables DATAS, 0 disables it.
    pub dynamic_adaptation_mode: Option<u32>,
    /// `GCConserveMemory`: 0–9, how hard the GC compacts to save memory.
    pub conserve_memory: Option<u32>,
}

/// The memory resources and .NET GC settings of one container of one object.
#[derive(Clone, Debug, PartialEq)]
pub struct PodResources {
    /// The object's kind.
    pub kind: ObjectKind,
    /// The object's `metadata.name`, if it has one.
    pub object_name: Option<String>,
    /// 0-based index of the object's document (non-empty documents only).
    pub document: usize,
    /// For a FlinkDeployment, the component read.
    pub component: Option<FlinkComponent>,
    /// The container read.
    pub container: String,
    /// `resources.requests.memory` as written, bytes (for a FlinkDeployment main container,
    /// the request Flink sets). See [`PodResources::effective_requests_memory`].
    pub requests_memory: Option<u64>,
    /// `resources.limits.memory`, bytes (for a FlinkDeployment main container, the limit Flink
    /// sets).
    pub limits_memory: Option<u64>,
    /// For a FlinkDeployment main container: Flink's total process memory
    /// (`<component>.memory.process.size`), bytes, before Flink rounds the pod request to MiB.
    pub process_memory: Option<u64>,
    /// For a FlinkDeployment main container: the factor Flink multiplies the request by to get
    /// the pod limit (`kubernetes.<component>.memory.limit-factor`, or limit ÷ request of
    /// `resources`; 1 when neither is set).
    pub limit_factor: Option<f64>,
    /// The .NET GC settings from the container's environment.
    pub gc: GcEnv,
    /// GC-related `DOTNET_`/`COMPlus_` variables that are set but not read into [`GcEnv`]
    /// (such as `DOTNET_GCHeapHardLimitSOH`), as written.
    pub unknown_gc_env: Vec<String>,
    /// Things that are legal but probably not what was meant.
    pub warnings: Vec<String>,
    /// Where each value came from, keyed by field: `requests_memory`, `limits_memory`,
    /// `process_memory`, and `gc.<field>` for the [`GcEnv`] fields (`gc.heap_hard_limit`, …).
    pub sources: BTreeMap<String, Origin>,
    /// For a FlinkDeployment: every entry of `spec.flinkConfiguration` (nested maps joined with
    /// dots) as `key → (value text, origin)`; empty for other objects.
    pub flink_configuration: BTreeMap<String, (String, Origin)>,
}

impl PodResources {
    /// Where a field's value came from (keys as in [`PodResources::sources`]).
    pub fn source(&self, field: &str) -> Option<&Origin> {
        self.sources.get(field)
    }

    /// The memory request Kubernetes applies: the request if set, else the limit (Kubernetes
    /// defaults a missing request to the limit), bytes.
    pub fn effective_requests_memory(&self) -> Option<u64> {
        self.requests_memory.or(self.limits_memory)
    }
}

/// Why a manifest cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The text is larger than [`MAX_MANIFEST_BYTES`].
    #[error("manifest is too large: {bytes} bytes (at most {max})", max = MAX_MANIFEST_BYTES)]
    TooLarge {
        /// The size of the text.
        bytes: usize,
    },
    /// The YAML is malformed, or exceeds the reader's limits (aliases, depth, size).
    #[error("manifest is not valid YAML (line {line}, column {column}): {message}")]
    Yaml {
        /// 1-based line (0 when unknown).
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// The parser's message.
        message: String,
    },
    /// No document holds a supported object.
    #[error(
        "no supported object in the manifest (memsim reads Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod and FlinkDeployment){}",
        found_list(found)
    )]
    NoSupportedObject {
        /// The objects that were found, as `Kind/name (document n)`.
        found: Vec<String>,
    },
    /// Several supported objects and none chosen.
    #[error(
        "the manifest holds several workloads: {}; choose one by name",
        candidates.join(", ")
    )]
    AmbiguousObject {
        /// The candidates, as `Kind/name (document n)`.
        candidates: Vec<String>,
    },
    /// The chosen object is not in the file.
    #[error("no workload named {name:?} in the manifest (found: {})", candidates.join(", "))]
    ObjectNotFound {
        /// The name asked for.
        name: String,
        /// The supported objects found, as `Kind/name (document n)`.
        candidates: Vec<String>,
    },
    /// The object's pod spec has no containers.
    #[error("{object} has no containers at {path}")]
    NoContainers {
        /// The object, as `Kind/name (document n)`.
        object: String,
        /// The YAML path where containers were expected.
        path: String,
    },
    /// The chosen container does not exist.
    #[error("{object} has no container named {container:?} (containers: {})", available.join(", "))]
    ContainerNotFound {
        /// The object, as `Kind/name (document n)`.
        object: String,
        /// The container asked for.
        container: String,
        /// The containers that exist.
        available: Vec<String>,
    },
    /// Several containers and none chosen.
    #[error(
        "{object} has several containers: {}; choose one by name, or set the {DEFAULT_CONTAINER_ANNOTATION} annotation",
        available.join(", ")
    )]
    AmbiguousContainer {
        /// The object, as `Kind/name (document n)`.
        object: String,
        /// The containers that exist.
        available: Vec<String>,
    },
    /// A memory value is not a valid Kubernetes quantity (or is negative).
    #[error("{origin}: {source}")]
    BadQuantity {
        /// Where the value is.
        origin: Box<Origin>,
        /// What is wrong with it.
        source: QuantityError,
    },
    /// A FlinkDeployment memory string the operator cannot use.
    #[error("{origin}: {problem}")]
    BadFlinkMemory {
        /// Where the value is.
        origin: Box<Origin>,
        /// What is wrong with it.
        problem: String,
    },
    /// A .NET GC environment variable whose value .NET would misread.
    #[error("{origin}: {variable}={value:?} {problem}")]
    BadEnv {
        /// Where the variable is.
        origin: Box<Origin>,
        /// The variable name as written.
        variable: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A field has the wrong shape (a list where a map is expected, …) or an invalid value.
    #[error("{origin}: {problem}")]
    BadField {
        /// Where the field is.
        origin: Box<Origin>,
        /// What is wrong with it.
        problem: String,
    },
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        "; the file holds no Kubernetes objects".to_string()
    } else {
        format!("; found: {}", found.join(", "))
    }
}

/// Reads the memory resources and .NET GC settings of one container of one object in a
/// Kubernetes manifest (YAML, possibly several `---` documents).
pub fn read_pod_resources(
    yaml: &str,
    selector: &ManifestSelector,
) -> Result<PodResources, ManifestError> {
    let documents = parse_documents(yaml)?;
    let objects = collect_objects(&documents);
    let object = choose_object(&objects, selector.object.as_deref())?;
    match object.kind {
        Some(ObjectKind::FlinkDeployment) => read_flink_deployment(object, selector),
        Some(kind) => read_workload(object, kind, selector),
        None => Err(ManifestError::NoSupportedObject {
            found: objects.iter().map(Candidate::describe).collect(),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// The YAML tree.

/// A YAML node with its position and its path from the document root.
#[derive(Clone, Debug)]
struct Node {
    value: Value,
    line: u64,
    column: u64,
    path: String,
}

#[derive(Clone, Debug)]
enum Value {
    Null,
    /// Scalar text (numbers and booleans as text) and whether it was a string.
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            value: spanned.value,
            line: spanned.referenced.line(),
            column: spanned.referenced.column(),
            path: String::new(),
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a YAML value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string(), false))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string(), false))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string(), false))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string(), false))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string(), false))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string(), false))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Scalar(v.to_string(), true))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
                Ok(Value::Scalar(v, true))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
                Ok(Value::Scalar(String::from_utf8_lossy(v).into_owned(), true))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Value, D2::Error> {
                Value::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Node>()? {
                    items.push(item);
                }
                Ok(Value::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<Node>()?;
                    entries.push((key, value));
                }
                Ok(Value::Map(entries))
            }
        }
        d.deserialize_any(ValueVisitor)
    }
}

impl Node {
    /// The child under `key` in a mapping; null children count as absent.
    fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .filter(|v| !matches!(v.value, Value::Null)),
            _ => None,
        }
    }

    fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, k| node.get(k))
    }

    fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    fn describe(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Scalar(_, true) => "a string",
            Value::Scalar(..) => "a number or boolean",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// `a.b`, `a["x.y"]`, `a[0]`.
fn child_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (parent.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{parent}.{key}"),
        (_, false) => format!("{parent}[{key:?}]"),
    }
}

/// Fills in every node's path.
fn annotate(node: &mut Node, path: String) {
    match &mut node.value {
        Value::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                let p = child_path(&path, k);
                annotate(v, p);
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                annotate(v, format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
    node.path = path;
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        with_snippet: false,
        strict_booleans: true,
        null_as_string: true,
        budget: serde_saphyr::budget! {
            max_events: 500_000,
            max_aliases: 10_000,
            max_anchors: 10_000,
            max_depth: 64,
            max_documents: 1_000,
            max_nodes: 250_000,
            max_total_scalar_bytes: MAX_MANIFEST_BYTES,
            max_merge_keys: 10_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 200_000,
            max_replay_stack_depth: 32,
            max_alias_expansions_per_anchor: 10_000,
        },
    }
}

/// Parses every non-empty document, within the size, alias and depth limits.
fn parse_documents(yaml: &str) -> Result<Vec<Node>, ManifestError> {
    if yaml.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::TooLarge { bytes: yaml.len() });
    }
    let mut docs: Vec<Node> = serde_saphyr::from_multiple_with_options(yaml, yaml_options())
        .map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            let mut message = e.to_string();
            // The position is reported separately.
            let tail = format!(" at line {line}, column {column}");
            if message.ends_with(&tail) {
                message.truncate(message.len() - tail.len());
            }
            ManifestError::Yaml {
                line,
                column,
                message,
            }
        })?;
    for d in &mut docs {
        annotate(d, String::new());
    }
    Ok(docs)
}

// ---------------------------------------------------------------------------------------------
// Objects.

struct Candidate<'a> {
    document: usize,
    node: &'a Node,
    kind_text: Option<String>,
    kind: Option<ObjectKind>,
    name: Option<String>,
}

impl Candidate<'_> {
    fn describe(&self) -> String {
        let kind = self.kind_text.as_deref().unwrap_or("(no kind)");
        let name = self.name.as_deref().unwrap_or("(unnamed)");
        format!("{kind}/{name} (document {})", self.document + 1)
    }

    fn origin(&self, node: &Node, raw: impl Into<String>) -> Origin {
        Origin {
            document: self.document,
            path: node.path.clone(),
            line: node.line,
            column: node.column,
            raw: raw.into(),
            note: None,
        }
    }

    fn bad_field(&self, node: &Node, problem: impl Into<String>) -> ManifestError {
        ManifestError::BadField {
            origin: Box::new(self.origin(node, node.text().unwrap_or_default())),
            problem: problem.into(),
        }
    }
}

fn collect_objects(documents: &[Node]) -> Vec<Candidate<'_>> {
    let mut out = Vec::new();
    for (i, doc) in documents.iter().enumerate() {
        let kind = doc.get("kind").and_then(Node::text);
        if kind == Some("List") {
            if let Some(Value::Seq(items)) = doc.get("items").map(|n| &n.value) {
                for item in items {
                    out.push(candidate(i, item));
                }
                continue;
            }
        }
        out.push(candidate(i, doc));
    }
    out
}

fn candidate(document: usize, node: &Node) -> Candidate<'_> {
    let kind_text = node.get("kind").and_then(Node::text).map(str::to_string);
    Candidate {
        document,
        node,
        kind: kind_text.as_deref().and_then(ObjectKind::from_kind),
        kind_text,
        name: node
            .get_path(&["metadata", "name"])
            .and_then(Node::text)
            .map(str::to_string),
    }
}

fn choose_object<'a, 'b>(
    objects: &'b [Candidate<'a>],
    wanted: Option<&str>,
) -> Result<&'b Candidate<'a>, ManifestError> {
    let supported: Vec<&Candidate> = objects.iter().filter(|c| c.kind.is_some()).collect();
    if supported.is_empty() {
        return Err(ManifestError::NoSupportedObject {
            found: objects.iter().map(Candidate::describe).collect(),
        });
    }
    let names = || supported.iter().map(|c| c.describe()).collect::<Vec<_>>();
    let matching: Vec<&Candidate> = match wanted {
        None => supported.clone(),
        Some(w) => supported
            .iter()
            .copied()
            .filter(|c| {
                let name = c.name.as_deref().unwrap_or_default();
                match w.split_once('/') {
                    Some((kind, n)) => {
                        n == name
                            && c.kind_text
                                .as_deref()
                                .is_some_and(|k| k.eq_ignore_ascii_case(kind))
                    }
                    None => w == name,
                }
            })
            .collect(),
    };
    match matching.as_slice() {
        [one] => Ok(one),
        [] => Err(ManifestError::ObjectNotFound {
            name: wanted.unwrap_or_default().to_string(),
            candidates: names(),
        }),
        _ => Err(ManifestError::AmbiguousObject {
            candidates: matching.iter().map(|c| c.describe()).collect(),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Plain workloads.

fn read_workload(
    object: &Candidate<'_>,
    kind: ObjectKind,
    selector: &ManifestSelector,
) -> Result<PodResources, ManifestError> {
    let spec_path = kind.pod_spec_path();
    let containers_path = format!("{}.containers", spec_path.join("."));
    let pod_spec = object.node.get_path(spec_path);
    let containers = match pod_spec.and_then(|s| s.get("containers")) {
        None => {
            return Err(ManifestError::NoContainers {
                object: object.describe(),
                path: containers_path,
            });
        }
        Some(node) => container_list(object, node)?,
    };
    if containers.is_empty() {
        return Err(ManifestError::NoContainers {
            object: object.describe(),
            path: containers_path,
        });
    }
    // The pod template's metadata sits next to its spec.
    let metadata_path: Vec<&str> = match spec_path.split_last() {
        Some((_, parent)) => parent.iter().copied().chain(["metadata"]).collect(),
        None => vec!["metadata"],
    };
    let annotation = object
        .node
        .get_path(&metadata_path)
        .and_then(|m| m.get_path(&["annotations", DEFAULT_CONTAINER_ANNOTATION]))
        .and_then(Node::text);
    let (name, container) = pick_container(
        object,
        &containers,
        selector.container.as_deref(),
        annotation,
    )?;

    let mut out = PodResources {
        kind,
        object_name: object.name.clone(),
        document: object.document,
        component: None,
        container: name,
        requests_memory: None,
        limits_memory: None,
        process_memory: None,
        limit_factor: None,
        gc: GcEnv::default(),
        unknown_gc_env: Vec::new(),
        warnings: Vec::new(),
        sources: BTreeMap::new(),
        flink_configuration: BTreeMap::new(),
    };
    read_container_memory(object, container, &mut out)?;
    let env = container_env(object, container, &mut out.warnings)?;
    apply_gc_env(&env, &mut out)?;
    Ok(out)
}

/// The containers of a pod spec as (name, node) pairs.
fn container_list<'n>(
    object: &Candidate<'_>,
    node: &'n Node,
) -> Result<Vec<(String, &'n Node)>, ManifestError> {
    let Value::Seq(items) = &node.value else {
        return Err(object.bad_field(
            node,
            format!("containers must be a list, found {}", node.describe()),
        ));
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if !matches!(item.value, Value::Map(_)) {
            return Err(object.bad_field(
                item,
                format!("a container must be a mapping, found {}", item.describe()),
            ));
        }
        let name = item
            .get("name")
            .and_then(Node::text)
            .map_or_else(|| format!("(unnamed container {i})"), str::to_string);
        out.push((name, item));
    }
    Ok(out)
}

fn pick_container<'n>(
    object: &Candidate<'_>,
    containers: &[(String, &'n Node)],
    wanted: Option<&str>,
    annotation: Option<&str>,
) -> Result<(String, &'n Node), ManifestError> {
    let available = || containers.iter().map(|(n, _)| n.clone()).collect();
    let find = |name: &str| {
        containers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(n, c)| (n.clone(), *c))
            .ok_or_else(|| ManifestError::ContainerNotFound {
                object: object.describe(),
                container: name.to_string(),
                available: available(),
            })
    };
    match (wanted, containers) {
        (Some(name), _) => find(name),
        (None, [(n, c)]) => Ok((n.clone(), *c)),
        (None, _) => match annotation {
            Some(name) => find(name),
            None => Err(ManifestError::AmbiguousContainer {
                object: object.describe(),
                available: available(),
            }),
        },
    }
}

/// Reads `resources.requests.memory` and `resources.limits.memory` of a container.
fn read_container_memory(
    object: &Candidate<'_>,
    container: &Node,
    out: &mut PodResources,
) -> Result<(), ManifestError> {
    for (field, key) in [("requests_memory", "requests"), ("limits_memory", "limits")] {
        let Some(node) = container.get_path(&["resources", key, "memory"]) else {
            continue;
        };
        let Some(raw) = node.text() else {
            return Err(object.bad_field(
                node,
                format!(
                    "a memory quantity must be a string such as \"4Gi\", found {}",
                    node.describe()
                ),
            ));
        };
        let origin = object.origin(node, raw);
        let q = parse_quantity(raw).map_err(|source| ManifestError::BadQuantity {
            origin: Box::new(origin.clone()),
            source,
        })?;
        if q.negative {
            return Err(ManifestError::BadQuantity {
                origin: Box::new(origin),
                source: QuantityError::Negative {
                    input: raw.to_string(),
                },
            });
        }
        if q.suffix == "m" || q.suffix == "u" || q.suffix == "n" {
            out.warnings.push(format!(
                "{origin}: memory {raw:?} uses the suffix {:?}, a fraction of a byte ({} bytes after rounding up); for megabytes write M or Mi",
                q.suffix, q.magnitude
            ));
        } else if q.is_unitless() && q.magnitude > 0 && q.magnitude < MIB {
            out.warnings.push(format!(
                "{origin}: memory {raw:?} has no unit and means {} bytes; write Mi or Gi for mebibytes or gibibytes",
                q.magnitude
            ));
        }
        let value = q.magnitude;
        if field == "requests_memory" {
            out.requests_memory = Some(value);
        } else {
            out.limits_memory = Some(value);
        }
        out.sources.insert(field.to_string(), origin);
    }
    if let (Some(req), Some(lim)) = (out.requests_memory, out.limits_memory) {
        if req > lim {
            let origin = out.sources.get("requests_memory").cloned();
            if let Some(origin) = origin {
                return Err(ManifestError::BadField {
                    origin: Box::new(origin),
                    problem: format!(
                        "the memory request ({}) is larger than the limit ({}); Kubernetes rejects such a pod",
                        format_quantity(req),
                        format_quantity(lim)
                    ),
                });
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Environment and .NET GC settings.

/// One environment variable as the container will see it.
struct EnvEntry {
    name: String,
    value: EnvValue,
    origin: Origin,
}

enum EnvValue {
    Text(String),
    /// A YAML number or boolean (Kubernetes requires strings).
    NotString(String),
    /// `valueFrom`: known only at run time.
    FromRef,
}

fn container_env(
    object: &Candidate<'_>,
    container: &Node,
    warnings: &mut Vec<String>,
) -> Result<Vec<EnvEntry>, ManifestError> {
    let mut out = Vec::new();
    if let Some(env_from) = container.get("envFrom") {
        if is_dotnet_relevant_env_from(env_from) {
            warnings.push(format!(
                "{}: envFrom is not resolved; DOTNET_/COMPlus_ variables from ConfigMaps or Secrets are not seen",
                object.origin(env_from, "")
            ));
        }
    }
    let Some(env) = container.get("env") else {
        return Ok(out);
    };
    let Value::Seq(items) = &env.value else {
        return Err(object.bad_field(env, format!("env must be a list, found {}", env.describe())));
    };
    for item in items {
        let Some(name) = item.get("name").and_then(Node::text) else {
            return Err(object.bad_field(item, "an env entry needs a name"));
        };
        let (value, at) = match (item.get("value"), item.get("valueFrom")) {
            (Some(v), _) => match &v.value {
                Value::Scalar(s, true) => (EnvValue::Text(s.clone()), v),
                Value::Scalar(s, false) => (EnvValue::NotString(s.clone()), v),
                _ => {
                    return Err(object.bad_field(
                        v,
                        format!(
                            "the value of {name} must be a string, found {}",
                            v.describe()
                        ),
                    ));
                }
            },
            (None, Some(from)) => (EnvValue::FromRef, from),
            (None, None) => (EnvValue::Text(String::new()), item),
        };
        let raw = match &value {
            EnvValue::Text(s) | EnvValue::NotString(s) => format!("{name}={s}"),
            EnvValue::FromRef => format!("{name} (valueFrom)"),
        };
        out.push(EnvEntry {
            name: name.to_string(),
            value,
            origin: object.origin(at, raw),
        });
    }
    Ok(out)
}

/// envFrom is always worth a warning: it may hold DOTNET_ settings nobody can see here.
fn is_dotnet_relevant_env_from(node: &Node) -> bool {
    matches!(&node.value, Value::Seq(items) if !items.is_empty())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Knob {
    Server,
    Concurrent,
    HeapHardLimit,
    HeapHardLimitPercent,
    Gen0Size,
    HeapCount,
    DynamicAdaptationMode,
    ConserveMemory,
}

/// (lower-case knob name, knob, field name).
const KNOBS: [(&str, Knob, &str); 8] = [
    ("gcserver", Knob::Server, "server"),
    ("gcconcurrent", Knob::Concurrent, "concurrent"),
    ("gcheaphardlimit", Knob::HeapHardLimit, "heap_hard_limit"),
    (
        "gcheaphardlimitpercent",
        Knob::HeapHardLimitPercent,
        "heap_hard_limit_percent",
    ),
    ("gcgen0size", Knob::Gen0Size, "gen0size"),
    ("gcheapcount", Knob::HeapCount, "heap_count"),
    (
        "gcdynamicadaptationmode",
        Knob::DynamicAdaptationMode,
        "dynamic_adaptation_mode",
    ),
    ("gcconservememory", Knob::ConserveMemory, "conserve_memory"),
];

/// Splits `DOTNET_gcServer` into (prefix rank, lower-case knob): 0 for `DOTNET_`, 1 for
/// `COMPlus_` (prefixes compared case-insensitively).
fn dotnet_knob(name: &str) -> Option<(u8, String)> {
    let lower = name.to_ascii_lowercase();
    if let Some(k) = lower.strip_prefix("dotnet_") {
        return Some((0, k.to_string()));
    }
    lower.strip_prefix("complus_").map(|k| (1, k.to_string()))
}

fn apply_gc_env(env: &[EnvEntry], out: &mut PodResources) -> Result<(), ManifestError> {
    // Unknown GC knobs, in order of appearance.
    for e in env {
        if let Some((_, knob)) = dotnet_knob(&e.name) {
            let known = KNOBS.iter().any(|(k, _, _)| *k == knob);
            if !known && knob.starts_with("gc") && !out.unknown_gc_env.contains(&e.name) {
                out.unknown_gc_env.push(e.name.clone());
            }
        }
    }
    for (knob_name, knob, field) in KNOBS {
        // The last entry per prefix wins, as Kubernetes keeps the last of duplicate names.
        let mut chosen: [Option<&EnvEntry>; 2] = [None, None];
        for e in env {
            if let Some((rank, k)) = dotnet_knob(&e.name) {
                if k == knob_name {
                    if let Some(prev) = chosen[rank as usize] {
                        if prev.name != e.name {
                            out.warnings.push(format!(
                                "{}: {} and {} are both set; .NET knob names are case-insensitive, so the later one is used here",
                                e.origin, prev.name, e.name
                            ));
                        }
                    }
                    chosen[rank as usize] = Some(e);
                }
            }
        }
        let is_empty = |e: &EnvEntry| matches!(&e.value, EnvValue::Text(s) if s.is_empty());
        // DOTNET_ wins over COMPlus_; an empty DOTNET_ value falls back to COMPlus_.
        let (winner, loser) = match chosen {
            [Some(d), c] if !is_empty(d) => (Some(d), c),
            [_, Some(c)] if !is_empty(c) => (Some(c), None),
            _ => (None, None),
        };
        let Some(entry) = winner else {
            continue;
        };
        let raw = match &entry.value {
            EnvValue::Text(s) => s.as_str(),
            EnvValue::NotString(s) => {
                return Err(ManifestError::BadEnv {
                    origin: Box::new(entry.origin.clone()),
                    variable: entry.name.clone(),
                    value: s.clone(),
                    problem: format!(
                        "is a YAML number or boolean; Kubernetes requires env values to be strings: write \"{s}\" in quotes (and .NET reads it as hexadecimal)"
                    ),
                });
            }
            EnvValue::FromRef => {
                out.warnings.push(format!(
                    "{}: {} comes from valueFrom (a ConfigMap, Secret or field) and cannot be read from the manifest; it is treated as unset",
                    entry.origin, entry.name
                ));
                continue;
            }
        };
        let mut origin = entry.origin.clone();
        if let Some(l) = loser {
            origin.note = Some(format!("{} wins over {}", entry.name, l.name));
        }
        let bad = |problem: String| ManifestError::BadEnv {
            origin: Box::new(entry.origin.clone()),
            variable: entry.name.clone(),
            value: raw.to_string(),
            problem,
        };
        let value = parse_hex(raw).map_err(&bad)?;
        if let Some(decimal) = decimal_reading(raw) {
            if decimal != value {
                out.warnings.push(format!(
                    "{}: {}={raw} is read by .NET as hexadecimal 0x{} = {value}{}, not {decimal}; write 0x{decimal:X} for {decimal}",
                    entry.origin,
                    entry.name,
                    raw.trim(),
                    unit_suffix(knob, value)
                ));
            }
        }
        let dword = |v: u64| {
            u32::try_from(v).map_err(|_| {
                bad(format!(
                    "is 0x{v:X}, beyond the 32-bit range .NET reads for this setting"
                ))
            })
        };
        let gc = &mut out.gc;
        match knob {
            Knob::Server => gc.server = Some(value != 0),
            Knob::Concurrent => gc.concurrent = Some(value != 0),
            Knob::HeapHardLimit => gc.heap_hard_limit = Some(value),
            Knob::Gen0Size => gc.gen0size = Some(value),
            Knob::HeapCount => gc.heap_count = Some(dword(value)?),
            Knob::DynamicAdaptationMode => gc.dynamic_adaptation_mode = Some(dword(value)?),
            Knob::ConserveMemory => {
                let v = dword(value)?;
                if v > 9 {
                    out.warnings.push(format!(
                        "{}: {}={raw} is {v}; .NET accepts 0 to 9 and treats larger values as 9",
                        entry.origin, entry.name
                    ));
                }
                gc.conserve_memory = Some(v);
            }
            Knob::HeapHardLimitPercent => {
                let v = dword(value)?;
                if !(1..=99).contains(&v) {
                    let hint = decimal_reading(raw)
                        .filter(|d| (1..=99).contains(d))
                        .map(|d| format!("; for {d} % write 0x{d:X}"))
                        .unwrap_or_default();
                    return Err(bad(format!(
                        "is {v} % (hexadecimal 0x{v:X}); .NET ignores percentages outside 1 to 99{hint}"
                    )));
                }
                gc.heap_hard_limit_percent = Some(v);
            }
        }
        out.sources.insert(format!("gc.{field}"), origin);
    }
    Ok(())
}

fn unit_suffix(knob: Knob, value: u64) -> String {
    match knob {
        Knob::HeapHardLimit | Knob::Gen0Size => format!(" bytes ({})", format_quantity(value)),
        Knob::HeapHardLimitPercent => " %".to_string(),
        _ => String::new(),
    }
}

/// The value of a string of decimal digits without `0x`, when it differs in meaning from hex.
fn decimal_reading(raw: &str) -> Option<u64> {
    let t = raw.trim();
    if t.len() >= 2 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().ok()
    } else {
        None
    }
}

/// Reads a .NET configuration value: hexadecimal with an optional `0x`, surrounding whitespace
/// ignored. The error says what .NET itself would make of the text.
fn parse_hex(raw: &str) -> Result<u64, String> {
    let t = raw.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        let significant = digits.trim_start_matches('0');
        if significant.len() > 16 {
            return Err("does not fit in 64 bits".to_string());
        }
        return u64::from_str_radix(digits, 16).map_err(|_| "does not fit in 64 bits".to_string());
    }
    // .NET stops at the first character that is not a hex digit.
    let prefix: String = digits.chars().take_while(char::is_ascii_hexdigit).collect();
    let dotnet = if prefix.is_empty() {
        ".NET would ignore it and use the default".to_string()
    } else {
        match u64::from_str_radix(&prefix, 16) {
            Ok(v) => format!(".NET would read only the leading \"{prefix}\" = {v}"),
            Err(_) => ".NET would read only its leading hex digits".to_string(),
        }
    };
    Err(format!(
        "is not a hexadecimal number (.NET reads DOTNET_/COMPlus_ GC settings as hex with an optional 0x, such as 0x80000000 for 2 GiB, 1 or 0 for on or off); {dotnet}"
    ))
}

// ---------------------------------------------------------------------------------------------
// FlinkDeployment.

fn read_flink_deployment(
    object: &Candidate<'_>,
    selector: &ManifestSelector,
) -> Result<PodResources, ManifestError> {
    let component = selector.component;
    let spec = object.node.get("spec");
    let comp = spec.and_then(|s| s.get(component.spec_key()));
    let config = flink_configuration(object, spec)?;
    let config_text = |key: &str| config.get(key).map(|(v, n)| (v.as_str(), *n));

    let by_name = config_text("kubernetes.operator.pod-template.merge-arrays-by-name")
        .is_some_and(|(v, _)| v.trim().eq_ignore_ascii_case("true"));
    let common = spec.and_then(|s| s.get("podTemplate"));
    let own = comp.and_then(|c| c.get("podTemplate"));
    let merged = match (common, own) {
        (None, None) => None,
        (Some(t), None) | (None, Some(t)) => Some(t.clone()),
        (Some(c), Some(o)) => {
            let mut m = c.clone();
            merge_into(&mut m, o, by_name);
            Some(m)
        }
    };
    let template_containers = match merged
        .as_ref()
        .and_then(|m| m.get_path(&["spec", "containers"]))
    {
        Some(node) => container_list(object, node)?,
        None => Vec::new(),
    };
    let wanted = selector
        .container
        .as_deref()
        .unwrap_or(FLINK_MAIN_CONTAINER);
    let main_in_template = template_containers
        .iter()
        .find(|(n, _)| n == wanted)
        .map(|(_, c)| *c);

    let mut out = PodResources {
        kind: ObjectKind::FlinkDeployment,
        object_name: object.name.clone(),
        document: object.document,
        component: Some(component),
        container: wanted.to_string(),
        requests_memory: None,
        limits_memory: None,
        process_memory: None,
        limit_factor: None,
        gc: GcEnv::default(),
        unknown_gc_env: Vec::new(),
        warnings: Vec::new(),
        sources: BTreeMap::new(),
        flink_configuration: config
            .iter()
            .map(|(k, (v, node))| (k.clone(), (v.clone(), object.origin(node, v.as_str()))))
            .collect(),
    };

    if wanted != FLINK_MAIN_CONTAINER {
        // A sidecar: Kubernetes semantics, nothing from Flink.
        let Some(container) = main_in_template else {
            let mut available = vec![FLINK_MAIN_CONTAINER.to_string()];
            available.extend(
                template_containers
                    .iter()
                    .map(|(n, _)| n.clone())
                    .filter(|n| n != FLINK_MAIN_CONTAINER),
            );
            return Err(ManifestError::ContainerNotFound {
                object: format!("{} ({component})", object.describe()),
                container: wanted.to_string(),
                available,
            });
        };
        read_container_memory(object, container, &mut out)?;
        let env = container_env(object, container, &mut out.warnings)?;
        apply_gc_env(&env, &mut out)?;
        return Ok(out);
    }

    if main_in_template.is_none() && merged.is_some() {
        let named_main = |t: Option<&Node>| {
            t.and_then(|t| t.get_path(&["spec", "containers"]))
                .is_some_and(|c| match &c.value {
                    Value::Seq(items) => items
                        .iter()
                        .any(|i| i.get("name").and_then(Node::text) == Some(FLINK_MAIN_CONTAINER)),
                    _ => false,
                })
        };
        if named_main(common) || named_main(own) {
            out.warnings.push(format!(
                "{}: the pod templates name {FLINK_MAIN_CONTAINER}, but merging their container lists position by position renamed it, so Flink starts a fresh main container without the template's settings; set kubernetes.operator.pod-template.merge-arrays-by-name: \"true\" in flinkConfiguration to merge by name",
                object.describe()
            ));
        }
    }

    read_flink_memory(object, comp, component, &config, &mut out)?;

    let mut env = match main_in_template {
        Some(container) => container_env(object, container, &mut out.warnings)?,
        None => Vec::new(),
    };
    // Flink adds containerized.*.env.* after the template's variables; the later entry wins.
    for (key, (value, node)) in &config {
        if let Some(name) = key.strip_prefix(component.env_prefix()) {
            if !name.is_empty() {
                env.push(EnvEntry {
                    name: name.to_string(),
                    value: EnvValue::Text(value.clone()),
                    origin: object.origin(node, format!("{name}={value}")),
                });
            }
        }
    }
    apply_gc_env(&env, &mut out)?;
    Ok(out)
}

/// `spec.flinkConfiguration` flattened to `key → (text, node)`; nested maps join with dots.
fn flink_configuration<'n>(
    object: &Candidate<'_>,
    spec: Option<&'n Node>,
) -> Result<BTreeMap<String, (String, &'n Node)>, ManifestError> {
    let mut out = BTreeMap::new();
    let Some(conf) = spec.and_then(|s| s.get("flinkConfiguration")) else {
        return Ok(out);
    };
    if !matches!(conf.value, Value::Map(_)) {
        return Err(object.bad_field(
            conf,
            format!(
                "flinkConfiguration must be a mapping, found {}",
                conf.describe()
            ),
        ));
    }
    fn walk<'n>(prefix: &str, node: &'n Node, out: &mut BTreeMap<String, (String, &'n Node)>) {
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            Value::Scalar(s, _) => {
                out.insert(prefix.to_string(), (s.clone(), node));
            }
            _ => {}
        }
    }
    walk("", conf, &mut out);
    Ok(out)
}

/// The process size, pod request and pod limit of a Flink main container.
fn read_flink_memory(
    object: &Candidate<'_>,
    comp: Option<&Node>,
    component: FlinkComponent,
    config: &BTreeMap<String, (String, &Node)>,
    out: &mut PodResources,
) -> Result<(), ManifestError> {
    let process_key = format!("{}.memory.process.size", component.config_prefix());
    let factor_key = format!(
        "kubernetes.{}.memory.limit-factor",
        component.config_prefix()
    );
    let resources = comp.and_then(|c| c.get("resources"));
    let has_requirements = resources.is_some_and(|r| {
        ["requests", "limits"]
            .iter()
            .any(|k| matches!(r.get(k).map(|n| &n.value), Some(Value::Map(m)) if !m.is_empty()))
    });
    let deprecated = comp.and_then(|c| c.get_path(&["resource", "memory"]));
    let mut factor: Option<(f64, Origin)> = None;

    // (bytes, origin) of the process size.
    let process: Option<(u64, Origin)> = if has_requirements {
        if let Some(d) = deprecated {
            out.warnings.push(format!(
                "{}: the deprecated resource field is ignored because resources is set",
                object.origin(d, d.text().unwrap_or_default())
            ));
        }
        let request = resources.and_then(|r| r.get_path(&["requests", "memory"]));
        let limit = resources.and_then(|r| r.get_path(&["limits", "memory"]));
        if let (Some(req), Some(lim)) = (request, limit) {
            // The operator sets the limit factor to limit ÷ request (Kubernetes values).
            let r = k8s_number(object, req)?;
            let l = k8s_number(object, lim)?;
            if r > 0.0 {
                let mut origin = object.origin(lim, lim.text().unwrap_or_default());
                origin.note = Some(format!(
                    "limit factor = limits.memory ÷ requests.memory = {}",
                    l / r
                ));
                factor = Some((l / r, origin));
            }
        }
        match request.or(limit) {
            Some(node) => Some(operator_memory(object, node)?),
            None => None,
        }
    } else if let Some(node) = deprecated {
        Some(operator_memory(object, node)?)
    } else if let Some((text, node)) = config.get(&process_key) {
        let bytes = parse_flink_memory_size(text).map_err(|e| ManifestError::BadFlinkMemory {
            origin: Box::new(object.origin(node, text.as_str())),
            problem: e.to_string(),
        })?;
        let mut origin = object.origin(node, text.as_str());
        origin.note = Some(format!("Flink MemorySize {text} = {bytes} bytes"));
        Some((bytes, origin))
    } else {
        None
    };
    if has_requirements || deprecated.is_some() {
        if let Some((text, node)) = config.get(&process_key) {
            out.warnings.push(format!(
                "{}: {process_key}: {text} in flinkConfiguration is replaced by the operator with the {component} resources",
                object.origin(node, text.as_str())
            ));
        }
    }
    let Some((bytes, origin)) = process else {
        out.warnings.push(format!(
            "{}: no memory is set for the {component} (resources, resource.memory or {process_key}); the pod request and limit are unknown",
            object.describe()
        ));
        return Ok(());
    };

    if factor.is_none() {
        if let Some((text, node)) = config.get(&factor_key) {
            let origin = object.origin(node, text.as_str());
            let f: f64 = text.trim().parse().map_err(|_| ManifestError::BadField {
                origin: Box::new(origin.clone()),
                problem: format!("{factor_key} must be a number such as 1.5, found {text:?}"),
            })?;
            factor = Some((f, origin));
        }
    }
    let (factor, factor_origin) = match factor {
        Some((f, o)) => (f, Some(o)),
        None => (1.0, None),
    };
    if !(factor.is_finite() && factor >= 1.0) {
        let origin = factor_origin.unwrap_or_else(|| origin.clone());
        return Err(ManifestError::BadField {
            origin: Box::new(origin),
            problem: format!("the memory limit factor is {factor}; Flink requires at least 1"),
        });
    }
    let request_mib = bytes / MIB;
    // Java's (int)(mib × factor): truncation toward zero, saturating at i32::MAX.
    let limit_mib = ((request_mib as f64 * factor).trunc() as u64).min(i32::MAX as u64);
    out.process_memory = Some(bytes);
    out.limit_factor = Some(factor);
    out.requests_memory = Some(request_mib * MIB);
    out.limits_memory = Some(limit_mib.saturating_mul(MIB));
    let mut req_origin = origin.clone();
    req_origin.note = Some(format!(
        "Flink sets the pod request to the process size in whole MiB: {request_mib}Mi"
    ));
    let mut lim_origin = factor_origin.clone().unwrap_or_else(|| origin.clone());
    lim_origin.note = Some(format!(
        "Flink sets the pod limit to {request_mib} MiB × limit factor {factor}, truncated: {limit_mib}Mi"
    ));
    if bytes % MIB != 0 {
        out.warnings.push(format!(
            "{origin}: the {component} process size {bytes} bytes is not a whole number of MiB; Flink requests {request_mib}Mi = {} bytes for the pod",
            request_mib * MIB
        ));
    }
    out.sources.insert("process_memory".to_string(), origin);
    out.sources
        .insert("requests_memory".to_string(), req_origin);
    out.sources.insert("limits_memory".to_string(), lim_origin);
    Ok(())
}

/// A Kubernetes quantity's value as a float (for the operator's limit ÷ request).
fn k8s_number(object: &Candidate<'_>, node: &Node) -> Result<f64, ManifestError> {
    let raw = node.text().unwrap_or_default();
    let q = parse_quantity(raw).map_err(|source| ManifestError::BadQuantity {
        origin: Box::new(object.origin(node, raw)),
        source,
    })?;
    Ok(q.value() as f64)
}

/// Parses a FlinkDeployment memory string as the operator does; returns bytes and an origin
/// whose note says which syntax applied.
fn operator_memory(object: &Candidate<'_>, node: &Node) -> Result<(u64, Origin), ManifestError> {
    let Some(raw) = node.text() else {
        return Err(object.bad_field(
            node,
            format!(
                "a memory size must be a string such as \"4g\" or \"4Gi\", found {}",
                node.describe()
            ),
        ));
    };
    let mut origin = object.origin(node, raw);
    match parse_operator_memory(raw) {
        Ok((bytes, note)) => {
            origin.note = Some(note);
            Ok((bytes, origin))
        }
        Err(problem) => Err(ManifestError::BadFlinkMemory {
            origin: Box::new(origin),
            problem,
        }),
    }
}

/// Parses a memory string the way the Flink Kubernetes Operator does for
/// `spec.taskManager.resource.memory` (and `resources`): Flink `MemorySize` first (binary
/// units: `2000m` is 2000 MiB), else, after removing whitespace, upper-casing, dropping a
/// trailing `B` and writing a trailing `I` as `i`, a Kubernetes quantity with an integral
/// value. Returns bytes and a note on which syntax applied.
pub fn parse_operator_memory(raw: &str) -> Result<(u64, String), String> {
    let flink_error = match parse_flink_memory_size(raw) {
        Ok(bytes) => {
            return Ok((
                bytes,
                format!("Flink MemorySize (binary units): {raw} = {bytes} bytes"),
            ));
        }
        Err(e) => e,
    };
    let mut normal: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if normal.ends_with('B') {
        normal.pop();
    }
    if normal.ends_with('I') {
        normal.pop();
        normal.push('i');
    }
    let q = match parse_quantity(&normal) {
        Ok(q) => q,
        Err(k8s_error) => {
            let flink = match flink_error {
                FlinkSizeError::UnknownUnit { unit, .. } => format!("unknown unit {unit:?}"),
                FlinkSizeError::NoNumber { .. } => "no leading whole number".to_string(),
                FlinkSizeError::TooLarge { .. } => "too large".to_string(),
                other => other.to_string(),
            };
            return Err(format!(
                "{raw:?} is neither a Flink memory size ({flink}; Flink units are b, k, m, g, t, all powers of 1024) nor a Kubernetes quantity ({k8s_error})"
            ));
        }
    };
    if q.negative {
        return Err(format!("{raw:?} is a negative size"));
    }
    if normal.contains('.') || !q.exact {
        let suggestion = if q.exact {
            format_quantity(q.magnitude)
        } else {
            format!("{} (rounded up)", format_quantity(q.magnitude))
        };
        return Err(format!(
            "{raw:?} is a fractional Kubernetes quantity; the Flink Kubernetes Operator turns it into a decimal byte count (such as \"1610612736.0\") that Flink cannot parse, so it rejects the deployment; write {suggestion}"
        ));
    }
    if q.magnitude > i64::MAX as u64 {
        return Err(format!("{raw:?} is too large for a Flink memory size"));
    }
    Ok((
        q.magnitude,
        format!(
            "not a Flink MemorySize, so read as the Kubernetes quantity {normal} = {} bytes",
            q.magnitude
        ),
    ))
}

/// Merges pod template `from` into `to` as the operator does: maps merge key by key; lists
/// merge position by position, or by `name` when `by_name` is set and every element has one;
/// other values are replaced. A map is never replaced by a non-map, and null values in `from`
/// are skipped (as absent fields are in the operator).
fn merge_into(to: &mut Node, from: &Node, by_name: bool) {
    let (Value::Map(to_entries), Value::Map(from_entries)) = (&mut to.value, &from.value) else {
        return;
    };
    for (key, from_child) in from_entries {
        if matches!(from_child.value, Value::Null) {
            continue;
        }
        match to_entries.iter_mut().rev().find(|(k, _)| k == key) {
            Some((_, to_child)) => match (&mut to_child.value, &from_child.value) {
                (Value::Seq(to_items), Value::Seq(from_items)) => {
                    merge_list(to_items, from_items, by_name);
                }
                (Value::Map(_), _) => merge_into(to_child, from_child, by_name),
                _ => *to_child = from_child.clone(),
            },
            None => to_entries.push((key.clone(), from_child.clone())),
        }
    }
}

fn merge_list(to: &mut Vec<Node>, from: &[Node], by_name: bool) {
    let name_of = |n: &Node| n.get("name").and_then(Node::text).map(str::to_string);
    if by_name
        && to.iter().all(|n| name_of(n).is_some())
        && from.iter().all(|n| name_of(n).is_some())
    {
        for f in from {
            let name = name_of(f);
            match to.iter_mut().find(|t| name_of(t) == name) {
                Some(t) => merge_into(t, f, by_name),
                None => to.push(f.clone()),
            }
        }
    } else {
        for (i, f) in from.iter().enumerate() {
            match to.get_mut(i) {
                Some(t) => merge_into(t, f, by_name),
                None => to.push(f.clone()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = include_str!("../../tests/data/manifests/deployment.yaml");
    const STATEFULSET: &str = include_str!("../../tests/data/manifests/statefulset.yaml");
    const POD: &str = include_str!("../../tests/data/manifests/pod.yaml");
    const FLINK: &str = include_str!("../../tests/data/manifests/flinkdeployment.yaml");
    const MULTI: &str = include_str!("../../tests/data/manifests/multi-document.yaml");

    const MI: u64 = 1 << 20;
    const GI: u64 = 1 << 30;

    fn select(object: Option<&str>, container: Option<&str>) -> ManifestSelector {
        ManifestSelector {
            object: object.map(str::to_string),
            container: container.map(str::to_string),
            component: FlinkComponent::TaskManager,
        }
    }

    fn read(yaml: &str, selector: &ManifestSelector) -> PodResources {
        read_pod_resources(yaml, selector).unwrap_or_else(|e| panic!("unexpected error: {e}"))
    }

    fn read_err(yaml: &str, selector: &ManifestSelector) -> ManifestError {
        match read_pod_resources(yaml, selector) {
            Ok(r) => panic!("expected an error, got {r:?}"),
            Err(e) => e,
        }
    }

    fn source<'a>(r: &'a PodResources, field: &str) -> &'a Origin {
        r.source(field)
            .unwrap_or_else(|| panic!("no source for {field}: {:?}", r.sources))
    }

    /// A one-container Pod with the given `resources` and `env` blocks (already indented).
    fn pod(resources: &str, env: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      resources:\n{resources}      env:\n{env}"
        )
    }

    fn env_pod(pairs: &[(&str, &str)]) -> String {
        let env: String = pairs
            .iter()
            .map(|(n, v)| format!("        - name: {n}\n          value: {v}\n"))
            .collect();
        pod("        limits:\n          memory: 1Gi\n", &env)
    }

    #[test]
    fn deployment_uses_the_annotated_default_container() {
        let r = read(DEPLOYMENT, &ManifestSelector::default());
        assert_eq!(r.kind, ObjectKind::Deployment);
        assert_eq!(r.object_name.as_deref(), Some("flink-dotnet-taskmanager"));
        assert_eq!(r.container, "taskmanager");
        assert_eq!(r.document, 0);
        assert_eq!(r.component, None);
        assert_eq!(r.requests_memory, Some(1_610_612_736));
        assert_eq!(r.limits_memory, Some(2_000_000_000));
        assert_eq!(r.process_memory, None);
        assert_eq!(
            r.gc,
            GcEnv {
                server: Some(true),
                concurrent: Some(false),
                heap_hard_limit: Some(0x5000_0000),
                heap_hard_limit_percent: None,
                gen0size: Some(64 * MI),
                heap_count: Some(4),
                dynamic_adaptation_mode: None,
                conserve_memory: None,
            }
        );
        assert_eq!(r.unknown_gc_env, vec!["DOTNET_GCRetainVM".to_string()]);

        let req = source(&r, "requests_memory");
        assert_eq!(
            req.path,
            "spec.template.spec.containers[0].resources.requests.memory"
        );
        assert_eq!((req.line, req.column), (28, 23));
        assert_eq!(req.raw, "1.5Gi");
        assert_eq!(
            req.to_string(),
            "document 1, spec.template.spec.containers[0].resources.requests.memory (line 28, column 23)"
        );
        let server = source(&r, "gc.server");
        assert_eq!(server.path, "spec.template.spec.containers[0].env[0].value");
        assert_eq!(server.raw, "DOTNET_gcServer=1");
        assert_eq!(
            server.note.as_deref(),
            Some("DOTNET_gcServer wins over COMPlus_gcServer")
        );
        // 4000000 without 0x is hexadecimal: a warning says so.
        assert!(
            r.warnings.iter().any(|w| w
                .contains("DOTNET_GCgen0size=4000000 is read by .NET as hexadecimal")
                && w.contains("write 0x3D0900 for 4000000")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn deployment_sidecar_by_name() {
        let r = read(DEPLOYMENT, &select(None, Some("metrics")));
        assert_eq!(r.container, "metrics");
        assert_eq!(r.requests_memory, Some(64 * MI));
        assert_eq!(r.limits_memory, Some(128 * MI));
        assert_eq!(r.gc, GcEnv::default());
        assert_eq!(
            source(&r, "limits_memory").path,
            "spec.template.spec.containers[1].resources.limits.memory"
        );
    }

    #[test]
    fn statefulset_with_complus_variables() {
        let r = read(STATEFULSET, &ManifestSelector::default());
        assert_eq!(r.kind, ObjectKind::StatefulSet);
        assert_eq!(r.container, "jobmanager");
        assert_eq!(r.requests_memory, Some(512 * MI));
        assert_eq!(r.limits_memory, Some(GI));
        assert_eq!(r.gc.heap_hard_limit_percent, Some(50));
        assert_eq!(r.gc.conserve_memory, Some(5));
        assert_eq!(r.gc.dynamic_adaptation_mode, Some(1));
        assert_eq!(r.gc.server, None);
        assert_eq!(
            source(&r, "gc.conserve_memory").raw,
            "complus_gcconservememory=5"
        );
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn pod_with_a_limit_only() {
        let r = read(POD, &ManifestSelector::default());
        assert_eq!(r.kind, ObjectKind::Pod);
        assert_eq!(r.requests_memory, None);
        assert_eq!(r.limits_memory, Some(4 * GI));
        assert_eq!(r.effective_requests_memory(), Some(4 * GI));
        assert_eq!(r.gc.server, Some(true));
        assert_eq!(r.gc.heap_hard_limit_percent, Some(75));
        assert_eq!(
            source(&r, "limits_memory").path,
            "spec.containers[0].resources.limits.memory"
        );
    }

    #[test]
    fn flink_deployment_taskmanager() {
        let r = read(FLINK, &ManifestSelector::default());
        assert_eq!(r.kind, ObjectKind::FlinkDeployment);
        assert_eq!(r.component, Some(FlinkComponent::TaskManager));
        assert_eq!(r.container, FLINK_MAIN_CONTAINER);
        // "4g" is Flink syntax: 4 GiB; the limit factor is 1.5.
        assert_eq!(r.process_memory, Some(4 * GI));
        assert_eq!(r.requests_memory, Some(4096 * MI));
        assert_eq!(r.limits_memory, Some(6144 * MI));
        assert_eq!(
            r.gc,
            GcEnv {
                server: Some(true),
                heap_hard_limit_percent: Some(80),
                heap_count: Some(2),
                gen0size: Some(32 * MI),
                ..GcEnv::default()
            }
        );
        assert_eq!(
            source(&r, "process_memory").path,
            "spec.taskManager.resource.memory"
        );
        assert_eq!(source(&r, "process_memory").raw, "4g");
        assert_eq!(
            source(&r, "limits_memory").path,
            "spec.flinkConfiguration[\"kubernetes.taskmanager.memory.limit-factor\"]"
        );
        // Merged by name: the TaskManager template overrides the common one.
        assert_eq!(
            source(&r, "gc.server").path,
            "spec.podTemplate.spec.containers[0].env[0].value"
        );
        assert_eq!(
            source(&r, "gc.heap_hard_limit_percent").path,
            "spec.taskManager.podTemplate.spec.containers[0].env[1].value"
        );
        assert_eq!(
            source(&r, "gc.gen0size").path,
            "spec.flinkConfiguration[\"containerized.taskmanager.env.DOTNET_GCgen0size\"]"
        );
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn flink_deployment_jobmanager() {
        let sel = ManifestSelector {
            component: FlinkComponent::JobManager,
            ..ManifestSelector::default()
        };
        let r = read(FLINK, &sel);
        assert_eq!(r.component, Some(FlinkComponent::JobManager));
        assert_eq!(r.process_memory, Some(2048 * MI));
        assert_eq!(r.requests_memory, Some(2048 * MI));
        assert_eq!(r.limits_memory, Some(2048 * MI));
        assert_eq!(r.gc.server, Some(true));
        assert_eq!(r.gc.heap_hard_limit_percent, Some(70));
        assert_eq!(r.gc.heap_count, None);
        assert_eq!(r.gc.gen0size, None);
        assert_eq!(
            source(&r, "requests_memory").path,
            "spec.jobManager.resource.memory"
        );
    }

    #[test]
    fn flink_deployment_sidecar_uses_kubernetes_semantics() {
        let r = read(FLINK, &select(None, Some("log-shipper")));
        assert_eq!(r.limits_memory, Some(100 * MI));
        assert_eq!(r.process_memory, None);
        let e = read_err(FLINK, &select(None, Some("nope")));
        assert!(matches!(e, ManifestError::ContainerNotFound { .. }));
        let m = e.to_string();
        assert!(m.contains("flink-main-container, log-shipper"), "{m}");
    }

    #[test]
    fn several_documents() {
        let e = read_err(MULTI, &ManifestSelector::default());
        assert_eq!(
            e,
            ManifestError::AmbiguousObject {
                candidates: vec![
                    "Deployment/analytics (document 3)".to_string(),
                    "Deployment/ingest (document 4)".to_string()
                ]
            }
        );
        let r = read(MULTI, &select(Some("ingest"), None));
        assert_eq!(r.document, 3);
        assert_eq!(r.requests_memory, Some(1_000_000_000));
        assert_eq!(r.limits_memory, Some(1_500_000_000));
        assert_eq!(r.gc.heap_hard_limit, Some(GI));
        assert_eq!(source(&r, "gc.heap_hard_limit").document, 3);
        let r = read(MULTI, &select(Some("Deployment/analytics"), None));
        assert_eq!(r.limits_memory, Some(3 * GI));
        assert!(
            r.warnings.iter().any(|w| w.contains("envFrom")),
            "{:?}",
            r.warnings
        );
        let e = read_err(MULTI, &select(Some("nope"), None));
        assert!(matches!(e, ManifestError::ObjectNotFound { .. }));
        assert!(
            e.to_string().contains("Deployment/analytics (document 3)"),
            "{e}"
        );
    }

    #[test]
    fn kind_list_and_cronjob() {
        let yaml = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: batch/v1\n    kind: CronJob\n    metadata: {name: nightly}\n    spec:\n      schedule: \"0 1 * * *\"\n      jobTemplate:\n        spec:\n          template:\n            spec:\n              containers:\n                - name: job\n                  resources: {limits: {memory: 768Mi}}\n";
        let r = read(yaml, &ManifestSelector::default());
        assert_eq!(r.kind, ObjectKind::CronJob);
        assert_eq!(r.limits_memory, Some(768 * MI));
        assert_eq!(
            source(&r, "limits_memory").path,
            "items[0].spec.jobTemplate.spec.template.spec.containers[0].resources.limits.memory"
        );
    }

    #[test]
    fn container_errors_list_the_names() {
        let e = read_err(DEPLOYMENT, &select(None, Some("jvm")));
        assert_eq!(
            e,
            ManifestError::ContainerNotFound {
                object: "Deployment/flink-dotnet-taskmanager (document 1)".to_string(),
                container: "jvm".to_string(),
                available: vec!["taskmanager".to_string(), "metrics".to_string()],
            }
        );
        assert_eq!(
            e.to_string(),
            "Deployment/flink-dotnet-taskmanager (document 1) has no container named \"jvm\" (containers: taskmanager, metrics)"
        );
        let two = "kind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n        - name: b\n";
        let e = read_err(two, &ManifestSelector::default());
        assert!(matches!(e, ManifestError::AmbiguousContainer { .. }));
        let m = e.to_string();
        assert!(
            m.contains("several containers: a, b") && m.contains(DEFAULT_CONTAINER_ANNOTATION),
            "{m}"
        );
        let none = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: []\n";
        assert!(matches!(
            read_err(none, &ManifestSelector::default()),
            ManifestError::NoContainers { .. }
        ));
    }

    #[test]
    fn bad_quantities_name_the_path_and_quote_the_value() {
        let yaml = pod(
            "        requests:\n          memory: 1Gi\n        limits:\n          memory: 1g\n",
            "        []\n",
        );
        let e = read_err(&yaml, &ManifestSelector::default());
        assert!(matches!(e, ManifestError::BadQuantity { .. }));
        assert_eq!(
            e.to_string(),
            "document 1, spec.containers[0].resources.limits.memory (line 12, column 19): \"1g\" is not a Kubernetes quantity: unknown suffix \"g\" (use k, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei; did you mean \"G\" or \"Gi\"?)"
        );
        let yaml = pod("        limits:\n          memory: -1Gi\n", "        []\n");
        let e = read_err(&yaml, &ManifestSelector::default());
        assert!(e.to_string().contains("negative size"), "{e}");
        let yaml = pod(
            "        limits:\n          memory: {a: 1}\n",
            "        []\n",
        );
        assert!(matches!(
            read_err(&yaml, &ManifestSelector::default()),
            ManifestError::BadField { .. }
        ));
        let yaml = pod(
            "        requests:\n          memory: 2Gi\n        limits:\n          memory: 1Gi\n",
            "        []\n",
        );
        let e = read_err(&yaml, &ManifestSelector::default());
        assert!(e.to_string().contains("larger than the limit"), "{e}");
    }

    #[test]
    fn quantities_as_yaml_numbers_and_odd_suffixes() {
        let yaml = pod(
            "        requests:\n          memory: 100m\n        limits:\n          memory: 1073741824\n",
            "        []\n",
        );
        let r = read(&yaml, &ManifestSelector::default());
        assert_eq!(r.requests_memory, Some(1));
        assert_eq!(r.limits_memory, Some(GI));
        assert!(
            r.warnings.iter().any(|w| w.contains("fraction of a byte")),
            "{:?}",
            r.warnings
        );
        let yaml = pod("        limits:\n          memory: 4096\n", "        []\n");
        let r = read(&yaml, &ManifestSelector::default());
        assert_eq!(r.limits_memory, Some(4096));
        assert!(
            r.warnings.iter().any(|w| w.contains("has no unit")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn hex_environment_values() {
        let r = read(
            &env_pod(&[
                ("DOTNET_GCHeapHardLimit", "\"0X40000000\""),
                ("DOTNET_gcserver", "\"0\""),
                ("DOTNET_GCHeapCount", "\" 0x10 \""),
                ("DOTNET_GCDynamicAdaptationMode", "\"0\""),
            ]),
            &ManifestSelector::default(),
        );
        assert_eq!(r.gc.heap_hard_limit, Some(GI));
        assert_eq!(r.gc.server, Some(false));
        assert_eq!(r.gc.heap_count, Some(16));
        assert_eq!(r.gc.dynamic_adaptation_mode, Some(0));

        let e = read_err(
            &env_pod(&[("DOTNET_GCHeapHardLimit", "\"2G\"")]),
            &ManifestSelector::default(),
        );
        let ManifestError::BadEnv {
            variable, value, ..
        } = &e
        else {
            panic!("{e:?}");
        };
        assert_eq!(
            (variable.as_str(), value.as_str()),
            ("DOTNET_GCHeapHardLimit", "2G")
        );
        let m = e.to_string();
        assert!(
            m.starts_with("document 1, spec.containers[0].env[0].value (line 13, column 18): DOTNET_GCHeapHardLimit=\"2G\" is not a hexadecimal number")
                && m.contains(".NET would read only the leading \"2\" = 2"),
            "{m}"
        );
        let e = read_err(
            &env_pod(&[("DOTNET_gcServer", "\"true\"")]),
            &ManifestSelector::default(),
        );
        assert!(
            e.to_string()
                .contains("DOTNET_gcServer=\"true\" is not a hexadecimal number"),
            "{e}"
        );
        let e = read_err(
            &env_pod(&[("COMPlus_GCHeapHardLimitPercent", "\"75\"")]),
            &ManifestSelector::default(),
        );
        let m = e.to_string();
        assert!(
            m.contains("is 117 %") && m.contains("for 75 % write 0x4B"),
            "{m}"
        );
        let e = read_err(
            &env_pod(&[("DOTNET_GCHeapCount", "\"100000000\"")]),
            &ManifestSelector::default(),
        );
        assert!(e.to_string().contains("32-bit"), "{e}");
        let e = read_err(
            &env_pod(&[("DOTNET_GCgen0size", "\"0x10000000000000000\"")]),
            &ManifestSelector::default(),
        );
        assert!(e.to_string().contains("64 bits"), "{e}");
        // Unquoted numbers are not strings in Kubernetes.
        let e = read_err(
            &env_pod(&[("DOTNET_gcServer", "1")]),
            &ManifestSelector::default(),
        );
        assert!(
            e.to_string().contains("requires env values to be strings"),
            "{e}"
        );
        // In range but decimal-looking: a warning.
        let r = read(
            &env_pod(&[("DOTNET_GCHeapHardLimitPercent", "\"50\"")]),
            &ManifestSelector::default(),
        );
        assert_eq!(r.gc.heap_hard_limit_percent, Some(80));
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("0x50 = 80 %") && w.contains("0x32")),
            "{:?}",
            r.warnings
        );
        let r = read(
            &env_pod(&[("DOTNET_GCConserveMemory", "\"0xC\"")]),
            &ManifestSelector::default(),
        );
        assert_eq!(r.gc.conserve_memory, Some(12));
        assert!(
            r.warnings.iter().any(|w| w.contains("as 9")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn dotnet_prefix_wins_and_other_precedence_rules() {
        // DOTNET_ wins over COMPlus_ whatever the order.
        let r = read(
            &env_pod(&[
                ("DOTNET_GCHeapCount", "\"0x2\""),
                ("COMPlus_GCHeapCount", "\"0x8\""),
            ]),
            &ManifestSelector::default(),
        );
        assert_eq!(r.gc.heap_count, Some(2));
        let r = read(
            &env_pod(&[
                ("COMPlus_GCHeapCount", "\"0x8\""),
                ("DOTNET_GCHeapCount", "\"0x2\""),
            ]),
            &ManifestSelector::default(),
        );
        assert_eq!(r.gc.heap_count, Some(2));
        // An empty DOTNET_ value falls back to COMPlus_, as .NET does.
        let r = read(
            &env_pod(&[
                ("DOTNET_GCHeapCount", "\"\""),
                ("COMPlus_GCHeapCount", "\"0x8\""),
            ]),
            &ManifestSelector::default(),
        );
        assert_eq!(r.gc.heap_count, Some(8));
        assert_eq!(source(&r, "gc.heap_count").raw, "COMPlus_GCHeapCount=0x8");
        // The last of two entries with the same name wins, as in Kubernetes.
        let r = read(
            &env_pod(&[
                ("DOTNET_GCHeapCount", "\"0x2\""),
                ("DOTNET_GCHeapCount", "\"0x3\""),
            ]),
            &ManifestSelector::default(),
        );
        assert_eq!(r.gc.heap_count, Some(3));
        // Names differing only in case: the later one, with a warning.
        let r = read(
            &env_pod(&[
                ("DOTNET_GCHEAPCOUNT", "\"0x2\""),
                ("DOTNET_GCHeapCount", "\"0x3\""),
            ]),
            &ManifestSelector::default(),
        );
        assert_eq!(r.gc.heap_count, Some(3));
        assert!(
            r.warnings.iter().any(|w| w.contains("case-insensitive")),
            "{:?}",
            r.warnings
        );
        // valueFrom cannot be resolved: unset, with a warning.
        let env = "        - name: DOTNET_gcServer\n          valueFrom:\n            configMapKeyRef: {name: c, key: k}\n";
        let r = read(
            &pod("        limits:\n          memory: 1Gi\n", env),
            &ManifestSelector::default(),
        );
        assert_eq!(r.gc.server, None);
        assert!(
            r.warnings.iter().any(|w| w.contains("valueFrom")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn flink_memory_strings_follow_the_operator() {
        let ok = |s: &str| {
            parse_operator_memory(s)
                .map(|(b, _)| b)
                .unwrap_or_else(|e| panic!("{s}: {e}"))
        };
        assert_eq!(ok("2048m"), 2048 * MI);
        assert_eq!(ok("2000M"), 2000 * MI);
        assert_eq!(ok("4g"), 4 * GI);
        assert_eq!(ok("1 gb"), GI);
        assert_eq!(ok("4096"), 4096);
        assert_eq!(ok("2Gi"), 2 * GI);
        assert_eq!(ok("2gi"), 2 * GI);
        assert_eq!(ok("2GiB"), 2 * GI);
        assert_eq!(ok("512Mi"), 512 * MI);
        assert_eq!(ok("1e9"), 1_000_000_000);
        assert_eq!(ok("2P"), 2_000_000_000_000_000);
        let err = |s: &str| match parse_operator_memory(s) {
            Ok(v) => panic!("{s}: expected an error, got {v:?}"),
            Err(e) => e,
        };
        assert!(err("1.5Gi").contains("fractional"), "{}", err("1.5Gi"));
        assert!(err("1.5Gi").contains("write 1536Mi"), "{}", err("1.5Gi"));
        assert!(err("0.5g").contains("fractional"));
        assert!(err("abc").contains("neither a Flink memory size"));
        assert!(err("-1g").contains("negative"));
        let yaml = "kind: FlinkDeployment\nmetadata: {name: f}\nspec:\n  taskManager:\n    resource:\n      memory: 1.5Gi\n";
        let e = read_err(yaml, &ManifestSelector::default());
        assert!(matches!(e, ManifestError::BadFlinkMemory { .. }));
        assert!(e.to_string().starts_with("document 1, spec.taskManager.resource.memory (line 6, column 15): \"1.5Gi\" is a fractional"), "{e}");
    }

    #[test]
    fn flink_resources_field_and_configuration_fallback() {
        // resources wins over the deprecated resource; limit ÷ request gives the limit factor.
        let yaml = "kind: FlinkDeployment\nmetadata: {name: f}\nspec:\n  flinkConfiguration:\n    kubernetes.taskmanager.memory.limit-factor: \"3\"\n  taskManager:\n    resource: {memory: 8g}\n    resources:\n      requests: {memory: 2Gi}\n      limits: {memory: 3Gi}\n";
        let r = read(yaml, &ManifestSelector::default());
        assert_eq!(r.process_memory, Some(2 * GI));
        assert_eq!(r.requests_memory, Some(2048 * MI));
        assert_eq!(r.limits_memory, Some(3072 * MI));
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("deprecated resource field is ignored")),
            "{:?}",
            r.warnings
        );
        // A limit alone sets the process size; the factor comes from the configuration.
        let yaml = "kind: FlinkDeployment\nmetadata: {name: f}\nspec:\n  flinkConfiguration:\n    kubernetes.taskmanager.memory.limit-factor: \"1.25\"\n  taskManager:\n    resources:\n      limits: {memory: 2000M}\n";
        let r = read(yaml, &ManifestSelector::default());
        // 2000M is Flink syntax to the operator: 2000 MiB.
        assert_eq!(r.process_memory, Some(2000 * MI));
        assert_eq!(r.limits_memory, Some(2500 * MI));
        // Only the Flink configuration, written as nested YAML.
        let yaml = "kind: FlinkDeployment\nmetadata: {name: f}\nspec:\n  flinkConfiguration:\n    taskmanager:\n      memory:\n        process.size: 1728m\n";
        let r = read(yaml, &ManifestSelector::default());
        assert_eq!(r.process_memory, Some(1728 * MI));
        assert_eq!(r.limits_memory, Some(1728 * MI));
        assert_eq!(
            source(&r, "process_memory").path,
            "spec.flinkConfiguration.taskmanager.memory[\"process.size\"]"
        );
        // A process size that is not whole MiB: Flink requests whole MiB.
        let yaml = "kind: FlinkDeployment\nmetadata: {name: f}\nspec:\n  taskManager:\n    resource: {memory: \"2000000000\"}\n";
        let r = read(yaml, &ManifestSelector::default());
        assert_eq!(r.process_memory, Some(2_000_000_000));
        assert_eq!(r.requests_memory, Some(1907 * MI));
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("not a whole number of MiB")),
            "{:?}",
            r.warnings
        );
        // Nothing set: unknown, with a warning.
        let yaml = "kind: FlinkDeployment\nmetadata: {name: f}\nspec: {}\n";
        let r = read(yaml, &ManifestSelector::default());
        assert_eq!((r.requests_memory, r.limits_memory), (None, None));
        assert!(
            r.warnings.iter().any(|w| w.contains("no memory is set")),
            "{:?}",
            r.warnings
        );
        // A limit factor below 1 is rejected by Flink.
        let yaml = "kind: FlinkDeployment\nmetadata: {name: f}\nspec:\n  flinkConfiguration:\n    kubernetes.taskmanager.memory.limit-factor: \"0.5\"\n  taskManager:\n    resource: {memory: 1g}\n";
        let e = read_err(yaml, &ManifestSelector::default());
        assert!(e.to_string().contains("at least 1"), "{e}");
    }

    #[test]
    fn flink_pod_templates_merge_by_position_by_default() {
        let yaml = "kind: FlinkDeployment\nmetadata: {name: f}\nspec:\n  podTemplate:\n    spec:\n      containers:\n        - name: flink-main-container\n          env:\n            - {name: DOTNET_gcServer, value: \"1\"}\n            - {name: DOTNET_GCHeapCount, value: \"0x8\"}\n  taskManager:\n    resource: {memory: 1g}\n    podTemplate:\n      spec:\n        containers:\n          - name: flink-main-container\n            env:\n              - {name: DOTNET_GCHeapHardLimit, value: \"0x20000000\"}\n";
        // Position 0 of the TaskManager's env replaces position 0 of the common env.
        let r = read(yaml, &ManifestSelector::default());
        assert_eq!(r.gc.server, None);
        assert_eq!(r.gc.heap_count, Some(8));
        assert_eq!(r.gc.heap_hard_limit, Some(512 * MI));
        // A main container merged with a differently named one loses its name.
        let yaml = "kind: FlinkDeployment\nmetadata: {name: f}\nspec:\n  podTemplate:\n    spec:\n      containers:\n        - name: flink-main-container\n          env: [{name: DOTNET_gcServer, value: \"1\"}]\n  taskManager:\n    resource: {memory: 1g}\n    podTemplate:\n      spec:\n        containers:\n          - name: sidecar\n";
        let r = read(yaml, &ManifestSelector::default());
        assert_eq!(r.gc.server, None);
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("merge-arrays-by-name")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn yaml_errors_and_limits() {
        let e = read_err(
            "kind: Pod\nspec: [1, 2\nx: 3\n",
            &ManifestSelector::default(),
        );
        let ManifestError::Yaml { line, column, .. } = &e else {
            panic!("{e:?}");
        };
        assert!(*line >= 2 && *column > 0, "{e}");
        assert!(
            e.to_string()
                .starts_with("manifest is not valid YAML (line"),
            "{e}"
        );
        let bomb = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
        let e = read_err(bomb, &ManifestSelector::default());
        assert!(
            matches!(e, ManifestError::Yaml { .. }) && e.to_string().contains("alias"),
            "{e}"
        );
        let deep = format!("a: {}1{}\n", "[".repeat(200), "]".repeat(200));
        assert!(matches!(
            read_err(&deep, &ManifestSelector::default()),
            ManifestError::Yaml { .. }
        ));
        let big = "#".repeat(MAX_MANIFEST_BYTES + 1);
        assert!(matches!(
            read_err(&big, &ManifestSelector::default()),
            ManifestError::TooLarge { .. }
        ));
        let dup = "kind: Pod\nkind: Pod\n";
        assert!(matches!(
            read_err(dup, &ManifestSelector::default()),
            ManifestError::Yaml { .. }
        ));
    }

    #[test]
    fn no_supported_object() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\nplain text\n";
        let e = read_err(yaml, &ManifestSelector::default());
        assert_eq!(
            e.to_string(),
            "no supported object in the manifest (memsim reads Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod and FlinkDeployment); found: ConfigMap/c (document 1), (no kind)/(unnamed) (document 2)"
        );
        let e = read_err("", &ManifestSelector::default());
        assert!(e.to_string().contains("no Kubernetes objects"), "{e}");
    }
}
