//! `kubectl dataplat plugin …`: list, inspect, docs, new, build, test, push, install.

use std::path::{Path, PathBuf};

use dataplat_core::LoadedAddon;
use dataplat_lifecycle::authoring::{self, resolve};
use dataplat_plugin::{Origin, Plugin};

use super::context;
use crate::CliError;
use crate::cli::{Format, Global, PluginCommand};
use crate::output::print_data;
use dataplat_lifecycle::text::Table;

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
    let ctx = context(global);
    let addons = ctx.available_addons(&ctx.host()?)?;
    if output != Format::Table {
        let all: Vec<_> = addons.addons.values().map(|a| describe(&a.plugin)).collect();
        return print_data(output, &all);
    }
    let mut table = Table::new(&["ADDON", "VERSION", "SOURCE", "FLAGS", "DESCRIPTION"]);
    for LoadedAddon { plugin, .. } in addons.addons.values() {
        let info = plugin.info();
        let flags: Vec<&str> = info.flags.iter().map(|f| f.name.as_str()).collect();
        let source = origin_label(plugin.origin());
        table.row(vec![info.name.clone(), info.version.clone(), source, flags.join(", "), info.description.clone()]);
    }
    print!("{}", table.render());
    Ok(())
}

/// `plugin docs`: the addon's reference page, to stdout or a file.
fn docs(global: &Global, target: &str, output: Option<&Path>) -> Result<(), CliError> {
    let ctx = context(global);
    let page = dataplat_lifecycle::addon_page::addon_page(resolve(&ctx, &ctx.host()?, target)?.info());
    match output {
        None => {
            print!("{page}");
            Ok(())
        }
        Some(path) => std::fs::write(path, page)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display()), None)),
    }
}

fn inspect(global: &Global, target: &str, output: Format) -> Result<(), CliError> {
    let ctx = context(global);
    let plugin = resolve(&ctx, &ctx.host()?, target)?;
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

fn new(global: &Global, name: &str, dir: Option<PathBuf>, sdk_path: Option<PathBuf>) -> Result<(), CliError> {
    let dir = authoring::new_addon(name, dir, sdk_path)?;
    if !global.quiet {
        println!("created addon `{name}` in {}", dir.display());
        println!("next: cd {} && kubectl dataplat plugin build && kubectl dataplat plugin test", dir.display());
    }
    Ok(())
}

/// Builds the crate in `dir` and loads the component (so a built plugin is a loadable one).
fn build(global: &Global, dir: &Path) -> Result<PathBuf, CliError> {
    let wasm = authoring::build(dir)?;
    let plugin = context(global).host()?.load_file(&wasm, None)?;
    if !global.quiet {
        let size = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
        let info = plugin.info();
        println!("built {} {} -> {} ({size} bytes, {})", info.name, info.version, wasm.display(), plugin.digest());
    }
    Ok(wasm)
}

fn test(global: &Global, target: &Path, configs: &[String]) -> Result<(), CliError> {
    let file = if target.is_dir() { build(global, target)? } else { target.to_path_buf() };
    let ctx = context(global);
    let plugin = resolve(&ctx, &ctx.host()?, &file.display().to_string())?;
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
    let (plugin, digest) = authoring::push(&context(global).host()?, file, reference)?;
    let bare = reference.strip_prefix("oci://").unwrap_or(reference);
    if !global.quiet {
        println!("pushed {} {} to oci://{bare}", plugin.info().name, plugin.info().version);
    }
    println!("oci://{bare}@{digest}");
    Ok(())
}

fn install(global: &Global, source: &str) -> Result<(), CliError> {
    let installed = authoring::install(&context(global), source)?;
    if global.quiet {
        return Ok(());
    }
    if let Some(digest) = &installed.resolved {
        println!("resolved {source} to {digest}");
    }
    let info = installed.plugin.info();
    println!("installed {} {} from {} ({})", info.name, info.version, installed.source, installed.plugin.digest());
    let flag = info.flags.iter().find(|f| f.enables_addon).map(|f| f.name.clone()).unwrap_or_default();
    println!("next: kubectl dataplat enable {}   # sets {flag}: true", info.name);
    Ok(())
}
