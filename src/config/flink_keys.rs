//! Flink memory configuration keys as text (`key=value`) → the typed options of
//! [`crate::budget`]: Apache Flink's keys, their deprecated names, and the Flink.NET names from
//! its memory documentation as aliases. Sizes use Flink's `MemorySize` grammar (bytes), fractions
//! are Java `float`s.
//!
//! **Precedence.** When several names of one option are given, the Flink key wins over its
//! aliases, and an alias listed earlier in [`FlinkKeyDef::aliases`] wins over a later one; among
//! pairs with the same name, the later pair wins. Flink behaves the same way for its deprecated
//! keys.
//!
//! **Flink.NET aliases.** Flink.NET's memory pages (`docs/wiki/Core-Concepts-Memory-*.md` in
//! `devstress/FLINK.NET`, now `devstress/FlinkDotnet`) name planned keys without defining them
//! precisely. Each is mapped to the Flink option closest to its description:
//!
//! | Flink.NET key | Flink option | reading |
//! |---|---|---|
//! | `taskmanager.process.memory.size` | `taskmanager.memory.process.size` | total memory of the TaskManager process |
//! | `taskmanager.heap.memory.size` | `taskmanager.memory.task.heap.size` | the intended size of the .NET runtime heap; read as the task heap, so the GC heap is this plus the framework heap (see below) |
//! | `taskmanager.network.memory.size` | `taskmanager.memory.network.min` and `.max` | the memory for all network buffers: a fixed network size, which Flink expresses as min = max |
//! | `taskmanager.state.memory.size` | `taskmanager.memory.managed.size` | memory for managed state backends and their caches |
//! | `taskmanager.framework.memory.size` | `taskmanager.memory.framework.off-heap.size` | framework memory besides the heap and the network buffers |
//! | `taskmanager.network.buffer-size` | `taskmanager.memory.segment-size` | size of one network buffer |
//! | `taskmanager.network.buffers-per-channel` | `taskmanager.network.memory.buffers-per-channel` | buffers per channel |
//! | `jobmanager.process.memory.size` | `jobmanager.memory.process.size` | total memory of the JobManager process |
//! | `jobmanager.heap.memory.size` | `jobmanager.memory.heap.size` | the .NET runtime heap (the JobManager heap is one component in Flink) |
//! | `jobmanager.offheap.memory.size` | `jobmanager.memory.off-heap.size` | off-heap components |
//! | `jobmanager.network.memory.size` | `jobmanager.memory.off-heap.size` | only in a diagram; a Flink JobManager has no network pool and its network buffers are direct memory, which the off-heap option covers; it yields to `jobmanager.offheap.memory.size` |
//!
//! `taskmanager.heap.memory.size` is ambiguous: the .NET heap holds both framework and task
//! objects, but Flink has no single "heap size" option for a TaskManager (its legacy
//! `taskmanager.heap.size` stood for Total Flink or Total Process memory, not the heap). The task
//! heap is the heap component Flink users size, so that reading keeps Flink's framework heap
//! default and its derivation rules.

use thiserror::Error;

use crate::budget::{JobManagerMemoryOptions, NetworkBufferOptions, TaskManagerMemoryOptions};
use crate::scenario::quantity;

/// The type of value a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlinkKeyKind {
    /// A Flink `MemorySize`: a whole number, optional whitespace and an optional unit (`b`, `k`,
    /// `m`, `g`, `t` and their long forms; binary multiples); bytes without a unit.
    MemorySize,
    /// A Java `float` fraction such as `0.1`.
    Fraction,
    /// A non-negative Java `int`.
    Integer,
    /// `true` or `false` (any case).
    Boolean,
}

/// Where an alternative name of a key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AliasOrigin {
    /// A deprecated key that Flink still reads as a fallback.
    FlinkDeprecated,
    /// A name from the Flink.NET memory documentation.
    FlinkDotnet,
}

/// An alternative name of a Flink key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlinkKeyAlias {
    /// The alternative key.
    pub key: &'static str,
    /// Where it comes from.
    pub origin: AliasOrigin,
    /// How it maps onto the Flink key, one line.
    pub note: &'static str,
}

/// One Flink configuration key understood by [`parse_flink_settings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlinkKeyDef {
    /// The Flink key.
    pub key: &'static str,
    /// Other names that set the same option, in precedence order.
    pub aliases: &'static [FlinkKeyAlias],
    /// The type of its value.
    pub kind: FlinkKeyKind,
    /// Flink's default as text, `None` if the option has none.
    pub default: Option<&'static str>,
    /// What it configures, one line.
    pub doc: &'static str,
    setting: Setting,
}

impl FlinkKeyDef {
    /// The names that set this option: the key, then its aliases.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.key).chain(self.aliases.iter().map(|a| a.key))
    }
}

/// The option field a key sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Setting {
    TmProcessSize,
    TmFlinkSize,
    TmFrameworkHeap,
    TmTaskHeap,
    TmFrameworkOffHeap,
    TmTaskOffHeap,
    TmManagedSize,
    TmManagedFraction,
    TmNetworkMin,
    TmNetworkMax,
    TmNetworkFraction,
    TmJvmMetaspace,
    TmJvmOverheadMin,
    TmJvmOverheadMax,
    TmJvmOverheadFraction,
    TmSegmentSize,
    TmLegacyNetworkBuffers,
    TmSlots,
    TmBuffersPerChannel,
    TmFloatingBuffersPerGate,
    JmProcessSize,
    JmFlinkSize,
    JmHeap,
    JmOffHeap,
    JmJvmMetaspace,
    JmJvmOverheadMin,
    JmJvmOverheadMax,
    JmJvmOverheadFraction,
    JmDirectMemoryLimit,
}

