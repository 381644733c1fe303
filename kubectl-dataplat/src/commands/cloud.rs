//! `up`, `down`, `kubeconfig` and the live `plan`: the cloud lifecycle (crates/aws `cloud`), then
//! the cluster side (`apply` for `up`; the ordered in-cluster teardown for `down`; the releases'
//! diff for `plan`).
//!
//! AWS settings come from the standard chains (`AWS_PROFILE`, `AWS_ENDPOINT_URL`,
//! `AWS_MAX_ATTEMPTS`, ...); the region is platform.yaml's. `DATAPLAT_AWS_POLL_MS` sets how often
//! long waits poll (default 5000; tests use less).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use dataplat_aws::clients::Clients;
use dataplat_aws::cloud::{self, CloudError, CloudEvent, DownOptions};
use dataplat_aws::eks::{Action as EksAction, ResourceKind};
use dataplat_aws::kubeconfig::{self, EksContext};
use dataplat_aws::stacks::{ChangeKind, Polling, SdkConfigBuilder};
use dataplat_lifecycle::cloud_spec;

use super::load;
use crate::CliError;
use crate::cli::{ApplyArgs, ClusterArgs, DownArgs, Format, Global, KubeconfigArgs, PlanArgs, StatusArgs, UpArgs};
use crate::output::print_data;

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}"), None))
}

fn polling(timeout_minutes: u64) -> Result<Polling, CliError> {
    let interval = match std::env::var("DATAPLAT_AWS_POLL_MS") {
        Ok(ms) => Duration::from_millis(ms.trim().parse().map_err(|_| {
            CliError::usage(
                format!("DATAPLAT_AWS_POLL_MS={ms:?} is not a number of milliseconds"),
                Some("unset it or give a whole number such as 5000".into()),
            )
        })?),
        Err(_) => Duration::from_secs(5),
    };
    Ok(Polling { interval, timeout: Duration::from_secs(timeout_minutes * 60) })
}

async fn clients(region: &str, polling: Polling) -> Clients {
    let config = SdkConfigBuilder::new().region(region).load().await;
    Clients::new(&config, polling)
}

/// The values the cluster layer needs from the cloud (the AMP workspace's id), read from the live
/// stacks with the default credentials. Only called when the plan refers to one.
pub(crate) async fn live_values(
    plan: &dataplat_core::Plan,
) -> Result<dataplat_core::cloud_values::CloudValues, CliError> {
    let clients = clients(&plan.platform.region, polling(1)?).await;
    cloud::values(&clients, &cloud_spec(plan)).await.map_err(|e| {
        CliError::failed(
            format!("cannot read what `up` created for {} (its AMP workspace): {e}", plan.platform.name),
            Some(
                "an addon uses the platform's AMP workspace, whose id is in stack <name>-storage: configure AWS \
                 credentials for the platform's account, or give the addon an existing workspace id"
                    .into(),
            ),
        )
    })
}

/// Resolves the plan's cloud placeholders for `apply`: all of them, or an error before anything
/// is applied.
pub(crate) fn resolve_for_apply(
    plan: &mut dataplat_core::Plan,
    values: Option<dataplat_core::cloud_values::CloudValues>,
) -> Result<(), CliError> {
    use dataplat_core::cloud_values;
    if !cloud_values::needs_cloud_values(plan) {
        return Ok(());
    }
    let values = match values {
        Some(values) => values,
        None => runtime()?.block_on(live_values(plan))?,
    };
    cloud_values::resolve(plan, &values).map_err(|e| CliError::failed(e.to_string(), Some(e.hint())))
}

fn cloud_error(error: CloudError) -> CliError {
    CliError::failed(error.to_string(), None)
}

/// How often a wait that has not changed status is reported again when stderr is not a terminal.
const WAIT_REPEAT: std::time::Duration = std::time::Duration::from_secs(30);

