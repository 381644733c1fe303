//! Constructors and chainable setters for the contract's records, so a plan reads as a list of
//! declarations rather than struct literals.

use crate::*;

impl Flag {
    /// The flag that switches the addon on (`enable_keda`).
    pub fn addon(name: &str, description: &str) -> Flag {
        Flag { name: name.into(), description: description.into(), enables_addon: true }
    }
    /// A feature flag, meaningful only while the addon is on (`enable_trino_keda`).
    pub fn feature(name: &str, description: &str) -> Flag {
        Flag { name: name.into(), description: description.into(), enables_addon: false }
    }
}

impl Dependency {
    /// Needed whenever the addon is on.
    pub fn always(addon: &str, reason: &str) -> Dependency {
        Dependency { addon: addon.into(), when_flag: None, reason: reason.into() }
    }
    /// Needed only while `flag` is on.
    pub fn when(flag: &str, addon: &str, reason: &str) -> Dependency {
        Dependency { addon: addon.into(), when_flag: Some(flag.into()), reason: reason.into() }
    }
}

impl Diagnostic {
    /// An error at a dotted config path ("" for the whole block).
    pub fn error(path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, path: path.into(), message: message.into(), hint: None }
    }
    /// A warning at a dotted config path.
    pub fn warning(path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, path: path.into(), message: message.into(), hint: None }
    }
    /// Adds a hint telling the user what to write instead.
    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

impl PlatformFacts {
    /// Whether a flag is set to true in platform.yaml.
    pub fn flag(&self, name: &str) -> bool {
        self.enabled_flags.iter().any(|f| f == name)
    }
    /// Whether an addon is enabled.
    pub fn addon_enabled(&self, addon: &str) -> bool {
        self.enabled_addons.iter().any(|a| a == addon)
    }
    /// An endpoint declared by an addon planned earlier.
    pub fn endpoint(&self, addon: &str, name: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.addon == addon && e.name == name)
    }
}

impl Default for AddonPlan {
    fn default() -> Self {
        AddonPlan {
            releases: Vec::new(),
            buckets: Vec::new(),
            grants: Vec::new(),
            pod_identities: Vec::new(),
            node_pools: Vec::new(),
            endpoints: Vec::new(),
            notes: Vec::new(),
        }
    }
}

impl AddonPlan {
    /// An empty plan.
    pub fn new() -> AddonPlan {
        AddonPlan::default()
    }
    pub fn release(mut self, release: Release) -> Self {
        self.releases.push(release);
        self
    }
    pub fn bucket(mut self, bucket: Bucket) -> Self {
        self.buckets.push(bucket);
        self
    }
    pub fn grant(mut self, grant: IamGrant) -> Self {
        self.grants.push(grant);
        self
    }
    /// Binds `namespace/service_account` to the grant `grant` through EKS Pod Identity.
    pub fn pod_identity(mut self, namespace: &str, service_account: &str, grant: &str) -> Self {
        self.pod_identities.push(PodIdentity {
            namespace: namespace.into(),
            service_account: service_account.into(),
            grant: grant.into(),
        });
        self
    }
    pub fn node_pool(mut self, pool: NodePoolRequest) -> Self {
        self.node_pools.push(pool);
        self
    }
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoints.push(endpoint);
        self
    }
    /// An explanation shown with the plan.
    pub fn note(mut self, topic: &str, text: impl Into<String>) -> Self {
        self.notes.push(Note { topic: topic.into(), text: text.into() });
        self
    }
}

impl Endpoint {
    pub fn new(addon: &str, name: &str, url: impl Into<String>, description: &str) -> Endpoint {
        Endpoint { addon: addon.into(), name: name.into(), url: url.into(), description: description.into() }
    }
}

impl ChartRef {
    /// A chart from an `https://` repository or an `oci://` registry, with JSON values.
    pub fn new(repository: &str, chart: &str, version: &str, values: serde_json::Value) -> ChartRef {
        ChartRef {
            repository: repository.into(),
            chart: chart.into(),
            version: version.into(),
            values: values.to_string(),
        }
    }
}

impl Release {
    /// An empty release in `namespace`.
    pub fn new(name: &str, namespace: &str) -> Release {
        Release {
            name: name.into(),
            namespace: namespace.into(),
            chart: None,
            objects: Vec::new(),
            health_checks: Vec::new(),
            depends_on: Vec::new(),
        }
    }
    pub fn chart(mut self, chart: ChartRef) -> Self {
        self.chart = Some(chart);
        self
    }
    /// A Kubernetes object from anything serializable: a k8s-openapi type or `serde_json::json!`.
    pub fn object<T: serde::Serialize>(mut self, object: &T) -> Self {
        let json = serde_json::to_string(object).unwrap_or_else(|_| "null".to_string());
        self.objects.push(json);
        self
    }
    pub fn health(mut self, check: HealthCheck) -> Self {
        self.health_checks.push(check);
        self
    }
    /// Must wait for another release: "name" in this addon or "addon/name" in another.
    pub fn depends_on(mut self, release: &str) -> Self {
        self.depends_on.push(release.into());
        self
    }
}

