//! Karpenter v1 objects from the addons' NodePool requests (the core owns Karpenter).
//!
//! Each [`NodePoolRequest`] becomes one `karpenter.sh/v1` NodePool and one
//! `karpenter.k8s.aws/v1` EC2NodeClass of the same name (a class per pool, because the root
//! volume size is per request). Field names, enums and formats follow the Karpenter v1 CRDs
//! (`karpenter.sh_nodepools.yaml`, `karpenter.k8s.aws_ec2nodeclasses.yaml` of
//! aws/karpenter-provider-aws); `crates/core/tests/api_models.rs` checks every object against
//! models of those schemas.
//!
//! Choices made here, deliberately:
//! - **Zone.** A `single_zone` request is pinned to the zone it names (`zone: "b"` ->
//!   `<region>b`, the zone the addon pins its own pods to), else to `<region>a`,
//!   deterministically. `up` and `plan` check against the account's zones that every pinned zone
//!   is one the network spans (the region's first three by name, as `Fn::GetAZs` lists them)
//!   before anything is created (`dataplat_aws::cloud::check_pinned_zones`).
//! - **Node role.** Every EC2NodeClass names the IAM role `<platform>-karpenter-node`
//!   ([`karpenter_node_role_name`]), created by the cloud layer with the Karpenter controller
//!   (issue 7). `role` is immutable on an EC2NodeClass, so the name must never change.
//! - **Discovery.** Subnets and security groups are selected by the tag
//!   `karpenter.sh/discovery: <cluster name>` (the cluster is named after the platform).
//! - **AMI.** `al2023@latest` for now; every new AMI drifts the nodes (pinning comes with upgrades).
//! - **Instance metadata.** IMDSv2 only, hop limit 1: pods never reach the node's role; they get
//!   AWS credentials from EKS Pod Identity.
//! - **Expiry.** `expireAfter` from the request's `expire_after_hours` (the SDK's default is
//!   Karpenter's 720h, written out so the plan says it); 0 is `Never`, for nodes whose pods cannot
//!   move without harm (Trino's coordinator): expiry is forceful and ignores do-not-disrupt.
//! - **Tags.** The user's tags plus `dataplat.io/platform` and `dataplat.io/deployment-id`, so the
//!   instances, volumes and launch templates Karpenter creates are found by `down`'s orphan sweep.

use std::collections::BTreeMap;

use crate::model::{CapacityType, Consolidation, NodePoolRequest, TaintEffect};
use serde_json::{Value, json};

use crate::model::Note;

use crate::plan::{AddonEntry, ChartPlan, Plan, PlatformSummary, ReleasePlan};

/// The API version of NodePool.
pub const NODE_POOL_API_VERSION: &str = dataplat_vocabulary::KARPENTER_API_VERSION;
/// The API group and version of EC2NodeClass.
pub const NODE_CLASS_GROUP: &str = "karpenter.k8s.aws";
pub const NODE_CLASS_API_VERSION: &str = dataplat_vocabulary::KARPENTER_AWS_API_VERSION;
/// The AMI every node class selects (Amazon Linux 2023, EKS optimized).
pub const AMI_ALIAS: &str = "al2023@latest";
/// The tag subnets and security groups carry for Karpenter to find them.
pub const DISCOVERY_TAG: &str = "karpenter.sh/discovery";

/// The label of the core managed node group's nodes, which every system controller selects
/// (the SDK's `CORE_NODE_SELECTOR` for plugins; Karpenter's controller here).
pub use dataplat_vocabulary::CORE_POOL_LABEL;

/// The plan entry the core adds for Karpenter when an addon requests capacity.
pub const KARPENTER: &str = "karpenter";
/// The controller's release: the upstream chart.
pub const KARPENTER_CONTROLLER_RELEASE: &str = "karpenter/karpenter";
/// The release of every NodePool and EC2NodeClass, after the controller (and so its CRDs).
pub const KARPENTER_NODE_POOLS_RELEASE: &str = "karpenter/node-pools";
/// Where the controller's chart comes from (pulled anonymously) and its pinned version.
pub const KARPENTER_CHART_REPOSITORY: &str = "oci://public.ecr.aws/karpenter";
pub const KARPENTER_CHART: &str = "karpenter";
pub const KARPENTER_CHART_VERSION: &str = "1.14.1";
pub use dataplat_vocabulary::{
    KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT, interruption_queue_name, karpenter_node_role_name, single_zone,
};

