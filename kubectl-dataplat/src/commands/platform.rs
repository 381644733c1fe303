//! Commands on platform.yaml: init, validate, plan, render, enable, disable.

use std::path::Path;

use dataplat_core::{AddonEntry, Plan};
use dataplat_plugin::Origin;

use super::{Loaded, config_error, host, label, load, load_text, print_warnings, read_file};
use crate::CliError;
use crate::cli::{Format, Global, InitArgs, OutputArgs, PlanArgs, RenderArgs};
use crate::output::{Table, print_data};

pub fn init(global: &Global, args: InitArgs) -> Result<(), CliError> {
    let path = &global.file;
    let existing = std::fs::read_to_string(path).ok();
    if existing.is_some() && !args.force {
        return Err(CliError::usage(
            format!("{} already exists", path.display()),
            Some("pass --force to rewrite it (its deployment_id is kept)".into()),
        ));
    }
    // The deployment id is generated once and kept forever: it tags every cloud resource.
    let deployment_id = match existing.as_deref().and_then(existing_deployment_id) {
        Some(id) => id,
        None => dataplat_config::new_deployment_id()
            .map_err(|e| CliError::failed(format!("cannot generate a deployment id: {e}"), None))?,
    };
    let host = host(global)?;
    let addons = super::load_addons(&host, &[], std::path::Path::new("."))?;
    let catalog = addons.catalog();
    let text = match &args.from_tfvars {
        Some(tfvars) => {
            let hcl = read_file(tfvars)?;
            let (text, lines) =
                dataplat_config::import_tfvars(&label(tfvars), &hcl, &catalog, &deployment_id).map_err(config_error)?;
            let mut table = Table::new(&["TFVARS KEY", "RESULT", "DETAIL"]);
            for line in &lines {
                match &line.outcome {
                    dataplat_config::ImportOutcome::Mapped { to, value } => {
                        table.row(vec![line.key.clone(), "mapped".into(), format!("{to}: {value}")])
                    }
                    dataplat_config::ImportOutcome::Skipped { reason } => {
                        table.row(vec![line.key.clone(), "skipped".into(), reason.clone()])
                    }
                    dataplat_config::ImportOutcome::Added { to, value, reason } => {
                        table.row(vec![line.key.clone(), "added".into(), format!("{to}: {value} ({reason})")])
                    }
                }
            }
            if !global.quiet {
                print!("{}", table.render());
            }
            text
        }
        None => {
            for flag in &args.enable {
                if catalog.flag(flag).is_none() && catalog.addon(flag).is_none() {
                    return Err(CliError::usage(
                        format!("no addon answers to {flag}"),
                        Some("see `kubectl dataplat plugin list`".into()),
                    ));
                }
            }
            dataplat_config::render_init(&catalog, &args.name, &args.region, &deployment_id, &args.enable)
        }
    };
    // Never write a file that would not validate.
    let loaded = load_text(&host, path, text.clone())?;
    std::fs::write(path, &text).map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display()), None))?;
    if !global.quiet {
        println!(
            "wrote {} (platform {}, deployment_id {}, {} addon(s) enabled)",
            path.display(),
            loaded.platform.name,
            deployment_id,
            loaded.platform.enabled_addons.len()
        );
        // The plugins may still need settings no tfvars or default can supply (e.g. an AMP
        // workspace id): say so now rather than at the first `plan`.
        match dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc) {
            Ok(_) => println!("next: kubectl dataplat plan --offline"),
            Err(dataplat_core::CoreError::Config(diagnostics)) => {
                println!("before `plan`, {} needs these settings:", path.display());
                println!("{}", dataplat_config::render_diagnostics(&diagnostics).trim_end());
            }
            Err(other) => println!("note: `plan` will fail: {other}"),
        }
    }
    Ok(())
}

/// The value of a top-level `deployment_id:` line, if the file has a usable one.
fn existing_deployment_id(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.starts_with("deployment_id:"))?;
    let value = line["deployment_id:".len()..].split('#').next()?.trim().trim_matches(|c| c == '"' || c == '\'');
    (value.len() == 8 && value.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| value.to_string())
}

