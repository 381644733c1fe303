//! Sprig 3.2.3's template functions (Debian's, the Go oracle's), with Sprig's semantics and Go's
//! formatting, as closures in a [`gotemplate::Funcs`] registry ([`sprig_funcs`]).
//!
//! Arguments are checked as Go's text/template checks a typed parameter (`wrong type for value;
//! expected string; got int`); a Go panic inside a Sprig function is an `error calling NAME:
//! ...` as text/template reports it. Numbers follow spf13/cast 1.5.0 (`int "010"` is 8, base
//! prefixes, `"1.0"` trimmed), merges follow mergo 0.3.12, semver follows Masterminds/semver
//! 3.2.0 ([`semver`]).
//!
//! Randomness and time are injectable ([`SprigOptions`]): `randAlphaNum`, `randAlpha`,
//! `randNumeric`, `randAscii`, `randInt`, `randBytes`, `shuffle` and `uuidv4` draw from one
//! generator (splitmix64, not cryptographic) seeded by
//! `SprigOptions::seed` (a fixed seed makes two renders identical; without one, the seed comes
//! from the clock and the process id); `now` returns `SprigOptions::now` when set, and `ago` and
//! `durationRound` of a time measure from it.
//!
//! Known differences from Go (by design or by the value model):
//! - `keys` and `values` return keys in sorted order; Go's order is random (charts sort with
//!   `sortAlpha`).
//! - Results typed `int64`/`[]string`/`[]int` in Go are `int`/`[]interface {}` here, which only
//!   `typeOf`/`%T` can tell apart.
//! - Regular expressions use the `regex` crate: RE2 syntax, but `\s`, `\w`, `\d` and `\b` are
//!   Unicode-aware there and ASCII in Go; `(?U)` and a few Perl classes differ.
//! - Time zones: `date`/`dateInZone` know UTC (and `Local`, taken as UTC, the oracle's zone) only;
//!   any other zone name falls back to UTC, as Go does for a zone it cannot load. `toDate` parses
//!   in `Local` as UTC: an offset other than zero, or an abbreviation other than `UTC`, gives a
//!   fixed zone as Go's does when `Local` is UTC ([`date`]).
//! - `duration` and `durationRound` take an integer as Go's `int64` (seconds, nanoseconds): Go
//!   gives `0s` for an `int` (a literal `duration 95`, `len`, `int`) and the value for an `int64`
//!   (`int64`, `add`, `mul`, ...); this value model has one integer type.
//! - `now` has no monotonic clock reading, so `{{ now }}` prints without Go's `m=+0.000...`.
//! - `urlParse`/`urlJoin` keep Go's bytes until a value is made: a `%`-escape that decodes to
//!   invalid UTF-8 becomes U+FFFD.
//! - A map that contains itself (`set $d "k" $d`) is cut at 256 levels by `deepCopy`,
//!   `deepEqual`, `merge` (Go recurses until the stack overflows).
//! - The crypto functions (`genCA`, `genSignedCert`, `genPrivateKey`, `bcrypt`, `derivePassword`,
//!   `encryptAES`, ...) are in [`crypto`]; their differences from Go are listed there.
//! - Not implemented:
//!   `getHostByName` (it needs DNS), `env`/`expandenv` (Helm removes them). A template calling
//!   one fails to parse (`function "getHostByName" not defined`), so a chart that needs one says
//!   so instead of rendering something else.
//!
//! Every other function of Sprig 3.2.3's `TxtFuncMap` is here, and
//! `tests/functions-corpus` compares each against Go (with typical, edge and nil arguments).

pub mod args;
pub mod crypto;
mod decimal;
pub mod semver;
mod url;
mod xstrings;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use gotemplate::{Arity, CallContext, FuncError, Funcs, Value};

use args::{R, boolean, int, kind, map, panic, strslice, strval, to_float64, to_int64};

/// Injected randomness and clock.
#[derive(Clone, Debug, Default)]
pub struct SprigOptions {
    /// Seed of `rand*`, `shuffle` and `uuidv4`; `None`: from the clock.
    pub seed: Option<u64>,
    /// `now`, as Unix seconds and nanoseconds (UTC); `None`: the system clock.
    pub now: Option<(i64, u32)>,
}

/// Sprig's functions with a clock-seeded generator and the system clock.
pub fn sprig_funcs() -> Funcs {
    sprig_funcs_with(SprigOptions::default())
}

struct Rng(Cell<u64>);

impl Rng {
    fn next(&self) -> u64 {
        // splitmix64
        let s = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn sv(s: impl Into<String>) -> Value {
    Value::string(s.into())
}

fn list_of_strings(v: Vec<String>) -> Value {
    Value::list(v.into_iter().map(Value::from).collect())
}

/// Sprig's `empty`.
pub fn empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Object(_) => false,
        other => !other.truthy(),
    }
}

fn is_separator(r: char) -> bool {
    if r.is_ascii() {
        return !(r.is_ascii_alphanumeric() || r == '_');
    }
    if r.is_alphanumeric() {
        return false;
    }
    r.is_whitespace()
}

/// Go's `strings.Title`.
fn go_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        if is_separator(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn bytes_to_string(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn list_arg<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], FuncError> {
    match v {
        Value::List(l) => Ok(l),
        Value::Nil => Err(args::nil_deref()),
        other => Err(panic(format!("Cannot {what} on type {}", kind(other)))),
    }
}

fn go_eq(a: &Value, b: &Value) -> bool {
    go_eq_at(a, b, 0)
}

/// Nesting past this is a map that contains itself (`set $d "k" $d`): Go's recursion would not
/// end either; here the comparison, copy or merge stops.
const MAX_DEPTH: usize = 256;

fn go_eq_at(a: &Value, b: &Value, level: usize) -> bool {
    if level > MAX_DEPTH {
        return false;
    }
    // reflect.DeepEqual on interface{} values.
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Uint(x), Value::Uint(y)) => x == y,
        (Value::Uint8(x), Value::Uint8(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| go_eq_at(a, b, level + 1))
        }
        (Value::Map(x), Value::Map(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| go_eq_at(v, w, level + 1)))
        }
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
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

/// mergo 0.3.12's `deepMerge` of two `map[string]interface{}` (see the module docs).
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

fn regex(pat: &str) -> Result<regex::Regex, FuncError> {
    regex::Regex::new(pat).map_err(|e| panic(format!("regexp: Compile({}): {e}", gotemplate::fmt::quote(pat))))
}

fn go_trim_space(s: &str) -> &str {
    s.trim_matches(|c: char| {
        matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}')
            || (c.is_whitespace() && c != '\u{200b}')
    })
}

fn until_step(start: i64, stop: i64, step: i64) -> Vec<Value> {
    let mut v = Vec::new();
    if step == 0 {
        return v;
    }
    let mut i = start;
    if step > 0 {
        while i < stop {
            v.push(Value::Int(i));
            match i.checked_add(step) {
                Some(n) if v.len() < 10_000_000 => i = n,
                _ => break,
            }
        }
    } else {
        while i > stop {
            v.push(Value::Int(i));
            match i.checked_add(step) {
                Some(n) if v.len() < 10_000_000 => i = n,
                _ => break,
            }
        }
    }
    v
}

