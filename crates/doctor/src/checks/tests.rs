//! One scenario per catalogue entry, each as the objects and statuses the cluster would show, and
//! a healthy platform that must stay quiet.

use serde_json::{Value, json};

use super::*;
use crate::model::{Association, BucketReach, Cloud, EksAddon, ExpectedIdentity, Query, Sample};

const NOW: &str = "2026-12-08T12:00:00Z";
const OLD: &str = "2026-12-08T11:00:00Z";
const JUST_NOW: &str = "2026-12-08T11:59:50Z";

fn snapshot(objects: Vec<Value>) -> Snapshot {
    Snapshot { objects, now: NOW.into(), grace_seconds: 300, ..Snapshot::default() }
}

fn pending(name: &str, message: &str, since: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "spark-team-a"},
        "spec": {
            "nodeSelector": {"dataplat.io/pool": "spark-driver"},
            "containers": [{"name": "driver", "image": "spark:4.0.0", "resources": {"requests": {"cpu": "4", "memory": "16Gi"}}}],
        },
        "status": {"phase": "Pending", "conditions": [{
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message, "lastTransitionTime": since,
        }]},
    })
}

fn only(findings: &[Finding]) -> &Finding {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    &findings[0]
}

#[test]
fn a_healthy_platform_gives_no_finding() {
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "superset"},
            "status": {"phase": "Running", "conditions": [{"type": "PodScheduled", "status": "True"}],
                "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "state": {"running": {}}}]}}),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": OLD}]}}),
        json!({"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim", "metadata": {"name": "c1"},
            "status": {"conditions": [{"type": "Launched", "status": "True"}]}}),
        json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "trino-worker"},
            "spec": {"limits": {"cpu": "64", "memory": "256Gi"}}, "status": {"resources": {"cpu": "16", "memory": "64Gi"}}}),
        json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "trino-worker", "namespace": "trino"},
            "spec": {"scaleTargetRef": {"name": "trino-worker"}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Paused", "status": "False"}]}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb", "namespace": "ingress-nginx", "creationTimestamp": OLD},
            "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {"ingress": [{"hostname": "x.elb.amazonaws.com"}]}}}),
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "keda"},
            "webhooks": [{"name": "v.keda.sh", "clientConfig": {"service": {"namespace": "keda", "name": "keda-webhook"}}}]}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "keda-webhook", "namespace": "keda"}, "spec": {"type": "ClusterIP"}}),
        json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "keda-webhook", "namespace": "keda"},
            "subsets": [{"addresses": [{"ip": "10.0.0.9"}], "ports": [{"port": 9443}]}]}),
        json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "trino-ca", "namespace": "trino"},
            "spec": {"secretName": "trino-ca", "issuerRef": {"name": "selfsigned", "kind": "Issuer"}},
            "status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": OLD}]}}),
        // Pending for ten seconds: Karpenter is still launching its node.
        pending(
            "fresh",
            "0/3 nodes are available: 3 node(s) had untolerated taint {dataplat.io/spark-driver: true}.",
            JUST_NOW,
        ),
    ];
    let findings = diagnose(&snapshot(objects));
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn pending_pods_are_decoded_by_the_schedulers_dominant_reason() {
    let cases = [
        (
            "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) had untolerated taint {dataplat.io/spark-driver: true}. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
            "pods.pending-untolerated-taint",
            "spark-driver",
        ),
        (
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
            "pods.pending-no-matching-node",
            "nodeSelector",
        ),
        (
            "0/3 nodes are available: 2 Insufficient cpu, 1 Insufficient memory.",
            "pods.pending-too-large",
            "cpu 4000m, memory 16.0 GiB",
        ),
        ("0/2 nodes are available: 2 Too many pods.", "pods.pending-too-many-pods", "Too many pods"),
        ("0/2 nodes are available: 2 node(s) were unschedulable.", "pods.pending-unschedulable", "unschedulable"),
    ];
    for (message, id, evidence) in cases {
        let findings = diagnose(&snapshot(vec![pending("driver", message, OLD)]));
        let f = only(&findings);
        assert_eq!(f.id, id, "{message}");
        assert_eq!(f.object, "Pod spark-team-a/driver");
        assert!(f.evidence.iter().chain([&f.cause]).any(|e| e.contains(evidence)), "{id}: {f:#?}");
        assert!(!f.fix.is_empty());
    }
}

