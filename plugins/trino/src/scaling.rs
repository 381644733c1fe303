//! Queue-based worker autoscaling: Trino's metrics and their PromQL, ServiceMonitor `trino`, KEDA
//! ScaledObject `trino-worker` with its HPA policy, and the notes on them.

use crate::config::{Config, KEDA_FLAG, WORKER_ARRIVAL_SECONDS};
use crate::objects::{RELEASE, TLS_SECRET, WORKER, endpoint_namespace, labels, selector};
use dataplat_sdk::serde_json::{Value, json};
use dataplat_sdk::*;

/// The `job` label Prometheus gives the coordinator's samples: the ServiceMonitor sets no
/// `jobLabel`, so prometheus-operator uses the name of the scraped Service, `trino`.
pub const JOB: &str = RELEASE;
/// Trino's OpenMetrics names of the JMX attributes `trino.execution:name=QueryManager`.
pub const QUEUED_METRIC: &str = "trino_execution_name_QueryManager_QueuedQueries";
pub const RUNNING_METRIC: &str = "trino_execution_name_QueryManager_RunningQueries";
/// Trino's OpenMetrics name of `trino.execution:name=ClusterSizeMonitor` attribute
/// `RequiredWorkers`: the most workers any query is waiting for (0 when none waits). A query that
/// arrives while no worker runs waits in WAITING_FOR_RESOURCES, not in the queue, so this is the
/// only metric that sees it.
pub const REQUIRED_METRIC: &str = "trino_execution_name_ClusterSizeMonitor_RequiredWorkers";
/// HPA scale-up: no stabilization, per period the larger of +100 % and +4 pods (Kubernetes'
/// default rate, kept explicit so the simulator and the note see it).
const SCALE_UP_PERIOD: u32 = 15;
const SCALE_UP_PODS: u32 = 4;
/// HPA scale-down: the highest recommendation of the window holds, then at most
/// `SCALE_DOWN_PODS` per `SCALE_DOWN_PERIOD` (each removed worker drains gracefully).
const SCALE_DOWN_WINDOW: u32 = 300;
const SCALE_DOWN_PODS: u32 = 1;
const SCALE_DOWN_PERIOD: u32 = 60;

/// The PromQL of a scaler trigger: the coordinator's gauge, exactly as the ServiceMonitor scrapes it.
pub fn promql(metric: &str, namespace: &str) -> String {
    format!("sum({metric}{{job=\"{JOB}\",namespace=\"{namespace}\"}})")
}

/// The PromQL of the load trigger: queries running plus queries queued, the work the workers
/// have or should have. (Running alone stops growing once the workers are full, so a queue
/// behind full workers only shows in the queued trigger, which tolerates `queued_threshold`
/// per worker before it adds one.)
pub fn load_promql(namespace: &str) -> String {
    format!("{} + {}", promql(RUNNING_METRIC, namespace), promql(QUEUED_METRIC, namespace))
}

/// The URL of the prometheus addon's `prometheus-query` endpoint, if planned. With `keda` (the
/// scaler queries it) a missing endpoint refuses the plan.
pub(crate) fn prometheus_query(facts: &PlatformFacts, keda: bool) -> Result<Option<String>, Vec<Diagnostic>> {
    let prometheus = facts.addon_enabled("prometheus");
    let prometheus_query = facts.endpoint("prometheus", "prometheus-query").map(|e| e.url.clone());
    if keda && prometheus_query.is_none() {
        let message = format!("{KEDA_FLAG} needs the prometheus addon's endpoint prometheus-query for the scaler");
        return Err(vec![Diagnostic::error("", message).hint(if prometheus {
            "prometheus is enabled but did not plan: fix its errors first"
        } else {
            "enable_prometheus: true"
        })]);
    }
    Ok(prometheus_query)
}

