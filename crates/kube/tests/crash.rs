//! Crash recovery against the test API server: `dataplat-kube-apply` killed with SIGKILL at 10
//! random points while applying (alternating between two versions of a release, so each run
//! both creates and prunes), then run again to completion; after each recovery the inventory
//! matches the desired set and the cluster: every recorded object exists with its uid, and no
//! object carrying the release label is missing from the inventory.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dataplat_kube::ObjectRef;
use dataplat_kube::cluster::{Cluster, ConnectOptions};
use dataplat_kube::inventory;
use dataplat_testkit::{test_kubeconfig, unique_name};
use kube::api::ListParams;

const BIN: &str = env!("CARGO_BIN_EXE_dataplat-kube-apply");

/// Version `v` (0 or 1) of the release: a CRD with custom resources, a namespace, ConfigMaps,
/// Services and Deployments; version 1 drops some objects, adds others and changes data.
fn write_version(dir: &Path, ns: &str, group: &str, v: usize) -> BTreeSet<(String, String)> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let mut docs = vec![
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"),
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.{group}\nspec:\n  group: {group}\n  scope: Namespaced\n  names: {{kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}\n"
        ),
    ];
    let mut keys = BTreeSet::from([
        ("Namespace".to_string(), ns.to_string()),
        ("CustomResourceDefinition".into(), format!("widgets.{group}")),
    ]);
    let configmaps: Vec<usize> = if v == 0 { (0..20).collect() } else { (5..25).collect() };
    for i in configmaps {
        docs.push(format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  version: \"{v}\"\n"));
        keys.insert(("ConfigMap".into(), format!("cm-{i}")));
    }
    for i in 0..5 {
        docs.push(format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  selector: {{app: a{i}}}\n  ports: [{{port: 80}}]\n"));
        keys.insert(("Service".into(), format!("svc-{i}")));
        docs.push(format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dep-{i}\nspec:\n  replicas: 0\n  selector: {{matchLabels: {{app: a{i}}}}}\n  template:\n    metadata: {{labels: {{app: a{i}, v: \"{v}\"}}}}\n    spec: {{containers: [{{name: c, image: busybox}}]}}\n"
        ));
        keys.insert(("Deployment".into(), format!("dep-{i}")));
    }
    let widgets: Vec<usize> = if v == 0 { vec![0, 1, 2] } else { vec![1, 2, 3] };
    for i in widgets {
        docs.push(format!("apiVersion: {group}/v1\nkind: Widget\nmetadata:\n  name: w-{i}\nspec:\n  v: {v}\n"));
        keys.insert(("Widget".into(), format!("w-{i}")));
    }
    std::fs::write(dir.join("release.yaml"), docs.join("---\n")).unwrap();
    keys
}

fn run(kubeconfig: &Path, release: &str, ns: &str, dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["--kubeconfig", kubeconfig.to_str().unwrap(), "--release", release, "--namespace", ns, "--no-wait"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// A small deterministic generator (the seed is printed, so a failure can be replayed).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

async fn labelled(cluster: &Cluster, ns: &str, release: &str, group: &str) -> BTreeSet<(String, String)> {
    let selector = format!("dataplat.io/release={}", inventory::label_value(release));
    let mut out = BTreeSet::new();
    for (api_version, kind) in
        [("v1", "ConfigMap"), ("v1", "Service"), ("apps/v1", "Deployment"), (&format!("{group}/v1") as &str, "Widget")]
    {
        let Some(resolved) = cluster.resolve(api_version, kind).await.unwrap() else { continue };
        let list = cluster.api(&resolved, Some(ns)).list(&ListParams::default().labels(&selector)).await.unwrap();
        for item in list.items {
            if item.metadata.deletion_timestamp.is_none() {
                out.insert((kind.to_string(), item.metadata.name.unwrap_or_default()));
            }
        }
    }
    out
}

async fn exists_with_uid(cluster: &Cluster, object: &ObjectRef, uid: &str) -> bool {
    let Some(resolved) = cluster.resolve(&object.api_version, &object.kind).await.unwrap() else { return false };
    let live = cluster.api(&resolved, object.namespace.as_deref()).get_opt(&object.name).await.unwrap();
    live.is_some_and(|l| l.metadata.uid.as_deref() == Some(uid))
}

#[tokio::test]
async fn killed_at_random_points_each_rerun_converges_and_the_inventory_matches_the_cluster() {
    let Some(kubeconfig) = test_kubeconfig() else { return };
    let cluster =
        Cluster::connect(&ConnectOptions { kubeconfig: Some(kubeconfig.clone()), context: None }).await.unwrap();
    let ns = unique_name("crash");
    let group = format!("{}.example.com", unique_name("c"));
    let release = format!("test/{ns}");
    let work = tempfile::tempdir().unwrap();
    let dirs = [work.path().join("v0"), work.path().join("v1")];
    let wanted = [write_version(&dirs[0], &ns, &group, 0), write_version(&dirs[1], &ns, &group, 1)];

    // How long the runs that get killed take (a switch from one version to the other, not the
    // first create, which is slower), to spread the kills over them: timed over the switches
    // both ways, the shorter kept.
    let output = run(&kubeconfig, &release, &ns, &dirs[0]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut full = Duration::MAX;
    for dir in [&dirs[1], &dirs[0]] {
        let started = Instant::now();
        let output = run(&kubeconfig, &release, &ns, dir).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        full = full.min(started.elapsed());
    }

    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    println!("seed {seed}, a switch between the versions takes {full:?}");
    let mut rng = Lcg(seed);
    let mut killed_mid_run = 0;
    for round in 0..10 {
        let v = (round + 1) % 2;
        let delay = Duration::from_millis(rng.below(full.as_millis() as u64 + 1));
        let mut child = run(&kubeconfig, &release, &ns, &dirs[v]).spawn().unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let output = run(&kubeconfig, &release, &ns, &dirs[v]).output().unwrap();
        assert!(output.status.success(), "round {round} (seed {seed}): {}", String::from_utf8_lossy(&output.stderr));

        let inv = inventory::read(&cluster, &release).await.unwrap().expect("inventory");
        assert!(!inv.pending, "round {round}: the re-run finished");
        let recorded: BTreeSet<(String, String)> =
            inv.objects.iter().map(|e| (e.object.kind.clone(), e.object.name.clone())).collect();
        assert_eq!(recorded, wanted[v], "round {round} (seed {seed}): the inventory holds the desired set");
        for entry in &inv.objects {
            let uid = entry.uid.as_deref().expect("uid recorded");
            assert!(exists_with_uid(&cluster, &entry.object, uid).await, "round {round}: {} exists", entry.object);
        }
        let on_cluster = labelled(&cluster, &ns, &release, &group).await;
        let namespaced: BTreeSet<(String, String)> =
            wanted[v].iter().filter(|(k, _)| k != "Namespace" && k != "CustomResourceDefinition").cloned().collect();
        assert_eq!(on_cluster, namespaced, "round {round} (seed {seed}): nothing labelled outside the inventory");
    }
    println!("{killed_mid_run} of 10 runs were killed while applying");
    assert!(killed_mid_run >= 3, "the kills landed mid-run ({killed_mid_run} of 10; seed {seed})");
}
