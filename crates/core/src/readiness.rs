//! The plan as the readiness analysis sees it ([`inventory`]): every object of every release
//! (declared objects and rendered charts, hooks marked), the releases' dependencies, the node
//! sources (the core managed node group from `cluster:` and every Karpenter NodePool of the
//! plan), the EKS managed add-ons, the pod identity associations, the buckets, the Secrets the
//! host generates and the user's waivers. [`analyze`] runs the analysis over it.

use dataplat_readiness::{Inventory, NodeSource, PlannedObject, PodIdentityRef, ReleaseInfo, Report, Waiver};

use crate::Plan;
use crate::base::{CORE_NODE_GROUP, CORE_NODE_LABELS, EKS_MANAGED_ADDONS};
use crate::charts::RenderedChart;
use crate::karpenter::{KARPENTER, KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT};

/// The inventory of `plan` with its rendered `charts` (every chart of the plan: a release whose
/// chart is missing contributes its declared objects only).
pub fn inventory(plan: &Plan, charts: &[RenderedChart], waivers: &[dataplat_config::WaiverSetting]) -> Inventory {
    let mut inventory = Inventory::default();
    for addon in &plan.addons {
        for release in &addon.releases {
            inventory.releases.push(ReleaseInfo { id: release.id.clone(), depends_on: release.depends_on.clone() });
            let planned = |value: serde_json::Value, hook: bool| PlannedObject {
                release: release.id.clone(),
                release_namespace: release.namespace.clone(),
                value,
                hook,
            };
            if let Some(chart) = charts.iter().find(|c| c.release == release.id) {
                let manifests = chart
                    .crds
                    .iter()
                    .chain(&chart.manifests)
                    .map(|m| (m, false))
                    .chain(chart.hooks.iter().map(|h| (&h.manifest, true)));
                for (manifest, hook) in manifests {
                    if let Ok(value) = serde_saphyr::from_str::<serde_json::Value>(&manifest.content)
                        && value.is_object()
                    {
                        inventory.objects.push(planned(value, hook));
                    }
                }
            }
            for object in &release.objects {
                inventory.objects.push(planned(object.clone(), false));
            }
        }
        for secret in &addon.secrets {
            inventory.generated_secrets.push((secret.namespace.clone(), secret.name.clone()));
        }
        for identity in &addon.pod_identities {
            inventory.pod_identities.push(PodIdentityRef {
                namespace: identity.namespace.clone(),
                service_account: identity.service_account.clone(),
                owner: addon.name.clone(),
            });
        }
        inventory.buckets.extend(addon.buckets.iter().map(|b| b.name.clone()));
    }
    if plan.addons.iter().any(|a| a.name == KARPENTER) {
        inventory.pod_identities.push(PodIdentityRef {
            namespace: KARPENTER_NAMESPACE.into(),
            service_account: KARPENTER_SERVICE_ACCOUNT.into(),
            owner: KARPENTER.into(),
        });
    }
    if crate::base::has_load_balancer_controller(plan) {
        inventory.pod_identities.push(PodIdentityRef {
            namespace: crate::base::LOAD_BALANCER_CONTROLLER_NAMESPACE.into(),
            service_account: crate::base::LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.into(),
            owner: crate::base::CORE.into(),
        });
    }
    let group = &plan.platform.cluster.core_node_group;
    inventory.node_sources.push(NodeSource::managed_node_group(
        CORE_NODE_GROUP,
        &CORE_NODE_LABELS,
        &group.instance_types,
        "ON_DEMAND",
    ));
    let node_pools: Vec<NodeSource> = inventory
        .objects
        .iter()
        .filter(|o| {
            o.value.get("kind").and_then(|k| k.as_str()) == Some("NodePool")
                && o.value.get("apiVersion").and_then(|k| k.as_str()) == Some(crate::karpenter::NODE_POOL_API_VERSION)
        })
        .filter_map(|o| NodeSource::from_node_pool(&o.value))
        .collect();
    inventory.node_sources.extend(node_pools);
    inventory.managed_addons = EKS_MANAGED_ADDONS.iter().map(|a| a.to_string()).collect();
    inventory.waivers = waivers
        .iter()
        .map(|w| Waiver { rule: w.rule.clone(), object: w.object.clone(), reason: w.reason.clone() })
        .collect();
    inventory
}

/// The readiness analysis of `plan` with its rendered `charts`.
pub fn analyze(plan: &Plan, charts: &[RenderedChart], waivers: &[dataplat_config::WaiverSetting]) -> Report {
    dataplat_readiness::analyze(&inventory(plan, charts, waivers))
}

/// The outcome of [`analyze_plan`].
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Analysis {
    /// Every object was analysed.
    Analysed { report: Report },
    /// The analysis did not run: a chart could not be had from the cache (offline).
    NotAnalysed { reason: String, hint: String },
}

impl Analysis {
    /// The report, when the analysis ran.
    pub fn report(&self) -> Option<&Report> {
        match self {
            Analysis::Analysed { report } => Some(report),
            Analysis::NotAnalysed { .. } => None,
        }
    }
}

/// Renders the plan's charts (no cluster: `lookup` is empty) and analyses the whole platform.
/// With `fetch.offline`, a chart missing from the cache makes the outcome
/// [`Analysis::NotAnalysed`] (a partial analysis would report objects of the missing charts as
/// missing); otherwise a chart that cannot be had is an error.
pub fn analyze_plan(
    plan: &Plan,
    waivers: &[dataplat_config::WaiverSetting],
    fetch: &helm::fetch::FetchOptions,
) -> Result<Analysis, Box<crate::charts::ChartError>> {
    let options = crate::charts::ChartOptions { fetch: fetch.clone(), ..Default::default() };
    match crate::charts::render_charts(plan, &options, |_| {}) {
        Ok(charts) => Ok(Analysis::Analysed { report: analyze(plan, &charts, waivers) }),
        Err(e) if fetch.offline => Ok(Analysis::NotAnalysed {
            reason: format!("chart {} {} of release {} is not in the chart cache", e.chart, e.version, e.release),
            hint: "`kubectl dataplat render` or `kubectl dataplat chart pull` fetches the charts once (or pass \
                   --mirror); the analysis then runs offline"
                .into(),
        }),
        Err(e) => Err(e),
    }
}
