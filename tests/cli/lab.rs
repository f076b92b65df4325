//! `memsim lab`: one prediction, a dataset comparison, and bad inputs.

use std::io::Read;
use std::process::Stdio;

use memsim::lab::LabPrediction;
use memsim::lab::compare::METRICS;

use crate::util::{TestDir, assert_one_error, repo, stdout};

const SPEC: &str = "validation/lab/calibration/specs/churn-128b.spec";
const MACHINE: &str = "validation/lab/calibration/machine.json";

/// Runs `memsim lab` with `args`, expects success and returns the data row split into fields.
fn lab_row(t: &TestDir, args: &[&str]) -> Vec<String> {
    let o = t.memsim(args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stderr.is_empty());
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0], LabPrediction::CSV_HEADER);
    lines[1].split(',').map(str::to_string).collect()
}

#[test]
fn predicts_a_calibration_spec_on_its_machine() {
    let t = TestDir::new();
    let spec = repo(SPEC);
    let machine = repo(MACHINE);
    let row = lab_row(
        &t,
        &[
            "lab",
            spec.to_str().unwrap(),
            "--machine",
            machine.to_str().unwrap(),
        ],
    );
    assert_eq!(row.len(), 10, "{row:?}");
    assert_eq!(LabPrediction::CSV_HEADER.split(',').count(), 10);
    assert_eq!(row[0], "churn-128b");
    assert_eq!(row[1], "ok");
    for (i, v) in row.iter().enumerate().skip(2) {
        assert!(v.parse::<f64>().is_ok(), "column {i}: {v:?}");
    }
    // The same prediction twice gives the same row.
    let again = lab_row(
        &t,
        &[
            "lab",
            spec.to_str().unwrap(),
            "--machine",
            machine.to_str().unwrap(),
        ],
    );
    assert_eq!(row, again);
}

#[test]
fn knobs_on_the_command_line_change_the_prediction() {
    let t = TestDir::new();
    let spec = repo(SPEC);
    let spec = spec.to_str().unwrap();
    let workstation = lab_row(&t, &["lab", spec]);
    let server = lab_row(&t, &["lab", spec, "COMPlus_gcServer=1"]);
    assert_eq!(server[1], "ok");
    assert_ne!(workstation[2..], server[2..]);
    let same = lab_row(&t, &["lab", spec, "COMPlus_gcServer=0"]);
    assert_eq!(workstation, same);
}

#[test]
fn machine_options_are_accepted() {
    let t = TestDir::new();
    let spec = repo(SPEC);
    let row = lab_row(
        &t,
        &[
            "lab",
            spec.to_str().unwrap(),
            "--cores",
            "4",
            "--cache",
            "32Mi",
            "--memory",
            "8Gi",
            "--runtime",
            "net8",
            "DOTNET_GCHeapHardLimit=0x20000000",
        ],
    );
    assert_eq!(row.len(), 10);
}

#[test]
fn compare_prints_the_summary_lines() {
    let t = TestDir::new();
    let dir = repo("validation/lab/calibration-net8-datas");
    let o = t
        .memsim(["lab", "--compare", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.starts_with("spec,metric,real_median,predicted,relative_error\n"));
    assert!(out.contains("\nmetric,median_relative_error,max_relative_error\n"));
    for m in METRICS {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{m},")) && l.split(',').count() == 3),
            "no summary line for {m}:\n{out}"
        );
    }
    let agreement = out
        .lines()
        .find(|l| l.starts_with("outcome_agreement,"))
        .expect("outcome_agreement line");
    assert!(agreement.contains('/'), "{agreement}");
    assert!(out.lines().any(|l| l.starts_with("pause_total_within_2x,")));
    // The DATAS set has no pure churn to measure its host by: the reference speed applies.
    assert!(
        out.lines().any(|l| l.starts_with("host_speed,1 (")),
        "no host_speed line:\n{out}"
    );
}

