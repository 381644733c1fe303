//! The IAM stack: every role the platform needs, named so other steps can refer to them.
//!
//! - **Cluster role** `<platform>-cluster`: assumed by EKS (`eks.amazonaws.com`),
//!   `AmazonEKSClusterPolicy`.
//! - **Core node role** `<platform>-core-node`: the managed node group `core`
//!   (`ec2.amazonaws.com`): worker node, CNI, ECR pull-only and SSM core policies.
//! - **Karpenter node role** `<platform>-karpenter-node` ([`dataplat_vocabulary::karpenter_node_role_name`],
//!   the name every EC2NodeClass already carries; immutable there): the same policies. The EKS step
//!   gives it an `EC2_LINUX` access entry; Karpenter creates the instance profiles itself.
//! - **Karpenter controller** `<platform>-karpenter-controller`: a pod-identity role (service
//!   account `karpenter/karpenter`) with the controller policy as an inline `AWS::IAM::Policy`
//!   (managed policies stop at 6,144 characters). The policy is written here from Karpenter v1's
//!   documented permissions (reference section 3.1): EC2 launch and termination scoped by the
//!   `kubernetes.io/cluster/<platform>: owned` and `karpenter.sh/nodepool` tags, regional
//!   describes, SSM AMI parameters, pricing, the interruption queue, `iam:PassRole` of the node
//!   role to EC2 only, instance profiles scoped by tags, and `eks:DescribeCluster` of this cluster.
//! - **EBS CSI** `<platform>-ebs-csi`: pod-identity role for the `aws-ebs-csi-driver` managed
//!   add-on (`AmazonEBSCSIDriverPolicy`).
//! - **AWS Load Balancer Controller** `<platform>-aws-load-balancer-controller`: a pod-identity
//!   role (service account `kube-system/aws-load-balancer-controller`) with the controller's
//!   policy as an inline `AWS::IAM::Policy`, written here statement for statement from the
//!   controller's published policy document (`docs/install/iam_policy.json` of
//!   kubernetes-sigs/aws-load-balancer-controller v3.5.0, the app version of the chart the core
//!   pins): 16 statements, mutations of load balancers, target groups and security groups scoped
//!   by the `elbv2.k8s.aws/cluster` tag the controller puts on what it creates. The EKS step
//!   associates it only when the plan installs the controller.
//! - **One role per addon grant** `<platform>-<addon>-<grant>` ([`grant_role_name`]): trust
//!   `pods.eks.amazonaws.com` with `sts:AssumeRole` and `sts:TagSession` (EKS Pod Identity), the
//!   grant's statements as an inline policy, its AWS-managed policies attached. The EKS step
//!   associates it with the grant's service accounts.
//!
//! Outputs (not exported; the EKS step reads them from this stack): the ARNs of all roles, keyed
//! by the constants here and [`grant_output_key`].

use super::model::*;
use super::{Context, TemplateError, arn, bounded_name, interruption, logical_id};

/// Output: the cluster role ARN.
pub const OUT_CLUSTER_ROLE_ARN: &str = "ClusterRoleArn";
/// Output: the core node role ARN.
pub const OUT_CORE_NODE_ROLE_ARN: &str = "CoreNodeRoleArn";
/// Output: the Karpenter node role ARN (for its access entry).
pub const OUT_KARPENTER_NODE_ROLE_ARN: &str = "KarpenterNodeRoleArn";
/// Output: the Karpenter controller role ARN (pod identity `karpenter/karpenter`).
pub const OUT_KARPENTER_CONTROLLER_ROLE_ARN: &str = "KarpenterControllerRoleArn";
/// Output: the EBS CSI driver role ARN (pod identity `kube-system/ebs-csi-controller-sa`).
pub const OUT_EBS_CSI_ROLE_ARN: &str = "EbsCsiRoleArn";

/// Output: the AWS Load Balancer Controller role ARN (pod identity
/// `kube-system/aws-load-balancer-controller`).
pub const OUT_LOAD_BALANCER_CONTROLLER_ROLE_ARN: &str = "LoadBalancerControllerRoleArn";

