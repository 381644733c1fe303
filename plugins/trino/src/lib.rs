//! trino: the built-in addon that runs Trino from objects it renders itself (no chart).
//!
//! One release `trino` in its namespace: ServiceAccount `trino` (EKS Pod Identity), ConfigMaps
//! `trino-coordinator`, `trino-worker` and `trino-catalog`, the coordinator Deployment and its
//! Service `trino`, the worker Deployment and its headless Service `trino-worker`, a
//! PodDisruptionBudget for the coordinator and a NetworkPolicy. Sizing (container resources, JVM
//! heap, Trino memory limits) is derived from the instance types through a table the plugin
//! carries; every derived value is explained in a plan note. Fault-tolerant execution always has
//! its exchange: the plugin requests the `exchange` bucket whenever the retry policy is TASK or
//! QUERY, so a retry policy without an exchange cannot be planned.
//!
//! With `enable_trino_keda` the release also carries ServiceMonitor `trino` (Trino's own /metrics)
//! and KEDA ScaledObject `trino-worker` (queued, running and required workers; optional scale to
//! zero); `kubectl dataplat trino simulate` replays traces through that ScaledObject.

use dataplat_sdk::k8s_openapi;
use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::{Map, Value, json};
use dataplat_sdk::*;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const RELEASE: &str = "trino";
const COORDINATOR: &str = "trino-coordinator";
const WORKER: &str = "trino-worker";
const CATALOG: &str = "trino-catalog";
const PORT: i32 = 8080;
const HTTPS_PORT: i32 = 8443;
/// Trino's image runs as user `trino`, uid/gid 1000.
const TRINO_UID: i64 = 1000;
/// Label both NodePools set on their nodes and the pods select.
const POOL_LABEL: &str = "dataplat.io/pool";
/// Taint keeping everything but workers off the worker nodes.
const WORKER_TAINT: &str = "dataplat.io/trino-worker";
/// Where the ConfigMaps are mounted: Trino reads `/etc/trino` (the image's default).
const ETC: &str = "/etc/trino";
/// Secret cert-manager writes the coordinator's certificate to (with `https`).
const TLS_SECRET: &str = "trino-tls";
/// The combined PEM (key + chain) cert-manager adds to the Secret: Trino's PEM keystore is one file.
const TLS_COMBINED: &str = "tls-combined.pem";
/// The CA of the platform's Trino certificates (self-signed, kept by cert-manager).
const CA_SECRET: &str = "trino-ca";
/// Where the coordinator reads its password file, written at pod start by an init container.
const PASSWORD_DIR: &str = "/etc/trino-users";
/// Image of the init container hashing admin's password with bcrypt (Apache's `htpasswd`).
const HTPASSWD_IMAGE: &str = "httpd:2.4.65-alpine";
/// Feature flag: KEDA scales the workers on Trino's own metrics.
pub const KEDA_FLAG: &str = "enable_trino_keda";
/// The `job` label Prometheus gives the coordinator's samples: the ServiceMonitor sets no
/// `jobLabel`, so prometheus-operator uses the name of the scraped Service, `trino`.
pub const JOB: &str = RELEASE;
/// Trino's OpenMetrics names of the JMX attributes `trino.execution:name=QueryManager`.
pub const QUEUED_METRIC: &str = "trino_execution_name_QueryManager_QueuedQueries";
pub const RUNNING_METRIC: &str = "trino_execution_name_QueryManager_RunningQueries";
/// Trino's OpenMetrics name of `trino.execution:name=ClusterSizeMonitor` attribute
/// `RequiredWorkers`: the most workers any query is waiting for (0 when none waits). A query that
/// arrives while no worker runs waits in WAITING_FOR_RESOURCES, not in the queue, so this is the
/// only metric that sees it.
pub const REQUIRED_METRIC: &str = "trino_execution_name_ClusterSizeMonitor_RequiredWorkers";
/// Longest a worker node takes to join (Karpenter launch and boot, 60-90 s) plus a Trino worker's
/// start (image pull and JVM, about 60 s): the least time a first query must be allowed to wait.
pub const WORKER_ARRIVAL_SECONDS: u32 = 150;
/// HPA scale-up: no stabilization, per period the larger of +100 % and +4 pods (Kubernetes'
/// default rate, kept explicit so the simulator and the note see it).
const SCALE_UP_PERIOD: u32 = 15;
const SCALE_UP_PODS: u32 = 4;
/// HPA scale-down: the highest recommendation of the window holds, then at most
/// `SCALE_DOWN_PODS` per `SCALE_DOWN_PERIOD` (each removed worker drains gracefully).
const SCALE_DOWN_WINDOW: u32 = 300;
const SCALE_DOWN_PODS: u32 = 1;
const SCALE_DOWN_PERIOD: u32 = 60;

/// The PromQL of a scaler trigger: the coordinator's gauge, exactly as the ServiceMonitor scrapes it.
pub fn promql(metric: &str, namespace: &str) -> String {
    format!("sum({metric}{{job=\"{JOB}\",namespace=\"{namespace}\"}})")
}

/// The PromQL of the load trigger: queries running plus queries queued, the work the workers
/// have or should have. (Running alone stops growing once the workers are full, so a queue
/// behind full workers only shows in the queued trigger, which tolerates `queued_threshold`
/// per worker before it adds one.)
pub fn load_promql(namespace: &str) -> String {
    format!("{} + {}", promql(RUNNING_METRIC, namespace), promql(QUEUED_METRIC, namespace))
}

/// Retry policy of fault-tolerant execution (`retry-policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum RetryPolicy {
    /// Retry failed tasks; intermediate data spooled to the S3 exchange. Best for long batch queries.
    Task,
    /// Retry a whole failed query; needs the exchange too, to spool query output.
    Query,
    /// No retries: a lost worker fails its queries; no exchange bucket.
    None,
}

impl RetryPolicy {
    fn as_str(self) -> &'static str {
        match self {
            RetryPolicy::Task => "TASK",
            RetryPolicy::Query => "QUERY",
            RetryPolicy::None => "NONE",
        }
    }
}

/// Which catalogs to install (one properties file each in ConfigMap `trino-catalog`).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Catalogs {
    /// `hive`: Hive connector on the AWS Glue Data Catalog, data in the `data` bucket.
    pub hive: bool,
    /// `iceberg`: Iceberg connector with the Glue catalog, data in the `data` bucket.
    pub iceberg: bool,
    /// `tpch`: generated TPC-H data, for smoke tests and benchmarks.
    pub tpch: bool,
    /// `tpcds`: generated TPC-DS data, for smoke tests and benchmarks.
    pub tpcds: bool,
}

impl Default for Catalogs {
    fn default() -> Self {
        Catalogs { hive: true, iceberg: true, tpch: true, tpcds: true }
    }
}

