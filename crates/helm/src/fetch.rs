//! Fetching charts: HTTP repositories (`index.yaml`) and OCI registries, through the
//! [`Cache`](crate::cache::Cache), with an offline mode and mirrors.
//!
//! - **HTTP repositories.** `index.yaml` is read from `<repository>/index.yaml`; the version is
//!   chosen as Helm's `IndexFile.Get` does: an entry whose version string equals the request
//!   wins, else the highest version satisfying the request as a Masterminds constraint
//!   ([`crate::sprig::semver`]; an empty request is `*`, the latest stable). The archive comes
//!   from the entry's first URL (relative URLs resolved against the index URL) and must match
//!   the entry's `digest` (sha256) when there is one.
//! - **OCI.** `oci://registry/path/chart:version` or `…@sha256:<manifest digest>`: an image
//!   manifest with config `application/vnd.cncf.helm.config.v1+json` and one layer
//!   `application/vnd.cncf.helm.chart.content.v1.tar+gzip` (Helm's media types; the legacy
//!   `application/tar+gzip` layer is accepted too). A pinned manifest must have the pinned
//!   digest, and the layer must match its descriptor. A version that is not an exact semver is
//!   resolved against the repository's tags (Helm stores `+` as `_` in tags). Pulls are anonymous.
//! - **Transport.** `https://` everywhere; plain `http://` only to loopback hosts (`localhost`,
//!   `127.0.0.0/8`, `[::1]`), for HTTP repositories, OCI registries and redirects alike, as the
//!   plugin host does. TLS is reqwest's rustls, the stack oci-client already uses.
//! - **Cache.** A request for a version already in the reference index is served without
//!   any network access; a constraint consults `index.yaml` (a newer version may exist) but
//!   downloads nothing when the chosen archive is cached.
//! - **Offline.** Only the cache is used; a chart that is not there fails naming the chart,
//!   version and repository, with a hint.
//! - **Mirrors.** [`Mirror`] maps a repository URL prefix (or an OCI registry) to another
//!   location, for air-gapped sites. The cache and messages keep the original repository, and
//!   digests are verified the same way whatever location served the bytes.

use std::fmt;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use reqwest::Url;
use serde_json::Value as Json;

use crate::cache::{Cache, CachedRef, digest_of, normalize_digest};
use crate::chart::{self, Chart, LoadError, MAX_CHART_SIZE};
use crate::sprig::semver::{Constraints, Version};

/// Helm's OCI config media type.
pub const HELM_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Helm's OCI chart layer media type.
pub const HELM_CHART_CONTENT_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// The chart layer media type of Helm before 3.8.
pub const HELM_LEGACY_CHART_MEDIA_TYPE: &str = "application/tar+gzip";

/// Largest `index.yaml` read (large public repositories have indexes of tens of MiB).
const MAX_INDEX_SIZE: u64 = 256 * 1024 * 1024;
/// Largest OCI manifest read.
const MAX_MANIFEST_SIZE: usize = 4 * 1024 * 1024;

/// A repository location replaced by another, e.g. `https://charts.example.com` by
/// `https://mirror.internal/charts`, or the registry `ghcr.io` by `127.0.0.1:5000`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mirror {
    /// A URL prefix (`https://…`, `http://…`, `oci://…`) or a bare OCI registry (`ghcr.io`).
    pub from: String,
    /// What replaces `from`.
    pub to: String,
}

impl Mirror {
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Mirror {
        Mirror { from: from.into(), to: to.into() }
    }

    /// `FROM=TO`.
    pub fn parse(spec: &str) -> Result<Mirror, FetchError> {
        match spec.split_once('=') {
            Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                Ok(Mirror::new(from.trim(), to.trim()))
            }
            _ => {
                Err(FetchError::Invalid(format!("bad mirror {spec:?}: expected FROM=TO, e.g. ghcr.io=127.0.0.1:5000")))
            }
        }
    }

    /// `location` rewritten when it starts with `from` at a path boundary.
    fn apply(&self, location: &str) -> Option<String> {
        let (from, to) = if self.from.contains("://") || !location.starts_with("oci://") {
            (self.from.clone(), self.to.clone())
        } else {
            let to = if self.to.contains("://") { self.to.clone() } else { format!("oci://{}", self.to) };
            (format!("oci://{}", self.from), to)
        };
        let from = from.trim_end_matches('/');
        let rest = location.strip_prefix(from)?;
        if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')) {
            return None;
        }
        Some(format!("{}{rest}", to.trim_end_matches('/')))
    }
}

