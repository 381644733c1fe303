//! The crate's error: Display is Go's error string, byte for byte.

/// A parse or execution error, displayed exactly as Go's `err.Error()`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `template: NAME:LINE: MSG`.
    #[error("{0}")]
    Parse(String),
    /// `template: NAME:LINE:COL: executing "NAME" at <NODE>: MSG` (Go's `ExecError`).
    #[error("{message}")]
    Exec { name: String, message: String },
    /// Other errors (`template: no template "x" associated with template "y"`).
    #[error("{0}")]
    Other(String),
}
