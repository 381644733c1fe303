//! The base platform: what a fresh EKS cluster lacks and every addon assumes, installed by the
//! core before any addon (the reference's base infrastructure, `infra/terraform` of
//! data-on-eks).
//!
//! - **`core/storage`**: the StorageClass `gp3`, the cluster's default. A new EKS cluster (1.30
//!   and later) has no default StorageClass, so every claim that names none (and every claim
//!   that names `gp3`) would stay Pending. Provisioner `ebs.csi.aws.com` (the EBS CSI driver the
//!   cloud layer installs as a managed add-on), encrypted gp3 volumes formatted xfs,
//!   `WaitForFirstConsumer` (the volume is made in the zone of the pod's node), expansion
//!   allowed, and the platform's tags on every volume, so `down`'s sweep finds a volume a
//!   claim left behind. Every release waits for it. It is created when absent and never
//!   updated (a StorageClass's parameters are immutable; a cluster `apply` did not create may
//!   have its own `gp3`, which is then left as it is).
//!
//! - **`core/aws-load-balancer-controller`**: the AWS Load Balancer Controller, installed when
//!   any addon needs it (a Service that asks for it by `aws-load-balancer-type: external`,
//!   `nlb-ip` or its `loadBalancerClass`, an Ingress or IngressClass of class `alb`, found in the
//!   addons' declared objects and chart values: [`needs_load_balancer_controller`]). EKS's legacy
//!   provider serves neither, so without it such a Service never gets an address. The upstream
//!   chart from `https://aws.github.io/eks-charts` on the core nodes, two replicas, its service
//!   account `kube-system/aws-load-balancer-controller` associated by EKS Pod Identity with the
//!   role the cloud layer makes from the controller's published policy. It finds the VPC by the
//!   platform's tags (the instance metadata service is not reachable from pods: hop limit 1),
//!   and its Service mutator webhook is off: with it on, every Service create in the cluster
//!   fails while the controller is not ready. The releases that need it wait for it; `down`
//!   deletes load balancers before releases, so before the controller.
//!
//! - **the platform data bucket** (`core/data`, [`data_bucket_name`]): owned by the core and
//!   always planned, as the reference's base has its data bucket. It holds data (kept by `down
//!   --keep-data`, never removed by disabling an addon) and is the warehouse of the platform's
//!   Glue databases; addons are granted it by reference (see `compose::resolve_references`).
//!
//! Also here: the names the cloud layer gives the core node group and the EKS managed add-ons,
//! which the readiness analysis needs to know what runs where.

use serde_json::{Value, json};

use crate::plan::{AddonEntry, BucketPlan, PlatformSummary, ReleasePlan};

/// The plan entry of the base platform.
pub const CORE: &str = "core";
/// The release of the default StorageClass, which every other release waits for.
pub const STORAGE_RELEASE: &str = "core/storage";
/// The default StorageClass.
pub const DEFAULT_STORAGE_CLASS: &str = "gp3";
/// The CSI driver of the default StorageClass.
pub const EBS_CSI_PROVISIONER: &str = "ebs.csi.aws.com";

/// The EKS managed add-ons the cloud layer installs, the core managed node group and its labels,
/// the load balancer controller's identity: the shared vocabulary.
pub use dataplat_vocabulary::{
    CORE_NODE_GROUP, CORE_NODE_LABELS, EKS_MANAGED_ADDONS, LOAD_BALANCER_CONTROLLER_NAMESPACE,
    LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
};

/// The default StorageClass of a platform.
pub fn storage_class(platform: &PlatformSummary) -> Value {
    json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": DEFAULT_STORAGE_CLASS,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            "labels": {"app.kubernetes.io/managed-by": dataplat_vocabulary::TOOL},
        },
        "provisioner": EBS_CSI_PROVISIONER,
        "parameters": {
            "type": "gp3",
            "encrypted": "true",
            "csi.storage.k8s.io/fstype": "xfs",
            "tagSpecification_1": format!("dataplat.io/platform={}", platform.name),
            "tagSpecification_2": format!("dataplat.io/deployment-id={}", platform.deployment_id),
        },
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": true,
    })
}

/// The AWS Load Balancer Controller's release, its chart and its service account.
pub const LOAD_BALANCER_CONTROLLER_RELEASE: &str = "core/aws-load-balancer-controller";
pub const LOAD_BALANCER_CONTROLLER_CHART_REPOSITORY: &str = "https://aws.github.io/eks-charts";
pub const LOAD_BALANCER_CONTROLLER_CHART: &str = "aws-load-balancer-controller";
pub const LOAD_BALANCER_CONTROLLER_CHART_VERSION: &str = "3.5.0";

/// What in an object or chart values asks for the AWS Load Balancer Controller.
const LOAD_BALANCER_CONTROLLER_MARKERS: &[&str] = &[
    r#""service.beta.kubernetes.io/aws-load-balancer-type":"external""#,
    r#""service.beta.kubernetes.io/aws-load-balancer-type":"nlb-ip""#,
    r#""loadBalancerClass":"service.k8s.aws/nlb""#,
    r#""ingressClassName":"alb""#,
    r#""controller":"ingress.k8s.aws/alb""#,
];

