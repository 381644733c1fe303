//! jupyterhub: the built-in addon that installs JupyterHub from the Zero to JupyterHub chart.
//!
//! The hub keeps its database on a gp3 volume; hub, proxy and user scheduler run on the core
//! node pool; the proxy Service is ClusterIP (no public exposure). Notebook servers run as uid
//! 1000, never root, and cannot reach the EC2 instance metadata service
//! (`singleuser.cloudMetadata.blockWithIptables`), so a notebook cannot borrow the node's role;
//! the reference switched that protection off and ran notebooks as uid 0.

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

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
        let mut problems = config.check_chart();
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
        let release = config.chart_release("jupyterhub", defaults).ready_deployments(["hub", "proxy"]);
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

chart_config! {
    /// The `jupyterhub:` block of platform.yaml.
    pub struct Config: chart "jupyterhub" from "https://hub.jupyter.org/helm-chart/" version "3.3.8" {
        /// Namespace JupyterHub is installed into.
        namespace: "jupyterhub",
        /// Configure authentication here
        /// (`hub.config`). Notebooks may not run as uid 0 nor reach instance metadata.
        values,
        /// Size in GiB of the hub database volume (gp3).
        #[schemars(range(min = 1, max = 1000))]
        pub hub_storage_gib: u32 = 50,
    }
}

#[cfg(test)]
mod tests;
