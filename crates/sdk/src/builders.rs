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

// wit-bindgen generates the record type, so the derive clippy suggests cannot be written.
#[allow(clippy::derivable_impls)]
impl Default for AddonPlan {
    fn default() -> Self {
        AddonPlan {
            releases: Vec::new(),
            buckets: Vec::new(),
            grants: Vec::new(),
            pod_identities: Vec::new(),
            node_pools: Vec::new(),
            endpoints: Vec::new(),
            secrets: Vec::new(),
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
    /// A Secret the host generates once (see [`GeneratedSecret::new`]).
    pub fn secret(mut self, secret: GeneratedSecret) -> Self {
        self.secrets.push(secret);
        self
    }
    /// An explanation shown with the plan.
    pub fn note(mut self, topic: &str, text: impl Into<String>) -> Self {
        self.notes.push(Note { topic: topic.into(), text: text.into() });
        self
    }
}

impl GeneratedSecret {
    /// A Secret `namespace/name` the host creates before the addon's releases and keeps; add
    /// keys with [`random`](Self::random) and [`fixed`](Self::fixed). Values are 32 characters.
    pub fn new(namespace: &str, name: &str) -> GeneratedSecret {
        GeneratedSecret {
            namespace: namespace.into(),
            name: name.into(),
            random_keys: Vec::new(),
            length: 32,
            fixed: Vec::new(),
        }
    }
    /// A key with a random value generated once.
    pub fn random(mut self, key: &str) -> Self {
        self.random_keys.push(key.into());
        self
    }
    /// A key with a fixed, non-secret value.
    pub fn fixed(mut self, key: &str, value: &str) -> Self {
        self.fixed.push((key.into(), value.into()));
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
        Bucket {
            id: id.into(),
            purpose: purpose.into(),
            versioning: false,
            lifecycle_rules: Vec::new(),
            holds_data: true,
        }
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
            zone: None,
            labels: Vec::new(),
            taints: Vec::new(),
            consolidation: Consolidation::WhenEmptyOrUnderutilized,
            consolidate_after_seconds: 600,
            limit_cpu: None,
            limit_memory_gib: None,
            root_volume_gib: 100,
            weight: None,
            expire_after_hours: 720,
        }
    }

    /// A pool only the pods that ask for it land on: label `dataplat.io/pool=<name>` and taint
    /// `dataplat.io/<name>=true:NoSchedule`; such pods carry [`dedicated_pool_selector`] and
    /// [`dedicated_pool_tolerations`]. On-demand arm64 as [`NodePoolRequest::new`].
    pub fn dedicated(name: &str) -> NodePoolRequest {
        let mut pool = NodePoolRequest::new(name);
        pool.labels = vec![(CORE_NODE_SELECTOR.0.into(), name.into())];
        pool.taints =
            vec![Taint { key: dedicated_pool_taint(name), value: "true".into(), effect: TaintEffect::NoSchedule }];
        pool
    }
}

/// The taint key of a [`NodePoolRequest::dedicated`] pool: `dataplat.io/<name>`.
pub fn dedicated_pool_taint(pool: &str) -> String {
    format!("dataplat.io/{pool}")
}

/// The `nodeSelector` of pods that run on the dedicated pool `pool`.
pub fn dedicated_pool_selector(pool: &str) -> serde_json::Value {
    serde_json::json!({ CORE_NODE_SELECTOR.0: pool })
}

/// The `tolerations` of pods that run on the dedicated pool `pool`.
pub fn dedicated_pool_tolerations(pool: &str) -> serde_json::Value {
    serde_json::json!([{ "key": dedicated_pool_taint(pool), "operator": "Equal", "value": "true", "effect": "NoSchedule" }])
}

/// Node label every system controller is pinned to: the core managed node group the core creates.
pub const CORE_NODE_SELECTOR: (&str, &str) = dataplat_vocabulary::CORE_POOL_LABEL;

/// Annotation of a ConfigMap whose contents the pods that mount it pass on to other pods (see
/// the readiness analysis's identity rule).
pub const PASSED_ON_ANNOTATION: &str = dataplat_vocabulary::PASSED_ON_ANNOTATION;

/// The tool's name: the value of `app.kubernetes.io/managed-by` on what the platform installs
/// (and the host's server-side apply field manager).
pub const MANAGED_BY: &str = dataplat_vocabulary::TOOL;

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

/// [`CORE_NODE_SELECTOR`] as a JSON object, ready for a Helm `nodeSelector` value.
pub fn core_node_selector() -> serde_json::Value {
    let mut selector = serde_json::Map::new();
    selector.insert(CORE_NODE_SELECTOR.0.into(), CORE_NODE_SELECTOR.1.into());
    serde_json::Value::Object(selector)
}

/// A `v1 Namespace` object named `name`.
pub fn namespace_object(name: &str) -> serde_json::Value {
    serde_json::json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": name } })
}

/// A container `resources` block: requests and limits of CPU and memory, in Kubernetes
/// quantity notation ("100m", "256Mi").
pub fn resources(cpu_request: &str, memory_request: &str, cpu_limit: &str, memory_limit: &str) -> serde_json::Value {
    serde_json::json!({
        "requests": { "cpu": cpu_request, "memory": memory_request },
        "limits": { "cpu": cpu_limit, "memory": memory_limit },
    })
}

/// Whether `name` is a DNS-1123 label (a namespace name, for one): 1 to 63 characters of
/// lowercase letters, digits and `-`, starting and ending with a letter or digit.
pub fn is_dns1123_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let alphanumeric = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.iter().all(|b| alphanumeric(b) || *b == b'-')
        && bytes.first().is_some_and(alphanumeric)
        && bytes.last().is_some_and(alphanumeric)
}

