//! Sprig's dictionary functions (`dict.go`): `dict`, `get`, `set`, `unset`, `hasKey`, `pluck`,
//! `keys`, `values`, `pick`, `omit`, `merge`/`mergeOverwrite` (mergo 0.3.12's `deepMerge`),
//! `dig`, `deepCopy` (copystructure) and their `must*` forms.

use std::collections::BTreeMap;
use std::rc::Rc;

use gotemplate::{Arity, CallContext, FuncError, Funcs, Value};

use super::args::{self, R, map, panic, strval};
use super::defaults::empty;
use super::{MAX_DEPTH, alias, list_of_strings, sv};

/// Registers the dictionary functions.
pub(super) fn register(f: &mut Funcs) {
    register_access(f);
    register_select_and_merge(f);
}

/// `dict`, `get`, `set`, `unset`, `hasKey`, `pluck`, `keys`, `values`.
fn register_access(f: &mut Funcs) {
    let ex = Arity::Exact;
    let al = Arity::AtLeast;
    f.insert("dict", |_, a| {
        let mut m = BTreeMap::new();
        for pair in a.chunks(2) {
            let k = strval(&pair[0]);
            m.insert(k, pair.get(1).cloned().unwrap_or_else(|| sv("")));
        }
        Ok(Value::map(m))
    });
    f.insert_with_arity("get", ex(2), |c, a| {
        let m = map_or_nil(c, a, 0)?;
        let k = args::string(a, 1)?;
        let v = m.borrow().get(k).cloned();
        Ok(v.unwrap_or_else(|| sv("")))
    });
    f.insert_with_arity("set", ex(3), |c, a| {
        let m = map(c, a, 0)?;
        let k = args::string(a, 1)?;
        let Some(m) = m else { return Err(panic("assignment to entry in nil map")) };
        m.borrow_mut().insert(k.to_string(), a[2].clone());
        Ok(Value::Map(m))
    });
    f.insert_with_arity("unset", ex(2), |c, a| {
        let m = map_or_nil(c, a, 0)?;
        let k = args::string(a, 1)?;
        m.borrow_mut().remove(k);
        Ok(Value::Map(m))
    });
    f.insert_with_arity("hasKey", ex(2), |c, a| {
        let m = map_or_nil(c, a, 0)?;
        let k = args::string(a, 1)?;
        let has = m.borrow().contains_key(k);
        Ok(Value::Bool(has))
    });
    f.insert_with_arity("pluck", al(1), |c, a| {
        let k = args::string(a, 0)?;
        let mut out = Vec::new();
        for i in 1..a.len() {
            if let Some(v) = map_or_nil(c, a, i)?.borrow().get(k).cloned() {
                out.push(v);
            }
        }
        Ok(Value::list(out))
    });
    f.insert("keys", |c, a| {
        let mut out = Vec::new();
        for i in 0..a.len() {
            out.extend(map_or_nil(c, a, i)?.borrow().keys().cloned());
        }
        Ok(list_of_strings(out))
    });
    f.insert_with_arity("values", ex(1), |c, a| {
        let values: Vec<Value> = map_or_nil(c, a, 0)?.borrow().values().cloned().collect();
        Ok(Value::list(values))
    });
}

/// `pick`, `omit`, `merge`, `mergeOverwrite`, `mustMerge`, `mustMergeOverwrite`, `dig`,
/// `deepCopy`, `mustDeepCopy`.
fn register_select_and_merge(f: &mut Funcs) {
    let ex = Arity::Exact;
    let al = Arity::AtLeast;
    f.insert_with_arity("pick", al(1), |c, a| {
        let m = map_or_nil(c, a, 0)?;
        let ks = (1..a.len()).map(|i| args::string(a, i)).collect::<Result<Vec<_>, _>>()?;
        let mut out = BTreeMap::new();
        for k in ks {
            if let Some(v) = m.borrow().get(k) {
                out.insert(k.to_string(), v.clone());
            }
        }
        Ok(Value::map(out))
    });
    f.insert_with_arity("omit", al(1), |c, a| {
        let m = map_or_nil(c, a, 0)?;
        let ks = (1..a.len()).map(|i| args::string(a, i)).collect::<Result<Vec<_>, _>>()?;
        let mut out = BTreeMap::new();
        for (k, v) in m.borrow().iter() {
            if !ks.contains(&k.as_str()) {
                out.insert(k.clone(), v.clone());
            }
        }
        Ok(Value::map(out))
    });
    f.insert_with_arity("merge", al(1), |c, a| merge_fn(c, a, false));
    f.insert_with_arity("mergeOverwrite", al(1), |c, a| merge_fn(c, a, true));
    f.insert_with_arity("mustMerge", al(1), |c, a| merge_fn(c, a, false));
    f.insert_with_arity("mustMergeOverwrite", al(1), |c, a| merge_fn(c, a, true));
    f.insert("dig", |_, a| {
        if a.len() < 3 {
            return Err(panic("dig needs at least three arguments"));
        }
        let Value::Map(mut dict) = a[a.len() - 1].clone() else {
            return Err(args::conversion(&a[a.len() - 1], "map[string]interface {}"));
        };
        let def = a[a.len() - 2].clone();
        let ks = a[..a.len() - 2]
            .iter()
            .map(|k| k.as_str().map(str::to_string).ok_or_else(|| args::conversion(k, "string")))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, k) in ks.iter().enumerate() {
            let step = dict.borrow().get(k).cloned();
            let Some(step) = step else { return Ok(def) };
            if i + 1 == ks.len() {
                return Ok(step);
            }
            match step {
                Value::Map(m) => dict = m,
                other => return Err(args::conversion(&other, "map[string]interface {}")),
            }
        }
        Ok(def)
    });
    f.insert_with_arity("deepCopy", ex(1), |_, a| {
        if matches!(a[0], Value::Nil) {
            return Err(panic("reflect: call of reflect.Value.Type on zero Value"));
        }
        Ok(deep_copy(&a[0]))
    });
    alias(f, &[("mustDeepCopy", "deepCopy")]);
}