/// The controller's chart values: the cluster and the interruption queue, the service account the
/// pod identity association names, on the core nodes (never on nodes it launches itself).
pub fn controller_values(platform: &PlatformSummary) -> Value {
    json!({
        "settings": {
            "clusterName": platform.name,
            "interruptionQueue": interruption_queue_name(&platform.name),
        },
        "serviceAccount": {"create": true, "name": KARPENTER_SERVICE_ACCOUNT},
        "nodeSelector": {CORE_POOL_LABEL.0: CORE_POOL_LABEL.1},
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
        "controller": {"resources": {
            "requests": {"cpu": "1", "memory": "1Gi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        }},
    })
}

/// The core's entry for `addons` (those of a plan being composed): the controller release and the
/// NodePools release holding the EC2NodeClass and NodePool of every request, classes first.
pub fn core_entry(platform: &PlatformSummary, addons: &[AddonEntry]) -> Result<AddonEntry, NodePoolError> {
    let mut objects = Vec::new();
    let mut pools = 0;
    for addon in addons {
        for request in &addon.node_pools {
            let pool = karpenter_pool(platform, &addon.name, request)?;
            objects.push(pool.node_class);
            objects.push(pool.node_pool);
            pools += 1;
        }
    }
    let release = |name: &str, chart: Option<ChartPlan>, objects: Vec<Value>, depends_on: Vec<String>| ReleasePlan {
        id: format!("{KARPENTER}/{name}"),
        name: name.to_owned(),
        namespace: KARPENTER_NAMESPACE.to_owned(),
        chart,
        objects,
        health_checks: Vec::new(),
        depends_on,
    };
    let chart = ChartPlan {
        repository: KARPENTER_CHART_REPOSITORY.to_owned(),
        chart: KARPENTER_CHART.to_owned(),
        version: KARPENTER_CHART_VERSION.to_owned(),
        values: controller_values(platform),
    };
    let releases = vec![
        release(
            KARPENTER_CHART,
            Some(chart),
            vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": KARPENTER_NAMESPACE}})],
            Vec::new(),
        ),
        release("node-pools", None, objects, vec![KARPENTER_CONTROLLER_RELEASE.to_owned()]),
    ];
    let note = Note {
        topic: "capacity".into(),
        text: format!(
            "Karpenter {KARPENTER_CHART_VERSION} runs on the core nodes (namespace {KARPENTER_NAMESPACE}, interruption queue {}); \
             {pools} NodePool(s) the addons asked for are applied after it, and their addons after them",
            interruption_queue_name(&platform.name)
        ),
    };
    Ok(AddonEntry::of_core(KARPENTER, KARPENTER_CHART_VERSION, releases, vec![note]))
}

/// The Karpenter objects of one NodePool request.
#[derive(Debug, Clone, PartialEq)]
pub struct KarpenterPool {
    /// The addon that requested the pool.
    pub addon: String,
    /// The NodePool (and EC2NodeClass) name.
    pub name: String,
    /// `karpenter.sh/v1` NodePool.
    pub node_pool: Value,
    /// `karpenter.k8s.aws/v1` EC2NodeClass.
    pub node_class: Value,
}

/// Why a NodePool request cannot become Karpenter objects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("NodePool `{pool}` of addon `{addon}`: {message}")]
pub struct NodePoolError {
    pub addon: String,
    pub pool: String,
    pub message: String,
}

impl Plan {
    /// The NodePool and EC2NodeClass of every NodePool request, addon by addon in planning
    /// order. Fails on a request Karpenter would refuse (a restricted label domain, a weight
    /// outside 1..=100, an invalid name...), naming the addon and the pool.
    pub fn karpenter_objects(&self) -> Result<Vec<KarpenterPool>, NodePoolError> {
        let mut pools = Vec::new();
        for addon in &self.addons {
            for request in &addon.node_pools {
                pools.push(karpenter_pool(&self.platform, &addon.name, request)?);
            }
        }
        Ok(pools)
    }
}

/// The NodePool and EC2NodeClass for one request of `addon`.
pub fn karpenter_pool(
    platform: &PlatformSummary,
    addon: &str,
    request: &NodePoolRequest,
) -> Result<KarpenterPool, NodePoolError> {
    check_request(addon, request)?;
    Ok(KarpenterPool {
        addon: addon.to_string(),
        name: request.name.clone(),
        node_pool: node_pool(platform, addon, request),
        node_class: node_class(platform, addon, request),
    })
}

/// A Karpenter duration (`^(([0-9]+(s|m|h))+|Never)$`) for whole seconds: `0s`, `45s`, `10m`,
/// `1h30m`.
pub fn duration(seconds: u32) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut out = String::new();
    for (value, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if value > 0 {
            out.push_str(&format!("{value}{unit}"));
        }
    }
    out
}

fn capacity_type(capacity: &CapacityType) -> &'static str {
    match capacity {
        CapacityType::OnDemand => "on-demand",
        CapacityType::Spot => "spot",
    }
}

fn consolidation_policy(consolidation: &Consolidation) -> &'static str {
    match consolidation {
        Consolidation::WhenEmpty => "WhenEmpty",
        Consolidation::WhenEmptyOrUnderutilized => "WhenEmptyOrUnderutilized",
    }
}

