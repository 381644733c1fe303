use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(Yunikorn in alone();
    info "yunikorn", [("enable_yunikorn", true)], ["spark_operator"], [];
    deterministic json!({}), alone());

fn alone() -> PlatformFacts {
    facts(&["enable_yunikorn"], &["yunikorn"])
}

#[test]
fn defaults_plan_the_scheduler_with_queues() {
    let plan = plan_ok::<Yunikorn>(&json!({}), &alone());
    let release = release(&plan, "yunikorn");
    assert_eq!(release.namespace, "yunikorn-system");
    assert_chart(release, "https://apache.github.io/yunikorn-release", "yunikorn", "1.7.0");
    let v = values(release);
    let core = json!({"dataplat.io/pool": "core"});
    assert_eq!(v.get("nodeSelector"), Some(&core));
    assert_eq!(v.pointer("/admissionController/nodeSelector"), Some(&core));
    let queues = v["yunikornDefaults"]["queues.yaml"].as_str().expect("queues.yaml");
    let layout: serde_json::Value = serde_saphyr::from_str(queues).expect("queues.yaml");
    let partition = &layout["partitions"][0];
    let rules: Vec<&str> = partition["placementrules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(rules, ["provided", "tag", "fixed"]);
    let tag = &partition["placementrules"][1];
    assert_eq!((tag["value"].as_str(), tag["create"].as_bool()), (Some("namespace"), Some(true)));
    assert_eq!(tag["parent"], json!({"name": "tag", "value": "namespace.parentqueue"}));
    assert_eq!(partition["placementrules"][2]["value"], "root.default");
    let children = &partition["queues"][0]["queues"];
    assert_eq!(children[0]["name"], "default");
    assert_eq!((children[1]["name"].as_str(), children[1]["parent"].as_bool()), (Some("spark"), Some(true)));
    object(release, "Namespace", "yunikorn-system");
    assert_eq!(
        health_checks(release),
        [("Deployment", "yunikorn-scheduler"), ("Deployment", "yunikorn-admission-controller")]
    );
    let endpoints = endpoints(&plan);
    assert_eq!(
        endpoints,
        [
            ("web", "http://yunikorn-service.yunikorn-system.svc:9889"),
            ("metrics", "http://yunikorn-service.yunikorn-system.svc:9080/ws/v1/metrics")
        ]
    );
}

#[test]
fn overrides_and_values_merge() {
    let config =
        json!({"namespace": "scheduling", "values": {"yunikornDefaults": {"service.schedulingInterval": "2s"}}});
    let plan = plan_ok::<Yunikorn>(&config, &alone());
    let release = release(&plan, "yunikorn");
    object(release, "Namespace", "scheduling");
    let v = values(release);
    assert_eq!(v.pointer("/yunikornDefaults/service.schedulingInterval"), Some(&json!("2s")));
    assert!(v["yunikornDefaults"]["queues.yaml"].is_string(), "defaults kept beside the override");
    assert_eq!(plan.endpoints[0].url, "http://yunikorn-service.scheduling.svc:9889");
}

#[test]
fn validation_errors() {
    let f = alone();
    error_at::<Yunikorn>(&json!({"queues": {}}), &f, "queues");
}

fn with_teams(endpoints: &[(&str, &str)]) -> PlatformFacts {
    let mut f = facts(&["enable_yunikorn", "enable_spark_operator"], &["yunikorn", "spark_operator"]);
    f.endpoints = endpoints.iter().map(|(name, url)| Endpoint::new("spark_operator", name, *url, "")).collect();
    f
}

#[test]
fn the_spark_teams_published_queues_are_static_children_of_root_spark() {
    let f = with_teams(&[
        ("queue-ml", "yunikorn://root.spark.ml?vcore=64&memory=256Gi"),
        ("queue-bi", "yunikorn://root.spark.bi?vcore=8&memory=32Gi"),
        ("connect-ml", "sc://spark-connect-server.ml.svc.cluster.local:15002"),
    ]);
    let plan = plan_ok::<Yunikorn>(&json!({}), &f);
    let queues = values(release(&plan, "yunikorn"))["yunikornDefaults"]["queues.yaml"].as_str().unwrap().to_string();
    let layout: serde_json::Value = serde_saphyr::from_str(&queues).expect("queues.yaml parses");
    let spark = &layout["partitions"][0]["queues"][0]["queues"][1];
    assert_eq!(spark["name"], "spark");
    assert_eq!(spark["properties"]["application.sort.policy"], "fifo");
    let teams = spark["queues"].as_array().expect("the teams' queues");
    assert_eq!(teams.len(), 2);
    assert_eq!(teams[0], json!({"name": "ml", "resources": {"max": {"vcore": 64, "memory": "256Gi"}}}));
    assert_eq!(teams[1]["name"], "bi");
    let note = plan.notes.iter().find(|n| n.topic == "queues").expect("note");
    assert!(note.text.contains("root.spark.ml (at most 64 vCPU, 256Gi)"), "{}", note.text);
    // Nothing published: no child queues (they are made on first use from the namespace).
    let queues =
        values(release(&plan_ok::<Yunikorn>(&json!({}), &alone()), "yunikorn"))["yunikornDefaults"]["queues.yaml"]
            .as_str()
            .unwrap()
            .to_string();
    let layout: serde_json::Value = serde_saphyr::from_str(&queues).expect("parses");
    assert!(layout["partitions"][0]["queues"][0]["queues"][1].get("queues").is_none());
    // A queue it cannot read is refused, not dropped.
    for bad in
        ["yunikorn://root.other.ml?vcore=1&memory=1Gi", "yunikorn://root.spark.ml?vcore=x&memory=1Gi", "http://x"]
    {
        let e = errors::<Yunikorn>(&json!({}), &with_teams(&[("queue-ml", bad)]));
        assert!(e.iter().any(|d| d.message.contains("not a queue this addon understands")), "{bad}: {e:?}");
    }
}
