//! The plan's charts rendered in-process ([`render_charts`]): each release's chart fetched
//! (repository index or OCI, through the digest cache, mirrors and offline mode of
//! [`helm::fetch`]) and rendered as `helm template` would, with the plugin's values, the
//! release's name and namespace, and the platform's Kubernetes version.
//!
//! Charts render in release order (the plan's waves), and the API versions of every CRD a release
//! installs (from `crds/`, from templates, or as declared objects) join `.Capabilities.APIVersions`
//! for the releases that depend on it, as they would on a cluster where those releases are
//! installed first: a chart that gates its PodMonitor on
//! `.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/PodMonitor"` gets one when a release it
//! depends on brings that CRD.

use std::collections::{BTreeMap, BTreeSet};

use helm::fetch::{ChartRequest, FetchOptions};
use helm::render::{Hook, Manifest};
use helm::{RenderOptions, SprigOptions};

use crate::{Plan, ReleasePlan};

/// How to fetch and render.
#[derive(Clone, Debug, Default)]
pub struct ChartOptions {
    /// Cache, offline mode and mirrors.
    pub fetch: FetchOptions,
    /// Randomness and clock of Sprig's functions (a seed makes two renders identical).
    pub sprig: SprigOptions,
    /// The live cluster for `lookup` (apply and a cluster plan); `None`: `lookup` is empty.
    pub lookup: Option<helm::LookupHandle>,
}

/// One release's chart, rendered.
#[derive(Clone, Debug)]
pub struct RenderedChart {
    /// `addon/release`.
    pub release: String,
    pub namespace: String,
    pub repository: String,
    pub chart: String,
    /// The version the reference resolved to.
    pub version: String,
    /// `sha256:…` of the chart archive.
    pub digest: String,
    /// Whether the archive came from the cache.
    pub cached: bool,
    /// CRDs from `crds/` of the chart and its subcharts (applied first, then waited for).
    pub crds: Vec<Manifest>,
    /// Objects in Helm's install order.
    pub manifests: Vec<Manifest>,
    /// Hooks (test hooks left out), sorted by kind as Helm does; their phases, weights and
    /// delete policies say when they run.
    pub hooks: Vec<Hook>,
    /// Objects (`Kind/name`) whose content depends on randomness drawn at render time
    /// (`randAlphaNum`, `genCA`, `uuidv4`, …): found by rendering twice with different seeds and
    /// the same clock. Applying them again would rotate their values, so the applier creates
    /// them only when absent. Objects a chart keeps stable through `lookup` are not here once
    /// they exist (rendering reads them back).
    pub generated: Vec<String>,
}

impl RenderedChart {
    /// Whether `manifest` is one of [`RenderedChart::generated`].
    pub fn is_generated(&self, manifest: &Manifest) -> bool {
        self.generated.contains(&object_key(manifest))
    }

    /// Number of objects: CRDs, manifests and hooks.
    pub fn object_count(&self) -> usize {
        self.crds.len() + self.manifests.len() + self.hooks.len()
    }
}

/// Why a chart could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("release {release}, chart {chart} {version}: {message}")]
pub struct ChartError {
    pub release: String,
    pub repository: String,
    pub chart: String,
    pub version: String,
    pub message: String,
    /// What the user can do.
    pub hint: Option<String>,
}

