//! Values with Go's semantics.
//!
//! Templates see Go values through `reflect`; this enum is the subset data decoded from JSON or
//! YAML has (`map[string]interface{}`, `[]interface{}`, `string`, `bool`, `int`, `int64`,
//! `uint64`, `float64`, `nil`) plus objects with fields and methods (Helm's `.Files`,
//! `.Capabilities`) and functions (`call`).
//!
//! - **Maps are references**: cloning a [`Value::Map`] clones the handle, so a map mutated
//!   through one holder (Sprig's `set`, `unset`, `merge`) is seen by every other holder, as in Go.
//!   Keys are kept sorted, which is the order Go's `range`, `fmt` and `keys` use.
//! - **Lists are values**: Go slices can be shared, but no template builtin mutates one in place
//!   (`append` copies), so an immutable shared vector is enough.
//! - **Numbers keep their Go type**: `Int` is Go's `int` (JSON/YAML integers decoded as
//!   `int`/`int64` print and compare as integers), `Float` is `float64` (Helm's values: every
//!   number decoded through encoding/json). `eq 3 3.0` is an error in Go
//!   ("incompatible types for comparison"), and so it is here.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::rc::Rc;

/// A map with reference semantics and sorted keys (`map[string]interface{}`).
pub type MapRef = Rc<RefCell<BTreeMap<String, Value>>>;

/// A Go value as a template sees it.
#[derive(Clone, Debug)]
pub enum Value {
    /// An untyped nil: a nil `interface{}`, a missing map key, JSON `null`.
    Nil,
    Bool(bool),
    /// Go `int` (64-bit).
    Int(i64),
    /// Go `uint64` (only when data has one; `len` and literals are `int`).
    Uint(u64),
    /// Go `uint8` (`byte`): what `index` of a string yields.
    Uint8(u8),
    /// Go `float64`.
    Float(f64),
    String(Rc<str>),
    /// `[]interface{}`.
    List(Rc<Vec<Value>>),
    /// `map[string]interface{}`, by reference.
    Map(MapRef),
    /// A Go struct or named type with fields and methods.
    Object(Rc<dyn Object>),
}

/// A Go value with fields and methods, e.g. Helm's `.Files` or `.Capabilities.APIVersions`.
///
/// The executor resolves `.Name` on an object as a field first, then as a method (a method called
/// with the pipeline's arguments, like Go's `reflect` method lookup).
pub trait Object: Debug {
    /// The Go type name used in messages, e.g. `chartutil.Capabilities` or `*engine.files`.
    fn type_name(&self) -> String;
    /// The field `name`, if the object has one.
    fn field(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }
    /// Whether the object has a method `name`.
    fn has_method(&self, name: &str) -> bool {
        let _ = name;
        false
    }
    /// Calls the method `name` with `args`; `Err` is the method's returned error (Go's second
    /// result), reported by the executor as `error calling NAME: MESSAGE`.
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        let _ = args;
        Err(format!("{} has no method {name}", self.type_name()))
    }
    /// `%v` formatting of the object (Go prints structs as `{field1 field2}`).
    fn format_v(&self) -> String {
        format!("{{{}}}", self.type_name())
    }
    /// Whether the object is "true" in `if`/`with`/`and`/`or` (a non-nil struct is true).
    fn truthy(&self) -> bool {
        true
    }
    /// `range` over the object, if it is rangeable (e.g. `.Files` as a map): `(key, value)` pairs
    /// in Go's order.
    fn range_entries(&self) -> Option<Vec<(Value, Value)>> {
        None
    }
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<Rc<str>>) -> Value {
        Value::String(s.into())
    }

    /// A list value.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items))
    }

    /// A new map value (a fresh reference).
    pub fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Rc::new(RefCell::new(entries)))
    }

    /// From JSON the way Go's encoding/json decodes into `interface{}` when `int_numbers` is
    /// false (every number `float64`, Helm's values), or the way YAML decoders keep integers as
    /// `int` when it is true (integers that fit `int` stay `Int`, others `Float`).
    pub fn from_json(json: &serde_json::Value, int_numbers: bool) -> Value {
        match json {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                if int_numbers {
                    if let Some(i) = n.as_i64() {
                        return Value::Int(i);
                    }
                    if let Some(u) = n.as_u64() {
                        return Value::Uint(u);
                    }
                }
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
            serde_json::Value::String(s) => Value::string(s.as_str()),
            serde_json::Value::Array(items) => {
                Value::list(items.iter().map(|v| Value::from_json(v, int_numbers)).collect())
            }
            serde_json::Value::Object(map) => {
                Value::map(map.iter().map(|(k, v)| (k.clone(), Value::from_json(v, int_numbers))).collect())
            }
        }
    }

    /// Go's notion of truth (`if`, `with`, `and`, `or`, `not`): false for `false`, numeric zero,
    /// nil, and empty strings, lists and maps; true otherwise.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Uint(u) => *u != 0,
            Value::Uint8(u) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Object(o) => o.truthy(),
        }
    }

    /// The Go type name, as Go's messages and `%T` print it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Uint(_) => "uint64".into(),
            Value::Uint8(_) => "uint8".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name(),
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether both are the same map (Go: the same map header).
    pub fn same_map(a: &MapRef, b: &MapRef) -> bool {
        Rc::ptr_eq(a, b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::string(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::string(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_are_references_and_lists_are_values() {
        let m = Value::map(BTreeMap::new());
        let held = m.clone();
        if let Value::Map(inner) = &m {
            inner.borrow_mut().insert("k".into(), Value::Int(1));
        }
        match &held {
            Value::Map(inner) => assert_eq!(inner.borrow().len(), 1, "the other holder sees the change"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn truthiness_is_gos() {
        for falsy in [
            Value::Nil,
            Value::Bool(false),
            Value::Int(0),
            Value::Float(0.0),
            Value::string(""),
            Value::list(vec![]),
            Value::map(BTreeMap::new()),
        ] {
            assert!(!falsy.truthy(), "{falsy:?}");
        }
        for truthy in
            [Value::Bool(true), Value::Int(-1), Value::Float(0.5), Value::string("0"), Value::list(vec![Value::Nil])]
        {
            assert!(truthy.truthy(), "{truthy:?}");
        }
    }

    #[test]
    fn json_numbers_are_float64_or_int() {
        let json: serde_json::Value = serde_json::from_str(r#"{"a": 3, "b": 1.5, "c": null}"#).unwrap();
        let Value::Map(helm) = Value::from_json(&json, false) else { panic!() };
        assert_eq!(helm.borrow()["a"].type_name(), "float64");
        let Value::Map(yaml) = Value::from_json(&json, true) else { panic!() };
        assert_eq!(yaml.borrow()["a"].type_name(), "int");
        assert_eq!(yaml.borrow()["b"].type_name(), "float64");
        assert!(matches!(yaml.borrow()["c"], Value::Nil));
    }
}
