//! Bench: apply 500 objects across 10 releases (Namespace, ConfigMaps, Secrets, Services and
//! zero-replica Deployments), then re-apply the converged set; prints wall times and request
//! counts. Needs the test API server (`tools/kube-testenv`, `DATAPLAT_TEST_KUBECONFIG`).
//!
//! cargo bench -p dataplat-kube --bench apply

use std::time::{Duration, Instant};

use dataplat_kube::apply::{ApplyOptions, Release, delete_release, no_events};
use dataplat_kube::cluster::{Cluster, ConnectOptions};
use dataplat_kube::dag::apply_all;
use dataplat_kube::{Action, Object};
use serde_json::json;

fn release(run: &str, n: usize) -> Release {
    let ns = format!("bench-{run}-{n}");
    let mut objects = vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})];
    for i in 0..20 {
        objects.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("cm-{i}")},
            "data": {"index": i.to_string(), "payload": "x".repeat(512)}}));
    }
    for i in 0..10 {
        objects.push(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": format!("secret-{i}")},
            "stringData": {"password": format!("p-{i}")}}));
        objects.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": format!("svc-{i}")},
            "spec": {"selector": {"app": format!("a{i}")}, "ports": [{"port": 80, "targetPort": 8080}]}}));
    }
    for i in 0..9 {
        objects.push(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": format!("dep-{i}")},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": format!("a{i}")}},
                "template": {"metadata": {"labels": {"app": format!("a{i}")}},
                    "spec": {"containers": [{"name": "c", "image": "busybox:1.37", "ports": [{"containerPort": 8080}]}]}}}}));
    }
    let objects = objects.into_iter().map(|v| Object::new(v, "bench").expect("object")).collect();
    // A chain of two waves: releases 1..9 depend on release 0.
    let depends_on = if n == 0 { vec![] } else { vec![format!("bench/{run}-0")] };
    Release {
        id: format!("bench/{run}-{n}"),
        platform: "bench".into(),
        namespace: ns,
        objects,
        checks: vec![],
        depends_on,
    }
}

#[tokio::main]
async fn main() {
    let Some(kubeconfig) = std::env::var_os("DATAPLAT_TEST_KUBECONFIG").filter(|v| !v.is_empty()) else {
        eprintln!(
            "apply bench: DATAPLAT_TEST_KUBECONFIG is not set; start the test API server with tools/kube-testenv"
        );
        return;
    };
    let options = ConnectOptions { kubeconfig: Some(kubeconfig.into()), context: None };
    let cluster = Cluster::connect(&options).await.expect("connect");
    let run = format!("{:x}", std::process::id());
    let releases: Vec<Release> = (0..10).map(|n| release(&run, n)).collect();
    let objects: usize = releases.iter().map(|r| r.objects.len()).sum();
    let wait = std::env::var("BENCH_WAIT").map(|v| v != "0").unwrap_or(true);
    let apply_options = ApplyOptions { poll: Duration::from_millis(100), wait, ..ApplyOptions::default() };
    println!(
        "apply bench: {objects} objects in {} releases (server: kube-apiserver 1.20.2 on loopback)",
        releases.len()
    );
    for (label, concurrency) in
        [("fresh apply", 4), ("no-op re-apply", 4), ("no-op re-apply, one release at a time", 1)]
    {
        let before = cluster.requests();
        let started = Instant::now();
        let outcomes = apply_all(&cluster, releases.clone(), &apply_options, concurrency, &no_events()).await;
        let elapsed = started.elapsed();
        let after = cluster.requests();
        let mut changed = 0;
        for (id, outcome) in &outcomes {
            let report = outcome.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
            changed += report.count(Action::Create) + report.count(Action::Update);
        }
        println!(
            "  {label:<40} {:>8.1} ms  {changed:>3} objects written  requests: {} writes, {} reads, {} dry runs",
            elapsed.as_secs_f64() * 1000.0,
            after.writes - before.writes,
            after.reads - before.reads,
            after.dry_runs - before.dry_runs
        );
    }
    // Leave the server as we found it (Services hold cluster IPs).
    let purge = ApplyOptions { purge: true, ..ApplyOptions::default() };
    for r in releases.iter().rev() {
        delete_release(&cluster, &r.id, &purge, &no_events()).await.expect("clean up");
    }
}
