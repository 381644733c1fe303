//! The applier against a real API server: kube-apiserver 1.20.2 + etcd + kube-controller-manager
//! from `tools/kube-testenv` (reached through `DATAPLAT_TEST_KUBECONFIG`; skipped when unset
//! unless `DATAPLAT_IT=1`). Each test works in namespaces and releases of its own.
//!
//! Kubernetes 1.20 has no kubelet or scheduler here: Pods never run, so workloads in these tests
//! have zero replicas (the deployment controller still reports them rolled out).

use std::collections::BTreeSet;
use std::time::Duration;

use dataplat_kube::apply::{
    Action, ApplyOptions, Release, ReleaseReport, apply_release, delete_release, no_events, plan_delete_release,
    plan_release,
};
use dataplat_kube::cluster::{Cluster, ConnectOptions};
use dataplat_kube::health::Check;
use dataplat_kube::inventory;
use dataplat_kube::{KubeError, Object, ObjectRef};
use dataplat_testkit::{test_kubeconfig, unique_name};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value as Json, json};

async fn cluster() -> Option<Cluster> {
    let kubeconfig = test_kubeconfig()?;
    let options = ConnectOptions { kubeconfig: Some(kubeconfig), context: None };
    Some(Cluster::connect(&options).await.expect("connect to the test API server"))
}

fn object(value: Json) -> Object {
    Object::new(value, "test").expect("object")
}

fn options() -> ApplyOptions {
    ApplyOptions { timeout: Duration::from_secs(60), poll: Duration::from_millis(200), ..ApplyOptions::default() }
}

fn namespace(name: &str) -> Object {
    object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}))
}

fn configmap(ns: &str, name: &str, data: Json) -> Object {
    object(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data}))
}

fn deployment(ns: &str, name: &str, replicas: Option<i64>) -> Object {
    let mut value = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "busybox:1.37"}]}},
        },
    });
    if let Some(r) = replicas {
        value["spec"]["replicas"] = json!(r);
    }
    object(value)
}

/// A CRD `<plural>.<group>` for namespaced kind `Widget` with a `spec.size` integer.
fn crd(group: &str) -> Object {
    object(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{group}")},
        "spec": {
            "group": group, "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer", "minimum": 1}}}},
            }}}],
        },
    }))
}

