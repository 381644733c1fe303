//! Commands on platform.yaml: init, validate, plan --offline, render, enable, disable.

use dataplat_lifecycle::edit::{self, InitSettings};
use dataplat_lifecycle::render::RenderSettings;
use dataplat_lifecycle::text::{self, Table};
use dataplat_lifecycle::{ChartProgress, Event};

use super::{context, fetch, print_warnings};
use crate::CliError;
use crate::cli::{Format, Global, InitArgs, OutputArgs, PlanArgs, RenderArgs};
use crate::output::print_data;

pub fn init(global: &Global, args: InitArgs) -> Result<(), CliError> {
    let ctx = context(global);
    let settings = InitSettings {
        force: args.force,
        from_tfvars: args.from_tfvars,
        enable: args.enable,
        name: args.name,
        region: args.region,
    };
    let init = edit::init_text(&ctx, &settings)?;
    if let Some(lines) = init.import.as_ref().filter(|_| !global.quiet) {
        let mut table = Table::new(&["TFVARS KEY", "RESULT", "DETAIL"]);
        for line in lines {
            let (result, detail) = match &line.outcome {
                dataplat_config::ImportOutcome::Mapped { to, value } => ("mapped", format!("{to}: {value}")),
                dataplat_config::ImportOutcome::Skipped { reason } => ("skipped", reason.clone()),
                dataplat_config::ImportOutcome::Added { to, value, reason } => {
                    ("added", format!("{to}: {value} ({reason})"))
                }
            };
            table.row(vec![line.key.clone(), result.into(), detail]);
        }
        print!("{}", table.render());
    }
    let loaded = edit::write_checked(&ctx, &init.text)?;
    if global.quiet {
        return Ok(());
    }
    let path = global.file.display();
    let enabled = loaded.platform.enabled_addons.len();
    println!(
        "wrote {path} (platform {}, deployment_id {}, {enabled} addon(s) enabled)",
        loaded.platform.name, init.deployment_id
    );
    // The plugins may still need settings no tfvars or default can supply (e.g. an AMP
    // workspace id): say so now rather than at the first `plan`.
    match dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc) {
        Ok(_) => println!("next: kubectl dataplat plan --offline"),
        Err(dataplat_core::CoreError::Config(diagnostics)) => {
            println!("before `plan`, {path} needs these settings:");
            println!("{}", dataplat_config::render_diagnostics(&diagnostics).trim_end());
        }
        Err(other) => println!("note: `plan` will fail: {other}"),
    }
    Ok(())
}

pub fn validate(global: &Global, args: OutputArgs) -> Result<(), CliError> {
    let ctx = context(global);
    let dataplat_lifecycle::Session { loaded, plan, .. } = ctx.session()?;
    // Readiness from the chart cache only: validate makes no network calls.
    let analysis = dataplat_lifecycle::readiness::offline(&ctx, &plan, &loaded.platform, &[])?;
    let addon_warnings = || plan.addons.iter().flat_map(|a| a.warnings.iter().map(move |w| format!("{}: {w}", a.name)));
    if args.output != Format::Table {
        let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).chain(addon_warnings()).collect();
        let blocking = analysis.report().is_some_and(|r| r.error_count() > 0);
        let label = global.file.display().to_string();
        let value = serde_json::json!({
            "valid": !blocking, "file": label, "enabled_addons": loaded.platform.enabled_addons,
            "warnings": warnings, "readiness": analysis,
        });
        print_data(args.output, &value)?;
        return dataplat_lifecycle::readiness::gate(&analysis);
    }
    print_warnings(&loaded.warnings);
    for warning in addon_warnings() {
        eprintln!("warning: {warning}");
    }
    if !global.quiet {
        eprint!("{}", text::readiness(&analysis));
    }
    dataplat_lifecycle::readiness::gate(&analysis)?;
    if !global.quiet {
        let enabled = &loaded.platform.enabled_addons;
        match enabled.len() {
            0 => println!("{} is valid: no addon enabled (the core platform only)", global.file.display()),
            n => println!("{} is valid: {n} addon(s) enabled ({})", global.file.display(), enabled.join(", ")),
        }
    }
    Ok(())
}

