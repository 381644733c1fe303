//! Helm's engine functions that need no template set (Helm 3's `pkg/engine/funcs.go`): `toYaml`,
//! `fromYaml`, `fromYamlArray`, `toJson`, `fromJson`, `fromJsonArray`, `toToml`, `required`,
//! `fail`. `include`, `tpl` and `lookup` need the engine (the template set, the chart, a cluster)
//! and are registered by it on top of [`helm_funcs`]; registered functions receive a
//! [`gotemplate::CallContext`], which gives them the executing template set.
//!
//! - `toYaml` is byte-identical to Helm's (sigs.k8s.io/yaml): the value goes through a JSON
//!   round trip (so whole floats print as integers and maps' keys come out sorted, with yaml.v2's
//!   natural order), then through yaml.v2's emitter rules ([`to_yaml`]): plain scalars unless the
//!   string would read back as something else (`"yes"`, `"on"`, `"null"`, `"1.0"`, `"12:30"`,
//!   timestamps), literal blocks (`|-`, `|`, `|+`) for multi-line strings, double quotes for
//!   control characters, long lines folded at 80 columns; Helm trims the final newline.
//! - `required` and `fail` return the bare message; Helm's engine wraps it (`HELM_ERR_START`)
//!   and rewrites the error, which belongs to the engine glue.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gotemplate::fmt::format_float;
use gotemplate::{Arity, FuncError, Funcs, Value};

use crate::sprig::args;

/// Nesting beyond this (only a map that contains itself, through `set`, gets there) fails the
/// way Go's encoders fail on a cycle (`toYaml`/`toJson` give "").
const MAX_DEPTH: usize = 256;
use crate::sprig::{SprigOptions, json_error, sprig_funcs_with};

/// Sprig's functions (without `env`/`expandenv`, as Helm removes them) plus Helm's functions
/// that need no template set, with the given randomness and clock.
pub fn helm_funcs_with(opts: SprigOptions) -> Funcs {
    let mut f = sprig_funcs_with(opts);
    f.insert_with_arity("toYaml", Arity::Exact(1), |_, a| Ok(Value::string(to_yaml(&a[0]).unwrap_or_default())));
    f.insert_with_arity("toJson", Arity::Exact(1), |_, a| Ok(Value::string(to_json(&a[0]).unwrap_or_default())));
    f.insert_with_arity("toPrettyJson", Arity::Exact(1), |_, a| {
        Ok(Value::string(to_json_with(&a[0], true, true).unwrap_or_default()))
    });
    f.insert_with_arity("toRawJson", Arity::Exact(1), |_, a| {
        Ok(Value::string(to_json_with(&a[0], false, false).unwrap_or_default()))
    });
    for (name, indent, html) in
        [("mustToJson", false, true), ("mustToPrettyJson", true, true), ("mustToRawJson", false, false)]
    {
        f.insert_with_arity(name, Arity::Exact(1), move |_, a| match to_json_with(&a[0], indent, html) {
            Some(s) => Ok(Value::string(s)),
            None => Err(FuncError::Call(format!("json: unsupported value: {}", gotemplate::fmt::format_v(&a[0])))),
        });
    }
    f.insert_with_arity("toToml", Arity::Exact(1), |_, a| Ok(Value::string(to_toml(&a[0])?)));
    f.insert_with_arity("fromYaml", Arity::Exact(1), |_, a| {
        let s = args::string(a, 0)?;
        Ok(match crate::loadyaml::yaml_to_json_map(s) {
            Ok(m) => Value::from_json(&serde_json::Value::Object(m), false),
            Err(e) => error_map(&yaml_error(&e)),
        })
    });
    f.insert_with_arity("fromYamlArray", Arity::Exact(1), |_, a| {
        let s = args::string(a, 0)?;
        let parsed = crate::loadyaml::parse_first(s).and_then(|y| y.to_json());
        Ok(match parsed {
            Ok(serde_json::Value::Array(items)) => Value::from_json(&serde_json::Value::Array(items), false),
            Ok(serde_json::Value::Null) => Value::list(Vec::new()),
            Ok(other) => Value::list(vec![Value::string(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
                json_kind(&other)
            ))]),
            Err(e) => Value::list(vec![Value::string(yaml_error(&e))]),
        })
    });
    f.insert_with_arity("fromJson", Arity::Exact(1), |_, a| {
        let s = args::string(a, 0)?;
        Ok(match serde_json::from_str::<serde_json::Value>(s) {
            Ok(serde_json::Value::Object(m)) => Value::from_json(&serde_json::Value::Object(m), false),
            Ok(serde_json::Value::Null) => Value::map(BTreeMap::new()),
            Ok(other) => error_map(&format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_kind(&other)
            )),
            Err(e) => error_map(&json_error(s, &e)),
        })
    });
    f.insert_with_arity("fromJsonArray", Arity::Exact(1), |_, a| {
        let s = args::string(a, 0)?;
        Ok(match serde_json::from_str::<serde_json::Value>(s) {
            Ok(serde_json::Value::Array(items)) => Value::from_json(&serde_json::Value::Array(items), false),
            Ok(serde_json::Value::Null) => Value::list(Vec::new()),
            Ok(other) => Value::list(vec![Value::string(format!(
                "json: cannot unmarshal {} into Go value of type []interface {{}}",
                json_kind(&other)
            ))]),
            Err(e) => Value::list(vec![Value::string(json_error(s, &e))]),
        })
    });
    f.insert_with_arity("required", Arity::Exact(2), |_, a| {
        let warn = args::string(a, 0)?;
        match &a[1] {
            Value::Nil => Err(FuncError::Call(warn.to_string())),
            Value::String(s) if s.is_empty() => Err(FuncError::Call(warn.to_string())),
            other => Ok(other.clone()),
        }
    });
    f.insert_with_arity("fail", Arity::Exact(1), |_, a| Err(FuncError::Call(args::string(a, 0)?.to_string())));
    f
}