#[test]
fn a_pending_pod_with_an_unbound_claim_names_the_missing_class() {
    let mut pod = pending("hub", "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.", OLD);
    pod["spec"]["volumes"] = json!([{"name": "db", "persistentVolumeClaim": {"claimName": "hub-db-dir"}}]);
    let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "hub-db-dir", "namespace": "spark-team-a"},
        "spec": {"storageClassName": "fast-ssd"}, "status": {"phase": "Pending"}});
    let findings = diagnose(&snapshot(vec![pod.clone(), claim.clone()]));
    let f = only(&findings);
    assert_eq!(f.id, "pods.pending-unbound-claim");
    assert!(f.cause.contains("StorageClass fast-ssd, which does not exist"), "{f:#?}");
    // The class exists: the provisioner is what to look at.
    let class = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast-ssd"}, "provisioner": "ebs.csi.aws.com"});
    let findings = diagnose(&snapshot(vec![pod, claim, class]));
    assert!(only(&findings).cause.contains("not bound"), "{findings:#?}");
}

#[test]
fn crash_loops_show_the_last_exit_and_log_lines_and_out_of_memory_is_named() {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "coord-0", "namespace": "trino"},
        "status": {"phase": "Running", "containerStatuses": [{"name": "trino", "restartCount": 7,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}]}});
    let mut s = snapshot(vec![pod.clone()]);
    s.logs.insert(
        ("trino".into(), "coord-0".into(), "trino".into()),
        vec!["ERROR main io.trino.server.Server Catalog iceberg failed to load".into()],
    );
    let findings = diagnose(&s);
    let f = only(&findings);
    assert_eq!(f.id, "workloads.crash-loop");
    assert!(f.evidence.iter().any(|e| e.contains("7 restarts") && e.contains("code 1")), "{f:#?}");
    assert!(f.evidence.iter().any(|e| e.starts_with("log: ") && e.contains("Catalog iceberg")), "{f:#?}");
    assert!(f.fix.contains("kubectl -n trino logs coord-0 -c trino --previous"));
    let mut oom = pod;
    oom["status"]["containerStatuses"][0]["lastState"]["terminated"] = json!({"reason": "OOMKilled", "exitCode": 137});
    assert!(only(&diagnose(&snapshot(vec![oom]))).cause.contains("more memory than its limit"));
}

