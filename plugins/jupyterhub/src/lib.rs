//! jupyterhub: the built-in addon that installs JupyterHub from the Zero to JupyterHub chart.
//!
//! The hub keeps its database on a gp3 volume; hub, proxy and user scheduler run on the core
//! node pool; the proxy Service is ClusterIP (no public exposure). Notebook servers run as uid
//! 1000, never root, and cannot reach the EC2 instance metadata service
//! (`singleuser.cloudMetadata.blockWithIptables`), so a notebook cannot borrow the node's role;
//! the reference switched that protection off and ran notebooks as uid 0.
//!
//! Users log in for real (module `auth`, the `authentication` block); the chart's default, the
//! dummy authenticator that takes any name and password, is never used:
//! - `native` (default): NativeAuthenticator. Users sign up at /hub/signup and cannot log in
//!   until the admin authorizes them at /hub/authorize. NativeAuthenticator has no setting for a
//!   first admin's password (its docs: admins sign up too), which would let whoever signs up
//!   first under the admin's name become admin. So the host generates Secret
//!   `jupyterhub-admin` (key `password`), the hub reads it as an environment variable, and a
//!   `hub.extraConfig` entry (`native_admin.py`) creates the admin, authorized, with that
//!   password when the authenticator starts, before the hub serves a request.
//! - `oauth`: GenericOAuthenticator or GitHubOAuthenticator; the client secret is read from a
//!   Secret the user names (`OAUTH_CLIENT_SECRET`), never written in platform.yaml.
//!
//! `validate` refuses, in `values`, an open authenticator class (dummy, tmp), `allow_all: true`
//! and `open_signup: true` in any `hub.config` section, a client secret written as a value, and
//! `hub.extraEnv` as a list (it would replace the plugin's entries).
//!
//! The idle culler (jupyterhub-idle-culler, a hub service) is on: it stops notebook servers
//! idle for `idle_culler.timeout_seconds` (default one hour), checking every
//! `idle_culler.every_seconds` (`cull.timeout`, `cull.every`).
//!
//! `enable_jupyterhub_trino` wires notebooks to Trino (module `trino`); `enable_jupyterhub_spark`
//! gives each Spark team a notebook profile on its Spark Connect server (module `spark`).
//!
//! Chart keys are those of chart 3.3.8's values.schema.yaml; the hub image of that chart ships
//! JupyterHub 4.1.6, jupyterhub-nativeauthenticator 1.2.0, oauthenticator 16.3.1 and
//! jupyterhub-idle-culler 1.3.1, whose traits `hub.config` sets.

mod auth;
mod spark;
mod trino;

pub use auth::{
    ADMIN_EXTRA_CONFIG, ADMIN_PASSWORD_KEY, ADMIN_SECRET, Authentication, AuthenticationType, NATIVE_ADMIN_PY,
    OAUTH_CLIENT_SECRET_ENV, OAuth, OAuthProvider, SecretKeyRef,
};

use dataplat_sdk::schemars::{self, JsonSchema};
use dataplat_sdk::serde_json::{Value, json};
use dataplat_sdk::*;
use serde::{Deserialize, Serialize};

/// The JupyterHub addon.
pub struct JupyterHub;

impl Addon for JupyterHub {
    type Config = Config;
    const NAME: &'static str = "jupyterhub";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "JupyterHub: multi-user notebooks";

    fn flags() -> Vec<Flag> {
        vec![
            Flag::addon("enable_jupyterhub", "Install JupyterHub"),
            Flag::feature(
                trino::FLAG,
                "Notebooks connect to Trino: its credentials, CA and endpoint, nothing to configure",
            ),
            Flag::feature(spark::FLAG, "Notebook profiles that run Spark on a Spark team's Spark Connect server"),
        ]
    }

