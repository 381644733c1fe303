//! The orphan sweep by tag and its receipt: the last step of `kubectl dataplat down` (DESIGN.md
//! section 8; trino-on-eks.md 6.3, destroy step 7).
//!
//! After the cluster and the CloudFormation stacks are gone, [`sweep`] finds every resource still
//! tagged `dataplat.io/deployment-id=<id>`, deletes the orphans in a safe order, looks again and
//! returns a [`Receipt`] that says `0 billable resources remain` only when that second look proves
//! it.
//!
//! Discovery ([`find`]):
//! - the Resource Groups Tagging API (`GetResources` with the tag filter) gives candidates across
//!   services. It is eventually consistent (in real AWS it lists terminated instances and deleted
//!   resources for a while), so each candidate of a kind we know is confirmed with its service's
//!   own API: log groups (`DescribeLogGroups`), stacks (`DescribeStacks`, `DELETE_COMPLETE` is
//!   gone), buckets (`HeadBucket`). Candidates of other types cannot be confirmed and are listed as
//!   they are (conservatively).
//! - EC2 is read directly, filtered by `tag:dataplat.io/deployment-id` (and checked again on the
//!   answer's tags): instances not terminated or shutting down, volumes, ENIs, security groups
//!   (never a VPC's `default`), launch templates, NAT gateways not deleted, Elastic IPs. The
//!   tagging API's EC2 entries are ignored (it misses launch templates and Elastic IPs in moto).
//! - ELBv2 load balancers and target groups are listed with their tags (`DescribeTags`).
//! - EKS clusters through `ListClusters` + `DescribeCluster` tags (moto's tagging API has no EKS).
//! - Amazon Managed Service for Prometheus workspaces through `ListWorkspaces` (its summaries
//!   carry the tags); the tagging API's `aps` entries are ignored.
//! - Buckets kept by `--keep-data` ([`Scope::retain_buckets`]) are looked up by name as well.
//!
//! Deletion order: instances (terminate, wait) → load balancers (wait gone) → target groups → NAT
//! gateways (wait deleted) → Elastic IPs → ENIs → volumes → launch templates → security groups
//! (retried on `DependencyViolation`) → log groups → stacks → buckets (emptied of every version
//! first; retained ones never touched) → AMP workspaces (wait gone; kept with `--keep-data`). EKS clusters and other types have no deleter here and are
//! reported as remaining. One failed deletion never stops the others; waits poll at
//! [`Polling::interval`] and give up after [`Polling::timeout`] (per wait).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, Instant};

use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::Filter;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use serde::{Serialize, Serializer};

use crate::clients::Clients;
use crate::stacks::{self, Polling, StackEvent};

pub use crate::templates::{DEPLOYMENT_ID_TAG, PLATFORM_TAG};

/// How many times a security group deletion is tried while it answers `DependencyViolation`.
const SECURITY_GROUP_ATTEMPTS: u32 = 5;
/// S3's limit of keys per `DeleteObjects` (and the page size of `ListObjectVersions`).
const S3_PAGE: usize = 1000;

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// What to sweep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The platform's name (shown in the receipt).
    pub platform: String,
    /// The value of `dataplat.io/deployment-id` that marks our resources.
    pub deployment_id: String,
    /// Buckets kept on purpose (`--keep-data`): found, listed as retained, never touched.
    pub retain_buckets: BTreeSet<String>,
    /// Keep the platform's AMP workspaces (`--keep-data`: they hold its metrics).
    pub retain_amp_workspaces: bool,
}

impl Scope {
    pub fn new(platform: impl Into<String>, deployment_id: impl Into<String>) -> Scope {
        Scope {
            platform: platform.into(),
            deployment_id: deployment_id.into(),
            retain_buckets: BTreeSet::new(),
            retain_amp_workspaces: false,
        }
    }

    /// Keeps the bucket `name`.
    pub fn retain_bucket(mut self, name: impl Into<String>) -> Scope {
        self.retain_buckets.insert(name.into());
        self
    }

    fn retains(&self, found: &Found) -> bool {
        (found.kind == Kind::Bucket && self.retain_buckets.contains(&found.id))
            || (found.kind == Kind::AmpWorkspace && self.retain_amp_workspaces)
    }
}

/// The kind of a found resource. Serialized as [`Kind::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Instance,
    LoadBalancer,
    TargetGroup,
    NatGateway,
    ElasticIp,
    NetworkInterface,
    Volume,
    LaunchTemplate,
    SecurityGroup,
    LogGroup,
    Stack,
    Bucket,
    AmpWorkspace,
    EksCluster,
    /// Anything else the tagging API lists, as `service:type` from its ARN (`kms:key`, `sqs`).
    Other(String),
}

/// Types of [`Kind::Other`] that cost nothing while they sit there.
const FREE_TYPES: &[&str] = &[
    "ec2:vpc",
    "ec2:subnet",
    "ec2:route-table",
    "ec2:internet-gateway",
    "ec2:egress-only-internet-gateway",
    "ec2:network-acl",
    "ec2:dhcp-options",
    "ec2:security-group-rule",
    "ec2:key-pair",
    "ec2:placement-group",
    "elasticloadbalancing:listener",
    "elasticloadbalancing:listener-rule",
    "events:rule",
    "iam:role",
    "iam:policy",
    "iam:instance-profile",
    "iam:oidc-provider",
    "sqs",
    "sns",
];

impl Kind {
    /// The machine name (`-o json`): `instance`, `load-balancer`, …, or an other type as is.
    pub fn as_str(&self) -> &str {
        match self {
            Kind::Instance => "instance",
            Kind::LoadBalancer => "load-balancer",
            Kind::TargetGroup => "target-group",
            Kind::NatGateway => "nat-gateway",
            Kind::ElasticIp => "elastic-ip",
            Kind::NetworkInterface => "network-interface",
            Kind::Volume => "volume",
            Kind::LaunchTemplate => "launch-template",
            Kind::SecurityGroup => "security-group",
            Kind::LogGroup => "log-group",
            Kind::Stack => "stack",
            Kind::Bucket => "bucket",
            Kind::AmpWorkspace => "amp-workspace",
            Kind::EksCluster => "eks-cluster",
            Kind::Other(t) => t,
        }
    }

    /// Whether a resource of this kind can cost money while it exists. Unknown types count as
    /// billable: the receipt must never claim zero while something might still cost. ENIs count
    /// too (one may hold a public IPv4 address, which is billed).
    pub fn billable(&self) -> bool {
        match self {
            Kind::Instance
            | Kind::Volume
            | Kind::NetworkInterface
            | Kind::NatGateway
            | Kind::ElasticIp
            | Kind::LoadBalancer
            | Kind::LogGroup
            | Kind::Bucket
            | Kind::AmpWorkspace
            | Kind::EksCluster => true,
            Kind::SecurityGroup | Kind::LaunchTemplate | Kind::TargetGroup | Kind::Stack => false,
            Kind::Other(t) => !FREE_TYPES.contains(&t.as_str()),
        }
    }

    /// Whether the sweep knows how to delete it.
    pub fn has_deleter(&self) -> bool {
        !matches!(self, Kind::EksCluster | Kind::Other(_))
    }

    /// The position in the deletion order (also the order of [`find`]'s answer).
    fn order(&self) -> u8 {
        match self {
            Kind::Instance => 0,
            Kind::LoadBalancer => 1,
            Kind::TargetGroup => 2,
            Kind::NatGateway => 3,
            Kind::ElasticIp => 4,
            Kind::NetworkInterface => 5,
            Kind::Volume => 6,
            Kind::LaunchTemplate => 7,
            Kind::SecurityGroup => 8,
            Kind::LogGroup => 9,
            Kind::Stack => 10,
            Kind::Bucket => 11,
            Kind::AmpWorkspace => 12,
            Kind::EksCluster => 13,
            Kind::Other(_) => 14,
        }
    }
}