/// Prints progress on stderr: on a terminal, waits move a spinner and everything else prints above
/// it; otherwise plain lines, a wait only when its status changes or every 30 s. With `-o json`,
/// one JSON event per line on stdout.
fn printer(format: Format, quiet: bool) -> impl FnMut(&CloudEvent) {
    let start = std::time::Instant::now();
    let bar = (format == Format::Table && !quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Spinner(bar)
    });
    // The last wait reported, and when.
    let mut last_wait: Option<(String, std::time::Instant)> = None;
    move |event: &CloudEvent| {
        let t = start.elapsed().as_secs();
        if format == Format::Json {
            println!("{}", event_json(event));
            return;
        }
        if quiet {
            return;
        }
        if let CloudEvent::Eks(wait @ dataplat_aws::eks::EksEvent::Waiting { kind, name, status, .. }) = event {
            let line = format!("eks: {wait}");
            if let Some(bar) = &bar {
                bar.set_message(line);
                return;
            }
            let key = format!("{kind} {name} {status}");
            let repeat = last_wait.as_ref().is_some_and(|(k, at)| *k == key && at.elapsed() < WAIT_REPEAT);
            if !repeat {
                eprintln!("[{t:>4}s] {line}");
                last_wait = Some((key, std::time::Instant::now()));
            }
            return;
        }
        let line = format!("[{t:>4}s] {}", event_line(event));
        match &bar {
            Some(bar) => {
                bar.set_message(String::new());
                bar.println(line);
            }
            None => eprintln!("{line}"),
        }
    }
}

/// A spinner that leaves no trace once the printer is dropped.
struct Spinner(indicatif::ProgressBar);

