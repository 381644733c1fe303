//! kafka: the built-in addon that installs the Strimzi operator and a KRaft Kafka cluster.
//!
//! Two releases: `kafka` (the operator chart, watching its own namespace) and `cluster` (the
//! `Kafka` custom resource `kafka` plus two `KafkaNodePool`s, `controller` and `broker`), which
//! waits for the operator so the CRDs exist. The reference installed node pools without a
//! `Kafka` resource, so nothing ran; here the cluster is real and its health is the `Ready`
//! condition Strimzi sets once brokers and controllers are up.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::{Value, json};
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "oci://quay.io/strimzi-helm";
const CHART: &str = "strimzi-kafka-operator";
const CHART_VERSION: &str = "0.47.0";
/// The operator release; the cluster release depends on it.
const OPERATOR_RELEASE: &str = "kafka";
const CLUSTER_RELEASE: &str = "cluster";
/// Name of the `Kafka` resource; Strimzi names the bootstrap Service `<name>-kafka-bootstrap`.
const CLUSTER: &str = "kafka";
const STRIMZI_API: &str = "kafka.strimzi.io/v1beta2";
/// Kafka versions Strimzi 0.47 supports.
const SUPPORTED_VERSIONS: [&str; 3] = ["3.9.0", "3.9.1", "4.0.0"];

/// The `kafka:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace of the Strimzi operator and of the Kafka cluster.
    pub namespace: String,
    /// Version of the `strimzi-kafka-operator` chart from oci://quay.io/strimzi-helm.
    pub chart_version: String,
    /// Free-form Helm values for the operator chart, deep-merged over the values this plugin
    /// sets: objects merge key by key, arrays and scalars replace, `null` deletes a key.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
    /// Number of Kafka brokers.
    #[schemars(range(min = 1, max = 9))]
    pub brokers: u32,
    /// Number of KRaft controllers; odd, so a majority quorum survives failures.
    #[schemars(range(min = 1, max = 5))]
    pub controllers: u32,
    /// Size in GiB of each node's persistent gp3 volume (brokers and controllers).
    #[schemars(range(min = 10, max = 16384))]
    pub storage_gib: u32,
    /// Kafka version; one Strimzi 0.47 supports: 3.9.0, 3.9.1 or 4.0.0.
    pub kafka_version: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "kafka".into(),
            chart_version: CHART_VERSION.into(),
            values: json!({}),
            brokers: 3,
            controllers: 3,
            storage_gib: 100,
            kafka_version: "4.0.0".into(),
        }
    }
}

/// Replication settings that the broker count can honour: replication factor up to 3, and
/// `min.insync.replicas` one less, so acks=all producers survive one broker down.
fn replication(brokers: u32) -> (u32, u32) {
    let factor = brokers.min(3);
    (factor, factor.saturating_sub(1).max(1))
}

/// A `KafkaNodePool` of `replicas` nodes with `roles` and one persistent gp3 JBOD volume.
fn node_pool(name: &str, ns: &str, replicas: u32, role: &str, storage_gib: u32) -> Value {
    json!({
        "apiVersion": STRIMZI_API,
        "kind": "KafkaNodePool",
        "metadata": { "name": name, "namespace": ns, "labels": { "strimzi.io/cluster": CLUSTER } },
        "spec": {
            "replicas": replicas,
            "roles": [role],
            "storage": { "type": "jbod", "volumes": [{
                "id": 0,
                "type": "persistent-claim",
                "size": format!("{storage_gib}Gi"),
                "class": "gp3",
                // Data outlives the cluster resource; `disable kafka --purge` (or `down` without --keep-data) removes the claims.
                "deleteClaim": false,
            }]},
        },
    })
}

/// The Kafka addon.
pub struct Kafka;

