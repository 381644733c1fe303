//! What the analysis reads: every object the plan would apply, the node sources pods can land
//! on, and what the cloud layer provides (managed add-ons, pod identities, buckets, generated
//! secrets). The crate defines these itself; the composer translates its plan into them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// Everything the platform would create, as the analysis sees it.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// Every object of every release: declared objects, rendered chart objects, the core's own.
    pub objects: Vec<PlannedObject>,
    /// Releases with their dependencies (`addon/release` ids), for CRD ordering.
    pub releases: Vec<ReleaseInfo>,
    /// Where pods can run: the core managed node group and the Karpenter NodePools.
    pub node_sources: Vec<NodeSource>,
    /// EKS managed add-ons the cloud layer installs (`aws-ebs-csi-driver`, `coredns`, …).
    pub managed_addons: Vec<String>,
    /// EKS Pod Identity associations the cloud layer creates.
    pub pod_identities: Vec<PodIdentityRef>,
    /// Physical names of the buckets the cloud layer creates.
    pub buckets: Vec<String>,
    /// Secrets the host creates at apply time (`namespace`, `name`).
    pub generated_secrets: Vec<(String, String)>,
    /// Findings the user waived, with the reason.
    pub waivers: Vec<Waiver>,
}

/// One object the plan would apply.
#[derive(Clone, Debug)]
pub struct PlannedObject {
    /// The release (`addon/release`) that applies it.
    pub release: String,
    /// The release namespace: a namespaced object without `metadata.namespace` lands there.
    pub release_namespace: String,
    /// The object.
    pub value: Value,
    /// A Helm hook (runs in a phase and may be deleted after it).
    pub hook: bool,
}

/// A release and the releases it waits for.
#[derive(Clone, Debug)]
pub struct ReleaseInfo {
    pub id: String,
    pub depends_on: Vec<String>,
}

/// A place pods can run: every node of it has [`NodeSource::labels`] (one of the values listed
/// for each key) and [`NodeSource::taints`], and is one of its instance types.
#[derive(Clone, Debug)]
pub struct NodeSource {
    /// `managed node group core`, `NodePool trino-workers`.
    pub name: String,
    /// Labels the nodes carry, with every value a node may have (a NodePool's requirement
    /// `zone In [a, b]` is `zone: [a, b]`).
    pub labels: BTreeMap<String, Vec<String>>,
    /// Well-known label keys whose value the provisioner picks freely (a NodePool without a
    /// zone requirement puts nodes in any zone): any `In` on them can be met.
    pub open_labels: Vec<String>,
    pub taints: Vec<Taint>,
    /// The instance types a node may be; empty: any of [`NodeSource::instance_families`].
    pub instance_types: Vec<String>,
    /// The families a node may be of; empty with no instance types: any.
    pub instance_families: Vec<String>,
    /// CPU architectures of the nodes (`amd64`, `arm64`).
    pub architectures: Vec<String>,
}

/// A node taint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// An EKS Pod Identity association.
#[derive(Clone, Debug)]
pub struct PodIdentityRef {
    pub namespace: String,
    pub service_account: String,
    /// Who asked for it (an addon, or `core`).
    pub owner: String,
}

/// A finding the user accepts: rule id, object (`Kind namespace/name` or `Kind name`) and why.
#[derive(Clone, Debug, Serialize)]
pub struct Waiver {
    pub rule: String,
    pub object: String,
    pub reason: String,
}

/// Well-known labels every node has, whatever its source.
pub const WELL_KNOWN_LABELS: &[&str] = &[
    "kubernetes.io/arch",
    "kubernetes.io/os",
    "kubernetes.io/hostname",
    "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
];

impl NodeSource {
    /// The managed node group `name` of an EKS cluster: its labels (plus the labels EKS and the
    /// kubelet set), its instance types, no taints.
    pub fn managed_node_group(
        name: &str,
        labels: &[(&str, &str)],
        instance_types: &[String],
        capacity_type: &str,
    ) -> NodeSource {
        let mut map: BTreeMap<String, Vec<String>> =
            labels.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect();
        let architectures = architectures_of(instance_types, &[]);
        map.insert("eks.amazonaws.com/nodegroup".into(), vec![name.to_string()]);
        map.insert("eks.amazonaws.com/capacityType".into(), vec![capacity_type.to_string()]);
        map.insert("kubernetes.io/os".into(), vec!["linux".into()]);
        map.insert("kubernetes.io/arch".into(), architectures.clone());
        map.insert("node.kubernetes.io/instance-type".into(), instance_types.to_vec());
        NodeSource {
            name: format!("managed node group {name}"),
            labels: map,
            open_labels: vec![
                "topology.kubernetes.io/zone".into(),
                "topology.kubernetes.io/region".into(),
                "kubernetes.io/hostname".into(),
            ],
            taints: Vec::new(),
            instance_types: instance_types.to_vec(),
            instance_families: Vec::new(),
            architectures,
        }
    }

