//! cert_manager: the built-in addon that installs cert-manager from the Jetstack chart, with its
//! CRDs, every component on the core node pool. Other addons (the Flink operator's admission
//! webhook) request certificates from it, so they order their releases after `cert-manager`.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://charts.jetstack.io";
const CHART: &str = "cert-manager";
const CHART_VERSION: &str = "v1.18.2";
/// The release name; other addons depend on `cert_manager/cert-manager`.
const RELEASE: &str = "cert-manager";

/// The `cert_manager:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace cert-manager is installed into.
    pub namespace: String,
    /// Version of the `cert-manager` chart from https://charts.jetstack.io.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key. `fullnameOverride` is fixed:
    /// health checks name the Deployments after it.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
}

impl Default for Config {
    fn default() -> Self {
        Config { namespace: "cert-manager".into(), chart_version: CHART_VERSION.into(), values: json!({}) }
    }
}

/// The cert-manager addon.
pub struct CertManager;

impl Addon for CertManager {
    type Config = Config;
    const NAME: &'static str = "cert_manager";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "cert-manager: X.509 certificates for webhooks and services";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_cert_manager", "Install cert-manager")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
        problems.extend(check_reserved_values(&config.values, &["fullnameOverride"], "health checks use it"));
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let core = core_node_selector();
        let monitored = facts.addon_enabled("prometheus");
        let defaults = json!({
            "fullnameOverride": RELEASE,
            // The chart installs and upgrades its CRDs (kept on uninstall).
            "crds": { "enabled": true, "keep": true },
            "nodeSelector": core,
            "resources": resources("50m", "128Mi", "500m", "512Mi"),
            "webhook": { "nodeSelector": core, "resources": resources("20m", "64Mi", "200m", "256Mi") },
            "cainjector": { "nodeSelector": core, "resources": resources("20m", "128Mi", "200m", "512Mi") },
            "startupapicheck": { "nodeSelector": core },
            "prometheus": { "enabled": true, "servicemonitor": { "enabled": monitored } },
        });
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        let mut release = Release::of_chart(RELEASE, ns, chart)
            // The ServiceMonitor CRD comes with the prometheus release.
            .depends_on_if(monitored, "prometheus/prometheus");
        for deployment in [RELEASE.to_string(), format!("{RELEASE}-webhook"), format!("{RELEASE}-cainjector")] {
            release = release.health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), &deployment));
        }
        release = release.health(HealthCheck::ready(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "certificates.cert-manager.io",
        ));
        let monitoring = if monitored {
            "ServiceMonitor on because prometheus is enabled"
        } else {
            "metrics served but no ServiceMonitor: prometheus is not enabled"
        };
        Ok(AddonPlan::new()
            .release(release)
            .note("crds", "CRDs are installed by the chart (crds.enabled) and kept if the release is removed")
            .note("monitoring", monitoring))
    }
}

export_addon!(CertManager);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

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
        for path in
            ["/nodeSelector", "/webhook/nodeSelector", "/cainjector/nodeSelector", "/startupapicheck/nodeSelector"]
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
        let e = error_at::<CertManager>(&json!({"namespace": "-x"}), &f, "namespace");
        assert!(e.message.contains("DNS-1123"));
        let e = error_at::<CertManager>(&json!({"chart_version": ""}), &f, "chart_version");
        assert_eq!(e.message, "must not be empty");
        error_at::<CertManager>(&json!({"values": 1}), &f, "values");
        error_at::<CertManager>(&json!({"values": {"fullnameOverride": "cm"}}), &f, "values.fullnameOverride");
        error_at::<CertManager>(&json!({"installCRDs": true}), &f, "installCRDs");
        assert!(errors::<CertManager>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<CertManager>(
            "cert_manager",
            &[("enable_cert_manager", true)],
            &[],
            &["namespace", "chart_version", "values"],
        );
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<CertManager>(&json!({}), &facts(&[], &["cert_manager", "prometheus"]));
    }
}
