//! A scaling policy, read from the Kubernetes objects that define it: the KEDA ScaledObject, the
//! worker Deployment it targets and Trino's config.properties (ConfigMaps `trino-coordinator`
//! and `trino-worker`).

use serde::Serialize;
use serde_json::Value;

use crate::Error;

/// The reference's policy (data-on-eks trino-on-eks, with the ScaledObject's three bugs fixed), as
/// Kubernetes objects. Parse it with any YAML reader into `serde_json::Value`s and pass them to
/// [`Policy::from_objects`].
pub const REFERENCE_POLICY_YAML: &str = include_str!("../policies/reference.yaml");

/// The coordinator metric a trigger reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Metric {
    QueuedQueries,
    RunningQueries,
    /// A query adding both gauges: the queries running or waiting in the queue.
    QueuedAndRunningQueries,
    RequiredWorkers,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::QueuedQueries => "QueuedQueries",
            Metric::RunningQueries => "RunningQueries",
            Metric::QueuedAndRunningQueries => "QueuedQueries+RunningQueries",
            Metric::RequiredWorkers => "RequiredWorkers",
        }
    }
}

/// How the HPA turns a trigger's value into replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MetricType {
    /// desired = ceil(value / threshold)
    AverageValue,
    /// desired = ceil(ready pods x value / threshold)
    Value,
}

/// One KEDA trigger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trigger {
    pub name: String,
    pub metric: Metric,
    pub metric_type: MetricType,
    pub threshold: f64,
    pub activation_threshold: f64,
    /// KEDA's prometheus `ignoreNullValues` (default true): an empty result reads as 0.
    pub ignore_null_values: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RateType {
    Pods,
    Percent,
}

/// One HPA rate-limit policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RatePolicy {
    pub kind: RateType,
    pub value: u32,
    pub period_s: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

/// HPA `behavior.scaleUp` or `behavior.scaleDown`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rules {
    pub stabilization_window_s: u32,
    pub select: SelectPolicy,
    pub policies: Vec<RatePolicy>,
}

/// HPA `behavior`, defaults filled in like the Kubernetes API does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Behavior {
    pub scale_up: Rules,
    pub scale_down: Rules,
}

impl Behavior {
    pub fn default_scale_up() -> Rules {
        Rules {
            stabilization_window_s: 0,
            select: SelectPolicy::Max,
            policies: vec![
                RatePolicy { kind: RateType::Percent, value: 100, period_s: 15 },
                RatePolicy { kind: RateType::Pods, value: 4, period_s: 15 },
            ],
        }
    }
    pub fn default_scale_down() -> Rules {
        Rules {
            stabilization_window_s: 300,
            select: SelectPolicy::Max,
            policies: vec![RatePolicy { kind: RateType::Percent, value: 100, period_s: 15 }],
        }
    }
}

impl Default for Behavior {
    fn default() -> Behavior {
        Behavior { scale_up: Behavior::default_scale_up(), scale_down: Behavior::default_scale_down() }
    }
}

/// KEDA `fallback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fallback {
    pub failure_threshold: u32,
    pub replicas: u32,
}

/// Trino `retry-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RetryPolicy {
    None,
    Task,
    Query,
}

impl RetryPolicy {
    pub fn name(self) -> &'static str {
        match self {
            RetryPolicy::None => "NONE",
            RetryPolicy::Task => "TASK",
            RetryPolicy::Query => "QUERY",
        }
    }
}

