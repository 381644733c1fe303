//! Edits of platform.yaml: `init` (a new file, or one imported from the reference's tfvars),
//! `enable`/`disable` (flags and their prerequisites). A file is written only when the result
//! validates (and, for flags, plans).

use std::collections::BTreeMap;
use std::path::Path;

use dataplat_config::{AddonSpec, Catalog, ImportLine};

use crate::error::io;
use crate::session::{label, read_file, suggest};
use crate::{Context, Error, Loaded, Result};

/// What `init` is asked to write.
#[derive(Clone, Debug, Default)]
pub struct InitSettings {
    pub force: bool,
    pub from_tfvars: Option<std::path::PathBuf>,
    pub enable: Vec<String>,
    pub name: String,
    pub region: String,
}

/// The text `init` would write, before it is checked and written ([`write_checked`]).
pub struct InitText {
    pub text: String,
    pub deployment_id: String,
    /// With `from_tfvars`: what became of each key.
    pub import: Option<Vec<ImportLine>>,
}

/// The new platform.yaml's text. The deployment id is generated once and kept forever (it tags
/// every cloud resource): a rewritten file keeps its own.
pub fn init_text(ctx: &Context, settings: &InitSettings) -> Result<InitText> {
    let path = &ctx.file;
    let existing = std::fs::read_to_string(path).ok();
    if existing.is_some() && !settings.force {
        return Err(Error::usage(
            format!("{} already exists", path.display()),
            Some("pass --force to rewrite it (its deployment_id is kept)".into()),
        ));
    }
    let deployment_id = match existing.as_deref().and_then(existing_deployment_id) {
        Some(id) => id,
        None => dataplat_config::new_deployment_id()
            .map_err(|e| Error::failed(format!("cannot generate a deployment id: {e}"), None))?,
    };
    let host = ctx.host()?;
    let catalog = ctx.load_addons(&host, &[], Path::new("."))?.catalog();
    if let Some(tfvars) = &settings.from_tfvars {
        let hcl = read_file(tfvars)?;
        let (text, lines) = dataplat_config::import_tfvars(&label(tfvars), &hcl, &catalog, &deployment_id)
            .map_err(|d| Error::config(&d))?;
        return Ok(InitText { text, deployment_id, import: Some(lines) });
    }
    for flag in &settings.enable {
        if catalog.flag(flag).is_none() && catalog.addon(flag).is_none() {
            return Err(Error::usage(
                format!("no addon answers to {flag}"),
                Some("see `kubectl dataplat plugin list`".into()),
            ));
        }
    }
    let text =
        dataplat_config::render_init(&catalog, &settings.name, &settings.region, &deployment_id, &settings.enable);
    Ok(InitText { text, deployment_id, import: None })
}

/// Writes `text` to the platform file if it validates with its plugins (never a file that would
/// not); returns it loaded.
pub fn write_checked(ctx: &Context, text: &str) -> Result<Loaded> {
    let host = ctx.host()?;
    let loaded = ctx.load_text(&host, &ctx.file, text.to_owned())?;
    std::fs::write(&ctx.file, text).map_err(|e| io("write", &ctx.file, e))?;
    Ok(loaded)
}

/// The value of a top-level `deployment_id:` line, if the file has a usable one.
fn existing_deployment_id(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.starts_with("deployment_id:"))?;
    let value = line["deployment_id:".len()..].split('#').next()?.trim().trim_matches(|c| c == '"' || c == '\'');
    (value.len() == 8 && value.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| value.to_string())
}

/// What `enable X` / `disable X` did.
pub struct FlagChange {
    /// The flags X resolved to: its own first, then what it needs (or its feature flags).
    pub flags: Vec<String>,
    /// The ones whose value changed (empty: the file was already so and is untouched).
    pub changed: Vec<String>,
    /// The addons enabled afterwards.
    pub enabled_addons: Vec<String>,
    /// How many addons the new plan has (0 when the file still has errors and was not planned).
    pub planned_addons: usize,
    /// The file was invalid before the edit: the errors it fixed.
    pub fixed: Vec<dataplat_config::Diagnostic>,
    /// The errors the file still has after the edit (none of them new).
    pub remaining: Vec<dataplat_config::Diagnostic>,
}

/// An error's identity across an edit of flags: its key and message (its position does not move,
/// but a fixed key's line may hold another error).
fn same_error(a: &dataplat_config::Diagnostic, b: &dataplat_config::Diagnostic) -> bool {
    a.key == b.key && a.message == b.message
}

fn errors(
    result: &std::result::Result<
        (dataplat_config::Platform, Vec<dataplat_config::Diagnostic>),
        Vec<dataplat_config::Diagnostic>,
    >,
) -> Vec<dataplat_config::Diagnostic> {
    match result {
        Ok(_) => Vec::new(),
        Err(diagnostics) => {
            diagnostics.iter().filter(|d| d.severity == dataplat_config::Severity::Error).cloned().collect()
        }
    }
}