fn seq(params: &[i64]) -> String {
    let join = |v: Vec<Value>| v.iter().map(strval).collect::<Vec<_>>().join(" ");
    match params {
        [] => String::new(),
        [end] => {
            let start = 1;
            if *end < start {
                join(until_step(start, end.wrapping_sub(1), -1))
            } else {
                join(until_step(start, end.wrapping_add(1), 1))
            }
        }
        [start, end] => {
            if end < start {
                join(until_step(*start, end.wrapping_sub(1), -1))
            } else {
                join(until_step(*start, end.wrapping_add(1), 1))
            }
        }
        [start, step, end] => {
            if end < start {
                if *step >= 0 {
                    return String::new();
                }
                join(until_step(*start, end.wrapping_sub(1), *step))
            } else {
                if *step <= 0 {
                    return String::new();
                }
                join(until_step(*start, end.wrapping_add(1), *step))
            }
        }
        _ => String::new(),
    }
}

fn go_round(a: f64, p: i64, r_opt: f64) -> f64 {
    let round_on = r_opt;
    let pow = 10f64.powi(p as i32);
    let digit = pow * a;
    let (_, div) = (digit.trunc(), digit.fract());
    let round = if div >= round_on { digit.ceil() } else { digit.floor() };
    round / pow
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn rand_string(rng: &Rng, count: i64, set: &[u8]) -> Result<String, FuncError> {
    if count < 0 {
        return Err(FuncError::Call(format!("Requested random string length {count} is less than 0.")));
    }
    Ok((0..count).map(|_| set[rng.below(set.len())] as char).collect())
}

/// Every Sprig function this crate implements, with the given randomness and clock.
pub fn sprig_funcs_with(opts: SprigOptions) -> Funcs {
    let seed = opts.seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64);
        t.unwrap_or(0) ^ (u64::from(std::process::id()) << 32)
    });
    let rng = Rc::new(Rng(Cell::new(seed)));
    let mut f = Funcs::new();
    let ex = Arity::Exact;
    let al = Arity::AtLeast;
    crypto::register(&mut f, &opts);

    // --- strings
    f.insert_with_arity("trim", ex(1), |_, a| Ok(sv(go_trim_space(args::string(a, 0)?))));
    f.insert_with_arity("upper", ex(1), |_, a| Ok(sv(go_upper(args::string(a, 0)?))));
    f.insert_with_arity("lower", ex(1), |_, a| Ok(sv(go_lower(args::string(a, 0)?))));
    f.insert_with_arity("title", ex(1), |_, a| Ok(sv(go_title(args::string(a, 0)?))));
    f.insert_with_arity("untitle", ex(1), |_, a| {
        let s = args::string(a, 0)?;
        let mut out = String::new();
        let mut prev_space = true;
        for c in s.chars() {
            if prev_space && c.is_uppercase() {
                out.extend(c.to_lowercase())
            } else {
                out.push(c)
            }
            prev_space = c.is_whitespace();
        }
        Ok(sv(out))
    });
    f.insert_with_arity("trimAll", ex(2), |_, a| {
        let cut = args::string(a, 0)?;
        Ok(sv(args::string(a, 1)?.trim_matches(|c| cut.contains(c))))
    });
    f.insert_with_arity("trimall", ex(2), |_, a| {
        let cut = args::string(a, 0)?;
        Ok(sv(args::string(a, 1)?.trim_matches(|c| cut.contains(c))))
    });
    f.insert_with_arity("trimSuffix", ex(2), |_, a| {
        let suf = args::string(a, 0)?;
        let s = args::string(a, 1)?;
        Ok(sv(s.strip_suffix(suf).unwrap_or(s)))
    });
    f.insert_with_arity("trimPrefix", ex(2), |_, a| {
        let p = args::string(a, 0)?;
        let s = args::string(a, 1)?;
        Ok(sv(s.strip_prefix(p).unwrap_or(s)))
    });
    f.insert_with_arity("nospace", ex(1), |_, a| {
        Ok(sv(args::string(a, 0)?.chars().filter(|c| !c.is_whitespace()).collect::<String>()))
    });
    f.insert_with_arity("trunc", ex(2), |_, a| {
        let c = int(a, 0)?;
        let s = args::string(a, 1)?;
        let b = s.as_bytes();
        let len = b.len() as i64;
        Ok(sv(if c < 0 && len + c > 0 {
            bytes_to_string(&b[(len + c) as usize..])
        } else if c >= 0 && len > c {
            bytes_to_string(&b[..c as usize])
        } else {
            s.to_string()
        }))
    });
    f.insert_with_arity("substr", ex(3), |_, a| {
        let start = int(a, 0)?;
        let end = int(a, 1)?;
        let s = args::string(a, 2)?;
        let b = s.as_bytes();
        let len = b.len() as i64;
        let oob = |i: i64| panic(format!("runtime error: slice bounds out of range [:{i}] with length {len}"));
        if start < 0 {
            if end < 0 || end > len {
                return Err(oob(end));
            }
            return Ok(sv(bytes_to_string(&b[..end as usize])));
        }
        if end < 0 || end > len {
            if start > len {
                return Err(panic(format!("runtime error: slice bounds out of range [{start}:{len}]")));
            }
            return Ok(sv(bytes_to_string(&b[start as usize..])));
        }
        if start > end {
            return Err(panic(format!("runtime error: slice bounds out of range [{start}:{end}]")));
        }
        Ok(sv(bytes_to_string(&b[start as usize..end as usize])))
    });
    f.insert_with_arity("repeat", ex(2), |_, a| {
        let n = int(a, 0)?;
        let s = args::string(a, 1)?;
        if n < 0 {
            return Err(panic("strings: negative Repeat count"));
        }
        if (s.len() as u128) * (n as u128) > 64 << 20 {
            return Err(panic("strings: Repeat output length overflow"));
        }
        Ok(sv(s.repeat(n as usize)))
    });
    f.insert_with_arity("contains", ex(2), |_, a| {
        let sub = args::string(a, 0)?;
        Ok(Value::Bool(args::string(a, 1)?.contains(sub)))
    });
    f.insert_with_arity("hasPrefix", ex(2), |_, a| {
        let sub = args::string(a, 0)?;
        Ok(Value::Bool(args::string(a, 1)?.starts_with(sub)))
    });
    f.insert_with_arity("hasSuffix", ex(2), |_, a| {
        let sub = args::string(a, 0)?;
        Ok(Value::Bool(args::string(a, 1)?.ends_with(sub)))
    });
    f.insert("quote", |_, a| {
        let parts: Vec<String> =
            a.iter().filter(|v| !matches!(v, Value::Nil)).map(|v| gotemplate::fmt::quote(&strval(v))).collect();
        Ok(sv(parts.join(" ")))
    });
    f.insert("squote", |_, a| {
        let parts: Vec<String> =
            a.iter().filter(|v| !matches!(v, Value::Nil)).map(|v| format!("'{}'", strval(v))).collect();
        Ok(sv(parts.join(" ")))
    });
    f.insert("cat", |_, a| {
        let parts: Vec<String> = a.iter().filter(|v| !matches!(v, Value::Nil)).map(gotemplate::fmt::format_v).collect();
        Ok(sv(parts.join(" ")))
    });
    f.insert_with_arity("indent", ex(2), |_, a| {
        let n = int(a, 0)?;
        let s = args::string(a, 1)?;
        let pad = " ".repeat(n.clamp(0, 1 << 20) as usize);
        if n < 0 {
            return Err(panic("strings: negative Repeat count"));
        }
        Ok(sv(format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))))
    });
    f.insert_with_arity("nindent", ex(2), |_, a| {
        let n = int(a, 0)?;
        let s = args::string(a, 1)?;
        if n < 0 {
            return Err(panic("strings: negative Repeat count"));
        }
        let pad = " ".repeat(n.clamp(0, 1 << 20) as usize);
        Ok(sv(format!("\n{pad}{}", s.replace('\n', &format!("\n{pad}")))))
    });
    f.insert_with_arity("replace", ex(3), |_, a| {
        let old = args::string(a, 0)?;
        let new = args::string(a, 1)?;
        let s = args::string(a, 2)?;
        if old.is_empty() {
            // Go inserts `new` before every rune and at the end.
            let mut out = String::new();
            for c in s.chars() {
                out.push_str(new);
                out.push(c);
            }
            out.push_str(new);
            return Ok(sv(out));
        }
        Ok(sv(s.replace(old, new)))
    });
    f.insert_with_arity("plural", ex(3), |_, a| {
        let one = args::string(a, 0)?;
        let many = args::string(a, 1)?;
        let n = int(a, 2)?;
        Ok(sv(if n == 1 { one } else { many }))
    });
    f.insert_with_arity("sha256sum", ex(1), |_, a| {
        use sha2::Digest;
        Ok(sv(hex::encode(sha2::Sha256::digest(args::string(a, 0)?.as_bytes()))))
    });
    f.insert_with_arity("sha1sum", ex(1), |_, a| {
        use sha1::Digest;
        Ok(sv(hex::encode(sha1::Sha1::digest(args::string(a, 0)?.as_bytes()))))
    });
    f.insert_with_arity("adler32sum", ex(1), |_, a| {
        let (mut s1, mut s2) = (1u32, 0u32);
        for b in args::string(a, 0)?.bytes() {
            s1 = (s1 + u32::from(b)) % 65521;
            s2 = (s2 + s1) % 65521;
        }
        Ok(sv(((s2 << 16) | s1).to_string()))
    });
    f.insert_with_arity("toString", ex(1), |_, a| Ok(sv(strval(&a[0]))));
    f.insert_with_arity("toStrings", ex(1), |_, a| Ok(list_of_strings(strslice(&a[0]))));
    f.insert_with_arity("atoi", ex(1), |_, a| {
        let s = args::string(a, 0)?;
        let body = s.strip_prefix(['+', '-']).unwrap_or(s);
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Value::Int(0));
        }
        Ok(Value::Int(s.parse::<i64>().unwrap_or(0)))
    });
    f.insert_with_arity("int", ex(1), |_, a| Ok(Value::Int(to_int64(&a[0]))));
    f.insert_with_arity("int64", ex(1), |_, a| Ok(Value::Int(to_int64(&a[0]))));
    f.insert_with_arity("float64", ex(1), |_, a| Ok(Value::Float(to_float64(&a[0]))));
    f.insert_with_arity("split", ex(2), |_, a| {
        let sep = args::string(a, 0)?;
        let s = args::string(a, 1)?;
        let parts = go_split(s, sep);
        Ok(Value::map(parts.into_iter().enumerate().map(|(i, p)| (format!("_{i}"), sv(p))).collect()))
    });
    f.insert_with_arity("splitList", ex(2), |_, a| {
        let sep = args::string(a, 0)?;
        let s = args::string(a, 1)?;
        Ok(list_of_strings(go_split(s, sep)))
    });
    f.insert_with_arity("splitn", ex(3), |_, a| {
        let sep = args::string(a, 0)?;
        let n = int(a, 1)?;
        let s = args::string(a, 2)?;
        let mut parts = go_split(s, sep);
        if n == 0 {
            parts.clear();
        } else if n > 0 && parts.len() > n as usize {
            let rest = parts[n as usize - 1..].join(sep);
            parts.truncate(n as usize - 1);
            parts.push(rest);
        }
        Ok(Value::map(parts.into_iter().enumerate().map(|(i, p)| (format!("_{i}"), sv(p))).collect()))
    });
    f.insert_with_arity("join", ex(2), |_, a| {
        let sep = args::string(a, 0)?;
        Ok(sv(strslice(&a[1]).join(sep)))
    });
    f.insert_with_arity("sortAlpha", ex(1), |_, a| {
        let mut v = match &a[0] {
            Value::List(_) => strslice(&a[0]),
            other => vec![strval(other)],
        };
        v.sort();
        Ok(list_of_strings(v))
    });
    f.insert_with_arity("until", ex(1), |_, a| {
        let n = int(a, 0)?;
        Ok(Value::list(if n < 0 { until_step(0, n, -1) } else { until_step(0, n, 1) }))
    });
    f.insert_with_arity("untilStep", ex(3), |_, a| Ok(Value::list(until_step(int(a, 0)?, int(a, 1)?, int(a, 2)?))));
    f.insert("seq", |_, a| {
        let p = (0..a.len()).map(|i| int(a, i)).collect::<Result<Vec<_>, _>>()?;
        Ok(sv(seq(&p)))
    });

    // --- numbers
    f.insert_with_arity("add1", ex(1), |_, a| Ok(Value::Int(to_int64(&a[0]).wrapping_add(1))));
    f.insert("add", |_, a| Ok(Value::Int(a.iter().fold(0i64, |s, v| s.wrapping_add(to_int64(v))))));
    f.insert_with_arity("sub", ex(2), |_, a| Ok(Value::Int(to_int64(&a[0]).wrapping_sub(to_int64(&a[1])))));
    f.insert_with_arity("div", ex(2), |_, a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(panic("runtime error: integer divide by zero"));
        }
        Ok(Value::Int(to_int64(&a[0]).wrapping_div(d)))
    });
    f.insert_with_arity("mod", ex(2), |_, a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(panic("runtime error: integer divide by zero"));
        }
        Ok(Value::Int(to_int64(&a[0]).wrapping_rem(d)))
    });
    f.insert_with_arity("mul", al(1), |_, a| {
        Ok(Value::Int(a[1..].iter().fold(to_int64(&a[0]), |s, v| s.wrapping_mul(to_int64(v)))))
    });
    f.insert_with_arity("max", al(1), |_, a| Ok(Value::Int(a.iter().map(to_int64).max().unwrap_or(0))));
    f.insert_with_arity("biggest", al(1), |_, a| Ok(Value::Int(a.iter().map(to_int64).max().unwrap_or(0))));
    f.insert_with_arity("min", al(1), |_, a| Ok(Value::Int(a.iter().map(to_int64).min().unwrap_or(0))));
    f.insert_with_arity("maxf", al(1), |_, a| Ok(Value::Float(a.iter().map(to_float64).fold(f64::NAN, go_max))));
    f.insert_with_arity("minf", al(1), |_, a| Ok(Value::Float(a.iter().map(to_float64).fold(f64::NAN, go_min))));
    f.insert_with_arity("ceil", ex(1), |_, a| Ok(Value::Float(to_float64(&a[0]).ceil())));
    f.insert_with_arity("floor", ex(1), |_, a| Ok(Value::Float(to_float64(&a[0]).floor())));
    f.insert_with_arity("round", al(2), |_, a| {
        let p = int(a, 1)?;
        let r = match a.get(2) {
            Some(Value::Float(r)) => *r,
            Some(Value::Int(r)) => *r as f64,
            Some(other) => {
                return Err(FuncError::Exec(format!(
                    "wrong type for value; expected float64; got {}",
                    other.type_name()
                )));
            }
            None => 0.5,
        };
        Ok(Value::Float(go_round(to_float64(&a[0]), p, r)))
    });

    // --- defaults and flow
    f.insert_with_arity("default", al(1), |_, a| {
        Ok(match a.get(1) {
            Some(g) if !empty(g) && a.len() >= 2 => g.clone(),
            _ => a[0].clone(),
        })
    });
    f.insert_with_arity("empty", ex(1), |_, a| Ok(Value::Bool(empty(&a[0]))));
    f.insert("coalesce", |_, a| Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil)));
    f.insert("all", |_, a| Ok(Value::Bool(a.iter().all(|v| !empty(v)))));
    f.insert("any", |_, a| Ok(Value::Bool(a.iter().any(|v| !empty(v)))));
    f.insert_with_arity("ternary", ex(3), |_, a| Ok(if boolean(a, 2)? { a[0].clone() } else { a[1].clone() }));
    f.insert_with_arity("deepCopy", ex(1), |_, a| {
        if matches!(a[0], Value::Nil) {
            return Err(panic("reflect: call of reflect.Value.Type on zero Value"));
        }
        Ok(deep_copy(&a[0]))
    });
    f.insert_with_arity("fail", ex(1), |_, a| Err(FuncError::Call(args::string(a, 0)?.to_string())));

    // --- reflection
    f.insert_with_arity("typeOf", ex(1), |_, a| Ok(sv(a[0].type_name())));
    f.insert_with_arity("typeIs", ex(2), |_, a| Ok(Value::Bool(args::string(a, 0)? == a[1].type_name())));
    f.insert_with_arity("typeIsLike", ex(2), |_, a| {
        let t = args::string(a, 0)?;
        let n = a[1].type_name();
        Ok(Value::Bool(t == n || format!("*{n}") == t))
    });
    f.insert_with_arity("kindOf", ex(1), |_, a| Ok(sv(kind(&a[0]))));
    f.insert_with_arity("kindIs", ex(2), |_, a| Ok(Value::Bool(args::string(a, 0)? == kind(&a[1]))));
    f.insert_with_arity("deepEqual", ex(2), |_, a| Ok(Value::Bool(go_eq(&a[0], &a[1]))));

    // --- paths
    f.insert_with_arity("base", ex(1), |_, a| Ok(sv(path_base(args::string(a, 0)?))));
    f.insert_with_arity("dir", ex(1), |_, a| Ok(sv(path_dir(args::string(a, 0)?))));
    f.insert_with_arity("clean", ex(1), |_, a| Ok(sv(path_clean(args::string(a, 0)?))));
    f.insert_with_arity("ext", ex(1), |_, a| {
        let p = args::string(a, 0)?;
        let base_start = p.rfind('/').map_or(0, |i| i + 1);
        Ok(sv(p[base_start..].rfind('.').map_or("", |i| &p[base_start + i..])))
    });
    f.insert_with_arity("isAbs", ex(1), |_, a| Ok(Value::Bool(args::string(a, 0)?.starts_with('/'))));

    // --- encoding
    f.insert_with_arity("b64enc", ex(1), |_, a| {
        use base64::Engine;
        Ok(sv(base64::engine::general_purpose::STANDARD.encode(args::string(a, 0)?)))
    });
    f.insert_with_arity("b64dec", ex(1), |_, a| Ok(sv(b64dec(args::string(a, 0)?))));

    // --- lists
    f.insert("list", |_, a| Ok(Value::list(a.to_vec())));
    f.insert("tuple", |_, a| Ok(Value::list(a.to_vec())));
    for name in ["append", "push"] {
        f.insert_with_arity(name, ex(2), |_, a| {
            let mut l = list_arg(&a[0], "push")?.to_vec();
            l.push(a[1].clone());
            Ok(Value::list(l))
        });
    }
    f.insert_with_arity("prepend", ex(2), |_, a| {
        let mut l = vec![a[1].clone()];
        l.extend(list_arg(&a[0], "prepend")?.iter().cloned());
        Ok(Value::list(l))
    });
    f.insert_with_arity("first", ex(1), |_, a| {
        Ok(list_arg(&a[0], "find first")?.first().cloned().unwrap_or(Value::Nil))
    });
    f.insert_with_arity("last", ex(1), |_, a| Ok(list_arg(&a[0], "find last")?.last().cloned().unwrap_or(Value::Nil)));
    f.insert_with_arity("rest", ex(1), |_, a| {
        let l = list_arg(&a[0], "find rest")?;
        Ok(Value::list(l.get(1..).unwrap_or_default().to_vec()))
    });
    f.insert_with_arity("initial", ex(1), |_, a| {
        let l = list_arg(&a[0], "find initial")?;
        Ok(Value::list(l.get(..l.len().saturating_sub(1)).unwrap_or_default().to_vec()))
    });
    f.insert_with_arity("reverse", ex(1), |_, a| {
        let mut l = list_arg(&a[0], "find reverse")?.to_vec();
        l.reverse();
        Ok(Value::list(l))
    });
    f.insert_with_arity("compact", ex(1), |_, a| {
        let l = list_arg(&a[0], "compact")?;
        Ok(Value::list(l.iter().filter(|v| !empty(v)).cloned().collect()))
    });
    f.insert_with_arity("uniq", ex(1), |_, a| {
        let l = list_arg(&a[0], "find uniq")?;
        let mut out: Vec<Value> = Vec::new();
        for v in l {
            if !out.iter().any(|o| go_eq(o, v)) {
                out.push(v.clone());
            }
        }
        Ok(Value::list(out))
    });
    f.insert_with_arity("without", al(1), |_, a| {
        let l = list_arg(&a[0], "find without")?;
        Ok(Value::list(l.iter().filter(|v| !a[1..].iter().any(|o| go_eq(o, v))).cloned().collect()))
    });
    f.insert_with_arity("has", ex(2), |_, a| match &a[1] {
        Value::Nil => Ok(Value::Bool(false)),
        Value::List(l) => Ok(Value::Bool(l.iter().any(|v| go_eq(v, &a[0])))),
        other => Err(panic(format!("Cannot find has on type {}", kind(other)))),
    });
    f.insert("concat", |_, a| {
        let mut out = Vec::new();
        for l in a {
            match l {
                Value::List(l) => out.extend(l.iter().cloned()),
                Value::Nil => return Err(args::nil_deref()),
                other => return Err(panic(format!("Cannot concat type {} as list", kind(other)))),
            }
        }
        Ok(Value::list(out))
    });
    f.insert_with_arity("chunk", ex(2), |_, a| {
        let size = int(a, 0)?;
        let l = list_arg(&a[1], "chunk")?;
        if size <= 0 {
            return Err(panic("runtime error: integer divide by zero"));
        }
        Ok(Value::list(l.chunks(size as usize).map(|c| Value::list(c.to_vec())).collect()))
    });
    f.insert("slice", |_, a| {
        let Some(l) = a.first() else { return Err(args::nil_deref()) };
        let l = list_arg(l, "slice")?;
        let idx = a[1..].iter().map(to_int64).collect::<Vec<_>>();
        let (s, e) = match idx.as_slice() {
            [] => (0, l.len() as i64),
            [s] => (*s, l.len() as i64),
            [s, e, ..] => (*s, *e),
        };
        if s < 0 || e < s || e > l.len() as i64 {
            return Err(panic(format!("runtime error: slice bounds out of range [{s}:{e}]")));
        }
        Ok(Value::list(l[s as usize..e as usize].to_vec()))
    });

    // --- dicts
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

    // --- regex
    f.insert_with_arity("regexMatch", ex(2), |_, a| {
        // Sprig's regexMatch swallows a compile error (false); the others panic.
        let re = regex::Regex::new(args::string(a, 0)?);
        let s = args::string(a, 1)?;
        Ok(Value::Bool(re.is_ok_and(|re| re.is_match(s))))
    });
    f.insert_with_arity("regexFind", ex(2), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        Ok(sv(re.find(args::string(a, 1)?).map_or("", |m| m.as_str())))
    });
    f.insert_with_arity("regexFindAll", ex(3), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        let s = args::string(a, 1)?;
        let n = int(a, 2)?;
        let all: Vec<String> = re.find_iter(s).map(|m| m.as_str().to_string()).collect();
        let take = if n < 0 { all.len() } else { (n as usize).min(all.len()) };
        Ok(list_of_strings(all.into_iter().take(take).collect()))
    });
    f.insert_with_arity("regexReplaceAll", ex(3), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        Ok(sv(re.replace_all(args::string(a, 1)?, args::string(a, 2)?).into_owned()))
    });
    f.insert_with_arity("regexReplaceAllLiteral", ex(3), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        Ok(sv(re.replace_all(args::string(a, 1)?, regex::NoExpand(args::string(a, 2)?)).into_owned()))
    });
    f.insert_with_arity("regexSplit", ex(3), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        let s = args::string(a, 1)?;
        let n = int(a, 2)?;
        let v: Vec<String> = if n == 0 {
            Vec::new()
        } else if n < 0 {
            re.split(s).map(str::to_string).collect()
        } else {
            re.splitn(s, n as usize).map(str::to_string).collect()
        };
        Ok(list_of_strings(v))
    });
    f.insert_with_arity("regexQuoteMeta", ex(1), |_, a| Ok(sv(regex::escape(args::string(a, 0)?))));

    // --- semver
    f.insert_with_arity("semver", ex(1), |_, a| {
        let v = semver::Version::parse(args::string(a, 0)?).map_err(FuncError::Call)?;
        Ok(Value::Object(Rc::new(SemverObject(v))))
    });
    f.insert_with_arity("semverCompare", ex(2), |_, a| {
        let c = semver::Constraints::parse(args::string(a, 0)?).map_err(FuncError::Call)?;
        let v = semver::Version::parse(args::string(a, 1)?).map_err(FuncError::Call)?;
        Ok(Value::Bool(c.check(&v)))
    });

    // --- random
    let r = rng.clone();
    f.insert_with_arity("randAlphaNum", ex(1), move |_, a| Ok(sv(rand_string(&r, int(a, 0)?, ALNUM)?)));
    let r = rng.clone();
    f.insert_with_arity("randAlpha", ex(1), move |_, a| Ok(sv(rand_string(&r, int(a, 0)?, ALPHA)?)));
    let r = rng.clone();
    f.insert_with_arity("randNumeric", ex(1), move |_, a| Ok(sv(rand_string(&r, int(a, 0)?, b"0123456789")?)));
    let r = rng.clone();
    f.insert_with_arity("randAscii", ex(1), move |_, a| {
        let set: Vec<u8> = (32u8..=126).collect();
        Ok(sv(rand_string(&r, int(a, 0)?, &set)?))
    });
    let r = rng.clone();
    f.insert_with_arity("randInt", ex(2), move |_, a| {
        let (lo, hi) = (int(a, 0)?, int(a, 1)?);
        if hi <= lo {
            return Err(panic("invalid argument to Intn"));
        }
        Ok(Value::Int(lo.wrapping_add((r.next() % hi.wrapping_sub(lo) as u64) as i64)))
    });
    let r = rng.clone();
    f.insert_with_arity("shuffle", ex(1), move |_, a| {
        let mut c: Vec<char> = args::string(a, 0)?.chars().collect();
        for i in (1..c.len()).rev() {
            c.swap(i, r.below(i + 1));
        }
        Ok(sv(c.into_iter().collect::<String>()))
    });
    let r = rng.clone();
    f.insert_with_arity("randBytes", ex(1), move |_, a| {
        use base64::Engine;
        let n = int(a, 0)?;
        if n < 0 {
            return Err(panic("runtime error: makeslice: len out of range"));
        }
        let bytes: Vec<u8> = (0..n.min(1 << 24)).map(|_| r.next() as u8).collect();
        Ok(sv(base64::engine::general_purpose::STANDARD.encode(bytes)))
    });
    let r = rng;
    f.insert_with_arity("uuidv4", ex(0), move |_, _| {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&r.next().to_le_bytes());
        b[8..].copy_from_slice(&r.next().to_le_bytes());
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex::encode(b);
        Ok(sv(format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])))
    });

    // --- more strings
    f.insert_with_arity("camelcase", ex(1), |_, a| Ok(sv(camelcase(args::string(a, 0)?))));
    f.insert_with_arity("snakecase", ex(1), |_, a| Ok(sv(xstrings::camel_to_lower(args::string(a, 0)?, '_'))));
    f.insert_with_arity("kebabcase", ex(1), |_, a| Ok(sv(xstrings::camel_to_lower(args::string(a, 0)?, '-'))));
    f.insert_with_arity("wrap", ex(2), |_, a| Ok(sv(wrap_custom(args::string(a, 1)?, int(a, 0)?, "", false))));
    f.insert_with_arity("wrapWith", ex(3), |_, a| {
        Ok(sv(wrap_custom(args::string(a, 2)?, int(a, 0)?, args::string(a, 1)?, true)))
    });
    f.insert_with_arity("swapcase", ex(1), |_, a| {
        Ok(sv(args::string(a, 0)?
            .chars()
            .map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().next().unwrap_or(c)
                } else if c.is_lowercase() {
                    let mut u = c.to_uppercase();
                    match (u.next(), u.next()) {
                        (Some(x), None) => x,
                        _ => c,
                    }
                } else {
                    c
                }
            })
            .collect::<String>()))
    });
    f.insert_with_arity("initials", ex(1), |_, a| {
        let mut out = String::new();
        let mut gap = true;
        for b in args::string(a, 0)?.bytes() {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x85 | 0xa0) {
                gap = true;
            } else if gap {
                out.push(char::from(b));
                gap = false;
            }
        }
        Ok(sv(out))
    });
    f.insert_with_arity("abbrev", ex(2), |_, a| {
        let w = int(a, 0)?;
        let s = args::string(a, 1)?;
        if w < 4 || (s.len() as i64) <= w {
            return Ok(sv(s));
        }
        Ok(sv(abbreviate(s, 0, w)))
    });
    f.insert_with_arity("abbrevboth", ex(3), |_, a| {
        let left = int(a, 0)?;
        let right = int(a, 1)?;
        let s = args::string(a, 2)?;
        if right < 4 || (left > 0 && right < 7) {
            return Ok(sv(s));
        }
        Ok(sv(abbreviate(s, left, right)))
    });
    f.insert_with_arity("toDecimal", ex(1), |_, a| {
        let s = gotemplate::fmt::sprint(&a[..1]);
        let body = s.strip_prefix(['+', '-']).unwrap_or(&s);
        let v = if !body.is_empty() && body.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            i64::from_str_radix(&s, 8).unwrap_or(0)
        } else {
            0
        };
        Ok(Value::Int(v))
    });
    f.insert_with_arity("b32enc", ex(1), |_, a| Ok(sv(b32enc(args::string(a, 0)?.as_bytes()))));
    f.insert_with_arity("b32dec", ex(1), |_, a| Ok(sv(b32dec(args::string(a, 0)?))));
    for (name, base) in
        [("osBase", "base"), ("osDir", "dir"), ("osClean", "clean"), ("osExt", "ext"), ("osIsAbs", "isAbs")]
    {
        if let Some(func) = f.get(base).cloned() {
            let g = func.f.clone();
            f.insert_with_arity(name, func.arity, move |c, a| g(c, a));
        }
    }
    // The must* variants return the error their plain forms panic with: the same message.
    for (must, plain) in [
        ("mustAppend", "append"),
        ("mustPush", "push"),
        ("mustPrepend", "prepend"),
        ("mustFirst", "first"),
        ("mustLast", "last"),
        ("mustRest", "rest"),
        ("mustInitial", "initial"),
        ("mustReverse", "reverse"),
        ("mustUniq", "uniq"),
        ("mustWithout", "without"),
        ("mustHas", "has"),
        ("mustCompact", "compact"),
        ("mustSlice", "slice"),
        ("mustChunk", "chunk"),
        ("mustDeepCopy", "deepCopy"),
        ("mustRegexFind", "regexFind"),
        ("mustRegexFindAll", "regexFindAll"),
        ("mustRegexReplaceAll", "regexReplaceAll"),
        ("mustRegexReplaceAllLiteral", "regexReplaceAllLiteral"),
        ("mustRegexSplit", "regexSplit"),
    ] {
        if let Some(func) = f.get(plain).cloned() {
            let g = func.f.clone();
            f.insert_with_arity(must, func.arity, move |c, a| g(c, a));
        }
    }
    f.insert_with_arity("mustRegexMatch", ex(2), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        Ok(Value::Bool(re.is_match(args::string(a, 1)?)))
    });

    // --- dates
    let now = opts.now;
    f.insert_with_arity("now", ex(0), move |_, _| Ok(date::now(now).into_value()));
    f.insert_with_arity("date", ex(2), move |_, a| Ok(sv(date::format_arg(args::string(a, 0)?, &a[1], now))));
    for name in ["dateInZone", "date_in_zone"] {
        f.insert_with_arity(name, ex(3), move |_, a| {
            let _ = args::string(a, 2)?;
            Ok(sv(date::format_arg(args::string(a, 0)?, &a[1], now)))
        });
    }
    f.insert_with_arity("htmlDate", ex(1), move |_, a| Ok(sv(date::format_arg("2006-01-02", &a[0], now))));
    f.insert_with_arity("htmlDateInZone", ex(2), move |_, a| {
        let _ = args::string(a, 1)?;
        Ok(sv(date::format_arg("2006-01-02", &a[0], now)))
    });
    register_time(&mut f, now);
    f.insert_with_arity("hello", ex(0), |_, _| Ok(sv("Hello!")));
    f.insert_with_arity("mustFromJson", ex(1), |_, a| {
        let text = args::string(a, 0)?;
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(j) => Ok(Value::from_json(&j, false)),
            Err(e) => Err(FuncError::Call(json_error(text, &e))),
        }
    });
    f.insert_with_arity("unixEpoch", ex(1), |_, a| match &a[0] {
        Value::Object(o) => Ok(sv(o.call_method("Unix", &[]).map(|v| strval(&v)).unwrap_or_default())),
        other => Err(FuncError::Exec(format!("wrong type for value; expected time.Time; got {}", other.type_name()))),
    });
    f
}

