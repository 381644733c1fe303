//! The CloudFormation templates: structural checks on the generated JSON, and cfn-lint.
//!
//! The input is a cloud spec like the bundled platform.yaml's (buckets and grants of several addons,
//! user tags). cfn-lint runs when `DATAPLAT_CFN_LINT` names its binary (tests/run installs it);
//! without it the lint test skips with a message, unless `DATAPLAT_IT=1`, where it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use dataplat_aws::from_spec;
use dataplat_aws::spec::{CloudOptions, CloudSpec, PodIdentityRequest};
use dataplat_aws::templates::iam::{GrantRole, GrantStatement};
use dataplat_aws::templates::network::{self, NatMode};
use dataplat_aws::templates::storage::{self, BucketSpec, Encryption, Expiration};
use dataplat_aws::templates::{DEPLOYMENT_ID_TAG, Expr, PLATFORM_TAG, Template, iam, interruption};
use serde_json::Value;

const PLATFORM: &str = "trino-v2";
const DEPLOYMENT_ID: &str = "3zOqlHUe";

/// Resource types that accept tags (per the CloudFormation resource schemas cfn-lint bundles).
const TAGGABLE: &[&str] = &[
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::EC2::RouteTable",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::SecurityGroup",
    "AWS::IAM::Role",
    "AWS::SQS::Queue",
    "AWS::Events::Rule",
    "AWS::S3::Bucket",
    "AWS::APS::Workspace",
];

/// A bucket's physical name, as the composer names them (`<platform>-<addon>-<id>-<deployment id>`).
fn bucket_name(addon: &str, id: &str) -> String {
    format!("{PLATFORM}-{addon}-{id}-{}", DEPLOYMENT_ID.to_ascii_lowercase())
}

fn bucket(addon: &str, id: &str, versioning: bool, expire: Option<(&str, u32)>, holds_data: bool) -> BucketSpec {
    BucketSpec {
        addon: addon.into(),
        id: id.into(),
        name: bucket_name(addon, id),
        purpose: format!("{addon} {id}"),
        versioning,
        lifecycle: expire.map(|(prefix, days)| Expiration { prefix: prefix.into(), days }).into_iter().collect(),
        holds_data,
    }
}

fn statement(sid: &str, actions: &[&str], resources: Vec<Expr>) -> GrantStatement {
    GrantStatement { sid: sid.into(), actions: actions.iter().map(|a| (*a).into()).collect(), resources }
}

fn grant(addon: &str, id: &str, statements: Vec<GrantStatement>, managed: &[&str]) -> GrantRole {
    GrantRole {
        addon: addon.into(),
        grant: id.into(),
        statements,
        managed_policies: managed.iter().map(|m| (*m).into()).collect(),
    }
}

fn identity(addon: &str, namespace: &str, sa: &str, grant: &str) -> PodIdentityRequest {
    PodIdentityRequest {
        namespace: namespace.into(),
        service_account: sa.into(),
        addon: addon.into(),
        grant: grant.into(),
    }
}

/// A bucket's ARN and its objects' (under `prefix`).
fn bucket_arns(addon: &str, id: &str, prefix: &str) -> Vec<Expr> {
    vec![iam::bucket_arn(&bucket_name(addon, id)), iam::bucket_objects_arn(&bucket_name(addon, id), prefix)]
}

/// A spec shaped like the bundled platform.yaml's: Trino (data + exchange buckets, S3 and Glue),
/// the Spark history server (event logs under a prefix), Flink (versioned checkpoints),
/// JupyterHub (an AWS-managed policy only), a service-role managed policy, and Prometheus writing
/// to the platform's AMP workspace.
fn bundled_spec() -> CloudSpec {
    let s3 = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:AbortMultipartUpload"];
    let options = CloudOptions { log_types: Vec::new(), ..CloudOptions::reference() };
    let mut spec = CloudSpec::new(PLATFORM, "us-west-2", DEPLOYMENT_ID, options);
    spec.tags = BTreeMap::from([("team".to_owned(), "data".to_owned()), ("cost-center".to_owned(), "42".to_owned())]);
    spec.buckets = vec![
        bucket("trino", "data", true, None, true),
        bucket("trino", "exchange", false, Some(("", 1)), false),
        bucket("spark-history-server", "event-logs", false, Some(("spark-event-logs/", 30)), true),
        bucket("flink", "checkpoints", true, Some(("savepoints/", 90)), true),
    ];
    let glue = |rest: &str| iam::literal_arn(&format!("arn:${{partition}}:glue:${{region}}:${{account}}:{rest}"));
    spec.grants = vec![
        grant(
            "trino",
            "trino",
            vec![
                statement("TrinoDataBucket", &s3, bucket_arns("trino", "data", "")),
                statement("TrinoExchangeBucket", &s3, bucket_arns("trino", "exchange", "")),
                statement(
                    "TrinoGlueCatalog",
                    &["glue:GetDatabase", "glue:GetTable", "glue:CreateTable"],
                    vec![glue("catalog"), glue("database/*"), glue("table/*")],
                ),
            ],
            &[],
        ),
        grant(
            "spark-history-server",
            "shs",
            vec![statement(
                "ReadEventLogs",
                &["s3:GetObject", "s3:ListBucket"],
                bucket_arns("spark-history-server", "event-logs", "spark-event-logs/"),
            )],
            &[],
        ),
        grant("flink", "flink-jobs", vec![statement("Checkpoints", &s3, bucket_arns("flink", "checkpoints", ""))], &[]),
        grant("jupyterhub", "single-user", Vec::new(), &["AmazonS3ReadOnlyAccess"]),
        grant("efs-csi", "controller", Vec::new(), &["AmazonEFSCSIDriverPolicy"]),
        // Refers to the platform's AMP workspace: the storage stack creates it, the IAM stack
        // takes its id as a parameter.
        grant(
            "prometheus",
            "amp-remote-write",
            vec![statement(
                "AmpRemoteWrite",
                &["aps:RemoteWrite"],
                vec![iam::literal_arn("arn:${partition}:aps:${region}:${account}:workspace/${amp_workspace_id}")],
            )],
            &[],
        ),
    ];
    spec.pod_identities = vec![identity("trino", "trino", "trino-sa", "trino")];
    spec.amp_workspace = Some(PLATFORM.into());
    spec
}

