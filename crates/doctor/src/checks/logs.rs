//! Log signatures: what a workload declares its log says when it fails (annotation
//! `dataplat.io/doctor-log-signatures` on a Deployment, StatefulSet or DaemonSet), matched
//! against the log lines doctor read of its pods (those that crash-loop).
//!
//! A signature is `{finding, severity, started, finished?, summary, description?, fix}`:
//! `started` and `finished` are regular expressions whose first group captures a name (a catalog,
//! a topic). Every name a line matches `started` for, and no later line matches `finished` for,
//! is a finding `log.<finding>`, its `{name}` put into summary and fix. Without `finished`, every
//! `started` match is one.

use serde::Deserialize;
use serde_json::Value;

use super::{Ctx, str_at};
use crate::model::{Finding, Severity};

/// The annotation a workload declares its signatures in (a JSON list).
pub const LOG_SIGNATURES: &str = "dataplat.io/doctor-log-signatures";

/// At most this many error lines are shown per finding.
const ERROR_LINES: usize = 8;

#[derive(Deserialize)]
struct Signature {
    finding: String,
    #[serde(default)]
    severity: String,
    started: String,
    #[serde(default)]
    finished: Option<String>,
    summary: String,
    #[serde(default)]
    description: String,
    fix: String,
}

/// Whether `pod` is one of `workload`'s: same namespace, its selector's labels.
fn owns(workload: &Value, pod: &Value) -> bool {
    if str_at(workload, "/metadata/namespace") != str_at(pod, "/metadata/namespace") {
        return false;
    }
    let Some(selector) = workload.pointer("/spec/selector/matchLabels").and_then(Value::as_object) else {
        return false;
    };
    !selector.is_empty()
        && selector.iter().all(|(k, v)| pod.pointer("/metadata/labels").and_then(|l| l.get(k)) == Some(v))
}

fn error_line(line: &str) -> bool {
    line.contains("ERROR") || line.contains("Exception") || line.contains("Error:") || line.starts_with("Caused by")
}

pub(super) fn signatures(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for workload in ctx.snapshot.objects.iter().filter(|o| {
        matches!(str_at(o, "/kind"), Some("Deployment" | "StatefulSet" | "DaemonSet"))
            && o.pointer("/metadata/annotations").and_then(|a| a.get(LOG_SIGNATURES)).is_some()
    }) {
        let text =
            workload.pointer("/metadata/annotations").and_then(|a| a.get(LOG_SIGNATURES)).and_then(Value::as_str);
        let Some(signatures) = text.and_then(|t| serde_json::from_str::<Vec<Signature>>(t).ok()) else { continue };
        let ns = str_at(workload, "/metadata/namespace").unwrap_or("");
        for pod in ctx.of_kind("Pod").filter(|p| owns(workload, p)) {
            let name = str_at(pod, "/metadata/name").unwrap_or("");
            for ((lns, lpod, container), lines) in &ctx.snapshot.logs {
                if lns != ns || lpod != name {
                    continue;
                }
                for signature in &signatures {
                    matched(pod, container, lines, signature, out);
                }
            }
        }
    }
}

fn matched(pod: &Value, container: &str, lines: &[String], signature: &Signature, out: &mut Vec<Finding>) {
    let Ok(started) = regex::Regex::new(&signature.started) else { return };
    let finished = signature.finished.as_deref().and_then(|f| regex::Regex::new(f).ok());
    let mut open: Vec<(String, usize)> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if let Some(name) = started.captures(line).map(|c| c.get(1).map_or("", |m| m.as_str()).to_string()) {
            open.retain(|(n, _)| *n != name);
            open.push((name, index));
        }
        if let Some(f) = &finished
            && let Some(name) = f.captures(line).map(|c| c.get(1).map_or("", |m| m.as_str()).to_string())
        {
            open.retain(|(n, _)| *n != name);
        }
    }
    for (name, index) in open {
        let mut evidence = vec![format!("container {container}: {}", lines[index].trim())];
        if finished.is_some() {
            evidence.push("and no line that it finished".to_string());
        }
        evidence.extend(
            lines[index..].iter().filter(|l| error_line(l)).take(ERROR_LINES).map(|l| format!("log: {}", l.trim())),
        );
        let fill = |text: &str| text.replace("{name}", &name);
        let cause = if signature.description.is_empty() {
            fill(&signature.summary)
        } else {
            format!("{}: {}", fill(&signature.summary), fill(&signature.description))
        };
        out.push(Finding {
            id: format!("log.{}", signature.finding),
            severity: if matches!(signature.severity.as_str(), "critical" | "error") {
                Severity::Error
            } else {
                Severity::Warning
            },
            object: super::display(pod),
            evidence,
            cause,
            fix: fill(&signature.fix),
        });
    }
}
