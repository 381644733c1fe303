//! Writing or merging the kubeconfig context of an EKS cluster whose credential is the exec plugin
//! `kubectl-dataplat token --cluster NAME --region R` (DESIGN.md section 8): no aws CLI needed.
//!
//! Merging keeps everything else in the file: other clusters, users and contexts, unknown
//! top-level and per-entry fields, and the order of entries. The entries named [`EksContext::name`]
//! are updated in place (appended when new):
//!
//! - the cluster gets `server` and `certificate-authority-data` (a conflicting
//!   `certificate-authority` file or `insecure-skip-tls-verify` is removed; other fields stay);
//! - the user is replaced: it holds only the `exec` credential;
//! - the context gets `cluster` and `user` (a `namespace` or other field stays).
//!
//! Merging twice gives the same bytes. The file is written atomically (temporary file in the same
//! directory, then rename) with mode 0600. Comments are not kept (kubectl does not keep them
//! either). Values of fields this module does not know are read untyped, as YAML 1.2 core with two
//! kubectl-compatible choices (numbers with leading zeros or underscores stay strings); an unquoted
//! float such as `1.30` or `1e3` in an unknown field is rewritten as the number it denotes.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::token::EXEC_CREDENTIAL_API_VERSION;

/// The command the exec credential runs.
pub const EXEC_COMMAND: &str = dataplat_vocabulary::TOOL;

/// Why the kubeconfig could not be merged or written.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error("{path}: not a kubeconfig: {reason}")]
    Invalid { path: String, reason: String },
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("no kubeconfig path: KUBECONFIG and HOME are unset")]
    NoPath,
}

/// One EKS cluster's kubeconfig entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EksContext {
    /// Name of the cluster, user and context entries (the convention of `aws eks update-kubeconfig`
    /// is the cluster ARN; [`default_context_name`] otherwise).
    pub name: String,
    /// The EKS cluster name (`--cluster` of the token command).
    pub cluster: String,
    /// `--region` of the token command.
    pub region: String,
    /// API server URL (DescribeCluster `endpoint`).
    pub server: String,
    /// Base64 PEM of the cluster CA (DescribeCluster `certificateAuthority.data`).
    pub certificate_authority_data: String,
    /// `AWS_PROFILE` for the token command, if any.
    pub profile: Option<String>,
    /// `--role-arn` for the token command, if any.
    pub role_arn: Option<String>,
}

/// `<cluster>.<region>`, the entry name when no ARN is at hand.
pub fn default_context_name(cluster: &str, region: &str) -> String {
    format!("{cluster}.{region}")
}

/// The kubeconfig a command writes to: the first path of `KUBECONFIG`, else `~/.kube/config`
/// (where kubectl writes new entries too).
pub fn default_path() -> Result<PathBuf, KubeconfigError> {
    if let Some(first) =
        std::env::var_os("KUBECONFIG").and_then(|list| std::env::split_paths(&list).find(|p| !p.as_os_str().is_empty()))
    {
        return Ok(first);
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).ok_or(KubeconfigError::NoPath)?;
    Ok(PathBuf::from(home).join(".kube").join("config"))
}

/// The `exec` entry of the user: `kubectl-dataplat token --cluster NAME --region R`.
pub fn exec_entry(context: &EksContext) -> Value {
    let mut args = vec!["token", "--cluster", &context.cluster, "--region", &context.region];
    if let Some(arn) = &context.role_arn {
        args.extend(["--role-arn", arn]);
    }
    let mut exec = Map::new();
    exec.insert("apiVersion".into(), EXEC_CREDENTIAL_API_VERSION.into());
    exec.insert("command".into(), EXEC_COMMAND.into());
    exec.insert("args".into(), Value::Array(args.into_iter().map(Value::from).collect()));
    if let Some(profile) = &context.profile {
        let mut var = Map::new();
        var.insert("name".into(), "AWS_PROFILE".into());
        var.insert("value".into(), profile.as_str().into());
        exec.insert("env".into(), Value::Array(vec![Value::Object(var)]));
    }
    exec.insert("interactiveMode".into(), "Never".into());
    exec.insert("provideClusterInfo".into(), false.into());
    exec.insert(
        "installHint".into(),
        "kubectl-dataplat (the kubectl dataplat plugin) must be on PATH; see its user guide".into(),
    );
    Value::Object(exec)
}