const fn dep(key: &'static str, note: &'static str) -> FlinkKeyAlias {
    FlinkKeyAlias {
        key,
        origin: AliasOrigin::FlinkDeprecated,
        note,
    }
}

const fn dotnet(key: &'static str, note: &'static str) -> FlinkKeyAlias {
    FlinkKeyAlias {
        key,
        origin: AliasOrigin::FlinkDotnet,
        note,
    }
}

const fn def(
    key: &'static str,
    aliases: &'static [FlinkKeyAlias],
    kind: FlinkKeyKind,
    default: Option<&'static str>,
    doc: &'static str,
    setting: Setting,
) -> FlinkKeyDef {
    FlinkKeyDef {
        key,
        aliases,
        kind,
        default,
        doc,
        setting,
    }
}

const NETWORK_SIZE_ALIAS: FlinkKeyAlias = dotnet(
    "taskmanager.network.memory.size",
    "Flink.NET: total memory for network buffers; sets network min and max to the value",
);

use FlinkKeyKind::{Boolean, Fraction, Integer, MemorySize};

/// Every key [`parse_flink_settings`] understands: the TaskManager and JobManager memory keys,
/// the network buffer keys the budget uses, and their aliases.
pub const FLINK_MEMORY_KEYS: &[FlinkKeyDef] = &[
    def(
        "taskmanager.memory.process.size",
        &[dotnet(
            "taskmanager.process.memory.size",
            "Flink.NET: total memory of the TaskManager process",
        )],
        MemorySize,
        None,
        "TaskManager Total Process memory: Total Flink + JVM Metaspace + JVM Overhead",
        Setting::TmProcessSize,
    ),
    def(
        "taskmanager.memory.flink.size",
        &[],
        MemorySize,
        None,
        "TaskManager Total Flink memory: heaps, off-heaps, managed and network memory",
        Setting::TmFlinkSize,
    ),
    def(
        "taskmanager.memory.framework.heap.size",
        &[],
        MemorySize,
        Some("128m"),
        "JVM heap reserved for the TaskManager framework",
        Setting::TmFrameworkHeap,
    ),
    def(
        "taskmanager.memory.task.heap.size",
        &[dotnet(
            "taskmanager.heap.memory.size",
            "Flink.NET: target .NET heap size, read as the task heap (GC heap = this + framework heap)",
        )],
        MemorySize,
        None,
        "JVM heap for tasks; if unset, the rest of Total Flink memory",
        Setting::TmTaskHeap,
    ),
    def(
        "taskmanager.memory.framework.off-heap.size",
        &[dotnet(
            "taskmanager.framework.memory.size",
            "Flink.NET: framework memory outside the heap and network buffers",
        )],
        MemorySize,
        Some("128m"),
        "Off-heap (direct and native) memory reserved for the TaskManager framework",
        Setting::TmFrameworkOffHeap,
    ),
    def(
        "taskmanager.memory.task.off-heap.size",
        &[],
        MemorySize,
        Some("0"),
        "Off-heap (direct and native) memory for tasks",
        Setting::TmTaskOffHeap,
    ),
    def(
        "taskmanager.memory.managed.size",
        &[
            dep("taskmanager.memory.size", "deprecated Flink key"),
            dotnet(
                "taskmanager.state.memory.size",
                "Flink.NET: memory for managed state backends and their caches",
            ),
        ],
        MemorySize,
        None,
        "Managed (native) memory for RocksDB, sorting and hashing; if unset, from the fraction",
        Setting::TmManagedSize,
    ),
    def(
        "taskmanager.memory.managed.fraction",
        &[],
        Fraction,
        Some("0.4"),
        "Managed memory as a fraction of Total Flink memory, if its size is not set",
        Setting::TmManagedFraction,
    ),
    def(
        "taskmanager.memory.network.min",
        &[
            dep("taskmanager.network.memory.min", "deprecated Flink key"),
            NETWORK_SIZE_ALIAS,
        ],
        MemorySize,
        Some("64m"),
        "Smallest network memory",
        Setting::TmNetworkMin,
    ),
    def(
        "taskmanager.memory.network.max",
        &[
            dep("taskmanager.network.memory.max", "deprecated Flink key"),
            NETWORK_SIZE_ALIAS,
        ],
        MemorySize,
        Some("infinite (Long.MAX_VALUE bytes; 1g before Flink 1.15)"),
        "Largest network memory",
        Setting::TmNetworkMax,
    ),
    def(
        "taskmanager.memory.network.fraction",
        &[dep(
            "taskmanager.network.memory.fraction",
            "deprecated Flink key",
        )],
        Fraction,
        Some("0.1"),
        "Network memory as a fraction of Total Flink memory, capped to [min, max]",
        Setting::TmNetworkFraction,
    ),
    def(
        "taskmanager.memory.jvm-metaspace.size",
        &[],
        MemorySize,
        Some("256m"),
        "TaskManager JVM Metaspace",
        Setting::TmJvmMetaspace,
    ),
    def(
        "taskmanager.memory.jvm-overhead.min",
        &[],
        MemorySize,
        Some("192m"),
        "Smallest TaskManager JVM Overhead",
        Setting::TmJvmOverheadMin,
    ),
    def(
        "taskmanager.memory.jvm-overhead.max",
        &[],
        MemorySize,
        Some("1g"),
        "Largest TaskManager JVM Overhead",
        Setting::TmJvmOverheadMax,
    ),
    def(
        "taskmanager.memory.jvm-overhead.fraction",
        &[],
        Fraction,
        Some("0.1"),
        "TaskManager JVM Overhead as a fraction of Total Process memory, capped to [min, max]",
        Setting::TmJvmOverheadFraction,
    ),
    def(
        "taskmanager.memory.segment-size",
        &[dotnet(
            "taskmanager.network.buffer-size",
            "Flink.NET: size of one network buffer",
        )],
        MemorySize,
        Some("32kb"),
        "Size of one network buffer (memory segment)",
        Setting::TmSegmentSize,
    ),
    def(
        "taskmanager.network.numberOfBuffers",
        &[],
        Integer,
        None,
        "Legacy: network memory = buffers × segment size, if no network min/max/fraction is set",
        Setting::TmLegacyNetworkBuffers,
    ),
    def(
        "taskmanager.numberOfTaskSlots",
        &[],
        Integer,
        Some("1"),
        "Task slots per TaskManager",
        Setting::TmSlots,
    ),
    def(
        "taskmanager.network.memory.buffers-per-channel",
        &[dotnet(
            "taskmanager.network.buffers-per-channel",
            "Flink.NET: buffers per network channel",
        )],
        Integer,
        Some("2"),
        "Exclusive network buffers per input channel (and per output subpartition)",
        Setting::TmBuffersPerChannel,
    ),
    def(
        "taskmanager.network.memory.floating-buffers-per-gate",
        &[],
        Integer,
        Some("8"),
        "Floating network buffers per input gate",
        Setting::TmFloatingBuffersPerGate,
    ),
    def(
        "jobmanager.memory.process.size",
        &[dotnet(
            "jobmanager.process.memory.size",
            "Flink.NET: total memory of the JobManager process",
        )],
        MemorySize,
        None,
        "JobManager Total Process memory: Total Flink + JVM Metaspace + JVM Overhead",
        Setting::JmProcessSize,
    ),
    def(
        "jobmanager.memory.flink.size",
        &[],
        MemorySize,
        None,
        "JobManager Total Flink memory: heap + off-heap",
        Setting::JmFlinkSize,
    ),
    def(
        "jobmanager.memory.heap.size",
        &[dotnet(
            "jobmanager.heap.memory.size",
            "Flink.NET: target .NET heap size of the JobManager",
        )],
        MemorySize,
        None,
        "JobManager JVM heap",
        Setting::JmHeap,
    ),
    def(
        "jobmanager.memory.off-heap.size",
        &[
            dotnet(
                "jobmanager.offheap.memory.size",
                "Flink.NET: off-heap components of the JobManager",
            ),
            dotnet(
                "jobmanager.network.memory.size",
                "Flink.NET (diagram only): JobManager network buffers, which Flink counts as off-heap",
            ),
        ],
        MemorySize,
        Some("128m"),
        "JobManager off-heap (direct and native) memory",
        Setting::JmOffHeap,
    ),
    def(
        "jobmanager.memory.jvm-metaspace.size",
        &[],
        MemorySize,
        Some("256m"),
        "JobManager JVM Metaspace",
        Setting::JmJvmMetaspace,
    ),
    def(
        "jobmanager.memory.jvm-overhead.min",
        &[],
        MemorySize,
        Some("192m"),
        "Smallest JobManager JVM Overhead",
        Setting::JmJvmOverheadMin,
    ),
    def(
        "jobmanager.memory.jvm-overhead.max",
        &[],
        MemorySize,
        Some("1g"),
        "Largest JobManager JVM Overhead",
        Setting::JmJvmOverheadMax,
    ),
    def(
        "jobmanager.memory.jvm-overhead.fraction",
        &[],
        Fraction,
        Some("0.1"),
        "JobManager JVM Overhead as a fraction of Total Process memory, capped to [min, max]",
        Setting::JmJvmOverheadFraction,
    ),
    def(
        "jobmanager.memory.enable-jvm-direct-memory-limit",
        &[],
        Boolean,
        Some("false"),
        "Whether the JobManager's direct memory is limited to its off-heap size",
        Setting::JmDirectMemoryLimit,
    ),
];

