//! flink: the built-in addon that installs the Apache Flink Kubernetes operator, which runs
//! `FlinkDeployment`s and `FlinkSessionJob`s in the watched namespaces (created by this release).
//!
//! The operator's admission webhook takes its TLS certificate from cert-manager, so the addon
//! always depends on cert_manager and its release waits for `cert_manager/cert-manager`. The
//! operator image is the chart's own (its tag follows the chart version); the reference pinned
//! 1.12.1 under chart 1.13.0.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://downloads.apache.org/flink/flink-kubernetes-operator-1.13.0/";
const CHART: &str = "flink-kubernetes-operator";
const CHART_VERSION: &str = "1.13.0";
const OPERATOR: &str = "flink-kubernetes-operator";

/// The `flink:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace the operator is installed into.
    pub namespace: String,
    /// Version of the `flink-kubernetes-operator` chart. Apache publishes one repository per
    /// release, so the repository URL follows this version.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
    /// Namespaces where Flink jobs run; the operator watches them, the chart gives each the
    /// `flink` service account and RBAC, and this addon creates them. DNS-1123 labels, no
    /// duplicates.
    pub watch_namespaces: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "flink-operator".into(),
            chart_version: CHART_VERSION.into(),
            values: json!({}),
            watch_namespaces: vec!["flink-team-a".into()],
        }
    }
}

/// The Apache repository of a chart version: one directory per operator release.
fn repository(version: &str) -> String {
    if version == CHART_VERSION {
        REPOSITORY.to_string()
    } else {
        format!("https://downloads.apache.org/flink/flink-kubernetes-operator-{version}/")
    }
}

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

    fn dependencies() -> Vec<Dependency> {
        vec![Dependency::always(
            "cert_manager",
            "the Flink operator's admission webhook needs a cert-manager certificate",
        )]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
        if config.watch_namespaces.is_empty() {
            problems.push(
                Diagnostic::error("watch_namespaces", "must list at least one namespace")
                    .hint("watch_namespaces: [flink-team-a]"),
            );
        }
        problems.extend(check_dns1123_labels("watch_namespaces", &config.watch_namespaces));
        problems
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
            CHART,
            &config.chart_version,
            defaults,
            &config.values,
        );
        let mut release = Release::of_chart("flink", ns, chart)
            // The webhook's Certificate and Issuer need cert-manager's CRDs and controller.
            .depends_on("cert_manager/cert-manager")
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), OPERATOR))
            .health(HealthCheck::ready(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                "flinkdeployments.flink.apache.org",
            ));
        for watched in config.watch_namespaces.iter().filter(|n| n.as_str() != ns) {
            release = release.namespace_object(watched);
        }
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

export_addon!(Flink);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

    fn enabled() -> PlatformFacts {
        facts(&["enable_flink", "enable_cert_manager"], &["flink", "cert_manager"])
    }

    #[test]
    fn defaults_plan_the_operator_after_cert_manager() {
        let plan = plan_ok::<Flink>(&json!({}), &enabled());
        let release = release(&plan, "flink");
        assert_eq!(release.namespace, "flink-operator");
        assert_chart(
            release,
            "https://downloads.apache.org/flink/flink-kubernetes-operator-1.13.0/",
            "flink-kubernetes-operator",
            "1.13.0",
        );
        let v = values(release);
        assert_eq!(v["watchNamespaces"], json!(["flink-team-a"]));
        assert_eq!(v.pointer("/operatorPod/nodeSelector"), Some(&json!({"dataplat.io/pool": "core"})));
        assert_eq!(v.pointer("/webhook/create"), Some(&json!(true)));
        assert!(v.get("image").is_none(), "the chart's own image is kept");
        assert_eq!(release.depends_on, ["cert_manager/cert-manager"]);
        object(release, "Namespace", "flink-operator");
        object(release, "Namespace", "flink-team-a");
        assert_eq!(
            health_checks(release),
            [
                ("Deployment", "flink-kubernetes-operator"),
                ("CustomResourceDefinition", "flinkdeployments.flink.apache.org")
            ]
        );
    }

    #[test]
    fn overrides_and_values_merge() {
        let config = json!({
            "chart_version": "1.12.0",
            "watch_namespaces": ["streams", "analytics"],
            "values": {"operatorPod": {"resources": null}, "defaultConfiguration": {"create": true}}
        });
        let plan = plan_ok::<Flink>(&config, &enabled());
        let release = release(&plan, "flink");
        let chart = release.chart.as_ref().expect("chart");
        assert_eq!(chart.repository, "https://downloads.apache.org/flink/flink-kubernetes-operator-1.12.0/");
        let v = values(release);
        assert_eq!(v["watchNamespaces"], json!(["streams", "analytics"]));
        assert!(v.pointer("/operatorPod/resources").is_none());
        assert_eq!(v.pointer("/defaultConfiguration/create"), Some(&json!(true)));
        object(release, "Namespace", "streams");
        object(release, "Namespace", "analytics");
        assert_eq!(objects(release).len(), 3);
    }

    #[test]
    fn validation_errors() {
        let f = enabled();
        let e = error_at::<Flink>(&json!({"watch_namespaces": ["ok", "under_score"]}), &f, "watch_namespaces.1");
        assert!(e.message.contains("DNS-1123"));
        let e = error_at::<Flink>(&json!({"watch_namespaces": ["x", "x"]}), &f, "watch_namespaces.1");
        assert!(e.message.contains("twice"));
        error_at::<Flink>(&json!({"watch_namespaces": []}), &f, "watch_namespaces");
        error_at::<Flink>(&json!({"values": false}), &f, "values");
        assert!(errors::<Flink>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_declares_the_cert_manager_dependency() {
        assert_info::<Flink>(
            "flink",
            &[("enable_flink", true)],
            &["cert_manager"],
            &["namespace", "chart_version", "values", "watch_namespaces"],
        );
        let info = dataplat_sdk::runtime::info::<Flink>();
        assert_eq!(info.dependencies[0].when_flag, None);
        assert!(info.dependencies[0].reason.contains("cert-manager certificate"));
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<Flink>(&json!({"watch_namespaces": ["b", "a"]}), &enabled());
    }
}
