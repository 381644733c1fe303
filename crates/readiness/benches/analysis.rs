//! The readiness analysis over a platform-sized inventory: 100 namespaces of a typical addon
//! (Deployment, StatefulSet with a claim template, Service, ServiceMonitor, ScaledObject,
//! ConfigMap, Secret, ServiceAccount, PodDisruptionBudget, a hook Job) plus their CRDs, three
//! NodePools and the core node group: 1,003 objects, 300 pod templates, about twice what the
//! bundled platform renders with every addon on. Prints min/median/max of 30 runs.
//!
//! `cargo bench -p dataplat-readiness --bench analysis`

use std::time::{Duration, Instant};

use dataplat_readiness::{Inventory, NodeSource, PlannedObject, PodIdentityRef, ReleaseInfo, analyze};
use serde_json::{Value, json};

fn crd(group: &str, kind: &str, plural: &str, scope: &str) -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": format!("{plural}.{group}")},
           "spec": {"group": group, "scope": scope, "names": {"kind": kind, "plural": plural},
                    "versions": [{"name": "v1", "served": true, "storage": true}]}})
}

fn pod_spec(i: usize) -> Value {
    json!({
        "serviceAccountName": format!("app-{i}"),
        "nodeSelector": {"dataplat.io/pool": "core"},
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
        "containers": [{
            "name": "app", "image": "quay.io/prometheus/prometheus:v3.14.0",
            "ports": [{"name": "metrics", "containerPort": 9090}],
            "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": format!("app-{i}"), "key": "password"}}},
                    {"name": "BUCKET", "value": "s3://bench-data-abcd1234/x"}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        }],
        "volumes": [{"name": "config", "configMap": {"name": format!("app-{i}")}}],
    })
}

fn inventory() -> Inventory {
    let mut objects = Vec::new();
    let mut releases = Vec::new();
    let mut push = |release: &str, value: Value, hook: bool| {
        objects.push(PlannedObject { release: release.into(), release_namespace: "default".into(), value, hook })
    };
    push("base/crds", crd("monitoring.coreos.com", "ServiceMonitor", "servicemonitors", "Namespaced"), false);
    push("base/crds", crd("keda.sh", "ScaledObject", "scaledobjects", "Namespaced"), false);
    push("base/crds", crd("karpenter.sh", "NodePool", "nodepools", "Cluster"), false);
    releases.push(ReleaseInfo { id: "base/crds".into(), depends_on: Vec::new() });
    for pool in ["a", "b", "c"] {
        push(
            "base/crds",
            json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": pool},
                   "spec": {"template": {"spec": {"requirements": [{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["r8g"]}],
                                                  "taints": [{"key": pool, "value": "true", "effect": "NoSchedule"}]}}}}),
            false,
        );
    }
    let mut identities = Vec::new();
    for i in 0..100 {
        let release = format!("addon{i}/app");
        let ns = format!("ns-{i}");
        let meta = |kind: &str| json!({"name": format!("app-{i}"), "namespace": ns, "labels": {"app": format!("app-{i}"), "kind": kind}});
        let template = json!({"metadata": {"labels": {"app": format!("app-{i}")}}, "spec": pod_spec(i)});
        push(&release, json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("sa")}), false);
        push(
            &release,
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta("secret"), "stringData": {"password": "x"}}),
            false,
        );
        push(
            &release,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("cm"), "data": {"a": "b"}}),
            false,
        );
        push(
            &release,
            json!({"apiVersion": "v1", "kind": "Service", "metadata": meta("svc"),
                              "spec": {"selector": {"app": format!("app-{i}")}, "ports": [{"name": "metrics", "port": 9090}]}}),
            false,
        );
        push(
            &release,
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("deploy"),
                              "spec": {"selector": {"matchLabels": {"app": format!("app-{i}")}}, "template": template}}),
            false,
        );
        push(
            &release,
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": format!("db-{i}"), "namespace": ns},
                              "spec": {"selector": {"matchLabels": {"app": format!("app-{i}")}}, "template": template,
                                       "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"storageClassName": "gp3"}}]}}),
            false,
        );
        push(
            &release,
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": format!("hook-{i}"), "namespace": ns},
                              "spec": {"template": template}}),
            true,
        );
        push(
            &release,
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta("pdb"), "spec": {"maxUnavailable": 1}}),
            false,
        );
        push(
            &release,
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": meta("sm"),
                              "spec": {"selector": {"matchLabels": {"app": format!("app-{i}")}}, "endpoints": [{"port": "metrics"}]}}),
            false,
        );
        push(
            &release,
            json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": meta("so"),
                              "spec": {"scaleTargetRef": {"name": format!("app-{i}")}}}),
            false,
        );
        releases.push(ReleaseInfo { id: release, depends_on: vec!["base/crds".into()] });
        identities.push(PodIdentityRef {
            namespace: ns,
            service_account: format!("app-{i}"),
            owner: format!("addon{i}"),
        });
    }
    let mut node_sources = vec![NodeSource::managed_node_group(
        "core",
        &[("dataplat.io/pool", "core")],
        &["m6a.xlarge".to_string()],
        "ON_DEMAND",
    )];
    node_sources.extend(
        objects.iter().filter(|o| o.value["kind"] == "NodePool").filter_map(|o| NodeSource::from_node_pool(&o.value)),
    );
    objects.push(PlannedObject {
        release: "base/crds".into(),
        release_namespace: "default".into(),
        value: json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "gp3",
                      "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "ebs.csi.aws.com"}),
        hook: false,
    });
    Inventory {
        objects,
        releases,
        node_sources,
        managed_addons: vec!["aws-ebs-csi-driver".into()],
        pod_identities: identities,
        buckets: vec!["bench-data-abcd1234".into()],
        ..Inventory::default()
    }
}

fn main() {
    let inventory = inventory();
    let report = analyze(&inventory);
    assert_eq!(report.error_count(), 0, "{:#?}", report.findings.iter().take(3).collect::<Vec<_>>());
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: one run as a smoke test.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut times: Vec<Duration> = (0..30)
        .map(|_| {
            let started = Instant::now();
            let report = analyze(&inventory);
            let elapsed = started.elapsed();
            assert_eq!(report.objects, inventory.objects.len());
            elapsed
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "readiness analysis, {} objects, {} pod templates, 30 runs: min {:.2} ms, median {:.2} ms, max {:.2} ms",
        report.objects,
        report.pods,
        ms(times[0]),
        ms(times[15]),
        ms(times[29])
    );
}
