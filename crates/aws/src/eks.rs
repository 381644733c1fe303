//! EKS through its API (DESIGN.md section 8): the cluster, managed node groups, managed add-ons,
//! pod identity associations and access entries, converged from a desired [`EksSpec`].
//!
//! [`converge`] reads before it writes and writes only what differs, so a second run after a
//! success makes no create or update call at all. The order follows the reference's "correct
//! order" (trino-on-eks 6.3): control plane (access entries bootstrapped with the creator as
//! cluster admin) → the add-ons nodes need before they join (vpc-cni with prefix delegation,
//! eks-pod-identity-agent, kube-proxy) → the node groups → the remaining add-ons (coredns, the EBS
//! CSI driver with its pod identity) → access entries → pod identity associations (stale ones of
//! this deployment removed).
//!
//! It converges from any point: a cluster still `CREATING` or `UPDATING` is waited for, one that
//! is `DELETING` is waited out and created again, a `FAILED` cluster or a node group or add-on in
//! `CREATE_FAILED` is deleted and created again. Every wait polls at [`Polling::interval`],
//! reports progress through [`EksEvent::Waiting`] and gives up after [`Polling::timeout`].
//!
//! [`delete`] removes node groups, then add-ons, then the cluster (its access entries and pod
//! identity associations go with it), waiting for each.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

use aws_sdk_eks::Client;
use aws_sdk_eks::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_eks::types::{
    AccessScope, AccessScopeType, AddonPodIdentityAssociations, AddonStatus, AmiTypes, AuthenticationMode,
    CapacityTypes, ClusterStatus, CreateAccessConfigRequest, EncryptionConfig, LogSetup, LogType, Logging,
    NodegroupScalingConfig, NodegroupStatus, Provider, ResolveConflicts, Taint, TaintEffect, UpdateLabelsPayload,
    UpdateTaintsPayload, VpcConfigRequest,
};
use serde::Serialize;

use crate::stacks::Polling;

/// The ARN of EKS's cluster-admin access policy.
pub const CLUSTER_ADMIN_POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/// The control-plane log types we enable by default: all of them.
pub const ALL_LOG_TYPES: [&str; 5] = dataplat_vocabulary::CONTROL_PLANE_LOG_TYPES;

// ---------------------------------------------------------------------------------------------
// Desired state
// ---------------------------------------------------------------------------------------------

/// The control plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSpec {
    pub name: String,
    /// Kubernetes minor version, e.g. "1.34".
    pub version: String,
    pub role_arn: String,
    pub subnet_ids: Vec<String>,
    /// Extra security groups on the control plane's ENIs (the node security group).
    pub security_group_ids: Vec<String>,
    pub endpoint_public_access: bool,
    pub endpoint_private_access: bool,
    /// CIDRs allowed to reach the public endpoint (empty: EKS's default, everywhere).
    pub public_access_cidrs: Vec<String>,
    /// Enabled control-plane log types ([`ALL_LOG_TYPES`] by default).
    pub log_types: Vec<String>,
    /// A customer KMS key for envelope encryption (set at creation; EKS cannot remove it).
    /// Without one, EKS encrypts with its own key.
    pub secrets_key_arn: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// A managed node group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodegroupSpec {
    pub name: String,
    pub node_role_arn: String,
    pub subnet_ids: Vec<String>,
    pub instance_types: Vec<String>,
    /// e.g. `AL2023_x86_64_STANDARD`, `AL2023_ARM_64_STANDARD`.
    pub ami_type: String,
    /// `ON_DEMAND` or `SPOT`.
    pub capacity_type: String,
    pub disk_size: i32,
    pub min_size: i32,
    pub max_size: i32,
    pub desired_size: i32,
    pub labels: BTreeMap<String, String>,
    /// (key, value, effect) with effect `NO_SCHEDULE`, `NO_EXECUTE` or `PREFER_NO_SCHEDULE`.
    pub taints: Vec<(String, String, String)>,
    pub tags: BTreeMap<String, String>,
}

/// An EKS managed add-on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonSpec {
    pub name: String,
    /// A pinned version; `None` takes EKS's default for the cluster version and never updates.
    pub version: Option<String>,
    /// The add-on's configuration values as JSON (compared as JSON, not as text).
    pub configuration: Option<serde_json::Value>,
    /// (service account, role ARN): a pod identity association the add-on owns.
    pub pod_identity: Option<(String, String)>,
    /// Created before the node groups (nodes need it to join or to get pod IPs).
    pub before_compute: bool,
    pub tags: BTreeMap<String, String>,
}

/// A pod identity association.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodIdentitySpec {
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
}

/// The kind of an access entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AccessEntryKind {
    /// A user or role mapped to Kubernetes permissions through access policies.
    Standard,
    /// The role of self-managed or Karpenter-launched Linux nodes.
    Ec2Linux,
}

impl AccessEntryKind {
    fn as_str(self) -> &'static str {
        match self {
            AccessEntryKind::Standard => "STANDARD",
            AccessEntryKind::Ec2Linux => "EC2_LINUX",
        }
    }
}

/// An access entry and the access policies associated with it at cluster scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntrySpec {
    pub principal_arn: String,
    pub kind: AccessEntryKind,
    pub policies: Vec<String>,
}

/// Everything [`converge`] makes true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EksSpec {
    pub cluster: ClusterSpec,
    pub nodegroups: Vec<NodegroupSpec>,
    pub addons: Vec<AddonSpec>,
    pub access_entries: Vec<AccessEntrySpec>,
    pub pod_identities: Vec<PodIdentitySpec>,
    /// The tag (key, value) marking the pod identity associations this deployment owns: those
    /// carrying it and no longer desired are deleted.
    pub owner_tag: (String, String),
    /// Tags on every add-on, association and access entry.
    pub tags: BTreeMap<String, String>,
}

// ---------------------------------------------------------------------------------------------
// Reports and events
// ---------------------------------------------------------------------------------------------

/// The kind of an EKS resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    Cluster,
    Nodegroup,
    Addon,
    AccessEntry,
    AccessPolicy,
    PodIdentity,
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Cluster => "cluster",
            ResourceKind::Nodegroup => "node group",
            ResourceKind::Addon => "add-on",
            ResourceKind::AccessEntry => "access entry",
            ResourceKind::AccessPolicy => "access policy",
            ResourceKind::PodIdentity => "pod identity",
        })
    }
}

/// What was done to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Created,
    Updated,
    /// Found failed, deleted and created again.
    Recreated,
    Deleted,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Recreated => "recreated",
            Action::Deleted => "deleted",
        })
    }
}

/// One change [`converge`] or [`delete`] made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: ResourceKind,
    pub name: String,
    pub action: Action,
    /// What differed, for updates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The cluster as EKS describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterInfo {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub version: String,
    pub endpoint: String,
    /// Base64 PEM of the cluster CA.
    pub certificate_authority: String,
}

/// What [`converge`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EksReport {
    pub cluster: ClusterInfo,
    /// Empty when everything already matched.
    pub changes: Vec<Change>,
    /// Differences that cannot be converged in place (e.g. a node group's instance types).
    pub warnings: Vec<String>,
}

/// Progress of [`converge`] and [`delete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EksEvent {
    /// A change was made (or started: waits follow).
    Changed(Change),
    /// Waiting for a resource to settle.
    Waiting { kind: ResourceKind, name: String, status: String, elapsed: Duration },
    /// A difference that is reported, not converged.
    Warning(String),
}

impl fmt::Display for EksEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EksEvent::Changed(c) => {
                write!(f, "{} {} {}", c.kind, c.name, c.action)?;
                if let Some(detail) = &c.detail {
                    write!(f, " ({detail})")?;
                }
                Ok(())
            }
            EksEvent::Waiting { kind, name, status, elapsed } => {
                write!(f, "waiting for {kind} {name}: {status} ({}s)", elapsed.as_secs())
            }
            EksEvent::Warning(w) => write!(f, "warning: {w}"),
        }
    }
}