/// Progress of [`render_charts`], for a long first fetch.
#[derive(Clone, Debug)]
pub enum ChartEvent<'a> {
    /// About to fetch (or find in the cache) and render the chart of `release`.
    Start { release: &'a str, chart: &'a str, version: &'a str },
    /// Done.
    Rendered(&'a RenderedChart),
}

/// The `.Capabilities` Kubernetes version for a platform's `kubernetes_version` (`1.34` →
/// `v1.34.0`).
pub fn kube_version(kubernetes_version: &str) -> String {
    let v = kubernetes_version.trim().trim_start_matches('v');
    match v.split('.').count() {
        1 => format!("v{v}.0.0"),
        2 => format!("v{v}.0"),
        _ => format!("v{v}"),
    }
}

/// Every chart of the plan, fetched and rendered in release order. Stops at the first chart that
/// cannot be fetched or rendered (nothing is written or applied by this function).
///
/// A chart sees in `.Capabilities.APIVersions` the CRDs of the releases it depends on, directly
/// or through others, and only those: CRDs from a chart's `crds/`, CRDs its templates render
/// (cert-manager and KEDA install theirs that way), and CRDs a release declares as objects. A
/// release that merely comes earlier in the order does not count: on a cluster it may not be
/// installed yet when this one is.
pub fn render_charts(
    plan: &Plan,
    options: &ChartOptions,
    mut progress: impl FnMut(ChartEvent<'_>),
) -> Result<Vec<RenderedChart>, Box<ChartError>> {
    let releases: BTreeMap<&str, &ReleasePlan> =
        plan.addons.iter().flat_map(|a| &a.releases).map(|r| (r.id.as_str(), r)).collect();
    // The API versions each release brings, filled in release order (dependencies come first).
    let mut brings: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for id in plan.release_order.iter().flatten() {
        let Some(release) = releases.get(id.as_str()).copied() else { continue };
        let mut own: Vec<String> = release
            .objects
            .iter()
            .flat_map(|o| serde_json::to_string(o).map(|text| crd_api_versions(&text)).unwrap_or_default())
            .collect();
        if let Some(chart) = &release.chart {
            progress(ChartEvent::Start { release: &release.id, chart: &chart.chart, version: &chart.version });
            let api_versions = dependency_api_versions(release, &releases, &brings);
            let rendered = render_release(release, &plan.platform.kubernetes_version, &api_versions, options)?;
            for crd in rendered.crds.iter().chain(rendered.manifests.iter().filter(|m| is_crd(m))) {
                own.extend(crd_api_versions(&crd.content));
            }
            progress(ChartEvent::Rendered(&rendered));
            out.push(rendered);
        }
        brings.insert(release.id.as_str(), own);
    }
    Ok(out)
}

fn is_crd(manifest: &Manifest) -> bool {
    manifest.kind == "CustomResourceDefinition" && manifest.api_version.starts_with("apiextensions.k8s.io/")
}

/// The API versions brought by every release `release` depends on, transitively, in the order
/// first reached, without repeats.
fn dependency_api_versions(
    release: &ReleasePlan,
    releases: &BTreeMap<&str, &ReleasePlan>,
    brings: &BTreeMap<&str, Vec<String>>,
) -> Vec<String> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&str> = release.depends_on.iter().rev().map(String::as_str).collect();
    let mut out: Vec<String> = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for version in brings.get(id).into_iter().flatten() {
            if !out.contains(version) {
                out.push(version.clone());
            }
        }
        if let Some(dependency) = releases.get(id) {
            stack.extend(dependency.depends_on.iter().rev().map(String::as_str));
        }
    }
    out
}

fn render_release(
    release: &ReleasePlan,
    kubernetes_version: &str,
    api_versions: &[String],
    options: &ChartOptions,
) -> Result<RenderedChart, Box<ChartError>> {
    let chart = release.chart.as_ref().expect("a chart release");
    let fail = |message: String, hint: Option<String>| {
        Box::new(ChartError {
            release: release.id.clone(),
            repository: chart.repository.clone(),
            chart: chart.chart.clone(),
            version: chart.version.clone(),
            message,
            hint,
        })
    };
    let request = if chart.repository.starts_with("oci://") {
        let reference = format!("{}/{}:{}", chart.repository.trim_end_matches('/'), chart.chart, chart.version);
        ChartRequest::parse_oci(&reference).map_err(|e| fail(e.to_string(), None))?
    } else {
        ChartRequest::new(chart.repository.clone(), chart.chart.clone(), chart.version.clone())
    };
    let fetched = helm::fetch::fetch(&request, &options.fetch).map_err(|e| {
        // The offline error carries its own hint.
        let hint = (!options.fetch.offline)
            .then(|| "check the network, or point --mirror at a copy of the repository (air-gapped sites)".into());
        fail(e.to_string(), hint)
    })?;
    let loaded = fetched.load().map_err(|e| fail(e.to_string(), None))?;
    let values = match &chart.values {
        serde_json::Value::Object(map) => helm::values::from_json_map(map),
        serde_json::Value::Null => helm::values::from_json_map(&serde_json::Map::new()),
        other => return Err(fail(format!("the plugin's chart values are not a map: {other}"), None)),
    };
    // One clock for both renders: only randomness may differ between them.
    let mut sprig = options.sprig.clone();
    sprig.now.get_or_insert_with(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        (now.as_secs() as i64, now.subsec_nanos())
    });
    let seed = sprig.seed.unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        now.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)
    });
    let mut render_options = RenderOptions {
        release_name: release.name.clone(),
        namespace: release.namespace.clone(),
        kube_version: Some(kube_version(kubernetes_version)),
        api_versions: api_versions.to_vec(),
        sprig: SprigOptions { seed: Some(seed), ..sprig },
        lookup: options.lookup.clone(),
        ..RenderOptions::default()
    };
    let render = |chart: helm::Chart, options: &RenderOptions| {
        helm::render_chart(chart, &values, options).map_err(|e| {
            let hint = "the plugin's values or the addon's `values:` override do not suit this chart";
            fail(e.to_string(), Some(hint.into()))
        })
    };
    let rendered = render(loaded.clone(), &render_options)?;
    render_options.sprig.seed = Some(seed ^ 0x9E37_79B9_7F4A_7C15);
    let other = render(loaded, &render_options)?;
    let generated = generated_objects(&rendered, &other);
    Ok(RenderedChart {
        release: release.id.clone(),
        namespace: release.namespace.clone(),
        repository: fetched.repository.clone(),
        chart: fetched.chart.clone(),
        version: fetched.version.clone(),
        digest: fetched.digest.clone(),
        cached: fetched.cached,
        // Comment-only documents are no objects: Helm's install skips them, and so do we (and the
        // counts).
        crds: rendered.crds.into_iter().filter(|m| !m.is_empty_document()).collect(),
        manifests: rendered.manifests.into_iter().filter(|m| !m.is_empty_document()).collect(),
        hooks: rendered.hooks.into_iter().filter(|h| !h.is_test() && !h.manifest.is_empty_document()).collect(),
        generated,
    })
}

