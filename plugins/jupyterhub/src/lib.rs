//! jupyterhub: the built-in addon that installs JupyterHub from the Zero to JupyterHub chart.
//!
//! The hub keeps its database on a gp3 volume; hub, proxy and user scheduler run on the core
//! node pool; the proxy Service is ClusterIP (no public exposure). Notebook servers run as uid
//! 1000, never root, and cannot reach the EC2 instance metadata service
//! (`singleuser.cloudMetadata.blockWithIptables`), so a notebook cannot borrow the node's role;
//! the reference switched that protection off and ran notebooks as uid 0.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://hub.jupyter.org/helm-chart/";
const CHART: &str = "jupyterhub";
const CHART_VERSION: &str = "3.3.8";

/// The `jupyterhub:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace JupyterHub is installed into.
    pub namespace: String,
    /// Version of the `jupyterhub` chart from https://hub.jupyter.org/helm-chart/.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key. Configure authentication here
    /// (`hub.config`). Notebooks may not run as uid 0 nor reach instance metadata.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
    /// Size in GiB of the hub database volume (gp3).
    #[schemars(range(min = 1, max = 1000))]
    pub hub_storage_gib: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "jupyterhub".into(),
            chart_version: CHART_VERSION.into(),
            values: json!({}),
            hub_storage_gib: 50,
        }
    }
}

/// The JupyterHub addon.
pub struct JupyterHub;

impl Addon for JupyterHub {
    type Config = Config;
    const NAME: &'static str = "jupyterhub";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "JupyterHub: multi-user notebooks";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_jupyterhub", "Install JupyterHub")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
        problems.extend(check_range("hub_storage_gib", config.hub_storage_gib, 1..=1000));
        let singleuser = &config.values["singleuser"];
        if singleuser["uid"].as_u64() == Some(0) {
            problems.push(
                Diagnostic::error("values.singleuser.uid", "notebook servers must not run as root (uid 0)")
                    .hint("remove it to keep uid 1000"),
            );
        }
        if singleuser["cloudMetadata"]["blockWithIptables"].as_bool() == Some(false) {
            problems.push(
                Diagnostic::error(
                    "values.singleuser.cloudMetadata.blockWithIptables",
                    "notebooks must not reach the instance metadata service (they would get the node's IAM role)",
                )
                .hint("remove it; grant notebooks AWS access through Pod Identity instead"),
            );
        }
        problems
    }

    fn plan(config: &Config, _facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let core = core_node_selector();
        let defaults = json!({
            "hub": {
                "nodeSelector": core,
                "db": {
                    "type": "sqlite-pvc",
                    "pvc": { "storage": format!("{}Gi", config.hub_storage_gib), "storageClassName": "gp3" },
                },
            },
            "proxy": {
                "service": { "type": "ClusterIP" },
                "chp": { "nodeSelector": core },
            },
            "scheduling": { "userScheduler": { "nodeSelector": core } },
            "singleuser": {
                "uid": 1000,
                "fsGid": 100,
                "cloudMetadata": { "blockWithIptables": true },
                "storage": { "dynamic": { "storageClass": "gp3" }, "capacity": "10Gi" },
                "profileList": [{
                    "display_name": "Default (1-2 CPU, 4-8 GiB)",
                    "description": "A notebook server for everyday work",
                    "default": true,
                    "kubespawner_override": {
                        "cpu_guarantee": 1,
                        "cpu_limit": 2,
                        "mem_guarantee": "4G",
                        "mem_limit": "8G",
                    },
                }],
            },
        });
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        let release = Release::of_chart("jupyterhub", ns, chart)
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), "hub"))
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), "proxy"));
        Ok(AddonPlan::new()
            .release(release)
            .endpoint(Endpoint::new(
                "jupyterhub",
                "hub",
                format!("http://proxy-public.{ns}.svc:80"),
                "JupyterHub through its proxy (ClusterIP; expose it with an ingress or port-forward)",
            ))
            .note(
                "security",
                "notebooks run as uid 1000 (fsGid 100) and cannot reach instance metadata; the proxy is ClusterIP, \
                 not public",
            )
            .note(
                "authentication",
                "configure an authenticator in values.hub.config (e.g. GitHubOAuthenticator) before giving users \
                 access",
            )
            .note(
                "storage",
                format!(
                    "hub database on a {} GiB gp3 volume; each user gets a 10 GiB gp3 home volume",
                    config.hub_storage_gib
                ),
            ))
    }
}