/// An error at `path` unless `value` is a DNS-1123 label.
pub fn check_dns1123_label(path: &str, value: &str) -> Option<Diagnostic> {
    (!is_dns1123_label(value)).then(|| {
        Diagnostic::error(path, format!("{value:?} is not a valid DNS-1123 label"))
            .hint("use 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit")
    })
}

/// Errors for a list of DNS-1123 labels: each invalid element at `path.<index>`, and each
/// repeated one (at the index of the repetition).
pub fn check_dns1123_labels(path: &str, values: &[String]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let element = format!("{path}.{index}");
        problems.extend(check_dns1123_label(&element, value));
        if let Some(first) = values[..index].iter().position(|v| v == value) {
            problems.push(
                Diagnostic::error(&element, format!("{value:?} is listed twice"))
                    .hint(format!("remove it here; it is already {path}.{first}")),
            );
        }
    }
    problems
}

/// An error at `path` unless `value` lies in `range`. The schema states ranges too, but the
/// host may hand over a config nobody checked against it.
pub fn check_range<T>(path: &str, value: T, range: std::ops::RangeInclusive<T>) -> Option<Diagnostic>
where
    T: PartialOrd + std::fmt::Display,
{
    (!range.contains(&value)).then(|| {
        Diagnostic::error(path, format!("{value} is out of range: must be {} to {}", range.start(), range.end()))
    })
}

/// The checks every chart-based addon makes of its common fields: `namespace` is a DNS-1123
/// label, `chart_version` is not empty and `values` (free-form Helm values) is an object.
pub fn check_chart_settings(namespace: &str, chart_version: &str, values: &serde_json::Value) -> Vec<Diagnostic> {
    let mut problems: Vec<Diagnostic> = check_dns1123_label("namespace", namespace).into_iter().collect();
    if chart_version.trim().is_empty() {
        problems.push(Diagnostic::error("chart_version", "must not be empty").hint("leave it out to use the default"));
    }
    if !values.is_object() {
        problems.push(
            Diagnostic::error("values", "must be an object of Helm values")
                .hint("values: { someKey: someValue }, or leave it out"),
        );
    }
    problems
}

/// Errors for Helm value keys (dotted, `a.b.c`) that an addon derives names from and so does
/// not let `values` override; `reason` says what depends on them.
pub fn check_reserved_values(values: &serde_json::Value, keys: &[&str], reason: &str) -> Vec<Diagnostic> {
    keys.iter()
        .filter(|key| key.split('.').try_fold(values, |v, part| v.get(part)).is_some())
        .map(|key| {
            Diagnostic::error(
                &format!("values.{key}"),
                format!("is set by the plugin and cannot be overridden: {reason}"),
            )
            .hint(format!("remove values.{key}"))
        })
        .collect()
}