/// copystructure.Copy: a deep copy (maps become new references).
pub fn deep_copy(v: &Value) -> Value {
    deep_copy_at(v, 0)
}

fn deep_copy_at(v: &Value, level: usize) -> Value {
    if level > MAX_DEPTH {
        return Value::Nil;
    }
    match v {
        Value::List(l) => Value::list(l.iter().map(|x| deep_copy_at(x, level + 1)).collect()),
        Value::Map(m) => Value::map(m.borrow().iter().map(|(k, v)| (k.clone(), deep_copy_at(v, level + 1))).collect()),
        other => other.clone(),
    }
}

/// mergo 0.3.12's `deepMerge` of two `map[string]interface{}` (see the module docs of [`super`]).
fn merge_maps(dst: &gotemplate::value::MapRef, src: &gotemplate::value::MapRef, overwrite: bool) {
    merge_maps_at(dst, src, overwrite, 0);
}

fn merge_maps_at(dst: &gotemplate::value::MapRef, src: &gotemplate::value::MapRef, overwrite: bool, level: usize) {
    if level > MAX_DEPTH {
        return;
    }
    if Rc::ptr_eq(dst, src) {
        // Go's visited check does not apply to maps; merging a map into itself changes nothing
        // visible except through empty values, which stay (every src value is the dst value).
        if !overwrite {
            return;
        }
    }
    let entries: Vec<(String, Value)> = src.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, sv) in entries {
        if matches!(sv, Value::Nil) {
            if overwrite {
                dst.borrow_mut().insert(k, Value::Nil);
            }
            continue;
        }
        let dv = dst.borrow().get(&k).cloned();
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&sv, &dv) {
            merge_maps_at(dm, sm, overwrite, level + 1);
        }
        if let Value::List(_) = &sv {
            let dst_empty = dst.borrow().is_empty();
            if overwrite || dst_empty {
                dst.borrow_mut().insert(k.clone(), sv.clone());
            } else {
                let keep = match &dv {
                    None | Some(Value::Nil) => Value::list(Vec::new()),
                    Some(other) => other.clone(),
                };
                dst.borrow_mut().insert(k.clone(), keep);
            }
        }
        let dv_valid = dv.is_some();
        let dv_empty = dv.as_ref().is_none_or(empty);
        let dv_empty_now = dst.borrow().get(&k).is_none_or(empty);
        let src_composite = matches!(sv, Value::Map(_) | Value::List(_));
        // mergo evaluates isEmptyValue on the (possibly merged-into) destination element.
        let dv_empty_eval = if matches!(dv, Some(Value::Map(_))) { dv_empty_now } else { dv_empty };
        if dv_valid && !dv_empty_eval && src_composite {
            continue;
        }
        if overwrite || !dv_valid || dv_empty_eval {
            dst.borrow_mut().insert(k, sv);
        }
    }
}

/// A map parameter where the nil map reads as empty (a fresh map: writes to it are lost, as
/// Sprig's results for a nil map show).
fn map_or_nil(c: &CallContext<'_>, a: &[Value], i: usize) -> Result<gotemplate::value::MapRef, FuncError> {
    Ok(map(c, a, i)?.unwrap_or_default())
}

fn merge_fn(c: &CallContext<'_>, args: &[Value], overwrite: bool) -> R {
    let mut dst = map(c, args, 0)?;
    for i in 1..args.len() {
        let Some(src) = map(c, args, i)? else { continue };
        // mergo makes a new map for a nil destination (Sprig returns it).
        let d = dst.get_or_insert_with(Default::default);
        merge_maps(d, &src, overwrite);
    }
    Ok(Value::Map(dst.unwrap_or_default()))
}