/// How to fetch.
#[derive(Clone, Debug, Default)]
pub struct FetchOptions {
    /// The cache; `None`: none (every fetch downloads; offline mode then always fails).
    pub cache: Option<Cache>,
    /// Use only the cache.
    pub offline: bool,
    /// Mirrors, the first matching one applies.
    pub mirrors: Vec<Mirror>,
}

impl FetchOptions {
    /// The default cache, online, no mirrors.
    pub fn with_default_cache() -> FetchOptions {
        FetchOptions { cache: Cache::default_location(), ..Default::default() }
    }

    fn mirrored(&self, location: &str) -> String {
        self.mirrors.iter().find_map(|m| m.apply(location)).unwrap_or_else(|| location.to_string())
    }
}

/// A chart to fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartRequest {
    /// `https://…` (an HTTP repository) or `oci://registry/path`.
    pub repository: String,
    pub chart: String,
    /// An exact version or a Masterminds constraint; empty: the latest stable version.
    pub version: String,
    /// OCI only: the manifest digest the chart is pinned to (`sha256:<hex>`).
    pub digest: Option<String>,
}

impl ChartRequest {
    pub fn new(repository: impl Into<String>, chart: impl Into<String>, version: impl Into<String>) -> ChartRequest {
        ChartRequest { repository: repository.into(), chart: chart.into(), version: version.into(), digest: None }
    }

    /// `oci://registry/path/chart[:version][@sha256:<hex>]`.
    pub fn parse_oci(reference: &str) -> Result<ChartRequest, FetchError> {
        let bad = |m: String| FetchError::Invalid(format!("bad OCI chart reference {reference:?}: {m}"));
        let bare = reference.strip_prefix("oci://").ok_or_else(|| bad("expected oci://registry/path/chart".into()))?;
        let (bare, digest) = match bare.split_once('@') {
            Some((b, d)) => (b, Some(normalize_digest(d).ok_or_else(|| bad(format!("bad digest {d:?}")))?)),
            None => (bare, None),
        };
        let (registry, path) = bare.split_once('/').ok_or_else(|| bad("no chart name".into()))?;
        let (path, version) = match path.rsplit_once(':') {
            Some((p, v)) if !p.is_empty() && !v.contains('/') => (p, v.to_string()),
            _ => (path, String::new()),
        };
        let (dir, chart) = path.rsplit_once('/').map_or(("", path), |(d, c)| (d, c));
        if registry.is_empty() || chart.is_empty() {
            return Err(bad("expected oci://registry/path/chart".into()));
        }
        let repository = if dir.is_empty() { format!("oci://{registry}") } else { format!("oci://{registry}/{dir}") };
        Ok(ChartRequest { repository, chart: chart.to_string(), version, digest })
    }

    fn is_oci(&self) -> bool {
        self.repository.starts_with("oci://")
    }

    fn describe_version(&self) -> String {
        match (&self.version[..], &self.digest) {
            ("", None) => "(latest)".into(),
            ("", Some(d)) => d.clone(),
            (v, None) => v.to_string(),
            (v, Some(d)) => format!("{v}@{d}"),
        }
    }
}

impl fmt::Display for ChartRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "chart {} version {} from {}", self.chart, self.describe_version(), self.repository)
    }
}

/// A fetched, verified chart archive.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The `.tgz`.
    pub bytes: Vec<u8>,
    /// `sha256:<hex>` of `bytes`.
    pub digest: String,
    pub repository: String,
    pub chart: String,
    /// The version chosen.
    pub version: String,
    /// True when nothing was downloaded.
    pub cached: bool,
}

impl Fetched {
    /// Loads the archive.
    pub fn load(&self) -> Result<Chart, LoadError> {
        chart::load_archive(&self.bytes, &format!("{}/{}-{}.tgz", self.repository, self.chart, self.version))
    }
}