/// With `prometheus`: ServiceMonitor `trino` and the dependency on Prometheus. With `keda` (and
/// so a `prometheus_query` endpoint): ScaledObject `trino-worker`, its health check and the
/// dependency on KEDA.
pub(crate) fn with_scaling(
    mut release: Release,
    config: &Config,
    prometheus: bool,
    keda: bool,
    prometheus_query: Option<&str>,
) -> Release {
    let ns = config.namespace.as_str();
    if prometheus {
        release = release.object(&service_monitor(config)).object(&alert_rules(config)).depends_on(PROMETHEUS_RELEASE);
    }
    if let (true, Some(server_address)) = (keda, prometheus_query) {
        release = release
            .object(&scaled_object(config, server_address))
            .health(
                HealthCheck::ready("keda.sh/v1alpha1", "ScaledObject", Some(ns), WORKER)
                    .condition("{.status.conditions[?(@.type=='Ready')].status}", "True")
                    .timeout(300),
            )
            .depends_on("keda/keda");
    }
    release
}

/// ServiceMonitor `trino`: Prometheus scrapes the coordinator's `/metrics` through Service `trino`.
fn service_monitor(config: &Config) -> Value {
    let ns = config.namespace.as_str();
    // /metrics needs an identified user with read access to system information. Over HTTP the
    // default (insecure) authenticator takes the user from Basic auth without a password; over
    // HTTPS the password authenticator checks admin's password from Secret trino-users.
    let mut basic_auth = json!({"username": {"name": "trino-users", "key": "username"}});
    let mut endpoint = json!({"port": "http", "path": "/metrics", "scheme": "http", "interval": "15s"});
    if config.https {
        basic_auth["password"] = json!({"name": "trino-users", "key": "password"});
        endpoint["port"] = json!("https");
        endpoint["scheme"] = json!("https");
        endpoint["tlsConfig"] = json!({
            "ca": {"secret": {"name": TLS_SECRET, "key": "ca.crt"}},
            "serverName": format!("{RELEASE}.{ns}.svc"),
        });
    }
    endpoint["basicAuth"] = basic_auth;
    json!({
        "apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
        "metadata": {"name": RELEASE, "namespace": ns, "labels": labels(Some("coordinator"))},
        "spec": {
            "selector": {"matchLabels": selector(Some("coordinator"))},
            "namespaceSelector": {"matchNames": [ns]},
            "endpoints": [endpoint],
        },
    })
}

/// Trino's OpenMetrics name of the coordinator's node manager attribute `ActiveNodeCount` (the
/// coordinator itself included). Its JMX domain and class moved between releases
/// (`trino.metadata:name=DiscoveryNodeManager`, `trino.node:name=CoordinatorNodeManager`), so the
/// rules match either.
pub const ACTIVE_NODES_SELECTOR: &str =
    r#"__name__=~"trino_(metadata|node)_name_(Discovery|Coordinator)NodeManager_ActiveNodeCount""#;
/// The label doctor evaluates a PrometheusRule's alerts by.
const DOCTOR_LABEL: &str = "dataplat.io/doctor";

/// The PromQL of the alert rules, by alert name.
pub fn alert_exprs(config: &Config) -> Vec<(&'static str, String)> {
    let ns = config.namespace.as_str();
    let wait = config.autoscaling.first_query_max_wait_seconds;
    let sel = |metric: &str| format!("{metric}{{job=\"{JOB}\",namespace=\"{ns}\"}}");
    vec![
        ("TrinoNotScraped", format!("absent(up{{job=\"{JOB}\",namespace=\"{ns}\"}} == 1)")),
        (
            "TrinoWorkersNotRegistered",
            format!(
                "min_over_time((sum(kube_deployment_status_replicas_ready{{namespace=\"{ns}\",deployment=\"{WORKER}\"}}) - \
                 (max({{{ACTIVE_NODES_SELECTOR},job=\"{JOB}\",namespace=\"{ns}\"}}) - 1))[5m:30s]) > 0"
            ),
        ),
        ("TrinoQueriesQueued", format!("min_over_time(sum({})[{wait}s:15s]) > 0", sel(QUEUED_METRIC))),
        ("TrinoQueriesWaitingForWorkers", format!("min_over_time(sum({})[{wait}s:15s]) > 0", sel(REQUIRED_METRIC))),
    ]
}