/// Whether a release needs the AWS Load Balancer Controller: one of its declared objects, or its
/// chart's values, asks for it.
pub fn needs_load_balancer_controller(release: &ReleasePlan) -> bool {
    let texts = release.objects.iter().map(|o| o.to_string()).chain(release.chart.iter().map(|c| c.values.to_string()));
    texts.into_iter().any(|text| LOAD_BALANCER_CONTROLLER_MARKERS.iter().any(|m| text.contains(m)))
}

/// The controller's chart values.
pub fn load_balancer_controller_values(platform: &PlatformSummary) -> Value {
    json!({
        "clusterName": platform.name,
        "region": platform.region,
        // The VPC by its tags (every resource of the platform carries both).
        "vpcTags": {
            dataplat_vocabulary::PLATFORM_TAG: platform.name,
            dataplat_vocabulary::DEPLOYMENT_ID_TAG: platform.deployment_id,
        },
        "replicaCount": 2,
        "serviceAccount": {"create": true, "name": LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT},
        "nodeSelector": {crate::karpenter::CORE_POOL_LABEL.0: crate::karpenter::CORE_POOL_LABEL.1},
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
        "enableServiceMutatorWebhook": false,
    })
}

/// The controller's release.
pub fn load_balancer_controller_release(platform: &PlatformSummary) -> ReleasePlan {
    ReleasePlan {
        id: LOAD_BALANCER_CONTROLLER_RELEASE.to_owned(),
        name: LOAD_BALANCER_CONTROLLER_CHART.to_owned(),
        namespace: LOAD_BALANCER_CONTROLLER_NAMESPACE.to_owned(),
        chart: Some(crate::plan::ChartPlan {
            repository: LOAD_BALANCER_CONTROLLER_CHART_REPOSITORY.to_owned(),
            chart: LOAD_BALANCER_CONTROLLER_CHART.to_owned(),
            version: LOAD_BALANCER_CONTROLLER_CHART_VERSION.to_owned(),
            values: load_balancer_controller_values(platform),
        }),
        objects: Vec::new(),
        health_checks: vec![crate::model::HealthCheck {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some(LOAD_BALANCER_CONTROLLER_NAMESPACE.into()),
            name: LOAD_BALANCER_CONTROLLER_CHART.into(),
            json_path: None,
            expected: None,
            timeout_seconds: 300,
        }],
        depends_on: vec![STORAGE_RELEASE.to_owned()],
    }
}

/// Whether a plan installs the AWS Load Balancer Controller.
pub fn has_load_balancer_controller(plan: &crate::Plan) -> bool {
    plan.addons.iter().flat_map(|a| &a.releases).any(|r| r.id == LOAD_BALANCER_CONTROLLER_RELEASE)
}

/// The base entry of a plan.
pub fn core_entry(platform: &PlatformSummary) -> AddonEntry {
    let storage = ReleasePlan {
        id: STORAGE_RELEASE.to_owned(),
        name: "storage".to_owned(),
        namespace: "kube-system".to_owned(),
        chart: None,
        objects: vec![storage_class(platform)],
        health_checks: Vec::new(),
        depends_on: Vec::new(),
    };
    let note = crate::model::Note {
        topic: "storage".into(),
        text: format!(
            "StorageClass {DEFAULT_STORAGE_CLASS} is the default (EBS gp3, encrypted, xfs, WaitForFirstConsumer, \
             expandable; volumes tagged with the deployment id); every release waits for it"
        ),
    };
    let data = crate::model::Note {
        topic: "data-bucket".into(),
        text: format!(
            "bucket {} is the platform's data bucket (`{PLATFORM_DATA_BUCKET}`): the warehouse of the Glue databases \
             named {}*, which addons are granted by reference; it holds data, so disabling an addon never removes it \
             and `down --keep-data` keeps it",
            data_bucket_name(platform),
            dataplat_vocabulary::glue_database_prefix(&platform.name)
        ),
    };
    let mut entry = AddonEntry::of_core(CORE, env!("CARGO_PKG_VERSION"), vec![storage], vec![note, data]);
    entry.buckets.push(BucketPlan {
        id: DATA_BUCKET_ID.to_owned(),
        name: data_bucket_name(platform),
        purpose: "Platform data: the Glue warehouse, Spark event logs, team data".to_owned(),
        versioning: false,
        lifecycle_rules: Vec::new(),
        holds_data: true,
    });
    entry
}

/// The logical id of the platform's data bucket in the core entry.
pub const DATA_BUCKET_ID: &str = "data";

/// The platform data bucket's reference in grants and placeholders (`core/data`).
pub use dataplat_vocabulary::PLATFORM_DATA_BUCKET;

/// The S3 name of the platform's data bucket.
pub fn data_bucket_name(platform: &PlatformSummary) -> String {
    crate::plan::bucket_name(&platform.name, CORE, DATA_BUCKET_ID, &platform.deployment_id)
}
