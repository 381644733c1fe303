//! Charts loaded as Helm's loader does (helm.sh/helm/pkg/chart/v2/loader).
//!
//! - [`Chart::load`] takes a directory or a `.tgz`. A directory honours `.helmignore` (Helm's
//!   rules: [`IgnoreRules`], plus the default `templates/.?*`); an archive must hold one
//!   top-level directory and may not contain absolute paths, `..` or drive paths (Helm does not
//!   apply `.helmignore` to archives either). A UTF-8 BOM is stripped from every file.
//! - Files are sorted the way Helm sorts them: `Chart.yaml`, `values.yaml` (every document,
//!   merged), `values.schema.json`, `templates/*` (templates, `NOTES.txt` included), `charts/*`
//!   (subcharts: directories or `.tgz`, recursively; names starting with `_` or `.` skipped;
//!   `.prov` files kept as files), `requirements.yaml` for `apiVersion: v1`, and everything else
//!   (`crds/` included) in [`Chart::files`], which is what `.Files` sees.
//! - `Chart.yaml` is decoded like sigs.k8s.io/yaml into Helm's `Metadata` (scalars into string
//!   fields become strings: `appVersion: 1.10` is `"1.1"`) and validated like
//!   `Metadata.Validate` (apiVersion, name, semver version, type, alias format, unique
//!   dependency names).
//!
//! Subcharts are ordered by name (Go's loader iterates a map, so Helm's order is random).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::loadyaml::{self, Yaml};

/// The largest file Helm loads (5 MiB).
pub const MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;
/// The largest decompressed archive Helm loads (100 MiB).
pub const MAX_CHART_SIZE: u64 = 100 * 1024 * 1024;

/// A chart load error: which file (or chart) and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file or chart the error is about (a path, or `archive.tgz:chart/file`).
    pub file: String,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.file.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.file, self.message) }
    }
}

impl std::error::Error for LoadError {}

fn lerr(file: impl Into<String>, message: impl Into<String>) -> LoadError {
    LoadError { file: file.into(), message: message.into() }
}

/// A file of a chart: its path inside the chart (`templates/x.yaml`) and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub data: Vec<u8>,
}

/// One `import-values` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportValue {
    /// `- data`: imports `exports.data` of the child into the parent's root.
    Export(String),
    /// `- child: a.b` / `parent: c`: imports the child's table `a.b` into the parent at `c`
    /// (missing fields are Go's `%v` of nil, `<nil>`).
    Map { child: String, parent: String },
}

/// A `dependencies` entry of Chart.yaml.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub import_values: Vec<ImportValue>,
    pub alias: String,
}

/// A maintainer entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Maintainer {
    pub name: String,
    pub email: String,
    pub url: String,
}

/// Chart.yaml (Helm's `chart.Metadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    pub name: String,
    pub home: String,
    pub sources: Vec<String>,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub maintainers: Vec<Maintainer>,
    pub icon: String,
    pub api_version: String,
    pub condition: String,
    pub tags: String,
    pub app_version: String,
    pub deprecated: bool,
    pub annotations: BTreeMap<String, String>,
    pub kube_version: String,
    pub dependencies: Vec<Dependency>,
    /// `application`, `library` or empty (application).
    pub chart_type: String,
}

impl Metadata {
    /// Whether this is a library chart (only its partials render; it cannot be installed).
    pub fn is_library(&self) -> bool {
        self.chart_type == "library"
    }

    /// `.Chart` as templates see it: Helm's `Metadata` fields by their Go names (`Name`,
    /// `Version`, `AppVersion`, `APIVersion`, `Type`, …).
    pub fn to_value(&self) -> gotemplate::Value {
        use gotemplate::Value;
        let strs = |v: &[String]| Value::list(v.iter().map(|s| Value::string(s.as_str())).collect());
        let mut m = BTreeMap::new();
        m.insert("Name".into(), Value::string(self.name.as_str()));
        m.insert("Home".into(), Value::string(self.home.as_str()));
        m.insert("Sources".into(), strs(&self.sources));
        m.insert("Version".into(), Value::string(self.version.as_str()));
        m.insert("Description".into(), Value::string(self.description.as_str()));
        m.insert("Keywords".into(), strs(&self.keywords));
        m.insert(
            "Maintainers".into(),
            Value::list(
                self.maintainers
                    .iter()
                    .map(|mt| {
                        let mut e = BTreeMap::new();
                        e.insert("Name".into(), Value::string(mt.name.as_str()));
                        e.insert("Email".into(), Value::string(mt.email.as_str()));
                        e.insert("URL".into(), Value::string(mt.url.as_str()));
                        Value::map(e)
                    })
                    .collect(),
            ),
        );
        m.insert("Icon".into(), Value::string(self.icon.as_str()));
        m.insert("APIVersion".into(), Value::string(self.api_version.as_str()));
        m.insert("Condition".into(), Value::string(self.condition.as_str()));
        m.insert("Tags".into(), Value::string(self.tags.as_str()));
        m.insert("AppVersion".into(), Value::string(self.app_version.as_str()));
        m.insert("Deprecated".into(), Value::Bool(self.deprecated));
        m.insert(
            "Annotations".into(),
            Value::map(self.annotations.iter().map(|(k, v)| (k.clone(), Value::string(v.as_str()))).collect()),
        );
        m.insert("KubeVersion".into(), Value::string(self.kube_version.as_str()));
        m.insert(
            "Dependencies".into(),
            Value::list(
                self.dependencies
                    .iter()
                    .map(|d| {
                        let mut e = BTreeMap::new();
                        e.insert("Name".into(), Value::string(d.name.as_str()));
                        e.insert("Version".into(), Value::string(d.version.as_str()));
                        e.insert("Repository".into(), Value::string(d.repository.as_str()));
                        e.insert("Condition".into(), Value::string(d.condition.as_str()));
                        e.insert("Tags".into(), strs(&d.tags));
                        e.insert("Enabled".into(), Value::Bool(d.enabled));
                        e.insert("Alias".into(), Value::string(d.alias.as_str()));
                        Value::map(e)
                    })
                    .collect(),
            ),
        );
        m.insert("Type".into(), Value::string(self.chart_type.as_str()));
        Value::map(m)
    }
}

