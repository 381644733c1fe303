//! yunikorn: the built-in addon that installs Apache YuniKorn, a batch scheduler with
//! hierarchical queues and gang scheduling, used by the Spark operator when both are enabled.
//!
//! The default queue configuration (ConfigMap `yunikorn-defaults`, key `queues.yaml`) is one
//! partition whose `root` queue has two children: `default` for everything, and `spark` for
//! Spark applications. An application that names an existing queue (label or annotation
//! `yunikorn.apache.org/queue: root.spark`) is placed there (`provided` rule); anything else
//! lands in `root.default` (`fixed` rule). Neither queue has limits: capacity comes from
//! Karpenter, and the queues exist for ordering and fairness (FIFO inside `spark`).

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://apache.github.io/yunikorn-release";
const CHART: &str = "yunikorn";
const CHART_VERSION: &str = "1.7.0";
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

/// The `yunikorn:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace YuniKorn is installed into.
    pub namespace: String,
    /// Version of the `yunikorn` chart from https://apache.github.io/yunikorn-release.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key. Replace the queue layout with
    /// `values.yunikornDefaults."queues.yaml"`.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
}

impl Default for Config {
    fn default() -> Self {
        Config { namespace: "yunikorn-system".into(), chart_version: CHART_VERSION.into(), values: json!({}) }
    }
}

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
        check_chart_settings(&config.namespace, &config.chart_version, &config.values)
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
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        let release = Release::of_chart("yunikorn", ns, chart)
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), "yunikorn-scheduler"))
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), "yunikorn-admission-controller"));
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

export_addon!(Yunikorn);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

    fn alone() -> PlatformFacts {
        facts(&["enable_yunikorn"], &["yunikorn"])
    }

    #[test]
    fn defaults_plan_the_scheduler_with_queues() {
        let plan = plan_ok::<Yunikorn>(&json!({}), &alone());
        let release = release(&plan, "yunikorn");
        assert_eq!(release.namespace, "yunikorn-system");
        assert_chart(release, "https://apache.github.io/yunikorn-release", "yunikorn", "1.7.0");
        let v = values(release);
        let core = json!({"dataplat.io/pool": "core"});
        assert_eq!(v.get("nodeSelector"), Some(&core));
        assert_eq!(v.pointer("/admissionController/nodeSelector"), Some(&core));
        let queues = v["yunikornDefaults"]["queues.yaml"].as_str().expect("queues.yaml");
        for needle in ["- name: root", "- name: default", "- name: spark", "name: provided", "value: root.default"] {
            assert!(queues.contains(needle), "{needle}");
        }
        object(release, "Namespace", "yunikorn-system");
        assert_eq!(
            health_checks(release),
            [("Deployment", "yunikorn-scheduler"), ("Deployment", "yunikorn-admission-controller")]
        );
        let endpoints = endpoints(&plan);
        assert_eq!(
            endpoints,
            [
                ("web", "http://yunikorn-service.yunikorn-system.svc:9889"),
                ("metrics", "http://yunikorn-service.yunikorn-system.svc:9080/ws/v1/metrics")
            ]
        );
    }

    #[test]
    fn overrides_and_values_merge() {
        let config =
            json!({"namespace": "scheduling", "values": {"yunikornDefaults": {"service.schedulingInterval": "2s"}}});
        let plan = plan_ok::<Yunikorn>(&config, &alone());
        let release = release(&plan, "yunikorn");
        object(release, "Namespace", "scheduling");
        let v = values(release);
        assert_eq!(v.pointer("/yunikornDefaults/service.schedulingInterval"), Some(&json!("2s")));
        assert!(v["yunikornDefaults"]["queues.yaml"].is_string(), "defaults kept beside the override");
        assert_eq!(plan.endpoints[0].url, "http://yunikorn-service.scheduling.svc:9889");
    }

    #[test]
    fn validation_errors() {
        let f = alone();
        error_at::<Yunikorn>(&json!({"namespace": ""}), &f, "namespace");
        error_at::<Yunikorn>(&json!({"values": [1]}), &f, "values");
        error_at::<Yunikorn>(&json!({"queues": {}}), &f, "queues");
        assert!(errors::<Yunikorn>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<Yunikorn>(
            "yunikorn",
            &[("enable_yunikorn", true)],
            &[],
            &["namespace", "chart_version", "values"],
        );
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<Yunikorn>(&json!({}), &alone());
    }
}
