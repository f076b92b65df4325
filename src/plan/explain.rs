//! Why the recommended limit is what it is: what fills the memory at the peak of the worst
//! replication at the recommended limit, and how the first failing replication one step below
//! fails (which figure crossed which limit, when, during which GC and checkpoint).
//!
//! Both runs are simulated again from their replication seed (the seeds make them identical to
//! the runs the search judged), this time with an observer that keeps the GC in progress and the
//! checkpoints running at the moment of interest.

use std::time::Duration;

use crate::scenario::duration::format_duration;
use crate::sim::observe::{Components, GcRecord, Observer, Outcome, RunEvent, Sample};
use crate::sim::simulate;

use super::eval::{LimitEval, RunContext, replication_seed};
use super::{PlanError, Recommendation};

/// One component's share of resident memory at an instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    /// Its name for people (`gen2`, `LOH`, `network buffers`, …).
    pub name: &'static str,
    /// Bytes.
    pub bytes: f64,
    /// Share of resident memory, 0–1.
    pub share: f64,
}

/// The moment a sentence describes.
#[derive(Clone, Debug, PartialEq)]
pub struct Moment {
    /// The pod limit of the run, bytes.
    pub limit: u64,
    /// The replication.
    pub replication: u64,
    /// Seconds from the start of the run.
    pub time_s: f64,
    /// Resident memory, bytes.
    pub rss: f64,
    /// How the run ended.
    pub outcome: Outcome,
    /// Memory by component, largest first.
    pub shares: Vec<Share>,
    /// Raw components (for the chart).
    pub components: Components,
    /// What was going on: `during a checkpoint`, `during a gen2 background GC (alloc_small)`,
    /// `2s after a gen1 GC (alloc_small)`.
    pub during: Vec<String>,
    /// For a managed OOM: the GC heap's committed memory and its hard limit, bytes.
    pub heap: Option<(f64, Option<f64>)>,
    /// The sentence.
    pub sentence: String,
}

/// The explanation of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The peak of the worst replication at the recommended limit.
    pub peak: Moment,
    /// The first failure one step below, if the step below failed by OOM.
    pub failure: Option<Moment>,
}

impl Explanation {
    /// Both sentences.
    pub fn text(&self) -> String {
        match &self.failure {
            Some(f) => format!("{} {}", self.peak.sentence, f.sentence),
            None => self.peak.sentence.clone(),
        }
    }
}

/// Watches one instant of a run: the GC running or last finished and the checkpoints in progress
/// at `at_s`, and the failure event.
struct Watch {
    at_s: f64,
    last_gc: Option<GcRecord>,
    checkpoints: u32,
    nearest: f64,
    /// Memory by component and resident memory of the sample nearest `at_s`.
    sample: Option<(Components, f64)>,
    failure: Option<RunEvent>,
}

impl Observer for Watch {
    fn on_sample(&mut self, s: &Sample) {
        let d = (s.time_s - self.at_s).abs();
        if d <= self.nearest && s.running {
            self.nearest = d;
            self.checkpoints = s.models.checkpoints_in_progress;
            self.sample = Some((s.mem, s.rss));
        }
    }
    fn on_gc(&mut self, g: &GcRecord) {
        if g.start_s <= self.at_s {
            self.last_gc = Some(g.clone());
        }
    }
    fn on_event(&mut self, e: &RunEvent) {
        if self.failure.is_none() && !matches!(e, RunEvent::Restarted { .. }) {
            self.failure = Some(e.clone());
        }
    }
}

