//! spark_operator: the built-in addon that installs the Kubeflow Spark operator and gives each
//! Spark team what its jobs need on day one, as the reference's teams have.
//!
//! Each team (`teams`, default `[spark-team-a]`) gets:
//! - its namespace, where the operator runs its `SparkApplication`s, and the service account
//!   `spark` (created by the chart, with its RBAC) that drivers and executors run as;
//! - an IAM role associated with that service account by EKS Pod Identity: read/write on the
//!   platform's data bucket (`core/data`), on the Spark event logs (the history server's bucket
//!   when spark_history_server is enabled, else `spark-event-logs/` in the data bucket), and the
//!   Glue Data Catalog on the platform's databases only;
//! - the operator's Spark defaults, so a job needs no AWS settings of its own. The controller runs
//!   `spark-submit`, which reads `spark-defaults.conf` from `SPARK_CONF_DIR`: ConfigMap
//!   `spark-defaults` is mounted there. It sets the event log directory, S3A with the container
//!   credentials provider (the one EKS Pod Identity serves), an Iceberg catalog `glue` on the Glue
//!   Data Catalog with its warehouse in the data bucket, the image, the service account, and pod
//!   templates that put drivers on NodePool `spark-driver` (on-demand) and executors on
//!   `spark-executor` (spot first, compute-optimized Graviton by default). An application's own
//!   `sparkConf` still wins over every default.
//!
//! With the yunikorn addon enabled, the operator's batch scheduler integration is switched on
//! with YuniKorn as the default, so Spark drivers and executors are gang-scheduled into queues.
//! Chart keys were checked against the 2.4.0 chart's values.yaml (`controller.batchScheduler.{enable,
//! default}`, `controller.{env,volumes,volumeMounts}`, `spark.jobNamespaces`,
//! `spark.serviceAccount.name`, `prometheus.{metrics.enable,podMonitor.create}`) and its source
//! (`internal/controller/sparkapplication/submission.go` runs `$SPARK_HOME/bin/spark-submit`
//! with the controller's environment and no `--properties-file`).

use dataplat_sdk::data::{PLATFORM_DATA_BUCKET, bucket_of, bucket_placeholder};
use dataplat_sdk::serde_json::{Value, json};
use dataplat_sdk::*;

/// The Spark operator addon.
pub struct SparkOperator;

impl Addon for SparkOperator {
    type Config = Config;
    const NAME: &'static str = "spark_operator";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Kubeflow Spark operator: SparkApplications in team namespaces";

    fn flags() -> Vec<Flag> {
        vec![
            Flag::addon("enable_spark_operator", "Install the Kubeflow Spark operator"),
            Flag::feature(
                CONNECT_FLAG,
                "A Spark Connect server per team (the operator's SparkConnect), for notebooks and other clients",
            ),
        ]
    }

    fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        problems.extend(check_reserved_values(
            &config.values,
            &[
                "fullnameOverride",
                "spark.serviceAccount.name",
                "controller.env",
                "controller.volumes",
                "controller.volumeMounts",
            ],
            "health checks, the teams' Pod Identity associations and the Spark defaults use them",
        ));
        problems.extend(check_namespace_list("teams", &config.teams, "spark-team-a"));
        problems.extend(check_range("executor_max_vcpu", config.executor_max_vcpu, 1..=100_000));
        problems.extend(check_range("driver_max_vcpu", config.driver_max_vcpu, 1..=100_000));
        problems.extend(check_range("team_quota.vcpu", config.team_quota.vcpu, 1..=100_000));
        problems.extend(check_range("team_quota.memory_gib", config.team_quota.memory_gib, 1..=1_000_000));
        problems.extend(config.connect.check());
        if config.image.rsplit_once(':').is_none_or(|(_, tag)| tag.is_empty() || tag == "latest" || tag.contains('/')) {
            problems.push(
                Diagnostic::error("image", format!("{:?} is not pinned to a version", config.image))
                    .hint("spark:4.0.0"),
            );
        }
        for (key, _) in config.spark_conf.iter().filter(|(k, _)| !k.starts_with("spark.")) {
            problems.push(
                Diagnostic::error(&format!("spark_conf.{key}"), "is not a Spark property (they start with `spark.`)")
                    .hint("spark.executor.memory: 8g"),
            );
        }
        if wants_cert_manager(config) && !facts.addon_enabled("cert_manager") {
            problems.push(
                Diagnostic::error(
                    "values.certManager.enable",
                    "the webhook's certificate from cert-manager needs the cert_manager addon (its Issuer and \
                     Certificate CRDs and its controller)",
                )
                .hint("enable_cert_manager: true, or drop certManager.enable to let the webhook sign its own"),
            );
        }
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let core = core_node_selector();
        let monitoring = Monitoring::new(facts, "PodMonitor").served_at("on :8080/metrics");
        let yunikorn = facts.addon_enabled("yunikorn");
        let event_logs = EventLogs::of(facts);
        let mut controller = json!({
            "nodeSelector": core,
            "resources": resources("100m", "300Mi", "1", "1Gi"),
            // spark-submit, run by the controller, reads spark-defaults.conf from here.
            "env": [{ "name": "SPARK_CONF_DIR", "value": DEFAULTS_DIR }],
            // The chart's own `tmp` volume is kept: spark-submit writes its artifacts there.
            "volumes": [
                { "name": "tmp", "emptyDir": { "sizeLimit": "1Gi" } },
                { "name": "spark-defaults", "configMap": { "name": DEFAULTS_CONFIG_MAP } },
            ],
            "volumeMounts": [
                { "name": "tmp", "mountPath": "/tmp", "readOnly": false },
                { "name": "spark-defaults", "mountPath": DEFAULTS_DIR, "readOnly": true },
            ],
        });
        if yunikorn {
            // `default` must be "volcano" or "yunikorn"; applications may still name another.
            controller["batchScheduler"] = json!({ "enable": true, "default": "yunikorn" });
        }
        let defaults = json!({
            "fullnameOverride": RELEASE,
            "controller": controller,
            "webhook": {
                "enable": true,
                "nodeSelector": core,
                "resources": resources("50m", "128Mi", "500m", "512Mi"),
            },
            "spark": {
                "jobNamespaces": config.teams,
                "serviceAccount": { "create": true, "name": SERVICE_ACCOUNT },
            },
            "prometheus": {
                "metrics": { "enable": true },
                "podMonitor": { "create": monitoring.enabled() },
            },
        });
        let release = config
            .chart_release(RELEASE, defaults)
            .object(&spark_defaults(config, facts, &event_logs))
            // The PodMonitor CRD comes with the prometheus release.
            .monitored_by(&monitoring)
            // Spark pods are admitted and placed by YuniKorn once it is the default scheduler.
            .depends_on_if(yunikorn, "yunikorn/yunikorn")
            // `certManager.enable` renders an Issuer and a Certificate: cert-manager's CRDs (which
            // its chart renders from templates) and controller come first.
            .depends_on_if(wants_cert_manager(config), "cert_manager/cert-manager")
            .ready_deployments([format!("{RELEASE}-controller"), format!("{RELEASE}-webhook")])
            .crd_ready("sparkapplications.sparkoperator.k8s.io");
        // The chart creates the Spark service account and RBAC in each team namespace but not
        // the namespace itself. With yunikorn, each namespace declares its team's queue.
        let release = if yunikorn {
            config
                .teams
                .iter()
                .filter(|team| **team != config.namespace)
                .fold(release, |release, team| release.object(&team_namespace(team, &config.team_quota)))
        } else {
            release.namespace_objects(&config.teams)
        };
        let connect = facts.flag(CONNECT_FLAG);
        let release = if connect {
            config
                .teams
                .iter()
                .flat_map(|team| connect_objects(config, facts, &event_logs, team))
                .fold(release, |release, object| release.object(&object))
                .crd_ready("sparkconnects.sparkoperator.k8s.io")
        } else {
            release
        };
        let mut plan =
            AddonPlan::new().release(release).node_pool(driver_pool(config)).node_pool(executor_pool(config));
        if yunikorn {
            // The yunikorn addon (planned after this one) lists these queues in its layout.
            for team in &config.teams {
                plan = plan.endpoint(Endpoint::new(
                    "spark_operator",
                    &format!("queue-{team}"),
                    format!(
                        "yunikorn://{}?vcore={}&memory={}Gi",
                        team_queue(team),
                        config.team_quota.vcpu,
                        config.team_quota.memory_gib
                    ),
                    &format!("YuniKorn queue of team {team} and its quota"),
                ));
            }
        }
        if connect {
            for team in &config.teams {
                plan = plan.endpoint(Endpoint::new(
                    "spark_operator",
                    &connect_endpoint_name(team),
                    connect_url(team),
                    &format!("Spark Connect server of team {team} (runs as its service account {SERVICE_ACCOUNT})"),
                ));
            }
            plan = plan.note("spark-connect", config.connect.note(config));
        }
        for team in &config.teams {
            plan = plan.grant(team_grant(team, facts, &event_logs)).pod_identity(team, SERVICE_ACCOUNT, team);
        }
        plan = plan
            .note(
                "teams",
                format!(
                    "SparkApplications run in {}; in each, service account {SERVICE_ACCOUNT} (drivers and executors) has \
                     its own role by Pod Identity: read/write on the platform data bucket and the event logs, Glue on \
                     the databases {}* only",
                    config.teams.join(", "),
                    data::glue_database_prefix(&facts.name)
                ),
            )
            .note("spark-defaults", defaults_note(config, &event_logs))
            .note(
                "capacity",
                format!(
                    "drivers on NodePool {DRIVER_POOL} (on-demand, {}, at most {} vCPU), executors on {EXECUTOR_POOL} \
                     (spot, then on-demand, {}, at most {} vCPU), both tainted for Spark only, through the pod templates \
                     of the Spark defaults",
                    config.driver_instance_families.join("/"),
                    config.driver_max_vcpu,
                    config.executor_instance_families.join("/"),
                    config.executor_max_vcpu
                ),
            )
            .monitoring_note(&monitoring);
        if yunikorn {
            plan = plan.note(
                "batch-scheduler",
                format!(
                    "batch scheduler on with yunikorn as default because yunikorn is enabled: each team's drivers and \
                     executors are gang-scheduled into queue {PARENT_QUEUE}.<team>, which its namespace declares \
                     (annotations yunikorn.apache.org/parentqueue and namespace.quota: at most {} vCPU and {} GiB)",
                    config.team_quota.vcpu, config.team_quota.memory_gib
                ),
            );
        }
        Ok(plan)
    }
}

