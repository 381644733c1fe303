//! `kubectl-dataplat doctor` over a staged platform of 500 objects on a test API server of its
//! own (tools/kube-testenv, loopback), as a user runs it: process start, loading the platform,
//! one LIST per kind, the checks, JSON output. With `DATAPLAT_PROMETHEUS` set it also stages the
//! trino plugin's ScaledObject and PrometheusRule and a real Prometheus behind the service proxy,
//! so the 7 PromQL queries (3 triggers, 4 alerts) are in the time. AWS is not read
//! (`--cluster-only`): its calls go to a remote API and are bounded by its latency, not by doctor.
//! Prints min/median/max; the target is under 2 s.
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
        .args(["doctor", "--kubeconfig", kubeconfig.to_str().unwrap(), "--grace", "0", "--cluster-only", "-o", "json"])
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
        .args(["init", "--name", "bench", "--region", "eu-west-1", "--enable", "trino", "--enable", "keda"])
        .args(["--enable", "prometheus", "--enable", "enable_trino_keda"])
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
    // Trino's ScaledObject and PrometheusRule as the plugin plans them, and Prometheus.
    let prometheus = std::env::var_os("DATAPLAT_PROMETHEUS").and_then(|_| {
        let series = [
            ("up{job=\"trino\",namespace=\"trino\"}", 1.0),
            ("trino_execution_name_QueryManager_QueuedQueries{job=\"trino\",namespace=\"trino\"}", 0.0),
            ("trino_execution_name_QueryManager_RunningQueries{job=\"trino\",namespace=\"trino\"}", 0.0),
            ("trino_execution_name_ClusterSizeMonitor_RequiredWorkers{job=\"trino\",namespace=\"trino\"}", 0.0),
        ];
        dataplat_testkit::prometheus::Prometheus::start(&dataplat_testkit::prometheus::history(&series, 15))
    });
    if let Some(prometheus) = &prometheus {
        let render = Command::new(env!("CARGO_BIN_EXE_kubectl-dataplat"))
            .current_dir(dir.path())
            .args(["render", "--skip-charts", "--out", "rendered"])
            .env("DATAPLAT_CACHE_DIR", cache.path())
            .output()
            .expect("render");
        assert!(render.status.success(), "{}", String::from_utf8_lossy(&render.stderr));
        let plan: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("rendered/plan.json")).expect("plan")).expect("json");
        let trino: Vec<serde_json::Value> = plan["addons"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["releases"].as_array().unwrap().iter())
            .filter(|r| r["id"] == "trino/trino")
            .flat_map(|r| r["objects"].as_array().unwrap().iter().cloned())
            .filter(|o| o["kind"] == "ScaledObject" || o["kind"] == "PrometheusRule")
            .collect();
        assert_eq!(trino.len(), 2, "trino plans a ScaledObject and a PrometheusRule");
        runtime.block_on(stage_prometheus(&kube.kubeconfig(), prometheus, trino));
    } else {
        println!("doctor bench: DATAPLAT_PROMETHEUS unset, no PromQL queries in the time");
    }
    let (first, report) = doctor(dir.path(), &kube.kubeconfig(), cache.path());
    let objects = report["objects"].as_u64().unwrap_or(0);
    let findings = report["findings"].as_array().map_or(0, Vec::len);
    assert!(objects >= 500, "{objects} objects read");
    let others: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["id"] != "workloads.crash-loop" && f["id"] != "pods.pending-untolerated-taint")
        .collect();
    // The platform has pod identities and the staged cluster no Pod Identity agent: one more.
    assert!(others.iter().all(|f| f["id"] == "identity.pod-identity-agent"), "nothing else: {others:#?}");
    assert_eq!(findings - others.len(), 100, "the staged crash loops and pending pods");
    let mut times: Vec<Duration> = (0..10).map(|_| doctor(dir.path(), &kube.kubeconfig(), cache.path()).0).collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "doctor, {objects} objects ({findings} findings){} on a loopback API server, whole process: first {:.0} ms; \
         10 runs: min {:.0} ms, median {:.0} ms, max {:.0} ms (target < 2000 ms)",
        if prometheus.is_some() { ", 7 PromQL queries through the service proxy" } else { "" },
        ms(first),
        ms(times[0]),
        ms(times[5]),
        ms(times[9])
    );
}

/// The CRDs, the objects, and Service `monitoring/prometheus-prometheus` with a Pod holding the
/// Prometheus address and Endpoints naming it (the API server proxies only to pod addresses).
async fn stage_prometheus(
    kubeconfig: &Path,
    prometheus: &dataplat_testkit::prometheus::Prometheus,
    objects: Vec<serde_json::Value>,
) {
    let stage = dataplat_testkit::stage::Stage::connect(kubeconfig).await;
    stage.crd("keda.sh", "ScaledObject", "scaledobjects", "v1alpha1", "Namespaced").await;
    stage.crd("monitoring.coreos.com", "PrometheusRule", "prometheusrules", "v1", "Namespaced").await;
    for ns in ["trino", "monitoring"] {
        stage.put("namespaces", json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})).await;
    }
    stage.serve_prometheus(prometheus, true).await;
    for mut object in objects {
        let plural = if object["kind"] == "ScaledObject" {
            object["status"] = json!({"conditions": [{"type": "Ready", "status": "True"}]});
            "scaledobjects"
        } else {
            "prometheusrules"
        };
        stage.put(plural, object).await;
    }
}