fn taint_effect(effect: &TaintEffect) -> &'static str {
    match effect {
        TaintEffect::NoSchedule => "NoSchedule",
        TaintEffect::PreferNoSchedule => "PreferNoSchedule",
        TaintEffect::NoExecute => "NoExecute",
    }
}

/// Labels on the NodePool and EC2NodeClass objects themselves (not on the nodes).
fn object_labels(addon: &str) -> Value {
    json!({"app.kubernetes.io/managed-by": dataplat_vocabulary::TOOL, "dataplat.io/addon": addon})
}

fn requirement(key: &str, values: &[String]) -> Value {
    json!({"key": key, "operator": "In", "values": values})
}

fn node_pool(platform: &PlatformSummary, addon: &str, request: &NodePoolRequest) -> Value {
    let mut requirements = Vec::new();
    if !request.capacity_types.is_empty() {
        let types: Vec<String> = request.capacity_types.iter().map(|c| capacity_type(c).to_string()).collect();
        requirements.push(requirement("karpenter.sh/capacity-type", &types));
    }
    if !request.architectures.is_empty() {
        requirements.push(requirement("kubernetes.io/arch", &request.architectures));
    }
    if !request.instance_families.is_empty() {
        requirements.push(requirement("karpenter.k8s.aws/instance-family", &request.instance_families));
    }
    if !request.instance_types.is_empty() {
        requirements.push(requirement("node.kubernetes.io/instance-type", &request.instance_types));
    }
    if request.single_zone {
        requirements.push(requirement(
            "topology.kubernetes.io/zone",
            &[single_zone(&platform.region, request.zone.as_deref())],
        ));
    }
    let mut template_spec = json!({
        "nodeClassRef": {"group": NODE_CLASS_GROUP, "kind": "EC2NodeClass", "name": request.name},
        "requirements": requirements,
        "expireAfter": if request.expire_after_hours == 0 {
            "Never".to_string()
        } else {
            duration(request.expire_after_hours.saturating_mul(3600))
        },
    });
    if !request.taints.is_empty() {
        let taints: Vec<Value> = request
            .taints
            .iter()
            .map(|t| json!({"key": t.key, "value": t.value, "effect": taint_effect(&t.effect)}))
            .collect();
        template_spec["taints"] = json!(taints);
    }
    let mut template = serde_json::Map::new();
    if !request.labels.is_empty() {
        let labels: BTreeMap<&str, &str> = request.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        template.insert("metadata".into(), json!({"labels": labels}));
    }
    template.insert("spec".into(), template_spec);
    let mut spec = json!({
        "template": template,
        "disruption": {
            "consolidationPolicy": consolidation_policy(&request.consolidation),
            "consolidateAfter": duration(request.consolidate_after_seconds),
        },
    });
    let mut limits = serde_json::Map::new();
    if let Some(cpu) = request.limit_cpu {
        limits.insert("cpu".into(), json!(cpu.to_string()));
    }
    if let Some(memory) = request.limit_memory_gib {
        limits.insert("memory".into(), json!(format!("{memory}Gi")));
    }
    if !limits.is_empty() {
        spec["limits"] = Value::Object(limits);
    }
    if let Some(weight) = request.weight {
        spec["weight"] = json!(weight);
    }
    json!({
        "apiVersion": NODE_POOL_API_VERSION,
        "kind": "NodePool",
        "metadata": {"name": request.name, "labels": object_labels(addon)},
        "spec": spec,
    })
}

