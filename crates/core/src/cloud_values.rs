//! Values only the cloud layer knows once it has run, referred to by placeholders in what addons
//! plan.
//!
//! A bucket's name is known before anything exists (`${bucket:<id>}`, substituted by
//! [`compose`](crate::compose)). An Amazon Managed Service for Prometheus workspace's id is not:
//! AWS assigns it when `up` creates the workspace. So an addon that wants the platform's workspace
//! writes [`AMP_WORKSPACE_ID`] where the id goes:
//! - in a literal ARN of a grant (`arn:${partition}:aps:${region}:${account}:workspace/${amp_workspace_id}`):
//!   the IAM stack takes the id as a parameter, filled from the storage stack's output;
//! - in objects and chart values (a remote-write URL): [`resolve`] replaces it once the cloud
//!   step has run (`up`), or from the live stack (`apply`, `plan`).
//!
//! Referring to it is what makes the platform have one: [`amp_workspace_users`] lists the addons
//! that do, and the cloud layer creates one workspace for all of them, tagged, in the storage
//! stack, kept by `down --keep-data`. An addon given the id of an existing workspace never writes
//! the placeholder, and nothing is created.

use serde_json::Value;

use crate::Plan;

/// Where an addon wants the id of the platform's AMP workspace.
pub const AMP_WORKSPACE_ID: &str = "${amp_workspace_id}";

/// The alias of the platform's AMP workspace: the platform's name (aliases need not be unique;
/// the deployment-id tag is what marks the workspace as the platform's).
pub fn amp_workspace_alias(platform: &crate::PlatformSummary) -> String {
    platform.name.clone()
}

pub use dataplat_vocabulary::CloudValues;

/// A placeholder a command needed resolved and could not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} of platform {platform} does not exist yet, and addon(s) {} refer to it", addons.join(", "))]
pub struct Unresolved {
    pub platform: String,
    pub what: String,
    pub addons: Vec<String>,
}

impl Unresolved {
    pub fn hint(&self) -> String {
        format!(
            "`kubectl dataplat up` creates it (stack {}-storage) before it applies anything to the cluster; nothing \
             was applied",
            self.platform
        )
    }
}

fn mentions(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s.contains(needle),
        Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains(needle) || mentions(v, needle)),
        _ => false,
    }
}

fn replace(value: &mut Value, needle: &str, with: &str) {
    match value {
        Value::String(s) if s.contains(needle) => *s = s.replace(needle, with),
        Value::Array(items) => items.iter_mut().for_each(|v| replace(v, needle, with)),
        Value::Object(map) => map.values_mut().for_each(|v| replace(v, needle, with)),
        _ => {}
    }
}

/// The addons whose plan refers to the platform's AMP workspace (in objects, chart values or
/// grant ARNs), in plan order. Empty: the platform has no workspace.
pub fn amp_workspace_users(plan: &Plan) -> Vec<String> {
    users_of(&plan.addons)
}

/// [`amp_workspace_users`] over a list of entries (while the plan is being composed).
pub(crate) fn users_of(addons: &[crate::AddonEntry]) -> Vec<String> {
    use crate::model::IamResource;
    addons
        .iter()
        .filter(|addon| {
            let in_releases = addon.releases.iter().any(|r| {
                r.objects.iter().any(|o| mentions(o, AMP_WORKSPACE_ID))
                    || r.chart.as_ref().is_some_and(|c| mentions(&c.values, AMP_WORKSPACE_ID))
            });
            let in_grants = addon
                .grants
                .iter()
                .flat_map(|g| &g.statements)
                .flat_map(|s| &s.resources)
                .any(|r| matches!(r, IamResource::Arn(arn) if arn.contains(AMP_WORKSPACE_ID)));
            in_releases || in_grants
        })
        .map(|addon| addon.name.clone())
        .collect()
}

/// The addons whose releases still carry a placeholder (what [`resolve`] must fill).
fn unresolved_users(plan: &Plan) -> Vec<String> {
    plan.addons
        .iter()
        .filter(|addon| {
            addon.releases.iter().any(|r| {
                r.objects.iter().any(|o| mentions(o, AMP_WORKSPACE_ID))
                    || r.chart.as_ref().is_some_and(|c| mentions(&c.values, AMP_WORKSPACE_ID))
            })
        })
        .map(|addon| addon.name.clone())
        .collect()
}

/// Whether the plan's releases need values from the cloud before they can be applied.
pub fn needs_cloud_values(plan: &Plan) -> bool {
    !unresolved_users(plan).is_empty()
}

/// Replaces every placeholder whose value is known, in objects and chart values; what is not
/// known stays (for `plan`, which shows it as is).
pub fn resolve_known(plan: &mut Plan, values: &CloudValues) {
    let Some(id) = values.amp_workspace_id.as_deref() else { return };
    for release in plan.addons.iter_mut().flat_map(|a| &mut a.releases) {
        for object in &mut release.objects {
            replace(object, AMP_WORKSPACE_ID, id);
        }
        if let Some(chart) = &mut release.chart {
            replace(&mut chart.values, AMP_WORKSPACE_ID, id);
        }
    }
}

