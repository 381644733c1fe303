//! `kubectl dataplat doctor` against a test API server of its own (kube-apiserver 1.20.2 from
//! `tools/kube-testenv`, no scheduler and no kubelet): first a healthy staged platform (exit 0,
//! no finding), then failures staged as the objects and the statuses the cluster would show
//! (statuses written through the status subresource, as the scheduler, the kubelet, Karpenter,
//! KEDA and cert-manager write them), each diagnosed with its finding id and a fix that names the
//! cause; then `--addon`, and exit 2 when the cluster cannot be read.
//!
//! The CRDs of Karpenter, KEDA, cert-manager and prometheus-operator are ours: the group, kind
//! and a status subresource of each, no schema.
//!
//! The Prometheus scenarios run a real Prometheus (`dataplat_testkit::prometheus`) holding a
//! history the test writes, behind a Service of the test API server whose Endpoints point at it:
//! doctor reaches it through the API server's service proxy, as on a cluster. The queries are the
//! trino plugin's own (its ScaledObject and PrometheusRule, from `render`). The AWS scenarios are
//! in `tests/up.rs`, after an `up --cloud-only` against moto.

mod common;

use std::path::Path;

use common::{dataplat_env, ok, stderr, stdout};
use dataplat_testkit::stage::Stage;
use serde_json::{Value, json};

const OLD: &str = "2026-01-01T00:00:00Z";

fn pod(ns: &str, name: &str, status: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
        "spec": {"nodeSelector": {"dataplat.io/pool": "trino-worker"},
            "containers": [{"name": "main", "image": "trinodb/trino:478", "resources": {"requests": {"cpu": "8", "memory": "32Gi"}}}]},
        "status": status,
    })
}

fn unschedulable(message: &str) -> Value {
    json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": message, "lastTransitionTime": OLD}]})
}

fn doctor(dir: &Path, kubeconfig: &Path, extra: &[&str]) -> std::process::Output {
    let kubeconfig = kubeconfig.to_str().unwrap();
    let mut args = vec!["doctor", "--kubeconfig", kubeconfig, "--grace", "0", "--cluster-only"];
    args.extend_from_slice(extra);
    dataplat_env(dir, &args, &[])
}

/// `doctor -o json` on a platform that has something wrong (exit 1): its report.
fn sick_report(dir: &Path, kubeconfig: &Path) -> Value {
    let sick = doctor(dir, kubeconfig, &["-o", "json"]);
    assert_eq!(sick.status.code(), Some(1), "{}\n{}", stdout(&sick), stderr(&sick));
    serde_json::from_str(&stdout(&sick)).expect("json")
}

/// The finding `id` on `object` in a report.
fn finding<'a>(report: &'a Value, id: &str, object: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == id && f["object"] == object)
        .unwrap_or_else(|| panic!("no {id} on {object}: {report:#}"))
}

