//! Composition: plugin calls in dependency order, output checks, naming and the release DAG.

use std::collections::{BTreeMap, BTreeSet};

use dataplat_config::{Document, Platform};
use dataplat_plugin::contract::{self, AddonPlan, IamResource, PlatformFacts};

use crate::model::{Endpoint, into_all};

use crate::plan::*;
use crate::{Addons, CoreError};

/// Plans every enabled addon of `platform` and merges the results.
pub fn compose(addons: &Addons, platform: &Platform, doc: &Document) -> Result<Plan, CoreError> {
    let order = planning_order(addons, platform)?;
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut entries = Vec::new();
    let mut config_errors = Vec::new();
    for name in &order {
        let loaded =
            addons.addons.get(name).ok_or_else(|| CoreError::Conflict(format!("no plugin for addon `{name}`")))?;
        let facts = facts(platform, &endpoints);
        let config = platform.addon_configs.get(name).cloned().unwrap_or(serde_json::json!({})).to_string();
        let plugin = &loaded.plugin;

        tracing::debug!(addon = %name, "plugin validate() and plan()");
        let diagnostics = plugin.validate(&config, &facts)?;
        let (errors, warnings): (Vec<_>, Vec<_>) =
            diagnostics.into_iter().partition(|d| d.severity == contract::Severity::Error);
        if !errors.is_empty() {
            config_errors.extend(errors.iter().map(|d| position(doc, name, d)));
            continue;
        }
        let planned = match plugin.plan(&config, &facts)? {
            Ok(plan) => plan,
            Err(diagnostics) => {
                config_errors.extend(diagnostics.iter().map(|d| position(doc, name, d)));
                continue;
            }
        };
        let naming =
            Naming { platform: &platform.name, deployment_id: &platform.deployment_id, flags: &platform.flags };
        let entry = check_and_resolve(name, plugin, &naming, planned, warnings)?;
        endpoints.extend(entry.endpoints.iter().cloned());
        entries.push(entry);
    }
    if !config_errors.is_empty() {
        dataplat_config::sort_diagnostics(&mut config_errors);
        return Err(CoreError::Config(config_errors));
    }
    check_node_pools(&entries)?;
    let summary = PlatformSummary {
        name: platform.name.clone(),
        region: platform.region.clone(),
        deployment_id: platform.deployment_id.clone(),
        kubernetes_version: platform.kubernetes_version.clone(),
        vpc_cidr: platform.vpc_cidr.clone(),
        tags: platform.tags.clone(),
        cluster: platform.cluster.clone(),
    };
    add_karpenter(&summary, &mut entries)?;
    add_base(&summary, &mut entries)?;
    resolve_references(&mut entries)?;
    let release_order = release_waves(&entries)?;
    Ok(Plan { platform: summary, addons: entries, release_order })
}

fn position(doc: &Document, addon: &str, d: &contract::Diagnostic) -> dataplat_config::Diagnostic {
    let severity = match d.severity {
        contract::Severity::Error => dataplat_config::Severity::Error,
        contract::Severity::Warning => dataplat_config::Severity::Warning,
    };
    doc.plugin_diagnostic(addon, &d.path, severity, &d.message, d.hint.as_deref())
}

fn facts(platform: &Platform, endpoints: &[Endpoint]) -> PlatformFacts {
    PlatformFacts {
        name: platform.name.clone(),
        region: platform.region.clone(),
        account_id: None,
        deployment_id: platform.deployment_id.clone(),
        kubernetes_version: platform.kubernetes_version.clone(),
        enabled_addons: platform.enabled_addons.clone(),
        enabled_flags: platform.flags.iter().filter(|(_, on)| **on).map(|(f, _)| f.clone()).collect(),
        endpoints: endpoints.iter().map(Into::into).collect(),
        tags: platform.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    }
}

