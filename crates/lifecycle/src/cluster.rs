//! The cluster side: `apply` (charts rendered with `lookup` reading the cluster, releases applied
//! by the DAG runner, releases of addons no longer enabled pruned), the releases' diff for `plan`,
//! and `down`'s in-cluster teardown.

use std::sync::Arc;
use std::time::Duration;

use dataplat_core::Plan;
use dataplat_core::charts::{ChartOptions, RenderedChart};
use dataplat_core::cloud_values::CloudValues;
use dataplat_core::cluster::{ClusterReleases, kube_releases};
use dataplat_kube::apply::{ApplyOptions, ReleaseReport, delete_release, plan_delete_release, plan_release};
use dataplat_kube::cluster::{Cluster, ConnectOptions};
use dataplat_kube::inventory;
use dataplat_kube::lookup::LiveLookup;

use crate::events::{ChartProgress, Event, Events};
use crate::{ChartFetch, Context, Error, Loaded, Result};

/// How `apply` goes about it.
#[derive(Clone, Debug)]
pub struct ApplySettings {
    pub cluster: ConnectOptions,
    pub fetch: ChartFetch,
    /// Take over fields other field managers own.
    pub force_conflicts: bool,
    /// Wait for each release to become healthy.
    pub wait: bool,
    /// Delete claims and kept objects of removed releases too.
    pub purge: bool,
    /// How long each release may take to become healthy.
    pub timeout: Duration,
    /// Releases applied at once (dependencies permitting).
    pub concurrency: usize,
    /// Run the readiness analysis on the rendered objects first (`up` has run it already).
    pub check_readiness: bool,
}

impl ApplySettings {
    /// `apply`'s defaults on `cluster`: wait 600 s per release, 4 at once.
    pub fn new(cluster: ConnectOptions, fetch: ChartFetch) -> ApplySettings {
        ApplySettings {
            cluster,
            fetch,
            force_conflicts: false,
            wait: true,
            purge: false,
            timeout: Duration::from_secs(600),
            concurrency: 4,
            check_readiness: true,
        }
    }
}

/// Connects and asks the API server its version, so a wrong context fails here and not in the
/// middle of a release.
pub async fn connect(target: &ConnectOptions) -> Result<Cluster> {
    let cluster = Cluster::connect(target).await?;
    cluster.client().apiserver_version().await.map_err(|e| {
        Error::failed(
            format!("cannot reach the cluster: {e}"),
            Some("check --kubeconfig/--context (or KUBECONFIG) and that the cluster is up".into()),
        )
    })?;
    Ok(cluster)
}

/// Connects to the cluster to plan against; a failure says how to plan without one.
pub async fn connect_for_plan(target: &ConnectOptions) -> Result<Cluster> {
    connect(target).await.map_err(|e| {
        e.with_hint(|hint| {
            format!(
                "{}; or run `kubectl dataplat plan --offline` for the plan without a cluster",
                hint.unwrap_or_default()
            )
        })
    })
}

/// The hint for a failed connection to the platform's own context: the exec credential
/// (`kubectl-dataplat token`) not found on PATH, or the context missing or stale.
pub fn context_hint(message: &str, context: &str, otherwise: &str) -> String {
    if message.contains("auth exec") {
        format!(
            "context {context} runs `kubectl-dataplat token` for its credential: put kubectl-dataplat on PATH (as kubectl \
             plugins are), {otherwise}"
        )
    } else if message.contains("cannot reach the cluster") {
        format!(
            "the API server of context {context} did not answer: check the network path to it (public_access_cidrs, \
             or only the VPC when endpoint_public_access is false), {otherwise}"
        )
    } else {
        format!("run `kubectl dataplat kubeconfig` to write context {context}, {otherwise}")
    }
}

