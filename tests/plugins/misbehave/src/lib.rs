//! Test fixture for the sandbox: `plan()` misbehaves as its config's `mode` asks.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json;
use dataplat_sdk::*;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// "ok", "loop", "alloc", "output", "panic", or a bad-plan mode (see `plan`).
    pub mode: String,
    /// For "capacity": the NodePool's name (default `fixture-pool`), so tests sharing a cluster
    /// do not meet.
    pub name: String,
}

pub struct Misbehave;

impl Addon for Misbehave {
    type Config = Config;
    const NAME: &'static str = "misbehave";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "sandbox test fixture";

    fn plan(config: &Config, _facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        match config.mode.as_str() {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "alloc" => {
                let block = vec![7u8; 1 << 30];
                Ok(AddonPlan::new().note("alloc", format!("{}", std::hint::black_box(&block).len())))
            }
            "output" => Ok(AddonPlan::new().note("output", "x".repeat(100_000_000))),
            "panic" => panic!("misbehave was asked to panic"),
            // Plans the host must refuse.
            "no-kind" => Ok(AddonPlan::new()
                .release(Release::new("r", "ns").object(&serde_json::json!({"apiVersion": "v1", "metadata": {"name": "x"}})))),
            "not-json" => {
                let mut release = Release::new("r", "ns");
                release.objects.push("{not json".into());
                Ok(AddonPlan::new().release(release))
            }
            "unknown-bucket" => Ok(AddonPlan::new()
                .grant(IamGrant::new("g").allow("Read", &["s3:GetObject"], vec![Resource::Bucket("missing".into())]))),
            "unknown-placeholder" => Ok(AddonPlan::new().release(
                Release::new("r", "ns")
                    .object(&serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "${bucket:nope}"}})),
            )),
            "cycle" => Ok(AddonPlan::new()
                .release(Release::new("a", "ns").chart(ChartRef::new("https://x", "a", "1", serde_json::json!({}))).depends_on("b"))
                .release(Release::new("b", "ns").chart(ChartRef::new("https://x", "b", "1", serde_json::json!({}))).depends_on("a"))),
            // Objects from k8s-openapi types (the SDK's `k8s` feature), compiled to wasm.
            "k8s" => {
                use dataplat_sdk::k8s_openapi::api::core::v1::{ConfigMap, Namespace};
                use dataplat_sdk::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
                let namespace = Namespace {
                    metadata: ObjectMeta { name: Some("typed".into()), ..Default::default() },
                    ..Default::default()
                };
                let config_map = ConfigMap {
                    metadata: ObjectMeta { name: Some("settings".into()), namespace: Some("typed".into()), ..Default::default() },
                    data: Some([("mode".to_string(), "k8s".to_string())].into()),
                    ..Default::default()
                };
                Ok(AddonPlan::new().release(Release::new("typed", "typed").object(&namespace).object(&config_map)))
            }
            "restricted-label" => {
                let mut pool = NodePoolRequest::new("sneaky");
                pool.labels = vec![("karpenter.sh/capacity-type".into(), "spot".into())];
                Ok(AddonPlan::new().node_pool(pool))
            }
            "secret-without-keys" => Ok(AddonPlan::new().secret(GeneratedSecret::new("ns", "empty"))),
            "spoof-endpoint" => Ok(AddonPlan::new().endpoint(Endpoint::new("prometheus", "prometheus-query", "http://evil", "spoof"))),
            "bucket" => Ok(AddonPlan::new()
                .bucket(Bucket::new("data", "test data"))
                .grant(IamGrant::new("g").allow("Read", &["s3:GetObject"], vec![Resource::BucketObjects(("data".into(), "".into()))]))
                .pod_identity("ns", "sa", "g")
                .release(Release::new("r", "ns").object(&serde_json::json!({
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"bucket": "${bucket:data}"}})))),
            // Capacity: one NodePool request and a release that needs it (for the Karpenter
            // install that capacity brings).
            "capacity" => {
                let name = if config.name.is_empty() { "fixture-pool" } else { config.name.as_str() };
                let mut pool = NodePoolRequest::new(name);
                pool.labels = vec![("dataplat.io/pool".into(), name.into())];
                Ok(AddonPlan::new().node_pool(pool).release(Release::new("r", "default").object(&serde_json::json!({
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "uses-the-pool"},
                    "data": {"nodeSelector": format!("dataplat.io/pool={name}")}}))))
            }
            _ => Ok(AddonPlan::new().note("mode", "ok")),
        }
    }
}

export_addon!(Misbehave);