/// Where Spark event logs go: the history server's bucket when it is enabled (which reads them
/// there), else the platform data bucket; always under `spark-event-logs/`.
struct EventLogs {
    bucket: String,
    history_server: bool,
}

impl EventLogs {
    fn of(facts: &PlatformFacts) -> EventLogs {
        let history_server = facts.addon_enabled(HISTORY_SERVER);
        let bucket =
            if history_server { bucket_of(HISTORY_SERVER, EVENT_LOG_BUCKET) } else { PLATFORM_DATA_BUCKET.into() };
        EventLogs { bucket, history_server }
    }
    fn dir(&self) -> String {
        format!("s3a://{}/{EVENT_LOG_PREFIX}", bucket_placeholder(&self.bucket))
    }
}

/// A team's role: the data bucket, the event logs, the platform's Glue databases.
fn team_grant(team: &str, facts: &PlatformFacts, event_logs: &EventLogs) -> IamGrant {
    let grant = IamGrant::new(team).read_write_bucket("PlatformData", PLATFORM_DATA_BUCKET, "");
    let grant = if event_logs.bucket == PLATFORM_DATA_BUCKET {
        grant
    } else {
        grant.read_write_bucket("SparkEventLogs", &event_logs.bucket, EVENT_LOG_PREFIX)
    };
    grant.platform_glue("GlueCatalog", facts)
}