/// A loaded chart.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub metadata: Metadata,
    /// values.yaml as JSON (Helm's numbers are float64 once converted to template values).
    pub values: Map<String, Json>,
    /// values.schema.json, parsed (kept as JSON).
    pub schema: Option<Json>,
    /// `templates/…` files, `NOTES.txt` included, in load order.
    pub templates: Vec<File>,
    /// Every other file (what `.Files` sees), `crds/` included.
    pub files: Vec<File>,
    /// Subcharts, by name.
    pub dependencies: Vec<Chart>,
    /// Where the chart came from (for messages).
    pub source: String,
}

impl Chart {
    /// The chart's name (after alias processing, the alias).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Loads a chart from a directory or a `.tgz` file.
    pub fn load(path: impl AsRef<Path>) -> Result<Chart, LoadError> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| lerr(path.display().to_string(), e.to_string()))?;
        if meta.is_dir() {
            load_dir(path)
        } else {
            let data = std::fs::read(path).map_err(|e| lerr(path.display().to_string(), e.to_string()))?;
            let name = path.display().to_string();
            // Helm's EnsureArchive: a friendlier error than a gzip failure.
            if !data.starts_with(b"\x1f\x8b\x08") {
                let message = if name.ends_with(".yml") || name.ends_with(".yaml") {
                    format!("file '{name}' seems to be a YAML file, but expected a gzipped archive")
                } else {
                    format!("file '{name}' does not appear to be a gzipped archive")
                };
                return Err(lerr(name, message));
            }
            load_archive(&data, &name)
        }
    }

    /// The chart's files under `crds/` (Helm's `CRDObjects` source files).
    pub fn crd_files(&self) -> Vec<&File> {
        self.files.iter().filter(|f| f.name.starts_with("crds/")).collect()
    }

    /// Every template of this chart and its subcharts with Helm's names
    /// (`parent/templates/x.yaml`, `parent/charts/sub/templates/x.yaml`), each with its chart.
    pub fn all_templates(&self) -> Vec<(String, &Chart, &File)> {
        let mut out = Vec::new();
        self.collect_templates(self.name(), &mut out);
        out
    }

    fn collect_templates<'a>(&'a self, path: &str, out: &mut Vec<(String, &'a Chart, &'a File)>) {
        for t in &self.templates {
            out.push((format!("{path}/{}", t.name), self, t));
        }
        for d in &self.dependencies {
            d.collect_templates(&format!("{path}/charts/{}", d.name()), out);
        }
    }

    /// Helm's install-time `kubeVersion` check: the chart's constraint against the cluster's
    /// version (`v1.30.2`), `chart requires kubeVersion: C which is incompatible with Kubernetes V`.
    pub fn check_kube_version(&self, kube_version: &str) -> Result<(), String> {
        let c = &self.metadata.kube_version;
        if c.is_empty() || semver::is_compatible_range(c, kube_version) {
            Ok(())
        } else {
            Err(format!("chart requires kubeVersion: {c} which is incompatible with Kubernetes {kube_version}"))
        }
    }

    /// The NOTES.txt template, if any.
    pub fn notes(&self) -> Option<&File> {
        self.templates.iter().find(|t| t.name == "templates/NOTES.txt")
    }
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

fn strip_bom(mut data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(UTF8_BOM) {
        data.drain(..3);
    }
    data
}

// ---------------------------------------------------------------------------------------------
// .helmignore

/// Helm's `.helmignore` rules (pkg/ignore): one glob per line (Go's `filepath.Match`), `#`
/// comments, `!` negation, a trailing `/` for directories only, a leading `/` anchoring at the
/// chart root; a pattern without `/` matches the base name; `**` is refused.
#[derive(Clone, Debug, Default)]
pub struct IgnoreRules {
    patterns: Vec<IgnorePattern>,
}

#[derive(Clone, Debug)]
struct IgnorePattern {
    rule: String,
    negate: bool,
    must_dir: bool,
    kind: PatternKind,
}

#[derive(Clone, Debug, PartialEq)]
enum PatternKind {
    Root,
    Path,
    Base,
}

impl IgnoreRules {
    /// Parses a `.helmignore` text.
    pub fn parse(text: &str) -> Result<IgnoreRules, String> {
        let mut r = IgnoreRules::default();
        for line in text.lines() {
            r.parse_rule(line)?;
        }
        Ok(r)
    }

    /// Adds Helm's default rule (`templates/.?*`).
    pub fn add_defaults(&mut self) {
        let _ = self.parse_rule("templates/.?*");
    }