/// Connects through the platform's own context; a failure's hint says what to fix, or
/// `otherwise` (the command's way around it).
pub(crate) async fn connect_context(target: &ConnectOptions, otherwise: &str) -> Result<Cluster> {
    let context = target.context.clone().unwrap_or_default();
    connect_for_plan(target).await.map_err(|e| match e {
        Error::Failed { message, .. } => {
            let hint = context_hint(&message, &context, otherwise);
            Error::failed(message, Some(hint))
        }
        other => other,
    })
}

/// Renders the plan's charts on a blocking thread, `lookup` reading `cluster`.
async fn render(
    ctx: &Context,
    plan: &Plan,
    cluster: &Cluster,
    fetch: &ChartFetch,
    events: &Events,
) -> Result<Vec<RenderedChart>> {
    let lookup = LiveLookup { cluster: cluster.clone(), handle: tokio::runtime::Handle::current() };
    let options = ChartOptions {
        fetch: ctx.fetch_options(fetch)?,
        lookup: Some(helm::LookupHandle(Arc::new(lookup))),
        ..ChartOptions::default()
    };
    let (plan, events) = (plan.clone(), events.clone());
    tokio::task::spawn_blocking(move || {
        dataplat_core::charts::render_charts(&plan, &options, |event| {
            events(&Event::Chart(ChartProgress::of(&event)));
        })
        .map_err(Error::from)
    })
    .await
    .map_err(|e| Error::failed(format!("chart rendering stopped: {e}"), None))?
}

fn releases(plan: &Plan, charts: &[RenderedChart]) -> Result<ClusterReleases> {
    kube_releases(plan, &plan.platform.name, charts).map_err(|e| {
        Error::failed(e.to_string(), Some("a chart rendered something that is not a Kubernetes object".into()))
    })
}

/// Resolves the plan's cloud placeholders for `apply`: with `values` (what `up` just made), else
/// read from the live stacks; an error before anything is applied when they cannot be had.
pub async fn resolve_cloud_values(plan: &mut Plan, values: Option<CloudValues>) -> Result<()> {
    use dataplat_core::cloud_values;
    if !cloud_values::needs_cloud_values(plan) {
        return Ok(());
    }
    let values = match values {
        Some(values) => values,
        None => crate::access::live_values(plan).await?,
    };
    cloud_values::resolve(plan, &values).map_err(|e| Error::failed(e.to_string(), Some(e.hint())))
}

/// `apply` of a loaded platform and its plan (composed once per command: `up` passes its own);
/// `values`: what the cloud step just made (`up`), else read from the live stacks when the plan
/// needs any.
pub async fn apply(
    ctx: &Context,
    loaded: &Loaded,
    mut plan: Plan,
    settings: &ApplySettings,
    values: Option<CloudValues>,
    events: &Events,
) -> Result<()> {
    resolve_cloud_values(&mut plan, values).await?;
    let cluster = connect(&settings.cluster).await?;
    let charts = render(ctx, &plan, &cluster, &settings.fetch, events).await?;
    if settings.check_readiness {
        // The objects about to be applied, analysed before the first write: nothing is
        // applied to a platform that cannot come up (so far only reads reached the cluster).
        let report = dataplat_core::readiness::analyze(&plan, &charts, &loaded.platform.readiness.waivers);
        let analysis = dataplat_core::readiness::Analysis::Analysed { report };
        events(&Event::Readiness(analysis.clone()));
        crate::readiness::gate(&analysis)?;
    }
    let ClusterReleases { releases, autoscaled } = releases(&plan, &charts)?;
    let options = ApplyOptions {
        force_conflicts: settings.force_conflicts,
        wait: settings.wait,
        purge: settings.purge,
        timeout: settings.timeout,
        autoscaled,
        ..ApplyOptions::default()
    };
    let release_events: dataplat_kube::apply::Events = {
        let events = events.clone();
        Arc::new(move |event| events(&Event::Release(event)))
    };
    let wanted: Vec<String> = releases.iter().map(|r| r.id.clone()).collect();
    let outcomes =
        dataplat_kube::dag::apply_all(&cluster, releases, &options, settings.concurrency, &release_events).await;
    let mut failures: Vec<String> =
        outcomes.iter().filter_map(|(_, r)| r.as_ref().err().map(|e| e.to_string())).collect();
    // Addons switched off since the last apply: their releases go (claims and kept objects stay).
    if failures.is_empty() {
        let stale = inventory::list(&cluster, &plan.platform.name).await?;
        for old in stale.iter().rev().filter(|i| !wanted.contains(&i.release)) {
            if let Err(e) = delete_release(&cluster, &old.release, &options, &release_events).await {
                failures.push(e.to_string());
            }
        }
    }
    events(&Event::Applied { releases: wanted.len(), requests: cluster.requests() });
    match failures.len() {
        0 => Ok(()),
        1 => Err(Error::failed(failures.remove(0), None)),
        n => Err(Error::failed(format!("{n} releases failed:\n  {}", failures.join("\n  ")), None)),
    }
}

