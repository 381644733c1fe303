//! spark_operator: the built-in addon that installs the Kubeflow Spark operator, which runs
//! `SparkApplication`s in the configured job namespaces (created by this release).
//!
//! With the yunikorn addon enabled, the operator's batch scheduler integration is switched on
//! with YuniKorn as the default, so Spark drivers and executors are gang-scheduled into queues.
//! Chart keys were checked against the 2.x chart's values.yaml (`controller.batchScheduler.{enable,
//! default}`, `spark.jobNamespaces`, `prometheus.{metrics.enable,podMonitor.create}`); they are
//! unchanged up to 2.4 as far as could be verified offline.

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

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
        let mut problems = config.check_chart();
        problems.extend(check_reserved_values(&config.values, &["fullnameOverride"], "health checks use it"));
        problems.extend(check_namespace_list("job_namespaces", &config.job_namespaces, "spark-team-a"));
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
        let core = core_node_selector();
        let monitoring = Monitoring::new(facts, "PodMonitor").served_at("on :8080/metrics");
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
                "podMonitor": { "create": monitoring.enabled() },
            },
        });
        let release = config
            .chart_release(RELEASE, defaults)
            // The PodMonitor CRD comes with the prometheus release.
            .monitored_by(&monitoring)
            // Spark pods are admitted and placed by YuniKorn once it is the default scheduler.
            .depends_on_if(yunikorn, "yunikorn/yunikorn")
            // `certManager.enable` renders an Issuer and a Certificate: cert-manager's CRDs (which
            // its chart renders from templates) and controller come first.
            .depends_on_if(wants_cert_manager(config), "cert_manager/cert-manager")
            .ready_deployments([format!("{RELEASE}-controller"), format!("{RELEASE}-webhook")])
            .crd_ready("sparkapplications.sparkoperator.k8s.io")
            // The chart creates the Spark service account and RBAC in each job namespace but not
            // the namespace itself.
            .namespace_objects(&config.job_namespaces);
        let mut plan = AddonPlan::new()
            .release(release)
            .note(
                "job-namespaces",
                format!(
                    "SparkApplications run in {}; each is created with its Spark service account",
                    config.job_namespaces.join(", ")
                ),
            )
            .monitoring_note(&monitoring);
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

const RELEASE: &str = "spark-operator";

export_addon!(SparkOperator);

chart_config! {
    /// The `spark_operator:` block of platform.yaml.
    pub struct Config: chart "spark-operator" from "https://kubeflow.github.io/spark-operator" version "2.4.0" {
        /// Namespace the operator is installed into.
        namespace: "spark-operator",
        /// `fullnameOverride` is fixed:
        /// health checks name the Deployments after it.
        values,
        /// Namespaces where SparkApplications run; each gets the Spark service account and RBAC,
        /// and is created by this addon. DNS-1123 labels, no duplicates.
        pub job_namespaces: Vec<String> = vec!["spark-team-a".into()],
    }
}

#[cfg(test)]
mod tests;
