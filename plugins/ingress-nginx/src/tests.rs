use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(IngressNginx in alone();
    info "ingress_nginx", [("enable_ingress_nginx", true)], [], ["scheme"];
    deterministic json!({"scheme": "internet-facing"}), alone());

const SCHEME: &str = "/controller/service/annotations/service.beta.kubernetes.io~1aws-load-balancer-scheme";

fn alone() -> PlatformFacts {
    facts(&["enable_ingress_nginx"], &["ingress_nginx"])
}

#[test]
fn defaults_plan_an_internal_nlb() {
    let plan = plan_ok::<IngressNginx>(&json!({}), &alone());
    let release = release(&plan, "ingress-nginx");
    assert_eq!(release.namespace, "ingress-nginx");
    assert_chart(release, "https://kubernetes.github.io/ingress-nginx", "ingress-nginx", "4.15.1");
    let v = values(release);
    let annotations = v.pointer("/controller/service/annotations").expect("annotations");
    assert_eq!(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "external");
    assert_eq!(annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
    assert_eq!(annotations["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"], "ip");
    assert_eq!(
        annotations["service.beta.kubernetes.io/aws-load-balancer-attributes"],
        "load_balancing.cross_zone.enabled=true"
    );
    assert_eq!(v.pointer("/controller/nodeSelector"), Some(&json!({"dataplat.io/pool": "core"})));
    assert_eq!(v.pointer("/controller/metrics/serviceMonitor/enabled"), Some(&json!(false)));
    assert!(release.depends_on.is_empty());
    object(release, "Namespace", "ingress-nginx");
    assert_eq!(
        health_checks(release),
        [("Deployment", "ingress-nginx-controller"), ("Service", "ingress-nginx-controller")]
    );
    assert_eq!(release.health_checks[1].json_path, None, "kind-aware load balancer check");
    assert_eq!(endpoints(&plan), [("http", "http://ingress-nginx-controller.ingress-nginx.svc:80")]);
}

#[test]
fn internet_facing_scheme_is_passed_on_with_a_warning() {
    let config = json!({"scheme": "internet-facing"});
    let plan = plan_ok::<IngressNginx>(&config, &alone());
    let v = values(release(&plan, "ingress-nginx"));
    assert_eq!(v.pointer(SCHEME), Some(&json!("internet-facing")));
    assert!(plan.notes.iter().any(|n| n.topic == "exposure"));
    let diagnostics = dataplat_sdk::runtime::validate::<IngressNginx>(&config.to_string(), &alone());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!((diagnostics[0].severity, diagnostics[0].path.as_str()), (Severity::Warning, "scheme"));
}

#[test]
fn with_prometheus_a_service_monitor_after_the_prometheus_release() {
    let plan = plan_ok::<IngressNginx>(&json!({}), &facts(&[], &["ingress_nginx", "prometheus"]));
    let release = release(&plan, "ingress-nginx");
    assert_eq!(values(release).pointer("/controller/metrics/serviceMonitor/enabled"), Some(&json!(true)));
    assert_eq!(release.depends_on, ["prometheus/prometheus"]);
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({
        "namespace": "edge",
        "values": {"controller": {"replicaCount": 3, "service": {"annotations": {"extra": "x"}}}}
    });
    let plan = plan_ok::<IngressNginx>(&config, &alone());
    let release = release(&plan, "ingress-nginx");
    object(release, "Namespace", "edge");
    let v = values(release);
    assert_eq!(v.pointer("/controller/replicaCount"), Some(&json!(3)));
    assert_eq!(v.pointer("/controller/service/annotations/extra"), Some(&json!("x")));
    assert_eq!(v.pointer(SCHEME), Some(&json!("internal")));
    assert_eq!(plan.endpoints[0].url, "http://ingress-nginx-controller.edge.svc:80");
}

#[test]
fn validation_errors() {
    let f = alone();
    let e = error_at::<IngressNginx>(&json!({"scheme": "public"}), &f, "scheme");
    assert!(e.message.contains("unknown variant"), "{}", e.message);
    error_at::<IngressNginx>(&json!({"values": {"fullnameOverride": "nginx"}}), &f, "values.fullnameOverride");
}

#[test]
fn schema_lists_the_schemes() {
    let schema = dataplat_sdk::runtime::info::<IngressNginx>().config_schema;
    assert!(schema.contains("internet-facing"), "{schema}");
}