#[test]
fn image_pulls_that_fail_are_told_apart() {
    let pod = |message: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pg-0", "namespace": "superset"},
            "status": {"phase": "Pending", "containerStatuses": [{"name": "postgresql", "image": "docker.io/bitnami/postgresql:14.17.0-debian-12-r3",
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": message}}}]}})
    };
    let cases = [
        (
            "Back-off pulling image: rpc error: code = NotFound desc = failed to pull and unpack image: docker.io/bitnami/postgresql:14.17.0-debian-12-r3: not found",
            "does not exist",
        ),
        ("failed to pull: no match for platform in manifest: not found", "no build for this node's CPU architecture"),
        (
            "failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized: unauthorized",
            "refuses",
        ),
        ("dial tcp 1.2.3.4:443: i/o timeout", "cannot pull"),
    ];
    for (message, cause) in cases {
        let findings = diagnose(&snapshot(vec![pod(message)]));
        let f = only(&findings);
        assert_eq!(f.id, "workloads.image-pull");
        assert!(f.cause.contains(cause), "{message}: {f:#?}");
        assert!(f.evidence[0].contains(message));
    }
}

#[test]
fn a_node_not_ready_past_the_grace_period_is_reported_with_its_pressure() {
    let node = |since: &str| {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "ip-10-0-1-1"},
        "status": {"conditions": [
            {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.", "lastTransitionTime": since},
            {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure"},
        ]}})
    };
    let findings = diagnose(&snapshot(vec![node(OLD)]));
    let f = only(&findings);
    assert_eq!(f.id, "nodes.not-ready");
    assert!(f.evidence[0].contains("for 3600 s"), "{f:#?}");
    assert!(f.evidence.iter().any(|e| e.contains("DiskPressure")));
    assert!(diagnose(&snapshot(vec![node(JUST_NOW)])).is_empty(), "within the grace period");
}

#[test]
fn nodeclaims_that_cannot_launch_are_decoded() {
    let claim = |reason: &str, message: &str| {
        json!({"apiVersion": "karpenter.sh/v1", "kind": "NodeClaim",
            "metadata": {"name": "trino-worker-x7k2p", "labels": {"karpenter.sh/nodepool": "trino-worker"}},
            "status": {"conditions": [{"type": "Launched", "status": "False", "reason": reason, "message": message}]}})
    };
    let cases = [
        (
            "InsufficientCapacityError",
            "creating instance, insufficient capacity, all requested instance types were unavailable during launch",
            "no capacity",
        ),
        ("LaunchFailed", "no subnets found", "discovery tag"),
        ("LaunchFailed", "no security groups exist given constraints", "security group"),
        (
            "LaunchFailed",
            "creating instance, UnauthorizedOperation: You are not authorized to perform this operation",
            "IAM denies",
        ),
        ("LaunchFailed", "no amis exist given constraints", "no AMI matches"),
    ];
    for (reason, message, cause) in cases {
        let findings = diagnose(&snapshot(vec![claim(reason, message)]));
        let f = only(&findings);
        assert_eq!(f.id, "karpenter.launch-failed");
        assert!(f.cause.contains(cause), "{message}: {f:#?}");
        assert!(f.evidence.iter().any(|e| e == "NodePool trino-worker"));
    }
}

#[test]
fn a_nodepool_at_its_limit_is_a_warning() {
    let pool = json!({"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "spark-executor"},
        "spec": {"limits": {"cpu": "1000"}}, "status": {"resources": {"cpu": "1000", "memory": "4000Gi"}}});
    let findings = diagnose(&snapshot(vec![pool]));
    let f = only(&findings);
    assert_eq!((f.id.as_str(), f.severity), ("karpenter.nodepool-at-limit", Severity::Warning));
    assert!(f.evidence[0].contains("cpu: nodes have 1000, limit 1000"));
}

#[test]
fn scaled_objects_not_ready_or_paused() {
    let scaled = |conditions: Value, annotations: Value| {
        json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
            "metadata": {"name": "trino-worker", "namespace": "trino", "annotations": annotations},
            "spec": {"scaleTargetRef": {"name": "trino-worker"}}, "status": {"conditions": conditions}})
    };
    let broken = scaled(
        json!([{"type": "Ready", "status": "False", "reason": "ScaledObjectCheckFailed", "message": "error getting metric from prometheus: no such host"}]),
        json!({}),
    );
    let f = diagnose(&snapshot(vec![broken]));
    assert_eq!(only(&f).id, "keda.scaledobject-not-ready");
    assert!(only(&f).fix.contains("Prometheus query"), "{f:#?}");
    let paused = scaled(json!([{"type": "Ready", "status": "True"}]), json!({"autoscaling.keda.sh/paused": "true"}));
    let f = diagnose(&snapshot(vec![paused]));
    assert_eq!((only(&f).id.as_str(), only(&f).severity), ("keda.scaledobject-paused", Severity::Warning));
}

