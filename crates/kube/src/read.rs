//! Reading the live cluster as it is, for `doctor`: every object of a kind, cluster-wide, in one
//! LIST (with its `apiVersion` and `kind` set, which LIST items lack), and a container's last log
//! lines.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use serde_json::Value;

use crate::KubeError;
use crate::cluster::Cluster;

/// Every object of `api_version`/`kind` in the cluster, or `None` when the cluster does not serve
/// the kind (an addon's CRD not installed).
pub async fn list_kind(cluster: &Cluster, api_version: &str, kind: &str) -> Result<Option<Vec<Value>>, KubeError> {
    let Some(resolved) = cluster.resolve(api_version, kind).await? else { return Ok(None) };
    let list = cluster
        .api(&resolved, None)
        .list(&ListParams::default())
        .await
        .map_err(|e| KubeError::from_kube(&format!("listing {kind}"), e))?;
    let mut out = Vec::with_capacity(list.items.len());
    for item in list.items {
        let mut value = serde_json::to_value(&item).unwrap_or(Value::Null);
        if let Some(map) = value.as_object_mut() {
            map.insert("apiVersion".into(), Value::String(api_version.to_string()));
            map.insert("kind".into(), Value::String(kind.to_string()));
        }
        out.push(value);
    }
    Ok(Some(out))
}

/// The last `lines` log lines of a container, of its previous run when `previous`.
pub async fn container_log(
    cluster: &Cluster,
    namespace: &str,
    pod: &str,
    container: &str,
    previous: bool,
    lines: i64,
) -> Result<Vec<String>, KubeError> {
    let api: Api<Pod> = Api::namespaced(cluster.client().clone(), namespace);
    let params =
        LogParams { container: Some(container.to_string()), previous, tail_lines: Some(lines), ..LogParams::default() };
    let text = api
        .logs(pod, &params)
        .await
        .map_err(|e| KubeError::from_kube(&format!("reading the log of {namespace}/{pod} {container}"), e))?;
    Ok(text.lines().map(str::to_string).collect())
}

/// `GET path` (with its query string, already encoded) on port `port` of Service
/// `namespace/service`, through the API server's service proxy (`scheme` `http` or `https`; the
/// API server does not verify an https backend's certificate). The body on a 2xx answer, else
/// why not, in words; `timeout` bounds the whole exchange.
pub async fn service_get(
    cluster: &Cluster,
    namespace: &str,
    scheme: &str,
    service: &str,
    port: u16,
    path: &str,
    timeout: std::time::Duration,
) -> Result<String, String> {
    let uri = format!("/api/v1/namespaces/{namespace}/services/{scheme}:{service}:{port}/proxy{path}");
    let request = http::Request::get(&uri).body(Vec::new()).map_err(|e| format!("bad request {uri}: {e}"))?;
    match tokio::time::timeout(timeout, cluster.client().request_text(request)).await {
        Err(_) => Err(format!("no answer within {} s (through the API server's service proxy)", timeout.as_secs())),
        Ok(Ok(body)) => Ok(body),
        Ok(Err(kube::Error::Api(e))) => Err(format!("{} {}: {}", e.code, e.reason, e.message.trim())),
        Ok(Err(e)) => Err(e.to_string()),
    }
}
