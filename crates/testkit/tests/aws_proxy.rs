//! The AWS proxy and its EKS shim, with aws-sdk-eks against moto's server through the proxy
//! (`DATAPLAT_MOTO_SERVER`; the tests skip with a message when it is unset, unless `DATAPLAT_IT=1`).
//! The tests share one moto, so every cluster has a unique name.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_sdk_eks::Client;
use aws_sdk_eks::types::{
    AccessScope, AccessScopeType, AddonPodIdentityAssociations, AddonStatus, CreateAccessConfigRequest, UpdateStatus,
    VpcConfigRequest,
};
use dataplat_testkit::aws::{AwsProxy, CREATOR_ARN};
use dataplat_testkit::{Moto, unique_name};

const REGION: &str = "us-west-2";
const ROLE: &str = "arn:aws:iam::123456789012:role/test";
const ADMIN: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const VIEW: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";

struct Env {
    // Dropped last: the proxy only forwards to it.
    _moto: Arc<Moto>,
    proxy: AwsProxy,
    eks: Client,
}

async fn env() -> Option<Env> {
    let moto = Moto::shared()?;
    let proxy = AwsProxy::start(&moto.endpoint);
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&proxy.endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    Some(Env { _moto: moto, eks: Client::new(&config), proxy })
}

async fn create_cluster(env: &Env, bootstrap: Option<bool>) -> String {
    let name = unique_name("c");
    let mut create = env
        .eks
        .create_cluster()
        .name(&name)
        .role_arn(ROLE)
        .resources_vpc_config(VpcConfigRequest::builder().subnet_ids("subnet-1").build());
    if let Some(bootstrap) = bootstrap {
        create = create.access_config(
            CreateAccessConfigRequest::builder().bootstrap_cluster_creator_admin_permissions(bootstrap).build(),
        );
    }
    create.send().await.expect("create cluster");
    name
}

