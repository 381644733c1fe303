//! Staging a test API server as the cluster's controllers would leave it: objects created, then
//! their `status` written through the status subresource (as the scheduler, the kubelet,
//! Karpenter, KEDA or cert-manager write it), CRDs of our own (group, kind, a status
//! subresource, no schema), and any kind through a dynamic API.

use std::path::Path;

use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::ApiResource;
use serde_json::{Value, json};

/// A client of the test API server that stages objects.
pub struct Stage {
    pub client: kube::Client,
}

impl Stage {
    pub async fn connect(kubeconfig: &Path) -> Stage {
        let config = kube::config::Kubeconfig::read_from(kubeconfig).expect("kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(config, &kube::config::KubeConfigOptions::default())
            .await
            .expect("config");
        Stage { client: kube::Client::try_from(config).expect("client") }
    }

    pub fn api(&self, api_version: &str, kind: &str, plural: &str, ns: Option<&str>) -> Api<DynamicObject> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let resource = ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: api_version.into(),
            kind: kind.into(),
            plural: plural.into(),
        };
        match ns {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resource),
            None => Api::all_with(self.client.clone(), &resource),
        }
    }

    /// Creates `object`, then writes its `status` (when it has one) through the subresource.
    pub async fn put(&self, plural: &str, object: Value) {
        self.put_as(plural, object, None).await
    }

    /// [`put`](Self::put) with `manager` as the field manager of the create.
    pub async fn put_as(&self, plural: &str, object: Value, manager: Option<&str>) {
        let api_version = object["apiVersion"].as_str().unwrap().to_string();
        let kind = object["kind"].as_str().unwrap().to_string();
        let ns = object["metadata"]["namespace"].as_str().map(str::to_string);
        let name = object["metadata"]["name"].as_str().unwrap().to_string();
        let api = self.api(&api_version, &kind, plural, ns.as_deref());
        let mut body: DynamicObject = serde_json::from_value(object.clone()).expect("object");
        body.data.as_object_mut().map(|d| d.remove("status"));
        let mut tries = 0;
        loop {
            let params = PostParams { field_manager: manager.map(str::to_string), ..PostParams::default() };
            match api.create(&params, &body).await {
                Ok(_) => break,
                // A CRD just created is served a moment later.
                Err(kube::Error::Api(e)) if e.code == 404 && tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("create {kind} {name}: {e}"),
            }
        }
        if let Some(status) = object.get("status") {
            let patch = json!({"apiVersion": api_version, "kind": kind, "status": status});
            api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .unwrap_or_else(|e| panic!("status of {kind} {name}: {e}"));
        }
    }

    /// The Pod Identity agent (a platform with pod identities needs it): installed, with nothing
    /// to run (its node selector matches no node; the DaemonSet controller reports 0 of 0).
    pub async fn pod_identity_agent(&self) {
        self.put("daemonsets", json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "eks-pod-identity-agent", "namespace": "kube-system"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {"metadata": {"labels": {"app": "agent"}},
                "spec": {"nodeSelector": {"dataplat.io/pool": "none-yet"}, "containers": [{"name": "agent", "image": "busybox:1.37"}]}}}}))
            .await;
    }

    pub async fn crd(&self, group: &str, kind: &str, plural: &str, version: &str, scope: &str) {
        self.put(
            "customresourcedefinitions",
            json!({
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": format!("{plural}.{group}")},
                "spec": {"group": group, "scope": scope,
                    "names": {"kind": kind, "plural": plural, "singular": kind.to_lowercase()},
                    "versions": [{"name": version, "served": true, "storage": true, "subresources": {"status": {}},
                        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]},
            }),
        )
        .await;
    }

    /// The Prometheus Service the `prometheus` addon's endpoint names
    /// (`prometheus-prometheus.monitoring:9090`), its Endpoints at `prometheus` (created with
    /// `create`, else re-pointed). The API server proxies only to an address of a Pod that has it
    /// as its IP, so a Pod stands for the server (its status written as the kubelet would).
    pub async fn serve_prometheus(&self, prometheus: &crate::prometheus::Prometheus, create: bool) {
        let endpoints = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "prometheus-prometheus", "namespace": "monitoring"},
            "subsets": [{"addresses": [{"ip": prometheus.host, "targetRef": {"kind": "Pod", "namespace": "monitoring", "name": "prometheus-0"}}],
                "ports": [{"name": "http-web", "port": prometheus.port}]}]});
        if create {
            self
                .put("pods", json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "prometheus-0", "namespace": "monitoring"},
                    "spec": {"containers": [{"name": "prometheus", "image": "quay.io/prometheus/prometheus:v3.5.0"}]},
                    "status": {"phase": "Running", "podIP": prometheus.host, "podIPs": [{"ip": prometheus.host}],
                        "conditions": [{"type": "PodScheduled", "status": "True"}],
                        "containerStatuses": [{"name": "prometheus", "image": "quay.io/prometheus/prometheus:v3.5.0", "imageID": "", "ready": true,
                            "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}}))
                .await;
            self
                .put("services", json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "prometheus-prometheus", "namespace": "monitoring"},
                    "spec": {"ports": [{"name": "http-web", "port": 9090, "targetPort": prometheus.port}]}}))
                .await;
            self.put("endpoints", endpoints).await;
        } else {
            let api = self.api("v1", "Endpoints", "endpoints", Some("monitoring"));
            api.patch("prometheus-prometheus", &PatchParams::default(), &Patch::Merge(&endpoints))
                .await
                .expect("patch endpoints");
        }
    }
}
