//! `render`: the plan, the CloudFormation stacks `up` deploys, every release's objects and
//! values, and (unless skipped) every chart rendered, written to a directory for GitOps or
//! review.

use std::path::{Path, PathBuf};

use dataplat_core::Plan;
use dataplat_core::charts::{ChartOptions, RenderedChart};

use crate::error::io;
use crate::events::{ChartProgress, Event, Events};
use crate::{ChartFetch, Context, Error, Result, cloud_spec};

/// What `render` is asked to do.
#[derive(Clone, Debug)]
pub struct RenderSettings {
    /// The directory (new or empty, or a previous render with `force`).
    pub out: PathBuf,
    pub force: bool,
    /// Chart references and values only: no chart fetched or rendered.
    pub skip_charts: bool,
    pub fetch: ChartFetch,
}

/// What `render` wrote.
#[derive(Debug)]
pub struct RenderSummary {
    pub files: usize,
    pub charts: usize,
    pub chart_objects: usize,
}

/// The header line of a chart object whose values are drawn at render time.
const GENERATED_NOTE: &str =
    "# Generated: holds values drawn at render time (random or generated keys); applied only when absent\n";

/// Renders `plan` into `settings.out`. Charts are fetched and rendered before anything is
/// written: a chart that cannot be had leaves no half-written directory behind.
pub fn render(ctx: &Context, plan: &Plan, settings: &RenderSettings, events: &Events) -> Result<RenderSummary> {
    let charts = match settings.skip_charts {
        true => Vec::new(),
        false => {
            let options = ChartOptions { fetch: ctx.fetch_options(&settings.fetch)?, ..ChartOptions::default() };
            dataplat_core::charts::render_charts(plan, &options, |e| events(&Event::Chart(ChartProgress::of(&e))))?
        }
    };
    let spec = cloud_spec(plan);
    let stacks = dataplat_aws::cloud::templates(&spec)
        .map_err(|e| Error::failed(format!("cannot build the CloudFormation templates: {e}"), None))?;
    let out = &settings.out;
    prepare_out_dir(out, settings.force)?;
    let mut w = Writer { files: 0 };
    w.text(&out.join("plan.json"), serde_json::to_string_pretty(plan).unwrap_or_default() + "\n")?;
    let context = dataplat_aws::from_spec::context(&spec);
    for (stack, template) in &stacks {
        let name = format!("{}.json", context.stack_name(*stack));
        w.text(&out.join("cloudformation").join(name), template.to_json() + "\n")?;
    }
    for addon in &plan.addons {
        let dir = out.join(&addon.name);
        for release in &addon.releases {
            let rdir = dir.join(&release.name);
            for (i, object) in release.objects.iter().enumerate() {
                w.yaml(&rdir.join(object_file_name(i, release.objects.len(), object)), object)?;
            }
            if let Some(chart) = &release.chart {
                let mut reference = serde_json::json!({
                    "repository": chart.repository, "chart": chart.chart, "version": chart.version,
                    "release": release.name, "namespace": release.namespace,
                });
                w.yaml(&rdir.join("values.yaml"), &chart.values)?;
                if let Some(rendered) = charts.iter().find(|c| c.release == release.id) {
                    reference["resolved_version"] = rendered.version.clone().into();
                    reference["digest"] = rendered.digest.clone().into();
                    if !rendered.generated.is_empty() {
                        reference["generated"] = rendered.generated.clone().into();
                    }
                    write_chart(&mut w, &rdir.join("chart"), rendered)?;
                }
                w.yaml(&rdir.join("chart.yaml"), &reference)?;
            }
        }
        if !addon.buckets.is_empty()
            || !addon.grants.is_empty()
            || !addon.pod_identities.is_empty()
            || !addon.secrets.is_empty()
        {
            let cloud = serde_json::json!({
                "buckets": addon.buckets, "grants": addon.grants,
                "pod_identities": addon.pod_identities, "generated_secrets": addon.secrets,
            });
            w.yaml(&dir.join("cloud.yaml"), &cloud)?;
        }
        if !addon.node_pools.is_empty() {
            w.yaml(&dir.join("capacity.yaml"), &serde_json::json!({ "node_pools": addon.node_pools }))?;
        }
    }
    let chart_objects = charts.iter().map(RenderedChart::object_count).sum();
    Ok(RenderSummary { files: w.files, charts: charts.len(), chart_objects })
}