/// PrometheusRule `trino`: alerts on what keeps queries from running, which Prometheus evaluates
/// and `kubectl dataplat doctor` evaluates too (label `dataplat.io/doctor`).
fn alert_rules(config: &Config) -> Value {
    let ns = config.namespace.as_str();
    let a = &config.autoscaling;
    let wait = a.first_query_max_wait_seconds;
    let text = |alert: &str| -> (&str, String, String, String) {
        match alert {
            "TrinoNotScraped" => (
                "critical",
                "Prometheus does not scrape Trino's coordinator".into(),
                format!(
                    "no up==1 series with job={JOB} and namespace={ns}: the worker autoscaler and these alerts have \
                     no data"
                ),
                format!(
                    "check ServiceMonitor {ns}/{RELEASE} (kubectl -n {ns} get servicemonitor {RELEASE}), the \
                     coordinator's Service endpoints, and Prometheus' Targets page for the scrape error (a wrong \
                     password in Secret trino-users gives 401)"
                ),
            ),
            "TrinoWorkersNotRegistered" => (
                "critical",
                "Trino workers run but have not joined the cluster".into(),
                format!(
                    "for 5 minutes more Deployment {WORKER} pods were Ready than the coordinator counts as active \
                     workers: queries do not use them"
                ),
                format!(
                    "read a worker's log (kubectl -n {ns} logs deploy/{WORKER}): discovery.uri must reach the \
                     coordinator, internal-communication.shared-secret and the Trino version must match the \
                     coordinator's"
                ),
            ),
            "TrinoQueriesQueued" => (
                "warning",
                "Trino queries have been queued for longer than the first query may wait".into(),
                format!(
                    "the queue has not been empty for {wait} s (autoscaling.first_query_max_wait_seconds): the workers \
                     do not keep up"
                ),
                format!(
                    "check that the workers scale (kubectl -n {ns} get scaledobject,hpa): at {} workers raise \
                     trino.autoscaling.max_workers, and see whether the trino-worker NodePool is at its limit \
                     (kubectl dataplat doctor reports it)",
                    a.max_workers
                ),
            ),
            _ => (
                "critical",
                "Trino queries wait for workers that do not come".into(),
                format!(
                    "a query has waited for workers for {wait} s: at query-manager.required-workers-max-wait it fails \
                     with INSUFFICIENT_RESOURCES"
                ),
                format!(
                    "check that KEDA scales {WORKER} from zero (kubectl -n {ns} get scaledobject {WORKER}) and that \
                     Karpenter launches trino-worker nodes (kubectl get nodeclaims); doctor's pods.* and karpenter.* \
                     findings name the cause"
                ),
            ),
        }
    };
    let rules: Vec<Value> = alert_exprs(config)
        .into_iter()
        .map(|(alert, expr)| {
            let (severity, summary, description, fix) = text(alert);
            json!({
                "alert": alert,
                "expr": expr,
                "for": if alert == "TrinoNotScraped" { "5m" } else { "1m" },
                "labels": {"severity": severity},
                "annotations": {"summary": summary, "description": description, "fix": fix},
            })
        })
        .collect();
    let mut labels = labels(Some("coordinator"));
    labels.insert(DOCTOR_LABEL.into(), "true".into());
    json!({
        "apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
        "metadata": {"name": RELEASE, "namespace": ns, "labels": labels},
        "spec": {"groups": [{"name": "trino", "rules": rules}]},
    })
}

