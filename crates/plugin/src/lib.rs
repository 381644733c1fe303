//! The host side of the addon contract (`wit/addon.wit`, `dataplat:addon@0.1.0`).
//!
//! [`PluginHost`] loads addon plugins from three kinds of source — bytes embedded in the binary,
//! a file, or an OCI artifact pinned by digest — and runs them in a sandbox: a fresh wasmtime
//! store per call with fuel, an epoch deadline, a memory limit and a cap on output size, no
//! filesystem, network or environment, and fixed clocks and randomness so that calls are
//! deterministic. Compiled components are cached on disk by content digest and wasmtime
//! compatibility hash. Native plugins (the same contract as JSON over a C ABI) load only when the
//! host is built with `allow_native`.

mod cache;
mod error;
mod native;
pub mod oci;
mod wasm;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use error::{ErrorKind, PluginError};
pub use wasm::contract;

use contract::{AddonPlan, Diagnostic, PlatformFacts, PluginInfo};

/// Contract versions this host accepts (every version it has shipped).
pub const SUPPORTED_CONTRACTS: &[&str] = &["0.1.0"];

/// The WIT interface every addon exports, without its version.
pub const PLUGIN_INTERFACE: &str = "dataplat:addon/plugin";

/// Resource limits applied to every plugin call.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Fuel (roughly, wasm instructions) per call.
    pub fuel: u64,
    /// Wall-clock deadline per call.
    pub timeout: Duration,
    /// Largest linear memory a plugin may grow to.
    pub memory_bytes: usize,
    /// Largest serialized output a call may return.
    pub max_output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 5_000_000_000,
            timeout: Duration::from_secs(10),
            memory_bytes: 256 << 20,
            max_output_bytes: 16 << 20,
        }
    }
}

/// How the host is configured.
#[derive(Debug, Clone)]
pub struct HostOptions {
    pub limits: Limits,
    /// Where compiled components and pulled artifacts are cached; `None` disables the disk cache.
    pub cache_dir: Option<PathBuf>,
    /// Load native (shared library) plugins. Off unless the user passes `--allow-native-plugins`.
    pub allow_native: bool,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions { limits: Limits::default(), cache_dir: default_cache_dir(), allow_native: false }
    }
}

pub use dataplat_vocabulary::default_cache_dir;

/// Where a plugin came from, for messages and `plugin list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// Embedded in the binary.
    Builtin,
    /// A wasm component file.
    File { path: String },
    /// An OCI artifact; `cached` tells whether this load was served from the local cache (not
    /// serialized: plans must not differ between the run that pulled and later runs).
    Oci {
        reference: String,
        digest: String,
        #[serde(skip)]
        cached: bool,
    },
    /// A native shared library (`--allow-native-plugins`).
    Native { path: String },
}

/// A loaded plugin: its identity and a way to call it.
#[derive(Clone)]
pub struct Plugin {
    info: PluginInfo,
    origin: Origin,
    digest: String,
    runner: Runner,
}

#[derive(Clone)]
enum Runner {
    Wasm(Arc<wasm::WasmPlugin>),
    Native(Arc<native::NativePlugin>),
}

impl Plugin {
    /// What the plugin said about itself in `info()`.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }
    /// Where it was loaded from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
    /// `sha256:<hex>` of the component (or library) bytes.
    pub fn digest(&self) -> &str {
        &self.digest
    }
    /// Calls `validate(config, facts)`.
    pub fn validate(&self, config: &str, facts: &PlatformFacts) -> Result<Vec<Diagnostic>, PluginError> {
        match &self.runner {
            Runner::Wasm(p) => p.validate(config, facts),
            Runner::Native(p) => p.validate(config, facts),
        }
    }
    /// Calls `plan(config, facts)`: the addon's declarations, or its diagnostics.
    pub fn plan(&self, config: &str, facts: &PlatformFacts) -> Result<Result<AddonPlan, Vec<Diagnostic>>, PluginError> {
        match &self.runner {
            Runner::Wasm(p) => p.plan(config, facts),
            Runner::Native(p) => p.plan(config, facts),
        }
    }
}

/// Loads and runs plugins. Cheap to share: clone it.
#[derive(Clone)]
pub struct PluginHost {
    wasm: Arc<wasm::WasmHost>,
    options: HostOptions,
}

