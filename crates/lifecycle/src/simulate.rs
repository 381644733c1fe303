//! What the Trino autoscaling simulator (`trino simulate`) runs against: the objects of release
//! `trino` as the Trino plugin plans them for the platform file, and policies read from YAML.

use serde_json::Value;

use crate::edit::prerequisites;
use crate::session::{label, read_file};
use crate::{Context, Error, Result};

/// The flags the dataplat policy needs, read from the trino plugin's own declarations: the flag
/// that switches Trino on and the feature flag that brings KEDA (its scaler).
fn dataplat_flags(trino: &dataplat_config::AddonSpec) -> Result<(String, String)> {
    let addon = trino.flags.iter().find(|f| f.enables_addon).map(|f| f.name.clone());
    let scaler = trino.dependencies.iter().find(|d| d.addon == "keda").and_then(|d| d.when_flag.clone());
    match (addon, scaler) {
        (Some(addon), Some(scaler)) => Ok((addon, scaler)),
        _ => Err(Error::failed(
            "the trino plugin declares no KEDA scaler (a feature flag that brings keda)",
            Some("the dataplat policy simulates Trino's KEDA scaler; use a trino plugin that has one".into()),
        )),
    }
}

/// The objects of release `trino` as the Trino plugin plans them for the platform file, with
/// Trino's KEDA scaler (and its addons' prerequisites) switched on in memory if the file leaves
/// them off; returns the flags so switched on (the file is unchanged).
pub fn trino_objects(ctx: &Context) -> Result<(Vec<Value>, Vec<String>)> {
    let host = ctx.host()?;
    let text = read_file(&ctx.file)?;
    let loaded = ctx.load_text(&host, &ctx.file, text.clone())?;
    let catalog = loaded.addons.catalog();
    let Some(trino) = catalog.addon("trino") else {
        return Err(Error::failed("no trino addon is available", Some("see `kubectl dataplat plugin list`".into())));
    };
    let (addon_flag, scaler_flag) = dataplat_flags(trino)?;
    let needed = prerequisites(&catalog, &loaded.platform.flags, trino, Some(&scaler_flag));
    let wanted: Vec<String> = [addon_flag, scaler_flag.clone()].into_iter().chain(needed).collect();
    let missing: Vec<String> = wanted
        .into_iter()
        .filter(|f| !loaded.platform.flags.get(f).copied().unwrap_or(false))
        .filter(|f| catalog.flag(f).is_some() || catalog.addon(f.trim_start_matches("enable_")).is_some())
        .collect();
    let loaded = if missing.is_empty() {
        loaded
    } else {
        let mut edited = text;
        for flag in &missing {
            edited = dataplat_config::set_flag(&edited, flag, true)
                .map_err(|e| Error::failed(format!("cannot switch {flag} on for the simulation: {e}"), None))?;
        }
        ctx.load_text(&host, &ctx.file, edited)?
    };
    let plan = loaded.compose()?;
    let release = plan
        .addons
        .iter()
        .find(|a| a.name == "trino")
        .and_then(|a| a.releases.iter().find(|r| r.name == "trino"))
        .ok_or_else(|| Error::failed("the trino addon planned no release `trino`", None))?;
    Ok((release.objects.clone(), missing))
}

/// The objects of a multi-document YAML text (empty documents skipped; a `kind: List` is opened).
pub fn yaml_objects(label: &str, text: &str) -> Result<Vec<Value>> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| {
        Error::usage(format!("{label}: not valid YAML: {e}"), Some("one Kubernetes object per `---` document".into()))
    })?;
    let mut objects = Vec::new();
    for doc in docs {
        match doc {
            Value::Null => {}
            Value::Object(ref o) if o.get("kind").and_then(Value::as_str) == Some("List") => {
                objects.extend(o.get("items").and_then(Value::as_array).cloned().unwrap_or_default());
            }
            other => objects.push(other),
        }
    }
    Ok(objects)
}

/// The file's label for messages (the path as given).
pub fn file_label(ctx: &Context) -> String {
    label(&ctx.file)
}
