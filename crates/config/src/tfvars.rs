//! Importing a data-on-eks `*.tfvars` file into a new platform.yaml.
//!
//! Maps `name`, `region`, `tags`, `vpc_cidr`, `eks_cluster_version` (to `kubernetes_version`),
//! `deployment_id` (the Terraform placeholder becomes a fresh id) and every `enable_*` flag a
//! loaded plugin answers to. Everything else is skipped with a concrete reason. Combinations the
//! catalog would reject do not fail the import: a feature flag whose addon is off is left off,
//! a missing dependency is switched on, and each decision is reported as an [`ImportLine`].

use std::collections::BTreeSet;

use hcl::edit::Span as _;
use hcl::edit::structure::{Body, Structure};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::core_keys::{
    self, DEFAULT_KUBERNETES_VERSION, DEFAULT_VPC_CIDR, Problem, TERRAFORM_DEPLOYMENT_ID_PLACEHOLDER,
};
use crate::diagnostic::Diagnostic;
use crate::init::{CoreValues, add_dependencies, render_platform};

/// What happened to one tfvars key (or to a key the import had to add).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    /// The tfvars key (or, for [`ImportOutcome::Added`], the platform.yaml key added).
    pub key: String,
    /// What the import did with it.
    pub outcome: ImportOutcome,
}

/// The fate of a tfvars key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum ImportOutcome {
    /// Written to platform.yaml as `to: value`.
    Mapped {
        /// The platform.yaml key.
        to: String,
        /// The value written.
        value: String,
    },
    /// Not written; `reason` says why.
    Skipped {
        /// A concrete reason for the user.
        reason: String,
    },
    /// Not in the tfvars, but written so the file validates (e.g. a dependency's flag, a
    /// default for a missing required key).
    Added {
        /// The platform.yaml key.
        to: String,
        /// The value written.
        value: String,
        /// Why it was needed.
        reason: String,
    },
}

/// Keys of the data-on-eks base that have no platform.yaml counterpart, with the reason.
fn known_skip(key: &str) -> Option<&'static str> {
    Some(match key {
        "secondary_cidrs" => "the network layout is fixed by dataplat (100.64-66/16 for pods)",
        "public_subnet_tags" | "private_subnet_tags" => {
            "dataplat tags its subnets itself (ELB roles and Karpenter discovery); use `tags` for your own tags"
        }
        "kms_key_admin_roles" => "the cluster's KMS key is managed by dataplat",
        "enable_cluster_addons" => {
            "EKS managed add-ons (vpc-cni, CoreDNS, kube-proxy, pod identity, EBS and S3 CSI drivers, metrics-server) are managed by dataplat"
        }
        "managed_node_groups" => {
            "dataplat runs one core node group itself; addon capacity comes from Karpenter NodePools the addons request"
        }
        "eks_pcp_tier" => "EKS provisioned control plane tiers are not configurable in platform.yaml",
        "enable_ipv6" => "dataplat clusters use IPv4 (the VPC keeps dual-stack subnets)",
        _ => return None,
    })
}

/// A literal HCL value, simplified.
enum Literal {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Map(Vec<(String, Literal)>),
    List,
}

impl Literal {
    fn describe(&self) -> &'static str {
        match self {
            Literal::Null => "null",
            Literal::Bool(_) => "a boolean",
            Literal::Number(_) => "a number",
            Literal::Str(_) => "a string",
            Literal::Map(_) => "a map",
            Literal::List => "a list",
        }
    }
}

fn literal(expr: &hcl::Expression) -> Option<Literal> {
    Some(match expr {
        hcl::Expression::Null => Literal::Null,
        hcl::Expression::Bool(b) => Literal::Bool(*b),
        hcl::Expression::Number(n) => Literal::Number(n.to_string()),
        hcl::Expression::String(s) => Literal::Str(s.clone()),
        hcl::Expression::Array(items) => {
            items.iter().map(literal).collect::<Option<Vec<_>>>()?;
            Literal::List
        }
        hcl::Expression::Object(obj) => Literal::Map(
            obj.iter()
                .map(|(k, v)| {
                    let key = match k {
                        hcl::ObjectKey::Identifier(i) => i.to_string(),
                        hcl::ObjectKey::Expression(hcl::Expression::String(s)) => s.clone(),
                        _ => return None,
                    };
                    Some((key, literal(v)?))
                })
                .collect::<Option<Vec<_>>>()?,
        ),
        hcl::Expression::Parenthesis(inner) => literal(inner)?,
        _ => return None,
    })
}