/// `enable X` / `disable X`: resolve X to flags, edit the file in place, validate the result,
/// and write it when it is valid (and plans), or when the file was invalid and the edit adds no
/// error (saying which it fixed and which remain). An edit that adds an error is refused, with
/// every error of the result.
pub fn set_flag(ctx: &Context, target: &str, value: bool) -> Result<FlagChange> {
    let host = ctx.host()?;
    let text = read_file(&ctx.file)?;
    let file = label(&ctx.file);
    let doc = dataplat_config::parse(&file, &text).map_err(|d| Error::config(&d))?;
    let sources = doc.plugin_sources().map_err(|d| Error::config(&d))?;
    let addons = ctx.load_addons(&host, &sources, &crate::session::base_dir(&ctx.file))?;
    let catalog = addons.catalog();
    let before = dataplat_config::validate(&doc, &catalog);
    let current: BTreeMap<String, bool> = match &before {
        Ok((platform, _)) => platform.flags.clone(),
        Err(_) => doc.flag_values(),
    };
    let flags = resolve_flags(&catalog, &current, target, value)?;
    let mut edited = text;
    let mut changed = Vec::new();
    for flag in &flags {
        if current.get(flag).copied().unwrap_or(false) != value {
            edited = dataplat_config::set_flag(&edited, flag, value)
                .map_err(|e| Error::failed(format!("cannot edit {}: {e}", ctx.file.display()), None))?;
            changed.push(flag.clone());
        }
    }
    let errors_before = errors(&before);
    if changed.is_empty() {
        let enabled_addons = before.map(|(p, _)| p.enabled_addons).unwrap_or_default();
        return Ok(FlagChange {
            flags,
            changed,
            enabled_addons,
            planned_addons: 0,
            fixed: vec![],
            remaining: errors_before,
        });
    }
    let after_doc = dataplat_config::parse(&file, &edited).map_err(|d| Error::config(&d))?;
    let after = dataplat_config::validate(&after_doc, &catalog);
    let errors_after = errors(&after);
    let added: Vec<&dataplat_config::Diagnostic> =
        errors_after.iter().filter(|a| !errors_before.iter().any(|b| same_error(a, b))).collect();
    if !added.is_empty() {
        let mut shown = errors_after.clone();
        if !errors_before.is_empty() {
            // Say which errors the edit would add to those the file has.
            shown.retain(|a| added.iter().any(|n| same_error(a, n)));
        }
        return Err(Error::config(&shown));
    }
    let fixed: Vec<dataplat_config::Diagnostic> =
        errors_before.iter().filter(|b| !errors_after.iter().any(|a| same_error(a, b))).cloned().collect();
    let (enabled_addons, planned_addons) = match after {
        Ok(_) => {
            let loaded = ctx.load_text(&host, &ctx.file, edited.clone())?;
            let plan = loaded.compose()?;
            (loaded.platform.enabled_addons, plan.addons.len())
        }
        Err(_) => {
            let enabled = catalog
                .addon_names()
                .into_iter()
                .filter_map(|name| catalog.addon(name))
                .filter(|a| after_doc.flag_values().get(&a.enabling_flag_name()).copied().unwrap_or(false))
                .map(|a| a.name.clone())
                .collect();
            (enabled, 0)
        }
    };
    std::fs::write(&ctx.file, &edited).map_err(|e| io("write", &ctx.file, e))?;
    Ok(FlagChange { flags, changed, enabled_addons, planned_addons, fixed, remaining: errors_after })
}

/// Flags of the addons `addon` needs (always, or when `feature` is on), transitively.
pub fn prerequisites(
    catalog: &Catalog,
    flags: &BTreeMap<String, bool>,
    addon: &AddonSpec,
    feature: Option<&str>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut queue: Vec<&AddonSpec> = vec![addon];
    while let Some(current) = queue.pop() {
        for dependency in &current.dependencies {
            let applies = match &dependency.when_flag {
                None => true,
                Some(flag) => Some(flag.as_str()) == feature || flags.get(flag).copied().unwrap_or(false),
            };
            if let Some(needed) = catalog.addon(&dependency.addon).filter(|_| applies) {
                let flag = needed.enabling_flag_name();
                if !out.contains(&flag) {
                    out.push(flag);
                    queue.push(needed);
                }
            }
        }
    }
    out
}

/// The flags `enable X`/`disable X` touch: the addon's own flag (and, when disabling an addon,
/// its feature flags, which would otherwise be inert, and the other addons' features that need
/// it), or one feature flag.
fn resolve_flags(
    catalog: &Catalog,
    current: &BTreeMap<String, bool>,
    target: &str,
    value: bool,
) -> Result<Vec<String>> {
    if let Some(addon) = catalog.addon(target) {
        let mut flags = vec![addon.enabling_flag_name()];
        if value {
            flags.extend(prerequisites(catalog, current, addon, None));
        } else {
            flags.extend(addon.flags.iter().filter(|f| !f.enables_addon).map(|f| f.name.clone()));
            // Other addons' features that need this addon (jupyterhub's `enable_jupyterhub_spark`
            // when disabling spark_operator) go off with it; an addon that always needs it keeps
            // the edit from validating, and says so.
            for other in catalog.addon_names().into_iter().filter_map(|name| catalog.addon(name)) {
                for dependency in other.dependencies.iter().filter(|d| d.addon == addon.name) {
                    if let Some(feature) = &dependency.when_flag
                        && !flags.contains(feature)
                    {
                        flags.push(feature.clone());
                    }
                }
            }
        }
        return Ok(flags);
    }
    for candidate in [target.to_string(), format!("enable_{target}")] {
        if let Some((addon, flag)) = catalog.flag(&candidate) {
            if flag.enables_addon {
                return resolve_flags(catalog, current, &addon.name, value);
            }
            let mut flags = vec![candidate.clone()];
            if value {
                // A feature flag needs its addon on, and whatever the feature depends on.
                flags.push(addon.enabling_flag_name());
                flags.extend(prerequisites(catalog, current, addon, None));
                flags.extend(prerequisites(catalog, current, addon, Some(&candidate)));
            }
            flags.dedup();
            return Ok(flags);
        }
    }
    let mut names: Vec<&str> = catalog.addon_names();
    names.extend(catalog.flag_names());
    let hint =
        suggest(target, &names).unwrap_or_else(|| "see `kubectl dataplat plugin list` for the addons and flags".into());
    Err(Error::usage(format!("no addon or flag named `{target}`"), Some(hint)))
}
