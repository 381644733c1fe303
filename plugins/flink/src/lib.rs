//! flink: the built-in addon that installs the Apache Flink Kubernetes operator and gives each
//! Flink team what its jobs need on day one.
//!
//! Each team (`teams`, default `[flink-team-a]`) gets its namespace, watched by the operator,
//! where the chart makes the `flink` service account and its RBAC; and an IAM role associated
//! with that service account by EKS Pod Identity: read/write on the addon's `checkpoints` bucket
//! and the platform data bucket, Glue on the platform's databases only.
//!
//! The operator's default configuration (`defaultConfiguration`, appended to the chart's own and
//! applied to every FlinkDeployment) points checkpoints, savepoints and Kubernetes HA storage at
//! the `checkpoints` bucket, and puts job and task managers on NodePool `flink` (on-demand,
//! tainted for Flink only). A deployment's own `flinkConfiguration` still wins. The bucket keeps
//! checkpoints unless `checkpoint_expiry_days` is set: incremental checkpoints share files across
//! checkpoints, so expiring by age can break a long-running job's latest checkpoint.
//!
//! The operator's admission webhook takes its TLS certificate from cert-manager, so the addon
//! always depends on cert_manager and its release waits for `cert_manager/cert-manager`. The
//! operator image is the chart's own (its tag follows the chart version); the reference pinned
//! 1.12.1 under chart 1.13.0. Chart keys were checked against the 1.13.0 chart
//! (`watchNamespaces`, `jobServiceAccount.name`, `defaultConfiguration.{create,append,
//! flink-conf.yaml,config.yaml}`, `operatorPod`).

use dataplat_sdk::data::{PLATFORM_DATA_BUCKET, bucket_placeholder};
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

/// The Flink operator addon.
pub struct Flink;

impl Addon for Flink {
    type Config = Config;
    const NAME: &'static str = "flink";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Apache Flink Kubernetes operator: FlinkDeployments in watched namespaces";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_flink", "Install the Apache Flink Kubernetes operator")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        problems.extend(check_namespace_list("teams", &config.teams, "flink-team-a"));
        problems.extend(check_reserved_values(
            &config.values,
            &["jobServiceAccount.name", "watchNamespaces"],
            "the teams' Pod Identity associations use them",
        ));
        problems.extend(check_range("max_vcpu", config.max_vcpu, 1..=100_000));
        if let Some(days) = config.checkpoint_expiry_days {
            problems.extend(check_range("checkpoint_expiry_days", days, 1..=3650));
        }
        problems
    }

    fn dependencies() -> Vec<Dependency> {
        vec![Dependency::always(
            "cert_manager",
            "the Flink operator's admission webhook needs a cert-manager certificate",
        )]
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let flink_defaults = job_defaults();
        let defaults = json!({
            "watchNamespaces": config.teams,
            "jobServiceAccount": { "create": true, "name": SERVICE_ACCOUNT },
            "webhook": { "create": true },
            "operatorPod": {
                // The operator passes its default configuration (which names the checkpoints
                // bucket) on to the deployments; it does not read the bucket itself.
                "annotations": { PASSED_ON_ANNOTATION: "FlinkDeployments (the operator's default configuration)" },
                "nodeSelector": core_node_selector(),
                "resources": resources("200m", "1Gi", "1", "2Gi"),
            },
            // Appended to the operator's built-in defaults; Flink 1.19+ reads config.yaml, older
            // versions flink-conf.yaml: both carry the same lines.
            "defaultConfiguration": {
                "create": true,
                "append": true,
                "flink-conf.yaml": flink_defaults,
                "config.yaml": flink_defaults,
            },
        });
        let chart = ChartRef::with_overrides(
            &repository(&config.chart_version),
            Config::CHART,
            &config.chart_version,
            defaults,
            &config.values,
        );
        let release = Release::of_chart("flink", ns, chart)
            // The webhook's Certificate and Issuer need cert-manager's CRDs and controller.
            .depends_on("cert_manager/cert-manager")
            .ready_deployments([OPERATOR])
            .crd_ready("flinkdeployments.flink.apache.org")
            .namespace_objects(&config.teams);
        let mut bucket = Bucket::new(BUCKET, "Flink checkpoints, savepoints and HA metadata");
        if let Some(days) = config.checkpoint_expiry_days {
            bucket = bucket.expire_after_days("checkpoints/", days);
        }
        let mut pool = NodePoolRequest::dedicated(POOL);
        pool.instance_families = config.instance_families.clone();
        pool.limit_cpu = Some(config.max_vcpu);
        // Streaming jobs run for months: replace nodes only when they are empty.
        pool.consolidation = Consolidation::WhenEmpty;
        let mut plan = AddonPlan::new().release(release).bucket(bucket).node_pool(pool);
        for team in &config.teams {
            let grant = IamGrant::new(team)
                .read_write_bucket("FlinkState", BUCKET, "")
                .read_write_bucket("PlatformData", PLATFORM_DATA_BUCKET, "")
                .platform_glue("GlueCatalog", facts);
            plan = plan.grant(grant).pod_identity(team, SERVICE_ACCOUNT, team);
        }
        Ok(plan
            .note(
                "teams",
                format!(
                    "the operator watches {}; in each, service account {SERVICE_ACCOUNT} has its own role by Pod \
                     Identity: read/write on the checkpoints bucket and the platform data bucket, Glue on the \
                     databases {}* only",
                    config.teams.join(", "),
                    data::glue_database_prefix(&facts.name)
                ),
            )
            .note(
                "state",
                format!(
                    "every FlinkDeployment defaults to checkpoints, savepoints and Kubernetes HA on s3://<checkpoints \
                     bucket>/{{checkpoints,savepoints,ha}}; {}; the image must enable an S3 file system plugin \
                     (ENABLE_BUILT_IN_PLUGINS=flink-s3-fs-hadoop-<version>.jar, as `examples render flink` does)",
                    match config.checkpoint_expiry_days {
                        Some(days) => format!("checkpoints expire after {days} days by S3 lifecycle rule"),
                        None =>
                            "checkpoints are kept (incremental checkpoints share files; set checkpoint_expiry_days \
                                 to expire them)"
                                .to_string(),
                    }
                ),
            )
            .note(
                "capacity",
                format!(
                    "job and task managers on NodePool {POOL} (on-demand, {}, at most {} vCPU, tainted for Flink only, \
                     consolidated when empty) through the operator's default node selector and tolerations",
                    config.instance_families.join("/"),
                    config.max_vcpu
                ),
            )
            .note(
                "image",
                "operator image left to the chart, so its tag matches the chart version (the reference pinned 1.12.1 \
                 under chart 1.13.0)",
            )
            .note("cert-manager", "installed after cert-manager: the admission webhook's certificate comes from it"))
    }
}

