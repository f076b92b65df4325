//! Flink's network-buffer start-up check for a streaming job (counts in buffers, sizes in bytes):
//! how many buffers (memory segments) the input gates and result partitions of the subtasks on one
//! TaskManager require, how many they may use, and whether the network memory holds them.
//!
//! Rules (streaming defaults: pipelined-bounded partitions, credit-based input gates; see
//! `InputGateSpecUtils`, `NettyShuffleUtils.getMinMaxNetworkBuffersPerResultPartition` and
//! `NetworkBufferPool`), with `b` buffers per channel and `f` floating buffers per gate:
//!
//! * an input gate with `N` channels **requires** `N·b + 1` buffers (exclusive buffers plus one
//!   floating buffer) and **may use** up to `N·b + f`;
//! * a result partition with `S` subpartitions **requires** `S + 1` and may use up to
//!   `max(S·b + f, S + 1)`;
//! * a TaskManager has `floor(network bytes / segment size)` buffers in all.
//!
//! **Which TaskManager is checked.** The worst-case one: all of its slots are occupied and, with
//! slot sharing, every slot runs one subtask of every vertex, so it hosts `min(slots, p)` subtasks
//! of a vertex of parallelism `p`. Each hosted subtask is given the largest channel and
//! subpartition counts any subtask of its vertex has (pointwise edges can differ by one between
//! subtasks), and every input channel is assumed to be remote: Flink gives exclusive buffers
//! only to remote channels, so co-located producers make the real requirement smaller.
//!
//! **What "available" means.** Flink requests buffers piecewise at deployment and fails at the
//! first request larger than what is left: `available` is the total number of buffers minus all
//! the buffers required by the requests before it. The requests are replayed in a fixed order:
//! vertices in the order given (list them in topological order), the hosted subtasks of each
//! vertex in turn, and for each subtask its result partitions (one pool of `S + 1` each) and then
//! its input gates (the gate's `b` exclusive buffers per channel, channel by channel, then its
//! floating pool of 1). The check therefore fails exactly when the TaskManager's total
//! requirement exceeds its buffers; only the numbers in the message depend on the order.

use std::fmt;

use thiserror::Error;

use super::flink::{BudgetError, tm_defaults, validate_segment_size};

/// Default `taskmanager.network.memory.buffers-per-channel`: exclusive buffers per channel.
pub const DEFAULT_BUFFERS_PER_CHANNEL: u32 = 2;
/// Default `taskmanager.network.memory.floating-buffers-per-gate`.
pub const DEFAULT_FLOATING_BUFFERS_PER_GATE: u32 = 8;

/// How records travel along a job edge (Flink's stream partitioners).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// One-to-one to the subtask with the same index; requires equal parallelism (pointwise).
    Forward,
    /// Round-robin within a local group of subtasks (pointwise): each subtask talks to
    /// `ceil(p_other / p_this)` subtasks on the wider side and to one on the narrower side.
    Rescale,
    /// Round-robin to all downstream subtasks (all-to-all).
    Rebalance,
    /// Random to all downstream subtasks (all-to-all).
    Shuffle,
    /// Hash partitioning, `keyBy` (all-to-all).
    Hash,
    /// Every record to every downstream subtask (all-to-all: the same channel and subpartition
    /// counts as a hash exchange; only the data volume differs).
    Broadcast,
    /// Everything to downstream subtask 0 (all-to-all channel layout, as in Flink).
    Global,
}

impl Exchange {
    /// Whether every upstream subtask is connected to every downstream subtask.
    pub fn is_all_to_all(self) -> bool {
        !matches!(self, Exchange::Forward | Exchange::Rescale)
    }
}

/// A job vertex (an operator chain) with its parallelism.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobVertex {
    /// Name used in reports and errors.
    pub name: String,
    /// Number of parallel subtasks (at least 1).
    pub parallelism: u32,
}

/// A job edge: the output of `source` consumed by `target` (indexes into [`JobGraph::vertices`]).
/// Each edge is one result partition of the source and one input gate of the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobEdge {
    /// Index of the producing vertex.
    pub source: usize,
    /// Index of the consuming vertex.
    pub target: usize,
    /// How records are distributed.
    pub exchange: Exchange,
}

