//! The template context Helm's engine gives every template (pkg/engine `recAllTpls`,
//! pkg/chartutil `ToRenderValues`, `Capabilities`, pkg/engine/files.go), as [`gotemplate`]
//! values:
//!
//! - `.Values`: the coalesced values, scoped per chart (a subchart sees the table under its name;
//!   maps are shared references, so `set` in one template is seen by later ones, as in Helm).
//! - `.Chart`: [`crate::chart::Metadata::to_value`] plus `IsRoot`.
//! - `.Release`: a map (Helm's is a map too): `Name`, `Namespace`, `IsInstall`, `IsUpgrade`,
//!   `Revision` (an int), `Service` (`Helm`).
//! - `.Capabilities`: [`Capabilities`], an object with `KubeVersion` ([`KubeVersion`]: `Version`,
//!   `Major`, `Minor`, `GitVersion`; prints as the version), `APIVersions` ([`VersionSet`], method
//!   `Has`) and `HelmVersion`.
//! - `.Files`: [`Files`] (`Get`, `GetBytes`, `Glob`, `Lines`, `AsConfig`, `AsSecrets`; rangeable
//!   as a map of bytes).
//! - `.Template`: `Name` and `BasePath`, set by the engine before each template runs.
//! - `.Subcharts`: each enabled subchart's context by name.

use std::collections::BTreeMap;
use std::rc::Rc;

use base64::Engine as _;
use gotemplate::{Object, Value};

/// The Kubernetes version `helm template` assumes without `--kube-version`.
pub const DEFAULT_KUBE_VERSION: &str = "v1.31.0";
/// The Helm version reported in `.Capabilities.HelmVersion`.
pub const HELM_VERSION: &str = "v3.17.0";

/// The API versions `helm template` knows without a cluster (Helm's `DefaultVersionSet`: every
/// group/version of client-go's scheme plus apiextensions).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "coordination.k8s.io/v1beta1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "scheduling.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
    "apiextensions.k8s.io/v1beta1",
];

/// `.Release` as Helm builds it for an install (`helm template`).
pub fn release_value(name: &str, namespace: &str, revision: i64, is_upgrade: bool) -> Value {
    let mut m = BTreeMap::new();
    m.insert("Name".to_string(), Value::string(name));
    m.insert("Namespace".to_string(), Value::string(namespace));
    m.insert("IsUpgrade".to_string(), Value::Bool(is_upgrade));
    m.insert("IsInstall".to_string(), Value::Bool(!is_upgrade));
    m.insert("Revision".to_string(), Value::Int(revision));
    m.insert("Service".to_string(), Value::string("Helm"));
    Value::map(m)
}

/// `.Capabilities.KubeVersion`.
#[derive(Debug, Clone)]
pub struct KubeVersion {
    pub version: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Parses `1.30.2` or `v1.30` the way Helm's `ParseKubeVersion` does (a `v` is added; major
    /// and minor are the numbers as written). `None` for something that is not a version.
    pub fn parse(s: &str) -> Option<KubeVersion> {
        let s = s.trim();
        let bare = s.strip_prefix('v').unwrap_or(s);
        let core = bare.split(['-', '+']).next().unwrap_or("");
        let mut parts = core.split('.');
        let major = parts.next().filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
        let minor = parts.next().unwrap_or("0");
        if !minor.bytes().all(|b| b.is_ascii_digit()) || minor.is_empty() {
            return None;
        }
        let patch = parts.next().unwrap_or("0");
        if !patch.bytes().all(|b| b.is_ascii_digit()) || patch.is_empty() || parts.next().is_some() {
            return None;
        }
        let version =
            if core.split('.').count() == 3 { format!("v{bare}") } else { format!("v{major}.{minor}.{patch}") };
        Some(KubeVersion { version, major: major.to_string(), minor: minor.to_string() })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" | "GitVersion" => Some(Value::string(self.version.as_str())),
            "Major" => Some(Value::string(self.major.as_str())),
            "Minor" => Some(Value::string(self.minor.as_str())),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        name == "String"
    }
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        match name {
            "String" => Ok(Value::string(self.version.as_str())),
            _ => Err(format!("{} has no method {name}", self.type_name())),
        }
    }
    fn format_v(&self) -> String {
        self.version.clone()
    }
}

/// `.Capabilities.APIVersions`: Helm's `VersionSet` (a `[]string` with `Has`).
#[derive(Debug, Clone)]
pub struct VersionSet(pub Vec<String>);

