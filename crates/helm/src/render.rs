//! Helm's engine glue (pkg/engine/engine.go) and `helm template`'s post-render
//! (pkg/releaseutil): our own code following Helm's rules.
//!
//! - Every template of the chart and its (enabled) subcharts is parsed into one set named
//!   `gotpl`, under Helm's names (`chart/templates/x.yaml`, `chart/charts/sub/templates/x.yaml`),
//!   in Helm's order: more `/` first, then by name descending (Helm sorts `byPathLen` reversed),
//!   so a parent's `define` overrides a subchart's. Library charts contribute only partials.
//! - `missingkey=zero`; `<no value>` is stripped from every output and from `tpl` results.
//! - `include` executes a template of the executing set (nesting of one name beyond 1000 fails
//!   with Helm's message); `tpl` clones the set, parses the text under the name `gotpl` and
//!   executes it; `required`/`fail` errors come out as
//!   `execution error at (<template>:<line>:<col>): <msg>`; `lookup` returns an empty map, or
//!   reads a live cluster through [`RenderOptions::lookup`].
//! - Templates whose base name starts with `_` are not executed; `NOTES.txt` is executed (as in
//!   Helm) but not emitted (the root chart's is [`Rendered::notes`]).
//! - Output: [`Rendered::templates`] (per template, in parse order), then the objects: split on
//!   `---`, hooks (`helm.sh/hook`) apart, the rest sorted by kind in Helm's install order;
//!   CRDs from `crds/` separately. [`Rendered::to_yaml_stream`] prints them as `helm template`
//!   does.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use gotemplate::{Arity, FuncError, Funcs, MissingKey, Template, Value};

use crate::chart::Chart;
use crate::context::{Capabilities, Files, release_value};
use crate::sprig::SprigOptions;

/// How many times one name may be nested in `include` (Helm's `recursionMaxNums`).
pub const RECURSION_MAX: usize = 1000;
const WARN_START: &str = "HELM_ERR_START";
const WARN_END: &str = "HELM_ERR_END";

/// `helm template`'s options that reach the engine.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub release_name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_upgrade: bool,
    /// `--kube-version` (default [`crate::context::DEFAULT_KUBE_VERSION`]).
    pub kube_version: Option<String>,
    /// `--api-versions`, added to the default set.
    pub api_versions: Vec<String>,
    /// Randomness and clock of Sprig's functions (seed for reproducible `randAlphaNum`).
    pub sprig: SprigOptions,
    /// Where `lookup` reads live objects; `None`: `lookup` returns an empty map, as
    /// `helm template` does without a cluster.
    pub lookup: Option<LookupHandle>,
}

/// A live cluster for `lookup apiVersion kind namespace name`.
pub trait Lookup {
    /// The object as JSON; for an empty `name`, the list (`{"apiVersion": …, "kind": "…List",
    /// "items": […]}`); `Ok(None)` when the object (or the kind) does not exist, which `lookup`
    /// turns into an empty map as Helm does. `Err` fails the render with the message.
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<serde_json::Value>, String>;
}

/// A shared [`Lookup`] in [`RenderOptions`].
#[derive(Clone)]
pub struct LookupHandle(pub std::sync::Arc<dyn Lookup + Send + Sync>);

impl std::fmt::Debug for LookupHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LookupHandle(..)")
    }
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
            kube_version: None,
            api_versions: Vec::new(),
            sprig: SprigOptions::default(),
            lookup: None,
        }
    }
}

/// A render error: the message as Helm prints it (`execution error at (...)`, `parse error at
/// (...)`, `YAML parse error on ...`), and the template it is about when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderError {}

fn rerr(template: &str, message: impl Into<String>) -> RenderError {
    RenderError { template: template.to_string(), message: message.into() }
}

/// One object of the output, with the template it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The template (`chart/templates/x.yaml`) or CRD file (`chart/crds/x.yaml`).
    pub source: String,
    /// The document, trimmed.
    pub content: String,
    pub api_version: String,
    pub kind: String,
    pub name: String,
}

impl Manifest {
    /// Whether the document holds no object: only comments (a licence header before a CRD, a
    /// template whose body is switched off but whose comment is not) or an explicit null.
    /// `helm template` prints such documents, as [`Rendered::to_yaml_stream`] does, but Helm's
    /// install builds no object from them; callers that apply or count objects skip them.
    pub fn is_empty_document(&self) -> bool {
        self.kind.is_empty()
            && self.api_version.is_empty()
            && crate::loadyaml::parse_first(&self.content).and_then(|y| y.to_json()).is_ok_and(|j| j.is_null())
    }
}

