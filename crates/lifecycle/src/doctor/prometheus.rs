//! The PromQL queries doctor runs, through the API server's service proxy: each ScaledObject's
//! Prometheus triggers (on the server each names), and the alert rules of PrometheusRules that
//! opt in with label `dataplat.io/doctor: "true"` (on the platform's Prometheus, the `prometheus`
//! addon's `prometheus-query` endpoint).

use std::collections::BTreeMap;
use std::time::Duration;

use dataplat_doctor::{Query, Sample};
use dataplat_kube::cluster::Cluster;
use serde_json::Value;

/// Each query's time limit.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The label by which a PrometheusRule asks doctor to evaluate its alerts.
pub const DOCTOR_LABEL: &str = "dataplat.io/doctor";
/// At most this many label sets are shown per metric of an empty answer.
const EXISTING: usize = 5;

/// A Prometheus server in the cluster, as a Service.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    scheme: String,
    namespace: String,
    service: String,
    port: u16,
    /// The path before `/api/v1` (a server under `/prometheus`), without a trailing `/`.
    prefix: String,
}

/// The Service a server URL names (`http://prometheus-prometheus.monitoring.svc:9090`,
/// `http://svc.ns:9090/prefix`, `http://svc:9090` in `namespace`); `None` for a host outside the
/// cluster.
fn target(url: &str, namespace: &str) -> Option<Target> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (authority, if scheme == "https" { 443 } else { 80 }),
    };
    let host = host.strip_suffix(".cluster.local").unwrap_or(host);
    let host = host.strip_suffix(".svc").unwrap_or(host);
    let (service, ns) = match host.split('.').collect::<Vec<_>>()[..] {
        [service] => (service, namespace),
        [service, ns] => (service, ns),
        _ => return None,
    };
    let prefix = path.trim_end_matches('/');
    Some(Target {
        scheme: scheme.to_string(),
        namespace: ns.to_string(),
        service: service.to_string(),
        port,
        prefix: if prefix.is_empty() { String::new() } else { format!("/{prefix}") },
    })
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One instant query: its series, or why there is none.
async fn instant(cluster: &Cluster, target: &Target, query: &str) -> Result<Vec<Sample>, String> {
    let path = format!("{}/api/v1/query?query={}", target.prefix, encode(query));
    let body = dataplat_kube::read::service_get(
        cluster,
        &target.namespace,
        &target.scheme,
        &target.service,
        target.port,
        &path,
        TIMEOUT,
    )
    .await?;
    let answer: Value = serde_json::from_str(&body)
        .map_err(|_| format!("not a Prometheus answer: {}", body.chars().take(120).collect::<String>()))?;
    if answer["status"] != "success" {
        return Err(format!(
            "{}: {}",
            answer["errorType"].as_str().unwrap_or("error"),
            answer["error"].as_str().unwrap_or("no message")
        ));
    }
    let value = |pair: &Value| pair[1].as_str().and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    let data = &answer["data"];
    Ok(match data["resultType"].as_str() {
        Some("scalar") => vec![Sample { labels: BTreeMap::new(), value: value(&data["result"]) }],
        _ => data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|series| Sample {
                labels: series["metric"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect(),
                value: value(&series["value"]),
            })
            .collect(),
    })
}

/// For an empty answer: the label sets (`job`, `namespace`) the query's metrics do have.
async fn existing(cluster: &Cluster, target: &Target, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    for metric in dataplat_doctor::metric_names(query) {
        let probe = format!("count by (job, namespace) ({{__name__=\"{metric}\"}})");
        if let Ok(series) = instant(cluster, target, &probe).await {
            for s in series.iter().take(EXISTING) {
                let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
                out.push(format!("{metric}{{{}}}", labels.join(",")));
            }
        }
    }
    out
}

/// What is to be asked: `(object, source, server URL, namespace for short names, query)`.
fn planned(objects: &[Value], prometheus: Option<&str>) -> Vec<(String, String, String, String, String)> {
    let mut out = Vec::new();
    for object in objects {
        let ns = object["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        match object["kind"].as_str() {
            Some("ScaledObject") => {
                for (index, trigger) in object["spec"]["triggers"].as_array().into_iter().flatten().enumerate() {
                    let (Some(server), Some(query)) =
                        (trigger["metadata"]["serverAddress"].as_str(), trigger["metadata"]["query"].as_str())
                    else {
                        continue;
                    };
                    if trigger["type"] != "prometheus" {
                        continue;
                    }
                    let source = trigger["name"].as_str().map_or_else(|| format!("#{index}"), str::to_string);
                    out.push((format!("ScaledObject {ns}/{name}"), source, server.into(), ns.into(), query.into()));
                }
            }
            Some("PrometheusRule") if object["metadata"]["labels"][DOCTOR_LABEL] == "true" => {
                let Some(server) = prometheus else { continue };
                for rule in object["spec"]["groups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|g| g["rules"].as_array().into_iter().flatten())
                {
                    let (Some(alert), Some(expr)) = (rule["alert"].as_str(), rule["expr"].as_str()) else { continue };
                    out.push((
                        format!("PrometheusRule {ns}/{name}"),
                        alert.into(),
                        server.into(),
                        ns.into(),
                        expr.trim().into(),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// Runs every query at once, each within [`TIMEOUT`]; a server outside the cluster is skipped.
pub async fn run(cluster: &Cluster, objects: &[Value], prometheus: Option<&str>) -> Vec<Query> {
    let asks = planned(objects, prometheus);
    let futures = asks.into_iter().filter_map(|(object, source, server, ns, query)| {
        let target = target(&server, &ns)?;
        Some(async move {
            let outcome = instant(cluster, &target, &query).await;
            let existing = match &outcome {
                Ok(series) if series.is_empty() && object.starts_with("ScaledObject") => {
                    existing(cluster, &target, &query).await
                }
                _ => Vec::new(),
            };
            Query { object, source, server, query, outcome, existing }
        })
    });
    futures::future::join_all(futures).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_name_services() {
        let t = target("http://prometheus-prometheus.monitoring.svc:9090", "trino").unwrap();
        assert_eq!(
            (t.namespace.as_str(), t.service.as_str(), t.port, t.prefix.as_str()),
            ("monitoring", "prometheus-prometheus", 9090, "")
        );
        let t = target("https://prom.obs.svc.cluster.local/prometheus/", "x").unwrap();
        assert_eq!(
            (t.scheme.as_str(), t.namespace.as_str(), t.port, t.prefix.as_str()),
            ("https", "obs", 443, "/prometheus")
        );
        assert_eq!(target("http://prom:9090", "trino").unwrap().namespace, "trino");
        assert!(target("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1", "x").is_none());
        assert_eq!(encode("sum(a{b=\"c\"})"), "sum%28a%7Bb%3D%22c%22%7D%29");
    }
}