/// Enabled addons ordered so that each comes after the addons it depends on (ties by name).
fn planning_order(addons: &Addons, platform: &Platform) -> Result<Vec<String>, CoreError> {
    let enabled: BTreeSet<&str> = platform.enabled_addons.iter().map(String::as_str).collect();
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for name in &enabled {
        let loaded =
            addons.addons.get(*name).ok_or_else(|| CoreError::Conflict(format!("no plugin for addon `{name}`")))?;
        let deps = loaded
            .plugin
            .info()
            .dependencies
            .iter()
            .filter(|d| d.when_flag.as_ref().is_none_or(|f| platform.flags.get(f).copied().unwrap_or(false)))
            .map(|d| d.addon.as_str())
            .filter(|d| enabled.contains(d))
            .collect();
        needs.insert(name, deps);
    }
    let mut order: Vec<String> = Vec::new();
    while order.len() < needs.len() {
        let ready: Vec<&str> = needs
            .iter()
            .filter(|(name, deps)| {
                !order.iter().any(|o| o == *name) && deps.iter().all(|d| order.iter().any(|o| o == d))
            })
            .map(|(name, _)| *name)
            .collect();
        if ready.is_empty() {
            let stuck: Vec<&str> = needs.keys().filter(|n| !order.iter().any(|o| o == *n)).copied().collect();
            return Err(CoreError::Conflict(format!("addon dependencies form a cycle among: {}", stuck.join(", "))));
        }
        order.extend(ready.into_iter().map(String::from));
    }
    Ok(order)
}

fn invalid(addon: &str, message: impl Into<String>) -> CoreError {
    CoreError::InvalidPlan { addon: addon.to_string(), message: message.into() }
}

/// Checks one addon's plan, names its buckets, substitutes placeholders and parses objects.
/// What naming and flag reporting need of the platform.
pub(crate) struct Naming<'a> {
    pub platform: &'a str,
    pub deployment_id: &'a str,
    pub flags: &'a BTreeMap<String, bool>,
}

