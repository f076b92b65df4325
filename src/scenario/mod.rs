//! Scenario files and other user inputs: TOML scenarios, Kubernetes quantities and durations, manifests, appsettings.json.
