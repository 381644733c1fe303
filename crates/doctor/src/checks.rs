//! The checks: each reads the snapshot and pushes the findings it recognises.

use serde_json::Value;

use crate::model::{CATALOGUE, Finding, Severity, Snapshot};
use dataplat_readiness::quantity;

/// Every finding of the checks over `snapshot`, errors first, then by id and object.
pub fn diagnose(snapshot: &Snapshot) -> Vec<Finding> {
    let ctx = Ctx::new(snapshot);
    let mut out = Vec::new();
    pending_pods(&ctx, &mut out);
    containers(&ctx, &mut out);
    jobs(&ctx, &mut out);
    replicas_owned_elsewhere(&ctx, &mut out);
    edited_by_hand(&ctx, &mut out);
    nodes(&ctx, &mut out);
    pod_identity_agent(&ctx, &mut out);
    karpenter(&ctx, &mut out);
    keda(&ctx, &mut out);
    traffic(&ctx, &mut out);
    probes::queries(&ctx, &mut out);
    probes::autoscalers(&ctx, &mut out);
    probes::chart_versions(&ctx, &mut out);
    cloud::cloud(&ctx, &mut out);
    logs::signatures(&ctx, &mut out);
    out.sort_by(|a, b| (a.severity, &a.id, &a.object).cmp(&(b.severity, &b.id, &b.object)));
    out
}

struct Ctx<'a> {
    snapshot: &'a Snapshot,
    now: Option<jiff::Timestamp>,
}

impl<'a> Ctx<'a> {
    fn new(snapshot: &'a Snapshot) -> Ctx<'a> {
        Ctx { snapshot, now: snapshot.now.parse().ok() }
    }

    fn of_kind(&self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.snapshot.objects.iter().filter(move |o| str_at(o, "/kind") == Some(kind))
    }

    fn find(&self, kind: &str, namespace: &str, name: &str) -> Option<&'a Value> {
        self.snapshot.objects.iter().find(|o| {
            str_at(o, "/kind") == Some(kind)
                && str_at(o, "/metadata/namespace").unwrap_or("") == namespace
                && str_at(o, "/metadata/name") == Some(name)
        })
    }

    /// Seconds since `timestamp` (RFC 3339), when both it and `now` parse.
    fn age(&self, timestamp: Option<&str>) -> Option<i64> {
        let then: jiff::Timestamp = timestamp?.parse().ok()?;
        Some(self.now?.as_second() - then.as_second())
    }

    /// Whether `timestamp` is older than the grace period (unknown ages count as old).
    fn past_grace(&self, timestamp: Option<&str>) -> bool {
        self.age(timestamp).is_none_or(|age| age >= self.snapshot.grace_seconds)
    }

    /// The messages of the events about `object`, oldest first.
    fn events_of(&self, object: &Value) -> Vec<String> {
        let kind = str_at(object, "/kind");
        let name = str_at(object, "/metadata/name");
        let namespace = str_at(object, "/metadata/namespace").unwrap_or("");
        self.snapshot
            .events
            .iter()
            .filter(|e| {
                str_at(e, "/involvedObject/kind") == kind
                    && str_at(e, "/involvedObject/name") == name
                    && str_at(e, "/involvedObject/namespace").unwrap_or("") == namespace
            })
            .map(|e| {
                format!(
                    "event {} {}: {}",
                    str_at(e, "/type").unwrap_or("Normal"),
                    str_at(e, "/reason").unwrap_or(""),
                    str_at(e, "/message").unwrap_or("").trim()
                )
            })
            .collect()
    }

    fn finding(&self, id: &str, object: &Value, evidence: Vec<String>, cause: String, fix: String) -> Finding {
        new_finding(id, display(object), evidence, cause, fix)
    }
}

