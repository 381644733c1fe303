//! The event printer of the long commands (`up`, `apply`, `down`, `plan`): progress lines on
//! stderr, a spinner for waits on a terminal, or one JSON event per line on stdout (`-o json`).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dataplat_aws::cloud::CloudEvent;
use dataplat_kube::TeardownEvent;
use dataplat_kube::apply::{Action, Event as ApplyEvent};
use dataplat_lifecycle::{ChartProgress, Event, Events};
use serde_json::json;

use crate::cli::Format;

/// How often a wait that has not changed status is reported again when stderr is not a terminal.
const WAIT_REPEAT: Duration = Duration::from_secs(30);

/// A spinner that leaves no trace once the printer is dropped.
struct Spinner(indicatif::ProgressBar);

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Prints events: on a terminal, waits move a spinner and everything else prints above it;
/// otherwise plain lines, a wait only when its status changes or every 30 s. With `-o json`,
/// one JSON event per line on stdout. `quiet`: nothing on stderr.
pub fn printer(format: Format, quiet: bool) -> Events {
    let json = format == Format::Json;
    let bar = (format == Format::Table && !quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        Spinner(bar)
    });
    let start = Instant::now();
    // The last wait reported, and when.
    let last_wait: Mutex<Option<(String, Instant)>> = Mutex::new(None);
    Arc::new(move |event: &Event| {
        let t = start.elapsed().as_secs();
        match event {
            Event::Cloud(e) if json => println!("{}", cloud_json(e)),
            Event::Cloud(_) if quiet => {}
            Event::Cloud(CloudEvent::Eks(wait @ dataplat_aws::eks::EksEvent::Waiting { kind, name, status, .. })) => {
                let line = format!("eks: {wait}");
                if let Some(Spinner(bar)) = &bar {
                    return bar.set_message(line);
                }
                let key = format!("{kind} {name} {status}");
                let mut last = last_wait.lock().expect("wait state");
                if !last.as_ref().is_some_and(|(k, at)| *k == key && at.elapsed() < WAIT_REPEAT) {
                    eprintln!("[{t:>4}s] {line}");
                    *last = Some((key, Instant::now()));
                }
            }
            Event::Cloud(e) => say(&bar, format!("[{t:>4}s] {}", cloud_line(e)), ""),
            Event::CloudDone { report, kubeconfig, context } if json => {
                println!("{}", json!({"event": "done", "report": report, "kubeconfig": kubeconfig, "context": context}))
            }
            Event::CloudDone { report, kubeconfig, context } if !quiet => {
                let stacks: Vec<String> = report.stacks.iter().map(|s| format!("{} {}", s.stack, s.outcome)).collect();
                let c = &report.eks.cluster;
                eprintln!("stacks: {}", stacks.join(", "));
                eprintln!(
                    "eks: cluster {} {} (Kubernetes {}), {} change(s)",
                    c.name,
                    c.status,
                    c.version,
                    report.eks.changes.len()
                );
                for w in &report.eks.warnings {
                    eprintln!("warning: {w}");
                }
                eprintln!("kubeconfig: context {context} written to {}", kubeconfig.display());
                if report.unchanged() {
                    eprintln!("cloud: nothing to change");
                }
            }
            Event::Readiness(analysis) if json => println!("{}", json!({"event": "readiness", "analysis": analysis})),
            Event::Readiness(analysis) if !quiet => eprint!("{}", dataplat_lifecycle::text::readiness(analysis)),
            Event::Release(e) if json => println!("{}", apply_json(e)),
            Event::Release(e) if !quiet => {
                if let Some(line) = apply_line(e) {
                    say(&bar, line.clone(), &line);
                }
            }
            Event::Chart(ChartProgress::Rendered { release, chart, version, manifests, crds, hooks, cached })
                if !quiet && !json =>
            {
                let from = if *cached { "cached" } else { "downloaded" };
                let objects = manifests + crds + hooks;
                eprintln!("chart {chart} {version} for {release}: {objects} object(s) ({from})");
            }
            Event::Applied { releases, requests } if !quiet && !json => eprintln!(
                "applied {releases} release(s): {} writes, {} reads, {} dry runs",
                requests.writes, requests.reads, requests.dry_runs
            ),
            Event::Teardown(e) if !quiet && !json => eprintln!("{}", teardown_line(e)),
            Event::NoClusterToTearDown { cluster } if !quiet && !json => {
                eprintln!("== cluster: EKS cluster {cluster} does not exist; nothing to tear down inside it")
            }
            _ => {}
        }
    })
}