fn object_key(m: &Manifest) -> String {
    format!("{}/{}", m.kind, m.name)
}

/// `Kind/name` of each object of `a` that `b` (the same chart rendered with another seed) does
/// not have with the same content.
fn generated_objects(a: &helm::Rendered, b: &helm::Rendered) -> Vec<String> {
    let all = |r: &helm::Rendered| -> Vec<Manifest> {
        r.manifests.iter().cloned().chain(r.hooks.iter().map(|h| h.manifest.clone())).collect()
    };
    let others = all(b);
    let mut out: Vec<String> = all(a)
        .iter()
        .filter(|m| !others.iter().any(|o| o.source == m.source && o.content == m.content))
        .map(object_key)
        .collect();
    out.dedup();
    out
}

/// `group/version` and `group/version/Kind` for each served version of a CRD document.
fn crd_api_versions(content: &str) -> Vec<String> {
    let Ok(doc) = serde_saphyr::from_str::<serde_json::Value>(content) else { return Vec::new() };
    if doc.get("kind").and_then(|k| k.as_str()) != Some("CustomResourceDefinition") {
        return Vec::new();
    }
    let spec = &doc["spec"];
    let (Some(group), Some(kind)) = (spec["group"].as_str(), spec.pointer("/names/kind").and_then(|k| k.as_str()))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for version in spec["versions"].as_array().into_iter().flatten() {
        if version.get("served").and_then(|s| s.as_bool()) == Some(false) {
            continue;
        }
        if let Some(name) = version["name"].as_str() {
            out.push(format!("{group}/{name}"));
            out.push(format!("{group}/{name}/{kind}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_versions_are_full_semver() {
        assert_eq!(kube_version("1.34"), "v1.34.0");
        assert_eq!(kube_version("v1.33.2"), "v1.33.2");
        assert_eq!(kube_version("1"), "v1.0.0");
    }

    fn release(id: &str, depends_on: &[&str]) -> ReleasePlan {
        ReleasePlan {
            id: id.into(),
            name: id.rsplit('/').next().unwrap_or(id).into(),
            namespace: "ns".into(),
            chart: None,
            objects: Vec::new(),
            health_checks: Vec::new(),
            depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn a_release_sees_the_crds_of_its_dependencies_transitively_and_no_others() {
        // cert (brings Issuer) <- spark <- jobs; prom (brings ServiceMonitor) is earlier in the
        // order but nobody's dependency; yunikorn brings nothing.
        let plans = [
            release("cert/cert", &[]),
            release("prom/prom", &[]),
            release("yunikorn/yunikorn", &["cert/cert"]),
            release("spark/spark", &["yunikorn/yunikorn"]),
            release("jobs/jobs", &["spark/spark", "cert/cert"]),
        ];
        let releases: BTreeMap<&str, &ReleasePlan> = plans.iter().map(|r| (r.id.as_str(), r)).collect();
        let brings: BTreeMap<&str, Vec<String>> = [
            ("cert/cert", vec!["cert-manager.io/v1".to_string(), "cert-manager.io/v1/Issuer".to_string()]),
            ("prom/prom", vec!["monitoring.coreos.com/v1".to_string()]),
            ("yunikorn/yunikorn", Vec::new()),
            ("spark/spark", vec!["sparkoperator.k8s.io/v1beta2".to_string()]),
        ]
        .into_iter()
        .collect();
        let seen = |id: &str| dependency_api_versions(releases[id], &releases, &brings);
        assert!(seen("cert/cert").is_empty());
        assert!(seen("prom/prom").is_empty(), "an earlier release is not a dependency");
        assert_eq!(seen("spark/spark"), ["cert-manager.io/v1", "cert-manager.io/v1/Issuer"], "through yunikorn");
        assert_eq!(
            seen("jobs/jobs"),
            ["sparkoperator.k8s.io/v1beta2", "cert-manager.io/v1", "cert-manager.io/v1/Issuer"],
            "each version once"
        );
    }

    #[test]
    fn a_crd_serves_its_versions_with_and_without_kind() {
        let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names:\n    kind: Widget\n  versions:\n  - name: v1\n    served: true\n  - name: v1beta1\n    served: false\n";
        assert_eq!(crd_api_versions(crd), ["example.com/v1", "example.com/v1/Widget"]);
        assert!(crd_api_versions("apiVersion: v1\nkind: ConfigMap\n").is_empty());
        assert!(crd_api_versions(": not yaml [").is_empty());
    }
}
