//! Output helpers: JSON/YAML for machines (tables for people: `dataplat_lifecycle::text`).

use serde::Serialize;

use crate::CliError;
use crate::cli::Format;

/// Prints `value` as JSON or YAML; `table` is the caller's job.
pub fn print_data<T: Serialize>(format: Format, value: &T) -> Result<(), CliError> {
    let text = match format {
        Format::Json => serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| e.to_string()),
        Format::Yaml => to_yaml(value),
        Format::Table => return Err(CliError::failed("internal: table output has no generic form", None)),
    }
    .map_err(|e| CliError::failed(format!("cannot encode output: {e}"), None))?;
    print!("{text}");
    Ok(())
}

pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, String> {
    serde_saphyr::to_string(value).map_err(|e| e.to_string())
}

/// The width to wrap human output to: `COLUMNS` when set, else the terminal's, else 100.
pub fn width() -> usize {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()) {
        return columns;
    }
    console::Term::stdout().size_checked().map(|(_, columns)| usize::from(columns)).unwrap_or(100)
}
