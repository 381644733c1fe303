//! What is on the cluster now, release by release (`kubectl dataplat status`): each inventory's
//! objects read back once and judged by the same kind-aware rules the applier waits on, without
//! waiting. Reads only.

use serde::Serialize;

use crate::cluster::Cluster;
use crate::error::KubeError;
use crate::health::{Health, kind_health};
use crate::inventory::{self, Inventory};
use crate::manifest::ObjectRef;

/// One release as the cluster has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseStatus {
    /// `addon/release`.
    pub release: String,
    /// An apply of it was interrupted (`apply` again finishes it).
    pub pending: bool,
    /// Objects its inventory records.
    pub objects: usize,
    /// Objects ready by their kind's rule (kinds without a rule: once they exist).
    pub ready: usize,
    /// Objects not ready yet, with what is missing (`0/2 replicas available`).
    pub progressing: Vec<ObjectStatus>,
    /// Objects that will not get better by waiting (a failed Job).
    pub failed: Vec<ObjectStatus>,
    /// Objects the inventory records that are gone from the cluster.
    pub missing: Vec<ObjectRef>,
}

/// One object that is not ready, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectStatus {
    pub object: ObjectRef,
    pub reason: String,
}

impl ReleaseStatus {
    /// Every object exists and is ready, and no apply was left half done.
    pub fn healthy(&self) -> bool {
        !self.pending && self.ready == self.objects && self.missing.is_empty()
    }

    /// One line: `ready`, or what stands in the way.
    pub fn summary(&self) -> String {
        if self.healthy() {
            return format!("ready ({} objects)", self.objects);
        }
        let mut parts = Vec::new();
        if self.pending {
            parts.push("an apply did not finish".to_owned());
        }
        for (what, list) in [("failed", &self.failed), ("not ready", &self.progressing)] {
            if let Some(first) = list.first() {
                let more = if list.len() > 1 { format!(" (+{} more)", list.len() - 1) } else { String::new() };
                parts.push(format!("{what}: {}: {}{more}", first.object, first.reason));
            }
        }
        if let Some(first) = self.missing.first() {
            let more =
                if self.missing.len() > 1 { format!(" (+{} more)", self.missing.len() - 1) } else { String::new() };
            parts.push(format!("missing: {first}{more}"));
        }
        format!("{}/{} ready; {}", self.ready, self.objects, parts.join("; "))
    }
}

/// The status of one release from its inventory: each object read once.
pub async fn release_status(cluster: &Cluster, inventory: &Inventory) -> Result<ReleaseStatus, KubeError> {
    let mut status = ReleaseStatus {
        release: inventory.release.clone(),
        pending: inventory.pending,
        objects: inventory.objects.len(),
        ready: 0,
        progressing: Vec::new(),
        failed: Vec::new(),
        missing: Vec::new(),
    };
    for entry in &inventory.objects {
        let object = &entry.object;
        let Some(resolved) = cluster.resolve(&object.api_version, &object.kind).await? else {
            // The kind itself is gone (its CRD was deleted).
            status.missing.push(object.clone());
            continue;
        };
        let api = cluster.api(&resolved, object.namespace.as_deref());
        let live = api.get_opt(&object.name).await.map_err(|e| KubeError::from_kube(&object.to_string(), e))?;
        let Some(live) = live else {
            status.missing.push(object.clone());
            continue;
        };
        let mut value = serde_json::to_value(&live).unwrap_or_default();
        // A GET answers without the kind on some servers; the rules need it.
        value["kind"] = serde_json::Value::String(object.kind.clone());
        match kind_health(&value) {
            Health::Ready => status.ready += 1,
            Health::Progressing(reason) => status.progressing.push(ObjectStatus { object: object.clone(), reason }),
            Health::Failed(reason) => status.failed.push(ObjectStatus { object: object.clone(), reason }),
        }
    }
    Ok(status)
}

/// The status of every release of `platform` on the cluster, in inventory order.
pub async fn platform_status(cluster: &Cluster, platform: &str) -> Result<Vec<ReleaseStatus>, KubeError> {
    let mut out = Vec::new();
    for inventory in inventory::list(cluster, platform).await? {
        out.push(release_status(cluster, &inventory).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(kind: &str, name: &str) -> ObjectRef {
        ObjectRef { api_version: "v1".into(), kind: kind.into(), namespace: Some("ns".into()), name: name.into() }
    }

    #[test]
    fn the_summary_names_what_stands_in_the_way() {
        let mut status = ReleaseStatus {
            release: "keda/keda".into(),
            pending: false,
            objects: 3,
            ready: 3,
            progressing: Vec::new(),
            failed: Vec::new(),
            missing: Vec::new(),
        };
        assert!(status.healthy());
        assert_eq!(status.summary(), "ready (3 objects)");
        status.ready = 1;
        status.progressing = vec![
            ObjectStatus { object: object("Deployment", "a"), reason: "0/1 replicas available".into() },
            ObjectStatus { object: object("Deployment", "b"), reason: "0/1 replicas available".into() },
        ];
        assert!(!status.healthy());
        assert_eq!(status.summary(), "1/3 ready; not ready: Deployment ns/a: 0/1 replicas available (+1 more)");
        status.progressing.clear();
        status.ready = 2;
        status.missing = vec![object("ConfigMap", "c")];
        status.pending = true;
        assert_eq!(status.summary(), "2/3 ready; an apply did not finish; missing: ConfigMap ns/c");
    }
}
