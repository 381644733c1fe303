//! The builders' inputs from a core [`Plan`]: platform settings, every addon's buckets and grants.
//!
//! Bucket references in grants (`bucket(id)`, `bucket-objects(id, prefix)`) resolve to the ARNs of
//! the addon's own buckets by their physical names; literal ARNs get their `${region}`,
//! `${account}` and `${partition}` substituted by CloudFormation ([`iam::literal_arn`]).

use dataplat_core::Plan;
use dataplat_plugin::contract::IamResource;

use super::iam::{self, GrantRole, GrantStatement, IamInput};
use super::interruption::InterruptionInput;
use super::network::{NatMode, NetworkInput};
use super::storage::{BucketSpec, Encryption, Expiration, StorageInput};
use super::{Context, Expr};

/// The shared context of the platform's stacks.
pub fn context(plan: &Plan) -> Context {
    let p = &plan.platform;
    Context {
        platform: p.name.clone(),
        region: p.region.clone(),
        deployment_id: p.deployment_id.clone(),
        tags: p.tags.clone(),
    }
}

/// The network input: the plan's VPC block over 3 zones.
pub fn network(plan: &Plan, nat: NatMode) -> NetworkInput {
    NetworkInput { vpc_cidr: plan.platform.vpc_cidr.clone(), nat, ..NetworkInput::new(context(plan)) }
}

/// The IAM input: one role per grant of every addon.
pub fn iam(plan: &Plan) -> IamInput {
    let mut grants = Vec::new();
    for addon in &plan.addons {
        let bucket = |id: &str| addon.buckets.iter().find(|b| b.id == id).map_or(id, |b| b.name.as_str()).to_owned();
        for grant in &addon.grants {
            let statements = grant
                .statements
                .iter()
                .map(|s| GrantStatement {
                    sid: s.sid.clone(),
                    actions: s.actions.clone(),
                    resources: s
                        .resources
                        .iter()
                        .map(|r| match r {
                            IamResource::Bucket(id) => iam::bucket_arn(&bucket(id)),
                            IamResource::BucketObjects((id, prefix)) => iam::bucket_objects_arn(&bucket(id), prefix),
                            IamResource::Arn(arn) => iam::literal_arn(arn),
                        })
                        .collect::<Vec<Expr>>(),
                })
                .collect();
            grants.push(GrantRole {
                addon: addon.name.clone(),
                grant: grant.id.clone(),
                statements,
                managed_policies: grant.managed_policies.clone(),
            });
        }
    }
    IamInput {
        context: context(plan),
        grants,
        secrets_key_arn: plan.platform.cluster.secrets_kms_key_arn.clone(),
        amp_workspace: !dataplat_core::cloud_values::amp_workspace_users(plan).is_empty(),
    }
}

/// The interruption input.
pub fn interruption(plan: &Plan) -> InterruptionInput {
    InterruptionInput { context: context(plan) }
}

/// The storage input: every addon's buckets, and the AMP workspace when an addon refers to it.
pub fn storage(plan: &Plan, encryption: Encryption, keep_data: bool) -> StorageInput {
    let buckets = plan
        .addons
        .iter()
        .flat_map(|addon| {
            addon.buckets.iter().map(|b| BucketSpec {
                addon: addon.name.clone(),
                id: b.id.clone(),
                name: b.name.clone(),
                purpose: b.purpose.clone(),
                versioning: b.versioning,
                lifecycle: b
                    .lifecycle_rules
                    .iter()
                    .map(|r| Expiration { prefix: r.prefix.clone(), days: r.expiration_days })
                    .collect(),
                holds_data: b.holds_data,
            })
        })
        .collect();
    let amp_workspace = (!dataplat_core::cloud_values::amp_workspace_users(plan).is_empty())
        .then(|| dataplat_core::cloud_values::amp_workspace_alias(&plan.platform));
    StorageInput { context: context(plan), buckets, amp_workspace, encryption, keep_data }
}

/// Every stack of the platform with its template, in creation order ([`super::Stack::ALL`]):
/// network, storage when the plan has buckets or an AMP workspace (CloudFormation refuses a
/// template without resources), IAM (after storage: a grant may name the workspace's id, which
/// only exists once the storage stack does), interruption.
pub fn stacks(
    plan: &Plan,
    nat: NatMode,
    encryption: Encryption,
    keep_data: bool,
) -> Result<Vec<(super::Stack, super::Template)>, super::TemplateError> {
    let mut out = vec![(super::Stack::Network, super::network::template(&network(plan, nat))?)];
    let storage = storage(plan, encryption, keep_data);
    if !storage.is_empty() {
        out.push((super::Stack::Storage, super::storage::template(&storage)?));
    }
    out.push((super::Stack::Iam, super::iam::template(&iam(plan))?));
    out.push((super::Stack::Interruption, super::interruption::template(&interruption(plan))?));
    Ok(out)
}