/// Everything the simulator needs from a policy's objects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub name: String,
    /// `metadata.name` of the ScaledObject.
    pub scaled_object: String,
    /// The Deployment it scales.
    pub target: String,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub idle_replicas: Option<u32>,
    pub polling_interval_s: u32,
    pub cooldown_period_s: u32,
    pub triggers: Vec<Trigger>,
    pub fallback: Option<Fallback>,
    pub behavior: Behavior,
    /// Whether the ScaledObject sets `advanced.horizontalPodAutoscalerConfig.behavior`.
    pub behavior_set: bool,
    /// The worker's preStop hook PUTs SHUTTING_DOWN (Trino graceful shutdown).
    pub graceful_shutdown: bool,
    /// Worker pod `terminationGracePeriodSeconds` (Kubernetes default 30).
    pub termination_grace_s: u32,
    /// Worker `shutdown.grace-period` (Trino default 2m).
    pub shutdown_grace_s: f64,
    pub retry_policy: RetryPolicy,
    /// `query-manager.required-workers` (default 1).
    pub required_workers: u32,
    /// `query-manager.required-workers-max-wait` (default 5m).
    pub required_workers_max_wait_s: f64,
}

impl Policy {
    /// Whether KEDA can take the Deployment to 0 replicas.
    pub fn scales_to_zero(&self) -> bool {
        self.idle_replicas == Some(0) || self.min_replicas == 0
    }

    /// Replicas while idle: 0 when the policy scales to zero, else `minReplicaCount`.
    pub fn idle_count(&self) -> u32 {
        if self.scales_to_zero() { 0 } else { self.min_replicas }
    }

    /// The HPA's minReplicas: KEDA writes max(minReplicaCount, 1).
    pub fn hpa_min(&self) -> u32 {
        self.min_replicas.max(1)
    }