    /// The number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    fn parse_rule(&mut self, rule: &str) -> Result<(), String> {
        let rule = rule.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err("double-star (**) syntax is not supported".into());
        }
        go_match(rule, "abc").ok_or_else(|| "syntax error in pattern".to_string())?;
        let mut rule = rule.to_string();
        let mut negate = false;
        if let Some(r) = rule.strip_prefix('!') {
            negate = true;
            rule = r.to_string();
        }
        let mut must_dir = false;
        if let Some(r) = rule.strip_suffix('/') {
            must_dir = true;
            rule = r.to_string();
        }
        let kind = if let Some(r) = rule.strip_prefix('/') {
            rule = r.to_string();
            PatternKind::Root
        } else if rule.contains('/') {
            PatternKind::Path
        } else {
            PatternKind::Base
        };
        self.patterns.push(IgnorePattern { rule, negate, must_dir, kind });
        Ok(())
    }

    /// Whether `path` (slash-separated, relative to the chart root) is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            let matched = || {
                let name = if p.kind == PatternKind::Base { go_base(path) } else { path.to_string() };
                go_match(&p.rule, &name).unwrap_or(false)
            };
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !matched() {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched() {
                return true;
            }
        }
        false
    }
}

/// Go's `filepath.Base` for slash paths.
fn go_base(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { ".".into() } else { "/".into() };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Go's `path/filepath.Match` (Unix): `*`, `?`, `[...]` with ranges and `^`, `\` escapes.
/// `None` is `ErrBadPattern`.
pub fn go_match(pattern: &str, name: &str) -> Option<bool> {
    validate_pattern(pattern).ok()?;
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    Some(match_here(&p, &n))
}

fn validate_pattern(pattern: &str) -> Result<(), ()> {
    let p: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return Err(());
                }
                i += 2;
            }
            '[' => {
                i += 1;
                if i < p.len() && p[i] == '^' {
                    i += 1;
                }
                let mut first = true;
                loop {
                    if i >= p.len() {
                        return Err(());
                    }
                    if p[i] == ']' && !first {
                        i += 1;
                        break;
                    }
                    first = false;
                    // lo
                    let lo = class_char(&p, &mut i)?;
                    if i < p.len() && p[i] == '-' {
                        i += 1;
                        let hi = class_char(&p, &mut i)?;
                        if hi < lo {
                            return Err(());
                        }
                    }
                }
            }
            _ => i += 1,
        }
    }
    Ok(())
}

fn class_char(p: &[char], i: &mut usize) -> Result<char, ()> {
    if *i >= p.len() {
        return Err(());
    }
    let c = p[*i];
    if c == '-' || c == ']' {
        return Err(());
    }
    if c == '\\' {
        *i += 1;
        if *i >= p.len() {
            return Err(());
        }
        let e = p[*i];
        *i += 1;
        return Ok(e);
    }
    *i += 1;
    Ok(c)
}

fn match_here(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => {
            let rest = &p[1..];
            let mut k = 0;
            loop {
                if match_here(rest, &n[k..]) {
                    return true;
                }
                if k >= n.len() || n[k] == '/' {
                    return false;
                }
                k += 1;
            }
        }
        Some('?') => !n.is_empty() && n[0] != '/' && match_here(&p[1..], &n[1..]),
        Some('\\') => p.len() > 1 && !n.is_empty() && n[0] == p[1] && match_here(&p[2..], &n[1..]),
        Some('[') => {
            if n.is_empty() || n[0] == '/' {
                return false;
            }
            let c = n[0];
            let mut i = 1;
            let mut negated = false;
            if i < p.len() && p[i] == '^' {
                negated = true;
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            while i < p.len() {
                if p[i] == ']' && !first {
                    i += 1;
                    break;
                }
                first = false;
                let Ok(lo) = class_char(p, &mut i) else { return false };
                let mut hi = lo;
                if i < p.len() && p[i] == '-' {
                    i += 1;
                    let Ok(h) = class_char(p, &mut i) else { return false };
                    hi = h;
                }
                if lo <= c && c <= hi {
                    matched = true;
                }
            }
            matched != negated && match_here(&p[i..], &n[1..])
        }
        Some(&c) => !n.is_empty() && n[0] == c && match_here(&p[1..], &n[1..]),
    }
}

// ---------------------------------------------------------------------------------------------
// Loading

fn load_dir(dir: &Path) -> Result<Chart, LoadError> {
    let top = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let ignore_path = top.join(".helmignore");
    let mut rules = if ignore_path.is_file() {
        let text = std::fs::read_to_string(&ignore_path)
            .map_err(|e| lerr(ignore_path.display().to_string(), e.to_string()))?;
        IgnoreRules::parse(&text).map_err(|e| lerr(ignore_path.display().to_string(), e))?
    } else {
        IgnoreRules::default()
    };
    rules.add_defaults();
    let mut files = Vec::new();
    let mut visiting = Vec::new();
    walk(&top, "", &rules, &mut files, &mut visiting, 0)?;
    let source = dir.display().to_string();
    load_files(files, &source)
}