#[test]
fn a_load_balancer_without_an_address_shows_its_controllers_events() {
    let service = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx", "creationTimestamp": OLD},
        "spec": {"type": "LoadBalancer", "loadBalancerClass": "service.k8s.aws/nlb"}, "status": {"loadBalancer": {}}});
    let f = diagnose(&snapshot(vec![service.clone()]));
    assert_eq!(only(&f).id, "traffic.load-balancer-no-address");
    assert!(only(&f).cause.contains("no controller has acted"), "{f:#?}");
    let mut s = snapshot(vec![service]);
    s.events.push(json!({"apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": "FailedBuildModel",
        "message": "Failed build model due to unable to resolve at least one subnet (0 match VPC and tags: [kubernetes.io/role/elb])",
        "involvedObject": {"kind": "Service", "name": "ingress-nginx-controller", "namespace": "ingress-nginx"}}));
    let f = diagnose(&s);
    assert!(
        only(&f).evidence.iter().any(|e| e.contains("FailedBuildModel") && e.contains("kubernetes.io/role/elb")),
        "{f:#?}"
    );
    assert!(only(&f).fix.contains("kubernetes.io/role/elb"));
}

#[test]
fn a_webhook_whose_service_has_no_ready_endpoint() {
    let config = json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
    "metadata": {"name": "yunikorn-admission-controller-mutations"},
    "webhooks": [
        {"name": "a.yunikorn.apache.org", "failurePolicy": "Fail", "clientConfig": {"service": {"namespace": "yunikorn-system", "name": "yunikorn-admission-controller-service"}}},
        {"name": "b.yunikorn.apache.org", "clientConfig": {"service": {"namespace": "yunikorn-system", "name": "yunikorn-admission-controller-service"}}},
    ]});
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "yunikorn-admission-controller-service", "namespace": "yunikorn-system"}});
    let endpoints = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "yunikorn-admission-controller-service", "namespace": "yunikorn-system"},
        "subsets": [{"notReadyAddresses": [{"ip": "10.0.0.5"}]}]});
    let f = diagnose(&snapshot(vec![config.clone(), service, endpoints]));
    let f = only(&f);
    assert_eq!(f.id, "traffic.webhook-no-endpoints");
    assert!(f.evidence[0].contains("no ready endpoint") && f.cause.contains("refuses"), "{f:#?}");
    let f = diagnose(&snapshot(vec![config]));
    assert!(only(&f).evidence[0].contains("does not exist"));
}

#[test]
fn a_certificate_not_ready_names_its_issuer() {
    let certificate = json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "trino-tls", "namespace": "trino"},
        "spec": {"secretName": "trino-tls", "issuerRef": {"name": "trino-ca", "kind": "Issuer"}},
        "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "DoesNotExist", "message": "Issuing certificate as Secret does not exist", "lastTransitionTime": OLD}]}});
    let f = diagnose(&snapshot(vec![certificate]));
    let f = only(&f);
    assert_eq!(f.id, "traffic.certificate-not-ready");
    assert!(f.evidence.iter().any(|e| e == "issuer Issuer trino-ca") && f.cause.contains("trino-tls"), "{f:#?}");
}

#[test]
fn a_failed_job_shows_its_pods_last_lines() {
    let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "superset-init-db", "namespace": "superset"},
        "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}});
    let mut s = snapshot(vec![job]);
    s.logs.insert(
        ("superset".into(), "superset-init-db-x9q2k".into(), "superset-init-db".into()),
        vec!["ModuleNotFoundError: No module named 'psycopg2'".into()],
    );
    let f = diagnose(&s);
    let f = only(&f);
    assert_eq!(f.id, "workloads.job-failed");
    assert!(f.evidence.iter().any(|e| e.contains("psycopg2")), "{f:#?}");
    assert!(f.fix.contains("kubectl -n superset logs job/superset-init-db"));
}

