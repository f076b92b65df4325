//! Parameter sweeps and Monte Carlo replications, run in parallel and reduced deterministically.
