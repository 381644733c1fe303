use super::*;
use dataplat_sdk::k8s_openapi::api::apps::v1::Deployment;
use dataplat_sdk::serde_json::{Value, json};
use dataplat_sdk::testing::*;
use std::collections::BTreeMap;

/// Trino and cert-manager, which it always depends on (for `https`, on by default).
fn enabled() -> PlatformFacts {
    facts(&["enable_trino", "enable_cert_manager"], &["trino", "cert_manager"])
}

fn with_cert_manager() -> PlatformFacts {
    enabled()
}

/// Trino without cert-manager: a platform file whose dependency check was bypassed.
fn without_cert_manager() -> PlatformFacts {
    facts(&["enable_trino"], &["trino"])
}

/// Every Trino property the plugin can emit, with the Trino 477 class (or, for plugin-loaded
/// names, the component) that defines it.
const PROPERTIES: &[(&str, &str)] = &[
    ("coordinator", "io.trino.server.ServerConfig"),
    ("node-scheduler.include-coordinator", "io.trino.execution.scheduler.NodeSchedulerConfig"),
    ("http-server.http.port", "io.airlift.http.server.HttpServerConfig"),
    ("http-server.https.enabled", "io.airlift.http.server.HttpServerConfig"),
    ("http-server.https.port", "io.airlift.http.server.HttpServerConfig"),
    ("http-server.https.keystore.path", "io.airlift.http.server.HttpServerConfig"),
    ("http-server.authentication.type", "io.trino.server.security.SecurityConfig"),
    ("internal-communication.shared-secret", "io.trino.server.InternalCommunicationConfig"),
    ("discovery.uri", "io.airlift.discovery.client.DiscoveryClientConfig"),
    ("query.max-memory", "io.trino.memory.MemoryManagerConfig"),
    ("query.max-memory-per-node", "io.trino.memory.NodeMemoryConfig"),
    ("memory.heap-headroom-per-node", "io.trino.memory.NodeMemoryConfig"),
    ("query.max-execution-time", "io.trino.execution.QueryManagerConfig"),
    ("query.max-history", "io.trino.execution.QueryManagerConfig"),
    ("retry-policy", "io.trino.execution.QueryManagerConfig"),
    ("query-manager.required-workers", "io.trino.execution.QueryManagerConfig"),
    ("query-manager.required-workers-max-wait", "io.trino.execution.QueryManagerConfig"),
    ("exchange.compression-codec", "io.trino.FeaturesConfig"),
    ("shutdown.grace-period", "io.trino.server.ServerConfig"),
    ("node.environment", "io.airlift.node.NodeConfig"),
    ("node.data-dir", "io.airlift.node.NodeConfig"),
    ("plugin.dir", "io.trino.server.ServerPluginsProviderConfig"),
    ("io.trino", "io.airlift.log.Logging (log.properties: logger name = level)"),
    ("access-control.name", "io.trino.security.AccessControlManager"),
    ("security.config-file", "io.trino.plugin.base.security.FileBasedAccessControlConfig"),
    ("exchange-manager.name", "io.trino.exchange.ExchangeManagerRegistry"),
    ("exchange.base-directories", "io.trino.plugin.exchange.filesystem.FileSystemExchangeConfig"),
    ("exchange.s3.region", "io.trino.plugin.exchange.filesystem.s3.ExchangeS3Config"),
    ("exchange.s3.endpoint", "io.trino.plugin.exchange.filesystem.s3.ExchangeS3Config"),
    ("exchange.s3.max-error-retries", "io.trino.plugin.exchange.filesystem.s3.ExchangeS3Config"),
    ("exchange.s3.upload.part-size", "io.trino.plugin.exchange.filesystem.s3.ExchangeS3Config"),
    ("password-authenticator.name", "io.trino.server.security.PasswordAuthenticatorManager"),
    ("file.password-file", "io.trino.plugin.password.file.FileConfig"),
    ("connector.name", "io.trino.connector.StaticCatalogManager"),
    ("hive.metastore", "io.trino.plugin.hive.metastore.MetastoreTypeConfig"),
    ("hive.metastore.glue.region", "io.trino.plugin.hive.metastore.glue.GlueHiveMetastoreConfig"),
    ("hive.metastore.glue.default-warehouse-dir", "io.trino.plugin.hive.metastore.glue.GlueHiveMetastoreConfig"),
    ("hive.security", "io.trino.plugin.hive.security.HiveSecurityModule (SecurityConfig)"),
    ("fs.native-s3.enabled", "io.trino.filesystem.manager.FileSystemConfig"),
    ("s3.region", "io.trino.filesystem.s3.S3FileSystemConfig"),
    ("iceberg.catalog.type", "io.trino.plugin.iceberg.CatalogType via IcebergConfig"),
    ("iceberg.file-format", "io.trino.plugin.iceberg.IcebergConfig"),
    ("iceberg.unique-table-location", "io.trino.plugin.iceberg.IcebergConfig"),
    ("iceberg.register-table-procedure.enabled", "io.trino.plugin.iceberg.IcebergConfig"),
    ("tpch.splits-per-node", "io.trino.plugin.tpch.TpchConnectorFactory"),
    ("tpcds.splits-per-node", "io.trino.plugin.tpcds.TpcdsConnectorFactory"),
    ("kafka.nodes", "io.trino.plugin.kafka.KafkaConfig"),
    ("kafka.default-schema", "io.trino.plugin.kafka.KafkaConfig"),
    ("kafka.table-description-supplier", "io.trino.plugin.kafka.KafkaConfig"),
    ("kafka.hide-internal-columns", "io.trino.plugin.kafka.KafkaConfig"),
    ("kafka.table-names", "io.trino.plugin.kafka.schema.file.FileTableDescriptionSupplierConfig"),
];

fn config_maps(plan: &AddonPlan) -> Vec<Value> {
    objects(release(plan, "trino")).into_iter().filter(|o| o["kind"] == "ConfigMap").collect()
}

