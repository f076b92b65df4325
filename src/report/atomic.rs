//! Writing results so that an interrupted run never leaves a half-written one behind: each file
//! (or folder of files) is written under a temporary name in the same directory and renamed into
//! place only once it is complete. A rename within one directory is atomic on POSIX file systems,
//! so readers see either the old result or the new one, never a mix.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A failed file-system operation on a result path: the path and what went wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}: {error}", path.display())]
pub struct WriteError {
    /// The file or folder being written.
    pub path: PathBuf,
    /// The underlying error.
    pub error: io::Error,
}

impl WriteError {
    /// Wraps `error` with the path it concerns.
    pub fn new(path: impl Into<PathBuf>, error: io::Error) -> WriteError {
        WriteError {
            path: path.into(),
            error,
        }
    }
}

/// The temporary name of `path`: the same name with `.tmp` appended, in the same directory.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Writes `contents` to `path` through `path.tmp` and a rename, so that `path` is either left as
/// it was or holds all of `contents`.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(contents)
        .map_err(|e| WriteError::new(file.temp_path(), e))?;
    file.finish()
}

/// A file being written under a temporary name (`X.tmp` for `X`), buffered.
///
/// [`AtomicFile::finish`] flushes it, syncs it to disk and renames it to its final name. Dropped
/// without `finish` (an error, a panic), it removes the temporary file and leaves any previous
/// `X` untouched.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    /// `None` once finished.
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Opens `path.tmp` for writing (truncating a stale one); `path` itself is not touched yet.
    pub fn create(path: &Path) -> Result<AtomicFile, WriteError> {
        let temp = temp_path(path);
        let file = File::create(&temp).map_err(|e| WriteError::new(&temp, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            temp,
            file: Some(BufWriter::new(file)),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary path being written.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flushes, syncs and renames the temporary file to its final name, replacing any file there.
    pub fn finish(mut self) -> Result<(), WriteError> {
        let Some(buf) = self.file.take() else {
            return Ok(());
        };
        let result = buf
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(|e| WriteError::new(&self.temp, e))
            .and_then(|()| {
                fs::rename(&self.temp, &self.path).map_err(|e| WriteError::new(&self.path, e))
            });
        if result.is_err() {
            let _ = fs::remove_file(&self.temp);
        }
        result
    }

    fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("write after finish"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// A folder of result files being written under a temporary name (`.NAME.PID.tmp` beside the
/// final `NAME`).
///
/// [`AtomicDir::commit`] renames it to its final name, replacing a previous folder of that name
/// as a whole. Dropped without `commit`, it removes the temporary folder and everything in it.
#[derive(Debug)]
pub struct AtomicDir {
    path: PathBuf,
    temp: PathBuf,
    committed: bool,
}

impl AtomicDir {
    /// Creates the temporary folder for `path` (and `path`'s parent folders if missing).
    pub fn create(path: &Path) -> Result<AtomicDir, WriteError> {
        let parent = parent_dir(path);
        fs::create_dir_all(&parent).map_err(|e| WriteError::new(&parent, e))?;
        let temp = hidden_sibling(path, "tmp");
        if temp.exists() {
            fs::remove_dir_all(&temp).map_err(|e| WriteError::new(&temp, e))?;
        }
        fs::create_dir(&temp).map_err(|e| WriteError::new(&temp, e))?;
        Ok(AtomicDir {
            path: path.to_path_buf(),
            temp,
            committed: false,
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary folder to write files into.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Moves the temporary folder to its final name. A folder already there is first moved aside
    /// and removed (best effort) once the new one is in place; if the new one cannot be moved
    /// in, the previous one is put back.
    pub fn commit(mut self) -> Result<PathBuf, WriteError> {
        let old = hidden_sibling(&self.path, "old");
        let had_old = match fs::symlink_metadata(&self.path) {
            Ok(m) if m.is_dir() => {
                if old.exists() {
                    fs::remove_dir_all(&old).map_err(|e| WriteError::new(&old, e))?;
                }
                fs::rename(&self.path, &old).map_err(|e| WriteError::new(&self.path, e))?;
                true
            }
            Ok(_) => {
                return Err(WriteError::new(
                    &self.path,
                    io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "exists and is not a folder; remove it or choose another output folder",
                    ),
                ));
            }
            Err(_) => false,
        };
        if let Err(e) = fs::rename(&self.temp, &self.path) {
            if had_old {
                let _ = fs::rename(&old, &self.path);
            }
            return Err(WriteError::new(&self.path, e));
        }
        self.committed = true;
        if had_old {
            // The new result is in place; a previous one that cannot be removed is only clutter.
            let _ = fs::remove_dir_all(&old);
        }
        Ok(self.path.clone())
    }
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.temp);
        }
    }
}

/// The folder holding `path` (`.` for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `.NAME.PID.SUFFIX` beside `path`: hidden, and distinct for concurrent processes.
fn hidden_sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".{}.{suffix}", std::process::id()));
    parent_dir(path).join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_file_replaces_the_old_one_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old\n").unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"a,b\n1,2\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert!(temp_path(&path).exists());
        f.finish().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "a,b\n1,2\n");
        assert!(!temp_path(&path).exists());
    }

    #[test]
    fn dropped_unfinished_file_leaves_no_final_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        {
            let mut f = AtomicFile::create(&path).unwrap();
            f.write_all(b"a,b\n1,").unwrap();
            assert_eq!(f.temp_path(), dir.path().join("out.csv.tmp"));
        }
        assert!(!path.exists());
        assert!(!temp_path(&path).exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn dropped_unfinished_file_keeps_the_previous_result() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old\n").unwrap();
        drop(AtomicFile::create(&path).unwrap());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
    }

    #[test]
    fn write_atomic_writes_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.txt");
        write_atomic(&path, b"hello\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello\n");
    }

    #[test]
    fn create_in_a_missing_folder_names_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("x.csv");
        let err = AtomicFile::create(&path).unwrap_err();
        assert_eq!(err.path, temp_path(&path));
        assert!(err.to_string().contains("x.csv.tmp"), "{err}");
    }

    #[test]
    fn committed_dir_replaces_the_old_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("stale.csv"), "x").unwrap();
        let d = AtomicDir::create(&path).unwrap();
        fs::write(d.temp_path().join("new.csv"), "y").unwrap();
        assert!(path.join("stale.csv").exists());
        d.commit().unwrap();
        assert!(!path.join("stale.csv").exists());
        assert_eq!(fs::read_to_string(path.join("new.csv")).unwrap(), "y");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("run")]);
    }

    #[test]
    fn dropped_dir_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        {
            let d = AtomicDir::create(&path).unwrap();
            fs::write(d.temp_path().join("half.csv"), "1,").unwrap();
        }
        assert!(!path.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