/// The spec with `nat`.
fn with_nat(spec: &CloudSpec, nat: NatMode) -> CloudSpec {
    let mut spec = spec.clone();
    spec.options.nat = nat;
    spec
}

/// The spec with `encryption`.
fn with_encryption(spec: &CloudSpec, encryption: Encryption) -> CloudSpec {
    let mut spec = spec.clone();
    spec.options.encryption = encryption;
    spec
}

/// The spec without the AMP workspace and the grant that refers to it.
fn without_amp(spec: &CloudSpec) -> CloudSpec {
    let mut spec = spec.clone();
    spec.grants.retain(|g| g.addon != "prometheus");
    spec.amp_workspace = None;
    spec
}

/// Every template of the bundled spec, with variants, by a file-friendly name.
fn all_templates() -> Vec<(String, Template)> {
    let spec = bundled_spec();
    let mut all = Vec::new();
    for (name, nat) in [("network-single-nat", NatMode::Single), ("network-nat-per-zone", NatMode::PerZone)] {
        all.push((name.to_owned(), network::template(&from_spec::network(&with_nat(&spec, nat))).unwrap()));
    }
    let mut small = from_spec::network(&with_nat(&spec, NatMode::PerZone));
    small.vpc_cidr = "192.168.10.0/24".into();
    all.push(("network-small-vpc".to_owned(), network::template(&small).unwrap()));
    all.push(("iam".to_owned(), iam::template(&from_spec::iam(&spec)).unwrap()));
    all.push(("iam-secrets-key".to_owned(), iam::template(&from_spec::iam(&with_secrets_key(&spec))).unwrap()));
    all.push(("interruption".to_owned(), interruption::template(&from_spec::interruption(&spec)).unwrap()));
    all.push(("storage".to_owned(), storage::template(&from_spec::storage(&spec, false)).unwrap()));
    all.push((
        "storage-kms-keep-data".to_owned(),
        storage::template(&from_spec::storage(&with_encryption(&spec, Encryption::Kms(None)), true)).unwrap(),
    ));
    all
}

fn resources(template: &Value) -> &serde_json::Map<String, Value> {
    template["Resources"].as_object().expect("Resources")
}

fn of_type<'a>(template: &'a Value, kind: &str) -> Vec<(&'a String, &'a Value)> {
    resources(template).iter().filter(|(_, r)| r["Type"] == kind).collect()
}

fn tag<'a>(resource: &'a Value, key: &str) -> Option<&'a Value> {
    resource["Properties"]["Tags"].as_array()?.iter().find(|t| t["Key"] == key).map(|t| &t["Value"])
}

// ---------------------------------------------------------------------------------------------
// The reference checker

/// Called with (name, is an attribute reference, where, local names of an enclosing `Fn::Sub`).
type Check<'a> = dyn FnMut(&str, bool, &str, &BTreeSet<String>) + 'a;

