//! `kubectl dataplat examples list|render NAME`: ready-to-run workloads filled in with the user's
//! platform. Every name an example uses (namespaces, service accounts, buckets, Glue database,
//! Secrets, endpoints) is read from the composed plan, never assumed, and [`references`] checks
//! that each exists in it; `render --check` also runs the readiness analysis of the plan with the
//! example added, as `up` would.

use serde::Serialize;
use serde_json::{Value, json};

use dataplat_core::Plan;

use crate::{Error, Result};

/// An example and the addon it runs on.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleInfo {
    pub name: &'static str,
    pub addon: &'static str,
    pub description: &'static str,
    /// Whether the addon is enabled in this platform (else `render` refuses).
    pub available: bool,
}

/// The examples, in the order `list` shows them.
const EXAMPLES: [(&str, &str, &str); 4] = [
    (
        "spark-iceberg",
        "spark_operator",
        "SparkApplication (v1beta2) writing an Iceberg table through the Glue catalog, as the first Spark team",
    ),
    (
        "flink-checkpoints",
        "flink",
        "FlinkDeployment (v1beta1) of Flink's StateMachineExample, checkpointing to the checkpoints bucket",
    ),
    ("kafka-producer", "kafka", "KafkaTopic and a Job producing 100,000 records to it"),
    (
        "trino-queries",
        "trino",
        "the reference guide's Trino queries: TPC-H, TPC-DS, an Iceberg CTAS and a fault-tolerant run, as a Job",
    ),
];

/// Every example and whether this platform can run it.
pub fn list(plan: &Plan) -> Vec<ExampleInfo> {
    EXAMPLES
        .iter()
        .map(|(name, addon, description)| ExampleInfo {
            name,
            addon,
            description,
            available: plan.addons.iter().any(|a| a.name == *addon),
        })
        .collect()
}

/// The objects of example `name` for `plan`.
pub fn render(plan: &Plan, name: &str) -> Result<Vec<Value>> {
    let Some((_, addon, _)) = EXAMPLES.iter().find(|(n, _, _)| *n == name) else {
        let names: Vec<&str> = EXAMPLES.iter().map(|(n, _, _)| *n).collect();
        return Err(Error::usage(
            format!("no example `{name}`"),
            Some(format!("one of: {} (`kubectl dataplat examples list`)", names.join(", "))),
        ));
    };
    if !plan.addons.iter().any(|a| a.name == *addon) {
        return Err(Error::usage(
            format!("example `{name}` runs on the {addon} addon, which this platform does not enable"),
            Some(format!("kubectl dataplat enable {addon}")),
        ));
    }
    let facts = Facts { plan };
    match name {
        "spark-iceberg" => facts.spark_iceberg(),
        "flink-checkpoints" => facts.flink_checkpoints(),
        "kafka-producer" => facts.kafka_producer(),
        _ => facts.trino_queries(),
    }
}

/// The Glue database the examples write to: one of the platform's (`<prefix>examples`).
pub fn example_database(plan: &Plan) -> String {
    format!("{}examples", dataplat_vocabulary::glue_database_prefix(&plan.platform.name))
}

/// What the examples read from the plan.
struct Facts<'a> {
    plan: &'a Plan,
}

fn missing(what: &str) -> Error {
    Error::failed(format!("the plan has no {what}"), Some("the addon's plugin is older than this example".into()))
}

