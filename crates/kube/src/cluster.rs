//! A connection to one cluster: a kube client that counts its requests, and the kinds it serves
//! (resolved on demand, one discovery request per group/version, cached).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use kube::Client;
use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::{ApiCapabilities, Scope};

use crate::KubeError;

/// Where the cluster is: a kubeconfig file and context (defaults: `KUBECONFIG` or
/// `~/.kube/config`, and its current context).
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// Requests sent so far, by what they do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RequestCounts {
    /// GET, LIST and WATCH.
    pub reads: u64,
    /// POST, PUT, PATCH and DELETE that change the cluster.
    pub writes: u64,
    /// Server-side dry runs (`dryRun=All`): they change nothing.
    pub dry_runs: u64,
}

impl RequestCounts {
    pub fn total(&self) -> u64 {
        self.reads + self.writes + self.dry_runs
    }
}

#[derive(Default, Debug)]
struct Counter {
    reads: AtomicU64,
    writes: AtomicU64,
    dry_runs: AtomicU64,
}

impl Counter {
    fn record(&self, method: &http::Method, query: Option<&str>) {
        let dry_run = query.is_some_and(|q| q.split('&').any(|p| p == "dryRun=All"));
        let slot = if matches!(*method, http::Method::GET | http::Method::HEAD | http::Method::OPTIONS) {
            &self.reads
        } else if dry_run {
            &self.dry_runs
        } else {
            &self.writes
        };
        slot.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> RequestCounts {
        RequestCounts {
            reads: self.reads.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
            dry_runs: self.dry_runs.load(Ordering::Relaxed),
        }
    }
}

/// A kind the cluster serves.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub resource: ApiResource,
    pub namespaced: bool,
}

/// One cluster.
#[derive(Clone)]
pub struct Cluster {
    client: Client,
    counter: Arc<Counter>,
    kinds: Arc<Mutex<HashMap<(String, String), Resolved>>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").field("requests", &self.counter.snapshot()).finish()
    }
}

impl Cluster {
    /// Connects with a kubeconfig (nothing is sent until the first call).
    pub async fn connect(options: &ConnectOptions) -> Result<Cluster, KubeError> {
        let config_options = kube::config::KubeConfigOptions { context: options.context.clone(), ..Default::default() };
        let config = match &options.kubeconfig {
            Some(path) => {
                let kubeconfig = kube::config::Kubeconfig::read_from(path).map_err(|e| KubeError::Connect {
                    message: format!("cannot read kubeconfig {}: {e}", path.display()),
                })?;
                kube::Config::from_custom_kubeconfig(kubeconfig, &config_options).await
            }
            None => kube::Config::from_kubeconfig(&config_options).await,
        }
        .map_err(|e| KubeError::Connect { message: format!("cannot load the kubeconfig: {e}") })?;
        Cluster::from_config(config)
    }

    /// A cluster from a ready kube config.
    pub fn from_config(config: kube::Config) -> Result<Cluster, KubeError> {
        let counter = Arc::new(Counter::default());
        let seen = counter.clone();
        let layer = tower::util::MapRequestLayer::new(move |request: http::Request<kube::client::Body>| {
            seen.record(request.method(), request.uri().query());
            request
        });
        let client = kube::client::ClientBuilder::try_from(config)
            .map_err(|e| KubeError::Connect { message: format!("cannot build a client: {e}") })?
            .with_layer(&layer)
            .build();
        Ok(Cluster { client, counter, kinds: Arc::default() })
    }

    /// A cluster over a ready client (unit tests over a mock service); its requests are not
    /// counted.
    pub fn from_client(client: Client) -> Cluster {
        Cluster { client, counter: Arc::default(), kinds: Arc::default() }
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Requests sent through this cluster (and its clones) so far.
    pub fn requests(&self) -> RequestCounts {
        self.counter.snapshot()
    }

    /// The resource serving `api_version`/`kind`, asked once per group/version and cached.
    /// `Ok(None)` when the cluster does not serve it (yet: a CRD may be on its way).
    pub async fn resolve(&self, api_version: &str, kind: &str) -> Result<Option<Resolved>, KubeError> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(found) = self.kinds.lock().expect("kinds").get(&key) {
            return Ok(Some(found.clone()));
        }
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let gvk = GroupVersionKind::gvk(group, version, kind);
        match kube::discovery::pinned_kind(&self.client, &gvk).await {
            Ok((resource, capabilities)) => {
                let resolved = Resolved { resource, namespaced: is_namespaced(&capabilities) };
                self.kinds.lock().expect("kinds").insert(key, resolved.clone());
                Ok(Some(resolved))
            }
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
            Err(kube::Error::Discovery(_)) => Ok(None),
            Err(e) => Err(KubeError::from_kube(&format!("discovering {api_version} {kind}"), e)),
        }
    }

    /// A dynamic API for `resolved` in `namespace` (ignored for cluster-scoped kinds).
    pub fn api(&self, resolved: &Resolved, namespace: Option<&str>) -> Api<DynamicObject> {
        match (resolved.namespaced, namespace) {
            (true, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, &resolved.resource),
            _ => Api::all_with(self.client.clone(), &resolved.resource),
        }
    }
}

fn is_namespaced(capabilities: &ApiCapabilities) -> bool {
    matches!(capabilities.scope, Scope::Namespaced)
}
