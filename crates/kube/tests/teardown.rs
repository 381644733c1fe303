//! The teardown against a real API server (kube-apiserver 1.20.2 + etcd + the namespace, garbage
//! collector, deployment and replicaset controllers from `tools/kube-testenv`; skipped when
//! `DATAPLAT_TEST_KUBECONFIG` is unset unless `DATAPLAT_IT=1`).
//!
//! There is no KEDA, Karpenter, LB controller, CSI driver or PVC/PV protection controller here:
//! the CRDs are minimal fixtures written for these tests, and the tests play the missing
//! controllers (removing finalizers, deleting released volumes). The teardown deletes every
//! NodePool and LoadBalancer Service of the cluster, so the tests of this file take turns.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dataplat_kube::apply::{ApplyOptions, Release, apply_release, no_events};
use dataplat_kube::cluster::{Cluster, ConnectOptions};
use dataplat_kube::inventory::{self, Entry, Inventory};
use dataplat_kube::teardown::{
    Phase, TeardownError, TeardownEvent, TeardownEvents, TeardownOptions, no_teardown_events, teardown,
};
use dataplat_kube::{Object, ObjectRef};
use dataplat_testkit::{test_kubeconfig, unique_name};
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value as Json, json};

/// Tests take turns: a teardown touches cluster-wide objects (NodePools, load balancers).
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn cluster() -> Option<Cluster> {
    let kubeconfig = test_kubeconfig()?;
    let options = ConnectOptions { kubeconfig: Some(kubeconfig), context: None };
    Some(Cluster::connect(&options).await.expect("connect to the test API server"))
}

fn object(value: Json) -> Object {
    Object::new(value, "test").expect("object")
}

fn key(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: namespace.map(str::to_string),
        name: name.into(),
    }
}

fn crd(group: &str, kind: &str, plural: &str, version: &str, namespaced: bool) -> Object {
    let mut crd = object(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{group}")},
        "spec": {
            "group": group, "scope": if namespaced { "Namespaced" } else { "Cluster" },
            "names": {"kind": kind, "plural": plural, "singular": kind.to_lowercase(), "listKind": format!("{kind}List")},
            "versions": [{"name": version, "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}],
        },
    }));
    if group.ends_with(".k8s.io") {
        // Groups under k8s.io are protected: the Spark operator's CRD declares itself unapproved.
        crd.value["metadata"]["annotations"] = json!({"api-approved.kubernetes.io": "unapproved, test fixture"});
    }
    crd
}

const KARPENTER_CRDS: [&str; 3] =
    ["nodepools.karpenter.sh", "nodeclaims.karpenter.sh", "ec2nodeclasses.karpenter.k8s.aws"];

