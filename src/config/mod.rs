//! Layered configuration: built-in defaults < scenario file < appsettings.json < environment < `--set`, with the source of every value.

pub mod flink_keys;
