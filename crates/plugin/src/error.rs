//! Plugin errors: every one names the plugin and says what went wrong in user terms.

/// A plugin could not be loaded or a call failed. The host itself carries on.
#[derive(Debug, thiserror::Error)]
#[error("plugin `{plugin}`: {kind}")]
pub struct PluginError {
    /// The plugin's name, or its source while the name is not known yet.
    pub plugin: String,
    pub kind: ErrorKind,
}

impl PluginError {
    pub(crate) fn new(plugin: &str, kind: ErrorKind) -> PluginError {
        PluginError { plugin: plugin.to_string(), kind }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match &self.kind {
            ErrorKind::ContractVersion { .. } => Some(format!(
                "rebuild the plugin against dataplat-sdk for contract {}, or upgrade kubectl-dataplat",
                crate::SUPPORTED_CONTRACTS.join(", ")
            )),
            ErrorKind::DigestMismatch { .. } => Some(
                "the artifact changed since it was pinned; check its origin, then re-pin with `kubectl dataplat plugin install`".into(),
            ),
            ErrorKind::NativeNotAllowed => Some(
                "native plugins run unsandboxed; pass --allow-native-plugins if you trust this library".into(),
            ),
            ErrorKind::OutOfFuel { .. } | ErrorKind::Timeout { .. } => {
                Some("the plugin may loop forever; report it to its author".into())
            }
            ErrorKind::Memory { .. } | ErrorKind::OutputTooLarge { .. } => {
                Some("the plugin needs more than the sandbox allows; report it to its author".into())
            }
            _ => None,
        }
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("cannot read it: {0}")]
    Io(String),
    #[error("not a dataplat addon component: {0}")]
    NotAnAddon(String),
    #[error("built for contract dataplat:addon@{found}; this kubectl-dataplat supports dataplat:addon@{}", crate::SUPPORTED_CONTRACTS.join(", @"))]
    ContractVersion { found: String },
    #[error("cannot compile it: {0}")]
    Compile(String),
    #[error("{call}() ran out of fuel ({fuel} units)")]
    OutOfFuel { call: &'static str, fuel: u64 },
    #[error("{call}() did not finish within {millis} ms")]
    Timeout { call: &'static str, millis: u128 },
    #[error("{call}() exceeded the memory limit of {limit_mib} MiB")]
    Memory { call: &'static str, limit_mib: usize },
    #[error("{call}() panicked: {message}")]
    Panic { call: &'static str, message: String },
    #[error("{call}() trapped: {message}")]
    Trap { call: &'static str, message: String },
    #[error("{call}() returned {bytes} bytes of output, over the cap of {limit} bytes")]
    OutputTooLarge { call: &'static str, bytes: usize, limit: usize },
    #[error("digest mismatch: pinned {expected}, got {actual}")]
    DigestMismatch { expected: String, actual: String },
    #[error("registry: {0}")]
    Registry(String),
    #[error("native plugins are disabled")]
    NativeNotAllowed,
    #[error("native library: {0}")]
    Native(String),
    #[error("invalid output: {0}")]
    BadOutput(String),
}
