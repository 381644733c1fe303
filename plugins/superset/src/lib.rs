//! superset: the built-in addon that installs Apache Superset from its upstream chart, with the
//! chart's bundled PostgreSQL and Redis (the reference ran its own and turned these off).
//!
//! Superset's `SECRET_KEY` (which encrypts stored database credentials) never appears in values:
//! every Superset pod loads the existing Secret `superset-secret-key` (key `SUPERSET_SECRET_KEY`)
//! as environment, which the host creates with a random value before this release, and a
//! `configOverrides` entry reads it from there. The upstream chart is deprecated in favour of an
//! operator; it is pinned here until that replacement is usable.

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

/// The Superset addon.
pub struct Superset;

impl Addon for Superset {
    type Config = Config;
    const NAME: &'static str = "superset";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Apache Superset: dashboards and SQL exploration";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_superset", "Install Apache Superset")]
    }

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        problems.extend(check_reserved_values(
            &config.values,
            &["fullnameOverride"],
            "health checks and the web endpoint use it",
        ));
        if config.values["extraSecretEnv"].get(SECRET_KEY_ENV).is_some() {
            problems.push(
                Diagnostic::error(
                    &format!("values.extraSecretEnv.{SECRET_KEY_ENV}"),
                    "secrets do not belong in platform.yaml",
                )
                .hint(format!("remove it: the key is read from Secret {SECRET_KEY_SECRET}, which the host creates")),
            );
        }
        problems
    }

    fn plan(config: &Config, _facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let defaults = json!({
            "fullnameOverride": RELEASE,
            // Loaded as environment by the web, worker and init pods.
            "envFromSecrets": [SECRET_KEY_SECRET],
            // Appended to superset_config.py; a missing variable fails startup loudly.
            "configOverrides": {
                "secret_key": format!("import os\nSECRET_KEY = os.environ[\"{SECRET_KEY_ENV}\"]"),
            },
            // Web, worker, beat, flower, websocket and the init job; the bundled databases too.
            "nodeSelector": core_node_selector(),
            "postgresql": {
                "enabled": true,
                "primary": { "persistence": { "storageClass": "gp3" }, "nodeSelector": core_node_selector() },
            },
            "redis": { "enabled": true, "master": { "nodeSelector": core_node_selector() } },
        });
        let release = config
            .chart_release(RELEASE, defaults)
            .health(HealthCheck::deployment(ns, RELEASE).timeout(900))
            .health(HealthCheck::deployment(ns, &format!("{RELEASE}-worker")).timeout(900));
        Ok(AddonPlan::new()
            .release(release)
            .endpoint(Endpoint::new("superset", "web", format!("http://{RELEASE}.{ns}.svc:8088"), "Superset web UI"))
            .secret(GeneratedSecret::new(ns, SECRET_KEY_SECRET).random(SECRET_KEY_ENV))
            .note(
                "secret-key",
                format!(
                    "SECRET_KEY comes from Secret {ns}/{SECRET_KEY_SECRET} (key {SECRET_KEY_ENV}), generated once by \
                     the host before this release; it is not in the values"
                ),
            )
            .note(
                "deprecated",
                "the apache/superset Helm chart is deprecated upstream in favour of an operator; it stays pinned at \
                 0.15.0 until the replacement is usable",
            )
            .note(
                "databases",
                "the chart's bundled PostgreSQL (gp3) and Redis subcharts are on; their images and default in-cluster \
                 credentials come from the chart (Bitnami images have moved; override postgresql.image and \
                 redis.image if pulls fail)",
            ))
    }
}

const RELEASE: &str = "superset";
/// The Secret the host creates; Superset pods load it as environment.
const SECRET_KEY_SECRET: &str = "superset-secret-key";
const SECRET_KEY_ENV: &str = "SUPERSET_SECRET_KEY";

export_addon!(Superset);

chart_config! {
    /// The `superset:` block of platform.yaml.
    pub struct Config: chart "superset" from "https://apache.github.io/superset" version "0.15.0" {
        /// Namespace Superset is installed into.
        namespace: "superset",
        /// No secrets here:
        /// `extraSecretEnv.SUPERSET_SECRET_KEY` is refused, the key comes from a Secret.
        values,
    }
}

#[cfg(test)]
mod tests;