/// Why a fetch failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// Offline mode and the chart is not in the cache.
    NotCached { request: String, cached_versions: Vec<String> },
    /// No version of the chart matches.
    NoMatch { request: String, available: Vec<String> },
    /// Bytes whose digest is not the expected one.
    DigestMismatch { what: String, expected: String, actual: String },
    /// A transport or registry failure.
    Transfer { url: String, message: String },
    /// Refused by policy (plain HTTP to a remote host, …).
    Refused(String),
    /// A malformed request, index or manifest.
    Invalid(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::NotCached { request, cached_versions } => {
                write!(f, "{request} is not in the chart cache (offline mode)")?;
                if !cached_versions.is_empty() {
                    write!(f, "; cached versions: {}", cached_versions.join(", "))?;
                }
                write!(
                    f,
                    "\nhint: run `kubectl dataplat chart pull` for it while online, or configure a mirror that serves it"
                )
            }
            FetchError::NoMatch { request, available } => {
                write!(f, "{request}: no such chart version")?;
                if available.is_empty() {
                    write!(f, " (the repository has no chart of that name)")
                } else {
                    write!(f, "; available: {}", available.join(", "))
                }
            }
            FetchError::DigestMismatch { what, expected, actual } => {
                write!(f, "digest mismatch for {what}: expected {expected}, got {actual}; refusing it")
            }
            FetchError::Transfer { url, message } => write!(f, "cannot fetch {url}: {message}"),
            FetchError::Refused(m) | FetchError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for FetchError {}

/// Fetches `request` as `options` say.
pub fn fetch(request: &ChartRequest, options: &FetchOptions) -> Result<Fetched, FetchError> {
    if request.chart.is_empty() || request.chart.contains('/') || request.chart.contains("..") {
        return Err(FetchError::Invalid(format!("bad chart name {:?}", request.chart)));
    }
    // `…/charts/` and `…/charts` are one repository (one cache key).
    let request = &ChartRequest { repository: request.repository.trim_end_matches('/').to_string(), ..request.clone() };
    if let Some(fetched) = from_cache(request, options) {
        return Ok(fetched);
    }
    if options.offline {
        let cached_versions = options
            .cache
            .as_ref()
            .map(|c| c.refs_of(&request.repository, &request.chart).into_iter().map(|r| r.version).collect())
            .unwrap_or_default();
        return Err(FetchError::NotCached { request: request.to_string(), cached_versions });
    }
    let result = if request.is_oci() {
        fetch_oci(request, options)
    } else if request.repository.starts_with("https://") || request.repository.starts_with("http://") {
        fetch_http(request, options)
    } else {
        Err(FetchError::Invalid(format!(
            "{request}: the repository must be an https://, http:// (loopback only) or oci:// URL"
        )))
    };
    result.map_err(|e| match e {
        FetchError::Transfer { url, message } => {
            FetchError::Transfer { url, message: format!("{message} (while fetching {request})") }
        }
        other => other,
    })
}

/// Helm's `IndexFile.Get` over `(version, item)` pairs: the exact string first, else the
/// highest version satisfying the constraint.
fn select<T: Clone>(request: &ChartRequest, candidates: &[(String, T)]) -> Result<Option<(String, T)>, FetchError> {
    if !request.version.is_empty()
        && let Some(found) = candidates.iter().find(|(v, _)| *v == request.version)
    {
        return Ok(Some(found.clone()));
    }
    let text = if request.version.is_empty() { "*" } else { request.version.as_str() };
    let constraints = Constraints::parse(text)
        .map_err(|e| FetchError::Invalid(format!("{request}: bad version constraint {text:?}: {e}")))?;
    let best = candidates
        .iter()
        .filter_map(|(v, t)| Version::parse(v).ok().map(|parsed| (parsed, v, t)))
        .filter(|(parsed, _, _)| constraints.check(parsed))
        .max_by(|a, b| a.0.compare(&b.0));
    Ok(best.map(|(_, v, t)| (v.clone(), t.clone())))
}

fn from_cache(request: &ChartRequest, options: &FetchOptions) -> Option<Fetched> {
    let cache = options.cache.as_ref()?;
    let hit = |version: String, digest: String| {
        let bytes = cache.get_blob(&digest)?;
        Some(Fetched {
            bytes,
            digest,
            repository: request.repository.clone(),
            chart: request.chart.clone(),
            version,
            cached: true,
        })
    };
    if let Some(pin) = &request.digest {
        let manifest = cache.get_blob(pin)?;
        let manifest: OciImageManifest = serde_json::from_slice(&manifest).ok()?;
        let layer = chart_layer(request, &manifest).ok()?;
        let version = manifest_version(&manifest).unwrap_or_else(|| request.version.clone());
        return hit(version, layer.digest);
    }
    // Online, only an exact version is served without asking the repository.
    if !options.offline {
        let digest = cache.get_ref(&request.repository, &request.chart, &request.version)?;
        return hit(request.version.clone(), digest);
    }
    let refs: Vec<(String, CachedRef)> =
        cache.refs_of(&request.repository, &request.chart).into_iter().map(|r| (r.version.clone(), r)).collect();
    let (version, found) = select(request, &refs).ok()??;
    hit(version, found.digest)
}

fn store(request: &ChartRequest, options: &FetchOptions, version: &str, bytes: &[u8]) {
    let Some(cache) = &options.cache else { return };
    let result =
        cache.put_blob(bytes).and_then(|digest| cache.put_ref(&request.repository, &request.chart, version, &digest));
    if let Err(error) = result {
        tracing::warn!(%error, cache = %cache.root().display(), "cannot write the chart cache");
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, FetchError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FetchError::Invalid(format!("cannot start the async runtime: {e}")))
}

/// `localhost`, `127.0.0.0/8`, `[::1]` (with or without a port).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host == "::1" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

fn check_scheme(url: &Url) -> Result<(), FetchError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if url.host_str().is_some_and(is_loopback_host) => Ok(()),
        "http" => Err(FetchError::Refused(format!(
            "refusing plain HTTP to {url}: only loopback hosts may be reached without TLS; use https://"
        ))),
        other => Err(FetchError::Refused(format!("unsupported URL scheme {other:?} in {url}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP repositories
// ---------------------------------------------------------------------------------------------

fn http_client() -> Result<reqwest::Client, FetchError> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("too many redirects")
        } else if check_scheme(attempt.url()).is_err() {
            attempt.error("redirect to plain HTTP on a non-loopback host refused")
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .redirect(policy)
        .connect_timeout(std::time::Duration::from_secs(30))
        .timeout(std::time::Duration::from_secs(600))
        .user_agent(concat!("kubectl-dataplat/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FetchError::Invalid(format!("cannot build the HTTP client: {e}")))
}

async fn get(client: &reqwest::Client, url: &Url, limit: u64) -> Result<Vec<u8>, FetchError> {
    check_scheme(url)?;
    let err = |m: String| FetchError::Transfer { url: url.to_string(), message: m };
    let mut response = client.get(url.clone()).send().await.map_err(|e| err(error_chain(&e)))?;
    if !response.status().is_success() {
        return Err(err(format!("HTTP {}", response.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| err(error_chain(&e)))? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(err(format!("larger than the limit of {limit} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn parse_url(text: &str) -> Result<Url, FetchError> {
    Url::parse(text).map_err(|e| FetchError::Invalid(format!("bad URL {text:?}: {e}")))
}

fn fetch_http(request: &ChartRequest, options: &FetchOptions) -> Result<Fetched, FetchError> {
    let base = format!("{}/", options.mirrored(request.repository.trim_end_matches('/')));
    let index_url = parse_url(&base)?.join("index.yaml").map_err(|e| FetchError::Invalid(e.to_string()))?;
    check_scheme(&index_url)?;
    let client = http_client()?;
    let rt = runtime()?;
    let index = rt.block_on(get(&client, &index_url, MAX_INDEX_SIZE))?;
    let text = String::from_utf8(index)
        .map_err(|_| FetchError::Invalid(format!("{index_url}: index.yaml is not UTF-8 text")))?;
    let index = crate::loadyaml::yaml_to_json_map(&text)
        .map_err(|e| FetchError::Invalid(format!("{index_url}: bad index.yaml: {e}")))?;
    let entries: Vec<(String, Json)> = index
        .get("entries")
        .and_then(|e| e.get(&request.chart))
        .and_then(Json::as_array)
        .map(|list| list.iter().filter_map(|e| Some((json_string(e.get("version")?)?, e.clone()))).collect::<Vec<_>>())
        .unwrap_or_default();
    let Some((version, entry)) = select(request, &entries)? else {
        return Err(FetchError::NoMatch {
            request: request.to_string(),
            available: entries.iter().take(20).map(|(v, _)| v.clone()).collect(),
        });
    };
    // A digest that is not a string (YAML read `000…` as a number) fails closed.
    let expected = match entry.get("digest") {
        None | Some(Json::Null) => None,
        Some(Json::String(d)) if d.is_empty() => None,
        Some(d) => Some(d.as_str().and_then(normalize_digest).ok_or_else(|| {
            FetchError::Invalid(format!("{index_url}: entry {} {version} has a bad digest {d}", request.chart))
        })?),
    };
    // The archive may already be cached (by its index digest, or under this version).
    if let Some(cache) = &options.cache {
        let known = expected.clone().or_else(|| cache.get_ref(&request.repository, &request.chart, &version));
        if let Some(digest) = known
            && let Some(bytes) = cache.get_blob(&digest)
        {
            store(request, options, &version, &bytes);
            return Ok(Fetched {
                bytes,
                digest,
                repository: request.repository.clone(),
                chart: request.chart.clone(),
                version,
                cached: true,
            });
        }
    }
    let first =
        entry.get("urls").and_then(Json::as_array).and_then(|u| u.first()).and_then(Json::as_str).ok_or_else(|| {
            FetchError::Invalid(format!("{index_url}: entry {} {version} has no urls", request.chart))
        })?;
    let url =
        index_url.join(first).map_err(|e| FetchError::Invalid(format!("{index_url}: bad chart URL {first:?}: {e}")))?;
    let url = parse_url(&options.mirrored(url.as_str()))?;
    let bytes = rt.block_on(get(&client, &url, MAX_CHART_SIZE))?;
    let digest = digest_of(&bytes);
    if let Some(expected) = expected
        && expected != digest
    {
        return Err(FetchError::DigestMismatch { what: url.to_string(), expected, actual: digest });
    }
    store(request, options, &version, &bytes);
    Ok(Fetched {
        bytes,
        digest,
        repository: request.repository.clone(),
        chart: request.chart.clone(),
        version,
        cached: false,
    })
}

fn json_string(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// OCI
// ---------------------------------------------------------------------------------------------

fn oci_err(request: &ChartRequest, message: impl fmt::Display) -> FetchError {
    FetchError::Transfer { url: format!("{}/{}", request.repository, request.chart), message: message.to_string() }
}

/// The registry and repository path of `oci://registry/path` + chart, after mirroring.
fn oci_location(request: &ChartRequest, options: &FetchOptions) -> Result<(String, String), FetchError> {
    let location = options.mirrored(&format!("{}/{}", request.repository.trim_end_matches('/'), request.chart));
    let bare = location.strip_prefix("oci://").unwrap_or(&location);
    match bare.split_once('/') {
        Some((registry, path)) if !registry.is_empty() && !path.is_empty() => Ok((registry.into(), path.into())),
        _ => Err(FetchError::Invalid(format!("bad OCI location {location:?}"))),
    }
}

/// An OCI client; plain HTTP for loopback registries only.
pub fn oci_client_for(registry: &str) -> Client {
    let host = registry.rsplit_once(':').map_or(registry, |(h, p)| if p.contains(']') { registry } else { h });
    let protocol = if is_loopback_host(host) {
        ClientProtocol::HttpsExcept(vec![registry.to_string()])
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig { protocol, ..Default::default() })
}

fn chart_layer(request: &ChartRequest, manifest: &OciImageManifest) -> Result<OciDescriptor, FetchError> {
    if manifest.config.media_type != HELM_CONFIG_MEDIA_TYPE {
        return Err(FetchError::Invalid(format!(
            "{request}: not a Helm chart: config media type {} (expected {HELM_CONFIG_MEDIA_TYPE})",
            manifest.config.media_type
        )));
    }
    let layers: Vec<&OciDescriptor> = manifest
        .layers
        .iter()
        .filter(|l| l.media_type == HELM_CHART_CONTENT_MEDIA_TYPE || l.media_type == HELM_LEGACY_CHART_MEDIA_TYPE)
        .collect();
    match layers.as_slice() {
        [layer] => Ok((*layer).clone()),
        _ => Err(FetchError::Invalid(format!(
            "{request}: expected exactly one {HELM_CHART_CONTENT_MEDIA_TYPE} layer, found {}",
            layers.len()
        ))),
    }
}

/// The chart version recorded in the manifest annotations, if any.
fn manifest_version(manifest: &OciImageManifest) -> Option<String> {
    manifest.annotations.as_ref()?.get("org.opencontainers.image.version").cloned()
}

fn fetch_oci(request: &ChartRequest, options: &FetchOptions) -> Result<Fetched, FetchError> {
    let (registry, path) = oci_location(request, options)?;
    let client = oci_client_for(&registry);
    let auth = RegistryAuth::Anonymous;
    let rt = runtime()?;
    rt.block_on(async {
        // The tag: the version when it is exact, else the best matching tag.
        let tag = if request.version.is_empty() && request.digest.is_some() {
            None
        } else if Version::parse(&request.version).is_ok() {
            Some(request.version.replace('+', "_"))
        } else {
            let listing = Reference::with_tag(registry.clone(), path.clone(), "latest".into());
            let tags = client
                .list_tags(&listing, &auth, None, None)
                .await
                .map_err(|e| oci_err(request, format!("cannot list tags: {}", error_chain(&e))))?;
            let candidates: Vec<(String, String)> =
                tags.tags.iter().map(|t| (t.replace('_', "+"), t.clone())).collect();
            match select(request, &candidates)? {
                Some((_, tag)) => Some(tag),
                None => {
                    return Err(FetchError::NoMatch {
                        request: request.to_string(),
                        available: candidates.into_iter().take(20).map(|(v, _)| v).collect(),
                    });
                }
            }
        };
        // By tag when there is one, so a moved tag is caught as a mismatch with the pin rather
        // than reported as "manifest unknown"; by digest otherwise.
        let by = match (&tag, &request.digest) {
            (Some(tag), _) => Reference::with_tag(registry.clone(), path.clone(), tag.clone()),
            (None, Some(digest)) => Reference::with_digest(registry.clone(), path.clone(), digest.clone()),
            (None, None) => return Err(FetchError::Invalid(format!("{request}: no version or digest"))),
        };
        let (manifest_bytes, _) = client
            .pull_manifest_raw(&by, &auth, &[OCI_IMAGE_MEDIA_TYPE])
            .await
            .map_err(|e| oci_err(request, format!("cannot fetch the manifest: {}", error_chain(&e))))?;
        if manifest_bytes.len() > MAX_MANIFEST_SIZE {
            return Err(oci_err(request, "manifest too large"));
        }
        let manifest_digest = digest_of(&manifest_bytes);
        if let Some(pin) = &request.digest
            && *pin != manifest_digest
        {
            return Err(FetchError::DigestMismatch {
                what: format!("the manifest of {request}"),
                expected: pin.clone(),
                actual: manifest_digest,
            });
        }
        let manifest: OciImageManifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| FetchError::Invalid(format!("{request}: bad manifest: {e}")))?;
        let layer = chart_layer(request, &manifest)?;
        let expected = normalize_digest(&layer.digest)
            .ok_or_else(|| FetchError::Invalid(format!("{request}: unsupported layer digest {}", layer.digest)))?;
        if layer.size < 0 || layer.size as u64 > MAX_CHART_SIZE {
            return Err(FetchError::Invalid(format!("{request}: chart layer of {} bytes is too large", layer.size)));
        }
        let cache = options.cache.as_ref();
        let version = tag
            .as_ref()
            .map(|t| t.replace('_', "+"))
            .or_else(|| manifest_version(&manifest))
            .unwrap_or_else(|| request.version.clone());
        let (bytes, cached) = match cache.and_then(|c| c.get_blob(&expected)) {
            Some(bytes) => (bytes, true),
            None => {
                let mut limited = Limited { bytes: Vec::new(), limit: MAX_CHART_SIZE as usize };
                client
                    .pull_blob(&by, &layer, &mut limited)
                    .await
                    .map_err(|e| oci_err(request, format!("cannot fetch the chart layer: {}", error_chain(&e))))?;
                let bytes = limited.bytes;
                let actual = digest_of(&bytes);
                if actual != expected {
                    return Err(FetchError::DigestMismatch {
                        what: format!("the chart layer of {request}"),
                        expected,
                        actual,
                    });
                }
                (bytes, false)
            }
        };
        if let Some(cache) = cache
            && let Err(error) = cache.put_blob(&manifest_bytes)
        {
            tracing::warn!(%error, "cannot write the chart cache");
        }
        if tag.is_some() || !version.is_empty() {
            store(request, options, &version, &bytes);
        } else if let Some(cache) = cache {
            let _ = cache.put_blob(&bytes);
        }
        Ok(Fetched {
            digest: digest_of(&bytes),
            bytes,
            repository: request.repository.clone(),
            chart: request.chart.clone(),
            version,
            cached,
        })
    })
}

/// A sink that refuses to grow past `limit` bytes (a registry may send more than it declared).
struct Limited {
    bytes: Vec<u8>,
    limit: usize,
}

impl tokio::io::AsyncWrite for Limited {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.bytes.len().saturating_add(buf.len()) > this.limit {
            return std::task::Poll::Ready(Err(std::io::Error::other(format!(
                "chart layer larger than the limit of {} bytes",
                this.limit
            ))));
        }
        this.bytes.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_oci_references() {
        let r = ChartRequest::parse_oci("oci://127.0.0.1:5000/charts/plain:0.3.1").unwrap();
        assert_eq!(
            (r.repository.as_str(), r.chart.as_str(), r.version.as_str()),
            ("oci://127.0.0.1:5000/charts", "plain", "0.3.1")
        );
        let d = format!("sha256:{}", "a".repeat(64));
        let r = ChartRequest::parse_oci(&format!("oci://ghcr.io/plain@{d}")).unwrap();
        assert_eq!(
            (r.repository.as_str(), r.version.as_str(), r.digest.as_deref()),
            ("oci://ghcr.io", "", Some(&d[..]))
        );
        let r = ChartRequest::parse_oci("oci://localhost:5000/plain").unwrap();
        assert_eq!(
            (r.repository.as_str(), r.chart.as_str(), r.version.as_str()),
            ("oci://localhost:5000", "plain", "")
        );
        assert!(ChartRequest::parse_oci("oci://ghcr.io").is_err());
        assert!(ChartRequest::parse_oci("https://x/y").is_err());
        assert!(ChartRequest::parse_oci("oci://ghcr.io/x@sha256:zz").is_err());
    }

    #[test]
    fn mirrors_match_at_path_boundaries() {
        let m = Mirror::new("https://charts.example.com/stable", "http://127.0.0.1:8080/m");
        assert_eq!(
            m.apply("https://charts.example.com/stable/x.tgz").as_deref(),
            Some("http://127.0.0.1:8080/m/x.tgz")
        );
        assert_eq!(m.apply("https://charts.example.com/stable2/x.tgz"), None);
        let r = Mirror::new("ghcr.io", "127.0.0.1:5000");
        assert_eq!(r.apply("oci://ghcr.io/a/b").as_deref(), Some("oci://127.0.0.1:5000/a/b"));
        assert_eq!(r.apply("https://ghcr.io/a"), None);
        assert!(Mirror::parse("a=b").is_ok() && Mirror::parse("nope").is_err());
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_scheme(&Url::parse("http://127.0.0.1:8/i").unwrap()).is_ok());
        assert!(check_scheme(&Url::parse("http://[::1]:8/i").unwrap()).is_ok());
        assert!(check_scheme(&Url::parse("http://localhost/i").unwrap()).is_ok());
        assert!(check_scheme(&Url::parse("http://example.com/i").unwrap()).is_err());
        assert!(check_scheme(&Url::parse("file:///etc/passwd").unwrap()).is_err());
    }

    #[test]
    fn selects_as_helm_index_get() {
        let c: Vec<(String, ())> =
            ["1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1", "garbage"].iter().map(|v| (v.to_string(), ())).collect();
        let pick = |v: &str| select(&ChartRequest::new("https://x", "c", v), &c).unwrap().map(|(v, _)| v);
        assert_eq!(pick("").as_deref(), Some("1.10.0"));
        assert_eq!(pick("^1.0").as_deref(), Some("1.10.0"));
        assert_eq!(pick("~1.2").as_deref(), Some("1.2.0"));
        assert_eq!(pick("1.0.0").as_deref(), Some("1.0.0"));
        assert_eq!(pick(">=2.0.0-0").as_deref(), Some("2.0.0-rc.1"));
        assert_eq!(pick("garbage").as_deref(), Some("garbage"));
        assert_eq!(pick(">3"), None);
        assert!(select(&ChartRequest::new("https://x", "c", "!!"), &c).is_err());
    }
}