#[test]
fn doctor_diagnoses_each_staged_failure_and_is_quiet_on_a_healthy_platform() {
    let Some(kube) = dataplat_testkit::PrivateKube::start() else { return };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tmp");
    ok(dataplat_env(dir.path(), &["init", "--name", "doc", "--region", "eu-west-1", "--enable", "trino"], &[]));
    let stage = runtime.block_on(Stage::connect(&kube.kubeconfig()));

    // A healthy platform: running pods, a ready node, a load balancer with its address, a
    // webhook with a ready endpoint, the addons' custom resources Ready.
    runtime.block_on(async {
        stage.crd("karpenter.sh", "NodePool", "nodepools", "v1", "Cluster").await;
        stage.crd("karpenter.sh", "NodeClaim", "nodeclaims", "v1", "Cluster").await;
        stage.crd("keda.sh", "ScaledObject", "scaledobjects", "v1alpha1", "Namespaced").await;
        stage.crd("cert-manager.io", "Certificate", "certificates", "v1", "Namespaced").await;
        for ns in ["trino", "spark-team-a", "ingress-nginx"] {
            stage.put("namespaces", json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})).await;
        }
        stage
            .put("pods", pod("trino", "coordinator", json!({"phase": "Running",
                "conditions": [{"type": "PodScheduled", "status": "True"}],
                "containerStatuses": [{"name": "main", "image": "trinodb/trino:478", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": OLD}}}]})))
            .await;
        stage
            .put("nodes", json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "core-1", "labels": {"dataplat.io/pool": "core"}},
                "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "ok",
                    "lastHeartbeatTime": OLD, "lastTransitionTime": OLD}]}}))
            .await;
        stage
            .put("nodepools", json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "trino-worker"},
                "spec": {"limits": {"cpu": "64"}}, "status": {"resources": {"cpu": "16"}}}))
            .await;
        stage
            .put("scaledobjects", json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "trino-worker", "namespace": "trino"},
                "spec": {"scaleTargetRef": {"name": "trino-worker"}}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}))
            .await;
        stage
            .put("certificates", json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "trino-ca", "namespace": "trino"},
                "spec": {"secretName": "trino-ca", "issuerRef": {"name": "selfsigned", "kind": "Issuer"}},
                "status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": OLD}]}}))
            .await;
    });
    runtime.block_on(stage.pod_identity_agent());
    let healthy = doctor(dir.path(), &kube.kubeconfig(), &["-o", "json"]);
    assert_eq!(healthy.status.code(), Some(0), "{}\n{}", stdout(&healthy), stderr(&healthy));
    let report: Value = serde_json::from_str(&stdout(&healthy)).expect("json");
    assert_eq!(report["findings"], json!([]), "{report:#}");
    assert!(report["objects"].as_u64().unwrap_or(0) >= 6, "{report:#}");

    // The failures.
    runtime.block_on(async {
        let ns = "spark-team-a";
        for (name, message) in [
            ("taint", "0/3 nodes are available: 3 node(s) had untolerated taint {dataplat.io/spark-driver: true}."),
            ("selector", "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."),
            ("large", "0/3 nodes are available: 3 Insufficient memory."),
            ("full", "0/3 nodes are available: 3 Too many pods."),
        ] {
            stage.put("pods", pod(ns, name, unschedulable(message))).await;
        }
        stage
            .put("persistentvolumeclaims", json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data", "namespace": ns},
                "spec": {"storageClassName": "fast-ssd", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}))
            .await;
        let mut claimed = pod(ns, "claimed", unschedulable("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."));
        claimed["spec"]["volumes"] = json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]);
        stage.put("pods", claimed).await;
        stage
            .put("pods", pod(ns, "crashing", json!({"phase": "Running", "containerStatuses": [{"name": "main", "image": "trinodb/trino:478", "imageID": "",
                "ready": false, "restartCount": 9, "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "startedAt": OLD, "finishedAt": OLD}}}]})))
            .await;
        stage
            .put("pods", pod(ns, "pulling", json!({"phase": "Pending", "containerStatuses": [{"name": "main", "image": "docker.io/bitnami/redis:7.0.10", "imageID": "",
                "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff",
                "message": "failed to pull and unpack image \"docker.io/bitnami/redis:7.0.10\": not found"}}}]})))
            .await;
        stage
            .put("nodes", json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"},
                "status": {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                    "message": "Kubelet stopped posting node status.", "lastHeartbeatTime": OLD, "lastTransitionTime": OLD}]}}))
            .await;
        stage
            .put("nodeclaims", json!({"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
                "metadata": {"name": "spark-executor-abcde", "labels": {"karpenter.sh/nodepool": "spark-executor"}},
                "spec": {}, "status": {"conditions": [{"type": "Launched", "status": "False", "reason": "LaunchFailed",
                    "message": "no subnets found", "lastTransitionTime": OLD}]}}))
            .await;
        stage
            .put("nodepools", json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "spark-executor"},
                "spec": {"limits": {"cpu": "1000"}}, "status": {"resources": {"cpu": "1000"}}}))
            .await;
        stage
            .put("scaledobjects", json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "broken", "namespace": "trino"},
                "spec": {"scaleTargetRef": {"name": "trino-worker"}},
                "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "ScaledObjectCheckFailed",
                    "message": "error inspecting prometheus metrics: query returned no series"}]}}))
            .await;
        stage
            .put("scaledobjects", json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
                "metadata": {"name": "paused", "namespace": "trino", "annotations": {"autoscaling.keda.sh/paused": "true"}},
                "spec": {"scaleTargetRef": {"name": "trino-worker"}}}))
            .await;
        stage
            .put("services", json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "controller", "namespace": "ingress-nginx"},
                "spec": {"type": "LoadBalancer", "selector": {"app": "nginx"}, "ports": [{"port": 80}]}}))
            .await;
        stage
            .put("events", json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "controller.1", "namespace": "ingress-nginx"},
                "type": "Warning", "reason": "FailedBuildModel",
                "message": "Failed build model due to unable to resolve at least one subnet (0 match VPC and tags: [kubernetes.io/role/elb])",
                "involvedObject": {"apiVersion": "v1", "kind": "Service", "name": "controller", "namespace": "ingress-nginx"}}))
            .await;
        // A webhook whose Service selects no pod (its Endpoints stay empty). It matches a group
        // nothing uses, and is ignored on failure: the test API server keeps working.
        stage
            .put("services", json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "webhook", "namespace": "trino"},
                "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 443}]}}))
            .await;
        stage
            .put("validatingwebhookconfigurations", json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
                "metadata": {"name": "guard"},
                "webhooks": [{"name": "guard.example.io", "failurePolicy": "Ignore", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                    "clientConfig": {"service": {"namespace": "trino", "name": "webhook"}},
                    "rules": [{"apiGroups": ["nothing.example.io"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["things"]}]}]}))
            .await;
        stage
            .put("certificates", json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "trino-tls", "namespace": "trino"},
                "spec": {"secretName": "trino-tls", "issuerRef": {"name": "trino-ca", "kind": "Issuer"}},
                "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "DoesNotExist",
                    "message": "Issuing certificate as Secret does not exist", "lastTransitionTime": OLD}]}}))
            .await;
        // A Job out of retries (parallelism 0: the Job controller starts no pod here).
        stage
            .put("jobs", json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "init-db", "namespace": ns},
                "spec": {"parallelism": 0, "backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "init", "image": "busybox:1.37"}]}}},
                "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit", "lastProbeTime": OLD, "lastTransitionTime": OLD}]}}))
            .await;
        // An autoscaled Deployment whose replicas a GitOps controller also sets.
        stage
            .put_as("deployments", json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "worker", "namespace": "trino"},
                "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "worker"}},
                    "template": {"metadata": {"labels": {"app": "worker"}}, "spec": {"containers": [{"name": "trino", "image": "trinodb/trino:478"}]}}}}),
                Some("argocd-controller"))
            .await;
        stage
            .put("horizontalpodautoscalers", json!({"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "keda-hpa-worker", "namespace": "trino"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "worker"}, "minReplicas": 1, "maxReplicas": 10,
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]}}))
            .await;
        // The Pod Identity add-on removed (its degraded case, pods not ready, is a unit test: the
        // DaemonSet controller here decides its counts itself).
        let agents = stage.api("apps/v1", "DaemonSet", "daemonsets", Some("kube-system"));
        agents.delete("eks-pod-identity-agent", &Default::default()).await.expect("delete");
        for _ in 0..100 {
            if agents.get_opt("eks-pod-identity-agent").await.expect("get").is_none() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    let report = sick_report(dir.path(), &kube.kubeconfig());
    let findings = report["findings"].as_array().expect("findings");
    let found = |id: &str, object: &str| finding(&report, id, object);
    let expected = [
        ("pods.pending-untolerated-taint", "Pod spark-team-a/taint", "toleration"),
        ("pods.pending-no-matching-node", "Pod spark-team-a/selector", "selector"),
        ("pods.pending-too-large", "Pod spark-team-a/large", "requests"),
        ("pods.pending-too-many-pods", "Pod spark-team-a/full", "prefix delegation"),
        ("pods.pending-unbound-claim", "Pod spark-team-a/claimed", "fast-ssd"),
        ("workloads.crash-loop", "Pod spark-team-a/crashing", "memory limit"),
        ("workloads.image-pull", "Pod spark-team-a/pulling", "pin an image"),
        ("nodes.not-ready", "Node worker-1", "aws-node"),
        ("karpenter.launch-failed", "NodeClaim spark-executor-abcde", "karpenter.sh/discovery"),
        ("karpenter.nodepool-at-limit", "NodePool spark-executor", "raise the limit"),
        ("keda.scaledobject-not-ready", "ScaledObject trino/broken", "Prometheus query"),
        ("keda.scaledobject-paused", "ScaledObject trino/paused", "paused annotation"),
        ("traffic.load-balancer-no-address", "Service ingress-nginx/controller", "kubernetes.io/role/elb"),
        ("traffic.webhook-no-endpoints", "ValidatingWebhookConfiguration guard", "kubectl -n trino get pods"),
        ("traffic.certificate-not-ready", "Certificate trino/trino-tls", "Issuer trino-ca"),
        ("workloads.job-failed", "Job spark-team-a/init-db", "kubectl -n spark-team-a logs job/init-db"),
        ("workloads.replicas-owned-elsewhere", "Deployment trino/worker", "argocd-controller"),
        ("identity.pod-identity-agent", "DaemonSet kube-system/eks-pod-identity-agent", "eks-pod-identity-agent"),
    ];
    for (id, object, fix) in expected {
        let f = found(id, object);
        assert!(f["fix"].as_str().unwrap_or_default().contains(fix), "{id}: the fix names the cause: {f:#}");
        assert!(!f["evidence"].as_array().expect("evidence").is_empty(), "{id}: {f:#}");
    }
    assert_eq!(findings.len(), expected.len(), "nothing else: {report:#}");
    // The table shows the same, with what was seen.
    let table = doctor(dir.path(), &kube.kubeconfig(), &[]);
    assert_eq!(table.status.code(), Some(1));
    let text = stdout(&table);
    assert!(text.contains("error: [karpenter.launch-failed] NodeClaim spark-executor-abcde"), "{text}");
    assert!(text.contains("saw: condition Launched=False reason LaunchFailed: no subnets found"), "{text}");
    assert!(text.contains(&format!("{} finding(s)", expected.len())), "{text}");

    // --addon trino: only what is in trino's namespace.
    let trino = doctor(dir.path(), &kube.kubeconfig(), &["--addon", "trino", "-o", "json"]);
    let report: Value = serde_json::from_str(&stdout(&trino)).expect("json");
    let objects: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["object"].as_str()).collect();
    assert!(!objects.is_empty() && objects.iter().all(|o| o.contains(" trino/")), "{objects:?}");
    let unknown = doctor(dir.path(), &kube.kubeconfig(), &["--addon", "flink"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));

    // The readiness rules of `plan`, on the live objects of the platform's releases (those the
    // applier's inventory lists): a Deployment of release trino/trino that reads a Secret nothing
    // makes.
    runtime.block_on(async {
        stage
            .put("deployments", json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "coordinator", "namespace": "trino"},
                "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "coordinator"}},
                    "template": {"metadata": {"labels": {"app": "coordinator"}}, "spec": {"containers": [{"name": "trino",
                        "image": "trinodb/trino:478", "envFrom": [{"secretRef": {"name": "trino-shared-secret"}}]}]}}}}))
            .await;
        let cluster = dataplat_kube::cluster::Cluster::connect(&dataplat_kube::cluster::ConnectOptions {
            kubeconfig: Some(kube.kubeconfig()),
            context: None,
        })
        .await
        .expect("connect");
        let entry = dataplat_kube::inventory::Entry {
            object: dataplat_kube::ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("trino".into()),
                name: "coordinator".into(),
            },
            uid: None,
            resource_version: None,
        };
        // An object of the release edited with kubectl.
        stage
            .put_as("configmaps", json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "coordinator-config", "namespace": "trino", "labels": {"dataplat.io/release": "trino.trino"}},
                "data": {"config.properties": "query.max-memory=1TB"}}), Some("kubectl-edit"))
            .await;
        let edited = dataplat_kube::inventory::Entry {
            object: dataplat_kube::ObjectRef {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                namespace: Some("trino".into()),
                name: "coordinator-config".into(),
            },
            uid: None,
            resource_version: None,
        };
        let inventory = dataplat_kube::inventory::Inventory {
            release: "trino/trino".into(),
            platform: "doc".into(),
            hash: String::new(),
            pending: false,
            objects: vec![entry, edited],
        };
        dataplat_kube::inventory::write(&cluster, &inventory).await.expect("inventory");
    });
    let live = doctor(dir.path(), &kube.kubeconfig(), &["--addon", "trino", "-o", "json"]);
    let report: Value = serde_json::from_str(&stdout(&live)).expect("json");
    // The readiness rule on the live Deployment.
    let secret = finding(&report, "readiness.references.secret-missing", "Deployment trino/coordinator");
    assert!(secret["cause"].as_str().unwrap_or_default().contains("trino-shared-secret"), "{secret:#}");
    assert_eq!(secret["evidence"], json!(["release trino/trino"]));
    let edited = finding(&report, "drift.edited-by-hand", "ConfigMap trino/coordinator-config");
    assert!(edited["evidence"].to_string().contains("kubectl-edit"), "{edited:#}");

    // A cluster it cannot read: exit 2.
    let missing = dir.path().join("missing-kubeconfig");
    let cannot = doctor(dir.path(), &missing, &[]);
    assert_eq!(cannot.status.code(), Some(2), "{}", stderr(&cannot));
}