    fn dependencies() -> Vec<Dependency> {
        vec![
            Dependency::when(trino::FLAG, "trino", "notebooks connect to the trino addon's coordinator"),
            Dependency::when(spark::FLAG, "spark_operator", "notebooks run Spark on the teams' Spark Connect servers"),
        ]
    }

    fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        if facts.flag(trino::FLAG)
            && let Err(missing) = TrinoClient::of(facts, trino::FLAG)
        {
            problems.push(missing);
        }
        if facts.flag(spark::FLAG)
            && let Err(missing) = spark::teams(facts)
        {
            problems.push(missing);
        }
        if config.spark_notebook_image.rsplit_once(':').is_none_or(|(_, tag)| tag.is_empty() || tag == "latest") {
            problems.push(
                Diagnostic::error(
                    "spark_notebook_image",
                    format!("{:?} is not pinned to a version", config.spark_notebook_image),
                )
                .hint("quay.io/jupyter/pyspark-notebook:spark-4.0.0"),
            );
        }
        problems.extend(check_range("hub_storage_gib", config.hub_storage_gib, 1..=1000));
        problems.extend(auth::check(&config.authentication));
        problems.extend(config.idle_culler.check());
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
        problems.extend(auth::check_values(&config.values));
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let core = core_node_selector();
        let mut hub = json!({
            "nodeSelector": core,
            "db": {
                "type": "sqlite-pvc",
                "pvc": { "storage": format!("{}Gi", config.hub_storage_gib), "storageClassName": "gp3" },
            },
        });
        merge_values(&mut hub, &config.authentication.hub_values());
        let culler = &config.idle_culler;
        let defaults = json!({
            "hub": hub,
            "proxy": {
                "service": { "type": "ClusterIP" },
                "chp": { "nodeSelector": core },
            },
            "scheduling": { "userScheduler": { "nodeSelector": core } },
            "cull": { "enabled": true, "timeout": culler.timeout_seconds, "every": culler.every_seconds },
            "singleuser": {
                "uid": 1000,
                "fsGid": 100,
                "cloudMetadata": { "blockWithIptables": true },
                "storage": { "dynamic": { "storageClass": "gp3" }, "capacity": "10Gi" },
                "profileList": [{
                    "display_name": "Default (1-2 CPU, 4-8 GiB)",
                    "description": "A notebook server for everyday work",
                    "default": true,
                    "kubespawner_override": profile_resources(),
                }],
            },
        });
        let mut defaults = defaults;
        let trino = if facts.flag(trino::FLAG) {
            Some(TrinoClient::of(facts, trino::FLAG).map_err(|e| vec![e])?)
        } else {
            None
        };
        if let Some(trino) = &trino {
            merge_values(&mut defaults["singleuser"], &trino::singleuser_values(trino));
        }
        let spark_teams = if facts.flag(spark::FLAG) { Some(spark::teams(facts).map_err(|e| vec![e])?) } else { None };
        if let Some(teams) = &spark_teams {
            let singleuser = &mut defaults["singleuser"];
            // The Spark profiles first (the first team's is the default), then the plain one.
            let mut profiles = spark::profiles(teams, &config.spark_notebook_image, &profile_resources());
            let mut plain = singleuser["profileList"][0].clone();
            plain["default"] = json!(false);
            plain["display_name"] = json!("Minimal, no Spark (1-2 CPU, 4-8 GiB)");
            profiles.push(plain);
            singleuser["profileList"] = json!(profiles);
            // Lists replace on merge: the Trino rule (when there) is kept by appending.
            let mut egress = singleuser["networkPolicy"]["egress"].as_array().cloned().unwrap_or_default();
            egress.extend(spark::egress_rules(teams));
            singleuser["networkPolicy"]["egress"] = json!(egress);
        }
        let mut release = config.chart_release("jupyterhub", defaults).ready_deployments(["hub", "proxy"]);
        if let Some(trino) = &trino {
            // The copies are filled from Trino's live Secrets: Trino's release comes first.
            release = trino.secret_copies(ns).iter().fold(release, |r, o| r.object(o)).depends_on("trino/trino");
        }
        let mut plan = AddonPlan::new().release(release);
        if let Some(trino) = &trino {
            plan = plan.note("trino", trino::note(trino));
        }
        if let Some(teams) = &spark_teams {
            plan = plan.note("spark", spark::note(teams, &config.spark_notebook_image));
        }
        if let Some(secret) = config.authentication.secret(ns) {
            plan = plan.secret(secret);
        }
        Ok(plan
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
            .note("authentication", config.authentication.note(ns, &config.values))
            .note("idle-culler", culler.note())
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

/// Every profile's CPU and memory (KubeSpawner traits).
fn profile_resources() -> Value {
    json!({ "cpu_guarantee": 1, "cpu_limit": 2, "mem_guarantee": "4G", "mem_limit": "8G" })
}

/// The idle culler: jupyterhub-idle-culler, run by the hub as a service (`cull`).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct IdleCuller {
    /// Seconds a notebook server may be idle before the culler stops it (`cull.timeout`; 600 to
    /// 604800). The user's home volume is kept.
    #[schemars(range(min = 600, max = 604800))]
    pub timeout_seconds: u32,
    /// Seconds between the culler's checks (`cull.every`; 60 to 3600, at most
    /// `timeout_seconds`).
    #[schemars(range(min = 60, max = 3600))]
    pub every_seconds: u32,
}

impl Default for IdleCuller {
    fn default() -> Self {
        IdleCuller { timeout_seconds: 3600, every_seconds: 600 }
    }
}

impl IdleCuller {
    fn check(&self) -> Vec<Diagnostic> {
        let mut problems: Vec<Diagnostic> = [
            check_range("idle_culler.timeout_seconds", self.timeout_seconds, 600..=604_800),
            check_range("idle_culler.every_seconds", self.every_seconds, 60..=3600),
        ]
        .into_iter()
        .flatten()
        .collect();
        if problems.is_empty() && self.every_seconds > self.timeout_seconds {
            problems.push(
                Diagnostic::error(
                    "idle_culler.every_seconds",
                    format!("{} is longer than timeout_seconds ({})", self.every_seconds, self.timeout_seconds),
                )
                .hint("check at least once per timeout"),
            );
        }
        problems
    }