/// The operator's lines of the chart's default `flink-conf.yaml` (kept, since a value replaces
/// the chart's string), then the platform's defaults for every FlinkDeployment.
fn job_defaults() -> String {
    let state = |path: &str| format!("s3://{}/{path}", bucket_placeholder(BUCKET));
    let toleration = format!("key:{},operator:Equal,value:true,effect:NoSchedule", dedicated_pool_taint(POOL));
    let selector = format!("{}:{POOL}", CORE_NODE_SELECTOR.0);
    [
        (
            "kubernetes.operator.metrics.reporter.slf4j.factory.class",
            "org.apache.flink.metrics.slf4j.Slf4jReporterFactory".to_string(),
        ),
        ("kubernetes.operator.metrics.reporter.slf4j.interval", "5 MINUTE".into()),
        ("kubernetes.operator.reconcile.interval", "15 s".into()),
        ("kubernetes.operator.observer.progress-check.interval", "5 s".into()),
        ("state.checkpoints.dir", state("checkpoints")),
        ("state.savepoints.dir", state("savepoints")),
        ("high-availability.type", "kubernetes".into()),
        ("high-availability.storageDir", state("ha")),
        ("kubernetes.jobmanager.node-selector", selector.clone()),
        ("kubernetes.taskmanager.node-selector", selector),
        ("kubernetes.jobmanager.tolerations", toleration.clone()),
        ("kubernetes.taskmanager.tolerations", toleration),
    ]
    .iter()
    .map(|(k, v)| format!("{k}: {v}\n"))
    .collect()
}

/// The service account of job and task managers in every team namespace (made by the chart).
const SERVICE_ACCOUNT: &str = "flink";
const BUCKET: &str = "checkpoints";
const POOL: &str = "flink";

const OPERATOR: &str = "flink-kubernetes-operator";

/// The Apache repository of a chart version: one directory per operator release.
fn repository(version: &str) -> String {
    if version == Config::CHART_VERSION {
        Config::REPOSITORY.to_string()
    } else {
        format!("https://downloads.apache.org/flink/flink-kubernetes-operator-{version}/")
    }
}

export_addon!(Flink);

chart_config! {
    /// The `flink:` block of platform.yaml.
    pub struct Config: chart "flink-kubernetes-operator"
        from "https://downloads.apache.org/flink/flink-kubernetes-operator-1.13.0/" version "1.13.0" {
        chart_version = "Version of the `flink-kubernetes-operator` chart. Apache publishes one repository per\n\
                         release, so the repository URL follows this version.",
        /// Namespace the operator is installed into.
        namespace: "flink-operator",
        /// `jobServiceAccount.name` and
        /// `watchNamespaces` are fixed: the teams' Pod Identity associations use them.
        values,
        /// Flink teams: each is a namespace the operator watches, with service account `flink`
        /// and its own IAM role (Pod Identity). DNS-1123 labels, no duplicates.
        pub teams: Vec<String> = vec!["flink-team-a".into()],
        /// Instance families of NodePool `flink` (on-demand), where job and task managers run.
        pub instance_families: Vec<String> = vec!["m7g".into(), "m8g".into()],
        /// vCPU limit of NodePool `flink`.
        #[schemars(range(min = 1, max = 100000))]
        pub max_vcpu: u32 = 400,
        /// Days after which objects under `checkpoints/` expire; none keeps them (safe with
        /// incremental checkpoints, whose files outlive the checkpoint that wrote them).
        pub checkpoint_expiry_days: Option<u32> = None,
    }
}

#[cfg(test)]
mod tests;
