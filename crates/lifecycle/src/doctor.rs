//! `doctor`: reads the live platform once (each kind listed once, cluster-wide; the last log
//! lines of crash-looping containers), and explains what is wrong with `dataplat-doctor`'s
//! checks. Read-only: it sends LIST and GET requests and nothing else.

use std::time::Instant;

use dataplat_core::Plan;
use dataplat_doctor::{Finding, Snapshot};
use dataplat_kube::cluster::{Cluster, ConnectOptions};
use serde::Serialize;
use serde_json::Value;

use crate::access::runtime;
use crate::error::{Error, Result};

mod aws;
mod prometheus;

pub use prometheus::DOCTOR_LABEL;

/// The kinds doctor reads, each in one LIST: a kind the cluster does not serve (an addon that is
/// off) is skipped.
pub const KINDS: &[(&str, &str)] = &[
    ("v1", "Pod"),
    ("v1", "Node"),
    ("v1", "Service"),
    ("v1", "Endpoints"),
    ("v1", "PersistentVolumeClaim"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
    ("karpenter.sh/v1", "NodeClaim"),
    ("karpenter.sh/v1", "NodePool"),
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("cert-manager.io/v1", "Certificate"),
    ("batch/v1", "Job"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
];

/// HorizontalPodAutoscalers: `autoscaling/v2` (Kubernetes 1.23 on), else `v2beta2`.
const HPA_VERSIONS: &[&str] = &["autoscaling/v2", "autoscaling/v2beta2"];

/// At most this many crash-looping containers have their log read.
const LOGS: usize = 10;
/// Log lines read per container.
const LOG_LINES: i64 = 200;

/// How to run `doctor`.
#[derive(Debug, Clone)]
pub struct DoctorSettings {
    /// An explicit cluster (`--kubeconfig`/`--context`); else the platform's own context.
    pub cluster: ConnectOptions,
    /// Only what concerns this addon: its namespaces and its NodePools.
    pub addon: Option<String>,
    /// How long a Pending pod, a NotReady node, an address-less load balancer or an unready
    /// certificate may be so before it is a finding.
    pub grace_seconds: i64,
    /// No AWS calls: the cloud checks are skipped.
    pub cluster_only: bool,
}

/// What `doctor` found (`-o json`).
#[derive(Debug, Serialize)]
pub struct DoctorOutput {
    /// The context or kubeconfig read.
    pub cluster: String,
    /// Findings, errors first.
    pub findings: Vec<Finding>,
    /// Objects read.
    pub objects: usize,
    /// Kinds the cluster does not serve (skipped).
    pub kinds_absent: Vec<String>,
    pub seconds: f64,
}

impl DoctorOutput {
    /// Whether nothing is wrong.
    pub fn healthy(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Reads the cluster and diagnoses it.
pub fn doctor(plan: &Plan, settings: &DoctorSettings) -> Result<DoctorOutput> {
    if let Some(addon) = &settings.addon
        && !plan.addons.iter().any(|a| &a.name == addon)
    {
        let names: Vec<&str> = plan.addons.iter().map(|a| a.name.as_str()).collect();
        return Err(Error::usage(
            format!("addon `{addon}` is not enabled in this platform"),
            Some(format!("one of: {}", names.join(", "))),
        ));
    }
    runtime()?.block_on(async {
        let started = Instant::now();
        let named = settings.cluster.kubeconfig.is_some() || settings.cluster.context.is_some();
        let (cluster, name) = if named {
            let cluster = crate::cluster::connect(&settings.cluster).await?;
            let name = settings
                .cluster
                .context
                .clone()
                .or_else(|| settings.cluster.kubeconfig.as_ref().map(|k| k.display().to_string()))
                .unwrap_or_default();
            (cluster, name)
        } else {
            let context = dataplat_aws::kubeconfig::default_context_name(&plan.platform.name, &plan.platform.region);
            let cluster = crate::cluster::connect_context(
                &ConnectOptions { kubeconfig: None, context: Some(context.clone()) },
                "or name the cluster with --kubeconfig/--context",
            )
            .await?;
            (cluster, context)
        };
        let (mut snapshot, kinds_absent) = gather(&cluster, settings.grace_seconds).await?;
        snapshot.expects_pod_identity = plan.addons.iter().any(|a| !a.pod_identities.is_empty());
        // The releases' objects: checked by the readiness rules, and by doctor's own checks
        // (edits by hand) when the kinds above do not have them already.
        let releases = release_objects(&cluster, plan).await?;
        for planned in &releases.objects {
            let value = &planned.value;
            let same = |o: &&Value| {
                o["kind"] == value["kind"]
                    && o["metadata"]["namespace"] == value["metadata"]["namespace"]
                    && o["metadata"]["name"] == value["metadata"]["name"]
            };
            if !snapshot.objects.iter().any(|o| same(&o)) {
                snapshot.objects.push(value.clone());
            }
        }
        snapshot.charts = charts(plan);
        let prometheus = plan
            .addons
            .iter()
            .flat_map(|a| &a.endpoints)
            .find(|e| e.addon == "prometheus" && e.name == "prometheus-query")
            .map(|e| e.url.clone());
        let probes = prometheus::run(&cluster, &snapshot.objects, prometheus.as_deref());
        let cloud = async {
            if settings.cluster_only {
                return None;
            }
            let clients = crate::access::clients(&plan.platform.region, crate::access::polling(1).ok()?).await;
            Some(aws::read(&clients, plan).await)
        };
        let (queries, cloud) = futures::join!(probes, cloud);
        snapshot.queries = queries;
        snapshot.cloud = cloud;
        let objects = snapshot.objects.len();
        let mut findings = dataplat_doctor::diagnose(&snapshot);
        if !releases.objects.is_empty() {
            findings.extend(readiness_findings(&releases));
        }
        findings.sort_by(|a, b| (a.severity, &a.id, &a.object).cmp(&(b.severity, &b.id, &b.object)));
        if let Some(addon) = &settings.addon {
            findings.retain(|f| concerns(plan, addon, f));
        }
        Ok(DoctorOutput { cluster: name, findings, objects, kinds_absent, seconds: started.elapsed().as_secs_f64() })
    })
}

/// The live objects of the platform's releases (what each release's inventory lists, each kind
/// read in one LIST), as the readiness analysis' inventory with what the plan says of the cloud
/// (node sources, pod identities, buckets). Empty when no release of the platform is applied.
async fn release_objects(cluster: &Cluster, plan: &Plan) -> Result<dataplat_readiness::Inventory> {
    let read_error = |e: dataplat_kube::KubeError| Error::failed(format!("cannot read the cluster: {e}"), None);
    let inventories = dataplat_kube::inventory::list(cluster, &plan.platform.name).await.map_err(read_error)?;
    let mut analysis = dataplat_core::readiness::inventory(plan, &[], &[]);
    analysis.objects.clear();
    if inventories.is_empty() {
        return Ok(analysis);
    }
    let mut kinds: std::collections::BTreeSet<(String, String)> = std::collections::BTreeSet::new();
    for inventory in &inventories {
        for entry in &inventory.objects {
            kinds.insert((entry.object.api_version.clone(), entry.object.kind.clone()));
        }
    }
    let mut live: std::collections::BTreeMap<(String, Option<String>, String), Value> = Default::default();
    for (api_version, kind) in &kinds {
        for object in
            dataplat_kube::read::list_kind(cluster, api_version, kind).await.map_err(read_error)?.unwrap_or_default()
        {
            let ns = object["metadata"]["namespace"].as_str().map(str::to_string);
            let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
            live.insert((kind.clone(), ns, name), object);
        }
    }
    for inventory in &inventories {
        let namespace = plan
            .addons
            .iter()
            .flat_map(|a| &a.releases)
            .find(|r| r.id == inventory.release)
            .map(|r| r.namespace.clone())
            .unwrap_or_default();
        for entry in &inventory.objects {
            let key = (entry.object.kind.clone(), entry.object.namespace.clone(), entry.object.name.clone());
            if let Some(value) = live.get(&key) {
                analysis.objects.push(dataplat_readiness::PlannedObject {
                    release: inventory.release.clone(),
                    release_namespace: namespace.clone(),
                    value: value.clone(),
                    hook: false,
                });
            }
        }
    }
    Ok(analysis)
}

/// The chart each release pins, by the release label's value: `name-version`, as a chart's
/// `helm.sh/chart` label writes it.
fn charts(plan: &Plan) -> std::collections::BTreeMap<String, String> {
    plan.addons
        .iter()
        .flat_map(|a| &a.releases)
        .filter_map(|r| {
            let chart = r.chart.as_ref()?;
            Some((dataplat_kube::inventory::label_value(&r.id), format!("{}-{}", chart.chart, chart.version)))
        })
        .collect()
}

/// The readiness analysis `plan` runs before `up`, run on the live objects of the releases: an
/// object changed since the apply, or a release applied with an older plan, shows what would
/// keep it from becoming ready. Reported as `readiness.<rule>`.
fn readiness_findings(releases: &dataplat_readiness::Inventory) -> Vec<Finding> {
    dataplat_readiness::analyze(releases)
        .findings
        .into_iter()
        .filter(|f| f.waived.is_none())
        .map(|f| Finding {
            id: format!("readiness.{}", f.rule),
            severity: match f.severity {
                dataplat_readiness::Severity::Error => dataplat_doctor::Severity::Error,
                dataplat_readiness::Severity::Warning => dataplat_doctor::Severity::Warning,
            },
            object: f.object,
            evidence: vec![format!("release {}", f.release)],
            cause: f.message,
            fix: f.hint,
        })
        .collect()
}

/// The live snapshot: each kind of [`KINDS`] in one LIST, the Warning events, the last log lines
/// of crash-looping containers.
pub async fn gather(cluster: &Cluster, grace_seconds: i64) -> Result<(Snapshot, Vec<String>)> {
    let mut lists = Vec::new();
    for (api_version, kind) in KINDS {
        lists.push(dataplat_kube::read::list_kind(cluster, api_version, kind));
    }
    let mut objects = Vec::new();
    let mut absent = Vec::new();
    for ((api_version, kind), listed) in KINDS.iter().zip(futures::future::join_all(lists).await) {
        match listed.map_err(|e| Error::failed(format!("cannot read the cluster: {e}"), None))? {
            Some(items) => objects.extend(items),
            None => absent.push(format!("{api_version} {kind}")),
        }
    }
    for api_version in HPA_VERSIONS {
        let listed = dataplat_kube::read::list_kind(cluster, api_version, "HorizontalPodAutoscaler")
            .await
            .map_err(|e| Error::failed(format!("cannot read the cluster: {e}"), None))?;
        if let Some(items) = listed {
            objects.extend(items);
            break;
        }
    }
    let events = dataplat_kube::read::list_kind(cluster, "v1", "Event")
        .await
        .map_err(|e| Error::failed(format!("cannot read the cluster: {e}"), None))?
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["type"] == "Warning")
        .collect();
    let mut logs = std::collections::BTreeMap::new();
    for (ns, pod, container, previous) in failing_containers(&objects).into_iter().take(LOGS) {
        // A log that cannot be read (the node gone) is left out, not an error.
        if let Ok(lines) = dataplat_kube::read::container_log(cluster, &ns, &pod, &container, previous, LOG_LINES).await
        {
            logs.insert((ns, pod, container), lines);
        }
    }
    let now = jiff::Timestamp::now().to_string();
    Ok((Snapshot { objects, events, logs, now, grace_seconds, ..Snapshot::default() }, absent))
}

/// `(namespace, pod, container, previous run)` of every container in CrashLoopBackOff (its
/// previous run's log), and of the pods of failed Jobs (their last run's).
fn failing_containers(objects: &[Value]) -> Vec<(String, String, String, bool)> {
    let failed_jobs: Vec<(&str, &str)> = objects
        .iter()
        .filter(|o| o["kind"] == "Job")
        .filter(|j| {
            j["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Failed" && c["status"] == "True")
        })
        .map(|j| {
            (
                j["metadata"]["namespace"].as_str().unwrap_or_default(),
                j["metadata"]["name"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let mut out = Vec::new();
    for pod in objects.iter().filter(|o| o["kind"] == "Pod") {
        let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = pod["metadata"]["name"].as_str().unwrap_or_default();
        let job = pod["metadata"]["labels"]["job-name"].as_str();
        for status in pod["status"]["containerStatuses"].as_array().into_iter().flatten() {
            let container = status["name"].as_str().unwrap_or_default().to_string();
            if status["state"]["waiting"]["reason"] == "CrashLoopBackOff" {
                out.push((ns.to_string(), name.to_string(), container, true));
            } else if job.is_some_and(|j| failed_jobs.contains(&(ns, j))) {
                out.push((ns.to_string(), name.to_string(), container, false));
            }
        }
    }
    out
}

/// Whether a finding concerns `addon`: an object in one of its releases' namespaces (or one its
/// objects declare), or one of its NodePools.
fn concerns(plan: &Plan, addon: &str, finding: &Finding) -> bool {
    let Some(entry) = plan.addons.iter().find(|a| a.name == addon) else { return false };
    let mut namespaces: Vec<String> = entry.releases.iter().map(|r| r.namespace.clone()).collect();
    for release in &entry.releases {
        for object in &release.objects {
            if object["kind"] == "Namespace"
                && let Some(name) = object["metadata"]["name"].as_str()
            {
                namespaces.push(name.to_string());
            }
        }
    }
    let Some((kind, rest)) = finding.object.split_once(' ') else { return false };
    match rest.split_once('/') {
        Some((ns, _)) => namespaces.iter().any(|n| n == ns),
        None => kind == "NodePool" && entry.node_pools.iter().any(|p| p.name == rest),
    }
}
