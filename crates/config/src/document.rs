//! Parsing platform.yaml into a [`Document`] and validating it into a typed [`Platform`].
//!
//! Validation reports every problem it finds in one pass, sorted by position, and avoids
//! cascades: a block for an unknown addon gets one error (not schema errors too), a misspelt
//! addon flag does not also make its config block "inert", and so on.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::catalog::{AddonSpec, Catalog};
use crate::core_keys::{self, DEFAULT_KUBERNETES_VERSION, DEFAULT_VPC_CIDR, Problem, SUPPORTED_KUBERNETES_VERSIONS};
use crate::diagnostic::{Diagnostic, Severity, sort_diagnostics};
use crate::plugins::{PluginSource, check_plugins};
use crate::schema::{BlockContext, check_block};
use crate::suggest::{did_you_mean, did_you_mean_text, join_and};
use crate::yaml::{self, Entry, Node, NodeKind, Pos, Resolved, Seg, parse_dotted, render_path};

/// Keys every platform.yaml may have, besides flags and addon blocks.
pub const CORE_KEYS: &[&str] =
    &["name", "region", "deployment_id", "kubernetes_version", "vpc_cidr", "tags", "cluster", "readiness", "plugins"];
const REQUIRED_KEYS: &[&str] = &["name", "region", "deployment_id"];

/// A parsed platform.yaml: the text, its label, and a tree with positions.
#[derive(Clone, Debug)]
pub struct Document {
    file: String,
    text: String,
    root: Node,
}

/// The validated platform: core settings with defaults applied, flags, enabled addons and their
/// config blocks (as JSON, ready for the plugins).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Platform {
    /// Platform name (EKS cluster name, resource prefix).
    pub name: String,
    /// AWS region code.
    pub region: String,
    /// The 8-character id that tags every AWS resource.
    pub deployment_id: String,
    /// Kubernetes minor version, e.g. "1.34".
    pub kubernetes_version: String,
    /// The VPC's IPv4 CIDR.
    pub vpc_cidr: String,
    /// User tags for every AWS resource.
    pub tags: BTreeMap<String, String>,
    /// The EKS cluster, its NAT gateways and its core node group (`cluster:`, defaults filled in).
    pub cluster: crate::cluster::ClusterSettings,
    /// Findings of the readiness analysis the user accepts (`readiness:`).
    pub readiness: crate::readiness::ReadinessSettings,
    /// Every flag of the catalog with its effective value (absent means false).
    pub flags: BTreeMap<String, bool>,
    /// Names of the enabled addons, sorted.
    pub enabled_addons: Vec<String>,
    /// Config block of each enabled addon (`{}` when the file has none).
    pub addon_configs: BTreeMap<String, Value>,
    /// Third-party plugins listed under `plugins:`.
    pub plugins: Vec<PluginSource>,
}

/// Parses platform.yaml text. Fails with positioned diagnostics on YAML syntax errors, an empty
/// file, a top level that is not a mapping, duplicate keys, aliases and unsupported tags.
pub fn parse(file_label: &str, text: &str) -> Result<Document, Vec<Diagnostic>> {
    let root = yaml::parse_tree(file_label, text)?;
    let empty_hint = "run `kubectl dataplat init` to write a commented platform.yaml, or add at \
                      least `name`, `region` and `deployment_id`";
    let Some(root) = root.filter(|r| !r.is_null()) else {
        return Err(vec![Diagnostic::error(file_label, 1, 1, "", "the file is empty").with_hint(empty_hint)]);
    };
    if root.entries().is_none() {
        return Err(vec![
            Diagnostic::error(
                file_label,
                root.start.line,
                root.start.column,
                "",
                format!("the top level must be a mapping of keys such as `name: trino-v2`, found {}", root.describe()),
            )
            .with_hint(empty_hint),
        ]);
    }
    Ok(Document { file: file_label.to_string(), text: text.to_string(), root })
}