pub(crate) fn check_and_resolve(
    name: &str,
    plugin: &dataplat_plugin::Plugin,
    platform: &Naming,
    plan: AddonPlan,
    warnings: Vec<contract::Diagnostic>,
) -> Result<AddonEntry, CoreError> {
    let mut bucket_names = BTreeMap::new();
    let mut buckets = Vec::new();
    for bucket in &plan.buckets {
        if bucket_names.contains_key(&bucket.id) {
            return Err(invalid(name, format!("bucket id `{}` declared twice", bucket.id)));
        }
        if bucket.id.is_empty() || bucket.id.contains('/') {
            return Err(invalid(
                name,
                format!("bucket id {:?} is empty or has a `/` (which marks another addon's bucket)", bucket.id),
            ));
        }
        let physical = bucket_name(platform.platform, name, &bucket.id, platform.deployment_id);
        bucket_names.insert(bucket.id.clone(), physical.clone());
        buckets.push(BucketPlan {
            id: bucket.id.clone(),
            name: physical,
            purpose: bucket.purpose.clone(),
            versioning: bucket.versioning,
            lifecycle_rules: into_all(bucket.lifecycle_rules.clone()),
            holds_data: bucket.holds_data,
        });
    }
    let grant_ids: BTreeSet<&str> = plan.grants.iter().map(|g| g.id.as_str()).collect();
    if grant_ids.len() != plan.grants.len() {
        return Err(invalid(name, "a grant id is declared twice"));
    }
    for grant in &plan.grants {
        for statement in &grant.statements {
            if statement.actions.is_empty() {
                return Err(invalid(
                    name,
                    format!("grant `{}` statement `{}` allows no action", grant.id, statement.sid),
                ));
            }
            for resource in &statement.resources {
                let bucket = match resource {
                    IamResource::Bucket(id) => Some(id),
                    IamResource::BucketObjects((id, _)) => Some(id),
                    IamResource::Arn(arn) if !arn.starts_with("arn:") && arn != "*" => {
                        return Err(invalid(name, format!("grant `{}`: {arn:?} is not an ARN", grant.id)));
                    }
                    IamResource::Arn(_) => None,
                };
                // `<addon>/<id>` names another addon's bucket (or the core's `core/data`): checked
                // once every addon is planned, by `resolve_references`.
                if let Some(id) = bucket.filter(|id| !id.contains('/') && !bucket_names.contains_key(*id)) {
                    return Err(invalid(
                        name,
                        format!("grant `{}` refers to bucket `{id}`, which the addon does not declare", grant.id),
                    ));
                }
            }
        }
    }
    for identity in &plan.pod_identities {
        if !grant_ids.contains(identity.grant.as_str()) {
            return Err(invalid(
                name,
                format!(
                    "pod identity {}/{} names grant `{}`, which the addon does not declare",
                    identity.namespace, identity.service_account, identity.grant
                ),
            ));
        }
    }
    let mut secret_names = BTreeSet::new();
    for secret in &plan.secrets {
        if !secret_names.insert((secret.namespace.as_str(), secret.name.as_str())) {
            return Err(invalid(name, format!("secret {}/{} declared twice", secret.namespace, secret.name)));
        }
        if secret.random_keys.is_empty() && secret.fixed.is_empty() {
            return Err(invalid(name, format!("secret {}/{} has no keys", secret.namespace, secret.name)));
        }
        if !secret.random_keys.is_empty() && !(16..=128).contains(&secret.length) {
            return Err(invalid(
                name,
                format!("secret {}/{}: length {} is outside 16..=128", secret.namespace, secret.name, secret.length),
            ));
        }
    }
    for endpoint in &plan.endpoints {
        if endpoint.addon != name {
            return Err(invalid(
                name,
                format!("endpoint `{}` claims to belong to addon `{}`", endpoint.name, endpoint.addon),
            ));
        }
    }

    let substitute = |text: &str| substitute_buckets(name, text, &bucket_names);
    let mut releases = Vec::new();
    let mut seen = BTreeSet::new();
    for release in &plan.releases {
        if !seen.insert(release.name.clone()) {
            return Err(invalid(name, format!("release `{}` declared twice", release.name)));
        }
        let id = format!("{name}/{}", release.name);
        let mut objects = Vec::new();
        for (index, text) in release.objects.iter().enumerate() {
            let object: serde_json::Value = serde_json::from_str(&substitute(text)?).map_err(|e| {
                invalid(name, format!("release `{}` object {} is not JSON: {e}", release.name, index + 1))
            })?;
            check_object(name, &release.name, index, &object)?;
            objects.push(object);
        }
        let chart = match &release.chart {
            Some(chart) => Some(ChartPlan {
                repository: chart.repository.clone(),
                chart: chart.chart.clone(),
                version: chart.version.clone(),
                values: serde_json::from_str(&substitute(&chart.values)?)
                    .map_err(|e| invalid(name, format!("release `{}` chart values are not JSON: {e}", release.name)))?,
            }),
            None => None,
        };
        if chart.is_none() && objects.is_empty() {
            return Err(invalid(name, format!("release `{}` has neither a chart nor objects", release.name)));
        }
        let depends_on = release
            .depends_on
            .iter()
            .map(|d| if d.contains('/') { d.clone() } else { format!("{name}/{d}") })
            .collect();
        releases.push(ReleasePlan {
            id,
            name: release.name.clone(),
            namespace: release.namespace.clone(),
            chart,
            objects,
            health_checks: into_all(release.health_checks.clone()),
            depends_on,
        });
    }
    let info = plugin.info();
    Ok(AddonEntry {
        name: name.to_string(),
        version: info.version.clone(),
        source: plugin.origin().clone(),
        digest: plugin.digest().to_string(),
        flags: info
            .flags
            .iter()
            .filter(|f| platform.flags.get(&f.name).copied().unwrap_or(false))
            .map(|f| f.name.clone())
            .collect(),
        releases,
        buckets,
        grants: into_all(plan.grants),
        pod_identities: into_all(plan.pod_identities),
        node_pools: into_all(plan.node_pools),
        endpoints: into_all(plan.endpoints),
        secrets: into_all(plan.secrets),
        notes: into_all(plan.notes),
        warnings: warnings
            .into_iter()
            .map(|w| if w.path.is_empty() { w.message } else { format!("{}: {}", w.path, w.message) })
            .collect(),
    })
}

/// Replaces `${bucket:<id>}` with the physical name of the addon's bucket `<id>`; a reference to
/// another addon's bucket (`${bucket:<addon>/<id>}`) is left for [`resolve_references`].
fn substitute_buckets(addon: &str, text: &str, buckets: &BTreeMap<String, String>) -> Result<String, CoreError> {
    replace_placeholders(addon, text, |id| {
        if id.contains('/') {
            return Ok(None);
        }
        buckets.get(id).map(|name| Some(name.clone())).ok_or_else(|| {
            invalid(addon, format!("placeholder ${{bucket:{id}}} names a bucket the addon does not declare"))
        })
    })
}