/// `key -> value` of a properties file.
fn parse(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("not a property line: {l}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn file(plan: &AddonPlan, map: &str, name: &str) -> BTreeMap<String, String> {
    let cm = object(release(plan, "trino"), "ConfigMap", map);
    let text = cm["data"][name].as_str().unwrap_or_else(|| panic!("no {name} in {map}"));
    parse(text).into_iter().collect()
}

#[test]
fn defaults_plan_every_object() {
    let plan = plan_ok::<Trino>(&json!({}), &enabled());
    assert_eq!(plan.releases.len(), 1);
    let r = release(&plan, "trino");
    assert_eq!(r.namespace, "trino");
    assert!(r.chart.is_none());
    let kinds: Vec<(String, String)> = objects(r)
        .iter()
        .map(|o| {
            (o["kind"].as_str().unwrap_or("").to_string(), o["metadata"]["name"].as_str().unwrap_or("").to_string())
        })
        .collect();
    let expected = [
        ("Namespace", "trino"),
        ("ServiceAccount", "trino"),
        ("ConfigMap", "trino-coordinator"),
        ("ConfigMap", "trino-worker"),
        ("ConfigMap", "trino-catalog"),
        ("Deployment", "trino-coordinator"),
        ("Service", "trino"),
        ("Deployment", "trino-worker"),
        ("Service", "trino-worker"),
        ("PodDisruptionBudget", "trino-coordinator"),
        ("NetworkPolicy", "trino"),
        // https is on by default: the platform CA and the coordinator's certificate.
        ("Issuer", "trino-selfsigned"),
        ("Certificate", "trino-ca"),
        ("Issuer", "trino-ca"),
        ("Certificate", "trino-tls"),
    ];
    assert_eq!(kinds, expected.map(|(k, n)| (k.to_string(), n.to_string())));
    for o in objects(r) {
        assert_eq!(o.pointer("/metadata/labels/app.kubernetes.io~1name"), Some(&json!("trino")), "{o}");
        assert_eq!(o.pointer("/metadata/labels/app.kubernetes.io~1managed-by"), Some(&json!("kubectl-dataplat")));
        if o["kind"] != "Namespace" {
            assert_eq!(o["metadata"]["namespace"], "trino", "{o}");
        }
    }
    assert_eq!(
        health_checks(r),
        [("Deployment", "trino-coordinator"), ("Deployment", "trino-worker"), ("Certificate", "trino-tls")]
    );

    // Config files.
    for map in ["trino-coordinator", "trino-worker"] {
        let cm = object(r, "ConfigMap", map);
        let keys: Vec<&str> = cm["data"].as_object().expect("data").keys().map(String::as_str).collect();
        let mut expected =
            vec!["config.properties", "exchange-manager.properties", "jvm.config", "log.properties", "node.properties"];
        if map == "trino-worker" {
            expected.insert(0, "access-control.properties");
            expected.insert(3, "graceful-shutdown-rules.json");
        } else {
            // https (the default): password authentication on the coordinator.
            expected.push("password-authenticator.properties");
        }
        assert_eq!(keys, expected);
        assert!(cm["data"]["jvm.config"].as_str().unwrap_or("").contains("-Xmx90G\n"));
        let exchange = file(&plan, map, "exchange-manager.properties");
        assert_eq!(exchange["exchange-manager.name"], "filesystem");
        assert_eq!(exchange["exchange.base-directories"], "s3://${bucket:exchange}");
        assert_eq!(exchange["exchange.s3.region"], "us-west-2");
    }
    let coordinator = file(&plan, "trino-coordinator", "config.properties");
    assert_eq!(coordinator["coordinator"], "true");
    assert_eq!(coordinator["node-scheduler.include-coordinator"], "false");
    assert_eq!(coordinator["retry-policy"], "TASK");
    assert_eq!(coordinator["exchange.compression-codec"], "LZ4");
    assert_eq!(coordinator["query.max-memory-per-node"], "58GB");
    assert_eq!(coordinator["memory.heap-headroom-per-node"], "14GB");
    assert_eq!(coordinator["query.max-memory"], "58GB");
    assert_eq!(coordinator["discovery.uri"], "http://trino.trino.svc:8080");
    assert_eq!(coordinator["http-server.authentication.type"], "PASSWORD");
    assert_eq!(coordinator["http-server.https.enabled"], "true");
    assert!(!coordinator.contains_key("exchange.compression-enabled"), "deprecated alias");
    let worker = file(&plan, "trino-worker", "config.properties");
    assert_eq!(worker["coordinator"], "false");
    let access = file(&plan, "trino-worker", "access-control.properties");
    assert_eq!(access["access-control.name"], "file");
    assert_eq!(access["security.config-file"], "/etc/trino/graceful-shutdown-rules.json");
    let rules: Value = serde_json::from_str(
        object(r, "ConfigMap", "trino-worker")["data"]["graceful-shutdown-rules.json"].as_str().expect("rules"),
    )
    .expect("rules are JSON");
    assert_eq!(rules, json!({"system_information": [{"allow": ["write"], "user": "admin"}]}));
    assert_eq!(worker["shutdown.grace-period"], "120s");
    let catalogs: Vec<String> =
        object(r, "ConfigMap", "trino-catalog")["data"].as_object().expect("data").keys().cloned().collect();
    assert_eq!(catalogs, ["hive.properties", "iceberg.properties", "tpcds.properties", "tpch.properties"]);
    let hive = file(&plan, "trino-catalog", "hive.properties");
    assert_eq!(hive["hive.metastore"], "glue");
    assert_eq!(hive["hive.metastore.glue.region"], "us-west-2");
    assert_eq!(hive["fs.native-s3.enabled"], "true");
    assert_eq!(hive["s3.region"], "us-west-2");
    let iceberg = file(&plan, "trino-catalog", "iceberg.properties");
    assert_eq!(iceberg["iceberg.catalog.type"], "glue");
    assert_eq!(iceberg["s3.region"], "us-west-2");
    assert_eq!(iceberg["hive.metastore.glue.default-warehouse-dir"], "s3://${bucket:core/data}/warehouse/");
    assert_eq!(hive["hive.metastore.glue.default-warehouse-dir"], "s3://${bucket:core/data}/warehouse/");

    // Pods.
    let c = object(r, "Deployment", "trino-coordinator");
    let w = object(r, "Deployment", "trino-worker");
    assert_eq!(c["spec"]["replicas"], 1);
    assert_eq!(w["spec"]["replicas"], 1);
    for d in [&c, &w] {
        let pod = &d["spec"]["template"]["spec"];
        assert_eq!(pod["serviceAccountName"], "trino");
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        assert_eq!(pod["securityContext"]["runAsUser"], 1000);
        let container = &pod["containers"][0];
        assert_eq!(container["image"], "trinodb/trino:477");
        assert_eq!(container["resources"]["requests"], container["resources"]["limits"], "Guaranteed QoS");
        assert_eq!(container["resources"]["limits"]["memory"], "113Gi");
        assert_eq!(container["resources"]["limits"]["cpu"], "14100m");
    }
    assert_eq!(c.pointer("/spec/template/metadata/annotations/karpenter.sh~1do-not-disrupt"), Some(&json!("true")));
    assert_eq!(c.pointer("/spec/template/spec/nodeSelector"), Some(&json!({"dataplat.io/pool": "trino-coordinator"})));
    let wpod = &w["spec"]["template"]["spec"];
    assert_eq!(wpod["nodeSelector"], json!({"dataplat.io/pool": "trino-worker"}));
    assert_eq!(wpod["terminationGracePeriodSeconds"], 300);
    assert!(wpod["terminationGracePeriodSeconds"].as_u64() >= Some(240));
    assert_eq!(
        wpod["tolerations"],
        json!([{"key": "dataplat.io/trino-worker", "operator": "Equal", "value": "true", "effect": "NoSchedule"}])
    );
    let anti = &wpod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
    assert_eq!(anti["topologyKey"], "kubernetes.io/hostname");
    assert_eq!(anti.pointer("/labelSelector/matchLabels/app.kubernetes.io~1component"), Some(&json!("worker")));
    let stop = wpod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][2].as_str().unwrap_or("");
    assert!(stop.contains("PUT") && stop.contains("SHUTTING_DOWN") && stop.contains("/v1/info/state"), "{stop}");
    assert_eq!(
        object(r, "Service", "trino")["spec"]["ports"][0],
        json!({"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"})
    );
    assert_eq!(object(r, "Service", "trino-worker")["spec"]["clusterIP"], "None");
    assert_eq!(object(r, "PodDisruptionBudget", "trino-coordinator")["spec"]["maxUnavailable"], 0);
    let np = object(r, "NetworkPolicy", "trino");
    assert_eq!(
        np["spec"]["ingress"],
        json!([{"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 8080}, {"protocol": "TCP", "port": 8443}]}])
    );

    // AWS side.
    let buckets: Vec<(&str, bool)> = plan.buckets.iter().map(|b| (b.id.as_str(), b.holds_data)).collect();
    assert_eq!(buckets, [("exchange", false)]);
    assert_eq!(plan.buckets[0].lifecycle_rules[0].expiration_days, 1);
    assert_eq!(plan.grants.len(), 1);
    let grant = &plan.grants[0];
    assert_eq!(grant.id, "trino");
    assert!(grant.managed_policies.is_empty(), "no AWSGlueConsoleFullAccess");
    let sids: Vec<&str> = grant.statements.iter().map(|s| s.sid.as_str()).collect();
    assert_eq!(
        sids,
        ["TrinoDataBucket", "TrinoDataObjects", "TrinoExchangeBucket", "TrinoExchangeObjects", "TrinoGlueCatalog"]
    );
    for s in &grant.statements {
        for a in &s.actions {
            assert!(a != "s3:ListAllMyBuckets" && a != "*" && !a.ends_with(":*"), "{a}");
            assert!(
                [
                    "s3:",
                    "glue:Get",
                    "glue:Create",
                    "glue:Update",
                    "glue:Delete",
                    "glue:BatchGet",
                    "glue:BatchCreate",
                    "glue:BatchUpdate",
                    "glue:BatchDelete"
                ]
                .iter()
                .any(|p| a.starts_with(p)),
                "{a}"
            );
        }
    }
    let glue = &grant.statements[4];
    assert!(
        glue.resources
            .iter()
            .all(|r| matches!(r, Resource::Arn(a) if a.starts_with("arn:${partition}:glue:${region}:${account}:")))
    );
    let pi = &plan.pod_identities[0];
    assert_eq!((pi.namespace.as_str(), pi.service_account.as_str(), pi.grant.as_str()), ("trino", "trino", "trino"));
    assert_eq!(plan.secrets.len(), 1);
    let secret = &plan.secrets[0];
    assert_eq!((secret.namespace.as_str(), secret.name.as_str()), ("trino", "trino-users"));
    assert_eq!(secret.fixed, [("username".to_string(), "admin".to_string())]);
    assert!(secret.random_keys.contains(&"password".to_string()));

    let pools: Vec<&str> = plan.node_pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(pools, ["trino-coordinator", "trino-worker"]);
    let cp = &plan.node_pools[0];
    assert_eq!(cp.capacity_types, [CapacityType::OnDemand]);
    assert!(cp.single_zone);
    assert_eq!(cp.consolidation, Consolidation::WhenEmpty);
    assert_eq!(cp.labels, [("dataplat.io/pool".to_string(), "trino-coordinator".to_string())]);
    assert_eq!(cp.instance_families, ["r8g"]);
    // Expiry is forceful: the coordinator's node never expires; workers keep Karpenter's 30 days.
    assert_eq!((cp.expire_after_hours, cp.zone.as_deref()), (0, None));
    let wp = &plan.node_pools[1];
    assert_eq!(wp.expire_after_hours, 720);
    assert_eq!(wp.capacity_types, [CapacityType::Spot, CapacityType::OnDemand]);
    assert_eq!(wp.architectures, ["arm64"]);
    assert!(wp.single_zone);
    assert_eq!(wp.labels, [("dataplat.io/pool".to_string(), "trino-worker".to_string())]);
    assert_eq!(wp.taints.len(), 1);
    assert_eq!(
        (wp.taints[0].key.as_str(), wp.taints[0].value.as_str(), wp.taints[0].effect),
        ("dataplat.io/trino-worker", "true", TaintEffect::NoSchedule)
    );
    // Password logins over plain HTTP are refused once HTTPS is on: only https is published.
    assert_eq!(
        endpoints(&plan),
        [
            ("https", "https://trino.trino.svc:8443"),
            ("credentials", "secret://trino/trino-users"),
            ("ca", "secret://trino/trino-ca")
        ]
    );
    assert_eq!(
        file(&plan, "trino-coordinator", "config.properties")
            .get("http-server.authentication.allow-insecure-over-http"),
        None
    );
    let topics: Vec<&str> = plan.notes.iter().map(|n| n.topic.as_str()).collect();
    for t in [
        "sizing-coordinator",
        "sizing-worker",
        "query-max-memory",
        "coordinator-size",
        "fault-tolerance",
        "graceful-shutdown",
        "authentication",
        "placement",
    ] {
        assert!(topics.contains(&t), "note {t}");
    }
    let sizing_note = &plan.notes.iter().find(|n| n.topic == "sizing-worker").expect("note").text;
    assert!(
        sizing_note.contains("-Xmx90G") && sizing_note.contains("58GB") && sizing_note.contains("14GB"),
        "{sizing_note}"
    );
}

#[test]
fn sizing_over_many_instance_types() {
    let types = [
        "r8g.xlarge",
        "r8g.2xlarge",
        "r8g.4xlarge",
        "r8g.8xlarge",
        "r8g.16xlarge",
        "r7i.12xlarge",
        "r6g.large",
        "m7g.xlarge",
        "m6i.4xlarge",
        "m8g.16xlarge",
        "c7g.2xlarge",
        "c6i.8xlarge",
        "c8g.16xlarge",
        "m7i.large",
    ];
    for t in types {
        let i = instance(t).unwrap_or_else(|| panic!("{t} unknown"));
        let s = sizing(i).unwrap_or_else(|| panic!("{t} too small"));
        let heap_pct = s.heap_gib as f64 / s.container_gib as f64;
        assert!((0.70..=0.85).contains(&heap_pct), "{t}: heap {heap_pct}");
        assert!(s.heap_gib < 256, "{t}: heap {}", s.heap_gib);
        assert!(s.per_node_gib + s.headroom_gib < s.heap_gib, "{t}: {s:?}");
        assert!(s.per_node_gib > 0 && s.headroom_gib > 0, "{t}: {s:?}");
        assert!(s.container_gib < i.memory_gib && s.container_gib <= s.allocatable_gib, "{t}: {s:?}");
        assert!(s.container_millicpu < i.vcpu * 1000, "{t}: {s:?}");
        // EKS kube-reserved alone is at least 255 MiB + 11 MiB x 110 pods ~ 1.5 GiB: stay below.
        assert!(i.memory_gib - s.container_gib >= 2, "{t}: {s:?}");
    }
    assert_eq!(instance("r8g.4xlarge"), Some(Instance { family: "r8g", vcpu: 16, memory_gib: 128, arm64: true }));
    assert_eq!(instance("m6i.large").map(|i| (i.memory_gib, i.arm64)), Some((8, false)));
    assert_eq!(instance("c7g.16xlarge").map(|i| i.memory_gib), Some(128));
    assert_eq!(
        sizing(instance("r8g.16xlarge").expect("known")).map(|s| (s.container_gib, s.heap_gib)),
        Some((300, 240))
    );
    assert!(sizing(instance("c6g.large").expect("known")).is_none(), "4 GiB nodes are too small");
    assert_eq!(query_max_memory_gb(58, 1), 58);
    assert_eq!(query_max_memory_gb(3, 2), 20, "floor");
    assert_eq!(query_max_memory_gb(58, 10), 580);
    assert_eq!(
        (coordinator_vcpu_for(49), coordinator_vcpu_for(50), coordinator_vcpu_for(100), coordinator_vcpu_for(101)),
        (16, 32, 32, 64)
    );
}

#[test]
fn retry_query_and_none() {
    let plan = plan_ok::<Trino>(&json!({"retry_policy": "QUERY"}), &enabled());
    assert_eq!(file(&plan, "trino-worker", "config.properties")["retry-policy"], "QUERY");
    assert_eq!(file(&plan, "trino-worker", "exchange-manager.properties")["exchange-manager.name"], "filesystem");
    assert!(plan.buckets.iter().any(|b| b.id == "exchange"));

    let plan = plan_ok::<Trino>(&json!({"retry_policy": "NONE"}), &enabled());
    let props = file(&plan, "trino-coordinator", "config.properties");
    assert_eq!(props["retry-policy"], "NONE");
    assert!(!props.contains_key("exchange.compression-codec"));
    for cm in config_maps(&plan) {
        assert!(cm["data"].get("exchange-manager.properties").is_none(), "{}", cm["metadata"]["name"]);
    }
    assert!(plan.buckets.is_empty(), "the warehouse is the platform's data bucket, the exchange is off");
    let sids: Vec<&str> = plan.grants[0].statements.iter().map(|s| s.sid.as_str()).collect();
    assert_eq!(sids, ["TrinoDataBucket", "TrinoDataObjects", "TrinoGlueCatalog"]);
    let resources: Vec<&Resource> = plan.grants[0].statements.iter().flat_map(|s| &s.resources).collect();
    assert!(resources.contains(&&Resource::Bucket("core/data".into())), "{resources:?}");
    let glue: Vec<&Resource> = plan.grants[0].statements[2].resources.iter().collect();
    assert_eq!(
        glue,
        [
            &Resource::Arn("arn:${partition}:glue:${region}:${account}:catalog".into()),
            &Resource::Arn("arn:${partition}:glue:${region}:${account}:database/test_*".into()),
            &Resource::Arn("arn:${partition}:glue:${region}:${account}:table/test_*/*".into()),
        ],
        "Glue on the platform's databases only"
    );
}

#[test]
fn variants_workers_catalogs_spot_zone_https() {
    let config = json!({
        "workers": 60, "worker_instance_type": "m7i.8xlarge", "spot_workers": false, "zone": "b",
        "catalogs": {"tpch": false, "tpcds": false, "hive": false}, "https": true,
    });
    let f = with_cert_manager();
    let plan = plan_ok::<Trino>(&config, &f);
    let r = release(&plan, "trino");
    let w = object(r, "Deployment", "trino-worker");
    assert_eq!(w["spec"]["replicas"], 60);
    assert_eq!(w.pointer("/spec/template/spec/nodeSelector/topology.kubernetes.io~1zone"), Some(&json!("us-west-2b")));
    let wp = &plan.node_pools[1];
    // The pools are pinned to the zone the pods select.
    assert!(plan.node_pools.iter().all(|p| p.single_zone && p.zone.as_deref() == Some("b")));
    assert_eq!(wp.capacity_types, [CapacityType::OnDemand]);
    assert_eq!(wp.architectures, ["amd64"]);
    assert_eq!(wp.instance_families, ["m7i"]);
    let catalogs: Vec<String> =
        object(r, "ConfigMap", "trino-catalog")["data"].as_object().expect("data").keys().cloned().collect();
    assert_eq!(catalogs, ["iceberg.properties"]);
    // 60 workers want a 32 vCPU coordinator; the default r8g.4xlarge has 16.
    let warnings = dataplat_sdk::runtime::validate::<Trino>(&config.to_string(), &f);
    let w = warnings.iter().find(|d| d.path == "coordinator_instance_type").expect("coordinator warning");
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.message.contains("60 worker(s)") && w.message.contains("32 vCPU"), "{}", w.message);
    let note = &plan.notes.iter().find(|n| n.topic == "coordinator-size").expect("note").text;
    assert!(note.contains("too small"), "{note}");
    let props = file(&plan, "trino-coordinator", "config.properties");
    assert_eq!(props["http-server.https.enabled"], "true");
    assert_eq!(props["http-server.authentication.type"], "PASSWORD");
    assert!(warnings.iter().all(|d| d.path != "https"));
    let per_node: u32 = props["query.max-memory-per-node"].trim_end_matches("GB").parse().expect("number");
    assert_eq!(props["query.max-memory"], format!("{}GB", per_node * 60));
    // HTTPS is on by default; turning it off is a warning.
    assert!(dataplat_sdk::runtime::validate::<Trino>("{}", &enabled()).is_empty());
    let defaults = dataplat_sdk::runtime::validate::<Trino>(r#"{"https": false}"#, &enabled());
    assert_eq!(
        defaults.iter().map(|d| (d.severity, d.path.as_str())).collect::<Vec<_>>(),
        [(Severity::Warning, "https")]
    );
}

#[test]
fn bad_config_diagnostics_have_paths() {
    let f = enabled();
    let e = error_at::<Trino>(&json!({"worker_instance_type": "x9z.4xlarge"}), &f, "worker_instance_type");
    assert!(e.message.contains("x9z.4xlarge"));
    let hint = e.hint.unwrap_or_default();
    assert!(hint.contains("r8g") && hint.contains("c7i") && hint.contains("16xlarge"), "{hint}");
    error_at::<Trino>(&json!({"coordinator_instance_type": "r8g.huge"}), &f, "coordinator_instance_type");
    error_at::<Trino>(&json!({"worker_instance_type": "c6g.large"}), &f, "worker_instance_type");
    let e = error_at::<Trino>(&json!({"workers": 0}), &f, "workers");
    assert_eq!(e.message, "0 is out of range: must be 1 to 100");
    error_at::<Trino>(&json!({"workers": 101}), &f, "workers");
    let e = error_at::<Trino>(&json!({"shutdown_grace_period_seconds": 0}), &f, "shutdown_grace_period_seconds");
    assert!(e.message.contains("out of range"));
    error_at::<Trino>(&json!({"zone": "us-west-2a"}), &f, "zone");
    error_at::<Trino>(&json!({"image": "trinodb/trino:latest"}), &f, "image");
    error_at::<Trino>(&json!({"image": "trinodb/trino"}), &f, "image");
    error_at::<Trino>(&json!({"namespace": "Bad_NS"}), &f, "namespace");
    let e = error_at::<Trino>(&json!({"retry_policy": "SOMETIMES"}), &f, "retry_policy");
    assert!(e.message.contains("SOMETIMES") || e.message.contains("variant"), "{}", e.message);
    error_at::<Trino>(&json!({"catalogs": {"mysql": true}}), &f, "catalogs.mysql");
    error_at::<Trino>(&json!({"enable_trino_keda": true}), &f, "enable_trino_keda");
    assert!(errors::<Trino>(&json!({}), &f).is_empty());
}

#[test]
fn every_emitted_property_is_a_known_trino_property() {
    let f = enabled();
    let known: Vec<&str> = PROPERTIES.iter().map(|(k, _)| *k).collect();
    let mut seen = std::collections::BTreeSet::new();
    let configs = [
        (json!({}), &f),
        (json!({"https": true}), &with_cert_manager()),
        (json!({"retry_policy": "NONE"}), &f),
        (json!({"retry_policy": "QUERY"}), &f),
        (json!({"autoscaling": {"min_workers": 0}}), &keda_on()),
        (json!({"kafka_topics": ["orders"]}), &kafka_on()),
    ];
    for (config, f) in configs {
        let plan = plan_ok::<Trino>(&config, f);
        for cm in config_maps(&plan) {
            for (name, text) in cm["data"].as_object().expect("data") {
                if !name.ends_with(".properties") {
                    continue; // jvm.config (JVM flags) and the access-control rules (JSON)
                }
                for (key, _) in parse(text.as_str().unwrap_or("")) {
                    assert!(known.contains(&key.as_str()), "{key} (in {name}) is not in the property list");
                    seen.insert(key);
                }
            }
        }
    }
    // The list carries nothing the plugin never emits.
    for key in known {
        assert!(seen.contains(key), "{key} is listed but never emitted");
    }
    assert!(PROPERTIES.iter().all(|(_, class)| class.starts_with("io.")));
}

#[test]
fn deployments_are_valid_k8s_shapes_without_status() {
    let plan = plan_ok::<Trino>(&json!({"https": true}), &with_cert_manager());
    let r = release(&plan, "trino");
    for raw in &r.objects {
        let value: Value = serde_json::from_str(raw).expect("JSON");
        assert!(value.get("status").is_none(), "{raw}");
        assert!(value["apiVersion"].is_string() && value["kind"].is_string());
        if value["kind"] == "Deployment" {
            let d: Deployment = serde_json::from_str(raw).expect("a Deployment");
            let spec = d.spec;
            let labels = spec.template.metadata.and_then(|m| m.labels).expect("pod labels");
            for (k, v) in spec.selector.match_labels.expect("selector") {
                assert_eq!(labels.get(&k), Some(&v), "selector matches the pod");
            }
            let pod = spec.template.spec.expect("pod spec");
            assert_eq!(pod.containers.len(), 1);
            let volumes: Vec<String> = pod.volumes.unwrap_or_default().into_iter().map(|v| v.name).collect();
            for m in pod.containers[0].volume_mounts.clone().unwrap_or_default() {
                assert!(volumes.contains(&m.name), "mount {} has a volume", m.name);
            }
            // Round trip: the typed object serializes back to the same JSON.
            assert_eq!(
                serde_json::to_value(serde_json::from_str::<Deployment>(raw).expect("again")).expect("json"),
                value
            );
        }
    }
}

#[test]
fn info_describes_the_addon() {
    assert_info::<Trino>(
        "trino",
        &[("enable_trino", true), ("enable_trino_keda", false), ("enable_trino_kafka", false)],
        &["cert_manager", "keda", "prometheus", "kafka"],
        &[
            "namespace",
            "image",
            "coordinator_instance_type",
            "worker_instance_type",
            "workers",
            "retry_policy",
            "catalogs",
            "query_max_execution_hours",
            "shutdown_grace_period_seconds",
            "https",
            "spot_workers",
            "zone",
            "client_namespaces",
            "autoscaling",
            "kafka_topics",
        ],
    );
    let info = dataplat_sdk::runtime::info::<Trino>();
    let keda_flag = info.flags.iter().find(|f| f.name == "enable_trino_keda").expect("feature flag");
    assert!(!keda_flag.enables_addon);
    let found: Vec<(&str, Option<&str>)> =
        info.dependencies.iter().map(|d| (d.addon.as_str(), d.when_flag.as_deref())).collect();
    assert_eq!(
        found,
        [
            ("cert_manager", None),
            ("keda", Some("enable_trino_keda")),
            ("prometheus", Some("enable_trino_keda")),
            ("kafka", Some("enable_trino_kafka"))
        ]
    );
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    let text = schema.to_string();
    for field in [
        "min_workers",
        "max_workers",
        "queued_threshold",
        "running_threshold",
        "cooldown_seconds",
        "polling_seconds",
        "first_query_max_wait_seconds",
    ] {
        assert!(text.contains(&format!("\"{field}\"")), "{field} in schema");
    }
}

#[test]
fn plans_are_deterministic() {
    assert_deterministic::<Trino>(&json!({"workers": 7, "https": true, "zone": "c"}), &with_cert_manager());
    assert_deterministic::<Trino>(&json!({}), &enabled());
    assert_deterministic::<Trino>(&json!({"autoscaling": {"max_workers": 20}}), &keda_on());
    assert_deterministic::<Trino>(&json!({"kafka_topics": ["orders", "clicks"]}), &kafka_on());
}

const PROMETHEUS_QUERY: &str = "http://prometheus-prometheus.monitoring.svc:9090";

/// Trino with enable_trino_keda, keda and prometheus on, and prometheus's query endpoint planned.
fn keda_on() -> PlatformFacts {
    let mut f = facts(
        &["enable_trino", "enable_trino_keda", "enable_keda", "enable_prometheus", "enable_cert_manager"],
        &["trino", "keda", "prometheus", "cert_manager"],
    );
    f.endpoints.push(Endpoint::new("prometheus", "prometheus-query", PROMETHEUS_QUERY, "Prometheus query API"));
    f
}

#[test]
fn keda_scaled_object_targets_the_worker_deployment_on_scraped_metrics() {
    let config = json!({"workers": 3, "autoscaling": {"min_workers": 2, "max_workers": 12, "queued_threshold": 7, "running_threshold": 15, "cooldown_seconds": 600, "polling_seconds": 20}});
    let plan = plan_ok::<Trino>(&config, &keda_on());
    let r = release(&plan, "trino");
    let so = object(r, "ScaledObject", "trino-worker");
    assert_eq!(so["apiVersion"], "keda.sh/v1alpha1");
    assert_eq!(so["metadata"]["namespace"], "trino");
    let spec = &so["spec"];
    assert_eq!(spec["scaleTargetRef"], json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "trino-worker"}));
    // The target exists in the release.
    let worker = object(r, "Deployment", spec["scaleTargetRef"]["name"].as_str().unwrap());
    assert_eq!(worker["apiVersion"], "apps/v1");
    assert!(worker["spec"].get("replicas").is_none(), "the HPA owns the worker replicas: {}", worker["spec"]);
    assert_eq!(object(r, "Deployment", "trino-coordinator")["spec"]["replicas"], 1);
    assert_eq!((spec["minReplicaCount"].clone(), spec["maxReplicaCount"].clone()), (json!(2), json!(12)));
    assert_eq!((spec["pollingInterval"].clone(), spec["cooldownPeriod"].clone()), (json!(20), json!(600)));
    assert_eq!(spec["fallback"], json!({"failureThreshold": 3, "replicas": 2}));
    let behavior = &spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"];
    assert_eq!(behavior["scaleUp"]["stabilizationWindowSeconds"], 0);
    assert_eq!(
        behavior["scaleUp"]["policies"],
        json!([{"type": "Percent", "value": 100, "periodSeconds": 15}, {"type": "Pods", "value": 4, "periodSeconds": 15}])
    );
    assert_eq!(behavior["scaleUp"]["selectPolicy"], "Max");
    assert_eq!(behavior["scaleDown"]["stabilizationWindowSeconds"], 300);
    assert_eq!(behavior["scaleDown"]["policies"], json!([{"type": "Pods", "value": 1, "periodSeconds": 60}]));

    // The job label the ServiceMonitor produces: no jobLabel, so the name of the Service it selects.
    let monitor = object(r, "ServiceMonitor", "trino");
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    assert!(monitor["spec"].get("jobLabel").is_none());
    let wanted = monitor["spec"]["selector"]["matchLabels"].as_object().unwrap();
    let services: Vec<Value> = objects(r)
        .into_iter()
        .filter(|o| {
            o["kind"] == "Service"
                && o["metadata"]["namespace"] == monitor["metadata"]["namespace"]
                && wanted.iter().all(|(k, v)| o["metadata"]["labels"][k] == *v)
        })
        .collect();
    assert_eq!(services.len(), 1, "the ServiceMonitor selects exactly one Service");
    let service = &services[0];
    let job = service["metadata"]["name"].as_str().unwrap();
    assert_eq!(job, "trino");
    let endpoint = &monitor["spec"]["endpoints"][0];
    let port = endpoint["port"].as_str().unwrap();
    assert!(service["spec"]["ports"].as_array().unwrap().iter().any(|p| p["name"] == port), "port {port} on Service");
    assert_eq!(endpoint["path"], "/metrics");
    assert_eq!(monitor["spec"]["namespaceSelector"], json!({"matchNames": ["trino"]}));

    let triggers = spec["triggers"].as_array().unwrap();
    assert_eq!(triggers.len(), 3);
    let series = |metric: &str| format!("sum({metric}{{job=\"{job}\",namespace=\"trino\"}})");
    let queued = series("trino_execution_name_QueryManager_QueuedQueries");
    let running = series("trino_execution_name_QueryManager_RunningQueries");
    for (trigger, query, threshold) in [
        (&triggers[0], queued.clone(), "7"),
        // Load: running plus queued, so a queue behind full workers adds workers at once.
        (&triggers[1], format!("{running} + {queued}"), "15"),
        (&triggers[2], series("trino_execution_name_ClusterSizeMonitor_RequiredWorkers"), "1"),
    ] {
        assert_eq!(trigger["type"], "prometheus");
        assert_eq!(trigger["metricType"], "AverageValue");
        let m = &trigger["metadata"];
        assert_eq!(m["serverAddress"], PROMETHEUS_QUERY);
        assert_eq!(m["query"], query);
        assert_eq!(m["threshold"], threshold);
        assert_eq!(m["ignoreNullValues"], "false");
        assert!(m.get("metricName").is_none() && trigger.get("metricName").is_none(), "deprecated metricName");
    }

    assert_eq!(r.depends_on, ["cert_manager/cert-manager", "prometheus/prometheus", "keda/keda"]);
    let health: Vec<(&str, &str)> = health_checks(r);
    assert!(health.contains(&("ScaledObject", "trino-worker")), "{health:?}");
    let ready = r.health_checks.iter().find(|h| h.kind == "ScaledObject").unwrap();
    assert_eq!(ready.json_path.as_deref(), Some("{.status.conditions[?(@.type=='Ready')].status}"));
    assert_eq!(ready.expected.as_deref(), Some("True"));
    // Prometheus (namespace monitoring) may reach the port it scrapes (https, 8443, by default).
    assert_eq!(endpoint["scheme"], "https");
    let policy = object(r, "NetworkPolicy", "trino");
    assert!(
        policy["spec"]["ingress"]
            .as_array()
            .unwrap()
            .iter()
            .any(|rule| rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                == "monitoring"
                && rule["ports"][0]["port"] == 8443),
        "{}",
        policy["spec"]["ingress"]
    );
    assert!(plan.notes.iter().any(|n| n.topic == "autoscaling" && n.text.contains("job=\"trino\"")));
    assert!(plan.notes.iter().any(|n| n.topic == "metrics"));
    // min_workers 2: no scale to zero.
    assert!(spec.get("idleReplicaCount").is_none());
    assert!(plan.notes.iter().all(|n| n.topic != "scale-to-zero"));
    // A query that finds no worker waits for one (and RequiredWorkers reports it).
    let coordinator = file(&plan, "trino-coordinator", "config.properties");
    assert_eq!(coordinator["query-manager.required-workers"], "1");
    assert_eq!(coordinator["query-manager.required-workers-max-wait"], "300s");
    assert!(!file(&plan, "trino-worker", "config.properties").contains_key("query-manager.required-workers"));
    // Memory and the coordinator are sized for the most workers KEDA may run (12), not `workers` (3).
    let per_node: u32 = coordinator["query.max-memory-per-node"].trim_end_matches("GB").parse().unwrap();
    assert_eq!(coordinator["query.max-memory"], format!("{}GB", per_node * 12));
    let warnings = dataplat_sdk::runtime::validate::<Trino>(
        &json!({"workers": 3, "autoscaling": {"max_workers": 60}}).to_string(),
        &keda_on(),
    );
    let w = warnings.iter().find(|d| d.path == "coordinator_instance_type").expect("coordinator warning");
    assert!(w.message.contains("60 worker(s) (autoscaling.max_workers)"), "{}", w.message);
}

#[test]
fn scale_to_zero_activates_on_required_workers() {
    let config = json!({"autoscaling": {"min_workers": 0, "first_query_max_wait_seconds": 420}});
    assert!(errors::<Trino>(&config, &keda_on()).iter().all(|d| d.severity != Severity::Error));
    let plan = plan_ok::<Trino>(&config, &keda_on());
    let r = release(&plan, "trino");
    let spec = object(r, "ScaledObject", "trino-worker")["spec"].clone();
    // KEDA: idleReplicaCount must be below minReplicaCount, and only 0 is supported.
    assert_eq!(spec["idleReplicaCount"], 0);
    assert_eq!(spec["minReplicaCount"], 1);
    assert_eq!(spec["fallback"]["replicas"], 1);
    // Activation from zero: a query waiting for workers is not queued; only RequiredWorkers sees it.
    let activation = spec["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metadata"]["query"].as_str().unwrap().contains("ClusterSizeMonitor_RequiredWorkers"))
        .expect("a RequiredWorkers trigger");
    assert_eq!(
        activation["metadata"]["query"],
        "sum(trino_execution_name_ClusterSizeMonitor_RequiredWorkers{job=\"trino\",namespace=\"trino\"})"
    );
    assert!(activation["metadata"].get("activationThreshold").is_none(), "KEDA's default 0: active above 0");
    assert_eq!(activation["metadata"]["ignoreNullValues"], "false");
    let coordinator = file(&plan, "trino-coordinator", "config.properties");
    assert_eq!(coordinator["query-manager.required-workers"], "1");
    assert_eq!(coordinator["query-manager.required-workers-max-wait"], "420s");
    assert!(object(r, "Deployment", "trino-worker")["spec"].get("replicas").is_none());
    let note = plan.notes.iter().find(|n| n.topic == "scale-to-zero").expect("scale-to-zero note");
    assert!(note.text.contains("WAITING_FOR_RESOURCES") && note.text.contains("420 s"), "{}", note.text);

    // The first query must be allowed to wait for a poll and a new node.
    let d = error_at::<Trino>(
        &json!({"autoscaling": {"min_workers": 0, "first_query_max_wait_seconds": 120}}),
        &keda_on(),
        "autoscaling.first_query_max_wait_seconds",
    );
    assert!(d.message.contains("would fail it"), "{d:?}");
    assert_eq!(d.hint.as_deref(), Some("first_query_max_wait_seconds: 300 or more"));
    // With a warm pool of one the same wait is fine.
    assert!(
        errors::<Trino>(&json!({"autoscaling": {"min_workers": 1, "first_query_max_wait_seconds": 120}}), &keda_on())
            .iter()
            .all(|d| d.severity != Severity::Error)
    );
}

