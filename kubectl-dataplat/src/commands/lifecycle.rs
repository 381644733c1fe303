//! `up`, `down`, `apply`, `kubeconfig`, the live `plan` and `status`: arguments to
//! `dataplat_lifecycle::cloud`, its events to [`progress`](super::progress), its results to
//! tables or JSON.

use std::io::IsTerminal;
use std::time::Duration;

use dataplat_lifecycle::cloud::{self, DownSettings, KubeconfigOutcome, Scope, UpSettings};
use dataplat_lifecycle::cluster::ApplySettings;
use dataplat_lifecycle::{no_events, text};

use super::progress::printer;
use super::{context, fetch, target};
use crate::CliError;
use crate::cli::{ApplyArgs, DoctorArgs, DownArgs, Format, Global, KubeconfigArgs, PlanArgs, StatusArgs, UpArgs};
use crate::output::print_data;

pub fn up(global: &Global, args: UpArgs) -> Result<(), CliError> {
    let ctx = context(global);
    let session = ctx.session()?;
    let settings = UpSettings {
        cloud_only: args.cloud_only,
        kubeconfig: args.kubeconfig,
        timeout_minutes: args.timeout_minutes,
        fetch: fetch(&args.fetch),
    };
    cloud::up(&ctx, session, &settings, &printer(args.output, global.quiet))
}

pub fn apply(global: &Global, args: ApplyArgs) -> Result<(), CliError> {
    let ctx = context(global);
    let session = ctx.session()?;
    let settings = ApplySettings {
        force_conflicts: args.force_conflicts,
        wait: !args.no_wait,
        purge: args.purge,
        timeout: Duration::from_secs(args.timeout),
        concurrency: args.concurrency,
        ..ApplySettings::new(target(&args.cluster), fetch(&args.fetch))
    };
    cloud::apply(&ctx, session, &settings, &printer(args.output, global.quiet))
}

fn confirm(platform: &str, yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            format!("`down` deletes platform {platform} and everything in it"),
            Some("pass --yes to confirm when not on a terminal".into()),
        ));
    }
    eprint!(
        "This deletes platform {platform}: its cluster, network and (without --keep-data) its buckets.\nType the platform name to confirm: "
    );
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| CliError::failed(format!("cannot read the answer: {e}"), None))?;
    if answer.trim() != platform {
        return Err(CliError::usage("not confirmed; nothing was deleted", None));
    }
    Ok(())
}

pub fn down(global: &Global, args: DownArgs) -> Result<(), CliError> {
    let plan = context(global).session()?.plan;
    confirm(&plan.platform.name, args.yes)?;
    let settings = DownSettings {
        keep_data: args.keep_data,
        cloud_only: args.cloud_only,
        cluster: target(&args.cluster),
        timeout_minutes: args.timeout_minutes,
    };
    let report = cloud::down(&plan, &settings, &printer(args.output, global.quiet))?;
    if args.output == Format::Json {
        println!("{}", serde_json::json!({"event": "done", "report": report}));
    } else {
        // The receipt is the result: printed even with --quiet.
        println!("{}", report.receipt.render());
    }
    cloud::down_verdict(&report.receipt)
}

pub fn kubeconfig(global: &Global, args: KubeconfigArgs) -> Result<(), CliError> {
    let (_host, loaded) = context(global).load()?;
    match cloud::kubeconfig(&loaded.platform, args.kubeconfig, args.print)? {
        KubeconfigOutcome::Printed(text) => print!("{text}"),
        KubeconfigOutcome::Written { path, context } if !global.quiet => {
            eprintln!("context {context} written to {} (current context)", path.display())
        }
        KubeconfigOutcome::Written { .. } => {}
    }
    Ok(())
}

fn scope(cloud_only: bool, cluster_only: bool, cluster: &crate::cli::ClusterArgs) -> Scope {
    Scope { cloud_only, cluster_only, cluster: target(cluster) }
}

/// `plan` without `--offline`: the cloud and the releases' diff, then the readiness analysis.
pub fn plan(global: &Global, args: PlanArgs) -> Result<(), CliError> {
    let ctx = context(global);
    let session = ctx.session()?;
    let quiet = global.quiet || args.output != Format::Table;
    let events = if quiet { no_events() } else { printer(Format::Table, false) };
    let scope = scope(args.cloud_only, args.cluster_only, &args.cluster);
    let result = cloud::plan(&ctx, &session, &scope, &args.mirror, &events)?;
    match args.output {
        Format::Table => {
            print!("{}", text::plan_text(&result));
            Ok(())
        }
        format => print_data(format, &result),
    }
}

/// `status`: exit 0 only when everything is healthy.
pub fn status(global: &Global, args: StatusArgs) -> Result<(), CliError> {
    let plan = context(global).session()?.plan;
    let output = cloud::status(&plan, &scope(args.cloud_only, args.cluster_only, &args.cluster))?;
    match args.output {
        Format::Table => print!("{}", text::status_text(&output, &plan)),
        format => print_data(format, &output)?,
    }
    if output.healthy {
        return Ok(());
    }
    Err(CliError::failed(
        format!("platform {} is not healthy", plan.platform.name),
        Some("see above; `kubectl dataplat plan` shows what `up` would change".into()),
    ))
}

/// `doctor`: exit 0 when nothing is wrong, 1 when something is, 2 when it cannot run.
pub fn doctor(global: &Global, args: DoctorArgs) -> Result<(), CliError> {
    let plan = context(global).session()?.plan;
    let settings = dataplat_lifecycle::doctor::DoctorSettings {
        cluster: super::target(&args.cluster),
        addon: args.addon.clone(),
        grace_seconds: args.grace,
        cluster_only: args.cluster_only,
    };
    // Whatever keeps it from reading the cluster is "cannot run": exit 2.
    let output = dataplat_lifecycle::doctor::doctor(&plan, &settings).map_err(|e| match e {
        CliError::Failed { message, hint } => CliError::Usage { message, hint },
        other => other,
    })?;
    match args.output {
        Format::Table => print!("{}", text::doctor_text(&output)),
        format => print_data(format, &output)?,
    }
    if output.healthy() {
        return Ok(());
    }
    Err(CliError::failed(
        format!("{} finding(s) on {}", output.findings.len(), output.cluster),
        Some("each says what it saw and what to do; -o json for the details".into()),
    ))
}
