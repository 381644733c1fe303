//! `kubectl dataplat examples`: every example of the bundled platform (every addon on)
//! - references only namespaces, service accounts (with their pod identities), Secrets, buckets
//!   and the Glue database the plan makes (`examples::references`, also run by `--check`), and a
//!   tampered plan is caught;
//! - follows its operator's API: SparkApplication v1beta2, FlinkDeployment v1beta1 and KafkaTopic
//!   v1beta2, checked against models of their schemas written here (serde, unknown fields
//!   refused; upstream CRDs are not in the repo);
//! - passes `examples render NAME --check` with the fixture charts: the readiness analysis of the
//!   platform with the example finds zero errors.
//!
//! The built-in kinds (ConfigMap, Job) are validated against Kubernetes 1.34 in `validate.rs`.

mod common;

use std::path::Path;

use common::{dataplat_env, ok, stderr};
use serde::Deserialize;
use serde_json::Value;

const EXAMPLES: [&str; 4] = ["spark-iceberg", "flink-checkpoints", "kafka-producer", "trino-queries"];

fn bundled_plan() -> dataplat_core::Plan {
    let text = common::bundled_platform_with_every_addon_on();
    let doc = dataplat_config::parse("platform.yaml", &text).expect("parses");
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
    let host =
        dataplat_plugin::PluginHost::new(dataplat_plugin::HostOptions { cache_dir: Some(cache), ..Default::default() })
            .expect("host");
    let addons = dataplat_core::Addons::builtin(&host).expect("built-ins");
    let (platform, _) = dataplat_config::validate(&doc, &addons.catalog()).expect("valid");
    dataplat_core::compose(&addons, &platform, &doc).expect("composes")
}

