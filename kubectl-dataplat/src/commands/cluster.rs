//! `apply` and the cluster side of `plan`: the plan's charts rendered (with `lookup` reading the
//! cluster), its releases applied by the DAG runner or diffed by dry runs, and releases of
//! addons no longer enabled pruned.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dataplat_core::charts::{ChartEvent, ChartOptions, RenderedChart};
use dataplat_core::cluster::{ClusterReleases, kube_releases};
use dataplat_kube::apply::{
    Action, ApplyOptions, Event, Events, ReleaseReport, delete_release, plan_delete_release, plan_release,
};
use dataplat_kube::cluster::{Cluster, ConnectOptions};
use dataplat_kube::inventory;
use dataplat_kube::lookup::LiveLookup;

use super::load;
use crate::CliError;
use crate::cli::{ApplyArgs, ChartFetchArgs, ClusterArgs, Format, Global};

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}"), None))
}

fn kube_error(e: dataplat_kube::KubeError) -> CliError {
    let hint = e.hint();
    CliError::failed(e.to_string(), hint)
}

async fn connect(args: &ClusterArgs) -> Result<Cluster, CliError> {
    let options = ConnectOptions { kubeconfig: args.kubeconfig.clone(), context: args.context.clone() };
    let cluster = Cluster::connect(&options).await.map_err(kube_error)?;
    // One cheap request, so a wrong context fails here and not in the middle of a release.
    cluster.client().apiserver_version().await.map_err(|e| {
        CliError::failed(
            format!("cannot reach the cluster: {e}"),
            Some("check --kubeconfig/--context (or KUBECONFIG) and that the cluster is up".into()),
        )
    })?;
    Ok(cluster)
}

/// Renders the plan's charts on a blocking thread, `lookup` reading `cluster`.
async fn render(
    global: &Global,
    plan: &dataplat_core::Plan,
    cluster: &Cluster,
    fetch: &ChartFetchArgs,
    quiet: bool,
) -> Result<Vec<RenderedChart>, CliError> {
    let lookup = LiveLookup { cluster: cluster.clone(), handle: tokio::runtime::Handle::current() };
    let options = ChartOptions {
        fetch: super::chart::fetch_options(global, fetch)?,
        lookup: Some(helm::LookupHandle(Arc::new(lookup))),
        ..ChartOptions::default()
    };
    let plan = plan.clone();
    tokio::task::spawn_blocking(move || {
        dataplat_core::charts::render_charts(&plan, &options, |event| {
            if let ChartEvent::Rendered(c) = event
                && !quiet
            {
                eprintln!(
                    "chart {} {} for {}: {} object(s) ({})",
                    c.chart,
                    c.version,
                    c.release,
                    c.object_count(),
                    if c.cached { "cached" } else { "downloaded" }
                );
            }
        })
        .map_err(|e| CliError::failed(e.to_string(), e.hint.clone()))
    })
    .await
    .map_err(|e| CliError::failed(format!("chart rendering stopped: {e}"), None))?
}

fn releases(plan: &dataplat_core::Plan, charts: &[RenderedChart]) -> Result<ClusterReleases, CliError> {
    kube_releases(plan, &plan.platform.name, charts).map_err(|e| {
        CliError::failed(e.to_string(), Some("a chart rendered something that is not a Kubernetes object".into()))
    })
}

/// Prints events as lines (stderr, or JSON lines on stdout).
fn printer(format: Format, quiet: bool) -> Events {
    let bar = (format == Format::Table && !quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let bar = Arc::new(Mutex::new(bar));
    Arc::new(move |event: Event| {
        if format == Format::Json {
            println!("{}", serde_json::to_string(&event_json(&event)).unwrap_or_default());
            return;
        }
        if quiet {
            return;
        }
        let line = match &event {
            Event::Started { release } => format!("{release}: applying"),
            Event::Changed { release, change } if change.action != Action::Unchanged => {
                format!("{release}: {} {}", change.action.as_str(), change.object)
            }
            Event::Changed { .. } => return,
            Event::Waiting { release, object, state } => format!("{release}: waiting for {object}: {state}"),
            Event::Finished { release, report } => {
                format!(
                    "{release}: done, {} ({:.1} s, {} writes)",
                    report.summary(),
                    report.seconds,
                    report.requests.writes
                )
            }
            Event::Failed { release, error } => format!("{release}: FAILED: {error}"),
        };
        match bar.lock().expect("bar").as_ref() {
            Some(bar) => {
                bar.println(&line);
                bar.set_message(line);
            }
            None => eprintln!("{line}"),
        }
    })
}

fn event_json(event: &Event) -> serde_json::Value {
    use serde_json::json;
    match event {
        Event::Started { release } => json!({"event": "started", "release": release}),
        Event::Changed { release, change } => json!({"event": "changed", "release": release, "change": change}),
        Event::Waiting { release, object, state } => {
            json!({"event": "waiting", "release": release, "object": object, "state": state})
        }
        Event::Finished { release, report } => json!({"event": "finished", "release": release, "report": report}),
        Event::Failed { release, error } => json!({"event": "failed", "release": release, "error": error}),
    }
}

pub fn apply(global: &Global, args: ApplyArgs) -> Result<(), CliError> {
    let (_host, loaded) = load(global)?;
    let plan = dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc)?;
    apply_plan(global, &loaded, plan, args, true, None)
}

