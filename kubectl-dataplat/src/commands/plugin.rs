//! `kubectl dataplat plugin …`: list, inspect, docs, new, build, test, push, install.

use std::path::{Path, PathBuf};
use std::process::Command;

use dataplat_core::{Addons, LoadedAddon};
use dataplat_plugin::{Origin, Plugin, PluginHost};

use super::{host, label, load_text, read_file};
use crate::CliError;
use crate::cli::{Format, Global, PluginCommand};
use crate::output::{Table, print_data};

pub fn run(global: &Global, command: PluginCommand) -> Result<(), CliError> {
    match command {
        PluginCommand::List(args) => list(global, args.output),
        PluginCommand::Inspect { target, output } => inspect(global, &target, output),
        PluginCommand::Docs { target, output } => docs(global, &target, output.as_deref()),
        PluginCommand::New { name, dir, sdk_path } => new(global, &name, dir, sdk_path),
        PluginCommand::Build { dir } => build(global, &dir).map(|_| ()),
        PluginCommand::Test { target, config } => test(global, &target, &config),
        PluginCommand::Push { file, reference } => push(global, &file, &reference),
        PluginCommand::Install { source } => install(global, &source),
    }
}

/// Built-ins, plus the platform file's plugins when there is a platform file.
fn available(global: &Global, host: &PluginHost) -> Result<Addons, CliError> {
    if global.file.exists() {
        let text = read_file(&global.file)?;
        let doc = dataplat_config::parse(&label(&global.file), &text).map_err(super::config_error)?;
        let sources = doc.plugin_sources().map_err(super::config_error)?;
        super::load_addons(host, &sources, &super::base_dir(&global.file))
    } else {
        super::load_addons(host, &[], std::path::Path::new("."))
    }
}

fn origin_label(origin: &Origin) -> String {
    match origin {
        Origin::Builtin => "built-in".into(),
        Origin::File { path } => path.clone(),
        Origin::Oci { reference, digest, .. } => format!("oci://{reference}@{digest}"),
        Origin::Native { path } => format!("native:{path}"),
    }
}

fn describe(plugin: &Plugin) -> serde_json::Value {
    let info = plugin.info();
    serde_json::json!({
        "name": info.name,
        "version": info.version,
        "contract_version": info.contract_version,
        "description": info.description,
        "source": plugin.origin(),
        "digest": plugin.digest(),
        "flags": info.flags,
        "dependencies": info.dependencies,
        "config_schema": serde_json::from_str::<serde_json::Value>(&info.config_schema).unwrap_or_default(),
    })
}