/// ConfigMap `spark-defaults`: spark-defaults.conf and the driver and executor pod templates.
fn spark_defaults(config: &Config, facts: &PlatformFacts, event_logs: &EventLogs) -> Value {
    let template = |pool: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nspec:\n  nodeSelector:\n    {}: {pool}\n  tolerations:\n    - key: {}\n      \
             operator: Equal\n      value: \"true\"\n      effect: NoSchedule\n",
            CORE_NODE_SELECTOR.0,
            dedicated_pool_taint(pool)
        )
    };
    let conf: String = spark_conf(config, facts, event_logs).iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": DEFAULTS_CONFIG_MAP,
            "namespace": config.namespace,
            "labels": { "app.kubernetes.io/managed-by": MANAGED_BY },
            // The controller only passes these on to the drivers it submits, in the team
            // namespaces, which run with the teams' identities.
            "annotations": { PASSED_ON_ANNOTATION: "spark drivers and executors" },
        },
        "data": {
            "spark-defaults.conf": conf,
            "driver-pod-template.yaml": template(DRIVER_POOL),
            "executor-pod-template.yaml": template(EXECUTOR_POOL),
        },
    })
}

/// The Spark defaults, in order; `spark_conf` from platform.yaml last, replacing a default of the
/// same key.
fn spark_conf(config: &Config, facts: &PlatformFacts, event_logs: &EventLogs) -> Vec<(String, String)> {
    let warehouse = format!("s3://{}/warehouse/", bucket_placeholder(PLATFORM_DATA_BUCKET));
    let mut conf: Vec<(String, String)> = [
        ("spark.kubernetes.container.image", config.image.clone()),
        ("spark.kubernetes.authenticate.driver.serviceAccountName", SERVICE_ACCOUNT.into()),
        ("spark.kubernetes.authenticate.executor.serviceAccountName", SERVICE_ACCOUNT.into()),
        ("spark.kubernetes.driver.podTemplateFile", format!("{DEFAULTS_DIR}/driver-pod-template.yaml")),
        ("spark.kubernetes.executor.podTemplateFile", format!("{DEFAULTS_DIR}/executor-pod-template.yaml")),
        ("spark.eventLog.enabled", "true".into()),
        ("spark.eventLog.dir", event_logs.dir()),
        ("spark.eventLog.rolling.enabled", "true".into()),
        ("spark.hadoop.fs.s3a.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem".into()),
        // The provider EKS Pod Identity serves (AWS_CONTAINER_CREDENTIALS_FULL_URI and its token file).
        (
            "spark.hadoop.fs.s3a.aws.credentials.provider",
            "software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider".into(),
        ),
        ("spark.hadoop.fs.s3a.endpoint.region", facts.region.clone()),
        ("spark.sql.catalog.glue", "org.apache.iceberg.spark.SparkCatalog".into()),
        ("spark.sql.catalog.glue.type", "glue".into()),
        ("spark.sql.catalog.glue.warehouse", warehouse),
        ("spark.sql.catalog.glue.io-impl", "org.apache.iceberg.aws.s3.S3FileIO".into()),
        ("spark.sql.catalog.glue.client.region", facts.region.clone()),
        // The image's user has no writable home: Ivy resolves `packages` under /tmp.
        ("spark.jars.ivy", "/tmp/.ivy2".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if !config.packages.is_empty() {
        conf.push(("spark.jars.packages".into(), config.packages.join(",")));
    }
    for (key, value) in &config.spark_conf {
        match conf.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.clone(),
            None => conf.push((key.clone(), value.clone())),
        }
    }
    conf
}

fn defaults_note(config: &Config, event_logs: &EventLogs) -> String {
    let logs = if event_logs.history_server {
        "the history server's bucket, where it reads them"
    } else {
        "the platform data bucket (no spark_history_server to read them)"
    };
    format!(
        "spark-submit in the controller reads ConfigMap {DEFAULTS_CONFIG_MAP} (SPARK_CONF_DIR={DEFAULTS_DIR}): image {}, \
         service account {SERVICE_ACCOUNT}, event logs to {EVENT_LOG_PREFIX} in {logs}, S3A with the container \
         credentials provider, Iceberg catalog `glue` (Glue Data Catalog, warehouse s3://<data bucket>/warehouse/), {}; \
         an application's sparkConf wins over each",
        config.image,
        if config.packages.is_empty() {
            "no packages (the image must carry hadoop-aws and Iceberg)".to_string()
        } else {
            format!(
                "packages {} resolved by each driver at start (set `packages: []` with an image that has them)",
                config.packages.join(", ")
            )
        }
    )
}

/// Drivers: on-demand (losing one fails the job), general purpose.
fn driver_pool(config: &Config) -> NodePoolRequest {
    let mut pool = NodePoolRequest::dedicated(DRIVER_POOL);
    pool.instance_families = config.driver_instance_families.clone();
    pool.limit_cpu = Some(config.driver_max_vcpu);
    pool
}

/// Executors: spot first (Spark recomputes a lost executor's work), on-demand when spot has
/// none; compute-optimized.
fn executor_pool(config: &Config) -> NodePoolRequest {
    let mut pool = NodePoolRequest::dedicated(EXECUTOR_POOL);
    pool.capacity_types = vec![CapacityType::Spot, CapacityType::OnDemand];
    pool.instance_families = config.executor_instance_families.clone();
    pool.limit_cpu = Some(config.executor_max_vcpu);
    pool
}

/// With `enable_spark_connect`, in a team's namespace: ConfigMap `spark-connect-defaults` (the
/// Spark defaults without the pod template paths, which the operator sets itself) and the
/// `SparkConnect` `spark-connect`, whose server (the driver) and executors run as the team's
/// service account on the teams' NodePools.
///
/// spark-operator 2.4.0 builds the server pod itself (not through spark-submit in the
/// controller), so the defaults reach it as a `spark-defaults.conf` in `SPARK_CONF_DIR`, mounted
/// through `server.template`: a file, because 2.4.0 joins `sparkConf` into one `bash -c` line
/// unquoted. `executor.template` is always set (2.4.0 panics without one).
fn connect_objects(config: &Config, facts: &PlatformFacts, event_logs: &EventLogs, team: &str) -> Vec<Value> {
    let conf: String = spark_conf(config, facts, event_logs)
        .iter()
        .filter(|(k, _)| !k.ends_with(".podTemplateFile"))
        .map(|(k, v)| format!("{k} {v}\n"))
        .collect();
    let defaults = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": CONNECT_DEFAULTS,
            "namespace": team,
            "labels": { "app.kubernetes.io/managed-by": MANAGED_BY },
        },
        "data": { "spark-defaults.conf": conf },
    });
    let placement = |pool: &str| {
        json!({
            "nodeSelector": { CORE_NODE_SELECTOR.0: pool },
            "tolerations": dedicated_pool_tolerations(pool),
        })
    };
    let mut server = placement(DRIVER_POOL);
    server["serviceAccountName"] = json!(SERVICE_ACCOUNT);
    server["containers"] = json!([{
        "name": "spark-kubernetes-driver",
        "env": [{ "name": "SPARK_CONF_DIR", "value": CONNECT_CONF_DIR }],
        "volumeMounts": [{ "name": "spark-defaults", "mountPath": CONNECT_CONF_DIR, "readOnly": true }],
        "resources": {
            "requests": { "cpu": config.connect.server_cores.to_string(), "memory": format!("{}Gi", config.connect.server_memory_gib + 1) },
            "limits": { "memory": format!("{}Gi", config.connect.server_memory_gib + 1) },
        },
    }]);
    server["volumes"] = json!([{ "name": "spark-defaults", "configMap": { "name": CONNECT_DEFAULTS } }]);
    let spark_version =
        config.image.rsplit_once(':').map(|(_, tag)| tag.split('-').next().unwrap_or(tag)).unwrap_or("");
    let connect = json!({
        "apiVersion": "sparkoperator.k8s.io/v1alpha1",
        "kind": "SparkConnect",
        "metadata": { "name": CONNECT_NAME, "namespace": team },
        "spec": {
            "sparkVersion": spark_version,
            "image": config.image,
            "server": {
                "cores": config.connect.server_cores,
                "memory": format!("{}g", config.connect.server_memory_gib),
                "template": { "spec": server },
            },
            "executor": {
                "cores": config.connect.executor_cores,
                "memory": format!("{}g", config.connect.executor_memory_gib),
                "template": { "spec": placement(EXECUTOR_POOL) },
            },
            "dynamicAllocation": {
                "enabled": true,
                "minExecutors": 0,
                "maxExecutors": config.connect.max_executors,
            },
        },
    });
    vec![defaults, connect]
}

