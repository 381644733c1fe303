//! ingress_nginx: the built-in addon that installs the ingress-nginx controller behind an AWS
//! Network Load Balancer (provisioned by the AWS Load Balancer Controller: `external` type, IP
//! targets, cross-zone), internal by default.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://kubernetes.github.io/ingress-nginx";
const CHART: &str = "ingress-nginx";
const CHART_VERSION: &str = "4.15.1";
const RELEASE: &str = "ingress-nginx";
/// Deployment and Service of the controller (`<fullname>-controller`).
const CONTROLLER: &str = "ingress-nginx-controller";

/// Who can reach the load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// Reachable only from inside the VPC (and networks connected to it).
    #[default]
    Internal,
    /// Reachable from the internet.
    InternetFacing,
}

impl Scheme {
    /// The value of the `aws-load-balancer-scheme` annotation.
    fn annotation(self) -> &'static str {
        match self {
            Scheme::Internal => "internal",
            Scheme::InternetFacing => "internet-facing",
        }
    }
}

/// The `ingress_nginx:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace the controller is installed into.
    pub namespace: String,
    /// Version of the `ingress-nginx` chart from https://kubernetes.github.io/ingress-nginx.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key. `fullnameOverride` is fixed:
    /// health checks and the endpoint use it.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
    /// Load balancer scheme: `internal` (default) or `internet-facing`.
    pub scheme: Scheme,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "ingress-nginx".into(),
            chart_version: CHART_VERSION.into(),
            values: json!({}),
            scheme: Scheme::Internal,
        }
    }
}

/// The ingress-nginx addon.
pub struct IngressNginx;

impl Addon for IngressNginx {
    type Config = Config;
    const NAME: &'static str = "ingress_nginx";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "ingress-nginx controller behind an AWS Network Load Balancer";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_ingress_nginx", "Install the ingress-nginx controller")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
        problems.extend(check_reserved_values(
            &config.values,
            &["fullnameOverride"],
            "health checks and the endpoint use it",
        ));
        if config.scheme == Scheme::InternetFacing {
            problems.push(
                Diagnostic::warning("scheme", "the load balancer will be reachable from the internet")
                    .hint("keep scheme: internal unless every ingress behind it is meant to be public"),
            );
        }
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let core = core_node_selector();
        let monitored = facts.addon_enabled("prometheus");
        let defaults = json!({
            "fullnameOverride": RELEASE,
            "controller": {
                "nodeSelector": core,
                "resources": resources("100m", "128Mi", "1", "512Mi"),
                "service": { "annotations": {
                    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                    "service.beta.kubernetes.io/aws-load-balancer-scheme": config.scheme.annotation(),
                    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                    "service.beta.kubernetes.io/aws-load-balancer-backend-protocol": "tcp",
                    "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
                }},
                "admissionWebhooks": { "patch": { "nodeSelector": core } },
                "metrics": { "enabled": true, "serviceMonitor": { "enabled": monitored } },
            },
        });
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        let release = Release::of_chart(RELEASE, ns, chart)
            // The ServiceMonitor CRD comes with the prometheus release.
            .depends_on_if(monitored, "prometheus/prometheus")
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), CONTROLLER))
            // Kind-aware: ready once the load balancer has an address.
            .health(HealthCheck::ready("v1", "Service", Some(ns), CONTROLLER).timeout(600));
        let mut plan = AddonPlan::new()
            .release(release)
            .endpoint(Endpoint::new(
                "ingress_nginx",
                "http",
                format!("http://{CONTROLLER}.{ns}.svc:80"),
                "ingress-nginx controller Service (the NLB address is on its status)",
            ))
            .note(
                "load-balancer",
                format!(
                    "{} NLB with IP targets and cross-zone load balancing, provisioned by the AWS Load Balancer \
                     Controller from the Service annotations",
                    config.scheme.annotation()
                ),
            )
            .note(
                "monitoring",
                if monitored {
                    "ServiceMonitor on because prometheus is enabled"
                } else {
                    "metrics served but no ServiceMonitor: prometheus is not enabled"
                },
            );
        if config.scheme == Scheme::InternetFacing {
            plan = plan.note("exposure", "internet-facing: every Ingress on this class is public");
        }
        Ok(plan)
    }
}

export_addon!(IngressNginx);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

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
        error_at::<IngressNginx>(&json!({"values": []}), &f, "values");
        assert!(errors::<IngressNginx>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<IngressNginx>(
            "ingress_nginx",
            &[("enable_ingress_nginx", true)],
            &[],
            &["namespace", "chart_version", "values", "scheme"],
        );
        let schema = dataplat_sdk::runtime::info::<IngressNginx>().config_schema;
        assert!(schema.contains("internet-facing"), "{schema}");
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<IngressNginx>(&json!({"scheme": "internet-facing"}), &alone());
    }
}
