//! `trino simulate` and `trino trace`: the autoscaling policy simulator (dataplat-simulate) and
//! its trace generator.

use std::path::Path;
use std::time::{Duration, Instant};

use dataplat_simulate::{Options, Outage, Policy, Report, TraceKind};
use serde_json::Value;

use crate::CliError;
use crate::cli::{Format, Global, SimulateArgs, TraceArgs, TraceKindArg, TrinoCommand};
use crate::output::print_data;

pub fn run(global: &Global, command: TrinoCommand) -> Result<(), CliError> {
    match command {
        TrinoCommand::Simulate(args) => simulate(global, args),
        TrinoCommand::Trace(args) => trace(args),
    }
}

fn sim_error(error: dataplat_simulate::Error) -> CliError {
    let hint = error.hint().map(str::to_string);
    CliError::usage(error.to_string(), hint)
}

fn simulate(global: &Global, args: SimulateArgs) -> Result<(), CliError> {
    let label = args.trace.display().to_string();
    let text = std::fs::read_to_string(&args.trace).map_err(|e| {
        CliError::usage(
            format!("cannot read trace {label}: {e}"),
            Some("pass a CSV file `submit_s,duration_s,workers`, e.g. examples/trino-traces/bursty.csv".into()),
        )
    })?;
    let trace = dataplat_simulate::parse_trace(&label, &text).map_err(sim_error)?;
    let mut outages = Vec::new();
    for o in &args.prometheus_outage {
        outages.push(Outage::parse(o).map_err(sim_error)?);
    }
    let options = Options {
        slots_per_worker: args.slots_per_worker,
        node_start_min_s: args.node_start_min,
        node_start_max_s: args.node_start_max,
        pod_start_s: args.pod_start,
        consolidate_after_s: args.consolidate_after,
        spot_interruptions_per_node_hour: args.spot_interruptions_per_node_hour,
        prometheus_outages: outages,
        seed: args.seed,
        session_required_workers: args.session_required_workers,
    };
    options.check().map_err(sim_error)?;

    let names: Vec<String> =
        if args.policies.is_empty() { vec!["reference".into(), "dataplat".into()] } else { args.policies.clone() };
    let mut policies = Vec::new();
    for name in &names {
        policies.push(load_policy(global, name)?);
    }

    let mut reports: Vec<Report> = Vec::new();
    let mut timings: Vec<(String, Duration)> = Vec::new();
    for policy in &policies {
        let started = Instant::now();
        let report = dataplat_simulate::simulate(&trace, policy, &options).map_err(sim_error)?;
        timings.push((policy.name.clone(), started.elapsed()));
        reports.push(report);
    }
    if args.timing {
        let hours = reports.iter().map(|r| r.simulated_s).max().unwrap_or(0) as f64 / 3600.0;
        let each: Vec<String> =
            timings.iter().map(|(n, d)| format!("{n} {:.1} ms", d.as_secs_f64() * 1000.0)).collect();
        eprintln!("timing: {label}, {} queries, {hours:.1} h simulated: {}", trace.queries.len(), each.join(", "));
    }
    match args.output {
        Format::Table => {
            println!("{label}: {} queries, seed {}", trace.queries.len(), options.seed);
            print!("{}", dataplat_simulate::render_table(&reports));
            Ok(())
        }
        format => print_data(
            format,
            &serde_json::json!({
                "trace": label,
                "queries": trace.queries.len(),
                "options": options,
                "policies": reports,
            }),
        ),
    }
}

/// `reference`, `dataplat` or a YAML file of objects.
fn load_policy(global: &Global, name: &str) -> Result<Policy, CliError> {
    match name {
        "reference" => {
            let objects =
                dataplat_lifecycle::simulate::yaml_objects("reference", dataplat_simulate::REFERENCE_POLICY_YAML)?;
            Policy::from_objects("reference", &objects).map_err(sim_error)
        }
        "dataplat" => {
            let objects = dataplat_objects(global)?;
            Policy::from_objects("dataplat", &objects).map_err(sim_error)
        }
        file => {
            let path = Path::new(file);
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::usage(
                    format!("--policy {file}: cannot read it: {e}"),
                    Some(
                        "a policy is `reference`, `dataplat` or a YAML file with the ScaledObject, the worker \
                         Deployment and optionally ConfigMaps trino-coordinator / trino-worker"
                            .into(),
                    ),
                )
            })?;
            let objects = dataplat_lifecycle::simulate::yaml_objects(file, &text)?;
            let label = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| file.to_string());
            Policy::from_objects(&label, &objects).map_err(sim_error)
        }
    }
}

/// The objects of release `trino` for the platform file (the scaler switched on in memory when
/// the file leaves it off, said so on stderr).
fn dataplat_objects(global: &Global) -> Result<Vec<Value>, CliError> {
    let ctx = super::context(global);
    let (objects, missing) = dataplat_lifecycle::simulate::trino_objects(&ctx)?;
    if !missing.is_empty() && !global.quiet {
        eprintln!(
            "note: {} leaves {} off; the dataplat policy is simulated with {} on (in memory; the file is unchanged)",
            global.file.display(),
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" }
        );
    }
    Ok(objects)
}

fn trace(args: TraceArgs) -> Result<(), CliError> {
    let kind = match args.kind {
        TraceKindArg::Steady => TraceKind::Steady,
        TraceKindArg::Bursty => TraceKind::Bursty,
        TraceKindArg::Diurnal => TraceKind::Diurnal,
    };
    if !(args.hours.is_finite() && args.hours > 0.0 && args.hours <= 24.0 * 366.0) {
        return Err(CliError::usage(
            format!("--hours {} is out of range", args.hours),
            Some("0 < hours <= 8784".into()),
        ));
    }
    let trace = dataplat_simulate::generate(kind, args.hours, args.seed);
    let csv = trace.to_csv();
    match &args.output {
        Some(path) => {
            std::fs::write(path, &csv)
                .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display()), None))?;
            eprintln!(
                "wrote {} ({} {} queries over {} h, seed {})",
                path.display(),
                trace.queries.len(),
                kind.name(),
                args.hours,
                args.seed
            );
        }
        None => print!("{csv}"),
    }
    Ok(())
}