/// IAM role names are at most 64 characters.
const ROLE_NAME_MAX: usize = 64;

/// AWS-managed policies that live under `service-role/`.
const SERVICE_ROLE_POLICIES: &[&str] = &[
    "AmazonEBSCSIDriverPolicy",
    "AmazonEFSCSIDriverPolicy",
    "AmazonEC2ContainerServiceforEC2Role",
    "AmazonEC2RoleforSSM",
    "AWSGlueServiceRole",
    "AmazonSageMakerServiceCatalogProductsUseRole",
];

/// One statement of a grant, with its resources already resolved to ARNs.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantStatement {
    pub sid: String,
    pub actions: Vec<String>,
    /// ARNs (usually `Fn::Sub` with `${AWS::Partition}` and friends); see [`bucket_arn`],
    /// [`bucket_objects_arn`] and [`literal_arn`].
    pub resources: Vec<Expr>,
}

/// An addon's IAM grant: a pod-identity role.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantRole {
    pub addon: String,
    /// The grant id, unique within the addon.
    pub grant: String,
    pub statements: Vec<GrantStatement>,
    /// AWS-managed policy names ("AmazonEBSCSIDriverPolicy"), paths or ARNs.
    pub managed_policies: Vec<String>,
}

/// The inputs of the IAM template.
#[derive(Debug, Clone)]
pub struct IamInput {
    pub context: Context,
    pub grants: Vec<GrantRole>,
    /// The KMS key that encrypts the cluster's Secrets: the cluster role may use it.
    pub secrets_key_arn: Option<String>,
    /// A grant refers to the platform's AMP workspace: the template takes its id as the
    /// parameter [`AMP_WORKSPACE_PARAMETER`] (the storage stack's output, passed by `up`).
    pub amp_workspace: bool,
}

/// The IAM template's parameter holding the AMP workspace id.
pub const AMP_WORKSPACE_PARAMETER: &str = "AmpWorkspaceId";

/// The role name of an addon grant: `<platform>-<addon>-<grant>`, at most 64 characters.
pub fn grant_role_name(platform: &str, addon: &str, grant: &str) -> String {
    bounded_name(&[platform, addon, grant], ROLE_NAME_MAX)
}

/// The logical id of an addon grant's role.
pub fn grant_logical_id(addon: &str, grant: &str) -> String {
    logical_id(&["Grant", addon, grant, "Role"])
}

/// The output key holding an addon grant's role ARN.
pub fn grant_output_key(addon: &str, grant: &str) -> String {
    format!("{}Arn", grant_logical_id(addon, grant))
}

/// The cluster role name.
pub fn cluster_role_name(platform: &str) -> String {
    bounded_name(&[platform, "cluster"], ROLE_NAME_MAX)
}

/// The core node group's role name.
pub fn core_node_role_name(platform: &str) -> String {
    bounded_name(&[platform, "core-node"], ROLE_NAME_MAX)
}

/// The Karpenter controller's role name.
pub fn karpenter_controller_role_name(platform: &str) -> String {
    bounded_name(&[platform, "karpenter-controller"], ROLE_NAME_MAX)
}

/// The AWS Load Balancer Controller's role name.
pub fn load_balancer_controller_role_name(platform: &str) -> String {
    bounded_name(&[platform, "aws-load-balancer-controller"], ROLE_NAME_MAX)
}

/// The EBS CSI driver's role name.
pub fn ebs_csi_role_name(platform: &str) -> String {
    bounded_name(&[platform, "ebs-csi"], ROLE_NAME_MAX)
}

/// The ARN of an S3 bucket.
pub fn bucket_arn(bucket: &str) -> Expr {
    arn(&format!("s3:::{bucket}"))
}

/// The ARN of a bucket's objects under a key prefix (`bucket/prefix*`).
pub fn bucket_objects_arn(bucket: &str, prefix: &str) -> Expr {
    arn(&format!("s3:::{bucket}/{prefix}*"))
}

