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
            if let Some(target) = autoscaler_target(object, &release.namespace) {
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

/// `(namespace, kind, name)` of the workload a ScaledObject or HorizontalPodAutoscaler scales.
fn autoscaler_target(object: &Object, default_namespace: &str) -> Option<(String, String, String)> {
    let scaler = matches!(
        (object.kind(), dataplat_kube::manifest::group_of(object.api_version())),
        ("ScaledObject", "keda.sh") | ("HorizontalPodAutoscaler", "autoscaling")
    );
    if !scaler {
        return None;
    }
    let target = &object.value["spec"]["scaleTargetRef"];
    let name = target["name"].as_str()?;
    let kind = target["kind"].as_str().unwrap_or("Deployment");
    let namespace = object.namespace().unwrap_or(default_namespace);
    Some((namespace.to_string(), kind.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scaled_objects_and_hpas_name_their_targets() {
        let so = Object::new(
            json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "w"},
                "spec": {"scaleTargetRef": {"name": "trino-worker"}}}),
            "t",
        )
        .unwrap();
        assert_eq!(autoscaler_target(&so, "trino"), Some(("trino".into(), "Deployment".into(), "trino-worker".into())));
        let hpa = Object::new(
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h", "namespace": "x"},
                "spec": {"scaleTargetRef": {"kind": "StatefulSet", "name": "s"}}}),
            "t",
        )
        .unwrap();
        assert_eq!(autoscaler_target(&hpa, "y"), Some(("x".into(), "StatefulSet".into(), "s".into())));
        let cm = Object::new(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}), "t").unwrap();
        assert_eq!(autoscaler_target(&cm, "y"), None);
    }
}
