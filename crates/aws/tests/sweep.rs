//! The orphan sweep against moto's server on loopback (`DATAPLAT_MOTO_SERVER`; the tests skip with
//! a message when it is unset, unless `DATAPLAT_IT=1`).
//!
//! The tests share one moto, so each uses its own deployment ids (`unique_name`) and never resets
//! it; every sweep sees the other tests' resources, which is part of the point: it must touch only
//! its own.
//!
//! What moto 5.2 covers (read in its source, `moto/resourcegroupstaggingapi` and each backend's
//! `iter_tagged_resources`): the tagging API lists EC2 instances (terminated ones too, as in real
//! AWS), volumes, ENIs, security groups, NAT gateways (deleted ones too), VPCs, subnets and more,
//! but neither launch templates nor Elastic IPs; ELBv2 load balancers and target groups; log
//! groups; buckets; stacks (not deleted ones). It has no EKS at all (the sweep reads clusters
//! through ListClusters/DescribeCluster). Deletions in moto are immediate: a terminated
//! instance's root volume is gone at once, NAT gateways are `deleted` at once, so the waits are
//! exercised only for one poll; DependencyViolation on security groups is not modelled.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ec2::types::{
    DomainType, Filter, InstanceType, RequestLaunchTemplateData, ResourceType, Tag, TagSpecification,
};
use aws_sdk_s3::types::{BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Tagging};
use dataplat_aws::clients::Clients;
use dataplat_aws::stacks::{Polling, SdkConfigBuilder};
use dataplat_aws::sweep::{self, DEPLOYMENT_ID_TAG, Found, Kind, PLATFORM_TAG, Scope, SweepEvent};
use dataplat_testkit::{Moto, unique_name};

const REGION: &str = "us-west-2";

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

struct Env {
    moto: Arc<Moto>,
    c: Clients,
}

async fn env() -> Option<Env> {
    let moto = Moto::shared()?;
    Some(Env { c: clients(&moto.endpoint).await, moto })
}

async fn clients(endpoint: &str) -> Clients {
    let config = SdkConfigBuilder::new()
        .region(REGION)
        .endpoint_url(endpoint)
        .static_credentials("testing", "testing")
        .no_retries()
        .load()
        .await;
    Clients::new(&config, Polling { interval: Duration::from_millis(50), timeout: Duration::from_secs(30) })
}

/// A loopback proxy in front of moto that answers `DeleteSecurityGroup` of chosen groups with
/// `DependencyViolation` a number of times (moto never does: it does not track what uses a group).
struct Faults {
    endpoint: String,
    /// Group id → (refusals left, DeleteSecurityGroup calls seen).
    groups: Arc<Mutex<BTreeMap<String, (u32, u32)>>>,
}

impl Faults {
    fn start(upstream: &str) -> Faults {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let groups: Arc<Mutex<BTreeMap<String, (u32, u32)>>> = Arc::default();
        let shared = groups.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (upstream, groups) = (upstream.clone(), shared.clone());
                std::thread::spawn(move || {
                    let _ = relay(stream, &upstream, &groups);
                });
            }
        });
        Faults { endpoint, groups }
    }

    fn refuse(&self, group: &str, times: u32) {
        self.groups.lock().unwrap().insert(group.to_owned(), (times, 0));
    }

    fn calls(&self, group: &str) -> u32 {
        self.groups.lock().unwrap().get(group).map(|g| g.1).unwrap_or(0)
    }
}

/// One request: answered here, or forwarded to moto (which closes the connection after answering).
fn relay(mut client: TcpStream, upstream: &str, groups: &Mutex<BTreeMap<String, (u32, u32)>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            head.push_str(&line);
        }
    }
    head.push_str("connection: close\r\n\r\n");
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let form = String::from_utf8_lossy(&body).into_owned();
    if form.contains("Action=DeleteSecurityGroup") {
        let group = form.split('&').find_map(|p| p.strip_prefix("GroupId=")).unwrap_or_default().to_owned();
        let mut groups = groups.lock().unwrap();
        if let Some((left, calls)) = groups.get_mut(&group) {
            *calls += 1;
            if *left > 0 {
                *left -= 1;
                let xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>DependencyViolation</Code>\
                     <Message>resource {group} has a dependent object</Message></Error></Errors><RequestID>x</RequestID></Response>"
                );
                let answer = format!(
                    "HTTP/1.1 400 Bad Request\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{xml}",
                    xml.len()
                );
                return client.write_all(answer.as_bytes());
            }
        }
    }
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(head.as_bytes())?;
    up.write_all(&body)?;
    std::io::copy(&mut up, &mut client)?;
    Ok(())
}