/// `existing` (a kubeconfig's text; empty or `None` for a new file) with `context` merged in, and
/// `current-context` set to it when `set_current`. `label` names the file in errors.
pub fn merge(
    existing: Option<&str>,
    context: &EksContext,
    set_current: bool,
    label: &str,
) -> Result<String, KubeconfigError> {
    let invalid = |reason: String| KubeconfigError::Invalid { path: label.to_string(), reason };
    let mut root = match existing.map(str::trim).filter(|t| !t.is_empty()) {
        None => new_config(),
        Some(text) => match parse(text).map_err(|e| invalid(e.to_string()))? {
            Value::Null => new_config(),
            Value::Object(map) => map,
            _ => return Err(invalid("the document is not a mapping".into())),
        },
    };

    // cluster: server and CA set, conflicting CA settings removed, the rest kept.
    let cluster = entry(&mut root, "clusters", "cluster", &context.name).map_err(invalid)?;
    cluster.insert("server".into(), context.server.as_str().into());
    cluster.insert("certificate-authority-data".into(), context.certificate_authority_data.as_str().into());
    cluster.shift_remove("certificate-authority");
    cluster.shift_remove("insecure-skip-tls-verify");

    // user: only the exec credential (a leftover token or certificate would take precedence).
    let user = entry(&mut root, "users", "user", &context.name).map_err(invalid)?;
    user.clear();
    user.insert("exec".into(), exec_entry(context));

    // context: cluster and user, a namespace or other field kept.
    let ctx = entry(&mut root, "contexts", "context", &context.name).map_err(invalid)?;
    ctx.insert("cluster".into(), context.name.as_str().into());
    ctx.insert("user".into(), context.name.as_str().into());

    if set_current {
        root.insert("current-context".into(), context.name.as_str().into());
    }
    for (key, value) in [("apiVersion", "v1"), ("kind", "Config")] {
        if root.get(key).is_none_or(Value::is_null) {
            root.insert(key.into(), value.into());
        }
    }
    // Plain scalars on one line, as kubectl writes them (no folded `>-` blocks for the CA data).
    let mut options = serde_saphyr::SerializerOptions::default();
    options.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(&Value::Object(root), options)
        .map_err(|e| invalid(format!("cannot write YAML: {e}")))
}

/// Reads `path` (absent is fine), merges `context` and writes the result atomically with mode
/// 0600. A symlinked kubeconfig is written through (its target is replaced).
pub fn write(path: &Path, context: &EksContext, set_current: bool) -> Result<(), KubeconfigError> {
    let io = |path: &Path, error: std::io::Error| KubeconfigError::Io { path: path.display().to_string(), error };
    let target = match std::fs::canonicalize(path) {
        Ok(resolved) => resolved,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(io(path, e)),
    };
    let existing = match std::fs::read_to_string(&target) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&target, e)),
    };
    let text = merge(existing.as_deref(), context, set_current, &path.display().to_string())?;
    if existing.as_deref() == Some(text.as_str()) {
        // Nothing changed; still make sure nobody else can read the credentials' file.
        return set_private(&target).map_err(|e| io(&target, e));
    }

    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut file = tempfile::Builder::new().prefix(".kubeconfig-").tempfile_in(dir).map_err(|e| io(dir, e))?;
    set_private(file.path()).map_err(|e| io(file.path(), e))?;
    file.write_all(text.as_bytes()).map_err(|e| io(file.path(), e))?;
    file.as_file().sync_all().map_err(|e| io(&target, e))?;
    file.persist(&target).map_err(|e| io(&target, e.error))?;
    Ok(())
}

fn set_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Untyped YAML, keeping `0755` and `1_000` as strings (see the module docs).
fn parse(text: &str) -> Result<Value, serde_saphyr::Error> {
    let mut options = serde_saphyr::Options::default();
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    serde_saphyr::from_str_with_options(text, options)
}

/// A kubeconfig with nothing in it, keys in kubectl's order.
fn new_config() -> Map<String, Value> {
    let mut root = Map::new();
    root.insert("apiVersion".into(), "v1".into());
    root.insert("clusters".into(), Value::Array(vec![]));
    root.insert("contexts".into(), Value::Array(vec![]));
    root.insert("current-context".into(), "".into());
    root.insert("kind".into(), "Config".into());
    root.insert("preferences".into(), Value::Object(Map::new()));
    root.insert("users".into(), Value::Array(vec![]));
    root
}

/// The inner mapping (`cluster`, `user` or `context`) of the entry `name` in the list `list`,
/// created at the end of the list when missing.
fn entry<'a>(
    root: &'a mut Map<String, Value>,
    list: &str,
    inner: &str,
    name: &str,
) -> Result<&'a mut Map<String, Value>, String> {
    let items = root.entry(list).or_insert_with(|| Value::Array(vec![]));
    if items.is_null() {
        *items = Value::Array(vec![]);
    }
    let Value::Array(items) = items else {
        return Err(format!("`{list}` is not a list"));
    };
    let mut found = None;
    for (index, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            return Err(format!("an entry of `{list}` is not a mapping"));
        };
        if item.get("name").and_then(Value::as_str) == Some(name) {
            found = Some(index);
            break;
        }
    }
    let index = match found {
        Some(index) => index,
        None => {
            let mut item = Map::new();
            item.insert("name".into(), name.into());
            item.insert(inner.into(), Value::Object(Map::new()));
            items.push(Value::Object(item));
            items.len() - 1
        }
    };
    let Some(Value::Object(item)) = items.get_mut(index) else {
        unreachable!("checked above");
    };
    let body = item.entry(inner).or_insert_with(|| Value::Object(Map::new()));
    if body.is_null() {
        *body = Value::Object(Map::new());
    }
    match body {
        Value::Object(body) => Ok(body),
        _ => Err(format!("`{list}` entry `{name}`: `{inner}` is not a mapping")),
    }
}