/// The typed options read from Flink keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlinkSettings {
    /// TaskManager memory options.
    pub taskmanager: TaskManagerMemoryOptions,
    /// JobManager memory options.
    pub jobmanager: JobManagerMemoryOptions,
    /// TaskManager network buffer options (slots, buffers per channel and per gate).
    pub network: NetworkBufferOptions,
}

/// A key or value that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FlinkKeyError {
    /// The key is not in [`FLINK_MEMORY_KEYS`], neither as a key nor as an alias.
    #[error("unknown Flink memory key '{key}'")]
    UnknownKey {
        /// The key as given.
        key: String,
    },
    /// An entry has no `=`.
    #[error("'{entry}' is not a key=value pair")]
    NotAPair {
        /// The entry as given.
        entry: String,
    },
    /// Text that is not a Flink memory size; `reason` is Flink's parser message.
    #[error("invalid memory size '{text}': {reason}")]
    InvalidMemorySize {
        /// The text as given.
        text: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A value that does not fit its key.
    #[error("invalid value '{value}' for '{key}': {reason}")]
    InvalidValue {
        /// The key as given.
        key: String,
        /// The value as given.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
}

/// Parses a size with Flink's `MemorySize.parseBytes` grammar and returns bytes: leading and
/// trailing whitespace is ignored, then a whole number, optional whitespace and an optional
/// case-insensitive unit: `b`/`bytes`, `k`/`kb`/`kibibytes` (2^10), `m`/`mb`/`mebibytes` (2^20),
/// `g`/`gb`/`gibibytes` (2^30), `t`/`tb`/`tebibytes` (2^40). `1g` is 1 GiB; a bare number is
/// bytes. Errors carry Flink's messages; the result never exceeds `Long.MAX_VALUE`. The grammar
/// itself is [`crate::scenario::quantity::parse_flink_memory_size`].
pub fn parse_flink_memory_size(s: &str) -> Result<u64, FlinkKeyError> {
    quantity::parse_flink_memory_size(s).map_err(|e| FlinkKeyError::InvalidMemorySize {
        text: s.to_string(),
        reason: e.flink_message(),
    })
}

/// Parses a fraction as Java's `Float.parseFloat` does (surrounding whitespace and a trailing
/// `f`/`F`/`d`/`D` suffix are allowed); the value is not range-checked here, because Flink checks
/// it during the derivation with its own message.
fn parse_flink_fraction(s: &str) -> Result<f32, String> {
    let t = java_trim(s);
    let t = t
        .strip_suffix(['f', 'F', 'd', 'D'])
        .filter(|rest| rest.ends_with(|c: char| c.is_ascii_digit() || c == '.'))
        .unwrap_or(t);
    t.parse::<f32>()
        .map_err(|_| format!("'{s}' is not a floating-point number"))
}

/// Reads `key=value` entries (blank entries are skipped) into [`FlinkSettings`]. Unknown keys
/// and unreadable values are errors naming the key; see the module docs for precedence.
pub fn parse_flink_settings<I>(entries: I) -> Result<FlinkSettings, FlinkKeyError>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut pairs = Vec::new();
    for entry in entries {
        let entry = entry.as_ref();
        if java_trim(entry).is_empty() {
            continue;
        }
        let (key, value) = entry
            .split_once('=')
            .ok_or_else(|| FlinkKeyError::NotAPair {
                entry: entry.to_string(),
            })?;
        pairs.push((key.to_string(), value.to_string()));
    }
    parse_flink_pairs(pairs)
}

