//! The plan as releases for the applier ([`kube_releases`]): each release's chart objects (CRDs,
//! manifests, hooks) and declared objects, its health checks and dependencies; objects a chart
//! generates at render time are created once and never updated; workloads a ScaledObject or an
//! HPA of the plan targets are marked so their replicas are never sent.

use std::collections::BTreeSet;

use dataplat_kube::apply::Release;
use dataplat_kube::health::Check;
use dataplat_kube::manifest::ManifestError;
use dataplat_kube::{Object, ObjectRef};

use crate::Plan;
use crate::charts::RenderedChart;

/// What the applier needs from a plan.
#[derive(Debug, Clone, Default)]
pub struct ClusterReleases {
    /// In release order.
    pub releases: Vec<Release>,
    /// Workloads `(namespace, kind, name)` an autoscaler of the plan targets.
    pub autoscaled: BTreeSet<(String, String, String)>,
}

/// The plan's releases with their charts' objects (`charts` from [`crate::charts::render_charts`];
/// a release whose chart is not among them gets its declared objects only).
pub fn kube_releases(plan: &Plan, platform: &str, charts: &[RenderedChart]) -> Result<ClusterReleases, ManifestError> {
    let mut out = ClusterReleases::default();
    let all: Vec<&crate::ReleasePlan> = plan.addons.iter().flat_map(|a| &a.releases).collect();
    for id in plan.release_order.iter().flatten() {
        let Some(release) = all.iter().find(|r| &r.id == id) else { continue };
        let mut objects = Vec::new();
        if let Some(chart) = charts.iter().find(|c| &c.release == id) {
            let manifests = chart.crds.iter().chain(&chart.manifests).chain(chart.hooks.iter().map(|h| &h.manifest));
            for m in manifests {
                if let Some(mut object) = Object::from_yaml(&m.content, m.source.clone())? {
                    object.create_only = chart.is_generated(m);
                    objects.push(object);
                }
            }
        }
        for (i, value) in release.objects.iter().enumerate() {
            objects.push(Object::new(value.clone(), format!("{id} object {}", i + 1))?);
        }
        for object in &objects {
            if let Some(target) = dataplat_kube::manifest::autoscaler_target(object, &release.namespace) {
                out.autoscaled.insert(target);
            }
        }
        let checks = release
            .health_checks
            .iter()
            .map(|h| Check {
                object: ObjectRef {
                    api_version: h.api_version.clone(),
                    kind: h.kind.clone(),
                    namespace: h.namespace.clone(),
                    name: h.name.clone(),
                },
                json_path: h.json_path.clone(),
                expected: h.expected.clone(),
                timeout_seconds: u64::from(h.timeout_seconds),
            })
            .collect();
        out.releases.push(Release {
            id: id.clone(),
            platform: platform.to_string(),
            namespace: release.namespace.clone(),
            objects,
            checks,
            depends_on: release.depends_on.clone(),
        });
    }
    Ok(out)
}
