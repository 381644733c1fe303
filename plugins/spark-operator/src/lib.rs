//! spark_operator: the built-in addon that installs the Kubeflow Spark operator, which runs
//! `SparkApplication`s in the configured job namespaces (created by this release).
//!
//! With the yunikorn addon enabled, the operator's batch scheduler integration is switched on
//! with YuniKorn as the default, so Spark drivers and executors are gang-scheduled into queues.
//! Chart keys were checked against the 2.x chart's values.yaml (`controller.batchScheduler.{enable,
//! default}`, `spark.jobNamespaces`, `prometheus.{metrics.enable,podMonitor.create}`); they are
//! unchanged up to 2.4 as far as could be verified offline.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://kubeflow.github.io/spark-operator";
const CHART: &str = "spark-operator";
const CHART_VERSION: &str = "2.4.0";
const RELEASE: &str = "spark-operator";

/// The `spark_operator:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace the operator is installed into.
    pub namespace: String,
    /// Version of the `spark-operator` chart from https://kubeflow.github.io/spark-operator.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key. `fullnameOverride` is fixed:
    /// health checks name the Deployments after it.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
    /// Namespaces where SparkApplications run; each gets the Spark service account and RBAC,
    /// and is created by this addon. DNS-1123 labels, no duplicates.
    pub job_namespaces: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "spark-operator".into(),
            chart_version: CHART_VERSION.into(),
            values: json!({}),
            job_namespaces: vec!["spark-team-a".into()],
        }
    }
}

/// The Spark operator addon.
pub struct SparkOperator;

impl Addon for SparkOperator {
    type Config = Config;
    const NAME: &'static str = "spark_operator";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Kubeflow Spark operator: SparkApplications in job namespaces";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_spark_operator", "Install the Kubeflow Spark operator")]
    }

    fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
        problems.extend(check_reserved_values(&config.values, &["fullnameOverride"], "health checks use it"));
        if config.job_namespaces.is_empty() {
            problems.push(
                Diagnostic::error("job_namespaces", "must list at least one namespace")
                    .hint("job_namespaces: [spark-team-a]"),
            );
        }
        problems.extend(check_dns1123_labels("job_namespaces", &config.job_namespaces));
        if wants_cert_manager(config) && !facts.addon_enabled("cert_manager") {
            problems.push(
                Diagnostic::error(
                    "values.certManager.enable",
                    "the webhook's certificate from cert-manager needs the cert_manager addon (its Issuer and \
                     Certificate CRDs and its controller)",
                )
                .hint("enable_cert_manager: true, or drop certManager.enable to let the webhook sign its own"),
            );
        }
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let core = core_node_selector();
        let monitored = facts.addon_enabled("prometheus");
        let yunikorn = facts.addon_enabled("yunikorn");
        let mut controller = json!({
            "nodeSelector": core,
            "resources": resources("100m", "300Mi", "1", "1Gi"),
        });
        if yunikorn {
            // `default` must be "volcano" or "yunikorn"; applications may still name another.
            controller["batchScheduler"] = json!({ "enable": true, "default": "yunikorn" });
        }
        let defaults = json!({
            "fullnameOverride": RELEASE,
            "controller": controller,
            "webhook": {
                "enable": true,
                "nodeSelector": core,
                "resources": resources("50m", "128Mi", "500m", "512Mi"),
            },
            "spark": { "jobNamespaces": config.job_namespaces },
            "prometheus": {
                "metrics": { "enable": true },
                "podMonitor": { "create": monitored },
            },
        });
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        let mut release = Release::of_chart(RELEASE, ns, chart)
            // The PodMonitor CRD comes with the prometheus release.
            .depends_on_if(monitored, "prometheus/prometheus")
            // Spark pods are admitted and placed by YuniKorn once it is the default scheduler.
            .depends_on_if(yunikorn, "yunikorn/yunikorn")
            // `certManager.enable` renders an Issuer and a Certificate: cert-manager's CRDs (which
            // its chart renders from templates) and controller come first.
            .depends_on_if(wants_cert_manager(config), "cert_manager/cert-manager")
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), &format!("{RELEASE}-controller")))
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), &format!("{RELEASE}-webhook")))
            .health(HealthCheck::ready(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                "sparkapplications.sparkoperator.k8s.io",
            ));
        // The chart creates the Spark service account and RBAC in each job namespace but not
        // the namespace itself. The release namespace already has its object.
        for job_namespace in config.job_namespaces.iter().filter(|n| n.as_str() != ns) {
            release = release.namespace_object(job_namespace);
        }
        let mut plan = AddonPlan::new().release(release).note(
            "job-namespaces",
            format!(
                "SparkApplications run in {}; each is created with its Spark service account",
                config.job_namespaces.join(", ")
            ),
        );
        plan = plan.note(
            "monitoring",
            if monitored {
                "PodMonitor on because prometheus is enabled"
            } else {
                "metrics served on :8080/metrics but no PodMonitor: prometheus is not enabled"
            },
        );
        if yunikorn {
            plan = plan.note(
                "batch-scheduler",
                "batch scheduler on with yunikorn as default because yunikorn is enabled: drivers and executors \
                 are gang-scheduled into YuniKorn queues",
            );
        }
        Ok(plan)
    }
}

/// Whether the user's values switch on the chart's cert-manager certificate for the webhook.
fn wants_cert_manager(config: &Config) -> bool {
    config.values.pointer("/certManager/enable") == Some(&json!(true))
}

