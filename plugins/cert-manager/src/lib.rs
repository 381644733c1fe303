//! cert_manager: the built-in addon that installs cert-manager from the Jetstack chart, with its
//! CRDs, every component on the core node pool. Other addons (the Flink operator's admission
//! webhook) request certificates from it, so they order their releases after `cert-manager`.

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

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
        let mut problems = config.check_chart();
        problems.extend(check_reserved_values(&config.values, &["fullnameOverride"], "health checks use it"));
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let core = core_node_selector();
        let monitoring = Monitoring::new(facts, "ServiceMonitor");
        let defaults = json!({
            "fullnameOverride": RELEASE,
            // The chart installs and upgrades its CRDs (kept on uninstall).
            "crds": { "enabled": true, "keep": true },
            "nodeSelector": core,
            "resources": resources("50m", "128Mi", "500m", "512Mi"),
            "webhook": { "nodeSelector": core, "resources": resources("20m", "64Mi", "200m", "256Mi") },
            "cainjector": { "nodeSelector": core, "resources": resources("20m", "128Mi", "200m", "512Mi") },
            "startupapicheck": { "nodeSelector": core },
            "prometheus": { "enabled": true, "servicemonitor": { "enabled": monitoring.enabled() } },
        });
        let release = config
            .chart_release(RELEASE, defaults)
            // The ServiceMonitor CRD comes with the prometheus release.
            .monitored_by(&monitoring)
            .ready_deployments([RELEASE, &format!("{RELEASE}-webhook"), &format!("{RELEASE}-cainjector")])
            .crd_ready("certificates.cert-manager.io");
        Ok(AddonPlan::new()
            .release(release)
            .note("crds", "CRDs are installed by the chart (crds.enabled) and kept if the release is removed")
            .monitoring_note(&monitoring))
    }
}

/// The release name; other addons depend on `cert_manager/cert-manager`.
const RELEASE: &str = "cert-manager";

export_addon!(CertManager);

chart_config! {
    /// The `cert_manager:` block of platform.yaml.
    pub struct Config: chart "cert-manager" from "https://charts.jetstack.io" version "v1.18.2" {
        /// Namespace cert-manager is installed into.
        namespace: "cert-manager",
        /// `fullnameOverride` is fixed:
        /// health checks name the Deployments after it.
        values,
    }
}

#[cfg(test)]
mod tests;
