//! Applying one release: server-side apply in DESIGN.md section 7's order, CRDs waited on until
//! Established, conflicts found by a dry run before anything is written, an inventory written
//! ahead of any change, prune of what is no longer rendered, then health.
//!
//! A converged release costs reads only: each object is read back, and an object whose
//! resourceVersion is still the one our last apply left (and whose rendered form did not change)
//! needs nothing else; any other existing object is compared with a server-side dry run of the
//! apply, and only a real difference is sent.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use serde::Serialize;
use serde_json::Value as Json;
use sha2::Digest;

use crate::cluster::{Cluster, RequestCounts, Resolved};
use crate::health::{Check, Health, check_condition, has_readiness, kind_health};
use crate::inventory::{self, Entry, Inventory};
use crate::manifest::{Object, ObjectRef, apply_rank, is_custom};
use crate::{COPY_KEYS_ANNOTATION, COPY_OF_ANNOTATION};
use crate::{FIELD_MANAGER, KubeError, RELEASE_LABEL};

/// A release to apply: its objects (objects of a chart and objects the plugin declared), the
/// checks it must pass, and the releases it needs first.
#[derive(Debug, Clone, Default)]
pub struct Release {
    /// `addon/release`.
    pub id: String,
    /// The platform it belongs to (its inventory carries it, so one platform never prunes
    /// another's releases on a shared cluster).
    pub platform: String,
    /// The namespace of namespaced objects that name none.
    pub namespace: String,
    pub objects: Vec<Object>,
    pub checks: Vec<Check>,
    pub depends_on: Vec<String>,
}

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Take over fields other managers own.
    pub force_conflicts: bool,
    /// Wait for health after applying.
    pub wait: bool,
    /// How long a release may take to become healthy (declared checks bring their own).
    pub timeout: Duration,
    /// Time between health polls.
    pub poll: Duration,
    /// Workloads `(namespace, kind, name)` an autoscaler elsewhere in the plan targets: their
    /// `spec.replicas` is never sent. Workloads an HPA on the cluster targets are found live.
    pub autoscaled: BTreeSet<(String, String, String)>,
    /// Objects in flight at once within a release.
    pub concurrency: usize,
    /// Delete kept objects (PersistentVolumeClaims, `dataplat.io/keep`) too.
    pub purge: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            force_conflicts: false,
            wait: true,
            timeout: Duration::from_secs(600),
            poll: Duration::from_secs(2),
            autoscaled: BTreeSet::new(),
            concurrency: 8,
            purge: false,
        }
    }
}

/// What happens (or happened) to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Delete,
    /// No longer rendered (or its release removed) but kept: a PVC or an object marked to keep.
    Keep,
    /// Deleted and created again: the change touches an immutable field of an object marked
    /// [`Object::replace_immutable`](crate::manifest::Object::replace_immutable) (a Helm hook Job).
    Replace,
}

impl Action {
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Delete => "delete",
            Action::Keep => "keep",
            Action::Replace => "replace",
        }
    }
}

/// One object's change, with a readable field diff for updates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub object: ObjectRef,
    pub action: Action,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<String>,
}

/// What applying (or planning) a release did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReleaseReport {
    pub release: String,
    pub changes: Vec<Change>,
    /// Requests this release sent.
    pub requests: RequestCounts,
    pub seconds: f64,
}

