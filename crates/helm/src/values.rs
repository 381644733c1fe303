//! Helm's values pipeline (pkg/chart/common/util/coalesce.go, pkg/chart/v2/util/dependencies.go,
//! pkg/cli/values), on [`gotemplate::Value`] maps (references, as Go's maps are):
//!
//! 1. [`merge_user_values`]: `-f` files (deep-merged in order), then `--set`, then
//!    `--set-string` (Helm's order).
//! 2. [`process_dependencies`]: aliases applied (a subchart copied per alias), subcharts
//!    disabled by `tags` and then `condition` (the first condition path that resolves to a bool
//!    wins), recursively; then `import-values` (child → parent, both forms), deepest charts
//!    first, with Helm's merge semantics (nulls kept).
//! 3. [`coalesce_values`]: user values over chart defaults; subchart defaults under the
//!    subchart's name (its alias once processed); `null` deletes a key; `global` copied into
//!    every subchart (parent globals win).
//! 4. [`validate_against_schema`]: each chart's `values.schema.json` against its values
//!    (subcharts against their section), errors naming the value path.
//!
//! [`values_for_render`] runs 2–4 as `helm template` does. Helm logs warnings (a table
//! overwritten by a scalar and the like); they are collected nowhere here, and the value is
//! left as Helm leaves it.

use std::collections::BTreeMap;

use gotemplate::Value;
use gotemplate::value::MapRef;
use serde_json::Value as Json;

use crate::chart::{Chart, ImportValue, semver};
use crate::loadyaml;
use crate::strvals;

/// A values error (bad user input, a type clash Helm refuses, a schema violation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuesError(pub String);

impl std::fmt::Display for ValuesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValuesError {}

/// The key of global values.
pub const GLOBAL_KEY: &str = "global";

fn new_map() -> MapRef {
    std::rc::Rc::new(std::cell::RefCell::new(BTreeMap::new()))
}

fn as_map(v: &Value) -> Option<&MapRef> {
    match v {
        Value::Map(m) => Some(m),
        _ => None,
    }
}

fn is_nil(v: &Value) -> bool {
    matches!(v, Value::Nil)
}

/// A deep copy: new maps all the way down (Go's `copystructure.Copy`).
pub fn deep_copy(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::map(m.borrow().iter().map(|(k, v)| (k.clone(), deep_copy(v))).collect()),
        Value::List(l) => Value::list(l.iter().map(deep_copy).collect()),
        other => other.clone(),
    }
}

/// Template values from JSON as Helm has them (every number float64).
pub fn from_json_map(m: &serde_json::Map<String, Json>) -> Value {
    Value::from_json(&Json::Object(m.clone()), false)
}

/// A value as JSON (for schemas and for storing chart values): Go ints as integers, floats as
/// floats (NaN and infinities as null), objects as null.
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Nil | Value::Object(_) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Uint(u) => Json::from(*u),
        Value::Uint8(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.to_string()),
        Value::List(l) => Json::Array(l.iter().map(value_to_json).collect()),
        Value::Map(m) => Json::Object(m.borrow().iter().map(|(k, v)| (k.clone(), value_to_json(v))).collect()),
    }
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() { b.to_string() } else { format!("{a}.{b}") }
}

// ---------------------------------------------------------------------------------------------
// Coalescing

/// `CoalesceValues`: the chart's values (and its subcharts') under `vals` (copied first);
/// `null`s in `vals` delete keys.
pub fn coalesce_values(chart: &Chart, vals: &Value) -> Result<Value, ValuesError> {
    coalesce_entry(chart, vals, false)
}

/// `MergeValues`: like [`coalesce_values`] but `null`s are kept.
pub fn merge_values(chart: &Chart, vals: &Value) -> Result<Value, ValuesError> {
    coalesce_entry(chart, vals, true)
}