impl Document {
    /// The label the document was parsed under.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The original text.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn root(&self) -> &Node {
        &self.root
    }

    fn top(&self) -> &[Entry] {
        self.root.entries().unwrap_or(&[])
    }

    /// The top-level `enable_*` keys whose value is a boolean, as written, whether or not the
    /// file validates (an edit of an invalid file starts from them).
    pub fn flag_values(&self) -> BTreeMap<String, bool> {
        self.top()
            .iter()
            .filter(|e| e.key.starts_with("enable_"))
            .filter_map(|e| match e.value.scalar().map(|s| s.resolve()) {
                Some(Ok(Resolved::Bool(b))) => Some((e.key.clone(), b)),
                _ => None,
            })
            .collect()
    }

    /// The 1-based (line, column) of the key at a dotted path (`keda.values`, `plugins[0]`), if
    /// the file has it.
    pub fn position(&self, dotted_path: &str) -> Option<(usize, usize)> {
        let segs = parse_dotted(dotted_path);
        let (pos, depth) = self.root.locate(&segs);
        if depth == segs.len() { pos.map(|p| (p.line, p.column)) } else { None }
    }

    /// The third-party plugins listed under `plugins:`. Works before the catalog is known.
    /// Unpinned OCI sources, malformed digests, missing keys and duplicate names are errors.
    pub fn plugin_sources(&self) -> Result<Vec<PluginSource>, Vec<Diagnostic>> {
        let Some(entry) = self.root.get("plugins") else {
            return Ok(Vec::new());
        };
        let (sources, mut diags) = check_plugins(&self.file, entry);
        if diags.is_empty() {
            Ok(sources)
        } else {
            sort_diagnostics(&mut diags);
            Err(diags)
        }
    }

    /// Positions a diagnostic a plugin returned for its config block. `path` is dotted into the
    /// block (`workers.max`, `catalogs.0.name`, empty for the block itself). Falls back to the
    /// nearest ancestor key that exists, to the block key when the path is absent, and to line 1
    /// column 1 when the file has no block for the addon. The message is prefixed with the key
    /// unless it already names it.
    pub fn plugin_diagnostic(
        &self,
        addon: &str,
        path: &str,
        severity: Severity,
        message: &str,
        hint: Option<&str>,
    ) -> Diagnostic {
        let mut segs = vec![Seg::Key(addon.to_string())];
        segs.extend(parse_dotted(path));
        let key = render_path(&segs);
        let (pos, _) = self.root.locate(&segs);
        // No block for the addon in the file: point at the flag that switched it on.
        let pos = pos.or_else(|| {
            let flag = format!("enable_{addon}");
            let top = self.top();
            top.iter()
                .find(|e| e.key == flag)
                .or_else(|| top.iter().find(|e| e.key.starts_with("enable_") && e.key.contains(addon)))
                .map(|e| e.key_node.start)
        });
        let (line, column) = pos.map(|p| (p.line, p.column)).unwrap_or((1, 1));
        let message = if message.contains(&key) { message.to_string() } else { format!("`{key}`: {message}") };
        Diagnostic { severity, file: self.file.clone(), line, column, key, message, hint: hint.map(str::to_string) }
    }
}

/// The state of an addon after reading the flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AddonState {
    Enabled,
    Disabled,
    /// Its flag is malformed or probably misspelt: say nothing more about it.
    Unknown,
}

/// A flag as written in the file.
struct FlagValue<'a> {
    entry: &'a Entry,
    /// `None` when the value is not a boolean (already reported).
    value: Option<bool>,
}

fn at(file: &str, pos: Pos, key: &str, message: String, hint: Option<String>) -> Diagnostic {
    Diagnostic::error(file, pos.line, pos.column, key, message).with_hint_opt(hint)
}

fn from_problem(file: &str, pos: Pos, key: &str, p: Problem) -> Diagnostic {
    at(file, pos, key, p.message, Some(p.hint))
}

