//! Field-by-field API checks of the custom resources the plan renders, which kubernetes-validate
//! cannot check (it has no schemas for CRDs).
//!
//! Each model below is written by us from the upstream schema, with `deny_unknown_fields` on every
//! struct, the exact JSON field names and types, enums as Rust enums, and the value rules of the
//! API as `check_*` functions. Sources read (the models are not copies; fields we never render are
//! typed loosely or left out, so a plugin that starts using one fails here and gets a model):
//!
//! - **KEDA ScaledObject `keda.sh/v1alpha1`**: kedacore/charts `keda/templates/crds/crd-scaledobjects.yaml`
//!   (controller-gen v0.16.5, KEDA 2.16/2.17 era) and kedacore/keda
//!   `apis/keda/v1alpha1/scaledobject_types.go` + `scaletriggers_types.go` (the webhook rules:
//!   `CheckReplicaCountBoundsAreValid`, `CheckFallbackValid`, `ValidateTriggers`). `fallback.behavior`
//!   and its values come from the KEDA 2.21 docs (reference/trino-on-eks.md §5.5). HPA behavior is
//!   `autoscaling/v2` `HorizontalPodAutoscalerBehavior`.
//! - **prometheus-operator ServiceMonitor `monitoring.coreos.com/v1`**:
//!   prometheus-operator/prometheus-operator
//!   `example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml` (operator 0.84.1).
//! - **Karpenter NodePool `karpenter.sh/v1`** and **EC2NodeClass `karpenter.k8s.aws/v1`**:
//!   aws/karpenter-provider-aws `pkg/apis/crds/karpenter.sh_nodepools.yaml` (controller-gen v0.17.1)
//!   and `pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml` (v1), including their CEL rules
//!   (restricted label domains, requirement operators and values, role XOR instanceProfile, alias
//!   exclusivity, restricted tags).

// The models exist to be deserialized into: many fields are never read, only type-checked.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use dataplat_core::{Addons, Plan, compose};
use dataplat_plugin::{HostOptions, PluginHost};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// `metadata` as our objects write it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectMeta {
    name: String,
    namespace: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// `int-or-string`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IntOrString {
    Int(i64),
    String(String),
}

/// Kubernetes `LabelSelector`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LabelSelector {
    match_labels: Option<BTreeMap<String, String>>,
    match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelSelectorRequirement {
    key: String,
    operator: SelectorOperator,
    values: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, PartialEq)]
enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

fn check_type(object: &Value, api_version: &str, kind: &str) -> Result<(), String> {
    if object["apiVersion"] != api_version || object["kind"] != kind {
        return Err(format!("expected {api_version} {kind}, found {} {}", object["apiVersion"], object["kind"]));
    }
    Ok(())
}

