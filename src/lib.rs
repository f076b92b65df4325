//! memsim: a discrete-event simulator of the memory of Flink.NET JobManager and TaskManager
//! processes (.NET) running in Kubernetes pods.
//!
//! The crate is split into a **core** that knows nothing of files, command lines or plots, and an
//! **edge** around it:
//!
//! | layer | modules | what it does |
//! |---|---|---|
//! | core | [`units`], [`sim`], [`budget`] | simulated time and bytes; the event engine, the .NET GC, the process, the pod and the workload models; Apache Flink's memory derivation |
//! | edge | [`scenario`], [`config`] | scenario files, Kubernetes quantities and manifests, layered configuration with provenance |
//! | edge | [`lab`] | predicts a workload of the real-runtime lab and compares predictions with its datasets |
//! | edge | [`sweep`], [`report`], [`plan`] | parallel experiments, CSV/PNG/JSON/YAML reports, capacity planning |
//!
//! The command-line interface lives in the binary (`src/cli/`), not in this library.
#![warn(missing_docs)]

pub mod budget;
pub mod config;
pub mod lab;
pub mod plan;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod units;