async fn get(cluster: &Cluster, api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> Option<DynamicObject> {
    let resolved = cluster.resolve(api_version, kind).await.expect("discovery")?;
    cluster.api(&resolved, ns).get_opt(name).await.expect("get")
}

#[tokio::test]
async fn a_release_with_a_crd_its_resources_a_namespace_and_workloads_applies_in_one_pass() {
    let Some(cluster) = cluster().await else { return };
    let ns = unique_name("one-pass");
    let group = format!("{}.example.com", unique_name("g"));
    // Deliberately out of order: the applier sorts.
    let release = Release {
        id: format!("test/{ns}"),
        platform: "test".into(),
        namespace: ns.clone(),
        objects: vec![
            object(
                json!({"apiVersion": format!("{group}/v1"), "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}}),
            ),
            deployment(&ns, "web", Some(0)),
            object(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})),
            configmap(&ns, "settings", json!({"a": "1"})),
            crd(&group),
            namespace(&ns),
        ],
        checks: vec![Check {
            object: ObjectRef {
                api_version: format!("{group}/v1"),
                kind: "Widget".into(),
                namespace: Some(ns.clone()),
                name: "w".into(),
            },
            json_path: Some(".spec.size".into()),
            expected: Some("3".into()),
            timeout_seconds: 30,
        }],
        depends_on: vec![],
    };
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = order.clone();
    let events: dataplat_kube::Events = std::sync::Arc::new(move |e| {
        if let dataplat_kube::Event::Changed { change, .. } = e {
            seen.lock().unwrap().push(change.object.kind.clone());
        }
    });
    let report = apply_release(&cluster, &release, &options(), &events).await.expect("apply");
    assert_eq!(report.count(Action::Create), 6, "{report:?}");
    assert_eq!(
        *order.lock().unwrap(),
        ["CustomResourceDefinition", "Namespace", "ConfigMap", "Service", "Deployment", "Widget"]
    );
    // Six objects, the inventory twice (ahead and final) and its namespace at most once: no retry.
    assert!((8..=9).contains(&report.requests.writes), "{:?}", report.requests);
    let widget = get(&cluster, &format!("{group}/v1"), "Widget", Some(&ns), "w").await.expect("widget");
    assert_eq!(widget.data["spec"]["size"], json!(3));
    assert_eq!(widget.metadata.labels.unwrap()["dataplat.io/release"], format!("test.{ns}"));
    let service = get(&cluster, "v1", "Service", Some(&ns), "web").await.expect("service in the release namespace");
    assert!(service.metadata.managed_fields.unwrap().iter().any(|f| f.manager.as_deref() == Some("kubectl-dataplat")));
    let inv = inventory::read(&cluster, &release.id).await.unwrap().expect("inventory");
    assert!(!inv.pending && inv.objects.len() == 6 && inv.objects.iter().all(|e| e.uid.is_some()), "{inv:?}");
}

#[tokio::test]
async fn a_converged_release_re_applies_with_zero_mutating_requests() {
    let Some(cluster) = cluster().await else { return };
    let ns = unique_name("noop");
    let release = Release {
        id: format!("test/{ns}"),
        namespace: ns.clone(),
        objects: vec![
            namespace(&ns),
            configmap(&ns, "a", json!({"k": "v"})),
            configmap(&ns, "b", json!({"k": "v"})),
            deployment(&ns, "d", Some(0)),
            deployment(&ns, "e", Some(0)),
        ],
        ..Release::default()
    };
    apply_release(&cluster, &release, &options(), &no_events()).await.expect("first apply");
    // The deployment controller writes status (a new resourceVersion): those objects are compared
    // by a dry run, the others by their resourceVersion; both kinds are read by one LIST each.
    let again = apply_release(&cluster, &release, &options(), &no_events()).await.expect("re-apply");
    assert_eq!(again.requests.writes, 0, "{:?}", again.requests);
    assert_eq!(again.count(Action::Unchanged), 5);
    assert!(again.requests.dry_runs >= 2, "the deployments changed status: {:?}", again.requests);
    let third = apply_release(&cluster, &release, &options(), &no_events()).await.expect("re-apply");
    assert_eq!(third.requests.writes, 0, "{:?}", third.requests);
    // A real change is one write for the object plus the inventory (ahead and final).
    let mut changed = release.clone();
    changed.objects[1] = configmap(&ns, "a", json!({"k": "w"}));
    let plan = plan_release(&cluster, &changed, &options()).await.expect("plan");
    let update = plan.changes.iter().find(|c| c.action == Action::Update).expect("an update");
    assert_eq!(update.diff, ["~ .data.k: \"v\" -> \"w\""]);
    assert_eq!(plan.requests.writes, 0, "plan writes nothing");
    let report = apply_release(&cluster, &changed, &options(), &no_events()).await.expect("apply change");
    assert_eq!((report.count(Action::Update), report.requests.writes), (1, 3), "{report:?}");
}

#[tokio::test]
async fn prune_and_delete_keep_claims_and_marked_objects_and_remove_the_inventory() {
    let Some(cluster) = cluster().await else { return };
    let ns = unique_name("prune");
    let claim = object(
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": ns},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
    );
    let mut marked = configmap(&ns, "marked", json!({}));
    marked.value["metadata"]["annotations"] = json!({"helm.sh/resource-policy": "keep"});
    let release = Release {
        id: format!("test/{ns}"),
        namespace: ns.clone(),
        objects: vec![namespace(&ns), configmap(&ns, "a", json!({})), configmap(&ns, "b", json!({})), claim, marked],
        ..Release::default()
    };
    let options = ApplyOptions { wait: false, ..options() };
    apply_release(&cluster, &release, &options, &no_events()).await.expect("apply");
    // b is no longer rendered: pruned.
    let mut smaller = release.clone();
    smaller.objects.retain(|o| o.name() != "b");
    let report = apply_release(&cluster, &smaller, &options, &no_events()).await.expect("apply smaller");
    assert_eq!(report.count(Action::Delete), 1, "{report:?}");
    assert!(get(&cluster, "v1", "ConfigMap", Some(&ns), "b").await.is_none());
    // Disable: everything goes but the claim and the marked ConfigMap (and the namespace that holds the claim).
    // The plan preview says exactly what the deletion then does (it once showed the marked
    // ConfigMap and the namespace as Delete).
    let preview = plan_delete_release(&cluster, &release.id, &options).await.expect("plan the deletion");
    assert_eq!(preview.requests.writes, 0);
    let report = delete_release(&cluster, &release.id, &options, &no_events()).await.expect("delete");
    let actions = |r: &ReleaseReport| -> BTreeSet<(String, &'static str)> {
        r.changes.iter().map(|c| (c.object.to_string(), c.action.as_str())).collect()
    };
    assert_eq!(actions(&preview), actions(&report), "plan and delete agree on what is kept");
    let kept: BTreeSet<String> =
        report.changes.iter().filter(|c| c.action == Action::Keep).map(|c| c.object.name.clone()).collect();
    assert_eq!(kept, BTreeSet::from(["data".to_string(), "marked".to_string(), ns.clone()]), "{report:?}");
    assert!(get(&cluster, "v1", "ConfigMap", Some(&ns), "a").await.is_none());
    assert!(get(&cluster, "v1", "ConfigMap", Some(&ns), "marked").await.is_some());
    assert!(get(&cluster, "v1", "PersistentVolumeClaim", Some(&ns), "data").await.is_some());
    assert!(inventory::read(&cluster, &release.id).await.unwrap().is_none(), "the inventory is gone");
}

#[tokio::test]
async fn a_field_owned_by_another_manager_is_a_conflict_naming_it_and_force_takes_it() {
    let Some(cluster) = cluster().await else { return };
    let ns = unique_name("conflict");
    let release = Release {
        id: format!("test/{ns}"),
        namespace: ns.clone(),
        objects: vec![namespace(&ns), configmap(&ns, "shared", json!({"k": "ours"}))],
        ..Release::default()
    };
    apply_release(&cluster, &release, &options(), &no_events()).await.expect("apply");
    let api: Api<DynamicObject> = cluster.api(&cluster.resolve("v1", "ConfigMap").await.unwrap().unwrap(), Some(&ns));
    let theirs =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared"}, "data": {"k": "theirs"}});
    api.patch("shared", &PatchParams::apply("other-tool").force(), &Patch::Apply(&theirs))
        .await
        .expect("other manager");
    let before = cluster.requests();
    let err = apply_release(&cluster, &release, &options(), &no_events()).await.expect_err("conflict");
    match &err {
        KubeError::Conflict { conflicts, .. } => {
            assert_eq!(conflicts[0].manager, "other-tool");
            assert_eq!(conflicts[0].field, ".data.k");
        }
        other => panic!("not a conflict: {other}"),
    }
    assert!(err.to_string().contains("owned by \"other-tool\""), "{err}");
    assert_eq!(cluster.requests().writes - before.writes, 0, "found by the dry run, before any write");
    let forced = ApplyOptions { force_conflicts: true, ..options() };
    apply_release(&cluster, &release, &forced, &no_events()).await.expect("forced");
    let live = get(&cluster, "v1", "ConfigMap", Some(&ns), "shared").await.unwrap();
    assert_eq!(live.data["data"]["k"], json!("ours"));
}

/// KEDA's ScaledObject CRD, reduced to what the test needs (written here, not copied).
fn scaled_object_crd() -> Object {
    object(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "scaledobjects.keda.sh"},
        "spec": {
            "group": "keda.sh", "scope": "Namespaced",
            "names": {"kind": "ScaledObject", "plural": "scaledobjects", "singular": "scaledobject", "listKind": "ScaledObjectList"},
            "versions": [{"name": "v1alpha1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}],
        },
    }))
}