/// A plugin's literal ARN: `${region}`, `${account}` and `${partition}` become the stack's
/// pseudo parameters, `${amp_workspace_id}` the parameter [`AMP_WORKSPACE_PARAMETER`]; any other
/// `${...}` (an IAM policy variable) stays literal (`${!...}`).
pub fn literal_arn(pattern: &str) -> Expr {
    if !pattern.contains("${") {
        return Expr::lit(pattern);
    }
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}');
        let name = end.map(|e| &after[..e]);
        match name {
            Some("region") => out.push_str("${AWS::Region}"),
            Some("account") => out.push_str("${AWS::AccountId}"),
            Some("partition") => out.push_str("${AWS::Partition}"),
            Some("amp_workspace_id") => out.push_str(&format!("${{{AMP_WORKSPACE_PARAMETER}}}")),
            _ => {
                out.push_str("${!");
                rest = after;
                continue;
            }
        }
        rest = &after[end.unwrap_or(0) + 1..];
    }
    out.push_str(rest);
    Expr::sub(out)
}

/// The ARN of an AWS-managed policy by name (`AmazonEKS_CNI_Policy`), path
/// (`service-role/AmazonEBSCSIDriverPolicy`) or ARN.
pub fn managed_policy_arn(name: &str) -> Expr {
    if name.starts_with("arn:") {
        Expr::lit(name)
    } else if name.contains('/') || !SERVICE_ROLE_POLICIES.contains(&name) {
        arn(&format!("iam::aws:policy/{name}"))
    } else {
        arn(&format!("iam::aws:policy/service-role/{name}"))
    }
}

fn trust(service: &str, tag_session: bool) -> PolicyDocument {
    let actions: &[&str] = if tag_session { &["sts:AssumeRole", "sts:TagSession"] } else { &["sts:AssumeRole"] };
    PolicyDocument::new(vec![
        Statement::allow("", actions, Vec::new()).principal(Principal::Service(vec![service.to_owned()])),
    ])
}

/// The trust policy of an EKS Pod Identity role.
pub fn pod_identity_trust() -> PolicyDocument {
    trust("pods.eks.amazonaws.com", true)
}

fn role(ctx: &Context, name: String, description: String, trust: PolicyDocument, managed: &[&str]) -> Role {
    Role {
        role_name: name,
        description,
        assume_role_policy_document: trust,
        managed_policy_arns: managed.iter().map(|m| managed_policy_arn(m)).collect(),
        policies: Vec::new(),
        tags: ctx.tags(),
    }
}

const NODE_POLICIES: &[&str] = &[
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
];

