//! Test harness: runs the built `memsim` binary in a fresh temporary folder.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A temporary working folder for one test; removed when dropped.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    /// A new empty folder.
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `name` inside the folder and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    /// `memsim ARGS...`, run inside the folder.
    pub fn memsim<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_memsim"));
        cmd.current_dir(self.path()).args(args);
        cmd
    }
}

/// A path inside the repository.
pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts the run failed with exit code 2 and exactly one stderr line, `error: ...`, that
/// contains each of `needles`; returns that line.
pub fn assert_one_error(o: &Output, needles: &[&str]) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
    assert!(err.ends_with('\n'), "stderr: {err:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "stderr: {err}");
    let line = lines[0];
    assert!(line.starts_with("error: "), "stderr: {line}");
    for n in needles {
        assert!(line.contains(n), "stderr does not name {n:?}: {line}");
    }
    line.to_string()
}
