//! What every command starts from: the platform file, the plugin host, and the platform loaded
//! and composed once ([`Session`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dataplat_config::{Document, Platform};
use dataplat_core::{Addons, Plan};
use dataplat_plugin::{HostOptions, PluginHost};
use helm::fetch::{FetchOptions, Mirror};

use crate::{Error, Result};

/// Progress of plugin loading: `Some((done, total, name))` per plugin, `None` when done.
pub type LoadProgress = Arc<dyn Fn(Option<(usize, usize, &str)>) + Send + Sync>;

/// What the command line says about every command: the platform file, the plugin cache, whether
/// native plugins may load, and where plugin-loading progress goes.
#[derive(Clone)]
pub struct Context {
    pub file: PathBuf,
    pub cache_dir: Option<PathBuf>,
    pub allow_native_plugins: bool,
    pub load_progress: Option<LoadProgress>,
}

/// Where charts come from: the cache only (`offline`) and mirrors (`FROM=TO`).
#[derive(Clone, Debug, Default)]
pub struct ChartFetch {
    pub offline: bool,
    pub mirror: Vec<String>,
}

/// The parsed file, its loaded plugins and the validated platform.
pub struct Loaded {
    pub doc: Document,
    pub addons: Addons,
    pub platform: Platform,
    pub warnings: Vec<dataplat_config::Diagnostic>,
}

impl Loaded {
    /// The composed plan: every enabled addon's plan, with the core's.
    pub fn compose(&self) -> Result<Plan> {
        Ok(dataplat_core::compose(&self.addons, &self.platform, &self.doc)?)
    }
}

/// A platform loaded and composed once: what a command works on.
pub struct Session {
    pub host: PluginHost,
    pub loaded: Loaded,
    pub plan: Plan,
}

impl Context {
    /// The plugin host for this invocation.
    pub fn host(&self) -> Result<PluginHost> {
        let mut options = HostOptions { allow_native: self.allow_native_plugins, ..HostOptions::default() };
        if let Some(dir) = &self.cache_dir {
            options.cache_dir = Some(dir.clone());
        }
        Ok(PluginHost::new(options)?)
    }

    /// The platform file and its plugins, loaded and validated.
    pub fn load(&self) -> Result<(PluginHost, Loaded)> {
        let host = self.host()?;
        let text = read_file(&self.file)?;
        let loaded = self.load_text(&host, &self.file, text)?;
        Ok((host, loaded))
    }

    /// Load + compose, once per command.
    pub fn session(&self) -> Result<Session> {
        let (host, loaded) = self.load()?;
        let plan = loaded.compose()?;
        Ok(Session { host, loaded, plan })
    }

    /// Parses and validates `text` (the content of `path`) with its plugins.
    pub fn load_text(&self, host: &PluginHost, path: &Path, text: String) -> Result<Loaded> {
        tracing::debug!(file = %path.display(), "loading platform.yaml and its plugins");
        let doc = dataplat_config::parse(&label(path), &text).map_err(|d| Error::config(&d))?;
        let sources = doc.plugin_sources().map_err(|d| Error::config(&d))?;
        let addons = self.load_addons(host, &sources, &base_dir(path))?;
        let catalog = addons.catalog();
        let (platform, warnings) = dataplat_config::validate(&doc, &catalog).map_err(|d| Error::config(&d))?;
        Ok(Loaded { doc, addons, platform, warnings })
    }

    /// The built-in plugins and `sources`, with progress.
    pub fn load_addons(
        &self,
        host: &PluginHost,
        sources: &[dataplat_config::PluginSource],
        base_dir: &Path,
    ) -> Result<Addons> {
        let progress = self.load_progress.clone();
        let result = Addons::load_with_progress(host, sources, base_dir, &mut |done, total, name| {
            if let Some(progress) = &progress {
                progress(Some((done, total, name)));
            }
        });
        if let Some(progress) = &progress {
            progress(None);
        }
        Ok(result?)
    }

    /// Built-ins, plus the platform file's plugins when there is a platform file.
    pub fn available_addons(&self, host: &PluginHost) -> Result<Addons> {
        if !self.file.exists() {
            return self.load_addons(host, &[], Path::new("."));
        }
        let text = read_file(&self.file)?;
        let doc = dataplat_config::parse(&label(&self.file), &text).map_err(|d| Error::config(&d))?;
        let sources = doc.plugin_sources().map_err(|d| Error::config(&d))?;
        self.load_addons(host, &sources, &base_dir(&self.file))
    }

    /// Chart fetch options: the default chart cache (or `--cache-dir`), offline mode, mirrors.
    pub fn fetch_options(&self, fetch: &ChartFetch) -> Result<FetchOptions> {
        let mut options = FetchOptions::with_default_cache();
        if let Some(dir) = &self.cache_dir {
            options.cache = Some(helm::cache::Cache::new(dir));
        }
        options.offline = fetch.offline;
        for m in &fetch.mirror {
            options.mirrors.push(Mirror::parse(m).map_err(|e| {
                Error::usage(e.to_string(), Some("--mirror https://charts.example.com=https://mirror.local".into()))
            })?);
        }
        Ok(options)
    }
}

/// A file's text, or an error telling how to create the platform file when it is missing.
pub fn read_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::usage(
                format!("{} does not exist", path.display()),
                Some("create one with `kubectl dataplat init`, or point -f at your platform file".into()),
            )
        } else {
            Error::failed(format!("cannot read {}: {e}", path.display()), None)
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