/// Worker autoscaling by KEDA (used only with `enable_trino_keda`).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Autoscaling {
    /// Fewest worker pods KEDA keeps (0 to 100). 0 scales to zero when Trino is idle: the first
    /// query then waits for a worker node (about 2 to 3 minutes) instead of failing.
    #[schemars(range(min = 0, max = 100))]
    pub min_workers: u32,
    /// Most worker pods KEDA may run (1 to 100, at least `min_workers`).
    #[schemars(range(min = 1, max = 100))]
    pub max_workers: u32,
    /// Queued queries per worker above which KEDA adds workers (1 to 1000).
    #[schemars(range(min = 1, max = 1000))]
    pub queued_threshold: u32,
    /// Running plus queued queries per worker above which KEDA adds workers: about what one
    /// worker runs at once (1 to 1000).
    #[schemars(range(min = 1, max = 1000))]
    pub running_threshold: u32,
    /// Seconds KEDA waits after the last active trigger before scaling back (60 to 3600).
    #[schemars(range(min = 60, max = 3600))]
    pub cooldown_seconds: u32,
    /// Seconds between KEDA's Prometheus queries (10 to 300). While the workers are scaled to
    /// zero this is how late KEDA notices the first query.
    #[schemars(range(min = 10, max = 300))]
    pub polling_seconds: u32,
    /// Seconds a query may wait for its first worker (`query-manager.required-workers-max-wait`)
    /// before Trino fails it; with `min_workers: 0` it must cover KEDA's polling plus a node's
    /// launch and Trino's start (60 to 3600).
    #[schemars(range(min = 60, max = 3600))]
    pub first_query_max_wait_seconds: u32,
}

impl Default for Autoscaling {
    fn default() -> Self {
        Autoscaling {
            min_workers: 1,
            max_workers: 10,
            queued_threshold: 5,
            running_threshold: 10,
            cooldown_seconds: 300,
            polling_seconds: 15,
            first_query_max_wait_seconds: 300,
        }
    }
}

/// The `trino:` block of platform.yaml.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace of the coordinator and the workers.
    pub namespace: String,
    /// Trino container image, pinned to a version (default the reference's Trino 477).
    pub image: String,
    /// EC2 instance type of the coordinator node (r, m or c family, generation 6 to 8, large to
    /// 16xlarge); container resources and JVM heap are derived from it.
    pub coordinator_instance_type: String,
    /// EC2 instance type of the worker nodes (one worker per node); its family also picks the
    /// architecture (Graviton `...g` families are arm64).
    pub worker_instance_type: String,
    /// Number of worker pods (one per node).
    #[schemars(range(min = 1, max = 100))]
    pub workers: u32,
    /// Fault-tolerant execution: TASK, QUERY (both spool to the S3 exchange bucket) or NONE.
    pub retry_policy: RetryPolicy,
    /// Catalogs to install.
    pub catalogs: Catalogs,
    /// Longest a query may run (`query.max-execution-time`), in hours.
    #[schemars(range(min = 1, max = 168))]
    pub query_max_execution_hours: u32,
    /// Worker graceful-shutdown grace period (`shutdown.grace-period`), in seconds; pods get a
    /// termination grace period of at least twice this.
    #[schemars(range(min = 10, max = 3600))]
    pub shutdown_grace_period_seconds: u32,
    /// Serve HTTPS on 8443 with password authentication (on by default): cert-manager issues the
    /// certificate (Secret `trino-tls`, from a self-signed platform CA), the coordinator checks
    /// user `admin` against a bcrypt hash of the generated password in Secret `trino-users`.
    /// `false` serves plain HTTP that accepts any user name, as the reference does.
    pub https: bool,
    /// Run workers on spot capacity with on-demand fallback (the coordinator is always on-demand).
    pub spot_workers: bool,
    /// Availability-zone suffix ("a", "b", ...) to pin coordinator and workers to; by default the
    /// core picks the single zone of the NodePools.
    pub zone: Option<String>,
    /// Namespaces whose pods may connect to the coordinator (Superset, notebooks, your
    /// applications); the NetworkPolicy admits nothing else but Trino's own namespace and
    /// Prometheus.
    pub client_namespaces: Vec<String>,
    /// Worker autoscaling (only with `enable_trino_keda`; `workers` is then ignored).
    pub autoscaling: Autoscaling,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "trino".into(),
            image: "trinodb/trino:477".into(),
            coordinator_instance_type: "r8g.4xlarge".into(),
            worker_instance_type: "r8g.4xlarge".into(),
            workers: 1,
            retry_policy: RetryPolicy::Task,
            catalogs: Catalogs::default(),
            query_max_execution_hours: 24,
            shutdown_grace_period_seconds: 120,
            https: true,
            spot_workers: true,
            zone: None,
            client_namespaces: Vec::new(),
            autoscaling: Autoscaling::default(),
        }
    }
}

/// Instance families the sizing table knows.
pub const FAMILIES: [&str; 15] =
    ["r6g", "r7g", "r8g", "r6i", "r7i", "m6g", "m7g", "m8g", "m6i", "m7i", "c6g", "c7g", "c8g", "c6i", "c7i"];
/// Sizes and their vCPU count (identical across these families).
pub const SIZES: [(&str, u32); 7] =
    [("large", 2), ("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16), ("8xlarge", 32), ("12xlarge", 48), ("16xlarge", 64)];

/// An EC2 instance type of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance {
    pub family: &'static str,
    pub vcpu: u32,
    pub memory_gib: u32,
    pub arm64: bool,
}

/// vCPU and memory of `instance_type`: r has 8 GiB per vCPU, m 4 and c 2.
pub fn instance(instance_type: &str) -> Option<Instance> {
    let (family, size) = instance_type.split_once('.')?;
    let family = *FAMILIES.iter().find(|f| **f == family)?;
    let vcpu = SIZES.iter().find(|(s, _)| *s == size)?.1;
    let per_vcpu = match &family[..1] {
        "r" => 8,
        "m" => 4,
        _ => 2,
    };
    Some(Instance { family, vcpu, memory_gib: vcpu * per_vcpu, arm64: family.ends_with('g') })
}

/// Largest container memory the plugin gives one Trino pod: 80 % of it is 240 GiB of heap,
/// below the 256 GB a single G1 heap should stay under.
pub const MAX_CONTAINER_GIB: u32 = 300;

/// Everything derived from one instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    pub instance: Instance,
    /// What the node can give pods, by the rule in [`sizing`].
    pub allocatable_gib: u32,
    pub allocatable_millicpu: u32,
    /// Container request = limit (Guaranteed QoS).
    pub container_gib: u32,
    pub container_millicpu: u32,
    pub heap_gib: u32,
    pub headroom_gib: u32,
    pub per_node_gib: u32,
}

/// Sizing rule. Node allocatable to Trino: memory minus 10 % (kubelet, system reserve,
/// eviction threshold) minus 2 GiB (DaemonSets: CNI, kube-proxy, pod identity agent, logging);
/// CPU minus 10 % minus 300 m. The container takes all of it, capped at [`MAX_CONTAINER_GIB`];
/// the JVM heap is 80 % of the container (the rest is code cache, metaspace, thread stacks and
/// direct buffers); the headroom for untracked allocations is 15 % of the heap (rounded up)
/// and `query.max-memory-per-node` is 80 % of the heap minus that headroom, so
/// per-node + headroom = 80 % of the heap < heap. `None` when the node is too small (container
/// under 4 GiB).
pub fn sizing(instance: Instance) -> Option<Sizing> {
    let allocatable_gib = (instance.memory_gib * 9 / 10).checked_sub(2)?;
    let allocatable_millicpu = (instance.vcpu * 900).checked_sub(300)? / 100 * 100;
    let container_gib = allocatable_gib.min(MAX_CONTAINER_GIB);
    if container_gib < 4 {
        return None;
    }
    let heap_gib = container_gib * 8 / 10;
    let headroom_gib = (heap_gib * 15).div_ceil(100);
    let per_node_gib = (heap_gib * 8 / 10).checked_sub(headroom_gib)?;
    Some(Sizing {
        instance,
        allocatable_gib,
        allocatable_millicpu,
        container_gib,
        container_millicpu: allocatable_millicpu,
        heap_gib,
        headroom_gib,
        per_node_gib,
    })
}

