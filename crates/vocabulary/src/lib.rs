//! The names every layer of kubectl-dataplat shares, stated once.
//!
//! The composer (`dataplat-core`), the cloud layer (`dataplat-aws`), the applier
//! (`dataplat-kube`) and the binary all meet on these: the tags that mark a platform's AWS
//! resources, the labels and field manager on its Kubernetes objects, the core node group and
//! its pool label, the identities of the controllers the core installs (Karpenter, the AWS Load
//! Balancer Controller), and the values the cloud layer hands to the cluster layer. This crate
//! depends on nothing of ours, so any layer can use it without pulling in another.

use serde::Serialize;

/// The tag (and label) naming the platform a resource belongs to.
pub const PLATFORM_TAG: &str = "dataplat.io/platform";
/// The tag marking every AWS resource of one deployment of a platform: what `down`'s sweep looks
/// for.
pub const DEPLOYMENT_ID_TAG: &str = "dataplat.io/deployment-id";

/// The tool's name: the server-side apply field manager, `app.kubernetes.io/managed-by`, the
/// kubeconfig exec command, the STS session name.
pub const TOOL: &str = "kubectl-dataplat";

/// The node label every system controller selects: the core managed node group's nodes carry it,
/// and NodePools never do.
pub const CORE_POOL_LABEL: (&str, &str) = ("dataplat.io/pool", "core");

/// The core managed node group's name and the labels of its nodes (the pool label, plus the
/// reference's own labels).
pub const CORE_NODE_GROUP: &str = "core";
pub const CORE_NODE_LABELS: [(&str, &str); 3] =
    [CORE_POOL_LABEL, ("NodeGroupType", "core"), ("WorkerType", "ON_DEMAND")];

/// The EKS managed add-ons the cloud layer installs on every cluster, in install order (what the
/// readiness analysis counts on).
pub const EKS_MANAGED_ADDONS: [&str; 5] =
    ["vpc-cni", "eks-pod-identity-agent", "kube-proxy", "coredns", "aws-ebs-csi-driver"];

/// The EKS control-plane log types (all of them are on by default).
pub const CONTROL_PLANE_LOG_TYPES: [&str; 5] = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/// Karpenter's controller: namespace and service account (its EKS Pod Identity association names
/// them).
pub const KARPENTER_NAMESPACE: &str = "karpenter";
pub const KARPENTER_SERVICE_ACCOUNT: &str = "karpenter";

/// The AWS Load Balancer Controller's namespace and service account.
pub const LOAD_BALANCER_CONTROLLER_NAMESPACE: &str = "kube-system";
pub const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT: &str = "aws-load-balancer-controller";

/// Karpenter's interruption queue: `Karpenter-<platform>` (platform names are at most 63
/// characters, SQS names 80).
pub fn interruption_queue_name(platform: &str) -> String {
    format!("Karpenter-{platform}")
}

/// The IAM role of Karpenter-launched nodes: `<platform>-karpenter-node`. IAM role names are at
/// most 64 characters; a longer result keeps its start and gets an 8-hex digest of the platform
/// name before the suffix, so it stays unique and stable.
pub fn karpenter_node_role_name(platform: &str) -> String {
    const SUFFIX: &str = "-karpenter-node";
    let full = format!("{platform}{SUFFIX}");
    if full.len() <= 64 {
        return full;
    }
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(platform.as_bytes()));
    let tail = format!("-{}{SUFFIX}", &digest[..8]);
    let head: String = platform.chars().take(64 - tail.len()).collect();
    format!("{}{tail}", head.trim_end_matches('-'))
}

/// The API version of Karpenter's NodePool and NodeClaim.
pub const KARPENTER_API_VERSION: &str = "karpenter.sh/v1";
/// The API version of Karpenter's AWS node class (EC2NodeClass).
pub const KARPENTER_AWS_API_VERSION: &str = "karpenter.k8s.aws/v1";

/// Annotation of a ConfigMap whose contents its pods pass on to other pods rather than use
/// themselves (the Spark operator's defaults, which its controller hands to the drivers it
/// submits), or of a pod template whose mounted ConfigMaps all are (the Flink operator's default
/// configuration, a chart's ConfigMap); the value says to whom. The readiness analysis does not
/// take the bucket names in them for the mounting pods' own AWS use.
pub const PASSED_ON_ANNOTATION: &str = "dataplat.io/passed-on-to";

/// Annotation of a Secret whose data the applier copies from a live Secret, `<namespace>/<name>`,
/// when the copy's release is applied (after the releases it depends on): how an addon gets
/// another addon's generated credentials or CA into its own namespace. Its values are never
/// rendered, planned or printed.
pub const COPY_OF_ANNOTATION: &str = "dataplat.io/copy-of";
/// With [`COPY_OF_ANNOTATION`]: the keys to copy, comma-separated (all when absent), so a client
/// gets the credentials it needs and nothing else of the source.
pub const COPY_KEYS_ANNOTATION: &str = "dataplat.io/copy-keys";

/// The platform's data bucket, owned by the core and grantable to any addon: `core/data` in a
/// grant's bucket reference or a `${bucket:core/data}` placeholder. It is the shared warehouse
/// (the tables of the platform's Glue databases), where Spark writes its event logs when no
/// history server has its own bucket, and where teams keep their data; it holds data, so
/// `down --keep-data` keeps it, and disabling an addon never removes it.
pub const PLATFORM_DATA_BUCKET: &str = "core/data";

/// The prefix of the platform's Glue databases: the platform name in lowercase with `-` as `_`,
/// then `_` (`trino-on-eks` -> `trino_on_eks_`). Grants give Glue access to databases with this
/// prefix and their tables only, never to every database of the account.
pub fn glue_database_prefix(platform: &str) -> String {
    format!("{}_", platform.to_ascii_lowercase().replace('-', "_"))
}

/// Whether `name` can name an addon: a lowercase letter, then lowercase letters, digits and `_`
/// (it becomes the flag `enable_<name>` and the platform.yaml block `<name>:`).
pub fn is_addon_name(name: &str) -> bool {
    name.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The cache of compiled plugins, pulled artifacts and charts: `$DATAPLAT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/kubectl-dataplat`, else `~/.cache/kubectl-dataplat`.
pub fn default_cache_dir() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    if let Some(dir) = std::env::var_os("DATAPLAT_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join(TOOL));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join(TOOL))
}

/// The availability zone a `single_zone` pool is pinned to: the zone the addon asked for
/// (`<region><suffix>`), else `<region>a`.
pub fn single_zone(region: &str, zone: Option<&str>) -> String {
    format!("{region}{}", zone.unwrap_or("a"))
}

/// What the cloud layer hands to the cluster layer once it has run: values addons refer to by
/// placeholder (`dataplat_core::cloud_values`), as far as they are known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CloudValues {
    /// The id (`ws-…`) of the AMP workspace `up` created for the platform.
    pub amp_workspace_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_platform_names_give_bounded_stable_role_names() {
        assert_eq!(karpenter_node_role_name("trino-v2"), "trino-v2-karpenter-node");
        let long = "a".repeat(63);
        let name = karpenter_node_role_name(&long);
        assert!(name.len() <= 64 && name.ends_with("-karpenter-node"), "{name}");
        assert_eq!(name, karpenter_node_role_name(&long), "stable");
        assert_ne!(name, karpenter_node_role_name(&"a".repeat(62)), "unique");
    }

    #[test]
    fn glue_database_prefixes_are_glue_names() {
        assert_eq!(glue_database_prefix("trino-on-eks"), "trino_on_eks_");
        assert_eq!(glue_database_prefix("Data2"), "data2_");
    }
}
