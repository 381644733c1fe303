use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(SparkOperator in alone();
    info "spark_operator", [("enable_spark_operator", true), ("enable_spark_connect", false)], [],
        ["connect", "driver_instance_families", "driver_max_vcpu", "executor_instance_families", "executor_max_vcpu", "image", "packages", "spark_conf", "team_quota", "teams"];
    deterministic json!({"teams": ["b", "a"]}), facts(&[], &["spark_operator", "yunikorn", "prometheus"]));

fn alone() -> PlatformFacts {
    facts(&["enable_spark_operator"], &["spark_operator"])
}

#[test]
fn defaults_plan_the_operator_and_team_namespace() {
    let plan = plan_ok::<SparkOperator>(&json!({}), &alone());
    let release = release(&plan, "spark-operator");
    assert_eq!(release.namespace, "spark-operator");
    assert_chart(release, "https://kubeflow.github.io/spark-operator", "spark-operator", "2.4.0");
    let v = values(release);
    assert_eq!(v.pointer("/spark/jobNamespaces"), Some(&json!(["spark-team-a"])));
    assert_eq!(v.pointer("/controller/nodeSelector"), Some(&json!({"dataplat.io/pool": "core"})));
    assert_eq!(v.pointer("/webhook/enable"), Some(&json!(true)));
    assert_eq!(v.pointer("/prometheus/metrics/enable"), Some(&json!(true)));
    assert_eq!(v.pointer("/prometheus/podMonitor/create"), Some(&json!(false)));
    assert!(v.pointer("/controller/batchScheduler").is_none());
    object(release, "Namespace", "spark-operator");
    object(release, "Namespace", "spark-team-a");
    assert_eq!(
        health_checks(release),
        [
            ("Deployment", "spark-operator-controller"),
            ("Deployment", "spark-operator-webhook"),
            ("CustomResourceDefinition", "sparkapplications.sparkoperator.k8s.io")
        ]
    );
    assert!(release.depends_on.is_empty());
    assert!(plan.endpoints.is_empty());
}

#[test]
fn with_yunikorn_the_batch_scheduler_defaults_to_it() {
    let plan = plan_ok::<SparkOperator>(&json!({}), &facts(&[], &["spark_operator", "yunikorn"]));
    let release = release(&plan, "spark-operator");
    let v = values(release);
    assert_eq!(v.pointer("/controller/batchScheduler"), Some(&json!({"enable": true, "default": "yunikorn"})));
    assert_eq!(release.depends_on, ["yunikorn/yunikorn"]);
    assert!(plan.notes.iter().any(|n| n.topic == "batch-scheduler"));
}

#[test]
fn with_prometheus_a_pod_monitor_after_the_prometheus_release() {
    let plan = plan_ok::<SparkOperator>(&json!({}), &facts(&[], &["spark_operator", "prometheus"]));
    let release = release(&plan, "spark-operator");
    assert_eq!(values(release).pointer("/prometheus/podMonitor/create"), Some(&json!(true)));
    assert_eq!(release.depends_on, ["prometheus/prometheus"]);
}