/// What `apply` would change on `cluster`, release by release (releases of addons no longer
/// enabled as deletions, kept or deleted by the applier's own rule).
pub async fn release_reports(
    ctx: &Context,
    plan: &Plan,
    cluster: &Cluster,
    mirror: &[String],
    events: &Events,
) -> Result<Vec<ReleaseReport>> {
    let fetch = ChartFetch { offline: false, mirror: mirror.to_vec() };
    let charts = render(ctx, plan, cluster, &fetch, events).await?;
    let ClusterReleases { releases, autoscaled } = releases(plan, &charts)?;
    let options = ApplyOptions { autoscaled, ..ApplyOptions::default() };
    let mut reports = Vec::new();
    let wanted: Vec<String> = releases.iter().map(|r| r.id.clone()).collect();
    for release in &releases {
        reports.push(plan_release(cluster, release, &options).await?);
    }
    for old in inventory::list(cluster, &plan.platform.name).await? {
        if !wanted.contains(&old.release) {
            reports.push(plan_delete_release(cluster, &old.release, &options).await?);
        }
    }
    Ok(reports)
}

/// `down`'s in-cluster half: the ordered teardown (scalers and workloads, load balancers and
/// volumes, NodePools, then the releases) on the platform's cluster. Skipped when the EKS cluster
/// does not exist; an unreachable cluster is an error (`--cloud-only` skips this half).
pub async fn teardown(
    plan: &Plan,
    target: &ConnectOptions,
    clients: &dataplat_aws::clients::Clients,
    events: &Events,
) -> Result<()> {
    let name = plan.platform.name.as_str();
    let exists = dataplat_aws::eks::cluster_info_of(&clients.eks, name)
        .await
        .map_err(|e| Error::failed(e.to_string(), Some(e.hint())))?;
    if exists.is_none() {
        events(&Event::NoClusterToTearDown { cluster: name.to_owned() });
        return Ok(());
    }
    let mut target = target.clone();
    if target.context.is_none() && target.kubeconfig.is_none() {
        target.context = Some(dataplat_aws::kubeconfig::default_context_name(name, &plan.platform.region));
    }
    let otherwise = "or `down --cloud-only` to skip the in-cluster teardown (the sweep then removes load balancers \
                     and Karpenter nodes by tag)";
    let cluster = connect_context(&target, otherwise).await?;
    let dependencies =
        plan.addons.iter().flat_map(|a| &a.releases).map(|r| (r.id.clone(), r.depends_on.clone())).collect();
    let options = dataplat_kube::TeardownOptions { dependencies, ..dataplat_kube::TeardownOptions::default() };
    let teardown_events: dataplat_kube::TeardownEvents = {
        let events = events.clone();
        Arc::new(move |event| events(&Event::Teardown(event)))
    };
    dataplat_kube::teardown(&cluster, name, &options, &teardown_events).await?;
    Ok(())
}