fn list(global: &Global, output: Format) -> Result<(), CliError> {
    let host = host(global)?;
    let addons = available(global, &host)?;
    if output != Format::Table {
        let all: Vec<_> = addons.addons.values().map(|a| describe(&a.plugin)).collect();
        return print_data(output, &all);
    }
    let mut table = Table::new(&["ADDON", "VERSION", "SOURCE", "FLAGS", "DESCRIPTION"]);
    for LoadedAddon { plugin, .. } in addons.addons.values() {
        let info = plugin.info();
        table.row(vec![
            info.name.clone(),
            info.version.clone(),
            origin_label(plugin.origin()),
            info.flags.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "),
            info.description.clone(),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

/// A plugin by addon name, .wasm path, native library path, or pinned oci:// reference.
fn resolve(global: &Global, host: &PluginHost, target: &str) -> Result<Plugin, CliError> {
    if let Some(rest) = target.strip_prefix("oci://") {
        let (reference, digest) = rest.split_once('@').ok_or_else(|| {
            CliError::usage(
                format!("{target} is not pinned"),
                Some("write oci://registry/repo:tag@sha256:<digest>".into()),
            )
        })?;
        return Ok(host.load_oci(reference, digest)?);
    }
    let path = Path::new(target);
    if path.is_file() {
        return Ok(if target.ends_with(".so") || target.ends_with(".dylib") || target.ends_with(".dll") {
            host.load_native(path, None)?
        } else {
            host.load_file(path, None)?
        });
    }
    let addons = available(global, host)?;
    if let Some(loaded) = addons.addons.get(target) {
        return Ok(loaded.plugin.clone());
    }
    let names: Vec<&str> = addons.addons.keys().map(String::as_str).collect();
    let hint = super::suggest(target, &names).unwrap_or_else(|| {
        "give an addon name from `kubectl dataplat plugin list`, a .wasm file or oci://…@sha256:…".into()
    });
    Err(CliError::usage(format!("no plugin `{target}`"), Some(hint)))
}

/// `plugin docs`: the addon's reference page, to stdout or a file.
fn docs(global: &Global, target: &str, output: Option<&Path>) -> Result<(), CliError> {
    let host = host(global)?;
    let plugin = resolve(global, &host, target)?;
    let page = addon_page(plugin.info());
    match output {
        None => {
            print!("{page}");
            Ok(())
        }
        Some(path) => std::fs::write(path, page)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display()), None)),
    }
}

/// The Markdown reference page of an addon, from its `info()` alone: description, flags,
/// dependencies and one table row per config field (nested objects flattened as `a.b`).
/// Deterministic (no digest or source), so the pages under docs/addons/ can be checked in.
pub fn addon_page(info: &dataplat_plugin::contract::PluginInfo) -> String {
    let mut out = format!("# {}\n\n{}\n\n", info.name, one_line(&info.description));
    out.push_str(&format!(
        "Plugin version {}, contract `dataplat:addon@{}`. Generated by `kubectl dataplat plugin docs {}`; \
         do not edit.\n\n",
        info.version, info.contract_version, info.name
    ));
    out.push_str("## Flags\n\n| flag | kind | description |\n|---|---|---|\n");
    let own = info.flags.iter().find(|f| f.enables_addon).map(|f| f.name.as_str());
    for flag in &info.flags {
        let kind = match (flag.enables_addon, own) {
            (true, _) => "switches the addon on".to_string(),
            (false, Some(own)) => format!("feature, needs `{own}`"),
            (false, None) => "feature".to_string(),
        };
        out.push_str(&format!("| `{}` | {kind} | {} |\n", flag.name, cell(&flag.description)));
    }
    out.push_str("\n## Dependencies\n\n");
    if info.dependencies.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str("| addon | when | why |\n|---|---|---|\n");
        for d in &info.dependencies {
            let when = d.when_flag.as_ref().map(|f| format!("`{f}: true`")).unwrap_or_else(|| "always".into());
            out.push_str(&format!("| `{}` | {when} | {} |\n", d.addon, cell(&d.reason)));
        }
    }
    out.push_str(&format!("\n## Configuration: the `{}:` block of platform.yaml\n\n", info.name));
    let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap_or_default();
    if let Some(description) = schema.get("description").and_then(|d| d.as_str()) {
        out.push_str(&format!("{}\n\n", one_line(description)));
    }
    let mut rows = Vec::new();
    schema_rows(&schema, &schema, "", &mut rows);
    if rows.is_empty() {
        out.push_str("The addon has no settings.\n");
    } else {
        out.push_str("| field | type | default | allowed | description |\n|---|---|---|---|---|\n");
        for row in rows {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                row.path,
                row.ty,
                row.default,
                row.allowed,
                cell(&row.description)
            ));
        }
    }
    out
}

/// One config field of the reference table.
struct FieldRow {
    path: String,
    ty: String,
    default: String,
    allowed: String,
    description: String,
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text for a Markdown table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// Follows a local `$ref` (`#/$defs/Name`); other schemas are returned as they are.
fn resolve_ref<'a>(root: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
    match schema.get("$ref").and_then(|r| r.as_str()).and_then(|r| r.strip_prefix("#/")) {
        Some(pointer) => root.pointer(&format!("/{pointer}")).unwrap_or(schema),
        None => schema,
    }
}

/// The schema without its `null` alternative (`Option<T>`), and whether null is allowed.
fn non_null<'a>(root: &'a serde_json::Value, schema: &'a serde_json::Value) -> (&'a serde_json::Value, bool) {
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(|o| o.as_array()) {
            let others: Vec<&serde_json::Value> =
                options.iter().filter(|o| o.get("type") != Some(&"null".into())).collect();
            if others.len() == 1 && others.len() < options.len() {
                return (resolve_ref(root, others[0]), true);
            }
        }
    }
    let resolved = resolve_ref(root, schema);
    let nullable = resolved.get("type").and_then(|t| t.as_array()).is_some_and(|t| t.iter().any(|t| t == "null"));
    (resolved, nullable)
}

/// The allowed constants of an enum-like schema (`enum`, or `oneOf`/`anyOf` of `const`s).
fn constants(schema: &serde_json::Value) -> Option<Vec<serde_json::Value>> {
    if let Some(values) = schema.get("enum").and_then(|e| e.as_array()) {
        return Some(values.clone());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(|o| o.as_array()) {
            let consts: Option<Vec<serde_json::Value>> = options.iter().map(|o| o.get("const").cloned()).collect();
            if consts.is_some() {
                return consts;
            }
        }
    }
    None
}

