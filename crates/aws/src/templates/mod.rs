//! CloudFormation templates generated from typed Rust (DESIGN.md section 8).
//!
//! The cloud layer creates four stacks per platform, in this order, each from a builder here:
//!
//! | stack | builder | holds | why a stack of its own |
//! |---|---|---|---|
//! | `<platform>-network` | [`network::template`] | the VPC, its 100.64-66/16 secondary blocks, public and private subnets over the zones, internet and NAT gateways, route tables, the S3 gateway endpoint, the node security group | everything the cluster lives in; outputs exported for the EKS step |
//! | `<platform>-storage` | [`storage::template`] | one bucket per addon bucket (SSE, public access blocked, TLS-only, lifecycle rules) and the platform's AMP workspace when an addon refers to it | data: retained on `down --keep-data`; before IAM, whose parameter is the workspace's id |
//! | `<platform>-iam` | [`iam::template`] | the EKS cluster role, the core node role, the Karpenter node role and controller (role + inline policy), the EBS CSI role, one pod-identity role per addon grant | roles outlive nothing else; named, so `CAPABILITY_NAMED_IAM` |
//! | `<platform>-interruption` | [`interruption::template`] | Karpenter's interruption queue (SSE, TLS-only) and the five EventBridge rules feeding it | Karpenter's spot and health handling |
//!
//! The EKS cluster, node group, managed add-ons, pod identity associations and access entries
//! are not in CloudFormation: they go through the EKS API (moto does not model `AWS::EKS::*`, and
//! the API gives finer progress and recovery).
//!
//! Every taggable resource carries `dataplat.io/platform`, `dataplat.io/deployment-id` and the
//! user's tags from platform.yaml ([`Context::tags`]), so `down`'s sweep can prove nothing is
//! left. Templates are data ([`model`]); [`Template::to_json`] gives the JSON CloudFormation
//! accepts. [`crate::from_spec`] derives every builder's input from a [`crate::spec::CloudSpec`].

pub mod iam;
pub mod interruption;
pub mod model;
pub mod network;
pub mod storage;

use std::collections::BTreeMap;

pub use model::{Expr, Resource, Tag, Template};

/// The tags naming the platform and carrying the deployment id on every resource.
pub use dataplat_vocabulary::{DEPLOYMENT_ID_TAG, PLATFORM_TAG};
/// The tag Karpenter discovers subnets and security groups by (value: the cluster name).
pub const DISCOVERY_TAG: &str = "karpenter.sh/discovery";

/// A template that cannot be built from its inputs.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    /// The VPC CIDR is not `a.b.c.d/p` with p in 16..=24 and no host bits.
    #[error("vpc_cidr {0:?}: expected an IPv4 network from /16 to /24, e.g. 10.0.0.0/16")]
    VpcCidr(String),
    /// The number of availability zones is outside 2..=4.
    #[error("{0} availability zones: the network spans 2 to 4")]
    ZoneCount(u32),
    /// Two inputs map to the same CloudFormation logical id or physical name.
    #[error("{0}")]
    Duplicate(String),
}

/// What every stack of a platform shares: names and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The platform name: the EKS cluster name and the prefix of every AWS resource name.
    pub platform: String,
    /// The AWS region the stacks are deployed to.
    pub region: String,
    /// The deployment id from platform.yaml, generated once.
    pub deployment_id: String,
    /// The user's tags from platform.yaml.
    pub tags: BTreeMap<String, String>,
}

impl Context {
    /// The tags of every resource: the user's, then the two dataplat tags (which win).
    pub fn tags(&self) -> Vec<Tag> {
        let mut all: BTreeMap<&str, &str> = self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.insert(PLATFORM_TAG, &self.platform);
        all.insert(DEPLOYMENT_ID_TAG, &self.deployment_id);
        all.into_iter().map(|(k, v)| Tag { key: k.to_owned(), value: Expr::lit(v) }).collect()
    }

