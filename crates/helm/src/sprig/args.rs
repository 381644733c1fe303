//! Go's argument conversion for typed parameters (text/template's `validateType`), and the
//! conversions Sprig uses (`strval`, `strslice`, spf13/cast 1.5.0).

use gotemplate::value::MapRef;
use gotemplate::{CallContext, FuncError, Value};

/// The result of a Sprig function.
pub type R = Result<Value, FuncError>;

fn wrong(want: &str, a: &[Value], i: usize) -> FuncError {
    let got = match a.get(i) {
        Some(Value::Nil) | None => "interface {}".to_string(),
        Some(other) => other.type_name(),
    };
    FuncError::Arg(i, format!("wrong type for value; expected {want}; got {got}"))
}

/// The `string` parameter `i` (a nil interface is a type error, as in Go).
pub fn string(a: &[Value], i: usize) -> Result<&str, FuncError> {
    match a.get(i) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(wrong("string", a, i)),
    }
}

/// The `int` parameter `i`.
pub fn int(a: &[Value], i: usize) -> Result<i64, FuncError> {
    match a.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        _ => Err(wrong("int", a, i)),
    }
}

/// The `bool` parameter `i`.
pub fn boolean(a: &[Value], i: usize) -> Result<bool, FuncError> {
    match a.get(i) {
        Some(Value::Bool(b)) => Ok(*b),
        _ => Err(wrong("bool", a, i)),
    }
}

/// The `map[string]interface{}` parameter `i`: `None` is the nil map, which Go makes of an
/// invalid value (a piped nil, `missingkey=default`); a nil `interface{}` (a null or missing
/// value under Helm's `missingkey=zero`) is a type error, as in Go.
pub fn map(c: &CallContext<'_>, a: &[Value], i: usize) -> Result<Option<MapRef>, FuncError> {
    match a.get(i) {
        Some(Value::Map(m)) => Ok(Some(m.clone())),
        Some(Value::Nil) if c.arg_is_invalid(i) => Ok(None),
        _ => Err(wrong("map[string]interface {}", a, i)),
    }
}

/// Go's `panic(err)` inside a function, as text/template reports it.
pub fn panic(msg: impl Into<String>) -> FuncError {
    FuncError::Call(msg.into())
}

/// Go's message for a failed `x.(T)` on an `interface{}`.
pub fn conversion(v: &Value, want: &str) -> FuncError {
    let got = match v {
        Value::Nil => "nil".to_string(),
        other => other.type_name(),
    };
    panic(format!("interface conversion: interface {{}} is {got}, not {want}"))
}

/// The nil-pointer panic of `reflect.TypeOf(nil).Kind()`.
pub fn nil_deref() -> FuncError {
    panic("runtime error: invalid memory address or nil pointer dereference")
}

/// Sprig's `strval`: strings as they are, everything else with `%v`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Object(o) => o.format_v(),
        other => gotemplate::fmt::format_v(other),
    }
}

/// Sprig's `strslice`.
pub fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().filter(|x| !matches!(x, Value::Nil)).map(strval).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// reflect's `Kind().String()` for a value (`invalid` for nil).
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint64",
        Value::Uint8(_) => "uint8",
        Value::Float(_) => "float64",
        Value::String(_) => "string",
        Value::List(_) => "slice",
        Value::Map(_) => "map",
        Value::Object(_) => "ptr",
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub fn parse_int_base0(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r.to_string())
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r.to_string())
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    // Underscores: Go's underscoreOK on the whole literal, then dropped.
    let digits = if digits.contains('_') {
        if !gotemplate::parse::underscore_ok(body) {
            return None;
        }
        digits.replace('_', "")
    } else {
        digits
    };
    if digits.is_empty() {
        // "0x" alone is an error; "0" handled as base 10 above.
        return None;
    }
    let mag = u64::from_str_radix(&digits, radix).ok()?;
    if neg {
        if mag > 1u64 << 63 {
            return None;
        }
        Some((mag as i64).wrapping_neg())
    } else {
        i64::try_from(mag).ok()
    }
}

/// cast's `trimZeroDecimal`.
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's `int64(f)` on amd64 (out of range and NaN give the minimum).
pub fn f64_to_i64(f: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) { i64::MIN } else { f as i64 }
}

/// spf13/cast 1.5.0 `ToInt64` (errors give 0).
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Uint(u) => *u as i64,
        Value::Uint8(u) => i64::from(*u),
        Value::Float(f) => f64_to_i64(*f),
        Value::String(s) => parse_int_base0(trim_zero_decimal(s)).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// spf13/cast 1.5.0 `ToFloat64` (errors give 0).
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Uint(u) => *u as f64,
        Value::Uint8(u) => f64::from(*u),
        Value::Float(f) => *f,
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the common forms (decimal, exponent, inf/nan; hex
/// floats and underscores are not accepted).
pub fn parse_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    match body {
        "inf" | "infinity" => return Some(if lower.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        "nan" => return (lower == "nan").then_some(f64::NAN),
        _ => {}
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => Some(f),
        _ => None,
    }
}