pub fn validate(global: &Global, args: OutputArgs) -> Result<(), CliError> {
    let (_host, loaded) = load(global)?;
    let plan = dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc)?;
    // Readiness from the chart cache only: validate makes no network calls.
    let analysis = super::readiness::offline(global, &plan, &loaded.platform, &[])?;
    let warnings: Vec<String> = loaded
        .warnings
        .iter()
        .map(|w| w.to_string())
        .chain(plan.addons.iter().flat_map(|a| a.warnings.iter().map(move |w| format!("{}: {w}", a.name))))
        .collect();
    match args.output {
        Format::Table => {
            print_warnings(&loaded.warnings);
            for addon in &plan.addons {
                for warning in &addon.warnings {
                    eprintln!("warning: {}: {warning}", addon.name);
                }
            }
            if !global.quiet {
                eprint!("{}", super::readiness::text(&analysis));
            }
            super::readiness::gate(&analysis)?;
            if !global.quiet {
                println!(
                    "{} is valid: {} addon(s) enabled ({})",
                    global.file.display(),
                    loaded.platform.enabled_addons.len(),
                    loaded.platform.enabled_addons.join(", ")
                );
            }
            Ok(())
        }
        format => {
            let blocking = analysis.report().is_some_and(|r| r.error_count() > 0);
            print_data(
                format,
                &serde_json::json!({
                    "valid": !blocking,
                    "file": label(&global.file),
                    "enabled_addons": loaded.platform.enabled_addons,
                    "warnings": warnings,
                    "readiness": analysis,
                }),
            )?;
            super::readiness::gate(&analysis)
        }
    }
}

pub fn plan(global: &Global, args: PlanArgs) -> Result<(), CliError> {
    if !args.offline {
        return super::cloud::plan(global, args);
    }
    let (_host, loaded) = load(global)?;
    let plan = dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc)?;
    let analysis = super::readiness::offline(global, &plan, &loaded.platform, &args.mirror)?;
    match args.output {
        Format::Table => {
            print_warnings(&loaded.warnings);
            print!("{}", plan_table(&plan));
            print!("\n{}", super::readiness::text(&analysis));
            Ok(())
        }
        format => {
            let mut value = serde_json::to_value(&plan)
                .map_err(|e| CliError::failed(format!("cannot encode the plan: {e}"), None))?;
            value["readiness"] = serde_json::to_value(&analysis)
                .map_err(|e| CliError::failed(format!("cannot encode the analysis: {e}"), None))?;
            print_data(format, &value)
        }
    }
}

fn source_label(origin: &Origin) -> String {
    match origin {
        Origin::Builtin => "built-in".into(),
        Origin::File { path } => path.clone(),
        Origin::Oci { reference, .. } => format!("oci://{reference}"),
        Origin::Native { path } => format!("native {path}"),
    }
}

fn charts(entry: &AddonEntry) -> String {
    let charts: Vec<String> =
        entry.releases.iter().filter_map(|r| r.chart.as_ref()).map(|c| format!("{} {}", c.chart, c.version)).collect();
    if charts.is_empty() { "-".into() } else { charts.join(", ") }
}

fn capacity_label(capacity: &dataplat_plugin::contract::CapacityType) -> String {
    match capacity {
        dataplat_plugin::contract::CapacityType::OnDemand => "on-demand".into(),
        dataplat_plugin::contract::CapacityType::Spot => "spot".into(),
    }
}

