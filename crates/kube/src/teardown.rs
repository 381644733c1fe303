//! The in-cluster half of `kubectl dataplat down` (reference trino-on-eks.md section 6.3,
//! "Destroy" steps 1-4), so that nothing keeping AWS resources alive outlives the cluster:
//!
//! 1. [`Phase::StopWorkloads`]: KEDA `ScaledObject`s/`ScaledJob`s (and HPAs) of the platform's
//!    inventories, then every other custom resource of the inventories that is not a CRD, a
//!    NodePool or an EC2NodeClass (Spark, Flink, Kafka, Ray...), then the workloads of the Trino
//!    release(s); each step waited on until its objects are gone.
//! 2. [`Phase::LoadBalancersAndVolumes`]: Services of type LoadBalancer and Ingresses (ours and,
//!    by default, every one in the cluster), waited on while the LB controller still runs and holds
//!    its finalizer until the load balancer is gone; then the PersistentVolumeClaims of our
//!    releases (declared, or made by our StatefulSets), waited on together with the volumes bound
//!    to them (volumes that retain their disk are reported, not waited on).
//! 3. [`Phase::NodePools`]: every Karpenter NodePool and NodeClaim, waited on until every
//!    NodeClaim is gone (Karpenter terminates its instances meanwhile); then every EC2NodeClass.
//! 4. [`Phase::Releases`]: the remaining releases with [`delete_release`], dependents before what
//!    they depend on, KEDA, the CSI driver, the LB controller and Karpenter last; then whatever
//!    inventory is left.
//!
//! Objects are ours when an inventory of the platform lists them; other objects are never
//! touched, except LoadBalancer Services and Ingresses (with [`TeardownOptions::all_load_balancers`])
//! and Karpenter's NodePools, NodeClaims and EC2NodeClasses. Every wait shares one deadline
//! ([`TeardownOptions::timeout`]); a wait that runs out stops the teardown there (later phases
//! would remove what the stuck objects still need) with [`TeardownError::Timeout`] naming them.
//! Kinds the cluster does not serve and objects already gone are fine, so a second run, or a run
//! after one killed midway, converges.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::ResourceExt;
use kube::api::{DeleteParams, DynamicObject, ListParams};
use serde::Serialize;

use crate::KubeError;
use crate::apply::{Action, ApplyOptions, Event, Events, delete_release};
use crate::cluster::{Cluster, RequestCounts, Resolved};
use crate::inventory::{self, Inventory};
use crate::manifest::{ObjectRef, is_custom};

/// Karpenter's NodePool and NodeClaim.
const NODE_POOL: (&str, &str) = (dataplat_vocabulary::KARPENTER_API_VERSION, "NodePool");
const NODE_CLAIM: (&str, &str) = (dataplat_vocabulary::KARPENTER_API_VERSION, "NodeClaim");
/// Karpenter's AWS node class.
const NODE_CLASS: (&str, &str) = (dataplat_vocabulary::KARPENTER_AWS_API_VERSION, "EC2NodeClass");
const INGRESS: (&str, &str) = ("networking.k8s.io/v1", "Ingress");

/// The four steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Autoscalers, workload custom resources, Trino's workloads.
    StopWorkloads,
    /// LoadBalancer Services, Ingresses, then PersistentVolumeClaims and their volumes.
    LoadBalancersAndVolumes,
    /// Karpenter NodePools and NodeClaims, then EC2NodeClasses.
    NodePools,
    /// The remaining releases and the inventories.
    Releases,
}

impl Phase {
    pub const ALL: [Phase; 4] =
        [Phase::StopWorkloads, Phase::LoadBalancersAndVolumes, Phase::NodePools, Phase::Releases];

    /// 1 to 4.
    pub fn number(&self) -> u8 {
        *self as u8 + 1
    }

    pub fn title(&self) -> &'static str {
        match self {
            Phase::StopWorkloads => "stop autoscaling and workloads",
            Phase::LoadBalancersAndVolumes => "load balancers and volumes",
            Phase::NodePools => "Karpenter node pools",
            Phase::Releases => "remaining releases",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "phase {} ({})", self.number(), self.title())
    }
}