/// The objects of release `trino/trino` as the plugin plans them (`render --skip-charts`).
fn trino_objects(dir: &Path) -> Vec<Value> {
    ok(dataplat_env(dir, &["render", "--skip-charts", "--out", "rendered"], &[]));
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("rendered/plan.json")).expect("plan.json"))
            .expect("json");
    plan["addons"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["releases"].as_array().unwrap().iter())
        .find(|r| r["id"] == "trino/trino")
        .expect("release trino/trino")["objects"]
        .as_array()
        .unwrap()
        .clone()
}

const TRINO_UP: &str = "up{job=\"trino\",namespace=\"trino\"}";
const QUEUED: &str = "trino_execution_name_QueryManager_QueuedQueries{job=\"trino\",namespace=\"trino\"}";
const RUNNING: &str = "trino_execution_name_QueryManager_RunningQueries{job=\"trino\",namespace=\"trino\"}";
const REQUIRED: &str = "trino_execution_name_ClusterSizeMonitor_RequiredWorkers{job=\"trino\",namespace=\"trino\"}";
const ACTIVE: &str = "trino_node_name_CoordinatorNodeManager_ActiveNodeCount{job=\"trino\",namespace=\"trino\"}";
const READY: &str =
    "kube_deployment_status_replicas_ready{job=\"kube-state-metrics\",namespace=\"trino\",deployment=\"trino-worker\"}";

