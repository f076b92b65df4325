//! The simulation core: event engine, .NET GC, process, pod and workload models. No file, CLI or
//! plotting code lives here: inputs arrive as a typed [`RunSpec`] and results leave through an
//! [`observe::Observer`].

pub mod engine;
pub mod gc;
pub mod observe;
pub mod pod;
pub mod process;
pub mod rng;
pub mod run;
pub mod workload;

pub use run::{RunSpec, Simulation, simulate};