    /// [`Context::tags`] plus a `Name` tag and any extra tags (an extra tag replaces a user tag
    /// of the same key, never a dataplat one).
    pub fn tags_with(&self, name: Expr, extra: &[(&str, &str)]) -> Vec<Tag> {
        let mut tags = self.tags();
        let mut set = |key: &str, value: Expr| match tags.iter_mut().find(|t| t.key == key) {
            Some(tag) => tag.value = value,
            None => tags.push(Tag { key: key.to_owned(), value }),
        };
        set("Name", name);
        for (key, value) in extra {
            if *key != PLATFORM_TAG && *key != DEPLOYMENT_ID_TAG {
                set(key, Expr::lit(*value));
            }
        }
        tags.sort_by(|a, b| a.key.cmp(&b.key));
        tags
    }

    /// The name of one of this platform's stacks (`<platform>-network`, ...).
    pub fn stack_name(&self, stack: Stack) -> String {
        format!("{}-{}", self.platform, stack.suffix())
    }

    /// The export name of a network output, `<platform>-<key>`.
    pub fn export_name(&self, key: &str) -> String {
        format!("{}-{key}", self.platform)
    }
}

/// The platform's stacks, in creation order (deletion is the reverse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stack {
    Network,
    Iam,
    Interruption,
    Storage,
}

impl Stack {
    /// Every stack in creation order.
    pub const ALL: [Stack; 4] = [Stack::Network, Stack::Storage, Stack::Iam, Stack::Interruption];

    /// The stack name's suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            Stack::Network => "network",
            Stack::Iam => "iam",
            Stack::Interruption => "interruption",
            Stack::Storage => "storage",
        }
    }
}

/// `parts` joined with `-`, at most `max` characters: a longer result keeps its start and ends
/// with an 8-hex digest of the whole, so it stays unique and stable.
pub fn bounded_name(parts: &[&str], max: usize) -> String {
    let full = parts.join("-");
    if full.len() <= max {
        return full;
    }
    let tail = format!("-{:08x}", fnv1a(full.as_bytes()));
    let head: String = full.chars().take(max - tail.len()).collect();
    format!("{}{tail}", head.trim_end_matches('-'))
}

/// 32-bit FNV-1a (a stable digest for names; not for security).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, b| (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

/// A CloudFormation logical id (alphanumeric) from free-form parts: each part's words
/// capitalised, everything else dropped (`"spark-history-server", "event_logs"` ->
/// `SparkHistoryServerEventLogs`).
pub fn logical_id(parts: &[&str]) -> String {
    let mut id = String::new();
    for part in parts {
        let mut upper = true;
        for c in part.chars() {
            if c.is_ascii_alphanumeric() {
                id.push(if upper { c.to_ascii_uppercase() } else { c });
                upper = false;
            } else {
                upper = true;
            }
        }
    }
    id
}

/// `arn:${AWS::Partition}:...` as a `Fn::Sub`, from an ARN with the partition left out
/// (`iam::aws:policy/AmazonEKSClusterPolicy`).
pub(crate) fn arn(rest: &str) -> Expr {
    Expr::sub(format!("arn:${{AWS::Partition}}:{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_within_bounds_and_unique() {
        assert_eq!(bounded_name(&["trino-v2", "trino", "trino"], 64), "trino-v2-trino-trino");
        let long = "p".repeat(60);
        let a = bounded_name(&[&long, "spark-history-server", "shs"], 64);
        let b = bounded_name(&[&long, "spark-history-server", "shs2"], 64);
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn logical_ids_are_alphanumeric() {
        assert_eq!(logical_id(&["spark-history-server", "event_logs"]), "SparkHistoryServerEventLogs");
        assert_eq!(logical_id(&["Bucket", "trino", "data"]), "BucketTrinoData");
    }

    #[test]
    fn dataplat_tags_win_over_user_tags() {
        let ctx = Context {
            platform: "p".into(),
            region: "us-west-2".into(),
            deployment_id: "id".into(),
            tags: [("team".to_owned(), "data".to_owned()), (PLATFORM_TAG.to_owned(), "x".to_owned())].into(),
        };
        let tags = ctx.tags();
        assert_eq!(tags.len(), 3);
        assert!(tags.iter().any(|t| t.key == PLATFORM_TAG && t.value == Expr::lit("p")));
    }
}