impl HealthCheck {
    /// Kind-aware readiness of one object (rollout done, CRD established, ...).
    pub fn ready(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> HealthCheck {
        HealthCheck {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: namespace.map(Into::into),
            name: name.into(),
            json_path: None,
            expected: None,
            timeout_seconds: 300,
        }
    }
    /// Requires `json_path` of the live object to equal `expected`.
    pub fn condition(mut self, json_path: &str, expected: &str) -> Self {
        self.json_path = Some(json_path.into());
        self.expected = Some(expected.into());
        self
    }
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = seconds;
        self
    }
}

impl Bucket {
    /// A private, encrypted bucket that holds data (kept by `down --keep-data`).
    pub fn new(id: &str, purpose: &str) -> Bucket {
        Bucket { id: id.into(), purpose: purpose.into(), versioning: false, lifecycle_rules: Vec::new(), holds_data: true }
    }
    /// Expires objects under `prefix` ("" for all) after `days`.
    pub fn expire_after_days(mut self, prefix: &str, days: u32) -> Self {
        self.lifecycle_rules.push(LifecycleRule { prefix: prefix.into(), expiration_days: days });
        self
    }
    /// Scratch space: deleted by `down` even with `--keep-data`.
    pub fn scratch(mut self) -> Self {
        self.holds_data = false;
        self
    }
}

impl IamGrant {
    pub fn new(id: &str) -> IamGrant {
        IamGrant { id: id.into(), statements: Vec::new(), managed_policies: Vec::new() }
    }
    /// Allows `actions` on `resources`.
    pub fn allow(mut self, sid: &str, actions: &[&str], resources: Vec<Resource>) -> Self {
        self.statements.push(IamStatement {
            sid: sid.into(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
            resources,
        });
        self
    }
    /// Attaches an AWS-managed policy by name.
    pub fn managed_policy(mut self, name: &str) -> Self {
        self.managed_policies.push(name.into());
        self
    }
}

impl NodePoolRequest {
    /// On-demand arm64 capacity of any family, consolidated when empty or underutilized.
    pub fn new(name: &str) -> NodePoolRequest {
        NodePoolRequest {
            name: name.into(),
            capacity_types: vec![CapacityType::OnDemand],
            architectures: vec!["arm64".into()],
            instance_families: Vec::new(),
            instance_types: Vec::new(),
            single_zone: false,
            labels: Vec::new(),
            taints: Vec::new(),
            consolidation: Consolidation::WhenEmptyOrUnderutilized,
            consolidate_after_seconds: 600,
            limit_cpu: None,
            limit_memory_gib: None,
            root_volume_gib: 100,
            weight: None,
        }
    }
}

/// Node label every system controller is pinned to: the core managed node group the core creates.
pub const CORE_NODE_SELECTOR: (&str, &str) = ("dataplat.io/pool", "core");

/// Deep-merges `overrides` into `base` the way Helm merges user values over chart defaults:
/// objects merge key by key, anything else (arrays included) replaces, and `null` deletes a key.
pub fn merge_values(base: &mut serde_json::Value, overrides: &serde_json::Value) {
    use serde_json::Value;
    match (base, overrides) {
        (Value::Object(base), Value::Object(overrides)) => {
            for (key, value) in overrides {
                if value.is_null() {
                    base.remove(key);
                } else if let Some(existing) = base.get_mut(key) {
                    merge_values(existing, value);
                } else {
                    base.insert(key.clone(), value.clone());
                }
            }
        }
        (base, overrides) => *base = overrides.clone(),
    }
}

/// Helpers for plugin unit tests (native), so they need not spell out every fact.
pub mod testing {
    use crate::PlatformFacts;

    /// Facts of a platform `test` in us-west-2 with the given flags set to true. Addon names
    /// are derived from `enable_<addon>` flags; pass extra addon names in `addons`.
    pub fn facts(flags: &[&str], addons: &[&str]) -> PlatformFacts {
        PlatformFacts {
            name: "test".into(),
            region: "us-west-2".into(),
            account_id: Some("123456789012".into()),
            deployment_id: "AbCd1234".into(),
            kubernetes_version: "1.34".into(),
            enabled_addons: addons.iter().map(|a| a.to_string()).collect(),
            enabled_flags: flags.iter().map(|f| f.to_string()).collect(),
            endpoints: Vec::new(),
            tags: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merge_values;
    use serde_json::json;

    #[test]
    fn merge_is_deep_and_null_deletes() {
        let mut base = json!({"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": true});
        merge_values(&mut base, &json!({"a": {"c": 3, "d": 4}, "list": [9], "gone": null}));
        assert_eq!(base, json!({"a": {"b": 1, "c": 3, "d": 4}, "list": [9]}));
    }
}
