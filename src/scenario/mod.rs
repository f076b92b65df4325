//! Scenario files and other user inputs: TOML scenarios, Kubernetes quantities and durations, manifests, appsettings.json.

pub mod appsettings;
pub mod duration;
pub mod manifest;
pub mod load;
pub mod quantity;

pub use load::{OutputOptions, Scenario, ScenarioError, load_scenario};
