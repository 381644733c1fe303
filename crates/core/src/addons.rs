//! Loading the plugins a platform uses and building the catalog its config is checked against.

use std::collections::BTreeMap;
use std::path::Path;

use dataplat_config::{AddonSpec, Catalog, DependencySpec, FlagSpec, PluginSource, SourceRef};
use dataplat_plugin::{Origin, Plugin, PluginHost};

use crate::CoreError;

/// One addon and the plugin that implements it.
#[derive(Clone)]
pub struct LoadedAddon {
    pub plugin: Plugin,
    /// Built-in package name, or the `plugins:` entry name.
    pub source_name: String,
}

/// Every addon available to a platform, by addon name.
pub struct Addons {
    pub addons: BTreeMap<String, LoadedAddon>,
}

fn is_native_library(path: &str) -> bool {
    [".so", ".dylib", ".dll"].iter().any(|ext| path.ends_with(ext))
}

impl Addons {
    /// The built-in plugins only.
    pub fn builtin(host: &PluginHost) -> Result<Addons, CoreError> {
        Self::load(host, &[], Path::new("."))
    }

    /// The built-in plugins plus the third-party `sources` (paths relative to `base_dir`, the
    /// directory of platform.yaml). A third-party plugin must be named as its entry says and may
    /// not take the name of another addon.
    pub fn load(host: &PluginHost, sources: &[PluginSource], base_dir: &Path) -> Result<Addons, CoreError> {
        Self::load_with_progress(host, sources, base_dir, &mut |_, _, _| {})
    }

    /// [`load`](Self::load), calling `progress(done, total, source)` before each plugin (the
    /// first run compiles every plugin, which takes seconds; later runs read the cache).
    pub fn load_with_progress(
        host: &PluginHost,
        sources: &[PluginSource],
        base_dir: &Path,
        progress: &mut dyn FnMut(usize, usize, &str),
    ) -> Result<Addons, CoreError> {
        let total = dataplat_builtins::BUILTINS.len() + sources.len();
        let mut addons: BTreeMap<String, LoadedAddon> = BTreeMap::new();
        for (i, (package, bytes)) in dataplat_builtins::BUILTINS.iter().enumerate() {
            progress(i, total, package);
            let plugin = host.load_bytes(package, bytes, Origin::Builtin)?;
            insert(&mut addons, plugin, package)?;
        }
        for (i, source) in sources.iter().enumerate() {
            progress(dataplat_builtins::BUILTINS.len() + i, total, &source.name);
            let plugin = match &source.source {
                SourceRef::Oci { reference, digest } => host.load_oci(reference, digest)?,
                SourceRef::File { path, digest } => {
                    let full = base_dir.join(path);
                    if is_native_library(path) {
                        host.load_native(&full, digest.as_deref())?
                    } else {
                        host.load_file(&full, digest.as_deref())?
                    }
                }
            };
            if plugin.info().name != source.name {
                return Err(CoreError::Conflict(format!(
                    "plugins entry `{}` loads a plugin named `{}`; name the entry `{}`",
                    source.name,
                    plugin.info().name,
                    plugin.info().name
                )));
            }
            insert(&mut addons, plugin, &source.name)?;
        }
        Ok(Addons { addons })
    }

    /// Flags, dependencies and config schemas of every addon, for config validation.
    pub fn catalog(&self) -> Catalog {
        let addons = self
            .addons
            .values()
            .map(|loaded| {
                let info = loaded.plugin.info();
                AddonSpec {
                    name: info.name.clone(),
                    description: info.description.clone(),
                    flags: info
                        .flags
                        .iter()
                        .map(|f| FlagSpec {
                            name: f.name.clone(),
                            description: f.description.clone(),
                            enables_addon: f.enables_addon,
                        })
                        .collect(),
                    dependencies: info
                        .dependencies
                        .iter()
                        .map(|d| DependencySpec {
                            addon: d.addon.clone(),
                            when_flag: d.when_flag.clone(),
                            reason: d.reason.clone(),
                        })
                        .collect(),
                    config_schema: serde_json::from_str(&info.config_schema).unwrap_or(serde_json::Value::Bool(true)),
                }
            })
            .collect();
        Catalog { addons }
    }
}

fn insert(addons: &mut BTreeMap<String, LoadedAddon>, plugin: Plugin, source_name: &str) -> Result<(), CoreError> {
    let name = plugin.info().name.clone();
    if let Some(existing) = addons.get(&name) {
        return Err(CoreError::Conflict(format!(
            "two plugins answer to the addon `{name}`: {} and {source_name}; rename or remove one",
            existing.source_name
        )));
    }
    // A flag belongs to exactly one addon.
    for flag in &plugin.info().flags {
        if let Some(owner) = addons.values().find(|a| a.plugin.info().flags.iter().any(|f| f.name == flag.name)) {
            return Err(CoreError::Conflict(format!(
                "plugins `{}` and `{name}` both answer to the flag {}",
                owner.plugin.info().name,
                flag.name
            )));
        }
    }
    addons.insert(name, LoadedAddon { plugin, source_name: source_name.to_string() });
    Ok(())
}
