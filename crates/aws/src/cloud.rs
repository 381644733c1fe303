//! The cloud half of `up` and `down` (DESIGN.md section 8; trino-on-eks 6.3).
//!
//! [`up`]: the four CloudFormation stacks through change sets (network, storage, IAM,
//! interruption; the templates of [`crate::templates`]), then EKS through its API ([`crate::eks`]):
//! the cluster in the network stack's private subnets with the node security group, the `core`
//! managed node group in the node subnets (100.64-66/16), the managed add-ons (vpc-cni with prefix
//! delegation, eks-pod-identity-agent, kube-proxy, coredns, the EBS CSI driver with its pod
//! identity), access entries (the creator as cluster admin through EKS's bootstrap, the Karpenter
//! node role as EC2_LINUX) and the pod identity associations of the Karpenter controller and of
//! every addon grant. Every step reads first and writes only what differs: a second `up` executes
//! no change set and makes no EKS create or update call.
//!
//! Values from the network stack come from its resources' physical ids (`DescribeStackResources`),
//! which exist as soon as the stack does, rather than from outputs.
//!
//! The platform's AMP workspace (when an addon refers to it, [`CloudSpec::amp_workspace`]) is
//! created in the storage stack; its id, the stack's output, becomes the IAM stack's parameter
//! (a grant's ARN names it) and [`UpReport::values`], which `up` substitutes into the objects it
//! applies. [`values`] reads it back for a later `apply` or `plan`.
//!
//! [`down`]: EKS (node groups, add-ons, cluster), then the buckets (emptied, unless
//! `--keep-data` keeps the ones holding data), then the stacks in reverse order, then the sweep by
//! the deployment-id tag ([`crate::sweep`]) and its receipt. Buckets that hold data and the AMP
//! workspace carry `DeletionPolicy: Retain` in the storage stack, so deleting the stack outside
//! dataplat never destroys data; `down` deletes them itself (the sweep) unless told to keep them.

use std::collections::{BTreeMap, BTreeSet};

use dataplat_vocabulary::CloudValues;
use serde::Serialize;

use crate::clients::Clients;
use crate::eks::{
    self, AccessEntryKind, AccessEntrySpec, AddonSpec, ClusterSpec, EksEvent, EksReport, EksSpec, NodegroupSpec,
    PodIdentitySpec,
};
use crate::from_spec;
pub use crate::spec::{CloudOptions, CloudSpec};
use crate::stacks::{self, DeployOutcome, StackEvent, StackSpec};
use crate::sweep::{self, Receipt, SweepEvent};
use crate::templates::{self, DEPLOYMENT_ID_TAG, PLATFORM_TAG, Stack, iam};

/// The core node group's name.
pub const CORE_NODEGROUP: &str = dataplat_vocabulary::CORE_NODE_GROUP;

/// How many zones the network spans.
const ZONES: usize = crate::templates::network::DEFAULT_ZONES as usize;

/// Who runs the command, from STS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub account: String,
    pub partition: String,
    pub arn: String,
}

/// Progress of [`up`] and [`down`].
#[derive(Debug, Clone)]
pub enum CloudEvent {
    /// A phase begins ("stacks", "eks", "buckets", "sweep").
    Phase(String),
    Stack(StackEvent),
    /// A stack is done: created, updated, unchanged, recovered or deleted.
    StackDone {
        stack: String,
        outcome: String,
        changes: usize,
    },
    Eks(EksEvent),
    /// A bucket was emptied (objects and versions deleted) or kept.
    Bucket {
        bucket: String,
        action: String,
        objects: usize,
    },
    Sweep(SweepEvent),
    Warning(String),
}