/// The tags of deployment `id` (none for `None`).
fn tags(id: Option<&str>) -> Vec<(String, String)> {
    match id {
        Some(id) => vec![(DEPLOYMENT_ID_TAG.into(), id.into()), (PLATFORM_TAG.into(), "p".into())],
        None => Vec::new(),
    }
}

fn ec2_tags(kind: ResourceType, tags: &[(String, String)]) -> Option<Vec<TagSpecification>> {
    if tags.is_empty() {
        return None;
    }
    let tags = tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    Some(vec![TagSpecification::builder().resource_type(kind).set_tags(Some(tags)).build()])
}

/// One set of resources, tagged as `tags` says, in an untagged VPC of its own.
#[derive(Debug)]
struct Orphans {
    instance: String,
    volume: String,
    eni: String,
    security_group: String,
    launch_template: String,
    nat_gateway: String,
    elastic_ip: String,
    load_balancer: String,
    target_group: String,
    log_group: String,
    bucket: String,
}

impl Orphans {
    /// What a sweep of these deletes, as (kind, id).
    fn expected(&self) -> BTreeSet<(String, String)> {
        [
            ("instance", &self.instance),
            ("volume", &self.volume),
            ("network-interface", &self.eni),
            ("security-group", &self.security_group),
            ("launch-template", &self.launch_template),
            ("nat-gateway", &self.nat_gateway),
            ("elastic-ip", &self.elastic_ip),
            ("load-balancer", &self.load_balancer),
            ("target-group", &self.target_group),
            ("log-group", &self.log_group),
            ("bucket", &self.bucket),
        ]
        .into_iter()
        .map(|(k, id)| (k.to_owned(), id.clone()))
        .collect()
    }
}

async fn ami(env: &Env) -> String {
    let out = env.c.ec2.describe_images().send().await.unwrap();
    out.images().first().and_then(|i| i.image_id()).expect("moto knows AMIs").to_owned()
}

/// A VPC with two subnets in two zones (a load balancer needs two), untagged.
async fn network(env: &Env) -> (String, String, String) {
    let ec2 = &env.c.ec2;
    let vpc = ec2.create_vpc().cidr_block("10.20.0.0/16").send().await.unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let mut subnets = Vec::new();
    for (cidr, zone) in [("10.20.1.0/24", "us-west-2a"), ("10.20.2.0/24", "us-west-2b")] {
        let out = ec2.create_subnet().vpc_id(&vpc).cidr_block(cidr).availability_zone(zone).send().await.unwrap();
        subnets.push(out.subnet().unwrap().subnet_id().unwrap().to_owned());
    }
    (vpc, subnets[0].clone(), subnets[1].clone())
}

async fn bucket_with_versions(env: &Env, name: &str, tags: &[(String, String)]) {
    let s3 = &env.c.s3;
    let location = CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::UsWest2).build();
    s3.create_bucket().bucket(name).create_bucket_configuration(location).send().await.unwrap();
    let versioning = aws_sdk_s3::types::VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled);
    s3.put_bucket_versioning().bucket(name).versioning_configuration(versioning.build()).send().await.unwrap();
    if !tags.is_empty() {
        let set = tags.iter().map(|(k, v)| aws_sdk_s3::types::Tag::builder().key(k).value(v).build().unwrap());
        let tagging = Tagging::builder().set_tag_set(Some(set.collect())).build().unwrap();
        s3.put_bucket_tagging().bucket(name).tagging(tagging).send().await.unwrap();
    }
    for (key, body) in [("a", "1"), ("a", "2"), ("a", "3"), ("b", "1")] {
        s3.put_object().bucket(name).key(key).body(body.as_bytes().to_vec().into()).send().await.unwrap();
    }
    // A delete marker on top of b.
    s3.delete_object().bucket(name).key("b").send().await.unwrap();
}