    fn note(&self) -> String {
        format!(
            "the idle culler stops notebook servers idle for {} s, checking every {} s (cull.timeout, cull.every); \
             home volumes are kept and users are not deleted",
            self.timeout_seconds, self.every_seconds
        )
    }
}

chart_config! {
    /// The `jupyterhub:` block of platform.yaml.
    pub struct Config: chart "jupyterhub" from "https://hub.jupyter.org/helm-chart/" version "3.3.8" {
        /// Namespace JupyterHub is installed into.
        namespace: "jupyterhub",
        /// Authentication is set by
        /// `authentication`; refused here: the dummy authenticator, `allow_all` and `open_signup`
        /// (open access), a client secret as a value. Notebooks may not run as uid 0 nor reach
        /// instance metadata.
        values,
        /// Size in GiB of the hub database volume (gp3).
        #[schemars(range(min = 1, max = 1000))]
        pub hub_storage_gib: u32 = 50,
        /// How users log in: `native` (default; sign-up with an admin's authorization) or
        /// `oauth` (an identity provider).
        pub authentication: Authentication = Authentication::default(),
        /// The idle culler, always on: stops notebook servers nobody uses.
        pub idle_culler: IdleCuller = IdleCuller::default(),
        /// With `enable_jupyterhub_spark`: the image of the Spark profiles, with PySpark and the
        /// Spark Connect client of the teams' Spark version, pinned.
        pub spark_notebook_image: String = "quay.io/jupyter/pyspark-notebook:spark-4.0.0".to_string(),
    }
}

#[cfg(test)]
mod tests;