/// Trino's default `query.max-memory`; the cluster limit never goes below it.
pub const QUERY_MAX_MEMORY_FLOOR_GB: u32 = 20;

/// `query.max-memory`: per-node × workers, at least [`QUERY_MAX_MEMORY_FLOOR_GB`].
pub fn query_max_memory_gb(per_node_gib: u32, workers: u32) -> u32 {
    (per_node_gib * workers).max(QUERY_MAX_MEMORY_FLOOR_GB)
}

/// Coordinator vCPU recommended for an expected worker count: under 50 workers 16 vCPU,
/// 50 to 100 workers 32 vCPU, over 100 workers 64 vCPU.
pub fn coordinator_vcpu_for(workers: u32) -> u32 {
    match workers {
        0..50 => 16,
        50..=100 => 32,
        _ => 64,
    }
}

fn instance_error(path: &str, value: &str) -> Diagnostic {
    let sizes: Vec<&str> = SIZES.iter().map(|(s, _)| *s).collect();
    Diagnostic::error(path, format!("{value:?} is not an instance type the sizing table knows")).hint(format!(
        "use <family>.<size> with family one of {} and size one of {}",
        FAMILIES.join(", "),
        sizes.join(", ")
    ))
}

fn sized(path: &str, value: &str) -> Result<Sizing, Diagnostic> {
    let found = instance(value).ok_or_else(|| instance_error(path, value))?;
    sizing(found).ok_or_else(|| {
        Diagnostic::error(path, format!("{value} leaves less than 4 GiB for Trino after system reserves"))
            .hint("use an xlarge or larger size")
    })
}

/// Labels of every object: app.kubernetes.io conventions.
fn labels(component: Option<&str>) -> BTreeMap<String, String> {
    let mut labels = selector(component);
    labels.insert("app.kubernetes.io/version".into(), "477".into());
    labels.insert("app.kubernetes.io/managed-by".into(), "kubectl-dataplat".into());
    labels
}

fn selector(component: Option<&str>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), "trino".to_string()),
        ("app.kubernetes.io/instance".to_string(), "trino".to_string()),
    ]);
    if let Some(component) = component {
        labels.insert("app.kubernetes.io/component".into(), component.into());
    }
    labels
}

/// A typed object from JSON: the k8s-openapi type checks the shape (a wrong field type is a
/// bug in this plugin, caught by every test that plans).
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(object) => object,
        Err(err) => panic!("trino plugin built an invalid object: {err}"),
    }
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

/// The derived values of one plan.
struct Derived {
    coordinator: Sizing,
    worker: Sizing,
    query_max_memory_gb: u32,
}

/// The worker count memory limits and the coordinator are sized for: `workers`, or with
/// autoscaling the most workers KEDA may run.
fn expected_workers(config: &Config, autoscaled: bool) -> u32 {
    if autoscaled { config.autoscaling.max_workers } else { config.workers }
}

/// How the note and the warning name that count.
fn workers_phrase(config: &Config, autoscaled: bool) -> String {
    let n = expected_workers(config, autoscaled);
    if autoscaled { format!("{n} worker(s) (autoscaling.max_workers)") } else { format!("{n} worker(s)") }
}

fn derive(config: &Config, autoscaled: bool) -> Result<Derived, Vec<Diagnostic>> {
    let coordinator = sized("coordinator_instance_type", &config.coordinator_instance_type);
    let worker = sized("worker_instance_type", &config.worker_instance_type);
    match (coordinator, worker) {
        (Ok(coordinator), Ok(worker)) => Ok(Derived {
            coordinator,
            worker,
            query_max_memory_gb: query_max_memory_gb(worker.per_node_gib, expected_workers(config, autoscaled)),
        }),
        (c, w) => Err(c.err().into_iter().chain(w.err()).collect()),
    }
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
fn catalog_files(config: &Config, region: &str) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let warehouse = "s3://${bucket:data}/".to_string();
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

fn config_map(name: &str, ns: &str, component: Option<&str>, data: BTreeMap<String, String>) -> ConfigMap {
    typed(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": name, "namespace": ns, "labels": labels(component) },
        "data": data,
    }))
}

/// The preStop command of a worker: ask Trino itself to drain (`PUT /v1/info/state
/// "SHUTTING_DOWN"` on its own port), then wait until the JVM (PID 1) exits, so the pod ends
/// only when the drain is over. The image has curl; `X-Trino-User: admin` names the caller.
fn pre_stop(https: bool) -> Vec<String> {
    let url = if https {
        format!("https://localhost:{HTTPS_PORT}/v1/info/state --insecure")
    } else {
        format!("http://localhost:{PORT}/v1/info/state")
    };
    vec![
        "/bin/sh".into(),
        "-c".into(),
        format!(
            "curl -sf -X PUT -H 'Content-Type: application/json' -H 'X-Trino-User: admin' -d '\"SHUTTING_DOWN\"' \
             {url}; while kill -0 1 2>/dev/null; do sleep 1; done"
        ),
    ]
}

