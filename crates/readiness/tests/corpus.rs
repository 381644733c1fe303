//! The failure corpus: each file of `tests/corpus/` is one real failure class (or a case that
//! must stay quiet), written as the objects a platform would render plus what the cloud layer
//! provides, with the rule ids the analysis must report (`expect`), no more, no fewer.
//!
//! Every case starts from the base a platform of ours has: the core managed node group
//! (m6a.xlarge, labels `dataplat.io/pool=core`, `NodeGroupType=core`, `WorkerType=ON_DEMAND`),
//! the default StorageClass `gp3` in release `core/storage` (`base_storage: false` drops it), the
//! EKS managed add-ons (`managed_addons:` replaces them), every release waiting for
//! `core/storage`. `node_pools:` adds named Karpenter NodePools from [`node_pool`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use dataplat_readiness::{Inventory, NodeSource, PlannedObject, PodIdentityRef, ReleaseInfo, Waiver, analyze};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    expect: Vec<String>,
    objects: Vec<CaseObject>,
    #[serde(default)]
    releases: BTreeMap<String, Vec<String>>,
    #[serde(default = "yes")]
    base_storage: bool,
    managed_addons: Option<Vec<String>>,
    #[serde(default)]
    node_pools: Vec<String>,
    #[serde(default)]
    pod_identities: Vec<Identity>,
    #[serde(default)]
    buckets: Vec<String>,
    #[serde(default)]
    waivers: Vec<CaseWaiver>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseObject {
    release: String,
    object: Value,
    #[serde(default)]
    hook: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Identity {
    namespace: String,
    service_account: String,
    owner: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseWaiver {
    rule: String,
    object: String,
    reason: String,
}

/// The NodePools cases may name.
fn node_pool(name: &str) -> Value {
    let (requirements, taints) = match name {
        "workers" => (
            json!([{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m7i"]},
                   {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]),
            json!([{"key": "dataplat.io/workers", "value": "true", "effect": "NoSchedule"}]),
        ),
        "graviton" => {
            (json!([{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["r8g"]}]), json!([]))
        }
        "any-arch" => {
            (json!([{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]), json!([]))
        }
        other => panic!("no node pool {other} in the corpus harness"),
    };
    json!({
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": name},
        "spec": {"template": {"spec": {
            "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": name},
            "requirements": requirements,
            "taints": taints,
        }}},
    })
}

fn inventory_of(case: &Case) -> Inventory {
    let mut inventory = Inventory::default();
    let planned = |release: &str, value: Value, hook: bool| PlannedObject {
        release: release.into(),
        release_namespace: "default".into(),
        value,
        hook,
    };
    if case.base_storage {
        inventory.objects.push(planned(
            "core/storage",
            json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                   "metadata": {"name": "gp3", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                   "provisioner": "ebs.csi.aws.com", "volumeBindingMode": "WaitForFirstConsumer"}),
            false,
        ));
    }
    for object in &case.objects {
        inventory.objects.push(planned(&object.release, object.object.clone(), object.hook));
    }
    if !case.node_pools.is_empty() {
        inventory.objects.push(planned(
            "karpenter/karpenter",
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                   "metadata": {"name": "nodepools.karpenter.sh"},
                   "spec": {"group": "karpenter.sh", "scope": "Cluster", "names": {"kind": "NodePool", "plural": "nodepools"},
                            "versions": [{"name": "v1", "served": true, "storage": true}]}}),
            false,
        ));
    }
    for pool in &case.node_pools {
        inventory.objects.push(planned("karpenter/node-pools", node_pool(pool), false));
    }
    let ids: BTreeSet<String> = inventory.objects.iter().map(|o| o.release.clone()).collect();
    for id in ids {
        let mut depends_on = case.releases.get(&id).cloned().unwrap_or_default();
        if id == "karpenter/node-pools" {
            depends_on.push("karpenter/karpenter".into());
        }
        if id != "core/storage" {
            depends_on.push("core/storage".into());
        }
        inventory.releases.push(ReleaseInfo { id, depends_on });
    }
    inventory.node_sources.push(NodeSource::managed_node_group(
        "core",
        &[("dataplat.io/pool", "core"), ("NodeGroupType", "core"), ("WorkerType", "ON_DEMAND")],
        &["m6a.xlarge".to_string()],
        "ON_DEMAND",
    ));
    inventory.node_sources.extend(
        inventory
            .objects
            .iter()
            .filter(|o| o.value["kind"] == "NodePool")
            .filter_map(|o| NodeSource::from_node_pool(&o.value)),
    );
    inventory.managed_addons = case.managed_addons.clone().unwrap_or_else(|| {
        ["vpc-cni", "eks-pod-identity-agent", "kube-proxy", "coredns", "aws-ebs-csi-driver"].map(String::from).to_vec()
    });
    inventory.pod_identities = case
        .pod_identities
        .iter()
        .map(|i| PodIdentityRef {
            namespace: i.namespace.clone(),
            service_account: i.service_account.clone(),
            owner: i.owner.clone(),
        })
        .collect();
    inventory.buckets = case.buckets.clone();
    inventory.waivers = case
        .waivers
        .iter()
        .map(|w| Waiver { rule: w.rule.clone(), object: w.object.clone(), reason: w.reason.clone() })
        .collect();
    inventory
}

#[test]
fn every_failure_class_is_reported_with_its_rule_and_nothing_else() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("corpus").map(|e| e.expect("entry").path()).collect();
    files.sort();
    let mut failures = Vec::new();
    let mut failure_classes = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let case: Case = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let report = analyze(&inventory_of(&case));
        let got: BTreeSet<&str> = report.findings.iter().filter(|f| f.waived.is_none()).map(|f| f.rule).collect();
        let want: BTreeSet<&str> = case.expect.iter().map(String::as_str).collect();
        if got != want {
            failures.push(format!("{}: expected {want:?}, got {:#?}", file.display(), report.findings));
        }
        for finding in &report.findings {
            assert!(!finding.message.is_empty() && !finding.hint.is_empty(), "{}: {finding:?}", file.display());
            assert!(!finding.object.is_empty() && !finding.release.is_empty(), "{}: {finding:?}", file.display());
        }
        if !case.waivers.is_empty() {
            assert!(report.unused_waivers.is_empty(), "{}: the waiver matched its finding", file.display());
            assert!(report.findings.iter().any(|f| f.waived.is_some()), "{}", file.display());
        }
        failure_classes.extend(want.iter().map(|r| r.to_string()));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(files.len() >= 25, "the corpus has {} cases", files.len());
    // Every rule is exercised by some case.
    let untested: Vec<&str> =
        dataplat_readiness::RULES.iter().map(|(id, _, _)| *id).filter(|id| !failure_classes.contains(*id)).collect();
    assert!(untested.is_empty(), "rules without a case: {untested:?}");
}
