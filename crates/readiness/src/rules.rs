//! The rules. Each has a stable id (`family.name`), one severity, and says what object it is
//! about, why it cannot (or may not) become ready, and what to do.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::images::{self, Archs};
use crate::model::{Inventory, NodeSource};
use crate::objects::{Index, Resolved, group_of, str_at};
use crate::pods::{NodeExpression, PodView};
use crate::quantity::{show_bytes, show_cpu};
use crate::{Finding, Severity};

/// Every rule: id, severity, what it checks.
pub const RULES: &[(&str, Severity, &str)] = &[
    ("storage.class-missing", Severity::Error, "a claim names a StorageClass the platform does not create"),
    ("storage.no-default-class", Severity::Error, "a claim names no StorageClass and there is no default one"),
    ("storage.provisioner-missing", Severity::Error, "a StorageClass's provisioner is not installed"),
    ("lb.service-unserved", Severity::Error, "a LoadBalancer Service asks for a controller that is not installed"),
    ("lb.legacy-provider", Severity::Warning, "a LoadBalancer Service falls to EKS's legacy provider (Classic LB)"),
    ("ingress.class-missing", Severity::Error, "an Ingress names no existing IngressClass"),
    ("ingress.controller-missing", Severity::Error, "an IngressClass's controller is not installed"),
    ("scheduling.no-matching-nodes", Severity::Error, "a pod's node selector or affinity matches no node source"),
    ("scheduling.taint-not-tolerated", Severity::Error, "a pod tolerates the taints of no node source it selects"),
    ("scheduling.requests-too-large", Severity::Error, "a pod's requests exceed every node it can land on"),
    (
        "scheduling.image-arch",
        Severity::Error,
        "an image is not published for the CPU architecture of any node it can land on",
    ),
    ("scheduling.image-arch-mixed", Severity::Warning, "a pod may land on nodes of an architecture its image lacks"),
    ("scheduling.image-arch-unknown", Severity::Warning, "an image of unknown architectures may land on arm64 nodes"),
    (
        "scheduling.daemonset-untolerated",
        Severity::Error,
        "a DaemonSet that must run on every node misses a pool's taint",
    ),
    (
        "identity.service-account-missing",
        Severity::Error,
        "a pod identity association names a ServiceAccount nothing creates",
    ),
    (
        "identity.no-pod-identity",
        Severity::Error,
        "a workload that uses AWS runs as a ServiceAccount without a pod identity",
    ),
    ("references.secret-missing", Severity::Error, "a pod needs a Secret nothing creates"),
    ("references.configmap-missing", Severity::Error, "a pod needs a ConfigMap nothing creates"),
    ("references.service-account-missing", Severity::Error, "a pod runs as a ServiceAccount nothing creates"),
    ("references.copy-source-missing", Severity::Error, "a Secret copies a Secret nothing creates"),
    ("references.copy-not-ordered", Severity::Error, "a Secret copies a Secret from a release it does not wait for"),
    ("references.crd-missing", Severity::Error, "a custom resource's CRD is not installed"),
    (
        "references.crd-not-ordered",
        Severity::Error,
        "a custom resource's CRD comes from a release it does not wait for",
    ),
    ("references.crd-schema-invalid", Severity::Error, "a custom resource does not validate against its CRD's schema"),
    ("references.crd-field-unknown", Severity::Warning, "a custom resource sets a field its CRD's schema drops"),
    ("references.webhook-service-missing", Severity::Error, "a webhook or APIService calls a Service nothing creates"),
    ("references.scale-target-missing", Severity::Error, "a ScaledObject or HPA targets a workload nothing creates"),
    ("references.monitor-selects-nothing", Severity::Error, "a ServiceMonitor selects no Service"),
    ("references.pod-monitor-selects-nothing", Severity::Warning, "a PodMonitor selects no pod the platform renders"),
    ("references.monitor-port-missing", Severity::Error, "a monitor names a port its targets do not have"),
];

/// What the rules share: the inventory, its index, the pods, and what the platform provides.
pub struct Context<'a> {
    pub inventory: &'a Inventory,
    pub index: &'a Index<'a>,
    pub pods: &'a [PodView],
    /// StorageClass name → (provisioner, default).
    storage_classes: BTreeMap<String, (String, bool)>,
    /// CSI drivers installed (managed add-ons and rendered CSIDriver objects).
    provisioners: BTreeSet<String>,
    /// Whether the AWS Load Balancer Controller runs (a rendered Deployment of its image).
    load_balancer_controller: bool,
    /// Ingress controllers (`spec.controller` values) some rendered workload serves.
    ingress_controllers: BTreeSet<String>,
    secrets: BTreeSet<(String, String)>,
    /// Services the cluster or an operator creates: (namespace, name, labels, port names).
    provided_services: Vec<ProvidedService>,
}

/// A Service no release renders but the cluster or an operator creates.
struct ProvidedService {
    namespace: String,
    name: String,
    labels: BTreeMap<String, String>,
    ports: Vec<String>,
    by: &'static str,
}

/// A container's `--name=value` argument.
fn flag<'t>(texts: &'t [String], name: &str) -> Option<&'t str> {
    let prefix = format!("--{name}=");
    texts.iter().find_map(|a| a.strip_prefix(prefix.as_str()))
}

/// A namespace argument, unless it is a `$(VAR)` the kubelet expands (then the pod's own).
fn namespace_arg(value: Option<&str>, own: &str) -> String {
    match value {
        Some(v) if !v.is_empty() && !v.contains("$(") => v.to_string(),
        _ => own.to_string(),
    }
}

/// EKS managed add-ons and the CSI drivers they install.
const ADDON_PROVISIONERS: &[(&str, &str)] = &[
    ("aws-ebs-csi-driver", "ebs.csi.aws.com"),
    ("aws-efs-csi-driver", "efs.csi.aws.com"),
    ("aws-mountpoint-s3-csi-driver", "s3.csi.aws.com"),
    ("aws-fsx-csi-driver", "fsx.csi.aws.com"),
];