impl fmt::Display for Kind {
    /// The human name: `EC2 instance`, `S3 bucket`, …
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Kind::Instance => "EC2 instance",
            Kind::LoadBalancer => "load balancer",
            Kind::TargetGroup => "target group",
            Kind::NatGateway => "NAT gateway",
            Kind::ElasticIp => "Elastic IP",
            Kind::NetworkInterface => "network interface",
            Kind::Volume => "EBS volume",
            Kind::LaunchTemplate => "launch template",
            Kind::SecurityGroup => "security group",
            Kind::LogGroup => "log group",
            Kind::Stack => "CloudFormation stack",
            Kind::Bucket => "S3 bucket",
            Kind::AmpWorkspace => "AMP workspace",
            Kind::EksCluster => "EKS cluster",
            Kind::Other(t) => t,
        };
        f.write_str(name)
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A resource carrying our deployment id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    pub kind: Kind,
    /// The id the service knows it by: instance/volume/… id, the ARN of a load balancer or target
    /// group, the name of a log group, stack, bucket or cluster.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl Found {
    fn new(kind: Kind, id: impl Into<String>) -> Found {
        Found { kind, id: id.into(), arn: None, name: None, state: None }
    }

    fn arn(mut self, arn: Option<&str>) -> Found {
        self.arn = arn.map(str::to_owned);
        self
    }

    fn name(mut self, name: Option<&str>) -> Found {
        self.name = name.filter(|n| !n.is_empty()).map(str::to_owned);
        self
    }

    fn state(mut self, state: Option<&str>) -> Found {
        self.state = state.filter(|s| !s.is_empty()).map(str::to_owned);
        self
    }

    pub fn billable(&self) -> bool {
        self.kind.billable()
    }

    fn key(&self) -> (Kind, String) {
        (self.kind.clone(), self.id.clone())
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.id)?;
        if let Some(name) = self.name.as_deref().filter(|n| *n != self.id) {
            write!(f, " ({name})")?;
        }
        if let Some(state) = &self.state {
            write!(f, " [{state}]")?;
        }
        Ok(())
    }
}

/// A resource the second look still found, and why it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remaining {
    #[serde(flatten)]
    pub found: Found,
    pub billable: bool,
    pub reason: String,
}

/// A deletion that failed (the resource may or may not remain: see [`Receipt::remaining`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    #[serde(flatten)]
    pub found: Found,
    pub error: String,
}

/// What the sweep did and what the second look found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipt {
    pub platform: String,
    pub deployment_id: String,
    /// Deleted by the sweep (or gone with their owner, e.g. an instance's volume), and absent from
    /// the second look.
    pub deleted: Vec<Found>,
    /// Kept on purpose (`--keep-data` buckets), as the second look found them.
    pub retained: Vec<Found>,
    /// Found again by the second look (outside the retained set).
    pub remaining: Vec<Remaining>,
    /// Every deletion that failed, with its error.
    pub failures: Vec<Failure>,
    /// Set when the second look itself failed: nothing is proven then.
    pub verify_error: Option<String>,
}

impl Receipt {
    /// The billable resources the second look found outside the retained set.
    pub fn billable_remaining(&self) -> usize {
        self.remaining.iter().filter(|r| r.billable).count()
    }

    /// True only when the second look succeeded and found no billable resource outside the
    /// retained set. Otherwise the caller exits non-zero.
    pub fn is_clean(&self) -> bool {
        self.verify_error.is_none() && self.billable_remaining() == 0
    }

    /// The receipt's last line.
    pub fn summary(&self) -> String {
        if let Some(error) = &self.verify_error {
            return format!("the second look failed, billable resources may remain: {error}");
        }
        match self.billable_remaining() {
            0 => {
                let kept = self.retained.len();
                let noun = if self.retained.iter().all(|f| f.kind == Kind::Bucket) { "bucket" } else { "resource" };
                match kept {
                    0 => "0 billable resources remain".to_owned(),
                    1 => format!("0 billable resources remain, besides the 1 retained {noun} listed above"),
                    n => format!("0 billable resources remain, besides the {n} retained {noun}s listed above"),
                }
            }
            1 => "1 billable resource remains".to_owned(),
            n => format!("{n} billable resources remain"),
        }
    }

    /// The human receipt: Deleted, Retained, Remaining (with why), errors, and [`Receipt::summary`].
    pub fn render(&self) -> String {
        let mut out = format!("Orphan sweep of platform {} (deployment id {})\n", self.platform, self.deployment_id);
        out.push_str(&format!("Deleted ({}):\n", self.deleted.len()));
        if self.deleted.is_empty() {
            out.push_str("  nothing\n");
        }
        for f in &self.deleted {
            out.push_str(&format!("  - {f}\n"));
        }
        out.push_str(&format!("Retained ({}):\n", self.retained.len()));
        if self.retained.is_empty() {
            out.push_str("  nothing\n");
        }
        for f in &self.retained {
            out.push_str(&format!("  - {f}: kept on purpose (--keep-data)\n"));
        }
        if self.retained.iter().any(|f| f.kind == Kind::Bucket) {
            out.push_str(
                "  hint: a retained bucket still costs storage; to delete one later, delete every object version and \
                 delete marker (e.g. the S3 console's \"Empty\"), then the bucket (`aws s3 rb s3://<name>`)\n",
            );
        }
        if self.retained.iter().any(|f| f.kind == Kind::AmpWorkspace) {
            out.push_str(
                "  hint: a retained AMP workspace still costs metric storage; to delete it later: \
                 `aws amp delete-workspace --workspace-id <id>`\n",
            );
        }
        out.push_str(&format!("Remaining ({}):\n", self.remaining.len()));
        if self.remaining.is_empty() {
            out.push_str(if self.verify_error.is_some() { "  unknown\n" } else { "  nothing\n" });
        }
        for r in &self.remaining {
            let billable = if r.billable { "billable" } else { "not billable" };
            out.push_str(&format!("  - {} ({billable}): {}\n", r.found, r.reason));
        }
        let unlisted: Vec<&Failure> =
            self.failures.iter().filter(|x| !self.remaining.iter().any(|r| r.found.key() == x.found.key())).collect();
        if !unlisted.is_empty() {
            out.push_str(&format!("Errors on resources now gone ({}):\n", unlisted.len()));
            for x in unlisted {
                out.push_str(&format!("  - {}: {}\n", x.found, x.error));
            }
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }
}

impl Serialize for Receipt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            platform: &'a str,
            deployment_id: &'a str,
            clean: bool,
            billable_remaining: usize,
            summary: String,
            deleted: &'a [Found],
            retained: &'a [Found],
            remaining: &'a [Remaining],
            failures: &'a [Failure],
            #[serde(skip_serializing_if = "Option::is_none")]
            verify_error: Option<&'a str>,
        }
        Json {
            platform: &self.platform,
            deployment_id: &self.deployment_id,
            clean: self.is_clean(),
            billable_remaining: self.billable_remaining(),
            summary: self.summary(),
            deleted: &self.deleted,
            retained: &self.retained,
            remaining: &self.remaining,
            failures: &self.failures,
            verify_error: self.verify_error.as_deref(),
        }
        .serialize(serializer)
    }
}

