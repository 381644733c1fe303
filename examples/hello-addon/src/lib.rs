//! hello: an example kubectl-dataplat addon. It runs a small HTTP echo service and shows every
//! part of the contract an author needs: flags, a typed config with a schema, validation, a
//! release with objects and a health check, and an endpoint for other addons.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

/// The `hello:` block of platform.yaml.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace to install into.
    pub namespace: String,
    /// What the service answers.
    pub message: String,
    /// Number of pods.
    #[schemars(range(min = 1, max = 20))]
    pub replicas: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config { namespace: "hello".into(), message: "hello from dataplat".into(), replicas: 2 }
    }
}

pub struct Hello;

impl Addon for Hello {
    type Config = Config;
    const NAME: &'static str = "hello";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "A small HTTP echo service (example addon)";

    fn validate(config: &Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if config.message.trim().is_empty() {
            problems.push(Diagnostic::error("message", "must not be empty").hint("message: hi"));
        }
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let labels = json!({ "app.kubernetes.io/name": "hello", "app.kubernetes.io/part-of": facts.name });
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": { "name": "hello", "namespace": ns, "labels": labels },
            "spec": {
                "replicas": config.replicas,
                "selector": { "matchLabels": { "app.kubernetes.io/name": "hello" } },
                "template": {
                    "metadata": { "labels": labels },
                    "spec": { "containers": [{
                        "name": "echo",
                        "image": "hashicorp/http-echo:1.0.0",
                        "args": [format!("-text={}", config.message), "-listen=:5678"],
                        "ports": [{ "name": "http", "containerPort": 5678 }],
                        "securityContext": { "runAsNonRoot": true, "runAsUser": 65532, "allowPrivilegeEscalation": false }
                    }]}
                }
            }
        });
        let service = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": { "name": "hello", "namespace": ns, "labels": labels },
            "spec": { "selector": { "app.kubernetes.io/name": "hello" }, "ports": [{ "name": "http", "port": 80, "targetPort": "http" }] }
        });
        let release = Release::new("hello", ns)
            .object(&json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": ns } }))
            .object(&deployment)
            .object(&service)
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), "hello"));
        Ok(AddonPlan::new()
            .release(release)
            .endpoint(Endpoint::new("hello", "http", format!("http://hello.{ns}.svc:80"), "echo service"))
            .note("replicas", format!("{} pods answer {:?}", config.replicas, config.message)))
    }
}

export_addon!(Hello);
