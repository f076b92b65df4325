//! The command line as typed values (clap derive): one `*Args` struct per subcommand. Only
//! syntax is checked here; files are read by the subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use memsim::report::png::DEFAULT_HEATMAP_COLUMN;
use memsim::scenario::quantity::parse_size;
use memsim::sim::gc::GcProfile;
use memsim::sweep::Shard;

/// Simulates the memory of Flink.NET TaskManager and JobManager pods (.NET) in Kubernetes:
/// GC behaviour, resident memory and OOM kills.
#[derive(Debug, Parser)]
#[command(name = "memsim", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write its CSV files and charts into DIR/<scenario name>/
    Run(RunArgs),
    /// Run every point × replication of a scenario's [sweep] in parallel
    Sweep(SweepArgs),
    /// Combine the shard folders of one sweep into the files a single sweep writes
    Merge(MergeArgs),
    /// Draw the charts of a run or sweep folder again from its CSV files
    Plot(PlotArgs),
    /// Check a scenario without running it
    Check(CheckArgs),
    /// Predict a workload of the real-runtime lab, or compare a lab dataset with the model
    Lab(LabArgs),
    /// Print the memory budget: Flink's split of the process's memory, in .NET terms
    Budget(BudgetArgs),
    /// Print the effective configuration with the source of every value
    Config(ConfigArgs),
    /// Find the smallest pod memory limit meeting the SLOs, with its split, a patch and a
    /// comparison with the VPA-, KRR- and operator-style heuristics
    Plan(PlanArgs),
}

/// Inputs besides the scenario file, shared by `run`, `check`, `budget` and `config`. Lowest
/// precedence first: defaults < scenario file < manifest (`--pod`) < appsettings.json
/// (`--appsettings`) < `MEMSIM__*` environment variables < `--set`.
#[derive(Clone, Debug, Default, Args)]
pub struct InputArgs {
    /// An appsettings.json file: scenario keys under its `Memsim` section, Flink memory options
    /// under `FlinkDotNet` (or `Memsim:Flink`); no appsettings file is read unless given
    #[arg(long, value_name = "FILE")]
    pub appsettings: Option<PathBuf>,
    /// A Kubernetes manifest (Deployment, StatefulSet, Pod, FlinkDeployment, ...): the
    /// container's memory request and limit and its DOTNET_/COMPlus_ GC variables apply
    #[arg(long, value_name = "MANIFEST")]
    pub pod: Option<PathBuf>,
    /// The manifest's container [default: its only container, the annotated default container,
    /// or flink-main-container of a FlinkDeployment]
    #[arg(long, value_name = "NAME", requires = "pod")]
    pub container: Option<String>,
    /// The Flink process the manifest runs; also sets scenario.process [default:
    /// scenario.process]
    #[arg(long, value_name = "PROCESS", requires = "pod")]
    pub component: Option<Process>,
    /// The manifest's workload (metadata.name or Kind/name), when it holds several
    #[arg(long, value_name = "NAME", requires = "pod")]
    pub object: Option<String>,
}

/// A Flink.NET process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Process {
    /// A TaskManager
    Taskmanager,
    /// A JobManager
    Jobmanager,
}

impl Process {
    /// The word as written in scenarios (`scenario.process`).
    pub fn name(self) -> &'static str {
        match self {
            Process::Taskmanager => "taskmanager",
            Process::Jobmanager => "jobmanager",
        }
    }
}

/// How a report is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for reading
    #[default]
    Table,
    /// One JSON object
    Json,
}

/// `memsim budget`.
#[derive(Debug, Args)]
#[command(after_help = "\
Derives the split exactly as Apache Flink does. Without FILE, it works from the other inputs
alone. Flink options are set with --set KEY=VALUE, with or without the flink. prefix; sizes take
Flink's units (1728m, 1g, 32kb: binary) or Kubernetes quantities (1.5Gi). Without a Flink size,
the process size is pod.limits.memory.

