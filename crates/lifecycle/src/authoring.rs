//! The plugin author's path: `plugin new` (the scaffold), `build` (cargo for wasm32-wasip2),
//! `test` (conformance), `push` (to an OCI registry), `install` (pinned into platform.yaml),
//! and finding a plugin by addon name, file or pinned reference.

use std::path::{Path, PathBuf};
use std::process::Command;

use dataplat_plugin::{Plugin, PluginHost};

use crate::error::io;
use crate::session::{base_dir, read_file, suggest};
use crate::{Context, Error, Result};

/// A plugin by addon name, .wasm path, native library path, or pinned oci:// reference.
pub fn resolve(ctx: &Context, host: &PluginHost, target: &str) -> Result<Plugin> {
    if let Some(rest) = target.strip_prefix("oci://") {
        let (reference, digest) = rest.split_once('@').ok_or_else(|| {
            Error::usage(
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
    let addons = ctx.available_addons(host)?;
    if let Some(loaded) = addons.addons.get(target) {
        return Ok(loaded.plugin.clone());
    }
    let names: Vec<&str> = addons.addons.keys().map(String::as_str).collect();
    let hint = suggest(target, &names).unwrap_or_else(|| {
        "give an addon name from `kubectl dataplat plugin list`, a .wasm file or oci://…@sha256:…".into()
    });
    Err(Error::usage(format!("no plugin `{target}`"), Some(hint)))
}

/// A name for a new addon: the contract's rule, and short enough for a crate and a flag.
fn valid_addon_name(name: &str) -> bool {
    dataplat_vocabulary::is_addon_name(name) && name.len() <= 40
}

/// The files of a new addon crate named `name`, depending on the SDK as `sdk` says.
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
        ("Cargo.toml", fill(include_str!("../templates/addon/Cargo.toml.tmpl"))),
        ("src/lib.rs", fill(include_str!("../templates/addon/lib.rs.tmpl"))),
        ("README.md", fill(include_str!("../templates/addon/README.md.tmpl"))),
        (".gitignore", fill(include_str!("../templates/addon/gitignore.tmpl"))),
    ]
}

/// `plugin new`: a new addon crate in `dir` (default: the name with dashes); returns the
/// directory.
pub fn new_addon(name: &str, dir: Option<PathBuf>, sdk_path: Option<PathBuf>) -> Result<PathBuf> {
    if !valid_addon_name(name) {
        return Err(Error::usage(
            format!("`{name}` is not a valid addon name"),
            Some(
                "use lowercase letters, digits and _, starting with a letter (it becomes the flag enable_<name>)"
                    .into(),
            ),
        ));
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from(name.replace('_', "-")));
    if dir.exists() && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(Error::usage(
            format!("{} exists and is not empty", dir.display()),
            Some("choose another --dir".into()),
        ));
    }
    let sdk = match sdk_path {
        Some(path) => {
            let absolute = std::fs::canonicalize(&path)
                .map_err(|e| Error::usage(format!("--sdk-path {}: {e}", path.display()), None))?;
            format!("{{ path = {:?} }}", absolute.display().to_string())
        }
        None => "\"0.1\"".to_string(),
    };
    for (file, content) in scaffold(name, &sdk) {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
        }
        std::fs::write(&path, content).map_err(|e| io("write", &path, e))?;
    }
    Ok(dir)
}

/// Builds the crate in `dir` for wasm32-wasip2 (release profile, cargo's diagnostics on stderr)
/// and returns the component.
pub fn build(dir: &Path) -> Result<PathBuf> {
    if !dir.join("Cargo.toml").is_file() {
        return Err(Error::usage(
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
        .map_err(|e| Error::failed(format!("cannot run cargo: {e}"), Some("install Rust with rustup".into())))?;
    if !output.status.success() {
        return Err(Error::failed(
            "cargo build failed (see above)",
            Some("if the wasm32-wasip2 target is missing: rustup target add wasm32-wasip2".into()),
        ));
    }
    // The last artifact cargo reports with a .wasm file is the crate's component.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m.get("reason").and_then(|r| r.as_str()) == Some("compiler-artifact"))
        .flat_map(|m| m.get("filenames").and_then(|f| f.as_array()).cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .rfind(|f| f.extension().is_some_and(|e| e == "wasm"))
        .ok_or_else(|| {
            Error::failed("cargo built no .wasm file", Some("the crate needs crate-type = [\"cdylib\"]".into()))
        })
}

/// `plugin push`: the component at `file`, checked to load as an addon first (never publish
/// something that is not one), pushed to `reference`; returns the plugin and the digest.
pub fn push(host: &PluginHost, file: &Path, reference: &str) -> Result<(Plugin, String)> {
    let plugin = host.load_file(file, None)?;
    let bytes = std::fs::read(file).map_err(|e| io("read", file, e))?;
    let digest = dataplat_plugin::oci::push(reference, &bytes)?;
    Ok((plugin, digest))
}

/// A file source as platform.yaml should name it: relative to the file's directory when the
/// plugin lies under it, absolute otherwise.
fn relative_to_platform(ctx: &Context, source: &str) -> String {
    let (Ok(file), Ok(base)) = (std::fs::canonicalize(source), std::fs::canonicalize(base_dir(&ctx.file))) else {
        return source.to_string();
    };
    match file.strip_prefix(&base) {
        Ok(relative) => format!("./{}", relative.display()),
        Err(_) => file.display().to_string(),
    }
}

/// The path to load a source from now, from the shell's directory.
fn loadable(ctx: &Context, source: &str) -> String {
    if source.starts_with("oci://") || Path::new(source).is_absolute() {
        source.to_string()
    } else {
        base_dir(&ctx.file).join(source).display().to_string()
    }
}

/// What `plugin install` did.
pub struct Installed {
    pub plugin: Plugin,
    /// The source as written into platform.yaml (a tag resolved to its digest).
    pub source: String,
    /// The digest a tag resolved to, when a tag was given.
    pub resolved: Option<String>,
}

/// `plugin install`: pins `source` (a tag resolved to the digest it points to now) under
/// `plugins:` in platform.yaml, written only when the whole platform still validates.
pub fn install(ctx: &Context, source: &str) -> Result<Installed> {
    let host = ctx.host()?;
    let (pinned, resolved) = match source.strip_prefix("oci://") {
        Some(rest) if !rest.contains('@') => {
            let digest = dataplat_plugin::oci::resolve_digest(rest)?;
            (format!("{source}@{digest}"), Some(digest))
        }
        // platform.yaml resolves file sources against its own directory, not the shell's.
        None => (relative_to_platform(ctx, source), None),
        _ => (source.to_string(), None),
    };
    let plugin = resolve(ctx, &host, &loadable(ctx, &pinned))?;
    let text = read_file(&ctx.file)?;
    let edited = dataplat_config::set_plugin(&text, &plugin.info().name, &pinned)
        .map_err(|e| Error::failed(format!("cannot edit {}: {e}", ctx.file.display()), None))?;
    ctx.load_text(&host, &ctx.file, edited.clone())?;
    std::fs::write(&ctx.file, &edited).map_err(|e| io("write", &ctx.file, e))?;
    Ok(Installed { plugin, source: pinned, resolved })
}