/// A finding of catalogue entry `id` (its severity from there; an id missing from the catalogue
/// fails the tests).
fn new_finding(id: &str, object: String, evidence: Vec<String>, cause: String, fix: String) -> Finding {
    let entry = CATALOGUE.iter().find(|c| c.id == id);
    debug_assert!(entry.is_some(), "finding {id} is not in the catalogue");
    let severity = entry.map(|c| c.severity).unwrap_or(Severity::Error);
    Finding { id: id.to_string(), severity, object, evidence, cause, fix }
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// `Kind namespace/name` or `Kind name`.
fn display(object: &Value) -> String {
    let kind = str_at(object, "/kind").unwrap_or("?");
    let name = str_at(object, "/metadata/name").unwrap_or("?");
    match str_at(object, "/metadata/namespace") {
        Some(ns) if !ns.is_empty() => format!("{kind} {ns}/{name}"),
        _ => format!("{kind} {name}"),
    }
}

/// The condition `kind` of an object's `status.conditions`.
fn condition<'a>(object: &'a Value, kind: &str) -> Option<&'a Value> {
    object.pointer("/status/conditions")?.as_array()?.iter().find(|c| str_at(c, "/type") == Some(kind))
}

fn condition_line(c: &Value) -> String {
    format!(
        "condition {}={} reason {}: {}",
        str_at(c, "/type").unwrap_or("?"),
        str_at(c, "/status").unwrap_or("?"),
        str_at(c, "/reason").unwrap_or("-"),
        str_at(c, "/message").unwrap_or("").trim()
    )
}

// ---------------------------------------------------------------------------------------------
// pods that stay Pending

/// The reasons a scheduler message gives, with how many nodes each (`3 node(s) had untolerated
/// taint {a: b}` → ("had untolerated taint {a: b}", 3); `2 Insufficient cpu` → ("Insufficient cpu", 2)).
fn node_reasons(message: &str) -> Vec<(String, u32)> {
    let Some((_, reasons)) = message.split_once("nodes are available:") else { return Vec::new() };
    let reasons = reasons.split(" preemption:").next().unwrap_or(reasons);
    reasons
        .trim()
        .trim_end_matches('.')
        .split(", ")
        .filter_map(|part| {
            let part = part.trim();
            let (count, rest) = part.split_once(' ')?;
            let count = count.parse().ok()?;
            let rest = rest.strip_prefix("node(s) ").unwrap_or(rest);
            Some((rest.to_string(), count))
        })
        .collect()
}