/// [`helm_funcs_with`] with a clock-seeded generator and the system clock.
pub fn helm_funcs() -> Funcs {
    helm_funcs_with(SprigOptions::default())
}

/// sigs.k8s.io/yaml's error text: conversion errors say so; JSON decoding errors come as is.
fn yaml_error(e: &crate::loadyaml::YamlError) -> String {
    if e.message.starts_with("error ") { e.message.clone() } else { format!("error converting YAML to JSON: {e}") }
}

fn error_map(msg: &str) -> Value {
    let mut m = BTreeMap::new();
    m.insert("Error".to_string(), Value::string(msg));
    Value::map(m)
}

fn json_kind(j: &serde_json::Value) -> &'static str {
    match j {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

// ---------------------------------------------------------------------------------------------
// JSON (encoding/json's Marshal).

fn json_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    let e = abs != 0.0 && !(1e-6..1e21).contains(&abs);
    let mut s = format_float(f, if e { 'e' } else { 'f' }, -1);
    if e {
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            let last = s.pop().unwrap_or('0');
            s.pop();
            s.push(last);
        }
    }
    Some(s)
}

fn json_string(s: &str, out: &mut String, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '<' | '>' | '&' if !html => out.push(c),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// encoding/json: `indent` as MarshalIndent(v, "", "  "), `html` escaping of `<>&`.
fn json_write(v: &Value, out: &mut String, indent: Option<usize>, html: bool, level: usize) -> Option<()> {
    if level > MAX_DEPTH {
        return None;
    }
    let nl = |out: &mut String, depth: usize| {
        if indent.is_some() {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    };
    let depth = indent.unwrap_or(0);
    let inner = indent.map(|d| d + 1);
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Uint(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Uint8(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) => out.push_str(&json_float(*f)?),
        Value::String(s) => json_string(s, out, html),
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                json_write(item, out, inner, html, level + 1)?;
            }
            if !l.is_empty() {
                nl(out, depth);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            let m = m.borrow();
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                json_string(k, out, html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                json_write(item, out, inner, html, level + 1)?;
            }
            if !m.is_empty() {
                nl(out, depth);
            }
            out.push('}');
        }
        Value::Object(o) => json_string(&o.format_v(), out, html),
    }
    Some(())
}

/// `json.Marshal`; `None` where Go fails (NaN, infinities).
pub fn to_json(v: &Value) -> Option<String> {
    to_json_with(v, false, true)
}

/// `json.Marshal` (`indent`: `MarshalIndent` with two spaces; `html`: escape `<>&`).
pub fn to_json_with(v: &Value, indent: bool, html: bool) -> Option<String> {
    let mut out = String::new();
    json_write(v, &mut out, indent.then_some(0), html, 0)?;
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// YAML (sigs.k8s.io/yaml's Marshal: JSON, then yaml.v2).

/// A node after the JSON round trip, as yaml.v2 decoded it.
enum Y {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Y>),
    Map(Vec<(String, Y)>),
}

fn json_number_to_y(digits_integral: f64) -> Y {
    // JSON printed the float as an integer literal; yaml.v2 reads it as int, else uint64, else float.
    const I64: f64 = 9_223_372_036_854_775_808.0;
    const U64: f64 = 18_446_744_073_709_551_616.0;
    if (-I64..I64).contains(&digits_integral) {
        Y::Int(digits_integral as i64)
    } else if (0.0..U64).contains(&digits_integral) {
        Y::Uint(digits_integral as u64)
    } else {
        Y::Float(digits_integral)
    }
}

fn round_trip(v: &Value, level: usize) -> Option<Y> {
    if level > MAX_DEPTH {
        return None;
    }
    Some(match v {
        Value::Nil => Y::Null,
        Value::Bool(b) => Y::Bool(*b),
        Value::Int(i) => Y::Int(*i),
        Value::Uint(u) => i64::try_from(*u).map_or(Y::Uint(*u), Y::Int),
        Value::Uint8(u) => Y::Int(i64::from(*u)),
        Value::Float(f) => {
            if !f.is_finite() {
                return None;
            }
            if f.fract() == 0.0 && f.abs() < 1e21 { json_number_to_y(*f) } else { Y::Float(*f) }
        }
        Value::String(s) => Y::Str(yaml_readable(s)?),
        Value::List(l) => Y::Seq(l.iter().map(|x| round_trip(x, level + 1)).collect::<Option<_>>()?),
        Value::Map(m) => {
            let mut entries: Vec<(String, Y)> = m
                .borrow()
                .iter()
                .map(|(k, v)| Some((yaml_key(k)?, round_trip(v, level + 1)?)))
                .collect::<Option<_>>()?;
            entries.sort_by(|a, b| key_order(&a.0, &b.0));
            Y::Map(entries)
        }
        Value::Object(o) => Y::Str(o.format_v()),
    })
}

/// A string as yaml.v2 reads it back from encoding/json's output: `None` when the YAML reader
/// refuses a raw character JSON does not escape ("control characters are not allowed": DEL, the
/// C1 controls but NEL, U+FFFE, U+FFFF), which makes Helm's `toYaml` return "".
fn yaml_readable(s: &str) -> Option<String> {
    let refused = |c: char| matches!(c as u32, 0x7F..=0x84 | 0x86..=0x9F | 0xFFFE | 0xFFFF);
    if s.chars().any(refused) {
        return None;
    }
    Some(fold_nel(s))
}

/// A key as yaml.v2 reads it back: a NEL in a key is a line break inside a flow-mapping key,
/// which the parser refuses (so `toYaml` gives "").
fn yaml_key(s: &str) -> Option<String> {
    if s.contains('\u{85}') {
        return None;
    }
    yaml_readable(s)
}

/// A raw U+0085 (NEL) survives encoding/json, and yaml.v2 reads the JSON string as a
/// double-quoted scalar, where NEL is a line break: folded like one (a single break becomes a
/// space, `n` breaks `n-1` newlines, white space around them dropped).
fn fold_nel(s: &str) -> String {
    if !s.contains('\u{85}') {
        return s.to_string();
    }
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // A run of blanks followed by a break starts a fold.
        let mut j = i;
        while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
            j += 1;
        }
        if j < chars.len() && chars[j] == '\u{85}' {
            let mut breaks = 0;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t' || chars[j] == '\u{85}') {
                if chars[j] == '\u{85}' {
                    breaks += 1;
                }
                j += 1;
            }
            if breaks == 1 {
                out.push(' ');
            } else {
                out.push_str(&"\n".repeat(breaks - 1));
            }
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// yaml.v2's `keyList.Less` for string keys (a "natural" order: digit runs compare as numbers,
/// letters after non-letters).
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let less = |a: &str, b: &str| -> bool {
        let ar: Vec<char> = a.chars().collect();
        let br: Vec<char> = b.chars().collect();
        let mut i = 0;
        while i < ar.len() && i < br.len() {
            if ar[i] == br[i] {
                i += 1;
                continue;
            }
            let al = ar[i].is_alphabetic();
            let bl = br[i].is_alphabetic();
            if al && bl {
                return ar[i] < br[i];
            }
            if al || bl {
                return bl;
            }
            let (mut an, mut bn) = (0i64, 0i64);
            if ar[i] == '0' || br[i] == '0' {
                let mut j = i;
                while j > 0 && ar[j - 1].is_ascii_digit() {
                    j -= 1;
                    if ar[j] != '0' {
                        an = 1;
                        bn = 1;
                        break;
                    }
                }
            }
            let mut ai = i;
            while ai < ar.len() && ar[ai].is_ascii_digit() {
                an = an.wrapping_mul(10).wrapping_add(i64::from(ar[ai] as u8 - b'0'));
                ai += 1;
            }
            let mut bi = i;
            while bi < br.len() && br[bi].is_ascii_digit() {
                bn = bn.wrapping_mul(10).wrapping_add(i64::from(br[bi] as u8 - b'0'));
                bi += 1;
            }
            if an != bn {
                return an < bn;
            }
            if ai != bi {
                return ai < bi;
            }
            return ar[i] < br[i];
        }
        ar.len() < br.len()
    };
    if less(a, b) {
        Ordering::Less
    } else if less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Whether yaml.v2 would read `s` as a plain scalar of another type than string (so it must be
/// quoted), including timestamps and base-60 floats.
fn resolves_non_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
        "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", ".nan", ".NaN", ".NAN", ".inf",
        ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    ];
    if SPECIAL.contains(&s) {
        return true;
    }
    let first = s.as_bytes()[0];
    if first == b'.' {
        return is_go_float(s);
    }
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return false;
    }
    if first.is_ascii_digit() && is_timestamp(s) {
        return true;
    }
    let plain = s.replace('_', "");
    if args::parse_int_base0(&plain).is_some() || parse_uint_base0(&plain) {
        return true;
    }
    if yaml_style_float(&plain) && is_go_float(&plain) {
        return true;
    }
    if let Some(b) = plain.strip_prefix("0b").or_else(|| plain.strip_prefix("-0b")) {
        return !b.is_empty() && b.bytes().all(|c| c == b'0' || c == b'1') && (b.len() < 64);
    }
    false
}