#[test]
fn keda_defaults_and_https_scrape() {
    let mut f = keda_on();
    f.enabled_addons.push("cert_manager".into());
    let plan = plan_ok::<Trino>(&json!({"https": true}), &f);
    let r = release(&plan, "trino");
    let spec = object(r, "ScaledObject", "trino-worker")["spec"].clone();
    assert_eq!((spec["minReplicaCount"].clone(), spec["maxReplicaCount"].clone()), (json!(1), json!(10)));
    assert_eq!((spec["pollingInterval"].clone(), spec["cooldownPeriod"].clone()), (json!(15), json!(300)));
    assert_eq!(spec["triggers"][0]["metadata"]["threshold"], "5");
    assert_eq!(spec["triggers"][1]["metadata"]["threshold"], "10");
    assert_eq!(spec["fallback"]["replicas"], 1);
    let endpoint = object(r, "ServiceMonitor", "trino")["spec"]["endpoints"][0].clone();
    assert_eq!((endpoint["port"].clone(), endpoint["scheme"].clone()), (json!("https"), json!("https")));
    assert_eq!(endpoint["basicAuth"]["password"], json!({"name": "trino-users", "key": "password"}));
    let service = object(r, "Service", "trino");
    assert!(service["spec"]["ports"].as_array().unwrap().iter().any(|p| p["name"] == "https"));
}