/// A streaming job: vertices (in topological order) and the edges between them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobGraph {
    /// The vertices, sources first.
    pub vertices: Vec<JobVertex>,
    /// The edges.
    pub edges: Vec<JobEdge>,
}

/// The network options of a TaskManager that the check needs; `None` means "not set".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkBufferOptions {
    /// `taskmanager.numberOfTaskSlots` (default 1).
    pub number_of_task_slots: Option<u32>,
    /// `taskmanager.network.memory.buffers-per-channel` (default 2).
    pub buffers_per_channel: Option<u32>,
    /// `taskmanager.network.memory.floating-buffers-per-gate` (default 8).
    pub floating_buffers_per_gate: Option<u32>,
}

impl NetworkBufferOptions {
    /// Task slots per TaskManager, default applied.
    pub fn slots(&self) -> u32 {
        self.number_of_task_slots
            .unwrap_or(tm_defaults::NUMBER_OF_TASK_SLOTS)
    }

    /// Exclusive buffers per channel `b`, default applied.
    pub fn buffers_per_channel(&self) -> u32 {
        self.buffers_per_channel
            .unwrap_or(DEFAULT_BUFFERS_PER_CHANNEL)
    }

    /// Floating buffers per gate `f`, default applied.
    pub fn floating_buffers_per_gate(&self) -> u32 {
        self.floating_buffers_per_gate
            .unwrap_or(DEFAULT_FLOATING_BUFFERS_PER_GATE)
    }
}

/// The buffers of one input gate of a subtask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateBuffers {
    /// Index of the edge in [`JobGraph::edges`].
    pub edge: usize,
    /// Input channels `N`.
    pub channels: u32,
    /// Required buffers, `N·b + 1`.
    pub required: u64,
    /// Most buffers the gate may use, `N·b + f` (never below `required`).
    pub max: u64,
}

/// The buffers of one result partition of a subtask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionBuffers {
    /// Index of the edge in [`JobGraph::edges`].
    pub edge: usize,
    /// Subpartitions `S`.
    pub subpartitions: u32,
    /// Required buffers, `S + 1`.
    pub required: u64,
    /// Most buffers the partition may use, `max(S·b + f, S + 1)`.
    pub max: u64,
}

/// The buffers of the most demanding subtask of one vertex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubtaskBuffers {
    /// Index of the vertex in [`JobGraph::vertices`].
    pub vertex: usize,
    /// Subtasks of this vertex on the checked TaskManager, `min(slots, parallelism)`.
    pub per_taskmanager: u32,
    /// One entry per input edge.
    pub gates: Vec<GateBuffers>,
    /// One entry per output edge.
    pub partitions: Vec<PartitionBuffers>,
}

impl SubtaskBuffers {
    /// Buffers this subtask requires: Σ gates (N·b + 1) + Σ partitions (S + 1).
    pub fn required(&self) -> u64 {
        let gates: u64 = self.gates.iter().map(|g| g.required).sum();
        let partitions: u64 = self.partitions.iter().map(|p| p.required).sum();
        gates.saturating_add(partitions)
    }

    /// Most buffers this subtask may use: Σ gates (N·b + f) + Σ partitions max.
    pub fn max(&self) -> u64 {
        let gates: u64 = self.gates.iter().map(|g| g.max).sum();
        let partitions: u64 = self.partitions.iter().map(|p| p.max).sum();
        gates.saturating_add(partitions)
    }
}

/// A failed buffer request, printed as Flink's `IOException` message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsufficientBuffers {
    /// Buffers in the failing request.
    pub required: u64,
    /// Buffers left when it was made.
    pub available: u64,
    /// Total buffers of the TaskManager.
    pub total_buffers: u64,
    /// Size of one buffer, bytes.
    pub segment_size: u64,
}

impl fmt::Display for InsufficientBuffers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Insufficient number of network buffers: required {}, but only {} available. The total \
             number of network buffers is currently set to {} of {} bytes each. You can increase \
             this number by setting the configuration keys 'taskmanager.memory.network.fraction', \
             'taskmanager.memory.network.min', and 'taskmanager.memory.network.max'.",
            self.required, self.available, self.total_buffers, self.segment_size
        )
    }
}