impl Facts<'_> {
    fn values(&self, addon: &str) -> Result<&Value> {
        self.plan
            .addons
            .iter()
            .find(|a| a.name == addon)
            .and_then(|a| a.releases.iter().find_map(|r| r.chart.as_ref()))
            .map(|c| &c.values)
            .ok_or_else(|| missing(&format!("{addon} chart")))
    }

    fn object(&self, addon: &str, kind: &str) -> Result<&Value> {
        self.plan
            .addons
            .iter()
            .filter(|a| a.name == addon)
            .flat_map(|a| &a.releases)
            .flat_map(|r| &r.objects)
            .find(|o| o["kind"] == kind)
            .ok_or_else(|| missing(&format!("{addon} {kind}")))
    }

    fn endpoint(&self, addon: &str, name: &str) -> Option<&str> {
        self.plan
            .addons
            .iter()
            .flat_map(|a| &a.endpoints)
            .find(|e| e.addon == addon && e.name == name)
            .map(|e| e.url.as_str())
    }

    fn first(&self, value: &Value, what: &str) -> Result<String> {
        value.as_array().and_then(|a| a.first()).and_then(Value::as_str).map(String::from).ok_or_else(|| missing(what))
    }

    fn string(&self, value: &Value, what: &str) -> Result<String> {
        value.as_str().map(String::from).ok_or_else(|| missing(what))
    }

    fn spark_iceberg(&self) -> Result<Vec<Value>> {
        let values = self.values("spark_operator")?;
        let namespace = self.first(&values["spark"]["jobNamespaces"], "Spark team namespace")?;
        let account = self.string(&values["spark"]["serviceAccount"]["name"], "Spark service account")?;
        let database = example_database(self.plan);
        let script = format!(
            "from pyspark.sql import SparkSession\n\n\
             spark = SparkSession.builder.appName(\"iceberg-example\").getOrCreate()\n\
             spark.sql(\"CREATE NAMESPACE IF NOT EXISTS glue.{database}\")\n\
             spark.sql(\"CREATE TABLE IF NOT EXISTS glue.{database}.trips (id BIGINT, city STRING, fare DOUBLE) USING iceberg\")\n\
             spark.sql(\"INSERT INTO glue.{database}.trips VALUES (1, 'Seattle', 12.5), (2, 'Lisbon', 8.0), (3, 'Seattle', 30.25)\")\n\
             spark.sql(\"SELECT city, count(*) AS trips, sum(fare) AS fares FROM glue.{database}.trips GROUP BY city\").show()\n\
             spark.stop()\n"
        );
        let mount = json!([{ "name": "app", "mountPath": "/opt/spark/work-dir/app" }]);
        let role = |cores: u32, memory: &str| {
            json!({ "cores": cores, "memory": memory, "serviceAccount": account, "volumeMounts": mount,
                    "labels": { "app.kubernetes.io/name": "iceberg-example" } })
        };
        let mut spec = json!({
            "type": "Python",
            "pythonVersion": "3",
            "mode": "cluster",
            "sparkVersion": "4.0.0",
            "mainApplicationFile": "local:///opt/spark/work-dir/app/iceberg_example.py",
            // The Iceberg extensions (CALL, MERGE); the catalog `glue`, S3A, the image, event
            // logs and node placement come from the operator's Spark defaults.
            "sparkConf": { "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions" },
            "restartPolicy": { "type": "Never" },
            "volumes": [{ "name": "app", "configMap": { "name": "iceberg-example" } }],
            "driver": role(1, "2g"),
            "executor": role(2, "4g"),
        });
        spec["executor"]["instances"] = json!(2);
        if self.plan.addons.iter().any(|a| a.name == "yunikorn") {
            spec["batchScheduler"] = json!("yunikorn");
            // The team's queue, which its namespace declares (the yunikorn addon's placement).
            spec["batchSchedulerOptions"] = json!({ "queue": format!("root.spark.{namespace}") });
        }
        Ok(vec![
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": { "name": "iceberg-example", "namespace": namespace },
                "data": { "iceberg_example.py": script },
            }),
            json!({
                "apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "SparkApplication",
                "metadata": { "name": "iceberg-example", "namespace": namespace },
                "spec": spec,
            }),
        ])
    }

    fn flink_checkpoints(&self) -> Result<Vec<Value>> {
        let values = self.values("flink")?;
        let namespace = self.first(&values["watchNamespaces"], "Flink team namespace")?;
        let account = self.string(&values["jobServiceAccount"]["name"], "Flink service account")?;
        Ok(vec![json!({
            "apiVersion": "flink.apache.org/v1beta1", "kind": "FlinkDeployment",
            "metadata": { "name": "state-machine", "namespace": namespace },
            "spec": {
                "image": FLINK_IMAGE,
                "flinkVersion": "v1_20",
                "serviceAccount": account,
                // Checkpoint and savepoint directories, HA storage and node placement come from
                // the operator's defaults (the checkpoints bucket, NodePool flink).
                "flinkConfiguration": {
                    "execution.checkpointing.interval": "60 s",
                    "taskmanager.numberOfTaskSlots": "2",
                },
                "podTemplate": { "spec": { "containers": [{
                    "name": "flink-main-container",
                    // Flink reads s3:// through a file system plugin the image ships disabled.
                    "env": [{ "name": "ENABLE_BUILT_IN_PLUGINS", "value": FLINK_S3_PLUGIN }],
                }]}},
                "jobManager": { "resource": { "cpu": 1, "memory": "2048m" } },
                "taskManager": { "resource": { "cpu": 2, "memory": "4096m" } },
                "job": {
                    "jarURI": "local:///opt/flink/examples/streaming/StateMachineExample.jar",
                    "parallelism": 2,
                    "upgradeMode": "savepoint",
                },
            },
        })])
    }

    fn kafka_producer(&self) -> Result<Vec<Value>> {
        let kafka = self.object("kafka", "Kafka")?;
        let namespace = self.string(&kafka["metadata"]["namespace"], "Kafka namespace")?;
        let cluster = self.string(&kafka["metadata"]["name"], "Kafka cluster name")?;
        let version = self.string(&kafka["spec"]["kafka"]["version"], "Kafka version")?;
        let replicas = kafka["spec"]["kafka"]["config"]["default.replication.factor"].as_u64().unwrap_or(1);
        let operator = self.values("kafka").ok().and_then(|_| {
            self.plan
                .addons
                .iter()
                .find(|a| a.name == "kafka")
                .and_then(|a| a.releases.iter().find_map(|r| r.chart.as_ref()))
        });
        let strimzi = operator.map(|c| c.version.clone()).ok_or_else(|| missing("kafka operator chart"))?;
        let bootstrap = self.endpoint("kafka", "bootstrap").ok_or_else(|| missing("kafka/bootstrap endpoint"))?;
        Ok(vec![
            json!({
                "apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic",
                "metadata": { "name": "example-events", "namespace": namespace, "labels": { "strimzi.io/cluster": cluster } },
                "spec": { "partitions": 6, "replicas": replicas, "config": { "retention.ms": 86_400_000 } },
            }),
            job(
                &namespace,
                "example-producer",
                1001,
                Vec::new(),
                json!({
                    "name": "producer",
                    "image": format!("quay.io/strimzi/kafka:{strimzi}-kafka-{version}"),
                    "command": ["/opt/kafka/bin/kafka-producer-perf-test.sh",
                        "--topic", "example-events", "--num-records", "100000", "--record-size", "200",
                        "--throughput", "-1", "--producer-props", format!("bootstrap.servers={bootstrap}"), "acks=all"],
                    "resources": { "requests": { "cpu": "500m", "memory": "512Mi" }, "limits": { "memory": "1Gi" } },
                }),
            ),
        ])
    }

    fn trino_queries(&self) -> Result<Vec<Value>> {
        let entry = self.plan.addons.iter().find(|a| a.name == "trino").ok_or_else(|| missing("trino"))?;
        let secret = entry.secrets.first().ok_or_else(|| missing("Trino users Secret"))?;
        let namespace = secret.namespace.clone();
        let https = self.endpoint("trino", "https");
        let server = https.or_else(|| self.endpoint("trino", "http")).ok_or_else(|| missing("trino endpoint"))?;
        let image = entry
            .releases
            .iter()
            .flat_map(|r| &r.objects)
            .filter(|o| o["kind"] == "Deployment")
            .find_map(|o| o.pointer("/spec/template/spec/containers/0/image").and_then(Value::as_str))
            .ok_or_else(|| missing("Trino image"))?;
        let catalogs: Vec<String> = entry
            .releases
            .iter()
            .flat_map(|r| &r.objects)
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "trino-catalog")
            .and_then(|o| o["data"].as_object())
            .map(|d| d.keys().map(|k| k.trim_end_matches(".properties").to_string()).collect())
            .unwrap_or_default();
        let database = example_database(self.plan);
        let data = dataplat_core::base::data_bucket_name(&self.plan.platform);
        let mut sql = String::from("-- The reference guide's queries, on this platform.\n");
        if catalogs.iter().any(|c| c == "tpch") {
            sql.push_str(
                "-- TPC-H Q1 (pricing summary) on scale factor 1\n\
                 SELECT returnflag, linestatus, sum(quantity) AS sum_qty, sum(extendedprice) AS sum_base_price,\n  \
                 avg(discount) AS avg_disc, count(*) AS count_order\nFROM tpch.sf1.lineitem\n\
                 WHERE shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY\nGROUP BY returnflag, linestatus\n\
                 ORDER BY returnflag, linestatus;\n",
            );
        }
        if catalogs.iter().any(|c| c == "tpcds") {
            sql.push_str(
                "-- TPC-DS: top store sales by year and brand\n\
                 SELECT d.d_year, i.i_brand, sum(ss.ss_ext_sales_price) AS sales\n\
                 FROM tpcds.sf1.store_sales ss JOIN tpcds.sf1.date_dim d ON ss.ss_sold_date_sk = d.d_date_sk\n  \
                 JOIN tpcds.sf1.item i ON ss.ss_item_sk = i.i_item_sk\n\
                 WHERE d.d_moy = 11 GROUP BY d.d_year, i.i_brand ORDER BY sales DESC LIMIT 10;\n",
            );
        }
        if catalogs.iter().any(|c| c == "iceberg") && catalogs.iter().any(|c| c == "tpch") {
            sql.push_str(&format!(
                "-- Iceberg CTAS into the platform's warehouse (Glue database {database}, under\n\
                 -- s3://{data}/warehouse/ by the catalog's default-warehouse-dir)\n\
                 CREATE SCHEMA IF NOT EXISTS iceberg.{database};\n\
                 CREATE TABLE IF NOT EXISTS iceberg.{database}.orders AS SELECT * FROM tpch.sf1.orders;\n\
                 SELECT orderpriority, count(*) FROM iceberg.{database}.orders GROUP BY orderpriority ORDER BY 1;\n\
                 -- Fault-tolerant execution: tasks retried, intermediate data in the exchange bucket\n\
                 SET SESSION retry_policy = 'TASK';\n\
                 CREATE TABLE IF NOT EXISTS iceberg.{database}.lineitem_by_order AS\n  \
                 SELECT orderkey, sum(extendedprice * (1 - discount)) AS revenue FROM tpch.sf10.lineitem GROUP BY orderkey;\n"
            ));
        }
        let password = |key: &str| json!({ "secretKeyRef": { "name": secret.name, "key": key } });
        let mut command = vec![
            "trino".to_string(),
            format!("--server={server}"),
            "--user=$(TRINO_USER)".into(),
            "--file=/queries/queries.sql".into(),
        ];
        let mut volumes = vec![json!({ "name": "queries", "configMap": { "name": "trino-example-queries" } })];
        let mut mounts = vec![json!({ "name": "queries", "mountPath": "/queries" })];
        if https.is_some() {
            command.push("--password".into());
            command.push("--truststore-path=/trino-ca/ca.crt".into());
            volumes.push(json!({ "name": "trino-ca", "secret": { "secretName": "trino-ca", "items": [{ "key": "ca.crt", "path": "ca.crt" }] } }));
            mounts.push(json!({ "name": "trino-ca", "mountPath": "/trino-ca", "readOnly": true }));
        }
        Ok(vec![
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {
                    "name": "trino-example-queries", "namespace": namespace,
                    // The CLI sends the statements to the coordinator, which reads and writes S3.
                    "annotations": { dataplat_vocabulary::PASSED_ON_ANNOTATION: "the Trino coordinator" },
                },
                "data": { "queries.sql": sql },
            }),
            job(
                &namespace,
                "trino-example-queries",
                1000,
                volumes,
                json!({
                    "name": "trino-cli",
                    "image": image,
                    "command": command,
                    // The CLI reads the password from TRINO_PASSWORD with --password.
                    "env": [
                        { "name": "TRINO_USER", "valueFrom": password("username") },
                        { "name": "TRINO_PASSWORD", "valueFrom": password("password") },
                    ],
                    "volumeMounts": mounts,
                    "resources": { "requests": { "cpu": "250m", "memory": "512Mi" }, "limits": { "memory": "1Gi" } },
                }),
            ),
        ])
    }
}

