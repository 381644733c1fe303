//! The host's own model of what addons declare: the types a [`Plan`](crate::Plan) holds, so the
//! plan, its JSON and YAML forms, the lifecycle and the cloud translation never name the
//! bindings generated from `wit/addon.wit`. Values cross from the contract's types at the plugin
//! boundary ([`From`] impls here, called by the composer); a contract change stops here.
//!
//! The serde forms are the contract's (same field names and order, same variant names), so
//! `plan -o json` and `render` are unchanged by the conversion.

use dataplat_plugin::contract as wit;
use serde::{Deserialize, Serialize};

/// A URL an addon publishes (a UI, a query endpoint), shown after `up` and given to addons
/// planned later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub addon: String,
    pub name: String,
    pub url: String,
    pub description: String,
}

/// Objects under `prefix` expire after `expiration_days`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    pub prefix: String,
    pub expiration_days: u32,
}

/// What a grant statement applies to: one of the addon's buckets, objects under a prefix of
/// one, or a literal ARN (`${partition}`, `${region}`, `${account}` left to CloudFormation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IamResource {
    Bucket(String),
    BucketObjects((String, String)),
    Arn(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamStatement {
    pub sid: String,
    pub actions: Vec<String>,
    pub resources: Vec<IamResource>,
}

/// An IAM role's permissions, assumed by the pod identities that name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamGrant {
    pub id: String,
    pub statements: Vec<IamStatement>,
    pub managed_policies: Vec<String>,
}

/// A service account that assumes a grant's role through EKS Pod Identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodIdentity {
    pub namespace: String,
    pub service_account: String,
    pub grant: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CapacityType {
    OnDemand,
    Spot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Consolidation {
    WhenEmpty,
    WhenEmptyOrUnderutilized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

/// Capacity an addon asks Karpenter for (a NodePool of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodePoolRequest {
    pub name: String,
    pub capacity_types: Vec<CapacityType>,
    pub architectures: Vec<String>,
    pub instance_families: Vec<String>,
    pub instance_types: Vec<String>,
    pub single_zone: bool,
    pub zone: Option<String>,
    pub labels: Vec<(String, String)>,
    pub taints: Vec<Taint>,
    pub consolidation: Consolidation,
    pub consolidate_after_seconds: u32,
    pub limit_cpu: Option<u32>,
    pub limit_memory_gib: Option<u32>,
    pub root_volume_gib: u32,
    pub weight: Option<u32>,
    pub expire_after_hours: u32,
}

/// A readiness condition beyond the applier's kind-aware checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub json_path: Option<String>,
    pub expected: Option<String>,
    pub timeout_seconds: u32,
}

/// A Secret the host generates once in the cluster (names and keys only here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedSecret {
    pub namespace: String,
    pub name: String,
    pub random_keys: Vec<String>,
    pub length: u32,
    pub fixed: Vec<(String, String)>,
}

/// Something the addon wants the user to know about its plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub topic: String,
    pub text: String,
}

impl From<wit::Endpoint> for Endpoint {
    fn from(e: wit::Endpoint) -> Self {
        Endpoint { addon: e.addon, name: e.name, url: e.url, description: e.description }
    }
}

impl From<&Endpoint> for wit::Endpoint {
    /// Endpoints of addons planned earlier go back into the facts of the next.
    fn from(e: &Endpoint) -> Self {
        wit::Endpoint {
            addon: e.addon.clone(),
            name: e.name.clone(),
            url: e.url.clone(),
            description: e.description.clone(),
        }
    }
}

impl From<wit::LifecycleRule> for LifecycleRule {
    fn from(r: wit::LifecycleRule) -> Self {
        LifecycleRule { prefix: r.prefix, expiration_days: r.expiration_days }
    }
}

impl From<wit::IamResource> for IamResource {
    fn from(r: wit::IamResource) -> Self {
        match r {
            wit::IamResource::Bucket(id) => IamResource::Bucket(id),
            wit::IamResource::BucketObjects(objects) => IamResource::BucketObjects(objects),
            wit::IamResource::Arn(arn) => IamResource::Arn(arn),
        }
    }
}

impl From<wit::IamGrant> for IamGrant {
    fn from(g: wit::IamGrant) -> Self {
        let statements = g
            .statements
            .into_iter()
            .map(|s| IamStatement { sid: s.sid, actions: s.actions, resources: into_all(s.resources) })
            .collect();
        IamGrant { id: g.id, statements, managed_policies: g.managed_policies }
    }
}

impl From<wit::PodIdentity> for PodIdentity {
    fn from(i: wit::PodIdentity) -> Self {
        PodIdentity { namespace: i.namespace, service_account: i.service_account, grant: i.grant }
    }
}

impl From<wit::CapacityType> for CapacityType {
    fn from(c: wit::CapacityType) -> Self {
        match c {
            wit::CapacityType::OnDemand => CapacityType::OnDemand,
            wit::CapacityType::Spot => CapacityType::Spot,
        }
    }
}

impl From<wit::Consolidation> for Consolidation {
    fn from(c: wit::Consolidation) -> Self {
        match c {
            wit::Consolidation::WhenEmpty => Consolidation::WhenEmpty,
            wit::Consolidation::WhenEmptyOrUnderutilized => Consolidation::WhenEmptyOrUnderutilized,
        }
    }
}