fn walk(
    dir: &Path,
    rel: &str,
    rules: &IgnoreRules,
    files: &mut Vec<File>,
    visiting: &mut Vec<std::path::PathBuf>,
    depth: usize,
) -> Result<(), LoadError> {
    if depth > 64 {
        return Err(lerr(dir.display().to_string(), "directory tree too deep (symlink loop?)"));
    }
    let canon = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if visiting.contains(&canon) {
        return Err(lerr(dir.display().to_string(), "symlink loop"));
    }
    visiting.push(canon);
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| lerr(dir.display().to_string(), e.to_string()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    for name in entries {
        let full = dir.join(&name);
        let n = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        // Follow symlinks (Helm's sympath.Walk).
        let meta = std::fs::metadata(&full).map_err(|e| lerr(full.display().to_string(), e.to_string()))?;
        if meta.is_dir() {
            if rules.ignore(&n, true) {
                continue;
            }
            walk(&full, &n, rules, files, visiting, depth + 1)?;
            continue;
        }
        if rules.ignore(&n, false) {
            continue;
        }
        if !meta.is_file() {
            return Err(lerr(
                full.display().to_string(),
                "cannot load irregular file as it has file mode type bits set",
            ));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(lerr(
                full.display().to_string(),
                format!("chart file {name:?} is larger than the maximum file size {MAX_FILE_SIZE}"),
            ));
        }
        let data =
            std::fs::read(&full).map_err(|e| lerr(full.display().to_string(), format!("error reading {n}: {e}")))?;
        files.push(File { name: n, data: strip_bom(data) });
    }
    visiting.pop();
    Ok(())
}

/// Reads the files of a chart archive (gzip + tar) as Helm's `LoadArchiveFiles` does.
pub fn load_archive_files(data: &[u8], source: &str) -> Result<Vec<File>, LoadError> {
    let gz = flate2::read::MultiGzDecoder::new(data);
    let mut archive = tar::Archive::new(gz);
    let entries = archive.entries().map_err(|e| lerr(source, e.to_string()))?;
    let mut files = Vec::new();
    let mut remaining = MAX_CHART_SIZE;
    for entry in entries {
        let entry = entry.map_err(|e| lerr(source, e.to_string()))?;
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let delim = if raw.contains('\\') { '\\' } else { '/' };
        let parts: Vec<&str> = raw.split(delim).collect();
        let n = parts[1..].join("/");
        if n.starts_with('/') {
            return Err(lerr(source, "chart illegally contains absolute paths"));
        }
        let n = crate::sprig::path_clean(&n);
        if n == "." {
            return Err(lerr(source, format!("chart illegally contains content outside the base directory: {raw:?}")));
        }
        if n.starts_with("..") {
            return Err(lerr(source, "chart illegally references parent directory"));
        }
        let b = n.as_bytes();
        if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
            return Err(lerr(source, "chart contains illegally named files"));
        }
        if parts[0] == "Chart.yaml" {
            return Err(lerr(source, "chart yaml not in base directory"));
        }
        let size = entry.header().size().unwrap_or(0);
        if size > remaining {
            return Err(lerr(source, format!("decompressed chart is larger than the maximum size {MAX_CHART_SIZE}")));
        }
        if size > MAX_FILE_SIZE {
            return Err(lerr(
                source,
                format!("decompressed chart file {raw:?} is larger than the maximum file size {MAX_FILE_SIZE}"),
            ));
        }
        let mut buf = Vec::new();
        entry.take(remaining).read_to_end(&mut buf).map_err(|e| lerr(format!("{source}:{raw}"), e.to_string()))?;
        remaining = remaining.saturating_sub(buf.len() as u64);
        if (buf.len() as u64) < size || remaining == 0 {
            return Err(lerr(source, format!("decompressed chart is larger than the maximum size {MAX_CHART_SIZE}")));
        }
        files.push(File { name: n, data: strip_bom(buf) });
    }
    if files.is_empty() {
        return Err(lerr(source, "no files in chart archive"));
    }
    Ok(files)
}

/// Loads a chart from archive bytes.
pub fn load_archive(data: &[u8], source: &str) -> Result<Chart, LoadError> {
    let files = load_archive_files(data, source)?;
    load_files(files, source)
}