fn pending_pods(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for pod in ctx.of_kind("Pod") {
        if str_at(pod, "/status/phase") != Some("Pending") {
            continue;
        }
        let Some(scheduled) = condition(pod, "PodScheduled") else { continue };
        if str_at(scheduled, "/status") != Some("False") || !ctx.past_grace(str_at(scheduled, "/lastTransitionTime")) {
            continue;
        }
        let message = str_at(scheduled, "/message").unwrap_or("");
        let mut evidence = vec![condition_line(scheduled)];
        let ns = str_at(pod, "/metadata/namespace").unwrap_or("");
        // A claim that is not bound decides before any node does.
        let claims: Vec<&str> = pod
            .pointer("/spec/volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| str_at(v, "/persistentVolumeClaim/claimName"))
            .collect();
        let mut unbound = None;
        for claim in &claims {
            let live = ctx.find("PersistentVolumeClaim", ns, claim);
            let phase = live.and_then(|c| str_at(c, "/status/phase"));
            if phase != Some("Bound") {
                unbound = Some((*claim, live));
                break;
            }
        }
        if let Some((claim, live)) = unbound.filter(|_| message.contains("PersistentVolumeClaim") || !claims.is_empty())
        {
            let class = live.and_then(|c| str_at(c, "/spec/storageClassName"));
            let class_exists = class.is_some_and(|c| ctx.find("StorageClass", "", c).is_some());
            evidence.push(format!(
                "claim {ns}/{claim}: {}, StorageClass {}",
                live.and_then(|c| str_at(c, "/status/phase")).unwrap_or("missing"),
                class.unwrap_or("(none: the default class)")
            ));
            if let Some(live) = live {
                evidence.extend(ctx.events_of(live));
            }
            let (cause, fix) = match (live, class, class_exists) {
                (None, _, _) => (
                    format!("the pod mounts claim {claim}, which does not exist"),
                    "create the claim, or fix the pod's claimName".to_string(),
                ),
                (Some(_), Some(class), false) => (
                    format!("claim {claim} asks for StorageClass {class}, which does not exist: nothing provisions it"),
                    format!("create StorageClass {class} (the platform's is gp3), or change the claim's class"),
                ),
                _ => (
                    format!(
                        "claim {claim} is not bound: its provisioner has not made a volume (the EBS CSI driver, or a \
                         volume in another zone than the node)"
                    ),
                    "check the claim's events and the CSI driver (kubectl -n kube-system get pods -l \
                     app.kubernetes.io/name=aws-ebs-csi-driver)"
                        .to_string(),
                ),
            };
            out.push(ctx.finding("pods.pending-unbound-claim", pod, evidence, cause, fix));
            continue;
        }
        let reasons = node_reasons(message);
        let dominant = reasons.iter().max_by_key(|(_, n)| *n).map(|(r, _)| r.as_str()).unwrap_or(message);
        let (id, cause, fix) = if dominant.contains("taint") {
            (
                "pods.pending-untolerated-taint",
                format!("the nodes it could use are tainted ({dominant}) and the pod does not tolerate it"),
                "add the toleration to the pod (a dedicated NodePool's pods need it), or schedule it elsewhere"
                    .to_string(),
            )
        } else if dominant.contains("affinity") || dominant.contains("selector") {
            let selector = pod.pointer("/spec/nodeSelector").map(Value::to_string).unwrap_or_else(|| "{}".into());
            evidence.push(format!("nodeSelector {selector}"));
            (
                "pods.pending-no-matching-node",
                format!(
                    "no node, and no NodePool Karpenter could launch, matches its node selector or affinity ({dominant})"
                ),
                "fix the selector, or add a NodePool whose labels match it".to_string(),
            )
        } else if dominant.contains("Insufficient") {
            evidence.push(format!("requests {}", requests_of(pod)));
            (
                "pods.pending-too-large",
                format!("no node has room for its requests ({dominant}), and Karpenter has launched none that would"),
                "lower the requests, or allow larger instance types (NodePool requirements) or raise its limits"
                    .to_string(),
            )
        } else if dominant.contains("Too many pods") {
            (
                "pods.pending-too-many-pods",
                "every node is at its pod limit (max pods per node, set by the instance's ENIs)".to_string(),
                "let Karpenter add nodes (NodePool limits), or enable prefix delegation for more pods per node"
                    .to_string(),
            )
        } else {
            (
                "pods.pending-unschedulable",
                format!("the scheduler cannot place it: {message}"),
                "read the scheduler's message above".to_string(),
            )
        };
        out.push(ctx.finding(id, pod, evidence, cause, fix));
    }
}

/// A pod's summed container requests, `cpu 4, memory 16Gi`.
fn requests_of(pod: &Value) -> String {
    let mut cpu = 0;
    let mut memory = 0;
    for c in pod.pointer("/spec/containers").and_then(Value::as_array).into_iter().flatten() {
        cpu += str_at(c, "/resources/requests/cpu").and_then(quantity::cpu_millis).unwrap_or(0);
        memory += str_at(c, "/resources/requests/memory").and_then(quantity::bytes).unwrap_or(0);
    }
    format!("cpu {cpu}m, memory {:.1} GiB", memory as f64 / 1024.0 / 1024.0 / 1024.0)
}

// ---------------------------------------------------------------------------------------------
// containers that crash or cannot pull

/// The last log lines a crash-loop finding shows.
const CRASH_LOG_LINES: usize = 20;

fn containers(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for pod in ctx.of_kind("Pod") {
        let ns = str_at(pod, "/metadata/namespace").unwrap_or("");
        let name = str_at(pod, "/metadata/name").unwrap_or("");
        for list in ["/status/initContainerStatuses", "/status/containerStatuses"] {
            for status in pod.pointer(list).and_then(Value::as_array).into_iter().flatten() {
                let container = str_at(status, "/name").unwrap_or("?");
                let reason = str_at(status, "/state/waiting/reason").unwrap_or("");
                let message = str_at(status, "/state/waiting/message").unwrap_or("").trim();
                match reason {
                    "CrashLoopBackOff" => {
                        let mut evidence = vec![format!(
                            "container {container}: CrashLoopBackOff, {} restarts, last exit: {} (code {})",
                            status.pointer("/restartCount").and_then(Value::as_u64).unwrap_or(0),
                            str_at(status, "/lastState/terminated/reason").unwrap_or("?"),
                            status.pointer("/lastState/terminated/exitCode").and_then(Value::as_i64).unwrap_or(-1)
                        )];
                        if let Some(lines) =
                            ctx.snapshot.logs.get(&(ns.to_string(), name.to_string(), container.to_string()))
                        {
                            let tail = lines.len().saturating_sub(CRASH_LOG_LINES);
                            evidence.extend(lines[tail..].iter().map(|l| format!("log: {l}")));
                        }
                        let oom = str_at(status, "/lastState/terminated/reason") == Some("OOMKilled");
                        let (cause, fix) = if oom {
                            (
                                format!("container {container} is killed for using more memory than its limit"),
                                "raise its memory limit (and the JVM heap, for Java services, below it)".to_string(),
                            )
                        } else {
                            (
                                format!("container {container} exits shortly after it starts"),
                                format!("read its log: kubectl -n {ns} logs {name} -c {container} --previous"),
                            )
                        };
                        out.push(ctx.finding("workloads.crash-loop", pod, evidence, cause, fix));
                    }
                    "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" => {
                        let image = str_at(status, "/image").unwrap_or("?");
                        let evidence = vec![format!("container {container}: {reason} {image}: {message}")];
                        let (cause, fix) = if message.contains("no match for platform") {
                            (
                                format!("image {image} has no build for this node's CPU architecture"),
                                "use a multi-architecture image, or schedule the pod on nodes of the image's architecture"
                                    .to_string(),
                            )
                        } else if message.contains("not found") || message.contains("manifest unknown") {
                            (
                                format!(
                                    "image {image} does not exist in its registry (a moved repository or a wrong tag)"
                                ),
                                "pin an image that exists (values of the chart), or mirror it".to_string(),
                            )
                        } else if message.contains("unauthorized") || message.contains("denied") {
                            (
                                format!("the registry refuses to serve {image} without credentials"),
                                "add an imagePullSecret, or use a public mirror".to_string(),
                            )
                        } else {
                            (
                                format!("the node cannot pull {image}"),
                                "check the registry's reachability from the nodes (NAT, VPC endpoints) and the message above"
                                    .to_string(),
                            )
                        };
                        out.push(ctx.finding("workloads.image-pull", pod, evidence, cause, fix));
                    }
                    _ => {}
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Jobs, replica owners, edits by hand

fn jobs(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for job in ctx.of_kind("Job") {
        let Some(failed) = condition(job, "Failed").filter(|c| str_at(c, "/status") == Some("True")) else { continue };
        let ns = str_at(job, "/metadata/namespace").unwrap_or("");
        let name = str_at(job, "/metadata/name").unwrap_or("");
        let mut evidence = vec![condition_line(failed)];
        // The last log lines of its pods' containers, when doctor read them.
        for ((log_ns, pod, container), lines) in &ctx.snapshot.logs {
            if log_ns == ns && pod.starts_with(&format!("{name}-")) {
                evidence.extend(lines.iter().map(|l| format!("log {pod}/{container}: {l}")));
            }
        }
        out.push(ctx.finding(
            "workloads.job-failed",
            job,
            evidence,
            format!("Job {name} ran out of retries ({})", str_at(failed, "/reason").unwrap_or("failed")),
            format!(
                "read its pods' logs (kubectl -n {ns} logs job/{name}), fix the cause, then delete the Job and apply to \
                 run it again"
            ),
        ));
    }
}

/// Field managers that may set an autoscaled workload's replicas: the autoscaler (through the
/// scale subresource) and the controllers.
fn owns_replicas(entry: &Value) -> bool {
    str_at(entry, "/subresource").unwrap_or("").is_empty() && entry.pointer("/fieldsV1/f:spec/f:replicas").is_some()
}

fn replicas_owned_elsewhere(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for hpa in ctx.of_kind("HorizontalPodAutoscaler") {
        let kind = str_at(hpa, "/spec/scaleTargetRef/kind").unwrap_or("");
        let name = str_at(hpa, "/spec/scaleTargetRef/name").unwrap_or("");
        let ns = str_at(hpa, "/metadata/namespace").unwrap_or("");
        let Some(target) = ctx.find(kind, ns, name) else { continue };
        let owners: Vec<&str> = target
            .pointer("/metadata/managedFields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|e| owns_replicas(e))
            .filter_map(|e| str_at(e, "/manager"))
            .collect();
        if owners.is_empty() {
            continue;
        }
        out.push(ctx.finding(
            "workloads.replicas-owned-elsewhere",
            target,
            vec![
                format!(
                    "HorizontalPodAutoscaler {ns}/{} scales it (min {}, max {})",
                    str_at(hpa, "/metadata/name").unwrap_or("?"),
                    hpa.pointer("/spec/minReplicas").and_then(Value::as_u64).unwrap_or(1),
                    hpa.pointer("/spec/maxReplicas").and_then(Value::as_u64).unwrap_or(0)
                ),
                format!("spec.replicas is also set by: {}", owners.join(", ")),
            ],
            format!(
                "{} sets the replica count the autoscaler manages: each of their writes undoes the other's",
                owners.join(" and ")
            ),
            format!(
                "stop {} from setting spec.replicas (leave it out of the manifest, as kubectl-dataplat does for \
                 autoscaled workloads)",
                owners.join(" and ")
            ),
        ));
    }
}

/// Managers that are not the platform's applier nor a controller: a person with kubectl.
fn by_hand(manager: &str) -> bool {
    manager.starts_with("kubectl") && manager != "kubectl-dataplat"
}

fn edited_by_hand(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for object in &ctx.snapshot.objects {
        let Some(release) = object.pointer("/metadata/labels/dataplat.io~1release").and_then(Value::as_str) else {
            continue;
        };
        let edits: Vec<String> = object
            .pointer("/metadata/managedFields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|e| str_at(e, "/subresource").unwrap_or("").is_empty())
            .filter(|e| str_at(e, "/manager").is_some_and(by_hand))
            .map(|e| {
                format!(
                    "{} ({}) at {}",
                    str_at(e, "/manager").unwrap_or("?"),
                    str_at(e, "/operation").unwrap_or("?"),
                    str_at(e, "/time").unwrap_or("?")
                )
            })
            .collect();
        if edits.is_empty() {
            continue;
        }
        out.push(ctx.finding(
            "drift.edited-by-hand",
            object,
            std::iter::once(format!("release label {release}")).chain(edits.iter().map(|e| format!("changed by {e}"))).collect(),
            "fields of an object the platform applies were changed by hand: the next apply sets its own fields back, \
             and fails on a conflict where kubectl took ownership"
                .to_string(),
            "put the change in platform.yaml (the addon's settings or values) and apply; `kubectl dataplat plan` \
             shows what would go back"
                .to_string(),
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// nodes and Karpenter

fn nodes(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for node in ctx.of_kind("Node") {
        let Some(ready) = condition(node, "Ready") else { continue };
        if str_at(ready, "/status") == Some("True") || !ctx.past_grace(str_at(ready, "/lastTransitionTime")) {
            continue;
        }
        let since = ctx.age(str_at(ready, "/lastTransitionTime")).map(|s| format!(" for {s} s")).unwrap_or_default();
        let mut evidence = vec![format!("{}{since}", condition_line(ready))];
        for pressure in ["MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"] {
            if let Some(c) = condition(node, pressure).filter(|c| str_at(c, "/status") == Some("True")) {
                evidence.push(condition_line(c));
            }
        }
        out.push(ctx.finding(
            "nodes.not-ready",
            node,
            evidence,
            "the node's kubelet does not report Ready: its pods are not served and new ones are not placed there"
                .to_string(),
            "look at the node's conditions and the aws-node and kube-proxy pods on it; Karpenter replaces a NodeClaim \
             that never becomes Ready"
                .to_string(),
        ));
    }
}

/// The EKS add-on's DaemonSet.
const POD_IDENTITY_AGENT: (&str, &str) = ("kube-system", "eks-pod-identity-agent");

fn pod_identity_agent(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    if !ctx.snapshot.expects_pod_identity {
        return;
    }
    let (ns, name) = POD_IDENTITY_AGENT;
    let fix = "check the EKS add-on eks-pod-identity-agent (`kubectl dataplat status` lists the add-ons; `up` installs \
               it) and its pods in kube-system";
    match ctx.find("DaemonSet", ns, name) {
        None => out.push(new_finding(
            "identity.pod-identity-agent",
            format!("DaemonSet {ns}/{name}"),
            vec!["no such DaemonSet".into()],
            "the Pod Identity agent is not installed: no pod of the platform gets the AWS role of its service account"
                .into(),
            fix.into(),
        )),
        Some(daemonset) => {
            let count =
                |field: &str| daemonset.pointer(&format!("/status/{field}")).and_then(Value::as_i64).unwrap_or(0);
            let (desired, ready) = (count("desiredNumberScheduled"), count("numberReady"));
            if ready < desired {
                out.push(ctx.finding(
                    "identity.pod-identity-agent",
                    daemonset,
                    vec![format!("{ready} of {desired} agent pods ready")],
                    format!(
                        "the Pod Identity agent does not run on {} node(s): pods there fail to get AWS credentials",
                        desired - ready
                    ),
                    fix.into(),
                ));
            }
        }
    }
}

fn karpenter(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for claim in ctx.of_kind("NodeClaim") {
        let Some(launched) = condition(claim, "Launched") else { continue };
        if str_at(launched, "/status") == Some("True") {
            continue;
        }
        let message = str_at(launched, "/message").unwrap_or("");
        let reason = str_at(launched, "/reason").unwrap_or("");
        if message.is_empty() && reason.is_empty() {
            continue;
        }
        let text = format!("{reason} {message}").to_lowercase();
        let (cause, fix) = if text.contains("insufficient") || text.contains("capacity") {
            (
                "EC2 has no capacity for any instance type the NodePool allows, in its zones".to_string(),
                "allow more instance families, sizes or zones in the NodePool, or on-demand besides spot".to_string(),
            )
        } else if text.contains("subnet") {
            (
                "no subnet carries the discovery tag the EC2NodeClass selects".to_string(),
                "tag the node subnets karpenter.sh/discovery=<platform> (the network stack does), or fix \
                 subnetSelectorTerms"
                    .to_string(),
            )
        } else if text.contains("security group") {
            (
                "no security group carries the discovery tag the EC2NodeClass selects".to_string(),
                "tag the node security group karpenter.sh/discovery=<platform>, or fix securityGroupSelectorTerms"
                    .to_string(),
            )
        } else if text.contains("unauthorized") || text.contains("accessdenied") || text.contains("not authorized") {
            (
                "the Karpenter controller's role may not launch the instance (IAM denies an EC2 or IAM call)"
                    .to_string(),
                "check the controller's Pod Identity association and its policy (the IAM stack's Karpenter controller \
                 policy)"
                    .to_string(),
            )
        } else if text.contains("ami") {
            (
                "no AMI matches the EC2NodeClass's amiSelectorTerms for the instance's architecture".to_string(),
                "fix the AMI alias or selector (al2023@latest), for the architectures the NodePool allows".to_string(),
            )
        } else {
            (
                format!("Karpenter cannot launch the node: {message}"),
                "read the condition above and Karpenter's log".to_string(),
            )
        };
        let mut evidence = vec![condition_line(launched)];
        if let Some(pool) = claim.pointer("/metadata/labels/karpenter.sh~1nodepool").and_then(Value::as_str) {
            evidence.push(format!("NodePool {pool}"));
        }
        out.push(ctx.finding("karpenter.launch-failed", claim, evidence, cause, fix));
    }
    for pool in ctx.of_kind("NodePool") {
        let name = str_at(pool, "/metadata/name").unwrap_or("?");
        for (resource, parse) in [("cpu", quantity::cpu_millis as fn(&str) -> Option<u64>), ("memory", quantity::bytes)]
        {
            let limit = pool.pointer(&format!("/spec/limits/{resource}")).and_then(Value::as_str).and_then(parse);
            let used = pool.pointer(&format!("/status/resources/{resource}")).and_then(Value::as_str).and_then(parse);
            if let (Some(limit), Some(used)) = (limit, used)
                && used >= limit
            {
                out.push(ctx.finding(
                    "karpenter.nodepool-at-limit",
                    pool,
                    vec![format!(
                        "{resource}: nodes have {}, limit {}",
                        pool.pointer(&format!("/status/resources/{resource}")).and_then(Value::as_str).unwrap_or("?"),
                        pool.pointer(&format!("/spec/limits/{resource}")).and_then(Value::as_str).unwrap_or("?")
                    )],
                    format!("NodePool {name} has reached its {resource} limit: pending pods that need it stay Pending"),
                    "raise the limit in platform.yaml (the addon's max vCPU setting), or lower the demand".to_string(),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// KEDA

fn keda(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for scaled in ctx.of_kind("ScaledObject") {
        let target = str_at(scaled, "/spec/scaleTargetRef/name").unwrap_or("?");
        let annotations = scaled.pointer("/metadata/annotations");
        let paused_annotation = ["autoscaling.keda.sh/paused", "autoscaling.keda.sh/paused-replicas"]
            .iter()
            .find(|k| annotations.and_then(|a| a.get(**k)).is_some_and(|v| v != "false"));
        let paused_condition = condition(scaled, "Paused").filter(|c| str_at(c, "/status") == Some("True"));
        if paused_annotation.is_some() || paused_condition.is_some() {
            let mut evidence = Vec::new();
            if let Some(key) = paused_annotation {
                evidence
                    .push(format!("annotation {key}={}", annotations.and_then(|a| a[*key].as_str()).unwrap_or("?")));
            }
            if let Some(c) = paused_condition {
                evidence.push(condition_line(c));
            }
            out.push(
                ctx.finding(
                    "keda.scaledobject-paused",
                    scaled,
                    evidence,
                    format!("scaling of {target} is paused: it keeps its replica count whatever the load"),
                    "remove the paused annotation when the pause is over (kubectl annotate scaledobject ... \
                 autoscaling.keda.sh/paused-)"
                        .to_string(),
                ),
            );
            continue;
        }
        if let Some(ready) = condition(scaled, "Ready").filter(|c| str_at(c, "/status") == Some("False")) {
            let message = str_at(ready, "/message").unwrap_or("");
            let fix = if message.contains("prometheus") || message.contains("Prometheus") {
                "the trigger's Prometheus query fails: check serverAddress and the query (a missing series returns \
                 nothing to scale on)"
            } else if message.contains("scaleTarget") || message.contains("not found") {
                "the target workload does not exist or has no scale subresource: fix scaleTargetRef"
            } else {
                "read the condition and the keda-operator log"
            };
            out.push(ctx.finding(
                "keda.scaledobject-not-ready",
                scaled,
                vec![condition_line(ready)],
                format!("KEDA does not scale {target}: {message}"),
                fix.to_string(),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// traffic: load balancers, webhooks, certificates

fn traffic(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for service in ctx.of_kind("Service") {
        if str_at(service, "/spec/type") != Some("LoadBalancer") {
            continue;
        }
        let has_address =
            service.pointer("/status/loadBalancer/ingress").and_then(Value::as_array).is_some_and(|i| !i.is_empty());
        if has_address || !ctx.past_grace(str_at(service, "/metadata/creationTimestamp")) {
            continue;
        }
        let mut evidence = vec![format!(
            "no status.loadBalancer.ingress {} s after creation",
            ctx.age(str_at(service, "/metadata/creationTimestamp")).unwrap_or(0)
        )];
        if let Some(class) = str_at(service, "/spec/loadBalancerClass") {
            evidence.push(format!("loadBalancerClass {class}"));
        }
        let events = ctx.events_of(service);
        let (cause, fix) = if events.is_empty() {
            (
                "no controller has acted on the Service: the AWS Load Balancer Controller is not running or does not \
                 watch its class"
                    .to_string(),
                "check the controller (kubectl -n kube-system get deploy aws-load-balancer-controller) and the \
                 Service's loadBalancerClass"
                    .to_string(),
            )
        } else {
            (
                "the load balancer controller tried and failed (its events are above)".to_string(),
                "fix what the events name: subnets tagged kubernetes.io/role/elb, the controller's IAM, the \
                 annotations"
                    .to_string(),
            )
        };
        evidence.extend(events);
        out.push(ctx.finding("traffic.load-balancer-no-address", service, evidence, cause, fix));
    }
    for config in ctx.snapshot.objects.iter().filter(|o| {
        matches!(str_at(o, "/kind"), Some("MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration"))
    }) {
        let mut reported = Vec::new();
        for webhook in config.pointer("/webhooks").and_then(Value::as_array).into_iter().flatten() {
            let Some(service) = webhook.pointer("/clientConfig/service") else { continue };
            let (Some(ns), Some(name)) = (str_at(service, "/namespace"), str_at(service, "/name")) else { continue };
            if reported.contains(&(ns, name)) {
                continue;
            }
            let ready = ctx.find("Endpoints", ns, name).is_some_and(|e| {
                e.pointer("/subsets")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|s| s.pointer("/addresses").and_then(Value::as_array).is_some_and(|a| !a.is_empty()))
            });
            if ready {
                continue;
            }
            reported.push((ns, name));
            let exists = ctx.find("Service", ns, name).is_some();
            let policy = str_at(webhook, "/failurePolicy").unwrap_or("Fail");
            out.push(ctx.finding(
                "traffic.webhook-no-endpoints",
                config,
                vec![
                    format!(
                        "webhook {} calls Service {ns}/{name}{}",
                        str_at(webhook, "/name").unwrap_or("?"),
                        if exists { ", which has no ready endpoint" } else { ", which does not exist" }
                    ),
                    format!("failurePolicy {policy}"),
                ],
                if policy == "Ignore" {
                    "the webhook is skipped while its Service is down: what it should change or check goes unchanged"
                        .to_string()
                } else {
                    "the API server refuses every object this webhook guards until its Service has a ready pod".to_string()
                },
                format!("get the webhook's pods running (kubectl -n {ns} get pods), or remove the configuration of an uninstalled addon"),
            ));
        }
    }
    for certificate in ctx.of_kind("Certificate") {
        let Some(ready) = condition(certificate, "Ready") else { continue };
        if str_at(ready, "/status") == Some("True") || !ctx.past_grace(str_at(ready, "/lastTransitionTime")) {
            continue;
        }
        let issuer = format!(
            "{} {}",
            str_at(certificate, "/spec/issuerRef/kind").unwrap_or("Issuer"),
            str_at(certificate, "/spec/issuerRef/name").unwrap_or("?")
        );
        let mut evidence = vec![condition_line(ready), format!("issuer {issuer}")];
        evidence.extend(ctx.events_of(certificate));
        out.push(ctx.finding(
            "traffic.certificate-not-ready",
            certificate,
            evidence,
            format!(
                "cert-manager has not issued Secret {}: what mounts it cannot start",
                str_at(certificate, "/spec/secretName").unwrap_or("?")
            ),
            format!(
                "check {issuer} is Ready and cert-manager's log; kubectl describe certificaterequest in the namespace"
            ),
        ));
    }
}

mod cloud;
mod logs;
mod probes;
#[cfg(test)]
mod tests;

pub use cloud::allowed;
pub use logs::LOG_SIGNATURES;
pub use probes::metric_names;
