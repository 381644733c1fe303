//! superset: the built-in addon that installs Apache Superset from its upstream chart, with the
//! chart's bundled PostgreSQL and Redis (the reference ran its own and turned these off).
//!
//! Superset's `SECRET_KEY` (which encrypts stored database credentials) never appears in values:
//! every Superset pod loads the existing Secret `superset-secret-key` (key `SUPERSET_SECRET_KEY`)
//! as environment, which the host creates with a random value before this release, and a
//! `configOverrides` entry reads it from there. The upstream chart is deprecated in favour of an
//! operator; it is pinned here until that replacement is usable.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://apache.github.io/superset";
const CHART: &str = "superset";
const CHART_VERSION: &str = "0.15.0";
const RELEASE: &str = "superset";
/// The Secret the host creates; Superset pods load it as environment.
const SECRET_KEY_SECRET: &str = "superset-secret-key";
const SECRET_KEY_ENV: &str = "SUPERSET_SECRET_KEY";

/// The `superset:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace Superset is installed into.
    pub namespace: String,
    /// Version of the `superset` chart from https://apache.github.io/superset.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key. No secrets here:
    /// `extraSecretEnv.SUPERSET_SECRET_KEY` is refused, the key comes from a Secret.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
}

impl Default for Config {
    fn default() -> Self {
        Config { namespace: "superset".into(), chart_version: CHART_VERSION.into(), values: json!({}) }
    }
}

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
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
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
            "postgresql": {
                "enabled": true,
                "primary": { "persistence": { "storageClass": "gp3" } },
            },
            "redis": { "enabled": true },
        });
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        let release = Release::of_chart(RELEASE, ns, chart)
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), RELEASE).timeout(900))
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), &format!("{RELEASE}-worker")).timeout(900));
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

export_addon!(Superset);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

    fn enabled() -> PlatformFacts {
        facts(&["enable_superset"], &["superset"])
    }

    #[test]
    fn defaults_plan_superset_with_bundled_databases_and_no_secret() {
        let plan = plan_ok::<Superset>(&json!({}), &enabled());
        let release = release(&plan, "superset");
        assert_eq!(release.namespace, "superset");
        assert_chart(release, "https://apache.github.io/superset", "superset", "0.15.0");
        let v = values(release);
        assert_eq!(v.pointer("/postgresql/enabled"), Some(&json!(true)));
        assert_eq!(v.pointer("/redis/enabled"), Some(&json!(true)));
        assert_eq!(v["envFromSecrets"], json!(["superset-secret-key"]));
        let override_py = v.pointer("/configOverrides/secret_key").and_then(|s| s.as_str()).expect("override");
        assert!(override_py.contains("SECRET_KEY = os.environ[\"SUPERSET_SECRET_KEY\"]"));
        assert!(v.get("extraSecretEnv").is_none(), "no secret material in values");
        object(release, "Namespace", "superset");
        assert_eq!(health_checks(release), [("Deployment", "superset"), ("Deployment", "superset-worker")]);
        assert_eq!(endpoints(&plan), [("web", "http://superset.superset.svc:8088")]);
        let topics: Vec<&str> = plan.notes.iter().map(|n| n.topic.as_str()).collect();
        assert!(topics.contains(&"deprecated"));
        let secret = plan.notes.iter().find(|n| n.topic == "secret-key").expect("secret note");
        assert!(secret.text.contains("superset/superset-secret-key"));
        // The Secret the values read is declared, so the host generates it before the release.
        assert_eq!(plan.secrets.len(), 1);
        assert_eq!(
            (plan.secrets[0].namespace.as_str(), plan.secrets[0].name.as_str()),
            ("superset", "superset-secret-key")
        );
        assert_eq!(plan.secrets[0].random_keys, ["SUPERSET_SECRET_KEY"]);
    }

    #[test]
    fn overrides_and_values_merge() {
        let config =
            json!({"namespace": "bi", "values": {"supersetNode": {"replicaCount": 2}, "redis": {"enabled": false}}});
        let plan = plan_ok::<Superset>(&config, &enabled());
        let release = release(&plan, "superset");
        object(release, "Namespace", "bi");
        let v = values(release);
        assert_eq!(v.pointer("/supersetNode/replicaCount"), Some(&json!(2)));
        assert_eq!(v.pointer("/redis/enabled"), Some(&json!(false)));
        assert_eq!(v.pointer("/postgresql/enabled"), Some(&json!(true)));
        assert_eq!(plan.endpoints[0].url, "http://superset.bi.svc:8088");
    }

    #[test]
    fn validation_errors() {
        let f = enabled();
        let e = error_at::<Superset>(
            &json!({"values": {"extraSecretEnv": {"SUPERSET_SECRET_KEY": "hunter2"}}}),
            &f,
            "values.extraSecretEnv.SUPERSET_SECRET_KEY",
        );
        assert!(e.message.contains("secrets"));
        error_at::<Superset>(&json!({"values": {"fullnameOverride": "bi"}}), &f, "values.fullnameOverride");
        error_at::<Superset>(&json!({"namespace": "Super Set"}), &f, "namespace");
        error_at::<Superset>(&json!({"values": null}), &f, "values");
        assert!(errors::<Superset>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<Superset>(
            "superset",
            &[("enable_superset", true)],
            &[],
            &["namespace", "chart_version", "values"],
        );
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<Superset>(&json!({}), &enabled());
    }
}