fn coalesce_entry(chart: &Chart, vals: &Value, merge: bool) -> Result<Value, ValuesError> {
    let copy = match deep_copy(vals) {
        Value::Map(m) => m,
        _ => new_map(),
    };
    coalesce(chart, &copy, "", merge)?;
    Ok(Value::Map(copy))
}

fn coalesce(chart: &Chart, dest: &MapRef, prefix: &str, merge: bool) -> Result<(), ValuesError> {
    coalesce_chart_values(chart, dest, prefix, merge);
    coalesce_deps(chart, dest, prefix, merge)
}

fn coalesce_deps(chart: &Chart, dest: &MapRef, prefix: &str, merge: bool) -> Result<(), ValuesError> {
    for sub in &chart.dependencies {
        let name = sub.name().to_string();
        let existing = dest.borrow().get(&name).cloned();
        let dvmap = match existing {
            None => {
                let m = new_map();
                dest.borrow_mut().insert(name.clone(), Value::Map(m.clone()));
                m
            }
            Some(Value::Map(m)) => m,
            Some(other) => {
                return Err(ValuesError(format!(
                    "type mismatch on {name}: %!t({}={})",
                    other.type_name(),
                    go_v(&other)
                )));
            }
        };
        let sub_prefix = concat_prefix(prefix, chart.name());
        coalesce_globals(&dvmap, dest);
        coalesce(sub, &dvmap, &sub_prefix, merge)?;
    }
    Ok(())
}

fn go_v(v: &Value) -> String {
    gotemplate::fmt::sprint(std::slice::from_ref(v))
}

fn coalesce_globals(dest: &MapRef, src: &MapRef) {
    let dg = match dest.borrow().get(GLOBAL_KEY).cloned() {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => return,
    };
    let sg = match src.borrow().get(GLOBAL_KEY).cloned() {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => return,
    };
    let entries: Vec<(String, Value)> = sg.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (key, val) in entries {
        if let Value::Map(vm) = &val {
            // Shallow copy, as Go's copyMap.
            let vv = match Value::map(vm.borrow().clone()) {
                Value::Map(m) => m,
                _ => continue,
            };
            let existing = dg.borrow().get(&key).cloned();
            match existing {
                None => {
                    dg.borrow_mut().insert(key, Value::Map(vv));
                }
                Some(Value::Map(destv)) => {
                    coalesce_tables_full(&vv, &destv, true);
                    dg.borrow_mut().insert(key, Value::Map(vv));
                }
                Some(_) => {} // Conflict: cannot merge map onto non-map. Skipped.
            }
        } else if matches!(dg.borrow().get(&key), Some(Value::Map(_))) {
            // key is a table: skipped.
        } else {
            dg.borrow_mut().insert(key, val);
        }
    }
    dest.borrow_mut().insert(GLOBAL_KEY.to_string(), Value::Map(dg));
}

fn coalesce_chart_values(chart: &Chart, v: &MapRef, _prefix: &str, merge: bool) {
    let vc = from_json_map(&chart.values);
    let Value::Map(vc) = vc else { return };
    let entries: Vec<(String, Value)> = vc.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (key, val) in entries {
        let existing = v.borrow().get(&key).cloned();
        match existing {
            Some(value) => {
                if is_nil(&value) && !merge {
                    v.borrow_mut().remove(&key);
                } else if let (Value::Map(dest), Value::Map(src)) = (&value, &val) {
                    let merge = merge || chart.dependencies.iter().any(|d| d.name() == key);
                    coalesce_tables_full(dest, src, merge);
                }
            }
            None => {
                v.borrow_mut().insert(key, val);
            }
        }
    }
}

/// `CoalesceTables`: `src` into `dst`, `dst` authoritative; a `null` in `dst` deletes the key.
pub fn coalesce_tables(dst: &MapRef, src: &MapRef) {
    coalesce_tables_full(dst, src, false);
}