/// A Job of one container on the core nodes, run once as `uid` (not root, no privilege
/// escalation, no capabilities), kept an hour after it finishes.
fn job(namespace: &str, name: &str, uid: u32, volumes: Vec<Value>, mut container: Value) -> Value {
    container["securityContext"] = json!({ "allowPrivilegeEscalation": false, "capabilities": { "drop": ["ALL"] } });
    let mut pod = json!({
        "restartPolicy": "Never",
        "nodeSelector": { dataplat_vocabulary::CORE_POOL_LABEL.0: dataplat_vocabulary::CORE_POOL_LABEL.1 },
        "securityContext": { "runAsNonRoot": true, "runAsUser": uid },
        "containers": [container],
    });
    if !volumes.is_empty() {
        pod["volumes"] = json!(volumes);
    }
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": { "name": name, "namespace": namespace },
        "spec": { "backoffLimit": 1, "ttlSecondsAfterFinished": 3600, "template": { "spec": pod } },
    })
}

/// The image of the Flink example and the S3 file system plugin of that Flink version.
const FLINK_IMAGE: &str = "flink:1.20.1";
const FLINK_S3_PLUGIN: &str = "flink-s3-fs-hadoop-1.20.1.jar";

/// Names an example uses that the plan does not make: namespaces, service accounts (of pods and
/// Spark and Flink jobs), Secrets, Glue databases and buckets named in its text. Empty when every
/// reference resolves.
pub fn references(plan: &Plan, objects: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let namespaces: Vec<String> = plan
        .addons
        .iter()
        .flat_map(|a| &a.releases)
        .flat_map(|r| {
            let mut names = vec![r.namespace.clone()];
            names.extend(
                r.objects
                    .iter()
                    .filter(|o| o["kind"] == "Namespace")
                    .filter_map(|o| o["metadata"]["name"].as_str().map(String::from)),
            );
            names
        })
        .collect();
    let identities: Vec<(String, String)> = plan
        .addons
        .iter()
        .flat_map(|a| &a.pod_identities)
        .map(|p| (p.namespace.clone(), p.service_account.clone()))
        .collect();
    let buckets: Vec<&str> = plan.addons.iter().flat_map(|a| &a.buckets).map(|b| b.name.as_str()).collect();
    let secrets: Vec<(String, String)> =
        plan.addons.iter().flat_map(|a| &a.secrets).map(|s| (s.namespace.clone(), s.name.clone())).collect();
    let prefix = dataplat_vocabulary::glue_database_prefix(&plan.platform.name);
    for object in objects {
        let ns = object["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
        let label = format!(
            "{} {}/{}",
            object["kind"].as_str().unwrap_or("?"),
            ns,
            object["metadata"]["name"].as_str().unwrap_or("?")
        );
        if !namespaces.contains(&ns) {
            problems.push(format!("{label}: namespace {ns} is not created by the plan"));
        }
        // Jobs that talk to AWS run as a service account with a pod identity.
        let accounts: Vec<&str> =
            ["/spec/driver/serviceAccount", "/spec/executor/serviceAccount", "/spec/serviceAccount"]
                .iter()
                .filter_map(|p| object.pointer(p).and_then(Value::as_str))
                .collect();
        for account in accounts {
            if !identities.contains(&(ns.clone(), account.to_string())) {
                problems.push(format!("{label}: service account {ns}/{account} has no pod identity in the plan"));
            }
        }
        let text = object.to_string();
        for name in secret_refs(object) {
            if !secrets.contains(&(ns.clone(), name.clone())) && name != "trino-ca" {
                problems.push(format!("{label}: Secret {ns}/{name} is not generated by the plan"));
            }
        }
        if text.contains("trino-ca")
            && !plan.addons.iter().flat_map(|a| &a.releases).flat_map(|r| &r.objects).any(|o| {
                o["kind"] == "Certificate"
                    && o["spec"]["secretName"] == "trino-ca"
                    && o["metadata"]["namespace"] == ns.as_str()
            })
        {
            problems.push(format!("{label}: Secret {ns}/trino-ca is not made by a Certificate of the plan"));
        }
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')) {
            if word.starts_with(&prefix) && !word.starts_with(&format!("{prefix}examples")) {
                problems.push(format!("{label}: Glue database {word} is not the examples' database"));
            }
            if word.starts_with(&format!("{}-", plan.platform.name))
                && word.ends_with(&plan.platform.deployment_id.to_ascii_lowercase())
                && !buckets.contains(&word)
            {
                problems.push(format!("{label}: bucket {word} is not in the plan"));
            }
        }
    }
    problems
}