/// Progress of [`sweep`], in order.
#[derive(Debug, Clone)]
pub enum SweepEvent {
    /// A look begins: 1 before deleting, 2 to verify.
    Looking {
        pass: u8,
    },
    /// The first look found this.
    Found(Found),
    /// Deleting it (or waiting for it to go).
    Deleting(Found),
    Deleted(Found),
    Retained(Found),
    Failed(Found, String),
    /// An event of a stack being deleted.
    Stack(StackEvent),
}

impl fmt::Display for SweepEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepEvent::Looking { pass: 1 } => f.write_str("looking for resources tagged with the deployment id"),
            SweepEvent::Looking { .. } => f.write_str("looking again, to prove what is left"),
            SweepEvent::Found(found) => write!(f, "found {found}"),
            SweepEvent::Deleting(found) => write!(f, "deleting {found}"),
            SweepEvent::Deleted(found) => write!(f, "deleted {found}"),
            SweepEvent::Retained(found) => write!(f, "retained {found}"),
            SweepEvent::Failed(found, error) => write!(f, "could not delete {found}: {error}"),
            SweepEvent::Stack(e) => write!(f, "{} {} {}", e.logical_id, e.resource_type, e.status),
        }
    }
}

/// Errors of discovery and of [`empty_bucket`], each with a hint. Deletion errors do not stop the
/// sweep: they become [`Failure`]s.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{operation}{} failed: {message}\n  hint: {hint}", on(resource))]
    Api { operation: &'static str, resource: Option<String>, code: Option<String>, message: String, hint: String },
    #[error(
        "bucket {bucket}: {count} object version(s) could not be deleted (first: {first})\n  hint: check the bucket policy and object lock settings, then run the command again"
    )]
    ObjectsNotDeleted { bucket: String, count: usize, first: String },
}

fn on(resource: &Option<String>) -> String {
    resource.as_deref().map(|r| format!(" on {r}")).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------------------------

/// Every resource tagged with the scope's deployment id (plus retained buckets found by name),
/// in deletion order. See the module documentation.
pub async fn find(clients: &Clients, scope: &Scope) -> Result<Vec<Found>, SweepError> {
    let id = scope.deployment_id.as_str();
    let mut found: Vec<Found> = Vec::new();
    let mut log_groups = BTreeSet::new();
    let mut stacks = BTreeMap::new();
    let mut buckets: BTreeSet<String> = scope.retain_buckets.clone();
    for arn in tagged_arns(clients, id).await? {
        match classify(&arn) {
            Candidate::Confirmed => {}
            Candidate::LogGroup(name) => {
                log_groups.insert(name);
            }
            Candidate::Stack(name) => {
                stacks.insert(name, arn);
            }
            Candidate::Bucket(name) => {
                buckets.insert(name);
            }
            Candidate::Other(kind, rid) => found.push(Found::new(Kind::Other(kind), rid).arn(Some(&arn))),
        }
    }
    found.extend(ec2_resources(clients, id).await?);
    found.extend(elb_resources(clients, id).await?);
    for name in log_groups {
        if let Some(f) = log_group(clients, &name).await? {
            found.push(f);
        }
    }
    for (name, arn) in stacks {
        if let Some(f) = stack(clients, &name, &arn).await? {
            found.push(f);
        }
    }
    for name in buckets {
        if let Some(f) = bucket(clients, &name).await? {
            found.push(f);
        }
    }
    found.extend(eks_clusters(clients, id).await?);
    found.extend(amp_workspaces(clients, id).await?);
    found.sort_by(|a, b| (a.kind.order(), &a.id).cmp(&(b.kind.order(), &b.id)));
    found.dedup_by(|a, b| a.key() == b.key());
    Ok(found)
}

async fn tagged_arns(clients: &Clients, id: &str) -> Result<Vec<String>, SweepError> {
    use aws_sdk_resourcegroupstagging::types::TagFilter;
    let filter = TagFilter::builder().key(DEPLOYMENT_ID_TAG).values(id).build();
    let mut pages = clients.tagging.get_resources().tag_filters(filter).resources_per_page(100).into_paginator().send();
    let mut arns = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("Resource Groups Tagging GetResources", None, e))?;
        for mapping in page.resource_tag_mapping_list() {
            let ours = mapping.tags().iter().any(|t| t.key() == DEPLOYMENT_ID_TAG && t.value() == id);
            if let (true, Some(arn)) = (ours, mapping.resource_arn()) {
                arns.push(arn.to_owned());
            }
        }
    }
    Ok(arns)
}

/// What a tagging API ARN means to discovery.
#[derive(Debug, PartialEq, Eq)]
enum Candidate {
    /// A kind read from its own service (EC2, ELBv2, EKS clusters): the tagging entry is ignored.
    Confirmed,
    LogGroup(String),
    Stack(String),
    Bucket(String),
    /// `service:type` and the resource id.
    Other(String, String),
}

fn classify(arn: &str) -> Candidate {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let (service, resource) = match parts.as_slice() {
        [_, _, service, _, _, resource] => (*service, *resource),
        _ => return Candidate::Other("unknown".into(), arn.into()),
    };
    let (kind, rest) = match resource.find(['/', ':']) {
        Some(i) => (&resource[..i], &resource[i + 1..]),
        None => ("", resource),
    };
    match (service, kind) {
        ("s3", _) => Candidate::Bucket(resource.to_owned()),
        (
            "ec2",
            "instance" | "volume" | "network-interface" | "security-group" | "natgateway" | "elastic-ip"
            | "launch-template",
        ) => Candidate::Confirmed,
        ("elasticloadbalancing", "targetgroup") => Candidate::Confirmed,
        ("elasticloadbalancing", "loadbalancer") if ["app/", "net/", "gwy/"].iter().any(|p| rest.starts_with(p)) => {
            Candidate::Confirmed
        }
        ("eks", "cluster") => Candidate::Confirmed,
        ("aps", "workspace") => Candidate::Confirmed,
        ("logs", "log-group") => Candidate::LogGroup(rest.trim_end_matches(":*").to_owned()),
        ("cloudformation", "stack") => Candidate::Stack(rest.split('/').next().unwrap_or(rest).to_owned()),
        (service, "") => Candidate::Other(service.to_owned(), rest.to_owned()),
        (service, kind) => Candidate::Other(format!("{service}:{kind}"), rest.to_owned()),
    }
}

fn tag_filter(id: &str) -> Filter {
    Filter::builder().name(format!("tag:{DEPLOYMENT_ID_TAG}")).values(id).build()
}

fn tagged(tags: &[aws_sdk_ec2::types::Tag], id: &str) -> bool {
    tags.iter().any(|t| t.key() == Some(DEPLOYMENT_ID_TAG) && t.value() == Some(id))
}

fn name_tag(tags: &[aws_sdk_ec2::types::Tag]) -> Option<&str> {
    tags.iter().find(|t| t.key() == Some("Name")).and_then(|t| t.value())
}

