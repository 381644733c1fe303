//! The one error every command returns: what the binary prints and the exit code it maps to.

/// An error for the user: the binary prints it (with its hint) and exits 2 for `Config` and
/// `Usage`, 1 for `Failed`.
#[derive(Debug)]
pub enum Error {
    /// Invalid platform.yaml: positioned diagnostics, rendered.
    Config(String),
    /// Wrong arguments or input the user can fix.
    Usage { message: String, hint: Option<String> },
    /// Anything else.
    Failed { message: String, hint: Option<String> },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn usage(message: impl Into<String>, hint: Option<String>) -> Error {
        Error::Usage { message: message.into(), hint }
    }
    pub fn failed(message: impl Into<String>, hint: Option<String>) -> Error {
        Error::Failed { message: message.into(), hint }
    }
    /// Positioned diagnostics of platform.yaml.
    pub fn config(diagnostics: &[dataplat_config::Diagnostic]) -> Error {
        Error::Config(dataplat_config::render_diagnostics(diagnostics))
    }
    /// The same error with `more` appended to its hint (a failed connection: how to go on
    /// without the cluster).
    pub fn with_hint(self, hint: impl FnOnce(Option<String>) -> String) -> Error {
        match self {
            Error::Failed { message, hint: old } => Error::Failed { message, hint: Some(hint(old)) },
            other => other,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Config(text) => f.write_str(text.trim_end()),
            Error::Usage { message, .. } | Error::Failed { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl From<dataplat_core::CoreError> for Error {
    fn from(error: dataplat_core::CoreError) -> Error {
        match &error {
            dataplat_core::CoreError::Config(diagnostics) => Error::config(diagnostics),
            _ => Error::failed(error.to_string(), error.hint()),
        }
    }
}

impl From<dataplat_plugin::PluginError> for Error {
    fn from(error: dataplat_plugin::PluginError) -> Error {
        let hint = error.hint();
        Error::failed(error.to_string(), hint)
    }
}

impl From<dataplat_kube::KubeError> for Error {
    fn from(error: dataplat_kube::KubeError) -> Error {
        let hint = error.hint();
        Error::failed(error.to_string(), hint)
    }
}

impl From<dataplat_kube::TeardownError> for Error {
    fn from(error: dataplat_kube::TeardownError) -> Error {
        let hint = error.hint();
        Error::failed(error.to_string(), hint)
    }
}

impl From<dataplat_aws::cloud::CloudError> for Error {
    fn from(error: dataplat_aws::cloud::CloudError) -> Error {
        Error::failed(error.to_string(), None)
    }
}

impl From<Box<dataplat_core::charts::ChartError>> for Error {
    fn from(error: Box<dataplat_core::charts::ChartError>) -> Error {
        Error::failed(error.to_string(), error.hint.clone())
    }
}

/// A file that cannot be written or a directory that cannot be made.
pub(crate) fn io(what: &str, path: &std::path::Path, error: std::io::Error) -> Error {
    Error::failed(format!("cannot {what} {}: {error}", path.display()), None)
}
