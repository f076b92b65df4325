//! Layered configuration with the source of every value, Flink options, the job a scenario
//! describes, and the memory budget that feeds the simulation.
//!
//! # Layers
//!
//! Lowest precedence first; each layer overrides the ones above it key by key:
//!
//! | layer | given by | source shown |
//! |---|---|---|
//! | built-in defaults | [`crate::scenario::schema::KEYS`] | `default` |
//! | scenario file | `memsim run FILE` | `FILE:LINE` |
//! | Kubernetes manifest | `--pod MANIFEST.yaml [--container NAME] [--component taskmanager\|jobmanager]` | `manifest FILE:YAML_PATH` |
//! | appsettings.json | `--appsettings FILE` (no file is read unless given) | `appsettings FILE:JSON_PATH` |
//! | environment | `MEMSIM__Section__Key=value` variables | `env NAME` |
//! | command line | `--set KEY=VALUE` (repeatable; a later one wins) | `--set` |
//!
//! Values the memory budget derives from the others ([`budget`]) are shown as
//! `budget: WHAT` and never override a value from any layer.
//!
//! # Conventions
//!
//! **Keys.** Scenario keys are dotted (`pod.limits.memory`); Flink options are `flink.` followed
//! by the Flink key (`flink.taskmanager.memory.process.size`), see [`flink`].
//!
//! **appsettings.json** (.NET's JSON configuration: comments and trailing commas allowed, keys
//! case-insensitive, objects nest, `:` in a key nests too):
//!
//! ```json
//! {
//!   "FlinkDotNet": {
//!     "TaskManager": { "Memory": { "Process": { "Size": "4g" } } },
//!     "taskmanager.numberOfTaskSlots": 4
//!   },
//!   "Memsim": {
//!     "Pod": { "Limits": { "Memory": "4Gi" } },
//!     "gc.mode": "server",
//!     "Flink": { "taskmanager.memory.managed.fraction": 0.3 },
//!     "Job": { "Vertices": [ { "Name": "source", "Parallelism": 4 } ] }
//!   }
//! }
//! ```
//!
//! * `FlinkDotNet` is Flink.NET's own section (its memory pages plan `appsettings.json` as the
//!   place for `taskmanager.*`/`jobmanager.*` memory options): memsim reads the Flink memory
//!   options there, under their Flink keys, deprecated keys or Flink.NET aliases, and skips every
//!   other setting of that section.
//! * `Memsim` holds memsim's scenario keys, nested or dotted; its `Flink` subsection holds Flink
//!   options and wins over `FlinkDotNet`. Unknown keys there are errors. Arrays of tables are
//!   written as JSON arrays of objects.
//!
//! **Environment variables** follow .NET's convention with the prefix `MEMSIM__`: `__` separates
//! the levels and names are case-insensitive: `MEMSIM__Pod__Limits__Memory=4Gi`,
//! `MEMSIM__Gc__Heap_Hard_Limit=2Gi`, `MEMSIM__Flink__TaskManager__Memory__Process__Size=4g`,
//! `MEMSIM__Workload__Lifetimes__0__Fraction=0.05`. The library never reads the process
//! environment: the variables are passed in [`ConfigInputs::env`].
//!
//! **Manifest** ([`crate::scenario::manifest`]): a Deployment, StatefulSet, DaemonSet,
//! ReplicaSet, Job, CronJob, Pod or Flink Kubernetes Operator FlinkDeployment. The chosen
//! container's `resources.requests.memory` and `resources.limits.memory` become
//! `pod.requests.memory` and `pod.limits.memory`; its .NET GC variables (`DOTNET_`/`COMPlus_`,
//! hexadecimal) become `gc.mode` (gcServer), `gc.concurrent` (gcConcurrent),
//! `gc.heap_hard_limit` (GCHeapHardLimit), `gc.heap_hard_limit_percent`
//! (GCHeapHardLimitPercent), `gc.gen0size` (GCgen0size), `gc.heap_count` (GCHeapCount),
//! `gc.datas` (GCDynamicAdaptationMode = 1) and `gc.conserve_memory` (GCConserveMemory). A
//! FlinkDeployment also gives `flink.<process>.memory.process.size` (from its resources, as the
//! operator sets it) and the Flink memory options of `spec.flinkConfiguration`. The manifest sits
//! above the scenario file (it describes the real pod) and below appsettings.json, the
//! environment and `--set` (deliberate overrides).

pub mod budget;
pub mod flink;
pub mod flink_keys;
pub mod job;
pub mod layers;

pub use budget::{Budget, BudgetPlan, FlinkMemory, apply_budget, derive_budget};
pub use layers::{ConfigInputs, Layered, PodInput, read_layered};