#[test]
fn keda_off_keeps_replicas_and_no_scaled_object() {
    // prometheus on but no keda flag: ServiceMonitor, no ScaledObject.
    let mut f = facts(&["enable_trino", "enable_prometheus"], &["trino", "prometheus"]);
    f.endpoints.push(Endpoint::new("prometheus", "prometheus-query", PROMETHEUS_QUERY, "Prometheus query API"));
    let plan = plan_ok::<Trino>(&json!({"workers": 4, "https": false}), &f);
    let r = release(&plan, "trino");
    assert!(objects(r).iter().all(|o| o["kind"] != "ScaledObject"));
    assert_eq!(object(r, "Deployment", "trino-worker")["spec"]["replicas"], 4);
    object(r, "ServiceMonitor", "trino");
    assert_eq!(r.depends_on, ["prometheus/prometheus"]);
    // Neither: no monitor, no dependencies.
    let plan = plan_ok::<Trino>(&json!({"workers": 4, "https": false}), &without_cert_manager());
    let r = release(&plan, "trino");
    assert!(objects(r).iter().all(|o| o["kind"] != "ScaledObject" && o["kind"] != "ServiceMonitor"));
    assert_eq!(object(r, "Deployment", "trino-worker")["spec"]["replicas"], 4);
    assert!(r.depends_on.is_empty());
    assert_eq!(endpoints(&plan), [("http", "http://trino.trino.svc:8080")], "without HTTPS, clients use HTTP");
    // Autoscaling settings are not checked while the flag is off.
    assert!(errors::<Trino>(&json!({"autoscaling": {"min_workers": 0}}), &enabled()).is_empty());
}