/// How to tear down.
#[derive(Debug, Clone)]
pub struct TeardownOptions {
    /// Overall time for every wait together.
    pub timeout: Duration,
    /// Time between polls while waiting.
    pub poll: Duration,
    /// Delete every LoadBalancer Service and Ingress of the cluster, not only ours (users create
    /// them too, and their load balancers would outlive the cluster).
    pub all_load_balancers: bool,
    /// Addons (the part of a release id before `/`) whose workloads stop in phase 1.
    pub workload_addons: Vec<String>,
    /// Release id -> the release ids it depends on (the plan's DAG): dependents are deleted
    /// first. Releases it does not name depend on nothing.
    pub dependencies: BTreeMap<String, Vec<String>>,
    /// Delete objects marked to keep (`dataplat.io/keep`, Helm's keep policy) in phase 4 too.
    pub purge: bool,
}

impl Default for TeardownOptions {
    fn default() -> Self {
        TeardownOptions {
            timeout: Duration::from_secs(30 * 60),
            poll: Duration::from_secs(3),
            all_load_balancers: true,
            workload_addons: vec!["trino".to_string()],
            dependencies: BTreeMap::new(),
            purge: false,
        }
    }
}

/// Progress, for the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeardownEvent {
    PhaseStarted {
        phase: Phase,
    },
    /// A delete request was accepted (the object may linger while finalizers run).
    Deleted {
        phase: Phase,
        object: ObjectRef,
    },
    /// Kept by its release (PVC or marked to keep, phase 4 without purge).
    Kept {
        phase: Phase,
        object: ObjectRef,
    },
    /// Waiting for these objects to disappear (sent when the set changes).
    Waiting {
        phase: Phase,
        objects: Vec<ObjectRef>,
    },
    /// A step that does not apply to this cluster (a kind it does not serve).
    Skipped {
        phase: Phase,
        reason: String,
    },
    PhaseDone {
        phase: Phase,
        deleted: usize,
    },
}

/// Where progress goes.
pub type TeardownEvents = Arc<dyn Fn(TeardownEvent) + Send + Sync>;

/// Progress nowhere.
pub fn no_teardown_events() -> TeardownEvents {
    Arc::new(|_| {})
}

/// What one phase did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhaseReport {
    pub phase: Phase,
    /// Delete requests accepted.
    pub deleted: usize,
    /// Objects their release kept (phase 4).
    pub kept: usize,
    /// Objects still there when a wait began (held by finalizers, or slow to go).
    pub waited_on: usize,
    /// Steps that did not apply, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// Volumes of our claims that retain their disk (reclaim policy Retain): not waited on, their
    /// disks outlive the cluster.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retained: Vec<ObjectRef>,
    /// Releases deleted (phase 4), in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub releases: Vec<String>,
    /// The phase ran to its end.
    pub done: bool,
    pub seconds: f64,
}

impl PhaseReport {
    fn new(phase: Phase) -> PhaseReport {
        PhaseReport {
            phase,
            deleted: 0,
            kept: 0,
            waited_on: 0,
            skipped: Vec::new(),
            retained: Vec::new(),
            releases: Vec::new(),
            done: false,
            seconds: 0.0,
        }
    }
}

/// What a teardown did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TeardownReport {
    pub platform: String,
    /// The phases that started, in order.
    pub phases: Vec<PhaseReport>,
    /// What a wait that timed out was still waiting on (empty when the teardown finished).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<ObjectRef>,
    pub requests: RequestCounts,
    pub seconds: f64,
}

impl TeardownReport {
    /// Delete requests accepted over all phases.
    pub fn deleted(&self) -> usize {
        self.phases.iter().map(|p| p.deleted).sum()
    }

    /// The report of `phase`, when it started.
    pub fn phase(&self, phase: Phase) -> Option<&PhaseReport> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    /// Every phase ran to its end.
    pub fn finished(&self) -> bool {
        self.phases.len() == Phase::ALL.len() && self.phases.iter().all(|p| p.done)
    }
}

/// Why a teardown stopped. Either way nothing of a later phase was touched, and running it
/// again continues where it stopped.
#[derive(Debug, thiserror::Error)]
pub enum TeardownError {
    /// A wait ran out of time; `left` is what was still there.
    #[error(
        "teardown of platform {platform} stopped in {phase}: after {seconds} s, {} still not gone: {}",
        count(.left.len()),
        names(.left)
    )]
    Timeout { platform: String, phase: Phase, seconds: u64, left: Vec<ObjectRef>, report: Box<TeardownReport> },
    /// The cluster refused or failed a request.
    #[error("teardown of platform {platform} failed in {phase}: {source}")]
    Kube {
        platform: String,
        phase: Phase,
        #[source]
        source: Box<KubeError>,
        report: Box<TeardownReport>,
    },
}

fn count(n: usize) -> String {
    if n == 1 { "1 object is".to_string() } else { format!("{n} objects are") }
}