/// Images of DaemonSets that must run on every node (metrics, logs, storage and network agents).
const EVERYWHERE_DAEMONS: &[&str] = &[
    "quay.io/prometheus/node-exporter",
    "fluent/fluent-bit",
    "cr.fluentbit.io/fluent/fluent-bit",
    "public.ecr.aws/aws-observability/aws-for-fluent-bit",
    "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver",
    "public.ecr.aws/mountpoint-s3-csi-driver/aws-mountpoint-s3-csi-driver",
];

/// The controller string of each ingress controller and the image that serves it.
const INGRESS_CONTROLLERS: &[(&str, &str)] = &[
    ("k8s.io/ingress-nginx", "registry.k8s.io/ingress-nginx/controller"),
    ("k8s.io/ingress-nginx", "registry.k8s.io/ingress-nginx/controller-chroot"),
    ("traefik.io/ingress-controller", "traefik"),
];

const LBC_IMAGE: &str = "public.ecr.aws/eks/aws-load-balancer-controller";
const LBC_SERVICE_CLASS: &str = "service.k8s.aws/nlb";
const LBC_INGRESS_CONTROLLER: &str = "ingress.k8s.aws/alb";

fn images_of(object: &Resolved<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for pointer in ["/spec/template/spec/containers", "/spec/template/spec/initContainers"] {
        for c in object.value().pointer(pointer).and_then(Value::as_array).into_iter().flatten() {
            if let Some(image) = c.get("image").and_then(Value::as_str) {
                out.push(images::repository(image));
            }
        }
    }
    out
}

impl<'a> Context<'a> {
    pub fn new(inventory: &'a Inventory, index: &'a Index<'a>, pods: &'a [PodView]) -> Context<'a> {
        let mut storage_classes = BTreeMap::new();
        for class in index.of_kind("StorageClass") {
            let provisioner = str_at(class.value(), "/provisioner").unwrap_or_default().to_string();
            let default = str_at(class.value(), "/metadata/annotations/storageclass.kubernetes.io~1is-default-class")
                == Some("true");
            storage_classes.insert(class.name.to_string(), (provisioner, default));
        }
        let mut provisioners: BTreeSet<String> = ADDON_PROVISIONERS
            .iter()
            .filter(|(addon, _)| inventory.managed_addons.iter().any(|a| a == addon))
            .map(|(_, p)| p.to_string())
            .collect();
        provisioners.extend(index.of_kind("CSIDriver").map(|d| d.name.to_string()));
        let workloads: Vec<&Resolved<'_>> =
            index.objects.iter().filter(|o| matches!(o.kind, "Deployment" | "DaemonSet" | "StatefulSet")).collect();
        let load_balancer_controller = workloads.iter().any(|w| images_of(w).iter().any(|i| i == LBC_IMAGE));
        let mut ingress_controllers: BTreeSet<String> = INGRESS_CONTROLLERS
            .iter()
            .filter(|(_, image)| workloads.iter().any(|w| images_of(w).iter().any(|i| i == image)))
            .map(|(controller, _)| controller.to_string())
            .collect();
        if load_balancer_controller {
            ingress_controllers.insert(LBC_INGRESS_CONTROLLER.into());
        }
        let mut secrets: BTreeSet<(String, String)> =
            index.of_kind("Secret").map(|s| (s.ns().to_string(), s.name.to_string())).collect();
        secrets.extend(inventory.generated_secrets.iter().cloned());
        // Secrets operators and hooks create: cert-manager's Certificates, the webhook
        // certificate generators' Jobs (ingress-nginx, kube-prometheus-stack).
        for certificate in index.of_kind("Certificate") {
            if let Some(name) = str_at(certificate.value(), "/spec/secretName") {
                secrets.insert((certificate.ns().to_string(), name.to_string()));
            }
        }
        // The Service every cluster has, and the ones operators create from their arguments.
        let mut provided_services = vec![ProvidedService {
            namespace: "default".into(),
            name: "kubernetes".into(),
            labels: [("component", "apiserver"), ("provider", "kubernetes")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into_iter()
                .collect(),
            ports: vec!["https".into()],
            by: "the API server",
        }];
        for pod in pods {
            for container in &pod.containers {
                let repository = container.image.as_deref().map(images::repository).unwrap_or_default();
                let texts = &container.text;
                // Webhook certificate generators (ingress-nginx, kube-prometheus-stack hooks).
                if repository.ends_with("kube-webhook-certgen")
                    && let Some(secret) = flag(texts, "secret-name")
                {
                    secrets.insert((namespace_arg(flag(texts, "namespace"), &pod.namespace), secret.to_string()));
                }
                // KEDA's operator rotates its own certificates into `--cert-secret-name`.
                if flag(texts, "enable-cert-rotation") == Some("true")
                    && let Some(secret) = flag(texts, "cert-secret-name")
                {
                    secrets.insert((pod.namespace.clone(), secret.to_string()));
                }
                // prometheus-operator keeps a Service of every node's kubelet (`--kubelet-service`).
                if let Some((namespace, name)) = flag(texts, "kubelet-service").and_then(|s| s.split_once('/')) {
                    provided_services.push(ProvidedService {
                        namespace: namespace.to_string(),
                        name: name.to_string(),
                        labels: [
                            ("k8s-app", "kubelet"),
                            ("app.kubernetes.io/name", "kubelet"),
                            ("app.kubernetes.io/managed-by", "prometheus-operator"),
                        ]
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .into_iter()
                        .collect(),
                        ports: vec!["https-metrics".into(), "http-metrics".into(), "cadvisor".into()],
                        by: "prometheus-operator",
                    });
                }
            }
        }
        Context {
            inventory,
            index,
            pods,
            storage_classes,
            provisioners,
            load_balancer_controller,
            ingress_controllers,
            secrets,
            provided_services,
        }
    }