#[test]
fn keda_diagnostics() {
    // No prometheus-query endpoint.
    let no_endpoint = facts(
        &["enable_trino", "enable_trino_keda", "enable_keda", "enable_prometheus", "enable_cert_manager"],
        &["trino", "keda", "prometheus", "cert_manager"],
    );
    let refused = dataplat_sdk::runtime::plan::<Trino>("{}", &no_endpoint).expect_err("plan without the endpoint");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].severity, Severity::Error);
    assert!(refused[0].message.contains("prometheus-query"), "{refused:?}");
    assert!(refused[0].hint.as_deref().unwrap_or("").contains("did not plan"), "{refused:?}");
    let no_prometheus = facts(
        &["enable_trino", "enable_trino_keda", "enable_keda", "enable_cert_manager"],
        &["trino", "keda", "cert_manager"],
    );
    let refused = dataplat_sdk::runtime::plan::<Trino>("{}", &no_prometheus).expect_err("plan without prometheus");
    assert_eq!(refused[0].hint.as_deref(), Some("enable_prometheus: true"));
    let d = error_at::<Trino>(
        &json!({"autoscaling": {"min_workers": 5, "max_workers": 3}}),
        &keda_on(),
        "autoscaling.min_workers",
    );
    assert!(d.message.contains("above max_workers 3"), "{d:?}");
    error_at::<Trino>(&json!({"autoscaling": {"min_workers": 101}}), &keda_on(), "autoscaling.min_workers");
    error_at::<Trino>(&json!({"autoscaling": {"max_workers": 101}}), &keda_on(), "autoscaling.max_workers");
    error_at::<Trino>(&json!({"autoscaling": {"polling_seconds": 5}}), &keda_on(), "autoscaling.polling_seconds");
    assert!(
        errors::<Trino>(&json!({"autoscaling": {"bogus": 1}}), &keda_on()).iter().any(|d| d.message.contains("bogus"))
    );
}