fn parse_uint_base0(s: &str) -> bool {
    // The yaml.v2 resolver's unsigned check: an optional `+`, then Go's `ParseUint(s, 0, 64)`.
    crate::loadyaml::go_parse_uint(s.strip_prefix('+').unwrap_or(s)).is_some()
}

/// Whether Go's `strconv.ParseFloat` accepts `s` (overflowing literals, which Go parses to ±Inf
/// with an error, are not floats).
fn is_go_float(s: &str) -> bool {
    args::parse_float(s).is_some()
}

/// yaml.v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// yaml.v2's `parseTimestamp` (layouts `2006-1-2T15:4:5.999999999Z07:00`, with `t`, with a space
/// and no zone, and `2006-1-2`).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year != 4 || b.len() == 4 || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let num = |i: &mut usize, max: usize| -> Option<u32> {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - st < max {
            *i += 1;
        }
        if *i == st { None } else { s[st..*i].parse().ok() }
    };
    let Some(m) = num(&mut i, 2) else { return false };
    if !(1..=12).contains(&m) || i >= b.len() || b[i] != b'-' {
        return false;
    }
    i += 1;
    let Some(d) = num(&mut i, 2) else { return false };
    if !(1..=31).contains(&d) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if !(sep == b'T' || sep == b't' || sep == b' ') {
        return false;
    }
    i += 1;
    let Some(h) = num(&mut i, 2) else { return false };
    if h > 23 || i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(mi) = num(&mut i, 2) else { return false };
    if mi > 59 || i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let Some(se) = num(&mut i, 2) else { return false };
    if se > 59 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if num(&mut i, 9).is_none() {
            return false;
        }
    }
    if i == b.len() {
        return true;
    }
    if sep == b' ' {
        return false;
    }
    if b[i] == b'Z' {
        return i + 1 == b.len();
    }
    if b[i] == b'+' || b[i] == b'-' {
        let rest = &s[i + 1..];
        let rb = rest.as_bytes();
        return rb.len() == 5 && rb[2] == b':' && rb[..2].iter().chain(&rb[3..]).all(u8::is_ascii_digit);
    }
    false
}