/// `apply` of a loaded platform and its plan (composed once per command: `up` passes its own);
/// `check`: run the readiness analysis first (`up` has run it already); `values`: what the cloud
/// step just made (`up`), else read from the live stacks when the plan needs any.
pub fn apply_plan(
    global: &Global,
    loaded: &super::Loaded,
    mut plan: dataplat_core::Plan,
    args: ApplyArgs,
    check: bool,
    values: Option<dataplat_core::cloud_values::CloudValues>,
) -> Result<(), CliError> {
    super::cloud::resolve_for_apply(&mut plan, values)?;
    let quiet = global.quiet || args.output == Format::Json;
    runtime()?.block_on(async {
        let cluster = connect(&args.cluster).await?;
        let charts = render(global, &plan, &cluster, &args.fetch, quiet).await?;
        if check {
            // The objects about to be applied, analysed before the first write: nothing is
            // applied to a platform that cannot come up (so far only reads reached the cluster).
            let report = dataplat_core::readiness::analyze(&plan, &charts, &loaded.platform.readiness.waivers);
            let readiness = dataplat_core::readiness::Analysis::Analysed { report };
            if args.output == Format::Json {
                println!("{}", serde_json::json!({"event": "readiness", "analysis": readiness}));
            }
            super::readiness::check_before_changes(quiet, &readiness)?;
        }
        let ClusterReleases { releases, autoscaled } = releases(&plan, &charts)?;
        let options = ApplyOptions {
            force_conflicts: args.force_conflicts,
            wait: !args.no_wait,
            purge: args.purge,
            timeout: Duration::from_secs(args.timeout),
            autoscaled,
            ..ApplyOptions::default()
        };
        let events = printer(args.output, global.quiet);
        let wanted: Vec<String> = releases.iter().map(|r| r.id.clone()).collect();
        let outcomes = dataplat_kube::dag::apply_all(&cluster, releases, &options, args.concurrency, &events).await;
        let mut failures: Vec<String> =
            outcomes.iter().filter_map(|(_, r)| r.as_ref().err().map(|e| e.to_string())).collect();
        // Addons switched off since the last apply: their releases go (claims and kept objects stay).
        if failures.is_empty() {
            let stale = inventory::list(&cluster, &plan.platform.name).await.map_err(kube_error)?;
            for old in stale.iter().rev().filter(|i| !wanted.contains(&i.release)) {
                if let Err(e) = delete_release(&cluster, &old.release, &options, &events).await {
                    failures.push(e.to_string());
                }
            }
        }
        let requests = cluster.requests();
        if !quiet {
            eprintln!(
                "applied {} release(s): {} writes, {} reads, {} dry runs",
                wanted.len(),
                requests.writes,
                requests.reads,
                requests.dry_runs
            );
        }
        match failures.len() {
            0 => Ok(()),
            1 => Err(CliError::failed(failures.remove(0), None)),
            n => Err(CliError::failed(format!("{n} releases failed:\n  {}", failures.join("\n  ")), None)),
        }
    })
}