fn deployment(config: &Config, region: &str, sizing: &Sizing, coordinator: bool, autoscaled: bool) -> Deployment {
    let ns = config.namespace.as_str();
    let (name, component, pool) =
        if coordinator { (COORDINATOR, "coordinator", COORDINATOR) } else { (WORKER, "worker", WORKER) };
    let cpu = format!("{}m", sizing.container_millicpu);
    let memory = format!("{}Gi", sizing.container_gib);
    let mut node_selector = Map::new();
    node_selector.insert(POOL_LABEL.into(), pool.into());
    if let Some(zone) = &config.zone {
        node_selector.insert("topology.kubernetes.io/zone".into(), json!(format!("{region}{zone}")));
    }
    let mut volumes = vec![
        json!({"name": "config", "configMap": {"name": name}}),
        json!({"name": "catalog", "configMap": {"name": CATALOG}}),
        json!({"name": "data", "emptyDir": {}}),
    ];
    let mut mounts = vec![
        json!({"name": "config", "mountPath": ETC, "readOnly": true}),
        json!({"name": "catalog", "mountPath": format!("{ETC}/catalog"), "readOnly": true}),
        json!({"name": "data", "mountPath": "/data/trino"}),
    ];
    let mut env = vec![];
    let mut ports = vec![json!({"name": "http", "containerPort": PORT, "protocol": "TCP"})];
    if config.https {
        volumes.push(json!({"name": "tls", "secret": {"secretName": TLS_SECRET}}));
        mounts.push(json!({"name": "tls", "mountPath": "/etc/trino-tls", "readOnly": true}));
        env.push(json!({"name": "TRINO_SHARED_SECRET", "valueFrom": {"secretKeyRef": {"name": "trino-users", "key": "shared-secret"}}}));
        ports.push(json!({"name": "https", "containerPort": HTTPS_PORT, "protocol": "TCP"}));
        if coordinator {
            volumes.push(json!({"name": "users", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}));
            mounts.push(json!({"name": "users", "mountPath": PASSWORD_DIR, "readOnly": true}));
        }
    }
    let probe = json!({"httpGet": {"path": "/v1/info", "port": "http"}, "periodSeconds": 10, "failureThreshold": 6});
    let mut container = json!({
        "name": "trino",
        "image": config.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": ports,
        "env": env,
        "volumeMounts": mounts,
        "resources": resources(&cpu, &memory, &cpu, &memory),
        "readinessProbe": probe,
        "livenessProbe": {"httpGet": {"path": "/v1/info", "port": "http"}, "initialDelaySeconds": 60, "periodSeconds": 20, "failureThreshold": 6},
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": true, "runAsUser": TRINO_UID, "runAsGroup": TRINO_UID,
        },
    });
    let mut pod = json!({
        "serviceAccountName": RELEASE,
        "securityContext": {"runAsNonRoot": true, "runAsUser": TRINO_UID, "runAsGroup": TRINO_UID, "fsGroup": TRINO_UID, "seccompProfile": {"type": "RuntimeDefault"}},
        "nodeSelector": node_selector,
        "containers": [],
        "volumes": volumes,
    });
    let mut annotations = Map::new();
    if coordinator {
        annotations.insert("karpenter.sh/do-not-disrupt".into(), json!("true"));
    } else {
        container["lifecycle"] = json!({"preStop": {"exec": {"command": pre_stop(config.https)}}});
        pod["terminationGracePeriodSeconds"] = json!(2 * config.shutdown_grace_period_seconds + 60);
        pod["tolerations"] =
            json!([{"key": WORKER_TAINT, "operator": "Equal", "value": "true", "effect": "NoSchedule"}]);
        pod["affinity"] = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchLabels": selector(Some("worker"))},
            "topologyKey": "kubernetes.io/hostname",
        }]}});
    }
    pod["containers"] = json!([container]);
    if config.https && coordinator {
        pod["initContainers"] = json!([password_file_init()]);
    }
    let mut deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": name, "namespace": ns, "labels": labels(Some(component)) },
        "spec": {
            "replicas": if coordinator { 1 } else { config.workers },
            "selector": {"matchLabels": selector(Some(component))},
            // The coordinator is a single point: never two at once (both would accept queries).
            "strategy": if coordinator { json!({"type": "Recreate"}) } else { json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}) },
            "template": {
                "metadata": {"labels": labels(Some(component)), "annotations": annotations},
                "spec": pod,
            },
        },
    });
    // KEDA's HPA owns the worker count: a replicas field would fight it on every apply.
    if autoscaled
        && !coordinator
        && let Some(spec) = deployment["spec"].as_object_mut()
    {
        spec.remove("replicas");
    }
    typed(deployment)
}

/// The init container writing the coordinator's password file: `admin:<bcrypt of the generated
/// password>`, computed in the pod (a plugin is deterministic and cannot salt a hash), into a
/// memory-backed emptyDir the Trino container mounts read-only. The password never leaves the
/// cluster and never appears in platform.yaml, the plan or a ConfigMap.
fn password_file_init() -> Value {
    json!({
        "name": "password-file",
        "image": HTPASSWD_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": [
            "/bin/sh", "-c",
            format!("umask 077 && htpasswd -B -C 10 -b -c {PASSWORD_DIR}/password.db \"$TRINO_USER\" \"$TRINO_PASSWORD\""),
        ],
        "env": [
            {"name": "TRINO_USER", "valueFrom": {"secretKeyRef": {"name": "trino-users", "key": "username"}}},
            {"name": "TRINO_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "trino-users", "key": "password"}}},
        ],
        "volumeMounts": [{"name": "users", "mountPath": PASSWORD_DIR}],
        "resources": resources("50m", "64Mi", "200m", "64Mi"),
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": true, "runAsUser": TRINO_UID, "runAsGroup": TRINO_UID,
        },
    })
}

/// cert-manager objects of `https`: a self-signed issuer bootstraps the platform's Trino CA
/// (Secret `trino-ca`), and a CA issuer signs the coordinator's serving certificate (Secret
/// `trino-tls`, with a combined PEM for Trino's keystore and `ca.crt` for clients and Prometheus).
fn tls_objects(ns: &str) -> Vec<Value> {
    let meta = |name: &str| json!({"name": name, "namespace": ns, "labels": labels(Some("coordinator"))});
    vec![
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Issuer",
            "metadata": meta("trino-selfsigned"),
            "spec": {"selfSigned": {}},
        }),
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": meta(CA_SECRET),
            "spec": {
                "isCA": true,
                "commonName": format!("{RELEASE} CA ({ns})"),
                "secretName": CA_SECRET,
                "duration": "87600h",
                "privateKey": {"algorithm": "ECDSA", "size": 256},
                "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": "trino-selfsigned"},
            },
        }),
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Issuer",
            "metadata": meta(CA_SECRET),
            "spec": {"ca": {"secretName": CA_SECRET}},
        }),
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": meta(TLS_SECRET),
            "spec": {
                "secretName": TLS_SECRET,
                "duration": "2160h",
                "renewBefore": "360h",
                "dnsNames": [RELEASE, format!("{RELEASE}.{ns}"), format!("{RELEASE}.{ns}.svc"), format!("{RELEASE}.{ns}.svc.cluster.local")],
                "usages": ["server auth", "digital signature", "key encipherment"],
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "additionalOutputFormats": [{"type": "CombinedPEM"}],
                "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": CA_SECRET},
            },
        }),
    ]
}

/// ServiceMonitor `trino`: Prometheus scrapes the coordinator's `/metrics` through Service `trino`.
fn service_monitor(config: &Config) -> Value {
    let ns = config.namespace.as_str();
    // /metrics needs an identified user with read access to system information. Over HTTP the
    // default (insecure) authenticator takes the user from Basic auth without a password; over
    // HTTPS the password authenticator checks admin's password from Secret trino-users.
    let mut basic_auth = json!({"username": {"name": "trino-users", "key": "username"}});
    let mut endpoint = json!({"port": "http", "path": "/metrics", "scheme": "http", "interval": "15s"});
    if config.https {
        basic_auth["password"] = json!({"name": "trino-users", "key": "password"});
        endpoint["port"] = json!("https");
        endpoint["scheme"] = json!("https");
        endpoint["tlsConfig"] = json!({
            "ca": {"secret": {"name": TLS_SECRET, "key": "ca.crt"}},
            "serverName": format!("{RELEASE}.{ns}.svc"),
        });
    }
    endpoint["basicAuth"] = basic_auth;
    json!({
        "apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
        "metadata": {"name": RELEASE, "namespace": ns, "labels": labels(Some("coordinator"))},
        "spec": {
            "selector": {"matchLabels": selector(Some("coordinator"))},
            "namespaceSelector": {"matchNames": [ns]},
            "endpoints": [endpoint],
        },
    })
}