/// Helm's `LoadFiles`: a chart from its files (names relative to the chart root).
pub fn load_files(files: Vec<File>, source: &str) -> Result<Chart, LoadError> {
    let at = |name: &str| format!("{source}/{name}");
    let mut c = Chart { source: source.to_string(), ..Default::default() };
    let mut have_metadata = false;
    if let Some(f) = files.iter().find(|f| f.name == "Chart.yaml") {
        c.metadata =
            parse_metadata(&f.data).map_err(|m| lerr(at("Chart.yaml"), format!("cannot load Chart.yaml: {m}")))?;
        if c.metadata.api_version.is_empty() {
            c.metadata.api_version = "v1".into();
        }
        have_metadata = true;
    }
    let mut subcharts: BTreeMap<String, Vec<File>> = BTreeMap::new();
    for f in files {
        let name = f.name.clone();
        if name == "Chart.yaml" || name == "Chart.lock" || name == "requirements.lock" {
            continue;
        } else if name == "values.yaml" {
            let text = String::from_utf8_lossy(&f.data);
            c.values = loadyaml::load_values_documents(&text)
                .map_err(|e| lerr(at("values.yaml"), format!("cannot load values.yaml: {e}")))?;
        } else if name == "values.schema.json" {
            let schema: Json = serde_json::from_slice(&f.data)
                .map_err(|e| lerr(at("values.schema.json"), format!("cannot load values.schema.json: {e}")))?;
            c.schema = Some(schema);
        } else if name == "requirements.yaml" {
            if !have_metadata {
                have_metadata = true;
                c.metadata.api_version = "v1".into();
            }
            if c.metadata.api_version == "v1" {
                let y = loadyaml::parse_first(&String::from_utf8_lossy(&f.data))
                    .map_err(|e| lerr(at("requirements.yaml"), format!("cannot load requirements.yaml: {e}")))?;
                if let Some(deps) = y.get("dependencies") {
                    c.metadata.dependencies = parse_dependencies(deps)
                        .map_err(|m| lerr(at("requirements.yaml"), format!("cannot load requirements.yaml: {m}")))?;
                }
                c.files.push(f);
            }
        } else if name.starts_with("templates/") {
            c.templates.push(f);
        } else if let Some(rest) = name.strip_prefix("charts/") {
            if name.ends_with(".prov") {
                c.files.push(f);
                continue;
            }
            let cname = rest.split('/').next().unwrap_or("").to_string();
            subcharts.entry(cname).or_default().push(File { name: rest.to_string(), data: f.data });
        } else {
            c.files.push(f);
        }
    }
    if !have_metadata {
        return Err(lerr(at("Chart.yaml"), "Chart.yaml file is missing"));
    }
    validate_metadata(&mut c.metadata).map_err(|m| lerr(at("Chart.yaml"), format!("validation: {m}")))?;
    match c.metadata.api_version.as_str() {
        "v1" | "v2" => {}
        other => {
            return Err(lerr(
                at("Chart.yaml"),
                format!("apiVersion {other:?} is not supported (Helm chart apiVersion v2 or v1 expected)"),
            ));
        }
    }
    for (n, files) in subcharts {
        if n.starts_with('_') || n.starts_with('.') {
            continue;
        }
        let sub_source = format!("{source}/charts/{n}");
        let sc = if n.ends_with(".tgz") {
            let Some(file) = files.first() else { continue };
            if file.name != n {
                return Err(lerr(
                    sub_source,
                    format!("error unpacking subchart tar in {}: expected {n}, got {}", c.name(), file.name),
                ));
            }
            load_archive(&file.data, &sub_source)
        } else {
            let buff: Vec<File> = files
                .into_iter()
                .filter_map(|f| f.name.split_once('/').map(|(_, rest)| File { name: rest.to_string(), data: f.data }))
                .collect();
            load_files(buff, &sub_source)
        };
        let sc = sc.map_err(|e| LoadError {
            file: e.file,
            message: format!("error unpacking subchart {n} in {}: {}", c.name(), e.message),
        })?;
        c.dependencies.push(sc);
    }
    Ok(c)
}

// ---------------------------------------------------------------------------------------------
// Chart.yaml

fn kind_name(y: &Yaml) -> &'static str {
    match y {
        Yaml::Null => "null",
        Yaml::Bool(_) => "bool",
        Yaml::Int(_) | Yaml::Uint(_) | Yaml::Float(_) => "number",
        Yaml::Str(_) => "string",
        Yaml::Seq(_) => "array",
        Yaml::Map(_) => "object",
    }
}

fn type_err(y: &Yaml, field: &str, go_type: &str) -> String {
    format!(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {field} of type {go_type}",
        kind_name(y)
    )
}

fn get_string(m: &Yaml, key: &str, field: &str) -> Result<String, String> {
    match m.get(key) {
        None => Ok(String::new()),
        Some(y) => y.as_go_string().ok_or_else(|| type_err(y, field, "string")),
    }
}

fn get_strings(m: &Yaml, key: &str, field: &str) -> Result<Vec<String>, String> {
    match m.get(key) {
        None | Some(Yaml::Null) => Ok(Vec::new()),
        Some(Yaml::Seq(items)) => {
            items.iter().map(|y| y.as_go_string().ok_or_else(|| type_err(y, field, "string"))).collect()
        }
        Some(y) => Err(type_err(y, field, "[]string")),
    }
}

fn get_bool(m: &Yaml, key: &str, field: &str) -> Result<bool, String> {
    match m.get(key) {
        None | Some(Yaml::Null) => Ok(false),
        Some(Yaml::Bool(b)) => Ok(*b),
        Some(y) => Err(type_err(y, field, "bool")),
    }
}

fn parse_dependencies(y: &Yaml) -> Result<Vec<Dependency>, String> {
    let items = match y {
        Yaml::Null => return Ok(Vec::new()),
        Yaml::Seq(items) => items,
        other => return Err(type_err(other, "Metadata.dependencies", "[]*v2.Dependency")),
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Yaml::Null => return Err("dependencies must not contain empty or null nodes".into()),
            Yaml::Map(_) => {}
            other => return Err(type_err(other, "Metadata.dependencies", "v2.Dependency")),
        }
        let import_values = match item.get("import-values") {
            None | Some(Yaml::Null) => Vec::new(),
            Some(Yaml::Seq(list)) => list
                .iter()
                .filter_map(|iv| match iv {
                    Yaml::Str(s) => Some(ImportValue::Export(s.clone())),
                    Yaml::Map(_) => {
                        let field = |k: &str| iv.get(k).map(go_v).unwrap_or_else(|| "<nil>".to_string());
                        Some(ImportValue::Map { child: field("child"), parent: field("parent") })
                    }
                    _ => None,
                })
                .collect(),
            Some(other) => return Err(type_err(other, "Dependency.import-values", "[]interface {}")),
        };
        out.push(Dependency {
            name: get_string(item, "name", "Dependency.name")?,
            version: get_string(item, "version", "Dependency.version")?,
            repository: get_string(item, "repository", "Dependency.repository")?,
            condition: get_string(item, "condition", "Dependency.condition")?,
            tags: get_strings(item, "tags", "Dependency.tags")?,
            enabled: get_bool(item, "enabled", "Dependency.enabled")?,
            import_values,
            alias: get_string(item, "alias", "Dependency.alias")?,
        });
    }
    Ok(out)
}

