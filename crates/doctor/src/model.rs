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
    /// The PromQL queries doctor ran: KEDA's Prometheus triggers and the addons' alert rules.
    pub queries: Vec<Query>,
    /// What AWS says of the platform, when it was read.
    pub cloud: Option<Cloud>,
    /// The chart version each release of the platform pins (`release id` → `chart-version`, the
    /// `helm.sh/chart` label value a chart's objects carry).
    pub charts: BTreeMap<String, String>,
}

/// A PromQL instant query doctor ran, and its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// What asked for it: `ScaledObject ns/name` (a trigger) or `PrometheusRule ns/name` (an
    /// alert rule).
    pub object: String,
    /// The trigger's name (or its index) or the alert's name.
    pub source: String,
    /// The Prometheus server, as the object names it.
    pub server: String,
    pub query: String,
    /// The series returned, or why there is no answer (unreachable, a PromQL error).
    pub outcome: Result<Vec<Sample>, String>,
    /// When the answer is empty: the label sets the query's metrics do have
    /// (`trino_queued{job="trino-coordinator",namespace="trino"}`), so a wrong label shows.
    pub existing: Vec<String>,
}

/// One series of an answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// What AWS says of the platform's cluster (read-only: EKS, IAM and S3 reads).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cloud {
    /// The EKS cluster's name.
    pub cluster: String,
    /// Why AWS could not be read (credentials, the cluster missing); nothing else is set then.
    pub error: Option<String>,
    /// The cluster's EKS add-ons.
    pub addons: Vec<EksAddon>,
    /// Every pod identity association of the cluster.
    pub associations: Vec<Association>,
    /// The associations the plan declares, with the role each must name.
    pub expected: Vec<ExpectedIdentity>,
}

/// An EKS add-on as `DescribeAddon` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct EksAddon {
    pub name: String,
    /// ACTIVE, CREATING, DEGRADED, CREATE_FAILED, ...
    pub status: String,
    pub version: String,
    pub issues: Vec<String>,
}

/// A pod identity association.
#[derive(Clone, Debug, PartialEq)]
pub struct Association {
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
}

/// A pod identity the plan declares: who, the role it must assume, what that role must reach.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectedIdentity {
    pub namespace: String,
    pub service_account: String,
    /// The addon that declared it (`core` for the platform's own).
    pub addon: String,
    pub role_name: String,
    /// The role's policy documents as IAM has them (inline, then attached managed policies);
    /// `None` when the role does not exist.
    pub policies: Option<Vec<Value>>,
    /// The buckets the role's grant names.
    pub buckets: Vec<BucketReach>,
}

/// One bucket a pod identity's grant names.
#[derive(Clone, Debug, PartialEq)]
pub struct BucketReach {
    /// The bucket's reference in the plan (`exchange`, `core/data`).
    pub purpose: String,
    /// The bucket's S3 name.
    pub bucket: String,
    pub exists: bool,
    /// What the grant allows on it: `(action, resource ARN)`, each of which the role's policies
    /// must allow.
    pub needs: Vec<(String, String)>,
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
    entry(
        "keda.trigger-query-failed",
        Severity::Error,
        "a ScaledObject's Prometheus query fails (Prometheus unreachable, or the query rejected)",
        "each prometheus trigger's query, run by doctor through the API server's service proxy",
    ),
    entry(
        "keda.trigger-query-empty",
        Severity::Error,
        "a ScaledObject's Prometheus query returns no series: KEDA has nothing to scale on",
        "each prometheus trigger's query, and the label sets its metrics do have",
    ),
    entry(
        "keda.hpa-metric-unavailable",
        Severity::Error,
        "a HorizontalPodAutoscaler cannot read its metric, so it does not scale",
        "the HPA's ScalingActive condition",
    ),
    entry(
        "keda.hpa-at-max",
        Severity::Warning,
        "a workload is at its maximum replicas while its metric is above the target",
        "the HPA's current metrics against its targets, its replicas against maxReplicas",
    ),
    entry(
        "alerts.not-evaluated",
        Severity::Warning,
        "an addon's alert rule could not be evaluated (Prometheus unreachable or the expression rejected)",
        "the expressions of the PrometheusRules of the platform's releases, run through the service proxy",
    ),
    entry(
        "identity.association-missing",
        Severity::Error,
        "a service account the plan gives an AWS role has no pod identity association: its pods get no credentials",
        "EKS ListPodIdentityAssociations against the plan's pod identities, and the pods that run as them",
    ),
    entry(
        "identity.association-wrong-role",
        Severity::Error,
        "a pod identity association names another role than the plan's",
        "EKS DescribePodIdentityAssociation against the plan's role",
    ),
    entry(
        "identity.role-missing",
        Severity::Error,
        "the role a pod identity association names does not exist",
        "IAM GetRole",
    ),
    entry(
        "identity.bucket-unreachable",
        Severity::Error,
        "a pod identity's role cannot use a bucket its grant names (the bucket is gone, or the policy does not allow it)",
        "S3 HeadBucket; the role's policies (IAM) against each action the grant declares on the bucket",
    ),
    entry(
        "drift.eks-addon-degraded",
        Severity::Error,
        "an EKS add-on is degraded or failed",
        "EKS DescribeAddon: status and health issues",
    ),
    entry(
        "drift.chart-version",
        Severity::Warning,
        "a release runs another version of its chart than platform.yaml pins",
        "the helm.sh/chart label of the releases' objects against the pinned chart version",
    ),
    entry(
        "doctor.cloud-unreadable",
        Severity::Warning,
        "AWS could not be read: add-ons, pod identities and buckets are not checked",
        "the AWS credentials and the EKS cluster",
    ),
];
