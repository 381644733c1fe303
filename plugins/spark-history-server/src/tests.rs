use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(SparkHistoryServer in alone();
    info "spark_history_server", [("enable_spark_history_server", true)], [], ["log_retention_days"];
    deterministic json!({"log_retention_days": 90}), alone());

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
    assert!(conf.lines().any(|l| l == "spark.history.fs.logDirectory=s3a://${bucket:event-logs}/spark-event-logs/"));
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
}
