//! What AWS says of the platform, for doctor's cloud checks: the EKS add-ons, the pod identity
//! associations against those the plan declares, whether each role exists with its policies, and
//! whether the buckets its grant names exist. Reads only.

use dataplat_aws::clients::Clients;
use dataplat_aws::templates::iam;
use dataplat_core::Plan;
use dataplat_core::model::IamResource;
use dataplat_doctor::{Association, BucketReach, Cloud, EksAddon, ExpectedIdentity};

use crate::spec::cloud_spec;

fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The pod identities the plan declares, with their roles and the buckets their grants name
/// (not yet checked against AWS).
fn expected(plan: &Plan) -> Vec<ExpectedIdentity> {
    let p = plan.platform.name.as_str();
    let spec = cloud_spec(plan);
    let mut out = vec![ExpectedIdentity {
        namespace: dataplat_vocabulary::KARPENTER_NAMESPACE.into(),
        service_account: dataplat_vocabulary::KARPENTER_SERVICE_ACCOUNT.into(),
        addon: "core".into(),
        role_name: iam::karpenter_controller_role_name(p),
        policies: None,
        buckets: Vec::new(),
    }];
    if spec.load_balancer_controller {
        out.push(ExpectedIdentity {
            namespace: dataplat_vocabulary::LOAD_BALANCER_CONTROLLER_NAMESPACE.into(),
            service_account: dataplat_vocabulary::LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.into(),
            addon: "core".into(),
            role_name: iam::load_balancer_controller_role_name(p),
            policies: None,
            buckets: Vec::new(),
        });
    }
    let arn = |rest: &str| format!("arn:{}:s3:::{rest}", partition(&plan.platform.region));
    for addon in &plan.addons {
        for identity in &addon.pod_identities {
            let mut buckets: Vec<BucketReach> = Vec::new();
            for grant in addon.grants.iter().filter(|g| g.id == identity.grant) {
                for statement in &grant.statements {
                    for resource in &statement.resources {
                        let (reference, resource_arn) = match resource {
                            IamResource::Bucket(reference) => {
                                let Some(bucket) = plan.bucket(&addon.name, reference) else { continue };
                                (reference.clone(), arn(&bucket.name))
                            }
                            IamResource::BucketObjects((reference, prefix)) => {
                                let Some(bucket) = plan.bucket(&addon.name, reference) else { continue };
                                (reference.clone(), arn(&format!("{}/{prefix}*", bucket.name)))
                            }
                            IamResource::Arn(_) => continue,
                        };
                        let name = plan.bucket(&addon.name, &reference).map(|b| b.name.clone()).unwrap_or_default();
                        let entry = match buckets.iter_mut().find(|b| b.bucket == name) {
                            Some(entry) => entry,
                            None => {
                                buckets.push(BucketReach {
                                    purpose: reference,
                                    bucket: name,
                                    exists: false,
                                    needs: Vec::new(),
                                });
                                buckets.last_mut().expect("pushed")
                            }
                        };
                        for action in &statement.actions {
                            let need = (action.clone(), resource_arn.clone());
                            if !entry.needs.contains(&need) {
                                entry.needs.push(need);
                            }
                        }
                    }
                }
            }
            out.push(ExpectedIdentity {
                namespace: identity.namespace.clone(),
                service_account: identity.service_account.clone(),
                addon: addon.name.clone(),
                role_name: iam::grant_role_name(p, &addon.name, &identity.grant),
                policies: None,
                buckets,
            });
        }
    }
    out
}

/// Reads AWS for [`Cloud`]; whatever cannot be read is its `error`, never a failure of doctor.
pub async fn read(clients: &Clients, plan: &Plan) -> Cloud {
    let cluster = plan.platform.name.clone();
    let mut cloud = Cloud { cluster: cluster.clone(), ..Cloud::default() };
    if let Err(error) = fill(clients, plan, &mut cloud).await {
        cloud.error = Some(error);
    }
    cloud
}

async fn fill(clients: &Clients, plan: &Plan, cloud: &mut Cloud) -> Result<(), String> {
    let flat = |e: &dyn std::fmt::Display| e.to_string().replace("\n  hint: ", "; ");
    let Some(status) = dataplat_aws::eks::status(&clients.eks, &cloud.cluster).await.map_err(|e| flat(&e))? else {
        return Err(format!("EKS cluster {} does not exist in {}", cloud.cluster, plan.platform.region));
    };
    cloud.addons = status
        .addons
        .into_iter()
        .map(|a| EksAddon { name: a.name, status: a.status, version: a.version, issues: a.issues })
        .collect();
    cloud.associations = dataplat_aws::eks::pod_identity_associations(&clients.eks, &cloud.cluster)
        .await
        .map_err(|e| flat(&e))?
        .into_iter()
        .filter(|a| a.owner.is_none())
        .map(|a| Association { namespace: a.namespace, service_account: a.service_account, role_arn: a.role_arn })
        .collect();
    let mut expected = expected(plan);
    for identity in &mut expected {
        identity.policies =
            dataplat_aws::inspect::role_policies(clients, &identity.role_name).await.map_err(|e| flat(&e))?;
        for bucket in &mut identity.buckets {
            bucket.exists =
                dataplat_aws::inspect::bucket_exists(clients, &bucket.bucket).await.map_err(|e| flat(&e))?;
        }
    }
    cloud.expected = expected;
    Ok(())
}