    /// Reads a policy from Kubernetes objects (any order; unrelated objects are ignored).
    pub fn from_objects(name: &str, objects: &[Value]) -> Result<Policy, Error> {
        let fail = |message: String, hint: Option<&str>| Error::Policy {
            policy: name.to_string(),
            message,
            hint: hint.map(str::to_string),
        };
        let kind_of = |o: &Value| o.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
        let name_of = |o: &Value| o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();

        let scaled: Vec<&Value> = objects.iter().filter(|o| kind_of(o) == "ScaledObject").collect();
        let so = match scaled.as_slice() {
            [one] => *one,
            [] => {
                let kinds: Vec<String> = objects.iter().map(|o| format!("{}/{}", kind_of(o), name_of(o))).collect();
                return Err(fail(
                    format!(
                        "no KEDA ScaledObject among the {} object(s){}",
                        objects.len(),
                        if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) }
                    ),
                    Some(
                        "a policy file holds a keda.sh/v1alpha1 ScaledObject, the worker Deployment it targets and \
                         optionally ConfigMaps trino-coordinator / trino-worker (key config.properties)",
                    ),
                ));
            }
            many => {
                return Err(fail(
                    format!(
                        "{} ScaledObjects ({}); a policy has exactly one",
                        many.len(),
                        many.iter().map(|o| name_of(o)).collect::<Vec<_>>().join(", ")
                    ),
                    Some("keep the ScaledObject of the Trino worker Deployment only"),
                ));
            }
        };
        let so_name = name_of(so);
        let spec = so.get("spec").cloned().unwrap_or(Value::Null);
        let at = |field: &str| format!("ScaledObject {so_name}: {field}");

        // scaleTargetRef: the worker Deployment.
        let target_kind = spec.pointer("/scaleTargetRef/kind").and_then(Value::as_str).unwrap_or("Deployment");
        let target = spec.pointer("/scaleTargetRef/name").and_then(Value::as_str).unwrap_or("").to_string();
        if target.is_empty() {
            return Err(fail(at("spec.scaleTargetRef.name is missing"), Some("name the worker Deployment")));
        }
        let deployment =
            objects.iter().find(|o| kind_of(o) == target_kind && name_of(o) == target).ok_or_else(|| {
                let deployments: Vec<String> = objects
                    .iter()
                    .filter(|o| matches!(kind_of(o).as_str(), "Deployment" | "StatefulSet"))
                    .map(|o| format!("{}/{}", kind_of(o), name_of(o)))
                    .collect();
                fail(
                    at(&format!("scaleTargetRef {target_kind}/{target} is not among the objects")),
                    Some(&if deployments.is_empty() {
                        "add the worker Deployment (its preStop hook and terminationGracePeriodSeconds decide how \
                     workers drain)"
                            .to_string()
                    } else {
                        format!(
                            "the objects hold {}; the Trino chart creates a Deployment (the reference's StatefulSet \
                         target is its bug 1)",
                            deployments.join(", ")
                        )
                    }),
                )
            })?;

        let count = |field: &str, default: Option<u32>| -> Result<Option<u32>, Error> {
            match spec.get(field) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => match number(v) {
                    Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 10_000.0 => Ok(Some(n as u32)),
                    _ => Err(fail(at(&format!("spec.{field} = {v} is not a whole number")), None)),
                },
            }
        };
        let min_replicas = count("minReplicaCount", Some(0))?.unwrap_or(0);
        let max_replicas = count("maxReplicaCount", Some(100))?.unwrap_or(100);
        let idle_replicas = count("idleReplicaCount", None)?;
        let polling_interval_s = count("pollingInterval", Some(30))?.unwrap_or(30);
        let cooldown_period_s = count("cooldownPeriod", Some(300))?.unwrap_or(300);
        if max_replicas == 0 || min_replicas > max_replicas {
            return Err(fail(
                at(&format!("minReplicaCount {min_replicas} / maxReplicaCount {max_replicas}")),
                Some("KEDA needs 1 <= maxReplicaCount and minReplicaCount <= maxReplicaCount"),
            ));
        }
        if let Some(idle) = idle_replicas
            && (idle != 0 || idle >= min_replicas)
        {
            return Err(fail(
                at(&format!("idleReplicaCount {idle} with minReplicaCount {min_replicas}")),
                Some("KEDA only supports idleReplicaCount 0, below minReplicaCount"),
            ));
        }
        if polling_interval_s == 0 {
            return Err(fail(
                at("pollingInterval is 0"),
                Some("KEDA polls every pollingInterval seconds (default 30)"),
            ));
        }
        if spec.pointer("/advanced/scalingModifiers").is_some_and(|v| !v.is_null()) {
            return Err(fail(
                at("advanced.scalingModifiers is not modelled by the simulator"),
                Some("express the policy as separate triggers (the HPA takes the max over triggers)"),
            ));
        }

        // Triggers.
        let mut triggers = Vec::new();
        let list = spec.get("triggers").and_then(Value::as_array).cloned().unwrap_or_default();
        if list.is_empty() {
            return Err(fail(at("spec.triggers is empty"), Some("add prometheus triggers on the coordinator metrics")));
        }
        for (i, t) in list.iter().enumerate() {
            let ttype = t.get("type").and_then(Value::as_str).unwrap_or("");
            let tname =
                t.get("name").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| format!("#{}", i + 1));
            let label = format!("trigger {tname} (type {})", if ttype.is_empty() { "?" } else { ttype });
            let meta = t.get("metadata").cloned().unwrap_or(Value::Null);
            let query = meta.get("query").and_then(Value::as_str).unwrap_or("");
            let metric = if ttype != "prometheus" {
                None
            } else if query.contains("QueuedQueries") && query.contains("RunningQueries") {
                Some(Metric::QueuedAndRunningQueries)
            } else if query.contains("QueuedQueries") {
                Some(Metric::QueuedQueries)
            } else if query.contains("RunningQueries") {
                Some(Metric::RunningQueries)
            } else if query.contains("RequiredWorkers") {
                Some(Metric::RequiredWorkers)
            } else {
                None
            };
            let Some(metric) = metric else {
                return Err(fail(
                    at(&format!("{label} is not modelled")),
                    Some(&format!(
                        "the simulator knows prometheus triggers whose query reads QueuedQueries, RunningQueries \
                         or RequiredWorkers{}",
                        if query.is_empty() { String::new() } else { format!("; this one queries `{query}`") }
                    )),
                ));
            };
            let metric_type = match t.get("metricType").and_then(Value::as_str).unwrap_or("AverageValue") {
                "AverageValue" => MetricType::AverageValue,
                "Value" => MetricType::Value,
                other => {
                    return Err(fail(
                        at(&format!("{label}: metricType {other}")),
                        Some("use AverageValue (default) or Value; Utilization is for cpu/memory triggers"),
                    ));
                }
            };
            let threshold = match meta.get("threshold").and_then(number) {
                Some(v) if v > 0.0 => v,
                _ => {
                    return Err(fail(
                        at(&format!("{label}: metadata.threshold is missing or not a positive number")),
                        Some("KEDA's prometheus scaler needs threshold, e.g. threshold: \"5\""),
                    ));
                }
            };
            let activation_threshold = match meta.get("activationThreshold") {
                None | Some(Value::Null) => 0.0,
                Some(v) => number(v).ok_or_else(|| {
                    fail(at(&format!("{label}: metadata.activationThreshold {v} is not a number")), None)
                })?,
            };
            let ignore_null_values = match meta.get("ignoreNullValues") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(b)) => *b,
                Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
                Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
                Some(v) => {
                    return Err(fail(
                        at(&format!("{label}: metadata.ignoreNullValues {v}")),
                        Some("\"true\" or \"false\""),
                    ));
                }
            };
            triggers.push(Trigger {
                name: tname,
                metric,
                metric_type,
                threshold,
                activation_threshold,
                ignore_null_values,
            });
        }

        let fallback = match spec.get("fallback") {
            None | Some(Value::Null) => None,
            Some(f) => {
                let failure_threshold = f.get("failureThreshold").and_then(number);
                let replicas = f.get("replicas").and_then(number);
                match (failure_threshold, replicas) {
                    (Some(t), Some(r)) if t >= 0.0 && r >= 0.0 => {
                        Some(Fallback { failure_threshold: t as u32, replicas: r as u32 })
                    }
                    _ => {
                        return Err(fail(
                            at("fallback needs failureThreshold and replicas"),
                            Some("e.g. fallback: {failureThreshold: 3, replicas: 2}"),
                        ));
                    }
                }
            }
        };

        let behavior_value = spec.pointer("/advanced/horizontalPodAutoscalerConfig/behavior").filter(|v| !v.is_null());
        let behavior = match behavior_value {
            None => Behavior::default(),
            Some(b) => Behavior {
                scale_up: rules(b.get("scaleUp"), Behavior::default_scale_up(), 0)
                    .map_err(|m| fail(at(&format!("behavior.scaleUp: {m}")), None))?,
                scale_down: rules(b.get("scaleDown"), Behavior::default_scale_down(), 300)
                    .map_err(|m| fail(at(&format!("behavior.scaleDown: {m}")), None))?,
            },
        };

        // The worker pods: preStop and terminationGracePeriodSeconds.
        let pod = deployment.pointer("/spec/template/spec").cloned().unwrap_or(Value::Null);
        let graceful_shutdown = pod.get("containers").and_then(Value::as_array).is_some_and(|cs| {
            cs.iter().any(|c| c.pointer("/lifecycle/preStop").is_some_and(|p| p.to_string().contains("SHUTTING_DOWN")))
        });
        let termination_grace_s = match pod.get("terminationGracePeriodSeconds") {
            None | Some(Value::Null) => 30,
            Some(v) => number(v).filter(|n| *n >= 0.0).map(|n| n as u32).ok_or_else(|| {
                fail(format!("{target_kind} {target}: terminationGracePeriodSeconds {v} is not a number"), None)
            })?,
        };

        // Trino configuration.
        let properties = |config_map: &str| -> Option<String> {
            objects
                .iter()
                .find(|o| kind_of(o) == "ConfigMap" && name_of(o) == config_map)
                .and_then(|o| o.pointer("/data/config.properties"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let coordinator = properties("trino-coordinator").unwrap_or_default();
        let worker = properties("trino-worker").unwrap_or_default();
        let prop = |text: &str, key: &str| property(text, key);
        let retry_policy = match prop(&coordinator, "retry-policy").as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("NONE") => RetryPolicy::None,
            Some("TASK") => RetryPolicy::Task,
            Some("QUERY") => RetryPolicy::Query,
            Some(other) => {
                return Err(fail(
                    format!("ConfigMap trino-coordinator: retry-policy={other}"),
                    Some("Trino accepts NONE, TASK or QUERY"),
                ));
            }
        };
        let required_workers = match prop(&coordinator, "query-manager.required-workers") {
            None => 1,
            Some(v) => v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                fail(
                    format!("ConfigMap trino-coordinator: query-manager.required-workers={v}"),
                    Some("a whole number, at least 1"),
                )
            })?,
        };
        let duration_prop = |text: &str, cm: &str, key: &str, default: f64| -> Result<f64, Error> {
            match prop(text, key) {
                None => Ok(default),
                Some(v) => parse_duration(&v).ok_or_else(|| {
                    fail(format!("ConfigMap {cm}: {key}={v} is not a Trino duration"), Some("e.g. 90s, 5m, 1.5h"))
                }),
            }
        };
        let required_workers_max_wait_s =
            duration_prop(&coordinator, "trino-coordinator", "query-manager.required-workers-max-wait", 300.0)?;
        let shutdown_grace_s = duration_prop(&worker, "trino-worker", "shutdown.grace-period", 120.0)?;

        Ok(Policy {
            name: name.to_string(),
            scaled_object: so_name,
            target,
            min_replicas,
            max_replicas,
            idle_replicas,
            polling_interval_s,
            cooldown_period_s,
            triggers,
            fallback,
            behavior,
            behavior_set: behavior_value.is_some(),
            graceful_shutdown,
            termination_grace_s,
            shutdown_grace_s,
            retry_policy,
            required_workers,
            required_workers_max_wait_s,
        })
    }

    /// The policy's key settings, one short line each (for the report).
    pub fn summary(&self) -> Vec<(String, String)> {
        let rules = |r: &Rules| {
            let policies: Vec<String> = r
                .policies
                .iter()
                .map(|p| match p.kind {
                    RateType::Pods => format!("{} pod(s)/{}s", p.value, p.period_s),
                    RateType::Percent => format!("{}%/{}s", p.value, p.period_s),
                })
                .collect();
            format!(
                "window {}s, {} {}",
                r.stabilization_window_s,
                match r.select {
                    SelectPolicy::Max => "max of",
                    SelectPolicy::Min => "min of",
                    SelectPolicy::Disabled => "disabled",
                },
                policies.join(" + ")
            )
        };
        let triggers: Vec<String> = self
            .triggers
            .iter()
            .map(|t| {
                format!(
                    "{}/{}{}{}",
                    t.metric.name(),
                    fmt_num(t.threshold),
                    if t.metric_type == MetricType::Value { " Value" } else { "" },
                    if t.activation_threshold != 0.0 {
                        format!(" act>{}", fmt_num(t.activation_threshold))
                    } else {
                        String::new()
                    }
                )
            })
            .collect();
        let nulls: Vec<&str> =
            self.triggers.iter().map(|t| if t.ignore_null_values { "0" } else { "error" }).collect::<Vec<_>>();
        let nulls = if nulls.iter().all(|n| *n == nulls[0]) { nulls[0].to_string() } else { nulls.join("/") };
        vec![
            (
                "replicas".into(),
                format!(
                    "min {} max {} idle {}",
                    self.min_replicas,
                    self.max_replicas,
                    self.idle_replicas.map(|i| i.to_string()).unwrap_or_else(|| "-".into())
                ),
            ),
            ("triggers".into(), triggers.join(", ")),
            ("polling / cooldown".into(), format!("{}s / {}s", self.polling_interval_s, self.cooldown_period_s)),
            ("scale up".into(), rules(&self.behavior.scale_up)),
            ("scale down".into(), rules(&self.behavior.scale_down)),
            (
                "fallback".into(),
                match self.fallback {
                    Some(f) => format!("{} after {} failures", f.replicas, f.failure_threshold),
                    None => "none".into(),
                },
            ),
            ("missing metric reads as".into(), nulls),
            (
                "worker drain".into(),
                if self.graceful_shutdown {
                    format!("graceful {}s, killed at {}s", fmt_num(self.shutdown_grace_s), self.termination_grace_s)
                } else {
                    "killed at once (no preStop)".into()
                },
            ),
            ("retry-policy".into(), self.retry_policy.name().into()),
            (
                "required workers / max wait".into(),
                format!("{} / {}s", self.required_workers, fmt_num(self.required_workers_max_wait_s)),
            ),
        ]
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x}") }
}