#[test]
fn an_autoscaled_deployment_whose_replicas_another_manager_sets() {
    let hpa = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "keda-hpa-trino-worker", "namespace": "trino"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "trino-worker"}, "minReplicas": 1, "maxReplicas": 10}});
    let deployment = |managers: Value| json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "trino-worker", "namespace": "trino", "managedFields": managers}});
    let fine = deployment(json!([
        {"manager": "kubectl-dataplat", "operation": "Apply", "fieldsV1": {"f:spec": {"f:template": {}}}},
        {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
    ]));
    assert!(diagnose(&snapshot(vec![hpa.clone(), fine])).is_empty());
    let fought = deployment(json!([
        {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
        {"manager": "argocd-controller", "operation": "Update", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
    ]));
    let f = diagnose(&snapshot(vec![hpa, fought]));
    let f = only(&f);
    assert_eq!((f.id.as_str(), f.severity), ("workloads.replicas-owned-elsewhere", Severity::Warning));
    assert!(f.evidence[1].contains("argocd-controller") && f.fix.contains("argocd-controller"), "{f:#?}");
}

#[test]
fn a_release_object_edited_with_kubectl() {
    let object = |manager: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "trino-coordinator", "namespace": "trino",
        "labels": {"dataplat.io/release": "trino.trino"},
        "managedFields": [
            {"manager": "kubectl-dataplat", "operation": "Apply", "time": OLD},
            {"manager": manager, "operation": "Update", "time": NOW},
        ]}})
    };
    let f = diagnose(&snapshot(vec![object("kubectl-edit")]));
    let f = only(&f);
    assert_eq!(f.id, "drift.edited-by-hand");
    assert!(f.evidence.iter().any(|e| e.contains("kubectl-edit (Update)")), "{f:#?}");
    assert!(diagnose(&snapshot(vec![object("kube-controller-manager")])).is_empty(), "controllers are not hands");
}

#[test]
fn the_pod_identity_agent_missing_or_not_ready_when_the_platform_uses_it() {
    let mut s = snapshot(vec![]);
    assert!(diagnose(&s).is_empty(), "a platform without pod identities does not need it");
    s.expects_pod_identity = true;
    let f = diagnose(&s);
    assert_eq!(
        (only(&f).id.as_str(), only(&f).object.as_str()),
        ("identity.pod-identity-agent", "DaemonSet kube-system/eks-pod-identity-agent")
    );
    let agent = |ready: i64| {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "eks-pod-identity-agent", "namespace": "kube-system"},
            "status": {"desiredNumberScheduled": 3, "numberReady": ready}})
    };
    s.objects = vec![agent(1)];
    let f = diagnose(&s);
    assert!(only(&f).evidence[0].contains("1 of 3") && only(&f).cause.contains("2 node(s)"), "{f:#?}");
    s.objects = vec![agent(3)];
    assert!(diagnose(&s).is_empty());
}

fn query(object: &str, source: &str, outcome: Result<Vec<Sample>, String>, existing: &[&str]) -> Query {
    Query {
        object: object.into(),
        source: source.into(),
        server: "http://prometheus-prometheus.monitoring.svc:9090".into(),
        query: "sum(trino_queued{job=\"trino-coordinator\"})".into(),
        outcome,
        existing: existing.iter().map(|e| e.to_string()).collect(),
    }
}

fn sample(value: f64) -> Sample {
    Sample { labels: Default::default(), value }
}

#[test]
fn keda_trigger_queries_that_fail_or_find_nothing() {
    let mut s = snapshot(vec![]);
    s.queries = vec![query("ScaledObject trino/trino-worker", "queued", Ok(vec![sample(0.0)]), &[])];
    assert!(diagnose(&s).is_empty(), "an answer, even 0, is healthy");
    s.queries = vec![query("ScaledObject trino/trino-worker", "queued", Err("connection refused".into()), &[])];
    let f = diagnose(&s);
    assert_eq!(only(&f).id, "keda.trigger-query-failed");
    assert!(only(&f).evidence.iter().any(|e| e.contains("connection refused")), "{f:#?}");
    s.queries = vec![query(
        "ScaledObject trino/trino-worker",
        "queued",
        Ok(vec![]),
        &["trino_queued{job=\"trino\",namespace=\"trino\"}"],
    )];
    let f = diagnose(&s);
    assert_eq!(only(&f).id, "keda.trigger-query-empty");
    assert!(only(&f).evidence.iter().any(|e| e.contains("exists: trino_queued{job=\"trino\"")), "{f:#?}");
    assert!(only(&f).fix.contains("label matchers"), "{f:#?}");
    s.queries[0].existing.clear();
    assert!(only(&diagnose(&s)).fix.contains("ServiceMonitor"));
}

