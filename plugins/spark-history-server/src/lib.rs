//! spark_history_server: the built-in addon that installs the Spark History Server (KubedAI
//! chart), reading Spark event logs from an S3 bucket this addon declares.
//!
//! The bucket's real name is known only to the host, so the values carry the placeholder
//! `${bucket:event-logs}`, which the host substitutes with the name of this addon's bucket
//! `event-logs` before rendering the chart. Access is read-only, through EKS Pod Identity on the
//! chart's service account; old logs are expired by an S3 lifecycle rule, not by the server.

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

/// The Spark History Server addon.
pub struct SparkHistoryServer;

impl Addon for SparkHistoryServer {
    type Config = Config;
    const NAME: &'static str = "spark_history_server";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Spark History Server: web UI for Spark event logs kept in S3";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_spark_history_server", "Install the Spark History Server")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        problems.extend(check_range("log_retention_days", config.log_retention_days, 1..=3650));
        problems.extend(check_reserved_values(
            &config.values,
            &["fullnameOverride", "serviceAccount.name"],
            "the Pod Identity association and health checks use it",
        ));
        problems
    }

    fn plan(config: &Config, _facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let log_directory = format!("s3a://{BUCKET_PLACEHOLDER}/{LOG_PREFIX}");
        // spark-defaults.conf: the chart's own S3A tuning plus the log directory. The host
        // replaces `${bucket:event-logs}` with the real bucket name.
        let spark_conf = [
            format!("spark.history.fs.logDirectory={log_directory}"),
            "spark.hadoop.fs.s3a.connection.maximum=200".into(),
            "spark.hadoop.fs.s3a.threads.max=50".into(),
            "spark.hadoop.fs.s3a.max.total.tasks=100".into(),
            "spark.hadoop.fs.s3a.connection.establish.timeout=10000".into(),
            "spark.hadoop.fs.s3a.connection.timeout=20000".into(),
        ]
        .join("\n");
        let defaults = json!({
            "fullnameOverride": RELEASE,
            "serviceAccount": { "create": true, "name": SERVICE_ACCOUNT },
            "logStore": {
                "type": "s3",
                "s3": {
                    "bucket": BUCKET_PLACEHOLDER,
                    "eventLogsPath": LOG_PREFIX,
                    // Credentials come from Pod Identity; the chart's placeholder IRSA role
                    // annotation would take precedence over them, so it is cleared.
                    "irsaRoleArn": "",
                },
            },
            "sparkConf": spark_conf,
            "nodeSelector": core_node_selector(),
        });
        let release = config.chart_release(RELEASE, defaults).ready_deployments([RELEASE]);
        let bucket = Bucket::new(BUCKET, "Spark event logs, read by the Spark History Server")
            .expire_after_days(LOG_PREFIX, config.log_retention_days);
        let grant = IamGrant::new(GRANT)
            .allow("ListEventLogs", &["s3:ListBucket", "s3:GetBucketLocation"], vec![Resource::Bucket(BUCKET.into())])
            // Objects under the prefix: the host turns (bucket, prefix) into `<bucket arn>/spark-event-logs/*`.
            .allow(
                "ReadEventLogs",
                &["s3:GetObject"],
                vec![Resource::BucketObjects((BUCKET.into(), LOG_PREFIX.into()))],
            );
        Ok(AddonPlan::new()
            .release(release)
            .bucket(bucket)
            .grant(grant)
            .pod_identity(ns, SERVICE_ACCOUNT, GRANT)
            .endpoint(Endpoint::new(
                "spark_history_server",
                "web",
                format!("http://{RELEASE}.{ns}.svc:80"),
                "Spark History Server web UI",
            ))
            .note(
                "event-logs",
                format!(
                    "reads s3a://<bucket {BUCKET}>/{LOG_PREFIX} with read-only access; Spark jobs should set \
                     spark.eventLog.dir to the same place. Logs expire after {} days by S3 lifecycle rule",
                    config.log_retention_days
                ),
            ))
    }
}

const RELEASE: &str = "spark-history-server";
/// The service account the chart creates (its own default, set explicitly).
const SERVICE_ACCOUNT: &str = "spark-history-server-sa";
const BUCKET: &str = data::SPARK_EVENT_LOGS.1;
const GRANT: &str = "history-server";
/// Key prefix of the event logs in the bucket; Spark jobs write to the same place.
const LOG_PREFIX: &str = data::SPARK_EVENT_LOGS.2;
/// Substituted by the host with the real name of bucket `event-logs`.
const BUCKET_PLACEHOLDER: &str = "${bucket:event-logs}";

export_addon!(SparkHistoryServer);

chart_config! {
    /// The `spark_history_server:` block of platform.yaml.
    pub struct Config: chart "spark-history-server"
        from "https://kubedai.github.io/spark-history-server" version "1.5.1" {
        chart_version = "Version of the `spark-history-server` chart from\n\
                         https://kubedai.github.io/spark-history-server.",
        /// Namespace the history server is installed into.
        namespace: "spark-history-server",
        /// `fullnameOverride` and
        /// `serviceAccount.name` are fixed: the Pod Identity association and health checks use them.
        values,
        /// Days Spark event logs are kept in S3 before a lifecycle rule deletes them.
        #[schemars(range(min = 1, max = 3650))]
        pub log_retention_days: u32 = 30,
    }
}

#[cfg(test)]
mod tests;
