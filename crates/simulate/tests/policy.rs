//! Reading policies from Kubernetes objects.

mod common;

use common::{Build, reference, trigger};
use dataplat_simulate::policy::{Metric, MetricType, RateType, RetryPolicy, SelectPolicy, parse_duration, property};
use dataplat_simulate::{Error, Policy};
use serde_json::json;

fn policy_error(objects: &[serde_json::Value]) -> (String, String) {
    match Policy::from_objects("p", objects) {
        Err(Error::Policy { policy, message, hint }) => {
            assert_eq!(policy, "p");
            (message, hint.unwrap_or_default())
        }
        other => panic!("expected a policy error, got {other:?}"),
    }
}

#[test]
fn the_reference_is_the_fixed_scaledobject_with_chart_defaults() {
    let p = reference();
    assert_eq!((p.min_replicas, p.max_replicas, p.idle_replicas), (1, 10, None));
    assert_eq!((p.polling_interval_s, p.cooldown_period_s), (30, 300));
    assert_eq!(p.target, "trino-worker");
    let triggers: Vec<(Metric, f64, MetricType, bool)> =
        p.triggers.iter().map(|t| (t.metric, t.threshold, t.metric_type, t.ignore_null_values)).collect();
    assert_eq!(
        triggers,
        vec![
            (Metric::QueuedQueries, 5.0, MetricType::AverageValue, true),
            (Metric::RunningQueries, 10.0, MetricType::AverageValue, true),
        ]
    );
    assert_eq!(p.fallback, None);
    assert!(!p.behavior_set);
    // Kubernetes' default behavior.
    assert_eq!(p.behavior.scale_down.stabilization_window_s, 300);
    assert_eq!(p.behavior.scale_up.policies.len(), 2);
    assert!(!p.graceful_shutdown);
    assert_eq!(p.termination_grace_s, 30);
    assert_eq!(p.retry_policy, RetryPolicy::Task);
    assert_eq!((p.required_workers, p.required_workers_max_wait_s), (1, 300.0));
    assert!(!p.scales_to_zero());
}

#[test]
fn scale_to_zero_policies_with_all_the_knobs_parse() {
    let mut required = trigger("RequiredWorkers", 1.0);
    required["metricType"] = json!("Value");
    required["metadata"]["activationThreshold"] = json!("0");
    required["metadata"]["ignoreNullValues"] = json!("false");
    let p = Build::new(vec![trigger("QueuedQueries", 2.0), required])
        .set("minReplicaCount", json!(1))
        .set("idleReplicaCount", json!(0))
        .set("maxReplicaCount", json!(20))
        .set("pollingInterval", json!(15))
        .set("cooldownPeriod", json!(600))
        .set("fallback", json!({"failureThreshold": 3, "replicas": 2}))
        .set(
            "advanced",
            json!({"horizontalPodAutoscalerConfig": {"behavior": {
                "scaleUp": {"policies": [{"type": "Pods", "value": 4, "periodSeconds": 30}]},
                "scaleDown": {"stabilizationWindowSeconds": 120, "selectPolicy": "Min",
                              "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60},
                                           {"type": "Percent", "value": 50, "periodSeconds": 60}]},
            }}}),
        )
        .graceful(300)
        .coordinator(
            "retry-policy=QUERY\nquery-manager.required-workers = 2\nquery-manager.required-workers-max-wait=10m\n",
        )
        .worker("shutdown.grace-period=90s\n")
        .policy("zero");
    assert_eq!((p.min_replicas, p.idle_replicas, p.max_replicas), (1, Some(0), 20));
    assert!(p.scales_to_zero());
    assert_eq!((p.idle_count(), p.hpa_min()), (0, 1));
    assert_eq!(p.triggers[1].metric, Metric::RequiredWorkers);
    assert_eq!(p.triggers[1].metric_type, MetricType::Value);
    assert!(!p.triggers[1].ignore_null_values);
    assert_eq!(p.fallback.map(|f| (f.failure_threshold, f.replicas)), Some((3, 2)));
    assert!(p.behavior_set);
    // scaleUp: window defaults to 0, select to Max, policies as given.
    assert_eq!(p.behavior.scale_up.stabilization_window_s, 0);
    assert_eq!(p.behavior.scale_up.select, SelectPolicy::Max);
    assert_eq!(p.behavior.scale_up.policies[0].kind, RateType::Pods);
    assert_eq!(p.behavior.scale_down.stabilization_window_s, 120);
    assert_eq!(p.behavior.scale_down.select, SelectPolicy::Min);
    assert_eq!(p.behavior.scale_down.policies.len(), 2);
    assert!(p.graceful_shutdown);
    assert_eq!(p.termination_grace_s, 300);
    assert_eq!(p.shutdown_grace_s, 90.0);
    assert_eq!(p.retry_policy, RetryPolicy::Query);
    assert_eq!((p.required_workers, p.required_workers_max_wait_s), (2, 600.0));
    // The summary names the key settings.
    let summary = p.summary();
    let get = |k: &str| summary.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(get("replicas"), "min 1 max 20 idle 0");
    assert!(get("triggers").contains("RequiredWorkers/1 Value"), "{}", get("triggers"));
    assert!(get("worker drain").starts_with("graceful 90s"));
}