Precedence, lowest first: defaults < FILE < --pod < --appsettings < MEMSIM__Section__Key
environment variables (MEMSIM__Pod__Limits__Memory=4Gi) < --set.

Examples:
  memsim budget --flink --set taskmanager.memory.process.size=1728m
  memsim budget scenarios/taskmanager-healthy.toml --format json
  memsim budget --pod deploy.yaml --container taskmanager
  memsim budget --process jobmanager --set jobmanager.memory.process.size=1600m")]
pub struct BudgetArgs {
    /// Scenario file (TOML) [default: none]
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The process to derive [default: scenario.process]
    #[arg(long, value_name = "PROCESS")]
    pub process: Option<Process>,
    /// Print Flink's components as `name=bytes` lines (names of validation/flink/flink-vectors.csv)
    #[arg(long, conflicts_with = "format")]
    pub flink: bool,
    /// Output format
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: Format,
    /// Override a setting by its dotted key, or set a Flink option (repeatable; later ones win)
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub sets: Vec<String>,
    /// Other inputs.
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `memsim config`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints every key that has a value, with where the value came from: default, FILE:LINE,
manifest FILE:YAML_PATH, appsettings FILE:JSON_PATH, env NAME, --set, or budget: WHAT for values
the memory budget derived. JSON prints {\"KEY\": {\"value\": ..., \"source\": ...}}, sizes as
integer bytes and durations in seconds.

Precedence, lowest first: defaults < FILE < --pod < --appsettings < MEMSIM__Section__Key
environment variables (MEMSIM__Pod__Limits__Memory=4Gi) < --set.")]
pub struct ConfigArgs {
    /// Scenario file (TOML) [default: none]
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Output format
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: Format,
    /// Override a setting by its dotted key, or set a Flink option (repeatable; later ones win)
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub sets: Vec<String>,
    /// Other inputs.
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `memsim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Folder for results: the CSV files go to DIR/<scenario name>/
    #[arg(long, short, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// Seed of the run's random streams [default: the scenario's]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Override a scenario setting by its dotted key, or set a Flink option (repeatable; later
    /// ones win)
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub sets: Vec<String>,
    /// Run one point of the scenario's [sweep] alone (0-based, as in runs.csv); the results go
    /// to DIR/<scenario>-p<K>-r<R>/
    #[arg(long, value_name = "K")]
    pub point: Option<u64>,
    /// With --point: which replication (0-based) [default: 0]
    #[arg(long, value_name = "R")]
    pub replication: Option<u64>,
    /// Other inputs.
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `memsim sweep`.
#[derive(Debug, Args)]
#[command(after_help = "\
Writes DIR/<scenario>/sweep.json, runs.csv (one row per run, appended as runs finish),
points.csv (statistics per point) and the charts risk.png, peak_rss.png and, for two swept
keys, heatmap.png. With --shard K/N only runs.csv and sweep.json, in
DIR/<scenario>/shard-K-of-N/; combine the shards with memsim merge.

Examples:
  memsim sweep scenarios/taskmanager-limit-gc-sweep.toml --threads 4
  memsim sweep my.toml --resume                 # finish an interrupted sweep
  memsim sweep my.toml --shard $JOB_COMPLETION_INDEX/8 --out /results --resume")]
pub struct SweepArgs {
    /// Scenario file (TOML) with a [sweep] section
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Folder for results: they go to DIR/<scenario name>/
    #[arg(long, short, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// Worker threads [default: one per CPU]; the output is the same for any number
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Carry on an interrupted sweep: keep the runs already in runs.csv and run the rest
    #[arg(long)]
    pub resume: bool,
    /// Run only the K-th (0-based) of N interleaved slices of the runs
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Sweep seed every run seed derives from [default: [sweep] seed, else scenario.seed]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Override a scenario setting by its dotted key, or set a Flink option (repeatable; later
    /// ones win)
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub sets: Vec<String>,
    /// Other inputs.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Show progress on stderr even when it is not a terminal (one line a second)
    #[arg(long, conflicts_with = "quiet")]
    pub progress: bool,
    /// Print nothing (no progress, no summary)
    #[arg(long, short)]
    pub quiet: bool,
    /// The points.csv column heatmap.png shows
    #[arg(long, value_name = "COLUMN", default_value = DEFAULT_HEATMAP_COLUMN)]
    pub heatmap: String,
}

/// How `memsim plan` prints its answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// The recommendation, the comparison table and the explanation, for reading
    #[default]
    Table,
    /// recommendation.json
    Json,
    /// patch.yaml (to pipe into kubectl patch)
    Yaml,
}

/// `memsim plan`.
#[derive(Debug, Args)]
#[command(after_help = "\
Finds the smallest pod memory limit, on a grid of --step, whose replications meet every SLO,
judged on the upper end of the 95% interval (oom_risk: Wilson; gc_time_pct and p99_pause: t):
  oom_risk     P(OOM kill or managed OOM within the horizon)   default 1%
  gc_time_pct  mean time in GC, percent of running time         default 5
  p99_pause    mean p99 GC pause                                 off unless given
  headroom     p95 peak resident memory / limit                  off unless given
The split follows the limit (Flink's budget, or the runtime's 75% default hard limit). SLOs and
options can also go in the scenario's [plan] section; the command line wins.

Writes DIR/<scenario>/plan/: plan.csv, recommendation.json, risk.png, peak.png, patch.yaml
(strategic-merge patch of the --pod manifest's kind, else a Deployment) and
appsettings.memory.json. Exit code 2 when no limit up to [plan] max meets the SLOs.

Examples:
  memsim plan scenarios/taskmanager-healthy.toml
  memsim plan my.toml --slo oom_risk=0.5% --slo p99_pause=20ms --step 128Mi
  memsim plan my.toml --pod deploy.yaml --format yaml > patch.yaml
  kubectl patch --local -f deploy.yaml --patch-file patch.yaml -o yaml   # review, then without --local
  memsim plan my.toml --also gc.mode,gc.concurrent --price-per-gib-hour 0.005")]
pub struct PlanArgs {
    /// Scenario file (TOML), optionally with a [plan] section
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// An SLO: oom_risk=1%, gc_time_pct=5, p99_pause=50ms, headroom=90% (repeatable)
    #[arg(long = "slo", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub slos: Vec<String>,
    /// Folder for results: they go to DIR/<scenario name>/plan/
    #[arg(long, short, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// What to print on stdout
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    pub format: PlanFormat,
    /// Granularity of the limit [default: [plan] step, else 64Mi]
    #[arg(long, value_name = "SIZE")]
    pub step: Option<String>,
    /// Largest limit tried [default: [plan] max, else machine.node_memory]
    #[arg(long, value_name = "SIZE")]
    pub max: Option<String>,
    /// Price of one GiB of memory for one hour, for the cost of the recommendation
    #[arg(long, value_name = "PRICE")]
    pub price_per_gib_hour: Option<String>,
    /// Keys searched besides the limit, comma-separated: word and boolean keys take all their
    /// values (gc.mode), others list them (flink.taskmanager.memory.network.fraction=0.05|0.1)
    #[arg(long, value_name = "KEY[=V1|V2],...")]
    pub also: Vec<String>,
    /// Interval of the simulated metrics scraper the heuristics learn from [default: 30s]
    #[arg(long, value_name = "DURATION")]
    pub scrape: Option<String>,
    /// Skip the comparison with the VPA-, KRR- and operator-style heuristics
    #[arg(long)]
    pub no_compare: bool,
    /// Seed every run seed derives from [default: [plan] seed, else scenario.seed]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Override a scenario setting by its dotted key, or set a Flink option (repeatable; later
    /// ones win)
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub sets: Vec<String>,
    /// Other inputs; --pod also names the object kind the patch is for.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Worker threads [default: one per CPU]; the answer is the same for any number
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Print no progress and no table (JSON and YAML are still printed)
    #[arg(long, short)]
    pub quiet: bool,
}

/// `memsim merge`.
#[derive(Debug, Args)]
#[command(after_help = "\
Example (three shards written by memsim sweep --shard K/3 --out /results):
  memsim merge /results/my-sweep/shard-*-of-3 --out /results")]
pub struct MergeArgs {
    /// The shard folders (DIR/<scenario>/shard-K-of-N), all N of them
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Folder for results: they go to DIR/<scenario name>/
    #[arg(long, short, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// The points.csv column heatmap.png shows
    #[arg(long, value_name = "COLUMN", default_value = DEFAULT_HEATMAP_COLUMN)]
    pub heatmap: String,
    /// Print nothing
    #[arg(long, short)]
    pub quiet: bool,
}

/// `memsim plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A run folder (timeseries.csv) or a sweep folder (points.csv)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The points.csv column heatmap.png shows
    #[arg(long, value_name = "COLUMN", default_value = DEFAULT_HEATMAP_COLUMN)]
    pub heatmap: String,
}

/// `memsim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (TOML)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Override a scenario setting by its dotted key, or set a Flink option (repeatable; later
    /// ones win)
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub sets: Vec<String>,
    /// Other inputs.
    #[command(flatten)]
    pub inputs: InputArgs,
}

/// `memsim lab`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints the lab summary columns for SPEC: a CSV header and one row, each figure the median of
fifteen model runs (the spec's seed and fourteen derived from it), as the lab reports the median
of its repetitions.

Examples:
  memsim lab validation/lab/calibration/specs/churn-128b.spec \\
      --machine validation/lab/calibration/machine.json --host-speed 1.31
  memsim lab my.spec --runtime net8 --cores 4 COMPlus_gcServer=1 DOTNET_GCHeapHardLimit=0x20000000
  memsim lab --compare validation/lab/calibration-net8-datas")]
pub struct LabArgs {
    /// Lab workload spec (`key = value` lines)
    #[arg(value_name = "SPEC", required_unless_present = "compare")]
    pub spec: Option<PathBuf>,
    /// GC settings as the runtime's environment variables, applied over the spec's own
    /// (COMPlus_gcServer=1, DOTNET_GCgen0size=0x4000000); values are hexadecimal, as the runtime
    /// reads them
    #[arg(value_name = "NAME=VALUE", value_parser = parse_knob)]
    pub knobs: Vec<(String, String)>,
    /// A lab dataset's machine.json [default: the lab's first host: 2 cores, 320 MiB cache as
    /// glibc reports it, 24 GiB, .NET Core 3.1, host speed 1.31]
    #[arg(long, value_name = "FILE")]
    pub machine: Option<PathBuf>,
    /// CPUs the runtime sees
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub cores: Option<u32>,
    /// Largest CPU cache the runtime reads, in bytes or as a quantity (32Mi), or `unbounded`
    /// (the runtime read −1)
    #[arg(long, value_name = "BYTES|unbounded", value_parser = parse_cache)]
    pub cache: Option<Cache>,
    /// Physical memory, in bytes or as a quantity (24Gi)
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub memory: Option<u64>,
    /// The .NET runtime whose GC rules apply
    #[arg(long, value_name = "RUNTIME")]
    pub runtime: Option<Runtime>,
    /// How long the host takes for the same CPU work (the lab loop's and the GC's) as the lab's
    /// second host: 1.3 is a host 30% slower [default: 1 with --machine; `--compare` measures it
    /// from the dataset's pure churn]
    #[arg(long, value_name = "FACTOR", value_parser = parse_host_speed)]
    pub host_speed: Option<f64>,
    /// Compare every spec of a lab dataset folder (specs/, summary.csv, machine.json) with its
    /// measurements and print the report
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with_all = ["spec", "knobs", "machine", "cores", "cache", "memory", "runtime", "host_speed"]
    )]
    pub compare: Option<PathBuf>,
}

