use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(Kafka in enabled();
    info "kafka", [("enable_kafka", true)], [], ["brokers", "controllers", "storage_gib", "kafka_version"];
    deterministic json!({"brokers": 4, "controllers": 1}), enabled());

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
        [("Deployment", "strimzi-cluster-operator"), ("CustomResourceDefinition", "kafkanodepools.kafka.strimzi.io")]
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
        (volume["type"].as_str(), volume["size"].as_str(), volume["class"].as_str(), volume["deleteClaim"].as_bool()),
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
    let diagnostics = dataplat_sdk::runtime::validate::<Kafka>(r#"{"brokers":1}"#, &f);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!((diagnostics[0].severity, diagnostics[0].path.as_str()), (Severity::Warning, "brokers"));
}

#[test]
fn brokers_and_controllers_run_on_their_own_nodepool_spread_over_the_zones() {
    let plan = plan_ok::<Kafka>(&json!({}), &enabled());
    let [request] = plan.node_pools.as_slice() else { panic!("one NodePool request: {:?}", plan.node_pools) };
    assert_eq!(request.name, "kafka");
    assert_eq!(request.capacity_types, [CapacityType::OnDemand], "a broker's loss costs a replica rebuild");
    assert!(!request.single_zone, "spread over the zones");
    assert_eq!(request.labels, [("dataplat.io/pool".to_string(), "kafka".to_string())]);
    let taint = &request.taints[0];
    assert_eq!(
        (taint.key.as_str(), taint.value.as_str(), taint.effect),
        ("dataplat.io/kafka", "true", TaintEffect::NoSchedule)
    );

    let cluster = release(&plan, "cluster");
    let kafka = object(cluster, "Kafka", "kafka");
    assert_eq!(kafka.pointer("/spec/kafka/rack/topologyKey"), Some(&json!("topology.kubernetes.io/zone")));
    for (name, cpu, memory) in [("controller", "500m", "2Gi"), ("broker", "1", "4Gi")] {
        let spec = &pool(cluster, name)["spec"];
        assert_eq!(spec["resources"]["requests"], json!({"cpu": cpu, "memory": memory}), "{name}");
        assert_eq!(spec["resources"]["limits"]["memory"], memory, "{name}");
        let pod = &spec["template"]["pod"];
        let term =
            &pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0];
        assert_eq!(
            term["matchExpressions"][0],
            json!({"key": "dataplat.io/pool", "operator": "In", "values": ["kafka"]})
        );
        assert_eq!(
            pod["tolerations"][0],
            json!({"key": "dataplat.io/kafka", "operator": "Equal", "value": "true", "effect": "NoSchedule"})
        );
        let spread = &pod["topologySpreadConstraints"][0];
        assert_eq!(
            (spread["topologyKey"].as_str(), spread["maxSkew"].as_u64()),
            (Some("topology.kubernetes.io/zone"), Some(1))
        );
        assert_eq!(spread["labelSelector"]["matchLabels"]["strimzi.io/pool-name"], name);
        assert_eq!(spread["whenUnsatisfiable"], "DoNotSchedule");
    }
    let capacity = |plan: &AddonPlan| plan.notes.iter().find(|n| n.topic == "capacity").map(|n| n.text.clone());
    assert!(capacity(&plan).is_some_and(|t| t.contains("rack = zone") && t.contains("each partition in 3 zones")));
    let single = plan_ok::<Kafka>(&json!({"brokers": 1}), &enabled());
    assert!(capacity(&single).is_some_and(|t| t.contains("a zone's loss stops the cluster")));
}
