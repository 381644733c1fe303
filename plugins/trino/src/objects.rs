//! The Kubernetes side of the plan: the names, ports and paths the objects share, their labels,
//! and every object, NodePool, Secret and endpoint the release carries, with the notes on them.

use crate::config::Config;
use crate::sizing::{Derived, Sizing};
use dataplat_sdk::k8s_openapi;
use dataplat_sdk::serde_json::{self, Map, Value, json};
use dataplat_sdk::*;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use std::collections::BTreeMap;

pub(crate) const RELEASE: &str = "trino";
pub(crate) const COORDINATOR: &str = "trino-coordinator";
pub(crate) const WORKER: &str = "trino-worker";
pub(crate) const CATALOG: &str = "trino-catalog";
pub(crate) const PORT: i32 = 8080;
pub(crate) const HTTPS_PORT: i32 = 8443;
/// Trino's image runs as user `trino`, uid/gid 1000.
pub(crate) const TRINO_UID: i64 = 1000;
/// Label both NodePools set on their nodes and the pods select.
pub(crate) const POOL_LABEL: &str = CORE_NODE_SELECTOR.0;
/// Taint keeping everything but workers off the worker nodes.
pub(crate) const WORKER_TAINT: &str = "dataplat.io/trino-worker";
/// Where the ConfigMaps are mounted: Trino reads `/etc/trino` (the image's default).
pub(crate) const ETC: &str = "/etc/trino";
/// Secret cert-manager writes the coordinator's certificate to (with `https`).
pub(crate) const TLS_SECRET: &str = "trino-tls";
/// The combined PEM (key + chain) cert-manager adds to the Secret: Trino's PEM keystore is one file.
pub(crate) const TLS_COMBINED: &str = "tls-combined.pem";
/// The CA of the platform's Trino certificates (self-signed, kept by cert-manager).
pub(crate) const CA_SECRET: &str = "trino-ca";
/// The host-generated Secret with the admin user and password.
pub(crate) const USERS_SECRET: &str = "trino-users";
/// Where the coordinator reads its password file, written at pod start by an init container.
pub(crate) const PASSWORD_DIR: &str = "/etc/trino-users";
/// Image of the init container hashing admin's password with bcrypt (Apache's `htpasswd`).
pub(crate) const HTPASSWD_IMAGE: &str = "httpd:2.4.65-alpine";

/// Labels of every object: app.kubernetes.io conventions.
pub(crate) fn labels(component: Option<&str>) -> BTreeMap<String, String> {
    let mut labels = selector(component);
    labels.insert("app.kubernetes.io/version".into(), "477".into());
    labels.insert("app.kubernetes.io/managed-by".into(), MANAGED_BY.into());
    labels
}

pub(crate) fn selector(component: Option<&str>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), "trino".to_string()),
        ("app.kubernetes.io/instance".to_string(), "trino".to_string()),
    ]);
    if let Some(component) = component {
        labels.insert("app.kubernetes.io/component".into(), component.into());
    }
    labels
}

/// A typed object from JSON: the k8s-openapi type checks the shape (a wrong field type is a
/// bug in this plugin, caught by every test that plans).
pub(crate) fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(object) => object,
        Err(err) => panic!("trino plugin built an invalid object: {err}"),
    }
}

pub(crate) fn config_map(name: &str, ns: &str, component: Option<&str>, data: BTreeMap<String, String>) -> ConfigMap {
    typed(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": name, "namespace": ns, "labels": labels(component) },
        "data": data,
    }))
}

/// Namespace of the release.
pub(crate) fn namespace(ns: &str) -> Namespace {
    typed(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels(None)}}))
}

/// ServiceAccount `trino` of both roles (EKS Pod Identity).
pub(crate) fn service_account(ns: &str) -> ServiceAccount {
    typed(
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": RELEASE, "namespace": ns, "labels": labels(None)}}),
    )
}

/// Service `trino`: the coordinator, HTTP and (with `https`) HTTPS.
pub(crate) fn coordinator_service(config: &Config) -> Service {
    let ns = config.namespace.as_str();
    let mut coordinator_ports = vec![json!({"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"})];
    if config.https {
        coordinator_ports.push(json!({"name": "https", "port": HTTPS_PORT, "targetPort": "https", "protocol": "TCP"}));
    }
    typed(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": RELEASE, "namespace": ns, "labels": labels(Some("coordinator"))},
        "spec": {"type": "ClusterIP", "selector": selector(Some("coordinator")), "ports": coordinator_ports},
    }))
}