/// EKS errors, each with what failed and a hint.
#[derive(Debug, thiserror::Error)]
pub enum EksError {
    #[error("EKS {operation} on {resource} failed: {message}")]
    Api { operation: &'static str, resource: String, code: Option<String>, message: String, hint: String },
    #[error("{kind} {name} is {status}{}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Failed { kind: ResourceKind, name: String, status: String, reason: Option<String>, hint: String },
    #[error("timed out after {waited:?} waiting for {kind} {name} (last status {status})")]
    Timeout { kind: ResourceKind, name: String, status: String, waited: Duration },
    #[error("{message}")]
    Invalid { message: String, hint: String },
}

impl EksError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            EksError::Api { hint, .. } | EksError::Failed { hint, .. } | EksError::Invalid { hint, .. } => hint.clone(),
            EksError::Timeout { .. } => {
                "EKS is still working on it; run the command again later, it resumes where this one stopped".into()
            }
        }
    }
}

type Result<T, E = EksError> = std::result::Result<T, E>;

fn api<E, R>(operation: &'static str, resource: &str, err: SdkError<E, R>) -> EksError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let code = err.code().map(str::to_owned);
    let message = match err.message() {
        Some(m) => format!("{}: {m}", code.as_deref().unwrap_or("error")),
        None => DisplayErrorContext(&err).to_string(),
    };
    let hint = match code.as_deref() {
        Some("AccessDeniedException") => "the credentials in use lack this EKS permission; check the IAM policy",
        Some("ResourceLimitExceededException" | "ServiceQuotaExceededException") => {
            "an account quota is reached; raise it in Service Quotas or delete unused resources"
        }
        Some("UnsupportedAvailabilityZoneException") => {
            "EKS has no capacity in one of the zones; the network stack picks the region's first zones"
        }
        Some("InvalidParameterException" | "InvalidRequestException") => {
            "the request was refused as invalid; the message above names the field"
        }
        _ => "run the command again; it resumes where it stopped",
    }
    .to_owned();
    EksError::Api { operation, resource: resource.to_owned(), code, message, hint }
}

fn not_found<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.code() == Some("ResourceNotFoundException")
}

// ---------------------------------------------------------------------------------------------
// Waiting
// ---------------------------------------------------------------------------------------------

struct Waiter<'a> {
    polling: Polling,
    on_event: &'a mut dyn FnMut(&EksEvent),
    /// [`plan`]: every write is built and dropped unsent, and nothing is waited for.
    dry_run: bool,
}

impl Waiter<'_> {
    fn emit(&mut self, event: EksEvent) {
        (self.on_event)(&event);
    }

    /// Sends a write request; in a dry run the request future is dropped without being polled,
    /// so nothing goes out.
    async fn send<T, E, R>(
        &self,
        operation: &'static str,
        resource: &str,
        request: impl std::future::Future<Output = std::result::Result<T, SdkError<E, R>>>,
    ) -> Result<()>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        if self.dry_run {
            return Ok(());
        }
        request.await.map(drop).map_err(|e| api(operation, resource, e))
    }

    fn changed(
        &mut self,
        changes: &mut Vec<Change>,
        kind: ResourceKind,
        name: &str,
        action: Action,
        detail: Option<String>,
    ) {
        let change = Change { kind, name: name.to_owned(), action, detail };
        self.emit(EksEvent::Changed(change.clone()));
        changes.push(change);
    }

    /// Polls `probe` until it returns `Some`; `probe` gets the last status to report.
    async fn until<T, F, Fut>(&mut self, kind: ResourceKind, name: &str, mut probe: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Poll<T>>>,
    {
        let start = Instant::now();
        loop {
            match probe().await? {
                Poll::Done(value) => return Ok(value),
                Poll::Pending(status) => {
                    let elapsed = start.elapsed();
                    if elapsed >= self.polling.timeout {
                        return Err(EksError::Timeout { kind, name: name.to_owned(), status, waited: elapsed });
                    }
                    self.emit(EksEvent::Waiting { kind, name: name.to_owned(), status, elapsed });
                    tokio::time::sleep(self.polling.interval).await;
                }
            }
        }
    }
}

enum Poll<T> {
    Done(T),
    Pending(String),
}

// ---------------------------------------------------------------------------------------------
// Cluster
// ---------------------------------------------------------------------------------------------

/// The cluster, or `None` when it does not exist.
pub async fn describe_cluster(eks: &Client, name: &str) -> Result<Option<aws_sdk_eks::types::Cluster>> {
    match eks.describe_cluster().name(name).send().await {
        Ok(out) => Ok(out.cluster),
        Err(err) if not_found(&err) => Ok(None),
        Err(err) => Err(api("DescribeCluster", name, err)),
    }
}

fn cluster_info(cluster: &aws_sdk_eks::types::Cluster) -> ClusterInfo {
    ClusterInfo {
        name: cluster.name().unwrap_or_default().to_owned(),
        arn: cluster.arn().unwrap_or_default().to_owned(),
        status: cluster.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        version: cluster.version().unwrap_or_default().to_owned(),
        endpoint: cluster.endpoint().unwrap_or_default().to_owned(),
        certificate_authority: cluster.certificate_authority().and_then(|c| c.data()).unwrap_or_default().to_owned(),
    }
}

/// The cluster's endpoint and CA, for kubeconfig; `None` when it does not exist.
pub async fn cluster_info_of(eks: &Client, name: &str) -> Result<Option<ClusterInfo>> {
    Ok(describe_cluster(eks, name).await?.as_ref().map(cluster_info))
}

fn logging(types: &[String]) -> Logging {
    let mut setups = Vec::new();
    let on: Vec<LogType> = types.iter().map(|t| LogType::from(t.as_str())).collect();
    let off: Vec<LogType> =
        ALL_LOG_TYPES.iter().filter(|t| !types.iter().any(|x| x == *t)).map(|t| LogType::from(*t)).collect();
    if !on.is_empty() {
        setups.push(LogSetup::builder().set_types(Some(on)).enabled(true).build());
    }
    if !off.is_empty() {
        setups.push(LogSetup::builder().set_types(Some(off)).enabled(false).build());
    }
    Logging::builder().set_cluster_logging(Some(setups)).build()
}

fn enabled_log_types(cluster: &aws_sdk_eks::types::Cluster) -> BTreeSet<String> {
    cluster
        .logging()
        .map(|l| l.cluster_logging())
        .unwrap_or_default()
        .iter()
        .filter(|s| s.enabled() == Some(true))
        .flat_map(|s| s.types().iter().map(|t| t.as_str().to_owned()))
        .collect()
}

fn minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

async fn create_cluster(eks: &Client, spec: &ClusterSpec, w: &Waiter<'_>) -> Result<()> {
    let mut vpc = VpcConfigRequest::builder()
        .set_subnet_ids(Some(spec.subnet_ids.clone()))
        .set_security_group_ids(Some(spec.security_group_ids.clone()))
        .endpoint_public_access(spec.endpoint_public_access)
        .endpoint_private_access(spec.endpoint_private_access);
    if !spec.public_access_cidrs.is_empty() {
        vpc = vpc.set_public_access_cidrs(Some(spec.public_access_cidrs.clone()));
    }
    let mut request = eks
        .create_cluster()
        .name(&spec.name)
        .version(&spec.version)
        .role_arn(&spec.role_arn)
        .resources_vpc_config(vpc.build())
        .logging(logging(&spec.log_types))
        .access_config(
            CreateAccessConfigRequest::builder()
                .authentication_mode(AuthenticationMode::Api)
                .bootstrap_cluster_creator_admin_permissions(true)
                .build(),
        )
        .set_tags(Some(spec.tags.clone().into_iter().collect()));
    if let Some(key) = &spec.secrets_key_arn {
        request = request
            .encryption_config(EncryptionConfig::builder().provider(Provider::builder().key_arn(key).build()).build());
    }
    w.send("CreateCluster", &spec.name, request.send()).await
}

