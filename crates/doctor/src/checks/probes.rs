//! Checks on what doctor asked Prometheus (KEDA's triggers, the addons' alert rules), on the
//! HorizontalPodAutoscalers' metrics, and on chart versions.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Ctx, new_finding, str_at};
use crate::model::{Finding, Query, Sample, Severity};

fn labels_text(sample: &Sample) -> String {
    let inner: Vec<String> = sample.labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{{{}}}", inner.join(","))
}

fn value_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { format!("{value:.3}") }
}

/// The metric names a PromQL expression reads: identifiers that are not functions, keywords or
/// label names (`sum(rate(x_total{job="a"}[5m])) by (job)` → `x_total`).
pub fn metric_names(query: &str) -> Vec<String> {
    const KEYWORDS: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "inf",
        "nan",
        "atan2",
    ];
    let mut names = BTreeSet::new();
    let chars: Vec<char> = query.chars().collect();
    let (mut i, mut braces, mut parens_after_grouping) = (0, 0usize, false);
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if c == '{' {
            braces += 1;
        } else if c == '}' {
            braces = braces.saturating_sub(1);
        } else if c == '[' {
            while i < chars.len() && chars[i] != ']' {
                i += 1;
            }
        } else if c == ')' {
            parens_after_grouping = false;
        }
        if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..].iter().find(|c| !c.is_whitespace()).copied();
            let lower = word.to_ascii_lowercase();
            if ["by", "without", "on", "ignoring", "group_left", "group_right"].contains(&lower.as_str()) {
                parens_after_grouping = true;
            } else if braces == 0 && !parens_after_grouping && next != Some('(') && !KEYWORDS.contains(&lower.as_str())
            {
                // A duration's unit (`5m`) starts with a digit and is not reached here.
                names.insert(word);
            }
            continue;
        }
        i += 1;
    }
    names.into_iter().collect()
}

pub(super) fn queries(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for query in &ctx.snapshot.queries {
        let kind = query.object.split(' ').next().unwrap_or("");
        match kind {
            "ScaledObject" => trigger(query, out),
            "PrometheusRule" => alert(ctx, query, out),
            _ => {}
        }
    }
}

fn trigger(query: &Query, out: &mut Vec<Finding>) {
    let mut evidence = vec![format!("trigger {}: {}", query.source, query.query), format!("server {}", query.server)];
    match &query.outcome {
        Err(error) => {
            evidence.push(format!("answer: {error}"));
            out.push(new_finding(
                "keda.trigger-query-failed",
                query.object.clone(),
                evidence,
                format!(
                    "KEDA cannot read the metric it scales on: the query fails ({error}), so the workload stays at \
                     its current size"
                ),
                format!(
                    "make {} reachable from KEDA (kubectl -n <namespace> get svc,endpoints), and fix the query if \
                     Prometheus rejects it",
                    query.server
                ),
            ));
        }
        Ok(series) if series.is_empty() => {
            let fix = if query.existing.is_empty() {
                "nothing scrapes the metric: check the ServiceMonitor that should (its selector, port and the \
                 target's /metrics), in Prometheus' Targets page"
                    .to_string()
            } else {
                "the metric exists with other labels (above): make the trigger's label matchers (job, namespace) \
                 equal to the scraped series'"
                    .to_string()
            };
            evidence.extend(query.existing.iter().map(|e| format!("exists: {e}")));
            if query.existing.is_empty() {
                evidence.push("no series of the query's metrics exists".into());
            }
            out.push(new_finding(
                "keda.trigger-query-empty",
                query.object.clone(),
                evidence,
                "the trigger's query returns no series: KEDA has no value to scale on (the reference's ScaledObject \
                 queried a job label its ServiceMonitor never sets)"
                    .to_string(),
                fix,
            ));
        }
        Ok(_) => {}
    }
}

/// The rule of alert `source` in a PrometheusRule object.
fn rule<'a>(ctx: &Ctx<'a>, object: &str, alert: &str) -> Option<&'a Value> {
    let (ns, name) = object.split_once(' ')?.1.split_once('/')?;
    let rules = ctx.find("PrometheusRule", ns, name)?;
    rules
        .pointer("/spec/groups")?
        .as_array()?
        .iter()
        .flat_map(|g| g["rules"].as_array().into_iter().flatten())
        .find(|r| str_at(r, "/alert") == Some(alert))
}

