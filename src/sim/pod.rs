//! The Kubernetes pod around the process: memory request and limit, the kernel's OOM kill when
//! resident memory passes the limit, and the kubelet's restart back-off.

/// What the kubelet does when the container exits.
#[derive(Clone, Debug, PartialEq)]
pub enum RestartPolicy {
    /// The run ends at the first failure.
    Never,
    /// Restart with Kubernetes' exponential back-off (10 s doubling to 300 s, reset after 10
    /// minutes of running); state comes back from the last completed checkpoint.
    Always {
        /// Checkpoint interval: state restored on restart is the state at the last multiple of
        /// this interval, seconds.
        checkpoint_interval_s: f64,
        /// Rate at which restored state is rebuilt in memory, bytes/s.
        restore_bytes_per_s: f64,
    },
}

/// The pod's memory settings.
#[derive(Clone, Debug, PartialEq)]
pub struct PodSpec {
    /// `resources.requests.memory`, bytes.
    pub request_bytes: Option<f64>,
    /// `resources.limits.memory`, bytes: the container is OOM-killed when its resident memory
    /// passes it.
    pub limit_bytes: Option<f64>,
    /// Restart policy.
    pub restart: RestartPolicy,
    /// When set, the limit is checked only at multiples of this interval against the peak resident
    /// memory so far (an emulated limit, as the real-runtime lab does), seconds.
    pub limit_check_interval_s: Option<f64>,
}

impl Default for PodSpec {
    fn default() -> Self {
        PodSpec {
            request_bytes: None,
            limit_bytes: None,
            restart: RestartPolicy::Never,
            limit_check_interval_s: None,
        }
    }
}

/// Kubernetes' crash-loop back-off: the delay before restart number `restarts` (1-based) of a
/// container, seconds: 10 s, 20 s, 40 s, ... capped at 300 s.
pub fn restart_backoff_s(restarts: u32) -> f64 {
    let exp = restarts.saturating_sub(1).min(16);
    (10.0 * 2f64.powi(exp as i32)).min(300.0)
}

/// A container that ran this long without failing has its back-off reset, seconds.
pub const BACKOFF_RESET_S: f64 = 600.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        let d: Vec<f64> = (1..=7).map(restart_backoff_s).collect();
        assert_eq!(d, [10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]);
    }
}