impl std::ops::Deref for Spinner {
    type Target = indicatif::ProgressBar;
    fn deref(&self) -> &indicatif::ProgressBar {
        &self.0
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn event_json(event: &CloudEvent) -> serde_json::Value {
    match event {
        CloudEvent::Phase(p) => serde_json::json!({"event": "phase", "phase": p}),
        CloudEvent::Stack(e) => serde_json::json!({"event": "stack", "stack_event": {
            "logical_id": e.logical_id, "resource_type": e.resource_type, "status": e.status, "reason": e.reason}}),
        CloudEvent::StackDone { stack, outcome, changes } => {
            serde_json::json!({"event": "stack-done", "stack": stack, "outcome": outcome, "changes": changes})
        }
        CloudEvent::Eks(e) => serde_json::json!({"event": "eks", "message": e.to_string()}),
        CloudEvent::Bucket { bucket, action, objects } => {
            serde_json::json!({"event": "bucket", "bucket": bucket, "action": action, "objects": objects})
        }
        CloudEvent::Sweep(e) => serde_json::json!({"event": "sweep", "message": e.to_string()}),
        CloudEvent::Warning(w) => serde_json::json!({"event": "warning", "message": w}),
    }
}

fn event_line(event: &CloudEvent) -> String {
    match event {
        CloudEvent::Phase(p) => format!("== {p}"),
        CloudEvent::Stack(e) => format!(
            "   {} {} {}{}",
            e.logical_id,
            e.resource_type,
            e.status,
            e.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
        ),
        CloudEvent::StackDone { stack, outcome, changes } => {
            format!(
                "stack {stack}: {outcome}{}",
                if *changes > 0 { format!(" ({changes} changes)") } else { String::new() }
            )
        }
        CloudEvent::Eks(e) => format!("eks: {e}"),
        CloudEvent::Bucket { bucket, action, objects } => format!("bucket {bucket}: {action} ({objects} objects)"),
        CloudEvent::Sweep(e) => format!("sweep: {e}"),
        CloudEvent::Warning(w) => format!("warning: {w}"),
    }
}

fn write_kubeconfig(
    path: Option<PathBuf>,
    info: &dataplat_aws::eks::ClusterInfo,
    region: &str,
) -> Result<(PathBuf, String), CliError> {
    let path = match path {
        Some(p) => p,
        None => kubeconfig::default_path().map_err(|e| CliError::failed(e.to_string(), None))?,
    };
    let context = EksContext {
        name: kubeconfig::default_context_name(&info.name, region),
        cluster: info.name.clone(),
        region: region.to_owned(),
        server: info.endpoint.clone(),
        certificate_authority_data: info.certificate_authority.clone(),
        profile: std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()),
        role_arn: None,
    };
    kubeconfig::write(&path, &context, true)
        .map_err(|e| CliError::failed(e.to_string(), Some("pass --kubeconfig FILE to write somewhere else".into())))?;
    Ok((path, context.name))
}

pub fn up(global: &Global, args: UpArgs) -> Result<(), CliError> {
    let (_host, loaded) = load(global)?;
    let plan = dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc)?;
    let region = plan.platform.region.clone();
    let json = args.output == Format::Json;
    // Nothing is created for a platform that cannot come up. `--cloud-only` applies nothing in
    // the cluster; `apply` checks its objects before the first write.
    if !args.cloud_only {
        let readiness = super::readiness::analyze(global, &plan, &loaded.platform, &args.fetch)?;
        if json {
            println!("{}", serde_json::json!({"event": "readiness", "analysis": readiness}));
        }
        super::readiness::check_before_changes(global.quiet || json, &readiness)?;
    }
    let polling = polling(args.timeout_minutes)?;
    let (report, written) = runtime()?.block_on(async {
        let clients = clients(&region, polling).await;
        let mut print = printer(args.output, global.quiet);
        let report = cloud::up(&clients, &cloud_spec(&plan), &mut print).await.map_err(cloud_error)?;
        let written = write_kubeconfig(args.kubeconfig.clone(), &report.eks.cluster, &region)?;
        Ok::<_, CliError>((report, written))
    })?;
    if json {
        println!(
            "{}",
            serde_json::json!({"event": "done", "report": report, "kubeconfig": written.0, "context": written.1})
        );
    } else if !global.quiet {
        let stacks = report.stacks.iter().map(|s| format!("{} {}", s.stack, s.outcome)).collect::<Vec<_>>().join(", ");
        eprintln!("stacks: {stacks}");
        eprintln!(
            "eks: cluster {} {} (Kubernetes {}), {} change(s)",
            report.eks.cluster.name,
            report.eks.cluster.status,
            report.eks.cluster.version,
            report.eks.changes.len()
        );
        for w in &report.eks.warnings {
            eprintln!("warning: {w}");
        }
        eprintln!("kubeconfig: context {} written to {}", written.1, written.0.display());
        if report.unchanged() {
            eprintln!("cloud: nothing to change");
        }
    }
    if args.cloud_only {
        return Ok(());
    }
    let apply = ApplyArgs {
        cluster: ClusterArgs { kubeconfig: Some(written.0), context: Some(written.1) },
        fetch: args.fetch,
        force_conflicts: false,
        no_wait: false,
        purge: false,
        timeout: 600,
        concurrency: 4,
        output: args.output,
    };
    // The readiness analysis ran before the cloud; what the cloud made fills the placeholders.
    super::cluster::apply_plan(global, &loaded, plan, apply, false, Some(report.values))
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
    let (_host, loaded) = load(global)?;
    let plan = dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc)?;
    confirm(&plan.platform.name, args.yes)?;
    let region = plan.platform.region.clone();
    let polling = polling(args.timeout_minutes)?;
    let report = runtime()?.block_on(async {
        let clients = clients(&region, polling).await;
        let mut print = printer(args.output, global.quiet);
        if !args.cloud_only {
            super::cluster::teardown(&plan, &args.cluster, &clients, global.quiet || args.output == Format::Json)
                .await?;
        }
        cloud::down(&clients, &cloud_spec(&plan), &DownOptions { keep_data: args.keep_data }, &mut print)
            .await
            .map_err(cloud_error)
    })?;
    if args.output == Format::Json {
        println!("{}", serde_json::json!({"event": "done", "report": report}));
    } else {
        // The receipt is the result: printed even with --quiet.
        println!("{}", report.receipt.render());
    }
    down_result(&report.receipt)
}