/// The endpoint name of a team's Spark Connect server: `connect-<team>`.
pub fn connect_endpoint_name(team: &str) -> String {
    format!("connect-{team}")
}

/// Where a team's Spark Connect server listens (the operator's Service `<name>-server`).
fn connect_url(team: &str) -> String {
    format!("sc://{CONNECT_NAME}-server.{team}.svc.cluster.local:{CONNECT_PORT}")
}

/// A team's namespace declaring its YuniKorn queue: under [`PARENT_QUEUE`] (the yunikorn addon's
/// placement rule `tag namespace` with parent `namespace.parentqueue` makes it
/// `root.spark.<team>`), with the team's quota as the queue's maximum.
fn team_namespace(team: &str, quota: &TeamQuota) -> Value {
    let limit = json!({ "cpu": quota.vcpu.to_string(), "memory": format!("{}Gi", quota.memory_gib) });
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": team,
            "annotations": {
                "yunikorn.apache.org/parentqueue": PARENT_QUEUE,
                "yunikorn.apache.org/namespace.quota": limit.to_string(),
            },
        },
    })
}

/// The queue of a team: `root.spark.<team>`.
pub fn team_queue(team: &str) -> String {
    format!("{PARENT_QUEUE}.{team}")
}

/// Whether the user's values switch on the chart's cert-manager certificate for the webhook.
fn wants_cert_manager(config: &Config) -> bool {
    config.values.pointer("/certManager/enable") == Some(&json!(true))
}

