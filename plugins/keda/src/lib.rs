//! keda: the built-in addon that installs KEDA (event-driven autoscaling) from its upstream chart.
//!
//! The operator, metrics API server and admission webhooks run on the core node pool. Their
//! Prometheus metrics are always served; the ServiceMonitors that make Prometheus scrape them are
//! rendered only when the prometheus addon is enabled (its CRDs must exist), under the chart's
//! real keys `prometheus.{operator,metricServer}.serviceMonitor.enabled`.

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

/// The KEDA addon.
pub struct Keda;

impl Addon for Keda {
    type Config = Config;
    const NAME: &'static str = "keda";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "KEDA: event-driven autoscaling (ScaledObjects, external metrics API)";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_keda", "Install KEDA, event-driven autoscaling")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        problems.extend(check_range("operator_replicas", config.operator_replicas, 1..=3));
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let monitoring = Monitoring::new(facts, "ServiceMonitors").scope("for the operator and metrics API server");
        let service_monitor = json!({ "enabled": monitoring.enabled() });
        let defaults = json!({
            // The chart has one nodeSelector for all of its pods (operator, metrics API server,
            // webhooks); there is no per-component key.
            "nodeSelector": core_node_selector(),
            "operator": { "replicaCount": config.operator_replicas },
            "resources": {
                "operator": resources("100m", "128Mi", "1", "1000Mi"),
                "metricServer": resources("100m", "128Mi", "1", "1000Mi"),
                "webhooks": resources("50m", "64Mi", "500m", "256Mi"),
            },
            "prometheus": {
                "metricServer": { "enabled": true, "serviceMonitor": service_monitor },
                "operator": { "enabled": true, "serviceMonitor": service_monitor },
            },
        });
        // ServiceMonitor is a prometheus-operator CRD: it must exist before the chart applies.
        let release = config
            .chart_release("keda", defaults)
            .monitored_by(&monitoring)
            .ready_deployments(["keda-operator", "keda-operator-metrics-apiserver"])
            .crd_ready("scaledobjects.keda.sh");
        Ok(AddonPlan::new()
            .release(release)
            .endpoint(Endpoint::new(
                "keda",
                "metrics-api",
                format!("https://keda-operator-metrics-apiserver.{ns}.svc:443"),
                "KEDA metrics API server (external.metrics.k8s.io) used by the HPAs KEDA creates",
            ))
            .monitoring_note(&monitoring)
            .note(
                "replicas",
                format!(
                    "{} operator replica(s); KEDA elects one leader, extra replicas only shorten failover",
                    config.operator_replicas
                ),
            ))
    }
}

export_addon!(Keda);

chart_config! {
    /// The `keda:` block of platform.yaml.
    pub struct Config: chart "keda" from "https://kedacore.github.io/charts" version "2.20.2" {
        /// Namespace KEDA is installed into.
        namespace: "keda",
        values,
        /// Replicas of the KEDA operator (one is active at a time; the others stand by).
        #[schemars(range(min = 1, max = 3))]
        pub operator_replicas: u32 = 1,
    }
}

#[cfg(test)]
mod tests;