/// `MergeTables`: like [`coalesce_tables`] but `null`s are kept.
pub fn merge_tables(dst: &MapRef, src: &MapRef) {
    coalesce_tables_full(dst, src, true);
}

fn coalesce_tables_full(dst: &MapRef, src: &MapRef, merge: bool) {
    if Value::same_map(dst, src) {
        return;
    }
    // Keys whose chart value is non-nil: a user `null` deletes only those (a `null` for a key the
    // chart does not set is kept, Helm's fix for issue 31643).
    let src_non_nil: std::collections::BTreeSet<String> =
        src.borrow().iter().filter(|(_, v)| !is_nil(v)).map(|(k, _)| k.clone()).collect();
    let nil_keys: Vec<String> = dst.borrow().iter().filter(|(_, v)| is_nil(v)).map(|(k, _)| k.clone()).collect();
    for k in nil_keys {
        src.borrow_mut().insert(k, Value::Nil);
    }
    let entries: Vec<(String, Value)> = src.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (key, val) in entries {
        let dv = dst.borrow().get(&key).cloned();
        match dv {
            Some(Value::Nil) if !merge && src_non_nil.contains(&key) => {
                dst.borrow_mut().remove(&key);
            }
            None => {
                dst.borrow_mut().insert(key, val);
            }
            Some(dv) => {
                // A table over a non-table, or a non-table over a table: Helm warns and keeps dst.
                if let (Value::Map(sv), Value::Map(dvm)) = (&val, &dv) {
                    coalesce_tables_full(dvm, sv, merge);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Paths

/// Helm's `Values.Table`: the map at a dotted path.
pub fn table(vals: &MapRef, path: &str) -> Option<MapRef> {
    let mut cur = vals.clone();
    for part in path.split('.') {
        let next = match cur.borrow().get(part) {
            Some(Value::Map(m)) => m.clone(),
            _ => return None,
        };
        cur = next;
    }
    Some(cur)
}

/// Helm's `Values.PathValue`: the non-table value at a dotted path.
pub fn path_value(vals: &MapRef, path: &str) -> Option<Value> {
    if path.is_empty() {
        return None;
    }
    let parts: Vec<&str> = path.split('.').collect();
    let (key, parents) = parts.split_last()?;
    let t = if parents.is_empty() { vals.clone() } else { table(vals, &parents.join("."))? };
    let v = t.borrow().get(*key).cloned()?;
    if matches!(v, Value::Map(_)) { None } else { Some(v) }
}

// ---------------------------------------------------------------------------------------------
// Dependencies

/// Helm's `ProcessDependencies` (with merge): enables/disables subcharts by tags and
/// conditions against `vals`, applies aliases, and imports values from children.
pub fn process_dependencies(chart: &mut Chart, vals: &Value) -> Result<(), ValuesError> {
    process_dependency_enabled(chart, vals, "")?;
    process_dependency_import_values(chart, true)
}

fn get_alias_dependency(charts: &[Chart], dep: &crate::chart::Dependency) -> Option<Chart> {
    for c in charts {
        if c.name() != dep.name {
            continue;
        }
        if !semver::is_compatible_range(&dep.version, &c.metadata.version) {
            continue;
        }
        let mut out = c.clone();
        if !dep.alias.is_empty() {
            out.metadata.name = dep.alias.clone();
        }
        return Some(out);
    }
    None
}

fn process_dependency_enabled(c: &mut Chart, v: &Value, path: &str) -> Result<(), ValuesError> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let mut chart_deps: Vec<Chart> = Vec::new();
    for existing in &c.dependencies {
        let declared = c.metadata.dependencies.iter().any(|req| {
            existing.name() == req.name && semver::is_compatible_range(&req.version, &existing.metadata.version)
        });
        if !declared {
            chart_deps.push(existing.clone());
        }
    }
    for i in 0..c.metadata.dependencies.len() {
        if let Some(cd) = get_alias_dependency(&c.dependencies, &c.metadata.dependencies[i]) {
            chart_deps.push(cd);
        }
        let req = &mut c.metadata.dependencies[i];
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.dependencies = chart_deps;
    for req in &mut c.metadata.dependencies {
        req.enabled = true;
    }
    let cvals = coalesce_values(c, v)?;
    let Value::Map(cmap) = &cvals else { return Ok(()) };
    // Tags.
    if let Some(tags) = table(cmap, "tags") {
        for r in &mut c.metadata.dependencies {
            let (mut has_true, mut has_false) = (false, false);
            for k in &r.tags {
                if let Some(Value::Bool(b)) = tags.borrow().get(k) {
                    if *b {
                        has_true = true;
                    } else {
                        has_false = true;
                    }
                }
            }
            if !has_true && has_false {
                r.enabled = false;
            } else if has_true || !has_false {
                r.enabled = true;
            }
        }
    }
    // Conditions: the first path that resolves to a bool wins.
    for r in &mut c.metadata.dependencies {
        for cond in r.condition.trim().split(',') {
            if cond.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = path_value(cmap, &format!("{path}{cond}")) {
                r.enabled = b;
                break;
            }
        }
    }
    let rm: Vec<String> = c.metadata.dependencies.iter().filter(|r| !r.enabled).map(|r| r.name.clone()).collect();
    let mut cd: Vec<Chart> =
        std::mem::take(&mut c.dependencies).into_iter().filter(|d| !rm.contains(&d.metadata.name)).collect();
    c.metadata.dependencies.retain(|r| !rm.contains(&r.name));
    for t in &mut cd {
        let subpath = format!("{path}{}.", t.metadata.name);
        process_dependency_enabled(t, &cvals, &subpath)?;
    }
    c.dependencies = cd;
    Ok(())
}

fn path_to_map(path: &str, data: MapRef) -> MapRef {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        let m = new_map();
        m.borrow_mut().insert(part.to_string(), Value::Map(cur));
        cur = m;
    }
    cur
}

fn process_dependency_import_values(c: &mut Chart, merge: bool) -> Result<(), ValuesError> {
    for d in &mut c.dependencies {
        process_dependency_import_values(d, merge)?;
    }
    process_import_values(c, merge)
}

fn process_import_values(c: &mut Chart, merge: bool) -> Result<(), ValuesError> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let empty = Value::map(BTreeMap::new());
    let cvals = if merge { merge_values(c, &empty)? } else { coalesce_values(c, &empty)? };
    let Value::Map(cmap) = &cvals else { return Ok(()) };
    let b = new_map();
    for r in &mut c.metadata.dependencies {
        let mut out = Vec::new();
        for iv in &r.import_values {
            match iv {
                ImportValue::Map { child, parent } => {
                    out.push(ImportValue::Map { child: child.clone(), parent: parent.clone() });
                    let Some(vv) = table(cmap, &format!("{}.{child}", r.name)) else { continue };
                    // A copy (Go merges the child's table itself): overlapping imports could
                    // otherwise make a map contain itself.
                    let Value::Map(vv) = deep_copy(&Value::Map(vv)) else { continue };
                    let src = path_to_map(parent, vv);
                    coalesce_tables_full(&b, &src, merge);
                }
                ImportValue::Export(name) => {
                    let child = format!("exports.{name}");
                    out.push(ImportValue::Map { child: child.clone(), parent: ".".into() });
                    let Some(vm) = table(cmap, &format!("{}.{child}", r.name)) else { continue };
                    let Value::Map(vm) = deep_copy(&Value::Map(vm)) else { continue };
                    coalesce_tables_full(&b, &vm, merge);
                }
            }
        }
        r.import_values = out;
    }
    let result = if merge {
        let copy = match deep_copy(&cvals) {
            Value::Map(m) => m,
            _ => new_map(),
        };
        coalesce_tables_full(&copy, &b, true);
        copy
    } else {
        let trimmed = match trim_nil_values(&cvals) {
            Value::Map(m) => m,
            _ => new_map(),
        };
        coalesce_tables_full(&trimmed, &b, false);
        trimmed
    };
    c.values = match value_to_json(&Value::Map(result)) {
        Json::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    Ok(())
}

fn trim_nil_values(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::map(
            m.borrow()
                .iter()
                .filter(|(_, v)| !is_nil(v))
                .map(|(k, v)| (k.clone(), if matches!(v, Value::Map(_)) { trim_nil_values(v) } else { deep_copy(v) }))
                .collect(),
        ),
        other => deep_copy(other),
    }
}

// ---------------------------------------------------------------------------------------------
// User values

/// Helm's `mergeMaps` for user values: `b` over `a`, nested maps merged, into a new map.
pub fn merge_maps(a: &Value, b: &Value) -> Value {
    let out: BTreeMap<String, Value> = as_map(a).map(|m| m.borrow().clone()).unwrap_or_default();
    let out = Value::map(out);
    let Value::Map(om) = &out else { return out };
    if let Some(bm) = as_map(b) {
        for (k, v) in bm.borrow().iter() {
            if let Value::Map(_) = v {
                let existing = om.borrow().get(k).cloned();
                if let Some(bv @ Value::Map(_)) = existing {
                    let merged = merge_maps(&bv, v);
                    om.borrow_mut().insert(k.clone(), merged);
                    continue;
                }
            }
            om.borrow_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

/// Parses a user values file (YAML, first document) as Helm does: a mapping, numbers float64.
pub fn parse_values_file(name: &str, text: &str) -> Result<Value, ValuesError> {
    let m = loadyaml::yaml_to_json_map(text).map_err(|e| ValuesError(format!("failed to parse {name}: {e}")))?;
    Ok(from_json_map(&m))
}

/// User values as `helm template -f … --set … --set-string …` builds them: files in order
/// (deep-merged), then every `--set`, then every `--set-string`.
pub fn merge_user_values(
    files: &[(String, String)],
    set: &[String],
    set_string: &[String],
) -> Result<Value, ValuesError> {
    UserValueOptions {
        values_files: files.to_vec(),
        set: set.to_vec(),
        set_string: set_string.to_vec(),
        ..Default::default()
    }
    .merge(&|path| Err(format!("open {path}: reading files is not enabled")))
}

/// Every user values option of `helm template`, applied in Helm's order by
/// [`UserValueOptions::merge`]: `-f` files, `--set-json`, `--set`, `--set-string`, `--set-file`,
/// `--set-literal`.
#[derive(Clone, Debug, Default)]
pub struct UserValueOptions {
    /// `-f` files as (name for messages, YAML text).
    pub values_files: Vec<(String, String)>,
    /// `--set-json` (`a.b=<json>` pairs, or one JSON object merged at the root).
    pub set_json: Vec<String>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    /// `--set-file` (`key=path`: the file's text becomes the string value).
    pub set_file: Vec<String>,
    /// `--set-literal` (`key=rest of the line`, verbatim).
    pub set_literal: Vec<String>,
}

impl UserValueOptions {
    /// The merged user values; `read_file` reads `--set-file` paths.
    pub fn merge(&self, read_file: &dyn Fn(&str) -> Result<String, String>) -> Result<Value, ValuesError> {
        let mut base = Value::map(BTreeMap::new());
        for (name, text) in &self.values_files {
            let current = parse_values_file(name, text)?;
            base = merge_maps(&base, &current);
        }
        for s in &self.set_json {
            let trimmed = s.trim();
            if trimmed.starts_with('{') {
                let obj: serde_json::Map<String, Json> = serde_json::from_str(trimmed)
                    .map_err(|e| ValuesError(format!("failed parsing --set-json data JSON: {e}")))?;
                base = merge_maps(&base, &from_json_map(&obj));
                continue;
            }
            let Value::Map(bm) = &base else { break };
            strvals::parse_json(s, bm).map_err(|e| ValuesError(format!("failed parsing --set-json data {s}: {e}")))?;
        }
        let Value::Map(bm) = &base else { return Ok(base) };
        for s in &self.set {
            strvals::parse_into(s, bm).map_err(|e| ValuesError(format!("failed parsing --set data: {e}")))?;
        }
        for s in &self.set_string {
            strvals::parse_into_string(s, bm)
                .map_err(|e| ValuesError(format!("failed parsing --set-string data: {e}")))?;
        }
        let reader = |path: &str| read_file(path).map(Value::string);
        for s in &self.set_file {
            strvals::parse_into_file(s, bm, &reader)
                .map_err(|e| ValuesError(format!("failed parsing --set-file data: {e}")))?;
        }
        for s in &self.set_literal {
            strvals::parse_literal_into(s, bm)
                .map_err(|e| ValuesError(format!("failed parsing --set-literal data: {e}")))?;
        }
        Ok(base)
    }
}

// ---------------------------------------------------------------------------------------------
// Schema

/// Validates `values` against the chart's `values.schema.json` and each subchart's schema
/// against its section, as Helm's `ValidateAgainstSchema`. The error lists every chart with
/// violations: `chart:\n- at '/path': message\n`.
pub fn validate_against_schema(chart: &Chart, values: &Value) -> Result<(), ValuesError> {
    let mut out = String::new();
    schema_errors(chart, values, &mut out);
    if out.is_empty() {
        Ok(())
    } else {
        Err(ValuesError(format!(
            "values don't meet the specifications of the schema(s) in the following chart(s):\n{out}"
        )))
    }
}

fn schema_errors(chart: &Chart, values: &Value, out: &mut String) {
    if let Some(schema) = &chart.schema {
        let instance = value_to_json(values);
        let instance = if instance.is_null() { Json::Object(Default::default()) } else { instance };
        match jsonschema::validator_for(schema) {
            Err(e) => {
                out.push_str(&format!("{}:\n- invalid values.schema.json: {e}\n", chart.name()));
            }
            Ok(validator) => {
                let mut lines: Vec<String> = validator
                    .iter_errors(&instance)
                    .map(|e| {
                        let path = e.instance_path().as_str().to_string();
                        let path = if path.is_empty() { "/".to_string() } else { path };
                        format!("- at '{path}': {e}")
                    })
                    .collect();
                lines.sort();
                lines.dedup();
                if !lines.is_empty() {
                    out.push_str(&format!("{}:\n", chart.name()));
                    for l in lines {
                        out.push_str(&l);
                        out.push('\n');
                    }
                }
            }
        }
    }
    let Some(m) = as_map(values) else { return };
    for sub in &chart.dependencies {
        let sv = m.borrow().get(sub.name()).cloned();
        match sv {
            None | Some(Value::Nil) => {}
            Some(sv @ Value::Map(_)) => schema_errors(sub, &sv, out),
            Some(other) => out.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.name(),
                other.type_name()
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The pipeline

/// Refuses a library chart as the chart to install (`library charts are not installable`).
pub fn check_installable(chart: &Chart) -> Result<(), ValuesError> {
    if chart.metadata.chart_type.is_empty() || chart.metadata.chart_type == "application" {
        Ok(())
    } else {
        Err(ValuesError(format!("{} charts are not installable", chart.metadata.chart_type)))
    }
}

/// The values `helm template` renders with: dependencies processed on `chart` (disabled
/// subcharts removed, aliases applied, imports done), values coalesced, schemas checked.
pub fn values_for_render(chart: &mut Chart, user: &Value) -> Result<Value, ValuesError> {
    process_dependencies(chart, user)?;
    let vals = coalesce_values(chart, user)?;
    validate_against_schema(chart, &vals)?;
    Ok(vals)
}