impl Addon for Kafka {
    type Config = Config;
    const NAME: &'static str = "kafka";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Apache Kafka in KRaft mode, run by the Strimzi operator";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_kafka", "Install the Strimzi operator and a KRaft Kafka cluster")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
        problems.extend(check_range("brokers", config.brokers, 1..=9));
        problems.extend(check_range("controllers", config.controllers, 1..=5));
        problems.extend(check_range("storage_gib", config.storage_gib, 10..=16384));
        if config.controllers.is_multiple_of(2) {
            problems.push(Diagnostic::error("controllers", format!("must be odd, not {}", config.controllers)).hint(
                "KRaft needs a majority of controllers: 3 tolerate one failure, 5 tolerate two; an even count \
                     adds cost without tolerating more",
            ));
        }
        if !SUPPORTED_VERSIONS.contains(&config.kafka_version.as_str()) {
            problems.push(
                Diagnostic::error(
                    "kafka_version",
                    format!("{:?} is not supported by Strimzi {CHART_VERSION}", config.kafka_version),
                )
                .hint(format!("use one of {}", SUPPORTED_VERSIONS.join(", "))),
            );
        }
        if config.brokers == 1 {
            problems.push(
                Diagnostic::warning("brokers", "a single broker has no replication: its loss stops the cluster")
                    .hint("brokers: 3"),
            );
        }
        problems
    }

    fn plan(config: &Config, _facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let defaults = json!({
            // The operator always watches its own namespace, where the cluster lives; the chart
            // adds a RoleBinding per entry here on top, so listing it again would duplicate one.
            "watchNamespaces": [],
            "nodeSelector": core_node_selector(),
            "resources": resources("200m", "384Mi", "1", "384Mi"),
        });
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        let operator = Release::of_chart(OPERATOR_RELEASE, ns, chart)
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), "strimzi-cluster-operator"))
            .health(HealthCheck::ready(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                "kafkanodepools.kafka.strimzi.io",
            ));

        let (factor, min_insync) = replication(config.brokers);
        let kafka = json!({
            "apiVersion": STRIMZI_API,
            "kind": "Kafka",
            "metadata": {
                "name": CLUSTER,
                "namespace": ns,
                "annotations": { "strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled" },
            },
            "spec": {
                "kafka": {
                    "version": config.kafka_version,
                    "listeners": [
                        { "name": "plain", "port": 9092, "type": "internal", "tls": false },
                        { "name": "tls", "port": 9093, "type": "internal", "tls": true },
                    ],
                    "config": {
                        "default.replication.factor": factor,
                        "offsets.topic.replication.factor": factor,
                        "transaction.state.log.replication.factor": factor,
                        "transaction.state.log.min.isr": min_insync,
                        "min.insync.replicas": min_insync,
                    },
                },
                "entityOperator": { "topicOperator": {}, "userOperator": {} },
            },
        });
        // The namespace object belongs to the operator release, which this one waits for.
        let cluster = Release::new(CLUSTER_RELEASE, ns)
            .depends_on(OPERATOR_RELEASE)
            .object(&kafka)
            .object(&node_pool("controller", ns, config.controllers, "controller", config.storage_gib))
            .object(&node_pool("broker", ns, config.brokers, "broker", config.storage_gib))
            .health(
                HealthCheck::ready(STRIMZI_API, "Kafka", Some(ns), CLUSTER)
                    .condition("{.status.conditions[?(@.type=='Ready')].status}", "True")
                    .timeout(1200),
            );
        Ok(AddonPlan::new()
            .release(operator)
            .release(cluster)
            .endpoint(Endpoint::new(
                "kafka",
                "bootstrap",
                format!("{CLUSTER}-kafka-bootstrap.{ns}.svc:9092"),
                "Kafka bootstrap servers, plaintext listener inside the cluster",
            ))
            .endpoint(Endpoint::new(
                "kafka",
                "bootstrap-tls",
                format!("{CLUSTER}-kafka-bootstrap.{ns}.svc:9093"),
                "Kafka bootstrap servers, TLS listener inside the cluster (CA in Secret kafka-cluster-ca-cert)",
            ))
            .note(
                "cluster",
                format!(
                    "KRaft cluster {CLUSTER} (Kafka {}): {} broker(s) and {} controller(s), each with a {} GiB gp3 \
                     volume kept when the cluster is deleted",
                    config.kafka_version, config.brokers, config.controllers, config.storage_gib
                ),
            )
            .note(
                "replication",
                format!(
                    "replication factor {factor} (at most 3, at most the {} broker(s)) and min.insync.replicas \
                     {min_insync} (one less, at least 1): acks=all writes go on with one replica down",
                    config.brokers
                ),
            )
            .note(
                "watch-namespaces",
                "the operator watches only its own namespace (watchNamespaces empty: the chart always adds the \
                 release namespace, so naming it again would duplicate its RoleBinding)",
            ))
    }
}

