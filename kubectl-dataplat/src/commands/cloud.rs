//! `up`, `down` and `kubeconfig`: the cloud lifecycle (crates/aws `cloud`), then the cluster
//! side (`apply` for `up`; the ordered in-cluster teardown for `down`).
//!
//! AWS settings come from the standard chains (`AWS_PROFILE`, `AWS_ENDPOINT_URL`,
//! `AWS_MAX_ATTEMPTS`, ...); the region is platform.yaml's. `DATAPLAT_AWS_POLL_MS` sets how often
//! long waits poll (default 5000; tests use less).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use dataplat_aws::clients::Clients;
use dataplat_aws::cloud::{self, CloudError, CloudEvent, CloudOptions, DownOptions};
use dataplat_aws::kubeconfig::{self, EksContext};
use dataplat_aws::stacks::{Polling, SdkConfigBuilder};

use super::load;
use crate::CliError;
use crate::cli::{ApplyArgs, ClusterArgs, DownArgs, Format, Global, KubeconfigArgs, UpArgs};

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

fn cloud_error(error: CloudError) -> CliError {
    CliError::failed(error.to_string(), None)
}

/// Prints progress lines on stderr (or JSON lines on stdout with `-o json`).
fn printer(format: Format, quiet: bool) -> impl FnMut(&CloudEvent) {
    let start = std::time::Instant::now();
    move |event: &CloudEvent| {
        let t = start.elapsed().as_secs();
        if format == Format::Json {
            let value = match event {
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
            };
            println!("{value}");
            return;
        }
        if quiet {
            return;
        }
        let line = match event {
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
        };
        eprintln!("[{t:>4}s] {line}");
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
    let polling = polling(args.timeout_minutes)?;
    let (report, written) = runtime()?.block_on(async {
        let clients = clients(&region, polling).await;
        let mut print = printer(args.output, global.quiet);
        let report = cloud::up(&clients, &plan, &CloudOptions::default(), &mut print).await.map_err(cloud_error)?;
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
    super::cluster::apply(global, apply)
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
        cloud::down(&clients, &plan, &DownOptions { keep_data: args.keep_data }, &mut print).await.map_err(cloud_error)
    })?;
    if args.output == Format::Json {
        println!("{}", serde_json::json!({"event": "done", "report": report}));
    } else {
        // The receipt is the result: printed even with --quiet.
        println!("{}", report.receipt.render());
    }
    if report.receipt.billable_remaining() > 0 {
        return Err(CliError::failed(
            format!("{} billable resource(s) remain after the sweep", report.receipt.billable_remaining()),
            Some("see Remaining on the receipt; fix the cause and run `down` again (it resumes)".into()),
        ));
    }
    Ok(())
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