async fn scale(cluster: &Cluster, ns: &str, name: &str, replicas: i64) {
    let api: Api<DynamicObject> =
        cluster.api(&cluster.resolve("apps/v1", "Deployment").await.unwrap().unwrap(), Some(ns));
    let body = json!({"spec": {"replicas": replicas}});
    api.patch_scale(name, &PatchParams::default(), &Patch::Merge(&body)).await.expect("scale");
}

#[tokio::test]
async fn an_autoscaled_deployment_keeps_the_replicas_its_scaler_set() {
    let Some(cluster) = cluster().await else { return };
    let ns = unique_name("scaled");
    let release = Release {
        id: format!("test/{ns}"),
        namespace: ns.clone(),
        objects: vec![
            namespace(&ns),
            scaled_object_crd(),
            deployment(&ns, "workers", Some(1)),
            object(json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "workers"},
                "spec": {"scaleTargetRef": {"name": "workers"}, "minReplicaCount": 0}})),
        ],
        ..Release::default()
    };
    let options = ApplyOptions { wait: false, ..options() };
    apply_release(&cluster, &release, &options, &no_events()).await.expect("apply");
    // The ScaledObject owns the count: none is sent, so the API default (1) stands.
    let live = get(&cluster, "apps/v1", "Deployment", Some(&ns), "workers").await.unwrap();
    let ours =
        live.metadata.managed_fields.unwrap().into_iter().find(|f| f.manager.as_deref() == Some("kubectl-dataplat"));
    assert!(!ours.unwrap().fields_v1.unwrap().0.to_string().contains("f:replicas"), "replicas are not ours");
    // The scaler (here another manager through the scale subresource) sets 3.
    scale(&cluster, &ns, "workers", 3).await;
    let mut changed = release.clone();
    changed.objects[2].value["spec"]["template"]["metadata"]["labels"]["rev"] = json!("2");
    let report = apply_release(&cluster, &changed, &options, &no_events()).await.expect("re-apply");
    assert_eq!(report.count(Action::Update), 1, "{report:?}");
    let live = get(&cluster, "apps/v1", "Deployment", Some(&ns), "workers").await.unwrap();
    assert_eq!(live.data["spec"]["replicas"], json!(3));
    assert_eq!(live.data["spec"]["template"]["metadata"]["labels"]["rev"], json!("2"));

    // status reports the scaler with its target: bounds from the ScaledObject, the replicas the
    // scaler set on the Deployment.
    let inv = dataplat_kube::inventory::read(&cluster, &release.id).await.unwrap().expect("inventory");
    let status = dataplat_kube::status::release_status(&cluster, &inv).await.expect("status");
    let scaler = status.scalers.first().cloned().expect("the ScaledObject is reported");
    assert_eq!(scaler.target, format!("Deployment {ns}/workers"));
    assert_eq!((scaler.min, scaler.max, scaler.replicas), (Some(0), None, Some(3)));
    assert_eq!(scaler.active, None, "no KEDA runs here: no Active condition yet");

    // Found live too: an HPA on the cluster (KEDA makes one per ScaledObject) targeting a workload
    // of another release has the same effect.
    let other = Release {
        id: format!("test/{ns}-other"),
        namespace: ns.clone(),
        objects: vec![deployment(&ns, "other", Some(0))],
        ..Release::default()
    };
    apply_release(&cluster, &other, &options, &no_events()).await.expect("apply other");
    let hpa = object(json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "other", "namespace": ns},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "other"}, "maxReplicas": 5}}));
    let hpa_release =
        Release { id: format!("test/{ns}-hpa"), namespace: ns.clone(), objects: vec![hpa], ..Release::default() };
    apply_release(&cluster, &hpa_release, &options, &no_events()).await.expect("hpa");
    scale(&cluster, &ns, "other", 4).await;
    let mut again = other.clone();
    again.objects[0].value["spec"]["template"]["metadata"]["labels"]["rev"] = json!("3");
    apply_release(&cluster, &again, &options, &no_events()).await.expect("re-apply other");
    let live = get(&cluster, "apps/v1", "Deployment", Some(&ns), "other").await.unwrap();
    assert_eq!(live.data["spec"]["replicas"], json!(4));
}