#[test]
fn https_issues_a_certificate_and_hashes_the_password_in_the_pod() {
    let f = with_cert_manager();
    let config = json!({"https": true});
    assert!(errors::<Trino>(&config, &f).iter().all(|d| d.severity != Severity::Error));
    let plan = plan_ok::<Trino>(&config, &f);
    let r = release(&plan, "trino");
    assert_eq!(r.depends_on, ["cert_manager/cert-manager"]);
    assert!(health_checks(r).contains(&("Certificate", "trino-tls")));

    // The serving certificate, signed by the CA issuer, whose CA comes from the self-signed issuer.
    let tls = object(r, "Certificate", "trino-tls");
    assert_eq!(tls["apiVersion"], "cert-manager.io/v1");
    assert_eq!(tls["spec"]["secretName"], "trino-tls");
    assert_eq!(tls["spec"]["additionalOutputFormats"], json!([{"type": "CombinedPEM"}]));
    let names: Vec<&str> = tls["spec"]["dnsNames"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(names.contains(&"trino.trino.svc") && names.contains(&"trino.trino.svc.cluster.local"), "{names:?}");
    let ca_issuer = object(r, "Issuer", tls["spec"]["issuerRef"]["name"].as_str().unwrap());
    let ca = object(r, "Certificate", ca_issuer["spec"]["ca"]["secretName"].as_str().unwrap());
    assert_eq!(ca["spec"]["isCA"], true);
    assert_eq!(ca["spec"]["secretName"], ca_issuer["spec"]["ca"]["secretName"]);
    let root = object(r, "Issuer", ca["spec"]["issuerRef"]["name"].as_str().unwrap());
    assert_eq!(root["spec"], json!({"selfSigned": {}}));

    // Trino's keystore is the combined PEM of that Secret, mounted where the property points.
    let props = file(&plan, "trino-coordinator", "config.properties");
    let keystore = &props["http-server.https.keystore.path"];
    let coordinator = object(r, "Deployment", "trino-coordinator");
    let pod = &coordinator["spec"]["template"]["spec"];
    let tls_volume = pod["volumes"].as_array().unwrap().iter().find(|v| v["name"] == "tls").expect("tls volume");
    assert_eq!(tls_volume["secret"]["secretName"], "trino-tls");
    let trino = &pod["containers"][0];
    let mount = trino["volumeMounts"].as_array().unwrap().iter().find(|m| m["name"] == "tls").unwrap();
    assert_eq!(*keystore, format!("{}/tls-combined.pem", mount["mountPath"].as_str().unwrap()));

    // The password file: written by the init container into the volume Trino reads it from.
    let auth = file(&plan, "trino-coordinator", "password-authenticator.properties");
    let password_file = &auth["file.password-file"];
    let init = &pod["initContainers"][0];
    let command = init["command"][2].as_str().unwrap();
    assert!(command.contains(&format!("htpasswd -B -C 10 -b -c {password_file}")), "{command}");
    let env: Vec<(&str, &str)> = init["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["valueFrom"]["secretKeyRef"]["name"].as_str().unwrap(),
                e["valueFrom"]["secretKeyRef"]["key"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(env, [("trino-users", "username"), ("trino-users", "password")]);
    let dir = password_file.rsplit_once('/').unwrap().0;
    let init_mount = &init["volumeMounts"][0];
    assert_eq!(init_mount["mountPath"], dir);
    let read = trino["volumeMounts"].as_array().unwrap().iter().find(|m| m["name"] == init_mount["name"]).unwrap();
    assert_eq!((read["mountPath"].as_str(), read["readOnly"].as_bool()), (Some(dir), Some(true)));
    assert_eq!(init["securityContext"]["runAsNonRoot"], true);
    assert!(!init["image"].as_str().unwrap().ends_with(":latest"));
    // Workers neither hash passwords nor need the volume.
    let worker = object(r, "Deployment", "trino-worker");
    assert!(worker["spec"]["template"]["spec"].get("initContainers").is_none());
    assert!(endpoints(&plan).contains(&("https", "https://trino.trino.svc:8443")));

    // Without cert-manager there is no certificate: refused, with the fix.
    let d = error_at::<Trino>(&config, &without_cert_manager(), "https");
    assert_eq!(d.hint.as_deref(), Some("enable_cert_manager: true"));
    // And with https off: no cert-manager objects, no dependency.
    let plan = plan_ok::<Trino>(&json!({"https": false}), &f);
    let r = release(&plan, "trino");
    assert!(objects(r).iter().all(|o| o["apiVersion"] != "cert-manager.io/v1"));
    assert!(r.depends_on.is_empty());
}

#[test]
fn client_namespaces_reach_the_coordinator_only() {
    let plan = plan_ok::<Trino>(&json!({"client_namespaces": ["superset", "analytics"]}), &enabled());
    let r = release(&plan, "trino");
    let policy = object(r, "NetworkPolicy", "trino-clients");
    assert_eq!(policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"], "coordinator");
    let from: Vec<&str> = policy["spec"]["ingress"][0]["from"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"].as_str().unwrap())
        .collect();
    assert_eq!(from, ["superset", "analytics"]);
    assert_eq!(
        policy["spec"]["ingress"][0]["ports"],
        json!([{"protocol": "TCP", "port": 8080}, {"protocol": "TCP", "port": 8443}])
    );
    // None by default; a bad name is an error at its index.
    let plan = plan_ok::<Trino>(&json!({}), &enabled());
    assert!(objects(release(&plan, "trino")).iter().all(|o| o["metadata"]["name"] != "trino-clients"));
    error_at::<Trino>(&json!({"client_namespaces": ["ok", "Not_OK"]}), &enabled(), "client_namespaces[1]");
}

/// Not the kafka addon's default (`kafka-kafka-bootstrap.kafka.svc:9092`): the catalog must take
/// whatever the facts say.
const KAFKA_BOOTSTRAP: &str = "events-kafka-bootstrap.streaming.svc:9094";

/// Trino with enable_trino_kafka and kafka on, and kafka's bootstrap endpoint planned.
fn kafka_on() -> PlatformFacts {
    let mut f = facts(
        &["enable_trino", "enable_trino_kafka", "enable_kafka", "enable_cert_manager"],
        &["trino", "kafka", "cert_manager"],
    );
    f.endpoints.push(Endpoint::new("kafka", "bootstrap", KAFKA_BOOTSTRAP, "Kafka bootstrap servers"));
    f
}

fn catalog_names(plan: &AddonPlan) -> Vec<String> {
    object(release(plan, "trino"), "ConfigMap", "trino-catalog")["data"]
        .as_object()
        .expect("data")
        .keys()
        .cloned()
        .collect()
}

#[test]
fn kafka_catalog_is_off_without_its_flag() {
    // kafka is on and planned, but enable_trino_kafka is not set: no catalog, no note, no checks.
    let mut f = facts(&["enable_trino", "enable_kafka", "enable_cert_manager"], &["trino", "kafka", "cert_manager"]);
    f.endpoints.push(Endpoint::new("kafka", "bootstrap", KAFKA_BOOTSTRAP, "Kafka bootstrap servers"));
    let config = json!({"kafka_topics": ["orders", "not a topic"]});
    let plan = plan_ok::<Trino>(&config, &f);
    assert_eq!(catalog_names(&plan), ["hive.properties", "iceberg.properties", "tpcds.properties", "tpch.properties"]);
    assert!(plan.notes.iter().all(|n| n.topic != "kafka"));
    assert!(dataplat_sdk::runtime::validate::<Trino>(&config.to_string(), &f).is_empty());
    assert!(catalog_names(&plan_ok::<Trino>(&json!({}), &enabled())).iter().all(|c| c != "kafka.properties"));
}

#[test]
fn kafka_catalog_reads_the_bootstrap_endpoint_from_the_facts() {
    let config = json!({"kafka_topics": ["orders", "Clicks", "payments.v2", "audit-log"]});
    assert!(errors::<Trino>(&config, &kafka_on()).is_empty());
    let plan = plan_ok::<Trino>(&config, &kafka_on());
    assert!(catalog_names(&plan).contains(&"kafka.properties".to_string()));
    let kafka = file(&plan, "trino-catalog", "kafka.properties");
    let expected = [
        ("connector.name", "kafka"),
        ("kafka.nodes", KAFKA_BOOTSTRAP),
        ("kafka.default-schema", "default"),
        ("kafka.table-description-supplier", "FILE"),
        ("kafka.table-names", "orders,Clicks,payments.v2,audit-log"),
        ("kafka.hide-internal-columns", "false"),
    ];
    assert_eq!(kafka, expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
    // Another endpoint, another catalog: nothing is hard-coded.
    let mut elsewhere = kafka_on();
    elsewhere.endpoints[0].url = "kafka://b.other.svc:9092/".into();
    let plan_elsewhere = plan_ok::<Trino>(&config, &elsewhere);
    assert_eq!(file(&plan_elsewhere, "trino-catalog", "kafka.properties")["kafka.nodes"], "b.other.svc:9092");

    let note = &plan.notes.iter().find(|n| n.topic == "kafka").expect("kafka note").text;
    for needle in [
        KAFKA_BOOTSTRAP,
        "namespace streaming",
        "kafka.default.orders, kafka.default.clicks, kafka.payments.v2, kafka.default.\"audit-log\"",
        "topics not listed are not visible",
        "_message",
    ] {
        assert!(note.contains(needle), "{needle:?} missing from: {note}");
    }
    // Trino's NetworkPolicy restricts ingress only, so the pods may reach the brokers; an egress
    // rule added later must admit the Kafka namespace on the bootstrap port.
    let policy = object(release(&plan, "trino"), "NetworkPolicy", "trino");
    assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress"]));
    assert!(policy["spec"].get("egress").is_none());

    // Without topics the catalog is there (and empty): a warning says so.
    let plan = plan_ok::<Trino>(&json!({}), &kafka_on());
    let kafka = file(&plan, "trino-catalog", "kafka.properties");
    assert!(!kafka.contains_key("kafka.table-names"));
    assert_eq!(kafka["kafka.nodes"], KAFKA_BOOTSTRAP);
    let warnings = dataplat_sdk::runtime::validate::<Trino>("{}", &kafka_on());
    assert_eq!(
        warnings.iter().map(|d| (d.severity, d.path.as_str())).collect::<Vec<_>>(),
        [(Severity::Warning, "kafka_topics")]
    );
}

#[test]
fn kafka_catalog_without_the_bootstrap_endpoint_is_refused() {
    // The flag without the kafka addon (a platform file whose dependency check was bypassed).
    let no_kafka = facts(&["enable_trino", "enable_trino_kafka", "enable_cert_manager"], &["trino", "cert_manager"]);
    let d = error_at::<Trino>(&json!({"kafka_topics": ["orders"]}), &no_kafka, "");
    assert!(d.message.contains("enable_trino_kafka") && d.message.contains("bootstrap"), "{d:?}");
    assert_eq!(d.hint.as_deref(), Some("enable_kafka: true"));
    // kafka enabled but not planned (its own errors): no endpoint either.
    let unplanned = facts(
        &["enable_trino", "enable_trino_kafka", "enable_kafka", "enable_cert_manager"],
        &["trino", "kafka", "cert_manager"],
    );
    let d = error_at::<Trino>(&json!({"kafka_topics": ["orders"]}), &unplanned, "");
    assert!(d.hint.as_deref().unwrap_or("").contains("did not plan"), "{d:?}");
    // Another addon's bootstrap endpoint is not kafka's.
    let mut other = unplanned.clone();
    other.endpoints.push(Endpoint::new("redpanda", "bootstrap", KAFKA_BOOTSTRAP, "not kafka"));
    error_at::<Trino>(&json!({"kafka_topics": ["orders"]}), &other, "");
}

#[test]
fn kafka_topics_are_checked_with_paths() {
    let f = kafka_on();
    let d = error_at::<Trino>(&json!({"kafka_topics": ["orders", "bad topic"]}), &f, "kafka_topics[1]");
    assert!(d.message.contains("not a Kafka topic name"), "{d:?}");
    error_at::<Trino>(&json!({"kafka_topics": [".."]}), &f, "kafka_topics[0]");
    error_at::<Trino>(&json!({"kafka_topics": ["x".repeat(250)]}), &f, "kafka_topics[0]");
    // Trino lowercases table names: two topics on one table would stop the catalog loading.
    let d = error_at::<Trino>(&json!({"kafka_topics": ["orders", "Orders"]}), &f, "kafka_topics[1]");
    assert!(d.message.contains("kafka_topics[0]") && d.message.contains("kafka.default.orders"), "{d:?}");
    assert!(errors::<Trino>(&json!({"kafka_topics": ["a.b", "a-b", "a_b", "A.B.C"]}), &f).is_empty());
}
