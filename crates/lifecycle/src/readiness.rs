//! The readiness analysis of a plan, and the gate `up`, `apply` and `validate` pass before any
//! change.

use dataplat_config::Platform;
use dataplat_core::Plan;
use dataplat_core::readiness::Analysis;

use crate::{ChartFetch, Context, Error, Result};

/// The analysis of `plan`, fetching charts as `fetch` says (a chart that cannot be had is an
/// error unless offline).
pub fn analyze(ctx: &Context, plan: &Plan, platform: &Platform, fetch: &ChartFetch) -> Result<Analysis> {
    Ok(attempt(ctx, plan, platform, fetch)??)
}

/// The analysis with charts from the cache only (`mirror` empty) or through mirrors.
pub fn offline(ctx: &Context, plan: &Plan, platform: &Platform, mirror: &[String]) -> Result<Analysis> {
    analyze(ctx, plan, platform, &ChartFetch { offline: mirror.is_empty(), mirror: mirror.to_vec() })
}

/// The analysis for `plan`, which only reports: a chart that cannot be fetched leaves the
/// platform not analysed (said so, with the reason) instead of failing the plan.
pub fn for_plan(ctx: &Context, plan: &Plan, platform: &Platform, fetch: &ChartFetch) -> Result<Analysis> {
    Ok(attempt(ctx, plan, platform, fetch)?
        .unwrap_or_else(|e| Analysis::NotAnalysed { reason: e.to_string(), hint: e.hint.clone().unwrap_or_default() }))
}

/// The analysis, or the chart error that stopped it.
fn attempt(
    ctx: &Context,
    plan: &Plan,
    platform: &Platform,
    fetch: &ChartFetch,
) -> Result<std::result::Result<Analysis, Box<dataplat_core::charts::ChartError>>> {
    let options = ctx.fetch_options(fetch)?;
    Ok(dataplat_core::readiness::analyze_plan(plan, &platform.readiness.waivers, &options))
}

/// Fails when the analysis has errors nobody waived: nothing may be created then.
pub fn gate(analysis: &Analysis) -> Result<()> {
    let Some(report) = analysis.report() else { return Ok(()) };
    match report.error_count() {
        0 => Ok(()),
        n => Err(Error::failed(
            format!("readiness: {n} object(s) of the platform cannot become ready; nothing was created or changed"),
            Some(
                "fix the findings above, or waive a false positive under `readiness: waivers:` in platform.yaml with \
                 its reason"
                    .into(),
            ),
        )),
    }
}
