//! The real-runtime lab: reads a lab workload spec and its machine facts, predicts the run with
//! the simulator, and compares predictions with the lab's datasets (ground truth measured on
//! .NET Core 3.1 and .NET 8).

pub mod compare;
pub mod host_speed;
pub mod machine;
pub mod predict;
pub mod recorder;
pub mod spec;

pub use compare::{DatasetComparison, compare_dataset};
pub use machine::LabMachine;
pub use predict::{LabPrediction, predict};
pub use spec::LabSpec;
