//! From the composer's plan to the cloud layer's own [`CloudSpec`].

use dataplat_aws::spec::{CloudOptions, CloudSpec, PinnedPool, PodIdentityRequest};
use dataplat_aws::templates::iam::{self, GrantRole, GrantStatement};
use dataplat_aws::templates::network::NatMode;
use dataplat_aws::templates::storage::{BucketSpec, Encryption, Expiration};
use dataplat_core::model::IamResource;
use dataplat_core::{ClusterSettings, Plan};

/// The cloud options a `cluster:` block gives; bucket encryption is SSE-S3 (platform.yaml does
/// not carry it).
pub fn cloud_options(c: &ClusterSettings) -> CloudOptions {
    let ng = &c.core_node_group;
    CloudOptions {
        nat: if c.single_nat_gateway { NatMode::Single } else { NatMode::PerZone },
        encryption: Encryption::S3Managed,
        core_instance_types: ng.instance_types.clone(),
        core_min: ng.min_size,
        core_desired: ng.desired_size,
        core_max: ng.max_size,
        core_disk_gib: ng.disk_size_gib,
        log_types: c.control_plane_logs.clone(),
        endpoint_public_access: c.endpoint_public_access,
        public_access_cidrs: c.public_access_cidrs.clone(),
        secrets_key_arn: c.secrets_kms_key_arn.clone(),
    }
}