/// Headless Service `trino-worker`.
pub(crate) fn worker_service(ns: &str) -> Service {
    typed(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": WORKER, "namespace": ns, "labels": labels(Some("worker"))},
        "spec": {"clusterIP": "None", "selector": selector(Some("worker")), "ports": [{"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"}]},
    }))
}

/// PodDisruptionBudget `trino-coordinator`: no voluntary eviction of the coordinator.
pub(crate) fn coordinator_pdb(ns: &str) -> PodDisruptionBudget {
    typed(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": COORDINATOR, "namespace": ns, "labels": labels(Some("coordinator"))},
        "spec": {"maxUnavailable": 0, "selector": {"matchLabels": selector(Some("coordinator"))}},
    }))
}

/// The ports Trino serves, as NetworkPolicy ports.
fn policy_ports(https: bool) -> Vec<Value> {
    let mut policy_ports = vec![json!({"protocol": "TCP", "port": PORT})];
    if https {
        policy_ports.push(json!({"protocol": "TCP", "port": HTTPS_PORT}));
    }
    policy_ports
}

/// NetworkPolicy `trino`: ingress to Trino from pods of the namespace (coordinator and workers
/// are pods of it, so their traffic both ways is covered) and, given the namespace of
/// Prometheus (`monitoring`), from there to the port it scrapes.
pub(crate) fn network_policy(config: &Config, monitoring: Option<&str>) -> NetworkPolicy {
    let ns = config.namespace.as_str();
    let mut ingress = vec![json!({"from": [{"podSelector": {}}], "ports": policy_ports(config.https)})];
    // Prometheus scrapes the coordinator's /metrics from its own namespace.
    if let Some(monitoring) = monitoring {
        ingress.push(json!({
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": monitoring}}}],
            "ports": [{"protocol": "TCP", "port": if config.https { HTTPS_PORT } else { PORT }}],
        }));
    }
    typed(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": RELEASE, "namespace": ns, "labels": labels(None)},
        "spec": {
            "podSelector": {"matchLabels": selector(None)},
            "policyTypes": ["Ingress"],
            "ingress": ingress,
        },
    }))
}

/// NetworkPolicy `trino-clients`: the `client_namespaces` may reach the coordinator (none when
/// the list is empty).
pub(crate) fn client_policy(config: &Config) -> Option<NetworkPolicy> {
    let ns = config.namespace.as_str();
    (!config.client_namespaces.is_empty()).then(|| {
        let from: Vec<Value> = config
            .client_namespaces
            .iter()
            .map(|n| json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": n}}}))
            .collect();
        typed(json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "trino-clients", "namespace": ns, "labels": labels(Some("coordinator"))},
            "spec": {
                "podSelector": {"matchLabels": selector(Some("coordinator"))},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": from, "ports": policy_ports(config.https)}],
            },
        }))
    })
}

/// The namespace of a `http://<service>.<namespace>.svc:<port>` endpoint URL.
pub(crate) fn endpoint_namespace(url: &str) -> Option<&str> {
    let host = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let host = host.split(['/', ':']).next()?;
    let mut parts = host.split('.');
    let _service = parts.next()?;
    let namespace = parts.next()?;
    (parts.next() == Some("svc")).then_some(namespace)
}

/// The preStop command of a worker: ask Trino itself to drain (`PUT /v1/info/state
/// "SHUTTING_DOWN"` on its own port), then wait until the JVM (PID 1) exits, so the pod ends
/// only when the drain is over. The image has curl; `X-Trino-User: admin` names the caller.
fn pre_stop(https: bool) -> Vec<String> {
    let url = if https {
        format!("https://localhost:{HTTPS_PORT}/v1/info/state --insecure")
    } else {
        format!("http://localhost:{PORT}/v1/info/state")
    };
    vec![
        "/bin/sh".into(),
        "-c".into(),
        format!(
            "curl -sf -X PUT -H 'Content-Type: application/json' -H 'X-Trino-User: admin' -d '\"SHUTTING_DOWN\"' \
             {url}; while kill -0 1 2>/dev/null; do sleep 1; done"
        ),
    ]
}

/// The annotation by which a workload tells `kubectl dataplat doctor` what its log says when it
/// fails.
const LOG_SIGNATURES: &str = "dataplat.io/doctor-log-signatures";