/// Waits until the cluster is ACTIVE (or gone, when `gone` is true).
async fn wait_cluster(
    eks: &Client,
    name: &str,
    w: &mut Waiter<'_>,
    gone: bool,
) -> Result<Option<aws_sdk_eks::types::Cluster>> {
    if w.dry_run {
        return if gone { Ok(None) } else { describe_cluster(eks, name).await };
    }
    w.until(ResourceKind::Cluster, name, || async {
        let cluster = describe_cluster(eks, name).await?;
        let Some(cluster) = cluster else {
            return if gone {
                Ok(Poll::Done(None))
            } else {
                Err(EksError::Failed {
                    kind: ResourceKind::Cluster,
                    name: name.to_owned(),
                    status: "gone".into(),
                    reason: Some("it disappeared while being waited for".into()),
                    hint: "someone deleted it; run the command again to create it".into(),
                })
            };
        };
        let status = cluster.status().cloned().unwrap_or(ClusterStatus::Creating);
        match status {
            ClusterStatus::Active if !gone => Ok(Poll::Done(Some(cluster))),
            ClusterStatus::Failed if !gone => Err(EksError::Failed {
                kind: ResourceKind::Cluster,
                name: name.to_owned(),
                status: "FAILED".into(),
                reason: cluster.health().map(|h| format!("{:?}", h.issues())),
                hint: "run the command again: a failed cluster is deleted and created again".into(),
            }),
            other => Ok(Poll::Pending(other.as_str().to_owned())),
        }
    })
    .await
}

