//! Objects to apply: parsed from YAML the way the API server's clients read it (yaml.v2 rules,
//! through [`helm::loadyaml`]), identified by [`ObjectRef`], and ordered by [`apply_rank`].

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Why a document is not an object we can apply.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{origin}: {message}")]
pub struct ManifestError {
    /// Where the document came from (`chart/templates/x.yaml`, `keda/keda object 3`).
    pub origin: String,
    pub message: String,
}

/// A Kubernetes object to apply, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// The object: `apiVersion`, `kind`, `metadata.name` present.
    pub value: Json,
    /// The template or declaration it came from, for messages.
    pub source: String,
    /// Holds values drawn at render time (random passwords, generated certificates): created when
    /// absent, never updated, so those values do not rotate.
    pub create_only: bool,
    /// Deleted and created again when a change touches a field the API server keeps immutable (a
    /// Job's pod template): what Helm's `before-hook-creation` does to a hook, its default delete
    /// policy. Other changes update it in place.
    pub replace_immutable: bool,
}

impl Object {
    /// Checks that `value` is an object with `apiVersion`, `kind` and `metadata.name`.
    pub fn new(value: Json, source: impl Into<String>) -> Result<Object, ManifestError> {
        let source = source.into();
        let fail = |message: &str| ManifestError { origin: source.clone(), message: message.to_string() };
        if !value.is_object() {
            return Err(fail("not a mapping"));
        }
        for (pointer, what) in [("/apiVersion", "apiVersion"), ("/kind", "kind"), ("/metadata/name", "metadata.name")] {
            match value.pointer(pointer) {
                Some(Json::String(s)) if !s.is_empty() => {}
                _ => return Err(fail(&format!("{what} is missing or not a string"))),
            }
        }
        if let Some(ns) = value.pointer("/metadata/namespace")
            && !(ns.is_string() || ns.is_null())
        {
            return Err(fail("metadata.namespace is not a string"));
        }
        Ok(Object { value, source, create_only: false, replace_immutable: false })
    }

    /// One YAML document (a chart's rendered manifest). `None` for an empty document.
    pub fn from_yaml(text: &str, source: impl Into<String>) -> Result<Option<Object>, ManifestError> {
        let source = source.into();
        let value = helm::loadyaml::parse_first(text)
            .and_then(|doc| doc.to_json())
            .map_err(|e| ManifestError { origin: source.clone(), message: format!("invalid YAML: {e}") })?;
        if value.is_null() {
            return Ok(None);
        }
        Object::new(value, source).map(Some)
    }

    pub fn api_version(&self) -> &str {
        self.value["apiVersion"].as_str().unwrap_or_default()
    }

    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// `metadata.namespace`, if set and not empty.
    pub fn namespace(&self) -> Option<&str> {
        self.value["metadata"]["namespace"].as_str().filter(|s| !s.is_empty())
    }

    /// The reference to this object.
    pub fn key(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version().to_string(),
            kind: self.kind().to_string(),
            namespace: self.namespace().map(str::to_string),
            name: self.name().to_string(),
        }
    }

    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.value["metadata"]["annotations"][key].as_str()
    }

    /// Kept when its release is disabled or pruned (unless purging): PersistentVolumeClaims and
    /// objects annotated `helm.sh/resource-policy: keep` or `dataplat.io/keep: "true"`.
    pub fn is_kept(&self) -> bool {
        is_kept(self.kind(), self.annotation("helm.sh/resource-policy"), self.annotation(KEEP_ANNOTATION))
    }
}

/// Annotation that keeps an object when its release goes away.
pub const KEEP_ANNOTATION: &str = "dataplat.io/keep";

pub(crate) fn is_kept(kind: &str, helm_policy: Option<&str>, keep: Option<&str>) -> bool {
    kind == "PersistentVolumeClaim" || helm_policy == Some("keep") || keep == Some("true")
}