/// Why the network-buffer check cannot run or fails.
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// The TaskManager does not have enough buffers (Flink's message).
    #[error("{0}")]
    Insufficient(InsufficientBuffers),
    /// An edge refers to a vertex index that does not exist.
    #[error("edge {edge} refers to vertex {vertex}, but the job has {vertices} vertices")]
    UnknownVertex {
        /// Index of the edge.
        edge: usize,
        /// The missing vertex index.
        vertex: usize,
        /// Number of vertices.
        vertices: usize,
    },
    /// An edge connects a vertex to itself.
    #[error("edge {edge} connects vertex '{name}' to itself")]
    SelfLoop {
        /// Index of the edge.
        edge: usize,
        /// Name of the vertex.
        name: String,
    },
    /// A vertex has parallelism 0.
    #[error("vertex '{name}' has parallelism 0")]
    ZeroParallelism {
        /// Name of the vertex.
        name: String,
    },
    /// The TaskManager has no slots.
    #[error("taskmanager.numberOfTaskSlots must be at least 1")]
    NoSlots,
    /// A forward edge between vertices of different parallelism (Flink rejects the job).
    #[error(
        "Forward partitioning does not allow change of parallelism. Upstream operation: {upstream} \
         parallelism: {upstream_parallelism}, downstream operation: {downstream} parallelism: \
         {downstream_parallelism} You must use another partitioning strategy, such as broadcast, \
         rebalance, shuffle or global."
    )]
    ForwardParallelismMismatch {
        /// Name of the upstream vertex.
        upstream: String,
        /// Its parallelism.
        upstream_parallelism: u32,
        /// Name of the downstream vertex.
        downstream: String,
        /// Its parallelism.
        downstream_parallelism: u32,
    },
    /// The segment size is invalid (Flink's message).
    #[error(transparent)]
    SegmentSize(#[from] BudgetError),
    /// More than `Integer.MAX_VALUE` buffers.
    #[error("The given number of memory bytes ({bytes}) corresponds to more than MAX_INT pages.")]
    TooManyBuffers {
        /// Network memory, bytes.
        bytes: u64,
    },
}

/// The result of the check for the worst-case TaskManager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkBufferReport {
    /// The most demanding subtask of each vertex, in vertex order.
    pub subtasks: Vec<SubtaskBuffers>,
    /// Buffers the TaskManager requires: Σ vertices `per_taskmanager × required`.
    pub required: u64,
    /// Most buffers its subtasks may use: Σ vertices `per_taskmanager × max`.
    pub max: u64,
    /// Buffers the TaskManager has: `floor(network bytes / segment size)`.
    pub total_buffers: u64,
    /// Size of one buffer, bytes.
    pub segment_size: u64,
    /// The first request that does not fit, if any (see the module docs for the order).
    pub shortfall: Option<InsufficientBuffers>,
}

impl NetworkBufferReport {
    /// `Err` with Flink's "Insufficient number of network buffers" message if the required
    /// buffers do not fit.
    pub fn check(&self) -> Result<(), NetworkError> {
        match self.shortfall {
            Some(s) => Err(NetworkError::Insufficient(s)),
            None => Ok(()),
        }
    }

    /// Network memory in bytes that would just hold the required buffers.
    pub fn required_bytes(&self) -> u64 {
        self.required.saturating_mul(self.segment_size)
    }

    /// Network memory in bytes that would hold every buffer the subtasks may use.
    pub fn max_bytes(&self) -> u64 {
        self.max.saturating_mul(self.segment_size)
    }
}

/// Channels per input gate `N` of a consuming subtask (the largest over its subtasks).
pub fn channels_per_gate(
    exchange: Exchange,
    source_parallelism: u32,
    target_parallelism: u32,
) -> u32 {
    if exchange.is_all_to_all() {
        source_parallelism
    } else if source_parallelism > target_parallelism {
        source_parallelism.div_ceil(target_parallelism.max(1))
    } else {
        1
    }
}