fn alert(ctx: &Ctx<'_>, query: &Query, out: &mut Vec<Finding>) {
    let Some(rule) = rule(ctx, &query.object, &query.source) else { return };
    let annotation = |key: &str| str_at(rule, &format!("/annotations/{key}")).unwrap_or("").trim().to_string();
    match &query.outcome {
        Ok(series) if !series.is_empty() => {
            let severity = match str_at(rule, "/labels/severity") {
                Some("critical" | "error") => Severity::Error,
                _ => Severity::Warning,
            };
            let mut evidence = vec![format!("alert {}: {}", query.source, query.query)];
            evidence.extend(series.iter().take(5).map(|s| format!("value {} {}", value_text(s.value), labels_text(s))));
            let summary = annotation("summary");
            let description = annotation("description");
            let cause = match (summary.is_empty(), description.is_empty()) {
                (false, false) => format!("{summary}: {description}"),
                (false, true) => summary,
                _ => description,
            };
            let mut fix = annotation("fix");
            if fix.is_empty() {
                fix = annotation("runbook_url");
            }
            out.push(Finding {
                id: format!("alert.{}", query.source),
                severity,
                object: query.object.clone(),
                evidence,
                cause,
                fix,
            });
        }
        Ok(_) => {}
        Err(error) => out.push(new_finding(
            "alerts.not-evaluated",
            query.object.clone(),
            vec![format!("alert {}: {}", query.source, query.query), format!("answer: {error}")],
            format!("doctor could not evaluate alert {} on {}: what it watches is unknown", query.source, query.server),
            "check that Prometheus runs and answers (kubectl -n monitoring get pods), and that the rule's \
             expression is valid PromQL (Prometheus' Rules page shows its error)"
                .to_string(),
        )),
    }
}

/// The current value of an HPA metric status (`averageValue`, `value` or utilization).
fn current(metric: &Value) -> Option<(String, f64)> {
    let kind = str_at(metric, "/type")?;
    let key = match kind {
        "External" => "external",
        "Resource" => "resource",
        "Pods" => "pods",
        "Object" => "object",
        "ContainerResource" => "containerResource",
        _ => return None,
    };
    let body = metric.get(key)?;
    let name = str_at(body, "/metric/name").or_else(|| str_at(body, "/name")).unwrap_or("?").to_string();
    let status = body.get("current").or_else(|| body.get("target"))?;
    let number = |v: &Value| -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => dataplat_readiness::quantity::parse(s),
            _ => None,
        }
    };
    let value = status
        .get("averageValue")
        .and_then(number)
        .or_else(|| status.get("value").and_then(number))
        .or_else(|| status.get("averageUtilization").and_then(number))?;
    Some((name, value))
}

fn target(metric: &Value) -> Option<(String, f64)> {
    current(metric)
}

