use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(Flink in enabled();
    info "flink", [("enable_flink", true)], ["cert_manager"], ["watch_namespaces"];
    deterministic json!({"watch_namespaces": ["b", "a"]}), enabled());

fn enabled() -> PlatformFacts {
    facts(&["enable_flink", "enable_cert_manager"], &["flink", "cert_manager"])
}

#[test]
fn defaults_plan_the_operator_after_cert_manager() {
    let plan = plan_ok::<Flink>(&json!({}), &enabled());
    let release = release(&plan, "flink");
    assert_eq!(release.namespace, "flink-operator");
    assert_chart(
        release,
        "https://downloads.apache.org/flink/flink-kubernetes-operator-1.13.0/",
        "flink-kubernetes-operator",
        "1.13.0",
    );
    let v = values(release);
    assert_eq!(v["watchNamespaces"], json!(["flink-team-a"]));
    assert_eq!(v.pointer("/operatorPod/nodeSelector"), Some(&json!({"dataplat.io/pool": "core"})));
    assert_eq!(v.pointer("/webhook/create"), Some(&json!(true)));
    assert!(v.get("image").is_none(), "the chart's own image is kept");
    assert_eq!(release.depends_on, ["cert_manager/cert-manager"]);
    object(release, "Namespace", "flink-operator");
    object(release, "Namespace", "flink-team-a");
    assert_eq!(
        health_checks(release),
        [
            ("Deployment", "flink-kubernetes-operator"),
            ("CustomResourceDefinition", "flinkdeployments.flink.apache.org")
        ]
    );
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({
        "chart_version": "1.12.0",
        "watch_namespaces": ["streams", "analytics"],
        "values": {"operatorPod": {"resources": null}, "defaultConfiguration": {"create": true}}
    });
    let plan = plan_ok::<Flink>(&config, &enabled());
    let release = release(&plan, "flink");
    let chart = release.chart.as_ref().expect("chart");
    assert_eq!(chart.repository, "https://downloads.apache.org/flink/flink-kubernetes-operator-1.12.0/");
    let v = values(release);
    assert_eq!(v["watchNamespaces"], json!(["streams", "analytics"]));
    assert!(v.pointer("/operatorPod/resources").is_none());
    assert_eq!(v.pointer("/defaultConfiguration/create"), Some(&json!(true)));
    object(release, "Namespace", "streams");
    object(release, "Namespace", "analytics");
    assert_eq!(objects(release).len(), 3);
}

#[test]
fn validation_errors() {
    let f = enabled();
    let e = error_at::<Flink>(&json!({"watch_namespaces": ["ok", "under_score"]}), &f, "watch_namespaces.1");
    assert!(e.message.contains("DNS-1123"));
    let e = error_at::<Flink>(&json!({"watch_namespaces": ["x", "x"]}), &f, "watch_namespaces.1");
    assert!(e.message.contains("twice"));
    error_at::<Flink>(&json!({"watch_namespaces": []}), &f, "watch_namespaces");
}

#[test]
fn info_declares_the_cert_manager_dependency() {
    let info = dataplat_sdk::runtime::info::<Flink>();
    assert_eq!(info.dependencies[0].when_flag, None);
    assert!(info.dependencies[0].reason.contains("cert-manager certificate"));
}
