//! The cloud lifecycle and the commands that span cloud and cluster: `up`, `down`,
//! `kubeconfig`, the live `plan` and `status`.

use std::path::PathBuf;

use dataplat_aws::cloud::{self, CloudPlan, CloudStatus, DownOptions, DownReport};
use dataplat_aws::eks::{Action as EksAction, ClusterInfo, ResourceKind};
use dataplat_aws::kubeconfig::{self, EksContext};
use dataplat_core::Plan;
use dataplat_core::cloud_values;
use dataplat_kube::ConnectOptions;
use dataplat_kube::apply::ReleaseReport;
use dataplat_kube::cluster::Cluster;

use crate::access::{clients, live_values, polling, runtime};
use crate::cluster::{self, ApplySettings};
use crate::events::{Event, Events};
use crate::{ChartFetch, Context, Error, Result, Session, cloud_spec};

/// The kubeconfig context of the platform's cluster.
fn eks_context(info: &ClusterInfo, region: &str) -> EksContext {
    EksContext {
        name: kubeconfig::default_context_name(&info.name, region),
        cluster: info.name.clone(),
        region: region.to_owned(),
        server: info.endpoint.clone(),
        certificate_authority_data: info.certificate_authority.clone(),
        profile: std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()),
        role_arn: None,
    }
}

/// Writes the context into `path` (default: the first of KUBECONFIG, else ~/.kube/config) as
/// the current context; returns where, and the context's name.
fn write_kubeconfig(path: Option<PathBuf>, info: &ClusterInfo, region: &str) -> Result<(PathBuf, String)> {
    let path = match path {
        Some(p) => p,
        None => kubeconfig::default_path().map_err(|e| Error::failed(e.to_string(), None))?,
    };
    let context = eks_context(info, region);
    kubeconfig::write(&path, &context, true)
        .map_err(|e| Error::failed(e.to_string(), Some("pass --kubeconfig FILE to write somewhere else".into())))?;
    Ok((path, context.name))
}

/// What `up` is asked to do.
#[derive(Clone, Debug)]
pub struct UpSettings {
    /// Stop after the cloud and the kubeconfig context.
    pub cloud_only: bool,
    /// The kubeconfig to write the context to.
    pub kubeconfig: Option<PathBuf>,
    /// Longest wait for one cloud step.
    pub timeout_minutes: u64,
    pub fetch: ChartFetch,
}

/// `up`: the readiness gate (nothing is created for a platform that cannot come up), the cloud,
/// the kubeconfig context ([`Event::CloudDone`]), then `apply` with the values the cloud made.
pub fn up(ctx: &Context, session: Session, settings: &UpSettings, events: &Events) -> Result<()> {
    let Session { loaded, plan, .. } = session;
    if !settings.cloud_only {
        let analysis = crate::readiness::analyze(ctx, &plan, &loaded.platform, &settings.fetch)?;
        events(&Event::Readiness(analysis.clone()));
        crate::readiness::gate(&analysis)?;
    }
    let region = plan.platform.region.clone();
    let polling = polling(settings.timeout_minutes)?;
    runtime()?.block_on(async {
        let clients = clients(&region, polling).await;
        let report = cloud::up(&clients, &cloud_spec(&plan), &mut |e| events(&Event::Cloud(e.clone()))).await?;
        let (kubeconfig, context) = write_kubeconfig(settings.kubeconfig.clone(), &report.eks.cluster, &region)?;
        let values = report.values.clone();
        let target = ConnectOptions { kubeconfig: Some(kubeconfig.clone()), context: Some(context.clone()) };
        events(&Event::CloudDone { report: Box::new(report), kubeconfig, context });
        if settings.cloud_only {
            return Ok(());
        }
        // The readiness analysis ran before the cloud; what the cloud made fills the placeholders.
        let apply = ApplySettings { check_readiness: false, ..ApplySettings::new(target, settings.fetch.clone()) };
        cluster::apply(ctx, &loaded, plan, &apply, Some(values), events).await
    })
}

/// `apply` on its own: the releases of the session's plan on `settings.cluster`.
pub fn apply(ctx: &Context, session: Session, settings: &ApplySettings, events: &Events) -> Result<()> {
    runtime()?.block_on(cluster::apply(ctx, &session.loaded, session.plan, settings, None, events))
}

/// What `down` is asked to do.
#[derive(Clone, Debug)]
pub struct DownSettings {
    pub keep_data: bool,
    /// Skip the in-cluster teardown.
    pub cloud_only: bool,
    pub cluster: ConnectOptions,
    pub timeout_minutes: u64,
}

/// `down`: the in-cluster teardown (unless `cloud_only`), then the cloud's, the sweep and its
/// receipt. Whether the receipt proves the platform gone is [`down_verdict`].
pub fn down(plan: &Plan, settings: &DownSettings, events: &Events) -> Result<DownReport> {
    let polling = polling(settings.timeout_minutes)?;
    runtime()?.block_on(async {
        let clients = clients(&plan.platform.region, polling).await;
        if !settings.cloud_only {
            cluster::teardown(plan, &settings.cluster, &clients, events).await?;
        }
        let options = DownOptions { keep_data: settings.keep_data };
        Ok(cloud::down(&clients, &cloud_spec(plan), &options, &mut |e| events(&Event::Cloud(e.clone()))).await?)
    })
}