async fn ec2_resources(clients: &Clients, id: &str) -> Result<Vec<Found>, SweepError> {
    let ec2 = &clients.ec2;
    let mut found = Vec::new();

    let live = ["pending", "running", "stopping", "stopped"];
    let state_filter = Filter::builder().name("instance-state-name").set_values(Some(live.map(String::from).into()));
    let mut pages =
        ec2.describe_instances().filters(tag_filter(id)).filters(state_filter.build()).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("EC2 DescribeInstances", None, e))?;
        for i in page.reservations().iter().flat_map(|r| r.instances()) {
            let state = i.state().and_then(|s| s.name()).map(|n| n.as_str());
            if tagged(i.tags(), id) && state.is_some_and(|s| live.contains(&s)) {
                let f = Found::new(Kind::Instance, i.instance_id().unwrap_or_default());
                found.push(f.name(name_tag(i.tags())).state(state));
            }
        }
    }

    let mut pages = ec2.describe_volumes().filters(tag_filter(id)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("EC2 DescribeVolumes", None, e))?;
        for v in page.volumes() {
            let state = v.state().map(|s| s.as_str());
            if tagged(v.tags(), id) && state != Some("deleted") {
                found.push(Found::new(Kind::Volume, v.volume_id().unwrap_or_default()).state(state));
            }
        }
    }

    let mut pages = ec2.describe_network_interfaces().filters(tag_filter(id)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("EC2 DescribeNetworkInterfaces", None, e))?;
        for n in page.network_interfaces() {
            if tagged(n.tag_set(), id) {
                let f = Found::new(Kind::NetworkInterface, n.network_interface_id().unwrap_or_default());
                found.push(f.name(n.description()).state(n.status().map(|s| s.as_str())));
            }
        }
    }

    let mut pages = ec2.describe_security_groups().filters(tag_filter(id)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("EC2 DescribeSecurityGroups", None, e))?;
        for g in page.security_groups() {
            if tagged(g.tags(), id) && g.group_name() != Some("default") {
                found.push(Found::new(Kind::SecurityGroup, g.group_id().unwrap_or_default()).name(g.group_name()));
            }
        }
    }

    let mut pages = ec2.describe_launch_templates().filters(tag_filter(id)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("EC2 DescribeLaunchTemplates", None, e))?;
        for t in page.launch_templates() {
            if tagged(t.tags(), id) {
                let f = Found::new(Kind::LaunchTemplate, t.launch_template_id().unwrap_or_default());
                found.push(f.name(t.launch_template_name()));
            }
        }
    }

    // moto 5.2 ignores tag filters here: the answer's tags decide.
    let mut pages = ec2.describe_nat_gateways().filter(tag_filter(id)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("EC2 DescribeNatGateways", None, e))?;
        for n in page.nat_gateways() {
            let state = n.state().map(|s| s.as_str());
            if tagged(n.tags(), id) && !matches!(state, Some("deleted" | "failed")) {
                found.push(Found::new(Kind::NatGateway, n.nat_gateway_id().unwrap_or_default()).state(state));
            }
        }
    }

    let out = ec2.describe_addresses().filters(tag_filter(id)).send().await;
    for a in out.map_err(|e| api("EC2 DescribeAddresses", None, e))?.addresses() {
        if tagged(a.tags(), id) {
            let f = Found::new(Kind::ElasticIp, a.allocation_id().or(a.public_ip()).unwrap_or_default());
            found.push(f.name(a.public_ip()).state(a.association_id().map(|_| "associated")));
        }
    }
    Ok(found)
}

async fn elb_resources(clients: &Clients, id: &str) -> Result<Vec<Found>, SweepError> {
    let elb = &clients.elbv2;
    // ARN → (kind, name, state)
    let mut all: BTreeMap<String, (Kind, Option<String>, Option<String>)> = BTreeMap::new();
    let mut pages = elb.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("ELB DescribeLoadBalancers", None, e))?;
        for lb in page.load_balancers() {
            if let Some(arn) = lb.load_balancer_arn() {
                let state = lb.state().and_then(|s| s.code()).map(|c| c.as_str().to_owned());
                all.insert(arn.to_owned(), (Kind::LoadBalancer, lb.load_balancer_name().map(str::to_owned), state));
            }
        }
    }
    let mut pages = elb.describe_target_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("ELB DescribeTargetGroups", None, e))?;
        for tg in page.target_groups() {
            if let Some(arn) = tg.target_group_arn() {
                all.insert(arn.to_owned(), (Kind::TargetGroup, tg.target_group_name().map(str::to_owned), None));
            }
        }
    }
    let arns: Vec<String> = all.keys().cloned().collect();
    let mut found = Vec::new();
    // DescribeTags takes at most 20 ARNs.
    for chunk in arns.chunks(20) {
        let out = match elb.describe_tags().set_resource_arns(Some(chunk.to_vec())).send().await {
            Ok(out) => out,
            // One of them went away meanwhile: ask one by one.
            Err(e) if not_found(&e) => {
                let mut tags = Vec::new();
                for arn in chunk {
                    match elb.describe_tags().resource_arns(arn).send().await {
                        Ok(out) => tags.extend(out.tag_descriptions().iter().cloned()),
                        Err(e) if not_found(&e) => {}
                        Err(e) => return Err(api("ELB DescribeTags", Some(arn), e)),
                    }
                }
                aws_sdk_elasticloadbalancingv2::operation::describe_tags::DescribeTagsOutput::builder()
                    .set_tag_descriptions(Some(tags))
                    .build()
            }
            Err(e) => return Err(api("ELB DescribeTags", None, e)),
        };
        for d in out.tag_descriptions() {
            let ours = d.tags().iter().any(|t| t.key() == Some(DEPLOYMENT_ID_TAG) && t.value() == Some(id));
            if let (true, Some(arn)) = (ours, d.resource_arn())
                && let Some((kind, name, state)) = all.get(arn)
            {
                found.push(Found::new(kind.clone(), arn).arn(Some(arn)).name(name.as_deref()).state(state.as_deref()));
            }
        }
    }
    Ok(found)
}

async fn log_group(clients: &Clients, name: &str) -> Result<Option<Found>, SweepError> {
    let mut pages = clients.logs.describe_log_groups().log_group_name_prefix(name).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(api("CloudWatch Logs DescribeLogGroups", Some(name), e)),
        };
        if let Some(g) = page.log_groups().iter().find(|g| g.log_group_name() == Some(name)) {
            let arn = g.log_group_arn().or(g.arn());
            return Ok(Some(Found::new(Kind::LogGroup, name).arn(arn)));
        }
    }
    Ok(None)
}

async fn stack(clients: &Clients, name: &str, arn: &str) -> Result<Option<Found>, SweepError> {
    match clients.cfn.client.describe_stacks().stack_name(arn).send().await {
        Ok(out) => Ok(out.stacks().first().and_then(|s| {
            let status = s.stack_status().map(|s| s.as_str()).unwrap_or_default();
            (status != "DELETE_COMPLETE").then(|| Found::new(Kind::Stack, name).arn(Some(arn)).state(Some(status)))
        })),
        Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => Ok(None),
        Err(e) => Err(api("CloudFormation DescribeStacks", Some(name), e)),
    }
}

async fn bucket(clients: &Clients, name: &str) -> Result<Option<Found>, SweepError> {
    match clients.s3.head_bucket().bucket(name).send().await {
        Ok(_) => Ok(Some(Found::new(Kind::Bucket, name).arn(Some(&format!("arn:aws:s3:::{name}"))))),
        Err(e) if not_found(&e) || e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
        Err(e) => Err(api("S3 HeadBucket", Some(name), e)),
    }
}

async fn eks_clusters(clients: &Clients, id: &str) -> Result<Vec<Found>, SweepError> {
    let mut names = Vec::new();
    let mut pages = clients.eks.list_clusters().into_paginator().send();
    while let Some(page) = pages.next().await {
        names.extend(page.map_err(|e| api("EKS ListClusters", None, e))?.clusters().iter().cloned());
    }
    let mut found = Vec::new();
    for name in names {
        let cluster = match clients.eks.describe_cluster().name(&name).send().await {
            Ok(out) => out.cluster,
            Err(e) if not_found(&e) => None,
            Err(e) => return Err(api("EKS DescribeCluster", Some(&name), e)),
        };
        let Some(cluster) = cluster else { continue };
        if cluster.tags().and_then(|t| t.get(DEPLOYMENT_ID_TAG)).is_some_and(|v| v == id) {
            let state = cluster.status().map(|s| s.as_str());
            found.push(Found::new(Kind::EksCluster, &name).arn(cluster.arn()).state(state));
        }
    }
    Ok(found)
}

