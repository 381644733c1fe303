//! Validating an addon's config block against the JSON Schema its plugin declared, and turning
//! each schema error into a positioned diagnostic with a hint.
//!
//! Schemas are what schemars 1.x produces: `additionalProperties: false`, `type`,
//! `minimum`/`maximum`, `enum`, `format`, `default`, `$defs` with `$ref`, and `anyOf` with a
//! `null` branch for optional structs. A small walker ([`subschema`]) follows an instance path
//! through the schema so hints can name the allowed properties, range, values and a default.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::suggest::{did_you_mean, join_and};
use crate::yaml::{Node, Pos, Resolved, Seg, render_path};

/// Follows a local `$ref` (`#/$defs/X`, `#/definitions/X`, any `#/json/pointer`).
pub(crate) fn resolve_ref<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
            return schema;
        };
        let Some(pointer) = r.strip_prefix('#') else {
            return schema;
        };
        match root.pointer(pointer) {
            Some(target) => schema = target,
            None => return schema,
        }
    }
    schema
}

/// The branches of `anyOf`/`oneOf`/`allOf`, resolved.
fn branches<'a>(root: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            out.extend(list.iter().map(|s| resolve_ref(root, s)));
        }
    }
    out
}

/// The subschema that describes the value at `segs`, if the walker can tell.
pub(crate) fn subschema<'a>(root: &'a Value, segs: &[Seg]) -> Option<&'a Value> {
    let mut schema = resolve_ref(root, root);
    for seg in segs {
        schema = step(root, schema, seg)?;
    }
    Some(schema)
}

fn step<'a>(root: &'a Value, schema: &'a Value, seg: &Seg) -> Option<&'a Value> {
    let schema = resolve_ref(root, schema);
    let direct = match seg {
        Seg::Key(k) => schema
            .get("properties")
            .and_then(|p| p.get(k))
            .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object())),
        Seg::Index(i) => {
            schema.get("prefixItems").and_then(|p| p.get(*i)).or_else(|| schema.get("items").filter(|a| a.is_object()))
        }
    };
    if let Some(found) = direct {
        // Unresolved: a property's own `default`/`description` sit next to its `$ref`.
        return Some(found);
    }
    branches(root, schema).into_iter().find_map(|b| step(root, b, seg))
}

