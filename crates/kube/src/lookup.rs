//! Helm's `lookup` against a live cluster ([`LiveLookup`]), so charts that write
//! lookup-or-generate keep their generated secrets across applies.

use serde_json::{Value as Json, json};

use crate::cluster::Cluster;

/// Reads objects for `lookup` while a chart renders. Rendering is synchronous: call it from a
/// blocking thread (`tokio::task::spawn_blocking`) of the runtime `handle` belongs to.
pub struct LiveLookup {
    pub cluster: Cluster,
    pub handle: tokio::runtime::Handle,
}

impl helm::Lookup for LiveLookup {
    fn lookup(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Option<Json>, String> {
        self.handle.block_on(async {
            let Some(resolved) = self.cluster.resolve(api_version, kind).await.map_err(|e| e.to_string())? else {
                return Ok(None);
            };
            let ns = (!namespace.is_empty()).then_some(namespace);
            let api = self.cluster.api(&resolved, ns);
            if name.is_empty() {
                let list =
                    api.list(&Default::default()).await.map_err(|e| format!("lookup {api_version} {kind}: {e}"))?;
                let items: Vec<Json> =
                    list.items.iter().map(|o| serde_json::to_value(o).unwrap_or(Json::Null)).collect();
                return Ok(Some(json!({"apiVersion": api_version, "kind": format!("{kind}List"), "items": items})));
            }
            let found = api.get_opt(name).await.map_err(|e| format!("lookup {api_version} {kind} {name}: {e}"))?;
            Ok(found.map(|o| serde_json::to_value(o).unwrap_or(Json::Null)))
        })
    }
}