/// Minimal stand-ins for KEDA's, Karpenter's and the Spark operator's CRDs, in a platform of
/// their own that no test tears down.
/// Waits until the CRDs `names` are gone, letting go of what holds their objects.
async fn until_crds_gone(cluster: &Cluster, names: &[&str]) {
    let crds = api(cluster, "apiextensions.k8s.io/v1", "CustomResourceDefinition", None).await;
    for _ in 0..300 {
        let mut left = 0;
        for name in names {
            left += usize::from(crds.get_opt(name).await.unwrap().is_some());
        }
        if left == 0 {
            return;
        }
        settle_leftovers(cluster).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("CRDs {names:?} are still there after 30 s");
}

async fn fixtures(cluster: &Cluster) {
    let release = Release {
        id: "fixtures/teardown-crds".into(),
        platform: "teardown-fixtures".into(),
        namespace: "default".into(),
        objects: vec![
            crd("keda.sh", "ScaledObject", "scaledobjects", "v1alpha1", true),
            crd("karpenter.sh", "NodePool", "nodepools", "v1", false),
            crd("karpenter.sh", "NodeClaim", "nodeclaims", "v1", false),
            crd("karpenter.k8s.aws", "EC2NodeClass", "ec2nodeclasses", "v1", false),
            crd("sparkoperator.k8s.io", "SparkApplication", "sparkapplications", "v1beta2", true),
        ],
        ..Release::default()
    };
    // A CRD an earlier failed test left terminating must go before it can come back.
    let crds = api(cluster, "apiextensions.k8s.io/v1", "CustomResourceDefinition", None).await;
    let mut terminating = Vec::new();
    for o in &release.objects {
        if crds.get_opt(o.name()).await.unwrap().is_some_and(|c| c.metadata.deletion_timestamp.is_some()) {
            terminating.push(o.name());
        }
    }
    until_crds_gone(cluster, &terminating).await;
    apply_release(cluster, &release, &apply_options(), &no_events()).await.expect("fixture CRDs");
    settle_leftovers(cluster).await;
}

/// Lets go of whatever an earlier failed test left held by a finalizer (load balancers, node
/// claims, claims being deleted), as the controllers would, so that it does not hold this one.
async fn settle_leftovers(cluster: &Cluster) {
    for (api_version, kind) in [("v1", "Service"), ("v1", "PersistentVolumeClaim"), ("karpenter.sh/v1", "NodeClaim")] {
        let Some(resolved) = cluster.resolve(api_version, kind).await.expect("discovery") else { continue };
        let Ok(list) = cluster.api(&resolved, None).list(&ListParams::default()).await else { continue };
        for o in list.items {
            if o.metadata.deletion_timestamp.is_some() {
                let name = o.metadata.name.clone().unwrap_or_default();
                drop_finalizers(cluster, &key(api_version, kind, o.metadata.namespace.as_deref(), &name)).await;
            }
        }
    }
}

fn apply_options() -> ApplyOptions {
    ApplyOptions {
        wait: false,
        timeout: Duration::from_secs(60),
        poll: Duration::from_millis(200),
        ..Default::default()
    }
}

fn options(seconds: u64) -> TeardownOptions {
    TeardownOptions { timeout: Duration::from_secs(seconds), poll: Duration::from_millis(100), ..Default::default() }
}

async fn api(cluster: &Cluster, api_version: &str, kind: &str, ns: Option<&str>) -> kube::Api<DynamicObject> {
    let resolved = cluster.resolve(api_version, kind).await.expect("discovery").expect("served");
    cluster.api(&resolved, ns)
}

async fn exists(cluster: &Cluster, o: &ObjectRef) -> bool {
    match cluster.resolve(&o.api_version, &o.kind).await.expect("discovery") {
        None => false,
        Some(resolved) => cluster.api(&resolved, o.namespace.as_deref()).get_opt(&o.name).await.expect("get").is_some(),
    }
}

/// Creates `value` directly (not through a release: not ours).
async fn create(cluster: &Cluster, value: Json) -> ObjectRef {
    let o = object(value);
    let k = o.key();
    let data: DynamicObject = serde_json::from_value(o.value.clone()).expect("dynamic object");
    api(cluster, &k.api_version, &k.kind, k.namespace.as_deref())
        .await
        .create(&PostParams::default(), &data)
        .await
        .expect("create");
    k
}

async fn drop_finalizers(cluster: &Cluster, o: &ObjectRef) {
    let body = json!({"metadata": {"finalizers": null}});
    api(cluster, &o.api_version, &o.kind, o.namespace.as_deref())
        .await
        .patch(&o.name, &PatchParams::default(), &Patch::Merge(&body))
        .await
        .expect("remove finalizers");
}

fn recorder() -> (TeardownEvents, Arc<Mutex<Vec<TeardownEvent>>>) {
    let seen: Arc<Mutex<Vec<TeardownEvent>>> = Arc::default();
    let sink = seen.clone();
    (Arc::new(move |e| sink.lock().unwrap().push(e)), seen)
}

/// Plays the PVC/PV protection controllers and the CSI driver for claims in `namespaces` and
/// volumes named `<prefix>*`: lets go of deleted claims and volumes, deletes volumes (reclaim
/// policy Delete) whose claim is gone.
fn storage_controllers(cluster: Cluster, namespaces: Vec<String>, prefix: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let claims = cluster.resolve("v1", "PersistentVolumeClaim").await.unwrap().unwrap();
        let volumes = cluster.resolve("v1", "PersistentVolume").await.unwrap().unwrap();
        let unfinalize = json!({"metadata": {"finalizers": null}});
        loop {
            for ns in &namespaces {
                let api = cluster.api(&claims, Some(ns));
                for c in api.list(&ListParams::default()).await.map(|l| l.items).unwrap_or_default() {
                    if c.metadata.deletion_timestamp.is_some() {
                        let name = c.metadata.name.unwrap();
                        let _ = api.patch(&name, &PatchParams::default(), &Patch::Merge(&unfinalize)).await;
                    }
                }
            }
            let api = cluster.api(&volumes, None);
            for v in api.list(&ListParams::default()).await.map(|l| l.items).unwrap_or_default() {
                let name = v.metadata.name.clone().unwrap();
                if !name.starts_with(&prefix) {
                    continue;
                }
                if v.metadata.deletion_timestamp.is_some() {
                    let _ = api.patch(&name, &PatchParams::default(), &Patch::Merge(&unfinalize)).await;
                    continue;
                }
                let claim = &v.data["spec"]["claimRef"];
                let (ns, claim) = (claim["namespace"].as_str().unwrap(), claim["name"].as_str().unwrap());
                let bound = cluster.api(&claims, Some(ns)).get_opt(claim).await.ok().flatten().is_some();
                if !bound && v.data["spec"]["persistentVolumeReclaimPolicy"] == "Delete" {
                    let _ = api.delete(&name, &DeleteParams::default()).await;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

fn claim(ns: &str, name: &str, volume: Option<&str>) -> Json {
    let mut value = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": ns},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
    if let Some(v) = volume {
        value["spec"]["volumeName"] = json!(v);
    }
    value
}

fn volume(name: &str, ns: &str, claim: &str, policy: &str) -> Json {
    json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": policy,
            "hostPath": {"path": "/tmp/x"}, "claimRef": {"namespace": ns, "name": claim}}})
}

fn deployment(ns: &str, name: &str) -> Json {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "busybox:1.37"}]}}}})
}

