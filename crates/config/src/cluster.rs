//! The `cluster:` block of platform.yaml: the EKS control plane (endpoint access, control-plane
//! logs, envelope encryption of Secrets), the VPC's NAT gateways and the `core` managed node group.
//!
//! The block is checked by a JSON Schema of ours through the same positioned path as addon blocks
//! (unknown keys with "did you mean", types, ranges, patterns), then by the rules a schema cannot
//! say (sizes in order, CIDRs only with a public endpoint, the key in the platform's region), and
//! read into [`ClusterSettings`] with every default filled in. Defaults follow the reference
//! deployment (trino-on-eks): public and private endpoint, every log type, one NAT gateway, a core
//! group of 4 to 8 m6a.xlarge nodes with 100 GiB disks.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::diagnostic::Diagnostic;
use crate::schema::{BlockContext, check_block};
use crate::yaml::{self, Entry, Node, Seg};

/// The top-level key of the block.
pub const CLUSTER_KEY: &str = "cluster";

/// Every EKS control-plane log type, in EKS's order.
pub use dataplat_vocabulary::CONTROL_PLANE_LOG_TYPES;

/// Settings of the EKS cluster, its network and its core node group (`cluster:`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSettings {
    /// Whether the API server endpoint is reachable from the internet (the private endpoint is
    /// always on: nodes use it). The tfvars' `cluster_endpoint_public_access`.
    pub endpoint_public_access: bool,
    /// IPv4 CIDRs allowed to reach the public endpoint; empty means everywhere (EKS's default).
    pub public_access_cidrs: Vec<String>,
    /// Enabled control-plane log types (CloudWatch Logs `/aws/eks/<name>/cluster`).
    pub control_plane_logs: Vec<String>,
    /// A customer-managed KMS key (ARN) for the envelope encryption of Kubernetes API data
    /// (Secrets among it) instead of EKS's own key. EKS can add one to a running cluster but never
    /// remove or change it.
    pub secrets_kms_key_arn: Option<String>,
    /// One NAT gateway for the VPC (cheaper; a single point of failure) or, when false, one per
    /// zone. The VPC module's `single_nat_gateway`.
    pub single_nat_gateway: bool,
    /// The `core` managed node group for system workloads.
    pub core_node_group: CoreNodeGroup,
}

/// The `core` managed node group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoreNodeGroup {
    /// EC2 instance types, the first preferred (AL2023 x86_64).
    pub instance_types: Vec<String>,
    /// The fewest nodes.
    pub min_size: i32,
    /// The size at creation; afterwards whoever scales the group owns it (`up` only keeps it
    /// within min..max).
    pub desired_size: i32,
    /// The most nodes.
    pub max_size: i32,
    /// Root volume size in GiB.
    pub disk_size_gib: i32,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            endpoint_public_access: true,
            public_access_cidrs: Vec::new(),
            control_plane_logs: CONTROL_PLANE_LOG_TYPES.iter().map(|s| (*s).to_owned()).collect(),
            secrets_kms_key_arn: None,
            single_nat_gateway: true,
            core_node_group: CoreNodeGroup::default(),
        }
    }
}

impl Default for CoreNodeGroup {
    fn default() -> Self {
        CoreNodeGroup {
            instance_types: vec!["m6a.xlarge".into()],
            min_size: 4,
            desired_size: 4,
            max_size: 8,
            disk_size_gib: 100,
        }
    }
}

/// The JSON Schema of the block (defaults included: `init` writes them as a commented example).
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let d = ClusterSettings::default();
        let ng = &d.core_node_group;
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "endpoint_public_access": {
                    "type": "boolean",
                    "default": d.endpoint_public_access,
                    "description": "API server reachable from the internet (the private endpoint is always on)"
                },
                "public_access_cidrs": {
                    "type": "array",
                    "items": {"type": "string"},
                    "uniqueItems": true,
                    "maxItems": 40,
                    "default": [],
                    "description": "IPv4 CIDRs allowed to reach the public endpoint; empty means everywhere"
                },
                "control_plane_logs": {
                    "type": "array",
                    "items": {"enum": CONTROL_PLANE_LOG_TYPES},
                    "uniqueItems": true,
                    "default": d.control_plane_logs,
                    "description": "control-plane log types sent to CloudWatch Logs"
                },
                "secrets_kms_key_arn": {
                    "type": "string",
                    "description": "KMS key ARN for envelope encryption of Secrets (can be added later, never removed)"
                },
                "single_nat_gateway": {
                    "type": "boolean",
                    "default": d.single_nat_gateway,
                    "description": "one NAT gateway for the VPC; false: one per zone"
                },
                "core_node_group": {
                    "type": "object",
                    "additionalProperties": false,
                    "description": "the managed node group `core` for system workloads",
                    "properties": {
                        "instance_types": {
                            "type": "array",
                            "items": {"type": "string"},
                            "minItems": 1,
                            "maxItems": 20,
                            "uniqueItems": true,
                            "default": ng.instance_types
                        },
                        "min_size": {"type": "integer", "minimum": 0, "maximum": 1000, "default": ng.min_size},
                        "desired_size": {"type": "integer", "minimum": 0, "maximum": 1000, "default": ng.desired_size},
                        "max_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": ng.max_size},
                        "disk_size_gib": {"type": "integer", "minimum": 20, "maximum": 16384, "default": ng.disk_size_gib}
                    }
                }
            }
        })
    })
}