impl Object for VersionSet {
    fn type_name(&self) -> String {
        "common.VersionSet".into()
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match (name, args) {
            ("Has", [Value::String(s)]) => Ok(Value::Bool(self.0.iter().any(|v| v == &**s))),
            ("Has", [other]) => Err(format!("wrong type for value; expected string; got {}", other.type_name())),
            ("Has", _) => Err(format!("wrong number of args for Has: want 1 got {}", args.len())),
            _ => Err(format!("{} has no method {name}", self.type_name())),
        }
    }
    fn format_v(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn truthy(&self) -> bool {
        !self.0.is_empty()
    }
    fn range_entries(&self) -> Option<Vec<(Value, Value)>> {
        Some(self.0.iter().enumerate().map(|(i, s)| (Value::Int(i as i64), Value::string(s.as_str()))).collect())
    }
}

/// `.Capabilities`.
#[derive(Debug, Clone)]
pub struct Capabilities {
    pub kube_version: Rc<KubeVersion>,
    pub api_versions: Rc<VersionSet>,
    pub helm_version: Value,
}

impl Capabilities {
    /// Capabilities for `helm template`: the given (or default) Kubernetes version, the default
    /// API versions plus `extra_api_versions` (`--api-versions`).
    pub fn new(kube_version: Option<&str>, extra_api_versions: &[String]) -> Result<Capabilities, String> {
        let kv = match kube_version {
            None => KubeVersion::parse(DEFAULT_KUBE_VERSION),
            Some(v) => KubeVersion::parse(v),
        }
        .ok_or_else(|| format!("invalid kube version {:?}", kube_version.unwrap_or_default()))?;
        let mut versions: Vec<String> = DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
        versions.extend(extra_api_versions.iter().cloned());
        let mut hv = BTreeMap::new();
        hv.insert("Version".to_string(), Value::string(HELM_VERSION));
        hv.insert("GitCommit".to_string(), Value::string(""));
        hv.insert("GitTreeState".to_string(), Value::string(""));
        hv.insert("GoVersion".to_string(), Value::string(""));
        Ok(Capabilities {
            kube_version: Rc::new(kv),
            api_versions: Rc::new(VersionSet(versions)),
            helm_version: Value::map(hv),
        })
    }
}

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*common.Capabilities".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::Object(self.kube_version.clone())),
            "APIVersions" => Some(Value::Object(self.api_versions.clone())),
            "HelmVersion" => Some(self.helm_version.clone()),
            _ => None,
        }
    }
}

/// `.Files`: the chart's non-template files by path (Helm's `engine.files`).
#[derive(Debug, Clone, Default)]
pub struct Files {
    files: Rc<BTreeMap<String, Rc<[u8]>>>,
}

fn bytes_value(b: &[u8]) -> Value {
    Value::list(b.iter().map(|b| Value::Uint8(*b)).collect())
}

fn string_arg(name: &str, args: &[Value]) -> Result<String, String> {
    match args {
        [Value::String(s)] => Ok(s.to_string()),
        [other] => Err(format!("wrong type for value; expected string; got {}", other.type_name())),
        _ => Err(format!("wrong number of args for {name}: want 1 got {}", args.len())),
    }
}

impl Files {
    /// The files of a chart (`chart.files`).
    pub fn new<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Files {
        Files { files: Rc::new(files.into_iter().map(|(k, v)| (k.to_string(), Rc::from(v))).collect()) }
    }

    fn get_bytes(&self, name: &str) -> &[u8] {
        self.files.get(name).map(|b| &b[..]).unwrap_or(&[])
    }