/// The references of a template (`Ref`, `Fn::GetAtt`, `Fn::Sub` variables, `DependsOn`) that name
/// no resource, parameter or pseudo parameter it has: one line per problem.
fn dangling_references(template: &Value) -> Vec<String> {
    let resources: BTreeSet<&str> = resources(template).keys().map(String::as_str).collect();
    let parameters: BTreeSet<&str> =
        template["Parameters"].as_object().map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
    let mut problems = Vec::new();
    let mut check = |name: &str, attribute: bool, at: &str, locals: &BTreeSet<String>| {
        let ok = if attribute {
            resources.contains(name)
        } else {
            name.starts_with("AWS::") || resources.contains(name) || parameters.contains(name) || locals.contains(name)
        };
        if !ok {
            problems.push(format!("{at}: {name:?} is not defined"));
        }
    };
    fn walk(value: &Value, at: &str, locals: &BTreeSet<String>, check: &mut Check) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| walk(v, at, locals, check)),
            Value::Object(map) => {
                if let Some(Value::String(name)) = map.get("Ref") {
                    check(name, false, at, locals);
                }
                match map.get("Fn::GetAtt") {
                    Some(Value::Array(args)) => check(args[0].as_str().unwrap_or_default(), true, at, locals),
                    Some(Value::String(dotted)) => check(dotted.split('.').next().unwrap(), true, at, locals),
                    _ => {}
                }
                if let Some(sub) = map.get("Fn::Sub") {
                    let (text, vars) = match sub {
                        Value::String(s) => (s.as_str(), BTreeSet::new()),
                        Value::Array(args) => (
                            args[0].as_str().unwrap_or_default(),
                            args[1].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default(),
                        ),
                        _ => ("", BTreeSet::new()),
                    };
                    let mut rest = text;
                    while let Some(start) = rest.find("${") {
                        let after = &rest[start + 2..];
                        let end = after.find('}').expect("unterminated ${ in Fn::Sub");
                        let var = &after[..end];
                        if !var.starts_with('!') {
                            let (name, attribute) = match var.split_once('.') {
                                Some((name, _)) => (name, true),
                                None => (var, false),
                            };
                            let mut all = locals.clone();
                            all.extend(vars.iter().cloned());
                            check(name, attribute && !all.contains(name), at, &all);
                        }
                        rest = &after[end + 1..];
                    }
                }
                for (key, v) in map {
                    walk(v, &format!("{at}.{key}"), locals, check);
                }
            }
            _ => {}
        }
    }
    for (id, resource) in resources_of(template) {
        match &resource["DependsOn"] {
            Value::String(dep) => check(dep, true, &format!("{id}.DependsOn"), &BTreeSet::new()),
            Value::Array(deps) => {
                for dep in deps {
                    check(dep.as_str().unwrap_or_default(), true, &format!("{id}.DependsOn"), &BTreeSet::new());
                }
            }
            _ => {}
        }
        walk(&resource["Properties"], id, &BTreeSet::new(), &mut check);
    }
    walk(&template["Outputs"], "Outputs", &BTreeSet::new(), &mut check);
    problems
}

fn resources_of(template: &Value) -> Vec<(&String, &Value)> {
    resources(template).iter().collect()
}

#[test]
fn the_reference_checker_catches_dangling_references() {
    let json = serde_json::json!({
        "Resources": {
            "A": {"Type": "AWS::SQS::Queue", "DependsOn": ["Gone"], "Properties": {
                "QueueName": {"Fn::Sub": "${Missing}-${A.Arn}-${!literal}-${AWS::Region}"},
                "Tags": [{"Key": "k", "Value": {"Fn::GetAtt": ["Nope", "Arn"]}}],
                "X": {"Ref": "A"}
            }}
        },
        "Outputs": {"O": {"Value": {"Ref": "Absent"}}}
    });
    let problems = dangling_references(&json);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    for name in ["Gone", "Missing", "Nope", "Absent"] {
        assert!(problems.iter().any(|p| p.contains(name)), "{name} not reported: {problems:#?}");
    }
}