/// ScaledObject `trino-worker`: KEDA scales the worker Deployment on queued and running queries.
fn scaled_object(config: &Config, server_address: &str) -> Value {
    let ns = config.namespace.as_str();
    let a = &config.autoscaling;
    let trigger = |name: &str, query: String, threshold: u32| {
        json!({
            "type": "prometheus",
            "name": name,
            "metricType": "AverageValue",
            "metadata": {
                "serverAddress": server_address,
                "query": query,
                "threshold": threshold.to_string(),
                "ignoreNullValues": "false",
            },
        })
    };
    let mut object = json!({
        "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
        "metadata": {"name": WORKER, "namespace": ns, "labels": labels(Some("worker"))},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": WORKER},
            "minReplicaCount": a.min_workers.max(1),
            "maxReplicaCount": a.max_workers,
            "pollingInterval": a.polling_seconds,
            "cooldownPeriod": a.cooldown_seconds,
            "fallback": {"failureThreshold": 3, "replicas": a.min_workers.max(1)},
            "advanced": {
                "horizontalPodAutoscalerConfig": {
                    "behavior": {
                        "scaleUp": {
                            "stabilizationWindowSeconds": 0,
                            "selectPolicy": "Max",
                            "policies": [
                                {"type": "Percent", "value": 100, "periodSeconds": SCALE_UP_PERIOD},
                                {"type": "Pods", "value": SCALE_UP_PODS, "periodSeconds": SCALE_UP_PERIOD},
                            ],
                        },
                        "scaleDown": {
                            "stabilizationWindowSeconds": SCALE_DOWN_WINDOW,
                            "selectPolicy": "Min",
                            "policies": [{"type": "Pods", "value": SCALE_DOWN_PODS, "periodSeconds": SCALE_DOWN_PERIOD}],
                        },
                    },
                },
            },
            "triggers": [
                trigger("queued-queries", promql(QUEUED_METRIC, ns), a.queued_threshold),
                trigger("load", load_promql(ns), a.running_threshold),
                // One worker per worker a waiting query needs: activates from zero, and sizes
                // the pool at once for a query that asks for more workers than are running.
                trigger("required-workers", promql(REQUIRED_METRIC, ns), 1),
            ],
        },
    });
    if a.min_workers == 0 {
        // KEDA's scale to zero: idle at 0, and on any active trigger straight to minReplicaCount 1.
        object["spec"]["idleReplicaCount"] = json!(0);
    }
    object
}

/// The notes on monitoring and scaling, in order: `metrics` (with `prometheus`), then with `keda`
/// `autoscaling` and, when the workers may scale to zero, `scale-to-zero`.
pub(crate) fn notes(
    mut plan: AddonPlan,
    config: &Config,
    prometheus: bool,
    keda: bool,
    prometheus_query: Option<&str>,
) -> AddonPlan {
    if prometheus {
        plan = plan.note("metrics", metrics_note(config, prometheus_query));
    }
    if let (true, Some(server_address)) = (keda, prometheus_query) {
        plan = plan.note("autoscaling", autoscaling_note(config, server_address));
        if config.autoscaling.min_workers == 0 {
            plan = plan.note("scale-to-zero", scale_to_zero_note(config));
        }
    }
    plan
}

/// Note `metrics`: what Prometheus scrapes and how the samples are labelled.
fn metrics_note(config: &Config, prometheus_query: Option<&str>) -> String {
    let ns = config.namespace.as_str();
    format!(
        "Trino's own OpenMetrics endpoint, no exporter sidecar: ServiceMonitor {RELEASE} (namespace {ns}) \
         scrapes GET /metrics on port {} of Service {RELEASE} (the coordinator) every 15 s; Trino serves \
         its JMX MBeans there as trino_... gauges, among them {QUEUED_METRIC} and {RUNNING_METRIC} \
         (MBean trino.execution:name=QueryManager) and {REQUIRED_METRIC} (MBean \
         trino.execution:name=ClusterSizeMonitor). The endpoint needs an identified user: the \
         ServiceMonitor sends Basic auth with user admin from Secret trino-users{}. Samples carry \
         job=\"{JOB}\" (prometheus-operator names the job after the Service when the ServiceMonitor \
         sets no jobLabel) and namespace=\"{ns}\"; the NetworkPolicy admits the Prometheus namespace{}",
        if config.https { "https" } else { "http" },
        if config.https {
            " and its password (the password authenticator checks it over HTTPS)"
        } else {
            " and no password (Trino's default insecure authenticator takes the user from it and \
             refuses a password)"
        },
        prometheus_query.and_then(endpoint_namespace).map(|m| format!(" {m}")).unwrap_or_default()
    )
}