#[test]
fn doctor_asks_prometheus_through_the_service_proxy_what_keda_and_the_alert_rules_ask() {
    use dataplat_testkit::prometheus::{Prometheus, history};
    let Some(kube) = dataplat_testkit::PrivateKube::start() else { return };
    // 15 minutes of a healthy Trino: scraped, nothing queued, 2 workers ready and both in the cluster.
    let healthy = [(TRINO_UP, 1.0), (QUEUED, 0.0), (RUNNING, 1.0), (REQUIRED, 0.0), (ACTIVE, 3.0), (READY, 2.0)];
    let Some(good) = Prometheus::start(&history(&healthy, 15)) else { return };
    // 15 minutes of a sick one: the scrape fails (up 0; the gauges keep their last values here),
    // 4 queued, a query waiting for 3 workers, 2 workers ready but only the coordinator active.
    let sick = [(TRINO_UP, 0.0), (QUEUED, 4.0), (RUNNING, 2.0), (REQUIRED, 3.0), (ACTIVE, 1.0), (READY, 2.0)];
    let bad = Prometheus::start(&history(&sick, 15)).expect("a second prometheus");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tmp");
    let init = [
        "init",
        "--name",
        "doc",
        "--region",
        "eu-west-1",
        "--enable",
        "trino",
        "--enable",
        "keda",
        "--enable",
        "prometheus",
    ];
    ok(dataplat_env(dir.path(), &[&init[..], &["--enable", "enable_trino_keda"]].concat(), &[]));
    let objects = trino_objects(dir.path());
    let of_kind = |kind: &str| {
        objects.iter().find(|o| o["kind"] == kind).unwrap_or_else(|| panic!("trino plans a {kind}")).clone()
    };
    // The rules are what Prometheus itself accepts as a rule file (JSON is YAML).
    let rules = dir.path().join("trino-rules.yaml");
    std::fs::write(&rules, json!({"groups": of_kind("PrometheusRule")["spec"]["groups"]}).to_string())
        .expect("write rules");
    let promtool =
        std::path::PathBuf::from(std::env::var_os("DATAPLAT_PROMETHEUS").expect("set")).with_file_name("promtool");
    let check = std::process::Command::new(promtool).args(["check", "rules"]).arg(&rules).output().expect("promtool");
    assert!(
        check.status.success(),
        "promtool check rules: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let stage = runtime.block_on(Stage::connect(&kube.kubeconfig()));
    runtime.block_on(async {
        stage.crd("keda.sh", "ScaledObject", "scaledobjects", "v1alpha1", "Namespaced").await;
        stage.crd("monitoring.coreos.com", "PrometheusRule", "prometheusrules", "v1", "Namespaced").await;
        for ns in ["trino", "monitoring"] {
            stage.put("namespaces", json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})).await;
        }
        stage.serve_prometheus(&good, true).await;
        let mut scaled = of_kind("ScaledObject");
        scaled["status"] = json!({"conditions": [{"type": "Ready", "status": "True"}]});
        stage.put("scaledobjects", scaled).await;
        stage.put("prometheusrules", of_kind("PrometheusRule")).await;
        stage.pod_identity_agent().await;
    });
    let healthy_run = doctor(dir.path(), &kube.kubeconfig(), &["-o", "json"]);
    assert_eq!(
        healthy_run.status.code(),
        Some(0),
        "{}\n{}\n{}",
        stdout(&healthy_run),
        stderr(&healthy_run),
        good.log()
    );
    let report: Value = serde_json::from_str(&stdout(&healthy_run)).expect("json");
    assert_eq!(report["findings"], json!([]), "{report:#}");

    // The sick history, and what the reference got wrong or a cluster can break.
    runtime.block_on(async {
        stage.serve_prometheus(&bad, false).await;
        // The reference's ScaledObject: job="trino-coordinator", a label its ServiceMonitor never sets.
        let mut reference = of_kind("ScaledObject");
        reference["metadata"]["name"] = json!("reference");
        reference["spec"]["triggers"] = json!([{"type": "prometheus", "name": "queued", "metadata": {
            "serverAddress": "http://prometheus-prometheus.monitoring.svc:9090",
            "query": "sum(trino_execution_name_QueryManager_QueuedQueries{job=\"trino-coordinator\"})", "threshold": "1"}}]);
        stage.put("scaledobjects", reference).await;
        // A trigger whose server has no endpoint.
        stage
            .put("services", json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "old-prometheus", "namespace": "monitoring"},
                "spec": {"selector": {"app": "gone"}, "ports": [{"port": 9090}]}}))
            .await;
        let mut unreachable = of_kind("ScaledObject");
        unreachable["metadata"]["name"] = json!("unreachable");
        unreachable["spec"]["triggers"][0]["metadata"]["serverAddress"] = json!("http://old-prometheus.monitoring.svc:9090");
        unreachable["spec"]["triggers"] = json!([unreachable["spec"]["triggers"][0].clone()]);
        stage.put("scaledobjects", unreachable).await;
        // An addon's rule Prometheus would reject.
        stage
            .put("prometheusrules", json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                "metadata": {"name": "custom", "namespace": "trino", "labels": {"dataplat.io/doctor": "true"}},
                "spec": {"groups": [{"name": "custom", "rules": [{"alert": "Typo", "expr": "sum(rate(x[5m]) by (job)"}]}]}}))
            .await;
        // KEDA's HPA that cannot read its metric, and one at its maximum above its target.
        for (name, status) in [
            ("keda-hpa-trino-worker", json!({"currentReplicas": 1, "desiredReplicas": 1, "conditions": [{"type": "ScalingActive",
                "status": "False", "reason": "FailedGetExternalMetric", "message": "unable to get external metric trino/s0-prometheus"}]})),
            ("keda-hpa-busy", json!({"currentReplicas": 10, "desiredReplicas": 10, "conditions": [{"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}],
                "currentMetrics": [{"type": "External", "external": {"metric": {"name": "s0-prometheus"}, "current": {"averageValue": "9"}}}]})),
        ] {
            stage
                .put("horizontalpodautoscalers", json!({"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler",
                    "metadata": {"name": name, "namespace": "trino"},
                    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "trino-worker"}, "minReplicas": 1, "maxReplicas": 10,
                        "metrics": [{"type": "External", "external": {"metric": {"name": "s0-prometheus"}, "target": {"type": "AverageValue", "averageValue": "4"}}}]},
                    "status": status}))
                .await;
        }
        // KEDA's operator from an older chart than the pinned one.
        stage
            .put("deployments", json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "keda-operator", "namespace": "trino", "labels": {"dataplat.io/release": "keda.keda", "helm.sh/chart": "keda-2.0.0"}},
                "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "keda"}},
                    "template": {"metadata": {"labels": {"app": "keda"}}, "spec": {"containers": [{"name": "keda", "image": "ghcr.io/kedacore/keda:2.0.0"}]}}}}))
            .await;
    });
    let report = sick_report(dir.path(), &kube.kubeconfig());
    let findings = report["findings"].as_array().expect("findings");
    let found = |id: &str, object: &str| finding(&report, id, object);
    let expected = [
        (
            "keda.trigger-query-empty",
            "ScaledObject trino/reference",
            "exists: trino_execution_name_QueryManager_QueuedQueries{job=\"trino\",namespace=\"trino\"}",
        ),
        ("keda.trigger-query-failed", "ScaledObject trino/unreachable", "old-prometheus"),
        ("alert.TrinoNotScraped", "PrometheusRule trino/trino", "value 1"),
        ("alert.TrinoWorkersNotRegistered", "PrometheusRule trino/trino", "value 2"),
        ("alert.TrinoQueriesQueued", "PrometheusRule trino/trino", "value 4"),
        ("alert.TrinoQueriesWaitingForWorkers", "PrometheusRule trino/trino", "value 3"),
        ("alerts.not-evaluated", "PrometheusRule trino/custom", "parse error"),
        (
            "keda.hpa-metric-unavailable",
            "HorizontalPodAutoscaler trino/keda-hpa-trino-worker",
            "FailedGetExternalMetric",
        ),
        ("keda.hpa-at-max", "HorizontalPodAutoscaler trino/keda-hpa-busy", "9 against a target of 4"),
        ("drift.chart-version", "Deployment trino/keda-operator", "keda-2.0.0"),
    ];
    for (id, object, evidence) in expected {
        let f = found(id, object);
        assert!(f["evidence"].to_string().contains(&evidence.replace('"', "\\\"")), "{id}: evidence {evidence}: {f:#}");
        assert!(!f["fix"].as_str().unwrap_or_default().is_empty(), "{id}: {f:#}");
    }
    assert!(
        found("keda.trigger-query-empty", "ScaledObject trino/reference")["fix"]
            .as_str()
            .unwrap()
            .contains("label matchers")
    );
    assert!(
        found("alert.TrinoWorkersNotRegistered", "PrometheusRule trino/trino")["fix"]
            .as_str()
            .unwrap()
            .contains("discovery.uri")
    );
    assert_eq!(found("alert.TrinoQueriesQueued", "PrometheusRule trino/trino")["severity"], "warning");
    assert_eq!(findings.len(), expected.len(), "nothing else: {report:#}");
}

