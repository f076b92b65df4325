//! Apache Flink's TaskManager and JobManager memory derivation (exact arithmetic) and its mapping onto a .NET process.
