//! flink: the built-in addon that installs the Apache Flink Kubernetes operator, which runs
//! `FlinkDeployment`s and `FlinkSessionJob`s in the watched namespaces (created by this release).
//!
//! The operator's admission webhook takes its TLS certificate from cert-manager, so the addon
//! always depends on cert_manager and its release waits for `cert_manager/cert-manager`. The
//! operator image is the chart's own (its tag follows the chart version); the reference pinned
//! 1.12.1 under chart 1.13.0.

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

/// The Flink operator addon.
pub struct Flink;

impl Addon for Flink {
    type Config = Config;
    const NAME: &'static str = "flink";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Apache Flink Kubernetes operator: FlinkDeployments in watched namespaces";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_flink", "Install the Apache Flink Kubernetes operator")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        problems.extend(check_namespace_list("watch_namespaces", &config.watch_namespaces, "flink-team-a"));
        problems
    }

    fn dependencies() -> Vec<Dependency> {
        vec![Dependency::always(
            "cert_manager",
            "the Flink operator's admission webhook needs a cert-manager certificate",
        )]
    }

    fn plan(config: &Config, _facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let defaults = json!({
            "watchNamespaces": config.watch_namespaces,
            "webhook": { "create": true },
            "operatorPod": {
                "nodeSelector": core_node_selector(),
                "resources": resources("200m", "1Gi", "1", "2Gi"),
            },
        });
        let chart = ChartRef::with_overrides(
            &repository(&config.chart_version),
            Config::CHART,
            &config.chart_version,
            defaults,
            &config.values,
        );
        let release = Release::of_chart("flink", ns, chart)
            // The webhook's Certificate and Issuer need cert-manager's CRDs and controller.
            .depends_on("cert_manager/cert-manager")
            .ready_deployments([OPERATOR])
            .crd_ready("flinkdeployments.flink.apache.org")
            .namespace_objects(&config.watch_namespaces);
        Ok(AddonPlan::new()
            .release(release)
            .note(
                "watch-namespaces",
                format!(
                    "the operator watches {}; each is created with the flink service account",
                    config.watch_namespaces.join(", ")
                ),
            )
            .note(
                "image",
                "operator image left to the chart, so its tag matches the chart version (the reference pinned 1.12.1 \
                 under chart 1.13.0)",
            )
            .note("cert-manager", "installed after cert-manager: the admission webhook's certificate comes from it"))
    }
}

const OPERATOR: &str = "flink-kubernetes-operator";

/// The Apache repository of a chart version: one directory per operator release.
fn repository(version: &str) -> String {
    if version == Config::CHART_VERSION {
        Config::REPOSITORY.to_string()
    } else {
        format!("https://downloads.apache.org/flink/flink-kubernetes-operator-{version}/")
    }
}

export_addon!(Flink);

chart_config! {
    /// The `flink:` block of platform.yaml.
    pub struct Config: chart "flink-kubernetes-operator"
        from "https://downloads.apache.org/flink/flink-kubernetes-operator-1.13.0/" version "1.13.0" {
        chart_version = "Version of the `flink-kubernetes-operator` chart. Apache publishes one repository per\n\
                         release, so the repository URL follows this version.",
        /// Namespace the operator is installed into.
        namespace: "flink-operator",
        values,
        /// Namespaces where Flink jobs run; the operator watches them, the chart gives each the
        /// `flink` service account and RBAC, and this addon creates them. DNS-1123 labels, no
        /// duplicates.
        pub watch_namespaces: Vec<String> = vec!["flink-team-a".into()],
    }
}

#[cfg(test)]
mod tests;