/// The largest cache the runtime reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
    /// A size, bytes.
    Bytes(u64),
    /// No bound (a cache level read as −1).
    Unbounded,
}

/// A .NET runtime whose GC rules the model knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Runtime {
    /// .NET Core 3.1: segments (validated against the real runtime)
    Netcore31,
    /// .NET 8: regions, DATAS opt-in (validated against the real runtime)
    Net8,
    /// .NET 9: DATAS on by default for Server GC (modelled from the runtime's rules)
    Net9,
    /// .NET 10: as .NET 9, GCGen0MaxBudget honoured under DATAS (modelled)
    Net10,
}

impl Runtime {
    /// The GC profile of this runtime.
    pub fn profile(self) -> GcProfile {
        match self {
            Runtime::Netcore31 => GcProfile::NetCore31,
            Runtime::Net8 => GcProfile::Net8,
            Runtime::Net9 => GcProfile::Net9,
            Runtime::Net10 => GcProfile::Net10,
        }
    }
}

/// Checks that an override has the form `KEY=VALUE` with a key.
fn parse_set(s: &str) -> Result<String, String> {
    match s.split_once('=') {
        Some((k, _)) if !k.trim().is_empty() => Ok(s.to_string()),
        _ => Err("expected KEY=VALUE with a dotted key".into()),
    }
}

