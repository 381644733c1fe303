//! What each release put on the cluster: a ConfigMap per release in the `dataplat-system`
//! namespace, listing the objects (apiVersion, kind, namespace, name, uid, the resourceVersion
//! our last apply left) and a hash of the rendered set.
//!
//! The applier writes it ahead of any change with `pending: true` and the union of the old and
//! new object sets, and again with the final set once the release converged. A run killed at any
//! point therefore leaves an inventory that covers everything it may have created, and the next
//! run prunes what is no longer rendered.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cluster::Cluster;
use crate::manifest::ObjectRef;
use crate::{FIELD_MANAGER, KubeError, RELEASE_LABEL};

/// The namespace holding the inventories.
pub const INVENTORY_NAMESPACE: &str = "dataplat-system";
/// The ConfigMap key holding the inventory JSON.
const DATA_KEY: &str = "inventory.json";
/// Label on every inventory ConfigMap.
pub const INVENTORY_LABEL: &str = "dataplat.io/inventory";
/// Label naming the platform of an inventory.
pub const PLATFORM_LABEL: &str = dataplat_vocabulary::PLATFORM_TAG;

/// One release's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// `addon/release`.
    pub release: String,
    /// The platform (`name` in platform.yaml) the release belongs to.
    #[serde(default)]
    pub platform: String,
    /// sha256 of the rendered objects as sent (create-only objects by identity only).
    pub hash: String,
    /// A change was under way and did not finish (the objects are a superset).
    pub pending: bool,
    pub objects: Vec<Entry>,
}

/// One object of an inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    #[serde(flatten)]
    pub object: ObjectRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The resourceVersion our last apply returned: an unchanged object still has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// The ConfigMap name of a release's inventory: `release.<addon>.<release>`, a DNS subdomain
/// (an addon's `_` becomes `-`: addon names have no `-`, so no two releases share a name).
pub fn inventory_name(release: &str) -> String {
    format!("release.{}", label_value(release).replace('_', "-"))
}

/// `addon/release` as a label value (`addon.release`).
pub fn label_value(release: &str) -> String {
    release
        .chars()
        .map(
            |c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' { c.to_ascii_lowercase() } else { '.' }
            },
        )
        .collect()
}

fn resolved_configmap() -> crate::cluster::Resolved {
    crate::cluster::Resolved {
        resource: kube::core::ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&()),
        namespaced: true,
    }
}

/// Reads the inventory of `release`; `None` when it has none.
pub async fn read(cluster: &Cluster, release: &str) -> Result<Option<Inventory>, KubeError> {
    let api = cluster.api(&resolved_configmap(), Some(INVENTORY_NAMESPACE));
    let found = api
        .get_opt(&inventory_name(release))
        .await
        .map_err(|e| KubeError::from_kube(&format!("reading the inventory of {release}"), e))?;
    let Some(configmap) = found else { return Ok(None) };
    let text = configmap.data["data"][DATA_KEY].as_str().ok_or_else(|| KubeError::Inventory {
        release: release.to_string(),
        message: format!("ConfigMap {INVENTORY_NAMESPACE}/{} has no {DATA_KEY}", inventory_name(release)),
    })?;
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| KubeError::Inventory { release: release.to_string(), message: format!("{DATA_KEY}: {e}") })
}

/// Writes (server-side applies) the inventory, creating its namespace when needed.
pub async fn write(cluster: &Cluster, inventory: &Inventory) -> Result<(), KubeError> {
    let context = format!("writing the inventory of {}", inventory.release);
    let params = kube::api::PatchParams::apply(FIELD_MANAGER).force();
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": INVENTORY_NAMESPACE}});
    let namespaces = kube::core::ApiResource::erase::<k8s_openapi::api::core::v1::Namespace>(&());
    let ns_api = cluster.api(&crate::cluster::Resolved { resource: namespaces, namespaced: false }, None);
    if ns_api.get_opt(INVENTORY_NAMESPACE).await.map_err(|e| KubeError::from_kube(&context, e))?.is_none() {
        ns_api
            .patch(INVENTORY_NAMESPACE, &params, &kube::api::Patch::Apply(&namespace))
            .await
            .map_err(|e| KubeError::from_kube(&context, e))?;
    }
    let text = serde_json::to_string_pretty(inventory)
        .map_err(|e| KubeError::Inventory { release: inventory.release.clone(), message: e.to_string() })?;
    let name = inventory_name(&inventory.release);
    let configmap = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": INVENTORY_NAMESPACE,
            "labels": {
                INVENTORY_LABEL: "true",
                RELEASE_LABEL: label_value(&inventory.release),
                PLATFORM_LABEL: label_value(&inventory.platform),
                "app.kubernetes.io/managed-by": FIELD_MANAGER,
            },
        },
        "data": { DATA_KEY: text },
    });
    let api = cluster.api(&resolved_configmap(), Some(INVENTORY_NAMESPACE));
    api.patch(&name, &params, &kube::api::Patch::Apply(&configmap))
        .await
        .map_err(|e| KubeError::from_kube(&context, e))?;
    Ok(())
}

/// Deletes the inventory of `release` (absent is fine).
pub async fn delete(cluster: &Cluster, release: &str) -> Result<(), KubeError> {
    let api = cluster.api(&resolved_configmap(), Some(INVENTORY_NAMESPACE));
    match api.delete(&inventory_name(release), &Default::default()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(KubeError::from_kube(&format!("deleting the inventory of {release}"), e)),
    }
}

/// Every release of `platform` with an inventory on the cluster.
pub async fn list(cluster: &Cluster, platform: &str) -> Result<Vec<Inventory>, KubeError> {
    let api = cluster.api(&resolved_configmap(), Some(INVENTORY_NAMESPACE));
    let selector = format!("{INVENTORY_LABEL}=true,{PLATFORM_LABEL}={}", label_value(platform));
    let params = kube::api::ListParams::default().labels(&selector);
    let list = match api.list(&params).await {
        Ok(list) => list,
        Err(kube::Error::Api(status)) if status.code == 404 => return Ok(Vec::new()),
        Err(e) => return Err(KubeError::from_kube("listing inventories", e)),
    };
    let mut out = Vec::new();
    for item in list.items {
        if let Some(text) = item.data["data"][DATA_KEY].as_str()
            && let Ok(inventory) = serde_json::from_str::<Inventory>(text)
        {
            out.push(inventory);
        }
    }
    out.sort_by(|a, b| a.release.cmp(&b.release));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels_are_valid() {
        assert_eq!(inventory_name("keda/keda"), "release.keda.keda");
        // ConfigMap names are DNS subdomains: no `_` (the API server refused
        // `release.ingress_nginx.ingress-nginx`).
        assert_eq!(inventory_name("ingress_nginx/ingress-nginx"), "release.ingress-nginx.ingress-nginx");
        assert_eq!(inventory_name("spark_history_server/shs"), "release.spark-history-server.shs");
        assert_eq!(label_value("spark_operator/Op"), "spark_operator.op");
    }

    #[test]
    fn entries_round_trip_as_camel_case() {
        let entry = Entry {
            object: ObjectRef {
                api_version: "v1".into(),
                kind: "Service".into(),
                namespace: Some("a".into()),
                name: "s".into(),
            },
            uid: Some("u".into()),
            resource_version: None,
        };
        let text = serde_json::to_string(&entry).unwrap();
        assert_eq!(text, r#"{"apiVersion":"v1","kind":"Service","namespace":"a","name":"s","uid":"u"}"#);
        assert_eq!(serde_json::from_str::<Entry>(&text).unwrap(), entry);
    }
}