async fn orphans(env: &Env, tags: &[(String, String)]) -> Orphans {
    let ec2 = &env.c.ec2;
    let (vpc, subnet_a, subnet_b) = network(env).await;
    let name = unique_name("o");

    let specs: Vec<TagSpecification> = [ResourceType::Instance, ResourceType::Volume]
        .into_iter()
        .filter_map(|k| ec2_tags(k, tags))
        .flatten()
        .collect();
    let run = ec2
        .run_instances()
        .image_id(ami(env).await)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet_a)
        .set_tag_specifications(Some(specs).filter(|s| !s.is_empty()))
        .send()
        .await
        .unwrap();
    let instance = run.instances()[0].instance_id().unwrap().to_owned();
    let volumes = ec2
        .describe_volumes()
        .filters(Filter::builder().name("attachment.instance-id").values(&instance).build())
        .send()
        .await
        .unwrap();
    let volume = volumes.volumes()[0].volume_id().unwrap().to_owned();

    let eni = ec2
        .create_network_interface()
        .subnet_id(&subnet_a)
        .set_tag_specifications(ec2_tags(ResourceType::NetworkInterface, tags))
        .send()
        .await
        .unwrap();
    let eni = eni.network_interface().unwrap().network_interface_id().unwrap().to_owned();

    let sg = ec2
        .create_security_group()
        .group_name(format!("{name}-sg"))
        .description("sweep test")
        .vpc_id(&vpc)
        .set_tag_specifications(ec2_tags(ResourceType::SecurityGroup, tags))
        .send()
        .await
        .unwrap();
    let security_group = sg.group_id().unwrap().to_owned();

    let lt = ec2
        .create_launch_template()
        .launch_template_name(format!("{name}-lt"))
        .launch_template_data(RequestLaunchTemplateData::builder().instance_type(InstanceType::T3Micro).build())
        .set_tag_specifications(ec2_tags(ResourceType::LaunchTemplate, tags))
        .send()
        .await
        .unwrap();
    let launch_template = lt.launch_template().unwrap().launch_template_id().unwrap().to_owned();

    let eip = ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .set_tag_specifications(ec2_tags(ResourceType::ElasticIp, tags))
        .send()
        .await
        .unwrap();
    let elastic_ip = eip.allocation_id().unwrap().to_owned();
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&subnet_a)
        .allocation_id(&elastic_ip)
        .set_tag_specifications(ec2_tags(ResourceType::Natgateway, tags))
        .send()
        .await
        .unwrap();
    let nat_gateway = nat.nat_gateway().unwrap().nat_gateway_id().unwrap().to_owned();

    let elb_tags: Vec<_> = tags
        .iter()
        .map(|(k, v)| aws_sdk_elasticloadbalancingv2::types::Tag::builder().key(k).value(v).build())
        .collect();
    let lb = env
        .c
        .elbv2
        .create_load_balancer()
        .name(format!("{name}-lb"))
        .subnets(&subnet_a)
        .subnets(&subnet_b)
        .set_tags(Some(elb_tags.clone()).filter(|t| !t.is_empty()))
        .send()
        .await
        .unwrap();
    let load_balancer = lb.load_balancers()[0].load_balancer_arn().unwrap().to_owned();
    let tg = env
        .c
        .elbv2
        .create_target_group()
        .name(format!("{name}-tg"))
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(80)
        .vpc_id(&vpc)
        .set_tags(Some(elb_tags).filter(|t| !t.is_empty()))
        .send()
        .await
        .unwrap();
    let target_group = tg.target_groups()[0].target_group_arn().unwrap().to_owned();

    let log_group = format!("/dataplat/{name}");
    let logs_tags = Some(tags.iter().cloned().collect()).filter(|t: &std::collections::HashMap<_, _>| !t.is_empty());
    env.c.logs.create_log_group().log_group_name(&log_group).set_tags(logs_tags).send().await.unwrap();

    let bucket = format!("{name}-data");
    bucket_with_versions(env, &bucket, tags).await;

    Orphans {
        instance,
        volume,
        eni,
        security_group,
        launch_template,
        nat_gateway,
        elastic_ip,
        load_balancer,
        target_group,
        log_group,
        bucket,
    }
}

