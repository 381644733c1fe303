//! Exact request shapes over a mock API server (kube-rs's `tower_test::mock::pair` pattern): the
//! inventory write is a server-side apply with our field manager, forced, as apply-patch YAML;
//! a conflict Status from the server becomes a conflict naming the manager and the field.

use dataplat_kube::cluster::Cluster;
use dataplat_kube::inventory::{self, Entry, Inventory};
use dataplat_kube::{KubeError, ObjectRef};
use http::{Request, Response};
use kube::client::Body;
use serde_json::{Value as Json, json};

type Handle = tower_test::mock::Handle<Request<Body>, Response<Body>>;

fn mock() -> (Cluster, Handle) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    (Cluster::from_client(kube::Client::new(service, "default")), handle)
}

fn respond(send: tower_test::mock::SendResponse<Response<Body>>, status: u16, body: Json) {
    let response = Response::builder().status(status).body(Body::from(serde_json::to_vec(&body).unwrap())).unwrap();
    send.send_response(response);
}

async fn body_json(request: Request<Body>) -> Json {
    let bytes = request.into_body().collect_bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn the_inventory_is_server_side_applied_with_our_field_manager() {
    let (cluster, mut handle) = mock();
    let server = tokio::spawn(async move {
        // The namespace exists.
        let (request, send) = handle.next_request().await.expect("namespace read");
        assert_eq!(request.method(), http::Method::GET);
        assert_eq!(request.uri().path(), "/api/v1/namespaces/dataplat-system");
        respond(send, 200, json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dataplat-system"}}));
        // The ConfigMap: an apply patch, forced, with our manager.
        let (request, send) = handle.next_request().await.expect("inventory write");
        assert_eq!(request.method(), http::Method::PATCH);
        assert_eq!(request.uri().path(), "/api/v1/namespaces/dataplat-system/configmaps/release.keda.keda");
        let query = request.uri().query().unwrap_or_default().to_string();
        assert!(query.contains("fieldManager=kubectl-dataplat") && query.contains("force=true"), "{query}");
        assert!(!query.contains("dryRun"), "{query}");
        assert_eq!(request.headers()["content-type"], "application/apply-patch+yaml");
        let body = body_json(request).await;
        assert_eq!(body["metadata"]["labels"]["dataplat.io/release"], "keda.keda");
        assert_eq!(body["metadata"]["labels"]["dataplat.io/platform"], "p1");
        let stored: Json = serde_json::from_str(body["data"]["inventory.json"].as_str().unwrap()).unwrap();
        assert_eq!(
            stored["objects"][0],
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "keda", "name": "op", "uid": "u1"})
        );
        respond(send, 200, body);
    });
    let inventory = Inventory {
        release: "keda/keda".into(),
        platform: "p1".into(),
        hash: "sha256:0".into(),
        pending: false,
        objects: vec![Entry {
            object: ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("keda".into()),
                name: "op".into(),
            },
            uid: Some("u1".into()),
            resource_version: None,
        }],
    };
    inventory::write(&cluster, &inventory).await.expect("write");
    server.await.expect("server");
}

#[tokio::test]
async fn a_conflict_status_names_the_manager_and_the_field() {
    let (cluster, mut handle) = mock();
    let server = tokio::spawn(async move {
        let (_, send) = handle.next_request().await.expect("patch");
        // The body kube-apiserver 1.20 sends for an apply conflict.
        respond(
            send,
            409,
            json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "Apply failed with 1 conflict: conflict with \"helm\" using v1: .data.k",
                "reason": "Conflict",
                "details": {"name": "c", "kind": "configmaps", "causes": [
                    {"reason": "FieldManagerConflict", "message": "conflict with \"helm\" using v1", "field": ".data.k"}]},
                "code": 409,
            }),
        );
    });
    let resolved = dataplat_kube::cluster::Resolved {
        resource: kube::core::ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&()),
        namespaced: true,
    };
    let object =
        ObjectRef { api_version: "v1".into(), kind: "ConfigMap".into(), namespace: Some("a".into()), name: "c".into() };
    let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
    let err = cluster
        .api(&resolved, Some("a"))
        .patch("c", &kube::api::PatchParams::apply("kubectl-dataplat"), &kube::api::Patch::Apply(&body))
        .await
        .expect_err("conflict");
    let err = KubeError::from_apply(&object, err);
    assert_eq!(err.to_string(), "ConfigMap a/c: conflicts with .data.k (owned by \"helm\")");
    server.await.expect("server");
}