/// ScaledObject `trino-worker`: KEDA scales the worker Deployment on queued and running queries.
fn scaled_object(config: &Config, server_address: &str) -> Value {
    let ns = config.namespace.as_str();
    let a = &config.autoscaling;
    let trigger = |name: &str, query: String, threshold: u32| {
        json!({
            "type": "prometheus",
            "name": name,
            "metricType": "AverageValue",
            "metadata": {
                "serverAddress": server_address,
                "query": query,
                "threshold": threshold.to_string(),
                "ignoreNullValues": "false",
            },
        })
    };
    let mut object = json!({
        "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
        "metadata": {"name": WORKER, "namespace": ns, "labels": labels(Some("worker"))},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": WORKER},
            "minReplicaCount": a.min_workers.max(1),
            "maxReplicaCount": a.max_workers,
            "pollingInterval": a.polling_seconds,
            "cooldownPeriod": a.cooldown_seconds,
            "fallback": {"failureThreshold": 3, "replicas": a.min_workers.max(1)},
            "advanced": {
                "horizontalPodAutoscalerConfig": {
                    "behavior": {
                        "scaleUp": {
                            "stabilizationWindowSeconds": 0,
                            "selectPolicy": "Max",
                            "policies": [
                                {"type": "Percent", "value": 100, "periodSeconds": SCALE_UP_PERIOD},
                                {"type": "Pods", "value": SCALE_UP_PODS, "periodSeconds": SCALE_UP_PERIOD},
                            ],
                        },
                        "scaleDown": {
                            "stabilizationWindowSeconds": SCALE_DOWN_WINDOW,
                            "selectPolicy": "Min",
                            "policies": [{"type": "Pods", "value": SCALE_DOWN_PODS, "periodSeconds": SCALE_DOWN_PERIOD}],
                        },
                    },
                },
            },
            "triggers": [
                trigger("queued-queries", promql(QUEUED_METRIC, ns), a.queued_threshold),
                trigger("load", load_promql(ns), a.running_threshold),
                // One worker per worker a waiting query needs: activates from zero, and sizes
                // the pool at once for a query that asks for more workers than are running.
                trigger("required-workers", promql(REQUIRED_METRIC, ns), 1),
            ],
        },
    });
    if a.min_workers == 0 {
        // KEDA's scale to zero: idle at 0, and on any active trigger straight to minReplicaCount 1.
        object["spec"]["idleReplicaCount"] = json!(0);
    }
    object
}

/// The namespace of a `http://<service>.<namespace>.svc:<port>` endpoint URL.
fn endpoint_namespace(url: &str) -> Option<&str> {
    let host = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let host = host.split(['/', ':']).next()?;
    let mut parts = host.split('.');
    let _service = parts.next()?;
    let namespace = parts.next()?;
    (parts.next() == Some("svc")).then_some(namespace)
}

/// The Trino addon.
pub struct Trino;

impl Addon for Trino {
    type Config = Config;
    const NAME: &'static str = "trino";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Trino: coordinator, workers, fault-tolerant exchange on S3, Glue catalogs";

    fn flags() -> Vec<Flag> {
        vec![
            Flag::addon("enable_trino", "Install Trino (coordinator, workers, S3 exchange, Glue catalogs)"),
            Flag::feature(KEDA_FLAG, "Autoscale Trino workers with KEDA on queued and running queries from Prometheus"),
        ]
    }

    fn dependencies() -> Vec<Dependency> {
        vec![
            Dependency::always(
                "cert_manager",
                "cert-manager issues the coordinator's HTTPS certificate (https, on by default: password \
                 authentication needs HTTPS)",
            ),
            Dependency::when(KEDA_FLAG, "keda", "KEDA's ScaledObject trino-worker scales the worker Deployment"),
            Dependency::when(
                KEDA_FLAG,
                "prometheus",
                "the scaler queries Prometheus for Trino's queued and running queries (ServiceMonitor trino)",
            ),
        ]
    }

    fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems: Vec<Diagnostic> = check_dns1123_label("namespace", &config.namespace).into_iter().collect();
        for (i, namespace) in config.client_namespaces.iter().enumerate() {
            problems.extend(check_dns1123_label(&format!("client_namespaces[{i}]"), namespace));
        }
        let tag = config.image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
        if tag.is_empty() || tag == "latest" || tag.contains('/') {
            problems.push(
                Diagnostic::error("image", format!("{:?} is not pinned to a version", config.image))
                    .hint("trinodb/trino:477"),
            );
        }
        problems.extend(check_range("workers", config.workers, 1..=100));
        problems.extend(check_range("query_max_execution_hours", config.query_max_execution_hours, 1..=168));
        problems.extend(check_range("shutdown_grace_period_seconds", config.shutdown_grace_period_seconds, 10..=3600));
        let coordinator = sized("coordinator_instance_type", &config.coordinator_instance_type);
        if let Err(problem) = &coordinator {
            problems.push(problem.clone());
        }
        if let Err(problem) = sized("worker_instance_type", &config.worker_instance_type) {
            problems.push(problem);
        }
        if let Ok(coordinator) = coordinator {
            let autoscaled = facts.flag(KEDA_FLAG);
            let wanted = coordinator_vcpu_for(expected_workers(config, autoscaled));
            if coordinator.instance.vcpu < wanted {
                problems.push(
                    Diagnostic::warning(
                        "coordinator_instance_type",
                        format!(
                            "{} has {} vCPU; {} want a coordinator of at least {wanted} vCPU",
                            config.coordinator_instance_type,
                            coordinator.instance.vcpu,
                            workers_phrase(config, autoscaled)
                        ),
                    )
                    .hint("coordinator vCPU by workers: under 50 -> 16, 50 to 100 -> 32, over 100 -> 64"),
                );
            }
        }
        if let Some(zone) = &config.zone
            && !(zone.len() == 1 && zone.bytes().all(|b| b.is_ascii_lowercase()))
        {
            problems.push(
                Diagnostic::error("zone", format!("{zone:?} is not an availability-zone suffix"))
                    .hint("a single letter such as \"a\", or leave it out"),
            );
        }
        if facts.flag(KEDA_FLAG) {
            let a = &config.autoscaling;
            problems.extend(check_range("autoscaling.min_workers", a.min_workers, 0..=100));
            problems.extend(check_range(
                "autoscaling.first_query_max_wait_seconds",
                a.first_query_max_wait_seconds,
                60..=3600,
            ));
            let least = a.polling_seconds + WORKER_ARRIVAL_SECONDS;
            if a.min_workers == 0 && a.first_query_max_wait_seconds < least {
                problems.push(
                    Diagnostic::error(
                        "autoscaling.first_query_max_wait_seconds",
                        format!(
                            "with min_workers 0 a first query waits for KEDA's poll ({} s) and a new worker node \
                             (about {WORKER_ARRIVAL_SECONDS} s); {} s would fail it",
                            a.polling_seconds, a.first_query_max_wait_seconds
                        ),
                    )
                    .hint(format!("first_query_max_wait_seconds: {} or more", least.max(300))),
                );
            }
            problems.extend(check_range("autoscaling.max_workers", a.max_workers, 1..=100));
            problems.extend(check_range("autoscaling.queued_threshold", a.queued_threshold, 1..=1000));
            problems.extend(check_range("autoscaling.running_threshold", a.running_threshold, 1..=1000));
            problems.extend(check_range("autoscaling.cooldown_seconds", a.cooldown_seconds, 60..=3600));
            problems.extend(check_range("autoscaling.polling_seconds", a.polling_seconds, 10..=300));
            if a.min_workers > a.max_workers {
                problems.push(
                    Diagnostic::error(
                        "autoscaling.min_workers",
                        format!("min_workers {} is above max_workers {}", a.min_workers, a.max_workers),
                    )
                    .hint(format!("min_workers: {} or less", a.max_workers)),
                );
            }
            // The prometheus-query endpoint is known only once prometheus is planned (validation
            // runs before): plan() refuses to render a scaler without it.
        }
        if config.https && !facts.addon_enabled("cert_manager") {
            problems.push(
                Diagnostic::error("https", "https needs cert-manager to issue the coordinator's certificate")
                    .hint("enable_cert_manager: true"),
            );
        }
        if !config.https {
            problems.push(
                Diagnostic::warning("https", "Trino serves plain HTTP without authentication inside the cluster")
                    .hint("https: true (password authentication needs HTTPS)"),
            );
        }
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let keda = facts.flag(KEDA_FLAG);
        let derived = derive(config, keda)?;
        let prometheus = facts.addon_enabled("prometheus");
        let prometheus_query = facts.endpoint("prometheus", "prometheus-query").map(|e| e.url.clone());
        if keda && prometheus_query.is_none() {
            let message = format!("{KEDA_FLAG} needs the prometheus addon's endpoint prometheus-query for the scaler");
            return Err(vec![Diagnostic::error("", message).hint(if prometheus {
                "prometheus is enabled but did not plan: fix its errors first"
            } else {
                "enable_prometheus: true"
            })]);
        }
        let region = facts.region.as_str();
        let fte = config.retry_policy != RetryPolicy::None;
        let zone_note = config.zone.as_deref().map(|z| format!("{region}{z}"));

