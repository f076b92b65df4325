//! `memsim plan FILE`: the smallest pod memory limit meeting the SLOs, written to
//! `DIR/<scenario>/plan/` and printed as a table, JSON or the YAML patch.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use anyhow::{Result, anyhow};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use memsim::budget::ProcessKind;
use memsim::config::budget::process_kind;
use memsim::plan::output::{patch_yaml, recommendation_json, table, write_all};
use memsim::plan::{Override, PlanError, PlanRequest, Target, plan as make_plan, read_settings};
use memsim::scenario::manifest::{
    FlinkComponent, ManifestSelector, ObjectKind, read_pod_resources,
};

use super::args::{InputArgs, PlanArgs, PlanFormat, Process};

/// The command-line settings as `[plan]` overrides, in the order they apply.
fn overrides(args: &PlanArgs) -> Vec<Override> {
    let mut out = Vec::new();
    for s in &args.slos {
        if let Some((k, v)) = s.split_once('=') {
            out.push(Override {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
                option: "--slo".into(),
            });
        }
    }
    let mut one = |key: &str, value: &Option<String>, option: &str| {
        if let Some(v) = value {
            out.push(Override {
                key: key.into(),
                value: v.clone(),
                option: option.into(),
            });
        }
    };
    one("step", &args.step, "--step");
    one("max", &args.max, "--max");
    one(
        "price_per_gib_hour",
        &args.price_per_gib_hour,
        "--price-per-gib-hour",
    );
    one("scrape", &args.scrape, "--scrape");
    one("seed", &args.seed.map(|s| s.to_string()), "--seed");
    if args.no_compare {
        one("compare", &Some("false".into()), "--no-compare");
    }
    for a in &args.also {
        one("also", &Some(a.clone()), "--also");
    }
    out
}

/// The object the patch is for: the `--pod` manifest's, else a Deployment.
fn target(inputs: &InputArgs, process: ProcessKind) -> Result<Target> {
    let Some(path) = &inputs.pod else {
        return Ok(Target::deployment_for(process));
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("{shown}: cannot read the manifest: {e}"))?;
    let component = match inputs.component {
        Some(Process::Jobmanager) => FlinkComponent::JobManager,
        Some(Process::Taskmanager) => FlinkComponent::TaskManager,
        None => match process {
            ProcessKind::JobManager => FlinkComponent::JobManager,
            ProcessKind::TaskManager => FlinkComponent::TaskManager,
        },
    };
    let selector = ManifestSelector {
        object: inputs.object.clone(),
        container: inputs.container.clone(),
        component,
    };
    let r = read_pod_resources(&text, &selector).map_err(|e| anyhow!("{shown}: {e}"))?;
    let object = if r.kind == ObjectKind::FlinkDeployment {
        let docs: Vec<serde_json::Value> =
            serde_saphyr::from_multiple(&text).map_err(|e| anyhow!("{shown}: {e}"))?;
        docs.into_iter().filter(|d| !d.is_null()).nth(r.document)
    } else {
        None
    };
    Ok(Target {
        object,
        kind: r.kind,
        name: r.object_name,
        container: r.container,
        component: r.component.unwrap_or(component),
        limit_factor: r.limit_factor,
    })
}

/// The Flink option that sizes the budget when it is not the pod limit (a fixed process size,
/// total Flink memory, or task heap and managed memory), with the Flink budget on and the plan
/// varying the pod limit: then the split cannot follow the candidate limits.
fn pinned_flink_size(config: &memsim::scenario::load::Config) -> Option<String> {
    let budget = memsim::config::budget::derive_budget(config).ok()?;
    let operator = config
        .entries
        .get(&memsim::config::budget::process_size_key(budget.process))
        .is_some_and(|e| matches!(e.source, memsim::scenario::load::Source::Manifest { .. }));
    (budget.sized_by != "pod.limits.memory" && !operator).then_some(budget.sized_by)
}

/// Runs `memsim plan`.
pub fn plan(args: &PlanArgs, out: &mut dyn Write) -> Result<()> {
    let started = Instant::now();
    let inputs = super::config::inputs(Some(&args.file), &args.sets, &args.inputs);
    let (config, mut warnings) = super::config::read(&inputs)?;
    let settings = read_settings(&config, &overrides(args)).map_err(|e| anyhow!(e.one_line()))?;
    let process = process_kind(&config);
    if let Some(key) = pinned_flink_size(&config) {
        warnings.push(format!(
            "{key} fixes Flink's memory sizes, so the split (heap hard limit, network, state) \
             stays the same at every limit the plan tries; remove it to let the split follow \
             the limit"
        ));
    }
    let target = target(&args.inputs, process)?;
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    );
    // Said before the search, so that they are seen also when it fails.
    super::config::warn(&warnings);
    let req = PlanRequest {
        config,
        source: args.file.clone(),
        settings,
        threads,
        target,
    };
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("{elapsed_precise} {spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let result = make_plan(&req, &mut |p| {
        bar.set_message(format!("{} runs: {}", p.runs, p.what));
        bar.tick();
    });
    bar.finish_and_clear();
    let result = match result {
        Ok(r) => r,
        Err(e @ PlanError::Infeasible(_)) => return Err(anyhow!("{e}")),
        Err(e) => return Err(anyhow!("{e}")),
    };
    let dir = args.out.join(&result.name).join("plan");
    write_all(&result, &dir).map_err(|e| anyhow!(e))?;
    let elapsed = started.elapsed().as_secs_f64();
    match args.format {
        PlanFormat::Yaml => out.write_all(patch_yaml(&result).as_bytes())?,
        PlanFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&recommendation_json(&result))?
        )?,
        PlanFormat::Table => {
            if !args.quiet {
                out.write_all(table(&result, Some(&dir), Some(elapsed)).as_bytes())?;
            }
        }
    }
    Ok(())
}