/// Errors of the cloud layer.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error(transparent)]
    Stack(#[from] stacks::StackError),
    #[error("{0}\n  hint: {hint}", hint = .0.hint())]
    Eks(#[from] eks::EksError),
    #[error(transparent)]
    Sweep(#[from] sweep::SweepError),
    #[error("{0}")]
    Template(#[from] templates::TemplateError),
    #[error("{message}\n  hint: {hint}")]
    Other { message: String, hint: String },
}

type Result<T, E = CloudError> = std::result::Result<T, E>;

/// One stack's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackResult {
    pub stack: String,
    /// created, recovered, updated or unchanged.
    pub outcome: String,
    /// The resource changes executed (`Add Vpc (AWS::EC2::VPC)`).
    pub changes: Vec<String>,
}

/// What [`up`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpReport {
    pub identity: Identity,
    pub stacks: Vec<StackResult>,
    pub eks: EksReport,
    /// What the cluster layer needs from the cloud (the AMP workspace's id).
    pub values: CloudValues,
}

impl UpReport {
    /// True when nothing was created, updated or deleted.
    pub fn unchanged(&self) -> bool {
        self.stacks.iter().all(|s| s.outcome == "unchanged") && self.eks.changes.is_empty()
    }
}

/// What [`down`] did.
#[derive(Debug, Clone, Serialize)]
pub struct DownReport {
    pub eks: Vec<eks::Change>,
    /// Buckets emptied, with the number of objects and versions deleted.
    pub emptied: Vec<(String, usize)>,
    pub stacks_deleted: Vec<String>,
    pub receipt: Receipt,
}

/// The caller's account, partition and ARN.
pub async fn identity(clients: &Clients) -> Result<Identity> {
    let out = clients.sts.get_caller_identity().send().await.map_err(|e| CloudError::Other {
        message: format!(
            "cannot tell who you are (STS GetCallerIdentity): {}",
            aws_sdk_sts::error::DisplayErrorContext(&e)
        ),
        hint: "configure AWS credentials (AWS_PROFILE, aws sso login, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
            .into(),
    })?;
    let arn = out.arn().unwrap_or_default().to_owned();
    let partition = arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws").to_owned();
    Ok(Identity { account: out.account().unwrap_or_default().to_owned(), partition, arn })
}

/// The zones the network stack spans: the region's first `count` availability zones by name, as
/// CloudFormation's `Fn::GetAZs` lists them (ordinary zones that need no opt-in, available).
pub async fn network_zones(clients: &Clients, count: usize) -> Result<Vec<String>> {
    let out = clients.ec2.describe_availability_zones().send().await.map_err(|e| CloudError::Other {
        message: format!("EC2 DescribeAvailabilityZones: {}", aws_sdk_ec2::error::DisplayErrorContext(&e)),
        hint: "check the credentials' EC2 read permissions and the region".into(),
    })?;
    let mut names: Vec<String> = out
        .availability_zones()
        .iter()
        .filter(|z| z.state().is_some_and(|s| s.as_str() == "available"))
        .filter(|z| z.zone_type().is_none_or(|t| t == "availability-zone"))
        .filter(|z| z.opt_in_status().is_none_or(|o| o.as_str() == "opt-in-not-required"))
        .filter_map(|z| z.zone_name().map(str::to_owned))
        .collect();
    names.sort();
    names.truncate(count);
    Ok(names)
}

/// Every zone a NodePool is pinned to must be one the network spans, or Karpenter finds no
/// subnet and the addon's pods never schedule. Checked before anything is created.
pub fn check_pinned_zones(spec: &CloudSpec, zones: &[String]) -> Result<()> {
    for pinned in &spec.pinned_pools {
        if zones.contains(&pinned.zone) {
            continue;
        }
        let suffixes: Vec<&str> = zones.iter().filter_map(|z| z.strip_prefix(spec.region.as_str())).collect();
        return Err(CloudError::Other {
            message: format!(
                "addon {} pins NodePool {} to {}, but the network of {} spans {}",
                pinned.addon,
                pinned.pool,
                pinned.zone,
                spec.platform,
                zones.join(", ")
            ),
            hint: format!(
                "pick one of its zones in the addon's settings, e.g. `{}: {{zone: {}}}`; nothing was created",
                pinned.addon,
                suffixes.first().copied().unwrap_or("b")
            ),
        });
    }
    Ok(())
}

/// The tags every resource carries: the user's, then the two dataplat tags.
pub fn tags(spec: &CloudSpec) -> BTreeMap<String, String> {
    let mut tags = spec.tags.clone();
    tags.insert(PLATFORM_TAG.into(), spec.platform.clone());
    tags.insert(DEPLOYMENT_ID_TAG.into(), spec.deployment_id.clone());
    tags
}

/// Every stack's template, in creation order, as [`up`] deploys them (and `render` writes them).
/// Buckets holding data are retained by CloudFormation (see the module documentation).
pub fn templates(spec: &CloudSpec) -> Result<Vec<(Stack, templates::Template)>> {
    Ok(from_spec::stacks(spec, true)?)
}

/// Every stack of the platform, in creation order, ready to deploy.
pub fn stack_specs(spec: &CloudSpec) -> Result<Vec<(Stack, StackSpec)>> {
    let ctx = from_spec::context(spec);
    let tags = tags(spec);
    Ok(templates(spec)?
        .into_iter()
        .map(|(stack, template)| {
            let mut spec = StackSpec::new(ctx.stack_name(stack), template.to_json_compact());
            spec.tags = tags.clone();
            (stack, spec)
        })
        .collect())
}

fn role_arn(identity: &Identity, name: &str) -> String {
    format!("arn:{}:iam::{}:role/{name}", identity.partition, identity.account)
}

fn zone_ids(resources: &BTreeMap<String, String>, prefix: &str) -> Vec<String> {
    // Logical ids are `<prefix>A`, `<prefix>B`, ... in zone order.
    resources
        .iter()
        .filter(|(id, _)| {
            id.strip_prefix(prefix).is_some_and(|z| z.len() == 1 && z.chars().all(|c| c.is_ascii_uppercase()))
        })
        .map(|(_, physical)| physical.clone())
        .collect()
}

/// The EKS state for `spec`, given the network stack's resources (logical id → physical id).
pub fn eks_spec(spec: &CloudSpec, identity: &Identity, network: &BTreeMap<String, String>) -> Result<EksSpec> {
    let options = &spec.options;
    let p = spec.platform.as_str();
    let tags = tags(spec);
    let private = zone_ids(network, "PrivateSubnet");
    let nodes = zone_ids(network, "NodeSubnet");
    let Some(security_group) = network.get("NodeSecurityGroup").cloned() else {
        return Err(CloudError::Other {
            message: format!("the network stack of {p} has no NodeSecurityGroup"),
            hint: "the stack is incomplete; run `up` again to converge it".into(),
        });
    };
    if private.len() < 2 || nodes.len() < 2 {
        return Err(CloudError::Other {
            message: format!("the network stack of {p} has {} private and {} node subnets", private.len(), nodes.len()),
            hint: "the stack is incomplete; run `up` again to converge it".into(),
        });
    }

    let mut pod_identities: Vec<PodIdentitySpec> = vec![PodIdentitySpec {
        namespace: dataplat_vocabulary::KARPENTER_NAMESPACE.into(),
        service_account: dataplat_vocabulary::KARPENTER_SERVICE_ACCOUNT.into(),
        role_arn: role_arn(identity, &iam::karpenter_controller_role_name(p)),
    }];
    if spec.load_balancer_controller {
        pod_identities.push(PodIdentitySpec {
            namespace: dataplat_vocabulary::LOAD_BALANCER_CONTROLLER_NAMESPACE.into(),
            service_account: dataplat_vocabulary::LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.into(),
            role_arn: role_arn(identity, &iam::load_balancer_controller_role_name(p)),
        });
    }
    for request in &spec.pod_identities {
        pod_identities.push(PodIdentitySpec {
            namespace: request.namespace.clone(),
            service_account: request.service_account.clone(),
            role_arn: role_arn(identity, &iam::grant_role_name(p, &request.addon, &request.grant)),
        });
    }
    pod_identities.sort();
    pod_identities.dedup_by(|a, b| a.namespace == b.namespace && a.service_account == b.service_account);

    let addon = |name: &str, before_compute: bool, configuration: Option<serde_json::Value>| AddonSpec {
        name: name.into(),
        version: None,
        configuration,
        pod_identity: None,
        before_compute,
        tags: tags.clone(),
    };
    // The add-ons the readiness analysis counts on (`dataplat_vocabulary::EKS_MANAGED_ADDONS`),
    // in that order; a test holds the two lists together.
    let addons = vec![
        addon(
            "vpc-cni",
            true,
            Some(serde_json::json!({"env": {"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "1"}})),
        ),
        addon("eks-pod-identity-agent", true, None),
        addon("kube-proxy", true, None),
        addon("coredns", false, None),
        AddonSpec {
            pod_identity: Some(("ebs-csi-controller-sa".into(), role_arn(identity, &iam::ebs_csi_role_name(p)))),
            ..addon("aws-ebs-csi-driver", false, None)
        },
    ];

    let mut core_tags = tags.clone();
    core_tags.insert("Name".into(), format!("{p}-core"));
    Ok(EksSpec {
        cluster: ClusterSpec {
            name: p.to_owned(),
            version: spec.kubernetes_version.clone(),
            role_arn: role_arn(identity, &iam::cluster_role_name(p)),
            subnet_ids: private,
            security_group_ids: vec![security_group],
            endpoint_public_access: options.endpoint_public_access,
            endpoint_private_access: true,
            public_access_cidrs: options.public_access_cidrs.clone(),
            log_types: options.log_types.clone(),
            secrets_key_arn: options.secrets_key_arn.clone(),
            tags: tags.clone(),
        },
        nodegroups: vec![NodegroupSpec {
            name: CORE_NODEGROUP.into(),
            node_role_arn: role_arn(identity, &iam::core_node_role_name(p)),
            subnet_ids: nodes,
            instance_types: options.core_instance_types.clone(),
            ami_type: "AL2023_x86_64_STANDARD".into(),
            capacity_type: "ON_DEMAND".into(),
            disk_size: options.core_disk_gib,
            min_size: options.core_min,
            max_size: options.core_max,
            desired_size: options.core_desired,
            // The label system controllers select (the SDK's CORE_NODE_SELECTOR), plus the
            // reference's own labels.
            labels: dataplat_vocabulary::CORE_NODE_LABELS
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            taints: Vec::new(),
            tags: core_tags,
        }],
        addons,
        access_entries: vec![AccessEntrySpec {
            principal_arn: role_arn(identity, &dataplat_vocabulary::karpenter_node_role_name(p)),
            kind: AccessEntryKind::Ec2Linux,
            policies: Vec::new(),
        }],
        pod_identities,
        owner_tag: (DEPLOYMENT_ID_TAG.into(), spec.deployment_id.clone()),
        tags,
    })
}

fn outcome(outcome: &DeployOutcome) -> (&'static str, Vec<String>) {
    let changes = outcome.changes().iter().map(ToString::to_string).collect();
    let word = match outcome {
        DeployOutcome::Created { recovered: true, .. } => "recovered",
        DeployOutcome::Created { .. } => "created",
        DeployOutcome::Updated { .. } => "updated",
        DeployOutcome::Unchanged { .. } => "unchanged",
    };
    (word, changes)
}

/// Creates or converges the platform's cloud resources; see the module documentation.
pub async fn up(clients: &Clients, spec: &CloudSpec, on_event: &mut dyn FnMut(&CloudEvent)) -> Result<UpReport> {
    let identity = identity(clients).await?;
    let specs = stack_specs(spec)?;
    let ctx = from_spec::context(spec);
    check_pinned_zones(spec, &network_zones(clients, ZONES).await?)?;

    on_event(&CloudEvent::Phase("stacks".into()));
    let mut results = Vec::new();
    let mut values = CloudValues::default();
    for (stack, stack_spec) in &specs {
        let mut stack_spec = stack_spec.clone();
        if *stack == Stack::Iam && spec.amp_workspace.is_some() {
            // The storage stack, deployed just before, made the workspace.
            let id = values.amp_workspace_id.clone().ok_or_else(|| CloudError::Other {
                message: format!(
                    "stack {} has no output {}",
                    ctx.stack_name(Stack::Storage),
                    templates::storage::AMP_WORKSPACE_OUTPUT
                ),
                hint: "the storage stack is incomplete; run `up` again to converge it".into(),
            })?;
            stack_spec.parameters.insert(iam::AMP_WORKSPACE_PARAMETER.into(), id);
        }
        let stack_spec = &stack_spec;
        let deployed =
            stacks::deploy(&clients.cfn, stack_spec, &mut |e| on_event(&CloudEvent::Stack(e.clone()))).await?;
        if *stack == Stack::Storage {
            values.amp_workspace_id = deployed.outputs().get(templates::storage::AMP_WORKSPACE_OUTPUT).cloned();
        }
        let (word, changes) = outcome(&deployed);
        on_event(&CloudEvent::StackDone {
            stack: stack_spec.name.clone(),
            outcome: word.into(),
            changes: changes.len(),
        });
        results.push(StackResult { stack: stack_spec.name.clone(), outcome: word.into(), changes });
    }
    if !specs.iter().any(|(s, _)| *s == Stack::Storage) {
        let storage = ctx.stack_name(Stack::Storage);
        if stacks::status(&clients.cfn, &storage).await?.is_some() {
            on_event(&CloudEvent::Warning(format!(
                "no addon asks for a bucket or the AMP workspace any more, but stack {storage} still exists with them; `kubectl dataplat down` removes it"
            )));
        }
    }

    on_event(&CloudEvent::Phase("eks".into()));
    let network = stacks::physical_ids(&clients.cfn, &ctx.stack_name(Stack::Network)).await?;
    let desired = eks_spec(spec, &identity, &network)?;
    let report =
        eks::converge(&clients.eks, &desired, clients.polling, &mut |e| on_event(&CloudEvent::Eks(e.clone()))).await?;
    Ok(UpReport { identity, stacks: results, eks: report, values })
}

/// What the cluster layer needs from the cloud, read from the live stacks (`apply` and `plan`
/// after an earlier `up`): the AMP workspace's id when the storage stack has it. Reads only.
pub async fn values(clients: &Clients, spec: &CloudSpec) -> Result<CloudValues> {
    let storage = from_spec::context(spec).stack_name(Stack::Storage);
    let outputs = stacks::outputs(&clients.cfn, &storage).await?;
    Ok(CloudValues { amp_workspace_id: outputs.get(templates::storage::AMP_WORKSPACE_OUTPUT).cloned() })
}

/// What [`up`] would do now (`kubectl dataplat plan`): each stack's change set, created, read and
/// deleted, never executed; and the EKS changes [`eks::plan`] finds. Only reads and change sets:
/// nothing is created, updated or left behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudPlan {
    pub identity: Identity,
    pub stacks: Vec<stacks::PlannedChanges>,
    pub eks: eks::EksPlan,
}

impl CloudPlan {
    /// True when `up` would change nothing in the cloud.
    pub fn unchanged(&self) -> bool {
        self.stacks.iter().all(|s| s.changes.is_empty() && !s.replaces_failed_stack) && self.eks.changes.is_empty()
    }
}

/// The network stack's resources as `up` will see them: the live ones when the stack exists,
/// else the template's logical ids standing in for the ids it will create.
fn network_or_placeholders(
    live: BTreeMap<String, String>,
    specs: &[(Stack, templates::Template)],
) -> BTreeMap<String, String> {
    if !live.is_empty() {
        return live;
    }
    specs
        .iter()
        .filter(|(stack, _)| *stack == Stack::Network)
        .flat_map(|(_, template)| template.resources.keys())
        .map(|id| (id.clone(), format!("(new {id})")))
        .collect()
}

/// What [`up`] would do; see [`CloudPlan`].
pub async fn plan(clients: &Clients, spec: &CloudSpec) -> Result<CloudPlan> {
    let identity = identity(clients).await?;
    check_pinned_zones(spec, &network_zones(clients, ZONES).await?)?;
    let ctx = from_spec::context(spec);
    let mut planned = Vec::new();
    let live = values(clients, spec).await?;
    for (stack, mut stack_spec) in stack_specs(spec)? {
        if stack == Stack::Iam && spec.amp_workspace.is_some() {
            // Before the first `up` the workspace does not exist: the change set shows the grant
            // with a stand-in for its id.
            let id = live.amp_workspace_id.clone().unwrap_or_else(|| "(new AmpWorkspace)".into());
            stack_spec.parameters.insert(iam::AMP_WORKSPACE_PARAMETER.into(), id);
        }
        planned.push(stacks::plan(&clients.cfn, &stack_spec).await?);
    }
    let live = stacks::physical_ids(&clients.cfn, &ctx.stack_name(Stack::Network)).await?;
    let network = network_or_placeholders(live, &templates(spec)?);
    let desired = eks_spec(spec, &identity, &network)?;
    let eks = eks::plan(&clients.eks, &desired).await?;
    Ok(CloudPlan { identity, stacks: planned, eks })
}

/// One stack of the platform and its status (`None`: it does not exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackStatus {
    pub stack: String,
    pub status: Option<String>,
}

/// What exists in the cloud for the platform now (`kubectl dataplat status`). Reads only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudStatus {
    pub stacks: Vec<StackStatus>,
    /// `None` when the cluster does not exist.
    pub eks: Option<eks::EksStatus>,
}

impl CloudStatus {
    /// Every stack complete, the cluster, its node groups and add-ons active.
    pub fn healthy(&self) -> bool {
        self.stacks.iter().all(|s| matches!(s.status.as_deref(), Some("CREATE_COMPLETE" | "UPDATE_COMPLETE")))
            && self.eks.as_ref().is_some_and(eks::EksStatus::healthy)
    }
}

/// The platform's stacks (those `up` deploys for this spec) and its EKS cluster, as they are.
pub async fn status(clients: &Clients, spec: &CloudSpec) -> Result<CloudStatus> {
    let mut stacks = Vec::new();
    for (_, stack_spec) in stack_specs(spec)? {
        let status = stacks::status(&clients.cfn, &stack_spec.name).await?;
        stacks.push(StackStatus { stack: stack_spec.name, status });
    }
    let eks = eks::status(&clients.eks, &spec.platform).await?;
    Ok(CloudStatus { stacks, eks })
}

/// Options of [`down`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownOptions {
    /// Keep the buckets that hold data and the AMP workspace (listed as retained on the receipt).
    pub keep_data: bool,
}

pub(crate) async fn bucket_exists(clients: &Clients, bucket: &str) -> Result<bool> {
    match clients.s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(err) => {
            let missing = err.as_service_error().is_some_and(|e| e.is_not_found())
                || err.raw_response().is_some_and(|r| r.status().as_u16() == 404);
            if missing {
                Ok(false)
            } else {
                Err(CloudError::Other {
                    message: format!("S3 HeadBucket {bucket}: {}", aws_sdk_s3::error::DisplayErrorContext(&err)),
                    hint: "check the credentials' S3 permissions and run `down` again".into(),
                })
            }
        }
    }
}

