//! The `trino:` block of platform.yaml: its types and defaults, the feature flag, and the checks
//! `validate` runs on them.

use crate::sizing::{coordinator_vcpu_for, sized};
use dataplat_sdk::schemars::{self, JsonSchema};
use dataplat_sdk::{Diagnostic, PlatformFacts, check_dns1123_label, check_range};
use serde::{Deserialize, Serialize};

/// Feature flag: KEDA scales the workers on Trino's own metrics.
pub const KEDA_FLAG: &str = "enable_trino_keda";
/// Feature flag: a `kafka` catalog on the kafka addon's cluster.
pub const KAFKA_FLAG: &str = "enable_trino_kafka";
/// Longest a worker node takes to join (Karpenter launch and boot, 60-90 s) plus a Trino worker's
/// start (image pull and JVM, about 60 s): the least time a first query must be allowed to wait.
pub const WORKER_ARRIVAL_SECONDS: u32 = 150;

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
    pub(crate) fn as_str(self) -> &'static str {
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
    /// Kafka topics the `kafka` catalog shows as tables (only with `enable_trino_kafka`), in
    /// schema `default` (a name with one dot, `x.y`, is table `y` of schema `x`); each has the
    /// connector's columns (`_key`, `_message`, `_timestamp`, ...) and no decoded data columns.
    /// Topics not listed are not visible.
    pub kafka_topics: Vec<String>,
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
            kafka_topics: Vec::new(),
        }
    }
}

/// The worker count memory limits and the coordinator are sized for: `workers`, or with
/// autoscaling the most workers KEDA may run.
pub(crate) fn expected_workers(config: &Config, autoscaled: bool) -> u32 {
    if autoscaled { config.autoscaling.max_workers } else { config.workers }
}

/// How the note and the warning name that count.
pub(crate) fn workers_phrase(config: &Config, autoscaled: bool) -> String {
    let n = expected_workers(config, autoscaled);
    if autoscaled { format!("{n} worker(s) (autoscaling.max_workers)") } else { format!("{n} worker(s)") }
}

/// Every check of the block, in the order `validate` reports them.
pub(crate) fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
    let autoscaled = facts.flag(KEDA_FLAG);
    let mut problems = check_names(config);
    problems.extend(check_counts(config));
    problems.extend(check_instance_types(config, autoscaled));
    problems.extend(check_zone(config));
    if autoscaled {
        problems.extend(check_autoscaling(&config.autoscaling));
    }
    problems.extend(check_https(config, facts));
    problems
}

/// Namespaces are DNS labels; the image is pinned to a version.
fn check_names(config: &Config) -> Vec<Diagnostic> {
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
    problems
}

fn check_counts(config: &Config) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    problems.extend(check_range("workers", config.workers, 1..=100));
    problems.extend(check_range("query_max_execution_hours", config.query_max_execution_hours, 1..=168));
    problems.extend(check_range("shutdown_grace_period_seconds", config.shutdown_grace_period_seconds, 10..=3600));
    problems
}

/// Both instance types are in the sizing table and big enough; the coordinator suits the
/// expected worker count (a warning).
fn check_instance_types(config: &Config, autoscaled: bool) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let coordinator = sized("coordinator_instance_type", &config.coordinator_instance_type);
    if let Err(problem) = &coordinator {
        problems.push(problem.clone());
    }
    if let Err(problem) = sized("worker_instance_type", &config.worker_instance_type) {
        problems.push(problem);
    }
    if let Ok(coordinator) = coordinator {
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
    problems
}

fn check_zone(config: &Config) -> Option<Diagnostic> {
    let zone = config.zone.as_ref()?;
    (!(zone.len() == 1 && zone.bytes().all(|b| b.is_ascii_lowercase()))).then(|| {
        Diagnostic::error("zone", format!("{zone:?} is not an availability-zone suffix"))
            .hint("a single letter such as \"a\", or leave it out")
    })
}

/// The `autoscaling` block, checked only with [`KEDA_FLAG`].
fn check_autoscaling(a: &Autoscaling) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    problems.extend(check_range("autoscaling.min_workers", a.min_workers, 0..=100));
    problems.extend(check_range("autoscaling.first_query_max_wait_seconds", a.first_query_max_wait_seconds, 60..=3600));
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
    problems
}

/// `https` needs cert-manager; plain HTTP is a warning.
fn check_https(config: &Config, facts: &PlatformFacts) -> Option<Diagnostic> {
    if config.https && !facts.addon_enabled("cert_manager") {
        return Some(
            Diagnostic::error("https", "https needs cert-manager to issue the coordinator's certificate")
                .hint("enable_cert_manager: true"),
        );
    }
    (!config.https).then(|| {
        Diagnostic::warning("https", "Trino serves plain HTTP without authentication inside the cluster")
            .hint("https: true (password authentication needs HTTPS)")
    })
}