/// A hook object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    pub manifest: Manifest,
    /// The phases (`pre-install`, `post-install`, …, `test`), lower-cased, in annotation order.
    pub events: Vec<String>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
}

impl Hook {
    /// A test hook (`test`, or its old name `test-success`).
    pub fn is_test(&self) -> bool {
        self.events.iter().any(|e| e == "test")
    }
}

/// What a render produced.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    /// Every executed template's output (partials not included, `NOTES.txt` included), in
    /// Helm's parse order.
    pub templates: Vec<(String, String)>,
    /// The root chart's rendered NOTES.txt.
    pub notes: Option<String>,
    /// CRD files (`crds/`) of the chart and its subcharts, one entry per document.
    pub crds: Vec<Manifest>,
    /// The CRD files as they are (`helm template --include-crds` prints them whole).
    pub crd_files: Vec<(String, String)>,
    /// Non-hook objects in Helm's install order.
    pub manifests: Vec<Manifest>,
    /// Hooks, sorted by kind like Helm's `sortHooksByKind` (test hooks included).
    pub hooks: Vec<Hook>,
}

impl Rendered {
    /// Hooks by phase, each phase sorted by weight then name (Helm's execution order); test
    /// hooks excluded.
    pub fn hooks_by_phase(&self) -> BTreeMap<String, Vec<&Hook>> {
        let mut out: BTreeMap<String, Vec<&Hook>> = BTreeMap::new();
        for h in self.hooks.iter().filter(|h| !h.is_test()) {
            for e in &h.events {
                out.entry(e.clone()).or_default().push(h);
            }
        }
        for hooks in out.values_mut() {
            hooks.sort_by(|a, b| a.weight.cmp(&b.weight).then_with(|| a.manifest.name.cmp(&b.manifest.name)));
        }
        out
    }

    /// The `helm template` output: CRD files (when `include_crds`), the objects, then the hooks
    /// (test hooks left out, as `--skip-tests`), each as `---\n# Source: NAME\nCONTENT\n`.
    pub fn to_yaml_stream(&self, include_crds: bool) -> String {
        let mut out = String::new();
        if include_crds {
            for (name, data) in &self.crd_files {
                out.push_str(&format!("---\n# Source: {name}\n{data}\n"));
            }
        }
        for m in &self.manifests {
            out.push_str(&format!("---\n# Source: {}\n{}\n", m.source, m.content));
        }
        for h in self.hooks.iter().filter(|h| !h.is_test()) {
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.manifest.source, h.manifest.content));
        }
        out
    }
}

