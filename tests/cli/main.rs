//! Integration tests of the `memsim` binary: one test binary, one module per subcommand.

mod budget;
mod config;
mod lab;
mod run;
mod sweep;
mod util;
mod workloads;

use util::{TestDir, assert_one_error};

#[test]
fn unknown_subcommand_is_one_error_line() {
    let t = TestDir::new();
    let o = t.memsim(["frobnicate"]).output().unwrap();
    assert_one_error(&o, &["frobnicate"]);
}

#[test]
fn help_and_version_exit_0() {
    let t = TestDir::new();
    let o = t.memsim(["--help"]).output().unwrap();
    assert!(o.status.success());
    let help = util::stdout(&o);
    for sub in [
        "run", "sweep", "merge", "plot", "check", "lab", "budget", "config", "plan",
    ] {
        assert!(help.contains(sub), "{help}");
    }
    let o = t.memsim(["--version"]).output().unwrap();
    assert!(o.status.success());
    assert!(util::stdout(&o).starts_with("memsim "));
}