fn keys(found: &[Found]) -> BTreeSet<(String, String)> {
    found.iter().map(|f| (f.kind.as_str().to_owned(), f.id.clone())).collect()
}

async fn object_versions(env: &Env, bucket: &str) -> (usize, usize) {
    let out = env.c.s3.list_object_versions().bucket(bucket).send().await.unwrap();
    (out.versions().len(), out.delete_markers().len())
}

/// Every resource of `o` is still there, as it was.
async fn assert_untouched(env: &Env, o: &Orphans) {
    let ec2 = &env.c.ec2;
    let out = ec2.describe_instances().instance_ids(&o.instance).send().await.unwrap();
    let state = out.reservations()[0].instances()[0].state().unwrap().name().unwrap().as_str().to_owned();
    assert_eq!(state, "running", "{o:?}");
    let out = ec2.describe_volumes().volume_ids(&o.volume).send().await.unwrap();
    assert_eq!(out.volumes().len(), 1, "{o:?}");
    let out = ec2.describe_network_interfaces().network_interface_ids(&o.eni).send().await.unwrap();
    assert_eq!(out.network_interfaces().len(), 1, "{o:?}");
    let out = ec2.describe_security_groups().group_ids(&o.security_group).send().await.unwrap();
    assert_eq!(out.security_groups().len(), 1, "{o:?}");
    let out = ec2.describe_launch_templates().launch_template_ids(&o.launch_template).send().await.unwrap();
    assert_eq!(out.launch_templates().len(), 1, "{o:?}");
    let out = ec2.describe_nat_gateways().nat_gateway_ids(&o.nat_gateway).send().await.unwrap();
    assert_eq!(out.nat_gateways()[0].state().unwrap().as_str(), "available", "{o:?}");
    let out = ec2.describe_addresses().allocation_ids(&o.elastic_ip).send().await.unwrap();
    assert_eq!(out.addresses().len(), 1, "{o:?}");
    let out = env.c.elbv2.describe_load_balancers().load_balancer_arns(&o.load_balancer).send().await.unwrap();
    assert_eq!(out.load_balancers().len(), 1, "{o:?}");
    let out = env.c.elbv2.describe_target_groups().target_group_arns(&o.target_group).send().await.unwrap();
    assert_eq!(out.target_groups().len(), 1, "{o:?}");
    let out = env.c.logs.describe_log_groups().log_group_name_prefix(&o.log_group).send().await.unwrap();
    assert_eq!(out.log_groups().len(), 1, "{o:?}");
    assert_eq!(object_versions(env, &o.bucket).await, (4, 1), "{o:?}");
}