pub mod date;

/// The `time.Time` parameter `i` (Go's type error otherwise).
fn time_arg(a: &[Value], i: usize) -> Result<date::Time, FuncError> {
    match a.get(i) {
        Some(v) => date::Time::from_value(v).ok_or_else(|| {
            let got = if matches!(v, Value::Nil) { "interface {}".to_string() } else { v.type_name() };
            FuncError::Arg(i, format!("wrong type for value; expected time.Time; got {got}"))
        }),
        None => Err(FuncError::Arg(i, "wrong type for value; expected time.Time; got interface {}".into())),
    }
}

/// Sprig's duration and date-parsing functions, the decimal floating-point family and the URL
/// functions (`toDate`, `dateModify`, `ago`, `duration`, `durationRound`, `addf`, `urlParse`, ...).
/// `Value::Int` stands for Go's `int64` here (see the module docs).
fn register_time(f: &mut Funcs, now: Option<(i64, u32)>) {
    let ex = Arity::Exact;
    let al = Arity::AtLeast;
    f.insert_with_arity("toDate", ex(2), |_, a| {
        let (layout, value) = (args::string(a, 0)?, args::string(a, 1)?);
        Ok(date::parse(layout, value).unwrap_or_else(|_| date::Time::zero()).into_value())
    });
    f.insert_with_arity("mustToDate", ex(2), |_, a| {
        let (layout, value) = (args::string(a, 0)?, args::string(a, 1)?);
        Ok(date::parse(layout, value).map_err(FuncError::Call)?.into_value())
    });
    for name in ["dateModify", "date_modify"] {
        f.insert_with_arity(name, ex(2), |_, a| {
            let d = args::string(a, 0)?;
            let t = time_arg(a, 1)?;
            Ok(match date::parse_duration(d) {
                Ok(d) => t.add(d),
                Err(_) => t,
            }
            .into_value())
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        f.insert_with_arity(name, ex(2), |_, a| {
            let d = args::string(a, 0)?;
            let t = time_arg(a, 1)?;
            Ok(t.add(date::parse_duration(d).map_err(FuncError::Call)?).into_value())
        });
    }
    f.insert_with_arity("ago", ex(1), move |_, a| {
        let current = date::now(now);
        let t = match &a[0] {
            Value::Int(i) => date::Time::utc(*i, 0),
            v => date::Time::from_value(v).unwrap_or_else(|| current.clone()),
        };
        Ok(sv(date::duration_string(date::duration_round(current.sub(&t), 1_000_000_000))))
    });
    f.insert_with_arity("duration", ex(1), |_, a| {
        let n = match &a[0] {
            // strconv.ParseInt(s, 10, 64): out of range gives the extreme of the sign.
            Value::String(s) => s.parse::<i64>().unwrap_or_else(|_| {
                let body = s.strip_prefix(['+', '-']).unwrap_or(s);
                match (body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()), s.starts_with('-')) {
                    (true, _) => 0,
                    (false, true) => i64::MIN,
                    (false, false) => i64::MAX,
                }
            }),
            Value::Int(i) => *i,
            _ => 0,
        };
        Ok(sv(date::duration_string(n.wrapping_mul(1_000_000_000))))
    });
    f.insert_with_arity("durationRound", ex(1), move |_, a| {
        let d = match &a[0] {
            Value::String(s) => date::parse_duration(s).unwrap_or(0),
            Value::Int(i) => *i,
            v => match date::Time::from_value(v) {
                Some(t) => date::now(now).sub(&t),
                None => 0,
            },
        };
        let u = d.unsigned_abs();
        const HOUR: u64 = 3_600_000_000_000;
        let (year, month, day, minute, second) =
            (HOUR * 24 * 365, HOUR * 24 * 30, HOUR * 24, 60_000_000_000, 1_000_000_000);
        Ok(sv(if u > year {
            format!("{}y", u / year)
        } else if u > month {
            format!("{}mo", u / month)
        } else if u > day {
            format!("{}d", u / day)
        } else if u > HOUR {
            format!("{}h", u / HOUR)
        } else if u > minute {
            format!("{}m", u / minute)
        } else if u > second {
            format!("{}s", u / second)
        } else {
            "0s".to_string()
        }))
    });

    f.insert_with_arity("add1f", ex(1), |_, a| decimal::exec(&a[0], &[Value::Int(1)], decimal::Op::Add));
    f.insert("addf", |_, a| decimal::exec(&Value::Float(0.0), a, decimal::Op::Add));
    f.insert_with_arity("subf", al(1), |_, a| decimal::exec(&a[0], &a[1..], decimal::Op::Sub));
    f.insert_with_arity("mulf", al(1), |_, a| decimal::exec(&a[0], &a[1..], decimal::Op::Mul));
    f.insert_with_arity("divf", al(1), |_, a| decimal::exec(&a[0], &a[1..], decimal::Op::Div));

    f.insert_with_arity("urlParse", ex(1), |_, a| url::url_parse(args::string(a, 0)?));
    f.insert_with_arity("urlJoin", ex(1), |c, a| url::url_join(map(c, a, 0)?));
}

fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b > a { b } else { a }
}

fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b < a { b } else { a }
}

/// xstrings 1.3.3 `ToCamelCase` (UpperCamel: `foo_bar baz` → `FooBarBaz`).
fn camelcase(s: &str) -> String {
    let is_connector = |c: char| c == '-' || c == '_' || c.is_whitespace();
    let upper = |c: char| {
        let mut u = c.to_uppercase();
        match (u.next(), u.next()) {
            (Some(x), None) => x,
            _ => c,
        }
    };
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
    let mut chars = s.chars();
    let mut out = String::new();
    let mut r0 = None;
    for c in chars.by_ref() {
        if !is_connector(c) {
            r0 = Some(upper(c));
            break;
        }
        out.push(c);
    }
    let Some(mut r0) = r0 else {
        // All connectors: Go writes the last one a second time.
        if let Some(last) = s.chars().last() {
            out.push(last);
        }
        return out;
    };
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = upper(r0);
        } else {
            r0 = lower(r0);
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

/// goutils `WrapCustom`, on bytes as Go's.
fn wrap_custom(s: &str, wrap_length: i64, newline: &str, wrap_long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline };
    let wl = wrap_length.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::new();
    while len - offset > wl {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = wl + offset + 1;
        let last_space = b[offset..end].iter().rposition(|c| *c == b' ');
        if let Some(sp) = last_space.map(|i| i + offset) {
            out.extend_from_slice(&b[offset..sp]);
            out.extend_from_slice(newline.as_bytes());
            offset = sp + 1;
        } else if wrap_long_words {
            let end = wl + offset;
            out.extend_from_slice(&b[offset..end]);
            out.extend_from_slice(newline.as_bytes());
            offset += wl;
        } else {
            let end = wl + offset;
            match b[end..].iter().position(|c| *c == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = len;
                }
                Some(i) => {
                    let sp = i + end;
                    out.extend_from_slice(&b[offset..sp]);
                    out.extend_from_slice(newline.as_bytes());
                    offset = sp + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    bytes_to_string(&out)
}

/// goutils `AbbreviateFull` (errors give "").
fn abbreviate(s: &str, offset: i64, max_width: i64) -> String {
    let b = s.as_bytes();
    let len = b.len() as i64;
    if s.is_empty() || max_width < 4 {
        return String::new();
    }
    if len <= max_width {
        return s.to_string();
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return format!("{}...", bytes_to_string(&b[..(max_width - 3) as usize]));
    }
    if max_width < 7 {
        return String::new();
    }
    if offset + max_width - 3 < len {
        let rest = bytes_to_string(&b[offset as usize..]);
        return format!("...{}", abbreviate(&rest, 0, max_width - 3));
    }
    format!("...{}", bytes_to_string(&b[(len - (max_width - 3)) as usize..]))
}

const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b32enc(src: &[u8]) -> String {
    let mut out = String::new();
    for chunk in src.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(B32[((n >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b32dec(s: &str) -> String {
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
    if !bytes.len().is_multiple_of(8) {
        let at = bytes.len() - bytes.len() % 8;
        return format!("illegal base32 data at input byte {at}");
    }
    let mut out = Vec::new();
    for (q, chunk) in bytes.chunks(8).enumerate() {
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        let data = &chunk[..8 - pad];
        if !matches!(pad, 0 | 1 | 3 | 4 | 6) || (pad > 0 && q + 1 != bytes.len() / 8) {
            return format!("illegal base32 data at input byte {}", q * 8 + data.len());
        }
        let mut n: u64 = 0;
        for (i, c) in data.iter().enumerate() {
            match B32.iter().position(|x| x == c) {
                Some(p) => n |= (p as u64) << (35 - 5 * i),
                None => return format!("illegal base32 data at input byte {}", q * 8 + i),
            }
        }
        let take = match pad {
            0 => 5,
            1 => 4,
            3 => 3,
            4 => 2,
            _ => 1,
        };
        let all = n.to_be_bytes();
        out.extend_from_slice(&all[3..3 + take]);
    }
    bytes_to_string(&out)
}

/// Go's `strings.ToUpper`: rune by rune, simple case mappings only (`ß` stays).
fn go_upper(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut u = c.to_uppercase();
            match (u.next(), u.next()) {
                (Some(x), None) => x,
                _ => c,
            }
        })
        .collect()
}

/// Go's `strings.ToLower`.
fn go_lower(s: &str) -> String {
    s.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect()
}

/// Go's `strings.Split`.
fn go_split(s: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        return s.chars().map(String::from).collect();
    }
    s.split(sep).map(str::to_string).collect()
}

fn b64dec(s: &str) -> String {
    // Go's StdEncoding.DecodeString: padding required; the error names the first bad byte.
    const ALPH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
    let mut out = Vec::new();
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        let mut quad = [0u8; 4];
        let mut got = 0;
        let mut j = i;
        while got < 4 {
            if j >= n {
                if got == 0 {
                    return bytes_to_string(&out);
                }
                return format!("illegal base64 data at input byte {i}");
            }
            let c = bytes[j];
            if c == b'=' {
                // padding: valid only at positions 2 or 3 of a quantum
                match got {
                    2 => {
                        if j + 1 >= n || bytes[j + 1] != b'=' {
                            return format!("illegal base64 data at input byte {}", j + 1);
                        }
                        if j + 2 != n {
                            return format!("illegal base64 data at input byte {}", j + 2);
                        }
                        out.push((quad[0] << 2) | (quad[1] >> 4));
                        return bytes_to_string(&out);
                    }
                    3 => {
                        if j + 1 != n {
                            return format!("illegal base64 data at input byte {}", j + 1);
                        }
                        out.push((quad[0] << 2) | (quad[1] >> 4));
                        out.push((quad[1] << 4) | (quad[2] >> 2));
                        return bytes_to_string(&out);
                    }
                    _ => return format!("illegal base64 data at input byte {j}"),
                }
            }
            match ALPH.iter().position(|a| *a == c) {
                Some(p) => quad[got] = p as u8,
                None => return format!("illegal base64 data at input byte {j}"),
            }
            got += 1;
            j += 1;
        }
        out.push((quad[0] << 2) | (quad[1] >> 4));
        out.push((quad[1] << 4) | (quad[2] >> 2));
        out.push((quad[2] << 6) | quad[3]);
        i = j;
    }
    bytes_to_string(&out)
}

fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn path_dir(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    path_clean(dir)
}

/// `*semver.Version` as a template sees it: prints as `String()`, methods `Major` etc.
#[derive(Debug)]
struct SemverObject(semver::Version);

impl gotemplate::Object for SemverObject {
    fn type_name(&self) -> String {
        "*semver.Version".into()
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Major" | "Minor" | "Patch" | "Prerelease" | "Metadata" | "Original" | "String")
    }
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        let v = &self.0;
        Ok(match name {
            "Major" => Value::Uint(v.major),
            "Minor" => Value::Uint(v.minor),
            "Patch" => Value::Uint(v.patch),
            "Prerelease" => sv(v.pre.clone()),
            "Metadata" => sv(v.metadata.clone()),
            "Original" => sv(v.original.clone()),
            "String" => sv(v.to_string()),
            _ => return Err(format!("can't evaluate field {name} in type *semver.Version")),
        })
    }
    fn format_v(&self) -> String {
        self.0.to_string()
    }
}

/// encoding/json's syntax error messages, as far as serde_json's error tells.
pub(crate) fn json_error(text: &str, e: &serde_json::Error) -> String {
    if text.trim().is_empty() || e.is_eof() {
        return "unexpected end of JSON input".into();
    }
    // The offending character: serde reports a line and column (1-based, in characters).
    let line = e.line();
    let col = e.column();
    let c = text.lines().nth(line.saturating_sub(1)).and_then(|l| l.chars().nth(col.saturating_sub(1)));
    let before = text
        .lines()
        .take(line.saturating_sub(1))
        .map(|l| format!("{l}\n"))
        .chain(
            text.lines().nth(line.saturating_sub(1)).map(|l| l.chars().take(col.saturating_sub(1)).collect::<String>()),
        )
        .collect::<String>();
    let what = match before.trim_end().chars().last() {
        Some('{') => "looking for beginning of object key string",
        _ => "looking for beginning of value",
    };
    match c {
        Some(c) => format!("invalid character {} {what}", go_quote_rune(c)),
        None => "unexpected end of JSON input".into(),
    }
}

fn go_quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        c => format!("'{c}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotemplate::Template;

    fn render(funcs: &Funcs, text: &str, data: &Value) -> Result<String, String> {
        let t = Template::new("t").funcs(funcs);
        t.parse(text).map_err(|e| e.to_string())?;
        t.execute_to_string(data).map_err(|e| e.to_string())
    }

    #[test]
    fn a_seed_makes_random_functions_repeatable() {
        let text = "{{ randAlphaNum 16 }}\n{{ randAlpha 4 }}\n{{ randNumeric 4 }}\n{{ randAscii 8 }}\n{{ uuidv4 }}\n{{ shuffle \"abcdef\" }}";
        let a = render(&sprig_funcs_with(SprigOptions { seed: Some(7), now: None }), text, &Value::Nil).unwrap();
        let b = render(&sprig_funcs_with(SprigOptions { seed: Some(7), now: None }), text, &Value::Nil).unwrap();
        let c = render(&sprig_funcs_with(SprigOptions { seed: Some(8), now: None }), text, &Value::Nil).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let uuid = a.split('\n').nth(4).unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
    }

    #[test]
    fn a_fixed_clock_makes_now_repeatable() {
        let f = sprig_funcs_with(SprigOptions { seed: Some(1), now: Some((1_700_000_000, 123_000_000)) });
        assert_eq!(
            render(&f, "{{ now | date \"2006-01-02T15:04:05Z07:00\" }}|{{ now }}|{{ now | unixEpoch }}", &Value::Nil)
                .unwrap(),
            "2023-11-14T22:13:20Z|2023-11-14 22:13:20.123 +0000 UTC|1700000000"
        );
    }

    #[test]
    fn no_panic_on_extreme_numbers() {
        let f = sprig_funcs_with(SprigOptions { seed: Some(1), now: None });
        for t in [
            "{{ seq 9223372036854775807 }}",
            "{{ untilStep 9223372036854775800 9223372036854775807 5 }}",
            "{{ randInt -9223372036854775808 9223372036854775807 }}",
            "{{ div -9223372036854775808 -1 }}",
            "{{ mod -9223372036854775808 -1 }}",
            "{{ add 9223372036854775807 1 }}",
            "{{ int \"99999999999999999999\" }}",
            "{{ int 1e300 }}",
            "{{ substr 5 2 \"abc\" }}",
            "{{ trunc -9223372036854775808 \"abc\" }}",
            "{{ abbrevboth -5 10 \"hello wonderful world\" }}",
            "{{ round 1.5 400 }}",
            "{{ chunk -1 (list 1) }}",
        ] {
            let _ = render(&f, t, &Value::Nil);
        }
    }
}
