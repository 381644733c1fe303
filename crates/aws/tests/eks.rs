//! `eks::converge` and `eks::delete` against moto through the shared proxy
//! (`dataplat_testkit::aws`, which answers the EKS calls moto lacks): drift is converged with
//! exactly the update calls it needs, and nothing else.
//!
//! Skips with a message when `DATAPLAT_MOTO_SERVER` is unset, unless `DATAPLAT_IT=1`.

use std::collections::BTreeMap;
use std::time::Duration;

use dataplat_aws::eks::{
    self, AccessEntryKind, AccessEntrySpec, Action, AddonSpec, ClusterSpec, EksEvent, EksSpec, NodegroupSpec,
    PodIdentitySpec, ResourceKind,
};
use dataplat_aws::stacks::{Polling, SdkConfigBuilder};
use dataplat_testkit::Moto;
use dataplat_testkit::aws::{AwsProxy, EKS_WRITES};

const ROLE: &str = "arn:aws:iam::123456789012:role/";

fn spec(name: &str) -> EksSpec {
    let tags: BTreeMap<String, String> =
        [("dataplat.io/deployment-id".to_owned(), format!("id-{name}"))].into_iter().collect();
    EksSpec {
        cluster: ClusterSpec {
            name: name.into(),
            version: "1.33".into(),
            role_arn: format!("{ROLE}{name}-cluster"),
            subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            security_group_ids: vec!["sg-1".into()],
            endpoint_public_access: true,
            endpoint_private_access: true,
            public_access_cidrs: Vec::new(),
            log_types: vec!["api".into(), "audit".into()],
            secrets_key_arn: None,
            tags: tags.clone(),
        },
        nodegroups: vec![NodegroupSpec {
            name: "core".into(),
            node_role_arn: format!("{ROLE}{name}-core"),
            subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            instance_types: vec!["m6a.xlarge".into()],
            ami_type: "AL2023_x86_64_STANDARD".into(),
            capacity_type: "ON_DEMAND".into(),
            disk_size: 100,
            min_size: 2,
            max_size: 4,
            desired_size: 2,
            labels: [("NodeGroupType".to_owned(), "core".to_owned())].into_iter().collect(),
            taints: Vec::new(),
            tags: tags.clone(),
        }],
        addons: vec![
            AddonSpec {
                name: "vpc-cni".into(),
                version: None,
                configuration: Some(serde_json::json!({"env": {"ENABLE_PREFIX_DELEGATION": "true"}})),
                pod_identity: None,
                before_compute: true,
                tags: tags.clone(),
            },
            AddonSpec {
                name: "coredns".into(),
                version: None,
                configuration: None,
                pod_identity: None,
                before_compute: false,
                tags: tags.clone(),
            },
        ],
        access_entries: vec![AccessEntrySpec {
            principal_arn: format!("{ROLE}{name}-karpenter-node"),
            kind: AccessEntryKind::Ec2Linux,
            policies: Vec::new(),
        }],
        pod_identities: vec![
            PodIdentitySpec {
                namespace: "karpenter".into(),
                service_account: "karpenter".into(),
                role_arn: format!("{ROLE}{name}-karpenter"),
            },
            PodIdentitySpec {
                namespace: "trino".into(),
                service_account: "trino".into(),
                role_arn: format!("{ROLE}{name}-trino"),
            },
        ],
        owner_tag: ("dataplat.io/deployment-id".into(), format!("id-{name}")),
        tags,
    }
}

struct Env {
    _moto: std::sync::Arc<Moto>,
    proxy: AwsProxy,
    eks: aws_sdk_eks::Client,
}

fn env() -> Option<Env> {
    let moto = Moto::shared()?;
    let proxy = AwsProxy::start(&moto.endpoint);
    let config = block_on(
        SdkConfigBuilder::new()
            .region("us-west-2")
            .endpoint_url(&proxy.endpoint)
            .static_credentials("testing", "testing")
            .no_retries()
            .load(),
    );
    let eks = dataplat_aws::clients::Clients::new(&config, polling()).eks;
    Some(Env { _moto: moto, proxy, eks })
}