/// AMP workspaces tagged with the deployment id (`ListWorkspaces` summaries carry the tags); one
/// already `DELETING` is on its way out and not listed.
async fn amp_workspaces(clients: &Clients, id: &str) -> Result<Vec<Found>, SweepError> {
    let mut found = Vec::new();
    let mut pages = clients.amp.list_workspaces().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api("AMP ListWorkspaces", None, e))?;
        for w in page.workspaces() {
            let ours = w.tags().and_then(|t| t.get(DEPLOYMENT_ID_TAG)).is_some_and(|v| v == id);
            let state = w.status().map(|s| s.status_code().as_str());
            if ours && state != Some("DELETING") {
                found.push(
                    Found::new(Kind::AmpWorkspace, w.workspace_id()).arn(Some(w.arn())).name(w.alias()).state(state),
                );
            }
        }
    }
    Ok(found)
}

// ---------------------------------------------------------------------------------------------
// The sweep
// ---------------------------------------------------------------------------------------------

/// Finds, deletes in order, looks again; see the module documentation. Fails only when the first
/// look fails; deletion errors become [`Receipt::failures`], a failed second look
/// [`Receipt::verify_error`].
pub async fn sweep(
    clients: &Clients,
    scope: &Scope,
    on_event: &mut dyn FnMut(&SweepEvent),
) -> Result<Receipt, SweepError> {
    on_event(&SweepEvent::Looking { pass: 1 });
    let found = find(clients, scope).await?;
    for f in &found {
        on_event(&SweepEvent::Found(f.clone()));
    }
    let of = |kind: Kind| found.iter().filter(|f| f.kind == kind).cloned().collect::<Vec<_>>();
    let mut ledger = Ledger::default();
    let c = clients;
    let terminated = delete_instances(c, of(Kind::Instance), &mut ledger, on_event).await;
    delete_load_balancers(c, of(Kind::LoadBalancer), &mut ledger, on_event).await;
    delete_target_groups(c, of(Kind::TargetGroup), &mut ledger, on_event).await;
    delete_nat_gateways(c, of(Kind::NatGateway), &mut ledger, on_event).await;
    release_addresses(c, of(Kind::ElasticIp), &mut ledger, on_event).await;
    delete_network_interfaces(c, of(Kind::NetworkInterface), &terminated, &mut ledger, on_event).await;
    delete_volumes(c, of(Kind::Volume), &terminated, &mut ledger, on_event).await;
    delete_launch_templates(c, of(Kind::LaunchTemplate), &mut ledger, on_event).await;
    delete_security_groups(c, of(Kind::SecurityGroup), &mut ledger, on_event).await;
    delete_log_groups(c, of(Kind::LogGroup), &mut ledger, on_event).await;
    delete_stacks(c, of(Kind::Stack), &mut ledger, on_event).await;
    delete_buckets(c, scope, of(Kind::Bucket), &mut ledger, on_event).await;
    delete_amp_workspaces(c, scope, of(Kind::AmpWorkspace), &mut ledger, on_event).await;

    on_event(&SweepEvent::Looking { pass: 2 });
    let mut receipt = Receipt {
        platform: scope.platform.clone(),
        deployment_id: scope.deployment_id.clone(),
        failures: ledger.failures,
        ..Receipt::default()
    };
    match find(clients, scope).await {
        Ok(after) => {
            for f in after {
                if scope.retains(&f) {
                    receipt.retained.push(f);
                    continue;
                }
                let failure = receipt.failures.iter().find(|x| x.found.key() == f.key());
                let reason = match failure {
                    Some(x) => x.error.clone(),
                    None => remaining_reason(&f),
                };
                receipt.remaining.push(Remaining { billable: f.billable(), found: f, reason });
            }
            let remaining: BTreeSet<(Kind, String)> = receipt.remaining.iter().map(|r| r.found.key()).collect();
            receipt.deleted = ledger.deleted.into_iter().filter(|f| !remaining.contains(&f.key())).collect();
        }
        Err(e) => {
            receipt.verify_error = Some(e.to_string());
            receipt.deleted = ledger.deleted;
            receipt.retained = found.into_iter().filter(|f| scope.retains(f)).collect();
        }
    }
    Ok(receipt)
}

fn remaining_reason(f: &Found) -> String {
    match &f.kind {
        Kind::EksCluster => format!(
            "no deleter in the sweep (`down` deletes the cluster before sweeping); delete its node groups, then the \
             cluster: `aws eks delete-cluster --name {}`",
            f.id
        ),
        Kind::Other(t) => format!(
            "no deleter in the sweep for {t}; delete it in the console or with the AWS CLI (the Resource Groups \
             Tagging API listed it; it can lag a deletion by minutes)"
        ),
        _ => match &f.state {
            Some(state) => format!("still present after the sweep (state {state}); run `kubectl dataplat down` again"),
            None => "still present after the sweep; run `kubectl dataplat down` again".to_owned(),
        },
    }
}

/// What happened so far.
#[derive(Default)]
struct Ledger {
    deleted: Vec<Found>,
    failures: Vec<Failure>,
}

impl Ledger {
    /// Books the answer to a deletion that completes at once: done or not found → deleted,
    /// otherwise failed.
    fn answered<T, E, R>(&mut self, f: Found, answer: Result<T, SdkError<E, R>>, on_event: &mut dyn FnMut(&SweepEvent))
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        match answer {
            Err(e) if !not_found(&e) => self.failed(f, message(&e), on_event),
            _ => self.deleted(f, on_event),
        }
    }

    /// Books the answer to a deletion that takes a while: accepted → `started` (to wait on), not
    /// found → deleted, otherwise failed.
    fn started<T, E, R>(
        &mut self,
        f: Found,
        answer: Result<T, SdkError<E, R>>,
        started: &mut Vec<Found>,
        on_event: &mut dyn FnMut(&SweepEvent),
    ) where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        match answer {
            Ok(_) => started.push(f),
            Err(e) => self.answered::<T, E, R>(f, Err(e), on_event),
        }
    }

    fn deleted(&mut self, mut f: Found, on_event: &mut dyn FnMut(&SweepEvent)) {
        // The state seen before deleting (`running`, `in-use`) no longer says anything.
        f.state = None;
        on_event(&SweepEvent::Deleted(f.clone()));
        self.deleted.push(f);
    }

    fn failed(&mut self, f: Found, error: String, on_event: &mut dyn FnMut(&SweepEvent)) {
        on_event(&SweepEvent::Failed(f.clone(), error.clone()));
        self.failures.push(Failure { found: f, error });
    }

    /// Books the outcome of [`wait_for`]: settled → deleted, otherwise failed.
    fn settle(
        &mut self,
        items: Vec<Found>,
        outcome: &BTreeMap<String, Result<Option<String>, String>>,
        on_event: &mut dyn FnMut(&SweepEvent),
    ) {
        for f in items {
            match outcome.get(&f.id) {
                Some(Err(error)) => self.failed(f, error.clone(), on_event),
                _ => self.deleted(f, on_event),
            }
        }
    }
}