/// Checks the `cluster:` entry and reads it; `None` after an error (pushed to `out`).
pub(crate) fn check(
    file: &str,
    root: &Node,
    entry: &Entry,
    region: Option<&str>,
    out: &mut Vec<Diagnostic>,
) -> Option<ClusterSettings> {
    let pos = entry.key_node.start;
    let mut path = vec![Seg::Key(CLUSTER_KEY.into())];
    let before = out.len();
    let mut json = yaml::to_json(file, &entry.value, &mut path, pos, out);
    if json.is_null() {
        json = Value::Object(serde_json::Map::new());
    }
    let ctx =
        BlockContext { file, addon: CLUSTER_KEY, root, anchor: pos, anchor_key: CLUSTER_KEY.into(), schema: schema() };
    check_block(&ctx, &json, out);
    if out[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    let settings: ClusterSettings = match serde_json::from_value(json) {
        Ok(s) => s,
        Err(e) => {
            out.push(
                Diagnostic::error(file, pos.line, pos.column, CLUSTER_KEY, format!("`cluster` cannot be read: {e}"))
                    .with_hint("see docs/platform-yaml.md, section `cluster`"),
            );
            return None;
        }
    };
    let mut errors = Vec::new();
    // One diagnostic at `path` below `cluster` (or at the block when the path is not written).
    let mut error = |path: &[Seg], message: String, hint: String| {
        let mut full = vec![Seg::Key(CLUSTER_KEY.into())];
        full.extend(path.iter().cloned());
        let p = root.locate(&full).0.unwrap_or(pos);
        let key = crate::yaml::render_path(&full);
        errors.push(Diagnostic::error(file, p.line, p.column, key, message).with_hint(hint));
    };
    let key = |name: &str| Seg::Key(name.into());
    let ng = &settings.core_node_group;
    if !(ng.min_size <= ng.desired_size && ng.desired_size <= ng.max_size) {
        error(
            &[key("core_node_group"), key("desired_size")],
            format!(
                "`cluster.core_node_group` sizes must satisfy min_size <= desired_size <= max_size, found {} <= {} <= {}",
                ng.min_size, ng.desired_size, ng.max_size
            ),
            "raise max_size or lower min_size so desired_size lies between them".into(),
        );
    }
    if !settings.public_access_cidrs.is_empty() && !settings.endpoint_public_access {
        error(
            &[key("public_access_cidrs")],
            "`cluster.public_access_cidrs` has no effect while `cluster.endpoint_public_access` is false".into(),
            "remove `public_access_cidrs`, or set `endpoint_public_access: true`".into(),
        );
    }
    for (i, cidr) in settings.public_access_cidrs.iter().enumerate() {
        let at = [key("public_access_cidrs"), Seg::Index(i)];
        let name = format!("cluster.public_access_cidrs[{i}]");
        match host_bits_cleared(cidr) {
            None => error(
                &at,
                format!("`{name}` is `{cidr}`, which is not an IPv4 CIDR"),
                "write it as address/prefix, e.g. `203.0.113.0/24` (or `/32` for one address)".into(),
            ),
            Some(network) if network != *cidr => error(
                &at,
                format!("`{name}` is `{cidr}`, which has host bits set"),
                format!("EKS refuses it; write `{network}`"),
            ),
            Some(_) => {}
        }
    }
    for (i, instance_type) in ng.instance_types.iter().enumerate() {
        if !instance_type_shaped(instance_type) {
            error(
                &[key("core_node_group"), key("instance_types"), Seg::Index(i)],
                format!(
                    "`cluster.core_node_group.instance_types[{i}]` is `{instance_type}`, which is not an EC2 instance type"
                ),
                "write family.size in lowercase, e.g. `m6a.xlarge`".into(),
            );
        }
    }
    match (&settings.secrets_kms_key_arn, region) {
        (Some(arn), _) if !kms_key_arn_shaped(arn) => error(
            &[key("secrets_kms_key_arn")],
            format!("`cluster.secrets_kms_key_arn` is `{arn}`, which is not a KMS key ARN"),
            "write the key's ARN, `arn:aws:kms:<region>:<account>:key/<key id>` (the key itself, not an alias: \
             the cluster role is granted the key by its ARN)"
                .into(),
        ),
        (Some(arn), Some(region)) if arn.split(':').nth(3) != Some(region) => error(
            &[key("secrets_kms_key_arn")],
            format!(
                "`cluster.secrets_kms_key_arn` is in {} but the platform is in {region}",
                arn.split(':').nth(3).unwrap_or_default()
            ),
            "EKS needs a key in the cluster's own region; create one there or use a multi-Region replica".into(),
        ),
        _ => {}
    }
    if errors.is_empty() {
        Some(settings)
    } else {
        out.extend(errors);
        None
    }
}

/// `arn:<partition>:kms:<region>:<12 digits>:key/<id>`.
fn kms_key_arn_shaped(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else { return false };
    *prefix == "arn"
        && partition.starts_with("aws")
        && *service == "kms"
        && !region.is_empty()
        && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && resource
            .strip_prefix("key/")
            .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// `family.size`, lowercase: `m6a.xlarge`, `u-6tb1.metal`.
fn instance_type_shaped(text: &str) -> bool {
    let Some((family, size)) = text.split_once('.') else { return false };
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    ok(family) && ok(size) && family.starts_with(|c: char| c.is_ascii_lowercase())
}

/// `a.b.c.d/n` with the host bits cleared; `None` when it does not parse.
fn host_bits_cleared(cidr: &str) -> Option<String> {
    let (addr, len) = cidr.split_once('/')?;
    if len.is_empty() || len.len() > 2 || !len.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    let octets: Vec<u8> = addr
        .split('.')
        .map(|o| if o.is_empty() || o.len() > 3 || (o.len() > 1 && o.starts_with('0')) { None } else { o.parse().ok() })
        .collect::<Option<_>>()?;
    let [a, b, c, d] = octets.as_slice() else { return None };
    let value = u32::from_be_bytes([*a, *b, *c, *d]);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let [a, b, c, d] = (value & mask).to_be_bytes();
    Some(format!("{a}.{b}.{c}.{d}/{len}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_compiles_and_accepts_the_defaults() {
        let validator = jsonschema::validator_for(schema()).expect("valid schema");
        let defaults = serde_json::to_value(ClusterSettings::default()).unwrap();
        let mut defaults = defaults.as_object().unwrap().clone();
        defaults.remove("secrets_kms_key_arn"); // null is not a string: absent in YAML
        assert!(validator.is_valid(&Value::Object(defaults)));
    }

    #[test]
    fn host_bits_are_found() {
        assert_eq!(host_bits_cleared("203.0.113.7/24").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(host_bits_cleared("203.0.113.0/24").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(host_bits_cleared("0.0.0.0/0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(host_bits_cleared("1.2.3.4/32").as_deref(), Some("1.2.3.4/32"));
        assert_eq!(host_bits_cleared("nope"), None);
        assert_eq!(host_bits_cleared("300.1.1.1/32"), None);
        assert_eq!(host_bits_cleared("1.2.3.4/33"), None);
        assert_eq!(host_bits_cleared("1.2.3/24"), None);
        assert_eq!(host_bits_cleared("01.2.3.4/32"), None);
    }

    #[test]
    fn shapes_of_kms_arns_and_instance_types() {
        assert!(kms_key_arn_shaped("arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(kms_key_arn_shaped("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1"));
        assert!(!kms_key_arn_shaped("arn:aws:kms:us-west-2:123456789012:alias/eks"));
        assert!(!kms_key_arn_shaped("arn:aws:kms:us-west-2:1234:key/x"));
        assert!(!kms_key_arn_shaped("1234abcd-12ab"));
        assert!(instance_type_shaped("m6a.xlarge") && instance_type_shaped("u-6tb1.metal"));
        assert!(!instance_type_shaped("M6a.xlarge") && !instance_type_shaped("m6a") && !instance_type_shaped(".x"));
    }
}