/// `down` succeeds only when the receipt proves nothing billable is left: the sweep's second look
/// succeeded and found nothing outside the retained set.
fn down_result(receipt: &dataplat_aws::sweep::Receipt) -> Result<(), CliError> {
    if let Some(error) = &receipt.verify_error {
        return Err(CliError::failed(
            format!("the sweep could not look again, so nothing is proven gone: {error}"),
            Some("fix the cause (credentials, permissions, throttling) and run `down` again (it resumes)".into()),
        ));
    }
    if receipt.billable_remaining() > 0 {
        return Err(CliError::failed(
            format!("{} billable resource(s) remain after the sweep", receipt.billable_remaining()),
            Some("see Remaining on the receipt; fix the cause and run `down` again (it resumes)".into()),
        ));
    }
    Ok(())
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
        assert!(down_result(&receipt).is_ok());
        receipt.verify_error = Some("throttled".into());
        match down_result(&receipt) {
            Err(CliError::Failed { message, .. }) => {
                assert!(message.contains("nothing is proven gone") && message.contains("throttled"), "{message}");
            }
            other => panic!("down must fail (exit 1) when the second look failed: {other:?}"),
        }
        assert!(!receipt.is_clean(), "the receipt agrees");
    }
}

pub fn kubeconfig(global: &Global, args: KubeconfigArgs) -> Result<(), CliError> {
    let (_host, loaded) = load(global)?;
    let platform = &loaded.platform;
    let (name, region) = (platform.name.clone(), platform.region.clone());
    let info = runtime()?.block_on(async {
        let clients = clients(&region, polling(1)?).await;
        dataplat_aws::eks::cluster_info_of(&clients.eks, &name)
            .await
            .map_err(|e| CliError::failed(e.to_string(), Some(e.hint())))
    })?;
    let Some(info) = info else {
        return Err(CliError::failed(
            format!("EKS cluster {name} does not exist in {region}"),
            Some("create it with `kubectl dataplat up`".into()),
        ));
    };
    if args.print {
        let context = EksContext {
            name: kubeconfig::default_context_name(&info.name, &region),
            cluster: info.name.clone(),
            region: region.clone(),
            server: info.endpoint.clone(),
            certificate_authority_data: info.certificate_authority.clone(),
            profile: std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()),
            role_arn: None,
        };
        let text = kubeconfig::merge(None, &context, true, "-").map_err(|e| CliError::failed(e.to_string(), None))?;
        print!("{text}");
        return Ok(());
    }
    let (path, context) = write_kubeconfig(args.kubeconfig, &info, &region)?;
    if !global.quiet {
        eprintln!("context {context} written to {} (current context)", path.display());
    }
    Ok(())
}

/// The cluster an explicit `--kubeconfig`/`--context` (or `--cluster-only`) names, reached before
/// any AWS call so a wrong one fails first; `None` when none is named.
async fn named_cluster(args: &ClusterArgs, cluster_only: bool) -> Result<Option<dataplat_kube::Cluster>, CliError> {
    if cluster_only || args.kubeconfig.is_some() || args.context.is_some() {
        return Ok(Some(super::cluster::connect_for_plan(args).await?));
    }
    Ok(None)
}

/// The platform's own cluster through its context `<name>.<region>`; a failure's hint says what
/// to fix, or `otherwise` (the command's `--cloud-only`).
async fn own_cluster(name: &str, region: &str, otherwise: &str) -> Result<dataplat_kube::Cluster, CliError> {
    let context = kubeconfig::default_context_name(name, region);
    let target = ClusterArgs { kubeconfig: None, context: Some(context.clone()) };
    super::cluster::connect_for_plan(&target).await.map_err(|e| match e {
        CliError::Failed { message, .. } => {
            let hint = super::cluster::context_hint(&message, &context, otherwise);
            CliError::failed(message, Some(hint))
        }
        other => other,
    })
}

