//! What can go wrong talking to a cluster, with the object and a hint.

use crate::manifest::{ManifestError, ObjectRef};

/// A field another manager owns (a server-side apply conflict).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldConflict {
    /// The competing field manager (`kubectl-edit`, `kube-controller-manager`, …).
    pub manager: String,
    /// The field path as the server names it (`.spec.replicas`).
    pub field: String,
}

/// Why applying, checking or deleting failed.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// No kubeconfig, no context, unreadable credentials.
    #[error("{message}")]
    Connect { message: String },
    /// A document that is not an object.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The cluster does not serve a kind (and no CRD in the release defines it).
    #[error("{object}: the cluster does not serve {}", .object.api_version)]
    NoKind { object: Box<ObjectRef> },
    /// Server-side apply conflicts: fields other managers own.
    #[error("{object}: conflicts with {}", describe_conflicts(.conflicts))]
    Conflict { object: Box<ObjectRef>, conflicts: Vec<FieldConflict> },
    /// The server refused an object (schema, admission, immutable field…).
    #[error("{object}: {message}")]
    Rejected { object: Box<ObjectRef>, code: u16, reason: String, message: String },
    /// A release did not become healthy in time; `state` is the last observation.
    #[error("{release}: not healthy after {seconds} s: {object}: {state}")]
    Timeout { release: String, object: Box<ObjectRef>, seconds: u64, state: String },
    /// A health check found a final failure (a Job that failed).
    #[error("{release}: {object} failed: {state}")]
    Unhealthy { release: String, object: Box<ObjectRef>, state: String },
    /// The inventory object is unreadable (edited by hand?).
    #[error("inventory of {release}: {message}")]
    Inventory { release: String, message: String },
    /// A release was not applied because one it depends on failed.
    #[error("{release}: skipped, {dependency} failed")]
    Skipped { release: String, dependency: String },
    /// Anything else from the API or the transport.
    #[error("{context}: {message}")]
    Api { context: String, code: u16, message: String },
}

fn describe_conflicts(conflicts: &[FieldConflict]) -> String {
    conflicts.iter().map(|c| format!("{} (owned by \"{}\")", c.field, c.manager)).collect::<Vec<_>>().join(", ")
}

impl KubeError {
    /// What the user can do.
    pub fn hint(&self) -> Option<String> {
        match self {
            KubeError::Connect { .. } => {
                Some("point --kubeconfig (or KUBECONFIG) at the cluster, and --context at the right context".into())
            }
            KubeError::NoKind { .. } => {
                Some("install the addon that defines this kind first, or check the apiVersion against the cluster's version".into())
            }
            KubeError::Conflict { .. } => Some(
                "another tool changed these fields; re-run with --force-conflicts to take them over, or remove them from that tool"
                    .into(),
            ),
            KubeError::Timeout { .. } => Some("inspect the object (kubectl describe) and re-run; nothing is rolled back".into()),
            KubeError::Inventory { .. } => {
                Some("the inventory ConfigMap lives in the dataplat-system namespace; restore it or delete it and re-apply".into())
            }
            _ => None,
        }
    }

    /// A kube error about `context`.
    pub fn from_kube(context: &str, error: kube::Error) -> KubeError {
        match error {
            kube::Error::Api(status) => {
                KubeError::Api { context: context.to_string(), code: status.code, message: status.message.clone() }
            }
            other => KubeError::Api { context: context.to_string(), code: 0, message: other.to_string() },
        }
    }

    /// A kube error about applying `object`: conflicts and refusals become their own variants.
    pub fn from_apply(object: &ObjectRef, error: kube::Error) -> KubeError {
        let kube::Error::Api(status) = error else {
            return KubeError::from_kube(&format!("applying {object}"), error);
        };
        if status.code == 409 && status.reason == "Conflict" {
            let causes = status.details.as_ref().map(|d| d.causes.clone()).unwrap_or_default();
            let conflicts: Vec<FieldConflict> = causes
                .iter()
                .filter(|c| c.reason == "FieldManagerConflict")
                .map(|c| FieldConflict { manager: manager_of(&c.message), field: c.field.clone() })
                .collect();
            if !conflicts.is_empty() {
                return KubeError::Conflict { object: Box::new(object.clone()), conflicts };
            }
        }
        KubeError::Rejected {
            object: Box::new(object.clone()),
            code: status.code,
            reason: status.reason.clone(),
            message: status.message.clone(),
        }
    }
}

/// The manager in a conflict cause message: `conflict with "kubectl-edit" using v1` or
/// `conflict with "kubectl-edit" with subresource "scale" using apps/v1`.
fn manager_of(message: &str) -> String {
    message.split('"').nth(1).unwrap_or(message).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_name_the_manager_and_field() {
        assert_eq!(manager_of("conflict with \"kubectl-edit\" using v1"), "kubectl-edit");
        let e = KubeError::Conflict {
            object: Box::new(ObjectRef {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                namespace: Some("a".into()),
                name: "c".into(),
            }),
            conflicts: vec![FieldConflict { manager: "kubectl-edit".into(), field: ".data.k".into() }],
        };
        assert_eq!(e.to_string(), "ConfigMap a/c: conflicts with .data.k (owned by \"kubectl-edit\")");
        assert!(e.hint().unwrap().contains("--force-conflicts"));
    }
}