/// Polls `poll` (id → state; an id absent from the answer is gone) until `settled` holds for each
/// id. Per id: `Ok(last state)` (`None`: gone) or `Err(why not)` (timeout or API error).
async fn wait_for(
    polling: Polling,
    what: &str,
    ids: Vec<String>,
    mut poll: impl AsyncFnMut(&[String]) -> Result<BTreeMap<String, String>, String>,
    settled: impl Fn(Option<&str>) -> bool,
) -> BTreeMap<String, Result<Option<String>, String>> {
    let end = Instant::now() + polling.timeout;
    let mut out = BTreeMap::new();
    let mut last: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut waiting = ids;
    while !waiting.is_empty() {
        match poll(&waiting).await {
            Ok(states) => waiting.retain(|id| {
                let state = states.get(id).cloned();
                if settled(state.as_deref()) {
                    out.insert(id.clone(), Ok(state));
                    false
                } else {
                    last.insert(id.clone(), state);
                    true
                }
            }),
            Err(error) => {
                for id in waiting.drain(..) {
                    out.insert(id, Err(format!("waiting for it {what}: {error}")));
                }
            }
        }
        if waiting.is_empty() {
            break;
        }
        if Instant::now() >= end {
            for id in waiting.drain(..) {
                let state = last.get(&id).cloned().flatten().unwrap_or_else(|| "unknown".into());
                out.insert(id, Err(timeout(polling.timeout, what, &state)));
            }
            break;
        }
        tokio::time::sleep(polling.interval).await;
    }
    out
}

fn timeout(after: Duration, what: &str, state: &str) -> String {
    format!(
        "timed out after {}s waiting for it {what} (last state {state}); it may still be going: run `kubectl dataplat down` again",
        after.as_secs()
    )
}

fn ids(items: &[Found]) -> Vec<String> {
    items.iter().map(|f| f.id.clone()).collect()
}

fn id_filter(name: &str, ids: &[String]) -> Filter {
    Filter::builder().name(name).set_values(Some(ids.to_vec())).build()
}

async fn instance_states(c: &Clients, ids: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut states = BTreeMap::new();
    let mut pages = c.ec2.describe_instances().filters(id_filter("instance-id", ids)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| message(&e))?;
        for i in page.reservations().iter().flat_map(|r| r.instances()) {
            let state = i.state().and_then(|s| s.name()).map(|n| n.as_str().to_owned()).unwrap_or_default();
            states.insert(i.instance_id().unwrap_or_default().to_owned(), state);
        }
    }
    Ok(states)
}

/// Terminates, waits until terminated; returns the ids of the instances terminated.
async fn delete_instances(
    c: &Clients,
    items: Vec<Found>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) -> BTreeSet<String> {
    let mut started = Vec::new();
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        let answer = c.ec2.terminate_instances().instance_ids(&f.id).send().await;
        ledger.started(f, answer, &mut started, on_event);
    }
    let outcome = wait_for(
        c.polling,
        "to terminate",
        ids(&started),
        async |ids| instance_states(c, ids).await,
        |s| matches!(s, None | Some("terminated")),
    )
    .await;
    let terminated =
        started.iter().filter(|f| matches!(outcome.get(&f.id), Some(Ok(_)))).map(|f| f.id.clone()).collect();
    ledger.settle(started, &outcome, on_event);
    terminated
}

async fn delete_load_balancers(
    c: &Clients,
    items: Vec<Found>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) {
    let mut started = Vec::new();
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        let answer = c.elbv2.delete_load_balancer().load_balancer_arn(&f.id).send().await;
        ledger.started(f, answer, &mut started, on_event);
    }
    let poll = async |ids: &[String]| {
        let mut states = BTreeMap::new();
        for arn in ids {
            match c.elbv2.describe_load_balancers().load_balancer_arns(arn).send().await {
                Ok(out) => {
                    for lb in out.load_balancers() {
                        let state = lb.state().and_then(|s| s.code()).map(|c| c.as_str()).unwrap_or("present");
                        states.insert(arn.clone(), state.to_owned());
                    }
                }
                Err(e) if not_found(&e) => {}
                Err(e) => return Err(message(&e)),
            }
        }
        Ok(states)
    };
    let outcome = wait_for(c.polling, "to be deleted", ids(&started), poll, |s| s.is_none()).await;
    ledger.settle(started, &outcome, on_event);
}

async fn delete_target_groups(
    c: &Clients,
    items: Vec<Found>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) {
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        let answer = c.elbv2.delete_target_group().target_group_arn(&f.id).send().await;
        ledger.answered(f, answer, on_event);
    }
}

async fn nat_states(c: &Clients, ids: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut states = BTreeMap::new();
    let mut pages = c.ec2.describe_nat_gateways().filter(id_filter("nat-gateway-id", ids)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| message(&e))?;
        for n in page.nat_gateways() {
            let id = n.nat_gateway_id().unwrap_or_default();
            if ids.iter().any(|i| i == id) {
                states.insert(id.to_owned(), n.state().map(|s| s.as_str().to_owned()).unwrap_or_default());
            }
        }
    }
    Ok(states)
}

async fn delete_nat_gateways(
    c: &Clients,
    items: Vec<Found>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) {
    let mut started = Vec::new();
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        if f.state.as_deref() == Some("deleting") {
            started.push(f);
            continue;
        }
        let answer = c.ec2.delete_nat_gateway().nat_gateway_id(&f.id).send().await;
        ledger.started(f, answer, &mut started, on_event);
    }
    let outcome = wait_for(
        c.polling,
        "to be deleted",
        ids(&started),
        async |ids| nat_states(c, ids).await,
        |s| matches!(s, None | Some("deleted")),
    )
    .await;
    ledger.settle(started, &outcome, on_event);
}

async fn release_addresses(c: &Clients, items: Vec<Found>, ledger: &mut Ledger, on_event: &mut dyn FnMut(&SweepEvent)) {
    if items.is_empty() {
        return;
    }
    // Associations now (the NAT gateways holding some are gone).
    let described = c.ec2.describe_addresses().filters(id_filter("allocation-id", &ids(&items))).send().await;
    let associations: BTreeMap<String, Option<String>> = match described {
        Ok(out) => out
            .addresses()
            .iter()
            .map(|a| (a.allocation_id().unwrap_or_default().to_owned(), a.association_id().map(str::to_owned)))
            .collect(),
        Err(e) => {
            let error = message(&e);
            for f in items {
                ledger.failed(f, error.clone(), on_event);
            }
            return;
        }
    };
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        let Some(association) = associations.get(&f.id) else {
            ledger.deleted(f, on_event);
            continue;
        };
        if let Some(association) = association {
            // Fails for an address a NAT gateway still holds; the release below then says why.
            let _ = c.ec2.disassociate_address().association_id(association).send().await;
        }
        let answer = c.ec2.release_address().allocation_id(&f.id).send().await;
        ledger.answered(f, answer, on_event);
    }
}

/// ENI id → (status, attached instance, requester-managed).
async fn eni_states(c: &Clients, ids: &[String]) -> Result<BTreeMap<String, (String, Option<String>, bool)>, String> {
    let mut states = BTreeMap::new();
    let mut pages =
        c.ec2.describe_network_interfaces().filters(id_filter("network-interface-id", ids)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| message(&e))?;
        for n in page.network_interfaces() {
            let status = n.status().map(|s| s.as_str().to_owned()).unwrap_or_default();
            let instance = n.attachment().and_then(|a| a.instance_id()).map(str::to_owned);
            let managed = n.requester_managed().unwrap_or(false);
            states.insert(n.network_interface_id().unwrap_or_default().to_owned(), (status, instance, managed));
        }
    }
    Ok(states)
}