/// Helm v3.17.0's install order by kind (`releaseutil.InstallOrder`, the version
/// [`crate::context::HELM_VERSION`] reports); other kinds come after, by kind name. Webhook
/// configurations are not in it: Helm 3 (3.16 to 3.20) sorts them among the unknown kinds, and
/// only Helm 4 ranks them after `APIService`. The applier has its own order for applying
/// (`dataplat-kube`); this one is what `helm template` prints.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// Helm's `lessByKind`: known kinds by their rank, unknown kinds last and by kind name.
fn less_by_kind(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let rank = |k: &str| INSTALL_ORDER.iter().position(|x| *x == k);
    match (rank(a), rank(b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    }
}

struct Renderable {
    name: String,
    text: String,
    ctx: Value,
    base_path: String,
}

fn map_get(m: &Value, key: &str) -> Option<Value> {
    match m {
        Value::Map(m) => m.borrow().get(key).cloned(),
        _ => None,
    }
}

/// Collects the chart's templates with their contexts (Helm's `recAllTpls`); returns the
/// chart's context.
fn collect(chart: &Chart, path: &str, values: Value, common: &Common, out: &mut Vec<Renderable>) -> Value {
    let subcharts = Value::map(BTreeMap::new());
    let chart_value = chart.metadata.to_value();
    if let Value::Map(m) = &chart_value {
        m.borrow_mut().insert("IsRoot".into(), Value::Bool(!path.contains('/')));
    }
    let files = Files::new(chart.files.iter().map(|f| (f.name.as_str(), f.data.as_slice())));
    let mut ctx = BTreeMap::new();
    ctx.insert("Chart".to_string(), chart_value);
    ctx.insert("Files".to_string(), Value::Object(Rc::new(files)));
    ctx.insert("Release".to_string(), common.release.clone());
    ctx.insert("Capabilities".to_string(), common.capabilities.clone());
    ctx.insert("Values".to_string(), values.clone());
    ctx.insert("Subcharts".to_string(), subcharts.clone());
    let ctx = Value::map(ctx);
    for dep in &chart.dependencies {
        let sub_values = match map_get(&values, dep.name()) {
            Some(v @ Value::Map(_)) => v,
            _ => Value::map(BTreeMap::new()),
        };
        let sub_ctx = collect(dep, &format!("{path}/charts/{}", dep.name()), sub_values, common, out);
        if let Value::Map(m) = &subcharts {
            m.borrow_mut().insert(dep.name().to_string(), sub_ctx);
        }
    }
    for t in &chart.templates {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if chart.metadata.is_library() && !base.starts_with('_') {
            continue;
        }
        out.push(Renderable {
            name: format!("{path}/{}", t.name),
            text: String::from_utf8_lossy(&t.data).into_owned(),
            ctx: ctx.clone(),
            base_path: format!("{path}/templates"),
        });
    }
    ctx
}

struct Common {
    release: Value,
    capabilities: Value,
}

/// Helm's template order: more path separators first, then by name descending.
fn sort_templates(names: &mut [Renderable]) {
    names.sort_by(|a, b| {
        let (ca, cb) = (a.name.matches('/').count(), b.name.matches('/').count());
        cb.cmp(&ca).then_with(|| b.name.cmp(&a.name))
    });
}

fn warn_wrap(msg: &str) -> String {
    format!("{WARN_START}{msg}{WARN_END}")
}

/// The engine's functions: Helm's and Sprig's, plus `include`, `tpl`, `required`, `fail`,
/// `lookup` (through `lookup`, or always an empty map without one).
pub fn engine_funcs(sprig: SprigOptions, lookup: Option<LookupHandle>) -> Funcs {
    let mut f = crate::functions::helm_funcs_with(sprig);
    let included: Rc<RefCell<HashMap<String, usize>>> = Rc::new(RefCell::new(HashMap::new()));
    f.insert_with_arity("include", Arity::Exact(2), move |ctx, a| {
        let name = crate::sprig::args::string(a, 0)?.to_string();
        {
            let mut inc = included.borrow_mut();
            let n = inc.entry(name.clone()).or_insert(0);
            if *n > RECURSION_MAX {
                return Err(FuncError::Call(format!(
                    "rendering template has a nested reference name: {name}: unable to execute template"
                )));
            }
            *n += 1;
        }
        let r = ctx.execute_template(&name, &a[1]);
        if let Some(n) = included.borrow_mut().get_mut(&name) {
            *n = n.saturating_sub(1);
        }
        r.map(Value::from).map_err(|e| FuncError::Call(e.to_string()))
    });
    f.insert_with_arity("tpl", Arity::Exact(2), |ctx, a| {
        let text = crate::sprig::args::string(a, 0)?.to_string();
        let quoted = gotemplate::lex::go_quote(&text);
        let clone = ctx.template().clone_set();
        let t = clone
            .parse_named("gotpl", &text)
            .map_err(|e| FuncError::Call(format!("cannot parse template {quoted}: {e}")))?;
        let mut out = String::new();
        t.execute(&mut out, &a[1])
            .map_err(|e| FuncError::Call(format!("error during tpl function execution for {quoted}: {e}")))?;
        Ok(Value::from(out.replace("<no value>", "")))
    });
    f.insert_with_arity("required", Arity::Exact(2), |_, a| {
        let warn = crate::sprig::args::string(a, 0)?;
        match &a[1] {
            Value::Nil => Err(FuncError::Call(warn_wrap(warn))),
            Value::String(s) if s.is_empty() => Err(FuncError::Call(warn_wrap(warn))),
            other => Ok(other.clone()),
        }
    });
    f.insert_with_arity("fail", Arity::Exact(1), |_, a| {
        Err(FuncError::Call(warn_wrap(crate::sprig::args::string(a, 0)?)))
    });
    f.insert_with_arity("lookup", Arity::Exact(4), move |_, a| {
        let mut parts = [""; 4];
        for (i, part) in parts.iter_mut().enumerate() {
            *part = crate::sprig::args::string(a, i)?;
        }
        let Some(LookupHandle(cluster)) = &lookup else { return Ok(Value::map(BTreeMap::new())) };
        match cluster.lookup(parts[0], parts[1], parts[2], parts[3]) {
            // Objects from the API server decode as unstructured does: integers stay int64.
            Ok(Some(object)) => Ok(Value::from_json(&object, true)),
            Ok(None) => Ok(Value::map(BTreeMap::new())),
            Err(message) => Err(FuncError::Call(message)),
        }
    });
    f
}

/// Helm's `cleanupParseError`.
fn parse_error(name: &str, msg: &str) -> RenderError {
    let tokens: Vec<&str> = msg.split(": ").collect();
    if tokens.len() == 1 {
        return rerr(name, format!("parse error in ({name}): {msg}"));
    }
    rerr(name, format!("parse error at ({}): {}", tokens[1], tokens[tokens.len() - 1]))
}

/// Helm's `cleanupExecError`.
fn exec_error(name: &str, err: &gotemplate::Error) -> RenderError {
    let msg = err.to_string();
    if !matches!(err, gotemplate::Error::Exec { .. }) {
        return rerr(name, msg);
    }
    let tokens: Vec<&str> = msg.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return rerr(name, format!("execution error in ({name}): {msg}"));
    }
    if let Some(start) = tokens[2].find(WARN_START) {
        let rest = &tokens[2][start + WARN_START.len()..];
        // Go's `(.*)` is greedy and stops at a newline.
        let line = rest.split('\n').next().unwrap_or("");
        if let Some(end) = line.rfind(WARN_END) {
            return rerr(name, format!("execution error at ({}): {}", tokens[1], &line[..end]));
        }
    }
    rerr(name, msg)
}