#[test]
fn every_reference_points_to_a_defined_resource_or_parameter() {
    for (name, template) in all_templates() {
        let problems = dangling_references(&template.to_value());
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Network

fn parse_cidr(text: &str) -> (u32, u32) {
    let (ip, prefix) = text.split_once('/').unwrap();
    let octets: Vec<u32> = ip.split('.').map(|o| o.parse().unwrap()).collect();
    let addr = octets.iter().fold(0, |acc, o| (acc << 8) | o);
    let prefix: u32 = prefix.parse().unwrap();
    let size = 1u64 << (32 - prefix);
    assert_eq!(u64::from(addr) % size, 0, "{text} has host bits set");
    (addr, (u64::from(addr) + size - 1) as u32)
}

fn inside(inner: (u32, u32), outer: (u32, u32)) -> bool {
    inner.0 >= outer.0 && inner.1 <= outer.1
}

#[test]
fn subnets_lie_inside_their_vpc_blocks_and_do_not_overlap() {
    let spec = bundled_spec();
    for cidr in ["10.0.0.0/16", "172.20.0.0/20", "192.168.10.0/24"] {
        for nat in [NatMode::Single, NatMode::PerZone] {
            let mut input = from_spec::network(&with_nat(&spec, nat));
            input.vpc_cidr = cidr.into();
            let t = network::template(&input).unwrap().to_value();
            let vpcs = of_type(&t, "AWS::EC2::VPC");
            assert_eq!(vpcs.len(), 1);
            assert_eq!(vpcs[0].1["Properties"]["CidrBlock"], cidr);
            let mut blocks = vec![parse_cidr(cidr)];
            let secondary: BTreeMap<&String, (u32, u32)> = of_type(&t, "AWS::EC2::VPCCidrBlock")
                .into_iter()
                .map(|(id, r)| (id, parse_cidr(r["Properties"]["CidrBlock"].as_str().unwrap())))
                .collect();
            assert_eq!(
                secondary.values().copied().collect::<BTreeSet<_>>(),
                ["100.64.0.0/16", "100.65.0.0/16", "100.66.0.0/16"].map(parse_cidr).into()
            );
            blocks.extend(secondary.values());

            let subnets = of_type(&t, "AWS::EC2::Subnet");
            assert_eq!(subnets.len(), 9, "{cidr}: 3 zones x (public, private, node)");
            let mut ranges = Vec::new();
            for (id, subnet) in &subnets {
                let props = &subnet["Properties"];
                assert_eq!(props["VpcId"], serde_json::json!({"Ref": "Vpc"}));
                let text = props["CidrBlock"].as_str().unwrap();
                let range = parse_cidr(text);
                let prefix: u32 = text.split_once('/').unwrap().1.parse().unwrap();
                assert!(prefix <= 28, "{id} {text}: AWS subnets are /16 to /28");
                let block = blocks.iter().find(|b| inside(range, **b));
                assert!(block.is_some(), "{cidr}: {id} {text} lies in no VPC block");
                // A subnet in a secondary block must wait for that block.
                if let Some((block_id, _)) = secondary.iter().find(|(_, b)| inside(range, **b)) {
                    let deps = subnet["DependsOn"].as_array().cloned().unwrap_or_default();
                    assert!(deps.contains(&Value::String((*block_id).clone())), "{id} does not depend on {block_id}");
                }
                ranges.push((id.as_str(), text, range));
            }
            for (i, a) in ranges.iter().enumerate() {
                for b in &ranges[i + 1..] {
                    assert!(a.2.1 < b.2.0 || b.2.1 < a.2.0, "{cidr}: {} {} overlaps {} {}", a.0, a.1, b.0, b.1);
                }
            }
        }
    }
}

#[test]
fn subnets_and_the_node_security_group_carry_load_balancer_and_discovery_tags() {
    let t = network::template(&from_spec::network(&bundled_spec())).unwrap().to_value();
    for (id, subnet) in of_type(&t, "AWS::EC2::Subnet") {
        let (elb, internal, discovery) = (
            tag(subnet, "kubernetes.io/role/elb"),
            tag(subnet, "kubernetes.io/role/internal-elb"),
            tag(subnet, "karpenter.sh/discovery"),
        );
        if id.starts_with("Public") {
            assert_eq!(elb, Some(&Value::from("1")), "{id}");
            assert_eq!(subnet["Properties"]["MapPublicIpOnLaunch"], true);
            assert!(internal.is_none() && discovery.is_none(), "{id}");
        } else if id.starts_with("Private") {
            assert_eq!(internal, Some(&Value::from("1")), "{id}");
            assert!(elb.is_none() && discovery.is_none(), "{id}");
        } else {
            assert!(id.starts_with("NodeSubnet"), "{id}");
            assert_eq!(discovery, Some(&Value::from(PLATFORM)), "{id}");
            let cidr = subnet["Properties"]["CidrBlock"].as_str().unwrap();
            assert!(cidr.starts_with("100.6"), "{id} {cidr}");
        }
        // Zones come from Fn::GetAZs, never hard-coded.
        assert!(subnet["Properties"]["AvailabilityZone"]["Fn::Select"][1]["Fn::GetAZs"].is_string(), "{id}");
    }
    let groups = of_type(&t, "AWS::EC2::SecurityGroup");
    assert_eq!(groups.len(), 1);
    assert_eq!(tag(groups[0].1, "karpenter.sh/discovery"), Some(&Value::from(PLATFORM)));

    let endpoints = of_type(&t, "AWS::EC2::VPCEndpoint");
    assert_eq!(endpoints.len(), 1);
    let endpoint = &endpoints[0].1["Properties"];
    assert_eq!(endpoint["VpcEndpointType"], "Gateway");
    assert_eq!(endpoint["ServiceName"]["Fn::Sub"], "com.amazonaws.${AWS::Region}.s3");
    assert_eq!(endpoint["RouteTableIds"].as_array().unwrap().len(), 4, "the public and three private route tables");

    for key in ["VpcId", "PrivateSubnetIds", "PublicSubnetIds", "NodeSubnetIds", "NodeSecurityGroupId"] {
        assert_eq!(t["Outputs"][key]["Export"]["Name"], format!("{PLATFORM}-{key}"), "{key}");
    }
}

#[test]
fn nat_mode_sets_the_number_of_nat_gateways_and_private_routes() {
    let spec = bundled_spec();
    for (nat, count) in [(NatMode::Single, 1), (NatMode::PerZone, 3)] {
        let t = network::template(&from_spec::network(&with_nat(&spec, nat))).unwrap().to_value();
        assert_eq!(of_type(&t, "AWS::EC2::NatGateway").len(), count, "{nat:?}");
        assert_eq!(of_type(&t, "AWS::EC2::EIP").len(), count, "{nat:?}");
        let targets: BTreeSet<String> = of_type(&t, "AWS::EC2::Route")
            .iter()
            .filter_map(|(_, r)| r["Properties"]["NatGatewayId"]["Ref"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(targets.len(), count, "{nat:?}: {targets:?}");
        // Every private and node subnet routes through a private route table with a NAT route.
        let associations = of_type(&t, "AWS::EC2::SubnetRouteTableAssociation");
        assert_eq!(associations.len(), 9);
    }
}

// ---------------------------------------------------------------------------------------------
// Tags, IAM, queue, buckets

#[test]
fn every_taggable_resource_carries_the_dataplat_and_user_tags() {
    for (name, template) in all_templates() {
        let t = template.to_value();
        for (id, resource) in resources(&t) {
            let kind = resource["Type"].as_str().unwrap();
            if !TAGGABLE.contains(&kind) {
                assert!(resource["Properties"].get("Tags").is_none(), "{name}: {id} ({kind}) is not taggable");
                continue;
            }
            assert_eq!(tag(resource, PLATFORM_TAG), Some(&Value::from(PLATFORM)), "{name}: {id}");
            assert_eq!(tag(resource, DEPLOYMENT_ID_TAG), Some(&Value::from(DEPLOYMENT_ID)), "{name}: {id}");
            assert_eq!(tag(resource, "team"), Some(&Value::from("data")), "{name}: {id}");
            let keys: Vec<&str> =
                resource["Properties"]["Tags"].as_array().unwrap().iter().map(|t| t["Key"].as_str().unwrap()).collect();
            let unique: BTreeSet<&str> = keys.iter().copied().collect();
            assert_eq!(unique.len(), keys.len(), "{name}: {id} has a tag twice: {keys:?}");
        }
    }
}

fn trust_of(role: &Value) -> (Vec<String>, Vec<String>) {
    let statement = &role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    let strings = |v: &Value| v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
    (strings(&statement["Principal"]["Service"]), strings(&statement["Action"]))
}

const SECRETS_KEY: &str = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn with_secrets_key(spec: &CloudSpec) -> CloudSpec {
    let mut spec = spec.clone();
    spec.options.secrets_key_arn = Some(SECRETS_KEY.into());
    spec
}

#[test]
fn the_cluster_role_may_use_the_secrets_key_only_when_one_is_set() {
    let spec = bundled_spec();
    let without = iam::template(&from_spec::iam(&spec)).unwrap().to_value();
    assert!(resources(&without)["ClusterRole"]["Properties"]["Policies"].is_null(), "no key, no KMS policy");
    let with = iam::template(&from_spec::iam(&with_secrets_key(&spec))).unwrap().to_value();
    let policies = resources(&with)["ClusterRole"]["Properties"]["Policies"].as_array().expect("policies").clone();
    assert_eq!(policies.len(), 1);
    let statement = &policies[0]["PolicyDocument"]["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Resource"], serde_json::json!([SECRETS_KEY]));
    let actions: Vec<&str> = statement["Action"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(actions, ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"]);
}

#[test]
fn iam_roles_have_the_expected_names_trust_and_resources() {
    let spec = bundled_spec();
    let t = iam::template(&from_spec::iam(&spec)).unwrap().to_value();
    let roles = of_type(&t, "AWS::IAM::Role");
    assert_eq!(
        roles.len(),
        6 + 6,
        "cluster, core node, Karpenter node and controller, EBS CSI, load balancer controller, 6 grants"
    );
    let role = |id: &str| &resources(&t)[id];

    assert_eq!(
        role("KarpenterNodeRole")["Properties"]["RoleName"],
        dataplat_vocabulary::karpenter_node_role_name(PLATFORM)
    );
    assert_eq!(role("KarpenterNodeRole")["Properties"]["RoleName"], "trino-v2-karpenter-node");
    assert_eq!(trust_of(role("ClusterRole")).0, ["eks.amazonaws.com"]);
    assert_eq!(trust_of(role("CoreNodeRole")), (vec!["ec2.amazonaws.com".into()], vec!["sts:AssumeRole".into()]));

    let pod_identity =
        (vec!["pods.eks.amazonaws.com".to_owned()], vec!["sts:AssumeRole".into(), "sts:TagSession".into()]);
    for grant in &spec.grants {
        let id = iam::grant_logical_id(&grant.addon, &grant.grant);
        let r = role(&id);
        assert_eq!(trust_of(r), pod_identity, "{id}");
        assert_eq!(r["Properties"]["RoleName"], iam::grant_role_name(PLATFORM, &grant.addon, &grant.grant));
        assert_eq!(
            t["Outputs"][iam::grant_output_key(&grant.addon, &grant.grant)]["Value"]["Fn::GetAtt"][0],
            id.as_str()
        );
    }
    assert_eq!(trust_of(role("KarpenterControllerRole")), pod_identity);
    assert_eq!(trust_of(role("EbsCsiRole")), pod_identity);
    assert_eq!(trust_of(role("LoadBalancerControllerRole")), pod_identity);
    assert_eq!(role("LoadBalancerControllerRole")["Properties"]["RoleName"], "trino-v2-aws-load-balancer-controller");

    // Grant resources: the addon's own buckets by physical name, literal ARNs through Fn::Sub.
    let trino = &role(&iam::grant_logical_id("trino", "trino"))["Properties"]["Policies"][0]["PolicyDocument"];
    let data = bucket_name("trino", "data");
    assert_eq!(trino["Statement"][0]["Resource"][0]["Fn::Sub"], format!("arn:${{AWS::Partition}}:s3:::{data}"));
    assert_eq!(trino["Statement"][0]["Resource"][1]["Fn::Sub"], format!("arn:${{AWS::Partition}}:s3:::{data}/*"));
    assert_eq!(
        trino["Statement"][2]["Resource"][0]["Fn::Sub"],
        "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog"
    );
    let shs = &role(&iam::grant_logical_id("spark-history-server", "shs"))["Properties"]["Policies"][0];
    let logs = bucket_name("spark-history-server", "event-logs");
    assert_eq!(
        shs["PolicyDocument"]["Statement"][0]["Resource"][1]["Fn::Sub"],
        format!("arn:${{AWS::Partition}}:s3:::{logs}/spark-event-logs/*")
    );
    // The AMP workspace's id is the stack's parameter, filled by `up` from the storage stack.
    let amp = &role(&iam::grant_logical_id("prometheus", "amp-remote-write"))["Properties"]["Policies"][0];
    assert_eq!(
        amp["PolicyDocument"]["Statement"][0]["Resource"][0]["Fn::Sub"],
        "arn:${AWS::Partition}:aps:${AWS::Region}:${AWS::AccountId}:workspace/${AmpWorkspaceId}"
    );
    assert_eq!(t["Parameters"][iam::AMP_WORKSPACE_PARAMETER]["Type"], "String");
    let plain = iam::template(&from_spec::iam(&without_amp(&spec))).unwrap().to_value();
    assert!(plain.get("Parameters").is_none(), "no workspace, no parameter: {}", plain["Parameters"]);
    let efs = &role(&iam::grant_logical_id("efs-csi", "controller"))["Properties"];
    assert_eq!(
        efs["ManagedPolicyArns"][0]["Fn::Sub"],
        "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"
    );
    assert!(efs.get("Policies").is_none(), "a grant without statements has no inline policy");

    // The Karpenter controller policy: passes only the node role, reads only its queue.
    let policies = of_type(&t, "AWS::IAM::Policy");
    assert_eq!(policies.len(), 2, "Karpenter's and the load balancer controller's");
    let policy = |id: &str| &resources(&t)[id]["Properties"]["PolicyDocument"];
    let doc = policy("KarpenterControllerPolicy");
    let by_sid = |sid: &str| {
        doc["Statement"].as_array().unwrap().iter().find(|s| s["Sid"] == sid).unwrap_or_else(|| panic!("{sid}"))
    };
    assert_eq!(
        by_sid("AllowPassingInstanceRole")["Resource"][0]["Fn::Sub"],
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/trino-v2-karpenter-node"
    );
    assert_eq!(
        by_sid("AllowInterruptionQueueActions")["Resource"][0]["Fn::Sub"],
        format!(
            "arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:{}",
            interruption::queue_name(PLATFORM)
        )
    );
    assert_eq!(
        by_sid("AllowScopedDeletion")["Condition"]["StringEquals"]["aws:ResourceTag/kubernetes.io/cluster/trino-v2"],
        serde_json::json!(["owned"])
    );
    assert!(serde_json::to_string(doc).unwrap().len() < 10_240, "inline policies stop at 10,240 characters");

    // The load balancer controller's policy: the published document's 16 statements and 86
    // actions; what it creates is tagged, and it changes only what carries its cluster tag.
    let lbc = policy("LoadBalancerControllerPolicy");
    let statements = lbc["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 16);
    let actions: usize = statements.iter().map(|s| s["Action"].as_array().map_or(1, Vec::len)).sum();
    assert_eq!(actions, 86);
    assert!(statements.iter().all(|s| s["Effect"] == "Allow"));
    let by_sid = |sid: &str| statements.iter().find(|s| s["Sid"] == sid).unwrap_or_else(|| panic!("{sid}"));
    assert_eq!(
        by_sid("ManageOwnBalancers")["Condition"]["Null"]["aws:ResourceTag/elbv2.k8s.aws/cluster"],
        serde_json::json!(["false"])
    );
    assert_eq!(
        by_sid("CreateTaggedBalancers")["Condition"]["Null"]["aws:RequestTag/elbv2.k8s.aws/cluster"],
        serde_json::json!(["false"])
    );
    assert!(
        serde_json::to_string(lbc).unwrap().contains("ec2:DescribeRouteTables"),
        "the reference's hand-written policy lacked it"
    );
    assert!(
        resources(&t)["LoadBalancerControllerPolicy"]["Properties"]["Roles"]
            == serde_json::json!([{"Ref": "LoadBalancerControllerRole"}])
    );
    assert_eq!(
        t["Outputs"][iam::OUT_LOAD_BALANCER_CONTROLLER_ROLE_ARN]["Value"]["Fn::GetAtt"][0],
        "LoadBalancerControllerRole"
    );
}

#[test]
fn the_interruption_queue_is_encrypted_tls_only_and_fed_by_five_rules() {
    let t = interruption::template(&from_spec::interruption(&bundled_spec())).unwrap().to_value();
    let queues = of_type(&t, "AWS::SQS::Queue");
    assert_eq!(queues.len(), 1);
    let (queue_id, queue) = queues[0];
    assert_eq!(queue["Properties"]["QueueName"], "Karpenter-trino-v2");
    assert_eq!(queue["Properties"]["SqsManagedSseEnabled"], true);
    assert_eq!(queue["Properties"]["MessageRetentionPeriod"], 300);

    let policies = of_type(&t, "AWS::SQS::QueuePolicy");
    assert_eq!(policies.len(), 1);
    let policy = &policies[0].1["Properties"];
    assert_eq!(policy["Queues"], serde_json::json!([{"Ref": queue_id}]));
    let statements = policy["PolicyDocument"]["Statement"].as_array().unwrap();
    let deny = statements.iter().find(|s| s["Effect"] == "Deny").expect("a Deny statement");
    assert_eq!(deny["Principal"], "*");
    assert_eq!(deny["Action"], serde_json::json!(["sqs:*"]));
    assert_eq!(deny["Condition"]["Bool"]["aws:SecureTransport"], serde_json::json!(["false"]));
    let allow = statements.iter().find(|s| s["Effect"] == "Allow").expect("an Allow statement");
    assert_eq!(allow["Principal"]["Service"], serde_json::json!(["events.amazonaws.com", "sqs.amazonaws.com"]));
    assert_eq!(allow["Action"], serde_json::json!(["sqs:SendMessage"]));

    let rules = of_type(&t, "AWS::Events::Rule");
    let patterns: BTreeSet<(String, String)> = rules
        .iter()
        .map(|(_, r)| {
            let p = &r["Properties"];
            assert_eq!(p["State"], "ENABLED");
            assert_eq!(p["Targets"][0]["Arn"], serde_json::json!({"Fn::GetAtt": [queue_id, "Arn"]}));
            let pattern = &p["EventPattern"];
            (pattern["source"][0].as_str().unwrap().into(), pattern["detail-type"][0].as_str().unwrap().into())
        })
        .collect();
    let expected: BTreeSet<(String, String)> =
        interruption::RULES.iter().map(|(_, s, d)| ((*s).into(), (*d).into())).collect();
    assert_eq!(rules.len(), 5);
    assert_eq!(patterns, expected);
}

#[test]
fn buckets_are_private_encrypted_tls_only_and_retained_only_when_asked() {
    let spec = bundled_spec();
    for (encryption, keep_data) in [(Encryption::S3Managed, false), (Encryption::Kms(Some("alias/data".into())), true)]
    {
        let input = from_spec::storage(&with_encryption(&spec, encryption.clone()), keep_data);
        let t = storage::template(&input).unwrap().to_value();
        let buckets = of_type(&t, "AWS::S3::Bucket");
        assert_eq!(buckets.len(), 4, "trino data and exchange, spark event logs, flink checkpoints");
        for b in &spec.buckets {
            let id = storage::bucket_logical_id(&b.addon, &b.id);
            let bucket = &resources(&t)[&id];
            let props = &bucket["Properties"];
            assert_eq!(props["BucketName"], b.name.as_str());
            for block in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
                assert_eq!(props["PublicAccessBlockConfiguration"][block], true, "{id} {block}");
            }
            let sse = &props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
            match &encryption {
                Encryption::S3Managed => {
                    assert_eq!(sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256");
                }
                Encryption::Kms(_) => {
                    assert_eq!(sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"], "aws:kms");
                    assert_eq!(sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"], "alias/data");
                    assert_eq!(sse["BucketKeyEnabled"], true);
                }
            }
            assert_eq!(props["VersioningConfiguration"]["Status"].as_str() == Some("Enabled"), b.versioning, "{id}");
            let rules = props["LifecycleConfiguration"]["Rules"].as_array().unwrap();
            for wanted in &b.lifecycle {
                assert!(
                    rules.iter().any(|r| r["ExpirationInDays"] == wanted.days
                        && (wanted.prefix.is_empty() || r["Prefix"] == wanted.prefix.as_str())),
                    "{id}: lifecycle rule {wanted:?} missing in {rules:?}"
                );
            }
            let retain = keep_data && b.holds_data;
            let policy = if retain { "Retain" } else { "Delete" };
            assert_eq!(bucket["DeletionPolicy"], policy, "{id}");
            assert_eq!(bucket["UpdateReplacePolicy"], policy, "{id}");

            let bucket_policy = &resources(&t)[&format!("{id}Policy")]["Properties"];
            assert_eq!(bucket_policy["Bucket"], serde_json::json!({"Ref": id}));
            let deny = &bucket_policy["PolicyDocument"]["Statement"][0];
            assert_eq!(deny["Effect"], "Deny");
            assert_eq!(deny["Principal"], "*");
            assert_eq!(deny["Condition"]["Bool"]["aws:SecureTransport"], serde_json::json!(["false"]));
            assert_eq!(deny["Resource"].as_array().unwrap().len(), 2, "the bucket and its objects");
        }
    }
}

#[test]
fn the_amp_workspace_is_tagged_output_and_retained_only_when_asked() {
    let spec = bundled_spec();
    for keep_data in [false, true] {
        let input = from_spec::storage(&spec, keep_data);
        assert_eq!(input.amp_workspace.as_deref(), Some(PLATFORM), "the alias is the platform's name");
        let t = storage::template(&input).unwrap().to_value();
        let workspaces = of_type(&t, "AWS::APS::Workspace");
        assert_eq!(workspaces.len(), 1);
        let (id, workspace) = workspaces[0];
        assert_eq!(id, storage::AMP_WORKSPACE);
        assert_eq!(workspace["Properties"]["Alias"], PLATFORM);
        assert_eq!(tag(workspace, DEPLOYMENT_ID_TAG), Some(&Value::from(DEPLOYMENT_ID)));
        let policy = if keep_data { "Retain" } else { "Delete" };
        assert_eq!((&workspace["DeletionPolicy"], &workspace["UpdateReplacePolicy"]), (&policy.into(), &policy.into()));
        assert_eq!(
            t["Outputs"][storage::AMP_WORKSPACE_OUTPUT]["Value"],
            serde_json::json!({"Fn::GetAtt": [storage::AMP_WORKSPACE, "WorkspaceId"]})
        );
    }
    // No addon refers to it: no workspace; a spec with nothing else has no storage stack at all.
    let t = storage::template(&from_spec::storage(&without_amp(&spec), true)).unwrap().to_value();
    assert!(of_type(&t, "AWS::APS::Workspace").is_empty());
    let mut only_amp = spec.clone();
    only_amp.buckets.clear();
    assert!(!from_spec::storage(&only_amp, true).is_empty());
    assert!(from_spec::storage(&without_amp(&only_amp), true).is_empty());
    // The storage stack comes before IAM, whose parameter it feeds.
    let order: Vec<_> = from_spec::stacks(&spec, true).unwrap().into_iter().map(|(stack, _)| stack.suffix()).collect();
    assert_eq!(order, ["network", "storage", "iam", "interruption"]);
}

#[test]
fn serialization_uses_cloudformation_spelling() {
    let t = network::template(&from_spec::network(&bundled_spec())).unwrap().to_value();
    assert_eq!(t["AWSTemplateFormatVersion"], "2010-09-09");
    let az = &resources(&t)["PublicSubnetA"]["Properties"]["AvailabilityZone"];
    assert_eq!(az, &serde_json::json!({"Fn::Select": [0, {"Fn::GetAZs": ""}]}));
    let nat = &resources(&t)["NatGatewayA"]["Properties"]["AllocationId"];
    assert_eq!(nat, &serde_json::json!({"Fn::GetAtt": ["NatEipA", "AllocationId"]}));
    let joined = serde_json::to_value(Expr::Join(",".into(), vec![Expr::reference("A"), Expr::lit("b")])).unwrap();
    assert_eq!(joined, serde_json::json!({"Fn::Join": [",", [{"Ref": "A"}, "b"]]}));
    let cidr = serde_json::to_value(Expr::Cidr(Box::new(Expr::get_att("Vpc", "CidrBlock")), 6, 8)).unwrap();
    assert_eq!(cidr, serde_json::json!({"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 6, 8]}));
}

// ---------------------------------------------------------------------------------------------
// cfn-lint

/// The cfn-lint binary, or `None` (skip) when it is not configured and not required.
fn cfn_lint() -> Option<String> {
    match std::env::var("DATAPLAT_CFN_LINT") {
        Ok(path) if !path.is_empty() => Some(path),
        _ => {
            assert!(
                !dataplat_testkit::required(),
                "DATAPLAT_IT=1 but DATAPLAT_CFN_LINT is not set (tests/run installs cfn-lint 1.58 and sets it)"
            );
            eprintln!("skipping: DATAPLAT_CFN_LINT is not set (path to cfn-lint 1.58; tests/run sets it)");
            None
        }
    }
}

#[test]
fn cfn_lint_reports_no_errors_on_any_template() {
    let Some(lint) = cfn_lint() else { return };
    let dir = std::env::temp_dir().join(format!("dataplat-cfn-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (name, template) in all_templates() {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, template.to_json()).unwrap();
        let output = Command::new(&lint)
            .args(["--format", "json", "--regions", "us-west-2", "--"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("running {lint}: {e}"));
        let code = output.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let matches: Vec<Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "{name}: cfn-lint exit {code}, output not JSON ({e}): {stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
        let level = |m: &Value, l: &str| m["Level"] == l;
        let errors: Vec<&Value> = matches.iter().filter(|m| level(m, "Error")).collect();
        let warnings = matches.iter().filter(|m| level(m, "Warning")).count();
        println!(
            "cfn-lint {name}: {} errors, {warnings} warnings, {} other",
            errors.len(),
            matches.len() - errors.len() - warnings
        );
        for m in matches.iter().filter(|m| !level(m, "Error")) {
            println!("  {} {} {}: {}", m["Level"], m["Rule"]["Id"], m["Location"]["Path"], m["Message"]);
        }
        // Exit code bits: 2 errors, 4 warnings, 8 informational; 1 means cfn-lint itself failed.
        if !errors.is_empty() || code & 3 != 0 {
            failures.push(format!("{name} (exit {code}): {errors:#?}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "cfn-lint errors:\n{}", failures.join("\n"));
}