/// `plan` without `--offline`: the cloud (stack change sets, EKS changes) and the releases' diff
/// against the cluster. An explicitly named cluster (`--kubeconfig`/`--context`) is reached first,
/// so a wrong one fails before any AWS call; otherwise the platform's own EKS cluster is planned
/// against through its context (`kubectl dataplat kubeconfig`) when it exists.
pub fn plan(global: &Global, args: PlanArgs) -> Result<(), CliError> {
    let (_host, loaded) = load(global)?;
    let plan = dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc)?;
    let (name, region) = (plan.platform.name.clone(), plan.platform.region.clone());
    let quiet = global.quiet || args.output != Format::Table;
    let polling = polling(60)?;
    let result = runtime()?.block_on(async {
        let mut cluster = named_cluster(&args.cluster, args.cluster_only).await?;
        let cloud = if args.cluster_only {
            None
        } else {
            let clients = clients(&region, polling).await;
            Some(cloud::plan(&clients, &cloud_spec(&plan)).await.map_err(cloud_error)?)
        };
        let mut note = None;
        let mut plan = plan.clone();
        if !args.cloud_only && dataplat_core::cloud_values::needs_cloud_values(&plan) {
            // The releases diff with what `up` made; before it has, the placeholder shows.
            match live_values(&plan).await {
                Ok(values) => dataplat_core::cloud_values::resolve_known(&mut plan, &values),
                // `--cluster-only` promised no cloud planning: say what is missing, go on.
                Err(CliError::Failed { message: e, .. }) if args.cluster_only => {
                    note = Some(format!(
                        "the AMP workspace id could not be read, so the releases show {} in its place: {e}",
                        dataplat_core::cloud_values::AMP_WORKSPACE_ID
                    ))
                }
                Err(e) => return Err(e),
            }
        }
        if !args.cloud_only && cluster.is_none() {
            let eks = cloud.as_ref().map(|c| &c.eks);
            let recreated = eks.is_some_and(|e| {
                e.changes.iter().any(|c| c.kind == ResourceKind::Cluster && c.action != EksAction::Updated)
            });
            match eks.and_then(|e| e.cluster.as_ref()) {
                Some(_) if !recreated => cluster = Some(own_cluster(&name, &region, "or `plan --cloud-only`").await?),
                _ => {
                    let releases: usize = plan.addons.iter().map(|a| a.releases.len()).sum();
                    note = Some(format!(
                        "EKS cluster {name} does not exist yet: `up` creates it, then applies {releases} release(s)"
                    ));
                }
            }
        }
        let releases = match &cluster {
            Some(cluster) => Some(super::cluster::release_reports(global, &plan, cluster, &args.mirror, quiet).await?),
            None => None,
        };
        Ok::<_, CliError>(PlanOutput { cloud, releases, note, readiness: None })
    })?;
    // What `up` would refuse (charts from the cache the diff above filled, or fetched); not for
    // the cloud alone, which applies nothing in the cluster.
    let readiness = if args.cloud_only {
        None
    } else {
        let fetch = crate::cli::ChartFetchArgs { offline: false, mirror: args.mirror.clone() };
        Some(super::readiness::analyze_for_plan(global, &plan, &loaded.platform, &fetch)?)
    };
    let result = PlanOutput { readiness, ..result };
    match args.output {
        Format::Table => {
            print!("{}", plan_text(&result));
            Ok(())
        }
        format => print_data(format, &result),
    }
}

/// What `plan` prints with `-o json|yaml`: `cloud` is null with `--cluster-only`, `releases`
/// null with `--cloud-only` or when the cluster does not exist yet (`note` says so).
#[derive(Debug, serde::Serialize)]
struct PlanOutput {
    cloud: Option<cloud::CloudPlan>,
    releases: Option<Vec<dataplat_kube::apply::ReleaseReport>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    /// The readiness analysis of the whole platform (what `up` would refuse).
    readiness: Option<dataplat_core::readiness::Analysis>,
}

fn eks_line(change: &dataplat_aws::eks::Change) -> String {
    let sign = match change.action {
        EksAction::Created => "+ create",
        EksAction::Updated => "~ update",
        EksAction::Recreated => "± replace",
        EksAction::Deleted => "- delete",
    };
    let detail = change.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
    format!("  {sign} {} {}{detail}\n", change.kind, change.name)
}

