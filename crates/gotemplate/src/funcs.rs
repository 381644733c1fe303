//! The function registry (Go's `FuncMap`, with closures) and the builtins of Go's `funcs.go`.
//!
//! This module is below the executor ([`crate::exec`]) and the public API
//! ([`crate::template`]): what a function sees of the executing template set is the trait
//! `TemplateSet`, which [`Template`](crate::Template) implements.

use std::any::Any;
use std::collections::HashMap;
use std::rc::Rc;

use crate::value::Value;

/// A value as the executor holds it (Go's `reflect.Value`): `iface` marks a value whose static
/// type is `interface {}` (a map or slice element, the zero value of a missing key), which Go
/// names in errors (`nil pointer evaluating interface {}.b`). `Nil` with `iface == false` is
/// Go's invalid value ("no value"); with `iface == true`, a nil interface.
#[derive(Clone, Debug)]
pub struct RV {
    pub v: Value,
    pub iface: bool,
}

impl RV {
    pub(crate) fn direct(v: Value) -> RV {
        RV { v, iface: false }
    }
    pub(crate) fn invalid() -> RV {
        RV { v: Value::Nil, iface: false }
    }
    pub(crate) fn is_invalid(&self) -> bool {
        !self.iface && matches!(self.v, Value::Nil)
    }
}

/// The template set a function runs in, as [`CallContext`] sees it: implemented by
/// [`Template`](crate::Template) (the only implementation), so that this module need not know
/// the public API above it.
pub(crate) trait TemplateSet {
    /// Go's `t.ExecuteTemplate(out, name, data)`: executes the template `name` of the set.
    fn execute_template(&self, out: &mut String, name: &str, data: &Value) -> Result<(), crate::Error>;
    /// The implementation itself, for [`CallContext::template`] to hand out the public type.
    fn as_any(&self) -> &dyn Any;
}

/// An error returned by a registered function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FuncError {
    /// The function's returned error: reported as `error calling NAME: MSG` (Go's second
    /// result).
    Call(String),
    /// An error reported as is, like the executor's own argument errors (`wrong type for value;
    /// expected string; got int`).
    Exec(String),
    /// An error reported as is at argument `.0` (0-based, counting a piped final value last), as
    /// Go reports a typed parameter's conversion error at the offending argument.
    Arg(usize, String),
}

impl From<String> for FuncError {
    fn from(s: String) -> Self {
        FuncError::Call(s)
    }
}

impl From<&str> for FuncError {
    fn from(s: &str) -> Self {
        FuncError::Call(s.to_string())
    }
}

/// What a function sees of the execution: the template set (for `include`/`tpl`).
pub struct CallContext<'a> {
    pub(crate) template: &'a dyn TemplateSet,
    pub(crate) depth: usize,
    /// Bit `i` set: argument `i` is Go's invalid value ("no value": a piped nil, a missing key
    /// under `missingkey=default`), not a nil `interface{}`.
    pub(crate) invalid_args: u64,
}

impl CallContext<'_> {
    /// Whether argument `i` is Go's invalid value (`reflect.Value{}`: a nil that went through a
    /// pipeline, a missing key under `missingkey=default`) rather than a nil `interface{}` (a
    /// null or missing value read from a map under `missingkey=zero`). Go converts the former
    /// to a nil map, slice or pointer parameter and rejects the latter ("wrong type for value").
    /// Always false for arguments past the 64th.
    pub fn arg_is_invalid(&self, i: usize) -> bool {
        i < 64 && self.invalid_args & (1 << i) != 0
    }

    /// The `{{template}}` nesting depth of the caller.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Executes the template `name` of the set with `data` into a string (Go's
    /// `t.ExecuteTemplate(&buf, name, data)`, as Helm's `include` does).
    pub fn execute_template(&self, name: &str, data: &Value) -> Result<String, crate::Error> {
        let mut out = String::new();
        self.template.execute_template(&mut out, name, data)?;
        Ok(out)
    }
}

/// A registered function's body.
pub type FuncFn = Rc<dyn Fn(&mut CallContext<'_>, &[Value]) -> Result<Value, FuncError>>;

/// How many arguments a function takes; checked before the call with Go's messages (`wrong number
/// of args for NAME: want 2 got 1`, `want at least 1 got 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// Any number (a `...interface{}` function).
    Any,
    Exact(usize),
    AtLeast(usize),
}

/// A registered function.
#[derive(Clone)]
pub struct Func {
    pub arity: Arity,
    pub f: FuncFn,
}

/// Go's `FuncMap`: name to function. Registered functions override builtins.
#[derive(Clone, Default)]
pub struct Funcs {
    map: HashMap<String, Func>,
}

impl Funcs {
    pub fn new() -> Funcs {
        Funcs::default()
    }