fn is_base60_float(s: &str) -> bool {
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        if i + 1 < b.len() && (b'0'..=b'5').contains(&b[i]) && b[i + 1].is_ascii_digit() {
            i += 2;
        } else if i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        } else {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Analysis {
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single: bool,
    block: bool,
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// yaml_emitter_analyze_scalar.
fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis { multiline: false, flow_plain: false, block_plain: true, single: true, block: false };
    }
    let (mut block_ind, mut flow_ind) = (false, false);
    if value.starts_with("---") || value.starts_with("...") {
        block_ind = true;
        flow_ind = true;
    }
    let chars: Vec<char> = value.chars().collect();
    let mut preceded_by_ws = true;
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) = (false, false, false, false);
    let (mut break_space, mut space_break, mut prev_space, mut prev_break) = (false, false, false, false);
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_ws = i + 1 >= chars.len() || is_blank(chars[i + 1]) || is_break(chars[i + 1]);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '-' if followed_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '#' if preceded_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == chars.len() {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == chars.len() {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = is_blank(c) || is_break(c);
    }
    let mut a = Analysis { multiline: line_breaks, flow_plain: true, block_plain: true, single: true, block: true };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
        a.block = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_ind {
        a.flow_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}

const BEST_WIDTH: usize = 80;

/// The part of yaml.v2's emitter that block-style documents of plain data use.
struct Emitter {
    out: String,
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }
    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }
    fn write_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }
    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { 2 } else { 0 };
        } else if !indentless {
            self.indent += 2;
        }
    }
    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }
    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }
    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        self.write_str(ind);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn node(&mut self, y: &Y, root: bool, sequence: bool, mapping: bool, simple_key: bool) {
        let _ = sequence;
        match y {
            Y::Null => self.scalar("null", Style::Plain, root, simple_key),
            Y::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, root, simple_key),
            Y::Int(i) => self.scalar(&i.to_string(), Style::Plain, root, simple_key),
            Y::Uint(u) => self.scalar(&u.to_string(), Style::Plain, root, simple_key),
            Y::Float(f) => {
                let s = match format_float(*f, 'g', -1).as_str() {
                    "+Inf" => ".inf".to_string(),
                    "-Inf" => "-.inf".to_string(),
                    "NaN" => ".nan".to_string(),
                    s => s.to_string(),
                };
                self.scalar(&s, Style::Plain, root, simple_key)
            }
            Y::Str(s) => {
                let can_plain = !resolves_non_string(s) && !is_base60_float(s);
                let style = if s.contains('\n') {
                    Style::Literal
                } else if can_plain {
                    Style::Plain
                } else {
                    Style::Double
                };
                self.scalar(s, style, root, simple_key)
            }
            Y::Seq(items) => {
                if items.is_empty() {
                    self.write_indicator("[", true, true, false);
                    self.increase_indent(true, false);
                    self.pop_indent();
                    self.write_indicator("]", false, false, false);
                    return;
                }
                let indentless = mapping && !self.indention;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, false, true, false, false);
                }
                self.pop_indent();
            }
            Y::Map(entries) => {
                if entries.is_empty() {
                    self.write_indicator("{", true, true, false);
                    self.increase_indent(true, false);
                    self.pop_indent();
                    self.write_indicator("}", false, false, false);
                    return;
                }
                self.increase_indent(false, false);
                for (k, v) in entries {
                    self.write_indent();
                    let key = Y::Str(k.clone());
                    let simple = k.chars().count() <= 128 && !analyze(k).multiline;
                    if simple {
                        self.node(&key, false, false, true, true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(&key, false, false, true, false);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(v, false, false, true, false);
                }
                self.pop_indent();
            }
        }
    }

    fn scalar(&mut self, value: &str, requested: Style, root: bool, simple_key: bool) {
        let a = analyze(value);
        let mut style = requested;
        if style == Style::Plain {
            if !a.block_plain || (value.is_empty() && simple_key) {
                style = Style::Single;
            }
            let _ = a.flow_plain;
        }
        if style == Style::Single && !a.single {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block || simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks, root),
            Style::Single => self.write_single(value, allow_breaks),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool, root: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && chars.get(i + 1) != Some(&' ') {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
        if root {
            self.open_ended = true;
        }
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        // yaml.v2's is_bom looks at the start of the value, not at the current character: a
        // value starting with a BOM has every character escaped.
        let bom = value.starts_with('\u{feff}');
        for (i, &c) in chars.iter().enumerate() {
            if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let u = c as u32;
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let s = if u <= 0xFF {
                            format!("x{u:02X}")
                        } else if u <= 0xFFFF {
                            format!("u{u:04X}")
                        } else {
                            format!("U{u:08X}")
                        };
                        self.write_str(&s);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i != chars.len() - 1 {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints.
        let chars: Vec<char> = value.chars().collect();
        if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
            self.write_indicator("2", false, false, false);
        }
        self.open_ended = false;
        let chomp = match chars.len() {
            0 => Some("-"),
            n => {
                if !is_break(chars[n - 1]) {
                    Some("-")
                } else if n == 1 || is_break(chars[n - 2]) {
                    Some("+")
                } else {
                    None
                }
            }
        };
        if let Some(h) = chomp {
            self.write_indicator(h, false, false, false);
            if h == "+" {
                self.open_ended = true;
            }
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                    breaks = false;
                }
                self.put(c);
                self.indention = false;
            }
        }
    }
}