/// Reads `(key, value)` pairs into [`FlinkSettings`], like [`parse_flink_settings`].
pub fn parse_flink_pairs<I, K, V>(pairs: I) -> Result<FlinkSettings, FlinkKeyError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    // (precedence rank, setting, value); rank 0 is the Flink key, then the aliases in order.
    let mut assignments: Vec<(usize, Setting, Value)> = Vec::new();
    for (key, value) in pairs {
        let (key, value) = (java_trim(key.as_ref()), value.as_ref());
        let matches = lookup(key);
        if matches.is_empty() {
            return Err(FlinkKeyError::UnknownKey {
                key: key.to_string(),
            });
        }
        for (def, rank) in matches {
            let parsed =
                parse_value(def.kind, value).map_err(|reason| FlinkKeyError::InvalidValue {
                    key: key.to_string(),
                    value: value.to_string(),
                    reason,
                })?;
            assignments.push((rank, def.setting, parsed));
        }
    }
    // Apply the weakest names first so that stronger ones overwrite them; the sort is stable,
    // so among equal ranks the later pair wins.
    assignments.sort_by_key(|a| std::cmp::Reverse(a.0));
    let mut settings = FlinkSettings::default();
    for (_, setting, value) in assignments {
        settings.apply(setting, value);
    }
    Ok(settings)
}

/// The keys a name sets: each with the alias that matched (`None` for the Flink key itself).
/// Empty for an unknown name. `taskmanager.network.memory.size` sets two keys.
pub fn lookup_flink_key(name: &str) -> Vec<(&'static FlinkKeyDef, Option<&'static FlinkKeyAlias>)> {
    let name = java_trim(name);
    FLINK_MEMORY_KEYS
        .iter()
        .filter_map(|def| {
            if def.key == name {
                Some((def, None))
            } else {
                def.aliases
                    .iter()
                    .find(|a| a.key == name)
                    .map(|a| (def, Some(a)))
            }
        })
        .collect()
}

fn lookup(name: &str) -> Vec<(&'static FlinkKeyDef, usize)> {
    FLINK_MEMORY_KEYS
        .iter()
        .filter_map(|def| def.names().position(|n| n == name).map(|rank| (def, rank)))
        .collect()
}

/// A value of a Flink key, parsed as Flink parses it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FlinkValue {
    /// A `MemorySize`, bytes.
    Size(u64),
    /// A Java `float` fraction (not range-checked).
    Fraction(f32),
    /// A non-negative Java `int`.
    Integer(u32),
    /// A boolean.
    Boolean(bool),
}

use FlinkValue as Value;

/// Parses `text` as a value of `kind`, as Flink does; the error is Flink's reason.
pub fn parse_flink_value(kind: FlinkKeyKind, text: &str) -> Result<FlinkValue, String> {
    parse_value(kind, text)
}

/// The keys a name sets, compared without regard to ASCII case (appsettings.json and
/// environment variables lower-case their keys): each with the rank of the name (0 for the Flink
/// key, then the aliases in precedence order). Empty for an unknown name.
pub fn find_flink_key_ignore_case(name: &str) -> Vec<(&'static FlinkKeyDef, usize)> {
    let name = java_trim(name);
    FLINK_MEMORY_KEYS
        .iter()
        .filter_map(|def| {
            def.names()
                .position(|n| n.eq_ignore_ascii_case(name))
                .map(|rank| (def, rank))
        })
        .collect()
}