/// Reads a core key that must be a string. Reports type errors with a hint to quote.
fn core_string(file: &str, e: &Entry, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let key = &e.key;
    let pos = e.key_node.start;
    match &e.value.kind {
        NodeKind::Scalar(s) => match s.resolve() {
            Ok(Resolved::Str(v)) => Some(v),
            Ok(Resolved::Null) => {
                diags.push(at(file, pos, key, format!("`{key}` has no value"), Some(core_example(key))));
                None
            }
            Ok(Resolved::Number(_) | Resolved::NonFinite(_)) if key == "kubernetes_version" => {
                let text = &s.text;
                let hint = if SUPPORTED_KUBERNETES_VERSIONS.contains(&text.as_str()) {
                    format!("quote it: `kubernetes_version: \"{text}\"`")
                } else {
                    format!("quote it, and pick a supported version: {}", core_keys::supported_versions_text())
                };
                diags.push(at(
                    file,
                    pos,
                    key,
                    format!("`kubernetes_version` must be a string, but unquoted {text} is a YAML number"),
                    Some(hint),
                ));
                None
            }
            Ok(_) => {
                diags.push(at(
                    file,
                    pos,
                    key,
                    format!("`{key}` must be a string, found {}", s.describe()),
                    Some(format!("quote it: `{key}: \"{}\"`", s.text)),
                ));
                None
            }
            Err(m) => {
                diags.push(at(file, pos, key, format!("`{key}`: {m}"), None));
                None
            }
        },
        _ => {
            diags.push(at(
                file,
                pos,
                key,
                format!("`{key}` must be a single value, found {}", e.value.describe()),
                Some(core_example(key)),
            ));
            None
        }
    }
}

/// "write `region: us-west-2` (…)" for a core key.
fn core_example(key: &str) -> String {
    match key {
        "name" => "write e.g. `name: trino-v2` (lowercase letters, digits and hyphens; it becomes the EKS cluster name)".to_string(),
        "region" => "write e.g. `region: us-west-2` (the AWS region to deploy to)".to_string(),
        "deployment_id" => "write 8 random letters and digits, e.g. `deployment_id: Ab3dE9xZ`; `kubectl dataplat init` generates one for a new platform".to_string(),
        "kubernetes_version" => format!("write e.g. `kubernetes_version: \"{DEFAULT_KUBERNETES_VERSION}\"`, or remove the key to use that default"),
        "vpc_cidr" => format!("write e.g. `vpc_cidr: {DEFAULT_VPC_CIDR}`, or remove the key to use that default"),
        _ => format!("write `{key}: <value>`"),
    }
}

/// Reads a flag value; reports anything but a YAML boolean.
fn flag_value(file: &str, e: &Entry, diags: &mut Vec<Diagnostic>) -> Option<bool> {
    let key = &e.key;
    let pos = e.key_node.start;
    let scalar = e.value.scalar();
    if let Some(Ok(Resolved::Bool(b))) = scalar.map(|s| s.resolve()) {
        return Some(b);
    }
    let found = e.value.describe();
    let text = scalar.map(|s| s.text.as_str()).unwrap_or_default();
    let lower = text.to_lowercase();
    let guess = match lower.as_str() {
        "yes" | "y" | "on" | "true" | "1" | "enabled" => Some(true),
        "no" | "n" | "off" | "false" | "0" | "disabled" => Some(false),
        _ => None,
    };
    let quoted = scalar.is_some_and(yaml::Scalar::is_quoted);
    let hint = match (guess, quoted, scalar.map(|s| s.resolve())) {
        (Some(b), true, _) => format!("remove the quotes: `{key}: {b}`"),
        (Some(b), false, Some(Ok(Resolved::Str(_)))) => {
            format!("write `{key}: {b}`; YAML 1.2 reads `{text}` as a string, only true and false are booleans")
        }
        (Some(b), _, _) => format!("write `{key}: {b}`"),
        (None, _, _) => format!("write `{key}: true` or `{key}: false`"),
    };
    diags.push(at(file, pos, key, format!("flag `{key}` must be true or false, found {found}"), Some(hint)));
    None
}

