//! Command implementations: each loads what it needs, calls the libraries, prints.

mod chart;
mod cloud;
mod cluster;
mod platform;
mod plugin;
mod readiness;
mod token;
mod trino;

use std::path::{Path, PathBuf};

use dataplat_config::{Document, Platform};
use dataplat_core::Addons;
use dataplat_plugin::{HostOptions, PluginHost};

use crate::CliError;
use crate::cli::{Cli, Command, Global};

pub fn run(cli: Cli) -> Result<(), CliError> {
    let global = cli.global;
    QUIET.store(global.quiet, std::sync::atomic::Ordering::Relaxed);
    match cli.command {
        Command::Init(args) => platform::init(&global, args),
        Command::Validate(args) => platform::validate(&global, args),
        Command::Plan(args) => platform::plan(&global, args),
        Command::Render(args) => platform::render(&global, args),
        Command::Apply(args) => cluster::apply(&global, args),
        Command::Up(args) => cloud::up(&global, args),
        Command::Down(args) => cloud::down(&global, args),
        Command::Kubeconfig(args) => cloud::kubeconfig(&global, args),
        Command::Status(args) => cloud::status(&global, args),
        Command::Enable(args) => platform::set_flag(&global, &args.target, true),
        Command::Disable(args) => platform::set_flag(&global, &args.target, false),
        Command::Plugin(command) => plugin::run(&global, command),
        Command::Trino(command) => trino::run(&global, command),
        Command::Chart(command) => chart::run(&global, command),
        Command::Token(args) => token::run(args),
        Command::Completion { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "kubectl-dataplat", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// The plugin host for this invocation.
pub fn host(global: &Global) -> Result<PluginHost, CliError> {
    let mut options = HostOptions { allow_native: global.allow_native_plugins, ..HostOptions::default() };
    if let Some(dir) = &global.cache_dir {
        options.cache_dir = Some(dir.clone());
    }
    Ok(PluginHost::new(options)?)
}

/// The platform file's text, or an error telling how to create one.
pub fn read_file(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CliError::usage(
                format!("{} does not exist", path.display()),
                Some("create one with `kubectl dataplat init`, or point -f at your platform file".into()),
            )
        } else {
            CliError::failed(format!("cannot read {}: {e}", path.display()), None)
        }
    })
}

/// Label used in diagnostics: the path as the user gave it.
pub fn label(path: &Path) -> String {
    path.display().to_string()
}

/// Directory relative plugin paths are resolved against.
pub fn base_dir(path: &Path) -> PathBuf {
    path.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// Everything a platform command needs: parsed file, loaded plugins, validated platform.
pub struct Loaded {
    pub doc: Document,
    pub addons: Addons,
    pub platform: Platform,
    pub warnings: Vec<dataplat_config::Diagnostic>,
}

/// Parses and validates `text` (the content of `path`) with its plugins.
pub fn load_text(host: &PluginHost, path: &Path, text: String) -> Result<Loaded, CliError> {
    tracing::debug!(file = %path.display(), "loading platform.yaml and its plugins");
    let label = label(path);
    let doc = dataplat_config::parse(&label, &text).map_err(config_error)?;
    let sources = doc.plugin_sources().map_err(config_error)?;
    let addons = load_addons(host, &sources, &base_dir(path))?;
    let catalog = addons.catalog();
    let (platform, warnings) = dataplat_config::validate(&doc, &catalog).map_err(config_error)?;
    Ok(Loaded { doc, addons, platform, warnings })
}

/// Loads the plugins with a progress bar on a terminal (compiling takes seconds on a first run;
/// a warm cache finishes before the bar would draw).
pub fn load_addons(
    host: &PluginHost,
    sources: &[dataplat_config::PluginSource],
    base_dir: &Path,
) -> Result<Addons, CliError> {
    let bar =
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) && !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
            indicatif::ProgressBar::new(0)
        } else {
            indicatif::ProgressBar::hidden()
        };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} loading plugins {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = Addons::load_with_progress(host, sources, base_dir, &mut |done, total, name| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(name.to_string());
    });
    bar.finish_and_clear();
    Ok(result?)
}

/// `--quiet`, readable where no `Global` is passed.
pub static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn load(global: &Global) -> Result<(PluginHost, Loaded), CliError> {
    let host = host(global)?;
    let text = read_file(&global.file)?;
    let loaded = load_text(&host, &global.file, text)?;
    Ok((host, loaded))
}

pub fn config_error(diagnostics: Vec<dataplat_config::Diagnostic>) -> CliError {
    CliError::Config(dataplat_config::render_diagnostics(&diagnostics))
}

/// Prints non-fatal diagnostics to stderr.
pub fn print_warnings(warnings: &[dataplat_config::Diagnostic]) {
    for warning in warnings {
        eprintln!("{warning}");
    }
}

/// "did you mean `x`?" for the closest candidates, if any is close.
pub fn suggest(input: &str, candidates: &[&str]) -> Option<String> {
    let close = dataplat_config::did_you_mean(input, candidates);
    match close.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        many => Some(format!(
            "did you mean one of {}?",
            many.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        )),
    }
}
