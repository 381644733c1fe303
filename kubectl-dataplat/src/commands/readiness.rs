//! Printing the readiness analysis, and the gate `up` and `apply` pass before any change.

use dataplat_core::readiness::Analysis;
use dataplat_readiness::{Report, Severity};

use crate::CliError;

/// The findings as lines for a terminal (stderr): errors, warnings, waived ones last.
pub fn text(analysis: &Analysis) -> String {
    let report = match analysis {
        Analysis::NotAnalysed { reason, hint } => {
            return format!("readiness: not analysed: {reason}\n  hint: {hint}\n");
        }
        Analysis::Analysed { report } => report,
    };
    let mut out = String::new();
    for finding in &report.findings {
        let level = match (&finding.waived, finding.severity) {
            (Some(_), _) => "waived",
            (None, Severity::Error) => "error",
            (None, Severity::Warning) => "warning",
        };
        out.push_str(&format!(
            "{level}: [{}] {} ({}): {}\n",
            finding.rule, finding.object, finding.release, finding.message
        ));
        match &finding.waived {
            Some(reason) => out.push_str(&format!("  waived: {reason}\n")),
            None => out.push_str(&format!("  hint: {}\n", finding.hint)),
        }
    }
    for waiver in &report.unused_waivers {
        out.push_str(&format!(
            "warning: readiness waiver for [{}] {} matches no finding; remove it\n",
            waiver.rule, waiver.object
        ));
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// `readiness: 312 objects, 61 pods: 0 errors, 2 warnings, 1 waived`.
pub fn summary(report: &Report) -> String {
    let waived = report.findings.iter().filter(|f| f.waived.is_some()).count();
    format!(
        "readiness: {} object(s), {} pod template(s): {} error(s), {} warning(s), {waived} waived",
        report.objects,
        report.pods,
        report.error_count(),
        report.warning_count()
    )
}

/// Fails when the report has errors nobody waived: nothing may be created then.
pub fn gate(analysis: &Analysis) -> Result<(), CliError> {
    let Some(report) = analysis.report() else { return Ok(()) };
    match report.error_count() {
        0 => Ok(()),
        n => Err(CliError::failed(
            format!("readiness: {n} object(s) of the platform cannot become ready; nothing was created or changed"),
            Some(
                "fix the findings above, or waive a false positive under `readiness: waivers:` in platform.yaml with \
                 its reason"
                    .into(),
            ),
        )),
    }
}

/// The analysis of `plan`: charts from the cache only (`mirror` empty) or through mirrors; a
/// chart the cache lacks leaves the platform not analysed.
pub fn offline(
    global: &crate::cli::Global,
    plan: &dataplat_core::Plan,
    platform: &dataplat_config::Platform,
    mirror: &[String],
) -> Result<Analysis, CliError> {
    let args = crate::cli::ChartFetchArgs { offline: mirror.is_empty(), mirror: mirror.to_vec() };
    analyze(global, plan, platform, &args)
}

/// The analysis of `plan`, fetching charts as `fetch` says (a chart that cannot be had is an
/// error unless `--offline`).
pub fn analyze(
    global: &crate::cli::Global,
    plan: &dataplat_core::Plan,
    platform: &dataplat_config::Platform,
    fetch: &crate::cli::ChartFetchArgs,
) -> Result<Analysis, CliError> {
    attempt(global, plan, platform, fetch)?.map_err(|e| CliError::failed(e.to_string(), e.hint.clone()))
}

/// The analysis, or the chart error that stopped it.
fn attempt(
    global: &crate::cli::Global,
    plan: &dataplat_core::Plan,
    platform: &dataplat_config::Platform,
    fetch: &crate::cli::ChartFetchArgs,
) -> Result<Result<Analysis, Box<dataplat_core::charts::ChartError>>, CliError> {
    let options = super::chart::fetch_options(global, fetch)?;
    Ok(dataplat_core::readiness::analyze_plan(plan, &platform.readiness.waivers, &options))
}

/// Prints the analysis on stderr (unless quiet) and fails when it blocks.
pub fn check_before_changes(quiet: bool, analysis: &Analysis) -> Result<(), CliError> {
    if !quiet {
        eprint!("{}", text(analysis));
    }
    gate(analysis)
}

/// The analysis for `plan`, which only reports: a chart that cannot be fetched leaves the
/// platform not analysed (said so, with the reason) instead of failing the plan.
pub fn analyze_for_plan(
    global: &crate::cli::Global,
    plan: &dataplat_core::Plan,
    platform: &dataplat_config::Platform,
    fetch: &crate::cli::ChartFetchArgs,
) -> Result<Analysis, CliError> {
    Ok(attempt(global, plan, platform, fetch)?
        .unwrap_or_else(|e| Analysis::NotAnalysed { reason: e.to_string(), hint: e.hint.clone().unwrap_or_default() }))
}
