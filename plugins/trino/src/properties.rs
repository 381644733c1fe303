//! Trino's files: config.properties, jvm.config and the other files of each role's ConfigMap,
//! the catalog files of the connectors, and the S3 buckets and IAM access the connectors and the
//! exchange manager use.

use crate::config::{Config, RetryPolicy};
use crate::objects::{ETC, HTTPS_PORT, PASSWORD_DIR, PORT, RELEASE, TLS_COMBINED};
use crate::sizing::Derived;
use dataplat_sdk::data::{PLATFORM_DATA_BUCKET, bucket_placeholder};
use dataplat_sdk::*;
use std::collections::BTreeMap;

/// Fault-tolerant execution: a retry policy, and so the S3 exchange.
fn fault_tolerant(config: &Config) -> bool {
    config.retry_policy != RetryPolicy::None
}

/// `key=value` lines in order.
fn properties(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

fn jvm_config(heap_gib: u32) -> String {
    [
        "-server".to_string(),
        format!("-Xmx{heap_gib}G"),
        format!("-Xms{heap_gib}G"),
        "-XX:+UseG1GC".into(),
        "-XX:G1HeapRegionSize=32M".into(),
        "-XX:+ExplicitGCInvokesConcurrent".into(),
        "-XX:+ExitOnOutOfMemoryError".into(),
        "-XX:+HeapDumpOnOutOfMemoryError".into(),
        "-XX:-OmitStackTraceInFastThrow".into(),
        "-XX:ReservedCodeCacheSize=512M".into(),
        "-XX:PerMethodRecompilationCutoff=10000".into(),
        "-XX:PerBytecodeRecompilationCutoff=10000".into(),
        "-Djdk.attach.allowAttachSelf=true".into(),
        "-Djdk.nio.maxCachedBufferSize=2000000".into(),
        "-XX:+EnableDynamicAgentLoading".into(),
        "-XX:+UnlockDiagnosticVMOptions".into(),
        "-XX:G1NumCollectionsKeepPinned=10000000".into(),
    ]
    .iter()
    .map(|l| format!("{l}\n"))
    .collect()
}

/// config.properties of one role.
fn config_properties(
    config: &Config,
    derived: &Derived,
    coordinator: bool,
    autoscaled: bool,
) -> Vec<(&'static str, String)> {
    let sizing = if coordinator { derived.coordinator } else { derived.worker };
    let mut p: Vec<(&'static str, String)> = vec![("coordinator", coordinator.to_string())];
    if coordinator {
        p.push(("node-scheduler.include-coordinator", "false".into()));
    }
    p.push(("http-server.http.port", PORT.to_string()));
    p.push(("discovery.uri", format!("http://{RELEASE}.{}.svc:{PORT}", config.namespace)));
    p.push(("query.max-memory", format!("{}GB", derived.query_max_memory_gb)));
    p.push(("query.max-memory-per-node", format!("{}GB", sizing.per_node_gib)));
    p.push(("memory.heap-headroom-per-node", format!("{}GB", sizing.headroom_gib)));
    p.push(("query.max-execution-time", format!("{}h", config.query_max_execution_hours)));
    p.push(("query.max-history", "100".into()));
    p.push(("retry-policy", config.retry_policy.as_str().into()));
    if coordinator && autoscaled {
        // A query that finds no worker (scaled to zero, or all replaced) waits for one instead
        // of failing at once; RequiredWorkers reports the wait so KEDA activates the workers.
        p.push(("query-manager.required-workers", "1".into()));
        p.push((
            "query-manager.required-workers-max-wait",
            format!("{}s", config.autoscaling.first_query_max_wait_seconds),
        ));
    }
    if config.retry_policy != RetryPolicy::None {
        p.push(("exchange.compression-codec", "LZ4".into()));
    }
    if !coordinator {
        p.push(("shutdown.grace-period", format!("{}s", config.shutdown_grace_period_seconds)));
    }
    if config.https {
        p.push(("http-server.https.enabled", "true".into()));
        p.push(("http-server.https.port", HTTPS_PORT.to_string()));
        p.push(("http-server.https.keystore.path", format!("/etc/trino-tls/{TLS_COMBINED}")));
        p.push(("internal-communication.shared-secret", "${ENV:TRINO_SHARED_SECRET}".into()));
        if coordinator {
            p.push(("http-server.authentication.type", "PASSWORD".into()));
        }
    }
    p
}

fn exchange_properties(region: &str) -> Vec<(&'static str, String)> {
    vec![
        ("exchange-manager.name", "filesystem".into()),
        ("exchange.base-directories", "s3://${bucket:exchange}".into()),
        ("exchange.s3.region", region.into()),
        ("exchange.s3.endpoint", format!("https://s3.{region}.amazonaws.com")),
        ("exchange.s3.max-error-retries", "10".into()),
        ("exchange.s3.upload.part-size", "64MB".into()),
    ]
}

/// One properties file per enabled catalog, by file name.
pub(crate) fn catalog_files(config: &Config, region: &str) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    // The platform's warehouse: tables other engines (Spark, Flink) write through Glue are there.
    let warehouse = format!("s3://{}/warehouse/", bucket_placeholder(PLATFORM_DATA_BUCKET));
    let mut files = Vec::new();
    if config.catalogs.hive {
        files.push((
            "hive.properties",
            vec![
                ("connector.name", "hive".into()),
                ("hive.metastore", "glue".into()),
                ("hive.metastore.glue.region", region.into()),
                ("hive.metastore.glue.default-warehouse-dir", warehouse.clone()),
                ("hive.security", "allow-all".into()),
                ("fs.native-s3.enabled", "true".into()),
                ("s3.region", region.into()),
            ],
        ));
    }
    if config.catalogs.iceberg {
        files.push((
            "iceberg.properties",
            vec![
                ("connector.name", "iceberg".into()),
                ("iceberg.catalog.type", "glue".into()),
                ("iceberg.file-format", "PARQUET".into()),
                ("iceberg.unique-table-location", "true".into()),
                ("iceberg.register-table-procedure.enabled", "true".into()),
                ("hive.metastore.glue.region", region.into()),
                ("hive.metastore.glue.default-warehouse-dir", warehouse),
                ("fs.native-s3.enabled", "true".into()),
                ("s3.region", region.into()),
            ],
        ));
    }
    if config.catalogs.tpch {
        files.push(("tpch.properties", vec![("connector.name", "tpch".into()), ("tpch.splits-per-node", "4".into())]));
    }
    if config.catalogs.tpcds {
        files.push((
            "tpcds.properties",
            vec![("connector.name", "tpcds".into()), ("tpcds.splits-per-node", "4".into())],
        ));
    }
    files
}

/// The files of one role's ConfigMap (`trino-coordinator` or `trino-worker`), by file name.
pub(crate) fn role_files(
    config: &Config,
    derived: &Derived,
    region: &str,
    coordinator: bool,
    autoscaled: bool,
) -> BTreeMap<String, String> {
    let sizing = if coordinator { derived.coordinator } else { derived.worker };
    let mut data = BTreeMap::from([
        ("config.properties".to_string(), properties(&config_properties(config, derived, coordinator, autoscaled))),
        ("jvm.config".to_string(), jvm_config(sizing.heap_gib)),
        ("log.properties".to_string(), "io.trino=INFO\n".to_string()),
        (
            "node.properties".to_string(),
            properties(&[
                ("node.environment", "production".into()),
                ("node.data-dir", "/data/trino".into()),
                ("plugin.dir", "/usr/lib/trino/plugin".into()),
            ]),
        ),
    ]);
    if fault_tolerant(config) {
        data.insert("exchange-manager.properties".into(), properties(&exchange_properties(region)));
    }
    if !coordinator {
        // Trino's default access control refuses the SHUTTING_DOWN state change: a
        // file-based rule on each worker lets `admin` (the preStop hook) do it. Only
        // the worker's own HTTP API is governed by this; users go through the coordinator.
        data.insert(
            "access-control.properties".into(),
            properties(&[
                ("access-control.name", "file".into()),
                ("security.config-file", format!("{ETC}/graceful-shutdown-rules.json")),
            ]),
        );
        data.insert(
            "graceful-shutdown-rules.json".into(),
            "{\"system_information\": [{\"allow\": [\"write\"], \"user\": \"admin\"}]}\n".into(),
        );
    }
    if config.https && coordinator {
        data.insert(
            "password-authenticator.properties".into(),
            properties(&[
                ("password-authenticator.name", "file".into()),
                ("file.password-file", format!("{PASSWORD_DIR}/password.db")),
            ]),
        );
    }
    data
}

/// The files of ConfigMap `trino-catalog`, by file name.
pub(crate) fn catalogs(config: &Config, region: &str) -> BTreeMap<String, String> {
    catalog_files(config, region).iter().map(|(f, p)| (f.to_string(), properties(p))).collect()
}

/// Buckets: with fault-tolerant execution, the scratch exchange. The warehouse is the platform's
/// data bucket (`core/data`), which the core owns. IAM: S3 on those buckets only; Glue on the
/// catalog and the platform's databases and their tables; granted to ServiceAccount `trino`
/// through EKS Pod Identity.
pub(crate) fn storage(mut plan: AddonPlan, config: &Config, facts: &PlatformFacts) -> AddonPlan {
    let fte = fault_tolerant(config);
    if fte {
        plan = plan.bucket(
            Bucket::new("exchange", "Trino fault-tolerant execution spooling (exchange manager)")
                .scratch()
                .expire_after_days("", 1),
        );
    }
    let mut grant = IamGrant::new(RELEASE).read_write_bucket("TrinoData", PLATFORM_DATA_BUCKET, "");
    if fte {
        grant = grant.read_write_bucket("TrinoExchange", "exchange", "");
    }
    if config.catalogs.hive || config.catalogs.iceberg {
        grant = grant.platform_glue("TrinoGlueCatalog", facts);
    }
    let ns = config.namespace.as_str();
    plan.grant(grant).pod_identity(ns, RELEASE, RELEASE)
}

/// Note `fault-tolerance`: the retry policy and its exchange.
pub(crate) fn fault_tolerance_note(config: &Config, region: &str) -> String {
    let fte = fault_tolerant(config);
    if fte {
        format!(
            "retry-policy={}: the exchange manager spools to s3://<exchange bucket> in {region} (LZ4); the \
             plugin requests the exchange bucket whenever the policy is TASK or QUERY, so a retry policy \
             without an exchange cannot be planned; spooled data expires after 1 day",
            config.retry_policy.as_str()
        )
    } else {
        "retry-policy=NONE: no exchange bucket and no exchange-manager.properties; a lost worker fails its \
         queries"
            .to_string()
    }
}