impl ChartRef {
    /// A chart whose values are the addon's `defaults` with the user's free-form `overrides`
    /// deep-merged over them (see [`merge_values`]).
    pub fn with_overrides(
        repository: &str,
        chart: &str,
        version: &str,
        mut defaults: serde_json::Value,
        overrides: &serde_json::Value,
    ) -> ChartRef {
        merge_values(&mut defaults, overrides);
        ChartRef::new(repository, chart, version, defaults)
    }
}

impl Release {
    /// The usual release of a chart-based addon: `chart` installed into `namespace`, with the
    /// `v1 Namespace` object the chart needs (charts do not create their own namespace).
    pub fn of_chart(name: &str, namespace: &str, chart: ChartRef) -> Release {
        Release::new(name, namespace).namespace_object(namespace).chart(chart)
    }
    /// [`depends_on`](Release::depends_on) only when `condition` holds (e.g. wait for the
    /// prometheus release only when ServiceMonitors are rendered).
    pub fn depends_on_if(self, condition: bool, release: &str) -> Self {
        if condition { self.depends_on(release) } else { self }
    }
    /// Adds a `v1 Namespace` object named `name` (see [`namespace_object`]).
    pub fn namespace_object(self, name: &str) -> Self {
        self.object(&namespace_object(name))
    }
}

/// Helpers for plugin unit tests (native), so they need not spell out every fact.
///
/// The assertion helpers panic on purpose: they are for `#[test]` functions, never for a plan.
pub mod testing {
    use crate::{Addon, AddonPlan, Diagnostic, PlatformFacts, Release, Severity};

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

    /// `facts` with the endpoints the trino addon publishes with HTTPS on, in namespace `trino`:
    /// `https` (port 8443), `credentials` and `ca` (what a client of Trino reads, see
    /// [`TrinoClient`](crate::TrinoClient)).
    pub fn with_trino_https(mut facts: PlatformFacts) -> PlatformFacts {
        facts.endpoints.extend([
            crate::Endpoint::new("trino", "https", "https://trino.trino.svc:8443", ""),
            crate::Endpoint::new("trino", "credentials", "secret://trino/trino-users", ""),
            crate::Endpoint::new("trino", "ca", "secret://trino/trino-ca", ""),
        ]);
        facts
    }

    /// The plan for a JSON config; panics with the diagnostics if planning fails.
    pub fn plan_ok<A: Addon>(config: &serde_json::Value, facts: &PlatformFacts) -> AddonPlan {
        match crate::runtime::plan::<A>(&config.to_string(), facts) {
            Ok(plan) => plan,
            Err(diagnostics) => panic!("plan failed: {diagnostics:#?}"),
        }
    }

    /// The error diagnostics `validate` reports for a JSON config.
    pub fn errors<A: Addon>(config: &serde_json::Value, facts: &PlatformFacts) -> Vec<Diagnostic> {
        crate::runtime::validate::<A>(&config.to_string(), facts)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect()
    }

    /// The error at `path` that `validate` reports for a JSON config; panics if there is none
    /// or the planner does not refuse the config too.
    pub fn error_at<A: Addon>(config: &serde_json::Value, facts: &PlatformFacts, path: &str) -> Diagnostic {
        assert!(crate::runtime::plan::<A>(&config.to_string(), facts).is_err(), "plan accepted {config}");
        let errors = errors::<A>(config, facts);
        match errors.iter().find(|d| d.path == path) {
            Some(found) => found.clone(),
            None => panic!("no error at {path:?} for {config}: {errors:#?}"),
        }
    }

