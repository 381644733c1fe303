//! yunikorn: the built-in addon that installs Apache YuniKorn, a batch scheduler with
//! hierarchical queues and gang scheduling, used by the Spark operator when both are enabled.
//!
//! The default queue configuration (ConfigMap `yunikorn-defaults`, key `queues.yaml`) is one
//! partition whose `root` queue has two children: `default`, a leaf for everything else, and
//! `spark`, the parent of the Spark teams' queues (FIFO inside each). Placement, in order:
//! 1. `provided`: an application naming an existing queue (label `queue` or annotation
//!    `yunikorn.apache.org/queue`) goes there;
//! 2. `tag namespace` under the parent its namespace names (annotation
//!    `yunikorn.apache.org/parentqueue`): a Spark team's namespace, which spark_operator annotates
//!    with parent `root.spark` and its quota (`yunikorn.apache.org/namespace.quota`), gets the
//!    queue `root.spark.<team>`, created on first use with that quota as its maximum;
//! 3. `fixed root.default`.
//!
//! The teams' queues are declared by their namespaces rather than listed here because the team
//! list is spark_operator's configuration, which this addon cannot read (YuniKorn documents this
//! mapping for namespace-owned quotas). `root.default` has no limit: capacity comes from Karpenter.

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
                "queues root.default (catch-all, no limit) and root.spark (parent, FIFO): an application naming an \
                 existing queue is placed there; one in a namespace annotated yunikorn.apache.org/parentqueue (the Spark \
                 teams') gets the queue <parent>.<namespace> with the namespace's quota; others go to root.default",
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
      - name: tag
        value: namespace
        create: true
        parent:
          name: tag
          value: namespace.parentqueue
      - name: fixed
        value: root.default
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: default
          - name: spark
            parent: true
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