    /// A Karpenter `karpenter.sh/v1` NodePool object as a node source: its template's labels
    /// and taints, its requirements (an `In` requirement is a label with those values; an
    /// unconstrained well-known label is open), Karpenter's own labels.
    pub fn from_node_pool(node_pool: &Value) -> Option<NodeSource> {
        let name = node_pool.pointer("/metadata/name")?.as_str()?;
        let template = node_pool.pointer("/spec/template")?;
        let mut labels: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in template.pointer("/metadata/labels").and_then(Value::as_object).into_iter().flatten() {
            if let Some(v) = v.as_str() {
                labels.insert(k.clone(), vec![v.to_string()]);
            }
        }
        let mut excluded: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for requirement in template.pointer("/spec/requirements").and_then(Value::as_array).into_iter().flatten() {
            let Some(key) = requirement.get("key").and_then(Value::as_str) else { continue };
            let values: Vec<String> = requirement
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
            match requirement.get("operator").and_then(Value::as_str) {
                Some("In") => {
                    labels.insert(key.to_string(), values);
                }
                Some("NotIn") => {
                    excluded.insert(key.to_string(), values);
                }
                _ => {}
            }
        }
        labels.insert("karpenter.sh/nodepool".into(), vec![name.to_string()]);
        labels.insert("kubernetes.io/os".into(), vec!["linux".into()]);
        // Karpenter launches on-demand nodes unless the NodePool allows others.
        labels.entry("karpenter.sh/capacity-type".into()).or_insert_with(|| vec!["on-demand".into()]);
        let instance_types = labels.get("node.kubernetes.io/instance-type").cloned().unwrap_or_default();
        let instance_families = labels.get("karpenter.k8s.aws/instance-family").cloned().unwrap_or_default();
        let architectures = match labels.get("kubernetes.io/arch") {
            Some(archs) => archs.clone(),
            None => {
                let derived = architectures_of(&instance_types, &instance_families);
                if instance_types.is_empty() && instance_families.is_empty() {
                    vec!["amd64".into(), "arm64".into()]
                } else {
                    derived
                }
            }
        };
        let architectures: Vec<String> = architectures
            .into_iter()
            .filter(|a| !excluded.get("kubernetes.io/arch").is_some_and(|x| x.contains(a)))
            .collect();
        labels.insert("kubernetes.io/arch".into(), architectures.clone());
        let open_labels = [
            "topology.kubernetes.io/zone",
            "topology.kubernetes.io/region",
            "kubernetes.io/hostname",
            "node.kubernetes.io/instance-type",
            "karpenter.k8s.aws/instance-family",
            "karpenter.k8s.aws/instance-category",
            "karpenter.k8s.aws/instance-generation",
            "karpenter.k8s.aws/instance-size",
            "karpenter.k8s.aws/instance-cpu",
            "karpenter.k8s.aws/instance-memory",
        ]
        .into_iter()
        .filter(|k| !labels.contains_key(*k))
        .map(String::from)
        .collect();
        let taints = template
            .pointer("/spec/taints")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|t| Taint {
                key: t.get("key").and_then(Value::as_str).unwrap_or_default().to_string(),
                value: t.get("value").and_then(Value::as_str).unwrap_or_default().to_string(),
                effect: t.get("effect").and_then(Value::as_str).unwrap_or_default().to_string(),
            })
            .collect();
        Some(NodeSource {
            name: format!("NodePool {name}"),
            labels,
            open_labels,
            taints,
            instance_types,
            instance_families,
            architectures,
        })
    }

    /// The largest instance shape a node of this source can be (`None`: any, unbounded).
    pub fn largest_shape(&self) -> Option<crate::instances::InstanceShape> {
        let shapes: Vec<crate::instances::InstanceShape> = if !self.instance_types.is_empty() {
            self.instance_types.iter().filter_map(|t| crate::instances::shape(t)).collect()
        } else {
            self.instance_families.iter().filter_map(|f| crate::instances::largest_in_family(f)).collect()
        };
        shapes.into_iter().max_by_key(|s| (s.allocatable_memory_bytes(), s.allocatable_cpu_millis()))
    }
}

fn architectures_of(instance_types: &[String], families: &[String]) -> Vec<String> {
    let mut out: Vec<String> = instance_types
        .iter()
        .filter_map(|t| crate::instances::shape(t).map(|s| s.arch.to_string()))
        .chain(families.iter().filter_map(|f| crate::instances::family_arch(f).map(String::from)))
        .collect();
    out.sort();
    out.dedup();
    if out.is_empty() {
        out.push("amd64".into());
    }
    out
}