/// Executes every template (Helm's `Engine.Render`): `values` are the render values of the
/// chart (after [`crate::values::values_for_render`], which also removes disabled subcharts).
/// Returns each executed template's output in parse order.
pub fn render_templates(
    chart: &Chart,
    values: &Value,
    opts: &RenderOptions,
) -> Result<Vec<(String, String)>, RenderError> {
    let capabilities = Capabilities::new(opts.kube_version.as_deref(), &opts.api_versions).map_err(|e| rerr("", e))?;
    let common = Common {
        release: release_value(&opts.release_name, &opts.namespace, opts.revision, opts.is_upgrade),
        capabilities: Value::Object(Rc::new(capabilities)),
    };
    let values = match values {
        Value::Map(_) => values.clone(),
        _ => Value::map(BTreeMap::new()),
    };
    let mut tpls = Vec::new();
    collect(chart, chart.name(), values, &common, &mut tpls);
    sort_templates(&mut tpls);
    let set = Template::new("gotpl")
        .option_missingkey(MissingKey::Zero)
        .funcs(&engine_funcs(opts.sprig.clone(), opts.lookup.clone()));
    for r in &tpls {
        set.parse_named(&r.name, &r.text).map_err(|e| parse_error(&r.name, &e.to_string()))?;
    }
    let mut out = Vec::new();
    for r in &tpls {
        let base = r.name.rsplit('/').next().unwrap_or(&r.name);
        if base.starts_with('_') {
            continue;
        }
        if let Value::Map(m) = &r.ctx {
            let mut t = BTreeMap::new();
            t.insert("Name".to_string(), Value::string(r.name.as_str()));
            t.insert("BasePath".to_string(), Value::string(r.base_path.as_str()));
            m.borrow_mut().insert("Template".to_string(), Value::map(t));
        }
        let mut buf = String::new();
        set.execute_template(&mut buf, &r.name, &r.ctx).map_err(|e| exec_error(&r.name, &e))?;
        out.push((r.name.clone(), buf.replace("<no value>", "")));
    }
    Ok(out)
}

static MANIFEST_SEP: std::sync::LazyLock<Option<regex::Regex>> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"(?:^|\s*\n)---\s*").ok());

/// Helm's `SplitManifests`: documents separated by `---` (Go's regexp `(?:^|\s*\n)---\s*` on
/// the trimmed text), trimmed, empty ones dropped.
pub fn split_manifests(text: &str) -> Vec<String> {
    let text = text.trim();
    let docs: Vec<&str> = match MANIFEST_SEP.as_ref() {
        Some(re) => re.split(text).collect(),
        None => vec![text],
    };
    docs.into_iter().filter(|d| !d.is_empty()).map(|d| d.trim().to_string()).collect()
}