/// Explains `rec` (see the module doc); counts its runs in `runs`.
pub fn explain(
    rec: &Recommendation,
    ctx: &RunContext,
    runs: &mut u64,
) -> Result<Explanation, PlanError> {
    let at = &rec.eval;
    let worst = at
        .runs
        .iter()
        .find(|r| r.outcome != Outcome::Ok)
        .or_else(|| {
            at.runs
                .iter()
                .max_by(|a, b| a.peak_rss.total_cmp(&b.peak_rss))
        })
        .ok_or_else(|| PlanError::Input("the recommended limit has no runs".into()))?;
    let time = worst.outcome_time_s.unwrap_or(worst.peak_rss_time_s);
    let peak = moment(at, worst.replication, time, ctx, runs, false)?;
    let failure = match &rec.below {
        Some(b) => match b.runs.iter().find(|r| r.outcome != Outcome::Ok) {
            Some(r) => Some(moment(
                b,
                r.replication,
                r.outcome_time_s.unwrap_or(r.peak_rss_time_s),
                ctx,
                runs,
                true,
            )?),
            None => None,
        },
        None => None,
    };
    Ok(Explanation { peak, failure })
}

fn moment(
    e: &LimitEval,
    replication: u64,
    at_s: f64,
    ctx: &RunContext,
    runs: &mut u64,
    failing: bool,
) -> Result<Moment, PlanError> {
    let Some(spec) = &e.spec else {
        return Err(PlanError::Input(format!(
            "the limit {} does not build",
            super::quantity(e.limit)
        )));
    };
    let mut spec = spec.clone();
    spec.seed = replication_seed(ctx.seed, replication);
    let mut w = Watch {
        at_s,
        last_gc: None,
        checkpoints: 0,
        nearest: f64::INFINITY,
        sample: None,
        failure: None,
    };
    let sum = simulate(&spec, &mut w);
    *runs += 1;
    // A failure is described at its own instant (a managed OOM can come after a higher peak);
    // the peak by the run's exact peak.
    let (c, rss) = match (failing, w.sample) {
        (true, Some((c, rss))) => (c, rss),
        _ => (sum.peak_components, sum.peak_rss),
    };
    let shares = shares(&c, rss);
    let mut during = Vec::new();
    if w.checkpoints > 0 {
        during.push(if w.checkpoints > 1 {
            format!("during {} checkpoints", w.checkpoints)
        } else {
            "during a checkpoint".to_string()
        });
    }
    if let Some(g) = &w.last_gc {
        let running = g.start_s + g.duration_s.max(g.pause_s) >= at_s;
        let kind = match g.kind {
            crate::sim::gc::GcKind::Background => " background",
            crate::sim::gc::GcKind::Foreground => " foreground",
            crate::sim::gc::GcKind::Blocking => "",
        };
        if running {
            during.push(format!(
                "during a gen{}{kind} GC ({})",
                g.generation,
                g.reason.name()
            ));
        } else {
            during.push(format!(
                "{} after a gen{}{kind} GC ({})",
                seconds(at_s - g.start_s),
                g.generation,
                g.reason.name()
            ));
        }
    }
    let parts: Vec<String> = shares
        .iter()
        .filter(|s| s.share >= 0.01)
        .take(6)
        .map(|s| format!("{} {:.0}%", s.name, s.share * 100.0))
        .collect();
    let when = clock(at_s);
    let context = if during.is_empty() {
        String::new()
    } else {
        format!(", {}", during.join(", "))
    };
    let (sentence, heap) = match (failing, sum.outcome, &w.failure) {
        (true, Outcome::ManagedOom, Some(RunEvent::ManagedOom { committed, .. })) => {
            let hard = crate::sim::gc::tuning::GcTuning::derive(&spec.gc, &spec.machine).hard_limit;
            (
                format!(
                    "One step below, at {}, replication {replication} throws OutOfMemoryException at {when}{context}: the GC heap ({}) cannot grow past its hard limit ({}) while resident memory is {} ({}).",
                    super::quantity(e.limit),
                    gib(*committed),
                    hard.map_or("none".to_string(), gib),
                    gib(rss),
                    parts.join(", ")
                ),
                Some((*committed, hard)),
            )
        }
        (true, _, _) => (
            format!(
                "One step below, at {}, replication {replication} is OOM-killed at {when}{context}: resident memory {} crosses the pod limit ({}).",
                super::quantity(e.limit),
                gib(rss),
                parts.join(", ")
            ),
            None,
        ),
        (false, _, _) => (
            format!(
                "Peak {} ({} of the {} limit) at {when}{context}: {}.",
                gib(rss),
                percent(rss / e.limit as f64),
                super::quantity(e.limit),
                parts.join(", ")
            ),
            None,
        ),
    };
    Ok(Moment {
        limit: e.limit,
        replication,
        time_s: at_s,
        rss,
        outcome: sum.outcome,
        shares,
        components: c,
        during,
        heap,
        sentence,
    })
}

