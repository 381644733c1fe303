//! The builders' inputs from a [`CloudSpec`]: names and tags, every addon's buckets and grants.

use crate::spec::CloudSpec;
use crate::templates::iam::IamInput;
use crate::templates::interruption::InterruptionInput;
use crate::templates::network::NetworkInput;
use crate::templates::storage::StorageInput;
use crate::templates::{self, Context, Stack, Template, TemplateError};

/// The shared context of the platform's stacks.
pub fn context(spec: &CloudSpec) -> Context {
    Context {
        platform: spec.platform.clone(),
        region: spec.region.clone(),
        deployment_id: spec.deployment_id.clone(),
        tags: spec.tags.clone(),
    }
}

/// The network input: the spec's VPC block over 3 zones.
pub fn network(spec: &CloudSpec) -> NetworkInput {
    NetworkInput { vpc_cidr: spec.vpc_cidr.clone(), nat: spec.options.nat, ..NetworkInput::new(context(spec)) }
}

/// The IAM input: one role per addon grant.
pub fn iam(spec: &CloudSpec) -> IamInput {
    IamInput {
        context: context(spec),
        grants: spec.grants.clone(),
        secrets_key_arn: spec.options.secrets_key_arn.clone(),
        amp_workspace: spec.amp_workspace.is_some(),
    }
}

/// The interruption input.
pub fn interruption(spec: &CloudSpec) -> InterruptionInput {
    InterruptionInput { context: context(spec) }
}

/// The storage input: every addon's buckets, and the AMP workspace when an addon refers to it.
/// `keep_data`: retain what holds data when the stack is deleted.
pub fn storage(spec: &CloudSpec, keep_data: bool) -> StorageInput {
    StorageInput {
        context: context(spec),
        buckets: spec.buckets.clone(),
        amp_workspace: spec.amp_workspace.clone(),
        encryption: spec.options.encryption.clone(),
        keep_data,
    }
}

/// Every stack of the platform with its template, in creation order ([`Stack::ALL`]):
/// network, storage when the spec has buckets or an AMP workspace (CloudFormation refuses a
/// template without resources), IAM (after storage: a grant may name the workspace's id, which
/// only exists once the storage stack does), interruption.
pub fn stacks(spec: &CloudSpec, keep_data: bool) -> Result<Vec<(Stack, Template)>, TemplateError> {
    let mut out = vec![(Stack::Network, templates::network::template(&network(spec))?)];
    let storage = storage(spec, keep_data);
    if !storage.is_empty() {
        out.push((Stack::Storage, templates::storage::template(&storage)?));
    }
    out.push((Stack::Iam, templates::iam::template(&iam(spec))?));
    out.push((Stack::Interruption, templates::interruption::template(&interruption(spec))?));
    Ok(out)
}
