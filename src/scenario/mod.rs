//! Scenario files and other user inputs: TOML scenarios, Kubernetes quantities and durations, manifests, appsettings.json.

pub mod appsettings;
pub mod build;
pub mod duration;
pub mod load;
pub mod manifest;
pub mod quantity;
pub mod replay;
pub mod schema;

pub use load::{Config, OutputOptions, Scenario, ScenarioError, load_scenario};