/// The trino plugin's log signature, as it renders it on the coordinator, against the log Trino
/// 477 writes when a catalog's properties are wrong (its static catalog store's lines, read from
/// its source; no Trino runs here): the finding names the catalog. No API server: the test API
/// server has no kubelet to serve a log, so the snapshot is built here.
#[test]
fn the_trino_catalog_signature_names_the_catalog_that_failed() {
    let dir = tempfile::tempdir().expect("tmp");
    ok(dataplat_env(dir.path(), &["init", "--name", "doc", "--region", "eu-west-1", "--enable", "trino"], &[]));
    let objects = trino_objects(dir.path());
    let coordinator = objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "trino-coordinator")
        .expect("the coordinator")
        .clone();
    let labels = coordinator["spec"]["template"]["metadata"]["labels"].clone();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "trino-coordinator-0", "namespace": "trino", "labels": labels},
        "status": {"containerStatuses": [{"name": "trino", "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 100}}}]}});
    let log = [
        "2026-12-08T10:00:01.100Z\tINFO\tmain\tio.trino.connector.StaticCatalogManager\t-- Loading catalog hive --",
        "2026-12-08T10:00:01.101Z\tINFO\tmain\tio.trino.connector.StaticCatalogManager\t-- Loading catalog tpch --",
        "2026-12-08T10:00:01.500Z\tINFO\tmain\tio.trino.connector.StaticCatalogManager\t-- Added catalog tpch using connector tpch --",
        "2026-12-08T10:00:02.000Z\tERROR\tmain\tio.trino.server.Server\tUnable to create injector, see the following errors:",
        "1) Error: Configuration property 'hive.s3.endpoint' was not used",
    ];
    let mut snapshot = dataplat_doctor::Snapshot {
        objects: vec![coordinator, pod],
        now: "2026-12-08T10:05:00Z".into(),
        grace_seconds: 300,
        ..Default::default()
    };
    snapshot.logs.insert(
        ("trino".into(), "trino-coordinator-0".into(), "trino".into()),
        log.iter().map(|l| l.to_string()).collect(),
    );
    let findings = dataplat_doctor::diagnose(&snapshot);
    let catalog =
        findings.iter().find(|f| f.id == "log.TrinoCatalogLoadFailed").unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(catalog.object, "Pod trino/trino-coordinator-0");
    assert!(catalog.cause.contains("catalog hive"), "{catalog:#?}");
    assert!(catalog.evidence.iter().any(|e| e.contains("hive.s3.endpoint")), "{catalog:#?}");
    assert!(catalog.fix.contains("trino.catalogs"), "{catalog:#?}");
}
