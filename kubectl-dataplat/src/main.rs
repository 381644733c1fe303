//! `kubectl dataplat`: stands up a data platform on Amazon EKS from one platform.yaml.
//!
//! This binary only parses arguments and prints results; every command is a library function
//! of `dataplat-lifecycle`. Exit codes: 0 success, 1 failure, 2 invalid configuration or usage.

mod cli;
mod commands;
mod output;

use std::io::IsTerminal;
use std::process::ExitCode;

use cli::Cli;

/// An error the CLI prints and turns into an exit code: `Config` and `Usage` exit 2, `Failed` 1.
pub use dataplat_lifecycle::Error as CliError;

fn main() -> ExitCode {
    restore_sigpipe();
    let mut matches = cli::command().get_matches();
    let from_command_line = matches.value_source("files") == Some(clap::parser::ValueSource::CommandLine);
    let mut cli = match <Cli as clap::FromArgMatches>::from_arg_matches_mut(&mut matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let values_files_allowed = matches!(cli.command, cli::Command::Chart(cli::ChartCommand::Template(_)));
    if let Err(message) = cli.global.resolve(from_command_line, values_files_allowed) {
        print_error(&message, Some("pass the platform file once: -f platform.yaml"));
        return ExitCode::from(2);
    }
    let level = match (cli.global.quiet, cli.global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DATAPLAT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Config(text)) => {
            eprint!("{text}");
            if !text.ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(2)
        }
        Err(CliError::Usage { message, hint }) => {
            print_error(&message, hint.as_deref());
            ExitCode::from(2)
        }
        Err(CliError::Failed { message, hint }) => {
            print_error(&message, hint.as_deref());
            ExitCode::from(1)
        }
    }
}

fn print_error(message: &str, hint: Option<&str>) {
    eprintln!("error: {message}");
    if let Some(hint) = hint {
        eprintln!("  hint: {hint}");
    }
}

/// Rust ignores SIGPIPE, so writing to a closed pipe (`kubectl dataplat plan | head`) would panic
/// inside `println!`. Restore the default action: the process ends quietly, like other CLI tools.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
