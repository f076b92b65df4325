//! Command-line interface: argument parsing and one module per subcommand.
//!
//! Exit codes: 0 on success (a simulated OOM kill is a result, not an error), 2 on any error.
//! An error is one line on stderr, `error: <message>`, naming the file and field at fault. A
//! closed stdout (`memsim lab ... | head -1`) ends the program quietly with 0.

mod args;
mod budget;
mod check;
mod config;
mod lab;
mod merge;
mod plan;
mod plot;
mod progress;
mod run;
mod sweep;

use std::io::{self, Write};

use clap::Parser;
use clap::error::ErrorKind;

pub use args::{Cli, Command};

/// Exit code of every error.
const EXIT_ERROR: i32 = 2;

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e),
    };
    match std::panic::catch_unwind(|| dispatch(cli)) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) if is_broken_pipe(&e) => 0,
        Ok(Err(e)) => {
            print_error(&format!("{e:#}"));
            EXIT_ERROR
        }
        // The panic hook has printed the message.
        Err(_) => EXIT_ERROR,
    }
}

/// Runs one subcommand, writing its output to stdout.
fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Run(a) => run::run(&a, &mut out)?,
        Command::Sweep(a) => sweep::sweep(&a, &mut out)?,
        Command::Merge(a) => merge::merge(&a, &mut out)?,
        Command::Plot(a) => plot::plot(&a, &mut out)?,
        Command::Check(a) => check::check(&a, &mut out)?,
        Command::Lab(a) => lab::lab(&a, &mut out)?,
        Command::Budget(a) => budget::budget(&a, &mut out)?,
        Command::Config(a) => config::config(&a, &mut out)?,
        Command::Plan(a) => plan::plan(&a, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// Prints `error: <message>` as one line on stderr.
fn print_error(message: &str) {
    let one_line = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let _ = writeln!(io::stderr().lock(), "error: {one_line}");
}

/// Whether the error came from writing to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Help and version go to stdout with 0; a usage error is one `error:` line with 2.
fn clap_error(e: &clap::Error) -> i32 {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                EXIT_ERROR
            } else {
                0
            }
        }
        _ => {
            print_error(&clap_message(&e.render().to_string()));
            EXIT_ERROR
        }
    }
}

/// clap's rendered error without the usage block: the message, its list of missing arguments
/// and its tip, on one line.
fn clap_message(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if line.is_empty() {
            continue;
        }
        let line = line.strip_prefix("error: ").unwrap_or(line);
        match parts.last_mut() {
            Some(last) if line.starts_with("tip:") => {
                last.push(';');
                parts.push(line.to_string());
            }
            _ => parts.push(line.to_string()),
        }
    }
    parts.push("(see --help)".to_string());
    parts.join(" ")
}

/// Reports a panic as one `error:` line (unless `RUST_BACKTRACE` asks for the full report).
fn install_panic_hook() {
    if std::env::var_os("RUST_BACKTRACE").is_some() {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        print_error(&format!(
            "internal error: {message}{place} (set RUST_BACKTRACE=1 for details)"
        ));
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_errors_become_one_line() {
        let e = Cli::try_parse_from(["memsim", "lab"]).unwrap_err();
        let m = clap_message(&e.render().to_string());
        assert!(!m.contains('\n'));
        assert!(m.contains("<SPEC>"), "{m}");
        let e = Cli::try_parse_from(["memsim", "run", "x.toml", "--bogus"]).unwrap_err();
        let m = clap_message(&e.render().to_string());
        assert!(m.starts_with("unexpected argument '--bogus' found"), "{m}");
    }

    #[test]
    fn broken_pipe_is_found_in_the_chain() {
        let e = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe)).context("stdout");
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }
}
