//! The pods the platform will run, read from workload templates (Deployments, StatefulSets,
//! DaemonSets, ReplicaSets, Jobs, CronJobs, Pods) and from the custom resources whose operators
//! create pods: Spark drivers and executors (`SparkApplication`, `ScheduledSparkApplication`),
//! Flink job and task managers (`FlinkDeployment`), Kafka brokers and controllers (`Kafka`,
//! `KafkaNodePool`), Prometheus and Alertmanager servers.
//!
//! For operator pods only what the custom resource says is known: an image the operator picks
//! itself is `None` (not checked), and requests follow the operator's own arithmetic where the
//! resource states sizes in its own units (Spark's `memory` plus its overhead, Flink's memory).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::objects::Resolved;
use crate::quantity;

/// One pod (or the pods of one template).
#[derive(Clone, Debug, Default)]
pub struct PodView {
    /// Index of the owning object in the index.
    pub owner: usize,
    /// `driver`, `executor`, `jobmanager`, … for custom resources; empty for workloads.
    pub role: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub node_selector: BTreeMap<String, String>,
    /// Required node affinity: any term (each a list of expressions, all of which must hold).
    pub affinity_terms: Vec<Vec<NodeExpression>>,
    pub tolerations: Vec<Toleration>,
    pub containers: Vec<ContainerView>,
    /// Total requests (the larger of the sum of containers and the largest init container).
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    /// `None`: the `default` service account.
    pub service_account: Option<String>,
    pub secrets: Vec<Reference>,
    pub config_maps: Vec<Reference>,
    pub claims: Vec<String>,
    /// A DaemonSet's pods.
    pub daemon_set: bool,
    /// Created by an operator from a custom resource (its image may be the operator's choice).
    pub operator: bool,
}