fn type_name(root: &serde_json::Value, schema: &serde_json::Value) -> String {
    let (schema, nullable) = non_null(root, schema);
    let base = match schema.get("type") {
        Some(serde_json::Value::String(t)) if t == "array" => match schema.get("items") {
            Some(items) => format!("list of {}", type_name(root, items)),
            None => "list".into(),
        },
        Some(serde_json::Value::String(t)) => t.clone(),
        Some(serde_json::Value::Array(types)) => {
            types.iter().filter_map(|t| t.as_str()).filter(|t| *t != "null").collect::<Vec<_>>().join(" or ")
        }
        _ => match constants(schema) {
            Some(values) if values.iter().all(|v| v.is_string()) => "string".into(),
            Some(_) => "enum".into(),
            None => "any".into(),
        },
    };
    if nullable { format!("{base} or null") } else { base }
}

/// Range, length, pattern and allowed values of a field.
fn allowed(root: &serde_json::Value, schema: &serde_json::Value) -> String {
    let (schema, _) = non_null(root, schema);
    let mut parts = Vec::new();
    if let Some(values) = constants(schema) {
        parts.push(values.iter().map(|v| format!("`{}`", plain(v))).collect::<Vec<_>>().join(", "));
    }
    let number = |key: &str| schema.get(key).map(plain);
    match (number("minimum"), number("maximum")) {
        (Some(min), Some(max)) => parts.push(format!("{min} to {max}")),
        (Some(min), None) => parts.push(format!("≥ {min}")),
        (None, Some(max)) => parts.push(format!("≤ {max}")),
        (None, None) => {}
    }
    if let Some(min) = number("exclusiveMinimum") {
        parts.push(format!("> {min}"));
    }
    if let Some(max) = number("exclusiveMaximum") {
        parts.push(format!("< {max}"));
    }
    match (number("minLength"), number("maxLength")) {
        (Some(min), Some(max)) => parts.push(format!("length {min} to {max}")),
        (Some(min), None) => parts.push(format!("length ≥ {min}")),
        (None, Some(max)) => parts.push(format!("length ≤ {max}")),
        (None, None) => {}
    }
    match (number("minItems"), number("maxItems")) {
        (Some(min), Some(max)) => parts.push(format!("{min} to {max} items")),
        (Some(min), None) => parts.push(format!("≥ {min} items")),
        (None, Some(max)) => parts.push(format!("≤ {max} items")),
        (None, None) => {}
    }
    if let Some(pattern) = schema.get("pattern").and_then(|p| p.as_str()) {
        parts.push(format!("pattern `{pattern}`"));
    }
    cell(&parts.join("; "))
}

/// A JSON value as users write it: strings bare, everything else as JSON.
fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Appends a row for every property of `schema` (an object schema), recursing into objects that
/// declare their own properties.
fn schema_rows(root: &serde_json::Value, schema: &serde_json::Value, prefix: &str, rows: &mut Vec<FieldRow>) {
    let (schema, _) = non_null(root, schema);
    let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) else { return };
    for (name, field) in properties {
        let path = format!("{prefix}{name}");
        let (target, _) = non_null(root, field);
        let description = field
            .get("description")
            .or_else(|| target.get("description"))
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .to_string();
        let default = field.get("default").or_else(|| target.get("default"));
        rows.push(FieldRow {
            path: path.clone(),
            ty: type_name(root, field),
            default: default.map(|d| format!("`{}`", d.to_string().replace('|', "\\|"))).unwrap_or_default(),
            allowed: allowed(root, field),
            description,
        });
        schema_rows(root, field, &format!("{path}."), rows);
    }
}