/// Line and column (1-based) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Imports a tfvars file. Returns the platform.yaml text (validating against `catalog`) and one
/// [`ImportLine`] per tfvars key, in file order, followed by keys the import added. Fails with
/// positioned diagnostics on HCL syntax errors and on values dataplat cannot use for `name`,
/// `region`, `deployment_id` or flags (a non-boolean flag, for example).
pub fn import_tfvars(
    label: &str,
    hcl_text: &str,
    catalog: &Catalog,
    deployment_id_if_new: &str,
) -> Result<(String, Vec<ImportLine>), Vec<Diagnostic>> {
    let body: Body = hcl::edit::parser::parse_body(hcl_text).map_err(|e| {
        let loc = e.location();
        vec![
            Diagnostic::error(label, loc.line(), loc.column(), "", format!("HCL syntax error: {}", e.message()))
                .with_hint("a tfvars file holds `key = value` lines; check quotes and brackets on this line"),
        ]
    })?;

    let mut lines: Vec<ImportLine> = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut name: Option<String> = None;
    let mut region: Option<String> = None;
    let mut deployment_id: Option<String> = None;
    let mut kubernetes_version = DEFAULT_KUBERNETES_VERSION.to_string();
    let mut vpc_cidr = DEFAULT_VPC_CIDR.to_string();
    let mut tags: Vec<(String, String)> = Vec::new();
    let mut cluster = serde_json::Map::new();
    // Flags the tfvars set to true, with the tfvars key index for later notes.
    let mut flags_true: Vec<String> = Vec::new();
    let flag_names = catalog.flag_names();

    for structure in body.iter() {
        let attr = match structure {
            Structure::Attribute(a) => a,
            Structure::Block(b) => {
                lines.push(ImportLine {
                    key: b.ident.to_string(),
                    outcome: ImportOutcome::Skipped { reason: "blocks are not valid in a tfvars file".to_string() },
                });
                continue;
            }
        };
        let key = attr.key.to_string();
        let (line, column) = line_col(hcl_text, attr.span().map_or(0, |r| r.start));
        let problem = |p: Problem| -> Diagnostic {
            Diagnostic::error(label, line, column, key.clone(), p.message).with_hint(p.hint)
        };
        let expr: hcl::Expression = attr.value.clone().into();
        let Some(value) = literal(&expr) else {
            lines.push(ImportLine {
                key: key.clone(),
                outcome: ImportOutcome::Skipped {
                    reason: format!("`{key}` is an expression, not a literal value; set it in platform.yaml by hand"),
                },
            });
            continue;
        };
        let mapped = |to: &str, value: &str| ImportLine {
            key: key.clone(),
            outcome: ImportOutcome::Mapped { to: to.to_string(), value: value.to_string() },
        };
        let wrong_type = |expected: &str, v: &Literal| -> Diagnostic {
            Diagnostic::error(
                label,
                line,
                column,
                key.clone(),
                format!("`{key}` must be {expected}, found {}", v.describe()),
            )
        };
        match key.as_str() {
            "name" => match &value {
                Literal::Str(s) => match core_keys::check_name("name", s) {
                    Ok(()) => {
                        lines.push(mapped("name", s));
                        name = Some(s.clone());
                    }
                    Err(p) => diags.push(problem(p)),
                },
                v => diags.push(wrong_type("a string", v)),
            },
            "region" => match &value {
                Literal::Str(s) => match core_keys::check_region("region", s) {
                    Ok(()) => {
                        lines.push(mapped("region", s));
                        region = Some(s.clone());
                    }
                    Err(p) => diags.push(problem(p)),
                },
                v => diags.push(wrong_type("a string", v)),
            },
            "deployment_id" => match &value {
                Literal::Str(s) if s == TERRAFORM_DEPLOYMENT_ID_PLACEHOLDER => {
                    lines.push(ImportLine {
                        key: key.clone(),
                        outcome: ImportOutcome::Skipped {
                            reason: format!("deployment_id placeholder replaced by a new id ({deployment_id_if_new})"),
                        },
                    });
                }
                Literal::Str(s) => match core_keys::check_deployment_id("deployment_id", s) {
                    Ok(()) => {
                        lines.push(mapped("deployment_id", s));
                        deployment_id = Some(s.clone());
                    }
                    Err(p) => diags.push(problem(p)),
                },
                v => diags.push(wrong_type("a string", v)),
            },
            "eks_cluster_version" => {
                let v = match &value {
                    Literal::Str(s) => Some(s.clone()),
                    Literal::Number(n) => Some(n.clone()),
                    _ => None,
                };
                match v {
                    Some(v) if core_keys::check_kubernetes_version("kubernetes_version", &v).is_ok() => {
                        lines.push(mapped("kubernetes_version", &v));
                        kubernetes_version = v;
                    }
                    Some(v) => lines.push(ImportLine {
                        key: key.clone(),
                        outcome: ImportOutcome::Skipped {
                            reason: format!(
                                "Kubernetes {v} is not supported by dataplat ({}); the default \"{DEFAULT_KUBERNETES_VERSION}\" is used",
                                core_keys::supported_versions_text()
                            ),
                        },
                    }),
                    None => diags.push(wrong_type("a version string such as \"1.34\"", &value)),
                }
            }
            "cluster_endpoint_public_access" => match &value {
                Literal::Bool(b) => {
                    lines.push(mapped("cluster.endpoint_public_access", &b.to_string()));
                    if !*b {
                        cluster.insert("endpoint_public_access".into(), serde_json::Value::Bool(false));
                    }
                }
                v => diags.push(wrong_type("true or false", v)),
            },
            "vpc_cidr" => match &value {
                Literal::Str(s) => match core_keys::check_vpc_cidr("vpc_cidr", s) {
                    Ok(()) => {
                        lines.push(mapped("vpc_cidr", s));
                        vpc_cidr = s.clone();
                    }
                    Err(p) => lines.push(ImportLine {
                        key: key.clone(),
                        outcome: ImportOutcome::Skipped {
                            reason: format!(
                                "{}; the default {DEFAULT_VPC_CIDR} is used ({})",
                                p.message.replace('`', ""),
                                p.hint.replace('`', "")
                            ),
                        },
                    }),
                },
                v => diags.push(wrong_type("a string", v)),
            },
            "tags" => match &value {
                Literal::Map(entries) => {
                    let mut ok = Vec::new();
                    let mut skipped = Vec::new();
                    for (k, v) in entries {
                        let text = match v {
                            Literal::Str(s) => Some(s.clone()),
                            Literal::Number(n) => Some(n.clone()),
                            Literal::Bool(b) => Some(b.to_string()),
                            _ => None,
                        };
                        let path = format!("tags.{k}");
                        match text {
                            Some(t)
                                if core_keys::check_tag_key(&path, k).is_ok()
                                    && core_keys::check_tag_value(&path, &t).is_ok() =>
                            {
                                ok.push((k.clone(), t));
                            }
                            _ => skipped.push(k.clone()),
                        }
                    }
                    let rendered: Vec<String> = ok.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    if skipped.is_empty() {
                        lines.push(mapped("tags", &rendered.join(", ")));
                    } else {
                        lines.push(ImportLine {
                            key: key.clone(),
                            outcome: ImportOutcome::Skipped {
                                reason: format!(
                                    "tag(s) {} have a reserved prefix (aws:, dataplat.io/), a non-text value or are too long; {} imported",
                                    skipped.join(", "),
                                    if ok.is_empty() { "none".to_string() } else { rendered.join(", ") }
                                ),
                            },
                        });
                    }
                    tags = ok;
                }
                v => diags.push(wrong_type("a map of strings", v)),
            },
            _ if key.starts_with("enable_") && known_skip(&key).is_none() => {
                let on = match &value {
                    Literal::Bool(b) => Some(*b),
                    Literal::Str(s) if s == "true" => Some(true),
                    Literal::Str(s) if s == "false" => Some(false),
                    _ => None,
                };
                let Some(on) = on else {
                    diags.push(wrong_type("true or false", &value));
                    continue;
                };
                match catalog.flag(&key) {
                    Some(_) => {
                        lines.push(mapped(&key, &on.to_string()));
                        if on && !flags_true.contains(&key) {
                            flags_true.push(key.clone());
                        }
                    }
                    None => {
                        let mut reason = format!("no plugin answers to {key}");
                        if let Some(s) = crate::suggest::did_you_mean_text(&key, &flag_names, |c| c.to_string()) {
                            reason.push_str(&format!(" ({s})"));
                        }
                        lines.push(ImportLine { key: key.clone(), outcome: ImportOutcome::Skipped { reason } });
                    }
                }
            }
            _ => {
                let reason = match known_skip(&key) {
                    Some(r) => format!("{key}: {r}"),
                    None => format!("{key}: not a dataplat setting; nothing in platform.yaml corresponds to it"),
                };
                lines.push(ImportLine { key: key.clone(), outcome: ImportOutcome::Skipped { reason } });
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }

    // Defaults for keys the tfvars did not set (the data-on-eks variable defaults).
    let name = name.unwrap_or_else(|| {
        lines.push(ImportLine {
            key: "name".to_string(),
            outcome: ImportOutcome::Added {
                to: "name".to_string(),
                value: "data-on-eks".to_string(),
                reason: "absent from the tfvars: Terraform's default is used".to_string(),
            },
        });
        "data-on-eks".to_string()
    });
    let region = region.unwrap_or_else(|| {
        lines.push(ImportLine {
            key: "region".to_string(),
            outcome: ImportOutcome::Added {
                to: "region".to_string(),
                value: "us-west-2".to_string(),
                reason: "absent from the tfvars: Terraform's default is used".to_string(),
            },
        });
        "us-west-2".to_string()
    });
    let deployment_id = match deployment_id {
        Some(id) => id,
        None => {
            if !lines.iter().any(|l| l.key == "deployment_id") {
                lines.push(ImportLine {
                    key: "deployment_id".to_string(),
                    outcome: ImportOutcome::Added {
                        to: "deployment_id".to_string(),
                        value: deployment_id_if_new.to_string(),
                        reason: "absent from the tfvars: a new id was generated".to_string(),
                    },
                });
            }
            deployment_id_if_new.to_string()
        }
    };

    // Dependencies: switch on what enabled addons need.
    let mut on: BTreeSet<String> = flags_true.iter().cloned().collect();
    for (added, needed_by) in add_dependencies(catalog, &mut on) {
        let reason = catalog
            .addon(&needed_by)
            .and_then(|a| {
                let needed = catalog.flag(&added).map(|(n, _)| n.name.clone())?;
                a.dependencies
                    .iter()
                    .find(|d| d.addon == needed)
                    .map(|d| format!("{needed_by} needs {needed}: {}", d.reason))
            })
            .unwrap_or_else(|| format!("{needed_by} needs it"));
        lines.push(ImportLine {
            key: added.clone(),
            outcome: ImportOutcome::Added { to: added.clone(), value: "true".to_string(), reason },
        });
    }
    // Feature flags whose addon stays off are left off.
    for flag in &flags_true {
        let Some((addon, spec)) = catalog.flag(flag) else {
            continue;
        };
        if spec.enables_addon {
            continue;
        }
        let addon_flag = addon.enabling_flag_name();
        if !on.contains(&addon_flag) {
            on.remove(flag);
            if let Some(l) = lines.iter_mut().find(|l| &l.key == flag) {
                l.outcome = ImportOutcome::Skipped {
                    reason: format!(
                        "{flag} is a feature of {}, which is not enabled ({addon_flag} is not true); set both to use it",
                        addon.name
                    ),
                };
            }
        }
    }
    // Dependencies no plugin provides: switch the addon off again and say so.
    for addon in &catalog.addons {
        let Some(flag) = addon.enabling_flag().map(|f| f.name.clone()) else {
            continue;
        };
        if !on.contains(&flag) {
            continue;
        }
        let missing: Vec<&str> = addon
            .dependencies
            .iter()
            .filter(|d| d.when_flag.as_ref().is_none_or(|w| on.contains(w)))
            .filter(|d| catalog.addon(&d.addon).is_none())
            .map(|d| d.addon.as_str())
            .collect();
        if !missing.is_empty() {
            on.remove(&flag);
            for f in &addon.flags {
                on.remove(&f.name);
            }
            let reason =
                format!("{} needs {}, which no loaded plugin provides; left off", addon.name, missing.join(", "));
            match lines.iter_mut().find(|l| l.key == flag) {
                Some(l) => l.outcome = ImportOutcome::Skipped { reason },
                None => lines.push(ImportLine { key: flag, outcome: ImportOutcome::Skipped { reason } }),
            }
        }
    }

    let header = format!(
        "# platform.yaml imported from {label} by `kubectl dataplat init --from-tfvars`.\n\
         # Check it with `kubectl dataplat validate`; see what `up` would do with `kubectl dataplat plan`.\n"
    );
    let text = render_platform(
        catalog,
        &header,
        &CoreValues {
            name: &name,
            region: &region,
            deployment_id: &deployment_id,
            kubernetes_version: &kubernetes_version,
            vpc_cidr: &vpc_cidr,
            tags: &tags,
            cluster,
        },
        &on,
    );
    // The import promises a file that validates; check, and report against the generated text.
    let generated_label = format!("{label} (imported platform.yaml)");
    let doc = crate::document::parse(&generated_label, &text)?;
    crate::document::validate(&doc, catalog)?;
    Ok((text, lines))
}
