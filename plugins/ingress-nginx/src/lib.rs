//! ingress_nginx: the built-in addon that installs the ingress-nginx controller behind an AWS
//! Network Load Balancer (provisioned by the AWS Load Balancer Controller: `external` type, IP
//! targets, cross-zone), internal by default.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

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
        let mut problems = config.check_chart();
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
        let monitoring = Monitoring::new(facts, "ServiceMonitor");
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
                "metrics": { "enabled": true, "serviceMonitor": { "enabled": monitoring.enabled() } },
            },
        });
        let release = config
            .chart_release(RELEASE, defaults)
            // The ServiceMonitor CRD comes with the prometheus release.
            .monitored_by(&monitoring)
            .ready_deployments([CONTROLLER])
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
            .monitoring_note(&monitoring);
        if config.scheme == Scheme::InternetFacing {
            plan = plan.note("exposure", "internet-facing: every Ingress on this class is public");
        }
        Ok(plan)
    }
}

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

export_addon!(IngressNginx);

chart_config! {
    /// The `ingress_nginx:` block of platform.yaml.
    pub struct Config: chart "ingress-nginx" from "https://kubernetes.github.io/ingress-nginx" version "4.15.1" {
        /// Namespace the controller is installed into.
        namespace: "ingress-nginx",
        /// `fullnameOverride` is fixed:
        /// health checks and the endpoint use it.
        values,
        /// Load balancer scheme: `internal` (default) or `internet-facing`.
        pub scheme: Scheme = Scheme::Internal,
    }
}

#[cfg(test)]
mod tests;