/// An object's identity: apiVersion, kind, namespace (none for cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        group_of(&self.api_version)
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// The group of an apiVersion (`apps/v1` → `apps`, `v1` → ``).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// API groups served by Kubernetes itself; kinds of other groups are custom resources.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
];

/// Whether objects of this apiVersion are custom resources (served through a CRD or an
/// aggregated API).
pub fn is_custom(api_version: &str) -> bool {
    !BUILTIN_GROUPS.contains(&group_of(api_version))
}

/// The order inside a release (DESIGN.md section 7): CRDs (then waited on until Established),
/// namespaces, RBAC/config/storage, services, workloads, webhooks and APIServices, custom
/// resources. Lower applies first; deletion runs the other way.
pub fn apply_rank(api_version: &str, kind: &str) -> u8 {
    if is_custom(api_version) {
        return 7;
    }
    match kind {
        "CustomResourceDefinition" => 0,
        "Namespace" => 1,
        "PriorityClass"
        | "StorageClass"
        | "ResourceQuota"
        | "LimitRange"
        | "ServiceAccount"
        | "Secret"
        | "ConfigMap"
        | "ClusterRole"
        | "ClusterRoleBinding"
        | "Role"
        | "RoleBinding"
        | "PersistentVolume"
        | "PersistentVolumeClaim"
        | "NetworkPolicy"
        | "PodDisruptionBudget"
        | "PodSecurityPolicy"
        | "IngressClass"
        | "RuntimeClass" => 2,
        "Service" | "Endpoints" | "EndpointSlice" | "Ingress" => 3,
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Pod"
        | "Job"
        | "CronJob"
        | "HorizontalPodAutoscaler" => 4,
        "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" | "APIService" => 6,
        _ => 5,
    }
}

/// `(namespace, kind, name)` of the workload a ScaledObject or HorizontalPodAutoscaler scales.
pub fn autoscaler_target(object: &Object, default_namespace: &str) -> Option<(String, String, String)> {
    let scaler = matches!(
        (object.kind(), group_of(object.api_version())),
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
    fn objects_need_api_version_kind_and_name() {
        let ok = Object::new(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}), "t").unwrap();
        assert_eq!(ok.key().to_string(), "ConfigMap a");
        let err = Object::new(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}), "t.yaml").unwrap_err();
        assert_eq!(err.to_string(), "t.yaml: metadata.name is missing or not a string");
        assert!(Object::new(json!([1]), "t").is_err());
        let ns = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": 3}});
        assert!(Object::new(ns, "t").is_err());
    }

    #[test]
    fn yaml_follows_yaml_v2_like_kubectl() {
        let o = Object::from_yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\ndata:\n  mode: 0755\n",
            "t",
        )
        .unwrap()
        .unwrap();
        assert_eq!(o.value["data"]["mode"], json!(493), "0755 is octal in YAML 1.1");
        assert_eq!(o.namespace(), Some("ns"));
        assert!(Object::from_yaml("# only a comment\n", "t").unwrap().is_none());
        assert!(Object::from_yaml("a: [", "t").unwrap_err().message.starts_with("invalid YAML"));
    }

    #[test]
    fn ranks_follow_the_design_order() {
        let order = [
            ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
            ("v1", "Namespace"),
            ("v1", "ConfigMap"),
            ("v1", "Service"),
            ("apps/v1", "Deployment"),
            ("v1", "Event"),
            ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
            ("keda.sh/v1alpha1", "ScaledObject"),
        ];
        let ranks: Vec<u8> = order.iter().map(|(a, k)| apply_rank(a, k)).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
        assert!(is_custom("monitoring.coreos.com/v1") && !is_custom("apps/v1") && !is_custom("v1"));
    }

    #[test]
    fn kept_objects() {
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "d"}});
        assert!(Object::new(pvc, "t").unwrap().is_kept());
        let keep = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "annotations": {"helm.sh/resource-policy": "keep"}}});
        assert!(Object::new(keep, "t").unwrap().is_kept());
        let plain = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}});
        assert!(!Object::new(plain, "t").unwrap().is_kept());
    }

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