    /// Adds a function taking any number of arguments.
    pub fn insert(
        &mut self,
        name: &str,
        f: impl Fn(&mut CallContext<'_>, &[Value]) -> Result<Value, FuncError> + 'static,
    ) -> &mut Self {
        self.insert_with_arity(name, Arity::Any, f)
    }

    /// Adds a function whose argument count the executor checks.
    pub fn insert_with_arity(
        &mut self,
        name: &str,
        arity: Arity,
        f: impl Fn(&mut CallContext<'_>, &[Value]) -> Result<Value, FuncError> + 'static,
    ) -> &mut Self {
        self.map.insert(name.to_string(), Func { arity, f: Rc::new(f) });
        self
    }

    /// Adds every function of `other` (later wins).
    pub fn extend(&mut self, other: &Funcs) {
        for (k, v) in &other.map {
            self.map.insert(k.clone(), v.clone());
        }
    }

    pub fn get(&self, name: &str) -> Option<&Func> {
        self.map.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }
}

/// A `complex128` constant (`1i`, `1+2i`): the value model has no complex numbers, so it is an
/// object that prints, compares and tests like Go's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complex {
    pub re: f64,
    pub im: f64,
}

impl crate::value::Object for Complex {
    fn type_name(&self) -> String {
        "complex128".into()
    }
    fn format_v(&self) -> String {
        format!(
            "({}{}i)",
            crate::fmt::sprintf("%g", &[Value::Float(self.re)]),
            crate::fmt::sprintf("%+g", &[Value::Float(self.im)])
        )
    }
    fn truthy(&self) -> bool {
        self.re != 0.0 || self.im != 0.0
    }
}

/// The builtins (Go's `builtins()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    And,
    Call,
    Html,
    Index,
    Slice,
    Js,
    Len,
    Not,
    Or,
    Print,
    Printf,
    Println,
    Urlquery,
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
    Ne,
}

impl Builtin {
    pub fn lookup(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "call" => Builtin::Call,
            "html" => Builtin::Html,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "js" => Builtin::Js,
            "len" => Builtin::Len,
            "not" => Builtin::Not,
            "or" => Builtin::Or,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "urlquery" => Builtin::Urlquery,
            "eq" => Builtin::Eq,
            "ge" => Builtin::Ge,
            "gt" => Builtin::Gt,
            "le" => Builtin::Le,
            "lt" => Builtin::Lt,
            "ne" => Builtin::Ne,
            _ => return None,
        })
    }

    /// Go's signature: (number of parameters, variadic).
    pub fn signature(self) -> (usize, bool) {
        match self {
            Builtin::And | Builtin::Or | Builtin::Call | Builtin::Index | Builtin::Slice | Builtin::Eq => (2, true),
            Builtin::Printf => (2, true),
            Builtin::Html | Builtin::Js | Builtin::Urlquery | Builtin::Print | Builtin::Println => (1, true),
            Builtin::Len | Builtin::Not => (1, false),
            Builtin::Ge | Builtin::Gt | Builtin::Le | Builtin::Lt | Builtin::Ne => (2, false),
        }
    }
}

/// Go's `indirectInterface`: the value with interface-ness dropped.
/// The value for comparisons and indexing: a `uint8` (from `index` of a string) behaves as
/// the unsigned integer it is (Go's `basicKind` puts every unsigned width in `uintKind`).
fn ii(v: &RV) -> std::borrow::Cow<'_, Value> {
    match &v.v {
        Value::Uint8(b) => std::borrow::Cow::Owned(Value::Uint(u64::from(*b))),
        other => std::borrow::Cow::Borrowed(other),
    }
}

fn type_of(v: &RV) -> String {
    if v.iface { "interface {}".into() } else { v.v.type_name() }
}

/// Go's `printableValue` + `fmt.Sprint` for the escapers (`evalArgs`).
fn eval_args(args: &[RV]) -> String {
    if let [RV { v: Value::String(s), .. }] = args {
        return s.to_string();
    }
    let vals: Vec<Value> = args
        .iter()
        .map(|a| if matches!(a.v, Value::Nil) { Value::string("<no value>") } else { a.v.clone() })
        .collect();
    crate::fmt::sprint(&vals)
}