/// Go's `%v` of a decoded JSON value (for `import-values` fields).
fn go_v(y: &Yaml) -> String {
    match y {
        Yaml::Null => "<nil>".into(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Int(i) => i.to_string(),
        Yaml::Uint(u) => u.to_string(),
        Yaml::Float(f) => loadyaml::go_format_g(*f, false),
        Yaml::Str(s) => s.clone(),
        Yaml::Seq(items) => format!("[{}]", items.iter().map(go_v).collect::<Vec<_>>().join(" ")),
        Yaml::Map(entries) => {
            let mut kv: Vec<(String, String)> =
                entries.iter().map(|(k, v)| (k.as_go_string().unwrap_or_default(), go_v(v))).collect();
            kv.sort();
            format!("map[{}]", kv.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(" "))
        }
    }
}

/// Decodes Chart.yaml into [`Metadata`] (no validation).
pub fn parse_metadata(data: &[u8]) -> Result<Metadata, String> {
    let text = String::from_utf8_lossy(data);
    let y = loadyaml::parse_first(&text).map_err(|e| e.to_string())?;
    match &y {
        Yaml::Null => return Ok(Metadata::default()),
        Yaml::Map(_) => {}
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type v2.Metadata",
                kind_name(other)
            ));
        }
    }
    // Keys must convert to JSON (sigs.k8s.io/yaml refuses null and collection keys).
    y.to_json().map_err(|e| e.message)?;
    let maintainers = match y.get("maintainers") {
        None | Some(Yaml::Null) => Vec::new(),
        Some(Yaml::Seq(items)) => {
            let mut out = Vec::new();
            for m in items {
                match m {
                    Yaml::Null => return Err("validation: maintainers must not contain empty or null nodes".into()),
                    Yaml::Map(_) => out.push(Maintainer {
                        name: get_string(m, "name", "Maintainer.name")?,
                        email: get_string(m, "email", "Maintainer.email")?,
                        url: get_string(m, "url", "Maintainer.url")?,
                    }),
                    other => return Err(type_err(other, "Metadata.maintainers", "v2.Maintainer")),
                }
            }
            out
        }
        Some(other) => return Err(type_err(other, "Metadata.maintainers", "[]*v2.Maintainer")),
    };
    let annotations = match y.get("annotations") {
        None | Some(Yaml::Null) => BTreeMap::new(),
        Some(Yaml::Map(entries)) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let key = k.as_go_string().unwrap_or_default();
                let val = v.as_go_string().ok_or_else(|| type_err(v, "Metadata.annotations", "string"))?;
                out.insert(key, val);
            }
            out
        }
        Some(other) => return Err(type_err(other, "Metadata.annotations", "map[string]string")),
    };
    let dependencies = match y.get("dependencies") {
        None => Vec::new(),
        Some(d) => parse_dependencies(d)?,
    };
    Ok(Metadata {
        name: get_string(&y, "name", "Metadata.name")?,
        home: get_string(&y, "home", "Metadata.home")?,
        sources: get_strings(&y, "sources", "Metadata.sources")?,
        version: get_string(&y, "version", "Metadata.version")?,
        description: get_string(&y, "description", "Metadata.description")?,
        keywords: get_strings(&y, "keywords", "Metadata.keywords")?,
        maintainers,
        icon: get_string(&y, "icon", "Metadata.icon")?,
        api_version: get_string(&y, "apiVersion", "Metadata.apiVersion")?,
        condition: get_string(&y, "condition", "Metadata.condition")?,
        tags: get_string(&y, "tags", "Metadata.tags")?,
        app_version: get_string(&y, "appVersion", "Metadata.appVersion")?,
        deprecated: get_bool(&y, "deprecated", "Metadata.deprecated")?,
        annotations,
        kube_version: get_string(&y, "kubeVersion", "Metadata.kubeVersion")?,
        dependencies,
        chart_type: get_string(&y, "type", "Metadata.type")?,
    })
}

/// Go's `sanitizeString`: whitespace becomes a space, non-printable characters are dropped.
fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