async fn converge_cluster(
    eks: &Client,
    spec: &ClusterSpec,
    w: &mut Waiter<'_>,
    changes: &mut Vec<Change>,
    warnings: &mut Vec<String>,
) -> Result<Option<aws_sdk_eks::types::Cluster>> {
    let name = spec.name.as_str();
    let mut current = describe_cluster(eks, name).await?;
    if let Some(cluster) = &current {
        match cluster.status() {
            Some(ClusterStatus::Deleting) => {
                wait_cluster(eks, name, w, true).await?;
                current = None;
            }
            Some(ClusterStatus::Failed) => {
                w.send("DeleteCluster", name, eks.delete_cluster().name(name).send()).await?;
                wait_cluster(eks, name, w, true).await?;
                create_cluster(eks, spec, w).await?;
                w.changed(changes, ResourceKind::Cluster, name, Action::Recreated, Some("it was FAILED".into()));
                return active_cluster(eks, name, w).await;
            }
            _ => {}
        }
    }
    let Some(_) = current else {
        create_cluster(eks, spec, w).await?;
        w.changed(changes, ResourceKind::Cluster, name, Action::Created, Some(format!("Kubernetes {}", spec.version)));
        return active_cluster(eks, name, w).await;
    };
    let Some(mut cluster) = wait_cluster(eks, name, w, false).await? else {
        return Err(vanished(ResourceKind::Cluster, name));
    };

    // Version: one minor at a time, never down.
    let (want, have) = (minor(&spec.version), cluster.version().and_then(minor));
    if let (Some(want), Some(mut have)) = (want, have) {
        if want < have {
            warnings.push(format!(
                "cluster {name} runs Kubernetes {}.{} but platform.yaml asks for {}; EKS cannot downgrade, nothing was changed",
                have.0, have.1, spec.version
            ));
        }
        while have < want && have.0 == want.0 {
            let next = format!("{}.{}", have.0, have.1 + 1);
            w.send("UpdateClusterVersion", name, eks.update_cluster_version().name(name).version(&next).send()).await?;
            w.changed(changes, ResourceKind::Cluster, name, Action::Updated, Some(format!("Kubernetes {next}")));
            cluster = settled_cluster(eks, name, w, cluster).await?;
            have = (have.0, have.1 + 1);
        }
    }

    // Logging.
    let want_logs: BTreeSet<String> = spec.log_types.iter().cloned().collect();
    if enabled_log_types(&cluster) != want_logs {
        let request = eks.update_cluster_config().name(name).logging(logging(&spec.log_types)).send();
        w.send("UpdateClusterConfig", name, request).await?;
        let detail = format!("control-plane logs: {}", spec.log_types.join(", "));
        w.changed(changes, ResourceKind::Cluster, name, Action::Updated, Some(detail));
        cluster = settled_cluster(eks, name, w, cluster).await?;
    }

    // Endpoint access (subnets cannot change in place).
    if let Some(vpc) = cluster.resources_vpc_config() {
        let mut have_subnets: Vec<String> = vpc.subnet_ids().to_vec();
        let mut want_subnets = spec.subnet_ids.clone();
        have_subnets.sort();
        want_subnets.sort();
        if have_subnets != want_subnets {
            warnings.push(format!(
                "cluster {name} runs in subnets {} but the network stack has {}; EKS cannot move a cluster, nothing was changed",
                have_subnets.join(","),
                want_subnets.join(",")
            ));
        }
        let cidrs_differ =
            !spec.public_access_cidrs.is_empty() && vpc.public_access_cidrs() != spec.public_access_cidrs;
        if vpc.endpoint_public_access() != spec.endpoint_public_access
            || vpc.endpoint_private_access() != spec.endpoint_private_access
            || cidrs_differ
        {
            let mut req = VpcConfigRequest::builder()
                .endpoint_public_access(spec.endpoint_public_access)
                .endpoint_private_access(spec.endpoint_private_access);
            if !spec.public_access_cidrs.is_empty() {
                req = req.set_public_access_cidrs(Some(spec.public_access_cidrs.clone()));
            }
            let request = eks.update_cluster_config().name(name).resources_vpc_config(req.build()).send();
            w.send("UpdateClusterConfig", name, request).await?;
            let public = match (spec.endpoint_public_access, spec.public_access_cidrs.is_empty()) {
                (false, _) => "no public endpoint".to_owned(),
                (true, true) => "public endpoint open to all".to_owned(),
                (true, false) => format!("public endpoint from {}", spec.public_access_cidrs.join(", ")),
            };
            let private = if spec.endpoint_private_access { "private endpoint" } else { "no private endpoint" };
            let detail = format!("{public}, {private}");
            w.changed(changes, ResourceKind::Cluster, name, Action::Updated, Some(detail));
            cluster = settled_cluster(eks, name, w, cluster).await?;
        }
    }

    // Authentication mode: only ever towards API (EKS allows no way back).
    if let Some(mode) = cluster.access_config().and_then(|a| a.authentication_mode())
        && *mode != AuthenticationMode::Api
    {
        let next = match mode {
            AuthenticationMode::ConfigMap => AuthenticationMode::ApiAndConfigMap,
            _ => AuthenticationMode::Api,
        };
        let request = eks
            .update_cluster_config()
            .name(name)
            .access_config(
                aws_sdk_eks::types::UpdateAccessConfigRequest::builder().authentication_mode(next.clone()).build(),
            )
            .send();
        w.send("UpdateClusterConfig", name, request).await?;
        let detail = format!("authentication mode {}", next.as_str());
        w.changed(changes, ResourceKind::Cluster, name, Action::Updated, Some(detail));
        cluster = settled_cluster(eks, name, w, cluster).await?;
    }

    // Tags.
    let have_tags = cluster.tags().cloned().unwrap_or_default();
    let missing: HashMap<String, String> =
        spec.tags.iter().filter(|(k, v)| have_tags.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    if !missing.is_empty() {
        let arn = cluster.arn().unwrap_or_default().to_owned();
        w.send("TagResource", name, eks.tag_resource().resource_arn(&arn).set_tags(Some(missing.clone())).send())
            .await?;
        let mut keys: Vec<_> = missing.keys().cloned().collect();
        keys.sort();
        w.changed(changes, ResourceKind::Cluster, name, Action::Updated, Some(format!("tags {}", keys.join(", "))));
    }

    // Envelope encryption of Secrets: EKS adds a key to a running cluster, never changes or
    // removes one.
    let have_key =
        cluster.encryption_config().iter().find_map(|e| e.provider().and_then(|p| p.key_arn())).map(str::to_owned);
    match (have_key, &spec.secrets_key_arn) {
        (None, Some(want)) => {
            let config = EncryptionConfig::builder().provider(Provider::builder().key_arn(want).build()).build();
            let request = eks.associate_encryption_config().cluster_name(name).encryption_config(config).send();
            w.send("AssociateEncryptionConfig", name, request).await?;
            let detail = format!("Secrets encrypted with {want}");
            w.changed(changes, ResourceKind::Cluster, name, Action::Updated, Some(detail));
            cluster = settled_cluster(eks, name, w, cluster).await?;
        }
        (Some(have), Some(want)) if have != *want => warnings.push(format!(
            "cluster {name} encrypts Secrets with {have} but platform.yaml names {want}; EKS cannot change the key, nothing was changed"
        )),
        (Some(have), None) => warnings.push(format!(
            "cluster {name} encrypts Secrets with {have} but platform.yaml names no key; EKS cannot remove it (set cluster.secrets_kms_key_arn to it)"
        )),
        _ => {}
    }
    Ok(Some(cluster))
}

/// The error for a resource that disappeared while it was being converged.
fn vanished(kind: ResourceKind, name: &str) -> EksError {
    EksError::Failed {
        kind,
        name: name.to_owned(),
        status: "gone".into(),
        reason: Some("it disappeared while being converged".into()),
        hint: "someone deleted it; run the command again to create it".into(),
    }
}

/// After a create: the cluster once ACTIVE; `None` in a dry run (it would only now be created).
async fn active_cluster(eks: &Client, name: &str, w: &mut Waiter<'_>) -> Result<Option<aws_sdk_eks::types::Cluster>> {
    if w.dry_run {
        return Ok(None);
    }
    match wait_cluster(eks, name, w, false).await? {
        Some(cluster) => Ok(Some(cluster)),
        None => Err(vanished(ResourceKind::Cluster, name)),
    }
}

/// After an update: the cluster once ACTIVE again; in a dry run, `before` (nothing was sent).
async fn settled_cluster(
    eks: &Client,
    name: &str,
    w: &mut Waiter<'_>,
    before: aws_sdk_eks::types::Cluster,
) -> Result<aws_sdk_eks::types::Cluster> {
    if w.dry_run {
        return Ok(before);
    }
    wait_cluster(eks, name, w, false).await?.ok_or_else(|| vanished(ResourceKind::Cluster, name))
}

// ---------------------------------------------------------------------------------------------
// Node groups
// ---------------------------------------------------------------------------------------------

async fn describe_nodegroup(eks: &Client, cluster: &str, name: &str) -> Result<Option<aws_sdk_eks::types::Nodegroup>> {
    match eks.describe_nodegroup().cluster_name(cluster).nodegroup_name(name).send().await {
        Ok(out) => Ok(out.nodegroup),
        Err(err) if not_found(&err) => Ok(None),
        Err(err) => Err(api("DescribeNodegroup", name, err)),
    }
}

fn taint_effect(effect: &str) -> TaintEffect {
    TaintEffect::from(effect)
}

async fn create_nodegroup(eks: &Client, cluster: &str, spec: &NodegroupSpec, w: &Waiter<'_>) -> Result<()> {
    let taints: Vec<Taint> =
        spec.taints.iter().map(|(k, v, e)| Taint::builder().key(k).value(v).effect(taint_effect(e)).build()).collect();
    let request = eks
        .create_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(&spec.name)
        .node_role(&spec.node_role_arn)
        .set_subnets(Some(spec.subnet_ids.clone()))
        .set_instance_types(Some(spec.instance_types.clone()))
        .ami_type(AmiTypes::from(spec.ami_type.as_str()))
        .capacity_type(CapacityTypes::from(spec.capacity_type.as_str()))
        .disk_size(spec.disk_size)
        .scaling_config(
            NodegroupScalingConfig::builder()
                .min_size(spec.min_size)
                .max_size(spec.max_size)
                .desired_size(spec.desired_size)
                .build(),
        )
        .set_labels(Some(spec.labels.clone().into_iter().collect()))
        .set_taints(if taints.is_empty() { None } else { Some(taints) })
        .set_tags(Some(spec.tags.clone().into_iter().collect()));
    w.send("CreateNodegroup", &spec.name, request.send()).await
}

async fn wait_nodegroup(
    eks: &Client,
    cluster: &str,
    name: &str,
    w: &mut Waiter<'_>,
    gone: bool,
) -> Result<Option<aws_sdk_eks::types::Nodegroup>> {
    if w.dry_run {
        return if gone { Ok(None) } else { describe_nodegroup(eks, cluster, name).await };
    }
    w.until(ResourceKind::Nodegroup, name, || async {
        let Some(ng) = describe_nodegroup(eks, cluster, name).await? else {
            return if gone {
                Ok(Poll::Done(None))
            } else {
                Err(EksError::Failed {
                    kind: ResourceKind::Nodegroup,
                    name: name.to_owned(),
                    status: "gone".into(),
                    reason: None,
                    hint: "it was deleted while being waited for; run the command again".into(),
                })
            };
        };
        let status = ng.status().cloned().unwrap_or(NodegroupStatus::Creating);
        let issues = || ng.health().map(|h| h.issues().iter().filter_map(|i| i.message()).collect::<Vec<_>>().join("; "));
        match status {
            NodegroupStatus::Active if !gone => Ok(Poll::Done(Some(ng))),
            NodegroupStatus::CreateFailed | NodegroupStatus::Degraded if !gone => Err(EksError::Failed {
                kind: ResourceKind::Nodegroup,
                name: name.to_owned(),
                status: status.as_str().to_owned(),
                reason: issues(),
                hint: "check the node role and the subnets' routes; run the command again (a failed node group is recreated)".into(),
            }),
            NodegroupStatus::DeleteFailed => Err(EksError::Failed {
                kind: ResourceKind::Nodegroup,
                name: name.to_owned(),
                status: status.as_str().to_owned(),
                reason: issues(),
                hint: "EKS could not delete it; fix the cause above (often an ENI or security group in use) and run again".into(),
            }),
            other => Ok(Poll::Pending(other.as_str().to_owned())),
        }
    })
    .await
}

async fn converge_nodegroup(
    eks: &Client,
    cluster: &str,
    spec: &NodegroupSpec,
    w: &mut Waiter<'_>,
    changes: &mut Vec<Change>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let name = spec.name.as_str();
    let mut current = describe_nodegroup(eks, cluster, name).await?;
    if let Some(ng) = &current {
        match ng.status() {
            Some(NodegroupStatus::Deleting) => {
                wait_nodegroup(eks, cluster, name, w, true).await?;
                current = None;
            }
            Some(NodegroupStatus::CreateFailed) => {
                let request = eks.delete_nodegroup().cluster_name(cluster).nodegroup_name(name).send();
                w.send("DeleteNodegroup", name, request).await?;
                wait_nodegroup(eks, cluster, name, w, true).await?;
                create_nodegroup(eks, cluster, spec, w).await?;
                w.changed(
                    changes,
                    ResourceKind::Nodegroup,
                    name,
                    Action::Recreated,
                    Some("it was CREATE_FAILED".into()),
                );
                wait_nodegroup(eks, cluster, name, w, false).await?;
                return Ok(());
            }
            _ => {}
        }
    }
    if current.is_none() {
        create_nodegroup(eks, cluster, spec, w).await?;
        let detail = format!("{} × {}..{}", spec.instance_types.join("/"), spec.min_size, spec.max_size);
        w.changed(changes, ResourceKind::Nodegroup, name, Action::Created, Some(detail));
        wait_nodegroup(eks, cluster, name, w, false).await?;
        return Ok(());
    }
    let Some(ng) = wait_nodegroup(eks, cluster, name, w, false).await? else {
        return Err(vanished(ResourceKind::Nodegroup, name));
    };

    let mut fixed: Vec<&str> = Vec::new();
    if ng.instance_types() != spec.instance_types.as_slice() {
        fixed.push("instance types");
    }
    if ng.ami_type().map(|a| a.as_str()) != Some(spec.ami_type.as_str()) {
        fixed.push("AMI type");
    }
    if ng.capacity_type().map(|c| c.as_str()) != Some(spec.capacity_type.as_str()) {
        fixed.push("capacity type");
    }
    if !fixed.is_empty() {
        warnings.push(format!(
            "node group {name}: {} differ from platform.yaml; EKS cannot change them in place (delete the node group to replace it)",
            fixed.join(", ")
        ));
    }

    let scaling = ng.scaling_config();
    let (min, max, desired) = (
        scaling.and_then(|s| s.min_size()).unwrap_or(0),
        scaling.and_then(|s| s.max_size()).unwrap_or(0),
        scaling.and_then(|s| s.desired_size()).unwrap_or(0),
    );
    let have_labels: BTreeMap<String, String> =
        ng.labels().map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
    let have_taints: BTreeSet<(String, String, String)> = ng
        .taints()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
                t.effect().map(|e| e.as_str().to_owned()).unwrap_or_default(),
            )
        })
        .collect();
    let want_taints: BTreeSet<(String, String, String)> = spec.taints.iter().cloned().collect();

    let scaling_differs = min != spec.min_size || max != spec.max_size;
    let labels_differ = have_labels != spec.labels;
    let taints_differ = have_taints != want_taints;
    if scaling_differs || labels_differ || taints_differ {
        let mut request = eks.update_nodegroup_config().cluster_name(cluster).nodegroup_name(name);
        let mut what = Vec::new();
        if scaling_differs {
            // The desired size belongs to whoever scales the group; only pull it into the new range.
            let desired = desired.clamp(spec.min_size, spec.max_size);
            request = request.scaling_config(
                NodegroupScalingConfig::builder()
                    .min_size(spec.min_size)
                    .max_size(spec.max_size)
                    .desired_size(desired)
                    .build(),
            );
            what.push(format!("size {}..{}", spec.min_size, spec.max_size));
        }
        if labels_differ {
            let remove: Vec<String> = have_labels.keys().filter(|k| !spec.labels.contains_key(*k)).cloned().collect();
            let add: HashMap<String, String> = spec
                .labels
                .iter()
                .filter(|(k, v)| have_labels.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            request = request.labels(
                UpdateLabelsPayload::builder()
                    .set_add_or_update_labels(if add.is_empty() { None } else { Some(add) })
                    .set_remove_labels(if remove.is_empty() { None } else { Some(remove) })
                    .build(),
            );
            what.push("labels".into());
        }
        if taints_differ {
            let to_taint =
                |(k, v, e): &(String, String, String)| Taint::builder().key(k).value(v).effect(taint_effect(e)).build();
            let add: Vec<Taint> = want_taints.difference(&have_taints).map(to_taint).collect();
            let remove: Vec<Taint> = have_taints.difference(&want_taints).map(to_taint).collect();
            request = request.taints(
                UpdateTaintsPayload::builder()
                    .set_add_or_update_taints(if add.is_empty() { None } else { Some(add) })
                    .set_remove_taints(if remove.is_empty() { None } else { Some(remove) })
                    .build(),
            );
            what.push("taints".into());
        }
        w.send("UpdateNodegroupConfig", name, request.send()).await?;
        w.changed(changes, ResourceKind::Nodegroup, name, Action::Updated, Some(what.join(", ")));
        wait_nodegroup(eks, cluster, name, w, false).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Add-ons
// ---------------------------------------------------------------------------------------------

async fn describe_addon(eks: &Client, cluster: &str, name: &str) -> Result<Option<aws_sdk_eks::types::Addon>> {
    match eks.describe_addon().cluster_name(cluster).addon_name(name).send().await {
        Ok(out) => Ok(out.addon),
        Err(err) if not_found(&err) => Ok(None),
        Err(err) => Err(api("DescribeAddon", name, err)),
    }
}

async fn create_addon(eks: &Client, cluster: &str, spec: &AddonSpec, w: &Waiter<'_>) -> Result<()> {
    let mut request = eks
        .create_addon()
        .cluster_name(cluster)
        .addon_name(&spec.name)
        .set_addon_version(spec.version.clone())
        .resolve_conflicts(ResolveConflicts::Overwrite)
        .set_configuration_values(spec.configuration.as_ref().map(|c| c.to_string()))
        .set_tags(Some(spec.tags.clone().into_iter().collect()));
    if let Some((sa, role)) = &spec.pod_identity {
        let association =
            AddonPodIdentityAssociations::builder().service_account(sa).role_arn(role).build().map_err(|e| {
                EksError::Invalid { message: format!("add-on {}: {e}", spec.name), hint: "a bug: report it".into() }
            })?;
        request = request.pod_identity_associations(association);
    }
    w.send("CreateAddon", &spec.name, request.send()).await
}

async fn wait_addon(
    eks: &Client,
    cluster: &str,
    name: &str,
    w: &mut Waiter<'_>,
    gone: bool,
) -> Result<Option<aws_sdk_eks::types::Addon>> {
    if w.dry_run {
        return if gone { Ok(None) } else { describe_addon(eks, cluster, name).await };
    }
    w.until(ResourceKind::Addon, name, || async {
        let Some(addon) = describe_addon(eks, cluster, name).await? else {
            return if gone {
                Ok(Poll::Done(None))
            } else {
                Err(EksError::Failed {
                    kind: ResourceKind::Addon,
                    name: name.to_owned(),
                    status: "gone".into(),
                    reason: None,
                    hint: "it was deleted while being waited for; run the command again".into(),
                })
            };
        };
        let status = addon.status().cloned().unwrap_or(AddonStatus::Creating);
        let issues =
            || addon.health().map(|h| h.issues().iter().filter_map(|i| i.message()).collect::<Vec<_>>().join("; "));
        match status {
            AddonStatus::Active if !gone => Ok(Poll::Done(Some(addon))),
            AddonStatus::CreateFailed | AddonStatus::UpdateFailed | AddonStatus::DeleteFailed => {
                Err(EksError::Failed {
                    kind: ResourceKind::Addon,
                    name: name.to_owned(),
                    status: status.as_str().to_owned(),
                    reason: issues(),
                    hint: "fix the cause above; run the command again (a failed add-on is recreated)".into(),
                })
            }
            other => Ok(Poll::Pending(other.as_str().to_owned())),
        }
    })
    .await
}

fn same_configuration(have: Option<&str>, want: Option<&serde_json::Value>) -> bool {
    let have: Option<serde_json::Value> = have
        .filter(|s| !s.trim().is_empty())
        .map(|s| serde_json::from_str(s).unwrap_or(serde_json::Value::String(s.into())));
    let want = want.filter(|v| !v.is_null() && *v != &serde_json::json!({}));
    match (have, want) {
        (None, None) => true,
        (Some(h), None) => h == serde_json::json!({}),
        (None, Some(_)) => false,
        (Some(h), Some(w)) => &h == w,
    }
}

async fn converge_addon(
    eks: &Client,
    cluster: &str,
    spec: &AddonSpec,
    w: &mut Waiter<'_>,
    changes: &mut Vec<Change>,
) -> Result<()> {
    let name = spec.name.as_str();
    let mut current = describe_addon(eks, cluster, name).await?;
    if let Some(addon) = &current {
        match addon.status() {
            Some(AddonStatus::Deleting) => {
                wait_addon(eks, cluster, name, w, true).await?;
                current = None;
            }
            Some(AddonStatus::CreateFailed) => {
                w.send("DeleteAddon", name, eks.delete_addon().cluster_name(cluster).addon_name(name).send()).await?;
                wait_addon(eks, cluster, name, w, true).await?;
                create_addon(eks, cluster, spec, w).await?;
                w.changed(changes, ResourceKind::Addon, name, Action::Recreated, Some("it was CREATE_FAILED".into()));
                wait_addon(eks, cluster, name, w, false).await?;
                return Ok(());
            }
            _ => {}
        }
    }
    if current.is_none() {
        create_addon(eks, cluster, spec, w).await?;
        let detail = spec.version.clone().unwrap_or_else(|| "default version".into());
        w.changed(changes, ResourceKind::Addon, name, Action::Created, Some(detail));
        wait_addon(eks, cluster, name, w, false).await?;
        return Ok(());
    }
    let Some(addon) = wait_addon(eks, cluster, name, w, false).await? else {
        return Err(vanished(ResourceKind::Addon, name));
    };
    let version_differs = spec.version.as_deref().is_some_and(|v| addon.addon_version() != Some(v));
    let config_differs = !same_configuration(addon.configuration_values(), spec.configuration.as_ref());
    if version_differs || config_differs {
        let mut what = Vec::new();
        let mut request =
            eks.update_addon().cluster_name(cluster).addon_name(name).resolve_conflicts(ResolveConflicts::Overwrite);
        if version_differs {
            request = request.set_addon_version(spec.version.clone());
            what.push(format!("version {}", spec.version.as_deref().unwrap_or_default()));
        }
        if config_differs {
            let values = spec.configuration.as_ref().map(|c| c.to_string()).unwrap_or_else(|| "{}".into());
            request = request.configuration_values(values);
            what.push("configuration".into());
        }
        w.send("UpdateAddon", name, request.send()).await?;
        w.changed(changes, ResourceKind::Addon, name, Action::Updated, Some(what.join(", ")));
        wait_addon(eks, cluster, name, w, false).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Access entries
// ---------------------------------------------------------------------------------------------

async fn converge_access_entries(
    eks: &Client,
    cluster: &str,
    entries: &[AccessEntrySpec],
    tags: &BTreeMap<String, String>,
    w: &mut Waiter<'_>,
    changes: &mut Vec<Change>,
) -> Result<()> {
    let mut existing = BTreeSet::new();
    let mut token = None;
    loop {
        let out = eks
            .list_access_entries()
            .cluster_name(cluster)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| api("ListAccessEntries", cluster, e))?;
        existing.extend(out.access_entries().iter().cloned());
        token = out.next_token;
        if token.is_none() {
            break;
        }
    }
    for entry in entries {
        let principal = entry.principal_arn.as_str();
        if !existing.contains(principal) {
            let request = eks
                .create_access_entry()
                .cluster_name(cluster)
                .principal_arn(principal)
                .r#type(entry.kind.as_str())
                .set_tags(Some(tags.clone().into_iter().collect()))
                .send();
            w.send("CreateAccessEntry", principal, request).await?;
            w.changed(changes, ResourceKind::AccessEntry, principal, Action::Created, Some(entry.kind.as_str().into()));
        }
        if entry.policies.is_empty() {
            continue;
        }
        let associated: BTreeSet<String> = if existing.contains(principal) {
            eks.list_associated_access_policies()
                .cluster_name(cluster)
                .principal_arn(principal)
                .send()
                .await
                .map_err(|e| api("ListAssociatedAccessPolicies", principal, e))?
                .associated_access_policies()
                .iter()
                .filter(|p| p.access_scope().and_then(|s| s.r#type()) == Some(&AccessScopeType::Cluster))
                .filter_map(|p| p.policy_arn().map(str::to_owned))
                .collect()
        } else {
            BTreeSet::new()
        };
        for policy in entry.policies.iter().filter(|p| !associated.contains(*p)) {
            let request = eks
                .associate_access_policy()
                .cluster_name(cluster)
                .principal_arn(principal)
                .policy_arn(policy)
                .access_scope(AccessScope::builder().r#type(AccessScopeType::Cluster).build())
                .send();
            w.send("AssociateAccessPolicy", principal, request).await?;
            let short = policy.rsplit('/').next().unwrap_or(policy);
            w.changed(changes, ResourceKind::AccessPolicy, principal, Action::Created, Some(short.to_owned()));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pod identity associations
// ---------------------------------------------------------------------------------------------

/// Every pod identity association of `cluster`, all pages.
async fn association_summaries(
    eks: &Client,
    cluster: &str,
) -> Result<Vec<aws_sdk_eks::types::PodIdentityAssociationSummary>> {
    let mut summaries = Vec::new();
    let mut token = None;
    loop {
        let out = eks
            .list_pod_identity_associations()
            .cluster_name(cluster)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| api("ListPodIdentityAssociations", cluster, e))?;
        summaries.extend(out.associations().iter().cloned());
        token = out.next_token;
        if token.is_none() {
            break;
        }
    }
    Ok(summaries)
}

/// A pod identity association as EKS has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssociationState {
    pub namespace: String,
    pub service_account: String,
    pub role_arn: String,
    /// The add-on that owns it (the EBS CSI driver's), if any.
    pub owner: Option<String>,
}

/// Every pod identity association of `cluster`, with its role (one `Describe` each). Reads only.
pub async fn pod_identity_associations(eks: &Client, cluster: &str) -> Result<Vec<AssociationState>> {
    let mut out = Vec::new();
    for summary in association_summaries(eks, cluster).await? {
        let id = summary.association_id().unwrap_or_default();
        let label =
            format!("{}/{}", summary.namespace().unwrap_or_default(), summary.service_account().unwrap_or_default());
        let described = eks
            .describe_pod_identity_association()
            .cluster_name(cluster)
            .association_id(id)
            .send()
            .await
            .map_err(|e| api("DescribePodIdentityAssociation", &label, e))?;
        out.push(AssociationState {
            namespace: summary.namespace().unwrap_or_default().to_owned(),
            service_account: summary.service_account().unwrap_or_default().to_owned(),
            role_arn: described.association().and_then(|a| a.role_arn()).unwrap_or_default().to_owned(),
            owner: summary.owner_arn().map(str::to_owned),
        });
    }
    Ok(out)
}

async fn converge_pod_identities(
    eks: &Client,
    spec: &EksSpec,
    w: &mut Waiter<'_>,
    changes: &mut Vec<Change>,
) -> Result<()> {
    let cluster = spec.cluster.name.as_str();
    let summaries = association_summaries(eks, cluster).await?;
    let desired: BTreeMap<(String, String), &PodIdentitySpec> =
        spec.pod_identities.iter().map(|p| ((p.namespace.clone(), p.service_account.clone()), p)).collect();
    let mut seen = BTreeSet::new();
    for summary in summaries {
        // Associations an add-on owns (the EBS CSI driver's) are the add-on's business.
        if summary.owner_arn().is_some() {
            continue;
        }
        let key = (
            summary.namespace().unwrap_or_default().to_owned(),
            summary.service_account().unwrap_or_default().to_owned(),
        );
        let id = summary.association_id().unwrap_or_default().to_owned();
        let label = format!("{}/{}", key.0, key.1);
        let association = eks
            .describe_pod_identity_association()
            .cluster_name(cluster)
            .association_id(&id)
            .send()
            .await
            .map_err(|e| api("DescribePodIdentityAssociation", &label, e))?
            .association
            .unwrap_or_else(|| aws_sdk_eks::types::PodIdentityAssociation::builder().build());
        match desired.get(&key) {
            Some(want) => {
                seen.insert(key.clone());
                if association.role_arn() != Some(want.role_arn.as_str()) {
                    let request = eks
                        .update_pod_identity_association()
                        .cluster_name(cluster)
                        .association_id(&id)
                        .role_arn(&want.role_arn)
                        .send();
                    w.send("UpdatePodIdentityAssociation", &label, request).await?;
                    w.changed(changes, ResourceKind::PodIdentity, &label, Action::Updated, Some(want.role_arn.clone()));
                }
            }
            None => {
                let (k, v) = &spec.owner_tag;
                let ours = association.tags().is_some_and(|t| t.get(k) == Some(v));
                if ours {
                    let request =
                        eks.delete_pod_identity_association().cluster_name(cluster).association_id(&id).send();
                    w.send("DeletePodIdentityAssociation", &label, request).await?;
                    w.changed(
                        changes,
                        ResourceKind::PodIdentity,
                        &label,
                        Action::Deleted,
                        Some("no longer requested".into()),
                    );
                }
            }
        }
    }
    for (key, want) in desired.iter().filter(|(k, _)| !seen.contains(*k)) {
        let label = format!("{}/{}", key.0, key.1);
        let request = eks
            .create_pod_identity_association()
            .cluster_name(cluster)
            .namespace(&want.namespace)
            .service_account(&want.service_account)
            .role_arn(&want.role_arn)
            .set_tags(Some(spec.tags.clone().into_iter().collect()))
            .send();
        w.send("CreatePodIdentityAssociation", &label, request).await?;
        let role = want.role_arn.rsplit('/').next().unwrap_or(&want.role_arn).to_owned();
        w.changed(changes, ResourceKind::PodIdentity, &label, Action::Created, Some(role));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

fn check(spec: &EksSpec) -> Result<()> {
    let invalid = |message: String, hint: &str| Err(EksError::Invalid { message, hint: hint.into() });
    if minor(&spec.cluster.version).is_none() {
        return invalid(
            format!("kubernetes_version `{}` is not a MAJOR.MINOR version", spec.cluster.version),
            "write it as a string such as \"1.34\" in platform.yaml",
        );
    }
    if spec.cluster.subnet_ids.len() < 2 {
        return invalid(
            format!(
                "cluster {} needs subnets in at least 2 zones, got {}",
                spec.cluster.name,
                spec.cluster.subnet_ids.len()
            ),
            "the network stack provides one per zone; check its resources",
        );
    }
    for ng in &spec.nodegroups {
        if !(ng.min_size <= ng.desired_size && ng.desired_size <= ng.max_size && ng.max_size >= 1) {
            return invalid(
                format!("node group {}: sizes must satisfy min <= desired <= max and max >= 1", ng.name),
                "fix the node group's sizes",
            );
        }
    }
    Ok(())
}

/// Makes EKS match `spec`; see the module documentation.
pub async fn converge(
    eks: &Client,
    spec: &EksSpec,
    polling: Polling,
    on_event: &mut dyn FnMut(&EksEvent),
) -> Result<EksReport> {
    let mut w = Waiter { polling, on_event, dry_run: false };
    let (cluster, changes, warnings) = run(eks, spec, &mut w).await?;
    let name = spec.cluster.name.as_str();
    let cluster = match cluster {
        Some(cluster) => cluster,
        None => describe_cluster(eks, name).await?.ok_or_else(|| vanished(ResourceKind::Cluster, name))?,
    };
    Ok(EksReport { cluster: cluster_info(&cluster), changes, warnings })
}

/// What [`plan`] found: the changes [`converge`] would make now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EksPlan {
    /// The cluster as it is; `None` when it does not exist (or would be created again).
    pub cluster: Option<ClusterInfo>,
    /// What [`converge`] would do, in its order (actions in the past tense, as it would report
    /// them); empty when EKS already matches.
    pub changes: Vec<Change>,
    /// Differences [`converge`] would report and leave alone.
    pub warnings: Vec<String>,
}

/// The changes [`converge`] would make, found by the same code path with every write dropped
/// unsent: only `Describe*`/`List*` calls go out, and nothing is waited for. A resource still
/// settling (`CREATING`, `UPDATING`) is compared as it is described now.
pub async fn plan(eks: &Client, spec: &EksSpec) -> Result<EksPlan> {
    let mut quiet = |_: &EksEvent| {};
    let mut w = Waiter { polling: Polling::default(), on_event: &mut quiet, dry_run: true };
    let (cluster, changes, warnings) = run(eks, spec, &mut w).await?;
    Ok(EksPlan { cluster: cluster.as_ref().map(cluster_info), changes, warnings })
}

/// Everything a new cluster gets after its control plane, in [`converge`]'s order.
fn everything_new(spec: &EksSpec) -> Vec<Change> {
    let change = |kind, name: &str, detail: Option<String>| Change {
        kind,
        name: name.to_owned(),
        action: Action::Created,
        detail,
    };
    let addon = |a: &AddonSpec| {
        change(ResourceKind::Addon, &a.name, Some(a.version.clone().unwrap_or_else(|| "default version".into())))
    };
    let mut changes: Vec<Change> = spec.addons.iter().filter(|a| a.before_compute).map(addon).collect();
    for ng in &spec.nodegroups {
        let detail = format!("{} × {}..{}", ng.instance_types.join("/"), ng.min_size, ng.max_size);
        changes.push(change(ResourceKind::Nodegroup, &ng.name, Some(detail)));
    }
    changes.extend(spec.addons.iter().filter(|a| !a.before_compute).map(addon));
    for entry in &spec.access_entries {
        changes.push(change(ResourceKind::AccessEntry, &entry.principal_arn, Some(entry.kind.as_str().into())));
        for policy in &entry.policies {
            let short = policy.rsplit('/').next().unwrap_or(policy);
            changes.push(change(ResourceKind::AccessPolicy, &entry.principal_arn, Some(short.to_owned())));
        }
    }
    let mut identities: Vec<&PodIdentitySpec> = spec.pod_identities.iter().collect();
    identities.sort_by(|a, b| (&a.namespace, &a.service_account).cmp(&(&b.namespace, &b.service_account)));
    identities.dedup_by(|a, b| a.namespace == b.namespace && a.service_account == b.service_account);
    for p in identities {
        let role = p.role_arn.rsplit('/').next().unwrap_or(&p.role_arn).to_owned();
        changes.push(change(ResourceKind::PodIdentity, &format!("{}/{}", p.namespace, p.service_account), Some(role)));
    }
    changes
}

/// The converge sequence shared by [`converge`] and [`plan`]. The cluster is `None` only in a dry
/// run where it would be created: then everything after it would be new.
async fn run(
    eks: &Client,
    spec: &EksSpec,
    w: &mut Waiter<'_>,
) -> Result<(Option<aws_sdk_eks::types::Cluster>, Vec<Change>, Vec<String>)> {
    check(spec)?;
    let (mut changes, mut warnings) = (Vec::new(), Vec::new());
    let name = spec.cluster.name.as_str();

    let Some(mut cluster) = converge_cluster(eks, &spec.cluster, w, &mut changes, &mut warnings).await? else {
        changes.extend(everything_new(spec));
        return Ok((None, changes, warnings));
    };
    for addon in spec.addons.iter().filter(|a| a.before_compute) {
        converge_addon(eks, name, addon, w, &mut changes).await?;
    }
    for ng in &spec.nodegroups {
        converge_nodegroup(eks, name, ng, w, &mut changes, &mut warnings).await?;
    }
    for addon in spec.addons.iter().filter(|a| !a.before_compute) {
        converge_addon(eks, name, addon, w, &mut changes).await?;
    }
    converge_access_entries(eks, name, &spec.access_entries, &spec.tags, w, &mut changes).await?;
    converge_pod_identities(eks, spec, w, &mut changes).await?;
    for warning in &warnings {
        w.emit(EksEvent::Warning(warning.clone()));
    }
    if !w.dry_run
        && changes.iter().any(|c| c.kind == ResourceKind::Cluster)
        && let Some(latest) = describe_cluster(eks, name).await?
    {
        cluster = latest;
    }
    Ok((Some(cluster), changes, warnings))
}

/// Every node group of `cluster` (all pages).
async fn nodegroup_names(eks: &Client, cluster: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let out = eks
            .list_nodegroups()
            .cluster_name(cluster)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| api("ListNodegroups", cluster, e))?;
        names.extend(out.nodegroups().iter().cloned());
        token = out.next_token;
        if token.is_none() {
            return Ok(names);
        }
    }
}

/// Every managed add-on of `cluster` (all pages).
async fn addon_names(eks: &Client, cluster: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let out = eks
            .list_addons()
            .cluster_name(cluster)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| api("ListAddons", cluster, e))?;
        names.extend(out.addons().iter().cloned());
        token = out.next_token;
        if token.is_none() {
            return Ok(names);
        }
    }
}

/// A managed node group as EKS describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodegroupState {
    pub name: String,
    pub status: String,
    pub instance_types: Vec<String>,
    pub min_size: i32,
    pub desired_size: i32,
    pub max_size: i32,
    /// Health issues EKS reports (`AsgInstanceLaunchFailures: ...`).
    pub issues: Vec<String>,
}

/// A managed add-on as EKS describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddonState {
    pub name: String,
    pub status: String,
    pub version: String,
    pub issues: Vec<String>,
}

/// The cluster with its node groups and add-ons, as EKS describes them now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EksStatus {
    pub cluster: ClusterInfo,
    pub nodegroups: Vec<NodegroupState>,
    pub addons: Vec<AddonState>,
}

impl EksStatus {
    /// The cluster, every node group and every add-on `ACTIVE`.
    pub fn healthy(&self) -> bool {
        self.cluster.status == "ACTIVE"
            && self.nodegroups.iter().all(|n| n.status == "ACTIVE")
            && self.addons.iter().all(|a| a.status == "ACTIVE")
    }
}

/// The cluster `name` with its node groups and add-ons, or `None` when it does not exist. Reads
/// only.
pub async fn status(eks: &Client, name: &str) -> Result<Option<EksStatus>> {
    let Some(cluster) = describe_cluster(eks, name).await? else { return Ok(None) };
    let mut nodegroups = Vec::new();
    for ng in nodegroup_names(eks, name).await? {
        let Some(described) = describe_nodegroup(eks, name, &ng).await? else { continue };
        let scaling = described.scaling_config();
        nodegroups.push(NodegroupState {
            status: described.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            instance_types: described.instance_types().to_vec(),
            min_size: scaling.and_then(|s| s.min_size()).unwrap_or(0),
            desired_size: scaling.and_then(|s| s.desired_size()).unwrap_or(0),
            max_size: scaling.and_then(|s| s.max_size()).unwrap_or(0),
            issues: described
                .health()
                .map(|h| {
                    h.issues()
                        .iter()
                        .map(|i| {
                            let code = i.code().map(|c| c.as_str()).unwrap_or("issue");
                            format!("{code}: {}", i.message().unwrap_or_default())
                        })
                        .collect()
                })
                .unwrap_or_default(),
            name: ng,
        });
    }
    let mut addons = Vec::new();
    for addon in addon_names(eks, name).await? {
        let Some(described) = describe_addon(eks, name, &addon).await? else { continue };
        addons.push(AddonState {
            status: described.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            version: described.addon_version().unwrap_or_default().to_owned(),
            issues: described
                .health()
                .map(|h| h.issues().iter().filter_map(|i| i.message().map(str::to_owned)).collect())
                .unwrap_or_default(),
            name: addon,
        });
    }
    Ok(Some(EksStatus { cluster: cluster_info(&cluster), nodegroups, addons }))
}

/// Deletes the cluster `name`: node groups (waiting until they are gone), add-ons, then the
/// cluster itself. An absent cluster is fine. Returns what was deleted.
pub async fn delete(
    eks: &Client,
    name: &str,
    polling: Polling,
    on_event: &mut dyn FnMut(&EksEvent),
) -> Result<Vec<Change>> {
    let mut w = Waiter { polling, on_event, dry_run: false };
    let mut changes = Vec::new();
    let Some(cluster) = describe_cluster(eks, name).await? else { return Ok(changes) };
    if cluster.status() == Some(&ClusterStatus::Deleting) {
        wait_cluster(eks, name, &mut w, true).await?;
        return Ok(changes);
    }

    let nodegroups = nodegroup_names(eks, name).await?;
    for ng in &nodegroups {
        match eks.delete_nodegroup().cluster_name(name).nodegroup_name(ng).send().await {
            Ok(_) => w.changed(&mut changes, ResourceKind::Nodegroup, ng, Action::Deleted, None),
            Err(err) if not_found(&err) => {}
            // Already DELETING: the wait below covers it.
            Err(err) if err.code() == Some("ResourceInUseException") => {}
            Err(err) => return Err(api("DeleteNodegroup", ng, err)),
        }
    }
    for ng in &nodegroups {
        wait_nodegroup(eks, name, ng, &mut w, true).await?;
    }

    let addons = addon_names(eks, name).await?;
    for addon in &addons {
        match eks.delete_addon().cluster_name(name).addon_name(addon).send().await {
            Ok(_) => w.changed(&mut changes, ResourceKind::Addon, addon, Action::Deleted, None),
            Err(err) if not_found(&err) => {}
            Err(err) => return Err(api("DeleteAddon", addon, err)),
        }
    }
    for addon in &addons {
        wait_addon(eks, name, addon, &mut w, true).await?;
    }

    match eks.delete_cluster().name(name).send().await {
        Ok(_) => w.changed(&mut changes, ResourceKind::Cluster, name, Action::Deleted, None),
        Err(err) if not_found(&err) => return Ok(changes),
        Err(err) => return Err(api("DeleteCluster", name, err)),
    }
    wait_cluster(eks, name, &mut w, true).await?;
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_compares_as_json() {
        let want = serde_json::json!({"env": {"ENABLE_PREFIX_DELEGATION": "true"}});
        assert!(same_configuration(Some(r#"{ "env":{"ENABLE_PREFIX_DELEGATION":"true"} }"#), Some(&want)));
        assert!(!same_configuration(Some(r#"{"env":{"ENABLE_PREFIX_DELEGATION":"false"}}"#), Some(&want)));
        assert!(!same_configuration(None, Some(&want)));
        assert!(same_configuration(Some(""), None));
        assert!(same_configuration(Some("{}"), Some(&serde_json::json!({}))));
    }

    #[test]
    fn versions_parse_as_minor() {
        assert_eq!(minor("1.34"), Some((1, 34)));
        assert_eq!(minor("1.9"), Some((1, 9)));
        assert!(minor("1.34") > minor("1.9"));
        assert_eq!(minor("latest"), None);
    }

    #[test]
    fn logging_disables_what_is_not_enabled() {
        let l = logging(&["api".into(), "audit".into()]);
        let setups = l.cluster_logging();
        assert_eq!(setups.len(), 2);
        assert_eq!(setups[0].enabled(), Some(true));
        assert_eq!(setups[0].types().len(), 2);
        assert_eq!(setups[1].enabled(), Some(false));
        assert_eq!(setups[1].types().len(), 3);
    }
}