async fn delete_network_interfaces(
    c: &Clients,
    items: Vec<Found>,
    terminated: &BTreeSet<String>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) {
    if items.is_empty() {
        return;
    }
    let states = match eni_states(c, &ids(&items)).await {
        Ok(states) => states,
        Err(error) => {
            for f in items {
                ledger.failed(f, error.clone(), on_event);
            }
            return;
        }
    };
    // In use by something going away (an instance we terminated, or a service's own ENI of a load
    // balancer or NAT gateway we deleted): wait until it is released.
    let mut wait = Vec::new();
    let mut delete = Vec::new();
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        match states.get(&f.id) {
            None => ledger.deleted(f, on_event),
            Some((status, _, _)) if status == "available" => delete.push(f),
            Some((_, instance, managed)) if *managed || instance.as_ref().is_none_or(|i| terminated.contains(i)) => {
                wait.push(f)
            }
            Some((status, instance, _)) => {
                let by = instance.as_deref().unwrap_or("something else");
                ledger.failed(f, format!("{status}: attached to {by}, which the sweep did not delete"), on_event);
            }
        }
    }
    let poll = async |ids: &[String]| {
        eni_states(c, ids).await.map(|s| s.into_iter().map(|(id, (status, _, _))| (id, status)).collect())
    };
    let outcome =
        wait_for(c.polling, "to be released", ids(&wait), poll, |s| matches!(s, None | Some("available"))).await;
    for f in wait {
        match outcome.get(&f.id) {
            Some(Ok(None)) => ledger.deleted(f, on_event),
            Some(Err(error)) => ledger.failed(f, error.clone(), on_event),
            _ => delete.push(f),
        }
    }
    for f in delete {
        let answer = c.ec2.delete_network_interface().network_interface_id(&f.id).send().await;
        ledger.answered(f, answer, on_event);
    }
}

/// Volume id → (state, attached instances).
async fn volume_states(c: &Clients, ids: &[String]) -> Result<BTreeMap<String, (String, Vec<String>)>, String> {
    let mut states = BTreeMap::new();
    let mut pages = c.ec2.describe_volumes().filters(id_filter("volume-id", ids)).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| message(&e))?;
        for v in page.volumes() {
            let state = v.state().map(|s| s.as_str().to_owned()).unwrap_or_default();
            let instances = v.attachments().iter().filter_map(|a| a.instance_id()).map(str::to_owned).collect();
            states.insert(v.volume_id().unwrap_or_default().to_owned(), (state, instances));
        }
    }
    Ok(states)
}

async fn delete_volumes(
    c: &Clients,
    items: Vec<Found>,
    terminated: &BTreeSet<String>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) {
    if items.is_empty() {
        return;
    }
    let states = match volume_states(c, &ids(&items)).await {
        Ok(states) => states,
        Err(error) => {
            for f in items {
                ledger.failed(f, error.clone(), on_event);
            }
            return;
        }
    };
    let mut wait = Vec::new();
    let mut delete = Vec::new();
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        match states.get(&f.id) {
            None => ledger.deleted(f, on_event),
            Some((state, _)) if state == "deleted" => ledger.deleted(f, on_event),
            Some((state, _)) if state == "available" => delete.push(f),
            Some((state, _)) if state == "deleting" => wait.push(f),
            Some((_, instances)) if instances.iter().all(|i| terminated.contains(i)) => wait.push(f),
            Some((state, instances)) => {
                let by = instances.join(", ");
                ledger.failed(f, format!("{state}: attached to {by}, which the sweep did not delete"), on_event);
            }
        }
    }
    let poll = async |ids: &[String]| {
        volume_states(c, ids).await.map(|s| s.into_iter().map(|(id, (state, _))| (id, state)).collect())
    };
    let outcome =
        wait_for(c.polling, "to be detached", ids(&wait), poll, |s| matches!(s, None | Some("available" | "deleted")))
            .await;
    for f in wait {
        match outcome.get(&f.id) {
            Some(Err(error)) => ledger.failed(f, error.clone(), on_event),
            Some(Ok(Some(state))) if state == "available" => delete.push(f),
            // Gone (or deleted) meanwhile.
            _ => ledger.deleted(f, on_event),
        }
    }
    let mut started = Vec::new();
    for f in delete {
        let answer = c.ec2.delete_volume().volume_id(&f.id).send().await;
        ledger.started(f, answer, &mut started, on_event);
    }
    let poll = async |ids: &[String]| {
        volume_states(c, ids).await.map(|s| s.into_iter().map(|(id, (state, _))| (id, state)).collect())
    };
    let outcome =
        wait_for(c.polling, "to be deleted", ids(&started), poll, |s| matches!(s, None | Some("deleted"))).await;
    ledger.settle(started, &outcome, on_event);
}

async fn delete_launch_templates(
    c: &Clients,
    items: Vec<Found>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) {
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        let answer = c.ec2.delete_launch_template().launch_template_id(&f.id).send().await;
        ledger.answered(f, answer, on_event);
    }
}

async fn delete_security_groups(
    c: &Clients,
    items: Vec<Found>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) {
    for f in &items {
        on_event(&SweepEvent::Deleting(f.clone()));
    }
    // Groups may reference each other, and ENIs of deleted services are released late: retry the
    // ones that answer DependencyViolation.
    let mut pending: Vec<(Found, String)> = items.into_iter().map(|f| (f, String::new())).collect();
    for attempt in 1..=SECURITY_GROUP_ATTEMPTS {
        let mut again = Vec::new();
        for (f, _) in pending {
            match c.ec2.delete_security_group().group_id(&f.id).send().await {
                Ok(_) => ledger.deleted(f, on_event),
                Err(e) if not_found(&e) => ledger.deleted(f, on_event),
                Err(e) if e.code() == Some("DependencyViolation") => again.push((f, message(&e))),
                Err(e) => ledger.failed(f, message(&e), on_event),
            }
        }
        pending = again;
        if pending.is_empty() {
            break;
        }
        if attempt < SECURITY_GROUP_ATTEMPTS {
            tokio::time::sleep(c.polling.interval).await;
        }
    }
    for (f, error) in pending {
        ledger.failed(f, format!("{error} (tried {SECURITY_GROUP_ATTEMPTS} times)"), on_event);
    }
}

async fn delete_log_groups(c: &Clients, items: Vec<Found>, ledger: &mut Ledger, on_event: &mut dyn FnMut(&SweepEvent)) {
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        let answer = c.logs.delete_log_group().log_group_name(&f.id).send().await;
        ledger.answered(f, answer, on_event);
    }
}

async fn delete_stacks(c: &Clients, items: Vec<Found>, ledger: &mut Ledger, on_event: &mut dyn FnMut(&SweepEvent)) {
    for f in items {
        on_event(&SweepEvent::Deleting(f.clone()));
        let result = {
            let mut forward = |e: &StackEvent| on_event(&SweepEvent::Stack(e.clone()));
            stacks::delete(&c.cfn, &f.id, &mut forward).await
        };
        match result {
            Ok(()) => ledger.deleted(f, on_event),
            Err(e) => ledger.failed(f, e.to_string(), on_event),
        }
    }
}

async fn delete_buckets(
    c: &Clients,
    scope: &Scope,
    items: Vec<Found>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) {
    for f in items {
        if scope.retains(&f) {
            on_event(&SweepEvent::Retained(f));
            continue;
        }
        on_event(&SweepEvent::Deleting(f.clone()));
        if let Err(e) = empty_bucket(&c.s3, &f.id).await {
            ledger.failed(f, e.to_string(), on_event);
            continue;
        }
        let answer = c.s3.delete_bucket().bucket(&f.id).send().await;
        ledger.answered(f, answer, on_event);
    }
}

