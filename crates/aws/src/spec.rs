//! [`CloudSpec`]: everything the cloud layer makes for one platform, in the cloud layer's own
//! terms. The composer's plan is translated into it by the orchestration layer
//! (`dataplat-lifecycle`), so this crate knows neither the composer nor the plugin contract.

use std::collections::BTreeMap;

use crate::templates::iam::GrantRole;
use crate::templates::network::NatMode;
use crate::templates::storage::{BucketSpec, Encryption};

/// Settings of the cloud layer from platform.yaml's `cluster:` block, plus the bucket
/// encryption, which platform.yaml does not carry (SSE-S3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudOptions {
    pub nat: NatMode,
    pub encryption: Encryption,
    pub core_instance_types: Vec<String>,
    pub core_min: i32,
    pub core_desired: i32,
    pub core_max: i32,
    pub core_disk_gib: i32,
    pub log_types: Vec<String>,
    pub endpoint_public_access: bool,
    pub public_access_cidrs: Vec<String>,
    pub secrets_key_arn: Option<String>,
}

impl CloudOptions {
    /// The reference's cluster: the core node group on m6a.xlarge, 4 nodes (up to 8), 100 GiB
    /// disks; one NAT gateway; every control-plane log type; public and private endpoint; SSE-S3
    /// buckets. What an absent `cluster:` block gives (a lifecycle test holds the two together).
    pub fn reference() -> CloudOptions {
        CloudOptions {
            nat: NatMode::Single,
            encryption: Encryption::S3Managed,
            core_instance_types: vec!["m6a.xlarge".into()],
            core_min: 4,
            core_desired: 4,
            core_max: 8,
            core_disk_gib: 100,
            log_types: dataplat_vocabulary::CONTROL_PLANE_LOG_TYPES.iter().map(|t| t.to_string()).collect(),
            endpoint_public_access: true,
            public_access_cidrs: Vec::new(),
            secrets_key_arn: None,
        }
    }
}

/// A pod identity association an addon asks for: the service account and the addon grant whose
/// role it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodIdentityRequest {
    pub namespace: String,
    pub service_account: String,
    pub addon: String,
    pub grant: String,
}

/// A NodePool pinned to one zone, which the network must span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedPool {
    pub addon: String,
    pub pool: String,
    /// The full zone name (`us-west-2a`).
    pub zone: String,
}

/// Everything the cloud layer makes for one platform.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudSpec {
    /// The platform name: the EKS cluster name and the prefix of every AWS resource name.
    pub platform: String,
    pub region: String,
    /// The deployment id every resource is tagged with.
    pub deployment_id: String,
    pub kubernetes_version: String,
    pub vpc_cidr: String,
    /// The user's tags (the dataplat tags are added to them).
    pub tags: BTreeMap<String, String>,
    pub options: CloudOptions,
    /// The addons' buckets, under their physical names.
    pub buckets: Vec<BucketSpec>,
    /// The addons' grants, their resources resolved to ARNs.
    pub grants: Vec<GrantRole>,
    pub pod_identities: Vec<PodIdentityRequest>,
    pub pinned_pools: Vec<PinnedPool>,
    /// The AWS Load Balancer Controller runs in the cluster: it gets its role and association.
    pub load_balancer_controller: bool,
    /// The alias of the platform's AMP workspace, when an addon refers to it.
    pub amp_workspace: Option<String>,
}

impl CloudSpec {
    /// A spec with no addon declarations (buckets, grants, identities, pins) and no optional
    /// component: what every platform has.
    pub fn new(
        platform: impl Into<String>,
        region: impl Into<String>,
        deployment_id: impl Into<String>,
        options: CloudOptions,
    ) -> CloudSpec {
        CloudSpec {
            platform: platform.into(),
            region: region.into(),
            deployment_id: deployment_id.into(),
            kubernetes_version: "1.34".into(),
            vpc_cidr: "10.0.0.0/16".into(),
            tags: BTreeMap::new(),
            options,
            buckets: Vec::new(),
            grants: Vec::new(),
            pod_identities: Vec::new(),
            pinned_pools: Vec::new(),
            load_balancer_controller: false,
            amp_workspace: None,
        }
    }
}