#[tokio::test]
async fn a_release_that_does_not_become_healthy_times_out_naming_the_object_and_its_state() {
    let Some(cluster) = cluster().await else { return };
    let ns = unique_name("slow");
    // One replica never becomes available here (no kubelet).
    let release = Release {
        id: format!("test/{ns}"),
        namespace: ns.clone(),
        objects: vec![namespace(&ns), deployment(&ns, "stuck", Some(1))],
        ..Release::default()
    };
    let options = ApplyOptions { timeout: Duration::from_secs(3), ..options() };
    let err = apply_release(&cluster, &release, &options, &no_events()).await.expect_err("timeout");
    let text = err.to_string();
    assert!(matches!(err, KubeError::Timeout { .. }), "{text}");
    assert!(text.starts_with(&format!("test/{ns}: not healthy after 3 s: Deployment {ns}/stuck: ")), "{text}");
    assert!(text.contains("replicas"), "the last observed state: {text}");
}

#[tokio::test]
async fn unknown_kinds_and_refused_objects_fail_before_writes_with_the_object_named() {
    let Some(cluster) = cluster().await else { return };
    let ns = unique_name("bad");
    let release = Release {
        id: format!("test/{ns}"),
        namespace: ns.clone(),
        objects: vec![
            namespace(&ns),
            object(json!({"apiVersion": "nowhere.example.com/v1", "kind": "Thing", "metadata": {"name": "t"}})),
        ],
        ..Release::default()
    };
    let before = cluster.requests();
    let err = apply_release(&cluster, &release, &options(), &no_events()).await.expect_err("unknown kind");
    assert!(matches!(err, KubeError::NoKind { .. }), "{err}");
    assert_eq!(err.to_string(), "Thing t: the cluster does not serve nowhere.example.com/v1");
    assert_eq!(cluster.requests().writes, before.writes);
    assert!(inventory::read(&cluster, &release.id).await.unwrap().is_none());
}