/// Removes everything [`up`] created, then sweeps by tag; see the module documentation.
pub async fn down(
    clients: &Clients,
    spec: &CloudSpec,
    options: &DownOptions,
    on_event: &mut dyn FnMut(&CloudEvent),
) -> Result<DownReport> {
    let ctx = from_spec::context(spec);
    let name = spec.platform.as_str();

    on_event(&CloudEvent::Phase("eks".into()));
    let eks_changes =
        eks::delete(&clients.eks, name, clients.polling, &mut |e| on_event(&CloudEvent::Eks(e.clone()))).await?;

    on_event(&CloudEvent::Phase("buckets".into()));
    let mut retained = BTreeSet::new();
    let mut emptied = Vec::new();
    for bucket in &spec.buckets {
        if options.keep_data && bucket.holds_data {
            retained.insert(bucket.name.clone());
            on_event(&CloudEvent::Bucket { bucket: bucket.name.clone(), action: "kept".into(), objects: 0 });
            continue;
        }
        if !bucket_exists(clients, &bucket.name).await? {
            continue;
        }
        let objects = sweep::empty_bucket(&clients.s3, &bucket.name).await?;
        on_event(&CloudEvent::Bucket { bucket: bucket.name.clone(), action: "emptied".into(), objects });
        emptied.push((bucket.name.clone(), objects));
    }

    on_event(&CloudEvent::Phase("stacks".into()));
    let mut stacks_deleted = Vec::new();
    for stack in Stack::ALL.iter().rev() {
        let stack_name = ctx.stack_name(*stack);
        if stacks::status(&clients.cfn, &stack_name).await?.is_none() {
            continue;
        }
        stacks::delete(&clients.cfn, &stack_name, &mut |e| on_event(&CloudEvent::Stack(e.clone()))).await?;
        on_event(&CloudEvent::StackDone { stack: stack_name.clone(), outcome: "deleted".into(), changes: 0 });
        stacks_deleted.push(stack_name);
    }

    on_event(&CloudEvent::Phase("sweep".into()));
    let scope = sweep::Scope {
        platform: name.to_owned(),
        deployment_id: spec.deployment_id.clone(),
        retain_buckets: retained,
        retain_amp_workspaces: options.keep_data,
    };
    let receipt = sweep::sweep(clients, &scope, &mut |e| on_event(&CloudEvent::Sweep(e.clone()))).await?;
    Ok(DownReport { eks: eks_changes, emptied, stacks_deleted, receipt })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::templates::network::NatMode;

    fn options() -> CloudOptions {
        CloudOptions::reference()
    }

    fn network() -> BTreeMap<String, String> {
        [("PrivateSubnetA", "s-a"), ("PrivateSubnetB", "s-b"), ("NodeSubnetA", "n-a"), ("NodeSubnetB", "n-b")]
            .into_iter()
            .chain([("NodeSecurityGroup", "sg-1")])
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn the_spec_reaches_the_eks_spec_and_the_network() {
        let identity = Identity { account: "123456789012".into(), partition: "aws".into(), arn: "arn:x".into() };
        let default = CloudSpec::new("p1", "us-west-2", "Ab3dE9xZ", options());
        let spec = eks_spec(&default, &identity, &network()).unwrap();
        assert!(spec.cluster.endpoint_public_access && spec.cluster.secrets_key_arn.is_none());
        // The core nodes carry the label every plugin pins its system controllers to.
        let (key, value) = dataplat_sdk::CORE_NODE_SELECTOR;
        assert_eq!(
            spec.nodegroups[0].labels.get(key).map(String::as_str),
            Some(value),
            "{:?}",
            spec.nodegroups[0].labels
        );
        // No addon asks for a load balancer: no association for its controller.
        assert!(spec.pod_identities.iter().all(|p| p.service_account != "aws-load-balancer-controller"));
        let with_lbc = CloudSpec { load_balancer_controller: true, ..default.clone() };
        let lbc_spec = eks_spec(&with_lbc, &identity, &network()).unwrap();
        let association = lbc_spec
            .pod_identities
            .iter()
            .find(|p| p.namespace == "kube-system" && p.service_account == "aws-load-balancer-controller")
            .expect("the controller's association");
        assert_eq!(association.role_arn, "arn:aws:iam::123456789012:role/p1-aws-load-balancer-controller");
        // An addon's association gets its grant's role.
        let with_grant = CloudSpec {
            pod_identities: vec![crate::spec::PodIdentityRequest {
                namespace: "trino".into(),
                service_account: "trino-sa".into(),
                addon: "trino".into(),
                grant: "trino".into(),
            }],
            ..default.clone()
        };
        let granted = eks_spec(&with_grant, &identity, &network()).unwrap();
        let trino = granted.pod_identities.iter().find(|p| p.namespace == "trino").expect("trino's association");
        assert_eq!(trino.role_arn, "arn:aws:iam::123456789012:role/p1-trino-trino");
        // What the readiness analysis assumes runs on the cluster is what the cloud layer makes.
        let addons: Vec<&str> = spec.addons.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(addons, dataplat_vocabulary::EKS_MANAGED_ADDONS);
        let labels: BTreeMap<String, String> =
            dataplat_vocabulary::CORE_NODE_LABELS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(spec.nodegroups[0].labels, labels);
        assert_eq!(spec.nodegroups[0].ami_type, "AL2023_x86_64_STANDARD", "the analysis takes core nodes as amd64");
        assert_eq!(spec.cluster.log_types.len(), 5);
        assert_eq!(
            (spec.nodegroups[0].min_size, spec.nodegroups[0].desired_size, spec.nodegroups[0].max_size),
            (4, 4, 8)
        );

        let custom = CloudSpec::new(
            "p1",
            "us-west-2",
            "Ab3dE9xZ",
            CloudOptions {
                nat: NatMode::PerZone,
                core_instance_types: vec!["m7a.large".into()],
                core_min: 1,
                core_desired: 2,
                core_max: 3,
                core_disk_gib: 50,
                log_types: vec!["audit".into()],
                public_access_cidrs: vec!["203.0.113.0/24".into()],
                secrets_key_arn: Some("arn:aws:kms:us-west-2:123456789012:key/k".into()),
                ..options()
            },
        );
        let spec = eks_spec(&custom, &identity, &network()).unwrap();
        assert_eq!(spec.cluster.public_access_cidrs, ["203.0.113.0/24"]);
        assert_eq!(spec.cluster.log_types, ["audit"]);
        assert_eq!(spec.cluster.secrets_key_arn.as_deref(), Some("arn:aws:kms:us-west-2:123456789012:key/k"));
        let ng = &spec.nodegroups[0];
        assert_eq!(ng.instance_types, ["m7a.large"]);
        assert_eq!((ng.min_size, ng.desired_size, ng.max_size, ng.disk_size), (1, 2, 3, 50));
        // One NAT gateway per zone in the network template.
        let templates = templates(&custom).unwrap();
        let network = &templates.iter().find(|(s, _)| *s == Stack::Network).unwrap().1;
        let nats = network.to_value()["Resources"]
            .as_object()
            .unwrap()
            .values()
            .filter(|r| r["Type"] == "AWS::EC2::NatGateway")
            .count();
        assert_eq!(nats, 3);
    }

    #[test]
    fn a_pool_pinned_outside_the_network_is_refused_naming_the_addon() {
        let mut spec = CloudSpec::new("p1", "us-west-2", "Ab3dE9xZ", options());
        let zones = ["us-west-2a".to_string(), "us-west-2b".into(), "us-west-2c".into()];
        spec.pinned_pools =
            vec![crate::spec::PinnedPool { addon: "trino".into(), pool: "trino".into(), zone: "us-west-2d".into() }];
        let err = check_pinned_zones(&spec, &zones).unwrap_err().to_string();
        assert!(err.contains("addon trino pins NodePool trino to us-west-2d") && err.contains("{zone: a}"), "{err}");
        spec.pinned_pools[0].zone = "us-west-2b".into();
        check_pinned_zones(&spec, &zones).expect("inside the network");
    }

    #[test]
    fn zone_ids_take_one_letter_suffixes_in_order() {
        let resources: BTreeMap<String, String> = [
            ("PrivateSubnetB", "subnet-b"),
            ("PrivateSubnetA", "subnet-a"),
            ("PrivateSubnetRouteTableAssociationA", "x"),
            ("NodeSubnetA", "subnet-na"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(zone_ids(&resources, "PrivateSubnet"), ["subnet-a", "subnet-b"]);
        assert_eq!(zone_ids(&resources, "NodeSubnet"), ["subnet-na"]);
    }
}
