//! `chart template` and `chart pull`: Helm charts rendered and fetched in-process.

use std::path::Path;

use helm::fetch::{ChartRequest, Fetched};
use helm::{Chart, RenderOptions};

use crate::CliError;
use crate::cli::{ChartCommand, ChartPullArgs, ChartSource, ChartTemplateArgs, Global};

pub fn run(global: &Global, command: ChartCommand) -> Result<(), CliError> {
    match command {
        ChartCommand::Template(args) => template(global, args),
        ChartCommand::Pull(args) => pull(global, args),
    }
}

/// The request for a remote chart, or `None` for a local directory or .tgz.
fn request(source: &ChartSource) -> Result<Option<ChartRequest>, CliError> {
    if let Some(repo) = &source.repo {
        return Ok(Some(ChartRequest::new(repo.clone(), source.chart.clone(), source.version.clone())));
    }
    if source.chart.starts_with("oci://") {
        let mut request = ChartRequest::parse_oci(&source.chart)
            .map_err(|e| CliError::usage(e.to_string(), Some("oci://registry.example.com/charts/name:1.2.3".into())))?;
        if !source.version.is_empty() {
            request.version = source.version.clone();
        }
        return Ok(Some(request));
    }
    Ok(None)
}

fn fetch(global: &Global, source: &ChartSource) -> Result<Option<Fetched>, CliError> {
    let Some(request) = request(source)? else { return Ok(None) };
    let options = super::context(global).fetch_options(&super::fetch(&source.fetch))?;
    helm::fetch::fetch(&request, &options).map(Some).map_err(|e| {
        CliError::failed(
            e.to_string(),
            source.fetch.offline.then(|| "fetch it once online: kubectl dataplat chart pull".into()),
        )
    })
}

fn load(global: &Global, source: &ChartSource) -> Result<Chart, CliError> {
    match fetch(global, source)? {
        Some(fetched) => fetched.load().map_err(|e| CliError::failed(e.to_string(), None)),
        None => {
            let path = Path::new(&source.chart);
            if !path.exists() {
                return Err(CliError::usage(
                    format!("{} is neither a chart directory nor a .tgz", source.chart),
                    Some("pass a path, oci://registry/path/chart:version, or a chart name with --repo URL".into()),
                ));
            }
            Chart::load(path).map_err(|e| CliError::failed(e.to_string(), None))
        }
    }
}

fn template(global: &Global, args: ChartTemplateArgs) -> Result<(), CliError> {
    let chart = load(global, &args.source)?;
    let mut user = helm::values::UserValueOptions::default();
    // `-f` is Helm's values flag here (the default platform.yaml and DATAPLAT_FILE are not).
    let dash_f = if global.files_from_command_line { global.files.as_slice() } else { &[] };
    for file in dash_f.iter().chain(&args.values) {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::usage(format!("cannot read values file {}: {e}", file.display()), None))?;
        user.values_files.push((file.display().to_string(), text));
    }
    user.set = args.set.clone();
    user.set_string = args.set_string.clone();
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));
    let values = user.merge(&read).map_err(|e| CliError::usage(e.to_string(), None))?;
    let options = RenderOptions {
        release_name: args.release.clone(),
        namespace: args.namespace.clone(),
        kube_version: args.kube_version.clone(),
        api_versions: args.api_versions.clone(),
        ..RenderOptions::default()
    };
    let rendered = helm::render_chart(chart, &values, &options).map_err(|e| CliError::failed(e.to_string(), None))?;
    print!("{}", rendered.to_yaml_stream(args.include_crds));
    Ok(())
}

fn pull(global: &Global, args: ChartPullArgs) -> Result<(), CliError> {
    let Some(fetched) = fetch(global, &args.source)? else {
        return Err(CliError::usage(
            format!("{} is local; pull fetches remote charts", args.source.chart),
            Some("oci://registry/path/chart:version, or a chart name with --repo URL".into()),
        ));
    };
    if let Some(dir) = &args.destination {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display()), None))?;
        let path = dir.join(format!("{}-{}.tgz", fetched.chart, fetched.version));
        std::fs::write(&path, &fetched.bytes)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display()), None))?;
        println!("wrote {}", path.display());
    }
    println!(
        "{} {} from {}: {} ({})",
        fetched.chart,
        fetched.version,
        fetched.repository,
        fetched.digest,
        if fetched.cached { "cached" } else { "downloaded" }
    );
    Ok(())
}