fn service(ns: &str, name: &str, load_balancer: bool) -> Json {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
        "spec": {"type": if load_balancer { "LoadBalancer" } else { "ClusterIP" }, "selector": {"app": name},
            "ports": [{"port": 80, "protocol": "TCP"}]}})
}

fn ingress(ns: &str, name: &str) -> Json {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name, "namespace": ns},
        "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}})
}

fn scaled_object(ns: &str, name: &str) -> Json {
    json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": name, "namespace": ns},
        "spec": {"scaleTargetRef": {"name": name}}})
}

fn spark_application(ns: &str, name: &str) -> Json {
    json!({"apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "SparkApplication",
        "metadata": {"name": name, "namespace": ns}, "spec": {"type": "Scala", "mode": "cluster"}})
}

fn node_pool(name: &str) -> Json {
    json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": name},
        "spec": {"template": {"spec": {"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": name}}}}})
}

fn node_class(name: &str) -> Json {
    json!({"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass", "metadata": {"name": name},
        "spec": {"amiSelectorTerms": [{"alias": "al2023@v20250101"}]}})
}

fn namespace(name: &str) -> Json {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

fn release(platform: &str, addon: &str, ns: &str, objects: Vec<Json>) -> Release {
    Release {
        id: format!("{addon}/{platform}"),
        platform: platform.into(),
        namespace: ns.into(),
        objects: objects.into_iter().map(object).collect(),
        ..Release::default()
    }
}

async fn apply(cluster: &Cluster, release: &Release) {
    apply_release(cluster, release, &apply_options(), &no_events()).await.expect("apply");
}

/// The position of the first and last deletion matching `pick`.
fn span(events: &[TeardownEvent], pick: impl Fn(Phase, &ObjectRef) -> bool) -> (usize, usize) {
    let at: Vec<usize> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            TeardownEvent::Deleted { phase, object } if pick(*phase, object) => Some(i),
            _ => None,
        })
        .collect();
    assert!(!at.is_empty(), "no deletion matched in {events:#?}");
    (at[0], *at.last().unwrap())
}

