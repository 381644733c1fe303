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
    /// Its KEDA ScaledObjects and HPAs: what they scale, between what bounds, and where it is.
    pub scalers: Vec<ScalerStatus>,
    /// Its Karpenter NodePools: how many nodes each has launched.
    pub node_pools: Vec<NodePoolStatus>,
}

/// An autoscaler (a KEDA ScaledObject or an HPA) and the workload it scales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScalerStatus {
    pub scaler: ObjectRef,
    /// `Deployment trino/trino-worker`.
    pub target: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// The replicas the target is scaled to now (its `spec.replicas`), when it is in the same
    /// release.
    pub replicas: Option<i64>,
    /// KEDA's `Active` condition (a trigger is above its activation threshold); `None` for an HPA.
    pub active: Option<bool>,
}

/// A Karpenter NodePool and the nodes it has now (`status.resources.nodes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodePoolStatus {
    pub name: String,
    pub nodes: i64,
    /// Its `Ready` condition (`None` before Karpenter has reported).
    pub ready: Option<bool>,
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

    /// One line per scaler and NodePool: `ScaledObject trino/trino-worker: Deployment
    /// trino/trino-worker at 3 (1..20), active`, `NodePool trino-worker: 3 nodes, ready`.
    pub fn scaling_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for s in &self.scalers {
            let at = s.replicas.map_or_else(|| "?".to_owned(), |r| r.to_string());
            let bounds = format!(
                "{}..{}",
                s.min.map_or_else(|| "?".to_owned(), |m| m.to_string()),
                s.max.map_or_else(|| "?".to_owned(), |m| m.to_string())
            );
            let active = match s.active {
                Some(true) => ", active",
                Some(false) => ", idle",
                None => "",
            };
            lines.push(format!("{}: {} at {at} ({bounds}){active}", s.scaler, s.target));
        }
        for p in &self.node_pools {
            let ready = match p.ready {
                Some(true) => ", ready",
                Some(false) => ", not ready",
                None => "",
            };
            lines.push(format!("NodePool {}: {} node(s){ready}", p.name, p.nodes));
        }
        lines
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
        scalers: Vec::new(),
        node_pools: Vec::new(),
    };
    // Workload replicas by (kind, namespace, name), for the scalers that target them.
    let mut replicas = std::collections::BTreeMap::new();
    let mut scalers = Vec::new();
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
        // The count the scaler asked for: `spec.replicas` (`status.replicas` also counts the
        // surge of a rollout).
        if let Some(count) = value["spec"]["replicas"].as_i64() {
            replicas.insert((object.kind.clone(), object.namespace.clone(), object.name.clone()), count);
        }
        match object.kind.as_str() {
            "ScaledObject" | "HorizontalPodAutoscaler" => scalers.push((object.clone(), value.clone())),
            "NodePool" if object.api_version.starts_with("karpenter.sh/") => {
                status.node_pools.push(NodePoolStatus {
                    name: object.name.clone(),
                    nodes: value["status"]["resources"]["nodes"]
                        .as_str()
                        .and_then(|n| n.parse().ok())
                        .or_else(|| value["status"]["resources"]["nodes"].as_i64())
                        .unwrap_or(0),
                    ready: condition_true(&value, "Ready"),
                });
            }
            _ => {}
        }
        match kind_health(&value) {
            Health::Ready => status.ready += 1,
            Health::Progressing(reason) => status.progressing.push(ObjectStatus { object: object.clone(), reason }),
            Health::Failed(reason) => status.failed.push(ObjectStatus { object: object.clone(), reason }),
        }
    }
    for (scaler, value) in scalers {
        let target = &value["spec"]["scaleTargetRef"];
        let kind = target["kind"].as_str().unwrap_or("Deployment").to_owned();
        let name = target["name"].as_str().unwrap_or_default().to_owned();
        let keda = scaler.kind == "ScaledObject";
        let (min, max) = if keda {
            (value["spec"]["minReplicaCount"].as_i64(), value["spec"]["maxReplicaCount"].as_i64())
        } else {
            (value["spec"]["minReplicas"].as_i64(), value["spec"]["maxReplicas"].as_i64())
        };
        let namespace = scaler.namespace.clone();
        status.scalers.push(ScalerStatus {
            target: format!("{kind} {}/{name}", namespace.as_deref().unwrap_or_default()),
            replicas: replicas.get(&(kind, namespace, name)).copied(),
            min,
            max,
            active: if keda { condition_true(&value, "Active") } else { None },
            scaler,
        });
    }
    Ok(status)
}

/// A status condition of `kind`: `Some(true)` when `True`, `Some(false)` when present otherwise.
fn condition_true(object: &serde_json::Value, kind: &str) -> Option<bool> {
    object["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == kind).map(|c| c["status"] == "True")
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
            scalers: vec![ScalerStatus {
                scaler: object("ScaledObject", "w"),
                target: "Deployment ns/w".into(),
                min: Some(0),
                max: Some(20),
                replicas: Some(3),
                active: Some(true),
            }],
            node_pools: vec![NodePoolStatus { name: "pool".into(), nodes: 3, ready: Some(true) }],
        };
        assert_eq!(
            status.scaling_lines(),
            ["ScaledObject ns/w: Deployment ns/w at 3 (0..20), active", "NodePool pool: 3 node(s), ready"]
        );
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