/// A catalog that fails to load: Trino's static catalog store logs `-- Loading catalog NAME --`
/// before it creates each catalog and `-- Added catalog NAME using connector ... --` after, and
/// the server stops at the first failure, so a catalog loaded but never added is the one that
/// failed; the error lines around it say why.
fn catalog_signature(ns: &str, name: &str) -> String {
    json!([{
        "finding": "TrinoCatalogLoadFailed",
        "severity": "critical",
        "started": "-- Loading catalog (\\S+) --",
        "finished": "-- Added catalog (\\S+) using connector",
        "summary": "Trino cannot load catalog {name}, so it does not start",
        "fix": format!(
            "fix the catalog's properties in platform.yaml (trino.catalogs) or what they point at (the Glue \
             database, the Kafka brokers, the credentials), then apply; kubectl -n {ns} logs deploy/{name} \
             --previous has the whole error"
        ),
    }])
    .to_string()
}

/// The Deployment of the coordinator or of the workers. With `autoscaled` the workers' carries no
/// replicas: KEDA's HPA owns them.
pub(crate) fn deployment(
    config: &Config,
    region: &str,
    sizing: &Sizing,
    coordinator: bool,
    autoscaled: bool,
) -> Deployment {
    let ns = config.namespace.as_str();
    let (name, component) = if coordinator { (COORDINATOR, "coordinator") } else { (WORKER, "worker") };
    let mut annotations = Map::new();
    if coordinator {
        annotations.insert("karpenter.sh/do-not-disrupt".into(), json!("true"));
    }
    let mut deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {
            "name": name, "namespace": ns, "labels": labels(Some(component)),
            "annotations": {LOG_SIGNATURES: catalog_signature(ns, name)},
        },
        "spec": {
            "replicas": if coordinator { 1 } else { config.workers },
            "selector": {"matchLabels": selector(Some(component))},
            // The coordinator is a single point: never two at once (both would accept queries).
            "strategy": if coordinator { json!({"type": "Recreate"}) } else { json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}) },
            "template": {
                "metadata": {"labels": labels(Some(component)), "annotations": annotations},
                "spec": pod_spec(config, region, sizing, coordinator),
            },
        },
    });
    // KEDA's HPA owns the worker count: a replicas field would fight it on every apply.
    if autoscaled
        && !coordinator
        && let Some(spec) = deployment["spec"].as_object_mut()
    {
        spec.remove("replicas");
    }
    typed(deployment)
}

/// The pod of one role: its NodePool (and zone), the Trino container, and for the workers the
/// taint toleration, one pod per node and the drain on stop.
fn pod_spec(config: &Config, region: &str, sizing: &Sizing, coordinator: bool) -> Value {
    // The role's ConfigMap and NodePool both carry its name.
    let name = if coordinator { COORDINATOR } else { WORKER };
    let mut node_selector = Map::new();
    node_selector.insert(POOL_LABEL.into(), name.into());
    if let Some(zone) = &config.zone {
        node_selector.insert("topology.kubernetes.io/zone".into(), json!(format!("{region}{zone}")));
    }
    let wiring = PodWiring::new(name, config.https, coordinator);
    let mut container = trino_container(config, sizing, &wiring);
    let mut pod = json!({
        "serviceAccountName": RELEASE,
        "securityContext": {"runAsNonRoot": true, "runAsUser": TRINO_UID, "runAsGroup": TRINO_UID, "fsGroup": TRINO_UID, "seccompProfile": {"type": "RuntimeDefault"}},
        "nodeSelector": node_selector,
        "containers": [],
        "volumes": wiring.volumes,
    });
    if !coordinator {
        container["lifecycle"] = json!({"preStop": {"exec": {"command": pre_stop(config.https)}}});
        pod["terminationGracePeriodSeconds"] = json!(2 * config.shutdown_grace_period_seconds + 60);
        pod["tolerations"] =
            json!([{"key": WORKER_TAINT, "operator": "Equal", "value": "true", "effect": "NoSchedule"}]);
        pod["affinity"] = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
            "labelSelector": {"matchLabels": selector(Some("worker"))},
            "topologyKey": "kubernetes.io/hostname",
        }]}});
    }
    pod["containers"] = json!([container]);
    if config.https && coordinator {
        pod["initContainers"] = json!([password_file_init()]);
    }
    pod
}

