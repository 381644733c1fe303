//! The plan as releases for the applier ([`kube_releases`]): each release's chart objects (CRDs,
//! manifests, hooks) and declared objects, its health checks and dependencies; objects a chart
//! generates at render time are created once and never updated; workloads a ScaledObject or an
//! HPA of the plan targets are marked so their replicas are never sent.
//!
//! The base platform's StorageClass is create-only too (see [`crate::base`]).
//!
//! The Secrets an addon declares (`generated-secret` in the contract: Grafana's admin login,
//! Superset's secret key) join the addon's first release in apply order as create-only objects:
//! their random values are drawn here, on every call, and sent only when the Secret does not
//! exist yet, so the cluster keeps the first ones and they never appear in a plan or a render.

use std::collections::BTreeSet;

use dataplat_kube::apply::Release;
use dataplat_kube::health::Check;
use dataplat_kube::manifest::ManifestError;
use dataplat_kube::{Object, ObjectRef};

use crate::Plan;
use crate::charts::RenderedChart;

/// Whether Helm deletes a hook before creating it again: its delete policies name
/// `before-hook-creation`, or name none (Helm's default).
fn recreated_before_creation(hook: &helm::render::Hook) -> bool {
    hook.delete_policies.is_empty() || hook.delete_policies.iter().any(|p| p == "before-hook-creation")
}

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
    let mut secrets_placed = BTreeSet::new();
    for id in plan.release_order.iter().flatten() {
        let Some(release) = all.iter().find(|r| &r.id == id) else { continue };
        let mut objects = Vec::new();
        if let Some(addon) = plan.addons.iter().find(|a| a.releases.iter().any(|r| &r.id == id))
            && secrets_placed.insert(addon.name.clone())
        {
            for secret in &addon.secrets {
                objects.push(generated_secret(&addon.name, secret)?);
            }
        }
        if let Some(chart) = charts.iter().find(|c| &c.release == id) {
            // A hook is deleted before it is created again unless its delete policies say
            // otherwise (Helm's default, `before-hook-creation`): here, when a change touches an
            // immutable field.
            let manifests = chart
                .crds
                .iter()
                .chain(&chart.manifests)
                .map(|m| (m, false))
                .chain(chart.hooks.iter().map(|h| (&h.manifest, recreated_before_creation(h))));
            for (m, recreated) in manifests {
                if let Some(mut object) = Object::from_yaml(&m.content, m.source.clone())? {
                    object.create_only = chart.is_generated(m);
                    object.replace_immutable = recreated;
                    objects.push(object);
                }
            }
        }
        for (i, value) in release.objects.iter().enumerate() {
            let mut object = Object::new(value.clone(), format!("{id} object {}", i + 1))?;
            // The default StorageClass is created when absent and never updated: its parameters
            // are immutable, and a cluster `apply` did not create may have a `gp3` class already.
            object.create_only = id == crate::base::STORAGE_RELEASE;
            objects.push(object);
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

/// The letters of generated values: `[A-Za-z0-9]`, as the contract promises.
const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `length` characters of [`ALPHANUMERIC`] from the operating system's random source, unbiased
/// (bytes at or above 248 = 4 * 62 are drawn again).
pub fn random_alphanumeric(length: usize) -> Result<String, getrandom::Error> {
    let mut out = String::with_capacity(length);
    let mut buffer = [0u8; 64];
    while out.len() < length {
        getrandom::fill(&mut buffer)?;
        for b in buffer {
            if out.len() == length {
                break;
            }
            if usize::from(b) < 4 * ALPHANUMERIC.len() {
                out.push(char::from(ALPHANUMERIC[usize::from(b) % ALPHANUMERIC.len()]));
            }
        }
    }
    Ok(out)
}

/// A declared Secret as a create-only object with freshly drawn values.
fn generated_secret(addon: &str, secret: &crate::model::GeneratedSecret) -> Result<Object, ManifestError> {
    let source = format!("{addon} secret {}/{}", secret.namespace, secret.name);
    let mut data = serde_json::Map::new();
    for (key, value) in &secret.fixed {
        data.insert(key.clone(), serde_json::Value::String(value.clone()));
    }
    for key in &secret.random_keys {
        let length = usize::try_from(secret.length).unwrap_or(usize::MAX);
        let value = random_alphanumeric(length).map_err(|e| ManifestError {
            origin: source.clone(),
            message: format!("cannot draw random bytes for key {key}: {e}"),
        })?;
        data.insert(key.clone(), serde_json::Value::String(value));
    }
    let value = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret.name,
            "namespace": secret.namespace,
            "labels": {"app.kubernetes.io/managed-by": dataplat_vocabulary::TOOL, "dataplat.io/addon": addon},
        },
        "type": "Opaque",
        "stringData": data,
    });
    let mut object = Object::new(value, source)?;
    object.create_only = true;
    Ok(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(policies: &[&str]) -> helm::render::Hook {
        helm::render::Hook {
            manifest: helm::render::Manifest {
                source: "c/templates/job.yaml".into(),
                content: String::new(),
                api_version: "batch/v1".into(),
                kind: "Job".into(),
                name: "j".into(),
            },
            events: vec!["post-install".into()],
            weight: 0,
            delete_policies: policies.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn hooks_are_recreated_unless_their_policies_leave_out_before_hook_creation() {
        assert!(recreated_before_creation(&hook(&[])), "Helm's default");
        assert!(recreated_before_creation(&hook(&["before-hook-creation", "hook-succeeded"])));
        assert!(!recreated_before_creation(&hook(&["hook-succeeded"])));
        assert!(!recreated_before_creation(&hook(&["hook-failed"])));
    }
}