/// The human view of a plan.
fn plan_table(plan: &Plan) -> String {
    let p = &plan.platform;
    let mut out = format!(
        "Platform {} in {} (deployment {}, Kubernetes {}, VPC {})\n",
        p.name, p.region, p.deployment_id, p.kubernetes_version, p.vpc_cidr
    );
    let c = &p.cluster;
    let ng = &c.core_node_group;
    out.push_str(&format!(
        "Cluster: {} endpoint{}, {} control-plane log type(s), Secrets encryption {}, {}; core nodes {} x {}..{} ({} GiB)\n\n",
        if c.endpoint_public_access { "public and private" } else { "private" },
        if c.public_access_cidrs.is_empty() { String::new() } else { format!(" (from {})", c.public_access_cidrs.join(", ")) },
        c.control_plane_logs.len(),
        c.secrets_kms_key_arn.as_deref().map_or_else(|| "by EKS's own key".to_owned(), |k| format!("with {k}")),
        if c.single_nat_gateway { "one NAT gateway" } else { "a NAT gateway per zone" },
        ng.instance_types.join("/"),
        ng.min_size,
        ng.max_size,
        ng.disk_size_gib,
    ));
    let mut table = Table::new(&[
        "ADDON",
        "VERSION",
        "SOURCE",
        "RELEASES",
        "OBJECTS",
        "CHARTS",
        "BUCKETS",
        "GRANTS",
        "POD IDS",
        "NODEPOOLS",
    ]);
    for a in &plan.addons {
        table.row(vec![
            a.name.clone(),
            a.version.clone(),
            source_label(&a.source),
            a.releases.len().to_string(),
            a.releases.iter().map(|r| r.objects.len()).sum::<usize>().to_string(),
            charts(a),
            a.buckets.len().to_string(),
            a.grants.len().to_string(),
            a.pod_identities.len().to_string(),
            a.node_pools.len().to_string(),
        ]);
    }
    out.push_str(&table.render());
    out.push_str("\nApply order (releases of one wave run concurrently):\n");
    for (i, wave) in plan.release_order.iter().enumerate() {
        out.push_str(&format!("  {}. {}\n", i + 1, wave.join(", ")));
    }
    let mut cloud = Vec::new();
    for a in &plan.addons {
        for b in &a.buckets {
            let rules: Vec<String> = b
                .lifecycle_rules
                .iter()
                .map(|r| format!("expire {}* after {}d", r.prefix, r.expiration_days))
                .collect();
            cloud.push(format!(
                "  bucket {}  [{}] {}{}",
                b.name,
                a.name,
                b.purpose,
                if rules.is_empty() { String::new() } else { format!(" ({})", rules.join(", ")) }
            ));
        }
        for g in &a.grants {
            let actions: usize = g.statements.iter().map(|s| s.actions.len()).sum();
            cloud.push(format!(
                "  iam role {}/{}  {} statement(s), {} action(s){}",
                a.name,
                g.id,
                g.statements.len(),
                actions,
                if g.managed_policies.is_empty() {
                    String::new()
                } else {
                    format!(", managed: {}", g.managed_policies.join(", "))
                }
            ));
        }
        for secret in &a.secrets {
            let keys: Vec<&str> = secret
                .random_keys
                .iter()
                .map(String::as_str)
                .chain(secret.fixed.iter().map(|(k, _)| k.as_str()))
                .collect();
            cloud.push(format!(
                "  secret {}/{}  [{}] generated once: {}",
                secret.namespace,
                secret.name,
                a.name,
                keys.join(", ")
            ));
        }
        for i in &a.pod_identities {
            cloud.push(format!("  pod identity {}/{} -> {}/{}", i.namespace, i.service_account, a.name, i.grant));
        }
    }
    if !cloud.is_empty() {
        out.push_str("\nCloud:\n");
        out.push_str(&cloud.join("\n"));
        out.push('\n');
    }
    let pools: Vec<String> = plan
        .addons
        .iter()
        .flat_map(|a| a.node_pools.iter().map(move |n| (a, n)))
        .map(|(a, n)| {
            let capacity: Vec<String> = n.capacity_types.iter().map(capacity_label).collect();
            let families =
                if n.instance_families.is_empty() { "any family".to_string() } else { n.instance_families.join("/") };
            format!(
                "  nodepool {}  [{}] {} {} {}{}",
                n.name,
                a.name,
                capacity.join("+"),
                n.architectures.join("+"),
                families,
                if n.single_zone { ", one zone" } else { "" }
            )
        })
        .collect();
    if !pools.is_empty() {
        out.push_str("\nCapacity:\n");
        out.push_str(&pools.join("\n"));
        out.push('\n');
    }
    let endpoints: Vec<String> = plan
        .addons
        .iter()
        .flat_map(|a| a.endpoints.iter())
        .map(|e| format!("  {}/{}  {}", e.addon, e.name, e.url))
        .collect();
    if !endpoints.is_empty() {
        out.push_str("\nEndpoints:\n");
        out.push_str(&endpoints.join("\n"));
        out.push('\n');
    }
    let notes: Vec<String> = plan
        .addons
        .iter()
        .flat_map(|a| a.notes.iter().map(move |n| format!("  {} [{}]: {}", a.name, n.topic, n.text)))
        .chain(plan.addons.iter().flat_map(|a| a.warnings.iter().map(move |w| format!("  {} [warning]: {w}", a.name))))
        .collect();
    if !notes.is_empty() {
        out.push_str("\nNotes:\n");
        out.push_str(&notes.join("\n"));
        out.push('\n');
    }
    out
}

