//! Custom resources against their CRD's schema, as the API server checks them: a value the schema
//! refuses (a wrong type, a missing required field, a value outside its enum, range or pattern)
//! makes the API server reject the object, so `up` fails at that release; a field the schema does
//! not declare is pruned silently (server-side apply without strict field validation), so a
//! misspelt setting (`jarUri` for `jarURI`) vanishes without a word.
//!
//! The schema is the CRD version's `openAPIV3Schema` (Kubernetes' structural subset of OpenAPI
//! v3, read as JSON Schema: `nullable`, `x-kubernetes-*` and `format` are not enforced here, so a
//! few objects the API server would refuse can pass, never the reverse). A CRD without a schema,
//! or a version it does not serve, is left to `references.crd-missing`'s neighbours.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Finding;
use crate::objects::{Resolved, group_of, is_built_in_group, str_at};
use crate::rules::Context;

/// At most this many schema errors are named in one finding.
const SHOWN: usize = 3;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // (group, kind) → the first CRD the inventory has.
    let mut crds: BTreeMap<(&str, &str), &Value> = BTreeMap::new();
    for object in &ctx.inventory.objects {
        let v = &object.value;
        if str_at(v, "/kind") == Some("CustomResourceDefinition")
            && let (Some(group), Some(kind)) = (str_at(v, "/spec/group"), str_at(v, "/spec/names/kind"))
        {
            crds.entry((group, kind)).or_insert(v);
        }
    }
    let mut validators: BTreeMap<(String, String, String), Option<jsonschema::Validator>> = BTreeMap::new();
    for object in &ctx.index.objects {
        let group = group_of(object.api_version);
        if is_built_in_group(group) {
            continue;
        }
        let Some(crd) = crds.get(&(group, object.kind)) else { continue };
        let version = object.api_version.rsplit('/').next().unwrap_or_default();
        let Some(schema) = schema_of(crd, version) else { continue };
        let key = (group.to_string(), object.kind.to_string(), version.to_string());
        let validator = validators.entry(key).or_insert_with(|| jsonschema::draft4::new(schema).ok());
        if let Some(validator) = validator {
            let errors: Vec<String> = validator
                .iter_errors(object.value())
                .map(|e| {
                    let at = e.instance_path().to_string();
                    format!("{}: {e}", if at.is_empty() { "/".to_string() } else { at })
                })
                .collect();
            if !errors.is_empty() {
                out.push(invalid(ctx, object, version, &errors));
            }
        }
        let mut unknown = Vec::new();
        for (key, value) in object.value().as_object().into_iter().flatten() {
            if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            match schema.pointer("/properties").and_then(|p| p.get(key)) {
                Some(property) => unknown_fields(value, property, &format!("/{key}"), &mut unknown),
                None if declares_fields(schema) => unknown.push(format!("/{key}")),
                None => {}
            }
        }
        if !unknown.is_empty() {
            out.push(ctx.finding(
                "references.crd-field-unknown",
                object,
                format!(
                    "{} of its CRD (version {version}) has no {}: the API server drops {}",
                    object.kind,
                    unknown.iter().take(SHOWN).map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", "),
                    if unknown.len() == 1 { "it silently" } else { "them silently" }
                ),
                "check the field's spelling and the API version the operator serves".into(),
            ));
        }
    }
}

fn invalid(ctx: &Context<'_>, object: &Resolved<'_>, version: &str, errors: &[String]) -> Finding {
    let more = if errors.len() > SHOWN { format!(" (+{} more)", errors.len() - SHOWN) } else { String::new() };
    ctx.finding(
        "references.crd-schema-invalid",
        object,
        format!(
            "the API server rejects it: its CRD's schema (version {version}) refuses {}{more}",
            errors.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("; ")
        ),
        "fix the value the schema names (or the chart version whose CRD this is)".into(),
    )
}

/// The `openAPIV3Schema` of the served `version` of a CRD.
fn schema_of<'a>(crd: &'a Value, version: &str) -> Option<&'a Value> {
    crd.pointer("/spec/versions")?
        .as_array()?
        .iter()
        .find(|v| str_at(v, "/name") == Some(version) && v.get("served").and_then(Value::as_bool) != Some(false))?
        .pointer("/schema/openAPIV3Schema")
}

/// Whether a schema lists its fields and prunes any other: properties, no
/// `additionalProperties`, no `x-kubernetes-preserve-unknown-fields`, no combinators.
fn declares_fields(schema: &Value) -> bool {
    schema.get("properties").is_some_and(Value::is_object)
        && schema.get("additionalProperties").is_none()
        && schema.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) != Some(true)
        && ["allOf", "anyOf", "oneOf", "not"].iter().all(|k| schema.get(*k).is_none())
}

/// The paths under `value` that `schema` does not declare (and would prune).
fn unknown_fields(value: &Value, schema: &Value, path: &str, out: &mut Vec<String>) {
    if schema.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true)
        || schema.get("x-kubernetes-embedded-resource").and_then(Value::as_bool) == Some(true)
    {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                for (key, v) in map {
                    unknown_fields(v, additional, &format!("{path}/{key}"), out);
                }
            } else if declares_fields(schema) {
                let properties = &schema["properties"];
                for (key, v) in map {
                    match properties.get(key) {
                        Some(p) => unknown_fields(v, p, &format!("{path}/{key}"), out),
                        None => out.push(format!("{path}/{key}")),
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items").filter(|i| i.is_object()) {
                for (i, v) in items.iter().enumerate() {
                    unknown_fields(v, item, &format!("{path}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}