fn names(objects: &[ObjectRef]) -> String {
    objects.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

impl TeardownError {
    /// What the teardown had done when it stopped.
    pub fn report(&self) -> &TeardownReport {
        match self {
            TeardownError::Timeout { report, .. } | TeardownError::Kube { report, .. } => report,
        }
    }

    /// What the user can do.
    pub fn hint(&self) -> Option<String> {
        match self {
            TeardownError::Timeout { phase, .. } => Some(format!(
                "{} is held by finalizers of a controller that has not finished (kubectl describe shows which); \
                 later phases were not started so that controller keeps running; re-run `down` (with a longer \
                 --timeout) to continue",
                match phase {
                    Phase::StopWorkloads => "a workload or autoscaler",
                    Phase::LoadBalancersAndVolumes => "a load balancer or volume",
                    Phase::NodePools => "a Karpenter node",
                    Phase::Releases => "an object",
                }
            )),
            TeardownError::Kube { source, .. } => source.hint(),
        }
    }
}

/// Tears down the in-cluster part of `platform`; see the module doc.
pub async fn teardown(
    cluster: &Cluster,
    platform: &str,
    options: &TeardownOptions,
    events: &TeardownEvents,
) -> Result<TeardownReport, TeardownError> {
    let mut run = Run {
        cluster,
        options,
        events,
        started: Instant::now(),
        deadline: Instant::now() + options.timeout,
        before: cluster.requests(),
        report: TeardownReport {
            platform: platform.to_string(),
            phases: Vec::new(),
            left: Vec::new(),
            requests: RequestCounts::default(),
            seconds: 0.0,
        },
    };
    for phase in Phase::ALL {
        run.begin(phase);
        let result = match phase {
            Phase::StopWorkloads => run.stop_workloads().await,
            Phase::LoadBalancersAndVolumes => run.load_balancers_and_volumes().await,
            Phase::NodePools => run.node_pools().await,
            Phase::Releases => run.releases().await,
        };
        if let Err(stop) = result {
            return Err(run.stopped(stop));
        }
        run.end();
    }
    run.finish();
    Ok(run.report)
}

/// Why a phase stopped (before the report is attached).
enum Stop {
    Timeout(Vec<ObjectRef>),
    Kube(KubeError),
}

impl From<KubeError> for Stop {
    fn from(e: KubeError) -> Stop {
        Stop::Kube(e)
    }
}

struct Run<'a> {
    cluster: &'a Cluster,
    options: &'a TeardownOptions,
    events: &'a TeardownEvents,
    started: Instant,
    deadline: Instant,
    before: RequestCounts,
    report: TeardownReport,
}

/// What to wait on: named objects, and every object of some kinds.
#[derive(Default)]
struct Gone {
    objects: Vec<ObjectRef>,
    kinds: Vec<Resolved>,
}