#[tokio::test(flavor = "multi_thread")]
async fn addon_lifecycle_settles_after_polls() {
    let Some(env) = env().await else { return };
    let cluster = create_cluster(&env, None).await;
    env.proxy.set_settle_polls(2);

    let created = env.eks.create_addon().cluster_name(&cluster).addon_name("vpc-cni").send().await.expect("create");
    let addon = created.addon().expect("addon");
    assert_eq!(addon.status(), Some(&AddonStatus::Creating));
    assert_eq!(addon.addon_version(), Some("v1.19.2-eksbuild.1"), "the catalogue's default version");
    assert!(
        addon.addon_arn().unwrap().starts_with(&format!("arn:aws:eks:{REGION}:123456789012:addon/{cluster}/vpc-cni/"))
    );

    let duplicate = env.eks.create_addon().cluster_name(&cluster).addon_name("vpc-cni").send().await;
    assert!(duplicate.unwrap_err().into_service_error().is_resource_in_use_exception());

    let describe = || env.eks.describe_addon().cluster_name(&cluster).addon_name("vpc-cni").send();
    assert_eq!(describe().await.unwrap().addon().unwrap().status(), Some(&AddonStatus::Creating), "poll 1 of 2");
    assert_eq!(describe().await.unwrap().addon().unwrap().status(), Some(&AddonStatus::Active), "poll 2 of 2");

    let update = env
        .eks
        .update_addon()
        .cluster_name(&cluster)
        .addon_name("vpc-cni")
        .configuration_values(r#"{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}"#)
        .send()
        .await
        .expect("update");
    let update = update.update().unwrap();
    assert_eq!(update.status(), Some(&UpdateStatus::InProgress));
    assert_eq!(describe().await.unwrap().addon().unwrap().status(), Some(&AddonStatus::Updating));
    let settled = describe().await.unwrap();
    assert_eq!(settled.addon().unwrap().status(), Some(&AddonStatus::Active));
    assert_eq!(settled.addon().unwrap().configuration_values(), Some(r#"{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}"#));
    let described = env
        .eks
        .describe_update()
        .name(&cluster)
        .update_id(update.id().unwrap())
        .addon_name("vpc-cni")
        .send()
        .await
        .expect("describe update");
    assert_eq!(described.update().unwrap().status(), Some(&UpdateStatus::Successful));

    let listed = env.eks.list_addons().cluster_name(&cluster).send().await.unwrap();
    assert_eq!(listed.addons(), ["vpc-cni"]);

    let deleted = env.eks.delete_addon().cluster_name(&cluster).addon_name("vpc-cni").send().await.expect("delete");
    assert_eq!(deleted.addon().unwrap().status(), Some(&AddonStatus::Deleting));
    assert_eq!(describe().await.unwrap().addon().unwrap().status(), Some(&AddonStatus::Deleting));
    let gone = describe().await.unwrap_err().into_service_error();
    assert!(gone.is_resource_not_found_exception(), "{gone:?}");
    assert!(env.eks.list_addons().cluster_name(&cluster).send().await.unwrap().addons().is_empty());

    // Add-on pod identity associations live in kube-system, owned by the add-on, and go with it.
    env.proxy.set_settle_polls(0);
    let ebs = env
        .eks
        .create_addon()
        .cluster_name(&cluster)
        .addon_name("aws-ebs-csi-driver")
        .pod_identity_associations(
            AddonPodIdentityAssociations::builder()
                .service_account("ebs-csi-controller-sa")
                .role_arn(ROLE)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create with associations");
    let ebs = ebs.addon().unwrap();
    assert_eq!(ebs.status(), Some(&AddonStatus::Active), "settle_polls 0");
    assert_eq!(ebs.pod_identity_associations().len(), 1);
    let associations =
        env.eks.list_pod_identity_associations().cluster_name(&cluster).namespace("kube-system").send().await.unwrap();
    let summary = &associations.associations()[0];
    assert_eq!(summary.service_account(), Some("ebs-csi-controller-sa"));
    assert_eq!(summary.owner_arn(), ebs.addon_arn());
    env.eks.delete_addon().cluster_name(&cluster).addon_name("aws-ebs-csi-driver").send().await.unwrap();
    let left = env.eks.list_pod_identity_associations().cluster_name(&cluster).send().await.unwrap();
    assert!(left.associations().is_empty(), "deleted with the add-on");

    let versions = env.eks.describe_addon_versions().addon_name("coredns").send().await.unwrap();
    assert_eq!(versions.addons().len(), 1);
    assert_eq!(versions.addons()[0].addon_name(), Some("coredns"));
    assert!(versions.addons()[0].addon_versions()[0].compatibilities()[0].default_version());
}

#[tokio::test(flavor = "multi_thread")]
async fn pod_identity_association_duplicate_is_resource_in_use() {
    let Some(env) = env().await else { return };
    let cluster = create_cluster(&env, None).await;
    let create = || {
        env.eks
            .create_pod_identity_association()
            .cluster_name(&cluster)
            .namespace("apps")
            .service_account("web")
            .role_arn(ROLE)
    };
    let created = create().tags("team", "data").send().await.expect("create");
    let association = created.association().unwrap();
    let id = association.association_id().unwrap().to_owned();
    assert!(
        id.len() == 19 && id.starts_with("a-") && id[2..].chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(
        association.association_arn(),
        Some(format!("arn:aws:eks:{REGION}:123456789012:podidentityassociation/{cluster}/{id}").as_str())
    );
    assert_eq!(association.tags().unwrap().get("team").map(String::as_str), Some("data"));

    let duplicate = create().send().await.unwrap_err().into_service_error();
    assert!(duplicate.is_resource_in_use_exception(), "{duplicate:?}");

    env.eks
        .create_pod_identity_association()
        .cluster_name(&cluster)
        .namespace("jobs")
        .service_account("web")
        .role_arn(ROLE)
        .send()
        .await
        .expect("same account, other namespace");
    let filtered =
        env.eks.list_pod_identity_associations().cluster_name(&cluster).namespace("apps").send().await.unwrap();
    assert_eq!(filtered.associations().len(), 1);
    let by_account =
        env.eks.list_pod_identity_associations().cluster_name(&cluster).service_account("web").send().await.unwrap();
    assert_eq!(by_account.associations().len(), 2);

    let other_role = "arn:aws:iam::123456789012:role/other";
    let updated = env
        .eks
        .update_pod_identity_association()
        .cluster_name(&cluster)
        .association_id(&id)
        .role_arn(other_role)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.association().unwrap().role_arn(), Some(other_role));
    let described =
        env.eks.describe_pod_identity_association().cluster_name(&cluster).association_id(&id).send().await.unwrap();
    assert_eq!(described.association().unwrap().role_arn(), Some(other_role));

    env.eks.delete_pod_identity_association().cluster_name(&cluster).association_id(&id).send().await.unwrap();
    let gone = env.eks.describe_pod_identity_association().cluster_name(&cluster).association_id(&id).send().await;
    assert!(gone.unwrap_err().into_service_error().is_resource_not_found_exception());

    let missing = env.eks.create_pod_identity_association().cluster_name(&cluster).namespace("apps").send().await;
    assert!(missing.unwrap_err().into_service_error().is_invalid_parameter_exception(), "required fields");
}

#[tokio::test(flavor = "multi_thread")]
async fn access_entry_policies_and_ec2_linux_refusal() {
    let Some(env) = env().await else { return };
    let cluster = create_cluster(&env, Some(false)).await;
    let principal = "arn:aws:iam::123456789012:role/developers";
    let created = env
        .eks
        .create_access_entry()
        .cluster_name(&cluster)
        .principal_arn(principal)
        .kubernetes_groups("devs")
        .send()
        .await
        .expect("create");
    let entry = created.access_entry().unwrap();
    assert_eq!(entry.r#type(), Some("STANDARD"));
    assert_eq!(entry.username(), Some("arn:aws:sts::123456789012:assumed-role/developers/{{SessionName}}"));
    let duplicate = env.eks.create_access_entry().cluster_name(&cluster).principal_arn(principal).send().await;
    assert!(duplicate.unwrap_err().into_service_error().is_resource_in_use_exception());

    let scope = AccessScope::builder().r#type(AccessScopeType::Namespace).namespaces("apps").build();
    let associated = env
        .eks
        .associate_access_policy()
        .cluster_name(&cluster)
        .principal_arn(principal)
        .policy_arn(VIEW)
        .access_scope(scope)
        .send()
        .await
        .expect("associate");
    assert_eq!(associated.associated_access_policy().unwrap().policy_arn(), Some(VIEW));
    let listed =
        env.eks.list_associated_access_policies().cluster_name(&cluster).principal_arn(principal).send().await.unwrap();
    let policies = listed.associated_access_policies();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].access_scope().unwrap().r#type(), Some(&AccessScopeType::Namespace));
    assert_eq!(policies[0].access_scope().unwrap().namespaces(), ["apps"]);

    let no_namespaces = env
        .eks
        .associate_access_policy()
        .cluster_name(&cluster)
        .principal_arn(principal)
        .policy_arn(VIEW)
        .access_scope(AccessScope::builder().r#type(AccessScopeType::Namespace).build())
        .send()
        .await;
    assert!(no_namespaces.unwrap_err().into_service_error().is_invalid_parameter_exception());

    env.eks
        .disassociate_access_policy()
        .cluster_name(&cluster)
        .principal_arn(principal)
        .policy_arn(VIEW)
        .send()
        .await
        .expect("disassociate");
    let listed =
        env.eks.list_associated_access_policies().cluster_name(&cluster).principal_arn(principal).send().await.unwrap();
    assert!(listed.associated_access_policies().is_empty());

    let updated = env
        .eks
        .update_access_entry()
        .cluster_name(&cluster)
        .principal_arn(principal)
        .kubernetes_groups("ops")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.access_entry().unwrap().kubernetes_groups(), ["ops"]);

    // Nodes: EC2_LINUX entries take no groups and no access policies.
    let node_role = "arn:aws:iam::123456789012:role/nodes";
    let with_groups = env
        .eks
        .create_access_entry()
        .cluster_name(&cluster)
        .principal_arn(node_role)
        .r#type("EC2_LINUX")
        .kubernetes_groups("devs")
        .send()
        .await;
    assert!(with_groups.unwrap_err().into_service_error().is_invalid_parameter_exception());
    let node = env
        .eks
        .create_access_entry()
        .cluster_name(&cluster)
        .principal_arn(node_role)
        .r#type("EC2_LINUX")
        .send()
        .await
        .expect("create node entry");
    assert_eq!(node.access_entry().unwrap().username(), Some("system:node:{{EC2PrivateDNSName}}"));
    let refused = env
        .eks
        .associate_access_policy()
        .cluster_name(&cluster)
        .principal_arn(node_role)
        .policy_arn(ADMIN)
        .access_scope(AccessScope::builder().r#type(AccessScopeType::Cluster).build())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(refused.is_invalid_parameter_exception(), "{refused:?}");

    let mut entries =
        env.eks.list_access_entries().cluster_name(&cluster).send().await.unwrap().access_entries().to_vec();
    entries.sort();
    assert_eq!(entries, [principal, node_role]);
    env.eks.delete_access_entry().cluster_name(&cluster).principal_arn(principal).send().await.expect("delete");
    let gone = env.eks.describe_access_entry().cluster_name(&cluster).principal_arn(principal).send().await;
    assert!(gone.unwrap_err().into_service_error().is_resource_not_found_exception());

    let no_principal = env.eks.create_access_entry().cluster_name(&cluster).send().await;
    assert!(no_principal.unwrap_err().into_service_error().is_invalid_parameter_exception());
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_creator_gets_an_admin_access_entry() {
    let Some(env) = env().await else { return };
    let cluster = create_cluster(&env, None).await;
    let entries = env.eks.list_access_entries().cluster_name(&cluster).send().await.unwrap();
    assert_eq!(entries.access_entries(), [CREATOR_ARN]);
    let entry = env.eks.describe_access_entry().cluster_name(&cluster).principal_arn(CREATOR_ARN).send().await.unwrap();
    assert_eq!(entry.access_entry().unwrap().username(), Some(CREATOR_ARN));
    let policies = env
        .eks
        .list_associated_access_policies()
        .cluster_name(&cluster)
        .principal_arn(CREATOR_ARN)
        .send()
        .await
        .unwrap();
    let policies = policies.associated_access_policies();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].policy_arn(), Some(ADMIN));
    assert_eq!(policies[0].access_scope().unwrap().r#type(), Some(&AccessScopeType::Cluster));

    let without = create_cluster(&env, Some(false)).await;
    let entries = env.eks.list_access_entries().cluster_name(&without).send().await.unwrap();
    assert!(entries.access_entries().is_empty(), "bootstrapClusterCreatorAdminPermissions false");
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_on_a_missing_cluster_are_resource_not_found() {
    let Some(env) = env().await else { return };
    let cluster = unique_name("missing");
    let addons = env.eks.list_addons().cluster_name(&cluster).send().await.unwrap_err().into_service_error();
    assert!(addons.is_resource_not_found_exception(), "{addons:?}");
    assert_eq!(addons.meta().message(), Some(format!("No cluster found for name: {cluster}.").as_str()));
    let create = env
        .eks
        .create_pod_identity_association()
        .cluster_name(&cluster)
        .namespace("a")
        .service_account("b")
        .role_arn(ROLE)
        .send()
        .await;
    assert!(create.unwrap_err().into_service_error().is_resource_not_found_exception());
    let entry = env.eks.describe_access_entry().cluster_name(&cluster).principal_arn(CREATOR_ARN).send().await;
    assert!(entry.unwrap_err().into_service_error().is_resource_not_found_exception());
    // moto itself answers 500 here; EKS says ResourceNotFoundException.
    let nodegroups = env.eks.list_nodegroups().cluster_name(&cluster).send().await;
    assert!(nodegroups.unwrap_err().into_service_error().is_resource_not_found_exception());
    let statuses: Vec<u16> = env.proxy.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [404, 404, 404, 404]);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_cluster_clears_shim_state() {
    let Some(env) = env().await else { return };
    env.proxy.set_settle_polls(0);
    let cluster = create_cluster(&env, None).await;
    env.eks.create_addon().cluster_name(&cluster).addon_name("coredns").send().await.unwrap();
    env.eks
        .create_pod_identity_association()
        .cluster_name(&cluster)
        .namespace("apps")
        .service_account("web")
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    env.eks
        .create_nodegroup()
        .cluster_name(&cluster)
        .nodegroup_name("ng")
        .node_role(ROLE)
        .subnets("subnet-1")
        .send()
        .await
        .expect("create node group");
    let in_use = env.eks.delete_cluster().name(&cluster).send().await.unwrap_err().into_service_error();
    assert!(in_use.is_resource_in_use_exception(), "node groups left: {in_use:?}");
    assert_eq!(env.eks.list_addons().cluster_name(&cluster).send().await.unwrap().addons(), ["coredns"], "kept");

    env.eks.delete_nodegroup().cluster_name(&cluster).nodegroup_name("ng").send().await.unwrap();
    env.eks.delete_cluster().name(&cluster).send().await.expect("delete cluster");
    let gone = env.eks.list_addons().cluster_name(&cluster).send().await.unwrap_err().into_service_error();
    assert!(gone.is_resource_not_found_exception());

    // A new cluster of the same name starts empty.
    env.eks
        .create_cluster()
        .name(&cluster)
        .role_arn(ROLE)
        .resources_vpc_config(VpcConfigRequest::builder().subnet_ids("subnet-1").build())
        .access_config(CreateAccessConfigRequest::builder().bootstrap_cluster_creator_admin_permissions(false).build())
        .send()
        .await
        .unwrap();
    assert!(env.eks.list_addons().cluster_name(&cluster).send().await.unwrap().addons().is_empty());
    let associations = env.eks.list_pod_identity_associations().cluster_name(&cluster).send().await.unwrap();
    assert!(associations.associations().is_empty());
    assert!(env.eks.list_access_entries().cluster_name(&cluster).send().await.unwrap().access_entries().is_empty());
}

/// Sends one raw HTTP request through the proxy and returns the whole answer.
fn raw(endpoint: &str, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(endpoint.trim_start_matches("http://")).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread")]
async fn operation_names_are_recorded() {
    let Some(env) = env().await else { return };
    let cluster = create_cluster(&env, Some(false)).await;
    env.eks.describe_cluster().name(&cluster).send().await.unwrap();
    env.eks.list_addons().cluster_name(&cluster).send().await.unwrap();
    env.eks.list_access_entries().cluster_name(&cluster).send().await.unwrap();
    let _ = env.eks.describe_access_entry().cluster_name(&cluster).principal_arn(CREATOR_ARN).send().await;
    let _ = env
        .eks
        .list_tags_for_resource()
        .resource_arn(format!("arn:aws:eks:{REGION}:123456789012:cluster/{cluster}"))
        .send()
        .await;
    assert_eq!(
        env.proxy.operations("eks"),
        [
            "CreateCluster",
            "DescribeCluster",
            "ListAddons",
            "ListAccessEntries",
            "DescribeAccessEntry",
            "ListTagsForResource"
        ]
    );
    let requests = env.proxy.requests();
    let describe = &requests[4];
    assert_eq!((describe.method.as_str(), describe.status), ("GET", 404));
    assert_eq!(
        describe.path,
        format!("/clusters/{cluster}/access-entries/arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fmoto")
    );
    assert_eq!(env.proxy.count("CreateCluster"), 1);

    // The Query protocol, with a chunked request body: the Action names it.
    env.proxy.clear();
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let auth =
        "AWS4-HMAC-SHA256 Credential=testing/20240101/us-west-2/sts/aws4_request, SignedHeaders=host, Signature=00";
    let answer = raw(
        &env.proxy.endpoint,
        &format!(
            "POST / HTTP/1.1\r\nHost: sts\r\nAuthorization: {auth}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
            10,
            &body[..10],
            body.len() - 10,
            &body[10..]
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("<Account>123456789012</Account>"), "{answer}");
    assert_eq!(env.proxy.operations("sts"), ["GetCallerIdentity"]);
    assert_eq!(env.proxy.requests().len(), 1, "cleared before");
}

#[tokio::test(flavor = "multi_thread")]
async fn trap_kills_the_armed_process_and_drops_the_connection() {
    let Some(env) = env().await else { return };
    let cluster = create_cluster(&env, Some(false)).await;
    // The second CreateAccessEntry from now.
    let trap = env.proxy.trap("CreateAccessEntry", 2);
    let create = |principal: &str| env.eks.create_access_entry().cluster_name(&cluster).principal_arn(principal).send();
    create("arn:aws:iam::123456789012:role/first").await.expect("the first passes");
    assert!(!trap.fired());

    let mut child = std::process::Command::new("sleep").arg("60").spawn().expect("spawn sleep");
    let pending = tokio::spawn({
        let eks = env.eks.clone();
        let cluster = cluster.clone();
        async move {
            eks.create_access_entry()
                .cluster_name(&cluster)
                .principal_arn("arn:aws:iam::123456789012:role/second")
                .send()
                .await
        }
    });
    // The request waits for the trap to be armed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!trap.fired() && !pending.is_finished(), "held until armed");
    trap.arm(child.id());
    assert!(trap.wait_fired(Duration::from_secs(10)));
    let status = child.wait().unwrap();
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9), "{status:?}");
    let answer = pending.await.unwrap();
    assert!(answer.is_err(), "no answer: {answer:?}");

    // The request took effect all the same.
    let entries = env.eks.list_access_entries().cluster_name(&cluster).send().await.unwrap();
    assert!(entries.access_entries().iter().any(|e| e.ends_with("role/second")));
    create("arn:aws:iam::123456789012:role/third").await.expect("a sprung trap springs once");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_requests_pass_through_with_their_bodies() {
    let Some(env) = env().await else { return };
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&env.proxy.endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    let bucket = unique_name("bucket");
    s3.create_bucket()
        .bucket(&bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::UsWest2)
                .build(),
        )
        .send()
        .await
        .expect("create bucket");
    // Large enough for the SDK to stream it (aws-chunked, with a trailing checksum).
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    s3.put_object().bucket(&bucket).key("dir/a b.bin").body(data.clone().into()).send().await.expect("put");
    let head = s3.head_object().bucket(&bucket).key("dir/a b.bin").send().await.expect("head");
    assert_eq!(head.content_length(), Some(data.len() as i64), "a HEAD answer keeps its length");
    let got = s3.get_object().bucket(&bucket).key("dir/a b.bin").send().await.expect("get");
    assert_eq!(got.body.collect().await.unwrap().into_bytes().as_ref(), data.as_slice(), "the body arrived whole");
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(listed.contents().len(), 1);
    let not_empty = s3.delete_bucket().bucket(&bucket).send().await.unwrap_err().into_service_error();
    assert_eq!(not_empty.meta().code(), Some("BucketNotEmpty"));
    let delete = aws_sdk_s3::types::Delete::builder()
        .objects(aws_sdk_s3::types::ObjectIdentifier::builder().key("dir/a b.bin").build().unwrap())
        .build()
        .unwrap();
    s3.delete_objects().bucket(&bucket).delete(delete).send().await.expect("delete objects");
    s3.delete_bucket().bucket(&bucket).send().await.expect("delete bucket");
    assert_eq!(
        env.proxy.operations("s3"),
        [
            "CreateBucket",
            "PutObject",
            "HeadObject",
            "GetObject",
            "ListObjectsV2",
            "DeleteBucket",
            "DeleteObjects",
            "DeleteBucket"
        ]
    );
    let statuses: Vec<u16> = env.proxy.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 409, 200, 204]);
}

#[tokio::test(flavor = "multi_thread")]
async fn version_updates_show_in_describe_answers() {
    let Some(env) = env().await else { return };
    let cluster = create_cluster(&env, Some(false)).await;
    let before = env.eks.describe_cluster().name(&cluster).send().await.unwrap();
    let version = before.cluster().unwrap().version().unwrap().to_owned();
    let (major, minor) = version.split_once('.').unwrap();
    let next = format!("{major}.{}", minor.parse::<u32>().unwrap() + 1);
    let skip = format!("{major}.{}", minor.parse::<u32>().unwrap() + 2);

    let skipped = env.eks.update_cluster_version().name(&cluster).version(&skip).send().await;
    assert!(skipped.unwrap_err().into_service_error().is_invalid_parameter_exception(), "one minor at a time");
    let update = env.eks.update_cluster_version().name(&cluster).version(&next).send().await.expect("update");
    let id = update.update().unwrap().id().unwrap().to_owned();
    let described = env.eks.describe_update().name(&cluster).update_id(&id).send().await.unwrap();
    assert_eq!(described.update().unwrap().status(), Some(&UpdateStatus::Successful));
    let after = env.eks.describe_cluster().name(&cluster).send().await.unwrap();
    assert_eq!(after.cluster().unwrap().version(), Some(next.as_str()));

    env.eks
        .create_nodegroup()
        .cluster_name(&cluster)
        .nodegroup_name("ng")
        .node_role(ROLE)
        .subnets("subnet-1")
        .send()
        .await
        .expect("create node group");
    let newer =
        env.eks.update_nodegroup_version().cluster_name(&cluster).nodegroup_name("ng").version(&skip).send().await;
    assert!(newer.unwrap_err().into_service_error().is_invalid_parameter_exception(), "never newer than the cluster");
    env.eks.update_nodegroup_version().cluster_name(&cluster).nodegroup_name("ng").send().await.expect("update");
    let nodegroup = env.eks.describe_nodegroup().cluster_name(&cluster).nodegroup_name("ng").send().await.unwrap();
    assert_eq!(nodegroup.nodegroup().unwrap().version(), Some(next.as_str()), "the cluster's version");
    let missing = env.eks.update_nodegroup_version().cluster_name(&cluster).nodegroup_name("nope").send().await;
    assert!(missing.unwrap_err().into_service_error().is_resource_not_found_exception());
}