    /// The release named `name`; panics if the plan has none.
    pub fn release<'a>(plan: &'a AddonPlan, name: &str) -> &'a Release {
        match plan.releases.iter().find(|r| r.name == name) {
            Some(release) => release,
            None => panic!("no release {name:?} in {:?}", plan.releases.iter().map(|r| &r.name).collect::<Vec<_>>()),
        }
    }

    /// The Helm values of a release's chart as JSON (`Null` without a chart).
    pub fn values(release: &Release) -> serde_json::Value {
        release
            .chart
            .as_ref()
            .and_then(|chart| serde_json::from_str(&chart.values).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// The objects of a release as JSON.
    pub fn objects(release: &Release) -> Vec<serde_json::Value> {
        release.objects.iter().filter_map(|o| serde_json::from_str(o).ok()).collect()
    }

    /// The object of `kind` named `name` in a release; panics if there is none.
    pub fn object(release: &Release, kind: &str, name: &str) -> serde_json::Value {
        let found = objects(release).into_iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name);
        match found {
            Some(object) => object,
            None => panic!("no {kind} {name:?} in release {:?}", release.name),
        }
    }

    /// The top-level property names of the addon's config schema (which must parse as JSON).
    pub fn schema_properties<A: Addon>() -> Vec<String> {
        let info = crate::runtime::info::<A>();
        let schema: serde_json::Value = match serde_json::from_str(&info.config_schema) {
            Ok(schema) => schema,
            Err(err) => panic!("config schema is not JSON: {err}"),
        };
        schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default()
    }

    /// Asserts the release installs `chart` version `version` from `repository`.
    pub fn assert_chart(release: &Release, repository: &str, chart: &str, version: &str) {
        let found = release.chart.as_ref().map(|c| (c.repository.as_str(), c.chart.as_str(), c.version.as_str()));
        assert_eq!(found, Some((repository, chart, version)), "chart of release {}", release.name);
    }

    /// `(kind, name)` of each health check of a release, in order.
    pub fn health_checks(release: &Release) -> Vec<(&str, &str)> {
        release.health_checks.iter().map(|h| (h.kind.as_str(), h.name.as_str())).collect()
    }

    /// `(name, url)` of each endpoint of a plan, in order.
    pub fn endpoints(plan: &AddonPlan) -> Vec<(&str, &str)> {
        plan.endpoints.iter().map(|e| (e.name.as_str(), e.url.as_str())).collect()
    }

    /// Asserts what `info()` says: the name, the flags as `(name, enables_addon)`, the addons
    /// it always or conditionally depends on, and the documented config fields (see
    /// [`assert_schema_fields`]).
    pub fn assert_info<A: Addon>(name: &str, flags: &[(&str, bool)], dependencies: &[&str], fields: &[&str]) {
        let info = crate::runtime::info::<A>();
        assert_eq!(info.name, name);
        assert_eq!(info.contract_version, crate::CONTRACT_VERSION);
        let found: Vec<(&str, bool)> = info.flags.iter().map(|f| (f.name.as_str(), f.enables_addon)).collect();
        assert_eq!(found, flags, "flags");
        let found: Vec<&str> = info.dependencies.iter().map(|d| d.addon.as_str()).collect();
        assert_eq!(found, dependencies, "dependencies");
        assert_schema_fields::<A>(fields);
    }

    /// Asserts the config schema has exactly the top-level properties `fields` (in any order)
    /// and that each is documented (a doc comment becomes its `description`).
    pub fn assert_schema_fields<A: Addon>(fields: &[&str]) {
        let info = crate::runtime::info::<A>();
        let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap_or_default();
        let mut properties = schema_properties::<A>();
        properties.sort();
        let mut expected: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(properties, expected, "config schema properties");
        for field in fields {
            let description = schema["properties"][field]["description"].as_str().unwrap_or("");
            assert!(!description.trim().is_empty(), "config field {field} has no doc comment");
        }
    }

    /// Asserts the checks of a chart addon's common fields (see
    /// [`check_chart_settings`](crate::check_chart_settings)): each bad `namespace` (not a
    /// DNS-1123 label), empty `chart_version` and non-object `values` is an error at its field
    /// that the planner refuses too, an unknown field is an error at its path, and `{}` is
    /// accepted.
    pub fn assert_chart_settings_checked<A: Addon>(facts: &PlatformFacts) {
        use serde_json::json;
        for namespace in ["", "-x", "x-", "BAD_NS", "KEDA", "Super Set", "a.b"] {
            let error = error_at::<A>(&json!({ "namespace": namespace }), facts, "namespace");
            assert!(error.message.contains("DNS-1123"), "namespace {namespace:?}: {}", error.message);
        }
        for version in ["", " "] {
            let error = error_at::<A>(&json!({ "chart_version": version }), facts, "chart_version");
            assert_eq!(error.message, "must not be empty", "chart_version {version:?}");
        }
        let bad_values = [json!(null), json!(false), json!(1), json!(3), json!("x"), json!([]), json!([1])];
        for values in bad_values {
            let error = error_at::<A>(&json!({ "values": values }), facts, "values");
            assert!(error.message.contains("object"), "values {values}: {}", error.message);
        }
        let error = error_at::<A>(&json!({ "not_a_setting": 1 }), facts, "not_a_setting");
        assert!(error.message.contains("unknown field"), "{}", error.message);
        let found = errors::<A>(&json!({}), facts);
        assert!(found.is_empty(), "the defaults are refused: {found:#?}");
    }

    /// Plans twice and asserts both plans serialize to the same JSON.
    pub fn assert_deterministic<A: Addon>(config: &serde_json::Value, facts: &PlatformFacts) {
        let first = serde_json::to_string(&plan_ok::<A>(config, facts)).ok();
        let second = serde_json::to_string(&plan_ok::<A>(config, facts)).ok();
        assert!(first.is_some(), "plan does not serialize");
        assert_eq!(first, second, "two plans of the same input differ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dns1123_labels_are_checked_with_paths() {
        assert!(is_dns1123_label("spark-team-a"));
        assert!(is_dns1123_label("a"));
        for bad in ["", "-a", "a-", "Team", "a_b", "a.b", &"x".repeat(64)] {
            assert!(!is_dns1123_label(bad), "{bad:?} accepted");
        }
        let names = vec!["ok".to_string(), "Bad".to_string(), "ok".to_string()];
        let problems = check_dns1123_labels("job_namespaces", &names);
        let paths: Vec<&str> = problems.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["job_namespaces.1", "job_namespaces.2"]);
        assert!(problems[1].message.contains("twice"));
    }

    #[test]
    fn range_and_chart_settings_checks() {
        assert!(check_range("replicas", 3, 1..=3).is_none());
        let out = check_range("replicas", 4, 1..=3).expect("out of range");
        assert_eq!((out.path.as_str(), out.message.as_str()), ("replicas", "4 is out of range: must be 1 to 3"));
        let problems = check_chart_settings("Bad_NS", " ", &json!([1]));
        let paths: Vec<&str> = problems.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["namespace", "chart_version", "values"]);
        assert!(check_chart_settings("ok", "1.0.0", &json!({})).is_empty());
    }

    #[test]
    fn reserved_values_are_found_by_dotted_key() {
        let values = json!({"fullnameOverride": "x", "prometheus": {"serviceAccount": {"create": true}}});
        let problems = check_reserved_values(&values, &["fullnameOverride", "prometheus.serviceAccount.name"], "names");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "values.fullnameOverride");
    }

    #[test]
    fn chart_release_merges_values_and_carries_its_namespace() {
        let chart = ChartRef::with_overrides("https://r", "c", "1", json!({"a": {"b": 1}}), &json!({"a": {"c": 2}}));
        let release = Release::of_chart("c", "ns", chart).depends_on_if(false, "x/y").depends_on_if(true, "p/q");
        assert_eq!(release.depends_on, ["p/q"]);
        assert_eq!(testing::values(&release), json!({"a": {"b": 1, "c": 2}}));
        assert_eq!(testing::objects(&release), vec![namespace_object("ns")]);
        assert_eq!(core_node_selector(), json!({"dataplat.io/pool": "core"}));
    }

    #[test]
    fn merge_is_deep_and_null_deletes() {
        let mut base = json!({"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": true});
        merge_values(&mut base, &json!({"a": {"c": 3, "d": 4}, "list": [9], "gone": null}));
        assert_eq!(base, json!({"a": {"b": 1, "c": 3, "d": 4}, "list": [9]}));
    }
}