fn inspect(global: &Global, target: &str, output: Format) -> Result<(), CliError> {
    let host = host(global)?;
    let plugin = resolve(global, &host, target)?;
    if output != Format::Table {
        return print_data(output, &describe(&plugin));
    }
    let info = plugin.info();
    println!("{} {} — {}", info.name, info.version, info.description);
    println!("contract:  dataplat:addon@{}", info.contract_version);
    println!("source:    {}", origin_label(plugin.origin()));
    println!("digest:    {}", plugin.digest());
    println!("flags:");
    for flag in &info.flags {
        println!("  {}{}  {}", flag.name, if flag.enables_addon { "" } else { " (feature)" }, flag.description);
    }
    if !info.dependencies.is_empty() {
        println!("needs:");
        for d in &info.dependencies {
            let when = d.when_flag.as_ref().map(|f| format!(" when {f}")).unwrap_or_default();
            println!("  {}{when}: {}", d.addon, d.reason);
        }
    }
    let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap_or_default();
    println!("config block `{}:`", info.name);
    if let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) {
        let mut table = Table::new(&["  FIELD", "TYPE", "DEFAULT", "DESCRIPTION"]);
        for (field, spec) in properties {
            let ty = spec.get("type").map(|t| t.to_string().replace('"', "")).unwrap_or_else(|| "-".into());
            let default = spec.get("default").map(|d| d.to_string()).unwrap_or_else(|| "-".into());
            let description = spec.get("description").and_then(|d| d.as_str()).unwrap_or("").replace('\n', " ");
            table.row(vec![format!("  {field}"), ty, default, description]);
        }
        print!("{}", table.render());
    }
    Ok(())
}

fn valid_addon_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && name.len() <= 40
}

/// The files of a new addon crate named `name`.
pub fn scaffold(name: &str, sdk: &str) -> Vec<(&'static str, String)> {
    let dns_name = name.replace('_', "-");
    let camel: String = name
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect();
    let fill = |template: &str| {
        template
            .replace("{{Name}}", &camel)
            .replace("{{dns_name}}", &dns_name)
            .replace("{{crate_file}}", &format!("{}_addon", name))
            .replace("{{name}}", name)
            .replace("{{sdk}}", sdk)
    };
    vec![
        ("Cargo.toml", fill(include_str!("../../templates/addon/Cargo.toml.tmpl"))),
        ("src/lib.rs", fill(include_str!("../../templates/addon/lib.rs.tmpl"))),
        ("README.md", fill(include_str!("../../templates/addon/README.md.tmpl"))),
        (".gitignore", fill(include_str!("../../templates/addon/gitignore.tmpl"))),
    ]
}

fn new(global: &Global, name: &str, dir: Option<PathBuf>, sdk_path: Option<PathBuf>) -> Result<(), CliError> {
    if !valid_addon_name(name) {
        return Err(CliError::usage(
            format!("`{name}` is not a valid addon name"),
            Some(
                "use lowercase letters, digits and _, starting with a letter (it becomes the flag enable_<name>)"
                    .into(),
            ),
        ));
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from(name.replace('_', "-")));
    if dir.exists() && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(CliError::usage(
            format!("{} exists and is not empty", dir.display()),
            Some("choose another --dir".into()),
        ));
    }
    let sdk = match sdk_path {
        Some(path) => {
            let absolute = std::fs::canonicalize(&path)
                .map_err(|e| CliError::usage(format!("--sdk-path {}: {e}", path.display()), None))?;
            format!("{{ path = {:?} }}", absolute.display().to_string())
        }
        None => "\"0.1\"".to_string(),
    };
    for (file, content) in scaffold(name, &sdk) {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| CliError::failed(format!("cannot create {}: {e}", parent.display()), None))?;
        }
        std::fs::write(&path, content)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display()), None))?;
    }
    if !global.quiet {
        println!("created addon `{name}` in {}", dir.display());
        println!("next: cd {} && kubectl dataplat plugin build && kubectl dataplat plugin test", dir.display());
    }
    Ok(())
}

/// Builds the crate in `dir` for wasm32-wasip2 (release profile) and returns the component.
fn build(global: &Global, dir: &Path) -> Result<PathBuf, CliError> {
    if !dir.join("Cargo.toml").is_file() {
        return Err(CliError::usage(
            format!("{} has no Cargo.toml", dir.display()),
            Some("run it in an addon crate (see `plugin new`)".into()),
        ));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(dir)
        .args(["build", "--release", "--target", "wasm32-wasip2", "--lib", "--message-format=json-render-diagnostics"])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| CliError::failed(format!("cannot run cargo: {e}"), Some("install Rust with rustup".into())))?;
    if !output.status.success() {
        return Err(CliError::failed(
            "cargo build failed (see above)",
            Some("if the wasm32-wasip2 target is missing: rustup target add wasm32-wasip2".into()),
        ));
    }
    // The last artifact cargo reports with a .wasm file is the crate's component.
    let wasm = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m.get("reason").and_then(|r| r.as_str()) == Some("compiler-artifact"))
        .flat_map(|m| m.get("filenames").and_then(|f| f.as_array()).cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .rfind(|f| f.extension().is_some_and(|e| e == "wasm"))
        .ok_or_else(|| {
            CliError::failed("cargo built no .wasm file", Some("the crate needs crate-type = [\"cdylib\"]".into()))
        })?;
    let host = host(global)?;
    let plugin = host.load_file(&wasm, None)?;
    if !global.quiet {
        let size = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
        println!(
            "built {} {} -> {} ({size} bytes, {})",
            plugin.info().name,
            plugin.info().version,
            wasm.display(),
            plugin.digest()
        );
    }
    Ok(wasm)
}