#[test]
fn a_cert_manager_certificate_waits_for_cert_manager_and_needs_it_enabled() {
    let config = json!({"values": {"certManager": {"enable": true}}});
    let plan = plan_ok::<SparkOperator>(&config, &facts(&[], &["spark_operator", "cert_manager"]));
    assert_eq!(release(&plan, "spark-operator").depends_on, ["cert_manager/cert-manager"]);
    let e = error_at::<SparkOperator>(&config, &alone(), "values.certManager.enable");
    assert!(e.message.contains("cert_manager addon"), "{}", e.message);
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("enable_cert_manager: true")));
    let off = json!({"values": {"certManager": {"enable": false}}});
    assert!(plan_ok::<SparkOperator>(&off, &alone()).releases[0].depends_on.is_empty());
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({
        "namespace": "spark",
        "teams": ["team-a", "team-b", "spark"],
        "values": {"controller": {"workers": 20}, "spark": {"jobNamespaces": ["team-a", "team-b", "spark"]}}
    });
    let plan = plan_ok::<SparkOperator>(&config, &alone());
    let release = release(&plan, "spark-operator");
    let v = values(release);
    assert_eq!(v.pointer("/controller/workers"), Some(&json!(20)));
    assert!(v.pointer("/controller/nodeSelector").is_some());
    let namespaces: Vec<String> = objects(release)
        .iter()
        .filter(|o| o["kind"] == "Namespace")
        .map(|o| o["metadata"]["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(namespaces, ["spark", "team-a", "team-b"], "the release namespace appears once");
}

#[test]
fn validation_errors() {
    let f = alone();
    let e = error_at::<SparkOperator>(&json!({"teams": ["ok", "Not_OK"]}), &f, "teams.1");
    assert!(e.message.contains("DNS-1123"), "{}", e.message);
    let e = error_at::<SparkOperator>(&json!({"teams": ["a", "b", "a"]}), &f, "teams.2");
    assert!(e.message.contains("twice"));
    let e = error_at::<SparkOperator>(&json!({"teams": []}), &f, "teams");
    assert_eq!(e.message, "must list at least one namespace");
    error_at::<SparkOperator>(&json!({"teams": "team-a"}), &f, "teams");
    let e = error_at::<SparkOperator>(&json!({"image": "spark:latest"}), &f, "image");
    assert!(e.message.contains("not pinned"), "{}", e.message);
    let e =
        error_at::<SparkOperator>(&json!({"spark_conf": {"executor.memory": "8g"}}), &f, "spark_conf.executor.memory");
    assert!(e.message.contains("not a Spark property"), "{}", e.message);
    error_at::<SparkOperator>(&json!({"executor_max_vcpu": 0}), &f, "executor_max_vcpu");
    let e = error_at::<SparkOperator>(
        &json!({"values": {"spark": {"serviceAccount": {"name": "x"}}}}),
        &f,
        "values.spark.serviceAccount.name",
    );
    assert!(e.message.contains("cannot be overridden"), "{}", e.message);
    error_at::<SparkOperator>(&json!({"values": {"controller": {"volumes": []}}}), &f, "values.controller.volumes");
}

/// spark-defaults.conf of the plan, as key -> value.
fn defaults_conf(plan: &AddonPlan) -> std::collections::BTreeMap<String, String> {
    let release = release(plan, "spark-operator");
    let config_map = object(release, "ConfigMap", "spark-defaults");
    config_map["data"]["spark-defaults.conf"]
        .as_str()
        .expect("spark-defaults.conf")
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(' ').expect("key value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn each_team_has_its_role_by_pod_identity_scoped_to_the_platform() {
    let f = facts(&[], &["spark_operator", "spark_history_server"]);
    let plan = plan_ok::<SparkOperator>(&json!({"teams": ["team-a", "team-b"]}), &f);
    assert_eq!(
        plan.pod_identities
            .iter()
            .map(|p| (p.namespace.as_str(), p.service_account.as_str(), p.grant.as_str()))
            .collect::<Vec<_>>(),
        [("team-a", "spark", "team-a"), ("team-b", "spark", "team-b")]
    );
    let grant = plan.grants.iter().find(|g| g.id == "team-b").expect("team-b grant");
    let resources: Vec<&Resource> = grant.statements.iter().flat_map(|s| &s.resources).collect();
    assert!(resources.contains(&&Resource::Bucket("core/data".into())), "{resources:?}");
    assert!(resources.contains(&&Resource::BucketObjects(("core/data".into(), String::new()))), "{resources:?}");
    assert!(
        resources.contains(&&Resource::BucketObjects((
            "spark_history_server/event-logs".into(),
            "spark-event-logs/".into()
        ))),
        "{resources:?}"
    );
    let glue: Vec<&str> = resources
        .iter()
        .filter_map(|r| match r {
            Resource::Arn(a) => Some(a.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(glue.len(), 3, "{glue:?}");
    assert!(glue.iter().all(|a| a.ends_with(":catalog") || a.contains("/test_*")), "{glue:?}");
    assert!(glue.iter().any(|a| a.ends_with(":database/test_*")), "{glue:?}");
    // The chart makes the service account the identities name, in every team namespace.
    let v = values(release(&plan, "spark-operator"));
    assert_eq!(v.pointer("/spark/serviceAccount/name"), Some(&json!("spark")));
    assert_eq!(v.pointer("/spark/jobNamespaces"), Some(&json!(["team-a", "team-b"])));
}

#[test]
fn spark_defaults_reach_spark_submit_in_the_controller() {
    let f = facts(&[], &["spark_operator", "spark_history_server"]);
    let plan = plan_ok::<SparkOperator>(&json!({}), &f);
    let v = values(release(&plan, "spark-operator"));
    assert_eq!(
        v.pointer("/controller/env/0"),
        Some(&json!({"name": "SPARK_CONF_DIR", "value": "/etc/spark-defaults"}))
    );
    assert_eq!(v.pointer("/controller/volumes/1/configMap/name"), Some(&json!("spark-defaults")));
    assert_eq!(v.pointer("/controller/volumeMounts/1/mountPath"), Some(&json!("/etc/spark-defaults")));
    assert_eq!(
        v.pointer("/controller/volumeMounts/0/mountPath"),
        Some(&json!("/tmp")),
        "the chart's tmp volume is kept"
    );
    let conf = defaults_conf(&plan);
    assert_eq!(conf["spark.eventLog.dir"], "s3a://${bucket:spark_history_server/event-logs}/spark-event-logs/");
    assert_eq!(
        conf["spark.hadoop.fs.s3a.aws.credentials.provider"],
        "software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider"
    );
    assert_eq!(conf["spark.sql.catalog.glue.warehouse"], "s3://${bucket:core/data}/warehouse/");
    assert_eq!(conf["spark.kubernetes.authenticate.executor.serviceAccountName"], "spark");
    assert_eq!(conf["spark.hadoop.fs.s3a.endpoint.region"], "us-west-2");
    // Without a history server, the logs go to the platform data bucket.
    let without = plan_ok::<SparkOperator>(&json!({}), &alone());
    assert_eq!(defaults_conf(&without)["spark.eventLog.dir"], "s3a://${bucket:core/data}/spark-event-logs/");
    assert!(
        without.grants[0]
            .statements
            .iter()
            .flat_map(|s| &s.resources)
            .all(|r| !matches!(r, Resource::BucketObjects((b, _)) if b.contains("history")))
    );
    // The user's conf replaces ours and adds to it; no packages means no spark.jars.packages.
    let own = json!({"spark_conf": {"spark.eventLog.enabled": "false", "spark.executor.memory": "8g"}, "packages": []});
    let conf = defaults_conf(&plan_ok::<SparkOperator>(&own, &alone()));
    assert_eq!(conf["spark.eventLog.enabled"], "false");
    assert_eq!(conf["spark.executor.memory"], "8g");
    assert!(!conf.contains_key("spark.jars.packages"));
}

#[test]
fn drivers_on_demand_and_executors_on_spot_each_on_a_tainted_pool_the_pod_templates_select() {
    let plan = plan_ok::<SparkOperator>(&json!({"executor_max_vcpu": 200}), &alone());
    let pool = |name: &str| plan.node_pools.iter().find(|p| p.name == name).expect(name);
    let driver = pool("spark-driver");
    assert_eq!(driver.capacity_types, [CapacityType::OnDemand]);
    assert_eq!(driver.architectures, ["arm64"]);
    let executor = pool("spark-executor");
    assert_eq!(executor.capacity_types, [CapacityType::Spot, CapacityType::OnDemand]);
    assert_eq!(executor.instance_families, ["c7g", "c8g"]);
    assert_eq!(executor.limit_cpu, Some(200));
    let release = release(&plan, "spark-operator");
    let config_map = object(release, "ConfigMap", "spark-defaults");
    for (file, pool) in [("driver-pod-template.yaml", driver), ("executor-pod-template.yaml", executor)] {
        let template = config_map["data"][file].as_str().expect(file);
        let (label_key, label_value) = &pool.labels[0];
        assert!(template.contains(&format!("{label_key}: {label_value}")), "{template}");
        assert!(template.contains(&format!("key: {}", pool.taints[0].key)), "{template}");
    }
    let conf = defaults_conf(&plan);
    assert_eq!(conf["spark.kubernetes.executor.podTemplateFile"], "/etc/spark-defaults/executor-pod-template.yaml");
}

#[test]
fn with_yunikorn_each_team_namespace_declares_its_queue_and_quota() {
    let f = facts(&[], &["spark_operator", "yunikorn"]);
    let plan = plan_ok::<SparkOperator>(
        &json!({"teams": ["team-a", "team-b"], "team_quota": {"vcpu": 64, "memory_gib": 256}}),
        &f,
    );
    let release = release(&plan, "spark-operator");
    for team in ["team-a", "team-b"] {
        let ns = object(release, "Namespace", team);
        let annotations = &ns["metadata"]["annotations"];
        assert_eq!(annotations["yunikorn.apache.org/parentqueue"], "root.spark");
        let quota: serde_json::Value =
            serde_json::from_str(annotations["yunikorn.apache.org/namespace.quota"].as_str().expect("quota"))
                .expect("json");
        assert_eq!(quota, json!({"cpu": "64", "memory": "256Gi"}));
    }
    assert_eq!(team_queue("team-a"), "root.spark.team-a");
    // Without yunikorn the namespaces carry no queue.
    let plain = plan_ok::<SparkOperator>(&json!({"teams": ["team-a"]}), &alone());
    let plain = dataplat_sdk::testing::release(&plain, "spark-operator");
    assert!(object(plain, "Namespace", "team-a")["metadata"].get("annotations").is_none());
    error_at::<SparkOperator>(&json!({"team_quota": {"vcpu": 0}}), &alone(), "team_quota.vcpu");
}

fn objects_in(release: &Release, ns: &str) -> Vec<Value> {
    objects(release).into_iter().filter(|o| o["metadata"]["namespace"] == ns).collect()
}

#[test]
fn spark_connect_gives_each_team_a_server_under_its_service_account_with_the_defaults() {
    let f = facts(&["enable_spark_operator", CONNECT_FLAG], &["spark_operator"]);
    let plan = plan_ok::<SparkOperator>(&json!({"teams": ["team-a", "team-b"], "connect": {"max_executors": 7}}), &f);
    let release = release(&plan, "spark-operator");
    for team in ["team-a", "team-b"] {
        let in_team = objects_in(release, team);
        let connect = in_team.iter().find(|o| o["kind"] == "SparkConnect").expect("SparkConnect");
        assert_eq!(connect["apiVersion"], "sparkoperator.k8s.io/v1alpha1");
        let spec = &connect["spec"];
        assert_eq!(spec["sparkVersion"], "4.0.0");
        assert_eq!(spec["image"], "spark:4.0.0");
        let server = &spec["server"]["template"]["spec"];
        // The server is the driver: the team's service account (its RBAC and Pod Identity).
        assert_eq!(server["serviceAccountName"], "spark");
        assert_eq!(server["nodeSelector"], json!({"dataplat.io/pool": "spark-driver"}));
        assert_eq!(server["tolerations"][0]["key"], dedicated_pool_taint("spark-driver"));
        let container = &server["containers"][0];
        assert_eq!(container["name"], "spark-kubernetes-driver");
        assert_eq!(container["env"][0], json!({"name": "SPARK_CONF_DIR", "value": "/etc/spark-connect"}));
        assert_eq!(container["volumeMounts"][0]["mountPath"], "/etc/spark-connect");
        assert_eq!(server["volumes"][0]["configMap"]["name"], "spark-connect-defaults");
        assert_eq!(container["resources"]["limits"]["memory"], "4Gi", "3 GiB heap and 1 GiB overhead");
        // 2.4.0 panics on an empty executor template; ours places the executors.
        let executor = &spec["executor"]["template"]["spec"];
        assert_eq!(executor["nodeSelector"], json!({"dataplat.io/pool": "spark-executor"}));
        assert_eq!(spec["dynamicAllocation"], json!({"enabled": true, "minExecutors": 0, "maxExecutors": 7}));
        assert!(spec.get("sparkConf").is_none(), "2.4.0 passes sparkConf through bash -c unquoted");
        // The defaults file: the operator's own, without pod template paths (the operator sets
        // the executor's; the server is its own driver pod).
        let defaults = in_team.iter().find(|o| o["kind"] == "ConfigMap").expect("defaults");
        assert_eq!(defaults["metadata"]["name"], "spark-connect-defaults");
        let conf = defaults["data"]["spark-defaults.conf"].as_str().unwrap();
        assert!(conf.contains("spark.kubernetes.authenticate.executor.serviceAccountName spark\n"), "{conf}");
        assert!(conf.contains("spark.hadoop.fs.s3a.aws.credentials.provider software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider"));
        assert!(conf.contains("spark.sql.catalog.glue.warehouse s3://${bucket:core/data}/warehouse/"), "{conf}");
        assert!(conf.contains("spark.jars.packages org.apache.hadoop:hadoop-aws:3.4.1"), "{conf}");
        assert!(!conf.contains("podTemplateFile"), "{conf}");
        let endpoint = plan.endpoints.iter().find(|e| e.name == format!("connect-{team}")).expect("endpoint");
        assert_eq!(endpoint.url, format!("sc://spark-connect-server.{team}.svc.cluster.local:15002"));
    }
    assert!(health_checks(release).contains(&("CustomResourceDefinition", "sparkconnects.sparkoperator.k8s.io")));
    assert!(plan.notes.iter().any(|n| n.topic == "spark-connect" && n.text.contains("no authentication")));
    // Without the flag: no server, no endpoint.
    let plan = plan_ok::<SparkOperator>(&json!({}), &alone());
    assert!(!release_objects_have(&plan, "SparkConnect"));
    assert!(plan.endpoints.is_empty());
    error_at::<SparkOperator>(&json!({"connect": {"max_executors": 0}}), &alone(), "connect.max_executors");
}

fn release_objects_have(plan: &AddonPlan, kind: &str) -> bool {
    plan.releases.iter().flat_map(objects).any(|o| o["kind"] == kind)
}

#[test]
fn with_yunikorn_each_teams_queue_and_quota_is_published_for_the_yunikorn_addon() {
    let f = facts(&["enable_spark_operator", "enable_yunikorn"], &["spark_operator", "yunikorn"]);
    let plan = plan_ok::<SparkOperator>(&json!({"teams": ["ml"], "team_quota": {"vcpu": 64, "memory_gib": 256}}), &f);
    let queue = plan.endpoints.iter().find(|e| e.name == "queue-ml").expect("queue endpoint");
    assert_eq!(queue.url, "yunikorn://root.spark.ml?vcore=64&memory=256Gi");
    assert!(plan_ok::<SparkOperator>(&json!({}), &alone()).endpoints.iter().all(|e| !e.name.starts_with("queue-")));
}