/// Replaces every placeholder; fails, changing nothing, when one has no value (before `apply`
/// writes anything).
pub fn resolve(plan: &mut Plan, values: &CloudValues) -> Result<(), Unresolved> {
    let users = unresolved_users(plan);
    if !users.is_empty() && values.amp_workspace_id.is_none() {
        return Err(Unresolved {
            platform: plan.platform.name.clone(),
            what: "the Amazon Managed Prometheus workspace".into(),
            addons: users,
        });
    }
    resolve_known(plan, values);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IamGrant, IamResource, IamStatement};
    use crate::{AddonEntry, ChartPlan, ReleasePlan};
    use serde_json::json;

    fn plan() -> Plan {
        let release = |id: &str, objects: Vec<Value>, values: Option<Value>| ReleasePlan {
            id: id.into(),
            name: id.split('/').nth(1).unwrap().into(),
            namespace: "monitoring".into(),
            chart: values.map(|values| ChartPlan {
                repository: "https://example.com".into(),
                chart: "c".into(),
                version: "1.0.0".into(),
                values,
            }),
            objects,
            health_checks: Vec::new(),
            depends_on: Vec::new(),
        };
        let mut writer = AddonEntry::of_core(
            "writer",
            "1.0.0",
            vec![release(
                "writer/w",
                Vec::new(),
                Some(
                    json!({"remoteWrite": [{"url": format!("https://aps/workspaces/{AMP_WORKSPACE_ID}/api/v1/remote_write")}]}),
                ),
            )],
            Vec::new(),
        );
        writer.grants.push(IamGrant {
            id: "amp".into(),
            statements: vec![IamStatement {
                sid: "W".into(),
                actions: vec!["aps:RemoteWrite".into()],
                resources: vec![IamResource::Arn(format!(
                    "arn:${{partition}}:aps:${{region}}:${{account}}:workspace/{AMP_WORKSPACE_ID}"
                ))],
            }],
            managed_policies: Vec::new(),
        });
        let mut reader = AddonEntry::of_core("reader", "1.0.0", Vec::new(), Vec::new());
        reader.grants = writer.grants.clone();
        let other = AddonEntry::of_core(
            "other",
            "1.0.0",
            vec![release("other/o", vec![json!({"kind": "ConfigMap", "data": {"a": "${bucket:x}"}})], None)],
            Vec::new(),
        );
        Plan {
            platform: crate::PlatformSummary {
                name: "p1".into(),
                region: "us-west-2".into(),
                deployment_id: "Ab3dE9xZ".into(),
                kubernetes_version: "1.34".into(),
                vpc_cidr: "10.0.0.0/16".into(),
                tags: Default::default(),
                cluster: Default::default(),
            },
            addons: vec![other, writer, reader],
            release_order: Vec::new(),
        }
    }

    #[test]
    fn users_are_the_addons_that_refer_to_the_workspace_in_releases_or_grants() {
        let plan = plan();
        assert_eq!(amp_workspace_users(&plan), ["writer", "reader"]);
        assert!(needs_cloud_values(&plan), "writer's chart values carry the placeholder");
        let mut none = plan.clone();
        none.addons.retain(|a| a.name == "other");
        assert!(amp_workspace_users(&none).is_empty() && !needs_cloud_values(&none));
    }

    #[test]
    fn resolve_fills_objects_and_values_or_fails_changing_nothing() {
        let mut plan = plan();
        let before = serde_json::to_value(&plan).unwrap();
        let err = resolve(&mut plan, &CloudValues::default()).unwrap_err();
        assert_eq!(err.addons, ["writer"]);
        assert!(err.to_string().contains("Amazon Managed Prometheus workspace of platform p1 does not exist yet"));
        assert!(err.hint().contains("p1-storage"));
        assert_eq!(serde_json::to_value(&plan).unwrap(), before, "nothing changed");

        let values = CloudValues { amp_workspace_id: Some("ws-1234".into()) };
        resolve(&mut plan, &values).unwrap();
        let url = &plan.addons[1].releases[0].chart.as_ref().unwrap().values["remoteWrite"][0]["url"];
        assert_eq!(url, "https://aps/workspaces/ws-1234/api/v1/remote_write");
        assert!(!needs_cloud_values(&plan));
        // Grants keep the placeholder: CloudFormation resolves them from the stack parameter.
        assert_eq!(amp_workspace_users(&plan), ["writer", "reader"]);
        // Other placeholders are not this module's business.
        assert_eq!(plan.addons[0].releases[0].objects[0]["data"]["a"], "${bucket:x}");
    }
}