/// `down` succeeds only when the receipt proves nothing billable is left: the sweep's second look
/// succeeded and found nothing outside the retained set.
pub fn down_verdict(receipt: &dataplat_aws::sweep::Receipt) -> Result<()> {
    if let Some(error) = &receipt.verify_error {
        return Err(Error::failed(
            format!("the sweep could not look again, so nothing is proven gone: {error}"),
            Some("fix the cause (credentials, permissions, throttling) and run `down` again (it resumes)".into()),
        ));
    }
    if receipt.billable_remaining() > 0 {
        return Err(Error::failed(
            format!("{} billable resource(s) remain after the sweep", receipt.billable_remaining()),
            Some("see Remaining on the receipt; fix the cause and run `down` again (it resumes)".into()),
        ));
    }
    Ok(())
}

/// What `kubeconfig` did.
pub enum KubeconfigOutcome {
    /// `--print`: a kubeconfig with only the platform's context.
    Printed(String),
    /// Merged into this file as the current context.
    Written { path: PathBuf, context: String },
}

/// `kubeconfig`: the platform's EKS cluster's context, printed or merged into `path`.
pub fn kubeconfig(
    platform: &dataplat_config::Platform,
    path: Option<PathBuf>,
    print: bool,
) -> Result<KubeconfigOutcome> {
    let (name, region) = (platform.name.clone(), platform.region.clone());
    let info = runtime()?.block_on(async {
        let clients = clients(&region, polling(1)?).await;
        dataplat_aws::eks::cluster_info_of(&clients.eks, &name)
            .await
            .map_err(|e| Error::failed(e.to_string(), Some(e.hint())))
    })?;
    let Some(info) = info else {
        return Err(Error::failed(
            format!("EKS cluster {name} does not exist in {region}"),
            Some("create it with `kubectl dataplat up`".into()),
        ));
    };
    if print {
        let text = kubeconfig::merge(None, &eks_context(&info, &region), true, "-")
            .map_err(|e| Error::failed(e.to_string(), None))?;
        return Ok(KubeconfigOutcome::Printed(text));
    }
    let (path, context) = write_kubeconfig(path, &info, &region)?;
    Ok(KubeconfigOutcome::Written { path, context })
}

/// Which parts a live `plan` or `status` looks at, and on which cluster.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub cloud_only: bool,
    /// A cluster dataplat did not create: no AWS calls.
    pub cluster_only: bool,
    /// An explicitly named cluster (`--kubeconfig`/`--context`).
    pub cluster: ConnectOptions,
}

impl Scope {
    /// The cluster an explicit `--kubeconfig`/`--context` (or `--cluster-only`) names, reached
    /// before any AWS call so a wrong one fails first; `None` when none is named.
    async fn named_cluster(&self) -> Result<Option<Cluster>> {
        let named = self.cluster.kubeconfig.is_some() || self.cluster.context.is_some();
        if self.cluster_only || named {
            return Ok(Some(cluster::connect_for_plan(&self.cluster).await?));
        }
        Ok(None)
    }
}

/// The platform's own cluster through its context `<name>.<region>`.
async fn own_cluster(plan: &Plan, otherwise: &str) -> Result<Cluster> {
    let context = kubeconfig::default_context_name(&plan.platform.name, &plan.platform.region);
    cluster::connect_context(&ConnectOptions { kubeconfig: None, context: Some(context) }, otherwise).await
}

/// What `plan` shows: `cloud` is null with `--cluster-only`, `releases` null with `--cloud-only`
/// or when the cluster does not exist yet (`note` says so).
#[derive(Debug, serde::Serialize)]
pub struct PlanOutput {
    pub cloud: Option<CloudPlan>,
    pub releases: Option<Vec<ReleaseReport>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The readiness analysis of the whole platform (what `up` would refuse).
    pub readiness: Option<dataplat_core::readiness::Analysis>,
}