    pub(crate) fn finding(&self, rule: &'static str, object: &Resolved<'_>, message: String, hint: String) -> Finding {
        let severity = RULES.iter().find(|(id, _, _)| *id == rule).map(|(_, s, _)| *s).unwrap_or(Severity::Error);
        Finding {
            rule,
            severity,
            release: object.planned.release.clone(),
            object: object.display(),
            message,
            hint,
            waived: None,
        }
    }

    fn default_class(&self) -> Option<&str> {
        self.storage_classes.iter().find(|(_, (_, default))| *default).map(|(name, _)| name.as_str())
    }

    fn class_list(&self) -> String {
        if self.storage_classes.is_empty() {
            return "none".into();
        }
        self.storage_classes
            .iter()
            .map(|(name, (_, default))| if *default { format!("{name} (default)") } else { name.clone() })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Runs every rule family.
pub fn run(context: &Context<'_>, out: &mut Vec<Finding>) {
    storage(context, out);
    load_balancers(context, out);
    scheduling(context, out);
    identity(context, out);
    references(context, out);
}

// ---------------------------------------------------------------------------------------------
// storage

fn storage(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for object in &ctx.index.objects {
        for (place, class) in claims_of(object) {
            match class {
                Some(name) if name.is_empty() => {}
                Some(name) => {
                    if !ctx.storage_classes.contains_key(&name) {
                        out.push(ctx.finding(
                            "storage.class-missing",
                            object,
                            format!("{place} asks for StorageClass `{name}`, which nothing creates: the claim stays Pending"),
                            format!(
                                "use a class the platform creates ({}), or create `{name}` in a release this one waits for",
                                ctx.class_list()
                            ),
                        ));
                    }
                }
                None => {
                    if ctx.default_class().is_none() {
                        out.push(ctx.finding(
                            "storage.no-default-class",
                            object,
                            format!(
                                "{place} names no StorageClass and no class is the default: the claim stays Pending"
                            ),
                            "a fresh EKS cluster has no default StorageClass; name one, or mark one default".into(),
                        ));
                    }
                }
            }
        }
    }
    for class in ctx.index.of_kind("StorageClass") {
        let provisioner = str_at(class.value(), "/provisioner").unwrap_or_default();
        // In-tree EBS volumes are served by the EBS CSI driver since CSI migration (1.23).
        let needed = if provisioner == "kubernetes.io/aws-ebs" { "ebs.csi.aws.com" } else { provisioner };
        let known = ADDON_PROVISIONERS.iter().any(|(_, p)| *p == needed);
        if known && !ctx.provisioners.contains(needed) {
            let addon = ADDON_PROVISIONERS.iter().find(|(_, p)| *p == needed).map(|(a, _)| *a).unwrap_or_default();
            out.push(ctx.finding(
                "storage.provisioner-missing",
                class,
                format!("provisioner `{provisioner}` needs the CSI driver `{needed}`, which is not installed"),
                format!("the EKS managed add-on `{addon}` installs it"),
            ));
        }
    }
}

/// The claims an object makes: (where, class). `Some("")` is an explicit no-class claim.
fn claims_of(object: &Resolved<'_>) -> Vec<(String, Option<String>)> {
    let v = object.value();
    let class =
        |spec: Option<&Value>| spec.and_then(|s| s.get("storageClassName")).and_then(Value::as_str).map(String::from);
    let mut out = Vec::new();
    match (group_of(object.api_version), object.kind) {
        ("", "PersistentVolumeClaim") => out.push(("the claim".to_string(), class(v.get("spec")))),
        ("apps", "StatefulSet") => {
            for template in v.pointer("/spec/volumeClaimTemplates").and_then(Value::as_array).into_iter().flatten() {
                let name = str_at(template, "/metadata/name").unwrap_or("?");
                out.push((format!("volumeClaimTemplate `{name}`"), class(template.get("spec"))));
            }
        }
        ("monitoring.coreos.com", "Prometheus" | "Alertmanager" | "ThanosRuler") => {
            if let Some(spec) = v.pointer("/spec/storage/volumeClaimTemplate/spec") {
                out.push(("spec.storage.volumeClaimTemplate".to_string(), class(Some(spec))));
            }
        }
        ("kafka.strimzi.io", "KafkaNodePool") => out.extend(strimzi_claims("spec.storage", v.pointer("/spec/storage"))),
        ("kafka.strimzi.io", "Kafka") => {
            out.extend(strimzi_claims("spec.kafka.storage", v.pointer("/spec/kafka/storage")));
            out.extend(strimzi_claims("spec.zookeeper.storage", v.pointer("/spec/zookeeper/storage")));
        }
        _ => {}
    }
    out
}

fn strimzi_claims(place: &str, storage: Option<&Value>) -> Vec<(String, Option<String>)> {
    let Some(storage) = storage else { return Vec::new() };
    match storage.get("type").and_then(Value::as_str) {
        Some("persistent-claim") => {
            vec![(place.to_string(), storage.get("class").and_then(Value::as_str).map(String::from))]
        }
        Some("jbod") => storage
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .flat_map(|(i, volume)| strimzi_claims(&format!("{place}.volumes[{i}]"), Some(volume)))
            .collect(),
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// load balancers and ingresses

/// Annotations only the AWS Load Balancer Controller reads (the legacy provider ignores them).
const LBC_ONLY_ANNOTATIONS: &[&str] = &[
    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type",
    "service.beta.kubernetes.io/aws-load-balancer-scheme",
    "service.beta.kubernetes.io/aws-load-balancer-ip-address-type",
    "service.beta.kubernetes.io/aws-load-balancer-subnets",
    "service.beta.kubernetes.io/aws-load-balancer-attributes",
    "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes",
];

fn load_balancers(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for service in ctx.index.of_kind("Service") {
        let v = service.value();
        if str_at(v, "/spec/type") != Some("LoadBalancer") {
            continue;
        }
        let annotations = v.pointer("/metadata/annotations").and_then(Value::as_object);
        let annotation = |key: &str| annotations.and_then(|a| a.get(key)).and_then(Value::as_str);
        let lb_type = annotation("service.beta.kubernetes.io/aws-load-balancer-type");
        let class = str_at(v, "/spec/loadBalancerClass");
        let wants_lbc = class == Some(LBC_SERVICE_CLASS) || matches!(lb_type, Some("external" | "nlb-ip"));
        match class {
            Some(other) if other != LBC_SERVICE_CLASS => out.push(ctx.finding(
                "lb.service-unserved",
                service,
                format!("loadBalancerClass `{other}`: no installed controller serves it, so the Service never gets an address"),
                format!("use `{LBC_SERVICE_CLASS}` (the AWS Load Balancer Controller) or install the controller for `{other}`"),
            )),
            _ if wants_lbc && !ctx.load_balancer_controller => out.push(ctx.finding(
                "lb.service-unserved",
                service,
                "asks for the AWS Load Balancer Controller (aws-load-balancer-type: external, or its loadBalancerClass), \
                 which is not installed: the Service never gets an address"
                    .into(),
                "install the AWS Load Balancer Controller in a release this one waits for".into(),
            )),
            _ if !wants_lbc => {
                let ignored: Vec<&str> =
                    LBC_ONLY_ANNOTATIONS.iter().copied().filter(|a| annotation(a).is_some()).collect();
                let also = if ignored.is_empty() {
                    String::new()
                } else {
                    format!("; it ignores {}", ignored.join(", "))
                };
                out.push(ctx.finding(
                    "lb.legacy-provider",
                    service,
                    format!("served by EKS's legacy cloud provider, which makes a Classic Load Balancer{also}"),
                    "annotate `service.beta.kubernetes.io/aws-load-balancer-type: external` for an NLB from the \
                     AWS Load Balancer Controller"
                        .into(),
                ));
            }
            _ => {}
        }
    }
    let classes: BTreeMap<&str, &Resolved<'_>> = ctx.index.of_kind("IngressClass").map(|c| (c.name, c)).collect();
    let default_class = classes.values().find(|c| {
        str_at(c.value(), "/metadata/annotations/ingressclass.kubernetes.io~1is-default-class") == Some("true")
    });
    for ingress in ctx.index.of_kind("Ingress") {
        let v = ingress.value();
        let named = str_at(v, "/spec/ingressClassName")
            .or_else(|| str_at(v, "/metadata/annotations/kubernetes.io~1ingress.class"));
        let known: Vec<&str> = classes.keys().copied().collect();
        match named {
            Some(name) if !classes.contains_key(name) => out.push(ctx.finding(
                "ingress.class-missing",
                ingress,
                format!("ingressClassName `{name}`: no IngressClass of that name, so no controller serves the Ingress"),
                format!(
                    "IngressClasses the platform creates: {}",
                    if known.is_empty() { "none".into() } else { known.join(", ") }
                ),
            )),
            None if default_class.is_none() => out.push(ctx.finding(
                "ingress.class-missing",
                ingress,
                "names no IngressClass and none is the default: no controller serves the Ingress".into(),
                format!(
                    "set spec.ingressClassName ({})",
                    if known.is_empty() { "none exists".into() } else { known.join(", ") }
                ),
            )),
            _ => {}
        }
    }
    for class in classes.values() {
        let Some(controller) = str_at(class.value(), "/spec/controller") else { continue };
        if !ctx.ingress_controllers.contains(controller)
            && INGRESS_CONTROLLERS
                .iter()
                .chain([(LBC_INGRESS_CONTROLLER, LBC_IMAGE)].iter())
                .any(|(c, _)| *c == controller)
        {
            out.push(ctx.finding(
                "ingress.controller-missing",
                class,
                format!("controller `{controller}` is not installed: Ingresses of this class get no address"),
                if controller == LBC_INGRESS_CONTROLLER {
                    "install the AWS Load Balancer Controller".into()
                } else {
                    format!("install the controller that serves `{controller}`")
                },
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// scheduling

/// Whether a node source can satisfy `key <operator> values`.
fn source_satisfies(source: &NodeSource, expression: &NodeExpression) -> bool {
    let open = source.open_labels.iter().any(|k| k == &expression.key);
    let values = source.labels.get(&expression.key);
    match expression.operator.as_str() {
        "In" => open || values.is_some_and(|v| v.iter().any(|x| expression.values.contains(x))),
        "NotIn" => open || values.is_none_or(|v| v.iter().any(|x| !expression.values.contains(x))),
        "Exists" => open || values.is_some(),
        "DoesNotExist" => !open && values.is_none(),
        // Gt, Lt on numeric labels: not decided here.
        _ => true,
    }
}

fn source_matches(source: &NodeSource, pod: &PodView) -> bool {
    let selector_ok = pod.node_selector.iter().all(|(k, v)| {
        source_satisfies(source, &NodeExpression { key: k.clone(), operator: "In".into(), values: vec![v.clone()] })
    });
    let affinity_ok = pod.affinity_terms.is_empty()
        || pod.affinity_terms.iter().any(|term| term.iter().all(|e| source_satisfies(source, e)));
    selector_ok && affinity_ok
}

fn untolerated<'s>(source: &'s NodeSource, pod: &PodView) -> Vec<&'s crate::model::Taint> {
    source
        .taints
        .iter()
        .filter(|t| t.effect != "PreferNoSchedule")
        .filter(|t| !pod.tolerations.iter().any(|tol| tol.tolerates(t)))
        .collect()
}

fn fits(source: &NodeSource, pod: &PodView) -> bool {
    match source.largest_shape() {
        None => true,
        Some(shape) => {
            pod.cpu_millis <= shape.allocatable_cpu_millis() && pod.memory_bytes <= shape.allocatable_memory_bytes()
        }
    }
}

fn describe_source(source: &NodeSource) -> String {
    let labels: Vec<String> = source
        .labels
        .iter()
        .filter(|(k, _)| {
            !k.starts_with("kubernetes.io/")
                && !k.starts_with("node.kubernetes.io/")
                && !k.starts_with("eks.amazonaws.com/")
        })
        .map(|(k, v)| format!("{k}={}", v.join("|")))
        .collect();
    format!("{} ({})", source.name, labels.join(", "))
}

fn taint_text(taint: &crate::model::Taint) -> String {
    if taint.value.is_empty() {
        format!("{}:{}", taint.key, taint.effect)
    } else {
        format!("{}={}:{}", taint.key, taint.value, taint.effect)
    }
}

fn pod_label(pod: &PodView) -> String {
    if pod.role.is_empty() { "its pods".into() } else { format!("its {} pods", pod.role) }
}

/// The architectures a pod allows on a source (its own `kubernetes.io/arch` constraints).
fn pod_archs(source: &NodeSource, pod: &PodView) -> Vec<String> {
    source
        .architectures
        .iter()
        .filter(|arch| {
            let probe = NodeSource {
                labels: [("kubernetes.io/arch".to_string(), vec![(*arch).clone()])].into_iter().collect(),
                open_labels: Vec::new(),
                ..source.clone()
            };
            let selector_ok = pod.node_selector.get("kubernetes.io/arch").is_none_or(|a| a == *arch);
            let affinity_ok = pod.affinity_terms.is_empty()
                || pod.affinity_terms.iter().any(|term| {
                    term.iter().filter(|e| e.key == "kubernetes.io/arch").all(|e| source_satisfies(&probe, e))
                });
            selector_ok && affinity_ok
        })
        .cloned()
        .collect()
}

fn scheduling(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let sources = &ctx.inventory.node_sources;
    if sources.is_empty() {
        return;
    }
    for pod in ctx.pods {
        let object = &ctx.index.objects[pod.owner];
        let candidates: Vec<&NodeSource> = sources.iter().filter(|s| source_matches(s, pod)).collect();
        if pod.daemon_set {
            daemon_set(ctx, object, pod, out);
            continue;
        }
        if candidates.is_empty() {
            let mut wanted: Vec<String> = pod.node_selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if !pod.affinity_terms.is_empty() {
                wanted.push("its required node affinity".into());
            }
            out.push(ctx.finding(
                "scheduling.no-matching-nodes",
                object,
                format!(
                    "{} select {}, which no node source offers: they stay Pending",
                    pod_label(pod),
                    wanted.join(", ")
                ),
                format!("node sources: {}", sources.iter().map(describe_source).collect::<Vec<_>>().join("; ")),
            ));
            continue;
        }
        let tolerated: Vec<&NodeSource> =
            candidates.iter().copied().filter(|s| untolerated(s, pod).is_empty()).collect();
        if tolerated.is_empty() {
            let missed: Vec<String> = candidates
                .iter()
                .map(|s| {
                    let taints: Vec<String> = untolerated(s, pod).into_iter().map(taint_text).collect();
                    format!("{} ({})", s.name, taints.join(", "))
                })
                .collect();
            out.push(ctx.finding(
                "scheduling.taint-not-tolerated",
                object,
                format!(
                    "{} tolerate none of the taints of the nodes they select: {}",
                    pod_label(pod),
                    missed.join("; ")
                ),
                "add a toleration for the pool's taint, or select nodes without it".into(),
            ));
            continue;
        }
        let fitting: Vec<&NodeSource> = tolerated.iter().copied().filter(|s| fits(s, pod)).collect();
        if fitting.is_empty() {
            let largest: Vec<String> = tolerated
                .iter()
                .filter_map(|s| {
                    let shape = s.largest_shape()?;
                    Some(format!(
                        "{} of {} gives pods {} CPU and {}",
                        shape.name,
                        s.name,
                        show_cpu(shape.allocatable_cpu_millis()),
                        show_bytes(shape.allocatable_memory_bytes())
                    ))
                })
                .collect();
            out.push(ctx.finding(
                "scheduling.requests-too-large",
                object,
                format!(
                    "{} request {} CPU and {}, more than any node they can land on: {}",
                    pod_label(pod),
                    show_cpu(pod.cpu_millis),
                    show_bytes(pod.memory_bytes),
                    largest.join("; ")
                ),
                "lower the requests, or allow larger instance types for the pool".into(),
            ));
            continue;
        }
        images_check(ctx, object, pod, &fitting, out);
    }
}

fn images_check(
    ctx: &Context<'_>,
    object: &Resolved<'_>,
    pod: &PodView,
    fitting: &[&NodeSource],
    out: &mut Vec<Finding>,
) {
    let images: Vec<(&str, Archs)> =
        pod.containers.iter().filter_map(|c| c.image.as_deref()).map(|i| (i, images::archs(i))).collect();
    let reachable: Vec<String> = {
        let mut archs: Vec<String> = fitting.iter().flat_map(|s| pod_archs(s, pod)).collect();
        archs.sort();
        archs.dedup();
        archs
    };
    if reachable.is_empty() {
        return;
    }
    let runs = |arch: &str| images.iter().all(|(_, a)| a.runs_on(arch));
    if !reachable.iter().any(|arch| runs(arch)) {
        let lacking: Vec<String> = images
            .iter()
            .filter_map(|(image, a)| match a {
                Archs::Only(only) => Some(format!("{image} (only {only})")),
                _ => None,
            })
            .collect();
        out.push(ctx.finding(
            "scheduling.image-arch",
            object,
            format!(
                "{} run {}, but every node they can land on is {}: the container fails with `exec format error`",
                pod_label(pod),
                lacking.join(", "),
                reachable.join("/")
            ),
            "use a multi-architecture image, or let the pods land on nodes of the image's architecture".into(),
        ));
        return;
    }
    if reachable.iter().any(|arch| !runs(arch)) {
        let lacking: Vec<&str> = reachable.iter().filter(|a| !runs(a)).map(String::as_str).collect();
        out.push(ctx.finding(
            "scheduling.image-arch-mixed",
            object,
            format!("{} may land on {} nodes, for which an image is not published", pod_label(pod), lacking.join("/")),
            "pin kubernetes.io/arch in the pod's nodeSelector to the image's architecture".into(),
        ));
    }
    if reachable.iter().any(|a| a == "arm64") {
        for (image, archs) in &images {
            if *archs == Archs::Unknown {
                out.push(ctx.finding(
                    "scheduling.image-arch-unknown",
                    object,
                    format!("image {image} may run on arm64 nodes, and whether it is published for arm64 is not known"),
                    "check the image's manifest list, or pin kubernetes.io/arch".into(),
                ));
            }
        }
    }
}

fn daemon_set(ctx: &Context<'_>, object: &Resolved<'_>, pod: &PodView, out: &mut Vec<Finding>) {
    let everywhere = pod
        .containers
        .iter()
        .filter_map(|c| c.image.as_deref())
        .any(|i| EVERYWHERE_DAEMONS.contains(&images::repository(i).as_str()));
    for source in ctx.inventory.node_sources.iter().filter(|s| source_matches(s, pod)) {
        let missed = untolerated(source, pod);
        if !missed.is_empty() {
            if everywhere {
                out.push(ctx.finding(
                    "scheduling.daemonset-untolerated",
                    object,
                    format!(
                        "runs on every node, but not on {}: it does not tolerate {}",
                        source.name,
                        missed.iter().map(|t| taint_text(t)).collect::<Vec<_>>().join(", ")
                    ),
                    "tolerate the taint (`operator: Exists`) so the agent covers those nodes too".into(),
                ));
            }
            continue;
        }
        if !fits(source, pod) {
            out.push(ctx.finding(
                "scheduling.requests-too-large",
                object,
                format!(
                    "its pods request {} CPU and {}, more than a node of {} gives pods: the DaemonSet never becomes ready",
                    show_cpu(pod.cpu_millis),
                    show_bytes(pod.memory_bytes),
                    source.name
                ),
                "lower the requests, or keep the DaemonSet off that pool".into(),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// identity

/// Images of controllers that call AWS APIs.
const AWS_CONTROLLERS: &[&str] = &["public.ecr.aws/karpenter/controller", LBC_IMAGE];

fn identity(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let associated: BTreeSet<(&str, &str)> =
        ctx.inventory.pod_identities.iter().map(|p| (p.namespace.as_str(), p.service_account.as_str())).collect();
    for association in &ctx.inventory.pod_identities {
        if association.service_account == "default"
            || ctx.index.has("ServiceAccount", Some(&association.namespace), &association.service_account)
        {
            continue;
        }
        out.push(Finding {
            rule: "identity.service-account-missing",
            severity: Severity::Error,
            release: association.owner.clone(),
            object: crate::objects::display(
                "ServiceAccount",
                Some(&association.namespace),
                &association.service_account,
            ),
            message: format!(
                "{} asks for a pod identity association on this ServiceAccount, which no release creates: no pod gets \
                 its AWS credentials",
                association.owner
            ),
            hint: "name the ServiceAccount the workload's chart creates, or create it".into(),
            waived: None,
        });
    }
    // A ConfigMap annotated as passed on (the Spark operator's defaults, which its controller
    // hands to the drivers it submits) configures other pods, not the ones that mount it; so do
    // all the ConfigMaps of a pod template with that annotation (a chart's operator whose
    // ConfigMap we cannot annotate).
    use dataplat_vocabulary::PASSED_ON_ANNOTATION as PASSED_ON;
    let config_maps: BTreeMap<(&str, &str), String> = ctx
        .index
        .of_kind("ConfigMap")
        .filter(|c| c.value().pointer(&format!("/metadata/annotations/{}", PASSED_ON.replace('/', "~1"))).is_none())
        .map(|c| ((c.ns(), c.name), c.value().get("data").map(|d| d.to_string()).unwrap_or_default()))
        .collect();
    for pod in ctx.pods {
        let object = &ctx.index.objects[pod.owner];
        let account = pod.service_account.as_deref().unwrap_or("default");
        if associated.contains(&(pod.namespace.as_str(), account)) {
            continue;
        }
        let mut texts: Vec<&str> = pod.containers.iter().flat_map(|c| c.text.iter().map(String::as_str)).collect();
        // A pod annotated as passing its configuration on (an operator mounting the defaults of
        // the workloads it starts) does not use the buckets its ConfigMaps name.
        let passes_on = ["/spec/template/metadata/annotations", "/spec/jobTemplate/spec/template/metadata/annotations"]
            .iter()
            .any(|p| object.value().pointer(p).and_then(|a| a.get(PASSED_ON)).is_some());
        for reference in pod.config_maps.iter().filter(|_| !passes_on) {
            if let Some(data) = config_maps.get(&(pod.namespace.as_str(), reference.name.as_str())) {
                texts.push(data);
            }
        }
        let spark_conf = if object.kind.contains("SparkApplication") {
            object.value().pointer("/spec").map(|s| s.to_string())
        } else {
            None
        };
        if let Some(conf) = &spark_conf {
            texts.push(conf);
        }
        let bucket = ctx.inventory.buckets.iter().find(|b| texts.iter().any(|t| t.contains(b.as_str())));
        let controller = pod
            .containers
            .iter()
            .filter_map(|c| c.image.as_deref())
            .map(images::repository)
            .find(|r| AWS_CONTROLLERS.contains(&r.as_str()));
        let why = match (bucket, controller) {
            (Some(bucket), _) => format!("uses bucket {bucket}"),
            (None, Some(controller)) => format!("runs {controller}, which calls AWS APIs"),
            _ => continue,
        };
        out.push(ctx.finding(
            "identity.no-pod-identity",
            object,
            format!(
                "{} {why}, but ServiceAccount {}/{account} has no pod identity association: its AWS calls fail \
                 without credentials",
                pod_label(pod),
                pod.namespace
            ),
            "declare a pod identity for that ServiceAccount with the grant it needs".into(),
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// references

/// A Secret the applier fills from another (`dataplat.io/copy-of`): the source must be made by
/// the platform (a generated Secret, a Secret object, a Certificate's Secret) and, when a release
/// makes it, by one the copy's release waits for, since the applier reads it when the copy's
/// turn comes.
fn secret_copies(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let pointer = format!("/metadata/annotations/{}", dataplat_vocabulary::COPY_OF_ANNOTATION.replace('/', "~1"));
    for copy in ctx.index.of_kind("Secret") {
        let Some(source) = str_at(copy.value(), &pointer) else { continue };
        let Some((ns, name)) = source.split_once('/') else {
            out.push(ctx.finding(
                "references.copy-source-missing",
                copy,
                format!("copies {source:?}, which is not <namespace>/<name>"),
                "name the source as <namespace>/<name>".into(),
            ));
            continue;
        };
        if !ctx.secrets.contains(&(ns.to_string(), name.to_string())) {
            out.push(ctx.finding(
                "references.copy-source-missing",
                copy,
                format!("copies Secret {source}, which nothing creates: the release applying it fails"),
                "enable the addon that makes it, or fix the name (its endpoint publishes it)".into(),
            ));
            continue;
        }
        let makers: Vec<&str> = ctx
            .index
            .objects
            .iter()
            .filter(|o| o.ns() == ns)
            .filter(|o| {
                (o.kind == "Secret" && o.name == name && !std::ptr::eq(*o, copy))
                    || (o.kind == "Certificate" && str_at(o.value(), "/spec/secretName") == Some(name))
            })
            .map(|o| o.planned.release.as_str())
            .collect();
        if !makers.is_empty() && !makers.iter().any(|r| ctx.index.waits_for(&copy.planned.release, r)) {
            out.push(ctx.finding(
                "references.copy-not-ordered",
                copy,
                format!(
                    "copies Secret {source}, made by release {}, which release {} does not wait for: applied first, it \
                     finds no source",
                    makers[0], copy.planned.release
                ),
                format!("make {} depend on {}", copy.planned.release, makers[0]),
            ));
        }
    }
}

fn references(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for pod in ctx.pods {
        let object = &ctx.index.objects[pod.owner];
        let ns = pod.namespace.as_str();
        for reference in pod.secrets.iter().filter(|r| !r.optional) {
            if !ctx.secrets.contains(&(ns.to_string(), reference.name.clone())) {
                out.push(ctx.finding(
                    "references.secret-missing",
                    object,
                    format!("{} need Secret {ns}/{} ({}), which nothing creates: they never start", pod_label(pod), reference.name, reference.place),
                    "create the Secret in a release this one waits for, mark the reference optional, or waive it if an operator creates it".into(),
                ));
            }
        }
        for reference in pod.config_maps.iter().filter(|r| !r.optional) {
            if reference.name != "kube-root-ca.crt" && !ctx.index.has("ConfigMap", Some(ns), &reference.name) {
                out.push(ctx.finding(
                    "references.configmap-missing",
                    object,
                    format!(
                        "{} need ConfigMap {ns}/{} ({}), which nothing creates: they never start",
                        pod_label(pod),
                        reference.name,
                        reference.place
                    ),
                    "create the ConfigMap in a release this one waits for, or mark the reference optional".into(),
                ));
            }
        }
        if let Some(account) = pod.service_account.as_deref()
            && account != "default"
            && !ctx.index.has("ServiceAccount", Some(ns), account)
        {
            out.push(ctx.finding(
                "references.service-account-missing",
                object,
                format!(
                    "{} run as ServiceAccount {ns}/{account}, which nothing creates: the pods are not created",
                    pod_label(pod)
                ),
                "create the ServiceAccount (most charts: serviceAccount.create: true)".into(),
            ));
        }
    }
    secret_copies(ctx, out);
    for object in &ctx.index.objects {
        let group = group_of(object.api_version);
        if crate::objects::is_built_in_group(group) {
            continue;
        }
        match ctx.index.crds.get(&(group.to_string(), object.kind.to_string())) {
            None => out.push(ctx.finding(
                "references.crd-missing",
                object,
                format!(
                    "{} is a custom resource and no release installs its CRD: the API server rejects it",
                    object.api_version
                ),
                "enable the addon that installs the CRD, and make this release wait for it".into(),
            )),
            Some(sources) => {
                if !sources.iter().any(|(release, _)| ctx.index.waits_for(&object.planned.release, release)) {
                    out.push(ctx.finding(
                        "references.crd-not-ordered",
                        object,
                        format!(
                            "its CRD comes with release {}, which release {} does not wait for: applied first, it is rejected",
                            sources.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>().join(", "),
                            object.planned.release
                        ),
                        format!("make {} depend on {}", object.planned.release, sources[0].0),
                    ));
                }
            }
        }
    }
    for webhook_config in ctx.index.objects.iter().filter(|o| {
        matches!(o.kind, "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration")
            && o.api_version.starts_with("admissionregistration.k8s.io/")
    }) {
        for webhook in webhook_config.value().get("webhooks").and_then(Value::as_array).into_iter().flatten() {
            if let Some(service) = webhook.pointer("/clientConfig/service") {
                check_service_ref(ctx, webhook_config, service, str_at(webhook, "/name").unwrap_or("?"), out);
            }
        }
    }
    for api_service in ctx.index.of_kind("APIService") {
        if let Some(service) = api_service.value().pointer("/spec/service") {
            check_service_ref(ctx, api_service, service, api_service.name, out);
        }
    }
    for scaler in ctx.index.objects.iter().filter(|o| matches!(o.kind, "ScaledObject" | "HorizontalPodAutoscaler")) {
        let target = scaler.value().pointer("/spec/scaleTargetRef");
        let kind = target.and_then(|t| str_at(t, "/kind")).unwrap_or("Deployment");
        let Some(name) = target.and_then(|t| str_at(t, "/name")) else { continue };
        if !ctx.index.has(kind, scaler.namespace.as_deref(), name) {
            out.push(ctx.finding(
                "references.scale-target-missing",
                scaler,
                format!("targets {kind} {}/{name}, which nothing creates: it never becomes ready", scaler.ns()),
                "name the workload the release renders".into(),
            ));
        }
    }
    monitors(ctx, out);
}

fn check_service_ref(ctx: &Context<'_>, object: &Resolved<'_>, service: &Value, what: &str, out: &mut Vec<Finding>) {
    let (Some(namespace), Some(name)) = (str_at(service, "/namespace"), str_at(service, "/name")) else { return };
    if !ctx.index.has("Service", Some(namespace), name) {
        out.push(ctx.finding(
            "references.webhook-service-missing",
            object,
            format!(
                "{what} calls Service {namespace}/{name}, which nothing creates: every request it intercepts fails"
            ),
            "render the Service, or point the webhook at the one the chart creates".into(),
        ));
    }
}

/// Whether `labels` match a label selector (`matchLabels` and `matchExpressions`).
fn selects(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    let match_labels = selector.get("matchLabels").and_then(Value::as_object);
    let expressions = selector.get("matchExpressions").and_then(Value::as_array);
    if match_labels.is_none_or(|m| m.is_empty()) && expressions.is_none_or(|e| e.is_empty()) {
        return true;
    }
    let labels_ok = match_labels.into_iter().flatten().all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str());
    let expressions_ok = expressions.into_iter().flatten().all(|e| {
        let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<&str> =
            e.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        match e.get("operator").and_then(Value::as_str) {
            Some("In") => labels.get(key).is_some_and(|v| values.contains(&v.as_str())),
            Some("NotIn") => labels.get(key).is_none_or(|v| !values.contains(&v.as_str())),
            Some("Exists") => labels.contains_key(key),
            Some("DoesNotExist") => !labels.contains_key(key),
            _ => false,
        }
    });
    labels_ok && expressions_ok
}

fn labels_of(value: &Value, pointer: &str) -> BTreeMap<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

/// Whether a monitor in `own` namespace watches namespace `ns`.
fn in_namespaces(monitor: &Value, own: &str, ns: &str) -> bool {
    match monitor.pointer("/spec/namespaceSelector") {
        Some(selector) if selector.get("any").and_then(Value::as_bool) == Some(true) => true,
        Some(selector) => match selector.get("matchNames").and_then(Value::as_array) {
            Some(names) if !names.is_empty() => names.iter().any(|n| n.as_str() == Some(ns)),
            _ => own == ns,
        },
        None => own == ns,
    }
}

fn monitors(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for monitor in ctx.index.of_kind("ServiceMonitor") {
        let v = monitor.value();
        let selector = v.pointer("/spec/selector").cloned().unwrap_or(Value::Null);
        let rendered: Vec<&Resolved<'_>> = ctx
            .index
            .of_kind("Service")
            .filter(|s| {
                in_namespaces(v, monitor.ns(), s.ns()) && selects(&selector, &labels_of(s.value(), "/metadata/labels"))
            })
            .collect();
        let provided: Vec<&ProvidedService> = ctx
            .provided_services
            .iter()
            .filter(|s| in_namespaces(v, monitor.ns(), &s.namespace) && selects(&selector, &s.labels))
            .collect();
        // (name, port names) of every selected Service.
        let selected: Vec<(String, Vec<String>)> = rendered
            .iter()
            .map(|s| {
                let ports = s
                    .value()
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.get("name").and_then(Value::as_str).map(String::from))
                    .collect();
                (s.name.to_string(), ports)
            })
            .chain(provided.iter().map(|s| (format!("{} (made by {})", s.name, s.by), s.ports.clone())))
            .collect();
        if selected.is_empty() {
            out.push(ctx.finding(
                "references.monitor-selects-nothing",
                monitor,
                "selects no Service the platform creates: Prometheus scrapes nothing for it".into(),
                "match the labels (and namespace) of the Service that serves the metrics".into(),
            ));
            continue;
        }
        for endpoint in v.pointer("/spec/endpoints").and_then(Value::as_array).into_iter().flatten() {
            let Some(port) = str_at(endpoint, "/port") else { continue };
            let has = selected.iter().any(|(_, ports)| ports.iter().any(|p| p == port));
            if !has {
                out.push(ctx.finding(
                    "references.monitor-port-missing",
                    monitor,
                    format!(
                        "endpoint port `{port}` is not a port of the Services it selects ({}): that endpoint is never scraped",
                        selected.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                    "name a port the Service declares".into(),
                ));
            }
        }
    }
    for monitor in ctx.index.of_kind("PodMonitor") {
        let v = monitor.value();
        let selector = v.pointer("/spec/selector").cloned().unwrap_or(Value::Null);
        let selected: Vec<&PodView> = ctx
            .pods
            .iter()
            .filter(|p| in_namespaces(v, monitor.ns(), &p.namespace) && selects(&selector, &p.labels))
            .collect();
        if selected.is_empty() {
            out.push(ctx.finding(
                "references.pod-monitor-selects-nothing",
                monitor,
                "selects no pod the platform renders (pods operators start later may still match)".into(),
                "match the labels of the pods that serve the metrics".into(),
            ));
            continue;
        }
        for endpoint in v.pointer("/spec/podMetricsEndpoints").and_then(Value::as_array).into_iter().flatten() {
            let Some(port) = str_at(endpoint, "/port") else { continue };
            let known = selected.iter().filter(|p| !p.operator).collect::<Vec<_>>();
            if known.is_empty() {
                continue;
            }
            if !known.iter().any(|p| p.containers.iter().any(|c| c.ports.iter().any(|(name, _)| name == port))) {
                out.push(ctx.finding(
                    "references.monitor-port-missing",
                    monitor,
                    format!(
                        "endpoint port `{port}` is not a named container port of the pods it selects: never scraped"
                    ),
                    "name a container port the pods declare".into(),
                ));
            }
        }
    }
}
