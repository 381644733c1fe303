//! Writing a new platform.yaml: deployment ids and the commented starter file of `init`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::catalog::Catalog;
use crate::core_keys::{DEFAULT_KUBERNETES_VERSION, DEFAULT_VPC_CIDR};
use crate::schema::{property_names, resolve_ref, subschema};
use crate::yaml::{Seg, yaml_scalar};

/// The random source failed; no deployment id could be generated.
#[derive(Debug, thiserror::Error)]
#[error("could not generate a deployment id: the system random source failed: {0}")]
pub struct DeploymentIdError(getrandom::Error);

const ID_ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A new deployment id: 8 characters drawn uniformly from `[A-Za-z0-9]` using the operating
/// system's random source (rejection sampling, so no character is more likely than another).
pub fn new_deployment_id() -> Result<String, DeploymentIdError> {
    let mut out = String::with_capacity(8);
    let mut buf = [0u8; 32];
    while out.len() < 8 {
        getrandom::fill(&mut buf).map_err(DeploymentIdError)?;
        for b in buf {
            // 248 = 4 * 62: bytes at or above it would favour the first characters.
            if b < 248 && out.len() < 8 {
                out.push(char::from(ID_ALPHABET[usize::from(b % 62)]));
            }
        }
    }
    Ok(out)
}

/// Renders a JSON value as block YAML lines at `indent` spaces, each prefixed with `prefix`
/// (used with `"# "` for commented-out examples).
pub(crate) fn block_yaml(key: &str, value: &Value, indent: usize, prefix: &str, out: &mut String) {
    let pad = " ".repeat(indent);
    let k = yaml_scalar(key);
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str(&format!("{prefix}{pad}{k}:\n"));
            for (ck, cv) in map {
                block_yaml(ck, cv, indent + 2, prefix, out);
            }
        }
        other => {
            out.push_str(&format!("{prefix}{pad}{k}: {}\n", crate::schema::inline_yaml(other)));
        }
    }
}

/// The defaults a schema declares, as an object (properties without a default are left out).
pub(crate) fn schema_defaults(schema: &Value) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    let root = resolve_ref(schema, schema);
    if let Some(Value::Object(d)) = root.get("default") {
        out.extend(d.clone());
    }
    for prop in property_names(schema, schema) {
        if out.contains_key(&prop) {
            continue;
        }
        if let Some(sub) = subschema(schema, &[Seg::Key(prop.clone())])
            && let Some(d) = sub.get("default")
        {
            out.insert(prop, d.clone());
        }
    }
    out
}

/// Core values for the file header.
pub(crate) struct CoreValues<'a> {
    pub name: &'a str,
    pub region: &'a str,
    pub deployment_id: &'a str,
    pub kubernetes_version: &'a str,
    pub vpc_cidr: &'a str,
    pub tags: &'a [(String, String)],
    /// Settings of the `cluster:` block that differ from its defaults (written uncommented);
    /// empty: the defaults are shown as a commented example.
    pub cluster: serde_json::Map<String, Value>,
}

/// Expands what the caller asked for into the set of flags to turn on: names in `enabled` may
/// be addon names (their enabling flag) or flag names. Dependencies of enabled addons are added
/// (returned separately with the addon that needed them) so the file validates.
pub(crate) fn expand_enabled(catalog: &Catalog, enabled: &[String]) -> (BTreeSet<String>, Vec<(String, String)>) {
    let mut flags = BTreeSet::new();
    for e in enabled {
        if let Some(addon) = catalog.addon(e) {
            if let Some(f) = addon.enabling_flag() {
                flags.insert(f.name.clone());
            }
        } else if let Some((addon, f)) = catalog.flag(e) {
            flags.insert(f.name.clone());
            if let Some(af) = addon.enabling_flag() {
                flags.insert(af.name.clone());
            }
        }
    }
    let added = add_dependencies(catalog, &mut flags);
    (flags, added)
}