impl Run<'_> {
    fn platform(&self) -> &str {
        &self.report.platform
    }

    fn current(&mut self) -> &mut PhaseReport {
        self.report.phases.last_mut().expect("a phase started")
    }

    fn phase(&self) -> Phase {
        self.report.phases.last().map(|p| p.phase).unwrap_or(Phase::StopWorkloads)
    }

    fn emit(&self, event: TeardownEvent) {
        (self.events)(event)
    }

    fn begin(&mut self, phase: Phase) {
        self.report.phases.push(PhaseReport::new(phase));
        self.emit(TeardownEvent::PhaseStarted { phase });
    }

    fn end(&mut self) {
        let started = self.started;
        let elapsed_before: f64 = self.report.phases.iter().rev().skip(1).map(|p| p.seconds).sum();
        let current = self.current();
        current.done = true;
        current.seconds = (started.elapsed().as_secs_f64() - elapsed_before).max(0.0);
        let (phase, deleted) = (current.phase, current.deleted);
        self.emit(TeardownEvent::PhaseDone { phase, deleted });
    }

    fn finish(&mut self) {
        let after = self.cluster.requests();
        self.report.requests = RequestCounts {
            reads: after.reads - self.before.reads,
            writes: after.writes - self.before.writes,
            dry_runs: after.dry_runs - self.before.dry_runs,
        };
        self.report.seconds = self.started.elapsed().as_secs_f64();
    }

    fn stopped(mut self, stop: Stop) -> TeardownError {
        let elapsed_before: f64 = self.report.phases.iter().rev().skip(1).map(|p| p.seconds).sum();
        let started = self.started;
        self.current().seconds = (started.elapsed().as_secs_f64() - elapsed_before).max(0.0);
        self.finish();
        let (platform, phase) = (self.platform().to_string(), self.phase());
        match stop {
            Stop::Timeout(left) => {
                self.report.left = left.clone();
                TeardownError::Timeout {
                    platform,
                    phase,
                    seconds: self.options.timeout.as_secs(),
                    left,
                    report: Box::new(self.report),
                }
            }
            Stop::Kube(source) => {
                TeardownError::Kube { platform, phase, source: Box::new(source), report: Box::new(self.report) }
            }
        }
    }

    fn skip(&mut self, reason: String) {
        let phase = self.phase();
        self.current().skipped.push(reason.clone());
        self.emit(TeardownEvent::Skipped { phase, reason });
    }

    async fn inventories(&self) -> Result<Vec<Inventory>, KubeError> {
        inventory::list(self.cluster, self.platform()).await
    }

    /// Reads one object; `None` when it or its kind is gone.
    async fn get(&self, object: &ObjectRef) -> Result<Option<DynamicObject>, KubeError> {
        let Some(resolved) = self.cluster.resolve(&object.api_version, &object.kind).await? else { return Ok(None) };
        match self.cluster.api(&resolved, object.namespace.as_deref()).get_opt(&object.name).await {
            Ok(found) => Ok(found),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
            Err(e) => Err(KubeError::from_kube(&format!("reading {object}"), e)),
        }
    }

    /// Every object of a kind in the cluster (empty when it is no longer served).
    async fn list(&self, resolved: &Resolved) -> Result<Vec<DynamicObject>, KubeError> {
        match self.cluster.api(resolved, None).list(&ListParams::default()).await {
            Ok(list) => Ok(list.items),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(Vec::new()),
            Err(e) => Err(KubeError::from_kube(&format!("listing {}", resolved.resource.kind), e)),
        }
    }

    /// Deletes `object` unless it is gone or already being deleted; true when a request was
    /// accepted.
    async fn delete(&mut self, object: &ObjectRef, params: &DeleteParams) -> Result<bool, KubeError> {
        let Some(resolved) = self.cluster.resolve(&object.api_version, &object.kind).await? else { return Ok(false) };
        let api = self.cluster.api(&resolved, object.namespace.as_deref());
        match api.delete(&object.name, params).await {
            Ok(_) => {
                let phase = self.phase();
                self.current().deleted += 1;
                self.emit(TeardownEvent::Deleted { phase, object: object.clone() });
                Ok(true)
            }
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
            Err(e) => Err(KubeError::from_kube(&format!("deleting {object}"), e)),
        }
    }

    /// Deletes the live objects that are not already being deleted; returns every one of them
    /// (to wait on).
    async fn delete_live(
        &mut self,
        live: Vec<(ObjectRef, bool)>,
        params: &DeleteParams,
    ) -> Result<Vec<ObjectRef>, KubeError> {
        for (object, terminating) in &live {
            if !terminating {
                self.delete(object, params).await?;
            }
        }
        Ok(live.into_iter().map(|(o, _)| o).collect())
    }

    /// Deletes the named objects that still exist (and are not already being deleted); returns
    /// those that existed.
    async fn delete_named(
        &mut self,
        objects: Vec<ObjectRef>,
        params: &DeleteParams,
    ) -> Result<Vec<ObjectRef>, KubeError> {
        let mut live = Vec::new();
        for object in objects {
            if let Some(found) = self.get(&object).await? {
                live.push((object, found.metadata.deletion_timestamp.is_some()));
            }
        }
        self.delete_live(live, params).await
    }

    /// Waits until the objects and every object of the kinds are gone, or the deadline.
    async fn wait_gone(&mut self, gone: Gone) -> Result<(), Stop> {
        let phase = self.phase();
        let mut announced: Option<Vec<ObjectRef>> = None;
        let mut counted = false;
        loop {
            let mut left: BTreeSet<ObjectRef> = BTreeSet::new();
            for object in &gone.objects {
                if self.get(object).await?.is_some() {
                    left.insert(object.clone());
                }
            }
            for kind in &gone.kinds {
                for o in self.list(kind).await? {
                    left.insert(object_ref(kind, &o));
                }
            }
            let left: Vec<ObjectRef> = left.into_iter().collect();
            if !counted {
                self.current().waited_on += left.len();
                counted = true;
            }
            if left.is_empty() {
                return Ok(());
            }
            if Instant::now() >= self.deadline {
                return Err(Stop::Timeout(left));
            }
            if announced.as_ref() != Some(&left) {
                self.emit(TeardownEvent::Waiting { phase, objects: left.clone() });
                announced = Some(left);
            }
            let pause = self.options.poll.min(self.deadline.saturating_duration_since(Instant::now()));
            tokio::time::sleep(pause.max(Duration::from_millis(10))).await;
        }
    }

    async fn stop_workloads(&mut self) -> Result<(), Stop> {
        let inventories = self.inventories().await?;
        let entries: Vec<(&str, &ObjectRef)> =
            inventories.iter().flat_map(|i| i.objects.iter().map(|e| (i.release.as_str(), &e.object))).collect();
        // Autoscalers first, so nothing scales what goes next.
        let scalers: Vec<ObjectRef> =
            entries.iter().filter(|(_, o)| is_autoscaler(o)).map(|(_, o)| (*o).clone()).collect();
        let objects = self.delete_named(scalers, &DeleteParams::background()).await?;
        self.wait_gone(Gone { objects, ..Gone::default() }).await?;
        // Workload custom resources (their operators still run and clean up behind them).
        let custom: Vec<ObjectRef> =
            entries.iter().filter(|(_, o)| is_workload_resource(o)).map(|(_, o)| (*o).clone()).collect();
        let objects = self.delete_named(custom, &DeleteParams::background()).await?;
        self.wait_gone(Gone { objects, ..Gone::default() }).await?;
        // The workloads of the Trino release(s), with their Pods.
        let workloads: Vec<ObjectRef> = entries
            .iter()
            .filter(|(release, o)| {
                let addon = release.split('/').next().unwrap_or_default();
                self.options.workload_addons.iter().any(|a| a == addon) && is_workload(o)
            })
            .map(|(_, o)| (*o).clone())
            .collect();
        let objects = self.delete_named(workloads, &DeleteParams::foreground()).await?;
        self.wait_gone(Gone { objects, ..Gone::default() }).await?;
        Ok(())
    }

    async fn load_balancers_and_volumes(&mut self) -> Result<(), Stop> {
        let inventories = self.inventories().await?;
        let entries: Vec<&ObjectRef> = inventories.iter().flat_map(|i| i.objects.iter().map(|e| &e.object)).collect();
        // Load balancers: ours, and with `all_load_balancers` everyone's.
        let mut live: BTreeMap<ObjectRef, bool> = BTreeMap::new();
        for object in entries.iter().filter(|o| is_service(o) || is_ingress(o)) {
            if let Some(found) = self.get(object).await?
                && (is_ingress(object) || is_load_balancer(&found))
            {
                live.insert((*object).clone(), found.metadata.deletion_timestamp.is_some());
            }
        }
        if self.options.all_load_balancers {
            match self.cluster.resolve("v1", "Service").await? {
                Some(services) => {
                    for found in self.list(&services).await?.into_iter().filter(is_load_balancer) {
                        live.insert(object_ref(&services, &found), found.metadata.deletion_timestamp.is_some());
                    }
                }
                None => self.skip("v1 Service is not served".into()),
            }
            match self.cluster.resolve(INGRESS.0, INGRESS.1).await? {
                Some(ingresses) => {
                    for found in self.list(&ingresses).await? {
                        live.insert(object_ref(&ingresses, &found), found.metadata.deletion_timestamp.is_some());
                    }
                }
                None => self.skip(format!("{} {} is not served", INGRESS.0, INGRESS.1)),
            }
        }
        let objects = self.delete_live(live.into_iter().collect(), &DeleteParams::background()).await?;
        self.wait_gone(Gone { objects, ..Gone::default() }).await?;

        // Claims of our releases (declared, or made from our StatefulSets' templates) and the
        // volumes bound to them.
        let declared: BTreeSet<(String, String)> = entries
            .iter()
            .filter(|o| o.kind == "PersistentVolumeClaim" && o.group().is_empty())
            .map(|o| (o.namespace.clone().unwrap_or_default(), o.name.clone()))
            .collect();
        let sets: BTreeSet<(String, String)> = entries
            .iter()
            .filter(|o| o.kind == "StatefulSet" && o.group() == "apps")
            .map(|o| (o.namespace.clone().unwrap_or_default(), o.name.clone()))
            .collect();
        let ours = |namespace: &str, name: &str| {
            declared.contains(&(namespace.to_string(), name.to_string()))
                || sets.iter().any(|(ns, set)| ns == namespace && made_by_stateful_set(name, set))
        };
        let Some(claims) = self.cluster.resolve("v1", "PersistentVolumeClaim").await? else {
            self.skip("v1 PersistentVolumeClaim is not served".into());
            return Ok(());
        };
        let mut live = Vec::new();
        for found in self.list(&claims).await? {
            let (namespace, name) = (found.metadata.namespace.clone().unwrap_or_default(), found.name_any());
            if ours(&namespace, &name) {
                live.push((object_ref(&claims, &found), found.metadata.deletion_timestamp.is_some()));
            }
        }
        let mut volumes = Vec::new();
        if let Some(pvs) = self.cluster.resolve("v1", "PersistentVolume").await? {
            for found in self.list(&pvs).await? {
                let claim = &found.data["spec"]["claimRef"];
                let (Some(namespace), Some(name)) = (claim["namespace"].as_str(), claim["name"].as_str()) else {
                    continue;
                };
                if !ours(namespace, name) {
                    continue;
                }
                let object = object_ref(&pvs, &found);
                if found.data["spec"]["persistentVolumeReclaimPolicy"].as_str() == Some("Retain") {
                    self.current().retained.push(object);
                } else {
                    volumes.push(object);
                }
            }
        }
        let mut objects = self.delete_live(live, &DeleteParams::background()).await?;
        objects.extend(volumes);
        self.wait_gone(Gone { objects, ..Gone::default() }).await?;
        Ok(())
    }

    async fn node_pools(&mut self) -> Result<(), Stop> {
        let Some(pools) = self.cluster.resolve(NODE_POOL.0, NODE_POOL.1).await? else {
            self.skip(format!("{} {} is not served (no Karpenter)", NODE_POOL.0, NODE_POOL.1));
            return self.node_classes().await;
        };
        let mut gone = Gone::default();
        let live = self
            .list(&pools)
            .await?
            .iter()
            .map(|o| (object_ref(&pools, o), o.metadata.deletion_timestamp.is_some()))
            .collect();
        self.delete_live(live, &DeleteParams::background()).await?;
        gone.kinds.push(pools);
        // Karpenter drains and terminates the node of each NodeClaim before letting it go.
        match self.cluster.resolve(NODE_CLAIM.0, NODE_CLAIM.1).await? {
            Some(claims) => {
                let live = self
                    .list(&claims)
                    .await?
                    .iter()
                    .map(|o| (object_ref(&claims, o), o.metadata.deletion_timestamp.is_some()))
                    .collect();
                self.delete_live(live, &DeleteParams::background()).await?;
                gone.kinds.push(claims);
            }
            None => self.skip(format!("{} {} is not served", NODE_CLAIM.0, NODE_CLAIM.1)),
        }
        self.wait_gone(gone).await?;
        self.node_classes().await
    }

    async fn node_classes(&mut self) -> Result<(), Stop> {
        let Some(classes) = self.cluster.resolve(NODE_CLASS.0, NODE_CLASS.1).await? else {
            self.skip(format!("{} {} is not served", NODE_CLASS.0, NODE_CLASS.1));
            return Ok(());
        };
        let live = self
            .list(&classes)
            .await?
            .iter()
            .map(|o| (object_ref(&classes, o), o.metadata.deletion_timestamp.is_some()))
            .collect();
        self.delete_live(live, &DeleteParams::background()).await?;
        self.wait_gone(Gone { kinds: vec![classes], ..Gone::default() }).await?;
        Ok(())
    }

    async fn releases(&mut self) -> Result<(), Stop> {
        let apply_options = ApplyOptions { purge: self.options.purge, ..ApplyOptions::default() };
        let phase = self.phase();
        // Releases that appear meanwhile (another apply) are taken too, a bounded number of times.
        for _ in 0..3 {
            let inventories = self.inventories().await?;
            if inventories.is_empty() {
                break;
            }
            for release in deletion_order(&inventories, &self.options.dependencies) {
                // delete_release reports every object of the inventory as deleted, gone or not:
                // only those still there (and not already going) count as deleted here.
                let mut present: BTreeSet<ObjectRef> = BTreeSet::new();
                for entry in inventories.iter().filter(|i| i.release == release).flat_map(|i| &i.objects) {
                    if let Some(found) = self.get(&entry.object).await?
                        && found.metadata.deletion_timestamp.is_none()
                    {
                        present.insert(entry.object.clone());
                    }
                }
                let seen: Arc<Mutex<Vec<TeardownEvent>>> = Arc::default();
                let sink = seen.clone();
                let forward = self.events.clone();
                let release_events: Events = Arc::new(move |event| {
                    let Event::Changed { change, .. } = event else { return };
                    let event = match change.action {
                        Action::Delete if present.contains(&change.object) => {
                            TeardownEvent::Deleted { phase, object: change.object }
                        }
                        Action::Keep => TeardownEvent::Kept { phase, object: change.object },
                        _ => return,
                    };
                    sink.lock().expect("events").push(event.clone());
                    forward(event);
                });
                let result = delete_release(self.cluster, &release, &apply_options, &release_events).await;
                for event in seen.lock().expect("events").iter() {
                    match event {
                        TeardownEvent::Deleted { .. } => self.current().deleted += 1,
                        TeardownEvent::Kept { .. } => self.current().kept += 1,
                        _ => {}
                    }
                }
                result?;
                self.current().releases.push(release);
            }
        }
        Ok(())
    }
}