/// The known Flink name (key or alias) closest to `name` by edit distance, if one is close
/// enough to be a likely typo.
pub fn closest_flink_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    FLINK_MEMORY_KEYS
        .iter()
        .flat_map(|d| d.names())
        .map(|n| {
            (
                crate::scenario::schema::edit_distance(&lower, &n.to_ascii_lowercase()),
                n,
            )
        })
        .min()
        .filter(|(d, _)| *d <= name.len().max(4) / 3)
        .map(|(_, n)| n)
}

fn parse_value(kind: FlinkKeyKind, text: &str) -> Result<Value, String> {
    match kind {
        FlinkKeyKind::MemorySize => {
            parse_flink_memory_size(text)
                .map(Value::Size)
                .map_err(|e| match e {
                    FlinkKeyError::InvalidMemorySize { reason, .. } => reason,
                    other => other.to_string(),
                })
        }
        FlinkKeyKind::Fraction => parse_flink_fraction(text).map(Value::Fraction),
        FlinkKeyKind::Integer => {
            let t = java_trim(text);
            let n: i32 = t
                .parse()
                .map_err(|_| format!("For input string: \"{t}\""))?;
            u32::try_from(n)
                .map(Value::Integer)
                .map_err(|_| format!("{n} is negative"))
        }
        FlinkKeyKind::Boolean => match java_trim(text).to_ascii_uppercase().as_str() {
            "TRUE" => Ok(Value::Boolean(true)),
            "FALSE" => Ok(Value::Boolean(false)),
            _ => Err(format!(
                "Unrecognized option for boolean: {text}. Expected either true or false(case \
                 insensitive)"
            )),
        },
    }
}

impl FlinkSettings {
    fn apply(&mut self, setting: Setting, value: Value) {
        let tm = &mut self.taskmanager;
        let jm = &mut self.jobmanager;
        let net = &mut self.network;
        match (setting, value) {
            (Setting::TmProcessSize, Value::Size(v)) => tm.process_size = Some(v),
            (Setting::TmFlinkSize, Value::Size(v)) => tm.flink_size = Some(v),
            (Setting::TmFrameworkHeap, Value::Size(v)) => tm.framework_heap = Some(v),
            (Setting::TmTaskHeap, Value::Size(v)) => tm.task_heap = Some(v),
            (Setting::TmFrameworkOffHeap, Value::Size(v)) => tm.framework_off_heap = Some(v),
            (Setting::TmTaskOffHeap, Value::Size(v)) => tm.task_off_heap = Some(v),
            (Setting::TmManagedSize, Value::Size(v)) => tm.managed_size = Some(v),
            (Setting::TmManagedFraction, Value::Fraction(v)) => tm.managed_fraction = Some(v),
            (Setting::TmNetworkMin, Value::Size(v)) => tm.network_min = Some(v),
            (Setting::TmNetworkMax, Value::Size(v)) => tm.network_max = Some(v),
            (Setting::TmNetworkFraction, Value::Fraction(v)) => tm.network_fraction = Some(v),
            (Setting::TmJvmMetaspace, Value::Size(v)) => tm.jvm_metaspace = Some(v),
            (Setting::TmJvmOverheadMin, Value::Size(v)) => tm.jvm_overhead_min = Some(v),
            (Setting::TmJvmOverheadMax, Value::Size(v)) => tm.jvm_overhead_max = Some(v),
            (Setting::TmJvmOverheadFraction, Value::Fraction(v)) => {
                tm.jvm_overhead_fraction = Some(v)
            }
            (Setting::TmSegmentSize, Value::Size(v)) => tm.segment_size = Some(v),
            (Setting::TmLegacyNetworkBuffers, Value::Integer(v)) => {
                tm.legacy_network_buffers = Some(v)
            }
            (Setting::TmSlots, Value::Integer(v)) => net.number_of_task_slots = Some(v),
            (Setting::TmBuffersPerChannel, Value::Integer(v)) => net.buffers_per_channel = Some(v),
            (Setting::TmFloatingBuffersPerGate, Value::Integer(v)) => {
                net.floating_buffers_per_gate = Some(v)
            }
            (Setting::JmProcessSize, Value::Size(v)) => jm.process_size = Some(v),
            (Setting::JmFlinkSize, Value::Size(v)) => jm.flink_size = Some(v),
            (Setting::JmHeap, Value::Size(v)) => jm.heap = Some(v),
            (Setting::JmOffHeap, Value::Size(v)) => jm.off_heap = Some(v),
            (Setting::JmJvmMetaspace, Value::Size(v)) => jm.jvm_metaspace = Some(v),
            (Setting::JmJvmOverheadMin, Value::Size(v)) => jm.jvm_overhead_min = Some(v),
            (Setting::JmJvmOverheadMax, Value::Size(v)) => jm.jvm_overhead_max = Some(v),
            (Setting::JmJvmOverheadFraction, Value::Fraction(v)) => {
                jm.jvm_overhead_fraction = Some(v)
            }
            (Setting::JmDirectMemoryLimit, Value::Boolean(v)) => {
                jm.jvm_direct_memory_limit_enabled = Some(v)
            }
            // The table pairs every setting with its kind, so no other combination occurs.
            _ => {}
        }
    }
}