/// The components of resident memory, largest first, with their shares of `rss`.
pub fn shares(c: &Components, rss: f64) -> Vec<Share> {
    let objects = c.gen0 + c.gen1 + c.gen2 + c.loh + c.fragmentation;
    let list = [
        ("gen0", c.gen0),
        ("gen1", c.gen1),
        ("gen2", c.gen2),
        // Pages never written are not resident: under large objects, and on emptied large
        // regions the GC keeps committed (its reserve).
        (
            "LOH",
            (c.loh - (c.gc_untouched - c.gc_untouched_parked)).max(0.0),
        ),
        ("fragmentation", c.fragmentation),
        (
            "GC reserve and bookkeeping",
            (c.gc_committed - objects - c.gc_untouched_parked).max(0.0),
        ),
        ("network buffers", c.network),
        ("off-heap state", c.state_offheap),
        ("thread stacks", c.stacks),
        ("runtime and code", c.runtime + c.code),
        ("native", c.native),
    ];
    let total = if rss > 0.0 { rss } else { 1.0 };
    let mut out: Vec<Share> = list
        .iter()
        .map(|(name, b)| Share {
            name,
            bytes: *b,
            share: b / total,
        })
        .collect();
    out.sort_by(|a, b| b.bytes.total_cmp(&a.bytes));
    out
}

/// A share as a percentage, whole unless that would round it up to 100%: `83%`, `99.7%`.
fn percent(share: f64) -> String {
    let pct = share * 100.0;
    if (99.5..100.0).contains(&pct) {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    }
}

/// `2.31 GiB`.
pub fn gib(b: f64) -> String {
    if b >= (1u64 << 30) as f64 {
        format!("{:.2} GiB", b / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MiB", b / (1u64 << 20) as f64)
    }
}

/// Time into the run as a wall clock from midnight (the runs start at midnight): `18:42:07`, with
/// the day when past the first.
pub fn clock(t: f64) -> String {
    let s = t.max(0.0).round() as u64;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("day {} {h:02}:{m:02}:{sec:02}", d + 1)
    } else {
        format!("{h:02}:{m:02}:{sec:02}")
    }
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format_duration(Duration::from_secs_f64((s * 10.0).round() / 10.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Never-written pages on emptied large regions come out of the GC's reserve, not out of
    /// the LOH's objects: the shares still add up to the resident memory.
    #[test]
    fn shares_leave_out_the_unwritten_pages_of_emptied_regions() {
        let c = Components {
            loh: 32.0,
            gc_committed: 100.0,
            gc_untouched: 60.0,
            gc_untouched_parked: 50.0,
            ..Components::default()
        };
        let s = shares(&c, c.rss());
        let get = |name: &str| s.iter().find(|x| x.name == name).unwrap().bytes;
        assert_eq!(get("LOH"), 22.0);
        assert_eq!(get("GC reserve and bookkeeping"), 18.0);
        let total: f64 = s.iter().map(|x| x.bytes).sum();
        assert!(
            (total - c.rss()).abs() < 1e-9,
            "{total} against {}",
            c.rss()
        );
    }

    #[test]
    fn shares_sum_to_resident_memory_and_sort() {
        let c = Components {
            gen2: 600.0,
            loh: 200.0,
            gc_committed: 900.0,
            network: 100.0,
            ..Components::default()
        };
        let s = shares(&c, c.rss());
        assert_eq!(s[0].name, "gen2");
        let total: f64 = s.iter().map(|x| x.share).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        assert_eq!(clock(3600.0 * 18.0 + 42.0 * 60.0 + 7.0), "18:42:07");
        assert_eq!(clock(90_000.0), "day 2 01:00:00");
        assert_eq!(percent(0.997), "99.7%");
        assert_eq!(percent(0.83), "83%");
    }
}
