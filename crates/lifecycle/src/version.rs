//! `kubectl dataplat version`: the binary, the plugin contract it speaks, the built-in plugins
//! and the chart each pins (with the core's own), read from the plugins themselves: a platform
//! with every built-in addon on is planned offline, and its releases' charts are listed.

use std::path::Path;

use serde::Serialize;

use crate::{Context, Result};

/// What `version` prints.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    /// The binary's version (Cargo).
    pub version: String,
    /// The plugin contracts this binary loads (`dataplat:addon@<version>`).
    pub contracts: Vec<String>,
    pub plugins: Vec<PluginVersion>,
    pub charts: Vec<ChartVersion>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PluginVersion {
    pub name: String,
    pub version: String,
    pub contract: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartVersion {
    /// The addon (or `core`, `karpenter`) whose release installs it.
    pub addon: String,
    pub chart: String,
    pub version: String,
    pub repository: String,
}

/// The built-in plugins and the charts they pin.
pub fn version(ctx: &Context, binary_version: &str) -> Result<VersionInfo> {
    let host = ctx.host()?;
    let addons = ctx.load_addons(&host, &[], Path::new("."))?;
    let catalog = addons.catalog();
    let mut plugins: Vec<PluginVersion> = addons
        .addons
        .values()
        .map(|a| {
            let info = a.plugin.info();
            PluginVersion {
                name: info.name.clone(),
                version: info.version.clone(),
                contract: info.contract_version.clone(),
            }
        })
        .collect();
    plugins.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<String> = plugins.iter().map(|p| p.name.clone()).collect();
    let text = dataplat_config::render_init(&catalog, "version", "us-west-2", "version0", &names);
    let loaded = ctx.load_text(&host, Path::new("every-addon.yaml"), text)?;
    let plan = loaded.compose()?;
    let mut charts: Vec<ChartVersion> = plan
        .addons
        .iter()
        .flat_map(|a| a.releases.iter().map(move |r| (a, r)))
        .filter_map(|(a, r)| {
            let chart = r.chart.as_ref()?;
            Some(ChartVersion {
                addon: a.name.clone(),
                chart: chart.chart.clone(),
                version: chart.version.clone(),
                repository: chart.repository.clone(),
            })
        })
        .collect();
    charts.sort_by(|a, b| (&a.chart, &a.addon).cmp(&(&b.chart, &b.addon)));
    Ok(VersionInfo {
        version: binary_version.to_string(),
        contracts: dataplat_plugin::SUPPORTED_CONTRACTS.iter().map(|c| format!("dataplat:addon@{c}")).collect(),
        plugins,
        charts,
    })
}

/// The table form.
pub fn version_text(info: &VersionInfo) -> String {
    let mut out = format!("kubectl-dataplat {}\nplugin contract: {}\n\n", info.version, info.contracts.join(", "));
    let mut plugins = crate::text::Table::new(&["PLUGIN", "VERSION", "CONTRACT"]);
    for p in &info.plugins {
        plugins.row(vec![p.name.clone(), p.version.clone(), p.contract.clone()]);
    }
    out.push_str(&plugins.render());
    let mut charts = crate::text::Table::new(&["CHART", "VERSION", "ADDON", "REPOSITORY"]);
    for c in &info.charts {
        charts.row(vec![c.chart.clone(), c.version.clone(), c.addon.clone(), c.repository.clone()]);
    }
    out.push('\n');
    out.push_str(&charts.render());
    out
}
