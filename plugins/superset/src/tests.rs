use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(Superset in enabled();
    info "superset", [("enable_superset", true)], [], [];
    deterministic json!({}), enabled());

fn enabled() -> PlatformFacts {
    facts(&["enable_superset"], &["superset"])
}

#[test]
fn defaults_plan_superset_with_bundled_databases_and_no_secret() {
    let plan = plan_ok::<Superset>(&json!({}), &enabled());
    let release = release(&plan, "superset");
    assert_eq!(release.namespace, "superset");
    assert_chart(release, "https://apache.github.io/superset", "superset", "0.15.0");
    let v = values(release);
    assert_eq!(v.pointer("/postgresql/enabled"), Some(&json!(true)));
    assert_eq!(v.pointer("/redis/enabled"), Some(&json!(true)));
    // Every pod on the core nodes, as the other web apps: none lands on an addon's NodePool.
    let core = json!({"dataplat.io/pool": "core"});
    for path in ["/nodeSelector", "/postgresql/primary/nodeSelector", "/redis/master/nodeSelector"] {
        assert_eq!(v.pointer(path), Some(&core), "{path}");
    }
    assert_eq!(v["envFromSecrets"], json!(["superset-secret-key"]));
    let override_py = v.pointer("/configOverrides/secret_key").and_then(|s| s.as_str()).expect("override");
    assert!(override_py.contains("SECRET_KEY = os.environ[\"SUPERSET_SECRET_KEY\"]"));
    assert!(v.get("extraSecretEnv").is_none(), "no secret material in values");
    object(release, "Namespace", "superset");
    assert_eq!(health_checks(release), [("Deployment", "superset"), ("Deployment", "superset-worker")]);
    assert_eq!(endpoints(&plan), [("web", "http://superset.superset.svc:8088")]);
    let topics: Vec<&str> = plan.notes.iter().map(|n| n.topic.as_str()).collect();
    assert!(topics.contains(&"deprecated"));
    let secret = plan.notes.iter().find(|n| n.topic == "secret-key").expect("secret note");
    assert!(secret.text.contains("superset/superset-secret-key"));
    // The Secret the values read is declared, so the host generates it before the release.
    assert_eq!(plan.secrets.len(), 1);
    assert_eq!(
        (plan.secrets[0].namespace.as_str(), plan.secrets[0].name.as_str()),
        ("superset", "superset-secret-key")
    );
    assert_eq!(plan.secrets[0].random_keys, ["SUPERSET_SECRET_KEY"]);
}

#[test]
fn overrides_and_values_merge() {
    let config =
        json!({"namespace": "bi", "values": {"supersetNode": {"replicaCount": 2}, "redis": {"enabled": false}}});
    let plan = plan_ok::<Superset>(&config, &enabled());
    let release = release(&plan, "superset");
    object(release, "Namespace", "bi");
    let v = values(release);
    assert_eq!(v.pointer("/supersetNode/replicaCount"), Some(&json!(2)));
    assert_eq!(v.pointer("/redis/enabled"), Some(&json!(false)));
    assert_eq!(v.pointer("/postgresql/enabled"), Some(&json!(true)));
    assert_eq!(plan.endpoints[0].url, "http://superset.bi.svc:8088");
}

#[test]
fn validation_errors() {
    let f = enabled();
    let e = error_at::<Superset>(
        &json!({"values": {"extraSecretEnv": {"SUPERSET_SECRET_KEY": "hunter2"}}}),
        &f,
        "values.extraSecretEnv.SUPERSET_SECRET_KEY",
    );
    assert!(e.message.contains("secrets"));
    error_at::<Superset>(&json!({"values": {"fullnameOverride": "bi"}}), &f, "values.fullnameOverride");
}