impl ReleaseReport {
    /// Number of changes with `action`.
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// `create 3, update 1, unchanged 12, delete 0, keep 0` (and `replace N` when there are).
    pub fn summary(&self) -> String {
        [Action::Create, Action::Update, Action::Replace, Action::Unchanged, Action::Delete, Action::Keep]
            .iter()
            .filter(|a| **a != Action::Replace || self.count(Action::Replace) > 0)
            .map(|a| format!("{} {}", a.as_str(), self.count(*a)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Progress, for the CLI.
#[derive(Debug, Clone)]
pub enum Event {
    Started { release: String },
    Changed { release: String, change: Change },
    Waiting { release: String, object: ObjectRef, state: String },
    Finished { release: String, report: ReleaseReport },
    Failed { release: String, error: String },
}

/// Where progress goes.
pub type Events = Arc<dyn Fn(Event) + Send + Sync>;

/// Progress nowhere.
pub fn no_events() -> Events {
    Arc::new(|_| {})
}

/// An object ready to send.
#[derive(Debug, Clone)]
struct Prepared {
    key: ObjectRef,
    body: Json,
    rank: u8,
    /// `None` while its CRD (in this release) is not installed yet.
    resolved: Option<Resolved>,
    create_only: bool,
    replace_immutable: bool,
    /// An autoscaler owns its replica count (`spec.replicas` left out of `body`).
    autoscaled: bool,
}

/// What [`diff`] found about one prepared object.
#[derive(Debug, Clone)]
struct Observed {
    change: Change,
    /// uid and resourceVersion of the live object.
    live: Option<(String, String)>,
    /// The body to send instead of the prepared one (an autoscaled workload whose replica count
    /// we still own: sent with the live count, see [`keep_live_replicas`]).
    body: Option<Json>,
}

/// Applies `release`; see the module doc.
pub async fn apply_release(
    cluster: &Cluster,
    release: &Release,
    options: &ApplyOptions,
    events: &Events,
) -> Result<ReleaseReport, KubeError> {
    let started = Instant::now();
    let before = cluster.requests();
    events(Event::Started { release: release.id.clone() });
    let prepared = prepare(cluster, release, options, false).await?;
    let hash = hash_of(&prepared);
    let old = inventory::read(cluster, &release.id).await?;
    let trusted = old.as_ref().filter(|o| !o.pending && o.hash == hash);
    let (observed, removed) = diff(cluster, &release.id, &prepared, old.as_ref(), trusted, options).await?;
    let in_inventory = |key: &ObjectRef| old.as_ref().is_some_and(|o| o.objects.iter().any(|e| &e.object == key));
    let converged = trusted.is_some()
        && removed.is_empty()
        && observed.iter().all(|o| o.change.action == Action::Unchanged && in_inventory(&o.change.object));
    let mut report = ReleaseReport { release: release.id.clone(), ..Default::default() };
    if converged {
        for o in &observed {
            events(Event::Changed { release: release.id.clone(), change: o.change.clone() });
            report.changes.push(o.change.clone());
        }
    } else {
        // Write-ahead: everything this run may create, plus everything the last one had.
        let mut ahead: Vec<Entry> = old.as_ref().map(|o| o.objects.clone()).unwrap_or_default();
        for p in &prepared {
            if !ahead.iter().any(|e| e.object == p.key) {
                ahead.push(Entry { object: p.key.clone(), uid: None, resource_version: None });
            }
        }
        let pending = Inventory {
            release: release.id.clone(),
            platform: release.platform.clone(),
            hash: hash.clone(),
            pending: true,
            objects: ahead,
        };
        inventory::write(cluster, &pending).await?;
        let live = send(cluster, release, prepared.clone(), observed, options, events, &mut report).await?;
        let pruned = prune(cluster, &release.id, removed, options, events).await?;
        report.changes.extend(pruned);
        let objects = prepared
            .iter()
            .map(|p| {
                let (uid, rv) = live.get(&p.key).cloned().unzip();
                Entry { object: p.key.clone(), uid, resource_version: rv }
            })
            .collect();
        let done = Inventory {
            release: release.id.clone(),
            platform: release.platform.clone(),
            hash,
            pending: false,
            objects,
        };
        inventory::write(cluster, &done).await?;
    }
    if options.wait {
        wait_healthy(cluster, release, &prepared, options, events).await?;
    }
    report.requests = delta(before, cluster.requests());
    report.seconds = started.elapsed().as_secs_f64();
    events(Event::Finished { release: release.id.clone(), report: report.clone() });
    Ok(report)
}

/// What applying `release` would change, without changing anything (reads and server-side dry
/// runs only). Kinds the cluster does not serve yet (their CRD comes with an earlier release)
/// are planned as creates.
pub async fn plan_release(
    cluster: &Cluster,
    release: &Release,
    options: &ApplyOptions,
) -> Result<ReleaseReport, KubeError> {
    let started = Instant::now();
    let before = cluster.requests();
    let prepared = prepare(cluster, release, options, true).await?;
    let hash = hash_of(&prepared);
    let old = inventory::read(cluster, &release.id).await?;
    let trusted = old.as_ref().filter(|o| !o.pending && o.hash == hash);
    let (observed, removed) = diff(cluster, &release.id, &prepared, old.as_ref(), trusted, options).await?;
    let mut changes: Vec<Change> = observed.into_iter().map(|o| o.change).collect();
    changes.extend(removed.into_iter().map(|(entry, kept)| Change {
        object: entry.object,
        action: if kept && !options.purge { Action::Keep } else { Action::Delete },
        diff: Vec::new(),
    }));
    Ok(ReleaseReport {
        release: release.id.clone(),
        changes,
        requests: delta(before, cluster.requests()),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What [`delete_release`] would do to `release`, without changing anything: each object of its
/// inventory as Delete or Keep by the same rule (PersistentVolumeClaims, objects annotated
/// `helm.sh/resource-policy: keep` or `dataplat.io/keep`, and namespaces that still hold kept
/// claims are kept unless `options.purge`).
pub async fn plan_delete_release(
    cluster: &Cluster,
    release: &str,
    options: &ApplyOptions,
) -> Result<ReleaseReport, KubeError> {
    let started = Instant::now();
    let before = cluster.requests();
    let mut report = ReleaseReport { release: release.to_string(), ..Default::default() };
    if let Some(old) = inventory::read(cluster, release).await? {
        for entry in old.objects {
            let mut keep = is_kept_live(cluster, &entry.object).await? && !options.purge;
            if !keep && entry.object.kind == "Namespace" && !options.purge {
                keep = namespace_holds_claims(cluster, &entry.object.name).await?;
            }
            report.changes.push(Change {
                object: entry.object,
                action: if keep { Action::Keep } else { Action::Delete },
                diff: Vec::new(),
            });
        }
    }
    report.requests = delta(before, cluster.requests());
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Removes what `release` created (its inventory), in reverse order, keeping PVCs and objects
/// marked to keep unless `options.purge`; then the inventory itself.
pub async fn delete_release(
    cluster: &Cluster,
    release: &str,
    options: &ApplyOptions,
    events: &Events,
) -> Result<ReleaseReport, KubeError> {
    let started = Instant::now();
    let before = cluster.requests();
    events(Event::Started { release: release.to_string() });
    let mut report = ReleaseReport { release: release.to_string(), ..Default::default() };
    if let Some(old) = inventory::read(cluster, release).await? {
        let mut removed = Vec::new();
        for entry in old.objects {
            let kept = is_kept_live(cluster, &entry.object).await?;
            removed.push((entry, kept));
        }
        report.changes = prune(cluster, release, removed, options, events).await?;
        inventory::delete(cluster, release).await?;
    }
    report.requests = delta(before, cluster.requests());
    report.seconds = started.elapsed().as_secs_f64();
    events(Event::Finished { release: release.to_string(), report: report.clone() });
    Ok(report)
}

fn delta(before: RequestCounts, after: RequestCounts) -> RequestCounts {
    RequestCounts {
        reads: after.reads - before.reads,
        writes: after.writes - before.writes,
        dry_runs: after.dry_runs - before.dry_runs,
    }
}

/// The objects as they will be sent: namespaces settled by scope, the release label set,
/// autoscaled replicas left out; kinds resolved (or deferred to a CRD of this release; with
/// `unknown_kinds_later`, to any later CRD, taken as namespaced).
async fn prepare(
    cluster: &Cluster,
    release: &Release,
    options: &ApplyOptions,
    unknown_kinds_later: bool,
) -> Result<Vec<Prepared>, KubeError> {
    // Kinds the release's own CRDs define: group/version/kind -> namespaced.
    let mut defined: BTreeMap<(String, String), bool> = BTreeMap::new();
    for o in release.objects.iter().filter(|o| o.kind() == "CustomResourceDefinition") {
        let spec = &o.value["spec"];
        let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str()) else { continue };
        let namespaced = spec["scope"].as_str() != Some("Cluster");
        for v in spec["versions"].as_array().into_iter().flatten() {
            if let Some(name) = v["name"].as_str() {
                defined.insert((format!("{group}/{name}"), kind.to_string()), namespaced);
            }
        }
    }
    let mut out = Vec::with_capacity(release.objects.len());
    for object in &release.objects {
        let resolved = cluster.resolve(object.api_version(), object.kind()).await?;
        let namespaced = match (&resolved, defined.get(&(object.api_version().to_string(), object.kind().to_string())))
        {
            (Some(r), _) => r.namespaced,
            (None, Some(namespaced)) => *namespaced,
            (None, None) if unknown_kinds_later => true,
            (None, None) => return Err(KubeError::NoKind { object: Box::new(object.key()) }),
        };
        let mut body = object.value.clone();
        let metadata = body["metadata"].as_object_mut().expect("checked by Object::new");
        if namespaced {
            if object.namespace().is_none() {
                metadata.insert("namespace".into(), Json::String(release.namespace.clone()));
            }
        } else {
            metadata.remove("namespace");
        }
        let labels = metadata.entry("labels").or_insert_with(|| Json::Object(Default::default()));
        if !labels.is_object() {
            *labels = Json::Object(Default::default());
        }
        labels[RELEASE_LABEL] = Json::String(inventory::label_value(&release.id));
        default_port_protocols(&mut body);
        copy_secret_data(cluster, &mut body, unknown_kinds_later).await?;
        let key = ObjectRef {
            api_version: object.api_version().to_string(),
            kind: object.kind().to_string(),
            namespace: body["metadata"]["namespace"].as_str().map(str::to_string),
            name: object.name().to_string(),
        };
        out.push(Prepared {
            rank: apply_rank(&key.api_version, &key.kind),
            key,
            body,
            resolved,
            create_only: object.create_only,
            replace_immutable: object.replace_immutable,
            autoscaled: false,
        });
    }
    strip_autoscaled_replicas(cluster, release, &mut out, options).await?;
    out.sort_by_key(|p| p.rank);
    Ok(out)
}

/// Fills a Secret annotated [`COPY_OF_ANNOTATION`] (`<namespace>/<name>`) with the data and type of
/// that live Secret (only the keys [`COPY_KEYS_ANNOTATION`] lists, when it is set), read when its release's turn comes (so after the releases it depends on,
/// which make the source): credentials and CAs reach the namespaces of the addons that use them,
/// and follow the source at every apply. Without the source, `apply` fails naming it; `plan`
/// (`missing_ok`) shows the copy as it would be created.
async fn copy_secret_data(cluster: &Cluster, body: &mut Json, missing_ok: bool) -> Result<(), KubeError> {
    let Some(source) = body.pointer(&format!("/metadata/annotations/{}", COPY_OF_ANNOTATION.replace('/', "~1"))) else {
        return Ok(());
    };
    let source = source.as_str().unwrap_or_default().to_string();
    let object = ObjectRef {
        api_version: "v1".into(),
        kind: body["kind"].as_str().unwrap_or_default().into(),
        namespace: body["metadata"]["namespace"].as_str().map(String::from),
        name: body["metadata"]["name"].as_str().unwrap_or_default().into(),
    };
    let refuse = |message: String| KubeError::Rejected {
        object: Box::new(object.clone()),
        code: 0,
        reason: "CopySource".into(),
        message,
    };
    let Some((namespace, name)) = source.split_once('/').filter(|_| object.kind == "Secret") else {
        return Err(refuse(format!("{COPY_OF_ANNOTATION} must be <namespace>/<name> on a Secret, not {source:?}")));
    };
    let resolved =
        cluster.resolve("v1", "Secret").await?.ok_or_else(|| KubeError::NoKind { object: Box::new(object.clone()) })?;
    let live = cluster
        .api(&resolved, Some(namespace))
        .get_opt(name)
        .await
        .map_err(|e| KubeError::from_kube(&format!("reading Secret {source}, which {object} copies"), e))?;
    match live {
        Some(live) => {
            let live = serde_json::to_value(live).unwrap_or(Json::Null);
            let mut data = live.get("data").cloned().unwrap_or_else(|| Json::Object(Default::default()));
            let keys = body.pointer(&format!("/metadata/annotations/{}", COPY_KEYS_ANNOTATION.replace('/', "~1")));
            if let (Some(keys), Some(map)) = (keys.and_then(Json::as_str), data.as_object_mut()) {
                let wanted: Vec<&str> = keys.split(',').map(str::trim).collect();
                if let Some(missing) = wanted.iter().find(|k| !map.contains_key(**k)) {
                    return Err(refuse(format!("the Secret {source} it copies has no key {missing}")));
                }
                map.retain(|k, _| wanted.contains(&k.as_str()));
            }
            body["data"] = data;
            if let Some(kind) = live.get("type") {
                body["type"] = kind.clone();
            }
            if let Some(map) = body.as_object_mut() {
                map.remove("stringData");
            }
            Ok(())
        }
        None if missing_ok => Ok(()),
        None => Err(refuse(format!(
            "the Secret {source} it copies does not exist (the release that makes it must come first and be healthy)"
        ))),
    }
}

/// Sets `protocol: TCP` (the API's default) on Service ports and container ports that name no
/// protocol. `protocol` is part of those lists' merge keys, and API servers before 1.26 refuse a
/// server-side apply that leaves a key field out ("associative list with keys has an element
/// that omits key field").
fn default_port_protocols(body: &mut Json) {
    fn ports(list: Option<&mut Json>) {
        for port in list.and_then(Json::as_array_mut).into_iter().flatten() {
            if let Some(port) = port.as_object_mut() {
                port.entry("protocol").or_insert_with(|| Json::String("TCP".into()));
            }
        }
    }
    fn pod_spec(spec: Option<&mut Json>) {
        let Some(spec) = spec else { return };
        for list in ["containers", "initContainers"] {
            for c in spec.get_mut(list).and_then(Json::as_array_mut).into_iter().flatten() {
                ports(c.get_mut("ports"));
            }
        }
    }
    match body["kind"].as_str().unwrap_or_default() {
        "Service" => ports(body.pointer_mut("/spec/ports")),
        "Pod" => pod_spec(body.get_mut("spec")),
        "CronJob" => pod_spec(body.pointer_mut("/spec/jobTemplate/spec/template/spec")),
        _ => pod_spec(body.pointer_mut("/spec/template/spec")),
    }
}

const SCALED_KINDS: &[&str] = &["Deployment", "StatefulSet", "ReplicaSet"];

/// Leaves `spec.replicas` out of workloads an autoscaler owns: targeted by a ScaledObject or HPA
/// of the release, named in `options.autoscaled` (scalers elsewhere in the plan), or targeted by
/// a HorizontalPodAutoscaler on the cluster (KEDA's ScaledObjects make one).
async fn strip_autoscaled_replicas(
    cluster: &Cluster,
    release: &Release,
    prepared: &mut [Prepared],
    options: &ApplyOptions,
) -> Result<(), KubeError> {
    let namespaces: BTreeSet<String> = prepared
        .iter()
        .filter(|p| SCALED_KINDS.contains(&p.key.kind.as_str()))
        .filter_map(|p| p.key.namespace.clone())
        .collect();
    let mut targets = options.autoscaled.clone();
    targets.extend(release.objects.iter().filter_map(|o| crate::manifest::autoscaler_target(o, &release.namespace)));
    if !namespaces.is_empty()
        && let Some(hpa) = cluster.resolve("autoscaling/v1", "HorizontalPodAutoscaler").await?
    {
        for ns in namespaces {
            let list = cluster
                .api(&hpa, Some(&ns))
                .list(&ListParams::default())
                .await
                .map_err(|e| KubeError::from_kube(&format!("listing HorizontalPodAutoscalers in {ns}"), e))?;
            for item in list.items {
                let target = &item.data["spec"]["scaleTargetRef"];
                if let (Some(kind), Some(name)) = (target["kind"].as_str(), target["name"].as_str()) {
                    targets.insert((ns.clone(), kind.to_string(), name.to_string()));
                }
            }
        }
    }
    for p in prepared.iter_mut() {
        let ns = p.key.namespace.clone().unwrap_or_default();
        if targets.contains(&(ns, p.key.kind.clone(), p.key.name.clone()))
            && let Some(spec) = p.body.get_mut("spec").and_then(Json::as_object_mut)
        {
            spec.remove("replicas");
            p.autoscaled = true;
        }
    }
    Ok(())
}

fn hash_of(prepared: &[Prepared]) -> String {
    let mut hasher = sha2::Sha256::new();
    for p in prepared {
        // A create-only object's content is drawn anew by each render; only its identity counts.
        if p.create_only {
            hasher.update(serde_json::to_vec(&p.key).unwrap_or_default());
        } else {
            hasher.update(serde_json::to_vec(&p.body).unwrap_or_default());
        }
        hasher.update([u8::from(p.create_only)]);
        hasher.update(b"\n");
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

fn apply_params(force: bool, dry_run: bool) -> PatchParams {
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.force = force;
    params.dry_run = dry_run;
    params
}

/// Each prepared object against the cluster, and the old inventory's objects that are no longer
/// rendered (with whether they are kept).
async fn diff(
    cluster: &Cluster,
    release: &str,
    prepared: &[Prepared],
    old: Option<&Inventory>,
    trusted: Option<&Inventory>,
    options: &ApplyOptions,
) -> Result<(Vec<Observed>, Vec<(Entry, bool)>), KubeError> {
    // The release's objects carry its label: one LIST per kind and namespace finds them; an
    // object not found that way (new, or made by someone else) is read on its own.
    let selector = format!("{RELEASE_LABEL}={}", inventory::label_value(release));
    let mut listed: Listed = BTreeMap::new();
    for p in prepared {
        let Some(resolved) = &p.resolved else { continue };
        let group = (p.key.api_version.clone(), p.key.kind.clone(), p.key.namespace.clone());
        if listed.contains_key(&group) || prepared.iter().filter(|q| group_of(q) == group).count() < 2 {
            continue;
        }
        let list = cluster
            .api(resolved, p.key.namespace.as_deref())
            .list(&ListParams::default().labels(&selector))
            .await
            .map_err(|e| KubeError::from_kube(&format!("listing {} of {release}", p.key.kind), e))?;
        let by_name = list.items.into_iter().map(|o| (o.metadata.name.clone().unwrap_or_default(), o)).collect();
        listed.insert(group, by_name);
    }
    let mut observed: Vec<Observed> = Vec::with_capacity(prepared.len());
    for chunk in prepared.chunks(options.concurrency.max(1)) {
        let futures: Vec<_> = chunk.iter().map(|p| observe(cluster, p, &listed, trusted, options)).collect();
        observed.extend(futures::future::try_join_all(futures).await?);
    }
    let mut removed = Vec::new();
    if let Some(old) = old {
        for entry in &old.objects {
            if !prepared.iter().any(|p| p.key == entry.object) {
                let kept = is_kept_live(cluster, &entry.object).await?;
                removed.push((entry.clone(), kept));
            }
        }
    }
    Ok((observed, removed))
}

/// Live objects by (apiVersion, kind, namespace), then name.
type Listed = BTreeMap<(String, String, Option<String>), BTreeMap<String, kube::api::DynamicObject>>;

fn group_of(p: &Prepared) -> (String, String, Option<String>) {
    (p.key.api_version.clone(), p.key.kind.clone(), p.key.namespace.clone())
}

async fn observe(
    cluster: &Cluster,
    p: &Prepared,
    listed: &Listed,
    trusted: Option<&Inventory>,
    options: &ApplyOptions,
) -> Result<Observed, KubeError> {
    let change = |action, diff| Change { object: p.key.clone(), action, diff };
    let Some(resolved) = &p.resolved else {
        return Ok(Observed { change: change(Action::Create, Vec::new()), live: None, body: None });
    };
    let api = cluster.api(resolved, p.key.namespace.as_deref());
    let live = match listed.get(&group_of(p)).and_then(|by_name| by_name.get(&p.key.name)) {
        Some(found) => Some(found.clone()),
        None => api.get_opt(&p.key.name).await.map_err(|e| KubeError::from_kube(&format!("reading {}", p.key), e))?,
    };
    let Some(live) = live else {
        return Ok(Observed { change: change(Action::Create, Vec::new()), live: None, body: None });
    };
    let uid = live.metadata.uid.clone().unwrap_or_default();
    let rv = live.metadata.resource_version.clone().unwrap_or_default();
    let ids = Some((uid, rv.clone()));
    if p.create_only {
        return Ok(Observed { change: change(Action::Unchanged, Vec::new()), live: ids, body: None });
    }
    let untouched = trusted.is_some_and(|inv| {
        inv.objects.iter().any(|e| e.object == p.key && e.resource_version.as_deref() == Some(rv.as_str()))
    });
    if untouched {
        return Ok(Observed { change: change(Action::Unchanged, Vec::new()), live: ids, body: None });
    }
    let body = if p.autoscaled { keep_live_replicas(&p.body, &live) } else { None };
    let dry = match api
        .patch(
            &p.key.name,
            &apply_params(options.force_conflicts, true),
            &Patch::Apply(body.as_ref().unwrap_or(&p.body)),
        )
        .await
    {
        Ok(dry) => dry,
        // An immutable field changes (422 Invalid): replaced, when the object may be.
        Err(kube::Error::Api(status)) if p.replace_immutable && status.code == 422 && status.reason == "Invalid" => {
            let lines = vec![
                format!("  immutable: {}", status.message),
                "  deleted and created again (Helm's before-hook-creation)".to_string(),
            ];
            return Ok(Observed { change: change(Action::Replace, lines), live: ids, body: None });
        }
        Err(e) => return Err(KubeError::from_apply(&p.key, e)),
    };
    let (before, after) = (comparable(&live), comparable(&dry));
    if before == after {
        return Ok(Observed { change: change(Action::Unchanged, Vec::new()), live: ids, body });
    }
    let mut lines = Vec::new();
    json_diff("", &without_bookkeeping(&before), &without_bookkeeping(&after), &mut lines);
    if p.key.kind == "Secret" {
        // A Secret's values never reach the output: which keys change, not to what.
        lines = lines
            .into_iter()
            .map(|l| l.split_once(": ").map_or(l.clone(), |(path, _)| format!("{path}: (hidden)")))
            .collect();
    }
    if lines.is_empty() {
        lines.push(format!("  field ownership: {FIELD_MANAGER} takes the fields it sends"));
    }
    Ok(Observed { change: change(Action::Update, lines), live: ids, body })
}

/// An object as JSON with what changes on every write (resourceVersion, managedFields times)
/// and the type (known from the request) taken out.
fn comparable(object: &kube::api::DynamicObject) -> Json {
    let mut value = serde_json::to_value(object).unwrap_or(Json::Null);
    // Items of a LIST come without apiVersion and kind.
    if let Some(map) = value.as_object_mut() {
        map.remove("apiVersion");
        map.remove("kind");
    }
    if let Some(metadata) = value.get_mut("metadata").and_then(Json::as_object_mut) {
        metadata.remove("resourceVersion");
        if let Some(fields) = metadata.get_mut("managedFields").and_then(Json::as_array_mut) {
            for f in fields.iter_mut().filter_map(Json::as_object_mut) {
                f.remove("time");
            }
        }
    }
    value
}

/// For an autoscaled workload whose `spec.replicas` our field manager still owns on the live
/// object (we applied it before an autoscaler appeared, and the server did not move ownership
/// to the scaler: servers before 1.22 track no ownership through the scale subresource), the
/// body with the live count: leaving the field out would make the server delete it, resetting
/// the count. `None` when we do not own it (the usual case): the field is left out.
fn keep_live_replicas(body: &Json, live: &kube::api::DynamicObject) -> Option<Json> {
    let owns_replicas = live.metadata.managed_fields.iter().flatten().any(|f| {
        f.manager.as_deref() == Some(FIELD_MANAGER)
            && f.operation.as_deref() == Some("Apply")
            && f.fields_v1.as_ref().is_some_and(|v| v.0.pointer("/f:spec/f:replicas").is_some())
    });
    let replicas = live.data["spec"]["replicas"].clone();
    if !owns_replicas || replicas.is_null() {
        return None;
    }
    let mut body = body.clone();
    body["spec"]["replicas"] = replicas;
    Some(body)
}

/// Without managedFields and generation, for a readable diff.
fn without_bookkeeping(value: &Json) -> Json {
    let mut value = value.clone();
    if let Some(metadata) = value.get_mut("metadata").and_then(Json::as_object_mut) {
        metadata.remove("managedFields");
        metadata.remove("generation");
    }
    value
}

const MAX_DIFF_LINES: usize = 40;

/// `~ .a.b: 1 -> 2`, `+ .a.c: "x"`, `- .a.d` lines, at most [`MAX_DIFF_LINES`].
fn json_diff(path: &str, a: &Json, b: &Json, out: &mut Vec<String>) {
    if out.len() >= MAX_DIFF_LINES || a == b {
        return;
    }
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            for (k, va) in x {
                let p = format!("{path}.{k}");
                match y.get(k) {
                    Some(vb) => json_diff(&p, va, vb, out),
                    None => out.push(format!("- {p}")),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) && out.len() < MAX_DIFF_LINES {
                    out.push(format!("+ {path}.{k}: {}", short(vb)));
                }
            }
        }
        (Json::Array(x), Json::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                json_diff(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ => out.push(format!("~ {path}: {} -> {}", short(a), short(b))),
    }
    if out.len() == MAX_DIFF_LINES {
        out.push("  …".into());
    }
}

fn short(v: &Json) -> String {
    let text = v.to_string();
    if text.chars().count() > 80 { format!("{}…", text.chars().take(79).collect::<String>()) } else { text }
}

/// Sends the creates and updates in rank order (CRDs waited on until Established before
/// anything else); returns the uid and resourceVersion of every object.
async fn send(
    cluster: &Cluster,
    release: &Release,
    mut prepared: Vec<Prepared>,
    observed: Vec<Observed>,
    options: &ApplyOptions,
    events: &Events,
    report: &mut ReleaseReport,
) -> Result<BTreeMap<ObjectRef, (String, String)>, KubeError> {
    let mut live: BTreeMap<ObjectRef, (String, String)> = BTreeMap::new();
    let mut actions: BTreeMap<ObjectRef, Change> = BTreeMap::new();
    for o in observed {
        if let Some(ids) = o.live {
            live.insert(o.change.object.clone(), ids);
        }
        if let Some(body) = o.body
            && let Some(p) = prepared.iter_mut().find(|p| p.key == o.change.object)
        {
            p.body = body;
        }
        actions.insert(o.change.object.clone(), o.change);
    }
    let ranks: BTreeSet<u8> = prepared.iter().map(|p| p.rank).collect();
    for rank in ranks {
        // Kinds deferred to a CRD of this release are served now.
        for p in prepared.iter_mut().filter(|p| p.rank == rank && p.resolved.is_none()) {
            p.resolved = cluster.resolve(&p.key.api_version, &p.key.kind).await?;
            if p.resolved.is_none() {
                return Err(KubeError::NoKind { object: Box::new(p.key.clone()) });
            }
        }
        let group: Vec<&Prepared> = prepared
            .iter()
            .filter(|p| p.rank == rank)
            .filter(|p| {
                matches!(actions.get(&p.key).map(|c| c.action), Some(Action::Create | Action::Update | Action::Replace))
            })
            .collect();
        for p in group.iter().filter(|p| actions.get(&p.key).map(|c| c.action) == Some(Action::Replace)) {
            delete_and_wait(cluster, p, options, &release.id).await?;
        }
        for chunk in group.chunks(options.concurrency.max(1)) {
            let futures: Vec<_> = chunk.iter().map(|p| send_one(cluster, p, options)).collect();
            for (key, ids) in futures::future::try_join_all(futures).await? {
                live.insert(key, ids);
            }
        }
        if rank == 0 {
            for p in prepared.iter().filter(|p| p.key.kind == "CustomResourceDefinition") {
                wait_established(cluster, p, options, &release.id, events).await?;
            }
        }
    }
    for p in &prepared {
        if let Some(change) = actions.remove(&p.key) {
            events(Event::Changed { release: release.id.clone(), change: change.clone() });
            report.changes.push(change);
        }
    }
    Ok(live)
}

/// Deletes a live object (its dependents in the background, as Helm deletes a hook) and waits
/// until it is gone, so that the apply after it creates it anew.
async fn delete_and_wait(
    cluster: &Cluster,
    p: &Prepared,
    options: &ApplyOptions,
    release: &str,
) -> Result<(), KubeError> {
    let resolved = p.resolved.as_ref().expect("resolved before sending");
    let api = cluster.api(resolved, p.key.namespace.as_deref());
    let params = kube::api::DeleteParams {
        propagation_policy: Some(kube::api::PropagationPolicy::Background),
        ..Default::default()
    };
    match api.delete(&p.key.name, &params).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 404 => return Ok(()),
        Err(e) => return Err(KubeError::from_kube(&format!("deleting {} to create it again", p.key), e)),
    }
    let deadline = Instant::now() + options.timeout;
    loop {
        let live =
            api.get_opt(&p.key.name).await.map_err(|e| KubeError::from_kube(&format!("reading {}", p.key), e))?;
        if live.is_none() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(KubeError::Timeout {
                release: release.to_string(),
                object: Box::new(p.key.clone()),
                seconds: options.timeout.as_secs(),
                state: "still there after its deletion (finalizers?)".to_string(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One server-side apply, retried while an admission webhook of the platform is not serving yet.
async fn send_one(
    cluster: &Cluster,
    p: &Prepared,
    options: &ApplyOptions,
) -> Result<(ObjectRef, (String, String)), KubeError> {
    let resolved = p.resolved.as_ref().expect("resolved before sending");
    let api = cluster.api(resolved, p.key.namespace.as_deref());
    let deadline = Instant::now() + options.timeout;
    let mut pause = Duration::from_millis(200);
    loop {
        match api.patch(&p.key.name, &apply_params(options.force_conflicts, false), &Patch::Apply(&p.body)).await {
            Ok(applied) => {
                let ids = (
                    applied.metadata.uid.clone().unwrap_or_default(),
                    applied.metadata.resource_version.clone().unwrap_or_default(),
                );
                return Ok((p.key.clone(), ids));
            }
            Err(kube::Error::Api(status))
                if status.code >= 500
                    && status.message.contains("failed calling webhook")
                    && Instant::now() < deadline =>
            {
                tracing::info!("{}: webhook not serving yet, retrying: {}", p.key, status.message);
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(KubeError::from_apply(&p.key, e)),
        }
    }
}

async fn wait_established(
    cluster: &Cluster,
    crd: &Prepared,
    options: &ApplyOptions,
    release: &str,
    events: &Events,
) -> Result<(), KubeError> {
    let resolved = crd.resolved.as_ref().expect("CRDs are built in");
    let api = cluster.api(resolved, None);
    let deadline = Instant::now() + options.timeout;
    let mut announced = false;
    loop {
        let live =
            api.get_opt(&crd.key.name).await.map_err(|e| KubeError::from_kube(&format!("reading {}", crd.key), e))?;
        let state = match live.map(|l| kind_health(&serde_json::to_value(&l).unwrap_or(Json::Null))) {
            Some(Health::Ready) => return Ok(()),
            Some(Health::Progressing(s)) | Some(Health::Failed(s)) => s,
            None => "not found".to_string(),
        };
        if Instant::now() >= deadline {
            return Err(KubeError::Timeout {
                release: release.to_string(),
                object: Box::new(crd.key.clone()),
                seconds: options.timeout.as_secs(),
                state,
            });
        }
        if !announced {
            events(Event::Waiting { release: release.to_string(), object: crd.key.clone(), state });
            announced = true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether a live object is kept when its release lets go of it.
async fn is_kept_live(cluster: &Cluster, object: &ObjectRef) -> Result<bool, KubeError> {
    if object.kind == "PersistentVolumeClaim" {
        return Ok(true);
    }
    let Some(resolved) = cluster.resolve(&object.api_version, &object.kind).await? else { return Ok(false) };
    let live = cluster
        .api(&resolved, object.namespace.as_deref())
        .get_opt(&object.name)
        .await
        .map_err(|e| KubeError::from_kube(&format!("reading {object}"), e))?;
    Ok(live.is_some_and(|l| {
        let annotations = l.metadata.annotations.unwrap_or_default();
        crate::manifest::is_kept(
            &object.kind,
            annotations.get("helm.sh/resource-policy").map(String::as_str),
            annotations.get(crate::manifest::KEEP_ANNOTATION).map(String::as_str),
        )
    }))
}

/// Deletes `removed` in reverse apply order, keeping kept objects (unless purging) and
/// namespaces that still hold kept PersistentVolumeClaims.
async fn prune(
    cluster: &Cluster,
    release: &str,
    mut removed: Vec<(Entry, bool)>,
    options: &ApplyOptions,
    events: &Events,
) -> Result<Vec<Change>, KubeError> {
    removed.sort_by_key(|(e, _)| std::cmp::Reverse(apply_rank(&e.object.api_version, &e.object.kind)));
    let mut changes = Vec::new();
    for (entry, kept) in removed {
        let object = entry.object;
        let mut keep = kept && !options.purge;
        if !keep && object.kind == "Namespace" && !options.purge {
            keep = namespace_holds_claims(cluster, &object.name).await?;
        }
        let action = if keep { Action::Keep } else { Action::Delete };
        if action == Action::Delete
            && let Some(resolved) = cluster.resolve(&object.api_version, &object.kind).await?
        {
            let api = cluster.api(&resolved, object.namespace.as_deref());
            match api.delete(&object.name, &DeleteParams::background()).await {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(e) => return Err(KubeError::from_kube(&format!("deleting {object}"), e)),
            }
        }
        let change = Change { object, action, diff: Vec::new() };
        events(Event::Changed { release: release.to_string(), change: change.clone() });
        changes.push(change);
    }
    Ok(changes)
}

async fn namespace_holds_claims(cluster: &Cluster, namespace: &str) -> Result<bool, KubeError> {
    let Some(pvc) = cluster.resolve("v1", "PersistentVolumeClaim").await? else { return Ok(false) };
    let list = cluster
        .api(&pvc, Some(namespace))
        .list(&ListParams::default().limit(1))
        .await
        .map_err(|e| KubeError::from_kube(&format!("listing claims in {namespace}"), e))?;
    Ok(!list.items.is_empty())
}

/// Waits until every object with a readiness rule is ready and every declared check holds.
async fn wait_healthy(
    cluster: &Cluster,
    release: &Release,
    prepared: &[Prepared],
    options: &ApplyOptions,
    events: &Events,
) -> Result<(), KubeError> {
    struct Pending {
        key: ObjectRef,
        condition: Option<(String, String)>,
        deadline: Instant,
        announced: Option<String>,
        /// Carries the release label (one of the release's objects): read by a labelled LIST.
        labelled: bool,
    }
    let now = Instant::now();
    let mut pending: Vec<Pending> = prepared
        .iter()
        .filter(|p| has_readiness(&p.key.api_version, &p.key.kind) && !is_custom(&p.key.api_version))
        .map(|p| Pending {
            key: p.key.clone(),
            condition: None,
            deadline: now + options.timeout,
            announced: None,
            labelled: true,
        })
        .collect();
    for check in &release.checks {
        let condition = check.json_path.clone().zip(check.expected.clone());
        if condition.is_none() && !has_readiness(&check.object.api_version, &check.object.kind) {
            continue;
        }
        if condition.is_none() && pending.iter().any(|p| p.key == check.object) {
            continue;
        }
        let timeout =
            if check.timeout_seconds > 0 { Duration::from_secs(check.timeout_seconds) } else { options.timeout };
        let labelled = prepared.iter().any(|p| p.key == check.object);
        pending.push(Pending {
            key: check.object.clone(),
            condition,
            deadline: now + timeout,
            announced: None,
            labelled,
        });
    }
    let selector = format!("{RELEASE_LABEL}={}", inventory::label_value(&release.id));
    while !pending.is_empty() {
        // One LIST per kind and namespace for the release's own objects, a GET for the others.
        let mut listed: BTreeMap<(String, String, Option<String>), BTreeMap<String, Json>> = BTreeMap::new();
        for p in pending.iter().filter(|p| p.labelled) {
            let group = (p.key.api_version.clone(), p.key.kind.clone(), p.key.namespace.clone());
            if listed.contains_key(&group) {
                continue;
            }
            let Some(resolved) = cluster.resolve(&p.key.api_version, &p.key.kind).await? else { continue };
            let list = cluster
                .api(&resolved, p.key.namespace.as_deref())
                .list(&ListParams::default().labels(&selector))
                .await
                .map_err(|e| KubeError::from_kube(&format!("listing {} of {}", p.key.kind, release.id), e))?;
            let by_name = list
                .items
                .into_iter()
                .map(|o| {
                    let mut value = serde_json::to_value(&o).unwrap_or(Json::Null);
                    // Items of a LIST come without apiVersion and kind; the rules go by kind.
                    value["apiVersion"] = Json::String(p.key.api_version.clone());
                    value["kind"] = Json::String(p.key.kind.clone());
                    (o.metadata.name.clone().unwrap_or_default(), value)
                })
                .collect();
            listed.insert(group, by_name);
        }
        let mut still = Vec::new();
        for mut p in pending {
            let group = (p.key.api_version.clone(), p.key.kind.clone(), p.key.namespace.clone());
            let live = match listed.get(&group) {
                Some(by_name) if p.labelled => by_name.get(&p.key.name).cloned(),
                _ => match cluster.resolve(&p.key.api_version, &p.key.kind).await? {
                    None => None,
                    Some(resolved) => cluster
                        .api(&resolved, p.key.namespace.as_deref())
                        .get_opt(&p.key.name)
                        .await
                        .map_err(|e| KubeError::from_kube(&format!("reading {}", p.key), e))?
                        .map(|l| serde_json::to_value(&l).unwrap_or(Json::Null)),
                },
            };
            let state = match live {
                None => Health::Progressing("not found".into()),
                Some(value) => match &p.condition {
                    Some((path, expected)) => check_condition(&value, path, expected),
                    None => kind_health(&value),
                },
            };
            match state {
                Health::Ready => {}
                Health::Failed(state) => {
                    return Err(KubeError::Unhealthy { release: release.id.clone(), object: Box::new(p.key), state });
                }
                Health::Progressing(state) => {
                    if Instant::now() >= p.deadline {
                        let seconds = p.deadline.duration_since(now).as_secs();
                        return Err(KubeError::Timeout {
                            release: release.id.clone(),
                            object: Box::new(p.key),
                            seconds,
                            state,
                        });
                    }
                    if p.announced.as_deref() != Some(state.as_str()) {
                        events(Event::Waiting {
                            release: release.id.clone(),
                            object: p.key.clone(),
                            state: state.clone(),
                        });
                        p.announced = Some(state);
                    }
                    still.push(p);
                }
            }
        }
        pending = still;
        if !pending.is_empty() {
            tokio::time::sleep(options.poll).await;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ports_get_the_default_protocol() {
        let mut service =
            json!({"kind": "Service", "spec": {"ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}]}});
        default_port_protocols(&mut service);
        assert_eq!(service["spec"]["ports"], json!([{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]));
        let mut deployment = json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"ports": [{"containerPort": 8080}]}]}}}});
        default_port_protocols(&mut deployment);
        assert_eq!(deployment.pointer("/spec/template/spec/containers/0/ports/0/protocol"), Some(&json!("TCP")));
        let mut config = json!({"kind": "ConfigMap", "data": {"ports": "x"}});
        default_port_protocols(&mut config);
        assert_eq!(config, json!({"kind": "ConfigMap", "data": {"ports": "x"}}));
    }

    #[test]
    fn diffs_are_readable_paths() {
        let a = json!({"spec": {"replicas": 1, "template": {"containers": [{"image": "a:1"}]}, "old": true}});
        let b = json!({"spec": {"replicas": 2, "template": {"containers": [{"image": "a:2"}]}, "new": "x"}});
        let mut out = Vec::new();
        json_diff("", &a, &b, &mut out);
        assert_eq!(
            out,
            [
                "~ .spec.replicas: 1 -> 2",
                "~ .spec.template.containers[0].image: \"a:1\" -> \"a:2\"",
                "- .spec.old",
                "+ .spec.new: \"x\""
            ]
        );
    }
}