/// Subpartitions per result partition `S` of a producing subtask (the largest over its subtasks).
pub fn subpartitions_per_partition(
    exchange: Exchange,
    source_parallelism: u32,
    target_parallelism: u32,
) -> u32 {
    if exchange.is_all_to_all() {
        target_parallelism
    } else if target_parallelism > source_parallelism {
        target_parallelism.div_ceil(source_parallelism.max(1))
    } else {
        1
    }
}

/// Runs the check for `job` on TaskManagers with `network_bytes` of network memory split into
/// buffers of `segment_size` bytes. Structural problems are errors; a shortfall is reported in
/// [`NetworkBufferReport::shortfall`] (and by [`NetworkBufferReport::check`]).
pub fn analyze_network_buffers(
    job: &JobGraph,
    options: &NetworkBufferOptions,
    segment_size: u64,
    network_bytes: u64,
) -> Result<NetworkBufferReport, NetworkError> {
    let segment_size = validate_segment_size(segment_size)?;
    let total_buffers = network_bytes / segment_size;
    if total_buffers > i32::MAX as u64 {
        return Err(NetworkError::TooManyBuffers {
            bytes: network_bytes,
        });
    }
    let slots = options.slots();
    if slots == 0 {
        return Err(NetworkError::NoSlots);
    }
    validate(job)?;
    let b = u64::from(options.buffers_per_channel());
    let f = u64::from(options.floating_buffers_per_gate());

    let mut subtasks: Vec<SubtaskBuffers> = job
        .vertices
        .iter()
        .enumerate()
        .map(|(i, v)| SubtaskBuffers {
            vertex: i,
            per_taskmanager: slots.min(v.parallelism),
            gates: Vec::new(),
            partitions: Vec::new(),
        })
        .collect();
    for (i, e) in job.edges.iter().enumerate() {
        let (ps, pt) = (
            job.vertices[e.source].parallelism,
            job.vertices[e.target].parallelism,
        );
        let n = u64::from(channels_per_gate(e.exchange, ps, pt));
        let gate_required = n.saturating_mul(b).saturating_add(1);
        subtasks[e.target].gates.push(GateBuffers {
            edge: i,
            channels: n as u32,
            required: gate_required,
            max: n.saturating_mul(b).saturating_add(f).max(gate_required),
        });
        let s = u64::from(subpartitions_per_partition(e.exchange, ps, pt));
        subtasks[e.source].partitions.push(PartitionBuffers {
            edge: i,
            subpartitions: s as u32,
            required: s + 1,
            max: s.saturating_mul(b).saturating_add(f).max(s + 1),
        });
    }

    let required = subtasks.iter().fold(0u64, |acc, s| {
        acc.saturating_add(u64::from(s.per_taskmanager).saturating_mul(s.required()))
    });
    let max = subtasks.iter().fold(0u64, |acc, s| {
        acc.saturating_add(u64::from(s.per_taskmanager).saturating_mul(s.max()))
    });
    let shortfall =
        replay_requests(&subtasks, b, total_buffers).map(|(request, left)| InsufficientBuffers {
            required: request,
            available: left,
            total_buffers,
            segment_size,
        });
    Ok(NetworkBufferReport {
        subtasks,
        required,
        max,
        total_buffers,
        segment_size,
        shortfall,
    })
}

fn validate(job: &JobGraph) -> Result<(), NetworkError> {
    if let Some(v) = job.vertices.iter().find(|v| v.parallelism == 0) {
        return Err(NetworkError::ZeroParallelism {
            name: v.name.clone(),
        });
    }
    let count = job.vertices.len();
    for (i, e) in job.edges.iter().enumerate() {
        for vertex in [e.source, e.target] {
            if vertex >= count {
                return Err(NetworkError::UnknownVertex {
                    edge: i,
                    vertex,
                    vertices: count,
                });
            }
        }
        let (up, down) = (&job.vertices[e.source], &job.vertices[e.target]);
        if e.source == e.target {
            return Err(NetworkError::SelfLoop {
                edge: i,
                name: up.name.clone(),
            });
        }
        if e.exchange == Exchange::Forward && up.parallelism != down.parallelism {
            return Err(NetworkError::ForwardParallelismMismatch {
                upstream: up.name.clone(),
                upstream_parallelism: up.parallelism,
                downstream: down.name.clone(),
                downstream_parallelism: down.parallelism,
            });
        }
    }
    Ok(())
}