export_addon!(JupyterHub);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

    fn enabled() -> PlatformFacts {
        facts(&["enable_jupyterhub"], &["jupyterhub"])
    }

    #[test]
    fn defaults_plan_a_locked_down_hub() {
        let plan = plan_ok::<JupyterHub>(&json!({}), &enabled());
        let release = release(&plan, "jupyterhub");
        assert_eq!(release.namespace, "jupyterhub");
        assert_chart(release, "https://hub.jupyter.org/helm-chart/", "jupyterhub", "3.3.8");
        let v = values(release);
        assert_eq!(v.pointer("/hub/db/pvc/storage"), Some(&json!("50Gi")));
        assert_eq!(v.pointer("/hub/db/pvc/storageClassName"), Some(&json!("gp3")));
        assert_eq!(v.pointer("/proxy/service/type"), Some(&json!("ClusterIP")));
        let core = json!({"dataplat.io/pool": "core"});
        assert_eq!(v.pointer("/hub/nodeSelector"), Some(&core));
        assert_eq!(v.pointer("/proxy/chp/nodeSelector"), Some(&core));
        assert_eq!(v.pointer("/singleuser/cloudMetadata/blockWithIptables"), Some(&json!(true)));
        assert_eq!(v.pointer("/singleuser/uid"), Some(&json!(1000)));
        let profiles = v.pointer("/singleuser/profileList").and_then(|p| p.as_array()).expect("profiles");
        assert_eq!(profiles.len(), 1);
        assert_eq!(profiles[0]["default"], true);
        object(release, "Namespace", "jupyterhub");
        assert_eq!(health_checks(release), [("Deployment", "hub"), ("Deployment", "proxy")]);
        assert_eq!(endpoints(&plan), [("hub", "http://proxy-public.jupyterhub.svc:80")]);
    }

    #[test]
    fn overrides_and_values_merge() {
        let config = json!({
            "namespace": "notebooks",
            "hub_storage_gib": 10,
            "values": {"hub": {"config": {"JupyterHub": {"authenticator_class": "github"}}}, "singleuser": {"uid": 1001}}
        });
        let plan = plan_ok::<JupyterHub>(&config, &enabled());
        let release = release(&plan, "jupyterhub");
        object(release, "Namespace", "notebooks");
        let v = values(release);
        assert_eq!(v.pointer("/hub/db/pvc/storage"), Some(&json!("10Gi")));
        assert_eq!(v.pointer("/hub/config/JupyterHub/authenticator_class"), Some(&json!("github")));
        assert_eq!(v.pointer("/singleuser/uid"), Some(&json!(1001)));
        assert_eq!(v.pointer("/singleuser/cloudMetadata/blockWithIptables"), Some(&json!(true)));
        assert_eq!(plan.endpoints[0].url, "http://proxy-public.notebooks.svc:80");
    }

    #[test]
    fn validation_errors() {
        let f = enabled();
        let e = error_at::<JupyterHub>(&json!({"hub_storage_gib": 0}), &f, "hub_storage_gib");
        assert_eq!(e.message, "0 is out of range: must be 1 to 1000");
        error_at::<JupyterHub>(&json!({"hub_storage_gib": 1001}), &f, "hub_storage_gib");
        let e = error_at::<JupyterHub>(&json!({"values": {"singleuser": {"uid": 0}}}), &f, "values.singleuser.uid");
        assert!(e.message.contains("root"));
        let e = error_at::<JupyterHub>(
            &json!({"values": {"singleuser": {"cloudMetadata": {"blockWithIptables": false}}}}),
            &f,
            "values.singleuser.cloudMetadata.blockWithIptables",
        );
        assert!(e.message.contains("instance metadata"));
        error_at::<JupyterHub>(&json!({"values": "x"}), &f, "values");
        assert!(errors::<JupyterHub>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<JupyterHub>(
            "jupyterhub",
            &[("enable_jupyterhub", true)],
            &[],
            &["namespace", "chart_version", "values", "hub_storage_gib"],
        );
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<JupyterHub>(&json!({"hub_storage_gib": 20}), &enabled());
    }
}