/// Validates a document against the catalog of loaded plugins. On success returns the typed
/// platform and any warnings; on failure every error (and warning) found, sorted by position.
pub fn validate(doc: &Document, catalog: &Catalog) -> Result<(Platform, Vec<Diagnostic>), Vec<Diagnostic>> {
    let file = doc.file.as_str();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut name = None;
    let mut region = None;
    let mut deployment_id = None;
    let mut kubernetes_version = Some(DEFAULT_KUBERNETES_VERSION.to_string());
    let mut vpc_cidr = Some(DEFAULT_VPC_CIDR.to_string());
    let mut tags = BTreeMap::new();
    let mut cluster = Some(crate::cluster::ClusterSettings::default());
    let mut cluster_entry = None;
    let mut readiness = Some(crate::readiness::ReadinessSettings::default());
    let mut plugins = Vec::new();
    let mut flags: Vec<FlagValue<'_>> = Vec::new();
    let mut blocks: Vec<(&AddonSpec, &Entry)> = Vec::new();
    let mut unknown_addon_hints: BTreeSet<String> = BTreeSet::new();

    let flag_names = catalog.flag_names();
    let addon_names = catalog.addon_names();
    let mut top_level: Vec<&str> = CORE_KEYS.to_vec();
    top_level.extend(flag_names.iter().copied());
    top_level.extend(addon_names.iter().copied());

    for e in doc.top() {
        let key = e.key.as_str();
        let pos = e.key_node.start;
        match key {
            "name" => {
                if let Some(v) = core_string(file, e, &mut diags) {
                    match core_keys::check_name(key, &v) {
                        Ok(()) => name = Some(v),
                        Err(p) => diags.push(from_problem(file, pos, key, p)),
                    }
                }
            }
            "region" => {
                if let Some(v) = core_string(file, e, &mut diags) {
                    match core_keys::check_region(key, &v) {
                        Ok(()) => region = Some(v),
                        Err(p) => diags.push(from_problem(file, pos, key, p)),
                    }
                }
            }
            "deployment_id" => {
                if let Some(v) = core_string(file, e, &mut diags) {
                    match core_keys::check_deployment_id(key, &v) {
                        Ok(()) => deployment_id = Some(v),
                        Err(p) => diags.push(from_problem(file, pos, key, p)),
                    }
                }
            }
            "kubernetes_version" => {
                kubernetes_version = None;
                if let Some(v) = core_string(file, e, &mut diags) {
                    match core_keys::check_kubernetes_version(key, &v) {
                        Ok(()) => kubernetes_version = Some(v),
                        Err(p) => diags.push(from_problem(file, pos, key, p)),
                    }
                }
            }
            "vpc_cidr" => {
                vpc_cidr = None;
                if let Some(v) = core_string(file, e, &mut diags) {
                    match core_keys::check_vpc_cidr(key, &v) {
                        Ok(()) => vpc_cidr = Some(v),
                        Err(p) => diags.push(from_problem(file, pos, key, p)),
                    }
                }
            }
            "tags" => tags = check_tags(file, e, &mut diags),
            // Checked after the loop, against the region wherever it is written.
            "cluster" => cluster_entry = Some(e),
            "readiness" => {
                readiness = crate::readiness::check(file, &doc.root, e, &mut diags);
            }
            "plugins" => {
                let (sources, problems) = check_plugins(file, e);
                plugins = sources;
                diags.extend(problems);
            }
            _ if key.starts_with("enable_") => {
                if catalog.flag(key).is_some() {
                    let value = flag_value(file, e, &mut diags);
                    flags.push(FlagValue { entry: e, value });
                } else {
                    let suggestions = did_you_mean(key, &flag_names);
                    // A misspelt addon flag: the addon's state is unknown, say nothing more.
                    if let [one] = suggestions.as_slice()
                        && let Some((addon, f)) = catalog.flag(one)
                        && f.enables_addon
                    {
                        unknown_addon_hints.insert(addon.name.clone());
                    }
                    let hint = match suggestions.as_slice() {
                        [] => "no loaded plugin answers to it; `kubectl dataplat plugin list` shows \
                               every flag, and a third-party addon must first be listed under `plugins:`"
                            .to_string(),
                        [one] => format!("did you mean `{one}`?"),
                        many => format!(
                            "did you mean {}?",
                            crate::suggest::join_or(&many.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>())
                        ),
                    };
                    diags.push(at(file, pos, key, format!("unknown flag `{key}`"), Some(hint)));
                }
            }
            _ => {
                if let Some(addon) = catalog.addon(key) {
                    blocks.push((addon, e));
                } else {
                    diags.push(unknown_key(file, catalog, e, &top_level));
                }
            }
        }
    }

    if let Some(e) = cluster_entry {
        cluster = crate::cluster::check(file, &doc.root, e, region.as_deref(), &mut diags);
    }

    // Required keys.
    for req in REQUIRED_KEYS {
        if doc.root.get(req).is_none() {
            diags.push(at(
                file,
                doc.root.start,
                req,
                format!("missing required key `{req}`"),
                Some(core_example(req).replacen("write", "add", 1)),
            ));
        }
    }

    // Flags -> addon states.
    let flag_value_of =
        |name: &str| -> Option<Option<bool>> { flags.iter().find(|f| f.entry.key == name).map(|f| f.value) };
    let mut states: BTreeMap<&str, AddonState> = BTreeMap::new();
    for addon in &catalog.addons {
        let state = if unknown_addon_hints.contains(&addon.name) {
            AddonState::Unknown
        } else {
            match addon.enabling_flag().map(|f| flag_value_of(&f.name)) {
                Some(Some(Some(true))) => AddonState::Enabled,
                Some(Some(None)) => AddonState::Unknown,
                _ => AddonState::Disabled,
            }
        };
        // A block for an addon whose flag is misspelt and absent: still unknown.
        states.insert(addon.name.as_str(), state);
    }

    // Feature flags whose addon is off; dependencies.
    for f in &flags {
        let Some((addon, spec)) = catalog.flag(&f.entry.key) else {
            continue;
        };
        let state = states.get(addon.name.as_str()).copied().unwrap_or(AddonState::Disabled);
        if !spec.enables_addon && f.value == Some(true) && state == AddonState::Disabled {
            let addon_flag = addon.enabling_flag_name();
            diags.push(at(
                file,
                f.entry.key_node.start,
                &f.entry.key,
                format!(
                    "flag `{}` has no effect: it is a feature of the `{}` addon, which is not enabled",
                    f.entry.key, addon.name
                ),
                Some(format!("set `{addon_flag}: true` to use it, or remove `{}`", f.entry.key)),
            ));
        }
    }
    for addon in &catalog.addons {
        if states.get(addon.name.as_str()) != Some(&AddonState::Enabled) {
            continue;
        }
        for dep in &addon.dependencies {
            let (trigger, trigger_entry) = match &dep.when_flag {
                None => {
                    let name = addon.enabling_flag_name();
                    let entry = flags.iter().find(|f| f.entry.key == name).map(|f| f.entry);
                    (name, entry)
                }
                Some(w) => match flags.iter().find(|f| &f.entry.key == w) {
                    Some(f) if f.value == Some(true) => (w.clone(), Some(f.entry)),
                    _ => continue,
                },
            };
            let pos = trigger_entry.map(|e| e.key_node.start).unwrap_or(doc.root.start);
            match catalog.addon(&dep.addon) {
                Some(needed) => match states.get(needed.name.as_str()) {
                    Some(AddonState::Enabled | AddonState::Unknown) => {}
                    _ => {
                        let needed_flag = needed.enabling_flag_name();
                        // Either action resolves it: the needed addon on, or what needs it off.
                        let off = if dep.when_flag.is_some() { trigger.clone() } else { addon.name.clone() };
                        diags.push(at(
                            file,
                            pos,
                            &trigger,
                            format!(
                                "`{trigger}` needs the `{}` addon, which is not enabled: {}",
                                dep.addon, dep.reason
                            ),
                            Some(format!(
                                "set `{needed_flag}: true` (kubectl dataplat enable {}), or switch `{trigger}` off \
                                 (kubectl dataplat disable {off})",
                                needed.name
                            )),
                        ));
                    }
                },
                None => diags.push(at(
                    file,
                    pos,
                    &trigger,
                    format!(
                        "`{trigger}` needs the `{}` addon, which no loaded plugin provides: {}",
                        dep.addon, dep.reason
                    ),
                    Some(format!(
                        "list the plugin that provides `{}` under `plugins:`; `kubectl dataplat plugin list` shows what is loaded",
                        dep.addon
                    )),
                )),
            }
        }
    }

    // Config blocks.
    let mut addon_configs = BTreeMap::new();
    for (addon, e) in &blocks {
        let state = states.get(addon.name.as_str()).copied().unwrap_or(AddonState::Disabled);
        let key = &e.key;
        let pos = e.key_node.start;
        let block_ok = match &e.value.kind {
            NodeKind::Mapping { .. } => true,
            _ if e.value.is_null() => true,
            _ => {
                let hint = match e.value.scalar().map(|s| s.resolve()) {
                    Some(Ok(Resolved::Bool(_))) => format!(
                        "addons are switched on by flags: write `{}: true`, and put settings indented below `{key}:`",
                        addon.enabling_flag_name()
                    ),
                    _ => format!("put `setting: value` lines indented below `{key}:`"),
                };
                diags.push(at(
                    file,
                    pos,
                    key,
                    format!("`{key}` must be a mapping of `{key}` settings, found {}", e.value.describe()),
                    Some(hint),
                ));
                false
            }
        };
        if !block_ok {
            continue;
        }
        if state == AddonState::Unknown {
            continue;
        }
        if state == AddonState::Disabled {
            // A warning, not an error: settings are kept across `disable`/`enable`, so a
            // customised addon can be switched off without losing (or deleting) its block.
            let flag = addon.enabling_flag_name();
            let mut warning = at(
                file,
                pos,
                key,
                format!("the `{key}` settings are ignored: the `{key}` addon is not enabled"),
                Some(format!("set `{flag}: true` to use them, or remove the `{key}:` block")),
            );
            warning.severity = Severity::Warning;
            diags.push(warning);
            continue;
        }
        let mut path = vec![Seg::Key(key.clone())];
        let mut json = yaml::to_json(file, &e.value, &mut path, pos, &mut diags);
        if json.is_null() {
            json = Value::Object(serde_json::Map::new());
        }
        let ctx = BlockContext {
            file,
            addon: &addon.name,
            root: &doc.root,
            anchor: pos,
            anchor_key: key.clone(),
            schema: &addon.config_schema,
        };
        check_block(&ctx, &json, &mut diags);
        addon_configs.insert(addon.name.clone(), json);
    }
    // Enabled addons without a block are validated as `{}` (their schema may require keys).
    for addon in &catalog.addons {
        if states.get(addon.name.as_str()) != Some(&AddonState::Enabled)
            || blocks.iter().any(|(a, _)| a.name == addon.name)
        {
            continue;
        }
        let flag = addon.enabling_flag_name();
        let anchor =
            flags.iter().find(|f| f.entry.key == flag).map(|f| f.entry.key_node.start).unwrap_or(doc.root.start);
        let json = Value::Object(serde_json::Map::new());
        let ctx = BlockContext {
            file,
            addon: &addon.name,
            root: &doc.root,
            anchor,
            anchor_key: flag,
            schema: &addon.config_schema,
        };
        check_block(&ctx, &json, &mut diags);
        addon_configs.insert(addon.name.clone(), json);
    }

    sort_diagnostics(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let (
        Some(name),
        Some(region),
        Some(deployment_id),
        Some(kubernetes_version),
        Some(vpc_cidr),
        Some(cluster),
        Some(readiness),
    ) = (name, region, deployment_id, kubernetes_version, vpc_cidr, cluster, readiness)
    else {
        // Every way to get here has produced an error above; be safe anyway.
        return Err(diags);
    };
    let mut flag_map = BTreeMap::new();
    for f in &flag_names {
        flag_map.insert((*f).to_string(), matches!(flag_value_of(f), Some(Some(true))));
    }
    let enabled_addons: Vec<String> =
        states.iter().filter(|(_, s)| **s == AddonState::Enabled).map(|(n, _)| (*n).to_string()).collect();
    addon_configs.retain(|k, _| enabled_addons.contains(k));
    Ok((
        Platform {
            name,
            region,
            deployment_id,
            kubernetes_version,
            vpc_cidr,
            tags,
            cluster,
            readiness,
            flags: flag_map,
            enabled_addons,
            addon_configs,
            plugins,
        },
        diags,
    ))
}

/// The error for a top-level key that is neither core, a flag, nor a known addon block.
fn unknown_key(file: &str, catalog: &Catalog, e: &Entry, top_level: &[&str]) -> Diagnostic {
    let key = e.key.as_str();
    let pos = e.key_node.start;
    let flag_form = format!("enable_{key}");
    let is_bool = matches!(e.value.scalar().map(|s| s.resolve()), Some(Ok(Resolved::Bool(_))));
    if is_bool && catalog.flag(&flag_form).is_some() {
        return at(
            file,
            pos,
            key,
            format!("unknown key `{key}`"),
            Some(format!("flags start with `enable_`: did you mean `{flag_form}`?")),
        );
    }
    let render = |c: &str| format!("`{c}`");
    if e.value.entries().is_some() {
        let mut candidates: Vec<&str> = catalog.addon_names();
        candidates.extend(CORE_KEYS.iter().copied());
        let hint = did_you_mean_text(key, &candidates, render).unwrap_or_else(|| {
            let names: Vec<String> = catalog.addon_names().iter().map(|n| format!("`{n}`")).collect();
            if names.is_empty() {
                "no loaded plugin provides an addon; third-party addons are listed under `plugins:`".to_string()
            } else {
                format!(
                    "the loaded plugins provide {}; a third-party addon must first be listed under `plugins:` (see `kubectl dataplat plugin list`)",
                    join_and(&names)
                )
            }
        });
        return at(file, pos, key, format!("`{key}` is not a known addon, so its settings cannot be used"), Some(hint));
    }
    let hint = did_you_mean_text(key, top_level, render).unwrap_or_else(|| {
        "top-level keys are `name`, `region`, `deployment_id`, `kubernetes_version`, `vpc_cidr`, \
         `tags`, `cluster`, `plugins`, the `enable_*` flags and one settings block per addon"
            .to_string()
    });
    at(file, pos, key, format!("unknown key `{key}`"), Some(hint))
}

fn check_tags(file: &str, e: &Entry, diags: &mut Vec<Diagnostic>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    let entries = match &e.value.kind {
        NodeKind::Mapping { entries, .. } => entries,
        _ if e.value.is_null() => return tags,
        _ => {
            diags.push(at(
                file,
                e.key_node.start,
                "tags",
                format!("`tags` must be a mapping of tag keys to values, found {}", e.value.describe()),
                Some("write `tags: {team: data, cost-center: \"1234\"}` or one `key: value` per line indented below `tags:`".to_string()),
            ));
            return tags;
        }
    };
    for t in entries {
        let path = format!("tags.{}", t.key);
        let pos = t.key_node.start;
        if let Err(p) = core_keys::check_tag_key(&path, &t.key) {
            diags.push(from_problem(file, pos, &path, p));
            continue;
        }
        match t.value.scalar().map(|s| (s, s.resolve())) {
            Some((_, Ok(Resolved::Str(v)))) => match core_keys::check_tag_value(&path, &v) {
                Ok(()) => {
                    tags.insert(t.key.clone(), v);
                }
                Err(p) => diags.push(from_problem(file, pos, &path, p)),
            },
            Some((s, Ok(Resolved::Null))) => {
                let _ = s;
                diags.push(at(
                    file,
                    pos,
                    &path,
                    format!("tag `{path}` has no value"),
                    Some(format!("write `{}: \"\"` for an empty value, or remove the tag", t.key)),
                ));
            }
            Some((s, _)) => diags.push(at(
                file,
                pos,
                &path,
                format!("tag `{path}` must be a string, found {}", s.describe()),
                Some(format!("AWS tag values are text: quote it, `{}: \"{}\"`", t.key, s.text)),
            )),
            None => diags.push(at(
                file,
                pos,
                &path,
                format!("tag `{path}` must be a string, found {}", t.value.describe()),
                Some("a tag value is a single piece of text".to_string()),
            )),
        }
    }
    tags
}