/// Calls a builtin other than `and`/`or` (handled by the executor); `Err` is the function's
/// error (`error calling NAME: ...`).
pub fn call_builtin(b: Builtin, args: &[RV], ctx: &mut CallContext<'_>) -> Result<RV, String> {
    let direct = |v: Value| RV { v, iface: false };
    match b {
        Builtin::Html => Ok(direct(Value::string(html_escape(&eval_args(args))))),
        Builtin::Js => Ok(direct(Value::string(js_escape(&eval_args(args))))),
        Builtin::Urlquery => Ok(direct(Value::string(query_escape(&eval_args(args))))),
        Builtin::Print => Ok(direct(Value::string(crate::fmt::sprint(&plain(args))))),
        Builtin::Println => Ok(direct(Value::string(crate::fmt::sprintln(&plain(args))))),
        Builtin::Printf => {
            let format = args.first().and_then(|a| a.v.as_str().map(str::to_string)).unwrap_or_default();
            Ok(direct(Value::string(crate::fmt::sprintf(&format, &plain(&args[1.min(args.len())..])))))
        }
        Builtin::Not => Ok(direct(Value::Bool(!args.first().is_some_and(|a| a.v.truthy())))),
        Builtin::Len => length(args.first()).map(|n| direct(Value::Int(n))),
        Builtin::Index => index(args),
        Builtin::Slice => slice(args),
        Builtin::Eq => eq(args).map(|b| direct(Value::Bool(b))),
        Builtin::Ne => eq(args).map(|b| direct(Value::Bool(!b))),
        Builtin::Lt => lt(&args[0], &args[1]).map(|b| direct(Value::Bool(b))),
        Builtin::Le => le(&args[0], &args[1]).map(|b| direct(Value::Bool(b))),
        Builtin::Gt => le(&args[0], &args[1]).map(|b| direct(Value::Bool(!b))),
        Builtin::Ge => lt(&args[0], &args[1]).map(|b| direct(Value::Bool(!b))),
        Builtin::Call => call(args, ctx),
        Builtin::And | Builtin::Or => Err("unreachable".into()),
    }
}

fn plain(args: &[RV]) -> Vec<Value> {
    args.iter().map(|a| a.v.clone()).collect()
}