/// Helm's `toYaml`: `None` where Helm's returns an empty string (values JSON cannot encode).
pub fn to_yaml(v: &Value) -> Option<String> {
    let y = round_trip(v, 0)?;
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        open_ended: false,
    };
    e.node(&y, true, false, false, false);
    // Document end (implicit); yaml.v2 writes no `...` at the stream end.
    e.write_indent();
    let mut out = e.out;
    if out.ends_with('\n') {
        out.pop();
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// TOML (BurntSushi/toml 1.2.0's Encoder).

fn toml_key_part(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        toml_quote(k)
    }
}

fn toml_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_table(v: &Value) -> bool {
    match v {
        Value::Map(_) => true,
        Value::List(l) => !l.is_empty() && l.iter().all(|x| matches!(x, Value::Map(_))),
        _ => false,
    }
}

struct Toml {
    out: String,
    written: bool,
    level: usize,
}

impl Toml {
    fn wf(&mut self, s: &str) {
        self.out.push_str(s);
        self.written = true;
    }
    fn newline(&mut self) {
        if self.written {
            self.wf("\n");
        }
    }
    fn key_str(key: &[String]) -> String {
        key.iter().map(|k| toml_key_part(k)).collect::<Vec<_>>().join(".")
    }
    fn indent(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn element(&mut self, v: &Value) -> Result<(), String> {
        self.level += 1;
        if self.level > MAX_DEPTH {
            return Err("toml: value nested too deeply (a cycle?)".into());
        }
        let r = self.element_inner(v);
        self.level -= 1;
        r
    }

    fn element_inner(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::Bool(b) => self.wf(if *b { "true" } else { "false" }),
            Value::Int(i) => self.wf(&i.to_string()),
            Value::Uint(u) => self.wf(&u.to_string()),
            Value::Uint8(u) => self.wf(&u.to_string()),
            Value::Float(f) => {
                if f.is_nan() {
                    self.wf("nan");
                } else if f.is_infinite() {
                    self.wf(if *f < 0.0 { "-inf" } else { "+inf" });
                } else {
                    let mut s = format_float(*f, 'f', -1);
                    if !s.contains('.') {
                        s.push_str(".0");
                    }
                    self.wf(&s);
                }
            }
            Value::String(s) => self.wf(&toml_quote(s)),
            Value::List(l) => {
                self.wf("[");
                for (i, item) in l.iter().enumerate() {
                    if matches!(item, Value::Nil) {
                        return Err("toml: cannot encode array with nil element".into());
                    }
                    self.element(item)?;
                    if i + 1 != l.len() {
                        self.wf(", ");
                    }
                }
                self.wf("]");
            }
            Value::Map(m) => self.map(&[], &m.borrow(), true)?,
            Value::Nil => return Err("toml: cannot encode a nil value".into()),
            Value::Object(o) => self.wf(&toml_quote(&o.format_v())),
        }
        Ok(())
    }

