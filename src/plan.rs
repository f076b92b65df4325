//! Capacity planning: the smallest pod limit meeting every SLO, with its risk.
