use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(SparkOperator in alone();
    info "spark_operator", [("enable_spark_operator", true)], [], ["job_namespaces"];
    deterministic json!({"job_namespaces": ["b", "a"]}), facts(&[], &["spark_operator", "yunikorn", "prometheus"]));

fn alone() -> PlatformFacts {
    facts(&["enable_spark_operator"], &["spark_operator"])
}

#[test]
fn defaults_plan_the_operator_and_job_namespace() {
    let plan = plan_ok::<SparkOperator>(&json!({}), &alone());
    let release = release(&plan, "spark-operator");
    assert_eq!(release.namespace, "spark-operator");
    assert_chart(release, "https://kubeflow.github.io/spark-operator", "spark-operator", "2.4.0");
    let v = values(release);
    assert_eq!(v.pointer("/spark/jobNamespaces"), Some(&json!(["spark-team-a"])));
    assert_eq!(v.pointer("/controller/nodeSelector"), Some(&json!({"dataplat.io/pool": "core"})));
    assert_eq!(v.pointer("/webhook/enable"), Some(&json!(true)));
    assert_eq!(v.pointer("/prometheus/metrics/enable"), Some(&json!(true)));
    assert_eq!(v.pointer("/prometheus/podMonitor/create"), Some(&json!(false)));
    assert!(v.pointer("/controller/batchScheduler").is_none());
    object(release, "Namespace", "spark-operator");
    object(release, "Namespace", "spark-team-a");
    assert_eq!(
        health_checks(release),
        [
            ("Deployment", "spark-operator-controller"),
            ("Deployment", "spark-operator-webhook"),
            ("CustomResourceDefinition", "sparkapplications.sparkoperator.k8s.io")
        ]
    );
    assert!(release.depends_on.is_empty());
    assert!(plan.endpoints.is_empty());
}

#[test]
fn with_yunikorn_the_batch_scheduler_defaults_to_it() {
    let plan = plan_ok::<SparkOperator>(&json!({}), &facts(&[], &["spark_operator", "yunikorn"]));
    let release = release(&plan, "spark-operator");
    let v = values(release);
    assert_eq!(v.pointer("/controller/batchScheduler"), Some(&json!({"enable": true, "default": "yunikorn"})));
    assert_eq!(release.depends_on, ["yunikorn/yunikorn"]);
    assert!(plan.notes.iter().any(|n| n.topic == "batch-scheduler"));
}

#[test]
fn with_prometheus_a_pod_monitor_after_the_prometheus_release() {
    let plan = plan_ok::<SparkOperator>(&json!({}), &facts(&[], &["spark_operator", "prometheus"]));
    let release = release(&plan, "spark-operator");
    assert_eq!(values(release).pointer("/prometheus/podMonitor/create"), Some(&json!(true)));
    assert_eq!(release.depends_on, ["prometheus/prometheus"]);
}

#[test]
fn a_cert_manager_certificate_waits_for_cert_manager_and_needs_it_enabled() {
    let config = json!({"values": {"certManager": {"enable": true}}});
    let plan = plan_ok::<SparkOperator>(&config, &facts(&[], &["spark_operator", "cert_manager"]));
    assert_eq!(release(&plan, "spark-operator").depends_on, ["cert_manager/cert-manager"]);
    let e = error_at::<SparkOperator>(&config, &alone(), "values.certManager.enable");
    assert!(e.message.contains("cert_manager addon"), "{}", e.message);
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("enable_cert_manager: true")));
    let off = json!({"values": {"certManager": {"enable": false}}});
    assert!(plan_ok::<SparkOperator>(&off, &alone()).releases[0].depends_on.is_empty());
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({
        "namespace": "spark",
        "job_namespaces": ["team-a", "team-b", "spark"],
        "values": {"controller": {"workers": 20}, "spark": {"jobNamespaces": ["team-a", "team-b", "spark"]}}
    });
    let plan = plan_ok::<SparkOperator>(&config, &alone());
    let release = release(&plan, "spark-operator");
    let v = values(release);
    assert_eq!(v.pointer("/controller/workers"), Some(&json!(20)));
    assert!(v.pointer("/controller/nodeSelector").is_some());
    let namespaces: Vec<String> = objects(release)
        .iter()
        .filter(|o| o["kind"] == "Namespace")
        .map(|o| o["metadata"]["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(namespaces, ["spark", "team-a", "team-b"], "the release namespace appears once");
}

#[test]
fn validation_errors() {
    let f = alone();
    let e = error_at::<SparkOperator>(&json!({"job_namespaces": ["ok", "Not_OK"]}), &f, "job_namespaces.1");
    assert!(e.message.contains("DNS-1123"), "{}", e.message);
    let e = error_at::<SparkOperator>(&json!({"job_namespaces": ["a", "b", "a"]}), &f, "job_namespaces.2");
    assert!(e.message.contains("twice"));
    let e = error_at::<SparkOperator>(&json!({"job_namespaces": []}), &f, "job_namespaces");
    assert_eq!(e.message, "must list at least one namespace");
    error_at::<SparkOperator>(&json!({"job_namespaces": "team-a"}), &f, "job_namespaces");
}