#[tokio::test]
async fn teardown_deletes_in_the_prescribed_order_spares_what_is_not_ours_and_a_second_run_is_a_no_op() {
    let Some(cluster) = cluster().await else { return };
    let _turn = TURN.lock().await;
    fixtures(&cluster).await;
    let platform = unique_name("td-order");
    let (app, trino, other) = (unique_name("td-app"), unique_name("td-trino"), unique_name("td-other"));
    let pool = unique_name("td-pool");
    let theirs_pool = unique_name("td-theirs");
    let pv = unique_name("td-pv");
    // A kind of KEDA's group, unique to this run (a kind is unique within its group).
    let suffix = unique_name("x").replace(['x', '-'], "");
    let keda_group_crd = crd("keda.sh", &format!("Sweeper{suffix}"), &format!("sweepers{suffix}"), "v1alpha1", true);
    let keda = Release { objects: vec![keda_group_crd.clone()], ..release(&platform, "keda", &app, vec![]) };
    let karpenter = release(&platform, "karpenter", &app, vec![node_pool(&pool), node_class(&pool)]);
    let spark = release(
        &platform,
        "spark",
        &app,
        vec![
            namespace(&app),
            scaled_object(&app, "web"),
            spark_application(&app, "job"),
            deployment(&app, "web"),
            service(&app, "lb", true),
            service(&app, "internal", false),
            ingress(&app, "web"),
            claim(&app, "data", None),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1"}}),
        ],
    );
    let mut coordinator = deployment(&trino, "trino-coordinator");
    coordinator["kind"] = json!("StatefulSet");
    coordinator["spec"]["serviceName"] = json!("trino");
    coordinator["spec"]["volumeClaimTemplates"] = json!([{"metadata": {"name": "spill"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]);
    let trino_release = release(
        &platform,
        "trino",
        &trino,
        vec![namespace(&trino), scaled_object(&trino, "trino-worker"), deployment(&trino, "trino-worker"), coordinator],
    );
    for r in [&keda, &karpenter, &spark, &trino_release] {
        apply(&cluster, r).await;
    }
    // The StatefulSet's claim (made by its controller, so in no inventory) and volumes bound to
    // our claims: one the CSI driver deletes, one that retains its disk.
    let made = create(&cluster, claim(&trino, "spill-trino-coordinator-0", Some(&format!("{pv}-a")))).await;
    create(&cluster, volume(&format!("{pv}-a"), &trino, "spill-trino-coordinator-0", "Delete")).await;
    create(&cluster, volume(&format!("{pv}-b"), &app, "data", "Retain")).await;
    // Not ours.
    create(&cluster, namespace(&other)).await;
    let spared = vec![
        create(
            &cluster,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep", "namespace": other}}),
        )
        .await,
        create(&cluster, service(&other, "internal", false)).await,
        create(&cluster, scaled_object(&other, "theirs")).await,
        create(&cluster, spark_application(&other, "theirs")).await,
        create(&cluster, claim(&other, "theirs", None)).await,
        create(&cluster, deployment(&other, "theirs")).await,
    ];
    let swept = [
        create(&cluster, service(&other, "users-lb", true)).await,
        create(&cluster, ingress(&other, "users")).await,
        create(&cluster, node_pool(&theirs_pool)).await,
    ];
    let controllers = storage_controllers(cluster.clone(), vec![app.clone(), trino.clone(), other.clone()], pv.clone());

    let (events, seen) = recorder();
    let mut opts = options(60);
    opts.dependencies.insert(spark.id.clone(), vec![keda.id.clone()]);
    opts.dependencies.insert(trino_release.id.clone(), vec![keda.id.clone(), karpenter.id.clone()]);
    let report = teardown(&cluster, &platform, &opts, &events).await.unwrap_or_else(|e| panic!("teardown: {e}"));
    controllers.abort();
    let events = seen.lock().unwrap().clone();
    assert!(report.finished(), "{report:#?}");

    // Phase 1: autoscalers, then workload resources, then Trino's workloads.
    let (_, scalers) = span(&events, |p, o| p == Phase::StopWorkloads && o.kind == "ScaledObject");
    let (spark_app, _) = span(&events, |_, o| o.kind == "SparkApplication");
    let (trino_workloads, _) = span(&events, |p, o| p == Phase::StopWorkloads && o.group() == "apps");
    assert!(scalers < spark_app && spark_app < trino_workloads, "{events:#?}");
    let (first_app_workload, _) = span(&events, |_, o| o.kind == "Deployment" && o.name == "web");
    assert!(trino_workloads < first_app_workload, "only Trino's workloads stop in phase 1");
    // Phase 2: load balancers (ours and theirs) before claims, everything before node pools.
    let (_, load_balancers) = span(&events, |p, o| {
        p == Phase::LoadBalancersAndVolumes && (o.name == "lb" || o.name == "users-lb" || o.kind == "Ingress")
    });
    let (first_claim, _) =
        span(&events, |p, o| p == Phase::LoadBalancersAndVolumes && o.kind == "PersistentVolumeClaim");
    let (pools, last_pool) = span(&events, |_, o| o.kind == "NodePool");
    let (classes, _) = span(&events, |_, o| o.kind == "EC2NodeClass");
    assert!(load_balancers < first_claim && first_claim < pools && last_pool < classes, "{events:#?}");
    // Phase 4: after node pools; dependents first, KEDA's CRDs and Karpenter last.
    let (releases, _) = span(&events, |p, _| p == Phase::Releases);
    assert!(classes < releases, "{events:#?}");
    assert_eq!(
        report.phase(Phase::Releases).unwrap().releases,
        [spark.id.clone(), trino_release.id.clone(), keda.id.clone(), karpenter.id.clone()]
    );
    let (_, last_app) = span(&events, |p, o| p == Phase::Releases && o.namespace.as_deref() == Some(app.as_str()));
    let (keda_crd, _) = span(&events, |_, o| o.kind == "CustomResourceDefinition");
    assert!(last_app < keda_crd, "{events:#?}");

    // What is left: only what is not ours (and retained disks, reported).
    for o in &spared {
        assert!(exists(&cluster, o).await, "{o} is not ours and must survive");
    }
    for o in swept.iter().chain([&made]) {
        assert!(!exists(&cluster, o).await, "{o} must be gone");
    }
    assert!(!exists(&cluster, &key("v1", "PersistentVolume", None, &format!("{pv}-a"))).await);
    let retained = &report.phase(Phase::LoadBalancersAndVolumes).unwrap().retained;
    assert_eq!(retained, &[key("v1", "PersistentVolume", None, &format!("{pv}-b"))]);
    assert!(inventory::list(&cluster, &platform).await.unwrap().is_empty(), "the inventories are gone");
    assert!(!exists(&cluster, &key("keda.sh/v1alpha1", "ScaledObject", Some(&trino), "trino-worker")).await);
    let serialized = serde_json::to_value(&report).unwrap();
    assert_eq!(serialized["phases"][0]["phase"], "stop-workloads");

    // Again: nothing to do, nothing written.
    let again = teardown(&cluster, &platform, &opts, &no_teardown_events()).await.expect("second run");
    assert!(again.finished());
    assert_eq!(again.deleted(), 0, "{again:#?}");
    assert_eq!(again.requests.writes, 0, "{again:#?}");
    // Tidy up what the test created outside the platform.
    let _ = api(&cluster, "v1", "Namespace", None).await.delete(&other, &DeleteParams::default()).await;
    let _ =
        api(&cluster, "v1", "PersistentVolume", None).await.delete(&format!("{pv}-b"), &DeleteParams::default()).await;
}

/// Runs a teardown in the background, its events on a channel.
fn spawn_teardown(
    cluster: &Cluster,
    platform: &str,
    options: TeardownOptions,
) -> (
    tokio::task::JoinHandle<Result<dataplat_kube::TeardownReport, TeardownError>>,
    tokio::sync::mpsc::UnboundedReceiver<TeardownEvent>,
) {
    let (send, receive) = tokio::sync::mpsc::unbounded_channel();
    let events: TeardownEvents = Arc::new(move |e| {
        let _ = send.send(e);
    });
    let (cluster, platform) = (cluster.clone(), platform.to_string());
    let task = tokio::spawn(async move { teardown(&cluster, &platform, &options, &events).await });
    (task, receive)
}

/// Waits for a `Waiting` event of `phase` that names `object`; returns the events seen so far.
async fn until_waiting_on(
    receive: &mut tokio::sync::mpsc::UnboundedReceiver<TeardownEvent>,
    phase: Phase,
    object: &ObjectRef,
) -> Vec<TeardownEvent> {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(e) = receive.recv().await {
            let hit =
                matches!(&e, TeardownEvent::Waiting { phase: p, objects } if *p == phase && objects.contains(object));
            seen.push(e);
            if hit {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(found, Ok(true)), "never waited on {object}: {seen:#?}");
    seen
}

#[tokio::test]
async fn a_node_claim_with_a_finalizer_holds_phase_three_until_karpenter_lets_go() {
    let Some(cluster) = cluster().await else { return };
    let _turn = TURN.lock().await;
    fixtures(&cluster).await;
    let platform = unique_name("td-claims");
    let ns = unique_name("td-claims");
    let pool = unique_name("td-pool");
    let karpenter = release(
        &platform,
        "karpenter",
        &ns,
        vec![
            namespace(&ns),
            node_pool(&pool),
            node_class(&pool),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
        ],
    );
    apply(&cluster, &karpenter).await;
    let node_claim = json!({"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
        "metadata": {"name": format!("{pool}-abcde"), "labels": {"karpenter.sh/nodepool": pool},
            "finalizers": ["karpenter.sh/termination"]},
        "spec": {"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": pool}}});
    let node_claim = create(&cluster, node_claim).await;
    let class = key("karpenter.k8s.aws/v1", "EC2NodeClass", None, &pool);

    let (task, mut receive) = spawn_teardown(&cluster, &platform, options(60));
    let seen = until_waiting_on(&mut receive, Phase::NodePools, &node_claim).await;
    assert!(seen.iter().any(
        |e| matches!(e, TeardownEvent::Deleted { object, .. } if object.kind == "NodePool" && object.name == pool)
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!task.is_finished(), "still waiting while the NodeClaim is held");
    assert!(exists(&cluster, &class).await, "the EC2NodeClass stays while a NodeClaim is left");
    assert!(inventory::read(&cluster, &karpenter.id).await.unwrap().is_some(), "Karpenter's release stays");

    // Karpenter terminated the instance.
    drop_finalizers(&cluster, &node_claim).await;
    let report = task.await.unwrap().unwrap_or_else(|e| panic!("teardown: {e}"));
    assert!(report.finished(), "{report:#?}");
    let phase = report.phase(Phase::NodePools).unwrap();
    assert_eq!(
        (phase.deleted, phase.waited_on),
        (3, 1),
        "pool, claim and class deleted; the claim waited on: {report:#?}"
    );
    for o in [&node_claim, &class, &key("karpenter.sh/v1", "NodePool", None, &pool)] {
        assert!(!exists(&cluster, o).await, "{o} must be gone");
    }
    assert!(inventory::read(&cluster, &karpenter.id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_load_balancer_held_by_its_finalizer_is_waited_on_a_timeout_names_it_and_a_rerun_finishes() {
    let Some(cluster) = cluster().await else { return };
    let _turn = TURN.lock().await;
    fixtures(&cluster).await;
    let platform = unique_name("td-lb");
    let ns = unique_name("td-lb");
    let pool = unique_name("td-pool");
    let mut lb = service(&ns, "lb", true);
    lb["metadata"]["finalizers"] = json!(["service.k8s.aws/resources"]);
    let app = release(&platform, "app", &ns, vec![namespace(&ns), lb]);
    let karpenter = release(&platform, "karpenter", &ns, vec![node_pool(&pool)]);
    apply(&cluster, &app).await;
    apply(&cluster, &karpenter).await;
    let lb = key("v1", "Service", Some(&ns), "lb");
    let pool = key("karpenter.sh/v1", "NodePool", None, &pool);

    // The LB controller does not let go in time: the teardown stops in phase 2, naming it.
    let err = teardown(&cluster, &platform, &options(2), &no_teardown_events()).await.expect_err("timeout");
    let text = err.to_string();
    match &err {
        TeardownError::Timeout { phase, left, report, seconds, .. } => {
            assert_eq!(*phase, Phase::LoadBalancersAndVolumes);
            assert_eq!(left, std::slice::from_ref(&lb));
            assert_eq!(report.left, std::slice::from_ref(&lb));
            assert_eq!(*seconds, 2);
            assert!(!report.finished() && report.phase(Phase::NodePools).is_none(), "{report:#?}");
        }
        other => panic!("not a timeout: {other}"),
    }
    assert!(text.contains(&format!("Service {ns}/lb")) && text.contains("phase 2"), "{text}");
    assert!(err.hint().is_some());
    assert!(exists(&cluster, &pool).await, "no later phase ran");
    assert!(inventory::read(&cluster, &app.id).await.unwrap().is_some(), "no release was deleted");

    // Run again (as after an interrupted run): it waits on the same load balancer until the
    // controller lets go, then finishes.
    let (task, mut receive) = spawn_teardown(&cluster, &platform, options(60));
    until_waiting_on(&mut receive, Phase::LoadBalancersAndVolumes, &lb).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!task.is_finished(), "still waiting while the load balancer is held");
    assert!(exists(&cluster, &pool).await, "node pools wait for the load balancers");
    drop_finalizers(&cluster, &lb).await;
    let report = task.await.unwrap().unwrap_or_else(|e| panic!("teardown: {e}"));
    assert!(report.finished(), "{report:#?}");
    assert!(!exists(&cluster, &lb).await && !exists(&cluster, &pool).await);
    assert!(inventory::list(&cluster, &platform).await.unwrap().is_empty());
}

#[tokio::test]
async fn without_karpenter_the_node_pool_phase_is_skipped_and_absent_kinds_and_objects_are_fine() {
    let Some(cluster) = cluster().await else { return };
    let _turn = TURN.lock().await;
    fixtures(&cluster).await;
    // No Karpenter on this cluster.
    let crds = api(&cluster, "apiextensions.k8s.io/v1", "CustomResourceDefinition", None).await;
    for name in KARPENTER_CRDS {
        let _ = crds.delete(name, &DeleteParams::default()).await;
    }
    until_crds_gone(&cluster, &KARPENTER_CRDS).await;
    let fresh = self::cluster().await.unwrap();
    assert!(fresh.resolve("karpenter.sh/v1", "NodePool").await.unwrap().is_none(), "the CRD is gone");

    let platform = unique_name("td-bare");
    let ns = unique_name("td-bare");
    let app = release(
        &platform,
        "app",
        &ns,
        vec![namespace(&ns), json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})],
    );
    apply(&fresh, &app).await;
    // An inventory naming a kind no longer served and objects already gone (a run killed after
    // deleting them, or a CRD removed by hand).
    let entry = |o: ObjectRef| Entry { object: o, uid: None, resource_version: None };
    let stale = Inventory {
        release: format!("gone/{platform}"),
        platform: platform.clone(),
        hash: String::new(),
        pending: true,
        objects: vec![
            entry(key(&format!("{}.example.com/v1", unique_name("gone")), "Widget", Some(&ns), "w")),
            entry(key("sparkoperator.k8s.io/v1beta2", "SparkApplication", Some(&ns), "never")),
            entry(key("v1", "ConfigMap", Some(&ns), "never")),
            entry(key("karpenter.sh/v1", "NodePool", None, "never")),
        ],
    };
    inventory::write(&fresh, &stale).await.expect("inventory");

    let (events, seen) = recorder();
    let report = teardown(&fresh, &platform, &options(30), &events).await.unwrap_or_else(|e| panic!("teardown: {e}"));
    assert!(report.finished(), "{report:#?}");
    let skipped = &report.phase(Phase::NodePools).unwrap().skipped;
    assert!(skipped.iter().any(|s| s.contains("NodePool is not served")), "{skipped:?}");
    assert!(seen.lock().unwrap().iter().any(|e| matches!(e, TeardownEvent::Skipped { phase: Phase::NodePools, .. })));
    assert!(inventory::list(&fresh, &platform).await.unwrap().is_empty(), "both inventories are gone");
    assert!(!exists(&fresh, &key("v1", "ConfigMap", Some(&ns), "c")).await);
}