        let role_files = |coordinator: bool| {
            let sizing = if coordinator { derived.coordinator } else { derived.worker };
            let mut data = BTreeMap::from([
                ("config.properties".to_string(), properties(&config_properties(config, &derived, coordinator, keda))),
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
            if fte {
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
        };
        let catalogs: BTreeMap<String, String> =
            catalog_files(config, region).iter().map(|(f, p)| (f.to_string(), properties(p))).collect();

        let namespace: Namespace =
            typed(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels(None)}}));
        let account: ServiceAccount = typed(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": RELEASE, "namespace": ns, "labels": labels(None)}}),
        );
        let mut coordinator_ports =
            vec![json!({"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"})];
        if config.https {
            coordinator_ports
                .push(json!({"name": "https", "port": HTTPS_PORT, "targetPort": "https", "protocol": "TCP"}));
        }
        let service: Service = typed(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": RELEASE, "namespace": ns, "labels": labels(Some("coordinator"))},
            "spec": {"type": "ClusterIP", "selector": selector(Some("coordinator")), "ports": coordinator_ports},
        }));
        let workers_service: Service = typed(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": WORKER, "namespace": ns, "labels": labels(Some("worker"))},
            "spec": {"clusterIP": "None", "selector": selector(Some("worker")), "ports": [{"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"}]},
        }));
        let pdb: PodDisruptionBudget = typed(json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": COORDINATOR, "namespace": ns, "labels": labels(Some("coordinator"))},
            "spec": {"maxUnavailable": 0, "selector": {"matchLabels": selector(Some("coordinator"))}},
        }));
        let mut policy_ports = vec![json!({"protocol": "TCP", "port": PORT})];
        if config.https {
            policy_ports.push(json!({"protocol": "TCP", "port": HTTPS_PORT}));
        }
        // Ingress to Trino from pods of the namespace: coordinator and workers are pods of it,
        // so their traffic both ways is covered. Clients get their own policy, on the coordinator.
        let clients: Option<NetworkPolicy> = (!config.client_namespaces.is_empty()).then(|| {
            let from: Vec<Value> = config
                .client_namespaces
                .iter()
                .map(|n| json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": n}}}))
                .collect();
            typed(json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "trino-clients", "namespace": ns, "labels": labels(Some("coordinator"))},
                "spec": {
                    "podSelector": {"matchLabels": selector(Some("coordinator"))},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": from, "ports": policy_ports.clone()}],
                },
            }))
        });
        let mut ingress = vec![json!({"from": [{"podSelector": {}}], "ports": policy_ports})];
        // Prometheus scrapes the coordinator's /metrics from its own namespace.
        if prometheus && let Some(monitoring) = prometheus_query.as_deref().and_then(endpoint_namespace) {
            ingress.push(json!({
                "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": monitoring}}}],
                "ports": [{"protocol": "TCP", "port": if config.https { HTTPS_PORT } else { PORT }}],
            }));
        }
        let network_policy: NetworkPolicy = typed(json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": RELEASE, "namespace": ns, "labels": labels(None)},
            "spec": {
                "podSelector": {"matchLabels": selector(None)},
                "policyTypes": ["Ingress"],
                "ingress": ingress,
            },
        }));

        let release = Release::new(RELEASE, ns)
            .object(&namespace)
            .object(&account)
            .object(&config_map(COORDINATOR, ns, Some("coordinator"), role_files(true)))
            .object(&config_map(WORKER, ns, Some("worker"), role_files(false)))
            .object(&config_map(CATALOG, ns, None, catalogs))
            .object(&deployment(config, region, &derived.coordinator, true, keda))
            .object(&service)
            .object(&deployment(config, region, &derived.worker, false, keda))
            .object(&workers_service)
            .object(&pdb)
            .object(&network_policy)
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), COORDINATOR).timeout(600))
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), WORKER).timeout(900));
        let mut release = release;
        if let Some(clients) = &clients {
            release = release.object(clients);
        }
        if config.https {
            for object in tls_objects(ns) {
                release = release.object(&object);
            }
            release = release
                .health(
                    HealthCheck::ready("cert-manager.io/v1", "Certificate", Some(ns), TLS_SECRET)
                        .condition("{.status.conditions[?(@.type=='Ready')].status}", "True")
                        .timeout(300),
                )
                .depends_on("cert_manager/cert-manager");
        }
        if prometheus {
            release = release.object(&service_monitor(config)).depends_on("prometheus/prometheus");
        }
        if let (true, Some(server_address)) = (keda, prometheus_query.as_deref()) {
            release = release
                .object(&scaled_object(config, server_address))
                .health(
                    HealthCheck::ready("keda.sh/v1alpha1", "ScaledObject", Some(ns), WORKER)
                        .condition("{.status.conditions[?(@.type=='Ready')].status}", "True")
                        .timeout(300),
                )
                .depends_on("keda/keda");
        }

        let mut plan = AddonPlan::new().release(release);

        // Buckets: data (kept) and, with fault-tolerant execution, the scratch exchange.
        plan = plan.bucket(Bucket::new("data", "Hive and Iceberg warehouse of the Trino Glue catalogs"));
        if fte {
            plan = plan.bucket(
                Bucket::new("exchange", "Trino fault-tolerant execution spooling (exchange manager)")
                    .scratch()
                    .expire_after_days("", 1),
            );
        }

        // IAM: S3 on our buckets only; Glue on the catalog, its databases and tables.
        let s3_actions = [
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:ListBucketMultipartUploads",
            "s3:ListMultipartUploadParts",
            "s3:AbortMultipartUpload",
        ];
        let mut grant = IamGrant::new(RELEASE).allow(
            "TrinoDataBucket",
            &s3_actions,
            vec![Resource::Bucket("data".into()), Resource::BucketObjects(("data".into(), String::new()))],
        );
        if fte {
            grant = grant.allow(
                "TrinoExchangeBucket",
                &s3_actions,
                vec![Resource::Bucket("exchange".into()), Resource::BucketObjects(("exchange".into(), String::new()))],
            );
        }
        if config.catalogs.hive || config.catalogs.iceberg {
            grant = grant.allow(
                "TrinoGlueCatalog",
                &[
                    "glue:GetDatabase",
                    "glue:GetDatabases",
                    "glue:CreateDatabase",
                    "glue:UpdateDatabase",
                    "glue:DeleteDatabase",
                    "glue:GetTable",
                    "glue:GetTables",
                    "glue:GetTableVersion",
                    "glue:GetTableVersions",
                    "glue:CreateTable",
                    "glue:UpdateTable",
                    "glue:DeleteTable",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:BatchGetPartition",
                    "glue:CreatePartition",
                    "glue:BatchCreatePartition",
                    "glue:UpdatePartition",
                    "glue:BatchUpdatePartition",
                    "glue:DeletePartition",
                    "glue:BatchDeletePartition",
                    "glue:GetColumnStatisticsForTable",
                    "glue:UpdateColumnStatisticsForTable",
                    "glue:DeleteColumnStatisticsForTable",
                    "glue:GetColumnStatisticsForPartition",
                    "glue:UpdateColumnStatisticsForPartition",
                    "glue:DeleteColumnStatisticsForPartition",
                ],
                vec![
                    Resource::Arn("arn:${partition}:glue:${region}:${account}:catalog".into()),
                    Resource::Arn("arn:${partition}:glue:${region}:${account}:database/*".into()),
                    Resource::Arn("arn:${partition}:glue:${region}:${account}:table/*/*".into()),
                ],
            );
        }
        plan = plan.grant(grant).pod_identity(ns, RELEASE, RELEASE);

        // Secret: admin password (and the internal shared secret used when https is on).
        plan = plan.secret(
            GeneratedSecret::new(ns, "trino-users")
                .fixed("username", "admin")
                .random("password")
                .random("shared-secret"),
        );

        // NodePools.
        let mut coordinator_pool = NodePoolRequest::new(COORDINATOR);
        coordinator_pool.architectures =
            vec![if derived.coordinator.instance.arm64 { "arm64" } else { "amd64" }.to_string()];
        coordinator_pool.instance_types = vec![config.coordinator_instance_type.clone()];
        coordinator_pool.instance_families = vec![derived.coordinator.instance.family.to_string()];
        coordinator_pool.single_zone = true;
        coordinator_pool.zone = config.zone.clone();
        // Karpenter's expiry is forceful (do-not-disrupt does not stop it) and a coordinator
        // restart fails every running query: its node never expires.
        coordinator_pool.expire_after_hours = 0;
        coordinator_pool.consolidation = Consolidation::WhenEmpty;
        coordinator_pool.labels = vec![(POOL_LABEL.into(), COORDINATOR.into())];
        let mut worker_pool = NodePoolRequest::new(WORKER);
        worker_pool.capacity_types = if config.spot_workers {
            vec![CapacityType::Spot, CapacityType::OnDemand]
        } else {
            vec![CapacityType::OnDemand]
        };
        worker_pool.architectures = vec![if derived.worker.instance.arm64 { "arm64" } else { "amd64" }.to_string()];
        worker_pool.instance_types = vec![config.worker_instance_type.clone()];
        worker_pool.instance_families = vec![derived.worker.instance.family.to_string()];
        worker_pool.single_zone = true;
        worker_pool.zone = config.zone.clone();
        worker_pool.consolidation = Consolidation::WhenEmpty;
        worker_pool.labels = vec![(POOL_LABEL.into(), WORKER.into())];
        worker_pool.taints =
            vec![Taint { key: WORKER_TAINT.into(), value: "true".into(), effect: TaintEffect::NoSchedule }];
        worker_pool.limit_cpu = Some(derived.worker.instance.vcpu * 100);
        plan = plan.node_pool(coordinator_pool).node_pool(worker_pool);

        plan = plan.endpoint(Endpoint::new(
            "trino",
            "http",
            format!("http://{RELEASE}.{ns}.svc:{PORT}"),
            "Trino coordinator (HTTP) inside the cluster",
        ));
        if config.https {
            plan = plan.endpoint(Endpoint::new(
                "trino",
                "https",
                format!("https://{RELEASE}.{ns}.svc:{HTTPS_PORT}"),
                "Trino coordinator (HTTPS, password authentication; CA in Secret trino-ca) inside the cluster",
            ));
        }

        // Notes: every derived value.
        for (role, s, ty) in [
            ("coordinator", derived.coordinator, &config.coordinator_instance_type),
            ("worker", derived.worker, &config.worker_instance_type),
        ] {
            plan = plan.note(
                &format!("sizing-{role}"),
                format!(
                    "{ty} has {} vCPU and {} GiB; allocatable to Trino {} GiB (90 % minus 2 GiB for kubelet, system \
                     reserve, eviction threshold and DaemonSets) and {}m CPU (90 % minus 300m); container \
                     requests = limits {}m CPU / {} GiB (Guaranteed QoS, at most {MAX_CONTAINER_GIB} GiB); JVM heap \
                     -Xmx{}G = 80 % of the container (below 256 GB); memory.heap-headroom-per-node {}GB = 15 % of \
                     heap; query.max-memory-per-node {}GB = 80 % of heap minus headroom; per-node + headroom = {} GB \
                     < heap {} GB",
                    s.instance.vcpu,
                    s.instance.memory_gib,
                    s.allocatable_gib,
                    s.allocatable_millicpu,
                    s.container_millicpu,
                    s.container_gib,
                    s.heap_gib,
                    s.headroom_gib,
                    s.per_node_gib,
                    s.per_node_gib + s.headroom_gib,
                    s.heap_gib
                ),
            );
        }
        plan = plan.note(
            "query-max-memory",
            format!(
                "query.max-memory {}GB = query.max-memory-per-node {}GB x {}, at least Trino's default \
                 {QUERY_MAX_MEMORY_FLOOR_GB}GB",
                derived.query_max_memory_gb,
                derived.worker.per_node_gib,
                workers_phrase(config, keda)
            ),
        );
        let wanted = coordinator_vcpu_for(expected_workers(config, keda));
        plan = plan.note(
            "coordinator-size",
            format!(
                "coordinator rule: under 50 workers 16 vCPU, 50-100 workers 32 vCPU, over 100 workers 64 vCPU; \
                 {} want {wanted} vCPU, {} has {}{}",
                workers_phrase(config, keda),
                config.coordinator_instance_type,
                derived.coordinator.instance.vcpu,
                if derived.coordinator.instance.vcpu < wanted { " (too small: see the warning)" } else { "" }
            ),
        );
        plan = plan.note(
            "fault-tolerance",
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
            },
        );
        plan = plan.note(
            "graceful-shutdown",
            format!(
                "workers drain on stop: shutdown.grace-period={}s; preStop runs `curl -X PUT -H 'X-Trino-User: \
                 admin' -d '\"SHUTTING_DOWN\"' http://localhost:{PORT}/v1/info/state` and waits for the JVM to exit; \
                 terminationGracePeriodSeconds {} = 2 x grace + 60 s for running tasks; each worker's \
                 access-control.properties (file-based, graceful-shutdown-rules.json) lets `admin` make that \
                 state change, which Trino's default access control refuses",
                config.shutdown_grace_period_seconds,
                2 * config.shutdown_grace_period_seconds + 60
            ),
        );
        plan = plan.note(
            "authentication",
            if config.https {
                format!(
                    "https on: the coordinator serves port {HTTPS_PORT} with the certificate cert-manager issues \
                     into Secret {TLS_SECRET} (ECDSA P-256, 90 days, renewed 15 days before expiry, for {RELEASE}, \
                     {RELEASE}.{ns}.svc and {RELEASE}.{ns}.svc.cluster.local; Trino reads the combined PEM \
                     {TLS_COMBINED}), signed by the platform's Trino CA (Secret {CA_SECRET}, self-signed; clients \
                     trust its ca.crt). Password authentication: init container password-file ({HTPASSWD_IMAGE}) \
                     writes admin:<bcrypt cost 10 of the generated password> to {PASSWORD_DIR}/password.db (memory \
                     emptyDir) at each coordinator start, so the password lives only in Secret trino-users; workers \
                     and coordinator share internal-communication.shared-secret from the same Secret. Read the \
                     password with `kubectl -n {ns} get secret trino-users -o jsonpath='{{.data.password}}' | base64 -d`"
                )
            } else {
                "https off: Trino accepts any user over plain HTTP (it only allows password authentication over \
                 HTTPS); Secret trino-users (admin + random password) is generated now so turning https on keeps \
                 the same credentials"
                    .to_string()
            },
        );
        if prometheus {
            plan = plan.note(
                "metrics",
                format!(
                    "Trino's own OpenMetrics endpoint, no exporter sidecar: ServiceMonitor {RELEASE} (namespace {ns}) \
                     scrapes GET /metrics on port {} of Service {RELEASE} (the coordinator) every 15 s; Trino serves \
                     its JMX MBeans there as trino_... gauges, among them {QUEUED_METRIC} and {RUNNING_METRIC} \
                     (MBean trino.execution:name=QueryManager) and {REQUIRED_METRIC} (MBean \
                     trino.execution:name=ClusterSizeMonitor). The endpoint needs an identified user: the \
                     ServiceMonitor sends Basic auth with user admin from Secret trino-users{}. Samples carry \
                     job=\"{JOB}\" (prometheus-operator names the job after the Service when the ServiceMonitor \
                     sets no jobLabel) and namespace=\"{ns}\"; the NetworkPolicy admits the Prometheus namespace{}",
                    if config.https { "https" } else { "http" },
                    if config.https {
                        " and its password (the password authenticator checks it over HTTPS)"
                    } else {
                        " and no password (Trino's default insecure authenticator takes the user from it and \
                         refuses a password)"
                    },
                    prometheus_query
                        .as_deref()
                        .and_then(endpoint_namespace)
                        .map(|m| format!(" {m}"))
                        .unwrap_or_default()
                ),
            );
        }
        if let (true, Some(server_address)) = (keda, prometheus_query.as_deref()) {
            let a = &config.autoscaling;
            plan = plan.note(
                "autoscaling",
                format!(
                    "KEDA ScaledObject {WORKER} scales Deployment {WORKER} (which carries no replicas: the HPA owns \
                     them; `workers` is ignored) between {} and {} pods, querying {server_address} every {} s. \
                     Triggers (AverageValue, so desired workers = ceil(value / threshold)): `{}` over {} queued \
                     queries per worker, `{}` over {} running or queued queries per worker, and `{}` at 1 per worker (the \
                     workers a waiting query needs, so a query asking for more workers than run gets them at once). \
                     Up fast (the larger of +100 % and +{SCALE_UP_PODS} pods per {SCALE_UP_PERIOD} s, no \
                     stabilization), down slow ({SCALE_DOWN_PODS} pod per {SCALE_DOWN_PERIOD} s once the highest \
                     recommendation of the last {SCALE_DOWN_WINDOW} s allows it); each removed worker drains \
                     through the preStop graceful shutdown. ignoreNullValues \"false\": a missing series is an \
                     error, not 0, so after 3 failed queries the fallback holds {} worker(s) instead of silently \
                     scaling in. The coordinator sets query-manager.required-workers=1 and \
                     query-manager.required-workers-max-wait={}s: a query that finds no worker waits for one \
                     instead of failing. The reference's scaler never scaled because it queried a Prometheus URL \
                     that does not exist (ours comes from the prometheus addon's prometheus-query endpoint), \
                     targeted the wrong kind (ours is apps/v1 Deployment {WORKER}, the object the plugin renders) \
                     and filtered on a job label no target had (ours is job=\"{JOB}\", the name of the Service \
                     ServiceMonitor {RELEASE} scrapes, checked by the plugin's tests)",
                    a.min_workers,
                    a.max_workers,
                    a.polling_seconds,
                    promql(QUEUED_METRIC, ns),
                    a.queued_threshold,
                    load_promql(ns),
                    a.running_threshold,
                    promql(REQUIRED_METRIC, ns),
                    a.min_workers.max(1),
                    a.first_query_max_wait_seconds,
                ),
            );
            if a.min_workers == 0 {
                plan = plan.note(
                    "scale-to-zero",
                    format!(
                        "min_workers 0: idleReplicaCount 0, minReplicaCount 1. After {} s without queued, running or \
                         waiting queries KEDA scales the workers to zero and Karpenter removes their nodes. A query \
                         arriving then finds no worker: it waits in WAITING_FOR_RESOURCES (not in the queue, so \
                         QueuedQueries stays 0), RequiredWorkers turns 1, KEDA sees it at its next poll (up to {} s) \
                         and scales to 1; expect the first query of an idle period to start after about {}-{} s \
                         (poll, node launch 60-90 s, Trino start), within its {} s wait",
                        a.cooldown_seconds,
                        a.polling_seconds,
                        WORKER_ARRIVAL_SECONDS - 30,
                        a.polling_seconds + WORKER_ARRIVAL_SECONDS,
                        a.first_query_max_wait_seconds
                    ),
                );
            }
        }
        plan = plan.note(
            "placement",
            format!(
                "coordinator on NodePool {COORDINATOR} (on-demand, one zone, consolidated only when empty, \
                 do-not-disrupt, nodes never expire); workers on NodePool {WORKER} ({}, one zone, taint {WORKER_TAINT}=true:NoSchedule, \
                 one worker per node by pod anti-affinity), {} family{}",
                if config.spot_workers { "spot with on-demand fallback" } else { "on-demand" },
                derived.worker.instance.family,
                zone_note.map(|z| format!(", zone {z}")).unwrap_or_default()
            ),
        );
        Ok(plan)
    }
}

export_addon!(Trino);

#[cfg(test)]
mod tests;