export_addon!(SparkOperator);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

    fn alone() -> PlatformFacts {
        facts(&["enable_spark_operator"], &["spark_operator"])
    }

    #[test]
    fn defaults_plan_the_operator_and_job_namespace() {
        let plan = plan_ok::<SparkOperator>(&json!({}), &alone());
        let release = release(&plan, "spark-operator");
        assert_eq!(release.namespace, "spark-operator");
        assert_chart(release, "https://kubeflow.github.io/spark-operator", "spark-operator", "2.4.0");
        let v = values(release);
        assert_eq!(v.pointer("/spark/jobNamespaces"), Some(&json!(["spark-team-a"])));
        assert_eq!(v.pointer("/controller/nodeSelector"), Some(&json!({"dataplat.io/pool": "core"})));
        assert_eq!(v.pointer("/webhook/enable"), Some(&json!(true)));
        assert_eq!(v.pointer("/prometheus/metrics/enable"), Some(&json!(true)));
        assert_eq!(v.pointer("/prometheus/podMonitor/create"), Some(&json!(false)));
        assert!(v.pointer("/controller/batchScheduler").is_none());
        object(release, "Namespace", "spark-operator");
        object(release, "Namespace", "spark-team-a");
        assert_eq!(
            health_checks(release),
            [
                ("Deployment", "spark-operator-controller"),
                ("Deployment", "spark-operator-webhook"),
                ("CustomResourceDefinition", "sparkapplications.sparkoperator.k8s.io")
            ]
        );
        assert!(release.depends_on.is_empty());
        assert!(plan.endpoints.is_empty());
    }

    #[test]
    fn with_yunikorn_the_batch_scheduler_defaults_to_it() {
        let plan = plan_ok::<SparkOperator>(&json!({}), &facts(&[], &["spark_operator", "yunikorn"]));
        let release = release(&plan, "spark-operator");
        let v = values(release);
        assert_eq!(v.pointer("/controller/batchScheduler"), Some(&json!({"enable": true, "default": "yunikorn"})));
        assert_eq!(release.depends_on, ["yunikorn/yunikorn"]);
        assert!(plan.notes.iter().any(|n| n.topic == "batch-scheduler"));
    }

    #[test]
    fn with_prometheus_a_pod_monitor_after_the_prometheus_release() {
        let plan = plan_ok::<SparkOperator>(&json!({}), &facts(&[], &["spark_operator", "prometheus"]));
        let release = release(&plan, "spark-operator");
        assert_eq!(values(release).pointer("/prometheus/podMonitor/create"), Some(&json!(true)));
        assert_eq!(release.depends_on, ["prometheus/prometheus"]);
    }

    #[test]
    fn a_cert_manager_certificate_waits_for_cert_manager_and_needs_it_enabled() {
        let config = json!({"values": {"certManager": {"enable": true}}});
        let plan = plan_ok::<SparkOperator>(&config, &facts(&[], &["spark_operator", "cert_manager"]));
        assert_eq!(release(&plan, "spark-operator").depends_on, ["cert_manager/cert-manager"]);
        let e = error_at::<SparkOperator>(&config, &alone(), "values.certManager.enable");
        assert!(e.message.contains("cert_manager addon"), "{}", e.message);
        assert!(e.hint.as_deref().is_some_and(|h| h.contains("enable_cert_manager: true")));
        let off = json!({"values": {"certManager": {"enable": false}}});
        assert!(plan_ok::<SparkOperator>(&off, &alone()).releases[0].depends_on.is_empty());
    }

    #[test]
    fn overrides_and_values_merge() {
        let config = json!({
            "namespace": "spark",
            "job_namespaces": ["team-a", "team-b", "spark"],
            "values": {"controller": {"workers": 20}, "spark": {"jobNamespaces": ["team-a", "team-b", "spark"]}}
        });
        let plan = plan_ok::<SparkOperator>(&config, &alone());
        let release = release(&plan, "spark-operator");
        let v = values(release);
        assert_eq!(v.pointer("/controller/workers"), Some(&json!(20)));
        assert!(v.pointer("/controller/nodeSelector").is_some());
        let namespaces: Vec<String> = objects(release)
            .iter()
            .filter(|o| o["kind"] == "Namespace")
            .map(|o| o["metadata"]["name"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(namespaces, ["spark", "team-a", "team-b"], "the release namespace appears once");
    }

    #[test]
    fn validation_errors() {
        let f = alone();
        let e = error_at::<SparkOperator>(&json!({"job_namespaces": ["ok", "Not_OK"]}), &f, "job_namespaces.1");
        assert!(e.message.contains("DNS-1123"), "{}", e.message);
        let e = error_at::<SparkOperator>(&json!({"job_namespaces": ["a", "b", "a"]}), &f, "job_namespaces.2");
        assert!(e.message.contains("twice"));
        let e = error_at::<SparkOperator>(&json!({"job_namespaces": []}), &f, "job_namespaces");
        assert_eq!(e.message, "must list at least one namespace");
        error_at::<SparkOperator>(&json!({"job_namespaces": "team-a"}), &f, "job_namespaces");
        error_at::<SparkOperator>(&json!({"values": null}), &f, "values");
        assert!(errors::<SparkOperator>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<SparkOperator>(
            "spark_operator",
            &[("enable_spark_operator", true)],
            &[],
            &["namespace", "chart_version", "values", "job_namespaces"],
        );
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<SparkOperator>(
            &json!({"job_namespaces": ["b", "a"]}),
            &facts(&[], &["spark_operator", "yunikorn", "prometheus"]),
        );
    }
}