/// Keeps only what IAM accepts in a statement id (ASCII letters and digits).
fn sid(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// The IAM template.
pub fn template(input: &IamInput) -> Result<Template, TemplateError> {
    let ctx = &input.context;
    let p = ctx.platform.as_str();
    let mut t = Template::new(format!(
        "dataplat {p}: EKS cluster and node roles, Karpenter controller, EBS CSI and {} addon pod-identity roles",
        input.grants.len()
    ));
    if input.amp_workspace {
        t.parameters.insert(
            AMP_WORKSPACE_PARAMETER.into(),
            Parameter {
                kind: "String".into(),
                description: Some("The id of the platform's AMP workspace (the storage stack's AmpWorkspaceId)".into()),
                default: None,
                allowed_values: Vec::new(),
            },
        );
    }

    let mut cluster_role = role(
        ctx,
        cluster_role_name(p),
        format!("dataplat {p}: the EKS cluster"),
        trust("eks.amazonaws.com", true),
        &["AmazonEKSClusterPolicy"],
    );
    if let Some(key) = &input.secrets_key_arn {
        // What EKS needs to envelope-encrypt Secrets with a customer key (as the terraform-aws-eks
        // module's cluster encryption policy grants).
        cluster_role.policies.push(InlinePolicy {
            policy_name: "ClusterEncryption".into(),
            policy_document: PolicyDocument::new(vec![Statement::allow(
                "SecretsEnvelopeEncryption",
                &["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                vec![Expr::lit(key)],
            )]),
        });
    }
    t.add("ClusterRole", cluster_role);
    t.add(
        "CoreNodeRole",
        role(
            ctx,
            core_node_role_name(p),
            format!("dataplat {p}: nodes of the core node group"),
            trust("ec2.amazonaws.com", false),
            NODE_POLICIES,
        ),
    );
    t.add(
        "KarpenterNodeRole",
        role(
            ctx,
            dataplat_vocabulary::karpenter_node_role_name(p),
            format!("dataplat {p}: nodes Karpenter launches"),
            trust("ec2.amazonaws.com", false),
            NODE_POLICIES,
        ),
    );
    t.add(
        "KarpenterControllerRole",
        role(
            ctx,
            karpenter_controller_role_name(p),
            format!("dataplat {p}: the Karpenter controller (pod identity karpenter/karpenter)"),
            pod_identity_trust(),
            &[],
        ),
    );
    t.add(
        "KarpenterControllerPolicy",
        Policy {
            policy_name: bounded_name(&[p, "karpenter-controller"], 128),
            policy_document: karpenter_controller_policy(ctx),
            roles: vec![Expr::reference("KarpenterControllerRole")],
        },
    );
    t.add(
        "EbsCsiRole",
        role(
            ctx,
            ebs_csi_role_name(p),
            format!("dataplat {p}: the EBS CSI driver (pod identity kube-system/ebs-csi-controller-sa)"),
            pod_identity_trust(),
            &["AmazonEBSCSIDriverPolicy"],
        ),
    );

    t.add(
        "LoadBalancerControllerRole",
        role(
            ctx,
            load_balancer_controller_role_name(p),
            format!(
                "dataplat {p}: the AWS Load Balancer Controller (pod identity kube-system/aws-load-balancer-controller)"
            ),
            pod_identity_trust(),
            &[],
        ),
    );
    t.add(
        "LoadBalancerControllerPolicy",
        Policy {
            policy_name: bounded_name(&[p, "aws-load-balancer-controller"], 128),
            policy_document: load_balancer_controller_policy(),
            roles: vec![Expr::reference("LoadBalancerControllerRole")],
        },
    );

    for grant in &input.grants {
        let id = grant_logical_id(&grant.addon, &grant.grant);
        if t.resources.contains_key(&id) {
            return Err(TemplateError::Duplicate(format!(
                "grant {}/{} maps to the logical id {id} of another role",
                grant.addon, grant.grant
            )));
        }
        let mut r = role(
            ctx,
            grant_role_name(p, &grant.addon, &grant.grant),
            format!("dataplat {p}: addon {} grant {} (EKS Pod Identity)", grant.addon, grant.grant),
            pod_identity_trust(),
            &[],
        );
        r.managed_policy_arns = grant.managed_policies.iter().map(|m| managed_policy_arn(m)).collect();
        if !grant.statements.is_empty() {
            let statements = grant
                .statements
                .iter()
                .map(|s| Statement {
                    actions: s.actions.clone(),
                    ..Statement::allow(&sid(&s.sid), &[], s.resources.clone())
                })
                .collect();
            r.policies.push(InlinePolicy {
                policy_name: bounded_name(&[&grant.addon, &grant.grant], 128),
                policy_document: PolicyDocument::new(statements),
            });
        }
        t.add(id.as_str(), r);
        t.output(
            grant_output_key(&grant.addon, &grant.grant),
            &format!("Role of addon {} grant {}", grant.addon, grant.grant),
            Expr::get_att(id, "Arn"),
            None,
        );
    }

    for (key, id, what) in [
        (OUT_CLUSTER_ROLE_ARN, "ClusterRole", "The EKS cluster role"),
        (OUT_CORE_NODE_ROLE_ARN, "CoreNodeRole", "The core node group role"),
        (OUT_KARPENTER_NODE_ROLE_ARN, "KarpenterNodeRole", "The Karpenter node role"),
        (OUT_KARPENTER_CONTROLLER_ROLE_ARN, "KarpenterControllerRole", "The Karpenter controller role"),
        (OUT_EBS_CSI_ROLE_ARN, "EbsCsiRole", "The EBS CSI driver role"),
        (OUT_LOAD_BALANCER_CONTROLLER_ROLE_ARN, "LoadBalancerControllerRole", "The AWS Load Balancer Controller role"),
    ] {
        t.output(key, what, Expr::get_att(id, "Arn"), None);
    }
    Ok(t)
}

/// The AWS Load Balancer Controller's policy: its published `iam_policy.json` (v3.5.0), statement
/// for statement.
pub fn load_balancer_controller_policy() -> PolicyDocument {
    let any = || vec![Expr::lit("*")];
    let arns = |patterns: &[&str]| -> Vec<Expr> {
        patterns.iter().map(|p| arn(&format!("elasticloadbalancing:*:*:{p}"))).collect()
    };
    let security_groups = || vec![arn("ec2:*:*:security-group/*")];
    let cluster_tag = "elbv2.k8s.aws/cluster";
    let request_tag = format!("aws:RequestTag/{cluster_tag}");
    let resource_tag = format!("aws:ResourceTag/{cluster_tag}");
    let yes = || vec![Expr::lit("true")];
    let no = || vec![Expr::lit("false")];
    let balancers_and_groups = || arns(&["targetgroup/*/*", "loadbalancer/net/*/*", "loadbalancer/app/*/*"]);
    PolicyDocument::new(vec![
        Statement::allow("CreateServiceLinkedRole", &["iam:CreateServiceLinkedRole"], any()).when(
            "StringEquals",
            "iam:AWSServiceName",
            vec![Expr::lit("elasticloadbalancing.amazonaws.com")],
        ),
        Statement::allow(
            "Describe",
            &[
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "ec2:DescribeIpamPools",
                "ec2:DescribeRouteTables",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
            any(),
        ),
        Statement::allow(
            "CertificatesFirewallsAndShield",
            &[
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
            any(),
        ),
        Statement::allow(
            "SecurityGroupIngress",
            &["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            any(),
        ),
        Statement::allow("CreateSecurityGroup", &["ec2:CreateSecurityGroup"], any()),
        Statement::allow("TagNewSecurityGroups", &["ec2:CreateTags"], security_groups())
            .when("StringEquals", "ec2:CreateAction", vec![Expr::lit("CreateSecurityGroup")])
            .when("Null", request_tag.clone(), no()),
        Statement::allow("TagOwnSecurityGroups", &["ec2:CreateTags", "ec2:DeleteTags"], security_groups())
            .when("Null", request_tag.clone(), yes())
            .when("Null", resource_tag.clone(), no()),
        Statement::allow(
            "ManageOwnSecurityGroups",
            &["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
            any(),
        )
        .when("Null", resource_tag.clone(), no()),
        Statement::allow(
            "CreateTaggedBalancers",
            &["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            any(),
        )
        .when("Null", request_tag.clone(), no()),
        Statement::allow(
            "ListenersAndRules",
            &[
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
            any(),
        ),
        Statement::allow(
            "TagOwnBalancers",
            &["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            balancers_and_groups(),
        )
        .when("Null", request_tag.clone(), yes())
        .when("Null", resource_tag.clone(), no()),
        Statement::allow(
            "TagListenersAndRules",
            &["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            arns(&["listener/net/*/*/*", "listener/app/*/*/*", "listener-rule/net/*/*/*", "listener-rule/app/*/*/*"]),
        ),
        Statement::allow(
            "ManageOwnBalancers",
            &[
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyIpPools",
            ],
            any(),
        )
        .when("Null", resource_tag.clone(), no()),
        Statement::allow("TagOnCreate", &["elasticloadbalancing:AddTags"], balancers_and_groups())
            .when(
                "StringEquals",
                "elasticloadbalancing:CreateAction",
                vec![Expr::lit("CreateTargetGroup"), Expr::lit("CreateLoadBalancer")],
            )
            .when("Null", request_tag, no()),
        Statement::allow(
            "RegisterTargets",
            &["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            arns(&["targetgroup/*/*"]),
        ),
        Statement::allow(
            "ListenerSettings",
            &[
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ],
            any(),
        ),
    ])
}

/// The Karpenter v1 controller policy for cluster `ctx.platform` (written from Karpenter's
/// documented permissions; every mutating action scoped by tags or ARNs).
pub fn karpenter_controller_policy(ctx: &Context) -> PolicyDocument {
    let c = ctx.platform.as_str();
    let owned = format!("kubernetes.io/cluster/{c}");
    let region = || vec![Expr::reference("AWS::Region")];
    let lit = |v: &str| vec![Expr::lit(v)];
    let ec2 = |kind: &str, account: bool| {
        arn(&format!("ec2:${{AWS::Region}}:{}:{kind}/*", if account { "${AWS::AccountId}" } else { "" }))
    };
    let launched = || {
        ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"]
            .into_iter()
            .map(|k| ec2(k, true))
            .collect::<Vec<_>>()
    };
    let instance_profiles = || vec![arn("iam::${AWS::AccountId}:instance-profile/*")];
    let node_role = dataplat_vocabulary::karpenter_node_role_name(c);

    PolicyDocument::new(vec![
        Statement::allow(
            "AllowScopedEC2InstanceAccessActions",
            &["ec2:RunInstances", "ec2:CreateFleet"],
            vec![
                ec2("image", false),
                ec2("snapshot", false),
                ec2("security-group", true),
                ec2("subnet", true),
                ec2("capacity-reservation", true),
            ],
        ),
        Statement::allow(
            "AllowScopedEC2LaunchTemplateAccessActions",
            &["ec2:RunInstances", "ec2:CreateFleet"],
            vec![ec2("launch-template", true)],
        )
        .when("StringEquals", format!("aws:ResourceTag/{owned}"), lit("owned"))
        .when("StringLike", "aws:ResourceTag/karpenter.sh/nodepool", lit("*")),
        Statement::allow(
            "AllowScopedEC2InstanceActionsWithTags",
            &["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            launched(),
        )
        .when("StringEquals", format!("aws:RequestTag/{owned}"), lit("owned"))
        .when("StringEquals", "aws:RequestTag/eks:eks-cluster-name", lit(c))
        .when("StringLike", "aws:RequestTag/karpenter.sh/nodepool", lit("*")),
        Statement::allow("AllowScopedResourceCreationTagging", &["ec2:CreateTags"], launched())
            .when("StringEquals", format!("aws:RequestTag/{owned}"), lit("owned"))
            .when("StringEquals", "aws:RequestTag/eks:eks-cluster-name", lit(c))
            .when(
                "StringEquals",
                "ec2:CreateAction",
                vec!["RunInstances".into(), "CreateFleet".into(), "CreateLaunchTemplate".into()],
            )
            .when("StringLike", "aws:RequestTag/karpenter.sh/nodepool", lit("*")),
        Statement::allow("AllowScopedResourceTagging", &["ec2:CreateTags"], vec![ec2("instance", true)])
            .when("StringEquals", format!("aws:ResourceTag/{owned}"), lit("owned"))
            .when("StringLike", "aws:ResourceTag/karpenter.sh/nodepool", lit("*"))
            .when("StringEqualsIfExists", "aws:RequestTag/eks:eks-cluster-name", lit(c))
            .when(
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                vec!["eks:eks-cluster-name".into(), "karpenter.sh/nodeclaim".into(), "Name".into()],
            ),
        Statement::allow(
            "AllowScopedDeletion",
            &["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            vec![ec2("instance", true), ec2("launch-template", true)],
        )
        .when("StringEquals", format!("aws:ResourceTag/{owned}"), lit("owned"))
        .when("StringLike", "aws:ResourceTag/karpenter.sh/nodepool", lit("*")),
        Statement::allow(
            "AllowRegionalReadActions",
            &[
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            vec![Expr::lit("*")],
        )
        .when("StringEquals", "aws:RequestedRegion", region()),
        Statement::allow(
            "AllowSSMReadActions",
            &["ssm:GetParameter"],
            vec![arn("ssm:${AWS::Region}::parameter/aws/service/*")],
        ),
        Statement::allow("AllowPricingReadActions", &["pricing:GetProducts"], vec![Expr::lit("*")]),
        Statement::allow(
            "AllowInterruptionQueueActions",
            &["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            vec![arn(&format!("sqs:${{AWS::Region}}:${{AWS::AccountId}}:{}", interruption::queue_name(c)))],
        ),
        Statement::allow(
            "AllowPassingInstanceRole",
            &["iam:PassRole"],
            vec![arn(&format!("iam::${{AWS::AccountId}}:role/{node_role}"))],
        )
        .when("StringEquals", "iam:PassedToService", vec![Expr::sub("ec2.${AWS::URLSuffix}")]),
        Statement::allow(
            "AllowScopedInstanceProfileCreationActions",
            &["iam:CreateInstanceProfile"],
            instance_profiles(),
        )
        .when("StringEquals", format!("aws:RequestTag/{owned}"), lit("owned"))
        .when("StringEquals", "aws:RequestTag/eks:eks-cluster-name", lit(c))
        .when("StringEquals", "aws:RequestTag/topology.kubernetes.io/region", region())
        .when("StringLike", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass", lit("*")),
        Statement::allow("AllowScopedInstanceProfileTagActions", &["iam:TagInstanceProfile"], instance_profiles())
            .when("StringEquals", format!("aws:ResourceTag/{owned}"), lit("owned"))
            .when("StringEquals", "aws:ResourceTag/topology.kubernetes.io/region", region())
            .when("StringEquals", format!("aws:RequestTag/{owned}"), lit("owned"))
            .when("StringEquals", "aws:RequestTag/eks:eks-cluster-name", lit(c))
            .when("StringEquals", "aws:RequestTag/topology.kubernetes.io/region", region())
            .when("StringLike", "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass", lit("*"))
            .when("StringLike", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass", lit("*")),
        Statement::allow(
            "AllowScopedInstanceProfileActions",
            &["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
            instance_profiles(),
        )
        .when("StringEquals", format!("aws:ResourceTag/{owned}"), lit("owned"))
        .when("StringEquals", "aws:ResourceTag/topology.kubernetes.io/region", region())
        .when("StringLike", "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass", lit("*")),
        Statement::allow("AllowInstanceProfileReadActions", &["iam:GetInstanceProfile"], instance_profiles()),
        Statement::allow("AllowUnscopedInstanceProfileListAction", &["iam:ListInstanceProfiles"], vec![Expr::lit("*")]),
        Statement::allow(
            "AllowAPIServerEndpointDiscovery",
            &["eks:DescribeCluster"],
            vec![arn(&format!("eks:${{AWS::Region}}:${{AWS::AccountId}}:cluster/{c}"))],
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_arns_substitute_the_contract_variables_only() {
        assert_eq!(
            literal_arn("arn:${partition}:glue:${region}:${account}:catalog"),
            Expr::sub("arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog")
        );
        assert_eq!(literal_arn("arn:aws:s3:::b/${aws:username}/*"), Expr::sub("arn:aws:s3:::b/${!aws:username}/*"));
        assert_eq!(literal_arn("*"), Expr::lit("*"));
    }

    #[test]
    fn managed_policies_get_their_path() {
        assert_eq!(
            managed_policy_arn("AmazonEBSCSIDriverPolicy"),
            Expr::sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy")
        );
        assert_eq!(
            managed_policy_arn("AmazonS3ReadOnlyAccess"),
            Expr::sub("arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAccess")
        );
    }
}