/// The pod's volumes and the Trino container's mounts, environment and ports: the role's
/// ConfigMap, the catalogs and the data dir, plus with `https` the certificate, the shared
/// secret and (coordinator) the password file.
struct PodWiring {
    volumes: Vec<Value>,
    mounts: Vec<Value>,
    env: Vec<Value>,
    ports: Vec<Value>,
}

impl PodWiring {
    fn new(config_map: &str, https: bool, coordinator: bool) -> PodWiring {
        let mut volumes = vec![
            json!({"name": "config", "configMap": {"name": config_map}}),
            json!({"name": "catalog", "configMap": {"name": CATALOG}}),
            json!({"name": "data", "emptyDir": {}}),
        ];
        let mut mounts = vec![
            json!({"name": "config", "mountPath": ETC, "readOnly": true}),
            json!({"name": "catalog", "mountPath": format!("{ETC}/catalog"), "readOnly": true}),
            json!({"name": "data", "mountPath": "/data/trino"}),
        ];
        let mut env = vec![];
        let mut ports = vec![json!({"name": "http", "containerPort": PORT, "protocol": "TCP"})];
        if https {
            volumes.push(json!({"name": "tls", "secret": {"secretName": TLS_SECRET}}));
            mounts.push(json!({"name": "tls", "mountPath": "/etc/trino-tls", "readOnly": true}));
            env.push(json!({"name": "TRINO_SHARED_SECRET", "valueFrom": {"secretKeyRef": {"name": "trino-users", "key": "shared-secret"}}}));
            ports.push(json!({"name": "https", "containerPort": HTTPS_PORT, "protocol": "TCP"}));
            if coordinator {
                volumes.push(json!({"name": "users", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}}));
                mounts.push(json!({"name": "users", "mountPath": PASSWORD_DIR, "readOnly": true}));
            }
        }
        PodWiring { volumes, mounts, env, ports }
    }
}

/// The Trino container: Guaranteed QoS at the role's sizing, probes on `/v1/info`, non-root.
fn trino_container(config: &Config, sizing: &Sizing, wiring: &PodWiring) -> Value {
    let cpu = format!("{}m", sizing.container_millicpu);
    let memory = format!("{}Gi", sizing.container_gib);
    let probe = json!({"httpGet": {"path": "/v1/info", "port": "http"}, "periodSeconds": 10, "failureThreshold": 6});
    json!({
        "name": "trino",
        "image": config.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": wiring.ports,
        "env": wiring.env,
        "volumeMounts": wiring.mounts,
        "resources": resources(&cpu, &memory, &cpu, &memory),
        "readinessProbe": probe,
        "livenessProbe": {"httpGet": {"path": "/v1/info", "port": "http"}, "initialDelaySeconds": 60, "periodSeconds": 20, "failureThreshold": 6},
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": true, "runAsUser": TRINO_UID, "runAsGroup": TRINO_UID,
        },
    })
}

/// The init container writing the coordinator's password file: `admin:<bcrypt of the generated
/// password>`, computed in the pod (a plugin is deterministic and cannot salt a hash), into a
/// memory-backed emptyDir the Trino container mounts read-only. The password never leaves the
/// cluster and never appears in platform.yaml, the plan or a ConfigMap.
fn password_file_init() -> Value {
    json!({
        "name": "password-file",
        "image": HTPASSWD_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": [
            "/bin/sh", "-c",
            format!("umask 077 && htpasswd -B -C 10 -b -c {PASSWORD_DIR}/password.db \"$TRINO_USER\" \"$TRINO_PASSWORD\""),
        ],
        "env": [
            {"name": "TRINO_USER", "valueFrom": {"secretKeyRef": {"name": "trino-users", "key": "username"}}},
            {"name": "TRINO_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "trino-users", "key": "password"}}},
        ],
        "volumeMounts": [{"name": "users", "mountPath": PASSWORD_DIR}],
        "resources": resources("50m", "64Mi", "200m", "64Mi"),
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": true, "runAsUser": TRINO_UID, "runAsGroup": TRINO_UID,
        },
    })
}

