use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(CertManager in alone();
    info "cert_manager", [("enable_cert_manager", true)], [], [];
    deterministic json!({}), facts(&[], &["cert_manager", "prometheus"]));

fn alone() -> PlatformFacts {
    facts(&["enable_cert_manager"], &["cert_manager"])
}

#[test]
fn defaults_plan_the_chart_with_crds_on_core_nodes() {
    let plan = plan_ok::<CertManager>(&json!({}), &alone());
    assert_eq!(plan.releases.len(), 1);
    let release = release(&plan, "cert-manager");
    assert_eq!(release.namespace, "cert-manager");
    assert_chart(release, "https://charts.jetstack.io", "cert-manager", "v1.18.2");
    let v = values(release);
    assert_eq!(v.pointer("/crds/enabled"), Some(&json!(true)));
    let core = json!({"dataplat.io/pool": "core"});
    for path in ["/nodeSelector", "/webhook/nodeSelector", "/cainjector/nodeSelector", "/startupapicheck/nodeSelector"]
    {
        assert_eq!(v.pointer(path), Some(&core), "{path}");
    }
    assert_eq!(v.pointer("/prometheus/servicemonitor/enabled"), Some(&json!(false)));
    assert!(release.depends_on.is_empty());
    object(release, "Namespace", "cert-manager");
    assert_eq!(
        health_checks(release),
        [
            ("Deployment", "cert-manager"),
            ("Deployment", "cert-manager-webhook"),
            ("Deployment", "cert-manager-cainjector"),
            ("CustomResourceDefinition", "certificates.cert-manager.io")
        ]
    );
    assert!(plan.endpoints.is_empty());
}

#[test]
fn with_prometheus_a_service_monitor_after_the_prometheus_release() {
    let plan = plan_ok::<CertManager>(&json!({}), &facts(&[], &["cert_manager", "prometheus"]));
    let release = release(&plan, "cert-manager");
    assert_eq!(values(release).pointer("/prometheus/servicemonitor/enabled"), Some(&json!(true)));
    assert_eq!(release.depends_on, ["prometheus/prometheus"]);
    assert!(plan.notes.iter().any(|n| n.text.contains("because prometheus is enabled")));
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({"namespace": "certs", "chart_version": "v1.19.0", "values": {"replicaCount": 2, "webhook": {"nodeSelector": null}}});
    let plan = plan_ok::<CertManager>(&config, &alone());
    let release = release(&plan, "cert-manager");
    assert_eq!(release.chart.as_ref().map(|c| c.version.as_str()), Some("v1.19.0"));
    object(release, "Namespace", "certs");
    let v = values(release);
    assert_eq!(v["replicaCount"], 2);
    assert!(v["webhook"].get("nodeSelector").is_none());
    assert!(v.pointer("/webhook/resources").is_some());
    assert!(
        release
            .health_checks
            .iter()
            .filter(|h| h.kind == "Deployment")
            .all(|h| h.namespace.as_deref() == Some("certs"))
    );
}

#[test]
fn validation_errors() {
    let f = alone();
    error_at::<CertManager>(&json!({"values": {"fullnameOverride": "cm"}}), &f, "values.fullnameOverride");
    error_at::<CertManager>(&json!({"installCRDs": true}), &f, "installCRDs");
}