#[test]
fn an_addons_alert_rule_that_fires_or_cannot_be_evaluated() {
    let rules = json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
        "metadata": {"name": "trino", "namespace": "trino"},
        "spec": {"groups": [{"name": "trino", "rules": [{"alert": "TrinoWorkersNotRegistered", "expr": "x > 0",
            "labels": {"severity": "critical"},
            "annotations": {"summary": "workers run but are not in the cluster", "description": "2 workers", "fix": "check discovery.uri"}}]}]}});
    let mut s = snapshot(vec![rules]);
    s.queries = vec![query("PrometheusRule trino/trino", "TrinoWorkersNotRegistered", Ok(vec![]), &[])];
    assert!(diagnose(&s).is_empty(), "an alert that does not fire");
    s.queries[0].outcome = Ok(vec![sample(2.0)]);
    let f = diagnose(&s);
    let f = only(&f);
    assert_eq!((f.id.as_str(), f.severity), ("alert.TrinoWorkersNotRegistered", Severity::Error));
    assert_eq!(f.cause, "workers run but are not in the cluster: 2 workers");
    assert_eq!(f.fix, "check discovery.uri");
    assert!(f.evidence.iter().any(|e| e == "value 2 {}"), "{f:#?}");
    s.queries[0].outcome = Err("bad_data: parse error".into());
    assert_eq!(only(&diagnose(&s)).id, "alerts.not-evaluated");
}

fn hpa(conditions: Value, replicas: u64, current: &str) -> Value {
    json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "keda-hpa-trino-worker", "namespace": "trino"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "trino-worker"}, "minReplicas": 1, "maxReplicas": 10,
            "metrics": [{"type": "External", "external": {"metric": {"name": "s0-prometheus"}, "target": {"type": "AverageValue", "averageValue": "4"}}}]},
        "status": {"currentReplicas": replicas, "desiredReplicas": replicas, "conditions": conditions,
            "currentMetrics": [{"type": "External", "external": {"metric": {"name": "s0-prometheus"}, "current": {"averageValue": current}}}]}})
}

#[test]
fn an_autoscaler_without_its_metric_or_at_its_maximum() {
    let active = json!([{"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}]);
    assert!(diagnose(&snapshot(vec![hpa(active.clone(), 4, "3")])).is_empty());
    assert!(diagnose(&snapshot(vec![hpa(active.clone(), 10, "3500m")])).is_empty(), "at max but under target");
    let f = diagnose(&snapshot(vec![hpa(active, 10, "12")]));
    assert_eq!(only(&f).id, "keda.hpa-at-max");
    assert!(only(&f).evidence.iter().any(|e| e.contains("12 against a target of 4")), "{f:#?}");
    let failing = json!([{"type": "ScalingActive", "status": "False", "reason": "FailedGetExternalMetric",
        "message": "the HPA was unable to compute the replica count: unable to get external metric"}]);
    let f = diagnose(&snapshot(vec![hpa(failing, 1, "0")]));
    assert_eq!(only(&f).id, "keda.hpa-metric-unavailable");
    assert!(only(&f).evidence[0].contains("FailedGetExternalMetric"), "{f:#?}");
}

#[test]
fn a_release_running_another_chart_version_than_pinned() {
    let object = |chart: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "keda-operator", "namespace": "keda",
            "labels": {"dataplat.io/release": "keda.keda", "helm.sh/chart": chart}}})
    };
    let mut s = snapshot(vec![object("keda-2.20.2"), object("keda-metrics-1.0.0")]);
    s.charts.insert("keda.keda".into(), "keda-2.20.2".into());
    assert!(diagnose(&s).is_empty(), "the pinned version; a subchart's own label is not compared");
    s.objects[0] = object("keda-2.19.0");
    let f = diagnose(&s);
    assert_eq!(only(&f).id, "drift.chart-version");
    assert!(only(&f).cause.contains("keda 2.19.0, not the 2.20.2"), "{f:#?}");
}