/// Note `autoscaling`: the ScaledObject's triggers and the HPA's pace.
fn autoscaling_note(config: &Config, server_address: &str) -> String {
    let ns = config.namespace.as_str();
    let a = &config.autoscaling;
    format!(
        "KEDA ScaledObject {WORKER} scales Deployment {WORKER} (which carries no replicas: the HPA owns \
         them; `workers` is ignored) between {} and {} pods, querying {server_address} every {} s. \
         Triggers (AverageValue, so desired workers = ceil(value / threshold)): `{}` over {} queued \
         queries per worker, `{}` over {} running or queued queries per worker, and `{}` at 1 per worker (the \
         workers a waiting query needs, so a query asking for more workers than run gets them at once). \
         Up fast (the larger of +100 % and +{SCALE_UP_PODS} pods per {SCALE_UP_PERIOD} s, no \
         stabilization), down slow ({SCALE_DOWN_PODS} pod per {SCALE_DOWN_PERIOD} s once the highest \
         recommendation of the last {SCALE_DOWN_WINDOW} s allows it); each removed worker drains \
         through the preStop graceful shutdown. ignoreNullValues \"false\": a missing series is an \
         error, not 0, so after 3 failed queries the fallback holds {} worker(s) instead of silently \
         scaling in. The coordinator sets query-manager.required-workers=1 and \
         query-manager.required-workers-max-wait={}s: a query that finds no worker waits for one \
         instead of failing. The reference's scaler never scaled because it queried a Prometheus URL \
         that does not exist (ours comes from the prometheus addon's prometheus-query endpoint), \
         targeted the wrong kind (ours is apps/v1 Deployment {WORKER}, the object the plugin renders) \
         and filtered on a job label no target had (ours is job=\"{JOB}\", the name of the Service \
         ServiceMonitor {RELEASE} scrapes, checked by the plugin's tests)",
        a.min_workers,
        a.max_workers,
        a.polling_seconds,
        promql(QUEUED_METRIC, ns),
        a.queued_threshold,
        load_promql(ns),
        a.running_threshold,
        promql(REQUIRED_METRIC, ns),
        a.min_workers.max(1),
        a.first_query_max_wait_seconds,
    )
}

/// Note `scale-to-zero`: what the first query of an idle period waits for.
fn scale_to_zero_note(config: &Config) -> String {
    let a = &config.autoscaling;
    format!(
        "min_workers 0: idleReplicaCount 0, minReplicaCount 1. After {} s without queued, running or \
         waiting queries KEDA scales the workers to zero and Karpenter removes their nodes. A query \
         arriving then finds no worker: it waits in WAITING_FOR_RESOURCES (not in the queue, so \
         QueuedQueries stays 0), RequiredWorkers turns 1, KEDA sees it at its next poll (up to {} s) \
         and scales to 1; expect the first query of an idle period to start after about {}-{} s \
         (poll, node launch 60-90 s, Trino start), within its {} s wait",
        a.cooldown_seconds,
        a.polling_seconds,
        WORKER_ARRIVAL_SECONDS - 30,
        a.polling_seconds + WORKER_ARRIVAL_SECONDS,
        a.first_query_max_wait_seconds
    )
}