fn object_ref(resolved: &Resolved, o: &DynamicObject) -> ObjectRef {
    ObjectRef {
        api_version: resolved.resource.api_version.clone(),
        kind: resolved.resource.kind.clone(),
        namespace: if resolved.namespaced { o.metadata.namespace.clone() } else { None },
        name: o.name_any(),
    }
}

fn is_autoscaler(o: &ObjectRef) -> bool {
    matches!(
        (o.group(), o.kind.as_str()),
        ("keda.sh", "ScaledObject" | "ScaledJob") | ("autoscaling", "HorizontalPodAutoscaler")
    )
}

fn is_karpenter(o: &ObjectRef) -> bool {
    matches!(o.group(), "karpenter.sh" | "karpenter.k8s.aws")
}

/// A custom resource of an inventory that stops in phase 1: any but Karpenter's (phase 3) and
/// the autoscalers (already gone).
fn is_workload_resource(o: &ObjectRef) -> bool {
    is_custom(&o.api_version) && !is_karpenter(o) && !is_autoscaler(o)
}

fn is_workload(o: &ObjectRef) -> bool {
    matches!(
        (o.group(), o.kind.as_str()),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
            | ("batch", "Job" | "CronJob")
            | ("", "Pod" | "ReplicationController")
    )
}

fn is_service(o: &ObjectRef) -> bool {
    o.group().is_empty() && o.kind == "Service"
}