fn cloud(addons: Vec<EksAddon>, associations: Vec<Association>, expected: Vec<ExpectedIdentity>) -> Cloud {
    Cloud { cluster: "doc".into(), error: None, addons, associations, expected }
}

fn exchange(exists: bool) -> BucketReach {
    BucketReach {
        purpose: "exchange".into(),
        bucket: "doc-trino-exchange-x".into(),
        exists,
        needs: vec![
            ("s3:PutObject".into(), "arn:aws:s3:::doc-trino-exchange-x/*".into()),
            ("s3:ListBucket".into(), "arn:aws:s3:::doc-trino-exchange-x".into()),
        ],
    }
}

fn coordinator(policies: Option<Vec<Value>>, bucket: BucketReach) -> ExpectedIdentity {
    ExpectedIdentity {
        namespace: "trino".into(),
        service_account: "trino".into(),
        addon: "trino".into(),
        role_name: "doc-trino-trino".into(),
        policies,
        buckets: vec![bucket],
    }
}

#[test]
fn aws_add_ons_pod_identities_and_the_buckets_they_reach() {
    let full = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::doc-trino-exchange-x/*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::doc-trino-exchange-x"}]});
    let association = |role: &str| Association {
        namespace: "trino".into(),
        service_account: "trino".into(),
        role_arn: format!("arn:aws:iam::123456789012:role/{role}"),
    };
    let active =
        EksAddon { name: "vpc-cni".into(), status: "ACTIVE".into(), version: "v1.19.0".into(), issues: vec![] };
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "trino-coordinator-0", "namespace": "trino"},
        "spec": {"serviceAccountName": "trino"}});
    let mut s = snapshot(vec![pod]);
    s.cloud = Some(cloud(
        vec![active.clone()],
        vec![association("doc-trino-trino")],
        vec![coordinator(Some(vec![full.clone()]), exchange(true))],
    ));
    assert!(diagnose(&s).is_empty(), "{:#?}", diagnose(&s));

    let degraded = EksAddon {
        status: "DEGRADED".into(),
        issues: vec!["InsufficientNumberOfReplicas: 0 of 2 ready".into()],
        ..active
    };
    s.cloud.as_mut().unwrap().addons = vec![degraded];
    let f = diagnose(&s);
    assert_eq!(
        (only(&f).id.as_str(), only(&f).object.as_str()),
        ("drift.eks-addon-degraded", "EKS add-on doc/vpc-cni")
    );
    s.cloud.as_mut().unwrap().addons.clear();

    s.cloud.as_mut().unwrap().associations.clear();
    let f = diagnose(&s);
    assert_eq!(
        (only(&f).id.as_str(), only(&f).object.as_str()),
        ("identity.association-missing", "ServiceAccount trino/trino")
    );
    assert!(
        only(&f).evidence.iter().any(|e| e.contains("trino-coordinator-0")),
        "the pods that lack credentials: {f:#?}"
    );

    s.cloud.as_mut().unwrap().associations = vec![association("someone-else")];
    assert_eq!(only(&diagnose(&s)).id, "identity.association-wrong-role");

    s.cloud.as_mut().unwrap().associations = vec![association("doc-trino-trino")];
    s.cloud.as_mut().unwrap().expected = vec![coordinator(None, exchange(true))];
    assert_eq!(only(&diagnose(&s)).id, "identity.role-missing");

    s.cloud.as_mut().unwrap().expected = vec![coordinator(Some(vec![full.clone()]), exchange(false))];
    let f = diagnose(&s);
    assert_eq!(only(&f).id, "identity.bucket-unreachable");
    assert!(only(&f).evidence.iter().any(|e| e.contains("does not exist")), "{f:#?}");

    let partial = json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::doc-trino-exchange-x/*"}]});
    s.cloud.as_mut().unwrap().expected = vec![coordinator(Some(vec![partial]), exchange(true))];
    let f = diagnose(&s);
    assert_eq!(only(&f).id, "identity.bucket-unreachable");
    assert!(
        only(&f).evidence.iter().any(|e| e.contains("s3:PutObject on arn:aws:s3:::doc-trino-exchange-x/*")),
        "{f:#?}"
    );
    assert!(only(&f).evidence.iter().any(|e| e.contains("s3:ListBucket")), "{f:#?}");

    s.cloud = Some(Cloud { cluster: "doc".into(), error: Some("ExpiredToken".into()), ..Cloud::default() });
    assert_eq!(only(&diagnose(&s)).id, "doctor.cloud-unreadable");
}

#[test]
fn a_log_signature_names_the_catalog_that_failed_to_load() {
    let signature = json!([{"finding": "TrinoCatalogLoadFailed", "severity": "critical",
        "started": "-- Loading catalog (\\S+) --", "finished": "-- Added catalog (\\S+) using connector",
        "summary": "Trino cannot load catalog {name}", "fix": "fix catalog {name}"}])
    .to_string();
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "trino-coordinator", "namespace": "trino", "annotations": {"dataplat.io/doctor-log-signatures": signature}},
        "spec": {"selector": {"matchLabels": {"app.kubernetes.io/component": "coordinator"}}}});
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "trino-coordinator-7d9f", "namespace": "trino", "labels": {"app.kubernetes.io/component": "coordinator"}},
        "status": {"containerStatuses": [{"name": "trino", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 100}}}]}});
    // Trino 477's static catalog store loads catalogs in parallel and stops at the first failure.
    let log = [
        "2026-12-08T10:00:01.100Z\tINFO\tmain\tio.trino.connector.StaticCatalogManager\t-- Loading catalog tpch --",
        "2026-12-08T10:00:01.101Z\tINFO\tmain\tio.trino.connector.StaticCatalogManager\t-- Loading catalog iceberg --",
        "2026-12-08T10:00:01.900Z\tINFO\tmain\tio.trino.connector.StaticCatalogManager\t-- Added catalog tpch using connector tpch --",
        "2026-12-08T10:00:02.300Z\tERROR\tmain\tio.trino.server.Server\tConfiguration is invalid",
        "1) Error: Invalid configuration property hive.metastore.glue.region: must not be null",
        "2026-12-08T10:00:02.301Z\tINFO\tmain\tio.airlift.bootstrap.LifeCycleManager\tLife cycle stopping...",
    ];
    let mut s = snapshot(vec![deployment, pod]);
    s.logs.insert(
        ("trino".into(), "trino-coordinator-7d9f".into(), "trino".into()),
        log.iter().map(|l| l.to_string()).collect(),
    );
    let f = diagnose(&s);
    let found: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(found, vec!["log.TrinoCatalogLoadFailed", "workloads.crash-loop"], "{f:#?}");
    let catalog = &f[0];
    assert_eq!(
        (catalog.severity, catalog.cause.as_str(), catalog.fix.as_str()),
        (Severity::Error, "Trino cannot load catalog iceberg", "fix catalog iceberg")
    );
    assert!(catalog.evidence.iter().any(|e| e.contains("hive.metastore.glue.region")), "{catalog:#?}");
    assert!(!catalog.evidence.iter().any(|e| e.contains("tpch")), "tpch was added: {catalog:#?}");
    // A log where every catalog was added says nothing.
    s.logs.values_mut().for_each(|l| l.push("-- Added catalog iceberg using connector iceberg --".into()));
    assert_eq!(diagnose(&s).iter().filter(|f| f.id.starts_with("log.")).count(), 0);
}

#[test]
fn every_finding_id_is_in_the_catalogue_and_every_entry_is_tested_here() {
    let source = include_str!("tests.rs");
    for entry in CATALOGUE {
        assert!(source.matches(&format!("\"{}\"", entry.id)).count() >= 1, "no scenario for {}", entry.id);
    }
    let mut ids: Vec<&str> = CATALOGUE.iter().map(|c| c.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), CATALOGUE.len(), "ids are unique");
}