/// Deletes the workspaces (unless kept), then waits until `DescribeWorkspace` no longer finds
/// them (AWS keeps one `DELETING` for a while).
async fn delete_amp_workspaces(
    c: &Clients,
    scope: &Scope,
    items: Vec<Found>,
    ledger: &mut Ledger,
    on_event: &mut dyn FnMut(&SweepEvent),
) {
    let mut started = Vec::new();
    for f in items {
        if scope.retains(&f) {
            on_event(&SweepEvent::Retained(f));
            continue;
        }
        on_event(&SweepEvent::Deleting(f.clone()));
        let answer = c.amp.delete_workspace().workspace_id(&f.id).send().await;
        ledger.started(f, answer, &mut started, on_event);
    }
    let outcome = wait_for(
        c.polling,
        "to be deleted",
        ids(&started),
        async |ids| {
            let mut states = BTreeMap::new();
            for id in ids {
                match c.amp.describe_workspace().workspace_id(id).send().await {
                    Ok(out) => {
                        let state = out.workspace().and_then(|w| w.status()).map(|s| s.status_code().as_str());
                        states.insert(id.clone(), state.unwrap_or("UNKNOWN").to_owned());
                    }
                    Err(e) if not_found(&e) => {}
                    Err(e) => return Err(message(&e)),
                }
            }
            Ok(states)
        },
        |state| state.is_none(),
    )
    .await;
    ledger.settle(started, &outcome, on_event);
}

/// Deletes every object version and delete marker of `bucket` (ours are versioned; an
/// unversioned bucket's objects come as version `null`), 1000 at a time. Returns how many were
/// deleted.
pub async fn empty_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<usize, SweepError> {
    let mut deleted = 0;
    loop {
        // Always the first page: what was deleted is no longer listed.
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .max_keys(S3_PAGE as i32)
            .send()
            .await
            .map_err(|e| api("S3 ListObjectVersions", Some(bucket), e))?;
        let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = page.delete_markers().iter().map(|m| (m.key(), m.version_id()));
        let mut objects = Vec::new();
        for (key, version) in versions.chain(markers) {
            let Some(key) = key else { continue };
            let object = ObjectIdentifier::builder().key(key).set_version_id(version.map(str::to_owned)).build();
            objects.push(object.expect("the key is set"));
        }
        if objects.is_empty() {
            return Ok(deleted);
        }
        for chunk in objects.chunks(S3_PAGE) {
            let delete = Delete::builder().set_objects(Some(chunk.to_vec())).quiet(true).build();
            let out = s3
                .delete_objects()
                .bucket(bucket)
                .delete(delete.expect("the objects are set"))
                .send()
                .await
                .map_err(|e| api("S3 DeleteObjects", Some(bucket), e))?;
            if let Some(first) = out.errors().first() {
                return Err(SweepError::ObjectsNotDeleted {
                    bucket: bucket.to_owned(),
                    count: out.errors().len(),
                    first: format!(
                        "{} {}: {}",
                        first.key().unwrap_or_default(),
                        first.version_id().unwrap_or_default(),
                        first.message().or(first.code()).unwrap_or_default()
                    ),
                });
            }
            deleted += chunk.len();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A not-found answer of any of the services (the resource is gone).
fn not_found<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.code().is_some_and(|c| {
        c.contains("NotFound")
            || matches!(c, "NoSuchBucket" | "ResourceNotFoundException" | "InvalidAllocationID.NotFound")
    })
}

fn message<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        (None, Some(message)) => message.to_owned(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

fn api<E, R>(operation: &'static str, resource: Option<&str>, err: SdkError<E, R>) -> SweepError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let code = err.code().map(str::to_owned);
    let hint = match code.as_deref() {
        Some("ExpiredToken" | "ExpiredTokenException" | "InvalidClientTokenId" | "UnrecognizedClientException") => {
            "the AWS credentials are missing, invalid or expired: check AWS_PROFILE (or run `aws sso login`)".to_owned()
        }
        Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation") => format!(
            "the credentials may not call {operation}; the sweep needs tag:GetResources and the Describe/List and \
             Delete calls of EC2, ELB, CloudWatch Logs, CloudFormation, S3 and EKS"
        ),
        _ => "check the AWS credentials, region and network, then run `kubectl dataplat down` again (the sweep is \
              idempotent)"
            .to_owned(),
    };
    SweepError::Api { operation, resource: resource.map(str::to_owned), code, message: message(&err), hint }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_classified() {
        let c = |arn: &str| classify(arn);
        assert_eq!(c("arn:aws:s3:::my-bucket"), Candidate::Bucket("my-bucket".into()));
        assert_eq!(c("arn:aws:ec2:us-west-2:1:instance/i-1"), Candidate::Confirmed);
        assert_eq!(c("arn:aws:ec2:us-west-2:1:vpc/vpc-1"), Candidate::Other("ec2:vpc".into(), "vpc-1".into()));
        assert_eq!(c("arn:aws:elasticloadbalancing:us-west-2:1:loadbalancer/net/a/b"), Candidate::Confirmed);
        assert_eq!(
            c("arn:aws:elasticloadbalancing:us-west-2:1:loadbalancer/classic"),
            Candidate::Other("elasticloadbalancing:loadbalancer".into(), "classic".into())
        );
        assert_eq!(c("arn:aws:logs:us-west-2:1:log-group:/a/b:*"), Candidate::LogGroup("/a/b".into()));
        assert_eq!(c("arn:aws:cloudformation:us-west-2:1:stack/s1/uuid"), Candidate::Stack("s1".into()));
        assert_eq!(c("arn:aws:sqs:us-west-2:1:queue"), Candidate::Other("sqs".into(), "queue".into()));
        assert_eq!(c("arn:aws:kms:us-west-2:1:key/k"), Candidate::Other("kms:key".into(), "k".into()));
        // Read through ListWorkspaces instead (its summaries carry the tags).
        assert_eq!(c("arn:aws:aps:us-west-2:1:workspace/ws-1"), Candidate::Confirmed);
    }

    #[test]
    fn unknown_kinds_are_billable_and_known_free_ones_are_not() {
        assert!(Kind::Other("kms:key".into()).billable());
        assert!(!Kind::Other("ec2:vpc".into()).billable());
        assert!(Kind::NatGateway.billable());
        assert!(!Kind::SecurityGroup.billable());
    }

    #[test]
    fn the_summary_counts_only_billable_remaining_resources() {
        let mut r = Receipt::default();
        assert_eq!(r.summary(), "0 billable resources remain");
        r.retained.push(Found::new(Kind::Bucket, "kept"));
        assert_eq!(r.summary(), "0 billable resources remain, besides the 1 retained bucket listed above");
        let sg = Found::new(Kind::SecurityGroup, "sg-1");
        r.remaining.push(Remaining { billable: false, found: sg, reason: "x".into() });
        assert!(r.is_clean());
        let vol = Found::new(Kind::Volume, "vol-1");
        r.remaining.push(Remaining { billable: true, found: vol.clone(), reason: "x".into() });
        assert_eq!(r.summary(), "1 billable resource remains");
        r.remaining.push(Remaining { billable: true, found: vol, reason: "x".into() });
        assert_eq!(r.summary(), "2 billable resources remain");
        assert!(!r.is_clean());
        r.remaining.clear();
        r.verify_error = Some("boom".into());
        assert!(!r.is_clean());
        assert!(r.render().trim_end().ends_with("billable resources may remain: boom"));
    }
}
