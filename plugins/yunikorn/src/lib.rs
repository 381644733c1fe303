//! yunikorn: the built-in addon that installs Apache YuniKorn, a batch scheduler with
//! hierarchical queues and gang scheduling, used by the Spark operator when both are enabled.
//!
//! The default queue configuration (ConfigMap `yunikorn-defaults`, key `queues.yaml`) is one
//! partition whose `root` queue has two children: `default` for everything, and `spark` for
//! Spark applications. An application that names an existing queue (label or annotation
//! `yunikorn.apache.org/queue: root.spark`) is placed there (`provided` rule); anything else
//! lands in `root.default` (`fixed` rule). Neither queue has limits: capacity comes from
//! Karpenter, and the queues exist for ordering and fairness (FIFO inside `spark`).

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

/// The YuniKorn addon.
pub struct Yunikorn;

impl Addon for Yunikorn {
    type Config = Config;
    const NAME: &'static str = "yunikorn";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Apache YuniKorn: batch scheduler with queues and gang scheduling";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_yunikorn", "Install the Apache YuniKorn scheduler")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        config.check_chart()
    }

    fn plan(config: &Config, _facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let core = core_node_selector();
        let defaults = json!({
            "nodeSelector": core,
            "service": { "type": "ClusterIP" },
            "admissionController": { "nodeSelector": core },
            "yunikornDefaults": { "queues.yaml": QUEUES_YAML },
        });
        let release = config
            .chart_release("yunikorn", defaults)
            .ready_deployments(["yunikorn-scheduler", "yunikorn-admission-controller"]);
        Ok(AddonPlan::new()
            .release(release)
            .endpoint(Endpoint::new(
                "yunikorn",
                "web",
                format!("http://{SERVICE}.{ns}.svc:9889"),
                "YuniKorn web UI (queues, applications, nodes)",
            ))
            .endpoint(Endpoint::new(
                "yunikorn",
                "metrics",
                format!("http://{SERVICE}.{ns}.svc:9080/ws/v1/metrics"),
                "YuniKorn scheduler metrics in Prometheus format",
            ))
            .note(
                "queues",
                "queues root.default (catch-all) and root.spark (FIFO); an application naming an existing queue is \
                 placed there, others go to root.default; no limits, Karpenter provides capacity",
            ))
    }
}

/// The Service the chart creates: 9080 REST API and metrics, 9889 web UI.
const SERVICE: &str = "yunikorn-service";

/// The default queue configuration (see the module doc).
const QUEUES_YAML: &str = "\
partitions:
  - name: default
    placementrules:
      - name: provided
        create: false
      - name: fixed
        value: root.default
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: default
          - name: spark
            properties:
              application.sort.policy: fifo
";

export_addon!(Yunikorn);

chart_config! {
    /// The `yunikorn:` block of platform.yaml.
    pub struct Config: chart "yunikorn" from "https://apache.github.io/yunikorn-release" version "1.7.0" {
        /// Namespace YuniKorn is installed into.
        namespace: "yunikorn-system",
        /// Replace the queue layout with
        /// `values.yunikornDefaults."queues.yaml"`.
        values,
    }
}

#[cfg(test)]
mod tests;