/// cert-manager objects of `https`: a self-signed issuer bootstraps the platform's Trino CA
/// (Secret `trino-ca`), and a CA issuer signs the coordinator's serving certificate (Secret
/// `trino-tls`, with a combined PEM for Trino's keystore and `ca.crt` for clients and Prometheus).
fn tls_objects(ns: &str) -> Vec<Value> {
    let meta = |name: &str| json!({"name": name, "namespace": ns, "labels": labels(Some("coordinator"))});
    vec![
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Issuer",
            "metadata": meta("trino-selfsigned"),
            "spec": {"selfSigned": {}},
        }),
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": meta(CA_SECRET),
            "spec": {
                "isCA": true,
                "commonName": format!("{RELEASE} CA ({ns})"),
                "secretName": CA_SECRET,
                "duration": "87600h",
                "privateKey": {"algorithm": "ECDSA", "size": 256},
                "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": "trino-selfsigned"},
            },
        }),
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Issuer",
            "metadata": meta(CA_SECRET),
            "spec": {"ca": {"secretName": CA_SECRET}},
        }),
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": meta(TLS_SECRET),
            "spec": {
                "secretName": TLS_SECRET,
                "duration": "2160h",
                "renewBefore": "360h",
                "dnsNames": [RELEASE, format!("{RELEASE}.{ns}"), format!("{RELEASE}.{ns}.svc"), format!("{RELEASE}.{ns}.svc.cluster.local")],
                "usages": ["server auth", "digital signature", "key encipherment"],
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "additionalOutputFormats": [{"type": "CombinedPEM"}],
                "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": CA_SECRET},
            },
        }),
    ]
}

/// With `https`: the cert-manager objects, the certificate's health check and the dependency on
/// cert-manager.
pub(crate) fn with_tls(mut release: Release, ns: &str) -> Release {
    for object in tls_objects(ns) {
        release = release.object(&object);
    }
    release
        .health(
            HealthCheck::ready("cert-manager.io/v1", "Certificate", Some(ns), TLS_SECRET)
                .condition("{.status.conditions[?(@.type=='Ready')].status}", "True")
                .timeout(300),
        )
        .depends_on("cert_manager/cert-manager")
}

/// Secret `trino-users`: admin password (and the internal shared secret used when https is on).
pub(crate) fn users_secret(ns: &str) -> GeneratedSecret {
    GeneratedSecret::new(ns, USERS_SECRET).fixed("username", "admin").random("password").random("shared-secret")
}

/// NodePool `trino-coordinator`: on-demand, one zone, the coordinator's instance type.
pub(crate) fn coordinator_pool(config: &Config, derived: &Derived) -> NodePoolRequest {
    let mut coordinator_pool = NodePoolRequest::new(COORDINATOR);
    coordinator_pool.architectures =
        vec![if derived.coordinator.instance.arm64 { "arm64" } else { "amd64" }.to_string()];
    coordinator_pool.instance_types = vec![config.coordinator_instance_type.clone()];
    coordinator_pool.instance_families = vec![derived.coordinator.instance.family.to_string()];
    coordinator_pool.single_zone = true;
    coordinator_pool.zone = config.zone.clone();
    // Karpenter's expiry is forceful (do-not-disrupt does not stop it) and a coordinator
    // restart fails every running query: its node never expires.
    coordinator_pool.expire_after_hours = 0;
    coordinator_pool.consolidation = Consolidation::WhenEmpty;
    coordinator_pool.labels = vec![(POOL_LABEL.into(), COORDINATOR.into())];
    coordinator_pool
}

/// NodePool `trino-worker`: spot (or on-demand), one zone, tainted for the workers only.
pub(crate) fn worker_pool(config: &Config, derived: &Derived) -> NodePoolRequest {
    let mut worker_pool = NodePoolRequest::new(WORKER);
    worker_pool.capacity_types = if config.spot_workers {
        vec![CapacityType::Spot, CapacityType::OnDemand]
    } else {
        vec![CapacityType::OnDemand]
    };
    worker_pool.architectures = vec![if derived.worker.instance.arm64 { "arm64" } else { "amd64" }.to_string()];
    worker_pool.instance_types = vec![config.worker_instance_type.clone()];
    worker_pool.instance_families = vec![derived.worker.instance.family.to_string()];
    worker_pool.single_zone = true;
    worker_pool.zone = config.zone.clone();
    worker_pool.consolidation = Consolidation::WhenEmpty;
    worker_pool.labels = vec![(POOL_LABEL.into(), WORKER.into())];
    worker_pool.taints =
        vec![Taint { key: WORKER_TAINT.into(), value: "true".into(), effect: TaintEffect::NoSchedule }];
    worker_pool.limit_cpu = Some(derived.worker.instance.vcpu * 100);
    worker_pool
}