/// A `nodeSelectorRequirement`.
#[derive(Clone, Debug)]
pub struct NodeExpression {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

/// A toleration.
#[derive(Clone, Debug, Default)]
pub struct Toleration {
    pub key: String,
    pub operator: String,
    pub value: String,
    pub effect: String,
}

impl Toleration {
    /// Whether it tolerates `taint` (the scheduler's rule: an empty key with `Exists` tolerates
    /// everything; an empty effect matches every effect).
    pub fn tolerates(&self, taint: &crate::model::Taint) -> bool {
        if !self.effect.is_empty() && self.effect != taint.effect {
            return false;
        }
        if self.key.is_empty() {
            return self.operator == "Exists";
        }
        if self.key != taint.key {
            return false;
        }
        match self.operator.as_str() {
            "Exists" => true,
            _ => self.value == taint.value,
        }
    }
}

/// A container's image and ports.
#[derive(Clone, Debug, Default)]
pub struct ContainerView {
    pub image: Option<String>,
    /// Named ports (`name`, number).
    pub ports: Vec<(String, u64)>,
    /// Environment values and arguments, as written (for bucket references).
    pub text: Vec<String>,
}

/// A reference to a Secret or ConfigMap, and where it is made.
#[derive(Clone, Debug)]
pub struct Reference {
    pub name: String,
    /// `optional: true`: the pod starts without it.
    pub optional: bool,
    /// `volume x`, `env FOO of container c`, `imagePullSecrets`.
    pub place: String,
}

/// The pods of `object` (none for an object that makes no pods).
pub fn pods_of(index: usize, object: &Resolved<'_>) -> Vec<PodView> {
    let v = object.value();
    let ns = object.ns().to_string();
    let base =
        |role: &str| PodView { owner: index, role: role.to_string(), namespace: ns.clone(), ..PodView::default() };
    match (crate::objects::group_of(object.api_version), object.kind) {
        ("apps" | "extensions", "Deployment" | "StatefulSet" | "ReplicaSet") | ("batch", "Job") => {
            v.pointer("/spec/template").map(|t| vec![from_template(base(""), t)]).unwrap_or_default()
        }
        ("apps" | "extensions", "DaemonSet") => v
            .pointer("/spec/template")
            .map(|t| vec![PodView { daemon_set: true, ..from_template(base(""), t) }])
            .unwrap_or_default(),
        ("batch", "CronJob") => {
            v.pointer("/spec/jobTemplate/spec/template").map(|t| vec![from_template(base(""), t)]).unwrap_or_default()
        }
        ("", "Pod") => vec![from_template(base(""), v)],
        ("sparkoperator.k8s.io", "SparkApplication") => v.get("spec").map(|s| spark(&base, s)).unwrap_or_default(),
        ("sparkoperator.k8s.io", "ScheduledSparkApplication") => {
            v.pointer("/spec/template").map(|s| spark(&base, s)).unwrap_or_default()
        }
        ("flink.apache.org", "FlinkDeployment") => v.get("spec").map(|s| flink(&base, s)).unwrap_or_default(),
        ("kafka.strimzi.io", "KafkaNodePool") => v
            .get("spec")
            .map(|s| vec![strimzi_pod(base("kafka"), s.get("resources"), s.pointer("/template/pod"))])
            .unwrap_or_default(),
        ("kafka.strimzi.io", "Kafka") => {
            let mut out = Vec::new();
            if let Some(entity) = v.pointer("/spec/entityOperator") {
                out.push(strimzi_pod(base("entity-operator"), None, entity.pointer("/template/pod")));
            }
            out
        }
        ("monitoring.coreos.com", "Prometheus" | "Alertmanager") => {
            v.get("spec").map(|s| vec![prometheus(base("server"), s)]).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

fn strings(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

fn array(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    value.and_then(Value::as_array).into_iter().flatten()
}

fn text(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_string()
}

fn tolerations(value: Option<&Value>) -> Vec<Toleration> {
    array(value)
        .map(|t| Toleration {
            key: text(t.get("key")),
            operator: t.get("operator").and_then(Value::as_str).unwrap_or("Equal").to_string(),
            value: text(t.get("value")),
            effect: text(t.get("effect")),
        })
        .collect()
}

fn affinity_terms(affinity: Option<&Value>) -> Vec<Vec<NodeExpression>> {
    let Some(terms) = affinity
        .and_then(|a| a.pointer("/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms"))
    else {
        return Vec::new();
    };
    array(Some(terms))
        .map(|term| {
            array(term.get("matchExpressions"))
                .map(|e| NodeExpression {
                    key: text(e.get("key")),
                    operator: text(e.get("operator")),
                    values: array(e.get("values")).filter_map(|v| v.as_str().map(String::from)).collect(),
                })
                .collect()
        })
        .collect()
}

/// Requests of one container: `requests`, else `limits` (the API server's defaulting).
fn container_requests(container: &Value) -> (u64, u64) {
    let get = |what: &str, pointer_suffix: &str| {
        container
            .pointer(&format!("/resources/requests/{pointer_suffix}"))
            .or_else(|| container.pointer(&format!("/resources/limits/{pointer_suffix}")))
            .and_then(|q| if what == "cpu" { quantity::json_cpu_millis(q) } else { quantity::json_bytes(q) })
            .unwrap_or(0)
    };
    (get("cpu", "cpu"), get("memory", "memory"))
}

fn container_view(container: &Value) -> ContainerView {
    let mut texts: Vec<String> = Vec::new();
    for key in ["args", "command"] {
        texts.extend(array(container.get(key)).filter_map(|a| a.as_str().map(String::from)));
    }
    for env in array(container.get("env")) {
        if let Some(v) = env.get("value").and_then(Value::as_str) {
            texts.push(v.to_string());
        }
    }
    ContainerView {
        image: container.get("image").and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from),
        ports: array(container.get("ports"))
            .filter_map(|p| {
                Some((
                    p.get("name")?.as_str()?.to_string(),
                    p.get("containerPort").and_then(Value::as_u64).unwrap_or(0),
                ))
            })
            .collect(),
        text: texts,
    }
}

/// A reference from a volume or env source (`name_key` names the object; `optional` may be set).
fn reference(source: &Value, name_key: &str, place: &str) -> Reference {
    Reference {
        name: text(source.get(name_key)),
        optional: source.get("optional").and_then(Value::as_bool).unwrap_or(false),
        place: place.to_string(),
    }
}

/// A pod from a pod template (`metadata` + `spec`) or a Pod.
fn from_template(mut pod: PodView, template: &Value) -> PodView {
    pod.labels = strings(template.pointer("/metadata/labels"));
    let Some(spec) = template.get("spec") else { return pod };
    pod.node_selector = strings(spec.get("nodeSelector"));
    pod.affinity_terms = affinity_terms(spec.get("affinity"));
    pod.tolerations = tolerations(spec.get("tolerations"));
    pod.service_account = spec
        .get("serviceAccountName")
        .or_else(|| spec.get("serviceAccount"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(String::from);
    let (mut cpu, mut memory) = (0u64, 0u64);
    for container in array(spec.get("containers")) {
        let (c, m) = container_requests(container);
        cpu += c;
        memory += m;
        pod.containers.push(container_view(container));
        references_of_container(&mut pod, container);
    }
    for container in array(spec.get("initContainers")) {
        let (c, m) = container_requests(container);
        cpu = cpu.max(c);
        memory = memory.max(m);
        pod.containers.push(container_view(container));
        references_of_container(&mut pod, container);
    }
    pod.cpu_millis = cpu;
    pod.memory_bytes = memory;
    for secret in array(spec.get("imagePullSecrets")) {
        if let Some(name) = secret.get("name").and_then(Value::as_str) {
            pod.secrets.push(Reference { name: name.into(), optional: false, place: "imagePullSecrets".into() });
        }
    }
    for volume in array(spec.get("volumes")) {
        let volume_name = text(volume.get("name"));
        let place = format!("volume {volume_name}");
        if let Some(secret) = volume.get("secret") {
            pod.secrets.push(reference(secret, "secretName", &place));
        }
        if let Some(config_map) = volume.get("configMap") {
            pod.config_maps.push(reference(config_map, "name", &place));
        }
        for source in array(volume.pointer("/projected/sources")) {
            if let Some(secret) = source.get("secret") {
                pod.secrets.push(reference(secret, "name", &place));
            }
            if let Some(config_map) = source.get("configMap") {
                pod.config_maps.push(reference(config_map, "name", &place));
            }
        }
        if let Some(claim) = volume.pointer("/persistentVolumeClaim/claimName").and_then(Value::as_str) {
            pod.claims.push(claim.to_string());
        }
    }
    pod.secrets.retain(|r| !r.name.is_empty());
    pod.config_maps.retain(|r| !r.name.is_empty());
    pod
}

fn references_of_container(pod: &mut PodView, container: &Value) {
    let container_name = text(container.get("name"));
    for from in array(container.get("envFrom")) {
        let place = format!("envFrom of container {container_name}");
        if let Some(secret) = from.get("secretRef") {
            pod.secrets.push(reference(secret, "name", &place));
        }
        if let Some(config_map) = from.get("configMapRef") {
            pod.config_maps.push(reference(config_map, "name", &place));
        }
    }
    for env in array(container.get("env")) {
        let place = format!("env {} of container {container_name}", text(env.get("name")));
        if let Some(secret) = env.pointer("/valueFrom/secretKeyRef") {
            pod.secrets.push(reference(secret, "name", &place));
        }
        if let Some(config_map) = env.pointer("/valueFrom/configMapKeyRef") {
            pod.config_maps.push(reference(config_map, "name", &place));
        }
    }
}

/// Spark memory (`512m`, `4g`, `2048`: JVM units, mebibytes without a suffix... as Spark reads
/// them) in bytes.
fn spark_memory(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.trim_end_matches('b');
    let (number, factor): (&str, u64) = match t.chars().last()? {
        'k' => (&t[..t.len() - 1], 1 << 10),
        'm' => (&t[..t.len() - 1], 1 << 20),
        'g' => (&t[..t.len() - 1], 1 << 30),
        't' => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1 << 20),
    };
    number.trim().parse::<u64>().ok().map(|n| n * factor)
}

/// The driver and executor pods of a SparkApplication spec: memory plus Spark's overhead
/// (10 %, at least 384 MiB), cores or `coreRequest`.
fn spark(base: &dyn Fn(&str) -> PodView, spec: &Value) -> Vec<PodView> {
    let mut out = Vec::new();
    for role in ["driver", "executor"] {
        let Some(part) = spec.get(role) else { continue };
        let mut pod = base(role);
        pod.operator = true;
        pod.labels = strings(part.get("labels"));
        let mut selector = strings(spec.get("nodeSelector"));
        selector.extend(strings(part.get("nodeSelector")));
        pod.node_selector = selector;
        pod.affinity_terms = affinity_terms(part.get("affinity"));
        pod.tolerations = tolerations(part.get("tolerations"));
        pod.service_account = part.get("serviceAccount").and_then(Value::as_str).map(String::from);
        let image = part.get("image").or_else(|| spec.get("image")).and_then(Value::as_str).map(String::from);
        pod.containers.push(ContainerView { image, ..ContainerView::default() });
        let memory = part.get("memory").and_then(Value::as_str).and_then(spark_memory).unwrap_or(1 << 30);
        let overhead = part
            .get("memoryOverhead")
            .and_then(Value::as_str)
            .and_then(spark_memory)
            .unwrap_or_else(|| (memory / 10).max(384 << 20));
        pod.memory_bytes = memory + overhead;
        pod.cpu_millis = part
            .get("coreRequest")
            .and_then(Value::as_str)
            .and_then(quantity::cpu_millis)
            .or_else(|| part.get("cores").and_then(Value::as_u64).map(|c| c * 1000))
            .unwrap_or(1000);
        out.push(pod);
    }
    out
}

/// The job manager and task manager pods of a FlinkDeployment spec (`podTemplate`s merged,
/// memory in Flink's units: `2048m` is MiB).
fn flink(base: &dyn Fn(&str) -> PodView, spec: &Value) -> Vec<PodView> {
    let mut out = Vec::new();
    for (role, key) in [("jobmanager", "jobManager"), ("taskmanager", "taskManager")] {
        let Some(part) = spec.get(key) else { continue };
        let mut pod = base(role);
        pod.operator = true;
        for template in [spec.get("podTemplate"), part.get("podTemplate")].into_iter().flatten() {
            let from = from_template(PodView::default(), template);
            pod.labels.extend(from.labels);
            pod.node_selector.extend(from.node_selector);
            pod.affinity_terms.extend(from.affinity_terms);
            pod.tolerations.extend(from.tolerations);
            pod.secrets.extend(from.secrets);
            pod.config_maps.extend(from.config_maps);
        }
        pod.service_account = Some(spec.get("serviceAccount").and_then(Value::as_str).unwrap_or("flink").to_string());
        let image = spec.get("image").and_then(Value::as_str).map(String::from);
        pod.containers.push(ContainerView { image, ..Default::default() });
        pod.memory_bytes = part.pointer("/resource/memory").and_then(Value::as_str).and_then(spark_memory).unwrap_or(0);
        pod.cpu_millis =
            part.pointer("/resource/cpu").and_then(|c| c.as_f64()).map(|c| (c * 1000.0) as u64).unwrap_or(0);
        out.push(pod);
    }
    out
}

/// A Strimzi pod: `resources`, and `template.pod`'s affinity and tolerations.
fn strimzi_pod(mut pod: PodView, resources: Option<&Value>, template: Option<&Value>) -> PodView {
    pod.operator = true;
    if let Some(template) = template {
        pod.affinity_terms = affinity_terms(template.get("affinity"));
        pod.tolerations = tolerations(template.get("tolerations"));
    }
    if let Some(resources) = resources {
        let (cpu, memory) = container_requests(&serde_json::json!({ "resources": resources }));
        pod.cpu_millis = cpu;
        pod.memory_bytes = memory;
    }
    pod
}

/// A Prometheus or Alertmanager server the operator creates.
fn prometheus(mut pod: PodView, spec: &Value) -> PodView {
    pod.operator = true;
    pod.node_selector = strings(spec.get("nodeSelector"));
    pod.affinity_terms = affinity_terms(spec.get("affinity"));
    pod.tolerations = tolerations(spec.get("tolerations"));
    pod.service_account = spec.get("serviceAccountName").and_then(Value::as_str).map(String::from);
    if let Some(resources) = spec.get("resources") {
        let (cpu, memory) = container_requests(&serde_json::json!({ "resources": resources }));
        pod.cpu_millis = cpu;
        pod.memory_bytes = memory;
    }
    pod
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_and_flink_memory_units() {
        assert_eq!(spark_memory("512m"), Some(512 << 20));
        assert_eq!(spark_memory("4g"), Some(4 << 30));
        assert_eq!(spark_memory("2048"), Some(2048 << 20));
        assert_eq!(spark_memory("1gb"), Some(1 << 30));
        assert_eq!(spark_memory("lots"), None);
    }

    #[test]
    fn tolerations_follow_the_scheduler() {
        let taint = crate::model::Taint { key: "k".into(), value: "v".into(), effect: "NoSchedule".into() };
        let t = |key: &str, operator: &str, value: &str, effect: &str| Toleration {
            key: key.into(),
            operator: operator.into(),
            value: value.into(),
            effect: effect.into(),
        };
        assert!(t("", "Exists", "", "").tolerates(&taint));
        assert!(t("k", "Exists", "", "NoSchedule").tolerates(&taint));
        assert!(t("k", "Equal", "v", "").tolerates(&taint));
        assert!(!t("k", "Equal", "w", "").tolerates(&taint));
        assert!(!t("k", "Exists", "", "NoExecute").tolerates(&taint));
        assert!(!t("", "Equal", "", "").tolerates(&taint));
    }
}