export_addon!(Kafka);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

    fn enabled() -> PlatformFacts {
        facts(&["enable_kafka"], &["kafka"])
    }

    fn pool(release: &Release, name: &str) -> Value {
        object(release, "KafkaNodePool", name)
    }

    #[test]
    fn defaults_plan_the_operator_and_a_kraft_cluster() {
        let plan = plan_ok::<Kafka>(&json!({}), &enabled());
        assert_eq!(plan.releases.len(), 2);
        let operator = release(&plan, "kafka");
        assert_eq!(operator.namespace, "kafka");
        assert_chart(operator, "oci://quay.io/strimzi-helm", "strimzi-kafka-operator", "0.47.0");
        let v = values(operator);
        assert_eq!(v["watchNamespaces"], json!([]));
        assert_eq!(v["nodeSelector"], json!({"dataplat.io/pool": "core"}));
        object(operator, "Namespace", "kafka");
        assert_eq!(
            health_checks(operator),
            [
                ("Deployment", "strimzi-cluster-operator"),
                ("CustomResourceDefinition", "kafkanodepools.kafka.strimzi.io")
            ]
        );

        let cluster = release(&plan, "cluster");
        assert_eq!(cluster.namespace, "kafka");
        assert!(cluster.chart.is_none());
        assert_eq!(cluster.depends_on, ["kafka"]);
        let kafka = object(cluster, "Kafka", "kafka");
        assert_eq!(kafka["apiVersion"], "kafka.strimzi.io/v1beta2");
        assert_eq!(kafka.pointer("/metadata/annotations/strimzi.io~1node-pools"), Some(&json!("enabled")));
        assert_eq!(kafka.pointer("/metadata/annotations/strimzi.io~1kraft"), Some(&json!("enabled")));
        assert_eq!(kafka.pointer("/spec/kafka/version"), Some(&json!("4.0.0")));
        let listeners = &kafka["spec"]["kafka"]["listeners"];
        assert_eq!(listeners[0], json!({"name": "plain", "port": 9092, "type": "internal", "tls": false}));
        assert_eq!(listeners[1], json!({"name": "tls", "port": 9093, "type": "internal", "tls": true}));
        assert!(kafka.pointer("/spec/entityOperator/topicOperator").is_some());
        let config = &kafka["spec"]["kafka"]["config"];
        assert_eq!(config["default.replication.factor"], 3);
        assert_eq!(config["min.insync.replicas"], 2);

        let controller = pool(cluster, "controller");
        assert_eq!(controller["spec"]["roles"], json!(["controller"]));
        assert_eq!(controller["spec"]["replicas"], 3);
        assert_eq!(controller.pointer("/metadata/labels/strimzi.io~1cluster"), Some(&json!("kafka")));
        let broker = pool(cluster, "broker");
        assert_eq!(broker["spec"]["roles"], json!(["broker"]));
        assert_eq!(broker["spec"]["replicas"], 3);
        let volume = &broker["spec"]["storage"]["volumes"][0];
        assert_eq!(broker["spec"]["storage"]["type"], "jbod");
        assert_eq!(
            (
                volume["type"].as_str(),
                volume["size"].as_str(),
                volume["class"].as_str(),
                volume["deleteClaim"].as_bool()
            ),
            (Some("persistent-claim"), Some("100Gi"), Some("gp3"), Some(false))
        );
        assert!(objects(cluster).iter().all(|o| o["kind"] != "Namespace"), "the operator release owns it");

        let ready = &cluster.health_checks[0];
        assert_eq!((ready.kind.as_str(), ready.name.as_str()), ("Kafka", "kafka"));
        assert_eq!(ready.json_path.as_deref(), Some("{.status.conditions[?(@.type=='Ready')].status}"));
        assert_eq!(ready.expected.as_deref(), Some("True"));
        assert_eq!(
            endpoints(&plan),
            [
                ("bootstrap", "kafka-kafka-bootstrap.kafka.svc:9092"),
                ("bootstrap-tls", "kafka-kafka-bootstrap.kafka.svc:9093")
            ]
        );
    }

    #[test]
    fn replication_follows_the_broker_count() {
        assert_eq!(replication(1), (1, 1));
        assert_eq!(replication(2), (2, 1));
        assert_eq!(replication(3), (3, 2));
        assert_eq!(replication(9), (3, 2));
        for brokers in 2..=9 {
            let (factor, min_insync) = replication(brokers);
            assert!(factor <= brokers && min_insync < factor && min_insync < brokers, "{brokers}");
        }
        let plan = plan_ok::<Kafka>(&json!({"brokers": 2}), &enabled());
        let kafka = object(release(&plan, "cluster"), "Kafka", "kafka");
        assert_eq!(kafka["spec"]["kafka"]["config"]["offsets.topic.replication.factor"], 2);
        assert_eq!(kafka["spec"]["kafka"]["config"]["transaction.state.log.min.isr"], 1);
    }

    #[test]
    fn overrides_and_values_merge() {
        let config = json!({
            "namespace": "streaming",
            "brokers": 5,
            "controllers": 5,
            "storage_gib": 500,
            "kafka_version": "3.9.1",
            "values": {"logLevel": "DEBUG", "resources": {"limits": {"memory": "1Gi"}}}
        });
        let plan = plan_ok::<Kafka>(&config, &enabled());
        let operator = release(&plan, "kafka");
        object(operator, "Namespace", "streaming");
        let v = values(operator);
        assert_eq!(v["logLevel"], "DEBUG");
        assert_eq!(v.pointer("/resources/limits/memory"), Some(&json!("1Gi")));
        assert_eq!(v.pointer("/resources/requests/cpu"), Some(&json!("200m")));
        let cluster = release(&plan, "cluster");
        assert_eq!(object(cluster, "Kafka", "kafka").pointer("/spec/kafka/version"), Some(&json!("3.9.1")));
        assert_eq!(pool(cluster, "broker")["spec"]["replicas"], 5);
        assert_eq!(pool(cluster, "controller")["spec"]["replicas"], 5);
        assert_eq!(pool(cluster, "controller").pointer("/spec/storage/volumes/0/size"), Some(&json!("500Gi")));
        assert_eq!(plan.endpoints[0].url, "kafka-kafka-bootstrap.streaming.svc:9092");
    }

    #[test]
    fn validation_errors() {
        let f = enabled();
        let e = error_at::<Kafka>(&json!({"controllers": 4}), &f, "controllers");
        assert_eq!(e.message, "must be odd, not 4");
        assert!(e.hint.as_deref().unwrap_or("").contains("majority"));
        let e = error_at::<Kafka>(&json!({"kafka_version": "3.8.0"}), &f, "kafka_version");
        assert!(e.message.contains("not supported"));
        assert_eq!(e.hint.as_deref(), Some("use one of 3.9.0, 3.9.1, 4.0.0"));
        let e = error_at::<Kafka>(&json!({"brokers": 10}), &f, "brokers");
        assert_eq!(e.message, "10 is out of range: must be 1 to 9");
        error_at::<Kafka>(&json!({"controllers": 7}), &f, "controllers");
        error_at::<Kafka>(&json!({"storage_gib": 1}), &f, "storage_gib");
        error_at::<Kafka>(&json!({"values": 3}), &f, "values");
        let diagnostics = dataplat_sdk::runtime::validate::<Kafka>(r#"{"brokers":1}"#, &f);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!((diagnostics[0].severity, diagnostics[0].path.as_str()), (Severity::Warning, "brokers"));
        assert!(errors::<Kafka>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<Kafka>(
            "kafka",
            &[("enable_kafka", true)],
            &[],
            &["namespace", "chart_version", "values", "brokers", "controllers", "storage_gib", "kafka_version"],
        );
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<Kafka>(&json!({"brokers": 4, "controllers": 1}), &enabled());
    }
}