/// Java's `String.trim()`: strips characters up to U+0020 at both ends.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::{
        BudgetError, RangeFractionProblem, derive_jobmanager_with_notes,
        derive_taskmanager_with_notes,
    };

    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    const TIB: u64 = 1 << 40;

    #[test]
    fn flink_memory_size_grammar() {
        let ok = [
            ("0", 0),
            ("123", 123),
            ("  64m ", 64 * MIB),
            ("1g", GIB),
            ("1 GB", GIB),
            ("1Gb", GIB),
            ("2 gibibytes", 2 * GIB),
            ("32k", 32 * KIB),
            ("32 kb", 32 * KIB),
            ("7kibibytes", 7 * KIB),
            ("5 mebibytes", 5 * MIB),
            ("1t", TIB),
            ("1 tb", TIB),
            ("3tebibytes", 3 * TIB),
            ("5b", 5),
            ("5 bytes", 5),
            ("9223372036854775807", i64::MAX as u64),
            ("8388607t", 8_388_607 * TIB),
        ];
        for (text, bytes) in ok {
            assert_eq!(parse_flink_memory_size(text), Ok(bytes), "{text}");
        }
        let reason = |text: &str| match parse_flink_memory_size(text) {
            Err(FlinkKeyError::InvalidMemorySize { reason, .. }) => reason,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(
            reason(" "),
            "argument is an empty- or whitespace-only string"
        );
        assert_eq!(reason("-1m"), "text does not start with a number");
        assert_eq!(reason("m"), "text does not start with a number");
        assert!(reason("1.5g").starts_with("Memory size unit '.5g' does not match"));
        assert!(reason("10 mib").starts_with("Memory size unit 'mib' does not match"));
        assert_eq!(
            reason("9223372036854775808"),
            "The value '9223372036854775808' cannot be re represented as 64bit number (numeric \
             overflow)."
        );
        assert_eq!(
            reason("8388608t"),
            "The value '8388608t' cannot be re represented as 64bit number of bytes (numeric \
             overflow)."
        );
    }

    #[test]
    fn fractions_parse_as_java_floats() {
        assert_eq!(parse_flink_fraction("0.1"), Ok(0.1f32));
        assert_eq!(parse_flink_fraction(" 0.25f "), Ok(0.25f32));
        assert_eq!(parse_flink_fraction("1e-1"), Ok(0.1f32));
        assert_eq!(parse_flink_fraction("-0.1"), Ok(-0.1f32));
        assert_eq!(parse_flink_fraction("1.0"), Ok(1.0f32));
        assert!(parse_flink_fraction("ten percent").is_err());
    }

    #[test]
    fn every_key_and_alias_sets_its_option() {
        for def in FLINK_MEMORY_KEYS {
            let value = match def.kind {
                FlinkKeyKind::MemorySize => "48m",
                FlinkKeyKind::Fraction => "0.3",
                FlinkKeyKind::Integer => "7",
                FlinkKeyKind::Boolean => "TRUE",
            };
            let expected = parse_flink_settings([format!("{}={value}", def.key)]).unwrap();
            assert_ne!(
                expected,
                FlinkSettings::default(),
                "{} sets nothing",
                def.key
            );
            for alias in def.aliases {
                let got = parse_flink_settings([format!("{}={value}", alias.key)]).unwrap();
                if alias.key == "taskmanager.network.memory.size" {
                    // Sets both bounds: a fixed network size.
                    assert_eq!(got.taskmanager.network_min, Some(48 * MIB));
                    assert_eq!(got.taskmanager.network_max, Some(48 * MIB));
                } else {
                    assert_eq!(got, expected, "alias {} of {}", alias.key, def.key);
                }
            }
        }
    }

    #[test]
    fn flink_dotnet_aliases_map_as_documented() {
        let s = parse_flink_settings([
            "taskmanager.process.memory.size=4g",
            "taskmanager.heap.memory.size=1g",
            "taskmanager.network.memory.size=256m",
            "taskmanager.state.memory.size=1536m",
            "taskmanager.framework.memory.size=100m",
            "taskmanager.network.buffer-size=64k",
            "taskmanager.network.buffers-per-channel=4",
            "jobmanager.process.memory.size=2g",
            "jobmanager.heap.memory.size=1g",
            "jobmanager.offheap.memory.size=200m",
        ])
        .unwrap();
        let tm = &s.taskmanager;
        assert_eq!(tm.process_size, Some(4 * GIB));
        assert_eq!(tm.task_heap, Some(GIB));
        assert_eq!(
            (tm.network_min, tm.network_max),
            (Some(256 * MIB), Some(256 * MIB))
        );
        assert_eq!(tm.managed_size, Some(1536 * MIB));
        assert_eq!(tm.framework_off_heap, Some(100 * MIB));
        assert_eq!(tm.segment_size, Some(64 * KIB));
        assert_eq!(s.network.buffers_per_channel, Some(4));
        let jm = &s.jobmanager;
        assert_eq!(jm.process_size, Some(2 * GIB));
        assert_eq!(jm.heap, Some(GIB));
        assert_eq!(jm.off_heap, Some(200 * MIB));
        // The diagram-only JobManager network key yields to the off-heap alias.
        let s = parse_flink_settings([
            "jobmanager.offheap.memory.size=200m",
            "jobmanager.network.memory.size=64m",
        ])
        .unwrap();
        assert_eq!(s.jobmanager.off_heap, Some(200 * MIB));
        let s = parse_flink_settings(["jobmanager.network.memory.size=64m"]).unwrap();
        assert_eq!(s.jobmanager.off_heap, Some(64 * MIB));
    }

    #[test]
    fn flink_keys_win_over_aliases_and_later_pairs_win() {
        let s = parse_flink_settings([
            "taskmanager.memory.network.min=100m",
            "taskmanager.network.memory.min=200m",
            "taskmanager.network.memory.size=300m",
        ])
        .unwrap();
        assert_eq!(s.taskmanager.network_min, Some(100 * MIB));
        assert_eq!(s.taskmanager.network_max, Some(300 * MIB));
        let s = parse_flink_settings([
            "taskmanager.memory.size=1g",
            "taskmanager.memory.managed.size=2g",
            "taskmanager.memory.managed.size=3g",
        ])
        .unwrap();
        assert_eq!(s.taskmanager.managed_size, Some(3 * GIB));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        assert_eq!(
            parse_flink_settings(["taskmanager.memory.heap.size=1g"])
                .unwrap_err()
                .to_string(),
            "unknown Flink memory key 'taskmanager.memory.heap.size'"
        );
        assert_eq!(
            parse_flink_settings(["taskmanager.memory.process.size"]).unwrap_err(),
            FlinkKeyError::NotAPair {
                entry: "taskmanager.memory.process.size".to_string()
            }
        );
        let err = parse_flink_settings(["taskmanager.memory.process.size=1.5g"]).unwrap_err();
        assert!(err.to_string().starts_with(
            "invalid value '1.5g' for 'taskmanager.memory.process.size': Memory size unit '.5g'"
        ));
        assert!(parse_flink_settings(["taskmanager.numberOfTaskSlots=-1"]).is_err());
        assert!(
            parse_flink_settings(["jobmanager.memory.enable-jvm-direct-memory-limit=yes"]).is_err()
        );
        assert!(parse_flink_settings(["", "  "]).is_ok());
    }

    #[test]
    fn lookup_reports_the_matching_alias() {
        let found = lookup_flink_key("taskmanager.network.memory.size");
        let keys: Vec<_> = found.iter().map(|(d, _)| d.key).collect();
        assert_eq!(
            keys,
            [
                "taskmanager.memory.network.min",
                "taskmanager.memory.network.max"
            ]
        );
        assert!(
            found
                .iter()
                .all(|(_, a)| a.map(|a| a.origin) == Some(AliasOrigin::FlinkDotnet))
        );
        let found = lookup_flink_key("taskmanager.memory.process.size");
        assert_eq!(found.len(), 1);
        assert!(found[0].1.is_none());
        assert!(lookup_flink_key("parallelism.default").is_empty());
    }

    #[test]
    fn key_table_has_no_duplicate_names() {
        let mut names: Vec<&str> = FLINK_MEMORY_KEYS.iter().flat_map(|d| d.names()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        // The only shared name is the Flink.NET network size (min and max).
        assert_eq!(before - names.len(), 1);
    }

    // ---------------------------------------------------------------------------------------
    // The Flink test vectors (validation/flink/flink-vectors.csv), reproduced byte for byte.
    // ---------------------------------------------------------------------------------------

    const VECTORS: &str = include_str!("../../validation/flink/flink-vectors.csv");

    /// Whether an error is the failure a CSV `error:<reason>` names.
    fn error_matches(reason: &str, err: &BudgetError) -> bool {
        use RangeFractionProblem::{FractionOutOfRange, MinAboveMax};
        let range = |problem: RangeFractionProblem| matches!(err, BudgetError::InconsistentRangeFraction { problem: p, .. } if *p == problem);
        let wrapped = |inner: &dyn Fn(&BudgetError) -> bool| matches!(err, BudgetError::NetworkInconsistent { cause } if inner(cause));
        match reason {
            "overhead min > max" => range(MinAboveMax),
            "overhead fraction >= 1" | "network fraction >= 1" => range(FractionOutOfRange),
            "managed fraction < 0" => range(FractionOutOfRange),
            "derived overhead outside [min,max]" => {
                matches!(err, BudgetError::OverheadOutOfRange { .. })
            }
            "configuration inconsistent (flink too small / process < flink + metaspace)" => {
                matches!(
                    err,
                    BudgetError::NonTaskHeapExceedFlink { .. }
                        | BudgetError::ProcessBelowFlinkAndMetaspace { .. }
                )
            }
            "sum of configured components exceeds flink size" => {
                matches!(err, BudgetError::ComponentsExceedFlink { .. })
            }
            "sum of components (excl. task heap) exceeds flink size" => {
                matches!(err, BudgetError::NonTaskHeapExceedFlink { .. })
            }
            "derived network outside [min,max]" => {
                wrapped(&|e| matches!(e, BudgetError::NetworkOutOfRange { .. }))
            }
            "derived network != legacy numberOfBuffers*segment" => {
                wrapped(&|e| matches!(e, BudgetError::NetworkLegacyMismatch { .. }))
            }
            "none of fine-grained/flink/process configured"
            | "none of heap/flink/process configured" => {
                matches!(err, BudgetError::NotConfigured { .. })
            }
            "heap + off-heap != flink size" => {
                matches!(err, BudgetError::HeapAndOffHeapMismatchFlink { .. })
            }
            "process < flink + metaspace" => {
                matches!(err, BudgetError::ProcessBelowFlinkAndMetaspace { .. })
            }
            other => panic!("no error variant is mapped to the CSV reason '{other}'"),
        }
    }

    /// Flink messages quoted in a CSV note (text between double quotes).
    fn quotes(note: &str) -> Vec<&str> {
        note.split('"').skip(1).step_by(2).collect()
    }

    /// Rewrites `200.000mb (209715200 bytes)` as `200mb` (the notes' short form) and drops commas.
    fn normalize(message: &str) -> String {
        let mut out = String::new();
        let mut rest = message;
        while let Some(pos) = rest.find(" bytes)") {
            let head = &rest[..pos];
            // head ends with "<number>.<3 digits><unit> (<bytes>"
            let Some(open) = head.rfind(" (") else {
                out.push_str(&rest[..pos + 7]);
                rest = &rest[pos + 7..];
                continue;
            };
            let size = &head[..open];
            let start = size
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                .map_or(0, |i| i + 1);
            let token = &size[start..];
            let short = match token.split_once('.') {
                Some((int, frac)) if frac.starts_with("000") => format!("{int}{}", &frac[3..]),
                _ => token.to_string(),
            };
            out.push_str(&size[..start]);
            out.push_str(&short);
            rest = &rest[pos + 7..];
        }
        out.push_str(rest);
        out.replace(',', "")
    }

    /// Whether the quoted text (with `...` wildcards) matches `message`.
    fn quote_matches(quote: &str, message: &str) -> bool {
        let message = normalize(message);
        let mut at = 0;
        for fragment in normalize(quote)
            .split("...")
            .filter(|f| !f.trim().is_empty())
        {
            match message[at..].find(fragment) {
                Some(i) => at += i + fragment.len(),
                None => return false,
            }
        }
        true
    }

    fn error_chain(err: &BudgetError) -> Vec<String> {
        let mut chain = vec![err.to_string()];
        let mut source = std::error::Error::source(err);
        while let Some(e) = source {
            chain.push(e.to_string());
            source = e.source();
        }
        chain
    }

    /// Named derived sizes and the derivation's log notes.
    type Derived = (Vec<(&'static str, u64)>, Vec<String>);

    #[test]
    fn budget_flink_vectors_reproduce_csv() {
        let mut reader = csv::ReaderBuilder::new().from_reader(VECTORS.as_bytes());
        let mut rows = 0;
        for record in reader.records() {
            let record = record.expect("CSV row");
            let (id, process, inputs, expected, note) =
                (&record[0], &record[1], &record[2], &record[3], &record[5]);
            rows += 1;
            let settings = parse_flink_settings(inputs.split(';'))
                .unwrap_or_else(|e| panic!("{id}: inputs do not parse: {e}"));
            let outcome: Result<Derived, BudgetError> = match process {
                "taskmanager" => {
                    derive_taskmanager_with_notes(&settings.taskmanager).map(|(m, n)| {
                        let fields = vec![
                            ("framework_heap", m.framework_heap),
                            ("task_heap", m.task_heap),
                            ("framework_off_heap", m.framework_off_heap),
                            ("task_off_heap", m.task_off_heap),
                            ("network", m.network),
                            ("managed", m.managed),
                            ("total_flink", m.total_flink),
                            ("jvm_heap", m.jvm_heap()),
                            ("jvm_direct", m.jvm_direct()),
                            ("jvm_metaspace", m.jvm_metaspace),
                            ("jvm_overhead", m.jvm_overhead),
                            ("total_process", m.total_process),
                        ];
                        (fields, n)
                    })
                }
                "jobmanager" => derive_jobmanager_with_notes(&settings.jobmanager).map(|(m, n)| {
                    let fields = vec![
                        ("jvm_heap", m.jvm_heap),
                        ("off_heap", m.off_heap),
                        ("total_flink", m.total_flink),
                        ("jvm_metaspace", m.jvm_metaspace),
                        ("jvm_overhead", m.jvm_overhead),
                        ("total_process", m.total_process),
                    ];
                    (fields, n)
                }),
                other => panic!("{id}: unknown process '{other}'"),
            };
            match (expected.strip_prefix("error:"), outcome) {
                (Some(reason), Err(err)) => {
                    assert!(
                        error_matches(reason, &err),
                        "{id}: expected {reason}, got {err:?}"
                    );
                    let chain = error_chain(&err);
                    for quote in quotes(note) {
                        assert!(
                            chain.iter().any(|m| quote_matches(quote, m)),
                            "{id}: no message matches \"{quote}\" in {chain:?}"
                        );
                    }
                }
                (Some(reason), Ok((fields, _))) => {
                    panic!("{id}: expected error {reason}, derived {fields:?}")
                }
                (None, Err(err)) => panic!("{id}: expected {expected}, failed with {err}"),
                (None, Ok((fields, notes))) => {
                    let mut checked = 0;
                    for item in expected.split(';') {
                        let (name, bytes) = item.split_once('=').expect("name=bytes");
                        let want: u64 = bytes.parse().expect("bytes");
                        let got = fields
                            .iter()
                            .find(|(n, _)| *n == name)
                            .unwrap_or_else(|| panic!("{id}: unknown field {name}"))
                            .1;
                        assert_eq!(got, want, "{id}: {name}");
                        checked += 1;
                    }
                    assert_eq!(checked, fields.len(), "{id}: every field is checked");
                    for quote in quotes(note) {
                        assert!(
                            notes.iter().any(|m| quote_matches(quote, m)),
                            "{id}: no log note matches \"{quote}\" in {notes:?}"
                        );
                    }
                }
            }
        }
        assert_eq!(rows, 41, "every vector is checked");
    }

    #[test]
    fn normalize_shortens_human_readable_sizes() {
        assert_eq!(
            normalize("range [150.000mb (157286400 bytes), 200.000mb (209715200 bytes)]."),
            "range [150mb 200mb]."
        );
        assert_eq!(normalize("(172.800mb (181193935 bytes))"), "(172.800mb)");
        assert!(!quote_matches(
            "Derived JVM Overhead size (100mb) is not ...",
            "Derived JVM Overhead size (99.000mb (103809024 bytes)) is not in range"
        ));
        assert!(quote_matches(
            "Sum of the configured JVM Heap Memory (100mb) and ...",
            "Sum of the configured JVM Heap Memory (100.000mb (104857600 bytes)) and the rest"
        ));
    }
}