pub fn render(global: &Global, args: RenderArgs) -> Result<(), CliError> {
    let (_host, loaded) = load(global)?;
    let plan = dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc)?;
    // Charts are fetched and rendered before anything is written: a chart that cannot be had
    // leaves no half-written directory behind.
    let charts = if args.skip_charts { Vec::new() } else { render_charts(global, &args, &plan)? };
    // The CloudFormation stacks `up` deploys, as it would deploy them.
    let stacks = dataplat_aws::cloud::templates(&dataplat_lifecycle::cloud_spec(&plan))
        .map_err(|e| CliError::failed(format!("cannot build the CloudFormation templates: {e}"), None))?;
    let out = &args.out;
    prepare_out_dir(out, args.force)?;
    let mut files = 0usize;
    let mut write = |path: &Path, text: String| -> Result<(), CliError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display()), None))?;
        }
        std::fs::write(path, text)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display()), None))?;
        files += 1;
        Ok(())
    };
    let yaml = |value: &dyn erased_serialize::Yaml| {
        value.yaml().map_err(|e| CliError::failed(format!("cannot encode YAML: {e}"), None))
    };
    write(&out.join("plan.json"), serde_json::to_string_pretty(&plan).unwrap_or_default() + "\n")?;
    let context = dataplat_aws::from_spec::context(&dataplat_lifecycle::cloud_spec(&plan));
    for (stack, template) in &stacks {
        let name = format!("{}.json", context.stack_name(*stack));
        write(&out.join("cloudformation").join(name), template.to_json() + "\n")?;
    }
    for addon in &plan.addons {
        let dir = out.join(&addon.name);
        for release in &addon.releases {
            let rdir = dir.join(&release.name);
            for (i, object) in release.objects.iter().enumerate() {
                write(&rdir.join(object_file_name(i, release.objects.len(), object)), yaml(object)?)?;
            }
            if let Some(chart) = &release.chart {
                let mut reference = serde_json::json!({
                    "repository": chart.repository, "chart": chart.chart, "version": chart.version,
                    "release": release.name, "namespace": release.namespace,
                });
                write(&rdir.join("values.yaml"), yaml(&chart.values)?)?;
                if let Some(rendered) = charts.iter().find(|c| c.release == release.id) {
                    reference["resolved_version"] = rendered.version.clone().into();
                    reference["digest"] = rendered.digest.clone().into();
                    if !rendered.generated.is_empty() {
                        reference["generated"] = rendered.generated.clone().into();
                    }
                    let cdir = rdir.join("chart");
                    let sets = [
                        (cdir.join("crds"), rendered.crds.iter().collect::<Vec<_>>()),
                        (cdir.clone(), rendered.manifests.iter().collect()),
                        (cdir.join("hooks"), rendered.hooks.iter().map(|h| &h.manifest).collect()),
                    ];
                    for (dir, manifests) in sets {
                        let count = manifests.len();
                        for (i, m) in manifests.into_iter().enumerate() {
                            let name = manifest_file_name(i, count, &m.kind, &m.name);
                            let note = if rendered.is_generated(m) { GENERATED_NOTE } else { "" };
                            write(&dir.join(name), format!("# Source: {}\n{note}{}\n", m.source, m.content))?;
                        }
                    }
                }
                write(&rdir.join("chart.yaml"), yaml(&reference)?)?;
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
            write(&dir.join("cloud.yaml"), yaml(&cloud)?)?;
        }
        if !addon.node_pools.is_empty() {
            write(&dir.join("capacity.yaml"), yaml(&serde_json::json!({ "node_pools": addon.node_pools }))?)?;
        }
    }
    if !global.quiet {
        let chart_objects: usize = charts.iter().map(|c| c.object_count()).sum();
        let charts_note = if args.skip_charts {
            " (charts not rendered: --skip-charts)".to_string()
        } else {
            format!(" and {} chart(s) with {chart_objects} object(s)", charts.len())
        };
        println!(
            "rendered {} addon(s), {} object(s){charts_note} into {} ({files} files)",
            plan.addons.len(),
            plan.object_count(),
            out.display()
        );
    }
    Ok(())
}