/// Deserializes `object` into the model `T` (with the serde path of the first problem).
fn typed<T: DeserializeOwned>(object: &Value) -> Result<T, String> {
    serde_json::from_value(object.clone()).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// KEDA ScaledObject (keda.sh/v1alpha1)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScaledObject {
    api_version: String,
    kind: String,
    metadata: ObjectMeta,
    spec: ScaledObjectSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScaledObjectSpec {
    scale_target_ref: ScaleTarget,
    polling_interval: Option<i32>,
    cooldown_period: Option<i32>,
    initial_cooldown_period: Option<i32>,
    idle_replica_count: Option<i32>,
    min_replica_count: Option<i32>,
    max_replica_count: Option<i32>,
    advanced: Option<AdvancedConfig>,
    triggers: Vec<ScaleTrigger>,
    fallback: Option<Fallback>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScaleTarget {
    name: String,
    api_version: Option<String>,
    kind: Option<String>,
    env_source_container_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Fallback {
    failure_threshold: i32,
    replicas: i32,
    behavior: Option<FallbackBehavior>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
enum FallbackBehavior {
    Static,
    CurrentReplicas,
    CurrentReplicasIfHigher,
    CurrentReplicasIfLower,
    ScalingModifiers,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AdvancedConfig {
    horizontal_pod_autoscaler_config: Option<HorizontalPodAutoscalerConfig>,
    restore_to_original_replica_count: Option<bool>,
    scaling_modifiers: Option<ScalingModifiers>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HorizontalPodAutoscalerConfig {
    name: Option<String>,
    behavior: Option<HpaBehavior>,
}

/// autoscaling/v2 `HorizontalPodAutoscalerBehavior`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HpaBehavior {
    scale_up: Option<HpaScalingRules>,
    scale_down: Option<HpaScalingRules>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HpaScalingRules {
    stabilization_window_seconds: Option<i32>,
    select_policy: Option<SelectPolicy>,
    policies: Option<Vec<HpaScalingPolicy>>,
}

#[derive(Debug, Deserialize)]
enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct HpaScalingPolicy {
    #[serde(rename = "type")]
    policy_type: HpaPolicyType,
    value: i32,
    period_seconds: i32,
}

#[derive(Debug, Deserialize)]
enum HpaPolicyType {
    Pods,
    Percent,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScalingModifiers {
    formula: Option<String>,
    target: Option<String>,
    activation_target: Option<String>,
    metric_type: Option<MetricTargetType>,
}

#[derive(Debug, Deserialize, PartialEq)]
enum MetricTargetType {
    Value,
    AverageValue,
    Utilization,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ScaleTrigger {
    #[serde(rename = "type")]
    trigger_type: String,
    name: Option<String>,
    use_cached_metrics: Option<bool>,
    /// Every value is a string, even thresholds: `threshold: "5"`.
    metadata: BTreeMap<String, String>,
    authentication_ref: Option<AuthenticationRef>,
    metric_type: Option<MetricTargetType>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthenticationRef {
    name: String,
    kind: Option<String>,
}

/// The model plus KEDA's admission rules.
fn check_scaled_object(object: &Value) -> Result<(), String> {
    check_type(object, "keda.sh/v1alpha1", "ScaledObject")?;
    let so: ScaledObject = typed(object)?;
    let spec = &so.spec;
    if spec.scale_target_ref.name.is_empty() {
        return Err("scaleTargetRef.name is empty".into());
    }
    // CheckReplicaCountBoundsAreValid: min <= max (defaults 0 and 100); idle < min.
    let min = spec.min_replica_count.unwrap_or(0);
    let max = spec.max_replica_count.unwrap_or(100);
    if min < 0 || min > max {
        return Err(format!("minReplicaCount={min} must be between 0 and maxReplicaCount={max}"));
    }
    if let Some(idle) = spec.idle_replica_count {
        if idle >= min {
            return Err(format!("idleReplicaCount={idle} must be less than minReplicaCount={min}"));
        }
        // KEDA documents 0 as the only idle value that works.
        if idle != 0 {
            return Err(format!("idleReplicaCount={idle}: only 0 is supported"));
        }
    }
    for (field, value) in [
        ("pollingInterval", spec.polling_interval),
        ("cooldownPeriod", spec.cooldown_period),
        ("initialCooldownPeriod", spec.initial_cooldown_period),
    ] {
        if value.is_some_and(|v| v < 0) {
            return Err(format!("{field} is negative"));
        }
    }
    if spec.triggers.is_empty() {
        return Err("no triggers".into());
    }
    // ValidateTriggers: unique names, useCachedMetrics not on cpu/memory/cron.
    let mut names = std::collections::BTreeSet::new();
    for trigger in &spec.triggers {
        if let Some(name) = trigger.name.as_ref().filter(|n| !n.is_empty())
            && !names.insert(name.clone())
        {
            return Err(format!("trigger name {name:?} is used twice"));
        }
        if trigger.use_cached_metrics == Some(true)
            && ["cpu", "memory", "cron"].contains(&trigger.trigger_type.as_str())
        {
            return Err(format!("useCachedMetrics is not supported by the {} scaler", trigger.trigger_type));
        }
        if trigger.trigger_type == "prometheus" {
            for key in ["serverAddress", "query", "threshold"] {
                if trigger.metadata.get(key).is_none_or(|v| v.is_empty()) {
                    return Err(format!("prometheus trigger without metadata.{key}"));
                }
            }
            for key in ["threshold", "activationThreshold"] {
                if let Some(v) = trigger.metadata.get(key)
                    && v.parse::<f64>().is_err()
                {
                    return Err(format!("metadata.{key} {v:?} is not a number"));
                }
            }
            if let Some(v) = trigger.metadata.get("ignoreNullValues")
                && !["true", "false"].contains(&v.as_str())
            {
                return Err(format!("metadata.ignoreNullValues {v:?} is not true/false"));
            }
        }
    }
    // CheckFallbackValid.
    if let Some(fallback) = &spec.fallback {
        if fallback.failure_threshold < 0 || fallback.replicas < 0 {
            return Err("fallback failureThreshold and replicas must be >= 0".into());
        }
        for trigger in &spec.triggers {
            if ["cpu", "memory"].contains(&trigger.trigger_type.as_str()) {
                return Err(format!("fallback is not supported by the {} scaler", trigger.trigger_type));
            }
            if trigger.metric_type != Some(MetricTargetType::AverageValue) {
                return Err("fallback needs every trigger to have metricType AverageValue".into());
            }
        }
    }
    if let Some(advanced) = &spec.advanced {
        if let Some(behavior) = advanced.horizontal_pod_autoscaler_config.as_ref().and_then(|c| c.behavior.as_ref()) {
            for rules in [&behavior.scale_up, &behavior.scale_down].into_iter().flatten() {
                if rules.stabilization_window_seconds.is_some_and(|s| !(0..=3600).contains(&s)) {
                    return Err("stabilizationWindowSeconds outside 0..=3600".into());
                }
                for policy in rules.policies.iter().flatten() {
                    if policy.value <= 0 || !(1..=1800).contains(&policy.period_seconds) {
                        return Err("an HPA policy needs value > 0 and periodSeconds in 1..=1800".into());
                    }
                }
            }
        }
        if let Some(modifiers) = &advanced.scaling_modifiers
            && modifiers.formula.is_some()
        {
            if modifiers.target.is_none() {
                return Err("scalingModifiers.formula needs a target".into());
            }
            if spec.triggers.iter().any(|t| t.name.is_none()) {
                return Err("with scalingModifiers every trigger needs a name".into());
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// prometheus-operator ServiceMonitor (monitoring.coreos.com/v1)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ServiceMonitor {
    api_version: String,
    kind: String,
    metadata: ObjectMeta,
    spec: ServiceMonitorSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ServiceMonitorSpec {
    job_label: Option<String>,
    target_labels: Option<Vec<String>>,
    pod_target_labels: Option<Vec<String>>,
    endpoints: Vec<Endpoint>,
    selector: LabelSelector,
    namespace_selector: Option<NamespaceSelector>,
    sample_limit: Option<u64>,
    target_limit: Option<u64>,
    scrape_class: Option<String>,
    attach_metadata: Option<AttachMetadata>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachMetadata {
    node: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NamespaceSelector {
    any: Option<bool>,
    match_names: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Endpoint {
    port: Option<String>,
    target_port: Option<IntOrString>,
    path: Option<String>,
    scheme: Option<Scheme>,
    params: Option<BTreeMap<String, Vec<String>>>,
    interval: Option<String>,
    scrape_timeout: Option<String>,
    tls_config: Option<TlsConfig>,
    bearer_token_secret: Option<SecretKeySelector>,
    authorization: Option<SafeAuthorization>,
    basic_auth: Option<BasicAuth>,
    honor_labels: Option<bool>,
    honor_timestamps: Option<bool>,
    track_timestamps_staleness: Option<bool>,
    metric_relabelings: Option<Vec<RelabelConfig>>,
    relabelings: Option<Vec<RelabelConfig>>,
    follow_redirects: Option<bool>,
    enable_http2: Option<bool>,
    filter_running: Option<bool>,
}

/// `http` or `https` only (operator 0.84.1; no upper-case forms).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Scheme {
    Http,
    Https,
}

/// `basicAuth`: both fields are Secret key selectors, never literal strings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BasicAuth {
    username: Option<SecretKeySelector>,
    password: Option<SecretKeySelector>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SafeAuthorization {
    #[serde(rename = "type")]
    auth_type: Option<String>,
    credentials: Option<SecretKeySelector>,
}

/// core/v1 `SecretKeySelector` (also the shape of `ConfigMapKeySelector`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretKeySelector {
    key: String,
    name: Option<String>,
    optional: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TlsConfig {
    ca: Option<SecretOrConfigMap>,
    cert: Option<SecretOrConfigMap>,
    key_secret: Option<SecretKeySelector>,
    server_name: Option<String>,
    insecure_skip_verify: Option<bool>,
    ca_file: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    min_version: Option<TlsVersion>,
    max_version: Option<TlsVersion>,
}

#[derive(Debug, Deserialize)]
enum TlsVersion {
    TLS10,
    TLS11,
    TLS12,
    TLS13,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SecretOrConfigMap {
    secret: Option<SecretKeySelector>,
    config_map: Option<SecretKeySelector>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RelabelConfig {
    source_labels: Option<Vec<String>>,
    separator: Option<String>,
    target_label: Option<String>,
    regex: Option<String>,
    modulus: Option<u64>,
    replacement: Option<String>,
    action: Option<RelabelAction>,
}

#[derive(Debug, Deserialize)]
enum RelabelAction {
    #[serde(alias = "replace")]
    Replace,
    #[serde(alias = "keep")]
    Keep,
    #[serde(alias = "drop")]
    Drop,
    #[serde(alias = "hashmod")]
    HashMod,
    #[serde(alias = "labelmap")]
    LabelMap,
    #[serde(alias = "labeldrop")]
    LabelDrop,
    #[serde(alias = "labelkeep")]
    LabelKeep,
    #[serde(alias = "lowercase")]
    Lowercase,
    #[serde(alias = "uppercase")]
    Uppercase,
    #[serde(alias = "keepequal")]
    KeepEqual,
    #[serde(alias = "dropequal")]
    DropEqual,
}

/// Prometheus durations: `^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`.
fn is_prometheus_duration(text: &str) -> bool {
    if text == "0" {
        return true;
    }
    let units = ["y", "w", "d", "h", "ms", "m", "s"];
    let order = ["y", "w", "d", "h", "m", "s", "ms"];
    let mut rest = text;
    let mut last: Option<usize> = None;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = units.iter().find(|u| rest.starts_with(**u)) else { return false };
        let position = order.iter().position(|o| o == unit).unwrap_or(0);
        if last.is_some_and(|l| position <= l) {
            return false;
        }
        last = Some(position);
        rest = &rest[unit.len()..];
    }
    last.is_some()
}

fn check_service_monitor(object: &Value) -> Result<(), String> {
    check_type(object, "monitoring.coreos.com/v1", "ServiceMonitor")?;
    let monitor: ServiceMonitor = typed(object)?;
    if monitor.spec.endpoints.is_empty() {
        return Err("no endpoints".into());
    }
    for endpoint in &monitor.spec.endpoints {
        if endpoint.port.is_none() && endpoint.target_port.is_none() {
            return Err("an endpoint needs port or targetPort".into());
        }
        for (field, value) in [("interval", &endpoint.interval), ("scrapeTimeout", &endpoint.scrape_timeout)] {
            if let Some(v) = value
                && !is_prometheus_duration(v)
            {
                return Err(format!("{field} {v:?} is not a Prometheus duration"));
            }
        }
        if endpoint.basic_auth.is_some() && endpoint.authorization.is_some() {
            return Err("basicAuth and authorization cannot both be set".into());
        }
        if let Some(tls) = &endpoint.tls_config {
            for source in [&tls.ca, &tls.cert].into_iter().flatten() {
                if source.secret.is_some() == source.config_map.is_some() {
                    return Err("tlsConfig ca/cert need exactly one of secret or configMap".into());
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Karpenter NodePool (karpenter.sh/v1)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NodePool {
    api_version: String,
    kind: String,
    metadata: ObjectMeta,
    spec: NodePoolSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodePoolSpec {
    template: NodeClaimTemplate,
    disruption: Option<Disruption>,
    /// Resource quantities (int or string).
    limits: Option<BTreeMap<String, IntOrString>>,
    weight: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeClaimTemplate {
    metadata: Option<TemplateMetadata>,
    spec: NodeClaimTemplateSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateMetadata {
    labels: Option<BTreeMap<String, String>>,
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NodeClaimTemplateSpec {
    node_class_ref: NodeClassRef,
    requirements: Vec<NodeSelectorRequirement>,
    taints: Option<Vec<Taint>>,
    startup_taints: Option<Vec<Taint>>,
    expire_after: Option<String>,
    termination_grace_period: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeClassRef {
    group: String,
    kind: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NodeSelectorRequirement {
    key: String,
    operator: RequirementOperator,
    values: Option<Vec<String>>,
    min_values: Option<i32>,
}

#[derive(Debug, Deserialize, PartialEq)]
enum RequirementOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Taint {
    key: String,
    value: Option<String>,
    effect: TaintEffect,
    time_added: Option<String>,
}

#[derive(Debug, Deserialize)]
enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Disruption {
    consolidation_policy: Option<ConsolidationPolicy>,
    /// Required by the CRD when `disruption` is set.
    consolidate_after: String,
    budgets: Option<Vec<Budget>>,
}

#[derive(Debug, Deserialize)]
enum ConsolidationPolicy {
    WhenEmpty,
    WhenEmptyOrUnderutilized,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Budget {
    nodes: String,
    reasons: Option<Vec<DisruptionReason>>,
    schedule: Option<String>,
    duration: Option<String>,
}

#[derive(Debug, Deserialize)]
enum DisruptionReason {
    Underutilized,
    Empty,
    Drifted,
}

/// Karpenter durations: `^(([0-9]+(s|m|h))+|Never)$` (`Never` only where allowed).
fn is_karpenter_duration(text: &str, never: bool) -> bool {
    if text == "Never" {
        return never;
    }
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || !rest[digits..].starts_with(['s', 'm', 'h']) {
            return false;
        }
        rest = &rest[digits + 1..];
    }
    true
}

/// `^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`, at most 63 characters.
fn is_label_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    value.len() <= 63
        && (bytes.is_empty()
            || (bytes[0].is_ascii_alphanumeric()
                && bytes[bytes.len() - 1].is_ascii_alphanumeric()
                && bytes.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))))
}

/// A qualified label key: optional DNS-subdomain prefix and `/`, then a label-value-shaped name.
fn is_label_key(key: &str) -> bool {
    let (prefix, name) = key.rsplit_once('/').map_or((None, key), |(p, n)| (Some(p), n));
    let prefix_ok = prefix.is_none_or(|p| {
        p.len() <= 253
            && p.split('.').all(|part| {
                !part.is_empty()
                    && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            })
    });
    prefix_ok && !name.is_empty() && is_label_value(name)
}

/// The NodePool CRD's CEL rules on label keys (template labels; `requirement` adds the keys
/// requirements may also use).
fn restricted_key(key: &str, requirement: bool) -> Option<String> {
    let domain = key.split_once('/').map(|(d, _)| d).unwrap_or("");
    let mut well_known = vec![
        "beta.kubernetes.io/instance-type",
        "failure-domain.beta.kubernetes.io/region",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
        "failure-domain.beta.kubernetes.io/zone",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "kubernetes.io/arch",
        "kubernetes.io/os",
        "node.kubernetes.io/windows-build",
    ];
    if requirement {
        well_known.push("node.kubernetes.io/instance-type");
    }
    if !(well_known.contains(&key)
        || domain.ends_with("node.kubernetes.io")
        || domain.ends_with("node-restriction.kubernetes.io")
        || !domain.ends_with("kubernetes.io"))
    {
        return Some(format!("label domain \"kubernetes.io\" is restricted ({key})"));
    }
    if domain.ends_with("k8s.io") && !domain.ends_with("kops.k8s.io") {
        return Some(format!("label domain \"k8s.io\" is restricted ({key})"));
    }
    if domain.ends_with("karpenter.sh") && !["karpenter.sh/capacity-type", "karpenter.sh/nodepool"].contains(&key) {
        return Some(format!("label domain \"karpenter.sh\" is restricted ({key})"));
    }
    if key == "karpenter.sh/nodepool" || key == "kubernetes.io/hostname" {
        return Some(format!("label {key:?} is restricted"));
    }
    let aws_allowed = [
        "ec2nodeclass",
        "instance-encryption-in-transit-supported",
        "instance-category",
        "instance-hypervisor",
        "instance-family",
        "instance-generation",
        "instance-local-nvme",
        "instance-size",
        "instance-cpu",
        "instance-cpu-manufacturer",
        "instance-cpu-sustained-clock-speed-mhz",
        "instance-memory",
        "instance-ebs-bandwidth",
        "instance-network-bandwidth",
        "instance-gpu-name",
        "instance-gpu-manufacturer",
        "instance-gpu-count",
        "instance-gpu-memory",
        "instance-accelerator-name",
        "instance-accelerator-manufacturer",
        "instance-accelerator-count",
    ];
    if domain.ends_with("karpenter.k8s.aws")
        && !key.strip_prefix("karpenter.k8s.aws/").is_some_and(|name| aws_allowed.contains(&name))
    {
        return Some(format!("label domain \"karpenter.k8s.aws\" is restricted ({key})"));
    }
    None
}

/// A resource quantity as Kubernetes parses it (sign, decimal, optional suffix or exponent).
fn is_quantity(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let number = body.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
    let (digits, suffix) = body.split_at(number);
    if digits.is_empty() || digits == "." || digits.matches('.').count() > 1 {
        return false;
    }
    matches!(suffix, "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E")
        || (suffix.starts_with(['e', 'E']) && suffix[1..].trim_start_matches(['+', '-']).parse::<u32>().is_ok())
}

fn check_taints(taints: &[Taint]) -> Result<(), String> {
    for taint in taints {
        if !is_label_key(&taint.key) {
            return Err(format!("taint key {:?} is invalid", taint.key));
        }
        if let Some(value) = &taint.value
            && !is_label_key(value)
        {
            return Err(format!("taint value {value:?} is invalid"));
        }
    }
    Ok(())
}

fn check_node_pool(object: &Value) -> Result<(), String> {
    check_type(object, "karpenter.sh/v1", "NodePool")?;
    let pool: NodePool = typed(object)?;
    let template = &pool.spec.template;
    let spec = &template.spec;
    let labels = template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
    if labels.len() > 100 {
        return Err("more than 100 template labels".into());
    }
    for (key, value) in &labels {
        if !is_label_key(key) || !is_label_value(value) {
            return Err(format!("template label {key}={value} is invalid"));
        }
        if let Some(problem) = restricted_key(key, false) {
            return Err(problem);
        }
    }
    let class = &spec.node_class_ref;
    if class.group != "karpenter.k8s.aws" || class.kind != "EC2NodeClass" || class.name.is_empty() {
        return Err(format!("nodeClassRef {}/{} {:?} is not an EC2NodeClass", class.group, class.kind, class.name));
    }
    if spec.requirements.len() > 100 {
        return Err("more than 100 requirements".into());
    }
    for requirement in &spec.requirements {
        if requirement.key.len() > 316 || !is_label_key(&requirement.key) {
            return Err(format!("requirement key {:?} is invalid", requirement.key));
        }
        if let Some(problem) = restricted_key(&requirement.key, true) {
            return Err(problem);
        }
        let values = requirement.values.as_deref().unwrap_or_default();
        if let Some(bad) = values.iter().find(|v| !is_label_value(v)) {
            return Err(format!("requirement value {bad:?} is invalid"));
        }
        match requirement.operator {
            RequirementOperator::In if values.is_empty() => {
                return Err(format!("requirement {} with operator In has no values", requirement.key));
            }
            RequirementOperator::Gt | RequirementOperator::Lt
                if values.len() != 1 || values[0].parse::<u64>().is_err() =>
            {
                return Err(format!("requirement {}: Gt/Lt need one non-negative integer", requirement.key));
            }
            RequirementOperator::Exists | RequirementOperator::DoesNotExist if !values.is_empty() => {
                return Err(format!("requirement {}: Exists/DoesNotExist take no values", requirement.key));
            }
            _ => {}
        }
        if let Some(min) = requirement.min_values {
            if !(1..=50).contains(&min) {
                return Err("minValues outside 1..=50".into());
            }
            if requirement.operator == RequirementOperator::In && values.len() < min as usize {
                return Err("fewer values than minValues".into());
            }
        }
    }
    check_taints(spec.taints.as_deref().unwrap_or_default())?;
    check_taints(spec.startup_taints.as_deref().unwrap_or_default())?;
    if let Some(expire) = &spec.expire_after
        && !is_karpenter_duration(expire, true)
    {
        return Err(format!("expireAfter {expire:?} is not a Karpenter duration"));
    }
    if let Some(grace) = &spec.termination_grace_period
        && !is_karpenter_duration(grace, false)
    {
        return Err(format!("terminationGracePeriod {grace:?} is not a Karpenter duration"));
    }
    if let Some(disruption) = &pool.spec.disruption {
        if !is_karpenter_duration(&disruption.consolidate_after, true) {
            return Err(format!("consolidateAfter {:?} is not a Karpenter duration", disruption.consolidate_after));
        }
        for budget in disruption.budgets.iter().flatten() {
            let nodes = &budget.nodes;
            let percent = nodes.strip_suffix('%').and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| n <= 100);
            if !percent && nodes.parse::<u64>().is_err() {
                return Err(format!("budget nodes {nodes:?} is neither N nor N%"));
            }
            if budget.schedule.is_some() != budget.duration.is_some() {
                return Err("a budget's schedule must be set with its duration".into());
            }
        }
    }
    for (resource, quantity) in pool.spec.limits.iter().flatten() {
        if let IntOrString::String(text) = quantity
            && !is_quantity(text)
        {
            return Err(format!("limits.{resource} {text:?} is not a quantity"));
        }
    }
    if let Some(weight) = pool.spec.weight
        && !(1..=100).contains(&weight)
    {
        return Err(format!("weight {weight} outside 1..=100"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Karpenter EC2NodeClass (karpenter.k8s.aws/v1)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Ec2NodeClass {
    api_version: String,
    kind: String,
    metadata: ObjectMeta,
    spec: Ec2NodeClassSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Ec2NodeClassSpec {
    ami_family: Option<AmiFamily>,
    ami_selector_terms: Vec<AmiSelectorTerm>,
    subnet_selector_terms: Vec<SelectorTerm>,
    security_group_selector_terms: Vec<SelectorTerm>,
    associate_public_ip_address: Option<bool>,
    block_device_mappings: Option<Vec<BlockDeviceMapping>>,
    context: Option<String>,
    detailed_monitoring: Option<bool>,
    instance_profile: Option<String>,
    role: Option<String>,
    instance_store_policy: Option<InstanceStorePolicy>,
    /// Typed loosely: we never render kubelet settings yet.
    kubelet: Option<Value>,
    metadata_options: Option<MetadataOptions>,
    tags: Option<BTreeMap<String, String>>,
    user_data: Option<String>,
}

#[derive(Debug, Deserialize)]
enum AmiFamily {
    AL2,
    AL2023,
    Bottlerocket,
    Custom,
    Windows2019,
    Windows2022,
}

#[derive(Debug, Deserialize)]
enum InstanceStorePolicy {
    RAID0,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AmiSelectorTerm {
    alias: Option<String>,
    id: Option<String>,
    name: Option<String>,
    owner: Option<String>,
    tags: Option<BTreeMap<String, String>>,
}

/// Subnet and security-group selector terms (`name` is valid only for security groups).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectorTerm {
    id: Option<String>,
    name: Option<String>,
    tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BlockDeviceMapping {
    device_name: Option<String>,
    ebs: Option<BlockDevice>,
    root_volume: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BlockDevice {
    delete_on_termination: Option<bool>,
    encrypted: Option<bool>,
    iops: Option<i64>,
    #[serde(rename = "kmsKeyID")]
    kms_key_id: Option<String>,
    #[serde(rename = "snapshotID")]
    snapshot_id: Option<String>,
    throughput: Option<i64>,
    volume_size: Option<String>,
    volume_type: Option<VolumeType>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum VolumeType {
    Standard,
    Io1,
    Io2,
    Gp2,
    Sc1,
    St1,
    Gp3,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct MetadataOptions {
    http_endpoint: Option<EnabledDisabled>,
    #[serde(rename = "httpProtocolIPv6")]
    http_protocol_ipv6: Option<EnabledDisabled>,
    http_put_response_hop_limit: Option<i64>,
    http_tokens: Option<HttpTokens>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum EnabledDisabled {
    Enabled,
    Disabled,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum HttpTokens {
    Required,
    Optional,
}

fn check_selector_terms(field: &str, terms: &[SelectorTerm], name_allowed: bool) -> Result<(), String> {
    if terms.is_empty() || terms.len() > 30 {
        return Err(format!("{field} needs 1..=30 terms"));
    }
    for term in terms {
        if term.name.is_some() && !name_allowed {
            return Err(format!("{field}: name is not a field of this term"));
        }
        let set = [term.id.is_some(), term.name.is_some(), term.tags.is_some()].iter().filter(|b| **b).count();
        if set == 0 {
            return Err(format!("{field}: a term needs tags, id or name"));
        }
        if term.id.is_some() && set > 1 {
            return Err(format!("{field}: id is mutually exclusive"));
        }
        if let Some(tags) = &term.tags
            && (tags.is_empty() || tags.len() > 20 || tags.iter().any(|(k, v)| k.is_empty() || v.is_empty()))
        {
            return Err(format!("{field}: 1..=20 tags with non-empty keys and values"));
        }
    }
    Ok(())
}

/// EBS volume sizes: `Gi`/`G` up to 59000/64000, `Ti`/`T` up to 58/64.
fn is_volume_size(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let Ok(n) = number.parse::<u32>() else { return false };
    !number.starts_with('0')
        && match unit {
            "Gi" => (1..=59000).contains(&n),
            "G" => (1..=64000).contains(&n),
            "Ti" => (1..=58).contains(&n),
            "T" => (1..=64).contains(&n),
            _ => false,
        }
}

fn check_ec2_node_class(object: &Value) -> Result<(), String> {
    check_type(object, "karpenter.k8s.aws/v1", "EC2NodeClass")?;
    let class: Ec2NodeClass = typed(object)?;
    let spec = &class.spec;
    if spec.role.is_some() == spec.instance_profile.is_some() {
        return Err("must specify exactly one of role and instanceProfile".into());
    }
    if spec.role.as_deref() == Some("") || spec.instance_profile.as_deref() == Some("") {
        return Err("role/instanceProfile cannot be empty".into());
    }
    let terms = &spec.ami_selector_terms;
    if terms.is_empty() || terms.len() > 30 {
        return Err("amiSelectorTerms needs 1..=30 terms".into());
    }
    for term in terms {
        let others = term.id.is_some() || term.tags.is_some() || term.name.is_some() || term.owner.is_some();
        if let Some(alias) = &term.alias {
            if others || terms.len() != 1 {
                return Err("an alias amiSelectorTerm must be the only term and field".into());
            }
            let (family, version) = alias.split_once('@').ok_or("alias must be family@version")?;
            if alias.len() > 30
                || version.is_empty()
                || !["al2", "al2023", "bottlerocket", "windows2019", "windows2022"].contains(&family)
            {
                return Err(format!("alias {alias:?} is not a supported family@version"));
            }
        } else if term.id.is_none() && term.tags.is_none() && term.name.is_none() {
            return Err("an amiSelectorTerm needs alias, id, name or tags".into());
        }
    }
    if !terms.iter().any(|t| t.alias.is_some()) && spec.ami_family.is_none() {
        return Err("amiFamily is required without an alias".into());
    }
    check_selector_terms("subnetSelectorTerms", &spec.subnet_selector_terms, false)?;
    check_selector_terms("securityGroupSelectorTerms", &spec.security_group_selector_terms, true)?;
    let mappings = spec.block_device_mappings.as_deref().unwrap_or_default();
    if mappings.len() > 50 || mappings.iter().filter(|m| m.root_volume == Some(true)).count() > 1 {
        return Err("at most 50 blockDeviceMappings and one rootVolume".into());
    }
    for mapping in mappings {
        if mapping.device_name.as_deref().is_none_or(str::is_empty) {
            return Err("a block device mapping needs deviceName".into());
        }
        if let Some(ebs) = &mapping.ebs {
            if ebs.volume_size.is_none() && ebs.snapshot_id.is_none() {
                return Err("ebs needs snapshotID or volumeSize".into());
            }
            if let Some(size) = &ebs.volume_size
                && !is_volume_size(size)
            {
                return Err(format!("volumeSize {size:?} is invalid"));
            }
            if ebs.volume_type == Some(VolumeType::Gp3) {
                if ebs.iops.is_some_and(|i| !(3000..=16000).contains(&i)) {
                    return Err("gp3 iops outside 3000..=16000".into());
                }
                if ebs.throughput.is_some_and(|t| !(125..=1000).contains(&t)) {
                    return Err("gp3 throughput outside 125..=1000".into());
                }
            }
        }
    }
    if let Some(hops) = spec.metadata_options.as_ref().and_then(|m| m.http_put_response_hop_limit)
        && !(1..=64).contains(&hops)
    {
        return Err(format!("httpPutResponseHopLimit {hops} outside 1..=64"));
    }
    for key in spec.tags.iter().flat_map(|t| t.keys()) {
        let restricted = [
            "karpenter.sh/nodepool",
            "karpenter.sh/managed-by",
            "karpenter.sh/nodeclaim",
            "karpenter.k8s.aws/ec2nodeclass",
        ];
        if key.is_empty() || key.starts_with("kubernetes.io/cluster") || restricted.contains(&key.as_str()) {
            return Err(format!("tag {key:?} is restricted"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The plan of the bundled platform

fn host() -> PluginHost {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
    PluginHost::new(HostOptions { cache_dir: Some(cache), ..HostOptions::default() }).expect("host")
}

/// The bundled /platform.yaml with `enable_trino_keda: true`, composed with the built-ins.
fn bundled_plan() -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../platform.yaml");
    let text = std::fs::read_to_string(&path).expect("bundled platform.yaml");
    let text = dataplat_config::set_flag(&text, "enable_trino_keda", true).expect("set enable_trino_keda");
    plan_of(&text)
}

/// Trino's other shape: HTTPS with password authentication (the ServiceMonitor then carries
/// tlsConfig and a password), on-demand workers, user tags.
fn https_plan() -> Plan {
    plan_of(
        "name: tls-test\nregion: eu-west-1\ndeployment_id: Abcd1234\ntags: {team: data}\nenable_cert_manager: true\n\
         enable_keda: true\nenable_prometheus: true\nenable_trino: true\nenable_trino_keda: true\n\
         trino:\n  https: true\n  spot_workers: false\n",
    )
}

fn plan_of(text: &str) -> Plan {
    let doc = dataplat_config::parse("platform.yaml", text).expect("parses");
    let addons = Addons::builtin(&host()).expect("built-ins load");
    let (platform, _) = dataplat_config::validate(&doc, &addons.catalog()).expect("valid");
    assert!(platform.flags.get("enable_trino_keda").copied().unwrap_or(false), "enable_trino_keda is on");
    compose(&addons, &platform, &doc).expect("the platform composes")
}

/// Every object of the plan: release objects and the Karpenter objects, labelled for messages.
fn plan_objects(plan: &Plan) -> Vec<(String, Value)> {
    let mut objects: Vec<(String, Value)> = plan
        .addons
        .iter()
        .flat_map(|a| &a.releases)
        .flat_map(|r| r.objects.iter().map(move |o| (r.id.clone(), o.clone())))
        .collect();
    for pool in plan.karpenter_objects().expect("karpenter objects") {
        objects.push((format!("{}/capacity", pool.addon), pool.node_class));
        objects.push((format!("{}/capacity", pool.addon), pool.node_pool));
    }
    objects
}

type Check = fn(&Value) -> Result<(), String>;

fn check_for(kind: &str) -> Option<Check> {
    match kind {
        "ScaledObject" => Some(check_scaled_object),
        "ServiceMonitor" => Some(check_service_monitor),
        "NodePool" => Some(check_node_pool),
        "EC2NodeClass" => Some(check_ec2_node_class),
        _ => None,
    }
}

#[test]
fn every_custom_resource_of_the_bundled_plan_matches_its_api() {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut objects = plan_objects(&bundled_plan());
    objects.extend(plan_objects(&https_plan()).into_iter().map(|(origin, o)| (format!("{origin} (https)"), o)));
    let tls_monitors = objects
        .iter()
        .filter(|(_, o)| {
            o["kind"] == "ServiceMonitor" && !o.pointer("/spec/endpoints/0/tlsConfig").unwrap_or(&Value::Null).is_null()
        })
        .count();
    assert!(tls_monitors >= 1, "the https plan has a ServiceMonitor with tlsConfig");
    for (origin, object) in objects {
        let kind = object["kind"].as_str().unwrap_or_default().to_string();
        let Some(check) = check_for(&kind) else { continue };
        *counts.entry(kind.clone()).or_default() += 1;
        if let Err(problem) = check(&object) {
            failures.push(format!("{origin} {kind} {}: {problem}", object["metadata"]["name"]));
        }
    }
    assert!(failures.is_empty(), "{} object(s) fail their API model:\n{}", failures.len(), failures.join("\n"));
    // The checks must have had something to check.
    for kind in ["ScaledObject", "ServiceMonitor", "NodePool", "EC2NodeClass"] {
        assert!(counts.get(kind).copied().unwrap_or(0) >= 1, "no {kind} in the plan: {counts:?}");
    }
    assert!(counts["NodePool"] >= 2 && counts["NodePool"] == counts["EC2NodeClass"], "{counts:?}");
}

/// Every NodePool names an EC2NodeClass of the plan, and every pod pinned to a NodePool's
/// `dataplat.io/pool` label tolerates that pool's taints (otherwise it never schedules).
#[test]
fn node_pools_reference_their_classes_and_pods_fit_their_pools() {
    let plan = bundled_plan();
    let objects = plan_objects(&plan);
    let classes: Vec<&str> = objects
        .iter()
        .filter(|(_, o)| o["kind"] == "EC2NodeClass")
        .filter_map(|(_, o)| o["metadata"]["name"].as_str())
        .collect();
    let pools: Vec<&Value> = objects.iter().filter(|(_, o)| o["kind"] == "NodePool").map(|(_, o)| o).collect();
    for pool in &pools {
        let class = pool["spec"]["template"]["spec"]["nodeClassRef"]["name"].as_str().unwrap_or_default();
        assert!(
            classes.contains(&class),
            "NodePool {} names EC2NodeClass {class}, not in the plan",
            pool["metadata"]["name"]
        );
    }
    let mut pinned = 0;
    for (origin, object) in &objects {
        let Some(pod) = object.pointer("/spec/template/spec").filter(|_| object["kind"] != "NodePool") else {
            continue;
        };
        let Some(wanted) = pod.pointer("/nodeSelector/dataplat.io~1pool").and_then(Value::as_str) else { continue };
        let Some(pool) = pools.iter().find(|p| p["metadata"]["name"] == wanted) else { continue };
        pinned += 1;
        let labels = &pool["spec"]["template"]["metadata"]["labels"];
        assert_eq!(labels["dataplat.io/pool"], wanted, "{origin}: NodePool {wanted} does not label its nodes");
        // Every other node-selector key the pool constrains must allow the pod's value (e.g. a
        // pod pinned to zone b never schedules on a pool pinned to zone a).
        let requirements = pool["spec"]["template"]["spec"]["requirements"].as_array().cloned().unwrap_or_default();
        for (key, value) in pod["nodeSelector"].as_object().into_iter().flatten() {
            if let Some(requirement) = requirements.iter().find(|r| r["key"] == key.as_str() && r["operator"] == "In") {
                let allowed = requirement["values"].as_array().is_some_and(|v| v.contains(value));
                assert!(
                    allowed,
                    "{origin}: nodeSelector {key}={value} but NodePool {wanted} allows {}",
                    requirement["values"]
                );
            }
        }
        let tolerations = pod["tolerations"].as_array().cloned().unwrap_or_default();
        for taint in pool["spec"]["template"]["spec"]["taints"].as_array().into_iter().flatten() {
            let tolerated = tolerations.iter().any(|t| {
                t["key"] == taint["key"]
                    && (t["effect"].is_null() || t["effect"] == taint["effect"])
                    && (t["operator"] == "Exists" || t["value"] == taint["value"])
            });
            assert!(
                tolerated,
                "{origin} {}: does not tolerate {taint} of NodePool {wanted}",
                object["metadata"]["name"]
            );
        }
    }
    assert!(pinned >= 2, "trino's coordinator and workers are pinned to their pools");
}

// ---------------------------------------------------------------------------------------------
// Each model can fail

fn first_of(kind: &str) -> Value {
    let plan = bundled_plan();
    plan_objects(&plan).into_iter().map(|(_, o)| o).find(|o| o["kind"] == kind).unwrap_or_else(|| panic!("a {kind}"))
}

#[track_caller]
fn rejected(check: Check, object: &Value, needle: &str) {
    match check(object) {
        Ok(()) => panic!("accepted: {object}"),
        Err(problem) => assert!(problem.contains(needle), "expected {needle:?} in: {problem}"),
    }
}

#[test]
fn scaled_object_model_rejects_what_keda_would() {
    let good = first_of("ScaledObject");
    check_scaled_object(&good).expect("the planned ScaledObject passes");

    let mut o = good.clone();
    o["spec"]["bogusField"] = json!(1);
    rejected(check_scaled_object, &o, "unknown field `bogusField`");
    let mut o = good.clone();
    o["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleUp"]["bogus"] = json!(1);
    rejected(check_scaled_object, &o, "unknown field `bogus`");
    let mut o = good.clone();
    o["spec"]["triggers"][0]["metadata"]["threshold"] = json!(5);
    rejected(check_scaled_object, &o, "expected a string");
    let mut o = good.clone();
    o["spec"]["minReplicaCount"] = json!(1);
    o["spec"]["idleReplicaCount"] = json!(1);
    rejected(check_scaled_object, &o, "must be less than minReplicaCount");
    let mut o = good.clone();
    o["spec"]["minReplicaCount"] = json!(50);
    o["spec"]["maxReplicaCount"] = json!(10);
    rejected(check_scaled_object, &o, "maxReplicaCount");
    let mut o = good.clone();
    o["spec"]["triggers"][0]["metricType"] = json!("Average");
    rejected(check_scaled_object, &o, "unknown variant `Average`");
    let mut o = good.clone();
    o["spec"]["triggers"][0]["metricType"] = json!("Value");
    rejected(check_scaled_object, &o, "fallback needs every trigger");
    let mut o = good.clone();
    o["spec"]["triggers"][0]["metadata"]["threshold"] = json!("five");
    rejected(check_scaled_object, &o, "not a number");
    let mut o = good.clone();
    let first = o["spec"]["triggers"][0].clone();
    o["spec"]["triggers"].as_array_mut().expect("triggers").push(first);
    rejected(check_scaled_object, &o, "used twice");
    let mut o = good.clone();
    o["spec"]["fallback"]["behavior"] = json!("sometimes");
    rejected(check_scaled_object, &o, "unknown variant");
    let mut o = good;
    o["spec"]["scaleTargetRef"] = json!({"kind": "Deployment"});
    rejected(check_scaled_object, &o, "missing field `name`");
}

#[test]
fn service_monitor_model_rejects_what_prometheus_operator_would() {
    let good = first_of("ServiceMonitor");
    check_service_monitor(&good).expect("the planned ServiceMonitor passes");
    let with_auth = bundled_plan()
        .addons
        .iter()
        .flat_map(|a| &a.releases)
        .flat_map(|r| &r.objects)
        .find(|o| o["kind"] == "ServiceMonitor" && !o["spec"]["endpoints"][0]["basicAuth"].is_null())
        .cloned();

    let mut o = good.clone();
    o["spec"]["endpoints"][0]["bogusField"] = json!(true);
    rejected(check_service_monitor, &o, "unknown field `bogusField`");
    let mut o = good.clone();
    o["spec"]["endpoints"][0]["basicAuth"] = json!({"username": "admin"});
    rejected(check_service_monitor, &o, "expected struct SecretKeySelector");
    let mut o = good.clone();
    o["spec"]["endpoints"][0]["interval"] = json!("15 seconds");
    rejected(check_service_monitor, &o, "not a Prometheus duration");
    let mut o = good.clone();
    o["spec"]["endpoints"][0]["scheme"] = json!("HTTPS");
    rejected(check_service_monitor, &o, "unknown variant `HTTPS`");
    let mut o = good.clone();
    o["spec"]["endpoints"][0]["tlsConfig"] =
        json!({"ca": {"secret": {"name": "a", "key": "b"}, "configMap": {"name": "a", "key": "b"}}});
    rejected(check_service_monitor, &o, "exactly one of secret or configMap");
    let mut o = good;
    o["spec"]["namespaceSelector"] = json!({"matchNames": "trino"});
    rejected(check_service_monitor, &o, "expected a sequence");
    if let Some(mut o) = with_auth {
        check_service_monitor(&o).expect("the planned ServiceMonitor with basicAuth passes");
        o["spec"]["endpoints"][0]["authorization"] = json!({"credentials": {"name": "s", "key": "k"}});
        rejected(check_service_monitor, &o, "cannot both be set");
    }
}

#[test]
fn node_pool_model_rejects_what_karpenter_would() {
    let good = first_of("NodePool");
    check_node_pool(&good).expect("the planned NodePool passes");

    let mut o = good.clone();
    o["spec"]["template"]["spec"]["kubelet"] = json!({"maxPods": 10});
    rejected(check_node_pool, &o, "unknown field `kubelet`");
    let mut o = good.clone();
    o["spec"]["disruption"]["consolidateAfter"] = json!("10 minutes");
    rejected(check_node_pool, &o, "not a Karpenter duration");
    let mut o = good.clone();
    o["spec"]["disruption"]["consolidateAfter"] = json!(600);
    rejected(check_node_pool, &o, "expected a string");
    let mut o = good.clone();
    o["spec"]["disruption"]["consolidationPolicy"] = json!("Underutilized");
    rejected(check_node_pool, &o, "unknown variant `Underutilized`");
    let mut o = good.clone();
    o["spec"]["template"]["spec"]["expireAfter"] = json!("30d");
    rejected(check_node_pool, &o, "expireAfter");
    let mut o = good.clone();
    o["spec"]["template"]["spec"]["requirements"][0]["operator"] = json!("Equals");
    rejected(check_node_pool, &o, "unknown variant `Equals`");
    let mut o = good.clone();
    o["spec"]["template"]["spec"]["requirements"][0]["values"] = json!([]);
    rejected(check_node_pool, &o, "has no values");
    let mut o = good.clone();
    o["spec"]["template"]["spec"]["requirements"]
        .as_array_mut()
        .expect("requirements")
        .push(json!({"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["five"]}));
    rejected(check_node_pool, &o, "Gt/Lt");
    let mut o = good.clone();
    o["spec"]["template"]["metadata"] = json!({"labels": {"karpenter.sh/team": "data"}});
    rejected(check_node_pool, &o, "\"karpenter.sh\" is restricted");
    let mut o = good.clone();
    o["spec"]["template"]["metadata"] = json!({"labels": {"kubernetes.io/hostname": "x"}});
    rejected(check_node_pool, &o, "restricted");
    let mut o = good.clone();
    o["spec"]["template"]["spec"]["taints"] = json!([{"key": "a", "value": "b", "effect": "NoScheduleAtAll"}]);
    rejected(check_node_pool, &o, "unknown variant `NoScheduleAtAll`");
    let mut o = good.clone();
    o["spec"]["template"]["spec"]["nodeClassRef"] = json!({"group": "karpenter.k8s.aws", "kind": "EC2NodeClass"});
    rejected(check_node_pool, &o, "missing field `name`");
    let mut o = good.clone();
    o["spec"]["weight"] = json!(101);
    rejected(check_node_pool, &o, "weight 101");
    let mut o = good;
    o["spec"]["limits"] = json!({"cpu": "lots"});
    rejected(check_node_pool, &o, "not a quantity");
}

#[test]
fn ec2_node_class_model_rejects_what_karpenter_would() {
    let good = first_of("EC2NodeClass");
    check_ec2_node_class(&good).expect("the planned EC2NodeClass passes");

    let mut o = good.clone();
    o["spec"]["metadataOptions"]["httpHopLimit"] = json!(2);
    rejected(check_ec2_node_class, &o, "unknown field `httpHopLimit`");
    let mut o = good.clone();
    o["spec"]["metadataOptions"]["httpPutResponseHopLimit"] = json!(0);
    rejected(check_ec2_node_class, &o, "outside 1..=64");
    let mut o = good.clone();
    o["spec"]["metadataOptions"]["httpTokens"] = json!("Required");
    rejected(check_ec2_node_class, &o, "unknown variant `Required`");
    let mut o = good.clone();
    o["spec"]["instanceProfile"] = json!("profile");
    rejected(check_ec2_node_class, &o, "exactly one of role and instanceProfile");
    let mut o = good.clone();
    o["spec"]["amiSelectorTerms"] = json!([{"alias": "ubuntu@latest"}]);
    rejected(check_ec2_node_class, &o, "not a supported family@version");
    let mut o = good.clone();
    o["spec"]["amiSelectorTerms"] = json!([{"alias": "al2023@latest"}, {"id": "ami-123"}]);
    rejected(check_ec2_node_class, &o, "only term");
    let mut o = good.clone();
    o["spec"]["subnetSelectorTerms"] = json!([]);
    rejected(check_ec2_node_class, &o, "1..=30 terms");
    let mut o = good.clone();
    o["spec"]["subnetSelectorTerms"] = json!([{"name": "x"}]);
    rejected(check_ec2_node_class, &o, "name is not a field");
    let mut o = good.clone();
    o["spec"]["blockDeviceMappings"][0]["ebs"]["volumeSize"] = json!("200GB");
    rejected(check_ec2_node_class, &o, "volumeSize");
    let mut o = good.clone();
    o["spec"]["blockDeviceMappings"][0]["ebs"]["volumeType"] = json!("gp4");
    rejected(check_ec2_node_class, &o, "unknown variant `gp4`");
    let mut o = good.clone();
    o["spec"]["tags"]["kubernetes.io/cluster/x"] = json!("owned");
    rejected(check_ec2_node_class, &o, "restricted");
    let mut o = good;
    o["spec"]["tags"]["n"] = json!(1);
    rejected(check_ec2_node_class, &o, "expected a string");
}

#[test]
fn duration_and_value_rules() {
    for ok in ["0s", "60s", "10m", "1h30m", "720h", "Never"] {
        assert!(is_karpenter_duration(ok, true), "{ok}");
    }
    for bad in ["", "10", "1d", "10 m", "m", "never", "1.5h"] {
        assert!(!is_karpenter_duration(bad, true), "{bad}");
    }
    assert!(!is_karpenter_duration("Never", false));
    for ok in ["0", "15s", "1m30s", "500ms", "1h"] {
        assert!(is_prometheus_duration(ok), "{ok}");
    }
    for bad in ["", "15", "s", "30s1m", "1.5s"] {
        assert!(!is_prometheus_duration(bad), "{bad}");
    }
    for ok in ["100", "100Gi", "1.5", "500m", "1e3"] {
        assert!(is_quantity(ok), "{ok}");
    }
    for bad in ["", "Gi", "1.2.3", "ten"] {
        assert!(!is_quantity(bad), "{bad}");
    }
    assert!(restricted_key("node.kubernetes.io/instance-type", true).is_none());
    assert!(restricted_key("node.kubernetes.io/instance-type", false).is_none(), "node.kubernetes.io is allowed");
    assert!(restricted_key("dataplat.io/pool", false).is_none());
    assert!(restricted_key("karpenter.sh/capacity-type", true).is_none());
    assert!(restricted_key("karpenter.sh/nodepool", false).is_some());
}
