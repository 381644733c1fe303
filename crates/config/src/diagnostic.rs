//! Positioned diagnostics: what every config error and warning looks like to a user.
//!
//! A [`Diagnostic`] renders as `{file}:{line}:{column}: {error|warning}: {message}`, followed by
//! an indented `  hint: …` line when there is a hint. Lines and columns are 1-based and, by the
//! rule this crate applies everywhere, point at the **key** whose value is wrong (for an item of
//! a list, at the item itself). Syntax errors point where the YAML parser stopped.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How serious a diagnostic is. Errors fail validation; warnings are shown but do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The configuration cannot be used as written.
    Error,
    /// The configuration works, but probably not as intended.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found in a file, with its position and an optional hint saying how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file label the text was parsed under (usually its path).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Dotted path of the key concerned (`keda.operator_replicas`, `plugins[1].source`,
    /// `enable_trinoo`); empty when no key can be named (syntax errors before any key).
    pub key: String,
    /// What is wrong. Always names the key when there is one.
    pub message: String,
    /// How to fix it, when we know.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at a position.
    pub fn error(file: &str, line: usize, column: usize, key: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            line,
            column,
            key: key.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// The same diagnostic with a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same diagnostic with an optional hint.
    #[must_use]
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}: {}", self.file, self.line, self.column, self.severity, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics by line, then column (stable, so equal positions keep discovery order).
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.line, d.column));
}

/// Renders diagnostics the way the CLI prints them: each by `Display`, joined with newlines.
pub fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_without_and_with_hint() {
        let d = Diagnostic::error("platform.yaml", 3, 1, "region", "`region` is bad");
        assert_eq!(d.to_string(), "platform.yaml:3:1: error: `region` is bad");
        let d = d.with_hint("write us-west-2");
        assert_eq!(d.to_string(), "platform.yaml:3:1: error: `region` is bad\n  hint: write us-west-2");
    }
}
