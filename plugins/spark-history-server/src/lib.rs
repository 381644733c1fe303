//! spark_history_server: the built-in addon that installs the Spark History Server (KubedAI
//! chart), reading Spark event logs from an S3 bucket this addon declares.
//!
//! The bucket's real name is known only to the host, so the values carry the placeholder
//! `${bucket:event-logs}`, which the host substitutes with the name of this addon's bucket
//! `event-logs` before rendering the chart. Access is read-only, through EKS Pod Identity on the
//! chart's service account; old logs are expired by an S3 lifecycle rule, not by the server.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://kubedai.github.io/spark-history-server";
const CHART: &str = "spark-history-server";
const CHART_VERSION: &str = "1.5.1";
const RELEASE: &str = "spark-history-server";
/// The service account the chart creates (its own default, set explicitly).
const SERVICE_ACCOUNT: &str = "spark-history-server-sa";
const BUCKET: &str = "event-logs";
const GRANT: &str = "history-server";
/// Key prefix of the event logs in the bucket; Spark jobs write to the same place.
const LOG_PREFIX: &str = "spark-event-logs/";
/// Substituted by the host with the real name of bucket `event-logs`.
const BUCKET_PLACEHOLDER: &str = "${bucket:event-logs}";

/// The `spark_history_server:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace the history server is installed into.
    pub namespace: String,
    /// Version of the `spark-history-server` chart from
    /// https://kubedai.github.io/spark-history-server.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key. `fullnameOverride` and
    /// `serviceAccount.name` are fixed: the Pod Identity association and health checks use them.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
    /// Days Spark event logs are kept in S3 before a lifecycle rule deletes them.
    #[schemars(range(min = 1, max = 3650))]
    pub log_retention_days: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "spark-history-server".into(),
            chart_version: CHART_VERSION.into(),
            values: json!({}),
            log_retention_days: 30,
        }
    }
}

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
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
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
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        let release = Release::of_chart(RELEASE, ns, chart).health(HealthCheck::ready(
            "apps/v1",
            "Deployment",
            Some(ns),
            RELEASE,
        ));
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

export_addon!(SparkHistoryServer);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

    fn alone() -> PlatformFacts {
        facts(&["enable_spark_history_server"], &["spark_history_server"])
    }

    #[test]
    fn defaults_plan_chart_bucket_grant_and_identity() {
        let plan = plan_ok::<SparkHistoryServer>(&json!({}), &alone());
        let release = release(&plan, "spark-history-server");
        assert_eq!(release.namespace, "spark-history-server");
        assert_chart(release, "https://kubedai.github.io/spark-history-server", "spark-history-server", "1.5.1");
        let v = values(release);
        assert_eq!(v.pointer("/logStore/s3/bucket"), Some(&json!("${bucket:event-logs}")));
        assert_eq!(v.pointer("/logStore/s3/eventLogsPath"), Some(&json!("spark-event-logs/")));
        assert_eq!(v.pointer("/logStore/s3/irsaRoleArn"), Some(&json!("")));
        assert_eq!(v.pointer("/serviceAccount/name"), Some(&json!("spark-history-server-sa")));
        let conf = v["sparkConf"].as_str().expect("sparkConf");
        assert!(
            conf.lines().any(|l| l == "spark.history.fs.logDirectory=s3a://${bucket:event-logs}/spark-event-logs/")
        );
        object(release, "Namespace", "spark-history-server");
        assert_eq!(release.health_checks[0].name, "spark-history-server");

        assert_eq!(plan.buckets.len(), 1);
        let bucket = &plan.buckets[0];
        assert_eq!(bucket.id, "event-logs");
        assert!(bucket.holds_data);
        assert_eq!(bucket.lifecycle_rules.len(), 1);
        assert_eq!(
            (bucket.lifecycle_rules[0].prefix.as_str(), bucket.lifecycle_rules[0].expiration_days),
            ("spark-event-logs/", 30)
        );

        assert_eq!(plan.grants.len(), 1);
        let grant = &plan.grants[0];
        assert_eq!(grant.id, "history-server");
        assert_eq!(grant.statements[0].actions, ["s3:ListBucket", "s3:GetBucketLocation"]);
        assert_eq!(grant.statements[0].resources, [Resource::Bucket("event-logs".into())]);
        assert_eq!(grant.statements[1].actions, ["s3:GetObject"]);
        assert_eq!(
            grant.statements[1].resources,
            [Resource::BucketObjects(("event-logs".into(), "spark-event-logs/".into()))]
        );
        let read_only =
            grant.statements.iter().flat_map(|s| &s.actions).all(|a| a.starts_with("s3:Get") || a == "s3:ListBucket");
        assert!(read_only, "history server access must be read-only");
        assert!(grant.managed_policies.is_empty());

        assert_eq!(plan.pod_identities.len(), 1);
        let identity = &plan.pod_identities[0];
        assert_eq!(
            (identity.namespace.as_str(), identity.service_account.as_str(), identity.grant.as_str()),
            ("spark-history-server", "spark-history-server-sa", "history-server")
        );
        assert_eq!(plan.endpoints[0].name, "web");
        assert_eq!(plan.endpoints[0].url, "http://spark-history-server.spark-history-server.svc:80");
    }

    #[test]
    fn overrides_and_values_merge() {
        let config = json!({
            "namespace": "shs",
            "log_retention_days": 7,
            "values": {"resources": {"limits": {"memory": "8Gi"}}, "logStore": {"s3": {"irsaRoleArn": null}}}
        });
        let plan = plan_ok::<SparkHistoryServer>(&config, &alone());
        assert_eq!(plan.buckets[0].lifecycle_rules[0].expiration_days, 7);
        assert_eq!(plan.pod_identities[0].namespace, "shs");
        let release = release(&plan, "spark-history-server");
        object(release, "Namespace", "shs");
        let v = values(release);
        assert_eq!(v.pointer("/resources/limits/memory"), Some(&json!("8Gi")));
        assert!(v.pointer("/logStore/s3/irsaRoleArn").is_none());
        assert_eq!(v.pointer("/logStore/s3/bucket"), Some(&json!("${bucket:event-logs}")));
    }

    #[test]
    fn validation_errors() {
        let f = alone();
        let e = error_at::<SparkHistoryServer>(&json!({"log_retention_days": 0}), &f, "log_retention_days");
        assert_eq!(e.message, "0 is out of range: must be 1 to 3650");
        error_at::<SparkHistoryServer>(&json!({"log_retention_days": 4000}), &f, "log_retention_days");
        error_at::<SparkHistoryServer>(&json!({"log_retention_days": -1}), &f, "log_retention_days");
        let e = error_at::<SparkHistoryServer>(
            &json!({"values": {"serviceAccount": {"name": "mine"}}}),
            &f,
            "values.serviceAccount.name",
        );
        assert!(e.message.contains("Pod Identity"));
        error_at::<SparkHistoryServer>(&json!({"values": "x"}), &f, "values");
        assert!(errors::<SparkHistoryServer>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<SparkHistoryServer>(
            "spark_history_server",
            &[("enable_spark_history_server", true)],
            &[],
            &["namespace", "chart_version", "values", "log_retention_days"],
        );
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<SparkHistoryServer>(&json!({"log_retention_days": 90}), &alone());
    }
}
