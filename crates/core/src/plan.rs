//! The merged plan: what `up` would create, as data (`plan -o json|yaml`, `render`).

use std::collections::BTreeMap;

use crate::model::{
    Endpoint, GeneratedSecret, HealthCheck, IamGrant, LifecycleRule, NodePoolRequest, Note, PodIdentity,
};
use dataplat_plugin::Origin;
use serde::Serialize;

/// Everything the platform needs, addon by addon, plus the order releases are applied in.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub platform: PlatformSummary,
    /// Enabled addons in planning (dependency) order.
    pub addons: Vec<AddonEntry>,
    /// Releases (`addon/release`) in waves: a release depends only on releases of earlier waves,
    /// so each wave can be applied concurrently.
    pub release_order: Vec<Vec<String>>,
}

/// The platform-wide settings the plan was made for.
#[derive(Debug, Clone, Serialize)]
pub struct PlatformSummary {
    pub name: String,
    pub region: String,
    pub deployment_id: String,
    pub kubernetes_version: String,
    pub vpc_cidr: String,
    pub tags: BTreeMap<String, String>,
    /// The EKS cluster, its NAT gateways and its core node group.
    pub cluster: dataplat_config::ClusterSettings,
}

/// One enabled addon's declarations, checked and resolved.
#[derive(Debug, Clone, Serialize)]
pub struct AddonEntry {
    pub name: String,
    pub version: String,
    pub source: Origin,
    pub digest: String,
    /// The addon's flags that are on.
    pub flags: Vec<String>,
    pub releases: Vec<ReleasePlan>,
    pub buckets: Vec<BucketPlan>,
    pub grants: Vec<IamGrant>,
    pub pod_identities: Vec<PodIdentity>,
    pub node_pools: Vec<NodePoolRequest>,
    pub endpoints: Vec<Endpoint>,
    /// Secrets the host generates once (names and keys only; values never leave the cluster).
    pub secrets: Vec<GeneratedSecret>,
    pub notes: Vec<Note>,
    /// Warnings the plugin's validate() returned.
    pub warnings: Vec<String>,
}

/// A release with its objects parsed and its dependencies qualified.
#[derive(Debug, Clone, Serialize)]
pub struct ReleasePlan {
    /// `addon/release`.
    pub id: String,
    pub name: String,
    pub namespace: String,
    pub chart: Option<ChartPlan>,
    pub objects: Vec<serde_json::Value>,
    pub health_checks: Vec<HealthCheck>,
    /// Qualified ids (`addon/release`) that must be healthy first.
    pub depends_on: Vec<String>,
}

/// A chart reference with parsed values (rendered in-process by the helm layer at apply time).
#[derive(Debug, Clone, Serialize)]
pub struct ChartPlan {
    pub repository: String,
    pub chart: String,
    pub version: String,
    pub values: serde_json::Value,
}

/// A bucket with the physical name the cloud layer will create.
#[derive(Debug, Clone, Serialize)]
pub struct BucketPlan {
    pub id: String,
    /// Globally unique S3 name derived from platform, addon, id and deployment id.
    pub name: String,
    pub purpose: String,
    pub versioning: bool,
    pub lifecycle_rules: Vec<LifecycleRule>,
    pub holds_data: bool,
}

impl AddonEntry {
    /// An entry the core adds itself (the base platform, Karpenter): built in, no flags and no
    /// cloud declarations of its own, only releases and notes.
    pub fn of_core(name: &str, version: &str, releases: Vec<ReleasePlan>, notes: Vec<Note>) -> AddonEntry {
        AddonEntry {
            name: name.to_owned(),
            version: version.to_owned(),
            source: Origin::Builtin,
            digest: String::new(),
            flags: Vec::new(),
            releases,
            buckets: Vec::new(),
            grants: Vec::new(),
            pod_identities: Vec::new(),
            node_pools: Vec::new(),
            endpoints: Vec::new(),
            secrets: Vec::new(),
            notes,
            warnings: Vec::new(),
        }
    }
}

impl Plan {
    /// The bucket a grant of addon `addon` refers to: one of its own by id, or another addon's
    /// (the core's included) by `<addon>/<id>`.
    pub fn bucket(&self, addon: &str, reference: &str) -> Option<&BucketPlan> {
        let (owner, id) = reference.split_once('/').unwrap_or((addon, reference));
        self.addons.iter().find(|a| a.name == owner)?.buckets.iter().find(|b| b.id == id)
    }

    /// Number of Kubernetes objects declared directly (charts not rendered).
    pub fn object_count(&self) -> usize {
        self.addons.iter().flat_map(|a| &a.releases).map(|r| r.objects.len()).sum()
    }
}

/// The S3 name of an addon bucket: `<platform>-<addon>-<id>-<deployment id>`, lowercase, `_` as
/// `-`; names over 63 characters keep their start and end an 8-hex digest of the whole.
pub fn bucket_name(platform: &str, addon: &str, id: &str, deployment_id: &str) -> String {
    let full = format!("{platform}-{addon}-{id}-{deployment_id}").to_ascii_lowercase().replace('_', "-");
    if full.len() <= 63 {
        return full;
    }
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(full.as_bytes()));
    let tail = format!("-{}-{}", &digest[..8], deployment_id.to_ascii_lowercase());
    let head: String = full.chars().take(63 - tail.len()).collect();
    format!("{}{tail}", head.trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::bucket_name;

    #[test]
    fn bucket_names_are_valid_s3_names() {
        assert_eq!(bucket_name("trino-v2", "trino", "exchange", "Ab3dE9xZ"), "trino-v2-trino-exchange-ab3de9xz");
        let long = bucket_name("a-very-long-platform-name-indeed", "spark_history_server", "event-logs", "Ab3dE9xZ");
        assert!(long.len() <= 63, "{long}");
        assert!(long.ends_with("-ab3de9xz"));
        assert!(long.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        assert_ne!(
            long,
            bucket_name("a-very-long-platform-name-indeed", "spark_history_server", "event-logz", "Ab3dE9xZ")
        );
    }
}