/// What the cloud layer makes for `plan`: the platform's settings, every addon's buckets (under
/// their physical names), grants (bucket references resolved to the addon's own buckets or, as
/// `<addon>/<id>`, another's), literal
/// ARNs with their `${...}` left to CloudFormation), pod identities and pinned pools, whether the
/// load balancer controller runs, and the AMP workspace when an addon refers to it.
pub fn cloud_spec(plan: &Plan) -> CloudSpec {
    let p = &plan.platform;
    let mut spec = CloudSpec::new(&p.name, &p.region, &p.deployment_id, cloud_options(&p.cluster));
    spec.kubernetes_version = p.kubernetes_version.clone();
    spec.vpc_cidr = p.vpc_cidr.clone();
    spec.tags = p.tags.clone();
    for addon in &plan.addons {
        let bucket = |id: &str| plan.bucket(&addon.name, id).map_or(id, |b| b.name.as_str()).to_owned();
        spec.buckets.extend(addon.buckets.iter().map(|b| {
            BucketSpec {
                addon: addon.name.clone(),
                id: b.id.clone(),
                name: b.name.clone(),
                purpose: b.purpose.clone(),
                versioning: b.versioning,
                lifecycle: b
                    .lifecycle_rules
                    .iter()
                    .map(|r| Expiration { prefix: r.prefix.clone(), days: r.expiration_days })
                    .collect(),
                holds_data: b.holds_data,
            }
        }));
        spec.grants.extend(addon.grants.iter().map(|grant| {
            GrantRole {
                addon: addon.name.clone(),
                grant: grant.id.clone(),
                statements: grant
                    .statements
                    .iter()
                    .map(|s| GrantStatement {
                        sid: s.sid.clone(),
                        actions: s.actions.clone(),
                        resources: s
                            .resources
                            .iter()
                            .map(|r| match r {
                                IamResource::Bucket(id) => iam::bucket_arn(&bucket(id)),
                                IamResource::BucketObjects((id, prefix)) => {
                                    iam::bucket_objects_arn(&bucket(id), prefix)
                                }
                                IamResource::Arn(arn) => iam::literal_arn(arn),
                            })
                            .collect(),
                    })
                    .collect(),
                managed_policies: grant.managed_policies.clone(),
            }
        }));
        spec.pod_identities.extend(addon.pod_identities.iter().map(|i| PodIdentityRequest {
            namespace: i.namespace.clone(),
            service_account: i.service_account.clone(),
            addon: addon.name.clone(),
            grant: i.grant.clone(),
        }));
        spec.pinned_pools.extend(addon.node_pools.iter().filter(|r| r.single_zone).map(|r| PinnedPool {
            addon: addon.name.clone(),
            pool: r.name.clone(),
            zone: dataplat_vocabulary::single_zone(&p.region, r.zone.as_deref()),
        }));
    }
    spec.load_balancer_controller = dataplat_core::base::has_load_balancer_controller(plan);
    if !dataplat_core::cloud_values::amp_workspace_users(plan).is_empty() {
        spec.amp_workspace = Some(dataplat_core::cloud_values::amp_workspace_alias(p));
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_core::model::{IamGrant, IamStatement, PodIdentity};
    use dataplat_core::{AddonEntry, BucketPlan, PlatformSummary};

    fn plan(cluster: ClusterSettings) -> Plan {
        Plan {
            platform: PlatformSummary {
                name: "p1".into(),
                region: "us-west-2".into(),
                deployment_id: "Ab3dE9xZ".into(),
                kubernetes_version: "1.34".into(),
                vpc_cidr: "10.1.0.0/16".into(),
                tags: [("team".to_owned(), "data".to_owned())].into(),
                cluster,
            },
            addons: Vec::new(),
            release_order: Vec::new(),
        }
    }

    #[test]
    fn the_cluster_block_reaches_the_cloud_options() {
        let default = cloud_spec(&plan(ClusterSettings::default()));
        let o = &default.options;
        assert_eq!(o, &CloudOptions::reference(), "the cloud layer's reference is what no `cluster:` block gives");
        // The reference's core node group: m6a.xlarge, 4..8, 100 GiB; one NAT; every log type.
        assert_eq!(o.core_instance_types, ["m6a.xlarge"]);
        assert_eq!((o.core_min, o.core_desired, o.core_max, o.core_disk_gib), (4, 4, 8, 100));
        assert_eq!(o.nat, NatMode::Single);
        assert_eq!(o.log_types, dataplat_vocabulary::CONTROL_PLANE_LOG_TYPES);
        assert!(o.endpoint_public_access && o.secrets_key_arn.is_none());
        assert_eq!((default.vpc_cidr.as_str(), default.tags["team"].as_str()), ("10.1.0.0/16", "data"));
        assert!(!default.load_balancer_controller && default.amp_workspace.is_none());

        let mut custom = ClusterSettings {
            endpoint_public_access: false,
            public_access_cidrs: vec!["203.0.113.0/24".into()],
            control_plane_logs: vec!["audit".into()],
            secrets_kms_key_arn: Some("arn:aws:kms:us-west-2:123456789012:key/k".into()),
            single_nat_gateway: false,
            ..Default::default()
        };
        custom.core_node_group.instance_types = vec!["m7a.large".into()];
        custom.core_node_group.min_size = 1;
        custom.core_node_group.desired_size = 2;
        custom.core_node_group.max_size = 3;
        custom.core_node_group.disk_size_gib = 50;
        let o = cloud_options(&custom);
        assert_eq!(o.nat, NatMode::PerZone);
        assert_eq!(o.core_instance_types, ["m7a.large"]);
        assert_eq!((o.core_min, o.core_desired, o.core_max, o.core_disk_gib), (1, 2, 3, 50));
        assert_eq!(
            (o.log_types.as_slice(), o.public_access_cidrs.as_slice()),
            (&["audit".to_string()][..], &["203.0.113.0/24".to_string()][..])
        );
        assert!(!o.endpoint_public_access);
        assert_eq!(o.secrets_key_arn.as_deref(), Some("arn:aws:kms:us-west-2:123456789012:key/k"));
    }

    #[test]
    fn addon_declarations_become_the_cloud_layers_own() {
        let mut p = plan(ClusterSettings::default());
        let mut trino = AddonEntry::of_core("trino", "1.0.0", Vec::new(), Vec::new());
        trino.buckets = vec![BucketPlan {
            id: "data".into(),
            name: "p1-trino-data-ab3de9xz".into(),
            purpose: "tables".into(),
            versioning: true,
            lifecycle_rules: Vec::new(),
            holds_data: true,
        }];
        trino.grants = vec![IamGrant {
            id: "trino".into(),
            statements: vec![IamStatement {
                sid: "Data".into(),
                actions: vec!["s3:GetObject".into()],
                resources: vec![
                    IamResource::Bucket("data".into()),
                    IamResource::BucketObjects(("data".into(), "t/".into())),
                    IamResource::Arn("arn:${partition}:glue:${region}:${account}:catalog".into()),
                ],
            }],
            managed_policies: Vec::new(),
        }];
        trino.pod_identities =
            vec![PodIdentity { namespace: "trino".into(), service_account: "trino-sa".into(), grant: "trino".into() }];
        p.addons.push(trino);
        let spec = cloud_spec(&p);
        assert_eq!(spec.buckets.len(), 1);
        assert_eq!((spec.buckets[0].name.as_str(), spec.buckets[0].holds_data), ("p1-trino-data-ab3de9xz", true));
        let resources = &spec.grants[0].statements[0].resources;
        assert_eq!(resources[0], iam::bucket_arn("p1-trino-data-ab3de9xz"));
        assert_eq!(resources[1], iam::bucket_objects_arn("p1-trino-data-ab3de9xz", "t/"));
        assert_eq!(resources[2], iam::literal_arn("arn:${partition}:glue:${region}:${account}:catalog"));
        assert_eq!(
            spec.pod_identities,
            [PodIdentityRequest {
                namespace: "trino".into(),
                service_account: "trino-sa".into(),
                addon: "trino".into(),
                grant: "trino".into()
            }]
        );
        // The load balancer controller runs when the plan installs it.
        p.addons.insert(0, dataplat_core::base::core_entry(&p.platform));
        p.addons[0].releases.push(dataplat_core::base::load_balancer_controller_release(&p.platform));
        assert!(cloud_spec(&p).load_balancer_controller);
    }
}