    /// `Glob`: the files whose path matches the pattern (gobwas/glob with `/` as separator).
    pub fn glob(&self, pattern: &str) -> Files {
        let pats = expand_braces(pattern);
        let files = self
            .files
            .iter()
            .filter(|(k, _)| pats.iter().any(|p| glob_match(p, k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Files { files: Rc::new(files) }
    }

    fn as_map(&self, encode: bool) -> String {
        let m: BTreeMap<String, Value> = self
            .files
            .iter()
            .map(|(k, v)| {
                let base = k.rsplit('/').next().unwrap_or(k).to_string();
                let s = if encode {
                    base64::engine::general_purpose::STANDARD.encode(v)
                } else {
                    String::from_utf8_lossy(v).into_owned()
                };
                (base, Value::string(s))
            })
            .collect();
        crate::functions::to_yaml(&Value::map(m)).unwrap_or_default()
    }

    fn lines(&self, name: &str) -> Value {
        let Some(b) = self.files.get(name) else { return Value::list(Vec::new()) };
        let s = String::from_utf8_lossy(b);
        let s = s.strip_suffix('\n').unwrap_or(&s);
        Value::list(s.split('\n').map(Value::string).collect())
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".into()
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Get" | "GetBytes" | "Glob" | "Lines" | "AsConfig" | "AsSecrets")
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match name {
            "Get" => {
                let n = string_arg(name, args)?;
                Ok(Value::string(String::from_utf8_lossy(self.get_bytes(&n)).into_owned()))
            }
            "GetBytes" => Ok(bytes_value(self.get_bytes(&string_arg(name, args)?))),
            "Glob" => Ok(Value::Object(Rc::new(self.glob(&string_arg(name, args)?)))),
            "Lines" => Ok(self.lines(&string_arg(name, args)?)),
            "AsConfig" | "AsSecrets" if !args.is_empty() => {
                Err(format!("wrong number of args for {name}: want 0 got {}", args.len()))
            }
            "AsConfig" => Ok(Value::string(self.as_map(false))),
            "AsSecrets" => Ok(Value::string(self.as_map(true))),
            _ => Err(format!("{} has no method {name}", self.type_name())),
        }
    }
    fn format_v(&self) -> String {
        let entries: Vec<String> = self
            .files
            .iter()
            .map(|(k, v)| format!("{k}:[{}]", v.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(" ")))
            .collect();
        format!("map[{}]", entries.join(" "))
    }
    fn truthy(&self) -> bool {
        !self.files.is_empty()
    }
    fn range_entries(&self) -> Option<Vec<(Value, Value)>> {
        Some(self.files.iter().map(|(k, v)| (Value::string(k.as_str()), bytes_value(v))).collect())
    }
}

/// At most this many patterns come out of brace expansion (`{a,b}{c,d}…` grows exponentially).
const MAX_GLOB_ALTERNATIVES: usize = 4096;

/// `{a,b}` alternatives expanded into separate patterns (nested groups included).
fn expand_braces(p: &str) -> Vec<String> {
    // Each group is one level of recursion: absurd patterns stay literal.
    if p.bytes().filter(|b| *b == b'{').count() > 64 {
        return vec![p.to_string()];
    }
    let b = p.as_bytes();
    let mut depth = 0usize;
    let mut start = None;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'{' => {
                if depth == 0 {
                    start = Some(i);
                }
                depth += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let s = start.unwrap_or(0);
                    let inner = &p[s + 1..i];
                    let mut alts = Vec::new();
                    let (mut d, mut last) = (0usize, 0usize);
                    let ib = inner.as_bytes();
                    let mut j = 0;
                    while j < ib.len() {
                        match ib[j] {
                            b'\\' => j += 1,
                            b'{' => d += 1,
                            b'}' => d = d.saturating_sub(1),
                            b',' if d == 0 => {
                                alts.push(&inner[last..j]);
                                last = j + 1;
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    alts.push(&inner[last.min(inner.len())..]);
                    let mut out = Vec::new();
                    for alt in alts {
                        for rest in expand_braces(&format!("{alt}{}", &p[i + 1..])) {
                            if out.len() >= MAX_GLOB_ALTERNATIVES {
                                return out;
                            }
                            out.push(format!("{}{rest}", &p[..s]));
                        }
                    }
                    return out;
                }
            }
            _ => {}
        }
        i += 1;
    }
    vec![p.to_string()]
}

enum GlobToken {
    /// `*`: any run of characters but `/`.
    Star,
    /// `**`: any run of characters.
    SuperStar,
    /// `?`: one character but `/`.
    Any,
    /// `[...]`: ranges (single characters as `(c, c)`), negated with `!` or `^`; never `/`.
    Class(Vec<(char, char)>, bool),
    Lit(char),
}

fn glob_tokens(p: &str) -> Vec<GlobToken> {
    let pc: Vec<char> = p.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < pc.len() {
        match pc[i] {
            '*' if pc.get(i + 1) == Some(&'*') => {
                out.push(GlobToken::SuperStar);
                i += 2;
            }
            '*' => {
                out.push(GlobToken::Star);
                i += 1;
            }
            '?' => {
                out.push(GlobToken::Any);
                i += 1;
            }
            '[' => {
                let mut j = i + 1;
                let negate = matches!(pc.get(j), Some('!') | Some('^'));
                if negate {
                    j += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                while j < pc.len() && (first || pc[j] != ']') {
                    first = false;
                    if pc.get(j + 1) == Some(&'-') && pc.get(j + 2).is_some_and(|c| *c != ']') {
                        ranges.push((pc[j], pc[j + 2]));
                        j += 3;
                    } else {
                        ranges.push((pc[j], pc[j]));
                        j += 1;
                    }
                }
                if j >= pc.len() {
                    // An unterminated class is a literal `[`.
                    out.push(GlobToken::Lit('['));
                    i += 1;
                } else {
                    out.push(GlobToken::Class(ranges, negate));
                    i = j + 1;
                }
            }
            '\\' if i + 1 < pc.len() => {
                out.push(GlobToken::Lit(pc[i + 1]));
                i += 2;
            }
            c => {
                out.push(GlobToken::Lit(c));
                i += 1;
            }
        }
    }
    out
}

/// gobwas/glob matching with `/` as the separator: `*` (not across `/`), `**` (anything), `?`
/// (one character but `/`), `[abc]`, `[a-z]`, `[!x]`, `\x` (braces are expanded before). An
/// iterative table over (token, position), two rows at a time: no recursion, bounded memory.
fn glob_match(pattern: &str, name: &str) -> bool {
    let toks = glob_tokens(pattern);
    let s: Vec<char> = name.chars().collect();
    let n = s.len();
    // next[si]: whether tokens after the current one match s[si..].
    let mut next = vec![false; n + 1];
    next[n] = true;
    let mut cur = vec![false; n + 1];
    for tok in toks.iter().rev() {
        for si in (0..=n).rev() {
            cur[si] = match tok {
                GlobToken::Star => next[si] || (si < n && s[si] != '/' && cur[si + 1]),
                GlobToken::SuperStar => next[si] || (si < n && cur[si + 1]),
                GlobToken::Any => si < n && s[si] != '/' && next[si + 1],
                GlobToken::Class(ranges, negate) => {
                    si < n
                        && s[si] != '/'
                        && ranges.iter().any(|(lo, hi)| *lo <= s[si] && s[si] <= *hi) != *negate
                        && next[si + 1]
                }
                GlobToken::Lit(c) => si < n && s[si] == *c && next[si + 1],
            };
        }
        std::mem::swap(&mut cur, &mut next);
    }
    next[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_follows_gobwas_with_a_slash_separator() {
        let m = |p: &str, s: &str| expand_braces(p).iter().any(|p| glob_match(p, s));
        assert!(m("files/*.conf", "files/a.conf"));
        assert!(!m("files/*.conf", "files/sub/a.conf"));
        assert!(m("files/**.conf", "files/sub/a.conf"));
        assert!(m("files/{a,b}.txt", "files/b.txt"));
        assert!(m("f?les/[a-c].txt", "files/b.txt"));
        assert!(!m("files/[!a].txt", "files/a.txt"));
        assert!(m("a[b", "a[b"));
        assert!(m("a\\*", "a*"));
        assert!(!m("a\\*", "ab"));
        assert!(m("**", "x/y/z"));
        assert!(!m("*", "x/y"));
        let long = "a".repeat(100_000);
        assert!(m("a*a**", &long));
        assert!(!m(&"{a,b}".repeat(100), "ab"));
    }

    #[test]
    fn kube_versions_parse_like_helm() {
        let kv = KubeVersion::parse("1.30.2").unwrap();
        assert_eq!((kv.version.as_str(), kv.major.as_str(), kv.minor.as_str()), ("v1.30.2", "1", "30"));
        assert_eq!(KubeVersion::parse("v1.28").unwrap().version, "v1.28.0");
        assert!(KubeVersion::parse("banana").is_none());
    }

    #[test]
    fn files_methods() {
        let f = Files::new([("files/a.txt", &b"x\ny\n"[..]), ("files/b.txt", &b"z"[..]), ("other", &b""[..])]);
        assert_eq!(f.call_method("Get", &[Value::string("files/b.txt")]).unwrap().as_str(), Some("z"));
        assert_eq!(f.call_method("Get", &[Value::string("missing")]).unwrap().as_str(), Some(""));
        let Value::List(lines) = f.lines("files/a.txt") else { panic!() };
        assert_eq!(lines.len(), 2);
        assert_eq!(f.glob("files/*").as_map(false), "a.txt: |\n  x\n  y\nb.txt: z");
        assert_eq!(f.glob("nothing").as_map(false), "{}");
        assert!(f.call_method("Get", &[]).is_err());
    }
}