async fn exists_instance(env: &Env, id: &str) -> String {
    let out = env.c.ec2.describe_instances().instance_ids(id).send().await.unwrap();
    out.reservations()[0].instances()[0].state().unwrap().name().unwrap().as_str().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_sweep_deletes_our_orphans_keeps_retained_buckets_and_leaves_look_alikes() {
    let Some(env) = env().await else { return };
    let id = unique_name("dep");
    let ours = orphans(&env, &tags(Some(&id))).await;
    let kept = format!("{}-kept", unique_name("k"));
    bucket_with_versions(&env, &kept, &tags(Some(&id))).await;
    let other = orphans(&env, &tags(Some(&unique_name("dep")))).await;
    let untagged = orphans(&env, &tags(None)).await;
    let scope = Scope::new("p", &id).retain_bucket(&kept);

    // The first look finds all of ours (launch template and Elastic IP included, which moto's
    // tagging API does not list), the retained bucket, and nothing else.
    let found = sweep::find(&env.c, &scope).await.unwrap();
    let mut expected = ours.expected();
    expected.insert(("bucket".into(), kept.clone()));
    assert_eq!(keys(&found), expected, "{found:#?}");

    let mut events = Vec::new();
    let receipt = sweep::sweep(&env.c, &scope, &mut |e: &SweepEvent| events.push(e.clone())).await.unwrap();

    assert!(receipt.failures.is_empty(), "{:#?}", receipt.failures);
    assert!(receipt.remaining.is_empty(), "{:#?}", receipt.remaining);
    assert_eq!(keys(&receipt.deleted), ours.expected(), "{}", receipt.render());
    assert_eq!(keys(&receipt.retained), BTreeSet::from([("bucket".to_owned(), kept.clone())]));
    assert_eq!(receipt.billable_remaining(), 0);
    assert!(receipt.is_clean());
    let text = receipt.render();
    assert!(
        text.trim_end().ends_with("0 billable resources remain, besides the 1 retained bucket listed above"),
        "{text}"
    );
    assert!(text.contains(&format!("S3 bucket {kept}: kept on purpose")), "{text}");
    let json = serde_json::to_value(&receipt).unwrap();
    assert_eq!(json["clean"], true, "{json}");
    assert_eq!(json["deleted"].as_array().unwrap().len(), 11, "{json}");

    // Events: both looks, one Deleted per deleted resource, the retained bucket announced.
    let passes: Vec<u8> =
        events.iter().filter_map(|e| if let SweepEvent::Looking { pass } = e { Some(*pass) } else { None }).collect();
    assert_eq!(passes, [1, 2]);
    assert_eq!(events.iter().filter(|e| matches!(e, SweepEvent::Deleted(_))).count(), 11);
    assert!(events.iter().any(|e| matches!(e, SweepEvent::Retained(f) if f.id == kept)));

    // Really gone: the instance terminated, the bucket (with its versions) deleted.
    assert_eq!(exists_instance(&env, &ours.instance).await, "terminated");
    assert!(env.c.s3.head_bucket().bucket(&ours.bucket).send().await.is_err());
    let out = env.c.ec2.describe_addresses().send().await.unwrap();
    assert!(!out.addresses().iter().any(|a| a.allocation_id() == Some(&ours.elastic_ip)));
    let out = env.c.elbv2.describe_load_balancers().send().await.unwrap();
    assert!(!out.load_balancers().iter().any(|lb| lb.load_balancer_arn() == Some(&ours.load_balancer)));

    // The retained bucket is untouched, and so is everything of the look-alikes.
    assert_eq!(object_versions(&env, &kept).await, (4, 1));
    assert_untouched(&env, &other).await;
    assert_untouched(&env, &untagged).await;

    // A second find sees only the retained bucket.
    let again = sweep::find(&env.c, &scope).await.unwrap();
    assert_eq!(keys(&again), BTreeSet::from([("bucket".to_owned(), kept.clone())]));
    let without_retention = sweep::find(&env.c, &Scope::new("p", &id)).await.unwrap();
    assert_eq!(keys(&without_retention), BTreeSet::from([("bucket".to_owned(), kept)]), "still found by its tag");
}

#[tokio::test]
async fn a_tagged_resource_without_a_deleter_remains_and_the_receipt_fails() {
    let Some(env) = env().await else { return };
    let id = unique_name("dep");
    let (_, subnet_a, subnet_b) = network(&env).await;
    let cluster = unique_name("c");
    let create = env
        .c
        .eks
        .create_cluster()
        .name(&cluster)
        .role_arn("arn:aws:iam::123456789012:role/eks")
        .resources_vpc_config(
            aws_sdk_eks::types::VpcConfigRequest::builder().subnet_ids(&subnet_a).subnet_ids(&subnet_b).build(),
        )
        .tags(DEPLOYMENT_ID_TAG, &id)
        .tags(PLATFORM_TAG, "p")
        .send()
        .await;
    create.unwrap();
    let log_group = format!("/dataplat/{id}");
    env.c
        .logs
        .create_log_group()
        .log_group_name(&log_group)
        .tags(DEPLOYMENT_ID_TAG, &id)
        .tags(PLATFORM_TAG, "p")
        .send()
        .await
        .unwrap();

    let receipt = sweep::sweep(&env.c, &Scope::new("p", &id), &mut |_| {}).await.unwrap();

    assert_eq!(keys(&receipt.deleted), BTreeSet::from([("log-group".to_owned(), log_group)]));
    assert_eq!(receipt.remaining.len(), 1, "{:#?}", receipt.remaining);
    let remaining = &receipt.remaining[0];
    assert_eq!((&remaining.found.kind, remaining.found.id.as_str()), (&Kind::EksCluster, cluster.as_str()));
    assert!(remaining.billable);
    assert!(remaining.reason.contains("no deleter"), "{}", remaining.reason);
    assert_eq!(receipt.billable_remaining(), 1);
    assert!(!receipt.is_clean());
    let text = receipt.render();
    assert!(text.trim_end().ends_with("1 billable resource remains"), "{text}");
    assert!(text.contains(&format!("EKS cluster {cluster}")), "{text}");
    // Untouched.
    let out = env.c.eks.describe_cluster().name(&cluster).send().await.unwrap();
    assert_eq!(out.cluster().unwrap().status().unwrap().as_str(), "ACTIVE");
}

/// An ENI of ours attached to an instance that is not ours cannot be deleted: the failure is
/// reported with its reason, and the other deletions go on.
#[tokio::test]
async fn one_failed_deletion_does_not_stop_the_others() {
    let Some(env) = env().await else { return };
    let id = unique_name("dep");
    let ec2 = &env.c.ec2;
    let (_, subnet_a, _) = network(&env).await;
    let foreign = ec2
        .run_instances()
        .image_id(ami(&env).await)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet_a)
        .send()
        .await
        .unwrap();
    let foreign = foreign.instances()[0].instance_id().unwrap().to_owned();
    let eni = ec2
        .create_network_interface()
        .subnet_id(&subnet_a)
        .set_tag_specifications(ec2_tags(ResourceType::NetworkInterface, &tags(Some(&id))))
        .send()
        .await
        .unwrap();
    let eni = eni.network_interface().unwrap().network_interface_id().unwrap().to_owned();
    ec2.attach_network_interface()
        .network_interface_id(&eni)
        .instance_id(&foreign)
        .device_index(1)
        .send()
        .await
        .unwrap();
    let log_group = format!("/dataplat/{id}");
    env.c.logs.create_log_group().log_group_name(&log_group).tags(DEPLOYMENT_ID_TAG, &id).send().await.unwrap();

    let receipt = sweep::sweep(&env.c, &Scope::new("p", &id), &mut |_| {}).await.unwrap();

    assert_eq!(keys(&receipt.deleted), BTreeSet::from([("log-group".to_owned(), log_group)]));
    assert_eq!(receipt.failures.len(), 1, "{:#?}", receipt.failures);
    assert_eq!(receipt.failures[0].found.id, eni);
    assert!(receipt.failures[0].error.contains(&foreign), "{}", receipt.failures[0].error);
    assert_eq!(receipt.remaining.len(), 1);
    assert_eq!(receipt.remaining[0].reason, receipt.failures[0].error, "the remaining entry says why");
    assert_eq!(receipt.billable_remaining(), 1);
    assert!(receipt.render().trim_end().ends_with("1 billable resource remains"));
    assert_eq!(exists_instance(&env, &foreign).await, "running", "not ours: never terminated");
}