fn secret(ns: &str, name: &str, data: Json) -> Object {
    object(
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns}, "stringData": data}),
    )
}

fn copy_of(ns: &str, name: &str, source: &str, keys: &str) -> Object {
    object(json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": ns, "annotations": {
            dataplat_kube::COPY_OF_ANNOTATION: source, dataplat_kube::COPY_KEYS_ANNOTATION: keys,
        }},
    }))
}

#[tokio::test]
async fn a_secret_copy_takes_the_live_sources_data_when_its_release_applies_and_follows_it() {
    let Some(cluster) = cluster().await else { return };
    let (a, b) = (unique_name("src"), unique_name("dst"));
    let source = Release {
        id: format!("test/{a}"),
        namespace: a.clone(),
        objects: vec![
            namespace(&a),
            secret(&a, "users", json!({"username": "admin", "password": "s3cret-1", "shared-secret": "internal"})),
        ],
        ..Release::default()
    };
    let client = Release {
        id: format!("test/{b}"),
        namespace: b.clone(),
        objects: vec![namespace(&b), copy_of(&b, "users", &format!("{a}/users"), "username,password")],
        depends_on: vec![source.id.clone()],
        ..Release::default()
    };
    // Before the source exists: plan shows the copy as a create; apply refuses, naming the source.
    let plan = plan_release(&cluster, &client, &options()).await.expect("plan without the source");
    assert!(plan.changes.iter().any(|c| c.object.kind == "Secret" && c.action == Action::Create), "{plan:?}");
    let error = apply_release(&cluster, &client, &options(), &no_events()).await.expect_err("no source yet");
    assert!(error.to_string().contains(&format!("the Secret {a}/users it copies does not exist")), "{error}");

    apply_release(&cluster, &source, &options(), &no_events()).await.expect("source");
    apply_release(&cluster, &client, &options(), &no_events()).await.expect("copy");
    let read = |ns: String| {
        let cluster = cluster.clone();
        async move {
            let live = get(&cluster, "v1", "Secret", Some(&ns), "users").await.expect("secret");
            serde_json::to_value(&live).expect("json")["data"].clone()
        }
    };
    let copied = read(b.clone()).await;
    let original = read(a.clone()).await;
    assert_eq!(
        (&copied["username"], &copied["password"]),
        (&original["username"], &original["password"]),
        "same values"
    );
    assert!(copied["password"].is_string());
    assert!(copied.get("shared-secret").is_none(), "only the keys asked for: {copied}");
    // Converged: a re-apply writes nothing.
    let again = apply_release(&cluster, &client, &options(), &no_events()).await.expect("re-apply");
    assert_eq!(again.requests.writes, 0, "{:?}", again.requests);
    // The source changes (a rotation): the next apply follows it, and the diff shows no value.
    let mut rotated = source.clone();
    rotated.objects[1] =
        secret(&a, "users", json!({"username": "admin", "password": "s3cret-2", "shared-secret": "internal"}));
    apply_release(&cluster, &rotated, &options(), &no_events()).await.expect("rotate");
    let plan = plan_release(&cluster, &client, &options()).await.expect("plan");
    let update = plan.changes.iter().find(|c| c.action == Action::Update).expect("an update");
    assert!(update.diff.iter().all(|l| !l.contains("czNjcmV0") && !l.contains("s3cret")), "{:?}", update.diff);
    assert!(update.diff.iter().any(|l| l.contains(".data.password: (hidden)")), "{:?}", update.diff);
    apply_release(&cluster, &client, &options(), &no_events()).await.expect("follow");
    assert_eq!(read(b.clone()).await["password"], read(a.clone()).await["password"]);
    // A key the source does not have is refused by name.
    let wrong =
        Release { objects: vec![namespace(&b), copy_of(&b, "users", &format!("{a}/users"), "token")], ..client };
    let error = apply_release(&cluster, &wrong, &options(), &no_events()).await.expect_err("no such key");
    assert!(error.to_string().contains("has no key token"), "{error}");
}