#[test]
fn every_example_uses_only_names_the_plan_makes_and_a_tampered_plan_is_caught() {
    let plan = bundled_plan();
    for name in EXAMPLES {
        let objects = dataplat_lifecycle::examples::render(&plan, name).expect(name);
        assert!(!objects.is_empty(), "{name}");
        let problems = dataplat_lifecycle::examples::references(&plan, &objects);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
    // Without the Spark teams' pod identities, the Spark example's service account has none.
    let mut tampered = plan.clone();
    for addon in &mut tampered.addons {
        addon.pod_identities.retain(|p| p.service_account != "spark");
    }
    let objects = dataplat_lifecycle::examples::render(&plan, "spark-iceberg").expect("spark");
    let problems = dataplat_lifecycle::examples::references(&tampered, &objects);
    assert!(problems.iter().any(|p| p.contains("spark-team-a/spark has no pod identity")), "{problems:#?}");
    // A namespace the plan does not create.
    let mut moved = objects.clone();
    moved[1]["metadata"]["namespace"] = "elsewhere".into();
    let problems = dataplat_lifecycle::examples::references(&plan, &moved);
    assert!(problems.iter().any(|p| p.contains("namespace elsewhere is not created")), "{problems:#?}");
    // An example whose addon is off is refused with the command that enables it.
    let mut without_flink = plan.clone();
    without_flink.addons.retain(|a| a.name != "flink");
    let error = dataplat_lifecycle::examples::render(&without_flink, "flink-checkpoints").expect_err("refused");
    assert!(error.to_string().contains("does not enable"), "{error}");
}

// --- Operator API models (fields from the operators' CRDs at the pinned versions) ---

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Meta {
    name: String,
    namespace: String,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct Typed<S> {
    api_version: String,
    kind: String,
    metadata: Meta,
    spec: S,
}

/// SparkApplication v1beta2 (Kubeflow Spark operator 2.4): the fields the example sets.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct SparkSpec {
    #[serde(rename = "type")]
    kind: SparkType,
    python_version: Option<String>,
    mode: Option<SparkMode>,
    spark_version: String,
    main_application_file: Option<String>,
    spark_conf: Option<std::collections::BTreeMap<String, String>>,
    restart_policy: Option<Value>,
    volumes: Option<Vec<Value>>,
    driver: SparkPod,
    executor: SparkPod,
    batch_scheduler: Option<String>,
    batch_scheduler_options: Option<BatchSchedulerOptions>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
enum SparkType {
    Java,
    Python,
    Scala,
    R,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
enum SparkMode {
    Cluster,
    Client,
    InClusterClient,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct SparkPod {
    cores: Option<i32>,
    memory: Option<String>,
    service_account: Option<String>,
    volume_mounts: Option<Vec<Value>>,
    labels: Option<std::collections::BTreeMap<String, String>>,
    instances: Option<i32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct BatchSchedulerOptions {
    queue: Option<String>,
}

/// FlinkDeployment v1beta1 (Flink Kubernetes operator 1.13).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct FlinkSpec {
    image: String,
    flink_version: FlinkVersion,
    service_account: String,
    flink_configuration: std::collections::BTreeMap<String, String>,
    pod_template: Value,
    job_manager: FlinkRole,
    task_manager: FlinkRole,
    job: FlinkJob,
}

#[derive(Deserialize)]
#[allow(non_camel_case_types, dead_code)]
enum FlinkVersion {
    v1_16,
    v1_17,
    v1_18,
    v1_19,
    v1_20,
    v2_0,
    v2_1,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FlinkRole {
    resource: FlinkResource,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FlinkResource {
    cpu: f64,
    memory: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct FlinkJob {
    #[serde(rename = "jarURI")]
    jar_uri: String,
    parallelism: i32,
    upgrade_mode: UpgradeMode,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
enum UpgradeMode {
    Stateless,
    Savepoint,
    LastState,
}

/// KafkaTopic v1beta2 (Strimzi 0.47).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct TopicSpec {
    partitions: i32,
    replicas: i32,
    config: std::collections::BTreeMap<String, Value>,
}

fn typed<S: for<'de> Deserialize<'de>>(object: &Value, api_version: &str) -> Typed<S> {
    let typed: Typed<S> = serde_json::from_value(object.clone())
        .unwrap_or_else(|e| panic!("{} does not fit its API: {e}", object["kind"]));
    assert_eq!(typed.api_version, api_version, "{}", object["kind"]);
    typed
}

#[test]
fn examples_follow_their_operators_apis() {
    let plan = bundled_plan();
    let of = |name: &str, kind: &str| -> Value {
        let objects = dataplat_lifecycle::examples::render(&plan, name).expect(name);
        objects.into_iter().find(|o| o["kind"] == kind).unwrap_or_else(|| panic!("{name}: no {kind}"))
    };
    let spark: Typed<SparkSpec> = typed(&of("spark-iceberg", "SparkApplication"), "sparkoperator.k8s.io/v1beta2");
    assert_eq!(spark.spec.driver.service_account.as_deref(), Some("spark"));
    assert_eq!(spark.spec.batch_scheduler.as_deref(), Some("yunikorn"), "yunikorn is on in the bundled platform");
    let queue = spark.spec.batch_scheduler_options.and_then(|o| o.queue).expect("queue");
    assert_eq!(queue, format!("root.spark.{}", spark.metadata.namespace), "the team's queue");
    let file = spark.spec.main_application_file.expect("main file");
    let script = of("spark-iceberg", "ConfigMap");
    let mounted = file.trim_start_matches("local://").rsplit_once('/').expect("path");
    assert!(script["data"].get(mounted.1).is_some(), "the ConfigMap carries {file}");
    let flink: Typed<FlinkSpec> = typed(&of("flink-checkpoints", "FlinkDeployment"), "flink.apache.org/v1beta1");
    assert_eq!(flink.spec.service_account, "flink");
    let plugin =
        flink.spec.pod_template.pointer("/spec/containers/0/env/0/value").and_then(Value::as_str).unwrap_or("");
    let version = flink.spec.image.rsplit_once(':').expect("tag").1;
    assert_eq!(plugin, format!("flink-s3-fs-hadoop-{version}.jar"), "the S3 plugin of the image's Flink version");
    let topic: Typed<TopicSpec> = typed(&of("kafka-producer", "KafkaTopic"), "kafka.strimzi.io/v1beta2");
    assert_eq!(topic.metadata.labels.get("strimzi.io/cluster").map(String::as_str), Some("kafka"));
    let kafka = plan
        .addons
        .iter()
        .flat_map(|a| &a.releases)
        .flat_map(|r| &r.objects)
        .find(|o| o["kind"] == "Kafka")
        .expect("Kafka");
    let brokers_factor = kafka["spec"]["kafka"]["config"]["default.replication.factor"].as_i64().expect("factor");
    assert_eq!(i64::from(topic.spec.replicas), brokers_factor, "replicas as the cluster's default factor");
    assert_eq!(topic.metadata.namespace, kafka["metadata"]["namespace"].as_str().unwrap_or_default());
}

#[test]
fn every_example_passes_the_readiness_analysis_with_the_fixture_charts() {
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    let cache = common::private_chart_cache(dir);
    let env = [("DATAPLAT_CACHE_DIR", cache.to_str().expect("utf-8"))];
    std::fs::write(dir.join("platform.yaml"), common::bundled_platform_with_every_addon_on()).expect("write");
    let plan: Value =
        serde_json::from_str(&ok(dataplat_env(dir, &["plan", "--offline", "-o", "json"], &env))).expect("json");
    let server = dataplat_testkit::http::StaticServer::start();
    let Some(registry) = dataplat_testkit::Registry::start() else { return };
    let charts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts");
    let (mirrors, missing) = common::serve_plan_charts(&charts, &plan, &server, &registry);
    assert!(missing.is_empty(), "{missing:?}");
    for name in EXAMPLES {
        let mut args: Vec<String> = ["examples", "render", name, "--check", "-o", "json"].map(String::from).to_vec();
        for m in &mirrors {
            args.extend(["--mirror".to_string(), m.clone()]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = dataplat_env(dir, &refs, &env);
        let log = stderr(&output);
        assert!(output.status.success(), "{name}: {log}");
        assert!(log.contains("readiness:") && log.contains("0 error(s)"), "{name}: {log}");
        let objects: Vec<Value> = serde_json::from_slice(&output.stdout).expect("json");
        assert!(!objects.is_empty(), "{name}");
    }
    // An unknown example is a usage error naming the ones there are.
    let output = dataplat_env(dir, &["examples", "render", "nope"], &env);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("spark-iceberg"), "{}", stderr(&output));
}