fn valid_alias(a: &str) -> bool {
    !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Helm's `Metadata.Validate` (messages without the `validation: ` prefix).
pub fn validate_metadata(md: &mut Metadata) -> Result<(), String> {
    md.name = sanitize(&md.name);
    md.description = sanitize(&md.description);
    md.home = sanitize(&md.home);
    md.icon = sanitize(&md.icon);
    md.condition = sanitize(&md.condition);
    md.tags = sanitize(&md.tags);
    md.app_version = sanitize(&md.app_version);
    md.kube_version = sanitize(&md.kube_version);
    for s in md.sources.iter_mut().chain(md.keywords.iter_mut()) {
        *s = sanitize(s);
    }
    if md.api_version.is_empty() {
        return Err("chart.metadata.apiVersion is required".into());
    }
    if md.name.is_empty() {
        return Err("chart.metadata.name is required".into());
    }
    if md.name != go_base(&md.name) || md.name == "." || md.name == ".." {
        return Err(format!("chart.metadata.name {:?} is invalid", md.name));
    }
    if md.version.is_empty() {
        return Err("chart.metadata.version is required".into());
    }
    if semver::Version::parse(&md.version).is_none() {
        return Err(format!("chart.metadata.version {:?} is invalid", md.version));
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        return Err("chart.metadata.type must be application or library".into());
    }
    for m in &mut md.maintainers {
        m.name = sanitize(&m.name);
        m.email = sanitize(&m.email);
        m.url = sanitize(&m.url);
    }
    let mut seen = std::collections::BTreeSet::new();
    for d in &mut md.dependencies {
        d.name = sanitize(&d.name);
        d.version = sanitize(&d.version);
        d.repository = sanitize(&d.repository);
        d.condition = sanitize(&d.condition);
        for t in &mut d.tags {
            *t = sanitize(t);
        }
        if !d.alias.is_empty() && !valid_alias(&d.alias) {
            return Err(format!("dependency {:?} has disallowed characters in the alias", d.name));
        }
        let key = if d.alias.is_empty() { d.name.clone() } else { d.alias.clone() };
        if !seen.insert(key.clone()) {
            return Err(format!("more than one dependency with name or alias {key:?}"));
        }
    }
    Ok(())
}

/// Masterminds semver v3, as far as chart loading needs it: version parsing and constraint
/// checks (`IsCompatibleRange`).
pub mod semver {
    use std::cmp::Ordering;

    /// A semantic version (Masterminds' lenient parse: `v` prefix and missing parts allowed).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Version {
        pub major: u64,
        pub minor: u64,
        pub patch: u64,
        pub pre: String,
        pub meta: String,
    }

    fn valid_ident_list(s: &str, numeric_no_leading_zero: bool) -> bool {
        !s.is_empty()
            && s.split('.').all(|id| {
                let leading_zero = id.len() > 1 && id.starts_with('0') && id.chars().all(|c| c.is_ascii_digit());
                !id.is_empty()
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !(numeric_no_leading_zero && leading_zero)
            })
    }

    impl Version {
        /// Parses like `semver.NewVersion`.
        pub fn parse(s: &str) -> Option<Version> {
            let body = s.strip_prefix('v').unwrap_or(s);
            let (body, meta) = match body.split_once('+') {
                Some((b, m)) => {
                    if !valid_ident_list(m, false) {
                        return None;
                    }
                    (b, m.to_string())
                }
                None => (body, String::new()),
            };
            let (core, pre) = match body.split_once('-') {
                Some((c, p)) => {
                    if !valid_ident_list(p, true) {
                        return None;
                    }
                    (c, p.to_string())
                }
                None => (body, String::new()),
            };
            let parts: Vec<&str> = core.split('.').collect();
            if parts.is_empty() || parts.len() > 3 {
                return None;
            }
            let mut nums = [0u64; 3];
            for (i, p) in parts.iter().enumerate() {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                nums[i] = p.parse().ok()?;
            }
            Some(Version { major: nums[0], minor: nums[1], patch: nums[2], pre, meta })
        }

        fn cmp_pre(a: &str, b: &str) -> Ordering {
            match (a.is_empty(), b.is_empty()) {
                (true, true) => return Ordering::Equal,
                (true, false) => return Ordering::Greater,
                (false, true) => return Ordering::Less,
                _ => {}
            }
            let mut ai = a.split('.');
            let mut bi = b.split('.');
            loop {
                match (ai.next(), bi.next()) {
                    (None, None) => return Ordering::Equal,
                    (None, Some(_)) => return Ordering::Less,
                    (Some(_), None) => return Ordering::Greater,
                    (Some(x), Some(y)) => {
                        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                            (Ok(p), Ok(q)) => p.cmp(&q),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            _ => x.cmp(y),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                }
            }
        }

        /// Precedence order (build metadata ignored).
        pub fn compare(&self, other: &Version) -> Ordering {
            (self.major, self.minor, self.patch)
                .cmp(&(other.major, other.minor, other.patch))
                .then_with(|| Version::cmp_pre(&self.pre, &other.pre))
        }
    }

    /// A partial version in a constraint (`1`, `1.2`, `1.x`, `*`).
    #[derive(Clone, Debug)]
    struct Partial {
        v: Version,
        /// How many leading parts were given (0 = wildcard everything).
        given: usize,
    }

    fn parse_partial(s: &str) -> Option<Partial> {
        let s = s.trim();
        let body = s.strip_prefix('v').unwrap_or(s);
        if body.is_empty() || body == "*" || body == "x" || body == "X" {
            return Some(Partial { v: Version::parse("0.0.0")?, given: 0 });
        }
        let (core, rest) = match body.find(['-', '+']) {
            Some(i) => (&body[..i], &body[i..]),
            None => (body, ""),
        };
        let parts: Vec<&str> = core.split('.').collect();
        let mut given = 0;
        let mut nums = Vec::new();
        for p in &parts {
            if matches!(*p, "x" | "X" | "*") {
                break;
            }
            nums.push(*p);
            given += 1;
        }
        while nums.len() < 3 {
            nums.push("0");
        }
        let v = Version::parse(&format!("{}{}", nums.join("."), rest))?;
        Some(Partial { v, given })
    }

    fn bump(p: &Partial) -> Version {
        let v = &p.v;
        match p.given {
            1 => Version {
                major: v.major.saturating_add(1),
                minor: 0,
                patch: 0,
                pre: String::new(),
                meta: String::new(),
            },
            2 => Version {
                major: v.major,
                minor: v.minor.saturating_add(1),
                patch: 0,
                pre: String::new(),
                meta: String::new(),
            },
            _ => Version {
                major: v.major,
                minor: v.minor,
                patch: v.patch.saturating_add(1),
                pre: String::new(),
                meta: String::new(),
            },
        }
    }

    fn check_one(op: &str, p: &Partial, v: &Version) -> bool {
        if !v.pre.is_empty() && p.v.pre.is_empty() {
            return false;
        }
        let lt = |a: &Version, b: &Version| a.compare(b) == Ordering::Less;
        let dirty = p.given < 3;
        match op {
            "" | "=" => {
                if p.given == 0 {
                    return true;
                }
                if dirty { !lt(v, &p.v) && lt(v, &bump(p)) } else { v.compare(&p.v) == Ordering::Equal }
            }
            "!=" => {
                if p.given == 0 {
                    return false;
                }
                if dirty { lt(v, &p.v) || !lt(v, &bump(p)) } else { v.compare(&p.v) != Ordering::Equal }
            }
            ">" => {
                if dirty && p.given > 0 {
                    !lt(v, &bump(p))
                } else {
                    v.compare(&p.v) == Ordering::Greater
                }
            }
            ">=" | "=>" => !lt(v, &p.v),
            "<" => lt(v, &p.v),
            "<=" | "=<" => {
                if dirty && p.given > 0 {
                    lt(v, &bump(p))
                } else {
                    v.compare(&p.v) != Ordering::Greater
                }
            }
            "~" | "~>" => {
                let upper = match p.given {
                    0 => return true,
                    1 => Version {
                        major: p.v.major.saturating_add(1),
                        minor: 0,
                        patch: 0,
                        pre: String::new(),
                        meta: String::new(),
                    },
                    _ => Version {
                        major: p.v.major,
                        minor: p.v.minor.saturating_add(1),
                        patch: 0,
                        pre: String::new(),
                        meta: String::new(),
                    },
                };
                !lt(v, &p.v) && lt(v, &upper)
            }
            "^" => {
                let upper = if p.v.major > 0 || p.given <= 1 {
                    Version {
                        major: p.v.major.saturating_add(1),
                        minor: 0,
                        patch: 0,
                        pre: String::new(),
                        meta: String::new(),
                    }
                } else if p.v.minor > 0 || p.given == 2 {
                    Version {
                        major: 0,
                        minor: p.v.minor.saturating_add(1),
                        patch: 0,
                        pre: String::new(),
                        meta: String::new(),
                    }
                } else {
                    Version {
                        major: 0,
                        minor: 0,
                        patch: p.v.patch.saturating_add(1),
                        pre: String::new(),
                        meta: String::new(),
                    }
                };
                !lt(v, &p.v) && lt(v, &upper)
            }
            _ => false,
        }
    }

    /// Whether `version` satisfies `constraint` (`IsCompatibleRange`: false on parse errors).
    pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
        let Some(v) = Version::parse(version) else { return false };
        if constraint.trim().is_empty() {
            return false;
        }
        let mut any_ok = false;
        for alt in constraint.split("||") {
            let alt = alt.trim();
            if alt.is_empty() {
                return false;
            }
            // Hyphen range.
            let terms: Vec<String> = if let Some((lo, hi)) = alt.split_once(" - ") {
                vec![format!(">={}", lo.trim()), format!("<={}", hi.trim())]
            } else {
                let mut terms = Vec::new();
                let mut pending_op = String::new();
                for tok in alt.split([',', ' ']).filter(|t| !t.is_empty()) {
                    if tok.chars().all(|c| "<>=!~^".contains(c)) {
                        pending_op.push_str(tok);
                        continue;
                    }
                    terms.push(format!("{pending_op}{tok}"));
                    pending_op.clear();
                }
                if !pending_op.is_empty() {
                    return false;
                }
                terms
            };
            let mut all = true;
            for t in &terms {
                let op_len = t.find(|c: char| !"<>=!~^".contains(c)).unwrap_or(t.len());
                let (op, rest) = t.split_at(op_len);
                if !matches!(op, "" | "=" | "!=" | ">" | ">=" | "=>" | "<" | "<=" | "=<" | "~" | "~>" | "^") {
                    return false;
                }
                let Some(p) = parse_partial(rest) else { return false };
                if !check_one(op, &p, &v) {
                    all = false;
                }
            }
            if all {
                any_ok = true;
            }
        }
        any_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_match_like_filepath_match() {
        assert_eq!(go_match("*.txt", "a.txt"), Some(true));
        assert_eq!(go_match("*.txt", "dir/a.txt"), Some(false));
        assert_eq!(go_match("ru[c-e]?er.txt", "rudder.txt"), Some(true));
        assert_eq!(go_match("[^a]bc", "abc"), Some(false));
        assert_eq!(go_match("[z-", "abc"), None);
        assert_eq!(go_match("a\\*b", "a*b"), Some(true));
    }

    #[test]
    fn semver_ranges() {
        use semver::is_compatible_range as ok;
        assert!(ok("1.2.3", "1.2.3"));
        assert!(ok("^1.2.0", "1.9.0"));
        assert!(!ok("^1.2.0", "2.0.0"));
        assert!(ok("~1.2.0", "1.2.9"));
        assert!(!ok("~1.2.0", "1.3.0"));
        assert!(ok(">=1.0.0, <2.0.0", "1.5.0"));
        assert!(ok(">=1.0.0 <2.0.0", "1.5.0"));
        assert!(ok("1.x", "1.5.0"));
        assert!(ok("*", "3.0.0"));
        assert!(!ok("*", "3.0.0-beta"));
        assert!(ok("1.0.0 - 2.0.0", "2.0.0"));
        assert!(ok("<1.0.0 || >=3.0.0", "3.1.0"));
        assert!(!ok("", "1.0.0"));
        assert!(semver::Version::parse("v1.2").is_some());
        assert!(semver::Version::parse("1.2.3-01").is_none());
        assert!(semver::Version::parse("latest").is_none());
    }
}