/// Names of the Secrets an object's pods read (`secretKeyRef`, `secret` volumes).
fn secret_refs(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            if let Some(name) = map.get("secretKeyRef").and_then(|r| r["name"].as_str()) {
                out.push(name.to_string());
            }
            if let Some(name) = map.get("secret").and_then(|r| r["secretName"].as_str()) {
                out.push(name.to_string());
            }
            out.extend(map.values().flat_map(secret_refs));
        }
        Value::Array(items) => out.extend(items.iter().flat_map(secret_refs)),
        _ => {}
    }
    out
}

/// The plan with example `name`'s objects as one more release, `examples/<name>`, that waits for
/// every release of its addon: what the readiness analysis of `render --check` sees.
pub fn with_example(plan: &Plan, name: &str, objects: Vec<Value>) -> Plan {
    let mut plan = plan.clone();
    let addon = EXAMPLES.iter().find(|(n, _, _)| *n == name).map_or("", |(_, a, _)| *a);
    let depends_on: Vec<String> =
        plan.addons.iter().filter(|a| a.name == addon).flat_map(|a| &a.releases).map(|r| r.id.clone()).collect();
    let namespace = objects.first().and_then(|o| o["metadata"]["namespace"].as_str()).unwrap_or("default").to_string();
    let release = dataplat_core::ReleasePlan {
        id: format!("examples/{name}"),
        name: name.to_string(),
        namespace,
        chart: None,
        objects,
        health_checks: Vec::new(),
        depends_on,
    };
    plan.addons.push(dataplat_core::AddonEntry::of_core(
        "examples",
        env!("CARGO_PKG_VERSION"),
        vec![release],
        Vec::new(),
    ));
    plan.release_order.push(vec![format!("examples/{name}")]);
    plan
}