fn plan_text(output: &PlanOutput) -> String {
    let mut out = String::new();
    if let Some(readiness) = &output.readiness {
        out.push_str(&super::readiness::text(readiness));
        out.push('\n');
    }
    if let Some(cloud) = &output.cloud {
        out.push_str(&format!("Cloud: account {} as {}\n\n", cloud.identity.account, cloud.identity.arn));
        let mut table = crate::output::Table::new(&["STACK", "ACTION", "CHANGES"]);
        for stack in &cloud.stacks {
            let action = match (stack.replaces_failed_stack, stack.kind, stack.changes.is_empty()) {
                (true, _, _) => "replace (failed create)",
                (false, _, true) => "unchanged",
                (false, ChangeKind::Create, false) => "create",
                (false, ChangeKind::Update, false) => "update",
            };
            table.row(vec![stack.stack.clone(), action.into(), stack.changes.len().to_string()]);
        }
        out.push_str(&table.render());
        for stack in cloud.stacks.iter().filter(|s| s.kind == ChangeKind::Update && !s.replaces_failed_stack) {
            for change in &stack.changes {
                out.push_str(&format!("  {}: {change}\n", stack.stack));
            }
        }
        out.push('\n');
        match &cloud.eks.cluster {
            Some(c) => out.push_str(&format!("EKS: cluster {} {}, Kubernetes {}\n", c.name, c.status, c.version)),
            None => out.push_str("EKS: the cluster does not exist\n"),
        }
        if cloud.eks.changes.is_empty() {
            out.push_str("  nothing to change\n");
        }
        for change in &cloud.eks.changes {
            out.push_str(&eks_line(change));
        }
        for warning in &cloud.eks.warnings {
            out.push_str(&format!("  warning: {warning}\n"));
        }
        if cloud.unchanged() {
            out.push_str("\ncloud: nothing to change\n");
        }
    }
    if let Some(releases) = &output.releases {
        if !out.is_empty() {
            out.push_str("\nReleases:\n");
        }
        out.push_str(&super::cluster::diff_table(releases));
    }
    if let Some(note) = &output.note {
        out.push_str(&format!("\n{note}\n"));
    }
    out
}