/// The property names an object schema declares (through `$ref` and branches).
pub(crate) fn property_names(root: &Value, schema: &Value) -> Vec<String> {
    let schema = resolve_ref(root, schema);
    let mut names: Vec<String> =
        schema.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect()).unwrap_or_default();
    for b in branches(root, schema) {
        for n in property_names(root, b) {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

/// A keyword's value, looking through branches when the schema itself lacks it.
fn keyword<'a>(root: &'a Value, schema: &'a Value, name: &str) -> Option<&'a Value> {
    if let Some(v) = schema.get(name) {
        return Some(v);
    }
    let schema = resolve_ref(root, schema);
    schema.get(name).or_else(|| branches(root, schema).into_iter().find_map(|b| keyword(root, b, name)))
}

/// The values of a schema whose branches are all `const` or `enum` (schemars writes enums with
/// documented variants as `oneOf` of `const`s); empty otherwise.
fn branch_constants(root: &Value, schema: &Value) -> Vec<Value> {
    let schema = resolve_ref(root, schema);
    let list = branches(root, schema);
    let mut out = Vec::new();
    for b in &list {
        if let Some(c) = b.get("const") {
            out.push(c.clone());
        } else if let Some(e) = b.get("enum").and_then(Value::as_array) {
            out.extend(e.iter().cloned());
        } else if b.get("type").and_then(Value::as_str) == Some("null") {
            continue;
        } else {
            return Vec::new();
        }
    }
    out
}

/// A number for messages: `3`, not `3.0`.
fn num(v: &Value) -> String {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => v.to_string(),
    }
}

/// Renders a JSON value as it would be written in YAML on one line.
pub(crate) fn inline_yaml(v: &Value) -> String {
    match v {
        Value::String(s) => crate::yaml::yaml_scalar(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline_yaml).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> =
                map.iter().map(|(k, v)| format!("{}: {}", crate::yaml::yaml_scalar(k), inline_yaml(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// The allowed range of a number, in words: "1 to 3", "at least 1", "at most 9".
fn range_text(root: &Value, schema: &Value) -> Option<String> {
    let min = keyword(root, schema, "minimum");
    let max = keyword(root, schema, "maximum");
    match (min, max) {
        (Some(lo), Some(hi)) => Some(format!("{} to {}", num(lo), num(hi))),
        (Some(lo), None) => Some(format!("at least {}", num(lo))),
        (None, Some(hi)) => Some(format!("at most {}", num(hi))),
        (None, None) => None,
    }
}

/// Context for mapping errors of one addon block back to the file.
pub(crate) struct BlockContext<'a> {
    pub file: &'a str,
    pub addon: &'a str,
    /// The whole document (paths start with the addon name).
    pub root: &'a Node,
    /// Where to report errors that have no key of their own (block key, or the enabling flag
    /// when there is no block).
    pub anchor: Pos,
    pub anchor_key: String,
    pub schema: &'a Value,
}

impl BlockContext<'_> {
    fn full_path(&self, instance: &[Seg]) -> Vec<Seg> {
        let mut segs = vec![Seg::Key(self.addon.to_string())];
        segs.extend(instance.iter().cloned());
        segs
    }

    /// Position and dotted key of an instance path.
    fn place(&self, instance: &[Seg]) -> (Pos, String) {
        let segs = self.full_path(instance);
        let (pos, depth) = self.root.locate(&segs);
        if depth == 0 || pos.is_none() {
            return (self.anchor, render_path(&segs));
        }
        (pos.unwrap_or(self.anchor), render_path(&segs))
    }

    fn node(&self, instance: &[Seg]) -> Option<&Node> {
        let mut node = self.root;
        for seg in self.full_path(instance) {
            node = match (&seg, &node.kind) {
                (Seg::Key(k), crate::yaml::NodeKind::Mapping { entries, .. }) => {
                    &entries.iter().find(|e| &e.key == k)?.value
                }
                (Seg::Index(i), crate::yaml::NodeKind::Sequence { items, .. }) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    fn error(&self, instance: &[Seg], message: String, hint: Option<String>) -> Diagnostic {
        let (pos, key) = self.place(instance);
        Diagnostic::error(self.file, pos.line, pos.column, key, message).with_hint_opt(hint)
    }
}

fn to_segs(loc: &jsonschema::paths::Location) -> Vec<Seg> {
    loc.iter()
        .map(|s| match s {
            LocationSegment::Property(p) => Seg::Key(p.into_owned()),
            LocationSegment::Index(i) => Seg::Index(i),
        })
        .collect()
}

/// Validates `instance` (the block as JSON) and maps every error to a diagnostic.
pub(crate) fn check_block(ctx: &BlockContext<'_>, instance: &Value, out: &mut Vec<Diagnostic>) {
    let validator = match jsonschema::validator_for(ctx.schema) {
        Ok(v) => v,
        Err(e) => {
            out.push(
                Diagnostic::error(
                    ctx.file,
                    ctx.anchor.line,
                    ctx.anchor.column,
                    ctx.anchor_key.clone(),
                    format!(
                        "the `{}` plugin declares an invalid config schema, so `{}` cannot be checked: {e}",
                        ctx.addon, ctx.addon
                    ),
                )
                .with_hint("this is a bug in the plugin; report it to its author"),
            );
            return;
        }
    };
    let mut found = Vec::new();
    for error in validator.iter_errors(instance) {
        map_error(ctx, instance, &error, &mut found);
    }
    // One diagnostic per key and message.
    let mut seen = std::collections::HashSet::new();
    for d in found {
        if seen.insert((d.line, d.column, d.message.clone())) {
            out.push(d);
        }
    }
}

/// The expected types, `null` last so messages read "a string or null".
fn type_names(kind: &TypeKind) -> Vec<String> {
    let mut names: Vec<String> = match kind {
        TypeKind::Single(t) => vec![t.to_string()],
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
    };
    names.sort_by_key(|n| n == "null");
    names
}

fn article(t: &str) -> String {
    match t {
        "integer" => "an integer (a whole number)".to_string(),
        "number" => "a number".to_string(),
        "string" => "a string".to_string(),
        "boolean" => "true or false".to_string(),
        "array" => "a list".to_string(),
        "object" => "a mapping".to_string(),
        "null" => "null".to_string(),
        other => other.to_string(),
    }
}

fn map_error(ctx: &BlockContext<'_>, instance: &Value, error: &ValidationError<'_>, out: &mut Vec<Diagnostic>) {
    let path = to_segs(error.instance_path());
    let root_schema = ctx.schema;
    let here = subschema(root_schema, &path);
    let (_, key) = ctx.place(&path);
    let leaf = match path.last() {
        Some(Seg::Key(k)) => k.clone(),
        Some(Seg::Index(_)) | None => key.clone(),
    };
    let found = ctx.node(&path).map(Node::describe).unwrap_or_else(|| "nothing".to_string());
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let allowed = here.map(|s| property_names(root_schema, s)).unwrap_or_default();
            for prop in unexpected {
                let mut p = path.clone();
                p.push(Seg::Key(prop.clone()));
                let (_, pkey) = ctx.place(&p);
                let refs: Vec<&str> = allowed.iter().map(String::as_str).collect();
                let hint = match did_you_mean(prop, &refs).as_slice() {
                    [] if allowed.is_empty() => None,
                    [] => Some(format!(
                        "`{key}` accepts {}",
                        join_and(&allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>())
                    )),
                    [one] => Some(format!("did you mean `{one}`?")),
                    many => Some(format!(
                        "did you mean {}?",
                        crate::suggest::join_or(&many.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>())
                    )),
                };
                out.push(ctx.error(&p, format!("unknown setting `{pkey}`"), hint));
            }
        }
        ValidationErrorKind::Type { kind } => {
            let expected = type_names(kind);
            let wanted: Vec<String> = expected.iter().map(|t| article(t)).collect();
            let message = format!("`{key}` must be {}, found {found}", crate::suggest::join_or(&wanted));
            let hint = type_hint(ctx, &path, here, &expected, &leaf);
            out.push(ctx.error(&path, message, hint));
        }
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::ExclusiveMinimum { limit } => {
            let exclusive = matches!(error.kind(), ValidationErrorKind::ExclusiveMinimum { .. });
            let value = json_at(instance, &path).map(num).unwrap_or_default();
            let message = format!(
                "`{key}` is {value}, below the {} of {}",
                if exclusive { "exclusive minimum" } else { "minimum" },
                num(limit)
            );
            let hint = here.and_then(|s| range_text(root_schema, s)).map(|r| format!("allowed range: {r}"));
            out.push(ctx.error(&path, message, hint));
        }
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::ExclusiveMaximum { limit } => {
            let exclusive = matches!(error.kind(), ValidationErrorKind::ExclusiveMaximum { .. });
            let value = json_at(instance, &path).map(num).unwrap_or_default();
            let message = format!(
                "`{key}` is {value}, above the {} of {}",
                if exclusive { "exclusive maximum" } else { "maximum" },
                num(limit)
            );
            let hint = here.and_then(|s| range_text(root_schema, s)).map(|r| format!("allowed range: {r}"));
            out.push(ctx.error(&path, message, hint));
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> =
                options.as_array().map(|a| a.iter().map(inline_yaml).collect()).unwrap_or_default();
            let value = json_at(instance, &path).map(inline_yaml).unwrap_or_default();
            let message = format!("`{key}` is `{value}`, which is not one of the allowed values");
            let plain: Vec<&str> =
                options.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let list = crate::suggest::join_or(&allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>());
            let hint =
                match json_at(instance, &path).and_then(Value::as_str).map(|v| did_you_mean(v, &plain)).as_deref() {
                    Some([one]) => format!("did you mean `{one}`? allowed values: {list}"),
                    _ => format!("allowed values: {list}"),
                };
            out.push(ctx.error(&path, message, Some(hint)));
        }
        ValidationErrorKind::Constant { expected_value } => {
            out.push(ctx.error(&path, format!("`{key}` must be {}", inline_yaml(expected_value)), None));
        }
        ValidationErrorKind::Required { property } => {
            let prop = property.as_str().unwrap_or_default();
            out.push(ctx.error(
                &path,
                format!("`{key}` is missing the required setting `{prop}`"),
                Some(format!("add `{prop}:` under `{key}`")),
            ));
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            // Prefer the branch whose type matched: its errors say what is really wrong.
            let matched: Vec<&Vec<ValidationError<'static>>> = context
                .iter()
                .filter(|errs| {
                    !errs.iter().any(|e| {
                        matches!(e.kind(), ValidationErrorKind::Type { .. }) && to_segs(e.instance_path()) == path
                    })
                })
                .collect();
            if let [only] = matched.as_slice() {
                for e in only.iter() {
                    map_error(ctx, instance, e, out);
                }
                return;
            }
            let mut expected: Vec<String> = Vec::new();
            for errs in context {
                for e in errs {
                    if let ValidationErrorKind::Type { kind } = e.kind()
                        && to_segs(e.instance_path()) == path
                    {
                        for t in type_names(kind) {
                            if !expected.contains(&t) {
                                expected.push(t);
                            }
                        }
                    }
                }
            }
            expected.sort_by_key(|n| n == "null");
            let allowed = here.map(|s| branch_constants(root_schema, s)).unwrap_or_default();
            if !allowed.is_empty() {
                // An enum written as `oneOf` of `const`s (documented variants).
                let value = json_at(instance, &path).map(inline_yaml).unwrap_or_default();
                let list = crate::suggest::join_or(
                    &allowed.iter().map(|a| format!("`{}`", inline_yaml(a))).collect::<Vec<_>>(),
                );
                out.push(ctx.error(
                    &path,
                    format!("`{key}` is `{value}`, which is not one of the allowed values"),
                    Some(format!("allowed values: {list}")),
                ));
            } else if expected.is_empty() {
                out.push(ctx.error(&path, format!("`{key}` is not valid: {error}"), None));
            } else {
                let wanted: Vec<String> = expected.iter().map(|t| article(t)).collect();
                let hint = type_hint(ctx, &path, here, &expected, &leaf);
                out.push(ctx.error(
                    &path,
                    format!("`{key}` must be {}, found {found}", crate::suggest::join_or(&wanted)),
                    hint,
                ));
            }
        }
        _ => {
            out.push(ctx.error(&path, format!("`{key}` is not valid: {error}"), None));
        }
    }
}

fn json_at<'a>(instance: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut v = instance;
    for seg in path {
        v = match seg {
            Seg::Key(k) => v.get(k)?,
            Seg::Index(i) => v.get(*i)?,
        };
    }
    Some(v)
}

/// What to write instead, for a type error.
fn type_hint(
    ctx: &BlockContext<'_>,
    path: &[Seg],
    here: Option<&Value>,
    expected: &[String],
    leaf: &str,
) -> Option<String> {
    let scalar = ctx.node(path).and_then(Node::scalar);
    let found_text = scalar.map(|s| s.text.clone()).unwrap_or_default();
    let resolved = scalar.and_then(|s| s.resolve().ok());
    let quoted = scalar.is_some_and(crate::yaml::Scalar::is_quoted);
    let lhs = if matches!(path.last(), Some(Seg::Index(_))) { "- ".to_string() } else { format!("{leaf}: ") };
    let default = here.and_then(|s| keyword(ctx.schema, s, "default"));
    let has = |t: &str| expected.iter().any(|e| e == t);
    let null_note = if has("null") { " (or `null` for none)" } else { "" };
    if has("boolean") {
        let lower = found_text.to_lowercase();
        let as_bool = match lower.as_str() {
            "yes" | "y" | "on" | "true" | "1" => Some(true),
            "no" | "n" | "off" | "false" | "0" => Some(false),
            _ => None,
        };
        return Some(match (as_bool, quoted) {
            (Some(b), true) => format!("remove the quotes: `{lhs}{b}`"),
            (Some(b), false) if matches!(resolved, Some(Resolved::Str(_))) => {
                format!("write `{lhs}{b}`; YAML 1.2 reads `{found_text}` as a string, only true and false are booleans")
            }
            (Some(b), false) => format!("write `{lhs}{b}`"),
            (None, _) => format!("write `{lhs}true` or `{lhs}false`"),
        });
    }
    if has("integer") || has("number") {
        let range = here.and_then(|s| range_text(ctx.schema, s)).map(|r| format!(" ({r})")).unwrap_or_default();
        let numeric = matches!(crate::yaml::resolve_plain(&found_text), Resolved::Number(_));
        if quoted && numeric {
            return Some(format!("remove the quotes: `{lhs}{found_text}`{range}"));
        }
        let example = default
            .filter(|d| d.is_number())
            .or_else(|| here.and_then(|s| keyword(ctx.schema, s, "minimum")))
            .map(num)
            .unwrap_or_else(|| "1".to_string());
        let whole = if has("integer") { "a whole number" } else { "a number" };
        return Some(format!("write {whole} without quotes{range}, e.g. `{lhs}{example}`{null_note}"));
    }
    if has("string") {
        if scalar.is_some() && !found_text.is_empty() {
            return Some(format!(
                "quote it to make it a string: `{lhs}\"{}\"`{null_note}",
                found_text.replace('\\', "\\\\").replace('"', "\\\"")
            ));
        }
        let example =
            default.and_then(Value::as_str).map(crate::yaml::yaml_scalar).unwrap_or_else(|| "text".to_string());
        return Some(format!("write a single text value, e.g. `{lhs}{example}`{null_note}"));
    }
    if has("array") {
        let example = default
            .filter(|d| d.as_array().is_some_and(|a| !a.is_empty()))
            .map(inline_yaml)
            .unwrap_or_else(|| "[a, b]".to_string());
        return Some(format!("write a list, e.g. `{lhs}{example}`, or one `- item` per line below `{leaf}:`"));
    }
    if has("object") {
        return Some(format!(
            "write a mapping: put `key: value` lines indented below `{leaf}:`, or `{lhs}{{}}` for none"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_tree;

    /// A schema shaped like schemars 1.x output for nested optional structs, documented enums
    /// and `$defs`.
    fn schema() -> Value {
        serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "workers": {
                    "anyOf": [{"$ref": "#/$defs/Workers"}, {"type": "null"}],
                    "default": null
                },
                "mode": {"$ref": "#/$defs/Mode", "default": "fast"},
                "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}, "default": []}
            },
            "$defs": {
                "Workers": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "max": {"type": "integer", "format": "uint32", "minimum": 1, "maximum": 10, "default": 2},
                        "spot": {"type": "boolean", "default": true}
                    }
                },
                "Mode": {"oneOf": [
                    {"const": "fast", "description": "Fast."},
                    {"const": "safe", "description": "Safe."}
                ]},
                "Tag": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {"key": {"type": "string"}},
                    "required": ["key"]
                }
            }
        })
    }

    fn run(block: &str) -> Vec<String> {
        let text = format!("x:\n{block}");
        let root = parse_tree("p.yaml", &text).unwrap().unwrap();
        let node = &root.get("x").unwrap();
        let schema = schema();
        let mut out = Vec::new();
        let json =
            crate::yaml::to_json("p.yaml", &node.value, &mut vec![Seg::Key("x".into())], node.key_node.start, &mut out);
        let ctx = BlockContext {
            file: "p.yaml",
            addon: "x",
            root: &root,
            anchor: node.key_node.start,
            anchor_key: "x".into(),
            schema: &schema,
        };
        check_block(&ctx, &json, &mut out);
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn nested_optional_struct_errors_are_precise() {
        let out = run("  workers:\n    max: 0\n    spto: false\n");
        assert_eq!(
            out,
            vec![
                "p.yaml:3:5: error: `x.workers.max` is 0, below the minimum of 1\n  hint: allowed range: 1 to 10",
                "p.yaml:4:5: error: unknown setting `x.workers.spto`\n  hint: did you mean `spot`?",
            ]
        );
        let out = run("  workers: 3\n");
        assert_eq!(
            out,
            vec![
                "p.yaml:2:3: error: `x.workers` must be a mapping or null, found the number 3\n  hint: write a mapping: put `key: value` lines indented below `workers:`, or `workers: {}` for none"
            ]
        );
        assert!(run("  workers:\n    max: 3\n").is_empty());
        assert!(run("  workers: null\n").is_empty());
    }

    #[test]
    fn documented_enums_list_their_values() {
        let out = run("  mode: quick\n");
        assert_eq!(
            out,
            vec![
                "p.yaml:2:3: error: `x.mode` is `quick`, which is not one of the allowed values\n  hint: allowed values: `fast` or `safe`"
            ]
        );
    }

    #[test]
    fn required_keys_in_array_items() {
        let out = run("  tags:\n    - key: a\n    - {}\n");
        assert_eq!(
            out,
            vec![
                "p.yaml:4:7: error: `x.tags[1]` is missing the required setting `key`\n  hint: add `key:` under `x.tags[1]`"
            ]
        );
    }

    #[test]
    fn walker_follows_refs_and_defaults() {
        let s = schema();
        let max = subschema(&s, &[Seg::Key("workers".into()), Seg::Key("max".into())]).unwrap();
        assert_eq!(max["maximum"], 10);
        assert_eq!(property_names(&s, subschema(&s, &[Seg::Key("workers".into())]).unwrap()), vec!["max", "spot"]);
        let mode = subschema(&s, &[Seg::Key("mode".into())]).unwrap();
        assert_eq!(keyword(&s, mode, "default"), Some(&Value::from("fast")));
    }
}
