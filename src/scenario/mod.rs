//! Scenario files and other user inputs: TOML scenarios, Kubernetes quantities and durations, manifests, appsettings.json.

pub mod appsettings;
pub mod duration;
pub mod manifest;
pub mod quantity;