fn job(ns: &str, name: &str, image: &str, hook: bool) -> Object {
    let mut job = object(json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": ns},
        // Pods never run here (no scheduler): the Job stays active, as a hook Job would while it runs.
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": image}]}}},
    }));
    job.replace_immutable = hook;
    job
}

#[tokio::test]
async fn a_hook_job_whose_template_changes_is_deleted_and_created_again_and_another_job_is_refused() {
    let Some(cluster) = cluster().await else { return };
    // The Jobs never finish here; their health is not what this test is about.
    let options = || ApplyOptions { wait: false, ..options() };
    let ns = unique_name("hooks");
    let release = |image: &str| Release {
        id: format!("test/{ns}"),
        namespace: ns.clone(),
        objects: vec![namespace(&ns), job(&ns, "init-db", image, true), job(&ns, "plain", "busybox:1.37", false)],
        ..Release::default()
    };
    apply_release(&cluster, &release("busybox:1.37"), &options(), &no_events()).await.expect("first apply");
    let uid = |o: Option<DynamicObject>| o.and_then(|o| o.metadata.uid).expect("uid");
    let first = uid(get(&cluster, "batch/v1", "Job", Some(&ns), "init-db").await);

    // Unchanged: neither replaced nor written.
    let again = apply_release(&cluster, &release("busybox:1.37"), &options(), &no_events()).await.expect("re-apply");
    assert_eq!((again.count(Action::Replace), again.requests.writes), (0, 0), "{again:?}");

    // A new image: the pod template is immutable, so the hook is replaced; plan says so first.
    let changed = release("busybox:1.36");
    let plan = plan_release(&cluster, &changed, &options()).await.expect("plan");
    let replace = plan.changes.iter().find(|c| c.action == Action::Replace).expect("a replace");
    assert_eq!(replace.object.name, "init-db");
    assert!(replace.diff.iter().any(|l| l.contains("immutable")), "{:?}", replace.diff);
    assert_eq!(
        get(&cluster, "batch/v1", "Job", Some(&ns), "init-db").await.map(|o| o.metadata.uid),
        Some(Some(first.clone())),
        "plan deletes nothing"
    );
    let report = apply_release(&cluster, &changed, &options(), &no_events()).await.expect("apply the change");
    assert_eq!(report.count(Action::Replace), 1, "{report:?}");
    assert!(report.summary().contains("replace 1"), "{}", report.summary());
    let live = get(&cluster, "batch/v1", "Job", Some(&ns), "init-db").await.expect("created again");
    assert_ne!(live.metadata.uid.as_deref(), Some(first.as_str()), "a new Job");
    assert_eq!(live.data["spec"]["template"]["spec"]["containers"][0]["image"], "busybox:1.36");

    // The same change to a Job that is not a hook is refused by the API server, as before.
    let mut plain = release("busybox:1.36");
    plain.objects[2] = job(&ns, "plain", "busybox:1.36", false);
    let err = apply_release(&cluster, &plain, &options(), &no_events()).await.expect_err("immutable");
    assert!(matches!(err, KubeError::Rejected { code: 422, .. }), "{err}");
    delete_release(&cluster, &format!("test/{ns}"), &options(), &no_events()).await.ok();
}