fn polling() -> Polling {
    Polling { interval: Duration::from_millis(20), timeout: Duration::from_secs(30) }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn converge(env: &Env, spec: &EksSpec) -> (eks::EksReport, Vec<EksEvent>) {
    let mut events = Vec::new();
    let report = block_on(eks::converge(&env.eks, spec, polling(), &mut |e| events.push(e.clone()))).unwrap();
    (report, events)
}

fn writes(env: &Env) -> Vec<String> {
    env.proxy.operations("eks").into_iter().filter(|o| EKS_WRITES.contains(&o.as_str())).collect()
}

#[test]
fn drift_is_converged_with_exactly_the_calls_it_needs() {
    let Some(env) = env() else { return };
    let name = dataplat_testkit::unique_name("eks");
    let mut want = spec(&name);
    // Add-ons stay CREATING for one describe, so the waits show.
    env.proxy.set_settle_polls(2);

    let (report, events) = converge(&env, &want);
    assert_eq!(report.cluster.status, "ACTIVE");
    assert!(report.changes.iter().any(|c| c.kind == ResourceKind::Cluster && c.action == Action::Created));
    assert!(
        events.iter().any(|e| matches!(e, EksEvent::Waiting { kind: ResourceKind::Addon, .. })),
        "add-ons are waited for with progress: {events:?}"
    );
    let first = writes(&env);
    assert_eq!(first.iter().filter(|o| *o == "CreateAddon").count(), 2, "{first:?}");
    assert_eq!(first.iter().filter(|o| *o == "CreatePodIdentityAssociation").count(), 2, "{first:?}");

    // Unchanged: reads only.
    env.proxy.clear();
    let (report, _) = converge(&env, &want);
    assert!(report.changes.is_empty(), "{:?}", report.changes);
    assert!(writes(&env).is_empty(), "{:?}", writes(&env));

    // Drift: logs, node group size and labels, add-on configuration, one association's role,
    // one association no longer wanted, a new tag, and a minor version up.
    want.cluster.log_types = vec!["api".into()];
    want.cluster.public_access_cidrs = vec!["203.0.113.0/24".into()];
    want.cluster.version = "1.34".into();
    want.cluster.tags.insert("team".into(), "data".into());
    want.nodegroups[0].max_size = 6;
    want.nodegroups[0].labels.insert("WorkerType".into(), "ON_DEMAND".into());
    want.addons[0].configuration = Some(serde_json::json!({"env": {"ENABLE_PREFIX_DELEGATION": "false"}}));
    want.pod_identities[0].role_arn = format!("{ROLE}{name}-karpenter-2");
    want.pod_identities.pop();
    env.proxy.clear();
    let (report, _) = converge(&env, &want);
    let mut done = writes(&env);
    done.sort();
    assert_eq!(
        done,
        [
            "DeletePodIdentityAssociation",
            "TagResource",
            "UpdateAddon",
            "UpdateClusterConfig",
            "UpdateClusterConfig",
            "UpdateClusterVersion",
            "UpdateNodegroupConfig",
            "UpdatePodIdentityAssociation",
        ],
        "{:?}",
        report.changes
    );
    assert_eq!(report.cluster.version, "1.34");
    let ng = block_on(env.eks.describe_nodegroup().cluster_name(&name).nodegroup_name("core").send()).unwrap();
    let ng = ng.nodegroup.unwrap();
    assert_eq!(ng.scaling_config().unwrap().max_size(), Some(6));
    assert_eq!(ng.labels().unwrap().get("WorkerType").map(String::as_str), Some("ON_DEMAND"));

    // And converged: the next run writes nothing, and the endpoint update kept the subnets.
    env.proxy.clear();
    let (report, _) = converge(&env, &want);
    assert!(report.changes.is_empty() && writes(&env).is_empty(), "{:?} {:?}", report.changes, writes(&env));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let cluster = block_on(eks::describe_cluster(&env.eks, &name)).unwrap().unwrap();
    let vpc = cluster.resources_vpc_config().unwrap();
    assert_eq!(vpc.subnet_ids(), ["subnet-a", "subnet-b"]);
    assert_eq!(vpc.public_access_cidrs(), ["203.0.113.0/24"]);

    // A downgrade is a warning, never a call.
    want.cluster.version = "1.33".into();
    env.proxy.clear();
    let (report, _) = converge(&env, &want);
    assert!(report.warnings.iter().any(|w| w.contains("cannot downgrade")), "{:?}", report.warnings);
    assert!(writes(&env).is_empty(), "{:?}", writes(&env));

    // Delete: node group, add-ons, cluster; then gone, and a second delete is a no-op.
    let deleted = block_on(eks::delete(&env.eks, &name, polling(), &mut |_| {})).unwrap();
    let kinds: Vec<ResourceKind> = deleted.iter().map(|c| c.kind).collect();
    assert_eq!(kinds.first(), Some(&ResourceKind::Nodegroup), "{deleted:?}");
    assert_eq!(kinds.last(), Some(&ResourceKind::Cluster), "{deleted:?}");
    assert!(block_on(eks::cluster_info_of(&env.eks, &name)).unwrap().is_none());
    assert!(block_on(eks::delete(&env.eks, &name, polling(), &mut |_| {})).unwrap().is_empty());
}

#[test]
fn invalid_specs_are_refused_before_any_call() {
    let Some(env) = env() else { return };
    let mut bad = spec(&dataplat_testkit::unique_name("eks"));
    bad.cluster.version = "latest".into();
    let err = block_on(eks::converge(&env.eks, &bad, polling(), &mut |_| {})).unwrap_err();
    assert!(err.to_string().contains("kubernetes_version"), "{err}");
    let mut bad = spec(&dataplat_testkit::unique_name("eks"));
    bad.nodegroups[0].desired_size = 9;
    let err = block_on(eks::converge(&env.eks, &bad, polling(), &mut |_| {})).unwrap_err();
    assert!(err.to_string().contains("min <= desired <= max"), "{err}");
    assert!(env.proxy.requests().is_empty(), "{:?}", env.proxy.requests());
}

fn summary(changes: &[eks::Change]) -> Vec<(ResourceKind, String, Action, Option<String>)> {
    changes.iter().map(|c| (c.kind, c.name.clone(), c.action, c.detail.clone())).collect()
}

#[test]
fn plan_finds_exactly_what_converge_then_does_and_writes_nothing() {
    let Some(env) = env() else { return };
    let name = dataplat_testkit::unique_name("eks");
    let mut want = spec(&name);

    // No cluster: everything is new, found with one read.
    let planned = block_on(eks::plan(&env.eks, &want)).unwrap();
    assert!(planned.cluster.is_none());
    assert_eq!(env.proxy.operations("eks"), ["DescribeCluster"]);
    let (report, _) = converge(&env, &want);
    assert_eq!(summary(&planned.changes), summary(&report.changes), "plan and converge disagree on a new cluster");

    // Converged: nothing to do, and only reads went out.
    env.proxy.clear();
    let planned = block_on(eks::plan(&env.eks, &want)).unwrap();
    assert!(planned.changes.is_empty(), "{:?}", planned.changes);
    assert_eq!(planned.cluster.as_ref().map(|c| c.status.as_str()), Some("ACTIVE"));
    assert!(writes(&env).is_empty(), "{:?}", writes(&env));

    // Drift of every kind converge handles: the plan names each change, sends none of them, and
    // converge then does exactly those.
    want.cluster.log_types = vec!["api".into()];
    want.cluster.version = "1.34".into();
    want.cluster.tags.insert("team".into(), "data".into());
    want.nodegroups[0].max_size = 6;
    want.addons[1].configuration = Some(serde_json::json!({"replicaCount": 3}));
    want.pod_identities[1].role_arn = format!("{ROLE}{name}-trino-2");
    want.pod_identities.push(PodIdentitySpec {
        namespace: "spark".into(),
        service_account: "spark".into(),
        role_arn: format!("{ROLE}{name}-spark"),
    });
    want.access_entries.push(AccessEntrySpec {
        principal_arn: format!("{ROLE}{name}-admin"),
        kind: AccessEntryKind::Standard,
        policies: vec![eks::CLUSTER_ADMIN_POLICY.into()],
    });
    env.proxy.clear();
    let planned = block_on(eks::plan(&env.eks, &want)).unwrap();
    assert!(writes(&env).is_empty(), "plan wrote: {:?}", writes(&env));
    assert!(!env.proxy.operations("eks").iter().any(|o| o == "AssociateAccessPolicy"));
    assert_eq!(planned.cluster.as_ref().map(|c| c.version.as_str()), Some("1.33"), "the plan changed nothing");
    let kinds: Vec<ResourceKind> = planned.changes.iter().map(|c| c.kind).collect();
    for kind in [
        ResourceKind::Cluster,
        ResourceKind::Nodegroup,
        ResourceKind::Addon,
        ResourceKind::AccessEntry,
        ResourceKind::AccessPolicy,
        ResourceKind::PodIdentity,
    ] {
        assert!(kinds.contains(&kind), "no {kind} change planned: {:?}", planned.changes);
    }
    let (report, _) = converge(&env, &want);
    assert_eq!(summary(&planned.changes), summary(&report.changes), "plan and converge disagree on drift");

    // A cluster being deleted is planned as a new one.
    let deleted = block_on(eks::delete(&env.eks, &name, polling(), &mut |_| {})).unwrap();
    assert!(!deleted.is_empty());
    let planned = block_on(eks::plan(&env.eks, &want)).unwrap();
    assert!(planned.cluster.is_none());
    assert_eq!(planned.changes.first().map(|c| (c.kind, c.action)), Some((ResourceKind::Cluster, Action::Created)));
}

const KEY: &str = "arn:aws:kms:us-west-2:123456789012:key/1111aaaa-22bb-33cc-44dd-555555eeeeee";

#[test]
fn secrets_encryption_is_added_to_a_running_cluster_once_and_never_changed() {
    let Some(env) = env() else { return };
    let encrypted = |name: &str| {
        let cluster = block_on(eks::describe_cluster(&env.eks, name)).unwrap().unwrap();
        cluster.encryption_config().iter().find_map(|e| e.provider().and_then(|p| p.key_arn())).map(str::to_owned)
    };

    // Created with a key: encrypted from the start, and a second run writes nothing.
    let name = dataplat_testkit::unique_name("eks");
    let mut want = spec(&name);
    want.cluster.secrets_key_arn = Some(KEY.into());
    converge(&env, &want);
    assert_eq!(encrypted(&name).as_deref(), Some(KEY));
    env.proxy.clear();
    let (report, _) = converge(&env, &want);
    assert!(report.changes.is_empty() && writes(&env).is_empty(), "{:?} {:?}", report.changes, writes(&env));
    assert_eq!(env.proxy.count("AssociateEncryptionConfig"), 0);

    // Added later: planned, then associated once; then converged.
    let name = dataplat_testkit::unique_name("eks");
    let mut want = spec(&name);
    converge(&env, &want);
    assert_eq!(encrypted(&name), None);
    want.cluster.secrets_key_arn = Some(KEY.into());
    env.proxy.clear();
    let planned = block_on(eks::plan(&env.eks, &want)).unwrap();
    assert_eq!(env.proxy.count("AssociateEncryptionConfig"), 0, "plan sends nothing");
    assert!(
        planned
            .changes
            .iter()
            .any(|c| c.kind == ResourceKind::Cluster && c.detail.as_deref().is_some_and(|d| d.contains(KEY))),
        "{:?}",
        planned.changes
    );
    let (report, _) = converge(&env, &want);
    assert_eq!(summary(&planned.changes), summary(&report.changes));
    assert_eq!(env.proxy.count("AssociateEncryptionConfig"), 1);
    assert_eq!(encrypted(&name).as_deref(), Some(KEY));
    env.proxy.clear();
    let (report, _) = converge(&env, &want);
    assert!(report.changes.is_empty() && env.proxy.count("AssociateEncryptionConfig") == 0, "{:?}", report.changes);

    // Another key, or none: EKS cannot do either; warnings, no calls.
    want.cluster.secrets_key_arn = Some(KEY.replace("1111aaaa", "9999ffff"));
    env.proxy.clear();
    let (report, _) = converge(&env, &want);
    assert!(report.warnings.iter().any(|w| w.contains("cannot change the key")), "{:?}", report.warnings);
    want.cluster.secrets_key_arn = None;
    let (report, _) = converge(&env, &want);
    assert!(report.warnings.iter().any(|w| w.contains("cannot remove")), "{:?}", report.warnings);
    assert!(writes(&env).is_empty() && env.proxy.count("AssociateEncryptionConfig") == 0, "{:?}", writes(&env));
}