/// Replaces each `${bucket:<reference>}` in `text` by what `lookup` gives (`None` keeps it).
fn replace_placeholders(
    addon: &str,
    text: &str,
    mut lookup: impl FnMut(&str) -> Result<Option<String>, CoreError>,
) -> Result<String, CoreError> {
    const OPEN: &str = "${bucket:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let end = after.find('}').ok_or_else(|| invalid(addon, "unterminated ${bucket:...} placeholder"))?;
        let reference = &after[..end];
        match lookup(reference)? {
            Some(name) => out.push_str(&name),
            None => out.push_str(&rest[start..start + OPEN.len() + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The buckets of every entry by reference, `<addon>/<id>`.
fn bucket_references(entries: &[AddonEntry]) -> BTreeMap<String, String> {
    entries
        .iter()
        .flat_map(|e| e.buckets.iter().map(move |b| (format!("{}/{}", e.name, b.id), b.name.clone())))
        .collect()
}

/// Resolves the references to other addons' buckets once every addon is planned: the
/// `${bucket:<addon>/<id>}` placeholders in objects and chart values become physical names, and
/// every grant's `<addon>/<id>` must name a bucket in the plan. A reference to a disabled
/// addon, or to a bucket its addon does not declare, fails the plan.
fn resolve_references(entries: &mut [AddonEntry]) -> Result<(), CoreError> {
    let known = bucket_references(entries);
    let enabled: BTreeSet<String> = entries.iter().map(|e| e.name.clone()).collect();
    let check = |addon: &str, reference: &str| -> Result<String, CoreError> {
        if let Some(name) = known.get(reference) {
            return Ok(name.clone());
        }
        let owner = reference.split('/').next().unwrap_or_default();
        let why = if enabled.contains(owner) {
            format!("`{owner}` declares no such bucket")
        } else {
            format!("addon `{owner}` is not enabled (enable_{owner}: true)")
        };
        Err(invalid(addon, format!("bucket reference `{reference}`: {why}")))
    };
    for entry in entries.iter_mut() {
        let addon = entry.name.clone();
        for grant in &entry.grants {
            for statement in &grant.statements {
                for resource in &statement.resources {
                    let reference = match resource {
                        crate::model::IamResource::Bucket(id) => id,
                        crate::model::IamResource::BucketObjects((id, _)) => id,
                        crate::model::IamResource::Arn(_) => continue,
                    };
                    if reference.contains('/') {
                        check(&addon, reference)?;
                    }
                }
            }
        }
        let resolve = |text: &str| {
            replace_placeholders(&addon, text, |r| if r.contains('/') { check(&addon, r).map(Some) } else { Ok(None) })
        };
        for release in &mut entry.releases {
            for value in release.objects.iter_mut().chain(release.chart.iter_mut().map(|c| &mut c.values)) {
                resolve_strings(value, &resolve)?;
            }
        }
    }
    Ok(())
}

/// Applies `f` to every string (keys excluded) of a JSON value.
fn resolve_strings(
    value: &mut serde_json::Value,
    f: &impl Fn(&str) -> Result<String, CoreError>,
) -> Result<(), CoreError> {
    match value {
        serde_json::Value::String(s) if s.contains("${bucket:") => *s = f(s)?,
        serde_json::Value::Array(items) => items.iter_mut().try_for_each(|v| resolve_strings(v, f))?,
        serde_json::Value::Object(map) => map.values_mut().try_for_each(|v| resolve_strings(v, f))?,
        _ => {}
    }
    Ok(())
}

/// A Kubernetes object: apiVersion, kind and metadata.name, all strings.
fn check_object(addon: &str, release: &str, index: usize, object: &serde_json::Value) -> Result<(), CoreError> {
    let field = |path: &[&str]| {
        let mut v = object;
        for key in path {
            v = v.get(*key)?;
        }
        v.as_str().filter(|s| !s.is_empty())
    };
    for path in [&["apiVersion"][..], &["kind"], &["metadata", "name"]] {
        if field(path).is_none() {
            return Err(invalid(
                addon,
                format!(
                    "release `{release}` object {} has no {} (every object needs apiVersion, kind and metadata.name)",
                    index + 1,
                    path.join(".")
                ),
            ));
        }
    }
    Ok(())
}

/// Groups releases into waves by their dependencies; refuses unknown targets and cycles.
fn release_waves(entries: &[AddonEntry]) -> Result<Vec<Vec<String>>, CoreError> {
    let releases: BTreeMap<&str, &ReleasePlan> =
        entries.iter().flat_map(|a| &a.releases).map(|r| (r.id.as_str(), r)).collect();
    for release in releases.values() {
        for dep in &release.depends_on {
            if !releases.contains_key(dep.as_str()) {
                return Err(CoreError::Conflict(format!(
                    "release {} depends on {dep}, which is not in the plan (is its addon enabled?)",
                    release.id
                )));
            }
        }
    }
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut waves = Vec::new();
    while done.len() < releases.len() {
        let wave: Vec<&str> = releases
            .values()
            .filter(|r| !done.contains(r.id.as_str()) && r.depends_on.iter().all(|d| done.contains(d.as_str())))
            .map(|r| r.id.as_str())
            .collect();
        if wave.is_empty() {
            let stuck: Vec<&str> = releases.keys().filter(|id| !done.contains(*id)).copied().collect();
            return Err(CoreError::Conflict(format!("release dependencies form a cycle among: {}", stuck.join(", "))));
        }
        done.extend(wave.iter().copied());
        waves.push(wave.into_iter().map(String::from).collect());
    }
    Ok(waves)
}

/// The base platform goes first, and every release that waits for nothing waits for it (so every
/// release does).
fn add_base(platform: &PlatformSummary, entries: &mut Vec<AddonEntry>) -> Result<(), CoreError> {
    use crate::base::{CORE, STORAGE_RELEASE, core_entry};
    if entries.iter().any(|e| e.name == CORE) {
        return Err(CoreError::Conflict(format!(
            "addon name `{CORE}` is reserved: the core installs the base platform itself; rename the plugin"
        )));
    }
    use crate::base::{
        LOAD_BALANCER_CONTROLLER_RELEASE, load_balancer_controller_release, needs_load_balancer_controller,
    };
    let mut load_balancers = false;
    for release in entries.iter_mut().flat_map(|e| &mut e.releases) {
        if release.depends_on.is_empty() {
            release.depends_on.push(STORAGE_RELEASE.to_owned());
        }
        if needs_load_balancer_controller(release) {
            release.depends_on.push(LOAD_BALANCER_CONTROLLER_RELEASE.to_owned());
            load_balancers = true;
        }
    }
    let mut core = core_entry(platform);
    if load_balancers {
        core.releases.push(load_balancer_controller_release(platform));
        core.notes.push(crate::model::Note {
            topic: "load-balancers".into(),
            text: format!(
                "the AWS Load Balancer Controller {} runs on the core nodes (kube-system, pod identity \
                 aws-load-balancer-controller) because an addon asks for an NLB or an ALB; those addons wait for it",
                crate::base::LOAD_BALANCER_CONTROLLER_CHART_VERSION
            ),
        });
    }
    let amp_users = crate::cloud_values::users_of(entries);
    if !amp_users.is_empty() {
        core.notes.push(crate::model::Note {
            topic: "amazon-prometheus".into(),
            text: format!(
                "`up` creates Amazon Managed Prometheus workspace {} (tagged, in stack {}-storage) for {}, before it \
                 applies anything to the cluster; `down` deletes it, `down --keep-data` keeps it",
                crate::cloud_values::amp_workspace_alias(platform),
                platform.name,
                amp_users.join(", ")
            ),
        });
    }
    entries.insert(0, core);
    Ok(())
}

/// When an addon requests capacity, the core's Karpenter entry goes first and every release of
/// such an addon waits for the NodePools. A NodePool request Karpenter would refuse fails the
/// plan here, not at render or apply.
fn add_karpenter(platform: &PlatformSummary, entries: &mut Vec<AddonEntry>) -> Result<(), CoreError> {
    use crate::karpenter::{KARPENTER, KARPENTER_NODE_POOLS_RELEASE, core_entry};
    if entries.iter().any(|e| e.name == KARPENTER) {
        return Err(CoreError::Conflict(format!(
            "addon name `{KARPENTER}` is reserved: the core installs Karpenter itself; rename the plugin"
        )));
    }
    if entries.iter().all(|e| e.node_pools.is_empty()) {
        return Ok(());
    }
    let entry = core_entry(platform, entries)
        .map_err(|e| invalid(&e.addon, format!("NodePool `{}`: {}", e.pool, e.message)))?;
    for addon in entries.iter_mut().filter(|a| !a.node_pools.is_empty()) {
        for release in &mut addon.releases {
            if !release.depends_on.iter().any(|d| d == KARPENTER_NODE_POOLS_RELEASE) {
                release.depends_on.push(KARPENTER_NODE_POOLS_RELEASE.to_owned());
            }
        }
    }
    entries.insert(0, entry);
    Ok(())
}

fn check_node_pools(entries: &[AddonEntry]) -> Result<(), CoreError> {
    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    for entry in entries {
        for pool in &entry.node_pools {
            if let Some(other) = owners.insert(&pool.name, &entry.name) {
                return Err(CoreError::Conflict(format!(
                    "addons `{other}` and `{}` both request the NodePool `{}`",
                    entry.name, pool.name
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{resolve_references, substitute_buckets};
    use crate::model::{IamGrant, IamResource, IamStatement};
    use crate::plan::{AddonEntry, BucketPlan, ChartPlan, ReleasePlan};
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn bucket_placeholders_are_substituted_and_checked() {
        let buckets = BTreeMap::from([("logs".to_string(), "p-a-logs-x".to_string())]);
        assert_eq!(substitute_buckets("a", "s3a://${bucket:logs}/x", &buckets).expect("ok"), "s3a://p-a-logs-x/x");
        assert!(substitute_buckets("a", "${bucket:nope}", &buckets).is_err());
        assert!(substitute_buckets("a", "${bucket:logs", &buckets).is_err());
        assert_eq!(substitute_buckets("a", "no placeholder", &buckets).expect("ok"), "no placeholder");
        // Another addon's bucket is left for the second pass, untouched.
        assert_eq!(
            substitute_buckets("a", "s3a://${bucket:b/logs}/${bucket:logs}", &buckets).expect("ok"),
            "s3a://${bucket:b/logs}/p-a-logs-x"
        );
    }

    fn entry(name: &str, buckets: &[&str]) -> AddonEntry {
        let mut e = AddonEntry::of_core(name, "0", Vec::new(), Vec::new());
        e.buckets = buckets
            .iter()
            .map(|id| BucketPlan {
                id: id.to_string(),
                name: format!("phys-{name}-{id}"),
                purpose: String::new(),
                versioning: false,
                lifecycle_rules: Vec::new(),
                holds_data: true,
            })
            .collect();
        e
    }

    fn with_release(mut e: AddonEntry, object: serde_json::Value) -> AddonEntry {
        e.releases.push(ReleasePlan {
            id: format!("{}/r", e.name),
            name: "r".into(),
            namespace: "ns".into(),
            chart: Some(ChartPlan {
                repository: "oci://x".into(),
                chart: "c".into(),
                version: "1".into(),
                values: json!({"log": "${bucket:core/data}"}),
            }),
            objects: vec![object],
            health_checks: Vec::new(),
            depends_on: Vec::new(),
        });
        e
    }

    fn grant(reference: &str) -> IamGrant {
        IamGrant {
            id: "g".into(),
            statements: vec![IamStatement {
                sid: "S".into(),
                actions: vec!["s3:GetObject".into()],
                resources: vec![IamResource::BucketObjects((reference.into(), "p/".into()))],
            }],
            managed_policies: Vec::new(),
        }
    }

    #[test]
    fn references_to_other_addons_buckets_resolve_or_fail_the_plan() {
        let object = json!({"kind": "ConfigMap", "data": {"dir": "s3a://${bucket:history/logs}/x", "own": "${ENV:X}"}});
        let mut entries =
            vec![entry("core", &["data"]), entry("history", &["logs"]), with_release(entry("spark", &[]), object)];
        entries[2].grants.push(grant("history/logs"));
        resolve_references(&mut entries).expect("resolves");
        let release = &entries[2].releases[0];
        assert_eq!(release.objects[0]["data"]["dir"], "s3a://phys-history-logs/x");
        assert_eq!(release.objects[0]["data"]["own"], "${ENV:X}", "other placeholders are left alone");
        assert_eq!(release.chart.as_ref().expect("chart").values["log"], "phys-core-data");

        // A disabled addon, and a bucket the addon does not declare, in a grant or in an object.
        let mut disabled = vec![entry("core", &["data"]), entry("spark", &[])];
        disabled[1].grants.push(grant("history/logs"));
        let message = resolve_references(&mut disabled).expect_err("disabled").to_string();
        assert!(message.contains("addon `history` is not enabled (enable_history: true)"), "{message}");
        let mut undeclared =
            vec![entry("core", &["data"]), with_release(entry("spark", &[]), json!({"a": "${bucket:core/nope}"}))];
        let message = resolve_references(&mut undeclared).expect_err("undeclared").to_string();
        assert!(message.contains("`core` declares no such bucket"), "{message}");
    }
}