struct Head {
    api_version: String,
    kind: String,
    name: String,
    annotations: BTreeMap<String, String>,
}

fn parse_head(source: &str, doc: &str) -> Result<Head, RenderError> {
    let json = crate::loadyaml::parse_first(doc)
        .and_then(|y| y.to_json())
        .map_err(|e| rerr(source, format!("YAML parse error on {source}: {e}")))?;
    let s = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let meta = json.get("metadata");
    let annotations = meta
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.as_object())
        .map(|a| a.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    Ok(Head {
        api_version: s(json.get("apiVersion")),
        kind: s(json.get("kind")),
        name: s(meta.and_then(|m| m.get("name"))),
        annotations,
    })
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()).collect()
}

const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
];

/// Renders the chart: `values` are the values from [`crate::values::values_for_render`] on the
/// same chart. A library chart renders nothing.
pub fn render(chart: &Chart, values: &Value, opts: &RenderOptions) -> Result<Rendered, RenderError> {
    let mut rendered = Rendered::default();
    if chart.metadata.is_library() {
        return Ok(rendered);
    }
    rendered.templates = render_templates(chart, values, opts)?;
    let notes_name = format!("{}/templates/NOTES.txt", chart.name());
    let mut files: Vec<&(String, String)> = Vec::new();
    for entry in &rendered.templates {
        if entry.0.ends_with("NOTES.txt") {
            if entry.0 == notes_name {
                rendered.notes = Some(entry.1.clone());
            }
            continue;
        }
        files.push(entry);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut generic = Vec::new();
    let mut hooks = Vec::new();
    for (source, content) in files {
        if content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let head = parse_head(source, &doc)?;
            let manifest = Manifest {
                source: source.clone(),
                content: doc,
                api_version: head.api_version,
                kind: head.kind,
                name: head.name,
            };
            match head.annotations.get("helm.sh/hook") {
                None => generic.push(manifest),
                Some(events) => {
                    let events: Vec<String> = split_list(events)
                        .into_iter()
                        .map(|e| if e == "test-success" { "test".to_string() } else { e })
                        .filter(|e| HOOK_EVENTS.contains(&e.as_str()))
                        .collect();
                    let weight = head
                        .annotations
                        .get("helm.sh/hook-weight")
                        .and_then(|w| w.trim().parse::<i64>().ok())
                        .unwrap_or(0);
                    let delete_policies =
                        head.annotations.get("helm.sh/hook-delete-policy").map(|p| split_list(p)).unwrap_or_default();
                    hooks.push(Hook { manifest, events, weight, delete_policies });
                }
            }
        }
    }
    generic.sort_by(|a, b| less_by_kind(&a.kind, &b.kind));
    hooks.sort_by(|a, b| less_by_kind(&a.manifest.kind, &b.manifest.kind));
    rendered.manifests = generic;
    rendered.hooks = hooks;
    collect_crds(chart, chart.name(), &mut rendered)?;
    Ok(rendered)
}

fn collect_crds(chart: &Chart, path: &str, out: &mut Rendered) -> Result<(), RenderError> {
    for f in chart.crd_files() {
        let source = format!("{path}/{}", f.name);
        let text = String::from_utf8_lossy(&f.data).into_owned();
        for doc in split_manifests(&text) {
            let head = parse_head(&source, &doc)?;
            out.crds.push(Manifest {
                source: source.clone(),
                content: doc,
                api_version: head.api_version,
                kind: head.kind,
                name: head.name,
            });
        }
        out.crd_files.push((source, text));
    }
    for dep in &chart.dependencies {
        collect_crds(dep, &format!("{path}/charts/{}", dep.name()), out)?;
    }
    Ok(())
}

/// `helm template` in one call: user values (already merged, see
/// [`crate::values::merge_user_values`]) through the values pipeline, then [`render`].
pub fn render_chart(mut chart: Chart, user_values: &Value, opts: &RenderOptions) -> Result<Rendered, RenderError> {
    crate::values::check_installable(&chart).map_err(|e| rerr("", e.0))?;
    if let Some(kv) = &opts.kube_version {
        let v = crate::context::KubeVersion::parse(kv).map(|k| k.version).unwrap_or_else(|| kv.clone());
        chart.check_kube_version(&v).map_err(|e| rerr("", e))?;
    }
    let values = crate::values::values_for_render(&mut chart, user_values).map_err(|e| rerr("", e.0))?;
    render(&chart, &values, opts)
}