fn test(global: &Global, target: &Path, configs: &[String]) -> Result<(), CliError> {
    let file = if target.is_dir() { build(global, target)? } else { target.to_path_buf() };
    let host = host(global)?;
    let plugin = resolve(global, &host, &file.display().to_string())?;
    let checks = dataplat_core::conformance(&plugin, configs);
    let failed = checks.iter().filter(|c| !c.passed).count();
    for c in &checks {
        println!("{}  {}  {}", if c.passed { "ok  " } else { "FAIL" }, c.name, c.detail);
    }
    println!("{} passed, {failed} failed", checks.len() - failed);
    if failed > 0 {
        return Err(CliError::failed(
            format!("{failed} conformance check(s) failed for `{}`", plugin.info().name),
            None,
        ));
    }
    Ok(())
}

fn push(global: &Global, file: &Path, reference: &str) -> Result<(), CliError> {
    // Never publish something that is not a loadable addon.
    let host = host(global)?;
    let plugin = host.load_file(file, None)?;
    let bytes =
        std::fs::read(file).map_err(|e| CliError::failed(format!("cannot read {}: {e}", file.display()), None))?;
    let digest = dataplat_plugin::oci::push(reference, &bytes)?;
    let bare = reference.strip_prefix("oci://").unwrap_or(reference);
    if !global.quiet {
        println!("pushed {} {} to oci://{bare}", plugin.info().name, plugin.info().version);
    }
    println!("oci://{bare}@{digest}");
    Ok(())
}

/// A file source as platform.yaml should name it: relative to the file's directory when the
/// plugin lies under it, absolute otherwise.
fn relative_to_platform(global: &Global, source: &str) -> String {
    let (Ok(file), Ok(base)) = (std::fs::canonicalize(source), std::fs::canonicalize(super::base_dir(&global.file)))
    else {
        return source.to_string();
    };
    match file.strip_prefix(&base) {
        Ok(relative) => format!("./{}", relative.display()),
        Err(_) => file.display().to_string(),
    }
}

/// The path to load a source from now, from the shell's directory.
fn loadable(global: &Global, source: &str) -> String {
    if source.starts_with("oci://") || Path::new(source).is_absolute() {
        source.to_string()
    } else {
        super::base_dir(&global.file).join(source).display().to_string()
    }
}

fn install(global: &Global, source: &str) -> Result<(), CliError> {
    let host = host(global)?;
    // A tag is resolved to the digest it points to now, and that digest is what gets pinned.
    let pinned = match source.strip_prefix("oci://") {
        Some(rest) if !rest.contains('@') => {
            let digest = dataplat_plugin::oci::resolve_digest(rest)?;
            if !global.quiet {
                println!("resolved {source} to {digest}");
            }
            format!("{source}@{digest}")
        }
        // platform.yaml resolves file sources against its own directory, not the shell's.
        None => relative_to_platform(global, source),
        _ => source.to_string(),
    };
    let source = pinned.as_str();
    let plugin = resolve(global, &host, &loadable(global, source))?;
    let name = plugin.info().name.clone();
    let text = read_file(&global.file)?;
    let edited = dataplat_config::set_plugin(&text, &name, source)
        .map_err(|e| CliError::failed(format!("cannot edit {}: {e}", global.file.display()), None))?;
    // Check the whole platform still validates with the new plugin before writing.
    load_text(&host, &global.file, edited.clone())?;
    std::fs::write(&global.file, &edited)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", global.file.display()), None))?;
    if !global.quiet {
        println!("installed {} {} from {source} ({})", name, plugin.info().version, plugin.digest());
        let flag = plugin.info().flags.iter().find(|f| f.enables_addon).map(|f| f.name.clone()).unwrap_or_default();
        println!("next: kubectl dataplat enable {name}   # sets {flag}: true");
    }
    Ok(())
}
