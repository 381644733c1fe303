use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(Yunikorn in alone();
    info "yunikorn", [("enable_yunikorn", true)], [], [];
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