#[tokio::test]
async fn empty_bucket_deletes_every_version_and_delete_marker_across_pages() {
    let Some(env) = env().await else { return };
    let s3 = &env.c.s3;
    let bucket = format!("{}-big", unique_name("e"));
    bucket_with_versions(&env, &bucket, &[]).await; // 4 versions, 1 delete marker
    // 520 keys × 2 versions + 20 delete markers: more than one page of 1000.
    for i in 0..520 {
        for body in ["x", "y"] {
            s3.put_object()
                .bucket(&bucket)
                .key(format!("k/{i:04}"))
                .body(body.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        }
    }
    for i in 0..20 {
        s3.delete_object().bucket(&bucket).key(format!("k/{i:04}")).send().await.unwrap();
    }

    let deleted = sweep::empty_bucket(s3, &bucket).await.unwrap();

    assert_eq!(deleted, 4 + 1 + 520 * 2 + 20);
    let out = s3.list_object_versions().bucket(&bucket).send().await.unwrap();
    assert!(out.versions().is_empty() && out.delete_markers().is_empty(), "{out:?}");
    s3.delete_bucket().bucket(&bucket).send().await.expect("an emptied bucket can be deleted");
    assert_eq!(sweep::empty_bucket(s3, &format!("{bucket}-none")).await.ok(), None, "a missing bucket is an error");
}

/// Security groups answering DependencyViolation are tried again: one that gives in on the third
/// try is deleted; one that never does is reported after 5 tries, and since a security group costs
/// nothing the receipt still says 0 billable resources remain, listing it.
#[tokio::test]
async fn security_groups_are_retried_on_dependency_violation() {
    let Some(env) = env().await else { return };
    let faults = Faults::start(&env.moto.endpoint);
    let c = clients(&faults.endpoint).await;
    let id = unique_name("dep");
    let (vpc, _, _) = network(&env).await;
    let mut groups = Vec::new();
    for suffix in ["late", "stuck"] {
        let sg = c
            .ec2
            .create_security_group()
            .group_name(format!("{id}-{suffix}"))
            .description("sweep test")
            .vpc_id(&vpc)
            .set_tag_specifications(ec2_tags(ResourceType::SecurityGroup, &tags(Some(&id))))
            .send()
            .await
            .unwrap();
        groups.push(sg.group_id().unwrap().to_owned());
    }
    let (late, stuck) = (&groups[0], &groups[1]);
    faults.refuse(late, 2);
    faults.refuse(stuck, u32::MAX);

    let receipt = sweep::sweep(&c, &Scope::new("p", &id), &mut |_| {}).await.unwrap();

    assert_eq!(keys(&receipt.deleted), BTreeSet::from([("security-group".to_owned(), late.clone())]));
    assert_eq!((faults.calls(late), faults.calls(stuck)), (3, 5));
    assert_eq!(receipt.failures.len(), 1, "{:#?}", receipt.failures);
    let failure = &receipt.failures[0];
    assert_eq!(&failure.found.id, stuck);
    assert!(
        failure.error.starts_with("DependencyViolation") && failure.error.ends_with("(tried 5 times)"),
        "{failure:?}"
    );
    assert_eq!(receipt.remaining.len(), 1);
    assert!(!receipt.remaining[0].billable);
    assert_eq!(receipt.billable_remaining(), 0);
    assert!(receipt.is_clean());
    let text = receipt.render();
    assert!(
        text.contains(&format!("security group {stuck} ({id}-stuck) (not billable): DependencyViolation")),
        "{text}"
    );
    assert!(text.trim_end().ends_with("\n0 billable resources remain"), "{text}");
}

#[tokio::test]
async fn amp_workspaces_are_swept_by_tag_or_kept_with_the_data() {
    let Some(env) = env().await else { return };
    let id = unique_name("amp");
    let workspace = |tags: Vec<(String, String)>| {
        let c = env.c.amp.clone();
        async move {
            let mut create = c.create_workspace().alias("w");
            for (k, v) in tags {
                create = create.tags(k, v);
            }
            create.send().await.expect("CreateWorkspace").workspace_id().to_owned()
        }
    };
    let ours = workspace(tags(Some(&id))).await;
    let theirs = workspace(tags(Some(&unique_name("other")))).await;
    let untagged = workspace(Vec::new()).await;

    // --keep-data: found, retained, untouched; the summary counts it.
    let keep = Scope { retain_amp_workspaces: true, ..Scope::new("p", &id) };
    let receipt = sweep::sweep(&env.c, &keep, &mut |_| {}).await.expect("sweep");
    assert_eq!(
        receipt.retained.iter().map(|f| (&f.kind, f.id.as_str())).collect::<Vec<_>>(),
        [(&Kind::AmpWorkspace, ours.as_str())]
    );
    assert!(receipt.is_clean(), "{}", receipt.render());
    assert!(receipt.render().contains("aws amp delete-workspace"), "{}", receipt.render());
    env.c.amp.describe_workspace().workspace_id(&ours).send().await.expect("kept");

    // Otherwise deleted; only ours.
    let receipt = sweep::sweep(&env.c, &Scope::new("p", &id), &mut |_| {}).await.expect("sweep");
    assert!(receipt.deleted.iter().any(|f| f.kind == Kind::AmpWorkspace && f.id == ours), "{}", receipt.render());
    assert!(receipt.is_clean(), "{}", receipt.render());
    assert!(env.c.amp.describe_workspace().workspace_id(&ours).send().await.is_err(), "deleted");
    for other in [&theirs, &untagged] {
        env.c.amp.describe_workspace().workspace_id(other).send().await.expect("another's workspace is untouched");
        env.c.amp.delete_workspace().workspace_id(other).send().await.expect("clean up");
    }
}
