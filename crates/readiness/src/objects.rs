//! Objects of the inventory, indexed: identity (`Kind namespace/name`), scope, and lookups by
//! kind, namespace and name.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::{Inventory, PlannedObject};

/// Kinds of the built-in API that are not namespaced (and those of the CRDs the platform
/// installs come from their `spec.scope`).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "PodSecurityPolicy",
    "CertificateSigningRequest",
    "FlowSchema",
    "PriorityLevelConfiguration",
];

/// API groups served by every Kubernetes API server (custom resources need a CRD; these don't).
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "admissionregistration.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "resource.k8s.io",
];

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// Whether a group is part of Kubernetes itself.
pub fn is_built_in_group(group: &str) -> bool {
    BUILT_IN_GROUPS.contains(&group)
}

/// A string field.
pub fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The objects of an inventory with their resolved namespaces, and indexes over them.
pub struct Index<'a> {
    pub objects: Vec<Resolved<'a>>,
    by_key: BTreeMap<(String, Option<String>, String), Vec<usize>>,
    /// `group/kind` of every CRD rendered → (release, scope).
    pub crds: BTreeMap<(String, String), Vec<(String, String)>>,
    /// Releases each release depends on, transitively, itself included.
    pub reachable: BTreeMap<String, BTreeSet<String>>,
}

/// An object with its namespace resolved.
pub struct Resolved<'a> {
    pub planned: &'a PlannedObject,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    /// `None` for cluster-scoped objects.
    pub namespace: Option<String>,
}

impl Resolved<'_> {
    pub fn value(&self) -> &Value {
        &self.planned.value
    }

    /// `Kind namespace/name` or `Kind name`: how findings and waivers name it.
    pub fn display(&self) -> String {
        display(self.kind, self.namespace.as_deref(), self.name)
    }

    /// The namespace, or the empty string for a cluster-scoped object.
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }
}

/// `Kind namespace/name` or `Kind name`.
pub fn display(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{kind} {ns}/{name}"),
        _ => format!("{kind} {name}"),
    }
}

impl<'a> Index<'a> {
    pub fn new(inventory: &'a Inventory) -> Index<'a> {
        let mut crds: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
        for object in &inventory.objects {
            let v = &object.value;
            if v.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
                && let (Some(group), Some(kind)) = (str_at(v, "/spec/group"), str_at(v, "/spec/names/kind"))
            {
                let scope = str_at(v, "/spec/scope").unwrap_or("Namespaced").to_string();
                crds.entry((group.to_string(), kind.to_string())).or_default().push((object.release.clone(), scope));
            }
        }
        let mut objects = Vec::new();
        let mut by_key: BTreeMap<(String, Option<String>, String), Vec<usize>> = BTreeMap::new();
        for planned in &inventory.objects {
            let v = &planned.value;
            let (Some(api_version), Some(kind), Some(name)) =
                (str_at(v, "/apiVersion"), str_at(v, "/kind"), str_at(v, "/metadata/name"))
            else {
                continue;
            };
            let group = group_of(api_version);
            let cluster_scoped = if is_built_in_group(group) {
                CLUSTER_SCOPED.contains(&kind)
            } else {
                crds.get(&(group.to_string(), kind.to_string()))
                    .and_then(|c| c.first())
                    .is_some_and(|(_, scope)| scope == "Cluster")
                    || matches!(kind, "NodePool" | "EC2NodeClass" | "ClusterIssuer" | "NodeClaim")
            };
            let namespace = if cluster_scoped {
                None
            } else {
                Some(str_at(v, "/metadata/namespace").unwrap_or(&planned.release_namespace).to_string())
            };
            by_key.entry((kind.to_string(), namespace.clone(), name.to_string())).or_default().push(objects.len());
            objects.push(Resolved { planned, api_version, kind, name, namespace });
        }
        let mut reachable = BTreeMap::new();
        for release in &inventory.releases {
            let mut seen: BTreeSet<String> = BTreeSet::new();
            let mut stack = vec![release.id.clone()];
            while let Some(id) = stack.pop() {
                if seen.insert(id.clone())
                    && let Some(r) = inventory.releases.iter().find(|r| r.id == id)
                {
                    stack.extend(r.depends_on.iter().cloned());
                }
            }
            reachable.insert(release.id.clone(), seen);
        }
        Index { objects, by_key, crds, reachable }
    }

    /// Objects of `kind` named `name` in `namespace` (`None` for cluster-scoped kinds).
    pub fn get(&self, kind: &str, namespace: Option<&str>, name: &str) -> Vec<&Resolved<'a>> {
        self.by_key
            .get(&(kind.to_string(), namespace.map(String::from), name.to_string()))
            .into_iter()
            .flatten()
            .map(|i| &self.objects[*i])
            .collect()
    }

    /// Whether an object of `kind` named `name` exists in `namespace`.
    pub fn has(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        !self.get(kind, namespace, name).is_empty()
    }

    /// Every object of `kind`.
    pub fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Resolved<'a>> + 's {
        self.objects.iter().filter(move |o| o.kind == kind)
    }

    /// Whether release `from` waits for release `to` (directly or through others), or is it.
    pub fn waits_for(&self, from: &str, to: &str) -> bool {
        self.reachable.get(from).is_some_and(|r| r.contains(to))
    }
}
