use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(Keda in keda_only();
    info "keda", [("enable_keda", true)], [], ["operator_replicas"];
    deterministic json!({"operator_replicas": 2}), with_prometheus());

fn keda_only() -> PlatformFacts {
    facts(&["enable_keda"], &["keda"])
}

fn with_prometheus() -> PlatformFacts {
    facts(&["enable_keda", "enable_prometheus"], &["keda", "prometheus"])
}

#[test]
fn defaults_plan_the_chart_on_core_nodes() {
    let plan = plan_ok::<Keda>(&json!({}), &keda_only());
    assert_eq!(plan.releases.len(), 1);
    let release = release(&plan, "keda");
    assert_eq!(release.namespace, "keda");
    assert_chart(release, "https://kedacore.github.io/charts", "keda", "2.20.2");
    let values = values(release);
    assert_eq!(values["nodeSelector"], json!({"dataplat.io/pool": "core"}));
    assert_eq!(values.pointer("/operator/replicaCount"), Some(&json!(1)));
    assert_eq!(values.pointer("/prometheus/metricServer/enabled"), Some(&json!(true)));
    assert_eq!(values.pointer("/prometheus/operator/enabled"), Some(&json!(true)));
    assert_eq!(values.pointer("/resources/operator/limits/memory"), Some(&json!("1000Mi")));
    assert_eq!(values.pointer("/resources/metricServer/requests/cpu"), Some(&json!("100m")));
    assert_eq!(object(release, "Namespace", "keda")["apiVersion"], "v1");
    let checks = health_checks(release);
    assert!(checks.contains(&("Deployment", "keda-operator")));
    assert!(checks.contains(&("CustomResourceDefinition", "scaledobjects.keda.sh")));
    let crd = release.health_checks.iter().find(|h| h.kind == "CustomResourceDefinition").expect("crd");
    assert_eq!(crd.namespace, None);
    assert_eq!(plan.endpoints.len(), 1);
    assert_eq!(plan.endpoints[0].name, "metrics-api");
    assert_eq!(plan.endpoints[0].url, "https://keda-operator-metrics-apiserver.keda.svc:443");
}

#[test]
fn without_prometheus_no_service_monitors_and_no_ordering() {
    let plan = plan_ok::<Keda>(&json!({}), &keda_only());
    let release = release(&plan, "keda");
    let values = values(release);
    assert_eq!(values.pointer("/prometheus/operator/serviceMonitor/enabled"), Some(&json!(false)));
    assert_eq!(values.pointer("/prometheus/metricServer/serviceMonitor/enabled"), Some(&json!(false)));
    assert!(release.depends_on.is_empty());
    assert!(plan.notes.iter().any(|n| n.topic == "monitoring" && n.text.contains("not enabled")));
}

#[test]
fn with_prometheus_service_monitors_under_the_chart_keys() {
    let plan = plan_ok::<Keda>(&json!({}), &with_prometheus());
    let release = release(&plan, "keda");
    let values = values(release);
    assert_eq!(values.pointer("/prometheus/operator/serviceMonitor/enabled"), Some(&json!(true)));
    assert_eq!(values.pointer("/prometheus/metricServer/serviceMonitor/enabled"), Some(&json!(true)));
    // The reference's mistake: a top-level `serviceMonitor` key, which the chart ignores.
    assert!(values.get("serviceMonitor").is_none());
    assert_eq!(release.depends_on, vec!["prometheus/prometheus".to_string()]);
    assert!(plan.notes.iter().any(|n| n.text.contains("because prometheus is enabled")));
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({
        "namespace": "autoscaling",
        "chart_version": "2.21.0",
        "operator_replicas": 2,
        "values": { "operator": { "revisionHistoryLimit": 3 }, "nodeSelector": null }
    });
    let plan = plan_ok::<Keda>(&config, &keda_only());
    let release = release(&plan, "keda");
    assert_eq!(release.namespace, "autoscaling");
    assert_eq!(release.chart.as_ref().map(|c| c.version.as_str()), Some("2.21.0"));
    object(release, "Namespace", "autoscaling");
    let values = values(release);
    assert_eq!(values["operator"], json!({"replicaCount": 2, "revisionHistoryLimit": 3}));
    assert!(values.get("nodeSelector").is_none(), "null deletes a default");
    assert_eq!(release.health_checks[0].namespace.as_deref(), Some("autoscaling"));
    assert_eq!(plan.endpoints[0].url, "https://keda-operator-metrics-apiserver.autoscaling.svc:443");
}

#[test]
fn validation_errors() {
    let f = keda_only();
    let e = error_at::<Keda>(&json!({"operator_replicas": 4}), &f, "operator_replicas");
    assert_eq!(e.message, "4 is out of range: must be 1 to 3");
    let e = error_at::<Keda>(&json!({"operator_replicas": 0}), &f, "operator_replicas");
    assert!(e.message.contains("out of range"));
}

#[test]
fn schema_states_the_replica_range() {
    let schema = dataplat_sdk::runtime::info::<Keda>().config_schema;
    assert!(schema.contains("\"maximum\":3"), "{schema}");
}