/// A number or a numeric string (KEDA metadata values are strings).
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        _ => None,
    }
}

/// HPA scaling rules with Kubernetes' defaulting of absent fields.
fn rules(value: Option<&Value>, default: Rules, default_window: u32) -> Result<Rules, String> {
    let Some(v) = value.filter(|v| !v.is_null()) else { return Ok(default) };
    let stabilization_window_s = match v.get("stabilizationWindowSeconds") {
        None | Some(Value::Null) => default_window,
        Some(w) => number(w)
            .filter(|n| *n >= 0.0 && *n <= 3600.0)
            .map(|n| n as u32)
            .ok_or_else(|| format!("stabilizationWindowSeconds {w} is not 0..3600"))?,
    };
    let select = match v.get("selectPolicy").and_then(Value::as_str) {
        None | Some("Max") => SelectPolicy::Max,
        Some("Min") => SelectPolicy::Min,
        Some("Disabled") => SelectPolicy::Disabled,
        Some(other) => return Err(format!("selectPolicy {other} (Max, Min or Disabled)")),
    };
    let policies = match v.get("policies").and_then(Value::as_array) {
        None => default.policies,
        Some(list) if list.is_empty() => default.policies,
        Some(list) => list
            .iter()
            .map(|p| {
                let kind = match p.get("type").and_then(Value::as_str) {
                    Some("Pods") => RateType::Pods,
                    Some("Percent") => RateType::Percent,
                    other => return Err(format!("policy type {other:?} (Pods or Percent)")),
                };
                let value = p.get("value").and_then(number).filter(|n| *n > 0.0).map(|n| n as u32);
                let period = p.get("periodSeconds").and_then(number).filter(|n| *n > 0.0 && *n <= 1800.0);
                match (value, period) {
                    (Some(value), Some(period)) => Ok(RatePolicy { kind, value, period_s: period as u32 }),
                    _ => Err(format!("policy {p} needs value > 0 and periodSeconds 1..1800")),
                }
            })
            .collect::<Result<Vec<_>, String>>()?,
    };
    Ok(Rules { stabilization_window_s, select, policies })
}

/// The value of `key` in a Java properties text (`key=value` or `key: value`; last one wins).
pub fn property(text: &str, key: &str) -> Option<String> {
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let split = line.find(['=', ':']);
        let (k, v) = match split {
            Some(i) => (line[..i].trim(), line[i + 1..].trim()),
            None => (line, ""),
        };
        if k == key {
            found = Some(v.to_string());
        }
    }
    found
}

/// A Trino duration (`500ms`, `90s`, `5m`, `1.5h`, `1d`) in seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let n: f64 = number.trim().parse().ok().filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    let scale = match unit.trim() {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return None,
    };
    Some(n * scale)
}