/// `plan` without `--offline`: the cloud (stack change sets, EKS changes) and the releases' diff
/// against the cluster. An explicitly named cluster is reached first, so a wrong one fails before
/// any AWS call; otherwise the platform's own EKS cluster is planned against through its context
/// when it exists. Then the readiness analysis (charts from the cache the diff filled).
pub fn plan(ctx: &Context, session: &Session, scope: &Scope, mirror: &[String], events: &Events) -> Result<PlanOutput> {
    let plan = &session.plan;
    let polling = polling(60)?;
    let output = runtime()?.block_on(async {
        let mut cluster = scope.named_cluster().await?;
        let cloud = match scope.cluster_only {
            true => None,
            false => Some(cloud::plan(&clients(&plan.platform.region, polling).await, &cloud_spec(plan)).await?),
        };
        let mut note = None;
        let mut plan = plan.clone();
        if !scope.cloud_only && cloud_values::needs_cloud_values(&plan) {
            // The releases diff with what `up` made; before it has, the placeholder shows.
            match live_values(&plan).await {
                Ok(values) => cloud_values::resolve_known(&mut plan, &values),
                // `--cluster-only` promised no cloud planning: say what is missing, go on.
                Err(Error::Failed { message: e, .. }) if scope.cluster_only => {
                    note = Some(format!(
                        "the AMP workspace id could not be read, so the releases show {} in its place: {e}",
                        cloud_values::AMP_WORKSPACE_ID
                    ))
                }
                Err(e) => return Err(e),
            }
        }
        if !scope.cloud_only && cluster.is_none() {
            let eks = cloud.as_ref().map(|c| &c.eks);
            let recreated = eks.is_some_and(|e| {
                e.changes.iter().any(|c| c.kind == ResourceKind::Cluster && c.action != EksAction::Updated)
            });
            match eks.and_then(|e| e.cluster.as_ref()) {
                Some(_) if !recreated => cluster = Some(own_cluster(&plan, "or `plan --cloud-only`").await?),
                _ => {
                    let releases: usize = plan.addons.iter().map(|a| a.releases.len()).sum();
                    note = Some(format!(
                        "EKS cluster {} does not exist yet: `up` creates it, then applies {releases} release(s)",
                        plan.platform.name
                    ));
                }
            }
        }
        let releases = match &cluster {
            Some(cluster) => Some(cluster::release_reports(ctx, &plan, cluster, mirror, events).await?),
            None => None,
        };
        Ok::<_, Error>(PlanOutput { cloud, releases, note, readiness: None })
    })?;
    // What `up` would refuse; not for the cloud alone, which applies nothing in the cluster.
    let readiness = match scope.cloud_only {
        true => None,
        false => {
            let fetch = ChartFetch { offline: false, mirror: mirror.to_vec() };
            Some(crate::readiness::for_plan(ctx, plan, &session.loaded.platform, &fetch)?)
        }
    };
    Ok(PlanOutput { readiness, ..output })
}

/// What `status` shows: `cloud` is null with `--cluster-only`, `releases` null with
/// `--cloud-only` or when the cluster does not exist.
#[derive(Debug, serde::Serialize)]
pub struct StatusOutput {
    pub healthy: bool,
    pub cloud: Option<CloudStatus>,
    pub releases: Option<Vec<dataplat_kube::status::ReleaseStatus>>,
    pub endpoints: Vec<dataplat_core::model::Endpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `status`: the cloud as it is, then each release's objects judged once (no waiting), then the
/// addons' endpoints. Healthy only when everything is, every planned release included.
pub fn status(plan: &Plan, scope: &Scope) -> Result<StatusOutput> {
    let name = plan.platform.name.clone();
    let polling = polling(1)?;
    runtime()?.block_on(async {
        let mut cluster = scope.named_cluster().await?;
        let cloud = match scope.cluster_only {
            true => None,
            false => Some(cloud::status(&clients(&plan.platform.region, polling).await, &cloud_spec(plan)).await?),
        };
        let mut note = None;
        if !scope.cloud_only && cluster.is_none() {
            match cloud.as_ref().and_then(|c| c.eks.as_ref()) {
                Some(eks) if eks.cluster.status == "ACTIVE" => {
                    cluster = Some(own_cluster(plan, "or `status --cloud-only`").await?);
                }
                Some(eks) => {
                    note = Some(format!("EKS cluster {name} is {}: its releases are not read", eks.cluster.status))
                }
                None => note = Some(format!("EKS cluster {name} does not exist: `kubectl dataplat up` creates it")),
            }
        }
        let releases = match &cluster {
            Some(cluster) => Some(dataplat_kube::status::platform_status(cluster, &name).await?),
            None => None,
        };
        let wanted: Vec<&str> = plan.addons.iter().flat_map(|a| a.releases.iter().map(|r| r.id.as_str())).collect();
        let releases_healthy = releases.as_ref().is_none_or(|list| {
            list.iter().all(|r| r.healthy()) && wanted.iter().all(|w| list.iter().any(|r| r.release == *w))
        });
        let healthy = cloud.as_ref().is_none_or(CloudStatus::healthy) && releases_healthy && note.is_none();
        let endpoints = plan.addons.iter().flat_map(|a| a.endpoints.iter().cloned()).collect();
        Ok(StatusOutput { healthy, cloud, releases, endpoints, note })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_fails_unless_the_second_look_proves_nothing_billable_is_left() {
        let mut receipt = dataplat_aws::sweep::Receipt {
            platform: "p".into(),
            deployment_id: "Ab3dE9xZ".into(),
            deleted: Vec::new(),
            retained: Vec::new(),
            remaining: Vec::new(),
            failures: Vec::new(),
            verify_error: None,
        };
        assert!(down_verdict(&receipt).is_ok());
        receipt.verify_error = Some("throttled".into());
        match down_verdict(&receipt) {
            Err(Error::Failed { message, .. }) => {
                assert!(message.contains("nothing is proven gone") && message.contains("throttled"), "{message}");
            }
            other => panic!("down must fail (exit 1) when the second look failed: {other:?}"),
        }
        assert!(!receipt.is_clean(), "the receipt agrees");
    }
}
