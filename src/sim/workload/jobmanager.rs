//! The JobManager's own memory: the job and execution graphs of the jobs it runs, the checkpoint
//! metadata it retains, and the REST and heartbeat traffic it serves.
//!
//! **Graphs.** A job of `V` vertices with `P` subtasks in all (the sum of the vertices'
//! parallelism) and edges from `p_from` to `p_to` subtasks keeps
//! `V × bytes_per_vertex + P × bytes_per_subtask + Σ edges (p_from + p_to) × bytes_per_edge_end`
//! on the heap while it runs: the job vertices with their serialized configuration, an execution
//! vertex and its current attempt per subtask, a result partition per producing subtask and a
//! consumed-partition group per consuming subtask and edge. This is linear in the parallelism
//! (all-to-all edges share their partition groups).
//!
//! **Jobs.** `jobs` copies of the job are submitted, the first at 0 and one every
//! `submit_interval_s`; each runs for `job_duration_s` (or for ever), then its graph and its
//! checkpoint metadata become garbage.
//!
//! **Checkpoint metadata.** Every checkpoint interval each running job completes a checkpoint
//! whose metadata, `P × checkpoint_bytes_per_subtask` (the state handles the subtasks
//! acknowledged), is allocated; the job keeps the last `retained_checkpoints` (Flink's
//! `state.checkpoints.num-retained`, default 1) and the older one becomes garbage.
//!
//! **Traffic.** Short-lived allocations per second: REST requests (each builds a response of
//! `rest_response_bytes` plus `rest_bytes_per_subtask` for each subtask of a running job, since
//! job-detail responses list every subtask: large responses go to the LOH) and heartbeats (a
//! request and a response per TaskManager every heartbeat interval, Flink's 10 s).

/// The shape of one job, as the JobManager stores it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobShape {
    /// Job vertices (operator chains).
    pub vertices: f64,
    /// Subtasks: the vertices' parallelism, summed.
    pub subtasks: f64,
    /// Subtasks at both ends of every edge, summed over the edges (`Σ p_from + p_to`).
    pub edge_ends: f64,
}

/// The JobManager's workload.
#[derive(Clone, Debug, PartialEq)]
pub struct JobManagerSpec {
    /// The job that is submitted.
    pub job: JobShape,
    /// Copies of the job submitted over the run.
    pub jobs: u32,
    /// Time between two submissions, seconds.
    pub submit_interval_s: f64,
    /// How long each job runs, seconds (`None`: until the end of the run).
    pub job_duration_s: Option<f64>,
    /// Heap bytes per job vertex.
    pub bytes_per_vertex: f64,
    /// Heap bytes per subtask.
    pub bytes_per_subtask: f64,
    /// Heap bytes per subtask at each end of an edge.
    pub bytes_per_edge_end: f64,
    /// Time between checkpoints, seconds (`None`: no checkpoints).
    pub checkpoint_interval_s: Option<f64>,
    /// Metadata of one checkpoint per subtask, bytes.
    pub checkpoint_bytes_per_subtask: f64,
    /// Completed checkpoints kept per job.
    pub retained_checkpoints: u32,
    /// REST requests per second.
    pub rest_requests_per_s: f64,
    /// Bytes allocated per REST request, besides the per-subtask part.
    pub rest_response_bytes: f64,
    /// Bytes allocated per REST request for each subtask of one running job.
    pub rest_bytes_per_subtask: f64,
    /// TaskManagers sending heartbeats.
    pub taskmanagers: f64,
    /// Time between heartbeats, seconds.
    pub heartbeat_interval_s: f64,
    /// Bytes allocated per heartbeat exchange (request and response).
    pub heartbeat_bytes: f64,
}

impl Default for JobManagerSpec {
    fn default() -> Self {
        JobManagerSpec {
            job: JobShape::default(),
            jobs: 1,
            submit_interval_s: 60.0,
            job_duration_s: None,
            bytes_per_vertex: 64.0 * 1024.0,
            bytes_per_subtask: 12.0 * 1024.0,
            bytes_per_edge_end: 1024.0,
            checkpoint_interval_s: None,
            checkpoint_bytes_per_subtask: 2048.0,
            retained_checkpoints: 1,
            rest_requests_per_s: 2.0,
            rest_response_bytes: 16.0 * 1024.0,
            rest_bytes_per_subtask: 512.0,
            taskmanagers: 1.0,
            heartbeat_interval_s: 10.0,
            heartbeat_bytes: 8.0 * 1024.0,
        }
    }
}

/// Short-lived allocation rates, bytes/s.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Traffic {
    /// Small objects.
    pub small_bytes_per_s: f64,
    /// Large objects (85,000 bytes or more).
    pub large_bytes_per_s: f64,
    /// Size of one REST response, bytes.
    pub response_bytes: f64,
}

impl JobManagerSpec {
    /// Heap bytes of one running job's graphs.
    pub fn graph_bytes(&self) -> f64 {
        let j = &self.job;
        j.vertices * self.bytes_per_vertex
            + j.subtasks * self.bytes_per_subtask
            + j.edge_ends * self.bytes_per_edge_end
    }