    fn map(&mut self, key: &[String], m: &BTreeMap<String, Value>, inline: bool) -> Result<(), String> {
        let direct: Vec<(&String, &Value)> = m.iter().filter(|(_, v)| !is_table(v)).collect();
        let sub: Vec<(&String, &Value)> = m.iter().filter(|(_, v)| is_table(v)).collect();
        if inline {
            self.wf("{");
        }
        let groups = [(direct, true), (sub, false)];
        let has_sub = !groups[1].0.is_empty();
        for (entries, is_direct) in groups {
            let n = entries.len();
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if matches!(v, Value::Nil) {
                    continue;
                }
                if inline {
                    self.wf(&format!("{} = ", toml_key_part(k)));
                    self.element(v)?;
                    if (is_direct && has_sub) || i + 1 != n {
                        self.wf(", ");
                    }
                } else {
                    let mut full = key.to_vec();
                    full.push(k.clone());
                    self.encode(&full, v)?;
                }
            }
        }
        if inline {
            self.wf("}");
        }
        Ok(())
    }

    fn encode(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        if key.len() > MAX_DEPTH {
            return Err("toml: value nested too deeply (a cycle?)".into());
        }
        match v {
            Value::Nil => Ok(()),
            Value::Map(m) => {
                if key.len() == 1 {
                    self.newline();
                }
                if !key.is_empty() {
                    self.wf(&format!("{}[{}]", Self::indent(key), Self::key_str(key)));
                    self.newline();
                }
                self.map(key, &m.borrow(), false)
            }
            Value::List(l) if is_table(v) => {
                for item in l.iter() {
                    let Value::Map(m) = item else { continue };
                    self.newline();
                    self.wf(&format!("{}[[{}]]", Self::indent(key), Self::key_str(key)));
                    self.newline();
                    self.map(key, &m.borrow(), false)?;
                }
                Ok(())
            }
            _ => {
                let last = key.last().map(|k| toml_key_part(k)).unwrap_or_default();
                self.wf(&format!("{}{} = ", Self::indent(key), last));
                self.element(v)?;
                self.newline();
                Ok(())
            }
        }
    }
}

