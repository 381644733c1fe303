//! Conformance checks for plugin authors (`kubectl dataplat plugin test`): the same checks the
//! composer applies to every plan, plus determinism, run against one plugin in isolation.

use std::collections::BTreeMap;

use dataplat_plugin::Plugin;
use dataplat_plugin::contract::PlatformFacts;
use serde::Serialize;

use crate::compose::{Naming, check_and_resolve};

/// One check and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

fn check(name: impl Into<String>, result: Result<String, String>) -> Check {
    match result {
        Ok(detail) => Check { name: name.into(), passed: true, detail },
        Err(detail) => Check { name: name.into(), passed: false, detail },
    }
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Runs every check; `configs` are extra config blocks (JSON) to plan with besides `{}`.
pub fn conformance(plugin: &Plugin, configs: &[String]) -> Vec<Check> {
    let info = plugin.info();
    let mut checks = vec![
        check(
            "info: version is semantic",
            if is_semver(&info.version) {
                Ok(info.version.clone())
            } else {
                Err(format!("{:?} is not x.y.z", info.version))
            },
        ),
        check(
            "info: one flag switches the addon on",
            match info.flags.iter().filter(|f| f.enables_addon).count() {
                1 => Ok(info.flags.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")),
                n => Err(format!("{n} flags have enables-addon set; exactly one must")),
            },
        ),
        check("info: config schema is a JSON Schema object", {
            let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap_or_default();
            match schema.get("type").and_then(|t| t.as_str()) {
                Some("object") => Ok(format!(
                    "{} propert(ies)",
                    schema.get("properties").and_then(|p| p.as_object()).map_or(0, |p| p.len())
                )),
                _ => Err("the schema's type must be \"object\"".into()),
            }
        }),
    ];
    // Plan with the addon's own flag, then with each feature flag on as well. With only the
    // addon on, the default config must plan; a feature may legitimately ask for more config
    // (diagnostics with a path), but must never fail or return an unusable plan.
    let own: Vec<String> = info.flags.iter().filter(|f| f.enables_addon).map(|f| f.name.clone()).collect();
    let mut scenarios: Vec<(String, Vec<String>, bool)> = vec![(String::new(), own.clone(), true)];
    for feature in info.flags.iter().filter(|f| !f.enables_addon) {
        let mut flags = own.clone();
        flags.push(feature.name.clone());
        scenarios.push((format!(" with {}", feature.name), flags, false));
    }
    for config in std::iter::once("{}".to_string()).chain(configs.iter().cloned()) {
        for (label, flags, must_plan) in &scenarios {
            checks.extend(plan_checks(plugin, &config, label, flags, *must_plan || config != "{}"));
        }
    }
    checks
}

fn plan_checks(plugin: &Plugin, config: &str, label: &str, enabled: &[String], must_plan: bool) -> Vec<Check> {
    let info = plugin.info();
    let flags: BTreeMap<String, bool> = enabled.iter().map(|f| (f.clone(), true)).collect();
    let facts = PlatformFacts {
        name: "conformance".into(),
        region: "us-west-2".into(),
        account_id: Some("123456789012".into()),
        deployment_id: "Conform1".into(),
        kubernetes_version: "1.34".into(),
        enabled_addons: std::iter::once(info.name.clone())
            .chain(info.dependencies.iter().map(|d| d.addon.clone()))
            .collect(),
        enabled_flags: enabled.to_vec(),
        endpoints: Vec::new(),
        tags: Vec::new(),
    };
    let naming = Naming { platform: "conformance", deployment_id: "Conform1", flags: &flags };
    let first = plugin.plan(config, &facts);
    let second = plugin.plan(config, &facts);
    let json = |r: &Result<_, dataplat_plugin::PluginError>| match r {
        Ok(v) => serde_json::to_string(v).unwrap_or_default(),
        Err(e) => e.to_string(),
    };
    let deterministic = check(
        format!("plan({config}){label} is deterministic"),
        if json(&first) == json(&second) {
            Ok("two calls, same output".into())
        } else {
            Err("two calls gave different output".into())
        },
    );
    let usable = check(
        format!("plan({config}){label} returns a usable plan"),
        match first {
            Err(e) => Err(e.to_string()),
            Ok(Err(diagnostics)) => {
                let text =
                    diagnostics.iter().map(|d| format!("{}: {}", d.path, d.message)).collect::<Vec<_>>().join("; ");
                if must_plan || diagnostics.is_empty() {
                    Err(format!("diagnostics: {text}"))
                } else {
                    Ok(format!("asks for config: {text}"))
                }
            }
            Ok(Ok(plan)) => check_and_resolve(&info.name, plugin, &naming, plan, Vec::new())
                .map(|entry| {
                    format!(
                        "{} release(s), {} object(s), {} chart(s), {} bucket(s), {} endpoint(s)",
                        entry.releases.len(),
                        entry.releases.iter().map(|r| r.objects.len()).sum::<usize>(),
                        entry.releases.iter().filter(|r| r.chart.is_some()).count(),
                        entry.buckets.len(),
                        entry.endpoints.len()
                    )
                })
                .map_err(|e| e.to_string()),
        },
    );
    vec![deterministic, usable]
}