fn is_ingress(o: &ObjectRef) -> bool {
    o.kind == "Ingress" && matches!(o.group(), "networking.k8s.io" | "extensions")
}

fn is_load_balancer(o: &DynamicObject) -> bool {
    o.data["spec"]["type"].as_str() == Some("LoadBalancer")
}

/// Whether claim `name` comes from a volumeClaimTemplate of StatefulSet `set`
/// (`<template>-<set>-<ordinal>`).
fn made_by_stateful_set(name: &str, set: &str) -> bool {
    let Some((rest, ordinal)) = name.rsplit_once('-') else { return false };
    if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    rest.strip_suffix(set).and_then(|t| t.strip_suffix('-')).is_some_and(|template| !template.is_empty())
}

/// Where a release stands in phase 4 among those free to go: ordinary releases first, then
/// KEDA (its CRDs), the EBS CSI driver, the AWS Load Balancer Controller, Karpenter. Known by
/// addon name or by what the release holds.
fn infrastructure_rank(inventory: &Inventory) -> u8 {
    let addon = inventory.release.split('/').next().unwrap_or_default();
    let crd_groups: BTreeSet<&str> = inventory
        .objects
        .iter()
        .filter(|e| e.object.kind == "CustomResourceDefinition")
        .filter_map(|e| e.object.name.split_once('.').map(|(_, group)| group))
        .collect();
    let holds =
        |kind: &str, name: &str| inventory.objects.iter().any(|e| e.object.kind == kind && e.object.name == name);
    if addon == "karpenter" || crd_groups.contains("karpenter.sh") || crd_groups.contains("karpenter.k8s.aws") {
        4
    } else if addon == "aws-load-balancer-controller" || crd_groups.contains("elbv2.k8s.aws") {
        3
    } else if addon.contains("ebs-csi") || holds("CSIDriver", "ebs.csi.aws.com") {
        2
    } else if addon == "keda" || crd_groups.contains("keda.sh") {
        1
    } else {
        0
    }
}