/// Helm's `toToml`: the encoded document, or the encoder's error message.
pub fn to_toml(v: &Value) -> Result<String, FuncError> {
    let mut t = Toml { out: String::new(), written: false, level: 0 };
    let result = match v {
        Value::Map(m) => t.map(&[], &m.borrow(), false),
        // Go panics (text/template reports it as the function's error).
        Value::Nil => return Err(FuncError::Call("reflect: call of reflect.Value.Type on zero Value".into())),
        _ => Err("toml: top-level values must be Go maps or structs".into()),
    };
    Ok(match result {
        Ok(()) => t.out,
        Err(e) => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars() {
        let m = |e: &[(&str, Value)]| Value::map(e.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect());
        let v = m(&[
            ("a", Value::Float(1e6)),
            ("b", Value::string("yes")),
            ("c", Value::list(vec![Value::Float(1.5), Value::string("x\ny")])),
            ("d", Value::Nil),
        ]);
        assert_eq!(to_yaml(&v).unwrap(), "a: 1000000\nb: \"yes\"\nc:\n- 1.5\n- |-\n  x\n  y\nd: null");
    }

    #[test]
    fn a_map_that_contains_itself_does_not_overflow_the_stack() {
        let f = helm_funcs_with(SprigOptions { seed: Some(1), now: None });
        let render = |f: &gotemplate::Funcs, text: &str, data: &Value| -> Result<String, String> {
            let t = gotemplate::Template::new("t").funcs(f);
            t.parse(text).map_err(|e| e.to_string())?;
            t.execute_to_string(data).map_err(|e| e.to_string())
        };
        let out = render(
            &f,
            "{{ $d := dict \"a\" 1 }}{{ $_ := set $d \"self\" $d }}{{ toYaml $d }}|{{ toJson $d }}|{{ deepEqual $d $d }}\
             {{ $c := deepCopy $d }}{{ $_ := merge $d $d }}{{ $_ := mergeOverwrite (dict \"self\" (dict)) $d }}",
            &Value::Nil,
        )
        .unwrap();
        assert_eq!(out, "||true");
    }
}