/// What `status` prints with `-o json|yaml`: `cloud` is null with `--cluster-only`, `releases`
/// null with `--cloud-only` or when the cluster does not exist.
#[derive(Debug, serde::Serialize)]
struct StatusOutput {
    healthy: bool,
    cloud: Option<cloud::CloudStatus>,
    releases: Option<Vec<dataplat_kube::status::ReleaseStatus>>,
    endpoints: Vec<dataplat_plugin::contract::Endpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// `status`: the cloud as it is, then each release's objects judged once (no waiting), then the
/// addons' endpoints. Exit 0 only when everything is healthy.
pub fn status(global: &Global, args: StatusArgs) -> Result<(), CliError> {
    let (_host, loaded) = load(global)?;
    let plan = dataplat_core::compose(&loaded.addons, &loaded.platform, &loaded.doc)?;
    let (name, region) = (plan.platform.name.clone(), plan.platform.region.clone());
    let polling = polling(1)?;
    let output = runtime()?.block_on(async {
        let mut cluster = named_cluster(&args.cluster, args.cluster_only).await?;
        let cloud = if args.cluster_only {
            None
        } else {
            let clients = clients(&region, polling).await;
            Some(cloud::status(&clients, &cloud_spec(&plan)).await.map_err(cloud_error)?)
        };
        let mut note = None;
        if !args.cloud_only && cluster.is_none() {
            match cloud.as_ref().and_then(|c| c.eks.as_ref()) {
                Some(eks) if eks.cluster.status == "ACTIVE" => {
                    cluster = Some(own_cluster(&name, &region, "or `status --cloud-only`").await?);
                }
                Some(eks) => {
                    note = Some(format!("EKS cluster {name} is {}: its releases are not read", eks.cluster.status))
                }
                None => note = Some(format!("EKS cluster {name} does not exist: `kubectl dataplat up` creates it")),
            }
        }
        let releases = match &cluster {
            Some(cluster) => Some(
                dataplat_kube::status::platform_status(cluster, &name)
                    .await
                    .map_err(|e| CliError::failed(e.to_string(), e.hint()))?,
            ),
            None => None,
        };
        let wanted: Vec<String> = plan.addons.iter().flat_map(|a| a.releases.iter().map(|r| r.id.clone())).collect();
        let releases_healthy = releases.as_ref().is_none_or(|list| {
            list.iter().all(|r| r.healthy()) && wanted.iter().all(|w| list.iter().any(|r| &r.release == w))
        });
        let healthy = cloud.as_ref().is_none_or(cloud::CloudStatus::healthy) && releases_healthy && note.is_none();
        let endpoints = plan.addons.iter().flat_map(|a| a.endpoints.iter().cloned()).collect();
        Ok::<_, CliError>(StatusOutput { healthy, cloud, releases, endpoints, note })
    })?;
    match args.output {
        Format::Table => print!("{}", status_text(&output, &plan)),
        format => print_data(format, &output)?,
    }
    if output.healthy {
        Ok(())
    } else {
        Err(CliError::failed(
            format!("platform {name} is not healthy"),
            Some("see above; `kubectl dataplat plan` shows what `up` would change".into()),
        ))
    }
}

fn status_text(output: &StatusOutput, plan: &dataplat_core::Plan) -> String {
    let mut out = String::new();
    if let Some(cloud) = &output.cloud {
        let mut table = crate::output::Table::new(&["STACK", "STATUS"]);
        for s in &cloud.stacks {
            table.row(vec![s.stack.clone(), s.status.clone().unwrap_or_else(|| "absent".into())]);
        }
        out.push_str(&table.render());
        match &cloud.eks {
            None => out.push_str("\nEKS: the cluster does not exist\n"),
            Some(eks) => {
                let c = &eks.cluster;
                out.push_str(&format!(
                    "\nEKS: cluster {} {}, Kubernetes {}, {}\n",
                    c.name, c.status, c.version, c.endpoint
                ));
                let mut table = crate::output::Table::new(&["NODE GROUP", "STATUS", "MIN/DESIRED/MAX", "TYPES"]);
                for n in &eks.nodegroups {
                    table.row(vec![
                        n.name.clone(),
                        n.status.clone(),
                        format!("{}/{}/{}", n.min_size, n.desired_size, n.max_size),
                        n.instance_types.join(","),
                    ]);
                }
                out.push_str(&table.render());
                out.push('\n');
                let mut table = crate::output::Table::new(&["ADD-ON", "STATUS", "VERSION"]);
                for a in &eks.addons {
                    table.row(vec![a.name.clone(), a.status.clone(), a.version.clone()]);
                }
                out.push_str(&table.render());
                for issue in eks.nodegroups.iter().flat_map(|n| n.issues.iter().map(move |i| (&n.name, i))) {
                    out.push_str(&format!("  node group {}: {}\n", issue.0, issue.1));
                }
                for issue in eks.addons.iter().flat_map(|a| a.issues.iter().map(move |i| (&a.name, i))) {
                    out.push_str(&format!("  add-on {}: {}\n", issue.0, issue.1));
                }
            }
        }
    }
    if let Some(releases) = &output.releases {
        out.push('\n');
        let mut table = crate::output::Table::new(&["RELEASE", "STATUS"]);
        let planned = |id: &str| plan.addons.iter().flat_map(|a| &a.releases).any(|r| r.id == id);
        for r in releases {
            let later = if planned(&r.release) { "" } else { " (no longer planned: the next apply prunes it)" };
            table.row(vec![r.release.clone(), format!("{}{later}", r.summary())]);
        }
        for release in plan.addons.iter().flat_map(|a| &a.releases) {
            if !releases.iter().any(|r| r.release == release.id) {
                table.row(vec![release.id.clone(), "not applied".into()]);
            }
        }
        out.push_str(&table.render());
        let scaling: Vec<String> = releases.iter().flat_map(|r| r.scaling_lines()).collect();
        if !scaling.is_empty() {
            out.push_str("\nScaling:\n");
            for line in scaling {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    if let Some(note) = &output.note {
        out.push_str(&format!("\n{note}\n"));
    }
    if !output.endpoints.is_empty() {
        out.push_str("\nEndpoints:\n");
        for e in &output.endpoints {
            out.push_str(&format!("  {} ({}): {}\n", e.name, e.addon, e.url));
        }
    }
    out.push_str(if output.healthy { "\nhealthy\n" } else { "\nnot healthy\n" });
    out
}
