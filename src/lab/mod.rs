//! The real-runtime lab: reads a lab workload spec and machine facts, predicts the run with the simulator, compares with a dataset.