/// HorizontalPodAutoscalers (KEDA's included): a metric it cannot read, and a metric above its
/// target while the workload is already at its maximum.
pub(super) fn autoscalers(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for hpa in ctx.of_kind("HorizontalPodAutoscaler") {
        let conditions = hpa.pointer("/status/conditions").and_then(Value::as_array).cloned().unwrap_or_default();
        let cond = |t: &str| conditions.iter().find(|c| str_at(c, "/type") == Some(t));
        let scaled = format!(
            "{} {}",
            str_at(hpa, "/spec/scaleTargetRef/kind").unwrap_or("?"),
            str_at(hpa, "/spec/scaleTargetRef/name").unwrap_or("?")
        );
        if let Some(c) = cond("ScalingActive").filter(|c| str_at(c, "/status") == Some("False"))
            && str_at(c, "/reason") != Some("ScalingDisabled")
        {
            let message = str_at(c, "/message").unwrap_or("").trim().to_string();
            out.push(ctx.finding(
                "keda.hpa-metric-unavailable",
                hpa,
                vec![super::condition_line(c)],
                format!("the autoscaler of {scaled} cannot read its metric, so it does not scale: {message}"),
                "for KEDA's autoscalers (keda-hpa-*), check the ScaledObject's triggers and the keda-operator-metrics-apiserver \
                 (kubectl get apiservice v1beta1.external.metrics.k8s.io); for others, metrics-server"
                    .to_string(),
            ));
            continue;
        }
        let max = hpa.pointer("/spec/maxReplicas").and_then(Value::as_u64).unwrap_or(0);
        let replicas = hpa.pointer("/status/currentReplicas").and_then(Value::as_u64).unwrap_or(0);
        if max == 0 || replicas < max {
            continue;
        }
        let specs = hpa.pointer("/spec/metrics").and_then(Value::as_array).cloned().unwrap_or_default();
        let currents = hpa.pointer("/status/currentMetrics").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut above = Vec::new();
        for (spec, status) in specs.iter().zip(currents.iter()) {
            let (Some((name, want)), Some((_, have))) = (target(spec), current(status)) else { continue };
            if want > 0.0 && have > want {
                above.push(format!("metric {name}: {} against a target of {}", value_text(have), value_text(want)));
            }
        }
        if above.is_empty() {
            continue;
        }
        let mut evidence = vec![format!("{replicas} replicas, the maximum is {max}")];
        evidence.extend(above);
        if let Some(c) = cond("ScalingLimited") {
            evidence.push(super::condition_line(c));
        }
        out.push(
            ctx.finding(
                "keda.hpa-at-max",
                hpa,
                evidence,
                format!("{scaled} is at its maximum while its metric is above the target: the load waits"),
                "raise the maximum (for Trino: trino.autoscaling.max_workers, within its NodePool's limits), or lower \
             the load"
                    .to_string(),
            ),
        );
    }
}

/// Objects of a chart whose `helm.sh/chart` label names another version of the release's chart
/// than platform.yaml pins (objects of subcharts, named otherwise, are not compared).
pub(super) fn chart_versions(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    for object in &ctx.snapshot.objects {
        let labels = object.pointer("/metadata/labels");
        let (Some(release), Some(chart)) = (
            labels.and_then(|l| l.get("dataplat.io/release")).and_then(Value::as_str),
            labels.and_then(|l| l.get("helm.sh/chart")).and_then(Value::as_str),
        ) else {
            continue;
        };
        let Some(pinned) = ctx.snapshot.charts.get(release) else { continue };
        let Some((name, version)) = split_chart(pinned) else { continue };
        let Some((live_name, live)) = split_chart(chart) else { continue };
        if live_name != name {
            continue;
        }
        if live == version.replace('+', "_") || !seen.insert(release.to_string()) {
            continue;
        }
        out.push(
            ctx.finding(
                "drift.chart-version",
                object,
                vec![format!("label helm.sh/chart={chart}"), format!("platform.yaml pins {name} {version}")],
                format!("release {release} runs chart {name} {live}, not the {version} platform.yaml pins"),
                "run `kubectl dataplat up` (or `apply`) to bring the release to the pinned version; `plan` shows the \
             difference first"
                    .to_string(),
            ),
        );
    }
}

/// `trino-1.41.0` → (`trino`, `1.41.0`): the version starts after the last `-` followed by a digit.
fn split_chart(label: &str) -> Option<(&str, &str)> {
    let bytes = label.as_bytes();
    (1..label.len())
        .rev()
        .find(|&i| bytes[i - 1] == b'-' && bytes[i].is_ascii_digit())
        .map(|i| (&label[..i - 1], &label[i..]))
}

#[cfg(test)]
mod tests {
    #[test]
    fn metric_names_skip_functions_labels_and_keywords() {
        let q = r#"sum(rate(x_total{job="a", namespace="b"}[5m])) by (job) + on(job) max({__name__=~"y"}) - up"#;
        assert_eq!(super::metric_names(q), vec!["up", "x_total"]);
        assert_eq!(
            super::metric_names("sum(trino_q{job=\"trino\"}) + sum(trino_r{job=\"trino\"})"),
            vec!["trino_q", "trino_r"]
        );
        assert_eq!(super::split_chart("kube-prometheus-stack-77.0.1"), Some(("kube-prometheus-stack", "77.0.1")));
        assert_eq!(super::split_chart("trino"), None);
    }
}