const RELEASE: &str = "spark-operator";
/// The service account of drivers and executors in every team namespace (made by the chart).
const SERVICE_ACCOUNT: &str = "spark";
const DEFAULTS_CONFIG_MAP: &str = "spark-defaults";
const DEFAULTS_DIR: &str = "/etc/spark-defaults";
const DRIVER_POOL: &str = "spark-driver";
const EXECUTOR_POOL: &str = "spark-executor";
/// The history server, its event-log bucket and their key prefix (`data::SPARK_EVENT_LOGS`).
const HISTORY_SERVER: &str = data::SPARK_EVENT_LOGS.0;
const EVENT_LOG_BUCKET: &str = data::SPARK_EVENT_LOGS.1;
const EVENT_LOG_PREFIX: &str = data::SPARK_EVENT_LOGS.2;
/// The yunikorn addon's parent queue of the Spark teams' queues.
const PARENT_QUEUE: &str = "root.spark";
/// The feature flag of the teams' Spark Connect servers.
pub const CONNECT_FLAG: &str = "enable_spark_connect";
/// Each team's `SparkConnect` (server pod and Service `spark-connect-server`).
const CONNECT_NAME: &str = "spark-connect";
const CONNECT_DEFAULTS: &str = "spark-connect-defaults";
const CONNECT_CONF_DIR: &str = "/etc/spark-connect";
/// Spark Connect's gRPC port (`spark.connect.grpc.binding.port`'s default; the operator's Service).
pub const CONNECT_PORT: u16 = 15002;

export_addon!(SparkOperator);

chart_config! {
    /// The `spark_operator:` block of platform.yaml.
    pub struct Config: chart "spark-operator" from "https://kubeflow.github.io/spark-operator" version "2.4.0" {
        /// Namespace the operator is installed into.
        namespace: "spark-operator",
        /// `fullnameOverride`,
        /// `spark.serviceAccount.name` and the controller's `env`, `volumes` and `volumeMounts` are fixed:
        /// health checks, the teams' roles and the Spark defaults use them.
        values,
        /// Spark teams: each is a namespace where SparkApplications run, with service account
        /// `spark` and its own IAM role (Pod Identity). DNS-1123 labels, no duplicates.
        pub teams: Vec<String> = vec!["spark-team-a".into()],
        /// Default image of drivers and executors (`spark.kubernetes.container.image`), pinned.
        pub image: String = "spark:4.0.0".into(),
        /// Maven packages every job loads (`spark.jars.packages`): S3A and the Iceberg Glue
        /// catalog for the default image. Empty when the image carries them.
        pub packages: Vec<String> = vec![
            "org.apache.hadoop:hadoop-aws:3.4.1".into(),
            "org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.0".into(),
            "org.apache.iceberg:iceberg-aws-bundle:1.10.0".into(),
        ],
        /// More Spark defaults, or replacements of ours (`spark.executor.memory: 8g`).
        pub spark_conf: std::collections::BTreeMap<String, String> = Default::default(),
        /// Instance families of the drivers' NodePool (on-demand).
        pub driver_instance_families: Vec<String> = vec!["m7g".into(), "m8g".into()],
        /// vCPU limit of the drivers' NodePool.
        #[schemars(range(min = 1, max = 100000))]
        pub driver_max_vcpu: u32 = 64,
        /// Instance families of the executors' NodePool (spot, then on-demand).
        pub executor_instance_families: Vec<String> = vec!["c7g".into(), "c8g".into()],
        /// vCPU limit of the executors' NodePool.
        #[schemars(range(min = 1, max = 100000))]
        pub executor_max_vcpu: u32 = 1000,
        /// With yunikorn: the most each team's queue (`root.spark.<team>`) may use at once.
        pub team_quota: TeamQuota = TeamQuota::default(),
        /// With `enable_spark_connect`: each team's Spark Connect server and its executors.
        pub connect: ConnectServer = ConnectServer::default(),
    }
}