/// A rendered chart's CRDs, manifests and hooks, one file each.
fn write_chart(w: &mut Writer, cdir: &Path, rendered: &RenderedChart) -> Result<()> {
    let sets = [
        (cdir.join("crds"), rendered.crds.iter().collect::<Vec<_>>()),
        (cdir.to_path_buf(), rendered.manifests.iter().collect()),
        (cdir.join("hooks"), rendered.hooks.iter().map(|h| &h.manifest).collect()),
    ];
    for (dir, manifests) in sets {
        let count = manifests.len();
        for (i, m) in manifests.into_iter().enumerate() {
            let name = manifest_file_name(i, count, &m.kind, &m.name);
            let note = if rendered.is_generated(m) { GENERATED_NOTE } else { "" };
            w.text(&dir.join(name), format!("# Source: {}\n{note}{}\n", m.source, m.content))?;
        }
    }
    Ok(())
}

/// Writes files (parents created) and counts them.
struct Writer {
    files: usize,
}

impl Writer {
    fn text(&mut self, path: &Path, text: String) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
        }
        std::fs::write(path, text).map_err(|e| io("write", path, e))?;
        self.files += 1;
        Ok(())
    }

    fn yaml<T: serde::Serialize>(&mut self, path: &Path, value: &T) -> Result<()> {
        let text =
            serde_saphyr::to_string(value).map_err(|e| Error::failed(format!("cannot encode YAML: {e}"), None))?;
        self.text(path, text)
    }
}

/// `NN-<kind>-<name>.yaml` for the `index`th (0-based) of `count` objects of a directory.
fn object_file_name(index: usize, count: usize, object: &serde_json::Value) -> String {
    let kind = object.get("kind").and_then(|k| k.as_str()).unwrap_or("object");
    let name = object.pointer("/metadata/name").and_then(|k| k.as_str()).unwrap_or("unnamed");
    manifest_file_name(index, count, kind, name)
}

/// The index is zero-padded to the width the directory's largest index needs (two digits at
/// least), so that `ls` order, and the order of `kubectl apply -f DIR` or a GitOps tool, is the
/// install order: `100-…` after `099-…`, not before `11-…`.
fn manifest_file_name(index: usize, count: usize, kind: &str, name: &str) -> String {
    // Names come from templates: keep them to characters safe in a file name.
    let safe = |s: &str, empty: &str| -> String {
        let s: String =
            s.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        if s.is_empty() || s.chars().all(|c| c == '.') { empty.to_string() } else { s }
    };
    let width = count.max(index + 1).to_string().len().max(2);
    format!("{:0width$}-{}-{}.yaml", index + 1, safe(&kind.to_lowercase(), "object"), safe(name, "unnamed"))
}

/// The output directory must be new or empty, or a previous render when `force` is given.
fn prepare_out_dir(out: &Path, force: bool) -> Result<()> {
    let Ok(mut entries) = std::fs::read_dir(out) else { return Ok(()) };
    if entries.next().is_none() {
        return Ok(());
    }
    if !force {
        return Err(Error::usage(
            format!("{} is not empty", out.display()),
            Some("choose a new directory, or pass --force to replace a previous render".into()),
        ));
    }
    if !out.join("plan.json").is_file() {
        return Err(Error::usage(
            format!(
                "{} is not empty and holds no previous render (no plan.json); refusing to delete it",
                out.display()
            ),
            None,
        ));
    }
    std::fs::remove_dir_all(out).map_err(|e| io("clear", out, e))
}
