//! kafka: the built-in addon that installs the Strimzi operator and a KRaft Kafka cluster.
//!
//! Two releases: `kafka` (the operator chart, watching its own namespace) and `cluster` (the
//! `Kafka` custom resource `kafka` plus two `KafkaNodePool`s, `controller` and `broker`), which
//! waits for the operator so the CRDs exist. The reference installed node pools without a
//! `Kafka` resource, so nothing ran; here the cluster is real and its health is the `Ready`
//! condition Strimzi sets once brokers and controllers are up.
//!
//! Capacity: brokers and controllers run on a NodePool of their own (`kafka`, on-demand,
//! tainted for Kafka only), spread over the zones one per zone first, with rack awareness on
//! the zone, so the replicas of a partition land in different zones.

use dataplat_sdk::serde_json::{Value, json};
use dataplat_sdk::*;

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
        let mut problems = config.check_chart();
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
                    format!("{:?} is not supported by Strimzi {}", config.kafka_version, Config::CHART_VERSION),
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
        let operator = config
            .chart_release(OPERATOR_RELEASE, defaults)
            .ready_deployments(["strimzi-cluster-operator"])
            .crd_ready("kafkanodepools.kafka.strimzi.io");

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
                    // Each broker's rack is its node's zone: replicas of a partition go to
                    // different zones.
                    "rack": { "topologyKey": ZONE_KEY },
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
            .object(&node_pool("controller", ns, config.controllers, config.storage_gib, ("500m", "2Gi")))
            .object(&node_pool("broker", ns, config.brokers, config.storage_gib, ("1", "4Gi")))
            .health(
                HealthCheck::ready(STRIMZI_API, "Kafka", Some(ns), CLUSTER)
                    .condition("{.status.conditions[?(@.type=='Ready')].status}", "True")
                    .timeout(1200),
            );
        Ok(AddonPlan::new()
            .release(operator)
            .release(cluster)
            .node_pool(capacity())
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
                "capacity",
                format!(
                    "brokers and controllers on NodePool {POOL} (on-demand, taint {}=true:NoSchedule), spread \
                     over the zones (topology spread on {ZONE_KEY}, maxSkew 1) with rack = zone: {}",
                    dedicated_pool_taint(POOL),
                    match factor {
                        1 => "one replica per partition, so a zone's loss stops the cluster".to_string(),
                        _ => format!("replication factor {factor} puts each partition in {factor} zones"),
                    }
                ),
            )
            .note(
                "watch-namespaces",
                "the operator watches only its own namespace (watchNamespaces empty: the chart always adds the \
                 release namespace, so naming it again would duplicate its RoleBinding)",
            ))
    }
}

/// The operator release; the cluster release depends on it.
const OPERATOR_RELEASE: &str = "kafka";
const CLUSTER_RELEASE: &str = "cluster";
/// Name of the `Kafka` resource; Strimzi names the bootstrap Service `<name>-kafka-bootstrap`.
const CLUSTER: &str = "kafka";
const STRIMZI_API: &str = "kafka.strimzi.io/v1beta2";
/// The NodePool of brokers and controllers (its label value; taint `dataplat.io/kafka`).
const POOL: &str = "kafka";
/// The node label of a node's zone: the rack of the brokers on it.
const ZONE_KEY: &str = "topology.kubernetes.io/zone";
/// Kafka versions Strimzi 0.47 supports.
const SUPPORTED_VERSIONS: [&str; 3] = ["3.9.0", "3.9.1", "4.0.0"];

/// Replication settings that the broker count can honour: replication factor up to 3, and
/// `min.insync.replicas` one less, so acks=all producers survive one broker down.
fn replication(brokers: u32) -> (u32, u32) {
    let factor = brokers.min(3);
    (factor, factor.saturating_sub(1).max(1))
}

/// The NodePool request of brokers and controllers: on-demand (a broker's loss costs a replica
/// rebuild), tainted so only Kafka lands there, consolidated only when empty.
fn capacity() -> NodePoolRequest {
    let mut pool = NodePoolRequest::dedicated(POOL);
    pool.consolidation = Consolidation::WhenEmpty;
    pool
}

/// A `KafkaNodePool` of `replicas` nodes with the role `name`, one persistent gp3 JBOD volume,
/// `(cpu, memory)` requested (memory also the limit), on the `kafka` NodePool and spread over
/// the zones.
fn node_pool(name: &str, ns: &str, replicas: u32, storage_gib: u32, (cpu, memory): (&str, &str)) -> Value {
    json!({
        "apiVersion": STRIMZI_API,
        "kind": "KafkaNodePool",
        "metadata": { "name": name, "namespace": ns, "labels": { "strimzi.io/cluster": CLUSTER } },
        "spec": {
            "replicas": replicas,
            "roles": [name],
            "resources": { "requests": { "cpu": cpu, "memory": memory }, "limits": { "memory": memory } },
            "storage": { "type": "jbod", "volumes": [{
                "id": 0,
                "type": "persistent-claim",
                "size": format!("{storage_gib}Gi"),
                "class": "gp3",
                // Data outlives the cluster resource; `disable kafka --purge` (or `down` without --keep-data) removes the claims.
                "deleteClaim": false,
            }]},
            "template": { "pod": {
                "affinity": { "nodeAffinity": { "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{ "matchExpressions": [
                        { "key": CORE_NODE_SELECTOR.0, "operator": "In", "values": [POOL] },
                    ]}],
                }}},
                "tolerations": dedicated_pool_tolerations(POOL),
                "topologySpreadConstraints": [{
                    "maxSkew": 1,
                    "topologyKey": ZONE_KEY,
                    "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": { "matchLabels": { "strimzi.io/cluster": CLUSTER, "strimzi.io/pool-name": name } },
                }],
            }},
        },
    })
}

export_addon!(Kafka);

chart_config! {
    /// The `kafka:` block of platform.yaml.
    pub struct Config: chart "strimzi-kafka-operator" from "oci://quay.io/strimzi-helm" version "0.47.0" {
        /// Namespace of the Strimzi operator and of the Kafka cluster.
        namespace: "kafka",
        values = "Free-form Helm values for the operator chart, deep-merged over the values this plugin\nsets: \
                  objects merge key by key, arrays and scalars replace, `null` deletes a key.",
        /// Number of Kafka brokers.
        #[schemars(range(min = 1, max = 9))]
        pub brokers: u32 = 3,
        /// Number of KRaft controllers; odd, so a majority quorum survives failures.
        #[schemars(range(min = 1, max = 5))]
        pub controllers: u32 = 3,
        /// Size in GiB of each node's persistent gp3 volume (brokers and controllers).
        #[schemars(range(min = 10, max = 16384))]
        pub storage_gib: u32 = 100,
        /// Kafka version; one Strimzi 0.47 supports: 3.9.0, 3.9.1 or 4.0.0.
        pub kafka_version: String = "4.0.0".into(),
    }
}

#[cfg(test)]
mod tests;
