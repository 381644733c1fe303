//! keda: the built-in addon that installs KEDA (event-driven autoscaling) from its upstream chart.
//!
//! The operator, metrics API server and admission webhooks run on the core node pool. Their
//! Prometheus metrics are always served; the ServiceMonitors that make Prometheus scrape them are
//! rendered only when the prometheus addon is enabled (its CRDs must exist), under the chart's
//! real keys `prometheus.{operator,metricServer}.serviceMonitor.enabled`.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://kedacore.github.io/charts";
const CHART: &str = "keda";
const CHART_VERSION: &str = "2.20.2";

/// The `keda:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace KEDA is installed into.
    pub namespace: String,
    /// Version of the `keda` chart from https://kedacore.github.io/charts.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
    /// Replicas of the KEDA operator (one is active at a time; the others stand by).
    #[schemars(range(min = 1, max = 3))]
    pub operator_replicas: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "keda".into(),
            chart_version: CHART_VERSION.into(),
            values: json!({}),
            operator_replicas: 1,
        }
    }
}

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
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
        problems.extend(check_range("operator_replicas", config.operator_replicas, 1..=3));
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let monitored = facts.addon_enabled("prometheus");
        let service_monitor = json!({ "enabled": monitored });
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
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        // ServiceMonitor is a prometheus-operator CRD: it must exist before the chart applies.
        let release = Release::of_chart("keda", ns, chart)
            .depends_on_if(monitored, "prometheus/prometheus")
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), "keda-operator"))
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), "keda-operator-metrics-apiserver"))
            .health(HealthCheck::ready(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                "scaledobjects.keda.sh",
            ));
        let monitoring_note = if monitored {
            "ServiceMonitors on for the operator and metrics API server because prometheus is enabled"
        } else {
            "metrics served but no ServiceMonitors: prometheus is not enabled"
        };
        Ok(AddonPlan::new()
            .release(release)
            .endpoint(Endpoint::new(
                "keda",
                "metrics-api",
                format!("https://keda-operator-metrics-apiserver.{ns}.svc:443"),
                "KEDA metrics API server (external.metrics.k8s.io) used by the HPAs KEDA creates",
            ))
            .note("monitoring", monitoring_note)
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

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

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
        let e = error_at::<Keda>(&json!({"values": "x"}), &f, "values");
        assert!(e.message.contains("object"));
        let e = error_at::<Keda>(&json!({"namespace": "KEDA"}), &f, "namespace");
        assert!(e.message.contains("DNS-1123"));
        let e = error_at::<Keda>(&json!({"replicas": 2}), &f, "replicas");
        assert!(e.message.contains("unknown field"), "{}", e.message);
        assert!(errors::<Keda>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<Keda>(
            "keda",
            &[("enable_keda", true)],
            &[],
            &["namespace", "chart_version", "values", "operator_replicas"],
        );
        let schema = dataplat_sdk::runtime::info::<Keda>().config_schema;
        assert!(schema.contains("\"maximum\":3"), "{schema}");
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<Keda>(&json!({"operator_replicas": 2}), &with_prometheus());
    }
}