/// Turns on, until nothing changes, every addon an enabled addon (or enabled feature) needs.
/// Returns `(added flag, addon that needed it)`. Dependencies on addons missing from the catalog
/// cannot be satisfied and are left to validation.
pub(crate) fn add_dependencies(catalog: &Catalog, flags: &mut BTreeSet<String>) -> Vec<(String, String)> {
    let mut added = Vec::new();
    for _ in 0..=catalog.addons.len() {
        let mut changed = false;
        for addon in &catalog.addons {
            let on = addon.enabling_flag().is_some_and(|f| flags.contains(&f.name));
            if !on {
                continue;
            }
            for dep in &addon.dependencies {
                let active = dep.when_flag.as_ref().is_none_or(|w| flags.contains(w));
                if !active {
                    continue;
                }
                if let Some(needed) = catalog.addon(&dep.addon).and_then(|a| a.enabling_flag())
                    && flags.insert(needed.name.clone())
                {
                    added.push((needed.name.clone(), addon.name.clone()));
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    added
}

/// Renders the body shared by `init` and the tfvars import.
pub(crate) fn render_platform(
    catalog: &Catalog,
    header: &str,
    core: &CoreValues<'_>,
    flags_on: &BTreeSet<String>,
) -> String {
    let mut out = String::new();
    out.push_str(header);
    out.push('\n');
    out.push_str("# Platform name: the EKS cluster name and the prefix of every AWS resource.\n");
    out.push_str(&format!("name: {}\n", yaml_scalar(core.name)));
    out.push_str("# AWS region to deploy to.\n");
    out.push_str(&format!("region: {}\n", yaml_scalar(core.region)));
    out.push_str("# Generated once; tags every AWS resource of this platform. Never change it.\n");
    out.push_str(&format!("deployment_id: {}\n", yaml_scalar(core.deployment_id)));
    let versions: Vec<String> =
        crate::core_keys::SUPPORTED_KUBERNETES_VERSIONS.iter().map(|v| format!("\"{v}\"")).collect();
    out.push_str(&format!(
        "# Kubernetes version of the EKS cluster, quoted: {}.\n",
        crate::suggest::join_or(&versions)
    ));
    out.push_str(&format!(
        "kubernetes_version: {}\n",
        serde_json::to_string(core.kubernetes_version).unwrap_or_else(|_| format!("\"{DEFAULT_KUBERNETES_VERSION}\""))
    ));
    out.push_str("# Private IPv4 range of the VPC, /16 to /24 (pods use the fixed 100.64-66.0.0/16 ranges).\n");
    out.push_str(&format!("vpc_cidr: {}\n", yaml_scalar(core.vpc_cidr)));
    out.push_str("# Tags for every AWS resource (keys may not start with aws: or dataplat.io/).\n");
    if core.tags.is_empty() {
        out.push_str("tags: {}\n");
    } else {
        out.push_str("tags:\n");
        for (k, v) in core.tags {
            out.push_str(&format!("  {}: {}\n", yaml_scalar(k), yaml_scalar(v)));
        }
    }

    out.push_str("# The EKS cluster, its NAT gateways and its core node group (docs/platform-yaml.md, `cluster`).\n");
    if core.cluster.is_empty() {
        out.push_str("# The defaults are shown; uncomment what you change.\n#\n");
        let mut defaults = match serde_json::to_value(crate::cluster::ClusterSettings::default()) {
            Ok(Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        defaults.retain(|_, v| !v.is_null());
        block_yaml(crate::cluster::CLUSTER_KEY, &Value::Object(defaults), 0, "# ", &mut out);
        out.push_str("#   # secrets_kms_key_arn: arn:aws:kms:<region>:<account>:key/<id>\n");
    } else {
        block_yaml(crate::cluster::CLUSTER_KEY, &Value::Object(core.cluster.clone()), 0, "", &mut out);
    }

    let mut addons: Vec<_> = catalog.addons.iter().collect();
    addons.sort_by(|a, b| a.name.cmp(&b.name));
    if !addons.is_empty() {
        out.push_str("\n# Addons: each enable_* flag switches an addon, or one of its features, on.\n");
    }
    for addon in &addons {
        out.push_str(&format!("\n# [{}] {}\n", addon.name, addon.description));
        let mut flags: Vec<_> = addon.flags.iter().collect();
        // The addon's own flag first, then its features in declaration order.
        flags.sort_by_key(|f| !f.enables_addon);
        for f in flags {
            out.push_str(&format!("# {}\n", f.description));
            out.push_str(&format!("{}: {}\n", f.name, flags_on.contains(&f.name)));
        }
    }

    let examples: Vec<_> = addons
        .iter()
        .filter(|a| a.enabling_flag().is_some_and(|f| flags_on.contains(&f.name)))
        .filter_map(|a| {
            let defaults = schema_defaults(&a.config_schema);
            (!defaults.is_empty()).then_some((a, defaults))
        })
        .collect();
    if !examples.is_empty() {
        out.push_str(
            "\n# Settings of the enabled addons, with their defaults. Uncomment a block and\n\
             # change what you need; `kubectl dataplat plugin inspect <addon>` lists every setting.\n",
        );
        for (addon, defaults) in examples {
            out.push_str("#\n");
            block_yaml(&addon.name, &Value::Object(defaults), 0, "# ", &mut out);
        }
    }
    out.push_str(
        "\n# Third-party addons, pinned by digest (`kubectl dataplat plugin install` writes this):\n\
         # plugins:\n\
         #   - name: hello\n\
         #     source: oci://registry.example.com/addons/hello:0.1.0@sha256:<64 hex digits>\n",
    );
    out
}

/// A commented platform.yaml for a new platform: a header, the core keys with one comment each,
/// every flag of every addon (sorted by addon, each with its description; true when named in
/// `enabled`, by addon or flag name), and a commented-out example of each enabled addon's block
/// built from its schema defaults. Addons the enabled ones depend on are switched on too, so
/// the result validates against `catalog`. Values are quoted where YAML would misread them.
pub fn render_init(catalog: &Catalog, name: &str, region: &str, deployment_id: &str, enabled: &[String]) -> String {
    let (flags_on, _added) = expand_enabled(catalog, enabled);
    let header = "# platform.yaml: one file describes the whole data platform.\n\
                  # Check it with `kubectl dataplat validate`; see what `up` would do with `kubectl dataplat plan`.\n";
    render_platform(
        catalog,
        header,
        &CoreValues {
            name,
            region,
            deployment_id,
            kubernetes_version: DEFAULT_KUBERNETES_VERSION,
            vpc_cidr: DEFAULT_VPC_CIDR,
            tags: &[],
            cluster: serde_json::Map::new(),
        },
        &flags_on,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_ids_are_random_and_well_formed() {
        let mut seen = BTreeSet::new();
        for _ in 0..50 {
            let id = new_deployment_id().unwrap();
            assert_eq!(id.len(), 8);
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
            seen.insert(id);
        }
        assert!(seen.len() > 45, "ids repeat: {seen:?}");
    }

    #[test]
    fn scalars_round_trip() {
        for s in [
            "trino-v2",
            "us-west-2",
            "12345678",
            "true",
            "yes",
            "1.34",
            "",
            "a: b",
            "# x",
            "-x",
            "oci://127.0.0.1:5001/a/b:0.1.0@sha256:00",
            "./plugins/x.wasm",
            "null",
            "0755",
            "with space",
            "quote\"d",
        ] {
            let text = format!("k: {}\n", yaml_scalar(s));
            let tree = crate::yaml::parse_tree("t", &text).unwrap().unwrap();
            let v = crate::yaml::to_json("t", &tree, &mut Vec::new(), crate::yaml::Pos::default(), &mut Vec::new());
            assert_eq!(v["k"], Value::String(s.to_string()), "{s} -> {text}");
        }
        assert_eq!(yaml_scalar("trino-v2"), "trino-v2");
        assert_eq!(yaml_scalar("12345678"), "\"12345678\"");
    }
}