#[test]
fn missing_or_unusable_objects_are_clear_errors() {
    let (message, hint) = policy_error(&[json!({"kind": "ConfigMap", "metadata": {"name": "x"}})]);
    assert!(message.contains("no KEDA ScaledObject") && message.contains("ConfigMap/x"), "{message}");
    assert!(hint.contains("ScaledObject"), "{hint}");

    // The reference's bug 1: a StatefulSet target that does not exist.
    let mut objects = Build::new(vec![trigger("QueuedQueries", 5.0)]).objects();
    objects[0]["spec"]["scaleTargetRef"]["kind"] = json!("StatefulSet");
    let (message, hint) = policy_error(&objects);
    assert!(message.contains("StatefulSet/trino-worker"), "{message}");
    assert!(hint.contains("Deployment/trino-worker"), "{hint}");

    // A trigger the simulator does not model is named.
    let cpu = json!({"type": "cpu", "name": "cpu", "metricType": "Utilization", "metadata": {"value": "80"}});
    let (message, _) = policy_error(&Build::new(vec![trigger("QueuedQueries", 5.0), cpu]).objects());
    assert!(message.contains("trigger cpu (type cpu)"), "{message}");
    let (message, hint) = policy_error(&Build::new(vec![trigger("StartedQueries", 5.0)]).objects());
    assert!(message.contains("startedqueries"), "{message}");
    assert!(hint.contains("StartedQueries"), "{hint}");

    let mut bad_threshold = trigger("QueuedQueries", 5.0);
    bad_threshold["metadata"]["threshold"] = json!("five");
    let (message, _) = policy_error(&Build::new(vec![bad_threshold]).objects());
    assert!(message.contains("threshold"), "{message}");

    let (message, _) =
        policy_error(&Build::new(vec![trigger("QueuedQueries", 5.0)]).set("idleReplicaCount", json!(1)).objects());
    assert!(message.contains("idleReplicaCount"), "{message}");
    let (message, _) = policy_error(
        &Build::new(vec![trigger("QueuedQueries", 5.0)])
            .set("minReplicaCount", json!(5))
            .set("maxReplicaCount", json!(2))
            .objects(),
    );
    assert!(message.contains("maxReplicaCount"), "{message}");
    let (message, _) = policy_error(
        &Build::new(vec![trigger("QueuedQueries", 5.0)]).coordinator("retry-policy=SOMETIMES\n").objects(),
    );
    assert!(message.contains("retry-policy"), "{message}");
    let (message, _) = policy_error(
        &Build::new(vec![trigger("QueuedQueries", 5.0)])
            .coordinator("query-manager.required-workers-max-wait=soon\n")
            .objects(),
    );
    assert!(message.contains("required-workers-max-wait"), "{message}");
    let (message, _) = policy_error(
        &Build::new(vec![trigger("QueuedQueries", 5.0)])
            .set("advanced", json!({"scalingModifiers": {"formula": "a + b", "target": "2"}}))
            .objects(),
    );
    assert!(message.contains("scalingModifiers"), "{message}");

    let mut objects = Build::new(vec![trigger("QueuedQueries", 5.0)]).objects();
    objects.push(objects[0].clone());
    let (message, _) = policy_error(&objects);
    assert!(message.contains("2 ScaledObjects"), "{message}");
}

#[test]
fn trino_properties_and_durations() {
    assert_eq!(parse_duration("5m"), Some(300.0));
    assert_eq!(parse_duration("90s"), Some(90.0));
    assert_eq!(parse_duration("1.5h"), Some(5400.0));
    assert_eq!(parse_duration("500ms"), Some(0.5));
    assert_eq!(parse_duration("1d"), Some(86400.0));
    assert_eq!(parse_duration("5"), None);
    assert_eq!(parse_duration("5 weeks"), None);
    let text = "# comment\na=1\n b : 2 \n! also a comment\na=3\n";
    assert_eq!(property(text, "a").as_deref(), Some("3"));
    assert_eq!(property(text, "b").as_deref(), Some("2"));
    assert_eq!(property(text, "c"), None);
}