/// A team's Spark Connect server (with `enable_spark_connect`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize, dataplat_sdk::schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(crate = "dataplat_sdk::schemars")]
pub struct ConnectServer {
    /// vCPU of the server (the driver of every session), on NodePool `spark-driver`.
    #[schemars(range(min = 1, max = 64))]
    pub server_cores: u32,
    /// Heap of the server in GiB (`spark.driver.memory`; the pod gets 1 GiB more).
    #[schemars(range(min = 1, max = 512))]
    pub server_memory_gib: u32,
    /// vCPU of each executor, on NodePool `spark-executor`.
    #[schemars(range(min = 1, max = 64))]
    pub executor_cores: u32,
    /// Heap of each executor in GiB.
    #[schemars(range(min = 1, max = 512))]
    pub executor_memory_gib: u32,
    /// Most executors at once (dynamic allocation scales between 0 and this).
    #[schemars(range(min = 1, max = 1000))]
    pub max_executors: u32,
}

impl Default for ConnectServer {
    fn default() -> Self {
        ConnectServer {
            server_cores: 1,
            server_memory_gib: 3,
            executor_cores: 1,
            executor_memory_gib: 4,
            max_executors: 20,
        }
    }
}

impl ConnectServer {
    fn check(&self) -> Vec<Diagnostic> {
        [
            check_range("connect.server_cores", self.server_cores, 1..=64),
            check_range("connect.server_memory_gib", self.server_memory_gib, 1..=512),
            check_range("connect.executor_cores", self.executor_cores, 1..=64),
            check_range("connect.executor_memory_gib", self.executor_memory_gib, 1..=512),
            check_range("connect.max_executors", self.max_executors, 1..=1000),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn note(&self, config: &Config) -> String {
        format!(
            "each team runs a Spark Connect server (SparkConnect {CONNECT_NAME}, {} vCPU, {} GiB) as its service account \
             {SERVICE_ACCOUNT} on {DRIVER_POOL}, with the Spark defaults (ConfigMap {CONNECT_DEFAULTS}) and 0 to {} \
             executors on {EXECUTOR_POOL}; clients connect to {} (no authentication: Spark 4.0 has none for remote \
             clients; NetworkPolicies decide who reaches it). The server resolves `packages` at start (minutes) and \
             refuses connections until then; a changed SparkConnect reaches the server when its pod is deleted",
            self.server_cores,
            self.server_memory_gib + 1,
            self.max_executors,
            config.teams.iter().map(|t| connect_url(t)).collect::<Vec<_>>().join(", ")
        )
    }
}

/// A team's YuniKorn queue quota.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize, dataplat_sdk::schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(crate = "dataplat_sdk::schemars")]
pub struct TeamQuota {
    /// vCPU.
    #[schemars(range(min = 1, max = 100000))]
    pub vcpu: u32,
    /// Memory in GiB.
    #[schemars(range(min = 1, max = 1000000))]
    pub memory_gib: u32,
}

impl Default for TeamQuota {
    fn default() -> Self {
        TeamQuota { vcpu: 200, memory_gib: 800 }
    }
}

#[cfg(test)]
mod tests;
