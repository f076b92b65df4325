//! Progress of a sweep on stderr: an indicatif bar (runs done, runs/s, ETA) on a terminal; on a
//! pipe nothing, or with `--progress` one plain line a second.

use std::io::{self, IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// When to show progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    /// On a terminal only.
    Auto,
    /// Always (plain lines when stderr is not a terminal).
    Always,
    /// Never.
    Never,
}

/// A progress bar over `total` runs of which `done` are already done.
pub fn bar(total: u64, done: u64, show: Show) -> ProgressBar {
    let terminal = io::stderr().is_terminal();
    let target = match (show, terminal) {
        (Show::Never, _) | (Show::Auto, false) => ProgressDrawTarget::hidden(),
        (_, true) => ProgressDrawTarget::stderr(),
        (Show::Always, false) => ProgressDrawTarget::term_like_with_hz(Box::new(Lines), 1),
    };
    let template = if terminal {
        "{elapsed_precise} [{bar:40.cyan/blue}] {human_pos}/{human_len} runs, {per_sec}, ETA {eta}"
    } else {
        "{elapsed_precise} {human_pos}/{human_len} runs, {per_sec}, ETA {eta}"
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let pb = ProgressBar::with_draw_target(Some(total), target).with_style(style);
    pb.set_position(done);
    pb.reset_eta();
    pb
}

/// A draw target that writes each redraw as one line (for logs and pipes).
#[derive(Debug)]
struct Lines;

impl TermLike for Lines {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.write_str(s)
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        let s = s.trim_end();
        if s.is_empty() {
            return Ok(());
        }
        writeln!(io::stderr().lock(), "{s}")
    }
    fn clear_line(&self) -> io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}