/// Connects to the cluster to plan against; a failure says how to plan without one.
pub async fn connect_for_plan(args: &ClusterArgs) -> Result<Cluster, CliError> {
    connect(args).await.map_err(|e| match e {
        CliError::Failed { message, hint } => CliError::Failed {
            message,
            hint: Some(format!(
                "{}; or run `kubectl dataplat plan --offline` for the plan without a cluster",
                hint.unwrap_or_default()
            )),
        },
        other => other,
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

/// What `apply` would change on `cluster`, release by release (releases of addons no longer
/// enabled as deletions).
pub async fn release_reports(
    global: &Global,
    plan: &dataplat_core::Plan,
    cluster: &Cluster,
    mirror: &[String],
    quiet: bool,
) -> Result<Vec<ReleaseReport>, CliError> {
    let fetch = ChartFetchArgs { offline: false, mirror: mirror.to_vec() };
    let charts = render(global, plan, cluster, &fetch, quiet).await?;
    let ClusterReleases { releases, autoscaled } = releases(plan, &charts)?;
    let options = ApplyOptions { autoscaled, ..ApplyOptions::default() };
    let mut reports = Vec::new();
    let wanted: Vec<String> = releases.iter().map(|r| r.id.clone()).collect();
    for release in &releases {
        reports.push(plan_release(cluster, release, &options).await.map_err(kube_error)?);
    }
    // Releases of addons no longer enabled, kept or deleted by the applier's own rule.
    for old in inventory::list(cluster, &plan.platform.name).await.map_err(kube_error)? {
        if wanted.contains(&old.release) {
            continue;
        }
        reports.push(plan_delete_release(cluster, &old.release, &options).await.map_err(kube_error)?);
    }
    Ok(reports)
}

/// The human view of [`release_reports`]: a count table, then each change with its field diff.
pub fn diff_table(reports: &[ReleaseReport]) -> String {
    let mut table = crate::output::Table::new(&["RELEASE", "CREATE", "UPDATE", "DELETE", "KEEP", "UNCHANGED"]);
    for r in reports {
        table.row(vec![
            r.release.clone(),
            r.count(Action::Create).to_string(),
            r.count(Action::Update).to_string(),
            r.count(Action::Delete).to_string(),
            r.count(Action::Keep).to_string(),
            r.count(Action::Unchanged).to_string(),
        ]);
    }
    let mut out = table.render();
    for r in reports {
        for c in r.changes.iter().filter(|c| !matches!(c.action, Action::Unchanged)) {
            out.push_str(&format!("\n{} {}: {}\n", c.action.as_str(), r.release, c.object));
            for line in &c.diff {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

/// `down`'s in-cluster half: the ordered teardown (scalers and workloads, load balancers and
/// volumes, NodePools, then the releases) on the platform's cluster. Skipped when the EKS cluster
/// does not exist; an unreachable cluster is an error (`--cloud-only` skips this half).
pub async fn teardown(
    plan: &dataplat_core::Plan,
    args: &ClusterArgs,
    clients: &dataplat_aws::clients::Clients,
    quiet: bool,
) -> Result<(), CliError> {
    let name = plan.platform.name.as_str();
    let exists = dataplat_aws::eks::cluster_info_of(&clients.eks, name)
        .await
        .map_err(|e| CliError::failed(e.to_string(), Some(e.hint())))?;
    if exists.is_none() {
        if !quiet {
            eprintln!("== cluster: EKS cluster {name} does not exist; nothing to tear down inside it");
        }
        return Ok(());
    }
    let mut args = args.clone();
    if args.context.is_none() && args.kubeconfig.is_none() {
        args.context = Some(dataplat_aws::kubeconfig::default_context_name(name, &plan.platform.region));
    }
    let context = args.context.clone().unwrap_or_default();
    let cluster = connect(&args).await.map_err(|e| match e {
        CliError::Failed { message, .. } => {
            let hint = context_hint(
                &message,
                &context,
                "or `down --cloud-only` to skip the in-cluster teardown (the sweep then removes load balancers and \
                 Karpenter nodes by tag)",
            );
            CliError::failed(message, Some(hint))
        }
        other => other,
    })?;
    let dependencies =
        plan.addons.iter().flat_map(|a| &a.releases).map(|r| (r.id.clone(), r.depends_on.clone())).collect();
    let options = dataplat_kube::TeardownOptions { dependencies, ..dataplat_kube::TeardownOptions::default() };
    let events: dataplat_kube::TeardownEvents = Arc::new(move |event| {
        if quiet {
            return;
        }
        use dataplat_kube::TeardownEvent as E;
        match event {
            E::PhaseStarted { phase } => eprintln!("== cluster: {phase}"),
            E::Deleted { object, .. } => eprintln!("   deleted {object}"),
            E::Kept { object, .. } => eprintln!("   kept {object}"),
            E::Waiting { objects, .. } => eprintln!(
                "   waiting for {} object(s) to go: {}",
                objects.len(),
                objects.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
            E::Skipped { reason, .. } => eprintln!("   skipped: {reason}"),
            E::PhaseDone { phase, deleted } => eprintln!("   {phase}: {deleted} deleted"),
        }
    });
    dataplat_kube::teardown(&cluster, name, &options, &events).await.map_err(|e| {
        let hint = e.hint();
        CliError::failed(e.to_string(), hint)
    })?;
    Ok(())
}
