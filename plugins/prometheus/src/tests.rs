use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(Prometheus in plain();
    info "prometheus", [("enable_prometheus", true), ("enable_amazon_prometheus", false)], [],
        ["retention_days", "storage_gib", "scrape_interval_seconds", "grafana", "amp_workspace_id"];
    deterministic json!({"amp_workspace_id": "ws-1"}), with_amp());

fn plain() -> PlatformFacts {
    facts(&["enable_prometheus"], &["prometheus"])
}

fn with_amp() -> PlatformFacts {
    facts(&["enable_prometheus", "enable_amazon_prometheus"], &["prometheus"])
}

#[test]
fn defaults_plan_the_stack_with_exact_names() {
    let plan = plan_ok::<Prometheus>(&json!({}), &plain());
    let release = release(&plan, "prometheus");
    assert_eq!(release.namespace, "monitoring");
    assert_chart(release, "https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "88.5.3");
    let v = values(release);
    assert_eq!(v["fullnameOverride"], "prometheus");
    assert_eq!(v["cleanPrometheusOperatorObjectNames"], true);
    assert_eq!(v.pointer("/alertmanager/enabled"), Some(&json!(false)));
    assert_eq!(v.pointer("/grafana/enabled"), Some(&json!(true)));
    let spec = &v["prometheus"]["prometheusSpec"];
    assert_eq!(spec["retention"], "15d");
    assert_eq!(spec["retentionSize"], "45GB");
    assert_eq!(spec["scrapeInterval"], "30s");
    for selector in ["serviceMonitor", "podMonitor", "rule", "probe"] {
        assert_eq!(spec[format!("{selector}SelectorNilUsesHelmValues")], false, "{selector}");
    }
    let pvc = &spec["storageSpec"]["volumeClaimTemplate"]["spec"];
    assert_eq!(pvc["storageClassName"], "gp3");
    assert_eq!(pvc.pointer("/resources/requests/storage"), Some(&json!("50Gi")));
    assert!(spec.get("remoteWrite").is_none());
    let core = json!({"dataplat.io/pool": "core"});
    for path in [
        "/prometheusOperator/nodeSelector",
        "/prometheus/prometheusSpec/nodeSelector",
        "/grafana/nodeSelector",
        "/kube-state-metrics/nodeSelector",
    ] {
        assert_eq!(v.pointer(path), Some(&core), "{path}");
    }
    assert_eq!(v.pointer("/grafana/admin/existingSecret"), Some(&json!("grafana-admin")));
    let secret = plan.secrets.iter().find(|s| s.name == "grafana-admin").expect("declared secret");
    assert_eq!(secret.namespace, "monitoring");
    assert_eq!(secret.random_keys, ["admin-password"]);
    assert_eq!(secret.fixed, [("admin-user".to_string(), "admin".to_string())]);
    object(release, "Namespace", "monitoring");
    let checks = health_checks(release);
    assert!(checks.contains(&("Deployment", "prometheus-operator")));
    assert!(checks.contains(&("StatefulSet", "prometheus-prometheus")));
    assert!(checks.contains(&("Deployment", "prometheus-grafana")));
    let cr = release.health_checks.iter().find(|h| h.kind == "Prometheus").expect("Prometheus CR");
    assert_eq!(cr.name, "prometheus");
    assert_eq!(cr.expected.as_deref(), Some("True"));
    let endpoints = endpoints(&plan);
    assert_eq!(
        endpoints,
        [
            ("prometheus-query", "http://prometheus-prometheus.monitoring.svc:9090"),
            ("grafana", "http://prometheus-grafana.monitoring.svc:80")
        ]
    );
    assert!(plan.grants.is_empty() && plan.pod_identities.is_empty());
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({
        "namespace": "observability",
        "retention_days": 30,
        "storage_gib": 200,
        "scrape_interval_seconds": 15,
        "grafana": false,
        "values": { "prometheus": { "prometheusSpec": { "replicas": 2 } }, "alertmanager": { "enabled": true } }
    });
    let plan = plan_ok::<Prometheus>(&config, &plain());
    let release = release(&plan, "prometheus");
    let v = values(release);
    let spec = &v["prometheus"]["prometheusSpec"];
    assert_eq!((spec["retention"].as_str(), spec["scrapeInterval"].as_str()), (Some("30d"), Some("15s")));
    assert_eq!(spec["retentionSize"], "180GB");
    assert_eq!(spec["replicas"], 2);
    assert_eq!(spec.pointer("/storageSpec/volumeClaimTemplate/spec/resources/requests/storage"), Some(&json!("200Gi")));
    assert_eq!(v.pointer("/alertmanager/enabled"), Some(&json!(true)));
    assert_eq!(v.pointer("/grafana/enabled"), Some(&json!(false)));
    assert!(!release.health_checks.iter().any(|h| h.name == "prometheus-grafana"));
    object(release, "Namespace", "observability");
    assert_eq!(plan.endpoints.len(), 1);
    assert_eq!(plan.endpoints[0].url, "http://prometheus-prometheus.observability.svc:9090");
}

#[test]
fn amazon_prometheus_wires_grant_pod_identity_and_remote_write() {
    let config = json!({ "amp_workspace_id": "ws-1234abcd-5678-90ef-abcd-1234567890ab" });
    let plan = plan_ok::<Prometheus>(&config, &with_amp());
    assert_eq!(plan.grants.len(), 1);
    let grant = &plan.grants[0];
    assert_eq!(grant.id, "amp-remote-write");
    assert_eq!(grant.statements[0].actions, ["aps:RemoteWrite"]);
    assert_eq!(
        grant.statements[0].resources,
        [Resource::Arn(
            "arn:${partition}:aps:${region}:${account}:workspace/ws-1234abcd-5678-90ef-abcd-1234567890ab".into()
        )]
    );
    assert_eq!(plan.pod_identities.len(), 1);
    let identity = &plan.pod_identities[0];
    assert_eq!(
        (identity.namespace.as_str(), identity.service_account.as_str(), identity.grant.as_str()),
        ("monitoring", "prometheus-prometheus", "amp-remote-write")
    );
    let v = values(release(&plan, "prometheus"));
    assert_eq!(v.pointer("/prometheus/serviceAccount/name"), Some(&json!("prometheus-prometheus")));
    let remote = &v["prometheus"]["prometheusSpec"]["remoteWrite"];
    assert_eq!(
        remote[0]["url"],
        "https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1234abcd-5678-90ef-abcd-1234567890ab/api/v1/remote_write"
    );
    assert_eq!(remote[0]["sigv4"]["region"], "us-west-2");
    assert!(plan.notes.iter().any(|n| n.topic == "amazon-prometheus"));
}

#[test]
fn without_a_workspace_id_the_platforms_own_workspace_is_referred_to() {
    assert!(errors::<Prometheus>(&json!({}), &with_amp()).is_empty(), "the flag alone is valid");
    let plan = plan_ok::<Prometheus>(&json!({}), &with_amp());
    assert_eq!(
        plan.grants[0].statements[0].resources,
        [Resource::Arn("arn:${partition}:aps:${region}:${account}:workspace/${amp_workspace_id}".into())]
    );
    let v = values(release(&plan, "prometheus"));
    assert_eq!(
        v["prometheus"]["prometheusSpec"]["remoteWrite"][0]["url"],
        format!("https://aps-workspaces.us-west-2.amazonaws.com/workspaces/{AMP_WORKSPACE_ID}/api/v1/remote_write")
    );
    let note = plan.notes.iter().find(|n| n.topic == "amazon-prometheus").expect("note");
    assert!(note.text.contains("which `up` creates"), "{}", note.text);
    // Without the flag, nothing refers to a workspace.
    let plain = serde_json::to_string(&plan_ok::<Prometheus>(&json!({}), &plain())).unwrap();
    assert!(!plain.contains(AMP_WORKSPACE_ID));
}

#[test]
fn validation_errors() {
    let e = error_at::<Prometheus>(&json!({"amp_workspace_id": "ws/../x"}), &with_amp(), "amp_workspace_id");
    assert!(e.message.contains("not an AMP workspace id"));
    let f = plain();
    let e = error_at::<Prometheus>(&json!({"retention_days": 0}), &f, "retention_days");
    assert_eq!(e.message, "0 is out of range: must be 1 to 3650");
    let e = error_at::<Prometheus>(&json!({"storage_gib": 5}), &f, "storage_gib");
    assert!(e.message.contains("10 to 16384"));
    let e = error_at::<Prometheus>(&json!({"scrape_interval_seconds": 301}), &f, "scrape_interval_seconds");
    assert!(e.message.contains("5 to 300"));
    let e = error_at::<Prometheus>(&json!({"values": {"fullnameOverride": "kps"}}), &f, "values.fullnameOverride");
    assert!(e.message.contains("cannot be overridden"));
    error_at::<Prometheus>(
        &json!({"values": {"prometheus": {"serviceAccount": {"name": "x"}}}}),
        &f,
        "values.prometheus.serviceAccount.name",
    );
    // A workspace id without the feature flag is only a warning.
    let diagnostics = dataplat_sdk::runtime::validate::<Prometheus>(r#"{"amp_workspace_id":"ws-1"}"#, &f);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].severity, Severity::Warning);
}