/// The order phase 4 deletes `inventories` in: a release goes once no remaining release depends
/// on it (per `dependencies`); among those free to go, ordinary releases before infrastructure
/// ([`infrastructure_rank`]), then by id. A dependency cycle is broken the same way.
pub fn deletion_order(inventories: &[Inventory], dependencies: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let rank: BTreeMap<&str, u8> = inventories.iter().map(|i| (i.release.as_str(), infrastructure_rank(i))).collect();
    let mut remaining: BTreeSet<&str> = rank.keys().copied().collect();
    let mut order = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        let depended_on: BTreeSet<&str> = remaining
            .iter()
            .flat_map(|r| dependencies.get(*r).into_iter().flatten().map(String::as_str).filter(move |d| d != r))
            .collect();
        let free: Vec<&str> = remaining.iter().copied().filter(|r| !depended_on.contains(r)).collect();
        let pool = if free.is_empty() { remaining.iter().copied().collect() } else { free };
        let next = pool.into_iter().min_by_key(|r| (rank[r], *r)).expect("remaining is not empty");
        remaining.remove(next);
        order.push(next.to_string());
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Entry;

    fn inventory(release: &str, objects: &[(&str, &str, &str)]) -> Inventory {
        Inventory {
            release: release.into(),
            platform: "p".into(),
            hash: String::new(),
            pending: false,
            objects: objects
                .iter()
                .map(|(api_version, kind, name)| Entry {
                    object: ObjectRef {
                        api_version: (*api_version).into(),
                        kind: (*kind).into(),
                        namespace: None,
                        name: (*name).into(),
                    },
                    uid: None,
                    resource_version: None,
                })
                .collect(),
        }
    }

    #[test]
    fn releases_go_dependents_first_and_infrastructure_last() {
        let crd = "apiextensions.k8s.io/v1";
        let inventories = vec![
            inventory("karpenter/karpenter", &[(crd, "CustomResourceDefinition", "nodepools.karpenter.sh")]),
            inventory("lbc/lbc", &[(crd, "CustomResourceDefinition", "targetgroupbindings.elbv2.k8s.aws")]),
            inventory("csi/csi", &[("storage.k8s.io/v1", "CSIDriver", "ebs.csi.aws.com")]),
            inventory("keda/keda", &[(crd, "CustomResourceDefinition", "scaledobjects.keda.sh")]),
            inventory("a/a", &[]),
            inventory("trino/trino", &[]),
            inventory("z/z", &[]),
        ];
        let dependencies = BTreeMap::from([
            ("trino/trino".to_string(), vec!["keda/keda".to_string(), "z/z".to_string()]),
            ("keda/keda".to_string(), vec!["karpenter/karpenter".to_string()]),
        ]);
        assert_eq!(
            deletion_order(&inventories, &dependencies),
            ["a/a", "trino/trino", "z/z", "keda/keda", "csi/csi", "lbc/lbc", "karpenter/karpenter"]
        );
        // A cycle still yields every release once.
        let cycle = BTreeMap::from([
            ("a/a".to_string(), vec!["z/z".to_string()]),
            ("z/z".to_string(), vec!["a/a".to_string()]),
        ]);
        // trino is free; a and z wait on each other: broken by id.
        assert_eq!(deletion_order(&inventories[4..], &cycle), ["trino/trino", "a/a", "z/z"]);
    }

    #[test]
    fn claims_of_stateful_sets_are_recognised_by_name() {
        assert!(made_by_stateful_set("data-trino-worker-0", "trino-worker"));
        assert!(made_by_stateful_set("a-b-c-kafka-12", "kafka"));
        assert!(!made_by_stateful_set("trino-worker-0", "trino-worker"));
        assert!(!made_by_stateful_set("data-trino-worker-x", "trino-worker"));
        assert!(!made_by_stateful_set("data-other-worker-0", "trino-worker"));
    }

    #[test]
    fn a_timeout_names_the_objects_and_the_phase() {
        let left = vec![ObjectRef {
            api_version: "v1".into(),
            kind: "Service".into(),
            namespace: Some("a".into()),
            name: "lb".into(),
        }];
        let report = TeardownReport {
            platform: "p".into(),
            phases: Vec::new(),
            left: left.clone(),
            requests: RequestCounts::default(),
            seconds: 0.0,
        };
        let e = TeardownError::Timeout {
            platform: "p".into(),
            phase: Phase::LoadBalancersAndVolumes,
            seconds: 5,
            left,
            report: Box::new(report),
        };
        assert_eq!(
            e.to_string(),
            "teardown of platform p stopped in phase 2 (load balancers and volumes): after 5 s, 1 object is still \
             not gone: Service a/lb"
        );
        assert!(e.hint().unwrap().contains("load balancer"));
    }
}
