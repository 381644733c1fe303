//! What doctor reads and what it reports.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// The live platform as doctor sees it.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Every live object read, each with `apiVersion` and `kind`.
    pub objects: Vec<Value>,
    /// Events (`v1 Event`), for the objects they name.
    pub events: Vec<Value>,
    /// The last log lines of containers that fail, by `(namespace, pod, container)`.
    pub logs: BTreeMap<(String, String, String), Vec<String>>,
    /// When the snapshot was taken (RFC 3339): ages are measured from it.
    pub now: String,
    /// How long a LoadBalancer Service may wait for its address, and a node for Ready, before it
    /// is a finding.
    pub grace_seconds: i64,
    /// Whether the platform gives pods AWS identities through EKS Pod Identity (its plan has pod
    /// identity associations), so the agent must run.
    pub expects_pod_identity: bool,
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something is broken: a workload cannot run, a service is unreachable.
    Error,
    /// Something will break, or works worse than it should.
    Warning,
}

/// One thing that is wrong.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable id from the [`CATALOGUE`] (`pods.pending-untolerated-taint`).
    pub id: String,
    pub severity: Severity,
    /// `Kind namespace/name`.
    pub object: String,
    /// What doctor saw: conditions, messages, events, log lines, numbers.
    pub evidence: Vec<String>,
    /// Why it is wrong, in words.
    pub cause: String,
    /// What to do.
    pub fix: String,
}

/// One entry of the catalogue of findings.
#[derive(Clone, Copy, Debug)]
pub struct CatalogueEntry {
    pub id: &'static str,
    pub severity: Severity,
    /// What it means, one sentence.
    pub title: &'static str,
    /// What doctor looks at.
    pub looks_at: &'static str,
}

const fn entry(id: &'static str, severity: Severity, title: &'static str, looks_at: &'static str) -> CatalogueEntry {
    CatalogueEntry { id, severity, title, looks_at }
}

/// Every finding doctor can report (the readiness rules, reported as `readiness.<rule>`, come on
/// top).
pub const CATALOGUE: &[CatalogueEntry] = &[
    entry(
        "pods.pending-untolerated-taint",
        Severity::Error,
        "a pod stays Pending: the nodes it could use carry a taint it does not tolerate",
        "the scheduler's PodScheduled condition",
    ),
    entry(
        "pods.pending-no-matching-node",
        Severity::Error,
        "a pod stays Pending: no node matches its node selector or affinity",
        "the scheduler's PodScheduled condition",
    ),
    entry(
        "pods.pending-too-large",
        Severity::Error,
        "a pod stays Pending: no node has the CPU or memory it requests",
        "the scheduler's PodScheduled condition, the pod's requests",
    ),
    entry(
        "pods.pending-too-many-pods",
        Severity::Error,
        "a pod stays Pending: the nodes are full (their pod limit)",
        "the scheduler's PodScheduled condition",
    ),
    entry(
        "pods.pending-unbound-claim",
        Severity::Error,
        "a pod stays Pending: a PersistentVolumeClaim it mounts is not bound",
        "the pod's volumes, the claims and their StorageClass",
    ),
    entry(
        "pods.pending-unschedulable",
        Severity::Error,
        "a pod stays Pending for another reason the scheduler gives",
        "the scheduler's PodScheduled condition",
    ),
    entry(
        "workloads.crash-loop",
        Severity::Error,
        "a container restarts again and again (CrashLoopBackOff)",
        "container statuses and the last log lines",
    ),
    entry(
        "workloads.image-pull",
        Severity::Error,
        "a container's image cannot be pulled",
        "container statuses (ErrImagePull, ImagePullBackOff) and their message",
    ),
    entry(
        "identity.pod-identity-agent",
        Severity::Error,
        "the EKS Pod Identity agent is missing or not ready on every node: pods get no AWS credentials",
        "DaemonSet kube-system/eks-pod-identity-agent (the EKS add-on) and its ready count",
    ),
    entry(
        "nodes.not-ready",
        Severity::Error,
        "a node is not Ready",
        "the node's Ready condition and how long it has been so",
    ),
    entry(
        "karpenter.launch-failed",
        Severity::Error,
        "Karpenter cannot launch a node for a NodeClaim",
        "the NodeClaim's Launched condition, decoded (capacity, subnets, security groups, IAM, AMI)",
    ),
    entry(
        "karpenter.nodepool-at-limit",
        Severity::Warning,
        "a NodePool has reached its CPU or memory limit: it launches no more nodes",
        "the NodePool's limits and the resources its nodes have",
    ),
    entry(
        "keda.scaledobject-not-ready",
        Severity::Error,
        "a ScaledObject is not Ready: its workload is not scaled",
        "the ScaledObject's Ready condition",
    ),
    entry(
        "keda.scaledobject-paused",
        Severity::Warning,
        "a ScaledObject is paused: its workload keeps its replica count",
        "the paused annotations and the Paused condition",
    ),
    entry(
        "workloads.job-failed",
        Severity::Error,
        "a Job has failed (its retries are used up): what it does, it did not do",
        "the Job's Failed condition and its pods' last log lines",
    ),
    entry(
        "workloads.replicas-owned-elsewhere",
        Severity::Warning,
        "an autoscaled workload's replica count is also set by someone else: the two fight",
        "the workload's managedFields beside its HorizontalPodAutoscaler (KEDA's too)",
    ),
    entry(
        "drift.edited-by-hand",
        Severity::Warning,
        "an object of a release was changed with kubectl: the next apply takes it back, or conflicts",
        "managedFields of the releases' objects: managers other than kubectl-dataplat and the controllers",
    ),
    entry(
        "traffic.load-balancer-no-address",
        Severity::Error,
        "a LoadBalancer Service has no address after the grace period",
        "the Service's status and its events",
    ),
    entry(
        "traffic.webhook-no-endpoints",
        Severity::Error,
        "an admission webhook's Service has no ready endpoint: the API server refuses what it guards",
        "webhook configurations, their Services and Endpoints",
    ),
    entry(
        "traffic.certificate-not-ready",
        Severity::Error,
        "a cert-manager Certificate is not Ready: its Secret is missing or stale",
        "the Certificate's Ready condition",
    ),
];
