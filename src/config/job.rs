//! The job a scenario describes for the network-buffer check: `[[job.vertices]]` (name and
//! parallelism, in topological order) and `[[job.edges]]` (from, to and exchange kind), turned
//! into a [`JobGraph`].
//!
//! ```toml
//! [job]
//! parallelism = 4                 # for vertices that set none
//!
//! [[job.vertices]]
//! name = "source"
//!
//! [[job.vertices]]
//! name = "window"
//! parallelism = 8
//!
//! [[job.edges]]
//! from = "source"
//! to = "window"
//! exchange = "hash"               # forward | rescale | rebalance | shuffle | hash | broadcast | global
//! ```

use std::collections::BTreeMap;

use crate::budget::{Exchange, JobEdge, JobGraph, JobVertex};
use crate::scenario::load::{Config, ScenarioError, Value};

/// Key of the vertex list.
pub const VERTICES: &str = "job.vertices";
/// Key of the edge list.
pub const EDGES: &str = "job.edges";

/// The exchange kind named `word` (as in [`crate::scenario::schema::EXCHANGES`]).
pub fn exchange(word: &str) -> Option<Exchange> {
    Some(match word {
        "forward" => Exchange::Forward,
        "rescale" => Exchange::Rescale,
        "rebalance" => Exchange::Rebalance,
        "shuffle" => Exchange::Shuffle,
        "hash" => Exchange::Hash,
        "broadcast" => Exchange::Broadcast,
        "global" => Exchange::Global,
        _ => return None,
    })
}

fn text<'a>(t: &'a BTreeMap<String, Value>, field: &str) -> Option<&'a str> {
    match t.get(field) {
        Some(Value::Text(s)) => Some(s.as_str()),
        _ => None,
    }
}

fn tables<'a>(config: &'a Config, key: &str) -> &'a [BTreeMap<String, Value>] {
    match config.get(key) {
        Some(Value::Tables(t)) => t,
        _ => &[],
    }
}

/// The described job, or `None` when the scenario lists no vertices. Vertex names must be
/// unique and edges must name vertices; errors name the entry at fault.
pub fn job_graph(config: &Config) -> Result<Option<JobGraph>, ScenarioError> {
    let vertices = tables(config, VERTICES);
    let edges = tables(config, EDGES);
    if vertices.is_empty() {
        if edges.is_empty() {
            return Ok(None);
        }
        return Err(config.error(EDGES, "edges need vertices: describe them in job.vertices"));
    }
    let default_parallelism = match config.get("job.parallelism") {
        Some(Value::Int(p)) => (*p).clamp(1, i64::from(u32::MAX)) as u32,
        _ => 1,
    };
    let mut job = JobGraph::default();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, v) in vertices.iter().enumerate() {
        let name = text(v, "name").unwrap_or_default();
        if index.insert(name, i).is_some() {
            return Err(config.error(
                VERTICES,
                format!("entry {}: a vertex named {name:?} is already listed", i + 1),
            ));
        }
        let parallelism = match v.get("parallelism") {
            Some(Value::Int(p)) => (*p).clamp(1, i64::from(u32::MAX)) as u32,
            _ => default_parallelism,
        };
        job.vertices.push(JobVertex {
            name: name.to_string(),
            parallelism,
        });
    }
    let names = || {
        job.vertices
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, e) in edges.iter().enumerate() {
        let end = |field: &str| {
            let name = text(e, field).unwrap_or_default();
            index.get(name).copied().ok_or_else(|| {
                config.error(
                    EDGES,
                    format!(
                        "entry {}: `{field}` names no vertex: {name:?} (vertices: {})",
                        i + 1,
                        names()
                    ),
                )
            })
        };
        let source = end("from")?;
        let target = end("to")?;
        let kind = text(e, "exchange")
            .and_then(exchange)
            .unwrap_or(Exchange::Hash);
        job.edges.push(JobEdge {
            source,
            target,
            exchange: kind,
        });
    }
    Ok(Some(job))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::{apply_set, defaults};

    fn config(sets: &[&str]) -> Config {
        let mut c = defaults();
        for s in sets {
            apply_set(&mut c, s).unwrap();
        }
        c
    }

    #[test]
    fn vertices_and_edges_become_a_job_graph() {
        let c = config(&[
            "job.parallelism=2",
            r#"job.vertices=[{name="src"}, {name="agg", parallelism=4}]"#,
            r#"job.edges=[{from="src", to="agg"}]"#,
        ]);
        let job = job_graph(&c).unwrap().unwrap();
        assert_eq!(job.vertices[0].parallelism, 2);
        assert_eq!(job.vertices[1].parallelism, 4);
        assert_eq!(job.edges[0].source, 0);
        assert_eq!(job.edges[0].target, 1);
        assert_eq!(job.edges[0].exchange, Exchange::Hash);
        assert_eq!(job_graph(&defaults()).unwrap(), None);
    }

    #[test]
    fn bad_edges_and_duplicates_are_named() {
        let c = config(&[
            r#"job.vertices=[{name="src"}]"#,
            r#"job.edges=[{from="src", to="sink", exchange="forward"}]"#,
        ]);
        let e = job_graph(&c).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("job.edges"));
        assert!(
            e.problem.contains("\"sink\"") && e.problem.contains("src"),
            "{e}"
        );
        let c = config(&[r#"job.vertices=[{name="a"}, {name="a"}]"#]);
        assert!(
            job_graph(&c)
                .unwrap_err()
                .problem
                .contains("already listed")
        );
        let c = config(&[r#"job.edges=[{from="a", to="b"}]"#]);
        assert!(job_graph(&c).unwrap_err().problem.contains("need vertices"));
        let mut c = defaults();
        let e = apply_set(
            &mut c,
            r#"job.edges=[{from="a", to="b", exchange="keyby"}]"#,
        );
        assert!(e.unwrap_err().problem.contains("hash"));
    }
}