/// The header line of a chart object whose values are drawn at render time.
const GENERATED_NOTE: &str =
    "# Generated: holds values drawn at render time (random or generated keys); applied only when absent\n";

/// Every chart of the plan, fetched (or taken from the cache) and rendered, with progress on
/// stderr.
fn render_charts(
    global: &Global,
    args: &RenderArgs,
    plan: &Plan,
) -> Result<Vec<dataplat_core::charts::RenderedChart>, CliError> {
    use dataplat_core::charts::{ChartEvent, ChartOptions};
    let options = ChartOptions { fetch: super::chart::fetch_options(global, &args.fetch)?, ..ChartOptions::default() };
    dataplat_core::charts::render_charts(plan, &options, |event| {
        if global.quiet {
            return;
        }
        match event {
            ChartEvent::Start { release, chart, version } => eprintln!("chart {chart} {version} for {release} ..."),
            ChartEvent::Rendered(c) => eprintln!(
                "  {} {}: {} object(s), {} CRD(s), {} hook(s) ({})",
                c.chart,
                c.version,
                c.manifests.len(),
                c.crds.len(),
                c.hooks.len(),
                if c.cached { "cached" } else { "downloaded" }
            ),
        }
    })
    .map_err(|e| CliError::failed(e.to_string(), e.hint.clone()))
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

mod erased_serialize {
    pub trait Yaml {
        fn yaml(&self) -> Result<String, String>;
    }
    impl<T: serde::Serialize> Yaml for T {
        fn yaml(&self) -> Result<String, String> {
            crate::output::to_yaml(self)
        }
    }
}

/// The output directory must be new or empty, or a previous render when --force is given.
fn prepare_out_dir(out: &Path, force: bool) -> Result<(), CliError> {
    let Ok(mut entries) = std::fs::read_dir(out) else { return Ok(()) };
    if entries.next().is_none() {
        return Ok(());
    }
    if !force {
        return Err(CliError::usage(
            format!("{} is not empty", out.display()),
            Some("choose a new directory, or pass --force to replace a previous render".into()),
        ));
    }
    if !out.join("plan.json").is_file() {
        return Err(CliError::usage(
            format!(
                "{} is not empty and holds no previous render (no plan.json); refusing to delete it",
                out.display()
            ),
            None,
        ));
    }
    std::fs::remove_dir_all(out).map_err(|e| CliError::failed(format!("cannot clear {}: {e}", out.display()), None))
}

/// `enable X` / `disable X`: resolve X to flags, edit the file in place, and write it only if
/// the result validates and plans.
pub fn set_flag(global: &Global, target: &str, value: bool) -> Result<(), CliError> {
    let host = host(global)?;
    let text = read_file(&global.file)?;
    let before = load_text(&host, &global.file, text.clone())?;
    let flags = resolve_flags(&before, target, value)?;
    let mut edited = text.clone();
    let mut changed = Vec::new();
    for flag in &flags {
        if before.platform.flags.get(flag).copied().unwrap_or(false) != value {
            edited = dataplat_config::set_flag(&edited, flag, value)
                .map_err(|e| CliError::failed(format!("cannot edit {}: {e}", global.file.display()), None))?;
            changed.push(flag.clone());
        }
    }
    if changed.is_empty() {
        println!("{} is already {}", flags[0], if value { "on" } else { "off" });
        return Ok(());
    }
    let after = load_text(&host, &global.file, edited.clone())?;
    let plan = dataplat_core::compose(&after.addons, &after.platform, &after.doc)?;
    std::fs::write(&global.file, &edited)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", global.file.display()), None))?;
    if !global.quiet {
        for (i, flag) in changed.iter().enumerate() {
            let why = if i > 0 && value { format!("  (needed by {})", flags[0]) } else { String::new() };
            println!("{flag}: {value}{why}  ({})", global.file.display());
        }
        println!("{} addon(s) now enabled: {}", plan.addons.len(), after.platform.enabled_addons.join(", "));
    }
    Ok(())
}

/// Flags of the addons `addon` needs (always, or when `feature` is on), transitively.
pub(super) fn prerequisites(
    catalog: &dataplat_config::Catalog,
    flags: &std::collections::BTreeMap<String, bool>,
    addon: &dataplat_config::AddonSpec,
    feature: Option<&str>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut queue: Vec<&dataplat_config::AddonSpec> = vec![addon];
    while let Some(current) = queue.pop() {
        for dependency in &current.dependencies {
            let applies = match &dependency.when_flag {
                None => true,
                Some(flag) => Some(flag.as_str()) == feature || flags.get(flag).copied().unwrap_or(false),
            };
            if let Some(needed) = catalog.addon(&dependency.addon).filter(|_| applies) {
                let flag = needed.enabling_flag_name();
                if !out.contains(&flag) {
                    out.push(flag);
                    queue.push(needed);
                }
            }
        }
    }
    out
}

/// The flags `enable X`/`disable X` touch: the addon's own flag (and, when disabling an addon,
/// its feature flags, which would otherwise be inert), or one feature flag.
fn resolve_flags(loaded: &Loaded, target: &str, value: bool) -> Result<Vec<String>, CliError> {
    let catalog = loaded.addons.catalog();
    if let Some(addon) = catalog.addon(target) {
        let own = addon.enabling_flag_name();
        let mut flags = vec![own];
        if value {
            flags.extend(prerequisites(&catalog, &loaded.platform.flags, addon, None));
        } else {
            flags.extend(addon.flags.iter().filter(|f| !f.enables_addon).map(|f| f.name.clone()));
        }
        return Ok(flags);
    }
    for candidate in [target.to_string(), format!("enable_{target}")] {
        if let Some((addon, flag)) = catalog.flag(&candidate) {
            if flag.enables_addon {
                return resolve_flags(loaded, &addon.name, value);
            }
            let mut flags = vec![candidate.clone()];
            if value {
                // A feature flag needs its addon on, and whatever the feature depends on.
                if !flag.enables_addon {
                    flags.push(addon.enabling_flag_name());
                    flags.extend(prerequisites(&catalog, &loaded.platform.flags, addon, None));
                }
                flags.extend(prerequisites(&catalog, &loaded.platform.flags, addon, Some(&candidate)));
            }
            flags.dedup();
            return Ok(flags);
        }
    }
    let mut names: Vec<&str> = catalog.addon_names();
    names.extend(catalog.flag_names());
    let hint = super::suggest(target, &names)
        .unwrap_or_else(|| "see `kubectl dataplat plugin list` for the addons and flags".into());
    Err(CliError::usage(format!("no addon or flag named `{target}`"), Some(hint)))
}