impl PluginHost {
    /// A host with the given options (one wasmtime engine for the whole process).
    pub fn new(options: HostOptions) -> Result<PluginHost, PluginError> {
        let wasm = wasm::WasmHost::new(&options)?;
        Ok(PluginHost { wasm: Arc::new(wasm), options })
    }

    /// The options the host runs with.
    pub fn options(&self) -> &HostOptions {
        &self.options
    }

    /// Loads a component from bytes; `label` names it in errors until its `info()` is known.
    pub fn load_bytes(&self, label: &str, bytes: &[u8], origin: Origin) -> Result<Plugin, PluginError> {
        let digest = digest_of(bytes);
        let plugin = self.wasm.load(label, bytes, &digest)?;
        let info = plugin.info()?;
        check_info(label, &info)?;
        Ok(Plugin { info, origin, digest, runner: Runner::Wasm(Arc::new(plugin)) })
    }

    /// Loads a component file, checking its digest when one is pinned.
    pub fn load_file(&self, path: &std::path::Path, pinned: Option<&str>) -> Result<Plugin, PluginError> {
        let label = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| PluginError::new(&label, ErrorKind::Io(e.to_string())))?;
        if let Some(pinned) = pinned {
            let actual = digest_of(&bytes);
            if actual != pinned {
                return Err(PluginError::new(&label, ErrorKind::DigestMismatch { expected: pinned.into(), actual }));
            }
        }
        self.load_bytes(&label, &bytes, Origin::File { path: label.clone() })
    }

    /// Pulls (or takes from cache) an OCI artifact pinned by digest, verifies it, and loads it.
    pub fn load_oci(&self, reference: &str, digest: &str) -> Result<Plugin, PluginError> {
        let cache = self.options.cache_dir.as_deref();
        let pulled = oci::pull(reference, digest, cache)?;
        self.load_bytes(
            reference,
            &pulled.bytes,
            Origin::Oci { reference: reference.into(), digest: digest.into(), cached: pulled.cached },
        )
    }

    /// Loads a native plugin library, checking its digest when one is pinned; refused unless
    /// the host allows native plugins.
    pub fn load_native(&self, path: &std::path::Path, pinned: Option<&str>) -> Result<Plugin, PluginError> {
        let label = path.display().to_string();
        if !self.options.allow_native {
            return Err(PluginError::new(&label, ErrorKind::NativeNotAllowed));
        }
        let bytes = std::fs::read(path).map_err(|e| PluginError::new(&label, ErrorKind::Io(e.to_string())))?;
        if let Some(pinned) = pinned {
            let actual = digest_of(&bytes);
            if actual != pinned {
                return Err(PluginError::new(&label, ErrorKind::DigestMismatch { expected: pinned.into(), actual }));
            }
        }
        let plugin = native::NativePlugin::load(&label, path, self.options.limits.max_output_bytes)?;
        let info = plugin.info()?;
        check_info(&label, &info)?;
        Ok(Plugin {
            info,
            origin: Origin::Native { path: label },
            digest: digest_of(&bytes),
            runner: Runner::Native(Arc::new(plugin)),
        })
    }
}

/// `sha256:<hex>` of some bytes.
pub fn digest_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// Rejects an `info()` that names a contract this host does not speak or is malformed.
fn check_info(label: &str, info: &PluginInfo) -> Result<(), PluginError> {
    if !SUPPORTED_CONTRACTS.contains(&info.contract_version.as_str()) {
        return Err(PluginError::new(label, ErrorKind::ContractVersion { found: info.contract_version.clone() }));
    }
    if !dataplat_vocabulary::is_addon_name(&info.name) {
        return Err(PluginError::new(
            label,
            ErrorKind::BadOutput(format!(
                "info() names the addon {:?}; names are lowercase letters, digits and _",
                info.name
            )),
        ));
    }
    for flag in &info.flags {
        if !flag.name.starts_with("enable_") {
            return Err(PluginError::new(
                &info.name,
                ErrorKind::BadOutput(format!("flag {:?} does not start with enable_", flag.name)),
            ));
        }
    }
    if serde_json::from_str::<serde_json::Value>(&info.config_schema).is_err() {
        return Err(PluginError::new(&info.name, ErrorKind::BadOutput("info().config-schema is not JSON".into())));
    }
    Ok(())
}
