//! `kubectl-dataplat doctor` over a staged platform of 500 objects on a test API server of its
//! own (tools/kube-testenv, loopback), as a user runs it: process start, loading the platform,
//! one LIST per kind, the checks, JSON output. Prints min/median/max; the target is under 2 s.
//!
//! `cargo bench -p kubectl-dataplat --bench doctor` (needs DATAPLAT_TEST_KUBECONFIG, as the
//! integration tests do, to know the test API server is built; skipped otherwise).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;

fn doctor(dir: &Path, kubeconfig: &Path, cache: &Path) -> (Duration, serde_json::Value) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-dataplat"))
        .current_dir(dir)
        .args(["doctor", "--kubeconfig", kubeconfig.to_str().unwrap(), "--grace", "0", "-o", "json"])
        .env("DATAPLAT_CACHE_DIR", cache)
        .output()
        .expect("run");
    let elapsed = started.elapsed();
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    (elapsed, serde_json::from_slice(&output.stdout).expect("json"))
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    if !benching {
        return;
    }
    let Some(kube) = dataplat_testkit::PrivateKube::start() else {
        println!("doctor bench skipped: no test API server (DATAPLAT_TEST_KUBECONFIG)");
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let cache = tempfile::tempdir().expect("cache");
    let init = Command::new(env!("CARGO_BIN_EXE_kubectl-dataplat"))
        .current_dir(dir.path())
        .args(["init", "--name", "bench", "--region", "eu-west-1", "--enable", "trino"])
        .env("DATAPLAT_CACHE_DIR", cache.path())
        .output()
        .expect("init");
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    // 10 namespaces of 45 pods (every tenth crash-looping, every tenth Pending on a taint) and 5
    // Services each, and 50 nodes: 550 objects.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let config = kube::config::Kubeconfig::read_from(kube.kubeconfig()).expect("kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(config, &Default::default()).await.expect("config");
        let client = kube::Client::try_from(config).expect("client");
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
        let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(client.clone());
        for n in 0..50 {
            let node = serde_json::from_value(json!({"metadata": {"name": format!("node-{n}")}})).unwrap();
            nodes.create(&PostParams::default(), &node).await.expect("node");
        }
        for ns in 0..10 {
            let name = format!("team-{ns}");
            let namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
            namespaces.create(&PostParams::default(), &namespace).await.expect("namespace");
            let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client.clone(), &name);
            let services: Api<k8s_openapi::api::core::v1::Service> = Api::namespaced(client.clone(), &name);
            for s in 0..5 {
                let service = serde_json::from_value(json!({"metadata": {"name": format!("svc-{s}")},
                    "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}}))
                .unwrap();
                services.create(&PostParams::default(), &service).await.expect("service");
            }
            for p in 0..45 {
                let pod_name = format!("pod-{p}");
                let pod = serde_json::from_value(json!({"metadata": {"name": pod_name},
                    "spec": {"containers": [{"name": "main", "image": "busybox:1.37"}]}}))
                .unwrap();
                pods.create(&PostParams::default(), &pod).await.expect("pod");
                let status = match p % 10 {
                    0 => json!({"status": {"phase": "Running", "containerStatuses": [{"name": "main", "image": "busybox:1.37", "imageID": "",
                        "ready": false, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}),
                    1 => json!({"status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                        "reason": "Unschedulable", "message": "0/50 nodes are available: 50 node(s) had untolerated taint {a: b}.",
                        "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}),
                    _ => json!({"status": {"phase": "Running"}}),
                };
                pods.patch_status(&pod_name, &PatchParams::default(), &Patch::Merge(&status)).await.expect("status");
            }
        }
    });
    let (first, report) = doctor(dir.path(), &kube.kubeconfig(), cache.path());
    let objects = report["objects"].as_u64().unwrap_or(0);
    let findings = report["findings"].as_array().map_or(0, Vec::len);
    assert!(objects >= 500, "{objects} objects read");
    assert_eq!(findings, 100, "the staged crash loops and pending pods");
    let mut times: Vec<Duration> = (0..10).map(|_| doctor(dir.path(), &kube.kubeconfig(), cache.path()).0).collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "doctor, {objects} objects ({findings} findings) on a loopback API server, whole process: first {:.0} ms; \
         10 runs: min {:.0} ms, median {:.0} ms, max {:.0} ms (target < 2000 ms)",
        ms(first),
        ms(times[0]),
        ms(times[5]),
        ms(times[9])
    );
}