fn length(item: Option<&RV>) -> Result<i64, String> {
    let Some(item) = item else { return Err("len of nil pointer".into()) };
    match &item.v {
        Value::Nil if item.iface => Err("len of nil pointer".into()),
        Value::Nil => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::String(s) => Ok(s.len() as i64),
        Value::List(l) => Ok(l.len() as i64),
        Value::Map(m) => Ok(m.borrow().len() as i64),
        Value::Object(o) => match o.range_entries() {
            Some(e) => Ok(e.len() as i64),
            None => Err(format!("len of type {}", o.type_name())),
        },
        other => Err(format!("len of type {}", other.type_name())),
    }
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x: i128 = match index {
        Value::Int(i) => *i as i128,
        Value::Uint(u) => *u as i64 as i128,
        Value::Uint8(u) => i128::from(*u),
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
    };
    if x < 0 || x > cap as i128 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(args: &[RV]) -> Result<RV, String> {
    let Some(first) = args.first() else { return Err("index of untyped nil".into()) };
    if matches!(first.v, Value::Nil) {
        return Err("index of untyped nil".into());
    }
    let mut item = RV { v: first.v.clone(), iface: false };
    for index in &args[1..] {
        let index: &Value = &ii(index);
        if matches!(item.v, Value::Nil) {
            return Err("index of nil pointer".into());
        }
        item = match &item.v {
            Value::List(l) => {
                let x = index_arg(index, l.len())?;
                match l.get(x) {
                    Some(v) => RV { v: v.clone(), iface: true },
                    None => return Err("reflect: slice index out of range".into()),
                }
            }
            Value::String(s) => {
                let x = index_arg(index, s.len())?;
                match s.as_bytes().get(x) {
                    Some(b) => RV { v: Value::Uint8(*b), iface: false },
                    None => return Err("reflect: string index out of range".into()),
                }
            }
            Value::Map(m) => {
                let key = match index {
                    Value::String(s) => s.clone(),
                    Value::Nil => return Err("value is nil; should be of type string".into()),
                    other => return Err(format!("value has type {}; should be string", other.type_name())),
                };
                match m.borrow().get(&*key) {
                    Some(v) => RV { v: v.clone(), iface: true },
                    None => RV { v: Value::Nil, iface: true },
                }
            }
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn slice(args: &[RV]) -> Result<RV, String> {
    let Some(first) = args.first() else { return Err("slice of untyped nil".into()) };
    let item = &first.v;
    if matches!(item, Value::Nil) {
        return Err("slice of untyped nil".into());
    }
    let indexes = &args[1..];
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match item {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0usize, len, len];
    for (i, index) in indexes.iter().enumerate() {
        // Go's slice does not unwrap interface indexes (index does): a map or slice element
        // is an `interface {}` there.
        if index.iface {
            return Err("cannot index slice/array with type interface {}".into());
        }
        idx[i] = index_arg(&index.v, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    let v = match item {
        Value::String(s) => Value::string(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned()),
        Value::List(l) => Value::list(l[idx[0]..idx[1]].to_vec()),
        _ => Value::Nil,
    };
    Ok(RV { v, iface: false })
}

fn call(args: &[RV], ctx: &mut CallContext<'_>) -> Result<RV, String> {
    let Some(f) = args.first() else { return Err("call of nil".into()) };
    match &f.v {
        Value::Nil => Err("call of nil".into()),
        Value::Object(o) if o.has_method("") => {
            let rest: Vec<Value> = args[1..].iter().map(|a| a.v.clone()).collect();
            let _ = ctx;
            o.call_method("", &rest).map(|v| RV { v, iface: false })
        }
        other => Err(format!("non-function of type {}", other.type_name())),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
    Uint,
    Complex,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Object(o) if o.type_name() == "complex128" => Kind::Complex,
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) => Kind::Int,
        Value::Uint(_) => Kind::Uint,
        Value::Float(_) => Kind::Float,
        Value::String(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

const BAD_COMPARISON: &str = "incompatible types for comparison";
const BAD_COMPARISON_TYPE: &str = "invalid type for comparison";

fn sfmt(v: &Value) -> String {
    crate::fmt::sprintf("%s", std::slice::from_ref(v))
}

fn eq(args: &[RV]) -> Result<bool, String> {
    let Some(arg1) = args.first() else { return Err("missing argument for comparison".into()) };
    let arg1: &Value = &ii(arg1);
    if args.len() < 2 {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(arg1);
    for arg in &args[1..] {
        let arg: &Value = &ii(arg);
        let k2 = basic_kind(arg);
        let truth = if k1 != k2 {
            match (arg1, arg) {
                (Value::Int(a), Value::Uint(b)) => *a >= 0 && *a as u64 == *b,
                (Value::Uint(a), Value::Int(b)) => *b >= 0 && *a == *b as u64,
                _ => {
                    if !matches!(arg1, Value::Nil) && !matches!(arg, Value::Nil) {
                        return Err(BAD_COMPARISON.into());
                    }
                    false
                }
            }
        } else {
            match (arg1, arg) {
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Float(a), Value::Float(b)) => a == b,
                (Value::Int(a), Value::Int(b)) => a == b,
                (Value::String(a), Value::String(b)) => a == b,
                (Value::Uint(a), Value::Uint(b)) => a == b,
                _ => {
                    let kind = |v: &Value| match v {
                        Value::Nil => 0,
                        Value::List(_) => 1,
                        Value::Map(_) => 2,
                        _ => 3,
                    };
                    let (c1, c2) = (kind(arg1), kind(arg));
                    if c1 != c2 && c1 != 0 && c2 != 0 {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            sfmt(arg1),
                            arg1.type_name(),
                            arg.type_name(),
                            crate::fmt::format_v(arg)
                        ));
                    }
                    if c1 == 0 || c2 == 0 {
                        c1 == c2
                    } else {
                        match (arg1, arg) {
                            (Value::Object(a), Value::Object(b))
                                if a.type_name() == "complex128" && b.type_name() == "complex128" =>
                            {
                                a.format_v() == b.format_v()
                            }
                            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
                            _ => return Err(format!("non-comparable type {}: {}", sfmt(arg), arg.type_name())),
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a1: &RV, a2: &RV) -> Result<bool, String> {
    let (arg1, arg2): (&Value, &Value) = (&ii(a1), &ii(a2));
    let k1 = basic_kind(arg1);
    if k1 == Kind::Invalid {
        return Err(BAD_COMPARISON_TYPE.into());
    }
    let k2 = basic_kind(arg2);
    if k2 == Kind::Invalid {
        return Err(BAD_COMPARISON_TYPE.into());
    }
    Ok(match (arg1, arg2) {
        (Value::Int(a), Value::Uint(b)) => *a < 0 || (*a as u64) < *b,
        (Value::Uint(a), Value::Int(b)) => *b >= 0 && *a < *b as u64,
        _ if k1 != k2 => return Err(BAD_COMPARISON.into()),
        (Value::Bool(_), _) => return Err(BAD_COMPARISON_TYPE.into()),
        _ if k1 == Kind::Complex => return Err(BAD_COMPARISON_TYPE.into()),
        (Value::Float(a), Value::Float(b)) => a < b,
        (Value::Int(a), Value::Int(b)) => a < b,
        (Value::String(a), Value::String(b)) => a < b,
        (Value::Uint(a), Value::Uint(b)) => a < b,
        _ => return Err(BAD_COMPARISON_TYPE.into()),
    })
}

fn le(a1: &RV, a2: &RV) -> Result<bool, String> {
    if lt(a1, a2)? {
        return Ok(true);
    }
    eq(&[a1.clone(), a2.clone()])
}

/// Go's `HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{fffd}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c if crate::lex::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub(crate) fn rv_type(v: &RV) -> String {
    type_of(v)
}