    /// Metadata of one completed checkpoint of one job, bytes.
    pub fn checkpoint_bytes(&self) -> f64 {
        self.job.subtasks * self.checkpoint_bytes_per_subtask
    }

    /// When job `i` (0-based) is submitted, seconds.
    pub fn submit_time(&self, i: u32) -> f64 {
        f64::from(i) * self.submit_interval_s.max(0.0)
    }

    /// Jobs running at `t_s`.
    pub fn running_jobs(&self, t_s: f64) -> u32 {
        (0..self.jobs)
            .filter(|&i| {
                let start = self.submit_time(i);
                start <= t_s && self.job_duration_s.is_none_or(|d| t_s < start + d)
            })
            .count() as u32
    }

    /// Live metadata with `running` jobs once each has retained its checkpoints, bytes.
    pub fn steady_bytes(&self, running: u32) -> f64 {
        let retained = if self.checkpoint_interval_s.is_some() {
            f64::from(self.retained_checkpoints) * self.checkpoint_bytes()
        } else {
            0.0
        };
        f64::from(running) * (self.graph_bytes() + retained)
    }

    /// Short-lived allocation with `running` jobs, split by the LOH threshold `loh_threshold`.
    pub fn traffic(&self, running: u32, loh_threshold: f64) -> Traffic {
        let response = self.rest_response_bytes
            + if running > 0 {
                self.job.subtasks * self.rest_bytes_per_subtask
            } else {
                0.0
            };
        let rest = self.rest_requests_per_s * response;
        let heartbeats = if self.heartbeat_interval_s > 0.0 {
            self.taskmanagers * self.heartbeat_bytes / self.heartbeat_interval_s
        } else {
            0.0
        };
        let (small, large) = if response >= loh_threshold {
            (heartbeats, rest)
        } else {
            (heartbeats + rest, 0.0)
        };
        Traffic {
            small_bytes_per_s: small,
            large_bytes_per_s: large,
            response_bytes: response,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(vertices: f64, parallelism: f64) -> JobShape {
        // A chain of all-to-all edges between the vertices.
        JobShape {
            vertices,
            subtasks: vertices * parallelism,
            edge_ends: (vertices - 1.0).max(0.0) * 2.0 * parallelism,
        }
    }

    #[test]
    fn graph_memory_grows_linearly_with_parallelism_times_vertices() {
        let at = |v: f64, p: f64| {
            JobManagerSpec {
                job: job(v, p),
                ..Default::default()
            }
            .graph_bytes()
        };
        // 5 vertices at parallelism 100: 5 × 64 KiB + 500 × 12 KiB + 800 × 1 KiB.
        assert_eq!(
            at(5.0, 100.0),
            5.0 * 65536.0 + 500.0 * 12288.0 + 800.0 * 1024.0
        );
        // Doubling the parallelism adds the same amount again, less the per-vertex part.
        let per_vertex = 5.0 * 65536.0;
        assert_eq!(
            at(5.0, 200.0) - per_vertex,
            2.0 * (at(5.0, 100.0) - per_vertex)
        );
        // Per subtask the cost is the same whatever the parallelism.
        let slope = (at(5.0, 400.0) - at(5.0, 100.0)) / 300.0;
        assert_eq!(slope, (at(5.0, 200.0) - at(5.0, 100.0)) / 100.0);
    }

    #[test]
    fn jobs_run_from_their_submission_for_their_duration() {
        let jm = JobManagerSpec {
            job: job(3.0, 10.0),
            jobs: 4,
            submit_interval_s: 100.0,
            job_duration_s: Some(250.0),
            checkpoint_interval_s: Some(60.0),
            retained_checkpoints: 2,
            ..Default::default()
        };
        assert_eq!(jm.running_jobs(0.0), 1);
        assert_eq!(jm.running_jobs(240.0), 3);
        assert_eq!(jm.running_jobs(260.0), 2);
        assert_eq!(jm.running_jobs(700.0), 0);
        assert_eq!(
            jm.steady_bytes(2),
            2.0 * (jm.graph_bytes() + 2.0 * 30.0 * 2048.0)
        );
    }

    #[test]
    fn large_job_detail_responses_go_to_the_loh() {
        let small = JobManagerSpec {
            job: job(4.0, 8.0),
            taskmanagers: 10.0,
            ..Default::default()
        };
        let t = small.traffic(1, 85_000.0);
        // 2 requests/s × (16 KiB + 32 × 512) plus 10 heartbeats of 8 KiB every 10 s.
        assert_eq!(t.small_bytes_per_s, 2.0 * (16384.0 + 16384.0) + 8192.0);
        assert_eq!(t.large_bytes_per_s, 0.0);
        let big = JobManagerSpec {
            job: job(4.0, 200.0),
            ..small
        };
        let t = big.traffic(1, 85_000.0);
        assert_eq!(t.large_bytes_per_s, 2.0 * (16384.0 + 800.0 * 512.0));
    }
}