/// `plan --offline`: the composed plan and its readiness, from the config and plugins only.
pub fn plan(global: &Global, args: PlanArgs) -> Result<(), CliError> {
    let ctx = context(global);
    let dataplat_lifecycle::Session { loaded, plan, .. } = ctx.session()?;
    let analysis = dataplat_lifecycle::readiness::offline(&ctx, &plan, &loaded.platform, &args.mirror)?;
    if args.output == Format::Table {
        print_warnings(&loaded.warnings);
        let width = crate::output::width();
        print!("{}", text::plan_table(&plan, width));
        print!("\n{}", text::wrap_lines(&text::readiness(&analysis), width));
        return Ok(());
    }
    let encode = |e: serde_json::Error| CliError::failed(format!("cannot encode the plan: {e}"), None);
    let mut value = serde_json::to_value(&plan).map_err(encode)?;
    value["readiness"] = serde_json::to_value(&analysis).map_err(encode)?;
    print_data(args.output, &value)
}

pub fn render(global: &Global, args: RenderArgs) -> Result<(), CliError> {
    let ctx = context(global);
    let plan = ctx.session()?.plan;
    let settings = RenderSettings {
        out: args.out.clone(),
        force: args.force,
        skip_charts: args.skip_charts,
        fetch: fetch(&args.fetch),
    };
    let quiet = global.quiet;
    let events: dataplat_lifecycle::Events = std::sync::Arc::new(move |event: &Event| match event {
        Event::Chart(ChartProgress::Start { release, chart, version }) if !quiet => {
            eprintln!("chart {chart} {version} for {release} ...")
        }
        Event::Chart(ChartProgress::Rendered { chart, version, manifests, crds, hooks, cached, .. }) if !quiet => {
            let from = if *cached { "cached" } else { "downloaded" };
            eprintln!("  {chart} {version}: {manifests} object(s), {crds} CRD(s), {hooks} hook(s) ({from})")
        }
        _ => {}
    });
    let summary = dataplat_lifecycle::render::render(&ctx, &plan, &settings, &events)?;
    if !global.quiet {
        let charts_note = match args.skip_charts {
            true => " (charts not rendered: --skip-charts)".to_string(),
            false => format!(" and {} chart(s) with {} object(s)", summary.charts, summary.chart_objects),
        };
        println!(
            "rendered {} addon(s), {} object(s){charts_note} into {} ({} files)",
            plan.addons.len(),
            plan.object_count(),
            args.out.display(),
            summary.files
        );
    }
    Ok(())
}

/// `enable X` / `disable X`.
pub fn set_flag(global: &Global, target: &str, value: bool) -> Result<(), CliError> {
    let change = edit::set_flag(&context(global), target, value)?;
    let file = global.file.display();
    if change.changed.is_empty() {
        println!("{} is already {}", change.flags[0], if value { "on" } else { "off" });
    } else if !global.quiet {
        for (i, flag) in change.changed.iter().enumerate() {
            let why = if i > 0 && value { format!("  (needed by {})", change.flags[0]) } else { String::new() };
            println!("{flag}: {value}{why}  ({file})");
        }
        println!("{} addon(s) now enabled: {}", change.enabled_addons.len(), change.enabled_addons.join(", "));
        for fixed in &change.fixed {
            println!("fixed: {}", fixed.message);
        }
    }
    if !change.remaining.is_empty() {
        eprint!("{}", dataplat_config::render_diagnostics(&change.remaining));
        eprintln!(
            "{file} still has {} error(s), above{}: fix them before `plan` or `up`",
            change.remaining.len(),
            if change.changed.is_empty() { "" } else { " (the edit added none)" }
        );
    }
    Ok(())
}