fn node_class(platform: &PlatformSummary, addon: &str, request: &NodePoolRequest) -> Value {
    let discovery = json!([{"tags": {DISCOVERY_TAG: platform.name}}]);
    let mut tags: BTreeMap<&str, &str> = platform.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    tags.insert(dataplat_vocabulary::PLATFORM_TAG, &platform.name);
    tags.insert(dataplat_vocabulary::DEPLOYMENT_ID_TAG, &platform.deployment_id);
    json!({
        "apiVersion": NODE_CLASS_API_VERSION,
        "kind": "EC2NodeClass",
        "metadata": {"name": request.name, "labels": object_labels(addon)},
        "spec": {
            "amiSelectorTerms": [{"alias": AMI_ALIAS}],
            "role": karpenter_node_role_name(&platform.name),
            "subnetSelectorTerms": discovery,
            "securityGroupSelectorTerms": discovery,
            "blockDeviceMappings": [{
                "deviceName": "/dev/xvda",
                "rootVolume": true,
                "ebs": {
                    "volumeSize": format!("{}Gi", request.root_volume_gib),
                    "volumeType": "gp3",
                    "encrypted": true,
                    "deleteOnTermination": true,
                },
            }],
            "metadataOptions": {
                "httpEndpoint": "enabled",
                "httpProtocolIPv6": "disabled",
                "httpPutResponseHopLimit": 1,
                "httpTokens": "required",
            },
            "tags": tags,
        },
    })
}

/// Label keys Karpenter accepts in the `kubernetes.io`, `k8s.io`, `karpenter.sh` and
/// `karpenter.k8s.aws` domains are few; a plugin label there is refused by the NodePool CRD.
fn restricted_label(key: &str) -> Option<&'static str> {
    let domain = key.split_once('/').map(|(d, _)| d).unwrap_or("");
    if domain.ends_with("kubernetes.io")
        && !domain.ends_with("node.kubernetes.io")
        && !domain.ends_with("node-restriction.kubernetes.io")
    {
        return Some("kubernetes.io");
    }
    if domain.ends_with("k8s.io") && !domain.ends_with("kops.k8s.io") {
        return Some("k8s.io");
    }
    if domain.ends_with("karpenter.sh") {
        return Some("karpenter.sh");
    }
    if domain.ends_with("karpenter.k8s.aws") {
        return Some("karpenter.k8s.aws");
    }
    None
}

/// A DNS-1123 subdomain, as Kubernetes requires of cluster-scoped object names.
fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

/// A label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside.
fn is_label_value(value: &str) -> bool {
    value.len() <= 63
        && (value.is_empty()
            || (value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
                && value.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && value.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())))
}

/// A label or taint key: an optional DNS prefix and `/`, then a name of at most 63 characters.
fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    prefix.is_none_or(is_dns_subdomain) && !name.is_empty() && is_label_value(name)
}