/// The coordinator's endpoint for clients inside the cluster: `https` with HTTPS on, else `http`.
/// With HTTPS on, Trino refuses password logins over plain HTTP
/// (`http-server.authentication.allow-insecure-over-http` defaults to false once authentication
/// is on), so the HTTP port serves the workers and probes, not clients, and is not published.
pub(crate) fn endpoints(config: &Config) -> Vec<Endpoint> {
    let ns = config.namespace.as_str();
    let credentials = Endpoint::new(
        "trino",
        "credentials",
        format!("secret://{ns}/{USERS_SECRET}"),
        "Secret with the Trino user (key username) and password (key password); copy it into a client's \
         namespace with the dataplat.io/copy-of annotation",
    );
    if config.https {
        vec![
            Endpoint::new(
                "trino",
                "https",
                format!("https://{RELEASE}.{ns}.svc:{HTTPS_PORT}"),
                "Trino coordinator for clients (HTTPS, password authentication: user and password in Secret trino-users; \
                 CA in Secret trino-ca) inside the cluster",
            ),
            credentials,
            Endpoint::new(
                "trino",
                "ca",
                format!("secret://{ns}/{CA_SECRET}"),
                "Secret whose ca.crt signs the coordinator's certificate (made by cert-manager)",
            ),
        ]
    } else {
        vec![Endpoint::new(
            "trino",
            "http",
            format!("http://{RELEASE}.{ns}.svc:{PORT}"),
            "Trino coordinator for clients (HTTP, no authentication) inside the cluster",
        )]
    }
}

/// Note `graceful-shutdown`: how a worker drains.
pub(crate) fn graceful_shutdown_note(config: &Config) -> String {
    format!(
        "workers drain on stop: shutdown.grace-period={}s; preStop runs `curl -X PUT -H 'X-Trino-User: \
         admin' -d '\"SHUTTING_DOWN\"' http://localhost:{PORT}/v1/info/state` and waits for the JVM to exit; \
         terminationGracePeriodSeconds {} = 2 x grace + 60 s for running tasks; each worker's \
         access-control.properties (file-based, graceful-shutdown-rules.json) lets `admin` make that \
         state change, which Trino's default access control refuses",
        config.shutdown_grace_period_seconds,
        2 * config.shutdown_grace_period_seconds + 60
    )
}

/// Note `authentication`: the certificate and the password file (or why there are none).
pub(crate) fn authentication_note(config: &Config) -> String {
    let ns = config.namespace.as_str();
    if config.https {
        format!(
            "https on: the coordinator serves port {HTTPS_PORT} with the certificate cert-manager issues \
             into Secret {TLS_SECRET} (ECDSA P-256, 90 days, renewed 15 days before expiry, for {RELEASE}, \
             {RELEASE}.{ns}.svc and {RELEASE}.{ns}.svc.cluster.local; Trino reads the combined PEM \
             {TLS_COMBINED}), signed by the platform's Trino CA (Secret {CA_SECRET}, self-signed; clients \
             trust its ca.crt). Password authentication: init container password-file ({HTPASSWD_IMAGE}) \
             writes admin:<bcrypt cost 10 of the generated password> to {PASSWORD_DIR}/password.db (memory \
             emptyDir) at each coordinator start, so the password lives only in Secret trino-users; workers \
             and coordinator share internal-communication.shared-secret from the same Secret. Read the \
             password with `kubectl -n {ns} get secret trino-users -o jsonpath='{{.data.password}}' | base64 -d`"
        )
    } else {
        "https off: Trino accepts any user over plain HTTP (it only allows password authentication over \
         HTTPS); Secret trino-users (admin + random password) is generated now so turning https on keeps \
         the same credentials"
            .to_string()
    }
}

/// Note `placement`: the NodePools and what keeps the pods on them.
pub(crate) fn placement_note(config: &Config, region: &str, derived: &Derived) -> String {
    let zone_note = config.zone.as_deref().map(|z| format!("{region}{z}"));
    format!(
        "coordinator on NodePool {COORDINATOR} (on-demand, one zone, consolidated only when empty, \
         do-not-disrupt, nodes never expire); workers on NodePool {WORKER} ({}, one zone, taint {WORKER_TAINT}=true:NoSchedule, \
         one worker per node by pod anti-affinity), {} family{}",
        if config.spot_workers { "spot with on-demand fallback" } else { "on-demand" },
        derived.worker.instance.family,
        zone_note.map(|z| format!(", zone {z}")).unwrap_or_default()
    )
}
