use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(Flink in enabled();
    info "flink", [("enable_flink", true)], ["cert_manager"],
        ["checkpoint_expiry_days", "instance_families", "max_vcpu", "teams"];
    deterministic json!({"teams": ["b", "a"]}), enabled());

fn enabled() -> PlatformFacts {
    facts(&["enable_flink", "enable_cert_manager"], &["flink", "cert_manager"])
}

#[test]
fn defaults_plan_the_operator_after_cert_manager() {
    let plan = plan_ok::<Flink>(&json!({}), &enabled());
    let release = release(&plan, "flink");
    assert_eq!(release.namespace, "flink-operator");
    assert_chart(
        release,
        "https://downloads.apache.org/flink/flink-kubernetes-operator-1.13.0/",
        "flink-kubernetes-operator",
        "1.13.0",
    );
    let v = values(release);
    assert_eq!(v["watchNamespaces"], json!(["flink-team-a"]));
    assert_eq!(v.pointer("/operatorPod/nodeSelector"), Some(&json!({"dataplat.io/pool": "core"})));
    assert_eq!(v.pointer("/webhook/create"), Some(&json!(true)));
    assert!(v.get("image").is_none(), "the chart's own image is kept");
    assert_eq!(release.depends_on, ["cert_manager/cert-manager"]);
    object(release, "Namespace", "flink-operator");
    object(release, "Namespace", "flink-team-a");
    assert_eq!(
        health_checks(release),
        [
            ("Deployment", "flink-kubernetes-operator"),
            ("CustomResourceDefinition", "flinkdeployments.flink.apache.org")
        ]
    );
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({
        "chart_version": "1.12.0",
        "teams": ["streams", "analytics"],
        "values": {"operatorPod": {"resources": null}, "defaultConfiguration": {"create": true}}
    });
    let plan = plan_ok::<Flink>(&config, &enabled());
    let release = release(&plan, "flink");
    let chart = release.chart.as_ref().expect("chart");
    assert_eq!(chart.repository, "https://downloads.apache.org/flink/flink-kubernetes-operator-1.12.0/");
    let v = values(release);
    assert_eq!(v["watchNamespaces"], json!(["streams", "analytics"]));
    assert!(v.pointer("/operatorPod/resources").is_none());
    assert_eq!(v.pointer("/defaultConfiguration/create"), Some(&json!(true)));
    object(release, "Namespace", "streams");
    object(release, "Namespace", "analytics");
    assert_eq!(objects(release).len(), 3);
}

#[test]
fn validation_errors() {
    let f = enabled();
    let e = error_at::<Flink>(&json!({"teams": ["ok", "under_score"]}), &f, "teams.1");
    assert!(e.message.contains("DNS-1123"));
    let e = error_at::<Flink>(&json!({"teams": ["x", "x"]}), &f, "teams.1");
    assert!(e.message.contains("twice"));
    error_at::<Flink>(&json!({"teams": []}), &f, "teams");
    error_at::<Flink>(&json!({"checkpoint_expiry_days": 0}), &f, "checkpoint_expiry_days");
    let e = error_at::<Flink>(
        &json!({"values": {"jobServiceAccount": {"name": "x"}}}),
        &f,
        "values.jobServiceAccount.name",
    );
    assert!(e.message.contains("cannot be overridden"), "{}", e.message);
}

/// The operator's default configuration as key -> value, checking both files carry it.
fn job_defaults(plan: &AddonPlan) -> std::collections::BTreeMap<String, String> {
    let v = values(release(plan, "flink"));
    let conf = v.pointer("/defaultConfiguration/config.yaml").and_then(|c| c.as_str()).expect("config.yaml");
    assert_eq!(v.pointer("/defaultConfiguration/flink-conf.yaml").and_then(|c| c.as_str()), Some(conf));
    assert_eq!(v.pointer("/defaultConfiguration/append"), Some(&json!(true)));
    conf.lines().map(|l| l.split_once(": ").expect("key: value")).map(|(k, v)| (k.into(), v.into())).collect()
}

#[test]
fn each_team_has_its_role_and_every_job_checkpoints_to_the_bucket_on_the_flink_pool() {
    let plan = plan_ok::<Flink>(&json!({"teams": ["stream-a", "stream-b"]}), &enabled());
    assert_eq!(
        plan.pod_identities
            .iter()
            .map(|p| (p.namespace.as_str(), p.service_account.as_str(), p.grant.as_str()))
            .collect::<Vec<_>>(),
        [("stream-a", "flink", "stream-a"), ("stream-b", "flink", "stream-b")]
    );
    assert_eq!(values(release(&plan, "flink")).pointer("/jobServiceAccount/name"), Some(&json!("flink")));
    let grant = plan.grants.iter().find(|g| g.id == "stream-a").expect("grant");
    let resources: Vec<&Resource> = grant.statements.iter().flat_map(|s| &s.resources).collect();
    for expected in [
        Resource::Bucket("checkpoints".into()),
        Resource::BucketObjects(("checkpoints".into(), String::new())),
        Resource::Bucket("core/data".into()),
        Resource::Arn("arn:${partition}:glue:${region}:${account}:database/test_*".into()),
    ] {
        assert!(resources.contains(&&expected), "{expected:?} in {resources:?}");
    }
    assert!(!resources.iter().any(|r| matches!(r, Resource::Arn(a) if a.ends_with("database/*"))));
    let bucket = plan.buckets.iter().find(|b| b.id == "checkpoints").expect("bucket");
    assert!(bucket.holds_data && bucket.lifecycle_rules.is_empty(), "checkpoints are kept by default");
    let conf = job_defaults(&plan);
    assert_eq!(conf["state.checkpoints.dir"], "s3://${bucket:checkpoints}/checkpoints");
    assert_eq!(conf["state.savepoints.dir"], "s3://${bucket:checkpoints}/savepoints");
    assert_eq!(conf["high-availability.type"], "kubernetes");
    assert_eq!(conf["high-availability.storageDir"], "s3://${bucket:checkpoints}/ha");
    assert_eq!(conf["kubernetes.operator.reconcile.interval"], "15 s", "the chart's operator lines are kept");
    let v = values(release(&plan, "flink"));
    assert!(
        v.pointer("/operatorPod/annotations/dataplat.io~1passed-on-to").is_some(),
        "the operator passes the bucket names on; the readiness analysis must not take them for its own"
    );
    let pool = plan.node_pools.iter().find(|p| p.name == "flink").expect("pool");
    assert_eq!(pool.capacity_types, [CapacityType::OnDemand]);
    let (key, value) = &pool.labels[0];
    assert_eq!(conf["kubernetes.taskmanager.node-selector"], format!("{key}:{value}"));
    assert_eq!(
        conf["kubernetes.taskmanager.tolerations"],
        format!("key:{},operator:Equal,value:true,effect:NoSchedule", pool.taints[0].key)
    );
    assert_eq!(conf["kubernetes.jobmanager.tolerations"], conf["kubernetes.taskmanager.tolerations"]);
    let expiring = plan_ok::<Flink>(&json!({"checkpoint_expiry_days": 14}), &enabled());
    let rules = &expiring.buckets[0].lifecycle_rules;
    assert_eq!((rules[0].prefix.as_str(), rules[0].expiration_days), ("checkpoints/", 14));
}

#[test]
fn info_declares_the_cert_manager_dependency() {
    let info = dataplat_sdk::runtime::info::<Flink>();
    assert_eq!(info.dependencies[0].when_flag, None);
    assert!(info.dependencies[0].reason.contains("cert-manager certificate"));
}