/// Replays the buffer requests of the checked TaskManager in the documented order; returns the
/// first request that does not fit and the buffers left at that point.
fn replay_requests(subtasks: &[SubtaskBuffers], b: u64, total: u64) -> Option<(u64, u64)> {
    let mut left = total;
    for s in subtasks {
        for _ in 0..s.per_taskmanager {
            for p in &s.partitions {
                if p.required > left {
                    return Some((p.required, left));
                }
                left -= p.required;
            }
            for g in &s.gates {
                // Exclusive buffers, `b` per channel, channel by channel.
                if let Some(fitting) = left.checked_div(b) {
                    let channels = u64::from(g.channels);
                    if channels > fitting {
                        return Some((b, left - fitting * b));
                    }
                    left -= channels * b;
                }
                // The gate's floating pool requires one buffer.
                if left == 0 {
                    return Some((1, 0));
                }
                left -= 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(parallelism: &[u32], edges: &[(usize, usize, Exchange)]) -> JobGraph {
        JobGraph {
            vertices: parallelism
                .iter()
                .enumerate()
                .map(|(i, &p)| JobVertex {
                    name: format!("v{i}"),
                    parallelism: p,
                })
                .collect(),
            edges: edges
                .iter()
                .map(|&(source, target, exchange)| JobEdge {
                    source,
                    target,
                    exchange,
                })
                .collect(),
        }
    }

    const SEGMENT: u64 = 32 << 10;

    #[test]
    fn gate_and_partition_counts_by_exchange() {
        assert_eq!(channels_per_gate(Exchange::Forward, 4, 4), 1);
        assert_eq!(subpartitions_per_partition(Exchange::Forward, 4, 4), 1);
        for all in [Exchange::Hash, Exchange::Rebalance, Exchange::Broadcast] {
            assert_eq!(channels_per_gate(all, 6, 4), 6);
            assert_eq!(subpartitions_per_partition(all, 6, 4), 4);
        }
        // Rescale 6 → 4: consumers read 1 or 2 producers; producers write to one consumer.
        assert_eq!(channels_per_gate(Exchange::Rescale, 6, 4), 2);
        assert_eq!(subpartitions_per_partition(Exchange::Rescale, 6, 4), 1);
        // Rescale 2 → 5: producers write to 2 or 3 consumers.
        assert_eq!(channels_per_gate(Exchange::Rescale, 2, 5), 1);
        assert_eq!(subpartitions_per_partition(Exchange::Rescale, 2, 5), 3);
    }

    #[test]
    fn required_and_max_per_subtask() {
        // source(4) -hash-> map(4) -forward-> sink(4), defaults b=2, f=8, 1 slot.
        let g = job(
            &[4, 4, 4],
            &[(0, 1, Exchange::Hash), (1, 2, Exchange::Forward)],
        );
        let r = analyze_network_buffers(&g, &NetworkBufferOptions::default(), SEGMENT, 64 << 20)
            .unwrap();
        // source: partition S=4 → 5 required, max 4·2+8 = 16.
        assert_eq!((r.subtasks[0].required(), r.subtasks[0].max()), (5, 16));
        // map: gate N=4 → 9 required, max 16; partition S=1 → 2 required, max 10.
        assert_eq!((r.subtasks[1].required(), r.subtasks[1].max()), (11, 26));
        // sink: gate N=1 → 3 required, max 10.
        assert_eq!((r.subtasks[2].required(), r.subtasks[2].max()), (3, 10));
        assert_eq!(r.required, 19);
        assert_eq!(r.max, 52);
        assert_eq!(r.total_buffers, 2048);
        assert!(r.check().is_ok());
    }

    #[test]
    fn slots_multiply_the_requirement_up_to_parallelism() {
        let g = job(&[8, 2], &[(0, 1, Exchange::Hash)]);
        let opts = NetworkBufferOptions {
            number_of_task_slots: Some(4),
            ..NetworkBufferOptions::default()
        };
        let r = analyze_network_buffers(&g, &opts, SEGMENT, 64 << 20).unwrap();
        assert_eq!(r.subtasks[0].per_taskmanager, 4);
        assert_eq!(r.subtasks[1].per_taskmanager, 2);
        // 4 × (2 + 1) + 2 × (8·2 + 1) = 12 + 34.
        assert_eq!(r.required, 46);
    }

    #[test]
    fn shortfall_uses_flinks_message() {
        // keyBy 16 → 16 with 1 slot and only 20 buffers: the partition takes 17, the gate's first
        // channel takes 2, and the second channel's 2 exclusive buffers do not fit (1 left).
        let g = job(&[16, 16], &[(0, 1, Exchange::Hash)]);
        let r =
            analyze_network_buffers(&g, &NetworkBufferOptions::default(), SEGMENT, 20 * SEGMENT)
                .unwrap();
        assert_eq!(r.required, 17 + 33);
        let err = r.check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Insufficient number of network buffers: required 2, but only 1 available. The total \
             number of network buffers is currently set to 20 of 32768 bytes each. You can \
             increase this number by setting the configuration keys \
             'taskmanager.memory.network.fraction', 'taskmanager.memory.network.min', and \
             'taskmanager.memory.network.max'."
        );
        // A partition that does not fit fails with its whole pool size.
        let r =
            analyze_network_buffers(&g, &NetworkBufferOptions::default(), SEGMENT, 13 * SEGMENT)
                .unwrap();
        let s = r.shortfall.unwrap();
        assert_eq!((s.required, s.available, s.total_buffers), (17, 13, 13));
        // Exactly enough buffers pass.
        let r =
            analyze_network_buffers(&g, &NetworkBufferOptions::default(), SEGMENT, 50 * SEGMENT)
                .unwrap();
        assert!(r.check().is_ok());
        assert_eq!(r.required_bytes(), 50 * SEGMENT);
    }

    #[test]
    fn replay_fails_exactly_when_the_total_does_not_fit() {
        let g = job(
            &[3, 5, 2, 2],
            &[
                (0, 1, Exchange::Rescale),
                (1, 2, Exchange::Hash),
                (2, 3, Exchange::Forward),
                (0, 3, Exchange::Broadcast),
            ],
        );
        for slots in 1..4 {
            let opts = NetworkBufferOptions {
                number_of_task_slots: Some(slots),
                ..NetworkBufferOptions::default()
            };
            for buffers in 0..120 {
                let r = analyze_network_buffers(&g, &opts, SEGMENT, buffers * SEGMENT).unwrap();
                assert_eq!(
                    r.shortfall.is_some(),
                    r.required > buffers,
                    "{slots} {buffers}"
                );
                if let Some(s) = r.shortfall {
                    assert!(s.required > s.available && s.available <= buffers);
                }
            }
        }
    }

    #[test]
    fn offcuts_are_tolerated() {
        let g = job(&[1], &[]);
        let r = analyze_network_buffers(&g, &NetworkBufferOptions::default(), SEGMENT, 134_217_730)
            .unwrap();
        assert_eq!(r.total_buffers, 4096);
    }

    #[test]
    fn structural_errors() {
        let opts = NetworkBufferOptions::default();
        let g = job(&[2, 3], &[(0, 1, Exchange::Forward)]);
        assert!(matches!(
            analyze_network_buffers(&g, &opts, SEGMENT, 64 << 20),
            Err(NetworkError::ForwardParallelismMismatch { .. })
        ));
        let g = job(&[2], &[(0, 1, Exchange::Hash)]);
        assert!(matches!(
            analyze_network_buffers(&g, &opts, SEGMENT, 64 << 20),
            Err(NetworkError::UnknownVertex { vertex: 1, .. })
        ));
        let g = job(&[0], &[]);
        assert!(matches!(
            analyze_network_buffers(&g, &opts, SEGMENT, 64 << 20),
            Err(NetworkError::ZeroParallelism { .. })
        ));
        let g = job(&[1], &[]);
        assert_eq!(
            analyze_network_buffers(&g, &opts, 1000, 64 << 20)
                .unwrap_err()
                .to_string(),
            "Invalid configuration value for taskmanager.memory.segment-size : 1000 - Minimum \
             memory segment size is 4096"
        );
    }
}