/// Splits `NAME=VALUE` and checks that the value is a hexadecimal number (optionally `0x`).
fn parse_knob(s: &str) -> Result<(String, String), String> {
    let Some((name, value)) = s.split_once('=') else {
        return Err("expected NAME=VALUE, such as COMPlus_gcServer=1".into());
    };
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err("expected NAME=VALUE with a variable name, such as COMPlus_gcServer=1".into());
    }
    let digits = value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
        .unwrap_or(value);
    if u64::from_str_radix(digits, 16).is_err() {
        return Err(format!(
            "{name}: {value:?} is not a hexadecimal number (the runtime reads GC settings in the \
             environment as hexadecimal: 0x20000000 or 20000000)"
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

/// A host speed factor, 0.01–100 (as `machine.gc_speed`).
fn parse_host_speed(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if (0.01..=100.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "expected a factor from 0.01 to 100 (1 = the lab's second host, 1.3 = 30% slower), \
             found {s:?}"
        )),
    }
}

/// Bytes as a plain number or a Kubernetes quantity.
fn parse_bytes(s: &str) -> Result<u64, String> {
    parse_size(s).map_err(|e| e.to_string())
}

/// `unbounded` or bytes.
fn parse_cache(s: &str) -> Result<Cache, String> {
    if s.eq_ignore_ascii_case("unbounded") {
        Ok(Cache::Unbounded)
    } else {
        parse_bytes(s).map(Cache::Bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn lab_takes_a_spec_knobs_and_machine_options() {
        let cli = Cli::try_parse_from([
            "memsim",
            "lab",
            "a.spec",
            "COMPlus_gcServer=1",
            "DOTNET_GCHeapHardLimit=0x20000000",
            "--cores",
            "4",
            "--cache",
            "unbounded",
            "--memory",
            "8Gi",
            "--runtime",
            "net8",
        ])
        .unwrap();
        let Command::Lab(a) = cli.command else {
            panic!("not lab")
        };
        assert_eq!(a.spec, Some(PathBuf::from("a.spec")));
        assert_eq!(
            a.knobs,
            vec![
                ("COMPlus_gcServer".to_string(), "1".to_string()),
                (
                    "DOTNET_GCHeapHardLimit".to_string(),
                    "0x20000000".to_string()
                )
            ]
        );
        assert_eq!(a.cores, Some(4));
        assert_eq!(a.cache, Some(Cache::Unbounded));
        assert_eq!(a.memory, Some(8 << 30));
        assert_eq!(a.runtime, Some(Runtime::Net8));
    }

    #[test]
    fn lab_needs_a_spec_or_compare_but_not_both() {
        assert!(Cli::try_parse_from(["memsim", "lab"]).is_err());
        assert!(Cli::try_parse_from(["memsim", "lab", "--compare", "d"]).is_ok());
        assert!(Cli::try_parse_from(["memsim", "lab", "a.spec", "--compare", "d"]).is_err());
    }

    #[test]
    fn rejects_malformed_values() {
        assert!(parse_knob("COMPlus_gcServer").is_err());
        assert!(parse_knob("=1").is_err());
        assert!(parse_knob("GCgen0size=64MB").is_err());
        assert_eq!(parse_cache("32Mi"), Ok(Cache::Bytes(32 << 20)));
        assert!(parse_cache("lots").is_err());
        assert!(parse_set("novalue").is_err());
        assert!(parse_set("a.b=").is_ok());
    }

    #[test]
    fn budget_and_config_take_the_layered_inputs() {
        let cli = Cli::try_parse_from([
            "memsim",
            "budget",
            "--flink",
            "--process",
            "jobmanager",
            "--pod",
            "m.yaml",
            "--container",
            "main",
            "--component",
            "jobmanager",
            "--appsettings",
            "a.json",
            "--set",
            "taskmanager.memory.process.size=1g",
        ])
        .unwrap();
        let Command::Budget(a) = cli.command else {
            panic!("not budget")
        };
        assert!(a.flink && a.file.is_none());
        assert_eq!(a.process, Some(Process::Jobmanager));
        assert_eq!(a.inputs.container.as_deref(), Some("main"));
        assert_eq!(a.inputs.component, Some(Process::Jobmanager));
        assert!(Cli::try_parse_from(["memsim", "budget", "--flink", "--format", "json"]).is_err());
        assert!(Cli::try_parse_from(["memsim", "run", "s.toml", "--container", "c"]).is_err());
        let cli = Cli::try_parse_from(["memsim", "config", "s.toml", "--format", "json"]).unwrap();
        let Command::Config(a) = cli.command else {
            panic!("not config")
        };
        assert_eq!(a.format, Format::Json);
    }

    #[test]
    fn run_defaults_to_results() {
        let cli = Cli::try_parse_from(["memsim", "run", "s.toml", "--set", "a=1"]).unwrap();
        let Command::Run(a) = cli.command else {
            panic!("not run")
        };
        assert_eq!(a.out, PathBuf::from("results"));
        assert_eq!(a.sets, vec!["a=1".to_string()]);
        assert_eq!(a.seed, None);
        assert_eq!((a.point, a.replication), (None, None));
    }

    #[test]
    fn sweep_takes_threads_shard_and_flags() {
        let cli = Cli::try_parse_from([
            "memsim",
            "sweep",
            "s.toml",
            "--threads",
            "4",
            "--shard",
            "1/3",
            "--resume",
        ])
        .unwrap();
        let Command::Sweep(a) = cli.command else {
            panic!("not sweep")
        };
        assert_eq!(a.threads, Some(4));
        assert_eq!(a.shard, Some(Shard { index: 1, count: 3 }));
        assert!(a.resume && !a.quiet && !a.progress);
        assert_eq!(a.heatmap, "p_oom_kill");
        assert!(Cli::try_parse_from(["memsim", "sweep", "s.toml", "--shard", "3/3"]).is_err());
        assert!(Cli::try_parse_from(["memsim", "sweep", "s.toml", "--threads", "0"]).is_err());
        assert!(
            Cli::try_parse_from(["memsim", "sweep", "s.toml", "--quiet", "--progress"]).is_err()
        );
        assert!(Cli::try_parse_from(["memsim", "merge"]).is_err());
    }
}
