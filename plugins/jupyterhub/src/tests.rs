use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(JupyterHub in enabled();
    info "jupyterhub", [("enable_jupyterhub", true)], [], ["hub_storage_gib"];
    deterministic json!({"hub_storage_gib": 20}), enabled());

fn enabled() -> PlatformFacts {
    facts(&["enable_jupyterhub"], &["jupyterhub"])
}

#[test]
fn defaults_plan_a_locked_down_hub() {
    let plan = plan_ok::<JupyterHub>(&json!({}), &enabled());
    let release = release(&plan, "jupyterhub");
    assert_eq!(release.namespace, "jupyterhub");
    assert_chart(release, "https://hub.jupyter.org/helm-chart/", "jupyterhub", "3.3.8");
    let v = values(release);
    assert_eq!(v.pointer("/hub/db/pvc/storage"), Some(&json!("50Gi")));
    assert_eq!(v.pointer("/hub/db/pvc/storageClassName"), Some(&json!("gp3")));
    assert_eq!(v.pointer("/proxy/service/type"), Some(&json!("ClusterIP")));
    let core = json!({"dataplat.io/pool": "core"});
    assert_eq!(v.pointer("/hub/nodeSelector"), Some(&core));
    assert_eq!(v.pointer("/proxy/chp/nodeSelector"), Some(&core));
    assert_eq!(v.pointer("/singleuser/cloudMetadata/blockWithIptables"), Some(&json!(true)));
    assert_eq!(v.pointer("/singleuser/uid"), Some(&json!(1000)));
    let profiles = v.pointer("/singleuser/profileList").and_then(|p| p.as_array()).expect("profiles");
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0]["default"], true);
    object(release, "Namespace", "jupyterhub");
    assert_eq!(health_checks(release), [("Deployment", "hub"), ("Deployment", "proxy")]);
    assert_eq!(endpoints(&plan), [("hub", "http://proxy-public.jupyterhub.svc:80")]);
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({
        "namespace": "notebooks",
        "hub_storage_gib": 10,
        "values": {"hub": {"config": {"JupyterHub": {"authenticator_class": "github"}}}, "singleuser": {"uid": 1001}}
    });
    let plan = plan_ok::<JupyterHub>(&config, &enabled());
    let release = release(&plan, "jupyterhub");
    object(release, "Namespace", "notebooks");
    let v = values(release);
    assert_eq!(v.pointer("/hub/db/pvc/storage"), Some(&json!("10Gi")));
    assert_eq!(v.pointer("/hub/config/JupyterHub/authenticator_class"), Some(&json!("github")));
    assert_eq!(v.pointer("/singleuser/uid"), Some(&json!(1001)));
    assert_eq!(v.pointer("/singleuser/cloudMetadata/blockWithIptables"), Some(&json!(true)));
    assert_eq!(plan.endpoints[0].url, "http://proxy-public.notebooks.svc:80");
}

#[test]
fn validation_errors() {
    let f = enabled();
    let e = error_at::<JupyterHub>(&json!({"hub_storage_gib": 0}), &f, "hub_storage_gib");
    assert_eq!(e.message, "0 is out of range: must be 1 to 1000");
    error_at::<JupyterHub>(&json!({"hub_storage_gib": 1001}), &f, "hub_storage_gib");
    let e = error_at::<JupyterHub>(&json!({"values": {"singleuser": {"uid": 0}}}), &f, "values.singleuser.uid");
    assert!(e.message.contains("root"));
    let e = error_at::<JupyterHub>(
        &json!({"values": {"singleuser": {"cloudMetadata": {"blockWithIptables": false}}}}),
        &f,
        "values.singleuser.cloudMetadata.blockWithIptables",
    );
    assert!(e.message.contains("instance metadata"));
}