/// A line above the spinner (which then shows `status`), or on stderr.
fn say(bar: &Option<Spinner>, line: String, status: &str) {
    match bar {
        Some(Spinner(bar)) => {
            bar.println(&line);
            bar.set_message(status.to_owned());
        }
        None => eprintln!("{line}"),
    }
}

fn cloud_json(event: &CloudEvent) -> serde_json::Value {
    match event {
        CloudEvent::Phase(p) => json!({"event": "phase", "phase": p}),
        CloudEvent::Stack(e) => json!({"event": "stack", "stack_event": {
            "logical_id": e.logical_id, "resource_type": e.resource_type, "status": e.status, "reason": e.reason}}),
        CloudEvent::StackDone { stack, outcome, changes } => {
            json!({"event": "stack-done", "stack": stack, "outcome": outcome, "changes": changes})
        }
        CloudEvent::Eks(e) => json!({"event": "eks", "message": e.to_string()}),
        CloudEvent::Bucket { bucket, action, objects } => {
            json!({"event": "bucket", "bucket": bucket, "action": action, "objects": objects})
        }
        CloudEvent::Sweep(e) => json!({"event": "sweep", "message": e.to_string()}),
        CloudEvent::Warning(w) => json!({"event": "warning", "message": w}),
    }
}

fn cloud_line(event: &CloudEvent) -> String {
    match event {
        CloudEvent::Phase(p) => format!("== {p}"),
        CloudEvent::Stack(e) => {
            let reason = e.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
            format!("   {} {} {}{reason}", e.logical_id, e.resource_type, e.status)
        }
        CloudEvent::StackDone { stack, outcome, changes } => {
            let changes = if *changes > 0 { format!(" ({changes} changes)") } else { String::new() };
            format!("stack {stack}: {outcome}{changes}")
        }
        CloudEvent::Eks(e) => format!("eks: {e}"),
        CloudEvent::Bucket { bucket, action, objects } => format!("bucket {bucket}: {action} ({objects} objects)"),
        CloudEvent::Sweep(e) => format!("sweep: {e}"),
        CloudEvent::Warning(w) => format!("warning: {w}"),
    }
}

fn apply_json(event: &ApplyEvent) -> serde_json::Value {
    match event {
        ApplyEvent::Started { release } => json!({"event": "started", "release": release}),
        ApplyEvent::Changed { release, change } => json!({"event": "changed", "release": release, "change": change}),
        ApplyEvent::Waiting { release, object, state } => {
            json!({"event": "waiting", "release": release, "object": object, "state": state})
        }
        ApplyEvent::Finished { release, report } => json!({"event": "finished", "release": release, "report": report}),
        ApplyEvent::Failed { release, error } => json!({"event": "failed", "release": release, "error": error}),
    }
}

fn apply_line(event: &ApplyEvent) -> Option<String> {
    Some(match event {
        ApplyEvent::Started { release } => format!("{release}: applying"),
        ApplyEvent::Changed { release, change } if change.action != Action::Unchanged => {
            format!("{release}: {} {}", change.action.as_str(), change.object)
        }
        ApplyEvent::Changed { .. } => return None,
        ApplyEvent::Waiting { release, object, state } => format!("{release}: waiting for {object}: {state}"),
        ApplyEvent::Finished { release, report } => format!(
            "{release}: done, {} ({:.1} s, {} writes)",
            report.summary(),
            report.seconds,
            report.requests.writes
        ),
        ApplyEvent::Failed { release, error } => format!("{release}: FAILED: {error}"),
    })
}

fn teardown_line(event: &TeardownEvent) -> String {
    match event {
        TeardownEvent::PhaseStarted { phase } => format!("== cluster: {phase}"),
        TeardownEvent::Deleted { object, .. } => format!("   deleted {object}"),
        TeardownEvent::Kept { object, .. } => format!("   kept {object}"),
        TeardownEvent::Waiting { objects, .. } => format!(
            "   waiting for {} object(s) to go: {}",
            objects.len(),
            objects.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ),
        TeardownEvent::Skipped { reason, .. } => format!("   skipped: {reason}"),
        TeardownEvent::PhaseDone { phase, deleted } => format!("   {phase}: {deleted} deleted"),
    }
}