fn check_request(addon: &str, request: &NodePoolRequest) -> Result<(), NodePoolError> {
    let fail = |message: String| NodePoolError { addon: addon.into(), pool: request.name.clone(), message };
    if !is_dns_subdomain(&request.name) || request.name.len() > 63 {
        return Err(fail("the name must be a DNS label: lowercase letters, digits and '-', at most 63".into()));
    }
    for (key, value) in &request.labels {
        if !is_label_key(key) || !is_label_value(value) {
            return Err(fail(format!("label {key}={value} is not a valid Kubernetes label")));
        }
        if let Some(domain) = restricted_label(key) {
            return Err(fail(format!("label {key}: Karpenter refuses labels in the {domain} domain")));
        }
    }
    for taint in &request.taints {
        if !is_label_key(&taint.key) || !is_label_value(&taint.value) {
            return Err(fail(format!("taint {}={} is not a valid Kubernetes taint", taint.key, taint.value)));
        }
    }
    let mut values = request.architectures.iter().chain(&request.instance_families).chain(&request.instance_types);
    if let Some(bad) = values.find(|v| v.is_empty() || !is_label_value(v)) {
        return Err(fail(format!("requirement value {bad:?} is not a valid label value")));
    }
    if let Some(arch) = request.architectures.iter().find(|a| !matches!(a.as_str(), "amd64" | "arm64")) {
        return Err(fail(format!("architecture {arch:?} is neither amd64 nor arm64")));
    }
    if let Some(weight) = request.weight.filter(|w| !(1..=100).contains(w)) {
        return Err(fail(format!("weight {weight} is outside 1..=100")));
    }
    if !(1..=16384).contains(&request.root_volume_gib) {
        return Err(fail(format!("root volume of {} GiB is outside gp3's 1..=16384", request.root_volume_gib)));
    }
    if let Some(zone) = &request.zone {
        if !request.single_zone {
            return Err(fail(format!("zone {zone:?} is set but single_zone is false; set both or neither")));
        }
        if !(zone.len() == 1 && zone.bytes().all(|b| b.is_ascii_lowercase())) {
            return Err(fail(format!("zone {zone:?} is not an availability-zone suffix such as \"a\"")));
        }
    }
    if request.limit_cpu == Some(0) || request.limit_memory_gib == Some(0) {
        return Err(fail("a limit of 0 would never launch a node; leave it unset for no limit".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Taint;

    fn platform() -> PlatformSummary {
        PlatformSummary {
            name: "trino-v2".into(),
            region: "us-west-2".into(),
            deployment_id: "3zOqlHUe".into(),
            kubernetes_version: "1.34".into(),
            vpc_cidr: "10.0.0.0/16".into(),
            tags: BTreeMap::from([("team".to_string(), "data".to_string())]),
            cluster: Default::default(),
        }
    }

    fn request() -> NodePoolRequest {
        NodePoolRequest {
            name: "trino-worker".into(),
            capacity_types: vec![CapacityType::Spot, CapacityType::OnDemand],
            architectures: vec!["arm64".into()],
            instance_families: vec!["r8g".into()],
            instance_types: vec!["r8g.4xlarge".into()],
            single_zone: true,
            zone: None,
            labels: vec![("dataplat.io/pool".into(), "trino-worker".into())],
            taints: vec![Taint {
                key: "dataplat.io/trino-worker".into(),
                value: "true".into(),
                effect: TaintEffect::NoSchedule,
            }],
            consolidation: Consolidation::WhenEmptyOrUnderutilized,
            consolidate_after_seconds: 90,
            limit_cpu: Some(1600),
            limit_memory_gib: Some(12800),
            root_volume_gib: 200,
            weight: Some(50),
            expire_after_hours: 720,
        }
    }

    #[test]
    fn node_pool_carries_every_field_of_the_request() {
        let pool = karpenter_pool(&platform(), "trino", &request()).expect("valid");
        let np = &pool.node_pool;
        assert_eq!(np["apiVersion"], "karpenter.sh/v1");
        let spec = &np["spec"];
        let requirements = spec["template"]["spec"]["requirements"].as_array().expect("requirements");
        let find = |key: &str| requirements.iter().find(|r| r["key"] == key).map(|r| r["values"].clone());
        assert_eq!(find("karpenter.sh/capacity-type"), Some(json!(["spot", "on-demand"])));
        assert_eq!(find("kubernetes.io/arch"), Some(json!(["arm64"])));
        assert_eq!(find("karpenter.k8s.aws/instance-family"), Some(json!(["r8g"])));
        assert_eq!(find("node.kubernetes.io/instance-type"), Some(json!(["r8g.4xlarge"])));
        assert_eq!(find("topology.kubernetes.io/zone"), Some(json!(["us-west-2a"])));
        assert_eq!(spec["template"]["metadata"]["labels"]["dataplat.io/pool"], "trino-worker");
        assert_eq!(spec["template"]["spec"]["taints"][0]["effect"], "NoSchedule");
        assert_eq!(spec["template"]["spec"]["nodeClassRef"]["name"], "trino-worker");
        assert_eq!(
            spec["disruption"],
            json!({"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m30s"})
        );
        assert_eq!(spec["limits"], json!({"cpu": "1600", "memory": "12800Gi"}));
        assert_eq!(spec["weight"], 50);
        assert_eq!(spec["template"]["spec"]["expireAfter"], "720h");

        // The zone the addon names, and nodes that never expire.
        let mut pinned = request();
        pinned.zone = Some("c".into());
        pinned.expire_after_hours = 0;
        let pinned = karpenter_pool(&platform(), "trino", &pinned).expect("valid").node_pool;
        let zone = pinned["spec"]["template"]["spec"]["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "topology.kubernetes.io/zone")
            .map(|r| r["values"].clone());
        assert_eq!(zone, Some(json!(["us-west-2c"])));
        assert_eq!(pinned["spec"]["template"]["spec"]["expireAfter"], "Never");

        let nc = &pool.node_class["spec"];
        assert_eq!(nc["role"], "trino-v2-karpenter-node");
        assert_eq!(nc["blockDeviceMappings"][0]["ebs"]["volumeSize"], "200Gi");
        assert_eq!(nc["subnetSelectorTerms"][0]["tags"]["karpenter.sh/discovery"], "trino-v2");
        assert_eq!(nc["tags"]["dataplat.io/deployment-id"], "3zOqlHUe");
        assert_eq!(nc["tags"]["team"], "data");
        assert_eq!(nc["metadataOptions"]["httpTokens"], "required");
    }

    #[test]
    fn optional_fields_are_left_out() {
        let mut r = request();
        r.single_zone = false;
        r.taints.clear();
        r.labels.clear();
        r.instance_families.clear();
        r.instance_types.clear();
        r.limit_cpu = None;
        r.limit_memory_gib = None;
        r.weight = None;
        let np = karpenter_pool(&platform(), "trino", &r).expect("valid").node_pool;
        let spec = &np["spec"];
        assert_eq!(spec["template"]["spec"]["requirements"].as_array().map(Vec::len), Some(2));
        for absent in
            [&spec["limits"], &spec["weight"], &spec["template"]["metadata"], &spec["template"]["spec"]["taints"]]
        {
            assert!(absent.is_null(), "{absent}");
        }
    }

    #[test]
    fn requests_karpenter_would_refuse_are_errors() {
        type Change = Box<dyn Fn(&mut NodePoolRequest)>;
        let cases: Vec<(&str, Change)> = vec![
            ("karpenter.sh", Box::new(|r| r.labels = vec![("karpenter.sh/foo".into(), "x".into())])),
            ("kubernetes.io", Box::new(|r| r.labels = vec![("kubernetes.io/hostname".into(), "x".into())])),
            ("k8s.io", Box::new(|r| r.labels = vec![("example.k8s.io/x".into(), "x".into())])),
            ("karpenter.k8s.aws", Box::new(|r| r.labels = vec![("karpenter.k8s.aws/x".into(), "x".into())])),
            ("not a valid", Box::new(|r| r.labels = vec![("a/b".into(), "-bad".into())])),
            ("weight", Box::new(|r| r.weight = Some(101))),
            ("root volume", Box::new(|r| r.root_volume_gib = 0)),
            ("architecture", Box::new(|r| r.architectures = vec!["x86".into()])),
            ("DNS", Box::new(|r| r.name = "Trino_Worker".into())),
            ("limit of 0", Box::new(|r| r.limit_cpu = Some(0))),
            ("suffix", Box::new(|r| r.zone = Some("us-west-2b".into()))),
            (
                "single_zone is false",
                Box::new(|r| {
                    r.single_zone = false;
                    r.zone = Some("b".into());
                }),
            ),
        ];
        for (needle, change) in cases {
            let mut r = request();
            change(&mut r);
            let err = karpenter_pool(&platform(), "trino", &r).expect_err(needle);
            assert!(err.to_string().contains(needle), "{needle}: {err}");
        }
        // Allowed exceptions of the restricted domains.
        let mut r = request();
        r.labels = vec![("node.kubernetes.io/lifecycle".into(), "x".into()), ("dataplat.io/pool".into(), "p".into())];
        assert!(karpenter_pool(&platform(), "trino", &r).is_ok());
    }

    #[test]
    fn durations_use_the_karpenter_format() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(60), "1m");
        assert_eq!(duration(600), "10m");
        assert_eq!(duration(3661), "1h1m1s");
        assert_eq!(duration(7200), "2h");
    }
}
