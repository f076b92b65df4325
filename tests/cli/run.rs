//! `memsim run` and `memsim check`: every scenario of `scenarios/`, determinism, bad inputs.
//!
//! The tests that load scenarios wait for the scenario loader and are ignored until it lands.
//! Bad scenarios are made from a real one (parsed and rewritten with the `toml` crate), so that
//! each differs from a valid scenario in the one field under test.

use std::fs;
use std::path::{Path, PathBuf};

use memsim::report::csv::{
    GC_EVENTS_COLUMNS, GC_EVENTS_FILE, SUMMARY_COLUMNS, SUMMARY_FILE, TIMESERIES_COLUMNS,
    TIMESERIES_FILE,
};
use memsim::scenario::quantity::{format_quantity, parse_size};

use crate::util::{TestDir, assert_one_error, repo, stdout};

/// `scenarios/*.toml`, sorted.
fn scenarios() -> Vec<PathBuf> {
    let dir = repo("scenarios");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    files
}

/// The folders a run left in `out` (names, sorted), hidden temporary ones included.
fn entries(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = match fs::read_dir(out) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Runs `memsim run FILE --out OUT [extra...]`, expects success, and returns the run's folder.
fn run_ok(t: &TestDir, file: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec![
        "run".to_string(),
        file.display().to_string(),
        "--out".to_string(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = t.memsim(&args).output().unwrap();
    assert!(
        o.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let names = entries(out);
    assert_eq!(names.len(), 1, "{}: {names:?}", file.display());
    assert!(
        !names[0].starts_with('.'),
        "temporary folder left: {names:?}"
    );
    let dir = out.join(&names[0]);
    let summary = stdout(&o);
    for needle in ["outcome", "peak RSS", "GCs", "p99", "time in GC"] {
        assert!(summary.contains(needle), "{needle}: {summary}");
    }
    assert!(summary.contains(&names[0]), "{summary}");
    dir
}

fn header(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().next().unwrap_or("").to_string()
}

/// The files of a run folder, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The value of `column` in a run's `summary.csv`.
fn summary_field(dir: &Path, column: &str) -> String {
    let text = fs::read_to_string(dir.join(SUMMARY_FILE)).unwrap();
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let i = SUMMARY_COLUMNS.iter().position(|c| *c == column).unwrap();
    let row = rdr.records().next().unwrap().unwrap();
    row[i].to_string()
}

#[test]
fn run_of_a_missing_file_is_named() {
    let t = TestDir::new();
    let o = t.memsim(["run", "missing.toml"]).output().unwrap();
    assert_one_error(&o, &["missing.toml"]);
    assert!(entries(&t.path().join("results")).is_empty());
}

#[test]
fn check_of_a_missing_file_is_named() {
    let t = TestDir::new();
    let o = t.memsim(["check", "missing.toml"]).output().unwrap();
    assert_one_error(&o, &["missing.toml"]);
}

#[test]
fn set_without_a_value_is_one_error_line() {
    let t = TestDir::new();
    let o = t
        .memsim(["run", "x.toml", "--set", "pod.limits.memory"])
        .output()
        .unwrap();
    assert_one_error(&o, &["--set", "KEY=VALUE"]);
}

#[test]
fn every_scenario_checks_and_runs() {
    for file in scenarios() {
        let t = TestDir::new();
        let out = t.path().join("out");
        let dir = run_ok(&t, &file, &out, &[]);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();

        assert_eq!(
            header(&dir.join(TIMESERIES_FILE)),
            TIMESERIES_COLUMNS.join(",")
        );
        assert_eq!(
            header(&dir.join(GC_EVENTS_FILE)),
            GC_EVENTS_COLUMNS.join(",")
        );
        assert_eq!(header(&dir.join(SUMMARY_FILE)), SUMMARY_COLUMNS.join(","));
        let ts = fs::read_to_string(dir.join(TIMESERIES_FILE)).unwrap();
        assert!(
            ts.lines().count() > 1,
            "{}: empty time series",
            file.display()
        );
        for (i, line) in ts.lines().enumerate() {
            assert_eq!(
                line.split(',').count(),
                TIMESERIES_COLUMNS.len(),
                "{} line {}",
                file.display(),
                i + 1
            );
        }
        let summary = fs::read_to_string(dir.join(SUMMARY_FILE)).unwrap();
        assert_eq!(summary.lines().count(), 2, "{}", file.display());
        assert_eq!(summary_field(&dir, "scenario"), name);

        let o = t
            .memsim(["check", file.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out = stdout(&o);
        assert_eq!(out.lines().next(), Some(format!("ok: {name}").as_str()));
        assert!(
            out.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("budget: ")),
            "{out}"
        );
    }
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_differs() {
    let mut seed_matters = 0;
    for file in scenarios() {
        let t = TestDir::new();
        let a = run_ok(&t, &file, &t.path().join("a"), &["--seed", "11"]);
        let b = run_ok(&t, &file, &t.path().join("b"), &["--seed", "11"]);
        let c = run_ok(&t, &file, &t.path().join("c"), &["--seed", "12"]);
        let (fa, fb, fc) = (files(&a), files(&b), files(&c));
        assert_eq!(fa, fb, "{}: same seed, different files", file.display());
        assert_eq!(summary_field(&a, "seed"), "11");
        assert_eq!(summary_field(&c, "seed"), "12");
        assert_ne!(fa, fc, "{}", file.display());
        let series = |f: &[(String, Vec<u8>)]| {
            f.iter()
                .filter(|(n, _)| n != SUMMARY_FILE)
                .cloned()
                .collect::<Vec<_>>()
        };
        if series(&fa) != series(&fc) {
            seed_matters += 1;
        }
    }
    assert!(seed_matters > 0, "no scenario's output depends on the seed");
}

/// A copy of the first scenario with `pod.limits.memory` / `pod.requests.memory` replaced.
fn with_pod_memory(limit: Option<&str>, request: Option<&str>) -> String {
    let base = fs::read_to_string(&scenarios()[0]).unwrap();
    let mut table: toml::Table = base.parse().expect("scenarios/ files are valid TOML");
    let pod = table
        .entry("pod")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let pod = pod.as_table_mut().expect("[pod] is a table");
    for (key, value) in [("limits", limit), ("requests", request)] {
        if let Some(v) = value {
            let t = pod
                .entry(key)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            t.as_table_mut()
                .expect("pod.limits / pod.requests are tables")
                .insert("memory".into(), toml::Value::String(v.into()));
        }
    }
    toml::to_string(&table).unwrap()
}

/// The first scenario's memory limit, bytes (4 GiB when it sets none).
fn base_limit() -> u64 {
    let base = fs::read_to_string(&scenarios()[0]).unwrap();
    let table: toml::Table = base.parse().unwrap();
    table
        .get("pod")
        .and_then(|p| p.get("limits"))
        .and_then(|l| l.get("memory"))
        .and_then(|m| m.as_str())
        .and_then(|s| parse_size(s).ok())
        .unwrap_or(4 << 30)
}

/// `check` and `run` of `file` both fail with one line naming the file and each of `needles`,
/// and `run` writes nothing.
fn assert_rejected(t: &TestDir, file: &Path, needles: &[&str]) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let mut all = vec![name.as_str()];
    all.extend_from_slice(needles);
    let o = t
        .memsim(["check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_one_error(&o, &all);
    let out = t.path().join("out");
    let o = t
        .memsim([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &all);
    assert!(entries(&out).is_empty(), "{:?}", entries(&out));
}

#[test]
fn toml_syntax_error_is_named() {
    let t = TestDir::new();
    let base = fs::read_to_string(&scenarios()[0]).unwrap();
    let file = t.write("syntax.toml", &format!("{base}\n[pod\nlimits = \n"));
    assert_rejected(&t, &file, &[]);
}

#[test]
fn unknown_key_is_named() {
    let t = TestDir::new();
    let base = fs::read_to_string(&scenarios()[0]).unwrap();
    // A root key must come before the first table header.
    let file = t.write("unknown.toml", &format!("bogus_setting = 1\n{base}"));
    assert_rejected(&t, &file, &["bogus_setting"]);
}

#[test]
fn negative_size_is_named() {
    let t = TestDir::new();
    let file = t.write("negative.toml", &with_pod_memory(Some("-4Gi"), None));
    assert_rejected(&t, &file, &["pod.limits.memory", "negative"]);
}

#[test]
fn size_without_unit_is_named() {
    let t = TestDir::new();
    let bare = base_limit().to_string();
    let file = t.write("unitless.toml", &with_pod_memory(Some(&bare), None));
    assert_rejected(&t, &file, &["pod.limits.memory", "unit"]);
}

#[test]
fn limit_below_request_is_named() {
    let t = TestDir::new();
    let limit = base_limit();
    let file = t.write(
        "below.toml",
        &with_pod_memory(
            Some(&format_quantity(limit)),
            Some(&format_quantity(limit * 2)),
        ),
    );
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let o = t
        .memsim(["check", file.to_str().unwrap()])
        .output()
        .unwrap();
    let line = assert_one_error(&o, &[&name]);
    assert!(
        line.contains("pod.limits.memory") || line.contains("pod.requests.memory"),
        "{line}"
    );
    let out = t.path().join("out");
    let o = t
        .memsim([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &[&name]);
    assert!(entries(&out).is_empty());
}

#[test]
fn bad_set_value_is_named() {
    let t = TestDir::new();
    let file = &scenarios()[0];
    let o = t
        .memsim([
            "check",
            file.to_str().unwrap(),
            "--set",
            "pod.limits.memory=-1Gi",
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &["pod.limits.memory"]);
}