impl From<wit::Taint> for Taint {
    fn from(t: wit::Taint) -> Self {
        let effect = match t.effect {
            wit::TaintEffect::NoSchedule => TaintEffect::NoSchedule,
            wit::TaintEffect::PreferNoSchedule => TaintEffect::PreferNoSchedule,
            wit::TaintEffect::NoExecute => TaintEffect::NoExecute,
        };
        Taint { key: t.key, value: t.value, effect }
    }
}

impl From<wit::NodePoolRequest> for NodePoolRequest {
    fn from(r: wit::NodePoolRequest) -> Self {
        NodePoolRequest {
            name: r.name,
            capacity_types: into_all(r.capacity_types),
            architectures: r.architectures,
            instance_families: r.instance_families,
            instance_types: r.instance_types,
            single_zone: r.single_zone,
            zone: r.zone,
            labels: r.labels,
            taints: into_all(r.taints),
            consolidation: r.consolidation.into(),
            consolidate_after_seconds: r.consolidate_after_seconds,
            limit_cpu: r.limit_cpu,
            limit_memory_gib: r.limit_memory_gib,
            root_volume_gib: r.root_volume_gib,
            weight: r.weight,
            expire_after_hours: r.expire_after_hours,
        }
    }
}

impl From<wit::HealthCheck> for HealthCheck {
    fn from(h: wit::HealthCheck) -> Self {
        HealthCheck {
            api_version: h.api_version,
            kind: h.kind,
            namespace: h.namespace,
            name: h.name,
            json_path: h.json_path,
            expected: h.expected,
            timeout_seconds: h.timeout_seconds,
        }
    }
}

impl From<wit::GeneratedSecret> for GeneratedSecret {
    fn from(s: wit::GeneratedSecret) -> Self {
        GeneratedSecret {
            namespace: s.namespace,
            name: s.name,
            random_keys: s.random_keys,
            length: s.length,
            fixed: s.fixed,
        }
    }
}

impl From<wit::Note> for Note {
    fn from(n: wit::Note) -> Self {
        Note { topic: n.topic, text: n.text }
    }
}

/// Every item of a contract list, in the host's model.
pub fn into_all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model's serde form is the contract's: `plan -o json` and `render` do not change with
    /// the conversion. Every type and every enum variant is covered.
    #[test]
    fn the_model_serializes_as_the_contract_does() {
        fn same<W: Serialize + Clone, M: Serialize + From<W>>(wit: W) {
            let (w, m) = (serde_json::to_value(&wit).unwrap(), serde_json::to_value(M::from(wit)).unwrap());
            assert_eq!(w, m);
        }
        let s = |t: &str| t.to_string();
        same::<_, Endpoint>(wit::Endpoint {
            addon: s("trino"),
            name: s("ui"),
            url: s("https://x"),
            description: s("d"),
        });
        same::<_, LifecycleRule>(wit::LifecycleRule { prefix: s("tmp/"), expiration_days: 7 });
        same::<_, IamGrant>(wit::IamGrant {
            id: s("g"),
            statements: vec![wit::IamStatement {
                sid: s("S"),
                actions: vec![s("s3:GetObject")],
                resources: vec![
                    wit::IamResource::Bucket(s("data")),
                    wit::IamResource::BucketObjects((s("data"), s("p/"))),
                    wit::IamResource::Arn(s("arn:${partition}:glue:${region}:${account}:catalog")),
                ],
            }],
            managed_policies: vec![s("arn:aws:iam::aws:policy/P")],
        });
        same::<_, PodIdentity>(wit::PodIdentity { namespace: s("n"), service_account: s("sa"), grant: s("g") });
        for (capacity, consolidation, effect) in [
            (wit::CapacityType::OnDemand, wit::Consolidation::WhenEmpty, wit::TaintEffect::NoSchedule),
            (wit::CapacityType::Spot, wit::Consolidation::WhenEmptyOrUnderutilized, wit::TaintEffect::PreferNoSchedule),
            (wit::CapacityType::Spot, wit::Consolidation::WhenEmpty, wit::TaintEffect::NoExecute),
        ] {
            same::<_, NodePoolRequest>(wit::NodePoolRequest {
                name: s("workers"),
                capacity_types: vec![capacity],
                architectures: vec![s("arm64")],
                instance_families: vec![s("r8g")],
                instance_types: Vec::new(),
                single_zone: true,
                zone: Some(s("b")),
                labels: vec![(s("k"), s("v"))],
                taints: vec![wit::Taint { key: s("k"), value: s("v"), effect }],
                consolidation,
                consolidate_after_seconds: 600,
                limit_cpu: Some(64),
                limit_memory_gib: None,
                root_volume_gib: 100,
                weight: Some(10),
                expire_after_hours: 720,
            });
        }
        same::<_, HealthCheck>(wit::HealthCheck {
            api_version: s("apps/v1"),
            kind: s("Deployment"),
            namespace: Some(s("n")),
            name: s("d"),
            json_path: Some(s("{.status.x}")),
            expected: None,
            timeout_seconds: 300,
        });
        same::<_, GeneratedSecret>(wit::GeneratedSecret {
            namespace: s("n"),
            name: s("s"),
            random_keys: vec![s("password")],
            length: 32,
            fixed: vec![(s("user"), s("admin"))],
        });
        same::<_, Note>(wit::Note { topic: s("t"), text: s("x") });
    }
}