#[test]
fn host_speed_scales_the_cpu_work() {
    let t = TestDir::new();
    let spec = repo(SPEC);
    let machine = repo(MACHINE);
    let (s, m) = (spec.to_str().unwrap(), machine.to_str().unwrap());
    let pause = |speed: &str| -> f64 {
        let row = lab_row(&t, &["lab", s, "--machine", m, "--host-speed", speed]);
        row[8].parse().unwrap()
    };
    let ratio = pause("2") / pause("1");
    assert!((1.9..2.1).contains(&ratio), "pause ratio {ratio}");
    for bad in ["0", "-1", "fast", "1e-300", "101"] {
        let flag = format!("--host-speed={bad}");
        let o = t.memsim(["lab", s, flag.as_str()]).output().unwrap();
        assert_one_error(&o, &["--host-speed"]);
    }
    let dir = repo("validation/lab/calibration");
    let o = t
        .memsim([
            "lab",
            "--compare",
            dir.to_str().unwrap(),
            "--host-speed",
            "1.3",
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &["--compare", "--host-speed"]);
}

#[test]
fn compare_names_summary_csv_when_pure_churn_has_no_run_length() {
    let t = TestDir::new();
    let src = repo("validation/lab/calibration");
    let dir = t.path().join("dataset");
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    std::fs::copy(src.join("machine.json"), dir.join("machine.json")).unwrap();
    std::fs::copy(
        src.join("specs/churn-128b.spec"),
        dir.join("specs/churn-128b.spec"),
    )
    .unwrap();
    // Keep churn-128b's rows with their `wall_s` emptied.
    let mut rdr = csv::Reader::from_path(src.join("summary.csv")).unwrap();
    let header = rdr.headers().unwrap().clone();
    let wall = header.iter().position(|c| c == "wall_s").unwrap();
    let mut w = csv::Writer::from_path(dir.join("summary.csv")).unwrap();
    w.write_record(&header).unwrap();
    let mut kept = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if &rec[0] != "churn-128b" {
            continue;
        }
        assert!(!rec[wall].is_empty());
        let fields: Vec<&str> = (0..rec.len())
            .map(|i| if i == wall { "" } else { &rec[i] })
            .collect();
        w.write_record(&fields).unwrap();
        kept += 1;
    }
    w.flush().unwrap();
    assert_eq!(kept, 3);
    let o = t
        .memsim(["lab", "--compare", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_one_error(&o, &["summary.csv", "churn-128b", "wall_s"]);
}

#[test]
fn missing_spec_file_is_named() {
    let t = TestDir::new();
    let o = t.memsim(["lab", "no-such.spec"]).output().unwrap();
    assert_one_error(&o, &["no-such.spec"]);
}

#[test]
fn unknown_key_in_a_spec_is_named_with_its_file() {
    let t = TestDir::new();
    let path = t.write("typo.spec", "duration_s = 1\nsurvive.fractoin = 0.1\n");
    let o = t.memsim(["lab", path.to_str().unwrap()]).output().unwrap();
    assert_one_error(&o, &["typo.spec", "survive.fractoin", "line 2"]);
}

#[test]
fn bad_machine_json_is_named() {
    let t = TestDir::new();
    let machine = t.write("machine.json", "{\"cores\": 2,");
    let spec = repo(SPEC);
    let o = t
        .memsim([
            "lab",
            spec.to_str().unwrap(),
            "--machine",
            machine.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &["machine.json"]);

    let missing = t.path().join("nowhere.json");
    let o = t
        .memsim([
            "lab",
            spec.to_str().unwrap(),
            "--machine",
            missing.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_one_error(&o, &["nowhere.json"]);
}

#[test]
fn bad_knob_value_is_one_error_line() {
    let t = TestDir::new();
    let spec = repo(SPEC);
    let o = t
        .memsim(["lab", spec.to_str().unwrap(), "GCgen0size=64MB"])
        .output()
        .unwrap();
    assert_one_error(&o, &["GCgen0size", "hexadecimal"]);
}

#[test]
fn compare_of_a_missing_dataset_is_named() {
    let t = TestDir::new();
    let o = t
        .memsim(["lab", "--compare", "no-dataset"])
        .output()
        .unwrap();
    assert_one_error(&o, &["no-dataset"]);
}

#[test]
fn spec_and_compare_together_are_refused() {
    let t = TestDir::new();
    let o = t
        .memsim(["lab", "a.spec", "--compare", "d"])
        .output()
        .unwrap();
    assert_one_error(&o, &["--compare"]);
}

#[test]
fn closed_stdout_exits_0() {
    let t = TestDir::new();
    let dir = repo("validation/lab/calibration-net8-datas");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_memsim"))
        .current_dir(t.path())
        .args(["lab", "--compare", dir.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(err.is_empty(), "stderr: {err}");
}
