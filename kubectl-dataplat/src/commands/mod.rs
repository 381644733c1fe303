//! Command implementations: each turns its arguments into a call of `dataplat-lifecycle`, and
//! its events and result into tables, progress lines, JSON and an exit code.

mod chart;
mod examples;
mod lifecycle;
mod platform;
mod plugin;
mod progress;
mod token;
mod trino;

use std::sync::{Arc, Mutex};

use dataplat_kube::ConnectOptions;
use dataplat_lifecycle::{ChartFetch, Context};

use crate::CliError;
use crate::cli::{ChartFetchArgs, Cli, ClusterArgs, Command, Global};

pub fn run(cli: Cli) -> Result<(), CliError> {
    let global = cli.global;
    match cli.command {
        Command::Init(args) => platform::init(&global, args),
        Command::Validate(args) => platform::validate(&global, args),
        Command::Plan(args) if args.offline => platform::plan(&global, args),
        Command::Plan(args) => lifecycle::plan(&global, args),
        Command::Render(args) => platform::render(&global, args),
        Command::Apply(args) => lifecycle::apply(&global, args),
        Command::Up(args) => lifecycle::up(&global, args),
        Command::Down(args) => lifecycle::down(&global, args),
        Command::Kubeconfig(args) => lifecycle::kubeconfig(&global, args),
        Command::Status(args) => lifecycle::status(&global, args),
        Command::Doctor(args) => lifecycle::doctor(&global, args),
        Command::Enable(args) => platform::set_flag(&global, &args.target, true),
        Command::Disable(args) => platform::set_flag(&global, &args.target, false),
        Command::Examples(command) => examples::run(&global, command),
        Command::Plugin(command) => plugin::run(&global, command),
        Command::Trino(command) => trino::run(&global, command),
        Command::Chart(command) => chart::run(&global, command),
        Command::Token(args) => token::run(args),
        Command::Version(args) => {
            let info = dataplat_lifecycle::version::version(&context(&global), env!("CARGO_PKG_VERSION"))?;
            match args.output {
                crate::cli::Format::Table => print!("{}", dataplat_lifecycle::version::version_text(&info)),
                format => crate::output::print_data(format, &info)?,
            }
            Ok(())
        }
        Command::Completion { shell } => {
            let mut command = crate::cli::command();
            clap_complete::generate(shell, &mut command, "kubectl-dataplat", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// The lifecycle's view of the global flags, with a progress bar for plugin loading on a
/// terminal (compiling takes seconds on a first run; a warm cache finishes before it draws).
pub fn context(global: &Global) -> Context {
    let show = std::io::IsTerminal::is_terminal(&std::io::stderr()) && !global.quiet;
    let bar: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);
    let progress = move |step: Option<(usize, usize, &str)>| {
        let mut bar = bar.lock().expect("progress bar");
        match step {
            Some((done, total, name)) if show => {
                let bar = bar.get_or_insert_with(|| {
                    let style = indicatif::ProgressStyle::with_template("{spinner} loading plugins {pos}/{len} {msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
                    indicatif::ProgressBar::new(0).with_style(style)
                });
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message(name.to_string());
            }
            Some(_) => {}
            None => {
                if let Some(bar) = bar.take() {
                    bar.finish_and_clear();
                }
            }
        }
    };
    Context {
        file: global.file.clone(),
        cache_dir: global.cache_dir.clone(),
        allow_native_plugins: global.allow_native_plugins,
        load_progress: Some(Arc::new(progress)),
    }
}

pub fn fetch(args: &ChartFetchArgs) -> ChartFetch {
    ChartFetch { offline: args.offline, mirror: args.mirror.clone() }
}

pub fn target(args: &ClusterArgs) -> ConnectOptions {
    ConnectOptions { kubeconfig: args.kubeconfig.clone(), context: args.context.clone() }
}

/// Prints non-fatal diagnostics to stderr.
pub fn print_warnings(warnings: &[dataplat_config::Diagnostic]) {
    for warning in warnings {
        eprintln!("{warning}");
    }
}
